//! What member organisations do in answer to an alert: record, correct and
//! retract solidarity actions in their organisation's name; what the alert's
//! author sees of the collective response; the sign-on letter with its
//! co-signatories; and what needs attention (alerts past their expiry, pledges
//! past due).

use std::collections::BTreeMap;

use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;
use utoipa::ToSchema;

use crate::clock::{from_millis, to_millis};
use crate::db::actions::{self as q, ActionRow};
use crate::db::alerts::StoredAlert;
use crate::db::remote_alerts::{self, RemoteAlertRow};
use crate::db::{audit, new_id};
use crate::domain::action::{ActionDraft, ActionInput};
use crate::domain::alert::Addressee;
use crate::domain::vocab::{ActionKind, AlertStatus, Audience};
use crate::domain::{FieldErrors, LangMap, LangMapSchema};
use crate::error::{Error, Result};
use crate::federation::actors::RemoteActor;
use crate::federation::{integrity, urls, wire};
use crate::services::accounts::Staff;
use crate::services::remote_actions as wire_actions;
use crate::state::AppState;

/// The alert an action answers, as the API names it.
#[derive(Debug, Clone, Copy)]
pub enum On<'a> {
    /// One of this node's alerts, by its id.
    Local(&'a str),
    /// An alert received from another node, by this node's id for it.
    Network(&'a str),
}

/// An action as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Action)]
pub struct ActionView {
    pub id: String,
    /// Its ActivityPub id.
    pub uri: String,
    /// The ActivityPub id of the alert it answers.
    pub alert: String,
    /// The acting organisation's actor id (its name is `org_name`).
    pub org: String,
    pub org_name: String,
    pub kind: ActionKind,
    #[schema(value_type = LangMapSchema)]
    pub content: LangMap,
    pub shareable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub addressee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub due: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub support_type: Option<crate::domain::vocab::SupportType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub outcome: Option<crate::domain::vocab::ReportOutcome>,
    /// Pledges: `pending`, `kept` (reported on since) or `overdue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<PledgeStatus>, nullable = false)]
    pub pledge_status: Option<&'static str>,
    pub version: i64,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where a pledge stands: the values of [`ActionView::pledge_status`].
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum PledgeStatus {
    Pending,
    /// Reported on since.
    Kept,
    Overdue,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Signatory {
    /// The organisation's actor id.
    pub org: String,
    pub name: String,
    pub signed_at: DateTime<Utc>,
}

/// The collective response to an alert, as the viewer may see it. The
/// alert's author organisation sees every response; others see shared ones
/// and their own, and offers of support only if the author chose them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Responses {
    /// The alert's ActivityPub id.
    pub alert: String,
    /// Standing actions by kind (every kind listed, zero included).
    #[schema(value_type = BTreeMap<ActionKind, i64>)]
    pub counts: BTreeMap<&'static str, i64>,
    /// Organisations that co-signed, in the order they signed.
    pub cosignatories: Vec<Signatory>,
    /// Whether offers of support are shown to this viewer.
    pub support_offers_visible: bool,
    pub items: Vec<ActionView>,
}

/// The sign-on letter of one of our alerts, ready to send.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Letter {
    pub alert: String,
    pub number: String,
    pub title: String,
    /// The language of `body`.
    pub language: String,
    /// Every language the model text is in.
    pub languages: Vec<String>,
    pub addressees: Vec<Addressee>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub deadline: Option<DateTime<Utc>>,
    pub body: String,
    /// The author organisation, first to sign.
    pub signed_by: String,
    pub cosignatories: Vec<Signatory>,
    /// The whole letter as plain text.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpiredAlert {
    pub id: String,
    pub number: String,
    pub title: String,
    pub expires: DateTime<Utc>,
}

/// What an organisation should see to: its open alerts past their expiry
/// (update or close them) and its pledges past due with no report since.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attention {
    pub expired_alerts: Vec<ExpiredAlert>,
    pub overdue_pledges: Vec<ActionView>,
}

