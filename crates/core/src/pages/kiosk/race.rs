//! A kiosk race: the same prompt on several models at once, each lane's finish time taken
//! from its meter, the finish order, and the one-line summary shown at the end.

use crate::run::meter::MeterSnapshot;

/// How one lane of a race stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Lane {
    Running,
    /// The stream ended normally; times are from the request to the last token.
    Finished {
        finish_ms: f64,
        ttft_ms: f64,
    },
    /// The stream failed or was stopped: it takes no place.
    Failed,
}

/// The lanes of one race, in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Race {
    models: Vec<String>,
    lanes: Vec<Lane>,
}

impl Race {
    pub fn new(models: Vec<String>) -> Self {
        let lanes = vec![Lane::Running; models.len()];
        Self { models, lanes }
    }

    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// Records that lane `index` finished with these final meter figures. A lane whose
    /// meter never saw a token cannot be timed, so it counts as failed.
    pub fn finish(&mut self, index: usize, snapshot: &MeterSnapshot) {
        let Some(lane) = self.lanes.get_mut(index) else {
            return;
        };
        *lane = match (snapshot.ttft_ms, snapshot.elapsed_ms) {
            (Some(ttft_ms), Some(elapsed)) => Lane::Finished {
                finish_ms: ttft_ms + elapsed,
                ttft_ms,
            },
            _ => Lane::Failed,
        };
    }

    pub fn fail(&mut self, index: usize) {
        if let Some(lane) = self.lanes.get_mut(index) {
            *lane = Lane::Failed;
        }
    }

    /// True once no lane is still running.
    pub fn is_over(&self) -> bool {
        !self.lanes.iter().any(|l| matches!(l, Lane::Running))
    }

    /// Finished lanes' indices, fastest first.
    pub fn finish_order(&self) -> Vec<usize> {
        let mut finished: Vec<(usize, f64)> = self
            .lanes
            .iter()
            .enumerate()
            .filter_map(|(i, lane)| match lane {
                Lane::Finished { finish_ms, .. } => Some((i, *finish_ms)),
                _ => None,
            })
            .collect();
        finished.sort_by(|a, b| a.1.total_cmp(&b.1));
        finished.into_iter().map(|(i, _)| i).collect()
    }

    /// 1 for the winner, 2 for the next…; `None` for a lane that is running or failed.
    pub fn place(&self, index: usize) -> Option<usize> {
        self.finish_order()
            .iter()
            .position(|&i| i == index)
            .map(|p| p + 1)
    }

    /// Every lane's standing, in column order: its place (1 for the winner), `Some(0)` for a
    /// lane that failed, `None` while it runs. A later lane can finish with a shorter
    /// measured time, so places are recomputed from the times each time.
    pub fn standings(&self) -> Vec<Option<usize>> {
        (0..self.lanes.len())
            .map(|i| match self.lanes[i] {
                Lane::Finished { .. } => self.place(i),
                Lane::Failed => Some(0),
                Lane::Running => None,
            })
            .collect()
    }

    /// "demo-1000 finished in 0.7 s vs 9.1 s — 13x faster": the winner against the
    /// slowest finisher. `None` until the race is over or when nobody finished.
    pub fn summary(&self) -> Option<String> {
        if !self.is_over() {
            return None;
        }
        let order = self.finish_order();
        let (&first, &last) = (order.first()?, order.last()?);
        let winner = self.models.get(first)?;
        let time = |i: usize| match self.lanes.get(i) {
            Some(Lane::Finished { finish_ms, .. }) => *finish_ms,
            _ => 0.0,
        };
        let (fast, slow) = (time(first), time(last));
        if first == last {
            return Some(format!("{winner} finished in {}", seconds(fast)));
        }
        Some(format!(
            "{winner} finished in {} vs {} — {} faster",
            seconds(fast),
            seconds(slow),
            ratio(slow / fast.max(1.0))
        ))
    }
}

/// Milliseconds as "1.9 s": one decimal is what a visitor can read and compare.
pub fn seconds(ms: f64) -> String {
    format!("{:.1} s", ms / 1000.0)
}

/// "15x" from 15.3, "2.4x" below ten, where the decimal still matters.
fn ratio(r: f64) -> String {
    if r >= 10.0 {
        format!("{:.0}x", r)
    } else {
        format!("{:.1}x", r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(ttft: f64, elapsed: f64) -> MeterSnapshot {
        MeterSnapshot {
            ttft_ms: Some(ttft),
            elapsed_ms: Some(elapsed),
            ..MeterSnapshot::default()
        }
    }

    fn race3() -> Race {
        Race::new(vec![
            "demo-1000".into(),
            "demo-147".into(),
            "demo-52".into(),
        ])
    }

    #[test]
    fn summary_compares_the_winner_with_the_slowest() {
        let mut race = race3();
        race.finish(2, &done(300.0, 28_100.0));
        assert_eq!(race.summary(), None, "not over yet");
        race.finish(0, &done(200.0, 1_700.0));
        race.finish(1, &done(250.0, 6_000.0));
        assert!(race.is_over());
        assert_eq!(race.finish_order(), vec![0, 1, 2]);
        assert_eq!(race.place(1), Some(2));
        assert_eq!(
            race.summary().as_deref(),
            Some("demo-1000 finished in 1.9 s vs 28.4 s — 15x faster")
        );
    }

    #[test]
    fn standings_follow_the_measured_times_not_the_order_lanes_end_in() {
        let mut race = race3();
        assert_eq!(race.standings(), vec![None, None, None]);
        race.finish(1, &done(250.0, 6_000.0));
        assert_eq!(race.standings(), vec![None, Some(1), None]);
        // Lane 0 ends later but measured faster: it takes first place.
        race.finish(0, &done(200.0, 1_700.0));
        race.fail(2);
        assert_eq!(race.standings(), vec![Some(1), Some(2), Some(0)]);
    }

    #[test]
    fn small_ratios_keep_a_decimal_and_failures_take_no_place() {
        let mut race = race3();
        race.finish(0, &done(0.0, 1_000.0));
        race.finish(1, &done(0.0, 2_400.0));
        race.fail(2);
        assert_eq!(race.place(2), None);
        assert_eq!(
            race.summary().as_deref(),
            Some("demo-1000 finished in 1.0 s vs 2.4 s — 2.4x faster")
        );
    }

    #[test]
    fn a_lane_without_tokens_cannot_win() {
        let mut race = race3();
        race.finish(0, &MeterSnapshot::default());
        race.finish(1, &done(100.0, 900.0));
        race.fail(2);
        assert_eq!(race.finish_order(), vec![1]);
        assert_eq!(
            race.summary().as_deref(),
            Some("demo-147 finished in 1.0 s")
        );
        let mut none = race3();
        (0..3).for_each(|i| none.fail(i));
        assert_eq!(none.summary(), None);
        none.finish(7, &done(1.0, 1.0));
    }
}
