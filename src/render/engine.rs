//! The markdown engine (`sparkplug-markdown`: the whole markdown stream with pulldown-cmark and
//! the highlighter, in its own wasm module), imported once after start; each answer's stream.
//!
//! Kept out of the app's wasm because it is a fifth of the first download. Until it has
//! loaded, the answer renderer shows the queued text as plain text; if it cannot load, the
//! answer is streamed here with markdown shown as its source, so nothing is lost.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use leptos::prelude::*;
use sparkplug_core::markdown::{wire, MarkdownStream, Slice, Source, Update};
use sparkplug_core::sandbox::runnable::{CodeBlock, Runnable};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::renderer::Frames;
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
    open: Function,
    frame: Function,
    close: Function,
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
        open: function("open")?,
        frame: function("frame")?,
        close: function("close")?,
        code_blocks: function("codeBlocks")?,
    })
}

/// An answer's markdown stream: in the engine once it has loaded, here (markdown shown as
/// its source, code still streamed line by line) if it cannot load.
#[derive(Default)]
pub enum Stream {
    /// The engine is loading: nothing can be drawn yet.
    #[default]
    Waiting,
    /// The engine's stream with this handle.
    Engine(u32),
    Source(MarkdownStream<Source>),
}

impl Frames for Stream {
    fn ready(&mut self) -> bool {
        if !matches!(self, Self::Waiting) {
            return true;
        }
        load();
        let opened = STATE.with_borrow(|state| match state {
            State::Ready(exports) => Some(open(exports)),
            State::Failed => Some(Self::Source(MarkdownStream::new())),
            State::Idle | State::Loading => None,
        });
        match opened {
            Some(stream) => {
                *self = stream;
                true
            }
            None => false,
        }
    }

    fn frame(&mut self, text: &str, slice: Slice, out: &mut Vec<Update>) -> Result<(), String> {
        match self {
            Self::Waiting => Err("the markdown engine is not ready".into()),
            Self::Source(stream) => {
                stream.frame(text, slice, out);
                Ok(())
            }
            Self::Engine(id) => STATE.with_borrow(|state| {
                let State::Ready(exports) = state else {
                    return Err("the markdown engine is gone".into());
                };
                let args: js_sys::Array = [
                    JsValue::from(*id),
                    text.into(),
                    slice.ends_text.into(),
                    slice.tail.into(),
                ]
                .iter()
                .collect();
                let value = exports
                    .frame
                    .apply(&JsValue::NULL, &args)
                    .map_err(js_text)?;
                let wire = value.as_string().ok_or("the engine returned no text")?;
                out.extend(wire::decode_updates(&wire).map_err(|error| error.to_string())?);
                Ok(())
            }),
        }
    }
}

/// Opens a stream in the engine; if that fails, the answer is streamed here instead.
fn open(exports: &Exports) -> Stream {
    let id = exports
        .open
        .call0(&JsValue::NULL)
        .map_err(js_text)
        .and_then(|id| id.as_f64().ok_or_else(|| "no stream handle".into()));
    match id {
        Ok(id) => Stream::Engine(id as u32),
        Err(error) => {
            web_sys::console::error_1(&format!("The markdown engine failed: {error}").into());
            Stream::Source(MarkdownStream::new())
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let Self::Engine(id) = self {
            STATE.with_borrow(|state| {
                if let State::Ready(exports) = state {
                    exports
                        .close
                        .call1(&JsValue::NULL, &JsValue::from(*id))
                        .ok();
                }
            });
        }
    }
}

/// Calls the engine's `codeBlocks` and decodes its wire string.
fn call_code_blocks(exports: &Exports, markdown: &str) -> Result<Vec<CodeBlock>, String> {
    let value = exports
        .code_blocks
        .call1(&JsValue::NULL, &markdown.into())
        .map_err(js_text)?;
    let text = value.as_string().ok_or("the engine returned no text")?;
    wire::decode_code_blocks(&text).map_err(|error| error.to_string())
}

/// The fenced code blocks of an answer; none until the engine has loaded. Inside a memo or
/// effect this re-runs when the engine arrives.
pub fn code_blocks(markdown: &str) -> Vec<CodeBlock> {
    load();
    SETTLED.with(|settled| settled.track());
    let found = STATE.with_borrow(|state| match state {
        State::Ready(exports) => Some(call_code_blocks(exports, markdown)),
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