/// An alert that actions answer, resolved for the viewer.
struct Target {
    uri: Url,
    status: AlertStatus,
    audience: Audience,
    which: Which,
}

enum Which {
    Local(Box<StoredAlert>),
    Remote(Box<RemoteAlertRow>),
}

fn parse<T: std::str::FromStr>(value: &str, what: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored {what} `{value}` is not in the vocabulary")))
}

/// Finds the alert if the viewer's organisation may see it; otherwise 404.
async fn resolve(state: &AppState, staff: &Staff, on: On<'_>) -> Result<Target> {
    match on {
        On::Local(id) => {
            let stored = crate::services::alerts::load_visible(&state.db, staff, id).await?;
            Ok(Target {
                uri: urls::alert(&state.config, &stored.row.id),
                status: stored.row.status,
                audience: stored.row.audience,
                which: Which::Local(Box::new(stored)),
            })
        }
        On::Network(local_id) => {
            let row = remote_alerts::find_by_local_id(&state.db, local_id)
                .await?
                .filter(|r| r.deleted_at.is_none())
                .ok_or(Error::NotFound("alert"))?;
            if !crate::services::remote_alerts::may_see(state, staff, &row).await? {
                return Err(Error::NotFound("alert"));
            }
            Ok(Target {
                uri: Url::parse(&row.id).map_err(|e| Error::Internal(e.into()))?,
                status: row.status,
                audience: row.sharing,
                which: Which::Remote(Box::new(row)),
            })
        }
    }
}

/// The target of an existing action, found by the alert's id.
async fn target_of(state: &AppState, staff: &Staff, row: &ActionRow) -> Result<Target> {
    let uri = Url::parse(&row.alert_uri).map_err(|e| Error::Internal(e.into()))?;
    match urls::local_alert_id(&state.config, &uri) {
        Some(id) => resolve(state, staff, On::Local(&id)).await,
        None => {
            let remote = remote_alerts::find_by_id(&state.db, uri.as_str())
                .await?
                .ok_or(Error::NotFound("alert"))?;
            resolve(state, staff, On::Network(&remote.local_id)).await
        }
    }
}

/// Whether `staff`'s role may record (and change) an action of `kind`: any
/// role but viewer acts, but only a coordinator or admin speaks in the
/// organisation's name (co-signs, makes statements).
pub fn allowed(staff: &Staff, kind: ActionKind) -> bool {
    if kind.speaks_for_the_organisation() {
        staff.role.can_publish()
    } else {
        staff.role.can_draft()
    }
}

fn require_permission(staff: &Staff, kind: ActionKind) -> Result<()> {
    let what = if kind.speaks_for_the_organisation() {
        format!("record a `{kind}` in your organisation's name (a coordinator or admin can)")
    } else {
        "record solidarity actions".to_string()
    };
    staff.require(allowed(staff, kind), &what)
}

fn draft_of(row: &ActionRow) -> Result<ActionDraft> {
    Ok(ActionDraft {
        kind: parse(&row.kind, "action kind")?,
        content: serde_json::from_str(&row.content).unwrap_or_default(),
        shareable: row.shareable,
        addressee: row.addressee.clone(),
        due: row.due_at.map(from_millis),
        support_type: row
            .support_type
            .as_deref()
            .map(|s| parse(s, "support type"))
            .transpose()?,
        outcome: row.outcome.as_deref().map(|s| parse(s, "outcome")).transpose()?,
    })
}

fn view_of(row: &ActionRow, pledge_status: Option<&'static str>) -> Result<ActionView> {
    let draft = draft_of(row)?;
    Ok(ActionView {
        id: row.local_id.clone(),
        uri: row.id.clone(),
        alert: row.alert_uri.clone(),
        org: row.org_uri.clone(),
        org_name: row.org_name.clone(),
        kind: draft.kind,
        content: draft.content,
        shareable: draft.shareable,
        addressee: draft.addressee,
        due: draft.due,
        support_type: draft.support_type,
        outcome: draft.outcome,
        pledge_status,
        version: row.version,
        published_at: from_millis(row.published_at),
        updated_at: from_millis(row.updated_at),
    })
}

