//! Sessions in Chromium: a follow-up is sent with the earlier turns, "Fix it" sends the edited
//! code and the run's error, "New chat" starts over, and history survives a reload.

use std::time::Duration;

use anyhow::{ensure, Result};
use fantoccini::key::Key;
use serde_json::{json, Value};
use sparkplug_e2e::{test_config, Harness};

const PROMPT: &str = "Write a Minesweeper clone in a single HTML file";

/// Keeps the JSON body of every chat request the page sends.
const CATCH_REQUESTS: &str = "
    window.sent = [];
    const send = window.fetch;
    window.fetch = function (url, init) {
      if (init && typeof init.body === 'string' && init.body.includes('\"messages\"')) sent.push(JSON.parse(init.body));
      return send.apply(this, arguments);
    };";

/// The `n`th request body, once the answer to it has ended.
async fn answered(h: &Harness, n: usize) -> Result<Value> {
    h.wait_for("the answer", Duration::from_secs(60), async |h| {
        let sent = h.js("return window.sent;", vec![]).await?;
        let status = h.attr("status", "class").await?.unwrap_or_default();
        let streaming = h.attr("stop", "disabled").await?.is_none();
        Ok(sent
            .get(n)
            .filter(|_| status.contains("done") && !streaming)
            .cloned())
    })
    .await
}

async fn ask(h: &Harness, prompt: &str, n: usize) -> Result<Vec<Value>> {
    h.type_into("prompt", prompt).await?;
    h.click("send").await?;
    let body = answered(h, n).await?;
    Ok(body["messages"].as_array().cloned().unwrap_or_default())
}

/// The chat's earlier turns on the page: each one's title, whether it is open, and what its
/// answer holds.
async fn transcript(h: &Harness) -> Result<Vec<Value>> {
    let v = h
        .js(
            "return [...document.querySelectorAll('[data-test=turn]')].map(t => ({
               title: t.querySelector('summary').textContent, open: t.open,
               text: t.querySelector('.turn-answer').textContent,
               blocks: t.querySelectorAll('.code-block').length,
               actions: [...t.querySelectorAll('.code-actions button')].map(b => b.className) }));",
            vec![],
        )
        .await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

fn roles(messages: &[Value]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m["role"].as_str().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn follow_ups_continue_the_chat_and_fix_it_sends_the_code_and_error() -> Result<()> {
    let h = Harness::start("session_chat", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.js(CATCH_REQUESTS, vec![]).await?;
        h.choose_listed_model("demo-1000").await?;
        let first = ask(h, PROMPT, 0).await?;
        ensure!(roles(&first) == ["user"], "a first prompt goes alone: {first:?}");

        let second = ask(h, "Make the board bigger", 1).await?;
        ensure!(roles(&second) == ["user", "assistant", "user"], "{:?}", roles(&second));
        ensure!(second[0]["content"] == json!(PROMPT), "the first prompt comes back");
        let earlier = second[1]["content"].as_str().unwrap_or_default();
        ensure!(earlier.contains("```html"), "the earlier answer comes back: {earlier:.80}");
        ensure!(h.text("chat-turns").await?.starts_with("2 turns"), "two turns shown");
        // The first answer moved above the new one, closed, with only Copy on its code.
        let turns = transcript(h).await?;
        ensure!(turns.len() == 1, "one earlier turn: {turns:?}");
        ensure!(
            turns[0]["title"] == json!(format!("1. {PROMPT}")) && turns[0]["open"] == json!(false),
            "{turns:?}"
        );
        ensure!(
            turns[0]["blocks"] == json!(1)
                && turns[0]["actions"] == json!(["code-copy"])
                && turns[0]["text"].as_str().is_some_and(|t| t.contains("<!DOCTYPE html>")),
            "the first answer, whole: {:.300}",
            turns[0]
        );
        ensure!(
            !h.text("answer").await?.contains("<!DOCTYPE html>"),
            "the current answer holds only the follow-up's"
        );

        // The demo answers a follow-up with a small JS snippet: break it in the editor, run
        // it, and ask for a fix.
        h.open_editor().await?;
        h.press_in_editor("a", true).await?;
        h.press_in_editor("nope()", false).await?;
        h.press_in_editor(&char::from(Key::Enter).to_string(), true).await?;
        h.wait_for("the run's error", Duration::from_secs(20), async |h| {
            let error = h
                .js("return document.querySelector('[data-test=console] li.error')?.textContent ?? '';", vec![])
                .await?;
            Ok(error.as_str().is_some_and(|e| e.contains("nope")).then_some(()))
        })
        .await?;
        h.click("fix-it").await?;
        let fix = answered(h, 2).await?;
        let fix = fix["messages"].as_array().cloned().unwrap_or_default();
        ensure!(fix.len() == 5, "the whole chat plus the fix request: {:?}", roles(&fix));
        let asked = fix[4]["content"].as_str().unwrap_or_default();
        ensure!(
            asked.contains("```js\nnope()\n```") && asked.contains("nope is not defined"),
            "the edited code and its error: {asked}"
        );

        ensure!(transcript(h).await?.len() == 2, "the follow-up joined the transcript");
        h.click("new-chat").await?;
        ensure!(transcript(h).await?.is_empty(), "a new chat clears the transcript");
        let fresh = ask(h, "Write a clock", 3).await?;
        ensure!(roles(&fresh) == ["user"], "a new chat starts over: {:?}", roles(&fresh));
        ensure!(transcript(h).await?.is_empty(), "a first prompt has no earlier turn");
        Ok(())
    })
    .await
}

