//! The shared analysis's facts (`analysis_facts`, see `domain::analysis`) and
//! the counts over them: which of the alerts an organisation may see fall
//! under each value of each dimension, in one `GROUP BY`.

use sqlx::{AnyConnection, FromRow};

use super::Db;
use crate::domain::analysis::Fact;

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
/// that writes its version.
pub async fn replace_facts(
    conn: &mut AnyConnection,
    source: Source,
    alert_id: &str,
    facts: &[Fact],
) -> sqlx::Result<()> {
    remove_facts(conn, source, alert_id).await?;
    // A few dozen at most: one statement.
    if facts.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..facts.len())
        .map(|n| format!("($1, $2, ${}, ${})", 2 * n + 3, 2 * n + 4))
        .collect();
    let sql = format!(
        "INSERT INTO analysis_facts (source, alert_id, dimension, value) VALUES {} ON CONFLICT DO NOTHING",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(source.as_str()).bind(alert_id);
    for fact in facts {
        query = query.bind(fact.dimension.as_str()).bind(&fact.value);
    }
    query.execute(conn).await?;
    Ok(())
}

/// Forgets what an alert was counted under (a received alert withdrawn).
pub async fn remove_facts(conn: &mut AnyConnection, source: Source, alert_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM analysis_facts WHERE source = $1 AND alert_id = $2")
        .bind(source.as_str())
        .bind(alert_id)
        .execute(conn)
        .await?;
    Ok(())
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

/// Up to `limit` alerts of ours without facts. Every alert has a country,
/// so an alert with none has never been given them.
pub async fn own_without_facts(db: &Db, limit: i64) -> sqlx::Result<Vec<OwnWithoutFacts>> {
    sqlx::query_as(
        "SELECT a.id, a.content, a.country, a.published_at, a.outcome, a.closed_at FROM alerts a WHERE NOT EXISTS \
         (SELECT 1 FROM analysis_facts f WHERE f.source = 'own' AND f.alert_id = a.id) ORDER BY a.id LIMIT $1",
    )
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

/// Up to `limit` received alerts (not withdrawn) without facts.
pub async fn received_without_facts(db: &Db, limit: i64) -> sqlx::Result<Vec<ReceivedWithoutFacts>> {
    sqlx::query_as(
        "SELECT r.id, r.document FROM remote_alerts r WHERE r.deleted_at IS NULL AND NOT EXISTS \
         (SELECT 1 FROM analysis_facts f WHERE f.source = 'network' AND f.alert_id = r.id) ORDER BY r.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Which alerts are counted, and for whom.
#[derive(Debug, Clone, Default)]
pub struct CountQuery {
    pub viewer_org_id: String,
    pub viewer_org_slug: String,
    /// Each (dimension, value) an alert must have.
    pub having: Vec<(String, String)>,
    /// Published in these months (`YYYY-MM`, inclusive), if set.
    pub from_month: Option<String>,
    pub to_month: Option<String>,
}

/// One count: how many alerts have `value` in `dimension`.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ValueCount {
    pub dimension: String,
    pub value: String,
    pub alerts: i64,
}

/// The alerts counted (alias `v`, columns `source`, `alert_id`): released
/// ones the viewer's organisation may see, ours and received, with every
/// condition of `query`. Binds `$1` (organisation id) and `$2` (slug), then
/// those pushed on `binds`.
fn counted(query: &CountQuery, binds: &mut Vec<String>) -> String {
    let mut conditions = Vec::new();
    for (dimension, value) in &query.having {
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
    let filtered = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    format!(
        "(SELECT v.source, v.alert_id FROM (\
           SELECT 'own' AS source, a.id AS alert_id FROM alerts a \
             WHERE a.status IN ('open', 'closed') AND {own} \
           UNION ALL \
           SELECT 'network' AS source, r.id AS alert_id FROM remote_alerts r \
             WHERE r.status IN ('open', 'closed') AND {network}\
         ) v{filtered})",
        own = super::visibility::OWN_ALERTS,
        network = super::visibility::RECEIVED_ALERTS,
    )
}

/// How many alerts `query` counts, and how many of them have each value of
/// each dimension; values no alert has are left out.
pub async fn counts(db: &Db, query: &CountQuery) -> sqlx::Result<(i64, Vec<ValueCount>)> {
    let mut binds = vec![query.viewer_org_id.clone(), query.viewer_org_slug.clone()];
    let alerts = counted(query, &mut binds);
    let total_sql = format!("SELECT COUNT(*) FROM {alerts} c");
    let mut total = sqlx::query_as::<_, (i64,)>(&total_sql);
    for b in &binds {
        total = total.bind(b);
    }
    let (total,) = total.fetch_one(&db.pool).await?;
    let sql = format!(
        "SELECT f.dimension, f.value, COUNT(*) AS alerts FROM {alerts} c \
         JOIN analysis_facts f ON f.source = c.source AND f.alert_id = c.alert_id \
         GROUP BY f.dimension, f.value ORDER BY f.dimension, f.value"
    );
    let mut rows = sqlx::query_as::<_, ValueCount>(&sql);
    for b in &binds {
        rows = rows.bind(b);
    }
    Ok((total, rows.fetch_all(&db.pool).await?))
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
    let mut binds = vec![query.viewer_org_id.clone(), query.viewer_org_slug.clone()];
    let alerts = counted(query, &mut binds);
    binds.push(rows.to_string());
    let rows_bind = binds.len();
    binds.push(columns.to_string());
    let columns_bind = binds.len();
    let sql = format!(
        "SELECT fr.value AS row_value, fc.value AS column_value, COUNT(*) AS alerts FROM {alerts} c \
         JOIN analysis_facts fr ON fr.source = c.source AND fr.alert_id = c.alert_id AND fr.dimension = ${rows_bind} \
         JOIN analysis_facts fc ON fc.source = c.source AND fc.alert_id = c.alert_id AND fc.dimension = ${columns_bind} \
         GROUP BY fr.value, fc.value ORDER BY fr.value, fc.value"
    );
    let mut pairs = sqlx::query_as::<_, PairCount>(&sql);
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
/// viewer's organisation may see (`visibility::ACTIONS_SEEN`). Our alerts'
/// ActivityPub ids are `own_alert_prefix` followed by their id.
pub async fn practice_counts(db: &Db, query: &CountQuery, own_alert_prefix: &str) -> sqlx::Result<Vec<PracticeCount>> {
    let mut binds = vec![query.viewer_org_id.clone(), query.viewer_org_slug.clone()];
    let alerts = counted(query, &mut binds);
    binds.push(own_alert_prefix.to_string());
    let prefix = binds.len();
    let sql = format!(
        "SELECT p.practice, o.value AS outcome, COALESCE(d.value, '') AS span, COUNT(*) AS alerts FROM (\
           SELECT c.source, c.alert_id, 'all' AS practice FROM {alerts} c \
           UNION \
           SELECT c.source, c.alert_id, 'requested:' || f.value FROM {alerts} c \
             JOIN analysis_facts f ON f.source = c.source AND f.alert_id = c.alert_id \
             AND f.dimension = 'requested_action' \
           UNION \
           SELECT c.source, c.alert_id, CASE WHEN s.kind = 'support_offer' THEN 'support:' || s.support_type \
             ELSE 'action:' || s.kind END FROM {alerts} c \
             JOIN solidarity_actions s ON s.alert_uri = \
               (CASE WHEN c.source = 'own' THEN ${prefix} || c.alert_id ELSE c.alert_id END) \
             LEFT JOIN alerts a ON c.source = 'own' AND a.id = c.alert_id \
             WHERE s.deleted_at IS NULL AND (s.kind <> 'support_offer' OR s.support_type IS NOT NULL) AND {seen}\
         ) p \
         JOIN analysis_facts o ON o.source = p.source AND o.alert_id = p.alert_id AND o.dimension = 'outcome' \
         LEFT JOIN analysis_facts d ON d.source = p.source AND d.alert_id = p.alert_id \
           AND d.dimension = 'time_to_outcome' \
         GROUP BY p.practice, o.value, d.value ORDER BY p.practice, o.value, d.value",
        seen = super::visibility::ACTIONS_SEEN,
    );
    let mut rows = sqlx::query_as::<_, PracticeCount>(&sql);
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
    let mut binds = vec![query.viewer_org_id.clone(), query.viewer_org_slug.clone()];
    let alerts = counted(query, &mut binds);
    let sql = format!("SELECT COUNT(*) FROM {alerts} c");
    let mut total = sqlx::query_as::<_, (i64,)>(&sql);
    for b in &binds {
        total = total.bind(b);
    }
    Ok(total.fetch_one(&db.pool).await?.0)
}

/// The alerts `query` counts, ours then received, each in order of publication.
pub async fn exported_alerts(db: &Db, query: &CountQuery) -> sqlx::Result<Vec<ExportedAlert>> {
    let mut binds = vec![query.viewer_org_id.clone(), query.viewer_org_slug.clone()];
    let alerts = counted(query, &mut binds);
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
    let mut rows = sqlx::query_as::<_, ExportedAlert>(&sql);
    for b in &binds {
        rows = rows.bind(b);
    }
    rows.fetch_all(&db.pool).await
}
