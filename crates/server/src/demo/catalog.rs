//! The demo's prepared answers: markdown files with TOML front matter, embedded at build
//! time, parsed and tokenized once at start-up, then chosen per prompt.

use std::sync::Arc;

use serde::Deserialize;

use super::{
    chat::chat_text,
    retrieve::Bm25,
    tokens::{TokenizeError, TokenizedText},
};

include!(concat!(env!("OUT_DIR"), "/answer_files.rs"));

/// The answer with this tag is the one given when no answer fits the prompt.
const FALLBACK_TAG: &str = "fallback";

/// Prompts starting with this get the long answer (mostly long code), for render benchmarks.
pub const LONG_PREFIX: &str = "/long";

/// Prompts starting with this get the chat answer (realistic chat turns, many short fences),
/// the render benchmarks' second answer.
pub const CHAT_PREFIX: &str = "/chat";

/// The long answer stops growing once it has at least this many tokens.
const LONG_TOKENS: usize = 20_000;

/// Why the embedded answers could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("demo answer {name}.md: {reason}")]
    Format { name: String, reason: String },
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    #[error("demo scenario {name}.md: {reason}")]
    Scenario { name: String, reason: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    prompts: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug)]
struct Answer {
    title: String,
    prompts: Vec<String>,
    is_fallback: bool,
    text: Arc<TokenizedText>,
}

/// Every prepared answer, the index that picks among them, and the two special answers.
#[derive(Debug)]
pub struct Catalog {
    answers: Vec<Answer>,
    /// The text each answer is retrieved by, in the index's order.
    documents: Vec<String>,
    index: Bm25,
    fallback: Arc<TokenizedText>,
    long: Arc<TokenizedText>,
    chat: Arc<TokenizedText>,
}

impl Catalog {
    /// Loads the answers compiled into this binary.
    pub fn embedded() -> Result<Self, CatalogError> {
        Self::from_sources(ANSWER_FILES.iter().copied())
    }

    fn from_sources<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, CatalogError> {
        let mut answers = Vec::new();
        let mut documents = Vec::new();
        for (name, source) in files {
            let (front, body) = split_front_matter(source).ok_or_else(|| CatalogError::Format {
                name: name.to_owned(),
                reason: "must start with TOML front matter between `+++` lines".into(),
            })?;
            let front: FrontMatter = toml::from_str(front).map_err(|e| CatalogError::Format {
                name: name.to_owned(),
                reason: e.message().to_owned(),
            })?;
            documents.push(format!(
                "{} {} {}",
                front.prompts.join(" "),
                front.title,
                front.tags.join(" ")
            ));
            answers.push(Answer {
                is_fallback: front.tags.iter().any(|tag| tag == FALLBACK_TAG),
                title: front.title,
                prompts: front.prompts,
                text: Arc::new(TokenizedText::new(body.trim().to_owned())?),
            });
        }
        let fallback = match answers.iter().find(|a| a.is_fallback) {
            Some(answer) => Arc::clone(&answer.text),
            None => Arc::new(TokenizedText::new(topics_text(&answers))?),
        };
        let long = Arc::new(long_text(&answers, &fallback)?);
        let chat = Arc::new(chat_text(
            answers
                .iter()
                .filter(|a| !a.is_fallback)
                .map(|a| (a.title.as_str(), a.text.as_ref())),
        )?);
        Ok(Self {
            index: Bm25::new(documents.clone()),
            documents,
            answers,
            fallback,
            long,
            chat,
        })
    }

    /// The answer for a prompt: the long answer for `/long…`, the chat answer for `/chat…`,
    /// else the best BM25 match, else the fallback that says what the demo can do.
    pub fn pick(&self, prompt: &str) -> Arc<TokenizedText> {
        let prompt = prompt.trim_start();
        if prompt.starts_with(LONG_PREFIX) {
            return Arc::clone(&self.long);
        }
        if prompt.starts_with(CHAT_PREFIX) {
            return Arc::clone(&self.chat);
        }
        self.index
            .best(prompt)
            .and_then(|index| self.answers.get(index))
            .map_or_else(|| Arc::clone(&self.fallback), |a| Arc::clone(&a.text))
    }

    /// The text each answer is retrieved by (prompts, title, tags), so other prepared
    /// answers can be ranked against these.
    pub fn documents(&self) -> &[String] {
        &self.documents
    }
}

/// Whether a prompt asks for one of the benchmark answers (never a scenario's).
pub fn is_benchmark_prompt(prompt: &str) -> bool {
    let prompt = prompt.trim_start();
    prompt.starts_with(LONG_PREFIX) || prompt.starts_with(CHAT_PREFIX)
}

