//! The markdown engine is a wasm module of its own: the page does not load it, the app
//! imports it after start and renders answers with it; without it answers still arrive whole,
//! shown as their plain markdown source.

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
