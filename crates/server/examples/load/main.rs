//! Load benchmark: runs `sparkplug-server` as a child process, opens N concurrent
//! `demo-<rate>` streams of the long answer, and reports delivered rates, errors and the
//! server's peak memory (its own /proc VmHWM, so this client's memory is not counted).
//! With `--abuse`, attackers (see `abuse.rs`) hit the server meanwhile, under a 1,024
//! descriptor limit, and `/healthz` latency and the server's survival are reported too.
//! With `--capacity`, it finds instead the most concurrent streams at 1,000 and at 20,000
//! tokens/s that all hold 98 % of their rate (doubling, then bisecting; a fresh server and a
//! short window per step), with the server's memory per stream.
//!
//! Build both, then run (from the workspace root):
//!     cargo build --profile server -p sparkplug-server --bin sparkplug-server --example load
//!     target/server/examples/load --streams 200 --rate 1000 --duration 10 [--abuse]
//!     target/server/examples/load --capacity --duration 3
//!
//! The last line is machine-readable:
//!     server streams=200 rate=1000 min_rate=… median_rate=… errors=… peak_rss_mb=…
//!     abuse streams=200 min_rate=… healthz_p99_ms=… peak_rss_mb=… survived=…
//!     capacity rate=1000 streams=… min_rate=… rss_per_stream_kb=… (one line per rate)

mod abuse;

use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use clap::Parser;
use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

#[derive(Debug, Parser)]
struct Args {
    /// Concurrent streams.
    #[arg(long, default_value_t = 200)]
    streams: usize,
    /// Tokens per second each stream asks for (model demo-<rate>).
    #[arg(long, default_value_t = 1000)]
    rate: u32,
    /// Seconds of tokens per stream (max_tokens = rate × duration, at most the answer).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// The server binary. [default: sparkplug-server next to this example's directory]
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Attack the server while the streams run (loopback only, for the streams' time).
    #[arg(long, conflicts_with = "capacity")]
    abuse: bool,
    /// Find the most concurrent streams that hold their rate, at 1,000 and 20,000 tok/s.
    #[arg(long)]
    capacity: bool,
}

/// The rates whose capacity `--capacity` finds.
const CAPACITY_RATES: [u32; 2] = [1_000, 20_000];
/// The first stream count tried; it doubles until a step fails.
const CAPACITY_START: usize = 50;
/// The search stops here even if every step held: far past what 2 cores serve.
const CAPACITY_MAX: usize = 6_400;
/// A step holds when every stream delivered at least this share of its rate.
const HOLD: f64 = 0.98;

/// What one stream saw.
#[derive(Debug, Default)]
struct StreamResult {
    tokens: u64,
    first_content: Option<Instant>,
    last_content: Option<Instant>,
    ttft: Option<Duration>,
    error: Option<String>,
}

impl StreamResult {
    /// Tokens per second between the first and the last content event. The first
    /// event's tokens arrived at its start, so they are not part of the interval.
    fn rate(&self) -> Option<f64> {
        let seconds = self
            .last_content?
            .duration_since(self.first_content?)
            .as_secs_f64();
        (seconds > 0.0 && self.tokens > 1).then(|| (self.tokens - 1) as f64 / seconds)
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let binary = match &args.server_bin {
        Some(path) => path.clone(),
        None => default_server_binary()?,
    };
    if args.capacity {
        return capacity(&binary, args.duration).await;
    }
    let (mut child, addr) = start_server(&binary, args.streams, args.abuse).await?;
    let pid = child.id().ok_or("the server exited at once")?;
    let started = Instant::now();
    let attack = args.abuse.then(|| {
        let target: std::net::SocketAddr = addr.parse().expect("the server's address");
        // The streams take `duration` after their first token; attack all of it, and
        // long enough (20 s at least) to see the server close idle and slow connections.
        let until = Instant::now() + Duration::from_secs((args.duration + 3).max(20));
        (
            tokio::spawn(abuse::attack(target, until)),
            tokio::spawn(abuse::probe_health(target, until)),
        )
    });
    let outcome = run(args.streams, args.rate, args.duration, &addr).await;
    let attack = match attack {
        Some((attackers, prober)) => Some((
            attackers.await.map_err(|e| e.to_string())?,
            prober.await.map_err(|e| e.to_string())?,
        )),
        None => None,
    };
    let wall = started.elapsed();
    let peak_rss_mb = rss_mb(pid, "VmHWM:");
    let cpu = cpu_seconds(pid);
    let survived = matches!(child.try_wait(), Ok(None))
        && reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_ok_and(|r| r.status() == 200);
    // The child was started here, and is stopped by its own pid only.
    let _ = child.start_kill();
    let _ = child.wait().await;
    let results = outcome?;
    let cpu_percent = cpu.map(|cpu| cpu / wall.as_secs_f64() * 100.0);
    report(&args, &results, peak_rss_mb, cpu_percent);
    if let Some((counts, latencies)) = attack {
        report_abuse(&args, &results, &counts, latencies, peak_rss_mb, survived);
    }
    Ok(())
}

/// `target/<profile>/sparkplug-server`, beside `target/<profile>/examples/load`.
fn default_server_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = exe
        .parent()
        .and_then(|examples| examples.parent())
        .map(|profile| profile.join("sparkplug-server"))
        .ok_or("cannot locate the target directory")?;
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found: build it with `cargo build --release -p sparkplug-server --bin \
             sparkplug-server` or pass --server-bin",
            path.display()
        ))
    }
}

