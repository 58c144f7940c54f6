//! The tokens-per-second meter: the live rate in large type, then time to first token,
//! tokens, elapsed and averages. Figures come from the core's `MeterSnapshot`.

use leptos::prelude::*;
use sparkplug_core::meter::MeterSnapshot;

/// Formats a rate, or a dash while there is none yet.
fn rate(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.0}"))
}

fn millis(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.0} ms"))
}

fn seconds(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{:.2} s", v / 1000.0))
}

/// Machine-readable value for tests and scripts: empty when unknown.
fn raw(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.3}")).unwrap_or_default()
}

#[component]
pub fn Meter(snapshot: ReadSignal<MeterSnapshot>) -> impl IntoView {
    let headline = move || {
        let s = snapshot.get();
        s.final_rate.or(s.live_rate)
    };
    let headline_label = move || {
        if snapshot.get().final_rate.is_some() {
            "tokens/s (final)"
        } else {
            "tokens/s (live)"
        }
    };
    let tokens = move || {
        let s = snapshot.get();
        let mark = if s.tokens_are_estimate { "≈ " } else { "" };
        format!("{mark}{}", s.tokens)
    };
    view! {
        <section class="meter panel" aria-label="Speed meter">
            <h2>"Speed"</h2>
            <div class="rate" data-test="meter-rate" data-value=move || raw(headline())>
                {move || rate(headline())}
                " "
                <small>{headline_label}</small>
            </div>
            <dl>
                <dt>"Time to first token"</dt>
                <dd data-test="meter-ttft" data-value=move || raw(snapshot.get().ttft_ms)>
                    {move || millis(snapshot.get().ttft_ms)}
                </dd>
                <dt>"Tokens"</dt>
                <dd data-test="meter-tokens" data-value=move || snapshot.get().tokens.to_string()>
                    {tokens}
                </dd>
                <dt>"Elapsed"</dt>
                <dd data-test="meter-elapsed">{move || seconds(snapshot.get().elapsed_ms)}</dd>
                <dt>"Live rate"</dt>
                <dd data-test="meter-live" data-value=move || raw(snapshot.get().live_rate)>
                    {move || rate(snapshot.get().live_rate)}
                </dd>
                <dt>"Average"</dt>
                <dd data-test="meter-avg" data-value=move || raw(snapshot.get().avg_rate)>
                    {move || rate(snapshot.get().avg_rate)}
                </dd>
                <dt>"Final"</dt>
                <dd data-test="meter-final" data-value=move || raw(snapshot.get().final_rate)>
                    {move || rate(snapshot.get().final_rate)}
                </dd>
            </dl>
        </section>
    }
}
