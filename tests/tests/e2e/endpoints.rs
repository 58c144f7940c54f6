//! The endpoints panel in Chromium: adding an endpoint from a chosen preset and its key,
//! where the key is kept (this browser's storage only, apart from the endpoints), forgetting
//! all keys at once, and Test connection: the models and the round trip, or the failure with
//! the URL it tried.

use std::time::Duration;

use anyhow::{ensure, Result};
use serde_json::{json, Value};
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
        add_endpoint(h, "OpenAI").await?;
        ensure!(
            h.text("endpoint-heading").await? == "OpenAI",
            "the chosen preset, not the first one"
        );
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

/// Adds an endpoint the way a user does: opens Add and picks the preset named `preset`;
/// returns the new endpoint's id once its editor is there.
async fn add_endpoint(h: &Harness, preset: &str) -> Result<String> {
    let before = editor_ids(h).await?;
    h.click("add-endpoint").await?;
    h.js(
        "const b = [...document.querySelectorAll('[data-test=add-preset]')].find(b => b.dataset.preset === arguments[0]);
         if (!b) throw new Error('no preset ' + arguments[0]);
         b.click();",
        vec![json!(preset)],
    )
    .await?;
    h.wait_for("the new endpoint", Duration::from_secs(5), async |h| {
        let ids = editor_ids(h).await?;
        Ok(ids.into_iter().find(|id| !before.contains(id)))
    })
    .await
}

async fn editor_ids(h: &Harness) -> Result<Vec<String>> {
    let v = h
        .js(
            "return [...document.querySelectorAll('[data-test=endpoint-editor]')].map(e => e.dataset.id);",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

/// Presses Test connection and waits for its result: its state (`ok` or `failed`), its
/// text and, when it connected, the latency it reports and the models it lists.
async fn test_connection(h: &Harness) -> Result<(String, String, Value)> {
    h.click("test-connection").await?;
    h.wait_for("the test's result", Duration::from_secs(15), async |h| {
        let result = h
            .js(
                "const r = document.querySelector('[data-test=connection-result]');
                 if (!r || r.dataset.state === 'running') return null;
                 return [r.dataset.state, r.textContent, {
                   latency: r.dataset.latencyMs ?? null,
                   models: [...r.querySelectorAll('[data-test=connection-models] li')].map(l => l.textContent)}];",
                vec![],
            )
            .await?;
        Ok(match result.as_array().map(Vec::as_slice) {
            Some([state, text, extra]) => Some((
                state.as_str().unwrap_or_default().to_owned(),
                text.as_str().unwrap_or_default().to_owned(),
                extra.clone(),
            )),
            _ => None,
        })
    })
    .await
}

#[tokio::test]
async fn a_custom_endpoint_tests_its_connection_and_names_the_url_it_could_not_reach() -> Result<()>
{
    // A port nothing listens on: bound, then let go.
    let free_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let h = Harness::start("endpoints_test_connection", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.click("open-settings").await?;
        add_endpoint(h, "Custom (OpenAI-compatible)").await?;
        ensure!(
            h.text("endpoint-heading").await? == "Custom (OpenAI-compatible)",
            "headed by the preset's name"
        );
        let focused = h
            .js(
                "return document.activeElement?.dataset?.test ?? null;",
                vec![],
            )
            .await?;
        ensure!(
            focused == json!("endpoint-url"),
            "the URL to type takes the focus: {focused}"
        );
        let missing = h.text("endpoint-missing").await?;
        ensure!(
            missing.contains("the base URL") && missing.contains("the model"),
            "says what to fill in: {missing:?}"
        );

        // The heading follows the name while it is typed, before it is saved.
        let name = h
            .browser
            .find(fantoccini::Locator::Css(&Harness::sel("endpoint-name")))
            .await?;
        name.clear().await?;
        name.send_keys("My demo server").await?;
        ensure!(
            h.text("endpoint-heading").await? == "My demo server",
            "the heading follows the name: {:?}",
            h.text("endpoint-heading").await?
        );

        // Against this server's own API: its demo models and a round trip in ms.
        h.set_value("endpoint-url", &format!("{}/v1", h.base))
            .await?;
        h.set_value("endpoint-model", "demo-1000").await?;
        ensure!(
            h.text("endpoint-missing").await?.is_empty(),
            "nothing left to fill in"
        );
        h.set_value("endpoint-key", KEY).await?;
        let (state, text, extra) = test_connection(h).await?;
        ensure!(state == "ok", "connected: {text}");
        let latency: f64 = extra["latency"].as_str().unwrap_or_default().parse()?;
        ensure!(
            text.starts_with(&format!("Connected in {latency:.0} ms:")) && latency >= 0.0,
            "the round trip in ms: {text}"
        );
        let models = extra["models"].as_array().cloned().unwrap_or_default();
        ensure!(
            models.contains(&json!("demo-1000")) && models.contains(&json!("demo-52")),
            "lists the demo models: {models:?}"
        );

        // Nothing listening: the error names the URL it tried and says so.
        let url = format!("http://127.0.0.1:{free_port}/v1");
        h.set_value("endpoint-url", &url).await?;
        let (state, text, _) = test_connection(h).await?;
        ensure!(state == "failed", "a failure: {text}");
        ensure!(
            text.contains(&format!("{url}/models")) && text.contains("nothing is listening"),
            "names the URL and the refusal: {text}"
        );
        ensure!(!text.contains(KEY), "never the key");

        // A port browsers refuse is told apart from a refusal.
        h.set_value("endpoint-url", "http://127.0.0.1:6666/v1")
            .await?;
        let (state, text, _) = test_connection(h).await?;
        ensure!(
            state == "failed"
                && text.contains("http://127.0.0.1:6666/v1/models")
                && text.contains("refuse to connect to port 6666"),
            "a blocked port: {text}"
        );

        // A run on it fails the same way, naming the URL it tried.
        h.set_value("endpoint-url", &url).await?;
        h.ask("demo-1000", "Write FizzBuzz in Python").await?;
        let status = h
            .wait_for("the failure", Duration::from_secs(15), async |h| {
                let status = h.text("status").await?;
                Ok(status.contains("Nothing answered").then_some(status))
            })
            .await?;
        ensure!(
            status.contains(&format!("{url}/chat/completions")),
            "the run's error names its URL: {status}"
        );
        // A request that got no answer is no chat: nothing to share, save or follow up.
        h.wait_for("Send to be back", Duration::from_secs(5), async |h| {
            Ok(h.attr("send", "disabled").await?.is_none().then_some(()))
        })
        .await?;
        h.frames(30).await?;
        ensure!(h.attr("share", "disabled").await?.is_some(), "Share is off");
        let rows = h
            .js(
                "return document.querySelectorAll('[data-test=history-item]').length;",
                vec![],
            )
            .await?;
        ensure!(rows == json!(0), "no chat was saved: {rows} rows");
        ensure!(
            h.attr("send-mode", "data-new-chat").await?.as_deref() == Some("true"),
            "the next Send starts a new chat"
        );
        Ok(())
    })
    .await
}
