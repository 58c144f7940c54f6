//! The `sparkplug-server` binary: reads flags, `SPARKPLUG_*` variables and an optional
//! TOML file into a `Config`, serves until Ctrl-C or SIGTERM, then shuts down gracefully.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, time::Duration};

use clap::Parser;
use sparkplug_server::{parse_duration, Config, ConfigError, UpstreamConfig};
use tracing_subscriber::EnvFilter;

/// Sparkplug's server: the app's files, simulated OpenAI-compatible models and the API.
///
/// Each option can also be set by its SPARKPLUG_* environment variable, or in the
/// --config TOML file under the key shown as [toml: …]; flags and variables win over
/// the file.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// TOML file with any of the options below.
    #[arg(long, env = "SPARKPLUG_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// Address to listen on; port 0 picks a free port. [default: 127.0.0.1:8080] [toml: addr]
    #[arg(long, env = "SPARKPLUG_ADDR", value_name = "HOST:PORT")]
    addr: Option<SocketAddr>,

    /// Directory of the built app (Trunk's output). [default: dist] [toml: dist_dir]
    #[arg(long = "dist", env = "SPARKPLUG_DIST", value_name = "DIR")]
    dist_dir: Option<PathBuf>,

    /// Largest accepted request body in bytes. [default: 1048576] [toml: body_limit]
    #[arg(long, env = "SPARKPLUG_BODY_LIMIT", value_name = "BYTES")]
    body_limit: Option<usize>,

    /// Chat completions one client IP may have open at once; more get 429. [default: 8] [toml: max_streams_per_client]
    #[arg(long, env = "SPARKPLUG_MAX_STREAMS_PER_CLIENT", value_name = "N")]
    max_streams_per_client: Option<usize>,

    /// Connections open at once; more wait in the listen backlog. Lowered to fit the
    /// file-descriptor limit (`ulimit -n`, raised to its hard limit at start).
    /// [default: 2048] [toml: max_connections]
    #[arg(long, env = "SPARKPLUG_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<usize>,

    /// Time a client has to send a request's head, from when the connection opens or the
    /// previous response ended: idle and slow connections close after it. [default: 15s]
    /// [toml: header_read_timeout]
    #[arg(long, env = "SPARKPLUG_HEADER_READ_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    header_read_timeout: Option<Duration>,

    /// Time a client has to send a whole request body; slower gets 408. [default: 30s]
    /// [toml: body_read_timeout]
    #[arg(long, env = "SPARKPLUG_BODY_READ_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    body_read_timeout: Option<Duration>,

    /// Origin allowed to call /v1/* from another page (CORS); repeat or comma-separate;
    /// `*` allows any. [default: none, CORS off] [toml: cors_origins]
    #[arg(
        long = "cors-origin",
        env = "SPARKPLUG_CORS_ORIGINS",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,

    /// Origin the app may connect to besides its own (CSP connect-src), e.g. a provider's
    /// API; repeat or comma-separate; replaces the default. [default: https:
    /// http://localhost:* http://127.0.0.1:*, so users reach their own endpoints]
    /// [toml: connect_src]
    #[arg(
        long = "connect-src",
        env = "SPARKPLUG_CONNECT_SRC",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    connect_src: Vec<String>,

    /// Origin of the code-runner frame (CSP frame-src and the sandbox page's policy).
    /// [default: this server] [toml: runner_origin]
    #[arg(long, env = "SPARKPLUG_RUNNER_ORIGIN", value_name = "ORIGIN")]
    runner_origin: Option<String>,

    /// Origin of a compare lane's runner, each a site of its own; repeat or comma-separate.
    /// The app page names the same runners in `<meta name="sparkplug-lane-runners">`.
    /// [default: http://laneN.localhost for a page served from this machine]
    /// [toml: lane_runners]
    #[arg(
        long = "lane-runner",
        env = "SPARKPLUG_LANE_RUNNERS",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    lane_runners: Vec<String>,

    /// Origin allowed to embed the app in a frame (CSP frame-ancestors); repeat or
    /// comma-separate. [default: none, 'none'] [toml: frame_ancestors]
    #[arg(
        long = "frame-ancestor",
        env = "SPARKPLUG_FRAME_ANCESTORS",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    frame_ancestors: Vec<String>,

    /// Host origin whose postMessage commands an /embed frame obeys; repeat or
    /// comma-separate. [default: the frame-ancestor origins] [toml: embed_hosts]
    #[arg(
        long = "embed-host",
        env = "SPARKPLUG_EMBED_HOSTS",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    embed_hosts: Vec<String>,

    /// Pyodide's files, served at /pyodide/. [default: .tools/npm/node_modules/pyodide] [toml: pyodide_dir]
    #[arg(long, env = "SPARKPLUG_PYODIDE_DIR", value_name = "DIR")]
    pyodide_dir: Option<PathBuf>,

    /// How long shutdown waits for open connections, e.g. 5s or 500ms. [default: 5s] [toml: shutdown_grace]
    #[arg(long, env = "SPARKPLUG_SHUTDOWN_GRACE", value_name = "DURATION", value_parser = parse_duration)]
    shutdown_grace: Option<Duration>,

    /// Answer the test-only models (test/fixture/…, test/error/…, test/cut/…,
    /// test/stall/…) for the browser's error tests; off, they are unknown models. [toml: enable_test_models]
    #[arg(long, env = "SPARKPLUG_ENABLE_TEST_MODELS")]
    enable_test_models: bool,

    /// Recordings that test/fixture/<path> replays. [default: tests/fixtures/streams] [toml: fixtures_dir]
    #[arg(long, env = "SPARKPLUG_FIXTURES_DIR", value_name = "DIR")]
    fixtures_dir: Option<PathBuf>,

    /// Upstream for the proxy as NAME=BASE_URL[,KEY_ENV]: model NAME/MODEL goes to
    /// BASE_URL/chat/completions with the key from environment variable KEY_ENV.
    /// Repeatable (';' between entries in SPARKPLUG_UPSTREAMS); added to the config
    /// file's [[upstream]] tables (keys name, base_url, api_key_env, format, allowed_models,
    /// max_tokens).
    #[arg(long = "upstream", env = "SPARKPLUG_UPSTREAMS", value_name = "NAME=URL[,KEY_ENV]", value_delimiter = ';', value_parser = parse_upstream)]
    upstreams: Vec<UpstreamConfig>,

    /// Give up on an upstream silent this long: 504 before the answer started, a final
    /// SSE error event after. [default: 30s] [toml: upstream_idle_timeout]
    #[arg(long, env = "SPARKPLUG_UPSTREAM_IDLE_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    upstream_idle_timeout: Option<Duration>,

    /// Time to connect to an upstream before the request is a 502. [default: 10s]
    /// [toml: upstream_connect_timeout]
    #[arg(long, env = "SPARKPLUG_UPSTREAM_CONNECT_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    upstream_connect_timeout: Option<Duration>,

    /// Record every proxied stream into DIR as JSON lines; private unless --replay-dir
    /// names the same folder. [default: off] [toml: record_dir]
    #[arg(long = "record", env = "SPARKPLUG_RECORD_DIR", value_name = "DIR")]
    record_dir: Option<PathBuf>,

    /// Most recordings the record directory may hold. [default: 1000] [toml: record_max_files]
    #[arg(long, env = "SPARKPLUG_RECORD_MAX_FILES", value_name = "N")]
    record_max_files: Option<usize>,

    /// Most bytes the record directory may hold. [default: 536870912] [toml: record_max_bytes]
    #[arg(long, env = "SPARKPLUG_RECORD_MAX_BYTES", value_name = "BYTES")]
    record_max_bytes: Option<u64>,

    /// Recordings that model replay/NAME plays and /v1/models lists, to anyone.
    /// [default: none, replay off] [toml: replay_dir]
    #[arg(long, env = "SPARKPLUG_REPLAY_DIR", value_name = "DIR")]
    replay_dir: Option<PathBuf>,

    /// Log filter in tracing's syntax, e.g. `info` or `sparkplug_server=debug`.
    #[arg(
        long,
        env = "SPARKPLUG_LOG",
        value_name = "FILTER",
        default_value = "info"
    )]
    log: String,
}

