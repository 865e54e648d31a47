//! Alerts received from other nodes: storing them (only from their author,
//! only with the author's proofs), relaying them through our groups, and
//! taking them away again when withdrawn or out of their audience.

use std::sync::Arc;

use activitypub_federation::config::Data;
use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use crate::clock::to_millis;
use crate::db::new_id;
use crate::db::remote_alerts::{self, RemoteAlertRow, Upserted};
use crate::domain::vocab::Audience;
use crate::error::{Error, Result};
use crate::federation::receiving::{Received, Receiving};
use crate::federation::wire::{self, AlertObject};
use crate::federation::{integrity, urls};
use crate::services::accounts::Staff;
use crate::state::AppState;

/// Who on this node sees an alert received from another node: a `restricted`
/// alert only the organisations it names, any other every organisation here.
/// The one place of this rule (`db::remote_alerts::list` applies it in SQL,
/// for paging; the tests hold the two to the same answers).
pub async fn may_see(state: &AppState, staff: &Staff, row: &RemoteAlertRow) -> Result<bool> {
    Ok(row.sharing != Audience::Restricted || remote_alerts::names_org(&state.db, &row.id, &staff.org_id).await?)
}

/// A received alert, by its id on this node, as `staff` may see it: the same
/// 404 whether it does not exist or is not for them, and 410 once withdrawn.
pub async fn get_visible(state: &AppState, staff: &Staff, local_id: &str) -> Result<RemoteAlertRow> {
    let row = remote_alerts::find_by_local_id(&state.db, local_id)
        .await?
        .ok_or(Error::NotFound("network alert"))?;
    if !may_see(state, staff, &row).await? {
        return Err(Error::NotFound("network alert"));
    }
    if row.deleted_at.is_some() {
        return Err(Error::Gone(format!(
            "alert {} was withdrawn by its author; its content was purged",
            row.number
        )));
    }
    Ok(row)
}

/// A received alert as staff read it: the document its author sent, who the
/// author is, and what the author's integrity proof on it claims.
#[derive(Debug, Clone)]
pub struct ReceivedAlert {
    pub row: RemoteAlertRow,
    /// As received, its HTML sanitised (see [`on_alert`]).
    pub alert: AlertObject,
    /// The author organisation's name, as its actor document gives it.
    pub author_name: Option<String>,
    /// The key and time the author's proof on the alert names. Nothing is
    /// stored about verifying it because nothing unverified is stored: the
    /// alert was written here only after [`on_alert`] verified this proof
    /// and the activity's.
    pub proof: Option<crate::federation::proof::ProofClaims>,
}

/// A received alert, by its id on this node, with its document, as `staff`
/// may see it (the answers of [`get_visible`]).
pub async fn read_visible(state: &AppState, staff: &Staff, local_id: &str) -> Result<ReceivedAlert> {
    let row = get_visible(state, staff, local_id).await?;
    let alert: AlertObject = serde_json::from_str(&row.document)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored remote alert unreadable: {e}")))?;
    let author_name = crate::db::actors::find_remote(&state.db.pool, &row.attributed_to)
        .await?
        .and_then(|actor| actor.name);
    let proof = alert
        .proof
        .as_ref()
        .and_then(|proof| crate::federation::proof::claims(&serde_json::json!({ "proof": proof })).ok());
    Ok(ReceivedAlert {
        row,
        alert,
        author_name,
        proof,
    })
}

