//! `cargo xtask bench [render|server [--abuse]|parse|kiosk|loop]`: the benchmarks, each printing
//! its numbers; speed and memory targets are read from these, never from timed tests.

use crate::{bench_server, build, cmd, paths, setup};

pub const USAGE: &str = "\
bench [render [--answer long,chat] [--rate 1000,5000,20000,100000,max] [--cpu 1,4]
              [--part matrix,cold,session]|server [--abuse]|parse|kiosk|loop]
                        benchmarks that print numbers (all of them by default);
                        `render` options pick a subset (each defaults to all);
                        `server --abuse` attacks the server while it streams;
                        `loop` plays every demo scenario's fix loop in the app";

pub fn run(args: &[String]) -> Result<(), String> {
    let which = args.first().map(String::as_str).unwrap_or("all");
    let known = ["render", "server", "parse", "kiosk", "loop", "all"];
    if !known.contains(&which) {
        return Err(format!("unknown benchmark `{which}` (one of {known:?})"));
    }
    let rest = &args[args.len().min(1)..];
    // The render benchmark checks its own options; the others take none but `--abuse`.
    let abuse = match rest {
        _ if which == "render" => false,
        [] => false,
        [flag] if flag == "--abuse" && which == "server" => true,
        _ => return Err(crate::command_usage(USAGE)),
    };
    setup::run()?;
    if matches!(which, "parse" | "all") {
        cmd::run(cmd::cargo().args(["bench", "-p", "sparkplug-core"]))?;
    }
    if matches!(which, "server" | "all") {
        bench_server::run(abuse)?;
    }
    let browser_benches: Vec<&str> = ["render", "kiosk", "loop"]
        .into_iter()
        .filter(|b| which == *b || which == "all")
        .collect();
    if !browser_benches.is_empty() {
        // One release build of the app serves every browser benchmark.
        build::app_release()?;
    }
    for bench in browser_benches {
        let options: &[String] = if bench == "render" { rest } else { &[] };
        cmd::run(
            cmd::cargo()
                .args(["run", "--release", "-p", "sparkplug-e2e", "--bin"])
                .arg(format!("bench-{bench}"))
                .arg("--")
                .args(options)
                .env("SPARKPLUG_DIST", paths::dist()),
        )?;
    }
    Ok(())
}
