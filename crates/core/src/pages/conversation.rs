//! A chat's turns (the user's prompts and the model's answers), the message list a follow-up
//! sends so the model sees the whole chat, and the "Fix it" prompt built from a failed run.

use serde::{Deserialize, Serialize};

use crate::provider::request::{ChatMessage, Role};

/// One prompt and the answer it got (empty while it streams, or if it never came).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Turn {
    pub prompt: String,
    pub answer: String,
}

/// The turns of one chat, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Conversation {
    turns: Vec<Turn>,
}

impl Conversation {
    pub fn new() -> Self {
        Self::default()
    }

    /// A chat restored from its saved turns.
    pub fn from_turns(turns: Vec<Turn>) -> Self {
        Self { turns }
    }

    pub fn turns(&self) -> &[Turn] {
        &self.turns
    }

    pub fn is_empty(&self) -> bool {
        self.turns.is_empty()
    }

    /// Starts a turn with `prompt`; returns the messages to send: every earlier answered
    /// turn, then the prompt. A turn with no answer (stopped before any text, or failed) is
    /// left out, so user and assistant messages alternate as Anthropic's API requires.
    pub fn ask(&mut self, prompt: impl Into<String>) -> Vec<ChatMessage> {
        let mut messages = Vec::with_capacity(self.turns.len() * 2 + 1);
        for turn in self.turns.iter().filter(|t| !t.answer.is_empty()) {
            messages.push(ChatMessage::user(turn.prompt.clone()));
            messages.push(ChatMessage {
                role: Role::Assistant,
                content: turn.answer.clone(),
            });
        }
        let prompt = prompt.into();
        messages.push(ChatMessage::user(prompt.clone()));
        self.turns.push(Turn {
            prompt,
            answer: String::new(),
        });
        messages
    }

    /// Records the answer to the latest turn (whatever text arrived, even if stopped).
    pub fn answered(&mut self, answer: impl Into<String>) {
        if let Some(turn) = self.turns.last_mut() {
            turn.answer = answer.into();
        }
    }
}

/// The follow-up that asks the model to fix `code` (a `label` block, e.g. "html") given the
/// run's last `error`. The fence is longer than any backtick run in the code, so code that
/// itself contains fences stays one block.
pub fn fix_it_prompt(label: &str, code: &str, error: &str) -> String {
    let fence = crate::edit::prompt::fence_for(code);
    let code = code.strip_suffix('\n').unwrap_or(code);
    let label = label.trim();
    format!(
        "This code fails when it runs:\n\n{fence}{label}\n{code}\n{fence}\n\n\
         The error:\n\n{error}\n\n\
         Fix it and reply with the whole corrected code in one block.",
        error = error.trim(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(messages: &[ChatMessage]) -> Vec<Role> {
        messages.iter().map(|m| m.role).collect()
    }

    #[test]
    fn a_first_prompt_is_sent_alone() {
        let mut chat = Conversation::new();
        let messages = chat.ask("Write a clock");
        assert_eq!(messages, [ChatMessage::user("Write a clock")]);
        assert_eq!(chat.turns().len(), 1);
    }

    #[test]
    fn a_follow_up_carries_every_earlier_turn_in_order() {
        let mut chat = Conversation::new();
        chat.ask("Write a clock");
        chat.answered("<p>clock</p>");
        chat.ask("Make it red");
        chat.answered("<p style=color:red>clock</p>");
        let messages = chat.ask("Add seconds");
        assert_eq!(
            roles(&messages),
            [
                Role::User,
                Role::Assistant,
                Role::User,
                Role::Assistant,
                Role::User
            ]
        );
        let texts: Vec<&str> = messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Write a clock",
                "<p>clock</p>",
                "Make it red",
                "<p style=color:red>clock</p>",
                "Add seconds"
            ]
        );
    }

    #[test]
    fn a_turn_without_an_answer_is_left_out_so_roles_alternate() {
        let mut chat = Conversation::new();
        chat.ask("Stopped at once");
        let messages = chat.ask("Try again");
        assert_eq!(messages, [ChatMessage::user("Try again")]);
        assert_eq!(
            chat.turns().len(),
            2,
            "the history still shows the stopped turn"
        );
    }

    #[test]
    fn answered_without_a_turn_does_nothing() {
        let mut chat = Conversation::new();
        chat.answered("orphan");
        assert!(chat.is_empty());
    }

    #[test]
    fn restored_turns_continue() {
        let mut chat = Conversation::from_turns(vec![Turn {
            prompt: "a".into(),
            answer: "b".into(),
        }]);
        assert_eq!(chat.ask("c").len(), 3);
    }

    #[test]
    fn fix_it_holds_the_code_and_the_error() {
        let prompt = fix_it_prompt(
            "html",
            "<p>hi</p>\n",
            "  ReferenceError: x is not defined\n",
        );
        assert!(prompt.contains("```html\n<p>hi</p>\n```\n"), "{prompt}");
        assert!(
            prompt.contains("\n\nReferenceError: x is not defined\n\n"),
            "{prompt}"
        );
    }

    #[test]
    fn fix_it_fences_code_that_contains_fences() {
        let code = "doc = '''\n````md\nx\n````\n'''";
        let prompt = fix_it_prompt("python", code, "SyntaxError");
        assert!(prompt.contains("`````python\n"), "{prompt}");
        assert!(prompt.contains("'''\n`````\n"), "{prompt}");
    }
}
