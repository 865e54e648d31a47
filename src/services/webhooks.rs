//! Organisations' webhooks, for a chat bridge, a Matrix or Signal relay or an
//! SMS gateway: JSON payloads signed as Standard Webhooks
//! (<https://www.standardwebhooks.com/>), queued with what causes them like
//! email notices, with the same redaction, sent from the database with
//! retries and backoff, and a delivery log for the organisation's admins.
//!
//! Each delivery has one id, sent as `webhook-id` on every attempt: a
//! receiver that deduplicates by it gets each event once, even when a crash
//! between its answer and our record sends it again.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use super::notice_email::notice_subject;
use crate::clock::{from_millis, to_millis};
use crate::db::new_id;
use crate::db::webhooks::{self as q, DueDelivery, WebhookRow};
use crate::domain::FieldErrors;
use crate::domain::notify::{AlertFacts, NoticeKind, Subscription, may_carry_content, subscription_of};
use crate::domain::vocab::{Audience, Role};
use crate::error::{Error, Result};
use crate::services::accounts::Staff;
use crate::state::AppState;
use crate::state::keystore::{self, KeyCipher};

/// How long a rotated-out secret still signs, so that a receiver can switch
/// to the new one without losing events.
pub const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// Kind of the delivery an admin asks for to try a webhook.
const TEST_KIND: &str = "test";

/// A new secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", BASE64.encode(bytes))
}

/// The Standard Webhooks signature of one message with one secret:
/// `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` keyed with the
/// secret's bytes.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String> {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|e| Error::Internal(anyhow::anyhow!("a stored webhook secret does not decode: {e}")))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header: one signature per secret in use, space
/// separated (the new secret's first during a rotation). The stored
/// secrets are sealed with the node's key secret, when it has one.
pub fn signature_header(
    cipher: Option<&KeyCipher>,
    row: &WebhookRow,
    id: &str,
    timestamp: i64,
    body: &str,
    now: i64,
) -> Result<String> {
    let mut signatures = vec![sign(&keystore::open(cipher, &row.secret)?, id, timestamp, body)?];
    if let (Some(previous), Some(until)) = (&row.previous_secret, row.previous_until)
        && until > now
    {
        signatures.push(sign(&keystore::open(cipher, previous)?, id, timestamp, body)?);
    }
    Ok(signatures.join(" "))
}

/// Seals the webhook secrets stored in clear (by this node before it had a
/// key secret, or before secrets were sealed at all) with the node's key
/// secret, as private keys are; run when the node starts. Returns how many
/// webhooks it sealed.
pub async fn seal_stored_secrets(state: &AppState) -> Result<usize> {
    let Some(cipher) = state.key_cipher.as_deref() else {
        return Ok(0);
    };
    let mut sealed = 0;
    for (id, secret, previous) in q::stored_secrets(&state.db.pool).await? {
        let clear = |s: &str| !keystore::is_sealed(s);
        if !clear(&secret) && !previous.as_deref().is_some_and(clear) {
            continue;
        }
        let new_secret = if clear(&secret) {
            keystore::seal(Some(cipher), &secret)?
        } else {
            secret.clone()
        };
        let new_previous = match previous.as_deref() {
            Some(p) if clear(p) => Some(keystore::seal(Some(cipher), p)?),
            other => other.map(str::to_string),
        };
        let _turn = state.db.write_turn().await;
        if q::reseal(
            &state.db.pool,
            &id,
            (&secret, &new_secret),
            (previous.as_deref(), new_previous.as_deref()),
        )
        .await?
        {
            sealed += 1;
        }
    }
    Ok(sealed)
}

/// A webhook as its organisation's admins see it (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub description: String,
    pub subscription: Subscription,
    /// Until when the previous secret still signs, after a rotation.
    pub previous_secret_until: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl WebhookView {
    fn of(row: WebhookRow) -> WebhookView {
        WebhookView {
            subscription: subscription_of(Role::Admin, Some(&row.settings)),
            previous_secret_until: row.previous_until.map(from_millis),
            created_at: from_millis(row.created_at),
            id: row.id,
            url: row.url,
            description: row.description,
        }
    }
}

/// A webhook with its secret, shown once: when made, and when rotated.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    pub webhook: WebhookView,
    /// `whsec_…`: the receiver checks signatures with it. Shown only now.
    pub secret: String,
}

/// What an admin gives for a new webhook.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where payloads are POSTed (https; http only on a development node).
    pub url: String,
    /// What it is for (“Signal relay of the urgent team”).
    #[serde(default)]
    pub description: String,
    /// Which alerts it is told of; its organisation's own alerts when
    /// `own_organisation` is set.
    pub subscription: Subscription,
}

const MAX_DESCRIPTION: usize = 200;
const MAX_URL: usize = 2000;

