//! The streamed markdown renderer against its contract: any chunking gives the same updates
//! as the whole text, the blocks render like the whole document, nothing becomes markup.

use proptest::prelude::*;
use sparkplug_core::markdown::html::escape_into;
use sparkplug_core::markdown::{
    render, BlockSplitter, Code, Element, MarkdownStream, Op, Slice, Split, TailView, Update,
};

/// Splits `text` at the given fractions (snapped back to character boundaries).
fn chunks(text: &str, cuts: &[f64]) -> Vec<String> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|f| {
            let mut p = (f * text.len() as f64) as usize;
            while !text.is_char_boundary(p) {
                p -= 1;
            }
            p
        })
        .collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for p in points.into_iter().chain([text.len()]) {
        out.push(text[at..p].to_owned());
        at = p;
    }
    out
}

fn splits(pieces: &[String]) -> Vec<Split> {
    let mut splitter = BlockSplitter::new();
    let mut out = Vec::new();
    for piece in pieces {
        splitter.push(piece, &mut out);
    }
    splitter.finish(&mut out);
    out
}

/// The updates of the pieces as the page asks for them, one frame each, the last piece
/// ending the text; tails are left out (they are compared in their own test).
fn updates(pieces: &[String]) -> Vec<Update> {
    let mut stream = MarkdownStream::<sparkplug_core::markdown::Pulldown>::new();
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let slice = Slice {
            ends_text: i + 1 == pieces.len(),
            tail: false,
        };
        stream.frame(piece, slice, &mut out);
    }
    if pieces.is_empty() {
        stream.frame(
            "",
            Slice {
                ends_text: true,
                tail: false,
            },
            &mut out,
        );
    }
    assert_eq!(
        out.pop(),
        Some(Update::Tail(TailView::Empty)),
        "the end clears the tail"
    );
    out
}

/// The operations of the whole answer as the page builds them from the updates, a code
/// block's lines as one text of their HTML.
fn flatten(updates: Vec<Update>) -> Vec<Op> {
    let mut ops = Vec::new();
    for update in updates {
        match update {
            Update::Block(block) => ops.extend(code_as_html(block)),
            Update::CodeOpen(label) => ops.push(Op::Open(Element::CodeBlock(label))),
            Update::CodeLines { html, .. } => ops.push(Op::Text(html)),
            Update::CodeClose => ops.push(Op::Close),
            Update::CodeChunk | Update::Tail(_) => {}
        }
    }
    merge_text(ops)
}

/// Neighbouring code-line updates joined into one.
fn merge_lines(updates: Vec<Update>) -> Vec<Update> {
    let mut out: Vec<Update> = Vec::new();
    for update in updates {
        match (out.last_mut(), update) {
            (
                Some(Update::CodeLines { html, lines }),
                Update::CodeLines {
                    html: more,
                    lines: count,
                },
            ) => {
                html.push_str(&more);
                *lines += count;
            }
            (_, update) => out.push(update),
        }
    }
    out
}

/// `ops` with each code block's text and tokens replaced by its lines' HTML, as the stream
/// sends a code block's lines (`<span class="ln">`, tokens in their class's `<span>`).
fn code_as_html(ops: Vec<Op>) -> Vec<Op> {
    let mut out = Vec::new();
    // The open code block's HTML so far and its unfinished line.
    let mut code: Option<(String, String)> = None;
    for op in ops {
        match (&mut code, op) {
            (None, op @ Op::Open(Element::CodeBlock(_))) => {
                out.push(op);
                code = Some((String::new(), String::new()));
            }
            (None, op) => out.push(op),
            (Some((html, line)), Op::Text(text)) => {
                for part in text.split_inclusive('\n') {
                    escape_into(line, part);
                    if part.ends_with('\n') {
                        html.push_str(&format!("<span class=\"ln\">{line}</span>"));
                        line.clear();
                    }
                }
            }
            (Some((_, line)), Op::Token(class, text)) => {
                line.push_str(&format!("<span class=\"{}\">", class.css_class()));
                escape_into(line, &text);
                line.push_str("</span>");
            }
            (Some((html, line)), op) => {
                assert_eq!(op, Op::Close, "a code block holds only text and tokens");
                if !line.is_empty() {
                    html.push_str(&format!("<span class=\"ln\">{line}</span>"));
                }
                if !html.is_empty() {
                    out.push(Op::Text(std::mem::take(html)));
                }
                out.push(Op::Close);
                code = None;
            }
        }
    }
    out
}

/// Joins neighbouring text operations (a code block's text is one piece or one per line).
fn merge_text(ops: Vec<Op>) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::new();
    for op in ops {
        match (out.last_mut(), op) {
            (Some(Op::Text(last)), Op::Text(text)) => last.push_str(&text),
            (_, op) => out.push(op),
        }
    }
    out
}

/// Markdown-ish text: every character that matters to block structure, in any order.
fn markdownish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("\n"),
            Just("\n\n"),
            Just("```"),
            Just("~~~"),
            Just("```js\n"),
            Just("# "),
            Just("- "),
            Just("1. "),
            Just("> "),
            Just("| a | b |\n|---|---|\n"),
            Just("---"),
            Just("==="),
            Just("    "),
            Just("  "),
            Just("\t"),
            Just("text"),
            Just("<b>"),
            Just("é中😀"),
            Just("\r\n"),
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

