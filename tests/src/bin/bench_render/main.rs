//! `cargo xtask bench render`: the ~20,000-token `/long` demo answer streamed at 1k, 5k, 20k
//! tokens/s and unthrottled into the app and into a plain-JS baseline page in headless Chromium.
//!
//! Both pages get the same instrumentation (`tests/bench/instrument.js`, which documents what
//! each figure means) and the same bytes from the same demo server. It prints a table with each
//! app figure's ratio to the baseline, the issue's targets, and one `render …` line per run.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use sparkplug_e2e::{copy_dir, dist_dir, test_config, Config, Harness};

/// Rates in tokens/s; 0 is the unthrottled `demo-max`.
const RATES: [u32; 4] = [1000, 5000, 20000, 0];
const PROMPT: &str = "/long";
const INSTRUMENT: &str = include_str!("../../bench/instrument.js");
const BASELINE_HTML: &str = include_str!("../../bench/baseline.html");
const BASELINE_JS: &str = include_str!("../../bench/baseline.js");
/// Samples the app's live rate every frame, for the meter-accuracy line.
const LIVE_SAMPLER: &str = "window.__live = [];
(function sample() {
  const v = document.querySelector('[data-test=meter-live]')?.getAttribute('data-value');
  if (v) window.__live.push([performance.now(), Number(v)]);
  if (window.__bench.recording) requestAnimationFrame(sample);
})();";
/// Quiet time after the last DOM change before a run's figures are read.
const SETTLE: Duration = Duration::from_millis(400);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Baseline,
    App,
}

impl Page {
    fn name(self) -> &'static str {
        match self {
            Page::Baseline => "baseline",
            Page::App => "app",
        }
    }
}

/// One run's figures.
#[derive(Debug, Default, Clone)]
struct Metrics {
    tokens: f64,
    /// Tokens/s as the page saw them: the app's final meter figure, the baseline's own sum
    /// (none when the whole answer arrived in one chunk).
    observed: Option<f64>,
    p95_gap_ms: f64,
    max_gap_ms: f64,
    long_tasks: usize,
    last_paint_ms: f64,
    script_ms_per_1k: f64,
    heap_mb: f64,
    wasm_mb: Option<f64>,
    /// App at a set rate: the live rate's errors after the first second.
    live_error: Option<LiveError>,
    /// App: the final figure's distance from usage / (last text − first text).
    final_error: Option<f64>,
    /// The longest animation frame over 50 ms, to say where a long task's time went.
    worst_frame: Option<LongFrame>,
}

/// How far the live figure strayed from the demo's rate, sampled every frame.
#[derive(Debug, Clone, Copy)]
struct LiveError {
    worst: f64,
    median: f64,
    samples: usize,
}

/// A long animation frame's time: in total, in script (of which forced style and layout),
/// and in style, layout and paint after the frame's scripts.
#[derive(Debug, Clone, Copy)]
struct LongFrame {
    duration: f64,
    script: f64,
    forced_layout: f64,
    rendering: f64,
}

fn worst_frame(frames: &Value, from: f64, to: f64) -> Option<LongFrame> {
    frames
        .as_array()?
        .iter()
        .filter(|f| f["start"].as_f64().is_some_and(|s| s >= from && s <= to))
        .map(|f| {
            let scripts = f["scripts"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            let sum = |key: &str| scripts.iter().filter_map(|s| s[key].as_f64()).sum::<f64>();
            let start = f["start"].as_f64().unwrap_or(0.0);
            let duration = f["duration"].as_f64().unwrap_or(0.0);
            // Style, layout and paint begin after the frame's rAF callbacks.
            let layout_start = f["styleAndLayoutStart"]
                .as_f64()
                .filter(|&r| r > 0.0)
                .unwrap_or(start + duration);
            LongFrame {
                duration,
                script: sum("duration"),
                forced_layout: sum("forced"),
                rendering: start + duration - layout_start,
            }
        })
        .max_by(|a, b| a.duration.total_cmp(&b.duration))
}

/// `bench-render [RATE…]`: the given rates (0 = unthrottled) instead of all four.
#[tokio::main]
async fn main() -> Result<()> {
    let rates: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| {
            a.parse()
                .with_context(|| format!("`{a}` is not a rate in tokens/s"))
        })
        .collect::<Result<_>>()?;
    let rates = if rates.is_empty() {
        RATES.to_vec()
    } else {
        rates
    };
    let dist = dist_dir();
    let downloads = download_sizes(&dist)?;
    let load_before = load_average();
    let served = prepare_dist(&dist)?;
    let config = Config {
        dist_dir: served.clone(),
        ..test_config()
    };
    let h = Harness::start_with_browser_args(
        "bench_render",
        config,
        &["--enable-precise-memory-info", "--js-flags=--expose-gc"],
    )
    .await?;
    let mut results: Vec<(u32, Page, Metrics)> = Vec::new();
    let outcome = h
        .run(async |h| {
            for &rate in &rates {
                for page in [Page::Baseline, Page::App] {
                    eprint!("bench-render: {} at {} … ", page.name(), rate_name(rate));
                    std::io::stderr().flush().ok();
                    let metrics = run_once(h, page, rate).await?;
                    eprintln!("done");
                    results.push((rate, page, metrics));
                }
            }
            Ok(())
        })
        .await;
    std::fs::remove_dir_all(&served).ok();
    outcome?;
    let load = format!("{load_before} before, {} after", load_average());
    print!("{}", report(&results, &downloads, &load));
    Ok(())
}

