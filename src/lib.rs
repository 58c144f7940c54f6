//! Sparkplug's browser app (Leptos, client-side rendered): components and browser glue only.
//! Parsing, decoding and meter maths live in `sparkplug-core`.

mod app;
mod browser;
mod components;
mod live;
mod net;
mod render;

/// Mounts the app on the page's body.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
