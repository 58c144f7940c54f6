//! Writes each proxied stream to `<record_dir>/<name>.jsonl` as it passes through, within
//! caps on the folder's files and bytes. A background task writes, so a slow disk never
//! slows the stream.

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
};

use base64::{engine::general_purpose::STANDARD, Engine};
use tokio::{io::AsyncWriteExt, sync::mpsc, time::Instant};

use super::{ChunkLine, Header};
use crate::clock::unix_seconds;

/// The record directory and what it holds, shared by every recording.
#[derive(Debug, Clone)]
pub struct Recorder {
    dir: PathBuf,
    max_files: usize,
    max_bytes: u64,
    usage: Arc<Usage>,
}

#[derive(Debug, Default)]
struct Usage {
    files: AtomicUsize,
    bytes: AtomicU64,
    /// Whether the "full" warning was logged, so a full folder logs once, not per stream.
    warned: AtomicBool,
}

impl Recorder {
    /// Counts what `dir` already holds, so the caps cover earlier runs' recordings too.
    pub fn new(dir: PathBuf, max_files: usize, max_bytes: u64) -> Self {
        let usage = Usage::default();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                if entry.path().extension().is_some_and(|e| e == "jsonl") {
                    usage.files.fetch_add(1, Ordering::Relaxed);
                    let size = entry.metadata().map_or(0, |m| m.len());
                    usage.bytes.fetch_add(size, Ordering::Relaxed);
                }
            }
        }
        Self {
            dir,
            max_files,
            max_bytes,
            usage: Arc::new(usage),
        }
    }

    /// Starts recording a stream of `model` whose request was sent at `started`.
    /// Recording is best effort: when the folder is full or the header cannot be
    /// written the stream goes on unrecorded (logged).
    pub fn start(
        &self,
        model: &str,
        format: &str,
        content_type: &str,
        started: Instant,
    ) -> Option<Recording> {
        let created = unix_seconds();
        let name = file_name(model, (created * 1000.0) as u64);
        let header = Header {
            model: model.to_owned(),
            format: format.to_owned(),
            created: created as u64,
            content_type: content_type.to_owned(),
        };
        let header = match serde_json::to_string(&header) {
            Ok(line) => line,
            Err(error) => {
                tracing::warn!(%error, "cannot encode recording header");
                return None;
            }
        };
        let files = self.usage.files.fetch_add(1, Ordering::Relaxed);
        if files >= self.max_files || !self.reserve(header.len() as u64 + 1) {
            self.usage.files.fetch_sub(1, Ordering::Relaxed);
            self.warn_full();
            return None;
        }
        let (lines, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write(
            self.dir.join(format!("{name}.jsonl")),
            header,
            receiver,
        ));
        Some(Recording {
            name,
            started,
            lines,
            recorder: self.clone(),
            stopped: AtomicBool::new(false),
        })
    }

    /// Takes `bytes` from the folder's budget, or returns false when they do not fit.
    fn reserve(&self, bytes: u64) -> bool {
        let before = self.usage.bytes.fetch_add(bytes, Ordering::Relaxed);
        if before.saturating_add(bytes) > self.max_bytes {
            self.usage.bytes.fetch_sub(bytes, Ordering::Relaxed);
            return false;
        }
        true
    }

    fn warn_full(&self) {
        if !self.usage.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                dir = %self.dir.display(),
                max_files = self.max_files,
                max_bytes = self.max_bytes,
                "record directory is full; streams go unrecorded until recordings are removed \
                 and the server restarted"
            );
        }
    }
}

/// An open recording; the file is complete once this is dropped and the task flushed.
#[derive(Debug)]
pub struct Recording {
    name: String,
    started: Instant,
    lines: mpsc::UnboundedSender<String>,
    recorder: Recorder,
    /// Set when the folder ran out of room: the rest of the stream goes unrecorded.
    stopped: AtomicBool,
}

impl Recording {
    /// The name `replay/NAME` plays it under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Appends a chunk stamped with its arrival time, while the folder has room; the
    /// recording ends (truncated, still playable) where the room ran out.
    pub fn chunk(&self, bytes: &[u8]) {
        if bytes.is_empty() || self.stopped.load(Ordering::Relaxed) {
            return;
        }
        let line = ChunkLine {
            t_ms: self.started.elapsed().as_secs_f64() * 1000.0,
            b64: STANDARD.encode(bytes),
        };
        let Ok(line) = serde_json::to_string(&line) else {
            return;
        };
        if !self.recorder.reserve(line.len() as u64 + 1) {
            self.stopped.store(true, Ordering::Relaxed);
            self.recorder.warn_full();
            return;
        }
        // The writer only stops early after a write error it has already logged.
        let _ = self.lines.send(line);
    }
}

/// `<unix ms>-<model with every other character as '-'>-<4 random letters>`: sorts by
/// time, says what it holds, and two streams in one millisecond do not collide.
fn file_name(model: &str, unix_ms: u64) -> String {
    let model: String = model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let suffix: String = std::iter::repeat_with(fastrand::lowercase)
        .take(4)
        .collect();
    format!("{unix_ms}-{model}-{suffix}")
}

async fn write(path: PathBuf, header: String, mut lines: mpsc::UnboundedReceiver<String>) {
    let result = async {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let file = tokio::fs::File::create_new(&path).await?;
        let mut file = tokio::io::BufWriter::new(file);
        file.write_all(header.as_bytes()).await?;
        file.write_all(b"\n").await?;
        while let Some(line) = lines.recv().await {
            file.write_all(line.as_bytes()).await?;
            file.write_all(b"\n").await?;
        }
        file.flush().await
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(path = %path.display(), %error, "recording failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_replay_names() {
        let name = file_name("openai/gpt-4o:latest", 1_767_225_600_123);
        assert!(
            name.starts_with("1767225600123-openai-gpt-4o-latest-"),
            "{name}"
        );
        assert!(super::super::valid_name(&name));
    }

    #[tokio::test]
    async fn a_full_folder_records_nothing_more() {
        let dir = tempfile::tempdir().expect("temp dir");
        let recorder = Recorder::new(dir.path().to_owned(), 1, 1 << 20);
        let first = recorder.start("up/m", "openai", "text/event-stream", Instant::now());
        assert!(first.is_some());
        assert!(recorder
            .start("up/m", "openai", "text/event-stream", Instant::now())
            .is_none());
    }

    #[tokio::test]
    async fn a_recording_stops_where_the_byte_budget_ends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let recorder = Recorder::new(dir.path().to_owned(), 10, 400);
        let recording = recorder
            .start("up/m", "openai", "text/event-stream", Instant::now())
            .expect("room for one");
        for _ in 0..10 {
            recording.chunk(&[b'x'; 60]);
        }
        assert!(recording.stopped.load(Ordering::Relaxed));
        assert!(recorder.usage.bytes.load(Ordering::Relaxed) <= 400);
    }
}
