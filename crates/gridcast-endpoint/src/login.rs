//! Customer sign-in for the portal: `POST /auth/login {customer_id, password}`
//! checks an argon2id hash from the users file and returns temporary
//! credentials (≤ 1 hour) allowed only `<customer_id>.tar.gz`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::Json;
use gridcast_pipeline::CustomerId;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::authentication::authenticate;
use crate::credentials::{
    ConfigFileError, Principal, MAX_SESSION_SECONDS, TEMPORARY_CREDENTIALS_SECONDS,
};
use crate::error::ApiError;
use crate::server::{read_body, SharedState};

/// Failed attempts allowed per customer id within [`LOGIN_WINDOW_SECONDS`].
pub const MAX_FAILED_LOGINS: u32 = 5;
/// The window of [`MAX_FAILED_LOGINS`].
pub const LOGIN_WINDOW_SECONDS: i64 = 300;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    users: Vec<UserEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    customer_id: String,
    /// PHC string, `$argon2id$v=19$...`.
    password_hash: String,
}

/// Customer logins.
#[derive(Debug, Clone, Default)]
pub struct Users {
    hashes: HashMap<String, String>,
}

fn read_file(path: &Path) -> Result<UsersFile, ConfigFileError> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| ConfigFileError::Invalid {
            path: name,
            problem: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(UsersFile::default()),
        Err(source) => Err(ConfigFileError::Io { path: name, source }),
    }
}

impl Users {
    /// Reads the users file.
    pub fn load(path: &Path) -> Result<Self, ConfigFileError> {
        let file = read_file(path)?;
        let mut hashes = HashMap::new();
        for u in file.users {
            PasswordHash::new(&u.password_hash).map_err(|e| ConfigFileError::Invalid {
                path: path.display().to_string(),
                problem: format!(
                    "customer {}: password_hash is not a PHC string ({e})",
                    u.customer_id
                ),
            })?;
            hashes.insert(u.customer_id, u.password_hash);
        }
        Ok(Self { hashes })
    }

    /// Whether `password` is `customer`'s. Unknown customers cost the same
    /// time as known ones.
    pub fn verify(&self, customer: &str, password: &str) -> bool {
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0JrdGCk4Jjt1XJ3PXmv7JWWdOsDbUvUDfsXyoBXd1/s";
        let stored = self.hashes.get(customer).map_or(DUMMY, String::as_str);
        let ok = PasswordHash::new(stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        });
        ok && self.hashes.contains_key(customer)
    }
}

