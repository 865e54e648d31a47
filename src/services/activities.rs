//! What this node serves of the activities it sent: each one by its id
//! (`/activities/{uuid}`), and an organisation's outbox of the `Create`s of
//! its public alerts.
//!
//! An activity is served to anyone if it was addressed to `as:Public`, else
//! only to a signed GET from a node it was sent to; everyone else gets the
//! same 404 as for an id that does not exist. What it carries is never more
//! than its object allows today:
//!
//! - The `Create` or `Update` of one of our alerts is served with the alert
//!   as it is now (its current version, freshly signed), never the version
//!   sent then: an edit that took something out of an alert takes it out of
//!   its activities too. Who may fetch it is decided again by the alert's
//!   audience today, as for `GET /alerts/{id}`.
//! - An activity whose object was withdrawn, retracted, purged or (for an
//!   `Announce` of an action) is no longer shared answers `410` with the
//!   object's tombstone, and none of the content it carried.
//! - Activities that carry no content of their own (`Delete`, `Follow`,
//!   `Accept`, `Reject`, `Undo`, an actor's `Update`) are served as sent.

use serde_json::Value;
use url::Url;

use crate::db::alerts::StoredAlert;
use crate::db::outbox::{self as q, SentActivity};
use crate::domain::vocab::{AlertStatus, Audience, Trust};
use crate::error::{Error, Result};
use crate::federation::signed_get::Signer;
use crate::federation::{integrity, urls, wire};
use crate::services::{alert_delivery, alerts};
use crate::state::AppState;

/// An activity as served: the document, or the tombstone of what it carried.
#[derive(Debug)]
pub enum Served {
    Found(Value),
    Gone(Value),
}

/// Whether a node (or anyone, with no signer) may fetch one of our alerts
/// today: public ones anyone, others a signed GET from a node its audience
/// allows. Drafts and node-only alerts nobody.
pub fn may_fetch_alert(stored: &StoredAlert, signer: Option<&Signer>) -> bool {
    let (status, audience) = (stored.row.status, stored.row.audience);
    if !matches!(status, AlertStatus::Open | AlertStatus::Closed | AlertStatus::Withdrawn) || audience == Audience::Node
    {
        return false;
    }
    if audience == Audience::Public {
        return true;
    }
    let Some(signer) = signer else { return false };
    if signer.trust == Trust::Blocked {
        return false;
    }
    match audience {
        Audience::Restricted => {
            signer.trust.federates()
                && stored.named_orgs.iter().any(|named| {
                    Url::parse(named).ok().and_then(|u| urls::host_of(&u)).as_deref() == Some(signer.host.as_str())
                })
        }
        other => signer.trust.may_see(other),
    }
}

/// The tombstone of one of our withdrawn alerts, as `GET /alerts/{id}` answers it.
pub fn alert_tombstone(state: &AppState, stored: &StoredAlert) -> Value {
    wire::to_value(&wire::Tombstone::new(
        wire::FormerType::Alert,
        urls::alert(&state.config, &stored.row.id),
        crate::clock::from_millis(stored.row.updated_at),
    ))
}

/// What an activity is about, as far as serving it goes.
enum About {
    /// One of our alerts (by its id here).
    OurAlert(Box<StoredAlert>),
    /// An action, ours or another node's.
    Action(Box<crate::db::actions::ActionRow>),
    /// An alert from another node (relayed by one of our groups).
    RemoteAlert(Box<crate::db::remote_alerts::RemoteAlertRow>),
    /// Nothing whose content the activity carries, or nothing known any more.
    Other,
    /// What it carried is no longer here at all.
    Purged,
}

async fn about(state: &AppState, activity: &SentActivity) -> Result<About> {
    let Some(object) = activity.object_id.as_deref() else {
        return Ok(About::Other);
    };
    let carries_content = matches!(activity.kind.as_str(), "Create" | "Update" | "Announce");
    // Our own alerts' and actions' activities record the object's id here,
    // not its URL; others record the URL.
    let (local_alert, action_url) = match Url::parse(object) {
        Ok(url) => (urls::local_alert_id(&state.config, &url), object.to_string()),
        Err(_) => (
            Some(object.to_string()),
            urls::action(&state.config, object).to_string(),
        ),
    };
    if let Some(id) = local_alert
        && let Some(stored) = crate::db::alerts::get(&state.db, &id).await?
    {
        return Ok(About::OurAlert(Box::new(stored)));
    }
    if let Some(action) = crate::db::actions::find_by_id(&state.db, &action_url).await? {
        return Ok(About::Action(Box::new(action)));
    }
    if let Some(alert) = crate::db::remote_alerts::find_by_id(&state.db, object).await? {
        return Ok(About::RemoteAlert(Box::new(alert)));
    }
    // An object of ours that is no more; or a group's `Follow`, an `Undo` of
    // one, an `Accept` naming a member…
    Ok(if carries_content && Url::parse(object).is_err() {
        About::Purged
    } else {
        About::Other
    })
}

