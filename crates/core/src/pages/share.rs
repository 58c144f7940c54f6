//! Share links: a finished run (prompt, model, answer, speed receipt) as deflated JSON in
//! base64url in the URL fragment, or as a `.json` file when too big. The type has no key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::run::paint::Timeline;
use crate::run::receipt::Receipt;

/// The fragment's prefix: `#share=1.` then the payload; the digit is the format version.
pub const FRAGMENT_PREFIX: &str = "share=";
const VERSION: &str = "1";
/// Longest fragment we put in a link. Browsers take far more, but chat apps, mail clients
/// and link shorteners start cutting URLs beyond a few KB; 16 KB holds a typical answer.
pub const FRAGMENT_LIMIT: usize = 16 * 1024;
/// Largest JSON a link or file may inflate to: a guard against deflate bombs.
const INFLATED_LIMIT: usize = 4 * 1024 * 1024;
/// Marks a downloaded `.json` file as ours, with the format version.
const FILE_TAG: &str = "sparkplug-share/1";

/// Everything a shared run restores. Deliberately no endpoint URL or key: a link is
/// pasted in public places, and a base URL can carry credentials too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedRun {
    pub prompt: String,
    /// The model id, with the endpoint's display name for context.
    pub model: String,
    pub endpoint_name: String,
    pub answer: String,
    pub receipt: Receipt,
    /// When each piece of the answer arrived, for "Replay this run"; a link leaves it out
    /// when it would not fit, a file always keeps it.
    #[serde(default, skip_serializing_if = "Timeline::is_empty")]
    pub timeline: Timeline,
}

/// The on-disk form: the run plus a tag saying what the file is.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareFile {
    format: String,
    run: SharedRun,
}

/// Why a link or file could not be made or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error("the link is {size} characters, over the {FRAGMENT_LIMIT} a link can carry")]
    TooBig { size: usize },
    #[error("this is not a Sparkplug share link")]
    NotALink,
    #[error("this share link is from a newer version of Sparkplug (format {0})")]
    Version(String),
    #[error("the share link is damaged: {0}")]
    Damaged(String),
    #[error("this file is not a Sparkplug share file: {0}")]
    NotAFile(String),
}

impl SharedRun {
    /// The fragment (without `#`) that restores this run, without its timeline if that is
    /// what makes it too long; `TooBig` past the limit all the same.
    pub fn to_fragment(&self) -> Result<String, ShareError> {
        pack(FRAGMENT_PREFIX, self).or_else(|error| match error {
            ShareError::TooBig { .. } if !self.timeline.is_empty() => pack(
                FRAGMENT_PREFIX,
                &Self {
                    timeline: Timeline::default(),
                    ..self.clone()
                },
            ),
            error => Err(error),
        })
    }

    /// Reads a fragment (with or without `#`). Anything hostile is an error, never a panic.
    pub fn from_fragment(fragment: &str) -> Result<Self, ShareError> {
        unpack(FRAGMENT_PREFIX, fragment)
    }

    /// True when `fragment` is meant as a share link (even a damaged one).
    pub fn is_share_fragment(fragment: &str) -> bool {
        fragment
            .trim_start_matches('#')
            .starts_with(FRAGMENT_PREFIX)
    }

