//! Browser glue for running code: the sandboxed runner frame (create, kill), the nonces,
//! the message channel with its source and nonce checks, and the console pane's DOM.

pub mod console_pane;
pub mod frame;
pub mod nonce;
pub mod session;
