//! Shared helpers for the integration tests: where the fixtures live and how to read them.
//! Fixtures are read in place at run time and never copied into the repository.

#![allow(dead_code)] // each test binary uses its own subset of these helpers

use std::fs;
use std::path::{Path, PathBuf};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

pub fn read_json(relative: &str) -> serde_json::Value {
    let path = fixtures_dir().join(relative);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}
