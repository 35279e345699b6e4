//! [`SignedModelGet`]: the prologue every signed GET of one model's resource
//! shares — `GET /endpoints/{name}/{models|backtests|covariates|holidays|readings}/{TargetModel}` —
//! so that each handler starts at its own stage. The order of checks has
//! one home: the path, the signature (as [`Signed`]: no known key, no body
//! read), the endpoint's name, the TargetModel, then the caller's
//! authorization for an invocation of it; existence is the handler's to
//! find out, after all of these.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::{accepts_json, authorize, check_endpoint, load_model};
use crate::error::ApiError;
use crate::model_cache::LoadedModel;
use crate::signed::Signed;
use crate::state::SharedState;
use crate::target_model::TargetModel;

/// A signed GET naming a TargetModel of this endpoint that the signer may
/// invoke.
#[derive(Debug)]
pub struct SignedModelGet {
    /// The TargetModel the path names, checked.
    pub target: TargetModel,
    /// The request, its signature checked.
    pub signed: Signed,
}

impl FromRequest<SharedState> for SignedModelGet {
    /// An [`ApiError`]'s response, or axum's for a path that does not decode.
    type Rejection = Response;

    async fn from_request(request: Request, state: &SharedState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Path((name, target)) = Path::<(String, String)>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let signed = Signed::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let target =
            allowed_target(state, &name, &target, &signed).map_err(IntoResponse::into_response)?;
        Ok(SignedModelGet { target, signed })
    }
}

/// The TargetModel a GET's path names, on this endpoint, and allowed to the
/// caller as an invocation of it would be.
fn allowed_target(
    state: &SharedState,
    name: &str,
    target: &str,
    signed: &Signed,
) -> Result<TargetModel, ApiError> {
    check_endpoint(state, name)?;
    let target = TargetModel::parse(target)?;
    authorize(&signed.principal, &target, "InvokeEndpoint")?;
    Ok(target)
}

impl SignedModelGet {
    /// Who signed it (the key the forecast workers' per-caller share counts).
    pub fn caller(&self) -> &str {
        &self.signed.principal.credentials.access_key_id
    }

    /// The answer must be acceptable as JSON (406 otherwise).
    pub fn accepts_json(&self) -> Result<(), ApiError> {
        accepts_json(&self.signed.parts.headers)
    }

    /// The model, through the cache (loaded on a forecast worker), by `deadline`.
    pub async fn model(
        &self,
        state: &SharedState,
        deadline: tokio::time::Instant,
    ) -> Result<Arc<LoadedModel>, ApiError> {
        load_model(state, self.caller(), &self.target, deadline).await
    }

    /// `bytes` with a strong ETag (SHA-256), or 304 when the request's
    /// `If-None-Match` names it; never kept by shared caches.
    pub fn conditional(
        &self,
        bytes: impl Into<Body> + AsRef<[u8]>,
        media_type: &'static str,
    ) -> Response {
        let etag = format!("\"{}\"", hex::encode(Sha256::digest(bytes.as_ref())));
        let matches = self
            .signed
            .parts
            .headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim() == etag || t.trim() == "*");
        let mut response = if matches {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, media_type)],
                bytes.into(),
            )
                .into_response()
        };
        response.headers_mut().insert(
            header::ETAG,
            HeaderValue::from_str(&etag).expect("hex etag"),
        );
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
        response
    }
}
