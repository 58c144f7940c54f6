//! Starting and stopping the server: bind, accept within a connection cap and serve each
//! connection with header timeouts on a background task, and a graceful shutdown that
//! ends streams with an event and waits a bounded time for connections.

use std::{
    io,
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, Request},
    Router,
};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{
    net::TcpListener,
    sync::Semaphore,
    task::{JoinHandle, JoinSet},
    time::Instant,
};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::{
    config::Config,
    demo::{CatalogError, Demo},
    fd_limit,
    headers::{self, AppCsp, HeaderConfigError},
    proxy::{UpstreamConfigError, Upstreams},
    router,
    state::AppState,
};

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("cannot load the demo answers: {0}")]
    Answers(#[from] CatalogError),
    #[error("the demo answers' loader stopped unexpectedly")]
    LoaderStopped,
    #[error(transparent)]
    Headers(#[from] HeaderConfigError),
    #[error(transparent)]
    Upstreams(#[from] UpstreamConfigError),
}

/// A server serving in the background.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    shutdown: CancellationToken,
    grace: Duration,
    task: JoinHandle<()>,
}

/// Binds `config.addr` (port 0 picks a free one), spawns the serving task, and returns
/// once the server accepts connections.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let csp = AppCsp::new(&config)?;
    let cors = headers::cors(&config.cors_origins)?;
    let upstreams = Upstreams::new(&config)?;
    let demo = load_demo().await?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.addr,
        source,
    })?;
    let shutdown = CancellationToken::new();
    let grace = config.shutdown_grace;
    let connections = ConnectionRules {
        max: fd_limit::connection_cap(config.max_connections),
        header_read_timeout: config.header_read_timeout,
    };
    let app = router::build(
        AppState::new(config, demo, upstreams, shutdown.clone()),
        csp,
        cors,
    );
    let task = tokio::spawn(serve(listener, app, connections, shutdown.clone()));
    Ok(Running {
        addr,
        shutdown,
        grace,
        task,
    })
}

/// How connections are accepted and read.
struct ConnectionRules {
    max: usize,
    header_read_timeout: Duration,
}

/// Accepts connections while fewer than `rules.max` are open (the rest wait in the
/// listen backlog, holding no file descriptor of ours) until `shutdown`, then lets the
/// open ones finish. Dropping this future (abort) drops every connection.
async fn serve(
    listener: TcpListener,
    app: Router,
    rules: ConnectionRules,
    shutdown: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(rules.max));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(rules.header_read_timeout)
        .keep_alive(true);
    let mut last_accept_warning: Option<Instant> = None;
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, most likely: wait rather than spin, and
                    // say so once a minute rather than on every try.
                    if last_accept_warning.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
                        tracing::warn!(%error, "cannot accept a connection");
                        last_accept_warning = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        let app = app.clone();
        let service = tower::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    connections.shutdown().await;
}

/// The answers are compiled in, so every server in this process can share one copy.
static DEMO: OnceLock<Arc<Demo>> = OnceLock::new();

async fn load_demo() -> Result<Arc<Demo>, StartError> {
    if let Some(demo) = DEMO.get() {
        return Ok(Arc::clone(demo));
    }
    // Building the tokenizer and tokenizing the answers is CPU-bound, so it runs off
    // the async workers.
    let demo = tokio::task::spawn_blocking(Demo::load)
        .await
        .map_err(|_| StartError::LoaderStopped)??;
    Ok(Arc::clone(DEMO.get_or_init(|| Arc::new(demo))))
}

impl Running {
    /// The address the server listens on (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Tells every stream to end (each sends a final error event), stops accepting, and
    /// waits up to the configured grace period before dropping what is left.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if tokio::time::timeout(self.grace, &mut self.task)
            .await
            .is_err()
        {
            tracing::warn!(grace = ?self.grace, "connections still open after the grace period; closing them");
            self.task.abort();
        }
    }
}
