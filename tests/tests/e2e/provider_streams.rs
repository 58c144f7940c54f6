//! Real recorded provider streams and provider errors, replayed by our server in odd-sized
//! chunks, read by the app in Chromium: same text and usage as the recording's expected
//! reduction, side channels shown apart, and every failure explained with the partial kept.

use std::path::Path;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use sparkplug_e2e::{fixtures_dir, test_config, Config, Harness};

fn config() -> Config {
    Config {
        enable_test_models: true,
        fixtures_dir: fixtures_dir().join("streams"),
        ..test_config()
    }
}

/// What the page shows once a run has ended.
struct Ended {
    tone: String,
    status: String,
    chars: usize,
    tokens: u64,
    answer: String,
}

async fn send_and_wait(h: &Harness, model: &str) -> Result<Ended> {
    h.use_model(model).await?;
    h.click("send").await?;
    // `data-chars` appears when the run has ended; Send is enabled again.
    h.wait_for(
        &format!("{model} to end"),
        Duration::from_secs(30),
        async |h| {
            let chars = h.attr("status", "data-chars").await?;
            let busy = h.attr("send", "disabled").await?.is_some();
            Ok(chars.filter(|_| !busy))
        },
    )
    .await?;
    let chars = h
        .attr("status", "data-chars")
        .await?
        .unwrap_or_default()
        .parse()?;
    let tokens = h
        .attr("meter-tokens", "data-value")
        .await?
        .unwrap_or_default()
        .parse()?;
    Ok(Ended {
        tone: h.attr("status", "class").await?.unwrap_or_default(),
        status: h.text("status").await?,
        chars,
        tokens,
        answer: h.text("answer").await?,
    })
}

