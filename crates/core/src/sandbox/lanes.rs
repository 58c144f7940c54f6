//! Where each compare lane runs its code. Chromium keeps every sandboxed frame of one site in
//! one process, so lanes on one runner would stall each other: each lane gets a site of its own.

/// The runner path on every runner origin.
const RUNNER_PATH: &str = "/sandbox/runner.html";

/// The page's address as far as the choice needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageAddress<'a> {
    /// `http:` or `https:`.
    pub protocol: &'a str,
    /// The host name, without the port (`127.0.0.1`, `localhost`, `[::1]`).
    pub hostname: &'a str,
    /// The port, empty for the scheme's default.
    pub port: &'a str,
}

impl PageAddress<'_> {
    /// Served from this machine: `localhost` or a loopback address.
    pub fn is_loopback(&self) -> bool {
        let name = self.hostname;
        name.eq_ignore_ascii_case("localhost")
            || name == "[::1]"
            || name
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// The runner of lane `lane` (from 0): the deployment's list of lane runners if it gave one
/// (cycled when it names fewer than there are lanes); else, on a page served from this
/// machine, `laneN.localhost` on the page's port — every `*.localhost` name is this machine
/// and a site of its own; else `shared`, the one runner every lane then shares.
pub fn lane_runner(
    configured: &[String],
    page: PageAddress<'_>,
    shared: &str,
    lane: usize,
) -> String {
    if !configured.is_empty() {
        return configured[lane % configured.len()].clone();
    }
    if page.is_loopback() && page.protocol == "http:" {
        let port = if page.port.is_empty() {
            String::new()
        } else {
            format!(":{}", page.port)
        };
        return format!("http://lane{}.localhost{port}{RUNNER_PATH}", lane + 1);
    }
    shared.to_owned()
}

/// Whether every lane of `runners` has a site of its own (else their results share a process).
pub fn isolated(runners: &[String]) -> bool {
    let mut seen: Vec<&str> = runners.iter().map(|r| r.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len() == runners.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page<'a>(protocol: &'a str, hostname: &'a str, port: &'a str) -> PageAddress<'a> {
        PageAddress {
            protocol,
            hostname,
            port,
        }
    }

    #[test]
    fn a_local_page_gives_each_lane_a_localhost_site_of_its_own() {
        let local = page("http:", "127.0.0.1", "8080");
        let runners: Vec<String> = (0..4)
            .map(|lane| lane_runner(&[], local, "/sandbox/runner.html", lane))
            .collect();
        assert_eq!(
            runners[0],
            "http://lane1.localhost:8080/sandbox/runner.html"
        );
        assert_eq!(
            runners[3],
            "http://lane4.localhost:8080/sandbox/runner.html"
        );
        assert!(isolated(&runners));
        assert_eq!(
            lane_runner(&[], page("http:", "localhost", ""), "/r", 1),
            "http://lane2.localhost/sandbox/runner.html"
        );
        assert!(page("http:", "[::1]", "1").is_loopback());
    }

    #[test]
    fn a_deployment_names_its_runners_and_otherwise_lanes_share_one() {
        let public = page("https:", "sparkplug.example", "");
        let configured = vec![
            "https://lane-a.example-run.net/sandbox/runner.html".to_owned(),
            "https://lane-b.example-run.org/sandbox/runner.html".to_owned(),
        ];
        assert_eq!(lane_runner(&configured, public, "/r", 2), configured[0]);
        assert_eq!(
            lane_runner(&[], public, "/sandbox/runner.html", 3),
            "/sandbox/runner.html"
        );
        let shared: Vec<String> = (0..2).map(|l| lane_runner(&[], public, "/r", l)).collect();
        assert!(!isolated(&shared));
        // A local page over https (a proxy in front) cannot frame plain http runners.
        assert_eq!(
            lane_runner(&[], page("https:", "localhost", "8443"), "/r", 0),
            "/r"
        );
    }
}
