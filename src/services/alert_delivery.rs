//! Which nodes get one of our alerts, and the activities that carry each
//! change to them. Delivery follows the audience (`federation/README.md`,
//! "Addressing"): never to a node below it, and `trusted` or `restricted`
//! alerts never to a followers collection.

use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AnyConnection;
use url::Url;

use crate::db::alert_recipients as recipients;
use crate::db::new_id;
use crate::domain::alert::AlertContent;
use crate::domain::vocab::{AlertStatus, Audience, Certainty, MemberState, Outcome, Severity, Trust, Urgency};
use crate::error::{Error, Result};
use crate::federation::actors::RemoteActor;
use crate::federation::outbox::{self, Outgoing};
use crate::federation::wire::{self, AlertObject};
use crate::federation::{integrity, urls};
use crate::services::peers;
use crate::state::AppState;

/// Recipients of an alert at its current audience, in groups that share one
/// addressing (`to`): everyone for public, network and trusted alerts; one
/// group per named organisation for restricted ones, so that no recipient
/// learns who else was named.
#[derive(Debug, Default)]
pub struct Plan {
    pub groups: Vec<Group>,
}

#[derive(Debug, Default)]
pub struct Group {
    pub to: Vec<Url>,
    /// (inbox, host) pairs.
    pub inboxes: Vec<(Url, String)>,
    /// The named organisation these inboxes get a restricted alert for.
    pub addressee: Option<Url>,
}

impl Group {
    /// Adds an inbox of `host`, unless it is on another host: trust was
    /// decided for `host`, and only its own inboxes are delivered to under it.
    fn add(&mut self, inbox: Url, host: String) {
        if crate::federation::urls::inbox_is_on(&inbox, &host) {
            self.inboxes.push((inbox, host));
        } else {
            tracing::warn!(%inbox, %host, "leaving out an inbox that is not on its recipient's host");
        }
    }
}

impl Plan {
    fn inboxes(&self) -> impl Iterator<Item = &(Url, String)> {
        self.groups.iter().flat_map(|g| g.inboxes.iter())
    }
}

/// The `to` of an alert that goes to all its recipients alike; restricted
/// alerts are addressed per recipient instead.
pub fn addressing(config: &crate::config::Config, org_slug: &str, audience: Audience) -> Vec<Url> {
    match audience {
        Audience::Public => vec![
            Url::parse(urls::AS_PUBLIC).expect("constant"),
            urls::org_followers(config, org_slug),
        ],
        Audience::Network => vec![urls::network(config)],
        Audience::Trusted => vec![urls::trusted_network(config)],
        Audience::Restricted | Audience::Node => Vec::new(),
    }
}

/// What [`plan`] does with a named organisation on a node this one does not
/// federate with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfederated {
    /// Refuses the plan: staff publishing or editing must hear of it.
    Refuse,
    /// Leaves the organisation out: after a change of trust, it loses the alert.
    LeaveOut,
}

