//! Shared pieces of the sandbox tests: answers served as fixture streams, a second loopback
//! server that records any request reaching it, and readers for the console and the pixels.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use sparkplug_e2e::{test_config, workspace_root, Config, Harness};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A folder of answers the server replays with the `test/fixture/...` models.
pub struct Answers {
    dir: PathBuf,
}

impl Answers {
    /// A fresh folder under target/ for one test file.
    pub fn new(name: &str) -> Result<Self> {
        let dir = workspace_root().join("target/sandbox-answers").join(name);
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self { dir })
    }

    /// Saves `markdown` as an OpenAI chat stream named `name`.
    pub fn add(&self, name: &str, markdown: &str) -> Result<()> {
        let mut body = String::new();
        // A few pieces, as a model sends them.
        let chars: Vec<char> = markdown.chars().collect();
        for piece in chars.chunks(400) {
            let text: String = piece.iter().collect();
            let chunk = json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]});
            body.push_str(&format!("data: {chunk}\n\n"));
        }
        body.push_str(
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        );
        body.push_str("data: [DONE]\n\n");
        let path = self.dir.join(format!("{name}.sse"));
        std::fs::write(&path, body).with_context(|| format!("writing {}", path.display()))
    }

    /// The server config that replays these answers and serves Pyodide.
    pub fn config(&self) -> Config {
        Config {
            enable_test_models: true,
            fixtures_dir: self.dir.clone(),
            pyodide_dir: workspace_root().join(".tools/npm/node_modules/pyodide"),
            ..test_config()
        }
    }
}

/// A fenced block.
pub fn fence(lang: &str, code: &str) -> String {
    format!("```{lang}\n{}\n```\n\n", code.trim_end())
}

/// Streams the saved answer `name` into the app and waits until it has ended.
pub async fn show_answer(h: &Harness, name: &str) -> Result<()> {
    h.use_model(&format!("test/fixture@65536/{name}.sse"))
        .await?;
    // These answers fail on purpose; the tests watch the failure, not the fix loop.
    h.js(
        "const fix = document.querySelector('[data-test=loop-auto]'); if (fix.checked) fix.click();",
        vec![],
    )
    .await?;
    h.type_into("prompt", "run it").await?;
    h.click("send").await?;
    h.wait_for(
        &format!("answer {name}"),
        Duration::from_secs(20),
        async |h| {
            let ended = h.attr("status", "data-chars").await?.is_some();
            let busy = h.attr("send", "disabled").await?.is_some();
            Ok((ended && !busy).then_some(()))
        },
    )
    .await
}

/// Clicks the Run button of the answer's `index`-th runnable block.
pub async fn run_block(h: &Harness, index: usize) -> Result<()> {
    h.js(
        "const b = document.querySelectorAll('[data-test=run-code]')[arguments[0]]; if (!b) throw new Error('no run button ' + arguments[0]); b.click();",
        vec![json!(index)],
    )
    .await
    .map(drop)
}

/// One line of the console pane.
#[derive(Debug, Clone)]
pub struct ConsoleLine {
    pub class: String,
    pub location: String,
    pub text: String,
}

pub async fn console(h: &Harness) -> Result<Vec<ConsoleLine>> {
    let rows = h
        .js(
            "return [...document.querySelectorAll('[data-test=console] li')].map(li => { const loc = li.querySelector('.console-loc'); return [li.className, loc ? loc.textContent : '', loc ? li.textContent.slice(loc.textContent.length) : li.textContent]; });",
            vec![],
        )
        .await?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    Ok(rows
        .iter()
        .map(|row| {
            let field = |i: usize| row[i].as_str().unwrap_or_default().to_string();
            ConsoleLine {
                class: field(0),
                location: field(1),
                text: field(2),
            }
        })
        .collect())
}

/// Waits until a console line contains `needle`, and returns it.
pub async fn console_line(h: &Harness, needle: &str, timeout: Duration) -> Result<ConsoleLine> {
    h.wait_for(&format!("console line {needle:?}"), timeout, async |h| {
        Ok(console(h)
            .await?
            .into_iter()
            .find(|l| l.text.contains(needle)))
    })
    .await
}

/// The console as one text, for error messages.
pub async fn console_dump(h: &Harness) -> Result<String> {
    Ok(console(h)
        .await?
        .iter()
        .map(|l| format!("[{}] {} {}", l.class, l.location, l.text))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// Sets the run time limit the way a user does.
pub async fn set_limit(h: &Harness, seconds: &str) -> Result<()> {
    h.set_value("run-limit", seconds).await
}

/// A loopback server on its own port (another origin) that records every request line;
/// anything the sandbox manages to send out would land here.
pub struct LeakServer {
    pub origin: String,
    hits: Arc<Mutex<Vec<String>>>,
}

impl LeakServer {
    pub async fn start() -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let origin = format!("http://{}", listener.local_addr()?);
        let hits = Arc::new(Mutex::new(Vec::new()));
        let seen = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 4096];
                    let n = socket.read(&mut buffer).await.unwrap_or(0);
                    let head = String::from_utf8_lossy(&buffer[..n]);
                    let line = head.lines().next().unwrap_or("(connection)").to_string();
                    seen.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(line);
                    let reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\nok";
                    socket.write_all(reply.as_bytes()).await.ok();
                });
            }
        });
        Ok(Self { origin, hits })
    }

    pub fn hits(&self) -> Vec<String> {
        self.hits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The raw response head of `GET path` from `origin` (`http://host:port`).
pub async fn get_head(origin: &str, path: &str) -> Result<String> {
    let host = origin.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    socket.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response);
    Ok(text
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase())
}

/// The colour of a screen pixel (CSS pixels from the viewport's top left) in a screenshot
/// of the page. The PNG is decoded by the browser itself, so no image crate is needed.
pub async fn pixel(h: &Harness, x: f64, y: f64) -> Result<[u8; 4]> {
    let png = h.browser.screenshot().await?;
    let value = h
        .browser
        .execute_async(
            "const [bytes, x, y, done] = arguments;
             createImageBitmap(new Blob([new Uint8Array(bytes)], {type: 'image/png'})).then(bitmap => {
               const scale = devicePixelRatio;
               const canvas = document.createElement('canvas');
               canvas.width = bitmap.width; canvas.height = bitmap.height;
               const ctx = canvas.getContext('2d');
               ctx.drawImage(bitmap, 0, 0);
               done([...ctx.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data]);
             }, e => done(String(e)));",
            vec![json!(png), json!(x), json!(y)],
        )
        .await?;
    let channels: Vec<u8> = value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .filter_map(|v| u8::try_from(v).ok())
                .collect()
        })
        .unwrap_or_default();
    ensure!(channels.len() == 4, "no pixel: {value}");
    Ok([channels[0], channels[1], channels[2], channels[3]])
}

/// Whether two colours match within a small tolerance (anti-aliasing, colour profiles).
pub fn near(a: [u8; 4], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(&x, y)| x.abs_diff(y) <= 12)
}
