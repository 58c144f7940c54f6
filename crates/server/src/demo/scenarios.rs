//! Plays the demo's scenarios: the first user message chooses one (ranked against the prepared
//! answers), the last says which step comes next: a fix for the error it quotes, or a follow-up.
//!
//! Anything else is not a scenario's turn, and the caller answers as it always did.

use std::sync::Arc;

use super::{
    catalog::{Catalog, CatalogError, LONG_PREFIX},
    retrieve::Bm25,
    scenario_file::{self, ScenarioFile, StepKind},
    tokens::TokenizedText,
};
use crate::api::request::Message;

/// The scenarios, tokenized, and one index over the answers' texts, the scenarios' prompts
/// and their follow-up requests (so words common to all of them weigh little).
#[derive(Debug)]
pub struct Scenarios {
    scenarios: Vec<Scenario>,
    index: Bm25,
    /// Documents before this index are the catalog's answers.
    first_scenario: usize,
    /// For each document from `first_scenario + scenarios.len()` on: the scenario and step
    /// whose follow-up requests it holds.
    follow_ups: Vec<(usize, usize)>,
}

#[derive(Debug)]
struct Scenario {
    answer: Arc<TokenizedText>,
    steps: Vec<Step>,
}

#[derive(Debug)]
struct Step {
    /// The error a fix answers, with its white space folded; None for a follow-up.
    fixes: Option<String>,
    text: Arc<TokenizedText>,
}

impl Scenarios {
    /// Loads the embedded scenarios, to be ranked against `catalog`'s answers.
    pub fn embedded(catalog: &Catalog) -> Result<Self, CatalogError> {
        Self::new(catalog, scenario_file::embedded()?)
    }

    fn new(catalog: &Catalog, files: Vec<ScenarioFile>) -> Result<Self, CatalogError> {
        let mut documents = catalog.documents().to_vec();
        let first_scenario = documents.len();
        documents.extend(
            files
                .iter()
                .map(|f| format!("{} {}", f.prompts.join(" "), f.title)),
        );
        let mut follow_ups = Vec::new();
        let mut scenarios = Vec::with_capacity(files.len());
        for (index, file) in files.into_iter().enumerate() {
            let mut steps = Vec::with_capacity(file.steps.len());
            for (number, step) in file.steps.into_iter().enumerate() {
                let fixes = match step.kind {
                    StepKind::Fix { error } => Some(folded(&error)),
                    StepKind::FollowUp { requests } => {
                        documents.push(requests.join(" "));
                        follow_ups.push((index, number));
                        None
                    }
                };
                steps.push(Step {
                    fixes,
                    text: Arc::new(TokenizedText::new(step.answer)?),
                });
            }
            scenarios.push(Scenario {
                answer: Arc::new(TokenizedText::new(file.answer)?),
                steps,
            });
        }
        Ok(Self {
            index: Bm25::new(documents),
            scenarios,
            first_scenario,
            follow_ups,
        })
    }

    /// The answer a scenario gives this conversation, or None when it is not a scenario's
    /// turn: the first user message matches no scenario better than every prepared answer,
    /// or the last one is neither a fix request for one of its errors nor one of its
    /// follow-up requests.
    pub fn reply(&self, messages: &[Message]) -> Option<Arc<TokenizedText>> {
        let mut asked = messages.iter().filter(|m| m.role == "user");
        let first = asked.next()?;
        let chosen = self.choose(&prose(&first.text()))?;
        let scenario = &self.scenarios[chosen];
        let Some(last) = asked.next_back() else {
            return Some(Arc::clone(&scenario.answer));
        };
        let request = prose(&last.text());
        let step = self
            .fix_for(scenario, &request)
            .or_else(|| self.follow_up_for(chosen, &request))?;
        Some(Arc::clone(&scenario.steps[step].text))
    }

    /// The scenario whose prompts fit `prompt` best, if it fits better than every answer.
    fn choose(&self, prompt: &str) -> Option<usize> {
        if prompt.trim_start().starts_with(LONG_PREFIX) {
            return None;
        }
        let end = self.first_scenario + self.scenarios.len();
        self.index
            .best_among(prompt, |i| i < end)?
            .checked_sub(self.first_scenario)
    }

    /// The first fix whose error the request quotes.
    fn fix_for(&self, scenario: &Scenario, request: &str) -> Option<usize> {
        let request = folded(request);
        scenario.steps.iter().position(|step| {
            step.fixes
                .as_deref()
                .is_some_and(|error| request.contains(error))
        })
    }

    /// The follow-up of scenario `chosen` whose requests share the most telling words with
    /// `request`.
    fn follow_up_for(&self, chosen: usize, request: &str) -> Option<usize> {
        let base = self.first_scenario + self.scenarios.len();
        let owner = |document: usize| document.checked_sub(base).map(|i| self.follow_ups[i]);
        let best = self
            .index
            .best_among(request, |d| owner(d).is_some_and(|(s, _)| s == chosen))?;
        owner(best).map(|(_, step)| step)
    }
}

/// The message without its fenced code: a fix or change request quotes the current files,
/// whose words and text must not count as the request.
fn prose(message: &str) -> String {
    let mut fence: Option<(char, usize)> = None;
    let mut kept = String::new();
    for line in message.lines() {
        let trimmed = line.trim_start();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = marker.map_or(0, |m| trimmed.chars().take_while(|c| *c == m).count());
        match fence {
            Some((open, len)) => {
                if marker == Some(open) && run >= len && trimmed[run..].trim().is_empty() {
                    fence = None;
                }
            }
            None if run >= 3 => fence = marker.map(|m| (m, run)),
            None => {
                kept.push_str(line);
                kept.push('\n');
            }
        }
    }
    kept
}

