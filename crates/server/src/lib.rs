//! Sparkplug's server: the app's files, simulated OpenAI-compatible models streaming real
//! tokens at published speeds, and a key-holding proxy to real providers, with recording.

mod api;
mod config;
mod demo;
mod docs;
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
pub use demo::scenario_file;
pub use server::{start, Running, StartError};