/// Where an action on `target` goes: the origin when the alert is another
/// node's; the alert's other recipients when it is ours and the action is shared.
async fn destinations(
    conn: &mut sqlx::AnyConnection,
    target: &Target,
    kind: ActionKind,
    shared: bool,
) -> Result<Vec<(Url, String)>> {
    match &target.which {
        // Actions on another node's alert go to its origin alone.
        Which::Remote(_) => Ok(Vec::new()),
        Which::Local(stored) if shared && wire_actions::relayed_for(target.audience, kind) => {
            wire_actions::alert_recipients(conn, &stored.row.id, None).await
        }
        Which::Local(_) => Ok(Vec::new()),
    }
}

/// The origin's inbox for an action on a received alert. Looked up before the
/// transaction, which must not wait on the pool or the network.
async fn origin_inbox(state: &AppState, target: &Target) -> Result<Option<(Url, String)>> {
    let Which::Remote(row) = &target.which else {
        return Ok(None);
    };
    let data = crate::federation::data(state).await?;
    let author = Url::parse(&row.attributed_to).map_err(|e| Error::Internal(e.into()))?;
    let actor = ObjectId::<RemoteActor>::from(author).dereference(&data).await?;
    Ok(Some((actor.delivery_inbox()?, row.origin_host.clone())))
}

pub async fn record(state: &AppState, staff: &Staff, on: On<'_>, input: ActionInput) -> Result<ActionView> {
    let now = state.clock.now();
    let target = resolve(state, staff, on).await?;
    let mut draft = ActionDraft::from_input(input)?;
    sanitise(&mut draft);
    draft.validate(now, true)?;
    require_permission(staff, draft.kind)?;
    wire_actions::check_open(target.status, draft.kind, false)?;
    let org = crate::db::accounts::find_org_by_id(&state.db, &staff.org_id)
        .await?
        .ok_or(Error::NotFound("organisation"))?;
    let actor = urls::org_actor(&state.config, &org.slug);
    if draft.kind == ActionKind::Cosign {
        if let Which::Local(stored) = &target.which
            && stored.row.org_id == staff.org_id
        {
            return Err(Error::Conflict(
                "your organisation wrote this alert: it signs the letter already".into(),
            ));
        }
        let signed = q::for_alert(&state.db, target.uri.as_str())
            .await?
            .iter()
            .any(|a| a.kind == "cosign" && a.org_uri == actor.as_str());
        if signed {
            return Err(Error::Conflict(
                "your organisation has already co-signed this alert".into(),
            ));
        }
    }
    let origin = origin_inbox(state, &target).await?;
    let signer = integrity::Signer::load(state, &org.id, &actor).await?;
    let local_id = new_id();
    let mut row = ActionRow {
        id: urls::action(&state.config, &local_id).to_string(),
        local_id,
        alert_uri: target.uri.to_string(),
        org_uri: actor.to_string(),
        org_name: org.name.clone(),
        org_id: Some(org.id.clone()),
        kind: draft.kind.as_str().to_string(),
        shareable: draft.shareable,
        content: serde_json::to_string(&draft.content).map_err(anyhow::Error::from)?,
        addressee: draft.addressee.clone(),
        due_at: draft.due.map(to_millis),
        support_type: draft.support_type.map(|s| s.as_str().to_string()),
        outcome: draft.outcome.map(|o| o.as_str().to_string()),
        document: String::new(),
        version: 1,
        published_at: to_millis(now),
        updated_at: to_millis(now),
        received_at: to_millis(now),
        deleted_at: None,
    };
    let to = addressed_to(&target);
    let shared = draft.shareable && wire_actions::relayed_for(target.audience, draft.kind);
    let (groups, group_inboxes) = if shared {
        groups_of(state, &target).await?
    } else {
        Default::default()
    };
    let object = wire_actions::signed_object(state, &signer, &row, &draft, to.clone(), groups)?;
    row.document = wire::to_value(&object).to_string();

    let mut tx = state.db.pool.begin().await?;
    q::upsert(&mut tx, &row).await?;
    crate::services::analysis::recount_actions(&mut tx, state, &row.alert_uri).await?;
    // Another organisation's response to an alert of ours: its staff hear of it.
    let notices = match &target.which {
        Which::Local(stored) if stored.row.org_id != staff.org_id => {
            crate::services::notifications::queue_response(&mut tx, &row.id, &stored.row.org_id, now).await?
        }
        _ => 0,
    };
    let inboxes = match origin {
        Some(inbox) => std::iter::once(inbox).chain(group_inboxes).collect(),
        None => destinations(&mut tx, &target, draft.kind, draft.shareable).await?,
    };
    wire_actions::enqueue(
        &mut tx,
        state,
        &signer,
        &org.id,
        &actor,
        wire::ObjectVerb::Create,
        object,
        &row.local_id,
        &to,
        inboxes,
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&staff.user_id),
        Some(&staff.org_id),
        "action.record",
        &row.id,
        &format!("{} on {}", draft.kind, target.uri),
    )
    .await?;
    tx.commit().await?;
    state.deliveries.notify_one();
    if notices > 0 {
        state.notices.notify_one();
    }
    view_of(&row, pledge_status(&row, &[], now))
}

