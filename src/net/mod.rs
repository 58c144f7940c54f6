//! Talking to servers from the browser: the one `fetch` (and its diagnosis of a request that
//! got no response), a run's streaming body, plain GETs, model lists (and Test connection),
//! and loads that follow their inputs and cancel stale ones.

mod fetch;
pub mod get;
pub mod latest;
pub mod models;
pub mod stream;
