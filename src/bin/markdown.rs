//! The markdown engine: the whole markdown stream (block splitter, pulldown-cmark, highlighter)
//! in a wasm module of its own, which the app imports after start (src/render/engine.rs).
//!
//! The app opens a stream per answer and hands it each frame's text in one call; the frame's
//! DOM updates come back as one string in core's wire form.

use std::cell::RefCell;
use std::collections::BTreeMap;

use sparkplug_core::markdown::{wire, MarkdownStream, Slice};
use sparkplug_core::sandbox::runnable::fenced_blocks;
use wasm_bindgen::prelude::*;

#[derive(Default)]
struct Streams {
    open: BTreeMap<u32, MarkdownStream>,
    next: u32,
}

thread_local! {
    static STREAMS: RefCell<Streams> = RefCell::default();
}

/// Opens a stream for a new answer; returns its handle.
#[wasm_bindgen]
pub fn open() -> u32 {
    STREAMS.with_borrow_mut(|streams| {
        let id = streams.next;
        streams.next = streams.next.wrapping_add(1);
        streams.open.insert(id, MarkdownStream::new());
        id
    })
}

/// One frame: the stream takes `text` (and finishes if `ends_text`); returns the DOM updates
/// it caused (with the tail when `tail` or `ends_text`), in the wire form.
#[wasm_bindgen]
pub fn frame(stream: u32, text: &str, ends_text: bool, tail: bool) -> Result<String, String> {
    STREAMS.with_borrow_mut(|streams| {
        let stream = streams
            .open
            .get_mut(&stream)
            .ok_or_else(|| format!("no markdown stream {stream}"))?;
        let mut updates = Vec::new();
        stream.frame(text, Slice { ends_text, tail }, &mut updates);
        Ok(wire::encode_updates(&updates))
    })
}

/// Forgets a stream (its answer was finished, replaced or taken away).
#[wasm_bindgen]
pub fn close(stream: u32) {
    STREAMS.with_borrow_mut(|streams| streams.open.remove(&stream));
}

/// Every fenced code block of an answer, in the wire form.
#[wasm_bindgen(js_name = codeBlocks)]
pub fn code_blocks(markdown: &str) -> String {
    wire::encode_code_blocks(&fenced_blocks(markdown))
}

// Trunk builds every page and module from a binary; this one only exports functions.
fn main() {}
