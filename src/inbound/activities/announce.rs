//! `Announce`: a relay (a group's node, or the origin of an alert passing on
//! an action) handing on another actor's activity unchanged. The relay is
//! trusted for transport only: the inner activity counts only if its own
//! proofs verify against its author, and the author's node is not blocked
//! here. An `Announce` by reference (a boost) is nothing for this node.

use super::{Context, InboundActivity};
use crate::domain::vocab::Trust;
use crate::error::{Error, Result};
use crate::federation::receiving::{Received, Receiving};
use crate::federation::urls::host_of;

pub struct Announce {
    received: Received,
}

impl Announce {
    pub fn parse(received: Received) -> Self {
        Self { received }
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        let inner_value = &self.received.raw["object"];
        if !inner_value.is_object() {
            return Ok(());
        }
        // Read, and refused, as if its author had sent it here.
        let inner = InboundActivity::parse(inner_value.clone())?;
        let relay = self.received.actor.clone();
        // Only alerts, actions and their deletion travel through relays.
        let inner_received = match &inner {
            InboundActivity::Alert(a) => &a.received,
            InboundActivity::Action(a) => &a.received,
            InboundActivity::Delete(a) => &a.received,
            _ => {
                let types = crate::federation::wire::ObjectTypes::of(inner_value);
                let kind = types.first();
                return Err(Error::BadRequest(format!("relaying `{kind}` is not supported")));
            }
        };
        let host =
            host_of(&inner_received.actor).ok_or_else(|| Error::BadRequest("relayed actor without host".into()))?;
        if host_of(&inner_received.id).as_deref() != Some(host.as_str()) {
            return Err(Error::Forbidden(
                "the relayed activity's id and actor are on different hosts".into(),
            ));
        }
        if crate::db::peers::trust_of(&context.state.db.pool, &host).await? == Some(Trust::Blocked) {
            return Err(Error::Forbidden(format!("this node does not federate with {host}")));
        }
        if let InboundActivity::Alert(alert) = &inner {
            alert.check_relayable(&relay)?;
        }
        let inner_context = Context {
            state: context.state,
            data: context.data,
            host,
            relay: Some(relay),
        };
        // Only alerts, actions and deletions get here: they check their own proofs.
        Box::pin(inner.receive(&inner_context, receiving, None)).await
    }
}
