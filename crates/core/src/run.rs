//! One streamed answer as it happens: bytes go in, the decoder's events update the text
//! waiting for the next frame, the meter and the outcome. No DOM here.

use crate::decode::ApiFormat;
use crate::event::{ProviderError, StreamEvent};
use crate::meter::{Meter, MeterSnapshot};
use crate::stream::{StreamDecoder, StreamEnd};

/// Why the transport (the browser's fetch) did not complete normally.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The request never got a response: offline, refused, or blocked by CORS (the browser
    /// does not tell these apart).
    #[error("could not reach the endpoint ({detail})")]
    Unreachable { detail: String },
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
    Transport(TransportError),
    /// The provider sent an error inside the stream.
    InStream(ProviderError),
    /// The body ended without a finish reason or end marker.
    Cut,
}

/// One run's decoder, meter, undisplayed text and outcome.
pub struct LiveRun {
    decoder: StreamDecoder,
    meter: Meter,
    events: Vec<StreamEvent>,
    /// Answer text decoded but not yet in the DOM; drained once per frame.
    pending: String,
    finish_reason: Option<String>,
    provider_error: Option<ProviderError>,
    outcome: Option<Outcome>,
}

impl LiveRun {
    pub fn new(format: ApiFormat, now_ms: f64) -> Self {
        let mut meter = Meter::new();
        meter.start(now_ms);
        Self {
            decoder: StreamDecoder::new(format),
            meter,
            events: Vec::new(),
            pending: String::new(),
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
            Err(error) => Outcome::Failed(Failure::Transport(error)),
            Ok(()) if end.is_complete() => Outcome::Finished {
                reason: self.finish_reason.take(),
            },
            Ok(()) => Outcome::Failed(Failure::Cut),
        }
    }

    fn apply_events(&mut self, now_ms: f64) {
        for event in self.events.drain(..) {
            match event {
                StreamEvent::TextDelta { text } => {
                    self.meter.text(now_ms, &text);
                    self.pending.push_str(&text);
                }
                StreamEvent::ReasoningDelta { text } | StreamEvent::RefusalDelta { text } => {
                    self.meter.text(now_ms, &text);
                }
                StreamEvent::Usage(usage) => self.meter.usage(now_ms, usage),
                StreamEvent::ServerTiming(timing) => self.meter.server_timing(timing),
                StreamEvent::Finish { reason } => self.finish_reason = Some(reason),
                StreamEvent::Error(error) => {
                    self.provider_error.get_or_insert(error);
                }
                StreamEvent::ToolCallDelta { .. }
                | StreamEvent::Done
                | StreamEvent::Malformed { .. } => {}
            }
        }
    }

    /// Takes the text that arrived since the last frame.
    pub fn take_pending(&mut self) -> String {
        std::mem::take(&mut self.pending)
    }

    pub fn snapshot(&self, now_ms: f64) -> MeterSnapshot {
        self.meter.snapshot(now_ms)
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }
}
