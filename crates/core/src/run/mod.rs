//! One streamed answer as it happens: bytes go in, the decoder's events update the text
//! waiting for the next frame, the meter and the outcome. No DOM here.

pub mod estimate;
pub mod explain;
pub mod meter;
pub mod paint;
pub mod reach;
pub mod receipt;
pub mod replay;
pub mod spec;

use crate::provider::ApiFormat;
use crate::run::meter::{Meter, MeterSnapshot};
use crate::run::paint::{PaintLog, Timeline};
use crate::stream::event::{ProviderError, StreamEvent, Usage};
use crate::stream::reduce::{merge_tool_delta, ToolCall};
use crate::stream::{StreamDecoder, StreamEnd};

/// Why the transport (the browser's fetch) did not complete normally.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The request never got a response: where it went and what is known of why.
    #[error("{0}")]
    Unreachable(reach::Unreachable),
    /// The endpoint answered with a non-2xx status; `body` is its error text as sent.
    #[error("HTTP {status}")]
    Status {
        status: u16,
        body: String,
        retry_after: Option<String>,
    },
    /// The user pressed Stop.
    #[error("stopped")]
    Aborted,
    /// The connection broke after the response started.
    #[error("the connection dropped mid-stream ({detail})")]
    Interrupted { detail: String },
}

/// How a run ended, for the status line.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The provider finished (`finish_reason` or an end marker).
    Finished { reason: Option<String> },
    /// The user pressed Stop; the partial answer stays.
    Stopped,
    /// Something went wrong; the partial answer stays.
    Failed(Failure),
}

/// What went wrong, in terms a user can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The request failed or the connection broke (an HTTP error status is [`Failure::Http`]).
    Transport(TransportError),
    /// The endpoint answered with an error status.
    Http {
        status: u16,
        /// The provider's message from the error body, read by the run's format.
        message: Option<String>,
        retry_after: Option<String>,
    },
    /// The provider sent an error inside the stream.
    InStream(ProviderError),
    /// The body ended without a finish reason or end marker.
    Cut,
}

impl Failure {
    /// A transport failure, an error status's body read by `format` for the provider's
    /// message.
    pub fn from_transport(error: TransportError, format: ApiFormat) -> Self {
        match error {
            TransportError::Status {
                status,
                body,
                retry_after,
            } => Self::Http {
                status,
                message: format.error_message(&body),
                retry_after,
            },
            error => Self::Transport(error),
        }
    }
}

/// What arrived beside the answer since the last frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SideChannels {
    pub reasoning: String,
    pub refusal: String,
    pub tool_calls_changed: bool,
    /// Messages that could not be decoded and were skipped.
    pub malformed: usize,
}

impl SideChannels {
    pub fn is_empty(&self) -> bool {
        self.reasoning.is_empty()
            && self.refusal.is_empty()
            && !self.tool_calls_changed
            && self.malformed == 0
    }
}

/// One run's decoder, meter, undisplayed text and outcome.
pub struct LiveRun {
    format: ApiFormat,
    decoder: StreamDecoder,
    meter: Meter,
    paint: PaintLog,
    events: Vec<StreamEvent>,
    /// Answer text decoded but not yet in the DOM; drained once per frame.
    pending: String,
    /// Characters of answer text so far, for a check of the whole against a recording.
    answer_chars: usize,
    /// The whole answer text so far, where the sandbox finds the code blocks to run.
    answer: String,
    side: SideChannels,
    tool_calls: Vec<ToolCall>,
    finish_reason: Option<String>,
    provider_error: Option<ProviderError>,
    outcome: Option<Outcome>,
}

impl LiveRun {
    pub fn new(format: ApiFormat, now_ms: f64) -> Self {
        let mut meter = Meter::new();
        meter.start(now_ms);
        Self {
            format,
            decoder: StreamDecoder::new(format),
            meter,
            paint: PaintLog::new(now_ms),
            events: Vec::new(),
            pending: String::new(),
            answer_chars: 0,
            answer: String::new(),
            side: SideChannels::default(),
            tool_calls: Vec::new(),
            finish_reason: None,
            provider_error: None,
            outcome: None,
        }
    }

