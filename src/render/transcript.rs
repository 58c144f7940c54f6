//! The chat's earlier turns above the current answer, each a collapsed section titled with its
//! prompt and receipt: a finished answer is moved there as it is, a reopened chat's are drawn;
//! and a fix loop's later attempts, each a section below the answer before it.
//!
//! Only Copy stays on their code blocks: Run, Edit and Download act on the current answer.

use sparkplug_core::pages::conversation::Turn;
use web_sys::{Document, Element};

use super::renderer::AnswerRenderer;
use super::DomError;

/// Moves everything in `answer` into a new section for `turn`, number `number` (from 1), at
/// the end of `transcript`.
pub fn archive(
    transcript: &Element,
    answer: &Element,
    number: usize,
    turn: &Turn,
) -> Result<(), DomError> {
    let body = section(transcript, number, turn)?;
    while let Some(child) = answer.first_child() {
        body.append_child(&child)?;
    }
    keep_only_copy(&body)
}

/// Replaces the transcript with `turns`, drawn over the next frames.
pub fn restore(transcript: &Element, turns: &[Turn]) -> Result<(), DomError> {
    transcript.set_text_content(None);
    for (i, turn) in turns.iter().enumerate() {
        let body = section(transcript, i + 1, turn)?;
        let mut renderer = AnswerRenderer::replace_contents(&body)?;
        renderer.push(&turn.answer);
        renderer.end_of_text();
        renderer.draw_over_frames(move || {
            if let Err(error) = keep_only_copy(&body) {
                web_sys::console::error_1(&error.to_string().into());
            }
        });
    }
    Ok(())
}

pub fn clear(transcript: &Element) {
    transcript.set_text_content(None);
}

/// A closed `<details>` titled with the turn's prompt and receipt (when it has one); returns
/// the element for its answer.
fn section(transcript: &Element, number: usize, turn: &Turn) -> Result<Element, DomError> {
    let document: Document = transcript
        .owner_document()
        .ok_or_else(|| DomError("the transcript is not in a document".into()))?;
    let details = document.create_element("details")?;
    details.set_class_name("turn");
    details.set_attribute("data-test", "turn")?;
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
    Ok(body)
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
