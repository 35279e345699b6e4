//! AWS Signature Version 4 for gridcast, on top of the `aws-sigv4` crate.
//!
//! - [`sign_request`]: what a client adds to an InvokeEndpoint call (the CLI,
//!   the portal in the browser, the edge handler). Time comes in as Unix
//!   seconds, so it works on `wasm32-unknown-unknown`, where the system clock
//!   is not available.
//! - [`sign_plain_request`]: the same signature without aws-sigv4, for the
//!   requests a client builds itself (an http(s) URL without query); what
//!   the browser builds use, so aws-sigv4 and `http` stay out of the wasm.
//! - [`verify_request`]: what the endpoint does with a request: parse its
//!   `Authorization` header, recompute the signature with `aws-sigv4` over
//!   exactly the headers the client signed, and compare in constant time.
//!   Ordinary requests take a fast path (`canonical`: the canonical request
//!   in one buffer, the day's signing key kept per thread) that gives the
//!   same signature; the rest go through `aws-sigv4`.
//!
//! No I/O, no clock: callers pass the time.
#![deny(missing_docs)]

mod authorization;
mod canonical;
mod credentials;
mod encode;
mod plain;
mod sign;
mod verify;

pub use authorization::{parse_authorization, Authorization};
pub use credentials::Credentials;
pub use encode::percent_encode;
pub use plain::sign_plain_request;
pub use sign::{sign_request, OutgoingRequest, Scope, SigningError};
pub use verify::{verify_request, PathRules, RequestParts, VerifyError, MAX_CLOCK_SKEW_SECONDS};

/// The SigV4 service name of SageMaker Runtime (InvokeEndpoint).
pub const SAGEMAKER_SERVICE: &str = "sagemaker";
