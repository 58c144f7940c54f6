//! A code block's frame: language label, Copy button and the `<code>` the lines go into.
//! Label and button text come from CSS, so the answer's textContent stays the model's text.

use std::time::Duration;

use leptos::prelude::set_timeout;
use sparkplug_core::sandbox::runnable::Lang;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element, Event};

use super::DomError;

/// The class of the element holding a code block's text; a Run button finds the code
/// through it, next to Copy in `.code-actions`.
pub const CODE_CLASS: &str = "code-body";

/// How long the Copy button says "Copied".
const COPIED: Duration = Duration::from_millis(1500);

/// Creates a code block (not yet in the page); returns it and its `<code>` element.
pub fn create(document: &Document, label: Option<&str>) -> Result<(Element, Element), DomError> {
    let block = document.create_element("div")?;
    block.set_class_name("code-block");
    let head = document.create_element("div")?;
    head.set_class_name("code-head");
    let lang = document.create_element("span")?;
    lang.set_class_name("code-lang");
    let actions = document.create_element("span")?;
    actions.set_class_name("code-actions");
    let copy = document.create_element("button")?;
    copy.set_class_name("code-copy");
    copy.set_attribute("type", "button")?;
    copy.set_attribute("aria-label", "Copy code")?;
    copy.set_attribute("data-test", "copy-code")?;
    actions.append_child(&copy)?;
    // Code the sandbox can run gets a Run button; the run panel hears its clicks.
    if label.and_then(Lang::from_label).is_some() {
        let run = document.create_element("button")?;
        run.set_class_name("code-run");
        run.set_attribute("type", "button")?;
        run.set_attribute("aria-label", "Run code")?;
        run.set_attribute("data-test", "run-code")?;
        actions.append_child(&run)?;
    }
    head.append_child(&lang)?;
    head.append_child(&actions)?;
    let pre = document.create_element("pre")?;
    pre.set_class_name("code-pre");
    let code = document.create_element("code")?;
    code.set_class_name(CODE_CLASS);
    if let Some(label) = label {
        // Attributes are never parsed as markup, so the model's label is safe here.
        block.set_attribute("data-lang", &label.to_ascii_lowercase())?;
        lang.set_attribute("data-label", label)?;
    }
    pre.append_child(&code)?;
    block.append_child(&head)?;
    block.append_child(&pre)?;
    Ok((block, code))
}

/// Handles a click anywhere in the answer: a Copy button copies its block's code.
pub fn on_answer_click(event: &Event) {
    let Some(button) = event
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|t| t.closest(".code-copy").ok().flatten())
    else {
        return;
    };
    let code = button
        .closest(".code-block")
        .ok()
        .flatten()
        .and_then(|block| {
            block
                .query_selector(&format!(".{CODE_CLASS}"))
                .ok()
                .flatten()
        })
        .and_then(|code| code.text_content())
        .unwrap_or_default();
    let Some(window) = web_sys::window() else {
        return;
    };
    let promise = window.navigator().clipboard().write_text(&code);
    leptos::task::spawn_local(async move {
        let state = match JsFuture::from(promise).await {
            Ok(_) => "copied",
            Err(_) => "failed",
        };
        button.set_attribute("data-copy", state).ok();
        set_timeout(
            move || {
                button.remove_attribute("data-copy").ok();
            },
            COPIED,
        );
    });
}
