//! Actors: this node's instance actor (`Application`) and organisations
//! (`Organization`), and actors of other servers as fetched from their own id.

use activitypub_federation::config::Data;
use activitypub_federation::protocol::public_key::PublicKey;
use activitypub_federation::traits::{Actor, Object};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use super::{keys, urls};
use crate::clock::{from_millis, to_millis};
use crate::db::accounts::OrgRow;
use crate::db::groups::GroupRow;
use crate::error::{Error, Result};
use crate::state::AppState;

pub const INSTANCE_REF: &str = "instance";
const GROUP_REF_PREFIX: &str = "group:";

/// The outbox `actor_ref` (and key name) of a group hosted here.
pub fn group_ref(group_id: &str) -> String {
    format!("{GROUP_REF_PREFIX}{group_id}")
}

/// One of this node's actors, with its keys.
#[derive(Debug, Clone)]
pub struct LocalActor {
    pub id: Url,
    pub actor_ref: String,
    pub org: Option<OrgRow>,
    pub group: Option<GroupRow>,
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub inbox: Url,
    pub shared_inbox: Url,
}

impl LocalActor {
    pub async fn instance(state: &AppState) -> Result<Self> {
        let key = keys::get_or_create(
            &state.db,
            &state.keys,
            state.key_cipher.as_deref(),
            INSTANCE_REF,
            state.clock.now(),
        )
        .await?;
        Ok(LocalActor {
            id: urls::instance_actor(&state.config),
            actor_ref: INSTANCE_REF.into(),
            org: None,
            group: None,
            public_key_pem: key.public_key_pem,
            private_key_pem: key.private_key_pem,
            inbox: urls::shared_inbox(&state.config),
            shared_inbox: urls::shared_inbox(&state.config),
        })
    }

    pub async fn org(state: &AppState, org: OrgRow) -> Result<Self> {
        let key = keys::get_or_create(
            &state.db,
            &state.keys,
            state.key_cipher.as_deref(),
            &org.id,
            state.clock.now(),
        )
        .await?;
        Ok(LocalActor {
            id: urls::org_actor(&state.config, &org.slug),
            actor_ref: org.id.clone(),
            inbox: urls::org_inbox(&state.config, &org.slug),
            shared_inbox: urls::shared_inbox(&state.config),
            org: Some(org),
            group: None,
            public_key_pem: key.public_key_pem,
            private_key_pem: key.private_key_pem,
        })
    }

    /// A group hosted here; its `actor_ref` is `group:` and its id.
    pub async fn group(state: &AppState, group: GroupRow) -> Result<Self> {
        let actor_ref = group_ref(&group.id);
        let key = keys::get_or_create(
            &state.db,
            &state.keys,
            state.key_cipher.as_deref(),
            &actor_ref,
            state.clock.now(),
        )
        .await?;
        let slug = group.slug.clone().unwrap_or_default();
        Ok(LocalActor {
            id: urls::group(&state.config, &slug),
            actor_ref,
            inbox: urls::group_inbox(&state.config, &slug),
            shared_inbox: urls::shared_inbox(&state.config),
            org: None,
            group: Some(group),
            public_key_pem: key.public_key_pem,
            private_key_pem: key.private_key_pem,
        })
    }

    /// The actor for an outbox row's `actor_ref`.
    pub async fn by_ref(state: &AppState, actor_ref: &str) -> Result<Self> {
        if actor_ref == INSTANCE_REF {
            return Self::instance(state).await;
        }
        if let Some(id) = actor_ref.strip_prefix(GROUP_REF_PREFIX) {
            let group = crate::db::groups::find(&state.db, id)
                .await?
                .ok_or(Error::NotFound("group"))?;
            return Self::group(state, group).await;
        }
        let org = crate::db::accounts::find_org_by_id(&state.db, actor_ref)
            .await?
            .ok_or(Error::NotFound("organisation"))?;
        Self::org(state, org).await
    }

    /// The actor document served to other servers.
    pub async fn document(&self, state: &AppState) -> Result<Value> {
        let mut document = self.base_document(state);
        document["assertionMethod"] =
            Value::Array(super::integrity::assertion_methods(state, &self.actor_ref, &self.id).await?);
        Ok(document)
    }

