//! Group commit for SQLite. SQLite has one writer at a time, and a commit
//! (with `synchronous = FULL`) waits for the disk. When many writes arrive at
//! once (a burst of alerts from other nodes), each in a transaction of its own
//! would queue for the lock and pay for a commit; here they are run by one task,
//! each in a savepoint of a transaction shared with the writes that queued
//! meanwhile, and committed together. A write that fails is rolled back to its
//! savepoint alone; a commit that fails fails every write in it.
//!
//! Nothing waits to fill a batch: a write that arrives when the task is idle is
//! committed at once; a batch is what queued while the previous one committed.
//! PostgreSQL takes concurrent writers, so there each write simply runs in a
//! transaction of its own.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::{AnyConnection, AnyPool, Connection};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::error::{Error, Result};

/// Writes committed together at most (bounds a batch's transaction).
const MAX_BATCH: usize = 64;

/// A write: statements on the connection it is given, inside a transaction.
pub type Write<T> = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send>;

type ErasedWrite = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<Box<dyn Any + Send>>> + Send>;

struct Queued {
    write: ErasedWrite,
    done: oneshot::Sender<Result<Box<dyn Any + Send>>>,
}

/// The queue of one node's SQLite writes (cheap to clone with its `Db`).
#[derive(Debug, Clone)]
pub struct GroupCommit {
    queue: mpsc::UnboundedSender<Queued>,
}

impl GroupCommit {
    /// Starts the task that commits `pool`'s batched writes. It holds
    /// `write_gate` while a batch is open, so that other SQLite writers of the
    /// node queue behind it as they do behind one another. It ends when the
    /// last `GroupCommit` is dropped.
    pub fn start(pool: AnyPool, write_gate: Arc<Mutex<()>>) -> Self {
        let (queue, mut incoming) = mpsc::unbounded_channel::<Queued>();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while incoming.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let _turn = write_gate.lock().await;
                commit_batch(&pool, std::mem::take(&mut batch)).await;
            }
        });
        GroupCommit { queue }
    }

    /// Runs `write` in the next batch; returns its result once that batch is
    /// committed (or its error, and then nothing of it was written).
    pub async fn run<T: Send + 'static>(&self, write: Write<T>) -> Result<T> {
        let erased: ErasedWrite = Box::new(move |conn| {
            async move { write(conn).await.map(|value| Box::new(value) as Box<dyn Any + Send>) }.boxed()
        });
        let (done, result) = oneshot::channel();
        self.queue
            .send(Queued { write: erased, done })
            .map_err(|_| Error::Unavailable("the database writer has stopped".into()))?;
        let value = result
            .await
            .map_err(|_| Error::Unavailable("the database writer stopped before committing".into()))??;
        Ok(*value
            .downcast::<T>()
            .expect("a write's result has the type it was queued with"))
    }
}

async fn commit_batch(pool: &AnyPool, batch: Vec<Queued>) {
    let (writes, waiting): (Vec<ErasedWrite>, Vec<_>) = batch.into_iter().map(|q| (q.write, q.done)).unzip();
    let mut results = Vec::with_capacity(writes.len());
    let outcome: Result<()> = async {
        let mut conn = pool.acquire().await?;
        // IMMEDIATE takes the write lock now. A deferred transaction that
        // reads first would hold a snapshot, and SQLite refuses to upgrade it
        // ("database is locked", without waiting) if any other connection has
        // written since.
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        for write in writes {
            sqlx::query("SAVEPOINT batched_write").execute(&mut *tx).await?;
            // A panic in one write is that write's failure, not the batch's.
            let result = match AssertUnwindSafe(write(&mut tx)).catch_unwind().await {
                Ok(result) => result,
                Err(_) => Err(Error::Internal(anyhow::anyhow!("a database write panicked"))),
            };
            if result.is_err() {
                sqlx::query("ROLLBACK TO SAVEPOINT batched_write")
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("RELEASE SAVEPOINT batched_write").execute(&mut *tx).await?;
            results.push(result);
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => {
            for (done, result) in waiting.into_iter().zip(results) {
                let _ = done.send(result);
            }
        }
        Err(err) => {
            // Nothing of this batch is written: each write learns why.
            tracing::warn!(error = %err, writes = waiting.len(), "a batch of writes could not be committed");
            let why = err.to_string();
            for done in waiting {
                let _ = done.send(Err(Error::Unavailable(format!(
                    "the write could not be committed: {why}"
                ))));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    async fn scratch() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/t.db", dir.path().display()), 4)
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .execute(&db.pool)
            .await
            .unwrap();
        (dir, db)
    }

    fn insert(n: i64) -> Write<i64> {
        Box::new(move |conn| {
            Box::pin(async move {
                sqlx::query("INSERT INTO t (n) VALUES ($1)")
                    .bind(n)
                    .execute(conn)
                    .await?;
                Ok(n)
            })
        })
    }

    /// A write that reads before it writes is not refused because another
    /// connection wrote in between: its batch holds the write lock from the start.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_that_reads_first_is_not_refused_by_another_writer() {
        let (_dir, db) = scratch().await;
        let (other_may_write, go) = oneshot::channel::<()>();
        let pool = db.pool.clone();
        let other = tokio::spawn(async move {
            go.await.unwrap();
            sqlx::query("INSERT INTO t (n) VALUES (2)").execute(&pool).await
        });
        let read_then_write: Write<i64> = Box::new(move |conn| {
            Box::pin(async move {
                let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t").fetch_one(&mut *conn).await?;
                other_may_write.send(()).unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                sqlx::query("INSERT INTO t (n) VALUES (1)").execute(&mut *conn).await?;
                Ok(count)
            })
        });
        assert_eq!(db.write(read_then_write).await.unwrap(), 0);
        other.await.unwrap().unwrap();
        let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(stored, 2);
    }

    /// Writes queued together share commits, yet each succeeds or fails alone:
    /// a failing write (here a duplicate key, and a panic) leaves nothing of
    /// itself and takes nothing of the others with it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_writes_commit_together_and_fail_alone() {
        let (_dir, db) = scratch().await;
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..200i64 {
            let db = db.clone();
            tasks.spawn(async move {
                let write: Write<i64> = match n % 50 {
                    // Inserts its row, then fails: the row must go with it.
                    7 => Box::new(move |conn| {
                        Box::pin(async move {
                            sqlx::query("INSERT INTO t (n) VALUES ($1)")
                                .bind(n)
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("INSERT INTO t (n) VALUES ($1)")
                                .bind(n)
                                .execute(&mut *conn)
                                .await?;
                            Ok(n)
                        })
                    }),
                    9 => Box::new(move |_conn| Box::pin(async move { panic!("write {n} panics") })),
                    _ => insert(n),
                };
                (n, db.write(write).await)
            });
        }
        let mut failed = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let (n, result) = done.unwrap();
            match result {
                Ok(value) => assert_eq!(value, n),
                Err(_) => failed.push(n),
            }
        }
        failed.sort();
        assert_eq!(failed, vec![7, 9, 57, 59, 107, 109, 157, 159]);
        let stored: Vec<(i64,)> = sqlx::query_as("SELECT n FROM t ORDER BY n")
            .fetch_all(&db.pool)
            .await
            .unwrap();
        let expected: Vec<(i64,)> = (0..200).filter(|n| !failed.contains(n)).map(|n| (n,)).collect();
        assert_eq!(stored, expected);
        // The writer still works after failures.
        assert_eq!(db.write(insert(1000)).await.unwrap(), 1000);
    }
}
