//! What staff do with alerts: draft, edit, submit, publish, close, withdraw, and
//! who may do which. Each change is one transaction with its history row and,
//! where it matters, its audit row.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::{from_millis, to_millis};
use crate::db::alerts::{self as q, AlertFilter, AlertRow, ConsentRow, HistoryRow, PrivateRow, StoredAlert};
use crate::db::{Db, audit, new_id};
use crate::domain::FieldErrors;
use crate::domain::alert::{AlertContent, AlertDraft, AlertInput, Consent, LocalOnly, MAX_LONG_TEXT};
use crate::domain::vocab::{AlertStatus, Audience, Certainty, HistoryAction, Outcome, Severity, Urgency};
use crate::error::{Error, Result};
use crate::federation::wire::WireHistoryEntry;
use crate::services::accounts::Staff;
use crate::services::alert_delivery::{self, AlertState, Plan};
use crate::state::AppState;

/// An alert as the API shows it. `consent` and `local_only` are present only
/// for staff of the author organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Alert)]
pub struct AlertView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(example = "SOS-2026-014")]
    pub number: String,
    /// The author organisation's slug.
    pub org: String,
    pub status: AlertStatus,
    pub audience: Audience,
    /// Organisations named for a restricted alert (shown to its author organisation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub restricted_to: Vec<String>,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    #[serde(flatten)]
    pub content: AlertContent,
    pub version: i64,
    #[schema(required = true)]
    pub expires: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[schema(required = true)]
    pub published_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub closing_note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub withdrawal_reason: Option<String>,
    /// Author organisation only, and not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub consent: Option<Consent>,
    /// Author organisation only, and not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub local_only: Option<LocalOnly>,
}

/// One version of an alert: what changed, when, and by whom.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub version: i64,
    pub at: DateTime<Utc>,
    /// The staff member's username for the author organisation; the
    /// organisation otherwise.
    pub by: String,
    pub action: HistoryAction,
    pub status: AlertStatus,
    pub changed_fields: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub note: Option<String>,
}

/// A page of alerts, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertPage {
    pub items: Vec<AlertView>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// A change of status, with what it needs.
#[derive(Debug, Clone, Deserialize)]
pub enum Transition {
    Submit,
    ReturnToDraft { note: Option<String> },
    Publish,
    Close { outcome: Outcome, note: Option<String> },
    Withdraw { reason: Option<String> },
    WithdrawConsent { note: Option<String> },
}

impl Transition {
    fn action(&self) -> HistoryAction {
        match self {
            Transition::Submit => HistoryAction::Submitted,
            Transition::ReturnToDraft { .. } => HistoryAction::ReturnedToDraft,
            Transition::Publish => HistoryAction::Published,
            Transition::Close { .. } => HistoryAction::Closed,
            Transition::Withdraw { .. } => HistoryAction::Withdrawn,
            Transition::WithdrawConsent { .. } => HistoryAction::ConsentWithdrawn,
        }
    }
}

fn parse<T: std::str::FromStr>(value: &str, what: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored {what} `{value}` is not in the vocabulary")))
}

/// An alert read back as its editable state and its status.
struct Loaded {
    stored: StoredAlert,
    draft: AlertDraft,
    status: AlertStatus,
}

pub(crate) fn draft_of(stored: &StoredAlert) -> Result<AlertDraft> {
    let r = &stored.row;
    let content: AlertContent = serde_json::from_str(&r.content)
        .map_err(|e| Error::Internal(anyhow::anyhow!("alert {} content unreadable: {e}", r.id)))?;
    let consent = stored
        .consent
        .as_ref()
        .map(|c| -> Result<Consent> {
            Ok(Consent {
                given_by: c.given_by.clone(),
                given_at: from_millis(c.given_at),
                allowed_uses: serde_json::from_str(&c.allowed_uses)
                    .map_err(|e| Error::Internal(anyhow::anyhow!("consent uses unreadable: {e}")))?,
                withdrawn_at: c.withdrawn_at.map(from_millis),
            })
        })
        .transpose()?;
    Ok(AlertDraft {
        content,
        urgency: r.urgency,
        severity: r.severity,
        certainty: r.certainty,
        country: r.country.clone(),
        expires: r.expires_at.map(from_millis),
        audience: r.audience,
        restricted_to: stored.named_orgs.clone(),
        consent,
        local_only: LocalOnly {
            exact_location: stored.private.exact_location.clone(),
            contacts: stored.private.contacts.clone(),
            family_details: stored.private.family_details.clone(),
            internal_notes: stored.private.internal_notes.clone(),
        },
    })
}

