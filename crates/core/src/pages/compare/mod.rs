//! Compare: the same prompt raced on several models at once, in the app and on the kiosk,
//! ranked by time to working code; and a finished comparison as a link, a file and History.

pub mod choice;
pub mod race;
pub mod record;
