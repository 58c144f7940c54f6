//! The app's built files from `dist_dir`, with the single-page-app fallback: a path that
//! names no file and has no extension (`/kiosk`, `/embed/x`) gets `index.html`.

use std::{convert::Infallible, path::Path};

use axum::{
    extract::Request,
    http::StatusCode,
    response::{IntoResponse, Response},
    Router,
};
use tower::{service_fn, ServiceExt};
use tower_http::{
    compression::CompressionLayer,
    services::{ServeDir, ServeFile},
};

/// Serves `dist_dir`, compressing with brotli or gzip as the client accepts.
pub fn app<S: Clone + Send + Sync + 'static>(dist_dir: &Path) -> Router<S> {
    let index = dist_dir.join("index.html");
    let spa_fallback = service_fn(move |request: Request| {
        let index = index.clone();
        async move {
            if names_a_file(request.uri().path()) {
                return Ok::<Response, Infallible>(StatusCode::NOT_FOUND.into_response());
            }
            let response = ServeFile::new(index).oneshot(request).await?;
            Ok(response.into_response())
        }
    });
    Router::new()
        .fallback_service(ServeDir::new(dist_dir).fallback(spa_fallback))
        .layer(CompressionLayer::new())
}

/// A last segment with an extension asks for a file, so a missing one is a real 404
/// rather than the app's HTML under a script's name.
fn names_a_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|segment| segment.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::names_a_file;

    #[test]
    fn app_routes_are_not_files() {
        assert!(!names_a_file("/"));
        assert!(!names_a_file("/kiosk"));
        assert!(!names_a_file("/embed/abc"));
        assert!(names_a_file("/missing.js"));
        assert!(names_a_file("/assets/app-1f2e.wasm"));
    }
}
