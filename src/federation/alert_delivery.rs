//! Which nodes get one of our alerts, and the activities that carry each
//! change to them. Delivery follows the audience (`federation/README.md`,
//! "Addressing"): never to a node below it, and `trusted` or `restricted`
//! alerts never to a followers collection.

use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use url::Url;

use super::actors::RemoteActor;
use super::outbox::{self, Outgoing};
use super::wire::{self, AlertObject};
use super::{peers, urls};
use crate::db::new_id;
use crate::domain::alert::AlertContent;
use crate::domain::vocab::{AlertStatus, Audience, Certainty, Outcome, Severity, Trust, Urgency};
use crate::error::{Error, Result};
use crate::server::AppState;

/// Recipients of an alert at its current audience.
#[derive(Debug, Default)]
pub struct Plan {
    /// (inbox, host) pairs.
    pub inboxes: Vec<(Url, String)>,
    pub to: Vec<Url>,
}

/// Works out the recipients. Runs before the transaction: naming a remote
/// organisation may need a fetch of its actor.
pub async fn plan(
    state: &AppState,
    org_id: &str,
    org_slug: &str,
    audience: Audience,
    restricted_to: &[String],
) -> Result<Plan> {
    let config = &state.config;
    let mut plan = Plan::default();
    let add_peers = |plan: &mut Plan, peers: Vec<peers::PeerRow>| -> Result<()> {
        for peer in peers {
            if peer.shared_inbox.is_some() {
                plan.inboxes.push((peers::peer_inbox(&peer)?, peer.host.clone()));
            }
        }
        Ok(())
    };
    match audience {
        Audience::Node => {}
        Audience::Public | Audience::Network => {
            add_peers(
                &mut plan,
                peers::with_trust(state, &[Trust::Connected, Trust::Trusted]).await?,
            )?;
            // Accepted followers (any ActivityPub software) get public and network alerts.
            let followers: Vec<(String, String)> = sqlx::query_as(
                "SELECT f.actor_id, f.host FROM followers f JOIN peers p ON p.host = f.host \
                 WHERE f.org_id = $1 AND f.state = 'accepted' AND p.trust IN ('connected', 'trusted')",
            )
            .bind(org_id)
            .fetch_all(&state.db.pool)
            .await?;
            for (actor_id, host) in followers {
                if let Some(actor) = super::actors::find_remote_actor(state, &actor_id).await? {
                    plan.inboxes.push((actor.delivery_inbox()?, host));
                }
            }
            plan.to = if audience == Audience::Public {
                vec![
                    Url::parse(urls::AS_PUBLIC).expect("constant"),
                    urls::org_followers(config, org_slug),
                ]
            } else {
                vec![urls::network(config)]
            };
        }
        Audience::Trusted => {
            let trusted = peers::with_trust(state, &[Trust::Trusted]).await?;
            for peer in &trusted {
                if let Some(actor) = &peer.actor_id {
                    plan.to.push(Url::parse(actor).map_err(|e| Error::Internal(e.into()))?);
                }
            }
            add_peers(&mut plan, trusted)?;
        }
        Audience::Restricted => {
            let data = super::data(state).await?;
            for named in restricted_to {
                let Ok(url) = Url::parse(named) else {
                    // A local organisation: it sees the alert on this node.
                    continue;
                };
                let host = peers::host_of(&url).ok_or_else(|| Error::BadRequest(format!("{named} has no host")))?;
                if !peers::trust_of(state, &host).await?.is_some_and(|t| t.federates()) {
                    return Err(Error::Conflict(format!(
                        "{named} is on {host}, which this node does not federate with; an admin must connect it first"
                    )));
                }
                let actor = ObjectId::<RemoteActor>::from(url).dereference(&data).await?;
                plan.inboxes.push((actor.inbox_url()?, host));
                plan.to.push(actor.id.0.clone());
            }
        }
    }
    plan.inboxes.sort();
    plan.inboxes.dedup();
    Ok(plan)
}

