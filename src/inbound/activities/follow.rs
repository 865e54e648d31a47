//! `Follow`: a node asking to federate (a follow of our instance actor), an
//! organisation following one of ours, or asking to join one of our groups.

use url::Url;

use super::Context;
use crate::error::{Error, Result};
use crate::federation::receiving::Received;
use crate::federation::wire::object_id;

pub struct Follow {
    received: Received,
    /// Whom it follows.
    object: Url,
}

impl Follow {
    pub fn parse(received: Received) -> Result<Self> {
        let object =
            object_id(&received.raw["object"]).ok_or_else(|| Error::BadRequest("Follow without object".into()))?;
        Ok(Self { received, object })
    }

    pub async fn receive(self, context: &Context<'_>) -> Result<()> {
        crate::services::follows::on_follow(context.state, context.data, &self.received, &self.object, &context.host)
            .await
    }
}
