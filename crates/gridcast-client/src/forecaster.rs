//! The whole forecast workflow, shared by the portal, the widget and the
//! edge handler: sign-in and refresh, keeping the customer's artifact on the
//! device in step with the endpoint, and a forecast from the endpoint or —
//! when it is down, failing or slow — from the stored artifact.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use gridcast_api::{FutureCovariates, FutureRows};
use gridcast_model::HolidayTable;

#[cfg(feature = "indexed-db")]
use crate::artifact_store::ArtifactStore;
use crate::stored_artifact::StoredArtifact;
use crate::forecast::Uncovered;
use crate::keyed::Keyed;
use crate::problem::Action;
use crate::request::{self, Target};
use crate::transport::{self, DOWNLOAD_TIMEOUT_MS, FORECAST_TIMEOUT_MS};
#[cfg(not(feature = "engine"))]
use crate::ModelFacts;
#[cfg(feature = "engine")]
use crate::OnDeviceModel;
use crate::{Accuracy, Actuals, EndpointSettings, ForecastSource, ForecastTable, Problem, Session};

/// Where artifacts are kept between forecasts.
#[derive(Debug, Clone)]
pub enum ModelStore {
    /// The browser's IndexedDB (survives reloads and works offline;
    /// feature `indexed-db`).
    #[cfg(feature = "indexed-db")]
    IndexedDb,
    /// This instance's memory (edge runtimes, which have no IndexedDB).
    Memory(Rc<RefCell<Keyed<StoredArtifact>>>),
}

impl ModelStore {
    /// An empty in-memory store.
    pub fn memory() -> Self {
        ModelStore::Memory(Rc::default())
    }

    async fn get(&self, key: &str) -> Result<Option<StoredArtifact>, Problem> {
        match self {
            #[cfg(feature = "indexed-db")]
            ModelStore::IndexedDb => ArtifactStore::open().await?.get(key).await,
            ModelStore::Memory(m) => Ok(m.borrow().get(key).cloned()),
        }
    }

    async fn put(&self, key: &str, artifact: StoredArtifact) -> Result<(), Problem> {
        match self {
            #[cfg(feature = "indexed-db")]
            ModelStore::IndexedDb => ArtifactStore::open().await?.put(key, &artifact).await,
            ModelStore::Memory(m) => {
                m.borrow_mut().insert(key.to_owned(), artifact);
                Ok(())
            }
        }
    }

    async fn delete(&self, key: &str) -> Result<(), Problem> {
        match self {
            #[cfg(feature = "indexed-db")]
            ModelStore::IndexedDb => ArtifactStore::open().await?.delete(key).await,
            ModelStore::Memory(m) => {
                m.borrow_mut().remove(key);
                Ok(())
            }
        }
    }
}

/// The customer's model as this device has it.
#[derive(Debug, Clone)]
pub struct DeviceModel {
    /// The unpacked model (builds with the engine in process: the widget,
    /// the edge).
    #[cfg(feature = "engine")]
    pub model: Rc<OnDeviceModel>,
    /// What the views read of it, as the engine gave them (the portal, whose
    /// engine is a second wasm module).
    #[cfg(not(feature = "engine"))]
    pub facts: Rc<ModelFacts>,
    /// The artifact it came from (for refits on the device).
    pub artifact: Rc<Vec<u8>>,
    /// The entity tag it was downloaded with.
    pub etag: Option<String>,
    /// Whether it was checked against the endpoint during this visit.
    pub fresh: bool,
    /// When the device stored it (Unix milliseconds).
    pub saved_at_ms: f64,
    /// The future covariates the device last received for it (models with
    /// regressors or conditions).
    pub covariates: Option<Rc<KeptCovariates>>,
    /// The country holiday table it needs, as received (models with
    /// `add_country_holidays`).
    pub holidays: Option<Rc<KeptHolidays>>,
}

/// A country's holiday table as the device keeps it beside the artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptHolidays {
    /// The table.
    pub table: Arc<HolidayTable>,
    /// The endpoint's `data/<CODE>.bin` it was read from (what is stored).
    pub bytes: Vec<u8>,
}

