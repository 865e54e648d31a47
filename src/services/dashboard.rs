//! The staff dashboard: every alert the staff member may see, ours and those
//! received from other nodes, in one list (most urgent first, then the
//! nearest deadline, then the newest), filtered; and what needs their
//! attention now (alerts to review, pledges past due, alerts about to expire,
//! responses since their last visit).

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::clock::{from_millis, to_millis};
use crate::db::alerts::AlertFilter;
pub use crate::db::dashboard::Source;
use crate::db::dashboard::{self as q, DashboardQuery, DashboardRow};
use crate::domain::LangMap;
use crate::domain::alert::facet;
use crate::domain::vocab::{AlertStatus, BusinessSector, Right, Severity, Urgency, ViolationType};
use crate::error::{Error, Result};
use crate::federation::urls;
use crate::services::accounts::Staff;
use crate::state::AppState;

/// Alerts on one page of the dashboard.
pub const PAGE_SIZE: i64 = 25;
/// Open alerts expiring within this many days need attention.
pub const EXPIRY_WARNING_DAYS: i64 = 3;
/// A visit to the dashboard ends after this long without a look; responses
/// are new when they came after the previous visit.
const VISIT_GAP: Duration = Duration::minutes(30);
/// At most this many items of each kind in "needs attention".
const ATTENTION_ITEMS: i64 = 20;

/// The filters as a form sends them (every one optional, as text).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DashboardParams {
    pub source: Option<String>,
    pub status: Option<String>,
    pub country: Option<String>,
    pub violation: Option<String>,
    pub right: Option<String>,
    pub sector: Option<String>,
    pub urgency: Option<String>,
    pub group: Option<String>,
    pub org: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

/// The filters, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashboardFilter {
    pub source: Source,
    pub status: Option<AlertStatus>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
    pub violation: Option<ViolationType>,
    pub right: Option<Right>,
    pub sector: Option<BusinessSector>,
    pub urgency: Option<Urgency>,
    /// A group this node knows, by its id.
    pub group: Option<String>,
    /// An organisation: the slug of one of ours, or the actor id of one elsewhere.
    pub org: Option<String>,
    pub text: Option<String>,
    /// From 1.
    pub page: i64,
}

/// A filter value that is not one the list knows: the field's name (as in
/// [`DashboardParams`]) and the value, which the list then ignores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub field: &'static str,
    pub value: String,
}

fn vocabulary<T: std::str::FromStr>(
    rejected: &mut Vec<Rejected>,
    field: &'static str,
    value: &Option<String>,
) -> Option<T> {
    let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    match value.parse() {
        Ok(v) => Some(v),
        Err(_) => {
            rejected.push(Rejected {
                field,
                value: value.to_string(),
            });
            None
        }
    }
}

/// Checks the filters a form sent: what is not known is left out and named.
pub fn parse_filter(params: &DashboardParams) -> (DashboardFilter, Vec<Rejected>) {
    let mut rejected = Vec::new();
    let source = match params.source.as_deref().map(str::trim).unwrap_or_default() {
        "" | "all" => Source::All,
        "own" => Source::Own,
        "network" => Source::Network,
        other => {
            rejected.push(Rejected {
                field: "source",
                value: other.to_string(),
            });
            Source::All
        }
    };
    let country = params
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .and_then(|c| {
            let upper = c.to_ascii_uppercase();
            if isocountry::CountryCode::for_alpha2(&upper).is_ok() {
                Some(upper)
            } else {
                rejected.push(Rejected {
                    field: "country",
                    value: c.to_string(),
                });
                None
            }
        });
    let text = params
        .q
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .and_then(|t| {
            if t.chars().count() > 200 || t.contains('\0') {
                rejected.push(Rejected {
                    field: "q",
                    value: t.chars().take(40).collect(),
                });
                None
            } else {
                Some(t.to_lowercase())
            }
        });
    let page = match params.page.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => 1,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) => n,
            _ => {
                rejected.push(Rejected {
                    field: "page",
                    value: p.to_string(),
                });
                1
            }
        },
    };
    let trimmed = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(String::from);
    let filter = DashboardFilter {
        source,
        status: vocabulary(&mut rejected, "status", &params.status),
        country,
        violation: vocabulary(&mut rejected, "violation", &params.violation),
        right: vocabulary(&mut rejected, "right", &params.right),
        sector: vocabulary(&mut rejected, "sector", &params.sector),
        urgency: vocabulary(&mut rejected, "urgency", &params.urgency),
        group: trimmed(&params.group),
        org: trimmed(&params.org),
        text,
        page,
    };
    (filter, rejected)
}

/// Where an alert on the dashboard comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// One of this node's alerts; `id` is its id.
    Own,
    /// Received from another node; `id` is this node's id for it.
    Network,
}

