//! When each piece of an answer arrived and when it was on the page: the render figures a
//! receipt carries (painted rate, render lag, time to first paint) and the timeline a replay follows.

use serde::{Deserialize, Serialize};

/// One network read's worth of answer text: when it arrived, counted from the request's
/// start, and how long the answer was (UTF-8 bytes) once it had.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "(f64, u64)", into = "(f64, u64)")]
pub struct Arrival {
    pub at_ms: f64,
    pub end: u64,
}

/// Written as an `[at_ms, end]` pair: a long answer has thousands of them.
impl From<(f64, u64)> for Arrival {
    fn from((at_ms, end): (f64, u64)) -> Self {
        Self { at_ms, end }
    }
}

impl From<Arrival> for (f64, u64) {
    fn from(arrival: Arrival) -> Self {
        (arrival.at_ms, arrival.end)
    }
}

/// A run's arrivals in order: what a receipt's `.json` keeps so the run can be replayed in
/// the page at its original timing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timeline(Vec<Arrival>);

/// Why a timeline cannot replay an answer: it was edited, or belongs to another answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimelineError {
    #[error("the timeline's arrival {index} goes back in time or past the answer")]
    OutOfOrder { index: usize },
    #[error("the timeline's arrival {index} cuts a character in two")]
    SplitsCharacter { index: usize },
    #[error("the timeline ends at byte {end} of an answer of {len}")]
    Short { end: u64, len: usize },
}

impl Timeline {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn arrivals(&self) -> &[Arrival] {
        &self.0
    }

    /// The pieces of `answer` in arrival order, each with when it came. Checked whole
    /// before anything plays: a timeline from a file may not fit the answer beside it.
    pub fn pieces<'a>(&self, answer: &'a str) -> Result<Vec<(f64, &'a str)>, TimelineError> {
        let mut pieces = Vec::with_capacity(self.0.len());
        let (mut start, mut at) = (0_usize, 0.0_f64);
        for (index, arrival) in self.0.iter().enumerate() {
            let end = usize::try_from(arrival.end).unwrap_or(usize::MAX);
            let in_order = arrival.at_ms.is_finite() && arrival.at_ms >= at && end >= start;
            if !in_order || end > answer.len() {
                return Err(TimelineError::OutOfOrder { index });
            }
            let piece = answer
                .get(start..end)
                .ok_or(TimelineError::SplitsCharacter { index })?;
            pieces.push((arrival.at_ms, piece));
            (start, at) = (end, arrival.at_ms);
        }
        if start != answer.len() {
            return Err(TimelineError::Short {
                end: start as u64,
                len: answer.len(),
            });
        }
        Ok(pieces)
    }
}

/// What the page did with the text, for the meter and the receipt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RenderFigures {
    /// From the request's start to the first answer text on the page.
    pub time_to_first_paint_ms: Option<f64>,
    /// Tokens per second between the first and the last text put on the page.
    pub painted_rate: Option<f64>,
    /// How long a piece of text waited between arriving and being on the page, 95th
    /// percentile over the pieces.
    pub render_lag_p95_ms: Option<f64>,
}

/// Records arrivals and paints of one run. Memory is one entry per network read that
/// carried answer text, which a `.json` receipt keeps anyway.
#[derive(Debug, Clone)]
pub struct PaintLog {
    start_ms: f64,
    arrivals: Vec<Arrival>,
    /// Arrivals before this index are on the page.
    painted: usize,
    lags: Vec<f64>,
    /// The lags' 95th percentile, kept up to date by [`Self::painted`] so a snapshot (one
    /// a frame) does not sort them again.
    lag_p95_ms: Option<f64>,
    /// Reused to find the percentile without allocating each frame.
    scratch: Vec<f64>,
    first_paint_ms: Option<f64>,
    last_paint_ms: Option<f64>,
}

impl PaintLog {
    /// A run whose request was sent at `start_ms` (the page's clock).
    pub fn new(start_ms: f64) -> Self {
        Self {
            start_ms,
            arrivals: Vec::new(),
            painted: 0,
            lags: Vec::new(),
            lag_p95_ms: None,
            scratch: Vec::new(),
            first_paint_ms: None,
            last_paint_ms: None,
        }
    }

    /// Answer text arrived at `now_ms`; the answer is now `end` bytes long. A read that
    /// added nothing to the answer is not an arrival.
    pub fn arrived(&mut self, now_ms: f64, end: u64) {
        let grew = self.arrivals.last().map_or(end > 0, |last| end > last.end);
        if grew {
            self.arrivals.push(Arrival {
                at_ms: (now_ms - self.start_ms).max(0.0),
                end,
            });
        }
    }

