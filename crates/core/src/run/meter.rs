//! The tokens-per-second meter: time to first token, token count (provider usage when given,
//! otherwise estimated from the text), live, average, final and server-reported rates.

use serde::Serialize;

use crate::run::estimate::TokenEstimator;
use crate::run::paint::RenderFigures;
use crate::stream::event::{ServerTiming, Usage};

/// The live rate's sliding window.
const LIVE_WINDOW_MS: f64 = 1000.0;
/// Width of a live-rate bucket.
const LIVE_BUCKET_MS: f64 = 50.0;
/// 20 buckets span the window, plus the one the window's start cuts through.
const LIVE_BUCKETS: usize = 21;
/// Width of one sparkline point.
const SPARK_INTERVAL_MS: f64 = 100.0;
/// Sparkline points kept: the last 6 seconds, enough for a whole answer from a fast model.
pub const SPARKLINE_POINTS: usize = 60;
/// One slot more than the points shown: the newest interval may still be filling.
const SPARK_SLOTS: usize = SPARKLINE_POINTS + 1;

/// What the UI shows at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MeterSnapshot {
    /// From `start` to the first text.
    pub ttft_ms: Option<f64>,
    pub tokens: u64,
    /// True while the count is our estimate rather than the provider's (the UI prints ≈).
    pub tokens_are_estimate: bool,
    /// Since the first token (up to the last token once ended).
    pub elapsed_ms: Option<f64>,
    /// Tokens per second over about the last second.
    pub live_rate: Option<f64>,
    /// Tokens per second since the first token.
    pub avg_rate: Option<f64>,
    /// Once ended: output tokens / (last token time − first token time).
    pub final_rate: Option<f64>,
    /// What the provider's own timing says, when it sent any.
    pub server_rate: Option<f64>,
    /// The recent rate history, for the sparkline.
    pub sparkline: Sparkline,
    /// What the page did with the text (filled in by the run, which sees the paints).
    pub render: RenderFigures,
}

/// Recent per-interval rates in tokens per second, oldest first: a fixed array, so a
/// snapshot stays `Copy` and taking one per frame allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sparkline {
    points: [f64; SPARKLINE_POINTS],
    len: usize,
}

impl Default for Sparkline {
    fn default() -> Self {
        Self {
            points: [0.0; SPARKLINE_POINTS],
            len: 0,
        }
    }
}

impl Sparkline {
    pub fn points(&self) -> &[f64] {
        &self.points[..self.len]
    }
}

impl Serialize for Sparkline {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.points())
    }
}

/// Feed it the request's milestones and every piece of decoded text; ask for snapshots.
///
/// Time is always passed in by the caller as milliseconds (`performance.now()` in the app),
/// so the maths is deterministic and testable. Memory is O(1) in the stream's length:
/// token arrivals are summed into fixed rings of time buckets, never stored one by one.
#[derive(Debug, Clone)]
pub struct Meter {
    start_ms: Option<f64>,
    first_token_ms: Option<f64>,
    last_token_ms: Option<f64>,
    end_ms: Option<f64>,
    /// Tokens credited at the first arrival: they came "at" time zero, so rates measured
    /// from the first token leave them out of the window that starts there.
    first_arrival_tokens: i64,
    estimator: TokenEstimator,
    /// The latest output count the provider reported, and the estimate at that moment:
    /// the count is that report plus whatever text has been estimated since.
    reported: Option<(u64, u64)>,
    /// The count already credited to the rings, to turn new counts into increments.
    credited: u64,
    server: Option<ServerTiming>,
    live: Ring<LIVE_BUCKETS>,
    spark: Ring<SPARK_SLOTS>,
}

impl Default for Meter {
    fn default() -> Self {
        Self::new()
    }
}

impl Meter {
    pub fn new() -> Self {
        Self {
            start_ms: None,
            first_token_ms: None,
            last_token_ms: None,
            end_ms: None,
            first_arrival_tokens: 0,
            estimator: TokenEstimator::new(),
            reported: None,
            credited: 0,
            server: None,
            live: Ring::new(LIVE_BUCKET_MS),
            spark: Ring::new(SPARK_INTERVAL_MS),
        }
    }

    /// The request was sent.
    pub fn start(&mut self, t_ms: f64) {
        self.start_ms = Some(t_ms);
    }