/// One alert on the dashboard.
#[derive(Debug, Clone)]
pub struct DashboardItem {
    pub origin: Origin,
    pub id: String,
    pub number: String,
    /// The title in each language it has.
    pub titles: LangMap,
    pub status: AlertStatus,
    pub urgency: Urgency,
    pub severity: Severity,
    pub country: String,
    pub org_name: String,
    /// For received alerts, the node they came from.
    pub host: Option<String>,
    /// The earliest deadline of its requested actions.
    pub next_deadline: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Responses the viewer's organisation may see.
    pub responses: i64,
}

/// A page of the dashboard.
#[derive(Debug, Clone)]
pub struct DashboardPage {
    pub items: Vec<DashboardItem>,
    /// How many alerts match (0 when the page is past the last one).
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    /// Filter values that name nothing here (a group or organisation this
    /// node does not know), which were left out.
    pub rejected: Vec<Rejected>,
}

impl DashboardPage {
    pub fn has_next(&self) -> bool {
        self.page * self.page_size < self.total
    }
}

fn parse<T: std::str::FromStr>(value: &str, what: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored {what} `{value}` is not in the vocabulary")))
}

/// The titles of a stored list row, falling back to its one display title.
fn titles_of(titles: &str, title: &str) -> LangMap {
    let mut map: LangMap = serde_json::from_str(titles).unwrap_or_default();
    if map.is_empty() && !title.is_empty() {
        map.insert("en".into(), title.to_string());
    }
    map
}

fn item_of(row: DashboardRow) -> Result<DashboardItem> {
    Ok(DashboardItem {
        origin: if row.source == "own" {
            Origin::Own
        } else {
            Origin::Network
        },
        titles: titles_of(&row.titles, &row.title),
        status: parse(&row.status, "status")?,
        urgency: parse(&row.urgency, "urgency")?,
        severity: parse(&row.severity, "severity")?,
        next_deadline: row.next_deadline.map(from_millis),
        updated_at: from_millis(row.updated_at),
        id: row.id,
        number: row.number,
        country: row.country,
        org_name: row.org_name,
        host: row.origin_host,
        responses: row.responses,
    })
}

/// This node's alert URIs: this prefix and the alert's id.
fn alert_uri_prefix(state: &AppState) -> String {
    urls::alert(&state.config, "").to_string()
}

/// The alerts `staff` may see (ours by `services::alerts`' rule, received
/// ones by `services::remote_alerts::may_see`), filtered, one page of them.
pub async fn list(state: &AppState, staff: &Staff, filter: &DashboardFilter) -> Result<DashboardPage> {
    let mut rejected = Vec::new();
    let group = match &filter.group {
        None => None,
        Some(id) => match crate::db::groups::find(&state.db, id).await? {
            Some(row) => Some((row.id, row.uri)),
            None => {
                rejected.push(Rejected {
                    field: "group",
                    value: id.clone(),
                });
                None
            }
        },
    };
    let (mut own_org_id, mut remote_author) = (None, None);
    if let Some(org) = &filter.org {
        if let Some(row) = crate::db::accounts::find_org_by_slug(&state.db, org).await? {
            own_org_id = Some(row.id);
        } else if url::Url::parse(org).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
            remote_author = Some(org.clone());
        } else {
            rejected.push(Rejected {
                field: "org",
                value: org.clone(),
            });
        }
    }
    let mut facets = Vec::new();
    if let Some(right) = filter.right {
        facets.push(facet("right", right.as_str()));
    }
    if let Some(sector) = filter.sector {
        facets.push(facet("sector", sector.as_str()));
    }
    let page = filter.page.max(1);
    let query = DashboardQuery {
        viewer_org_id: staff.org_id.clone(),
        viewer_org_slug: staff.org_slug.clone(),
        alert_uri_prefix: alert_uri_prefix(state),
        source: filter.source,
        common: AlertFilter {
            status: filter.status.map(|s| s.as_str().to_string()),
            country: filter.country.clone(),
            violation: filter.violation.map(|v| v.as_str().to_string()),
            urgency: filter.urgency.map(|u| u.as_str().to_string()),
            org_id: None,
            text: filter.text.clone(),
            limit: PAGE_SIZE,
            offset: 0,
        },
        facets,
        group,
        own_org_id,
        remote_author,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let rows = q::list(&state.db, &query).await?;
    let total = rows.first().map(|r| r.total).unwrap_or(0);
    Ok(DashboardPage {
        items: rows.into_iter().map(item_of).collect::<Result<_>>()?,
        total,
        page,
        page_size: PAGE_SIZE,
        rejected,
    })
}

/// One of the organisation's alerts that needs a look.
#[derive(Debug, Clone)]
pub struct AttentionAlert {
    pub id: String,
    pub number: String,
    pub titles: LangMap,
    pub updated_at: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
}