fn view_of(row: &AlertRow, draft: AlertDraft, with_private: bool) -> Result<AlertView> {
    Ok(AlertView {
        id: row.id.clone(),
        number: row.number.clone(),
        org: row.org_slug.clone(),
        status: row.status,
        audience: draft.audience,
        restricted_to: draft.restricted_to,
        urgency: draft.urgency,
        severity: draft.severity,
        certainty: draft.certainty,
        country: draft.country,
        content: draft.content,
        version: row.version,
        expires: draft.expires,
        created_at: from_millis(row.created_at),
        updated_at: from_millis(row.updated_at),
        published_at: row.published_at.map(from_millis),
        closed_at: row.closed_at.map(from_millis),
        outcome: row.outcome.as_deref().map(|o| parse(o, "outcome")).transpose()?,
        closing_note: row.closing_note.clone(),
        withdrawal_reason: row.withdrawal_reason.clone(),
        consent: if with_private { draft.consent } else { None },
        local_only: if with_private { Some(draft.local_only) } else { None },
    })
}

/// Whether staff of `staff`'s organisation may see this alert at all.
fn visible_to(staff: &Staff, row: &AlertRow, named_orgs: &[String]) -> bool {
    row.org_id == staff.org_id
        || (matches!(row.status, AlertStatus::Open | AlertStatus::Closed)
            && (row.audience != Audience::Restricted || named_orgs.iter().any(|o| o == &staff.org_slug)))
}

async fn load(db: &Db, staff: &Staff, id: &str) -> Result<Loaded> {
    // Unknown and invisible alerts look the same: nothing leaks about either.
    let stored = q::get(db, id).await?.ok_or(Error::NotFound("alert"))?;
    if !visible_to(staff, &stored.row, &stored.named_orgs) {
        return Err(Error::NotFound("alert"));
    }
    let draft = draft_of(&stored)?;
    let status = stored.row.status;
    Ok(Loaded { stored, draft, status })
}

/// One of this node's alerts, if `staff`'s organisation may see it (else 404).
pub(crate) async fn load_visible(db: &Db, staff: &Staff, id: &str) -> Result<StoredAlert> {
    Ok(load(db, staff, id).await?.stored)
}

/// An alert's editable state as stored.
pub(crate) fn content_of(stored: &StoredAlert) -> Result<AlertDraft> {
    draft_of(stored)
}

fn require_author_org(staff: &Staff, row: &AlertRow) -> Result<()> {
    if row.org_id == staff.org_id {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only staff of the organisation that wrote this alert can change it".into(),
        ))
    }
}

/// Changing the audience to anything but this node alone is widening it,
/// which drafting staff may not do.
fn require_audience_permission(staff: &Staff, before: &AlertDraft, after: &AlertDraft) -> Result<()> {
    let changed = before.audience != after.audience || before.restricted_to != after.restricted_to;
    if changed && after.audience != Audience::Node {
        staff.require(
            staff.role.can_publish(),
            "widen an alert's audience (a coordinator or admin can)",
        )?;
    }
    Ok(())
}

