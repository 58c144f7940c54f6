//! Sparkplug's logic that is not DOM: bytes from a provider in, typed stream events out,
//! plus the maths behind the meter. Pure Rust with no web-sys, so it is tested natively.

pub mod event;
pub mod ndjson;
pub mod sse;
