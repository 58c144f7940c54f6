//! `cargo xtask bench kiosk`: 100 consecutive kiosk races of short unthrottled answers in
//! headless Chromium, sampling the JS heap (after a forced GC) and the DOM's element count.
//!
//! A kiosk runs for hours, so memory must stay flat and the element count bounded (lanes
//! hold rendered answers until the next race empties them, so the count depends on where in
//! a race the sample falls: between the empty floor and three finished answers). It prints a
//! table every ten races and one machine-readable `kiosk races=… heap_start_mb=… …` line.
//! For scale, it first runs the same requests from a plain-JS loop on a blank page: what the
//! browser itself keeps.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;
use sparkplug_e2e::{test_config, Harness};

/// Races measured by default; `--races N` runs more, to see whether a trend levels off.
const RACES: u64 = 100;
const SAMPLE_EVERY: u64 = 10;
/// Precise heap figures instead of Chromium's bucketed ones, and `gc()` to call before each
/// sample so the figure is live memory, not garbage not yet collected.
const CHROME_ARGS: [&str; 2] = ["--enable-precise-memory-info", "--js-flags=--expose-gc"];
/// Generous: a race of unthrottled answers takes well under a second.
const RACE_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> Result<()> {
    let races_wanted = match std::env::args().skip_while(|a| a != "--races").nth(1) {
        Some(n) => n.parse().context("--races takes a number")?,
        None => RACES,
    };
    let mut config = test_config();
    // Short answers at full speed and no pause: a hundred races in about a minute.
    config.kiosk.models = ["demo-max", "demo-20000", "demo-max"]
        .map(String::from)
        .to_vec();
    config.kiosk.pause_seconds = 0.0;
    let h = Harness::start_with_browser_args("bench_kiosk", config, &CHROME_ARGS).await?;
    h.run(async |h| {
        let (base_start, base_end) = baseline(h, races_wanted).await?;
        println!(
            "plain-JS baseline, same requests, {races_wanted} races: heap {base_start:.2} -> {base_end:.2} MB"
        );
        h.browser.goto(&format!("{}/kiosk", h.base)).await?;
        let first = wait_for_races(h, 1).await?;
        let start = sample(h, first).await?;
        println!(
            "{:>6} {:>9} {:>9} {:>7} {:>9}",
            "races", "heap MB", "wasm MB", "nodes", "seconds"
        );
        let began = Instant::now();
        print_row(&start, began);
        let mut last = start.clone();
        let mut next = first;
        while next < first + races_wanted {
            next = (next + SAMPLE_EVERY).min(first + races_wanted);
            let done = wait_for_races(h, next).await?;
            last = sample(h, done).await?;
            print_row(&last, began);
        }
        println!(
            "kiosk races={} heap_start_mb={:.2} heap_end_mb={:.2} nodes_start={} nodes_end={} wasm_start_mb={:.2} wasm_end_mb={:.2} baseline_heap_start_mb={:.2} baseline_heap_end_mb={:.2}",
            last.races - start.races,
            start.heap_mb,
            last.heap_mb,
            start.nodes,
            last.nodes,
            start.wasm_mb,
            last.wasm_mb,
            base_start,
            base_end
        );
        Ok(())
    })
    .await
}

#[derive(Debug, Clone)]
struct Sample {
    races: u64,
    heap_mb: f64,
    /// The wasm module's linear memory, where a leak in Rust code would show (it never
    /// shrinks, so growth is the signal).
    wasm_mb: f64,
    nodes: u64,
}

fn print_row(s: &Sample, began: Instant) {
    println!(
        "{:>6} {:>9.2} {:>9.2} {:>7} {:>9.1}",
        s.races,
        s.heap_mb,
        s.wasm_mb,
        s.nodes,
        began.elapsed().as_secs_f64()
    );
}

/// Waits until at least `n` races have ended; returns the count then.
async fn wait_for_races(h: &Harness, n: u64) -> Result<u64> {
    let what = format!("{n} races");
    h.wait_for(&what, RACE_TIMEOUT * 2, async |h| {
        if let Some(error) = h.attr("kiosk-error", "data-test").await? {
            bail!(
                "the kiosk did not start: {error} {}",
                h.text("kiosk-error").await?
            );
        }
        let races = races(h).await?;
        Ok((races >= n).then_some(races))
    })
    .await
}

async fn races(h: &Harness) -> Result<u64> {
    Ok(h.attr("kiosk-floor", "data-races")
        .await?
        .and_then(|r| r.parse().ok())
        .unwrap_or(0))
}

async fn sample(h: &Harness, races: u64) -> Result<Sample> {
    let v = h
        .js(
            "if (typeof gc === 'function') gc();
             const wasm = document.querySelector('[data-test=kiosk-floor]')?.dataset.wasmBytes;
             return [performance.memory.usedJSHeapSize, document.getElementsByTagName('*').length, Number(wasm)];",
            vec![],
        )
        .await?;
    let figure = |i: usize| v.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
    Ok(Sample {
        races,
        heap_mb: figure(0) / 1e6,
        nodes: figure(1) as u64,
        wasm_mb: figure(2) / 1e6,
    })
}

/// One race's requests from plain JS: the three lanes' streams fetched and read in full.
const PLAIN_RACES: &str = "
const [models, prompts, from, count, done] = arguments;
(async () => {
  for (let i = from; i < from + count; i++) {
    await Promise.all(models.map(model => fetch('/v1/chat/completions', {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({model, stream: true,
        messages: [{role: 'user', content: prompts[i % prompts.length]}]}),
    }).then(r => r.text())));
  }
  gc();
  done(performance.memory.usedJSHeapSize);
})().catch(e => done(String(e)));";

/// The JS heap before and after `races` races' worth of requests made by plain JS on a
/// page with no app (the server's health check), in MB.
async fn baseline(h: &Harness, races: u64) -> Result<(f64, f64)> {
    h.browser.goto(&format!("{}/healthz", h.base)).await?;
    let settings = sparkplug_e2e::Config::default().kiosk;
    let models = serde_json::json!(["demo-max", "demo-20000", "demo-max"]);
    let prompts = serde_json::json!(settings.prompts);
    let mut heap = Vec::new();
    let mut from = 0;
    // Batches keep each script well inside WebDriver's script timeout.
    for count in std::iter::once(1).chain(std::iter::repeat_n(
        SAMPLE_EVERY,
        (races / SAMPLE_EVERY) as usize,
    )) {
        let v = h
            .browser
            .execute_async(
                PLAIN_RACES,
                vec![models.clone(), prompts.clone(), from.into(), count.into()],
            )
            .await?;
        let Some(bytes) = v.as_f64() else {
            bail!("the plain-JS baseline failed: {v}");
        };
        heap.push(bytes / 1e6);
        from += count;
    }
    let (start, end) = (heap.first().copied(), heap.last().copied());
    Ok((start.unwrap_or(f64::NAN), end.unwrap_or(f64::NAN)))
}
