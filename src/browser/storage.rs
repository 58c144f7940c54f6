//! Saving settings in this browser's localStorage. Endpoints and API keys go under separate
//! entries so keys can be forgotten in one step and never travel with anything else; small
//! layout preferences (the split, the theme) have their own entries.

use sparkplug_core::provider::endpoints::{Endpoints, KeyRing};

const ENDPOINTS: &str = "sparkplug.endpoints.v1";
const KEYS: &str = "sparkplug.keys.v1";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn read(name: &str) -> String {
    local_storage()
        .and_then(|s| s.get_item(name).ok().flatten())
        .unwrap_or_default()
}

/// Writes an entry; Err with the browser's reason (e.g. storage full or disabled).
fn write(name: &str, value: &str) -> Result<(), String> {
    let storage = local_storage().ok_or("this browser has no localStorage")?;
    storage
        .set_item(name, value)
        .map_err(|_| "the browser refused to save settings (storage full or disabled)".into())
}

pub fn load_endpoints() -> Endpoints {
    Endpoints::from_json(&read(ENDPOINTS))
}

pub fn save_endpoints(endpoints: &Endpoints) -> Result<(), String> {
    write(ENDPOINTS, &endpoints.to_json())
}

pub fn load_keys() -> KeyRing {
    KeyRing::from_json(&read(KEYS))
}

pub fn save_keys(keys: &KeyRing) -> Result<(), String> {
    if keys.is_empty() {
        if let Some(storage) = local_storage() {
            storage.remove_item(KEYS).ok();
        }
        return Ok(());
    }
    write(KEYS, &keys.to_json())
}

/// A small preference of this browser's (a split, a theme), or `None` if it was never set.
pub fn load_preference(name: &str) -> Option<String> {
    local_storage().and_then(|s| s.get_item(name).ok().flatten())
}

/// Remembers a preference; losing one is harmless, so a refusal is ignored.
pub fn save_preference(name: &str, value: &str) {
    write(name, value).ok();
}
