//! Alerts: create, edit, the lifecycle steps, read, history and search.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use super::{ApiJson, ApiRoutes, BodyRefused, Items, Unauthorized, created, vocabulary_param};
use crate::db::alerts::AlertFilter;
use crate::domain::FieldErrors;
use crate::domain::alert::{AlertInput, Consent};
use crate::domain::vocab::{AlertStatus, Outcome, Urgency, ViolationType};
use crate::error::{Error, ErrorBody, Result, ValidationErrorBody};
use crate::services::accounts::Staff;
use crate::services::alerts::{self, AlertPage, AlertView, HistoryEntry, Transition};
use crate::state::AppState;

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(routes!(list_alerts, create_alert))
        .add(routes!(get_alert, edit_alert))
        .add(routes!(alert_history))
        .add(routes!(submit_alert))
        .add(routes!(return_to_draft))
        .add(routes!(publish_alert))
        .add(routes!(close_alert))
        .add(routes!(withdraw_alert))
        .add(routes!(record_consent))
        .add(routes!(withdraw_consent))
}

/// Draft a new alert (member or above); private to this node by default.
#[utoipa::path(
    post,
    path = "/alerts",
    security(("bearer" = [])),
    request_body = AlertInput,
    responses(
        (status = 201, description = "The draft", body = AlertView),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        BodyRefused,
    )
)]
async fn create_alert(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<AlertInput>,
) -> Result<impl IntoResponse> {
    let view = alerts::create(&state, &staff, input).await?;
    Ok(created(view))
}

/// Edit an alert: drafts by members, published ones by coordinators.
#[utoipa::path(
    patch,
    path = "/alerts/{id}",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    request_body = AlertInput,
    responses(
        (status = 200, description = "The new version", body = AlertView),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        BodyRefused,
        (status = 404, description = NOT_VISIBLE, body = ErrorBody),
        (
            status = 409,
            description = "Not allowed from the alert's current status; or the edit changes the consent of a \
                published alert, or changes consent and widens the audience at once (record the consent first \
                with PUT /alerts/{id}/consent)",
            body = ErrorBody
        ),
    )
)]
async fn edit_alert(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AlertInput>,
) -> Result<impl IntoResponse> {
    Ok(Json(alerts::edit(&state, &staff, &id, input).await?))
}

/// How an alert that is missing, or that the viewer's organisation may not see,
/// is answered.
const NOT_VISIBLE: &str = "No such alert, or not visible to your organisation";

/// How a lifecycle step from the wrong status is answered.
const WRONG_STATUS: &str = "Not allowed from the alert's current status";

/// One alert.
#[utoipa::path(
    get,
    path = "/alerts/{id}",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "The alert", body = AlertView),
        Unauthorized,
        (status = 404, description = NOT_VISIBLE, body = ErrorBody),
    )
)]
async fn get_alert(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    Ok(Json(alerts::get(&state, &staff, &id).await?))
}

/// The alert's versions.
#[utoipa::path(
    get,
    path = "/alerts/{id}/history",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "History", body = Items<HistoryEntry>),
        Unauthorized,
        (status = 404, description = NOT_VISIBLE, body = ErrorBody),
    )
)]
async fn alert_history(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(Items {
        items: alerts::history(&state, &staff, &id).await?,
    }))
}

async fn step(state: &AppState, staff: &Staff, id: &str, change: Transition) -> Result<Json<AlertView>> {
    Ok(Json(alerts::transition(state, staff, id, change).await?))
}

/// Submit a draft for review (member or above).
#[utoipa::path(
    post,
    path = "/alerts/{id}/submit",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "In review", body = AlertView),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        (status = 404, description = NOT_VISIBLE, body = ErrorBody),
        (status = 409, description = WRONG_STATUS, body = ErrorBody),
    )
)]
async fn submit_alert(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    step(&state, &staff, &id, Transition::Submit).await
}

/// Publish an alert in review (coordinator).
#[utoipa::path(
    post,
    path = "/alerts/{id}/publish",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "Open", body = AlertView),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        (status = 404, description = NOT_VISIBLE, body = ErrorBody),
        (status = 409, description = WRONG_STATUS, body = ErrorBody),
        (
            status = 422,
            description = "The alert no longer passes its checks (its consent or expiry)",
            body = ValidationErrorBody
        ),
    )
)]
async fn publish_alert(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    step(&state, &staff, &id, Transition::Publish).await
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    #[schema(max_length = 5000)]
    note: Option<String>,
}

