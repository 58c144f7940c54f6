//! Downloads from the answer: each code block's Download button saves that block, and
//! "Download page" saves a web answer's HTML, CSS and JS combined into one runnable page.

use leptos::html::Div;
use leptos::prelude::*;
use sparkplug_core::pages::download;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlDivElement};

use crate::browser::download::save;
use crate::render::code_block::CODE_CLASS;
use crate::render::engine::runnable_answer;

/// The file for the block whose Download button was clicked, if the click was on one.
fn clicked_block(answer: &Element, event: &Event) -> Option<download::File> {
    let target: Element = event.target()?.dyn_into().ok()?;
    let block = target
        .closest(".code-download")
        .ok()??
        .closest(".code-block")
        .ok()??;
    let code = block
        .query_selector(&format!(".{CODE_CLASS}"))
        .ok()??
        .text_content()?;
    // Numbered as the answer shows them, so several blocks get distinct names.
    let blocks = answer.query_selector_all(".code-block").ok()?;
    let index = (0..blocks.length())
        .position(|i| blocks.item(i).is_some_and(|b| b == *block))
        .map_or(1, |i| i + 1);
    let label = block.get_attribute("data-lang");
    Some(download::block(label.as_deref(), index, &code))
}

/// Listens for the code blocks' Download buttons (drawn as the answer streams in).
pub fn listen(answer: NodeRef<Div>) {
    answer.on_load(move |div: HtmlDivElement| {
        // Pages without this listener (the embed) draw the same blocks: CSS shows the button
        // only here.
        div.set_attribute("data-downloadable", "").ok();
        let host: Element = div.clone().into();
        let on_click = Closure::<dyn Fn(Event)>::new(move |event: Event| {
            if let Some(file) = clicked_block(&host, &event) {
                if let Err(error) = save(&file) {
                    web_sys::console::error_1(&error.to_string().into());
                }
            }
        });
        div.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())
            .ok();
        // The answer lives as long as the page, and so does this.
        on_click.forget();
    });
}

/// "Download page": shown once an answer with HTML, CSS or JS has ended.
#[component]
pub fn DownloadPage(answer_text: ReadSignal<String>) -> impl IntoView {
    let page = Memo::new(move |_| {
        answer_text.with(|text| runnable_answer(text).as_ref().and_then(download::page))
    });
    view! {
        <button
            type="button"
            class="download-page"
            data-test="download-page"
            hidden=move || page.with(Option::is_none)
            on:click=move |_| {
                if let Some(file) = page.get_untracked() {
                    if let Err(error) = save(&file) {
                        web_sys::console::error_1(&error.to_string().into());
                    }
                }
            }
        >
            "Download page (.html)"
        </button>
    }
}
