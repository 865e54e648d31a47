//! The network-wide picture, built without sharing records: an organisation
//! may opt in to publishing aggregate counts of its own released alerts
//! (never records, never names), signed with its key; other nodes combine
//! them with their own organisations' counts.
//!
//! - **What is published**: for each vocabulary dimension (not those whose
//!   values people type: companies, projects, financiers and regions, which
//!   could name someone), the counts of the organisation's own released
//!   alerts (received ones never), protected exactly as the analysis page
//!   protects them ([`analysis::protect`]): a small count is `<3`, one that
//!   would give a small one away is `hidden`. With the total, the threshold
//!   and when they were made.
//! - **When**: at once when an organisation opts in, then on a tick
//!   ([`TICK`]) that recomputes each publishing organisation's counts and
//!   sends them only when what would be published changed (or a day has
//!   passed, so that receivers see it is fresh). Sent through the durable
//!   outbox to connected and trusted peers, and served at
//!   `/orgs/{slug}/analysis` to their signed fetches. Opting out sends a
//!   `Delete`: receivers drop what they hold.
//! - **Receiving** ([`on_aggregate`]): the proof must be the organisation's,
//!   with a key its actor document lists; the organisation must be the
//!   sender and on the sending host; no count under the threshold (ours or
//!   theirs, the larger) may show, nor a dimension of typed names. Anything
//!   else is refused and nothing stored; an aggregate no newer than the one
//!   held is ignored.
//! - **Combining** ([`combine`]): for each value, the sum over contributors.
//!   A sum of exact parts is exact; a `<3` part is 1 to `t-1`, a hidden part
//!   `t` up to its organisation's total, a value a contributor withheld is 0
//!   up to its total: the sum is then a range. One that could be under the
//!   threshold shows as `<3` when it must be (its upper end is), else as
//!   `≤ high`, which says no more than the parts already published did.

use std::collections::BTreeMap;

use activitypub_federation::config::Data;
use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;
use utoipa::ToSchema;

use super::analysis::{self, Analysis, Protected, Shown};
use crate::clock::{from_millis, to_millis};
use crate::db::new_id;
use crate::db::published_aggregates as q;
use crate::domain::analysis::Dimension;
use crate::domain::vocab::{Role, Trust};
use crate::error::{Error, Result};
use crate::federation::actors::LocalActor;
use crate::federation::integrity;
use crate::federation::outbox::{self, Outgoing};
use crate::federation::receiving::{Received, Receiving};
use crate::federation::urls;
use crate::federation::wire::{self, AlertAggregate, WireBreakdown, WireCell, WireCount, WireProtected};
use crate::services::accounts::Staff;
use crate::state::AppState;

/// How often a node recomputes what its organisations publish.
pub const TICK: std::time::Duration = std::time::Duration::from_secs(60);

/// An unchanged aggregate is sent again after this, to show it is fresh.
const REFRESH: chrono::Duration = chrono::Duration::hours(24);

/// The dimensions published: vocabularies, countries and months; never
/// those whose values people type.
pub fn published_dimensions() -> Vec<Dimension> {
    use strum::VariantArray;
    Dimension::VARIANTS
        .iter()
        .copied()
        .filter(|d| !d.is_free_text())
        .collect()
}

/// Whether `staff`'s organisation publishes its counts.
pub async fn is_publishing(state: &AppState, org_id: &str) -> Result<bool> {
    Ok(q::find(&state.db.pool, org_id).await?.is_some())
}

/// Turns publishing on or off for `staff`'s organisation (its admins),
/// audited as `org.aggregates`. On: published at once. Off: withdrawn from
/// every node it went to.
pub async fn set_publishing(state: &AppState, staff: &Staff, on: bool) -> Result<()> {
    staff.require(
        staff.role == Role::Admin,
        "choose whether the organisation publishes its counts (its admins can)",
    )?;
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    let changed = if on {
        q::opt_in(&mut *tx, &staff.org_id, to_millis(now)).await?
    } else {
        q::opt_out(&mut *tx, &staff.org_id).await?
    };
    if changed {
        crate::db::audit::record(
            &mut *tx,
            to_millis(now),
            Some(&staff.user_id),
            Some(&staff.org_id),
            "org.aggregates",
            &staff.org_slug,
            if on { "publishing" } else { "not publishing" },
        )
        .await?;
    }
    tx.commit().await?;
    if !changed {
        return Ok(());
    }
    if on {
        publish(state, &staff.org_id, true).await?;
    } else {
        withdraw(state, &staff.org_id).await?;
    }
    Ok(())
}