/// The groups a received alert is addressed to, and their nodes' inboxes
/// (but the origin's and ours): a shared action goes to them too, so that they
/// relay it to members the origin does not know. Read before the transaction.
async fn groups_of(state: &AppState, target: &Target) -> Result<(Vec<Url>, Vec<(Url, String)>)> {
    let row = match &target.which {
        // Our own alert: the groups' nodes are among its recipients already.
        Which::Local(stored) => {
            let groups = crate::services::alerts::content_of(stored)?
                .content
                .groups
                .iter()
                .filter_map(|g| Url::parse(g).ok())
                .collect();
            return Ok((groups, Vec::new()));
        }
        Which::Remote(row) => row,
    };
    let groups = wire_actions::groups_of_received(&row.document);
    let mut inboxes = Vec::new();
    for group in &groups {
        let Some(host) = crate::federation::urls::host_of(group) else {
            continue;
        };
        if host == row.origin_host || host == state.config.domain {
            continue;
        }
        if let Some(peer) = crate::services::peers::find(state, &host).await?
            && peer.trust.federates()
            && peer.shared_inbox.is_some()
        {
            inboxes.push((crate::services::peers::peer_inbox(&peer)?, host));
        }
    }
    Ok((groups, inboxes))
}

/// Actions are addressed to the alert's author.
fn addressed_to(target: &Target) -> Vec<Url> {
    let author = match &target.which {
        Which::Local(_) => None,
        Which::Remote(row) => Url::parse(&row.attributed_to).ok(),
    };
    author.into_iter().collect()
}

/// Statements and reports may carry HTML: kept safe once, when written.
fn sanitise(draft: &mut ActionDraft) {
    for text in draft.content.values_mut() {
        *text = ammonia::clean(text);
    }
}

/// One of our organisation's actions, for its own staff to change.
async fn own_action(state: &AppState, staff: &Staff, id: &str) -> Result<ActionRow> {
    let row = q::find_by_local_id(&state.db, id)
        .await?
        .filter(|r| r.deleted_at.is_none())
        .ok_or(Error::NotFound("action"))?;
    if row.org_id.as_deref() != Some(staff.org_id.as_str()) {
        // Other organisations' actions may be visible, but never theirs to change.
        return Err(Error::Forbidden(
            "only staff of the organisation that recorded this action can change or retract it".into(),
        ));
    }
    Ok(row)
}

