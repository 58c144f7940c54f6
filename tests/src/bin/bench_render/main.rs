//! `cargo xtask bench render`: two ~20,000-token demo answers, `/long` (mostly long code) and
//! `/chat` (realistic chat turns, ~70 fences), streamed at 1k, 5k, 20k, 100k tokens/s and
//! unthrottled into the app and a plain-JS baseline page in headless Chromium, at full CPU
//! speed and with the CPU throttled 4x; then a cold start and a 30-turn session.
//!
//! Both pages get the same instrumentation (`tests/bench/instrument.js`, which documents what
//! each figure means) and the same bytes from the same demo server. It prints a table with each
//! app figure's ratio to the baseline, the targets, and one `render …` line per run.
//! Arguments pick a subset: `--answer long,chat --rate 1000,5000,20000,100000,max --cpu 1,4
//! --part matrix,cold,session` (each defaults to all); `--profile` also samples the app's
//! runs with the DevTools CPU profiler and prints where their time went.

mod downloads;
mod report;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use sparkplug_e2e::{copy_dir, dist_dir, test_config, Config, Harness};

const INSTRUMENT: &str = include_str!("../../../bench/instrument.js");
const BASELINE_HTML: &str = include_str!("../../../bench/baseline.html");
const BASELINE_JS: &str = include_str!("../../../bench/baseline.js");
/// Samples the app's live rate every frame, for the meter-accuracy line.
const LIVE_SAMPLER: &str = "window.__live = [];
(function sample() {
  const v = document.querySelector('[data-test=meter-live]')?.getAttribute('data-value');
  if (v) window.__live.push([performance.now(), Number(v)]);
  if (window.__bench.recording) requestAnimationFrame(sample);
})();";
/// Quiet time after the last DOM change before a run's figures are read.
const SETTLE: Duration = Duration::from_millis(400);
/// The CPU slow-down that stands for a mid-range laptop or phone.
const SLOW_CPU: u32 = 4;
/// Turns of the long session, each one long answer.
const SESSION_TURNS: usize = 30;
/// The session's rate: fast enough that 30 long answers take about a minute.
const SESSION_RATE: Rate = Rate::Paced(20_000);
/// The session sends the whole conversation with each turn: 30 long answers are ~3 MB.
const SESSION_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Which demo answer a run streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// `/long`: the demo's app answers one after another, mostly long code.
    Long,
    /// `/chat`: realistic chat answers, prose, tables and many short fences.
    Chat,
}

impl Answer {
    const ALL: [Answer; 2] = [Answer::Long, Answer::Chat];

    fn name(self) -> &'static str {
        match self {
            Answer::Long => "long",
            Answer::Chat => "chat",
        }
    }

    fn prompt(self) -> &'static str {
        match self {
            Answer::Long => "/long",
            Answer::Chat => "/chat",
        }
    }
}

impl FromStr for Answer {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        Answer::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| anyhow!("`{s}` is not an answer (long or chat)"))
    }
}

/// How fast the demo sends: a rate in tokens/s, or everything at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rate {
    Paced(u32),
    Max,
}

impl Rate {
    const ALL: [Rate; 5] = [
        Rate::Paced(1000),
        Rate::Paced(5000),
        Rate::Paced(20_000),
        Rate::Paced(100_000),
        Rate::Max,
    ];

    fn model(self) -> String {
        format!("demo-{self}")
    }

    fn label(self) -> String {
        match self {
            Rate::Paced(rate) => format!("{rate} tok/s"),
            Rate::Max => "unthrottled".into(),
        }
    }
}

/// `1000` or `max`, as in the demo's model ids and the `render …` lines.
impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rate::Paced(rate) => write!(f, "{rate}"),
            Rate::Max => f.write_str("max"),
        }
    }
}

