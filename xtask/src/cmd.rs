//! Running child processes the same way everywhere: echo the command, inherit output,
//! turn a non-zero exit into an error, and put the installed tools first on PATH.

use std::ffi::OsString;
use std::process::Command;

use crate::paths;

/// A `cargo` command from the toolchain that runs xtask.
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(cargo);
    command.current_dir(paths::root());
    command
}

/// PATH with npm's binaries (wasm-opt from binaryen) and cargo's first, so Trunk, which
/// runs offline, finds the tools setup installed rather than Debian's broken wasm-opt.
pub fn tool_path() -> OsString {
    let mut dirs = vec![paths::npm_bin(), paths::cargo_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// Runs a command to completion with inherited output; Err if it fails to start or exits non-zero.
pub fn run(command: &mut Command) -> Result<(), String> {
    eprintln!("+ {}", describe(command));
    let status = command
        .env("PATH", tool_path())
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(command)))
    }
}

/// Runs a command quietly and returns its trimmed stdout, or None if it cannot run or fails.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .env("PATH", tool_path())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