/// Create or Update of an Alert. Only its author may make or change it, and
/// only with integrity proofs by the author's own keys.
pub async fn on_alert(
    state: &AppState,
    data: &Data<AppState>,
    receiving: &mut Receiving,
    activity: &Received,
    alert: AlertObject,
    host: &str,
) -> Result<()> {
    // Groups of ours it is addressed to relay it to their members (checked first,
    // as it needs no fetch); groups elsewhere that we know list it.
    let groups = crate::services::group_relay::addressed(state, alert.to.iter().chain(alert.cc.iter())).await?;
    let relaying = crate::services::group_relay::relaying(state, &groups, &alert.attributed_to, alert.sharing).await?;
    // The activity and the alert each carry a proof by the author.
    integrity::verify_with_object(
        state,
        data,
        receiving,
        &activity.raw,
        &activity.actor,
        &alert.attributed_to,
    )
    .await?;

    // Named organisations of a restricted alert: only ours count.
    let mut recipients = Vec::new();
    if alert.sharing == Audience::Restricted {
        for to in alert.to.iter().chain(alert.cc.iter()) {
            if let Some(slug) = urls::local_org_slug(&state.config, to)
                && let Some(org) = crate::db::accounts::find_org_by_slug(&state.db, &slug).await?
            {
                recipients.push(org.id);
            }
        }
        if recipients.is_empty() {
            return Err(Error::Forbidden(
                "this restricted alert names no organisation on this node".into(),
            ));
        }
    }

    let now = state.clock.now();
    let content = alert.domain_content();
    let mut search = String::new();
    for map in [&content.title, &content.summary, &content.body, &content.link_to_work] {
        for text in map.values() {
            search.push_str(&text.to_lowercase());
            search.push('\n');
        }
    }
    // Stored as received but for its HTML, which is sanitised once, here.
    let mut stored = alert.clone();
    stored.content_map = content.body.clone();
    stored.content = stored.content.as_deref().map(ammonia::clean);
    let row = RemoteAlertRow {
        id: alert.id.to_string(),
        // Used only if the alert is new here (set for each run of the write).
        local_id: String::new(),
        origin_host: host.to_string(),
        attributed_to: alert.attributed_to.to_string(),
        number: alert.number.clone(),
        status: alert.alert_status,
        sharing: alert.sharing,
        urgency: alert.urgency,
        severity: alert.severity,
        certainty: alert.certainty,
        country: alert.location.country.to_ascii_uppercase(),
        title: alert.name.clone(),
        search_text: search,
        document: serde_json::to_string(&stored).map_err(anyhow::Error::from)?,
        version: alert.version,
        published_at: to_millis(alert.published),
        updated_at: to_millis(alert.updated),
        received_at: to_millis(now),
        deleted_at: None,
    };
    let keys = crate::domain::list_keys::ListKeys::of(
        &content,
        alert.urgency,
        &row.country,
        Some(alert.published),
        alert.closing(),
    );
    let violations: Vec<String> = alert.violation_types.iter().map(|v| v.as_str().to_string()).collect();
    // Listed under a group of ours only if that group relays it.
    let listed_under: Vec<String> = groups
        .known
        .iter()
        .filter(|g| !g.hosted || relaying.iter().any(|r| r.id == g.id))
        .map(|g| g.id.clone())
        .collect();
    let relayed = (!relaying.is_empty()).then(|| activity.raw.clone());
    let facts = notice_facts(&alert);
    // Shared by each run of the write (a batch that fails may run it again).
    let write = Arc::new(AlertWrite {
        state: state.clone(),
        host: host.to_string(),
        row,
        keys,
        violations,
        recipients,
        relaying,
        relayed,
        listed_under,
        facts,
        now,
    });
    // Marked as processed with its effect, in one commit.
    let processed = crate::db::Processed {
        activity_id: activity.id.to_string(),
        actor: activity.actor.to_string(),
        received_at: to_millis(now),
    };
    // Committed with the other alerts arriving now (see `db::group_commit`).
    let written = state
        .db
        .write(
            Box::new(move |conn| {
                let write = write.clone();
                Box::pin(async move { write.run(conn).await })
            }),
            Some(processed),
        )
        .await?;
    receiving.note_marked(activity.id.as_str());
    if written {
        state.deliveries.notify_one();
    }
    state.notices.notify_one();
    Ok(())
}

