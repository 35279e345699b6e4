//! `gridcast serve`: a multi-model endpoint that speaks SageMaker Runtime's
//! InvokeEndpoint API, verifies AWS SigV4, authorizes per TargetModel, keeps
//! a bounded cache of models, and also implements the SageMaker multi-model
//! container contract. Every limit it holds under load is in [`limits`].
//!
//! - [`server`]: the routes merged into one app, its layers (CORS, request
//!   ids, tracing, metrics, panics to 500s), and the accept loop
//!   (connection limits, header-read timeout).
//! - [`connections`]: the connection limits, in all and per client address.
//! - [`front`]: InvokeEndpoint answered ahead of the router, with the same layers' work.
//! - [`access_log`]: one line a request, written off the request path (drops counted).
//! - [`stalled`]: writes to a client that stopped reading time out.
//! - [`state`]: configuration and the state every handler shares.
//! - [`signed`]: the extractors: `Signed` authenticates before it reads the
//!   body, `Unsigned` for sign-in and the container routes.
//! - [`body`]: bounded body reads and the budget of unauthenticated bytes.
//! - [`invocation`]: InvokeEndpoint and the artifact download; `request`
//!   reads what an invocation asks for, `future` the rows a model forecasts.
//! - [`covariates`]: the future covariates feed that fills what requests leave out.
//! - [`authentication`]: SigV4 with AWS's 403 error types.
//! - [`credentials`]: principals (`auth.json`) and the sign-ins they may descend from.
//! - [`login`]: customer sign-in (users file, limiter, handlers).
//! - [`session_token`]: sign-in credentials every replica checks with the shared session key.
//! - [`revocations`]: sign-outs shared through the model store.
//! - [`sessions`]: sign-in sessions as principals, the same on every replica.
//! - [`compute`]: the forecast workers (bounded, per-caller shares, panics caught).
//! - [`admission`]: a bounded number of holders and a bounded queue.
//! - [`answers`]: forecast answers kept, by byte budget.
//! - [`artifact_source`]: the `--models` location (directory or S3, with a disk cache).
//! - [`model_cache`]: lazy loading, one load per cold model, LRU by count and bytes.
//! - [`container`]: `/ping`, `/models` routes SageMaker calls inside an MME container.
//! - [`memory`]: allocator settings that give memory back after a burst.
//! - [`error`]: SageMaker's error shape.
#![deny(missing_docs)]

pub mod access_log;
pub mod admission;
pub mod answers;
pub mod artifact_source;
pub mod authentication;
pub mod body;
pub mod compute;
pub mod connections;
pub mod container;
pub mod covariates;
pub mod credentials;
pub mod error;
pub mod forwarded;
pub mod front;
pub mod invocation;
pub mod limits;
pub mod login;
pub mod memory;
pub mod metrics;
pub mod model_cache;
pub mod revocations;
pub mod server;
pub mod session_token;
pub mod sessions;
pub mod signed;
pub mod stalled;
pub mod state;
pub mod target_model;
