//! A kiosk race: the same prompt on several models at once, each lane's finish time and rate
//! taken from its meter, the finish order, and the summary that ranks every lane at the end.

use crate::run::meter::MeterSnapshot;

/// How one lane of a race stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Lane {
    Running,
    /// The stream ended normally; times are from the request to the last token.
    Finished {
        finish_ms: f64,
        ttft_ms: f64,
        /// Tokens per second from the first token to the last, when the meter had one.
        rate: Option<f64>,
    },
    /// The stream failed or was stopped: it takes no place.
    Failed,
}

/// The lanes of one race, in column order, each under the name the visitor reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Race {
    names: Vec<String>,
    lanes: Vec<Lane>,
}

/// The end of a race in words: a headline, then every lane ranked, finishers first.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// "GPT-4o won in 6.3 s, 4.5x faster than the slowest."
    pub headline: String,
    pub rows: Vec<Row>,
}

/// One lane's line in the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The column the lane ran in.
    pub lane: usize,
    /// 1 for the winner; `None` for a lane that did not finish.
    pub place: Option<usize>,
    pub name: String,
    /// "1,002 tokens/s, done in 1.9 s", or "did not finish".
    pub figures: String,
    /// How it compares: "15x faster than the slowest", "took 15x as long as the winner";
    /// empty when there is nothing to compare it with.
    pub comparison: String,
}

/// Factors below this read as a tie: a visitor cannot tell 1.9 s from 1.95 s.
const TIE: f64 = 1.05;

