//! The attackers of `load --abuse`: loopback clients, bounded in number and time, that
//! send what took the server down before (million-space prompts, slowloris heads, idle
//! sockets, half-sent bodies, cross-site posts, a panicking model), and a `/healthz`
//! prober that times the server's answers meanwhile.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
    task::JoinSet,
};

/// Attackers come from another loopback address, so the per-client stream limit keeps
/// them apart from the legitimate streams, as it would for a real attacker.
const ATTACKER_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// How many of each attacker run at once.
const BIG_PROMPTS: usize = 4;
const SLOWLORIS: usize = 50;
const IDLE: usize = 300;
const HALF_BODIES: usize = 50;
const CROSS_SITE: usize = 2;
const PANICS: usize = 1;

/// What the attack did, counted by kind.
#[derive(Debug, Default)]
pub struct Counts {
    pub big_prompts: AtomicU64,
    pub slowloris_closed: AtomicU64,
    pub idle_closed: AtomicU64,
    pub half_bodies_refused: AtomicU64,
    pub cross_site_refused: AtomicU64,
    pub panics_answered: AtomicU64,
    pub unexpected: AtomicU64,
}

/// Runs every attacker against `addr` until `until`, returning the counts.
pub async fn attack(addr: SocketAddr, until: Instant) -> Arc<Counts> {
    let counts = Arc::new(Counts::default());
    let mut tasks = JoinSet::new();
    let client = reqwest::Client::builder()
        .local_address(ATTACKER_IP)
        .build()
        .expect("attacker client");
    let spaces = bytes::Bytes::from(format!(
        r#"{{"model":"demo-max","max_tokens":1,"messages":[{{"role":"user","content":"{}"}}]}}"#,
        " ".repeat(1_000_000)
    ));
    for _ in 0..BIG_PROMPTS {
        let (client, body, counts) = (client.clone(), spaces.clone(), counts.clone());
        tasks.spawn(repeat(until, move || {
            let request = client
                .post(format!("http://{addr}/v1/chat/completions"))
                .header("content-type", "application/json")
                .body(body.clone());
            let counts = counts.clone();
            async move {
                let answered = match request.send().await {
                    Ok(response) if response.status() == 200 => response.bytes().await.is_ok(),
                    _ => false,
                };
                if answered {
                    &counts.big_prompts
                } else {
                    &counts.unexpected
                }
                .fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for _ in 0..CROSS_SITE {
        let (client, counts) = (client.clone(), counts.clone());
        tasks.spawn(repeat(until, move || {
            let request = client
                .post(format!("http://{addr}/v1/chat/completions"))
                .header("content-type", "text/plain")
                .header("origin", "https://evil.example")
                .body(r#"{"model":"demo-max","messages":[{"role":"user","content":"hi"}]}"#);
            let counts = counts.clone();
            async move {
                match request.send().await.map(|r| r.status().as_u16()) {
                    Ok(403 | 415) => &counts.cross_site_refused,
                    _ => &counts.unexpected,
                }
                .fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    for _ in 0..PANICS {
        let (client, counts) = (client.clone(), counts.clone());
        tasks.spawn(repeat(until, move || {
            let request = client
                .post(format!("http://{addr}/v1/chat/completions"))
                .header("content-type", "application/json")
                .body(r#"{"model":"test/panic","messages":[{"role":"user","content":"x"}]}"#);
            let counts = counts.clone();
            async move {
                match request.send().await.map(|r| r.status().as_u16()) {
                    Ok(500) => &counts.panics_answered,
                    _ => &counts.unexpected,
                }
                .fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
    }
    for _ in 0..SLOWLORIS {
        let counts = counts.clone();
        tasks.spawn(repeat(until, move || {
            let counts = counts.clone();
            async move {
                if slowloris(addr, until).await {
                    counts.slowloris_closed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for _ in 0..IDLE {
        let counts = counts.clone();
        tasks.spawn(repeat(until, move || {
            let counts = counts.clone();
            async move {
                if idle(addr, until).await {
                    counts.idle_closed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for _ in 0..HALF_BODIES {
        let counts = counts.clone();
        tasks.spawn(repeat(until, move || {
            let counts = counts.clone();
            async move {
                if half_body(addr, until).await {
                    counts.half_bodies_refused.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    while tasks.join_next().await.is_some() {}
    counts
}

/// Runs `attempt` again and again until `until`.
async fn repeat<F, Fut>(until: Instant, mut attempt: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    while Instant::now() < until {
        let left = until.saturating_duration_since(Instant::now());
        if tokio::time::timeout(left, attempt()).await.is_err() {
            break;
        }
    }
}

async fn connect(addr: SocketAddr) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::new(ATTACKER_IP, 0)).ok()?;
    socket.connect(addr).await.ok()
}

/// A request head sent one header a second; true when the server closed it.
async fn slowloris(addr: SocketAddr, until: Instant) -> bool {
    let Some(mut stream) = connect(addr).await else {
        return false;
    };
    if stream
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .is_err()
    {
        return true;
    }
    let mut n = 0u32;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        n += 1;
        if stream
            .write_all(format!("x-slow-{n}: 1\r\n").as_bytes())
            .await
            .is_err()
        {
            return true;
        }
    }
    false
}

/// A connection that sends nothing; true when the server closed it.
async fn idle(addr: SocketAddr, until: Instant) -> bool {
    let Some(mut stream) = connect(addr).await else {
        return false;
    };
    let mut buffer = [0u8; 64];
    let left = until.saturating_duration_since(Instant::now());
    matches!(
        tokio::time::timeout(left, stream.read(&mut buffer)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// A 1 MiB body of which 64 KiB is sent; true when the server answered 408 or closed.
async fn half_body(addr: SocketAddr, until: Instant) -> bool {
    let Some(mut stream) = connect(addr).await else {
        return false;
    };
    let head =
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                content-length: 1048576\r\n\r\n";
    if stream.write_all(head.as_bytes()).await.is_err()
        || stream.write_all(&vec![b' '; 64 * 1024]).await.is_err()
    {
        return true;
    }
    let mut buffer = [0u8; 256];
    let left = until.saturating_duration_since(Instant::now());
    match tokio::time::timeout(left, stream.read(&mut buffer)).await {
        Ok(Ok(n)) => n == 0 || buffer[..n].starts_with(b"HTTP/1.1 408"),
        Ok(Err(_)) => true,
        Err(_) => false,
    }
}

/// Times `GET /healthz` on a fresh connection every 50 ms until `until`; a probe that
/// gets no answer within 5 s counts as 5 s.
pub async fn probe_health(addr: SocketAddr, until: Instant) -> Vec<f64> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("probe client");
    let mut latencies = Vec::new();
    while Instant::now() < until {
        let started = Instant::now();
        let answered = tokio::time::timeout(
            Duration::from_secs(5),
            client.get(format!("http://{addr}/healthz")).send(),
        )
        .await;
        let ok = matches!(answered, Ok(Ok(ref r)) if r.status() == 200);
        latencies.push(if ok {
            started.elapsed().as_secs_f64() * 1000.0
        } else {
            5000.0
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    latencies
}
