//! A race of several models on one prompt, judged by working code: each lane's raw figures
//! from its meter, what its code came to after its fix loop, the places, and the summary.

use serde::{Deserialize, Serialize};

use crate::iterate::LoopEnd;
use crate::run::explain::{grouped, StatusLine, Tone};
use crate::run::meter::MeterSnapshot;

/// How one lane of a race stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "lane", rename_all = "kebab-case")]
pub enum Lane {
    Running,
    /// The first answer ended normally and its loop is over. Times are from the lane's own
    /// request start.
    Finished {
        /// From the request to the first answer's last token.
        finish_ms: f64,
        ttft_ms: f64,
        /// Tokens per second from the first token to the last, when the meter had one.
        rate: Option<f64>,
        code: Code,
    },
    /// The request failed or was stopped: it takes no place.
    Failed {
        reason: String,
    },
}

/// What a lane's code came to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Code {
    /// A run passed (its checks held, nothing threw), this long after the request left.
    Green {
        time_to_green_ms: f64,
        attempts: usize,
    },
    /// It ran and failed until the loop gave up (attempt limit, same error twice).
    NeverPassed { attempts: usize },
    /// Nothing to judge: no code, the code could not run here, or the loop was off.
    Unjudged,
}

impl Code {
    /// What a loop's end says about the lane's code.
    pub fn from_loop(end: Option<LoopEnd>, attempts: usize) -> Self {
        match end {
            Some(LoopEnd::Green { time_to_green_ms }) => Self::Green {
                time_to_green_ms,
                attempts,
            },
            Some(LoopEnd::AttemptLimit | LoopEnd::SameErrorTwice) => Self::NeverPassed { attempts },
            _ => Self::Unjudged,
        }
    }

    /// The lane's line once its loop ended with `end` after `attempts` answers.
    pub fn explain(self, end: LoopEnd, attempts: usize) -> StatusLine {
        let (tone, text) = match self {
            Self::Green {
                time_to_green_ms, ..
            } => (
                Tone::Done,
                match attempts {
                    1 => format!("Working code in {}, first try.", seconds(time_to_green_ms)),
                    n => format!(
                        "Working code in {}, after {n} attempts.",
                        seconds(time_to_green_ms)
                    ),
                },
            ),
            Self::NeverPassed { attempts } => (
                Tone::Error,
                format!("Never passed: {}", end.explain(attempts).text),
            ),
            Self::Unjudged => (Tone::Neutral, end.explain(attempts).text),
        };
        StatusLine { tone, text }
    }

    pub fn time_to_green_ms(self) -> Option<f64> {
        match self {
            Self::Green {
                time_to_green_ms, ..
            } => Some(time_to_green_ms),
            _ => None,
        }
    }
}

/// The lanes of one race, in column order, each under the name the reader reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Race {
    names: Vec<String>,
    lanes: Vec<Lane>,
}

/// The end of a race in words: a headline, then every lane ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// "Spark reached working code in 3.1 s vs 41.0 s: 13x sooner."
    pub headline: String,
    pub rows: Vec<Row>,
}

/// One lane's line in the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The column the lane ran in.
    pub lane: usize,
    /// 1 for the winner; `None` for a lane that takes no place.
    pub place: Option<usize>,
    pub name: String,
    /// "working code in 3.1 s (2 attempts) · 1,002 tokens/s, done in 1.9 s".
    pub figures: String,
    /// How it compares: "13x sooner than the slowest", "took 13x as long as the winner";
    /// empty when there is nothing to compare it with.
    pub comparison: String,
}

/// What a race is ranked by: time to working code once any lane reached it, else (no lane
/// had code that passed) the time its answer took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Judged {
    WorkingCode,
    FinishTime,
}

/// Factors below this read as a tie: nobody can tell 1.9 s from 1.95 s.
const TIE: f64 = 1.05;