async fn history_titles(h: &Harness) -> Result<Vec<String>> {
    let v = h
        .js(
            "return [...document.querySelectorAll('[data-test=history-open]')].map(b => b.textContent);",
            vec![],
        )
        .await?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

async fn wait_titles(h: &Harness, want: &[&str]) -> Result<()> {
    h.wait_for("the history list", Duration::from_secs(10), async |h| {
        let titles = history_titles(h).await?;
        Ok((titles == want).then_some(()))
    })
    .await
}

#[tokio::test]
async fn history_is_kept_across_a_reload_and_can_be_reopened_renamed_and_deleted() -> Result<()> {
    let h = Harness::start("session_history", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.js(CATCH_REQUESTS, vec![]).await?;
        h.choose_listed_model("demo-1000").await?;
        ask(h, PROMPT, 0).await?;
        ask(h, "Make the board bigger", 1).await?;
        h.click("new-chat").await?;
        ask(h, "Write a clock", 2).await?;
        wait_titles(h, &["Write a clock", PROMPT]).await?;

        h.open("/").await?;
        wait_titles(h, &["Write a clock", PROMPT]).await?;
        // Reopen the two-turn chat: its last answer is shown and it continues.
        h.js(
            "document.querySelectorAll('[data-test=history-open]')[1].click();",
            vec![],
        )
        .await?;
        h.wait_for("the reopened chat", Duration::from_secs(5), async |h| {
            Ok(h.text("chat-turns")
                .await?
                .starts_with("2 turns")
                .then_some(()))
        })
        .await?;
        // The answer is drawn over the next frames, once the markdown engine is there.
        h.wait_for(
            "the last answer of that chat",
            Duration::from_secs(10),
            async |h| {
                Ok(h.text("answer")
                    .await?
                    .contains("offline demo model")
                    .then_some(()))
            },
        )
        .await?;
        let turns = h
            .wait_for(
                "the earlier turn drawn",
                Duration::from_secs(5),
                async |h| {
                    let turns = transcript(h).await?;
                    let drawn = turns.len() == 1 && turns[0]["blocks"] == json!(1);
                    Ok(drawn.then_some(turns))
                },
            )
            .await?;
        ensure!(
            turns[0]["title"] == json!(format!("1. {PROMPT}"))
                && turns[0]["actions"] == json!(["code-copy"]),
            "the reopened chat's first turn: {:.300}",
            turns[0]
        );
        h.js(CATCH_REQUESTS, vec![]).await?;
        h.choose_listed_model("demo-1000").await?;
        let third = ask(h, "And add a timer", 0).await?;
        ensure!(
            third.len() == 5,
            "the reopened chat continues: {:?}",
            roles(&third)
        );

        // Rename the clock, then delete it; both stick after a reload.
        h.js(
            "document.querySelectorAll('[data-test=history-rename]')[1].click();",
            vec![],
        )
        .await?;
        h.set_value("history-name", "My clock").await?;
        wait_titles(h, &[PROMPT, "My clock"]).await?;
        h.open("/").await?;
        wait_titles(h, &[PROMPT, "My clock"]).await?;
        h.js(
            "document.querySelectorAll('[data-test=history-delete]')[1].click();",
            vec![],
        )
        .await?;
        wait_titles(h, &[PROMPT]).await?;
        h.open("/").await?;
        wait_titles(h, &[PROMPT]).await?;
        ensure!(
            h.text("history-problem").await?.is_empty(),
            "no storage problem"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_full_quota_is_reported_not_dropped() -> Result<()> {
    let h = Harness::start("session_quota", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.js(CATCH_REQUESTS, vec![]).await?;
        // The browser refuses every write as a full disk would.
        h.js(
            "IDBObjectStore.prototype.put = function () { throw new DOMException('full', 'QuotaExceededError'); };",
            vec![],
        )
        .await?;
        h.choose_listed_model("demo-1000").await?;
        ask(h, "Write a clock", 0).await?;
        let problem = h
            .wait_for("the report", Duration::from_secs(5), async |h| {
                let text = h.text("history-problem").await?;
                Ok((!text.is_empty()).then_some(text))
            })
            .await?;
        ensure!(problem.contains("storage is full"), "said plainly: {problem}");
        let role = h.attr("history-problem", "role").await?;
        ensure!(role.as_deref() == Some("alert"), "announced");
        ensure!(history_titles(h).await?.is_empty(), "nothing claims to be saved");
        Ok(())
    })
    .await
}
