//! The versioned messages between the app and the runner frame (JSON text both ways):
//! building the `run` request, and checking every message that comes back before use.

use serde::Deserialize;
use serde_json::{json, Value};

use super::runnable::Runnable;
use crate::iterate::checks::Check;

/// The protocol version both sides speak.
pub const VERSION: u64 = 2;

/// Longest message the app reads; anything bigger is dropped unread.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Longest text kept from one console line or error; the rest is cut with a note.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Most checks one run carries, and the longest one; more or longer are the app's bug.
pub const MAX_CHECKS: usize = 50;

/// A nonce is 1–64 ASCII letters and digits (the app makes 32 hex digits).
pub fn is_valid_nonce(nonce: &str) -> bool {
    (1..=64).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The `run` request: `{v, type: "run", nonce, lang, code, timeout_ms, checks}`. `checks`
/// are evaluated after the code: JavaScript expressions in the loaded page, or Python
/// statements after the program; each comes back as a `check` message.
pub fn run_message(nonce: &str, runnable: &Runnable, timeout_ms: u32, checks: &[Check]) -> String {
    let checks: Vec<&str> = checks
        .iter()
        .take(MAX_CHECKS)
        .map(|c| c.code.as_str())
        .collect();
    json!({
        "v": VERSION,
        "type": "run",
        "nonce": nonce,
        "lang": runnable.lang(),
        "code": runnable.code(),
        "timeout_ms": timeout_ms,
        "checks": checks,
    })
    .to_string()
}

/// A console method's level, as the runner reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Log,
    Info,
    Warn,
    Error,
    Debug,
}

/// A checked message from the runner.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// The runner page loaded and listens (carries the frame's nonce).
    Ready,
    /// The code is about to start (sent in a task before the code's own).
    Started,
    Console {
        level: Level,
        text: String,
        line: Option<u32>,
    },
    /// An uncaught error, unhandled rejection or Python exception.
    Error { message: String, line: Option<u32> },
    /// The code could not run here through no fault of its own (Python could not load).
    Unavailable { message: String },
    /// The runner's event loop is alive.
    Heartbeat,
    /// Python is loading: bytes fetched of those expected so far.
    Progress {
        loaded: u64,
        total: u64,
        label: String,
    },
    /// Check `index` (in the order the run request listed them) held or not; `detail` is
    /// the thrown error or the falsy value.
    Check {
        index: u32,
        passed: bool,
        detail: Option<String>,
    },
    /// The code finished (for a page: its `load` event and its checks), `elapsed_ms` after
    /// `started`.
    Done { elapsed_ms: f64 },
}

/// A message and the nonce it carried.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub nonce: String,
    pub message: Message,
}

/// Why a message from the frame was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("message of {0} bytes is over the limit")]
    TooLarge(usize),
    #[error("message is not JSON: {0}")]
    NotJson(String),
    #[error("unsupported protocol version {0:?}")]
    Version(Option<u64>),
    #[error("missing or malformed nonce")]
    Nonce,
    #[error("malformed message: {0}")]
    Shape(String),
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Wire {
    Ready,
    Started,
    Console {
        level: Level,
        text: String,
        #[serde(default)]
        line: Option<u32>,
    },
    Error {
        message: String,
        #[serde(default)]
        line: Option<u32>,
    },
    Unavailable {
        message: String,
    },
    Heartbeat,
    Progress {
        loaded: u64,
        total: u64,
        #[serde(default)]
        label: String,
    },
    Check {
        index: u32,
        passed: bool,
        #[serde(default)]
        detail: Option<String>,
    },
    Done {
        elapsed_ms: f64,
    },
}

/// Parses and checks one message from the runner. Everything in it came from a frame that
/// runs untrusted code, so sizes are bounded and numbers made sane here.
pub fn parse(text: &str) -> Result<Incoming, ProtocolError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(ProtocolError::TooLarge(text.len()));
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| ProtocolError::NotJson(e.to_string()))?;
    let version = value.get("v").and_then(Value::as_u64);
    if version != Some(VERSION) {
        return Err(ProtocolError::Version(version));
    }
    let nonce = value
        .get("nonce")
        .and_then(Value::as_str)
        .filter(|n| is_valid_nonce(n))
        .ok_or(ProtocolError::Nonce)?
        .to_owned();
    let wire: Wire =
        serde_json::from_value(value).map_err(|e| ProtocolError::Shape(e.to_string()))?;
    let message = match wire {
        Wire::Ready => Message::Ready,
        Wire::Started => Message::Started,
        Wire::Console { level, text, line } => Message::Console {
            level,
            text: cap_text(text),
            line,
        },
        Wire::Error { message, line } => Message::Error {
            message: cap_text(message),
            line,
        },
        Wire::Unavailable { message } => Message::Unavailable {
            message: cap_text(message),
        },
        Wire::Heartbeat => Message::Heartbeat,
        Wire::Progress {
            loaded,
            total,
            label,
        } => Message::Progress {
            loaded: loaded.min(total),
            total,
            label: label.chars().take(200).collect(),
        },
        Wire::Check {
            index,
            passed,
            detail,
        } => {
            if index as usize >= MAX_CHECKS {
                return Err(ProtocolError::Shape(format!("check index {index}")));
            }
            Message::Check {
                index,
                passed,
                detail: detail.map(cap_text),
            }
        }
        Wire::Done { elapsed_ms } => Message::Done {
            elapsed_ms: if elapsed_ms.is_finite() {
                elapsed_ms.max(0.0)
            } else {
                0.0
            },
        },
    };
    Ok(Incoming { nonce, message })
}

