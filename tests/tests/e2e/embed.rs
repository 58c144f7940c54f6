//! The embed in Chromium, framed by host pages on other loopback ports: the message API
//! round trip, auto-height `resize` events, and a command from a disallowed host ignored.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use sparkplug_e2e::{test_config, Harness};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// About 450 tokens: at demo-147's pace the run lasts about three seconds, long enough for
/// several throttled `rate` events and a growing height.
const EMBED_QUERY: &str = "model=demo-147&prompt=Teach+me+basic+SQL+with+an+example";

/// The host page for a request path: `/` frames the default embed, `/below` an autorun
/// embed below the fold, `/bad` an embed asking for a model the server does not offer.
/// Each records every message from the frame in `window.events`, sizes the frame from
/// `resize` events, and offers `window.send(command)`.
fn host_page(app: &str, path: &str) -> String {
    let (query, spacer) = match path {
        "/below" => (format!("{EMBED_QUERY}&run=auto"), 3000),
        "/bad" => (
            "model=https%3A%2F%2Fevil.example%2Fv1&prompt=hi".to_owned(),
            0,
        ),
        _ => (EMBED_QUERY.to_owned(), 0),
    };
    format!(
        r#"<!doctype html><html><body>
<div style="height:{spacer}px"></div>
<iframe id="embed" src="{app}/embed?{query}" style="width:640px;height:300px;border:0"></iframe>
<script>
window.events = [];
const frame = document.getElementById('embed');
addEventListener('message', (e) => {{
  if (e.source !== frame.contentWindow) return;
  window.events.push(Object.assign({{ origin: e.origin, at: performance.now() }}, e.data));
  if (e.data && e.data.type === 'resize') frame.style.height = e.data.height + 'px';
}});
window.send = (command) => frame.contentWindow.postMessage(command, '{app}');
</script></body></html>"#
    )
}

/// A tiny host server on its own loopback port, answering every GET with [`host_page`].
async fn serve_host(listener: TcpListener, app: String) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let app = app.clone();
        tokio::spawn(async move {
            // Read to the request's blank line (a GET has no body).
            let (mut request, mut chunk) = (Vec::new(), [0u8; 1024]);
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let head = String::from_utf8_lossy(&request);
            let path = head.split_whitespace().nth(1).unwrap_or("/");
            let page = host_page(&app, path);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            stream.write_all(response.as_bytes()).await.ok();
        });
    }
}

fn origin(listener: &TcpListener) -> Result<String> {
    Ok(format!("http://{}", listener.local_addr()?))
}

/// Starts the app and two host servers: the first host may frame and command the embed,
/// the second may only frame it. Returns the harness and both hosts' origins.
async fn start(name: &str) -> Result<(Harness, String, String)> {
    let allowed = TcpListener::bind("127.0.0.1:0").await?;
    let other = TcpListener::bind("127.0.0.1:0").await?;
    let (allowed_origin, other_origin) = (origin(&allowed)?, origin(&other)?);
    let mut config = test_config();
    // Both hosts may frame the embed; only one may command it.
    config.frame_ancestors = vec![allowed_origin.clone(), other_origin.clone()];
    config.embed_hosts = vec![allowed_origin.clone()];
    let h = Harness::start(name, config).await?;
    tokio::spawn(serve_host(allowed, h.base.clone()));
    tokio::spawn(serve_host(other, h.base.clone()));
    Ok((h, allowed_origin, other_origin))
}

