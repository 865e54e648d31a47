//! Ed25519 keys for integrity proofs: this node's actors' (the private key
//! sealed when a key cipher is configured) and those other actors publish.

use sqlx::{Any, AnyConnection, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct LocalKeyRow {
    pub key_id: String,
    pub public_key_multibase: String,
    pub private_key: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// The actor's keys, oldest first, retired ones included.
pub async fn local_of<'e>(ex: impl Executor<'e, Database = Any>, actor_ref: &str) -> sqlx::Result<Vec<LocalKeyRow>> {
    sqlx::query_as(
        "SELECT key_id, public_key_multibase, private_key, created_at, retired_at FROM local_signing_keys \
         WHERE actor_ref = $1 ORDER BY created_at, key_id",
    )
    .bind(actor_ref)
    .fetch_all(ex)
    .await
}

/// Stores the actor's key under `key_id` unless one is there (the first wins).
pub async fn insert_local_if_absent<'e>(
    ex: impl Executor<'e, Database = Any>,
    actor_ref: &str,
    key_id: &str,
    public_key_multibase: &str,
    sealed_private_key: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO local_signing_keys (actor_ref, key_id, public_key_multibase, private_key, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (actor_ref, key_id) DO NOTHING",
    )
    .bind(actor_ref)
    .bind(key_id)
    .bind(public_key_multibase)
    .bind(sealed_private_key)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// Retires the actor's active key and stores a new one, on the caller's
/// transaction.
pub async fn rotate_local(
    conn: &mut AnyConnection,
    actor_ref: &str,
    key_id: &str,
    public_key_multibase: &str,
    sealed_private_key: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE local_signing_keys SET retired_at = $2 WHERE actor_ref = $1 AND retired_at IS NULL")
        .bind(actor_ref)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO local_signing_keys (actor_ref, key_id, public_key_multibase, private_key, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor_ref)
    .bind(key_id)
    .bind(public_key_multibase)
    .bind(sealed_private_key)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// (multibase, expiry) of a key another actor publishes.
pub async fn find_remote<'e>(
    ex: impl Executor<'e, Database = Any>,
    actor_id: &str,
    key_id: &str,
) -> sqlx::Result<Option<(String, Option<String>)>> {
    sqlx::query_as("SELECT public_key_multibase, expires FROM remote_actor_keys WHERE actor_id = $1 AND key_id = $2")
        .bind(actor_id)
        .bind(key_id)
        .fetch_optional(ex)
        .await
}

pub async fn delete_remote_of<'e>(ex: impl Executor<'e, Database = Any>, actor_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM remote_actor_keys WHERE actor_id = $1")
        .bind(actor_id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn insert_remote<'e>(
    ex: impl Executor<'e, Database = Any>,
    actor_id: &str,
    key_id: &str,
    public_key_multibase: &str,
    expires: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO remote_actor_keys (actor_id, key_id, public_key_multibase, expires) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (actor_id, key_id) DO NOTHING",
    )
    .bind(actor_id)
    .bind(key_id)
    .bind(public_key_multibase)
    .bind(expires)
    .execute(ex)
    .await?;
    Ok(())
}
