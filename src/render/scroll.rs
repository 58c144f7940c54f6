//! Following the stream: the answer scrolls with new text only while the reader is at its
//! end, so scrolling up to read stops the following until they come back down.

use web_sys::Element;

/// How far from the end still counts as "at the end" (a wheel step is about 100 px).
const SLACK_PX: i32 = 24;

/// Whether `element` is scrolled to (about) its end.
pub fn near_bottom(element: &Element) -> bool {
    element.scroll_height() - element.scroll_top() - element.client_height() <= SLACK_PX
}

pub fn to_bottom(element: &Element) {
    element.set_scroll_top(element.scroll_height());
}
