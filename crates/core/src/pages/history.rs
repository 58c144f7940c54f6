//! Saved sessions for the history list: a chat's turns with their receipts, its title and time,
//! kept as JSON in the browser, listed newest first; a damaged record is an error, not a panic.

use serde::{Deserialize, Serialize};

use crate::pages::clock::UtcOffset;
use crate::pages::compare::record::Comparison;
use crate::pages::conversation::Turn;
use crate::run::receipt::TurnReceipt;

/// How long a title made from a prompt may be, in characters.
const TITLE_CHARS: usize = 60;

/// One saved chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub title: String,
    pub model: String,
    /// When it was last saved (ms since the epoch).
    pub saved_ms: f64,
    pub turns: Vec<Turn>,
    /// A comparison instead of a chat (its turns are then empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

#[derive(Debug, thiserror::Error)]
#[error("a saved session could not be read: {0}")]
pub struct HistoryError(#[from] serde_json::Error);

impl Session {
    pub fn to_json(&self) -> String {
        // A struct of strings, numbers and lists always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, HistoryError> {
        Ok(serde_json::from_str(text)?)
    }

    /// The receipt of the last turn that has one.
    pub fn last_receipt(&self) -> Option<&TurnReceipt> {
        self.turns.iter().rev().find_map(|t| t.receipt.as_ref())
    }

    /// The row's details: "demo-1000 · 998 tok/s · 2 turns · 5 Dec 2026, 14:05" (the speed
    /// is the last turn's, left out when unknown, as in chats saved before receipts).
    pub fn details(&self, offset: UtcOffset) -> String {
        let when = offset.local(self.saved_ms).date_and_clock();
        if let Some(comparison) = &self.comparison {
            let verdict = comparison.summary().map(|s| s.headline).unwrap_or_default();
            return format!("{verdict} · {when}");
        }
        let receipt = self.last_receipt();
        let model = receipt.map_or(self.model.as_str(), |r| r.model.as_str());
        let mut parts = vec![model.to_string()];
        parts.extend(receipt.and_then(TurnReceipt::speed));
        parts.extend(receipt.and_then(TurnReceipt::green));
        if self.turns.len() != 1 {
            parts.push(format!("{} turns", self.turns.len()));
        }
        parts.push(when);
        parts.join(" · ")
    }
}

/// A title from a prompt: its first non-blank line, cut at a character boundary.
pub fn title_from(prompt: &str) -> String {
    let line = prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("Untitled");
    let mut title: String = line.chars().take(TITLE_CHARS).collect();
    if line.chars().count() > TITLE_CHARS {
        title.push('…');
    }
    title
}

/// Sessions newest first.
pub fn newest_first(sessions: &mut [Session]) {
    sessions.sort_by(|a, b| b.saved_ms.total_cmp(&a.saved_ms));
}

/// The list after `session` was saved: it replaces the one with its id, or joins the list,
/// newest first (what reading every session back would give, without reading them).
pub fn upsert(sessions: &mut Vec<Session>, session: Session) {
    match sessions.iter_mut().find(|s| s.id == session.id) {
        Some(old) => *old = session,
        None => sessions.push(session),
    }
    newest_first(sessions);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::receipt::Receipt;

    fn session(id: &str, saved_ms: f64) -> Session {
        Session {
            id: id.into(),
            title: "t".into(),
            model: "demo-1000".into(),
            saved_ms,
            turns: vec![Turn {
                prompt: "p".into(),
                answer: "a ✓".into(),
                receipt: Some(TurnReceipt {
                    model: "demo-52".into(),
                    endpoint_id: "demo".into(),
                    endpoint_name: "Demo".into(),
                    ended_ms: saved_ms,
                    figures: Receipt {
                        tokens: 40,
                        tokens_per_second: Some(51.6),
                        ..Receipt::default()
                    },
                }),
            }],
            comparison: None,
        }
    }

    #[test]
    fn a_session_round_trips_through_json() {
        let s = session("1", 5.0);
        assert_eq!(Session::from_json(&s.to_json()).unwrap(), s);
    }

    #[test]
    fn a_saved_comparison_round_trips_and_its_row_gives_the_verdict() {
        use crate::pages::compare::race::Lane;
        use crate::pages::compare::record::ComparedLane;
        let lane = |name: &str| ComparedLane {
            name: name.into(),
            model: name.into(),
            endpoint_name: "Demo".into(),
            receipt: Receipt::default(),
            answer: String::new(),
            outcome: Lane::Failed {
                reason: "offline".into(),
            },
        };
        let saved = Session {
            turns: Vec::new(),
            comparison: Some(Comparison {
                prompt: "p".into(),
                checks: String::new(),
                lanes: vec![lane("a"), lane("b")],
            }),
            ..session("c", 1_796_452_500_000.0)
        };
        assert_eq!(Session::from_json(&saved.to_json()).unwrap(), saved);
        assert_eq!(
            saved.details(UtcOffset::UTC),
            "No model finished. · 5 Dec 2026, 06:35"
        );
    }

    #[test]
    fn a_damaged_record_is_an_error() {
        assert!(Session::from_json("{\"id\": 3").is_err());
        assert!(Session::from_json("{}").is_err());
    }

    #[test]
    fn titles_come_from_the_first_line_and_are_cut() {
        assert_eq!(title_from("\n  Write a clock \nin red"), "Write a clock");
        assert_eq!(title_from("   "), "Untitled");
        let long = "é".repeat(70);
        let title = title_from(&long);
        assert_eq!(title.chars().count(), TITLE_CHARS + 1);
        assert!(title.ends_with('…'));
    }

    #[test]
    fn a_saved_session_replaces_its_older_version_and_goes_first() {
        let mut all = vec![session("b", 3.0), session("a", 1.0)];
        let mut renamed = session("a", 4.0);
        renamed.title = "renamed".into();
        upsert(&mut all, renamed);
        upsert(&mut all, session("c", 2.0));
        let list: Vec<(&str, &str)> = all
            .iter()
            .map(|s| (s.id.as_str(), s.title.as_str()))
            .collect();
        assert_eq!(list, [("a", "renamed"), ("b", "t"), ("c", "t")]);
    }

    #[test]
    fn newest_first_sorts_by_save_time() {
        let mut all = vec![session("a", 1.0), session("b", 3.0), session("c", 2.0)];
        newest_first(&mut all);
        let ids: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "a"]);
    }

    #[test]
    fn a_session_saved_before_receipts_still_reads() {
        let old = r#"{"id":"s1","title":"Clock","model":"demo-1000","saved_ms":1796452500000,
            "turns":[{"prompt":"p","answer":"a"}]}"#;
        let read = Session::from_json(old).expect("an old session reads");
        assert_eq!(read.turns[0].receipt, None);
        assert_eq!(read.last_receipt(), None);
        assert_eq!(
            read.details(UtcOffset::UTC),
            "demo-1000 · 5 Dec 2026, 06:35"
        );
    }

    #[test]
    fn details_name_the_last_turns_model_and_speed() {
        let mut s = session("1", 1_796_452_500_000.0);
        assert_eq!(
            s.details(UtcOffset::UTC),
            "demo-52 · 52 tok/s · 5 Dec 2026, 06:35"
        );
        s.turns.push(Turn {
            prompt: "again".into(),
            answer: "stopped".into(),
            receipt: None,
        });
        assert_eq!(
            s.details(UtcOffset::minutes_east(60)),
            "demo-52 · 52 tok/s · 2 turns · 5 Dec 2026, 07:35"
        );
    }
}
