//! The key-holding proxy: upstream providers by name, each with its key from the
//! environment; model `NAME/MODEL` is forwarded to upstream NAME as MODEL.

mod forward;
mod models;
mod secret;

use std::time::Duration;

pub use forward::forward;
use models::ModelListCache;
use secret::ApiKey;

use crate::config::{Config, UpstreamFormat};

/// Prefixes the server itself answers, so no upstream may take them as a name.
const RESERVED_NAMES: &[&str] = &["demo", "test", "replay"];

/// Why the upstream configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamConfigError {
    #[error("upstream name {0:?} must be letters, digits, '-' or '_'")]
    BadName(String),
    #[error("upstream name {0:?} is reserved for the server's own models")]
    ReservedName(String),
    #[error("upstream {0:?} is configured twice")]
    Duplicate(String),
    #[error("upstream {name:?}: base_url {url:?} is not an http(s) URL")]
    BadUrl { name: String, url: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// One configured provider.
#[derive(Debug)]
pub struct Upstream {
    pub name: String,
    /// Without a trailing slash, so paths append as `/chat/completions`.
    base_url: String,
    key: Option<ApiKey>,
    key_env: Option<String>,
    pub format: UpstreamFormat,
    /// Models clients may ask for; empty allows any.
    allowed_models: Vec<String>,
    /// The most output tokens one request may ask for.
    max_tokens: Option<u64>,
}

impl Upstream {
    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn allows(&self, model: &str) -> bool {
        self.allowed_models.is_empty() || self.allowed_models.iter().any(|m| m == model)
    }
}

/// Every upstream and the one HTTP client they share.
#[derive(Debug)]
pub struct Upstreams {
    list: Vec<Upstream>,
    client: reqwest::Client,
    idle_timeout: Duration,
    models: ModelListCache,
}

impl Upstreams {
    /// Checks the configuration and reads each key from its environment variable. A
    /// missing key is not fatal (the server has other models); requests to that
    /// upstream then say which variable to set.
    pub fn new(config: &Config) -> Result<Self, UpstreamConfigError> {
        let configs = &config.upstreams;
        let mut list: Vec<Upstream> = Vec::new();
        for upstream in configs {
            let config = upstream;
            let name = &config.name;
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(UpstreamConfigError::BadName(name.clone()));
            }
            if RESERVED_NAMES.contains(&name.as_str()) || name.starts_with("demo-") {
                return Err(UpstreamConfigError::ReservedName(name.clone()));
            }
            if list.iter().any(|u| &u.name == name) {
                return Err(UpstreamConfigError::Duplicate(name.clone()));
            }
            let url = reqwest::Url::parse(&config.base_url)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"));
            if url.is_none() {
                return Err(UpstreamConfigError::BadUrl {
                    name: name.clone(),
                    url: config.base_url.clone(),
                });
            }
            let key = config.api_key_env.as_deref().and_then(ApiKey::from_env);
            if let (Some(env), None) = (&config.api_key_env, &key) {
                tracing::warn!(upstream = %name, env = %env, "API key variable is unset or empty");
            }
            list.push(Upstream {
                name: name.clone(),
                base_url: config.base_url.trim_end_matches('/').to_owned(),
                key,
                key_env: config.api_key_env.clone(),
                format: config.format,
                allowed_models: config.allowed_models.clone(),
                max_tokens: config.max_tokens,
            });
        }
        let client = reqwest::Client::builder()
            .connect_timeout(config.upstream_connect_timeout)
            .build()
            .map_err(|e| UpstreamConfigError::Client(e.to_string()))?;
        Ok(Self {
            list,
            client,
            idle_timeout: config.upstream_idle_timeout,
            models: ModelListCache::default(),
        })
    }

    /// Splits `NAME/MODEL` when NAME is a configured upstream that allows MODEL.
    pub fn resolve<'a>(&self, model: &'a str) -> Option<(&Upstream, &'a str)> {
        let (name, upstream_model) = model.split_once('/')?;
        let upstream = self.list.iter().find(|u| u.name == name)?;
        (!upstream_model.is_empty() && upstream.allows(upstream_model))
            .then_some((upstream, upstream_model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UpstreamConfig;

    fn config(name: &str, url: &str) -> UpstreamConfig {
        UpstreamConfig {
            name: name.into(),
            base_url: url.into(),
            ..UpstreamConfig::default()
        }
    }

    fn upstreams(list: &[UpstreamConfig]) -> Result<Upstreams, UpstreamConfigError> {
        Upstreams::new(&Config {
            upstreams: list.to_vec(),
            ..Config::default()
        })
    }

    #[test]
    fn resolves_name_slash_model() {
        let upstreams =
            upstreams(&[config("groq", "https://api.groq.com/openai/v1/")]).expect("valid");
        let (upstream, model) = upstreams.resolve("groq/llama-3.3-70b").expect("resolves");
        assert_eq!((upstream.name.as_str(), model), ("groq", "llama-3.3-70b"));
        assert_eq!(
            upstream.endpoint("/models"),
            "https://api.groq.com/openai/v1/models"
        );
        assert!(upstreams.resolve("groq/").is_none());
        assert!(upstreams.resolve("other/x").is_none());
        assert!(upstreams.resolve("groq").is_none());
    }

    #[test]
    fn allowed_models_limit_what_resolves() {
        let mut groq = config("groq", "https://api.groq.com/openai/v1");
        groq.allowed_models = vec!["llama-3.3-70b".into()];
        let upstreams = upstreams(&[groq]).expect("valid");
        assert!(upstreams.resolve("groq/llama-3.3-70b").is_some());
        assert!(upstreams.resolve("groq/expensive-model").is_none());
    }

    #[test]
    fn rejects_bad_names_and_urls() {
        for bad in [
            config("te st", "http://a"),
            config("test", "http://a"),
            config("replay", "http://a"),
            config("x", "ftp://a"),
            config("x", "not a url"),
        ] {
            assert!(upstreams(std::slice::from_ref(&bad)).is_err(), "{bad:?}");
        }
        assert!(matches!(
            upstreams(&[config("a", "http://a"), config("a", "http://b")]),
            Err(UpstreamConfigError::Duplicate(_))
        ));
    }
}
