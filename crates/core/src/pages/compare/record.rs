//! A comparison as a receipt: the prompt, its checks and every lane's model, figures, answer
//! and verdict, as a share link (no keys, no URLs), a `.json` file and a History entry.

use serde::{Deserialize, Serialize};

use super::race::{Lane, Race, Summary};
use crate::pages::share::{pack, read_file, unpack, ShareError};
use crate::run::receipt::Receipt;

/// The fragment's prefix: `#compare=1.` then the payload.
pub const FRAGMENT_PREFIX: &str = "compare=";
/// Marks a downloaded comparison file, with the format version.
const FILE_TAG: &str = "sparkplug-compare/1";

/// A finished comparison. Like a shared run it has no endpoint URL or key: only names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    pub prompt: String,
    /// The checks every lane's code ran with, one a line.
    #[serde(default)]
    pub checks: String,
    pub lanes: Vec<ComparedLane>,
}

/// One lane as it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparedLane {
    /// The title the lane ran under (the model's label).
    pub name: String,
    pub model: String,
    pub endpoint_name: String,
    /// Its first answer's meter figures, with the loop's time to green.
    pub receipt: Receipt,
    /// The answer, with the working code in full once a fix changed it.
    pub answer: String,
    pub outcome: Lane,
}

/// The on-disk form: the comparison plus a tag saying what the file is.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareFile {
    format: String,
    comparison: Comparison,
}

impl Comparison {
    /// The race its lanes ran, as it ended.
    pub fn race(&self) -> Race {
        Race::ended(
            self.lanes.iter().map(|l| l.name.clone()).collect(),
            self.lanes.iter().map(|l| l.outcome.clone()).collect(),
        )
    }

    /// The summary it ended with; `None` while a lane still runs.
    pub fn summary(&self) -> Option<Summary> {
        self.race().summary()
    }

    /// A title for History: "Compare 3 models: <prompt>".
    pub fn title(&self) -> String {
        format!(
            "Compare {} models: {}",
            self.lanes.len(),
            crate::pages::history::title_from(&self.prompt)
        )
    }

    /// The fragment (without `#`) that restores it, or `TooBig` past a link's limit.
    pub fn to_fragment(&self) -> Result<String, ShareError> {
        pack(FRAGMENT_PREFIX, self)
    }

    /// Reads a fragment (with or without `#`); anything hostile is an error, never a panic.
    pub fn from_fragment(fragment: &str) -> Result<Self, ShareError> {
        unpack(FRAGMENT_PREFIX, fragment)
    }

    /// True when `fragment` is meant as a comparison link (even a damaged one).
    pub fn is_fragment(fragment: &str) -> bool {
        fragment
            .trim_start_matches('#')
            .starts_with(FRAGMENT_PREFIX)
    }

    /// The `.json` download.
    pub fn to_file(&self) -> String {
        let file = CompareFile {
            format: FILE_TAG.into(),
            comparison: self.clone(),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// Reads a file written by `to_file`.
    pub fn from_file(text: &str) -> Result<Self, ShareError> {
        let file: CompareFile = read_file(text)?;
        if file.format != FILE_TAG {
            return Err(ShareError::NotAFile(format!("format {:?}", file.format)));
        }
        Ok(file.comparison)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::compare::race::Code;
    use proptest::prelude::*;

    fn lane(name: &str, rate: f64, outcome: Lane) -> ComparedLane {
        ComparedLane {
            name: name.into(),
            model: name.to_lowercase(),
            endpoint_name: "Sparkplug demo".into(),
            receipt: Receipt {
                ttft_ms: Some(120.0),
                tokens: 600,
                tokens_per_second: Some(rate),
                time_to_green_ms: outcome_green(&outcome),
                ..Receipt::default()
            },
            answer: "```html\n<p>hi</p>\n```\n".into(),
            outcome,
        }
    }

    fn outcome_green(outcome: &Lane) -> Option<f64> {
        match outcome {
            Lane::Finished { code, .. } => code.time_to_green_ms(),
            _ => None,
        }
    }

    fn comparison() -> Comparison {
        let finished = |finish_ms: f64, rate: f64, code: Code| Lane::Finished {
            finish_ms,
            ttft_ms: 120.0,
            rate: Some(rate),
            code,
        };
        Comparison {
            prompt: "A counter page".into(),
            checks: "document.querySelector('button') !== null".into(),
            lanes: vec![
                lane(
                    "Fast",
                    1000.0,
                    finished(
                        720.0,
                        1000.0,
                        Code::Green {
                            time_to_green_ms: 1_400.0,
                            attempts: 2,
                        },
                    ),
                ),
                lane(
                    "Slow",
                    52.0,
                    finished(
                        11_700.0,
                        52.0,
                        Code::Green {
                            time_to_green_ms: 12_300.0,
                            attempts: 1,
                        },
                    ),
                ),
                lane(
                    "Offline",
                    0.0,
                    Lane::Failed {
                        reason: "could not reach http://127.0.0.1:9".into(),
                    },
                ),
            ],
        }
    }

    #[test]
    fn a_comparison_round_trips_as_a_link_and_a_file_with_its_verdict() {
        let compared = comparison();
        let fragment = compared.to_fragment().expect("fits");
        assert!(fragment.starts_with("compare=1."));
        assert!(Comparison::is_fragment(&format!("#{fragment}")));
        assert_eq!(Comparison::from_fragment(&fragment), Ok(compared.clone()));
        assert_eq!(
            Comparison::from_file(&compared.to_file()),
            Ok(compared.clone())
        );
        let summary = compared.summary().expect("over");
        assert_eq!(
            summary.headline,
            "Fast reached working code in 1.4 s vs 12.3 s: 8.8x sooner."
        );
        assert_eq!(compared.title(), "Compare 3 models: A counter page");
    }

    #[test]
    fn a_share_link_is_not_a_comparison_and_a_foreign_file_is_refused() {
        assert_eq!(
            Comparison::from_fragment("share=1.abc"),
            Err(ShareError::NotALink)
        );
        let file = comparison()
            .to_file()
            .replace("sparkplug-compare/1", "sparkplug-share/1");
        assert!(matches!(
            Comparison::from_file(&file),
            Err(ShareError::NotAFile(_))
        ));
    }

    proptest! {
        #[test]
        fn hostile_fragments_are_errors_never_panics(data in "\\PC{0,400}") {
            let _ = Comparison::from_fragment(&format!("compare=1.{data}"));
            let _ = Comparison::from_file(&data);
        }
    }
}
