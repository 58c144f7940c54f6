//! The tokens-per-second meter: the rate in large type with its sparkline, the server's,
//! network and painted rates side by side, then first token and paint, tokens, lag, averages.

use leptos::prelude::*;
use sparkplug_core::run::meter::MeterSnapshot;

/// The sparkline's drawing box (the SVG stretches it to the panel's width).
const SPARK_WIDTH: f64 = 120.0;
const SPARK_HEIGHT: f64 = 28.0;

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

/// The `≈` that marks a figure resting on our token estimate rather than provider usage.
fn approx(estimate: bool) -> &'static str {
    if estimate {
        "≈ "
    } else {
        ""
    }
}

/// An SVG path through the points, scaled so the highest fills the box.
fn spark_path(points: &[f64]) -> String {
    let top = points.iter().copied().fold(0.0_f64, f64::max);
    if points.len() < 2 || top <= 0.0 {
        return String::new();
    }
    let step = SPARK_WIDTH / (points.len() - 1) as f64;
    let mut path = String::with_capacity(points.len() * 14);
    for (i, value) in points.iter().enumerate() {
        let command = if i == 0 { 'M' } else { 'L' };
        let y = SPARK_HEIGHT - value / top * (SPARK_HEIGHT - 2.0) - 1.0;
        path.push_str(&format!("{command}{:.1} {y:.1}", i as f64 * step));
    }
    path
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
    let estimate = move || snapshot.get().tokens_are_estimate;
    // What the client saw: the final figure once there is one, the average until then.
    let client_rate = move || {
        let s = snapshot.get();
        s.final_rate.or(s.avg_rate)
    };
    let has_sides = move || {
        let s = snapshot.get();
        s.server_rate.is_some() || s.render.painted_rate.is_some()
    };
    view! {
        <section class="meter panel" aria-label="Speed meter">
            <h2>"Speed"</h2>
            <div class="rate" data-test="meter-rate" data-value=move || raw(headline())>
                <span class="approx">{move || approx(estimate())}</span>
                {move || rate(headline())}
                " "
                <small>{headline_label}</small>
            </div>
            <svg
                class="sparkline"
                data-test="meter-sparkline"
                data-points=move || snapshot.get().sparkline.points().len().to_string()
                viewBox=format!("0 0 {SPARK_WIDTH} {SPARK_HEIGHT}")
                preserveAspectRatio="none"
                role="img"
                aria-label="Tokens per second over the last seconds"
            >
                <path d=move || spark_path(snapshot.get().sparkline.points()) />
            </svg>
            <div class="sides" data-test="meter-sides" hidden=move || !has_sides()>
                <div title="What the provider's own timing says, when it sends any">
                    <span class="side-label">"Server"</span>
                    <span
                        class="side-value"
                        data-test="meter-server"
                        data-value=move || raw(snapshot.get().server_rate)
                    >
                        {move || rate(snapshot.get().server_rate)}
                    </span>
                </div>
                <div title="Tokens over the time from the first to the last text arriving here">
                    <span class="side-label">"Network"</span>
                    <span class="side-value" data-test="meter-client" data-value=move || raw(client_rate())>
                        {move || approx(estimate())}
                        {move || rate(client_rate())}
                    </span>
                </div>
                <div title="Tokens over the time from the first to the last text on the screen">
                    <span class="side-label">"Painted"</span>
                    <span
                        class="side-value"
                        data-test="meter-painted"
                        data-value=move || raw(snapshot.get().render.painted_rate)
                    >
                        {move || approx(estimate())}
                        {move || rate(snapshot.get().render.painted_rate)}
                    </span>
                </div>
            </div>
            <dl>
                <dt>"Time to first token"</dt>
                <dd data-test="meter-ttft" data-value=move || raw(snapshot.get().ttft_ms)>
                    {move || millis(snapshot.get().ttft_ms)}
                </dd>
                <dt>"First text on screen"</dt>
                <dd
                    data-test="meter-first-paint"
                    data-value=move || raw(snapshot.get().render.time_to_first_paint_ms)
                >
                    {move || millis(snapshot.get().render.time_to_first_paint_ms)}
                </dd>
                <dt title="From text arriving to its being on the screen, 95th percentile">"Render lag (p95)"</dt>
                <dd
                    data-test="meter-lag"
                    data-value=move || raw(snapshot.get().render.render_lag_p95_ms)
                >
                    {move || millis(snapshot.get().render.render_lag_p95_ms)}
                </dd>
                <dt>"Tokens"</dt>
                <dd data-test="meter-tokens" data-value=move || snapshot.get().tokens.to_string()>
                    {move || approx(estimate())}
                    {move || snapshot.get().tokens}
                </dd>
                <dt>"Elapsed"</dt>
                <dd data-test="meter-elapsed" data-value=move || raw(snapshot.get().elapsed_ms)>
                    {move || seconds(snapshot.get().elapsed_ms)}
                </dd>
                <dt>"Live rate"</dt>
                <dd data-test="meter-live" data-value=move || raw(snapshot.get().live_rate)>
                    {move || approx(estimate())}
                    {move || rate(snapshot.get().live_rate)}
                </dd>
                <dt>"Average"</dt>
                <dd data-test="meter-avg" data-value=move || raw(snapshot.get().avg_rate)>
                    {move || approx(estimate())}
                    {move || rate(snapshot.get().avg_rate)}
                </dd>
                <dt>"Final"</dt>
                <dd data-test="meter-final" data-value=move || raw(snapshot.get().final_rate)>
                    {move || approx(estimate() && snapshot.get().final_rate.is_some())}
                    {move || rate(snapshot.get().final_rate)}
                </dd>
            </dl>
        </section>
    }
}
