//! `cargo xtask bench [render|server|parse|kiosk]`: the benchmarks, each printing its
//! numbers; speed and memory targets are read from these, never from timed tests.

use crate::{build, cmd, paths, setup};

pub const USAGE: &str = "\
bench [render|server|parse|kiosk]
                        benchmarks that print numbers (all of them by default)";

pub fn run(args: &[String]) -> Result<(), String> {
    let which = args.first().map(String::as_str).unwrap_or("all");
    let known = ["render", "server", "parse", "kiosk", "all"];
    if !known.contains(&which) {
        return Err(format!("unknown benchmark `{which}` (one of {known:?})"));
    }
    setup::run()?;
    if matches!(which, "parse" | "all") {
        cmd::run(cmd::cargo().args(["bench", "-p", "sparkplug-core"]))?;
    }
    if matches!(which, "server" | "all") {
        // The load generator runs the server as its own process, so the server's peak
        // memory is measured alone.
        cmd::run(cmd::cargo().args([
            "build",
            "--release",
            "-p",
            "sparkplug-server",
            "--bin",
            "sparkplug-server",
            "--example",
            "load",
        ]))?;
        cmd::run(
            std::process::Command::new(paths::root().join("target/release/examples/load"))
                .args(["--streams", "200", "--rate", "1000", "--duration", "10"])
                .current_dir(paths::root()),
        )?;
    }
    let browser_benches: Vec<&str> = ["render", "kiosk"]
        .into_iter()
        .filter(|b| which == *b || which == "all")
        .collect();
    if !browser_benches.is_empty() {
        // One release build of the app serves every browser benchmark.
        build::app_release()?;
    }
    for bench in browser_benches {
        cmd::run(
            cmd::cargo()
                .args(["run", "--release", "-p", "sparkplug-e2e", "--bin"])
                .arg(format!("bench-{bench}"))
                .env("SPARKPLUG_DIST", paths::dist()),
        )?;
    }
    Ok(())
}
