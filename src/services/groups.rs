//! Regional and working groups: admins create groups on their node;
//! organisations on any node ask to join, and the group's moderators decide;
//! members leave, and moderators remove members. Alerts addressed to a group
//! are relayed to its members by the group's node (`federation::groups`).

use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::ToSchema;

use crate::clock::{from_millis, to_millis};
use crate::db::groups::{self as q, GroupRow};
use crate::db::{audit, new_id};
use crate::domain::vocab::{AlertStatus, GroupKind, MemberState};
use crate::domain::{FieldErrors, is_language_tag};
use crate::error::{Error, Result};
use crate::federation::actors::{RemoteActor, group_ref};
use crate::federation::outbox::{self, Outgoing};
use crate::federation::{urls, wire};
use crate::services::accounts::Staff;
use crate::services::peers;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{1,63}$")]
    pub slug: String,
    #[schema(max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    pub kind: GroupKind,
    #[serde(default)]
    pub languages: Vec<String>,
    /// Moderating organisations: slugs of this node's, or actor ids of other
    /// nodes'. At least one; left out, it is refused by name like an empty list.
    #[serde(default)]
    #[schema(required = true, min_items = 1)]
    pub moderators: Vec<String>,
}

/// A group as the API shows it, with the viewer's organisation's place in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Group)]
pub struct GroupView {
    pub id: String,
    /// The group's actor id.
    pub uri: String,
    pub name: String,
    pub description: String,
    #[schema(value_type = GroupKind)]
    pub kind: String,
    pub languages: Vec<String>,
    pub moderators: Vec<String>,
    /// Whether the group lives on this node.
    pub hosted: bool,
    /// The viewer's organisation's place in it.
    #[schema(value_type = Membership)]
    pub membership: String,
    /// Whether the viewer may moderate it (hosted groups only).
    pub moderating: bool,
}

/// An organisation's place in a group: the values of [`GroupView::membership`].
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Membership {
    None,
    Pending,
    Accepted,
    Rejected,
    Left,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = GroupMember)]
