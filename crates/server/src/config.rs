//! Every server option in one place, with its default and its TOML spelling.
//! `main.rs` lays command-line flags and `SPARKPLUG_*` variables over what this loads.

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    time::Duration,
};

use serde::Deserialize;
use sparkplug_core::pages::kiosk::attract::KioskSettings;

/// The server's whole configuration. `Config::default()` is what the binary runs with
/// when given no flags; tests start from it and change the fields they need.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (see `Running::addr`).
    pub addr: SocketAddr,
    /// The app's built files (Trunk's output): `index.html`, wasm, JS, CSS.
    pub dist_dir: PathBuf,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Chat completions one client may have open at once; IPv6 clients are grouped by
    /// their /64, which one host usually holds whole.
    pub max_streams_per_client: usize,
    /// Connections open at once; while this many are open, new ones wait in the listen
    /// backlog. Lowered at start to fit the process's file-descriptor limit.
    pub max_connections: usize,
    /// Time a client has to send a request's head, counted from when the connection opens
    /// or the previous response ended: so it also closes idle keep-alive connections and
    /// connections that send nothing.
    #[serde(with = "duration_text")]
    pub header_read_timeout: Duration,
    /// Time a client has to send a whole request body; a slower one gets a 408.
    #[serde(with = "duration_text")]
    pub body_read_timeout: Duration,
    /// Origins allowed to call `/v1/*` from another page (CORS); empty turns CORS off,
    /// `"*"` allows any origin.
    pub cors_origins: Vec<String>,
    /// Origins the app may connect to besides its own (CSP `connect-src`). The default lets
    /// users reach their own endpoints: any HTTPS API and local servers; narrow it for a
    /// deployment whose users should reach only this server.
    pub connect_src: Vec<String>,
    /// Origin of the code runner frame (CSP `frame-src`, and the sandbox page's own
    /// policy); `None` means this server.
    pub runner_origin: Option<String>,
    /// Origins of compare lanes' runners, each a site of its own (a different registrable
    /// domain), serving this server's `/sandbox/`: added to CSP `frame-src`. Empty allows
    /// `http://*.localhost:*`, where a page served from this machine puts its lanes.
    pub lane_runners: Vec<String>,
    /// Pages allowed to embed the app in a frame (CSP `frame-ancestors`); empty is `'none'`.
    /// The `/embed` page is also framable by this server's own `/docs/embed`.
    pub frame_ancestors: Vec<String>,
    /// Host origins whose postMessage commands (`run`, `stop`, `set-prompt`) an `/embed`
    /// frame obeys, served at `GET /v1/embed`. Empty means the same as `frame_ancestors`
    /// (who may frame the embed may command it); list fewer to let some hosts only show it.
    pub embed_hosts: Vec<String>,
    /// Pyodide's files (from npm), served at `/pyodide/` to the sandbox.
    pub pyodide_dir: PathBuf,
    /// Answer the `test/...` models (fixture replays, errors, cut and stalled streams);
    /// when off they are unknown models.
    pub enable_test_models: bool,
    /// Where `test/fixture/<path>` finds its recordings.
    pub fixtures_dir: PathBuf,
    /// Providers the proxy forwards `NAME/MODEL` requests to (`[[upstream]]` in TOML).
    #[serde(rename = "upstream")]
    pub upstreams: Vec<UpstreamConfig>,
    /// Time to open a connection to an upstream; after it the request is a 502.
    #[serde(with = "duration_text")]
    pub upstream_connect_timeout: Duration,
    /// An upstream silent for this long is given up: 504 before the response started,
    /// a final SSE error event after.
    #[serde(with = "duration_text")]
    pub upstream_idle_timeout: Duration,
    /// Save every proxied stream here as a timed JSON-lines recording. Recordings hold
    /// users' prompts and answers: nothing serves them unless `replay_dir` names a folder.
    pub record_dir: Option<PathBuf>,
    /// Most recordings `record_dir` may hold; at this many, new streams go unrecorded
    /// (logged).
    pub record_max_files: usize,
    /// Most bytes `record_dir` may hold; a recording that reaches it stops (logged).
    pub record_max_bytes: u64,
    /// Recordings that `replay/NAME` plays and `/v1/models` lists, to anyone who can
    /// reach the server; off unless set (never the record directory by default).
    pub replay_dir: Option<PathBuf>,
    /// How long shutdown waits for connections to finish after streams were told to end.
    #[serde(with = "duration_text")]
    pub shutdown_grace: Duration,
    /// What the `/kiosk` page races (`[kiosk]` in TOML), served at `GET /v1/kiosk`.
    pub kiosk: KioskSettings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
            dist_dir: PathBuf::from("dist"),
            body_limit: 1024 * 1024,
            max_streams_per_client: 8,
            max_connections: 2048,
            header_read_timeout: Duration::from_secs(15),
            body_read_timeout: Duration::from_secs(30),
            cors_origins: Vec::new(),
            connect_src: ["https:", "http://localhost:*", "http://127.0.0.1:*"]
                .map(String::from)
                .to_vec(),
            runner_origin: None,
            lane_runners: Vec::new(),
            frame_ancestors: Vec::new(),
            embed_hosts: Vec::new(),
            pyodide_dir: PathBuf::from(".tools/npm/node_modules/pyodide"),
            enable_test_models: false,
            fixtures_dir: PathBuf::from("tests/fixtures/streams"),
            upstreams: Vec::new(),
            upstream_connect_timeout: Duration::from_secs(10),
            upstream_idle_timeout: Duration::from_secs(30),
            record_dir: None,
            record_max_files: 1000,
            record_max_bytes: 512 * 1024 * 1024,
            replay_dir: None,
            shutdown_grace: Duration::from_secs(5),
            kiosk: KioskSettings::default(),
        }
    }
}