async fn events(h: &Harness) -> Result<Vec<Value>> {
    let v = h.js("return window.events || [];", vec![]).await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// Opens a host page and waits for the embed's `ready`.
async fn open_host(h: &Harness, page: &str) -> Result<()> {
    h.browser.goto(page).await?;
    h.wait_for(
        "the embed's ready event",
        Duration::from_secs(20),
        async |h| {
            let all = events(h).await?;
            if let Some(error) = of_type(&all, "error").first() {
                anyhow::bail!("the embed reported an error: {error}");
            }
            Ok((!of_type(&all, "ready").is_empty()).then_some(()))
        },
    )
    .await
}

#[tokio::test]
async fn allowed_host_runs_the_embed_and_hears_every_event() -> Result<()> {
    let (h, allowed, _) = start("embed_round_trip").await?;
    h.run(async |h| {
        open_host(h, &format!("{allowed}/")).await?;
        // Click-to-run is the default: nothing streams until asked.
        h.frames(30).await?;
        ensure!(
            of_type(&events(h).await?, "stream-start").is_empty(),
            "the embed started without being asked"
        );
        h.js("window.send({ v: 1, type: 'run' });", vec![]).await?;
        let all = h
            .wait_for("the done event", Duration::from_secs(60), async |h| {
                let all = events(h).await?;
                Ok((!of_type(&all, "done").is_empty()).then_some(all))
            })
            .await?;
        let kinds: Vec<&str> = all.iter().filter_map(|e| e["type"].as_str()).collect();
        let first = |kind: &str| kinds.iter().position(|k| *k == kind);
        let (ready, start, rate, done) = (
            first("ready").context("no ready")?,
            first("stream-start").context("no stream-start")?,
            first("rate").context("no rate")?,
            first("done").context("no done")?,
        );
        ensure!(ready < start && start < rate && rate < done, "event order: {kinds:?}");
        for event in &all {
            ensure!(event["v"] == 1 && event["source"] == "sparkplug-embed", "{event}");
        }

        let done = of_type(&all, "done")[0];
        ensure!(done["outcome"] == "finished", "{done}");
        let stats = &done["stats"];
        ensure!(stats["tokens"].as_u64().unwrap_or(0) > 100, "{stats}");
        let rate = stats["tokens_per_second"].as_f64().unwrap_or(0.0);
        ensure!((60.0..400.0).contains(&rate), "demo-147 ran at {rate} tokens/s");
        ensure!(stats["ttft_ms"].as_f64().is_some(), "{stats}");
        for render in ["painted_tokens_per_second", "render_lag_p95_ms", "time_to_first_paint_ms"] {
            ensure!(stats[render].as_f64().is_some(), "the render figures: {stats}");
        }

        // Throttled: at most 4 rate events a second of streaming (+1 for the first).
        let rates = of_type(&all, "rate");
        let span_s = (done["at"].as_f64().unwrap_or(0.0) - all[start]["at"].as_f64().unwrap_or(0.0)) / 1000.0;
        ensure!(
            rates.len() as f64 <= span_s * 4.0 + 2.0,
            "{} rate events in {span_s:.1} s",
            rates.len()
        );

        // Auto-height: the content grew while the answer streamed, and the host followed.
        let heights: Vec<f64> = of_type(&all, "resize")
            .iter()
            .filter_map(|e| e["height"].as_f64())
            .collect();
        let (low, high) = (
            heights.iter().copied().fold(f64::MAX, f64::min),
            heights.iter().copied().fold(0.0, f64::max),
        );
        ensure!(heights.len() >= 2 && high > low + 100.0, "resize heights {heights:?}");
        let frame_height = h
            .js("return document.getElementById('embed').getBoundingClientRect().height;", vec![])
            .await?;
        ensure!(
            (frame_height.as_f64().unwrap_or(0.0) - heights[heights.len() - 1]).abs() < 2.0,
            "the frame is {frame_height} px, the last resize said {heights:?}"
        );

        // A new prompt by command, then a stop: the run ends as stopped.
        h.js(
            "window.events = []; window.send({ v: 1, type: 'run', prompt: 'Write a Minesweeper clone in a single HTML file' });",
            vec![],
        )
        .await?;
        h.wait_for("the second run to stream", Duration::from_secs(20), async |h| {
            Ok((!of_type(&events(h).await?, "rate").is_empty()).then_some(()))
        })
        .await?;
        h.js("window.send({ v: 1, type: 'stop' });", vec![]).await?;
        let done = h
            .wait_for("the stopped run's done", Duration::from_secs(20), async |h| {
                Ok(of_type(&events(h).await?, "done").first().map(|d| (*d).clone()))
            })
            .await?;
        ensure!(done["outcome"] == "stopped", "{done}");
        let start = &of_type(&events(h).await?, "stream-start")[0].clone();
        ensure!(start["prompt"] == json!("Write a Minesweeper clone in a single HTML file"), "{start}");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn command_from_a_disallowed_host_is_ignored() -> Result<()> {
    let (h, _, other) = start("embed_disallowed").await?;
    h.run(async |h| {
        // This host may frame the embed (and hears its events) but may not command it.
        open_host(h, &format!("{other}/")).await?;
        h.js(
            "window.send({ v: 1, type: 'run' }); window.send(JSON.stringify({ v: 1, type: 'run' }));",
            vec![],
        )
        .await?;
        h.frames(120).await?;
        let all = events(h).await?;
        ensure!(
            of_type(&all, "stream-start").is_empty() && of_type(&all, "rate").is_empty(),
            "a disallowed host started a run: {all:?}"
        );
        // The frame itself shows no answer either.
        let frame = h.browser.find(fantoccini::Locator::Css("#embed")).await?;
        frame.enter_frame().await?;
        let shown = h
            .js(
                "const a = document.querySelector('[data-test=answer]'); return a ? a.textContent.length : -1;",
                vec![],
            )
            .await?;
        ensure!(shown == json!(0), "the embed's answer has {shown} characters");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn autorun_waits_until_the_embed_is_scrolled_into_view() -> Result<()> {
    let (h, allowed, _) = start("embed_autorun").await?;
    h.run(async |h| {
        open_host(h, &format!("{allowed}/below")).await?;
        h.frames(60).await?;
        ensure!(
            of_type(&events(h).await?, "stream-start").is_empty(),
            "the embed ran below the fold"
        );
        h.js("document.getElementById('embed').scrollIntoView();", vec![])
            .await?;
        h.wait_for("the autorun to start", Duration::from_secs(10), async |h| {
            Ok((!of_type(&events(h).await?, "stream-start").is_empty()).then_some(()))
        })
        .await
    })
    .await
}

#[tokio::test]
async fn bad_parameters_are_shown_and_reported() -> Result<()> {
    let (h, allowed, _) = start("embed_bad_params").await?;
    h.run(async |h| {
        // Framed: the host hears an `error` event naming the refused model.
        h.browser.goto(&format!("{allowed}/bad")).await?;
        let error = h
            .wait_for("the error event", Duration::from_secs(20), async |h| {
                Ok(of_type(&events(h).await?, "error")
                    .first()
                    .map(|e| e["message"].as_str().unwrap_or_default().to_owned()))
            })
            .await?;
        ensure!(
            error.contains("evil.example") && error.contains("not offered"),
            "{error}"
        );
        ensure!(
            of_type(&events(h).await?, "ready").is_empty(),
            "a refused embed said ready"
        );
        // Opened directly: the page says what is wrong.
        for (query, expected) in [
            (
                "prompt=hi&model=demo-1000&them=dark",
                "unknown parameter `them`",
            ),
            (
                "prompt=hi&model=demo-1000&view=video",
                "`view` must be one of",
            ),
            ("model=demo-1000", "needs a `prompt`"),
        ] {
            h.browser.goto(&format!("{}/embed?{query}", h.base)).await?;
            let shown = h
                .wait_for("the error message", Duration::from_secs(20), async |h| {
                    let text = h.text("embed-error").await?;
                    Ok((!text.is_empty()).then_some(text))
                })
                .await?;
            ensure!(shown.contains(expected), "{query}: {shown}");
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn docs_page_shows_a_live_embed_and_the_snippet() -> Result<()> {
    let h = Harness::start("embed_docs", test_config()).await?;
    h.run(async |h| {
        h.browser.goto(&format!("{}/docs/embed", h.base)).await?;
        // The page's own script (allowed by hash) hears the framed embed's events.
        h.wait_for(
            "the live embed's events",
            Duration::from_secs(20),
            async |h| {
                let text = h
                    .js(
                        "return document.getElementById('last-event').textContent;",
                        vec![],
                    )
                    .await?;
                let text = text.as_str().unwrap_or_default().to_owned();
                Ok((text != "Last event: none yet.").then_some(()))
            },
        )
        .await?;
        let snippet = h
            .js(
                "return document.querySelector('pre code').textContent;",
                vec![],
            )
            .await?;
        let snippet = snippet.as_str().unwrap_or_default();
        ensure!(
            snippet.contains(&format!("{}/embed?model=demo-1000", h.base)),
            "{snippet}"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn view_parameter_chooses_answer_preview_or_both() -> Result<()> {
    let h = Harness::start("embed_views", test_config()).await?;
    h.run(async |h| {
        for (view, answer_shown, panel_shown) in [
            ("answer", true, false),
            ("preview", false, true),
            ("both", true, true),
        ] {
            h.browser
                .goto(&format!("{}/embed?{EMBED_QUERY}&view={view}", h.base))
                .await?;
            let shown = h
                .wait_for("the embed", Duration::from_secs(20), async |h| {
                    let v = h
                        .js(
                            "if (!document.querySelector('[data-test=embed-run]')) return null;
                             const seen = (s) => { const e = document.querySelector(s); return !!e && e.offsetParent !== null; };
                             return [seen('[data-test=answer]'), !!document.querySelector('[data-test=run-panel]')];",
                            vec![],
                        )
                        .await?;
                    Ok((!v.is_null()).then_some(v))
                })
                .await?;
            // The run panel stays hidden until there is an answer to run, so only its
            // presence is checked here; the answer must be visible or not.
            ensure!(
                shown == json!([answer_shown, panel_shown]),
                "view={view}: answer shown, run panel present: {shown}"
            );
        }
        Ok(())
    })
    .await
}