/// The recorded bodies of one format's folders, each with its expected reduction.
fn recordings(dirs: &[&str], extension: &str) -> Result<Vec<(String, Value)>> {
    let root = fixtures_dir().join("streams");
    let mut out = Vec::new();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .with_context(|| format!("reading fixtures in {dir}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == extension))
            .collect();
        files.sort();
        for path in files {
            let expected = path.with_extension("expected.json");
            let expected: Value = serde_json::from_str(&std::fs::read_to_string(&expected)?)?;
            out.push((relative(&root, &path), expected));
        }
    }
    Ok(out)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Whether the recording ends the way a finished generation ends, by its expected file.
fn completes(format: &str, expected: &Value) -> bool {
    if !expected["error"].is_null() {
        return false;
    }
    let said_why = !expected["finish_reason"].is_null() || !expected["stop_reason"].is_null();
    let marker = [
        &expected["done_sentinel"],
        &expected["message_stop"],
        &expected["done"],
    ]
    .iter()
    .any(|v| **v == json!(true));
    // Every error-free Responses recording ends with `response.completed`.
    said_why || marker || format == "openai-responses"
}

/// Endpoints for the formats our demo models do not speak, pointed at the server's
/// test-only replay routes, saved the way the app saves them.
async fn add_format_endpoints(h: &Harness) -> Result<()> {
    let v1 = format!("{}/v1", h.base);
    let endpoints = json!({
        "list": [
            {"id": "ep1", "name": "anthropic", "base_url": v1, "format": "anthropic", "model": "x"},
            {"id": "ep2", "name": "openai-responses", "base_url": v1, "format": "openai-responses", "model": "x"},
            {"id": "ep3", "name": "ollama", "base_url": h.base, "format": "ollama", "model": "x"},
        ],
        "selected": "demo",
        "next_id": 4,
    });
    h.js(
        "localStorage.setItem('sparkplug.endpoints.v1', arguments[0]);",
        vec![json!(endpoints.to_string())],
    )
    .await?;
    h.open("/").await
}

#[tokio::test]
async fn recorded_streams_read_in_the_browser_match_their_expected_reduction() -> Result<()> {
    let formats = [
        (
            "demo",
            "openai-chat",
            recordings(
                &[
                    "openai-chat",
                    "openai-completions",
                    "groq",
                    "cerebras",
                    "deepseek",
                    "mistral",
                    "xai",
                    "perplexity",
                    "derived",
                ],
                "sse",
            )?,
        ),
        ("ep1", "anthropic", recordings(&["anthropic"], "sse")?),
        (
            "ep2",
            "openai-responses",
            recordings(&["openai-responses"], "sse")?,
        ),
        ("ep3", "ollama", recordings(&["ollama"], "ndjson")?),
    ];
    let total: usize = formats.iter().map(|(_, _, r)| r.len()).sum();
    ensure!(total == 52, "expected all 52 recordings, found {total}");
    let h = Harness::start("provider_streams_fixtures", config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        add_format_endpoints(h).await?;
        for (endpoint, format, fixtures) in &formats {
            h.set_value("endpoint", endpoint).await?;
            for (path, expected) in fixtures {
                // 61-byte slices: still split mid-line and mid-character, but quick.
                let ended = send_and_wait(h, &format!("test/fixture@61/{path}")).await?;
                let text = expected["text"].as_str().unwrap_or_default();
                ensure!(
                    ended.chars == text.chars().count(),
                    "{path}: {} characters shown, the recording has {}",
                    ended.chars,
                    text.chars().count()
                );
                // A finished stream's last usage report is its final count; a failed one
                // may stop before it (Anthropic's opening report says 1 token), and the
                // meter rightly estimates the text that came after.
                let final_usage = expected["usage_normalized"]["output_tokens"].as_u64();
                if let (Some(out), true) = (final_usage, completes(format, expected)) {
                    ensure!(
                        ended.tokens == out,
                        "{path}: meter shows {} tokens, usage says {out}",
                        ended.tokens
                    );
                }
                let failed = ended.tone.contains("error");
                ensure!(
                    failed != completes(format, expected),
                    "{path}: status {:?} ({}) but the recording {}",
                    ended.status,
                    ended.tone,
                    if failed { "completes" } else { "fails" }
                );
                let message = expected["error"]["message"]
                    .as_str()
                    .or(expected["error"]["error"]["message"].as_str())
                    .or(expected["error"].as_str());
                if let Some(message) = message {
                    ensure!(
                        ended.status.contains(message),
                        "{path}: the provider's message {message:?} is shown: {:?}",
                        ended.status
                    );
                }
            }
        }
        eprintln!("checked {total} recordings in the browser");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn reasoning_refusal_and_tool_calls_are_shown_apart_from_the_answer() -> Result<()> {
    let h = Harness::start("provider_streams_side", config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        let ended = send_and_wait(
            h,
            "test/fixture/deepseek/vercel-ai_deepseek-reasoner_reasoning-content.sse",
        )
        .await?;
        let hidden = h.attr("reasoning", "hidden").await?;
        ensure!(hidden.is_none(), "the reasoning section is shown");
        let reasoning = h.text("reasoning").await?;
        ensure!(
            reasoning.len() > 20,
            "reasoning text is there: {reasoning:?}"
        );
        ensure!(
            !ended
                .answer
                .contains(reasoning.trim_start_matches("Reasoning").trim()),
            "reasoning is not in the answer"
        );

        send_and_wait(
            h,
            "test/fixture/openai-chat/openai-python_gpt-4o_refusal_include-usage.sse",
        )
        .await?;
        let refusal = h.text("refusal").await?;
        ensure!(
            refusal.contains("I'm sorry, I can't assist with that request."),
            "refusal shown: {refusal:?}"
        );
        ensure!(
            h.attr("reasoning", "hidden").await?.is_some(),
            "a new run hides the old reasoning"
        );

        send_and_wait(
            h,
            "test/fixture/openai-chat/openai-python_gpt-4o_parallel-tool-calls.sse",
        )
        .await?;
        let calls = h.text("tool-calls").await?;
        ensure!(
            calls.contains("#0 ") && calls.contains("#1 "),
            "both tool calls: {calls:?}"
        );
        ensure!(
            calls.contains("{\""),
            "arguments shown as raw JSON: {calls:?}"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn failures_are_explained_and_the_partial_answer_is_kept() -> Result<()> {
    let h = Harness::start("provider_streams_errors", config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        for (model, must_say) in [
            ("test/error/401", vec!["HTTP 401", "API key"]),
            ("test/error/404", vec!["HTTP 404", "model"]),
            ("test/error/429", vec!["HTTP 429", "try again in 7 s"]),
            ("test/error/500", vec!["HTTP 500", "try again"]),
            ("test/error/503", vec!["HTTP 503"]),
        ] {
            let ended = send_and_wait(h, model).await?;
            ensure!(
                ended.tone.contains("error"),
                "{model}: an error status, got {:?}",
                ended.status
            );
            for words in must_say {
                ensure!(
                    ended.status.contains(words),
                    "{model}: {:?} should say {words:?}",
                    ended.status
                );
            }
        }

        let cut = send_and_wait(h, "test/cut/40").await?;
        ensure!(
            cut.tone.contains("error"),
            "a cut stream is a failure: {:?}",
            cut.status
        );
        ensure!(
            cut.chars > 20 && cut.answer.chars().count() >= cut.chars.min(20),
            "partial text kept ({} chars)",
            cut.chars
        );
        ensure!(
            cut.status.contains("connection") && cut.status.contains("partial answer is kept"),
            "says the connection was cut: {:?}",
            cut.status
        );

        let in_band = send_and_wait(
            h,
            "test/fixture/openai-chat/vercel-ai_error-after-output.sse",
        )
        .await?;
        ensure!(
            in_band.tone.contains("error") && in_band.status.contains("mid-stream"),
            "in-stream error: {:?}",
            in_band.status
        );
        ensure!(in_band.chars > 0, "text before the error is kept");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_endpoint_that_refuses_browser_requests_gets_the_proxy_hint() -> Result<()> {
    // A second server on another port is another origin, with CORS off: the browser
    // refuses the response and fetch only says "Failed to fetch"; the app's plain probe of
    // the same URL is answered, which tells CORS apart from an unreachable server.
    let other = sparkplug_server::start(test_config())
        .await
        .map_err(|e| anyhow::anyhow!("second server: {e}"))?;
    let other_base = format!("http://{}/v1", other.addr());
    let h = Harness::start("provider_streams_cors", config()).await?;
    let result = h
        .run(async |h| {
            h.open("/").await?;
            let endpoints = json!({
                "list": [{"id": "ep1", "name": "elsewhere", "base_url": other_base,
                          "format": "openai-chat", "model": "demo-1000"}],
                "selected": "ep1",
                "next_id": 2,
            });
            h.js(
                "localStorage.setItem('sparkplug.endpoints.v1', arguments[0]);",
                vec![json!(endpoints.to_string())],
            )
            .await?;
            h.open("/").await?;
            h.click("send").await?;
            let status = h
                .wait_for("the failure", Duration::from_secs(20), async |h| {
                    let status = h.text("status").await?;
                    Ok(status.contains("CORS").then_some(status))
                })
                .await?;
            // A plain request to it was answered, so this is CORS, not a guess.
            ensure!(
                status.starts_with(&format!("{other_base}/chat/completions answered"))
                    && status.contains("proxy"),
                "names the URL, the CORS refusal and the way around it: {status:?}"
            );
            Ok(())
        })
        .await;
    other.shutdown().await;
    result
}
