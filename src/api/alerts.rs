//! Alerts: create, edit, the lifecycle steps, read, history and search.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::{ApiJson, ApiRoutes, created, vocabulary_param};
use crate::db::alerts::AlertFilter;
use crate::domain::FieldErrors;
use crate::domain::alert::{AlertInput, Consent};
use crate::domain::vocab::{AlertStatus, Outcome, Urgency, ViolationType};
use crate::error::{Error, Result};
use crate::services::accounts::Staff;
use crate::services::alerts::{self, Transition};
use crate::state::AppState;

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(Method::GET, "/alerts", list)
        .add(Method::POST, "/alerts", create)
        .add(Method::GET, "/alerts/{id}", get)
        .add(Method::PATCH, "/alerts/{id}", edit)
        .add(Method::GET, "/alerts/{id}/history", history)
        .add(Method::POST, "/alerts/{id}/submit", submit)
        .add(Method::POST, "/alerts/{id}/return", return_to_draft)
        .add(Method::POST, "/alerts/{id}/publish", publish)
        .add(Method::POST, "/alerts/{id}/close", close)
        .add(Method::POST, "/alerts/{id}/withdraw", withdraw)
        .add(Method::PUT, "/alerts/{id}/consent", record_consent)
        .add(Method::POST, "/alerts/{id}/consent/withdraw", withdraw_consent)
}

async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<AlertInput>,
) -> Result<impl IntoResponse> {
    let view = alerts::create(&state, &staff, input).await?;
    Ok(created(view))
}

async fn edit(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AlertInput>,
) -> Result<impl IntoResponse> {
    Ok(Json(alerts::edit(&state, &staff, &id, input).await?))
}

async fn get(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    Ok(Json(alerts::get(&state, &staff, &id).await?))
}

async fn history(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    Ok(Json(
        serde_json::json!({"items": alerts::history(&state, &staff, &id).await?}),
    ))
}

async fn step(state: &AppState, staff: &Staff, id: &str, change: Transition) -> Result<Json<alerts::AlertView>> {
    Ok(Json(alerts::transition(state, staff, id, change).await?))
}

async fn submit(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    step(&state, &staff, &id, Transition::Submit).await
}

async fn publish(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    step(&state, &staff, &id, Transition::Publish).await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    note: Option<String>,
}

async fn return_to_draft(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<impl IntoResponse> {
    step(&state, &staff, &id, Transition::ReturnToDraft { note: body.note }).await
}

async fn record_consent(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(consent): ApiJson<Consent>,
) -> Result<impl IntoResponse> {
    Ok(Json(alerts::record_consent(&state, &staff, &id, consent).await?))
}

async fn withdraw_consent(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<impl IntoResponse> {
    step(&state, &staff, &id, Transition::WithdrawConsent { note: body.note }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseBody {
    outcome: Option<Outcome>,
    note: Option<String>,
}

async fn close(
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawBody {
    reason: Option<String>,
}

async fn withdraw(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WithdrawBody>,
) -> Result<impl IntoResponse> {
    step(&state, &staff, &id, Transition::Withdraw { reason: body.reason }).await
}

#[derive(Deserialize)]
struct ListParams {
    status: Option<String>,
    country: Option<String>,
    violation: Option<String>,
    urgency: Option<String>,
    org: Option<String>,
    q: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

async fn list(State(state): State<AppState>, staff: Staff, Query(p): Query<ListParams>) -> Result<impl IntoResponse> {
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