/// Works out the recipients. Runs before the transaction: naming a remote
/// organisation may need a fetch of its actor.
pub async fn plan(
    state: &AppState,
    org_id: &str,
    org_slug: &str,
    audience: Audience,
    restricted_to: &[String],
    groups: &[String],
    unfederated: Unfederated,
) -> Result<Plan> {
    let mut plan = Plan::default();
    let mut everyone = Group {
        to: addressing(&state.config, org_slug, audience),
        ..Group::default()
    };
    let peer_inboxes = |group: &mut Group, peers: Vec<peers::PeerRow>| -> Result<()> {
        for peer in peers {
            if peer.shared_inbox.is_some() {
                group.add(peers::peer_inbox(&peer)?, peer.host.clone());
            }
        }
        Ok(())
    };
    match audience {
        Audience::Node => return Ok(plan),
        Audience::Public | Audience::Network => {
            peer_inboxes(
                &mut everyone,
                peers::with_trust(state, &[Trust::Connected, Trust::Trusted]).await?,
            )?;
            // Accepted followers (any ActivityPub software) get public and network alerts.
            let followers = crate::db::followers::accepted_on_federating_hosts(&state.db.pool, org_id).await?;
            for (actor_id, host) in followers {
                if let Some(actor) = crate::federation::actors::find_remote_actor(state, &actor_id).await? {
                    everyone.add(actor.delivery_inbox()?, host);
                }
            }
            // Each group's node, which relays the alert to the group's members.
            // Its shared inbox is known from peering: no fetch, so that an
            // unreachable group node delays nothing but its own relay.
            for group in groups {
                let url = Url::parse(group).map_err(|_| Error::BadRequest(format!("{group} is not a URL")))?;
                let host = crate::federation::urls::host_of(&url)
                    .ok_or_else(|| Error::BadRequest(format!("{group} has no host")))?;
                if host == state.config.domain {
                    continue;
                }
                let peer = peers::find(state, &host)
                    .await?
                    .filter(|p| p.trust.federates() && p.shared_inbox.is_some())
                    .ok_or_else(|| {
                        Error::Conflict(format!(
                            "the group {group} is on {host}, which this node does not federate with; an admin must connect it first"
                        ))
                    })?;
                everyone.add(peers::peer_inbox(&peer)?, host);
            }
        }
        Audience::Trusted => {
            peer_inboxes(&mut everyone, peers::with_trust(state, &[Trust::Trusted]).await?)?;
        }
        Audience::Restricted => {
            let data = crate::federation::data(state).await?;
            for named in restricted_to {
                let Ok(url) = Url::parse(named) else {
                    // A local organisation: it sees the alert on this node.
                    continue;
                };
                let host = crate::federation::urls::host_of(&url)
                    .ok_or_else(|| Error::BadRequest(format!("{named} has no host")))?;
                if !peers::trust_of(state, &host).await?.is_some_and(|t| t.federates()) {
                    if unfederated == Unfederated::LeaveOut {
                        continue;
                    }
                    return Err(Error::Conflict(format!(
                        "{named} is on {host}, which this node does not federate with; an admin must connect it first"
                    )));
                }
                let actor = ObjectId::<RemoteActor>::from(url).dereference(&data).await?;
                let mut group = Group {
                    to: vec![actor.id.0.clone()],
                    inboxes: Vec::new(),
                    addressee: Some(actor.id.0.clone()),
                };
                group.add(actor.inbox_url()?, host);
                plan.groups.push(group);
            }
            return Ok(plan);
        }
    }
    everyone.inboxes.sort();
    everyone.inboxes.dedup();
    plan.groups.push(everyone);
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
    pub history: Vec<wire::WireHistoryEntry>,
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
            self.history.clone(),
            to,
        )
    }
}

/// The author organisation sending one alert's activities: each is signed
/// by it, and queued in the outbox in the caller's transaction.
struct AlertActivities<'a, 'b> {
    state: &'a AppState,
    signer: &'a integrity::Signer,
    alert: &'a AlertState<'b>,
    actor: Url,
    now: DateTime<Utc>,
}

impl AlertActivities<'_, '_> {
    /// `verb` of `object` (the alert, or its tombstone), addressed to `to`,
    /// with the organisation's proof; its id and body.
    fn signed(&self, verb: wire::ObjectVerb, object: impl Serialize, to: Vec<Url>) -> Result<(Url, serde_json::Value)> {
        let id = urls::activity(&self.state.config, &new_id());
        let mut body = wire::to_value(&wire::ObjectActivity {
            context: wire::OurContext,
            id: id.clone(),
            kind: verb,
            actor: self.actor.clone(),
            object,
            to,
            published: self.now,
            proof: None,
        });
        self.signer.sign(self.state, &mut body)?;
        Ok((id, body))
    }

