//! Compare in Chromium: three demo lanes race a scenario whose first page is buggy and are
//! ranked by time to working code; the comparison's link restores it; a lane whose endpoint
//! cannot be reached fails alone while the others finish, and another lane continues in the
//! chat with its model; a lane's page runs while its answer streams; a lane's busy loop
//! stalls neither another lane's running page nor a lane still streaming; on a phone the
//! lanes stack.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use sparkplug_e2e::{test_config, Harness};

use crate::layout_support::{no_sideways_overflow, resize};
use crate::sandbox_support::{fence, Answers};

/// Chooses the demo's reaction-timer scenario: its first page throws, its fix is an edit.
const BUGGY_PAGE: &str = "a reaction time test page: click as soon as the box turns green";
const LONG: Duration = Duration::from_secs(150);

/// Saves the demo endpoint and `(name, base URL, model)` endpoints of the user's, and
/// reloads so the app reads them.
async fn save_endpoints(h: &Harness, endpoints: &[(&str, &str, &str)]) -> Result<()> {
    let mut list = vec![
        json!({"id": "demo", "name": "Sparkplug demo (offline)", "base_url": "/v1",
                               "format": "openai-chat", "model": "demo-1000"}),
    ];
    for (i, (name, base_url, model)) in endpoints.iter().enumerate() {
        list.push(
            json!({"id": format!("e{}", i + 1), "name": name, "base_url": base_url,
                         "format": "openai-chat", "model": model}),
        );
    }
    let saved = json!({"list": list, "selected": "demo", "next_id": endpoints.len() + 1});
    h.js(
        "localStorage.setItem('sparkplug.endpoints.v1', arguments[0]);",
        vec![json!(saved.to_string())],
    )
    .await?;
    h.open("/").await
}

/// Opens Compare and waits until its lane pickers hold the demo's models.
async fn open_compare(h: &Harness) -> Result<()> {
    h.click("open-compare").await?;
    h.wait_for(
        "the lane pickers to fill",
        Duration::from_secs(20),
        async |h| {
            let n = h
                .js(
                    "return document.querySelectorAll('[data-test=compare-pick] option').length;",
                    vec![],
                )
                .await?;
            Ok((n.as_u64().unwrap_or(0) >= 3).then_some(()))
        },
    )
    .await
}

/// Picks each lane's model: the option whose text or value names it.
async fn pick(h: &Harness, models: &[&str]) -> Result<()> {
    let done = h
        .js(
            "const models = arguments[0];
             let add = document.querySelector('[data-test=compare-add]');
             while (document.querySelectorAll('[data-test=compare-pick]').length < models.length) add.click();
             const frame = () => new Promise(r => requestAnimationFrame(r));
             return frame().then(() => {
               const selects = [...document.querySelectorAll('[data-test=compare-pick]')];
               while (selects.length > models.length) { selects.pop().parentElement.querySelector('[data-test=compare-remove]').click(); }
               return frame();
             }).then(() => {
               const picks = [...document.querySelectorAll('[data-test=compare-pick]')];
               models.forEach((m, i) => {
                 const option = [...picks[i].options].find(o => o.value.endsWith('\\u001f' + m));
                 picks[i].value = option.value;
                 picks[i].dispatchEvent(new Event('change'));
               });
               return picks.length;
             });",
            vec![json!(models)],
        )
        .await?;
    ensure!(
        done == json!(models.len()),
        "{} lanes picked: {done}",
        models.len()
    );
    Ok(())
}

async fn race(h: &Harness, prompt: &str) -> Result<()> {
    h.js(
        "const p = document.querySelector('[data-test=compare-prompt]');
         p.value = arguments[0]; p.dispatchEvent(new Event('input'));",
        vec![json!(prompt)],
    )
    .await?;
    h.click("compare-race").await
}

/// Every shown lane's figures, once the summary is up.
async fn lanes(h: &Harness) -> Result<Vec<Value>> {
    h.wait_for("the race to end", LONG, async |h| {
        Ok((!h
            .text("summary-headline")
            .await
            .unwrap_or_default()
            .is_empty())
        .then_some(()))
    })
    .await?;
    let v = h
        .js(
            "return [...document.querySelectorAll('.lane-slot:not([hidden]) [data-test=lane]')].map(l => ({
               ...l.dataset,
               title: l.querySelector('[data-test=lane-title]').textContent,
               progress: l.querySelector('[data-test=lane-progress]').textContent,
               frames: l.querySelectorAll('iframe[sandbox]').length,
               runner: l.querySelector('iframe[sandbox]')?.dataset.runner ?? ''}));",
            vec![],
        )
        .await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

