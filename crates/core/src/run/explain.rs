//! Turning how a run ended into the one status line a user reads: for a failure, the
//! status, the provider's own message, and what to do next.

use crate::run::meter::MeterSnapshot;
use crate::run::reach::{Cause, Possible, Unreachable};
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

    /// Something failed: what, and what to do.
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            tone: Tone::Error,
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
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// What went wrong and what to do, for a failure of any request (a run's, a model list's).
pub fn explain_failure(failure: &Failure) -> String {
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
        Failure::Transport(TransportError::Unreachable(unreachable)) => {
            explain_unreachable(unreachable)
        }
        Failure::Transport(TransportError::Interrupted { detail }) => format!(
            "The connection dropped mid-stream ({detail}). The partial answer is kept; send again to retry."
        ),
        Failure::Transport(TransportError::Aborted) => "Stopped.".into(),
    }
}

/// A request that got no response: the URL tried, the cause when the browser lets it be
/// known, else every cause still possible for that address, and what to try.
pub fn explain_unreachable(unreachable: &Unreachable) -> String {
    let url = &unreachable.url;
    match &unreachable.cause {
        Cause::BlockedPort(port) => format!(
            "Could not reach {url}: browsers refuse to connect to port {port}, which belongs to \
             another protocol (Chromium: ERR_UNSAFE_PORT). Run the endpoint on another port, \
             such as 8000 or 8080."
        ),
        Cause::MixedContent => format!(
            "Could not reach {url}: this page is served over https://, and the browser blocks its \
             requests to plain http:// addresses (mixed content). Use the endpoint's https:// \
             address, or go through the Sparkplug server's proxy."
        ),
        Cause::Offline => {
            format!("Could not reach {url}: the browser is offline. Check the network connection.")
        }
        Cause::Cors => format!(
            "{url} answered, but does not let pages from other sites read its answers (CORS), \
             so the browser withheld it. Go through the Sparkplug server's proxy (`--upstream`), \
             or allow this page's origin on the endpoint (for Ollama, OLLAMA_ORIGINS)."
        ),
        Cause::NoAnswer(possible) => explain_no_answer(url, possible),
        Cause::NotSent(reason) => {
            format!("The browser did not send the request to {url}: {reason}.")
        }
    }
}

/// Nothing answered even a plain request: the browser gives no reason, so say which causes
/// this address leaves open (not CORS: that needs an answer).
fn explain_no_answer(url: &str, possible: &Possible) -> String {
    let Possible {
        host,
        port,
        local,
        lookup,
        tls,
        policy,
    } = possible;
    if *local && !tls {
        return format!(
            "Nothing answered at {url}: the connection was refused, so nothing is listening on \
             port {port} of this machine. Is the server running, and on that port?"
        );
    }
    let mut causes = Vec::new();
    if *lookup {
        causes.push(format!(
            "the name {host} was not found (a typo, or a name only another network knows)"
        ));
    }
    causes.push(if *local {
        format!("nothing is listening on port {port} of this machine")
    } else {
        format!("the connection to port {port} was refused or timed out (the server is down, or a firewall is in the way)")
    });
    if *tls {
        causes.push(
            "the browser does not trust its TLS certificate (self-signed or expired: open the \
             address in a tab to see)"
                .into(),
        );
    }
    if *policy {
        causes.push(
            "this Sparkplug server does not let the page connect there (its `connect-src` \
             setting; the browser's console says so)"
                .into(),
        );
    }
    let last = causes.pop().unwrap_or_default();
    let causes = if causes.is_empty() {
        last
    } else {
        format!("{}, or {last}", causes.join(", "))
    };
    format!(
        "Nothing answered at {url}, not even a plain request, so it is not CORS. The browser \
         does not say why; for this address it can be that {causes}."
    )
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
            &Outcome::Failed(Failure::Transport(TransportError::Unreachable(
                Unreachable {
                    url: "https://api.example.com/v1/chat/completions".into(),
                    cause: Cause::Cors,
                },
            ))),
            figures,
        );
        assert_eq!(cors.tone, Tone::Error);
        assert!(
            cors.text
                .starts_with("https://api.example.com/v1/chat/completions answered")
                && cors.text.contains("CORS")
                && cors.text.contains("proxy"),
            "{cors:?}"
        );
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

    fn unreachable(url: &str, cause: Cause) -> String {
        explain_unreachable(&Unreachable {
            url: url.into(),
            cause,
        })
    }

    #[test]
    fn an_unreachable_url_is_named_with_its_cause_or_every_cause_still_possible() {
        let port = unreachable("http://127.0.0.1:6666/v1/models", Cause::BlockedPort(6666));
        assert!(
            port.starts_with("Could not reach http://127.0.0.1:6666/v1/models: browsers refuse to connect to port 6666"),
            "{port}"
        );
        let mixed = unreachable("http://10.0.0.5/v1", Cause::MixedContent);
        assert!(mixed.contains("mixed content") && mixed.contains("https://"));
        let offline = unreachable("https://api.example.com/v1", Cause::Offline);
        assert!(offline.contains("offline"));
        let refused = unreachable(
            "http://127.0.0.1:8000/v1/models",
            Cause::NoAnswer(Possible {
                host: "127.0.0.1".into(),
                port: 8000,
                local: true,
                lookup: false,
                tls: false,
                policy: false,
            }),
        );
        assert_eq!(
            refused,
            "Nothing answered at http://127.0.0.1:8000/v1/models: the connection was refused, \
             so nothing is listening on port 8000 of this machine. Is the server running, and on \
             that port?"
        );
        let remote = unreachable(
            "https://api.exmaple.com/v1/models",
            Cause::NoAnswer(Possible {
                host: "api.exmaple.com".into(),
                port: 443,
                local: false,
                lookup: true,
                tls: true,
                policy: false,
            }),
        );
        assert_eq!(
            remote,
            "Nothing answered at https://api.exmaple.com/v1/models, not even a plain request, so \
             it is not CORS. The browser does not say why; for this address it can be that the \
             name api.exmaple.com was not found (a typo, or a name only another network knows), \
             the connection to port 443 was refused or timed out (the server is down, or a \
             firewall is in the way), or the browser does not trust its TLS certificate \
             (self-signed or expired: open the address in a tab to see)."
        );
        let lan = unreachable(
            "http://192.168.1.20:8000/v1",
            Cause::NoAnswer(Possible {
                host: "192.168.1.20".into(),
                port: 8000,
                local: false,
                lookup: false,
                tls: false,
                policy: true,
            }),
        );
        assert!(
            !lan.contains("name") && !lan.contains("TLS") && lan.contains("connect-src"),
            "{lan}"
        );
        let not_sent = unreachable("/v1", Cause::NotSent("no window".into()));
        assert_eq!(
            not_sent,
            "The browser did not send the request to /v1: no window."
        );
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
