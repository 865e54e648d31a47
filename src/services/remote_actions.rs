//! Solidarity actions between nodes (`federation/README.md`, "Solidarity
//! actions"). The acting node sends `Create`, `Update` or `Delete` of a
//! `SolidarityAction` to the alert's origin. The origin alone knows who got
//! the alert, so it passes shareable actions on to the alert's other
//! recipients, wrapped unchanged in an `Announce` by the alert's author.
//! Receivers check the action's proof against its author, and accept a relay
//! only from the alert's own origin.

use activitypub_federation::config::Data;
use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::AnyConnection;
use url::Url;

use crate::clock::to_millis;
use crate::db::actions::{self as q, ActionRow};
use crate::db::{new_id, remote_alerts};
use crate::domain::vocab::{ActionKind, AlertStatus, Audience, MemberState, Trust};
use crate::error::{Error, Result};
use crate::federation::actors::RemoteActor;
use crate::federation::outbox;
use crate::federation::receiving::{Received, Receiving};
use crate::federation::wire::object_id;
use crate::federation::wire::{self, ActionObject};
use crate::federation::{integrity, urls};
use crate::services::peers;
use crate::state::AppState;

/// Whether an object is an action this node holds.
pub async fn is_known_action(state: &AppState, id: &Url) -> Result<bool> {
    Ok(q::find_by_id(&state.db, id.as_str()).await?.is_some())
}

/// Whether actions on an alert of this audience are passed on to its other
/// recipients. Restricted alerts are not: named organisations must not learn
/// who else was named.
pub fn relayed_for(audience: Audience, kind: ActionKind) -> bool {
    kind != ActionKind::SupportOffer && matches!(audience, Audience::Public | Audience::Network | Audience::Trusted)
}

/// The inboxes that got one of our alerts, but for those on `except_host`.
pub async fn alert_recipients(
    conn: &mut AnyConnection,
    alert_id: &str,
    except_host: Option<&str>,
) -> Result<Vec<(Url, String)>> {
    let rows = crate::db::alert_recipients::inboxes(conn, alert_id).await?;
    Ok(rows
        .into_iter()
        .filter(|(_, h)| except_host != Some(h.as_str()))
        .filter_map(|(i, h)| Url::parse(&i).ok().map(|u| (u, h)))
        .collect())
}

/// Writes one activity carrying an action (signed already) or its tombstone
/// to the outbox, signed by the acting organisation.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue(
    conn: &mut AnyConnection,
    state: &AppState,
    signer: &integrity::Signer,
    org_id: &str,
    actor: &Url,
    verb: wire::ObjectVerb,
    object: impl Serialize,
    action_id: &str,
    to: &[Url],
    inboxes: Vec<(Url, String)>,
    now: DateTime<Utc>,
) -> Result<()> {
    outbox::enqueue_new(conn, state, org_id, verb.as_str(), action_id, inboxes, now, |id| {
        let mut body = wire::to_value(&wire::ObjectActivity {
            context: wire::OurContext,
            id: id.clone(),
            kind: verb,
            actor: actor.clone(),
            object,
            to: to.to_vec(),
            published: now,
            proof: None,
        });
        signer.sign(state, &mut body)?;
        Ok(body)
    })
    .await
}

/// The object of an action as it goes on the wire, signed by its organisation.
pub fn signed_object(
    state: &AppState,
    signer: &integrity::Signer,
    row: &ActionRow,
    draft: &crate::domain::action::ActionDraft,
    to: Vec<Url>,
    cc: Vec<Url>,
) -> Result<ActionObject> {
    let object = ActionObject::build(
        Url::parse(&row.id).map_err(|e| Error::Internal(e.into()))?,
        Url::parse(&row.org_uri).map_err(|e| Error::Internal(e.into()))?,
        Url::parse(&row.alert_uri).map_err(|e| Error::Internal(e.into()))?,
        draft,
        crate::clock::from_millis(row.published_at),
        crate::clock::from_millis(row.updated_at),
        row.version,
        to,
    );
    let mut object = ActionObject { cc, ..object };
    object.proof = Some(signer.proof_of(state, &object)?);
    Ok(object)
}

