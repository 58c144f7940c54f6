//! Compare: the same prompt raced on several models at once, each lane streaming, running its
//! code in a runner of its own and fixing it; shared by the app's Compare view and the kiosk.

pub mod lane;
pub mod race;
pub mod runners;
pub mod summary;
