//! The streamed answer in the DOM: finished markdown blocks built once from the core's typed
//! operations, code appended line by line, the open tail redrawn, all within a frame budget.

pub mod code_block;
mod dom;
pub mod engine;
pub mod renderer;
pub mod scroll;
pub mod transcript;

/// A DOM call failed (only when the page is being torn down or the browser is out of memory).
#[derive(Debug, thiserror::Error)]
#[error("DOM call failed: {0}")]
pub struct DomError(String);

impl From<wasm_bindgen::JsValue> for DomError {
    fn from(value: wasm_bindgen::JsValue) -> Self {
        Self(value.as_string().unwrap_or_else(|| format!("{value:?}")))
    }
}