impl Race {
    /// A race of one lane per name (the lanes' titles, as the summary should say them).
    pub fn new(names: Vec<String>) -> Self {
        let lanes = vec![Lane::Running; names.len()];
        Self { names, lanes }
    }

    /// A race as it ended (a shared or reopened comparison).
    pub fn ended(names: Vec<String>, lanes: Vec<Lane>) -> Self {
        Self { names, lanes }
    }

    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// Records that lane `index` ended: its first answer's final meter figures and what its
    /// code came to. A lane whose meter never saw a token cannot be timed: it failed.
    pub fn finish(&mut self, index: usize, snapshot: &MeterSnapshot, code: Code) {
        let Some(lane) = self.lanes.get_mut(index) else {
            return;
        };
        *lane = match (snapshot.ttft_ms, snapshot.elapsed_ms) {
            (Some(ttft_ms), Some(elapsed)) => Lane::Finished {
                finish_ms: ttft_ms + elapsed,
                ttft_ms,
                rate: snapshot.final_rate.or(snapshot.avg_rate),
                code,
            },
            _ => Lane::Failed {
                reason: "no tokens arrived".into(),
            },
        };
    }

    pub fn fail(&mut self, index: usize, reason: impl Into<String>) {
        if let Some(lane) = self.lanes.get_mut(index) {
            *lane = Lane::Failed {
                reason: reason.into(),
            };
        }
    }

    /// True once no lane is still running.
    pub fn is_over(&self) -> bool {
        !self.lanes.iter().any(|l| matches!(l, Lane::Running))
    }

    fn judged(&self) -> Judged {
        let green = self.lanes.iter().any(
            |lane| matches!(lane, Lane::Finished { code, .. } if code.time_to_green_ms().is_some()),
        );
        if green {
            Judged::WorkingCode
        } else {
            Judged::FinishTime
        }
    }

    /// The time lane `index` is ranked by, if it takes a place.
    fn score(&self, index: usize, judged: Judged) -> Option<f64> {
        match (self.lanes.get(index)?, judged) {
            (Lane::Finished { code, .. }, Judged::WorkingCode) => code.time_to_green_ms(),
            (Lane::Finished { finish_ms, .. }, Judged::FinishTime) => Some(*finish_ms),
            _ => None,
        }
    }

    /// Placed lanes' indices, best first.
    pub fn order(&self) -> Vec<usize> {
        let judged = self.judged();
        let mut placed: Vec<(usize, f64)> = (0..self.lanes.len())
            .filter_map(|i| Some((i, self.score(i, judged)?)))
            .collect();
        placed.sort_by(|a, b| a.1.total_cmp(&b.1));
        placed.into_iter().map(|(i, _)| i).collect()
    }

    /// Every lane's standing, in column order: its place (1 for the winner), `Some(0)` for
    /// a lane that takes none (failed, or never reached working code when another did),
    /// `None` while it runs. Places are recomputed from the times each time a lane ends.
    pub fn standings(&self) -> Vec<Option<usize>> {
        let order = self.order();
        (0..self.lanes.len())
            .map(|i| match self.lanes[i] {
                Lane::Running => None,
                _ => Some(order.iter().position(|&o| o == i).map_or(0, |p| p + 1)),
            })
            .collect()
    }

