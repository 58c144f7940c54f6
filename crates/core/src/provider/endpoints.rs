//! The user's inference endpoints: name, base URL, API format and default model, with the
//! built-in demo endpoint first. Keys are kept apart (`KeyRing`) so nothing here holds one.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::provider::ApiFormat;

/// The id of our own server's demo endpoint, which needs no key and cannot be removed.
pub const DEMO_ID: &str = "demo";

/// One place to send prompts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: String,
    pub name: String,
    /// Where the format's paths are appended, e.g. `https://api.cerebras.ai/v1`.
    pub base_url: String,
    pub format: ApiFormat,
    pub model: String,
}

/// A field of an endpoint the user types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    BaseUrl,
    Model,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BaseUrl => "the base URL",
            Self::Model => "the model",
        })
    }
}

impl Endpoint {
    /// The fields the user still has to fill in before it can be used (a custom endpoint
    /// starts with none), in the order they appear.
    pub fn missing(&self) -> Vec<Field> {
        [
            (self.base_url.trim().is_empty(), Field::BaseUrl),
            (self.model.trim().is_empty(), Field::Model),
        ]
        .into_iter()
        .filter_map(|(missing, field)| missing.then_some(field))
        .collect()
    }

    /// "Still to fill in: the base URL and the model."; empty once nothing is missing.
    pub fn to_fill_in(&self) -> String {
        let missing: Vec<String> = self.missing().iter().map(Field::to_string).collect();
        if missing.is_empty() {
            String::new()
        } else {
            format!("Still to fill in: {}.", missing.join(" and "))
        }
    }
}

/// A starting point for a new endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub name: &'static str,
    /// Empty for the custom preset: the user types it.
    pub base_url: &'static str,
    pub format: ApiFormat,
    pub model: &'static str,
}

/// Any server that speaks OpenAI's Chat Completions: base URL, key and model all typed by
/// the user.
pub const CUSTOM: Preset = Preset {
    name: "Custom (OpenAI-compatible)",
    base_url: "",
    format: ApiFormat::OpenAiChat,
    model: "",
};

/// The custom preset first, then well-known services and local servers, as a user would
/// type them.
pub const PRESETS: &[Preset] = &[
    CUSTOM,
    Preset {
        name: "Cerebras",
        base_url: "https://api.cerebras.ai/v1",
        format: ApiFormat::OpenAiChat,
        model: "gpt-oss-120b",
    },
    Preset {
        name: "OpenAI",
        base_url: "https://api.openai.com/v1",
        format: ApiFormat::OpenAiChat,
        model: "gpt-4o-mini",
    },
    Preset {
        name: "OpenAI (Responses)",
        base_url: "https://api.openai.com/v1",
        format: ApiFormat::OpenAiResponses,
        model: "gpt-4o-mini",
    },
    Preset {
        name: "Groq",
        base_url: "https://api.groq.com/openai/v1",
        format: ApiFormat::OpenAiChat,
        model: "llama-3.3-70b-versatile",
    },
    Preset {
        name: "Anthropic",
        base_url: "https://api.anthropic.com/v1",
        format: ApiFormat::Anthropic,
        model: "claude-opus-4-6",
    },
    Preset {
        name: "Ollama (local)",
        base_url: "http://127.0.0.1:11434",
        format: ApiFormat::Ollama,
        model: "qwen2.5-coder",
    },
    Preset {
        name: "llama.cpp server (local)",
        base_url: "http://127.0.0.1:8081/v1",
        format: ApiFormat::OpenAiChat,
        model: "default",
    },
    Preset {
        name: "vLLM (local)",
        base_url: "http://127.0.0.1:8000/v1",
        format: ApiFormat::OpenAiChat,
        model: "default",
    },
];

/// Why an endpoint's settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("the base URL must start with http://, https:// or / (got `{0}`)")]
    Scheme(String),
    #[error("put the API key in the key field, not in the URL")]
    SecretInUrl,
    #[error("no endpoint with id `{0}`")]
    Unknown(String),
    #[error("the built-in demo endpoint cannot be changed or removed")]
    BuiltIn,
}

/// Checks and tidies a base URL. URLs end up in logs, history and share links, so one that
/// carries credentials (`user:pass@`, `?key=…`) is refused rather than stored. An empty one
/// is kept: the user has not typed it yet ([`Endpoint::missing`]).
pub fn normalize_base_url(input: &str) -> Result<String, EndpointError> {
    let url = input.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(String::new());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            if authority.contains('@') {
                return Err(EndpointError::SecretInUrl);
            }
        }
        None if url.starts_with('/') => {}
        None => return Err(EndpointError::Scheme(url.to_string())),
    }
    let query = url.split_once('?').map(|(_, q)| q.to_ascii_lowercase());
    if query.is_some_and(|q| {
        ["key", "token", "secret", "auth"]
            .iter()
            .any(|w| q.contains(w))
    }) {
        return Err(EndpointError::SecretInUrl);
    }
    Ok(url.to_string())
}