    /// Decoded text (answer, reasoning or refusal) arrived.
    pub fn text(&mut self, t_ms: f64, text: &str) {
        if text.is_empty() {
            return;
        }
        self.estimator.push(text);
        self.first_token_ms.get_or_insert(t_ms);
        self.last_token_ms = Some(t_ms);
        self.credit(t_ms);
    }

    /// The provider reported usage. Its output count replaces the estimate from here on;
    /// text arriving later is estimated on top of it until the next report.
    pub fn usage(&mut self, t_ms: f64, usage: Usage) {
        if let Some(output) = usage.output_tokens {
            self.reported = Some((output, self.estimator.count()));
            if self.first_token_ms.is_some() {
                self.credit(t_ms);
            } else {
                // Counts without any text: nothing to time, but the count is the provider's.
                self.credited = self.tokens();
            }
        }
    }

    pub fn server_timing(&mut self, timing: ServerTiming) {
        self.server = Some(timing);
    }

    /// The body ended (cleanly or not).
    pub fn end(&mut self, t_ms: f64) {
        self.end_ms = Some(t_ms);
        if let Some(first) = self.first_token_ms {
            // Nothing more will arrive: the interval holding the end is complete too.
            let after_end = self.spark.index(first, t_ms).saturating_add(1);
            self.spark.add(after_end, 0);
        }
    }

    /// The current token count: the last provider report plus the estimate since, or the
    /// estimate alone.
    fn tokens(&self) -> u64 {
        let estimate = self.estimator.count();
        match self.reported {
            // Saturating: the reported count comes off the network.
            Some((output, estimate_then)) => {
                output.saturating_add(estimate.saturating_sub(estimate_then))
            }
            None => estimate,
        }
    }

    /// Puts the change in count since the last credit into the time buckets of `t_ms`.
    fn credit(&mut self, t_ms: f64) {
        let Some(first) = self.first_token_ms else {
            return;
        };
        let now = self.tokens();
        let delta = i64::try_from(now).unwrap_or(i64::MAX)
            - i64::try_from(self.credited).unwrap_or(i64::MAX);
        self.credited = now;
        if t_ms <= first {
            self.first_arrival_tokens += delta;
        }
        self.live.add(self.live.index(first, t_ms), delta);
        self.spark.add(self.spark.index(first, t_ms), delta);
    }

    pub fn snapshot(&self, now_ms: f64) -> MeterSnapshot {
        let tokens = self.tokens();
        let tokens_are_estimate = match self.reported {
            Some((_, estimate_then)) => self.estimator.count() > estimate_then,
            None => true,
        };
        let ttft_ms = match (self.start_ms, self.first_token_ms) {
            (Some(start), Some(first)) => Some((first - start).max(0.0)),
            _ => None,
        };
        let Some(first) = self.first_token_ms else {
            return MeterSnapshot {
                ttft_ms,
                tokens,
                tokens_are_estimate: tokens_are_estimate && tokens > 0,
                server_rate: self.server_rate(),
                ..MeterSnapshot::default()
            };
        };
        let last = self.last_token_ms.unwrap_or(first);
        let reference = if self.end_ms.is_some() { last } else { now_ms };
        let elapsed_ms = (reference - first).max(0.0);
        let final_rate = self.end_ms.and_then(|_| {
            let output = self.reported.map_or(tokens, |(output, _)| output);
            rate(output, last - first)
        });
        MeterSnapshot {
            ttft_ms,
            tokens,
            tokens_are_estimate,
            elapsed_ms: Some(elapsed_ms),
            live_rate: if tokens >= 2 {
                self.live_rate(first, now_ms)
            } else {
                None
            },
            avg_rate: rate(tokens, elapsed_ms),
            final_rate,
            server_rate: self.server_rate(),
            sparkline: self.sparkline_points(),
            render: RenderFigures::default(),
        }
    }

    fn sparkline_points(&self) -> Sparkline {
        let mut sparkline = Sparkline::default();
        for (point, tokens) in sparkline.points.iter_mut().zip(self.spark.completed()) {
            *point = tokens.max(0) as f64 * 1000.0 / SPARK_INTERVAL_MS;
            sparkline.len += 1;
        }
        sparkline
    }

    fn server_rate(&self) -> Option<f64> {
        self.server.as_ref().and_then(ServerTiming::output_rate)
    }

