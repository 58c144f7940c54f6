//! Sessions in Chromium: a follow-up is sent with the earlier turns (and said so before Send),
//! another model starts a new chat, "Fix it" sends the edited code and the run's error, "New
//! chat" starts over, and history with every turn's receipt survives a reload.

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
/// answer holds (elements: how many there are in it).
async fn transcript(h: &Harness) -> Result<Vec<Value>> {
    let v = h
        .js(
            "return [...document.querySelectorAll('[data-test=turn]')].map(t => ({
               title: t.querySelector('.turn-prompt').textContent, open: t.open,
               receipt: t.querySelector('[data-test=turn-receipt]')?.textContent ?? '',
               text: t.querySelector('.turn-answer').textContent,
               elements: t.querySelectorAll('.turn-answer *').length,
               blocks: t.querySelectorAll('.code-block').length,
               actions: [...t.querySelectorAll('.code-actions button')].map(b => b.className) }));",
            vec![],
        )
        .await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

/// Whether every earlier turn is folded and holds no answer at all.
fn all_folded_and_empty(turns: &[Value]) -> bool {
    turns
        .iter()
        .all(|t| t["open"] == json!(false) && t["elements"] == json!(0) && t["text"] == json!(""))
}

/// Opens (or folds) earlier turn `n` as a click on its title does.
async fn set_turn_open(h: &Harness, n: usize, open: bool) -> Result<()> {
    h.js(
        "document.querySelectorAll('[data-test=turn]')[arguments[0]].open = arguments[1];",
        vec![json!(n), json!(open)],
    )
    .await
    .map(drop)
}

/// Opens earlier turn `n` and waits until its answer is drawn from its markdown (a code block
/// with only Copy); returns it as [`transcript`] reads it.
async fn open_turn(h: &Harness, n: usize) -> Result<Value> {
    set_turn_open(h, n, true).await?;
    h.wait_for(
        "the opened turn drawn",
        Duration::from_secs(10),
        async |h| {
            let turn = transcript(h).await?.get(n).cloned().unwrap_or_default();
            let drawn = turn["blocks"].as_u64() >= Some(1)
                && turn["actions"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty() && a.iter().all(|b| b == "code-copy"));
            Ok(drawn.then_some(turn))
        },
    )
    .await
}

