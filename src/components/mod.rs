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