fn stored_from(row: AlertRow, draft: &AlertDraft) -> Result<StoredAlert> {
    let mut row = row;
    row.audience = draft.audience;
    row.urgency = draft.urgency;
    row.severity = draft.severity;
    row.certainty = draft.certainty;
    row.country = draft.country.clone();
    row.title = draft.display_title();
    row.search_text = draft.search_text();
    row.content = serde_json::to_string(&draft.content).map_err(anyhow::Error::from)?;
    row.expires_at = draft.expires.map(to_millis);
    let consent = draft
        .consent
        .as_ref()
        .map(|c| -> Result<ConsentRow> {
            Ok(ConsentRow {
                given_by: c.given_by.trim().to_string(),
                given_at: to_millis(c.given_at),
                allowed_uses: serde_json::to_string(&c.allowed_uses).map_err(anyhow::Error::from)?,
                withdrawn_at: c.withdrawn_at.map(to_millis),
            })
        })
        .transpose()?;
    let mut violations: Vec<String> = draft
        .content
        .violation_types
        .iter()
        .map(|v| v.as_str().to_string())
        .collect();
    violations.sort();
    violations.dedup();
    let mut named_orgs = draft.restricted_to.clone();
    named_orgs.sort();
    named_orgs.dedup();
    Ok(StoredAlert {
        row,
        violations,
        named_orgs,
        private: PrivateRow {
            exact_location: draft.local_only.exact_location.clone(),
            contacts: draft.local_only.contacts.clone(),
            family_details: draft.local_only.family_details.clone(),
            internal_notes: draft.local_only.internal_notes.clone(),
        },
        consent,
    })
}

fn history_row(
    version: i64,
    now: DateTime<Utc>,
    staff: &Staff,
    action: HistoryAction,
    status: AlertStatus,
    changed: &[&str],
    note: Option<String>,
) -> HistoryRow {
    HistoryRow {
        version,
        at: to_millis(now),
        user_id: staff.user_id.clone(),
        action,
        status,
        changed_fields: serde_json::to_string(changed).unwrap_or_else(|_| "[]".into()),
        note,
    }
}

fn check_note(field: &str, note: &Option<String>) -> Result<Option<String>> {
    match note.as_deref().map(str::trim) {
        Some(n) if n.chars().count() > MAX_LONG_TEXT => {
            Err(FieldErrors::single(field, format!("too long: at most {MAX_LONG_TEXT} characters")).into())
        }
        Some("") | None => Ok(None),
        Some(n) => Ok(Some(n.to_string())),
    }
}

pub async fn create(state: &AppState, staff: &Staff, input: AlertInput) -> Result<AlertView> {
    let (db, now) = (&state.db, state.clock.now());
    staff.require(staff.role.can_draft(), "draft alerts")?;
    let mut draft = AlertDraft::from_input(input);
    draft.validate(now)?;
    check_named_orgs(state, &draft).await?;
    let private_default = AlertDraft::from_input(AlertInput::default());
    require_audience_permission(staff, &private_default, &draft)?;

    let org = crate::db::accounts::find_org_by_id(db, &staff.org_id)
        .await?
        .ok_or(Error::NotFound("organisation"))?;
    let mut tx = db.pool.begin().await?;
    let year = now.year() as i64;
    let serial = q::next_number(&mut tx, &org.id, year).await?;
    let row = AlertRow {
        id: new_id(),
        org_id: org.id.clone(),
        org_slug: org.slug.clone(),
        number: format!("{}-{year}-{serial:03}", org.alert_prefix),
        status: AlertStatus::Draft,
        // Set from the draft by `stored_from` before the row is written.
        audience: draft.audience,
        urgency: draft.urgency,
        severity: draft.severity,
        certainty: draft.certainty,
        country: String::new(),
        title: String::new(),
        search_text: String::new(),
        content: String::new(),
        version: 1,
        expires_at: None,
        created_by: staff.user_id.clone(),
        created_at: to_millis(now),
        updated_at: to_millis(now),
        published_at: None,
        closed_at: None,
        outcome: None,
        closing_note: None,
        withdrawal_reason: None,
    };
    let stored = stored_from(row, &draft)?;
    q::insert(&mut tx, &stored).await?;
    q::insert_history(
        &mut *tx,
        &stored.row.id,
        &history_row(1, now, staff, HistoryAction::Created, AlertStatus::Draft, &[], None),
    )
    .await?;
    if draft.audience != Audience::Node {
        audit::record(
            &mut *tx,
            to_millis(now),
            Some(&staff.user_id),
            Some(&staff.org_id),
            "alert.widen",
            &stored.row.number,
            &format!("node -> {}", draft.audience),
        )
        .await?;
    }
    tx.commit().await?;
    state.deliveries.notify_one();
    state.notices.notify_one();
    view_of(&stored.row, draft, true)
}

