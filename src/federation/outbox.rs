//! The transactional outbox. Activities are rows written in the same
//! transaction as the change that causes them; a worker sends them from the
//! database (never from memory only), one row per activity and inbox, and
//! records what each inbox answered.

use std::collections::HashMap;
use std::time::Duration;

use activitypub_federation::activity_sending::SendActivityTask;
use activitypub_federation::config::Data;
use activitypub_federation::traits::Activity;
use serde::Serialize;
use sqlx::AnyConnection;
use url::Url;

use super::actors::LocalActor;
use crate::clock::to_millis;
use crate::db::new_id;
use crate::db::outbox::{self, NextDelivery};
use crate::error::{Error, Result};
use crate::state::AppState;

/// One activity to write to the outbox.
pub struct Outgoing {
    pub id: Url,
    pub actor_ref: String,
    pub kind: String,
    pub object_id: Option<String>,
    pub body: serde_json::Value,
    /// (inbox, normalised host) pairs.
    pub inboxes: Vec<(Url, String)>,
}

/// Writes an activity and its deliveries; the caller commits.
pub async fn enqueue(conn: &mut AnyConnection, outgoing: &Outgoing, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let now = to_millis(now);
    // One sequence for the whole outbox: each peer gets its activities in this order.
    let seq = outbox::next_sequence(&mut *conn).await?;
    outbox::insert_activity(
        &mut *conn,
        outgoing.id.as_str(),
        &outgoing.actor_ref,
        &outgoing.kind,
        outgoing.object_id.as_deref(),
        &outgoing.body.to_string(),
        now,
        seq,
    )
    .await?;
    let mut seen = std::collections::HashSet::new();
    for (inbox, host) in &outgoing.inboxes {
        if !seen.insert(inbox.as_str()) {
            continue;
        }
        // Trust is decided per host: what is filed under one host must go to it.
        if !super::urls::inbox_is_on(inbox, host) {
            tracing::warn!(%inbox, %host, activity = %outgoing.id, "not delivering to an inbox on another host than its recipient's");
            continue;
        }
        outbox::insert_delivery(&mut *conn, &new_id(), outgoing.id.as_str(), inbox.as_str(), host, now).await?;
    }
    Ok(())
}

/// Writes a new activity of this node to the outbox: `build` makes its body
/// around the id given to it. Nothing is written when there is nobody to send to.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue_new(
    conn: &mut AnyConnection,
    state: &AppState,
    actor_ref: &str,
    kind: &str,
    object_id: &str,
    inboxes: Vec<(Url, String)>,
    now: chrono::DateTime<chrono::Utc>,
    build: impl FnOnce(&Url) -> Result<serde_json::Value>,
) -> Result<()> {
    if inboxes.is_empty() {
        return Ok(());
    }
    let id = super::urls::activity(&state.config, &new_id());
    let body = build(&id)?;
    let outgoing = Outgoing {
        id,
        actor_ref: actor_ref.to_string(),
        kind: kind.into(),
        object_id: Some(object_id.to_string()),
        body,
        inboxes,
    };
    enqueue(conn, &outgoing, now).await
}

/// An activity as stored: sent byte for byte as it was written.
#[derive(Debug)]
struct StoredActivity {
    id: Url,
    actor: Url,
    body: serde_json::Value,
}

impl Serialize for StoredActivity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.body.serialize(serializer)
    }
}

#[async_trait::async_trait]
impl Activity for StoredActivity {
    type DataType = AppState;
    type Error = Error;
    fn id(&self) -> &Url {
        &self.id
    }
    fn actor(&self) -> &Url {
        &self.actor
    }
    async fn verify(&self, _data: &Data<AppState>) -> Result<()> {
        Err(Error::Internal(anyhow::anyhow!(
            "outgoing activities are never received"
        )))
    }
    async fn receive(self, _data: &Data<AppState>) -> Result<()> {
        Err(Error::Internal(anyhow::anyhow!(
            "outgoing activities are never received"
        )))
    }
}

/// The shortest and longest wait between attempts. Urgent alerts cannot wait
/// an hour for a second try; a peer down for days is tried at least hourly.
pub const FIRST_RETRY: chrono::Duration = chrono::Duration::seconds(5);
pub const MAX_RETRY: chrono::Duration = chrono::Duration::hours(1);
/// After failing this long, a peer is shown as unreachable.
pub const UNREACHABLE_AFTER: chrono::Duration = chrono::Duration::days(1);

/// How long to wait before the next attempt, after `attempts` failed ones:
/// exponential from seconds, capped at an hour; a Retry-After answer is
/// honoured within the same bounds. Deliveries are never given up.
pub fn backoff(attempts: i64, retry_after: Option<i64>) -> chrono::Duration {
    let computed = FIRST_RETRY
        .num_seconds()
        .saturating_mul(1i64 << attempts.clamp(0, 20) as u32);
    let seconds = retry_after.unwrap_or(computed);
    chrono::Duration::seconds(seconds.clamp(FIRST_RETRY.num_seconds(), MAX_RETRY.num_seconds()))
}