pub async fn correct(state: &AppState, staff: &Staff, id: &str, input: ActionInput) -> Result<ActionView> {
    let now = state.clock.now();
    let mut row = own_action(state, staff, id).await?;
    let before = draft_of(&row)?;
    require_permission(staff, before.kind)?;
    let target = target_of(state, staff, &row).await?;
    let mut after = before.clone().merged(input)?;
    sanitise(&mut after);
    after.validate(now, after.due != before.due)?;
    if after == before {
        return view_of(&row, None);
    }
    let origin = origin_inbox(state, &target).await?;
    let actor = Url::parse(&row.org_uri).map_err(|e| Error::Internal(e.into()))?;
    let signer = integrity::Signer::load(state, &staff.org_id, &actor).await?;
    row.version += 1;
    row.updated_at = to_millis(now);
    row.shareable = after.shareable;
    row.content = serde_json::to_string(&after.content).map_err(anyhow::Error::from)?;
    row.addressee = after.addressee.clone();
    row.due_at = after.due.map(to_millis);
    row.support_type = after.support_type.map(|s| s.as_str().to_string());
    row.outcome = after.outcome.map(|o| o.as_str().to_string());
    let to = addressed_to(&target);
    let (groups, group_inboxes) = groups_of(state, &target).await?;
    let shared_now = after.shareable && wire_actions::relayed_for(target.audience, after.kind);
    let shared_before = before.shareable && wire_actions::relayed_for(target.audience, before.kind);
    let cc = if shared_now { groups } else { Vec::new() };
    let object = wire_actions::signed_object(state, &signer, &row, &after, to.clone(), cc)?;
    row.document = wire::to_value(&object).to_string();

    let mut tx = state.db.pool.begin().await?;
    if !q::upsert(&mut tx, &row).await? {
        return Err(Error::Conflict(
            "the action was changed at the same time; reload it and try again".into(),
        ));
    }
    crate::services::analysis::recount_actions(&mut tx, state, &row.alert_uri).await?;
    match (origin, &target.which) {
        // The origin always sees the change, and passes on what is shared.
        (Some(inbox), _) => {
            let mut inboxes = vec![inbox];
            if shared_now {
                inboxes.extend(group_inboxes);
            } else if shared_before && !group_inboxes.is_empty() {
                // Groups' nodes passed it on: they withdraw it from the members.
                let action_uri = Url::parse(&row.id).map_err(|e| Error::Internal(e.into()))?;
                let tombstone = wire::Tombstone::new(wire::FormerType::SolidarityAction, action_uri, now);
                wire_actions::enqueue(
                    &mut tx,
                    state,
                    &signer,
                    &staff.org_id,
                    &actor,
                    wire::ObjectVerb::Delete,
                    tombstone,
                    &row.local_id,
                    &to,
                    group_inboxes,
                    now,
                )
                .await?;
            }
            wire_actions::enqueue(
                &mut tx,
                state,
                &signer,
                &staff.org_id,
                &actor,
                wire::ObjectVerb::Update,
                object,
                &row.local_id,
                &to,
                inboxes,
                now,
            )
            .await?;
        }
        // Our own alert, no longer shared: recipients learn only that it is withdrawn.
        (None, Which::Local(stored)) if before.shareable && !after.shareable => {
            let inboxes = destinations(&mut tx, &target, after.kind, true).await?;
            let announcer = urls::org_actor(&state.config, &stored.row.org_slug);
            let action_uri = Url::parse(&row.id).map_err(|e| Error::Internal(e.into()))?;
            wire_actions::unshare(
                &mut tx,
                state,
                &stored.row.org_id,
                &announcer,
                &action_uri,
                inboxes,
                now,
            )
            .await?;
        }
        (None, _) => {
            let inboxes = destinations(&mut tx, &target, after.kind, after.shareable).await?;
            wire_actions::enqueue(
                &mut tx,
                state,
                &signer,
                &staff.org_id,
                &actor,
                wire::ObjectVerb::Update,
                object,
                &row.local_id,
                &to,
                inboxes,
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    state.deliveries.notify_one();
    view_of(&row, None)
}

/// The alert an action answers, by this node's id for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnsweredAlert {
    /// One of this node's alerts.
    Local(String),
    /// An alert received from another node.
    Network(String),
}

/// One of the organisation's own actions, and the alert it answers (`None`
/// when the organisation can no longer see it: withdrawn, or no longer
/// addressed to it).
#[derive(Debug, Clone)]
pub struct OwnAction {
    pub view: ActionView,
    pub alert: Option<AnsweredAlert>,
}

/// One of `staff`'s organisation's standing actions, for its staff to correct
/// or retract; another organisation's is refused as [`correct`] refuses it.
pub async fn own(state: &AppState, staff: &Staff, id: &str) -> Result<OwnAction> {
    let row = own_action(state, staff, id).await?;
    let kept = if row.kind == "pledge" {
        q::kept_pledges(&state.db, &row.alert_uri).await?
    } else {
        Vec::new()
    };
    let view = view_of(&row, pledge_status(&row, &kept, state.clock.now()))?;
    let alert = match target_of(state, staff, &row).await {
        Ok(target) => Some(match target.which {
            Which::Local(stored) => AnsweredAlert::Local(stored.row.id),
            Which::Remote(remote) => AnsweredAlert::Network(remote.local_id),
        }),
        Err(Error::NotFound(_)) => None,
        Err(other) => return Err(other),
    };
    Ok(OwnAction { view, alert })
}

pub async fn retract(state: &AppState, staff: &Staff, id: &str) -> Result<()> {
    let now = state.clock.now();
    let row = own_action(state, staff, id).await?;
    let before = draft_of(&row)?;
    require_permission(staff, before.kind)?;
    // An organisation may always take back its own action, even on an alert it
    // can no longer see (withdrawn, or no longer addressed to it): then there is
    // nobody left to tell.
    let target = match target_of(state, staff, &row).await {
        Ok(target) => Some(target),
        Err(Error::NotFound(_)) => None,
        Err(other) => return Err(other),
    };
    let origin = match &target {
        Some(t) => origin_inbox(state, t).await?,
        None => None,
    };
    let group_inboxes = match &target {
        Some(t) if before.shareable => groups_of(state, t).await?.1,
        _ => Vec::new(),
    };
    let actor = Url::parse(&row.org_uri).map_err(|e| Error::Internal(e.into()))?;
    let signer = integrity::Signer::load(state, &staff.org_id, &actor).await?;
    let action_uri = Url::parse(&row.id).map_err(|e| Error::Internal(e.into()))?;
    let tombstone = wire::Tombstone::new(wire::FormerType::SolidarityAction, action_uri, now);
    let stored_tombstone = wire::to_value(&tombstone).to_string();

    let mut tx = state.db.pool.begin().await?;
    if !q::retract(&mut tx, &row.id, &stored_tombstone, to_millis(now)).await? {
        return Err(Error::NotFound("action"));
    }
    crate::services::analysis::recount_actions(&mut tx, state, &row.alert_uri).await?;
    let (inboxes, to) = match (&target, origin) {
        (Some(t), Some(inbox)) => (std::iter::once(inbox).chain(group_inboxes).collect(), addressed_to(t)),
        (Some(t), None) => (
            destinations(&mut tx, t, before.kind, before.shareable).await?,
            addressed_to(t),
        ),
        (None, _) => (Vec::new(), Vec::new()),
    };
    wire_actions::enqueue(
        &mut tx,
        state,
        &signer,
        &staff.org_id,
        &actor,
        wire::ObjectVerb::Delete,
        tombstone,
        &row.local_id,
        &to,
        inboxes,
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&staff.user_id),
        Some(&staff.org_id),
        "action.retract",
        &row.id,
        &format!("{} on {}", before.kind, row.alert_uri),
    )
    .await?;
    tx.commit().await?;
    state.deliveries.notify_one();
    Ok(())
}

fn pledge_status(row: &ActionRow, kept: &[String], now: DateTime<Utc>) -> Option<&'static str> {
    if row.kind != "pledge" {
        return None;
    }
    Some(if kept.contains(&row.id) {
        "kept"
    } else if row.due_at.is_some_and(|d| d < to_millis(now)) {
        "overdue"
    } else {
        "pending"
    })
}

