//! Why a request got no response, as far as a browser lets a page tell: what the URL says
//! (a port browsers refuse, mixed content, a loopback or numeric host), whether the browser
//! is online, and whether a plain `no-cors` GET of the same URL was answered.
//!
//! `fetch` rejects with the same bare `TypeError` for a failed name lookup, a refused
//! connection, a blocked port, a TLS failure and a CORS refusal; these are the facts that
//! tell some of them apart, and the honest list of what remains possible when they do not.

use std::fmt;

/// Ports browsers refuse to connect to, the Fetch standard's "bad ports" (Chromium reports
/// `net::ERR_UNSAFE_PORT`; a page sees only the usual `TypeError`).
pub const BLOCKED_PORTS: &[u16] = &[
    1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
    103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
    512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
    995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
    6669, 6679, 6697, 10080,
];

/// A request that got no response: where it went and what is known of why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// The URL tried, safe to show: absolute, without credentials, query or fragment, and
    /// without any of the request's header values (where a key travels).
    pub url: String,
    pub cause: Cause,
}

/// Why nothing came back, as far as it can be known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The port is one browsers refuse to connect to.
    BlockedPort(u16),
    /// A plain `http://` address from a page served over `https://` (mixed content).
    MixedContent,
    /// The browser says it has no network.
    Offline,
    /// A plain request to the same URL was answered, so the server is there and the browser
    /// withheld the real request's answer: CORS.
    Cors,
    /// Not even a plain request was answered; what that can mean for this address.
    NoAnswer(Possible),
    /// The browser would not send the request at all (a header it refuses, no window).
    NotSent(String),
}

/// The causes a bare network failure can still have, given the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Possible {
    /// The host, as tried.
    pub host: String,
    pub port: u16,
    /// The host is this machine: no name lookup, and a refusal means nothing listens.
    pub local: bool,
    /// The host is a name, so looking it up may have failed.
    pub lookup: bool,
    /// `https://`: the TLS handshake may have failed (a certificate the browser distrusts).
    pub tls: bool,
    /// A plain `http://` address on another machine, which a page's Content Security Policy
    /// often does not allow (this server's `connect-src`).
    pub policy: bool,
}

/// The parts of a URL the diagnosis needs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Address {
    https: bool,
    /// As written in the URL (IPv6 in brackets), lowercased.
    host: String,
    /// Explicit, or the scheme's default.
    port: u16,
    /// `scheme://host[:port]`, as written.
    origin: String,
    /// From the first `/` after the host, without query or fragment.
    path: String,
    had_query: bool,
}

impl Address {
    /// Reads an absolute `http(s)://` URL, or a path (`/v1/models`) on `page_origin`.
    fn parse(url: &str, page_origin: &str) -> Option<Self> {
        let url = url.trim();
        let absolute = if url.starts_with('/') && !url.starts_with("//") {
            format!("{}{url}", page_origin.trim_end_matches('/'))
        } else {
            url.to_owned()
        };
        let (scheme, rest) = absolute.split_once("://")?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        // Credentials never show: only what follows the last `@`.
        let host_port = authority.rsplit('@').next().unwrap_or_default();
        let (host, port) = split_port(host_port)?;
        let port = match port {
            Some(port) => port,
            None if https => 443,
            None => 80,
        };
        let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
        let (path, after) = tail.split_at(path_end);
        let host = host.to_ascii_lowercase();
        Some(Self {
            origin: format!("{}://{host_port}", scheme.to_ascii_lowercase()),
            https,
            host,
            port,
            path: path.to_owned(),
            had_query: after.starts_with('?'),
        })
    }

    /// `localhost`, a `.localhost` name, `127.x.x.x` or `[::1]`: this machine.
    fn is_local(&self) -> bool {
        let host = self.host.as_str();
        host == "localhost"
            || host.ends_with(".localhost")
            || host == "[::1]"
            || host
                .strip_prefix("127.")
                .is_some_and(|rest| is_ipv4_tail(rest, 3))
    }

    /// A numeric address, which needs no name lookup.
    fn is_ip(&self) -> bool {
        self.host.starts_with('[') || is_ipv4_tail(&self.host, 4)
    }

    fn shown(&self, secrets: &[&str]) -> String {
        let query = if self.had_query { "?…" } else { "" };
        let mut shown = format!("{}{}{query}", self.origin, self.path);
        for secret in secrets {
            // Header values hold the key, sometimes after a word ("Bearer sk-…").
            for word in secret.split_whitespace().filter(|w| w.len() >= 8) {
                shown = shown.replace(word, "…");
            }
        }
        shown
    }
}

