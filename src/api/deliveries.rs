//! What the outbox holds, per peer: for admins to see that nothing was lost,
//! what is stuck and why, and to retry by hand. Also as Prometheus metrics.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use super::{ApiJson, ApiRoutes, BodyRefused, Items, Unauthorized, Window};
use crate::clock::from_millis;
use crate::db::outbox;
use crate::domain::FieldErrors;
use crate::domain::vocab::DeliveryState;
use crate::error::{ErrorBody, Result, ValidationErrorBody};
use crate::services::accounts::Staff;
use crate::services::monitoring::{PeerQueue, queues};
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(routes!(list_deliveries))
        .add(routes!(delivery_summary))
        .add(routes!(retry_deliveries))
        .add(routes!(metrics))
}

fn require_admin(staff: &Staff) -> Result<()> {
    staff.require_operator("see or retry deliveries")
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// `undelivered` (the default: pending and failed), `pending`, `failed`
    /// or `delivered`.
    state: Option<String>,
    /// Only this peer.
    host: Option<String>,
    /// 1–500, default 100.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// Default 0.
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
}

/// One activity on its way to one peer's inbox.
#[derive(Serialize, ToSchema)]
#[schema(as = Delivery)]
struct DeliveryView {
    id: String,
    /// The activity's id.
    activity: String,
    /// The activity's type.
    kind: String,
    host: String,
    inbox: String,
    state: DeliveryState,
    attempts: i64,
    /// When it is tried next, while pending.
    #[schema(required = true)]
    next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the last attempt failed.
    #[schema(required = true)]
    reason: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Deliveries in the outbox, in sending order (the node's operator).
#[utoipa::path(
    get,
    path = "/deliveries",
    security(("bearer" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "Deliveries", body = Window<DeliveryView>),
        Unauthorized,
        (status = 403, description = "Only the node's operator", body = ErrorBody),
        (status = 422, description = "Invalid parameters", body = ValidationErrorBody),
    )
)]
async fn list_deliveries(
    State(state): State<AppState>,
    staff: Staff,
    Query(p): Query<ListParams>,
) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    let wanted = p.state.unwrap_or_else(|| "undelivered".into());
    let states: &[DeliveryState] = match wanted.as_str() {
        "undelivered" => &[DeliveryState::Pending, DeliveryState::Failed],
        "pending" => &[DeliveryState::Pending],
        "failed" => &[DeliveryState::Failed],
        "delivered" => &[DeliveryState::Delivered],
        other => {
            return Err(FieldErrors::single(
                "state",
                format!("unknown value `{other}`; one of: undelivered, pending, failed, delivered"),
            )
            .into());
        }
    };
    let mut errors = FieldErrors::default();
    let (limit, offset) =
        super::alerts::page_params_within(&mut errors, p.limit.as_deref(), p.offset.as_deref(), 100, 500);
    errors.into_result()?;
    let host = p.host.as_deref().and_then(crate::federation::urls::normalise_host);
    let rows = outbox::list_deliveries(
        &state.db.pool,
        host.as_deref().unwrap_or_default(),
        states,
        limit,
        offset,
    )
    .await?;
    let items = rows
        .into_iter()
        .map(|r| DeliveryView {
            next_attempt_at: (r.state == DeliveryState::Pending).then(|| from_millis(r.next_attempt_at)),
            id: r.id,
            activity: r.activity_id,
            kind: r.kind,
            host: r.host,
            inbox: r.inbox,
            state: r.state,
            attempts: r.attempts,
            reason: r.last_error,
            created_at: from_millis(r.created_at),
            delivered_at: r.delivered_at.map(from_millis),
        })
        .collect();
    Ok(Json(Window { items, limit, offset }))
}

/// Per peer: queue depth, oldest undelivered activity, whether unreachable
/// (the node's operator).
#[utoipa::path(
    get,
    path = "/deliveries/summary",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Queues", body = Items<PeerQueue>),
        Unauthorized,
        (status = 403, description = "Only the node's operator", body = ErrorBody),
    )
)]
async fn delivery_summary(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    Ok(Json(Items {
        items: queues(&state).await?,
    }))
}

/// All undelivered activities when empty; `host` narrows to one peer's, `id`
/// to one delivery.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RetryBody {
    host: Option<String>,
    id: Option<String>,
}

/// How many deliveries went back in the queue.
#[derive(Serialize, ToSchema)]
struct Requeued {
    requeued: u64,
}

