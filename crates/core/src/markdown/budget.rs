//! How long the answer renderer may draw in one frame: a steady share while text streams in,
//! more once all of it has arrived and only drawing is left, never enough for a long task.

/// Drawing allowed per frame while text streams: half of a 60 Hz frame, leaving the rest for
/// style, layout and paint, so the page keeps its frame rate however fast text comes.
pub const FRAME_BUDGET_MS: f64 = 8.0;

/// The most a frame may draw once the text has all arrived: frames then come less often
/// (about one in two), but each draws three times as much, so the answer is whole sooner.
pub const CATCH_UP_BUDGET_MS: f64 = 24.0;

/// A frame's whole task (drawing, then the browser's style, layout and paint) stays under
/// this, below the 50 ms that makes a long task.
const FRAME_TASK_MS: f64 = 40.0;

/// Each frame's drawing budget, from whether the text has ended and what the last frame's
/// rendering cost the browser.
#[derive(Debug, Default)]
pub struct FrameBudget {
    /// When the last frame's drawing ended (ms).
    last_end_ms: Option<f64>,
    /// The last frame already had all the text, so its cost per byte was measured on it.
    text_ended_before: bool,
}

impl FrameBudget {
    /// The budget of a frame starting at `now_ms`. Once the text has ended, the frame after
    /// the first such gets more, as much as fits beside the time between the last frame's
    /// drawing and this one (the browser's rendering, other tasks and idle: an upper bound
    /// on what rendering will cost again), so a slow machine gets no more than the steady
    /// share.
    pub fn for_frame(&mut self, now_ms: f64, text_ended: bool) -> f64 {
        let budget = match self.last_end_ms {
            Some(end) if self.text_ended_before && text_ended => {
                (FRAME_TASK_MS - (now_ms - end)).clamp(FRAME_BUDGET_MS, CATCH_UP_BUDGET_MS)
            }
            _ => FRAME_BUDGET_MS,
        };
        self.text_ended_before = text_ended;
        budget
    }

    /// The frame's drawing ended at `now_ms`.
    pub fn drawn(&mut self, now_ms: f64) {
        self.last_end_ms = Some(now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_text_gets_the_steady_share() {
        let mut budget = FrameBudget::default();
        for frame in 0..5 {
            let start = f64::from(frame) * 16.7;
            assert_eq!(budget.for_frame(start, false), FRAME_BUDGET_MS);
            budget.drawn(start + 8.0);
        }
    }

    #[test]
    fn once_the_text_has_ended_the_second_frame_on_gets_more() {
        let mut budget = FrameBudget::default();
        // The first frame with all the text measures what a byte costs: steady share.
        assert_eq!(budget.for_frame(0.0, true), FRAME_BUDGET_MS);
        budget.drawn(8.0);
        // 8.7 ms of rendering and idle before this frame leaves 31.3, capped.
        assert_eq!(budget.for_frame(16.7, true), CATCH_UP_BUDGET_MS);
        budget.drawn(40.7);
        // 40.7 → 50.0: 9.3 ms of rendering and idle leaves 30.7, capped.
        assert_eq!(budget.for_frame(50.0, true), CATCH_UP_BUDGET_MS);
    }

    #[test]
    fn a_slow_render_shrinks_the_catch_up_budget_down_to_the_steady_share() {
        let mut budget = FrameBudget::default();
        budget.for_frame(0.0, true);
        budget.drawn(8.0);
        // 28 ms between frames: 12 ms left of the frame task.
        assert_eq!(budget.for_frame(36.0, true), 12.0);
        budget.drawn(48.0);
        // A machine four times slower: rendering alone takes the whole task.
        assert_eq!(budget.for_frame(100.0, true), FRAME_BUDGET_MS);
    }

    #[test]
    fn the_first_frame_without_a_previous_one_gets_the_steady_share() {
        let mut budget = FrameBudget::default();
        assert_eq!(budget.for_frame(0.0, true), FRAME_BUDGET_MS);
        assert_eq!(budget.for_frame(16.7, true), FRAME_BUDGET_MS);
    }
}
