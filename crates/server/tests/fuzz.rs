//! Generated requests thrown at the whole server: any method, path, headers and body get
//! an answer within a deadline, never a 5xx other than the documented 502/504, and the
//! server stays up. Bounded: a fixed number of cases, each with a deadline.

mod common;

use std::time::Duration;

use common::*;
use proptest::{collection::vec, prelude::*, test_runner::Config as ProptestConfig};
use serde_json::{json, Value};

/// A hang detector, generous for a loaded machine: every answer here is bounded by max_tokens.
const DEADLINE: Duration = Duration::from_secs(30);

fn method() -> impl Strategy<Value = reqwest::Method> {
    prop_oneof![
        Just(reqwest::Method::GET),
        Just(reqwest::Method::POST),
        Just(reqwest::Method::PUT),
        Just(reqwest::Method::DELETE),
        Just(reqwest::Method::PATCH),
        Just(reqwest::Method::OPTIONS),
        Just(reqwest::Method::HEAD),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/v1/chat/completions".to_owned()),
        Just("/v1/models".to_owned()),
        Just("/v1/kiosk".to_owned()),
        Just("/v1/embed".to_owned()),
        Just("/v1/messages".to_owned()),
        Just("/healthz".to_owned()),
        Just("/sandbox/index.html".to_owned()),
        Just("//sandbox/index.html".to_owned()),
        Just("/pyodide/x.js".to_owned()),
        Just("/docs/embed".to_owned()),
        "/[a-z%0-9./]{0,40}",
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json".to_owned())),
        Just(Some("text/plain".to_owned())),
        Just(Some("application/x-www-form-urlencoded".to_owned())),
        "[ -~]{0,30}".prop_map(Some),
    ]
}

fn origin() -> impl Strategy<Value = Vec<(String, String)>> {
    prop_oneof![
        Just(vec![]),
        Just(vec![(
            "origin".to_owned(),
            "https://evil.example".to_owned()
        )]),
        Just(vec![("origin".to_owned(), "null".to_owned())]),
        Just(vec![("sec-fetch-site".to_owned(), "cross-site".to_owned())]),
        Just(vec![(
            "sec-fetch-site".to_owned(),
            "same-origin".to_owned()
        )]),
        ("[a-z-]{1,20}", "[ -~]{0,60}").prop_map(|(n, v)| vec![(n, v)]),
    ]
}

/// A JSON value of bounded depth and size, for message fields and the like.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::from),
            vec(("[a-z_]{1,12}", inner), 0..4)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

fn model() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("demo-max")),
        Just(json!("demo-5000")),
        Just(json!("replay/x")),
        Just(json!("up/x")),
        Just(json!("test/panic")),
        "[ -~]{0,300}".prop_map(Value::from),
        json_value(),
    ]
}

/// Bodies: raw bytes, arbitrary JSON, and chat requests with generated fields.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let chat = (model(), json_value(), json_value(), any::<bool>()).prop_map(
        |(model, content, extra, stream)| {
            json!({
                "model": model,
                "messages": [{"role": "user", "content": content}],
                "stream": stream,
                "max_tokens": 20,
                "extra": extra,
            })
            .to_string()
            .into_bytes()
        },
    );
    prop_oneof![
        vec(any::<u8>(), 0..512),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        chat,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_request_gets_a_timely_non_5xx_answer_and_the_server_lives(
        requests in vec((method(), path(), content_type(), origin(), body()), 1..4)
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let server = serve(|c| {
                // The one upstream is unreachable: its documented answer is a 502.
                c.upstreams = vec![sparkplug_server::UpstreamConfig {
                    name: "up".into(),
                    base_url: "http://127.0.0.1:9/v1".into(),
                    ..Default::default()
                }];
            })
            .await;
            let client = reqwest::Client::new();
            for (method, path, content_type, headers, body) in requests {
                let mut request = client
                    .request(method.clone(), url(&server, &path))
                    .body(body);
                if let Some(content_type) = content_type {
                    request = request.header("content-type", content_type);
                }
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                let response = tokio::time::timeout(DEADLINE, async {
                    let response = request.send().await?;
                    let status = response.status();
                    response.bytes().await?;
                    Ok::<_, reqwest::Error>(status)
                })
                .await;
                let status = match response {
                    Ok(Ok(status)) => status,
                    // reqwest refuses some generated header values before sending.
                    Ok(Err(error)) if error.is_builder() => continue,
                    Ok(Err(error)) => panic!("{method} {path}: {error}"),
                    Err(_) => panic!("{method} {path}: no answer within {DEADLINE:?}"),
                };
                prop_assert!(
                    !status.is_server_error() || matches!(status.as_u16(), 502 | 504),
                    "{} {}: {}", method, path, status
                );
            }
            let health = reqwest::get(url(&server, "/healthz")).await.expect("alive");
            prop_assert_eq!(health.status().as_u16(), 200);
            Ok(())
        })?;
    }
}