/// Folds earlier turn `n` and waits until it holds nothing again.
async fn fold_turn(h: &Harness, n: usize) -> Result<()> {
    set_turn_open(h, n, false).await?;
    h.wait_for(
        "the folded turn emptied",
        Duration::from_secs(5),
        async |h| Ok(all_folded_and_empty(&transcript(h).await?).then_some(())),
    )
    .await
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
        // The first answer is folded above the new one, keeping none of its DOM; opened, it
        // is drawn whole from its markdown, with only Copy on its code; folded, gone again.
        let turns = transcript(h).await?;
        ensure!(turns.len() == 1, "one earlier turn: {turns:?}");
        ensure!(
            turns[0]["title"] == json!(format!("1. {PROMPT}")),
            "{turns:?}"
        );
        ensure!(all_folded_and_empty(&turns), "a folded turn keeps no answer: {turns:?}");
        let opened = open_turn(h, 0).await?;
        ensure!(
            opened["blocks"] == json!(1)
                && opened["actions"] == json!(["code-copy"])
                && opened["text"].as_str().is_some_and(|t| {
                    t.contains("<!DOCTYPE html>") && t.contains("State lives in a flat cells array")
                }),
            "the first answer, whole: {:.300}",
            opened
        );
        fold_turn(h, 0).await?;
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

        let turns = transcript(h).await?;
        ensure!(turns.len() == 2, "the follow-up joined the transcript");
        ensure!(all_folded_and_empty(&turns), "both folded, empty: {turns:?}");
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
            "return [...document.querySelectorAll('[data-test=history-title]')].map(b => b.textContent);",
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
        // The earlier turn comes back folded and empty, and is drawn when opened.
        let turns = transcript(h).await?;
        ensure!(
            turns.len() == 1
                && turns[0]["title"] == json!(format!("1. {PROMPT}"))
                && all_folded_and_empty(&turns),
            "the reopened chat's first turn, folded: {turns:?}"
        );
        let opened = open_turn(h, 0).await?;
        ensure!(
            opened["blocks"] == json!(1)
                && opened["actions"] == json!(["code-copy"])
                && opened["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("<!DOCTYPE html>")),
            "the reopened chat's first turn, opened: {:.300}",
            opened
        );
        fold_turn(h, 0).await?;
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
        h.wait_for(
            "the name field focused",
            Duration::from_secs(5),
            async |h| {
                let focused = h
                    .js("return document.activeElement?.dataset.test ?? '';", vec![])
                    .await?;
                Ok((focused == json!("history-name")).then_some(()))
            },
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
        // Undo puts it back, where it was, and it stays after a reload.
        ensure!(
            h.attr("history-undo-bar", "hidden").await?.is_none()
                && h.text("history-undo-bar").await?.contains("My clock"),
            "Undo is offered for the deleted chat"
        );
        h.click("history-undo").await?;
        wait_titles(h, &[PROMPT, "My clock"]).await?;
        ensure!(
            h.attr("history-undo-bar", "hidden").await?.is_some(),
            "Undo is offered once"
        );
        h.open("/").await?;
        wait_titles(h, &[PROMPT, "My clock"]).await?;
        h.js(
            "document.querySelectorAll('[data-test=history-delete]')[1].click();",
            vec![],
        )
        .await?;
        wait_titles(h, &[PROMPT]).await?;
        // Left alone, the offer goes after a few seconds.
        h.wait_for("Undo to go", Duration::from_secs(20), async |h| {
            Ok(h.attr("history-undo-bar", "hidden").await?.map(drop))
        })
        .await?;
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

/// What the line by the prompt says Send will do, and whether that is a new chat.
async fn send_mode(h: &Harness) -> Result<(bool, String)> {
    let new_chat = h.attr("send-mode", "data-new-chat").await?;
    Ok((
        new_chat.as_deref() == Some("true"),
        h.text("send-mode").await?,
    ))
}

/// Each History row's details line.
async fn history_details(h: &Harness) -> Result<Vec<String>> {
    let v = h
        .js(
            "return [...document.querySelectorAll('[data-test=history-details]')].map(d => d.textContent);",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

/// Reopens the `n`th History row and waits until its last answer holds `answer_has`.
async fn reopen(h: &Harness, n: usize, answer_has: &str) -> Result<()> {
    h.js(
        "document.querySelectorAll('[data-test=history-open]')[arguments[0]].click();",
        vec![json!(n)],
    )
    .await?;
    h.wait_for("the reopened answer", Duration::from_secs(10), async |h| {
        Ok(h.text("answer").await?.contains(answer_has).then_some(()))
    })
    .await
}

#[tokio::test]
async fn another_model_starts_a_new_chat_and_every_turn_keeps_its_receipt() -> Result<()> {
    let h = Harness::start("session_receipts", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.js(CATCH_REQUESTS, vec![]).await?;
        h.choose_listed_model("demo-1000").await?;
        let (new_chat, said) = send_mode(h).await?;
        ensure!(
            new_chat && said.starts_with("New chat"),
            "before anything: {said}"
        );
        ask(h, PROMPT, 0).await?;
        let (new_chat, said) = send_mode(h).await?;
        ensure!(
            !new_chat && said.starts_with("Follow-up"),
            "after an answer: {said}"
        );
        ensure!(
            h.text("send").await? == "Send: follow-up",
            "the button says so too"
        );
        let second = ask(h, "Make the board bigger", 1).await?;
        ensure!(second.len() == 3, "a follow-up: {:?}", roles(&second));
        let final_rate = h
            .attr("meter-final", "data-value")
            .await?
            .unwrap_or_default();
        ensure!(
            !final_rate.is_empty(),
            "the second turn's rate is on the meter"
        );
        let turns = transcript(h).await?;
        let receipt = turns[0]["receipt"].as_str().unwrap_or_default();
        ensure!(
            receipt.starts_with("demo-1000 · ")
                && receipt.contains(" tokens · TTFT ")
                && receipt.contains(" tok/s · "),
            "the folded turn keeps its receipt: {receipt}"
        );

        // Another model: the line says, before Send, that this starts a new chat.
        h.choose_listed_model("demo-5000").await?;
        let (new_chat, said) = send_mode(h).await?;
        ensure!(
            new_chat && said.contains("demo-1000") && said.contains("demo-5000"),
            "a model change is said: {said}"
        );
        ensure!(
            h.text("send").await? == "Send: new chat",
            "and on the button"
        );
        ensure!(
            h.attr("keep-chat", "hidden").await?.is_none(),
            "Keep this chat is offered"
        );
        let third = ask(h, "Write a clock", 2).await?;
        ensure!(
            roles(&third) == ["user"],
            "no history went to demo-5000: {:?}",
            roles(&third)
        );
        ensure!(
            transcript(h).await?.is_empty(),
            "a new chat has no earlier turn"
        );
        wait_titles(h, &["Write a clock", PROMPT]).await?;
        let details = history_details(h).await?;
        ensure!(
            details[0].starts_with("demo-5000 · ") && details[0].contains(" tok/s · "),
            "{details:?}"
        );
        ensure!(
            details[1].starts_with("demo-1000 · ") && details[1].contains(" · 2 turns · "),
            "{details:?}"
        );

        // After a reload, reopening the first chat restores its meter, model and receipts.
        h.open("/").await?;
        wait_titles(h, &["Write a clock", PROMPT]).await?;
        reopen(h, 1, "offline demo model").await?;
        ensure!(
            h.attr("meter-final", "data-value").await?.as_deref() == Some(final_rate.as_str()),
            "the meter shows the last turn's rate"
        );
        let model = h
            .js(
                "return document.querySelector('[data-test=model]').value;",
                vec![],
            )
            .await?;
        ensure!(
            model == json!("demo-1000"),
            "the chat's model is chosen: {model}"
        );
        let turns = h
            .wait_for("the earlier turn", Duration::from_secs(5), async |h| {
                let turns = transcript(h).await?;
                Ok((turns.len() == 1).then_some(turns))
            })
            .await?;
        ensure!(
            turns[0]["receipt"].as_str() == Some(receipt),
            "the folded turn's receipt survived: {:?}",
            turns[0]["receipt"]
        );
        let (new_chat, said) = send_mode(h).await?;
        ensure!(!new_chat, "the reopened chat continues: {said}");

        // Keep this chat: a follow-up on another model, by choice.
        h.js(CATCH_REQUESTS, vec![]).await?;
        h.choose_listed_model("demo-5000").await?;
        ensure!(
            send_mode(h).await?.0,
            "another model would start a new chat"
        );
        h.click("keep-chat").await?;
        let (new_chat, said) = send_mode(h).await?;
        ensure!(!new_chat && said.starts_with("Follow-up"), "kept: {said}");
        let kept = ask(h, "And add a timer", 0).await?;
        ensure!(kept.len() == 5, "the chat was kept: {:?}", roles(&kept));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn share_from_a_reopened_chat_round_trips() -> Result<()> {
    let h = Harness::start("session_share", test_config()).await?;
    h.run(async |h| {
        h.open("/").await?;
        h.js(CATCH_REQUESTS, vec![]).await?;
        h.choose_listed_model("demo-1000").await?;
        ask(h, "Write FizzBuzz in Python", 0).await?;
        let figures = async |h: &Harness| -> Result<(String, Option<String>, Option<String>)> {
            Ok((
                h.text("answer").await?,
                h.attr("meter-final", "data-value").await?,
                h.attr("meter-tokens", "data-value").await?,
            ))
        };
        let original = figures(h).await?;
        wait_titles(h, &["Write FizzBuzz in Python"]).await?;

        h.open("/").await?;
        wait_titles(h, &["Write FizzBuzz in Python"]).await?;
        reopen(h, 0, "print").await?;
        let reopened = h
            .wait_for("the whole answer", Duration::from_secs(10), async |h| {
                let now = figures(h).await?;
                Ok((now == original).then_some(now))
            })
            .await?;
        ensure!(reopened == original, "reopened as it was");
        ensure!(
            h.attr("share", "disabled").await?.is_none(),
            "Share is offered"
        );
        let link = h.share_link().await?;
        h.browser.goto("about:blank").await?;
        h.browser.goto(&link).await?;
        let model = h
            .wait_for("the shared result", Duration::from_secs(20), async |h| {
                h.attr("shared-banner", "data-model").await
            })
            .await?;
        ensure!(model == "demo-1000", "the model travels: {model}");
        h.wait_for(
            "the same answer and figures",
            Duration::from_secs(10),
            async |h| Ok((figures(h).await? == original).then_some(())),
        )
        .await?;
        let prompt = h
            .js(
                "return document.querySelector('[data-test=prompt]').value;",
                vec![],
            )
            .await?;
        ensure!(
            prompt == json!("Write FizzBuzz in Python"),
            "the prompt travels"
        );
        Ok(())
    })
    .await
}