/// Lower case with every run of white space one space, so an error matches however the
/// app wrapped or indented it.
fn folded(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use sparkplug_core::edit::{
        prompt::{change_request, fix_request},
        CodeFile,
    };

    use super::*;
    use crate::api::request::ChatRequest;

    fn conversation(users: &[&str]) -> Vec<Message> {
        let mut messages = vec![json!({"role": "system", "content": "You edit code."})];
        for (i, text) in users.iter().enumerate() {
            if i > 0 {
                messages.push(json!({"role": "assistant", "content": "an earlier answer"}));
            }
            messages.push(json!({"role": "user", "content": text}));
        }
        ChatRequest::from_json(&json!({"model": "demo-1000", "messages": messages}))
            .expect("valid request")
            .messages
    }

    fn loaded() -> (Catalog, Scenarios, Vec<ScenarioFile>) {
        let catalog = Catalog::embedded().expect("catalog");
        let scenarios = Scenarios::embedded(&catalog).expect("scenarios");
        let files = scenario_file::embedded().expect("files");
        (catalog, scenarios, files)
    }

    #[test]
    fn every_prompt_picks_its_scenarios_first_answer_and_answers_keep_theirs() {
        let (catalog, scenarios, files) = loaded();
        assert!(!files.is_empty());
        for (index, file) in files.iter().enumerate() {
            for prompt in &file.prompts {
                let answer = scenarios.reply(&conversation(&[prompt]));
                assert!(
                    answer.is_some_and(|a| Arc::ptr_eq(&a, &scenarios.scenarios[index].answer)),
                    "{prompt:?} did not pick {}",
                    file.name
                );
            }
        }
        // Every prepared answer's own prompts still get the prepared answer.
        for document in catalog.documents() {
            assert_eq!(
                scenarios.choose(document),
                None,
                "a scenario took the answer retrieved by {document:?}"
            );
        }
    }

    #[test]
    fn the_prompts_the_app_and_its_tests_send_keep_their_prepared_answers() {
        let (_, scenarios, _) = loaded();
        for prompt in [
            "Write a Minesweeper clone in a single HTML file",
            "Write a clock",
            "Teach me basic SQL with an example",
            "Write FizzBuzz",
            "/long",
            "Make a snake game",
            "Build a todo list app",
            "a stopwatch with lap times",
        ] {
            assert_eq!(scenarios.choose(prompt), None, "{prompt:?}");
        }
    }

    #[test]
    fn the_last_message_picks_a_fix_by_its_error_or_a_follow_up_by_its_words() {
        let (_, scenarios, files) = loaded();
        let quoted: String = files
            .iter()
            .flat_map(|f| &f.steps)
            .map(|step| match &step.kind {
                StepKind::Fix { error } => format!("// {error}\n"),
                StepKind::FollowUp { requests } => format!("// {}\n", requests.join(" ")),
            })
            .collect();
        for (index, file) in files.iter().enumerate() {
            let prompt = file.prompts[0].as_str();
            for (number, step) in file.steps.iter().enumerate() {
                // The app's own requests, quoting code that holds every error and request,
                // which must not count; a follow-up in any of its wordings, alone or quoted.
                let files = [CodeFile::new("index.html", "html", quoted.clone())];
                let asked: Vec<String> = match &step.kind {
                    StepKind::Fix { error } => vec![fix_request(
                        &files,
                        &format!("  Uncaught {}  (line 7)", error.replace(' ', "\n ")),
                    )],
                    StepKind::FollowUp { requests } => requests
                        .iter()
                        .flat_map(|r| [r.clone(), change_request(&files, r)])
                        .collect(),
                };
                for last in asked {
                    let answer = scenarios.reply(&conversation(&[prompt, &last]));
                    assert!(
                        answer.is_some_and(|a| Arc::ptr_eq(
                            &a,
                            &scenarios.scenarios[index].steps[number].text
                        )),
                        "{}: step {} was not chosen by {last:?}",
                        file.name,
                        number + 1
                    );
                }
            }
        }
    }

    #[test]
    fn anything_else_is_not_a_scenarios_turn() {
        let (_, scenarios, files) = loaded();
        let prompt = files[0].prompts[0].as_str();
        assert!(scenarios
            .reply(&conversation(&[prompt, "what is the capital of Mongolia?"]))
            .is_none());
        assert!(scenarios
            .reply(&conversation(&[
                prompt,
                "It fails: SyntaxError: nothing we know"
            ]))
            .is_none());
        assert!(scenarios
            .reply(&conversation(&["what is the capital of Mongolia?"]))
            .is_none());
        assert!(scenarios.reply(&conversation(&[])).is_none());
        // Another scenario's request is not this one's step.
        let timer = files
            .iter()
            .find(|f| f.name.contains("reaction-timer"))
            .expect("the reaction timer");
        assert!(scenarios
            .reply(&conversation(&[&timer.prompts[0], "make it dark"]))
            .is_none());
        // A fix request alone, with no first prompt before it, starts no scenario.
        let alone = fix_request(
            &[CodeFile::new("index.html", "html", timer.answer.clone())],
            "TypeError: Cannot read properties of null (reading 'addEventListener')",
        );
        assert!(scenarios.reply(&conversation(&[&alone])).is_none());
    }

    #[test]
    fn quoted_code_is_not_read_as_the_request() {
        let text = "The current code:\n\nmain.py\n```python\nraise ValueError('bad')\n```\n\nAdd a title\n";
        assert_eq!(prose(text), "The current code:\n\nmain.py\n\nAdd a title\n");
        assert_eq!(
            folded("  TypeError:\n   x  is\tnull "),
            "typeerror: x is null"
        );
    }
}
