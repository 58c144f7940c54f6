//! The embed page's module (`sparkplug-embed`): `index.html` loads it on `/embed`, so a
//! framed embed never downloads the app's or the kiosk's code.

fn main() {
    sparkplug::start_embed();
}
