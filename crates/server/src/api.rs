//! The JSON endpoints: what the page opens, the notebooks it can pick,
//! and creating one.

use std::path::Path;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use weir_project::{Project, SaveError};

use crate::state::AppState;

/// How deep the listing looks, and how many files it reads at most.
const LIST_DEPTH: usize = 4;
const LIST_FILES: usize = 2_000;
/// Larger files are not read to decide whether they are notebooks.
const LIST_MAX_BYTES: u64 = 4 * 1024 * 1024;

pub async fn session(State(state): State<Arc<AppState>>) -> Response {
    match &state.opened {
        Some(rel) => Json(json!({"mode": "notebook", "notebook": rel})).into_response(),
        None => Json(json!({"mode": "directory", "root": state.root})).into_response(),
    }
}

pub async fn list_notebooks(State(state): State<Arc<AppState>>) -> Response {
    let root = state.root.clone();
    let found = tokio::task::spawn_blocking(move || {
        let mut found = Vec::new();
        let mut budget = LIST_FILES;
        walk(&root, &root, 0, &mut budget, &mut found);
        found.sort_by(|a: &(String, u64), b| a.0.cmp(&b.0));
        found
    })
    .await
    .unwrap_or_default();
    let notebooks: Vec<_> = found
        .into_iter()
        .map(|(path, size)| json!({"path": path, "size": size}))
        .collect();
    Json(json!({"root": state.root, "notebooks": notebooks})).into_response()
}

/// `.py` files under `dir` that parse as notebooks; hidden folders,
/// virtual environments and caches are skipped.
fn walk(root: &Path, dir: &Path, depth: usize, budget: &mut usize, found: &mut Vec<(String, u64)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if *budget == 0 {
            return;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            let skip = name.starts_with('.')
                || matches!(
                    name.as_ref(),
                    "__pycache__" | "node_modules" | "__weir__" | "__marimo__" | "venv" | "target"
                );
            if !skip && depth < LIST_DEPTH {
                walk(root, &path, depth + 1, budget, found);
            }
        } else if kind.is_file() && name.ends_with(".py") {
            *budget -= 1;
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if meta.len() > LIST_MAX_BYTES {
                continue;
            }
            let is_notebook = std::fs::read_to_string(&path)
                .ok()
                .is_some_and(|text| Project::from_source(&text).is_ok());
            if is_notebook {
                found.push((crate::notebook::relative(root, &path), meta.len()));
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Create {
    path: String,
}

pub async fn create_notebook(
    State(state): State<Arc<AppState>>,
    body: Result<Json<Create>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(Create { path })) = body else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "the body must be {\"path\": \"name.py\"}",
        );
    };
    let (abs, rel) = match state.resolve(&path) {
        Ok(resolved) => resolved,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, &message),
    };
    let created = tokio::task::spawn_blocking(move || {
        // What `weir new` writes, through the same writer: never over an
        // existing file.
        Project::new(weir_notebook::Notebook::starter()).save(&abs)
    })
    .await;
    match created {
        Ok(Ok(_)) => (StatusCode::CREATED, Json(json!({"path": rel}))).into_response(),
        Ok(Err(SaveError::AlreadyExists { .. })) => {
            refuse(StatusCode::CONFLICT, &format!("{rel}: already exists"))
        }
        Ok(Err(e)) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}
