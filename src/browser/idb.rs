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

/// A promise settled by the first of two events; `wire` installs the two callbacks.
async fn settle(wire: impl FnOnce(&Function, &Function)) -> Result<JsValue, IdbError> {
    let mut wire = Some(wire);
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(wire) = wire.take() {
            wire(&resolve, &reject);
        }
    });
    JsFuture::from(promise).await.map_err(failed)
}

/// The request's result once it succeeds.
async fn done(request: &IdbRequest) -> Result<JsValue, IdbError> {
    let (ok_request, err_request) = (request.clone(), request.clone());
    settle(|resolve, reject| {
        let (resolve, reject) = (resolve.clone(), reject.clone());
        let ok = Closure::once_into_js(move || {
            let result = ok_request.result().unwrap_or(JsValue::UNDEFINED);
            resolve.call1(&JsValue::NULL, &result).ok();
        });
        let err = Closure::once_into_js(move || {
            let error = err_request
                .error()
                .ok()
                .flatten()
                .map_or(JsValue::NULL, JsValue::from);
            reject.call1(&JsValue::NULL, &error).ok();
        });
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(err.unchecked_ref()));
    })
    .await
}

/// Waits until a write transaction commits; a full quota shows up here, as an abort.
async fn committed(tx: &IdbTransaction) -> Result<(), IdbError> {
    let err_tx = tx.clone();
    settle(|resolve, reject| {
        let (resolve, reject) = (resolve.clone(), reject.clone());
        let ok = Closure::once_into_js(move || {
            resolve.call0(&JsValue::NULL).ok();
        });
        let err = Closure::once_into_js(move || {
            let error = err_tx.error().map_or(JsValue::NULL, JsValue::from);
            reject.call1(&JsValue::NULL, &error).ok();
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onabort(Some(err.unchecked_ref()));
    })
    .await
    .map(drop)
}

async fn open() -> Result<IdbDatabase, IdbError> {
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
        .map_err(|_| IdbError::Failed("open gave no database".into()))
}

fn transaction(db: &IdbDatabase, mode: IdbTransactionMode) -> Result<IdbTransaction, IdbError> {
    db.transaction_with_str_and_mode(STORE, mode)
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