impl FromStr for Rate {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        if s == "max" || s == "0" {
            return Ok(Rate::Max);
        }
        s.parse()
            .ok()
            .filter(|&r| r > 0)
            .map(Rate::Paced)
            .ok_or_else(|| anyhow!("`{s}` is not a rate (tokens/s, or max)"))
    }
}

/// The parts of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Every answer, rate and CPU speed, in both pages.
    Matrix,
    /// Navigation to first paint, Send pressed as soon as the page is interactive.
    Cold,
    /// A 30-turn chat of long answers.
    Session,
}

impl FromStr for Part {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "matrix" => Ok(Part::Matrix),
            "cold" => Ok(Part::Cold),
            "session" => Ok(Part::Session),
            _ => bail!("`{s}` is not a part (matrix, cold or session)"),
        }
    }
}

/// What to measure; every list defaults to all.
#[derive(Debug)]
struct Options {
    answers: Vec<Answer>,
    rates: Vec<Rate>,
    cpus: Vec<u32>,
    parts: Vec<Part>,
    /// Sample the app's matrix runs with the CPU profiler.
    profile: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self> {
        let mut options = Options {
            answers: Answer::ALL.to_vec(),
            rates: Rate::ALL.to_vec(),
            cpus: vec![1, SLOW_CPU],
            parts: vec![Part::Matrix, Part::Cold, Part::Session],
            profile: false,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            if flag == "--profile" {
                options.profile = true;
                continue;
            }
            let value = args
                .next()
                .with_context(|| format!("`{flag}` needs a value"))?;
            match flag.as_str() {
                "--answer" => options.answers = list(value)?,
                "--rate" => options.rates = list(value)?,
                "--cpu" => options.cpus = list(value)?,
                "--part" => options.parts = list(value)?,
                _ => bail!(
                    "unknown argument `{flag}` (--answer long,chat --rate 1000,…,max --cpu 1,4 \
                     --part matrix,cold,session --profile)"
                ),
            }
        }
        if options.cpus.contains(&0) {
            bail!("a CPU slow-down is at least 1");
        }
        Ok(options)
    }
}

/// A comma-separated list.
fn list<T: FromStr>(value: &str) -> Result<Vec<T>>
where
    T::Err: Into<anyhow::Error>,
{
    value
        .split(',')
        .map(|v| v.trim().parse().map_err(Into::into))
        .collect()
}

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

/// One run's conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Case {
    answer: Answer,
    rate: Rate,
    /// CPU slow-down (1 = none).
    cpu: u32,
}

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
    /// Script time per frame from the first byte to the last paint.
    frame_script_ms: f64,
    heap_mb: f64,
    wasm_mb: Option<f64>,
    /// App at a set rate: the live rate's errors after the first second.
    live_error: Option<LiveError>,
    /// App: the final figure's distance from usage / (last text − first text).
    final_error: Option<f64>,
    /// The longest animation frame over 50 ms, to say where a long task's time went.
    worst_frame: Option<LongFrame>,
    /// How many frames took over 50 ms, and their times added up.
    long_frames: (usize, LongFrame),
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
#[derive(Debug, Default, Clone, Copy)]
struct LongFrame {
    duration: f64,
    script: f64,
    forced_layout: f64,
    rendering: f64,
}

/// The long animation frames (over 50 ms) that started between `from` and `to`.
fn long_frames(frames: &Value, from: f64, to: f64) -> Vec<LongFrame> {
    frames
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
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
        .collect()
}

impl LongFrame {
    /// Long frames' times added up: where a run's slow frames spent their time.
    fn total(frames: &[LongFrame]) -> LongFrame {
        frames
            .iter()
            .fold(LongFrame::default(), |sum, f| LongFrame {
                duration: sum.duration + f.duration,
                script: sum.script + f.script,
                forced_layout: sum.forced_layout + f.forced_layout,
                rendering: sum.rendering + f.rendering,
            })
    }
}