/// One provider the proxy can reach. The key is never in the configuration: only the
/// name of the environment variable that holds it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UpstreamConfig {
    /// The prefix clients use: model `NAME/MODEL` goes to this upstream as `MODEL`.
    pub name: String,
    /// The API root, e.g. `https://api.openai.com/v1`; requests go to
    /// `<base_url>/chat/completions` and `<base_url>/models`.
    pub base_url: String,
    /// Environment variable holding the API key; none sends no `Authorization`.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// The upstream's wire format, recorded with each stream for the app's decoder.
    #[serde(default)]
    pub format: UpstreamFormat,
    /// Models clients may ask this upstream for (without the `NAME/` prefix); empty
    /// allows any. Others are a 404, and `/v1/models` lists only these.
    #[serde(default)]
    pub allowed_models: Vec<String>,
    /// The most output tokens one request may ask for: a larger or missing
    /// `max_tokens`/`max_completion_tokens` is set to this before forwarding.
    #[serde(default)]
    pub max_tokens: Option<u64>,
}

/// Wire formats the proxy forwards. Only OpenAI-compatible chat completions so far.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum UpstreamFormat {
    #[default]
    Openai,
}

impl UpstreamFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
        }
    }
}

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
}

impl Config {
    /// The origins `/embed` takes commands from: `embed_hosts`, or `frame_ancestors` when
    /// that is empty. This server's own docs page (`'self'`) is always one of them.
    pub fn effective_embed_hosts(&self) -> Vec<String> {
        let listed = if self.embed_hosts.is_empty() {
            &self.frame_ancestors
        } else {
            &self.embed_hosts
        };
        let mut hosts = listed.clone();
        if !hosts.iter().any(|h| h == "'self'") {
            hosts.push("'self'".into());
        }
        hosts
    }

    /// Reads a TOML file whose keys are this struct's field names; absent keys keep
    /// their defaults and unknown keys are an error, so a typo is not silently ignored.
    pub fn from_toml_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })
    }
}

