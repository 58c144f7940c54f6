//! `test/fixture/<path>`: replays a recorded provider response byte for byte, in small
//! odd-sized chunks, so clients meet every awkward split point a network can produce.

use std::{
    path::{Component, Path, PathBuf},
    time::Duration,
};

use axum::{
    body::Body,
    http::header,
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use crate::{api::request::ReplayOptions, error::ApiError, sse};

/// Streams the fixture at `relative` (inside `fixtures_dir`) as its format's content type.
pub async fn replay<G: Send + 'static>(
    fixtures_dir: &Path,
    relative: &str,
    options: ReplayOptions,
    shutdown: CancellationToken,
    guard: G,
) -> Result<Response, ApiError> {
    let path = resolve(fixtures_dir, relative)?;
    let bytes = Bytes::from(
        tokio::fs::read(&path)
            .await
            .map_err(|_| ApiError::FixtureNotFound(relative.to_owned()))?,
    );
    let content_type = content_type(&path);
    // An SSE client gets the same final event as for live streams when the server stops.
    let on_shutdown = if content_type == sse::CONTENT_TYPE {
        sse::shutdown_event()
    } else {
        Bytes::new()
    };
    let delay = Duration::from_millis(options.chunk_delay_ms);
    let replay = Replay {
        bytes,
        offset: 0,
        shutdown,
        on_shutdown,
        _guard: guard,
    };
    let chunks = futures_util::stream::unfold(replay, move |mut replay| async move {
        let chunk = replay.next(options.chunk_bytes, delay).await?;
        Some((Ok::<_, std::convert::Infallible>(chunk), replay))
    });
    Ok((
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(chunks),
    )
        .into_response())
}

struct Replay<G> {
    bytes: Bytes,
    offset: usize,
    shutdown: CancellationToken,
    on_shutdown: Bytes,
    _guard: G,
}

impl<G> Replay<G> {
    /// The next slice after `delay` (none before the first), or the shutdown event.
    async fn next(&mut self, size: usize, delay: Duration) -> Option<Bytes> {
        if self.offset >= self.bytes.len() {
            return None;
        }
        if self.offset > 0 && !delay.is_zero() {
            tokio::select! {
                biased;
                () = self.shutdown.cancelled() => {
                    self.offset = self.bytes.len();
                    return Some(std::mem::take(&mut self.on_shutdown));
                }
                () = tokio::time::sleep(delay) => {}
            }
        }
        let end = (self.offset + size).min(self.bytes.len());
        let chunk = self.bytes.slice(self.offset..end);
        self.offset = end;
        Some(chunk)
    }
}

/// `fixtures_dir/relative`, refusing anything that could leave `fixtures_dir`: absolute
/// paths, `..`, and symlinks pointing outside.
fn resolve(fixtures_dir: &Path, relative: &str) -> Result<PathBuf, ApiError> {
    let invalid = || ApiError::InvalidParam {
        param: Some("model".into()),
        message: format!("Invalid fixture path `{relative}`: use a relative path without `..`."),
    };
    let candidate = Path::new(relative);
    if !candidate
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
    {
        return Err(invalid());
    }
    let not_found = || ApiError::FixtureNotFound(relative.to_owned());
    let root = fixtures_dir.canonicalize().map_err(|_| not_found())?;
    let path = root
        .join(candidate)
        .canonicalize()
        .map_err(|_| not_found())?;
    if !path.starts_with(&root) {
        return Err(invalid());
    }
    Ok(path)
}

/// The content type a provider sends for this recording's format.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("sse") => "text/event-stream",
        Some("ndjson" | "jsonl") => "application/x-ndjson",
        Some("json") => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_fixtures() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.sse"), "data: 1\n\n").expect("write");
        assert!(resolve(dir.path(), "a.sse").is_ok());
        for bad in ["../a.sse", "/etc/passwd", "x/../../a.sse", "./a.sse"] {
            assert!(
                matches!(resolve(dir.path(), bad), Err(ApiError::InvalidParam { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            resolve(dir.path(), "missing.sse"),
            Err(ApiError::FixtureNotFound(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlinks_out_of_the_fixtures() {
        let outside = tempfile::tempdir().expect("temp dir");
        std::fs::write(outside.path().join("secret"), "x").expect("write");
        let dir = tempfile::tempdir().expect("temp dir");
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("link.sse"))
            .expect("symlink");
        assert!(matches!(
            resolve(dir.path(), "link.sse"),
            Err(ApiError::InvalidParam { .. })
        ));
    }

    #[test]
    fn content_type_follows_the_format() {
        assert_eq!(content_type(Path::new("a/b.sse")), "text/event-stream");
        assert_eq!(content_type(Path::new("b.ndjson")), "application/x-ndjson");
    }
}
