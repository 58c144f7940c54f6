//! Plays a recording back as model `replay/NAME`: the same bytes at the same offsets
//! from the request as when recorded, read from disk line by line as they fall due.

use std::{path::Path, time::Duration};

use axum::{
    body::Body,
    http::header,
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use bytes::Bytes;
use tokio::{
    fs::File,
    io::{AsyncBufReadExt, AsyncReadExt, BufReader},
    time::{sleep_until, Instant},
};
use tokio_util::sync::CancellationToken;

use super::{valid_name, ChunkLine, Header};
use crate::{error::ApiError, sse};

/// The longest line read: a chunk line holds one upstream chunk in base64, far smaller.
const MAX_LINE_BYTES: u64 = 16 * 1024 * 1024;

/// The latest offset a chunk may have; later ones (or non-numbers) make the file invalid.
const MAX_OFFSET: Duration = Duration::from_secs(24 * 60 * 60);

/// Streams recording `name` from `dir`.
pub async fn play<G: Send + 'static>(
    dir: &Path,
    name: &str,
    shutdown: CancellationToken,
    guard: G,
) -> Result<Response, ApiError> {
    if !valid_name(name) {
        return Err(ApiError::RecordingNotFound(name.to_owned()));
    }
    let file = File::open(dir.join(format!("{name}.jsonl")))
        .await
        .map_err(|_| ApiError::RecordingNotFound(name.to_owned()))?;
    let mut lines = Lines {
        reader: BufReader::new(file),
        number: 0,
    };
    let invalid = |reason: String| ApiError::RecordingInvalid {
        name: name.to_owned(),
        reason,
    };
    let header: Header = match lines.next().await {
        Ok(Some(line)) => {
            serde_json::from_str(&line).map_err(|e| invalid(format!("header: {e}")))?
        }
        Ok(None) => return Err(invalid("the file is empty".into())),
        Err(reason) => return Err(invalid(reason)),
    };
    let is_sse = header.content_type.starts_with(sse::CONTENT_TYPE);
    if !is_sse && !header.content_type.starts_with("application/json") {
        return Err(ApiError::UpstreamBadType {
            upstream: format!("replay/{name}"),
            status: 200,
            content_type: header.content_type.chars().take(100).collect(),
        });
    }
    let player = Player {
        lines,
        start: Instant::now(),
        shutdown,
        is_sse,
        ended: false,
        _guard: guard,
    };
    let body = futures_util::stream::unfold(player, |mut player| async move {
        let item = player.next().await?;
        Some((item, player))
    });
    Ok((
        [(header::CONTENT_TYPE, header.content_type.clone())],
        Body::from_stream(body),
    )
        .into_response())
}

/// A recording's lines, each read within `MAX_LINE_BYTES`.
struct Lines {
    reader: BufReader<File>,
    number: usize,
}

impl Lines {
    async fn next(&mut self) -> Result<Option<String>, String> {
        self.number += 1;
        let mut line = Vec::new();
        let read = (&mut self.reader)
            .take(MAX_LINE_BYTES)
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| format!("line {}: {e}", self.number))?;
        if read == 0 {
            return Ok(None);
        }
        if line.last() != Some(&b'\n') && read as u64 == MAX_LINE_BYTES {
            return Err(format!("line {} is too long", self.number));
        }
        String::from_utf8(line)
            .map(Some)
            .map_err(|_| format!("line {} is not UTF-8", self.number))
    }

    /// The next chunk and its offset from the start.
    async fn chunk(&mut self) -> Result<Option<(Duration, Bytes)>, String> {
        let Some(line) = self.next().await? else {
            return Ok(None);
        };
        let number = self.number;
        let chunk: ChunkLine =
            serde_json::from_str(&line).map_err(|e| format!("line {number}: {e}"))?;
        let bytes = STANDARD
            .decode(&chunk.b64)
            .map_err(|e| format!("line {number}: {e}"))?;
        let offset = Duration::try_from_secs_f64(chunk.t_ms / 1000.0)
            .ok()
            .filter(|offset| *offset <= MAX_OFFSET)
            .ok_or_else(|| format!("line {number}: time {} ms is out of range", chunk.t_ms))?;
        Ok(Some((offset, Bytes::from(bytes))))
    }
}

/// The body error that makes hyper abort a JSON replay that cannot be finished.
#[derive(Debug, thiserror::Error)]
#[error("recording cannot be played further")]
struct Broken;

struct Player<G> {
    lines: Lines,
    start: Instant,
    shutdown: CancellationToken,
    is_sse: bool,
    ended: bool,
    _guard: G,
}

impl<G> Player<G> {
    async fn next(&mut self) -> Option<Result<Bytes, Broken>> {
        if self.ended {
            return None;
        }
        let (offset, bytes) = match self.lines.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return None,
            Err(reason) => {
                tracing::warn!(%reason, "recording cannot be played further");
                return self.end_with(sse::error_event(
                    &format!("the recording is damaged: {reason}"),
                    "server_error",
                ));
            }
        };
        // `MAX_OFFSET` keeps this far from overflow; checked all the same.
        let due = self.start.checked_add(offset).unwrap_or(self.start);
        tokio::select! {
            biased;
            () = self.shutdown.cancelled() => {
                // An SSE client gets the same final event as for live streams.
                return self.end_with(sse::shutdown_event());
            }
            () = sleep_until(due) => {}
        }
        Some(Ok(bytes))
    }

    /// Ends with `event` for SSE; aborts a JSON body, which cannot carry one.
    fn end_with(&mut self, event: Bytes) -> Option<Result<Bytes, Broken>> {
        self.ended = true;
        Some(if self.is_sse { Ok(event) } else { Err(Broken) })
    }
}

/// Every playable recording in `dir` with its header, newest first. Unreadable files
/// are skipped: the list is for choosing, and playing one reports its problem.
pub async fn list_recordings(dir: &Path) -> Vec<(String, Header)> {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return Vec::new();
    };
    let mut found = Vec::new();
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".jsonl"))
            .filter(|n| valid_name(n))
            .map(str::to_owned)
        else {
            continue;
        };
        if let Some(header) = read_header(&path).await {
            found.push((name, header));
        }
    }
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found
}

async fn read_header(path: &Path) -> Option<Header> {
    let file = File::open(path).await.ok()?;
    let mut lines = Lines {
        reader: BufReader::new(file),
        number: 0,
    };
    serde_json::from_str(&lines.next().await.ok()??).ok()
}