fn number(lane: &Value, key: &str) -> Result<f64> {
    lane[key]
        .as_str()
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("{key} of {lane}"))
}

#[tokio::test]
async fn three_lanes_are_ranked_by_time_to_working_code_and_the_link_restores_them() -> Result<()> {
    let h = Harness::start("compare_three", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        open_compare(h).await?;
        pick(h, &["demo-1000", "demo-147", "demo-52"]).await?;
        race(h, BUGGY_PAGE).await?;
        let lanes = lanes(h).await?;
        ensure!(lanes.len() == 3, "three lanes: {lanes:?}");
        let mut runners = Vec::new();
        for (lane, place) in lanes.iter().zip(["1", "2", "3"]) {
            ensure!(lane["place"] == json!(place), "{lane}: place {place}");
            // Every lane's first page threw; an edit fixed it in its own runner.
            ensure!(
                number(lane, "attempts")? >= 2.0,
                "{lane}: fixed by a later attempt"
            );
            ensure!(
                number(lane, "greenMs")? > number(lane, "finishMs")?,
                "{lane}"
            );
            ensure!(lane["frames"] == json!(1), "{lane}: one runner frame");
            runners.push(lane["runner"].as_str().unwrap_or_default().to_owned());
        }
        runners.dedup();
        ensure!(
            runners.len() == 3 && runners.iter().all(|r| r.contains(".localhost:")),
            "each lane on a runner site of its own: {runners:?}"
        );
        // The factor in the headline is the lanes' own times, and the rates bound it:
        // the slowest lane cannot take longer than its rate explains, nor less than the
        // fastest lane's time.
        let (fast, slow) = (number(&lanes[0], "greenMs")?, number(&lanes[2], "greenMs")?);
        let factor = slow / fast;
        ensure!(
            factor > 2.0 && factor < 1000.0 / 52.0 * 1.2,
            "time to green {fast:.0} vs {slow:.0} ms"
        );
        let headline = h.text("summary-headline").await?;
        let title = lanes[0]["title"].as_str().unwrap_or_default();
        let said = if factor >= 10.0 {
            format!("{factor:.0}x sooner.")
        } else {
            format!("{factor:.1}x sooner.")
        };
        ensure!(
            headline.starts_with(&format!("{title} reached working code in "))
                && headline.ends_with(&said),
            "headline {headline:?} (factor {factor:.2})"
        );

        h.click("compare-share").await?;
        let link = h
            .wait_for("the link", Duration::from_secs(5), async |h| {
                let v = h
                    .js(
                        "return document.querySelector('[data-test=compare-link]')?.value ?? '';",
                        vec![],
                    )
                    .await?;
                Ok(v.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
            })
            .await?;
        ensure!(link.contains("#compare=1."), "{link}");
        let fragment = link.split_once('#').map(|(_, f)| f).unwrap_or_default();
        h.open(&format!("/#{fragment}")).await?;
        h.wait_for(
            "the shared comparison",
            Duration::from_secs(10),
            async |h| {
                Ok(
                    (h.text("summary-headline").await.unwrap_or_default() == headline)
                        .then_some(()),
                )
            },
        )
        .await?;
        ensure!(
            !h.text("compare-shown").await?.is_empty(),
            "it says it was not run here"
        );
        let shown = lanes_shown(h).await?;
        for (lane, was) in shown.iter().zip(&lanes) {
            ensure!(
                lane["place"] == was["place"] && lane["greenMs"] == was["greenMs"],
                "restored {lane} vs {was}"
            );
            ensure!(
                lane["frames"] == json!(0),
                "a shared comparison runs nothing: {lane}"
            );
        }
        Ok(())
    })
    .await
}

/// The lanes as shown, without waiting for a race.
async fn lanes_shown(h: &Harness) -> Result<Vec<Value>> {
    let v = h
        .js(
            "return [...document.querySelectorAll('.lane-slot:not([hidden]) [data-test=lane]')].map(l => ({
               ...l.dataset, frames: l.querySelectorAll('iframe[sandbox]').length}));",
            vec![],
        )
        .await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

