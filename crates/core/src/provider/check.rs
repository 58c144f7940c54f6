//! Test connection: an endpoint's model list fetched and timed, and what that says: the
//! models it offers and the round trip, or the failure explained as a run's would be.

use crate::provider::endpoints::Endpoint;
use crate::provider::models::ModelInfo;
use crate::provider::ApiFormat;
use crate::run::explain::explain_failure;
use crate::run::{Failure, TransportError};

/// How an endpoint answered a request for its model list.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionCheck {
    /// It answered with its list, after `latency_ms` (request sent to body read).
    Listed {
        models: Vec<ModelInfo>,
        latency_ms: f64,
    },
    /// It could not be reached, refused, or answered with something else: what and why.
    Failed(String),
}

impl ConnectionCheck {
    /// Reads the reply to `format`'s model-list request (the body, or how the request
    /// failed), which took `latency_ms`; `url` is the request's, as shown
    /// ([`crate::run::reach::Failed::shown_url`]).
    pub fn new(
        format: ApiFormat,
        url: &str,
        reply: Result<String, TransportError>,
        latency_ms: f64,
    ) -> Self {
        let body = match reply {
            Ok(body) => body,
            Err(error) => {
                // An unreachable URL's explanation names it already.
                let named = matches!(error, TransportError::Unreachable(_));
                let explanation = explain_failure(&Failure::from_transport(error, format));
                return Self::Failed(if named {
                    explanation
                } else {
                    format!("{url}: {explanation}")
                });
            }
        };
        match format.parse_models(&body) {
            Ok(models) => Self::Listed { models, latency_ms },
            Err(error) => Self::Failed(format!(
                "{url} answered, but not with a model list of the {format} format ({error}). \
                 Check the base URL and the API format."
            )),
        }
    }

    /// The check's result without asking, when `endpoint` cannot be asked yet (no base URL:
    /// the request would go to this page's own server).
    pub fn unready(endpoint: &Endpoint) -> Option<Self> {
        endpoint.base_url.trim().is_empty().then(|| {
            Self::Failed(
                "Type the endpoint's base URL first (for example http://127.0.0.1:8000/v1).".into(),
            )
        })
    }

    /// The models listed; none when the check failed.
    pub fn into_models(self) -> Vec<ModelInfo> {
        match self {
            Self::Listed { models, .. } => models,
            Self::Failed(_) => Vec::new(),
        }
    }

    /// One line for the settings panel: "Connected in 23 ms: 9 models." or the failure.
    pub fn summary(&self) -> String {
        match self {
            Self::Listed { models, latency_ms } => {
                let count = match models.len() {
                    0 => "no models listed".to_string(),
                    1 => "1 model".to_string(),
                    n => format!("{n} models"),
                };
                format!("Connected in {latency_ms:.0} ms: {count}.")
            }
            Self::Failed(explanation) => explanation.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::reach::{Cause, Unreachable};

    const URL: &str = "http://127.0.0.1:8080/v1/models";

    #[test]
    fn a_list_is_counted_and_timed() {
        let body =
            r#"{"object":"list","data":[{"id":"demo-1000","label":"Fast"},{"id":"demo-52"}]}"#;
        let check = ConnectionCheck::new(ApiFormat::OpenAiChat, URL, Ok(body.into()), 23.4);
        assert_eq!(check.summary(), "Connected in 23 ms: 2 models.");
        let models = check.into_models();
        assert_eq!(models[0].label.as_deref(), Some("Fast"));
        assert_eq!(models[1].id, "demo-52");
        let empty =
            ConnectionCheck::new(ApiFormat::OpenAiChat, URL, Ok(r#"{"data":[]}"#.into()), 5.0);
        assert_eq!(empty.summary(), "Connected in 5 ms: no models listed.");
    }

    #[test]
    fn an_endpoint_without_a_url_is_not_asked() {
        let mut endpoints = crate::provider::endpoints::Endpoints::default();
        let id = endpoints.add(&crate::provider::endpoints::CUSTOM);
        let mut custom = endpoints.get(&id).cloned().expect("added");
        let unready = ConnectionCheck::unready(&custom).expect("no URL yet");
        assert!(unready
            .summary()
            .starts_with("Type the endpoint's base URL first"));
        custom.base_url = "http://127.0.0.1:8000/v1".into();
        assert_eq!(ConnectionCheck::unready(&custom), None);
    }

    #[test]
    fn failures_say_what_happened_at_which_url() {
        let refused = ConnectionCheck::new(
            ApiFormat::OpenAiChat,
            URL,
            Err(TransportError::Unreachable(Unreachable {
                url: "http://127.0.0.1:6666/v1/models".into(),
                cause: Cause::BlockedPort(6666),
            })),
            3.0,
        );
        assert!(refused
            .summary()
            .contains("http://127.0.0.1:6666/v1/models"));
        assert!(refused.clone().into_models().is_empty());
        let unauthorised = ConnectionCheck::new(
            ApiFormat::OpenAiChat,
            URL,
            Err(TransportError::Status {
                status: 401,
                body: r#"{"error":{"message":"Incorrect API key provided"}}"#.into(),
                retry_after: None,
            }),
            40.0,
        );
        assert_eq!(
            unauthorised.summary(),
            format!("{URL}: HTTP 401: Incorrect API key provided — Check the API key for this endpoint in Settings.")
        );
        let html = ConnectionCheck::new(ApiFormat::Ollama, URL, Ok("<html>".into()), 9.0);
        assert!(
            html.summary().starts_with(&format!(
                "{URL} answered, but not with a model list of the ollama format"
            )),
            "{}",
            html.summary()
        );
    }
}
