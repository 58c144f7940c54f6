//! Turning how a run ended into the one status line a user reads: for a failure, the
//! status, the provider's own message, and what to do next.

use crate::run::meter::MeterSnapshot;
use crate::run::{Failure, Outcome, TransportError};
use crate::stream::event::ProviderError;

/// How a status line should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Neutral,
    Done,
    Error,
}

/// One line under the answer saying what is happening or what happened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusLine {
    pub tone: Tone,
    pub text: String,
}

impl StatusLine {
    pub fn neutral(text: impl Into<String>) -> Self {
        Self {
            tone: Tone::Neutral,
            text: text.into(),
        }
    }
}

/// The status line for a run that has ended, in words with its figures ("Done: 2,693
/// tokens in 2.7 s."): what happened and, on failure, what to do.
pub fn explain_outcome(outcome: &Outcome, figures: &MeterSnapshot) -> StatusLine {
    let (tone, text) = match outcome {
        Outcome::Finished { reason } => (
            Tone::Done,
            match reason.as_deref() {
                Some("length" | "max_tokens") => format!(
                    "Done, but the answer hit the token limit: {}.",
                    amount(figures)
                ),
                Some("content_filter") => format!(
                    "Stopped by the provider's content filter: {}.",
                    amount(figures)
                ),
                _ => format!("Done: {}.", amount(figures)),
            },
        ),
        Outcome::Stopped => (
            Tone::Neutral,
            format!("Stopped: {}. The partial answer is kept.", amount(figures)),
        ),
        Outcome::Failed(failure) => (Tone::Error, explain_failure(failure)),
    };
    StatusLine { tone, text }
}

/// "2,693 tokens in 2.7 s" (≈ when the count is an estimate).
fn amount(figures: &MeterSnapshot) -> String {
    let approx = if figures.tokens_are_estimate {
        "≈ "
    } else {
        ""
    };
    let tokens = grouped(figures.tokens);
    let unit = if figures.tokens == 1 {
        "token"
    } else {
        "tokens"
    };
    match figures.elapsed_ms {
        Some(ms) => format!("{approx}{tokens} {unit} in {:.1} s", ms / 1000.0),
        None => format!("{approx}{tokens} {unit}"),
    }
}

/// A count with thousands separators: 2693 → "2,693".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn explain_failure(failure: &Failure) -> String {
    match failure {
        Failure::InStream(error) => explain_provider_error(error),
        Failure::Cut => "The stream ended without a finish: the connection was probably cut. \
                         The partial answer is kept; send again to retry."
            .into(),
        Failure::Http {
            status,
            message,
            retry_after,
        } => explain_http_error(*status, message.as_deref(), retry_after.as_deref()),
        // A run reads an error status's body into `Failure::Http`; a bare one has no message.
        Failure::Transport(TransportError::Status {
            status,
            retry_after,
            ..
        }) => explain_http_error(*status, None, retry_after.as_deref()),
        Failure::Transport(TransportError::Unreachable { detail }) => format!(
            "Could not reach the endpoint ({detail}). Check the URL; if it is another site, it may \
             not allow browser requests (CORS): route it through the Sparkplug server's proxy."
        ),
        Failure::Transport(TransportError::Interrupted { detail }) => format!(
            "The connection dropped mid-stream ({detail}). The partial answer is kept; send again to retry."
        ),
        Failure::Transport(TransportError::Aborted) => "Stopped.".into(),
    }
}

/// What to do about an HTTP status.
fn advice(status: u16, retry_after: Option<&str>) -> String {
    match status {
        400 => "The endpoint rejected the request; check the model and the API format.".into(),
        401 | 403 => "Check the API key for this endpoint in Settings.".into(),
        404 => "Check the model name and the endpoint's base URL.".into(),
        408 | 504 => "The endpoint timed out; try again.".into(),
        413 => "The prompt is too large for this endpoint.".into(),
        429 => match retry_after.and_then(|s| s.trim().parse::<u64>().ok()) {
            Some(secs) => format!("Rate limited: try again in {secs} s."),
            None => "Rate limited: wait a little and try again.".into(),
        },
        500..=599 => "The provider had a problem on its side; try again shortly.".into(),
        _ => "The request failed.".into(),
    }
}

