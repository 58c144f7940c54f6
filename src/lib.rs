//! Sparkplug's browser app (Leptos, client-side rendered): components and browser glue only.
//! Parsing, decoding and meter maths live in `sparkplug-core`.

mod app;
mod browser;
mod compare;
mod components;
mod editor;
mod embed;
mod kiosk;
mod live;
mod net;
mod render;
mod sandbox;

/// Starts the app page (`/`): the `sparkplug` module.
pub fn start_app() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
    // Fetched once the page is up, so the first answer never waits for it.
    render::engine::load();
}

/// Starts the kiosk page (`/kiosk`): the `sparkplug-kiosk` module.
pub fn start_kiosk() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(kiosk::Kiosk);
    // The lanes render markdown; the first race waits for the engine (a few ms locally).
    render::engine::load();
}

/// Starts the embed page (`/embed`): the `sparkplug-embed` module.
pub fn start_embed() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(embed::Embed);
    render::engine::load();
}
