//! Who is told of what: each staff member's address and subscription (their
//! role's defaults until they choose), and the notices an event causes,
//! queued in the transaction that writes the event (so that a notice is
//! never lost and never queued for something that did not happen). Sending
//! is [`super::notice_email`]'s.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::to_millis;
use crate::db::new_id;
use crate::db::notices::{self, Recipient};
use crate::domain::FieldErrors;
use crate::domain::notify::{AlertFacts, NoticeKind, Subscription, subscription_of};
use crate::domain::vocab::{AlertStatus, Audience, Role};
use crate::error::{Error, Result};
use crate::services::accounts::Staff;
use crate::services::notice_email::{EMAIL, email_paused};
use crate::services::webhooks::{self, EventAudience};
use crate::state::AppState;

/// A staff member's notice settings, as they read and change them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// Where email notices go; none: no notice is queued for them.
    #[serde(default)]
    pub email: Option<String>,
    pub subscription: Subscription,
}

/// A change of one's notice settings: the address, and the subscription
/// (left out: unchanged; with no subscription of one's own yet, that is
/// following the role's defaults).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettingsChange {
    /// Where email notices go; null or empty: nowhere.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub subscription: Option<Subscription>,
}

/// The longest address accepted (RFC 5321's limit on a path).
const MAX_EMAIL_LENGTH: usize = 254;

pub async fn settings(state: &AppState, staff: &Staff) -> Result<NotificationSettings> {
    let (email, stored) = notices::settings_of(&state.db.pool, &staff.user_id).await?;
    Ok(NotificationSettings {
        email,
        subscription: subscription_of(staff.role, stored.as_deref()),
    })
}

/// Checks an address as the mail server will read it.
pub fn check_email(email: &str) -> std::result::Result<(), String> {
    if email.len() > MAX_EMAIL_LENGTH {
        return Err(format!("at most {MAX_EMAIL_LENGTH} characters"));
    }
    email
        .parse::<lettre::Address>()
        .map(|_| ())
        .map_err(|_| format!("`{email}` is not an email address such as name@example.org"))
}

/// Saves a staff member's address and subscription (each checked, with one
/// message per field).
pub async fn save_settings(
    state: &AppState,
    staff: &Staff,
    input: NotificationSettingsChange,
) -> Result<NotificationSettings> {
    let mut errors = FieldErrors::default();
    let email = input.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
    if let Some(email) = &email
        && let Err(message) = check_email(email)
    {
        errors.add("email", message);
    }
    let subscription = match input.subscription.map(Subscription::checked) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(found)) => {
            for (field, message) in found.0 {
                errors.add(format!("subscription.{field}"), message);
            }
            None
        }
    };
    if !errors.0.is_empty() {
        return Err(Error::Validation(errors));
    }
    let now = to_millis(state.clock.now());
    let mut tx = state.db.pool.begin().await?;
    notices::set_email(&mut *tx, &staff.user_id, email.as_deref()).await?;
    if let Some(subscription) = &subscription {
        let settings = serde_json::to_string(subscription).map_err(anyhow::Error::from)?;
        notices::save_subscription(&mut *tx, &staff.user_id, &settings, now).await?;
    }
    tx.commit().await?;
    settings(state, staff).await
}

