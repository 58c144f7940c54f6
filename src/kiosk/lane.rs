//! One race column on the kiosk: the model's title (its human label, the id small beneath),
//! its big live figures (rate, time to first token, finish time), its place once done, and
//! its answer rendered as it streams (markdown, highlighted code).

use leptos::prelude::*;
use sparkplug_core::pages::kiosk::race::{ordinal, seconds};

use super::race::LaneView;

#[component]
pub fn LaneColumn(lane: LaneView) -> impl IntoView {
    let LaneView {
        title,
        answer,
        snapshot,
        place,
    } = lane;
    let done = move || place.get().is_some();
    let rate = move || {
        snapshot.with(|s| {
            let rate = if done() { s.final_rate } else { s.live_rate };
            rate.or(s.avg_rate)
        })
    };
    let finish_ms = move || {
        snapshot.with(|s| match (s.ttft_ms, s.elapsed_ms) {
            (Some(ttft), Some(elapsed)) => Some(ttft + elapsed),
            _ => None,
        })
    };
    let place_text = move || match place.get() {
        Some(0) => "failed".to_string(),
        Some(n) => ordinal(n),
        None => String::new(),
    };
    let number = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
    let caption = (!title.caption.is_empty()).then(|| {
        view! { <p class="lane-id" data-test="lane-id">{title.caption.clone()}</p> }
    });
    view! {
        <section
            class="lane"
            class:lane-won=move || place.get() == Some(1)
            data-test="lane"
            data-model=title.model.clone()
            data-place=move || place.get().map(|p| p.to_string()).unwrap_or_default()
            data-finish-ms=move || if done() { number(finish_ms()) } else { String::new() }
            data-ttft-ms=move || number(snapshot.with(|s| s.ttft_ms))
            data-rate=move || number(rate())
            data-tokens=move || snapshot.with(|s| s.tokens).to_string()
        >
            <header class="lane-head">
                <div class="lane-title">
                    <h2 class="lane-model" data-test="lane-title">{title.label.clone()}</h2>
                    {caption}
                </div>
                <span class="lane-place">{place_text}</span>
            </header>
            <dl class="lane-figures">
                <div>
                    <dt>"tokens/s"</dt>
                    <dd class="lane-rate">{move || rate().map(|r| format!("{r:.0}")).unwrap_or_else(|| "—".into())}</dd>
                </div>
                <div>
                    <dt>"first token"</dt>
                    <dd>{move || snapshot.with(|s| s.ttft_ms).map(seconds).unwrap_or_else(|| "—".into())}</dd>
                </div>
                <div>
                    <dt>{move || if done() { "finished" } else { "time" }}</dt>
                    <dd>{move || finish_ms().map(seconds).unwrap_or_else(|| "—".into())}</dd>
                </div>
            </dl>
            <div class="lane-answer" data-test="lane-answer" node_ref=answer></div>
        </section>
    }
}
