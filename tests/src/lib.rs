//! The end-to-end harness: our real server on a loopback port, ChromeDriver with headless
//! Chromium, and small helpers to drive and read the page. Failures leave a screenshot.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{anyhow, bail, ensure, Context, Result};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

pub use sparkplug_server::Config;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The workspace root (this crate lives in `tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The release build of the app; `cargo xtask test` builds it and sets SPARKPLUG_DIST.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("SPARKPLUG_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"))
}

/// The recorded streams and test data inside the repository (`tests/fixtures/`).
pub fn fixtures_dir() -> PathBuf {
    workspace_root().join("tests/fixtures")
}

/// Copies the directory `from` and everything in it to `to` (a build to alter for a test).
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A server config for tests: loopback, any free port, the built app.
pub fn test_config() -> Config {
    Config {
        addr: "127.0.0.1:0".parse().expect("a literal socket address"),
        dist_dir: dist_dir(),
        ..Config::default()
    }
}

/// A running server plus a browser session pointed at it.
pub struct Harness {
    pub browser: Client,
    pub base: String,
    server: Option<sparkplug_server::Running>,
    driver: Child,
    name: String,
}

impl Harness {
    /// Starts the server with `config` and a fresh headless Chromium.
    pub async fn start(name: &str, config: Config) -> Result<Self> {
        Self::start_with_browser_args(name, config, &[]).await
    }

    /// Like [`Harness::start`], with extra Chromium flags (benchmarks ask for precise memory
    /// figures and a callable garbage collector).
    pub async fn start_with_browser_args(
        name: &str,
        config: Config,
        extra_args: &[&str],
    ) -> Result<Self> {
        let dist = &config.dist_dir;
        if !dist.join("index.html").exists() {
            bail!(
                "no app build in {} — run `cargo xtask test`, which builds it first",
                dist.display()
            );
        }
        let server = sparkplug_server::start(config)
            .await
            .map_err(|e| anyhow!("server did not start: {e}"))?;
        let base = format!("http://{}", server.addr());
        let (driver, driver_url) = start_chromedriver().await?;
        let browser = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(extra_args)?)
            .connect(&driver_url)
            .await
            .context("connecting to ChromeDriver")?;
        Ok(Self {
            browser,
            base,
            server: Some(server),
            driver,
            name: name.to_string(),
        })
    }

    /// Runs a test body, then fails it on any Content Security Policy violation the app's
    /// pages reported while it ran; on failure saves a screenshot under
    /// target/e2e-screenshots and returns the error. Always closes the browser and server.
    pub async fn run<F>(mut self, body: F) -> Result<()>
    where
        F: AsyncFnOnce(&Harness) -> Result<()>,
    {
        let mut result = body(&self).await;
        if result.is_ok() {
            result = self.no_csp_violations().await;
        }
        if result.is_err() {
            self.screenshot().await;
        }
        self.browser.clone().close().await.ok();
        self.driver.kill().await.ok();
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
        result
    }

    async fn screenshot(&self) {
        let dir = workspace_root().join("target/e2e-screenshots");
        let path = dir.join(format!("{}.png", self.name));
        match self.browser.screenshot().await {
            Ok(png) => {
                std::fs::create_dir_all(&dir).ok();
                if std::fs::write(&path, png).is_ok() {
                    eprintln!("screenshot of the failure: {}", path.display());
                }
            }
            Err(e) => eprintln!("no screenshot: {e}"),
        }
    }

    /// Fails if the browser logged a CSP violation on one of the app's own pages since the
    /// last read. The code runner's pages are left out: blocking what generated code tries
    /// is their job, and the sandbox tests check it.
    pub async fn no_csp_violations(&self) -> Result<()> {
        let log = self
            .browser
            .issue_cmd(ChromeCommand {
                path: "se/log",
                body: json!({"type": "browser"}),
            })
            .await
            .context("reading the browser log")?;
        let violations: Vec<&str> = log
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|entry| entry["message"].as_str())
            .filter(|m| {
                m.contains("Content Security Policy") || m.contains("Content-Security-Policy")
            })
            .filter(|m| !m.starts_with("about:srcdoc") && !m.contains("/sandbox/"))
            .collect();
        ensure!(
            violations.is_empty(),
            "the page broke its own Content Security Policy:\n{}",
            violations.join("\n")
        );
        Ok(())
    }

    /// Opens a page of the app and waits until the wasm app has mounted (its Send button
    /// exists), so tests never race the start-up.
    pub async fn open(&self, path: &str) -> Result<()> {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .with_context(|| format!("opening {path}"))?;
        self.wait_for("the app to start", Duration::from_secs(20), async |h| {
            let ready = h
                .js(
                    "return document.querySelector('[data-test=send]') !== null;",
                    vec![],
                )
                .await?;
            Ok(ready.as_bool().unwrap_or(false).then_some(()))
        })
        .await
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.browser
            .execute(script, args)
            .await
            .with_context(|| format!("running script: {script}"))
    }

    /// Lets the page draw `n` animation frames (about n/60 s): the window for a check that
    /// something does *not* happen, counted on the page's own clock instead of a sleep.
    pub async fn frames(&self, n: u32) -> Result<()> {
        self.browser
            .execute_async(
                "const [n, done] = arguments; let left = n; \
                 (function tick() { if (left-- <= 0) done(); else requestAnimationFrame(tick); })();",
                vec![Value::from(n)],
            )
            .await
            .context("waiting for animation frames")?;
        Ok(())
    }

    /// The element with `data-test="<id>"`, as a CSS selector.
    pub fn sel(id: &str) -> String {
        format!("[data-test=\"{id}\"]")
    }

    /// textContent of the element with `data-test=<id>` (empty if absent).
    pub async fn text(&self, id: &str) -> Result<String> {
        let v = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
                vec![json!(Self::sel(id))],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// An attribute of the element with `data-test=<id>`.
    pub async fn attr(&self, id: &str, name: &str) -> Result<Option<String>> {
        let v = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
                vec![json!(Self::sel(id)), json!(name)],
            )
            .await?;
        Ok(v.as_str().map(str::to_string))
    }

    pub async fn click(&self, id: &str) -> Result<()> {
        self.js(
            "const e = document.querySelector(arguments[0]); if (!e) throw new Error('no ' + arguments[0]); e.click();",
            vec![json!(Self::sel(id))],
        )
        .await
        .map(drop)
    }

    /// Sets a text field's value the way typing does (fires `input`).
    pub async fn type_into(&self, id: &str, text: &str) -> Result<()> {
        let field = self
            .browser
            .find(fantoccini::Locator::Css(&Self::sel(id)))
            .await
            .with_context(|| format!("finding {id}"))?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Chooses the model on the selected endpoint the way a user does: types it into the
    /// model field and commits it (`change`).
    pub async fn use_model(&self, model: &str) -> Result<()> {
        self.set_value("model", model).await
    }

    /// Waits until the selected endpoint's model list offers `model`, then picks it: the
    /// list proves the endpoint answered before the test relies on it.
    pub async fn choose_listed_model(&self, model: &str) -> Result<()> {
        self.wait_for("the model list", Duration::from_secs(10), async |h| {
            let found = h
                .js(
                    "return [...document.querySelectorAll('[data-test=model-options] option')].some(o => o.value === arguments[0]);",
                    vec![json!(model)],
                )
                .await?;
            Ok(found.as_bool().unwrap_or(false).then_some(()))
        })
        .await?;
        self.use_model(model).await
    }

    /// Sets a form control's value and fires `change`, as picking or committing does.
    pub async fn set_value(&self, id: &str, value: &str) -> Result<()> {
        self.js(
            "const e = document.querySelector(arguments[0]); if (!e) throw new Error('no ' + arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change'));",
            vec![json!(Self::sel(id)), json!(value)],
        )
        .await
        .map(drop)
    }

    /// The paths of everything the page has fetched so far (its resource timing entries).
    pub async fn fetched(&self) -> Result<Vec<String>> {
        let paths = self
            .js(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname);",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(paths)?)
    }

    /// Picks `model` and `prompt` straight in the form (firing the events a user's edits
    /// fire), then presses Send.
    pub async fn ask(&self, model: &str, prompt: &str) -> Result<()> {
        self.js(
            "const m = document.querySelector('[data-test=model]'); m.value = arguments[0]; m.dispatchEvent(new Event('change'));
             const p = document.querySelector('[data-test=prompt]'); p.value = arguments[1]; p.dispatchEvent(new Event('input'));",
            vec![json!(model), json!(prompt)],
        )
        .await?;
        self.click("send").await
    }

    /// Waits until the run has ended and its answer is on the page (the status carries the
    /// answer's length then, and Send is enabled again); returns that length in characters.
    pub async fn wait_for_answer(&self, timeout: Duration) -> Result<u64> {
        let chars = self
            .wait_for("the run to end", timeout, async |h| {
                let chars = h.attr("status", "data-chars").await?;
                let busy = h.attr("send", "disabled").await?.is_some();
                Ok(chars.filter(|_| !busy))
            })
            .await?;
        chars.parse().context("the status's data-chars is a number")
    }

    /// Clicks Share and waits for the link it offers.
    pub async fn share_link(&self) -> Result<String> {
        self.click("share").await?;
        self.wait_for("the share link", Duration::from_secs(5), async |h| {
            let v = h
                .js(
                    "return document.querySelector('[data-test=share-link]')?.value ?? '';",
                    vec![],
                )
                .await?;
            let link = v.as_str().unwrap_or_default().to_string();
            Ok((!link.is_empty()).then_some(link))
        })
        .await
    }

    /// Waits until the status says the run finished well (not stopped or failed).
    pub async fn wait_for_done(&self, timeout: Duration) -> Result<()> {
        self.wait_for("the answer", timeout, async |h| {
            let status = h.attr("status", "class").await?.unwrap_or_default();
            Ok(status.contains("done").then_some(()))
        })
        .await
    }

    /// Clicks the first code block's Edit and waits for the editor's content to exist.
    pub async fn open_editor(&self) -> Result<()> {
        self.click("edit-code").await?;
        self.wait_for("the editor", Duration::from_secs(10), async |h| {
            let v = h
                .js("return !!document.querySelector('[data-test=code-editor]')?.shadowRoot?.querySelector('.cm-content');", vec![])
                .await?;
            Ok(v.as_bool().unwrap_or(false).then_some(()))
        })
        .await
    }

    /// Key presses into the open editor (in its shadow root), each with Control held if
    /// `ctrl`. Sent as actions to the focused editor: WebDriver's send-keys would move the
    /// caret to the end first.
    pub async fn press_in_editor(&self, keys: &str, ctrl: bool) -> Result<()> {
        self.js(
            "document.querySelector('[data-test=code-editor]').shadowRoot.querySelector('.cm-content').focus();",
            vec![],
        )
        .await?;
        let control = char::from(Key::Control);
        let mut actions = KeyActions::new("keyboard".into());
        for key in keys.chars() {
            if ctrl {
                actions = actions.then(KeyAction::Down { value: control });
            }
            actions = actions
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key });
            if ctrl {
                actions = actions.then(KeyAction::Up { value: control });
            }
        }
        self.browser.perform_actions(actions).await?;
        Ok(())
    }

    /// Sends a DevTools protocol command to the page (benchmarks throttle the CPU, clear the
    /// cache, run a script before a page's own); returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.browser
            .issue_cmd(ChromeCommand {
                path: "goog/cdp/execute",
                body: json!({"cmd": cmd, "params": params}),
            })
            .await
            .with_context(|| format!("DevTools command {cmd}"))
    }

    /// Polls `check` every 20 ms until it returns Some, or fails after `timeout`.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl AsyncFnMut(&Harness) -> Result<Option<T>>,
    ) -> Result<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(value) = check(self).await? {
                return Ok(value);
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("timed out after {timeout:?} waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A ChromeDriver command beyond W3C WebDriver: `body` POSTed to `session/{id}/{path}`
/// (`goog/cdp/execute` for a DevTools protocol command such as
/// `Emulation.setCPUThrottlingRate`, `se/log` for the browser log, which each read empties).
#[derive(Debug)]
struct ChromeCommand {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for ChromeCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// Chromium options from the repository's webdriver.json (the one place the headless flags
/// live; wasm-bindgen-test reads the same file), plus a window size for screenshots and any
/// extra flags.
fn capabilities(extra_args: &[&str]) -> Result<serde_json::Map<String, Value>> {
    let path = workspace_root().join("webdriver.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut caps: serde_json::Map<String, Value> = serde_json::from_str(&text)?;
    let args = caps
        .get_mut("goog:chromeOptions")
        .and_then(|o| o.get_mut("args"))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| anyhow!("webdriver.json has no goog:chromeOptions.args"))?;
    args.push(json!("--window-size=1280,900"));
    args.extend(extra_args.iter().map(|a| json!(a)));
    caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    Ok(caps)
}

async fn start_chromedriver() -> Result<(Child, String)> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {CHROMEDRIVER} (run `cargo xtask setup`)"))?;
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok((child, url));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    bail!("ChromeDriver did not listen on port {port} within 5 s")
}
