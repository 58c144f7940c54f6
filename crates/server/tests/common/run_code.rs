//! Runs code for real for the tests of the demo's code: programs in their own interpreter
//! with a time limit, and pages in headless Chromium with the app's own page hook.

use std::fs;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine;

/// Longest any single block may run (a rustc compile counts separately from the run).
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Runs an SQL script (stdin) statement by statement in an in-memory SQLite database and
/// prints the rows of every statement that returns any.
pub const SQL_RUNNER: &str = r#"
import sqlite3, sys
script = sys.stdin.read()
con = sqlite3.connect(":memory:")
buf = ""
def run(stmt):
    cur = con.execute(stmt)
    if cur.description:
        print(" | ".join(d[0] for d in cur.description))
        for row in cur.fetchall():
            print(" | ".join("NULL" if v is None else str(v) for v in row))
        print()
for ch in script:
    buf += ch
    if ch == ";" and sqlite3.complete_statement(buf):
        if buf.strip():
            run(buf)
        buf = ""
rest = "\n".join(l for l in buf.splitlines() if not l.strip().startswith("--")).strip()
if rest:
    raise SystemExit("unterminated SQL statement at the end: " + rest[:80])
con.commit()
"#;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Job {
    Python,
    Node,
    NodeCheck,
    Rust,
    Bash,
    Sql,
}

pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
    pub note: String,
}

pub static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh empty directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("sparkplug-answers-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs `cmd` with `stdin` fed in and kills it after `timeout`.
///
/// Only the direct child is killed (no process-group signals, so nothing outside the test
/// can be hit). A killed program's own children may keep its pipes open, so after a kill the
/// output is collected for a short grace period only and the readers are left behind.
pub fn run_with_timeout(mut cmd: Command, stdin: &str, timeout: Duration) -> Output {
    let program = format!("{:?}", cmd.get_program());
    let mut child: Child = match cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Output {
                ok: false,
                stdout: String::new(),
                stderr: String::new(),
                note: format!("could not start {program}: {e} (is it installed?)"),
            }
        }
    };
    let mut sin = child.stdin.take().unwrap();
    let input = stdin.to_string();
    thread::spawn(move || {
        let _ = sin.write_all(input.as_bytes()); // dropping `sin` closes the child's stdin
    });
    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
    let mut sout = child.stdout.take().unwrap();
    let mut serr = child.stderr.take().unwrap();
    let tx_err = tx.clone();
    thread::spawn(move || {
        let mut s = Vec::new();
        let _ = sout.read_to_end(&mut s);
        let _ = tx.send((true, s));
    });
    thread::spawn(move || {
        let mut s = Vec::new();
        let _ = serr.read_to_end(&mut s);
        let _ = tx_err.send((false, s));
    });

    let started = Instant::now();
    let mut note = String::new();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > timeout => {
                note = format!("timed out after {timeout:?}, killed");
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                note = format!("wait failed: {e}");
                break None;
            }
        }
    };

    // Normally both pipes close as the program exits; after a kill, wait a little only.
    let grace = if status.is_some() {
        timeout
    } else {
        Duration::from_secs(2)
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        match rx.recv_timeout(grace) {
            Ok((true, bytes)) => stdout = bytes,
            Ok((false, bytes)) => stderr = bytes,
            Err(_) => {
                if note.is_empty() {
                    note =
                        "exited, but its output pipes stayed open (a background process?)".into();
                }
                break;
            }
        }
    }
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let ok = note.is_empty() && status.is_some_and(|s| s.success());
    if note.is_empty() {
        if let Some(s) = status {
            if !s.success() {
                note = format!("exited with {s}");
            }
        }
    }
    Output {
        ok,
        stdout,
        stderr,
        note,
    }
}

