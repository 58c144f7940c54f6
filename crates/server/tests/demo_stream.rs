//! The demo models over real HTTP: OpenAI's chunk sequence, exact token usage, the
//! paced rate, token limits and whole (non-streamed) completions.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

const SNAKE: &str = "Write a Snake game in HTML and JavaScript";

#[tokio::test]
async fn stream_follows_openai_chunk_sequence_with_exact_usage() {
    let server = serve(|_| {}).await;
    let response = post(&server, &chat_body("demo-max", SNAKE)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let (events, clean) = read_events(response).await;
    assert!(clean);

    let first = events.first().expect("events").json();
    assert_eq!(first["object"], "chat.completion.chunk");
    assert_eq!(first["model"], "demo-max");
    assert_eq!(first["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(events.last().map(|e| e.data.as_str()), Some("[DONE]"));

    let n = events.len();
    let finish = events[n - 3].json();
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    let usage_chunk = events[n - 2].json();
    assert_eq!(usage_chunk["choices"], json!([]));
    let usage = &usage_chunk["usage"];
    let time_info = &usage_chunk["time_info"];
    for key in [
        "queue_time",
        "prompt_time",
        "completion_time",
        "total_time",
        "created",
    ] {
        assert!(
            time_info[key].is_number(),
            "time_info.{key} in {usage_chunk}"
        );
    }

    let text = content(&events);
    assert!(
        text.contains("```"),
        "the snake answer has code: {text:.200}"
    );
    assert_eq!(usage["completion_tokens"], count_tokens(&text));
    let prompt_tokens = usage["prompt_tokens"].as_u64().expect("prompt tokens") as usize;
    // 3 framing tokens for the message, the role's and content's tokens, 3 to prime.
    assert_eq!(
        prompt_tokens,
        3 + count_tokens("user") + count_tokens(SNAKE) + 3
    );
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(prompt_tokens as u64 + count_tokens(&text) as u64)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn without_include_usage_there_is_no_usage_chunk() {
    let server = serve(|_| {}).await;
    let mut body = chat_body("demo-max", SNAKE);
    body.as_object_mut()
        .expect("object")
        .remove("stream_options");
    let (events, _) = read_events(post(&server, &body).await).await;
    assert!(events
        .iter()
        .all(|e| e.data == "[DONE]" || e.json().get("usage").is_none()));
    let finish = events[events.len() - 2].json();
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    assert!(finish["time_info"]["total_time"].is_number());
}

#[tokio::test]
async fn demo_1000_streams_at_about_1000_tokens_per_second() {
    let server = serve(|_| {}).await;
    let mut body = chat_body("demo-1000", "/long");
    body["max_tokens"] = json!(1500);
    let sent_at = std::time::Instant::now();
    let (events, clean) = read_events(post(&server, &body).await).await;
    assert!(clean);
    let with_text: Vec<&Event> = events
        .iter()
        .filter(|e| {
            e.data != "[DONE]"
                && e.json()["choices"][0]["delta"]["content"]
                    .as_str()
                    .is_some_and(|c| !c.is_empty())
        })
        .collect();
    let (first, last) = (with_text[0], with_text[with_text.len() - 1]);
    let usage = events[events.len() - 2].json()["usage"].clone();
    assert_eq!(usage["completion_tokens"], 1500);
    let seconds = (last.at - first.at).as_secs_f64();
    let rate = 1499.0 / seconds;
    assert!((850.0..=1150.0).contains(&rate), "measured {rate:.0} tok/s");
    // Time to first token is simulated at 200 ms ± 15%.
    let ttft = first.at.duration_since(sent_at);
    assert!(
        ttft >= Duration::from_millis(170) && ttft < Duration::from_millis(400),
        "{ttft:?}"
    );
}

#[tokio::test]
async fn max_tokens_cuts_the_answer_with_finish_reason_length() {
    let server = serve(|_| {}).await;
    for field in ["max_tokens", "max_completion_tokens"] {
        let mut body = chat_body("demo-max", SNAKE);
        body[field] = json!(7);
        let (events, _) = read_events(post(&server, &body).await).await;
        let n = events.len();
        assert_eq!(
            events[n - 3].json()["choices"][0]["finish_reason"],
            "length"
        );
        assert_eq!(events[n - 2].json()["usage"]["completion_tokens"], 7);
        assert!(!content(&events).is_empty());
    }
}

#[tokio::test]
async fn non_streaming_request_gets_a_whole_completion() {
    let server = serve(|_| {}).await;
    let mut body = chat_body("demo-5000", SNAKE);
    body["stream"] = json!(false);
    let response = post(&server, &body).await;
    assert_eq!(response.status(), 200);
    let completion: Value = response.json().await.expect("json");
    assert_eq!(completion["object"], "chat.completion");
    let message = &completion["choices"][0]["message"];
    assert_eq!(message["role"], "assistant");
    let text = message["content"].as_str().expect("content");
    assert_eq!(completion["usage"]["completion_tokens"], count_tokens(text));
    assert_eq!(completion["choices"][0]["finish_reason"], "stop");
}

#[tokio::test]
async fn the_long_prompt_streams_about_twenty_thousand_tokens() {
    let server = serve(|_| {}).await;
    let (events, _) = read_events(post(&server, &chat_body("demo-max", "/long")).await).await;
    let usage = events[events.len() - 2].json()["usage"].clone();
    let tokens = usage["completion_tokens"].as_u64().expect("tokens");
    assert!((20_000..30_000).contains(&tokens), "{tokens}");
    assert_eq!(tokens as usize, count_tokens(&content(&events)));
}

#[tokio::test]
async fn an_unrelated_prompt_gets_the_fallback_answer() {
    let server = serve(|_| {}).await;
    let (events, _) = read_events(
        post(
            &server,
            &chat_body("demo-max", "What is the capital of Mongolia?"),
        )
        .await,
    )
    .await;
    let text = content(&events);
    let snake = content(
        &read_events(post(&server, &chat_body("demo-max", SNAKE)).await)
            .await
            .0,
    );
    assert!(!text.is_empty());
    assert_ne!(text, snake);
}

#[tokio::test]
async fn usage_on_every_chunk_counts_up_to_the_final_usage_when_asked() {
    let server = serve(|_| {}).await;
    let mut body = chat_body("demo-5000", SNAKE);
    body["sparkplug_usage_every_chunk"] = json!(true);
    let (events, clean) = read_events(post(&server, &body).await).await;
    assert!(clean);
    let counts: Vec<u64> = events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(Event::json)
        .filter(|j| {
            j["choices"][0]["delta"]["content"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
        })
        .map(|j| {
            j["usage"]["completion_tokens"]
                .as_u64()
                .expect("usage on a content chunk")
        })
        .collect();
    assert!(counts.len() > 3, "{} content chunks", counts.len());
    assert!(
        counts.windows(2).all(|w| w[0] < w[1]),
        "counts grow: {counts:?}"
    );
    let final_usage = events[events.len() - 2].json()["usage"]["completion_tokens"].clone();
    assert_eq!(json!(counts[counts.len() - 1]), final_usage);

    let (plain, _) = read_events(post(&server, &chat_body("demo-5000", SNAKE)).await).await;
    let with_usage = plain[..plain.len() - 2]
        .iter()
        .filter(|e| !e.json()["usage"].is_null())
        .count();
    assert_eq!(
        with_usage, 0,
        "without the field only the final chunk has usage"
    );
}
