//! Solidarity actions, the collective response to an alert, its sign-on
//! letter, and what needs the organisation's attention.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

use super::{ApiJson, ApiRoutes, created};
use crate::domain::FieldErrors;
use crate::domain::action::ActionInput;
use crate::error::Result;
use crate::services::accounts::Staff;
use crate::services::actions::{self, On};
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(Method::POST, "/alerts/{id}/actions", record_on_local)
        .add(Method::GET, "/alerts/{id}/responses", responses_on_local)
        .add(Method::GET, "/alerts/{id}/letter", letter)
        .add(Method::GET, "/alerts/{id}/offer-viewers", offer_viewers)
        .add(Method::PUT, "/alerts/{id}/offer-viewers", set_offer_viewers)
        .add(Method::POST, "/network/alerts/{id}/actions", record_on_network)
        .add(Method::GET, "/network/alerts/{id}/responses", responses_on_network)
        .add(Method::GET, "/actions", mine)
        .add(Method::PATCH, "/actions/{id}", correct)
        .add(Method::DELETE, "/actions/{id}", retract)
        .add(Method::GET, "/attention", attention)
}

async fn record_on_local(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<impl IntoResponse> {
    Ok(created(actions::record(&state, &staff, On::Local(&id), input).await?))
}

async fn record_on_network(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<impl IntoResponse> {
    Ok(created(actions::record(&state, &staff, On::Network(&id), input).await?))
}

async fn responses_on_local(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(actions::responses(&state, &staff, On::Local(&id)).await?))
}

async fn responses_on_network(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(actions::responses(&state, &staff, On::Network(&id)).await?))
}

#[derive(Deserialize)]
struct LetterParams {
    lang: Option<String>,
}

async fn letter(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(p): Query<LetterParams>,
) -> Result<impl IntoResponse> {
    Ok(Json(actions::letter(&state, &staff, &id, p.lang.as_deref()).await?))
}

async fn offer_viewers(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let stored = crate::services::alerts::load_visible(&state.db, &staff, &id).await?;
    Ok(Json(
        json!({"orgs": crate::db::actions::offer_viewers(&state.db, &stored.row.id).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfferViewers {
    orgs: Vec<String>,
}

async fn set_offer_viewers(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OfferViewers>,
) -> Result<impl IntoResponse> {
    let orgs = actions::set_offer_viewers(&state, &staff, &id, &body.orgs).await?;
    Ok(Json(json!({ "orgs": orgs })))
}

#[derive(Deserialize)]
struct PageParams {
    limit: Option<String>,
    offset: Option<String>,
}

async fn mine(State(state): State<AppState>, staff: Staff, Query(p): Query<PageParams>) -> Result<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let (limit, offset) = super::alerts::page_params(&mut errors, p.limit.as_deref(), p.offset.as_deref());
    errors.into_result()?;
    let (items, total) = actions::mine(&state, &staff, limit, offset).await?;
    Ok(Json(
        json!({"items": items, "total": total, "limit": limit, "offset": offset}),
    ))
}

async fn correct(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<impl IntoResponse> {
    Ok(Json(actions::correct(&state, &staff, &id, input).await?))
}

async fn retract(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    actions::retract(&state, &staff, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn attention(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    Ok(Json(actions::attention(&state, &staff).await?))
}