pub struct MemberView {
    /// The member organisation's actor id.
    pub org: String,
    pub name: String,
    pub state: MemberState,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupAlert {
    /// The id under `/api/v1/alerts` (ours) or `/api/v1/network/alerts` (received).
    pub id: String,
    pub uri: String,
    /// true: under /alerts; false: under /network/alerts.
    pub local: bool,
    pub number: String,
    pub title: String,
    pub status: AlertStatus,
}

fn view(state: &AppState, staff: &Staff, row: &GroupRow, membership: Option<MemberState>) -> GroupView {
    GroupView {
        id: row.id.clone(),
        uri: row.uri.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
        kind: row.kind.clone(),
        languages: row.language_tags(),
        moderators: row.moderator_uris(),
        hosted: row.hosted,
        membership: membership.map_or("none", MemberState::as_str).to_string(),
        moderating: row.hosted && may_moderate(state, staff, row),
    }
}

/// The node's operators, and coordinators or admins of a moderating organisation of ours.
fn may_moderate(state: &AppState, staff: &Staff, group: &GroupRow) -> bool {
    let own = urls::org_actor(&state.config, &staff.org_slug).to_string();
    staff.node_operator || (staff.role.can_publish() && group.moderator_uris().contains(&own))
}

async fn membership_of(state: &AppState, staff: &Staff, group: &GroupRow) -> Result<Option<MemberState>> {
    Ok(q::membership(&state.db, &group.id, &staff.org_id)
        .await?
        .map(|(s, _)| s))
}

/// Group addresses that pages of this node already use.
const RESERVED_SLUGS: [&str; 3] = ["new", "join", "view"];

pub async fn create(state: &AppState, staff: &Staff, input: GroupInput) -> Result<GroupView> {
    staff.require_operator("create groups")?;
    let now = state.clock.now();
    let mut errors = FieldErrors::default();
    let slug = input.slug.trim().to_ascii_lowercase();
    let slug_ok = (2..=64).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && slug.starts_with(|c: char| c.is_ascii_alphanumeric());
    if !slug_ok {
        errors.add(
            "slug",
            "2 to 64 lower-case letters, digits and dashes, such as latin-america",
        );
    } else if RESERVED_SLUGS.contains(&slug.as_str()) {
        // `/groups/new`, `/groups/join` and `/groups/view/…` are pages; a
        // group named so could not be reached at its own address.
        errors.add("slug", format!("`{slug}` names a page of this node; choose another"));
    }
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", "required, at most 200 characters");
    }
    if input.description.chars().count() > 5_000 {
        errors.add("description", "at most 5000 characters");
    }
    for (i, l) in input.languages.iter().enumerate() {
        if !is_language_tag(l) {
            errors.add(format!("languages[{i}]"), "a language tag such as es or pt-BR");
        }
    }
    let mut moderators = Vec::new();
    for (i, m) in input.moderators.iter().enumerate() {
        let m = m.trim();
        match Url::parse(m) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => moderators.push(url.to_string()),
            _ => match crate::db::accounts::find_org_by_slug(&state.db, m).await? {
                Some(org) => moderators.push(urls::org_actor(&state.config, &org.slug).to_string()),
                None => errors.add(
                    format!("moderators[{i}]"),
                    format!("`{m}` is neither an organisation of this node nor an actor id"),
                ),
            },
        }
    }
    if moderators.is_empty() {
        errors.add("moderators", "at least one moderating organisation");
    }
    errors.into_result()?;
    if q::find_hosted(&state.db, &slug).await?.is_some() {
        return Err(FieldErrors::single("slug", format!("a group `{slug}` exists already")).into());
    }
    let row = GroupRow {
        id: new_id(),
        uri: urls::group(&state.config, &slug).to_string(),
        slug: Some(slug.clone()),
        hosted: true,
        name,
        description: input.description.trim().to_string(),
        kind: input.kind.as_str().to_string(),
        languages: serde_json::to_string(&input.languages).map_err(anyhow::Error::from)?,
        moderators: serde_json::to_string(&moderators).map_err(anyhow::Error::from)?,
        created_at: to_millis(now),
        updated_at: to_millis(now),
    };
    let mut tx = state.db.pool.begin().await?;
    q::upsert(&mut tx, &row).await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&staff.user_id),
        None,
        "group.create",
        &row.uri,
        &row.name,
    )
    .await?;
    tx.commit().await?;
    Ok(view(state, staff, &row, None))
}

pub async fn list(state: &AppState, staff: &Staff) -> Result<Vec<GroupView>> {
    let mut out = Vec::new();
    for row in q::list(&state.db).await? {
        let membership = membership_of(state, staff, &row).await?;
        out.push(view(state, staff, &row, membership));
    }
    Ok(out)
}

async fn find(state: &AppState, id: &str) -> Result<GroupRow> {
    q::find(&state.db, id).await?.ok_or(Error::NotFound("group"))
}

pub async fn get(state: &AppState, staff: &Staff, id: &str) -> Result<GroupView> {
    let row = find(state, id).await?;
    let membership = membership_of(state, staff, &row).await?;
    Ok(view(state, staff, &row, membership))
}

/// Fetches a group of another node and remembers it.
async fn learn_remote_group(state: &AppState, uri: &Url) -> Result<(GroupRow, RemoteActor)> {
    let data = crate::federation::data(state).await?;
    let actor = ObjectId::<RemoteActor>::from(uri.clone()).dereference(&data).await?;
    if actor.kind != "Group" {
        return Err(FieldErrors::single("group", format!("{uri} is a `{}`, not a group", actor.kind)).into());
    }
    let document: serde_json::Value = crate::db::actors::remote_document(&state.db.pool, uri.as_str())
        .await?
        .and_then(|d| serde_json::from_str(&d).ok())
        .unwrap_or_default();
    let strings = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(String::from)).collect(),
            _ => Vec::new(),
        }
    };
    let kind = document["groupKind"]
        .as_str()
        .filter(|k| matches!(*k, "regional" | "working"))
        .unwrap_or("working");
    let now = to_millis(state.clock.now());
    let existing = q::find_by_uri(&state.db, uri.as_str()).await?;
    let row = GroupRow {
        id: existing.as_ref().map(|e| e.id.clone()).unwrap_or_else(new_id),
        uri: uri.to_string(),
        slug: None,
        hosted: false,
        name: actor.name.clone().unwrap_or_else(|| uri.to_string()),
        description: document["summary"].as_str().unwrap_or_default().to_string(),
        kind: kind.to_string(),
        languages: serde_json::to_string(&strings(&document["languages"])).map_err(anyhow::Error::from)?,
        moderators: serde_json::to_string(&strings(&document["attributedTo"])).map_err(anyhow::Error::from)?,
        created_at: existing.as_ref().map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    };
    let mut conn = state.db.pool.acquire().await?;
    q::upsert(&mut conn, &row).await?;
    let row = q::find_by_uri(&state.db, uri.as_str())
        .await?
        .ok_or(Error::NotFound("group"))?;
    Ok((row, actor))
}

