//! The endpoints panel: add an endpoint from the preset the user picks (a custom
//! OpenAI-compatible one first), edit its name, URL, format, model and key, test its
//! connection, remove it, and forget every key at once. Keys are typed into password fields.

use leptos::html::{Details, Input};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::provider::check::ConnectionCheck;
use sparkplug_core::provider::endpoints::{
    Endpoint, Endpoints, Field, KeyRing, Preset, DEMO_ID, PRESETS,
};
use sparkplug_core::provider::ApiFormat;
use sparkplug_core::run::spec::Connection;

use crate::app::EndpointChoice;
use crate::browser::storage;
use crate::net::models;

/// Models a successful Test connection names; the count says how many more there are.
const MODELS_SHOWN: usize = 12;

#[component]
pub fn Settings(open: RwSignal<bool>) -> impl IntoView {
    let choice = expect_context::<EndpointChoice>();
    let (endpoints, keys) = (choice.endpoints, choice.keys);
    let (notice, set_notice) = signal(String::new());
    let save_endpoints = move || {
        let result = endpoints.with_untracked(storage::save_endpoints);
        set_notice.set(result.err().unwrap_or_default());
    };
    let save_keys = move || {
        let result = keys.with_untracked(storage::save_keys);
        set_notice.set(result.err().unwrap_or_default());
    };
    // The endpoint just added, whose first field to fill in takes the focus.
    let added = RwSignal::new(None::<String>);
    let presets: NodeRef<Details> = NodeRef::new();
    let add = move |preset: &Preset| {
        endpoints.update(|e| {
            let id = e.add(preset);
            e.select(&id).ok();
            added.set(Some(id));
        });
        save_endpoints();
        if let Some(menu) = presets.get_untracked() {
            menu.set_open(false);
        }
    };
    let forget_keys = move |_| {
        keys.set(KeyRing::default());
        save_keys();
        set_notice.set("All API keys were removed from this browser.".into());
    };
    let editable = move || {
        endpoints
            .get()
            .list()
            .iter()
            .filter(|e| e.id != DEMO_ID)
            .cloned()
            .collect::<Vec<_>>()
    };

    view! {
        <section
            class="settings panel"
            data-test="settings"
            aria-label="Endpoints"
            hidden=move || !open.get()
        >
            <header class="settings-head">
                <h2>"Endpoints"</h2>
                <button data-test="close-settings" on:click=move |_| open.set(false)>"Close"</button>
            </header>
            <p class="note">
                "API keys are kept only in this browser (localStorage) and sent only to their own endpoint, \
                 in a header. They never go into URLs, share links, the code sandbox or logs."
            </p>
            <For
                each=editable
                key=|e| e.id.clone()
                children=move |e| {
                    let fresh = added.get_untracked().as_deref() == Some(e.id.as_str());
                    view! { <EndpointEditor endpoint=e fresh=fresh endpoints=endpoints keys=keys on_saved=Callback::new(move |()| { save_endpoints(); save_keys(); }) /> }
                }
            />
            <div class="settings-actions">
                <details class="add-endpoint" node_ref=presets>
                    <summary data-test="add-endpoint">"Add endpoint…"</summary>
                    <ul class="presets" aria-label="Start from">
                        {PRESETS
                            .iter()
                            .map(|p| view! {
                                <li>
                                    <button type="button" data-test="add-preset" data-preset=p.name
                                        on:click=move |_| add(p)>
                                        <span class="preset-name">{p.name}</span>
                                        <span class="preset-url">{preset_hint(p)}</span>
                                    </button>
                                </li>
                            })
                            .collect_view()}
                    </ul>
                </details>
                <button class="danger" data-test="forget-keys" on:click=forget_keys>
                    "Forget all API keys"
                </button>
            </div>
            <p class="notice" role="status" data-test="settings-notice">{move || notice.get()}</p>
        </section>
    }
}

/// What a preset starts from, in the menu: its address, or what the user types.
fn preset_hint(preset: &Preset) -> &'static str {
    if preset.base_url.is_empty() {
        "any server that speaks OpenAI's Chat Completions: type its URL, key and model"
    } else {
        preset.base_url
    }
}

/// Where a Test connection stands.
#[derive(Clone, PartialEq)]
enum Test {
    Idle,
    Running,
    Done(ConnectionCheck),
}

