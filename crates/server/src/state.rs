//! What every handler shares: the configuration, the demo answers, the limits, the
//! upstreams, the recorder and the shutdown signal that in-flight streams watch.

use std::{ops::Deref, sync::Arc};

use tokio_util::sync::CancellationToken;

use crate::{
    clock::unix_seconds, config::Config, cpu::CpuPool, demo::Demo, limits::StreamLimiter,
    proxy::Upstreams, record::Recorder,
};

/// Cheap to clone: handlers get a shared reference to one `Shared`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
    pub demo: Arc<Demo>,
    pub limiter: StreamLimiter,
    pub upstreams: Upstreams,
    /// Where proxied streams are recorded, when `record_dir` is set.
    pub recorder: Option<Recorder>,
    /// CPU-heavy request work runs here, off the async workers.
    pub cpu: CpuPool,
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Unix time the server started, reported as the demo models' `created`.
    pub started: u64,
}

impl AppState {
    pub fn new(
        config: Config,
        demo: Arc<Demo>,
        upstreams: Upstreams,
        shutdown: CancellationToken,
    ) -> Self {
        Self(Arc::new(Shared {
            upstreams,
            limiter: StreamLimiter::new(config.max_streams_per_client),
            recorder: config.record_dir.as_ref().map(|dir| {
                Recorder::new(
                    dir.clone(),
                    config.record_max_files,
                    config.record_max_bytes,
                )
            }),
            cpu: CpuPool::half_the_cores(),
            config,
            demo,
            shutdown,
            started: unix_seconds() as u64,
        }))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
