//! A race's end on the page: the headline naming the winner and the factor, then every lane
//! ranked with its figures; the same for the app's Compare view and the kiosk.

use leptos::prelude::*;
use sparkplug_core::pages::compare::race::{ordinal, Summary};

/// The race's end: the headline, then every lane ranked with its figures and comparison.
#[component]
pub fn SummaryView(summary: Summary) -> impl IntoView {
    view! {
        <p class="summary-headline" data-test="summary-headline">{summary.headline}</p>
        <ol class="summary-rows">
            {summary.rows.into_iter().map(|row| view! {
                <li class="summary-row" class:summary-out=row.place.is_none()
                    data-test="summary-row" data-lane=row.lane.to_string()>
                    <span class="summary-place">{row.place.map(ordinal).unwrap_or_else(|| "–".into())}</span>
                    <span class="summary-name">{row.name}</span>
                    <span class="summary-figures">{row.figures}</span>
                    <span class="summary-comparison">{row.comparison}</span>
                </li>
            }).collect_view()}
        </ol>
    }
}