/// Asks for the viewer's organisation to join a group, here or on another node.
pub async fn join(state: &AppState, staff: &Staff, group: &str) -> Result<GroupView> {
    staff.require(
        staff.role.can_publish(),
        "join groups for your organisation (a coordinator or admin can)",
    )?;
    if let Some(existing) = q::find_by_uri(&state.db, group.trim()).await?
        && matches!(
            q::membership(&state.db, &existing.id, &staff.org_id)
                .await?
                .map(|(s, _)| s),
            Some(MemberState::Pending | MemberState::Accepted)
        )
    {
        // Asked already, or in: nothing to ask again.
        return get(state, staff, &existing.id).await;
    }
    let uri = Url::parse(group.trim()).map_err(|_| {
        FieldErrors::single(
            "group",
            "the group's actor id, such as https://node.example/groups/latin-america",
        )
    })?;
    let now = state.clock.now();
    let org = crate::db::accounts::find_org_by_id(&state.db, &staff.org_id)
        .await?
        .ok_or(Error::NotFound("organisation"))?;
    let org_actor = urls::org_actor(&state.config, &org.slug);
    if let Some(slug) = urls::local_group_slug(&state.config, &uri) {
        // A group of this node: the request is recorded directly for its moderators.
        let row = q::find_hosted(&state.db, &slug)
            .await?
            .ok_or(Error::NotFound("group"))?;
        let follow_id = urls::activity(&state.config, &new_id());
        let follow = wire::to_value(&wire::Follow::new(follow_id.clone(), org_actor.clone(), uri.clone()));
        let mut tx = state.db.pool.begin().await?;
        q::upsert_local_join_request(
            &mut tx,
            &row.id,
            org_actor.as_str(),
            &org.name,
            urls::org_inbox(&state.config, &org.slug).as_str(),
            &state.config.domain,
            &follow.to_string(),
            to_millis(now),
        )
        .await?;
        upsert_membership(&mut tx, &row.id, &org.id, follow_id.as_str(), MemberState::Pending, now).await?;
        tx.commit().await?;
        return get(state, staff, &row.id).await;
    }
    let host =
        crate::federation::urls::host_of(&uri).ok_or_else(|| FieldErrors::single("group", "a URL with a host"))?;
    if !peers::trust_of(state, &host).await?.is_some_and(|t| t.federates()) {
        return Err(Error::Conflict(format!(
            "the group is on {host}, which this node does not federate with; an admin must connect it first"
        )));
    }
    let (row, actor) = learn_remote_group(state, &uri).await?;
    let follow_id = urls::activity(&state.config, &new_id());
    let follow = wire::to_value(&wire::Follow::new(follow_id.clone(), org_actor.clone(), uri.clone()));
    let mut tx = state.db.pool.begin().await?;
    upsert_membership(&mut tx, &row.id, &org.id, follow_id.as_str(), MemberState::Pending, now).await?;
    outbox::enqueue(
        &mut tx,
        &Outgoing {
            id: follow_id,
            actor_ref: org.id.clone(),
            kind: "Follow".into(),
            object_id: Some(uri.to_string()),
            body: follow,
            inboxes: vec![(actor.inbox_url()?, host)],
        },
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&staff.user_id),
        Some(&staff.org_id),
        "group.join",
        &row.uri,
        &org.slug,
    )
    .await?;
    tx.commit().await?;
    state.deliveries.notify_one();
    get(state, staff, &row.id).await
}

