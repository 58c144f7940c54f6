//! The theme toggle in the header: system, light or dark, remembered in this browser and set
//! as `data-theme` on the page, which the stylesheet and the editor follow.

use leptos::prelude::*;
use sparkplug_core::pages::theme::Theme;

use crate::browser::storage;

const THEME_KEY: &str = "sparkplug.theme.v1";

/// Sets the page's theme (`auto` leaves the system's in effect).
fn apply(theme: Theme) {
    if let Some(root) = document().document_element() {
        match theme {
            Theme::Auto => root.remove_attribute("data-theme").ok(),
            picked => root.set_attribute("data-theme", picked.as_str()).ok(),
        };
    }
}

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(Theme::parse(storage::load_preference(THEME_KEY).as_deref()));
    Effect::new(move |_| apply(theme.get()));
    let toggle = move |_| {
        let next = theme.get_untracked().next();
        storage::save_preference(THEME_KEY, next.as_str());
        theme.set(next);
    };
    view! {
        <button
            type="button"
            class="theme-toggle"
            data-test="theme-toggle"
            data-theme=move || theme.get().as_str()
            title="Switch between the system's, the light and the dark theme"
            on:click=toggle
        >
            {move || theme.get().label()}
        </button>
    }
}
