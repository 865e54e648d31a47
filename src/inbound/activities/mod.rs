//! The activities this node accepts, one file per kind: each reads its
//! activity into a struct, makes the checks that need nothing but the
//! activity, and calls the service that holds the rule. [`InboundActivity`]
//! reads the `type` (and for `Create`/`Update`, the object's type) once, with
//! an explicit arm for types this node does not use.
//!
//! To accept a new kind: add a file here, a variant to [`InboundActivity`],
//! and its arm in [`InboundActivity::parse`] and [`InboundActivity::receive`].

mod action;
mod alert;
mod announce;
mod answer;
mod delete;
mod follow;
mod undo;
mod update_actor;

use activitypub_federation::config::Data;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::error::{Error, Result};
use crate::federation::receiving::{Received, Receiving};
use crate::state::AppState;

/// What an activity is received with: the node, the crate's context, the
/// host of the activity's actor, and the relay (a group's node) that passed
/// it on, if it came inside an `Announce`.
pub struct Context<'a> {
    pub state: &'a AppState,
    pub data: &'a Data<AppState>,
    pub host: String,
    pub relay: Option<Url>,
}

/// A received activity, by kind.
pub enum InboundActivity {
    Follow(follow::Follow),
    Answer(answer::Answer),
    Undo(undo::Undo),
    UpdateActor(update_actor::UpdateActor),
    Alert(Box<alert::AlertActivity>),
    Action(Box<action::ActionActivity>),
    Delete(delete::Delete),
    Announce(announce::Announce),
    /// A type this node does not use (a `Like`, a `Create` of a `Note`, …):
    /// accepted, recorded as processed, and otherwise ignored.
    Unused {
        kind: String,
    },
}

/// The few fields read before anything else is trusted.
#[derive(Deserialize)]
pub struct Envelope {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: ActorRef,
    /// Only to look its key up with the rest (it is checked later, in full,
    /// where it must be: here anything goes, a proof set or none).
    #[serde(default)]
    proof: Option<Value>,
}

impl Envelope {
    /// The verification method of the activity's one proof, if it has one.
    pub fn proof_method(&self) -> Option<String> {
        self.proof
            .as_ref()
            .and_then(|proof| proof.get("verificationMethod"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum ActorRef {
    Id(Url),
    Object { id: Url },
}

impl ActorRef {
    pub fn id(&self) -> &Url {
        match self {
            ActorRef::Id(id) | ActorRef::Object { id } => id,
        }
    }
}

impl InboundActivity {
    /// Reads an activity by its type.
    pub fn parse(raw: Value) -> Result<Self> {
        let envelope = Envelope::deserialize(&raw)
            .map_err(|e| Error::BadRequest(format!("not an ActivityPub activity (needs id, type and actor): {e}")))?;
        let actor = envelope.actor.id().clone();
        let object_type = raw["object"].get("type").and_then(Value::as_str).map(str::to_string);
        let received = Received {
            id: envelope.id,
            actor,
            raw,
        };
        Ok(match (envelope.kind.as_str(), object_type.as_deref()) {
            ("Follow", _) => Self::Follow(follow::Follow::parse(received)?),
            ("Accept", _) => Self::Answer(answer::Answer::parse(received, true)),
            ("Reject", _) => Self::Answer(answer::Answer::parse(received, false)),
            ("Undo", _) => Self::Undo(undo::Undo::parse(received)),
            ("Update", Some(kind)) if update_actor::is_actor_type(kind) => {
                Self::UpdateActor(update_actor::UpdateActor::parse(received)?)
            }
            ("Create" | "Update", Some("SolidarityAction")) => {
                Self::Action(Box::new(action::ActionActivity::parse(received)?))
            }
            ("Create" | "Update", Some("Alert")) => Self::Alert(Box::new(alert::AlertActivity::parse(received)?)),
            ("Delete", _) => Self::Delete(delete::Delete::parse(received)?),
            ("Announce", _) => Self::Announce(announce::Announce::parse(received)),
            (kind, _) => Self::Unused { kind: kind.to_string() },
        })
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        match self {
            Self::Follow(activity) => activity.receive(context).await,
            Self::Answer(activity) => activity.receive(context).await,
            Self::Undo(activity) => activity.receive(context, receiving).await,
            Self::UpdateActor(activity) => activity.receive(context, receiving).await,
            Self::Alert(activity) => activity.receive(context, receiving).await,
            Self::Action(activity) => activity.receive(context, receiving).await,
            Self::Delete(activity) => activity.receive(context, receiving).await,
            Self::Announce(activity) => activity.receive(context, receiving).await,
            Self::Unused { kind } => {
                tracing::debug!(kind, "ignoring an activity type this node does not use");
                Ok(())
            }
        }
    }
}
