//! Where things live: the repository root and the git-ignored folders setup installs into.
//! Every other xtask module asks here instead of building paths itself.

use std::path::PathBuf;

/// The workspace root (xtask's manifest sits one level below it).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Git-ignored folder for npm packages and the Python venv.
pub fn tools() -> PathBuf {
    root().join(".tools")
}

pub fn npm_prefix() -> PathBuf {
    tools().join("npm")
}

pub fn npm_bin() -> PathBuf {
    npm_prefix().join("node_modules/.bin")
}

pub fn venv() -> PathBuf {
    tools().join("venv")
}

pub fn venv_python() -> PathBuf {
    venv().join("bin/python")
}

/// The bundled editor (esbuild's output), which `index.html` has Trunk copy into `dist/`.
pub fn editor_bundle() -> PathBuf {
    tools().join("editor/editor.js")
}

/// The app's one stylesheet (esbuild's bundle of `style/app.css`), which `index.html` links.
pub fn style_bundle() -> PathBuf {
    tools().join("style/app.css")
}

pub fn dist() -> PathBuf {
    root().join("dist")
}

/// Committed manifests of the npm and pip packages setup installs.
pub fn tool_manifests() -> PathBuf {
    root().join("tools")
}

pub fn cargo_bin() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin")
}

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
