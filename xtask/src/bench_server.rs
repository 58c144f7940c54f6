//! `cargo xtask bench server [--abuse]`: the load benchmark against the server as it is
//! deployed (the `server` cargo profile), with attackers alongside under `--abuse`; without
//! them, then the scaling curve: the most streams at 1k and 20k tok/s that hold their rate.

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
    let load = || {
        let mut load = Command::new(paths::root().join("target/server/examples/load"));
        load.current_dir(paths::root());
        load
    };
    let mut streams = load();
    streams.args(["--streams", "200", "--rate", "1000", "--duration", "10"]);
    if abuse {
        streams.arg("--abuse");
    }
    cmd::run(&mut streams)?;
    if abuse {
        return Ok(());
    }
    // Short windows keep the search to a few minutes: about ten steps per rate.
    cmd::run(load().args(["--capacity", "--duration", "3"]))
}
