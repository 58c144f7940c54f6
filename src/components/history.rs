//! The history panel: past chats and comparisons kept in IndexedDB, newest first with model,
//! speed or verdict and time; reopened, renamed, deleted (with Undo); a failed save is said.

use std::time::Duration;

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::pages::compare::record::Comparison;
use sparkplug_core::pages::conversation::Turn;
use sparkplug_core::pages::history::{newest_first, title_from, upsert, Session};

use crate::app::{Chat, Compare};
use crate::browser::{clock, idb};

/// How long Undo is offered after a delete, unless another action comes first.
const UNDO_FOR: Duration = Duration::from_secs(8);

/// A session just deleted, which Undo writes back.
#[derive(Clone)]
struct Deleted {
    session: Session,
    /// It was the chat being written to, so Undo makes it that again.
    was_current: bool,
}

/// The session being written to and the list's state, shared by the page and the panel.
#[derive(Clone, Copy)]
pub struct HistoryStore {
    current: StoredValue<Option<(String, String)>>,
    sessions: RwSignal<Vec<Session>>,
    problem: RwSignal<Option<String>>,
    deleted: RwSignal<Option<Deleted>>,
}

impl HistoryStore {
    pub fn new() -> Self {
        let store = Self {
            current: StoredValue::new(None),
            sessions: RwSignal::new(Vec::new()),
            problem: RwSignal::new(None),
            deleted: RwSignal::new(None),
        };
        store.reload();
        store
    }

    /// The next save starts a new session.
    pub fn start_new(&self) {
        self.current.set_value(None);
    }

    /// Undo is offered only until the next action.
    fn forget_deleted(&self) {
        if self.deleted.with_untracked(Option::is_some) {
            self.deleted.set(None);
        }
    }

    /// Saves the chat as the current session (a new one if none), then refreshes the list.
    pub fn save(&self, model: &str, turns: Vec<Turn>) {
        let Some(first) = turns.first() else {
            return;
        };
        self.forget_deleted();
        let (id, title) = self
            .current
            .get_value()
            .unwrap_or_else(|| (new_id(), title_from(&first.prompt)));
        self.current.set_value(Some((id.clone(), title.clone())));
        let session = Session {
            id,
            title,
            model: model.to_string(),
            saved_ms: js_sys::Date::now(),
            turns,
            comparison: None,
        };
        self.write(session);
    }

    /// Saves a finished comparison as an entry of its own.
    pub fn save_comparison(&self, comparison: Comparison) {
        self.forget_deleted();
        let session = Session {
            id: new_id(),
            title: comparison.title(),
            model: comparison
                .lanes
                .iter()
                .map(|l| l.model.as_str())
                .collect::<Vec<_>>()
                .join(" vs "),
            saved_ms: js_sys::Date::now(),
            turns: Vec::new(),
            comparison: Some(comparison),
        };
        self.write(session);
    }

    /// Continues a reopened session: later turns are saved into it.
    pub fn adopt(&self, session: &Session) {
        self.forget_deleted();
        self.current
            .set_value(Some((session.id.clone(), session.title.clone())));
    }

    /// Saves `session`, then puts it in the list (reading every session back after each
    /// save would cost more the longer the history).
    fn write(&self, session: Session) {
        let store = *self;
        spawn_local(async move {
            match idb::put(&session.id, &session.to_json()).await {
                Ok(()) => {
                    store.sessions.update(|list| upsert(list, session));
                    store.problem.set(None);
                }
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
        self.forget_deleted();
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

    /// Deletes a session, offering Undo for a while.
    fn delete(&self, session: Session) {
        let store = *self;
        let id = session.id.clone();
        let was_current = self
            .current
            .with_value(|c| c.as_ref().is_some_and(|(cur, _)| *cur == id));
        if was_current {
            self.start_new();
        }
        self.deleted.set(Some(Deleted {
            session,
            was_current,
        }));
        let shown = id.clone();
        set_timeout(
            move || {
                // Only this delete's offer: a later one has its own time.
                let same = store
                    .deleted
                    .with_untracked(|d| d.as_ref().is_some_and(|d| d.session.id == shown));
                if same {
                    store.deleted.set(None);
                }
            },
            UNDO_FOR,
        );
        spawn_local(async move {
            match idb::delete(&id).await {
                Ok(()) => store.reload(),
                Err(error) => store.problem.set(Some(error.to_string())),
            }
        });
    }

    /// Writes the last deleted session back (and makes it the chat written to again, if it
    /// was).
    fn undo(&self) {
        let Some(Deleted {
            session,
            was_current,
        }) = self.deleted.get_untracked()
        else {
            return;
        };
        self.deleted.set(None);
        if was_current && self.current.with_value(Option::is_none) {
            self.adopt(&session);
        }
        self.write(session);
    }
}

/// A fresh session id: the time and a random part.
fn new_id() -> String {
    format!(
        "s{:.0}-{:.0}",
        js_sys::Date::now(),
        js_sys::Math::random() * 1e9
    )
}

#[component]
pub fn History() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let compare = expect_context::<Compare>();
    let store = chat.history;
    // A chat reopens in the workspace, a comparison in the Compare view.
    let reopen = move |session: Session| match session.comparison {
        Some(comparison) => compare.show(comparison),
        None => {
            compare.close();
            chat.reopen(session);
        }
    };
    let item = move |session: Session| {
        let renaming = RwSignal::new(false);
        let name_field = NodeRef::<Input>::new();
        // The field takes the focus as it appears, so the new name can be typed at once.
        Effect::new(move || {
            if let Some(field) = name_field.get() {
                // Focus and selection may be refused (a detached node); typing still works.
                let _ = field.focus();
                field.select();
            }
        });
        let (open, rename, delete) = (session.clone(), session.clone(), session.clone());
        let title = session.title.clone();
        let details = session.details(clock::offset());
        view! {
            <li class="history-item" data-test="history-item">
                <Show
                    when=move || renaming.get()
                    fallback=move || {
                        let open = open.clone();
                        let details = details.clone();
                        view! {
                            <button
                                type="button"
                                class="history-open"
                                data-test="history-open"
                                on:click=move |_| reopen(open.clone())
                            >
                                <span class="history-title" data-test="history-title">
                                    {open.title.clone()}
                                </span>
                                <span class="history-details" data-test="history-details">
                                    {details}
                                </span>
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
                                node_ref=name_field
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
    let deleted_title = move || {
        store
            .deleted
            .with(|d| d.as_ref().map(|d| d.session.title.clone()))
    };
    view! {
        <section class="panel history" aria-label="History" data-test="history">
            <h2>"History"</h2>
            <p class="history-problem" role="alert" data-test="history-problem">
                {move || store.problem.get()}
            </p>
            <p
                class="history-undo"
                role="status"
                data-test="history-undo-bar"
                hidden=move || deleted_title().is_none()
            >
                {move || deleted_title().map(|title| view! {
                    <span>{format!("Deleted “{title}”.")}</span>
                    <button type="button" data-test="history-undo" on:click=move |_| store.undo()>
                        "Undo"
                    </button>
                })}
            </p>
            <ul class="history-list">
                <For each=move || store.sessions.get() key=|s| (s.id.clone(), s.title.clone(), s.saved_ms.to_bits()) children=item />
            </ul>
        </section>
    }
}