/// Runs one block; `Err` holds a readable reason.
pub fn run_block(job: Job, code: &str) -> Result<(), String> {
    let dir = TempDir::new();
    let (out, must_print) = match job {
        Job::Python => {
            let mut cmd = Command::new("python3");
            cmd.arg("-").current_dir(&dir.0);
            (run_with_timeout(cmd, code, TIMEOUT), true)
        }
        Job::Node | Job::NodeCheck => {
            let file = dir.0.join("main.js");
            fs::write(&file, code).unwrap();
            let mut cmd = Command::new("node");
            if job == Job::NodeCheck {
                cmd.arg("--check");
            }
            cmd.arg(&file).current_dir(&dir.0);
            (run_with_timeout(cmd, "", TIMEOUT), job == Job::Node)
        }
        Job::Bash => {
            let file = dir.0.join("script.sh");
            fs::write(&file, code).unwrap();
            let mut cmd = Command::new("bash");
            cmd.arg(&file).current_dir(&dir.0);
            (run_with_timeout(cmd, "", TIMEOUT), true)
        }
        Job::Sql => {
            let mut cmd = Command::new("python3");
            cmd.arg("-c").arg(SQL_RUNNER).current_dir(&dir.0);
            (run_with_timeout(cmd, code, TIMEOUT), true)
        }
        Job::Rust => {
            let src = dir.0.join("main.rs");
            let bin = dir.0.join("main");
            fs::write(&src, code).unwrap();
            let mut cmd = Command::new("rustc");
            cmd.args(["--edition", "2021", "-C", "debuginfo=0", "-o"])
                .arg(&bin)
                .arg(&src)
                .current_dir(&dir.0);
            let compiled = run_with_timeout(cmd, "", Duration::from_secs(60));
            if !compiled.ok {
                return Err(format!(
                    "rustc failed: {}\n{}",
                    compiled.note, compiled.stderr
                ));
            }
            if !compiled.stderr.trim().is_empty() {
                return Err(format!("rustc printed warnings:\n{}", compiled.stderr));
            }
            let mut cmd = Command::new(&bin);
            cmd.current_dir(&dir.0);
            (run_with_timeout(cmd, "", TIMEOUT), true)
        }
    };
    if !out.ok {
        return Err(format!(
            "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.note,
            tail(&out.stdout),
            tail(&out.stderr)
        ));
    }
    if must_print && out.stdout.trim().is_empty() {
        return Err(format!(
            "printed nothing on stdout\n--- stderr ---\n{}",
            tail(&out.stderr)
        ));
    }
    Ok(())
}

pub fn tail(s: &str) -> &str {
    let max = 3000;
    if s.len() <= max {
        return s;
    }
    let mut i = s.len() - max;
    while !s.is_char_boundary(i) {
        i += 1;
    }
    &s[i..]
}

/// What one run of a page or a program showed: its uncaught errors (a page's errors and
/// unhandled rejections as the app's page hook reports them, or a Python traceback), and for
/// each check whether it held, with the value or error when it did not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub errors: Vec<String>,
    pub checks: Vec<(bool, Option<String>)>,
    /// What the program printed (empty for a page).
    pub stdout: String,
}

/// Runs Python `code` as the app does, then each of `checks` in the program's globals.
const PYTHON_HARNESS: &str = r#"
import json, sys, traceback
job = json.load(sys.stdin)
scope = {"__name__": "__main__"}
report = {"errors": [], "checks": []}
try:
    exec(compile(job["code"], "<exec>", "exec"), scope)
except SystemExit as e:
    if e.code not in (None, 0):
        report["errors"].append(traceback.format_exc())
except BaseException:
    report["errors"].append(traceback.format_exc())
for check in job["checks"]:
    try:
        exec(compile(check, "<check>", "exec"), scope)
        report["checks"].append([True, None])
    except BaseException as e:
        report["checks"].append([False, (type(e).__name__ + ": " + str(e)).rstrip(": ")])
sys.stdout.flush()
with open(sys.argv[1], "w") as out:
    json.dump(report, out)
"#;

/// Runs a Python program and its checks with `python3`.
pub fn run_python(code: &str, checks: &[String]) -> Result<Report, String> {
    let dir = TempDir::new();
    let report = dir.0.join("report.json");
    let job = serde_json::json!({"code": code, "checks": checks}).to_string();
    let mut cmd = Command::new("python3");
    cmd.arg("-c")
        .arg(PYTHON_HARNESS)
        .arg(&report)
        .current_dir(&dir.0);
    let out = run_with_timeout(cmd, &job, TIMEOUT);
    let text = fs::read_to_string(&report).map_err(|e| {
        format!(
            "the Python run left no report ({e}): {}\n{}",
            out.note,
            tail(&out.stderr)
        )
    })?;
    let mut report = parse_report(&text)?;
    report.stdout = out.stdout;
    Ok(report)
}

