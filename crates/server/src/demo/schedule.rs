//! When each token of a simulated answer is due, on an absolute clock: token k is due at
//! start + ttft + (k + jitter_k) / rate, so timer lateness never accumulates into drift.

use std::time::Duration;

use tokio::time::Instant;

use super::profiles::{Profile, TTFT_JITTER};

/// Each token may be up to this fraction of one token interval late. It keeps event
/// spacing from being machine-perfect while the long-run rate stays exact.
const TOKEN_JITTER: f64 = 0.25;

/// Due times of the tokens of one answer.
#[derive(Debug, Clone)]
pub struct Schedule {
    first: Instant,
    seconds_per_token: Option<f64>,
    seed: u64,
}

impl Schedule {
    /// Draws this request's time to first token from the profile's jittered range.
    pub fn new(start: Instant, profile: &Profile, rng: &mut fastrand::Rng) -> Self {
        let spread = 1.0 + TTFT_JITTER * (rng.f64() * 2.0 - 1.0);
        Self {
            first: start + profile.ttft.mul_f64(spread),
            seconds_per_token: profile.tokens_per_second.map(|rate| 1.0 / rate),
            seed: rng.u64(..),
        }
    }

    /// When token `k` (0-based) is due.
    pub fn due(&self, k: usize) -> Instant {
        match self.seconds_per_token {
            Some(interval) => {
                let offset = (k as f64 + TOKEN_JITTER * unit_hash(self.seed, k)) * interval;
                self.first + Duration::from_secs_f64(offset)
            }
            None => self.first,
        }
    }

    /// When the first token is due: the simulated time to first token has passed.
    pub fn first(&self) -> Instant {
        self.first
    }
}

/// A well-mixed value in [0, 1) for (seed, k): jitter that needs no per-token state.
fn unit_hash(seed: u64, k: usize) -> f64 {
    // splitmix64 finaliser
    let mut x = seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(rate: Option<f64>, ttft_ms: u64) -> Profile {
        Profile {
            id: "demo-test".into(),
            tokens_per_second: rate,
            ttft: Duration::from_millis(ttft_ms),
            label: String::new(),
        }
    }

    #[test]
    fn due_times_are_increasing_and_never_drift() {
        let start = Instant::now();
        let mut rng = fastrand::Rng::with_seed(7);
        let schedule = Schedule::new(start, &profile(Some(1000.0), 200), &mut rng);
        let ttft = schedule.first() - start;
        assert!(ttft >= Duration::from_millis(170) && ttft <= Duration::from_millis(230));
        for k in 1..100_000 {
            assert!(
                schedule.due(k) > schedule.due(k - 1),
                "token {k} before {}",
                k - 1
            );
        }
        // Token 99,999 is due within one jitter of 99.999 s after the first token.
        let last = schedule.due(99_999) - schedule.first();
        assert!(last >= Duration::from_secs_f64(99.999), "{last:?}");
        assert!(
            last <= Duration::from_secs_f64(99.999 + TOKEN_JITTER / 1000.0),
            "{last:?}"
        );
    }

    #[test]
    fn unthrottled_sends_every_token_at_once() {
        let start = Instant::now();
        let schedule = Schedule::new(start, &profile(None, 0), &mut fastrand::Rng::with_seed(1));
        assert_eq!(schedule.due(0), start);
        assert_eq!(schedule.due(5_000), start);
    }
}
