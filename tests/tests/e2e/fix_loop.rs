//! Run until it works, in Chromium: a demo scenario's buggy page goes red, fixes itself by an
//! edit and goes green; the attempt limit, a repeated error and Stop end a loop; checks show.

use std::time::Duration;

use anyhow::{ensure, Result};
use serde_json::Value;
use sparkplug_e2e::{test_config, workspace_root, Config, Harness};

/// Chooses the demo's reaction-timer scenario, whose first page looks up a missing button.
const BUGGY_PAGE: &str = "a reaction time test page: click as soon as the box turns green";
const ITS_ERROR: &str = "Cannot read properties of null (reading 'addEventListener')";

/// Keeps the JSON body of every chat request the page sends.
const CATCH_REQUESTS: &str = "
    window.sent = [];
    const send = window.fetch;
    window.fetch = function (url, init) {
      if (init && typeof init.body === 'string' && init.body.includes('\"messages\"')) sent.push(JSON.parse(init.body));
      return send.apply(this, arguments);
    };";

/// The demo, with Pyodide served for the Python scenarios.
fn config() -> Config {
    Config {
        pyodide_dir: workspace_root().join(".tools/npm/node_modules/pyodide"),
        ..test_config()
    }
}

const LONG: Duration = Duration::from_secs(90);

/// The status under the answer once the loop is over (Send is enabled again).
async fn loop_ended(h: &Harness) -> Result<String> {
    h.wait_for("the loop to end", LONG, async |h| {
        let busy = h.attr("send", "disabled").await?.is_some();
        let status = h.text("status").await?;
        Ok((!busy && !status.is_empty()).then_some(status))
    })
    .await
}

async fn requests(h: &Harness) -> Result<Vec<Value>> {
    let sent = h.js("return window.sent;", vec![]).await?;
    Ok(sent.as_array().cloned().unwrap_or_default())
}

/// The checks the result pane lists: (group, passed, code).
async fn checks_shown(h: &Harness) -> Result<Vec<(String, bool, String)>> {
    let v = h
        .js(
            "return [...document.querySelectorAll('[data-test=check]')].map(c => [
               c.closest('.run-checks').dataset.test, c.classList.contains('passed'),
               c.querySelector('code').textContent]);",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

/// The timeline's attempts: each one's line, and its diff's changed lines.
async fn attempts(h: &Harness) -> Result<Vec<(String, Vec<String>)>> {
    let v = h
        .js(
            "return [...document.querySelectorAll('[data-test=attempt]')].map(a => [
               a.querySelector('.attempt-line').textContent,
               [...a.querySelectorAll('.diff-line.added, .diff-line.removed')].map(l => l.textContent)]);",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

async fn start(h: &Harness, model: &str) -> Result<()> {
    h.open("/").await?;
    h.js(CATCH_REQUESTS, vec![]).await?;
    h.choose_listed_model(model).await
}