    fn base_document(&self, state: &AppState) -> Value {
        let config = &state.config;
        let public_key = PublicKey {
            id: format!("{}#main-key", self.id),
            owner: self.id.clone(),
            public_key_pem: self.public_key_pem.clone(),
        };
        if let Some(group) = &self.group {
            let slug = group.slug.clone().unwrap_or_default();
            return json!({
                "@context": super::wire::actor_context(),
                "id": self.id,
                "type": "Group",
                "preferredUsername": slug,
                "name": group.name,
                "summary": group.description,
                "groupKind": group.kind,
                "languages": group.language_tags(),
                "attributedTo": group.moderator_uris(),
                "inbox": self.inbox,
                "outbox": format!("{}/outbox", self.id),
                "followers": urls::group_followers(config, &slug),
                "endpoints": {"sharedInbox": self.shared_inbox},
                "manuallyApprovesFollowers": true,
                "published": from_millis(group.created_at),
                "publicKey": public_key,
            });
        }
        match &self.org {
            None => json!({
                "@context": super::wire::actor_context(),
                "id": self.id,
                "type": "Application",
                "preferredUsername": config.domain,
                "name": format!("Tadamun node {}", config.domain),
                "inbox": self.inbox,
                "outbox": format!("{}/outbox", self.id),
                "endpoints": {"sharedInbox": self.shared_inbox},
                "manuallyApprovesFollowers": true,
                "publicKey": public_key,
            }),
            Some(org) => json!({
                "@context": super::wire::actor_context(),
                "id": self.id,
                "type": "Organization",
                "preferredUsername": org.slug,
                "name": org.name,
                "inbox": self.inbox,
                "outbox": urls::org_outbox(config, &org.slug),
                "followers": urls::org_followers(config, &org.slug),
                "endpoints": {"sharedInbox": self.shared_inbox},
                "manuallyApprovesFollowers": true,
                "published": from_millis(org.created_at),
                "publicKey": public_key,
            }),
        }
    }
}

#[async_trait::async_trait]
impl Object for LocalActor {
    type DataType = AppState;
    type Kind = Value;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(_id: Url, _data: &Data<AppState>) -> Result<Option<Self>> {
        // Local actors are never dereferenced through the crate.
        Ok(None)
    }

    async fn into_json(self, data: &Data<AppState>) -> Result<Value> {
        self.document(data.app_data()).await
    }

    async fn verify(_json: &Value, _expected_domain: &Url, _data: &Data<AppState>) -> Result<()> {
        Err(Error::Forbidden(
            "local actors are not received from other servers".into(),
        ))
    }

    async fn from_json(_json: Value, _data: &Data<AppState>) -> Result<Self> {
        Err(Error::Forbidden(
            "local actors are not received from other servers".into(),
        ))
    }
}

impl Actor for LocalActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }
    fn private_key_pem(&self) -> Option<String> {
        Some(self.private_key_pem.clone())
    }
    fn inbox(&self) -> Url {
        self.inbox.clone()
    }
    fn shared_inbox(&self) -> Option<Url> {
        Some(self.shared_inbox.clone())
    }
}

/// An actor document as other servers publish it (Tadamun, Mastodon, …).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorDocument {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub inbox: Url,
    #[serde(default)]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    /// FEP-521a keys for integrity proofs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion_method: Option<Value>,
    /// Everything else the actor says about itself (a group's `summary`,
    /// `attributedTo`, `groupKind`, `languages`…), kept as fetched.
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default)]
    pub shared_inbox: Option<Url>,
}

// The stored row is the actor: its type lives with its SQL, below this layer.
pub use crate::db::actors::{RemoteActor, UrlText};

impl RemoteActor {
    pub fn inbox_url(&self) -> Result<Url> {
        Url::parse(&self.inbox).map_err(|e| Error::Internal(e.into()))
    }
    /// The shared inbox if the actor has one: one delivery per node.
    pub fn delivery_inbox(&self) -> Result<Url> {
        match &self.shared_inbox {
            Some(s) => Url::parse(s).map_err(|e| Error::Internal(e.into())),
            None => self.inbox_url(),
        }
    }
}

