//! Groups: those hosted here and those of other nodes we know, their members,
//! our organisations' memberships, and the alerts addressed to each.

use sqlx::{AnyConnection, FromRow};

use super::Db;
use crate::domain::vocab::MemberState;

#[derive(Debug, Clone, FromRow)]
pub struct GroupRow {
    pub id: String,
    pub uri: String,
    pub slug: Option<String>,
    /// Whether the group lives on this node.
    #[sqlx(try_from = "super::IntBool")]
    pub hosted: bool,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub languages: String,
    pub moderators: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl GroupRow {
    pub fn moderator_uris(&self) -> Vec<String> {
        serde_json::from_str(&self.moderators).unwrap_or_default()
    }
    pub fn language_tags(&self) -> Vec<String> {
        serde_json::from_str(&self.languages).unwrap_or_default()
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub group_id: String,
    pub org_uri: String,
    pub org_name: String,
    pub inbox: String,
    pub host: String,
    pub follow: String,
    #[sqlx(try_from = "String")]
    pub state: MemberState,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, uri, slug, hosted, name, description, kind, languages, moderators, created_at, updated_at";
const MEMBER_COLUMNS: &str = "group_id, org_uri, org_name, inbox, host, follow, state, created_at, updated_at";

pub async fn find(db: &Db, id: &str) -> sqlx::Result<Option<GroupRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM groups WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn find_by_uri(db: &Db, uri: &str) -> sqlx::Result<Option<GroupRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM groups WHERE uri = $1"))
        .bind(uri)
        .fetch_optional(&db.pool)
        .await
}

/// The groups among `uris`: a query per few hundred distinct addressees (an
/// alert names several; a hostile one may name tens of thousands, more than a
/// statement may bind).
pub async fn find_by_uris(db: &Db, uris: &[&str]) -> sqlx::Result<Vec<GroupRow>> {
    const PER_QUERY: usize = 500;
    let mut distinct = uris.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let mut found = Vec::new();
    for chunk in distinct.chunks(PER_QUERY) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM groups WHERE uri IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as(&sql);
        for uri in chunk {
            query = query.bind(*uri);
        }
        found.extend(query.fetch_all(&db.pool).await?);
    }
    Ok(found)
}

/// As [`find_by_uri`], on a connection already held.
pub async fn find_by_uri_on(conn: &mut AnyConnection, uri: &str) -> sqlx::Result<Option<GroupRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM groups WHERE uri = $1"))
        .bind(uri)
        .fetch_optional(conn)
        .await
}

pub async fn find_hosted(db: &Db, slug: &str) -> sqlx::Result<Option<GroupRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM groups WHERE slug = $1 AND hosted = 1"))
        .bind(slug)
        .fetch_optional(&db.pool)
        .await
}

pub async fn list(db: &Db) -> sqlx::Result<Vec<GroupRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM groups ORDER BY name, id"))
        .fetch_all(&db.pool)
        .await
}