/// How many peers one process delivers to at once.
const PARALLEL_PEERS: usize = 16;

/// Delivers what is due, one peer at a time in order (a Create before its
/// Update before its Delete), several peers at once. Returns how many
/// deliveries were attempted.
pub async fn deliver_due(state: &AppState, data: &Data<AppState>) -> Result<usize> {
    use futures_util::StreamExt;
    let hosts = outbox::hosts_due(&state.db.pool, to_millis(state.clock.now())).await?;
    let results: Vec<Result<usize>> = futures_util::stream::iter(hosts)
        .map(|host| async move { deliver_to_host(state, data, &host).await })
        .buffer_unordered(PARALLEL_PEERS)
        .collect()
        .await;
    let mut attempted = 0;
    for result in results {
        attempted += result?;
    }
    Ok(attempted)
}

/// This process's lease on one peer's queue, as this process sees it: the
/// instant it lapses. Leases run on the wall clock, never the node's injected
/// clock: they bound how long a live process may be silent, in real seconds.
struct Lease {
    lapses: std::time::Instant,
}

/// Takes (or renews) the lease on a peer's queue unless another process
/// holds it.
async fn claim(state: &AppState, host: &str) -> Result<Option<Lease>> {
    let length = state.delivery_lease.to_std().unwrap_or(Duration::from_secs(1));
    // Counted from before the query, so that this process never believes it
    // holds the lease longer than the database says.
    let asked = std::time::Instant::now();
    let _turn = state.db.write_turn().await;
    let now = chrono::Utc::now().timestamp_millis();
    let until = now + state.delivery_lease.num_milliseconds();
    let claimed = outbox::claim_lease(&state.db.pool, host, &state.worker_id, until, now).await?;
    Ok(claimed.then(|| Lease { lapses: asked + length }))
}

async fn release(state: &AppState, host: &str) -> Result<()> {
    let _turn = state.db.write_turn().await;
    outbox::release_lease(&state.db.pool, host, &state.worker_id).await?;
    Ok(())
}

async fn deliver_to_host(state: &AppState, data: &Data<AppState>, host: &str) -> Result<usize> {
    let Some(lease) = claim(state, host).await? else {
        return Ok(0);
    };
    let result = deliver_queue(state, data, host, lease).await;
    release(state, host).await?;
    result
}

/// How many of a peer's deliveries are read, sent and recorded together: one
/// query and one commit for the lot instead of one each. A crash between
/// sending and recording means a few are sent again, which receivers ignore
/// (they deduplicate by activity id).
const DELIVERY_BATCH: i64 = 32;

async fn deliver_queue(state: &AppState, data: &Data<AppState>, host: &str, mut lease: Lease) -> Result<usize> {
    let mut actors: HashMap<String, LocalActor> = HashMap::new();
    let mut attempted = 0;
    loop {
        let batch = outbox::next_deliveries(&state.db.pool, host, DELIVERY_BATCH).await?;
        let full = batch.len() as i64 == DELIVERY_BATCH;
        let mut outcomes = Vec::new();
        let sent = send_in_order(state, data, host, batch, &mut actors, &mut lease, &mut outcomes).await;
        attempted += outcomes.len();
        // What was sent is recorded even when the batch stopped on an error.
        record(state, host, outcomes).await?;
        if !sent? || !full {
            break;
        }
    }
    Ok(attempted)
}

/// Sends a batch in order, noting each answer in `outcomes`. Returns whether
/// the whole batch went (false: the queue waits for a retry time, a retry, or
/// a lease now held by another process).
///
/// No send outlives the lease. Another process may take the queue as soon as
/// the lease lapses and will send whatever is not yet recorded as delivered,
/// so a send that ran past it (a slow peer, a stalled machine) would reach
/// the peer twice. The lease is renewed once half of it has passed (not on
/// every send: each renewal is a commit), and each send is cut off while a
/// quarter of the lease is left for recording its answer.
async fn send_in_order(
    state: &AppState,
    data: &Data<AppState>,
    host: &str,
    batch: Vec<NextDelivery>,
    actors: &mut HashMap<String, LocalActor>,
    lease: &mut Lease,
    outcomes: &mut Vec<(NextDelivery, Outcome)>,
) -> Result<bool> {
    let length = state.delivery_lease.to_std().unwrap_or(Duration::from_secs(1));
    for delivery in batch {
        // The head of the queue waits for its retry time, and everything behind it waits too.
        if delivery.next_attempt_at > to_millis(state.clock.now()) {
            return Ok(false);
        }
        if lease.lapses.saturating_duration_since(std::time::Instant::now()) < length / 2 {
            match claim(state, host).await? {
                Some(renewed) => *lease = renewed,
                None => return Ok(false),
            }
        }
        if !actors.contains_key(&delivery.actor_ref) {
            actors.insert(
                delivery.actor_ref.clone(),
                LocalActor::by_ref(state, &delivery.actor_ref).await?,
            );
        }
        let budget = lease
            .lapses
            .saturating_duration_since(std::time::Instant::now())
            .saturating_sub(length / 4);
        let elsewhere = Url::parse(&delivery.inbox).is_ok_and(|inbox| !super::urls::inbox_is_on(&inbox, host));
        let sent = async {
            if elsewhere {
                // Queued before `enqueue` checked it: never sent past the host trust was decided for.
                return Outcome::Refused(format!("the inbox is not on {host}, the host it was queued for"));
            }
            send_one(&delivery, &actors[&delivery.actor_ref], data).await
        };
        let outcome = match tokio::time::timeout(budget, sent).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Retry(
                format!(
                    "no answer within {:.1} s, the time this process's delivery lease allowed",
                    budget.as_secs_f64()
                ),
                None,
            ),
        };
        let retrying = matches!(outcome, Outcome::Retry(..));
        outcomes.push((delivery, outcome));
        if retrying {
            return Ok(false);
        }
    }
    Ok(true)
}

