//! Where a node's new RSA keys come from.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use activitypub_federation::http_signatures::{Keypair, generate_actor_keypair};

use crate::error::{Error, Result};

/// Where new keys come from. Tests hand out keys from a fixed pool, because
/// generating RSA keys is slow and most tests are not about keys.
#[derive(Clone, Default)]
pub enum KeySource {
    #[default]
    Generate,
    Pool(Arc<(Vec<Keypair>, AtomicUsize)>),
}

impl KeySource {
    pub fn pool(keys: Vec<Keypair>) -> Self {
        KeySource::Pool(Arc::new((keys, AtomicUsize::new(0))))
    }

    pub(crate) async fn next(&self) -> Result<Keypair> {
        match self {
            KeySource::Generate => tokio::task::spawn_blocking(generate_actor_keypair)
                .await
                .map_err(|e| Error::Internal(e.into()))?
                .map_err(|e| Error::Internal(anyhow::anyhow!("generating a key: {e}"))),
            KeySource::Pool(pool) => {
                let (keys, next) = &**pool;
                Ok(keys[next.fetch_add(1, Ordering::Relaxed) % keys.len()].clone())
            }
        }
    }
}
