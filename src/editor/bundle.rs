//! The bridge to the bundled CodeMirror module (`editor/entry.js`): a dynamic `import()` of
//! `/editor.js` on first use, and typed bindings for the small API the bundle exports.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::EditorError;
use crate::browser::module::js_text;

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

/// Imports the bundle (the browser fetches it once and caches the module).
pub async fn load() -> Result<EditorModule, EditorError> {
    let module = crate::browser::module::import("editor.js")
        .await
        .map_err(EditorError::Load)?;
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