/// A document of well-formed blocks separated by blank lines.
fn document() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("alpha"),
        Just("<img src=x onerror=alert(1)>"),
        Just("*em*"),
        Just("`code`"),
        Just("a&b"),
        Just("é中"),
        Just("[link](https://x.example)"),
        Just("[bad](javascript:alert(1))"),
        Just("x_y"),
    ];
    let line = proptest::collection::vec(word, 1..5).prop_map(|w| w.join(" "));
    let code_line = prop_oneof![
        Just("const x = \"</script>\"; // c"),
        Just("def f(a):  # note"),
        Just(""),
        Just("  <div class=\"a\">&amp;</div>"),
        Just("/* open"),
        Just("close */ `tpl"),
        Just("```not a fence"),
    ];
    let lang = prop_oneof![
        Just("js"),
        Just("python"),
        Just("html"),
        Just(""),
        Just("weird")
    ];
    let block = prop_oneof![
        line.clone().prop_map(|l| format!("# {l}")),
        proptest::collection::vec(line.clone(), 1..4).prop_map(|ls| ls.join("\n")),
        (lang, proptest::collection::vec(code_line, 0..5)).prop_map(|(lang, lines)| {
            let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
            format!("````{lang}\n{body}````")
        }),
        proptest::collection::vec(line.clone(), 1..4).prop_map(|ls| ls
            .iter()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n")),
        line.clone()
            .prop_map(|l| format!("1. {l}\n\n   ```py\n   x = 1\n\n   ```\n2. {l}")),
        line.clone().prop_map(|l| format!("> {l}\n> {l}")),
        line.clone()
            .prop_map(|l| format!("| h | {l} |\n|:--|--:|\n| 1 | 2 |")),
        Just("***".to_string()),
        line.prop_map(|l| format!("{l}\n---")),
    ];
    proptest::collection::vec(block, 0..8).prop_map(|blocks| blocks.join("\n\n") + "\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_chunking_splits_like_the_whole_text(
        text in markdownish(),
        cuts in proptest::collection::vec(0.0..1.0f64, 0..12),
    ) {
        let whole = splits(std::slice::from_ref(&text));
        prop_assert_eq!(splits(&chunks(&text, &cuts)), whole);
    }

    #[test]
    fn any_chunking_renders_like_the_whole_text(
        text in markdownish(),
        cuts in proptest::collection::vec(0.0..1.0f64, 0..12),
    ) {
        let whole = updates(std::slice::from_ref(&text));
        prop_assert_eq!(updates(&chunks(&text, &cuts)), whole);
    }

    /// Asking for the tail every frame changes nothing else, and an open code block's tail
    /// is its unfinished line, never more.
    #[test]
    fn tails_asked_every_frame_leave_the_updates_alone(
        text in markdownish(),
        cuts in proptest::collection::vec(0.0..1.0f64, 0..12),
    ) {
        let pieces = chunks(&text, &cuts);
        let mut stream = MarkdownStream::<sparkplug_core::markdown::Pulldown>::new();
        let mut out = Vec::new();
        for (i, piece) in pieces.iter().enumerate() {
            let slice = Slice { ends_text: i + 1 == pieces.len(), tail: true };
            stream.frame(piece, slice, &mut out);
        }
        let mut tails = 0;
        out.retain(|update| match update {
            Update::Tail(TailView::Code(line)) => {
                tails += 1;
                assert!(!line.contains('\n'), "{line:?}");
                false
            }
            Update::Tail(_) => {
                tails += 1;
                false
            }
            _ => true,
        });
        prop_assert_eq!(tails, pieces.len());
        // Without the tails between them, a code block's lines from successive frames meet.
        prop_assert_eq!(merge_lines(out), merge_lines(updates(&pieces)));
    }

    /// Blocks rendered one by one (and code streamed line by line) equal the whole document
    /// rendered at once, and nothing but text ever carries the model's words.
    #[test]
    fn streamed_blocks_render_like_the_whole_document(
        text in document(),
        cuts in proptest::collection::vec(0.0..1.0f64, 0..12),
    ) {
        let streamed = flatten(updates(&chunks(&text, &cuts)));
        let whole = merge_text(code_as_html(render(&text, Code::Highlighted)));
        prop_assert_eq!(&streamed, &whole);
        for op in &streamed {
            if let Op::Open(Element::Link(href)) = op {
                prop_assert!(href.starts_with("https://"));
            }
        }
    }
}

#[test]
fn the_long_demo_answer_streams_in_small_pieces_like_the_whole() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/answers");
    let mut text = String::new();
    for entry in std::fs::read_dir(&dir).expect("demo answers") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            text.push_str(&std::fs::read_to_string(&path).expect("answer"));
            text.push_str("\n\n");
        }
    }
    let whole = updates(std::slice::from_ref(&text));
    // Pieces of 7 bytes (snapped to characters), as a fast stream's frames deliver them.
    let mut pieces = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let mut end = (at + 7).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        pieces.push(text[at..end].to_owned());
        at = end;
    }
    assert_eq!(updates(&pieces), whole);
    let code_lines: usize = whole
        .iter()
        .map(|u| match u {
            Update::CodeLines { html, lines } => {
                assert_eq!(html.matches("<span class=\"ln\">").count(), *lines);
                *lines
            }
            _ => 0,
        })
        .sum();
    assert!(
        code_lines > 1000,
        "the answers are mostly code: {code_lines} lines"
    );
}
