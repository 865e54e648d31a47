//! `Delete`: of a solidarity action this node holds (retracted by its
//! author), or of an alert (withdrawn, or no longer for this node or one of
//! its organisations: `removal: out_of_audience`).

use super::Context;
use crate::error::{Error, Result};
use crate::federation::receiving::{Received, Receiving};
use crate::federation::wire::{DeletedObject, Removal};

pub struct Delete {
    pub(super) received: Received,
    deleted: DeletedObject,
}

impl Delete {
    pub fn parse(received: Received) -> Result<Self> {
        let deleted = DeletedObject::of(&received.raw["object"])
            .ok_or_else(|| Error::BadRequest("Delete without object".into()))?;
        Ok(Self { received, deleted })
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        let (state, data) = (context.state, context.data);
        if self.deleted.former_type.as_deref() == Some("AlertAggregate") {
            if context.relay.is_some() {
                return Err(Error::Forbidden("published counts are never relayed".into()));
            }
            return crate::services::network_analysis::on_withdrawn(
                state,
                data,
                receiving,
                &self.received,
                &self.deleted.id,
            )
            .await;
        }
        if self
            .deleted
            .former_type
            .as_deref()
            .is_none_or(|t| t == "SolidarityAction")
            && crate::services::remote_actions::is_known_action(state, &self.deleted.id).await?
        {
            return crate::services::remote_actions::on_action_retracted(
                state,
                data,
                receiving,
                &self.received,
                &context.host,
                context.relay.as_ref(),
            )
            .await;
        }
        if context.relay.is_some() && self.deleted.removal == Removal::OutOfAudience {
            // A loss of audience is told to the one node (or organisation) it
            // is about; passed on, it would take the alert from others.
            return Err(Error::Forbidden(
                "a Delete for a loss of audience is never relayed".into(),
            ));
        }
        crate::services::remote_alerts::on_delete(state, data, receiving, &self.received, &self.deleted, &context.host)
            .await
    }
}
