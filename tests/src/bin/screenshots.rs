//! `cargo run -p sparkplug-e2e --bin screenshots`: takes the README's screenshots from the
//! real app in headless Chromium (a run mid-stream, one finished, a follow-up under the chat's
//! earlier turn, the kiosk) into `docs/`.

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::json;
use sparkplug_e2e::{test_config, workspace_root, Harness};

#[tokio::main]
async fn main() -> Result<()> {
    let h = Harness::start("screenshots", test_config()).await?;
    h.run(async |h| {
        let docs = workspace_root().join("docs");
        std::fs::create_dir_all(&docs)?;
        h.open("/").await?;
        h.use_model("demo-1000").await?;
        h.type_into("prompt", "Write a Minesweeper clone in a single HTML file")
            .await?;
        h.click("send").await?;
        h.wait_for(
            "the answer to be under way",
            Duration::from_secs(20),
            async |h| {
                let len = h.text("answer").await?.len();
                Ok((len > 3000).then_some(()))
            },
        )
        .await?;
        save(h, &docs.join("screenshot-stream.png")).await?;
        h.wait_for("the run to end", Duration::from_secs(30), async |h| {
            h.attr("status", "data-chars").await
        })
        .await?;
        h.js("window.scrollTo(0, 0);", vec![json!(null)]).await?;
        save(h, &docs.join("screenshot-done.png")).await?;

        // A follow-up: the first answer becomes the chat's earlier turn above the new one.
        h.type_into("prompt", "Make the board bigger").await?;
        h.click("send").await?;
        h.wait_for_answer(Duration::from_secs(30)).await?;
        h.js(
            "document.querySelector('[data-test=transcript]').scrollIntoView(); window.scrollBy(0, -80);",
            vec![],
        )
        .await?;
        save(h, &docs.join("screenshot-chat.png")).await?;

        // The kiosk mid-race: its attract loop starts by itself.
        h.browser.goto(&format!("{}/kiosk", h.base)).await?;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        save(h, &docs.join("screenshot-kiosk.png")).await?;
        Ok(())
    })
    .await
}

async fn save(h: &Harness, path: &std::path::Path) -> Result<()> {
    let png = h.browser.screenshot().await?;
    std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
