//! A generated data set for the shared analysis, for its benchmark and its
//! tests: alerts of three organisations of one node and alerts received
//! from five others, over two years, varied in every dimension the analysis
//! counts (some closed, with outcomes), with responses and offers of
//! support. Written straight into the database (as the node's own writes
//! would, with their facts), so that many thousands take seconds.
//!
//! What it returns is the data as generated, for a test to count directly
//! by its own reading of it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use strum::VariantNames;

use crate::clock::to_millis;
use crate::db::actions::ActionRow;
use crate::db::alerts::{AlertRow, PrivateRow, StoredAlert};
use crate::db::new_id;
use crate::db::remote_alerts::RemoteAlertRow;
use crate::domain::alert::{AlertContent, BusinessLink, Defender, Perpetrator, RequestedAction};
use crate::domain::list_keys::ListKeys;
use crate::domain::vocab::*;
use crate::federation::wire::{AlertObject, WireHistoryEntry};
use crate::state::AppState;

/// What marks a local-only field in the data set: never to leave the node.
pub const LOCAL_ONLY_MARK: &str = "LOCAL-ONLY";

/// An organisation of the node the data set is written to.
#[derive(Debug, Clone)]
pub struct Org {
    pub id: String,
    pub slug: String,
}

/// One generated alert, as generated.
#[derive(Debug, Clone)]
pub struct Generated {
    /// `own` or `network`.
    pub source: &'static str,
    /// Our organisation's slug, or the received alert's author (actor id).
    pub author: String,
    pub status: AlertStatus,
    pub audience: Audience,
    /// Restricted alerts of ours: the slugs named; received ones: the ids
    /// of our organisations it was addressed to.
    pub named: Vec<String>,
    pub country: String,
    pub content: AlertContent,
    pub published: DateTime<Utc>,
    pub closing: Option<(Outcome, DateTime<Utc>)>,
    pub actions: Vec<GeneratedAction>,
    /// Our organisations the author let see its offers of support.
    pub offer_viewers: Vec<String>,
}

/// A response to a generated alert.
#[derive(Debug, Clone)]
pub struct GeneratedAction {
    /// Our organisation's id, or None for another node's organisation.
    pub org_id: Option<String>,
    pub kind: ActionKind,
    pub shareable: bool,
    pub support_type: Option<SupportType>,
}

fn pick<T: std::str::FromStr>(names: &[&str], n: usize) -> T
where
    T::Err: std::fmt::Debug,
{
    names[n % names.len()].parse().expect("a vocabulary's own names parse")
}

const COUNTRIES: &[&str] = &["GT", "HN", "CO", "MX", "BR", "PH", "KE", "SD"];
const COMPANIES: &[&str] = &[
    "Minera Sur",
    "Palmas del Norte",
    "Hidro Río Azul",
    "Agro Export S.A.",
    "Maderas Unidas",
];
const FINANCIERS: &[&str] = &["Banco Regional", "Fondo Global"];

