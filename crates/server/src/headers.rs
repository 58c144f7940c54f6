//! Security headers: the app's strict Content-Security-Policy (allowing exactly the
//! inline scripts in `index.html`, by hash), the sandbox runner's policy, and CORS.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, PoisonError},
    time::SystemTime,
};

use axum::http::{HeaderName, HeaderValue, Method};
use base64::{engine::general_purpose::STANDARD, Engine};
use sha2::{Digest, Sha256};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Config;

/// A configured CSP source or CORS origin that cannot go into a header.
#[derive(Debug, thiserror::Error)]
#[error("invalid {field} entry {value:?}: {reason}")]
pub struct HeaderConfigError {
    field: &'static str,
    value: String,
    reason: &'static str,
}

/// The app page's policy. Trunk injects an inline module script whose text (and so hash)
/// changes with every build, so the hashes are recomputed whenever `index.html` changes.
#[derive(Debug, Clone)]
pub struct AppCsp {
    index: PathBuf,
    fixed: CspParts,
    cached: Arc<Mutex<Option<(SystemTime, Policies)>>>,
}

#[derive(Debug, Clone)]
struct CspParts {
    connect_src: String,
    frame_src: String,
    frame_ancestors: String,
    /// The `/embed` page may also be framed by this server's own `/docs/embed`.
    embed_frame_ancestors: String,
}

/// The built policies for one version of `index.html`: the app's and the embed's.
#[derive(Debug, Clone)]
struct Policies {
    app: HeaderValue,
    embed: HeaderValue,
}

/// Which page of the app a policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    App,
    Embed,
}

impl AppCsp {
    pub fn new(config: &Config) -> Result<Self, HeaderConfigError> {
        let connect_src = sources("connect_src", &config.connect_src)?;
        let frame_ancestors = sources("frame_ancestors", &config.frame_ancestors)?;
        let runner = config.runner_origin.iter().cloned().collect::<Vec<_>>();
        let runner = sources("runner_origin", &runner)?;
        let lanes = sources("lane_runners", &config.lane_runners)?;
        // Compare lanes run on sites of their own: the configured ones, else this machine's
        // `laneN.localhost` names (they reach nothing but this machine).
        let lanes = if lanes.is_empty() {
            LOCAL_LANES.to_owned()
        } else {
            lanes
        };
        Ok(Self {
            index: config.dist_dir.join("index.html"),
            fixed: CspParts {
                connect_src: join_sources("'self'", &connect_src),
                frame_src: join_sources(if runner.is_empty() { "'self'" } else { &runner }, &lanes),
                embed_frame_ancestors: join_sources("'self'", &frame_ancestors),
                frame_ancestors: if frame_ancestors.is_empty() {
                    "'none'".into()
                } else {
                    frame_ancestors
                },
            },
            cached: Arc::default(),
        })
    }

    /// The policy of `page` for the current `index.html` (without hashes if there is none).
    pub fn header(&self, page: Page) -> HeaderValue {
        let modified = std::fs::metadata(&self.index)
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let mut cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
        let policies = match cached.as_ref() {
            Some((at, policies)) if *at == modified => policies.clone(),
            _ => {
                let html = std::fs::read_to_string(&self.index).unwrap_or_default();
                let policies = Policies {
                    app: self.build(&html, &self.fixed.frame_ancestors),
                    embed: self.build(&html, &self.fixed.embed_frame_ancestors),
                };
                *cached = Some((modified, policies.clone()));
                policies
            }
        };
        match page {
            Page::App => policies.app,
            Page::Embed => policies.embed,
        }
    }

    fn build(&self, index_html: &str, frame_ancestors: &str) -> HeaderValue {
        let hashes = script_hashes(index_html);
        let parts = &self.fixed;
        let policy = format!(
            "default-src 'self'; script-src {}; style-src 'self'; img-src 'self' data:; \
             connect-src {}; frame-src {}; frame-ancestors {}; base-uri 'none'; form-action 'none'",
            join_sources("'self' 'wasm-unsafe-eval'", &hashes.join(" ")),
            parts.connect_src,
            parts.frame_src,
            frame_ancestors,
        );
        // Every part was checked to be header-safe, and hashes are base64.
        HeaderValue::from_str(&policy)
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
    }
}