/// Put undelivered activities back in the queue, due now: all, one peer's, or
/// one (the node's operator).
#[utoipa::path(
    post,
    path = "/deliveries/retry",
    security(("bearer" = [])),
    request_body = RetryBody,
    responses(
        (status = 200, description = "How many", body = Requeued),
        Unauthorized,
        (status = 403, description = "Only the node's operator", body = ErrorBody),
        BodyRefused,
    )
)]
async fn retry_deliveries(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<RetryBody>,
) -> Result<impl IntoResponse> {
    let requeued = crate::services::monitoring::retry(&state, &staff, body.host.as_deref(), body.id.as_deref()).await?;
    Ok(Json(Requeued { requeued }))
}

/// Queue metrics in Prometheus text format (the node's operator: peers' names
/// are not public).
#[utoipa::path(
    get,
    path = "/metrics",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Metrics", body = String, content_type = "text/plain; version=0.0.4"),
        Unauthorized,
        (status = 403, description = "Only the node's operator", body = ErrorBody),
    )
)]
async fn metrics(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    let mut out = String::new();
    let status = crate::services::monitoring::status(&state).await?;
    let queues = status.queues;
    let mut family = |name: &str, help: &str, value: &dyn Fn(&PeerQueue) -> i64| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
        for q in &queues {
            out.push_str(&format!(
                "{name}{{peer=\"{}\"}} {}\n",
                q.host.replace('"', ""),
                value(q)
            ));
        }
    };
    family(
        "tadamun_outbox_pending",
        "Activities waiting to be delivered to the peer.",
        &|q| q.pending,
    );
    family(
        "tadamun_outbox_failed",
        "Activities the peer refused (listed for admins).",
        &|q| q.failed,
    );
    family(
        "tadamun_outbox_oldest_pending_seconds",
        "Age of the oldest undelivered activity for the peer.",
        &|q| q.oldest_pending_seconds.unwrap_or(0),
    );
    family(
        "tadamun_peer_unreachable",
        "1 when deliveries to the peer have failed for over a day.",
        &|q| q.unreachable as i64,
    );
    fn head(out: &mut String, name: &str, kind: &str, help: &str) {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
    }
    head(
        &mut out,
        "tadamun_alerts",
        "gauge",
        "This node's own alerts, by status.",
    );
    for (alert_status, count) in &status.alerts {
        out.push_str(&format!("tadamun_alerts{{status=\"{alert_status}\"}} {count}\n"));
    }
    head(
        &mut out,
        "tadamun_http_responses_total",
        "counter",
        "Answers since start, by kind of route and HTTP status.",
    );
    for ((family, code), count) in state.counters.responses() {
        out.push_str(&format!(
            "tadamun_http_responses_total{{route=\"{family}\",status=\"{code}\"}} {count}\n"
        ));
    }
    head(
        &mut out,
        "tadamun_inbox_activities_total",
        "counter",
        "Activities received since start, by the inbox's answer (202 taken, 4xx refused, 503 retry).",
    );
    for (code, count) in state.counters.inbox_outcomes() {
        out.push_str(&format!(
            "tadamun_inbox_activities_total{{status=\"{code}\"}} {count}\n"
        ));
    }
    let sign_ins = &status.sign_ins;
    for (name, kind, help, value) in [
        (
            "tadamun_sign_in_failures_recent",
            "gauge",
            "Failed sign-ins within the lockout window.",
            sign_ins.recent_failures,
        ),
        (
            "tadamun_sign_in_lockouts_recent",
            "gauge",
            "Lockouts within the lockout window.",
            sign_ins.recent_lockouts,
        ),
        (
            "tadamun_sign_in_lockouts_total",
            "counter",
            "Lockouts recorded in the audit log.",
            sign_ins.lockouts_total,
        ),
    ] {
        head(&mut out, name, kind, help);
        out.push_str(&format!("{name} {value}\n"));
    }
    let notices = crate::services::notifications::queue_overview(&state, &staff).await?;
    head(
        &mut out,
        "tadamun_notices",
        "gauge",
        "Email notices to staff, by state (pending: queued or retrying; failed: never to be sent).",
    );
    for (notice_state, count) in [
        ("pending", notices.pending),
        ("sent", notices.sent),
        ("failed", notices.failed),
        ("cancelled", notices.cancelled),
    ] {
        out.push_str(&format!("tadamun_notices{{state=\"{notice_state}\"}} {count}\n"));
    }
    head(
        &mut out,
        "tadamun_notices_email_paused",
        "gauge",
        "1 while an operator has paused email for the node.",
    );
    out.push_str(&format!(
        "tadamun_notices_email_paused {}\n",
        i64::from(notices.email_paused)
    ));
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
}
