//! Thin wrappers over browser APIs the app needs beyond the DOM (storage, downloads).

pub mod download;
pub mod storage;