/// Starts the server on a free loopback port and reads the address it logs.
/// Under `abuse`, the server also answers the test models (the attack includes one that
/// panics), logs only warnings (attack traffic would flood the log), and runs with at
/// most 1,024 file descriptors, as on the machine where idle sockets once starved it.
async fn start_server(
    binary: &PathBuf,
    streams: usize,
    abuse: bool,
) -> Result<(Child, String), String> {
    let mut command = Command::new(binary);
    command
        .args(["--addr", "127.0.0.1:0"])
        .args(["--max-streams-per-client", &(streams + 8).to_string()])
        // The connection cap is a setting, not the machine's limit: it must not decide.
        .args(["--max-connections", &(streams + 64).max(2048).to_string()])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if abuse {
        command.args([
            "--log",
            "sparkplug_server=info,error",
            "--enable-test-models",
        ]);
        // SAFETY: setrlimit is async-signal-safe, as code between fork and exec must be.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 1024,
                    rlim_max: 1024,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    } else {
        command.args(["--log", "sparkplug_server=info,warn"]);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let addr = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                return Some(rest.split_whitespace().next().unwrap_or("").to_owned());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .ok_or("the server did not report its address")?;
    // Keep draining the log so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, addr))
}

/// One step of the capacity search: `streams` streams at `rate` on a fresh server.
#[derive(Debug, Clone, Copy)]
struct Step {
    streams: usize,
    /// The slowest stream's rate (0 if any stream failed).
    min_rate: f64,
    /// The server's peak memory above its memory at rest, per stream.
    rss_per_stream_kb: Option<f64>,
}

impl Step {
    fn holds(&self, rate: u32) -> bool {
        self.min_rate >= HOLD * f64::from(rate)
    }
}

/// For each of [`CAPACITY_RATES`], the most streams that all hold [`HOLD`] of the rate.
async fn capacity(binary: &PathBuf, duration: u64) -> Result<(), String> {
    for rate in CAPACITY_RATES {
        let mut held: Option<Step> = None;
        let mut failed: Option<usize> = None;
        let mut streams = CAPACITY_START;
        loop {
            let step = capacity_step(binary, streams, rate, duration).await?;
            println!(
                "  {rate} tok/s × {streams} streams: slowest {:.1} tok/s ({:.1} %) {}",
                step.min_rate,
                step.min_rate / f64::from(rate) * 100.0,
                if step.holds(rate) { "held" } else { "missed" }
            );
            if step.holds(rate) {
                held = Some(step);
            } else {
                failed = Some(streams);
            }
            let low = held.map_or(0, |s| s.streams);
            streams = match failed {
                None if streams >= CAPACITY_MAX => break,
                None => streams * 2,
                // Within an eighth (or 10 streams) of the boundary is close enough.
                Some(high) if high - low <= (low / 8).max(10) => break,
                Some(high) => (low + high) / 2,
            };
        }
        let (streams, min_rate, rss) = held.map_or((0, 0.0, None), |s| {
            (s.streams, s.min_rate, s.rss_per_stream_kb)
        });
        let rss = rss.map_or("n/a".to_owned(), |kb| format!("{kb:.0}"));
        println!(
            "capacity rate={rate} streams={streams} min_rate={min_rate:.1} rss_per_stream_kb={rss}{}",
            if failed.is_none() { " (search cap reached)" } else { "" }
        );
    }
    Ok(())
}

async fn capacity_step(
    binary: &PathBuf,
    streams: usize,
    rate: u32,
    duration: u64,
) -> Result<Step, String> {
    let (mut child, addr) = start_server(binary, streams, false).await?;
    let pid = child.id().ok_or("the server exited at once")?;
    let at_rest = rss_mb(pid, "VmRSS:");
    let outcome = run(streams, rate, duration, &addr).await;
    let peak = rss_mb(pid, "VmHWM:");
    // The child was started here, and is stopped by its own pid only.
    let _ = child.start_kill();
    let _ = child.wait().await;
    let results = outcome?;
    let rates: Vec<f64> = results.iter().filter_map(StreamResult::rate).collect();
    // A stream that failed delivered no rate: it counts as zero.
    let min_rate = if rates.len() == results.len() && results.iter().all(|r| r.error.is_none()) {
        rates.iter().copied().fold(f64::INFINITY, f64::min)
    } else {
        0.0
    };
    Ok(Step {
        streams,
        min_rate,
        rss_per_stream_kb: peak
            .zip(at_rest)
            .map(|(peak, rest)| (peak - rest) * 1024.0 / streams as f64),
    })
}

async fn run(
    streams: usize,
    rate: u32,
    duration: u64,
    addr: &str,
) -> Result<Vec<StreamResult>, String> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(streams)
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("http://{addr}/v1/chat/completions");
    let body = json!({
        "model": format!("demo-{rate}"),
        "messages": [{"role": "user", "content": "/long benchmark"}],
        "stream": true,
        "stream_options": {"include_usage": true},
        "max_tokens": u64::from(rate) * duration,
    });
    let tasks: Vec<_> = (0..streams)
        .map(|_| {
            let request = client.post(&url).json(&body);
            tokio::spawn(async move { one_stream(request).await })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    // Generous: the streams should end after `duration` plus the first-token delay.
    let deadline = Duration::from_secs(duration * 3 + 30);
    for task in tasks {
        let result = match tokio::time::timeout(deadline, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => StreamResult {
                error: Some(format!("task failed: {e}")),
                ..StreamResult::default()
            },
            Err(_) => StreamResult {
                error: Some("timed out".into()),
                ..StreamResult::default()
            },
        };
        results.push(result);
    }
    Ok(results)
}

/// Reads one stream. To keep the client's CPU out of the measurement it does not parse
/// each event: it timestamps reads that carry content and parses only the usage chunk.
async fn one_stream(request: reqwest::RequestBuilder) -> StreamResult {
    let mut result = StreamResult::default();
    let sent = Instant::now();
    let mut response = match request.send().await {
        Ok(response) if response.status().is_success() => response,
        Ok(response) => {
            result.error = Some(format!("status {}", response.status()));
            return result;
        }
        Err(e) => {
            result.error = Some(e.to_string());
            return result;
        }
    };
    let mut tail: Vec<u8> = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(bytes)) => {
                let now = Instant::now();
                if contains(&bytes, b"\"content\":\"") {
                    if result.first_content.is_none() {
                        result.first_content = Some(now);
                        result.ttft = Some(now - sent);
                    }
                    result.last_content = Some(now);
                }
                // The usage chunk and [DONE] are in the last few hundred bytes.
                tail.extend_from_slice(&bytes);
                if tail.len() > 8192 {
                    tail.drain(..tail.len() - 4096);
                }
            }
            Ok(None) => break,
            Err(e) => {
                result.error = Some(e.to_string());
                return result;
            }
        }
    }
    let tail = String::from_utf8_lossy(&tail);
    if !tail.ends_with("data: [DONE]\n\n") {
        result.error = Some("stream ended without [DONE]".into());
    }
    result.tokens = tail
        .split("\n\n")
        .filter_map(|event| event.strip_prefix("data: "))
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .find_map(|chunk| chunk["usage"]["completion_tokens"].as_u64())
        .unwrap_or(0);
    if result.tokens == 0 && result.error.is_none() {
        result.error = Some("no usage".into());
    }
    result
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A memory figure of the server's `/proc/<pid>/status` (`VmRSS:`, `VmHWM:`) in MB.
fn rss_mb(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time (user + system) the server has used, in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports in USER_HZ, which is 100 on every mainstream configuration.
    Some(ticks / 100.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

fn report(args: &Args, results: &[StreamResult], peak_rss_mb: Option<f64>, cpu: Option<f64>) {
    let mut rates: Vec<f64> = results.iter().filter_map(StreamResult::rate).collect();
    rates.sort_by(f64::total_cmp);
    let mut ttfts: Vec<f64> = results
        .iter()
        .filter_map(|r| r.ttft.map(|t| t.as_secs_f64() * 1000.0))
        .collect();
    ttfts.sort_by(f64::total_cmp);
    let errors: Vec<&str> = results.iter().filter_map(|r| r.error.as_deref()).collect();
    let tokens: u64 = results.iter().map(|r| r.tokens).sum();
    let target = f64::from(args.rate);
    let min = rates.first().copied().unwrap_or(0.0);
    let median = percentile(&rates, 0.5);
    let rss = peak_rss_mb.map_or("n/a".to_owned(), |mb| format!("{mb:.1}"));

    println!("| metric | value |");
    println!("|---|---|");
    println!(
        "| streams × rate × duration | {} × {} tok/s × {} s |",
        args.streams, args.rate, args.duration
    );
    println!("| tokens delivered (usage) | {tokens} |");
    println!("| delivered rate min / p10 / median / max | {min:.1} / {:.1} / {median:.1} / {:.1} tok/s |",
        percentile(&rates, 0.1), rates.last().copied().unwrap_or(0.0));
    println!("| min rate vs target | {:.2} % |", min / target * 100.0);
    println!(
        "| time to first token median / max | {:.0} / {:.0} ms |",
        percentile(&ttfts, 0.5),
        ttfts.last().copied().unwrap_or(0.0)
    );
    println!("| errors | {} |", errors.len());
    println!("| server peak RSS (VmHWM) | {rss} MB |");
    let cpu = cpu.map_or("n/a".to_owned(), |c| format!("{c:.0} % of one core"));
    println!("| server CPU over the run | {cpu} |");
    if let Some(first) = errors.first() {
        println!("first error: {first}");
    }
    println!(
        "server streams={} rate={} min_rate={min:.1} median_rate={median:.1} errors={} peak_rss_mb={rss}",
        args.streams,
        args.rate,
        errors.len()
    );
}

fn report_abuse(
    args: &Args,
    results: &[StreamResult],
    counts: &abuse::Counts,
    mut latencies: Vec<f64>,
    peak_rss_mb: Option<f64>,
    survived: bool,
) {
    use std::sync::atomic::Ordering::Relaxed;
    let mut rates: Vec<f64> = results.iter().filter_map(StreamResult::rate).collect();
    rates.sort_by(f64::total_cmp);
    // A stream that failed delivered no rate: it counts as zero.
    let min = if rates.len() == results.len() {
        rates.first().copied().unwrap_or(0.0)
    } else {
        0.0
    };
    latencies.sort_by(f64::total_cmp);
    let p50 = percentile(&latencies, 0.5);
    let p99 = percentile(&latencies, 0.99);
    let rss = peak_rss_mb.map_or("n/a".to_owned(), |mb| format!("{mb:.1}"));
    println!();
    println!("| under attack | value |");
    println!("|---|---|");
    println!(
        "| slowest legitimate stream | {min:.1} tok/s ({:.2} % of {}) |",
        min / f64::from(args.rate) * 100.0,
        args.rate
    );
    println!(
        "| /healthz p50 / p99 / max ({} probes) | {p50:.1} / {p99:.1} / {:.1} ms |",
        latencies.len(),
        latencies.last().copied().unwrap_or(0.0)
    );
    println!("| server peak RSS (VmHWM) | {rss} MB |");
    println!(
        "| million-space prompts answered | {} |",
        counts.big_prompts.load(Relaxed)
    );
    println!(
        "| slowloris connections closed by the server | {} |",
        counts.slowloris_closed.load(Relaxed)
    );
    println!(
        "| idle connections closed by the server | {} |",
        counts.idle_closed.load(Relaxed)
    );
    println!(
        "| half-sent bodies refused | {} |",
        counts.half_bodies_refused.load(Relaxed)
    );
    println!(
        "| cross-site posts refused | {} |",
        counts.cross_site_refused.load(Relaxed)
    );
    println!(
        "| panicking requests answered 500 | {} |",
        counts.panics_answered.load(Relaxed)
    );
    println!(
        "| unexpected attacker outcomes | {} |",
        counts.unexpected.load(Relaxed)
    );
    println!("| server survived | {survived} |");
    println!(
        "abuse streams={} min_rate={min:.1} healthz_p99_ms={p99:.1} peak_rss_mb={rss} survived={survived}",
        args.streams
    );
}
