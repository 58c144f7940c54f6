//! `cargo xtask setup`: installs, only where missing, every tool the build and the tests need,
//! saying what it checks and what it does. Safe to run again: a machine that has it all is a no-op.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::{cmd, paths};

const TRUNK_SERIES: &str = "0.21";

pub const USAGE: &str = "\
setup                   install what is missing (wasm target, Trunk, wasm-bindgen-cli,
                        wasm-opt, Chromium, ChromeDriver, npm and pip packages)";

/// `cargo xtask setup`: takes no arguments.
pub fn run_command(args: &[String]) -> Result<(), String> {
    match args {
        [] => run(),
        _ => Err(crate::command_usage(USAGE)),
    }
}

pub fn run() -> Result<(), String> {
    let started = Instant::now();
    eprintln!("setup: checking tools; anything missing is installed");
    wasm_target()?;
    trunk()?;
    wasm_bindgen_cli()?;
    chromium()?;
    npm_packages()?;
    python_venv()?;
    crate::build::editor_bundle()?;
    eprintln!(
        "setup: all tools present ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn step_ok(what: &str, detail: &str) {
    eprintln!("setup: {what}: ok ({detail})");
}

fn step_install(what: &str, why: &str) {
    eprintln!("setup: {what}: installing ({why})");
}

fn wasm_target() -> Result<(), String> {
    let target = "wasm32-unknown-unknown";
    let installed = cmd::output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == target) {
        step_ok("wasm target", target);
        return Ok(());
    }
    step_install("wasm target", "not installed");
    cmd::run(Command::new("rustup").args(["target", "add", target]))
}

fn trunk() -> Result<(), String> {
    let version = cmd::output("trunk", &["--version"]).unwrap_or_default();
    if version.starts_with(&format!("trunk {TRUNK_SERIES}.")) {
        step_ok("trunk", &version);
        return Ok(());
    }
    let why = if version.is_empty() {
        "not found".to_string()
    } else {
        format!("found {version}, need {TRUNK_SERIES}.x: 0.22 needs a newer rustc")
    };
    step_install(
        "trunk",
        &format!("{why}; takes about 10 minutes on 2 cores"),
    );
    cmd::run(cmd::cargo().args([
        "install",
        "--locked",
        "trunk",
        "--version",
        &format!("~{TRUNK_SERIES}"),
    ]))
}

/// The exact wasm-bindgen version in Cargo.lock: the CLI must match it or the build fails.
fn locked_wasm_bindgen_version() -> Result<String, String> {
    let lock = fs::read_to_string(paths::root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(version.to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

fn wasm_bindgen_cli() -> Result<(), String> {
    let want = locked_wasm_bindgen_version()?;
    let have = cmd::output("wasm-bindgen", &["--version"]).unwrap_or_default();
    let runner = cmd::output("wasm-bindgen-test-runner", &["--version"]).unwrap_or_default();
    if have == format!("wasm-bindgen {want}") && runner.ends_with(&want) {
        step_ok("wasm-bindgen-cli", &have);
        return Ok(());
    }
    step_install(
        "wasm-bindgen-cli",
        &format!("need {want} to match Cargo.lock, found `{have}`"),
    );
    // Not --locked: the CLI's own lock file wants a crate version the registry mirror lacks.
    cmd::run(cmd::cargo().args(["install", "wasm-bindgen-cli", "--force", "--version", &want]))
}

fn chromium() -> Result<(), String> {
    let have_browser = Path::new(paths::CHROMIUM).exists();
    let have_driver = Path::new(paths::CHROMEDRIVER).exists();
    if have_browser && have_driver {
        let version = cmd::output(paths::CHROMEDRIVER, &["--version"]).unwrap_or_default();
        step_ok("chromium + chromedriver", &version);
        return Ok(());
    }
    step_install("chromium + chromedriver", "Debian packages missing");
    let root = cmd::output("id", &["-u"]).as_deref() == Some("0");
    let apt = |args: &[&str]| {
        let mut command = if root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.args(["-n", "apt-get"]);
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd::run(&mut command)
    };
    apt(&["update", "-q"])?;
    apt(&["install", "-y", "-q", "chromium", "chromium-driver"])
}

/// Installs a committed manifest into a git-ignored folder when the manifest changed,
/// remembering what was installed in a stamp file.
fn stamped(
    what: &str,
    manifest: &Path,
    stamp: &Path,
    present: &Path,
    install: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    let wanted = fs::read_to_string(manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let installed = fs::read_to_string(stamp).unwrap_or_default();
    if installed == wanted && present.exists() {
        step_ok(what, &format!("{} unchanged", manifest.display()));
        return Ok(());
    }
    step_install(
        what,
        &format!("{} changed or not installed", manifest.display()),
    );
    install()?;
    fs::write(stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

fn npm_packages() -> Result<(), String> {
    let prefix = paths::npm_prefix();
    let source = paths::tool_manifests();
    let lock = source.join("package-lock.json");
    stamped(
        "npm packages (wasm-opt, Pyodide, CodeMirror, esbuild, axe-core)",
        &lock,
        &prefix.join(".installed-lock"),
        &paths::npm_bin().join("wasm-opt"),
        || {
            fs::create_dir_all(&prefix)
                .map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
            for file in ["package.json", "package-lock.json"] {
                fs::copy(source.join(file), prefix.join(file))
                    .map_err(|e| format!("cannot copy {file}: {e}"))?;
            }
            cmd::run(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(&prefix),
            )
        },
    )
}

fn python_venv() -> Result<(), String> {
    let requirements = paths::tool_manifests().join("requirements.txt");
    let venv = paths::venv();
    stamped(
        "python venv (openai client)",
        &requirements,
        &venv.join(".installed-requirements"),
        &paths::venv_python(),
        || {
            if !paths::venv_python().exists() {
                cmd::run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
            }
            cmd::run(
                Command::new(paths::venv_python())
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "-r",
                    ])
                    .arg(&requirements),
            )
        },
    )
}