/// What subscriptions look at in one of our alerts (its shareable fields only).
fn notice_facts(state: &AppState, org_slug: &str, draft: &AlertDraft) -> crate::domain::notify::AlertFacts {
    crate::domain::notify::AlertFacts {
        urgency: draft.urgency,
        audience: draft.audience,
        country: draft.country.to_ascii_uppercase(),
        violation_types: draft.content.violation_types.clone(),
        rights: draft.content.rights_concerned.clone(),
        sectors: draft.content.business_link.iter().map(|b| b.sector).collect(),
        groups: draft.content.groups.clone(),
        author: crate::federation::urls::org_actor(&state.config, org_slug).to_string(),
        languages: draft.content.title.keys().cloned().collect(),
    }
}

pub async fn edit(state: &AppState, staff: &Staff, id: &str, input: AlertInput) -> Result<AlertView> {
    let (db, now) = (&state.db, state.clock.now());
    let loaded = load(db, staff, id).await?;
    require_author_org(staff, &loaded.stored.row)?;
    staff.require(staff.role.can_draft(), "edit alerts")?;
    match loaded.status {
        AlertStatus::Draft | AlertStatus::InReview => {}
        AlertStatus::Open => staff.require(
            staff.role.can_publish(),
            "change a published alert (a coordinator or admin can)",
        )?,
        AlertStatus::Closed | AlertStatus::Withdrawn => {
            return Err(Error::Conflict(format!(
                "alert {} is {} and can no longer be edited",
                loaded.stored.row.number, loaded.status
            )));
        }
    }
    let before = loaded.draft.clone();
    let mut after = loaded.draft.merged(input);
    after.validate(now)?;
    check_named_orgs(state, &after).await?;
    require_audience_permission(staff, &before, &after)?;
    let consent_changed = before.consent != after.consent;
    if consent_changed {
        // New consent is recorded as its own, audited action before anything
        // relies on it: never slipped into the edit that widens the audience.
        let record_first = format!(
            "record the new consent first (PUT /api/v1/alerts/{id}/consent: it is audited with the old and new \
             consent and who recorded it)"
        );
        if loaded.status == AlertStatus::Open {
            return Err(Error::Conflict(format!(
                "alert {} is published: {record_first}",
                loaded.stored.row.number
            )));
        }
        if after.audience.rank() > before.audience.rank() {
            return Err(Error::Conflict(format!(
                "this edit changes the consent and widens the audience at once: {record_first}, then widen the audience"
            )));
        }
    }
    let changed = after.changed_fields(&before);
    if changed.is_empty() {
        return view_of(&loaded.stored.row, after, true);
    }
    let previous_version = loaded.stored.row.version;
    let mut row = loaded.stored.row.clone();
    row.version += 1;
    row.updated_at = to_millis(now);
    let stored = stored_from(row, &after)?;
    // A published alert's change goes to every node that may see it now (and
    // a Delete to those that no longer may).
    let outgoing = prepare_federation(state, &stored, &after, loaded.status).await?;
    let mut tx = db.pool.begin().await?;
    let note = consent_changed.then(|| consent_change(&before.consent, &after.consent));
    let history = history_row(
        stored.row.version,
        now,
        staff,
        HistoryAction::Edited,
        loaded.status,
        &changed,
        note,
    );
    write_change(
        &mut tx,
        state,
        &stored,
        previous_version,
        &history,
        &after,
        outgoing.as_ref(),
        now,
    )
    .await?;
    if consent_changed {
        audit::record(
            &mut *tx,
            to_millis(now),
            Some(&staff.user_id),
            Some(&staff.org_id),
            "alert.consent",
            &stored.row.number,
            &consent_change(&before.consent, &after.consent),
        )
        .await?;
    }
    if before.audience != after.audience || before.restricted_to != after.restricted_to {
        audit::record(
            &mut *tx,
            to_millis(now),
            Some(&staff.user_id),
            Some(&staff.org_id),
            if after.audience.rank() > before.audience.rank() {
                "alert.widen"
            } else {
                "alert.audience"
            },
            &stored.row.number,
            &format!("{} -> {}", before.audience, after.audience),
        )
        .await?;
    }
    tx.commit().await?;
    state.deliveries.notify_one();
    view_of(&stored.row, after, true)
}