    /// Every lane ranked, with what its code came to, its raw rate and finish time, and how
    /// it compares; lanes without a place come last. `None` until the race is over.
    pub fn summary(&self) -> Option<Summary> {
        if !self.is_over() {
            return None;
        }
        let judged = self.judged();
        let order = self.order();
        let name = |i: usize| self.names.get(i).cloned().unwrap_or_default();
        let score = |i: usize| self.score(i, judged).unwrap_or(0.0);
        let best = order.first().map_or(0.0, |&i| score(i));
        let worst = order.last().map_or(0.0, |&i| score(i));
        let placed = order.len();
        let mut rows: Vec<Row> = order
            .iter()
            .enumerate()
            .map(|(p, &lane)| {
                let place = p + 1;
                let comparison = if placed < 2 {
                    String::new()
                } else if place < placed {
                    against_slowest(worst / score(lane).max(1.0), judged)
                } else {
                    against_winner(score(lane) / best.max(1.0))
                };
                Row {
                    lane,
                    place: Some(place),
                    name: name(lane),
                    figures: self.figures(lane),
                    comparison,
                }
            })
            .collect();
        rows.extend(
            (0..self.lanes.len())
                .filter(|i| !order.contains(i))
                .map(|lane| Row {
                    lane,
                    place: None,
                    name: name(lane),
                    figures: self.figures(lane),
                    comparison: String::new(),
                }),
        );
        let others = self.lanes.len().saturating_sub(placed);
        let the_others = if others == 1 {
            "the other"
        } else {
            "the others"
        };
        let headline = match (order.first(), judged) {
            (None, _) => "No model finished.".to_string(),
            (Some(&first), Judged::WorkingCode) => match (placed, others) {
                (1, 0) => format!("{} reached working code in {}.", name(first), seconds(best)),
                (1, _) => format!(
                    "{} reached working code in {}; {the_others} never did.",
                    name(first),
                    seconds(best)
                ),
                _ => format!(
                    "{} reached working code in {} vs {}: {}.",
                    name(first),
                    seconds(best),
                    seconds(worst),
                    sooner(worst / best.max(1.0))
                ),
            },
            (Some(&first), Judged::FinishTime) => {
                let lead = if self.any_judged() {
                    "No model reached working code. "
                } else {
                    ""
                };
                match (placed, others) {
                    (1, 0) => format!("{lead}{} finished in {}.", name(first), seconds(best)),
                    (1, _) => format!(
                        "{lead}{} finished in {}; {the_others} did not finish.",
                        name(first),
                        seconds(best)
                    ),
                    _ => format!(
                        "{lead}{} finished first in {}, {}.",
                        name(first),
                        seconds(best),
                        against_slowest(worst / best.max(1.0), judged)
                    ),
                }
            }
        };
        Some(Summary { headline, rows })
    }

    /// Whether any lane's code ran and was judged.
    fn any_judged(&self) -> bool {
        self.lanes.iter().any(|lane| {
            matches!(
                lane,
                Lane::Finished {
                    code: Code::Green { .. } | Code::NeverPassed { .. },
                    ..
                }
            )
        })
    }

    /// A lane's figures in words.
    fn figures(&self, index: usize) -> String {
        match self.lanes.get(index) {
            Some(Lane::Finished {
                finish_ms,
                rate,
                code,
                ..
            }) => {
                let speed = match rate {
                    Some(rate) => format!(
                        "{}, done in {}",
                        tokens_per_second(*rate),
                        seconds(*finish_ms)
                    ),
                    None => format!("done in {}", seconds(*finish_ms)),
                };
                match code {
                    Code::Green {
                        time_to_green_ms,
                        attempts,
                    } => format!(
                        "working code in {}{} · {speed}",
                        seconds(*time_to_green_ms),
                        attempts_note(*attempts)
                    ),
                    Code::NeverPassed { attempts } => {
                        format!("never passed ({attempts} attempts) · {speed}")
                    }
                    Code::Unjudged => speed,
                }
            }
            Some(Lane::Failed { reason }) => format!("failed: {reason}"),
            Some(Lane::Running) | None => "running".into(),
        }
    }
}

/// " (2 attempts)" after a fixed lane's time; nothing for a first try.
fn attempts_note(attempts: usize) -> String {
    if attempts > 1 {
        format!(" ({attempts} attempts)")
    } else {
        String::new()
    }
}

/// "13x sooner", or "about as soon" for a near tie.
fn sooner(factor: f64) -> String {
    if factor < TIE {
        "about as soon".into()
    } else {
        format!("{} sooner", ratio(factor))
    }
}

