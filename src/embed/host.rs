//! The postMessage link to the page that frames the embed: events out to the parent, and
//! commands in, only from the parent window itself and only from an allowed host origin.

use leptos::ev;
use leptos::prelude::*;
use sparkplug_core::pages::embed::{parse_command, Command, Event, HostPolicy};

/// Sends one event to the framing page. The target origin is `*` because the server's
/// `Referrer-Policy: no-referrer` hides the parent's origin; events carry nothing the host
/// did not already give (its prompt, the model, figures), and `frame-ancestors` decides
/// who may frame the embed at all.
pub fn send(event: &Event) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    // Opened directly, the page is its own parent: there is no host to tell.
    if js_sys::Object::is(&parent, &window) {
        return;
    }
    if let Ok(message) = js_sys::JSON::parse(&event.to_json()) {
        parent.post_message(&message, "*").ok();
    }
}

/// Calls `on_command` for every valid command from the parent window at an allowed origin;
/// everything else is dropped. The listener lives as long as the calling component.
pub fn listen(policy: HostPolicy, on_command: impl Fn(Command) + 'static) {
    let handle = window_event_listener(ev::message, move |event| {
        let Some(window) = web_sys::window() else {
            return;
        };
        let own_origin = window.location().origin().unwrap_or_default();
        if !policy.allows(&event.origin(), &own_origin) {
            return;
        }
        // A sibling or child frame of an allowed page shares its origin but is not the host.
        let from_parent = match (event.source(), window.parent()) {
            (Some(source), Ok(Some(parent))) => js_sys::Object::is(&source, &parent),
            _ => false,
        };
        if !from_parent {
            return;
        }
        let data = event.data();
        let text = data
            .as_string()
            .or_else(|| js_sys::JSON::stringify(&data).ok().map(String::from));
        if let Some(Ok(command)) = text.as_deref().map(parse_command) {
            on_command(command);
        }
    });
    on_cleanup(move || handle.remove());
}
