//! The markdown engine (`sparkplug-markdown`: pulldown-cmark and the highlighter in their own
//! wasm module), imported once after start; it renders blocks and finds an answer's code.
//!
//! Kept out of the app's wasm because it is a fifth of the first download. Until it has
//! loaded, the answer renderer waits (text stays queued); if it cannot load, text is shown
//! as its plain markdown source, so nothing is lost.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use leptos::prelude::*;
use sparkplug_core::markdown::{wire, BlockRenderer, Code, Element, Op};
use sparkplug_core::sandbox::runnable::{CodeBlock, Runnable};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser::module::{import, js_text};

/// Trunk writes the module (a worker-type link in index.html) under this unhashed name.
const MODULE: &str = "sparkplug-markdown.js";

enum State {
    Idle,
    Loading,
    Ready(Exports),
    Failed,
}

struct Exports {
    render_block: Function,
    code_blocks: Function,
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::Idle) };
    /// Turns true once the engine has loaded or failed, for views that wait on it.
    static SETTLED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Starts importing the engine unless that has begun already.
pub fn load() {
    let start = STATE.with_borrow_mut(|state| {
        let idle = matches!(state, State::Idle);
        if idle {
            *state = State::Loading;
        }
        idle
    });
    if !start {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let state = match import_exports().await {
            Ok(exports) => State::Ready(exports),
            Err(error) => {
                web_sys::console::error_1(
                    &format!(
                        "The markdown engine did not load ({error}); answers show as plain text."
                    )
                    .into(),
                );
                State::Failed
            }
        };
        STATE.with_borrow_mut(|s| *s = state);
        SETTLED.with(|settled| settled.set(true));
    });
}

async fn import_exports() -> Result<Exports, String> {
    let module = import(MODULE).await?;
    let function = |name: &str| -> Result<Function, String> {
        Reflect::get(&module, &name.into())
            .map_err(js_text)?
            .dyn_into::<Function>()
            .map_err(|_| format!("{MODULE} has no function {name}"))
    };
    let init: Promise = function("default")?
        .call0(&JsValue::NULL)
        .map_err(js_text)?
        .dyn_into()
        .map_err(|_| format!("{MODULE}'s init returned no promise"))?;
    JsFuture::from(init).await.map_err(js_text)?;
    Ok(Exports {
        render_block: function("renderBlock")?,
        code_blocks: function("codeBlocks")?,
    })
}

/// Whether the engine has loaded or failed (a failed engine leaves text plain).
fn settled() -> bool {
    STATE.with_borrow(|state| matches!(state, State::Ready(_) | State::Failed))
}

/// Calls `function(args…)` and decodes its wire string with `decode`.
fn call<T>(
    function: &Function,
    args: &[JsValue],
    decode: impl FnOnce(&str) -> Result<T, wire::WireError>,
) -> Result<T, String> {
    let array: js_sys::Array = args.iter().collect();
    let value = function.apply(&JsValue::NULL, &array).map_err(js_text)?;
    let text = value.as_string().ok_or("the engine returned no text")?;
    decode(&text).map_err(|error| error.to_string())
}

/// The answer renderer's blocks, rendered by the engine.
#[derive(Debug, Default, Clone, Copy)]
pub struct Engine;

impl BlockRenderer for Engine {
    fn ready(&self) -> bool {
        load();
        settled()
    }

    fn render(&self, source: &str, code: Code) -> Vec<Op> {
        let rendered = STATE.with_borrow(|state| match state {
            State::Ready(exports) => Some(call(
                &exports.render_block,
                &[source.into(), matches!(code, Code::Highlighted).into()],
                wire::decode_ops,
            )),
            _ => None,
        });
        match rendered {
            Some(Ok(ops)) => ops,
            Some(Err(error)) => {
                web_sys::console::error_1(&error.into());
                plain(source)
            }
            None => plain(source),
        }
    }
}

/// The block as its markdown source, shown verbatim (as text, like everything else).
fn plain(source: &str) -> Vec<Op> {
    vec![
        Op::Open(Element::RawHtml),
        Op::Text(source.to_owned()),
        Op::Close,
    ]
}

/// The fenced code blocks of an answer; none until the engine has loaded. Inside a memo or
/// effect this re-runs when the engine arrives.
pub fn code_blocks(markdown: &str) -> Vec<CodeBlock> {
    load();
    SETTLED.with(|settled| settled.track());
    let found = STATE.with_borrow(|state| match state {
        State::Ready(exports) => Some(call(
            &exports.code_blocks,
            &[markdown.into()],
            wire::decode_code_blocks,
        )),
        _ => None,
    });
    match found {
        Some(Ok(blocks)) => blocks,
        Some(Err(error)) => {
            web_sys::console::error_1(&error.into());
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// What Run answer runs for `markdown` (see [`Runnable::from_blocks`]).
pub fn runnable_answer(markdown: &str) -> Option<Runnable> {
    Runnable::from_blocks(code_blocks(markdown))
}