#[tokio::test]
async fn a_scenario_goes_red_fixes_itself_by_an_edit_and_goes_green() -> Result<()> {
    let h = Harness::start("fix_loop_green", config()).await?;
    h.run(async |h| {
        start(h, "demo-1000").await?;
        h.type_into("prompt", BUGGY_PAGE).await?;
        h.click("send").await?;
        let status = loop_ended(h).await?;
        ensure!(
            status.starts_with("Green after 2 attempts"),
            "the loop ends green on its second answer: {status}"
        );
        let sent = requests(h).await?;
        ensure!(sent.len() == 2, "one fix request: {} requests", sent.len());
        let fix = &sent[1]["messages"];
        ensure!(
            fix[0]["role"] == "system",
            "the fix asks for edits: {:?}",
            fix[0]
        );
        ensure!(
            fix[1]["content"] == BUGGY_PAGE,
            "the first prompt stays first"
        );
        let asked = fix[3]["content"].as_str().unwrap_or_default();
        ensure!(
            asked.contains(ITS_ERROR) && asked.contains("start-button"),
            "the fix request quotes the code and its error: {asked:.300}"
        );
        ensure!(
            h.text("attempt-answer").await?.contains("Attempt 2"),
            "the fix is drawn in the turn"
        );
        let timeline = attempts(h).await?;
        ensure!(
            timeline.len() == 2,
            "two attempts on the timeline: {timeline:?}"
        );
        ensure!(
            timeline[0]
                .0
                .contains(&format!("failed: Uncaught TypeError: {ITS_ERROR}")),
            "the first attempt failed with its error: {timeline:?}"
        );
        ensure!(
            timeline[1].0.contains("1 edit applied") && timeline[1].0.ends_with("passed"),
            "the second applied its edit and passed: {timeline:?}"
        );
        ensure!(
            timeline[1]
                .1
                .iter()
                .any(|l| l.starts_with("- ") && l.contains("'start-button'"))
                && timeline[1]
                    .1
                    .iter()
                    .any(|l| l.starts_with("+ ") && l.contains("'start'")),
            "the diff marks the changed line: {timeline:?}"
        );
        let green = h.text("time-to-green").await?;
        let ms = h
            .attr("time-to-green", "data-ms")
            .await?
            .unwrap_or_default();
        ensure!(
            green.starts_with("Time to green: ") && ms.parse::<f64>().is_ok_and(|ms| ms > 0.0),
            "the turn's headline is its time to green: {green} ({ms} ms)"
        );
        ensure!(
            green.contains(" · effective ") && green.ends_with(" tok/s"),
            "beside it, the working code's tokens per second of that time: {green}"
        );
        // The chat as saved keeps both: its History row says so.
        h.wait_for("the History row", Duration::from_secs(10), async |h| {
            let rows = h
                .js(
                    "return [...document.querySelectorAll('[data-test=history-details]')].map(d => d.textContent);",
                    vec![],
                )
                .await?;
            let row = rows[0].as_str().unwrap_or_default().to_owned();
            Ok((row.contains("green in ") && row.contains("(effective ")).then_some(()))
        })
        .await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_attempt_limit_ends_a_loop_that_keeps_failing() -> Result<()> {
    let h = Harness::start("fix_loop_limit", config()).await?;
    h.run(async |h| {
        start(h, "demo-1000").await?;
        h.set_value("loop-attempts", "1").await?;
        h.type_into("prompt", BUGGY_PAGE).await?;
        h.click("send").await?;
        let status = loop_ended(h).await?;
        ensure!(
            status.starts_with("Still failing after 1 attempt"),
            "one attempt allowed, none passed: {status}"
        );
        ensure!(requests(h).await?.len() == 1, "no fix was asked for");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_check_that_never_holds_fails_visibly_and_the_same_error_twice_stops_early() -> Result<()>
{
    let h = Harness::start("fix_loop_same_error", config()).await?;
    h.run(async |h| {
        start(h, "demo-1000").await?;
        h.set_value("loop-attempts", "5").await?;
        h.type_into(
            "loop-checks",
            "document.title === 'never'\ndocument.body !== null",
        )
        .await?;
        h.type_into("prompt", "Write a Minesweeper clone in a single HTML file")
            .await?;
        h.click("send").await?;
        let status = loop_ended(h).await?;
        ensure!(
            status.starts_with("Stopped after 2 attempts: the fix brought back the same error"),
            "{status}"
        );
        ensure!(
            requests(h).await?.len() == 2,
            "two answers, then it stopped"
        );
        let checks = checks_shown(h).await?;
        ensure!(
            checks
                == [
                    (
                        "user-checks".into(),
                        false,
                        "document.title === 'never'".into()
                    ),
                    ("user-checks".into(), true, "document.body !== null".into()),
                ],
            "each check's result shows: {checks:?}"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn stop_in_the_middle_of_a_loop_ends_it_at_once() -> Result<()> {
    let h = Harness::start("fix_loop_stop", config()).await?;
    h.run(async |h| {
        start(h, "demo-52").await?;
        h.type_into("prompt", BUGGY_PAGE).await?;
        h.click("send").await?;
        // At 52 tokens/s the fix streams for a while: Stop lands in its middle.
        h.wait_for("the fix to stream", LONG, async |h| {
            Ok((!h.text("attempt-answer").await?.is_empty()).then_some(()))
        })
        .await?;
        h.click("stop").await?;
        let status = loop_ended(h).await?;
        ensure!(status == "Loop stopped after 2 attempts.", "{status}");
        ensure!(requests(h).await?.len() == 2, "nothing more was asked");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_users_check_fails_then_passes_after_the_fix() -> Result<()> {
    let h = Harness::start("fix_loop_user_check", config()).await?;
    h.run(async |h| {
        start(h, "demo-1000").await?;
        let check = "document.querySelectorAll('#days .day').length === 31";
        h.type_into("loop-checks", check).await?;
        h.type_into(
            "prompt",
            "a calendar page for January 2025 with one cell per day in a weekly grid",
        )
        .await?;
        h.click("send").await?;
        let status = loop_ended(h).await?;
        ensure!(status.starts_with("Green after 2 attempts"), "{status}");
        let timeline = attempts(h).await?;
        ensure!(
            timeline[0].0.contains(&format!("failed: {check}")),
            "the check failed the first run: {timeline:?}"
        );
        let checks = checks_shown(h).await?;
        ensure!(
            checks == [("user-checks".into(), true, check.into())],
            "it holds after the fix: {checks:?}"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_models_own_checks_show_apart_and_drive_a_python_fix() -> Result<()> {
    let h = Harness::start("fix_loop_model_checks", config()).await?;
    h.run(async |h| {
        start(h, "demo-1000").await?;
        h.type_into(
            "prompt",
            "python function that splits a list into pages of a given size and prints each page",
        )
        .await?;
        h.click("send").await?;
        let status = loop_ended(h).await?;
        ensure!(
            status.starts_with("Green after 2 attempts"),
            "{status}: {:?}",
            attempts(h).await?
        );
        let checks = checks_shown(h).await?;
        ensure!(
            checks.len() == 3
                && checks
                    .iter()
                    .all(|(group, passed, _)| group == "model-checks" && *passed),
            "the model's three checks hold, in their own group: {checks:?}"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_follow_up_applies_as_an_edit_and_shows_its_diff() -> Result<()> {
    let h = Harness::start("fix_loop_follow_up", config()).await?;
    h.run(async |h| {
        start(h, "demo-1000").await?;
        h.type_into(
            "prompt",
            "a whack-a-mole game in html: moles pop up in a 3x3 grid of holes and you click them",
        )
        .await?;
        h.click("send").await?;
        loop_ended(h).await?;
        let check = "document.getElementById('score').textContent === '0'";
        h.type_into("loop-checks", check).await?;
        h.type_into("prompt", "add a score counter").await?;
        h.click("send").await?;
        loop_ended(h).await?;
        let timeline = attempts(h).await?;
        ensure!(
            timeline.len() == 1
                && timeline[0].0.contains("edit")
                && timeline[0].0.ends_with("passed"),
            "the follow-up's edits applied to the page and it passed: {timeline:?}"
        );
        ensure!(
            timeline[0]
                .1
                .iter()
                .any(|l| l.starts_with("+ ") && l.contains("score")),
            "its diff shows the added lines: {timeline:?}"
        );
        ensure!(
            checks_shown(h).await? == [("user-checks".into(), true, check.into())],
            "the follow-up's check holds"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_edit_that_does_not_match_falls_back_to_the_whole_file() -> Result<()> {
    let h = Harness::start("fix_loop_whole_file", config()).await?;
    h.run(async |h| {
        start(h, "demo-1000").await?;
        h.type_into(
            "loop-checks",
            "document.getElementById('count').textContent === '280'",
        )
        .await?;
        h.type_into(
            "prompt",
            "a textarea with a live character counter that turns red past 280 characters",
        )
        .await?;
        h.click("send").await?;
        let status = loop_ended(h).await?;
        ensure!(status.starts_with("Green after 3 attempts"), "{status}");
        let timeline = attempts(h).await?;
        ensure!(
            timeline[1].0.contains("edits did not apply"),
            "the misquoting edit is named: {timeline:?}"
        );
        ensure!(
            timeline[2].0.contains("whole file") && timeline[2].0.ends_with("passed"),
            "the whole file asked for once, and it passed: {timeline:?}"
        );
        let sent = requests(h).await?;
        let asked = sent[2]["messages"]
            .as_array()
            .and_then(|m| m.last())
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default()
            .to_owned();
        ensure!(
            asked.contains("could not be applied"),
            "the third request asks for the whole file: {asked}"
        );
        Ok(())
    })
    .await
}
