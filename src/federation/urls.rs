//! Where things of this node live. Every id we hand out is built here.

use url::Url;

use crate::config::Config;

/// `http://localhost:PORT` in development mode, `https://DOMAIN` otherwise.
pub fn base(config: &Config) -> String {
    if config.dev_mode {
        format!("http://{}", config.domain)
    } else {
        format!("https://{}", config.domain)
    }
}

fn url(config: &Config, path: &str) -> Url {
    Url::parse(&format!("{}{path}", base(config))).expect("our own URLs parse")
}

pub fn instance_actor(config: &Config) -> Url {
    url(config, "/actor")
}
pub fn shared_inbox(config: &Config) -> Url {
    url(config, "/inbox")
}
pub fn org_actor(config: &Config, slug: &str) -> Url {
    url(config, &format!("/orgs/{slug}"))
}
pub fn org_inbox(config: &Config, slug: &str) -> Url {
    url(config, &format!("/orgs/{slug}/inbox"))
}
pub fn org_outbox(config: &Config, slug: &str) -> Url {
    url(config, &format!("/orgs/{slug}/outbox"))
}
pub fn org_followers(config: &Config, slug: &str) -> Url {
    url(config, &format!("/orgs/{slug}/followers"))
}
pub fn group(config: &Config, slug: &str) -> Url {
    url(config, &format!("/groups/{slug}"))
}
pub fn group_inbox(config: &Config, slug: &str) -> Url {
    url(config, &format!("/groups/{slug}/inbox"))
}
pub fn group_followers(config: &Config, slug: &str) -> Url {
    url(config, &format!("/groups/{slug}/followers"))
}
pub fn alert(config: &Config, id: &str) -> Url {
    url(config, &format!("/alerts/{id}"))
}
pub fn action(config: &Config, id: &str) -> Url {
    url(config, &format!("/actions/{id}"))
}
pub fn activity(config: &Config, id: &str) -> Url {
    url(config, &format!("/activities/{id}"))
}
/// The collection of this node's connected and trusted peers (`network` audience).
pub fn network(config: &Config) -> Url {
    url(config, "/network")
}
/// The collection of this node's trusted peers (`trusted` audience).
pub fn trusted_network(config: &Config) -> Url {
    url(config, "/network/trusted")
}
/// Our JSON-LD context, served for people and tools (documents carry it inline).
pub fn context(config: &Config) -> Url {
    url(config, "/ns")
}

/// If `id` is one of our organisation actors, its slug.
pub fn local_org_slug(config: &Config, id: &Url) -> Option<String> {
    let prefix = format!("{}/orgs/", base(config));
    let rest = id.as_str().strip_prefix(&prefix)?;
    (!rest.is_empty() && !rest.contains('/') && !rest.contains('#')).then(|| rest.to_string())
}

/// If `id` is one of our groups, its slug.
pub fn local_group_slug(config: &Config, id: &Url) -> Option<String> {
    let prefix = format!("{}/groups/", base(config));
    let rest = id.as_str().strip_prefix(&prefix)?;
    (!rest.is_empty() && !rest.contains('/') && !rest.contains('#')).then(|| rest.to_string())
}

/// If `id` is one of our alerts, its id.
pub fn local_alert_id(config: &Config, id: &Url) -> Option<String> {
    let prefix = format!("{}/alerts/", base(config));
    let rest = id.as_str().strip_prefix(&prefix)?;
    (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_string())
}

pub const AS_PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