/// The content of generated alert `n`.
fn content(n: usize) -> AlertContent {
    let mut title = crate::domain::LangMap::new();
    title.insert("en".into(), format!("Generated alert {n}"));
    let mut link = crate::domain::LangMap::new();
    link.insert("en".into(), "Defends the community's land.".into());
    let violations: Vec<ViolationType> = (0..1 + n % 2)
        .map(|i| pick(ViolationType::VARIANTS, n * 7 + i * 3))
        .collect();
    let perpetrators = (0..n % 3)
        .map(|i| Perpetrator {
            category: pick(PerpetratorCategory::VARIANTS, n * 5 + i),
            involvement: (!(n + i).is_multiple_of(4)).then(|| pick(Involvement::VARIANTS, n + i)),
            details: None,
        })
        .collect();
    let business_link = (!n.is_multiple_of(5)).then(|| BusinessLink {
        sector: pick(BusinessSector::VARIANTS, n * 3),
        // Mostly a few that recur; now and then one named once, as small
        // numbers are in real data.
        company: (!n.is_multiple_of(4)).then(|| match n % 97 {
            3 => format!("Cooperativa {n}"),
            _ => COMPANIES[n % COMPANIES.len()].to_string(),
        }),
        project: n.is_multiple_of(6).then(|| format!("Project {}", n % 4)),
        financier: n.is_multiple_of(7).then(|| FINANCIERS[n % 2].to_string()),
    });
    let defenders = (0..1 + n % 2)
        .map(|i| Defender {
            name: format!("Defender {n}-{i}"),
            kind: pick(DefenderKind::VARIANTS, n + i),
            woman_defender: (n + i).is_multiple_of(3),
            relationship: DefenderRelationship::Member,
            anonymised: n.is_multiple_of(8),
        })
        .collect();
    let requested_actions = (0..n % 3)
        .map(|i| RequestedAction {
            kind: pick(RequestedActionKind::VARIANTS, n * 11 + i * 2),
            description: Default::default(),
            addressees: Vec::new(),
            model_text: Default::default(),
            deadline: None,
        })
        .collect::<Vec<_>>();
    AlertContent {
        title,
        summary: Default::default(),
        body: Default::default(),
        link_to_work: link,
        defenders,
        region: n
            .is_multiple_of(3)
            .then(|| ["Norte", "Sur", "Costa"][n % 3].to_string()),
        place: None,
        violation_types: violations,
        perpetrators,
        business_link,
        rights_concerned: (0..1 + n % 2).map(|i| pick(Right::VARIANTS, n * 2 + i)).collect(),
        requested_actions: dedup_kinds(requested_actions),
        groups: Vec::new(),
    }
}

/// One requested action of each kind at most, as people write them.
fn dedup_kinds(mut actions: Vec<RequestedAction>) -> Vec<RequestedAction> {
    let mut seen = Vec::new();
    actions.retain(|a| {
        let new = !seen.contains(&a.kind);
        seen.push(a.kind);
        new
    });
    actions
}

/// When generated alert `n` was published: over the two years before `now`.
fn published(n: usize, now: DateTime<Utc>) -> DateTime<Utc> {
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).single().unwrap_or(now);
    let days = ((n * 7919) % 700) as i64;
    (start + Duration::days(days)).min(now - Duration::days(1))
}

/// How generated alert `n` ended, if it is closed.
fn closing(n: usize, published: DateTime<Utc>, closed: bool) -> Option<(Outcome, DateTime<Utc>)> {
    closed.then(|| {
        let outcome = pick(Outcome::VARIANTS, n * 3 + 1);
        let days = [2, 12, 45, 200, 400][(n / 2) % 5];
        (outcome, published + Duration::days(days))
    })
}

/// The responses to generated alert `n`, by our organisations `orgs` and
/// by others.
fn actions(n: usize, orgs: &[Org]) -> Vec<GeneratedAction> {
    let mut actions = Vec::new();
    if n.is_multiple_of(2) {
        actions.push(GeneratedAction {
            org_id: Some(orgs[n % orgs.len()].id.clone()),
            kind: ActionKind::SupportOffer,
            shareable: false,
            support_type: Some(pick(SupportType::VARIANTS, n / 2)),
        });
    }
    if n % 3 != 2 {
        actions.push(GeneratedAction {
            org_id: (!n.is_multiple_of(5)).then(|| orgs[(n + 1) % orgs.len()].id.clone()),
            kind: pick(&["letter_sent", "cosign", "statement"], n),
            shareable: n % 4 != 1,
            support_type: None,
        });
    }
    actions
}

