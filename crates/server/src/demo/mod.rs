//! The simulated models: prepared answers, really tokenized, paced like a published model.
//! `Demo::answer` picks the text; `Playback::events` yields it as a timed stream of pieces.

mod catalog;
mod chat;
mod profiles;
mod retrieve;
pub mod scenario_file;
mod scenarios;
mod schedule;
mod stream;
mod tokens;

use std::sync::Arc;

use tokio::time::Instant;

pub use catalog::CatalogError;
pub use profiles::Profile;
pub use stream::{DemoEvent, Ending};
pub use tokens::{count_prompt, PromptMessage};

use catalog::Catalog;
use scenarios::Scenarios;
use schedule::Schedule;
use tokens::TokenizedText;

/// The demo's answers, loaded once.
#[derive(Debug)]
pub struct Demo {
    catalog: Catalog,
    scenarios: Scenarios,
}

/// Why an answer stopped: the whole answer, or the caller's token limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Stop,
    Length,
}

/// The answer chosen for one request, cut to its token limit.
#[derive(Debug, Clone)]
pub struct Answer {
    text: Arc<TokenizedText>,
    /// Tokens to send: the answer's, or fewer when the limit cuts it short.
    pub tokens: usize,
    pub finish: Finish,
}

impl Demo {
    /// Parses and tokenizes the embedded answers and scenarios.
    pub fn load() -> Result<Self, CatalogError> {
        let catalog = Catalog::embedded()?;
        let scenarios = Scenarios::embedded(&catalog)?;
        Ok(Self { catalog, scenarios })
    }

    /// The answer to a conversation whose user messages are `asked` (oldest first), at most
    /// `max_tokens` long: a scenario's next step when the conversation is one of the
    /// scenarios, else the prepared answer that fits the last message best. Ranking reads
    /// whole messages, so callers run this off the async workers.
    pub fn answer(&self, asked: &[String], max_tokens: Option<usize>) -> Answer {
        let last = asked.last().map(String::as_str).unwrap_or_default();
        let text = self
            .scenarios
            .reply(asked)
            .unwrap_or_else(|| self.catalog.pick(last));
        let whole = text.token_count();
        let tokens = max_tokens.map_or(whole, |limit| limit.min(whole));
        Answer {
            finish: if tokens < whole {
                Finish::Length
            } else {
                Finish::Stop
            },
            tokens,
            text,
        }
    }
}

/// One answer on its clock: when each token is due, from the request's arrival.
#[derive(Debug, Clone)]
pub struct Playback {
    answer: Answer,
    schedule: Schedule,
}

impl Playback {
    /// Paces `answer` like `profile`, starting from `requested_at`.
    pub fn new(answer: Answer, profile: &Profile, requested_at: Instant) -> Self {
        Self {
            schedule: Schedule::new(requested_at, profile, &mut fastrand::Rng::new()),
            answer,
        }
    }

    pub fn answer(&self) -> &Answer {
        &self.answer
    }

    /// When the first token is due.
    pub fn first_due(&self) -> Instant {
        self.schedule.first()
    }

    /// When the last token is due: a whole (not streamed) answer is ready then.
    pub fn last_due(&self) -> Instant {
        self.schedule.due(self.answer.tokens.saturating_sub(1))
    }

    /// The text of every token the answer sends.
    pub fn text(&self) -> &str {
        self.answer.text.text_of_first(self.answer.tokens)
    }
}
