//! Caps how many chat completions one client address may have open at once, so one
//! browser tab (or script) cannot hold every stream the server can pace.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
};

use crate::api::error::ApiError;

/// Open-stream counts per client address.
#[derive(Debug, Clone)]
pub struct StreamLimiter {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_per_client: usize,
}

/// One open stream; dropping it (when the response body is done or dropped) frees
/// the slot.
#[derive(Debug)]
pub struct StreamPermit {
    limiter: StreamLimiter,
    client: IpAddr,
}

impl StreamLimiter {
    pub fn new(max_per_client: usize) -> Self {
        Self {
            open: Arc::default(),
            max_per_client,
        }
    }

    pub fn acquire(&self, client: IpAddr) -> Result<StreamPermit, ApiError> {
        // The map is only ever left consistent, so a poisoned lock is still usable.
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(client).or_insert(0);
        if *count >= self.max_per_client {
            return Err(ApiError::TooManyStreams {
                limit: self.max_per_client,
            });
        }
        *count += 1;
        Ok(StreamPermit {
            limiter: self.clone(),
            client,
        })
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = self
            .limiter
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_address_separately_and_frees_on_drop() {
        let limiter = StreamLimiter::new(2);
        let a: IpAddr = "127.0.0.1".parse().expect("ip");
        let b: IpAddr = "127.0.0.2".parse().expect("ip");
        let first = limiter.acquire(a).expect("first");
        let _second = limiter.acquire(a).expect("second");
        assert!(matches!(
            limiter.acquire(a),
            Err(ApiError::TooManyStreams { limit: 2 })
        ));
        let _other = limiter
            .acquire(b)
            .expect("another address has its own count");
        drop(first);
        assert!(limiter.acquire(a).is_ok());
    }
}