/// Writes `own` alerts of `orgs` (by `user_id`) and `received` alerts from
/// other nodes, with their responses, in transactions of a thousand.
pub async fn seed(
    state: &AppState,
    orgs: &[Org],
    user_id: &str,
    own: usize,
    received: usize,
) -> anyhow::Result<Vec<Generated>> {
    let now = state.clock.now();
    let mut generated = Vec::with_capacity(own + received);
    for n in 0..own {
        let org = &orgs[n % orgs.len()];
        let status = match n % 11 {
            0 => AlertStatus::Draft,
            1 | 4 | 7 => AlertStatus::Closed,
            _ => AlertStatus::Open,
        };
        let audience = match (status, n % 7) {
            (AlertStatus::Draft, _) => Audience::Node,
            (_, 2) => Audience::Restricted,
            (_, 5) => Audience::Public,
            _ => Audience::Network,
        };
        let named = if audience == Audience::Restricted {
            vec![orgs[(n / 7) % orgs.len()].slug.clone()]
        } else {
            Vec::new()
        };
        let published = published(n, now);
        let released = status != AlertStatus::Draft;
        generated.push(Generated {
            source: "own",
            author: org.slug.clone(),
            status,
            audience,
            named,
            country: COUNTRIES[n % COUNTRIES.len()].to_string(),
            content: content(n),
            published,
            closing: closing(n, published, status == AlertStatus::Closed),
            actions: if released { actions(n, orgs) } else { Vec::new() },
            offer_viewers: if n.is_multiple_of(3) {
                vec![orgs[(n + 2) % orgs.len()].id.clone()]
            } else {
                Vec::new()
            },
        });
    }
    for n in 0..received {
        let m = n + own;
        let status = if n % 3 == 0 {
            AlertStatus::Closed
        } else {
            AlertStatus::Open
        };
        let audience = if n % 9 == 4 {
            Audience::Restricted
        } else {
            Audience::Network
        };
        let named = if audience == Audience::Restricted {
            vec![orgs[(n / 9) % orgs.len()].id.clone()]
        } else {
            Vec::new()
        };
        let published = published(m, now);
        let host = format!("node{}.example", n % 5);
        generated.push(Generated {
            source: "network",
            author: format!("https://{host}/orgs/org{}", n % 3),
            status,
            audience,
            named,
            country: COUNTRIES[m % COUNTRIES.len()].to_string(),
            content: content(m),
            published,
            closing: closing(m, published, status == AlertStatus::Closed),
            // Only our organisations' responses and other nodes' shared
            // ones reach this node.
            actions: actions(m, orgs)
                .into_iter()
                .filter(|a| a.org_id.is_some() || (a.shareable && a.kind != ActionKind::SupportOffer))
                .collect(),
            offer_viewers: Vec::new(),
        });
    }
    for chunk in generated.chunks(1000) {
        let mut tx = state.db.pool.begin().await?;
        for (i, alert) in chunk.iter().enumerate() {
            write(state, &mut tx, alert, orgs, user_id, i)
                .await
                .map_err(|e| anyhow::anyhow!("writing a generated alert: {e}"))?;
        }
        tx.commit().await?;
    }
    Ok(generated)
}

