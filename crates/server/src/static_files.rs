//! The app's built files from `dist_dir`, with the single-page-app fallback: a path that
//! names no file and has no extension (`/kiosk`, `/embed/x`) gets `index.html`.

use std::{convert::Infallible, path::Path};

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};
use tower::{service_fn, ServiceExt};
use tower_http::{
    compression::CompressionLayer,
    services::{ServeDir, ServeFile},
};

/// Serves `dist_dir`, compressing with brotli or gzip as the client accepts; files whose
/// names do not change with their content must be revalidated.
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
        .layer(middleware::from_fn(revalidate_unhashed))
}

/// `Cache-Control: no-cache` for every file whose name is not content-hashed: the page and
/// its modules (`sparkplug.js`, `sparkplug_bg.wasm`, …) keep their names from build to
/// build, so a browser must ask again each time; `Last-Modified` makes that a cheap 304.
async fn revalidate_unhashed(request: Request, next: Next) -> Response {
    let hashed = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    if !hashed {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

/// Trunk names a processed file `<stem>-<hash>.<ext>`, the hash a 64-bit content hash in
/// hex. At least 8 hex digits keeps names like `sparkplug-embed.js` out (the hex form drops
/// leading zeros, so a real hash is shorter than 16 digits once in 16 builds).
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
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
    use super::{is_content_hashed, names_a_file};

    #[test]
    fn app_routes_are_not_files() {
        assert!(!names_a_file("/"));
        assert!(!names_a_file("/kiosk"));
        assert!(!names_a_file("/embed/abc"));
        assert!(names_a_file("/missing.js"));
        assert!(names_a_file("/assets/app-1f2e.wasm"));
    }

    #[test]
    fn only_trunks_hashed_names_count_as_content_hashed() {
        assert!(is_content_hashed("/base-a1b1eea2e51ba4ca.css"));
        assert!(is_content_hashed("/meter-8677c368912.css"));
        for path in [
            "/",
            "/index.html",
            "/kiosk",
            "/sparkplug.js",
            "/sparkplug_bg.wasm",
            "/sparkplug-embed.js",
            "/sparkplug-kiosk_bg.wasm",
            "/editor.js",
            "/snippets/sparkplug-a20366d34238c763/inline0.js",
        ] {
            assert!(!is_content_hashed(path), "{path}");
        }
    }
}
