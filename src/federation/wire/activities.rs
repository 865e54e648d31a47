//! Every activity this node sends, one struct per kind ([`OutgoingKind`]),
//! which serialises to exactly what goes on the wire, and the [`Tombstone`]
//! a `Delete` carries. Activities are built here and nowhere else; callers
//! fill in a struct and turn it into a `Value` with [`to_value`] where one is
//! needed (to sign it, to queue it).
//!
//! `federation/examples/` holds an example of every kind, and the protocol
//! tests parse each into its struct and serialise it back unchanged; a kind
//! without an example fails them.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::Removal;

/// Every kind of activity this node sends. Adding one here makes the protocol
/// tests ask for its example in `federation/examples/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray)]
pub enum OutgoingKind {
    /// [`ObjectActivity`] `Create` of an [`AlertObject`](super::AlertObject).
    CreateAlert,
    /// [`ObjectActivity`] `Update` of an [`AlertObject`](super::AlertObject).
    UpdateAlert,
    /// [`ObjectActivity`] `Delete` of an alert: a [`Tombstone`] that says why.
    DeleteAlert,
    /// [`ObjectActivity`] `Create` of an [`ActionObject`](super::ActionObject).
    CreateAction,
    /// [`ObjectActivity`] `Update` of an [`ActionObject`](super::ActionObject).
    UpdateAction,
    /// [`ObjectActivity`] `Delete` of an action: a [`Tombstone`].
    DeleteAction,
    /// [`Follow`] of another node's instance actor, or of a group.
    Follow,
    /// [`Answer`] `Accept` of a Follow, embedded as received.
    AcceptFollow,
    /// [`Answer`] `Reject` of a Follow, embedded as received.
    RejectFollow,
    /// [`Answer`] `Accept` of a [`JoinRequest`], from a moderator on another node.
    AcceptJoinRequest,
    /// [`Answer`] `Reject` of a [`JoinRequest`], from a moderator on another node.
    RejectJoinRequest,
    /// [`UndoFollow`]: an organisation leaves a group.
    UndoFollow,
    /// [`Announce`]: another actor's activity passed on unchanged.
    Announce,
    /// [`UndoAnnounce`]: an action passed on earlier is no longer shared.
    UndoAnnounce,
    /// [`ActorUpdate`]: an organisation's actor changed (its keys, say).
    UpdateActor,
    /// [`AggregateUpdate`](super::AggregateUpdate): an organisation's
    /// published counts changed.
    UpdateAggregate,
    /// [`ObjectActivity`] `Delete` of an organisation's published counts (it
    /// stopped publishing): a [`Tombstone`].
    DeleteAggregate,
}

/// An outgoing document as a `Value`, to sign or to queue.
pub fn to_value(document: &impl Serialize) -> Value {
    // Every field is a string, number, list, or an object with string keys:
    // turning one into a `Value` cannot fail.
    serde_json::to_value(document).expect("wire documents always serialise")
}

/// Defines a unit type that stands for one fixed JSON value (a `@context`, a
/// `type`): it serialises to that value and parses from nothing else, so a
/// document with another value does not parse into the struct that has it.
macro_rules! fixed_value {
    ($(#[$doc:meta])* $name:ident = $value:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name;

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $value.serialize(serializer)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = Value::deserialize(deserializer)?;
                if value == $value {
                    Ok($name)
                } else {
                    Err(serde::de::Error::custom(format!(
                        "expected {}, found {value}",
                        stringify!($name)
                    )))
                }
            }
        }
    };
}

const ACTIVITY_STREAMS: &str = "https://www.w3.org/ns/activitystreams";

static ACTOR_UPDATE_CONTEXT: LazyLock<Value> = LazyLock::new(super::actor_context);

fixed_value!(
    /// Our `@context` ([`context`](super::context)): on every document that
    /// carries our terms or an integrity proof.
    OurContext = super::STANDARD_CONTEXT.0
);
fixed_value!(
    /// The ActivityStreams `@context` alone: on activities that carry none of
    /// our terms (following, answering, undoing).
    ActivityStreamsContext = ACTIVITY_STREAMS
);
fixed_value!(
    /// The `@context` of an actor's `Update`: the actors' own
    /// ([`actor_context`](super::actor_context)), which defines the terms of
    /// the actor document it carries.
    ActorUpdateContext = *ACTOR_UPDATE_CONTEXT
);
fixed_value!(FollowType = "Follow");
fixed_value!(UndoType = "Undo");
fixed_value!(AnnounceType = "Announce");
fixed_value!(UpdateType = "Update");
fixed_value!(TombstoneType = "Tombstone");

/// What an [`ObjectActivity`] does to its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectVerb {
    Create,
    Update,
    Delete,
}

