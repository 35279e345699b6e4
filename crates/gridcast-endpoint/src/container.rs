//! The SageMaker multi-model container contract, so `gridcast serve` can be
//! the container of a real multi-model endpoint: SageMaker downloads and
//! extracts `<TargetModel>` under `/opt/ml/models/...`, then calls
//! `POST /models {"model_name", "url"}`, `POST /models/{name}/invoke`, and
//! `DELETE /models/{name}` when it needs the memory back.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::artifact_source::read_local;
use crate::error::ApiError;
use crate::invocation::{compute_error, parse_forecast_request, respond};
use crate::model_cache::{parse_artifact, LoadError};
use crate::signed::{Unsigned, MAX_AUTH_BODY, MAX_BODY};
use crate::state::SharedState;

/// Who the forecast workers see as the caller of the container routes.
const CONTAINER_CALLER: &str = "sagemaker-container";

/// `GET /ping`, always there (SageMaker's health check): answers from the
/// request threads, never waiting for a worker.
pub fn ping_route() -> Router<SharedState> {
    Router::new().route("/ping", get(ping))
}

async fn ping() -> StatusCode {
    StatusCode::OK
}

/// The container routes (only with a container root).
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/models", post(load).get(list))
        .route("/models/{name}", get(describe).delete(unload))
        .route("/models/{name}/invoke", post(invoke))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoadRequest {
    model_name: String,
    url: String,
}

fn key(name: &str) -> String {
    format!("/models/{name}")
}

/// The model file inside what SageMaker extracted: `url` itself if it is
/// a `.tar.gz` or `.json`, else `url/model.json`; it must resolve under the
/// container root (no symlink or `..` escapes).
fn model_file(root: &FsPath, url: &str) -> Result<PathBuf, ApiError> {
    let url = FsPath::new(url);
    let candidate = if url.is_dir() {
        url.join("model.json")
    } else {
        url.to_owned()
    };
    let resolved = candidate
        .canonicalize()
        .map_err(|_| ApiError::not_found(format!("no model at {}", url.display())))?;
    let root = root
        .canonicalize()
        .map_err(|e| ApiError::internal(format!("container root: {e}")))?;
    if !resolved.starts_with(&root) {
        return Err(ApiError::validation(format!(
            "{} is outside {}",
            url.display(),
            root.display()
        )));
    }
    Ok(resolved)
}

/// `POST /models`: load a model (409 when loaded, 507 when it cannot fit).
pub(crate) async fn load(
    State(state): State<SharedState>,
    request: Unsigned<MAX_AUTH_BODY>,
) -> Result<Response, ApiError> {
    let req: LoadRequest = serde_json::from_slice(&request.body).map_err(|e| {
        ApiError::validation(format!("send {{\"model_name\": ..., \"url\": ...}} ({e})"))
    })?;
    let root = state
        .config
        .container_root
        .clone()
        .expect("route exists only with a root");
    if req.model_name.is_empty() || req.model_name.len() > 1024 || req.model_name.contains('/') {
        return Err(ApiError::validation(
            "model_name must be 1-1024 characters without '/'",
        ));
    }
    if state.cache.contains(&key(&req.model_name)) {
        return Err(ApiError::conflict(format!(
            "Model {} is already loaded",
            req.model_name
        )));
    }
    let file = model_file(&root, &req.url)?;
    let name = req.model_name.clone();
    let limits = state.config.server.artifact;
    let max_file = if file.extension().is_some_and(|e| e == "json") {
        limits.max_model_json
    } else {
        state.config.server.artifact_bytes
    };
    let refused = |e: LoadError| match e {
        LoadError::NotFound(_) => ApiError::not_found(e.to_string()),
        LoadError::Compute(c) => compute_error(c),
        other => ApiError::validation(other.to_string()),
    };
    let bytes = read_local(&file, &name, max_file).await.map_err(refused)?;
    let is_json = file.extension().is_some_and(|e| e == "json");
    let source = file.display().to_string();
    let loaded = state
        .compute
        .run(CONTAINER_CALLER, move || {
            parse_artifact(&bytes, is_json, &name, source, &limits)
        })
        .await
        .map_err(compute_error)?
        .map_err(refused)?;
    state
        .cache
        .insert(key(&req.model_name), Arc::new(loaded))
        .map_err(|e| ApiError::insufficient_storage(e.to_string()))?;
    Ok((
        StatusCode::OK,
        Json(json!({"status": format!("Model {} loaded", req.model_name)})),
    )
        .into_response())
}

/// `GET /models`.
pub(crate) async fn list(State(state): State<SharedState>) -> Json<serde_json::Value> {
    let models: Vec<_> = state
        .cache
        .list()
        .into_iter()
        .filter_map(|(k, src)| {
            k.strip_prefix("/models/")
                .map(|n| json!({"modelName": n, "modelUrl": src}))
        })
        .collect();
    Json(json!({ "models": models }))
}

/// `GET /models/{name}`.
pub(crate) async fn describe(
    State(state): State<SharedState>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let model = state
        .cache
        .peek(&key(&name))
        .ok_or_else(|| ApiError::not_found(format!("Model {name} is not loaded")))?;
    Ok(Json(json!({"modelName": name, "modelUrl": model.source})))
}

/// `DELETE /models/{name}`.
pub(crate) async fn unload(
    State(state): State<SharedState>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if state.cache.remove(&key(&name)) {
        Ok(Json(json!({"status": format!("Model {name} unloaded")})))
    } else {
        Err(ApiError::not_found(format!("Model {name} is not loaded")))
    }
}

/// `POST /models/{name}/invoke`.
pub(crate) async fn invoke(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    request: Unsigned<MAX_BODY>,
) -> Result<Response, ApiError> {
    let forecast = parse_forecast_request(&request.body)?;
    let model = state
        .cache
        .peek(&key(&name))
        .ok_or_else(|| ApiError::not_found(format!("Model {name} is not loaded")))?;
    let deadline = tokio::time::Instant::now() + state.config.server.invocation_timeout;
    respond(
        &state,
        CONTAINER_CALLER,
        (&key(&name), &name),
        &model,
        &forecast,
        deadline,
    )
    .await
}
