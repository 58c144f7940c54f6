//! Streaming `fetch`: sends one request (a run's POST), then hands each chunk of the response
//! body to a callback as it arrives. Cancellation is an AbortController; failures are the
//! core's `TransportError`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Reflect, Uint8Array};
use leptos::task::spawn_local;
use sparkplug_core::provider::request::Request;
use sparkplug_core::run::LiveRun;
pub use sparkplug_core::run::TransportError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableStreamDefaultReader};

use super::fetch::{interrupted, send, status_error};
use crate::live::now_ms;

/// Streams one request into `run` in the background: each chunk is decoded as it arrives,
/// stamped with the page clock, and the run is settled when the body ends or fails.
pub fn stream_into_run(run: Rc<RefCell<LiveRun>>, request: Request, signal: AbortSignal) {
    spawn_local(async move {
        let result = stream_body(&request, &signal, |bytes| {
            run.borrow_mut().feed(now_ms(), bytes);
        })
        .await;
        run.borrow_mut().finish(now_ms(), result);
    });
}

/// Sends the request and calls `on_chunk` with every body chunk until the body ends.
pub async fn stream_body(
    request: &Request,
    signal: &AbortSignal,
    mut on_chunk: impl FnMut(&[u8]),
) -> Result<(), TransportError> {
    let response = send(request, Some(signal)).await?;
    if !response.ok() {
        return Err(status_error(&response).await);
    }
    let Some(body) = response.body() else {
        return Ok(());
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut buffer = Vec::new();
    loop {
        let result = JsFuture::from(reader.read())
            .await
            .map_err(|e| interrupted(&e, Some(signal)))?;
        let done = Reflect::get(&result, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(());
        }
        let Ok(value) = Reflect::get(&result, &JsValue::from_str("value")) else {
            continue;
        };
        let Some(bytes) = value.dyn_ref::<Uint8Array>() else {
            continue;
        };
        // One reused buffer: a fast stream delivers hundreds of chunks a second.
        buffer.resize(bytes.length() as usize, 0);
        bytes.copy_to(&mut buffer);
        on_chunk(&buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparkplug_core::provider::ApiFormat;
    use sparkplug_core::run::{LiveRun, Outcome};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    const BODY: &str = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"fn main() {}\"},\"finish_reason\":null}]}\n\n\
        data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n\
        data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5,\"total_tokens\":8}}\n\n\
        data: [DONE]\n\n";

    fn post(url: &str) -> Request {
        Request {
            url: url.to_owned(),
            headers: Vec::new(),
            body: Some("{}".to_owned()),
        }
    }

    fn data_url(body: &str) -> String {
        format!(
            "data:text/event-stream,{}",
            String::from(js_sys::encode_uri_component(body))
        )
    }

    #[wasm_bindgen_test]
    async fn a_fetched_body_flows_through_the_decoder_into_a_run() {
        let url = data_url(BODY);
        let controller = web_sys::AbortController::new().unwrap();
        let mut run = LiveRun::new(ApiFormat::OpenAiChat, 0.0);
        let mut chunks = 0;
        let result = stream_body(&post(&url), &controller.signal(), |bytes| {
            chunks += 1;
            run.feed(1.0, bytes);
        })
        .await;
        assert_eq!(result, Ok(()));
        assert!(chunks >= 1);
        run.finish(2.0, result);
        assert_eq!(run.take_pending(), "fn main() {}");
        assert_eq!(
            run.outcome(),
            Some(&Outcome::Finished {
                reason: Some("stop".into())
            })
        );
        assert_eq!(run.snapshot(2.0).tokens, 5, "usage replaces the estimate");
    }

    #[wasm_bindgen_test]
    async fn an_aborted_request_reports_aborted() {
        let url = data_url(BODY);
        let controller = web_sys::AbortController::new().unwrap();
        controller.abort();
        let result = stream_body(&post(&url), &controller.signal(), |_| {
            panic!("no bytes after an abort")
        })
        .await;
        assert_eq!(result, Err(TransportError::Aborted));
    }

    #[wasm_bindgen_test]
    async fn an_unreachable_endpoint_is_reported_with_its_url_and_cause() {
        use sparkplug_core::run::reach::{Cause, Unreachable};
        let controller = web_sys::AbortController::new().unwrap();
        // Port 9 (discard) is one browsers refuse: known without a probe.
        let result = stream_body(
            &post("http://127.0.0.1:9/v1/chat/completions"),
            &controller.signal(),
            |_| {},
        )
        .await;
        assert_eq!(
            result,
            Err(TransportError::Unreachable(Unreachable {
                url: "http://127.0.0.1:9/v1/chat/completions".into(),
                cause: Cause::BlockedPort(9),
            }))
        );
    }
}
