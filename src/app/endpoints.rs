//! Which endpoint and model the app sends to: the user's endpoints and keys (saved in this
//! browser), and the chosen endpoint's model list, reloaded when it changes.

use leptos::prelude::*;
use sparkplug_core::provider::endpoints::{Endpoint, Endpoints, KeyRing};
use sparkplug_core::provider::models::ModelInfo;
use sparkplug_core::run::explain::StatusLine;
use sparkplug_core::run::spec::Connection;

use crate::browser::storage;
use crate::net::{latest::latest, models};

/// The endpoint state the page shares (by context) with the prompt and the settings panel.
#[derive(Clone, Copy)]
pub struct EndpointChoice {
    pub endpoints: RwSignal<Endpoints>,
    pub keys: RwSignal<KeyRing>,
    /// The selected endpoint's models; empty while loading or when it lists none.
    pub models: ReadSignal<Vec<ModelInfo>>,
    /// Where a failed save is said.
    status: RwSignal<StatusLine>,
}

impl EndpointChoice {
    /// Loads the saved endpoints and keys; a failed save is reported in `status`.
    pub fn new(status: RwSignal<StatusLine>) -> Self {
        let endpoints = RwSignal::new(storage::load_endpoints());
        let keys = RwSignal::new(storage::load_keys());
        // Reloaded whenever the endpoint, its URL, format or key changes; a stale reply is dropped.
        let models = latest(
            move || {
                let endpoint = endpoints.with(|e| e.selected().clone());
                keys.with(|k| Connection::endpoint(&endpoint, k.get(&endpoint.id)))
            },
            |connection, signal| {
                let connection = connection.clone();
                async move { models::list(&connection, Some(&signal)).await }
            },
            Vec::new(),
        );
        Self {
            endpoints,
            keys,
            models,
            status,
        }
    }

    /// The selected endpoint and how to reach it (with its key).
    pub fn selected(&self) -> (Endpoint, Connection) {
        let endpoint = self.endpoints.with_untracked(|e| e.selected().clone());
        let connection = self
            .keys
            .with_untracked(|k| Connection::endpoint(&endpoint, k.get(&endpoint.id)));
        (endpoint, connection)
    }

    pub fn choose_endpoint(&self, id: &str) {
        self.endpoints.update(|e| {
            e.select(id).ok();
        });
        self.save();
    }

    pub fn choose_model(&self, model: &str) {
        self.endpoints.update(|e| {
            let id = e.selected().id.clone();
            e.set_model(&id, model).ok();
        });
        self.save();
    }

    fn save(&self) {
        if let Err(reason) = self.endpoints.with_untracked(storage::save_endpoints) {
            self.status.set(StatusLine::neutral(reason));
        }
    }
}
