//! What the outbox holds, per peer: for admins to see that nothing was lost,
//! what is stuck and why, and to retry by hand. Also as Prometheus metrics.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{Method, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ApiJson, ApiRoutes};
use crate::clock::{from_millis, to_millis};
use crate::db::outbox;
use crate::domain::FieldErrors;
use crate::error::Result;
use crate::federation::outbox::UNREACHABLE_AFTER;
use crate::services::accounts::Staff;
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(Method::GET, "/deliveries", list)
        .add(Method::GET, "/deliveries/summary", summary)
        .add(Method::POST, "/deliveries/retry", retry)
        .add(Method::GET, "/metrics", metrics)
}

fn require_admin(staff: &Staff) -> Result<()> {
    staff.require_operator("see or retry deliveries")
}

#[derive(Deserialize)]
struct ListParams {
    state: Option<String>,
    host: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

async fn list(State(state): State<AppState>, staff: Staff, Query(p): Query<ListParams>) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    let wanted = p.state.unwrap_or_else(|| "undelivered".into());
    let states: &[&str] = match wanted.as_str() {
        "undelivered" => &["pending", "failed"],
        "pending" => &["pending"],
        "failed" => &["failed"],
        "delivered" => &["delivered"],
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
    let items: Vec<_> = rows
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id, "activity": r.activity_id, "kind": r.kind, "host": r.host, "inbox": r.inbox,
                "state": r.state, "attempts": r.attempts,
                "next_attempt_at": (r.state == "pending").then(|| from_millis(r.next_attempt_at)),
                "reason": r.last_error, "created_at": from_millis(r.created_at),
                "delivered_at": r.delivered_at.map(from_millis),
            })
        })
        .collect();
    Ok(Json(json!({"items": items, "limit": limit, "offset": offset})))
}

/// One peer's queue, as admins and metrics see it.
#[derive(Serialize)]
pub struct PeerQueue {
    pub host: String,
    pub pending: i64,
    pub failed: i64,
    /// Age of the oldest activity not yet delivered, in seconds.
    pub oldest_pending_seconds: Option<i64>,
    pub failing_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Failing for more than a day.
    pub unreachable: bool,
    pub last_error: Option<String>,
    pub last_success: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn queues(state: &AppState) -> Result<Vec<PeerQueue>> {
    let rows = outbox::queues_by_host(&state.db.pool).await?;
    let now = state.clock.now();
    let mut queues = Vec::with_capacity(rows.len());
    for row in rows {
        let health = outbox::host_health(&state.db.pool, &row.host).await?;
        let (failing_since, last_error, last_success) = health.unwrap_or((None, None, None));
        queues.push(PeerQueue {
            unreachable: failing_since.is_some_and(|f| to_millis(now) - f > UNREACHABLE_AFTER.num_milliseconds()),
            oldest_pending_seconds: row.oldest.map(|o| (to_millis(now) - o) / 1000),
            failing_since: failing_since.map(from_millis),
            host: row.host,
            pending: row.pending,
            failed: row.failed,
            last_error,
            last_success: last_success.map(from_millis),
        });
    }
    Ok(queues)
}

async fn summary(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    Ok(Json(json!({"items": queues(&state).await?})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryBody {
    host: Option<String>,
    id: Option<String>,
}

/// Puts undelivered activities (all, one peer's, or one) back in the queue, due now.
async fn retry(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<RetryBody>,
) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    let host = match body.host.as_deref() {
        Some(h) => Some(
            crate::federation::urls::normalise_host(h)
                .ok_or_else(|| FieldErrors::single("host", "a host name such as node.example"))?,
        ),
        None => None,
    };
    let now = to_millis(state.clock.now());
    let requeued = outbox::retry_now(
        &state.db.pool,
        now,
        host.as_deref().unwrap_or_default(),
        body.id.as_deref().unwrap_or_default(),
    )
    .await?;
    crate::db::audit::record(
        &state.db.pool,
        now,
        Some(&staff.user_id),
        None,
        "deliveries.retry",
        "outbox",
        &format!("{requeued} deliveries"),
    )
    .await?;
    state.deliveries.notify_one();
    Ok(Json(json!({"requeued": requeued})))
}

/// Prometheus text format, for an admin token (peers' names are not public).
async fn metrics(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    require_admin(&staff)?;
    let mut out = String::new();
    let queues = queues(&state).await?;
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
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
}
