//! The shared analysis's facts (`analysis_facts`, see `domain::analysis`) and
//! the counts over them: which of the alerts an organisation may see fall
//! under each value of each dimension. Views of at most one fact and a range
//! of months are read from counts kept ready (tallies, below); others are
//! counted from the facts, in one `GROUP BY`.

use std::collections::BTreeMap;

use sqlx::{AnyConnection, FromRow};

use super::Db;
use crate::domain::analysis::{
    Dimension, Fact, PracticeFactKey, PracticeKey, TallyKey, author_class, one_per_alert, practice_fact_keys,
    practice_keys, tally_keys,
};

/// Where an alert is kept: ours (`alerts`) or received (`remote_alerts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Own,
    Network,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Own => "own",
            Source::Network => "network",
        }
    }
}

/// Puts `facts` in place of the alert's earlier ones, in the transaction
/// that writes its version, and keeps its tallies with them.
pub async fn replace_facts(
    conn: &mut AnyConnection,
    source: Source,
    alert_id: &str,
    facts: &[Fact],
) -> sqlx::Result<()> {
    let facts = facts
        .iter()
        .map(|f| (f.dimension.as_str().to_string(), f.value.clone()))
        .collect();
    retally(conn, source, alert_id, Some(facts), None).await
}

/// Forgets what an alert was counted under (a received alert withdrawn).
pub async fn remove_facts(conn: &mut AnyConnection, source: Source, alert_id: &str) -> sqlx::Result<()> {
    retally(conn, source, alert_id, Some(Vec::new()), None).await
}

/// Counts an alert again for whoever may see it now, after a change of who
/// that is that left its facts alone (organisations named or no longer).
pub async fn recount_visibility(conn: &mut AnyConnection, source: Source, alert_id: &str) -> sqlx::Result<()> {
    retally(conn, source, alert_id, None, None).await
}

// Tallies.
//
// Counting every fact of the alerts a viewer may see, live, means joining
// millions of rows at 100,000 alerts: seconds. So each alert is also
// counted ahead, in `analysis_tallies`, under each class of viewers who may
// see it (`analysis_visibility`: `*` for every organisation here, or each
// organisation that may): its total, each fact and each pair of facts, by
// month (`domain::analysis::tally_keys`). A view then adds up a few
// thousand rows for the classes `*` and the viewer's organisation; a class
// is either `*` or organisations, never both, so nothing counts twice.
// Every write that changes an alert's facts or who may see it goes through
// [`retally`], in its transaction, which takes away what the alert added
// before and adds what it adds now.

/// The classes of viewers who may count the alert now: none unless it is
/// released (open or closed) and, when received, still here.
async fn visibility(conn: &mut AnyConnection, source: Source, alert_id: &str) -> sqlx::Result<Vec<String>> {
    let (released, restricted, author): (bool, bool, Option<String>) = match source {
        Source::Own => {
            let row: Option<(String, String, String)> =
                sqlx::query_as("SELECT status, audience, org_id FROM alerts WHERE id = $1")
                    .bind(alert_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            match row {
                Some((status, audience, org)) => (is_released(&status), audience == "restricted", Some(org)),
                None => return Ok(Vec::new()),
            }
        }
        Source::Network => {
            let row: Option<(String, String, i64)> = sqlx::query_as(
                "SELECT status, sharing, CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END FROM remote_alerts \
                 WHERE id = $1",
            )
            .bind(alert_id)
            .fetch_optional(&mut *conn)
            .await?;
            match row {
                Some((status, sharing, deleted)) => {
                    (deleted == 0 && is_released(&status), sharing == "restricted", None)
                }
                None => return Ok(Vec::new()),
            }
        }
    };
    if !released {
        return Ok(Vec::new());
    }
    // Our organisation's own alerts are also counted for it as their author.
    let by_author = author.as_deref().map(author_class);
    if !restricted {
        return Ok([EVERYONE.to_string()].into_iter().chain(by_author).collect());
    }
    // `visibility::OWN_ALERTS` and `RECEIVED_ALERTS`, for one alert.
    let sql = match source {
        Source::Own => {
            "SELECT o.id FROM alert_named_orgs n JOIN organisations o ON o.slug = n.org_ref WHERE n.alert_id = $1"
        }
        Source::Network => "SELECT org_id FROM remote_alert_recipients WHERE alert_id = $1",
    };
    let rows: Vec<(String,)> = sqlx::query_as(sql).bind(alert_id).fetch_all(&mut *conn).await?;
    let mut classes: Vec<String> = rows
        .into_iter()
        .map(|(id,)| id)
        .chain(author)
        .chain(by_author)
        .collect();
    classes.sort();
    classes.dedup();
    Ok(classes)
}

fn is_released(status: &str) -> bool {
    matches!(status, "open" | "closed")
}

/// The class of viewers that is every organisation of this node.
const EVERYONE: &str = "*";

/// Writes the alert's facts (unless `facts` is `None`: as they are), the
/// practices of its responses and who sees them (unless `practices` is
/// `None`), and who may see the alert now; and moves its tallies from what
/// it was to what it is.
async fn retally(
    conn: &mut AnyConnection,
    source: Source,
    alert_id: &str,
    facts: Option<Vec<(String, String)>>,
    practices: Option<Vec<(String, String)>>,
) -> sqlx::Result<()> {
    let pairs = |sql: &'static str| {
        sqlx::query_as::<_, (String, String)>(sql)
            .bind(source.as_str())
            .bind(alert_id)
    };
    let before = pairs(
        "SELECT dimension, value FROM analysis_facts WHERE source = $1 AND alert_id = $2 ORDER BY dimension, value",
    )
    .fetch_all(&mut *conn)
    .await?;
    let practices_before = pairs(
        "SELECT practice, class FROM analysis_action_practices WHERE source = $1 AND alert_id = $2 \
         ORDER BY practice, class",
    )
    .fetch_all(&mut *conn)
    .await?;
    let seen_before: Vec<(String,)> =
        sqlx::query_as("SELECT class FROM analysis_visibility WHERE source = $1 AND alert_id = $2 ORDER BY class")
            .bind(source.as_str())
            .bind(alert_id)
            .fetch_all(&mut *conn)
            .await?;
    let seen_before: Vec<String> = seen_before.into_iter().map(|(c,)| c).collect();
    let seen_now = visibility(conn, source, alert_id).await?;
    let sorted = |rows: Option<Vec<(String, String)>>, before: &Vec<(String, String)>| match rows {
        Some(mut rows) => {
            rows.sort();
            rows.dedup();
            rows
        }
        None => before.clone(),
    };
    let now = sorted(facts, &before);
    let practices_now = sorted(practices, &practices_before);
    if now != before {
        replace_rows(conn, "analysis_facts", ["dimension", "value"], source, alert_id, &now).await?;
    }
    if practices_now != practices_before {
        replace_rows(
            conn,
            "analysis_action_practices",
            ["practice", "class"],
            source,
            alert_id,
            &practices_now,
        )
        .await?;
    }
    if seen_now != seen_before {
        sqlx::query("DELETE FROM analysis_visibility WHERE source = $1 AND alert_id = $2")
            .bind(source.as_str())
            .bind(alert_id)
            .execute(&mut *conn)
            .await?;
        for class in &seen_now {
            sqlx::query("INSERT INTO analysis_visibility (source, alert_id, class) VALUES ($1, $2, $3)")
                .bind(source.as_str())
                .bind(alert_id)
                .bind(class)
                .execute(&mut *conn)
                .await?;
        }
    }
    if now == before && seen_now == seen_before && practices_now == practices_before {
        return Ok(());
    }
    let mut change: BTreeMap<TallyKey, i64> = BTreeMap::new();
    for key in tally_keys(&before, &seen_before) {
        *change.entry(key).or_default() -= 1;
    }
    for key in tally_keys(&now, &seen_now) {
        *change.entry(key).or_default() += 1;
    }
    change.retain(|_, n| *n != 0);
    add_to_tallies(conn, &change).await?;
    let mut change: BTreeMap<PracticeKey, i64> = BTreeMap::new();
    for key in practice_keys(&before, &seen_before, &practices_before) {
        *change.entry(key).or_default() -= 1;
    }
    for key in practice_keys(&now, &seen_now, &practices_now) {
        *change.entry(key).or_default() += 1;
    }
    change.retain(|_, n| *n != 0);
    add_to_practice_tallies(conn, &change).await?;
    let mut change: BTreeMap<PracticeFactKey, i64> = BTreeMap::new();
    for key in practice_fact_keys(&before, &seen_before, &practices_before) {
        *change.entry(key).or_default() -= 1;
    }
    for key in practice_fact_keys(&now, &seen_now, &practices_now) {
        *change.entry(key).or_default() += 1;
    }
    change.retain(|_, n| *n != 0);
    let rows = change
        .iter()
        .map(|(k, n)| {
            (
                vec![&k.class, &k.fact.0, &k.fact.1, &k.practice, &k.outcome, &k.span],
                *n,
            )
        })
        .collect();
    add_counts(
        conn,
        "analysis_practice_fact_tallies",
        &["class", "dimension", "value", "practice", "outcome", "span"],
        rows,
    )
    .await
}