/// Whether the viewer sees an action: the alert's author organisation sees
/// every response; others see shared ones and their own, and offers of
/// support only where the author chose them.
fn sees(staff: &Staff, target: &Target, row: &ActionRow, offer_viewer: bool) -> bool {
    let author = matches!(&target.which, Which::Local(s) if s.row.org_id == staff.org_id);
    let own = row.org_id.as_deref() == Some(staff.org_id.as_str());
    if author || own {
        return true;
    }
    if row.kind == "support_offer" {
        return offer_viewer;
    }
    row.shareable
}

pub async fn responses(state: &AppState, staff: &Staff, on: On<'_>) -> Result<Responses> {
    let now = state.clock.now();
    let target = resolve(state, staff, on).await?;
    let offer_viewer = match &target.which {
        Which::Local(stored) => {
            stored.row.org_id == staff.org_id
                || q::offer_viewers(&state.db, &stored.row.id)
                    .await?
                    .contains(&staff.org_slug)
        }
        Which::Remote(_) => false,
    };
    let rows = q::for_alert(&state.db, target.uri.as_str()).await?;
    let kept = q::kept_pledges(&state.db, target.uri.as_str()).await?;
    let mut counts: BTreeMap<&'static str, i64> = <ActionKind as strum::VariantNames>::VARIANTS
        .iter()
        .map(|k| (*k, 0))
        .collect();
    let mut items = Vec::new();
    let mut cosignatories = Vec::new();
    for row in rows.iter().filter(|r| sees(staff, &target, r, offer_viewer)) {
        let view = view_of(row, pledge_status(row, &kept, now))?;
        *counts.entry(view.kind.as_str()).or_default() += 1;
        if view.kind == ActionKind::Cosign {
            cosignatories.push(Signatory {
                org: view.org.clone(),
                name: view.org_name.clone(),
                signed_at: view.published_at,
            });
        }
        items.push(view);
    }
    Ok(Responses {
        alert: target.uri.to_string(),
        counts,
        cosignatories,
        support_offers_visible: offer_viewer,
        items,
    })
}

