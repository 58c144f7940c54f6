//! The history panel: past sessions kept in IndexedDB, listed newest first, reopened,
//! renamed and deleted; a save that fails (a full quota, say) is said, never dropped quietly.

use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::pages::conversation::Turn;
use sparkplug_core::pages::history::{newest_first, title_from, Session};

use crate::app::Chat;
use crate::browser::idb;

/// The session being written to and the list's state, shared by the page and the panel.
#[derive(Clone, Copy)]
pub struct HistoryStore {
    current: StoredValue<Option<(String, String)>>,
    sessions: RwSignal<Vec<Session>>,
    problem: RwSignal<Option<String>>,
}

impl HistoryStore {
    pub fn new() -> Self {
        let store = Self {
            current: StoredValue::new(None),
            sessions: RwSignal::new(Vec::new()),
            problem: RwSignal::new(None),
        };
        store.reload();
        store
    }

    /// The next save starts a new session.
    pub fn start_new(&self) {
        self.current.set_value(None);
    }

    /// Saves the chat as the current session (a new one if none), then refreshes the list.
    pub fn save(&self, model: &str, turns: Vec<Turn>) {
        let Some(first) = turns.first() else {
            return;
        };
        let (id, title) = self.current.get_value().unwrap_or_else(|| {
            let id = format!(
                "s{:.0}-{:.0}",
                js_sys::Date::now(),
                js_sys::Math::random() * 1e9
            );
            (id, title_from(&first.prompt))
        });
        self.current.set_value(Some((id.clone(), title.clone())));
        let session = Session {
            id,
            title,
            model: model.to_string(),
            saved_ms: js_sys::Date::now(),
            turns,
        };
        self.write(session);
    }

    /// Continues a reopened session: later turns are saved into it.
    pub fn adopt(&self, session: &Session) {
        self.current
            .set_value(Some((session.id.clone(), session.title.clone())));
    }

    fn write(&self, session: Session) {
        let store = *self;
        spawn_local(async move {
            match idb::put(&session.id, &session.to_json()).await {
                Ok(()) => store.reload(),
                Err(error) => store.problem.set(Some(error.to_string())),
            }
        });
    }

    fn reload(&self) {
        let store = *self;
        spawn_local(async move {
            match idb::all().await {
                Ok(records) => {
                    let mut sessions: Vec<Session> = records
                        .iter()
                        .filter_map(|r| Session::from_json(r).ok())
                        .collect();
                    newest_first(&mut sessions);
                    store.sessions.set(sessions);
                    store.problem.set(None);
                }
                Err(error) => store.problem.set(Some(error.to_string())),
            }
        });
    }

    fn rename(&self, mut session: Session, title: String) {
        let title = title.trim().to_string();
        if title.is_empty() {
            return;
        }
        if self
            .current
            .with_value(|c| c.as_ref().is_some_and(|(id, _)| *id == session.id))
        {
            self.current
                .set_value(Some((session.id.clone(), title.clone())));
        }
        session.title = title;
        self.write(session);
    }

    fn delete(&self, id: String) {
        let store = *self;
        if self
            .current
            .with_value(|c| c.as_ref().is_some_and(|(cur, _)| *cur == id))
        {
            self.start_new();
        }
        spawn_local(async move {
            match idb::delete(&id).await {
                Ok(()) => store.reload(),
                Err(error) => store.problem.set(Some(error.to_string())),
            }
        });
    }
}

#[component]
pub fn History() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let store = chat.history;
    let item = move |session: Session| {
        let renaming = RwSignal::new(false);
        let (open, rename, delete) = (session.clone(), session.clone(), session.id.clone());
        let title = session.title.clone();
        view! {
            <li class="history-item" data-test="history-item">
                <Show
                    when=move || renaming.get()
                    fallback=move || {
                        let open = open.clone();
                        view! {
                            <button
                                type="button"
                                class="history-open"
                                data-test="history-open"
                                on:click=move |_| chat.reopen(open.clone())
                            >
                                {open.title.clone()}
                            </button>
                        }
                    }
                >
                    {
                        let rename = rename.clone();
                        let title = title.clone();
                        view! {
                            <input
                                type="text"
                                aria-label="New name"
                                data-test="history-name"
                                prop:value=title
                                on:change=move |event| {
                                    store.rename(rename.clone(), event_target_value(&event));
                                    renaming.set(false);
                                }
                            />
                        }
                    }
                </Show>
                <button
                    type="button"
                    data-test="history-rename"
                    on:click=move |_| renaming.update(|r| *r = !*r)
                >
                    "Rename"
                </button>
                <button
                    type="button"
                    data-test="history-delete"
                    on:click=move |_| store.delete(delete.clone())
                >
                    "Delete"
                </button>
            </li>
        }
    };
    view! {
        <section class="panel history" aria-label="History" data-test="history">
            <h2>"History"</h2>
            <p class="history-problem" role="alert" data-test="history-problem">
                {move || store.problem.get()}
            </p>
            <ul class="history-list">
                <For each=move || store.sessions.get() key=|s| (s.id.clone(), s.title.clone(), s.saved_ms.to_bits()) children=item />
            </ul>
        </section>
    }
}
