//! What each page downloads before it runs, gzipped (-9): the app, the kiosk and the embed,
//! and each module loaded after start. Printed by the render benchmark beside its figures.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

/// Each page and the wasm module `index.html`'s boot script loads for it.
const PAGE_MODULES: [(&str, &str); 3] = [
    ("app", "sparkplug"),
    ("kiosk", "sparkplug-kiosk"),
    ("embed", "sparkplug-embed"),
];

/// Gzipped sizes (level 9) of what one page downloads at start: `index.html`, the CSS (and
/// any script) it names, and the page's module: its JS glue, what that glue imports
/// statically, and its wasm. Files loaded later (an editor bundle, sandbox pages, modules
/// the page imports on demand) are not part of the start.
#[derive(Debug, Default)]
pub struct Download {
    pub html: u64,
    pub css: u64,
    pub js: u64,
    pub wasm: u64,
}

impl Download {
    pub fn total(&self) -> u64 {
        self.html + self.css + self.js + self.wasm
    }
}

/// The start-up download of every page, and each other module in the build (loaded after
/// start) with its glue and wasm gzipped.
#[derive(Debug, Default)]
pub struct Downloads {
    pub pages: Vec<(&'static str, Download)>,
    pub later: Vec<(String, u64)>,
}

pub fn download_sizes(dist: &Path) -> Result<Downloads> {
    let index_path = dist.join("index.html");
    let index = std::fs::read_to_string(&index_path)
        .with_context(|| format!("reading {}", index_path.display()))?;
    let mut downloads = Downloads::default();
    for (page, module) in PAGE_MODULES {
        let mut files = initial_files(&index);
        for file in module_files(dist, module)? {
            if !files.contains(&file) {
                files.push(file);
            }
        }
        let mut sizes = Download {
            html: gzipped(&index_path)?,
            ..Download::default()
        };
        for path in files {
            let slot = match Path::new(&path).extension().and_then(|e| e.to_str()) {
                Some("wasm") => &mut sizes.wasm,
                Some("js") => &mut sizes.js,
                _ => &mut sizes.css,
            };
            *slot += gzipped(&dist.join(path.trim_start_matches('/')))?;
        }
        downloads.pages.push((page, sizes));
    }
    for entry in std::fs::read_dir(dist)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let Some(module) = name.strip_suffix("_bg.wasm") else {
            continue;
        };
        if PAGE_MODULES.iter().all(|(_, m)| *m != module) {
            let mut size = 0;
            for path in module_files(dist, module)? {
                size += gzipped(&dist.join(path.trim_start_matches('/')))?;
            }
            downloads.later.push((module.to_owned(), size));
        }
    }
    downloads.later.sort();
    Ok(downloads)
}

fn gzipped(file: &Path) -> Result<u64> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

/// The site paths of a module's files: its JS glue, the snippets the glue imports
/// statically, and its wasm.
fn module_files(dist: &Path, module: &str) -> Result<Vec<String>> {
    let glue_path = dist.join(format!("{module}.js"));
    let glue = std::fs::read_to_string(&glue_path)
        .with_context(|| format!("reading {}", glue_path.display()))?;
    let mut files = vec![format!("/{module}.js")];
    files.extend(static_imports(&glue));
    files.push(format!("/{module}_bg.wasm"));
    Ok(files)
}

/// The site paths of the modules that a JS file at the site's root imports statically
/// (`import … from './x.js'` at the start of a line, as wasm-bindgen writes them).
fn static_imports(js: &str) -> Vec<String> {
    js.lines()
        .filter(|line| line.starts_with("import "))
        .filter_map(|line| line.rsplit_once(" from ").map(|(_, from)| from))
        .map(|from| from.trim().trim_end_matches(';').trim_matches(['"', '\'']))
        .filter_map(|from| from.strip_prefix("./"))
        .map(|path| format!("/{path}"))
        .collect()
}

/// The site paths of the wasm, JS and CSS that `index.html` names (quoted `/…` paths:
/// stylesheet and preload links, script sources), each once.
fn initial_files(index: &str) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    // Parity is not trusted (an apostrophe in text shifts it): any piece between quotes that
    // looks like an asset path counts.
    for piece in index.split(['"', '\'']) {
        let asset = [".wasm", ".js", ".css"].iter().any(|e| piece.ends_with(e));
        let path_like = piece.starts_with('/') && !piece.contains(char::is_whitespace);
        if asset && path_like && !files.iter().any(|f| f == piece) {
            files.push(piece.to_string());
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_initial_files_are_those_index_html_names() {
        let index = r#"<script type="module">const name = "sparkplug";
            await import(`/${name}.js`);</script>
            <link rel="stylesheet" href="/base.css"/><link rel="modulepreload" href="/app-1.js">
            <!-- '/not/an asset' --><a href="/page.html">"#;
        assert_eq!(initial_files(index), vec!["/base.css", "/app-1.js"]);
    }

    #[test]
    fn a_glues_static_imports_are_its_snippets() {
        let glue = "import { importEditor } from './snippets/sparkplug-1/inline0.js';\n\
            import * as import1 from \"./snippets/sparkplug-1/inline1.js\"\n\
            const x = 1; // import y from './not-at-line-start.js'\n\
            function f() { return import('./lazy.js'); }\n";
        assert_eq!(
            static_imports(glue),
            vec![
                "/snippets/sparkplug-1/inline0.js",
                "/snippets/sparkplug-1/inline1.js"
            ]
        );
    }
}
