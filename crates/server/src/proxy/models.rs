//! Each upstream's model list for `/v1/models`, renamed `NAME/id`: fetched at most once a
//! minute, size-capped, and left out (logged) when an upstream is unreachable or odd.

use std::time::Duration;

use futures_util::{future::join_all, StreamExt};
use serde_json::Value;
use tokio::{sync::Mutex, time::Instant};

use super::{Upstream, Upstreams};

/// A model list should come back quickly; a slow upstream must not stall the app's
/// model picker.
const LIST_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a fetched list is served before the upstreams are asked again, so clients
/// polling `/v1/models` do not turn into calls carrying the key.
const LIST_TTL: Duration = Duration::from_secs(60);

/// The largest model list read; real ones are tens of kilobytes.
const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

/// The last combined list and when it was fetched. The lock is held while fetching, so
/// concurrent requests wait for one fetch instead of each starting their own.
#[derive(Debug, Default)]
pub struct ModelListCache(Mutex<Option<(Instant, Vec<Value>)>>);

impl Upstreams {
    /// Every upstream's models, in configuration order.
    pub async fn list_models(&self) -> Vec<Value> {
        if self.list.is_empty() {
            return Vec::new();
        }
        let mut cached = self.models.0.lock().await;
        if let Some((at, list)) = cached.as_ref() {
            if at.elapsed() < LIST_TTL {
                return list.clone();
            }
        }
        let lists = join_all(self.list.iter().map(|u| fetch(self, u))).await;
        let list: Vec<Value> = lists.into_iter().flatten().collect();
        *cached = Some((Instant::now(), list.clone()));
        list
    }
}

/// Why a model list could not be read.
#[derive(Debug, thiserror::Error)]
enum ListError {
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    #[error("the list is larger than {MAX_LIST_BYTES} bytes")]
    TooLarge,
    #[error("the list is not JSON: {0}")]
    Json(#[from] serde_json::Error),
}

async fn read_list(request: reqwest::RequestBuilder) -> Result<Value, ListError> {
    let response = request.send().await?.error_for_status()?;
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        body.extend_from_slice(&chunk?);
        if body.len() > MAX_LIST_BYTES {
            return Err(ListError::TooLarge);
        }
    }
    Ok(serde_json::from_slice(&body)?)
}

async fn fetch(upstreams: &Upstreams, upstream: &Upstream) -> Vec<Value> {
    let mut request = upstreams
        .client
        .get(upstream.endpoint("/models"))
        .timeout(LIST_TIMEOUT);
    if let Some(key) = &upstream.key {
        request = key.authorize(request);
    }
    let list = match read_list(request).await {
        Ok(list) => list,
        Err(error) => {
            let message = match error {
                ListError::Http(error) => error.without_url().to_string(),
                other => other.to_string(),
            };
            let message = upstream
                .key
                .as_ref()
                .map_or(message.clone(), |k| k.scrub_text(&message));
            tracing::warn!(upstream = %upstream.name, error = %message, "cannot list upstream models");
            return Vec::new();
        }
    };
    let Some(models) = list.get("data").and_then(Value::as_array) else {
        tracing::warn!(upstream = %upstream.name, "upstream model list has no `data` array");
        return Vec::new();
    };
    models
        .iter()
        .filter_map(|model| {
            let id = model.get("id")?.as_str()?;
            if !upstream.allows(id) {
                return None;
            }
            let mut entry = model.as_object()?.clone();
            entry.insert(
                "id".into(),
                Value::String(format!("{}/{id}", upstream.name)),
            );
            entry.insert("upstream".into(), Value::String(upstream.name.clone()));
            entry.insert(
                "format".into(),
                Value::String(upstream.format.as_str().into()),
            );
            entry
                .entry("object")
                .or_insert_with(|| Value::String("model".into()));
            Some(Value::Object(entry))
        })
        .collect()
}