/// The counts `org_id` publishes, as they are now.
pub async fn own_aggregate(state: &AppState, org_id: &str) -> Result<Analysis> {
    let (total, rows) = crate::db::analysis::author_counts(&state.db, org_id, false).await?;
    let published = published_dimensions();
    let mut counts: BTreeMap<Dimension, Vec<(String, i64)>> = BTreeMap::new();
    for row in rows {
        if let Ok(dimension) = row.dimension.parse::<Dimension>()
            && published.contains(&dimension)
        {
            counts.entry(dimension).or_default().push((row.value, row.alerts));
        }
    }
    let mut analysis = analysis::protect(total, &counts, state.config.small_count_threshold);
    analysis.breakdowns.retain(|b| published.contains(&b.dimension));
    Ok(analysis)
}

fn to_wire(shown: Shown) -> WireCount {
    match shown {
        Shown::Count(n) => WireCount::Exact(n),
        Shown::Protected(Protected::Fewer) => WireCount::Protected(WireProtected::Fewer),
        Shown::Protected(Protected::Hidden) => WireCount::Protected(WireProtected::Hidden),
    }
}

fn from_wire(count: WireCount) -> Shown {
    match count {
        WireCount::Exact(n) => Shown::Count(n),
        WireCount::Protected(WireProtected::Fewer) => Shown::Protected(Protected::Fewer),
        WireCount::Protected(WireProtected::Hidden) => Shown::Protected(Protected::Hidden),
    }
}

/// The aggregate document of `analysis` by the organisation `actor`, unsigned.
fn document(actor: &Url, analysis: &Analysis, generated: DateTime<Utc>) -> AlertAggregate {
    AlertAggregate {
        context: wire::aggregate_context(),
        id: aggregate_id(actor),
        kind: wire::AGGREGATE_TYPE.into(),
        attributed_to: actor.clone(),
        generated,
        threshold: analysis.threshold,
        alerts: to_wire(analysis.alerts),
        breakdowns: analysis
            .breakdowns
            .iter()
            .map(|b| WireBreakdown {
                dimension: b.dimension.as_str().into(),
                one_per_alert: b.one_per_alert,
                cells: b
                    .cells
                    .iter()
                    .map(|c| WireCell {
                        value: c.value.clone(),
                        alerts: to_wire(c.alerts),
                    })
                    .collect(),
            })
            .collect(),
        proof: None,
    }
}

/// Where an organisation's aggregate is served, and its id.
pub fn aggregate_id(actor: &Url) -> Url {
    Url::parse(&format!("{actor}/analysis")).expect("an actor URL with a path appended is a URL")
}

/// The inboxes of the nodes this one federates with.
async fn peer_inboxes(state: &AppState) -> Result<Vec<(Url, String)>> {
    let mut inboxes = Vec::new();
    for peer in super::peers::with_trust(state, &[Trust::Connected, Trust::Trusted]).await? {
        if peer.shared_inbox.is_some() {
            inboxes.push((super::peers::peer_inbox(&peer)?, peer.host.clone()));
        }
    }
    Ok(inboxes)
}

