//! The endpoints panel: add an endpoint from a preset, edit its URL, format, model and key,
//! remove it, and forget every key at once. Keys are typed into password fields only.

use leptos::prelude::*;
use sparkplug_core::provider::endpoints::{Endpoint, Endpoints, KeyRing, DEMO_ID, PRESETS};
use sparkplug_core::provider::ApiFormat;

use crate::app::EndpointChoice;
use crate::browser::storage;

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
    let (preset, set_preset) = signal(0usize);
    let add = move |_| {
        let Some(chosen) = PRESETS.get(preset.get_untracked()) else {
            return;
        };
        endpoints.update(|e| {
            let id = e.add(chosen);
            e.select(&id).ok();
        });
        save_endpoints();
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
                    view! { <EndpointEditor endpoint=e endpoints=endpoints keys=keys on_saved=Callback::new(move |()| { save_endpoints(); save_keys(); }) /> }
                }
            />
            <div class="settings-actions">
                <label for="preset">"New endpoint"</label>
                <select id="preset" data-test="preset" on:change=move |ev| {
                    set_preset.set(event_target_value(&ev).parse().unwrap_or(0));
                }>
                    {PRESETS
                        .iter()
                        .enumerate()
                        .map(|(i, p)| view! { <option value=i.to_string()>{p.name}</option> })
                        .collect_view()}
                </select>
                <button data-test="add-endpoint" on:click=add>"Add"</button>
                <button class="danger" data-test="forget-keys" on:click=forget_keys>
                    "Forget all API keys"
                </button>
            </div>
            <p class="notice" role="status" data-test="settings-notice">{move || notice.get()}</p>
        </section>
    }
}

/// One endpoint's fields; changes are checked by the core and saved on `change`.
#[component]
fn EndpointEditor(
    endpoint: Endpoint,
    endpoints: RwSignal<Endpoints>,
    keys: RwSignal<KeyRing>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let id = endpoint.id.clone();
    let (error, set_error) = signal(String::new());
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
    };
    let field = move |apply: fn(&mut Endpoint, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            draft.update_value(|d| apply(d, value));
            commit();
        }
    };
    let key_id = id.clone();
    let remove_id = id.clone();
    let current_key = move || keys.with(|k| k.get(&key_id).unwrap_or_default().to_string());
    let key_id = id.clone();
    view! {
        <fieldset class="endpoint" data-test="endpoint-editor" data-id=id.clone()>
            <legend>{endpoint.name.clone()}</legend>
            <label>"Name"
                <input data-test="endpoint-name" value=endpoint.name.clone()
                    on:change=field(|d, v| d.name = v) />
            </label>
            <label>"Base URL"
                <input data-test="endpoint-url" value=endpoint.base_url.clone() spellcheck="false"
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
            <button class="danger" data-test="remove-endpoint" on:click=move |_| {
                endpoints.update(|e| { e.remove(&remove_id).ok(); });
                keys.update(|k| endpoints.with_untracked(|e| k.retain_endpoints(e)));
                on_saved.run(());
            }>"Remove"</button>
            <p class="field-error" role="alert" data-test="endpoint-error">{move || error.get()}</p>
        </fieldset>
    }
}
