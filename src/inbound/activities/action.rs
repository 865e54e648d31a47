//! `Create` or `Update` of a `SolidarityAction`, sent by its author or passed
//! on (inside an `Announce`) by the origin of the alert it answers, or by a
//! group the alert and the action were addressed to.

use super::Context;
use crate::error::Result;
use crate::federation::receiving::{Received, Receiving};

pub struct ActionActivity {
    pub(super) received: Received,
}

impl ActionActivity {
    pub fn parse(received: Received) -> Result<Self> {
        Ok(Self { received })
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        crate::services::remote_actions::on_action(
            context.state,
            context.data,
            receiving,
            &self.received,
            &context.host,
            context.relay.as_ref(),
        )
        .await
    }
}