    /// Tokens per second that arrived in the last second before `now_ms`.
    fn live_rate(&self, first: f64, now_ms: f64) -> Option<f64> {
        let window_start = now_ms - LIVE_WINDOW_MS;
        let (tokens, span_ms) = if window_start <= first {
            // The window reaches back to the first token; those tokens took no time.
            let tokens = self.live.sum_from(0) - self.first_arrival_tokens;
            (tokens as f64, now_ms - first)
        } else {
            // Whole buckets inside the window, plus the covered share of the one it cuts.
            let cut = self.live.index(first, window_start);
            let next = cut.saturating_add(1);
            let cut_end = first + next as f64 * LIVE_BUCKET_MS;
            let share = ((cut_end - window_start) / LIVE_BUCKET_MS).clamp(0.0, 1.0);
            let tokens = self.live.sum_from(next) as f64 + self.live.get(cut) as f64 * share;
            (tokens, LIVE_WINDOW_MS)
        };
        // Under two buckets of history the figure is noise.
        (span_ms >= 2.0 * LIVE_BUCKET_MS).then(|| tokens.max(0.0) * 1000.0 / span_ms)
    }

    /// Recent per-interval rates in tokens per second, oldest first, completed intervals only
    /// (at most [`SPARKLINE_POINTS`]).
    pub fn sparkline(&self) -> Vec<f64> {
        self.sparkline_points().points().to_vec()
    }
}

/// Tokens per second, or `None` when there is nothing to divide (fewer than two tokens, or
/// no time has passed).
fn rate(tokens: u64, duration_ms: f64) -> Option<f64> {
    (tokens >= 2 && duration_ms > 0.0).then(|| tokens as f64 / (duration_ms / 1000.0))
}

/// Token counts per fixed-width time bucket for the last `N` buckets, indexed by bucket
/// number since the first token.
#[derive(Debug, Clone)]
struct Ring<const N: usize> {
    width_ms: f64,
    slots: [i64; N],
    /// Bucket number of the newest slot written; -1 before any.
    head: i64,
}

impl<const N: usize> Ring<N> {
    fn new(width_ms: f64) -> Self {
        Self {
            width_ms,
            slots: [0; N],
            head: -1,
        }
    }

    /// The bucket `t_ms` falls in; times before the first token count as the first bucket.
    fn index(&self, first_ms: f64, t_ms: f64) -> i64 {
        // `as` saturates (and maps NaN to 0), which is what a nonsense time deserves.
        (((t_ms - first_ms) / self.width_ms).floor() as i64).max(0)
    }

    fn add(&mut self, index: i64, delta: i64) {
        if index > self.head {
            // Buckets skipped over had no arrivals; clearing at most N slots covers them all.
            let skipped = index.saturating_sub(self.head).min(N as i64);
            for back in 0..skipped {
                self.slots[Self::slot(index - back)] = 0;
            }
            self.head = index;
        }
        if index > self.head.saturating_sub(N as i64) {
            self.slots[Self::slot(index)] += delta;
        }
    }

    fn slot(index: i64) -> usize {
        index.rem_euclid(N as i64) as usize
    }

    /// Bucket number held in slot `slot` (the newest one not after `head`).
    fn bucket_of(&self, slot: usize) -> i64 {
        self.head - (self.head - slot as i64).rem_euclid(N as i64)
    }

    /// The count of bucket `index`, zero if it is not kept.
    fn get(&self, index: i64) -> i64 {
        let kept = index >= 0 && index <= self.head && index > self.head - N as i64;
        if kept {
            self.slots[Self::slot(index)]
        } else {
            0
        }
    }

    /// Sum of the kept buckets numbered `from` or later.
    fn sum_from(&self, from: i64) -> i64 {
        (0..N)
            .filter(|&slot| {
                let bucket = self.bucket_of(slot);
                bucket >= 0 && bucket >= from
            })
            .map(|slot| self.slots[slot])
            .sum()
    }

