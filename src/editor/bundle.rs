//! The bridge to the bundled CodeMirror module (`editor/entry.js`): a dynamic `import()` of
//! `/editor.js` on first use, and typed bindings for the small API the bundle exports.

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Element;

use super::EditorError;

// wasm-bindgen writes this to its own snippet file, so the page's `script-src 'self'`
// allows it (no inline script, no eval); `import()` keeps the bundle out of the first load.
#[wasm_bindgen(inline_js = "export function importEditor(url) { return import(url); }")]
extern "C" {
    #[wasm_bindgen(js_name = importEditor, catch)]
    fn import_editor(url: &str) -> Result<Promise, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// The bundle's module namespace.
    pub type EditorModule;

    #[wasm_bindgen(method, catch, js_name = createEditor)]
    fn create_editor(
        this: &EditorModule,
        parent: &Element,
        options: &JsValue,
    ) -> Result<Editor, JsValue>;

    /// One CodeMirror editor.
    pub type Editor;

    #[wasm_bindgen(method, js_name = getValue)]
    pub fn get_value(this: &Editor) -> String;

    /// Appends at the end without moving the cursor or touching the undo history.
    #[wasm_bindgen(method, js_name = appendText)]
    pub fn append_text(this: &Editor, text: &str);

    #[wasm_bindgen(method, js_name = onRunShortcut)]
    pub fn on_run_shortcut(this: &Editor, callback: &js_sys::Function);

    #[wasm_bindgen(method)]
    pub fn focus(this: &Editor);

    #[wasm_bindgen(method)]
    pub fn destroy(this: &Editor);
}

fn js_text(value: JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

/// Imports the bundle (the browser fetches it once and caches the module).
pub async fn load() -> Result<EditorModule, EditorError> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| EditorError::Load("no document".into()))?;
    let base = document
        .base_uri()
        .map_err(|e| EditorError::Load(js_text(e)))?
        .unwrap_or_default();
    // Absolute: a specifier in the snippet resolves against the snippet's own URL.
    let url = web_sys::Url::new_with_base("editor.js", &base)
        .map_err(|e| EditorError::Load(js_text(e)))?
        .href();
    let promise = import_editor(&url).map_err(|e| EditorError::Load(js_text(e)))?;
    let module = JsFuture::from(promise)
        .await
        .map_err(|e| EditorError::Load(js_text(e)))?;
    Ok(module.unchecked_into())
}

impl EditorModule {
    /// A new editor in `parent` holding `doc`, highlighted as `lang` (a fence label).
    pub fn create(&self, parent: &Element, doc: &str, lang: &str) -> Result<Editor, EditorError> {
        let options = Object::new();
        let set = |key: &str, value: &str| {
            Reflect::set(&options, &key.into(), &value.into())
                .map(drop)
                .map_err(|e| EditorError::Open(js_text(e)))
        };
        set("doc", doc)?;
        set("lang", lang)?;
        self.create_editor(parent, &options)
            .map_err(|e| EditorError::Open(js_text(e)))
    }
}
