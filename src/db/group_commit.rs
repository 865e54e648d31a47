//! Group commit for SQLite. SQLite has one writer at a time, and a commit
//! (with `synchronous = FULL`) waits for the disk. When many writes arrive at
//! once (a burst of alerts from other nodes), each in a transaction of its own
//! would queue for the lock and pay for a commit; here they are run by one task
//! in a transaction shared with the writes that queued meanwhile, and committed
//! together. A commit that fails fails every write in it.
//!
//! This task is the one serial part of ingesting: every statement it runs is a
//! round trip to SQLite's thread and back through the runtime's queue. So
//! a batch first runs its writes one after another with nothing around them.
//! Should one fail, the batch is rolled back and run again with each write in
//! a savepoint of its own, so that the failed write is undone alone (which is
//! why a write may run more than once, and must not do anything but write).
//!
//! Nothing waits to fill a batch: a write that arrives when the task is idle is
//! committed at once; a batch is what queued while the previous one committed.
//! The task writes on a connection of its own, outside the pool: through the
//! pool, a batch waited for a connection behind the readers of the requests
//! whose writes it was to commit (a third of its time, measured under load).
//!
//! PostgreSQL takes concurrent writers, so there each write simply runs in a
//! transaction of its own.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection, Executor};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::Processed;
use crate::error::{Error, Result};

/// Writes committed together at most (bounds a batch's transaction).
const MAX_BATCH: usize = 64;

/// A write: statements on the connection it is given, inside a transaction.
/// It may be run again if its batch is (see above), so it only writes.
pub type Write<T> = Box<dyn for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + Sync>;

type ErasedWrite =
    Box<dyn for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<Box<dyn Any + Send>>> + Send + Sync>;

struct Queued {
    write: ErasedWrite,
    processed: Option<Processed>,
    done: oneshot::Sender<Result<Box<dyn Any + Send>>>,
}

enum Job {
    Write(Queued),
    /// Close the connection and refuse what comes after (with the pool's closing).
    Close(oneshot::Sender<()>),
}

/// The queue of one node's SQLite writes (cheap to clone with its `Db`).
#[derive(Debug, Clone)]
pub struct GroupCommit {
    queue: mpsc::UnboundedSender<Job>,
}

impl GroupCommit {
    /// Starts the task that commits batched writes to the database of
    /// `options`, on a connection of its own. It holds `write_gate` while a
    /// batch is open, so that other SQLite writers of the node queue behind it
    /// as they do behind one another. It ends when the last `GroupCommit` is
    /// dropped.
    ///
    /// (A thread of its own, with its own runtime, was measured too: under
    /// load it was slower, as the OS scheduler then shares two cores between
    /// more busy threads.)
    pub fn start(options: AnyConnectOptions, write_gate: Arc<Mutex<()>>) -> Self {
        let (queue, mut incoming) = mpsc::unbounded_channel::<Job>();
        tokio::spawn(async move {
            let mut writer = Writer {
                options,
                conn: None,
                closed: false,
            };
            let mut jobs = Vec::with_capacity(MAX_BATCH);
            while incoming.recv_many(&mut jobs, MAX_BATCH).await > 0 {
                // In the order queued: the writes before a close are committed,
                // those after it refused.
                let mut batch = Vec::with_capacity(jobs.len());
                for job in jobs.drain(..) {
                    match job {
                        Job::Write(queued) => batch.push(queued),
                        Job::Close(done) => {
                            writer.commit(std::mem::take(&mut batch), &write_gate).await;
                            writer.close().await;
                            let _ = done.send(());
                        }
                    }
                }
                writer.commit(batch, &write_gate).await;
            }
            writer.close().await;
        });
        GroupCommit { queue }
    }

