//! Building the browser app with Trunk (offline, using the tools setup installed), and the
//! editor bundle it copies. Shared by setup, serve, test and bench so all ship one build.

use std::fs;
use std::process::Command;

use crate::{cmd, paths};

/// The editor and style bundles, then `trunk build --release` into `dist/`.
pub fn app_release() -> Result<(), String> {
    editor_bundle()?;
    style_bundle()?;
    cmd::run(
        Command::new("trunk")
            .args(["build", "--release"])
            .current_dir(paths::root())
            // Trunk must not inherit a cargo-run environment that points at xtask's target.
            .env_remove("CARGO_TARGET_DIR"),
    )
}

/// Bundles `style/app.css` and the files it imports into one minified stylesheet, so the
/// page loads one file instead of one per area (esbuild takes a few milliseconds).
pub fn style_bundle() -> Result<(), String> {
    cmd::run(
        Command::new(paths::npm_bin().join("esbuild"))
            .arg(paths::root().join("style/app.css"))
            .args(["--bundle", "--minify", "--log-level=warning"])
            .arg(format!("--outfile={}", paths::style_bundle().display()))
            .current_dir(paths::root()),
    )
}

/// Bundles `editor/entry.js` and the CodeMirror packages into one ES module with esbuild,
/// only when the entry or the npm lock changed since the last bundle (a stamp remembers).
pub fn editor_bundle() -> Result<(), String> {
    let root = paths::root();
    let entry = root.join("editor/entry.js");
    let lock = paths::tool_manifests().join("package-lock.json");
    let read = |path: &std::path::Path| {
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let wanted = format!("{}\n{}", read(&entry)?, read(&lock)?);
    let out = paths::editor_bundle();
    let stamp = out.with_extension("stamp");
    if out.exists() && fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        eprintln!("build: editor bundle: ok (entry and lock unchanged)");
        return Ok(());
    }
    cmd::run(
        Command::new(paths::npm_bin().join("esbuild"))
            .arg(&entry)
            .args([
                "--bundle",
                "--format=esm",
                "--minify",
                "--log-level=warning",
            ])
            .arg(format!("--outfile={}", out.display()))
            .current_dir(&root)
            // The packages live in setup's folder, not beside the entry.
            .env("NODE_PATH", paths::npm_prefix().join("node_modules")),
    )?;
    fs::write(&stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}
