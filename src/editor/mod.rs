//! The code editor: one CodeMirror editor at a time, opened by a code block's Edit button,
//! following the block while the model still streams into it; Ctrl/Cmd+Enter runs its code.

mod bundle;

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::sandbox::live::ResultRequest;
use sparkplug_core::sandbox::runnable::Runnable;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlDivElement, MutationObserver, MutationObserverInit};

use crate::render::code_block::CODE_CLASS;
use bundle::Editor;

/// Why the editor did not open.
#[derive(Debug, thiserror::Error)]
pub enum EditorError {
    #[error("the editor could not be loaded: {0}")]
    Load(String),
    #[error("the editor could not be opened: {0}")]
    Open(String),
}

/// The open editor and what keeps it wired to its block.
struct Open {
    block: Element,
    /// The block's fence label.
    lang: String,
    host: Element,
    pre: Element,
    editor: Rc<Editor>,
    observer: MutationObserver,
    // Held so the callbacks live exactly as long as the editor.
    _on_change: Closure<dyn FnMut()>,
    _on_run: Closure<dyn FnMut()>,
}

impl Open {
    fn close(self) {
        self.observer.disconnect();
        self.editor.destroy();
        self.host.remove();
        self.pre.remove_attribute("hidden").ok();
        self.block.remove_attribute("data-editing").ok();
    }
}

thread_local! {
    /// One editor at a time: opening another closes this one.
    static OPEN: RefCell<Option<Open>> = const { RefCell::new(None) };
}

/// Listens for Edit clicks in the answer; the editor's Ctrl/Cmd+Enter sends its code to `run`.
pub fn listen(answer: NodeRef<Div>, run: WriteSignal<Option<ResultRequest>>) {
    // One listener on the answer hears every block's Edit button; it lives with the page.
    answer.on_load(move |div: HtmlDivElement| {
        // Pages without an editor (the embed) render the same blocks: CSS shows Edit only here.
        div.set_attribute("data-editable", "").ok();
        let on_click = Closure::<dyn Fn(Event)>::new(move |event: Event| {
            let Some(block) = clicked_block(&event) else {
                return;
            };
            let was_open = close_current();
            if was_open.as_ref() != Some(&block) {
                spawn_local(async move {
                    if let Err(error) = open(block, run).await {
                        web_sys::console::error_1(&error.to_string().into());
                    }
                });
            }
        });
        div.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())
            .ok();
        on_click.forget();
    });
}

fn clicked_block(event: &Event) -> Option<Element> {
    let target: Element = event.target()?.dyn_into().ok()?;
    target
        .closest(".code-edit")
        .ok()??
        .closest(".code-block")
        .ok()?
}

/// The open editor's fence label and text (for "Fix it"), if an editor is open on a block
/// still on the page (a new answer replaces the blocks, and the editor with them).
pub fn current() -> Option<(String, String)> {
    OPEN.with_borrow(|open| {
        open.as_ref()
            .filter(|open| open.block.is_connected())
            .map(|open| (open.lang.clone(), open.editor.get_value()))
    })
}

/// Closes the open editor, if any; returns its block.
fn close_current() -> Option<Element> {
    OPEN.with_borrow_mut(Option::take).map(|open| {
        let block = open.block.clone();
        open.close();
        block
    })
}

async fn open(block: Element, run: WriteSignal<Option<ResultRequest>>) -> Result<(), EditorError> {
    let dom = |e: wasm_bindgen::JsValue| EditorError::Open(format!("{e:?}"));
    let missing = || EditorError::Open("the block has no code".into());
    let module = bundle::load().await?;
    let code = block
        .query_selector(&format!(".{CODE_CLASS}"))
        .map_err(dom)?
        .ok_or_else(missing)?;
    let pre = block
        .query_selector(".code-pre")
        .map_err(dom)?
        .ok_or_else(missing)?;
    let document = block.owner_document().ok_or_else(missing)?;
    let lang = block.get_attribute("data-lang").unwrap_or_default();
    let host = document.create_element("div").map_err(dom)?;
    host.set_class_name("code-editor");
    host.set_attribute("data-test", "code-editor")
        .map_err(dom)?;
    pre.after_with_node_1(&host).map_err(dom)?;
    let shown = code.text_content().unwrap_or_default();
    let editor = Rc::new(module.create(&host, &shown, &lang)?);
    pre.set_attribute("hidden", "").map_err(dom)?;
    block.set_attribute("data-editing", "").map_err(dom)?;

    // While the model streams into the block, its text only grows at the end: append the
    // new part. Mutations are batched, so this runs at most once per rendered frame.
    let shown = RefCell::new(shown);
    let follow = (editor.clone(), code.clone());
    let on_change = Closure::<dyn FnMut()>::new(move || {
        let now = follow.1.text_content().unwrap_or_default();
        let mut shown = shown.borrow_mut();
        if let Some(added) = now.strip_prefix(shown.as_str()).filter(|a| !a.is_empty()) {
            follow.0.append_text(added);
            *shown = now;
        }
    });
    let observer = MutationObserver::new(on_change.as_ref().unchecked_ref()).map_err(dom)?;
    let options = MutationObserverInit::new();
    options.set_child_list(true);
    options.set_subtree(true);
    options.set_character_data(true);
    observer
        .observe_with_options(&code, &options)
        .map_err(dom)?;

    let source = editor.clone();
    let run_lang = lang.clone();
    let on_run = Closure::<dyn FnMut()>::new(move || {
        if let Some(runnable) = Runnable::block(&run_lang, &source.get_value()) {
            run.set(Some(ResultRequest::Run(runnable)));
        }
    });
    editor.on_run_shortcut(on_run.as_ref().unchecked_ref());
    editor.focus();
    let open = Open {
        block,
        lang,
        host,
        pre,
        editor,
        observer,
        _on_change: on_change,
        _on_run: on_run,
    };
    // Another Edit click may have opened an editor while this one loaded: keep the newest.
    if let Some(previous) = OPEN.with_borrow_mut(|slot| slot.replace(open)) {
        previous.close();
    }
    Ok(())
}