/// Return an alert in review to its drafters (coordinator).
#[utoipa::path(
    post,
    path = "/alerts/{id}/return",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    request_body = NoteBody,
    responses(
        (status = 200, description = "Draft again", body = AlertView),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        BodyRefused,
        (status = 404, description = NOT_VISIBLE, body = ErrorBody),
        (status = 409, description = WRONG_STATUS, body = ErrorBody),
    )
)]
async fn return_to_draft(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<impl IntoResponse> {
    step(&state, &staff, &id, Transition::ReturnToDraft { note: body.note }).await
}

/// Record the defender's consent anew (who gave it, when, its allowed uses):
/// audited with the old and new consent and who recorded it. Members for
/// drafts, coordinators for published alerts; a withdrawn consent cannot be
/// recorded again.
#[utoipa::path(
    put,
    path = "/alerts/{id}/consent",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    request_body = Consent,
    responses(
        (status = 200, description = "Consent recorded", body = AlertView),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        BodyRefused,
        (
            status = 422,
            description = "Invalid fields, or consent narrower than the alert's current audience (narrow the \
                audience first)",
            body = ValidationErrorBody
        ),
        (status = 404, description = NOT_VISIBLE, body = ErrorBody),
        (
            status = 409,
            description = "The alert is closed or withdrawn, or its consent was withdrawn",
            body = ErrorBody
        ),
    )
)]
async fn record_consent(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(consent): ApiJson<Consent>,
) -> Result<impl IntoResponse> {
    Ok(Json(alerts::record_consent(&state, &staff, &id, consent).await?))
}

/// Record that the defender withdrew consent; withdraws the alert (member or
/// above).
#[utoipa::path(
    post,
    path = "/alerts/{id}/consent/withdraw",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    request_body = NoteBody,
    responses(
        (status = 200, description = "Withdrawn", body = AlertView),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        BodyRefused,
        (status = 404, description = NOT_VISIBLE, body = ErrorBody),
        (
            status = 409,
            description = "The alert has no recorded consent, or it was withdrawn already",
            body = ErrorBody
        ),
    )
)]
async fn withdraw_consent(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<impl IntoResponse> {
    step(&state, &staff, &id, Transition::WithdrawConsent { note: body.note }).await
}

/// `outcome` is required; it is optional here so that its absence is
/// answered as a 422 naming the field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CloseBody {
    #[schema(required = true, nullable = false)]
    outcome: Option<Outcome>,
    #[schema(max_length = 5000)]
    note: Option<String>,
}

/// Close an open alert with its outcome (coordinator).
#[utoipa::path(
    post,
    path = "/alerts/{id}/close",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    request_body = CloseBody,
    responses(
        (status = 200, description = "Closed", body = AlertView),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        BodyRefused,
        (status = 404, description = NOT_VISIBLE, body = ErrorBody),
        (status = 409, description = WRONG_STATUS, body = ErrorBody),
    )
)]
async fn close_alert(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CloseBody>,
) -> Result<impl IntoResponse> {
    let outcome = body.outcome.ok_or_else(|| {
        Error::from(FieldErrors::single(
            "outcome",
            format!(
                "required: how the case ended, one of {}",
                <Outcome as strum::VariantNames>::VARIANTS.join(", ")
            ),
        ))
    })?;
    step(
        &state,
        &staff,
        &id,
        Transition::Close {
            outcome,
            note: body.note,
        },
    )
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct WithdrawBody {
    #[schema(max_length = 5000)]
    reason: Option<String>,
}

/// Withdraw an alert (coordinator).
#[utoipa::path(
    post,
    path = "/alerts/{id}/withdraw",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The alert's id")),
    request_body = WithdrawBody,
    responses(
        (status = 200, description = "Withdrawn", body = AlertView),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        BodyRefused,
        (status = 404, description = NOT_VISIBLE, body = ErrorBody),
        (status = 409, description = WRONG_STATUS, body = ErrorBody),
    )
)]
async fn withdraw_alert(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WithdrawBody>,
) -> Result<impl IntoResponse> {
    step(&state, &staff, &id, Transition::Withdraw { reason: body.reason }).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Filter by status.
    #[param(value_type = Option<AlertStatus>)]
    status: Option<String>,
    /// ISO 3166-1 alpha-2.
    country: Option<String>,
    /// Has this violation type.
    #[param(value_type = Option<ViolationType>)]
    violation: Option<String>,
    /// Filter by urgency.
    #[param(value_type = Option<Urgency>)]
    urgency: Option<String>,
    /// Author organisation slug.
    org: Option<String>,
    /// Text in title, summary, body or defender names.
    q: Option<String>,
    /// 1–200, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// Default 0.
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
}

