//! Every way a request can fail, each mapped to an HTTP status and to OpenAI's
//! error body `{"error":{"message","type","param","code"}}` so any client can show it.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("We could not parse the JSON body of your request: {0}")]
    InvalidJson(String),
    #[error("Could not read the request body: {0}")]
    UnreadableBody(String),
    #[error("{message}")]
    InvalidParam {
        param: Option<String>,
        message: String,
    },
    #[error("The model `{0}` does not exist or you do not have access to it.")]
    ModelNotFound(String),
    #[error("No fixture `{0}` in the fixtures directory.")]
    FixtureNotFound(String),
    #[error("Invalid URL ({method} {path})")]
    UnknownUrl { method: String, path: String },
    #[error("Invalid method for URL ({method} {path}); use {allowed}.")]
    MethodNotAllowed {
        method: String,
        path: String,
        allowed: &'static str,
    },
    #[error("The request body is larger than the limit of {limit} bytes.")]
    PayloadTooLarge { limit: usize },
    #[error("The request body did not arrive within {seconds} s.")]
    BodyTimeout { seconds: f64 },
    #[error("Send the request body as application/json, not `{0}`.")]
    UnsupportedMediaType(String),
    #[error("Requests from other sites are not accepted (origin `{0}`); the server's operator can allow an origin in `cors_origins`.")]
    CrossSite(String),
    #[error("The server failed while answering this request.")]
    Internal,
    #[error("Too many concurrent streams from your address (limit {limit}); retry when one has finished.")]
    TooManyStreams { limit: usize },
    #[error("The server is shutting down; retry shortly.")]
    ShuttingDown,
    #[error("Upstream `{upstream}` could not be reached: {message}")]
    UpstreamUnreachable { upstream: String, message: String },
    #[error("Upstream `{upstream}` answered {status} with content type `{content_type}`, which is neither JSON nor an event stream.")]
    UpstreamBadType {
        upstream: String,
        status: u16,
        content_type: String,
    },
    #[error("Upstream `{upstream}` sent nothing for {seconds} s.")]
    UpstreamTimeout { upstream: String, seconds: f64 },
    #[error(
        "Upstream `{upstream}` has no API key: set the environment variable {env} for the server."
    )]
    UpstreamKeyMissing { upstream: String, env: String },
    #[error("No recording `{0}` in the replay directory.")]
    RecordingNotFound(String),
    #[error("Recording `{name}` cannot be played: {reason}")]
    RecordingInvalid { name: String, reason: String },
}

/// OpenAI's error object.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorObject<'a>,
}

#[derive(Serialize)]
struct ErrorObject<'a> {
    message: String,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<&'a str>,
    code: Option<&'a str>,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidJson(_) | Self::InvalidParam { .. } | Self::UnreadableBody(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::ModelNotFound(_) | Self::UnknownUrl { .. } | Self::FixtureNotFound(_) => {
                StatusCode::NOT_FOUND
            }
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::CrossSite(_) => StatusCode::FORBIDDEN,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TooManyStreams { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            Self::UpstreamUnreachable { .. } | Self::UpstreamBadType { .. } => {
                StatusCode::BAD_GATEWAY
            }
            Self::UpstreamTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            Self::UpstreamKeyMissing { .. } | Self::RecordingInvalid { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            Self::RecordingNotFound(_) => StatusCode::NOT_FOUND,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::ShuttingDown => "server_shutdown",
            Self::TooManyStreams { .. } => "rate_limit_error",
            Self::UpstreamUnreachable { .. } | Self::UpstreamBadType { .. } => "upstream_error",
            Self::CrossSite(_) => "permission_error",
            Self::UpstreamTimeout { .. } => "upstream_timeout",
            Self::UpstreamKeyMissing { .. } | Self::RecordingInvalid { .. } | Self::Internal => {
                "server_error"
            }
            _ => "invalid_request_error",
        }
    }

    fn param(&self) -> Option<&str> {
        match self {
            Self::InvalidParam { param, .. } => param.as_deref(),
            Self::ModelNotFound(_) | Self::FixtureNotFound(_) | Self::RecordingNotFound(_) => {
                Some("model")
            }
            _ => None,
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            Self::ModelNotFound(_) => Some("model_not_found"),
            Self::FixtureNotFound(_) => Some("fixture_not_found"),
            Self::PayloadTooLarge { .. } => Some("request_too_large"),
            Self::MethodNotAllowed { .. } => Some("method_not_supported"),
            Self::UnknownUrl { .. } => Some("unknown_url"),
            Self::TooManyStreams { .. } => Some("too_many_streams"),
            Self::UpstreamKeyMissing { .. } => Some("upstream_key_missing"),
            Self::RecordingNotFound(_) => Some("recording_not_found"),
            Self::BodyTimeout { .. } => Some("request_timeout"),
            Self::UnsupportedMediaType(_) => Some("unsupported_media_type"),
            Self::CrossSite(_) => Some("cross_site_request"),
            Self::UpstreamBadType { .. } => Some("upstream_bad_content_type"),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorObject {
                message: self.to_string(),
                kind: self.kind(),
                param: self.param(),
                code: self.code(),
            },
        };
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            Self::MethodNotAllowed { allowed, .. } => {
                headers.insert(header::ALLOW, HeaderValue::from_static(allowed));
            }
            // A stream usually ends within seconds; one second is a polite first retry.
            Self::TooManyStreams { .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn renders_openai_error_shape() {
        let response = ApiError::ModelNotFound("nope".into()).into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(
            value,
            serde_json::json!({"error": {
                "message": "The model `nope` does not exist or you do not have access to it.",
                "type": "invalid_request_error",
                "param": "model",
                "code": "model_not_found",
            }})
        );
    }
}