impl Cli {
    /// The file's configuration (or the defaults) with every given flag laid over it.
    fn into_config(self) -> Result<Config, ConfigError> {
        let mut config = match &self.config {
            Some(path) => Config::from_toml_file(path)?,
            None => Config::default(),
        };
        if let Some(addr) = self.addr {
            config.addr = addr;
        }
        if let Some(dist_dir) = self.dist_dir {
            config.dist_dir = dist_dir;
        }
        if let Some(body_limit) = self.body_limit {
            config.body_limit = body_limit;
        }
        if let Some(grace) = self.shutdown_grace {
            config.shutdown_grace = grace;
        }
        if let Some(max) = self.max_streams_per_client {
            config.max_streams_per_client = max;
        }
        if let Some(max) = self.max_connections {
            config.max_connections = max;
        }
        if let Some(timeout) = self.header_read_timeout {
            config.header_read_timeout = timeout;
        }
        if let Some(timeout) = self.body_read_timeout {
            config.body_read_timeout = timeout;
        }
        if !self.cors_origins.is_empty() {
            config.cors_origins = self.cors_origins;
        }
        if !self.connect_src.is_empty() {
            config.connect_src = self.connect_src;
        }
        if self.runner_origin.is_some() {
            config.runner_origin = self.runner_origin;
        }
        if !self.lane_runners.is_empty() {
            config.lane_runners = self.lane_runners;
        }
        if !self.frame_ancestors.is_empty() {
            config.frame_ancestors = self.frame_ancestors;
        }
        if !self.embed_hosts.is_empty() {
            config.embed_hosts = self.embed_hosts;
        }
        if let Some(dir) = self.pyodide_dir {
            config.pyodide_dir = dir;
        }
        if self.enable_test_models {
            config.enable_test_models = true;
        }
        if let Some(dir) = self.fixtures_dir {
            config.fixtures_dir = dir;
        }
        config.upstreams.extend(self.upstreams);
        if let Some(idle) = self.upstream_idle_timeout {
            config.upstream_idle_timeout = idle;
        }
        if let Some(connect) = self.upstream_connect_timeout {
            config.upstream_connect_timeout = connect;
        }
        if let Some(max) = self.record_max_files {
            config.record_max_files = max;
        }
        if let Some(max) = self.record_max_bytes {
            config.record_max_bytes = max;
        }
        if self.record_dir.is_some() {
            config.record_dir = self.record_dir;
        }
        if self.replay_dir.is_some() {
            config.replay_dir = self.replay_dir;
        }
        Ok(config)
    }
}