/// Inserts a group, or refreshes a remote one from its actor document.
pub async fn upsert(conn: &mut AnyConnection, row: &GroupRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO groups (id, uri, slug, hosted, name, description, kind, languages, moderators, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (uri) DO UPDATE SET name = $5, description = $6, kind = $7, languages = $8, moderators = $9, \
         updated_at = $11",
    )
    .bind(&row.id)
    .bind(&row.uri)
    .bind(&row.slug)
    .bind(super::flag(row.hosted))
    .bind(&row.name)
    .bind(&row.description)
    .bind(&row.kind)
    .bind(&row.languages)
    .bind(&row.moderators)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn members(db: &Db, group_id: &str) -> sqlx::Result<Vec<MemberRow>> {
    sqlx::query_as(&format!(
        "SELECT {MEMBER_COLUMNS} FROM group_members WHERE group_id = $1 ORDER BY org_name, org_uri"
    ))
    .bind(group_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn member(db: &Db, group_id: &str, org_uri: &str) -> sqlx::Result<Option<MemberRow>> {
    sqlx::query_as(&format!(
        "SELECT {MEMBER_COLUMNS} FROM group_members WHERE group_id = $1 AND org_uri = $2"
    ))
    .bind(group_id)
    .bind(org_uri)
    .fetch_optional(&db.pool)
    .await
}

/// Accepted members on nodes this one federates with (or on this node), on a
/// connection already held: nothing is relayed to a node it blocked since.
pub async fn accepted_members_on(
    conn: &mut AnyConnection,
    group_id: &str,
    our_host: &str,
) -> sqlx::Result<Vec<MemberRow>> {
    sqlx::query_as(
        "SELECT m.group_id, m.org_uri, m.org_name, m.inbox, m.host, m.follow, m.state, m.created_at, m.updated_at \
         FROM group_members m LEFT JOIN peers p ON p.host = m.host \
         WHERE m.group_id = $1 AND m.state = 'accepted' \
         AND (p.trust IN ('connected', 'trusted') OR m.host = $2) \
         ORDER BY m.org_uri",
    )
    .bind(group_id)
    .bind(our_host)
    .fetch_all(conn)
    .await
}

pub async fn set_member_state(
    conn: &mut AnyConnection,
    group_id: &str,
    org_uri: &str,
    state: MemberState,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE group_members SET state = $3, updated_at = $4 WHERE group_id = $1 AND org_uri = $2")
        .bind(group_id)
        .bind(org_uri)
        .bind(state.as_str())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Our organisation's membership state in a group, if it ever asked.
pub async fn membership(db: &Db, group_id: &str, org_id: &str) -> sqlx::Result<Option<(MemberState, String)>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT state, follow_id FROM group_memberships WHERE group_id = $1 AND org_id = $2")
            .bind(group_id)
            .bind(org_id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|(state, follow)| Ok((stored_state(state)?, follow)))
        .transpose()
}

/// A membership state as stored: the schema's CHECK allows no other values.
fn stored_state(state: String) -> sqlx::Result<MemberState> {
    MemberState::try_from(state).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub async fn record_group_alert(
    conn: &mut AnyConnection,
    group_id: &str,
    alert_uri: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO group_alerts (group_id, alert_uri, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(group_id)
        .bind(alert_uri)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn alert_uris(db: &Db, group_id: &str) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT alert_uri FROM group_alerts WHERE group_id = $1 ORDER BY added_at DESC, alert_uri")
            .bind(group_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// Ids of our (hosted) groups that relayed an alert.
pub async fn hosted_group_ids_of_alert(db: &Db, alert_uri: &str) -> sqlx::Result<Vec<String>> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT g.id FROM group_alerts a JOIN groups g ON g.id = a.group_id WHERE a.alert_uri = $1 AND g.hosted = 1",
    )
    .bind(alert_uri)
    .fetch_all(&db.pool)
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// URIs of our (hosted) groups that relayed an alert, on a connection held.
pub async fn hosted_group_uris_of_alert_on(conn: &mut AnyConnection, alert_uri: &str) -> sqlx::Result<Vec<String>> {
    let uris: Vec<(String,)> = sqlx::query_as(
        "SELECT g.uri FROM group_alerts a JOIN groups g ON g.id = a.group_id WHERE a.alert_uri = $1 AND g.hosted = 1",
    )
    .bind(alert_uri)
    .fetch_all(conn)
    .await?;
    Ok(uris.into_iter().map(|(uri,)| uri).collect())
}

/// A member's state in one of our groups, if it ever asked to join.
pub async fn member_state_on(
    conn: &mut AnyConnection,
    group_id: &str,
    org_uri: &str,
) -> sqlx::Result<Option<MemberState>> {
    let member: Option<(String,)> =
        sqlx::query_as("SELECT state FROM group_members WHERE group_id = $1 AND org_uri = $2")
            .bind(group_id)
            .bind(org_uri)
            .fetch_optional(conn)
            .await?;
    member.map(|(state,)| stored_state(state)).transpose()
}

/// A request to join one of our groups from another node, pending for the
/// moderators; a member already accepted stays accepted. Name and inbox are
/// refreshed from the request.
#[allow(clippy::too_many_arguments)]
pub async fn upsert_join_request(
    conn: &mut AnyConnection,
    group_id: &str,
    org_uri: &str,
    org_name: &str,
    inbox: &str,
    host: &str,
    follow: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO group_members (group_id, org_uri, org_name, inbox, host, follow, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7) \
         ON CONFLICT (group_id, org_uri) DO UPDATE SET org_name = $3, inbox = $4, follow = $6, updated_at = $7, \
         state = CASE WHEN group_members.state = 'accepted' THEN 'accepted' ELSE 'pending' END",
    )
    .bind(group_id)
    .bind(org_uri)
    .bind(org_name)
    .bind(inbox)
    .bind(host)
    .bind(follow)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A request of one of this node's organisations to join one of our groups:
/// like [`upsert_join_request`], but a repeated request changes only the
/// Follow (name and inbox stay as first recorded).
#[allow(clippy::too_many_arguments)]
pub async fn upsert_local_join_request(
    conn: &mut AnyConnection,
    group_id: &str,
    org_uri: &str,
    org_name: &str,
    inbox: &str,
    host: &str,
    follow: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO group_members (group_id, org_uri, org_name, inbox, host, follow, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7) \
         ON CONFLICT (group_id, org_uri) DO UPDATE SET follow = $6, updated_at = $7, \
         state = CASE WHEN group_members.state = 'accepted' THEN 'accepted' ELSE 'pending' END",
    )
    .bind(group_id)
    .bind(org_uri)
    .bind(org_name)
    .bind(inbox)
    .bind(host)
    .bind(follow)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records our organisation's (new or repeated) request to join a group.
pub async fn upsert_membership(
    conn: &mut AnyConnection,
    group_id: &str,
    org_id: &str,
    follow_id: &str,
    state: MemberState,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO group_memberships (group_id, org_id, follow_id, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (group_id, org_id) DO UPDATE SET follow_id = $3, state = $4, updated_at = $5",
    )
    .bind(group_id)
    .bind(org_id)
    .bind(follow_id)
    .bind(state.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_membership_state(
    conn: &mut AnyConnection,
    group_id: &str,
    org_id: &str,
    state: MemberState,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE group_memberships SET state = $3, updated_at = $4 WHERE group_id = $1 AND org_id = $2")
        .bind(group_id)
        .bind(org_id)
        .bind(state.as_str())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A group's answer to our request `follow_id` (unless we left since).
/// Returns how many memberships it answered.
pub async fn answer_membership_by_follow(
    db: &Db,
    group_id: &str,
    follow_id: &str,
    state: MemberState,
    now: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE group_memberships SET state = $3, updated_at = $4 WHERE group_id = $1 AND follow_id = $2 \
     AND state <> 'left'",
    )
    .bind(group_id)
    .bind(follow_id)
    .bind(state.as_str())
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// A group's answer that names no request: it answers every pending request
/// of ours to it. Returns how many.
pub async fn answer_pending_memberships(db: &Db, group_id: &str, state: MemberState, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE group_memberships SET state = $2, updated_at = $3 WHERE group_id = $1 AND state = 'pending'",
    )
    .bind(group_id)
    .bind(state.as_str())
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}