    /// Closes the writer's connection once what is queued before is committed;
    /// writes queued after are refused.
    pub async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.queue.send(Job::Close(done)).is_ok() {
            let _ = closed.await;
        }
    }

    /// Runs `write` in the next batch; returns its result once that batch is
    /// committed (or its error, and then nothing of it was written).
    pub async fn run<T: Send + 'static>(&self, write: Write<T>, processed: Option<Processed>) -> Result<T> {
        let (done, result) = oneshot::channel();
        self.queue
            .send(Job::Write(Queued {
                write: erase(write),
                processed,
                done,
            }))
            .map_err(|_| Error::Unavailable("the database writer has stopped".into()))?;
        let value = result
            .await
            .map_err(|_| Error::Unavailable("the database writer stopped before committing".into()))??;
        Ok(*value
            .downcast::<T>()
            .expect("a write's result has the type it was queued with"))
    }
}

/// A write whose result type is forgotten until it is answered.
fn erase<T: Send + 'static>(write: Write<T>) -> ErasedWrite {
    Box::new(move |conn| {
        write(conn)
            .map(|result| result.map(|value| Box::new(value) as Box<dyn Any + Send>))
            .boxed()
    })
}

/// How a batch's writes are kept apart.
#[derive(Clone, Copy, PartialEq)]
enum Isolation {
    /// One after another: the first failure stops the batch (and rolls it back).
    None,
    /// Each in a savepoint: a failure is undone alone.
    Savepoints,
}

type Outcome = Result<Box<dyn Any + Send>>;

/// What became of a batch's transaction, with each write's result so far.
enum Ran {
    Committed(Vec<Outcome>),
    /// Nothing of the batch is written, whatever the results say.
    RolledBack(Vec<Outcome>),
}

/// The task's connection, opened when first needed and again after a failure.
struct Writer {
    options: AnyConnectOptions,
    conn: Option<AnyConnection>,
    closed: bool,
}

impl Writer {
    async fn connection(&mut self) -> Result<&mut AnyConnection> {
        if self.closed {
            return Err(Error::Unavailable("the database is closed".into()));
        }
        if self.conn.is_none() {
            let mut conn = AnyConnection::connect_with(&self.options).await?;
            conn.execute(super::SQLITE_SESSION).await?;
            self.conn = Some(conn);
        }
        Ok(self.conn.as_mut().expect("opened above"))
    }

    async fn close(&mut self) {
        self.closed = true;
        if let Some(conn) = self.conn.take() {
            let _ = conn.close().await;
        }
    }

    /// Commits `batch` (if it holds anything) in the node's write turn.
    async fn commit(&mut self, batch: Vec<Queued>, write_gate: &Mutex<()>) {
        if batch.is_empty() {
            return;
        }
        let _turn = write_gate.lock().await;
        let (writes, started) = (batch.len(), std::time::Instant::now());
        self.commit_batch(batch).await;
        tracing::debug!(
            writes,
            micros = started.elapsed().as_micros() as u64,
            "committed a batch of writes"
        );
    }

