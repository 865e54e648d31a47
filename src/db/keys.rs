//! Signing keys of this node's actors (the private key sealed when a key
//! cipher is configured).

use sqlx::{Any, Executor, FromRow};

#[derive(Debug, FromRow)]
pub struct LocalKeyRow {
    pub public_key_pem: String,
    /// Sealed, or plain text without a key cipher.
    pub private_key_pem: String,
}

/// Stores a key for the actor unless it already has one (the first wins).
pub async fn insert_local_if_absent<'e>(
    ex: impl Executor<'e, Database = Any>,
    actor_ref: &str,
    public_key_pem: &str,
    sealed_private_key_pem: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO local_actor_keys (actor_ref, public_key_pem, private_key_pem, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (actor_ref) DO NOTHING",
    )
    .bind(actor_ref)
    .bind(public_key_pem)
    .bind(sealed_private_key_pem)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn find_local<'e>(
    ex: impl Executor<'e, Database = Any>,
    actor_ref: &str,
) -> sqlx::Result<Option<LocalKeyRow>> {
    sqlx::query_as("SELECT public_key_pem, private_key_pem FROM local_actor_keys WHERE actor_ref = $1")
        .bind(actor_ref)
        .fetch_optional(ex)
        .await
}
