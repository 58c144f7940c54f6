//! What every handler shares: the configuration, the demo answers and the shutdown
//! signal that in-flight streams watch.

use std::{ops::Deref, sync::Arc};

use tokio_util::sync::CancellationToken;

use crate::{config::Config, demo::Demo, limits::StreamLimiter, proxy::Upstreams};

/// Cheap to clone: handlers get a shared reference to one `Shared`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
    pub demo: Arc<Demo>,
    pub limiter: StreamLimiter,
    pub upstreams: Upstreams,
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Unix time the server started, reported as the demo models' `created`.
    pub started: u64,
}

impl Shared {
    /// Where `replay/NAME` looks: the replay directory, else the record directory.
    pub fn replay_dir(&self) -> Option<&std::path::Path> {
        self.config
            .replay_dir
            .as_deref()
            .or(self.config.record_dir.as_deref())
    }
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
            config,
            demo,
            shutdown,
            started: crate::api::wire::unix_seconds() as u64,
        }))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
