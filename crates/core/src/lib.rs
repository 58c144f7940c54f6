//! Sparkplug's logic that is not DOM: bytes from a provider in, typed stream events out,
//! plus the maths behind the meter. Pure Rust with no web-sys, so it is tested natively.

pub mod attract;
pub mod conversation;
pub mod decode;
pub mod detect;
pub mod download;
pub mod embed;
pub mod endpoints;
pub mod estimate;
pub mod event;
pub mod explain;
pub mod highlight;
pub mod history;
pub mod markdown;
pub mod meter;
pub mod models;
pub mod ndjson;
pub mod race;
pub mod reduce;
pub mod request;
pub mod run;
pub mod sandbox;
pub mod share;
pub mod sse;
pub mod stream;

pub use decode::ApiFormat;
pub use event::{ProviderError, ServerTiming, StreamEvent, Usage};
pub use stream::{StreamDecoder, StreamEnd};
