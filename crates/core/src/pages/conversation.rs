//! A chat's turns (the user's prompts, the model's answers and their receipts), whether the
//! next Send follows up or starts anew, the messages a follow-up sends, and "Fix it"'s prompt.

use serde::{Deserialize, Serialize};

use crate::iterate::{FixLoop, LoopEnd};
use crate::provider::request::{ChatMessage, Role};
use crate::run::receipt::TurnReceipt;

/// One prompt and the answer it got (empty while it streams, or if it never came).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Turn {
    pub prompt: String,
    pub answer: String,
    /// Who answered, when and how fast; none while it streams, and in chats saved before
    /// turns kept receipts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<TurnReceipt>,
}

/// What the next Send does, said before it is pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextSend {
    /// Nothing earlier is sent.
    NewChat,
    /// The model gets this many earlier answered turns with the prompt.
    FollowUp { turns: usize },
    /// The chat was with `from`; another model is chosen, so Send starts a new chat rather
    /// than hand one model's conversation to another unasked.
    ModelChanged { from: String, to: String },
}

impl NextSend {
    pub fn starts_new_chat(&self) -> bool {
        !matches!(self, Self::FollowUp { .. })
    }

    /// The Send button's words.
    pub fn button(&self) -> &'static str {
        if self.starts_new_chat() {
            "Send: new chat"
        } else {
            "Send: follow-up"
        }
    }

    /// The line by the prompt.
    pub fn explain(&self) -> String {
        match self {
            Self::NewChat => "New chat: the model gets only this prompt.".into(),
            Self::FollowUp { turns: 1 } => {
                "Follow-up in this chat: the model also gets the earlier turn.".into()
            }
            Self::FollowUp { turns } => {
                format!("Follow-up in this chat: the model also gets the {turns} earlier turns.")
            }
            Self::ModelChanged { from, to } => format!(
                "New chat: this chat was with {from}, so {to} starts afresh (its turns are not sent)."
            ),
        }
    }
}

/// The turns of one chat, oldest first, and the model it follows up with.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conversation {
    turns: Vec<Turn>,
    model: Option<String>,
}

impl Conversation {
    pub fn new() -> Self {
        Self::default()
    }

    /// A chat restored from its saved turns, held with the model of its last receipt (else
    /// `model`, the one its session names).
    pub fn from_turns(turns: Vec<Turn>, model: &str) -> Self {
        let model = turns
            .iter()
            .rev()
            .find_map(|t| t.receipt.as_ref().map(|r| r.model.clone()))
            .unwrap_or_else(|| model.to_string());
        Self {
            turns,
            model: Some(model),
        }
    }

    pub fn turns(&self) -> &[Turn] {
        &self.turns
    }

    pub fn is_empty(&self) -> bool {
        self.turns.is_empty()
    }

    /// Whether any turn got an answer: a chat without one (its requests failed) is not kept.
    pub fn has_answer(&self) -> bool {
        self.turns.iter().any(|t| !t.answer.is_empty())
    }

    /// The model this chat follows up with.
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// What Send would do with `model` chosen.
    pub fn next_send(&self, model: &str) -> NextSend {
        let turns = self.turns.iter().filter(|t| !t.answer.is_empty()).count();
        match self.model.as_deref() {
            _ if turns == 0 => NextSend::NewChat,
            Some(from) if from != model => NextSend::ModelChanged {
                from: from.to_string(),
                to: model.to_string(),
            },
            _ => NextSend::FollowUp { turns },
        }
    }

    /// The user chose to go on with this chat on `model` ("Keep this chat").
    pub fn keep_with(&mut self, model: &str) {
        self.model = Some(model.to_string());
    }