/// The `/docs/embed` page's policy: its own inline scripts by hash, frames of this server
/// only (the live embed), nothing else; no one may frame it.
pub fn docs_csp(html: &str) -> String {
    let hashes = script_hashes(html);
    format!(
        "default-src 'none'; script-src {}; style-src 'unsafe-inline'; frame-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        if hashes.is_empty() {
            "'none'".to_owned()
        } else {
            hashes.join(" ")
        }
    )
}

/// The sandbox runner's policy: scripts may do anything inside the opaque-origin frame,
/// but may load nothing except the runner's own scripts and Pyodide from `runner_origin`
/// (not any path of it: a script URL could carry data to this server).
pub fn sandbox_csp(runner_origin: &str) -> String {
    format!(
        "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' blob: data: \
         'wasm-unsafe-eval' {runner_origin}/sandbox/ {runner_origin}/pyodide/; \
         style-src 'unsafe-inline'; img-src data: blob:; worker-src data: blob:; \
         connect-src {runner_origin}/pyodide/; sandbox allow-scripts"
    )
}

/// Where a page served from this machine puts its compare lanes' runners.
const LOCAL_LANES: &str = "http://*.localhost:*";

/// The runner origin for the sandbox's policy: a configured lane runner the request is
/// addressed to, else the configured runner; else, for a request addressed to a loopback
/// name (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`, any port), that address, so a
/// local server works unconfigured. Any other `Host` is not reflected into the policy (a
/// client chooses its `Host`): `None`, and the runner gets no Pyodide until configured.
pub fn runner_origin(
    configured: Option<&str>,
    lanes: &[String],
    host: Option<&HeaderValue>,
) -> Option<String> {
    let host = host.and_then(|h| h.to_str().ok());
    let lane = host.and_then(|host| {
        lanes.iter().find(|lane| {
            lane.split_once("://")
                .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
        })
    });
    if let Some(origin) = lane.map(String::as_str).or(configured) {
        return Some(origin.to_owned());
    }
    let host = host?;
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    };
    let loopback = name.eq_ignore_ascii_case("localhost")
        || is_localhost_subdomain(name)
        || name == "[::1]"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    loopback.then(|| format!("http://{host}"))
}

/// `lane1.localhost`: a name under `localhost`, which browsers resolve to this machine
/// (RFC 6761), made only of letters, digits, `-` and `.` so it is safe in a policy.
fn is_localhost_subdomain(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.strip_suffix(".localhost").is_some_and(|labels| {
        !labels.is_empty()
            && labels
                .split('.')
                .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    })
}

/// CORS for `/v1/*`: `None` when no origin is configured (the default), any origin for
/// `*`, else exactly the listed origins.
pub fn cors(origins: &[String]) -> Result<Option<CorsLayer>, HeaderConfigError> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let values = origins
            .iter()
            .map(|origin| {
                HeaderValue::from_str(origin).map_err(|_| HeaderConfigError {
                    field: "cors_origins",
                    value: origin.clone(),
                    reason: "not a valid header value",
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(values)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                HeaderName::from_static("content-type"),
                HeaderName::from_static("authorization"),
            ])
            .max_age(std::time::Duration::from_secs(3600)),
    ))
}

/// Checks configured CSP sources and joins them with spaces. A `;` or `,` would end the
/// directive or policy early, so they are refused rather than passed through.
fn sources(field: &'static str, values: &[String]) -> Result<String, HeaderConfigError> {
    for value in values {
        let reason = if value.trim().is_empty() {
            Some("empty")
        } else if value.contains([';', ',']) {
            Some("contains ';' or ','")
        } else if !value.chars().all(|c| c.is_ascii_graphic()) {
            Some("must be printable ASCII without spaces")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(HeaderConfigError {
                field,
                value: value.clone(),
                reason,
            });
        }
    }
    Ok(values.join(" "))
}

fn join_sources(base: &str, extra: &str) -> String {
    if extra.is_empty() {
        base.to_owned()
    } else {
        format!("{base} {extra}")
    }
}

/// A CSP hash source for each inline script of `html`.
fn script_hashes(html: &str) -> Vec<String> {
    inline_scripts(html)
        .into_iter()
        .map(|script| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(script))))
        .collect()
}

