//! The first vertical slice in a real browser: a prompt streams real code from our server's
//! demo model, the answer grows frame by frame, the meter is right, and Stop keeps the text.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{ensure, Result};
use sparkplug_e2e::{test_config, Harness};

const PROMPT: &str = "Write a Minesweeper clone in a single HTML file";

async fn answer_len(h: &Harness) -> Result<usize> {
    Ok(h.text("answer").await?.chars().count())
}

#[tokio::test]
async fn answer_streams_in_and_the_meter_reads_the_profile_rate() -> Result<()> {
    let h = Harness::start("first_stream_rate", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.choose_listed_model("demo-1000").await?;
        h.type_into("prompt", PROMPT).await?;
        h.click("send").await?;

        // Sample the answer while it streams: it must grow through several lengths.
        let mut lengths = BTreeSet::new();
        let status = h
            .wait_for("the run to finish", Duration::from_secs(60), async |h| {
                let len = answer_len(h).await?;
                if len > 0 {
                    lengths.insert(len);
                }
                let status = h.attr("status", "class").await?.unwrap_or_default();
                Ok(status.contains("done").then_some(status))
            })
            .await?;
        let final_len = answer_len(h).await?;
        let intermediate = lengths.iter().filter(|&&l| l < final_len).count();
        ensure!(
            intermediate >= 3,
            "saw only {intermediate} intermediate lengths ({lengths:?}) before {final_len}; status {status}"
        );
        let text = h.text("answer").await?;
        ensure!(text.contains("<!DOCTYPE html>") || text.contains("<html"), "real HTML code streamed: {text:.200}");

        let final_rate: f64 = h
            .attr("meter-final", "data-value")
            .await?
            .unwrap_or_default()
            .parse()?;
        ensure!(
            (900.0..=1100.0).contains(&final_rate),
            "final rate {final_rate:.1} tokens/s is not within 10% of demo-1000's 1,000"
        );
        let tokens: u64 = h.attr("meter-tokens", "data-value").await?.unwrap_or_default().parse()?;
        ensure!(tokens > 500, "a Minesweeper answer is hundreds of tokens, meter says {tokens}");
        let shown = h.text("meter-tokens").await?;
        ensure!(!shown.contains('≈'), "after usage arrives the count is exact, shown {shown:?}");
        let ttft: f64 = h.attr("meter-ttft", "data-value").await?.unwrap_or_default().parse()?;
        ensure!(ttft > 0.0, "time to first token measured: {ttft}");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn stop_ends_the_stream_and_keeps_the_partial_answer() -> Result<()> {
    let h = Harness::start("first_stream_stop", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        // A slow profile, so the answer is far from done when we stop.
        h.choose_listed_model("demo-52").await?;
        h.type_into("prompt", PROMPT).await?;
        h.click("send").await?;
        h.wait_for("some text", Duration::from_secs(20), async |h| {
            Ok((answer_len(h).await? > 40).then_some(()))
        })
        .await?;
        ensure!(
            h.attr("answer", "aria-busy").await?.as_deref() == Some("true"),
            "the answer is marked busy while streaming"
        );
        h.click("stop").await?;
        let status = h
            .wait_for("the stopped status", Duration::from_secs(5), async |h| {
                let s = h.text("status").await?;
                Ok(s.starts_with("Stopped").then_some(s))
            })
            .await?;
        let at_stop = answer_len(h).await?;
        h.frames(36).await?;
        let later = answer_len(h).await?;
        ensure!(at_stop > 0, "partial text kept ({status})");
        ensure!(
            later == at_stop,
            "nothing arrives after Stop: {at_stop} then {later}"
        );
        let send_disabled = h.attr("send", "disabled").await?;
        ensure!(send_disabled.is_none(), "Send is enabled again after Stop");
        Ok(())
    })
    .await
}