    /// At `now_ms` the first `shown` bytes of the answer are on the page.
    pub fn painted(&mut self, now_ms: f64, shown: u64) {
        let at_ms = (now_ms - self.start_ms).max(0.0);
        let before = self.painted;
        while let Some(arrival) = self.arrivals.get(self.painted) {
            if arrival.end > shown {
                break;
            }
            self.lags.push(at_ms - arrival.at_ms);
            self.painted += 1;
        }
        if self.painted > before {
            self.first_paint_ms.get_or_insert(at_ms);
            self.last_paint_ms = Some(at_ms);
            self.scratch.clone_from(&self.lags);
            self.lag_p95_ms = percentile(&mut self.scratch, 0.95);
        }
    }

    /// The figures so far, `tokens` being the run's output count.
    pub fn figures(&self, tokens: u64) -> RenderFigures {
        let painted_rate = match (self.first_paint_ms, self.last_paint_ms) {
            (Some(first), Some(last)) if tokens >= 2 && last > first => {
                Some(tokens as f64 / ((last - first) / 1000.0))
            }
            _ => None,
        };
        RenderFigures {
            time_to_first_paint_ms: self.first_paint_ms,
            painted_rate,
            render_lag_p95_ms: self.lag_p95_ms,
        }
    }

    /// Every arrival so far.
    pub fn timeline(&self) -> Timeline {
        Timeline(self.arrivals.clone())
    }
}

/// The nearest-rank percentile `p` (0–1) of `values` (reordered in finding it: linear
/// time, no sort), `None` when there are none.
fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    let (_, value, _) = values.select_nth_unstable_by(rank - 1, f64::total_cmp);
    Some(*value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten pieces of ten bytes arriving every 10 ms from 100 ms after a start at 1,000.
    fn log_of_ten() -> PaintLog {
        let mut log = PaintLog::new(1_000.0);
        for i in 1..=10_u64 {
            log.arrived(1_090.0 + 10.0 * i as f64, 10 * i);
        }
        log
    }

    #[test]
    fn lag_is_from_each_pieces_arrival_to_the_paint_that_showed_it() {
        let mut log = log_of_ten();
        // A paint that shows part of a piece does not count it as painted.
        log.painted(1_125.0, 25);
        log.painted(1_300.0, 100);
        let figures = log.figures(50);
        assert_eq!(figures.time_to_first_paint_ms, Some(125.0));
        // Pieces arrived at 100..=190 ms; two painted at 125, eight at 300: lags 25, 15,
        // then 180 down to 110. The 95th percentile of ten is the largest.
        assert_eq!(figures.render_lag_p95_ms, Some(180.0));
        // 50 tokens between the first paint (125) and the last (300).
        let rate = figures.painted_rate.expect("two paints");
        assert!((rate - 50.0 / 0.175).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn nothing_painted_means_no_figures_and_one_paint_no_rate() {
        let mut log = log_of_ten();
        assert_eq!(log.figures(50), RenderFigures::default());
        log.painted(1_400.0, 100);
        let figures = log.figures(50);
        assert_eq!(figures.time_to_first_paint_ms, Some(400.0));
        assert_eq!(figures.painted_rate, None, "all at once: no interval");
    }

    #[test]
    fn reads_that_add_no_answer_text_are_not_arrivals() {
        let mut log = PaintLog::new(0.0);
        log.arrived(5.0, 0);
        log.arrived(10.0, 4);
        log.arrived(12.0, 4);
        assert_eq!(log.timeline().arrivals().len(), 1);
    }

    #[test]
    fn a_timeline_cuts_its_answer_into_the_pieces_that_arrived() {
        let mut log = PaintLog::new(0.0);
        log.arrived(10.0, 3);
        log.arrived(20.5, 7);
        let timeline = log.timeline();
        let json = serde_json::to_string(&timeline).expect("serialises");
        assert_eq!(json, "[[10.0,3],[20.5,7]]", "compact pairs");
        let back: Timeline = serde_json::from_str(&json).expect("reads back");
        assert_eq!(
            back.pieces("héllo!"),
            Ok(vec![(10.0, "hé"), (20.5, "llo!")])
        );
    }

    #[test]
    fn a_timeline_that_does_not_fit_its_answer_is_refused_whole() {
        let read = |json: &str| serde_json::from_str::<Timeline>(json).expect("valid JSON");
        assert_eq!(
            read("[[10,2]]").pieces("héllo"),
            Err(TimelineError::SplitsCharacter { index: 0 })
        );
        assert_eq!(
            read("[[10,3],[5,6]]").pieces("héllo"),
            Err(TimelineError::OutOfOrder { index: 1 })
        );
        assert_eq!(
            read("[[10,9]]").pieces("héllo"),
            Err(TimelineError::OutOfOrder { index: 0 })
        );
        assert_eq!(
            read("[[10,3]]").pieces("héllo"),
            Err(TimelineError::Short { end: 3, len: 6 })
        );
        assert!(serde_json::from_str::<Timeline>("[[1e999,3]]").is_err());
    }
}