#[tokio::test]
async fn a_lane_that_cannot_reach_its_endpoint_fails_alone_and_another_continues_in_the_chat(
) -> Result<()> {
    let h = Harness::start("compare_unreachable", test_config()).await?;
    h.run(async |h| {
            h.open("/").await?;
            // An endpoint of this browser on a port where nothing listens.
            save_endpoints(h, &[("Nowhere", "http://127.0.0.1:59999/v1", "ghost-model")]).await?;
            open_compare(h).await?;
            pick(h, &["demo-1000", "ghost-model", "demo-170"]).await?;
            race(h, "Write FizzBuzz in Python").await?;
            let lanes = lanes(h).await?;
            ensure!(lanes.len() == 3, "{lanes:?}");
            let ghost = &lanes[1];
            ensure!(
                ghost["place"] == json!("0")
                    && ghost["progress"].as_str().is_some_and(|p| p.starts_with("Failed:")),
                "the unreachable lane failed: {ghost}"
            );
            for lane in [&lanes[0], &lanes[2]] {
                ensure!(
                    number(lane, "tokens")? > 50.0 && lane["done"] == json!("true"),
                    "the others finished: {lane}"
                );
            }
            let rows = h
                .js(
                    "return [...document.querySelectorAll('[data-test=summary-row]')].map(r => r.textContent);",
                    vec![],
                )
                .await?;
            ensure!(
                rows.as_array().is_some_and(|r| r.len() == 3
                    && r[2].as_str().is_some_and(|t| t.contains("failed: "))),
                "the failed lane comes last, with its error: {rows}"
            );

            // The third lane's answer goes on in the chat, with its model.
            let answer = h
                .js(
                    "return document.querySelectorAll('.lane-slot:not([hidden]) [data-test=lane] .lane-answer')[2].textContent;",
                    vec![],
                )
                .await?;
            h.js(
                "document.querySelectorAll('.lane-slot:not([hidden]) [data-test=lane-continue]')[2].click();",
                vec![],
            )
            .await?;
            h.wait_for("the lane's answer in the chat", Duration::from_secs(10), async |h| {
                Ok((Value::String(h.text("answer").await?) == answer).then_some(()))
            })
            .await?;
            let model = h
                .js("return document.querySelector('[data-test=model]').value;", vec![])
                .await?;
            ensure!(model == json!("demo-170"), "the lane's model is picked: {model}");
            ensure!(
                h.attr("send-mode", "data-new-chat").await?.as_deref() == Some("false"),
                "the next prompt follows up the lane's answer"
            );
            ensure!(
                h.attr("compare", "data-test").await?.is_none(),
                "the workspace is on show again"
            );
            h.type_into("prompt", "Now count to 20").await?;
            h.click("send").await?;
            h.wait_for_answer(LONG).await?;
            let turns = h.text("chat-turns").await?;
            ensure!(turns.starts_with("2 turns"), "a follow-up of the lane: {turns:?}");
            Ok(())
        })
        .await
}

/// A page that logs a tick every 50 ms.
const TICKER: &str = "<!doctype html><p>ticking</p>
<script>let n = 0; setInterval(() => console.log('tick ' + (++n)), 50);</script>";

/// A page that, a second after it loaded (the lane has judged it by then), holds its thread
/// for two seconds: less than the silence that gets a runner killed.
const BUSY: &str = "<!doctype html><p>busy</p>
<script>
setTimeout(() => {
  console.log('loop starts');
  setTimeout(() => {
    const end = Date.now() + 2000;
    while (Date.now() < end) {}
    console.log('loop ended');
  }, 100);
}, 1000);
</script>";