/// Cuts text longer than `MAX_TEXT_CHARS`, saying how much was left out.
fn cap_text(text: String) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        None => text,
        Some((cut, _)) => {
            let rest = text[cut..].chars().count();
            format!("{}… ({rest} more characters)", &text[..cut])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_request_carries_everything_the_runner_needs() {
        let runnable = Runnable::block("python", "print('hi')").expect("runnable");
        let checks = crate::iterate::checks::parse_checks(
            "assert 1 + 1 == 2",
            crate::iterate::checks::Author::User,
        );
        let text = run_message("abc123", &runnable, 5000, &checks);
        let value: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            value,
            json!({"v": 2, "type": "run", "nonce": "abc123", "lang": "python",
                   "code": "print('hi')", "timeout_ms": 5000,
                   "checks": ["assert 1 + 1 == 2"]})
        );
    }

    #[test]
    fn every_message_type_parses() {
        let cases = [
            (r#"{"v":2,"nonce":"n1","type":"ready"}"#, Message::Ready),
            (r#"{"v":2,"nonce":"n1","type":"started"}"#, Message::Started),
            (
                r#"{"v":2,"nonce":"n1","type":"console","level":"warn","text":"hi","line":3}"#,
                Message::Console {
                    level: Level::Warn,
                    text: "hi".into(),
                    line: Some(3),
                },
            ),
            (
                r#"{"v":2,"nonce":"n1","type":"error","message":"boom","line":null}"#,
                Message::Error {
                    message: "boom".into(),
                    line: None,
                },
            ),
            (
                r#"{"v":2,"nonce":"n1","type":"unavailable","message":"Python could not load"}"#,
                Message::Unavailable {
                    message: "Python could not load".into(),
                },
            ),
            (
                r#"{"v":2,"nonce":"n1","type":"heartbeat"}"#,
                Message::Heartbeat,
            ),
            (
                r#"{"v":2,"nonce":"n1","type":"progress","loaded":50,"total":10,"label":"x"}"#,
                Message::Progress {
                    loaded: 10,
                    total: 10,
                    label: "x".into(),
                },
            ),
            (
                r#"{"v":2,"nonce":"n1","type":"check","index":2,"passed":false,"detail":"got 80"}"#,
                Message::Check {
                    index: 2,
                    passed: false,
                    detail: Some("got 80".into()),
                },
            ),
            (
                r#"{"v":2,"nonce":"n1","type":"check","index":0,"passed":true}"#,
                Message::Check {
                    index: 0,
                    passed: true,
                    detail: None,
                },
            ),
            (
                r#"{"v":2,"nonce":"n1","type":"done","elapsed_ms":12.5}"#,
                Message::Done { elapsed_ms: 12.5 },
            ),
        ];
        for (text, message) in cases {
            assert_eq!(
                parse(text),
                Ok(Incoming {
                    nonce: "n1".into(),
                    message
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_or_foreign_messages_are_refused() {
        let refused = [
            ("not json", "NotJson"),
            (r#"{"nonce":"n","type":"ready"}"#, "Version"),
            (r#"{"v":1,"nonce":"n","type":"ready"}"#, "Version"),
            (r#"{"v":"1","nonce":"n","type":"ready"}"#, "Version"),
            (r#"{"v":2,"type":"ready"}"#, "Nonce"),
            (r#"{"v":2,"nonce":"a b","type":"ready"}"#, "Nonce"),
            (r#"{"v":2,"nonce":"","type":"ready"}"#, "Nonce"),
            (r#"{"v":2,"nonce":"n","type":"run","code":"x"}"#, "Shape"),
            (
                r#"{"v":2,"nonce":"n","type":"console","level":"shout","text":"x"}"#,
                "Shape",
            ),
            (
                r#"{"v":2,"nonce":"n","type":"console","level":"log","text":5}"#,
                "Shape",
            ),
            (
                r#"{"v":2,"nonce":"n","type":"console","level":"log","text":"x","line":-1}"#,
                "Shape",
            ),
            (
                r#"{"v":2,"nonce":"n","type":"check","index":50,"passed":true}"#,
                "Shape",
            ),
            (
                r#"{"v":2,"nonce":"n","type":"check","index":1,"passed":"yes"}"#,
                "Shape",
            ),
        ];
        for (text, kind) in refused {
            let error = parse(text).expect_err(text);
            assert!(format!("{error:?}").starts_with(kind), "{text}: {error:?}");
        }
        let huge = format!(
            r#"{{"v":2,"nonce":"n","type":"console","level":"log","text":"{}"}}"#,
            "x".repeat(MAX_MESSAGE_BYTES)
        );
        assert!(matches!(parse(&huge), Err(ProtocolError::TooLarge(_))));
        assert!(!is_valid_nonce(&"a".repeat(65)));
    }

    #[test]
    fn long_text_is_cut_and_numbers_made_sane() {
        let long = "é".repeat(MAX_TEXT_CHARS + 5);
        let text =
            format!(r#"{{"v":2,"nonce":"n","type":"console","level":"log","text":"{long}"}}"#);
        let Ok(Incoming {
            message: Message::Console { text, .. },
            ..
        }) = parse(&text)
        else {
            panic!("console message expected");
        };
        assert!(
            text.ends_with("… (5 more characters)"),
            "{}",
            &text[text.len() - 40..]
        );
        assert_eq!(text.chars().filter(|&c| c == 'é').count(), MAX_TEXT_CHARS);
        let negative = parse(r#"{"v":2,"nonce":"n","type":"done","elapsed_ms":-3}"#);
        assert_eq!(
            negative.map(|i| i.message),
            Ok(Message::Done { elapsed_ms: 0.0 })
        );
    }
}
