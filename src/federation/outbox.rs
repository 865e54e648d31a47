//! The transactional outbox. Activities are rows written in the same
//! transaction as the change that causes them; a worker sends them from the
//! database (never from memory only), one row per activity and inbox, and
//! records what each inbox answered.

use std::cell::Cell;
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
use crate::error::{Error, Result};
use crate::server::AppState;

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
    sqlx::query(
        "INSERT INTO outbox_activities (id, actor_ref, kind, object_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(outgoing.id.as_str())
    .bind(&outgoing.actor_ref)
    .bind(&outgoing.kind)
    .bind(&outgoing.object_id)
    .bind(outgoing.body.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let mut seen = std::collections::HashSet::new();
    for (inbox, host) in &outgoing.inboxes {
        if !seen.insert(inbox.as_str()) {
            continue;
        }
        sqlx::query(
            "INSERT INTO outbox_deliveries (id, activity_id, inbox, host, state, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)",
        )
        .bind(new_id())
        .bind(outgoing.id.as_str())
        .bind(inbox.as_str())
        .bind(host)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
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

tokio::task_local! {
    /// The HTTP status the inbox answered, recorded by [`StatusRecorder`]: the
    /// crate's sender treats every 4xx as done, but a refusal is not a delivery.
    static LAST_STATUS: Cell<Option<u16>>;
}

/// reqwest middleware that notes the status of each response for the delivery in progress.
pub struct StatusRecorder;

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for StatusRecorder {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let response = next.run(req, extensions).await;
        if let Ok(r) = &response {
            let status = r.status().as_u16();
            let _ = LAST_STATUS.try_with(|cell| cell.set(Some(status)));
        }
        response
    }
}

#[derive(Debug, sqlx::FromRow)]
struct DueDelivery {
    id: String,
    activity_id: String,
    inbox: String,
    attempts: i64,
    actor_ref: String,
    body: String,
}

/// How long to wait before attempt `attempts + 1`: seconds at first, an hour at most.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let seconds = 5i64.saturating_mul(1i64 << attempts.clamp(0, 20) as u32);
    chrono::Duration::seconds(seconds.min(3600))
}

/// Sends every delivery that is due, once each. Returns how many were attempted.
pub async fn deliver_due(state: &AppState, data: &Data<AppState>) -> Result<usize> {
    let now = state.clock.now();
    let due: Vec<DueDelivery> = sqlx::query_as(
        "SELECT d.id, d.activity_id, d.inbox, d.attempts, a.actor_ref, a.body \
         FROM outbox_deliveries d JOIN outbox_activities a ON a.id = d.activity_id \
         WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
         ORDER BY a.created_at, d.created_at LIMIT 500",
    )
    .bind(to_millis(now))
    .fetch_all(&state.db.pool)
    .await?;
    let mut actors: HashMap<String, LocalActor> = HashMap::new();
    for delivery in &due {
        if !actors.contains_key(&delivery.actor_ref) {
            let actor = LocalActor::by_ref(state, &delivery.actor_ref).await?;
            actors.insert(delivery.actor_ref.clone(), actor);
        }
        let actor = &actors[&delivery.actor_ref];
        let outcome = send_one(delivery, actor, data).await;
        record(state, delivery, outcome).await?;
    }
    Ok(due.len())
}

enum Outcome {
    Delivered,
    Refused(String),
    Retry(String),
}

async fn send_one(delivery: &DueDelivery, actor: &LocalActor, data: &Data<AppState>) -> Outcome {
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
        Err(e) => return Outcome::Retry(format!("preparing: {e}")),
    };
    let Some(task) = tasks.into_iter().next() else {
        return Outcome::Refused("the inbox URL is not allowed (local, invalid, or refused by policy)".into());
    };
    let (result, status) = LAST_STATUS
        .scope(Cell::new(None), async {
            let result = task.sign_and_send(data).await;
            (result, LAST_STATUS.with(|c| c.get()))
        })
        .await;
    match (result, status) {
        (Ok(()), Some(s)) if (200..300).contains(&s) => Outcome::Delivered,
        (Ok(()), Some(s)) => Outcome::Refused(format!("the inbox answered {s}")),
        (Ok(()), None) => Outcome::Delivered,
        (Err(e), _) => Outcome::Retry(e.to_string()),
    }
}

async fn record(state: &AppState, delivery: &DueDelivery, outcome: Outcome) -> Result<()> {
    let now = state.clock.now();
    match outcome {
        Outcome::Delivered => {
            sqlx::query(
                "UPDATE outbox_deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = $2, \
                 last_error = NULL WHERE id = $1",
            )
            .bind(&delivery.id)
            .bind(to_millis(now))
            .execute(&state.db.pool)
            .await?;
        }
        Outcome::Refused(why) => {
            tracing::warn!(inbox = %delivery.inbox, activity = %delivery.activity_id, %why, "delivery refused");
            sqlx::query(
                "UPDATE outbox_deliveries SET state = 'failed', attempts = attempts + 1, last_error = $2 WHERE id = $1",
            )
            .bind(&delivery.id)
            .bind(why)
            .execute(&state.db.pool)
            .await?;
        }
        Outcome::Retry(why) => {
            let next = now + backoff(delivery.attempts);
            tracing::info!(inbox = %delivery.inbox, activity = %delivery.activity_id, %why, "delivery will be retried");
            sqlx::query(
                "UPDATE outbox_deliveries SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1",
            )
            .bind(&delivery.id)
            .bind(why)
            .bind(to_millis(next))
            .execute(&state.db.pool)
            .await?;
        }
    }
    Ok(())
}

/// The background worker: delivers whenever woken or every few seconds,
/// until `shutdown` resolves.
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
