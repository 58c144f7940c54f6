//! Each upstream's model list, fetched for `/v1/models` and renamed `NAME/id`. An
//! unreachable or odd upstream is left out (and logged) rather than failing the list.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::Value;

use super::{Upstream, Upstreams};

/// A model list should come back quickly; a slow upstream must not stall the app's
/// model picker.
const LIST_TIMEOUT: Duration = Duration::from_secs(5);

/// Every upstream's models, in configuration order.
pub async fn list_models(upstreams: &Upstreams) -> Vec<Value> {
    let lists = join_all(upstreams.list.iter().map(|u| fetch(upstreams, u))).await;
    lists.into_iter().flatten().collect()
}

async fn fetch(upstreams: &Upstreams, upstream: &Upstream) -> Vec<Value> {
    let mut request = upstreams
        .client
        .get(upstream.endpoint("/models"))
        .timeout(LIST_TIMEOUT);
    if let Some(key) = &upstream.key {
        request = key.authorize(request);
    }
    let result = async {
        let response = request.send().await?.error_for_status()?;
        response.json::<Value>().await
    }
    .await;
    let list = match result {
        Ok(list) => list,
        Err(error) => {
            let message = error.without_url().to_string();
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