/// The alert an incoming action answers, and who may act on it.
enum Answered {
    /// One of ours: `audience` decides who may act, and we relay.
    Ours {
        alert_id: String,
        org_id: String,
        org_slug: String,
        audience: Audience,
        status: AlertStatus,
        named: Vec<String>,
    },
    /// One we received: only its origin may pass actions on to us.
    /// One we received: only its origin, or a group it was addressed to, may
    /// pass actions on to us. `via_group` is our own group, when the acting
    /// organisation sent the action to us as that group's node.
    Received {
        status: AlertStatus,
        via_group: Option<crate::db::groups::GroupRow>,
    },
}

/// The groups an alert received from another node is addressed to.
pub fn groups_of_received(document: &str) -> Vec<Url> {
    serde_json::from_str::<wire::AlertObject>(document)
        .map(|a| a.cc)
        .unwrap_or_default()
}

async fn answered(
    state: &AppState,
    alert: &Url,
    transport_host: &str,
    actor: &Url,
    relay: Option<&Url>,
    action_cc: &[Url],
) -> Result<Answered> {
    if let Some(id) = urls::local_alert_id(&state.config, alert) {
        let stored = crate::db::alerts::get(&state.db, &id)
            .await?
            .ok_or(Error::NotFound("alert"))?;
        let (audience, status) = (stored.row.audience, stored.row.status);
        // Unpublished alerts, and those for this node only, do not exist for other nodes.
        if audience == Audience::Node || matches!(status, AlertStatus::Draft | AlertStatus::InReview) {
            return Err(Error::NotFound("alert"));
        }
        return Ok(Answered::Ours {
            alert_id: stored.row.id.clone(),
            org_id: stored.row.org_id.clone(),
            org_slug: stored.row.org_slug.clone(),
            audience,
            status,
            named: stored.named_orgs.clone(),
        });
    }
    let received = remote_alerts::find_by_id(&state.db, alert.as_str())
        .await?
        .ok_or(Error::NotFound("alert"))?;
    let alert_groups = groups_of_received(&received.document);
    if received.origin_host == transport_host {
        // From the origin's own node: if it names a group of ours, we pass it on.
        let via_group = if relay.is_none() {
            hosted_group_relaying(state, &alert_groups, action_cc, actor).await?
        } else {
            None
        };
        return Ok(Answered::Received {
            status: received.status,
            via_group,
        });
    }
    // Otherwise only through a group the alert is addressed to, and the action too.
    if let Some(relay) = relay
        && alert_groups.contains(relay)
        && action_cc.contains(relay)
    {
        return Ok(Answered::Received {
            status: received.status,
            via_group: None,
        });
    }
    if relay.is_none()
        && let Some(group) = hosted_group_relaying(state, &alert_groups, action_cc, actor).await?
    {
        return Ok(Answered::Received {
            status: received.status,
            via_group: Some(group),
        });
    }
    Err(Error::Forbidden(format!(
        "actions on {alert} reach this node only from the alert's origin ({}) or through a group it was \
         addressed to, not from {transport_host} (and {actor} may not send them here directly)",
        received.origin_host
    )))
}

/// A group of ours that both the alert and the action name, and in which the
/// acting organisation is an accepted member: this node passes the action on.
async fn hosted_group_relaying(
    state: &AppState,
    alert_groups: &[Url],
    action_cc: &[Url],
    actor: &Url,
) -> Result<Option<crate::db::groups::GroupRow>> {
    for group in action_cc.iter().filter(|g| alert_groups.contains(g)) {
        if let Some(row) = crate::db::groups::find_by_uri(&state.db, group.as_str()).await?
            && row.hosted
            && crate::db::groups::member(&state.db, &row.id, actor.as_str())
                .await?
                .is_some_and(|m| m.state == MemberState::Accepted)
        {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// Whether the acting organisation's node was allowed to see our alert.
async fn may_act(state: &AppState, actor: &Url, host: &str, audience: Audience, named: &[String]) -> Result<()> {
    let trust = peers::trust_of(state, host).await?;
    let allowed = match audience {
        Audience::Node => false,
        Audience::Restricted => named.iter().any(|n| n == actor.as_str()),
        Audience::Trusted => trust == Some(Trust::Trusted),
        Audience::Network | Audience::Public => trust.is_some_and(|t| t.federates()),
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "{actor} is outside this alert's audience (`{audience}`): it may not act on it"
        )))
    }
}