fn rate_name(rate: u32) -> String {
    if rate == 0 {
        "unthrottled".into()
    } else {
        format!("{rate} tok/s")
    }
}

/// Streams `/long` at `rate` into `page` and reads the instrumentation.
async fn run_once(h: &Harness, page: Page, rate: u32) -> Result<Metrics> {
    let model = if rate == 0 {
        "demo-max".to_string()
    } else {
        format!("demo-{rate}")
    };
    match page {
        Page::App => h.open("/").await?,
        // Not the app, so not `open`, which waits for the app to start.
        Page::Baseline => {
            h.browser
                .goto(&format!("{}/bench-baseline.html", h.base))
                .await?
        }
    }
    let ready = match page {
        Page::App => "return !!document.querySelector('[data-test=send]');",
        Page::Baseline => "return typeof window.startBaseline === 'function';",
    };
    h.wait_for("the page", Duration::from_secs(20), async |h| {
        Ok(h.js(ready, vec![])
            .await?
            .as_bool()
            .unwrap_or(false)
            .then_some(()))
    })
    .await?;
    let target = match page {
        Page::App => "[data-test=answer]",
        Page::Baseline => "#out",
    };
    h.js(INSTRUMENT, vec![json!(target)]).await?;
    match page {
        Page::App => {
            h.js(LIVE_SAMPLER, vec![]).await?;
            h.use_model(&model).await?;
            h.js(
                "const p = document.querySelector('[data-test=prompt]'); p.value = arguments[0]; p.dispatchEvent(new Event('input'));",
                vec![json!(PROMPT)],
            )
            .await?;
            h.click("send").await?;
        }
        Page::Baseline => {
            h.js(
                "window.startBaseline(arguments[0], arguments[1]);",
                vec![json!(model), json!(PROMPT)],
            )
            .await?;
        }
    }
    let finished = match page {
        Page::App => {
            "return !!document.querySelector('[data-test=status]')?.getAttribute('data-chars');"
        }
        Page::Baseline => "return !!window.__baseline?.done;",
    };
    h.wait_for("the run to end", Duration::from_secs(120), async |h| {
        Ok(h.js(finished, vec![])
            .await?
            .as_bool()
            .unwrap_or(false)
            .then_some(()))
    })
    .await?;
    // Let the last frames paint, then stop recording.
    h.wait_for("the page to settle", Duration::from_secs(10), async |h| {
        let quiet = h
            .js(
                "const b = window.__bench; return b.lastPaint !== null && b.lastPaint >= b.lastMutation && performance.now() - b.lastMutation > arguments[0];",
                vec![json!(SETTLE.as_millis() as f64)],
            )
            .await?;
        Ok(quiet.as_bool().unwrap_or(false).then_some(()))
    })
    .await?;
    let seen = h
        .js(
            "window.__bench.recording = false;
             if (window.gc) window.gc();
             const b = window.__bench;
             const value = (id) => document.querySelector(`[data-test=${id}]`)?.getAttribute('data-value');
             return { bench: b, heap: performance.memory ? performance.memory.usedJSHeapSize : null,
               wasm: window.__benchWasm?.memory?.buffer?.byteLength ?? null,
               live: window.__live ?? null, baseline: window.__baseline ?? null,
               final: value('meter-final') ?? null };",
            vec![],
        )
        .await?;
    metrics(page, rate, &seen)
}

fn number(value: &Value, what: &str) -> Result<f64> {
    value
        .as_f64()
        .with_context(|| format!("the page did not report {what}: {value}"))
}

