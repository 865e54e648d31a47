//! The activities this node accepts, one file per kind: each reads its
//! activity into a struct, makes the checks that need nothing but the
//! activity, and calls the service that holds the rule. [`InboundActivity`]
//! reads the `type` (and for `Create`/`Update`, the object's type) once, with
//! an explicit arm for types this node does not use.
//!
//! To accept a new kind: add a file here, a variant to [`InboundActivity`],
//! and its arm in [`InboundActivity::parse`] and [`InboundActivity::receive`].

mod action;
mod aggregate;
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
use crate::federation::wire::ObjectTypes;
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
    /// An organisation's published counts.
    Aggregate(aggregate::AggregateUpdate),
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
        let object_types = ObjectTypes::of(&raw["object"]);
        let received = Received {
            id: envelope.id,
            actor,
            raw,
        };
        Ok(match (envelope.kind.as_str(), object_types.first()) {
            ("Follow", _) => Self::Follow(follow::Follow::parse(received)?),
            ("Accept", _) => Self::Answer(answer::Answer::parse(received, true)),
            ("Reject", _) => Self::Answer(answer::Answer::parse(received, false)),
            ("Undo", _) => Self::Undo(undo::Undo::parse(received)),
            ("Update", kind) if update_actor::is_actor_type(kind) => {
                Self::UpdateActor(update_actor::UpdateActor::parse(received)?)
            }
            ("Update", _) if object_types.includes(crate::federation::wire::AGGREGATE_TYPE) => {
                Self::Aggregate(aggregate::AggregateUpdate::parse(received))
            }
            ("Create" | "Update", _) if object_types.includes(ObjectTypes::ACTION) => {
                Self::Action(Box::new(action::ActionActivity::parse(received)?))
            }
            ("Create" | "Update", _) if object_types.includes(ObjectTypes::ALERT) => {
                Self::Alert(Box::new(alert::AlertActivity::parse(received)?))
            }
            ("Delete", _) => Self::Delete(delete::Delete::parse(received)?),
            ("Announce", _) => Self::Announce(announce::Announce::parse(received)),
            (kind, _) => Self::Unused { kind: kind.to_string() },
        })
    }

    /// Whether the activity's handler verifies the activity's integrity
    /// proof itself (those that require one); the others' proofs are
    /// optional, and checked before the activity is handled when present.
    fn checks_its_own_proof(&self) -> bool {
        matches!(self, Self::Alert(_) | Self::Action(_) | Self::Delete(_))
    }

    /// Whether a received document carries an integrity proof.
    pub fn carries_proof(document: &Value) -> bool {
        document.get("proof").is_some_and(|p| !p.is_null())
    }

    /// Handles the activity. A proof on any activity must verify, required or
    /// not (FEP-8b32): a document that claims an author and does not prove
    /// it is refused, even when its HTTP signature is valid. `with_proof` is
    /// the document as received when it [carries one](Self::carries_proof).
    pub async fn receive(
        self,
        context: &Context<'_>,
        receiving: &mut Receiving,
        with_proof: Option<&Value>,
    ) -> Result<()> {
        if !self.checks_its_own_proof()
            && let Some(document) = with_proof
        {
            let actor = Envelope::deserialize(document)
                .map_err(|e| Error::BadRequest(format!("not an activity: {e}")))?
                .actor
                .id()
                .clone();
            crate::federation::integrity::verify_by(context.state, context.data, receiving, document, &actor).await?;
        }
        match self {
            Self::Follow(activity) => activity.receive(context).await,
            Self::Answer(activity) => activity.receive(context).await,
            Self::Undo(activity) => activity.receive(context, receiving).await,
            Self::UpdateActor(activity) => activity.receive(context, receiving).await,
            Self::Alert(activity) => activity.receive(context, receiving).await,
            Self::Action(activity) => activity.receive(context, receiving).await,
            Self::Delete(activity) => activity.receive(context, receiving).await,
            Self::Announce(activity) => activity.receive(context, receiving).await,
            Self::Aggregate(activity) => activity.receive(context, receiving).await,
            Self::Unused { kind } => {
                tracing::debug!(kind, "ignoring an activity type this node does not use");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> Value {
        let path = format!("{}/federation/examples/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Alerts and actions are read by our own type among the object's types,
    /// in the list sent now and in the single string older nodes send; an
    /// ActivityStreams type alone (another server's Article or Note) is not ours.
    #[test]
    fn objects_are_ours_by_our_type_in_either_form() {
        for (file, ours) in [
            ("create-alert.json", "Alert"),
            ("create-action.json", "SolidarityAction"),
        ] {
            let current = example(file);
            let mut older = current.clone();
            older["object"]["type"] = ours.into();
            older["object"].as_object_mut().unwrap().remove("url");
            let mut foreign = current.clone();
            foreign["object"]["type"] = current["object"]["type"][0].clone();
            for (document, expected_ours) in [(current, true), (older, true), (foreign, false)] {
                let parsed = InboundActivity::parse(document.clone()).unwrap();
                let is_ours = matches!(
                    (&parsed, ours),
                    (InboundActivity::Alert(_), "Alert") | (InboundActivity::Action(_), "SolidarityAction")
                );
                assert_eq!(is_ours, expected_ours, "{file}: {}", document["object"]["type"]);
                if !expected_ours {
                    assert!(matches!(parsed, InboundActivity::Unused { .. }));
                }
            }
        }
    }
}