/// The text of every `<script>` element without a `src` attribute, exactly as written,
/// which is what a CSP hash covers.
fn inline_scripts(html: &str) -> Vec<&str> {
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` index `html`.
    let lower = html.to_ascii_lowercase();
    let mut scripts = Vec::new();
    let mut position = 0;
    while let Some(found) = lower[position..].find("<script") {
        let name_end = position + found + "<script".len();
        let Some(tag_len) = lower[name_end..].find('>') else {
            break;
        };
        let attributes = &lower[name_end..name_end + tag_len];
        let body_start = name_end + tag_len + 1;
        let Some(body_len) = lower[body_start..].find("</script") else {
            break;
        };
        let is_script_tag = attributes.is_empty() || attributes.starts_with(char::is_whitespace);
        let has_src = attributes
            .split_whitespace()
            .any(|attribute| attribute == "src" || attribute.starts_with("src="));
        if is_script_tag && !has_src {
            scripts.push(&html[body_start..body_start + body_len]);
        }
        position = body_start + body_len;
    }
    scripts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_but_not_external_ones() {
        let html = r#"<html><head>
            <script src="/app.js"></script>
            <SCRIPT type="module">import init from '/x.js';
await init();</SCRIPT>
            <script>1</script><scripts>no</scripts>
            <script defer src=/y.js></script>
            </head></html>"#;
        assert_eq!(
            inline_scripts(html),
            vec!["import init from '/x.js';\nawait init();", "1"]
        );
    }

    #[test]
    fn docs_policy_allows_exactly_the_pages_own_scripts() {
        let policy = docs_csp("<p>x</p><script>1</script><script src=/a.js></script>");
        let hash = STANDARD.encode(Sha256::digest("1"));
        assert!(
            policy.contains(&format!("script-src 'sha256-{hash}';")),
            "{policy}"
        );
        assert!(policy.contains("frame-src 'self';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(docs_csp("<p>no scripts</p>").contains("script-src 'none'"));
    }

    #[test]
    fn embed_may_also_be_framed_by_this_server() {
        let config = Config {
            frame_ancestors: vec!["https://docs.example".into()],
            ..Config::default()
        };
        let csp = AppCsp::new(&config).expect("valid config");
        let app = csp.build("", &csp.fixed.frame_ancestors);
        let embed = csp.build("", &csp.fixed.embed_frame_ancestors);
        let text = |v: &HeaderValue| v.to_str().unwrap_or_default().to_owned();
        assert!(text(&app).contains("frame-ancestors https://docs.example;"));
        assert!(text(&embed).contains("frame-ancestors 'self' https://docs.example;"));
    }

    #[test]
    fn refuses_sources_that_would_break_the_policy() {
        assert!(sources("connect_src", &["https://a.example".into()]).is_ok());
        for bad in ["https://a.example; script-src *", "a,b", "", "a b"] {
            assert!(sources("connect_src", &[bad.into()]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_lane_runner_gets_its_own_origin_in_the_sandbox_policy() {
        let lanes = vec![
            "https://lane-a.run.example".to_owned(),
            "https://lane-b.run.example".to_owned(),
        ];
        let host = HeaderValue::from_static("lane-b.run.example");
        assert_eq!(
            runner_origin(Some("https://run.example"), &lanes, Some(&host)).as_deref(),
            Some("https://lane-b.run.example")
        );
        let other = HeaderValue::from_static("elsewhere.example");
        assert_eq!(
            runner_origin(Some("https://run.example"), &lanes, Some(&other)).as_deref(),
            Some("https://run.example")
        );
    }

    #[test]
    fn sandbox_origin_comes_from_config_or_a_plain_host() {
        let host = HeaderValue::from_static("127.0.0.1:8080");
        assert_eq!(
            runner_origin(None, &[], Some(&host)).as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            runner_origin(Some("https://run.example"), &[], Some(&host)).as_deref(),
            Some("https://run.example")
        );
        let evil = HeaderValue::from_static("a.example; script-src *");
        assert_eq!(runner_origin(None, &[], Some(&evil)), None);
        assert_eq!(runner_origin(None, &[], None), None);
        for local in [
            "localhost:8080",
            "127.0.0.1",
            "[::1]:9000",
            "lane2.localhost:8080",
        ] {
            let host = HeaderValue::from_static(local);
            assert_eq!(
                runner_origin(None, &[], Some(&host)),
                Some(format!("http://{local}"))
            );
        }
        for foreign in [
            "evil.example",
            "evil.example:8080",
            "10.0.0.1:80",
            "localhost.evil.example",
            "a;b.localhost",
            ".localhost",
        ] {
            let host = HeaderValue::from_static(foreign);
            assert_eq!(runner_origin(None, &[], Some(&host)), None, "{foreign}");
        }
    }
}