/// A pledge of the organisation past its due date, with no report since.
#[derive(Debug, Clone)]
pub struct OverduePledge {
    /// The alert it answers, where the viewer finds it.
    pub alert: Option<(Origin, String)>,
    /// The alert's number, when this node has it.
    pub alert_number: Option<String>,
    pub due: Option<DateTime<Utc>>,
}

/// What needs the staff member's attention now.
#[derive(Debug, Clone)]
pub struct Attention {
    /// Alerts of their organisation waiting for review (for those who can publish).
    pub in_review: Vec<AttentionAlert>,
    pub overdue_pledges: Vec<OverduePledge>,
    /// Open alerts past their expiry or expiring within [`EXPIRY_WARNING_DAYS`].
    pub expiring: Vec<AttentionAlert>,
    /// Responses by other organisations to their organisation's alerts since
    /// their previous visit (none on a first visit).
    pub new_responses: i64,
    /// When that previous visit was.
    pub since: Option<DateTime<Utc>>,
}

impl Attention {
    pub fn is_empty(&self) -> bool {
        self.in_review.is_empty()
            && self.overdue_pledges.is_empty()
            && self.expiring.is_empty()
            && self.new_responses == 0
    }
}

fn attention_alert(row: q::AttentionAlertRow) -> AttentionAlert {
    AttentionAlert {
        titles: titles_of(&row.titles, &row.title),
        id: row.id,
        number: row.number,
        updated_at: from_millis(row.updated_at),
        expires: row.expires_at.map(from_millis),
    }
}

/// What needs `staff`'s attention, and records this look at the dashboard
/// (the next visit counts new responses from now).
pub async fn attention(state: &AppState, staff: &Staff) -> Result<Attention> {
    let now = state.clock.now();
    let db = &state.db;
    let in_review = if staff.role.can_publish() {
        q::in_review_of_org(db, &staff.org_id, ATTENTION_ITEMS).await?
    } else {
        Vec::new()
    };
    let expiring = q::expiring_open_of_org(
        db,
        &staff.org_id,
        to_millis(now + Duration::days(EXPIRY_WARNING_DAYS)),
        ATTENTION_ITEMS,
    )
    .await?;
    // Pledges past due: the rule of the API's `/attention`.
    let overdue = crate::services::actions::attention(state, staff).await?.overdue_pledges;
    let prefix = alert_uri_prefix(state);
    let mut overdue_pledges = Vec::new();
    for pledge in overdue.into_iter().take(ATTENTION_ITEMS as usize) {
        let (alert, alert_number) = if let Some(id) = pledge.alert.strip_prefix(&prefix) {
            let number = crate::db::alerts::get(db, id).await?.map(|a| a.row.number);
            (Some((Origin::Own, id.to_string())), number)
        } else {
            match crate::db::remote_alerts::find_by_id(db, &pledge.alert).await? {
                Some(row) if row.deleted_at.is_none() => (Some((Origin::Network, row.local_id)), Some(row.number)),
                _ => (None, None),
            }
        };
        overdue_pledges.push(OverduePledge {
            alert,
            alert_number,
            due: pledge.due,
        });
    }
    let previous = q::record_visit(db, &staff.user_id, to_millis(now), VISIT_GAP.num_milliseconds()).await?;
    let new_responses = match previous {
        Some(since) => q::responses_to_org_since(db, &staff.org_id, &prefix, since).await?,
        None => 0,
    };
    Ok(Attention {
        in_review: in_review.into_iter().map(attention_alert).collect(),
        overdue_pledges,
        expiring: expiring.into_iter().map(attention_alert).collect(),
        new_responses,
        since: previous.map(from_millis),
    })
}

/// An organisation the list can be filtered by: `value` is what the filter
/// takes (our slug, or the actor id of one elsewhere).
#[derive(Debug, Clone)]
pub struct OrgChoice {
    pub value: String,
    pub name: String,
    /// The node it is on, when it is not this one.
    pub host: Option<String>,
}

/// A group the list can be filtered by.
#[derive(Debug, Clone)]
pub struct GroupChoice {
    pub id: String,
    pub name: String,
}

/// The organisations and groups the filters offer to `staff`.
pub async fn choices(state: &AppState, staff: &Staff) -> Result<(Vec<OrgChoice>, Vec<GroupChoice>)> {
    let mut orgs: Vec<OrgChoice> = crate::db::accounts::list_orgs(&state.db)
        .await?
        .into_iter()
        .map(|o| OrgChoice {
            value: o.slug,
            name: o.name,
            host: None,
        })
        .collect();
    for author in q::remote_authors(&state.db, &staff.org_id).await? {
        orgs.push(OrgChoice {
            name: if author.name.is_empty() {
                author.attributed_to.clone()
            } else {
                author.name
            },
            value: author.attributed_to,
            host: Some(author.origin_host),
        });
    }
    let groups = crate::db::groups::list(&state.db)
        .await?
        .into_iter()
        .map(|g| GroupChoice { id: g.id, name: g.name })
        .collect();
    Ok((orgs, groups))
}
