//! `cargo xtask serve [--port P]`: setup, release build of the app, then the server with
//! the demo models on 127.0.0.1, in the foreground until Ctrl-C.

use crate::{build, cmd, paths, setup};

pub const USAGE: &str = "\
serve [--port P]        setup, build the app in release mode, serve it with the demo
                        models at http://127.0.0.1:P (default 8080)";

pub fn run(args: &[String]) -> Result<(), String> {
    let port = parse_port(args)?;
    setup::run()?;
    build::app_release()?;
    let addr = format!("127.0.0.1:{port}");
    eprintln!("serve: starting the server; open http://{addr}");
    cmd::run(
        cmd::cargo()
            // The `server` profile unwinds, so a panicking handler costs one request.
            .args(["run", "--profile", "server", "-p", "sparkplug-server", "--"])
            .arg("--addr")
            .arg(&addr)
            .arg("--dist")
            .arg(paths::dist()),
    )
}

fn parse_port(args: &[String]) -> Result<u16, String> {
    match args {
        [] => Ok(8080),
        [flag, value] if flag == "--port" => value
            .parse()
            .map_err(|_| format!("--port takes a number from 1 to 65535, not `{value}`")),
        _ => Err(crate::command_usage(USAGE)),
    }
}
