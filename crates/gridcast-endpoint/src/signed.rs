//! The request extractors every handler starts from, so the order of checks
//! has one home: [`Signed`] authenticates before it buffers (no known key,
//! no body read), [`Unsigned`] reads a bounded body for the routes whose
//! credential is in the body (sign-in) or that SageMaker calls inside its
//! container. Both read under the shared [`BodyBudget`](crate::body::BodyBudget).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Request};
use axum::http::request::Parts;

use crate::authentication::{identify, verify};
use crate::credentials::Principal;
use crate::error::ApiError;
use crate::forwarded::TrustedProxies;
use crate::state::SharedState;

/// InvokeEndpoint's limit on the request body (6 MiB).
pub const MAX_BODY: usize = 6 * 1024 * 1024;

/// Bodies of `/auth/*` requests.
pub const MAX_AUTH_BODY: usize = 4096;

/// A request whose SigV4 signature checked out, body included (at most
/// [`MAX_BODY`] bytes).
#[derive(Debug)]
pub struct Signed {
    /// Method, URI, headers, extensions.
    pub parts: Parts,
    /// The whole body.
    pub body: Bytes,
    /// Who signed it.
    pub principal: Arc<Principal>,
}

impl FromRequest<SharedState> for Signed {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &SharedState) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let claimed = identify(state, &parts)?;
        let limit = if parts.uri.path().starts_with("/auth/") {
            MAX_AUTH_BODY
        } else {
            MAX_BODY
        };
        let unproven = state.bodies.read(body, &parts.headers, limit).await?;
        let principal = verify(state, &parts, &unproven.bytes, claimed)?;
        Ok(Signed {
            parts,
            body: unproven.proven(),
            principal,
        })
    }
}

/// A request nobody signed, with its body (bounded by the route).
#[derive(Debug)]
pub struct Unsigned<const LIMIT: usize> {
    /// Method, URI, headers, extensions.
    pub parts: Parts,
    /// The whole body.
    pub body: Bytes,
}

impl<const LIMIT: usize> Unsigned<LIMIT> {
    /// The client's address (`None` in-process, without a connection): the
    /// connection's, or whom a trusted proxy says it forwards
    /// ([`TrustedProxies::client`]).
    pub fn client(&self, trusted: &TrustedProxies) -> Option<IpAddr> {
        let peer = self
            .parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        trusted.client(peer, &self.parts.headers)
    }
}

impl<const LIMIT: usize> FromRequest<SharedState> for Unsigned<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &SharedState) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        // Its share of the budget is returned once read: what follows is
        // bounded by the handler (the sign-in queue, the forecast workers).
        let unproven = state.bodies.read(body, &parts.headers, LIMIT).await?;
        Ok(Unsigned {
            parts,
            body: unproven.bytes,
        })
    }
}
