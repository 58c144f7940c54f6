//! Caps how many chat completions one client may have open at once, so one browser tab
//! (or script) cannot hold every stream the server can pace. IPv6 counts per /64.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex, PoisonError},
};

use crate::error::ApiError;

/// Open-stream counts per client.
#[derive(Debug, Clone)]
pub struct StreamLimiter {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_per_client: usize,
}

/// The address a client is counted under: an IPv4 address as it is, an IPv6 address
/// by its /64 (one host usually holds a whole /64 and may use any address in it). An
/// IPv4 address mapped into IPv6 counts as the IPv4 address.
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(network))
            }
        },
    }
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
        let client = client_key(client);
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

    #[test]
    fn ipv6_addresses_of_one_slash_64_share_a_count() {
        let limiter = StreamLimiter::new(1);
        let one: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let same_net: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let other_net: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        let _held = limiter.acquire(one).expect("first");
        assert!(limiter.acquire(same_net).is_err());
        assert!(limiter.acquire(other_net).is_ok());
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().expect("ip");
        let _v4 = limiter
            .acquire("127.0.0.1".parse().expect("ip"))
            .expect("v4");
        assert!(limiter.acquire(mapped).is_err());
    }
}