/// A named organisation must exist: a slug nobody holds yet would let
/// whoever creates it later read the alert. Other nodes' organisations (by
/// actor id) are looked up when the alert is delivered.
async fn check_named_orgs(state: &AppState, draft: &AlertDraft) -> Result<()> {
    let mut errors = FieldErrors::default();
    for (i, named) in draft.restricted_to.iter().enumerate() {
        let field = format!("restricted_to[{i}]");
        let slug = match url::Url::parse(named) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {
                match crate::federation::urls::local_org_slug(&state.config, &url) {
                    Some(slug) => slug,
                    None => continue,
                }
            }
            Ok(_) => {
                errors.add(
                    field,
                    "an organisation's slug on this node, or its actor id (https://…)",
                );
                continue;
            }
            Err(_) => named.trim().to_string(),
        };
        if crate::db::accounts::find_org_by_slug(&state.db, &slug).await?.is_none() {
            errors.add(field, format!("no organisation `{slug}` on this node"));
        }
    }
    Ok(errors.into_result()?)
}

/// A change of consent as the audit log and the history keep it: the old and
/// the new value, in full.
fn consent_change(before: &Option<Consent>, after: &Option<Consent>) -> String {
    let show = |c: &Option<Consent>| serde_json::to_string(c).unwrap_or_else(|_| "?".into());
    format!("consent {} -> {}", show(before), show(after))
}

/// Records the defender's consent anew (given again, more or less widely):
/// its own step, audited with the old and new consent and who recorded it,
/// so that widening an audience on the strength of new consent always
/// follows a record of that consent. A withdrawn consent stays withdrawn.
pub async fn record_consent(state: &AppState, staff: &Staff, id: &str, consent: Consent) -> Result<AlertView> {
    let (db, now) = (&state.db, state.clock.now());
    let loaded = load(db, staff, id).await?;
    require_author_org(staff, &loaded.stored.row)?;
    let number = loaded.stored.row.number.clone();
    match loaded.status {
        AlertStatus::Draft | AlertStatus::InReview => {
            staff.require(staff.role.can_draft(), "record consent")?;
        }
        AlertStatus::Open => staff.require(
            staff.role.can_publish(),
            "record consent for a published alert (a coordinator or admin can)",
        )?,
        AlertStatus::Closed | AlertStatus::Withdrawn => {
            return Err(Error::Conflict(format!(
                "alert {number} is {}; its consent can no longer be changed",
                loaded.status
            )));
        }
    }
    if loaded.draft.consent.as_ref().is_some_and(|c| c.withdrawn_at.is_some()) {
        return Err(Error::Conflict(format!(
            "consent for alert {number} was withdrawn; a withdrawal is final"
        )));
    }
    let before = loaded.draft.clone();
    let mut after = loaded.draft.merged(AlertInput {
        consent: Some(consent),
        ..AlertInput::default()
    });
    after.validate(now)?;
    if after.consent == before.consent {
        return view_of(&loaded.stored.row, after, true);
    }
    let change = consent_change(&before.consent, &after.consent);
    let previous_version = loaded.stored.row.version;
    let mut row = loaded.stored.row.clone();
    row.version += 1;
    row.updated_at = to_millis(now);
    let stored = stored_from(row, &after)?;
    let mut tx = db.pool.begin().await?;
    let history = history_row(
        stored.row.version,
        now,
        staff,
        HistoryAction::ConsentRecorded,
        loaded.status,
        &["consent"],
        Some(change.clone()),
    );
    // Nothing other nodes see has changed: no activity goes out.
    write_change(&mut tx, state, &stored, previous_version, &history, &after, None, now).await?;
    audit::record(
        &mut *tx,
        to_millis(now),
        Some(&staff.user_id),
        Some(&staff.org_id),
        "alert.consent",
        &number,
        &change,
    )
    .await?;
    tx.commit().await?;
    view_of(&stored.row, after, true)
}

