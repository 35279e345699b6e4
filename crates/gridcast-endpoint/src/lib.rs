//! `gridcast serve`: a multi-model endpoint that speaks SageMaker Runtime's
//! InvokeEndpoint API, verifies AWS SigV4, authorizes per TargetModel, keeps
//! a bounded cache of models, and also implements the SageMaker multi-model
//! container contract.
//!
//! - [`server`]: configuration, state, routes and layers (CORS, request ids,
//!   tracing, metrics, panics to 500s).
//! - [`invocation`]: InvokeEndpoint and the artifact download.
//! - [`authentication`]: SigV4 with AWS's 403 error types.
//! - [`credentials`]: principals (`auth.json`) and temporary credentials.
//! - [`login`]: customer sign-in (`/auth/login`, argon2id users file).
//! - [`artifact_source`]: the `--models` location (directory or S3, with a disk cache).
//! - [`model_cache`]: lazy loading, one load per cold model, LRU by count and bytes.
//! - [`container`]: `/ping`, `/models` routes SageMaker calls inside an MME container.
//! - [`error`]: SageMaker's error shape.
#![deny(missing_docs)]

pub mod artifact_source;
pub mod authentication;
pub mod container;
pub mod credentials;
pub mod error;
pub mod invocation;
pub mod login;
pub mod metrics;
pub mod model_cache;
pub mod server;
pub mod target_model;
