//! What a request to a provider is made of: the chat's messages, who will answer, and the
//! requests to send (URL, headers, body), with the one place a base URL and a path are joined.

use std::fmt;

use serde::Serialize;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }
}

/// Who will answer a request: our own server understands one extension, usage on every
/// chunk, which makes the live count exact; other endpoints may refuse unknown fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answerer {
    /// Sparkplug's server (demo models, replays, its proxy, which strips the extension).
    OurServer,
    Other,
}

/// An HTTP request ready to send: a POST of JSON when it has a body (a streaming chat
/// request), else a GET (a model list). Header values may hold the API key: never log them
/// or put them in a URL, and `Debug` prints only their names.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Request")
            .field("url", &self.url)
            .field("headers", &names)
            .field("body", &self.body)
            .finish()
    }
}

/// `path` (which starts with `/`) under `base_url`, with or without its trailing slash.
pub(crate) fn join_url(base_url: &str, path: &str) -> String {
    format!("{}{path}", base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_joins_a_base_with_or_without_its_slash() {
        assert_eq!(join_url("/v1", "/models"), "/v1/models");
        assert_eq!(
            join_url("http://127.0.0.1:11434/", "/api/chat"),
            "http://127.0.0.1:11434/api/chat"
        );
    }
}