/// Who gets an alert in its new status, and the organisation's key to sign
/// with: an open or closed alert goes to every node that may see it (and a
/// Delete to those that no longer may), a withdrawn one is deleted everywhere,
/// a draft goes nowhere. Worked out before the transaction, which must not
/// wait on the pool or the network.
async fn prepare_federation(
    state: &AppState,
    stored: &StoredAlert,
    draft: &AlertDraft,
    status: AlertStatus,
) -> Result<Option<(Plan, crate::federation::integrity::Signer)>> {
    let plan = match status {
        AlertStatus::Open | AlertStatus::Closed => {
            alert_delivery::plan(
                state,
                &stored.row.org_id,
                &stored.row.org_slug,
                draft.audience,
                &draft.restricted_to,
                &draft.content.groups,
                alert_delivery::Unfederated::Refuse,
            )
            .await?
        }
        AlertStatus::Withdrawn => Plan::default(),
        AlertStatus::Draft | AlertStatus::InReview => return Ok(None),
    };
    let actor = crate::federation::urls::org_actor(&state.config, &stored.row.org_slug);
    let signer = crate::federation::integrity::Signer::load(state, &stored.row.org_id, &actor).await?;
    Ok(Some((plan, signer)))
}

/// Writes a changed alert (refusing a concurrent change), its history row,
/// and the activities the change causes, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn write_change(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    state: &AppState,
    stored: &StoredAlert,
    previous_version: i64,
    history: &HistoryRow,
    draft: &AlertDraft,
    outgoing: Option<&(Plan, crate::federation::integrity::Signer)>,
    now: DateTime<Utc>,
) -> Result<()> {
    if !q::update(tx, stored, previous_version).await? {
        return Err(concurrent_change());
    }
    q::insert_history(&mut **tx, &stored.row.id, history).await?;
    if let Some((plan, signer)) = outgoing {
        let wire = wire_history(tx, &stored.row.id).await?;
        alert_delivery::federate(tx, state, signer, &alert_state(&stored.row, draft, wire)?, plan, now).await?;
    }
    Ok(())
}

/// What goes on the wire about an alert in this state.
pub(crate) fn alert_state<'a>(
    row: &'a AlertRow,
    draft: &'a AlertDraft,
    history: Vec<WireHistoryEntry>,
) -> Result<AlertState<'a>> {
    Ok(AlertState {
        id: &row.id,
        number: &row.number,
        org_id: &row.org_id,
        org_slug: &row.org_slug,
        status: row.status,
        audience: draft.audience,
        urgency: draft.urgency,
        severity: draft.severity,
        certainty: draft.certainty,
        country: &draft.country,
        content: &draft.content,
        published: from_millis(row.published_at.unwrap_or(row.created_at)),
        updated: from_millis(row.updated_at),
        expires: draft.expires,
        version: row.version,
        outcome: row.outcome.as_deref().map(|o| parse(o, "outcome")).transpose()?,
        closing_note: row.closing_note.clone(),
        history,
    })
}

/// An alert's history as other nodes see it: its changes from publication on,
/// without who made them or internal notes.
pub(crate) async fn wire_history(conn: &mut sqlx::AnyConnection, alert_id: &str) -> Result<Vec<WireHistoryEntry>> {
    let rows = q::history_on(conn, alert_id).await?;
    let Some(first) = rows.iter().position(|r| r.action == HistoryAction::Published) else {
        return Ok(Vec::new());
    };
    rows[first..]
        .iter()
        // Consent is the author organisation's business: its records are not announced.
        .filter(|r| r.action != HistoryAction::ConsentRecorded)
        .map(|r| {
            Ok(WireHistoryEntry {
                version: r.version,
                published: from_millis(r.at),
                change: r.action.as_str().to_string(),
                alert_status: r.status,
                changed_fields: serde_json::from_str::<Vec<String>>(&r.changed_fields)
                    .unwrap_or_default()
                    .into_iter()
                    // Changes to what never leaves the node are not announced either.
                    .filter(|f| !matches!(f.as_str(), "local_only" | "consent" | "restricted_to"))
                    .collect(),
            })
        })
        .collect()
}

/// An alert's editable state with its row, for re-planning its delivery.
pub(crate) fn federation_view(stored: &StoredAlert) -> Result<(AlertDraft, AlertRow)> {
    Ok((draft_of(stored)?, stored.row.clone()))
}

/// The federated document of one of our alerts, as other nodes fetch it,
/// signed by its organisation.
pub async fn wire_object(state: &AppState, stored: &StoredAlert) -> Result<serde_json::Value> {
    let draft = draft_of(stored)?;
    let to = alert_delivery::addressing(&state.config, &stored.row.org_slug, draft.audience);
    wire_object_to(state, stored, to).await
}