/// Queues one notice per recipient; the dedupe key keeps an event from being
/// queued twice for one person. Returns how many were queued.
async fn queue(
    conn: &mut sqlx::AnyConnection,
    recipients: &[&Recipient],
    kind: NoticeKind,
    subject_id: &str,
    event: &str,
    now: i64,
) -> Result<usize> {
    let mut queued = 0;
    for recipient in recipients {
        let key = format!("{}:{subject_id}:{event}:{}", kind.as_str(), recipient.user_id);
        // One who reads a daily digest gets it at their hour: the notice is
        // due then, with everything else queued for them since the last.
        let due = subscription_of(recipient.role, recipient.settings.as_deref())
            .digest
            .map_or(now, |digest| {
                to_millis(digest.next_after(crate::clock::from_millis(now)))
            });
        if notices::enqueue(
            &mut *conn,
            &new_id(),
            &recipient.user_id,
            kind.as_str(),
            subject_id,
            &key,
            now,
            due,
        )
        .await?
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// In the transaction storing an alert received from another node: a notice
/// for each staff member here who may see it and whose subscription it
/// matches. `named_orgs`: for a restricted alert, the organisations here it
/// names (nobody else may see it). Only the alert's first arrival is told
/// of: a later version of it finds the notices already queued.
pub async fn queue_network_alert(
    conn: &mut sqlx::AnyConnection,
    alert_id: &str,
    facts: &AlertFacts,
    named_orgs: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize> {
    let everyone = notices::recipients(&mut *conn).await?;
    let chosen: Vec<&Recipient> = everyone
        .iter()
        .filter(|r| facts.audience != Audience::Restricted || named_orgs.contains(&r.org_id))
        .filter(|r| subscription_of(r.role, r.settings.as_deref()).matches(facts))
        .collect();
    let now = to_millis(now);
    let hooks = EventAudience::Matching {
        facts: facts.clone(),
        may_see: named_orgs.to_vec(),
        author_org_id: None,
    };
    Ok(
        queue(conn, &chosen, NoticeKind::NetworkAlert, alert_id, "arrived", now).await?
            + webhooks::queue(conn, NoticeKind::NetworkAlert, alert_id, "arrived", &hooks, now).await?,
    )
}

/// One of our alerts changed status, in the transaction of the change: its
/// organisation's staff hear of it (review requested: those who can
/// publish; returned: those who draft; published: everyone who asked), and
/// once published, staff of the other organisations here who may see it and
/// whose subscription it matches. The staff member who made the change is
/// not told of it.
#[allow(clippy::too_many_arguments)]
pub async fn queue_transition(
    conn: &mut sqlx::AnyConnection,
    alert_id: &str,
    version: i64,
    author_org_id: &str,
    to: AlertStatus,
    facts: &AlertFacts,
    named_org_slugs: &[String],
    actor_user_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize> {
    let (kind, own_roles): (NoticeKind, fn(Role) -> bool) = match to {
        AlertStatus::InReview => (NoticeKind::ReviewRequested, Role::can_publish),
        AlertStatus::Draft => (NoticeKind::ReturnedToDraft, Role::can_draft),
        AlertStatus::Open => (NoticeKind::Published, |_| true),
        AlertStatus::Closed | AlertStatus::Withdrawn => return Ok(0),
    };
    // Whoever made the change knows of it.
    let everyone: Vec<Recipient> = notices::recipients(&mut *conn)
        .await?
        .into_iter()
        .filter(|r| r.user_id != actor_user_id)
        .collect();
    let event = format!("v{version}");
    let now = to_millis(now);
    let own: Vec<&Recipient> = everyone
        .iter()
        .filter(|r| r.org_id == author_org_id && own_roles(r.role))
        .filter(|r| subscription_of(r.role, r.settings.as_deref()).wants_own(kind, r.role))
        .collect();
    let mut queued = queue(conn, &own, kind, alert_id, &event, now).await?;
    let own_hooks = EventAudience::Own {
        org_id: author_org_id.to_string(),
    };
    queued += webhooks::queue(conn, kind, alert_id, &event, &own_hooks, now).await?;
    if to == AlertStatus::Open {
        let others: Vec<&Recipient> = everyone
            .iter()
            .filter(|r| r.org_id != author_org_id)
            .filter(|r| facts.audience != Audience::Restricted || named_org_slugs.contains(&r.org_slug))
            .filter(|r| subscription_of(r.role, r.settings.as_deref()).matches(facts))
            .collect();
        // Once per alert, not per version: a re-publication is not news.
        queued += queue(conn, &others, NoticeKind::LocalAlert, alert_id, "published", now).await?;
        let mut may_see = Vec::new();
        for slug in named_org_slugs {
            may_see.extend(crate::db::webhooks::org_id_of_slug(&mut *conn, slug).await?);
        }
        let hooks = EventAudience::Matching {
            facts: facts.clone(),
            may_see,
            author_org_id: Some(author_org_id.to_string()),
        };
        queued += webhooks::queue(conn, NoticeKind::LocalAlert, alert_id, "published", &hooks, now).await?;
    }
    Ok(queued)
}

/// A notice about one of an organisation's own alerts (or actions) to its
/// staff who want that kind, and its webhooks that do.
async fn queue_own(
    conn: &mut sqlx::AnyConnection,
    kind: NoticeKind,
    subject_id: &str,
    event: &str,
    org_id: &str,
    now: i64,
) -> Result<usize> {
    let everyone = notices::recipients(&mut *conn).await?;
    let own: Vec<&Recipient> = everyone
        .iter()
        .filter(|r| r.org_id == org_id)
        .filter(|r| subscription_of(r.role, r.settings.as_deref()).wants_own(kind, r.role))
        .collect();
    let queued = queue(conn, &own, kind, subject_id, event, now).await?;
    let hooks = EventAudience::Own {
        org_id: org_id.to_string(),
    };
    Ok(queued + webhooks::queue(conn, kind, subject_id, event, &hooks, now).await?)
}

/// In the transaction recording a solidarity action (here, or received from
/// another node) on one of our alerts by another organisation: the alert's
/// organisation hears of the new response, once per action (a correction
/// is not news).
pub async fn queue_response(
    conn: &mut sqlx::AnyConnection,
    action_id: &str,
    alert_org_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize> {
    queue_own(
        conn,
        NoticeKind::NewResponse,
        action_id,
        "recorded",
        alert_org_id,
        to_millis(now),
    )
    .await
}

/// What the clock brings, queued once each: pledges of our organisations
/// past due with no report since, and open alerts of ours that expire
/// within [`crate::domain::notify::EXPIRY_NOTICE_AHEAD`] (or did so in the last day, for a node
/// that was down when they came near). Each is queued in one transaction
/// with the mark that it was, so that it is never queued twice, even by two
/// processes; a new due date or expiry is a new reminder. Returns how many
/// notices and webhook deliveries were queued.
pub async fn queue_reminders(state: &AppState) -> Result<usize> {
    let now = state.clock.now();
    let ms = to_millis(now);
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    let mut queued = 0;
    let pledge = NoticeKind::PledgeOverdue;
    for due in notices::unreminded_overdue_pledges(&mut *tx, pledge.as_str(), ms).await? {
        let event = due.due_at.to_string();
        queued += queue_own(&mut tx, pledge, &due.id, &event, &due.org_id, ms).await?;
        notices::mark_reminded(&mut *tx, pledge.as_str(), &due.id, &event, ms).await?;
    }
    let expiry = NoticeKind::ExpiryNear;
    let from = to_millis(now - crate::domain::notify::EXPIRY_NOTICE_AHEAD);
    let until = to_millis(now + crate::domain::notify::EXPIRY_NOTICE_AHEAD);
    for alert in notices::unreminded_expiring_alerts(&mut *tx, expiry.as_str(), from, until).await? {
        let event = alert.expires_at.to_string();
        queued += queue_own(&mut tx, expiry, &alert.id, &event, &alert.org_id, ms).await?;
        notices::mark_reminded(&mut *tx, expiry.as_str(), &alert.id, &event, ms).await?;
    }
    tx.commit().await?;
    if queued > 0 {
        state.notices.notify_one();
    }
    Ok(queued)
}

/// A notice as its recipient and operators see it in lists.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: String,
    pub kind: String,
    /// What it is about: an alert (its id here, or its URL for a network
    /// alert), or for `new_response` and `pledge_overdue` the action's
    /// ActivityPub id.
    pub subject_id: String,
    /// `pending`, `sent`, `failed` (never to be sent: see `last_error`) or
    /// `cancelled` (its alert was withdrawn before it went).
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<notices::NoticeRow> for NoticeView {
    fn from(row: notices::NoticeRow) -> Self {
        use crate::clock::from_millis;
        NoticeView {
            id: row.id,
            kind: row.kind,
            subject_id: row.subject_id,
            state: row.state,
            attempts: row.attempts,
            next_attempt_at: from_millis(row.next_attempt_at),
            last_error: row.last_error,
            created_at: from_millis(row.created_at),
            sent_at: row.sent_at.map(from_millis),
        }
    }
}

/// One's own latest notices, newest first.
pub async fn my_notices(state: &AppState, staff: &Staff) -> Result<Vec<NoticeView>> {
    Ok(notices::notices_of(&state.db.pool, &staff.user_id, 100)
        .await?
        .into_iter()
        .map(NoticeView::from)
        .collect())
}

/// The queue as operators see it: counts per state, what is not sent, and
/// whether email is paused.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeQueue {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub cancelled: i64,
    /// Paused by an operator (here or in the configuration): notices wait.
    pub email_paused: bool,
    /// Whether the node has a mail server configured at all.
    pub email_configured: bool,
    /// Notices not sent, pending first, oldest first (at most 200).
    pub unsent: Vec<NoticeView>,
}

pub async fn queue_overview(state: &AppState, staff: &Staff) -> Result<NoticeQueue> {
    staff.require_operator("see the node's notice queue")?;
    let counts = notices::counts(&state.db.pool).await?;
    let count = |name: &str| counts.iter().find(|(s, _)| s == name).map_or(0, |(_, n)| *n);
    Ok(NoticeQueue {
        pending: count("pending"),
        sent: count("sent"),
        failed: count("failed"),
        cancelled: count("cancelled"),
        email_paused: email_paused(state).await?,
        email_configured: state.config.smtp.is_some(),
        unsent: notices::unsent(&state.db.pool, 200)
            .await?
            .into_iter()
            .map(NoticeView::from)
            .collect(),
    })
}

/// An operator pauses (or resumes) email for the node; recorded in the audit log.
pub async fn set_email_paused(state: &AppState, staff: &Staff, paused: bool) -> Result<()> {
    staff.require_operator("pause or resume email for the node")?;
    let now = to_millis(state.clock.now());
    let mut tx = state.db.pool.begin().await?;
    if paused {
        notices::pause(&mut *tx, EMAIL, &staff.user_id, now).await?;
    } else {
        notices::resume(&mut *tx, EMAIL).await?;
    }
    crate::db::audit::record(
        &mut *tx,
        now,
        Some(&staff.user_id),
        None,
        if paused {
            "notices.email_paused"
        } else {
            "notices.email_resumed"
        },
        EMAIL,
        "",
    )
    .await?;
    tx.commit().await?;
    if !paused {
        state.notices.notify_one();
    }
    Ok(())
}

/// The background worker: sends email notices and webhook deliveries
/// whenever some are queued, and at least every couple of seconds (so that
/// retries come due), until `shutdown` changes.
pub async fn run_worker(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut reminded_at: Option<std::time::Instant> = None;
    loop {
        // The clock's reminders: looked for every half minute.
        if reminded_at.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(30)) {
            if let Err(e) = queue_reminders(&state).await {
                tracing::error!(error = %e, "looking for reminders failed");
            }
            reminded_at = Some(std::time::Instant::now());
        }
        let (email, hooks) = tokio::join!(super::notice_email::send_due(&state), webhooks::send_due(&state));
        for result in [email, hooks] {
            if let Err(e) = result {
                tracing::error!(error = %e, "notice pass failed");
            }
        }
        tokio::select! {
            _ = state.notices.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
