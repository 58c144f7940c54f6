//! `cargo xtask bench loop`: every demo scenario's first prompt, with its checks, sent from
//! the app in headless Chromium with the fix loop on, at demo-1000 and at demo-52.
//!
//! Time to green is the app's own figure (Send to the first passing run). Each model's
//! scenarios run as new chats on one page, as a person would try them, so Python loads once.
//! It prints one row per scenario and one machine-readable `loop model=… scenarios=…
//! passed=… median_time_to_green_s=… median_attempts=…` line per model.

use std::time::Duration;

use anyhow::{anyhow, Result};
use sparkplug_e2e::{test_config, workspace_root, Config, Harness};
use sparkplug_server::scenario_file;

const MODELS: [&str; 2] = ["demo-1000", "demo-52"];
/// Generous: at 52 tokens/s a first answer and two fixes take about a minute.
const LOOP_TIMEOUT: Duration = Duration::from_secs(300);

/// How one scenario's loop ended.
struct Outcome {
    /// Milliseconds from Send to green, if it went green.
    green_ms: Option<f64>,
    attempts: usize,
    status: String,
}

#[tokio::main]
async fn main() -> Result<()> {
    let scenarios = scenario_file::embedded().map_err(|e| anyhow!("scenarios: {e}"))?;
    let config = Config {
        pyodide_dir: workspace_root().join(".tools/npm/node_modules/pyodide"),
        ..test_config()
    };
    let h = Harness::start("bench_loop", config).await?;
    h.run(async |h| {
        for model in MODELS {
            h.open("/").await?;
            h.choose_listed_model(model).await?;
            let mut greens = Vec::new();
            let mut attempts = Vec::new();
            for scenario in &scenarios {
                let outcome = play(h, &scenario.prompts[0], &scenario.checks.join("\n")).await?;
                println!(
                    "{model:>10} {:<32} {:>8} {:>2} attempts  {}",
                    scenario.name,
                    outcome
                        .green_ms
                        .map_or_else(|| "-".to_owned(), |ms| format!("{:.2} s", ms / 1000.0)),
                    outcome.attempts,
                    outcome.status
                );
                if let Some(ms) = outcome.green_ms {
                    greens.push(ms / 1000.0);
                    attempts.push(outcome.attempts as f64);
                }
            }
            println!(
                "loop model={model} scenarios={} passed={} median_time_to_green_s={:.2} median_attempts={:.1}",
                scenarios.len(),
                greens.len(),
                median(&mut greens),
                median(&mut attempts)
            );
        }
        Ok(())
    })
    .await
}

/// Sends `prompt` with `checks` in a new chat and waits for its loop to end.
async fn play(h: &Harness, prompt: &str, checks: &str) -> Result<Outcome> {
    h.click("new-chat").await?;
    h.js(
        "for (const [id, text] of [['loop-checks', arguments[0]], ['prompt', arguments[1]]]) {
           const e = document.querySelector(`[data-test=${id}]`);
           e.value = text; e.dispatchEvent(new Event('input'));
         }",
        vec![checks.into(), prompt.into()],
    )
    .await?;
    h.click("send").await?;
    let status = h
        .wait_for("the loop to end", LOOP_TIMEOUT, async |h| {
            let busy = h.attr("send", "disabled").await?.is_some();
            let status = h.text("status").await?;
            Ok((!busy && !status.is_empty()).then_some(status))
        })
        .await?;
    let green_ms = h
        .attr("time-to-green", "data-ms")
        .await?
        .and_then(|ms| ms.parse().ok());
    let attempts = h
        .js(
            "return document.querySelectorAll('[data-test=attempt]').length;",
            vec![],
        )
        .await?
        .as_u64()
        .unwrap_or(0) as usize;
    Ok(Outcome {
        green_ms,
        attempts,
        status,
    })
}

/// The median of `values` (0 when there are none).
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}
