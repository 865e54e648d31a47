//! `Create` or `Update` of a `SolidarityAction`, sent by its author or passed
//! on (inside an `Announce`) by the origin of the alert it answers, or by a
//! group the alert and the action were addressed to. Only its author may
//! record or change it (checked here); the service checks its proof and
//! whether the author may act on the alert at all.

use serde::Deserialize;

use super::Context;
use crate::error::{Error, Result};
use crate::federation::receiving::{Received, Receiving};
use crate::federation::urls::host_of;
use crate::federation::wire::ActionObject;

pub struct ActionActivity {
    pub(super) received: Received,
    action: ActionObject,
}

impl ActionActivity {
    pub fn parse(received: Received) -> Result<Self> {
        let action = ActionObject::deserialize(&received.raw["object"])
            .map_err(|e| Error::BadRequest(format!("the SolidarityAction is not valid: {e}")))?;
        if host_of(&action.id).is_none()
            || host_of(&action.id) != host_of(&received.actor)
            || action.attributed_to != received.actor
        {
            return Err(Error::Forbidden(format!(
                "{} may only record or change its own actions, not {}",
                received.actor, action.id
            )));
        }
        Ok(Self { received, action })
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        crate::services::remote_actions::on_action(
            context.state,
            context.data,
            receiving,
            &self.received,
            self.action,
            &context.host,
            context.relay.as_ref(),
        )
        .await
    }
}
