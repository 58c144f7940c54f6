//! `GET /v1/models`: the models this server answers for, in OpenAI's list shape, each
//! demo model with its simulated speed and the published figure it imitates.

use axum::{extract::State, Json};
use serde_json::{json, Value};

use crate::{demo::Profile, state::AppState};

pub async fn list(State(state): State<AppState>) -> Json<Value> {
    let data: Vec<Value> = Profile::listed()
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
    Json(json!({ "object": "list", "data": data }))
}