/// The holiday table in `bytes` (none when empty or it does not read).
fn kept_holidays(bytes: Vec<u8>) -> Option<Rc<KeptHolidays>> {
    if !cfg!(feature = "holidays") {
        return None;
    }
    let table = Arc::new(HolidayTable::from_bytes(&bytes).ok()?);
    Some(Rc::new(KeptHolidays { table, bytes }))
}

/// Future covariates as the device keeps them beside the artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptCovariates {
    /// The rows.
    pub rows: FutureRows,
    /// The endpoint's CSV they were read from (what is stored).
    pub csv: Vec<u8>,
    /// Its entity tag.
    pub etag: Option<String>,
}

impl PartialEq for DeviceModel {
    fn eq(&self, other: &Self) -> bool {
        let rows = |m: &Self| m.covariates.as_ref().map(Rc::as_ptr);
        let table = |m: &Self| m.holidays.as_ref().map(Rc::as_ptr);
        #[cfg(feature = "engine")]
        let same = Rc::ptr_eq(&self.model, &other.model);
        #[cfg(not(feature = "engine"))]
        let same = Rc::ptr_eq(&self.facts, &other.facts);
        same && self.fresh == other.fresh
            && rows(self) == rows(other)
            && table(self) == table(other)
    }
}

impl DeviceModel {
    /// The columns its forecasts need future values of.
    #[cfg(feature = "covariates")]
    fn needs_covariates(&self) -> bool {
        #[cfg(feature = "engine")]
        return !self.model.model.future_value_columns().is_empty();
        #[cfg(not(feature = "engine"))]
        return !self.facts.future_value_columns.is_empty();
    }

    /// The country of its `add_country_holidays`, resolved.
    #[cfg(feature = "holidays")]
    fn country_code(&self) -> Option<&str> {
        #[cfg(feature = "engine")]
        return self.model.model.holidays.country_code();
        #[cfg(not(feature = "engine"))]
        return self.facts.country.as_deref();
    }

    /// How many model periods cover `days` days.
    pub fn periods_for_days(&self, days: u32) -> u32 {
        #[cfg(feature = "engine")]
        return self.model.periods_for_days(days);
        #[cfg(not(feature = "engine"))]
        return self.facts.periods_for_days(days);
    }

    /// What the device stores for it: the artifact and the covariates in one
    /// record.
    fn record(&self) -> StoredArtifact {
        let covariates = self.covariates.as_deref();
        StoredArtifact {
            #[cfg(feature = "engine")]
            facts: Vec::new(),
            #[cfg(not(feature = "engine"))]
            facts: self.facts.to_json(),
            bytes: self.artifact.to_vec(),
            etag: self.etag.clone(),
            saved_at_ms: self.saved_at_ms,
            covariates: covariates.map(|c| c.csv.clone()).unwrap_or_default(),
            covariates_etag: covariates.and_then(|c| c.etag.clone()),
            holidays: self.holidays.as_ref().map(|h| h.bytes.clone()).unwrap_or_default(),
        }
    }
}

/// A forecast and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The rows.
    pub table: ForecastTable,
    /// Who computed it.
    pub source: ForecastSource,
    /// Why the device answered (the endpoint's problem), if it did.
    pub fallback_reason: Option<Problem>,
    /// The rows the device left out for want of covariates, if any.
    pub uncovered: Option<Uncovered>,
}

/// The model in a kept or downloaded `.tar.gz`; with `host-gunzip` (no
/// inflater in this build) the host inflates it, within the archive limits,
/// as it streams through `DecompressionStream`.
#[cfg(feature = "engine")]
async fn unpack(artifact: &[u8]) -> Result<OnDeviceModel, String> {
    #[cfg(feature = "host-gunzip")]
    {
        let limits = gridcast_model::ArtifactLimits::default();
        let artifact = crate::host_gunzip::read_artifact(artifact, &limits)
            .await
            .map_err(|e| e.to_string())?;
        OnDeviceModel::from_unpacked(&artifact)
    }
    #[cfg(not(feature = "host-gunzip"))]
    OnDeviceModel::from_artifact(artifact)
}

/// Covariates read from `csv` (none when it is empty or does not read).
fn kept(csv: Vec<u8>, etag: Option<String>) -> Option<Rc<KeptCovariates>> {
    if !cfg!(feature = "covariates") {
        return None;
    }
    let rows = FutureCovariates::parse(&csv).ok()?;
    Some(Rc::new(KeptCovariates { rows, csv, etag }))
}

