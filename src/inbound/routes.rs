//! The federation side of a node's HTTP surface: discovery (WebFinger,
//! NodeInfo), actor documents, collections, our context, alert objects
//! (non-public ones only to signed fetches from nodes allowed to see them),
//! and the inboxes.

use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::federation::actors::LocalActor;
use url::Url;

use super::pipeline as inbox;
use crate::db::accounts::find_org_by_slug;
use crate::db::remote_alerts;
use crate::domain::vocab::{AlertStatus, Audience, MemberState, Trust};
use crate::error::{Error, Result};
use crate::federation::wire::{self, ACTIVITY_JSON, ActionObject};
use crate::federation::{signed_get, urls};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/webfinger", get(super::webfinger::webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route("/ns", get(context_document))
        .route("/actor", get(instance_actor))
        .route("/actor/outbox", get(instance_outbox))
        .route("/network", get(network_collection))
        .route("/network/trusted", get(trusted_collection))
        .route("/inbox", post(inbox::post_inbox))
        .route("/orgs/{slug}", get(org_actor))
        .route("/orgs/{slug}/inbox", post(inbox::post_inbox))
        .route("/orgs/{slug}/outbox", get(org_outbox))
        .route("/orgs/{slug}/followers", get(org_followers))
        .route("/orgs/{slug}/analysis", get(org_aggregate))
        .route("/alerts/{id}", get(alert_object))
        .route("/actions/{id}", get(action_object))
        .route("/activities/{id}", get(activity_document))
        .route("/groups/{slug}", get(group_actor))
        .route("/groups/{slug}/inbox", post(inbox::post_inbox))
        .route("/groups/{slug}/followers", get(group_followers))
        .route("/groups/{slug}/outbox", get(group_outbox))
}

/// An ActivityStreams document with the content type other servers expect.
pub(crate) fn activity_json(value: Value) -> Response {
    let mut response = Json(value).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ACTIVITY_JSON));
    response
}

async fn nodeinfo_links(State(state): State<AppState>) -> Json<Value> {
    Json(json!({"links": [{
        "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
        "href": format!("{}/nodeinfo/2.1", urls::base(&state.config)),
    }]}))
}

async fn nodeinfo(State(state): State<AppState>) -> Result<Response> {
    let orgs = crate::db::accounts::count_orgs(&state.db.pool).await?;
    let public = crate::db::alerts::count_public(&state.db.pool).await?;
    let mut response = Json(json!({
        "version": "2.1",
        "software": {"name": "tadamun", "version": env!("CARGO_PKG_VERSION")},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": false,
        "usage": {"users": {"total": orgs}, "localPosts": public},
        "metadata": {"nodeName": state.config.domain},
    }))
    .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\""),
    );
    Ok(response)
}

async fn context_document() -> Response {
    ([(header::CONTENT_TYPE, "application/ld+json")], wire::CONTEXT_JSONLD).into_response()
}

async fn instance_actor(State(state): State<AppState>) -> Result<Response> {
    let actor = LocalActor::instance(&state).await?;
    Ok(activity_json(actor.document(&state).await?))
}

#[derive(serde::Deserialize)]
struct PageQuery {
    lang: Option<String>,
}

/// Marks a document whose URL also answers a page, for caches.
fn varies_by_accept(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept, Accept-Language"));
    response
}

/// `GET /orgs/{slug}`: the actor document, or its public page for a browser.
async fn org_actor(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    axum::extract::Query(query): axum::extract::Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    if crate::request::prefers_html(&headers) {
        return Ok(crate::pages::org_page(&state, &slug, query.lang.as_deref(), &headers).await);
    }
    Ok(varies_by_accept(org_actor_document(&state, &slug).await?))
}

async fn org_actor_document(state: &AppState, slug: &str) -> Result<Response> {
    let org = find_org_by_slug(&state.db, slug)
        .await?
        .ok_or(Error::NotFound("organisation"))?;
    let actor = LocalActor::org(state, org).await?;
    Ok(activity_json(actor.document(state).await?))
}

async fn instance_outbox(State(state): State<AppState>) -> Response {
    activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/outbox", urls::instance_actor(&state.config)),
        "type": "OrderedCollection",
        "totalItems": 0,
        "orderedItems": [],
    }))
}

/// The `network` audience: this node's connected and trusted peers. Only the
/// count is public; who they are is the admins' business.
async fn network_collection(State(state): State<AppState>) -> Result<Response> {
    let n = crate::db::peers::count_connected_or_trusted(&state.db.pool).await?;
    Ok(activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": urls::network(&state.config),
        "type": "Collection",
        "totalItems": n,
    })))
}

/// The `trusted` audience: the count of trusted peers only.
async fn trusted_collection(State(state): State<AppState>) -> Result<Response> {
    let n = crate::db::peers::count_trusted(&state.db.pool).await?;
    Ok(activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": urls::trusted_network(&state.config),
        "type": "Collection",
        "totalItems": n,
    })))
}

