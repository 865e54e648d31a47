//! Consistent snapshots of a node's database, and checks of one before it is
//! restored. SQLite is copied with `VACUUM INTO`: one read transaction, so the
//! snapshot is what a reader saw at one instant while the node goes on
//! writing (a file copy of a live WAL database is not). PostgreSQL is dumped
//! with its own `pg_dump` by the command-line tool; only the checks are here.

use std::path::Path;

use super::Db;

/// What a database holds, as counted for an operator before and after a
/// restore: the same figures must come back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contents {
    pub migrations: i64,
    pub organisations: i64,
    pub users: i64,
    pub alerts: i64,
    pub received_alerts: i64,
    pub actions: i64,
    pub signing_keys: i64,
    pub peers: i64,
    pub groups: i64,
    pub queued_deliveries: i64,
}

impl std::fmt::Display for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} organisations, {} staff accounts, {} alerts of its own and {} received, {} solidarity actions, \
             {} signing keys, {} peers, {} groups, {} deliveries queued (schema: {} migrations)",
            self.organisations,
            self.users,
            self.alerts,
            self.received_alerts,
            self.actions,
            self.signing_keys,
            self.peers,
            self.groups,
            self.queued_deliveries,
            self.migrations
        )
    }
}

/// Counts what the database holds.
pub async fn contents(db: &Db) -> sqlx::Result<Contents> {
    async fn count(db: &Db, sql: &str) -> sqlx::Result<i64> {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&db.pool).await?;
        Ok(n)
    }
    Ok(Contents {
        migrations: count(db, "SELECT COUNT(*) FROM _sqlx_migrations WHERE success").await?,
        organisations: count(db, "SELECT COUNT(*) FROM organisations").await?,
        users: count(db, "SELECT COUNT(*) FROM users").await?,
        alerts: count(db, "SELECT COUNT(*) FROM alerts").await?,
        received_alerts: count(db, "SELECT COUNT(*) FROM remote_alerts").await?,
        actions: count(db, "SELECT COUNT(*) FROM solidarity_actions").await?,
        signing_keys: count(db, "SELECT COUNT(*) FROM local_signing_keys").await?,
        peers: count(db, "SELECT COUNT(*) FROM peers").await?,
        groups: count(db, "SELECT COUNT(*) FROM groups").await?,
        queued_deliveries: count(db, "SELECT COUNT(*) FROM outbox_deliveries WHERE delivered_at IS NULL").await?,
    })
}

/// Writes a snapshot of a SQLite database to `destination`, a new file made
/// readable by the node's user only before anything is written to it (it
/// holds everything the database does, sealed keys included).
pub async fn snapshot_sqlite(db: &Db, destination: &Path) -> std::io::Result<()> {
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(destination)?;
    }
    // VACUUM INTO takes an empty file; the path is bound, never spliced in.
    let written = sqlx::query("VACUUM INTO $1")
        .bind(destination.display().to_string())
        .execute(&db.pool)
        .await;
    if let Err(err) = written {
        let _ = std::fs::remove_file(destination);
        return Err(std::io::Error::other(err));
    }
    Ok(())
}

/// Whether SQLite finds the database whole (`PRAGMA integrity_check`); the
/// problems it lists otherwise.
pub async fn integrity_problems(db: &Db) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check").fetch_all(&db.pool).await?;
    Ok(rows
        .into_iter()
        .map(|(line,)| line)
        .filter(|line| line != "ok")
        .collect())
}

/// Whether a PostgreSQL database has no tables yet (a restore goes only into
/// an empty one).
pub async fn postgres_is_empty(db: &Db) -> sqlx::Result<bool> {
    let (tables,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()")
            .fetch_one(&db.pool)
            .await?;
    Ok(tables == 0)
}