    /// As [`Self::signed`], queued for `inboxes` (none: recorded, to be
    /// served at its id and in the outbox collection, but sent nowhere).
    async fn enqueue(
        &self,
        conn: &mut AnyConnection,
        verb: wire::ObjectVerb,
        object: impl Serialize,
        to: Vec<Url>,
        inboxes: Vec<(Url, String)>,
    ) -> Result<()> {
        let (id, body) = self.signed(verb, object, to)?;
        let outgoing = Outgoing {
            id,
            actor_ref: self.alert.org_id.to_string(),
            kind: verb.as_str().into(),
            object_id: Some(self.alert.id.to_string()),
            body,
            inboxes,
        };
        outbox::enqueue(conn, &outgoing, self.now).await
    }

    /// The alert's tombstone, saying why it goes.
    fn tombstone(&self, removal: wire::Removal) -> wire::Tombstone {
        wire::Tombstone {
            removal: Some(removal),
            version: Some(self.alert.version),
            ..wire::Tombstone::new(
                wire::FormerType::Alert,
                urls::alert(&self.state.config, self.alert.id),
                self.now,
            )
        }
    }
}

/// Writes the activities for an alert's new state into the outbox: Create to
/// inboxes that never had it, Update to those that did, and Delete to those
/// that had it but may no longer see it (or to all, when it is withdrawn).
/// The alert and each activity carry an integrity proof by the organisation.
pub async fn federate(
    conn: &mut AnyConnection,
    state: &AppState,
    signer: &integrity::Signer,
    alert: &AlertState<'_>,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<()> {
    federate_to(conn, state, signer, alert, plan, None, now).await
}

