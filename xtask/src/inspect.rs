//! `cargo xtask inspect-stream`: reduce a recorded provider stream to one JSON object
//! (text, reasoning, refusal, tool calls, finish reason, usage, error, done) to debug it.

use std::path::PathBuf;

use sparkplug_core::provider::detect::detect_format;
use sparkplug_core::provider::ApiFormat;
use sparkplug_core::stream::reduce::{reduce_body, Chunking};

pub const USAGE: &str = "\
inspect-stream [--format openai-chat|openai-responses|anthropic|ollama|auto]
               [--chunks whole|bytes:N|random:SEED] FILE
                        reduce a recorded stream to one JSON object";

/// The usage line for errors.
fn usage() -> String {
    crate::command_usage(USAGE)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut format = "auto".to_string();
    let mut chunks = "whole".to_string();
    let mut file = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--format" => format = rest.next().ok_or_else(usage)?.clone(),
            "--chunks" => chunks = rest.next().ok_or_else(usage)?.clone(),
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option `{flag}`\n{}", usage()))
            }
            path if file.is_none() => file = Some(PathBuf::from(path)),
            _ => return Err(usage()),
        }
    }
    let file = file.ok_or_else(usage)?;
    let body = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let format = if format == "auto" {
        detect_format(&body).ok_or_else(|| {
            format!(
                "cannot tell the format of {}: pass --format",
                file.display()
            )
        })?
    } else {
        format
            .parse::<ApiFormat>()
            .map_err(|e| format!("{e}\n{}", usage()))?
    };
    let chunking = chunks
        .parse::<Chunking>()
        .map_err(|e| format!("{e}\n{}", usage()))?;
    let reduction = reduce_body(format, &body, chunking);
    let json = serde_json::to_string_pretty(&reduction).map_err(|e| e.to_string())?;
    println!("{json}");
    Ok(())
}