/// `GET /activities/{uuid}`: see the module's description. `signer` is the
/// verified signer of the request, if it was signed.
pub async fn served(state: &AppState, uuid: &str, signer: Option<&Signer>) -> Result<Served> {
    let not_found = || Error::NotFound("activity");
    let id = urls::activity(&state.config, uuid);
    let activity = q::find_activity(&state.db.pool, id.as_str())
        .await?
        .ok_or_else(not_found)?;
    let body: Value = serde_json::from_str(&activity.body).map_err(|e| Error::Internal(e.into()))?;
    let addressed = match signer {
        _ if urls::addresses_public(&body) => true,
        Some(signer) if signer.trust != Trust::Blocked => {
            q::was_sent_to(&state.db.pool, id.as_str(), &signer.host).await?
        }
        _ => false,
    };
    if !addressed {
        return Err(not_found());
    }
    let carries_content = matches!(activity.kind.as_str(), "Create" | "Update" | "Announce");
    match about(state, &activity).await? {
        // A `Delete` says nothing but that the alert went: its recipients
        // may fetch it whatever they may see of the alert now.
        About::OurAlert(stored) if carries_content => {
            if !may_fetch_alert(&stored, signer) {
                return Err(not_found());
            }
            if stored.row.status == AlertStatus::Withdrawn {
                return Ok(Served::Gone(alert_tombstone(state, &stored)));
            }
            if matches!(activity.kind.as_str(), "Create" | "Update") {
                return Ok(Served::Found(alert_activity(state, &stored, &activity, &body).await?));
            }
            Ok(Served::Found(body))
        }
        About::Action(action) if carries_content => {
            let unshared = activity.kind == "Announce" && !action.shareable;
            if action.deleted_at.is_some() || unshared {
                let tombstone = wire::Tombstone::new(
                    wire::FormerType::SolidarityAction,
                    Url::parse(&action.id).map_err(|e| Error::Internal(e.into()))?,
                    crate::clock::from_millis(action.deleted_at.unwrap_or(action.updated_at)),
                );
                return Ok(Served::Gone(wire::to_value(&tombstone)));
            }
            Ok(Served::Found(body))
        }
        About::RemoteAlert(alert) if carries_content => {
            if alert.deleted_at.is_some() || alert.status == AlertStatus::Withdrawn {
                let tombstone = wire::Tombstone::new(
                    wire::FormerType::Alert,
                    Url::parse(&alert.id).map_err(|e| Error::Internal(e.into()))?,
                    crate::clock::from_millis(alert.deleted_at.unwrap_or(alert.updated_at)),
                );
                return Ok(Served::Gone(wire::to_value(&tombstone)));
            }
            Ok(Served::Found(body))
        }
        About::Purged => Err(Error::Gone("what this activity carried was removed".into())),
        About::OurAlert(_) | About::Action(_) | About::RemoteAlert(_) | About::Other => Ok(Served::Found(body)),
    }
}

/// The `Create` or `Update` of one of our alerts as served: its id, type,
/// actor and date as sent, the alert as it is now, addressed as the alert is
/// now (a restricted alert to the organisation that activity named), and a
/// new proof by the organisation.
async fn alert_activity(
    state: &AppState,
    stored: &StoredAlert,
    activity: &SentActivity,
    sent: &Value,
) -> Result<Value> {
    let config = &state.config;
    let to: Vec<Url> = if stored.row.audience == Audience::Restricted {
        serde_json::from_value(sent["to"].clone()).unwrap_or_default()
    } else {
        alert_delivery::addressing(config, &stored.row.org_slug, stored.row.audience)
    };
    let verb = if activity.kind == "Update" {
        wire::ObjectVerb::Update
    } else {
        wire::ObjectVerb::Create
    };
    let actor = urls::org_actor(config, &stored.row.org_slug);
    let object = alerts::wire_object_to(state, stored, to.clone()).await?;
    let mut document = wire::to_value(&wire::ObjectActivity {
        context: wire::OurContext,
        id: Url::parse(&activity.id).map_err(|e| Error::Internal(e.into()))?,
        kind: verb,
        actor: actor.clone(),
        object,
        to,
        published: crate::clock::from_millis(activity.created_at),
        proof: None,
    });
    integrity::sign(state, &stored.row.org_id, &actor, &mut document).await?;
    Ok(document)
}

/// The `Create` of one of our public alerts that its organisation's outbox
/// lists: the first one addressed to the public, as [`served`] serves it.
/// None for an alert published before such a `Create` was always recorded
/// (`alert_delivery::record_public_create`) and that had nobody to go to.
pub async fn public_create(state: &AppState, stored: &StoredAlert) -> Result<Option<Value>> {
    let creates = q::activities_about(&state.db.pool, "Create", &stored.row.id).await?;
    for create in creates {
        let body: Value = serde_json::from_str(&create.body).map_err(|e| Error::Internal(e.into()))?;
        if urls::addresses_public(&body) {
            return Ok(Some(alert_activity(state, stored, &create, &body).await?));
        }
    }
    Ok(None)
}

/// How many items one page of an outbox holds.
pub const OUTBOX_PAGE_SIZE: i64 = 20;

/// One page (from 1) of an organisation's outbox: the `Create`s of its public
/// alerts, newest first, and how many public alerts it has.
pub async fn org_outbox_page(state: &AppState, org_id: &str, page: i64) -> Result<(Vec<Value>, i64)> {
    let total = crate::db::alerts::count_public_of_org(&state.db.pool, org_id).await?;
    let offset = (page - 1).saturating_mul(OUTBOX_PAGE_SIZE);
    let ids = crate::db::alerts::newest_public_ids_of_org(&state.db.pool, org_id, OUTBOX_PAGE_SIZE, offset).await?;
    let mut items = Vec::new();
    for id in ids {
        let Some(stored) = crate::db::alerts::get(&state.db, &id).await? else {
            continue;
        };
        if let Some(create) = public_create(state, &stored).await? {
            items.push(create);
        }
    }
    Ok((items, total))
}
