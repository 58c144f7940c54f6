//! Refuses API requests a browser says come from another site, so no page a visitor
//! opens can spend the operator's upstream keys; origins the operator allows pass.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{config::Config, error::ApiError, state::AppState};

/// Lets through requests from this server's own pages, from tools that are not browsers
/// (they send neither `Origin` nor `Sec-Fetch-Site`), and from allowed origins; others
/// get a 403. Preflights are the CORS layer's to answer.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::OPTIONS {
        if let Some(origin) = foreign_origin(request.headers(), &state.config) {
            let shown: String = origin.chars().take(100).collect();
            return ApiError::CrossSite(shown).into_response();
        }
    }
    next.run(request).await
}

/// The origin of a request from another site that the configuration does not allow.
fn foreign_origin(headers: &HeaderMap, config: &Config) -> Option<String> {
    let origin = headers
        .get(header::ORIGIN)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let same_origin = match (&origin, fetch_site.as_deref()) {
        // The browser's own word; `none` is a user typing the URL.
        (_, Some("same-origin" | "none")) => true,
        (Some(origin), _) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            host.is_some_and(|host| authority(origin).eq_ignore_ascii_case(host))
        }
        (None, Some(_)) => false,
        (None, None) => true,
    };
    if same_origin {
        return None;
    }
    let origin = origin.unwrap_or_else(|| "(not sent)".into());
    (!allowed(&origin, config)).then_some(origin)
}

/// `host[:port]` of an origin such as `https://app.example:8443`.
fn authority(origin: &str) -> &str {
    origin
        .split_once("://")
        .map_or("", |(_, rest)| rest)
        .trim_end_matches('/')
}

/// Whether the CORS or the embed configuration names `origin` (or CORS allows any).
fn allowed(origin: &str, config: &Config) -> bool {
    let origin = origin.trim_end_matches('/');
    let listed = |list: &[String]| {
        list.iter()
            .any(|entry| entry.trim_end_matches('/').eq_ignore_ascii_case(origin))
    };
    config.cors_origins.iter().any(|o| o == "*")
        || listed(&config.cors_origins)
        || listed(&config.effective_embed_hosts())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_origin_and_tools_pass_other_sites_do_not() {
        let config = Config::default();
        let host = ("host", "127.0.0.1:8080");
        for ok in [
            headers(&[host]),
            headers(&[host, ("sec-fetch-site", "same-origin")]),
            headers(&[host, ("origin", "http://127.0.0.1:8080")]),
        ] {
            assert_eq!(foreign_origin(&ok, &config), None, "{ok:?}");
        }
        for bad in [
            headers(&[host, ("origin", "https://evil.example")]),
            headers(&[host, ("origin", "null")]),
            headers(&[host, ("sec-fetch-site", "cross-site")]),
            headers(&[
                host,
                ("sec-fetch-site", "same-site"),
                ("origin", "http://127.0.0.1:9"),
            ]),
        ] {
            assert!(foreign_origin(&bad, &config).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn configured_origins_pass() {
        let config = Config {
            cors_origins: vec!["https://app.example".into()],
            frame_ancestors: vec!["https://docs.example".into()],
            ..Config::default()
        };
        let host = ("host", "127.0.0.1:8080");
        let site = ("sec-fetch-site", "cross-site");
        for origin in ["https://app.example", "https://docs.example"] {
            let mut map = headers(&[host, site]);
            map.insert("origin", HeaderValue::from_static(origin));
            assert_eq!(foreign_origin(&map, &config), None, "{origin}");
        }
        let any = Config {
            cors_origins: vec!["*".into()],
            ..Config::default()
        };
        let map = headers(&[host, site, ("origin", "https://x.example")]);
        assert_eq!(foreign_origin(&map, &any), None);
    }
}
