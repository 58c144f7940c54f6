//! `cargo xtask`: the project's one entry point for setting up a machine, serving the app,
//! running every test, benchmarking and inspecting recorded streams.

mod bench_server;
mod build;
mod cmd;
mod inspect;
mod paths;
mod serve;
mod setup;
mod test;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup                 install what is missing (wasm target, Trunk, wasm-bindgen-cli,
                        wasm-opt, Chromium, ChromeDriver, npm and pip packages)
  serve [--port P]      setup, build the app in release mode, serve it with the demo
                        models at http://127.0.0.1:P (default 8080)
  test                  setup, then native, wasm (headless Chromium) and end-to-end tests
  bench [render|server [--abuse]|parse|kiosk]
                        benchmarks that print numbers (all of them by default);
                        `server --abuse` attacks the server while it streams
  inspect-stream [--format openai-chat|openai-responses|anthropic|ollama|auto]
                 [--chunks whole|bytes:N|random:SEED] FILE
                        reduce a recorded stream to one JSON object
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "setup" => setup::run(),
        "serve" => serve::run(rest),
        "test" => test::run(rest),
        "bench" => bench(rest),
        "inspect-stream" => inspect::run(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn bench(args: &[String]) -> Result<(), String> {
    let which = args.first().map(String::as_str).unwrap_or("all");
    let known = ["render", "server", "parse", "kiosk", "all"];
    if !known.contains(&which) {
        return Err(format!("unknown benchmark `{which}` (one of {known:?})"));
    }
    let abuse = match &args[args.len().min(1)..] {
        [] => false,
        [flag] if flag == "--abuse" && which == "server" => true,
        other => return Err(format!("unexpected {other:?}\n\n{USAGE}")),
    };
    setup::run()?;
    if matches!(which, "parse" | "all") {
        cmd::run(cmd::cargo().args(["bench", "-p", "sparkplug-core"]))?;
    }
    if matches!(which, "server" | "all") {
        bench_server::run(abuse)?;
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
