//! The render benchmark's printout: a table per CPU speed with each app figure's ratio to the
//! baseline, the targets, the cold start, the long session, downloads, `render …` lines.

use std::fmt::Write as _;

use crate::downloads::Downloads;
use crate::{Answer, Case, Metrics, Page, Rate, Results, SLOW_CPU};

/// The one-minute load average, as the kernel reports it.
pub fn load_average() -> String {
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

/// The targets for one app run against the baseline of the same run, as text.
fn targets(case: &Case, m: &Metrics, base: &Metrics) -> String {
    let paced = matches!(case.rate, Rate::Paced(_));
    let gap_limit = base.p95_gap_ms + 8.0;
    // At full speed: no long task at all and fixed lags; throttled: no worse than the plain
    // page (which gets long tasks of its own there).
    let (task_limit, paint_limit) = match (case.cpu == 1, paced) {
        (true, true) => (0, 50.0),
        (true, false) => (0, 150.0),
        (false, true) => (base.long_tasks, base.last_paint_ms + 50.0),
        (false, false) => (base.long_tasks, 600.0),
    };
    let mut out = String::new();
    if paced {
        let _ = write!(
            out,
            "p95 gap {:.1} ≤ {gap_limit:.1} {}; ",
            m.p95_gap_ms,
            check(m.p95_gap_ms <= gap_limit)
        );
    }
    let _ = write!(
        out,
        "long tasks {} ≤ {task_limit} {}; last paint {:.1} ≤ {paint_limit:.1} ms {}; heap {:.1} ≤ 20 MB {}",
        m.long_tasks,
        check(m.long_tasks <= task_limit),
        m.last_paint_ms,
        check(m.last_paint_ms <= paint_limit),
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
    if let Some(error) = m.final_error {
        let _ = write!(
            out,
            "; final = usage/(last − first) within {:.2}% {}",
            error * 100.0,
            check(error <= 0.01)
        );
    }
    let (count, sum) = m.long_frames;
    if count > 0 {
        let _ = write!(
            out,
            "; {count} frames over 50 ms: {:.0} ms in all, script {:.0} ms (forced layout {:.0} ms), style/layout/paint {:.0} ms",
            sum.duration, sum.script, sum.forced_layout, sum.rendering
        );
    }
    if let Some(f) = m.worst_frame.filter(|_| m.long_tasks > 0) {
        let _ = write!(
            out,
            " (longest frame {:.0} ms: script {:.0} ms of which forced layout {:.0} ms, then style/layout/paint {:.0} ms)",
            f.duration, f.script, f.forced_layout, f.rendering
        );
    }
    out
}

pub fn report(results: &Results, downloads: &Downloads, load: &str, answers: &[Answer]) -> String {
    let mut out = String::new();
    let runs = &results.runs;
    let _ = writeln!(out, "\nrender benchmark on {}", machine());
    for answer in answers {
        let what = match answer {
            Answer::Long => "the demo's app answers, mostly long code",
            Answer::Chat => "realistic chat answers: prose, tables, ~70 fences",
        };
        let tokens = runs
            .iter()
            .find(|(c, _, _)| c.answer == *answer)
            .map_or(String::new(), |r| format!("{:.0} tokens, ", r.2.tokens));
        let _ = writeln!(out, "  {}: {tokens}{what}", answer.prompt());
    }
    // Other work on the machine shows up as long tasks and gaps in both pages alike.
    let _ = writeln!(out, "load average (1 min): {load}");
    let base_of = |case: &Case| {
        runs.iter()
            .find(|(c, p, _)| c == case && *p == Page::Baseline)
            .map(|r| &r.2)
    };
    let mut cpus: Vec<u32> = runs.iter().map(|r| r.0.cpu).collect();
    cpus.dedup();
    for cpu in cpus {
        let _ = writeln!(
            out,
            "\nCPU {}:",
            if cpu == 1 {
                "full speed".to_string()
            } else {
                format!("throttled {cpu}x")
            }
        );
        let _ = writeln!(
            out,
            "{:<7} {:<12} {:<9} {:>16} {:>16} {:>16} {:>11} {:>16} {:>16} {:>15} {:>8}",
            "answer",
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
        for (case, page, m) in runs.iter().filter(|r| r.0.cpu == cpu) {
            let base = base_of(case);
            let cell =
                |value: f64, base_value: Option<f64>, decimals: usize| match (page, base_value) {
                    (Page::App, Some(b)) => with_ratio(value, b, decimals),
                    _ => format!("{value:.decimals$}"),
                };
            let _ = writeln!(
                out,
                "{:<7} {:<12} {:<9} {:>16} {:>16} {:>16} {:>11} {:>16} {:>16} {:>15} {:>8}",
                case.answer.name(),
                case.rate.label(),
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
    }

    let _ = writeln!(
        out,
        "\ntargets (app against the baseline of the same run; at {SLOW_CPU}x relative to it):"
    );
    for (case, _, m) in runs.iter().filter(|r| r.1 == Page::App) {
        let Some(base) = base_of(case) else {
            continue;
        };
        let _ = writeln!(
            out,
            "  {:<5} {:<12} cpu {}x: {}",
            case.answer.name(),
            case.rate.label(),
            case.cpu,
            targets(case, m, base)
        );
    }
    if let Some(cold) = &results.cold {
        let _ = writeln!(
            out,
            "  cold start (full CPU speed): interactive {:.0} ms, Send → first byte {:.0} ms, first byte → first paint {:.0} ms (first text painted {:.0} ms after navigation)",
            cold.interactive_ms,
            cold.send_to_first_byte_ms,
            cold.first_byte_to_first_paint_ms,
            cold.first_paint_ms
        );
    }
    if let Some(s) = &results.session {
        let within = |first: f64, last: f64| check(last <= first * 1.1);
        let _ = writeln!(
            out,
            "  session of {} turns: script per frame {:.2} → {:.2} ms {}; last paint {:.1} → {:.1} ms {}; p95 gap {:.1} → {:.1} ms; JS heap {:.1} → {:.1} MB, ≤ 40 {}; wasm memory {:.1} → {:.1} MB; {:.0} DOM elements",
            s.turns,
            s.first.frame_ms,
            s.last.frame_ms,
            within(s.first.frame_ms, s.last.frame_ms),
            s.first.last_paint_ms,
            s.last.last_paint_ms,
            within(s.first.last_paint_ms, s.last.last_paint_ms),
            s.first.p95_gap_ms,
            s.last.p95_gap_ms,
            s.first.heap_mb,
            s.last.heap_mb,
            check(s.last.heap_mb <= 40.0),
            s.first.wasm_mb,
            s.last.wasm_mb,
            s.dom_nodes,
        );
    }
    let kb = |bytes: u64| bytes as f64 / 1024.0;
    for (page, d) in &downloads.pages {
        let budget = match *page {
            "app" => 250,
            "embed" => 200,
            _ => 150,
        };
        let _ = writeln!(
            out,
            "  initial download of {page} (gzip -9): wasm {:.1} KB + JS {:.1} KB + CSS {:.1} KB + HTML {:.1} KB = {:.1} KB ≤ {budget} KB {}",
            kb(d.wasm),
            kb(d.js),
            kb(d.css),
            kb(d.html),
            kb(d.total()),
            check(d.total() <= budget * 1024),
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
    for (case, page, m) in runs {
        let _ = writeln!(
            out,
            "render page={} answer={} rate={} cpu={} p95_gap_ms={:.1} max_gap_ms={:.1} long_tasks={} last_paint_ms={:.1} script_ms_per_1k={:.2} heap_mb={:.1}",
            page.name(),
            case.answer.name(),
            case.rate,
            case.cpu,
            m.p95_gap_ms,
            m.max_gap_ms,
            m.long_tasks,
            m.last_paint_ms,
            m.script_ms_per_1k,
            m.heap_mb,
        );
    }
    if let Some(cold) = &results.cold {
        let _ = writeln!(
            out,
            "render cold cpu=1 nav_to_interactive_ms={:.0} send_to_first_byte_ms={:.0} first_byte_to_first_paint_ms={:.0} nav_to_first_paint_ms={:.0}",
            cold.interactive_ms,
            cold.send_to_first_byte_ms,
            cold.first_byte_to_first_paint_ms,
            cold.first_paint_ms
        );
    }
    if let Some(s) = &results.session {
        let _ = writeln!(
            out,
            "render session turns={} turn1_frame_ms={:.2} last_frame_ms={:.2} turn1_last_paint_ms={:.1} last_last_paint_ms={:.1} turn1_p95_gap_ms={:.1} last_p95_gap_ms={:.1} turn1_heap_mb={:.1} heap_mb={:.1} turn1_wasm_mb={:.1} wasm_mb={:.1} dom_nodes={:.0}",
            s.turns,
            s.first.frame_ms,
            s.last.frame_ms,
            s.first.last_paint_ms,
            s.last.last_paint_ms,
            s.first.p95_gap_ms,
            s.last.p95_gap_ms,
            s.first.heap_mb,
            s.last.heap_mb,
            s.first.wasm_mb,
            s.last.wasm_mb,
            s.dom_nodes,
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
