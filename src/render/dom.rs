//! Builds DOM from the core's typed operations: elements by kind, the model's words only
//! ever as text nodes (never `innerHTML`), links only with targets the core allowed.

use sparkplug_core::markdown::{Align, Element as Kind, Op};
use web_sys::{Document, Element, Node};

use super::{code_block, DomError};

/// Appends the nodes `ops` describe to `parent`.
pub fn build(document: &Document, parent: &Node, ops: &[Op]) -> Result<(), DomError> {
    let mut stack: Vec<Node> = vec![parent.clone()];
    for op in ops {
        let top = stack.last().unwrap_or(parent);
        match op {
            Op::Open(kind) => {
                let (outer, inner) = element(document, kind)?;
                top.append_child(&outer)?;
                stack.push(inner.into());
            }
            Op::Close => {
                // The parent itself is never popped, whatever the operations say.
                if stack.len() > 1 {
                    stack.pop();
                }
            }
            Op::Text(text) => {
                top.append_child(&document.create_text_node(text))?;
            }
            Op::Token(class, text) => {
                let span = document.create_element("span")?;
                span.set_class_name(class.css_class());
                span.set_text_content(Some(text));
                top.append_child(&span)?;
            }
            Op::Rule => {
                let rule = document.create_element("hr")?;
                top.append_child(&rule)?;
            }
            Op::LineBreak => {
                let line_break = document.create_element("br")?;
                top.append_child(&line_break)?;
            }
            Op::TaskBox { checked } => {
                let input = document.create_element("input")?;
                input.set_attribute("type", "checkbox")?;
                input.set_attribute("disabled", "")?;
                if *checked {
                    input.set_attribute("checked", "")?;
                }
                top.append_child(&input)?;
            }
        }
    }
    Ok(())
}

/// The element for a kind: the one to insert and the one its children go into (they differ
/// for a code block, whose text goes into the `<code>` inside its frame).
fn element(document: &Document, kind: &Kind) -> Result<(Element, Element), DomError> {
    let tag = match kind {
        Kind::CodeBlock(label) => return code_block::create(document, label.as_deref()),
        Kind::Paragraph => "p",
        Kind::Heading(level) => match level {
            1 => "h1",
            2 => "h2",
            3 => "h3",
            4 => "h4",
            5 => "h5",
            _ => "h6",
        },
        Kind::Quote => "blockquote",
        Kind::List(Some(_)) => "ol",
        Kind::List(None) => "ul",
        Kind::Item => "li",
        Kind::RawHtml => "div",
        Kind::Table => "table",
        Kind::TableHead => "thead",
        Kind::TableRow => "tr",
        Kind::TableCell { header: true, .. } => "th",
        Kind::TableCell { header: false, .. } => "td",
        Kind::Emphasis => "em",
        Kind::Strong => "strong",
        Kind::Strikethrough => "del",
        Kind::InlineCode => "code",
        Kind::Link(_) => "a",
        Kind::Span => "span",
    };
    let element = document.create_element(tag)?;
    match kind {
        Kind::List(Some(start)) if *start != 1 => {
            element.set_attribute("start", &start.to_string())?;
        }
        Kind::RawHtml => element.set_class_name("raw-html"),
        Kind::TableCell { align, .. } => match align {
            Align::Left => element.set_class_name("align-left"),
            Align::Center => element.set_class_name("align-center"),
            Align::Right => element.set_class_name("align-right"),
            Align::None => {}
        },
        Kind::Link(href) => {
            element.set_attribute("href", href)?;
            element.set_attribute("target", "_blank")?;
            element.set_attribute("rel", "noopener noreferrer nofollow")?;
        }
        _ => {}
    }
    Ok((element.clone(), element))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparkplug_core::markdown::{render, Code};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn built(markdown: &str) -> Element {
        let document = web_sys::window().unwrap().document().unwrap();
        let root = document.create_element("div").unwrap();
        build(&document, &root, &render(markdown, Code::Highlighted)).unwrap();
        root
    }

    #[wasm_bindgen_test]
    fn markup_in_the_answer_stays_text() {
        let root = built(
            "Hi <img src=x onerror=alert(1)> <script>alert(2)</script>\n\n<div onclick=\"x()\">raw</div>\n\n[x](javascript:alert(3))\n",
        );
        for selector in ["img", "script", "[onclick]", "[onerror]", "a"] {
            assert!(
                root.query_selector(selector).unwrap().is_none(),
                "no {selector} element"
            );
        }
        let text = root.text_content().unwrap();
        assert!(text.contains("<img src=x onerror=alert(1)>"), "{text}");
        assert!(text.contains("<script>alert(2)</script>"));
    }

    #[wasm_bindgen_test]
    fn blocks_code_frames_and_tables_get_their_elements() {
        let root = built(
            "## Title\n\n- [x] done\n\n```js\nlet a = 1;\n```\n\n| a | b |\n|:-:|--:|\n| 1 | 2 |\n\n[ok](https://a.example)\n",
        );
        assert_eq!(
            root.query_selector("h2")
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap(),
            "Title"
        );
        assert!(root
            .query_selector("li input[type=checkbox][checked]")
            .unwrap()
            .is_some());
        let block = root
            .query_selector(".code-block[data-lang=js]")
            .unwrap()
            .unwrap();
        let code = block.query_selector("code.code-body").unwrap().unwrap();
        assert_eq!(code.text_content().unwrap(), "let a = 1;\n");
        assert_eq!(
            code.query_selector(".tok-kw")
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap(),
            "let"
        );
        assert!(root.query_selector("th.align-center").unwrap().is_some());
        assert!(root.query_selector("td.align-right").unwrap().is_some());
        let link = root.query_selector("a").unwrap().unwrap();
        assert_eq!(link.get_attribute("href").unwrap(), "https://a.example");
        assert_eq!(
            link.get_attribute("rel").unwrap(),
            "noopener noreferrer nofollow"
        );
    }
}
