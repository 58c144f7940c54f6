//! `cargo xtask`: the project's one entry point for setting up a machine, serving the app,
//! running every test, benchmarking and inspecting recorded streams.

mod bench;
mod bench_server;
mod build;
mod cmd;
mod inspect;
mod paths;
mod serve;
mod setup;
mod test;

use std::process::ExitCode;

/// One xtask command: its name, its usage text (printed for `--help`) and what runs it.
struct Task {
    name: &'static str,
    usage: &'static str,
    run: fn(&[String]) -> Result<(), String>,
}

const TASKS: [Task; 5] = [
    Task {
        name: "setup",
        usage: setup::USAGE,
        run: setup::run_command,
    },
    Task {
        name: "serve",
        usage: serve::USAGE,
        run: serve::run,
    },
    Task {
        name: "test",
        usage: test::USAGE,
        run: test::run,
    },
    Task {
        name: "bench",
        usage: bench::USAGE,
        run: bench::run,
    },
    Task {
        name: "inspect-stream",
        usage: inspect::USAGE,
        run: inspect::run,
    },
];

/// One command's usage text, as `--help` and a wrong argument print it.
pub fn command_usage(usage: &str) -> String {
    let mut text = String::from("usage: cargo xtask …\n");
    for line in usage.lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn usage() -> String {
    let mut text = String::from("usage: cargo xtask <command> [--help]\n\ncommands:\n");
    for task in &TASKS {
        text.push_str(task.usage);
        text.push('\n');
    }
    text
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{}", usage());
        return ExitCode::from(2);
    };
    if matches!(command.as_str(), "-h" | "--help" | "help") {
        print!("{}", usage());
        return ExitCode::SUCCESS;
    }
    let Some(task) = TASKS.iter().find(|t| t.name == command) else {
        eprint!("xtask: unknown command `{command}`\n\n{}", usage());
        return ExitCode::from(2);
    };
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        print!("{}", command_usage(task.usage));
        return ExitCode::SUCCESS;
    }
    match (task.run)(rest) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