/// Create or Update of a SolidarityAction, sent by its author or relayed by
/// the origin of the alert it answers.
pub async fn on_action(
    state: &AppState,
    data: &Data<AppState>,
    receiving: &mut Receiving,
    activity: &Received,
    action: ActionObject,
    host: &str,
    relay: Option<&Url>,
) -> Result<()> {
    let transport_host = match relay {
        Some(r) => crate::federation::urls::host_of(r).ok_or_else(|| Error::BadRequest("relay without host".into()))?,
        None => host.to_string(),
    };
    let answered = answered(
        state,
        &action.in_reply_to,
        &transport_host,
        &activity.actor,
        relay,
        &action.cc,
    )
    .await?;
    let existing = q::find_by_id(&state.db, action.id.as_str()).await?;
    if let Some(existing) = &existing
        && (existing.org_uri != activity.actor.as_str() || existing.alert_uri != action.in_reply_to.as_str())
    {
        return Err(Error::Forbidden("only the action's author may change it".into()));
    }
    if let Some(existing) = &existing
        && existing.kind != action.action_kind.as_str()
    {
        return Err(Error::BadRequest(format!(
            "an action's kind cannot change (it is `{}`)",
            existing.kind
        )));
    }
    action
        .draft()
        .validate(state.clock.now(), false)
        .map_err(|errors| Error::BadRequest(format!("the SolidarityAction is not valid: {:?}", errors.0)))?;
    let mut relay_to = None;
    let mut group_relay = None;
    match &answered {
        Answered::Ours {
            alert_id,
            org_id,
            org_slug,
            audience,
            status,
            named,
        } => {
            if relay.is_some() {
                return Err(Error::Forbidden(
                    "actions on this node's alerts must come from their authors, not through a relay".into(),
                ));
            }
            may_act(state, &activity.actor, host, *audience, named).await?;
            check_open(*status, action.action_kind, existing.is_some())?;
            let was_shared = existing.as_ref().is_some_and(|e| e.shareable);
            if relayed_for(*audience, action.action_kind) && (action.shareable || was_shared) {
                // Shared: the activity itself goes on. No longer shared: only
                // the news that it is withdrawn, never its new (private) content.
                relay_to = Some((
                    alert_id.clone(),
                    org_id.clone(),
                    urls::org_actor(&state.config, org_slug),
                    !action.shareable,
                ));
            }
            if action.action_kind == ActionKind::Cosign && existing.is_none() {
                let signed = q::for_alert(&state.db, action.in_reply_to.as_str())
                    .await?
                    .iter()
                    .any(|a| a.kind == "cosign" && a.org_uri == activity.actor.as_str());
                if signed {
                    return Err(Error::Conflict(format!(
                        "{} has already co-signed this alert",
                        activity.actor
                    )));
                }
            }
        }
        Answered::Received { status, via_group } => {
            if *status == AlertStatus::Withdrawn {
                return Ok(());
            }
            if let Some(group) = via_group
                && action.shareable
            {
                group_relay = Some(group.clone());
            }
            if !action.shareable {
                // Not for us: the origin withdraws what it shared with an
                // `Undo` of its `Announce`, never by passing on private content.
                return Ok(());
            }
        }
    }
    // The activity and the action each carry a proof by the acting organisation.
    integrity::verify_with_object(
        state,
        data,
        receiving,
        &activity.raw,
        &activity.actor,
        &action.attributed_to,
    )
    .await?;
    let author = ObjectId::<RemoteActor>::from(activity.actor.clone())
        .dereference(data)
        .await?;

    let now = state.clock.now();
    let draft = action.draft();
    let mut stored = action.clone();
    stored.content_map = draft.content.clone();
    stored.content = stored.content.as_deref().map(ammonia::clean);
    let row = ActionRow {
        id: action.id.to_string(),
        local_id: existing.as_ref().map(|e| e.local_id.clone()).unwrap_or_else(new_id),
        alert_uri: action.in_reply_to.to_string(),
        org_uri: action.attributed_to.to_string(),
        org_name: author.name.clone().unwrap_or_else(|| action.attributed_to.to_string()),
        org_id: None,
        kind: action.action_kind.as_str().to_string(),
        shareable: action.shareable,
        content: serde_json::to_string(&draft.content).map_err(anyhow::Error::from)?,
        addressee: draft.addressee.clone(),
        due_at: draft.due.map(to_millis),
        support_type: draft.support_type.map(|s| s.as_str().to_string()),
        outcome: draft.outcome.map(|o| o.as_str().to_string()),
        document: serde_json::to_string(&stored).map_err(anyhow::Error::from)?,
        version: action.version,
        published_at: to_millis(action.published),
        updated_at: to_millis(action.updated),
        received_at: to_millis(now),
        deleted_at: None,
    };
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    let written = q::upsert(&mut tx, &row).await?;
    if written {
        crate::services::analysis::recount_actions(&mut tx, state, &row.alert_uri).await?;
    }
    // A new response to an alert of ours: its organisation hears of it.
    let notices = match &answered {
        Answered::Ours { org_id, .. } if written && existing.is_none() => {
            crate::services::notifications::queue_response(&mut tx, &row.id, org_id, now).await?
        }
        _ => 0,
    };
    if written && let Some(group) = &group_relay {
        // As the group's node: on to the other members, not back to the author
        // nor to the alert's origin (the author sends it there itself).
        let origin = crate::federation::urls::host_of(&action.in_reply_to).unwrap_or_default();
        crate::services::group_relay::relay(
            &mut tx,
            state,
            group,
            &activity.raw,
            &[host, &origin],
            action.id.as_str(),
            now,
        )
        .await?;
    }
    if written && let Some((alert_id, org_id, announcer, unshared)) = &relay_to {
        let inboxes = alert_recipients(&mut tx, alert_id, Some(host)).await?;
        if *unshared {
            unshare(&mut tx, state, org_id, announcer, &action.id, inboxes, now).await?;
        } else {
            announce(
                &mut tx,
                state,
                org_id,
                announcer,
                &activity.raw,
                &action.id,
                inboxes,
                now,
            )
            .await?;
        }
    }
    receiving
        .mark_received(&mut tx, activity.id.as_str(), activity.actor.as_str(), now)
        .await?;
    tx.commit().await?;
    state.deliveries.notify_one();
    if notices > 0 {
        state.notices.notify_one();
    }
    Ok(())
}

