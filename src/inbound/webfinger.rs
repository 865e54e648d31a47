//! WebFinger (RFC 7033): how other software finds an actor from
//! `acct:{slug}@{domain}` or from the actor's URL. Answers are JRD
//! (`application/jrd+json`) with no null members; `subject` is the resource
//! asked for and `aliases` the other form; `rel` parameters keep only the
//! links asked for (§4.3).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use url::Url;

use crate::error::{Error, Result};
use crate::federation::urls;
use crate::state::AppState;

pub const JRD_JSON: &str = "application/jrd+json";
const REL_SELF: &str = "self";
pub const REL_PROFILE_PAGE: &str = "http://webfinger.net/rel/profile-page";
const ACTIVITY_TYPE_PROPERTY: &str = "https://www.w3.org/ns/activitystreams#type";

/// A JSON Resource Descriptor. Members that would be empty are left out.
#[derive(Debug, Serialize)]
pub struct Jrd {
    pub subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub links: Vec<JrdLink>,
}

#[derive(Debug, Serialize)]
pub struct JrdLink {
    pub rel: &'static str,
    #[serde(rename = "type")]
    pub media_type: &'static str,
    pub href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Which of our actors a resource names.
#[derive(Debug, PartialEq, Eq)]
enum Named {
    Instance,
    Org(String),
    Group(String),
}

/// What a resource is, before it is looked up: an `acct:` name on our domain,
/// or a URL on our host.
enum Resource {
    Acct(String),
    ActorUrl(Url),
}

/// Parses `resource`; a malformed one is a 400, a well-formed one that is
/// not ours is "not found".
fn parse_resource(state: &AppState, resource: &str) -> Result<Option<Resource>> {
    let our_host = urls::normalise_host(&state.config.domain);
    if let Some(account) = resource.strip_prefix("acct:") {
        let (user, host) = account.rsplit_once('@').ok_or_else(|| {
            Error::BadRequest(format!(
                "{resource} is not an acct: URI (it must be acct:name@{})",
                state.config.domain
            ))
        })?;
        if user.is_empty() || host.is_empty() {
            return Err(Error::BadRequest(format!("{resource} has an empty name or host")));
        }
        if urls::normalise_host(host) != our_host {
            return Ok(None);
        }
        return Ok(Some(Resource::Acct(user.to_string())));
    }
    let url = Url::parse(resource)
        .map_err(|e| Error::BadRequest(format!("{resource} is neither acct:name@host nor a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || urls::host_of(&url) != our_host {
        return Ok(None);
    }
    Ok(Some(Resource::ActorUrl(url)))
}

/// Finds the actor: an `acct:` name is the instance (the domain itself), an
/// organisation, or else a group; a URL must be an actor's id exactly.
async fn find(state: &AppState, resource: Resource) -> Result<Option<Named>> {
    let config = &state.config;
    match resource {
        Resource::Acct(name) => {
            if urls::normalise_host(&name) == urls::normalise_host(&config.domain) {
                return Ok(Some(Named::Instance));
            }
            if crate::db::accounts::find_org_by_slug(&state.db, &name).await?.is_some() {
                return Ok(Some(Named::Org(name)));
            }
            if crate::db::groups::find_hosted(&state.db, &name).await?.is_some() {
                return Ok(Some(Named::Group(name)));
            }
            Ok(None)
        }
        Resource::ActorUrl(url) => {
            if url == urls::instance_actor(config) {
                return Ok(Some(Named::Instance));
            }
            if let Some(slug) = urls::local_org_slug(config, &url)
                && url == urls::org_actor(config, &slug)
                && crate::db::accounts::find_org_by_slug(&state.db, &slug).await?.is_some()
            {
                return Ok(Some(Named::Org(slug)));
            }
            if let Some(slug) = urls::local_group_slug(config, &url)
                && url == urls::group(config, &slug)
                && crate::db::groups::find_hosted(&state.db, &slug).await?.is_some()
            {
                return Ok(Some(Named::Group(slug)));
            }
            Ok(None)
        }
    }
}

/// The descriptor of an actor, for `subject` as asked.
async fn describe(state: &AppState, subject: String, named: &Named) -> Result<Jrd> {
    let config = &state.config;
    let (actor, acct, kind, has_page) = match named {
        Named::Instance => (
            urls::instance_actor(config),
            Some(format!("acct:{0}@{0}", config.domain)),
            "Application",
            false,
        ),
        Named::Org(slug) => (
            urls::org_actor(config, slug),
            Some(format!("acct:{slug}@{}", config.domain)),
            "Organization",
            true,
        ),
        Named::Group(slug) => {
            // `acct:` names an organisation first: a group whose slug an
            // organisation also has is found by its URL only.
            let shadowed = crate::db::accounts::find_org_by_slug(&state.db, slug).await?.is_some();
            (
                urls::group(config, slug),
                (!shadowed).then(|| format!("acct:{slug}@{}", config.domain)),
                "Group",
                false,
            )
        }
    };
    let aliases = [Some(actor.to_string()), acct]
        .into_iter()
        .flatten()
        .filter(|alias| *alias != subject)
        .collect();
    let mut properties = serde_json::Map::new();
    properties.insert(ACTIVITY_TYPE_PROPERTY.into(), kind.into());
    let mut links = vec![JrdLink {
        rel: REL_SELF,
        media_type: crate::federation::wire::ACTIVITY_JSON,
        href: actor.to_string(),
        properties: Some(properties),
    }];
    if has_page {
        links.push(JrdLink {
            rel: REL_PROFILE_PAGE,
            media_type: "text/html",
            href: actor.to_string(),
            properties: None,
        });
    }
    Ok(Jrd {
        subject,
        aliases,
        links,
    })
}

/// `GET /.well-known/webfinger?resource=…[&rel=…]*`.
pub async fn webfinger(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Response> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let mut resources = pairs.iter().filter(|(k, _)| k == "resource").map(|(_, v)| v);
    let resource = match (resources.next(), resources.next()) {
        (Some(r), None) if !r.trim().is_empty() => r.clone(),
        (Some(_), Some(_)) => return Err(Error::BadRequest("give the resource parameter once".into())),
        _ => {
            return Err(Error::BadRequest(
                "the resource parameter is required: acct:name@domain or an actor's URL".into(),
            ));
        }
    };
    let wanted: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "rel")
        .map(|(_, v)| v.as_str())
        .collect();
    let not_found = || Error::NotFound("resource");
    let parsed = parse_resource(&state, &resource)?.ok_or_else(not_found)?;
    let named = find(&state, parsed).await?.ok_or_else(not_found)?;
    let mut jrd = describe(&state, resource, &named).await?;
    if !wanted.is_empty() {
        jrd.links.retain(|link| wanted.contains(&link.rel));
    }
    let mut response = axum::Json(jrd).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JRD_JSON));
    // RFC 7033 §5: descriptors are public and read by pages on other origins.
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(response)
}
