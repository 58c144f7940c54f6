//! `GET /v1/kiosk`: the kiosk page's race settings from the server's `[kiosk]` config, so
//! the kiosk's own screen holds no settings a visitor could reach.

use axum::{extract::State, Json};
use sparkplug_core::pages::kiosk::attract::KioskSettings;

use crate::state::AppState;

pub async fn settings(State(state): State<AppState>) -> Json<KioskSettings> {
    Json(state.config.kiosk.clone())
}
