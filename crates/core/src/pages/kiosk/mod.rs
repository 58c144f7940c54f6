//! The kiosk page's models: the lanes' titles and the attract loop that cycles preset
//! prompts while nobody is at the stand (its race is compare's).

pub mod attract;
pub mod lanes;