    /// Decodes one body chunk that arrived at `now_ms`.
    pub fn feed(&mut self, now_ms: f64, bytes: &[u8]) {
        self.decoder.feed(bytes, &mut self.events);
        self.apply_events(now_ms);
    }

    /// A recorded answer's piece arriving again at `now_ms` (a replay: nothing to decode).
    pub fn replay_text(&mut self, now_ms: f64, text: &str) {
        self.events
            .push(StreamEvent::TextDelta { text: text.into() });
        self.apply_events(now_ms);
    }

    /// A replay ended at `now_ms` with the recorded token count, when it was the provider's.
    pub fn replay_finished(&mut self, now_ms: f64, output_tokens: Option<u64>) {
        if let Some(output_tokens) = output_tokens {
            self.events.push(StreamEvent::Usage(Usage {
                input_tokens: None,
                output_tokens: Some(output_tokens),
            }));
        }
        self.events.push(StreamEvent::Finish {
            reason: "stop".into(),
        });
        self.apply_events(now_ms);
        self.meter.end(now_ms);
        self.outcome = Some(Outcome::Finished {
            reason: self.finish_reason.take(),
        });
    }

    /// Records how the transport ended and settles the outcome.
    pub fn finish(&mut self, now_ms: f64, transport: Result<(), TransportError>) {
        let end = self.decoder.finish(&mut self.events);
        self.apply_events(now_ms);
        self.meter.end(now_ms);
        self.outcome = Some(self.settle(transport, end));
    }

    fn settle(&mut self, transport: Result<(), TransportError>, end: StreamEnd) -> Outcome {
        if let Some(error) = self.provider_error.take() {
            return Outcome::Failed(Failure::InStream(error));
        }
        match transport {
            Err(TransportError::Aborted) => Outcome::Stopped,
            Err(error) => Outcome::Failed(Failure::from_transport(error, self.format)),
            Ok(()) if end.is_complete() => Outcome::Finished {
                reason: self.finish_reason.take(),
            },
            Ok(()) => Outcome::Failed(Failure::Cut),
        }
    }

    fn apply_events(&mut self, now_ms: f64) {
        let mut events = std::mem::take(&mut self.events);
        for event in events.drain(..) {
            match event {
                StreamEvent::TextDelta { text } => {
                    self.meter.text(now_ms, &text);
                    self.answer_chars += text.chars().count();
                    self.pending.push_str(&text);
                    self.answer.push_str(&text);
                }
                StreamEvent::ReasoningDelta { text } => {
                    self.meter.text(now_ms, &text);
                    self.side.reasoning.push_str(&text);
                }
                StreamEvent::RefusalDelta { text } => {
                    self.meter.text(now_ms, &text);
                    self.side.refusal.push_str(&text);
                }
                StreamEvent::ToolCallDelta {
                    index,
                    id,
                    name,
                    arguments,
                } => {
                    self.meter.text(now_ms, &arguments);
                    merge_tool_delta(&mut self.tool_calls, index, &id, &name, &arguments);
                    self.side.tool_calls_changed = true;
                }
                StreamEvent::Malformed { .. } => self.side.malformed += 1,
                StreamEvent::Usage(usage) => self.meter.usage(now_ms, usage),
                StreamEvent::ServerTiming(timing) => self.meter.server_timing(timing),
                StreamEvent::Finish { reason } => self.finish_reason = Some(reason),
                StreamEvent::Error(error) => {
                    self.provider_error.get_or_insert(error);
                }
                StreamEvent::Done => {}
            }
        }
        self.paint.arrived(now_ms, self.answer.len() as u64);
        // Give the emptied vector back so its capacity is reused next chunk.
        self.events = events;
    }

    /// Takes the reasoning and refusal text that arrived since the last frame, and whether
    /// the tool calls changed.
    pub fn take_side_channels(&mut self) -> SideChannels {
        std::mem::take(&mut self.side)
    }

