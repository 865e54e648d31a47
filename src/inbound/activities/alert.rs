//! `Create` or `Update` of an `Alert`. Only its author may make or change it
//! (checked here, from the activity alone), and only with integrity proofs by
//! the author's own keys (checked by the service, which may fetch them, and
//! which decides who here sees it).

use serde::Deserialize;
use url::Url;

use super::Context;
use crate::domain::vocab::Audience;
use crate::error::{Error, Result};
use crate::federation::receiving::{Received, Receiving};
use crate::federation::urls::host_of;
use crate::federation::wire::AlertObject;

pub struct AlertActivity {
    pub(super) received: Received,
    alert: AlertObject,
}

impl AlertActivity {
    pub fn parse(received: Received) -> Result<Self> {
        let alert = AlertObject::deserialize(&received.raw["object"])
            .map_err(|e| Error::BadRequest(format!("the Alert is not valid: {e}")))?;
        if host_of(&alert.id).is_none()
            || host_of(&alert.id) != host_of(&received.actor)
            || alert.attributed_to != received.actor
        {
            return Err(Error::Forbidden(format!(
                "{} may only create or change its own alerts, not {}",
                received.actor, alert.id
            )));
        }
        if alert.sharing == Audience::Node {
            return Err(Error::Forbidden(
                "an alert shared as `node` never leaves its node".into(),
            ));
        }
        Ok(Self { received, alert })
    }

    /// A relay passes on only what its author addressed to it (a group),
    /// and never a `trusted` or `restricted` alert.
    pub fn check_relayable(&self, relay: &Url) -> Result<()> {
        let addressed = self.alert.to.iter().chain(self.alert.cc.iter()).any(|a| a == relay);
        if !addressed {
            return Err(Error::Forbidden(format!(
                "{relay} may pass on only alerts addressed to it; this one was not"
            )));
        }
        if !matches!(self.alert.sharing, Audience::Public | Audience::Network) {
            return Err(Error::Forbidden(
                "relays never pass on `trusted` or `restricted` alerts".into(),
            ));
        }
        Ok(())
    }

    pub async fn receive(self, context: &Context<'_>, receiving: &mut Receiving) -> Result<()> {
        crate::services::remote_alerts::on_alert(
            context.state,
            context.data,
            receiving,
            &self.received,
            self.alert,
            &context.host,
        )
        .await
    }
}
