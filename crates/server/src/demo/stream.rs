//! Plays one simulated answer as a stream of pieces: tokens yielded when due (all tokens
//! due by now in one piece), then the end; or a cut or stall for tests.

use std::time::Duration;

use futures_util::Stream;
use tokio::time::{sleep_until, Instant};
use tokio_util::sync::CancellationToken;

use super::Playback;

/// How long a cut waits after the last piece.
const CUT_DELAY: Duration = Duration::from_millis(50);

/// How a stream ends after its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The answer's end.
    Complete,
    /// Drop the connection after this many tokens, with no end.
    CutAfter(usize),
    /// Stop sending after this many tokens but keep the connection open.
    StallAfter(usize),
}

/// What a playing answer yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoEvent {
    /// New text; `tokens` counts every token sent so far, these included.
    Text { piece: String, tokens: usize },
    /// Every token was sent.
    Finished,
    /// A cut: the transport should drop the connection now.
    Cut,
    /// The server is shutting down; nothing more comes.
    Shutdown,
}

impl Playback {
    /// The answer's pieces as they fall due; `shutdown` ends it early.
    pub fn events(
        self,
        ending: Ending,
        shutdown: CancellationToken,
    ) -> impl Stream<Item = DemoEvent> + Send + 'static {
        let player = Player {
            playback: self,
            ending,
            shutdown,
            sent_tokens: 0,
            sent_bytes: 0,
            ended: false,
        };
        futures_util::stream::unfold(player, |mut player| async move {
            let event = player.next_event().await?;
            Some((event, player))
        })
    }
}

struct Player {
    playback: Playback,
    ending: Ending,
    shutdown: CancellationToken,
    sent_tokens: usize,
    sent_bytes: usize,
    ended: bool,
}

impl Player {
    async fn next_event(&mut self) -> Option<DemoEvent> {
        if self.ended {
            return None;
        }
        let total = self.playback.answer.tokens;
        let stop_early = match self.ending {
            Ending::Complete => None,
            Ending::CutAfter(n) | Ending::StallAfter(n) => Some(n.min(total)),
        };
        loop {
            if stop_early.is_some_and(|n| self.sent_tokens >= n) {
                self.ended = true;
                if let Ending::CutAfter(_) = self.ending {
                    // Waiting first lets the transport flush the pieces already yielded:
                    // a cut right behind them would drop them unsent.
                    tokio::time::sleep(CUT_DELAY).await;
                    return Some(DemoEvent::Cut);
                }
                // A stall holds the connection until the server shuts down.
                self.shutdown.cancelled().await;
                return Some(DemoEvent::Shutdown);
            }
            if self.sent_tokens >= total {
                self.ended = true;
                return Some(DemoEvent::Finished);
            }
            let due = self.playback.schedule.due(self.sent_tokens);
            tokio::select! {
                biased;
                () = self.shutdown.cancelled() => {
                    self.ended = true;
                    return Some(DemoEvent::Shutdown);
                }
                () = sleep_until(due) => {}
            }
            if let Some(event) = self.due_tokens(stop_early.unwrap_or(total)) {
                return Some(event);
            }
        }
    }

    /// Every token due by now, up to `last`, as one piece. Returns `None` when those
    /// tokens end inside a character: their bytes go out with the next piece.
    fn due_tokens(&mut self, last: usize) -> Option<DemoEvent> {
        let now = Instant::now();
        let schedule = &self.playback.schedule;
        let mut tokens = self.sent_tokens + 1;
        while tokens < last && schedule.due(tokens) <= now {
            tokens += 1;
        }
        self.sent_tokens = tokens;
        let text = self.playback.answer.text.text_of_first(tokens);
        let piece = text.get(self.sent_bytes..).filter(|p| !p.is_empty())?;
        self.sent_bytes = text.len();
        Some(DemoEvent::Text {
            piece: piece.to_owned(),
            tokens,
        })
    }
}
