//! `Create` or `Update` of an `Alert`. Only its author may make or change it,
//! and only with integrity proofs by the author's own keys (checked by the
//! service, which also decides who here may see it).

use url::Url;

use super::Context;
use crate::error::{Error, Result};
use crate::federation::receiving::{Received, Receiving};

pub struct AlertActivity {
    pub(super) received: Received,
}

impl AlertActivity {
    pub fn parse(received: Received) -> Result<Self> {
        Ok(Self { received })
    }

    /// A relay passes on only what its author addressed to it (a group),
    /// and never a `trusted` or `restricted` alert.
    pub fn check_relayable(&self, relay: &Url) -> Result<()> {
        let object = &self.received.raw["object"];
        let addressed = ["to", "cc"].iter().any(|k| {
            object[*k]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(relay.as_str())))
        });
        if !addressed {
            return Err(Error::Forbidden(format!(
                "{relay} may pass on only alerts addressed to it; this one was not"
            )));
        }
        if !matches!(object["sharing"].as_str(), Some("public" | "network")) {
            return Err(Error::Forbidden(
                "relays never pass on `trusted` or `restricted` alerts".into(),
            ));
        }
        Ok(())
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        crate::services::remote_alerts::on_alert(context.state, context.data, receiving, &self.received, &context.host)
            .await
    }
}
