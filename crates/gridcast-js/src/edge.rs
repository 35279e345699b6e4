//! `edgeForecast`: the edge handler's work for `GET /forecast/{customer}?days=N`.
//!
//! The edge signs InvokeEndpoint with its own credentials (from `env`, so
//! browsers never hold AWS keys), keeps each customer's artifact in this
//! instance's memory, and answers from its own forecast when the endpoint is
//! down or slow. It never sends a request it could not sign.

use std::cell::RefCell;

use gridcast_api::Horizon;
use gridcast_client::forecaster::{Forecaster, ModelStore};
use gridcast_client::keyed::Keyed;
use gridcast_client::settings::check_customer;
use gridcast_client::{EndpointSettings, Problem, Session};
use wasm_bindgen::prelude::*;

use crate::rows::{edge_body, error_body, redact};

/// Re-check a cached artifact (conditional GET) at most this often.
const REVALIDATE_MS: f64 = 10.0 * 60.0 * 1000.0;

thread_local! {
    static STORE: ModelStore = ModelStore::memory();
    static CHECKED: RefCell<Keyed<f64>> = RefCell::default();
}

/// The handler's configuration (the runtime's `env`).
#[allow(non_snake_case)]
struct EdgeEnv {
    GRIDCAST_ENDPOINT_URL: Option<String>,
    GRIDCAST_REGION: Option<String>,
    GRIDCAST_ENDPOINT_NAME: Option<String>,
    GRIDCAST_TARGET_TEMPLATE: Option<String>,
    GRIDCAST_TIMEOUT_MS: Option<String>,
    AWS_ACCESS_KEY_ID: Option<String>,
    AWS_SECRET_ACCESS_KEY: Option<String>,
    AWS_SESSION_TOKEN: Option<String>,
}

