//! `cargo xtask test`: setup, then every test: native crates, the app's wasm tests in headless
//! Chromium, and the end-to-end tests against a release build. Fails if anything fails.

use std::time::Instant;

use crate::{build, cmd, paths, setup};

pub const USAGE: &str = "\
test                    setup, then formatting and lints (rustfmt, clippy -D warnings,
                        native and wasm32), native, wasm (headless Chromium) and
                        end-to-end tests
test e2e [FILTER]       rebuild the app, then only the end-to-end tests whose name
                        holds FILTER (e.g. `kiosk::`)";

pub fn run(args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    match args {
        [] => {}
        [e2e, filter @ ..] if e2e == "e2e" && filter.len() <= 1 => {
            setup::run()?;
            return end_to_end(filter.first().map(String::as_str));
        }
        _ => return Err(crate::command_usage(USAGE)),
    }
    setup::run()?;
    let mut failed = Vec::new();

    phase("formatting and lints", &mut failed, lints);
    phase("native tests", &mut failed, || {
        cmd::run(
            cmd::cargo()
                .args([
                    "test",
                    "-p",
                    "sparkplug-core",
                    "-p",
                    "sparkplug-server",
                    "-p",
                    "xtask",
                ])
                .env("SPARKPLUG_PYTHON", paths::venv_python()),
        )
    });
    phase("wasm tests (headless Chromium)", &mut failed, || {
        cmd::run(
            cmd::cargo()
                .args([
                    "test",
                    "-p",
                    "sparkplug",
                    "--target",
                    "wasm32-unknown-unknown",
                ])
                .env("CHROMEDRIVER", paths::CHROMEDRIVER)
                // webdriver.json in the root carries the headless Chromium flags.
                .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
        )
    });
    phase("end-to-end tests (headless Chromium)", &mut failed, || {
        end_to_end(None)
    });

    eprintln!("test: finished in {:.0} s", started.elapsed().as_secs_f64());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}

/// A release build of the app, then the end-to-end tests (those whose name holds `filter`),
/// one at a time: they share one machine's Chromium and would time each other out.
fn end_to_end(filter: Option<&str>) -> Result<(), String> {
    build::app_release()?;
    cmd::run(
        cmd::cargo()
            .args(["test", "--no-fail-fast", "-p", "sparkplug-e2e", "--"])
            .args(filter)
            .arg("--test-threads=1")
            .env("SPARKPLUG_DIST", paths::dist()),
    )
}

/// rustfmt's check, then clippy with warnings as errors: natively for every crate but the
/// app, and for wasm32 for the app (its code only builds for the browser).
fn lints() -> Result<(), String> {
    cmd::run(cmd::cargo().args(["fmt", "--all", "--check"]))?;
    cmd::run(cmd::cargo().args([
        "clippy",
        "--workspace",
        "--exclude",
        "sparkplug",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    cmd::run(cmd::cargo().args([
        "clippy",
        "-p",
        "sparkplug",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// Runs one phase and records its failure without stopping the others, so one red phase
/// still shows what the rest say.
fn phase(
    name: &'static str,
    failed: &mut Vec<&'static str>,
    body: impl FnOnce() -> Result<(), String>,
) {
    eprintln!("test: === {name} ===");
    if let Err(message) = body() {
        eprintln!("test: {name} FAILED: {message}");
        failed.push(name);
    }
}