/// Alerts your organisation may see, newest first.
#[utoipa::path(
    get,
    path = "/alerts",
    security(("bearer" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "A page of alerts", body = AlertPage),
        Unauthorized,
        (status = 422, description = "Invalid parameters", body = ValidationErrorBody),
    )
)]
async fn list_alerts(
    State(state): State<AppState>,
    staff: Staff,
    Query(p): Query<ListParams>,
) -> Result<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let status: Option<AlertStatus> = vocabulary_param(&mut errors, "status", p.status.as_deref());
    let urgency: Option<Urgency> = vocabulary_param(&mut errors, "urgency", p.urgency.as_deref());
    let violation: Option<ViolationType> = vocabulary_param(&mut errors, "violation", p.violation.as_deref());
    let country = country_param(&mut errors, p.country.as_deref());
    let (limit, offset) = page_params(&mut errors, p.limit.as_deref(), p.offset.as_deref());
    let org_id = match p.org.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        None => None,
        Some(slug) => match crate::db::accounts::find_org_by_slug(&state.db, slug).await? {
            Some(org) => Some(org.id),
            None => {
                errors.add("org", format!("no organisation `{slug}` on this node"));
                None
            }
        },
    };
    let text = text_param(&mut errors, p.q.as_deref());
    errors.into_result()?;
    let filter = AlertFilter {
        status: status.map(|s| s.as_str().to_string()),
        country,
        violation: violation.map(|v| v.as_str().to_string()),
        urgency: urgency.map(|u| u.as_str().to_string()),
        org_id,
        text,
        limit,
        offset,
    };
    Ok(Json(alerts::list(&state, &staff, &filter).await?))
}

/// `country`: an ISO 3166-1 alpha-2 code, any case.
pub(super) fn country_param(errors: &mut FieldErrors, value: Option<&str>) -> Option<String> {
    let country = value
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_uppercase)?;
    if isocountry::CountryCode::for_alpha2(&country).is_err() {
        errors.add("country", format!("`{country}` is not an ISO 3166-1 alpha-2 code"));
        return None;
    }
    Some(country)
}

/// `limit` (1 to 200, default 50) and `offset` (default 0).
pub(super) fn page_params(errors: &mut FieldErrors, limit: Option<&str>, offset: Option<&str>) -> (i64, i64) {
    page_params_within(errors, limit, offset, DEFAULT_PAGE, MAX_PAGE)
}

/// `limit` (1 to `max`, default `default`) and `offset` (default 0), each
/// refused by name when it is not a whole number in range.
pub(super) fn page_params_within(
    errors: &mut FieldErrors,
    limit: Option<&str>,
    offset: Option<&str>,
    default: i64,
    max: i64,
) -> (i64, i64) {
    let mut number = |name: &str, value: Option<&str>, default: i64, min: i64, max: i64| -> i64 {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => default,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => n,
                _ => {
                    errors.add(name, format!("a whole number from {min} to {max}"));
                    default
                }
            },
        }
    };
    // `limit=0` is refused, not quietly read as 1: a client asking for
    // nothing has a bug it should hear about.
    let limit = number("limit", limit, default, 1, max);
    let offset = number("offset", offset, 0, 0, i64::MAX);
    (limit, offset)
}

/// `q`: text to search for, lower-cased.
pub(super) fn text_param(errors: &mut FieldErrors, value: Option<&str>) -> Option<String> {
    let text = value.map(str::trim).filter(|t| !t.is_empty()).map(str::to_lowercase)?;
    if text.chars().count() > 200 {
        errors.add("q", "at most 200 characters");
        return None;
    }
    Some(text)
}
