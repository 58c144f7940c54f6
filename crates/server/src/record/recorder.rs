//! Writes one proxied stream to `<record_dir>/<name>.jsonl` as it passes through. The
//! file is written by a background task, so a slow disk never slows the stream.

use std::path::{Path, PathBuf};

use base64::{engine::general_purpose::STANDARD, Engine};
use tokio::{io::AsyncWriteExt, sync::mpsc, time::Instant};

use super::{ChunkLine, Header};
use crate::api::wire::unix_seconds;

/// An open recording; the file is complete once this is dropped and the task flushed.
#[derive(Debug)]
pub struct Recording {
    name: String,
    started: Instant,
    lines: mpsc::UnboundedSender<String>,
}

impl Recording {
    /// Starts recording a stream of `model` whose request was sent at `started`.
    /// Recording is best effort: on failure the stream goes on unrecorded (logged).
    pub fn start(
        dir: &Path,
        model: &str,
        format: &str,
        content_type: &str,
        started: Instant,
    ) -> Option<Self> {
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
        let (lines, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write(dir.join(format!("{name}.jsonl")), header, receiver));
        Some(Self {
            name,
            started,
            lines,
        })
    }

    /// The name `replay/NAME` plays it under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Appends a chunk stamped with its arrival time.
    pub fn chunk(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let line = ChunkLine {
            t_ms: self.started.elapsed().as_secs_f64() * 1000.0,
            b64: STANDARD.encode(bytes),
        };
        if let Ok(line) = serde_json::to_string(&line) {
            // The writer only stops early after a write error it has already logged.
            let _ = self.lines.send(line);
        }
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
}
