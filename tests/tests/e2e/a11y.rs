//! Keyboard and accessibility in Chromium: Esc stops a stream, `?` lists the shortcuts, and
//! axe-core (from npm, injected by WebDriver) finds nothing serious in either colour scheme,
//! whether the system's or picked with the theme toggle.

use std::time::Duration;

use anyhow::{anyhow, ensure, Context, Result};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::json;
use sparkplug_e2e::{test_config, workspace_root, Harness};

const PROMPT: &str = "Write a Minesweeper clone in a single HTML file";

/// One key press sent to whatever has focus.
async fn press(h: &Harness, key: char) -> Result<()> {
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    h.browser.perform_actions(actions).await?;
    Ok(())
}

/// Serious and critical axe violations on the page as it is now, one line each.
async fn audit(h: &Harness) -> Result<Vec<String>> {
    let path = workspace_root().join(".tools/npm/node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {} (cargo xtask setup installs it)", path.display()))?;
    h.js(&axe, vec![]).await?;
    let found = h
        .js(
            "return axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations
               .filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(' | ')}`));",
            vec![],
        )
        .await?;
    let lines = found
        .as_array()
        .ok_or_else(|| anyhow!("axe gave {found}"))?
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    Ok(lines)
}

async fn dark(h: &Harness) -> Result<bool> {
    let v = h
        .js(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await?;
    Ok(v.as_bool().unwrap_or(false))
}

/// Clicks the theme toggle until the page shows `wanted` (it is remembered for later loads).
async fn pick_theme(h: &Harness, wanted: &str) -> Result<()> {
    for _ in 0..3 {
        let theme = h
            .attr("theme-toggle", "data-theme")
            .await?
            .unwrap_or_default();
        if theme == wanted {
            return Ok(());
        }
        h.click("theme-toggle").await?;
    }
    Err(anyhow!("the theme toggle never reached {wanted}"))
}

/// Audits the empty page, an answered page with the editor open, and the shortcuts dialog.
async fn audit_every_view(h: &Harness) -> Result<()> {
    h.open("/").await?;
    let mut problems = Vec::new();
    problems.extend(audit(h).await?.into_iter().map(|p| format!("start: {p}")));
    h.choose_listed_model("demo-1000").await?;
    h.type_into("prompt", PROMPT).await?;
    h.click("send").await?;
    h.wait_for_done(Duration::from_secs(60)).await?;
    h.open_editor().await?;
    problems.extend(audit(h).await?.into_iter().map(|p| format!("answer: {p}")));
    h.click("open-shortcuts").await?;
    problems.extend(audit(h).await?.into_iter().map(|p| format!("dialog: {p}")));
    ensure!(problems.is_empty(), "axe found:\n{}", problems.join("\n"));
    Ok(())
}

#[tokio::test]
async fn the_light_theme_passes_axe() -> Result<()> {
    let h = Harness::start("a11y_light", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        ensure!(!dark(h).await?, "the light scheme is in use");
        audit_every_view(h).await?;
        // The toggle's dark theme on a light system.
        pick_theme(h, "dark").await?;
        audit_every_view(h).await
    })
    .await
}

#[tokio::test]
async fn the_dark_theme_passes_axe() -> Result<()> {
    let h = Harness::start_with_browser_args("a11y_dark", test_config(), &["--force-dark-mode"])
        .await?;
    h.run(async |h| {
        h.open("/").await?;
        ensure!(dark(h).await?, "the dark scheme is in use");
        audit_every_view(h).await?;
        pick_theme(h, "light").await?;
        audit_every_view(h).await
    })
    .await
}

#[tokio::test]
async fn esc_stops_the_stream_and_question_mark_lists_the_shortcuts() -> Result<()> {
    let h = Harness::start("a11y_keys", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        // `?` typed in the prompt is text, not a shortcut.
        h.type_into("prompt", "why?").await?;
        let shown = h
            .js(
                "return document.querySelector('[data-test=shortcuts]').open;",
                vec![],
            )
            .await?;
        ensure!(
            shown == json!(false),
            "typing ? in the prompt keeps the dialog shut"
        );
        h.js("document.activeElement.blur();", vec![]).await?;
        press(h, '?').await?;
        let shown = h
            .js(
                "return document.querySelector('[data-test=shortcuts]').open;",
                vec![],
            )
            .await?;
        ensure!(shown == json!(true), "? opens the shortcuts");
        let rows = h.text("shortcuts").await?;
        ensure!(
            rows.contains("Esc") && rows.contains("Enter"),
            "lists the keys: {rows}"
        );
        press(h, char::from(Key::Escape)).await?;
        let shown = h
            .js(
                "return document.querySelector('[data-test=shortcuts]').open;",
                vec![],
            )
            .await?;
        ensure!(shown == json!(false), "Esc closes the dialog");

        // Tab reaches every control in turn, and each shows a focus ring.
        let mut seen = Vec::new();
        for _ in 0..24 {
            press(h, char::from(Key::Tab)).await?;
            let focused = h
                .js(
                    "const e = document.activeElement;
                     const ring = getComputedStyle(e).outlineStyle !== 'none';
                     return [e.dataset.test || e.tagName, ring];",
                    vec![],
                )
                .await?;
            let name = focused[0].as_str().unwrap_or_default().to_string();
            if name == "BODY" {
                // Past the last control focus leaves the page, then comes back to the first.
                continue;
            }
            ensure!(
                focused[1] == json!(true),
                "{name} has no visible focus ring"
            );
            seen.push(name);
        }
        for control in [
            "prompt",
            "endpoint",
            "model",
            "send",
            "open-settings",
            "open-shortcuts",
        ] {
            ensure!(
                seen.iter().any(|s| s == control),
                "Tab never reached {control}: {seen:?}"
            );
        }

        h.choose_listed_model("demo-52").await?;
        h.type_into("prompt", PROMPT).await?;
        h.click("send").await?;
        h.wait_for("text to stream", Duration::from_secs(20), async |h| {
            Ok((h.text("answer").await?.len() > 20).then_some(()))
        })
        .await?;
        press(h, char::from(Key::Escape)).await?;
        let status = h
            .wait_for("the stream to stop", Duration::from_secs(5), async |h| {
                let status = h.text("status").await?;
                Ok(status.starts_with("Stopped").then_some(status))
            })
            .await?;
        let kept = h.text("answer").await?.len();
        h.frames(30).await?;
        ensure!(
            h.text("answer").await?.len() == kept,
            "nothing more arrives after {status:?}"
        );
        Ok(())
    })
    .await
}
