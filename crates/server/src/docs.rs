//! `GET /docs/embed`: the embed's documentation page, a static file compiled into the
//! server, with a live embed of this server and the copy-paste snippet.

use axum::{
    http::{header, HeaderValue},
    response::{Html, IntoResponse, Response},
};

use crate::headers;

const EMBED_PAGE: &str = include_str!("docs/embed.html");

pub async fn embed() -> Response {
    let mut response = Html(EMBED_PAGE).into_response();
    // The page is a constant, so its policy is header-safe; the fallback never applies.
    let policy = HeaderValue::from_str(&headers::docs_csp(EMBED_PAGE))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, policy);
    response
}
