//! The runner each lane uses, read from the page: the deployment's list in
//! `<meta name="sparkplug-lane-runners">`, else core's choice for the page's address.

use sparkplug_core::sandbox::lanes::{lane_runner, PageAddress};
use web_sys::Document;

use crate::sandbox::frame::runner_url;

/// The runners of `lanes` lanes, in lane order.
pub fn lane_runners(document: &Document, lanes: usize) -> Vec<String> {
    let configured: Vec<String> = document
        .query_selector("meta[name=sparkplug-lane-runners]")
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .map(|list| list.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let location = document.location();
    let part = |f: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
        location
            .as_ref()
            .and_then(|l| f(l).ok())
            .unwrap_or_default()
    };
    let (protocol, hostname, port) = (
        part(web_sys::Location::protocol),
        part(web_sys::Location::hostname),
        part(web_sys::Location::port),
    );
    let page = PageAddress {
        protocol: &protocol,
        hostname: &hostname,
        port: &port,
    };
    let shared = runner_url(document);
    (0..lanes)
        .map(|lane| lane_runner(&configured, page, &shared, lane))
        .collect()
}