/// The endpoints and which one is in use; serialises without any key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    list: Vec<Endpoint>,
    selected: String,
    /// Ids are never reused, so a removed endpoint's key cannot attach to a new one.
    next_id: u64,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            list: vec![Self::demo()],
            selected: DEMO_ID.to_string(),
            next_id: 1,
        }
    }
}

impl Endpoints {
    fn demo() -> Endpoint {
        Endpoint {
            id: DEMO_ID.to_string(),
            name: "Sparkplug demo (offline)".to_string(),
            base_url: "/v1".to_string(),
            format: ApiFormat::OpenAiChat,
            model: "demo-1000".to_string(),
        }
    }

    /// Restores saved endpoints; anything unreadable falls back to the demo alone, and the
    /// demo endpoint is always present and first.
    pub fn from_json(text: &str) -> Self {
        let mut endpoints: Self = serde_json::from_str(text).unwrap_or_default();
        endpoints.list.retain(|e| e.id != DEMO_ID);
        endpoints.list.insert(0, Self::demo());
        if endpoints.get(&endpoints.selected).is_none() {
            endpoints.selected = DEMO_ID.to_string();
        }
        endpoints
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn list(&self) -> &[Endpoint] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&Endpoint> {
        self.list.iter().find(|e| e.id == id)
    }

    pub fn selected(&self) -> &Endpoint {
        self.get(&self.selected).unwrap_or(&self.list[0])
    }

    pub fn select(&mut self, id: &str) -> Result<(), EndpointError> {
        self.get(id)
            .ok_or_else(|| EndpointError::Unknown(id.to_string()))?;
        self.selected = id.to_string();
        Ok(())
    }

    /// Adds an endpoint from a preset and returns its id.
    pub fn add(&mut self, preset: &Preset) -> String {
        let id = format!("ep{}", self.next_id);
        self.next_id += 1;
        self.list.push(Endpoint {
            id: id.clone(),
            name: preset.name.to_string(),
            base_url: preset.base_url.to_string(),
            format: preset.format,
            model: preset.model.to_string(),
        });
        id
    }

    /// Replaces an endpoint's settings after checking its URL.
    pub fn update(&mut self, mut endpoint: Endpoint) -> Result<(), EndpointError> {
        if endpoint.id == DEMO_ID {
            return Err(EndpointError::BuiltIn);
        }
        endpoint.base_url = normalize_base_url(&endpoint.base_url)?;
        let slot = self
            .list
            .iter_mut()
            .find(|e| e.id == endpoint.id)
            .ok_or_else(|| EndpointError::Unknown(endpoint.id.clone()))?;
        *slot = endpoint;
        Ok(())
    }

    /// Sets the model to use on an endpoint (the demo's too: it is a choice, not a setting).
    pub fn set_model(&mut self, id: &str, model: &str) -> Result<(), EndpointError> {
        let endpoint = self
            .list
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or_else(|| EndpointError::Unknown(id.to_string()))?;
        endpoint.model = model.to_string();
        Ok(())
    }

    pub fn remove(&mut self, id: &str) -> Result<(), EndpointError> {
        if id == DEMO_ID {
            return Err(EndpointError::BuiltIn);
        }
        let before = self.list.len();
        self.list.retain(|e| e.id != id);
        if self.list.len() == before {
            return Err(EndpointError::Unknown(id.to_string()));
        }
        if self.selected == id {
            self.selected = DEMO_ID.to_string();
        }
        Ok(())
    }
}

/// API keys by endpoint id, stored apart from the endpoints so that one action forgets them
/// all and nothing that serialises endpoints can leak one.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRing(BTreeMap<String, String>);

impl std::fmt::Debug for KeyRing {
    /// Names which endpoints have keys, never the keys.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl KeyRing {
    pub fn from_json(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn get(&self, id: &str) -> Option<&str> {
        self.0.get(id).map(String::as_str)
    }

    /// Sets or, with an empty key, clears the key of one endpoint.
    pub fn set(&mut self, id: &str, key: &str) {
        let key = key.trim();
        if key.is_empty() {
            self.0.remove(id);
        } else {
            self.0.insert(id.to_string(), key.to_string());
        }
    }

    /// Drops keys whose endpoint no longer exists.
    pub fn retain_endpoints(&mut self, endpoints: &Endpoints) {
        self.0.retain(|id, _| endpoints.get(id).is_some());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_endpoint_is_always_first_and_fixed() {
        let mut endpoints = Endpoints::from_json("garbage");
        assert_eq!(endpoints.selected().id, DEMO_ID);
        assert_eq!(endpoints.remove(DEMO_ID), Err(EndpointError::BuiltIn));
        let mut demo = endpoints.selected().clone();
        demo.base_url = "https://evil.example".into();
        assert_eq!(endpoints.update(demo), Err(EndpointError::BuiltIn));
        let saved = r#"{"list":[{"id":"ep3","name":"x","base_url":"http://h","format":"ollama","model":"m"}],"selected":"ep3","next_id":4}"#;
        let restored = Endpoints::from_json(saved);
        assert_eq!(restored.list()[0].id, DEMO_ID);
        assert_eq!(restored.selected().id, "ep3");
    }

    #[test]
    fn add_update_select_remove_round_trip_through_json() {
        let mut endpoints = Endpoints::default();
        let id = endpoints.add(&PRESETS[0]);
        endpoints.select(&id).unwrap();
        let mut e = endpoints.get(&id).unwrap().clone();
        e.base_url = " https://api.cerebras.ai/v1/ ".into();
        endpoints.update(e).unwrap();
        assert_eq!(endpoints.selected().base_url, "https://api.cerebras.ai/v1");
        let restored = Endpoints::from_json(&endpoints.to_json());
        assert_eq!(restored, endpoints);
        endpoints.remove(&id).unwrap();
        assert_eq!(
            endpoints.selected().id,
            DEMO_ID,
            "removing the selected one selects the demo"
        );
        let next = endpoints.add(&PRESETS[1]);
        assert_ne!(next, id, "ids are not reused");
    }

    #[test]
    fn a_custom_endpoint_starts_empty_and_says_what_is_missing() {
        assert_eq!(PRESETS[0], CUSTOM, "offered first");
        let mut endpoints = Endpoints::default();
        let id = endpoints.add(&CUSTOM);
        let mut custom = endpoints.get(&id).unwrap().clone();
        assert_eq!(custom.format, ApiFormat::OpenAiChat);
        assert_eq!(custom.missing(), [Field::BaseUrl, Field::Model]);
        assert_eq!(
            custom.to_fill_in(),
            "Still to fill in: the base URL and the model."
        );
        // Renaming before typing the URL is kept: an empty URL is not yet typed, not wrong.
        custom.name = "My vLLM".into();
        endpoints.update(custom.clone()).unwrap();
        custom.base_url = "http://127.0.0.1:8000/v1/".into();
        custom.model = "qwen2.5-coder".into();
        endpoints.update(custom).unwrap();
        let saved = endpoints.get(&id).unwrap();
        assert_eq!(saved.name, "My vLLM");
        assert_eq!(saved.base_url, "http://127.0.0.1:8000/v1");
        assert!(saved.missing().is_empty());
        assert_eq!(saved.to_fill_in(), "");
        assert!(PRESETS[1..]
            .iter()
            .all(|p| !p.base_url.is_empty() && !p.model.is_empty()));
    }

    #[test]
    fn urls_carrying_secrets_are_refused() {
        assert_eq!(
            normalize_base_url("https://user:sk-1@api.example.com/v1"),
            Err(EndpointError::SecretInUrl)
        );
        assert_eq!(
            normalize_base_url("https://api.example.com/v1?api_key=sk-1"),
            Err(EndpointError::SecretInUrl)
        );
        assert!(matches!(
            normalize_base_url("ftp://x"),
            Err(EndpointError::Scheme(_))
        ));
        assert_eq!(normalize_base_url("/v1/").unwrap(), "/v1");
    }

    #[test]
    fn keys_live_apart_and_never_show_in_debug_output() {
        let mut endpoints = Endpoints::default();
        let id = endpoints.add(&PRESETS[0]);
        let mut keys = KeyRing::default();
        keys.set(&id, " sk-secret ");
        assert_eq!(keys.get(&id), Some("sk-secret"));
        assert!(!endpoints.to_json().contains("sk-secret"));
        assert!(!format!("{keys:?}").contains("sk-secret"));
        endpoints.remove(&id).unwrap();
        keys.retain_endpoints(&endpoints);
        assert!(keys.is_empty());
        keys.set("x", "k");
        keys.set("x", "  ");
        assert!(keys.is_empty(), "an empty key clears");
    }
}
