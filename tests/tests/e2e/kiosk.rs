//! The kiosk in a real browser: three demo profiles race one prompt and finish in the order
//! and times their rates predict, under their human labels, their answers rendered, then
//! ranked; the attract loop runs alone and yields to a key press, which lands in the prompt.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::Value;
use sparkplug_e2e::{test_config, Config, Harness};

/// A short demo answer (about 450 tokens), so even the 52 tokens/s lane ends in seconds.
const SQL_PROMPT: &str = "Teach me basic SQL with an example";

fn kiosk_config(models: &[&str], prompts: &[&str], pause: f64, idle: f64) -> Config {
    let mut config = test_config();
    config.kiosk.models = models.iter().map(|m| m.to_string()).collect();
    config.kiosk.prompts = prompts.iter().map(|p| p.to_string()).collect();
    config.kiosk.pause_seconds = pause;
    config.kiosk.idle_seconds = idle;
    config
}

/// Opens `/kiosk` and waits for its race floor (the main page's readiness check does not
/// apply: the kiosk has no Send button).
async fn open_kiosk(h: &Harness) -> Result<()> {
    h.browser.goto(&format!("{}/kiosk", h.base)).await?;
    h.wait_for("the kiosk to start", Duration::from_secs(20), async |h| {
        let ready = h
            .js(
                "return document.querySelector('[data-test=kiosk-floor]') !== null;",
                vec![],
            )
            .await?;
        Ok(ready.as_bool().unwrap_or(false).then_some(()))
    })
    .await
}

async fn races(h: &Harness) -> Result<u64> {
    Ok(h.attr("kiosk-floor", "data-races")
        .await?
        .unwrap_or_default()
        .parse()
        .unwrap_or(0))
}

async fn mode(h: &Harness) -> Result<String> {
    Ok(h.attr("kiosk-floor", "data-mode")
        .await?
        .unwrap_or_default())
}

/// Every lane's data attributes, title and answer, in column order.
async fn lanes(h: &Harness) -> Result<Vec<Value>> {
    let v = h
        .js(
            "return [...document.querySelectorAll('[data-test=lane]')].map(l => {
               const answer = l.querySelector('[data-test=lane-answer]');
               return {...l.dataset,
                 title: l.querySelector('[data-test=lane-title]').textContent,
                 caption: l.querySelector('[data-test=lane-id]')?.textContent ?? '',
                 text: answer.textContent,
                 codeBlocks: answer.querySelectorAll('.code-block').length,
                 keywords: answer.querySelectorAll('.code-block .tok-kw').length};
             });",
            vec![],
        )
        .await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

/// The human label the server's model list gives `model`.
async fn listed_label(h: &Harness, model: &str) -> Result<String> {
    let label = h
        .browser
        .execute_async(
            "const [model, done] = arguments;
             fetch('/v1/models').then(r => r.json())
               .then(list => done(list.data.find(m => m.id === model)?.label ?? null))
               .catch(e => done(null));",
            vec![model.into()],
        )
        .await?;
    label
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("/v1/models has no label for {model}"))
}

fn string<'a>(value: &'a Value, name: &str) -> &'a str {
    value.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn field(lane: &Value, name: &str) -> Result<f64> {
    lane.get(name)
        .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
        .with_context(|| format!("lane {lane} has no numeric {name}"))
}

