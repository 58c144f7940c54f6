//! The endpoints panel in Chromium: adding an endpoint and its key, where the key is kept
//! (this browser's storage only, apart from the endpoints) and forgetting all keys at once.

use std::time::Duration;

use anyhow::{ensure, Result};
use serde_json::json;
use sparkplug_e2e::{test_config, Harness};

const KEY: &str = "sk-test-DO-NOT-LEAK-4f9a";

async fn storage(h: &Harness, name: &str) -> Result<Option<String>> {
    let v = h
        .js(
            "return localStorage.getItem(arguments[0]);",
            vec![json!(name)],
        )
        .await?;
    Ok(v.as_str().map(str::to_string))
}

#[tokio::test]
async fn keys_stay_in_this_browser_apart_from_endpoints_and_are_forgotten_in_one_click(
) -> Result<()> {
    let h = Harness::start("endpoints_keys", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.click("open-settings").await?;
        h.set_value("preset", "1").await?;
        h.click("add-endpoint").await?;
        h.wait_for("the new endpoint", Duration::from_secs(5), async |h| {
            h.attr("endpoint-editor", "data-id").await
        })
        .await?;
        h.set_value("endpoint-key", KEY).await?;

        let keys = storage(h, "sparkplug.keys.v1").await?.unwrap_or_default();
        ensure!(keys.contains(KEY), "the key is saved in this browser: {keys:?}");
        let endpoints = storage(h, "sparkplug.endpoints.v1").await?.unwrap_or_default();
        ensure!(endpoints.contains("api.openai.com"), "the endpoint is saved: {endpoints}");
        ensure!(!endpoints.contains(KEY), "the endpoints entry holds no key");
        let url = h.browser.current_url().await?;
        ensure!(!url.as_str().contains(KEY), "no key in the URL");
        let html = h.js("return document.documentElement.outerHTML;", vec![]).await?;
        ensure!(
            !html.as_str().unwrap_or_default().contains(KEY),
            "the key is never written into the DOM's markup"
        );
        let selected = h
            .js("return document.querySelector('[data-test=endpoint]').selectedOptions[0].textContent;", vec![])
            .await?;
        ensure!(selected == json!("OpenAI"), "the new endpoint is selected: {selected}");

        // A bad URL is refused with a reason, and a URL carrying a key is refused too.
        h.set_value("endpoint-url", "https://api.example.com/v1?api_key=sk-1")
            .await?;
        let error = h.text("endpoint-error").await?;
        ensure!(error.contains("not in the URL"), "a key in the URL is refused: {error:?}");
        let endpoints = storage(h, "sparkplug.endpoints.v1").await?.unwrap_or_default();
        ensure!(!endpoints.contains("api_key"), "the refused URL was not saved");

        // Reload: the endpoint and key survive.
        h.open("/").await?;
        let keys = storage(h, "sparkplug.keys.v1").await?.unwrap_or_default();
        ensure!(keys.contains(KEY), "keys survive a reload");

        h.click("open-settings").await?;
        h.click("forget-keys").await?;
        ensure!(storage(h, "sparkplug.keys.v1").await?.is_none(), "forgetting removes every key");
        let field = h
            .js("return document.querySelector('[data-test=endpoint-key]').value;", vec![])
            .await?;
        ensure!(field == json!(""), "the key field is empty after forgetting");
        ensure!(
            h.text("settings-notice").await?.contains("removed"),
            "says the keys were removed"
        );
        Ok(())
    })
    .await
}