/// "15x faster than the slowest" (or "sooner", judged by working code) for a lane `factor`
/// times as fast as the slowest, or "about as fast as the slowest" for a near tie.
fn against_slowest(factor: f64, judged: Judged) -> String {
    match (factor < TIE, judged) {
        (true, Judged::WorkingCode) => "about as soon as the slowest".into(),
        (true, Judged::FinishTime) => "about as fast as the slowest".into(),
        (false, Judged::WorkingCode) => format!("{} sooner than the slowest", ratio(factor)),
        (false, Judged::FinishTime) => format!("{} faster than the slowest", ratio(factor)),
    }
}

/// The last placed lane: "took 15x as long as the winner".
fn against_winner(factor: f64) -> String {
    if factor < TIE {
        "about as fast as the winner".into()
    } else {
        format!("took {} as long as the winner", ratio(factor))
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

/// Milliseconds as "1.9 s": one decimal is what a reader can take in and compare.
pub fn seconds(ms: f64) -> String {
    format!("{:.1} s", ms / 1000.0)
}

/// "1,002 tokens/s"; one decimal below ten, where it still matters.
fn tokens_per_second(rate: f64) -> String {
    if rate < 10.0 {
        return format!("{rate:.1} tokens/s");
    }
    // Rounded and non-negative, so the cast keeps the value.
    format!("{} tokens/s", grouped(rate.round().max(0.0) as u64))
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

    fn green(ms: f64, attempts: usize) -> Code {
        Code::Green {
            time_to_green_ms: ms,
            attempts,
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
    fn lanes_are_ranked_by_time_to_working_code_not_by_raw_speed() {
        let mut race = race3();
        // The fastest stream needs a fix; the slowest lane works at once but late.
        race.finish(2, &done(300.0, 28_100.0, 52.0), green(29_000.0, 1));
        assert_eq!(race.summary(), None, "not over yet");
        race.finish(0, &done(200.0, 1_700.0, 1002.4), green(3_100.0, 2));
        race.finish(
            1,
            &done(250.0, 6_050.0, 147.0),
            Code::NeverPassed { attempts: 3 },
        );
        assert_eq!(race.order(), vec![0, 2]);
        assert_eq!(race.standings(), vec![Some(1), Some(0), Some(2)]);
        let summary = race.summary().expect("over");
        assert_eq!(
            summary.headline,
            "Spark reached working code in 3.1 s vs 29.0 s: 9.4x sooner."
        );
        assert_eq!(
            lines(&summary),
            [
                "1st Spark | working code in 3.1 s (2 attempts) · 1,002 tokens/s, done in 1.9 s | 9.4x sooner than the slowest",
                "2nd GPT-4o mini | working code in 29.0 s · 52 tokens/s, done in 28.4 s | took 9.4x as long as the winner",
                "- GPT-4o | never passed (3 attempts) · 147 tokens/s, done in 6.3 s | ",
            ]
        );
    }

    #[test]
    fn a_lone_green_lane_says_the_others_never_got_there() {
        let mut race = race3();
        race.finish(0, &done(100.0, 900.0, 1000.0), green(1_500.0, 1));
        race.finish(
            1,
            &done(100.0, 5_000.0, 147.0),
            Code::NeverPassed { attempts: 2 },
        );
        race.fail(2, "401 Unauthorized: check the endpoint's key");
        let summary = race.summary().expect("over");
        assert_eq!(
            summary.headline,
            "Spark reached working code in 1.5 s; the others never did."
        );
        assert_eq!(
            lines(&summary)[2],
            "- GPT-4o mini | failed: 401 Unauthorized: check the endpoint's key | "
        );
    }

    #[test]
    fn without_working_code_the_race_is_by_finish_time_and_says_so() {
        let mut race = Race::new(vec!["A".into(), "B".into(), "C".into(), "D".into()]);
        race.fail(0, "timed out");
        race.finish(1, &done(0.0, 2_400.0, 9.5), Code::Unjudged);
        race.finish(2, &done(0.0, 1_000.0, 20_000.0), Code::Unjudged);
        race.finish(
            3,
            &MeterSnapshot {
                final_rate: None,
                avg_rate: None,
                ..done(0.0, 1_020.0, 0.0)
            },
            Code::Unjudged,
        );
        let summary = race.summary().expect("over");
        assert_eq!(
            summary.headline,
            "C finished first in 1.0 s, 2.4x faster than the slowest."
        );
        assert_eq!(
            lines(&summary),
            [
                "1st C | 20,000 tokens/s, done in 1.0 s | 2.4x faster than the slowest",
                "2nd D | done in 1.0 s | 2.4x faster than the slowest",
                "3rd B | 9.5 tokens/s, done in 2.4 s | took 2.4x as long as the winner",
                "- A | failed: timed out | ",
            ]
        );

        let mut judged = Race::new(vec!["A".into(), "B".into()]);
        judged.finish(
            0,
            &done(0.0, 1_000.0, 1000.0),
            Code::NeverPassed { attempts: 3 },
        );
        judged.finish(1, &done(0.0, 1_030.0, 990.0), Code::Unjudged);
        let summary = judged.summary().expect("over");
        assert_eq!(
            summary.headline,
            "No model reached working code. A finished first in 1.0 s, about as fast as the slowest."
        );
        assert_eq!(summary.rows[1].comparison, "about as fast as the winner");
    }

    #[test]
    fn near_ties_read_as_ties_and_standings_follow_the_times() {
        let mut race = Race::new(vec!["A".into(), "B".into()]);
        race.finish(1, &done(0.0, 1_030.0, 990.0), green(1_230.0, 1));
        assert_eq!(race.standings(), vec![None, Some(1)]);
        // Lane 0 ends later but reached working code sooner: it takes first place.
        race.finish(0, &done(0.0, 1_000.0, 1000.0), green(1_200.0, 1));
        assert_eq!(race.standings(), vec![Some(1), Some(2)]);
        let summary = race.summary().expect("over");
        assert_eq!(
            summary.headline,
            "A reached working code in 1.2 s vs 1.2 s: about as soon."
        );
        assert_eq!(summary.rows[0].comparison, "about as soon as the slowest");
    }

    #[test]
    fn a_lane_without_tokens_fails_and_no_finisher_is_said_plainly() {
        let mut race = race3();
        race.finish(0, &MeterSnapshot::default(), Code::Unjudged);
        race.finish(1, &done(100.0, 900.0, 147.0), Code::Unjudged);
        race.fail(2, "stopped");
        assert_eq!(race.order(), vec![1]);
        let summary = race.summary().expect("over");
        assert_eq!(
            summary.headline,
            "GPT-4o finished in 1.0 s; the others did not finish."
        );
        assert_eq!(lines(&summary)[1], "- Spark | failed: no tokens arrived | ");

        let mut none = race3();
        (0..3).for_each(|i| none.fail(i, "offline"));
        let summary = none.summary().expect("over");
        assert_eq!(summary.headline, "No model finished.");
        assert!(summary.rows.iter().all(|r| r.place.is_none()));
        none.finish(7, &done(1.0, 1.0, 1.0), Code::Unjudged);
    }

    #[test]
    fn a_loops_end_becomes_the_lanes_code() {
        let green = Code::from_loop(
            Some(LoopEnd::Green {
                time_to_green_ms: 900.0,
            }),
            2,
        );
        assert_eq!(green.time_to_green_ms(), Some(900.0));
        assert_eq!(
            Code::from_loop(Some(LoopEnd::SameErrorTwice), 2),
            Code::NeverPassed { attempts: 2 }
        );
        for end in [
            None,
            Some(LoopEnd::NoCode),
            Some(LoopEnd::NotRun),
            Some(LoopEnd::Stopped),
        ] {
            assert_eq!(Code::from_loop(end, 1), Code::Unjudged, "{end:?}");
        }
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
