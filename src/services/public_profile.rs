//! What anyone may see of an organisation and its alerts without an account:
//! the public profile pages. Only `public` alerts that were published (open
//! or closed) are shown, and of them only what their federated document
//! already tells the world; never local-only fields, consent, staff, or any
//! alert of a narrower audience. Anything else is the same "not found" as
//! for what does not exist.

use chrono::{DateTime, Utc};

use crate::clock::from_millis;
use crate::domain::LangMap;
use crate::domain::alert::RequestedAction;
use crate::domain::vocab::{AlertStatus, Audience, Urgency};
use crate::error::{Error, Result};
use crate::state::AppState;

/// How many alerts an organisation's page lists.
pub const ALERTS_ON_PROFILE: i64 = 50;

/// An organisation as its public page shows it.
#[derive(Debug)]
pub struct PublicOrg {
    pub slug: String,
    pub name: String,
    /// What it says of itself (plain text).
    pub summary: String,
    /// The languages it works in (tags such as `ar`).
    pub languages: Vec<String>,
    /// Its public alerts, newest first.
    pub alerts: Vec<AlertListed>,
    pub public_alerts: i64,
}

/// One public alert in a list.
#[derive(Debug)]
pub struct AlertListed {
    pub id: String,
    pub number: String,
    pub title: LangMap,
    pub status: AlertStatus,
    pub urgency: Urgency,
    pub published: DateTime<Utc>,
}

/// A public alert as its page shows it.
#[derive(Debug)]
pub struct PublicAlert {
    pub id: String,
    pub number: String,
    pub org_slug: String,
    pub org_name: String,
    pub status: AlertStatus,
    pub urgency: Urgency,
    pub country: String,
    pub title: LangMap,
    pub summary: LangMap,
    /// HTML, sanitised when it was written.
    pub body: LangMap,
    pub requested_actions: Vec<RequestedAction>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// A public alert's page: the alert, or that it was withdrawn.
#[derive(Debug)]
pub enum AlertPage {
    Shown(Box<PublicAlert>),
    Withdrawn,
}

pub async fn org(state: &AppState, slug: &str) -> Result<PublicOrg> {
    let org = crate::db::accounts::find_org_by_slug(&state.db, slug)
        .await?
        .ok_or(Error::NotFound("organisation"))?;
    let public_alerts = crate::db::alerts::count_public_of_org(&state.db.pool, &org.id).await?;
    let ids = crate::db::alerts::newest_public_ids_of_org(&state.db.pool, &org.id, ALERTS_ON_PROFILE, 0).await?;
    let mut alerts = Vec::new();
    for id in ids {
        let Some(stored) = crate::db::alerts::get(&state.db, &id).await? else {
            continue;
        };
        let draft = super::alerts::draft_of(&stored)?;
        alerts.push(AlertListed {
            id: stored.row.id.clone(),
            number: stored.row.number.clone(),
            title: draft.content.title,
            status: stored.row.status,
            urgency: draft.urgency,
            published: from_millis(stored.row.published_at.unwrap_or(stored.row.created_at)),
        });
    }
    let profile = super::staff::public_profile(state, &org.slug).await?;
    Ok(PublicOrg {
        slug: org.slug,
        name: org.name,
        summary: profile.summary,
        languages: profile.languages,
        alerts,
        public_alerts,
    })
}

/// A public alert: shown if it is `public` and published, `Withdrawn` if it
/// was public when withdrawn; anything else is not found.
pub async fn alert(state: &AppState, id: &str) -> Result<AlertPage> {
    let not_found = || Error::NotFound("alert");
    let stored = crate::db::alerts::get(&state.db, id).await?.ok_or_else(not_found)?;
    if stored.row.audience != Audience::Public {
        return Err(not_found());
    }
    match stored.row.status {
        AlertStatus::Open | AlertStatus::Closed => {}
        AlertStatus::Withdrawn => return Ok(AlertPage::Withdrawn),
        AlertStatus::Draft | AlertStatus::InReview => return Err(not_found()),
    }
    let draft = super::alerts::draft_of(&stored)?;
    let org = crate::db::accounts::find_org_by_slug(&state.db, &stored.row.org_slug)
        .await?
        .ok_or_else(not_found)?;
    Ok(AlertPage::Shown(Box::new(PublicAlert {
        id: stored.row.id.clone(),
        number: stored.row.number.clone(),
        org_slug: org.slug,
        org_name: org.name,
        status: stored.row.status,
        urgency: draft.urgency,
        country: draft.country,
        title: draft.content.title,
        summary: draft.content.summary,
        body: draft.content.body,
        requested_actions: draft.content.requested_actions,
        published: from_millis(stored.row.published_at.unwrap_or(stored.row.created_at)),
        updated: from_millis(stored.row.updated_at),
    })))
}