/// New actions only on open alerts; once closed, only reports of what came of it.
pub fn check_open(status: AlertStatus, kind: ActionKind, existing: bool) -> Result<()> {
    match status {
        AlertStatus::Open => Ok(()),
        AlertStatus::Closed if existing || kind == ActionKind::Report => Ok(()),
        AlertStatus::Closed => Err(Error::Conflict(
            "the alert is closed: only reports of what came of it can still be recorded".into(),
        )),
        _ => Err(Error::Conflict("the alert is not open".into())),
    }
}

/// Passes an action's activity on, unchanged, to the alert's other recipients.
#[allow(clippy::too_many_arguments)]
async fn announce(
    conn: &mut AnyConnection,
    state: &AppState,
    org_id: &str,
    announcer: &Url,
    activity: &Value,
    action_id: &Url,
    inboxes: Vec<(Url, String)>,
    now: DateTime<Utc>,
) -> Result<()> {
    outbox::enqueue_new(
        conn,
        state,
        org_id,
        "Announce",
        action_id.as_str(),
        inboxes,
        now,
        |id| {
            Ok(wire::to_value(&wire::Announce {
                context: wire::OurContext,
                id: id.clone(),
                kind: wire::AnnounceType,
                actor: announcer.clone(),
                object: activity.clone(),
                to: Vec::new(),
                published: now,
            }))
        },
    )
    .await
}

/// Tells the alert's other recipients that an action it passed on is no
/// longer shared: an `Undo` of the `Announce`, naming the action only.
pub async fn unshare(
    conn: &mut AnyConnection,
    state: &AppState,
    org_id: &str,
    announcer: &Url,
    action_id: &Url,
    inboxes: Vec<(Url, String)>,
    now: DateTime<Utc>,
) -> Result<()> {
    outbox::enqueue_new(conn, state, org_id, "Undo", action_id.as_str(), inboxes, now, |id| {
        Ok(wire::to_value(&wire::UndoAnnounce {
            context: wire::ActivityStreamsContext,
            id: id.clone(),
            kind: wire::UndoType,
            actor: announcer.clone(),
            object: wire::AnnouncementOf {
                kind: wire::AnnounceType,
                actor: announcer.clone(),
                object: action_id.clone(),
            },
            published: now,
        }))
    })
    .await
}