#[tokio::test]
async fn a_busy_loop_in_one_lane_stalls_neither_another_lanes_page_nor_a_streaming_lane(
) -> Result<()> {
    let answers = Answers::new("compare_busy")?;
    answers.add("ticker", &fence("html", TICKER))?;
    answers.add("busy", &fence("html", BUSY))?;
    let h = Harness::start("compare_busy", answers.config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        save_endpoints(
            h,
            &[
                ("Ticker", "/v1", "test/fixture@65536/ticker.sse"),
                ("Busy", "/v1", "test/fixture@65536/busy.sse"),
            ],
        )
        .await?;
        open_compare(h).await?;
        pick(
            h,
            &["test/fixture@65536/ticker.sse", "test/fixture@65536/busy.sse", "demo-52"],
        )
        .await?;
        // What the other lanes did from the moment the loop started to the moment it ended,
        // noted by an observer as the lines arrive (not sampled by the test's round trips).
        h.js(
            "window.isolation = {};
             const lane = m => [...document.querySelectorAll('.lane-slot:not([hidden]) [data-test=lane]')]
               .find(l => l.dataset.model === m);
             const note = () => {
               const ticker = lane(arguments[0]), slow = lane('demo-52');
               return {
                 ticks: [...ticker.querySelectorAll('[data-test=lane-console] li')]
                   .filter(li => li.textContent.includes('tick ')).length,
                 tokens: Number(slow.dataset.tokens),
                 chars: slow.querySelector('[data-test=lane-answer]').textContent.length,
                 at: performance.now(),
               };
             };
             new MutationObserver(() => {
               const busy = lane(arguments[1]);
               const said = busy ? busy.querySelector('[data-test=lane-console]').textContent : '';
               if (!isolation.start && said.includes('loop starts')) isolation.start = note();
               if (!isolation.end && said.includes('loop ended')) isolation.end = note();
             }).observe(document.body, { subtree: true, childList: true, characterData: true });",
            vec![
                json!("test/fixture@65536/ticker.sse"),
                json!("test/fixture@65536/busy.sse"),
            ],
        )
        .await?;
        race(h, "/long").await?;
        let seen = h
            .wait_for("the busy lane's loop to end", Duration::from_secs(60), async |h| {
                let v = h.js("return window.isolation;", vec![]).await?;
                Ok((v["start"].is_object() && v["end"].is_object()).then_some(v))
            })
            .await?;
        let (start, end) = (&seen["start"], &seen["end"]);
        let gap = |key: &str| end[key].as_f64().unwrap_or(0.0) - start[key].as_f64().unwrap_or(0.0);
        ensure!(gap("at") >= 1900.0, "the loop held its lane for 2 s: {seen}");
        // About 40 ticks come in 2 s; a runner sharing the busy lane's process gets none.
        ensure!(gap("ticks") >= 10.0, "the ticking lane kept running: {seen}");
        ensure!(
            gap("tokens") > 0.0 && gap("chars") > 0.0,
            "the streaming lane kept streaming and drawing: {seen}"
        );
        let runners = h
            .js(
                "return [...document.querySelectorAll('.lane-slot:not([hidden]) [data-test=lane] iframe[sandbox]')]
                   .map(f => f.dataset.runner);",
                vec![],
            )
            .await?;
        let mut sites: Vec<&str> = runners
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        sites.sort_unstable();
        sites.dedup();
        ensure!(sites.len() == 3, "every lane on a runner of its own: {runners}");
        eprintln!("compare isolation: during the loop {seen}");
        h.click("compare-stop").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_lanes_page_runs_while_its_answer_still_streams() -> Result<()> {
    let h = Harness::start("compare_live", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        open_compare(h).await?;
        pick(h, &["demo-1000", "demo-170"]).await?;
        // The demo's Minesweeper answer has seconds of prose after its page at 170 tok/s.
        race(h, "Write a Minesweeper clone in a single HTML file").await?;
        let seen = h
            .wait_for("demo-170's page to load", LONG, async |h| {
                let v = h
                    .js(
                        "const lane = [...document.querySelectorAll('.lane-slot:not([hidden]) [data-test=lane]')]
                           .find(l => l.dataset.model === 'demo-170');
                         return { status: lane.querySelector('[data-test=lane-run-status]').textContent,
                                  finished: lane.dataset.finishMs !== '' };",
                        vec![],
                    )
                    .await?;
                let loaded = v["status"].as_str().is_some_and(|s| s.starts_with("Page loaded"));
                Ok(loaded.then_some(v))
            })
            .await?;
        ensure!(
            seen["finished"] == json!(false),
            "the page ran only after the answer had ended: {seen}"
        );
        h.click("compare-stop").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn on_a_phone_the_lanes_stack_full_width_and_nothing_scrolls_sideways() -> Result<()> {
    let h = Harness::start("compare_phone", test_config()).await?;
    h.run(async |h| {
        let (width, _) = resize(h, 390, 844).await?;
        h.open("/").await?;
        open_compare(h).await?;
        pick(h, &["demo-1000", "demo-170"]).await?;
        no_sideways_overflow(h, "compare before the race").await?;
        race(h, "Write FizzBuzz in Python").await?;
        let lanes = lanes(h).await?;
        ensure!(
            lanes.iter().all(|l| l["done"] == json!("true")),
            "both lanes finished: {lanes:?}"
        );
        no_sideways_overflow(h, "compare after the race").await?;
        let boxes = h
            .js(
                "return [...document.querySelectorAll('.lane-slot:not([hidden]) [data-test=lane]')].map(l => {
                   const r = l.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; });",
                vec![],
            )
            .await?;
        let boxes: Vec<[f64; 4]> = serde_json::from_value(boxes)?;
        ensure!(boxes.len() == 2, "two lanes shown: {boxes:?}");
        let (first, second) = (boxes[0], boxes[1]);
        for b in &boxes {
            ensure!(
                b[0] >= 0.0 && b[2] <= width && b[2] - b[0] >= width * 0.85,
                "a lane takes the phone's width ({width} px): {b:?}"
            );
        }
        ensure!(
            second[1] >= first[3] - 1.0,
            "the second lane is below the first: {boxes:?}"
        );
        Ok(())
    })
    .await
}
