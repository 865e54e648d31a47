//! Failed sign-ins, counted per account and per client address over a sliding
//! window. Kept in the database so that every process serving a node counts
//! the same guesses.

use super::{Db, new_id};

/// Failures within the window, for an account and for a client address.
pub struct Counts {
    pub account: i64,
    pub client: i64,
}

pub async fn count_since(db: &Db, username: &str, client: &str, since: i64) -> sqlx::Result<Counts> {
    let (account, client): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM sign_in_failures WHERE username = $1 AND at > $3), \
                (SELECT COUNT(*) FROM sign_in_failures WHERE client = $2 AND at > $3)",
    )
    .bind(username)
    .bind(client)
    .bind(since)
    .fetch_one(&db.pool)
    .await?;
    Ok(Counts { account, client })
}

/// When the `skip`-th oldest failure within the window (0 is the oldest)
/// happened, for the account (`by_client` false) or the client address.
pub async fn nth_since(db: &Db, key: &str, by_client: bool, since: i64, skip: i64) -> sqlx::Result<Option<i64>> {
    let sql = if by_client {
        "SELECT at FROM sign_in_failures WHERE client = $1 AND at > $2 ORDER BY at LIMIT 1 OFFSET $3"
    } else {
        "SELECT at FROM sign_in_failures WHERE username = $1 AND at > $2 ORDER BY at LIMIT 1 OFFSET $3"
    };
    let row: Option<(i64,)> = sqlx::query_as(sql)
        .bind(key)
        .bind(since)
        .bind(skip)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|(at,)| at))
}

/// Records one failure, and forgets those that left the window.
pub async fn record(db: &Db, at: i64, username: &str, client: &str, window_start: i64) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1")
        .bind(window_start)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO sign_in_failures (id, at, username, client) VALUES ($1, $2, $3, $4)")
        .bind(new_id())
        .bind(at)
        .bind(username)
        .bind(client)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Forgets an account's failures (after it signed in, or when an operator
/// lifts its lockout); returns how many there were.
pub async fn clear_account(db: &Db, username: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM sign_in_failures WHERE username = $1")
        .bind(username)
        .execute(&db.pool)
        .await?
        .rows_affected())
}

/// Forgets a client address's failures (an operator lifting its lockout).
pub async fn clear_client(db: &Db, client: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM sign_in_failures WHERE client = $1")
        .bind(client)
        .execute(&db.pool)
        .await?
        .rows_affected())
}
