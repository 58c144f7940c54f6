//! The kiosk page's module (`sparkplug-kiosk`): `index.html` loads it on `/kiosk`, so the
//! kiosk never downloads the app's or the embed's code.

fn main() {
    sparkplug::start_kiosk();
}
