//! Compare in Chromium: three demo lanes race a scenario whose first page is buggy and are
//! ranked by time to working code; the comparison's link restores it; a lane whose endpoint
//! cannot be reached fails alone while the others finish.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use sparkplug_e2e::{test_config, Harness};

/// Chooses the demo's reaction-timer scenario: its first page throws, its fix is an edit.
const BUGGY_PAGE: &str = "a reaction time test page: click as soon as the box turns green";
const LONG: Duration = Duration::from_secs(150);

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
             return new Promise(r => requestAnimationFrame(() => {
               const selects = [...document.querySelectorAll('[data-test=compare-pick]')];
               while (selects.length > models.length) { selects.pop().parentElement.querySelector('[data-test=compare-remove]').click(); }
               const picks = [...document.querySelectorAll('[data-test=compare-pick]')];
               models.forEach((m, i) => {
                 const option = [...picks[i].options].find(o => o.value.endsWith('\\u001f' + m));
                 picks[i].value = option.value;
                 picks[i].dispatchEvent(new Event('change'));
               });
               r(picks.length);
             }));",
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
async fn a_lane_that_cannot_reach_its_endpoint_fails_alone() -> Result<()> {
    let h = Harness::start("compare_unreachable", test_config()).await?;
    h.run(async |h| {
            h.open("/").await?;
            // An endpoint of this browser on a port where nothing listens.
            let saved = json!({
                "list": [
                    {"id": "demo", "name": "Sparkplug demo (offline)", "base_url": "/v1",
                     "format": "openai-chat", "model": "demo-1000"},
                    {"id": "e1", "name": "Nowhere", "base_url": "http://127.0.0.1:59999/v1",
                     "format": "openai-chat", "model": "ghost-model"}
                ],
                "selected": "demo",
                "next_id": 2
            });
            h.js(
                "localStorage.setItem('sparkplug.endpoints.v1', arguments[0]);",
                vec![json!(saved.to_string())],
            )
            .await?;
            h.open("/").await?;
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
            Ok(())
        })
        .await
}