async fn write(
    state: &AppState,
    tx: &mut sqlx::AnyConnection,
    alert: &Generated,
    orgs: &[Org],
    user_id: &str,
    n: usize,
) -> crate::error::Result<()> {
    let published = to_millis(alert.published);
    let id = new_id();
    let closing = alert.closing;
    // Ours are at our URL; received ones at their author's node.
    let uri = if alert.source == "own" {
        crate::federation::urls::alert(&state.config, &id).to_string()
    } else {
        let node = alert.author.split("/orgs/").next().unwrap_or_default();
        format!("{node}/alerts/{id}")
    };
    let text = serde_json::to_string(&alert.content).map_err(anyhow::Error::from)?;
    let title = alert.content.title.get("en").cloned().unwrap_or_default();
    if alert.source == "own" {
        let org_id = orgs
            .iter()
            .find(|o| o.slug == alert.author)
            .map(|o| o.id.clone())
            .unwrap_or_default();
        let row = AlertRow {
            id: id.clone(),
            org_id,
            org_slug: String::new(),
            number: format!("GEN-{id}"),
            status: alert.status,
            audience: alert.audience,
            urgency: Urgency::Immediate,
            severity: Severity::Severe,
            certainty: Certainty::Likely,
            country: alert.country.clone(),
            title,
            search_text: String::new(),
            content: text,
            version: 1,
            expires_at: None,
            created_by: user_id.to_string(),
            created_at: published,
            updated_at: published,
            published_at: (alert.status != AlertStatus::Draft).then_some(published),
            closed_at: closing.map(|(_, at)| to_millis(at)),
            outcome: closing.map(|(o, _)| o.as_str().to_string()),
            closing_note: None,
            withdrawal_reason: None,
        };
        let stored = StoredAlert {
            row,
            violations: alert
                .content
                .violation_types
                .iter()
                .map(|v| v.as_str().to_string())
                .collect(),
            named_orgs: alert.named.clone(),
            private: PrivateRow {
                exact_location: Some(format!("{LOCAL_ONLY_MARK} location {n}")),
                contacts: Some(format!("{LOCAL_ONLY_MARK} contacts {n}")),
                family_details: None,
                internal_notes: Some(format!("{LOCAL_ONLY_MARK} notes {n}")),
            },
            consent: None,
        };
        // An alert is written open, then closed, as people do.
        let mut first = stored.clone();
        if alert.status == AlertStatus::Closed {
            first.row.status = AlertStatus::Open;
            first.row.closed_at = None;
            first.row.outcome = None;
        }
        crate::db::alerts::insert(tx, &first).await?;
        if alert.status == AlertStatus::Closed {
            let mut closed = stored;
            closed.row.version = 2;
            crate::db::alerts::update(tx, &closed, 1).await?;
        }
        if !alert.offer_viewers.is_empty() {
            crate::db::actions::set_offer_viewers(tx, &id, &alert.offer_viewers).await?;
        }
    } else {
        let history = alert
            .closing
            .map(|(_, at)| {
                vec![WireHistoryEntry {
                    version: 2,
                    published: at,
                    change: "closed".into(),
                    alert_status: AlertStatus::Closed,
                    changed_fields: Vec::new(),
                }]
            })
            .unwrap_or_default();
        let updated = alert.closing.map(|(_, at)| at).unwrap_or(alert.published);
        let object = AlertObject::build(
            url::Url::parse(&uri).map_err(anyhow::Error::from)?,
            format!("NET-{id}"),
            url::Url::parse(&alert.author).map_err(anyhow::Error::from)?,
            alert.status,
            Urgency::Immediate,
            Severity::Severe,
            Certainty::Likely,
            alert.audience,
            alert.country.clone(),
            &alert.content,
            alert.published,
            updated,
            None,
            1 + i64::from(alert.closing.is_some()),
            alert.closing.map(|(o, _)| o),
            None,
            history,
            Vec::new(),
        );
        let row = RemoteAlertRow {
            id: uri.clone(),
            local_id: new_id(),
            origin_host: object.id.host_str().unwrap_or_default().to_string(),
            attributed_to: alert.author.clone(),
            number: object.number.clone(),
            status: alert.status,
            sharing: alert.audience,
            urgency: Urgency::Immediate,
            severity: Severity::Severe,
            certainty: Certainty::Likely,
            country: alert.country.clone(),
            title,
            search_text: String::new(),
            document: serde_json::to_string(&object).map_err(anyhow::Error::from)?,
            version: object.version,
            published_at: published,
            updated_at: to_millis(updated),
            received_at: to_millis(updated),
            deleted_at: None,
        };
        let keys = ListKeys::of(
            &alert.content,
            Urgency::Immediate,
            &alert.country,
            Some(alert.published),
            object.closing(),
        );
        let violations: Vec<String> = alert
            .content
            .violation_types
            .iter()
            .map(|v| v.as_str().to_string())
            .collect();
        crate::db::remote_alerts::upsert(tx, &row, &keys, &violations, &alert.named).await?;
    }
    for (i, action) in alert.actions.iter().enumerate() {
        let (org_uri, org_name) = match &action.org_id {
            Some(org) => {
                let slug = orgs
                    .iter()
                    .find(|o| &o.id == org)
                    .map(|o| o.slug.as_str())
                    .unwrap_or_default();
                (
                    crate::federation::urls::org_actor(&state.config, slug).to_string(),
                    slug.to_string(),
                )
            }
            None => ("https://elsewhere.example/orgs/other".to_string(), "Other".to_string()),
        };
        let action_id = format!("{uri}/generated-action/{i}");
        crate::db::actions::upsert(
            tx,
            &ActionRow {
                id: action_id,
                local_id: new_id(),
                alert_uri: uri.clone(),
                org_uri,
                org_name,
                org_id: action.org_id.clone(),
                kind: action.kind.as_str().to_string(),
                shareable: action.shareable,
                content: "{}".into(),
                addressee: None,
                due_at: None,
                support_type: action.support_type.map(|s| s.as_str().to_string()),
                outcome: None,
                document: "{}".into(),
                version: 1,
                published_at: published,
                updated_at: published,
                received_at: published,
                deleted_at: None,
            },
        )
        .await?;
    }
    crate::services::analysis::recount_actions(tx, state, &uri).await?;
    Ok(())
}
