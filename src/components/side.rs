//! What a model sends beside the answer: reasoning in a collapsible section, a refusal set
//! apart, tool-call arguments as their raw JSON, and a note when messages were unreadable.

use leptos::html::Pre;
use leptos::prelude::*;
use sparkplug_core::run::{tool_calls_text, SideChannels as Side};
use sparkplug_core::stream::reduce::ToolCall;

use crate::live::text_sink::TextSink;
use crate::live::Observer;

/// The side channels' state for the run on the page.
#[derive(Clone, Copy)]
pub struct SideView {
    reasoning: NodeRef<Pre>,
    has_reasoning: RwSignal<bool>,
    refusal: RwSignal<String>,
    tool_calls: RwSignal<String>,
    skipped: RwSignal<usize>,
}

impl SideView {
    pub fn new() -> Self {
        Self {
            reasoning: NodeRef::new(),
            has_reasoning: RwSignal::new(false),
            refusal: RwSignal::new(String::new()),
            tool_calls: RwSignal::new(String::new()),
            skipped: RwSignal::new(0),
        }
    }

    /// Clears everything for a new run and returns what fills it; `None` before the view
    /// is mounted.
    pub fn begin(&self) -> Option<SideSink> {
        let reasoning = TextSink::replace_contents(&self.reasoning.get_untracked()?.into())?;
        self.has_reasoning.set(false);
        self.refusal.set(String::new());
        self.tool_calls.set(String::new());
        self.skipped.set(0);
        Some(SideSink {
            view: *self,
            reasoning,
        })
    }
}

/// Fills a [`SideView`] from one run's frames.
pub struct SideSink {
    view: SideView,
    reasoning: TextSink,
}

impl Observer for SideSink {
    fn side_channels(&self, side: &Side, tool_calls: &[ToolCall]) {
        let view = &self.view;
        if !side.reasoning.is_empty() {
            self.reasoning.append(&side.reasoning);
            view.has_reasoning.set(true);
        }
        if !side.refusal.is_empty() {
            view.refusal.update(|r| r.push_str(&side.refusal));
        }
        if side.tool_calls_changed {
            view.tool_calls.set(tool_calls_text(tool_calls));
        }
        if side.malformed > 0 {
            view.skipped.update(|n| *n += side.malformed);
        }
    }
}

#[component]
pub fn SideChannels(side: SideView) -> impl IntoView {
    let SideView {
        reasoning,
        has_reasoning,
        refusal,
        tool_calls,
        skipped,
    } = side;
    view! {
        <details class="reasoning" data-test="reasoning" hidden=move || !has_reasoning.get()>
            <summary>"Reasoning"</summary>
            <pre node_ref=reasoning></pre>
        </details>
        <Show when=move || !refusal.get().is_empty()>
            <div class="refusal" data-test="refusal" role="note">
                <strong>"The model refused: "</strong>
                {move || refusal.get()}
            </div>
        </Show>
        <Show when=move || !tool_calls.get().is_empty()>
            <section class="tool-calls" aria-label="Tool calls">
                <h3>"Tool calls (raw arguments)"</h3>
                <pre data-test="tool-calls">{move || tool_calls.get()}</pre>
            </section>
        </Show>
        <Show when=move || { skipped.get() > 0 }>
            <p class="warning" data-test="skipped" role="note">
                {move || format!(
                    "{} message(s) from the endpoint could not be read and were skipped.",
                    skipped.get(),
                )}
            </p>
        </Show>
    }
}
