//! Talking to servers from the browser: a run's streaming fetch, plain GETs, model lists,
//! and loads that follow their inputs and cancel stale ones.

pub mod get;
pub mod latest;
pub mod models;
pub mod stream;
