//! The demo's scenario files (`demo/scenarios/*.md`, format in its README): a first answer and
//! the steps after it, each part TOML front matter then markdown, like an answer file.
//!
//! A step is a fix (the edit that answers the error its code's run shows), a follow-up (the
//! edit that answers a request for a change) or whole files (after an edit that does not
//! apply). Public so the test that plays them reads the very data the server streams.

use serde::Deserialize;

use super::catalog::{split_front_matter, CatalogError};

include!(concat!(env!("OUT_DIR"), "/scenario_files.rs"));

/// One scenario: what the user asks first, the answer, and the steps after it in play order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFile {
    /// The file's stem, `fix-01-reaction-timer`.
    pub name: String,
    pub title: String,
    /// First prompts that choose this scenario.
    pub prompts: Vec<String>,
    /// Checks the user attaches to the first prompt (JavaScript expressions for a page,
    /// Python statements for a program), one per entry.
    pub checks: Vec<String>,
    /// The first answer's markdown, streamed as it is.
    pub answer: String,
    pub steps: Vec<Step>,
}

/// A step after the first answer: its markdown (prose and search/replace blocks) and what
/// asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    /// Checks that fail before this step's edit and hold after it (its proof).
    pub checks: Vec<String>,
    pub answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// Answers a fix request whose error contains this text.
    Fix { error: String },
    /// Answers a change request worded like one of these.
    FollowUp { requests: Vec<String> },
    /// Answers the request for whole files that follows the step before it, whose edits do
    /// not apply (a model that misquoted the code).
    WholeFiles,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FirstFront {
    title: String,
    prompts: Vec<String>,
    #[serde(default)]
    checks: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFront {
    fixes: Option<String>,
    asks: Option<Vec<String>>,
    #[serde(default)]
    whole_files: bool,
    #[serde(default)]
    checks: Vec<String>,
}

/// Every scenario compiled into this binary, in file-name order.
pub fn embedded() -> Result<Vec<ScenarioFile>, CatalogError> {
    SCENARIO_FILES
        .iter()
        .map(|(name, source)| parse(name, source))
        .collect()
}

/// Reads one scenario file named `name` (its stem).
pub fn parse(name: &str, source: &str) -> Result<ScenarioFile, CatalogError> {
    let error = |reason: String| CatalogError::Scenario {
        name: name.to_owned(),
        reason,
    };
    let mut parts = parts(source).ok_or_else(|| {
        error("every part must start with TOML front matter between `+++` lines".into())
    })?;
    if parts.is_empty() {
        return Err(error("the file is empty".into()));
    }
    let (front, answer) = parts.remove(0);
    let first: FirstFront = toml::from_str(front).map_err(|e| error(e.message().to_owned()))?;
    if first.prompts.iter().all(|p| p.trim().is_empty()) {
        return Err(error("`prompts` needs at least one prompt".into()));
    }
    let mut steps = Vec::new();
    for (number, (front, answer)) in parts.into_iter().enumerate() {
        let step = number + 1;
        let front: StepFront =
            toml::from_str(front).map_err(|e| error(format!("step {step}: {}", e.message())))?;
        let kind = match (front.fixes, front.asks, front.whole_files) {
            (Some(error), None, false) if !error.trim().is_empty() => StepKind::Fix { error },
            (None, Some(requests), false) if requests.iter().any(|r| !r.trim().is_empty()) => {
                StepKind::FollowUp { requests }
            }
            (None, None, true) if number > 0 => StepKind::WholeFiles,
            _ => {
                return Err(error(format!(
                    "step {step}: give one of `fixes` (the error), `asks` (the requests) or \
                     `whole_files = true` (not first)"
                )))
            }
        };
        steps.push(Step {
            kind,
            checks: front.checks,
            answer: answer.trim().to_owned(),
        });
    }
    Ok(ScenarioFile {
        name: name.to_owned(),
        title: first.title,
        prompts: first.prompts,
        checks: first.checks,
        answer: answer.trim().to_owned(),
        steps,
    })
}

/// The (front matter, markdown) parts of a file; a part's markdown ends where a line that is
/// only `+++` opens the next part. None when some part has no closed front matter.
fn parts(source: &str) -> Option<Vec<(&str, &str)>> {
    let mut parts = Vec::new();
    let mut rest = source.trim_start_matches('\u{feff}');
    while !rest.trim().is_empty() {
        let (front, after) = split_front_matter(rest)?;
        let mut end = after.len();
        let mut offset = 0;
        for line in after.split_inclusive('\n') {
            if line.trim_end() == "+++" {
                end = offset;
                break;
            }
            offset += line.len();
        }
        parts.push((front, &after[..end]));
        rest = &after[end..];
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "+++\ntitle = \"Counter\"\nprompts = [\"a click counter\"]\nchecks = [\"count === 0\"]\n+++\nHere it is.\n\n```html\n<p id=\"n\">0</p>\n```\n\n\
        +++\nfixes = \"TypeError: x\"\n+++\nThe id was wrong.\n\n\
        +++\nasks = [\"add a reset button\"]\nchecks = [\"reset !== null\"]\n+++\nAdded it.\n";

    #[test]
    fn a_file_is_a_first_answer_then_its_steps() {
        let file = parse("fix-00-counter", FILE).expect("parses");
        assert_eq!(file.title, "Counter");
        assert_eq!(file.checks, ["count === 0"]);
        assert_eq!(
            file.answer,
            "Here it is.\n\n```html\n<p id=\"n\">0</p>\n```"
        );
        assert_eq!(
            file.steps[0].kind,
            StepKind::Fix {
                error: "TypeError: x".into()
            }
        );
        assert_eq!(file.steps[0].answer, "The id was wrong.");
        assert_eq!(
            file.steps[1].kind,
            StepKind::FollowUp {
                requests: vec!["add a reset button".into()]
            }
        );
        assert_eq!(file.steps[1].checks, ["reset !== null"]);
    }

    #[test]
    fn bad_files_are_errors_that_name_them() {
        for bad in [
            "no front matter",
            "+++\ntitle = \"t\"\nprompts = []\n+++\nbody",
            "+++\ntitle = \"t\"\nprompts = [\"p\"]\n+++\nbody\n+++\nfixes = \"e\"\nasks = [\"r\"]\n+++\nboth",
            "+++\ntitle = \"t\"\nprompts = [\"p\"]\n+++\nbody\n+++\nwhat = 1\n+++\nunknown key",
            "+++\ntitle = \"t\"\nprompts = [\"p\"]\n+++\nbody\n+++\nfixes = \"e\"\nnever closed",
            "+++\ntitle = \"t\"\nprompts = [\"p\"]\n+++\nbody\n+++\nwhole_files = true\n+++\nnothing before it",
        ] {
            let result = parse("bad", bad);
            assert!(
                matches!(&result, Err(CatalogError::Scenario { name, .. }) if name == "bad"),
                "{bad:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn every_embedded_scenario_parses() {
        let files = embedded().expect("the embedded scenarios are valid");
        assert_eq!(files.len(), SCENARIO_FILES.len());
    }
}