#[tokio::test]
async fn three_profiles_finish_in_the_order_and_times_their_rates_predict() -> Result<()> {
    let models = ["demo-52", "demo-1000", "demo-147"];
    // A long pause: exactly one race is under test.
    let mut config = kiosk_config(&models, &[SQL_PROMPT], 600.0, 600.0);
    let configured = "The usual speed, as configured";
    config
        .kiosk
        .labels
        .insert("demo-147".into(), configured.into());
    let h = Harness::start("kiosk_race", config).await?;
    h.run(async |h| {
        open_kiosk(h).await?;
        // Titled by the model list's label (or the configured one), the id small beneath.
        let titles = [
            listed_label(h, "demo-52").await?,
            listed_label(h, "demo-1000").await?,
            configured.to_string(),
        ];
        for ((lane, title), model) in lanes(h).await?.iter().zip(&titles).zip(models) {
            ensure!(
                string(lane, "title") == title,
                "lane {model} is titled {title:?}: {lane}"
            );
            ensure!(
                string(lane, "caption") == format!("{model} · simulated speed"),
                "the id beneath: {lane}"
            );
        }
        h.wait_for("the race to end", Duration::from_secs(60), async |h| {
            Ok((races(h).await? >= 1).then_some(()))
        })
        .await?;
        ensure!(
            h.text("kiosk-now").await? == SQL_PROMPT,
            "the preset prompt is shown"
        );
        let lanes = lanes(h).await?;
        ensure!(lanes.len() == 3, "three columns: {lanes:?}");
        let rates = [52.0, 1000.0, 147.0];
        let expected_place = [3.0, 1.0, 2.0];
        for ((lane, rate), place) in lanes.iter().zip(rates).zip(expected_place) {
            let tokens = field(lane, "tokens")?;
            let ttft = field(lane, "ttftMs")?;
            let finish = field(lane, "finishMs")?;
            ensure!(
                field(lane, "place")? == place,
                "lane {lane} should place {place}"
            );
            let text = string(lane, "text");
            ensure!(
                tokens > 200.0 && text.len() > 500,
                "real code streamed: {lane}"
            );
            // Markdown rendered: the SQL is a highlighted code block, no fence shows.
            ensure!(
                field(lane, "codeBlocks")? >= 1.0 && field(lane, "keywords")? >= 5.0,
                "a highlighted code block: {lane}"
            );
            ensure!(!text.contains("```"), "no fence visible: {text}");
            // The profile streams tokens after the first at `rate`; the band is generous
            // for a loaded 2-core machine.
            let predicted = ttft + (tokens - 1.0) / rate * 1000.0;
            ensure!(
                finish >= predicted * 0.85 && finish <= predicted * 1.5 + 300.0,
                "{lane}: finished in {finish:.0} ms, predicted {predicted:.0} ms"
            );
        }
        // SQL does not run here, so no lane reaches working code: the summary ranks every
        // lane by its finish, fastest first, each compared in words.
        let headline = h.text("summary-headline").await?;
        ensure!(
            headline.starts_with(&format!("{} finished first in ", titles[1]))
                && headline.ends_with("x faster than the slowest."),
            "headline: {headline:?}"
        );
        let rows = h
            .js(
                "return [...document.querySelectorAll('[data-test=summary-row]')].map(r => ({
                   lane: r.dataset.lane,
                   parts: [...r.children].map(c => c.textContent)}));",
                vec![],
            )
            .await?;
        let rows = rows.as_array().cloned().unwrap_or_default();
        ensure!(rows.len() == 3, "one row per lane: {rows:?}");
        let expected = [
            ("1", "1st", "x faster than the slowest"),
            ("2", "2nd", "x faster than the slowest"),
            ("0", "3rd", "x as long as the winner"),
        ];
        for (row, (lane, place, comparison)) in rows.iter().zip(expected) {
            let part = |i: usize| row["parts"][i].as_str().unwrap_or_default();
            let column: usize = lane.parse()?;
            ensure!(
                string(row, "lane") == lane
                    && part(0) == place
                    && part(1) == titles[column]
                    && part(2).contains(" tokens/s, done in ")
                    && part(3).ends_with(comparison),
                "row {place}: {row}"
            );
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_attract_loop_runs_when_idle_and_yields_to_a_key() -> Result<()> {
    let prompts = [
        "Write FizzBuzz in Python",
        "Write a Caesar cipher in Python",
    ];
    let config = kiosk_config(&["demo-max", "demo-20000"], &prompts, 0.3, 3.0);
    let h = Harness::start("kiosk_attract", config).await?;
    h.run(async |h| {
        open_kiosk(h).await?;
        // Nobody touches it: races follow one another through the preset prompts.
        let mut seen = std::collections::BTreeSet::new();
        h.wait_for("two preset races", Duration::from_secs(30), async |h| {
            seen.insert(h.text("kiosk-now").await?);
            Ok((races(h).await? >= 2).then_some(()))
        })
        .await?;
        ensure!(mode(h).await? == "attract", "still the attract loop");
        ensure!(
            prompts.iter().all(|p| seen.contains(*p)),
            "the loop cycled through its prompts: saw {seen:?}"
        );

        // A key press takes over: the prompt box appears, focused, holding the key typed,
        // and the loop waits.
        h.browser
            .find(fantoccini::Locator::Css("body"))
            .await?
            .send_keys("I")
            .await?;
        h.wait_for(
            "the visitor's prompt box",
            Duration::from_secs(5),
            async |h| {
                let focused = h
                    .js(
                        "return document.activeElement?.dataset?.test === 'kiosk-prompt';",
                        vec![],
                    )
                    .await?;
                Ok(focused.as_bool().unwrap_or(false).then_some(()))
            },
        )
        .await?;
        ensure!(mode(h).await? == "visitor", "the visitor has it");
        let frozen = races(h).await?;
        h.frames(60).await?;
        ensure!(
            races(h).await? <= frozen + 1,
            "no preset races while the visitor is here (at most the one stopped mid-way)"
        );
        ensure!(
            h.text("kiosk-summary").await?.is_empty(),
            "the old result is cleared"
        );

        let typed = h
            .js(
                "return document.querySelector('[data-test=kiosk-prompt]').value;",
                vec![],
            )
            .await?;
        ensure!(typed == "I", "the waking key is in the prompt: {typed}");

        // The visitor's own prompt races, typed on from the waking key.
        let visitor = "Implement an LRU cache in JavaScript";
        h.browser
            .active_element()
            .await?
            .send_keys(&visitor[1..])
            .await?;
        let typed = h
            .js(
                "return document.querySelector('[data-test=kiosk-prompt]').value;",
                vec![],
            )
            .await?;
        ensure!(typed == visitor, "typing goes on after it: {typed}");
        let before = races(h).await?;
        h.click("kiosk-go").await?;
        h.wait_for("the visitor's race", Duration::from_secs(20), async |h| {
            Ok((races(h).await? > before).then_some(()))
        })
        .await?;
        ensure!(h.text("kiosk-now").await? == visitor, "their prompt raced");
        ensure!(mode(h).await? == "visitor");

        // Idle for the configured seconds: back to the loop, which races again.
        h.wait_for(
            "the reset to the loop",
            Duration::from_secs(10),
            async |h| Ok((mode(h).await? == "attract").then_some(())),
        )
        .await?;
        let after_reset = races(h).await?;
        h.wait_for(
            "a preset race after the reset",
            Duration::from_secs(15),
            async |h| Ok((races(h).await? > after_reset).then_some(())),
        )
        .await?;
        ensure!(prompts.contains(&h.text("kiosk-now").await?.as_str()));
        Ok(())
    })
    .await
}