/// The cold start: from navigation to the first text painted.
#[derive(Debug, Clone, Copy)]
struct Cold {
    /// Navigation start → the app mounted (its Send button exists); Send is pressed then.
    interactive_ms: f64,
    send_to_first_byte_ms: f64,
    first_byte_to_first_paint_ms: f64,
    first_paint_ms: f64,
}

/// One turn of the long session.
#[derive(Debug, Clone, Copy)]
struct TurnFigures {
    frame_ms: f64,
    p95_gap_ms: f64,
    last_paint_ms: f64,
    /// The page's JS heap after a garbage collection and its wasm memory, once the turn is
    /// drawn: their growth from turn to turn is what a session keeps.
    heap_mb: f64,
    wasm_mb: f64,
}

/// The long session: its first and last turns, and the page after the last.
#[derive(Debug, Clone, Copy)]
struct Session {
    turns: usize,
    first: TurnFigures,
    last: TurnFigures,
    dom_nodes: f64,
}

/// Everything one benchmark run measured.
#[derive(Debug, Default)]
struct Results {
    runs: Vec<(Case, Page, Metrics)>,
    cold: Option<Cold>,
    session: Option<Session>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = Options::parse(&args)?;
    let dist = dist_dir();
    let downloads = downloads::download_sizes(&dist)?;
    let load_before = report::load_average();
    let served = prepare_dist(&dist)?;
    let config = Config {
        dist_dir: served.clone(),
        body_limit: SESSION_BODY_LIMIT,
        ..test_config()
    };
    let h = Harness::start_with_browser_args(
        "bench_render",
        config,
        // Without the back/forward cache, each run's page is gone when the next one's heap
        // is read (same-site pages share one renderer process and its heap).
        &[
            "--enable-precise-memory-info",
            "--js-flags=--expose-gc",
            "--disable-features=BackForwardCache",
        ],
    )
    .await?;
    let mut results = Results::default();
    let outcome = h
        .run(async |h| {
            let started = std::time::Instant::now();
            // The session first, while the renderer process (whose heap all same-site pages
            // share) is fresh; then the cold start; then the matrix.
            let answer = options.answers.last().copied().unwrap_or(Answer::Chat);
            // At full speed only: CPU throttling set through ChromeDriver did not survive a
            // navigation (measured: the "4x" cold start came out as fast as the 1x one).
            if options.parts.contains(&Part::Cold) {
                eprintln!("bench-render: cold start");
                results.cold = Some(cold_start(h, answer).await?);
            }
            if options.parts.contains(&Part::Session) {
                eprintln!(
                    "bench-render: {SESSION_TURNS}-turn session of {}",
                    answer.prompt()
                );
                results.session = Some(session(h, answer).await?);
            }
            if options.parts.contains(&Part::Matrix) {
                for &cpu in &options.cpus {
                    for &answer in &options.answers {
                        for &rate in &options.rates {
                            let case = Case { answer, rate, cpu };
                            for page in [Page::Baseline, Page::App] {
                                eprintln!(
                                    "bench-render: {} {} at {}, cpu {cpu}x",
                                    page.name(),
                                    answer.prompt(),
                                    rate.label()
                                );
                                let profile = options.profile && page == Page::App;
                                let metrics = run_once(h, page, case, profile).await?;
                                results.runs.push((case, page, metrics));
                            }
                        }
                    }
                }
            }
            eprintln!(
                "bench-render: took {:.0} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        })
        .await;
    std::fs::remove_dir_all(&served).ok();
    outcome?;
    let load = format!("{load_before} before, {} after", report::load_average());
    print!(
        "{}",
        report::report(&results, &downloads, &load, &options.answers)
    );
    Ok(())
}

/// Slows the page's CPU down `cpu` times (1 = full speed), through the DevTools protocol.
async fn throttle(h: &Harness, cpu: u32) -> Result<()> {
    h.cdp("Emulation.setCPUThrottlingRate", json!({ "rate": cpu }))
        .await
        .map(drop)
}

/// Waits until `script` returns true.
async fn until(h: &Harness, what: &str, timeout: Duration, script: &str) -> Result<()> {
    h.wait_for(what, timeout, async |h| {
        Ok(h.js(script, vec![])
            .await?
            .as_bool()
            .unwrap_or(false)
            .then_some(()))
    })
    .await
}

/// Waits until the last change has been painted and nothing changed for [`SETTLE`].
async fn settle(h: &Harness) -> Result<()> {
    h.wait_for("the page to settle", Duration::from_secs(20), async |h| {
        let quiet = h
            .js(
                "const b = window.__bench; return b.lastPaint !== null && b.lastPaint >= b.lastMutation && performance.now() - b.lastMutation > arguments[0];",
                vec![json!(SETTLE.as_millis() as f64)],
            )
            .await?;
        Ok(quiet.as_bool().unwrap_or(false).then_some(()))
    })
    .await
}

/// Stops recording and reads what the instrumentation saw (after a garbage collection).
const READ_FIGURES: &str = "window.__bench.recording = false;
     if (window.gc) window.gc();
     const b = window.__bench;
     const value = (id) => document.querySelector(`[data-test=${id}]`)?.getAttribute('data-value');
     return { bench: b, heap: performance.memory ? performance.memory.usedJSHeapSize : null,
       wasm: window.__benchWasm?.memory?.buffer?.byteLength ?? null,
       live: window.__live ?? null, baseline: window.__baseline ?? null,
       final: value('meter-final') ?? null,
       nodes: document.getElementsByTagName('*').length, cold: window.__cold ?? null };";

/// Sets the model and the prompt and presses Send, as a person would.
const SEND: &str = "const [model, text] = arguments;
     const m = document.querySelector('[data-test=model]');
     m.value = model; m.dispatchEvent(new Event('change'));
     const p = document.querySelector('[data-test=prompt]');
     p.value = text; p.dispatchEvent(new Event('input'));
     document.querySelector('[data-test=send]').click();";

/// Streams one case's answer into `page` and reads the instrumentation.
async fn run_once(h: &Harness, page: Page, case: Case, profile: bool) -> Result<Metrics> {
    let model = case.rate.model();
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
    until(h, "the page", Duration::from_secs(20), ready).await?;
    throttle(h, case.cpu).await?;
    let target = match page {
        Page::App => "[data-test=answer]",
        Page::Baseline => "#out",
    };
    h.js(INSTRUMENT, vec![json!(target)]).await?;
    if profile {
        h.cdp("Profiler.enable", json!({})).await?;
        h.cdp("Profiler.setSamplingInterval", json!({ "interval": 200 }))
            .await?;
        h.cdp("Profiler.start", json!({})).await?;
    }
    match page {
        Page::App => {
            h.js(LIVE_SAMPLER, vec![]).await?;
            h.js(SEND, vec![json!(model), json!(case.answer.prompt())])
                .await?;
        }
        Page::Baseline => {
            h.js(
                "window.startBaseline(arguments[0], arguments[1]);",
                vec![json!(model), json!(case.answer.prompt())],
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
    until(h, "the run to end", Duration::from_secs(180), finished).await?;
    settle(h).await?;
    let seen = h.js(READ_FIGURES, vec![]).await?;
    if profile {
        let stopped = h.cdp("Profiler.stop", json!({})).await?;
        eprint!("{}", profile_summary(&stopped["profile"]));
    }
    throttle(h, 1).await?;
    metrics(page, case.rate, &seen)
}

/// The functions that took most of a DevTools CPU profile's samples (self time), with the
/// share of the sampled time; idle and the page's own "(program)" show where the rest went.
fn profile_summary(profile: &Value) -> String {
    let nodes = profile["nodes"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let name_of = |id: u64| {
        nodes
            .iter()
            .find(|n| n["id"].as_u64() == Some(id))
            .map(|n| {
                let frame = &n["callFrame"];
                let name = frame["functionName"].as_str().filter(|n| !n.is_empty());
                let url = frame["url"].as_str().unwrap_or_default();
                let file = url.rsplit('/').next().unwrap_or_default();
                format!("{} {file}", name.unwrap_or("(anonymous)"))
            })
            .unwrap_or_else(|| format!("node {id}"))
    };
    let samples = profile["samples"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let deltas = profile["timeDeltas"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut by_name: Vec<(String, f64)> = Vec::new();
    // Each sample's time is the delta to the next one.
    for (i, sample) in samples.iter().enumerate() {
        let Some(id) = sample.as_u64() else { continue };
        let micros = deltas.get(i + 1).and_then(Value::as_f64).unwrap_or(0.0);
        let name = name_of(id);
        match by_name.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 += micros,
            None => by_name.push((name, micros)),
        }
    }
    by_name.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f64 = by_name.iter().map(|e| e.1).sum();
    let mut out = format!(
        "  profile: {:.0} ms sampled; most self time:\n",
        total / 1000.0
    );
    for (name, micros) in by_name.iter().take(15) {
        out.push_str(&format!(
            "    {:>7.1} ms {:>5.1} %  {name}\n",
            micros / 1000.0,
            micros / total.max(1.0) * 100.0
        ));
    }
    out
}

/// Opens the app afresh (empty cache) and, from a script that runs before the page's own,
/// presses Send with `answer` the moment the app has mounted.
async fn cold_start(h: &Harness, answer: Answer) -> Result<Cold> {
    h.browser.goto("about:blank").await?;
    h.cdp("Network.clearBrowserCache", json!({})).await?;
    let source = format!(
        "(() => {{
          const cold = (window.__cold = {{}});
          const start = () => {{
            const send = document.querySelector('[data-test=send]');
            if (!send || !document.querySelector('[data-test=answer]')) return false;
            cold.interactive = performance.now();
            (function () {{ {INSTRUMENT} }}).call(null, '[data-test=answer]');
            (function () {{ {SEND} }}).call(null, {model}, {prompt});
            cold.sent = performance.now();
            return true;
          }};
          new MutationObserver((_, observer) => {{ if (start()) observer.disconnect(); }})
            .observe(document, {{ childList: true, subtree: true }});
        }})();",
        model = json!(Rate::Max.model()),
        prompt = json!(answer.prompt()),
    );
    let added = h
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await?;
    let navigated = h.browser.goto(&format!("{}/", h.base)).await;
    let measured = async {
        navigated?;
        until(
            h,
            "the cold run's first paint",
            Duration::from_secs(60),
            "return window.__bench?.firstPaint != null && window.__bench?.usage != null;",
        )
        .await?;
        settle(h).await?;
        h.js(READ_FIGURES, vec![]).await
    }
    .await;
    h.cdp(
        "Page.removeScriptToEvaluateOnNewDocument",
        json!({ "identifier": added["identifier"] }),
    )
    .await?;
    let seen = measured?;
    let bench = &seen["bench"];
    let cold = &seen["cold"];
    let interactive = number(&cold["interactive"], "when the app was interactive")?;
    let sent = number(&cold["sent"], "when Send was pressed")?;
    let first_byte = number(&bench["firstByte"], "the first byte")?;
    let first_paint = number(&bench["firstPaint"], "the first paint")?;
    Ok(Cold {
        interactive_ms: interactive,
        send_to_first_byte_ms: first_byte - sent,
        first_byte_to_first_paint_ms: first_paint - first_byte,
        first_paint_ms: first_paint,
    })
}

/// Sends `answer` [`SESSION_TURNS`] times in one chat, each a follow-up of the last; keeps
/// the first and the last turn's figures and the page's size after the last.
async fn session(h: &Harness, answer: Answer) -> Result<Session> {
    h.open("/").await?;
    throttle(h, 1).await?;
    // Running each answer's code (and fixing it) is not rendering, and keeps Send busy.
    h.js(
        "for (const id of ['run-auto', 'loop-auto']) {
           const box = document.querySelector(`[data-test=${id}]`);
           if (box?.checked) box.click();
         }",
        vec![],
    )
    .await?;
    h.js(INSTRUMENT, vec![json!("[data-test=answer]")]).await?;
    let mut turns = Vec::new();
    let mut seen = Value::Null;
    for turn in 1..=SESSION_TURNS {
        until(
            h,
            "Send to be enabled",
            Duration::from_secs(30),
            "return document.querySelector('[data-test=send]')?.disabled === false;",
        )
        .await?;
        h.js("window.__benchReset();", vec![]).await?;
        h.js(
            SEND,
            vec![json!(SESSION_RATE.model()), json!(answer.prompt())],
        )
        .await?;
        until(
            h,
            &format!("turn {turn} to end"),
            Duration::from_secs(120),
            "return window.__bench.usage !== null;",
        )
        .await?;
        settle(h).await?;
        seen = h.js(READ_FIGURES, vec![]).await?;
        let m = metrics(Page::App, SESSION_RATE, &seen)?;
        turns.push(TurnFigures {
            frame_ms: m.frame_script_ms,
            p95_gap_ms: m.p95_gap_ms,
            last_paint_ms: m.last_paint_ms,
            heap_mb: m.heap_mb,
            wasm_mb: m.wasm_mb.unwrap_or(f64::NAN),
        });
    }
    let (Some(&first), Some(&last)) = (turns.first(), turns.last()) else {
        bail!("the session had no turns");
    };
    Ok(Session {
        turns: turns.len(),
        first,
        last,
        dom_nodes: seen["nodes"].as_f64().unwrap_or(f64::NAN),
    })
}

fn number(value: &Value, what: &str) -> Result<f64> {
    value
        .as_f64()
        .with_context(|| format!("the page did not report {what}: {value}"))
}

/// Turns what the page recorded into figures.
fn metrics(page: Page, rate: Rate, seen: &Value) -> Result<Metrics> {
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
    let paced = match rate {
        Rate::Paced(rate) => Some(f64::from(rate)),
        Rate::Max => None,
    };
    let live_error = paced.filter(|_| page == Page::App).map(|rate| {
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
        let errors: Vec<f64> = samples.iter().map(|v| (v - rate).abs() / rate).collect();
        LiveError {
            worst: errors.iter().copied().fold(0.0, f64::max),
            median: percentile(&errors, 0.5),
            samples: errors.len(),
        }
    });
    let long = long_frames(&bench["longFrames"], first_byte, last_paint);
    Ok(Metrics {
        tokens: usage,
        observed,
        p95_gap_ms: percentile(&gaps, 0.95),
        max_gap_ms: gaps.iter().copied().fold(0.0, f64::max),
        long_tasks,
        last_paint_ms: last_paint - last_byte,
        script_ms_per_1k: script / usage * 1000.0,
        frame_script_ms: script / gaps.len().max(1) as f64,
        heap_mb: seen["heap"].as_f64().unwrap_or(f64::NAN) / 1_048_576.0,
        wasm_mb: seen["wasm"].as_f64().map(|b| b / 1_048_576.0),
        live_error,
        final_error,
        worst_frame: long
            .iter()
            .copied()
            .max_by(|a, b| a.duration.total_cmp(&b.duration)),
        long_frames: (long.len(), LongFrame::total(&long)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_span_from_the_first_byte_to_the_frame_after_the_last_paint() {
        let frames = [0.0, 16.0, 33.0, 50.0, 90.0, 106.0, 122.0];
        assert_eq!(frame_gaps(&frames, 20.0, 95.0), vec![17.0, 40.0, 16.0]);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.95), 4.0);
        assert_eq!(percentile(&[5.0], 0.5), 5.0);
        assert!(percentile(&[], 0.5).is_nan());
    }
}