/// `n` dot-separated decimal numbers.
fn is_ipv4_tail(text: &str, n: usize) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == n
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `host[:port]`, with IPv6 hosts in brackets; `None` for an unreadable port.
fn split_port(host_port: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if host_port.starts_with('[') {
        let close = host_port.find(']')?;
        let (host, rest) = host_port.split_at(close + 1);
        (host, rest.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    match port {
        None | Some("") => Some((host, None)),
        Some(port) => Some((host, Some(port.parse().ok()?))),
    }
}

/// How an address that is not an `http(s)://` URL is shown.
const UNREADABLE: &str = "the endpoint's address";

/// What the page knows about a request that got no response, before and after probing.
#[derive(Debug, Clone, Copy)]
pub struct Failed<'a> {
    /// The request's URL, absolute or a path on the page's origin.
    pub url: &'a str,
    /// The page's origin (`location.origin`).
    pub page_origin: &'a str,
    /// The request's header values, scrubbed from the URL shown.
    pub secrets: &'a [&'a str],
}

impl Failed<'_> {
    /// The URL as it may be shown: absolute, without credentials, query or fragment, and
    /// without any of the secrets.
    pub fn shown_url(&self) -> String {
        match Address::parse(self.url, self.page_origin) {
            Some(address) => address.shown(self.secrets),
            None => UNREADABLE.to_owned(),
        }
    }

    /// The cause the URL and the browser's state settle without asking the network, or
    /// `None` when a plain probe of the URL must decide ([`Self::after_probe`]).
    pub fn settled(&self, online: bool) -> Option<Unreachable> {
        let Some(address) = Address::parse(self.url, self.page_origin) else {
            return Some(self.unreachable(
                None,
                Cause::NotSent("the address is not an http:// or https:// URL".into()),
            ));
        };
        let page_https = self.page_origin.starts_with("https://");
        let cause = if BLOCKED_PORTS.contains(&address.port) {
            Cause::BlockedPort(address.port)
        } else if page_https && !address.https && !address.is_local() {
            Cause::MixedContent
        } else if !online {
            Cause::Offline
        } else {
            return None;
        };
        Some(self.unreachable(Some(&address), cause))
    }

    /// The cause once a plain `no-cors` GET of the same URL was (`answered`) or was not
    /// answered.
    pub fn after_probe(&self, answered: bool) -> Unreachable {
        let address = Address::parse(self.url, self.page_origin);
        let cause = match &address {
            _ if answered => Cause::Cors,
            Some(address) => {
                let local = address.is_local();
                Cause::NoAnswer(Possible {
                    host: address.host.clone(),
                    port: address.port,
                    local,
                    lookup: !local && !address.is_ip(),
                    tls: address.https,
                    policy: !address.https && !local,
                })
            }
            None => Cause::NotSent("the address is not an http:// or https:// URL".into()),
        };
        self.unreachable(address.as_ref(), cause)
    }

    /// The browser refused to send it, for `reason`.
    pub fn not_sent(&self, reason: impl Into<String>) -> Unreachable {
        let address = Address::parse(self.url, self.page_origin);
        self.unreachable(address.as_ref(), Cause::NotSent(reason.into()))
    }

    fn unreachable(&self, address: Option<&Address>, cause: Cause) -> Unreachable {
        let url = match address {
            Some(address) => address.shown(self.secrets),
            None => UNREADABLE.to_owned(),
        };
        Unreachable { url, cause }
    }
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Cause::Cors => write!(f, "{} refused this page's request (CORS)", self.url),
            Cause::NotSent(reason) => write!(f, "not sent to {} ({reason})", self.url),
            _ => write!(f, "{} could not be reached", self.url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "http://127.0.0.1:8080";

    fn failed(url: &str) -> Failed<'_> {
        Failed {
            url,
            page_origin: PAGE,
            secrets: &[],
        }
    }

    fn possible(url: &str) -> Possible {
        match failed(url).after_probe(false).cause {
            Cause::NoAnswer(possible) => possible,
            other => panic!("{url}: {other:?}"),
        }
    }

    #[test]
    fn blocked_ports_are_known_from_the_url_alone() {
        for url in [
            "http://127.0.0.1:6000/v1/models",
            "http://localhost:6666/v1",
            "https://api.example.com:10080/v1",
            "http://[::1]:22/",
        ] {
            let port = url
                .rsplit(':')
                .next()
                .and_then(|p| p.split('/').next())
                .and_then(|p| p.parse().ok())
                .expect("a port");
            assert_eq!(
                failed(url).settled(true).map(|u| u.cause),
                Some(Cause::BlockedPort(port)),
                "{url}"
            );
        }
        assert_eq!(failed("http://127.0.0.1:8000/v1").settled(true), None);
        assert_eq!(
            failed("http://127.0.0.1:6670/v1").settled(true),
            None,
            "just past the IRC ports"
        );
        assert_eq!(
            failed("https://api.example.com/v1").settled(true),
            None,
            "443 by default"
        );
        assert!(
            BLOCKED_PORTS.windows(2).all(|w| w[0] < w[1]),
            "sorted, no repeats"
        );
    }

    #[test]
    fn mixed_content_and_offline_need_no_probe() {
        let secure = |url| Failed {
            url,
            page_origin: "https://sparkplug.example",
            secrets: &[],
        };
        assert_eq!(
            secure("http://10.0.0.5:8000/v1")
                .settled(true)
                .map(|u| u.cause),
            Some(Cause::MixedContent)
        );
        assert_eq!(
            secure("http://localhost:11434").settled(true),
            None,
            "loopback is allowed from https pages"
        );
        assert_eq!(
            failed("https://api.example.com/v1")
                .settled(false)
                .map(|u| u.cause),
            Some(Cause::Offline)
        );
    }

    #[test]
    fn an_answered_probe_means_cors_and_silence_leaves_what_the_address_allows() {
        assert_eq!(
            failed("https://api.example.com/v1").after_probe(true).cause,
            Cause::Cors
        );
        let local = possible("http://127.0.0.1:8000/v1/models");
        assert!(local.local && !local.lookup && !local.tls && !local.policy);
        assert_eq!((local.host.as_str(), local.port), ("127.0.0.1", 8000));
        let named = possible("https://api.example.com/v1");
        assert!(!named.local && named.lookup && named.tls && !named.policy);
        assert_eq!(named.port, 443);
        let lan = possible("http://192.168.1.20:8000/v1");
        assert!(!lan.local && !lan.lookup && !lan.tls && lan.policy);
        let v6 = possible("http://[::1]:8000/v1");
        assert!(v6.local && !v6.lookup);
        let ours = possible("/v1/models");
        assert!(
            ours.local && ours.port == 8080,
            "a path is on the page's origin"
        );
        assert!(
            possible("http://127.0.0.1.example.com").lookup,
            "only real IPs skip DNS"
        );
        assert!(possible("http://LocalHost:80").local);
    }

    #[test]
    fn the_url_shown_names_the_address_but_never_a_secret() {
        let key = "sk-live-0123456789abcdef";
        let bearer = format!("Bearer {key}");
        let secrets = [bearer.as_str(), "application/json"];
        let shown = |url: &str| {
            let failed = Failed {
                url,
                page_origin: PAGE,
                secrets: &secrets,
            };
            let shown = failed.shown_url();
            assert_eq!(failed.after_probe(false).url, shown, "one way to show it");
            shown
        };
        assert_eq!(
            shown("http://127.0.0.1:9999/v1/models"),
            "http://127.0.0.1:9999/v1/models"
        );
        assert_eq!(
            shown("/v1/chat/completions"),
            format!("{PAGE}/v1/chat/completions")
        );
        assert_eq!(
            shown("https://user:pass@api.example.com/v1/models?key=abc#frag"),
            "https://api.example.com/v1/models?…"
        );
        assert_eq!(
            shown(&format!("https://api.example.com/{key}/models")),
            "https://api.example.com/…/models"
        );
        let unreadable = failed("ftp://files.example.com").after_probe(false);
        assert!(matches!(unreadable.cause, Cause::NotSent(_)));
        assert_eq!(unreadable.url, "the endpoint's address");
        assert_eq!(
            failed("http://host:99999/").after_probe(false).url,
            "the endpoint's address"
        );
    }

    #[test]
    fn one_line_summaries_name_the_url() {
        let refused = failed("http://127.0.0.1:8000/v1/models").after_probe(false);
        assert_eq!(
            refused.to_string(),
            "http://127.0.0.1:8000/v1/models could not be reached"
        );
        let cors = failed("https://api.example.com/v1/models").after_probe(true);
        assert_eq!(
            cors.to_string(),
            "https://api.example.com/v1/models refused this page's request (CORS)"
        );
        let not_sent = failed("/v1/models").not_sent("the header `x-key` is not valid");
        assert_eq!(
            not_sent.to_string(),
            "not sent to http://127.0.0.1:8080/v1/models (the header `x-key` is not valid)"
        );
    }
}
