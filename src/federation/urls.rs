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

/// Whether a document's `to` or `cc` names the public collection, in any of
/// the spellings ActivityStreams allows.
pub fn addresses_public(document: &serde_json::Value) -> bool {
    let public = |v: &serde_json::Value| {
        v.as_str()
            .is_some_and(|s| matches!(s, AS_PUBLIC | "as:Public" | "Public"))
    };
    ["to", "cc"].iter().any(|field| match &document[*field] {
        serde_json::Value::Array(items) => items.iter().any(public),
        single => public(single),
    })
}

/// `host[:port]` as one decision is made for it: lower case, punycode for
/// international names, no trailing dot, no default port.
pub fn host_of(url: &Url) -> Option<String> {
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Whether an inbox is on `host`. A delivery is filed, retried and allowed by
/// its host, so an inbox elsewhere (an actor naming another server's inbox as
/// its own) must never be filed under it.
pub fn inbox_is_on(inbox: &Url, host: &str) -> bool {
    host_of(inbox).as_deref() == Some(host)
}

/// Normalises a host or URL typed by a person or found in a document.
pub fn normalise_host(input: &str) -> Option<String> {
    let input = input.trim();
    let url = if input.contains("://") {
        Url::parse(input).ok()?
    } else {
        Url::parse(&format!("https://{input}")).ok()?
    };
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    host_of(&url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn public_addressing_is_recognised_in_to_or_cc_in_every_spelling() {
        assert!(addresses_public(&json!({"to": [AS_PUBLIC]})));
        assert!(addresses_public(&json!({"cc": "as:Public"})));
        assert!(addresses_public(&json!({"to": [], "cc": ["Public"]})));
        assert!(!addresses_public(&json!({"to": ["https://a.example/network"]})));
        assert!(!addresses_public(&json!({})));
    }
}
