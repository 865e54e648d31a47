//! What the handling of one received activity has learnt so far. The inbound
//! pipeline makes one [`Receiving`] per activity and passes it, by hand, to
//! every check that needs it, so each fact is read from the database once per
//! activity and all checks of one activity see the same answer.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use crate::clock::to_millis;
use crate::domain::vocab::Trust;
use crate::error::Result;
use crate::state::AppState;

/// A received activity as the services see it: its id and actor (checked to
/// be on one host, the sender's), and the document as sent, which proofs
/// cover and relays pass on unchanged.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: Url,
    pub actor: Url,
    pub raw: Value,
}

/// A proof key as stored: its multibase, and when it was retired, if it was.
pub type ProofKey = (String, Option<String>);

#[derive(Default)]
pub struct Receiving {
    /// Trust of the hosts checked so far. An alert is checked three times (the
    /// sender, then the signer of each proof): one query answers all three.
    trust: HashMap<String, Option<Trust>>,
    /// Proof keys found so far, by (controller, verification method): the
    /// activity and the object it carries are usually signed with one key.
    keys: HashMap<(String, String), ProofKey>,
    /// Ids that a handler marked as processed in its own transaction, so that
    /// the pipeline does not write (and commit) the same row a second time.
    marked: Vec<String>,
}

impl Receiving {
    /// Records the trust of `host` as read with the rest of what is known
    /// about the sender.
    pub fn know_trust(&mut self, host: &str, trust: Option<Trust>) {
        self.trust.insert(host.to_string(), trust);
    }

    /// The trust of `host`, read once per received activity. Only for the
    /// checks made before an activity's effect: what a handler changes is not
    /// seen here.
    pub async fn trust_of(&mut self, state: &AppState, host: &str) -> Result<Option<Trust>> {
        if let Some(known) = self.trust.get(host) {
            return Ok(*known);
        }
        let trust = crate::db::peers::trust_of(&state.db.pool, host).await?;
        self.trust.insert(host.to_string(), trust);
        Ok(trust)
    }

    /// A proof key already found while handling this activity.
    pub fn key(&self, controller: &str, method: &str) -> Option<ProofKey> {
        self.keys.get(&(controller.to_string(), method.to_string())).cloned()
    }

    /// Remembers a proof key for the rest of this activity.
    pub fn know_key(&mut self, controller: &str, method: &str, key: ProofKey) {
        self.keys.insert((controller.to_string(), method.to_string()), key);
    }

    /// Drops the keys of `controller`: its document was fetched again, and
    /// what it lists now counts (a rotated key may now be retired).
    pub fn forget_keys_of(&mut self, controller: &str) {
        self.keys.retain(|(owner, _), _| owner != controller);
    }

    /// Records an activity id as processed (a replay of it is then ignored),
    /// in the caller's transaction: the caller commits or fails, and either
    /// way the pipeline need not mark it again.
    pub async fn mark_received(
        &mut self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        insert_received(conn, id, actor, now).await?;
        self.note_marked(id);
        Ok(())
    }

    /// Tells the pipeline that a handler marked `id` processed with its effect.
    pub fn note_marked(&mut self, id: &str) {
        self.marked.push(id.to_string());
    }

    pub fn was_marked(&self, id: &str) -> bool {
        self.marked.iter().any(|m| m == id)
    }
}

/// Records an activity id as processed.
pub async fn insert_received(conn: &mut sqlx::AnyConnection, id: &str, actor: &str, now: DateTime<Utc>) -> Result<()> {
    let processed = crate::db::Processed {
        activity_id: id.to_string(),
        actor: actor.to_string(),
        received_at: to_millis(now),
    };
    crate::db::mark_processed(conn, &[&processed]).await?;
    Ok(())
}