/// `Undo` of an `Announce` of an action, from the origin of the alert it
/// answers: the action is no longer shared with this node. Its content is
/// dropped and a tombstone kept, so that an older copy cannot bring it back.
pub async fn on_unshared(
    state: &AppState,
    receiving: &mut Receiving,
    activity: &Received,
    target: &Url,
    host: &str,
) -> Result<()> {
    let Some(existing) = q::find_by_id(&state.db, target.as_str()).await? else {
        return Ok(());
    };
    let alert = Url::parse(&existing.alert_uri).map_err(|e| Error::Internal(e.into()))?;
    let origin = remote_alerts::find_by_id(&state.db, alert.as_str())
        .await?
        .map(|r| r.origin_host);
    if origin.as_deref() != Some(host) || existing.org_id.is_some() {
        return Err(Error::Forbidden(
            "only the origin of the alert may withdraw an action it shared".into(),
        ));
    }
    let now = state.clock.now();
    let tombstone = wire::to_value(&wire::Tombstone::new(
        wire::FormerType::SolidarityAction,
        target.clone(),
        now,
    ))
    .to_string();
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    if q::retract(&mut tx, target.as_str(), &tombstone, to_millis(now)).await? {
        crate::services::analysis::recount_actions(&mut tx, state, alert.as_str()).await?;
    }
    receiving
        .mark_received(&mut tx, activity.id.as_str(), activity.actor.as_str(), now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Delete of an action this node holds: only its author may retract it.
pub async fn on_action_retracted(
    state: &AppState,
    data: &Data<AppState>,
    receiving: &mut Receiving,
    activity: &Received,
    host: &str,
    relay: Option<&Url>,
) -> Result<()> {
    let target = object_id(&activity.raw["object"]).ok_or_else(|| Error::BadRequest("Delete without object".into()))?;
    let existing = q::find_by_id(&state.db, target.as_str())
        .await?
        .ok_or(Error::NotFound("action"))?;
    if existing.org_uri != activity.actor.as_str() || crate::federation::urls::host_of(&target).as_deref() != Some(host)
    {
        return Err(Error::Forbidden("only the action's author may retract it".into()));
    }
    let alert = Url::parse(&existing.alert_uri).map_err(|e| Error::Internal(e.into()))?;
    let transport_host = match relay {
        Some(r) => crate::federation::urls::host_of(r).ok_or_else(|| Error::BadRequest("relay without host".into()))?,
        None => host.to_string(),
    };
    // A retraction travels where the action did: the groups it was sent through.
    let action_cc = serde_json::from_str::<ActionObject>(&existing.document)
        .map(|a| a.cc)
        .unwrap_or_default();
    let answered = answered(state, &alert, &transport_host, &activity.actor, relay, &action_cc).await?;
    let mut relay_to = None;
    let group_relay = match &answered {
        Answered::Received {
            via_group: Some(group), ..
        } => Some(group.clone()),
        _ => None,
    };
    if let Answered::Ours {
        alert_id,
        org_id,
        org_slug,
        audience,
        ..
    } = &answered
    {
        if relay.is_some() {
            return Err(Error::Forbidden(
                "actions on this node's alerts must come from their authors, not through a relay".into(),
            ));
        }
        let kind: ActionKind = existing.kind.parse().unwrap_or(ActionKind::SupportOffer);
        if existing.shareable && relayed_for(*audience, kind) {
            relay_to = Some((
                alert_id.clone(),
                org_id.clone(),
                urls::org_actor(&state.config, org_slug),
            ));
        }
    }
    integrity::verify_by(state, data, receiving, &activity.raw, &activity.actor).await?;
    let now = state.clock.now();
    let tombstone = wire::to_value(&wire::Tombstone::new(
        wire::FormerType::SolidarityAction,
        target.clone(),
        now,
    ))
    .to_string();
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    let retracted = q::retract(&mut tx, target.as_str(), &tombstone, to_millis(now)).await?;
    if retracted {
        crate::services::analysis::recount_actions(&mut tx, state, alert.as_str()).await?;
    }
    if retracted && let Some((alert_id, org_id, announcer)) = &relay_to {
        let inboxes = alert_recipients(&mut tx, alert_id, Some(host)).await?;
        announce(&mut tx, state, org_id, announcer, &activity.raw, &target, inboxes, now).await?;
    }
    if retracted && let Some(group) = &group_relay {
        let origin = crate::federation::urls::host_of(&alert).unwrap_or_default();
        crate::services::group_relay::relay(
            &mut tx,
            state,
            group,
            &activity.raw,
            &[host, &origin],
            target.as_str(),
            now,
        )
        .await?;
    }
    receiving
        .mark_received(&mut tx, activity.id.as_str(), activity.actor.as_str(), now)
        .await?;
    tx.commit().await?;
    state.deliveries.notify_one();
    Ok(())
}