/// The organisation's own actions, newest first.
pub async fn mine(state: &AppState, staff: &Staff, limit: i64, offset: i64) -> Result<(Vec<ActionView>, i64)> {
    let now = state.clock.now();
    let (rows, total) = q::by_org(&state.db, &staff.org_id, limit, offset).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let kept = if row.kind == "pledge" {
            q::kept_pledges(&state.db, &row.alert_uri).await?
        } else {
            Vec::new()
        };
        items.push(view_of(row, pledge_status(row, &kept, now))?);
    }
    Ok((items, total))
}

/// Chooses which other organisations of this node see the offers of support.
pub async fn set_offer_viewers(
    state: &AppState,
    staff: &Staff,
    alert_id: &str,
    slugs: &[String],
) -> Result<Vec<String>> {
    let stored = crate::services::alerts::load_visible(&state.db, staff, alert_id).await?;
    if stored.row.org_id != staff.org_id {
        return Err(Error::Forbidden(
            "only the alert's author organisation decides who sees offers of support".into(),
        ));
    }
    staff.require(
        staff.role.can_publish(),
        "decide who sees offers of support (a coordinator or admin can)",
    )?;
    let mut errors = FieldErrors::default();
    let mut ids = Vec::new();
    for (i, slug) in slugs.iter().enumerate() {
        match crate::db::accounts::find_org_by_slug(&state.db, slug.trim()).await? {
            Some(org) if org.id != staff.org_id => ids.push(org.id),
            Some(_) => {}
            None => errors.add(format!("orgs[{i}]"), format!("no organisation `{slug}` on this node")),
        }
    }
    errors.into_result()?;
    let mut tx = state.db.pool.begin().await?;
    q::set_offer_viewers(&mut tx, &stored.row.id, &ids).await?;
    let uri = urls::alert(&state.config, &stored.row.id);
    crate::services::analysis::recount_actions(&mut tx, state, uri.as_str()).await?;
    audit::record(
        &mut *tx,
        to_millis(state.clock.now()),
        Some(&staff.user_id),
        Some(&staff.org_id),
        "alert.offer_viewers",
        &stored.row.number,
        &slugs.join(", "),
    )
    .await?;
    tx.commit().await?;
    Ok(q::offer_viewers(&state.db, &stored.row.id).await?)
}