impl ObjectVerb {
    /// The activity's `type`, as the outbox records it.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectVerb::Create => "Create",
            ObjectVerb::Update => "Update",
            ObjectVerb::Delete => "Delete",
        }
    }
}

/// `Create`, `Update` or `Delete` of one of our alerts or actions, by its
/// author organisation. The object is an [`AlertObject`](super::AlertObject)
/// or an [`ActionObject`](super::ActionObject) (each carrying its own proof),
/// or the [`Tombstone`] of a `Delete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectActivity<O> {
    #[serde(rename = "@context")]
    pub context: OurContext,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: ObjectVerb,
    pub actor: Url,
    pub object: O,
    pub to: Vec<Url>,
    pub published: DateTime<Utc>,
    /// The author's integrity proof. Activities are signed as a `Value`
    /// (`integrity::Signer::sign`), so only one parsed back has it here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
}

/// What an alert or action was, as a `Tombstone` under the same id: what it
/// was (`formerType`) and when it went. A `Delete` of an alert also says why
/// (`removal`) and which version was removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tombstone {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: TombstoneType,
    pub former_type: FormerType,
    pub deleted: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removal: Option<Removal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl Tombstone {
    /// The tombstone of an object of `former_type`, which says no more.
    pub fn new(former_type: FormerType, id: Url, deleted: DateTime<Utc>) -> Self {
        Tombstone {
            id,
            kind: TombstoneType,
            former_type,
            deleted,
            removal: None,
            version: None,
        }
    }
}

/// The `type` of what a [`Tombstone`] replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormerType {
    Alert,
    SolidarityAction,
    AlertAggregate,
}

/// `Follow`: a node's instance actor asking another to federate, or an
/// organisation asking to join a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Follow {
    #[serde(rename = "@context")]
    pub context: ActivityStreamsContext,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: FollowType,
    pub actor: Url,
    pub object: Url,
}

impl Follow {
    /// `actor` follows `object`.
    pub fn new(id: Url, actor: Url, object: Url) -> Self {
        Follow {
            context: ActivityStreamsContext,
            id,
            kind: FollowType,
            actor,
            object,
        }
    }
}

/// Whether an [`Answer`] accepts or rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerType {
    Accept,
    Reject,
}

impl AnswerType {
    /// The activity's `type`, as the outbox records it.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerType::Accept => "Accept",
            AnswerType::Reject => "Reject",
        }
    }
}

/// `Accept` or `Reject` of a request. The object is either a Follow embedded
/// as it was received (a `Value`: other software's Follows carry fields of
/// their own), or a moderator's [`JoinRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer<O> {
    #[serde(rename = "@context")]
    pub context: ActivityStreamsContext,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AnswerType,
    pub actor: Url,
    pub object: O,
}

/// A member's request to join a group, as a moderating organisation on
/// another node names it when it tells the group's node its decision: the
/// member's `Follow` of the group, without the id only the group's node knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinRequest {
    #[serde(rename = "type")]
    pub kind: FollowType,
    /// The member organisation.
    pub actor: Url,
    /// The group.
    pub object: Url,
}

/// `Undo` of one of our Follows: an organisation leaving a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndoFollow {
    #[serde(rename = "@context")]
    pub context: ActivityStreamsContext,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UndoType,
    pub actor: Url,
    pub object: Follow,
}

impl UndoFollow {
    /// Takes back `follow`, in its actor's name.
    pub fn of(id: Url, follow: Follow) -> Self {
        UndoFollow {
            context: ActivityStreamsContext,
            id,
            kind: UndoType,
            actor: follow.actor.clone(),
            object: follow,
        }
    }
}

/// `Announce`: an activity of another actor passed on, unchanged (a `Value`,
/// so that its proofs still verify), by the alert's author or by a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Announce {
    #[serde(rename = "@context")]
    pub context: OurContext,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AnnounceType,
    pub actor: Url,
    pub object: Value,
    pub to: Vec<Url>,
    pub published: DateTime<Utc>,
}

/// `Undo` of the `Announce`s of an action that is no longer shared: it names
/// the action only, not the activities that carried it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndoAnnounce {
    #[serde(rename = "@context")]
    pub context: ActivityStreamsContext,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UndoType,
    pub actor: Url,
    pub object: AnnouncementOf,
    pub published: DateTime<Utc>,
}

/// The `Announce`s an [`UndoAnnounce`] takes back: those by `actor` of `object`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementOf {
    #[serde(rename = "type")]
    pub kind: AnnounceType,
    pub actor: Url,
    pub object: Url,
}

/// `Update` of an organisation's actor, carrying its whole document (built
/// in `federation/actors.rs`), so that receivers fetch it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorUpdate {
    #[serde(rename = "@context")]
    pub context: ActorUpdateContext,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UpdateType,
    pub actor: Url,
    pub object: Value,
    pub to: Vec<Url>,
}
