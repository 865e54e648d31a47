//! The staff dashboard: our alerts and those received, in one list ordered
//! and filtered in one query, and what needs the staff member's attention.

use sqlx::FromRow;

use super::Db;
use super::alerts::{AlertFilter, push_filter_conditions};

/// Which alerts the list draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    #[default]
    All,
    /// This node's alerts only.
    Own,
    /// Alerts received from other nodes only.
    Network,
}

/// What to list; every filter is optional. Values are already checked.
#[derive(Debug, Clone, Default)]
pub struct DashboardQuery {
    pub viewer_org_id: String,
    pub viewer_org_slug: String,
    /// This node's alert URIs are this followed by the alert's id.
    pub alert_uri_prefix: String,
    pub source: Source,
    /// Status, country, urgency, violation type and text, as for other lists.
    pub common: AlertFilter,
    /// Facets (see `domain::alert::facet`), each of which an alert must have.
    pub facets: Vec<String>,
    /// A group this node knows (its id, and its actor id).
    pub group: Option<(String, String)>,
    /// Alerts of this organisation of ours only (its id).
    pub own_org_id: Option<String>,
    /// Alerts received from this author only (its actor id).
    pub remote_author: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// One line of the list: one of our alerts (`source` = `own`, `id` its id)
/// or one received (`network`, `id` this node's id for it).
#[derive(Debug, Clone, FromRow)]
pub struct DashboardRow {
    pub source: String,
    pub id: String,
    pub number: String,
    pub status: String,
    pub urgency: String,
    pub severity: String,
    pub country: String,
    pub title: String,
    pub titles: String,
    /// The author organisation's name, as far as this node knows it.
    pub org_name: String,
    /// For received alerts, the node they came from.
    pub origin_host: Option<String>,
    pub next_deadline: Option<i64>,
    pub updated_at: i64,
    /// Responses the viewer's organisation sees (as `services::actions::responses` counts them).
    pub responses: i64,
    /// How many alerts match, on every page.
    pub total: i64,
}

/// `LIKE` pattern finding `text` literally (its own wildcards escaped).
fn contains_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The page of alerts `query` asks for: most urgent first, then the nearest
/// deadline (none last), then the most recently updated. One statement: each
/// side of the union filters in SQL and reads only its narrow index for the
/// order; the page's few rows are then joined to what they show.
pub async fn list(db: &Db, query: &DashboardQuery) -> sqlx::Result<Vec<DashboardRow>> {
    // $1, $2: the viewer's organisation (id, slug); $3: our alerts' URI prefix.
    let mut binds: Vec<String> = vec![
        query.viewer_org_id.clone(),
        query.viewer_org_slug.clone(),
        query.alert_uri_prefix.clone(),
    ];
    let mut branches = Vec::new();
    let own = query.source != Source::Network && query.remote_author.is_none();
    let network = query.source != Source::Own && query.own_org_id.is_none();
    if own {
        let mut conditions = vec![super::visibility::OWN_ALERTS.to_string()];
        push_filter_conditions(&query.common, "a", "alert_violations", &mut conditions, &mut binds);
        for facet in &query.facets {
            binds.push(contains_pattern(facet));
            conditions.push(format!("a.facets LIKE ${} ESCAPE '\\'", binds.len()));
        }
        if let Some((_, uri)) = &query.group {
            binds.push(contains_pattern(&crate::domain::alert::facet("group", uri)));
            conditions.push(format!("a.facets LIKE ${} ESCAPE '\\'", binds.len()));
        }
        if let Some(org_id) = &query.own_org_id {
            binds.push(org_id.clone());
            conditions.push(format!("a.org_id = ${}", binds.len()));
        }
        branches.push(format!(
            "SELECT 'own' AS source, a.id AS id, a.urgency_rank AS urgency_rank, a.next_deadline AS next_deadline, \
             a.updated_at AS updated_at FROM alerts a WHERE {}",
            conditions.join(" AND ")
        ));
    }
    if network {
        let mut conditions = vec![super::visibility::RECEIVED_ALERTS.to_string()];
        push_filter_conditions(
            &query.common,
            "r",
            "remote_alert_violations",
            &mut conditions,
            &mut binds,
        );
        for facet in &query.facets {
            binds.push(contains_pattern(facet));
            conditions.push(format!("r.facets LIKE ${} ESCAPE '\\'", binds.len()));
        }
        if let Some((group_id, _)) = &query.group {
            binds.push(group_id.clone());
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM group_alerts g WHERE g.group_id = ${} AND g.alert_uri = r.id)",
                binds.len()
            ));
        }
        if let Some(author) = &query.remote_author {
            binds.push(author.clone());
            conditions.push(format!("r.attributed_to = ${}", binds.len()));
        }
        branches.push(format!(
            "SELECT 'network' AS source, r.id AS id, r.urgency_rank AS urgency_rank, \
             r.next_deadline AS next_deadline, r.updated_at AS updated_at FROM remote_alerts r WHERE {}",
            conditions.join(" AND ")
        ));
    }
    if branches.is_empty() {
        return Ok(Vec::new());
    }
    const ORDER: &str = "urgency_rank, (next_deadline IS NULL), next_deadline, updated_at DESC, id";
    // The author organisation sees every response; others see shared ones
    // (offers of support only where the author chose them) and their own.
    let sql = format!(
        "WITH matching AS ({union}), \
         page AS (SELECT m.source, m.id, m.urgency_rank, m.next_deadline, m.updated_at, COUNT(*) OVER () AS total \
                  FROM matching m ORDER BY {ORDER} LIMIT {limit} OFFSET {offset}) \
         SELECT p.source, COALESCE(a.id, r.local_id) AS id, COALESCE(a.number, r.number) AS number, \
           COALESCE(a.status, r.status) AS status, COALESCE(a.urgency, r.urgency) AS urgency, \
           COALESCE(a.severity, r.severity) AS severity, COALESCE(a.country, r.country) AS country, \
           COALESCE(a.title, r.title) AS title, COALESCE(a.titles, r.titles) AS titles, \
           COALESCE(o.name, ra.name, '') AS org_name, r.origin_host, p.next_deadline, p.updated_at, \
           (SELECT COUNT(*) FROM solidarity_actions s \
            WHERE s.alert_uri = (CASE WHEN p.source = 'own' THEN $3 || p.id ELSE p.id END) \
              AND s.deleted_at IS NULL \
              AND (a.org_id = $1 OR s.org_id = $1 \
                   OR (s.kind <> 'support_offer' AND s.shareable = 1) \
                   OR (s.kind = 'support_offer' AND EXISTS (SELECT 1 FROM alert_offer_viewers v \
                       WHERE v.alert_id = a.id AND v.org_id = $1)))) AS responses, \
           p.total \
         FROM page p \
         LEFT JOIN alerts a ON p.source = 'own' AND a.id = p.id \
         LEFT JOIN organisations o ON o.id = a.org_id \
         LEFT JOIN remote_alerts r ON p.source = 'network' AND r.id = p.id \
         LEFT JOIN remote_actors ra ON ra.id = r.attributed_to \
         ORDER BY p.{ORDER_P}",
        union = branches.join(" UNION ALL "),
        limit = query.limit,
        offset = query.offset,
        ORDER_P = "urgency_rank, (p.next_deadline IS NULL), p.next_deadline, p.updated_at DESC, p.id",
    );
    let mut rows = sqlx::query_as::<_, DashboardRow>(&sql);
    for b in &binds {
        rows = rows.bind(b);
    }
    rows.fetch_all(&db.pool).await
}

