//! The code editor in Chromium: Edit opens CodeMirror with highlighting (loaded only then),
//! it follows a block still streaming without moving the cursor or losing undo, Ctrl+Enter runs.

use std::time::Duration;

use anyhow::{anyhow, ensure, Result};
use fantoccini::key::Key;
use serde_json::json;
use sparkplug_e2e::{test_config, Harness};

const PROMPT: &str = "Write a Minesweeper clone in a single HTML file";

/// Whether the page has fetched the editor bundle.
async fn bundle_loaded(h: &Harness) -> Result<bool> {
    Ok(h.fetched().await?.iter().any(|p| p == "/editor.js"))
}

/// Clicks the first block's Edit button; returns ms until the editor's content is on the page.
async fn open_editor(h: &Harness) -> Result<f64> {
    let ms = h
        .js(
            "const b = document.querySelector('[data-test=edit-code]');
             const t = performance.now(); b.click();
             return new Promise(done => { const tick = () =>
               document.querySelector('[data-test=code-editor]')?.shadowRoot?.querySelector('.cm-content')
                 ? done(performance.now() - t) : requestAnimationFrame(tick); tick(); });",
            vec![],
        )
        .await?;
    Ok(ms.as_f64().unwrap_or(f64::NAN))
}

async fn editor_value(h: &Harness) -> Result<String> {
    let v = h
        .js(
            "const e = document.querySelector('[data-test=code-editor]');
             return e && e.sparkplugEditor ? e.sparkplugEditor.getValue() : '';",
            vec![],
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_string())
}

async fn finished(h: &Harness) -> Result<bool> {
    let status = h.attr("status", "class").await?.unwrap_or_default();
    Ok(status.contains("done"))
}

#[tokio::test]
async fn editor_opens_on_edit_and_follows_the_stream_without_moving_the_cursor() -> Result<()> {
    let h = Harness::start("editor_follow", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        ensure!(!bundle_loaded(h).await?, "the editor is not part of the first download");
        h.choose_listed_model("demo-52").await?;
        h.type_into("prompt", PROMPT).await?;
        h.click("send").await?;
        h.wait_for("a code block with some code", Duration::from_secs(30), async |h| {
            let code = h
                .js(
                    "const c = document.querySelector('.code-block .code-body'); return c ? c.textContent.length : 0;",
                    vec![],
                )
                .await?;
            Ok((code.as_u64().unwrap_or(0) > 40).then_some(()))
        })
        .await?;
        ensure!(!finished(h).await?, "demo-52 is still streaming");

        let first_open_ms = open_editor(h).await?;
        eprintln!("editor first open: {first_open_ms:.0} ms (bundle import + create)");
        ensure!(bundle_loaded(h).await?, "Edit loaded the bundle");
        // Highlighted: some spans in the lines have their own colour; lines are numbered.
        let marks = h
            .js(
                "const r = document.querySelector('[data-test=code-editor]').shadowRoot;
                 const colour = e => getComputedStyle(e).color;
                 const coloured = [...r.querySelectorAll('.cm-line span')]
                   .filter(s => colour(s) !== colour(s.closest('.cm-line'))).length;
                 return [coloured, r.querySelectorAll('.cm-lineNumbers .cm-gutterElement').length];",
                vec![],
            )
            .await?;
        ensure!(
            marks[0].as_u64().unwrap_or(0) > 3 && marks[1].as_u64().unwrap_or(0) > 1,
            "HTML highlighted and lines numbered: {marks}"
        );
        // The cursor starts at the top; text streams in at the end while the user types.
        let before = editor_value(h).await?;
        h.press_in_editor("X", false).await?;
        h.wait_for("more streamed text in the editor", Duration::from_secs(20), async |h| {
            Ok((editor_value(h).await?.len() > before.len() + 40).then_some(()))
        })
        .await?;
        h.press_in_editor("Y", false).await?;
        h.wait_for("the run to finish", Duration::from_secs(90), async |h| {
            Ok(finished(h).await?.then_some(()))
        })
        .await?;
        // The last frame's text reaches the code block and then the editor (in the
        // observer's microtask): wait until both hold all of it.
        let read_code = async |h: &Harness| -> Result<String> {
            let code = h
                .js("return document.querySelector('.code-block .code-body').textContent;", vec![])
                .await?;
            Ok(code.as_str().unwrap_or_default().to_string())
        };
        let mut seen = (String::new(), String::new());
        let caught_up = h
            .wait_for("the editor to hold the whole block", Duration::from_secs(5), async |h| {
                seen = (read_code(h).await?, editor_value(h).await?);
                Ok((seen.1 == format!("XY{}", seen.0)).then_some(()))
            })
            .await;
        let (code, edited) = seen;
        ensure!(
            caught_up.is_ok(),
            "typed text stays where the cursor was and the stream is all there: {:?}… ({} bytes) \
             vs XY + {:?}… ({} bytes)",
            &edited[..edited.len().min(60)],
            edited.len(),
            &code[..code.len().min(60)],
            code.len()
        );
        h.press_in_editor("zz", true).await?;
        let undone = editor_value(h).await?;
        ensure!(undone == code, "undo takes back the typing and keeps the streamed text");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn ctrl_enter_runs_the_edited_code_and_one_editor_is_open_at_a_time() -> Result<()> {
    let h = Harness::start("editor_run", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.choose_listed_model("demo-1000").await?;
        h.type_into("prompt", PROMPT).await?;
        h.click("send").await?;
        h.wait_for("the run to finish", Duration::from_secs(60), async |h| {
            Ok(finished(h).await?.then_some(()))
        })
        .await?;
        open_editor(h).await?;
        // Replace the code with a void element, so the HTML mode's tag closing adds nothing.
        h.press_in_editor("a", true).await?;
        h.press_in_editor("<img src=data:, onerror=console.log(\"edited-run\")>", false).await?;
        let typed = editor_value(h).await?;
        ensure!(
            typed == "<img src=data:, onerror=console.log(\"edited-run\")>",
            "typed: {typed:?}"
        );
        h.press_in_editor(&char::from(Key::Enter).to_string(), true).await?;
        let ran = h
            .wait_for("the edited code's console output", Duration::from_secs(20), async |h| {
                Ok(h.text("console").await?.contains("edited-run").then_some(()))
            })
            .await;
        if let Err(error) = ran {
            let status = h.text("run-status").await?;
            return Err(anyhow!("{error}; run status: {status}"));
        }
        let editors = h
            .js("return [...document.querySelectorAll('.code-editor')].filter(e => e.shadowRoot?.querySelector('.cm-editor')).length;", vec![])
            .await?;
        ensure!(editors == json!(1), "one editor: {editors}");
        // Edit again closes it and brings the streamed block back.
        h.click("edit-code").await?;
        h.wait_for("the editor to close", Duration::from_secs(5), async |h| {
            let left = h
                .js("return !document.querySelector('.code-editor') && !document.querySelector('.code-pre').hidden;", vec![])
                .await?;
            Ok(left.as_bool().unwrap_or(false).then_some(()))
        })
        .await?;
        Ok(())
    })
    .await
}
