//! The chat's earlier turns above the answer, each a folded section (prompt, receipt) drawn
//! from its markdown only while open; and a fix loop's attempts, each a section below the last.
//!
//! A folded turn keeps no DOM, so a long chat's page stays as small as its last answer. Only
//! Copy stays on an opened turn's code: Run, Edit and Download act on the current answer.

use sparkplug_core::pages::conversation::Turn;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event};

use super::renderer::AnswerRenderer;
use super::DomError;

/// The attribute of a turn's section holding its index in the chat (from 0).
const TURN_INDEX: &str = "data-turn";

/// Adds a folded section for `turn`, number `number` (from 1), at the end of `transcript`, and
/// empties `answer`, where it was drawn: opening the section draws it again.
pub fn archive(
    transcript: &Element,
    answer: &Element,
    number: usize,
    turn: &Turn,
) -> Result<(), DomError> {
    section(transcript, number, turn)?;
    answer.set_text_content(None);
    Ok(())
}

/// Replaces the transcript with folded sections for `turns`.
pub fn restore(transcript: &Element, turns: &[Turn]) -> Result<(), DomError> {
    transcript.set_text_content(None);
    for (i, turn) in turns.iter().enumerate() {
        section(transcript, i + 1, turn)?;
    }
    Ok(())
}

pub fn clear(transcript: &Element) {
    transcript.set_text_content(None);
}

/// Handles a `toggle` of a section (it does not bubble: the transcript listens in the capture
/// phase): an opened one is drawn over the next frames from its turn's markdown, which
/// `answer_of` gives by index; a folded one is emptied.
pub fn toggled(event: &Event, answer_of: impl FnOnce(usize) -> Option<String>) {
    let Some(details) = event
        .target()
        .and_then(|target| target.dyn_into::<Element>().ok())
        .filter(|element| element.class_list().contains("turn"))
    else {
        return;
    };
    let Some(body) = details
        .query_selector(":scope > .turn-answer")
        .ok()
        .flatten()
    else {
        return;
    };
    if !details.has_attribute("open") {
        body.set_text_content(None);
        return;
    }
    let answer = details
        .get_attribute(TURN_INDEX)
        .and_then(|index| index.parse().ok())
        .and_then(answer_of);
    if let Some(answer) = answer {
        if let Err(error) = draw(&body, &answer) {
            web_sys::console::error_1(&error.to_string().into());
        }
    }
}

/// Draws `answer` into `body` over the next frames; a fold before the end stops it (the
/// renderer's tail is gone with the rest).
fn draw(body: &Element, answer: &str) -> Result<(), DomError> {
    let mut renderer = AnswerRenderer::replace_contents(body)?;
    renderer.push(answer);
    renderer.end_of_text();
    let body = body.clone();
    renderer.draw_over_frames(move || {
        if let Err(error) = keep_only_copy(&body) {
            web_sys::console::error_1(&error.to_string().into());
        }
    });
    Ok(())
}

/// A closed `<details>` titled with the turn's prompt and receipt (when it has one), its
/// answer's element empty.
fn section(transcript: &Element, number: usize, turn: &Turn) -> Result<(), DomError> {
    let document: Document = transcript
        .owner_document()
        .ok_or_else(|| DomError("the transcript is not in a document".into()))?;
    let details = document.create_element("details")?;
    details.set_class_name("turn");
    details.set_attribute("data-test", "turn")?;
    details.set_attribute(TURN_INDEX, &(number - 1).to_string())?;
    let summary = document.create_element("summary")?;
    // Text, never markup: the prompt is the user's own, but it is still only text.
    let title = document.create_element("span")?;
    title.set_class_name("turn-prompt");
    title.set_text_content(Some(&format!("{number}. {}", turn.prompt)));
    summary.append_child(&title)?;
    if let Some(receipt) = &turn.receipt {
        let line = document.create_element("span")?;
        line.set_class_name("turn-receipt");
        line.set_attribute("data-test", "turn-receipt")?;
        line.set_text_content(Some(&receipt.line(crate::browser::clock::offset())));
        summary.append_child(&line)?;
    }
    let body = document.create_element("div")?;
    body.set_class_name("answer turn-answer");
    details.append_child(&summary)?;
    details.append_child(&body)?;
    transcript.append_child(&details)?;
    Ok(())
}

fn keep_only_copy(body: &Element) -> Result<(), DomError> {
    let buttons = body.query_selector_all(".code-edit, .code-download, .code-run")?;
    for i in 0..buttons.length() {
        if let Some(button) = buttons.item(i) {
            if let Some(parent) = button.parent_node() {
                parent.remove_child(&button)?;
            }
        }
    }
    Ok(())
}

/// A section for fix attempt `number` (from 2) at the end of the answer; its body, where the
/// attempt's answer is drawn.
pub fn attempt_section(answer: &Element, number: usize) -> Result<Element, DomError> {
    let document = answer.owner_document().ok_or_else(|| {
        DomError::from(wasm_bindgen::JsValue::from_str(
            "the answer has no document",
        ))
    })?;
    let section = document.create_element("section")?;
    section.set_class_name("attempt");
    section.set_attribute("data-test", "attempt-answer")?;
    let heading = document.create_element("h3")?;
    heading.set_text_content(Some(&format!("Attempt {number}")));
    section.append_child(&heading)?;
    let body = document.create_element("div")?;
    section.append_child(&body)?;
    answer.append_child(&section)?;
    Ok(body)
}
