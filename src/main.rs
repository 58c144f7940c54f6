//! The app page's module (`sparkplug`): Trunk builds this binary to wasm and `index.html`
//! loads it on every path but `/kiosk` and `/embed`.

fn main() {
    sparkplug::start_app();
}
