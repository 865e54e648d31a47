//! Following between nodes: a node asking to federate with this one (a
//! `Follow` of the instance actor), organisations following ours, and the
//! answers and `Undo`s that go with them.

use activitypub_federation::config::Data;

use crate::clock::to_millis;
use crate::db;
use crate::domain::vocab::TheirAnswer;
use crate::error::{Error, Result};
use crate::federation::actors::RemoteActor;
use crate::federation::receiving::Received;
use crate::federation::urls;
use crate::services::peers;
use crate::state::AppState;

/// A `Follow`: a node asking to federate (our instance actor), an organisation
/// following one of ours, or an organisation asking to join one of our groups.
pub async fn on_follow(
    state: &AppState,
    data: &Data<AppState>,
    activity: &Received,
    target: &url::Url,
    host: &str,
) -> Result<()> {
    let follower = activitypub_federation::fetch::object_id::ObjectId::<RemoteActor>::from(activity.actor.clone())
        .dereference(data)
        .await?;
    let now = state.clock.now();
    let trust = peers::trust_of(state, host).await?;
    // Looked up before the transaction, which must not wait on the pool.
    let followed_org = match urls::local_org_slug(&state.config, target) {
        Some(slug) => Some(
            crate::db::accounts::find_org_by_slug(&state.db, &slug)
                .await?
                .ok_or(Error::NotFound("organisation"))?,
        ),
        None => None,
    };
    let followed_group = match urls::local_group_slug(&state.config, target) {
        Some(slug) => Some(
            crate::db::groups::find_hosted(&state.db, &slug)
                .await?
                .ok_or(Error::NotFound("group"))?,
        ),
        None => None,
    };
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool.begin().await?;
    // Any follow from a server we do not know is that server asking to federate.
    db::peers::insert_pending_if_absent(&mut *tx, host, to_millis(now)).await?;
    if *target == urls::instance_actor(&state.config) {
        db::peers::record_their_follow(
            &mut *tx,
            host,
            follower.id.0.as_str(),
            follower.delivery_inbox()?.as_str(),
            &activity.raw.to_string(),
            to_millis(now),
        )
        .await?;
    } else if let Some(org) = &followed_org {
        db::followers::upsert_pending(
            &mut *tx,
            &org.id,
            follower.id.0.as_str(),
            host,
            &activity.raw.to_string(),
            to_millis(now),
        )
        .await?;
    } else if let Some(group) = &followed_group {
        // An organisation asking to join: the group's moderators decide.
        crate::services::group_relay::on_join_request(&mut tx, group, &follower, &activity.raw, host, now).await?;
    } else {
        return Err(Error::NotFound("actor to follow"));
    }
    // A node already connected or trusted is answered at once; others wait for an admin.
    if let Some(t) = trust.filter(|t| t.federates()) {
        crate::services::peers::answer_pending_in(state, &mut tx, host, t, now).await?;
    }
    tx.commit().await?;
    state.deliveries.notify_one();
    Ok(())
}

/// An `Accept` or `Reject` of a `Follow`: of our request to federate, of an
/// organisation's request to join a group, or a group's answer to ours.
pub async fn on_answer(
    state: &AppState,
    activity: &Received,
    accepted: bool,
    follow_id: Option<&url::Url>,
    followed: Option<&url::Url>,
    host: &str,
) -> Result<()> {
    // A moderating organisation elsewhere deciding on a request to join one of our groups.
    if followed.is_some_and(|followed| urls::local_group_slug(&state.config, followed).is_some()) {
        return crate::services::groups::on_remote_decision(state, &activity.actor, accepted, &activity.raw["object"])
            .await;
    }
    if crate::services::group_relay::on_membership_answer(state, follow_id, &activity.actor, accepted).await? {
        // An answer from a group is about a membership, never about peering.
        return Ok(());
    }
    let peer = peers::find(state, host).await?.ok_or(Error::NotFound("peer"))?;
    // Some servers echo a re-serialised Follow: match on its id, or on the
    // follow being ours when it has none.
    let ours = match (follow_id, &peer.our_follow_id) {
        (Some(id), Some(our)) => id.as_str() == our,
        (None, Some(_)) => true,
        _ => false,
    };
    if ours {
        let answer = if accepted {
            TheirAnswer::Accepted
        } else {
            TheirAnswer::Rejected
        };
        db::peers::set_their_answer(&state.db.pool, host, answer, to_millis(state.clock.now())).await?;
        if accepted {
            // What they refused before approving us goes to them now.
            crate::services::alert_delivery::reconcile_host(state, host).await?;
        }
    }
    Ok(())
}

/// An `Undo` of a `Follow`: an organisation leaving one of our groups (when
/// it followed one), or unfollowing one of ours, or a node no longer
/// following this one.
pub async fn on_unfollow(state: &AppState, actor: &url::Url, followed: Option<&url::Url>, host: &str) -> Result<()> {
    if crate::services::group_relay::on_leave(state, actor, followed).await? {
        return Ok(());
    }
    // An Undo that names whom the Follow followed ends that follow only (an
    // actor may follow several of our organisations); one that names only the
    // Follow's id ends all of the actor's follows here.
    let followed_org = match followed.and_then(|followed| urls::local_org_slug(&state.config, followed)) {
        Some(slug) => crate::db::accounts::find_org_by_slug(&state.db, &slug).await?,
        None => None,
    };
    if let Some(org) = followed_org {
        db::followers::delete_of_org_by_actor(&state.db.pool, &org.id, actor.as_str(), host).await?;
        return Ok(());
    }
    db::followers::delete_by_actor(&state.db.pool, actor.as_str(), host).await?;
    db::peers::clear_their_follow_by(&state.db.pool, host, actor.as_str()).await?;
    Ok(())
}
