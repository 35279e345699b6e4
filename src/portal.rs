//! The portal's work, apart from drawing it: keeping the customer's model on
//! the device in step with the endpoint, and getting a forecast from the
//! endpoint or, when it is down, from the device.

use std::rc::Rc;

use gridcast_client::artifact_store::{ArtifactStore, StoredArtifact};
use gridcast_client::problem::Action;
use gridcast_client::request::{self, Target};
use gridcast_client::transport::{self, DOWNLOAD_TIMEOUT_MS, FORECAST_TIMEOUT_MS};
use gridcast_client::{
    EndpointSettings, ForecastSource, ForecastTable, OnDeviceModel, Problem, Session,
};

/// The customer's model as this device has it.
#[derive(Debug, Clone)]
pub struct DeviceModel {
    /// The unpacked model.
    pub model: Rc<OnDeviceModel>,
    /// Where it came from: `true` if checked against the endpoint this visit.
    pub fresh: bool,
    /// When the device stored it (Unix milliseconds).
    pub saved_at_ms: f64,
}

impl PartialEq for DeviceModel {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.model, &other.model) && self.fresh == other.fresh
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
}

/// The stored model, if this device has one for the session.
pub async fn stored_model(
    settings: &EndpointSettings,
    session: &Session,
) -> Result<Option<DeviceModel>, Problem> {
    let target = Target::new(settings, session)?;
    let store = ArtifactStore::open().await?;
    let Some(stored) = store
        .get(&target.settings.storage_key(&target.target_model))
        .await?
    else {
        return Ok(None);
    };
    let model = OnDeviceModel::from_artifact(&stored.bytes).map_err(Problem::OnDevice)?;
    Ok(Some(DeviceModel {
        model: Rc::new(model),
        fresh: false,
        saved_at_ms: stored.saved_at_ms,
    }))
}

/// Downloads the customer's artifact unless the stored copy is current
/// (`If-None-Match`), stores it, and returns the model.
pub async fn sync_model(
    settings: &EndpointSettings,
    session: &Session,
) -> Result<DeviceModel, Problem> {
    let target = Target::new(settings, session)?;
    let key = target.settings.storage_key(&target.target_model);
    let store = ArtifactStore::open().await?;
    let stored = store.get(&key).await?;
    let etag = stored.as_ref().and_then(|s| s.etag.clone());
    let prepared = request::download_artifact(&target, session, etag.as_deref(), transport::now())?;
    let reply = transport::send(&prepared, DOWNLOAD_TIMEOUT_MS).await?;
    let artifact = match (reply.status, stored) {
        (304, Some(stored)) => stored,
        (200, _) => {
            // Check it before keeping it.
            OnDeviceModel::from_artifact(&reply.body).map_err(Problem::OnDevice)?;
            let fresh = StoredArtifact {
                bytes: reply.body.clone(),
                etag: reply.header("etag").map(str::to_owned),
                saved_at_ms: js_sys::Date::now(),
            };
            store.put(&key, &fresh).await?;
            fresh
        }
        _ => {
            return Err(Problem::from_reply(
                &reply,
                Action::Download,
                transport::now(),
            ))
        }
    };
    let model = OnDeviceModel::from_artifact(&artifact.bytes).map_err(Problem::OnDevice)?;
    Ok(DeviceModel {
        model: Rc::new(model),
        fresh: true,
        saved_at_ms: artifact.saved_at_ms,
    })
}

/// Removes the session's model from the device.
pub async fn forget_model(settings: &EndpointSettings, session: &Session) -> Result<(), Problem> {
    let target = Target::new(settings, session)?;
    ArtifactStore::open()
        .await?
        .delete(&target.settings.storage_key(&target.target_model))
        .await
}

/// A forecast of `days` days: the endpoint's, or — when it cannot be reached,
/// fails or is slow — this device's from `model`.
pub async fn forecast(
    settings: &EndpointSettings,
    session: &Session,
    model: Option<&DeviceModel>,
    days: u32,
) -> Result<Outcome, Problem> {
    let periods = model.map_or(days, |m| m.model.periods_for_days(days));
    let problem = match online_forecast(settings, session, periods).await {
        Ok(table) => {
            return Ok(Outcome {
                table,
                source: ForecastSource::Endpoint,
                fallback_reason: None,
            })
        }
        Err(p) if p.endpoint_down() => p,
        Err(p) => return Err(p),
    };
    let model = model.ok_or(Problem::NoStoredModel)?;
    let table = model
        .model
        .forecast(periods, None)
        .map_err(Problem::OnDevice)?;
    Ok(Outcome {
        table,
        source: ForecastSource::Device,
        fallback_reason: Some(problem),
    })
}

async fn online_forecast(
    settings: &EndpointSettings,
    session: &Session,
    periods: u32,
) -> Result<ForecastTable, Problem> {
    if session.expired(transport::now()) {
        return Err(Problem::SessionExpired);
    }
    let target = Target::new(settings, session)?;
    let prepared = request::invoke(&target, session, periods, transport::now())?;
    let reply = transport::send(&prepared, FORECAST_TIMEOUT_MS).await?;
    if !reply.ok() {
        return Err(Problem::from_reply(
            &reply,
            Action::Forecast,
            transport::now(),
        ));
    }
    ForecastTable::from_pandas_json(&reply.body).map_err(Problem::BadAnswer)
}

/// Signs in at the endpoint.
pub async fn sign_in(
    settings: &EndpointSettings,
    customer: &str,
    password: &str,
) -> Result<Session, Problem> {
    let prepared = request::login(settings, customer, password)?;
    let reply = transport::send(&prepared, DOWNLOAD_TIMEOUT_MS).await?;
    if !reply.ok() {
        return Err(Problem::from_reply(
            &reply,
            Action::SignIn,
            transport::now(),
        ));
    }
    Session::from_login_reply(&reply.body).map_err(Problem::BadAnswer)
}

/// New temporary credentials for a sign-in session.
pub async fn refresh(settings: &EndpointSettings, session: &Session) -> Result<Session, Problem> {
    let target = Target::new(settings, session)?;
    let prepared = request::session_call(&target, session, "refresh", transport::now())?;
    let reply = transport::send(&prepared, FORECAST_TIMEOUT_MS).await?;
    if !reply.ok() {
        return Err(Problem::from_reply(
            &reply,
            Action::Refresh,
            transport::now(),
        ));
    }
    Session::from_login_reply(&reply.body).map_err(Problem::BadAnswer)
}

/// Tells the endpoint to revoke a sign-in session's credentials (best effort:
/// they expire within the hour anyway).
pub async fn sign_out(settings: &EndpointSettings, session: &Session) {
    if session.target_model.is_none() {
        return;
    }
    if let Ok(target) = Target::new(settings, session) {
        if let Ok(prepared) = request::session_call(&target, session, "logout", transport::now()) {
            let _ = transport::send(&prepared, FORECAST_TIMEOUT_MS).await;
        }
    }
}
