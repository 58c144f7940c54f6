//! `cargo xtask bench server [--abuse]`: the load benchmark against the server as it is
//! deployed (the `server` cargo profile), with attackers alongside under `--abuse`.

use std::process::Command;

use crate::{cmd, paths};

pub fn run(abuse: bool) -> Result<(), String> {
    // The load generator runs the server as its own process, so the server's peak
    // memory is measured alone.
    cmd::run(cmd::cargo().args([
        "build",
        "--profile",
        "server",
        "-p",
        "sparkplug-server",
        "--bin",
        "sparkplug-server",
        "--example",
        "load",
    ]))?;
    let mut load = Command::new(paths::root().join("target/server/examples/load"));
    load.args(["--streams", "200", "--rate", "1000", "--duration", "10"])
        .current_dir(paths::root());
    if abuse {
        load.arg("--abuse");
    }
    cmd::run(&mut load)
}