/// Durations written as text with a unit, as people write them: `"30s"`, `"250ms"`.
pub mod duration_text {
    use std::time::Duration;

    use serde::{de::Error, Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text).map_err(D::Error::custom)
    }

    /// Parses `<number><unit>` with unit `ms`, `s` or `m`; the number may have a fraction.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration such as 30s or 250ms"))?;
        let seconds = match unit.trim() {
            "ms" => value / 1000.0,
            "s" => value,
            "m" => value * 60.0,
            _ => return Err(format!("`{text}` needs a unit: ms, s or m")),
        };
        Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{text}`: {e}"))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_units_and_rejects_bare_numbers() {
            assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
            assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
            assert_eq!(parse("1.5m"), Ok(Duration::from_secs(90)));
            assert!(parse("30").is_err());
            assert!(parse("s").is_err());
            assert!(parse("-1s").is_err());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_overrides_only_the_keys_it_names() {
        let config: Config =
            toml::from_str("addr = \"0.0.0.0:9000\"\nshutdown_grace = \"2s\"").expect("valid toml");
        assert_eq!(config.addr, "0.0.0.0:9000".parse().expect("addr"));
        assert_eq!(config.shutdown_grace, Duration::from_secs(2));
        assert_eq!(config.dist_dir, PathBuf::from("dist"));
    }

    #[test]
    fn toml_reads_upstreams_by_env_var_name() {
        let config: Config = toml::from_str(
            "upstream_idle_timeout = \"500ms\"\n\
             [[upstream]]\nname = \"openai\"\nbase_url = \"https://api.openai.com/v1\"\n\
             api_key_env = \"OPENAI_API_KEY\"\nformat = \"openai\"\n\
             [[upstream]]\nname = \"local\"\nbase_url = \"http://127.0.0.1:11434/v1\"\n",
        )
        .expect("valid toml");
        assert_eq!(config.upstream_idle_timeout, Duration::from_millis(500));
        assert_eq!(config.upstreams.len(), 2);
        assert_eq!(
            config.upstreams[0].api_key_env.as_deref(),
            Some("OPENAI_API_KEY")
        );
        assert_eq!(config.upstreams[1].api_key_env, None);
        assert!(toml::from_str::<Config>(
            "[[upstream]]\nname = \"x\"\nbase_url = \"http://a\"\napi_key = \"sk-1\""
        )
        .is_err());
    }

    #[test]
    fn toml_kiosk_section_sets_the_race() {
        let config: Config = toml::from_str(
            "[kiosk]\nmodels = [\"demo-1000\", \"replay/groq\"]\nidle_seconds = 30\n\
             [kiosk.labels]\n\"replay/groq\" = \"Llama 3.3 70B on Groq, recorded\"\n",
        )
        .expect("valid toml");
        assert_eq!(config.kiosk.models, ["demo-1000", "replay/groq"]);
        assert_eq!(
            config.kiosk.labels["replay/groq"],
            "Llama 3.3 70B on Groq, recorded"
        );
        assert_eq!(config.kiosk.idle_seconds, 30.0);
        assert_eq!(config.kiosk.prompts, KioskSettings::default().prompts);
    }

    #[test]
    fn embed_hosts_default_to_frame_ancestors() {
        let config: Config =
            toml::from_str("frame_ancestors = [\"https://docs.example\"]").expect("valid toml");
        assert_eq!(
            config.effective_embed_hosts(),
            ["https://docs.example", "'self'"]
        );
        let config: Config = toml::from_str(
            "frame_ancestors = [\"https://a.example\", \"https://b.example\"]\n\
             embed_hosts = [\"https://a.example\"]",
        )
        .expect("valid toml");
        assert_eq!(
            config.effective_embed_hosts(),
            ["https://a.example", "'self'"]
        );
    }

    #[test]
    fn toml_rejects_unknown_keys() {
        assert!(toml::from_str::<Config>("adress = \"0.0.0.0:9000\"").is_err());
    }
}
