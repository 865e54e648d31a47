//! Groups: create (admins), list, join and leave (coordinators), members and
//! moderation, and the alerts addressed to a group.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

use super::{ApiJson, ApiRoutes, created};
use crate::domain::FieldErrors;
use crate::error::Result;
use crate::services::accounts::Staff;
use crate::services::groups::{self, GroupInput};
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(Method::GET, "/groups", list)
        .add(Method::POST, "/groups", create)
        .add(Method::POST, "/groups/join", join)
        .add(Method::GET, "/groups/{id}", get)
        .add(Method::POST, "/groups/{id}/leave", leave)
        .add(Method::GET, "/groups/{id}/members", members)
        .add(Method::PATCH, "/groups/{id}/members", decide)
        .add(Method::GET, "/groups/{id}/alerts", alerts)
}

async fn list(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    Ok(Json(json!({"items": groups::list(&state, &staff).await?})))
}

async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<GroupInput>,
) -> Result<impl IntoResponse> {
    Ok(created(groups::create(&state, &staff, input).await?))
}

async fn get(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    Ok(Json(groups::get(&state, &staff, &id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Join {
    group: String,
}

async fn join(State(state): State<AppState>, staff: Staff, ApiJson(body): ApiJson<Join>) -> Result<impl IntoResponse> {
    Ok(Json(groups::join(&state, &staff, &body.group).await?))
}

async fn leave(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    Ok(Json(groups::leave(&state, &staff, &id).await?))
}

async fn members(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    Ok(Json(json!({"items": groups::members(&state, &staff, &id).await?})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    org: String,
    state: String,
}

async fn decide(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Decision>,
) -> Result<impl IntoResponse> {
    if !matches!(body.state.as_str(), "accepted" | "rejected" | "removed") {
        return Err(FieldErrors::single("state", "one of accepted, rejected, removed").into());
    }
    let items = groups::decide(&state, &staff, &id, &body.org, &body.state).await?;
    Ok(Json(json!({ "items": items })))
}

async fn alerts(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    Ok(Json(json!({"items": groups::alerts(&state, &staff, &id).await?})))
}
