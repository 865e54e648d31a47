//! `Update` of an actor: an actor announcing a change of itself (a new key,
//! say). It is fetched again from its own id, never trusting the copy in the
//! activity.

use activitypub_federation::fetch::object_id::ObjectId;

use super::Context;
use crate::error::{Error, Result};
use crate::federation::actors::RemoteActor;
use crate::federation::receiving::{Received, Receiving};
use crate::federation::wire::object_id;

/// The `type`s of actors this node reads.
pub fn is_actor_type(kind: &str) -> bool {
    matches!(kind, "Organization" | "Application" | "Person" | "Group" | "Service")
}

pub struct UpdateActor {
    received: Received,
}

impl UpdateActor {
    pub fn parse(received: Received) -> Result<Self> {
        if object_id(&received.raw["object"]).as_ref() != Some(&received.actor) {
            return Err(Error::Forbidden("an actor may only update itself".into()));
        }
        Ok(Self { received })
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        ObjectId::<RemoteActor>::from(self.received.actor.clone())
            .dereference_forced(context.data)
            .await?;
        receiving.forget_keys_of(self.received.actor.as_str());
        Ok(())
    }
}
