//! What a run asks for (where, which model, the messages) and the one HTTP request it becomes,
//! so no page builds a URL, a body or a key header itself.

use std::fmt;

use crate::provider::endpoints::{Endpoint, DEMO_ID};
use crate::provider::request::{Answerer, ChatMessage, Request};
use crate::provider::ApiFormat;

/// Where this server's own models answer (demo, replays, proxied upstreams): its
/// OpenAI-compatible API on the page's origin.
pub const OUR_API: &str = "/v1";

/// How to reach one endpoint: its base URL, API format and key. The key goes into a header
/// only and is never printed (`Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    base_url: String,
    format: ApiFormat,
    answerer: Answerer,
    api_key: Option<String>,
}

impl Connection {
    /// This server's API: no key, OpenAI chat format.
    pub fn our_server() -> Self {
        Self {
            base_url: OUR_API.to_owned(),
            format: ApiFormat::OpenAiChat,
            answerer: Answerer::OurServer,
            api_key: None,
        }
    }

    /// A user's endpoint with its key, if one is set (the demo endpoint is this server).
    pub fn endpoint(endpoint: &Endpoint, api_key: Option<&str>) -> Self {
        Self {
            base_url: endpoint.base_url.clone(),
            format: endpoint.format,
            answerer: if endpoint.id == DEMO_ID {
                Answerer::OurServer
            } else {
                Answerer::Other
            },
            api_key: api_key.map(str::to_owned),
        }
    }

    pub fn format(&self) -> ApiFormat {
        self.format
    }

    /// The GET that lists the endpoint's models (read its body with
    /// [`ApiFormat::parse_models`]).
    pub fn models_request(&self) -> Request {
        self.format
            .models_request(&self.base_url, self.api_key.as_deref())
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("base_url", &self.base_url)
            .field("format", &self.format)
            .field("answerer", &self.answerer)
            .field("api_key", &self.api_key.as_ref().map(|_| "(set)"))
            .finish()
    }
}

/// One run: the connection, the model and the messages to send (the whole chat so far).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    pub connection: Connection,
    pub model: String,
    pub messages: Vec<ChatMessage>,
}

impl RunSpec {
    /// One prompt, no history.
    pub fn prompt(connection: Connection, model: &str, prompt: &str) -> Self {
        Self {
            connection,
            model: model.to_owned(),
            messages: vec![ChatMessage::user(prompt)],
        }
    }

    /// The streaming POST (its body is JSON; `content-type` is the sender's to add).
    pub fn request(&self) -> Request {
        let connection = &self.connection;
        connection.format.chat_request(
            &connection.base_url,
            connection.api_key.as_deref(),
            &self.model,
            &self.messages,
            connection.answerer,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn endpoint(id: &str, base_url: &str, format: ApiFormat) -> Endpoint {
        Endpoint {
            id: id.into(),
            name: "Mine".into(),
            base_url: base_url.into(),
            format,
            model: "m".into(),
        }
    }

    #[test]
    fn our_server_posts_openai_chat_to_its_own_api_with_no_key() {
        let request = RunSpec::prompt(Connection::our_server(), "demo-1000", "hi").request();
        assert_eq!(request.url, "/v1/chat/completions");
        assert!(request.headers.is_empty());
        let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["model"], "demo-1000");
        assert_eq!(body["messages"][0]["content"], "hi");
        assert_eq!(body["stream"], true);
        assert_eq!(
            body["sparkplug_usage_every_chunk"], true,
            "our server gets the exact-usage extension"
        );
    }

    #[test]
    fn a_users_endpoint_gets_its_format_path_its_key_header_and_no_extension() {
        let mine = endpoint("e1", "https://api.example.com/v1/", ApiFormat::OpenAiChat);
        let spec = RunSpec {
            connection: Connection::endpoint(&mine, Some("sk-secret")),
            model: "big".into(),
            messages: vec![ChatMessage::user("a"), ChatMessage::user("b")],
        };
        let request = spec.request();
        assert_eq!(request.url, "https://api.example.com/v1/chat/completions");
        assert_eq!(
            request.headers,
            vec![("authorization".to_string(), "Bearer sk-secret".to_string())]
        );
        let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["messages"].as_array().unwrap().len(), 2);
        assert!(body.get("sparkplug_usage_every_chunk").is_none());
    }

    #[test]
    fn the_demo_endpoint_is_our_server() {
        let demo = endpoint(DEMO_ID, "/v1", ApiFormat::OpenAiChat);
        let request = RunSpec::prompt(Connection::endpoint(&demo, None), "demo-52", "x").request();
        assert!(request
            .body
            .unwrap()
            .contains("sparkplug_usage_every_chunk"));
    }

    #[test]
    fn the_model_list_is_a_get_on_the_formats_path_with_the_key() {
        let ollama = endpoint("o", "http://127.0.0.1:11434", ApiFormat::Ollama);
        let request = Connection::endpoint(&ollama, None).models_request();
        assert_eq!(request.url, "http://127.0.0.1:11434/api/tags");
        assert_eq!(request.body, None);
        let anthropic = endpoint("a", "https://api.anthropic.com/v1", ApiFormat::Anthropic);
        let request = Connection::endpoint(&anthropic, Some("k")).models_request();
        assert_eq!(request.url, "https://api.anthropic.com/v1/models");
        assert!(request
            .headers
            .contains(&("x-api-key".to_string(), "k".to_string())));
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let mine = endpoint("e1", "https://api.example.com/v1", ApiFormat::OpenAiChat);
        let spec = RunSpec::prompt(Connection::endpoint(&mine, Some("sk-secret")), "m", "p");
        assert!(!format!("{spec:?}").contains("sk-secret"));
        assert!(!format!("{:?}", spec.request()).contains("sk-secret"));
        assert!(format!("{spec:?}").contains("(set)"));
    }
}
