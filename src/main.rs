//! The Sparkplug web app's entry point: Trunk builds this binary to wasm and the page starts it.

fn main() {
    sparkplug::start();
}
