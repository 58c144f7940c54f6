//! The fix loop's timeline under the answer: the headline time to green, then each attempt
//! with its tokens, time, error or pass, and the diff of its edit (changed lines marked).

use leptos::prelude::*;
use sparkplug_core::edit::diff::{FileDiff, LineChange};
use sparkplug_core::iterate::turn::{attempt_line, time_to_green};
use sparkplug_core::iterate::{Attempt, LoopEnd, Verdict};

use crate::app::Chat;

#[component]
pub fn LoopTimeline() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let view = chat.looper.view;
    move || {
        view.get()
            .filter(|v| !v.attempts.is_empty() || v.end.is_some())
            .map(|v| {
                // The figure in milliseconds too, for scripts (the benchmark reads it).
                let green_ms = v.end.and_then(|end| match end {
                    LoopEnd::Green { time_to_green_ms } => {
                        Some(time_to_green_ms.round().to_string())
                    }
                    _ => None,
                });
                let headline = time_to_green(v.end, v.effective_rate).map(|text| {
                    view! {
                        <p class="time-to-green" data-test="time-to-green" data-ms=green_ms>
                            {text}
                        </p>
                    }
                });
                let attempts = v
                    .attempts
                    .into_iter()
                    .enumerate()
                    .map(|(i, attempt)| attempt_item(i + 1, attempt, v.end.is_some()))
                    .collect_view();
                view! {
                    <section class="loop-timeline" aria-label="Attempts" data-test="loop-timeline">
                        {headline}
                        <ol>{attempts}</ol>
                    </section>
                }
            })
    }
}

fn attempt_item(number: usize, attempt: Attempt, over: bool) -> impl IntoView {
    let class = match &attempt.verdict {
        Some(Verdict::Pass) => "attempt-step passed",
        Some(Verdict::Fail { .. }) => "attempt-step failed",
        None => "attempt-step",
    };
    let line = attempt_line(&attempt, over);
    let diffs = attempt
        .diffs
        .into_iter()
        .map(|(name, diff)| file_diff(name, diff))
        .collect_view();
    view! {
        <li class=class data-test="attempt">
            <span class="attempt-number">{format!("Attempt {number}")}</span>
            " "
            <span class="attempt-line">{line}</span>
            {diffs}
        </li>
    }
}

fn file_diff(name: String, diff: FileDiff) -> impl IntoView {
    let hunks = diff
        .hunks
        .into_iter()
        .map(|hunk| {
            let lines = hunk
                .into_iter()
                .map(|line| {
                    let (class, mark) = match line.change {
                        LineChange::Added => ("diff-line added", "+"),
                        LineChange::Removed => ("diff-line removed", "-"),
                        LineChange::Same => ("diff-line", " "),
                    };
                    view! { <span class=class>{format!("{mark} {}\n", line.text)}</span> }
                })
                .collect_view();
            view! { <pre class="diff-hunk">{lines}</pre> }
        })
        .collect_view();
    view! {
        <div class="diff" data-test="attempt-diff">
            <div class="diff-file">
                {format!("{name}  +{} −{}", diff.added, diff.removed)}
            </div>
            {hunks}
        </div>
    }
}
