//! The workspace in Chromium at phone, tablet, laptop and desktop sizes: nothing overflows
//! sideways, the result is in view after a run, the meter is in view while streaming, a page
//! shows while its answer still streams, and the split, tabs, theme and first visit work.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use sparkplug_e2e::{test_config, Harness};

use crate::layout_support::{no_sideways_overflow, resize};

const PAGE_PROMPT: &str = "Write a Minesweeper clone in a single HTML file";

/// The sizes the issue names: phone, tablet, laptop, desktop.
const SIZES: [(u32, u32); 4] = [(390, 844), (768, 1024), (1400, 900), (1920, 1080)];

/// The element's box if it is shown, as [left, top, right, bottom].
async fn rect(h: &Harness, id: &str) -> Result<Option<[f64; 4]>> {
    let v = h
        .js(
            "const e = document.querySelector(arguments[0]);
             if (!e || !e.getClientRects().length) return null;
             const r = e.getBoundingClientRect();
             return [r.left, r.top, r.right, r.bottom];",
            vec![json!(Harness::sel(id))],
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

fn inside(r: [f64; 4], (width, height): (f64, f64)) -> bool {
    let slack = 1.0;
    r[0] >= -slack && r[1] >= -slack && r[2] <= width + slack && r[3] <= height + slack
}

/// The conversation pane's share of the workspace's width.
async fn conversation_share(h: &Harness) -> Result<f64> {
    let v: Value = h
        .js(
            "return document.querySelector('.conversation-pane').getBoundingClientRect().width
                  / document.querySelector('[data-test=workspace]').getBoundingClientRect().width;",
            vec![],
        )
        .await?;
    Ok(v.as_f64().unwrap_or_default())
}

/// The theme the page is in (`auto` when none is picked) and the body's background.
async fn theme(h: &Harness) -> Result<(String, String)> {
    let v = h
        .js(
            "return [document.documentElement.dataset.theme || 'auto', getComputedStyle(document.body).backgroundColor];",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

async fn page_loaded(h: &Harness) -> Result<bool> {
    Ok(h.text("run-status").await?.starts_with("Page loaded"))
}

#[tokio::test]
async fn no_size_overflows_sideways_and_after_a_run_the_result_is_in_view() -> Result<()> {
    let h = Harness::start("workspace_sizes", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        for (width, height) in SIZES {
            resize(h, width, height).await?;
            h.frames(2).await?;
            no_sideways_overflow(h, &format!("{width}×{height}")).await?;
        }
        let viewport = resize(h, 1400, 900).await?;
        h.choose_listed_model("demo-1000").await?;
        h.type_into("prompt", PAGE_PROMPT).await?;
        h.click("send").await?;
        h.wait_for_done(Duration::from_secs(60)).await?;
        h.wait_for(
            "the page to load in the preview",
            Duration::from_secs(20),
            async |h| Ok(page_loaded(h).await?.then_some(())),
        )
        .await?;
        for id in ["preview", "console", "meter-rate"] {
            let r = rect(h, id)
                .await?
                .with_context(|| format!("{id} is not shown"))?;
            ensure!(
                inside(r, viewport),
                "{id} at {r:?} is not inside the {viewport:?} viewport"
            );
        }
        let preview = rect(h, "preview").await?.unwrap_or_default();
        ensure!(
            preview[2] - preview[0] >= 500.0 && preview[3] - preview[1] >= 400.0,
            "the preview is roomy beside the conversation: {preview:?}"
        );
        // Sizes again with an answer and a page on show: long code lines scroll in their block.
        for (width, height) in SIZES {
            resize(h, width, height).await?;
            h.frames(2).await?;
            no_sideways_overflow(h, &format!("{width}×{height} with an answer")).await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn on_a_phone_the_meter_is_in_view_while_streaming_and_run_opens_the_result_tab() -> Result<()>
{
    let h = Harness::start("workspace_phone", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        let viewport = resize(h, 390, 844).await?;
        h.choose_listed_model("demo-147").await?;
        h.type_into("prompt", PAGE_PROMPT).await?;
        h.click("send").await?;
        h.wait_for("tokens streaming", Duration::from_secs(20), async |h| {
            let tokens = h
                .attr("meter-tokens", "data-value")
                .await?
                .unwrap_or_default();
            Ok((tokens.parse::<u64>().unwrap_or(0) > 20).then_some(()))
        })
        .await?;
        ensure!(
            h.attr("send", "disabled").await?.is_some(),
            "still streaming"
        );
        let meter = rect(h, "meter-rate")
            .await?
            .context("the meter is not shown")?;
        ensure!(
            inside(meter, viewport),
            "the meter at {meter:?} is out of the {viewport:?} viewport"
        );
        ensure!(
            rect(h, "preview").await?.is_none(),
            "the phone shows one pane: the answer"
        );
        h.wait_for_done(Duration::from_secs(60)).await?;
        // A block's Run brings the result pane forward.
        h.js("document.querySelector('.code-run').click();", vec![])
            .await?;
        h.wait_for("the result tab", Duration::from_secs(5), async |h| {
            Ok(
                (h.attr("tab-result", "aria-selected").await?.as_deref() == Some("true"))
                    .then_some(()),
            )
        })
        .await?;
        // The page scrolls back to the result if it was scrolled past it.
        let seen = h
            .wait_for("the preview in view", Duration::from_secs(5), async |h| {
                let preview = rect(h, "preview").await?;
                Ok(preview.filter(|p| inside(*p, viewport)))
            })
            .await;
        let preview = rect(h, "preview").await?;
        seen.with_context(|| format!("preview {preview:?} in the {viewport:?} viewport"))?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_page_shows_in_the_preview_while_its_answer_still_streams() -> Result<()> {
    let h = Harness::start("workspace_live_result", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.choose_listed_model("demo-170").await?;
        h.type_into("prompt", PAGE_PROMPT).await?;
        h.click("send").await?;
        // The answer's prose after its code takes seconds at 170 tokens/s: the page must have
        // loaded while the answer was still streaming.
        let streaming_when_loaded = h
            .wait_for("the live preview", Duration::from_secs(90), async |h| {
                let loaded = page_loaded(h).await?;
                let streaming = h.attr("send", "disabled").await?.is_some();
                Ok(loaded.then_some(streaming))
            })
            .await?;
        ensure!(
            streaming_when_loaded,
            "the page loaded only after the answer had ended"
        );
        let frame = h
            .js(
                "return document.querySelectorAll('[data-test=preview] iframe').length;",
                vec![],
            )
            .await?;
        ensure!(
            frame == json!(1),
            "one runner frame in the preview, found {frame}"
        );
        h.wait_for_done(Duration::from_secs(60)).await?;
        // A first answer whose code works keeps its run's status (the fix loop adds nothing).
        let status = h.text("status").await?;
        ensure!(
            status.starts_with("Done: "),
            "the status says it in words: {status:?}"
        );
        ensure!(
            status.contains(" tokens in "),
            "with its figures: {status:?}"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_split_moves_by_keys_and_the_theme_toggles_and_both_survive_a_reload() -> Result<()> {
    let h = Harness::start("workspace_split_theme", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        resize(h, 1400, 900).await?;
        let before: f64 = h.attr("splitter", "aria-valuenow").await?.unwrap_or_default().parse()?;
        for _ in 0..5 {
            h.js(
                "document.querySelector('[data-test=splitter]').dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));",
                vec![],
            )
            .await?;
        }
        let after: f64 = h.attr("splitter", "aria-valuenow").await?.unwrap_or_default().parse()?;
        ensure!(after >= before + 9.0, "five steps right moved the split from {before} to {after}");
        let share = conversation_share(h).await?;
        ensure!((share * 100.0 - after).abs() < 3.0, "the pane is {share:.3} of the width, the separator says {after}");

        h.click("theme-toggle").await?;
        let (light, light_bg) = theme(h).await?;
        h.click("theme-toggle").await?;
        let (dark, dark_bg) = theme(h).await?;
        ensure!(light == "light" && dark == "dark", "the toggle goes system → light → dark: {light}, {dark}");
        ensure!(light_bg != dark_bg, "the background follows the theme: {light_bg} vs {dark_bg}");

        h.open("/").await?;
        h.wait_for("the page to start", Duration::from_secs(10), async |h| {
            h.attr("splitter", "aria-valuenow").await
        })
        .await?;
        let (kept, _) = theme(h).await?;
        ensure!(kept == "dark", "the theme is remembered: {kept}");
        let kept: f64 = h.attr("splitter", "aria-valuenow").await?.unwrap_or_default().parse()?;
        ensure!((kept - after).abs() < 1.0, "the split is remembered: {kept} vs {after}");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_first_visit_explains_itself_and_an_example_prompt_sends() -> Result<()> {
    let h = Harness::start("workspace_first_visit", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        let lead = h.text("welcome").await?;
        ensure!(lead.contains("1,000 tokens per second") && lead.contains("50–170"), "the welcome says what the numbers mean: {lead}");
        ensure!(rect(h, "answer").await?.is_none(), "no empty answer box before the first prompt");
        let note = h
            .wait_for("the model's label", Duration::from_secs(10), async |h| {
                let note = h.text("model-note").await?;
                Ok((!note.is_empty()).then_some(note))
            })
            .await?;
        ensure!(note.contains("tok/s"), "the chosen model's label and speed are shown: {note}");
        let option = h
            .js("const o = document.querySelector('[data-test=model-options] option[value=\"demo-52\"]'); return o && o.textContent;", vec![])
            .await?;
        ensure!(
            option.as_str().is_some_and(|t| t.contains("GPT-4o mini") && t.contains("52 tok/s")),
            "the picker lists labels and speeds: {option}"
        );
        h.js("document.querySelector('[data-test=example-prompt]').click();", vec![]).await?;
        h.wait_for_answer(Duration::from_secs(60)).await?;
        ensure!(rect(h, "welcome").await?.is_none(), "the welcome goes once something is asked");
        ensure!(!h.text("answer").await?.is_empty(), "the example's answer is on the page");
        Ok(())
    })
    .await
}
