//! The markdown engine is a wasm module of its own: the page does not load it, the app
//! imports it after start and renders answers with it (until then they show as plain text);
//! without it answers still arrive whole, shown as their plain markdown source.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use sparkplug_e2e::{copy_dir, dist_dir, test_config, Harness};

const ENGINE: &str = "sparkplug-markdown";
const PROMPT: &str = "Write a Minesweeper clone in a single HTML file";

/// Streams the Minesweeper answer unthrottled; returns the answer's text once it is all on
/// the page, and its length from the status.
async fn stream_answer(h: &Harness) -> Result<(String, u64)> {
    h.ask("demo-max", PROMPT).await?;
    let chars = h.wait_for_answer(Duration::from_secs(30)).await?;
    Ok((h.text("answer").await?, chars))
}

#[tokio::test]
async fn the_engine_loads_after_start_and_renders_the_answer() -> Result<()> {
    Harness::start("markdown_engine_loads", test_config())
        .await?
        .run(async |h| {
            let html = std::fs::read_to_string(dist_dir().join("index.html"))?;
            ensure!(
                !html.contains(ENGINE),
                "index.html must not load the engine itself"
            );
            h.open("/").await?;
            let paths = h
                .wait_for(
                    "the engine to be fetched",
                    Duration::from_secs(10),
                    async |h| {
                        let paths = h.fetched().await?;
                        Ok(paths
                            .iter()
                            .any(|p| p == &format!("/{ENGINE}_bg.wasm"))
                            .then_some(paths))
                    },
                )
                .await?;
            ensure!(
                paths.iter().any(|p| p == &format!("/{ENGINE}.js")),
                "the engine's glue was imported: {paths:?}"
            );
            let (text, chars) = stream_answer(h).await?;
            let rendered: Value = h
                .js(
                    "const a = document.querySelector('[data-test=answer]');
                     return { blocks: a.querySelectorAll('.code-block').length,
                              highlighted: a.querySelectorAll('.tok-kw, .tok-tag').length,
                              plain: a.querySelectorAll('.raw-html').length };",
                    vec![],
                )
                .await?;
            ensure!(
                rendered["blocks"].as_u64() >= Some(1)
                    && rendered["highlighted"].as_u64() > Some(0),
                "markdown rendered with code blocks and highlighting: {rendered}"
            );
            ensure!(
                rendered["plain"] == json!(0),
                "nothing fell back to plain text: {rendered}"
            );
            ensure!(
                text.contains("State lives in a flat cells array") && !text.contains("**State**"),
                "the list's markdown is rendered, not shown ({chars} chars)"
            );
            Ok(())
        })
        .await
}

/// Holds the engine's wasm back until `window.__releaseEngine()`: the page's own `fetch`
/// (which the engine's glue calls), wrapped by a script that runs before the page's.
const HOLD_ENGINE: &str = "(() => {
  const fetch = window.fetch;
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  window.__releaseEngine = release;
  window.__engineAsked = false;
  window.fetch = function (input, init) {
    const url = String(input instanceof Request ? input.url : input);
    if (!url.endsWith('/sparkplug-markdown_bg.wasm')) return fetch.call(window, input, init);
    window.__engineAsked = true;
    return released.then(() => fetch.call(window, input, init));
  };
})();";

/// What the answer holds: its early plain text, if any, and what the engine draws.
const ANSWER_PARTS: &str = "const a = document.querySelector('[data-test=answer]');
     return { early: a.querySelector('[data-test=answer-early]')?.textContent ?? null,
              asked: window.__engineAsked ?? null,
              elements: a.querySelectorAll(':not(.answer-tail, .answer-early)').length,
              blocks: a.querySelectorAll('.code-block').length,
              highlighted: a.querySelectorAll('.tok-kw, .tok-tag').length,
              text: a.textContent };";

#[tokio::test]
async fn the_first_text_shows_plain_before_the_engine_and_is_handed_over() -> Result<()> {
    Harness::start("markdown_engine_late", test_config())
        .await?
        .run(async |h| {
            h.cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": HOLD_ENGINE }),
            )
            .await?;
            h.open("/").await?;
            h.ask("demo-max", PROMPT).await?;
            // The whole answer arrives while the engine is held: it shows, as plain text.
            let early = h
                .wait_for("the early text", Duration::from_secs(30), async |h| {
                    let parts = h.js(ANSWER_PARTS, vec![]).await?;
                    let whole = parts["early"].as_str().is_some_and(|t| {
                        t.trim_end()
                            .ends_with("long-press to flag on touch screens.")
                    });
                    Ok(whole.then_some(parts))
                })
                .await?;
            ensure!(
                early["asked"] == json!(true),
                "the engine was asked for: {early}"
            );
            let text = early["early"].as_str().unwrap_or_default();
            ensure!(
                text.contains("- **State** lives in a flat `cells` array")
                    && text.contains("```html\n<!DOCTYPE html>"),
                "the markdown shows as it came: {text:.300}"
            );
            ensure!(
                early["elements"] == json!(0) && early["text"].as_str() == Some(text),
                "nothing else is drawn yet: {early}"
            );

            h.js("window.__releaseEngine();", vec![]).await?;
            h.wait_for_answer(Duration::from_secs(30)).await?;
            let done = h.js(ANSWER_PARTS, vec![]).await?;
            ensure!(
                done["early"].is_null(),
                "the early text is gone: {done:.300}"
            );
            ensure!(
                done["blocks"] == json!(1) && done["highlighted"].as_u64() > Some(0),
                "rendered with a highlighted code block: {done:.300}"
            );
            let text = done["text"].as_str().unwrap_or_default();
            ensure!(
                text.contains("State lives in a flat cells array")
                    && !text.contains("**State**")
                    && !text.contains("```"),
                "rendered as markdown, no source left: {text:.300}"
            );
            Ok(())
        })
        .await
}

/// A copy of the built app without the engine's files.
fn dist_without_engine() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("sparkplug-no-engine-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    copy_dir(&dist_dir(), &dir)?;
    for file in [format!("{ENGINE}.js"), format!("{ENGINE}_bg.wasm")] {
        std::fs::remove_file(dir.join(&file)).with_context(|| format!("removing {file}"))?;
    }
    Ok(dir)
}

#[tokio::test]
async fn without_the_engine_the_whole_answer_shows_as_plain_text() -> Result<()> {
    let dist = dist_without_engine()?;
    let mut config = test_config();
    config.dist_dir = dist.clone();
    let result = Harness::start("markdown_engine_missing", config)
        .await?
        .run(async |h| {
            h.open("/").await?;
            let (text, _) = stream_answer(h).await?;
            let plain: Value = h
                .js(
                    "const a = document.querySelector('[data-test=answer]');
                     return { plain: a.querySelectorAll('.raw-html').length,
                              blocks: a.querySelectorAll('.code-block').length };",
                    vec![],
                )
                .await?;
            ensure!(
                plain["plain"].as_u64() > Some(0),
                "the answer fell back to plain text: {plain}"
            );
            ensure!(
                text.contains("- **State** lives in a flat `cells` array"),
                "prose is shown as its markdown source"
            );
            ensure!(
                plain["blocks"].as_u64() == Some(1) && text.contains("</html>"),
                "the code block still streams whole, line by line: {plain}"
            );
            Ok(())
        })
        .await;
    std::fs::remove_dir_all(&dist).ok();
    result
}