/// As [`wire_object`], addressed to `to` (a restricted alert is addressed
/// to each named organisation alone).
pub async fn wire_object_to(state: &AppState, stored: &StoredAlert, to: Vec<url::Url>) -> Result<serde_json::Value> {
    let draft = draft_of(stored)?;
    let history = {
        let mut conn = state.db.pool.acquire().await?;
        wire_history(&mut conn, &stored.row.id).await?
    };
    let object = alert_state(&stored.row, &draft, history)?.object(state, to);
    let mut value = serde_json::to_value(object).map_err(anyhow::Error::from)?;
    let actor = crate::federation::urls::org_actor(&state.config, &stored.row.org_slug);
    crate::federation::integrity::sign(state, &stored.row.org_id, &actor, &mut value).await?;
    Ok(value)
}

fn concurrent_change() -> Error {
    Error::Conflict("the alert was changed by someone else at the same time; reload it and try again".into())
}

pub async fn transition(state: &AppState, staff: &Staff, id: &str, change: Transition) -> Result<AlertView> {
    let (db, now) = (&state.db, state.clock.now());
    let loaded = load(db, staff, id).await?;
    require_author_org(staff, &loaded.stored.row)?;
    let number = loaded.stored.row.number.clone();
    let from = loaded.status;
    let mut row = loaded.stored.row.clone();
    let mut draft = loaded.draft.clone();
    let refuse = |to: &str| Error::Conflict(format!("alert {number} is {from}; it cannot be {to} from there"));
    let mut note = None;
    let to = match &change {
        Transition::Submit => {
            staff.require(staff.role.can_draft(), "submit alerts for review")?;
            if from != AlertStatus::Draft {
                return Err(refuse("submitted for review"));
            }
            AlertStatus::InReview
        }
        Transition::ReturnToDraft { note: n } => {
            staff.require(
                staff.role.can_publish(),
                "return an alert to its drafters (a coordinator or admin can)",
            )?;
            if from != AlertStatus::InReview {
                return Err(refuse("returned to draft"));
            }
            note = check_note("note", n)?;
            AlertStatus::Draft
        }
        Transition::Publish => {
            staff.require(staff.role.can_publish(), "publish alerts (a coordinator or admin can)")?;
            if from != AlertStatus::InReview {
                return Err(refuse("published (submit it for review first)"));
            }
            // The consent or the clock may have moved since the last edit.
            draft.validate(now)?;
            row.published_at = Some(to_millis(now));
            AlertStatus::Open
        }
        Transition::Close { outcome, note: n } => {
            staff.require(staff.role.can_publish(), "close alerts (a coordinator or admin can)")?;
            if from != AlertStatus::Open {
                return Err(refuse("closed"));
            }
            row.outcome = Some(outcome.as_str().to_string());
            row.closing_note = check_note("note", n)?;
            row.closed_at = Some(to_millis(now));
            note = row.closing_note.clone();
            AlertStatus::Closed
        }
        Transition::Withdraw { reason } => {
            staff.require(staff.role.can_publish(), "withdraw alerts (a coordinator or admin can)")?;
            if !matches!(from, AlertStatus::Draft | AlertStatus::InReview | AlertStatus::Open) {
                return Err(refuse("withdrawn"));
            }
            row.withdrawal_reason = check_note("reason", reason)?;
            note = row.withdrawal_reason.clone();
            AlertStatus::Withdrawn
        }
        Transition::WithdrawConsent { note: n } => {
            // Protective: anyone who can draft may record that consent is gone.
            staff.require(staff.role.can_draft(), "record a withdrawal of consent")?;
            let consent = draft
                .consent
                .as_mut()
                .ok_or_else(|| Error::Conflict(format!("alert {number} has no recorded consent")))?;
            if consent.withdrawn_at.is_some() {
                return Err(Error::Conflict(format!(
                    "consent for alert {number} is already withdrawn"
                )));
            }
            consent.withdrawn_at = Some(now);
            note = check_note("note", n)?;
            row.withdrawal_reason = Some(
                note.clone()
                    .unwrap_or_else(|| "the defender's consent was withdrawn".to_string()),
            );
            AlertStatus::Withdrawn
        }
    };
    let previous_version = row.version;
    row.status = to;
    row.version += 1;
    row.updated_at = to_millis(now);
    let stored = stored_from(row, &draft)?;
    let outgoing = prepare_federation(state, &stored, &draft, to).await?;
    let mut tx = db.pool.begin().await?;
    let history = history_row(stored.row.version, now, staff, change.action(), to, &[], note.clone());
    write_change(
        &mut tx,
        state,
        &stored,
        previous_version,
        &history,
        &draft,
        outgoing.as_ref(),
        now,
    )
    .await?;
    // Who hears of it, in the same commit.
    crate::services::notifications::queue_transition(
        &mut tx,
        &stored.row.id,
        stored.row.version,
        &stored.row.org_id,
        to,
        &notice_facts(state, &stored.row.org_slug, &draft),
        &stored.named_orgs,
        &staff.user_id,
        now,
    )
    .await?;
    let audited = match change {
        Transition::Publish => Some("alert.publish"),
        Transition::Close { .. } => Some("alert.close"),
        Transition::Withdraw { .. } => Some("alert.withdraw"),
        Transition::WithdrawConsent { .. } => Some("alert.consent_withdrawn"),
        Transition::Submit | Transition::ReturnToDraft { .. } => None,
    };
    if let Some(action) = audited {
        let detail = format!(
            "{from} -> {to}; audience {}{}",
            draft.audience,
            note.map(|n| format!("; {n}")).unwrap_or_default()
        );
        audit::record(
            &mut *tx,
            to_millis(now),
            Some(&staff.user_id),
            Some(&staff.org_id),
            action,
            &number,
            &detail,
        )
        .await?;
    }
    tx.commit().await?;
    state.deliveries.notify_one();
    view_of(&stored.row, draft, true)
}