/// Turns what the page recorded into figures.
fn metrics(page: Page, rate: u32, seen: &Value) -> Result<Metrics> {
    let bench = &seen["bench"];
    let first_byte = number(&bench["firstByte"], "the first byte")?;
    let last_byte = number(&bench["lastByte"], "the last byte")?;
    let last_paint = number(&bench["lastPaint"], "the last paint")?;
    let first_text = number(&bench["firstContent"], "the first text")?;
    let last_text = number(&bench["lastContent"], "the last text")?;
    let usage = number(&bench["usage"], "usage")?;
    if usage <= 0.0 {
        bail!("no tokens streamed: {bench}");
    }
    let frames: Vec<f64> = bench["frames"]
        .as_array()
        .map(|f| f.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    let gaps = frame_gaps(&frames, first_byte, last_paint);
    let long_tasks = bench["longTasks"]
        .as_array()
        .map(|tasks| {
            tasks
                .iter()
                .filter(|t| {
                    let start = t["start"].as_f64().unwrap_or(f64::NAN);
                    let end = start + t["duration"].as_f64().unwrap_or(0.0);
                    end >= first_byte && start <= last_paint
                })
                .count()
        })
        .unwrap_or(0);
    let script = number(&bench["rafScript"], "rAF script time")?
        + number(&bench["streamScript"], "stream script time")?;
    // Unthrottled, the whole answer may come in one chunk: then there is no span and no rate.
    let per_second =
        |tokens: f64, span_ms: f64| (span_ms > 0.0).then(|| tokens / (span_ms / 1000.0));
    let true_rate = per_second(usage, last_text - first_text);
    let (observed, final_error) = match page {
        Page::App => {
            let shown = seen["final"].as_str().and_then(|v| v.parse::<f64>().ok());
            let error = shown.zip(true_rate).map(|(s, t)| (s - t).abs() / t);
            (shown, error)
        }
        Page::Baseline => {
            let b = &seen["baseline"];
            let span = number(&b["last"], "the baseline's last text")?
                - number(&b["first"], "the baseline's first text")?;
            (
                per_second(number(&b["usage"], "the baseline's usage")?, span),
                None,
            )
        }
    };
    let live_error = (page == Page::App && rate > 0).then(|| {
        let samples: Vec<f64> = seen["live"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|s| {
                s[0].as_f64()
                    .is_some_and(|t| t >= first_text + 1000.0 && t <= last_text)
            })
            .filter_map(|s| s[1].as_f64())
            .collect();
        let errors: Vec<f64> = samples
            .iter()
            .map(|v| (v - f64::from(rate)).abs() / f64::from(rate))
            .collect();
        LiveError {
            worst: errors.iter().copied().fold(0.0, f64::max),
            median: percentile(&errors, 0.5),
            samples: errors.len(),
        }
    });
    Ok(Metrics {
        tokens: usage,
        observed,
        p95_gap_ms: percentile(&gaps, 0.95),
        max_gap_ms: gaps.iter().copied().fold(0.0, f64::max),
        long_tasks,
        last_paint_ms: last_paint - last_byte,
        script_ms_per_1k: script / usage * 1000.0,
        heap_mb: seen["heap"].as_f64().unwrap_or(f64::NAN) / 1_048_576.0,
        wasm_mb: seen["wasm"].as_f64().map(|b| b / 1_048_576.0),
        live_error,
        final_error,
        worst_frame: worst_frame(&bench["longFrames"], first_byte, last_paint),
    })
}

/// Gaps between consecutive frames from the first at or after `from` to the first at or
/// after `to` (so the frame that painted the end counts).
fn frame_gaps(frames: &[f64], from: f64, to: f64) -> Vec<f64> {
    let start = frames
        .iter()
        .position(|&f| f >= from)
        .unwrap_or(frames.len());
    let end = frames[start..]
        .iter()
        .position(|&f| f >= to)
        .map_or(frames.len(), |p| start + p + 1);
    frames[start..end].windows(2).map(|w| w[1] - w[0]).collect()
}

fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let index = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

/// A copy of the build with the baseline page and, in `index.html`, a handle on the wasm
/// instance (for its memory size). The app itself is unchanged.
fn prepare_dist(dist: &Path) -> Result<PathBuf> {
    if !dist.join("index.html").exists() {
        bail!(
            "no app build in {} (cargo xtask bench render builds it)",
            dist.display()
        );
    }
    let served = std::env::temp_dir().join(format!("sparkplug-bench-{}", std::process::id()));
    copy_dir(dist, &served)?;
    let index_path = served.join("index.html");
    let index = std::fs::read_to_string(&index_path)?;
    // The boot script's start of the module, which returns the wasm instance's exports.
    let hook = "await init({ module_or_path: wasm });";
    if index.contains(hook) {
        let patched = index.replace(hook, &format!("window.__benchWasm = {hook}"));
        std::fs::write(&index_path, patched)?;
    } else {
        eprintln!("bench-render: index.html has no `{hook}`; wasm memory will not be reported");
    }
    std::fs::write(served.join("bench-baseline.html"), BASELINE_HTML)?;
    std::fs::write(served.join("bench-baseline.js"), BASELINE_JS)?;
    Ok(served)
}

/// Each page and the wasm module `index.html`'s boot script loads for it.
const PAGE_MODULES: [(&str, &str); 3] = [
    ("app", "sparkplug"),
    ("kiosk", "sparkplug-kiosk"),
    ("embed", "sparkplug-embed"),
];

/// Gzipped sizes (level 9) of what one page downloads at start: `index.html`, the CSS (and
/// any script) it names, and the page's module: its JS glue, what that glue imports
/// statically, and its wasm. Files loaded later (an editor bundle, sandbox pages, modules
/// the page imports on demand) are not part of the start.
#[derive(Debug, Default)]
struct Download {
    html: u64,
    css: u64,
    js: u64,
    wasm: u64,
}

impl Download {
    fn total(&self) -> u64 {
        self.html + self.css + self.js + self.wasm
    }
}

/// The start-up download of every page, and each other module in the build (loaded after
/// start) with its glue and wasm gzipped.
#[derive(Debug, Default)]
struct Downloads {
    pages: Vec<(&'static str, Download)>,
    later: Vec<(String, u64)>,
}

fn download_sizes(dist: &Path) -> Result<Downloads> {
    let index_path = dist.join("index.html");
    let index = std::fs::read_to_string(&index_path)
        .with_context(|| format!("reading {}", index_path.display()))?;
    let mut downloads = Downloads::default();
    for (page, module) in PAGE_MODULES {
        let mut files = initial_files(&index);
        for file in module_files(dist, module)? {
            if !files.contains(&file) {
                files.push(file);
            }
        }
        let mut sizes = Download {
            html: gzipped(&index_path)?,
            ..Download::default()
        };
        for path in files {
            let slot = match Path::new(&path).extension().and_then(|e| e.to_str()) {
                Some("wasm") => &mut sizes.wasm,
                Some("js") => &mut sizes.js,
                _ => &mut sizes.css,
            };
            *slot += gzipped(&dist.join(path.trim_start_matches('/')))?;
        }
        downloads.pages.push((page, sizes));
    }
    for entry in std::fs::read_dir(dist)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let Some(module) = name.strip_suffix("_bg.wasm") else {
            continue;
        };
        if PAGE_MODULES.iter().all(|(_, m)| *m != module) {
            let mut size = 0;
            for path in module_files(dist, module)? {
                size += gzipped(&dist.join(path.trim_start_matches('/')))?;
            }
            downloads.later.push((module.to_owned(), size));
        }
    }
    downloads.later.sort();
    Ok(downloads)
}

fn gzipped(file: &Path) -> Result<u64> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

/// The site paths of a module's files: its JS glue, the snippets the glue imports
/// statically, and its wasm.
fn module_files(dist: &Path, module: &str) -> Result<Vec<String>> {
    let glue_path = dist.join(format!("{module}.js"));
    let glue = std::fs::read_to_string(&glue_path)
        .with_context(|| format!("reading {}", glue_path.display()))?;
    let mut files = vec![format!("/{module}.js")];
    files.extend(static_imports(&glue));
    files.push(format!("/{module}_bg.wasm"));
    Ok(files)
}

/// The site paths of the modules that a JS file at the site's root imports statically
/// (`import … from './x.js'` at the start of a line, as wasm-bindgen writes them).
fn static_imports(js: &str) -> Vec<String> {
    js.lines()
        .filter(|line| line.starts_with("import "))
        .filter_map(|line| line.rsplit_once(" from ").map(|(_, from)| from))
        .map(|from| from.trim().trim_end_matches(';').trim_matches(['"', '\'']))
        .filter_map(|from| from.strip_prefix("./"))
        .map(|path| format!("/{path}"))
        .collect()
}

/// The site paths of the wasm, JS and CSS that `index.html` names (quoted `/…` paths:
/// stylesheet and preload links, script sources), each once.
fn initial_files(index: &str) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    // Parity is not trusted (an apostrophe in text shifts it): any piece between quotes that
    // looks like an asset path counts.
    for piece in index.split(['"', '\'']) {
        let asset = [".wasm", ".js", ".css"].iter().any(|e| piece.ends_with(e));
        let path_like = piece.starts_with('/') && !piece.contains(char::is_whitespace);
        if asset && path_like && !files.iter().any(|f| f == piece) {
            files.push(piece.to_string());
        }
    }
    files
}