/// Collects what the app's page hook posts (it posts to `parent`, which a top-level page is
/// itself), then evaluates the checks once the page has loaded and settled, and writes the
/// report into the page as base64 for `--dump-dom` to print.
const PAGE_COLLECTOR: &str = r#"
(() => {
  const errors = [];
  addEventListener('message', (event) => {
    const m = event.data;
    if (m && m.sp === 'error') errors.push(String(m.text));
  });
  const checks = __CHECKS__;
  addEventListener('load', () => setTimeout(() => {
    const results = checks.map((code) => {
      try {
        const value = (0, eval)(code);
        return value ? [true, null] : [false, String(value)];
      } catch (e) {
        return [false, (e && e.name ? e.name + ': ' + e.message : String(e))];
      }
    });
    setTimeout(() => {
      const json = JSON.stringify({ errors, checks: results });
      const out = document.createElement('pre');
      out.id = 'sparkplug-test-report';
      out.textContent = btoa(String.fromCharCode(...new TextEncoder().encode(json)));
      document.documentElement.appendChild(out);
    }, 0);
  }, 300));
})();
"#;

/// Runs a page document in headless Chromium (the binary and flags of the browser tests'
/// `webdriver.json`) with the app's page hook first, and evaluates `checks` after load.
/// Timers run on virtual time, so a page's seconds pass in a moment.
pub fn run_page(document: &str, checks: &[String]) -> Result<Report, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let hook = fs::read_to_string(root.join("sandbox/page.js"))
        .map_err(|e| format!("read sandbox/page.js: {e}"))?;
    let webdriver: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root.join("webdriver.json"))
            .map_err(|e| format!("read webdriver.json: {e}"))?,
    )
    .map_err(|e| format!("webdriver.json: {e}"))?;
    let options = &webdriver["goog:chromeOptions"];
    let binary = options["binary"].as_str().unwrap_or("chromium");
    let flags: Vec<&str> = options["args"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();

    let collector = PAGE_COLLECTOR.replace(
        "__CHECKS__",
        &serde_json::to_string(checks).map_err(|e| e.to_string())?,
    );
    let prelude = format!("<script>\n{hook}\n</script>\n<script>\n{collector}\n</script>\n");
    // First in <head> when there is one, so the hook sees every error of the page's scripts.
    let at = document
        .to_ascii_lowercase()
        .find("<head>")
        .map_or(0, |i| i + "<head>".len());
    let page = format!("{}{prelude}{}", &document[..at], &document[at..]);

    let dir = TempDir::new();
    let file = dir.0.join("index.html");
    fs::write(&file, page).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(binary);
    cmd.args(&flags)
        .arg(format!(
            "--user-data-dir={}",
            dir.0.join("profile").display()
        ))
        .args(["--dump-dom", "--virtual-time-budget=5000"])
        .arg(format!("file://{}", file.display()))
        .current_dir(&dir.0);
    let out = run_with_timeout(cmd, "", TIMEOUT);
    let report = out
        .stdout
        .split("<pre id=\"sparkplug-test-report\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .ok_or_else(|| {
            format!(
                "the page never reported (did it load?): {}\n{}",
                out.note,
                tail(&out.stderr)
            )
        })?;
    let json = base64::engine::general_purpose::STANDARD
        .decode(report.trim())
        .map_err(|e| format!("report: {e}"))?;
    parse_report(&String::from_utf8_lossy(&json))
}

fn parse_report(text: &str) -> Result<Report, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("report {text:?}: {e}"))?;
    let errors = value["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let checks = value["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    (
                        c[0].as_bool() == Some(true),
                        c[1].as_str().map(str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Report {
        errors,
        checks,
        stdout: String::new(),
    })
}