/// The sign-on letter of one of our alerts in `language` (English, else the
/// first language the model text has, when none is asked for).
pub async fn letter(state: &AppState, staff: &Staff, alert_id: &str, language: Option<&str>) -> Result<Letter> {
    let stored = crate::services::alerts::load_visible(&state.db, staff, alert_id).await?;
    let draft = crate::services::alerts::content_of(&stored)?;
    let requested = draft
        .content
        .requested_actions
        .iter()
        .find(|a| a.kind == crate::domain::vocab::RequestedActionKind::Letter && !a.model_text.is_empty())
        .ok_or_else(|| {
            Error::Conflict(format!(
                "alert {} asks for no letter: add a requested action of kind `letter` with a model text",
                stored.row.number
            ))
        })?;
    let languages: Vec<String> = requested.model_text.keys().cloned().collect();
    let language = match language.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) if requested.model_text.contains_key(l) => l.to_string(),
        Some(l) => {
            return Err(FieldErrors::single(
                "lang",
                format!("the model letter has no `{l}` text; it has: {}", languages.join(", ")),
            )
            .into());
        }
        None if requested.model_text.contains_key("en") => "en".to_string(),
        None => languages[0].clone(),
    };
    let org = crate::db::accounts::find_org_by_id(&state.db, &stored.row.org_id)
        .await?
        .ok_or(Error::NotFound("organisation"))?;
    let uri = urls::alert(&state.config, &stored.row.id);
    let author = stored.row.org_id == staff.org_id;
    let cosignatories: Vec<Signatory> = q::for_alert(&state.db, uri.as_str())
        .await?
        .into_iter()
        // Whoever reads the letter sees the co-signatures they may see elsewhere.
        .filter(|a| a.kind == "cosign")
        .filter(|a| author || a.shareable || a.org_id.as_deref() == Some(staff.org_id.as_str()))
        .map(|a| Signatory {
            org: a.org_uri,
            name: a.org_name,
            signed_at: from_millis(a.published_at),
        })
        .collect();
    let body = requested.model_text[&language].trim().to_string();
    let title = draft
        .content
        .title
        .get(&language)
        .cloned()
        .unwrap_or_else(|| draft.display_title());
    let mut text = String::new();
    for a in &requested.addressees {
        text.push_str(&a.name);
        if let Some(i) = &a.institution {
            text.push_str(", ");
            text.push_str(i);
        }
        text.push('\n');
    }
    text.push_str(&format!("\n{} — {title}\n\n{body}\n\n", stored.row.number));
    text.push_str(&org.name);
    text.push('\n');
    for s in &cosignatories {
        text.push_str(&s.name);
        text.push('\n');
    }
    Ok(Letter {
        alert: stored.row.id.clone(),
        number: stored.row.number.clone(),
        title,
        language,
        languages,
        addressees: requested.addressees.clone(),
        deadline: requested.deadline,
        body,
        signed_by: org.name,
        cosignatories,
        text,
    })
}

pub async fn attention(state: &AppState, staff: &Staff) -> Result<Attention> {
    let now = state.clock.now();
    let expired = crate::db::alerts::expired_open_of_org(&state.db.pool, &staff.org_id, to_millis(now)).await?;
    let overdue = q::overdue_pledges(&state.db, &staff.org_id, to_millis(now)).await?;
    Ok(Attention {
        expired_alerts: expired
            .into_iter()
            .map(|row| ExpiredAlert {
                id: row.id,
                number: row.number,
                title: row.title,
                expires: from_millis(row.expires_at),
            })
            .collect(),
        overdue_pledges: overdue
            .iter()
            .map(|r| view_of(r, Some("overdue")))
            .collect::<Result<_>>()?,
    })
}