/// The one-minute load average, as the kernel reports it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores, headless Chromium (software rendering)")
}

/// `value (×ratio)` for an app figure against the baseline's.
fn with_ratio(value: f64, baseline: f64, decimals: usize) -> String {
    let ratio = if baseline.abs() > f64::EPSILON {
        format!("×{:.2}", value / baseline)
    } else {
        "×–".into()
    };
    format!("{value:.decimals$} ({ratio})")
}

fn check(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "MISSED"
    }
}

fn report(results: &[(u32, Page, Metrics)], downloads: &Downloads, load: &str) -> String {
    let mut out = String::new();
    let tokens = results.first().map_or(0.0, |r| r.2.tokens);
    let _ = writeln!(
        out,
        "\nrender benchmark: `/long` demo answer ({tokens:.0} tokens, mostly code) on {}",
        machine()
    );
    // Other work on the machine shows up as long tasks and gaps in both pages alike.
    let _ = writeln!(out, "load average (1 min): {load}");
    let _ = writeln!(
        out,
        "{:<12} {:<9} {:>16} {:>16} {:>16} {:>11} {:>16} {:>16} {:>15} {:>8}",
        "rate",
        "page",
        "tokens/s",
        "p95 gap ms",
        "max gap ms",
        "long tasks",
        "last paint ms",
        "script ms/1k",
        "JS heap MB",
        "wasm MB"
    );
    for (rate, page, m) in results {
        let base = results
            .iter()
            .find(|(r, p, _)| r == rate && *p == Page::Baseline)
            .map(|r| &r.2);
        let cell = |value: f64, base_value: Option<f64>, decimals: usize| match (page, base_value) {
            (Page::App, Some(b)) => with_ratio(value, b, decimals),
            _ => format!("{value:.decimals$}"),
        };
        let _ = writeln!(
            out,
            "{:<12} {:<9} {:>16} {:>16} {:>16} {:>11} {:>16} {:>16} {:>15} {:>8}",
            rate_name(*rate),
            page.name(),
            match (m.observed, base.and_then(|b| b.observed)) {
                (Some(value), base_value) => cell(value, base_value, 0),
                (None, _) => "one chunk".into(),
            },
            cell(m.p95_gap_ms, base.map(|b| b.p95_gap_ms), 1),
            cell(m.max_gap_ms, base.map(|b| b.max_gap_ms), 1),
            m.long_tasks,
            cell(m.last_paint_ms, base.map(|b| b.last_paint_ms), 1),
            cell(m.script_ms_per_1k, base.map(|b| b.script_ms_per_1k), 2),
            cell(m.heap_mb, base.map(|b| b.heap_mb), 1),
            m.wasm_mb.map_or("–".into(), |w| format!("{w:.1}")),
        );
    }

    let _ = writeln!(out, "\ntargets (app against the baseline of the same run):");
    for (rate, _, m) in results.iter().filter(|r| r.1 == Page::App) {
        let Some((_, _, base)) = results
            .iter()
            .find(|(r, p, _)| r == rate && *p == Page::Baseline)
        else {
            continue;
        };
        let gap_limit = base.p95_gap_ms + 8.0;
        let paint_limit = if *rate == 0 { 250.0 } else { 50.0 };
        let script_limit = 3.0 * base.script_ms_per_1k;
        let _ = write!(
            out,
            "  {:<12} p95 gap {:.1} ≤ {gap_limit:.1} {}; long tasks {} {}; last paint {:.1} ≤ {paint_limit} ms {}; script/1k {:.2} ≤ {script_limit:.2} {}; heap {:.1} ≤ 20 MB {}",
            rate_name(*rate),
            m.p95_gap_ms,
            check(*rate == 0 || m.p95_gap_ms <= gap_limit),
            m.long_tasks,
            check(m.long_tasks == 0),
            m.last_paint_ms,
            check(m.last_paint_ms <= paint_limit),
            m.script_ms_per_1k,
            check(m.script_ms_per_1k <= script_limit),
            m.heap_mb,
            check(m.heap_mb <= 20.0),
        );
        if let Some(live) = m.live_error {
            let _ = write!(
                out,
                "; live within 3% after 1 s: worst {:.1}%, median {:.1}% over {} frames {}",
                live.worst * 100.0,
                live.median * 100.0,
                live.samples,
                check(live.samples > 0 && live.worst <= 0.03)
            );
        }
        if let Some(f) = m.worst_frame.filter(|_| m.long_tasks > 0) {
            let _ = write!(
                out,
                " (longest frame {:.0} ms: script {:.0} ms of which forced layout {:.0} ms, then style/layout/paint {:.0} ms)",
                f.duration, f.script, f.forced_layout, f.rendering
            );
        }
        if let Some(error) = m.final_error {
            let _ = write!(
                out,
                "; final = usage/(last − first) within {:.2}% {}",
                error * 100.0,
                check(error <= 0.01)
            );
        }
        let _ = writeln!(out);
    }
    let kb = |bytes: u64| bytes as f64 / 1024.0;
    for (page, d) in &downloads.pages {
        // The budget is the app's; the kiosk and the embed are shown beside it.
        let budget = if *page == "app" {
            format!(" ≤ 350 KB {}", check(d.total() <= 350 * 1024))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  initial download of {page} (gzip -9): wasm {:.1} KB + JS {:.1} KB + CSS {:.1} KB + HTML {:.1} KB = {:.1} KB{budget}",
            kb(d.wasm),
            kb(d.js),
            kb(d.css),
            kb(d.html),
            kb(d.total()),
        );
    }
    for (module, size) in &downloads.later {
        let _ = writeln!(
            out,
            "  loaded after start: {module} {:.1} KB (gzip -9, JS and wasm)",
            kb(*size)
        );
    }
    let _ = writeln!(out);
    for (rate, page, m) in results {
        let _ = writeln!(
            out,
            "render page={} rate={rate} observed={} p95_gap_ms={:.1} max_gap_ms={:.1} long_tasks={} last_paint_ms={:.1} script_ms_per_1k={:.2} heap_mb={:.1}{}",
            page.name(),
            m.observed.map_or("inf".into(), |o| format!("{o:.0}")),
            m.p95_gap_ms,
            m.max_gap_ms,
            m.long_tasks,
            m.last_paint_ms,
            m.script_ms_per_1k,
            m.heap_mb,
            m.wasm_mb.map_or(String::new(), |w| format!(" wasm_mb={w:.1}")),
        );
    }
    for (page, d) in &downloads.pages {
        if *page == "app" {
            let _ = writeln!(out, "render download_kb={:.1}", kb(d.total()));
        }
        let _ = writeln!(
            out,
            "render page_download page={page} kb={:.1} wasm_kb={:.1}",
            kb(d.total()),
            kb(d.wasm)
        );
    }
    for (module, size) in &downloads.later {
        let _ = writeln!(out, "render module={module} gz_kb={:.1}", kb(*size));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_initial_files_are_those_index_html_names() {
        let index = r#"<script type="module">const name = "sparkplug";
            await import(`/${name}.js`);</script>
            <link rel="stylesheet" href="/base.css"/><link rel="modulepreload" href="/app-1.js">
            <!-- '/not/an asset' --><a href="/page.html">"#;
        assert_eq!(initial_files(index), vec!["/base.css", "/app-1.js"]);
    }

    #[test]
    fn a_glues_static_imports_are_its_snippets() {
        let glue = "import { importEditor } from './snippets/sparkplug-1/inline0.js';\n\
            import * as import1 from \"./snippets/sparkplug-1/inline1.js\"\n\
            const x = 1; // import y from './not-at-line-start.js'\n\
            function f() { return import('./lazy.js'); }\n";
        assert_eq!(
            static_imports(glue),
            vec![
                "/snippets/sparkplug-1/inline0.js",
                "/snippets/sparkplug-1/inline1.js"
            ]
        );
    }

    #[test]
    fn gaps_span_from_the_first_byte_to_the_frame_after_the_last_paint() {
        let frames = [0.0, 16.0, 33.0, 50.0, 90.0, 106.0, 122.0];
        assert_eq!(frame_gaps(&frames, 20.0, 95.0), vec![17.0, 40.0, 16.0]);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.95), 4.0);
        assert_eq!(percentile(&[5.0], 0.5), 5.0);
        assert!(percentile(&[], 0.5).is_nan());
    }
}
