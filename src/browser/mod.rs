//! Thin wrappers over browser APIs the app needs beyond the DOM (storage).

pub mod storage;