async fn upsert_membership(
    conn: &mut sqlx::AnyConnection,
    group_id: &str,
    org_id: &str,
    follow_id: &str,
    state_name: MemberState,
    now: DateTime<Utc>,
) -> Result<()> {
    q::upsert_membership(conn, group_id, org_id, follow_id, state_name, to_millis(now)).await?;
    Ok(())
}

/// The viewer's organisation leaves a group.
pub async fn leave(state: &AppState, staff: &Staff, id: &str) -> Result<GroupView> {
    staff.require(
        staff.role.can_publish(),
        "leave groups for your organisation (a coordinator or admin can)",
    )?;
    let row = find(state, id).await?;
    let (current, follow_id) = q::membership(&state.db, &row.id, &staff.org_id)
        .await?
        .filter(|(s, _)| *s != MemberState::Left)
        .ok_or_else(|| Error::Conflict("your organisation is not in this group".into()))?;
    let now = state.clock.now();
    let org_actor = urls::org_actor(&state.config, &staff.org_slug);
    // Looked up before the transaction, which must not wait on the pool.
    let group_actor = if row.hosted {
        None
    } else {
        crate::federation::actors::find_remote_actor(state, &row.uri).await?
    };
    let mut tx = state.db.pool.begin().await?;
    upsert_membership(&mut tx, &row.id, &staff.org_id, &follow_id, MemberState::Left, now).await?;
    if row.hosted {
        q::set_member_state(&mut tx, &row.id, org_actor.as_str(), MemberState::Left, to_millis(now)).await?;
    } else if current != MemberState::Rejected
        && let Some(actor) = group_actor
    {
        let group_uri = Url::parse(&row.uri).map_err(|e| Error::Internal(e.into()))?;
        let follow_url = Url::parse(&follow_id).map_err(|e| Error::Internal(e.into()))?;
        let id = urls::activity(&state.config, &new_id());
        let body = wire::to_value(&wire::UndoFollow::of(
            id.clone(),
            wire::Follow::new(follow_url, org_actor.clone(), group_uri),
        ));
        outbox::enqueue(
            &mut tx,
            &Outgoing {
                id,
                actor_ref: staff.org_id.clone(),
                kind: "Undo".into(),
                object_id: Some(row.uri.clone()),
                body,
                inboxes: vec![(actor.inbox_url()?, actor.host.clone())],
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    state.deliveries.notify_one();
    get(state, staff, id).await
}

/// Whether the viewer may see who is in a group hosted here.
async fn may_see_members(state: &AppState, staff: &Staff, row: &GroupRow) -> Result<bool> {
    if may_moderate(state, staff, row) {
        return Ok(true);
    }
    let own = urls::org_actor(&state.config, &staff.org_slug);
    Ok(q::member(&state.db, &row.id, own.as_str())
        .await?
        .is_some_and(|m| m.state == MemberState::Accepted))
}

/// Members of a group. For a group here, members see the accepted ones and
/// moderators every request; for a group elsewhere, the group's node is asked
/// with a signed fetch (it answers nodes that have a member).
pub async fn members(state: &AppState, staff: &Staff, id: &str) -> Result<Vec<MemberView>> {
    let row = find(state, id).await?;
    if row.hosted {
        if !may_see_members(state, staff, &row).await? {
            return Err(Error::Forbidden(
                "the member list is visible to the group's members".into(),
            ));
        }
        let moderating = may_moderate(state, staff, &row);
        return Ok(q::members(&state.db, &row.id)
            .await?
            .into_iter()
            .filter(|m| moderating || m.state == MemberState::Accepted)
            .map(|m| MemberView {
                org: m.org_uri,
                name: m.org_name,
                state: m.state,
                since: from_millis(m.updated_at),
            })
            .collect());
    }
    let own = urls::org_actor(&state.config, &staff.org_slug).to_string();
    let moderating = staff.role.can_publish() && row.moderator_uris().contains(&own);
    if !moderating && membership_of(state, staff, &row).await? != Some(MemberState::Accepted) {
        return Err(Error::Forbidden(
            "the member list is visible to the group's members".into(),
        ));
    }
    let data = crate::federation::data(state).await?;
    let followers = Url::parse(&format!("{}/followers", row.uri)).map_err(|e| Error::Internal(e.into()))?;
    let fetched = activitypub_federation::fetch::fetch_object_http::<_, serde_json::Value>(&followers, &data).await?;
    let items = fetched.object["orderedItems"].as_array().cloned().unwrap_or_default();
    Ok(items
        .iter()
        .filter_map(|i| {
            Some(MemberView {
                org: i["id"].as_str()?.to_string(),
                name: i["name"].as_str().unwrap_or_default().to_string(),
                // The group's node lists accepted members, with their state
                // only to moderators; a state this node cannot name is left out.
                state: match i["state"].as_str() {
                    None => MemberState::Accepted,
                    Some(state) => state.parse().ok()?,
                },
                since: from_millis(row.updated_at),
            })
        })
        .collect())
}

/// A moderator's decision on a member: `accepted`, `rejected` or `removed`.
pub async fn decide(
    state: &AppState,
    staff: &Staff,
    id: &str,
    org: &str,
    decision: MemberState,
) -> Result<Vec<MemberView>> {
    let row = find(state, id).await?;
    if !row.hosted {
        // A moderating organisation of ours, of a group elsewhere: the decision
        // goes to the group's node, which applies it.
        tell_group_node(state, staff, &row, org.trim(), decision).await?;
        return members(state, staff, id).await;
    }
    if !may_moderate(state, staff, &row) {
        return Err(Error::Forbidden(
            "only the group's moderators (and this node's operators) decide who is in it".into(),
        ));
    }
    apply_decision(state, &row, org.trim(), decision, Some(staff)).await?;
    members(state, staff, id).await
}

/// Sends a moderator's decision on a group of another node to that node:
/// `Accept` or `Reject` (a removal too) of the member's request to join.
async fn tell_group_node(
    state: &AppState,
    staff: &Staff,
    row: &GroupRow,
    org: &str,
    decision: MemberState,
) -> Result<()> {
    let own = urls::org_actor(&state.config, &staff.org_slug);
    if !(staff.role.can_publish() && row.moderator_uris().contains(&own.to_string())) {
        return Err(Error::Forbidden(
            "only the group's moderators decide who is in it; your organisation is not one".into(),
        ));
    }
    let member = Url::parse(org).map_err(|_| FieldErrors::single("org", "the member organisation's actor id"))?;
    let group = Url::parse(&row.uri).map_err(|e| Error::Internal(e.into()))?;
    let actor = crate::federation::actors::find_remote_actor(state, &row.uri)
        .await?
        .ok_or(Error::NotFound("group"))?;
    let kind = if decision == MemberState::Accepted {
        wire::AnswerType::Accept
    } else {
        wire::AnswerType::Reject
    };
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    outbox::enqueue_new(
        &mut tx,
        state,
        &staff.org_id,
        kind.as_str(),
        row.uri.as_str(),
        vec![(actor.inbox_url()?, actor.host.clone())],
        now,
        |id| {
            Ok(wire::to_value(&wire::Answer {
                context: wire::ActivityStreamsContext,
                id: id.clone(),
                kind,
                actor: own,
                object: wire::JoinRequest {
                    kind: wire::FollowType,
                    actor: member,
                    object: group,
                },
            }))
        },
    )
    .await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&staff.user_id),
        Some(&staff.org_id),
        "group.member",
        &row.uri,
        &format!("{org} -> {decision} (sent to the group's node)"),
    )
    .await?;
    tx.commit().await?;
    state.deliveries.notify_one();
    Ok(())
}

/// A moderating organisation on another node decided on a request to join one
/// of our groups (an `Accept` or `Reject` of it). `Reject` of a member removes it.
pub async fn on_remote_decision(
    state: &AppState,
    moderator: &Url,
    accepted: bool,
    object: &serde_json::Value,
) -> Result<()> {
    let group_uri = object["object"]
        .as_str()
        .and_then(|s| Url::parse(s).ok())
        .ok_or_else(|| Error::BadRequest("a decision names the group as its Follow's object".into()))?;
    let slug = urls::local_group_slug(&state.config, &group_uri).ok_or(Error::NotFound("group"))?;
    let row = q::find_hosted(&state.db, &slug)
        .await?
        .ok_or(Error::NotFound("group"))?;
    if !row.moderator_uris().contains(&moderator.to_string()) {
        return Err(Error::Forbidden(format!(
            "{moderator} is not a moderator of {}",
            row.uri
        )));
    }
    let member_uri = object["actor"]
        .as_str()
        .ok_or_else(|| Error::BadRequest("a decision names the member as its Follow's actor".into()))?;
    let member = q::member(&state.db, &row.id, member_uri)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let decision = match (accepted, member.state) {
        (true, _) => MemberState::Accepted,
        (false, MemberState::Accepted) => MemberState::Removed,
        (false, _) => MemberState::Rejected,
    };
    apply_decision(state, &row, member_uri, decision, None).await
}

/// Applies a decision on a member of one of our groups and tells the member.
async fn apply_decision(
    state: &AppState,
    row: &GroupRow,
    org: &str,
    decision: MemberState,
    by: Option<&Staff>,
) -> Result<()> {
    let member = q::member(&state.db, &row.id, org)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let allowed = matches!(
        (member.state, decision),
        (MemberState::Pending, MemberState::Accepted | MemberState::Rejected)
            | (MemberState::Rejected, MemberState::Accepted)
            | (MemberState::Accepted, MemberState::Removed)
    );
    if !allowed {
        return Err(Error::Conflict(format!(
            "a member who is `{}` cannot become `{decision}` (pending: accepted or rejected; accepted: removed)",
            member.state
        )));
    }
    let local = member.host == state.config.domain;
    if decision == MemberState::Accepted
        && !local
        && !peers::trust_of(state, &member.host)
            .await?
            .is_some_and(|t| t.federates())
    {
        return Err(Error::Conflict(format!(
            "{} is on {}, which this node does not federate with; an admin must connect it before it can join",
            member.org_uri, member.host
        )));
    }
    // Looked up before the transaction, which must not wait on the pool.
    let local_org = match Url::parse(&member.org_uri)
        .ok()
        .and_then(|u| urls::local_org_slug(&state.config, &u))
    {
        Some(slug) if local => crate::db::accounts::find_org_by_slug(&state.db, &slug).await?,
        _ => None,
    };
    let now = state.clock.now();
    let group_actor = Url::parse(&row.uri).map_err(|e| Error::Internal(e.into()))?;
    let follow: serde_json::Value = serde_json::from_str(&member.follow).unwrap_or_default();
    let mut tx = state.db.pool.begin().await?;
    q::set_member_state(&mut tx, &row.id, &member.org_uri, decision, to_millis(now)).await?;
    if local {
        // One of our organisations: its membership is on this node too.
        if let Some(org) = &local_org {
            let membership = if decision == MemberState::Accepted {
                MemberState::Accepted
            } else {
                MemberState::Rejected
            };
            q::set_membership_state(&mut tx, &row.id, &org.id, membership, to_millis(now)).await?;
        }
    } else {
        // Removal is told as a Reject of the request that made them a member.
        let kind = if decision == MemberState::Accepted {
            wire::AnswerType::Accept
        } else {
            wire::AnswerType::Reject
        };
        let answer_id = urls::activity(&state.config, &new_id());
        let body = wire::to_value(&wire::Answer {
            context: wire::ActivityStreamsContext,
            id: answer_id.clone(),
            kind,
            actor: group_actor,
            object: follow,
        });
        let inbox = Url::parse(&member.inbox).map_err(|e| Error::Internal(e.into()))?;
        outbox::enqueue(
            &mut tx,
            &Outgoing {
                id: answer_id,
                actor_ref: group_ref(&row.id),
                kind: kind.as_str().into(),
                object_id: Some(member.org_uri.clone()),
                body,
                inboxes: vec![(inbox, member.host.clone())],
            },
            now,
        )
        .await?;
    }
    audit::record(
        &mut *tx,
        to_millis(now),
        by.map(|s| s.user_id.as_str()),
        by.map(|s| s.org_id.as_str()),
        "group.member",
        &row.uri,
        &format!("{} -> {decision}", member.org_uri),
    )
    .await?;
    tx.commit().await?;
    state.deliveries.notify_one();
    Ok(())
}

/// Alerts addressed to a group that the viewer's organisation may see here.
pub async fn alerts(state: &AppState, staff: &Staff, id: &str) -> Result<Vec<GroupAlert>> {
    let row = find(state, id).await?;
    let mut out = Vec::new();
    for uri in q::alert_uris(&state.db, &row.id).await? {
        let Ok(url) = Url::parse(&uri) else { continue };
        if let Some(local) = urls::local_alert_id(&state.config, &url) {
            if let Ok(alert) = crate::services::alerts::get(state, staff, &local).await {
                out.push(GroupAlert {
                    id: alert.id,
                    uri,
                    local: true,
                    number: alert.number,
                    title: alert.content.title.values().next().cloned().unwrap_or_default(),
                    status: alert.status,
                });
            }
            continue;
        }
        let Some(remote) = crate::db::remote_alerts::find_by_id(&state.db, &uri).await? else {
            continue;
        };
        let visible =
            remote.deleted_at.is_none() && crate::services::remote_alerts::may_see(state, staff, &remote).await?;
        if visible {
            out.push(GroupAlert {
                id: remote.local_id,
                uri,
                local: false,
                number: remote.number,
                title: remote.title,
                status: remote.status,
            });
        }
    }
    Ok(out)
}

/// Finds a group of another node by its actor id and remembers it, without
/// asking to join: a moderating organisation of ours on this node can then see
/// the group's requests and decide on them. A group this node knows already is
/// answered as it is. A coordinator or admin may look a group up.
pub async fn look_up(state: &AppState, staff: &Staff, group: &str) -> Result<GroupView> {
    staff.require(
        staff.role.can_publish(),
        "look up groups for your organisation (a coordinator or admin can)",
    )?;
    let address = group.trim();
    if let Some(known) = q::find_by_uri(&state.db, address).await? {
        return get(state, staff, &known.id).await;
    }
    let uri = Url::parse(address).map_err(|_| {
        FieldErrors::single(
            "group",
            "the group's actor id, such as https://node.example/groups/latin-america",
        )
    })?;
    if urls::local_group_slug(&state.config, &uri).is_some() {
        // Every group of this node is known to it: this one does not exist.
        return Err(Error::NotFound("group"));
    }
    let host =
        crate::federation::urls::host_of(&uri).ok_or_else(|| FieldErrors::single("group", "a URL with a host"))?;
    if !peers::trust_of(state, &host).await?.is_some_and(|t| t.federates()) {
        return Err(Error::Conflict(format!(
            "the group is on {host}, which this node does not federate with; an admin must connect it first"
        )));
    }
    let (row, _) = learn_remote_group(state, &uri).await?;
    audit::record(
        &state.db.pool,
        to_millis(state.clock.now()),
        Some(&staff.user_id),
        Some(&staff.org_id),
        "group.look_up",
        &row.uri,
        &row.name,
    )
    .await?;
    get(state, staff, &row.id).await
}

/// Whether the viewer decides on a group's requests and members: for a group
/// here, as [`decide`] allows; for a group elsewhere, when the viewer's
/// organisation is one of its moderators (the decision then goes to the
/// group's node).
pub fn decides_for(state: &AppState, staff: &Staff, group: &GroupView) -> bool {
    if group.hosted {
        return group.moderating;
    }
    let own = urls::org_actor(&state.config, &staff.org_slug).to_string();
    staff.role.can_publish() && group.moderators.contains(&own)
}

/// An organisation of this node that may be named a group's moderator.
#[derive(Debug, Clone)]
pub struct ModeratorChoice {
    pub slug: String,
    pub name: String,
    /// Its actor id, as a group lists its moderators.
    pub uri: String,
}

/// The organisations of this node, for naming a group's moderators.
pub async fn moderator_choices(state: &AppState) -> Result<Vec<ModeratorChoice>> {
    Ok(crate::db::accounts::list_orgs(&state.db)
        .await?
        .into_iter()
        .map(|org| ModeratorChoice {
            uri: urls::org_actor(&state.config, &org.slug).to_string(),
            slug: org.slug,
            name: org.name,
        })
        .collect())
}
