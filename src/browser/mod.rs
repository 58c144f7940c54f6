//! Thin wrappers over browser APIs the app needs beyond the DOM (storage, downloads, IndexedDB,
//! dynamic module imports).

pub mod download;
pub mod idb;
pub mod module;
pub mod storage;
