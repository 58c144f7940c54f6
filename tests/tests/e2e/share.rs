//! Share links in Chromium: a streamed answer's link reopens with the same prompt, model,
//! answer and final rate without any chat request; a too-big run round-trips as a file; a
//! receipt's three rates and timeline, and Replay at the recorded timing.

use std::time::Duration;

use anyhow::{ensure, Result};
use serde_json::Value;
use sparkplug_e2e::{test_config, Harness};

async fn run_prompt(h: &Harness, model: &str, prompt: &str) -> Result<()> {
    h.open("/").await?;
    h.choose_listed_model(model).await?;
    h.type_into("prompt", prompt).await?;
    h.click("send").await?;
    h.wait_for("the run to finish", Duration::from_secs(60), async |h| {
        let status = h.attr("status", "class").await?.unwrap_or_default();
        Ok(status.contains("done").then_some(()))
    })
    .await
}

/// What a restored page must show the same as the original.
#[derive(Debug, PartialEq)]
struct Shown {
    prompt: String,
    answer: String,
    final_rate: Option<String>,
    tokens: Option<String>,
}

async fn shown(h: &Harness) -> Result<Shown> {
    let prompt = h
        .js(
            "return document.querySelector('[data-test=prompt]').value;",
            vec![],
        )
        .await?;
    Ok(Shown {
        prompt: prompt.as_str().unwrap_or_default().to_string(),
        answer: h.text("answer").await?,
        final_rate: h.attr("meter-final", "data-value").await?,
        tokens: h.attr("meter-tokens", "data-value").await?,
    })
}

/// Chat requests this page has made (the Resource Timing buffer lists every fetch).
async fn chat_requests(h: &Harness) -> Result<u64> {
    let v = h
        .js(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/chat/completions')).length;",
            vec![],
        )
        .await?;
    Ok(v.as_u64().unwrap_or(u64::MAX))
}

async fn wait_for_shared(h: &Harness) -> Result<()> {
    h.wait_for("the shared result", Duration::from_secs(20), async |h| {
        if let Some(error) = h.attr("share-error", "data-test").await? {
            anyhow::bail!("{error}: {}", h.text("share-error").await?);
        }
        Ok(h.attr("shared-banner", "data-model").await?.map(drop))
    })
    .await
}

/// A link made before share links and the embed shared one receipt type (its rates were
/// spelled `final_rate` and `server_rate`): links already pasted elsewhere must still open.
const OLD_LINK_FRAGMENT: &str = "share=1.NY8xa8QwDIX_ivGUQBrsgxSasUPnQocuAcc08tWcLRvZaWmO--9Vwp02Sd97errKTCnmKkf5Sb6CePPb9rpum_Ao3v_qd0LZyZgWCIwsENOTVkrxDHDJyWM1aCPw7iNbuuSwnsVOiSY5FzxCy6jF8gvEzDzP-fCc0CUSfj9CFs_Q6E7o53acUHBlYt_GtxOyYNoDEHyB31NeZa2umljkeFK6HzpZ0wWQ20GfHo2xBAZK9dFWjuZsKMCBg80FlkM7aN2rTjqPNhg6KH5L9y-dLEA_QPchriHcbv8";

