//! Thin wrappers over browser APIs the app needs beyond the DOM (storage, downloads, IndexedDB).

pub mod download;
pub mod idb;
pub mod storage;
