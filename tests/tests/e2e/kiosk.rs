//! The kiosk in a real browser: three demo profiles race one prompt and finish in the order
//! and times their rates predict; the attract loop runs alone and yields to a key press.

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

/// Every lane's data attributes, in column order.
async fn lanes(h: &Harness) -> Result<Vec<Value>> {
    let v = h
        .js(
            "return [...document.querySelectorAll('[data-test=lane]')].map(l => ({...l.dataset, chars: l.querySelector('pre').textContent.length}));",
            vec![],
        )
        .await?;
    Ok(v.as_array().cloned().unwrap_or_default())
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
    let config = kiosk_config(&models, &[SQL_PROMPT], 600.0, 600.0);
    let h = Harness::start("kiosk_race", config).await?;
    h.run(async |h| {
        open_kiosk(h).await?;
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
            ensure!(
                tokens > 200.0 && field(lane, "chars")? > 500.0,
                "real code streamed: {lane}"
            );
            // The profile streams tokens after the first at `rate`; the band is generous
            // for a loaded 2-core machine.
            let predicted = ttft + (tokens - 1.0) / rate * 1000.0;
            ensure!(
                finish >= predicted * 0.85 && finish <= predicted * 1.5 + 300.0,
                "{lane}: finished in {finish:.0} ms, predicted {predicted:.0} ms"
            );
        }
        let summary = h.text("kiosk-summary").await?;
        ensure!(
            summary.starts_with("demo-1000 finished in ") && summary.ends_with("x faster"),
            "summary line: {summary:?}"
        );
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

        // A key press takes over: the prompt box appears, focused, and the loop waits.
        h.browser
            .find(fantoccini::Locator::Css("body"))
            .await?
            .send_keys(" ")
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

        // The visitor's own prompt races.
        let visitor = "Implement an LRU cache in JavaScript";
        h.type_into("kiosk-prompt", visitor).await?;
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
