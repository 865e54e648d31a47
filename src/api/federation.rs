//! Peers (admins) and alerts received from other nodes ("network alerts").

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use super::{ApiJson, ApiRoutes, BodyRefused, Items, Page, Unauthorized, created, vocabulary_param};
use crate::clock::from_millis;
use crate::db::alerts::AlertFilter;
use crate::db::remote_alerts::{self, RemoteAlertRow};
use crate::domain::FieldErrors;
use crate::domain::alert::AlertContent;
use crate::domain::vocab::{AlertStatus, Audience, Certainty, Outcome, Severity, Trust, Urgency, ViolationType};
use crate::error::{Error, ErrorBody, Result, ValidationErrorBody};
use crate::federation::wire::AlertObject;
use crate::services::accounts::Staff;
use crate::services::peers;
use crate::services::peers::PeerView;
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(routes!(list_peers, add_peer))
        .add(routes!(get_peer, set_peer))
        .add(routes!(list_network_alerts))
        .add(routes!(get_network_alert))
}

fn require_admin(staff: &Staff) -> Result<()> {
    staff.require_operator("decide which nodes this one federates with")
}

/// Other nodes and this node's trust in each (the node's operator).
#[utoipa::path(
    get,
    path = "/peers",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Peers", body = Items<PeerView>),
        Unauthorized,
        (status = 403, description = "Only the node's operator", body = ErrorBody),
    )
)]
async fn list_peers(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    Ok(Json(Items {
        items: peers::list(&state).await?,
    }))
}

/// One peer (the node's operator).
#[utoipa::path(
    get,
    path = "/peers/{host}",
    security(("bearer" = [])),
    params(("host" = String, Path, description = HOST_PARAM)),
    responses(
        (status = 200, description = "The peer", body = PeerView),
        Unauthorized,
        (status = 403, description = "Only the node's operator", body = ErrorBody),
        (status = 404, description = "Unknown host", body = ErrorBody),
        (status = 422, description = "Not a host name", body = ValidationErrorBody),
    )
)]
async fn get_peer(State(state): State<AppState>, staff: Staff, Path(host): Path<String>) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    Ok(Json(peers::get(&state, &host).await?))
}

/// How a peer's host is written in a path.
const HOST_PARAM: &str = "host[:port]; case, a trailing dot, default ports and IDN are normalised";

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AddPeer {
    /// The other node's address.
    #[schema(example = "https://node.example")]
    url: String,
    /// `connected` unless given.
    trust: Option<Trust>,
}

/// Ask another node to federate: fetches its /actor and sends a Follow (the
/// node's operator).
#[utoipa::path(
    post,
    path = "/peers",
    security(("bearer" = [])),
    request_body = AddPeer,
    responses(
        (status = 201, description = "The peer", body = PeerView),
        Unauthorized,
        (status = 403, description = "Only the node's operator", body = ErrorBody),
        BodyRefused,
        (
            status = 502,
            description = "The other node could not be reached or sent a document that is not accepted",
            body = ErrorBody
        ),
    )
)]
async fn add_peer(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<AddPeer>,
) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    let peer = peers::add(&state, &body.url, body.trust.unwrap_or(Trust::Connected), Some(&staff)).await?;
    Ok(created(peer))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SetPeer {
    trust: Trust,
}

/// Set this node's trust in a host; answers its waiting Follow with Accept or
/// Reject (the node's operator).
#[utoipa::path(
    patch,
    path = "/peers/{host}",
    security(("bearer" = [])),
    params(("host" = String, Path, description = HOST_PARAM)),
    request_body = SetPeer,
    responses(
        (status = 200, description = "The peer", body = PeerView),
        Unauthorized,
        (status = 403, description = "Only the node's operator", body = ErrorBody),
        BodyRefused,
    )
)]
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
#[derive(Serialize, ToSchema)]
#[schema(as = NetworkAlert)]
struct NetworkAlertView {
    id: String,
    /// The alert's id on its own node.
    uri: String,
    /// The host of the node it came from.
    origin: String,
    /// The author organisation's actor id.
    org: String,
    number: String,
    status: AlertStatus,
    audience: Audience,
    urgency: Urgency,
    severity: Severity,
    certainty: Certainty,
    country: String,
    #[serde(flatten)]
    content: AlertContent,
    version: i64,
    published_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    received_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    expires: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Outcome>, nullable = false)]
    outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    closing_note: Option<String>,
    /// The alert's changes since it was published, as its origin sent them.
    history: Vec<ReceivedChange>,
}

/// One change of a received alert, as its origin node sent it.
#[derive(Serialize, ToSchema)]
struct ReceivedChange {
    version: i64,
    at: chrono::DateTime<chrono::Utc>,
    /// The author organisation's actor id.
    by: String,
    /// What changed, as the origin names it (`published`, `edited`, `closed`…):
    /// another node's software may name changes this one does not know.
    action: String,
    status: AlertStatus,
    changed_fields: Vec<String>,
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
            .map(|h| ReceivedChange {
                version: h.version,
                at: h.published,
                by: row.attributed_to.clone(),
                action: h.change.clone(),
                status: h.alert_status,
                changed_fields: h.changed_fields.clone(),
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct NetworkListParams {
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
    /// Host of the node it came from.
    origin: Option<String>,
    /// Text in title, summary or body.
    q: Option<String>,
    /// 1–200, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// Default 0.
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
}

/// Alerts received from other nodes, newest first.
#[utoipa::path(
    get,
    path = "/network/alerts",
    security(("bearer" = [])),
    params(NetworkListParams),
    responses(
        (status = 200, description = "A page of network alerts", body = Page<NetworkAlertView>),
        Unauthorized,
        (status = 422, description = "Invalid parameters", body = ValidationErrorBody),
    )
)]
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
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// One network alert.
#[utoipa::path(
    get,
    path = "/network/alerts/{id}",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "This node's id for the alert")),
    responses(
        (status = 200, description = "The alert", body = NetworkAlertView),
        Unauthorized,
        (status = 404, description = "Unknown, or restricted to other organisations", body = ErrorBody),
        (status = 410, description = "Withdrawn by its author; content purged", body = ErrorBody),
    )
)]
async fn get_network_alert(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let row = crate::services::remote_alerts::get_visible(&state, &staff, &id).await?;
    Ok(Json(view(row)?))
}
