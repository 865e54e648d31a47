//! `Undo` of a `Follow` (unfollowing, leaving a group) or of an `Announce`
//! (an organisation no longer sharing an alert). Other `Undo`s are ignored.

use super::Context;
use crate::error::Result;
use crate::federation::receiving::{Received, Receiving};

pub struct Undo {
    received: Received,
}

impl Undo {
    pub fn parse(received: Received) -> Self {
        Self { received }
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        crate::services::follows::on_undo(context.state, receiving, &self.received, &context.host).await
    }
}