/// As [`federate`], limited to the inboxes of one host when `only_host` is set.
async fn federate_to(
    conn: &mut AnyConnection,
    state: &AppState,
    signer: &integrity::Signer,
    alert: &AlertState<'_>,
    plan: &Plan,
    only_host: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let config = &state.config;
    let in_scope = |host: &str| only_host.is_none_or(|h| h == host);
    let previous: Vec<recipients::Recipient> = recipients::list(conn, alert.id)
        .await?
        .into_iter()
        .filter(|r| in_scope(&r.host))
        .collect();
    let plan = &Plan {
        groups: plan
            .groups
            .iter()
            .map(|g| Group {
                to: g.to.clone(),
                inboxes: g.inboxes.iter().filter(|(_, h)| in_scope(h)).cloned().collect(),
                addressee: g.addressee.clone(),
            })
            .filter(|g| !g.inboxes.is_empty())
            .collect(),
    };
    let visible = matches!(alert.status, AlertStatus::Open | AlertStatus::Closed);
    let had = |inbox: &Url| previous.iter().any(|r| r.inbox == inbox.as_str());
    let object_id = urls::alert(config, alert.id);
    let sender = AlertActivities {
        state,
        signer,
        alert,
        actor: urls::org_actor(config, alert.org_slug),
        now,
    };

    // Deletes first: an organisation taken off a restricted alert loses it
    // before the others named on its node get the new version.
    let gone: Vec<&recipients::Recipient> = previous
        .iter()
        .filter(|r| !visible || !plan.inboxes().any(|(w, _)| w.as_str() == r.inbox))
        .collect();
    if !gone.is_empty() {
        // A withdrawal is final; a loss of audience is said to be one (and
        // to whom: a named organisation, or the whole node), so that the
        // receiver takes the alert back when it is sent again.
        let removal = if visible {
            wire::Removal::OutOfAudience
        } else {
            wire::Removal::Withdrawn
        };
        // Each Delete is addressed like the activity it undoes: the `to` of
        // the last Create or Update the inbox got (for a restricted alert,
        // the organisation named; a receiver reads a loss of audience whose
        // `to` names none of its organisations as the whole node's). One
        // Delete per addressing.
        type Inboxes = Vec<(Url, String)>;
        let mut by_addressing: Vec<(Vec<Url>, Inboxes)> = Vec::new();
        for r in &gone {
            let Ok(inbox) = Url::parse(&r.inbox) else { continue };
            let to = sent_to(r, config, alert);
            match by_addressing.iter_mut().find(|(a, _)| *a == to) {
                Some((_, inboxes)) => inboxes.push((inbox, r.host.clone())),
                None => by_addressing.push((to, vec![(inbox, r.host.clone())])),
            }
        }
        for (to, inboxes) in by_addressing {
            sender
                .enqueue(conn, wire::ObjectVerb::Delete, sender.tombstone(removal), to, inboxes)
                .await?;
        }
        for r in &gone {
            recipients::remove(conn, alert.id, &r.inbox).await?;
        }
    }

    if visible {
        for group in &plan.groups {
            let mut object = alert.object(state, group.to.clone());
            object.proof = Some(signer.proof_of(state, &object)?);
            for (verb, inboxes) in [
                (
                    wire::ObjectVerb::Create,
                    group
                        .inboxes
                        .iter()
                        .filter(|(i, _)| !had(i))
                        .cloned()
                        .collect::<Vec<_>>(),
                ),
                (
                    wire::ObjectVerb::Update,
                    group
                        .inboxes
                        .iter()
                        .filter(|(i, _)| had(i))
                        .cloned()
                        .collect::<Vec<_>>(),
                ),
            ] {
                if !inboxes.is_empty() {
                    sender.enqueue(conn, verb, &object, group.to.clone(), inboxes).await?;
                }
            }
        }
        if only_host.is_none() && alert.audience == Audience::Public {
            record_public_create(conn, &sender).await?;
        }
        if only_host.is_none() {
            addressed_groups(conn, state, signer, alert, &sender.actor, !previous.is_empty(), now).await?;
        }
        for group in &plan.groups {
            for (inbox, host) in &group.inboxes {
                let addressee = group.addressee.as_ref().map(Url::as_str);
                let sent_to = serde_json::to_string(&group.to).expect("URLs serialise");
                recipients::add(conn, alert.id, inbox.as_str(), host, addressee, &sent_to).await?;
            }
        }
    }
    // A withdrawal also reaches the members our own groups passed the alert to.
    if !visible && only_host.is_none() {
        let hosted = crate::db::groups::hosted_group_uris_of_alert_on(&mut *conn, object_id.as_str()).await?;
        for uri in hosted {
            if let Some(group) = crate::db::groups::find_by_uri_on(conn, &uri).await? {
                // As the group passed on the alert: to its audience.
                let (_, body) = sender.signed(
                    wire::ObjectVerb::Delete,
                    sender.tombstone(wire::Removal::Withdrawn),
                    addressing(config, alert.org_slug, alert.audience),
                )?;
                crate::services::group_relay::relay(conn, state, &group, &body, &[], object_id.as_str(), now).await?;
            }
        }
    }
    Ok(())
}

/// The `to` of the last Create or Update `recipient` got: as recorded, else
/// (rows from before it was) the named organisation of a restricted alert, or
/// the alert's audience.
fn sent_to(recipient: &recipients::Recipient, config: &crate::config::Config, alert: &AlertState<'_>) -> Vec<Url> {
    if let Some(to) = recipient.sent_to.as_deref().and_then(|t| serde_json::from_str(t).ok()) {
        return to;
    }
    match recipient.addressee.as_deref().and_then(|a| Url::parse(a).ok()) {
        Some(addressee) => vec![addressee],
        None => addressing(config, alert.org_slug, alert.audience),
    }
}