/// What a JavaScript value is, for the refusal of an `env`: `typeof`, with
/// `null` named as such.
fn js_type(value: &JsValue) -> String {
    if value.is_null() {
        "null".to_owned()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

impl EdgeEnv {
    /// The properties read, in the fields' order.
    const NAMES: [&'static str; 8] = [
        "GRIDCAST_ENDPOINT_URL",
        "GRIDCAST_REGION",
        "GRIDCAST_ENDPOINT_NAME",
        "GRIDCAST_TARGET_TEMPLATE",
        "GRIDCAST_TIMEOUT_MS",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ];

    /// Reads `env`'s string properties (own or inherited, as the runtime
    /// gives them); a missing, `undefined` or `null` one is not set.
    #[allow(non_snake_case)]
    fn read(env: &JsValue) -> Result<EdgeEnv, String> {
        if !env.is_object() {
            return Err(format!(
                "invalid type: {}, expected an object",
                js_type(env)
            ));
        }
        // One loop over the names (not eight inlined reads).
        let mut values: [Option<String>; 8] = Default::default();
        for (slot, name) in values.iter_mut().zip(EdgeEnv::NAMES) {
            let value =
                js_sys::Reflect::get(env, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
            if value.is_null() || value.is_undefined() {
                continue;
            }
            *slot = Some(value.as_string().ok_or_else(|| {
                format!(
                    "invalid type for {name}: {}, expected a string",
                    js_type(&value)
                )
            })?);
        }
        let [GRIDCAST_ENDPOINT_URL, GRIDCAST_REGION, GRIDCAST_ENDPOINT_NAME, GRIDCAST_TARGET_TEMPLATE, GRIDCAST_TIMEOUT_MS, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN] =
            values;
        Ok(EdgeEnv {
            GRIDCAST_ENDPOINT_URL,
            GRIDCAST_REGION,
            GRIDCAST_ENDPOINT_NAME,
            GRIDCAST_TARGET_TEMPLATE,
            GRIDCAST_TIMEOUT_MS,
            AWS_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY,
            AWS_SESSION_TOKEN,
        })
    }
}

/// The answer, for the JS entry to turn into a `Response`.
struct EdgeResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn respond(status: u16, extra: Vec<(String, String)>, body: String) -> EdgeResponse {
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("access-control-allow-origin".to_owned(), "*".to_owned()),
        (
            "access-control-expose-headers".to_owned(),
            "x-gridcast-source, x-amzn-errortype".to_owned(),
        ),
        ("cache-control".to_owned(), "no-store".to_owned()),
    ];
    headers.extend(extra);
    EdgeResponse {
        status,
        headers,
        body,
    }
}

fn error(status: u16, error_type: &str, message: &str) -> EdgeResponse {
    respond(
        status,
        vec![("x-amzn-errortype".into(), error_type.into())],
        error_body(message),
    )
}

fn problem(p: &Problem) -> EdgeResponse {
    let (status, error_type) = p.as_http();
    let message = match p {
        Problem::ModelMissing(m) | Problem::NotAllowed(m) => m.clone(),
        Problem::Rejected { message, .. } => message.clone(),
        other => other.to_string(),
    };
    error(status, error_type, &message)
}

fn settings(env: &EdgeEnv) -> Result<(EndpointSettings, u32), EdgeResponse> {
    let misconfigured = |what: &str| {
        error(
            500,
            "InternalFailure",
            &format!("the edge handler is not configured: {what}"),
        )
    };
    let url = env
        .GRIDCAST_ENDPOINT_URL
        .clone()
        .ok_or_else(|| misconfigured("GRIDCAST_ENDPOINT_URL is not set"))?;
    let s = EndpointSettings::with_overrides(
        url,
        env.GRIDCAST_REGION.as_deref(),
        env.GRIDCAST_ENDPOINT_NAME.as_deref(),
        env.GRIDCAST_TARGET_TEMPLATE.as_deref(),
    );
    s.validate().map_err(|e| misconfigured(&e.to_string()))?;
    let timeout = match &env.GRIDCAST_TIMEOUT_MS {
        Some(t) => t
            .parse()
            .map_err(|_| misconfigured("GRIDCAST_TIMEOUT_MS is not a number of milliseconds"))?,
        None => 3_000,
    };
    Ok((s, timeout))
}

async fn handle(env: EdgeEnv, customer: String, days: String) -> EdgeResponse {
    if let Err(e) = check_customer(&customer) {
        return error(400, "ValidationError", &e.to_string());
    }
    let days = match Horizon::parse(&days) {
        Ok(d) => d.get(),
        Err(e) => {
            return error(
                400,
                "ValidationError",
                &format!("{e} (GET /forecast/{{customer}}?days=N)"),
            )
        }
    };
    let (settings, timeout) = match settings(&env) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (Some(key), Some(secret)) = (&env.AWS_ACCESS_KEY_ID, &env.AWS_SECRET_ACCESS_KEY) else {
        // Never forward a request that is not signed.
        return error(500, "InternalFailure", "the edge handler is not configured: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are needed to sign");
    };
    let session = Session::with_keys(customer.clone(), key, secret, env.AWS_SESSION_TOKEN.clone());
    let keys = [Some(key), Some(secret), env.AWS_SESSION_TOKEN.as_ref()];
    let answer = forecast(settings, timeout, &session, &customer, days).await;
    redacted(answer, keys.into_iter().flatten())
}

/// The edge's keys never leave in an answer, not even quoted inside an
/// endpoint's error message (forecasts hold only numbers, dates and the id).
fn redacted<'a>(
    mut r: EdgeResponse,
    keys: impl Iterator<Item = &'a String> + Clone,
) -> EdgeResponse {
    if r.status != 200 {
        r.body = redact(&r.body, keys.clone());
        for (_, value) in &mut r.headers {
            *value = redact(value, keys.clone());
        }
    }
    r
}

/// The forecast for `customer` signed with `session`'s keys, from the
/// endpoint or from this instance's copy of the artifact.
async fn forecast(
    settings: EndpointSettings,
    timeout: u32,
    session: &Session,
    customer: &str,
    days: u32,
) -> EdgeResponse {
    let mut forecaster = Forecaster::new(settings, STORE.with(Clone::clone));
    forecaster.forecast_timeout_ms = timeout;
    let cache_key = format!("{}|{customer}", forecaster.settings.endpoint_url);
    let stored = forecaster.stored_model(session).await.ok().flatten();
    let outcome = match forecaster.forecast(session, stored.as_ref(), days).await {
        Ok(o) => o,
        // First request while the endpoint is down: nothing cached to answer with.
        Err(p) => return problem(&p),
    };
    // After an endpoint answer, keep (or re-check) the artifact for the
    // next outage.
    if outcome.source == gridcast_client::ForecastSource::Endpoint {
        let now = js_sys::Date::now();
        let due = CHECKED.with(|c| {
            c.borrow()
                .get(&cache_key)
                .is_none_or(|t| now - t > REVALIDATE_MS)
        });
        if due
            && forecaster
                .sync_model(session, stored.as_ref())
                .await
                .is_ok()
        {
            CHECKED.with(|c| c.borrow_mut().insert(cache_key, now));
        }
    }
    let source = outcome.source.as_str();
    respond(
        200,
        vec![("x-gridcast-source".into(), source.into())],
        edge_body(customer, source, &outcome.table, outcome.uncovered.as_ref()),
    )
}

/// Answers `GET /forecast/{customer}?days=N` with `env`'s endpoint and keys:
/// `{status, headers: [[name, value]], body}`. Sources: `x-gridcast-source:
/// endpoint|device`. Errors in SageMaker's shape.
#[wasm_bindgen(js_name = edgeForecast)]
pub async fn edge_forecast(env: JsValue, customer: String, days: String) -> JsValue {
    let response = match EdgeEnv::read(&env) {
        Ok(env) => handle(env, customer, days).await,
        Err(e) => error(
            500,
            "InternalFailure",
            &format!("the edge handler's env is not understood: {e}"),
        ),
    };
    response.to_js()
}

impl EdgeResponse {
    /// `{status, headers: [[name, value]], body}`, the plain object
    /// serde-wasm-bindgen's JSON-compatible serializer made of it (built
    /// directly: the edge links no `Serialize` for it).
    fn to_js(&self) -> JsValue {
        let headers: js_sys::Array = self
            .headers
            .iter()
            .map(|(name, value)| {
                js_sys::Array::of2(&JsValue::from_str(name), &JsValue::from_str(value))
            })
            .collect();
        let object = js_sys::Object::new();
        for (key, value) in [
            ("status", JsValue::from(self.status)),
            ("headers", headers.into()),
            ("body", JsValue::from_str(&self.body)),
        ] {
            let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &value);
        }
        object.into()
    }
}