/// Parses `NAME=BASE_URL[,KEY_ENV]`; the server checks the name and URL at start.
fn parse_upstream(text: &str) -> Result<UpstreamConfig, String> {
    let (name, rest) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=BASE_URL[,KEY_ENV]"))?;
    let (base_url, api_key_env) = match rest.split_once(',') {
        Some((url, env)) => (url, Some(env.to_owned())),
        None => (rest, None),
    };
    Ok(UpstreamConfig {
        name: name.to_owned(),
        base_url: base_url.to_owned(),
        api_key_env,
        ..UpstreamConfig::default()
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_new(&cli.log).unwrap_or_else(|error| {
        eprintln!("invalid --log filter {:?} ({error}); using `info`", cli.log);
        EnvFilter::new("info")
    });
    tracing_subscriber::fmt().with_env_filter(filter).init();
    // A panic is caught and answered as a 500 (see the router); it is logged as one line,
    // not a backtrace on stderr that costs a busy server CPU per panic.
    std::panic::set_hook(Box::new(|info| tracing::error!(%info, "panic")));

    if let Some(limit) = sparkplug_server::raise_descriptor_limit() {
        tracing::debug!(limit, "file descriptor limit");
    }
    let config = match cli.into_config() {
        Ok(config) => config,
        Err(error) => {
            tracing::error!(%error, "configuration");
            return ExitCode::FAILURE;
        }
    };
    let running = match sparkplug_server::start(config).await {
        Ok(running) => running,
        Err(error) => {
            tracing::error!(%error, "start");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("listening on http://{}", running.addr());
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    ExitCode::SUCCESS
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one (how containers stop us).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