/// What subscriptions look at in a received alert.
fn notice_facts(alert: &AlertObject) -> crate::domain::notify::AlertFacts {
    crate::domain::notify::AlertFacts {
        urgency: alert.urgency,
        audience: alert.sharing,
        country: alert.location.country.to_ascii_uppercase(),
        violation_types: alert.violation_types.clone(),
        rights: alert.rights_concerned.clone(),
        sectors: alert.business_link.iter().map(|b| b.sector).collect(),
        // Whatever it is addressed to: group actors among them match a group filter.
        groups: alert.to.iter().chain(alert.cc.iter()).map(|u| u.to_string()).collect(),
        author: alert.attributed_to.to_string(),
        languages: alert.name_map.keys().cloned().collect(),
    }
}

/// What storing one received alert writes, in the transaction of its batch.
struct AlertWrite {
    state: AppState,
    host: String,
    row: RemoteAlertRow,
    keys: crate::domain::list_keys::ListKeys,
    violations: Vec<String>,
    recipients: Vec<String>,
    relaying: Vec<crate::db::groups::GroupRow>,
    relayed: Option<Value>,
    listed_under: Vec<String>,
    facts: crate::domain::notify::AlertFacts,
    now: DateTime<Utc>,
}

impl AlertWrite {
    /// Stores the alert (if it is new or newer) and relays it through our
    /// groups; true when there is something to send.
    async fn run(&self, conn: &mut sqlx::AnyConnection) -> Result<bool> {
        let row = RemoteAlertRow {
            local_id: new_id(),
            ..self.row.clone()
        };
        // Decided in the write's transaction: no other delivery of this alert
        // can come between the check of its author and the write.
        let upserted = remote_alerts::upsert(conn, &row, &self.keys, &self.violations, &self.recipients).await?;
        if upserted == Upserted::OtherAuthor {
            return Err(Error::Forbidden("only the alert's author may change it".into()));
        }
        let written = upserted == Upserted::Stored;
        // Notices in the same commit: a new alert, or the same version of a
        // restricted one sent for another organisation named here (whose
        // staff have not heard of it). Each person hears of an alert once.
        if written || (upserted == Upserted::Unchanged && row.sharing == Audience::Restricted) {
            crate::services::notifications::queue_network_alert(conn, &row.id, &self.facts, &self.recipients, self.now)
                .await?;
        }
        if written && let Some(relayed) = &self.relayed {
            for group in &self.relaying {
                crate::services::group_relay::relay(
                    conn,
                    &self.state,
                    group,
                    relayed,
                    &[self.host.as_str()],
                    &row.id,
                    self.now,
                )
                .await?;
            }
        }
        for group_id in &self.listed_under {
            crate::db::groups::record_group_alert(conn, group_id, &row.id, to_millis(self.now)).await?;
        }
        Ok(written && self.relayed.is_some())
    }
}

