//! Solidarity actions, the collective response to an alert, its sign-on
//! letter, and what needs the organisation's attention.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use super::{ApiJson, ApiRoutes, BodyRefused, Page, Unauthorized, created};
use crate::domain::FieldErrors;
use crate::domain::action::ActionInput;
use crate::error::{ErrorBody, Result, ValidationErrorBody};
use crate::services::accounts::Staff;
use crate::services::actions::{self, ActionView, Attention, Letter, On, Responses};
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(routes!(record_on_local))
        .add(routes!(responses_on_local))
        .add(routes!(letter))
        .add(routes!(offer_viewers, set_offer_viewers))
        .add(routes!(record_on_network))
        .add(routes!(responses_on_network))
        .add(routes!(list_actions))
        .add(routes!(correct_action, retract_action))
        .add(routes!(attention))
}

/// Record a solidarity action on one of this node's alerts.
#[utoipa::path(
    post,
    path = "/alerts/{id}/actions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    request_body = ActionInput,
    responses(
        (status = 201, description = "Recorded", body = ActionView),
        Unauthorized,
        BodyRefused,
        (
            status = 403,
            description = "Your role may not do this (cosign and statement need a coordinator or admin)",
            body = ErrorBody
        ),
        (status = 404, description = "No such alert, or not visible to your organisation", body = ErrorBody),
        (
            status = 409,
            description = "The alert is not open (closed alerts take reports only), or your organisation \
                already co-signed",
            body = ErrorBody
        ),
    )
)]
async fn record_on_local(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<impl IntoResponse> {
    Ok(created(actions::record(&state, &staff, On::Local(&id), input).await?))
}

/// Record a solidarity action on an alert received from another node (sent to
/// its origin).
#[utoipa::path(
    post,
    path = "/network/alerts/{id}/actions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "This node's id for the alert")),
    request_body = ActionInput,
    responses(
        (status = 201, description = "Recorded", body = ActionView),
        Unauthorized,
        BodyRefused,
        (
            status = 403,
            description = "Your role may not do this (cosign and statement need a coordinator or admin)",
            body = ErrorBody
        ),
        (status = 404, description = "No such alert, or not visible to your organisation", body = ErrorBody),
        (
            status = 409,
            description = "The alert is not open (closed alerts take reports only), or your organisation \
                already co-signed",
            body = ErrorBody
        ),
    )
)]
async fn record_on_network(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<impl IntoResponse> {
    Ok(created(actions::record(&state, &staff, On::Network(&id), input).await?))
}

/// The collective response to one of this node's alerts.
#[utoipa::path(
    get,
    path = "/alerts/{id}/responses",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "The responses the viewer may see", body = Responses),
        Unauthorized,
        (status = 404, description = "No such alert, or not visible to your organisation", body = ErrorBody),
    )
)]
async fn responses_on_local(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(actions::responses(&state, &staff, On::Local(&id)).await?))
}

/// Responses to a received alert known to this node (shared ones and your own).
#[utoipa::path(
    get,
    path = "/network/alerts/{id}/responses",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "This node's id for the alert")),
    responses(
        (status = 200, description = "The responses the viewer may see", body = Responses),
        Unauthorized,
        (status = 404, description = "No such alert, or not visible to your organisation", body = ErrorBody),
    )
)]
async fn responses_on_network(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(actions::responses(&state, &staff, On::Network(&id)).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct LetterParams {
    /// Language of the model text (default: en, else the first).
    lang: Option<String>,
}

/// The sign-on letter with its co-signatories.
#[utoipa::path(
    get,
    path = "/alerts/{id}/letter",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id"), LetterParams),
    responses(
        (status = 200, description = "The letter", body = Letter),
        Unauthorized,
        (status = 404, description = "No such alert, or not visible to your organisation", body = ErrorBody),
        (status = 409, description = "The alert asks for no letter", body = ErrorBody),
        (status = 422, description = "No model text in that language", body = ValidationErrorBody),
    )
)]
async fn letter(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(p): Query<LetterParams>,
) -> Result<impl IntoResponse> {
    Ok(Json(actions::letter(&state, &staff, &id, p.lang.as_deref()).await?))
}