    async fn commit_batch(&mut self, batch: Vec<Queued>) {
        let mut writes = Vec::with_capacity(batch.len());
        let mut waiting = Vec::with_capacity(batch.len());
        for queued in batch {
            writes.push((queued.write, queued.processed));
            waiting.push(queued.done);
        }
        let mut outcome = self.run_batch(&writes, Isolation::None).await;
        // A write failed: the batch was rolled back, whichever write it was.
        // Alone, that failure is the write's answer; with others, they run
        // again, each in its savepoint (never answered from the rolled-back run).
        if let Ok(Ran::RolledBack(_)) = &outcome
            && writes.len() > 1
        {
            outcome = self.run_batch(&writes, Isolation::Savepoints).await;
        }
        match outcome {
            Ok(Ran::Committed(results)) => {
                for (done, result) in waiting.into_iter().zip(results) {
                    let _ = done.send(result);
                }
            }
            // (A batch of one write: its failure.) No write of a rolled-back
            // batch is ever answered as written.
            Ok(Ran::RolledBack(mut results)) => {
                results.resize_with(waiting.len(), || Ok(Box::new(())));
                for (done, result) in waiting.into_iter().zip(results) {
                    let _ = done.send(result.and_then(|_| {
                        Err(Error::Unavailable(
                            "the write was rolled back with a failed write of its batch".into(),
                        ))
                    }));
                }
            }
            Err(err) => {
                // Nothing of this batch is written: each write learns why. The
                // connection may be at fault: the next batch opens another.
                if let Some(conn) = self.conn.take() {
                    let _ = conn.close_hard().await;
                }
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

    /// Runs `writes` in one transaction. With [`Isolation::None`] it stops at
    /// the first failure, rolls everything back and returns the results so far
    /// (the last being that failure, the others not written); otherwise it
    /// commits and returns a result for each write.
    ///
    /// The activities that the successful writes processed are marked so in
    /// one statement before the commit: a statement fewer per write in this,
    /// the serial part.
    async fn run_batch(&mut self, writes: &[(ErasedWrite, Option<Processed>)], isolation: Isolation) -> Result<Ran> {
        let mut results = Vec::with_capacity(writes.len());
        let conn = self.connection().await?;
        // IMMEDIATE takes the write lock now. A deferred transaction that
        // reads first would hold a snapshot, and SQLite refuses to upgrade it
        // ("database is locked", without waiting) if any other connection has
        // written since.
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        for (write, _) in writes {
            if isolation == Isolation::Savepoints {
                sqlx::query("SAVEPOINT batched_write").execute(&mut *tx).await?;
            }
            // A panic in one write is that write's failure, not the batch's.
            let result = match AssertUnwindSafe(write(&mut tx)).catch_unwind().await {
                Ok(result) => result,
                Err(_) => Err(Error::Internal(anyhow::anyhow!("a database write panicked"))),
            };
            let failed = result.is_err();
            results.push(result);
            match isolation {
                Isolation::None if failed => {
                    tx.rollback().await?;
                    return Ok(Ran::RolledBack(results));
                }
                Isolation::None => {}
                Isolation::Savepoints => {
                    if failed {
                        sqlx::query("ROLLBACK TO SAVEPOINT batched_write")
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query("RELEASE SAVEPOINT batched_write").execute(&mut *tx).await?;
                }
            }
        }
        let processed: Vec<&Processed> = writes
            .iter()
            .zip(&results)
            .filter(|(_, result)| result.is_ok())
            .filter_map(|((_, processed), _)| processed.as_ref())
            .collect();
        super::mark_processed(&mut tx, &processed).await?;
        tx.commit().await?;
        Ok(Ran::Committed(results))
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::db::Db;

    async fn scratch() -> (tempfile::TempDir, Db) {
        scratch_with(4).await
    }

    async fn scratch_with(pooled_connections: u32) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/t.db", dir.path().display()), pooled_connections)
            .await
            .unwrap();
        db.migrate().await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .execute(&db.pool)
            .await
            .unwrap();
        (dir, db)
    }

    fn processed(n: i64) -> Processed {
        Processed {
            activity_id: format!("https://elsewhere.example/activities/{n}"),
            actor: "https://elsewhere.example/orgs/x".into(),
            received_at: n,
        }
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
        // A write may run more than once (it does not here: it succeeds).
        let other_may_write = Arc::new(std::sync::Mutex::new(Some(other_may_write)));
        let read_then_write: Write<i64> = Box::new(move |conn| {
            let other_may_write = other_may_write.clone();
            Box::pin(async move {
                let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t").fetch_one(&mut *conn).await?;
                if let Some(go) = other_may_write.lock().unwrap().take() {
                    go.send(()).unwrap();
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                sqlx::query("INSERT INTO t (n) VALUES (1)").execute(&mut *conn).await?;
                Ok(count)
            })
        });
        assert_eq!(db.write(read_then_write, None).await.unwrap(), 0);
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
                (n, db.write(write, Some(processed(n))).await)
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
        // Only the activities whose writes were committed are marked processed.
        let marked: Vec<(i64,)> = sqlx::query_as("SELECT received_at FROM received_activities ORDER BY received_at")
            .fetch_all(&db.pool)
            .await
            .unwrap();
        assert_eq!(marked, expected);
        // The writer still works after failures.
        assert_eq!(db.write(insert(1000), None).await.unwrap(), 1000);
    }

    /// A batch whose last write fails (so the first, failed pass has a result
    /// for every write) still commits the others, and says which failed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_whose_last_write_fails_commits_the_others() {
        let (dir, db) = scratch().await;
        let options = AnyConnectOptions::from_str(&format!("sqlite://{}/t.db", dir.path().display())).unwrap();
        let mut writer = Writer {
            options,
            conn: None,
            closed: false,
        };
        let mut answers = Vec::new();
        let mut batch = Vec::new();
        for (n, write) in [(1, insert(1)), (2, insert(2)), (3, insert(1))] {
            let (done, answer) = oneshot::channel();
            batch.push(Queued {
                write: erase(write),
                processed: Some(processed(n)),
                done,
            });
            answers.push(answer);
        }
        writer.commit_batch(batch).await;
        let mut answered = Vec::new();
        for answer in answers {
            answered.push(answer.await.unwrap().is_ok());
        }
        assert_eq!(answered, [true, true, false]);
        let stored: Vec<(i64,)> = sqlx::query_as("SELECT n FROM t ORDER BY n")
            .fetch_all(&db.pool)
            .await
            .unwrap();
        assert_eq!(stored, vec![(1,), (2,)]);
        let marked: Vec<(i64,)> = sqlx::query_as("SELECT received_at FROM received_activities ORDER BY received_at")
            .fetch_all(&db.pool)
            .await
            .unwrap();
        assert_eq!(marked, vec![(1,), (2,)]);
    }

    /// Jobs are taken in the order queued: a write queued before the close
    /// is committed, one queued after it is refused, even in one batch.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_close_commits_what_came_before_and_refuses_what_came_after() {
        let (dir, db) = scratch().await;
        let options = AnyConnectOptions::from_str(&format!("sqlite://{}/t.db", dir.path().display())).unwrap();
        let writer = GroupCommit::start(options, Default::default());
        // `join!` polls in order, so the three are queued in this order.
        let (before, (), after) =
            tokio::join!(writer.run(insert(1), None), writer.close(), writer.run(insert(2), None));
        assert_eq!(before.unwrap(), 1);
        assert!(after.unwrap_err().to_string().contains("closed"));
        let stored: Vec<(i64,)> = sqlx::query_as("SELECT n FROM t").fetch_all(&db.pool).await.unwrap();
        assert_eq!(stored, vec![(1,)]);
    }

    /// The writer does not queue for a pooled connection behind the readers
    /// whose writes it commits: with the only pooled connection taken, a
    /// write still commits (through the pool it would wait 30 s, then fail).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_commit_while_every_pooled_connection_is_in_use() {
        let (_dir, db) = scratch_with(1).await;
        let mut reader = db.pool.acquire().await.unwrap();
        let written = tokio::time::timeout(std::time::Duration::from_secs(10), db.write(insert(5), None))
            .await
            .expect("the write did not wait for the pool");
        assert_eq!(written.unwrap(), 5);
        let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t WHERE n = 5")
            .fetch_one(&mut *reader)
            .await
            .unwrap();
        assert_eq!(stored, 1);
    }

    /// Closing the database closes the writer too: what was queued before is
    /// committed, and a write after is refused with a reason, not lost silently.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_closed_database_refuses_writes() {
        let (dir, db) = scratch().await;
        db.write(insert(1), None).await.unwrap();
        db.close().await;
        let refused = db.write(insert(2), None).await.unwrap_err();
        assert!(refused.to_string().contains("closed"), "{refused}");
        let reopened = Db::connect(&format!("sqlite://{}/t.db", dir.path().display()), 1)
            .await
            .unwrap();
        let stored: Vec<(i64,)> = sqlx::query_as("SELECT n FROM t")
            .fetch_all(&reopened.pool)
            .await
            .unwrap();
        assert_eq!(stored, vec![(1,)]);
    }
}
