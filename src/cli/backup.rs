//! `tadamun backup FILE` and `tadamun restore FILE`: a consistent snapshot of
//! a live node, and bringing one back into a new data directory (or an empty
//! PostgreSQL database). A snapshot holds everything the database does,
//! including the organisations' private keys, sealed with the node's key
//! secret, which is not in it: keep the secret with the backup, apart.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::config::Config;
use crate::db::{self, Backend, Db, backup};

const SECRET_REMINDER: &str = "the organisations' private keys in it are sealed with this node's key secret, \
which is not in the backup: keep the secret (key_secret / TADAMUN_KEY_SECRET) with the backup, apart from it. \
Without it a restored node cannot sign";

fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if db::sqlite_file(url).is_some() {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        bail!("unsupported database URL `{url}`: use sqlite://PATH or postgres://USER@HOST:PORT/DB")
    }
}

/// Writes a snapshot of the node's database to `file` (never over an
/// existing file), while the node runs or not.
pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    if file.exists() {
        bail!(
            "{} exists: a backup is never written over a file; choose a new name",
            file.display()
        );
    }
    match backend_of(&config.database_url)? {
        Backend::Sqlite => {
            let database = db::sqlite_file(&config.database_url).unwrap_or_default();
            if !database.is_file() {
                bail!(
                    "there is no database at {}: nothing to back up (check --data-dir or --database-url)",
                    database.display()
                );
            }
            let db = Db::connect(&config.database_url, 2).await?;
            let written = backup::snapshot_sqlite(&db, file).await;
            db.close().await;
            written.with_context(|| format!("cannot write the snapshot to {}", file.display()))?;
            let contents = read_sqlite_backup(file).await?;
            println!("backed up to {}: {contents}", file.display());
        }
        Backend::Postgres => {
            new_private_file(file)?;
            let dumped = Command::new(postgres_tool("pg_dump")?)
                .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                .arg(file)
                .arg(&config.database_url)
                .status()
                .context("cannot run pg_dump")?;
            if !dumped.success() {
                let _ = std::fs::remove_file(file);
                bail!("pg_dump failed ({dumped}); nothing was written");
            }
            println!("backed up to {} with pg_dump (custom format)", file.display());
        }
    }
    println!("note: {SECRET_REMINDER}.");
    Ok(())
}

/// Brings a backup back as the node's database, which must not exist yet (a
/// new data directory, or an empty PostgreSQL database): a restore never
/// writes over a node, running or not.
pub async fn restore(config: &Config, file: &Path) -> anyhow::Result<()> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    match backend_of(&config.database_url)? {
        Backend::Sqlite => {
            let target = db::sqlite_file(&config.database_url).unwrap_or_default();
            if target.exists() {
                bail!(
                    "{} already has a database (and a node may be running on it): a restore goes into a new data \
                     directory. Restore with --data-dir NEW_DIR, or stop the node and move its directory away first",
                    target.display()
                );
            }
            let contents = read_sqlite_backup(file).await?;
            copy_into_place(file, &target)?;
            let db = Db::connect(&config.database_url, 2).await?;
            db.migrate().await?;
            let restored = backup::contents(&db).await?;
            db.close().await;
            if (restored.organisations, restored.alerts, restored.signing_keys)
                != (contents.organisations, contents.alerts, contents.signing_keys)
            {
                bail!("the restored database does not hold what the backup does: {restored} (backup: {contents})");
            }
            println!("restored {} into {}: {restored}", file.display(), target.display());
        }
        Backend::Postgres => {
            let mut head = [0u8; 5];
            let read = std::fs::File::open(file).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head));
            if read.is_err() || &head != b"PGDMP" {
                bail!(
                    "{} is not a pg_dump archive in custom format (made by `tadamun backup` on PostgreSQL)",
                    file.display()
                );
            }
            let db = Db::connect(&config.database_url, 2).await?;
            let empty = backup::postgres_is_empty(&db).await;
            db.close().await;
            if !empty? {
                bail!(
                    "the database at the given URL is not empty (a node may be running on it): restore into a new, \
                     empty database (createdb) and point the node at it"
                );
            }
            let restored = Command::new(postgres_tool("pg_restore")?)
                .args([
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    "--dbname",
                ])
                .arg(&config.database_url)
                .arg(file)
                .status()
                .context("cannot run pg_restore")?;
            if !restored.success() {
                bail!("pg_restore failed ({restored}); nothing was restored (it ran as one transaction)");
            }
            let db = Db::connect(&config.database_url, 2).await?;
            db.migrate().await?;
            let contents = backup::contents(&db).await?;
            db.close().await;
            println!("restored {}: {contents}", file.display());
        }
    }
    println!(
        "note: {SECRET_REMINDER}. Deliveries that were queued in the backup are sent when the node starts; peers ignore any they already had."
    );
    Ok(())
}

/// Opens a SQLite backup read-only, checks that it is whole and a node's
/// database, and counts what it holds.
async fn read_sqlite_backup(file: &Path) -> anyhow::Result<backup::Contents> {
    let url = format!("sqlite://{}?mode=ro", file.display());
    let db = Db::connect(&url, 1)
        .await
        .with_context(|| format!("{} is not a SQLite database", file.display()))?;
    let checked = async {
        let problems = backup::integrity_problems(&db)
            .await
            .with_context(|| format!("{} is not a SQLite database", file.display()))?;
        if !problems.is_empty() {
            bail!("{} is damaged: {}", file.display(), problems.join("; "));
        }
        backup::contents(&db)
            .await
            .with_context(|| format!("{} is not a Tadamun node's database", file.display()))
    }
    .await;
    db.close().await;
    checked
}

/// Copies `from` to `to` through a temporary file in `to`'s directory, made
/// private first and synced before it takes its name: a crash leaves either
/// no database or the whole one.
fn copy_into_place(from: &Path, to: &Path) -> anyhow::Result<()> {
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .with_context(|| format!("cannot make {}", dir.display()))?;
    }
    let partial = PathBuf::from(format!("{}.restoring", to.display()));
    let _ = std::fs::remove_file(&partial);
    let mut out = new_private_file(&partial)?;
    let mut input = std::fs::File::open(from).with_context(|| format!("cannot read {}", from.display()))?;
    std::io::copy(&mut input, &mut out).with_context(|| format!("cannot write {}", partial.display()))?;
    out.flush()?;
    out.sync_all()?;
    std::fs::rename(&partial, to).with_context(|| format!("cannot move the restored database to {}", to.display()))?;
    Ok(())
}

fn new_private_file(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

/// A PostgreSQL client tool, from PATH or the server's own binaries (Debian
/// keeps them under /usr/lib/postgresql/VERSION/bin): the newest, which reads
/// dumps of older servers too.
fn postgres_tool(name: &str) -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join(name).is_file() {
                return Ok(dir.join(name));
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
        .filter(|p| p.is_file())
        .collect();
    versions.sort();
    versions.pop().with_context(|| {
        format!("{name} was not found on PATH or under /usr/lib/postgresql/*/bin: install the PostgreSQL client tools")
    })
}
