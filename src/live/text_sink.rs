//! Where streamed text meets the DOM as plain text: one Text node that grows with
//! `append_data`, so a frame's work depends on the new text only, never on the whole.

use web_sys::{Element, Text};

/// Appends text to one Text node inside a container element.
#[derive(Clone)]
pub struct TextSink {
    node: Text,
}

impl TextSink {
    /// Empties `container` and gives it a fresh Text node to grow.
    pub fn replace_contents(container: &Element) -> Option<Self> {
        container.set_text_content(None);
        let node = container.owner_document()?.create_text_node("");
        container.append_child(&node).ok()?;
        Some(Self { node })
    }

    pub fn append(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.node.append_data(text).ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn appends_to_one_text_node_and_replaces_old_contents() {
        let document = web_sys::window().unwrap().document().unwrap();
        let pre = document.create_element("pre").unwrap();
        pre.set_inner_html("<b>old answer</b>");
        let sink = TextSink::replace_contents(&pre).unwrap();
        sink.append("fn main() {");
        sink.append("");
        sink.append(" println!(\"<b>hi</b>\"); }");
        assert_eq!(
            pre.child_nodes().length(),
            1,
            "one text node, old contents gone"
        );
        assert_eq!(
            pre.text_content().unwrap(),
            "fn main() { println!(\"<b>hi</b>\"); }"
        );
        assert!(
            pre.query_selector("b").unwrap().is_none(),
            "text is never parsed as HTML"
        );
    }
}
