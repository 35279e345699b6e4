//! The SageMaker multi-model container contract, so `gridcast serve` can be
//! the container of a real multi-model endpoint: SageMaker downloads and
//! extracts `<TargetModel>` under `/opt/ml/models/...`, then calls
//! `POST /models {"model_name", "url"}`, `POST /models/{name}/invoke`, and
//! `DELETE /models/{name}` when it needs the memory back.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::invocation::{parse_forecast_request, respond, MAX_BODY};
use crate::model_cache::{load_artifact, LoadError};
use crate::server::{read_body, SharedState};

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
    Json(req): Json<LoadRequest>,
) -> Result<Response, ApiError> {
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
    let loaded = tokio::task::spawn_blocking(move || load_artifact(&file, &name))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| match e {
            LoadError::NotFound(_) => ApiError::not_found(e.to_string()),
            other => ApiError::validation(other.to_string()),
        })?;
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
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let body = read_body(body, &parts.headers, MAX_BODY).await?;
    let request = parse_forecast_request(&body)?;
    let model = state
        .cache
        .peek(&key(&name))
        .ok_or_else(|| ApiError::not_found(format!("Model {name} is not loaded")))?;
    respond(&state, &model, request)
}
