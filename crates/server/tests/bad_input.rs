//! Every malformed request gets a 4xx with an OpenAI-style JSON error, never axum's
//! plain-text rejections.

mod common;

use common::*;
use serde_json::json;

async fn post_raw(server: &sparkplug_server::Running, body: &'static str) -> reqwest::Response {
    reqwest::Client::new()
        .post(url(server, "/v1/chat/completions"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let server = serve(|_| {}).await;
    let error = error_of(post_raw(&server, "{\"model\": \"demo-52\",").await, 400).await;
    assert_eq!(error["type"], "invalid_request_error");
    let error = error_of(post_raw(&server, "").await, 400).await;
    assert_eq!(error["type"], "invalid_request_error");
}

#[tokio::test]
async fn wrong_types_name_the_field() {
    let server = serve(|_| {}).await;
    let body = json!({"model": "demo-52", "messages": "hi"});
    assert_eq!(
        error_of(post(&server, &body).await, 400).await["param"],
        "messages"
    );
    let body =
        json!({"model": "demo-52", "messages": [{"role": "user", "content": "x"}], "stream": 1});
    assert_eq!(
        error_of(post(&server, &body).await, 400).await["param"],
        "stream"
    );
    let body = json!({"model": "demo-52", "messages": [{"content": "x"}]});
    assert_eq!(
        error_of(post(&server, &body).await, 400).await["param"],
        "messages[0]"
    );
    let error = error_of(post_raw(&server, "[1,2,3]").await, 400).await;
    assert!(error["param"].is_null());
}

#[tokio::test]
async fn missing_or_empty_messages_are_a_400() {
    let server = serve(|_| {}).await;
    let error = error_of(post(&server, &json!({"model": "demo-52"})).await, 400).await;
    assert_eq!(error["param"], "messages");
    let error = error_of(
        post(&server, &json!({"model": "demo-52", "messages": []})).await,
        400,
    )
    .await;
    assert_eq!(error["param"], "messages");
}

#[tokio::test]
async fn unknown_model_is_a_404_model_not_found() {
    let server = serve(|_| {}).await;
    for model in ["gpt-9", "demo-0", "demo-100001", "test/error/500"] {
        let error = error_of(post(&server, &chat_body(model, "hi")).await, 404).await;
        assert_eq!(error["code"], "model_not_found");
        assert_eq!(error["param"], "model");
        assert!(error["message"].as_str().is_some_and(|m| m.contains(model)));
    }
}

#[tokio::test]
async fn wrong_method_and_unknown_api_url_are_json_errors() {
    let server = serve(|_| {}).await;
    let client = reqwest::Client::new();
    let response = client
        .get(url(&server, "/v1/chat/completions"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["allow"], "POST");
    error_of(response, 405).await;
    let response = client
        .delete(url(&server, "/v1/models"))
        .send()
        .await
        .expect("sent");
    error_of(response, 405).await;
    let response = client
        .get(url(&server, "/v1/nope"))
        .send()
        .await
        .expect("sent");
    let error = error_of(response, 404).await;
    assert!(error["message"]
        .as_str()
        .is_some_and(|m| m.contains("/v1/nope")));
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let server = serve(|config| config.body_limit = 2048).await;
    let big = "x".repeat(4096);
    let error = error_of(post(&server, &chat_body("demo-52", &big)).await, 413).await;
    assert!(error["message"]
        .as_str()
        .is_some_and(|m| m.contains("2048")));
    // Within the limit the same request is fine.
    assert_eq!(
        post(&server, &chat_body("demo-max", "hi")).await.status(),
        200
    );
}