/// Records a `Create` addressed to the public for a public alert that has
/// none yet, also when it had nobody to go to: its organisation's outbox lists
/// it, and its id can be fetched (`services::activities`).
async fn record_public_create(conn: &mut AnyConnection, sender: &AlertActivities<'_, '_>) -> Result<()> {
    let (state, alert) = (sender.state, sender.alert);
    for create in crate::db::outbox::activities_about(&mut *conn, "Create", alert.id).await? {
        let body: serde_json::Value = serde_json::from_str(&create.body).map_err(|e| Error::Internal(e.into()))?;
        if urls::addresses_public(&body) {
            return Ok(());
        }
    }
    let to = addressing(&state.config, alert.org_slug, alert.audience);
    let mut object = alert.object(state, to.clone());
    object.proof = Some(sender.signer.proof_of(state, &object)?);
    sender
        .enqueue(conn, wire::ObjectVerb::Create, object, to, Vec::new())
        .await
}

/// Groups an alert is addressed to: those this node knows list it, and those
/// that live here relay it to their members themselves (the author's own node
/// is then the group's node).
async fn addressed_groups(
    conn: &mut AnyConnection,
    state: &AppState,
    signer: &integrity::Signer,
    alert: &AlertState<'_>,
    actor: &Url,
    had_recipients: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let object_id = urls::alert(&state.config, alert.id);
    for uri in &alert.content.groups {
        let Some(group) = crate::db::groups::find_by_uri_on(conn, uri).await? else {
            continue;
        };
        if !group.hosted {
            crate::db::groups::record_group_alert(conn, &group.id, object_id.as_str(), crate::clock::to_millis(now))
                .await?;
            continue;
        }
        if !matches!(alert.audience, Audience::Public | Audience::Network) {
            continue;
        }
        let member = crate::db::groups::member_state_on(&mut *conn, &group.id, actor.as_str()).await?;
        if member != Some(MemberState::Accepted) {
            continue;
        }
        crate::db::groups::record_group_alert(conn, &group.id, object_id.as_str(), crate::clock::to_millis(now))
            .await?;
        let to = addressing(&state.config, alert.org_slug, alert.audience);
        let mut object = alert.object(state, to.clone());
        object.proof = Some(signer.proof_of(state, &object)?);
        let mut body = wire::to_value(&wire::ObjectActivity {
            context: wire::OurContext,
            id: urls::activity(&state.config, &new_id()),
            kind: if had_recipients {
                wire::ObjectVerb::Update
            } else {
                wire::ObjectVerb::Create
            },
            actor: actor.clone(),
            object,
            to,
            published: now,
            proof: None,
        });
        signer.sign(state, &mut body)?;
        crate::services::group_relay::relay(conn, state, &group, &body, &[], object_id.as_str(), now).await?;
    }
    Ok(())
}

/// After this node's trust in `host` changed, or `host` accepted us: every
/// visible alert it may now see goes to it again (receivers keep the newest
/// version), and those it may no longer see are deleted there.
pub async fn reconcile_host(state: &AppState, host: &str) -> Result<()> {
    let ids = crate::db::alerts::federated_ids(&state.db.pool).await?;
    for id in ids {
        let Some(stored) = crate::db::alerts::get(&state.db, &id).await? else {
            continue;
        };
        let (draft, row) = crate::services::alerts::federation_view(&stored)?;
        let plan = match plan(
            state,
            &row.org_id,
            &row.org_slug,
            draft.audience,
            &draft.restricted_to,
            &draft.content.groups,
            Unfederated::LeaveOut,
        )
        .await
        {
            Ok(plan) => plan,
            // A named organisation's node may be unreachable or no longer federate.
            Err(err) => {
                tracing::warn!(alert = %row.number, error = %err, "cannot re-plan an alert's delivery");
                continue;
            }
        };
        let now = state.clock.now();
        let signer =
            integrity::Signer::load(state, &row.org_id, &urls::org_actor(&state.config, &row.org_slug)).await?;
        let mut tx = state.db.pool.begin().await?;
        let history = crate::services::alerts::wire_history(&mut tx, &row.id).await?;
        let alert = crate::services::alerts::alert_state(&row, &draft, history)?;
        federate_to(&mut tx, state, &signer, &alert, &plan, Some(host), now).await?;
        tx.commit().await?;
    }
    state.deliveries.notify_one();
    Ok(())
}
