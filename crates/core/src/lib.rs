//! Sparkplug's logic that is not DOM, tested natively. Bytes flow one way through it:
//! `provider` (requests, formats) → `stream` (framing, events) → `run` (meter) → `markdown`.
//!
//! - [`provider`]: each API format's request, decoder, model list and error bodies, and the
//!   user's endpoints.
//! - [`stream`]: SSE/NDJSON framing and the typed [`StreamEvent`]s every decoder produces.
//! - [`run`]: one streamed answer as it happens, the meter, the token estimate and the status
//!   line that explains how it ended.
//! - [`markdown`]: the streamed block splitter, the renderer and the code highlighter.
//! - [`sandbox`]: running an answer's code in the sandboxed runner frame.
//! - [`edit`]: fast-apply edits (search/replace blocks, unified diffs) parsed, applied, diffed.
//! - [`iterate`]: the run-until-it-works loop (attempts, fixes, checks, time to green).
//! - [`pages`]: the models behind the pages: chat, history, share, downloads, embed, kiosk.

pub mod edit;
pub mod iterate;
pub mod markdown;
pub mod pages;
pub mod provider;
pub mod run;
pub mod sandbox;
pub mod stream;

pub use provider::ApiFormat;
pub use stream::event::{ProviderError, ServerTiming, StreamEvent, Usage};
pub use stream::{StreamDecoder, StreamEnd};
