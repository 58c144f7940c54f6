//! Share links in Chromium: a streamed answer's link reopens with the same prompt, model,
//! answer and final rate without any chat request; a too-big run round-trips as a file.

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
        // Keep the blob the page hands to the download link, to read it back.
        h.js(
            "const make = URL.createObjectURL; window.__blobs = [];
             URL.createObjectURL = b => { window.__blobs.push(b); return make(b); };",
            vec![],
        )
        .await?;
        h.click("share").await?;
        let note = h.text("share-too-big").await?;
        ensure!(note.contains("16384"), "the limit is stated: {note:?}");
        h.click("share-download").await?;
        let file = h
            .browser
            .execute_async(
                "const done = arguments[arguments.length - 1]; window.__blobs[0].text().then(done);",
                vec![],
            )
            .await?;
        let file = file.as_str().unwrap_or_default().to_string();
        ensure!(file.contains("sparkplug-share/1"), "a tagged JSON file");

        h.browser.goto("about:blank").await?;
        h.open("/").await?;
        h.js(
            "const t = new DataTransfer();
             t.items.add(new File([arguments[0]], 'sparkplug-share.json', {type: 'application/json'}));
             document.body.dispatchEvent(new DragEvent('drop', {dataTransfer: t, bubbles: true, cancelable: true}));",
            vec![Value::String(file)],
        )
        .await?;
        wait_for_shared(h).await?;
        let restored = h
            .wait_for("the whole answer", Duration::from_secs(10), async |h| {
                let restored = shown(h).await?;
                Ok((restored.answer.len() == original.answer.len()).then_some(restored))
            })
            .await?;
        ensure!(restored == original, "restored the same prompt, answer and figures");
        ensure!(chat_requests(h).await? == 0, "opening a file sends no chat request");

        // A damaged link is a clear message, not a broken page.
        h.browser.goto("about:blank").await?;
        h.browser.goto(&format!("{}/#share=1.not-a-real-link", h.base)).await?;
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
