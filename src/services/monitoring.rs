//! What an operator watches before users complain: each peer's delivery
//! queue, this node's alerts by status, sign-in failures and lockouts, and
//! what the node counted as it served. One source for the metrics, the API
//! and `tadamun status`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::{from_millis, to_millis};
use crate::db::{monitoring, outbox};
use crate::error::Result;
use crate::federation::outbox::UNREACHABLE_AFTER;
use crate::state::AppState;

/// One peer's queue, as admins and metrics see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeerQueue {
    pub host: String,
    pub pending: i64,
    pub failed: i64,
    /// Age of the oldest activity not yet delivered, in seconds.
    #[schema(required = true)]
    pub oldest_pending_seconds: Option<i64>,
    #[schema(required = true)]
    pub failing_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Failing for more than a day.
    pub unreachable: bool,
    #[schema(required = true)]
    pub last_error: Option<String>,
    #[schema(required = true)]
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

/// Sign-in failures within the lockout window, and lockouts.
#[derive(Debug, Clone, Serialize)]
pub struct SignIns {
    /// Failed sign-ins within the window the limits count.
    pub recent_failures: i64,
    pub lockouts_total: i64,
    /// Lockouts within the same window.
    pub recent_lockouts: i64,
}

/// Everything of [`queues`], and the rest an operator watches.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub queues: Vec<PeerQueue>,
    /// This node's own alerts by status.
    pub alerts: Vec<(String, i64)>,
    pub sign_ins: SignIns,
}

pub async fn status(state: &AppState) -> Result<Status> {
    let window_start = to_millis(state.clock.now()) - (state.config.access.failure_window_seconds as i64) * 1000;
    let pool = &state.db.pool;
    let (lockouts_total, recent_lockouts) = monitoring::lockouts(pool, window_start).await?;
    Ok(Status {
        queues: queues(state).await?,
        alerts: monitoring::alerts_by_status(pool).await?,
        sign_ins: SignIns {
            recent_failures: monitoring::sign_in_failures_since(pool, window_start).await?,
            lockouts_total,
            recent_lockouts,
        },
    })
}

/// Puts undelivered activities back in the queue, due now: all, those to
/// `host`, or the one `id`; audited. Returns how many. The operator's hand
/// on the queue, from the API and the deliveries page alike.
pub async fn retry(
    state: &AppState,
    staff: &crate::services::accounts::Staff,
    host: Option<&str>,
    id: Option<&str>,
) -> Result<u64> {
    staff.require_operator("see or retry deliveries")?;
    let host = match host {
        Some(h) => Some(
            crate::federation::urls::normalise_host(h)
                .ok_or_else(|| crate::domain::FieldErrors::single("host", "a host name such as node.example"))?,
        ),
        None => None,
    };
    let now = to_millis(state.clock.now());
    let requeued = outbox::retry_now(
        &state.db.pool,
        now,
        host.as_deref().unwrap_or_default(),
        id.unwrap_or_default(),
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
    Ok(requeued)
}

/// One delivery to one peer, as the operator's pages show it.
#[derive(Debug, Clone)]
pub struct DeliveryLine {
    pub id: String,
    /// The activity's type (`Create`, `Update`, `Follow`…).
    pub kind: String,
    pub state: crate::domain::vocab::DeliveryState,
    pub attempts: i64,
    /// When it is tried next, while waiting.
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the last attempt failed.
    pub reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<outbox::DeliveryRow> for DeliveryLine {
    fn from(r: outbox::DeliveryRow) -> Self {
        let waiting = r.state == crate::domain::vocab::DeliveryState::Pending;
        DeliveryLine {
            next_attempt_at: waiting.then(|| from_millis(r.next_attempt_at)),
            id: r.id,
            kind: r.kind,
            state: r.state,
            attempts: r.attempts,
            reason: r.last_error,
            created_at: from_millis(r.created_at),
            delivered_at: r.delivered_at.map(from_millis),
        }
    }
}

/// Everything about the deliveries to one peer: its queue, what failed for
/// good, what waits (retrying ones first), and the last deliveries.
#[derive(Debug, Clone)]
pub struct PeerDeliveries {
    pub queue: Option<PeerQueue>,
    pub failed: Vec<DeliveryLine>,
    pub waiting: Vec<DeliveryLine>,
    pub recent: Vec<DeliveryLine>,
}

/// How many of a peer's last deliveries its page shows.
pub const RECENT_DELIVERIES: i64 = 30;

pub async fn peer_deliveries(
    state: &AppState,
    staff: &crate::services::accounts::Staff,
    host: &str,
) -> Result<PeerDeliveries> {
    use crate::domain::vocab::DeliveryState;
    staff.require_operator("see or retry deliveries")?;
    let host = crate::federation::urls::normalise_host(host)
        .ok_or_else(|| crate::domain::FieldErrors::single("host", "a host name such as node.example"))?;
    let pool = &state.db.pool;
    let queue = queues(state).await?.into_iter().find(|q| q.host == host);
    let failed = outbox::list_deliveries(pool, &host, &[DeliveryState::Failed], 200, 0).await?;
    let mut waiting: Vec<DeliveryLine> = outbox::list_deliveries(pool, &host, &[DeliveryState::Pending], 200, 0)
        .await?
        .into_iter()
        .map(DeliveryLine::from)
        .collect();
    // Those already tried (and failed) first: they are what needs attention.
    waiting.sort_by_key(|d| d.attempts == 0);
    let recent = outbox::recent_deliveries(pool, &host, RECENT_DELIVERIES).await?;
    Ok(PeerDeliveries {
        queue,
        failed: failed.into_iter().map(DeliveryLine::from).collect(),
        waiting,
        recent: recent.into_iter().map(DeliveryLine::from).collect(),
    })
}
