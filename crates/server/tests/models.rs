//! `GET /v1/models` lists the demo profiles with their simulated speeds.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn lists_demo_profiles_in_openai_shape() {
    let server = serve(|_| {}).await;
    let list: Value = reqwest::get(url(&server, "/v1/models"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(list["object"], "list");
    let models = list["data"].as_array().expect("data");
    let ids: Vec<&str> = models.iter().filter_map(|m| m["id"].as_str()).collect();
    for id in [
        "demo-1000",
        "demo-170",
        "demo-167",
        "demo-147",
        "demo-68",
        "demo-52",
        "demo-5000",
        "demo-20000",
        "demo-max",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    for model in models {
        assert_eq!(model["object"], "model");
        assert_eq!(model["owned_by"], "sparkplug-demo");
        assert_eq!(model["simulated"], true);
        assert!(model["ttft_ms"].is_u64());
        assert!(model["label"].as_str().is_some_and(|l| !l.is_empty()));
        assert!(model["created"].is_u64());
    }
    let opus = models
        .iter()
        .find(|m| m["id"] == "demo-68")
        .expect("demo-68");
    assert_eq!(opus["tokens_per_second"], 68.2);
    let max = models
        .iter()
        .find(|m| m["id"] == "demo-max")
        .expect("demo-max");
    assert!(max["tokens_per_second"].is_null());
}
