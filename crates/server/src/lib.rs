//! Sparkplug's server: the app's static files, OpenAI-compatible simulated models that
//! stream real tokens at published speeds, and the API under `/v1`.

mod api;
mod config;
mod demo;
mod headers;
mod limits;
mod proxy;
mod record;
mod router;
mod server;
mod sse;
mod state;
mod static_files;
mod test_models;

pub use config::{
    duration_text::parse as parse_duration, Config, ConfigError, UpstreamConfig, UpstreamFormat,
};
pub use server::{start, Running, StartError};