    /// Kept buckets before the newest (which may still be filling), oldest first.
    fn completed(&self) -> impl Iterator<Item = i64> + '_ {
        let oldest = (self.head - (N as i64 - 1)).max(0);
        (oldest..self.head).map(|bucket| self.slots[Self::slot(bucket)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text of exactly `n` estimated tokens: short words with their leading space.
    fn words(n: usize) -> String {
        " go".repeat(n)
    }

    /// Feeds a steady `rate` tokens/s in 16 ms frames from t=100 for `seconds`, returning the meter
    /// and the time of the last frame.
    fn steady(rate: f64, seconds: f64) -> (Meter, f64) {
        let mut meter = Meter::new();
        meter.start(0.0);
        let frame_ms = 16.0;
        let mut t = 100.0;
        let mut owed = 0.0;
        while t <= 100.0 + seconds * 1000.0 {
            owed += rate * frame_ms / 1000.0;
            let n = owed.floor();
            owed -= n;
            meter.text(t, &words(n as usize));
            t += frame_ms;
        }
        (meter, t - frame_ms)
    }

    fn within(actual: Option<f64>, expected: f64, tolerance: f64) -> bool {
        actual.is_some_and(|a| ((a - expected) / expected).abs() <= tolerance)
    }

    #[test]
    fn steady_streams_read_within_three_percent_after_a_second() {
        for rate in [1_000.0, 20_000.0] {
            let (meter, last) = steady(rate, 3.0);
            assert!(meter.snapshot(last).tokens_are_estimate);
            // Check right after frames and between them, across the whole run after 1 s.
            let mut t = 1_100.0;
            let mut worst: f64 = 0.0;
            while t <= last {
                let snap = meter_at(rate, t);
                worst = worst.max((snap.live_rate.unwrap_or(0.0) / rate - 1.0).abs());
                assert!(
                    within(snap.live_rate, rate, 0.03),
                    "rate {rate} at {t}: {:?}",
                    snap.live_rate
                );
                assert!(
                    within(snap.avg_rate, rate, 0.03),
                    "avg {rate} at {t}: {:?}",
                    snap.avg_rate
                );
                t += 37.0;
            }
            eprintln!(
                "steady {rate} tokens/s: worst live-rate error {:.2}%",
                worst * 100.0
            );
        }
    }

    /// The snapshot of a steady stream observed at `t` (frames up to `t` delivered).
    fn meter_at(rate: f64, t: f64) -> MeterSnapshot {
        let (meter, _) = steady(rate, (t - 100.0) / 1000.0);
        meter.snapshot(t)
    }

    #[test]
    fn ttft_count_and_final_rate_with_usage_correcting_the_estimate() {
        let mut meter = Meter::new();
        meter.start(1_000.0);
        meter.text(1_250.0, &words(10));
        meter.text(1_750.0, &words(10));
        meter.text(2_250.0, &words(10));
        let streaming = meter.snapshot(2_250.0);
        assert_eq!(streaming.ttft_ms, Some(250.0));
        assert_eq!(
            (streaming.tokens, streaming.tokens_are_estimate),
            (30, true)
        );
        assert_eq!(streaming.final_rate, None);

        meter.usage(
            2_260.0,
            Usage {
                input_tokens: Some(5),
                output_tokens: Some(33),
            },
        );
        meter.end(2_270.0);
        let done = meter.snapshot(5_000.0);
        assert_eq!((done.tokens, done.tokens_are_estimate), (33, false));
        assert_eq!(done.final_rate, Some(33.0 / ((2_250.0 - 1_250.0) / 1000.0)));
        assert_eq!(done.elapsed_ms, Some(1_000.0));
        assert_eq!(done.avg_rate, done.final_rate);
    }

    #[test]
    fn per_chunk_usage_replaces_the_estimate_live() {
        let mut meter = Meter::new();
        meter.start(0.0);
        for i in 1..=40u64 {
            let t = i as f64 * 50.0;
            meter.text(t, "x"); // one estimated token per chunk…
            meter.usage(
                t,
                Usage {
                    input_tokens: None,
                    output_tokens: Some(i * 5),
                },
            ); // …five real ones
        }
        let snap = meter.snapshot(2_025.0);
        assert_eq!((snap.tokens, snap.tokens_are_estimate), (200, false));
        assert!(within(snap.live_rate, 100.0, 0.03), "{:?}", snap.live_rate);
        // Text after the last report is estimated on top of it.
        meter.text(2_050.0, &words(3));
        let snap = meter.snapshot(2_050.0);
        assert_eq!((snap.tokens, snap.tokens_are_estimate), (203, true));
    }

    #[test]
    fn early_usage_without_a_final_count_does_not_freeze_the_count() {
        // Anthropic reports output_tokens: 1 in message_start, before any text.
        let mut meter = Meter::new();
        meter.start(0.0);
        meter.usage(
            10.0,
            Usage {
                input_tokens: Some(11),
                output_tokens: Some(1),
            },
        );
        meter.text(20.0, &words(50));
        assert_eq!(meter.snapshot(20.0).tokens, 51);
    }

    #[test]
    fn zero_or_one_token_and_usage_without_text_give_no_rates() {
        let empty = Meter::new().snapshot(1_000.0);
        assert_eq!(empty, MeterSnapshot::default());

        let mut one = Meter::new();
        one.start(0.0);
        one.text(100.0, "Hi");
        one.end(100.0);
        let snap = one.snapshot(200.0);
        assert_eq!(
            (snap.tokens, snap.avg_rate, snap.final_rate, snap.live_rate),
            (1, None, None, None)
        );

        let mut only_usage = Meter::new();
        only_usage.usage(
            50.0,
            Usage {
                input_tokens: Some(3),
                output_tokens: Some(40),
            },
        );
        only_usage.end(60.0);
        let snap = only_usage.snapshot(100.0);
        assert_eq!((snap.tokens, snap.tokens_are_estimate), (40, false));
        assert_eq!(
            (snap.ttft_ms, snap.elapsed_ms, snap.final_rate),
            (None, None, None)
        );
        assert!(only_usage.sparkline().is_empty());
    }

    #[test]
    fn tokens_before_start_are_counted_without_a_negative_ttft() {
        let mut meter = Meter::new();
        meter.text(5.0, &words(4));
        meter.start(10.0);
        meter.text(505.0, &words(4));
        let snap = meter.snapshot(505.0);
        assert_eq!((snap.tokens, snap.ttft_ms), (8, Some(0.0)));
        assert_eq!(snap.avg_rate, Some(8.0 / 0.5));
    }

    #[test]
    fn bursty_arrivals_average_out_and_stay_finite() {
        // 200 tokens every 200 ms is 1,000 tokens/s on average.
        let mut meter = Meter::new();
        meter.start(0.0);
        let mut t = 0.0;
        for probe in [1_050.0, 2_000.0, 3_190.0, 4_999.0] {
            while t <= probe {
                meter.text(t, &words(200));
                t += 200.0;
            }
            let snap = meter.snapshot(probe);
            let live = snap.live_rate.unwrap_or(f64::NAN);
            assert!((750.0..=1_300.0).contains(&live), "live {live} at {probe}");
            // Average: every token since the first over the time since the first.
            let expected = snap.tokens as f64 / (probe / 1000.0);
            assert_eq!(snap.avg_rate, Some(expected));
        }
    }

    #[test]
    fn live_rate_falls_to_zero_when_the_stream_stalls() {
        let (meter, last) = steady(1_000.0, 2.0);
        assert_eq!(meter.snapshot(last + 1_100.0).live_rate, Some(0.0));
    }

    #[test]
    fn sparkline_is_bounded_and_tracks_the_rate() {
        let (mut meter, last) = steady(1_000.0, 10.0);
        meter.end(last + 1.0);
        let points = meter.sparkline();
        assert_eq!(points.len(), SPARKLINE_POINTS);
        assert_eq!(meter.snapshot(0.0).sparkline.points(), points.as_slice());
        // Each full 100 ms interval holds 6 or 7 frames of 16 tokens; the stream ended
        // early in the last one, which the end closed, so that one reads low.
        let (ended_in, full) = points.split_last().unwrap();
        assert!(
            full.iter().all(|&p| (900.0..=1_200.0).contains(&p)),
            "{points:?}"
        );
        assert!(*ended_in < 900.0);
        let mean = full.iter().sum::<f64>() / full.len() as f64;
        assert!((mean - 1_000.0).abs() < 30.0, "{mean}");

        // While streaming, the interval still filling is left out.
        let (streaming, _) = steady(1_000.0, 0.55);
        assert_eq!(streaming.sparkline().len(), 5);
    }

    #[test]
    fn server_rate_comes_from_server_timing() {
        let mut meter = Meter::new();
        meter.server_timing(ServerTiming {
            completion_s: Some(0.5),
            output_tokens: Some(1_000),
            ..ServerTiming::default()
        });
        assert_eq!(meter.snapshot(0.0).server_rate, Some(2_000.0));
    }
}
