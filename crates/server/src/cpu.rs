//! CPU-heavy request work (counting a prompt's tokens, ranking answers) on blocking
//! threads, a few jobs at a time, so it never stalls the async workers pacing streams.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Runs jobs on tokio's blocking threads, at most `jobs` at once; the rest wait their
/// turn without holding a thread.
#[derive(Debug, Clone)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
}

impl CpuPool {
    /// One job per two cores (at least one), so the async workers pacing every stream
    /// and answering `/healthz` keep the rest of the machine.
    pub fn half_the_cores() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            permits: Arc::new(Semaphore::new((cores / 2).max(1))),
        }
    }

    /// Runs `job` when a slot is free; a job that panics fails only this request.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::Internal)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job()
        })
        .await
        .map_err(|error| {
            tracing::error!(%error, "a CPU job failed");
            ApiError::Internal
        })
    }
}