/// One of the organisation's alerts that needs a look.
#[derive(Debug, Clone, FromRow)]
pub struct AttentionAlertRow {
    pub id: String,
    pub number: String,
    pub title: String,
    pub titles: String,
    pub updated_at: i64,
    pub expires_at: Option<i64>,
}

/// The organisation's alerts waiting for review, oldest change first.
pub async fn in_review_of_org(db: &Db, org_id: &str, limit: i64) -> sqlx::Result<Vec<AttentionAlertRow>> {
    sqlx::query_as(
        "SELECT id, number, title, titles, updated_at, expires_at FROM alerts \
         WHERE org_id = $1 AND status = 'in_review' ORDER BY updated_at, id LIMIT $2",
    )
    .bind(org_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// The organisation's open alerts that expire before `before` (or have
/// expired), soonest first.
pub async fn expiring_open_of_org(
    db: &Db,
    org_id: &str,
    before: i64,
    limit: i64,
) -> sqlx::Result<Vec<AttentionAlertRow>> {
    sqlx::query_as(
        "SELECT id, number, title, titles, updated_at, expires_at FROM alerts \
         WHERE org_id = $1 AND status = 'open' AND expires_at IS NOT NULL AND expires_at < $2 \
         ORDER BY expires_at, id LIMIT $3",
    )
    .bind(org_id)
    .bind(before)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// How many responses by other organisations reached the organisation's
/// alerts (URIs: `alert_uri_prefix` and their id) after `since`.
pub async fn responses_to_org_since(db: &Db, org_id: &str, alert_uri_prefix: &str, since: i64) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM alerts a JOIN solidarity_actions s ON s.alert_uri = $2 || a.id \
         WHERE a.org_id = $1 AND s.received_at > $3 AND s.deleted_at IS NULL \
         AND (s.org_id IS NULL OR s.org_id <> $1)",
    )
    .bind(org_id)
    .bind(alert_uri_prefix)
    .bind(since)
    .fetch_one(&db.pool)
    .await?;
    Ok(n)
}

/// Records that the staff member looks at the dashboard now, and returns when
/// they looked before this visit (a visit ends after `visit_gap` ms without a
/// look): what is new is new since then. None on a first visit.
pub async fn record_visit(db: &Db, user_id: &str, now: i64, visit_gap: i64) -> sqlx::Result<Option<i64>> {
    let row: Option<(Option<i64>,)> = sqlx::query_as(
        "UPDATE users SET \
           dashboard_previous_seen_at = CASE WHEN dashboard_seen_at IS NULL OR dashboard_seen_at < $2 - $3 \
             THEN dashboard_seen_at ELSE dashboard_previous_seen_at END, \
           dashboard_seen_at = $2 \
         WHERE id = $1 RETURNING dashboard_previous_seen_at",
    )
    .bind(user_id)
    .bind(now)
    .bind(visit_gap)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(|(at,)| at))
}

/// An organisation on another node whose alerts this organisation sees.
#[derive(Debug, Clone, FromRow)]
pub struct RemoteAuthorRow {
    pub attributed_to: String,
    pub origin_host: String,
    pub name: String,
}

/// Authors of the received alerts the organisation with id `org_id` sees.
pub async fn remote_authors(db: &Db, org_id: &str) -> sqlx::Result<Vec<RemoteAuthorRow>> {
    sqlx::query_as(&format!(
        "SELECT r.attributed_to, r.origin_host, COALESCE(MAX(ra.name), '') AS name FROM remote_alerts r \
         LEFT JOIN remote_actors ra ON ra.id = r.attributed_to WHERE {} \
         GROUP BY r.attributed_to, r.origin_host ORDER BY r.origin_host, r.attributed_to",
        super::visibility::RECEIVED_ALERTS
    ))
    .bind(org_id)
    .fetch_all(&db.pool)
    .await
}
