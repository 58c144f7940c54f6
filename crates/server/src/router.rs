//! Assembles the whole HTTP surface (API, health check, app files, sandbox runner,
//! Pyodide) and the layers around it: security headers, CORS and request logs.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer, cors::CorsLayer, services::ServeDir,
    set_header::SetResponseHeaderLayer, trace::TraceLayer,
};
use tracing::Span;

use crate::{
    api, docs,
    error::ApiError,
    headers::{self, AppCsp, Page},
    state::AppState,
    static_files,
};

pub fn build(state: AppState, csp: AppCsp, cors: Option<CorsLayer>) -> Router {
    let config = &state.config;
    let mut api = api::router(&state);
    if let Some(cors) = cors {
        api = api.layer(cors);
    }
    let app = static_files::app(&config.dist_dir)
        .layer(middleware::from_fn_with_state(csp, app_csp))
        .layer(middleware::from_fn(no_runner_aliases));
    let sandbox = ServiceBuilder::new()
        .layer(middleware::from_fn_with_state(state.clone(), sandbox_csp))
        .service(ServeDir::new(config.dist_dir.join("sandbox")));
    // Pyodide is imported by the opaque-origin sandbox (`Origin: null`), so it needs
    // CORS for everyone; it holds only public library files. The package also ships demo
    // HTML pages (a REPL): sandboxed, they never run with the app's origin and storage.
    // Scripts and wasm ignore a document policy, so the sandbox's imports are unaffected.
    let pyodide = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'"),
        ))
        .service(ServeDir::new(&config.pyodide_dir));
    let mut root = Router::new().route("/healthz", get(|| async { "ok" }));
    if config.enable_test_models {
        root = root.merge(api::ollama_test_routes(&state));
    }
    root.route("/docs/embed", get(docs::embed))
        .nest("/v1", api)
        .nest_service("/sandbox", sandbox)
        .nest_service("/pyodide", pyodide)
        .merge(app)
        // A handler that panics costs its own request a 500, never the process (the
        // server's cargo profile unwinds).
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a handler panicked");
            ApiError::Internal.into_response()
        }))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // One span per request with method and path, one event per response with status
        // and latency. Header values are never logged: they can hold keys and cookies.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_request(())
                .on_response(|response: &Response, latency: Duration, _: &Span| {
                    tracing::info!(
                        status = response.status().as_u16(),
                        latency_ms = latency.as_secs_f64() * 1000.0,
                        "response"
                    );
                }),
        )
        .with_state(state)
}

/// Adds the app's policy to HTML responses (the page and its SPA fallbacks).
async fn app_csp(State(csp): State<AppCsp>, request: Request, next: Next) -> Response {
    let page = if request.uri().path().trim_end_matches('/') == "/embed" {
        Page::Embed
    } else {
        Page::App
    };
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp.header(page));
    }
    response
}

/// The runner pages are served only under `/sandbox/` with the runner's policy. The app's
/// file server would serve the same files under other spellings (`//sandbox/…`,
/// `/%73andbox/…`, `/sandbox%2f…`) with the app's policy and no `sandbox` directive, so
/// any path that decodes to the runner's folder is a 404 here.
async fn no_runner_aliases(request: Request, next: Next) -> Response {
    if is_runner_alias(request.uri().path()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    next.run(request).await
}

/// Whether `path`, percent-decoded with empty segments dropped, is in `/sandbox`.
fn is_runner_alias(path: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    decoded
        .split(['/', '\\'])
        .find(|segment| !segment.is_empty() && *segment != ".")
        .is_some_and(|first| first.eq_ignore_ascii_case("sandbox"))
}

/// Gives every sandbox response the runner's own policy, including `sandbox`, so the
/// page stays sandboxed even when opened directly.
async fn sandbox_csp(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = headers::runner_origin(
        state.config.runner_origin.as_deref(),
        &state.config.lane_runners,
        request.headers().get(header::HOST),
    );
    let mut response = next.run(request).await;
    let policy = match origin {
        Some(origin) => headers::sandbox_csp(&origin),
        // Without a usable origin the runner gets no Pyodide, but stays locked down.
        None => headers::sandbox_csp("'none'"),
    };
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::is_runner_alias;

    #[test]
    fn every_spelling_of_the_runner_folder_is_an_alias() {
        for alias in [
            "//sandbox/runner.html",
            "/%73andbox/runner.html",
            "/sandbox%2frunner.html",
            "/./sandbox/index.html",
            "/SANDBOX/index.html",
            "/%2Fsandbox%2Findex.html",
        ] {
            assert!(is_runner_alias(alias), "{alias}");
        }
        for path in ["/", "/kiosk", "/sandboxes", "/app.js", "/embed/sandbox"] {
            assert!(!is_runner_alias(path), "{path}");
        }
    }
}