/// The organisations of this node that see offers of support on an alert.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct OfferViewers {
    /// Organisation slugs.
    orgs: Vec<String>,
}

/// Organisations of this node that see offers of support on the alert.
#[utoipa::path(
    get,
    path = "/alerts/{id}/offer-viewers",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "Slugs", body = OfferViewers),
        Unauthorized,
        (status = 404, description = "No such alert, or not visible to your organisation", body = ErrorBody),
    )
)]
async fn offer_viewers(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let stored = crate::services::alerts::load_visible(&state.db, &staff, &id).await?;
    Ok(Json(OfferViewers {
        orgs: crate::db::actions::offer_viewers(&state.db, &stored.row.id).await?,
    }))
}

/// Choose which organisations of this node see offers of support (author
/// organisation, coordinator).
#[utoipa::path(
    put,
    path = "/alerts/{id}/offer-viewers",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    request_body = OfferViewers,
    responses(
        (status = 200, description = "Slugs", body = OfferViewers),
        Unauthorized,
        BodyRefused,
        (
            status = 403,
            description = "Not the author organisation, or your role may not do this",
            body = ErrorBody
        ),
        (status = 404, description = "No such alert, or not visible to your organisation", body = ErrorBody),
    )
)]
async fn set_offer_viewers(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OfferViewers>,
) -> Result<impl IntoResponse> {
    let orgs = actions::set_offer_viewers(&state, &staff, &id, &body.orgs).await?;
    Ok(Json(OfferViewers { orgs }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PageParams {
    /// 1–200, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// Default 0.
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
}

/// Your organisation's actions, newest first.
#[utoipa::path(
    get,
    path = "/actions",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page", body = Page<ActionView>),
        Unauthorized,
        (status = 422, description = "Bad paging", body = ValidationErrorBody),
    )
)]
async fn list_actions(
    State(state): State<AppState>,
    staff: Staff,
    Query(p): Query<PageParams>,
) -> Result<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let (limit, offset) = super::alerts::page_params(&mut errors, p.limit.as_deref(), p.offset.as_deref());
    errors.into_result()?;
    let (items, total) = actions::mine(&state, &staff, limit, offset).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// Correct one of your organisation's actions (sent as Update).
#[utoipa::path(
    patch,
    path = "/actions/{id}",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The action's id")),
    request_body = ActionInput,
    responses(
        (status = 200, description = "Corrected", body = ActionView),
        Unauthorized,
        BodyRefused,
        (
            status = 403,
            description = "Not your organisation's action, or your role may not do this",
            body = ErrorBody
        ),
        (status = 404, description = "No such action", body = ErrorBody),
        (status = 409, description = "Changed at the same time", body = ErrorBody),
    )
)]
async fn correct_action(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<impl IntoResponse> {
    Ok(Json(actions::correct(&state, &staff, &id, input).await?))
}

/// Retract one of your organisation's actions (sent as Delete).
#[utoipa::path(
    delete,
    path = "/actions/{id}",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The action's id")),
    responses(
        (status = 204, description = "Retracted"),
        Unauthorized,
        (
            status = 403,
            description = "Not your organisation's action, or your role may not do this",
            body = ErrorBody
        ),
        (status = 404, description = "No such action", body = ErrorBody),
    )
)]
async fn retract_action(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    actions::retract(&state, &staff, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What needs your organisation's attention: its open alerts past expiry, its
/// pledges past due with no report.
#[utoipa::path(
    get,
    path = "/attention",
    security(("bearer" = [])),
    responses((status = 200, description = "Flags", body = Attention), Unauthorized)
)]
async fn attention(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    Ok(Json(actions::attention(&state, &staff).await?))
}
