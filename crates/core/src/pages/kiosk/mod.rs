//! The kiosk page's models: a race of several models on one prompt, and the attract loop
//! that cycles preset prompts while nobody is at the stand.

pub mod attract;
pub mod race;
