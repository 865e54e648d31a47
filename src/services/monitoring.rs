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
