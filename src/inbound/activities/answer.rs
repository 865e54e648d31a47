//! `Accept` and `Reject` of a `Follow`: another node answering our request to
//! federate, a group's node answering our request to join, or a moderating
//! organisation elsewhere deciding on a request to join one of our groups.

use url::Url;

use super::Context;
use crate::error::Result;
use crate::federation::receiving::Received;
use crate::federation::wire::object_id;

pub struct Answer {
    received: Received,
    accepted: bool,
    /// The `Follow` answered, by its id (some servers echo it re-serialised,
    /// without one).
    follow_id: Option<Url>,
    /// Whom that `Follow` followed.
    followed: Option<Url>,
}

impl Answer {
    pub fn parse(received: Received, accepted: bool) -> Self {
        let follow_id = object_id(&received.raw["object"]);
        let followed = object_id(&received.raw["object"]["object"]);
        Self {
            received,
            accepted,
            follow_id,
            followed,
        }
    }

    pub async fn receive(self, context: &Context<'_>) -> Result<()> {
        crate::services::follows::on_answer(
            context.state,
            &self.received,
            self.accepted,
            self.follow_id.as_ref(),
            self.followed.as_ref(),
            &context.host,
        )
        .await
    }
}
