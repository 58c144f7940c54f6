//! A finished run's speed receipt (the final meter figures a share link carries and the
//! embed's `done` event reports, in one JSON form), and a chat turn's: who answered, and when.

use serde::{Deserialize, Serialize};

use crate::pages::clock::UtcOffset;
use crate::run::explain::grouped;
use crate::run::meter::MeterSnapshot;
use crate::run::paint::RenderFigures;

/// The final meter figures of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub ttft_ms: Option<f64>,
    pub tokens: u64,
    /// True when `tokens` is our estimate rather than the provider's usage figure.
    pub tokens_are_estimate: bool,
    /// From the first token to the last.
    pub elapsed_ms: Option<f64>,
    /// The network rate: tokens over the time from the first to the last text arriving.
    /// Share links made before the receipt had one form spell this `final_rate`.
    #[serde(alias = "final_rate")]
    pub tokens_per_second: Option<f64>,
    /// The provider's own figure, when it sent timing (`server_rate` in older share links).
    #[serde(alias = "server_rate")]
    pub server_tokens_per_second: Option<f64>,
    /// From Send to the first passing run of the turn's fix loop, when it went green (left
    /// out of the JSON otherwise, so older readers and the embed's event are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_green_ms: Option<f64>,
    /// With it, tokens of the working code per second of time to green (core's
    /// `FixLoop::effective_rate`), beside the raw rate of what the model sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_tokens_per_second: Option<f64>,
    /// The painted rate: tokens over the time from the first to the last text on the page.
    /// It and the two below are left out when unknown (receipts made before they existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub painted_tokens_per_second: Option<f64>,
    /// From a piece of text arriving to its being on the page, 95th percentile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_lag_p95_ms: Option<f64>,
    /// From the request's start to the first text on the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_first_paint_ms: Option<f64>,
}

impl Receipt {
    pub fn from_snapshot(s: &MeterSnapshot) -> Self {
        Self {
            ttft_ms: s.ttft_ms,
            tokens: s.tokens,
            tokens_are_estimate: s.tokens_are_estimate,
            elapsed_ms: s.elapsed_ms,
            tokens_per_second: s.final_rate.or(s.avg_rate),
            server_tokens_per_second: s.server_rate,
            time_to_green_ms: None,
            effective_tokens_per_second: None,
            painted_tokens_per_second: s.render.painted_rate,
            render_lag_p95_ms: s.render.render_lag_p95_ms,
            time_to_first_paint_ms: s.render.time_to_first_paint_ms,
        }
    }

    /// A meter snapshot showing these figures, for the meter view of a restored run.
    pub fn snapshot(&self) -> MeterSnapshot {
        MeterSnapshot {
            ttft_ms: self.ttft_ms,
            tokens: self.tokens,
            tokens_are_estimate: self.tokens_are_estimate,
            elapsed_ms: self.elapsed_ms,
            avg_rate: self.tokens_per_second,
            final_rate: self.tokens_per_second,
            server_rate: self.server_tokens_per_second,
            render: RenderFigures {
                time_to_first_paint_ms: self.time_to_first_paint_ms,
                painted_rate: self.painted_tokens_per_second,
                render_lag_p95_ms: self.render_lag_p95_ms,
            },
            ..MeterSnapshot::default()
        }
    }
}

/// A chat turn's receipt: the model and endpoint that answered, when, and how fast. Kept
/// with the turn in the browser's history, so it is read back from older saves too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnReceipt {
    pub model: String,
    /// The endpoint's id in this browser's list, to select it again on reopening.
    #[serde(default)]
    pub endpoint_id: String,
    /// Its name as shown, for share links.
    #[serde(default)]
    pub endpoint_name: String,
    /// When the answer ended (ms since the epoch).
    pub ended_ms: f64,
    pub figures: Receipt,
}

impl TurnReceipt {
    /// The rate shown for the turn: "998 tok/s", when there is one.
    pub fn speed(&self) -> Option<String> {
        self.figures
            .tokens_per_second
            .map(|rate| format!("{rate:.0} tok/s"))
    }