/// Sends a sign-in or refresh and reads the credentials it answers with.
async fn session_reply(
    prepared: &request::PreparedRequest,
    timeout_ms: u32,
    action: Action,
) -> Result<Session, Problem> {
    let reply = transport::send(prepared, timeout_ms).await?;
    if !reply.ok() {
        return Err(Problem::from_reply(&reply, action, transport::now()));
    }
    Session::from_login_reply(&reply.body).map_err(Problem::BadAnswer)
}

/// One endpoint's client with a place to keep artifacts.
#[derive(Debug, Clone)]
pub struct Forecaster {
    /// The endpoint.
    pub settings: EndpointSettings,
    /// Where artifacts are kept.
    pub store: ModelStore,
    /// How long InvokeEndpoint may take before the device answers.
    pub forecast_timeout_ms: u32,
}

impl Forecaster {
    /// A client of `settings` keeping artifacts in `store`.
    pub fn new(settings: EndpointSettings, store: ModelStore) -> Self {
        Self {
            settings,
            store,
            forecast_timeout_ms: FORECAST_TIMEOUT_MS,
        }
    }

    fn key(&self, session: &Session) -> Result<String, Problem> {
        let target = Target::new(&self.settings, session)?;
        Ok(target.settings.storage_key(&target.target_model))
    }

    /// The stored model for the session's customer, if this device has one,
    /// with the covariates kept beside it.
    pub async fn stored_model(&self, session: &Session) -> Result<Option<DeviceModel>, Problem> {
        let Some(stored) = self.store.get(&self.key(session)?).await? else {
            return Ok(None);
        };
        #[cfg(not(feature = "engine"))]
        let mut stored = stored;
        #[cfg(feature = "engine")]
        let model = Rc::new(unpack(&stored.bytes).await.map_err(Problem::OnDevice)?);
        // Kept beside the artifact when it was checked. A record from before
        // facts were kept (or kept by a build with the engine in process) is
        // read by the engine, and its entity tag dropped: the next sync
        // downloads the model again, and that check keeps its facts.
        #[cfg(not(feature = "engine"))]
        let facts = Rc::new(match ModelFacts::from_json(&stored.facts) {
            Ok(facts) => facts,
            Err(_) => {
                stored.etag = None;
                crate::engine_module::facts(&stored.bytes).await?
            }
        });
        Ok(Some(DeviceModel {
            #[cfg(feature = "engine")]
            model,
            #[cfg(not(feature = "engine"))]
            facts,
            artifact: Rc::new(stored.bytes),
            etag: stored.etag,
            fresh: false,
            saved_at_ms: stored.saved_at_ms,
            covariates: kept(stored.covariates, stored.covariates_etag),
            holidays: kept_holidays(stored.holidays),
        }))
    }