#[derive(serde::Deserialize)]
struct OutboxQuery {
    page: Option<String>,
}

/// An organisation's outbox: the `Create`s of its public alerts, newest
/// first, in pages (as Mastodon pages its outboxes): the collection names its
/// first and last pages, `?page=N` is one page.
async fn org_outbox(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    axum::extract::Query(query): axum::extract::Query<OutboxQuery>,
) -> Result<Response> {
    use crate::services::activities::{OUTBOX_PAGE_SIZE, org_outbox_page};
    let org = find_org_by_slug(&state.db, &slug)
        .await?
        .ok_or(Error::NotFound("organisation"))?;
    let outbox = urls::org_outbox(&state.config, &org.slug);
    let page_url = |n: i64| format!("{outbox}?page={n}");
    let Some(page) = query.page else {
        let total = crate::db::alerts::count_public_of_org(&state.db.pool, &org.id).await?;
        let last = ((total + OUTBOX_PAGE_SIZE - 1) / OUTBOX_PAGE_SIZE).max(1);
        return Ok(activity_json(json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": outbox,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": page_url(1),
            "last": page_url(last),
        })));
    };
    let page: i64 = page
        .parse()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .ok_or_else(|| Error::BadRequest(format!("page must be a whole number from 1, not {page:?}")))?;
    let (items, total) = org_outbox_page(&state, &org.id, page).await?;
    let mut document = json!({
        "@context": wire::OurContext,
        "id": page_url(page),
        "type": "OrderedCollectionPage",
        "partOf": outbox,
        "totalItems": total,
        "orderedItems": items,
    });
    if page * OUTBOX_PAGE_SIZE < total {
        document["next"] = json!(page_url(page + 1));
    }
    if page > 1 {
        document["prev"] = json!(page_url(page - 1));
    }
    Ok(activity_json(document))
}

/// `GET /activities/{uuid}`: an activity this node sent, to those it was
/// addressed to, never carrying more than its object allows now
/// (`services::activities`).
async fn activity_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    use crate::services::activities::{Served, served};
    // A signature that does not verify counts as none: it can only ever
    // stand between the caller and what is public.
    let signer = if headers.contains_key("signature") {
        let data = crate::federation::data(&state).await?;
        signed_get::signer(&state, &data, &headers, &method, &uri)
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    Ok(match served(&state, &id, signer.as_ref()).await? {
        Served::Found(document) => activity_json(document),
        Served::Gone(tombstone) => {
            let mut response = activity_json(tombstone);
            *response.status_mut() = StatusCode::GONE;
            response
        }
    })
}

/// Followers: the count only; who follows an organisation is not published.
async fn org_followers(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response> {
    let org = find_org_by_slug(&state.db, &slug)
        .await?
        .ok_or(Error::NotFound("organisation"))?;
    let n = crate::db::followers::count_accepted_of(&state.db.pool, &org.id).await?;
    Ok(activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": urls::org_followers(&state.config, &org.slug),
        "type": "OrderedCollection",
        "totalItems": n,
    })))
}

/// An alert as an ActivityStreams object. Public ones to anyone; any other
/// only to a signed GET from a node its audience allows. Everyone else gets
/// the same 404 as for an alert that does not exist.
async fn alert_object(
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<PageQuery>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    if crate::request::prefers_html(&headers) {
        return Ok(crate::pages::alert_page(&state, &id, query.lang.as_deref(), &headers).await);
    }
    Ok(varies_by_accept(
        alert_document(&state, &id, method, uri, headers).await?,
    ))
}

