//! Embeds the demo's data in the binary: lists `demo/answers/*.md`, `demo/scenarios/*.md` and
//! `demo/chat/*.md` into generated source files of `include_str!` entries, so adding one needs
//! no code change.

use std::{
    env, fs, io,
    path::{Path, PathBuf},
};

fn main() -> io::Result<()> {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").ok_or_else(missing_env)?);
    let out = PathBuf::from(env::var_os("OUT_DIR").ok_or_else(missing_env)?);
    embed(
        &manifest,
        "answers",
        "ANSWER_FILES",
        &out.join("answer_files.rs"),
    )?;
    embed(
        &manifest,
        "scenarios",
        "SCENARIO_FILES",
        &out.join("scenario_files.rs"),
    )?;
    embed(&manifest, "chat", "CHAT_FILES", &out.join("chat_files.rs"))
}

/// Writes `pub(crate) static NAME: &[(&str, &str)]` of (file stem, text) for every `.md` in
/// `demo/<folder>` but its README.
fn embed(manifest: &Path, folder: &str, name: &str, out: &Path) -> io::Result<()> {
    let dir = manifest.join("demo").join(folder);
    // A directory path makes Cargo rerun this script when any file in it changes.
    println!("cargo:rerun-if-changed=demo/{folder}");

    // No files yet is valid: with no answers the server answers every prompt with its topic
    // list; with no scenarios it never plays one.
    let mut files: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
            .filter(|path| path.file_stem().is_some_and(|stem| stem != "README"))
            .collect(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(error) => return Err(error),
    };
    // Sorted so the order, and so retrieval ties, do not depend on the file system.
    files.sort();

    let mut source = format!("pub(crate) static {name}: &[(&str, &str)] = &[\n");
    for path in &files {
        let stem = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        source.push_str(&format!(
            "    ({stem:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    source.push_str("];\n");
    fs::write(out, source)
}

fn missing_env() -> io::Error {
    io::Error::other("Cargo did not set CARGO_MANIFEST_DIR/OUT_DIR")
}