    /// Downloads the customer's artifact unless `stored` (what
    /// [`Self::stored_model`] found) is current (`If-None-Match`), and for a
    /// model that needs future covariates the endpoint's latest (also
    /// `If-None-Match`; when the endpoint cannot give them, the kept ones
    /// stay); keeps what is new beside each other and returns the model.
    pub async fn sync_model(
        &self,
        session: &Session,
        stored: Option<&DeviceModel>,
    ) -> Result<DeviceModel, Problem> {
        let target = Target::new(&self.settings, session)?;
        let etag = stored.and_then(|s| s.etag.as_deref());
        let prepared = request::download_artifact(&target, session, etag, transport::now())?;
        let reply = transport::send(&prepared, DOWNLOAD_TIMEOUT_MS).await?;
        // Changed below only by the covariates' and holidays' downloads.
        #[cfg_attr(not(any(feature = "covariates", feature = "holidays")), allow(unused_mut))]
        let mut model = match (reply.status, stored) {
            (304, Some(stored)) => DeviceModel {
                fresh: true,
                ..stored.clone()
            },
            // Checked before it is kept (by the engine, in process or loaded).
            (200, _) => DeviceModel {
                #[cfg(feature = "engine")]
                model: Rc::new(unpack(&reply.body).await.map_err(Problem::OnDevice)?),
                #[cfg(not(feature = "engine"))]
                facts: Rc::new(crate::engine_module::facts(&reply.body).await?),
                etag: reply.header("etag").map(str::to_owned),
                artifact: Rc::new(reply.body),
                fresh: true,
                saved_at_ms: js_sys::Date::now(),
                covariates: stored.and_then(|s| s.covariates.clone()),
                holidays: stored.and_then(|s| s.holidays.clone()),
            },
            _ => {
                return Err(Problem::from_reply(
                    &reply,
                    Action::Download,
                    transport::now(),
                ))
            }
        };
        #[cfg_attr(not(any(feature = "covariates", feature = "holidays")), allow(unused_mut))]
        let mut changed = reply.status == 200;
        #[cfg(feature = "covariates")]
        if model.needs_covariates() {
            let etag = model.covariates.as_ref().and_then(|c| c.etag.as_deref());
            let prepared = request::download_covariates(&target, session, etag, transport::now())?;
            if let Ok(reply) = transport::send(&prepared, DOWNLOAD_TIMEOUT_MS).await {
                let etag = reply.header("etag").map(str::to_owned);
                if let (200, Some(c)) = (reply.status, kept(reply.body, etag)) {
                    model.covariates = Some(c);
                    changed = true;
                }
            }
        }
        #[cfg(feature = "holidays")]
        if let Some(code) = model.country_code().map(str::to_owned) {
            if model.holidays.as_ref().is_none_or(|h| h.table.country() != code) {
                let prepared = request::download_holidays(&target, session, transport::now())?;
                if let Ok(reply) = transport::send(&prepared, DOWNLOAD_TIMEOUT_MS).await {
                    if let (200, Some(h)) = (reply.status, kept_holidays(reply.body)) {
                        model.holidays = Some(h);
                        changed = true;
                    }
                }
            }
        }
        if changed {
            let key = target.settings.storage_key(&target.target_model);
            self.store.put(&key, model.record()).await?;
        }
        Ok(model)
    }

    /// Removes the session's model from the device.
    pub async fn forget_model(&self, session: &Session) -> Result<(), Problem> {
        self.store.delete(&self.key(session)?).await
    }

    /// A forecast of `days` days: the endpoint's, or — when it cannot be
    /// reached, fails or is slow — the device's from `model`.
    pub async fn forecast(
        &self,
        session: &Session,
        model: Option<&DeviceModel>,
        days: u32,
    ) -> Result<Outcome, Problem> {
        crate::Horizon::days(days).map_err(|_| Problem::Horizon(days))?;
        let periods = model.map_or(days, |m| m.periods_for_days(days));
        let problem = match self.online_forecast(session, periods).await {
            Ok(table) => {
                return Ok(Outcome {
                    table,
                    source: ForecastSource::Endpoint,
                    fallback_reason: None,
                    uncovered: None,
                })
            }
            Err(p) if p.endpoint_down() => p,
            Err(p) => return Err(p),
        };
        let model = model.ok_or(Problem::NoStoredModel)?;
        #[cfg(feature = "engine")]
        return Self::on_device(model, days, problem);
        #[cfg(not(feature = "engine"))]
        return Self::on_device_loaded(model, days, problem).await;
    }

    /// [`Self::on_device`] by the engine module (loaded on first use): the
    /// same forecast, through `engineForecast`.
    #[cfg(not(feature = "engine"))]
    pub async fn on_device_loaded(model: &DeviceModel, days: u32, why: Problem) -> Result<Outcome, Problem> {
        let covariates = model.covariates.as_ref().map_or(&[][..], |c| &c.csv[..]);
        let holidays = model.holidays.as_ref().map_or(&[][..], |h| &h.bytes[..]);
        let forecast = crate::engine_module::forecast(&model.artifact, covariates, holidays, days).await?;
        Ok(Outcome {
            table: forecast.table,
            source: ForecastSource::Device,
            fallback_reason: Some(why),
            uncovered: forecast.uncovered,
        })
    }