pub async fn find_remote_actor(state: &AppState, id: &str) -> Result<Option<RemoteActor>> {
    Ok(crate::db::actors::find_remote(&state.db.pool, id).await?)
}

#[async_trait::async_trait]
impl Object for RemoteActor {
    type DataType = AppState;
    type Kind = ActorDocument;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id.0
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        Some(from_millis(self.fetched_at))
    }

    async fn read_from_id(id: Url, data: &Data<AppState>) -> Result<Option<Self>> {
        find_remote_actor(data.app_data(), id.as_str()).await
    }

    async fn into_json(self, _data: &Data<AppState>) -> Result<ActorDocument> {
        Err(Error::Internal(anyhow::anyhow!(
            "remote actors are not served by this node"
        )))
    }

    async fn verify(json: &ActorDocument, expected_domain: &Url, _data: &Data<AppState>) -> Result<()> {
        // The crate already checked that the document's id is the URL it came
        // from; the key must belong to that same actor.
        if json.id.host_str() != expected_domain.host_str() || json.id.port() != expected_domain.port() {
            return Err(Error::BadGateway(format!(
                "actor {} was served from another host",
                json.id
            )));
        }
        if json.public_key.owner != json.id {
            return Err(Error::BadGateway(format!(
                "the key of {} is owned by {}, not by the actor",
                json.id, json.public_key.owner
            )));
        }
        Ok(())
    }

    async fn from_json(json: ActorDocument, data: &Data<AppState>) -> Result<Self> {
        let state = data.app_data();
        let host = super::urls::host_of(&json.id)
            .ok_or_else(|| Error::BadRequest(format!("actor id {} has no host", json.id)))?;
        // An actor's inboxes are on its own server: one naming another server's
        // (a node this one blocks, say) would have this node deliver there on
        // its behalf, filed under the actor's host.
        if !super::urls::inbox_is_on(&json.inbox, &host) {
            return Err(Error::Forbidden(format!(
                "the inbox of {} is on another host ({})",
                json.id, json.inbox
            )));
        }
        let shared_inbox = json.endpoints.as_ref().and_then(|e| e.shared_inbox.clone());
        if let Some(shared) = shared_inbox.as_ref().filter(|s| !super::urls::inbox_is_on(s, &host)) {
            return Err(Error::Forbidden(format!(
                "the shared inbox of {} is on another host ({shared})",
                json.id
            )));
        }
        let actor = RemoteActor {
            id: UrlText(json.id.clone()),
            host,
            kind: json.kind.clone(),
            name: json.name.clone().or(json.preferred_username.clone()),
            inbox: json.inbox.to_string(),
            shared_inbox: shared_inbox.map(|u| u.to_string()),
            public_key_pem: json.public_key.public_key_pem.clone(),
            fetched_at: to_millis(state.clock.now()),
        };
        let document = serde_json::to_string(&json).map_err(anyhow::Error::from)?;
        crate::db::actors::upsert_remote(&state.db.pool, &actor, &document).await?;
        let keys = json!({"id": json.id, "assertionMethod": json.assertion_method.clone().unwrap_or(Value::Null)});
        super::integrity::store_remote_keys(state, json.id.as_str(), &keys).await?;
        Ok(actor)
    }
}

impl Actor for RemoteActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }
    fn private_key_pem(&self) -> Option<String> {
        None
    }
    fn inbox(&self) -> Url {
        self.inbox_url().unwrap_or_else(|_| self.id.0.clone())
    }
}

/// Parses an actor document as this node reads other servers' actors.
pub fn parse_actor_document(document: &Value) -> Result<ActorDocument> {
    if let Some(field) = crate::domain::find_nul(document) {
        return Err(Error::BadRequest(format!(
            "the actor document's `{field}` {}",
            crate::domain::NUL_MESSAGE
        )));
    }
    serde_json::from_value(document.clone()).map_err(|e| Error::BadRequest(format!("not an actor document: {e}")))
}
