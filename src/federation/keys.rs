//! RSA keys for HTTP signatures, one per local actor, made on first use and
//! kept in the database.

use crate::clock::to_millis;
use crate::db::{Db, keys};
use crate::error::{Error, Result};
use crate::state::key_source::KeySource;
use crate::state::keystore::{KeyCipher, open, seal};

#[derive(Debug, Clone)]
pub struct StoredKey {
    pub public_key_pem: String,
    pub private_key_pem: String,
}

/// The key of a local actor (`instance` or an organisation id), made if missing.
pub async fn get_or_create(
    db: &Db,
    source: &KeySource,
    cipher: Option<&KeyCipher>,
    actor_ref: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<StoredKey> {
    if let Some(key) = find(db, cipher, actor_ref).await? {
        return Ok(key);
    }
    let keypair = source.next().await?;
    // Two requests may race to make the first key: the first insert wins.
    let sealed = seal(cipher, &keypair.private_key)?;
    keys::insert_local_if_absent(&db.pool, actor_ref, &keypair.public_key, &sealed, to_millis(now)).await?;
    find(db, cipher, actor_ref)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("key for {actor_ref} vanished")))
}

async fn find(db: &Db, cipher: Option<&KeyCipher>, actor_ref: &str) -> Result<Option<StoredKey>> {
    let stored = keys::find_local(&db.pool, actor_ref).await?;
    stored
        .map(|k| {
            Ok(StoredKey {
                private_key_pem: open(cipher, &k.private_key_pem)?,
                public_key_pem: k.public_key_pem,
            })
        })
        .transpose()
}