    /// The device's forecast of `days` days from `model`, because of `why`
    /// (the endpoint's problem, or no credentials to ask it with): with the
    /// covariates it keeps, only the days they cover.
    #[cfg(feature = "engine")]
    pub fn on_device(model: &DeviceModel, days: u32, why: Problem) -> Result<Outcome, Problem> {
        let periods = model.model.periods_for_days(days);
        #[cfg(not(feature = "covariates"))]
        let forecast = crate::DeviceForecast {
            table: model.model.forecast_as_endpoint(periods).map_err(Problem::OnDevice)?,
            uncovered: None,
        };
        #[cfg(feature = "covariates")]
        let covariates = model.covariates.as_ref().map(|c| &c.rows);
        #[cfg(all(feature = "covariates", feature = "holidays"))]
        let holidays = model.holidays.as_ref().map(|h| &h.table);
        // Never a table: the table reader and Python's year order stay out of the build.
        #[cfg(all(feature = "covariates", not(feature = "holidays")))]
        let holidays: Option<&Arc<HolidayTable>> = None;
        #[cfg(feature = "covariates")]
        let forecast = model
            .model
            .forecast_covered(periods, covariates, holidays)
            .map_err(Problem::from)?;
        Ok(Outcome {
            table: forecast.table,
            source: ForecastSource::Device,
            fallback_reason: Some(why),
            uncovered: forecast.uncovered,
        })
    }

    async fn online_forecast(
        &self,
        session: &Session,
        periods: u32,
    ) -> Result<ForecastTable, Problem> {
        if session.expired(transport::now()) {
            return Err(Problem::SessionExpired);
        }
        let target = Target::new(&self.settings, session)?;
        let period = gridcast_api::Period::rows(periods).map_err(|_| Problem::Horizon(periods))?;
        let body = gridcast_api::ForecastRequest::period(period);
        let prepared = request::invoke(&target, session, &body, transport::now())?;
        let reply = transport::send(&prepared, self.forecast_timeout_ms).await?;
        if !reply.ok() {
            return Err(Problem::from_reply(
                &reply,
                Action::Forecast,
                transport::now(),
            ));
        }
        ForecastTable::from_pandas_json(&reply.body).map_err(Problem::BadAnswer)
    }

    /// The model's backtest accuracy (`GET .../backtests/{TargetModel}`).
    pub async fn accuracy(&self, session: &Session) -> Result<Accuracy, Problem> {
        let body = self.model_json(session, "backtests").await?;
        Accuracy::from_backtest_json(&body).map_err(Problem::BadAnswer)
    }

    /// The readings after the model's training end beside its forecast for
    /// them (`GET .../readings/{TargetModel}`).
    pub async fn actuals(&self, session: &Session) -> Result<Actuals, Problem> {
        let body = self.model_json(session, "readings").await?;
        Actuals::from_readings_json(&body).map_err(Problem::BadAnswer)
    }

    async fn model_json(&self, session: &Session, kind: &str) -> Result<Vec<u8>, Problem> {
        let target = Target::new(&self.settings, session)?;
        let prepared = request::model_json(&target, session, kind, transport::now())?;
        let reply = transport::send(&prepared, DOWNLOAD_TIMEOUT_MS).await?;
        if !reply.ok() {
            return Err(Problem::from_reply(
                &reply,
                Action::Forecast,
                transport::now(),
            ));
        }
        Ok(reply.body)
    }

    /// Signs in at the endpoint.
    pub async fn sign_in(&self, customer: &str, password: &str) -> Result<Session, Problem> {
        let prepared = request::login(&self.settings, customer, password)?;
        session_reply(&prepared, DOWNLOAD_TIMEOUT_MS, Action::SignIn).await
    }

    /// New temporary credentials for a sign-in session.
    pub async fn refresh(&self, session: &Session) -> Result<Session, Problem> {
        let target = Target::new(&self.settings, session)?;
        let prepared = request::session_call(&target, session, "refresh", transport::now())?;
        session_reply(&prepared, FORECAST_TIMEOUT_MS, Action::Refresh).await
    }

    /// Asks the endpoint to revoke a sign-in session's credentials (best
    /// effort: they expire within the hour anyway).
    pub async fn sign_out(&self, session: &Session) {
        if session.target_model.is_none() {
            return;
        }
        if let Ok(target) = Target::new(&self.settings, session) {
            if let Ok(prepared) =
                request::session_call(&target, session, "logout", transport::now())
            {
                let _ = transport::send(&prepared, FORECAST_TIMEOUT_MS).await;
            }
        }
    }
}
