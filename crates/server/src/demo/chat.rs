//! The `/chat` benchmark answer: ~20,000 tokens of realistic chat answers one after another
//! (prose, lists, tables, inline code, many short fences in several languages, some long ones).
//!
//! Built once at start-up from three sources taken in turn: the chat pieces in `demo/chat/`,
//! the real model answers of `tests/fixtures/codegen_payloads.json`, and the shorter demo
//! answers. `/long` is the other benchmark answer: mostly long code blocks.

use serde::Deserialize;

use super::catalog::CatalogError;
use super::tokens::TokenizedText;

include!(concat!(env!("OUT_DIR"), "/chat_files.rs"));

/// Real model answers with fenced code (provenance in `tests/fixtures/SOURCES.md`).
const PAYLOADS: &str = include_str!("../../../../tests/fixtures/codegen_payloads.json");

/// The chat answer stops growing once it has at least this many tokens.
pub const CHAT_TOKENS: usize = 20_000;

/// Demo answers up to this many tokens join the chat answer: a chat turn, not an app.
const SHORT_ANSWER_TOKENS: usize = 1_000;

#[derive(Debug, Deserialize)]
struct Payloads {
    items: Vec<Payload>,
}

#[derive(Debug, Deserialize)]
struct Payload {
    task: String,
    language: String,
    answer: String,
}

/// One turn of the chat answer and its token count.
struct Turn {
    text: String,
    tokens: usize,
}

impl Turn {
    fn new(text: String) -> Result<Self, CatalogError> {
        let tokens = TokenizedText::new(text.clone())?.token_count();
        Ok(Self { text, tokens })
    }
}

/// The chat answer, given the demo's answers as (title, text).
pub fn chat_text<'a>(
    answers: impl IntoIterator<Item = (&'a str, &'a TokenizedText)>,
) -> Result<TokenizedText, CatalogError> {
    let pieces = CHAT_FILES
        .iter()
        .map(|(_, text)| Turn::new(format!("{}\n\n", text.trim())))
        .collect::<Result<Vec<_>, _>>()?;
    let payloads: Payloads = serde_json::from_str(PAYLOADS).map_err(|e| CatalogError::Format {
        name: "codegen_payloads.json".into(),
        reason: e.to_string(),
    })?;
    let models = payloads
        .items
        .iter()
        .map(|p| {
            Turn::new(format!(
                "## {} ({})\n\n{}\n\n",
                p.task,
                p.language,
                p.answer.trim()
            ))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let short: Vec<Turn> = answers
        .into_iter()
        .filter(|(_, text)| text.token_count() <= SHORT_ANSWER_TOKENS)
        .map(|(title, text)| Turn {
            text: format!("## {title}\n\n{}\n\n", text.as_str()),
            tokens: text.token_count(),
        })
        .collect();
    Ok(TokenizedText::new(interleave(&[pieces, models, short]))?)
}

/// The sources' turns taken in turn (first of each, then second of each, …, starting over
/// when all are used) until the text has [`CHAT_TOKENS`] tokens.
fn interleave(sources: &[Vec<Turn>]) -> String {
    let longest = sources.iter().map(Vec::len).max().unwrap_or(0);
    let turns = (0..longest).flat_map(|i| sources.iter().filter_map(move |s| s.get(i)));
    let mut text = String::new();
    let mut tokens = 0;
    // Each turn counts at least one token, so the loop ends even for empty turns.
    for turn in turns.clone().cycle() {
        if tokens >= CHAT_TOKENS {
            break;
        }
        text.push_str(&turn.text);
        tokens += turn.tokens.max(1);
    }
    text.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::catalog::Catalog;

    #[test]
    fn the_chat_answer_is_twenty_thousand_tokens_of_mixed_chat() {
        let catalog = Catalog::embedded().expect("catalog");
        let chat = catalog.pick("/chat please");
        assert!((CHAT_TOKENS..CHAT_TOKENS * 11 / 10).contains(&chat.token_count()));
        let text = chat.as_str();
        let fences = text
            .lines()
            .filter(|l| l.trim_start().starts_with("```"))
            .count()
            / 2;
        assert!((60..=90).contains(&fences), "{fences} fenced blocks");
        for lang in [
            "bash",
            "rust",
            "python",
            "go",
            "sql",
            "yaml",
            "jsx",
            "javascript",
        ] {
            assert!(text.contains(&format!("```{lang}\n")), "no {lang} block");
        }
        assert!(text.contains("\n|---|"), "tables");
        assert!(text.contains("\n- "), "lists");
        assert!(text.contains("`git status`"), "inline code");
    }

    #[test]
    fn turns_alternate_between_sources_and_start_over_when_used_up() {
        let turn = |text: &str| Turn {
            text: text.to_owned(),
            tokens: CHAT_TOKENS / 5,
        };
        let text = interleave(&[vec![turn("a"), turn("b")], vec![turn("1")]]);
        assert_eq!(text, "a1ba1");
    }
}
