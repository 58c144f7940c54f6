//! Talking to inference endpoints from the browser: streaming fetch and the model list.

pub mod models;
pub mod stream;