/// One line for an HTTP error response, with the provider's message from its body if any
/// ([`crate::provider::ApiFormat::error_message`] reads it).
pub fn explain_http_error(status: u16, message: Option<&str>, retry_after: Option<&str>) -> String {
    let advice = advice(status, retry_after);
    match message {
        Some(message) => format!("HTTP {status}: {message} — {advice}"),
        None => format!("HTTP {status} — {advice}"),
    }
}

/// One line for an error the provider sent inside the stream.
pub fn explain_provider_error(error: &ProviderError) -> String {
    let kind = error
        .kind
        .as_deref()
        .map(|k| format!(" ({k})"))
        .unwrap_or_default();
    format!(
        "The provider reported an error mid-stream{kind}: {}. The partial answer is kept; send again to retry.",
        error.message
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_as_one_line_each_in_words_with_their_figures() {
        let figures = MeterSnapshot {
            tokens: 2693,
            elapsed_ms: Some(2_712.0),
            ..MeterSnapshot::default()
        };
        let done = explain_outcome(
            &Outcome::Finished {
                reason: Some("stop".into()),
            },
            &figures,
        );
        assert_eq!(
            done,
            StatusLine {
                tone: Tone::Done,
                text: "Done: 2,693 tokens in 2.7 s.".into()
            }
        );
        let estimated = MeterSnapshot {
            tokens_are_estimate: true,
            elapsed_ms: None,
            tokens: 1,
            ..figures
        };
        assert_eq!(
            explain_outcome(&Outcome::Finished { reason: None }, &estimated).text,
            "Done: ≈ 1 token."
        );
        let limit = explain_outcome(
            &Outcome::Finished {
                reason: Some("length".into()),
            },
            &figures,
        );
        assert!(limit.text.contains("token limit") && limit.text.contains("2,693"));
        assert_eq!(
            explain_outcome(&Outcome::Stopped, &figures).text,
            "Stopped: 2,693 tokens in 2.7 s. The partial answer is kept."
        );
        let figures = &MeterSnapshot::default();
        let cut = explain_outcome(&Outcome::Failed(Failure::Cut), figures);
        assert_eq!(cut.tone, Tone::Error);
        assert!(cut.text.contains("without a finish"));
        let cors = explain_outcome(
            &Outcome::Failed(Failure::Transport(TransportError::Unreachable {
                detail: "Failed to fetch".into(),
            })),
            figures,
        );
        assert!(cors.text.contains("CORS") && cors.text.contains("Failed to fetch"));
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (2693, "2,693"),
            (1234567, "1,234,567"),
        ] {
            assert_eq!(grouped(n), text);
        }
    }

    #[test]
    fn says_what_to_do() {
        let line = explain_http_error(429, Some("slow down"), Some("7"));
        assert_eq!(
            line,
            "HTTP 429: slow down — Rate limited: try again in 7 s."
        );
        assert_eq!(
            explain_http_error(401, None, None),
            "HTTP 401 — Check the API key for this endpoint in Settings."
        );
        let failed = explain_outcome(
            &Outcome::Failed(Failure::Http {
                status: 503,
                message: Some("busy".into()),
                retry_after: None,
            }),
            &MeterSnapshot::default(),
        );
        assert!(failed.text.starts_with("HTTP 503: busy"), "{failed:?}");
        let in_stream = explain_provider_error(&ProviderError {
            message: "Overloaded".into(),
            kind: Some("overloaded_error".into()),
        });
        assert!(in_stream.contains("(overloaded_error): Overloaded"));
    }
}
