//! Customer sign-in for the portal: `POST /auth/login {customer_id, password}`
//! checks an argon2id hash from the users file and returns temporary
//! credentials (≤ 1 hour) allowed only `<customer_id>.tar.gz`; the signed
//! `/auth/refresh` and `/auth/logout` extend and end such a session.
//!
//! - [`users`]: the users file.
//! - [`limiter`]: failed sign-ins per id and address, reserved before the
//!   password is checked.
//!
//! Password checks (argon2id: 19 MiB and tens of milliseconds each) run at
//! most `password_checks` at once, with a short queue, then 503.

pub mod limiter;
pub mod users;

use std::panic::{catch_unwind, AssertUnwindSafe};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use gridcast_api::{CustomerId, LoginReply, LoginRequest};

pub use limiter::{
    LoginLimiter, Refusal, KNOWN_ADDRESS_SECONDS, LOGIN_WINDOW_SECONDS, MAX_FAILED_PER_ADDRESS,
    MAX_FAILED_PER_ID, MAX_FAILED_PER_ID_AND_ADDRESS,
};
pub use users::{add_user, Users};

use crate::credentials::Principal;
#[cfg(doc)]
use crate::credentials::MAX_SESSION_SECONDS;
use crate::error::ApiError;
use crate::signed::{Signed, Unsigned, MAX_AUTH_BODY};
use crate::state::SharedState;

/// The sign-in routes.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
}

/// `POST /auth/login`: the limits, then (on a password-check slot) the
/// password, then credentials.
pub(crate) async fn login(
    State(state): State<SharedState>,
    request: Unsigned<MAX_AUTH_BODY>,
) -> Result<Json<LoginReply>, ApiError> {
    let req: LoginRequest = serde_json::from_slice(&request.body).map_err(|e| {
        ApiError::validation(format!(
            "send {{\"customer_id\": ..., \"password\": ...}} ({e})"
        ))
    })?;
    let users = state.users.as_ref().ok_or_else(|| {
        ApiError::validation("sign-in is not enabled on this endpoint (no --users file)")
    })?;
    let customer =
        CustomerId::parse(&req.customer_id).map_err(|e| ApiError::validation(e.to_string()))?;
    let now = (state.clock)();
    let client = request.client(&state.config.server.trusted_proxies);
    let attempt = state
        .login_limiter
        .begin(customer.as_str(), client, now)
        .map_err(|refusal| {
            tracing::warn!(
                customer = customer.as_str(),
                ?client,
                ?refusal,
                "sign-in refused: too many failures"
            );
            ApiError::throttled(refusal.message(customer.as_str()))
        })?;
    let slot = state
        .password_checks
        .enter()
        .await
        .map_err(|_| ApiError::unavailable("too many sign-ins at once; retry in a moment"))?;
    let (users, password, id) = (users.clone(), req.password, customer.as_str().to_owned());
    let checked = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        catch_unwind(AssertUnwindSafe(|| users.verify(&id, &password)))
    })
    .await;
    let ok = match checked {
        Ok(Ok(ok)) => ok,
        _ => return Err(ApiError::internal("the password check failed")),
    };
    if !ok {
        attempt.failed();
        tracing::info!(
            customer = customer.as_str(),
            "sign-in refused: wrong password"
        );
        return Err(ApiError::access_denied("Wrong customer id or password"));
    }
    attempt.succeeded(now);
    let target = customer.artifact_name();
    let p = state
        .sessions
        .sign_in(customer.as_str(), vec![target.clone()], now);
    Ok(Json(session_json(&state, &p, customer.as_str(), &target)))
}

/// The answer to a sign-in or a refresh.
fn session_json(state: &SharedState, p: &Principal, customer: &str, target: &str) -> LoginReply {
    let expiration = p
        .expiration
        .and_then(|e| chrono::DateTime::from_timestamp(e, 0))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    LoginReply {
        access_key_id: p.credentials.access_key_id.clone(),
        secret_access_key: p.credentials.secret_access_key.clone(),
        session_token: p.credentials.session_token.clone(),
        expiration: Some(expiration),
        customer_id: Some(customer.to_owned()),
        target_model: Some(target.to_owned()),
        endpoint_name: Some(state.config.endpoint_name.clone()),
        region: Some(state.config.region.clone()),
    }
}

/// `POST /auth/refresh`, signed with the current temporary credentials: new
/// credentials for the same model, up to [`MAX_SESSION_SECONDS`] after the
/// sign-in. The old ones stay valid until they expire (requests in flight).
pub(crate) async fn refresh(
    State(state): State<SharedState>,
    signed: Signed,
) -> Result<Json<LoginReply>, ApiError> {
    let old = signed.principal;
    let p = state.sessions.refresh(&old, (state.clock)())?;
    let session = p.session.as_ref().expect("refresh keeps the sign-in");
    let target = p.target_models.first().cloned().unwrap_or_default();
    Ok(Json(session_json(&state, &p, &session.customer, &target)))
}

/// `POST /auth/logout`, signed: every key of the sign-in (also those a refresh
/// replaced) stops working, on this replica now and on every other within
/// seconds (the sign-out is shared through the model store).
pub(crate) async fn logout(
    State(state): State<SharedState>,
    signed: Signed,
) -> Result<axum::http::StatusCode, ApiError> {
    state.sessions.sign_out(&signed.principal).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