    /// Its fix loop's figures once green: "green in 1.4 s (effective 2,310 tok/s)".
    pub fn green(&self) -> Option<String> {
        let seconds = self.figures.time_to_green_ms? / 1000.0;
        Some(match self.figures.effective_tokens_per_second {
            Some(rate) => format!(
                "green in {seconds:.1} s (effective {} tok/s)",
                grouped(rate.round() as u64)
            ),
            None => format!("green in {seconds:.1} s"),
        })
    }

    /// One line for a folded turn: "demo-1000 · 450 tokens · TTFT 120 ms · 998 tok/s ·
    /// 0.45 s · 14:05" (≈ before an estimated count; figures that are unknown left out).
    pub fn line(&self, offset: UtcOffset) -> String {
        let figures = &self.figures;
        let approx = if figures.tokens_are_estimate {
            "≈ "
        } else {
            ""
        };
        let unit = if figures.tokens == 1 {
            "token"
        } else {
            "tokens"
        };
        let mut parts = vec![
            self.model.clone(),
            format!("{approx}{} {unit}", grouped(figures.tokens)),
        ];
        parts.extend(figures.ttft_ms.map(|ms| format!("TTFT {ms:.0} ms")));
        parts.extend(self.speed());
        parts.extend(figures.elapsed_ms.map(|ms| format!("{:.2} s", ms / 1000.0)));
        parts.extend(self.green());
        parts.push(offset.local(self.ended_ms).clock());
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn receipt() -> Receipt {
        Receipt {
            ttft_ms: Some(120.0),
            tokens: 450,
            tokens_are_estimate: false,
            elapsed_ms: Some(450.5),
            tokens_per_second: Some(998.5),
            server_tokens_per_second: Some(1020.0),
            time_to_green_ms: None,
            effective_tokens_per_second: None,
            painted_tokens_per_second: None,
            render_lag_p95_ms: None,
            time_to_first_paint_ms: None,
        }
    }

    #[test]
    fn the_render_figures_go_from_the_meter_into_the_json_and_back() {
        let snapshot = MeterSnapshot {
            tokens: 450,
            render: RenderFigures {
                time_to_first_paint_ms: Some(131.0),
                painted_rate: Some(990.0),
                render_lag_p95_ms: Some(17.5),
            },
            ..MeterSnapshot::default()
        };
        let receipt = Receipt::from_snapshot(&snapshot);
        let value = serde_json::to_value(receipt).expect("serialises");
        assert_eq!(value["painted_tokens_per_second"], json!(990.0));
        assert_eq!(value["render_lag_p95_ms"], json!(17.5));
        assert_eq!(value["time_to_first_paint_ms"], json!(131.0));
        let back: Receipt = serde_json::from_value(value).expect("reads back");
        assert_eq!(
            back.snapshot().render,
            snapshot.render,
            "a restored meter shows them"
        );
    }

    #[test]
    fn the_json_form_has_the_embeds_documented_field_names() {
        let value = serde_json::to_value(receipt()).expect("serialises");
        assert_eq!(
            value,
            json!({
                "ttft_ms": 120.0,
                "tokens": 450,
                "tokens_are_estimate": false,
                "elapsed_ms": 450.5,
                "tokens_per_second": 998.5,
                "server_tokens_per_second": 1020.0,
            })
        );
        let back: Receipt = serde_json::from_value(value).expect("reads back");
        assert_eq!(back, receipt());
    }

    #[test]
    fn the_older_share_link_form_still_reads() {
        let old = json!({
            "ttft_ms": 120.0,
            "tokens": 450,
            "tokens_are_estimate": false,
            "elapsed_ms": 450.5,
            "final_rate": 998.5,
            "server_rate": 1020.0,
        });
        let read: Receipt = serde_json::from_value(old).expect("an old receipt reads");
        assert_eq!(read, receipt());
    }

    #[test]
    fn a_green_turns_line_and_row_say_its_time_to_green_and_effective_rate() {
        let mut turn = TurnReceipt {
            model: "demo-1000".into(),
            endpoint_id: String::new(),
            endpoint_name: String::new(),
            ended_ms: 0.0,
            figures: Receipt {
                time_to_green_ms: Some(1840.0),
                ..receipt()
            },
        };
        assert_eq!(turn.green().as_deref(), Some("green in 1.8 s"));
        turn.figures.effective_tokens_per_second = Some(2309.6);
        assert_eq!(
            turn.green().as_deref(),
            Some("green in 1.8 s (effective 2,310 tok/s)")
        );
        assert!(turn
            .line(UtcOffset::default())
            .contains("· green in 1.8 s (effective 2,310 tok/s) ·"));
        turn.figures.time_to_green_ms = None;
        assert_eq!(turn.green(), None, "no loop, or not green: nothing to say");
    }

    #[test]
    fn a_turn_that_went_green_carries_its_time_to_green() {
        let green = Receipt {
            time_to_green_ms: Some(1840.0),
            ..receipt()
        };
        let value = serde_json::to_value(green).expect("serialises");
        assert_eq!(value["time_to_green_ms"], json!(1840.0));
        let back: Receipt = serde_json::from_value(value).expect("reads back");
        assert_eq!(back, green);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut value = serde_json::to_value(receipt()).expect("serialises");
        value["api_key"] = Value::from("sk-secret");
        assert!(serde_json::from_value::<Receipt>(value).is_err());
    }

    #[test]
    fn a_snapshot_round_trips_through_a_receipt() {
        let snapshot = MeterSnapshot {
            ttft_ms: Some(80.0),
            tokens: 33,
            tokens_are_estimate: true,
            elapsed_ms: Some(1000.0),
            avg_rate: Some(32.0),
            final_rate: Some(33.0),
            server_rate: None,
            ..MeterSnapshot::default()
        };
        let receipt = Receipt::from_snapshot(&snapshot);
        assert_eq!(receipt.tokens_per_second, Some(33.0), "the final rate wins");
        let restored = receipt.snapshot();
        assert_eq!(
            (restored.tokens, restored.final_rate, restored.avg_rate),
            (33, Some(33.0), Some(33.0))
        );
        let unfinished = MeterSnapshot {
            final_rate: None,
            ..snapshot
        };
        assert_eq!(
            Receipt::from_snapshot(&unfinished).tokens_per_second,
            Some(32.0),
            "without a final rate, the average"
        );
    }

    fn turn_receipt() -> TurnReceipt {
        TurnReceipt {
            model: "demo-1000".into(),
            endpoint_id: "demo".into(),
            endpoint_name: "Demo".into(),
            // 2026-12-05T06:35:00Z.
            ended_ms: 1_796_452_500_000.0,
            figures: receipt(),
        }
    }

    #[test]
    fn a_turns_receipt_reads_as_one_line() {
        let line = turn_receipt().line(UtcOffset::UTC);
        assert_eq!(
            line,
            "demo-1000 · 450 tokens · TTFT 120 ms · 998 tok/s · 0.45 s · 06:35"
        );
    }

    #[test]
    fn unknown_figures_are_left_out_and_estimates_marked() {
        let mut r = turn_receipt();
        r.figures = Receipt {
            tokens: 1,
            tokens_are_estimate: true,
            ..Receipt::default()
        };
        assert_eq!(r.line(UtcOffset::UTC), "demo-1000 · ≈ 1 token · 06:35");
        assert_eq!(r.speed(), None);
    }

    #[test]
    fn a_turns_receipt_round_trips_and_older_ones_lack_the_endpoint() {
        let r = turn_receipt();
        let back: TurnReceipt =
            serde_json::from_str(&serde_json::to_string(&r).expect("serialises")).expect("reads");
        assert_eq!(back, r);
        let older = json!({ "model": "m", "ended_ms": 5.0, "figures": receipt() });
        let read: TurnReceipt = serde_json::from_value(older).expect("reads without endpoint");
        assert_eq!(
            (read.endpoint_id.as_str(), read.endpoint_name.as_str()),
            ("", "")
        );
    }
}
