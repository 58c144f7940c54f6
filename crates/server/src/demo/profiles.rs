//! The simulated models: `demo-<rate>` for any rate, and listed profiles that imitate
//! published speed figures of real models. Rates and first-token delays are simulated.

use std::time::Duration;

/// Highest rate `demo-<rate>` accepts, in tokens per second.
pub const MAX_RATE: u32 = 100_000;

/// How a simulated model paces its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: String,
    /// Tokens per second after the first token; `None` sends everything at once.
    pub tokens_per_second: Option<f64>,
    /// Typical time to first token; each request draws a value within ±`TTFT_JITTER`.
    pub ttft: Duration,
    /// The published figure this profile imitates.
    pub label: String,
}

/// Relative spread of the simulated time to first token.
pub const TTFT_JITTER: f64 = 0.15;

struct Listed {
    id: &'static str,
    rate: Option<f64>,
    ttft_ms: u64,
    label: &'static str,
}

/// Ordered fastest-first as `/v1/models` shows them. Figures are vendors' and
/// benchmarkers' published output speeds; the first-token delays are typical values.
const LISTED: &[Listed] = &[
    Listed {
        id: "demo-max",
        rate: None,
        ttft_ms: 0,
        label: "Unthrottled: the whole answer at once",
    },
    Listed {
        id: "demo-20000",
        rate: Some(20_000.0),
        ttft_ms: 150,
        label: "20,000 tok/s: headroom test beyond any shipping model",
    },
    Listed {
        id: "demo-5000",
        rate: Some(5_000.0),
        ttft_ms: 150,
        label: "5,000 tok/s: render stress test",
    },
    Listed {
        id: "demo-1000",
        rate: Some(1_000.0),
        ttft_ms: 200,
        label: "GPT-5.3-Codex-Spark on Cerebras (~1,000 tok/s)",
    },
    Listed {
        id: "demo-170",
        rate: Some(170.0),
        ttft_ms: 450,
        label: "Claude Opus 4.6 fast mode (~2.5x standard, ~170 tok/s)",
    },
    Listed {
        id: "demo-167",
        rate: Some(167.0),
        ttft_ms: 700,
        label: "o3-mini (~167 tok/s)",
    },
    Listed {
        id: "demo-147",
        rate: Some(147.0),
        ttft_ms: 450,
        label: "GPT-4o (~147 tok/s)",
    },
    Listed {
        id: "demo-68",
        rate: Some(68.2),
        ttft_ms: 650,
        label: "Claude Opus 4.6 standard (68.2 tok/s)",
    },
    Listed {
        id: "demo-52",
        rate: Some(52.0),
        ttft_ms: 500,
        label: "GPT-4o mini (~52 tok/s)",
    },
];

impl Profile {
    fn from_listed(listed: &Listed) -> Self {
        Self {
            id: listed.id.to_owned(),
            tokens_per_second: listed.rate,
            ttft: Duration::from_millis(listed.ttft_ms),
            label: listed.label.to_owned(),
        }
    }

    /// The profiles `/v1/models` lists.
    pub fn listed() -> impl Iterator<Item = Profile> {
        LISTED.iter().map(Self::from_listed)
    }

    /// Resolves a model id: a listed profile (so `demo-68` runs at 68.2), or
    /// `demo-<rate>` for a canonical integer rate in `1..=MAX_RATE`.
    pub fn lookup(id: &str) -> Option<Profile> {
        if let Some(listed) = LISTED.iter().find(|l| l.id == id) {
            return Some(Self::from_listed(listed));
        }
        let digits = id.strip_prefix("demo-")?;
        let rate: u32 = digits.parse().ok()?;
        // Only the canonical spelling, so "demo-+5" or "demo-007" are unknown models.
        if rate == 0 || rate > MAX_RATE || rate.to_string() != digits {
            return None;
        }
        // Fast hardware also answers sooner; slower rates get a GPU-like first token.
        let ttft_ms = if rate >= 500 { 200 } else { 500 };
        Some(Self {
            id: id.to_owned(),
            tokens_per_second: Some(f64::from(rate)),
            ttft: Duration::from_millis(ttft_ms),
            label: format!("{rate} tok/s (custom rate)"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_profiles_keep_their_published_rates() {
        assert_eq!(
            Profile::lookup("demo-68").and_then(|p| p.tokens_per_second),
            Some(68.2)
        );
        assert_eq!(
            Profile::lookup("demo-1000").and_then(|p| p.tokens_per_second),
            Some(1000.0)
        );
        assert_eq!(
            Profile::lookup("demo-max").map(|p| p.tokens_per_second),
            Some(None)
        );
        assert_eq!(Profile::listed().count(), 9);
    }

    #[test]
    fn any_canonical_rate_is_a_model() {
        assert_eq!(
            Profile::lookup("demo-1").and_then(|p| p.tokens_per_second),
            Some(1.0)
        );
        let fast = Profile::lookup("demo-100000").expect("upper bound");
        assert_eq!(fast.tokens_per_second, Some(100_000.0));
        for bad in [
            "demo-0",
            "demo-100001",
            "demo-007",
            "demo-+5",
            "demo-",
            "demo-1.5",
            "gpt-4o",
        ] {
            assert_eq!(Profile::lookup(bad), None, "{bad}");
        }
    }
}
