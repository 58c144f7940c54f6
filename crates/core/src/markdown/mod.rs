//! Streamed markdown: an incremental block splitter, a safe renderer from markdown to typed
//! DOM operations (never HTML), and the stream that joins them to the code highlighter.

mod line;
pub mod link;
pub mod split;
pub mod stream;
pub mod tree;

pub use split::{Block, BlockKind, BlockSplitter, Split, Tail};
pub use stream::{MarkdownStream, TailView, Update};
pub use tree::{render, Align, Code, Element, Op};
