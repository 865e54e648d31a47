//! Storage: one set of runtime queries over sqlx's `Any` driver, serving SQLite
//! (the embedded default) and PostgreSQL alike. SQL lives in one module per table
//! group; handlers call these, never the reverse.

pub mod accounts;
pub mod actions;
pub mod actors;
pub mod alert_recipients;
pub mod alerts;
pub mod analysis;
pub mod audit;
pub mod backup;
pub mod bench;
pub mod dashboard;
pub mod followers;
pub mod group_commit;
pub mod groups;
pub mod invitations;
pub mod keys;
pub mod monitoring;
pub mod notices;
pub mod outbox;
pub mod peers;
pub mod published_aggregates;
pub mod received;
pub mod remote_alerts;
pub mod sessions;
pub mod sign_in_failures;
pub mod signing_keys;
pub mod visibility;
pub mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Set on every SQLite connection: WAL for concurrent readers; FULL so that a
/// commit survives power loss, not only a process crash; `secure_delete` so
/// that what is deleted or overwritten (a withdrawn alert's text) is zeroed
/// in the file, not left in free space until a VACUUM.
const SQLITE_SESSION: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 10000; PRAGMA secure_delete = ON;";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A node's database handle: cheap to clone, one per node (never global).
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite has one writer at a time; a writer that finds the lock taken
    /// sleeps in SQLite's busy handler (1, 2, 5 … 100 ms) instead of queueing.
    /// Hot write paths take this first, so they queue here, in order, instead.
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite only: writes committed together (see [`Db::write`]).
    group_commit: Option<group_commit::GroupCommit>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "unsupported database URL `{0}`: use sqlite://PATH (e.g. sqlite://data/tadamun.db) or postgres://USER@HOST:PORT/DB"
    )]
    UnsupportedUrl(String),
    #[error("cannot create the directory for the SQLite database {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error("cannot open the database: {0}")]
    Open(#[from] sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    /// Opens (creating if needed, for SQLite) the database at `url`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, ConnectError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(ConnectError::UnsupportedUrl(url.to_string()));
        };
        let mut url = url.to_string();
        // A file opened read-only (a backup being checked) is left exactly
        // as it is: no session settings, no file modes.
        let read_only = backend == Backend::Sqlite && url.contains("mode=ro");
        if backend == Backend::Sqlite && !read_only {
            let path = sqlite_file(&url).unwrap_or_default().display().to_string();
            if path != ":memory:" {
                private_files(Path::new(&path)).map_err(|source| ConnectError::CreateDir {
                    path: path.clone(),
                    source,
                })?;
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
            }
        }
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            // A pooled SQLite connection is a file handle that cannot go
            // stale; pinging it before each use cost a thread round trip per
            // query. A PostgreSQL connection can drop, so it is still checked.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite && !read_only {
                        conn.execute(SQLITE_SESSION).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;
        let write_gate: std::sync::Arc<tokio::sync::Mutex<()>> = Default::default();
        let group_commit = (backend == Backend::Sqlite && !read_only)
            .then(|| group_commit::GroupCommit::start(options, write_gate.clone()));
        Ok(Db {
            pool,
            backend,
            write_gate,
            group_commit,
        })
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies any migrations not yet applied.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// True when the database answers and every migration this binary knows is applied.
    pub async fn is_ready(&self) -> bool {
        let expected = self.migrator().iter().count() as i64;
        let applied: Result<(i64,), _> = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await;
        matches!(applied, Ok((n,)) if n >= expected)
    }

    /// Taken before a hot write transaction begins (never while holding a
    /// pooled connection), so that SQLite writers queue instead of sleeping.
    /// PostgreSQL writers need no such turn: `None`.
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_gate.lock().await),
            Backend::Postgres => None,
        }
    }

    /// Runs `write` in a transaction and returns its result once committed.
    /// On SQLite the writes that arrive together share one transaction and one
    /// commit; see [`group_commit`]. A write must not use any other connection,
    /// or wait on anything but its statements: the writes queued behind it wait
    /// for it. It may run more than once (if another write of its batch fails),
    /// so it must do nothing but its statements.
    ///
    /// `processed`, if given, is the received activity the write is the effect
    /// of: it is marked processed in the same commit (on SQLite, with the other
    /// marks of the batch in one statement, as the batch is serial).
    pub async fn write<T: Send + 'static>(
        &self,
        write: group_commit::Write<T>,
        processed: Option<Processed>,
    ) -> crate::error::Result<T> {
        match &self.group_commit {
            Some(batched) => batched.run(write, processed).await,
            None => {
                let mut tx = self.pool.begin().await?;
                let value = write(&mut tx).await?;
                if let Some(processed) = &processed {
                    mark_processed(&mut tx, &[processed]).await?;
                }
                tx.commit().await?;
                Ok(value)
            }
        }
    }

    /// After content was purged: on SQLite, moves everything in the WAL into
    /// the database file (where `secure_delete` zeroed the purged text) and
    /// empties the WAL, whose older frames still hold it. PostgreSQL needs a
    /// VACUUM by its operator (see the README). Best effort: a purge stands
    /// even if this must wait for readers and gives up.
    pub async fn scrub_purged(&self) {
        if self.backend != Backend::Sqlite {
            return;
        }
        let done: Result<(i64, i64, i64), _> = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.pool)
            .await;
        match done {
            Ok((0, _, _)) => {}
            Ok(_) => tracing::warn!(
                "the WAL could not be emptied after a purge (readers were busy); it will be at the next checkpoint"
            ),
            Err(err) => tracing::warn!(%err, "cannot empty the WAL after a purge"),
        }
    }

    pub async fn close(&self) {
        if let Some(batched) = &self.group_commit {
            batched.close().await;
        }
        self.pool.close().await;
    }
}