/// Puts `rows` (values of `columns`) in place of the alert's in `table`,
/// which is keyed by the alert's source and id and those two columns.
async fn replace_rows(
    conn: &mut AnyConnection,
    table: &str,
    columns: [&str; 2],
    source: Source,
    alert_id: &str,
    rows: &[(String, String)],
) -> sqlx::Result<()> {
    sqlx::query(&format!("DELETE FROM {table} WHERE source = $1 AND alert_id = $2"))
        .bind(source.as_str())
        .bind(alert_id)
        .execute(&mut *conn)
        .await?;
    // A few dozen at most: one statement.
    if rows.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..rows.len())
        .map(|n| format!("($1, $2, ${}, ${})", 2 * n + 3, 2 * n + 4))
        .collect();
    let [first, second] = columns;
    let sql = format!(
        "INSERT INTO {table} (source, alert_id, {first}, {second}) VALUES {}",
        values.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(source.as_str()).bind(alert_id);
    for (first, second) in rows {
        query = query.bind(first).bind(second);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Reads the responses and offers of support on the alert at `alert_uri`
/// again, after one was recorded, changed or retracted or its author chose
/// who sees offers, and counts its practices for whoever sees them now
/// (the rule of `services::actions`' `sees`). Our alerts' ids are
/// `own_alert_prefix` followed by their id; an alert not held here has
/// nothing to count.
pub async fn recount_actions(conn: &mut AnyConnection, own_alert_prefix: &str, alert_uri: &str) -> sqlx::Result<()> {
    let (source, alert_id) = alert_of(own_alert_prefix, alert_uri);
    match action_practices(conn, source, alert_id, alert_uri).await? {
        Some(seen) => retally(conn, source, alert_id, None, Some(seen)).await,
        None => Ok(()),
    }
}

/// Where the alert with ActivityPub id `alert_uri` is kept, and its id there.
fn alert_of<'a>(own_alert_prefix: &str, alert_uri: &'a str) -> (Source, &'a str) {
    match alert_uri.strip_prefix(own_alert_prefix) {
        Some(id) if !id.is_empty() && !id.contains('/') => (Source::Own, id),
        _ => (Source::Network, alert_uri),
    }
}

/// The practices of the responses on an alert and who sees each (`*` for
/// every organisation here); `None` when the alert is not held here.
async fn action_practices(
    conn: &mut AnyConnection,
    source: Source,
    alert_id: &str,
    alert_uri: &str,
) -> sqlx::Result<Option<Vec<(String, String)>>> {
    let author: Option<(String,)> = match source {
        Source::Own => {
            sqlx::query_as("SELECT org_id FROM alerts WHERE id = $1")
                .bind(alert_id)
                .fetch_optional(&mut *conn)
                .await?
        }
        Source::Network => None,
    };
    let (held,): (i64,) = match source {
        Source::Own => (i64::from(author.is_some()),),
        Source::Network => {
            sqlx::query_as("SELECT COUNT(*) FROM remote_alerts WHERE id = $1")
                .bind(alert_id)
                .fetch_one(&mut *conn)
                .await?
        }
    };
    if held == 0 {
        return Ok(None);
    }
    let offer_viewers: Vec<(String,)> = match source {
        Source::Own => {
            sqlx::query_as("SELECT org_id FROM alert_offer_viewers WHERE alert_id = $1")
                .bind(alert_id)
                .fetch_all(&mut *conn)
                .await?
        }
        Source::Network => Vec::new(),
    };
    let actions: Vec<(String, Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT kind, support_type, org_id, shareable FROM solidarity_actions \
         WHERE alert_uri = $1 AND deleted_at IS NULL",
    )
    .bind(alert_uri)
    .fetch_all(&mut *conn)
    .await?;
    let mut seen = Vec::new();
    for (kind, support_type, org_id, shareable) in actions {
        let offer = kind == "support_offer";
        let practice = match (offer, support_type) {
            (true, Some(support)) => format!("support:{support}"),
            (true, None) => continue,
            (false, _) => format!("action:{kind}"),
        };
        if !offer && shareable != 0 {
            seen.push((practice, EVERYONE.to_string()));
            continue;
        }
        let mut who: Vec<String> = author.iter().map(|(a,)| a.clone()).chain(org_id).collect();
        if offer {
            who.extend(offer_viewers.iter().map(|(o,)| o.clone()));
        }
        seen.extend(who.into_iter().map(|class| (practice.clone(), class)));
    }
    // Seen by everyone through one response, a practice is `*` alone: a
    // viewer matches one row of it at most.
    let everyone: Vec<String> = seen
        .iter()
        .filter(|(_, class)| class == EVERYONE)
        .map(|(practice, _)| practice.clone())
        .collect();
    seen.retain(|(practice, class)| class == EVERYONE || !everyone.contains(practice));
    seen.sort();
    seen.dedup();
    Ok(Some(seen))
}

/// Adds `change` to the tallies, and deletes those that fall to zero.
async fn add_to_tallies(conn: &mut AnyConnection, change: &BTreeMap<TallyKey, i64>) -> sqlx::Result<()> {
    let rows = change
        .iter()
        .map(|(k, n)| {
            (
                vec![&k.class, &k.month, &k.first.0, &k.first.1, &k.second.0, &k.second.1],
                *n,
            )
        })
        .collect();
    add_counts(
        conn,
        "analysis_tallies",
        &["class", "month", "dimension1", "value1", "dimension2", "value2"],
        rows,
    )
    .await
}

/// Adds `change` to the practice tallies, and deletes those that fall to zero.
async fn add_to_practice_tallies(conn: &mut AnyConnection, change: &BTreeMap<PracticeKey, i64>) -> sqlx::Result<()> {
    let rows = change
        .iter()
        .map(|(k, n)| (vec![&k.class, &k.month, &k.practice, &k.outcome, &k.span], *n))
        .collect();
    add_counts(
        conn,
        "analysis_practice_tallies",
        &["class", "month", "practice", "outcome", "span"],
        rows,
    )
    .await
}

/// Adds each row's number to the `alerts` of the row of `table` with those
/// `keys` (its primary key), and deletes the rows that fall to zero.
async fn add_counts(
    conn: &mut AnyConnection,
    table: &str,
    keys: &[&str],
    rows: Vec<(Vec<&String>, i64)>,
) -> sqlx::Result<()> {
    // Well under both databases' limit on binds.
    const ROWS: usize = 1000;
    let width = keys.len();
    let placeholders = |rows: usize, width: usize| -> String {
        (0..rows)
            .map(|n| {
                let cells: Vec<String> = (1..=width).map(|c| format!("${}", n * width + c)).collect();
                format!("({})", cells.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let columns = keys.join(", ");
    for chunk in rows.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO {table} ({columns}, alerts) VALUES {} \
             ON CONFLICT ({columns}) DO UPDATE SET alerts = {table}.alerts + excluded.alerts",
            placeholders(chunk.len(), width + 1)
        );
        let mut query = sqlx::query(&sql);
        for (values, n) in chunk {
            for value in values {
                query = query.bind(*value);
            }
            query = query.bind(*n);
        }
        query.execute(&mut *conn).await?;
        let fallen: Vec<&(Vec<&String>, i64)> = chunk.iter().filter(|(_, n)| *n < 0).collect();
        if fallen.is_empty() {
            continue;
        }
        let sql = format!(
            "DELETE FROM {table} WHERE alerts <= 0 AND ({columns}) IN (VALUES {})",
            placeholders(fallen.len(), width)
        );
        let mut query = sqlx::query(&sql);
        for (values, _) in fallen {
            for value in values {
                query = query.bind(*value);
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// How far the tallies have drifted from what they count: the alerts
/// whose stored visibility or practices are not what the alert and its
/// responses give now, and the tallies (of facts and of practice) that are
/// not what the facts, visibility and practices give. All zero unless a
/// write changed an alert or a response without [`retally`]; the tests
/// check it after every kind of change.
pub async fn tally_drift(db: &Db, own_alert_prefix: &str) -> sqlx::Result<(usize, usize)> {
    type Alert = (String, String);
    let mut conn = db.pool.acquire().await?;
    let mut facts: BTreeMap<Alert, Vec<(String, String)>> = BTreeMap::new();
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT source, alert_id, dimension, value FROM analysis_facts")
            .fetch_all(&mut *conn)
            .await?;
    for (source, alert_id, dimension, value) in rows {
        facts.entry((source, alert_id)).or_default().push((dimension, value));
    }
    let mut stored_visibility: BTreeMap<Alert, Vec<String>> = BTreeMap::new();
    let rows: Vec<(String, String, String)> = sqlx::query_as("SELECT source, alert_id, class FROM analysis_visibility")
        .fetch_all(&mut *conn)
        .await?;
    for (source, alert_id, class) in rows {
        // An alert seen with no facts is checked too.
        facts.entry((source.clone(), alert_id.clone())).or_default();
        stored_visibility.entry((source, alert_id)).or_default().push(class);
    }
    // Every alert is checked, even one with nothing in the analysis at all
    // (a backfill that passed it by).
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT 'own', id FROM alerts UNION ALL SELECT 'network', id FROM remote_alerts")
            .fetch_all(&mut *conn)
            .await?;
    for alert in rows {
        facts.entry(alert).or_default();
    }
    let mut stored_practices: BTreeMap<Alert, Vec<(String, String)>> = BTreeMap::new();
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT source, alert_id, practice, class FROM analysis_action_practices")
            .fetch_all(&mut *conn)
            .await?;
    for (source, alert_id, practice, class) in rows {
        facts.entry((source.clone(), alert_id.clone())).or_default();
        stored_practices
            .entry((source, alert_id))
            .or_default()
            .push((practice, class));
    }
    let mut expected: BTreeMap<TallyKey, i64> = BTreeMap::new();
    let mut expected_practice: BTreeMap<PracticeKey, i64> = BTreeMap::new();
    let mut expected_practice_fact: BTreeMap<PracticeFactKey, i64> = BTreeMap::new();
    let mut alerts_drifted = 0;
    for ((source, alert_id), alert_facts) in &facts {
        let key = (source.clone(), alert_id.clone());
        let (which, uri) = if source == Source::Own.as_str() {
            (Source::Own, format!("{own_alert_prefix}{alert_id}"))
        } else {
            (Source::Network, alert_id.clone())
        };
        let seen = visibility(&mut conn, which, alert_id).await?;
        let mut stored = stored_visibility.get(&key).cloned().unwrap_or_default();
        stored.sort();
        let practices = action_practices(&mut conn, which, alert_id, &uri)
            .await?
            .unwrap_or_default();
        let mut stored_practice = stored_practices.get(&key).cloned().unwrap_or_default();
        stored_practice.sort();
        alerts_drifted += usize::from(stored != seen || stored_practice != practices);
        for key in tally_keys(alert_facts, &seen) {
            *expected.entry(key).or_default() += 1;
        }
        for key in practice_keys(alert_facts, &seen, &practices) {
            *expected_practice.entry(key).or_default() += 1;
        }
        for key in practice_fact_keys(alert_facts, &seen, &practices) {
            *expected_practice_fact.entry(key).or_default() += 1;
        }
    }
    let rows: Vec<(String, String, String, String, String, String, i64)> =
        sqlx::query_as("SELECT class, month, dimension1, value1, dimension2, value2, alerts FROM analysis_tallies")
            .fetch_all(&mut *conn)
            .await?;
    let mut tallies_drifted = 0;
    for (class, month, d1, v1, d2, v2, alerts) in rows {
        let key = TallyKey {
            class,
            month,
            first: (d1, v1),
            second: (d2, v2),
        };
        tallies_drifted += usize::from(expected.remove(&key) != Some(alerts));
    }
    let rows: Vec<(String, String, String, String, String, i64)> =
        sqlx::query_as("SELECT class, month, practice, outcome, span, alerts FROM analysis_practice_tallies")
            .fetch_all(&mut *conn)
            .await?;
    for (class, month, practice, outcome, span, alerts) in rows {
        let key = PracticeKey {
            class,
            month,
            practice,
            outcome,
            span,
        };
        tallies_drifted += usize::from(expected_practice.remove(&key) != Some(alerts));
    }
    let rows: Vec<(String, String, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT class, dimension, value, practice, outcome, span, alerts FROM analysis_practice_fact_tallies",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (class, dimension, value, practice, outcome, span, alerts) in rows {
        let key = PracticeFactKey {
            class,
            fact: (dimension, value),
            practice,
            outcome,
            span,
        };
        tallies_drifted += usize::from(expected_practice_fact.remove(&key) != Some(alerts));
    }
    let missing = expected.len() + expected_practice.len() + expected_practice_fact.len();
    Ok((alerts_drifted, tallies_drifted + missing))
}

/// An alert of ours stored before facts were kept, to be given its facts.
#[derive(Debug, Clone, FromRow)]
pub struct OwnWithoutFacts {
    pub id: String,
    pub content: String,
    pub country: String,
    pub published_at: Option<i64>,
    pub outcome: Option<String>,
    pub closed_at: Option<i64>,
}

/// Up to `limit` alerts of ours without facts, in order of id after
/// `after`. Every alert has a country, so an alert with none has never
/// been given them.
pub async fn own_without_facts(db: &Db, after: &str, limit: i64) -> sqlx::Result<Vec<OwnWithoutFacts>> {
    sqlx::query_as(
        "SELECT a.id, a.content, a.country, a.published_at, a.outcome, a.closed_at FROM alerts a WHERE a.id > $1 \
         AND NOT EXISTS (SELECT 1 FROM analysis_facts f WHERE f.source = 'own' AND f.alert_id = a.id) \
         ORDER BY a.id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// A received alert stored before facts were kept.
#[derive(Debug, Clone, FromRow)]
pub struct ReceivedWithoutFacts {
    pub id: String,
    pub document: String,
}

/// Up to `limit` received alerts (not withdrawn) without facts, in order
/// of id after `after`.
pub async fn received_without_facts(db: &Db, after: &str, limit: i64) -> sqlx::Result<Vec<ReceivedWithoutFacts>> {
    sqlx::query_as(
        "SELECT r.id, r.document FROM remote_alerts r WHERE r.id > $1 AND r.deleted_at IS NULL AND NOT EXISTS \
         (SELECT 1 FROM analysis_facts f WHERE f.source = 'network' AND f.alert_id = r.id) ORDER BY r.id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Which alerts are counted, and for whom.
#[derive(Debug, Clone, Default)]
pub struct CountQuery {
    pub viewer_org_id: String,
    /// Each (dimension, value) an alert must have.
    pub having: Vec<(String, String)>,
    /// Published in these months (`YYYY-MM`, inclusive), if set.
    pub from_month: Option<String>,
    pub to_month: Option<String>,
    /// Count from the facts even where the tallies could answer: the
    /// tests and the benchmark compare the two.
    pub from_facts: bool,
}

/// One count: how many alerts have `value` in `dimension`.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ValueCount {
    pub dimension: String,
    pub value: String,
    pub alerts: i64,
}

/// The alerts counted (alias `v`, `analysis_visibility`): released ones the
/// viewer's organisation may see, ours and received, with every condition
/// of `query`. With a fact required, they are read from that fact's index
/// first (alias `h0`): the few that have it rather than all the viewer may
/// see ([`rarest_first`] puts the rarest fact first). Returns the `FROM`
/// (ending with `analysis_visibility v`) and the `WHERE` conditions; binds
/// `$1` (the organisation's id), then those pushed on `binds`.
fn counted_parts(query: &CountQuery, binds: &mut Vec<String>) -> (String, String) {
    let mut conditions = vec![format!("v.class IN ('{EVERYONE}', $1)")];
    let from = match query.having.first() {
        Some((dimension, value)) => {
            binds.push(dimension.clone());
            binds.push(value.clone());
            conditions.push("v.source = h0.source AND v.alert_id = h0.alert_id".to_string());
            // CROSS JOIN: SQLite keeps this order (PostgreSQL plans its own).
            format!(
                "(SELECT h0.source, h0.alert_id FROM analysis_facts h0 WHERE h0.dimension = ${} \
                 AND h0.value = ${}) h0 CROSS JOIN analysis_visibility v",
                binds.len() - 1,
                binds.len()
            )
        }
        None => "analysis_visibility v".to_string(),
    };
    for (dimension, value) in query.having.iter().skip(1) {
        binds.push(dimension.clone());
        binds.push(value.clone());
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM analysis_facts h WHERE h.source = v.source AND h.alert_id = v.alert_id \
             AND h.dimension = ${} AND h.value = ${})",
            binds.len() - 1,
            binds.len()
        ));
    }
    for (bound, op) in [(&query.from_month, ">="), (&query.to_month, "<=")] {
        if let Some(month) = bound {
            binds.push(month.clone());
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM analysis_facts m WHERE m.source = v.source AND m.alert_id = v.alert_id \
                 AND m.dimension = 'month' AND m.value {op} ${})",
                binds.len()
            ));
        }
    }
    (from, conditions.join(" AND "))
}

/// The alerts counted (alias `v`, columns `source`, `alert_id`), as
/// [`counted_parts`] says.
fn counted(query: &CountQuery, binds: &mut Vec<String>) -> String {
    let (from, conditions) = counted_parts(query, binds);
    format!("(SELECT v.source, v.alert_id FROM {from} WHERE {conditions})")
}

/// `query` with its required facts rarest first, as the tallies count them
/// for the viewer over all months: the alerts counted are read from the
/// first one's index, so one rare company leads rather than a common
/// country, and the rest are checked for those few alerts only.
async fn rarest_first(db: &Db, query: &CountQuery) -> sqlx::Result<CountQuery> {
    let mut query = query.clone();
    if query.having.len() < 2 {
        return Ok(query);
    }
    let mut counted = Vec::with_capacity(query.having.len());
    for (dimension, value) in query.having.drain(..) {
        // A month is a column of the tallies, any other fact a dimension.
        let (sql, binds) = if dimension == "month" {
            (
                format!(
                    "SELECT CAST(COALESCE(SUM(t.alerts), 0) AS BIGINT) FROM analysis_tallies t \
                     WHERE t.class IN ('{EVERYONE}', $1) AND t.dimension1 = '' AND t.value1 = '' \
                     AND t.dimension2 = '' AND t.value2 = '' AND t.month = $2"
                ),
                vec![&value],
            )
        } else {
            (
                format!(
                    "SELECT CAST(COALESCE(SUM(t.alerts), 0) AS BIGINT) FROM analysis_tallies t \
                     WHERE t.class IN ('{EVERYONE}', $1) AND t.dimension1 = $2 AND t.value1 = $3 \
                     AND t.dimension2 = '' AND t.value2 = ''"
                ),
                vec![&dimension, &value],
            )
        };
        let mut tallied = sqlx::query_as::<_, (i64,)>(&sql)
            .bind(&query.viewer_org_id)
            .persistent(false);
        for b in binds {
            tallied = tallied.bind(b);
        }
        let (alerts,) = tallied.fetch_one(&db.pool).await?;
        counted.push((alerts, dimension, value));
    }
    counted.sort();
    query.having = counted.into_iter().map(|(_, d, v)| (d, v)).collect();
    Ok(query)
}

/// A view the tallies answer: at most one fact required besides months,
/// and the months as one range.
struct Tallied {
    fact: Option<(String, String)>,
    from: Option<String>,
    to: Option<String>,
}

impl Tallied {
    fn of(query: &CountQuery) -> Option<Tallied> {
        if query.from_facts {
            return None;
        }
        let mut view = Tallied {
            fact: None,
            from: query.from_month.clone(),
            to: query.to_month.clone(),
        };
        for (dimension, value) in &query.having {
            if dimension == "month" {
                // One month required: a range of one.
                if view.from.as_ref().is_none_or(|m| m < value) {
                    view.from = Some(value.clone());
                }
                if view.to.as_ref().is_none_or(|m| m > value) {
                    view.to = Some(value.clone());
                }
            } else if view.fact.is_some() {
                return None;
            } else {
                view.fact = Some((dimension.clone(), value.clone()));
            }
        }
        Some(view)
    }

    /// The conditions on tallies (alias `t`) of the viewer's classes and
    /// months; binds `$1`, then the months pushed on `binds`.
    fn conditions(&self, binds: &mut Vec<String>) -> String {
        let mut conditions = vec![format!("t.class IN ('{EVERYONE}', $1)")];
        if self.from.is_some() || self.to.is_some() {
            // Only alerts published in the months, as the facts count them.
            conditions.push("t.month <> ''".to_string());
        }
        if let Some(from) = &self.from {
            binds.push(from.clone());
            conditions.push(format!("t.month >= ${}", binds.len()));
        }
        if let Some(to) = &self.to {
            binds.push(to.clone());
            conditions.push(format!("t.month <= ${}", binds.len()));
        }
        conditions.join(" AND ")
    }
}

/// Runs `sql` with `binds` and reads three columns: two texts and a count.
///
/// Every read of the analysis is planned for its own values
/// (`persistent(false)`): PostgreSQL plans a statement kept prepared once
/// for all values after five runs, and one value may stand for ten
/// thousand alerts and another for three (measured: the two-filter view's
/// query took 33 ms planned for its values, 100 ms with the plan for all).
async fn read_triples(db: &Db, sql: &str, binds: &[String]) -> sqlx::Result<Vec<(String, String, i64)>> {
    let mut rows = sqlx::query_as::<_, (String, String, i64)>(sql).persistent(false);
    for b in binds {
        rows = rows.bind(b);
    }
    rows.fetch_all(&db.pool).await
}

/// How many alerts `query` counts, and how many of them have each value of
/// each dimension; values no alert has are left out.
pub async fn counts(db: &Db, query: &CountQuery) -> sqlx::Result<(i64, Vec<ValueCount>)> {
    let Some(view) = Tallied::of(query) else {
        return counts_from_facts(db, query).await;
    };
    let mut binds = vec![query.viewer_org_id.clone()];
    let within = view.conditions(&mut binds);
    // The alerts counted, month by month: the totals (or, with a fact
    // required, that fact's own tallies).
    let (first, first_value) = match &view.fact {
        Some((dimension, value)) => (dimension.clone(), value.clone()),
        None => (String::new(), String::new()),
    };
    binds.push(first);
    binds.push(first_value);
    let (d, v) = (binds.len() - 1, binds.len());
    let by_month = read_triples(
        db,
        &format!(
            "SELECT 'month', t.month, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t WHERE {within} \
             AND t.dimension2 = '' AND t.value2 = '' AND t.dimension1 = ${d} AND t.value1 = ${v} \
             GROUP BY t.month"
        ),
        &binds,
    )
    .await?;
    let total: i64 = by_month.iter().map(|(_, _, n)| n).sum();
    let others = match &view.fact {
        // Every single fact.
        None => read_triples(
            db,
            &format!(
                "SELECT t.dimension1, t.value1, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t WHERE {within} \
                     AND t.dimension2 = '' AND t.value2 = '' AND t.dimension1 <> '' \
                     GROUP BY t.dimension1, t.value1"
            ),
            &binds[..d - 1],
        )
        .await?,
        // The facts that come with the one required, on either side of
        // their pair, and that fact itself.
        Some((dimension, value)) => {
            let mut rows = read_triples(
                db,
                &format!(
                    "SELECT t.dimension2, t.value2, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t WHERE {within} \
                     AND t.dimension1 = ${d} AND t.value1 = ${v} AND t.dimension2 <> '' \
                     GROUP BY t.dimension2, t.value2 \
                     UNION ALL \
                     SELECT t.dimension1, t.value1, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t WHERE {within} \
                     AND t.dimension2 = ${d} AND t.value2 = ${v} \
                     GROUP BY t.dimension1, t.value1"
                ),
                &binds,
            )
            .await?;
            rows.push((dimension.clone(), value.clone(), total));
            rows
        }
    };
    let mut counts: Vec<ValueCount> = by_month
        .into_iter()
        .filter(|(_, month, n)| !month.is_empty() && *n > 0)
        .chain(others.into_iter().filter(|(_, _, n)| *n > 0))
        .map(|(dimension, value, alerts)| ValueCount {
            dimension,
            value,
            alerts,
        })
        .collect();
    counts.sort_by(|a, b| (&a.dimension, &a.value).cmp(&(&b.dimension, &b.value)));
    Ok((total, counts))
}

/// How many of `org_id`'s own alerts are released (open or closed, not
/// drafts, not withdrawn), whatever their audience, and how many of them
/// have each value of each dimension: what the organisation publishes
/// across the network. Read from the tallies of its author class
/// (`domain::analysis::author_class`), or counted from the facts with
/// `from_facts` (the tests and the benchmark compare the two). Received
/// alerts are never counted here.
pub async fn author_counts(db: &Db, org_id: &str, from_facts: bool) -> sqlx::Result<(i64, Vec<ValueCount>)> {
    let sql = if from_facts {
        "WITH c AS MATERIALIZED (SELECT a.id FROM alerts a WHERE a.org_id = $1 AND a.status IN ('open', 'closed')) \
         SELECT '', '', COUNT(*) FROM c \
         UNION ALL \
         SELECT f.dimension, f.value, COUNT(*) FROM c \
         JOIN analysis_facts f ON f.source = 'own' AND f.alert_id = c.id \
         GROUP BY f.dimension, f.value"
    } else {
        // The total and each month (a column of the tallies), then each fact.
        "SELECT '', '', CAST(COALESCE(SUM(t.alerts), 0) AS BIGINT) FROM analysis_tallies t \
         WHERE t.class = $1 AND t.dimension1 = '' AND t.value1 = '' AND t.dimension2 = '' AND t.value2 = '' \
         UNION ALL \
         SELECT 'month', t.month, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t \
         WHERE t.class = $1 AND t.dimension1 = '' AND t.value1 = '' AND t.dimension2 = '' AND t.value2 = '' \
         AND t.month <> '' GROUP BY t.month \
         UNION ALL \
         SELECT t.dimension1, t.value1, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t \
         WHERE t.class = $1 AND t.dimension1 <> '' AND t.dimension2 = '' AND t.value2 = '' \
         GROUP BY t.dimension1, t.value1"
    };
    let class = if from_facts {
        org_id.to_string()
    } else {
        author_class(org_id)
    };
    Ok(total_and_counts(read_triples(db, sql, &[class]).await?))
}

/// [`counts`] from the facts, for a view the tallies do not answer: the
/// alerts counted (the row of an empty dimension, which no fact has), and
/// their facts. With a fact required, the few alerts that have it are found
/// once (`MATERIALIZED`) for both; all the viewer may see are cheaper to
/// read twice than to keep (measured on PostgreSQL: 1.4 s kept, 0.3 s read
/// twice).
async fn counts_from_facts(db: &Db, query: &CountQuery) -> sqlx::Result<(i64, Vec<ValueCount>)> {
    let query = rarest_first(db, query).await?;
    let mut binds = vec![query.viewer_org_id.clone()];
    let alerts = counted(&query, &mut binds);
    let facts_of = |c: &str| {
        format!(
            "SELECT f.dimension, f.value, COUNT(*) FROM {c} \
             CROSS JOIN analysis_facts f WHERE f.source = c.source AND f.alert_id = c.alert_id \
             GROUP BY f.dimension, f.value"
        )
    };
    let sql = if query.having.is_empty() {
        let facts = facts_of(&format!("{alerts} c"));
        format!("SELECT '', '', COUNT(*) FROM {alerts} c UNION ALL {facts}")
    } else {
        let facts = facts_of("c");
        format!("WITH c AS MATERIALIZED {alerts} SELECT '', '', COUNT(*) FROM c UNION ALL {facts}")
    };
    Ok(total_and_counts(read_triples(db, &sql, &binds).await?))
}

/// Rows of (dimension, value, alerts) in which the empty dimension (which no
/// fact has) is the total: the total, and the other rows that count any,
/// in order.
fn total_and_counts(rows: Vec<(String, String, i64)>) -> (i64, Vec<ValueCount>) {
    let mut total = 0;
    let mut counts = Vec::new();
    for (dimension, value, alerts) in rows {
        if dimension.is_empty() {
            total = alerts;
        } else if alerts > 0 {
            counts.push(ValueCount {
                dimension,
                value,
                alerts,
            });
        }
    }
    counts.sort_by(|a, b| (&a.dimension, &a.value).cmp(&(&b.dimension, &b.value)));
    (total, counts)
}

/// How many alerts have both `row_value` in one dimension and
/// `column_value` in another.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct PairCount {
    pub row_value: String,
    pub column_value: String,
    pub alerts: i64,
}

/// For the alerts `query` counts, how many have each pair of values of
/// dimensions `rows` and `columns` (pairs no alert has are left out).
pub async fn pair_counts(db: &Db, query: &CountQuery, rows: &str, columns: &str) -> sqlx::Result<Vec<PairCount>> {
    let view = Tallied::of(query);
    let month = "month";
    let pairs: Vec<(String, String, i64)> = match view {
        // Two dimensions, neither the month, for all the viewer's alerts:
        // the pairs' tallies, in the order they are kept.
        Some(view) if view.fact.is_none() && rows != month && columns != month => {
            let (first, second) = if rows < columns {
                (rows, columns)
            } else {
                (columns, rows)
            };
            let mut binds = vec![query.viewer_org_id.clone()];
            let within = view.conditions(&mut binds);
            binds.push(first.to_string());
            binds.push(second.to_string());
            let (d1, d2) = (binds.len() - 1, binds.len());
            let found = read_triples(
                db,
                &format!(
                    "SELECT t.value1, t.value2, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t WHERE {within} \
                     AND t.dimension1 = ${d1} AND t.dimension2 = ${d2} GROUP BY t.value1, t.value2"
                ),
                &binds,
            )
            .await?;
            found
                .into_iter()
                .map(|(a, b, n)| if rows == first { (a, b, n) } else { (b, a, n) })
                .collect()
        }
        // A dimension month by month, for all the viewer's alerts or those
        // with one fact: single facts' (or pairs') tallies by month.
        Some(view) if (rows == month) != (columns == month) => {
            let other = if rows == month { columns } else { rows };
            let mut binds = vec![query.viewer_org_id.clone()];
            let within = view.conditions(&mut binds);
            binds.push(other.to_string());
            let o = binds.len();
            let found = match &view.fact {
                None => {
                    read_triples(
                        db,
                        &format!(
                            "SELECT t.month, t.value1, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t WHERE {within} \
                             AND t.dimension1 = ${o} AND t.dimension2 = '' GROUP BY t.month, t.value1"
                        ),
                        &binds,
                    )
                    .await?
                }
                Some((dimension, value)) => {
                    binds.push(dimension.clone());
                    binds.push(value.clone());
                    let (d, v) = (binds.len() - 1, binds.len());
                    // The fact itself, when it is of the dimension shown.
                    let itself = if dimension == other {
                        format!(
                            " UNION ALL SELECT t.month, t.value1, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t \
                             WHERE {within} AND t.dimension1 = ${d} AND t.value1 = ${v} AND t.dimension2 = '' \
                             GROUP BY t.month, t.value1"
                        )
                    } else {
                        String::new()
                    };
                    read_triples(
                        db,
                        &format!(
                            "SELECT t.month, t.value2, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t WHERE {within} \
                             AND t.dimension1 = ${d} AND t.value1 = ${v} AND t.dimension2 = ${o} \
                             GROUP BY t.month, t.value2 \
                             UNION ALL \
                             SELECT t.month, t.value1, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t WHERE {within} \
                             AND t.dimension2 = ${d} AND t.value2 = ${v} AND t.dimension1 = ${o} \
                             GROUP BY t.month, t.value1{itself}"
                        ),
                        &binds,
                    )
                    .await?
                }
            };
            found
                .into_iter()
                .filter(|(at, _, _)| !at.is_empty())
                .map(|(at, value, n)| if rows == month { (at, value, n) } else { (value, at, n) })
                .collect()
        }
        // A table of the required fact's own dimension, when an alert has
        // one value of it: that value's line (or column), from its pairs.
        Some(Tallied {
            fact: Some((dimension, value)),
            from,
            to,
        }) if (dimension == rows || dimension == columns)
            && dimension.parse::<Dimension>().is_ok_and(one_per_alert) =>
        {
            let other = if dimension == rows { columns } else { rows };
            let view = Tallied { fact: None, from, to };
            let mut binds = vec![query.viewer_org_id.clone()];
            let within = view.conditions(&mut binds);
            binds.extend([dimension.clone(), value.clone(), other.to_string()]);
            let (d, v, o) = (binds.len() - 2, binds.len() - 1, binds.len());
            let found = read_triples(
                db,
                &format!(
                    "SELECT '', t.value2, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t WHERE {within} \
                     AND t.dimension1 = ${d} AND t.value1 = ${v} AND t.dimension2 = ${o} GROUP BY t.value2 \
                     UNION ALL \
                     SELECT '', t.value1, CAST(SUM(t.alerts) AS BIGINT) FROM analysis_tallies t WHERE {within} \
                     AND t.dimension2 = ${d} AND t.value2 = ${v} AND t.dimension1 = ${o} GROUP BY t.value1"
                ),
                &binds,
            )
            .await?;
            found
                .into_iter()
                .map(|(_, x, n)| {
                    if dimension == rows {
                        (value.clone(), x, n)
                    } else {
                        (x, value.clone(), n)
                    }
                })
                .collect()
        }
        _ => return pair_counts_from_facts(db, query, rows, columns).await,
    };
    let mut pairs: Vec<PairCount> = pairs
        .into_iter()
        .filter(|(_, _, n)| *n > 0)
        .map(|(row_value, column_value, alerts)| PairCount {
            row_value,
            column_value,
            alerts,
        })
        .collect();
    pairs.sort_by(|a, b| (&a.row_value, &a.column_value).cmp(&(&b.row_value, &b.column_value)));
    Ok(pairs)
}

/// [`pair_counts`] from the facts, for a view the tallies do not answer.
async fn pair_counts_from_facts(
    db: &Db,
    query: &CountQuery,
    rows: &str,
    columns: &str,
) -> sqlx::Result<Vec<PairCount>> {
    let query = rarest_first(db, query).await?;
    let mut binds = vec![query.viewer_org_id.clone()];
    let alerts = counted(&query, &mut binds);
    binds.push(rows.to_string());
    let rows_bind = binds.len();
    binds.push(columns.to_string());
    let columns_bind = binds.len();
    let sql = format!(
        "SELECT fr.value AS row_value, fc.value AS column_value, COUNT(*) AS alerts FROM {alerts} c \
         CROSS JOIN analysis_facts fr CROSS JOIN analysis_facts fc \
         WHERE fr.source = c.source AND fr.alert_id = c.alert_id AND fr.dimension = ${rows_bind} \
         AND fc.source = c.source AND fc.alert_id = c.alert_id AND fc.dimension = ${columns_bind} \
         GROUP BY fr.value, fc.value ORDER BY fr.value, fc.value"
    );
    let mut pairs = sqlx::query_as::<_, PairCount>(&sql).persistent(false);
    for b in &binds {
        pairs = pairs.bind(b);
    }
    pairs.fetch_all(&db.pool).await
}

/// How many closed alerts used one practice and ended with one outcome
/// after one span of time (`domain::analysis::TIME_TO_OUTCOME`; "" when
/// unknown). A practice is `all` (every closed alert), `requested:<kind>`
/// (what members were asked to do), `action:<kind>` (a response seen) or
/// `support:<type>` (an offer of support seen).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct PracticeCount {
    pub practice: String,
    pub outcome: String,
    pub span: String,
    pub alerts: i64,
}

/// For the closed alerts `query` counts, how many used each practice and
/// ended with each outcome after each span, counting only the responses the
/// viewer's organisation may see (the rule of `services::actions`' `sees`,
/// kept for each alert in `analysis_action_practices`).
pub async fn practice_counts(db: &Db, query: &CountQuery) -> sqlx::Result<Vec<PracticeCount>> {
    let mut binds = vec![query.viewer_org_id.clone()];
    let sql = match Tallied::of(query) {
        Some(view) if view.fact.is_none() => {
            let within = view.conditions(&mut binds);
            format!(
                "SELECT t.practice, t.outcome, t.span, CAST(SUM(t.alerts) AS BIGINT) AS alerts \
                 FROM analysis_practice_tallies t WHERE {within} \
                 GROUP BY t.practice, t.outcome, t.span ORDER BY t.practice, t.outcome, t.span"
            )
        }
        Some(Tallied {
            fact: Some((dimension, value)),
            from: None,
            to: None,
        }) => {
            binds.extend([dimension, value]);
            format!(
                "SELECT t.practice, t.outcome, t.span, CAST(SUM(t.alerts) AS BIGINT) AS alerts \
                 FROM analysis_practice_fact_tallies t WHERE t.class IN ('{EVERYONE}', $1) \
                 AND t.dimension = $2 AND t.value = $3 \
                 GROUP BY t.practice, t.outcome, t.span ORDER BY t.practice, t.outcome, t.span"
            )
        }
        // From the closed alerts (their outcome facts) rather than from all
        // the viewer's alerts: a third of them, each read once.
        _ => {
            let query = rarest_first(db, query).await?;
            let (from, counted) = counted_parts(&query, &mut binds);
            format!(
                "WITH closed AS (\
                   SELECT v.source, v.alert_id, o.value AS outcome, COALESCE(d.value, '') AS span \
                   FROM {from} \
                   JOIN analysis_facts o ON o.source = v.source AND o.alert_id = v.alert_id \
                     AND o.dimension = 'outcome' \
                   LEFT JOIN analysis_facts d ON d.source = o.source AND d.alert_id = o.alert_id \
                     AND d.dimension = 'time_to_outcome' \
                   WHERE {counted}) \
                 SELECT p.practice, p.outcome, p.span, COUNT(*) AS alerts FROM (\
                   SELECT 'all' AS practice, c.outcome, c.span FROM closed c \
                   UNION ALL \
                   SELECT 'requested:' || f.value, c.outcome, c.span FROM closed c \
                     JOIN analysis_facts f ON f.source = c.source AND f.alert_id = c.alert_id \
                     AND f.dimension = 'requested_action' \
                   UNION ALL \
                   SELECT a.practice, c.outcome, c.span FROM closed c \
                     JOIN analysis_action_practices a ON a.source = c.source AND a.alert_id = c.alert_id \
                     AND a.class IN ('{EVERYONE}', $1)\
                 ) p \
                 GROUP BY p.practice, p.outcome, p.span ORDER BY p.practice, p.outcome, p.span"
            )
        }
    };
    let mut rows = sqlx::query_as::<_, PracticeCount>(&sql).persistent(false);
    for b in &binds {
        rows = rows.bind(b);
    }
    rows.fetch_all(&db.pool).await
}

/// One alert as an export reads it: our alerts' shared content (`content`,
/// never their local-only part, which `alert_private` keeps), received ones'
/// document as received.
#[derive(Debug, Clone, FromRow)]
pub struct ExportedAlert {
    pub source: String,
    pub id: String,
    pub number: String,
    /// Our organisation's slug, or the received alert's author (actor id).
    pub organisation: String,
    pub status: String,
    pub audience: String,
    pub urgency: String,
    pub country: String,
    pub published_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub outcome: Option<String>,
    /// `AlertContent` for ours, the `AlertObject` for received ones.
    pub document: String,
}

/// How many alerts `query` counts.
pub async fn count(db: &Db, query: &CountQuery) -> sqlx::Result<i64> {
    let query = rarest_first(db, query).await?;
    let mut binds = vec![query.viewer_org_id.clone()];
    let alerts = counted(&query, &mut binds);
    let sql = format!("SELECT COUNT(*) FROM {alerts} c");
    let mut total = sqlx::query_as::<_, (i64,)>(&sql).persistent(false);
    for b in &binds {
        total = total.bind(b);
    }
    Ok(total.fetch_one(&db.pool).await?.0)
}

/// The alerts `query` counts, ours then received, each in order of publication.
pub async fn exported_alerts(db: &Db, query: &CountQuery) -> sqlx::Result<Vec<ExportedAlert>> {
    let query = rarest_first(db, query).await?;
    let mut binds = vec![query.viewer_org_id.clone()];
    let alerts = counted(&query, &mut binds);
    let sql = format!(
        "SELECT 'own' AS source, a.id, a.number, o.slug AS organisation, a.status, a.audience, a.urgency, \
           a.country, a.published_at, a.closed_at, a.outcome, a.content AS document \
           FROM {alerts} c JOIN alerts a ON c.source = 'own' AND a.id = c.alert_id \
           JOIN organisations o ON o.id = a.org_id \
         UNION ALL \
         SELECT 'network' AS source, r.id, r.number, r.attributed_to AS organisation, r.status, \
           r.sharing AS audience, r.urgency, r.country, r.published_at, NULL AS closed_at, NULL AS outcome, \
           r.document \
           FROM {alerts} c JOIN remote_alerts r ON c.source = 'network' AND r.id = c.alert_id \
         ORDER BY 1 DESC, 9, 2"
    );
    let mut rows = sqlx::query_as::<_, ExportedAlert>(&sql).persistent(false);
    for b in &binds {
        rows = rows.bind(b);
    }
    rows.fetch_all(&db.pool).await
}
