//! Running generated code in the sandbox, in Chromium: a JS snippet's console output with
//! formatted values and block lines, an HTML/CSS/JS answer drawn as one page (pixel colours
//! in a screenshot), and Python from the local Pyodide with its progress bar, warm reuse,
//! clear offline import errors, the output cap and its time limit.

use std::time::{Duration, Instant};

use crate::sandbox_support::{
    console, console_dump, console_line, fence, near, pixel, run_block, set_limit, show_answer,
    Answers,
};
use anyhow::{ensure, Context, Result};
use serde_json::json;
use sparkplug_e2e::Harness;

const JS: &str = r#"console.log('hello', 42, {a: [1, 2, {b: 'c'}]}, [1, 'two'], null, undefined);
console.warn('careful');
console.error(new TypeError('bad type'));
const cyclic = {name: 'loop'}; cyclic.self = cyclic;
console.info(new Map([['k', 1]]), new Set([1]), cyclic);
console.log('%s has %d items', 'cart', 3, '<b>not bold</b>');
Promise.reject(new Error('async boom'));
missingFunction();"#;

#[tokio::test]
async fn a_js_snippet_prints_formatted_values_with_their_lines() -> Result<()> {
    let answers = Answers::new("run_js")?;
    answers.add("js", &format!("A snippet:\n\n{}", fence("js", JS)))?;
    let h = Harness::start("sandbox_run_js", answers.config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        show_answer(h, "js").await?;
        run_block(h, 0).await?;
        console_line(h, "missingFunction", Duration::from_secs(10)).await?;
        console_line(h, "async boom", Duration::from_secs(5)).await?;
        let lines = console(h).await?;
        let dump = console_dump(h).await?;
        let expect = [
            (
                "log",
                "js:1",
                "hello 42 { a: [1, 2, { b: 'c' }] } [1, 'two'] null undefined",
            ),
            ("warn", "js:2", "careful"),
            ("error", "js:3", "TypeError: bad type"),
            (
                "info",
                "js:5",
                "Map(1) {'k' => 1} Set(1) {1} { name: 'loop', self: [Circular] }",
            ),
            ("log", "js:6", "cart has 3 items <b>not bold</b>"),
            ("error", "js:7", "Uncaught (in promise) Error: async boom"),
            (
                "error",
                "js:8",
                "Uncaught ReferenceError: missingFunction is not defined",
            ),
        ];
        for (class, location, text) in expect {
            ensure!(
                lines
                    .iter()
                    .any(|l| l.class == class && l.location == location && l.text == text),
                "no {class} line {text:?} at {location}; console:\n{dump}"
            );
        }
        // Printed markup stays text.
        let bold = h
            .js(
                "return document.querySelectorAll('[data-test=console] b').length;",
                vec![],
            )
            .await?;
        ensure!(bold == json!(0), "markup in the console was parsed");
        let status = h.text("run-status").await?;
        ensure!(status.starts_with("Page loaded in"), "status: {status}");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn html_css_and_js_blocks_combine_into_one_drawn_page() -> Result<()> {
    let answers = Answers::new("run_page")?;
    let markdown = format!(
        "The page:\n\n{}The style:\n\n{}The script:\n\n{}",
        fence("html", "<div id=\"box\">box</div>"),
        fence(
            "css",
            "body { margin: 0; background: rgb(0, 0, 255); }\n#box { width: 120px; height: 120px; background: rgb(255, 0, 0); }"
        ),
        fence(
            "javascript",
            "document.getElementById('box').style.background = 'rgb(0, 255, 0)';\nconsole.log('script ran after', document.getElementById('box').textContent);"
        ),
    );
    answers.add("page", &markdown)?;
    let h = Harness::start("sandbox_run_page", answers.config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        show_answer(h, "page").await?;
        let label = h.text("run-answer").await?;
        ensure!(label.contains("HTML + CSS + JS"), "the answer's Run says what it runs: {label}");
        h.click("run-answer").await?;
        console_line(h, "script ran after box", Duration::from_secs(10)).await?;
        h.wait_for("the page to load", Duration::from_secs(10), async |h| {
            Ok(h.text("run-status").await?.starts_with("Page loaded").then_some(()))
        })
        .await?;
        let rect = h
            .js(
                "const p = document.querySelector('[data-test=preview]'); p.scrollIntoView({block: 'center'}); const r = p.getBoundingClientRect(); return [r.left, r.top, r.width];",
                vec![],
            )
            .await?;
        let at = |i: usize| rect[i].as_f64().unwrap_or_default();
        let (left, top, width) = (at(0), at(1), at(2));
        ensure!(width > 200.0, "the preview is wide enough to test: {width}");
        // Inside the box: the script's green over the style's red. Beside it: the body's blue.
        let mut seen = ([0; 4], [0; 4]);
        let drawn = h
            .wait_for("the page's colours", Duration::from_secs(2), async |h| {
                seen = (
                    pixel(h, left + 60.0, top + 60.0).await?,
                    pixel(h, left + 180.0, top + 60.0).await?,
                );
                Ok((near(seen.0, [0, 255, 0]) && near(seen.1, [0, 0, 255])).then_some(()))
            })
            .await;
        drawn.with_context(|| format!("expected green box on blue, saw {seen:?}"))
    })
    .await
}

const PY_MAIN: &str = r#"import sys
print("sum", sum(range(101)))
print("to stderr", file=sys.stderr)
def fail():
    raise ValueError("bad value")
fail()"#;

/// Milliseconds from clicking a block's Run until the console shows `needle`.
async fn timed_run(h: &Harness, block: usize, needle: &str) -> Result<u128> {
    let started = Instant::now();
    run_block(h, block).await?;
    console_line(h, needle, Duration::from_secs(60)).await?;
    Ok(started.elapsed().as_millis())
}

#[tokio::test]
async fn python_runs_offline_with_progress_stays_warm_and_is_limited() -> Result<()> {
    let answers = Answers::new("run_python")?;
    let markdown = [
        fence("python", PY_MAIN),
        fence("python", "print('warm', 6 * 7)"),
        fence("python", "import numpy as np\nprint(np.ones(3))"),
        fence("python", "for i in range(1500):\n    print('line', i)"),
        fence("python", "while True:\n    pass"),
        fence("py", "print('after the kill')"),
    ]
    .concat();
    answers.add("python", &markdown)?;
    let h = Harness::start("sandbox_run_python", answers.config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        show_answer(h, "python").await?;

        // First run: Pyodide loads from /pyodide/ with a progress bar, then runs.
        let started = Instant::now();
        run_block(h, 0).await?;
        h.wait_for("the progress bar", Duration::from_secs(20), async |h| {
            Ok(h.attr("run-progress", "max").await?.map(drop))
        })
        .await?;
        let error = console_line(h, "ValueError: bad value", Duration::from_secs(60)).await?;
        let cold_ms = started.elapsed().as_millis();
        let dump = console_dump(h).await?;
        ensure!(
            error.class == "error" && error.location == "line 5",
            "traceback line: {error:?}"
        );
        ensure!(
            !error.text.contains("_pyodide"),
            "Pyodide's own frames are hidden:\n{dump}"
        );
        let lines = console(h).await?;
        ensure!(
            lines
                .iter()
                .any(|l| l.class == "log" && l.text == "sum 5050"),
            "stdout:\n{dump}"
        );
        ensure!(
            lines
                .iter()
                .any(|l| l.class == "error" && l.text == "to stderr"),
            "stderr:\n{dump}"
        );
        ensure!(
            h.attr("run-progress", "max").await?.is_none(),
            "the bar goes once loaded"
        );

        // Second run: the worker is warm, so Python does not load again (no progress bar at
        // any moment of the run, watched by an observer rather than sampled).
        h.js(
            "window.progressSeen = false;
             new MutationObserver(() => {
               if (document.querySelector('[data-test=run-progress]')) window.progressSeen = true;
             }).observe(document.body, { subtree: true, childList: true });",
            vec![],
        )
        .await?;
        let warm_ms = timed_run(h, 1, "warm 42").await?;
        ensure!(
            h.js("return window.progressSeen;", vec![]).await? == json!(false),
            "the warm run loaded Python again"
        );

        // A package that is not available offline says so plainly.
        run_block(h, 2).await?;
        let hint = console_line(h, "is not available here", Duration::from_secs(10)).await?;
        ensure!(
            hint.text.starts_with("'numpy' is not available here"),
            "{hint:?}"
        );
        let dump = console_dump(h).await?;
        ensure!(
            !dump.contains("micropip"),
            "no advice that cannot work offline:\n{dump}"
        );

        // 1,500 lines: 1,000 are shown, then a note. A long limit: on a machine busy with
        // other tests printing them has taken over the default 5 s, and speed is not checked.
        set_limit(h, "60").await?;
        run_block(h, 3).await?;
        console_line(h, "Output capped at 1000 lines", Duration::from_secs(60)).await?;
        let lines = console(h).await?;
        let shown = lines.iter().filter(|l| l.text.starts_with("line ")).count();
        ensure!(shown == 1000, "{shown} output lines shown");

        // An endless loop in the worker passes its time limit and is killed.
        set_limit(h, "2").await?;
        let started = Instant::now();
        run_block(h, 4).await?;
        let killed = console_line(h, "time limit of 2 s", Duration::from_secs(20)).await?;
        let kill_ms = started.elapsed().as_millis();
        ensure!(killed.class == "system", "{killed:?}");
        let fresh = console_line(h, "A fresh runner was ready in", Duration::from_secs(10)).await?;
        // After the kill a fresh runner loads Python again, and works.
        let reload_ms = timed_run(h, 5, "after the kill").await?;
        eprintln!(
            "python: cold run {cold_ms} ms, warm run {warm_ms} ms, loop killed after {kill_ms} ms \
             ({}), run after the kill {reload_ms} ms",
            fresh.text
        );
        Ok(())
    })
    .await
}
