//! Downloads in Chromium: a block saves under its language's extension with its exact text,
//! and "Download page" saves the web answer as one runnable HTML page.

use std::time::Duration;

use anyhow::{anyhow, ensure, Result};
use serde_json::{json, Value};
use sparkplug_e2e::{test_config, Harness};

const PROMPT: &str = "Write a Minesweeper clone in a single HTML file";

/// Records each download (the anchor's file name and the Blob behind its URL) instead of
/// saving it, so the test reads what the user would get.
const CATCH_DOWNLOADS: &str = "
    window.caught = [];
    const blobs = new Map();
    const make = URL.createObjectURL;
    URL.createObjectURL = (blob) => { const url = make(blob); blobs.set(url, blob); return url; };
    HTMLAnchorElement.prototype.click = function () {
      const blob = blobs.get(this.href);
      if (this.download && blob) blob.text().then(text => caught.push({ name: this.download, type: blob.type, text }));
    };";

/// The `n`th caught download, once it has been read.
async fn caught(h: &Harness, n: usize) -> Result<Value> {
    h.wait_for("the download", Duration::from_secs(5), async |h| {
        let all = h.js("return window.caught;", vec![]).await?;
        Ok(all.get(n).cloned())
    })
    .await
}

#[tokio::test]
async fn blocks_and_the_whole_page_download_with_the_right_names_and_text() -> Result<()> {
    let h = Harness::start("download", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.js(CATCH_DOWNLOADS, vec![]).await?;
        h.choose_listed_model("demo-1000").await?;
        h.type_into("prompt", PROMPT).await?;
        h.click("send").await?;
        h.wait_for_done(Duration::from_secs(60)).await?;
        let code = h
            .js(
                "return document.querySelector('.code-block .code-body').textContent;",
                vec![],
            )
            .await?;

        h.click("download-code").await?;
        let block = caught(h, 0).await?;
        ensure!(
            block["name"] == json!("sparkplug-block-1.html"),
            "block file: {}",
            block["name"]
        );
        ensure!(block["text"] == code, "the block's exact text");
        let kind = block["type"].as_str().unwrap_or_default();
        ensure!(kind.starts_with("text/html"), "type {kind}");

        let hidden = h.attr("download-page", "hidden").await?;
        ensure!(hidden.is_none(), "a web answer offers its page");
        h.click("download-page").await?;
        let page = caught(h, 1).await?;
        ensure!(
            page["name"] == json!("sparkplug-page.html"),
            "page file: {}",
            page["name"]
        );
        let text = page["text"]
            .as_str()
            .ok_or_else(|| anyhow!("no page text"))?;
        let code = code.as_str().unwrap_or_default();
        ensure!(
            text.contains("<!DOCTYPE html>") && text.contains("function newGame"),
            "one runnable page with the answer's code: {:.200}",
            text
        );
        ensure!(
            text.len() >= code.trim().len(),
            "nothing of the code is lost"
        );
        Ok(())
    })
    .await
}