#[tokio::test]
async fn a_link_made_by_the_older_receipt_still_opens() -> Result<()> {
    let h = Harness::start("share_old_link", test_config()).await?;
    h.run(async |h| {
        h.browser
            .goto(&format!("{}/#{OLD_LINK_FRAGMENT}", h.base))
            .await?;
        wait_for_shared(h).await?;
        let restored = h
            .wait_for("the old run", Duration::from_secs(10), async |h| {
                let shown = shown(h).await?;
                Ok(shown.answer.contains("print(i)").then_some(shown))
            })
            .await?;
        ensure!(
            restored.prompt == "Write FizzBuzz in Python",
            "{restored:?}"
        );
        ensure!(
            restored.tokens.as_deref() == Some("512")
                && restored.final_rate.as_deref() == Some("1001.900"),
            "the receipt's figures: {restored:?}"
        );
        ensure!(
            chat_requests(h).await? == 0,
            "opening a link sends no chat request"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_share_link_restores_the_run_without_running_it() -> Result<()> {
    let h = Harness::start("share_link", test_config()).await?;
    h.run(async |h| {
        run_prompt(h, "demo-1000", "Write FizzBuzz in Python").await?;
        let original = shown(h).await?;
        ensure!(original.final_rate.is_some(), "the run has a final rate");
        let link = h.share_link().await?;
        ensure!(
            link.starts_with(&format!("{}/#share=1.", h.base)),
            "link: {link}"
        );
        ensure!(
            link.len() < 16 * 1024,
            "a short answer fits a link: {} chars",
            link.len()
        );

        // A fresh page load, not an in-page hash change.
        h.browser.goto("about:blank").await?;
        h.browser.goto(&link).await?;
        wait_for_shared(h).await?;
        // The answer is drawn over the next frames, once the markdown engine is there.
        h.wait_for(
            "the same prompt, answer and figures",
            Duration::from_secs(10),
            async |h| Ok((shown(h).await? == original).then_some(())),
        )
        .await?;
        ensure!(
            h.attr("shared-banner", "data-model").await?.as_deref() == Some("demo-1000"),
            "the model is named"
        );
        ensure!(
            h.text("status").await?.contains("not run here"),
            "the status says so"
        );
        ensure!(
            chat_requests(h).await? == 0,
            "opening a link sends no chat request"
        );
        // Shared on from the restored page, it is the same run.
        let again = h.share_link().await?;
        // The same run (a rate's last bit may differ, so compare what is shown).
        h.browser.goto("about:blank").await?;
        h.browser.goto(&again).await?;
        wait_for_shared(h).await?;
        h.wait_for(
            "the same prompt, answer and figures again",
            Duration::from_secs(10),
            async |h| Ok((shown(h).await? == original).then_some(())),
        )
        .await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_run_too_big_for_a_link_round_trips_as_a_dropped_file() -> Result<()> {
    let h = Harness::start("share_file", test_config()).await?;
    h.run(async |h| {
        run_prompt(h, "demo-max", "/long").await?;
        let original = shown(h).await?;
        keep_downloads(h).await?;
        h.click("share").await?;
        let note = h.text("share-too-big").await?;
        ensure!(note.contains("16384"), "the limit is stated: {note:?}");
        h.click("share-download").await?;
        let file = first_download(h).await?;
        ensure!(file.contains("sparkplug-share/1"), "a tagged JSON file");

        h.browser.goto("about:blank").await?;
        h.open("/").await?;
        drop_file(h, file).await?;
        wait_for_shared(h).await?;
        let restored = h
            .wait_for("the whole answer", Duration::from_secs(10), async |h| {
                let restored = shown(h).await?;
                Ok((restored.answer.len() == original.answer.len()).then_some(restored))
            })
            .await?;
        ensure!(
            restored == original,
            "restored the same prompt, answer and figures"
        );
        ensure!(
            chat_requests(h).await? == 0,
            "opening a file sends no chat request"
        );

        // A damaged link is a clear message, not a broken page.
        h.browser.goto("about:blank").await?;
        h.browser
            .goto(&format!("{}/#share=1.not-a-real-link", h.base))
            .await?;
        let message = h
            .wait_for("the error", Duration::from_secs(20), async |h| {
                let text = h.text("share-error").await?;
                Ok((!text.is_empty()).then_some(text))
            })
            .await?;
        ensure!(message.contains("damaged"), "{message}");
        Ok(())
    })
    .await
}

/// Keeps every blob the page hands to a download link, to read back with [`first_download`].
async fn keep_downloads(h: &Harness) -> Result<()> {
    h.js(
        "const make = URL.createObjectURL; window.__blobs = [];
         URL.createObjectURL = b => { window.__blobs.push(b); return make(b); };",
        vec![],
    )
    .await?;
    Ok(())
}

/// The text of the first file downloaded since [`keep_downloads`].
async fn first_download(h: &Harness) -> Result<String> {
    let file = h
        .browser
        .execute_async(
            "const done = arguments[arguments.length - 1]; window.__blobs[0].text().then(done);",
            vec![],
        )
        .await?;
    Ok(file.as_str().unwrap_or_default().to_string())
}

/// Drops `file` on the page as a user dropping a `.json` file would.
async fn drop_file(h: &Harness, file: String) -> Result<()> {
    h.js(
        "const t = new DataTransfer();
         t.items.add(new File([arguments[0]], 'sparkplug-share.json', {type: 'application/json'}));
         document.body.dispatchEvent(new DragEvent('drop', {dataTransfer: t, bubbles: true, cancelable: true}));",
        vec![Value::String(file)],
    )
    .await?;
    Ok(())
}

/// A meter figure as a number, `None` while it is unknown.
async fn figure(h: &Harness, test: &str) -> Result<Option<f64>> {
    Ok(h.attr(test, "data-value")
        .await?
        .and_then(|v| v.parse().ok()))
}

#[tokio::test]
async fn a_receipt_carries_three_rates_and_its_run_replays_at_its_timing() -> Result<()> {
    let h = Harness::start("share_replay", test_config()).await?;
    h.run(async |h| {
        run_prompt(h, "demo-147", "Write FizzBuzz in Python").await?;
        let original = shown(h).await?;
        let network = figure(h, "meter-client").await?.unwrap_or_default();
        let painted = figure(h, "meter-painted").await?.unwrap_or_default();
        let ttft = figure(h, "meter-ttft").await?.unwrap_or_default();
        let first_paint = figure(h, "meter-first-paint").await?.unwrap_or_default();
        let lag = figure(h, "meter-lag").await?;
        let server = figure(h, "meter-server").await?;
        // At 147 tok/s drawing keeps pace with arriving: the painted rate is the network's.
        ensure!(
            network > 0.0 && (painted / network - 1.0).abs() < 0.15,
            "painted {painted} vs network {network} tok/s"
        );
        ensure!(
            ttft > 0.0 && first_paint >= ttft,
            "text is on screen after it arrives: first paint {first_paint} ms, TTFT {ttft} ms"
        );
        ensure!(lag.is_some_and(|lag| lag >= 0.0), "render lag p95: {lag:?}");
        ensure!(server.is_some(), "the demo server reports its own timing");

        keep_downloads(h).await?;
        let link = h.share_link().await?;
        h.click("share-download").await?;
        let file: Value = serde_json::from_str(&first_download(h).await?)?;
        let run = &file["run"];
        let receipt = &run["receipt"];
        for field in [
            "painted_tokens_per_second",
            "render_lag_p95_ms",
            "time_to_first_paint_ms",
            "server_tokens_per_second",
            "tokens_per_second",
        ] {
            ensure!(receipt[field].is_number(), "the file's receipt has {field}: {receipt}");
        }
        let arrivals = run["timeline"].as_array().cloned().unwrap_or_default();
        let answer_bytes = run["answer"].as_str().unwrap_or_default().len() as u64;
        ensure!(arrivals.len() > 10, "{} arrivals", arrivals.len());
        let last = &arrivals[arrivals.len() - 1];
        ensure!(
            last[1].as_u64() == Some(answer_bytes),
            "the arrivals cover the answer: {last} of {answer_bytes} bytes"
        );
        let recorded_ms = last[0].as_f64().unwrap_or_default();

        // The link carries the timeline too (a short answer): Replay is offered on opening.
        h.browser.goto("about:blank").await?;
        h.browser.goto(&link).await?;
        wait_for_shared(h).await?;
        h.wait_for("the Replay button", Duration::from_secs(10), async |h| {
            Ok(h.attr("share-replay", "hidden").await?.is_none().then_some(()))
        })
        .await?;
        h.js("window.__replayed = performance.now();", vec![]).await?;
        h.click("share-replay").await?;
        h.wait_for("part of the answer, still streaming", Duration::from_secs(10), async |h| {
            let streaming = h.text("status").await?.contains("Streaming");
            let partial = h.text("answer").await?.len() < original.answer.len();
            Ok((streaming && partial).then_some(()))
        })
        .await?;
        h.wait_for_done(Duration::from_secs(30)).await?;
        let took = h
            .js("return performance.now() - window.__replayed;", vec![])
            .await?
            .as_f64()
            .unwrap_or_default();
        ensure!(
            took >= recorded_ms,
            "the replay keeps the recorded timing: done after {took:.0} ms, last piece at {recorded_ms:.0} ms"
        );
        let replayed = shown(h).await?;
        ensure!(
            replayed.answer == original.answer && replayed.tokens == original.tokens,
            "the same answer and count: {replayed:?}"
        );
        ensure!(
            figure(h, "meter-ttft").await? == Some(ttft),
            "the recorded time to first token"
        );
        let final_rate = figure(h, "meter-final").await?.unwrap_or_default();
        let original_rate: f64 = original.final_rate.as_deref().unwrap_or("0").parse()?;
        ensure!(
            (final_rate / original_rate - 1.0).abs() < 1e-3,
            "the recorded network rate: {final_rate} vs {original_rate}"
        );
        ensure!(
            figure(h, "meter-painted").await?.is_some(),
            "the replay is measured as it is drawn here"
        );
        ensure!(chat_requests(h).await? == 0, "a replay sends no chat request");
        Ok(())
    })
    .await
}
