//! Peers (admins) and alerts received from other nodes ("network alerts").

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ApiJson, ApiRoutes, created, vocabulary_param};
use crate::clock::from_millis;
use crate::db::alerts::AlertFilter;
use crate::db::remote_alerts::{self, RemoteAlertRow};
use crate::domain::FieldErrors;
use crate::domain::alert::AlertContent;
use crate::domain::vocab::{AlertStatus, Trust, Urgency, ViolationType};
use crate::error::{Error, Result};
use crate::federation::wire::AlertObject;
use crate::services::accounts::Staff;
use crate::services::peers;
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(Method::GET, "/peers", list_peers)
        .add(Method::POST, "/peers", add_peer)
        .add(Method::GET, "/peers/{host}", get_peer)
        .add(Method::PATCH, "/peers/{host}", set_peer)
        .add(Method::GET, "/network/alerts", list_network_alerts)
        .add(Method::GET, "/network/alerts/{id}", get_network_alert)
}

fn require_admin(staff: &Staff) -> Result<()> {
    staff.require_operator("decide which nodes this one federates with")
}

async fn list_peers(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    Ok(Json(json!({"items": peers::list(&state).await?})))
}

async fn get_peer(State(state): State<AppState>, staff: Staff, Path(host): Path<String>) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    Ok(Json(peers::get(&state, &host).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddPeer {
    url: String,
    trust: Option<Trust>,
}

async fn add_peer(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<AddPeer>,
) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    let peer = peers::add(&state, &body.url, body.trust.unwrap_or(Trust::Connected), Some(&staff)).await?;
    Ok(created(peer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetPeer {
    trust: Trust,
}

async fn set_peer(
    State(state): State<AppState>,
    staff: Staff,
    Path(host): Path<String>,
    ApiJson(body): ApiJson<SetPeer>,
) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    Ok(Json(peers::set(&state, &host, body.trust, Some(&staff)).await?))
}

/// An alert received from another node, as the API shows it.
#[derive(Serialize)]
struct NetworkAlertView {
    id: String,
    /// The alert's id on its own node.
    uri: String,
    origin: String,
    org: String,
    number: String,
    status: String,
    audience: String,
    urgency: String,
    severity: String,
    certainty: String,
    country: String,
    #[serde(flatten)]
    content: AlertContent,
    version: i64,
    published_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    received_at: chrono::DateTime<chrono::Utc>,
    expires: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    closing_note: Option<String>,
    /// The alert's changes since it was published, as its origin sent them.
    history: Vec<crate::services::alerts::HistoryEntry>,
}

fn view(row: RemoteAlertRow) -> Result<NetworkAlertView> {
    let object: AlertObject = serde_json::from_str(&row.document)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored remote alert unreadable: {e}")))?;
    Ok(NetworkAlertView {
        content: object.domain_content(),
        expires: object.expires,
        outcome: object.outcome.map(|o| o.as_str().to_string()),
        closing_note: object.closing_note,
        history: object
            .history
            .iter()
            .map(|h| crate::services::alerts::HistoryEntry {
                version: h.version,
                at: h.published,
                by: row.attributed_to.clone(),
                action: h.change.clone(),
                status: h.alert_status.as_str().to_string(),
                changed_fields: h.changed_fields.clone(),
                note: None,
            })
            .collect(),
        id: row.local_id,
        uri: row.id,
        origin: row.origin_host,
        org: row.attributed_to,
        number: row.number,
        status: row.status,
        audience: row.sharing,
        urgency: row.urgency,
        severity: row.severity,
        certainty: row.certainty,
        country: row.country,
        version: row.version,
        published_at: from_millis(row.published_at),
        updated_at: from_millis(row.updated_at),
        received_at: from_millis(row.received_at),
    })
}

#[derive(Deserialize)]
struct NetworkListParams {
    status: Option<String>,
    country: Option<String>,
    violation: Option<String>,
    urgency: Option<String>,
    origin: Option<String>,
    q: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

async fn list_network_alerts(
    State(state): State<AppState>,
    staff: Staff,
    Query(p): Query<NetworkListParams>,
) -> Result<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let status: Option<AlertStatus> = vocabulary_param(&mut errors, "status", p.status.as_deref());
    let urgency: Option<Urgency> = vocabulary_param(&mut errors, "urgency", p.urgency.as_deref());
    let violation: Option<ViolationType> = vocabulary_param(&mut errors, "violation", p.violation.as_deref());
    let country = super::alerts::country_param(&mut errors, p.country.as_deref());
    let (limit, offset) = super::alerts::page_params(&mut errors, p.limit.as_deref(), p.offset.as_deref());
    let text = super::alerts::text_param(&mut errors, p.q.as_deref());
    let origin = match p.origin.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        None => None,
        Some(o) => match crate::federation::urls::normalise_host(o) {
            Some(h) => Some(h),
            None => {
                errors.add("origin", "a host name such as node.example");
                None
            }
        },
    };
    errors.into_result()?;
    let filter = AlertFilter {
        status: status.map(|s| s.as_str().to_string()),
        country,
        violation: violation.map(|v| v.as_str().to_string()),
        urgency: urgency.map(|u| u.as_str().to_string()),
        org_id: None,
        text,
        limit,
        offset,
    };
    let (rows, total) = remote_alerts::list(&state.db, &staff.org_id, &filter, origin.as_deref()).await?;
    let items = rows.into_iter().map(view).collect::<Result<Vec<_>>>()?;
    Ok(Json(
        json!({"items": items, "total": total, "limit": limit, "offset": offset}),
    ))
}

async fn get_network_alert(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let row = crate::services::remote_alerts::get_visible(&state, &staff, &id).await?;
    Ok(Json(view(row)?))
}
