//! `GET /v1/models`: the models this server answers for, in OpenAI's list shape: demo
//! models (simulated speed, the figure each imitates), replayable recordings, upstreams'.

use axum::{extract::State, Json};
use serde_json::{json, Value};

use crate::{
    demo::Profile,
    record::{self, REPLAY_PREFIX},
    state::AppState,
};

pub async fn list(State(state): State<AppState>) -> Json<Value> {
    let mut data: Vec<Value> = Profile::listed()
        .map(|profile| {
            json!({
                "id": profile.id,
                "object": "model",
                "created": state.started,
                "owned_by": "sparkplug-demo",
                "simulated": true,
                "tokens_per_second": profile.tokens_per_second,
                "ttft_ms": profile.ttft.as_millis() as u64,
                "label": profile.label,
            })
        })
        .collect();
    if let Some(dir) = state.config.replay_dir.as_deref() {
        for (name, header) in record::list_recordings(dir).await {
            data.push(json!({
                "id": format!("{REPLAY_PREFIX}{name}"),
                "object": "model",
                "created": header.created,
                "owned_by": "sparkplug-replay",
                "recorded_model": header.model,
                "format": header.format,
            }));
        }
    }
    data.extend(state.upstreams.list_models().await);
    Json(json!({ "object": "list", "data": data }))
}