async fn alert_document(
    state: &AppState,
    id: &str,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Result<Response> {
    let not_found = || Error::NotFound("alert");
    let stored = crate::db::alerts::get(&state.db, id).await?.ok_or_else(not_found)?;
    // Only a non-public alert needs to know who asks: a public one is
    // served without fetching any key.
    let signer = if crate::services::activities::may_fetch_alert(&stored, None) {
        None
    } else {
        let data = crate::federation::data(state).await?;
        signed_get::signer(state, &data, &headers, &method, &uri)
            .await
            .map_err(|_| not_found())?
    };
    if !crate::services::activities::may_fetch_alert(&stored, signer.as_ref()) {
        return Err(not_found());
    }
    if stored.row.status == AlertStatus::Withdrawn {
        let mut response = activity_json(crate::services::activities::alert_tombstone(state, &stored));
        *response.status_mut() = StatusCode::GONE;
        return Ok(response);
    }
    Ok(activity_json(
        crate::services::alerts::wire_object(state, &stored).await?,
    ))
}

/// `GET /actions/{id}`: one of our organisations' actions, as sent. Shared
/// actions on public alerts are served to anyone; any other only to a signed
/// GET from the node of the alert's origin or of a group the action was sent
/// through. Everyone else gets the same 404 as for an action that does not
/// exist; a retracted one answers 410 with its tombstone.
pub async fn action_object(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    method: axum::http::Method,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response> {
    let not_found = || Error::NotFound("action");
    let row = crate::db::actions::find_by_id(&state.db, urls::action(&state.config, &id).as_str())
        .await?
        .filter(|r| r.org_id.is_some())
        .ok_or_else(not_found)?;
    let alert = Url::parse(&row.alert_uri).map_err(|_| not_found())?;
    let stored: Option<ActionObject> = serde_json::from_str(&row.document).ok();
    let public = row.shareable
        && match urls::local_alert_id(&state.config, &alert) {
            Some(local) => crate::db::alerts::get(&state.db, &local)
                .await?
                .is_some_and(|a| a.row.audience == Audience::Public),
            None => remote_alerts::find_by_id(&state.db, alert.as_str())
                .await?
                .is_some_and(|a| a.sharing == Audience::Public),
        };
    if !public {
        let data = crate::federation::data(&state).await?;
        let signer = crate::federation::signed_get::signer(&state, &data, &headers, &method, &uri)
            .await
            .map_err(|_| not_found())?
            .ok_or_else(not_found)?;
        let origin = crate::federation::urls::host_of(&alert);
        let through_group = row.shareable
            && stored.as_ref().is_some_and(|a| {
                a.cc.iter()
                    .any(|g| crate::federation::urls::host_of(g).as_deref() == Some(signer.host.as_str()))
            });
        if signer.trust == Trust::Blocked || (origin.as_deref() != Some(signer.host.as_str()) && !through_group) {
            return Err(not_found());
        }
    }
    let document: Value = serde_json::from_str(&row.document).map_err(|_| not_found())?;
    let mut response = crate::inbound::routes::activity_json(document);
    if row.deleted_at.is_some() {
        *response.status_mut() = axum::http::StatusCode::GONE;
    }
    Ok(response)
}

/// `GET /groups/{slug}`: the group's actor document.
pub async fn group_actor(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response> {
    let group = crate::db::groups::find_hosted(&state.db, &slug)
        .await?
        .ok_or(Error::NotFound("group"))?;
    let actor = LocalActor::group(&state, group).await?;
    Ok(crate::inbound::routes::activity_json(actor.document(&state).await?))
}

/// `GET /groups/{slug}/followers`: the members. Everyone sees how many; who
/// they are is shown only to a signed GET from a node with an accepted member.
pub async fn group_followers(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    let group = crate::db::groups::find_hosted(&state.db, &slug)
        .await?
        .ok_or(Error::NotFound("group"))?;
    let all = crate::db::groups::members(&state.db, &group.id).await?;
    let members: Vec<_> = all.iter().filter(|m| m.state == MemberState::Accepted).collect();
    let mut document = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": urls::group_followers(&state.config, &slug),
        "type": "OrderedCollection",
        "totalItems": members.len(),
    });
    if headers.contains_key("signature") {
        let data = crate::federation::data(&state).await?;
        if let Ok(Some(signer)) = signed_get::signer(&state, &data, &headers, &method, &uri).await {
            let moderators_there = group.moderator_uris().iter().any(|m| {
                Url::parse(m)
                    .ok()
                    .and_then(|u| crate::federation::urls::host_of(&u))
                    .as_deref()
                    == Some(signer.host.as_str())
            });
            if moderators_there {
                // Moderators elsewhere see the requests too, to decide on them.
                document["orderedItems"] = all
                    .iter()
                    .map(|m| json!({"id": m.org_uri, "name": m.org_name, "state": m.state}))
                    .collect();
            } else if members.iter().any(|m| m.host == signer.host) {
                document["orderedItems"] = members
                    .iter()
                    .map(|m| json!({"id": m.org_uri, "name": m.org_name}))
                    .collect();
            }
        }
    }
    Ok(crate::inbound::routes::activity_json(document))
}

/// `GET /groups/{slug}/outbox`: the alerts relayed, counted.
pub async fn group_outbox(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response> {
    let group = crate::db::groups::find_hosted(&state.db, &slug)
        .await?
        .ok_or(Error::NotFound("group"))?;
    let relayed = crate::db::groups::alert_uris(&state.db, &group.id).await?;
    Ok(crate::inbound::routes::activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/outbox", group.uri),
        "type": "OrderedCollection",
        "totalItems": relayed.len(),
    })))
}

/// `GET /orgs/{slug}/analysis`: the counts the organisation last published,
/// signed by it, to a signed fetch from a node this one federates with; 404
/// to anyone else, and when it does not publish.
async fn org_aggregate(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    let signer = if headers.contains_key("signature") {
        let data = crate::federation::data(&state).await?;
        signed_get::signer(&state, &data, &headers, &method, &uri)
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    let document =
        crate::services::network_analysis::served(&state, &slug, signer.as_ref().map(|s| (s.host.as_str(), s.trust)))
            .await?
            .ok_or(Error::NotFound("organisation analysis"))?;
    Ok(activity_json(document))
}
