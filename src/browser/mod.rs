//! Thin wrappers over browser APIs the app needs beyond the DOM (storage, downloads, IndexedDB,
//! dynamic module imports, the clock and time zone).

pub mod clock;
pub mod download;
pub mod idb;
pub mod module;
pub mod storage;
