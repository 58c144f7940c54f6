//! Saving text as a file the user downloads: a Blob behind a temporary object URL and an
//! anchor with `download`, the URL revoked once the browser has read it.

use std::time::Duration;

use leptos::prelude::{document, set_timeout};
use sparkplug_core::pages::download::File;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// Why a download did not start.
#[derive(Debug, thiserror::Error)]
#[error("the download could not start: {0}")]
pub struct DownloadError(String);

impl From<wasm_bindgen::JsValue> for DownloadError {
    fn from(value: wasm_bindgen::JsValue) -> Self {
        Self(value.as_string().unwrap_or_else(|| format!("{value:?}")))
    }
}

/// How long the object URL stays valid: the download reads it after this task ends.
const KEEP_URL: Duration = Duration::from_secs(30);

pub fn save(file: &File) -> Result<(), DownloadError> {
    let parts = js_sys::Array::of1(&file.text.as_str().into());
    let options = BlobPropertyBag::new();
    options.set_type(&format!("{};charset=utf-8", file.mime));
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let anchor: HtmlAnchorElement = document()
        .create_element("a")?
        .dyn_into()
        .map_err(|_| DownloadError("an <a> is not an anchor".into()))?;
    anchor.set_href(&url);
    anchor.set_download(&file.name);
    anchor.click();
    set_timeout(
        move || {
            Url::revoke_object_url(&url).ok();
        },
        KEEP_URL,
    );
    Ok(())
}