fn require_org_admin(staff: &Staff) -> Result<()> {
    staff.require(
        staff.role == Role::Admin,
        "manage the organisation's webhooks (its admins can)",
    )
}

async fn find(state: &AppState, staff: &Staff, id: &str) -> Result<WebhookRow> {
    require_org_admin(staff)?;
    q::find(&state.db.pool, &staff.org_id, id)
        .await?
        .ok_or(Error::NotFound("webhook"))
}

pub async fn list(state: &AppState, staff: &Staff) -> Result<Vec<WebhookView>> {
    require_org_admin(staff)?;
    Ok(q::of_org(&state.db.pool, &staff.org_id)
        .await?
        .into_iter()
        .map(WebhookView::of)
        .collect())
}

pub async fn create(state: &AppState, staff: &Staff, input: NewWebhook) -> Result<WebhookWithSecret> {
    require_org_admin(staff)?;
    let mut errors = FieldErrors::default();
    let url = input.url.trim().to_string();
    match url::Url::parse(&url) {
        _ if url.len() > MAX_URL => errors.add("url", format!("at most {MAX_URL} characters")),
        Ok(u) if u.scheme() == "https" || (u.scheme() == "http" && state.config.dev_mode) => {}
        Ok(_) => errors.add("url", "must be an https URL"),
        Err(_) => errors.add(
            "url",
            format!("`{url}` is not a URL such as https://bridge.example/hook"),
        ),
    }
    let description = input.description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION {
        errors.add("description", format!("at most {MAX_DESCRIPTION} characters"));
    }
    let subscription = match input.subscription.checked() {
        Ok(s) => Some(s),
        Err(found) => {
            for (field, message) in found.0 {
                errors.add(format!("subscription.{field}"), message);
            }
            None
        }
    };
    let Some(subscription) = subscription.filter(|_| errors.0.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    let now = to_millis(state.clock.now());
    let secret = new_secret();
    let row = WebhookRow {
        id: new_id(),
        org_id: staff.org_id.clone(),
        url,
        description,
        // Sealed at rest, as private keys are: a database dump alone does
        // not let anyone sign as this node to the receiver.
        secret: keystore::seal(state.key_cipher.as_deref(), &secret)?,
        previous_secret: None,
        previous_until: None,
        settings: serde_json::to_string(&subscription).map_err(anyhow::Error::from)?,
        created_by: staff.user_id.clone(),
        created_at: now,
    };
    let mut tx = state.db.pool.begin().await?;
    q::insert(&mut *tx, &row).await?;
    crate::db::audit::record(
        &mut *tx,
        now,
        Some(&staff.user_id),
        Some(&staff.org_id),
        "webhook.create",
        &row.id,
        &row.url,
    )
    .await?;
    tx.commit().await?;
    Ok(WebhookWithSecret {
        secret,
        webhook: WebhookView::of(row),
    })
}

/// A new secret; the old one keeps signing (a second signature) for a day.
pub async fn rotate(state: &AppState, staff: &Staff, id: &str) -> Result<WebhookWithSecret> {
    find(state, staff, id).await?;
    let now = state.clock.now();
    let secret = new_secret();
    let mut tx = state.db.pool.begin().await?;
    let sealed = keystore::seal(state.key_cipher.as_deref(), &secret)?;
    q::rotate(&mut *tx, id, &sealed, to_millis(now + ROTATION_OVERLAP)).await?;
    crate::db::audit::record(
        &mut *tx,
        to_millis(now),
        Some(&staff.user_id),
        Some(&staff.org_id),
        "webhook.rotate_secret",
        id,
        "",
    )
    .await?;
    tx.commit().await?;
    let row = find(state, staff, id).await?;
    Ok(WebhookWithSecret {
        webhook: WebhookView::of(row),
        secret,
    })
}

pub async fn delete(state: &AppState, staff: &Staff, id: &str) -> Result<()> {
    find(state, staff, id).await?;
    let now = to_millis(state.clock.now());
    let mut tx = state.db.pool.begin().await?;
    q::delete(&mut tx, id, now).await?;
    crate::db::audit::record(
        &mut *tx,
        now,
        Some(&staff.user_id),
        Some(&staff.org_id),
        "webhook.delete",
        id,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One attempt at one event, as the delivery log shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDeliveryView {
    /// Also the `webhook-id` header.
    pub id: String,
    /// `test`, or the notice's kind (`network_alert`, `published`…).
    pub kind: String,
    pub subject_id: String,
    /// `pending`, `delivered`, `failed` (refused for good) or `cancelled`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    /// The receiver's last HTTP status.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<q::DeliveryRow> for WebhookDeliveryView {
    fn from(row: q::DeliveryRow) -> Self {
        WebhookDeliveryView {
            id: row.id,
            kind: row.kind,
            subject_id: row.subject_id,
            state: row.state,
            attempts: row.attempts,
            next_attempt_at: from_millis(row.next_attempt_at),
            last_status: row.last_status,
            last_error: row.last_error,
            created_at: from_millis(row.created_at),
            delivered_at: row.delivered_at.map(from_millis),
        }
    }
}

/// A webhook's latest deliveries (at most 100), newest first.
pub async fn deliveries(state: &AppState, staff: &Staff, id: &str) -> Result<Vec<WebhookDeliveryView>> {
    find(state, staff, id).await?;
    Ok(q::log(&state.db.pool, id, 100)
        .await?
        .into_iter()
        .map(WebhookDeliveryView::from)
        .collect())
}

/// Queues a test event for a webhook, sent like any other.
pub async fn test(state: &AppState, staff: &Staff, id: &str) -> Result<WebhookDeliveryView> {
    find(state, staff, id).await?;
    let now = to_millis(state.clock.now());
    let delivery = new_id();
    q::enqueue(
        &state.db.pool,
        &delivery,
        id,
        TEST_KIND,
        id,
        &format!("test:{delivery}"),
        now,
    )
    .await?;
    state.notices.notify_one();
    Ok(WebhookDeliveryView {
        id: delivery,
        kind: TEST_KIND.into(),
        subject_id: id.to_string(),
        state: "pending".into(),
        attempts: 0,
        next_attempt_at: from_millis(now),
        last_status: None,
        last_error: None,
        created_at: from_millis(now),
        delivered_at: None,
    })
}

/// Who an event goes to, among webhooks.
pub enum EventAudience {
    /// The organisation's own alert or action (its webhooks that want the kind).
    Own { org_id: String },
    /// An alert that matches subscriptions: webhooks of organisations that
    /// may see it (a restricted alert: only those named) and whose
    /// subscription it matches, the author's excepted.
    Matching {
        facts: AlertFacts,
        may_see: Vec<String>,
        author_org_id: Option<String>,
    },
}

/// Queues an event's deliveries in the caller's transaction.
pub async fn queue(
    conn: &mut sqlx::AnyConnection,
    kind: NoticeKind,
    subject_id: &str,
    event: &str,
    to: &EventAudience,
    now: i64,
) -> Result<usize> {
    let hooks = q::all(&mut *conn).await?;
    let mut queued = 0;
    for hook in hooks {
        let subscription = subscription_of(Role::Admin, Some(&hook.settings));
        let wanted = match to {
            EventAudience::Own { org_id } => hook.org_id == *org_id && subscription.wants_own(kind, Role::Admin),
            EventAudience::Matching {
                facts,
                may_see,
                author_org_id,
            } => {
                author_org_id.as_deref() != Some(hook.org_id.as_str())
                    && (facts.audience != Audience::Restricted || may_see.contains(&hook.org_id))
                    && subscription.matches(facts)
            }
        };
        if !wanted {
            continue;
        }
        let key = format!("{}:{subject_id}:{event}:{}", kind.as_str(), hook.id);
        if q::enqueue(&mut *conn, &new_id(), &hook.id, kind.as_str(), subject_id, &key, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// The JSON body of a delivery: Standard Webhooks' `type`, `timestamp` (of
/// the event) and `data`. An alert's content only when its audience allows
/// (public and network alerts): a trusted or restricted one is its number,
/// its audience and its link.
async fn payload(state: &AppState, delivery: &DueDelivery) -> Result<Option<serde_json::Value>> {
    let timestamp = from_millis(delivery.created_at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    if delivery.kind == TEST_KIND {
        return Ok(Some(serde_json::json!({
            "type": "webhook.test",
            "timestamp": timestamp,
            "data": {"node": state.config.domain, "webhook": delivery.webhook_id},
        })));
    }
    let kind = NoticeKind::parse(&delivery.kind)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("unknown webhook event `{}`", delivery.kind)))?;
    let Some((alert, action)) = notice_subject(state, kind, &delivery.subject_id).await? else {
        return Ok(None);
    };
    let mut data = serde_json::json!({
        "number": alert.number,
        "audience": alert.audience,
        "link": alert.link,
    });
    if may_carry_content(alert.audience) {
        data["title"] = serde_json::json!(alert.title);
        data["summary"] = serde_json::json!(alert.summary);
        data["urgency"] = serde_json::json!(alert.urgency);
        data["country"] = serde_json::json!(alert.country);
        if kind == NoticeKind::ExpiryNear
            && let Some(at) = alert.expires_at
        {
            data["expires"] = serde_json::json!(from_millis(at));
        }
        // The response or pledge: who, what, when due (never its text).
        if let Some(action) = &action {
            data["action"] = serde_json::json!({
                "organisation": action.org_name,
                "kind": action.kind,
                "due": action.due_at.map(from_millis),
            });
        }
    }
    Ok(Some(serde_json::json!({
        "type": format!("alert.{}", kind.as_str()),
        "timestamp": timestamp,
        "data": {"node": state.config.domain, "alert": data},
    })))
}

enum Outcome {
    Delivered(u16),
    Failed(Option<u16>, String),
    Cancelled(String),
    Retry(Option<u16>, String, Option<i64>),
}

/// How many deliveries one pass claims at a time.
const BATCH: i64 = 16;

/// Sends every delivery due; returns how many were attempted.
pub async fn send_due(state: &AppState) -> Result<usize> {
    let mut attempted = 0;
    loop {
        let lease = state.delivery_lease;
        let claimed = {
            let _turn = state.db.write_turn().await;
            let wall = chrono::Utc::now().timestamp_millis();
            let mut tx = state.db.pool.begin().await?;
            let claimed = q::claim_due(
                &mut tx,
                &state.worker_id,
                to_millis(state.clock.now()),
                wall,
                wall + lease.num_milliseconds(),
                BATCH,
            )
            .await?;
            tx.commit().await?;
            claimed
        };
        if claimed.is_empty() {
            return Ok(attempted);
        }
        // No send outlives the claim (another process would send it too).
        let budget = lease.to_std().unwrap_or(Duration::from_secs(60)).mul_f64(0.75) / claimed.len() as u32;
        for delivery in claimed {
            let outcome = match tokio::time::timeout(budget, send_one(state, &delivery)).await {
                Ok(outcome) => outcome,
                Err(_) => Outcome::Retry(None, format!("no answer within {:.1} s", budget.as_secs_f64()), None),
            };
            record(state, &delivery, outcome).await?;
            attempted += 1;
        }
    }
}

async fn send_one(state: &AppState, delivery: &DueDelivery) -> Outcome {
    let hook = match q::all(&state.db.pool).await {
        Ok(hooks) => hooks.into_iter().find(|h| h.id == delivery.webhook_id),
        Err(e) => return Outcome::Retry(None, format!("reading the webhook: {e}"), None),
    };
    let Some(hook) = hook else {
        return Outcome::Cancelled("the webhook was deleted".into());
    };
    let body = match payload(state, delivery).await {
        Ok(Some(body)) => body.to_string(),
        Ok(None) => return Outcome::Cancelled("its alert is gone (withdrawn or no longer visible here)".into()),
        Err(e) => return Outcome::Retry(None, format!("cannot make the payload: {e}"), None),
    };
    let timestamp = chrono::Utc::now().timestamp();
    let cipher = state.key_cipher.as_deref();
    let signature = match signature_header(
        cipher,
        &hook,
        &delivery.id,
        timestamp,
        &body,
        to_millis(state.clock.now()),
    ) {
        Ok(s) => s,
        // A sealed secret without the key secret it was sealed with: the
        // operator's to fix, and the delivery waits for it.
        Err(e) => return Outcome::Retry(None, format!("cannot sign: {e}"), None),
    };
    let sent = state
        .http
        .post(&hook.url)
        .header("content-type", "application/json")
        .header("webhook-id", &delivery.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok());
            match status {
                200..=299 => Outcome::Delivered(status),
                408 | 429 | 500..=599 => {
                    Outcome::Retry(Some(status), format!("the receiver answered {status}"), retry_after)
                }
                _ => Outcome::Failed(Some(status), format!("the receiver refused it ({status})")),
            }
        }
        Err(e) => Outcome::Retry(None, format!("cannot reach the receiver: {e}"), None),
    }
}

async fn record(state: &AppState, delivery: &DueDelivery, outcome: Outcome) -> Result<()> {
    let now = state.clock.now();
    let owner = &state.worker_id;
    let (state_name, status, error, next) = match outcome {
        Outcome::Delivered(status) => ("delivered", Some(status), None, now),
        Outcome::Failed(status, why) => {
            tracing::warn!(delivery = %delivery.id, %why, "webhook delivery refused for good");
            ("failed", status, Some(why), now)
        }
        Outcome::Cancelled(why) => ("cancelled", None, Some(why), now),
        Outcome::Retry(status, why, retry_after) => {
            tracing::info!(delivery = %delivery.id, %why, "webhook delivery will be retried");
            let next = now + crate::federation::outbox::backoff(delivery.attempts, retry_after);
            ("pending", status, Some(why), next)
        }
    };
    let _turn = state.db.write_turn().await;
    q::record(
        &state.db.pool,
        &delivery.id,
        owner,
        state_name,
        status.map(i64::from),
        error.as_deref(),
        to_millis(next),
        to_millis(now),
    )
    .await?;
    Ok(())
}
