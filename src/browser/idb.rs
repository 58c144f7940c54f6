//! IndexedDB for saved sessions: one database with one store of JSON strings keyed by id,
//! each request awaited as a future; a full quota is its own error, so the page can say so.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomException, IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

const DB: &str = "sparkplug";
const STORE: &str = "sessions";

#[derive(Debug, thiserror::Error)]
pub enum IdbError {
    #[error("history is unavailable in this browser (no IndexedDB)")]
    Unavailable,
    #[error("the browser's storage is full, so this session was not saved: delete old sessions to make room")]
    QuotaFull,
    #[error("history storage failed: {0}")]
    Failed(String),
}

fn failed(value: JsValue) -> IdbError {
    match value.dyn_ref::<DomException>() {
        Some(e) if e.name() == "QuotaExceededError" => IdbError::QuotaFull,
        Some(e) => IdbError::Failed(format!("{}: {}", e.name(), e.message())),
        None => IdbError::Failed(value.as_string().unwrap_or_else(|| format!("{value:?}"))),
    }
}

/// Waits for the first of two events: `install` puts the two handlers in place (and takes
/// them away again with `None`), `ok` and `err` read the outcome when their event fires.
///
/// Both handlers are dropped once it settles: the one that never fires would otherwise
/// live for ever, and with it the request it reads and that request's result (every saved
/// session, for a read of them all).
async fn settle(
    install: impl Fn(Option<&Function>, Option<&Function>),
    ok: impl FnOnce() -> JsValue + 'static,
    err: impl FnOnce() -> JsValue + 'static,
) -> Result<JsValue, IdbError> {
    let mut outcomes = Some((ok, err));
    let mut handlers = None;
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let Some((ok, err)) = outcomes.take() else {
            return;
        };
        let on_ok = Closure::once(move || {
            resolve.call1(&JsValue::NULL, &ok()).ok();
        });
        let on_err = Closure::once(move || {
            reject.call1(&JsValue::NULL, &err()).ok();
        });
        install(
            Some(on_ok.as_ref().unchecked_ref()),
            Some(on_err.as_ref().unchecked_ref()),
        );
        handlers = Some((on_ok, on_err));
    });
    let result = JsFuture::from(promise).await.map_err(failed);
    install(None, None);
    drop(handlers);
    result
}

/// The request's result once it succeeds.
async fn done(request: &IdbRequest) -> Result<JsValue, IdbError> {
    let (ok_request, err_request) = (request.clone(), request.clone());
    settle(
        |ok, err| {
            request.set_onsuccess(ok);
            request.set_onerror(err);
        },
        move || ok_request.result().unwrap_or(JsValue::UNDEFINED),
        move || {
            err_request
                .error()
                .ok()
                .flatten()
                .map_or(JsValue::NULL, JsValue::from)
        },
    )
    .await
}

/// Waits until a write transaction commits; a full quota shows up here, as an abort.
async fn committed(tx: &IdbTransaction) -> Result<(), IdbError> {
    let err_tx = tx.clone();
    settle(
        |ok, err| {
            tx.set_oncomplete(ok);
            tx.set_onabort(err);
        },
        || JsValue::UNDEFINED,
        move || err_tx.error().map_or(JsValue::NULL, JsValue::from),
    )
    .await
    .map(drop)
}

/// An open database, closed when dropped: a connection left open stays alive in the page.
/// Closing lets its transactions finish first.
struct Connection(IdbDatabase);

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.close();
    }
}

async fn open() -> Result<Connection, IdbError> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or(IdbError::Unavailable)?;
    let request = factory.open_with_u32(DB, 1).map_err(failed)?;
    let upgrading = request.clone();
    // Version 1 is the first: the store is created once, when the database is new.
    let on_upgrade = Closure::<dyn FnMut()>::new(move || {
        if let Some(db) = upgrading
            .result()
            .ok()
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
        {
            db.create_object_store(STORE).ok();
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let db = done(&request).await?;
    request.set_onupgradeneeded(None);
    db.dyn_into()
        .map(Connection)
        .map_err(|_| IdbError::Failed("open gave no database".into()))
}

fn transaction(db: &Connection, mode: IdbTransactionMode) -> Result<IdbTransaction, IdbError> {
    db.0.transaction_with_str_and_mode(STORE, mode)
        .map_err(failed)
}

/// Saves (or replaces) the record under `key`.
pub async fn put(key: &str, json: &str) -> Result<(), IdbError> {
    let db = open().await?;
    let tx = transaction(&db, IdbTransactionMode::Readwrite)?;
    let store = tx.object_store(STORE).map_err(failed)?;
    store
        .put_with_key(&JsValue::from_str(json), &JsValue::from_str(key))
        .map_err(failed)?;
    committed(&tx).await
}

/// Every record.
pub async fn all() -> Result<Vec<String>, IdbError> {
    let db = open().await?;
    let tx = transaction(&db, IdbTransactionMode::Readonly)?;
    let request = tx
        .object_store(STORE)
        .map_err(failed)?
        .get_all()
        .map_err(failed)?;
    let values: Array = done(&request).await?.dyn_into().unwrap_or_default();
    Ok(values.iter().filter_map(|v| v.as_string()).collect())
}

pub async fn delete(key: &str) -> Result<(), IdbError> {
    let db = open().await?;
    let tx = transaction(&db, IdbTransactionMode::Readwrite)?;
    tx.object_store(STORE)
        .map_err(failed)?
        .delete(&JsValue::from_str(key))
        .map_err(failed)?;
    committed(&tx).await
}
