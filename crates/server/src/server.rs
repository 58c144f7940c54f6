//! Starting and stopping the server: bind, serve on a background task, and a graceful
//! shutdown that ends streams with an event and waits a bounded time for connections.

use std::{
    io,
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};

use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    demo::{CatalogError, Demo},
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
    let upstreams = Upstreams::new(&config.upstreams, config.upstream_idle_timeout)?;
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
    let app = router::build(
        AppState::new(config, demo, upstreams, shutdown.clone()),
        csp,
        cors,
    );
    let serve = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    let task = tokio::spawn(async move {
        if let Err(error) = serve.await {
            tracing::error!(%error, "server stopped with an error");
        }
    });
    Ok(Running {
        addr,
        shutdown,
        grace,
        task,
    })
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