    /// The tool calls so far, arguments as raw JSON text (possibly cut short).
    pub fn tool_calls(&self) -> &[ToolCall] {
        &self.tool_calls
    }

    /// How many characters of answer text arrived in all.
    pub fn answer_chars(&self) -> usize {
        self.answer_chars
    }

    /// The whole answer text so far.
    pub fn answer_text(&self) -> &str {
        &self.answer
    }

    /// Takes the text that arrived since the last frame.
    pub fn take_pending(&mut self) -> String {
        std::mem::take(&mut self.pending)
    }

    /// At `now_ms` the first `shown` bytes of the answer are on the page.
    pub fn painted(&mut self, now_ms: f64, shown: u64) {
        self.paint.painted(now_ms, shown);
    }

    /// When each piece of the answer arrived, for a receipt that can be replayed.
    pub fn timeline(&self) -> Timeline {
        self.paint.timeline()
    }

    pub fn snapshot(&self, now_ms: f64) -> MeterSnapshot {
        let mut snapshot = self.meter.snapshot(now_ms);
        snapshot.render = self.paint.figures(snapshot.tokens);
        snapshot
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }
}

/// Tool calls as the UI shows them: a header line per call, then its arguments as the raw
/// JSON text received.
pub fn tool_calls_text(calls: &[ToolCall]) -> String {
    let mut text = String::new();
    for call in calls {
        let name = call.name.as_deref().unwrap_or("(unnamed)");
        let id = call
            .id
            .as_deref()
            .map(|id| format!(" [{id}]"))
            .unwrap_or_default();
        text.push_str(&format!("#{} {name}{id}\n{}\n", call.index, call.arguments));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat_chunk(delta: &str) -> String {
        format!(
            "data: {{\"choices\":[{{\"index\":0,\"delta\":{delta},\"finish_reason\":null}}]}}\n\n"
        )
    }

    /// "héllo world" in two chat chunks, then `end`.
    fn hello_world(end: &str) -> String {
        format!(
            "{}{}{end}",
            chat_chunk(r#"{"content":"héllo "}"#),
            chat_chunk(r#"{"content":"world"}"#)
        )
    }

    fn run_over(body: &str, transport: Result<(), TransportError>) -> LiveRun {
        let mut run = LiveRun::new(ApiFormat::OpenAiChat, 0.0);
        // Odd-sized pieces, as a network delivers them.
        for (i, piece) in body.as_bytes().chunks(5).enumerate() {
            run.feed(10.0 + i as f64, piece);
        }
        run.finish(1000.0, transport);
        run
    }

    #[test]
    fn a_complete_stream_finishes_with_its_reason_and_text() {
        let body = hello_world(
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
        );
        let mut run = run_over(&body, Ok(()));
        assert_eq!(run.take_pending(), "héllo world");
        assert_eq!(run.answer_text(), "héllo world", "the whole text stays");
        assert_eq!(run.answer_chars(), 11, "counted in characters, not bytes");
        assert_eq!(run.take_pending(), "", "pending text is taken once");
        assert_eq!(
            run.outcome(),
            Some(&Outcome::Finished {
                reason: Some("stop".into())
            })
        );
    }

    #[test]
    fn a_body_without_finish_or_done_is_a_cut() {
        let body = chat_chunk(r#"{"content":"partial"}"#);
        let mut run = run_over(&body, Ok(()));
        assert_eq!(run.take_pending(), "partial");
        assert_eq!(run.outcome(), Some(&Outcome::Failed(Failure::Cut)));
    }

    #[test]
    fn an_in_stream_error_wins_over_the_transport_result() {
        let body = format!(
            "{}data: {{\"error\":{{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}}}\n\n",
            chat_chunk(r#"{"content":"a"}"#)
        );
        let run = run_over(&body, Ok(()));
        match run.outcome() {
            Some(Outcome::Failed(Failure::InStream(e))) => assert_eq!(e.message, "Overloaded"),
            other => panic!("expected an in-stream error, got {other:?}"),
        }
    }

    #[test]
    fn a_runs_timeline_replays_into_the_same_answer_and_figures() {
        let body = hello_world("data: [DONE]\n\n");
        let mut run = run_over(&body, Ok(()));
        run.painted(1_100.0, run.answer_text().len() as u64);
        let recorded = run.snapshot(1_100.0);
        assert!(recorded.render.time_to_first_paint_ms.is_some());
        let timeline = run.timeline();
        assert!(timeline.arrivals().len() >= 2, "{timeline:?}");

        let mut replay = LiveRun::new(ApiFormat::OpenAiChat, 5_000.0);
        for (at_ms, piece) in timeline.pieces(run.answer_text()).expect("fits") {
            replay.replay_text(5_000.0 + at_ms, piece);
        }
        replay.replay_finished(5_000.0 + 1_000.0, Some(recorded.tokens));
        assert_eq!(replay.answer_text(), run.answer_text());
        assert_eq!(
            replay.timeline(),
            timeline,
            "the same arrivals, at the same times"
        );
        let replayed = replay.snapshot(6_000.0);
        assert_eq!(replayed.ttft_ms, recorded.ttft_ms);
        assert_eq!(replayed.final_rate, recorded.final_rate);
        assert!(matches!(replay.outcome(), Some(Outcome::Finished { .. })));
    }

    #[test]
    fn stop_and_transport_failures_keep_the_text() {
        let body = chat_chunk(r#"{"content":"kept"}"#);
        let mut stopped = run_over(&body, Err(TransportError::Aborted));
        assert_eq!(stopped.outcome(), Some(&Outcome::Stopped));
        assert_eq!(stopped.take_pending(), "kept");
        let dropped = TransportError::Interrupted {
            detail: "network error".into(),
        };
        let run = run_over(&body, Err(dropped.clone()));
        assert_eq!(
            run.outcome(),
            Some(&Outcome::Failed(Failure::Transport(dropped)))
        );
    }

    #[test]
    fn an_http_error_body_is_read_by_the_runs_format() {
        let status = |body: &str| TransportError::Status {
            status: 404,
            body: body.into(),
            retry_after: None,
        };
        let mut run = LiveRun::new(ApiFormat::Anthropic, 0.0);
        run.finish(
            5.0,
            Err(status(
                r#"{"type":"error","error":{"type":"not_found_error","message":"model: x"}}"#,
            )),
        );
        assert_eq!(
            run.outcome(),
            Some(&Outcome::Failed(Failure::Http {
                status: 404,
                message: Some("model: x".into()),
                retry_after: None
            }))
        );
        let empty = run_over("", Err(status("")));
        assert!(matches!(
            empty.outcome(),
            Some(Outcome::Failed(Failure::Http { message: None, .. }))
        ));
    }

    #[test]
    fn reasoning_refusal_tool_calls_and_malformed_are_kept_apart() {
        let body = [
            chat_chunk(r#"{"reasoning_content":"think "}"#),
            chat_chunk(r#"{"refusal":"I can't"}"#),
            chat_chunk(
                r#"{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":"{\"a\""}}]}"#,
            ),
            chat_chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}"#),
            "data: {not json\n\n".to_string(),
            "data: [DONE]\n\n".to_string(),
        ]
        .concat();
        let mut run = run_over(&body, Ok(()));
        assert_eq!(run.take_pending(), "");
        let side = run.take_side_channels();
        assert_eq!(side.reasoning, "think ");
        assert_eq!(side.refusal, "I can't");
        assert!(side.tool_calls_changed);
        assert_eq!(side.malformed, 1);
        assert!(run.take_side_channels().is_empty());
        let calls = run.tool_calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].name.as_deref(), Some("f"));
        assert_eq!(calls[0].arguments, "{\"a\":1}");
        assert_eq!(
            tool_calls_text(run.tool_calls()),
            "#0 f [call_1]\n{\"a\":1}\n"
        );
        assert!(matches!(run.outcome(), Some(Outcome::Finished { .. })));
    }
}
