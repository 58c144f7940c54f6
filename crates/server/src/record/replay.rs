//! Plays a recording back as model `replay/NAME`: the same bytes at the same offsets
//! from the request as when recorded, on an absolute clock so delays do not add up.

use std::{path::Path, time::Duration};

use axum::{
    body::Body,
    http::header,
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use bytes::Bytes;
use tokio::time::{sleep_until, Instant};
use tokio_util::sync::CancellationToken;

use super::{valid_name, ChunkLine, Header};
use crate::{api::error::ApiError, sse};

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
    let text = tokio::fs::read_to_string(dir.join(format!("{name}.jsonl")))
        .await
        .map_err(|_| ApiError::RecordingNotFound(name.to_owned()))?;
    let invalid = |reason: String| ApiError::RecordingInvalid {
        name: name.to_owned(),
        reason,
    };
    let mut lines = text.lines();
    let header: Header = serde_json::from_str(lines.next().unwrap_or_default())
        .map_err(|e| invalid(format!("header: {e}")))?;
    let chunks = lines
        .enumerate()
        .map(|(index, line)| {
            let chunk: ChunkLine = serde_json::from_str(line)
                .map_err(|e| invalid(format!("line {}: {e}", index + 2)))?;
            let bytes = STANDARD
                .decode(&chunk.b64)
                .map_err(|e| invalid(format!("line {}: {e}", index + 2)))?;
            let offset = Duration::try_from_secs_f64(chunk.t_ms / 1000.0)
                .map_err(|e| invalid(format!("line {}: {e}", index + 2)))?;
            Ok((offset, Bytes::from(bytes)))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;

    let is_sse = header.content_type.starts_with(sse::CONTENT_TYPE);
    let start = Instant::now();
    let body = futures_util::stream::unfold(
        (chunks.into_iter(), shutdown, guard, false),
        move |(mut chunks, shutdown, guard, ended)| async move {
            if ended {
                return None;
            }
            let (offset, bytes) = chunks.next()?;
            tokio::select! {
                biased;
                () = shutdown.cancelled() => {
                    // An SSE client gets the same final event as for live streams.
                    let last = if is_sse { sse::shutdown_event() } else { Bytes::new() };
                    return Some((Ok::<_, std::convert::Infallible>(last), (chunks, shutdown, guard, true)));
                }
                () = sleep_until(start + offset) => {}
            }
            Some((Ok(bytes), (chunks, shutdown, guard, false)))
        },
    );
    Ok((
        [(header::CONTENT_TYPE, header.content_type.clone())],
        Body::from_stream(body),
    )
        .into_response())
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
    use tokio::io::AsyncBufReadExt;
    let file = tokio::fs::File::open(path).await.ok()?;
    let mut line = String::new();
    tokio::io::BufReader::new(file)
        .read_line(&mut line)
        .await
        .ok()?;
    serde_json::from_str(&line).ok()
}
