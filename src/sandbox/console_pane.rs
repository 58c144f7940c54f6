//! The console pane's DOM: one list item per line, its text set as text (never parsed as
//! markup, whatever the code printed), following the output while the reader is at the end.

use sparkplug_core::sandbox::console::Line;
use web_sys::{Document, Element};

/// How close to the end (in pixels) still counts as following the output.
const FOLLOW_SLACK: i32 = 24;

/// Appends console lines to a list element.
#[derive(Clone)]
pub struct ConsolePane {
    document: Document,
    list: Element,
}

impl ConsolePane {
    pub fn new(list: Element) -> Option<Self> {
        Some(Self {
            document: list.owner_document()?,
            list,
        })
    }

    pub fn clear(&self) {
        self.list.set_text_content(None);
    }

    pub fn append(&self, line: &Line) {
        let list = &self.list;
        let following =
            list.scroll_top() + list.client_height() + FOLLOW_SLACK >= list.scroll_height();
        let Ok(item) = self.document.create_element("li") else {
            return;
        };
        item.set_class_name(line.kind.class());
        if let Some(location) = &line.location {
            if let Ok(span) = self.document.create_element("span") {
                span.set_class_name("console-loc");
                span.set_text_content(Some(location));
                item.append_child(&span).ok();
            }
        }
        let text = self.document.create_text_node(&line.text);
        item.append_child(&text).ok();
        list.append_child(&item).ok();
        if following {
            list.set_scroll_top(list.scroll_height());
        }
    }
}