/// Adds or replaces `customer`'s password in the users file (argon2id,
/// random salt), written atomically.
pub fn add_user(path: &Path, customer: &CustomerId, password: &str) -> Result<(), ConfigFileError> {
    let mut file = read_file(path)?;
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| ConfigFileError::Invalid {
            path: path.display().to_string(),
            problem: e.to_string(),
        })?
        .to_string();
    file.users.retain(|u| u.customer_id != customer.as_str());
    file.users.push(UserEntry {
        customer_id: customer.as_str().to_owned(),
        password_hash: hash,
    });
    file.users.sort_by(|a, b| a.customer_id.cmp(&b.customer_id));
    let json = serde_json::to_vec_pretty(&file).expect("serializes");
    gridcast_pipeline::AtomicFile::write(path, &json).map_err(|source| ConfigFileError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Failed attempts allowed per client address within [`LOGIN_WINDOW_SECONDS`]
/// (against one password tried on many customer ids).
pub const MAX_FAILED_LOGINS_PER_CLIENT: u32 = 20;

/// Failed logins per customer id and per client address, in a window that
/// starts at the first failure.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl LoginLimiter {
    fn blocked(&self, key: &str, limit: u32, now: i64) -> bool {
        let mut f = self.failures.lock().expect("not poisoned");
        f.retain(|_, (_, since)| now - *since < LOGIN_WINDOW_SECONDS);
        f.get(key).is_some_and(|(n, _)| *n >= limit)
    }

    fn failed(&self, key: &str, now: i64) {
        let mut f = self.failures.lock().expect("not poisoned");
        f.entry(key.to_owned()).or_insert((0, now)).0 += 1;
    }

    fn succeeded(&self, key: &str) {
        self.failures.lock().expect("not poisoned").remove(key);
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginRequest {
    customer_id: String,
    password: String,
}

/// `POST /auth/login`.
pub(crate) async fn login(
    State(state): State<SharedState>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(
            || "client:unknown".to_owned(),
            |c| format!("client:{}", c.0.ip()),
        );
    let (parts, body) = request.into_parts();
    let body = read_body(body, &parts.headers, 4096).await?;
    let req: LoginRequest = serde_json::from_slice(&body).map_err(|e| {
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
    let customer_key = format!("customer:{customer}");
    if state
        .login_limiter
        .blocked(&customer_key, MAX_FAILED_LOGINS, now)
    {
        return Err(ApiError::throttled(format!(
            "Too many failed sign-ins for customer {customer}; try again in a few minutes"
        )));
    }
    if state
        .login_limiter
        .blocked(&client, MAX_FAILED_LOGINS_PER_CLIENT, now)
    {
        return Err(ApiError::throttled(
            "Too many failed sign-ins from this address; try again in a few minutes",
        ));
    }
    let (users, password, id) = (users.clone(), req.password, customer.as_str().to_owned());
    let ok = tokio::task::spawn_blocking(move || users.verify(&id, &password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    if !ok {
        state.login_limiter.failed(&customer_key, now);
        state.login_limiter.failed(&client, now);
        return Err(ApiError::access_denied("Wrong customer id or password"));
    }
    state.login_limiter.succeeded(&customer_key);
    let target = customer.artifact_name();
    let p = state.principals.issue_temporary(
        vec![target.clone()],
        None,
        now,
        TEMPORARY_CREDENTIALS_SECONDS,
    );
    Ok(Json(session_json(&state, &p, customer.as_str(), &target)))
}

/// The answer to a sign-in or a refresh.
fn session_json(state: &SharedState, p: &Principal, customer: &str, target: &str) -> Value {
    let expiration = p
        .expiration
        .and_then(|e| chrono::DateTime::from_timestamp(e, 0))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    json!({
        "AccessKeyId": p.credentials.access_key_id,
        "SecretAccessKey": p.credentials.secret_access_key,
        "SessionToken": p.credentials.session_token,
        "Expiration": expiration,
        "CustomerId": customer,
        "TargetModel": target,
        "EndpointName": state.config.endpoint_name,
        "Region": state.config.region,
    })
}

/// The signed caller of `/auth/refresh` or `/auth/logout`: only a portal
/// session's temporary credentials qualify.
async fn session_caller(state: &SharedState, request: Request) -> Result<Principal, ApiError> {
    let (parts, body) = request.into_parts();
    let body = read_body(body, &parts.headers, 4096).await?;
    let principal = authenticate(state, &parts, &body)?;
    if principal.session.is_none() {
        return Err(ApiError::validation(
            "only sign-in sessions can be refreshed or signed out; these are configured keys",
        ));
    }
    Ok(principal)
}

/// `POST /auth/refresh`, signed with the current temporary credentials: new
/// credentials for the same model, up to [`MAX_SESSION_SECONDS`] after the
/// sign-in. The old ones stay valid until they expire (requests in flight).
pub(crate) async fn refresh(
    State(state): State<SharedState>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let old = session_caller(&state, request).await?;
    let now = (state.clock)();
    let session = old.session.clone().expect("session_caller checked");
    if now >= session.started + MAX_SESSION_SECONDS {
        return Err(ApiError::expired_token());
    }
    let p = state.principals.issue_temporary(
        old.target_models.clone(),
        Some(session),
        now,
        TEMPORARY_CREDENTIALS_SECONDS,
    );
    let target = old.target_models.first().cloned().unwrap_or_default();
    let customer = CustomerId::from_file_name(&target, "tar.gz")
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    Ok(Json(session_json(&state, &p, &customer, &target)))
}

/// `POST /auth/logout`, signed: every key of the sign-in (also those a refresh
/// replaced) stops working now.
pub(crate) async fn logout(
    State(state): State<SharedState>,
    request: Request,
) -> Result<axum::http::StatusCode, ApiError> {
    let p = session_caller(&state, request).await?;
    if let Some(session) = &p.session {
        state.principals.revoke_session(&session.id);
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_file_round_trip_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        add_user(&path, &CustomerId::parse("42").unwrap(), "correct horse").unwrap();
        add_user(&path, &CustomerId::parse("7").unwrap(), "battery staple").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("$argon2id$") && !text.contains("correct horse"));
        let users = Users::load(&path).unwrap();
        assert!(users.verify("42", "correct horse"));
        assert!(!users.verify("42", "battery staple"));
        assert!(!users.verify("43", "correct horse"));
        let limiter = LoginLimiter::default();
        for _ in 0..MAX_FAILED_LOGINS {
            assert!(!limiter.blocked("customer:42", MAX_FAILED_LOGINS, 100));
            limiter.failed("customer:42", 100);
        }
        assert!(limiter.blocked("customer:42", MAX_FAILED_LOGINS, 100));
        assert!(!limiter.blocked("customer:43", MAX_FAILED_LOGINS, 100));
        assert!(!limiter.blocked("customer:42", MAX_FAILED_LOGINS, 100 + LOGIN_WINDOW_SECONDS));
    }
}
