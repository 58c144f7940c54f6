//! The chat's earlier turns above the current answer, each a collapsed section: a finished
//! answer is moved there as it is (never re-rendered), a reopened chat's are drawn there.
//!
//! Only Copy stays on their code blocks: Run, Edit and Download act on the current answer.

use sparkplug_core::pages::conversation::Turn;
use web_sys::{Document, Element};

use super::renderer::AnswerRenderer;
use super::DomError;

/// Moves everything in `answer` into a new section for turn `number` (from 1), asked with
/// `prompt`, at the end of `transcript`.
pub fn archive(
    transcript: &Element,
    answer: &Element,
    number: usize,
    prompt: &str,
) -> Result<(), DomError> {
    let body = section(transcript, number, prompt)?;
    while let Some(child) = answer.first_child() {
        body.append_child(&child)?;
    }
    keep_only_copy(&body)
}

/// Replaces the transcript with `turns`, drawn over the next frames.
pub fn restore(transcript: &Element, turns: &[Turn]) -> Result<(), DomError> {
    transcript.set_text_content(None);
    for (i, turn) in turns.iter().enumerate() {
        let body = section(transcript, i + 1, &turn.prompt)?;
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

/// A closed `<details>` titled with the turn's prompt; returns the element for its answer.
fn section(transcript: &Element, number: usize, prompt: &str) -> Result<Element, DomError> {
    let document: Document = transcript
        .owner_document()
        .ok_or_else(|| DomError("the transcript is not in a document".into()))?;
    let details = document.create_element("details")?;
    details.set_class_name("turn");
    details.set_attribute("data-test", "turn")?;
    let summary = document.create_element("summary")?;
    // Text, never markup: the prompt is the user's own, but it is still only text.
    summary.set_text_content(Some(&format!("{number}. {prompt}")));
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