impl Race {
    /// A race of one lane per name (the lanes' titles, as the summary should say them).
    pub fn new(names: Vec<String>) -> Self {
        let lanes = vec![Lane::Running; names.len()];
        Self { names, lanes }
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
                rate: snapshot.final_rate.or(snapshot.avg_rate),
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

    /// Every lane ranked, with its rate, finish time and how many times faster it was than
    /// the slowest finisher (the slowest: how many times the winner's time it took); lanes
    /// that did not finish come last. `None` until the race is over.
    pub fn summary(&self) -> Option<Summary> {
        if !self.is_over() {
            return None;
        }
        let order = self.finish_order();
        let finished = |i: usize| match self.lanes.get(i) {
            Some(Lane::Finished {
                finish_ms, rate, ..
            }) => (*finish_ms, *rate),
            _ => (0.0, None),
        };
        let name = |i: usize| self.names.get(i).cloned().unwrap_or_default();
        let winner_ms = order.first().map_or(0.0, |&i| finished(i).0);
        let slowest_ms = order.last().map_or(0.0, |&i| finished(i).0);
        let last_place = order.len();
        let mut rows: Vec<Row> = order
            .iter()
            .enumerate()
            .map(|(p, &lane)| {
                let (finish_ms, rate) = finished(lane);
                let figures = match rate {
                    Some(rate) => format!(
                        "{}, done in {}",
                        tokens_per_second(rate),
                        seconds(finish_ms)
                    ),
                    None => format!("done in {}", seconds(finish_ms)),
                };
                let place = p + 1;
                let comparison = if last_place < 2 {
                    String::new()
                } else if place < last_place {
                    against_slowest(slowest_ms / finish_ms.max(1.0))
                } else {
                    let factor = finish_ms / winner_ms.max(1.0);
                    if factor < TIE {
                        "about as fast as the winner".into()
                    } else {
                        format!("took {} as long as the winner", ratio(factor))
                    }
                };
                Row {
                    lane,
                    place: Some(place),
                    name: name(lane),
                    figures,
                    comparison,
                }
            })
            .collect();
        rows.extend(
            (0..self.lanes.len())
                .filter(|&i| matches!(self.lanes[i], Lane::Failed))
                .map(|lane| Row {
                    lane,
                    place: None,
                    name: name(lane),
                    figures: "did not finish".into(),
                    comparison: String::new(),
                }),
        );
        let others = self.lanes.len().saturating_sub(1);
        let headline = match (order.first(), last_place) {
            (None, _) => "No model finished.".to_string(),
            (Some(&first), 1) if others == 0 => {
                format!("{} finished in {}.", name(first), seconds(winner_ms))
            }
            (Some(&first), 1) => format!(
                "{} won in {}; {} did not finish.",
                name(first),
                seconds(winner_ms),
                if others == 1 {
                    "the other"
                } else {
                    "the others"
                }
            ),
            (Some(&first), _) => format!(
                "{} won in {}, {}.",
                name(first),
                seconds(winner_ms),
                against_slowest(slowest_ms / winner_ms.max(1.0))
            ),
        };
        Some(Summary { headline, rows })
    }
}

/// "15x faster than the slowest" for a lane `factor` times as fast as the slowest, or
/// "about as fast as the slowest" for a near tie.
fn against_slowest(factor: f64) -> String {
    if factor < TIE {
        "about as fast as the slowest".into()
    } else {
        format!("{} faster than the slowest", ratio(factor))
    }
}

/// "1st", "2nd", "3rd", "4th"… for a place in a race (1 is the winner).
pub fn ordinal(place: usize) -> String {
    let suffix = match (place % 10, place % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{place}{suffix}")
}

/// Milliseconds as "1.9 s": one decimal is what a visitor can read and compare.
pub fn seconds(ms: f64) -> String {
    format!("{:.1} s", ms / 1000.0)
}

/// "1,002 tokens/s"; one decimal below ten, where it still matters.
fn tokens_per_second(rate: f64) -> String {
    if rate < 10.0 {
        return format!("{rate:.1} tokens/s");
    }
    let digits = format!("{rate:.0}");
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped} tokens/s")
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

    fn done(ttft: f64, elapsed: f64, rate: f64) -> MeterSnapshot {
        MeterSnapshot {
            ttft_ms: Some(ttft),
            elapsed_ms: Some(elapsed),
            final_rate: Some(rate),
            ..MeterSnapshot::default()
        }
    }

    fn race3() -> Race {
        Race::new(vec!["Spark".into(), "GPT-4o".into(), "GPT-4o mini".into()])
    }

    /// Each row as "place name | figures | comparison", for whole-summary assertions.
    fn lines(summary: &Summary) -> Vec<String> {
        summary
            .rows
            .iter()
            .map(|r| {
                let place = r.place.map(ordinal).unwrap_or_else(|| "-".into());
                format!("{place} {} | {} | {}", r.name, r.figures, r.comparison)
            })
            .collect()
    }

    #[test]
    fn the_summary_ranks_every_lane_against_the_slowest_and_the_winner() {
        let mut race = race3();
        race.finish(2, &done(300.0, 28_100.0, 52.0));
        assert_eq!(race.summary(), None, "not over yet");
        race.finish(0, &done(200.0, 1_700.0, 1002.4));
        race.finish(1, &done(250.0, 6_050.0, 147.0));
        assert!(race.is_over());
        assert_eq!(race.finish_order(), vec![0, 1, 2]);
        assert_eq!(race.place(1), Some(2));
        let summary = race.summary().expect("over");
        assert_eq!(
            summary.headline,
            "Spark won in 1.9 s, 15x faster than the slowest."
        );
        assert_eq!(
            lines(&summary),
            [
                "1st Spark | 1,002 tokens/s, done in 1.9 s | 15x faster than the slowest",
                "2nd GPT-4o | 147 tokens/s, done in 6.3 s | 4.5x faster than the slowest",
                "3rd GPT-4o mini | 52 tokens/s, done in 28.4 s | took 15x as long as the winner",
            ]
        );
        assert_eq!(
            summary.rows.iter().map(|r| r.lane).collect::<Vec<_>>(),
            [0, 1, 2]
        );
    }

    #[test]
    fn rows_follow_the_finish_order_not_the_columns_and_failures_come_last() {
        let mut race = Race::new(vec!["A".into(), "B".into(), "C".into(), "D".into()]);
        race.fail(0);
        race.finish(1, &done(0.0, 2_400.0, 9.5));
        race.finish(2, &done(0.0, 1_000.0, 20_000.0));
        race.finish(
            3,
            &MeterSnapshot {
                final_rate: None,
                avg_rate: None,
                ..done(0.0, 1_020.0, 0.0)
            },
        );
        let summary = race.summary().expect("over");
        assert_eq!(
            summary.headline,
            "C won in 1.0 s, 2.4x faster than the slowest."
        );
        assert_eq!(
            lines(&summary),
            [
                "1st C | 20,000 tokens/s, done in 1.0 s | 2.4x faster than the slowest",
                "2nd D | done in 1.0 s | 2.4x faster than the slowest",
                "3rd B | 9.5 tokens/s, done in 2.4 s | took 2.4x as long as the winner",
                "- A | did not finish | ",
            ]
        );
    }

    #[test]
    fn near_ties_read_as_ties() {
        let mut race = Race::new(vec!["A".into(), "B".into()]);
        race.finish(0, &done(0.0, 1_000.0, 1000.0));
        race.finish(1, &done(0.0, 1_030.0, 990.0));
        let summary = race.summary().expect("over");
        assert_eq!(
            summary.headline,
            "A won in 1.0 s, about as fast as the slowest."
        );
        assert_eq!(summary.rows[0].comparison, "about as fast as the slowest");
        assert_eq!(summary.rows[1].comparison, "about as fast as the winner");
    }

    #[test]
    fn standings_follow_the_measured_times_not_the_order_lanes_end_in() {
        let mut race = race3();
        assert_eq!(race.standings(), vec![None, None, None]);
        race.finish(1, &done(250.0, 6_000.0, 147.0));
        assert_eq!(race.standings(), vec![None, Some(1), None]);
        // Lane 0 ends later but measured faster: it takes first place.
        race.finish(0, &done(200.0, 1_700.0, 1000.0));
        race.fail(2);
        assert_eq!(race.standings(), vec![Some(1), Some(2), Some(0)]);
    }

    #[test]
    fn a_lane_without_tokens_cannot_win_and_a_lone_finisher_says_so() {
        let mut race = race3();
        race.finish(0, &MeterSnapshot::default());
        race.finish(1, &done(100.0, 900.0, 147.0));
        race.fail(2);
        assert_eq!(race.finish_order(), vec![1]);
        let summary = race.summary().expect("over");
        assert_eq!(
            summary.headline,
            "GPT-4o won in 1.0 s; the others did not finish."
        );
        assert_eq!(
            lines(&summary)[0],
            "1st GPT-4o | 147 tokens/s, done in 1.0 s | "
        );
        assert_eq!(summary.rows.len(), 3);

        let mut solo = Race::new(vec!["Spark".into()]);
        solo.finish(0, &done(100.0, 900.0, 1000.0));
        assert_eq!(
            solo.summary().expect("over").headline,
            "Spark finished in 1.0 s."
        );

        let mut none = race3();
        (0..3).for_each(|i| none.fail(i));
        let summary = none.summary().expect("over");
        assert_eq!(summary.headline, "No model finished.");
        assert!(summary.rows.iter().all(|r| r.place.is_none()));
        none.finish(7, &done(1.0, 1.0, 1.0));
    }

    #[test]
    fn ordinals_read_as_spoken() {
        let spoken: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            spoken,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
    }
}
