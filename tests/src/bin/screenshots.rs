//! `cargo run -p sparkplug-e2e --bin screenshots`: takes the README's screenshots from the
//! real app in headless Chromium into `docs/`: the desktop workspace mid-stream (its page
//! already live) and finished, a phone mid-stream and on its Result tab, and the kiosk.

use std::time::Duration;

use anyhow::{Context, Result};
use sparkplug_e2e::{test_config, workspace_root, Harness};

const PROMPT: &str = "Write a Minesweeper clone in a single HTML file";

#[tokio::main]
async fn main() -> Result<()> {
    let h = Harness::start("screenshots", test_config()).await?;
    h.run(async |h| {
        let docs = workspace_root().join("docs");
        std::fs::create_dir_all(&docs)?;

        // Desktop: streaming at 170 tok/s, the page already running beside the answer.
        h.browser.set_window_size(1400, 900).await?;
        h.open("/").await?;
        save(h, &docs.join("screenshot-first-visit.png")).await?;
        h.use_model("demo-170").await?;
        h.type_into("prompt", PROMPT).await?;
        h.click("send").await?;
        h.wait_for("the live preview", Duration::from_secs(90), async |h| {
            Ok(page_loaded(h).await?.then_some(()))
        })
        .await?;
        save(h, &docs.join("screenshot-stream.png")).await?;
        settled(h).await?;
        save(h, &docs.join("screenshot-done.png")).await?;

        // Phone: the meter on top while the answer streams, then the Result tab.
        h.browser.set_window_size(390, 844).await?;
        h.open("/").await?;
        h.use_model("demo-147").await?;
        h.type_into("prompt", PROMPT).await?;
        h.click("send").await?;
        h.wait_for(
            "the answer to be under way",
            Duration::from_secs(30),
            async |h| Ok((h.text("answer").await?.len() > 1500).then_some(())),
        )
        .await?;
        save(h, &docs.join("screenshot-phone-stream.png")).await?;
        settled(h).await?;
        h.click("tab-result").await?;
        h.wait_for("the page to load", Duration::from_secs(30), async |h| {
            Ok(page_loaded(h).await?.then_some(()))
        })
        .await?;
        save(h, &docs.join("screenshot-phone-result.png")).await?;

        // The kiosk mid-race: its attract loop starts by itself.
        h.browser.set_window_size(1400, 900).await?;
        h.browser.goto(&format!("{}/kiosk", h.base)).await?;
        h.wait_for("a race under way", Duration::from_secs(30), async |h| {
            let text = h
                .js(
                    "return document.querySelector('.kiosk')?.textContent?.length ?? 0;",
                    vec![],
                )
                .await?;
            Ok((text.as_u64().unwrap_or(0) > 2500).then_some(()))
        })
        .await?;
        save(h, &docs.join("screenshot-kiosk.png")).await?;
        Ok(())
    })
    .await
}

async fn page_loaded(h: &Harness) -> Result<bool> {
    Ok(h.text("run-status").await?.starts_with("Page loaded"))
}

async fn save(h: &Harness, path: &std::path::Path) -> Result<()> {
    let png = h.browser.screenshot().await?;
    std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The answer is done and its fix loop has run its code (Send is enabled again), so the
/// shot shows the settled turn, not a run in progress.
async fn settled(h: &Harness) -> Result<()> {
    h.wait_for_done(Duration::from_secs(90)).await?;
    h.wait_for("the loop to settle", Duration::from_secs(30), async |h| {
        Ok(h.attr("send", "disabled").await?.is_none().then_some(()))
    })
    .await
}
