//! `test/error/<status>`: the error responses real providers send, with OpenAI's bodies,
//! so the app's error display is tested against the real shapes. Keys shown are fake.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::error::ApiError;

/// The response for `status`, which must be an HTTP error status (400–599).
pub fn respond(status: u16) -> Result<Response, ApiError> {
    let code = StatusCode::from_u16(status)
        .ok()
        .filter(|code| code.is_client_error() || code.is_server_error())
        .ok_or_else(|| ApiError::InvalidParam {
            param: Some("model".into()),
            message: format!("test/error/{status}: the status must be between 400 and 599."),
        })?;
    let (message, kind, error_code) = match status {
        401 => (
            "Incorrect API key provided: sk-fake-****************************0000. You can find \
             your API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            Some("invalid_api_key"),
        ),
        404 => (
            "The model `gpt-imaginary` does not exist or you do not have access to it.",
            "invalid_request_error",
            Some("model_not_found"),
        ),
        429 => (
            "Rate limit reached for gpt-4o in organization org-fake0000 on tokens per min (TPM): \
             Limit 30000, Used 29800, Requested 900. Please try again in 7s. Visit \
             https://platform.openai.com/account/rate-limits to learn more.",
            "tokens",
            Some("rate_limit_exceeded"),
        ),
        500 => (
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
        ),
        503 => (
            "The engine is currently overloaded, please try again later.",
            "server_error",
            None,
        ),
        _ => ("Simulated provider error.", "server_error", None),
    };
    let body = json!({
        "error": { "message": message, "type": kind, "param": null, "code": error_code }
    });
    let mut response = (code, Json(body)).into_response();
    if status == 429 {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
    }
    Ok(response)
}
