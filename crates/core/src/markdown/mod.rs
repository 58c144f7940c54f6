//! Streamed markdown: an incremental block splitter, a safe renderer to typed DOM operations,
//! escaped HTML for code lines, and the stream that joins them to the code highlighter.

pub mod budget;
pub mod early;
pub mod highlight;
pub mod html;
pub mod lang;
mod line;
pub mod link;
pub mod split;
pub mod stream;
pub mod tree;
pub mod wire;

pub use budget::FrameBudget;
pub use early::{EarlyEdit, EarlyText};
pub use split::{Block, BlockKind, BlockSplitter, Split, Tail};
pub use stream::{
    MarkdownStream, Pulldown, Renderer, Slice, Source, TailView, Update, CHUNK_LINES,
};
pub use tree::{render, Align, Code, Element, Op};
