//! `Update` of an organisation's `AlertAggregate`: its published counts
//! (`services::network_analysis`). Never relayed: it comes from the
//! organisation's own node or not at all.

use super::Context;
use crate::error::{Error, Result};
use crate::federation::receiving::{Received, Receiving};

pub struct AggregateUpdate {
    received: Received,
}

impl AggregateUpdate {
    pub fn parse(received: Received) -> Self {
        Self { received }
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        if context.relay.is_some() {
            return Err(Error::Forbidden("published counts are never relayed".into()));
        }
        crate::services::network_analysis::on_aggregate(
            context.state,
            context.data,
            receiving,
            &self.received,
            &context.host,
        )
        .await
    }
}
