//! Groups between nodes (FEP-1b12, `federation/README.md`, "Groups"). A group
//! lives on one node as a `Group` actor. Organisations join with `Follow`,
//! which the group's moderators answer with `Accept` or `Reject`, and leave
//! with `Undo`. An alert addressed to a group (in its `cc`) is relayed by the
//! group's node to every member as an `Announce` that wraps the author's
//! activity unchanged, after checking that the author is a member, that the
//! alert is `public` or `network`, and that its proofs verify. The author's node
//! delivers to the peers it knows as well, so the group's node is never the
//! only way an alert travels.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::AnyConnection;
use url::Url;

use crate::clock::to_millis;
use crate::db::groups::{self as q, GroupRow};
use crate::domain::vocab::{Audience, MemberState};
use crate::error::{Error, Result};
use crate::federation::actors::{RemoteActor, group_ref};
use crate::federation::outbox;
use crate::federation::{urls, wire};
use crate::state::AppState;

/// Groups this node knows among an alert's addressees, and which of them live here.
pub struct Addressed {
    pub known: Vec<GroupRow>,
}

impl Addressed {
    pub fn hosted(&self) -> impl Iterator<Item = &GroupRow> {
        self.known.iter().filter(|g| g.hosted)
    }
}

pub async fn addressed(state: &AppState, addressees: impl Iterator<Item = &Url>) -> Result<Addressed> {
    let uris: Vec<&str> = addressees.map(Url::as_str).collect();
    let mut found = q::find_by_uris(&state.db, &uris).await?;
    // In the order they were addressed.
    found.sort_by_key(|group| uris.iter().position(|uri| *uri == group.uri));
    Ok(Addressed { known: found })
}

/// Which of our groups relay an alert: those whose accepted members include
/// its author. A `trusted` or `restricted` alert addressed to one of our groups
/// is refused outright: groups never relay those.
pub async fn relaying(
    state: &AppState,
    addressed: &Addressed,
    author: &Url,
    sharing: Audience,
) -> Result<Vec<GroupRow>> {
    let mut relaying = Vec::new();
    for group in addressed.hosted() {
        if !matches!(sharing, Audience::Public | Audience::Network) {
            return Err(Error::Forbidden(format!(
                "the group {} relays only `public` and `network` alerts, not a `{sharing}` one",
                group.uri
            )));
        }
        match q::member(&state.db, &group.id, author.as_str()).await? {
            Some(m) if m.state == MemberState::Accepted => relaying.push(group.clone()),
            _ => tracing::info!(group = %group.uri, author = %author, "not relaying an alert from a non-member"),
        }
    }
    Ok(relaying)
}

/// Passes an activity on, unchanged, to a group's accepted members, but for
/// those on `except_hosts` (the author's node, say, which has its own copy)
/// and on this node.
pub async fn relay(
    conn: &mut AnyConnection,
    state: &AppState,
    group: &GroupRow,
    activity: &Value,
    except_hosts: &[&str],
    object_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut inboxes: Vec<(Url, String)> = Vec::new();
    for member in q::accepted_members_on(conn, &group.id, &state.config.domain).await? {
        if except_hosts.contains(&member.host.as_str()) || member.host == state.config.domain {
            continue;
        }
        if let Ok(inbox) = Url::parse(&member.inbox)
            && !inboxes.iter().any(|(i, _)| i == &inbox)
        {
            inboxes.push((inbox, member.host));
        }
    }
    let group_actor = Url::parse(&group.uri).map_err(|e| Error::Internal(e.into()))?;
    let followers = Url::parse(&format!("{}/followers", group.uri)).map_err(|e| Error::Internal(e.into()))?;
    outbox::enqueue_new(
        conn,
        state,
        &group_ref(&group.id),
        "Announce",
        object_id,
        inboxes,
        now,
        |id| {
            Ok(wire::to_value(&wire::Announce {
                context: wire::OurContext,
                id: id.clone(),
                kind: wire::AnnounceType,
                actor: group_actor,
                object: activity.clone(),
                to: vec![followers],
                published: now,
            }))
        },
    )
    .await
}

/// Our groups that relayed an alert (to relay its withdrawal too).
pub async fn hosted_groups_of_alert(state: &AppState, alert_uri: &str) -> Result<Vec<GroupRow>> {
    let ids = q::hosted_group_ids_of_alert(&state.db, alert_uri).await?;
    let mut groups = Vec::new();
    for id in ids {
        if let Some(g) = q::find(&state.db, &id).await? {
            groups.push(g);
        }
    }
    Ok(groups)
}

/// A Follow of one of our groups: an organisation asking to join. Recorded as
/// pending for the moderators; a member already accepted stays accepted.
pub async fn on_join_request(
    conn: &mut AnyConnection,
    group: &GroupRow,
    follower: &RemoteActor,
    follow: &Value,
    host: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    q::upsert_join_request(
        conn,
        &group.id,
        follower.id.0.as_str(),
        &follower.name.clone().unwrap_or_else(|| follower.id.0.to_string()),
        follower.delivery_inbox()?.as_str(),
        host,
        &follow.to_string(),
        to_millis(now),
    )
    .await?;
    Ok(())
}

/// Accept or Reject from a group of a Follow by one of our organisations.
/// Returns whether it was about a membership of ours.
/// Returns whether the answer came from a group this node knows.
pub async fn on_membership_answer(
    state: &AppState,
    follow_id: Option<&Url>,
    actor: &Url,
    accepted: bool,
) -> Result<bool> {
    let Some(group) = q::find_by_uri(&state.db, actor.as_str()).await? else {
        return Ok(false);
    };
    let state_name = if accepted {
        MemberState::Accepted
    } else {
        MemberState::Rejected
    };
    let now = to_millis(state.clock.now());
    // Some servers echo the Follow without its id: then any request of ours to this group.
    let answered = match follow_id {
        Some(id) => q::answer_membership_by_follow(&state.db, &group.id, id.as_str(), state_name, now).await?,
        None => q::answer_pending_memberships(&state.db, &group.id, state_name, now).await?,
    };
    if answered == 0 {
        tracing::info!(group = %actor, "an answer from a group to no request of ours");
    }
    Ok(true)
}

/// Undo of a Follow of one of our groups: the organisation leaves. Returns
/// whether the Follow was of one of our groups.
pub async fn on_leave(state: &AppState, actor: &Url, followed: Option<&Url>) -> Result<bool> {
    let Some(followed) = followed else {
        return Ok(false);
    };
    let Some(slug) = urls::local_group_slug(&state.config, followed) else {
        return Ok(false);
    };
    if let Some(group) = q::find_hosted(&state.db, &slug).await? {
        let mut conn = state.db.pool.acquire().await?;
        q::set_member_state(
            &mut conn,
            &group.id,
            actor.as_str(),
            MemberState::Left,
            to_millis(state.clock.now()),
        )
        .await?;
    }
    Ok(true)
}