pub async fn get(state: &AppState, staff: &Staff, id: &str) -> Result<AlertView> {
    let db = &state.db;
    let loaded = load(db, staff, id).await?;
    let own = loaded.stored.row.org_id == staff.org_id;
    let mut draft = loaded.draft;
    if !own {
        // Which other organisations were named is the author's business.
        draft.restricted_to.clear();
    }
    view_of(&loaded.stored.row, draft, own)
}

pub async fn history(state: &AppState, staff: &Staff, id: &str) -> Result<Vec<HistoryEntry>> {
    let db = &state.db;
    let loaded = load(db, staff, id).await?;
    let own = loaded.stored.row.org_id == staff.org_id;
    let rows = q::history(db, id).await?;
    let mut names = std::collections::HashMap::new();
    let mut entries = Vec::with_capacity(rows.len());
    for r in rows {
        // Other organisations see what changed and when, not which staff member did it.
        let by = if own {
            if !names.contains_key(&r.user_id) {
                let user = crate::db::accounts::find_user_by_id(db, &r.user_id).await?;
                names.insert(r.user_id.clone(), user.map(|u| u.username).unwrap_or_default());
            }
            names[&r.user_id].clone()
        } else {
            loaded.stored.row.org_slug.clone()
        };
        entries.push(HistoryEntry {
            version: r.version,
            at: from_millis(r.at),
            by,
            action: r.action,
            status: r.status,
            changed_fields: serde_json::from_str(&r.changed_fields).unwrap_or_default(),
            // Review notes and reasons are the author organisation's business.
            note: if own { r.note } else { None },
        });
    }
    Ok(entries)
}

pub async fn list(state: &AppState, staff: &Staff, filter: &AlertFilter) -> Result<AlertPage> {
    let db = &state.db;
    let (rows, total) = q::list(db, &staff.org_id, &staff.org_slug, filter).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let stored = StoredAlert {
            row,
            violations: Vec::new(),
            named_orgs: Vec::new(),
            private: PrivateRow::default(),
            consent: None,
        };
        let mut draft = draft_of(&stored)?;
        // Lists never carry local-only or consent data; the restricted list is
        // only for the author organisation.
        if stored.row.org_id != staff.org_id {
            draft.restricted_to.clear();
        }
        items.push(view_of(&stored.row, draft, false)?);
    }
    Ok(AlertPage {
        items,
        total,
        limit: filter.limit,
        offset: filter.offset,
    })
}
