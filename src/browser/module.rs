//! Dynamic `import()` of the app's own ES modules (the editor bundle, the markdown engine),
//! so they stay out of the first download and load only when wanted.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

// wasm-bindgen writes this to its own snippet file, so the page's `script-src 'self'`
// allows it (no inline script, no eval).
#[wasm_bindgen(inline_js = "export function importModule(url) { return import(url); }")]
extern "C" {
    #[wasm_bindgen(js_name = importModule, catch)]
    fn import_module(url: &str) -> Result<Promise, JsValue>;
}

/// A thrown JavaScript value as text.
pub fn js_text(value: JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

/// Imports `path` (relative to the page's base URL) and returns its module namespace; the
/// browser fetches a module once and caches it.
pub async fn import(path: &str) -> Result<JsValue, String> {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?
        .base_uri()
        .map_err(js_text)?
        .unwrap_or_default();
    // Absolute: a specifier in the snippet would resolve against the snippet's own URL.
    let url = web_sys::Url::new_with_base(path, &base)
        .map_err(js_text)?
        .href();
    let promise = import_module(&url).map_err(js_text)?;
    JsFuture::from(promise).await.map_err(js_text)
}
