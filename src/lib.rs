//! Sparkplug's browser app (Leptos, client-side rendered): components and browser glue only.
//! Parsing, decoding and meter maths live in `sparkplug-core`.

mod app;
mod browser;
mod components;
mod editor;
mod embed;
mod kiosk;
mod live;
mod net;
mod render;
mod sandbox;

/// Mounts the page for the URL's path on the body: the kiosk at `/kiosk`, the embed at
/// `/embed`, else the app.
pub fn start() {
    console_error_panic_hook::set_once();
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    match path.trim_end_matches('/') {
        "/kiosk" => {
            leptos::mount::mount_to_body(kiosk::Kiosk);
        }
        "/embed" => {
            leptos::mount::mount_to_body(embed::Embed);
        }
        _ => {
            leptos::mount::mount_to_body(app::App);
        }
    }
}
