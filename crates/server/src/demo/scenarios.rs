//! Plays the demo's scenarios: the first user message chooses one (ranked against the prepared
//! answers), the last says which step comes next: a fix for the error it quotes, a follow-up
//! by its words, or whole files after an edit that did not apply.
//!
//! Anything else is not a scenario's turn, and the caller answers as it always did.

use std::sync::Arc;

use super::{
    catalog::{is_benchmark_prompt, Catalog, CatalogError},
    retrieve::Bm25,
    scenario_file::{self, ScenarioFile, StepKind},
    tokens::TokenizedText,
};
use sparkplug_core::edit::prompt::WHOLE_FILES;

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
    asked_by: AskedBy,
    text: Arc<TokenizedText>,
}

/// What asks for a step.
#[derive(Debug, PartialEq)]
enum AskedBy {
    /// A fix request that quotes this error (white space folded, lower case).
    Fix(String),
    /// A change request, matched by words in the index.
    FollowUp,
    /// The request for whole files after the step before it.
    WholeFiles,
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
                let asked_by = match step.kind {
                    StepKind::Fix { error } => AskedBy::Fix(folded(&error)),
                    StepKind::FollowUp { requests } => {
                        documents.push(requests.join(" "));
                        follow_ups.push((index, number));
                        AskedBy::FollowUp
                    }
                    StepKind::WholeFiles => AskedBy::WholeFiles,
                };
                steps.push(Step {
                    asked_by,
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
    /// or the last one is neither a fix request for one of its errors, nor one of its
    /// follow-up requests, nor the request for whole files right after a step that has them.
    pub fn reply(&self, asked: &[String]) -> Option<Arc<TokenizedText>> {
        let mut asked = asked.iter();
        let first = asked.next()?;
        let chosen = self.choose(&prose(first))?;
        let scenario = &self.scenarios[chosen];
        let Some(last) = asked.next_back() else {
            return Some(Arc::clone(&scenario.answer));
        };
        let request = prose(last);
        let step = if folded(&request).contains(&folded(WHOLE_FILES)) {
            // The request names no step: it follows the one the message before it asked for.
            let before = self.step_for(chosen, &prose(asked.next_back()?))?;
            Some(before + 1).filter(|&next| {
                scenario
                    .steps
                    .get(next)
                    .is_some_and(|s| s.asked_by == AskedBy::WholeFiles)
            })?
        } else {
            self.step_for(chosen, &request)?
        };
        Some(Arc::clone(&scenario.steps[step].text))
    }

    /// The step of scenario `chosen` that `request` asks for: a fix or a follow-up.
    fn step_for(&self, chosen: usize, request: &str) -> Option<usize> {
        self.fix_for(&self.scenarios[chosen], request)
            .or_else(|| self.follow_up_for(chosen, request))
    }

    /// The scenario whose prompts fit `prompt` best, if it fits better than every answer.
    fn choose(&self, prompt: &str) -> Option<usize> {
        if is_benchmark_prompt(prompt) {
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
        scenario.steps.iter().position(|step| match &step.asked_by {
            AskedBy::Fix(error) => request.contains(error.as_str()),
            _ => false,
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
        prompt::{change_request, fix_request, whole_file_request},
        ApplyError, CodeFile,
    };

    use super::*;
    use crate::{api::request::ChatRequest, demo::scenario_file::Step};

    /// The user messages of a request with a system message and earlier answers, read the
    /// way the API reads them.
    fn conversation(users: &[&str]) -> Vec<String> {
        let mut messages = vec![json!({"role": "system", "content": "You edit code."})];
        for (i, text) in users.iter().enumerate() {
            if i > 0 {
                messages.push(json!({"role": "assistant", "content": "an earlier answer"}));
            }
            messages.push(json!({"role": "user", "content": text}));
        }
        ChatRequest::from_json(&json!({"model": "demo-1000", "messages": messages}))
            .expect("valid request")
            .asked()
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
            "/chat",
            "Make a snake game",
            "Build a todo list app",
            "a stopwatch with lap times",
        ] {
            assert_eq!(scenarios.choose(prompt), None, "{prompt:?}");
        }
    }

    /// The requests that ask for `step`, each as the user messages after the first prompt:
    /// the app's own requests, quoting code that holds every error and request (which must
    /// not count); a follow-up in each of its wordings, alone or quoted; whole files after
    /// the request for the step before.
    fn requests_for(steps: &[Step], number: usize, quoted: &str) -> Vec<Vec<String>> {
        let files = [CodeFile::new("index.html", "html", quoted)];
        match &steps[number].kind {
            StepKind::Fix { error } => vec![vec![fix_request(
                &files,
                &format!("  Uncaught {}  (line 7)", error.replace(' ', "\n ")),
            )]],
            StepKind::FollowUp { requests } => requests
                .iter()
                .flat_map(|r| [vec![r.clone()], vec![change_request(&files, r)]])
                .collect(),
            StepKind::WholeFiles => {
                let missed = whole_file_request(&ApplyError::NotFound {
                    edit: 1,
                    file: "index.html".into(),
                    excerpt: "x".into(),
                });
                requests_for(steps, number - 1, quoted)
                    .into_iter()
                    .map(|mut asked| {
                        asked.push(missed.clone());
                        asked
                    })
                    .collect()
            }
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
                StepKind::WholeFiles => String::new(),
            })
            .collect();
        for (index, file) in files.iter().enumerate() {
            let prompt = file.prompts[0].clone();
            for number in 0..file.steps.len() {
                for asked in requests_for(&file.steps, number, &quoted) {
                    let users: Vec<&str> = std::iter::once(prompt.as_str())
                        .chain(asked.iter().map(String::as_str))
                        .collect();
                    let answer = scenarios.reply(&conversation(&users));
                    assert!(
                        answer.is_some_and(|a| Arc::ptr_eq(
                            &a,
                            &scenarios.scenarios[index].steps[number].text
                        )),
                        "{}: step {} was not chosen by {asked:?}",
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
        // Whole files are asked for after a step that has none to give.
        let whole = whole_file_request(&ApplyError::NoEdits);
        assert!(scenarios
            .reply(&conversation(&[&timer.prompts[0], &whole]))
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