/// Delete of an Alert: purge it, keep a tombstone. Only its author may. A
/// withdrawal is final; a loss of audience (`removal: out_of_audience`) is
/// not: it takes the alert away from the organisations of ours the `Delete`
/// names (a restricted alert), or from the whole node, until the origin sends
/// it again (see `remote_alerts::upsert`).
pub async fn on_delete(
    state: &AppState,
    data: &Data<AppState>,
    receiving: &mut Receiving,
    activity: &Received,
    deleted: &wire::DeletedObject,
    host: &str,
) -> Result<()> {
    let (target, removal, removed_version) = (&deleted.id, deleted.removal, deleted.version);
    let removal_name = match removal {
        wire::Removal::Withdrawn => remote_alerts::WITHDRAWN,
        wire::Removal::OutOfAudience => remote_alerts::OUT_OF_AUDIENCE,
    };
    let Some(existing) = remote_alerts::find_by_id(&state.db, target.as_str()).await? else {
        // An alert we never got (its Create may come later, out of order, or
        // be replayed): keep a tombstone so that it can never appear here.
        // Anything else (an actor deleting itself, say) is not ours to record.
        if deleted.former_type.as_deref() == Some("Alert")
            && crate::federation::urls::host_of(target).as_deref() == Some(host)
        {
            integrity::verify_by(state, data, receiving, &activity.raw, &activity.actor).await?;
            let now = state.clock.now();
            let tombstone =
                wire::to_value(&wire::Tombstone::new(wire::FormerType::Alert, target.clone(), now)).to_string();
            let _turn = state.db.write_turn().await;
            let mut tx = state.db.pool.begin().await?;
            remote_alerts::insert_tombstone(
                &mut tx,
                target.as_str(),
                &new_id(),
                host,
                activity.actor.as_str(),
                &tombstone,
                removal_name,
                removed_version,
                to_millis(now),
            )
            .await?;
            receiving
                .mark_received(&mut tx, activity.id.as_str(), activity.actor.as_str(), now)
                .await?;
            tx.commit().await?;
        }
        return Ok(());
    };
    if existing.origin_host != host || existing.attributed_to != activity.actor.as_str() {
        return Err(Error::Forbidden("only the alert's author may withdraw it".into()));
    }
    integrity::verify_by(state, data, receiving, &activity.raw, &activity.actor).await?;
    let now = state.clock.now();
    let tombstone = wire::to_value(&wire::Tombstone::new(wire::FormerType::Alert, target.clone(), now)).to_string();
    if removal == wire::Removal::OutOfAudience {
        // The organisations of ours it names lose a restricted alert; a
        // `Delete` that names none is for the whole node.
        let mut named = Vec::new();
        for to in activity.raw["to"].as_array().into_iter().flatten() {
            if let Some(slug) = to
                .as_str()
                .and_then(|t| Url::parse(t).ok())
                .and_then(|u| urls::local_org_slug(&state.config, &u))
                && let Some(org) = crate::db::accounts::find_org_by_slug(&state.db, &slug).await?
            {
                named.push(org.id);
            }
        }
        let _turn = state.db.write_turn().await;
        let mut tx = state.db.pool.begin().await?;
        if !named.is_empty() {
            remote_alerts::remove_recipients(
                &mut tx,
                target.as_str(),
                &named,
                &tombstone,
                removed_version,
                to_millis(now),
            )
            .await?;
        } else if remote_alerts::live_sharing(&mut tx, target.as_str()).await?.as_deref() != Some("restricted") {
            // A restricted alert is taken from each named organisation by a
            // `Delete` naming it (its node, as such, never had it).
            remote_alerts::purge(
                &mut tx,
                target.as_str(),
                &tombstone,
                remote_alerts::OUT_OF_AUDIENCE,
                removed_version,
                to_millis(now),
            )
            .await?;
        }
        // Never relayed: the alert is still for the others that got it.
        receiving
            .mark_received(&mut tx, activity.id.as_str(), activity.actor.as_str(), now)
            .await?;
        tx.commit().await?;
        return Ok(());
    }
    // Our groups that relayed the alert relay its withdrawal.
    let relaying = crate::services::group_relay::hosted_groups_of_alert(state, target.as_str()).await?;
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    let purged = remote_alerts::purge(
        &mut tx,
        target.as_str(),
        &tombstone,
        remote_alerts::WITHDRAWN,
        removed_version,
        to_millis(now),
    )
    .await?;
    // Relayed once, when it takes effect: a repeated Delete goes nowhere (and
    // two groups relaying to each other cannot loop).
    for group in relaying.iter().filter(|_| purged) {
        crate::services::group_relay::relay(&mut tx, state, group, &activity.raw, &[host], target.as_str(), now)
            .await?;
    }
    receiving
        .mark_received(&mut tx, activity.id.as_str(), activity.actor.as_str(), now)
        .await?;
    tx.commit().await?;
    if purged {
        // The purged text must not live on in the WAL.
        state.db.scrub_purged().await;
    }
    state.deliveries.notify_one();
    Ok(())
}