enum Outcome {
    Delivered,
    Refused(String),
    Retry(String, Option<i64>),
}

async fn send_one(delivery: &NextDelivery, actor: &LocalActor, data: &Data<AppState>) -> Outcome {
    let (Ok(id), Ok(inbox), Ok(body)) = (
        Url::parse(&delivery.activity_id),
        Url::parse(&delivery.inbox),
        serde_json::from_str::<serde_json::Value>(&delivery.body),
    ) else {
        return Outcome::Refused("stored activity or inbox is unreadable".into());
    };
    let activity = StoredActivity {
        id,
        actor: actor.id.clone(),
        body,
    };
    let tasks = match SendActivityTask::prepare(&activity, actor, vec![inbox], data).await {
        Ok(tasks) => tasks,
        Err(e) => return Outcome::Retry(format!("preparing: {e}"), None),
    };
    let Some(task) = tasks.into_iter().next() else {
        return Outcome::Refused("the inbox URL is not allowed (local, invalid, or refused by policy)".into());
    };
    let (result, response) = crate::state::http_client::noting_response(task.sign_and_send(data)).await;
    match (result, response) {
        (Ok(()), Some((s, _))) if (200..300).contains(&s) => Outcome::Delivered,
        // 408 and 429 come back as errors from the crate; any other 4xx is final.
        (Ok(()), Some((s, _))) => Outcome::Refused(format!("the inbox answered {s}")),
        (Ok(()), None) => Outcome::Delivered,
        (Err(e), Some((s, retry_after))) => Outcome::Retry(format!("the inbox answered {s}: {e}"), retry_after),
        (Err(e), None) => Outcome::Retry(format!("cannot reach the inbox: {e}"), None),
    }
}

/// Records what the inbox answered to each delivery, in one commit.
async fn record(state: &AppState, host: &str, outcomes: Vec<(NextDelivery, Outcome)>) -> Result<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let now = to_millis(state.clock.now());
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    for (delivery, outcome) in outcomes {
        record_one(&mut tx, state, host, &delivery, outcome, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn record_one(
    tx: &mut AnyConnection,
    state: &AppState,
    host: &str,
    delivery: &NextDelivery,
    outcome: Outcome,
    now: i64,
) -> Result<()> {
    match outcome {
        Outcome::Delivered => {
            outbox::mark_delivered(&mut *tx, &delivery.id, now).await?;
            outbox::host_succeeded(&mut *tx, host, now).await?;
        }
        Outcome::Refused(why) => {
            tracing::warn!(inbox = %delivery.inbox, activity = %delivery.activity_id, %why, "delivery refused");
            outbox::mark_failed(&mut *tx, &delivery.id, &why).await?;
            outbox::host_refused(&mut *tx, host, &why).await?;
        }
        Outcome::Retry(why, retry_after) => {
            let next = state.clock.now() + backoff(delivery.attempts, retry_after);
            tracing::info!(inbox = %delivery.inbox, activity = %delivery.activity_id, %why, "delivery will be retried");
            outbox::schedule_retry(&mut *tx, &delivery.id, &why, to_millis(next)).await?;
            outbox::host_failing(&mut *tx, host, now, &why).await?;
        }
    }
    Ok(())
}

/// The background worker: delivers whenever woken, and at least every couple
/// of seconds (so retries come due), until `shutdown` changes.
pub async fn run_worker(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let data = match super::data(&state).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "delivery worker cannot start");
            return;
        }
    };
    loop {
        if let Err(e) = deliver_due(&state, &data).await {
            tracing::error!(error = %e, "delivery pass failed");
        }
        tokio::select! {
            _ = state.deliveries.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_from_seconds_to_an_hour_and_bounds_retry_after() {
        assert_eq!(backoff(0, None), chrono::Duration::seconds(5));
        assert_eq!(backoff(1, None), chrono::Duration::seconds(10));
        assert_eq!(backoff(30, None), MAX_RETRY);
        assert_eq!(backoff(0, Some(120)), chrono::Duration::seconds(120));
        assert_eq!(backoff(0, Some(0)), FIRST_RETRY, "a peer cannot ask to be hammered");
        assert_eq!(backoff(0, Some(999_999)), MAX_RETRY);
    }
}