/// The file of a `sqlite:` database URL (without its query); `None` for
/// another database.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(path.split('?').next().unwrap_or_default().into())
}

/// The SQLite database's directory and file, readable by the node's user
/// only: a directory made here is 0700, the file is made (or tightened to)
/// 0600, and SQLite gives its -wal and -shm files the database file's mode.
fn private_files(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if let Ok(meta) = std::fs::metadata(&file)
                && meta.permissions().mode() & 0o077 != 0
                && let Err(err) = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
            {
                // Someone else's file (a shared setup): say so, and go on.
                tracing::warn!(%err, file = %file.display(), "cannot make the database file private to this user");
            }
        }
    }
    Ok(())
}

/// A received activity whose effect was written: replays of it are ignored.
#[derive(Debug, Clone)]
pub struct Processed {
    pub activity_id: String,
    pub actor: String,
    pub received_at: i64,
}

/// Marks activities processed, in statements of up to 100 rows.
pub async fn mark_processed(conn: &mut sqlx::AnyConnection, activities: &[&Processed]) -> sqlx::Result<()> {
    for chunk in activities.chunks(100) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|n| format!("(${}, ${}, ${})", 3 * n + 1, 3 * n + 2, 3 * n + 3))
            .collect();
        let sql = format!(
            "INSERT INTO received_activities (id, actor, received_at) VALUES {} ON CONFLICT (id) DO NOTHING",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for activity in chunk {
            query = query
                .bind(&activity.activity_id)
                .bind(&activity.actor)
                .bind(activity.received_at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A unique-constraint violation, which callers turn into 409 instead of 500.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|e| e.is_unique_violation())
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A flag column: SQLite has no boolean type, so the schema stores flags as
/// 0/1 `BIGINT` on both databases. A row field reads one as a `bool` with
/// `#[sqlx(try_from = "IntBool")]`; a flag is written with [`flag`].
pub struct IntBool(i64);

impl sqlx::Type<sqlx::Any> for IntBool {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i64 as sqlx::Type<sqlx::Any>>::type_info()
    }
    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for IntBool {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(IntBool(<i64 as sqlx::Decode<sqlx::Any>>::decode(value)?))
    }
}

impl From<IntBool> for bool {
    fn from(value: IntBool) -> bool {
        value.0 != 0
    }
}

/// A flag as its column stores it.
pub fn flag(value: bool) -> i64 {
    i64::from(value)
}