/// Splits `+++\n<toml>\n+++\n<body>`; tolerates `\r\n` line ends.
pub(super) fn split_front_matter(source: &str) -> Option<(&str, &str)> {
    let rest = source
        .strip_prefix("+++\n")
        .or_else(|| source.strip_prefix("+++\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

/// A fallback made from the catalog when no answer is tagged `fallback`: what the demo
/// is, and one example prompt per topic.
fn topics_text(answers: &[Answer]) -> String {
    let mut text = String::from(
        "This is Sparkplug's offline demo model: it streams prepared answers at the speed \
         of a real model. Start a prompt with `/long` for a 20,000-token answer, or ask for \
         one of these:\n",
    );
    for answer in answers {
        let example = answer.prompts.first().map_or("", String::as_str);
        text.push_str(&format!("\n- **{}**: “{}”", answer.title, example));
    }
    text.push_str("\n\n```js\nconsole.log(\"Hello from the demo model\");\n```");
    text
}

/// About `LONG_TOKENS` tokens of answers one after another, each under its title.
fn long_text(answers: &[Answer], fallback: &TokenizedText) -> Result<TokenizedText, TokenizeError> {
    // The fallback is mostly prose, so it joins only when there is nothing else.
    let topical: Vec<&Answer> = answers.iter().filter(|a| !a.is_fallback).collect();
    let parts: Vec<(String, usize)> = if topical.is_empty() {
        vec![(fallback.as_str().to_owned(), fallback.token_count())]
    } else {
        topical
            .iter()
            .map(|a| {
                (
                    format!("## {}\n\n{}\n\n", a.title, a.text.as_str()),
                    a.text.token_count(),
                )
            })
            .collect()
    };
    let mut text = String::new();
    let mut tokens = 0;
    // Each part counts at least one token, so the loop ends even for empty answers.
    for (part, count) in parts.iter().cycle() {
        if tokens >= LONG_TOKENS {
            break;
        }
        text.push_str(part);
        tokens += (*count).max(1);
    }
    TokenizedText::new(text.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_answer_parses() {
        let catalog = Catalog::embedded().expect("embedded answers are valid");
        assert_eq!(catalog.answers.len(), ANSWER_FILES.len());
        for answer in &catalog.answers {
            assert!(
                !answer.prompts.is_empty(),
                "{} has no prompts",
                answer.title
            );
            assert!(answer.text.token_count() > 0, "{} is empty", answer.title);
        }
    }

    #[test]
    fn each_answer_is_picked_by_its_own_example_prompts() {
        let catalog = Catalog::embedded().expect("catalog");
        for answer in &catalog.answers {
            for prompt in &answer.prompts {
                let picked = catalog.pick(prompt);
                assert!(
                    Arc::ptr_eq(&picked, &answer.text),
                    "prompt {prompt:?} did not pick {:?}",
                    answer.title
                );
            }
        }
    }

    #[test]
    fn unrelated_prompt_gets_the_fallback() {
        let catalog = Catalog::embedded().expect("catalog");
        let picked = catalog.pick("what's the capital of Mongolia?");
        assert!(Arc::ptr_eq(&picked, &catalog.fallback));
    }

    #[test]
    fn without_a_tagged_fallback_the_topics_are_listed() {
        let source = "+++\ntitle = \"Snake\"\nprompts = [\"snake game\"]\n+++\nbody";
        let catalog = Catalog::from_sources([("snake", source)]).expect("catalog");
        let fallback = catalog.pick("the weather in Paris");
        assert!(fallback.as_str().contains("“snake game”"));
        assert!(
            fallback.as_str().contains("```"),
            "fallback shows a code sample"
        );
        assert!(catalog.pick("/long").as_str().starts_with("## Snake"));
    }

    #[test]
    fn long_prompt_gets_about_twenty_thousand_tokens() {
        let catalog = Catalog::embedded().expect("catalog");
        let long = catalog.pick("/long please");
        assert!(Arc::ptr_eq(&long, &catalog.long));
        assert!((LONG_TOKENS..LONG_TOKENS * 3 / 2).contains(&long.token_count()));
    }

    #[test]
    fn front_matter_errors_name_the_file() {
        let missing = Catalog::from_sources([("broken", "no front matter")]);
        assert!(matches!(missing, Err(CatalogError::Format { name, .. }) if name == "broken"));
        let bad = Catalog::from_sources([("bad", "+++\ntitle = 3\n+++\nbody")]);
        assert!(matches!(bad, Err(CatalogError::Format { .. })));
        let ok = Catalog::from_sources([(
            "ok",
            "+++\r\ntitle = \"t\"\r\nprompts = [\"p\"]\r\n+++\r\nbody",
        )]);
        assert!(ok.is_ok());
    }
}
