//! Embeds the demo answers in the binary: lists `demo/answers/*.md` into a generated
//! source file of `include_str!` entries, so adding an answer needs no code change.

use std::{env, fs, io, path::PathBuf};

fn main() -> io::Result<()> {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").ok_or_else(missing_env)?);
    let answers = manifest.join("demo").join("answers");
    // A directory path makes Cargo rerun this script when any file in it changes.
    println!("cargo:rerun-if-changed=demo/answers");

    // No answers yet is valid: the server then answers every prompt with its topic list.
    let mut files: Vec<PathBuf> = match fs::read_dir(&answers) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
            .collect(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(error) => return Err(error),
    };
    // Sorted so the catalog order, and so BM25 ties, do not depend on the file system.
    files.sort();

    let mut source = String::from("pub(crate) static ANSWER_FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        let name = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        source.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    source.push_str("];\n");

    let out = PathBuf::from(env::var_os("OUT_DIR").ok_or_else(missing_env)?);
    fs::write(out.join("answer_files.rs"), source)
}

fn missing_env() -> io::Error {
    io::Error::other("Cargo did not set CARGO_MANIFEST_DIR/OUT_DIR")
}