    /// The `.json` file offered when the link would be too long.
    pub fn to_file(&self) -> String {
        let file = ShareFile {
            format: FILE_TAG.into(),
            run: self.clone(),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// Reads a file written by `to_file`.
    pub fn from_file(text: &str) -> Result<Self, ShareError> {
        let file: ShareFile = read_file(text)?;
        if file.format != FILE_TAG {
            return Err(ShareError::NotAFile(format!("format {:?}", file.format)));
        }
        Ok(file.run)
    }
}

/// `value` as a fragment: `prefix`, the format version, then its JSON deflated in base64url;
/// `TooBig` past the limit. Share links and comparisons are made by this one writer.
pub(crate) fn pack(prefix: &str, value: &impl Serialize) -> Result<String, ShareError> {
    let json = serde_json::to_vec(value).map_err(|e| ShareError::Damaged(e.to_string()))?;
    // Level 9: the link's length is what matters, and the input is small.
    let deflated = miniz_oxide::deflate::compress_to_vec(&json, 9);
    let fragment = format!("{prefix}{VERSION}.{}", URL_SAFE_NO_PAD.encode(deflated));
    if fragment.len() > FRAGMENT_LIMIT {
        return Err(ShareError::TooBig {
            size: fragment.len(),
        });
    }
    Ok(fragment)
}

/// Reads a fragment made by [`pack`] with `prefix` (with or without `#`). Anything hostile
/// is an error, never a panic: sizes are checked before and while inflating.
pub(crate) fn unpack<T: DeserializeOwned>(prefix: &str, fragment: &str) -> Result<T, ShareError> {
    let payload = fragment
        .trim_start_matches('#')
        .strip_prefix(prefix)
        .ok_or(ShareError::NotALink)?;
    let (version, data) = payload.split_once('.').ok_or(ShareError::NotALink)?;
    if version != VERSION {
        return Err(ShareError::Version(version.chars().take(8).collect()));
    }
    if data.len() > FRAGMENT_LIMIT * 4 {
        return Err(ShareError::Damaged(
            "far longer than any link we make".into(),
        ));
    }
    let deflated = URL_SAFE_NO_PAD
        .decode(data)
        .map_err(|e| ShareError::Damaged(format!("not base64url ({e})")))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, INFLATED_LIMIT)
        .map_err(|e| ShareError::Damaged(format!("cannot be decompressed ({:?})", e.status)))?;
    serde_json::from_slice(&json).map_err(|e| ShareError::Damaged(e.to_string()))
}

/// Reads a downloaded `.json` file of ours, refusing one larger than any we write.
pub(crate) fn read_file<T: DeserializeOwned>(text: &str) -> Result<T, ShareError> {
    if text.len() > INFLATED_LIMIT {
        return Err(ShareError::NotAFile("too large".into()));
    }
    serde_json::from_str(text).map_err(|e| ShareError::NotAFile(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::paint::PaintLog;
    use proptest::prelude::*;

    fn run(answer: &str) -> SharedRun {
        SharedRun {
            prompt: "Write FizzBuzz in Python".into(),
            model: "demo-1000".into(),
            endpoint_name: "Sparkplug demo".into(),
            answer: answer.into(),
            receipt: Receipt {
                ttft_ms: Some(201.5),
                tokens: 512,
                tokens_are_estimate: false,
                elapsed_ms: Some(511.0),
                tokens_per_second: Some(1001.9),
                server_tokens_per_second: None,
                ..Receipt::default()
            },
            timeline: Timeline::default(),
        }
    }

    /// A timeline of `answer` in pieces of `piece` bytes, one per millisecond.
    fn timeline_of(answer: &str, piece: usize) -> Timeline {
        let mut log = PaintLog::new(0.0);
        for (i, end) in (piece..answer.len())
            .step_by(piece)
            .chain([answer.len()])
            .enumerate()
        {
            log.arrived(i as f64, end as u64);
        }
        log.timeline()
    }

    #[test]
    fn a_link_keeps_the_timeline_when_it_fits_and_drops_it_when_not() {
        let answer = "```python\nprint('hi')\n```\n".repeat(8);
        let with_timeline = SharedRun {
            timeline: timeline_of(&answer, 16),
            ..run(&answer)
        };
        let fragment = with_timeline.to_fragment().expect("fits");
        let opened = SharedRun::from_fragment(&fragment).expect("opens");
        assert_eq!(opened, with_timeline);
        assert!(opened.timeline.pieces(&opened.answer).is_ok());

        // Pieces of one byte: the timeline alone is past a link's limit, the answer is not.
        let answer = "let x = 1;\n".repeat(600);
        let long_timeline = SharedRun {
            timeline: timeline_of(&answer, 1),
            ..run(&answer)
        };
        let opened =
            SharedRun::from_fragment(&long_timeline.to_fragment().expect("fits")).expect("opens");
        assert_eq!(opened.timeline, Timeline::default(), "left out of the link");
        assert_eq!(opened.answer, answer);
        let from_file = SharedRun::from_file(&long_timeline.to_file()).expect("a file");
        assert_eq!(
            from_file.timeline, long_timeline.timeline,
            "kept in the file"
        );
    }

    #[test]
    fn a_link_round_trips_and_compresses_code() {
        let answer = "```python\nfor i in range(1, 101):\n    print(i)\n```\n".repeat(40);
        let shared = run(&answer);
        let fragment = shared.to_fragment().expect("fits");
        assert!(
            fragment.len() < answer.len() / 4,
            "{} chars",
            fragment.len()
        );
        assert!(fragment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.=".contains(&b)));
        assert_eq!(
            SharedRun::from_fragment(&format!("#{fragment}")),
            Ok(shared)
        );
    }

    /// Made by the link code before the receipt was shared with the embed, whose receipt
    /// spelled its rates `final_rate` and `server_rate`.
    const OLD_LINK: &str = "share=1.NY8xa8QwDIX_ivGUQBrsgxSasUPnQocuAcc08tWcLRvZaWmO--9Vwp02Sd97errKTCnmKkf5Sb6CePPb9rpum_Ao3v_qd0LZyZgWCIwsENOTVkrxDHDJyWM1aCPw7iNbuuSwnsVOiSY5FzxCy6jF8gvEzDzP-fCc0CUSfj9CFs_Q6E7o53acUHBlYt_GtxOyYNoDEHyB31NeZa2umljkeFK6HzpZ0wWQ20GfHo2xBAZK9dFWjuZsKMCBg80FlkM7aN2rTjqPNhg6KH5L9y-dLEA_QPchriHcbv8";

    #[test]
    fn links_and_files_made_by_the_older_receipt_still_open() {
        let expected = SharedRun {
            endpoint_name: "Sparkplug demo (offline)".into(),
            answer: "```python\nfor i in range(1, 16):\n    print(i)\n```\n".into(),
            ..run("")
        };
        assert_eq!(SharedRun::from_fragment(OLD_LINK), Ok(expected.clone()));
        let old_file = r#"{
  "format": "sparkplug-share/1",
  "run": {
    "prompt": "Write FizzBuzz in Python",
    "model": "demo-1000",
    "endpoint_name": "Sparkplug demo (offline)",
    "answer": "```python\nfor i in range(1, 16):\n    print(i)\n```\n",
    "receipt": {
      "ttft_ms": 201.5,
      "tokens": 512,
      "tokens_are_estimate": false,
      "elapsed_ms": 511.0,
      "final_rate": 1001.9,
      "server_rate": null
    }
  }
}"#;
        assert_eq!(SharedRun::from_file(old_file), Ok(expected));
    }

    #[test]
    fn too_big_for_a_link_goes_to_a_file_that_round_trips() {
        // Incompressible text: each line differs.
        let answer: String = (0..6000u64)
            .map(|i| format!("{:x}\n", i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            .collect();
        let shared = run(&answer);
        assert!(matches!(
            shared.to_fragment(),
            Err(ShareError::TooBig { .. })
        ));
        assert_eq!(SharedRun::from_file(&shared.to_file()), Ok(shared));
        assert!(matches!(
            SharedRun::from_file(r#"{"format":"other/1","run":{}}"#),
            Err(ShareError::NotAFile(_))
        ));
    }

    #[test]
    fn a_shared_run_has_no_place_for_a_key() {
        let value = serde_json::to_value(run("x")).expect("serialises");
        let fields: Vec<&str> = value
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            fields,
            ["answer", "endpoint_name", "model", "prompt", "receipt"]
        );
        // A crafted link that smuggles a key in is refused, not carried along.
        let mut smuggled = value.clone();
        smuggled["api_key"] = "sk-secret".into();
        let json = serde_json::to_vec(&smuggled).expect("json");
        let fragment = format!(
            "share=1.{}",
            URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&json, 6))
        );
        assert!(matches!(
            SharedRun::from_fragment(&fragment),
            Err(ShareError::Damaged(_))
        ));
    }

    #[test]
    fn hostile_fragments_are_clear_errors() {
        assert_eq!(SharedRun::from_fragment("#foo"), Err(ShareError::NotALink));
        assert_eq!(
            SharedRun::from_fragment("share=1"),
            Err(ShareError::NotALink)
        );
        assert_eq!(
            SharedRun::from_fragment("share=9.abc"),
            Err(ShareError::Version("9".into()))
        );
        for bad in ["share=1.!!!", "share=1.", "share=1.AAAA", "share=1.eJwLAQ"] {
            assert!(
                matches!(SharedRun::from_fragment(bad), Err(ShareError::Damaged(_))),
                "{bad}"
            );
        }
        // A deflate bomb: 64 MB of zeros compresses to a tiny link and must be refused.
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; 64 << 20], 9);
        let fragment = format!("share=1.{}", URL_SAFE_NO_PAD.encode(bomb));
        assert!(matches!(
            SharedRun::from_fragment(&fragment),
            Err(ShareError::Damaged(_))
        ));
    }

    proptest! {
        #[test]
        fn any_fragment_decodes_or_errs_without_panicking(text in ".{0,300}") {
            let _ = SharedRun::from_fragment(&text);
            let _ = SharedRun::from_fragment(&format!("share=1.{text}"));
            let _ = SharedRun::from_file(&text);
        }

        #[test]
        fn any_deflated_bytes_decode_or_err(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let raw = format!("share=1.{}", URL_SAFE_NO_PAD.encode(&bytes));
            let _ = SharedRun::from_fragment(&raw);
            let deflated = miniz_oxide::deflate::compress_to_vec(&bytes, 6);
            let packed = format!("share=1.{}", URL_SAFE_NO_PAD.encode(deflated));
            let _ = SharedRun::from_fragment(&packed);
        }

        #[test]
        fn any_run_round_trips(prompt in ".{0,80}", model in "[a-z0-9/-]{0,20}", answer in ".{0,500}", tokens in any::<u64>()) {
            let mut shared = run(&answer);
            shared.prompt = prompt;
            shared.model = model;
            shared.receipt.tokens = tokens;
            let fragment = shared.to_fragment().expect("small runs fit");
            prop_assert_eq!(SharedRun::from_fragment(&fragment), Ok(shared));
        }
    }
}
