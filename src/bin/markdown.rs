//! The markdown engine: pulldown-cmark and the code highlighter in a wasm module of their own,
//! which the app imports after it starts (src/render/engine.rs) to keep its first download small.

use sparkplug_core::markdown::{render, wire, Code};
use sparkplug_core::sandbox::runnable::fenced_blocks;
use wasm_bindgen::prelude::*;

/// One block (or the open tail) rendered to operations, in the wire form.
#[wasm_bindgen(js_name = renderBlock)]
pub fn render_block(source: &str, highlighted: bool) -> String {
    let code = if highlighted {
        Code::Highlighted
    } else {
        Code::Plain
    };
    wire::encode_ops(&render(source, code))
}

/// Every fenced code block of an answer, in the wire form.
#[wasm_bindgen(js_name = codeBlocks)]
pub fn code_blocks(markdown: &str) -> String {
    wire::encode_code_blocks(&fenced_blocks(markdown))
}

// Trunk builds every page and module from a binary; this one only exports functions.
fn main() {}
