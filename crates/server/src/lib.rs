//! Sparkplug's server: the app's files, simulated OpenAI-compatible models streaming real
//! tokens at published speeds, and a key-holding proxy to real providers, with recording.

mod api;
mod clock;
mod config;
mod cpu;
mod demo;
mod docs;
mod error;
mod fd_limit;
mod headers;
mod limits;
mod proxy;
mod record;
mod router;
mod server;
mod sse;
mod state;
mod static_files;

pub use config::{
    duration_text::parse as parse_duration, Config, ConfigError, UpstreamConfig, UpstreamFormat,
};
pub use demo::scenario_file;
pub use fd_limit::raise as raise_descriptor_limit;
pub use server::{start, Running, StartError};
