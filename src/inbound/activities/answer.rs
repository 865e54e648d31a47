//! `Accept` and `Reject` of a `Follow`: another node answering our request to
//! federate, a group's node answering our request to join, or a moderating
//! organisation elsewhere deciding on a request to join one of our groups.

use super::Context;
use crate::error::Result;
use crate::federation::receiving::Received;

pub struct Answer {
    received: Received,
    accepted: bool,
}

impl Answer {
    pub fn parse(received: Received, accepted: bool) -> Self {
        Self { received, accepted }
    }

    pub async fn receive(self, context: &Context<'_>) -> Result<()> {
        crate::services::follows::on_answer(context.state, &self.received, self.accepted, &context.host).await
    }
}