/// One endpoint's fields; changes are checked by the core and saved on `change`. `fresh`:
/// just added, so its first empty field (else its name) takes the focus.
#[component]
fn EndpointEditor(
    endpoint: Endpoint,
    fresh: bool,
    endpoints: RwSignal<Endpoints>,
    keys: RwSignal<KeyRing>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let id = endpoint.id.clone();
    let (error, set_error) = signal(String::new());
    // The heading follows the name as it is typed, before it is saved.
    let name = RwSignal::new(endpoint.name.clone());
    let to_fill_in = RwSignal::new(endpoint.to_fill_in());
    let draft = StoredValue::new(endpoint.clone());
    let commit = move || {
        let result = endpoints.try_update(|e| e.update(draft.get_value()));
        match result {
            Some(Ok(())) => {
                set_error.set(String::new());
                on_saved.run(());
            }
            Some(Err(e)) => set_error.set(e.to_string()),
            None => {}
        }
        to_fill_in.set(draft.with_value(Endpoint::to_fill_in));
    };
    let field = move |apply: fn(&mut Endpoint, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            draft.update_value(|d| apply(d, value));
            commit();
        }
    };
    let test = RwSignal::new(Test::Idle);
    let run_test = move |_| {
        let endpoint = draft.get_value();
        if let Some(unready) = ConnectionCheck::unready(&endpoint) {
            test.set(Test::Done(unready));
            return;
        }
        let connection =
            keys.with_untracked(|k| Connection::endpoint(&endpoint, k.get(&endpoint.id)));
        test.set(Test::Running);
        spawn_local(async move {
            let check = models::check(&connection, None).await;
            test.try_set(Test::Done(check));
        });
    };
    let name_box: NodeRef<Input> = NodeRef::new();
    let url_box: NodeRef<Input> = NodeRef::new();
    let model_box: NodeRef<Input> = NodeRef::new();
    if fresh {
        let first_missing = endpoint.missing().first().copied();
        request_animation_frame(move || {
            let target = match first_missing {
                Some(Field::BaseUrl) => url_box,
                Some(Field::Model) => model_box,
                None => name_box,
            };
            if let Some(input) = target.get_untracked() {
                input.focus().ok();
            }
        });
    }
    let key_id = id.clone();
    let remove_id = id.clone();
    let current_key = move || keys.with(|k| k.get(&key_id).unwrap_or_default().to_string());
    let key_id = id.clone();
    view! {
        <fieldset class="endpoint" data-test="endpoint-editor" data-id=id.clone()>
            <legend data-test="endpoint-heading">{move || {
                let name = name.get();
                if name.trim().is_empty() { "Unnamed endpoint".to_string() } else { name }
            }}</legend>
            <label>"Name"
                <input data-test="endpoint-name" value=endpoint.name.clone() node_ref=name_box
                    on:input=move |ev| name.set(event_target_value(&ev))
                    on:change=field(|d, v| d.name = v) />
            </label>
            <label>"Base URL"
                <input data-test="endpoint-url" value=endpoint.base_url.clone() spellcheck="false"
                    node_ref=url_box placeholder="https://api.example.com/v1"
                    on:change=field(|d, v| d.base_url = v) />
            </label>
            <label>"API format"
                <select data-test="endpoint-format" on:change=field(|d, v| {
                    if let Ok(format) = v.parse::<ApiFormat>() {
                        d.format = format;
                    }
                })>
                    {ApiFormat::ALL
                        .iter()
                        .map(|f| view! {
                            <option value=f.name() selected=*f == endpoint.format>{f.name()}</option>
                        })
                        .collect_view()}
                </select>
            </label>
            <label>"Model"
                <input data-test="endpoint-model" value=endpoint.model.clone() spellcheck="false"
                    node_ref=model_box placeholder="the model's id"
                    on:change=field(|d, v| d.model = v.trim().to_string()) />
            </label>
            <label>"API key"
                <input data-test="endpoint-key" type="password" autocomplete="off" spellcheck="false"
                    placeholder="stored in this browser only"
                    prop:value=current_key
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        keys.update(|k| k.set(&key_id, &value));
                        on_saved.run(());
                    } />
            </label>
            <p class="endpoint-missing" data-test="endpoint-missing">{move || to_fill_in.get()}</p>
            <div class="endpoint-actions">
                <button data-test="test-connection" disabled=move || test.get() == Test::Running
                    on:click=run_test>"Test connection"</button>
                <button class="danger" data-test="remove-endpoint" on:click=move |_| {
                    endpoints.update(|e| { e.remove(&remove_id).ok(); });
                    keys.update(|k| endpoints.with_untracked(|e| k.retain_endpoints(e)));
                    on_saved.run(());
                }>"Remove"</button>
            </div>
            <TestResult test=test />
            <p class="field-error" role="alert" data-test="endpoint-error">{move || error.get()}</p>
        </fieldset>
    }
}

/// A Test connection's outcome: the round trip and the models listed, or the failure.
#[component]
fn TestResult(test: RwSignal<Test>) -> impl IntoView {
    move || {
        match test.get() {
        Test::Idle => ().into_any(),
        Test::Running => view! {
            <p class="connection-result" data-test="connection-result" data-state="running" role="status">
                "Testing…"
            </p>
        }
        .into_any(),
        Test::Done(check) => {
            let summary = check.summary();
            match check {
                ConnectionCheck::Listed { models, latency_ms } => {
                    let more = models.len().saturating_sub(MODELS_SHOWN);
                    view! {
                        <div class="connection-result ok" data-test="connection-result" data-state="ok"
                            data-latency-ms=format!("{latency_ms:.0}") role="status">
                            <p>{summary}</p>
                            <ul class="connection-models" data-test="connection-models">
                                {models.into_iter().take(MODELS_SHOWN).map(|m| view! {
                                    <li title=m.label.clone().unwrap_or_default()>{m.id}</li>
                                }).collect_view()}
                            </ul>
                            {(more > 0).then(|| view! { <p class="more">{format!("and {more} more")}</p> })}
                        </div>
                    }
                    .into_any()
                }
                ConnectionCheck::Failed(_) => view! {
                    <p class="connection-result failed" data-test="connection-result" data-state="failed" role="alert">
                        {summary}
                    </p>
                }
                .into_any(),
            }
        }
    }
    }
}
