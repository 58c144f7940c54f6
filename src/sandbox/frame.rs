//! The runner frame in the page: where the runner lives (configurable), creating a frame
//! with `sandbox="allow-scripts"` and nothing more, and removing every sandboxed frame.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlIFrameElement, Window};

/// Where the runner is unless the page says otherwise with
/// `<meta name="sparkplug-runner" content="https://run.example/sandbox/runner.html">`
/// (a deployment serving it from another host; the server's `runner_origin` must match).
const DEFAULT_RUNNER: &str = "/sandbox/runner.html";

/// The runner page's address.
pub fn runner_url(document: &Document) -> String {
    document
        .query_selector("meta[name=sparkplug-runner]")
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_RUNNER.to_owned())
}

/// Creates a runner frame in `host` and returns its window, which every message from it
/// must come from. It is typed without a check: a cross-origin window is not `instanceof
/// Window` here. The nonce travels in the address's fragment, which is never sent to the
/// server, and comes back in the runner's `ready`.
pub fn create(
    document: &Document,
    host: &Element,
    runner: &str,
    nonce: &str,
) -> Result<Window, JsValue> {
    let element: HtmlIFrameElement = document.create_element("iframe")?.dyn_into()?;
    // Scripts only: no same-origin, top navigation, popups, forms, modals or downloads.
    element.set_attribute("sandbox", "allow-scripts")?;
    element.set_attribute("title", "Code preview (sandboxed)")?;
    element.set_attribute("class", "runner-frame")?;
    element.set_attribute("data-test", "runner")?;
    element.set_attribute("referrerpolicy", "no-referrer")?;
    element.set_attribute("data-runner", runner)?;
    element.set_src(&format!("{runner}#{nonce}"));
    host.append_child(&element)?;
    element
        .content_window()
        .ok_or_else(|| JsValue::from_str("the runner frame has no window"))
}

/// Removes every frame of `runner` in the page. Frames of one site share one process, so
/// a frame left behind that loops would stall the fresh one; removing them all ends that
/// process. Frames of other runners (compare lanes, each a site of its own) stay.
pub fn remove_all(document: &Document, runner: &str) {
    let Ok(frames) = document.query_selector_all("iframe[sandbox][data-runner]") else {
        return;
    };
    for index in 0..frames.length() {
        if let Some(element) = frames
            .item(index)
            .and_then(|node| node.dyn_into::<Element>().ok())
            .filter(|e| e.get_attribute("data-runner").as_deref() == Some(runner))
        {
            element.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn document() -> Document {
        web_sys::window().unwrap().document().unwrap()
    }

    #[wasm_bindgen_test]
    fn the_runner_address_comes_from_the_page_or_the_default() {
        let document = document();
        assert_eq!(runner_url(&document), DEFAULT_RUNNER);
        let meta = document.create_element("meta").unwrap();
        meta.set_attribute("name", "sparkplug-runner").unwrap();
        meta.set_attribute("content", "https://run.example/sandbox/runner.html")
            .unwrap();
        document.body().unwrap().append_child(&meta).unwrap();
        assert_eq!(
            runner_url(&document),
            "https://run.example/sandbox/runner.html"
        );
        meta.remove();
    }

    #[wasm_bindgen_test]
    fn frames_get_scripts_only_and_a_kill_removes_every_frame_of_its_runner() {
        let document = document();
        let host = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&host).unwrap();
        // about:blank keeps the test off the network; the attributes are what matter.
        create(&document, &host, "about:blank", "abc123").unwrap();
        let frame = host.query_selector("iframe").unwrap().unwrap();
        assert_eq!(
            frame.get_attribute("sandbox").as_deref(),
            Some("allow-scripts")
        );
        assert_eq!(
            frame.get_attribute("src").as_deref(),
            Some("about:blank#abc123")
        );
        // Another frame of the same runner goes too; another runner's frame (a compare lane
        // on a site of its own) and an ordinary frame stay.
        create(&document, &host, "about:blank", "second").unwrap();
        create(&document, &host, "about:blank?lane2", "third").unwrap();
        let plain = document.create_element("iframe").unwrap();
        document.body().unwrap().append_child(&plain).unwrap();
        remove_all(&document, "about:blank");
        let left = document.query_selector_all("iframe[sandbox]").unwrap();
        assert_eq!(left.length(), 1);
        assert_eq!(
            host.query_selector("iframe")
                .unwrap()
                .and_then(|f| f.get_attribute("data-runner"))
                .as_deref(),
            Some("about:blank?lane2")
        );
        assert!(plain.is_connected());
        plain.remove();
        host.remove();
    }
}
