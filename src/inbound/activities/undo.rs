//! `Undo` of a `Follow` (unfollowing, leaving a group) or of an `Announce`
//! (the origin of an alert no longer sharing an action with this node).
//! Other `Undo`s are ignored.

use url::Url;

use super::Context;
use crate::error::Result;
use crate::federation::receiving::{Received, Receiving};
use crate::federation::wire::object_id;

pub struct Undo {
    received: Received,
    undone: Undone,
}

enum Undone {
    /// A `Follow`, embedded or by reference (then whom it followed is unknown).
    Follow {
        followed: Option<Url>,
    },
    /// An `Announce` of an action.
    Announce {
        object: Url,
    },
    Other,
}

impl Undo {
    pub fn parse(received: Received) -> Self {
        let inner = &received.raw["object"];
        let undone = match inner.get("type").and_then(|t| t.as_str()) {
            Some("Announce") => match object_id(&inner["object"]) {
                Some(object) => Undone::Announce { object },
                None => Undone::Other,
            },
            Some("Follow") => Undone::Follow {
                followed: object_id(&inner["object"]),
            },
            None if inner.is_string() => Undone::Follow { followed: None },
            _ => Undone::Other,
        };
        Self { received, undone }
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        let state = context.state;
        match &self.undone {
            Undone::Announce { object } => {
                crate::services::remote_actions::on_unshared(state, receiving, &self.received, object, &context.host)
                    .await
            }
            Undone::Follow { followed } => {
                crate::services::follows::on_unfollow(state, &self.received.actor, followed.as_ref(), &context.host)
                    .await
            }
            Undone::Other => Ok(()),
        }
    }
}
