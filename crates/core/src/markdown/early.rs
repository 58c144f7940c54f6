//! The plain-text stand-in for an answer's queued text while the markdown engine loads, and
//! its handover to the engine: what to add to it and drop from it in each frame, then its end.

/// Tracks the stand-in: one text node showing exactly the queued text the markdown stream has
/// not drawn yet. It grows at its end as text arrives while the stream cannot take any; once
/// the stream can, it shrinks at its start as the stream draws, and goes when the stream has
/// drawn everything. Positions are byte offsets into the renderer's queue.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EarlyText {
    /// The queue's text before this is in the stand-in or drawn by the stream.
    shown_to: usize,
    state: State,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No text has waited for the stream (yet).
    #[default]
    Unused,
    Showing,
    /// The stream caught up and the stand-in went; it never comes back.
    Gone,
}

/// One frame's change to the stand-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarlyEdit<'a> {
    Keep,
    /// Drop this many UTF-16 code units (the DOM's measure of text) from its start, then
    /// append this text (creating the stand-in if there is none yet).
    Edit {
        drop_utf16: u32,
        append: &'a str,
    },
    /// The stream has drawn everything: remove the stand-in.
    Remove,
}

impl EarlyText {
    /// Whether the stand-in is on the page (the stream then draws its open block in every
    /// frame, so no text is missing between what it drew and what the stand-in still shows).
    pub fn showing(&self) -> bool {
        self.state == State::Showing
    }

    /// The stream cannot take text yet: the stand-in shows all of `queue`, none of it drawn.
    pub fn waiting<'a>(&mut self, queue: &'a str) -> EarlyEdit<'a> {
        let append = queue.get(self.shown_to..).unwrap_or_default();
        if self.state == State::Gone || append.is_empty() {
            return EarlyEdit::Keep;
        }
        self.shown_to = queue.len();
        self.state = State::Showing;
        EarlyEdit::Edit {
            drop_utf16: 0,
            append,
        }
    }

    /// The stream drew `queue[from..to]` in this frame, `from` being where the stand-in's text
    /// starts (everything before was drawn already).
    pub fn drawn<'a>(&mut self, queue: &'a str, from: usize, to: usize) -> EarlyEdit<'a> {
        if self.state != State::Showing {
            return EarlyEdit::Keep;
        }
        if to >= queue.len() {
            self.state = State::Gone;
            self.shown_to = 0;
            return EarlyEdit::Remove;
        }
        // Text that arrived since the last frame joins the stand-in until the stream is there.
        let append = queue.get(self.shown_to..).unwrap_or_default();
        self.shown_to = queue.len();
        let drawn = queue.get(from..to).unwrap_or_default();
        let drop_utf16 = u32::try_from(drawn.encode_utf16().count()).unwrap_or(u32::MAX);
        EarlyEdit::Edit { drop_utf16, append }
    }

    /// The queue dropped its first `bytes` (all of them drawn).
    pub fn compacted(&mut self, bytes: usize) {
        self.shown_to = self.shown_to.saturating_sub(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stand-in as the DOM holds it: UTF-16 code units.
    #[derive(Default)]
    struct Node {
        text: Option<Vec<u16>>,
    }

    impl Node {
        fn apply(&mut self, edit: EarlyEdit<'_>) {
            match edit {
                EarlyEdit::Keep => {}
                EarlyEdit::Edit { drop_utf16, append } => {
                    let text = self.text.get_or_insert_with(Vec::new);
                    text.drain(..drop_utf16 as usize);
                    text.extend(append.encode_utf16());
                }
                EarlyEdit::Remove => self.text = None,
            }
        }

        fn shown(&self) -> Option<String> {
            self.text.as_ref().map(|t| String::from_utf16_lossy(t))
        }
    }

    #[test]
    fn a_ready_stream_never_needs_a_stand_in() {
        let mut early = EarlyText::default();
        assert_eq!(early.drawn("# Title\n", 0, 8), EarlyEdit::Keep);
        assert!(!early.showing());
    }

    #[test]
    fn text_waits_as_plain_text_and_is_handed_over_slice_by_slice() {
        let mut early = EarlyText::default();
        let mut node = Node::default();
        assert_eq!(early.waiting(""), EarlyEdit::Keep, "nothing to show yet");
        let mut queue = String::from("Héllo 🌍\n\n");
        node.apply(early.waiting(&queue));
        queue.push_str("```js\nlet a = 1;\n");
        node.apply(early.waiting(&queue));
        assert_eq!(node.shown().as_deref(), Some(queue.as_str()));
        assert!(early.showing());

        // The stream takes its first slice while more text arrives.
        queue.push_str("```\nAfter");
        let consumed = "Héllo 🌍\n\n".len();
        node.apply(early.drawn(&queue, 0, consumed));
        assert_eq!(node.shown().as_deref(), Some(&queue[consumed..]));

        // The drawn part leaves the queue; positions move with it.
        queue.drain(..consumed);
        early.compacted(consumed);
        queue.push_str(" the code.");
        node.apply(early.drawn(&queue, 0, 6));
        assert_eq!(node.shown().as_deref(), Some(&queue[6..]));
        assert!(early.showing());

        node.apply(early.drawn(&queue, 6, queue.len()));
        assert_eq!(node.shown(), None, "caught up: the stand-in goes");
        assert!(!early.showing());
        assert_eq!(
            early.waiting("more"),
            EarlyEdit::Keep,
            "and never comes back"
        );
        assert_eq!(early.drawn("more", 0, 2), EarlyEdit::Keep);
    }
}
