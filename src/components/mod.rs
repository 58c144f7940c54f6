//! The app's view components; each stays thin and wires a model to the DOM.

pub mod answer;
pub mod conversation;
pub mod download;
pub mod history;
pub mod meter;
pub mod prompt;
pub mod run_panel;
pub mod settings;
pub mod share;
pub mod shortcuts;
pub mod side;
pub mod theme;
pub mod timeline;
pub mod welcome;
pub mod workspace;

use sparkplug_core::run::explain::Tone;

/// The CSS classes of a status line: its own class, and its tone's unless neutral.
pub(crate) fn status_class(base: &'static str, tone: Tone) -> String {
    match tone {
        Tone::Neutral => base.to_owned(),
        Tone::Done => format!("{base} done"),
        Tone::Error => format!("{base} error"),
    }
}