/// Everything about an alert that goes on the wire.
pub struct AlertState<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub org_id: &'a str,
    pub org_slug: &'a str,
    pub status: AlertStatus,
    pub audience: Audience,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    pub country: &'a str,
    pub content: &'a AlertContent,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
    pub version: i64,
    pub outcome: Option<Outcome>,
    pub closing_note: Option<String>,
}

impl AlertState<'_> {
    pub fn object(&self, state: &AppState, to: Vec<Url>) -> AlertObject {
        let config = &state.config;
        AlertObject::build(
            urls::alert(config, self.id),
            self.number.to_string(),
            urls::org_actor(config, self.org_slug),
            self.status,
            self.urgency,
            self.severity,
            self.certainty,
            self.audience,
            self.country.to_string(),
            self.content,
            self.published,
            self.updated,
            self.expires,
            self.version,
            self.outcome,
            self.closing_note.clone(),
            to,
        )
    }
}

/// Writes the activities for an alert's new state into the outbox: Create to
/// inboxes that never had it, Update to those that did, and Delete to those
/// that had it but may no longer see it (or to all, when it is withdrawn).
pub async fn federate(
    conn: &mut AnyConnection,
    state: &AppState,
    alert: &AlertState<'_>,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<()> {
    let config = &state.config;
    let previous: Vec<(String, String)> =
        sqlx::query_as("SELECT inbox, host FROM alert_recipients WHERE alert_id = $1 ORDER BY inbox")
            .bind(alert.id)
            .fetch_all(&mut *conn)
            .await?;
    let visible = matches!(alert.status, AlertStatus::Open | AlertStatus::Closed);
    let wanted: Vec<(Url, String)> = if visible { plan.inboxes.clone() } else { Vec::new() };
    let had = |inbox: &Url| previous.iter().any(|(p, _)| p == inbox.as_str());

    let object_id = urls::alert(config, alert.id);
    let actor = urls::org_actor(config, alert.org_slug);
    let object = serde_json::to_value(alert.object(state, plan.to.clone())).map_err(anyhow::Error::from)?;
    for (kind, inboxes) in [
        (
            "Create",
            wanted.iter().filter(|(i, _)| !had(i)).cloned().collect::<Vec<_>>(),
        ),
        (
            "Update",
            wanted.iter().filter(|(i, _)| had(i)).cloned().collect::<Vec<_>>(),
        ),
    ] {
        if inboxes.is_empty() {
            continue;
        }
        let id = urls::activity(config, &new_id());
        let body = wire::activity(kind, &id, &actor, object.clone(), &plan.to, now);
        outbox::enqueue(
            conn,
            &Outgoing {
                id,
                actor_ref: alert.org_id.to_string(),
                kind: kind.into(),
                object_id: Some(alert.id.to_string()),
                body,
                inboxes,
            },
            now,
        )
        .await?;
    }
    for (inbox, host) in &wanted {
        sqlx::query("INSERT INTO alert_recipients (alert_id, inbox, host) VALUES ($1, $2, $3) ON CONFLICT (alert_id, inbox) DO NOTHING")
            .bind(alert.id)
            .bind(inbox.as_str())
            .bind(host)
            .execute(&mut *conn)
            .await?;
    }

    let gone: Vec<(Url, String)> = previous
        .iter()
        .filter(|(p, _)| !wanted.iter().any(|(w, _)| w.as_str() == p))
        .filter_map(|(p, h)| Url::parse(p).ok().map(|u| (u, h.clone())))
        .collect();
    if !gone.is_empty() {
        let id = urls::activity(config, &new_id());
        let to: Vec<Url> = Vec::new();
        let body = wire::activity("Delete", &id, &actor, wire::tombstone(&object_id, now), &to, now);
        outbox::enqueue(
            conn,
            &Outgoing {
                id,
                actor_ref: alert.org_id.to_string(),
                kind: "Delete".into(),
                object_id: Some(alert.id.to_string()),
                body,
                inboxes: gone.clone(),
            },
            now,
        )
        .await?;
        for (inbox, _) in &gone {
            sqlx::query("DELETE FROM alert_recipients WHERE alert_id = $1 AND inbox = $2")
                .bind(alert.id)
                .bind(inbox.as_str())
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}