/// Publishes what every publishing organisation would publish now, where it
/// changed (or is a day old); returns how many were sent.
pub async fn publish_due(state: &AppState) -> Result<usize> {
    let mut sent = 0;
    for publishing in q::all(&state.db.pool).await? {
        if publish(state, &publishing.org_id, false).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Recomputes `org_id`'s aggregate and sends it if it changed, is old, or
/// `force`; true if it was sent.
async fn publish(state: &AppState, org_id: &str, force: bool) -> Result<bool> {
    let Some(publishing) = q::find(&state.db.pool, org_id).await? else {
        return Ok(false);
    };
    let Some(org) = crate::db::accounts::find_org_by_id(&state.db, org_id).await? else {
        return Ok(false);
    };
    let analysis = own_aggregate(state, org_id).await?;
    let fingerprint = serde_json::to_string(&analysis).map_err(anyhow::Error::from)?;
    let now = state.clock.now();
    let fresh = publishing.generated_at.is_some_and(|g| now - from_millis(g) < REFRESH);
    if !force && fresh && publishing.fingerprint.as_deref() == Some(fingerprint.as_str()) {
        return Ok(false);
    }
    let actor = LocalActor::org(state, org).await?;
    let generated = from_millis(to_millis(now) / 1000 * 1000);
    let mut aggregate = document(&actor.id, &analysis, generated);
    let signer = integrity::Signer::load(state, &actor.actor_ref, &actor.id).await?;
    aggregate.proof = Some(signer.proof_of(state, &aggregate)?);
    let inboxes = peer_inboxes(state).await?;
    let id = urls::activity(&state.config, &new_id());
    let body = wire::to_value(&wire::AggregateUpdate {
        context: wire::aggregate_context(),
        id: id.clone(),
        kind: wire::UpdateType,
        actor: actor.id.clone(),
        object: aggregate.clone(),
        to: vec![urls::network(&state.config)],
        published: generated,
    });
    let mut tx = state.db.pool.begin().await?;
    q::set_sent(
        &mut *tx,
        org_id,
        &fingerprint,
        to_millis(generated),
        &wire::to_value(&aggregate).to_string(),
    )
    .await?;
    if !inboxes.is_empty() {
        outbox::enqueue(
            &mut tx,
            &Outgoing {
                id,
                actor_ref: actor.actor_ref.clone(),
                kind: "Update".into(),
                object_id: Some(aggregate.id.to_string()),
                body,
                inboxes,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    state.deliveries.notify_one();
    Ok(true)
}

/// Tells every node this one federates with that `org_id` no longer
/// publishes: a `Delete` of its aggregate, signed by the organisation.
async fn withdraw(state: &AppState, org_id: &str) -> Result<()> {
    let Some(org) = crate::db::accounts::find_org_by_id(&state.db, org_id).await? else {
        return Ok(());
    };
    let inboxes = peer_inboxes(state).await?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let now = state.clock.now();
    let actor = LocalActor::org(state, org).await?;
    let id = urls::activity(&state.config, &new_id());
    let target = aggregate_id(&actor.id);
    let mut body = wire::to_value(&wire::ObjectActivity {
        context: wire::OurContext,
        id: id.clone(),
        kind: wire::ObjectVerb::Delete,
        actor: actor.id.clone(),
        object: wire::Tombstone::new(wire::FormerType::AlertAggregate, target.clone(), now),
        to: vec![urls::network(&state.config)],
        published: now,
        proof: None,
    });
    integrity::Signer::load(state, &actor.actor_ref, &actor.id)
        .await?
        .sign(state, &mut body)?;
    let mut tx = state.db.pool.begin().await?;
    outbox::enqueue(
        &mut tx,
        &Outgoing {
            id,
            actor_ref: actor.actor_ref.clone(),
            kind: "Delete".into(),
            object_id: Some(target.to_string()),
            body,
            inboxes,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    state.deliveries.notify_one();
    Ok(())
}

/// The signed aggregate `slug` last published, for a signed fetch by a node
/// `host` that this one federates with; `None` otherwise (a 404 that says
/// nothing of whether it publishes).
pub async fn served(state: &AppState, slug: &str, host: Option<(&str, Trust)>) -> Result<Option<serde_json::Value>> {
    if !matches!(host, Some((_, Trust::Connected | Trust::Trusted))) {
        return Ok(None);
    }
    let Some(org) = crate::db::accounts::find_org_by_slug(&state.db, slug).await? else {
        return Ok(None);
    };
    let Some(document) = q::find(&state.db.pool, &org.id).await?.and_then(|p| p.document) else {
        return Ok(None);
    };
    Ok(serde_json::from_str(&document).ok())
}

/// Checks and keeps an organisation's aggregate, received in an `Update`
/// from `host` (module doc).
pub async fn on_aggregate(
    state: &AppState,
    data: &Data<AppState>,
    receiving: &mut Receiving,
    received: &Received,
    host: &str,
) -> Result<()> {
    let raw = &received.raw["object"];
    let aggregate: AlertAggregate =
        serde_json::from_value(raw.clone()).map_err(|e| Error::BadRequest(format!("not an AlertAggregate: {e}")))?;
    let actor = &received.actor;
    if aggregate.attributed_to != *actor || aggregate.id != aggregate_id(actor) {
        return Err(Error::Forbidden(
            "an organisation publishes only its own counts, at its own address".into(),
        ));
    }
    if urls::host_of(actor).as_deref() != Some(host) || urls::local_org_slug(&state.config, actor).is_some() {
        return Err(Error::Forbidden("the organisation is not on the sending node".into()));
    }
    if aggregate.kind != wire::AGGREGATE_TYPE || aggregate.context != wire::aggregate_context() {
        return Err(Error::BadRequest("not an AlertAggregate".into()));
    }
    check_protected(&aggregate, state.config.small_count_threshold)?;
    integrity::verify_by(state, data, receiving, raw, actor).await?;
    let held = q::find_received(&state.db.pool, actor.as_str()).await?;
    let generated = to_millis(aggregate.generated);
    if held.is_some_and(|h| h.generated_at >= generated) {
        tracing::debug!(%actor, "an aggregate no newer than the one held: ignored");
        return Ok(());
    }
    q::store_received(
        &state.db.pool,
        &q::ReceivedAggregate {
            org_actor: actor.to_string(),
            host: host.to_string(),
            generated_at: generated,
            received_at: to_millis(state.clock.now()),
            document: wire::to_value(&aggregate).to_string(),
        },
    )
    .await?;
    Ok(())
}

/// Refuses an aggregate that shows what must not be published: a count
/// under the threshold (theirs or ours, the larger), a dimension whose
/// values are typed names, or a value that is more than a key.
pub fn check_protected(aggregate: &AlertAggregate, our_threshold: i64) -> Result<()> {
    if aggregate.threshold < 2 {
        return Err(Error::BadRequest("a threshold of at least 2".into()));
    }
    let t = aggregate.threshold.max(our_threshold);
    let small = |count: WireCount| matches!(count, WireCount::Exact(n) if n < 0 || (n > 0 && n < t));
    if small(aggregate.alerts) {
        return Err(Error::BadRequest(format!("a count under {t} is shown")));
    }
    let published = published_dimensions();
    for breakdown in &aggregate.breakdowns {
        match breakdown.dimension.parse::<Dimension>() {
            Ok(d) if published.contains(&d) => {}
            _ => {
                return Err(Error::BadRequest(format!(
                    "`{}` is not a published dimension",
                    breakdown.dimension
                )));
            }
        }
        // Where the cells add up to the total, no protected one may be
        // pinned down by subtracting the others (the rule `protect` keeps
        // for ours, checked again here for theirs).
        let one_per_alert = breakdown
            .dimension
            .parse::<Dimension>()
            .is_ok_and(analysis::one_per_alert);
        if let (true, WireCount::Exact(total)) = (one_per_alert, aggregate.alerts) {
            let shown: Vec<Shown> = breakdown.cells.iter().map(|cell| from_wire(cell.alerts)).collect();
            if analysis::gives_away(&shown, total, aggregate.threshold) {
                return Err(Error::BadRequest(format!(
                    "a count under {t} can be worked out from the others in `{}`",
                    breakdown.dimension
                )));
            }
        }
        for cell in &breakdown.cells {
            if small(cell.alerts) {
                return Err(Error::BadRequest(format!(
                    "a count under {t} is shown ({}={})",
                    breakdown.dimension, cell.value
                )));
            }
            if cell.value.chars().count() > 40 {
                return Err(Error::BadRequest(format!(
                    "`{}` holds more than keys",
                    breakdown.dimension
                )));
            }
        }
    }
    Ok(())
}

/// `Delete` of an organisation's aggregate: it stopped publishing. The
/// activity's proof must be the organisation's.
pub async fn on_withdrawn(
    state: &AppState,
    data: &Data<AppState>,
    receiving: &mut Receiving,
    received: &Received,
    target: &Url,
) -> Result<()> {
    let actor = &received.actor;
    if *target != aggregate_id(actor) {
        return Err(Error::Forbidden("an organisation withdraws only its own counts".into()));
    }
    integrity::verify_by(state, data, receiving, &received.raw, actor).await?;
    q::remove_received(&state.db.pool, actor.as_str()).await?;
    Ok(())
}

/// One organisation's part of the picture.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contributor {
    /// Its actor.
    pub organisation: String,
    pub name: String,
    /// The node that hosts it.
    pub node: String,
    /// Ours (counted now) rather than received.
    pub local: bool,
    /// When its counts were made.
    pub generated: DateTime<Utc>,
    /// When this node received them (for another node's).
    pub received: Option<DateTime<Utc>>,
    #[schema(value_type = serde_json::Value)]
    pub alerts: Shown,
}

/// A sum over contributors, as it may be shown: the number when exact,
/// else `"<3"`, `"lo–hi"`, `"≥lo"` or `"≤hi"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Combined {
    Count(i64),
    Text(String),
}

/// One value of a dimension across the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NetworkCell {
    pub value: String,
    #[schema(value_type = serde_json::Value)]
    pub alerts: Combined,
    /// The least and most it can be, when the least is not small; `high`
    /// is absent when a hidden part has no known bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NetworkBreakdown {
    pub dimension: Dimension,
    pub cells: Vec<NetworkCell>,
}

/// The network-wide picture.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NetworkPicture {
    pub threshold: i64,
    /// How many alerts, across every contributor.
    #[schema(value_type = serde_json::Value)]
    pub alerts: Combined,
    pub contributors: Vec<Contributor>,
    pub breakdowns: Vec<NetworkBreakdown>,
}

/// One contributor's counts, as published (or as they would be).
#[derive(Debug, Clone)]
pub struct Part {
    pub threshold: i64,
    pub alerts: Shown,
    /// Present dimensions only; an empty list is a withheld breakdown.
    pub breakdowns: BTreeMap<Dimension, Vec<(String, Shown)>>,
}

impl Part {
    fn of_analysis(analysis: &Analysis) -> Part {
        Part {
            threshold: analysis.threshold,
            alerts: analysis.alerts,
            breakdowns: analysis
                .breakdowns
                .iter()
                .map(|b| {
                    (
                        b.dimension,
                        b.cells.iter().map(|c| (c.value.clone(), c.alerts)).collect(),
                    )
                })
                .collect(),
        }
    }

    fn of_wire(aggregate: &AlertAggregate) -> Part {
        Part {
            threshold: aggregate.threshold,
            alerts: from_wire(aggregate.alerts),
            breakdowns: aggregate
                .breakdowns
                .iter()
                .filter_map(|b| {
                    let d = b.dimension.parse::<Dimension>().ok()?;
                    Some((
                        d,
                        b.cells.iter().map(|c| (c.value.clone(), from_wire(c.alerts))).collect(),
                    ))
                })
                .collect(),
        }
    }

    /// The most its total can be.
    fn total_high(&self) -> Option<i64> {
        bounds(self.alerts, self.threshold, None).1
    }
}

/// The least and most a shown count can be (`None`: no known most).
fn bounds(shown: Shown, t: i64, ceiling: Option<i64>) -> (i64, Option<i64>) {
    match shown {
        Shown::Count(n) => (n, Some(n)),
        Shown::Protected(Protected::Fewer) => (1, Some(t - 1)),
        Shown::Protected(Protected::Hidden) => (t, ceiling),
    }
}

/// A sum as it may be shown with threshold `t` (module doc).
pub fn show_sum(low: i64, high: Option<i64>, t: i64) -> NetworkCell {
    let cell = |alerts, low, high| NetworkCell {
        value: String::new(),
        alerts,
        low,
        high,
    };
    let fewer = || Combined::Text(format!("<{t}"));
    match high {
        Some(h) if h == low => {
            if low > 0 && low < t {
                cell(fewer(), None, None)
            } else {
                cell(Combined::Count(low), None, None)
            }
        }
        Some(h) if h < t => cell(fewer(), None, None),
        Some(h) if low < t => cell(Combined::Text(format!("≤{h}")), None, Some(h)),
        Some(h) => cell(Combined::Text(format!("{low}–{h}")), Some(low), Some(h)),
        None if low < t => cell(Combined::Text("?".into()), None, None),
        None => cell(Combined::Text(format!("≥{low}")), Some(low), None),
    }
}

/// The parts summed, value by value, shown with threshold `t`.
pub fn combine(parts: &[Part], t: i64) -> (Combined, Vec<NetworkBreakdown>) {
    let (mut low, mut high) = (0, Some(0i64));
    for part in parts {
        let (l, h) = bounds(part.alerts, part.threshold, None);
        low += l;
        high = high.zip(h).map(|(a, b)| a + b);
    }
    let total = show_sum(low, high, t).alerts;
    let mut breakdowns = Vec::new();
    for dimension in published_dimensions() {
        let mut values: Vec<String> = parts
            .iter()
            .filter_map(|p| p.breakdowns.get(&dimension))
            .flatten()
            .map(|(v, _)| v.clone())
            .collect();
        values.sort();
        values.dedup();
        let mut cells: Vec<NetworkCell> = values
            .into_iter()
            .map(|value| {
                let (mut low, mut high) = (0, Some(0i64));
                for part in parts {
                    let ceiling = part.total_high();
                    let (l, h) = match part.breakdowns.get(&dimension) {
                        Some(cells) if !cells.is_empty() => match cells.iter().find(|(v, _)| *v == value) {
                            Some((_, shown)) => bounds(*shown, part.threshold, ceiling),
                            None => (0, Some(0)),
                        },
                        // Withheld: anything up to its total.
                        _ => (0, ceiling),
                    };
                    low += l;
                    high = high.zip(h).map(|(a, b)| a + b);
                }
                NetworkCell {
                    value,
                    ..show_sum(low, high, t)
                }
            })
            .collect();
        // Largest first (by what is known), then by value.
        cells.sort_by(|a, b| {
            let key = |c: &NetworkCell| match c.alerts {
                Combined::Count(n) => n,
                _ => c.low.unwrap_or(0),
            };
            key(b).cmp(&key(a)).then_with(|| a.value.cmp(&b.value))
        });
        breakdowns.push(NetworkBreakdown { dimension, cells });
    }
    (total, breakdowns)
}

/// The picture across the network: this node's publishing organisations
/// (counted now) and the aggregates received from others'. Any staff member
/// may see it: it holds nothing but what was published.
pub async fn picture(state: &AppState, _staff: &Staff) -> Result<NetworkPicture> {
    let t = state.config.small_count_threshold;
    let mut contributors = Vec::new();
    let mut parts = Vec::new();
    let now = state.clock.now();
    for publishing in q::all(&state.db.pool).await? {
        let Some(org) = crate::db::accounts::find_org_by_id(&state.db, &publishing.org_id).await? else {
            continue;
        };
        let analysis = own_aggregate(state, &org.id).await?;
        contributors.push(Contributor {
            organisation: urls::org_actor(&state.config, &org.slug).to_string(),
            name: org.name.clone(),
            node: state.config.domain.clone(),
            local: true,
            generated: now,
            received: None,
            alerts: analysis.alerts,
        });
        parts.push(Part::of_analysis(&analysis));
    }
    for row in q::all_received(&state.db.pool).await? {
        // Only from nodes this one still federates with (a blocked node's
        // counts come back with its trust, newer ones replacing them).
        if !matches!(
            super::peers::trust_of(state, &row.host).await?,
            Some(Trust::Connected | Trust::Trusted)
        ) {
            continue;
        }
        let Ok(aggregate) = serde_json::from_str::<AlertAggregate>(&row.document) else {
            tracing::warn!(org = %row.org_actor, "a received aggregate no longer reads; left out");
            continue;
        };
        let name = crate::federation::actors::find_remote_actor(state, &row.org_actor)
            .await?
            .and_then(|a| a.name)
            .unwrap_or_else(|| row.org_actor.clone());
        contributors.push(Contributor {
            organisation: row.org_actor.clone(),
            name,
            node: row.host.clone(),
            local: false,
            generated: from_millis(row.generated_at),
            received: Some(from_millis(row.received_at)),
            alerts: from_wire(aggregate.alerts),
        });
        parts.push(Part::of_wire(&aggregate));
    }
    let (alerts, breakdowns) = combine(&parts, t);
    Ok(NetworkPicture {
        threshold: t,
        alerts,
        contributors,
        breakdowns,
    })
}

/// Publishes on [`TICK`] until `stop` is set.
pub async fn run_ticker(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = stop.changed() => return,
        }
        if let Err(err) = publish_due(&state).await {
            tracing::error!(error = %err, "the published counts could not be refreshed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(total: Shown, cells: &[(&str, Shown)]) -> Part {
        let mut breakdowns = BTreeMap::new();
        breakdowns.insert(
            Dimension::Country,
            cells.iter().map(|(v, s)| (v.to_string(), *s)).collect(),
        );
        Part {
            threshold: 3,
            alerts: total,
            breakdowns,
        }
    }

    const FEWER: Shown = Shown::Protected(Protected::Fewer);
    const HIDDEN: Shown = Shown::Protected(Protected::Hidden);

    fn country(parts: &[Part]) -> BTreeMap<String, Combined> {
        let (_, breakdowns) = combine(parts, 3);
        breakdowns
            .into_iter()
            .find(|b| b.dimension == Dimension::Country)
            .unwrap()
            .cells
            .into_iter()
            .map(|c| (c.value, c.alerts))
            .collect()
    }

    #[test]
    fn exact_parts_add_up_and_protected_ones_give_ranges() {
        let a = part(Shown::Count(12), &[("GT", Shown::Count(7)), ("HN", Shown::Count(5))]);
        let b = part(
            Shown::Count(9),
            &[("GT", Shown::Count(4)), ("HN", FEWER), ("CO", HIDDEN), ("", FEWER)],
        );
        let got = country(&[a, b]);
        assert_eq!(got["GT"], Combined::Count(11));
        assert_eq!(got["HN"], Combined::Text("6–7".into()));
        // Hidden: at least 3, at most b's total.
        assert_eq!(got["CO"], Combined::Text("3–9".into()));
        // Only b's `<3`, nothing from a: still under the threshold.
        assert_eq!(got[""], Combined::Text("<3".into()));
        let (total, _) = combine(
            &[
                part(Shown::Count(12), &[]),
                part(Shown::Count(9), &[("GT", Shown::Count(9))]),
            ],
            3,
        );
        assert_eq!(total, Combined::Count(21));
    }

    #[test]
    fn a_sum_that_could_be_small_is_never_shown_as_a_small_number() {
        // Two `<3` parts: 2 to 4, which could be under the threshold.
        let got = country(&[
            part(Shown::Count(5), &[("GT", FEWER)]),
            part(Shown::Count(5), &[("GT", FEWER)]),
        ]);
        assert_eq!(got["GT"], Combined::Text("≤4".into()));
        // A contributor with fewer than 3 alerts withholds everything.
        let few = Part {
            threshold: 3,
            alerts: FEWER,
            breakdowns: BTreeMap::new(),
        };
        let got = country(&[part(Shown::Count(5), &[("GT", Shown::Count(5))]), few.clone()]);
        assert_eq!(got["GT"], Combined::Text("5–7".into()));
        let (total, _) = combine(&[few.clone(), few], 3);
        assert_eq!(total, Combined::Text("≤4".into()));
        for low in 0..6 {
            for high in low..8 {
                let shown = show_sum(low, Some(high), 3);
                if let Combined::Count(n) = shown.alerts {
                    assert!(n == 0 || n >= 3, "{low}..{high} shows {n}");
                }
                assert!(shown.low.is_none_or(|l| l >= 3));
            }
        }
    }

    #[test]
    fn typed_names_and_small_counts_are_refused() {
        let analysis = Analysis {
            threshold: 3,
            alerts: Shown::Count(10),
            breakdowns: Vec::new(),
        };
        let actor = Url::parse("https://node-a.example/orgs/green").unwrap();
        let mut aggregate = document(&actor, &analysis, Utc::now());
        assert!(check_protected(&aggregate, 3).is_ok());
        aggregate.breakdowns.push(WireBreakdown {
            dimension: "country".into(),
            one_per_alert: true,
            cells: vec![WireCell {
                value: "GT".into(),
                alerts: WireCount::Exact(2),
            }],
        });
        assert!(check_protected(&aggregate, 3).is_err());
        aggregate.breakdowns[0].cells[0].alerts = WireCount::Exact(4);
        assert!(check_protected(&aggregate, 3).is_ok());
        // Our threshold is larger: theirs does not lower it.
        assert!(check_protected(&aggregate, 5).is_err());
        // One protected cell beside the others of the total is the total
        // less them: 10 - 4 - 4 = 2.
        aggregate.breakdowns[0].cells.extend([
            WireCell {
                value: "HN".into(),
                alerts: WireCount::Exact(4),
            },
            WireCell {
                value: "".into(),
                alerts: WireCount::Protected(WireProtected::Fewer),
            },
        ]);
        let refused = check_protected(&aggregate, 3).unwrap_err().to_string();
        assert!(refused.contains("worked out"), "{refused}");
        // Two protected cells that add up to 6 (4 and 2, or 5 and 1) give
        // nothing away.
        aggregate.breakdowns[0].cells[0].alerts = WireCount::Protected(WireProtected::Hidden);
        assert!(
            check_protected(&aggregate, 3).is_ok(),
            "{:?}",
            check_protected(&aggregate, 3)
        );
        aggregate.breakdowns[0].dimension = "company".into();
        assert!(check_protected(&aggregate, 3).is_err());
    }
}

/// The examples in `federation/examples/` are what this code sends, signed
/// with the W3C vc-di-eddsa test key (as the protocol tests sign theirs);
/// `TADAMUN_BLESS_EXAMPLES=1` writes them after a deliberate change.
#[cfg(test)]
mod examples {
    use serde_json::Value;

    use super::*;
    use crate::federation::proof;

    const METHOD: &str = "https://node-a.example/orgs/green-advocates#ed25519-key-1";
    const CREATED: &str = "2026-11-28T09:15:03Z";

    fn key() -> ed25519_dalek::SigningKey {
        let keys: Value =
            serde_json::from_str(include_str!("../../tests/it/fixtures/eddsa-jcs-2022/keyPair.json")).unwrap();
        proof::parse_private_key_multibase(keys["privateKeyMultibase"].as_str().unwrap()).unwrap()
    }

    fn matches_example(name: &str, built: &Value) {
        let path = format!("{}/federation/examples/{name}", env!("CARGO_MANIFEST_DIR"));
        if std::env::var_os("TADAMUN_BLESS_EXAMPLES").is_some() {
            std::fs::write(&path, serde_json::to_string_pretty(built).unwrap() + "\n").unwrap();
            return;
        }
        let example: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(built, &example, "{name} is not what the code sends");
    }

    #[test]
    fn the_examples_are_what_the_code_sends_and_verify() {
        let mut counts = BTreeMap::new();
        counts.insert(
            Dimension::Country,
            vec![
                ("GT".to_string(), 21),
                ("HN".to_string(), 14),
                ("CO".to_string(), 5),
                ("MX".to_string(), 2),
            ],
        );
        counts.insert(
            Dimension::Violation,
            vec![
                ("death_threat".to_string(), 25),
                ("judicial_harassment".to_string(), 19),
                ("killing".to_string(), 1),
            ],
        );
        counts.insert(
            Dimension::Month,
            vec![("2026-10".to_string(), 20), ("2026-11".to_string(), 22)],
        );
        let mut analysis = analysis::protect(42, &counts, 3);
        analysis.breakdowns.retain(|b| {
            matches!(
                b.dimension,
                Dimension::Country | Dimension::Violation | Dimension::Month
            )
        });
        let actor = Url::parse("https://node-a.example/orgs/green-advocates").unwrap();
        let generated: DateTime<Utc> = "2026-11-28T09:15:02Z".parse().unwrap();
        let mut aggregate = document(&actor, &analysis, generated);
        let unsigned = wire::to_value(&aggregate);
        aggregate.proof = Some(proof::create_proof(&unsigned, &key(), METHOD, CREATED).unwrap());
        let network = Url::parse("https://node-a.example/network").unwrap();
        let update = wire::to_value(&wire::AggregateUpdate {
            context: wire::aggregate_context(),
            id: Url::parse("https://node-a.example/activities/0193a2cb-0000-7000-8000-000000000010").unwrap(),
            kind: wire::UpdateType,
            actor: actor.clone(),
            object: aggregate,
            to: vec![network.clone()],
            published: generated,
        });
        matches_example("update-aggregate.json", &update);
        let verifying = key().verifying_key();
        proof::verify(&update["object"], &verifying).expect("the example's proof verifies");
        // Small counts are protected in the example as on the wire.
        check_protected(&serde_json::from_value(update["object"].clone()).unwrap(), 3).unwrap();

        let deleted: DateTime<Utc> = "2026-11-29T08:00:00Z".parse().unwrap();
        let mut delete = wire::to_value(&wire::ObjectActivity {
            context: wire::OurContext,
            id: Url::parse("https://node-a.example/activities/0193a2cb-0000-7000-8000-000000000011").unwrap(),
            kind: wire::ObjectVerb::Delete,
            actor: actor.clone(),
            object: wire::Tombstone::new(wire::FormerType::AlertAggregate, aggregate_id(&actor), deleted),
            to: vec![network],
            published: deleted,
            proof: None,
        });
        proof::sign(&mut delete, &key(), METHOD, CREATED).unwrap();
        matches_example("delete-aggregate.json", &delete);
        proof::verify(&delete, &verifying).expect("the example's proof verifies");
    }
}
