//! The scratch table `bench` commits to, to measure the disk's commit rate
//! (in a database of its own, never a node's).

use sqlx::{Any, Executor};

pub async fn create_commits_table<'e>(ex: impl Executor<'e, Database = Any>) -> sqlx::Result<()> {
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_commits (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn insert_commit<'e>(ex: impl Executor<'e, Database = Any>, body: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO bench_commits (body) VALUES ($1)")
        .bind(body)
        .execute(ex)
        .await?;
    Ok(())
}
