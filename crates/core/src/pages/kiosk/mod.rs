//! The kiosk page's models: a race of several models on one prompt, the lanes' titles, and
//! the attract loop that cycles preset prompts while nobody is at the stand.

pub mod attract;
pub mod lanes;
pub mod race;
