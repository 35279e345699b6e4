//! The customer's artifact on the device (IndexedDB): [`StoredArtifact`]s
//! kept by [`ArtifactStore`] (feature `indexed-db`: the portal and the
//! widget; the edge keeps its artifacts in memory and links no IndexedDB).

use idb::{
    Database, DatabaseEvent, Factory, ObjectStore, ObjectStoreParams, Transaction, TransactionMode,
};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::problem::Problem;
pub use crate::stored_artifact::StoredArtifact;

const DATABASE: &str = "gridcast";
const STORE: &str = "artifacts";
const VERSION: u32 = 1;

fn storage(e: impl std::fmt::Display) -> Problem {
    Problem::Storage(e.to_string())
}

/// The artifact database (opened, and created on first use).
#[derive(Debug)]
pub struct ArtifactStore {
    db: Database,
}

impl ArtifactStore {
    /// Opens (or creates) the database.
    pub async fn open() -> Result<Self, Problem> {
        Self::open_named(DATABASE).await
    }

    /// Opens (or creates) a database called `name` (tests use their own).
    pub async fn open_named(name: &str) -> Result<Self, Problem> {
        let factory = Factory::new().map_err(storage)?;
        let mut request = factory.open(name, Some(VERSION)).map_err(storage)?;
        request.on_upgrade_needed(|event| {
            if let Ok(db) = event.database() {
                if !db.store_names().iter().any(|n| n == STORE) {
                    let _ = db.create_object_store(STORE, ObjectStoreParams::new());
                }
            }
        });
        let db = request.await.map_err(storage)?;
        Ok(Self { db })
    }

    /// A read-write transaction on the artifacts and its store.
    fn writing(&self) -> Result<(Transaction, ObjectStore), Problem> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadWrite)
            .map_err(storage)?;
        let store = tx.object_store(STORE).map_err(storage)?;
        Ok((tx, store))
    }

    /// The artifact stored under `key`, if any.
    pub async fn get(&self, key: &str) -> Result<Option<StoredArtifact>, Problem> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadOnly)
            .map_err(storage)?;
        let store = tx.object_store(STORE).map_err(storage)?;
        let value = store
            .get(JsValue::from_str(key))
            .map_err(storage)?
            .await
            .map_err(storage)?;
        tx.await.map_err(storage)?;
        let Some(value) = value else {
            return Ok(None);
        };
        let field = |name: &str| {
            Reflect::get(&value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
        };
        let bytes_field = |name: &str| {
            field(name).dyn_into::<Uint8Array>().map(|a| a.to_vec()).unwrap_or_default()
        };
        let bytes = field("bytes")
            .dyn_into::<Uint8Array>()
            .map_err(|_| Problem::Storage(format!("stored entry {key:?} has no bytes")))?
            .to_vec();
        Ok(Some(StoredArtifact {
            bytes,
            etag: field("etag").as_string(),
            saved_at_ms: field("saved_at").as_f64().unwrap_or(0.0),
            // Entries from before covariates were kept have none.
            covariates: bytes_field("covariates"),
            covariates_etag: field("covariates_etag").as_string(),
            holidays: bytes_field("holidays"),
            // Entries from before facts were kept (and the widget's) have none.
            #[cfg(not(feature = "engine"))]
            facts: bytes_field("facts"),
            #[cfg(feature = "engine")]
            facts: Vec::new(),
        }))
    }

    /// Stores (replaces) the artifact under `key`.
    pub async fn put(&self, key: &str, artifact: &StoredArtifact) -> Result<(), Problem> {
        let value = Object::new();
        let set = |k: &str, v: JsValue| Reflect::set(&value, &JsValue::from_str(k), &v).map(|_| ());
        set("bytes", Uint8Array::from(artifact.bytes.as_slice()).into())
            .and_then(|_| {
                set(
                    "etag",
                    artifact
                        .etag
                        .as_deref()
                        .map_or(JsValue::NULL, JsValue::from_str),
                )
            })
            .and_then(|_| set("saved_at", JsValue::from_f64(artifact.saved_at_ms)))
            .and_then(|_| set("covariates", Uint8Array::from(artifact.covariates.as_slice()).into()))
            .and_then(|_| set("holidays", Uint8Array::from(artifact.holidays.as_slice()).into()))
            .and_then(|_| match cfg!(feature = "engine") {
                true => Ok(()),
                false => set("facts", Uint8Array::from(artifact.facts.as_slice()).into()),
            })
            .and_then(|_| {
                set(
                    "covariates_etag",
                    artifact
                        .covariates_etag
                        .as_deref()
                        .map_or(JsValue::NULL, JsValue::from_str),
                )
            })
            .map_err(|e| Problem::Storage(format!("{e:?}")))?;
        let (tx, store) = self.writing()?;
        store
            .put(&value, Some(&JsValue::from_str(key)))
            .map_err(storage)?
            .await
            .map_err(storage)?;
        tx.commit().map_err(storage)?.await.map_err(storage)?;
        Ok(())
    }

    /// Forgets the artifact under `key` (sign-out keeps it: the offline
    /// fallback needs it; "forget this device" removes it).
    pub async fn delete(&self, key: &str) -> Result<(), Problem> {
        let (tx, store) = self.writing()?;
        store
            .delete(JsValue::from_str(key))
            .map_err(storage)?
            .await
            .map_err(storage)?;
        tx.commit().map_err(storage)?.await.map_err(storage)?;
        Ok(())
    }
}