    /// Starts a turn with `prompt` on `model`; returns the messages to send: every earlier
    /// answered turn, then the prompt. A turn with no answer (stopped before any text, or
    /// failed) is left out, so user and assistant messages alternate as Anthropic's API
    /// requires. Whether to follow up at all is the caller's choice (see `next_send`).
    pub fn ask(&mut self, prompt: impl Into<String>, model: &str) -> Vec<ChatMessage> {
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
            ..Turn::default()
        });
        self.model = Some(model.to_string());
        messages
    }

    /// Records the answer to the latest turn (whatever text arrived, even if stopped) and
    /// its receipt.
    pub fn answered(&mut self, answer: impl Into<String>, receipt: TurnReceipt) {
        if let Some(turn) = self.turns.last_mut() {
            turn.answer = answer.into();
            turn.receipt = Some(receipt);
        }
    }

    /// A fix loop has ended: the last turn keeps the code as it ended (what a follow-up
    /// continues) and its receipt gains the loop's time to green and effective rate, if it
    /// went green.
    pub fn loop_ended(&mut self, answer: impl Into<String>, fix: &FixLoop) {
        if let Some(turn) = self.turns.last_mut() {
            turn.answer = answer.into();
            if let Some(receipt) = &mut turn.receipt {
                receipt.figures.time_to_green_ms = match fix.end() {
                    Some(LoopEnd::Green { time_to_green_ms }) => Some(time_to_green_ms),
                    _ => None,
                };
                receipt.figures.effective_tokens_per_second = fix.effective_rate();
            }
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

    use crate::iterate::Verdict;
    use crate::run::receipt::Receipt;

    fn receipt(model: &str) -> TurnReceipt {
        TurnReceipt {
            model: model.into(),
            endpoint_id: "demo".into(),
            endpoint_name: "Demo".into(),
            ended_ms: 1.0,
            figures: Receipt::default(),
        }
    }

    fn roles(messages: &[ChatMessage]) -> Vec<Role> {
        messages.iter().map(|m| m.role).collect()
    }

    #[test]
    fn a_loop_keeps_the_turns_receipt_and_adds_its_time_to_green() {
        let mut chat = Conversation::new();
        chat.ask("write a game", "demo-1000");
        chat.answered("first answer", receipt("demo-1000"));
        let mut fix = FixLoop::new(3, 0.0);
        fix.answered("```js\nconsole.log(1)\n```\n", 8, 900.0);
        fix.ran(Verdict::Pass, 1840.0);
        chat.loop_ended("the code as it ended", &fix);
        let turn = &chat.turns()[0];
        assert_eq!(turn.answer, "the code as it ended");
        let kept = turn.receipt.as_ref().expect("the turn's receipt stays");
        assert_eq!(kept.model, "demo-1000");
        assert_eq!(kept.figures.time_to_green_ms, Some(1840.0));
        assert_eq!(
            kept.figures.effective_tokens_per_second,
            fix.effective_rate()
        );
        assert!(kept.figures.effective_tokens_per_second.is_some());
    }

    #[test]
    fn a_first_prompt_is_sent_alone() {
        let mut chat = Conversation::new();
        let messages = chat.ask("Write a clock", "m");
        assert_eq!(messages, [ChatMessage::user("Write a clock")]);
        assert_eq!(chat.turns().len(), 1);
    }

    #[test]
    fn a_follow_up_carries_every_earlier_turn_in_order() {
        let mut chat = Conversation::new();
        chat.ask("Write a clock", "m");
        chat.answered("<p>clock</p>", receipt("m"));
        chat.ask("Make it red", "m");
        chat.answered("<p style=color:red>clock</p>", receipt("m"));
        let messages = chat.ask("Add seconds", "m");
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
        chat.ask("Stopped at once", "m");
        let messages = chat.ask("Try again", "m");
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
        chat.answered("orphan", receipt("m"));
        assert!(chat.is_empty());
    }

    #[test]
    fn restored_turns_continue() {
        let mut chat = Conversation::from_turns(
            vec![Turn {
                prompt: "a".into(),
                answer: "b".into(),
                receipt: None,
            }],
            "m",
        );
        assert_eq!(
            chat.model(),
            Some("m"),
            "without receipts, the session's model"
        );
        assert_eq!(chat.next_send("m"), NextSend::FollowUp { turns: 1 });
        assert_eq!(chat.ask("c", "m").len(), 3);
    }

    #[test]
    fn a_restored_chat_is_held_with_its_last_receipts_model() {
        let turn = |model: &str| Turn {
            prompt: "p".into(),
            answer: "a".into(),
            receipt: Some(receipt(model)),
        };
        let chat = Conversation::from_turns(vec![turn("x"), turn("y")], "session-model");
        assert_eq!(chat.model(), Some("y"));
    }

    #[test]
    fn send_says_whether_it_follows_up() {
        let mut chat = Conversation::new();
        assert_eq!(chat.next_send("demo-1000"), NextSend::NewChat);
        chat.ask("Write a clock", "demo-1000");
        assert_eq!(
            chat.next_send("demo-1000"),
            NextSend::NewChat,
            "nothing answered yet, so nothing would be sent"
        );
        chat.answered("<p>clock</p>", receipt("demo-1000"));
        let follow = chat.next_send("demo-1000");
        assert_eq!(follow, NextSend::FollowUp { turns: 1 });
        assert!(!follow.starts_new_chat());
        assert_eq!(follow.button(), "Send: follow-up");
        assert!(follow.explain().starts_with("Follow-up in this chat"));
    }

    #[test]
    fn another_model_starts_a_new_chat_unless_the_chat_is_kept() {
        let mut chat = Conversation::new();
        chat.ask("Write a clock", "demo-1000");
        chat.answered("<p>clock</p>", receipt("demo-1000"));
        let next = chat.next_send("demo-52");
        assert_eq!(
            next,
            NextSend::ModelChanged {
                from: "demo-1000".into(),
                to: "demo-52".into()
            }
        );
        assert!(next.starts_new_chat());
        assert_eq!(next.button(), "Send: new chat");
        let said = next.explain();
        assert!(
            said.contains("demo-1000") && said.contains("demo-52"),
            "{said}"
        );
        chat.keep_with("demo-52");
        assert_eq!(chat.next_send("demo-52"), NextSend::FollowUp { turns: 1 });
        assert!(matches!(
            chat.next_send("demo-1000"),
            NextSend::ModelChanged { .. }
        ));
    }

    #[test]
    fn a_chat_whose_requests_all_failed_has_no_answer() {
        let mut chat = Conversation::new();
        chat.ask("Unreachable", "m");
        chat.answered("", receipt("m"));
        assert!(!chat.has_answer());
        chat.ask("Again", "m");
        chat.answered("hello", receipt("m"));
        assert!(chat.has_answer());
        assert_eq!(chat.turns()[1].receipt, Some(receipt("m")));
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
