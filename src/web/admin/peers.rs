//! Peers and trust: every node this one knows, with the decision about it,
//! its request to federate and its answer to ours, the software it runs
//! (from NodeInfo), its organisations this node has heard from, and when it
//! was last heard from. Requests waiting for a decision come first. Adding a
//! peer by its address is a form; setting a level (approving, refusing,
//! blocking) first shows a page naming the alerts that would be sent to the
//! peer or withdrawn from it, then calls `services::peers::set` as
//! `PATCH /api/v1/peers/{host}` does.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use maud::{Markup, html};
use serde::Deserialize;

use super::{foreign, operator, operator_form, style, token_field};
use crate::domain::vocab::Trust;
use crate::error::Error;
use crate::services::peers::{self, PeerView, Software};
use crate::state::AppState;
use crate::web::{SignedIn, Viewer, error_page, layout, urlencode};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/peers", get(peers_page).post(add_peer))
        .route("/admin/peers/{host}", get(peer_page))
        .route("/admin/peers/{host}/trust", get(confirm_page).post(set_trust))
        .route("/admin/peers/{host}/software", post(recheck))
}

/// The levels an operator may set (pending is where a node starts, not a decision).
const DECISIONS: [Trust; 3] = [Trust::Connected, Trust::Trusted, Trust::Blocked];

fn peer_path(host: &str) -> String {
    format!("/admin/peers/{host}")
}

fn trust_path(host: &str, to: Trust) -> String {
    format!("/admin/peers/{host}/trust?to={}", to.as_str())
}

/// The software a peer runs, as far as its NodeInfo said.
fn software_text(viewer: &Viewer, software: &Software) -> Markup {
    html! {
        @match (&software.name, software.checked_at) {
            (Some(name), _) => {
                (foreign(name))
                @if let Some(version) = &software.version { " " (foreign(version)) }
            }
            (None, Some(_)) => (viewer.t("peers-software-unknown")),
            (None, None) => (viewer.t("peers-software-unchecked")),
        }
    }
}

fn heard_text(viewer: &Viewer, heard: Option<chrono::DateTime<chrono::Utc>>) -> String {
    match heard {
        Some(at) => viewer.date_time(at),
        None => viewer.t("peers-never-heard"),
    }
}

/// What a peer asked of this node: its request to federate, waiting or not.
fn asked_text(viewer: &Viewer, peer: &PeerView) -> String {
    if peer.awaiting_decision {
        viewer.t("peers-asked-waiting")
    } else if peer.actor.is_some() && peer.trust.federates() {
        viewer.t("peers-asked-answered")
    } else {
        viewer.t("peers-asked-nothing")
    }
}

/// The add-a-peer form, with what was typed and what was wrong with it.
struct AddForm {
    url: String,
    trust: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct AddPeer {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    trust: String,
}

fn add_form(viewer: &Viewer, who: &SignedIn, form: &AddForm) -> Markup {
    html! {
        section #add-peer aria-labelledby="add-peer-heading" {
            h2 #add-peer-heading { (viewer.t("peers-add")) }
            p { (viewer.t("peers-add-help")) }
            form method="post" action="/admin/peers" {
                (token_field(who))
                @if let Some(error) = &form.error {
                    p.error #add-peer-error role="alert" { (error) }
                }
                div.field {
                    label for="peer-url" { (viewer.t("peers-add-url")) }
                    small #peer-url-hint { (viewer.t("peers-add-url-hint")) }
                    input #peer-url type="url" name="url" value=(form.url) required
                        aria-describedby=(if form.error.is_some() { "peer-url-hint add-peer-error" } else { "peer-url-hint" })
                        aria-invalid=[form.error.as_ref().map(|_| "true")];
                }
                fieldset {
                    legend { (viewer.t("peers-add-level")) }
                    @for level in [Trust::Connected, Trust::Trusted] {
                        @let id = format!("add-trust-{}", level.as_str());
                        label.choice for=(id) {
                            input #(id) type="radio" name="trust" value=(level.as_str())
                                checked[form.trust == level.as_str() || (form.trust.is_empty() && level == Trust::Connected)];
                            " " (viewer.label("trust", level.as_str())) ": " (viewer.label("trust", &format!("{}-help", level.as_str())))
                        }
                    }
                }
                button type="submit" { (viewer.t("peers-add-send")) }
            }
        }
    }
}

async fn peers_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match operator(&state, &mut viewer, &jar, "/admin/peers").await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let form = AddForm {
        url: String::new(),
        trust: String::new(),
        error: None,
    };
    render_peers(&state, &viewer, &who, &form, StatusCode::OK).await
}

async fn render_peers(
    state: &AppState,
    viewer: &Viewer,
    who: &SignedIn,
    form: &AddForm,
    status: StatusCode,
) -> Response {
    let rows = match peers::overview(state, &who.staff).await {
        Ok(r) => r,
        Err(e) => return error_page(viewer, e, Some(who)),
    };
    let followers = match peers::waiting_followers(state, &who.staff).await {
        Ok(f) => f,
        Err(e) => return error_page(viewer, e, Some(who)),
    };
    let waiting: Vec<_> = rows.iter().filter(|(p, _, _)| p.awaiting_decision).collect();
    let title = viewer.t("peers-title");
    viewer.respond(
        status,
        layout(
            viewer,
            &title,
            Some(who),
            html! {
                (style())
                h1 { (title) }
                p { (viewer.t("peers-intro")) }
                section #pending aria-labelledby="pending-heading" {
                    h2 #pending-heading { (viewer.t("peers-pending")) }
                    @if waiting.is_empty() {
                        p.meta { (viewer.t("peers-pending-none")) }
                    } @else {
                        p { (viewer.t("peers-pending-why")) }
                    }
                    @for (peer, software, _) in &waiting {
                        article.request data-host=(peer.host) {
                            h3 { a href=(peer_path(&peer.host)) { (peer.host) } }
                            p {
                                @match &peer.actor {
                                    Some(actor) => { (viewer.t("peers-asked-by")) " " span.content dir="ltr" { (actor) } }
                                    None => (viewer.t("peers-asked-by-followers")),
                                }
                            }
                            @if peer.pending_followers > 0 {
                                p { (viewer.t_with("peers-pending-followers", &[("count", &viewer.number(peer.pending_followers))])) }
                            }
                            p.meta { (viewer.t("peers-software")) ": " (software_text(viewer, software)) }
                            ul.inline.decisions {
                                li { a href=(trust_path(&peer.host, Trust::Connected)) { (viewer.t("peers-approve-connected")) } }
                                li { a href=(trust_path(&peer.host, Trust::Trusted)) { (viewer.t("peers-approve-trusted")) } }
                                li { a href=(trust_path(&peer.host, Trust::Blocked)) { (viewer.t("peers-refuse")) } }
                            }
                        }
                    }
                }
                @if !followers.is_empty() {
                    section #followers aria-labelledby="followers-heading" {
                        h2 #followers-heading { (viewer.t("peers-followers")) }
                        p { (viewer.t("peers-followers-why")) }
                        ul {
                            @for f in &followers {
                                li data-host=(f.host) {
                                    span.content dir="ltr" { (f.actor) } " → "
                                    (viewer.t_with("peers-follower-of", &[("org", &f.org_slug), ("since", &viewer.date_time(f.since))]))
                                    ul.inline {
                                        li { a href=(trust_path(&f.host, Trust::Connected)) { (viewer.t_with("peers-approve-host", &[("host", &f.host)])) } }
                                        li { a href=(trust_path(&f.host, Trust::Blocked)) { (viewer.t_with("peers-refuse-host", &[("host", &f.host)])) } }
                                    }
                                }
                            }
                        }
                    }
                }
                section #all-peers aria-labelledby="all-peers-heading" {
                    h2 #all-peers-heading { (viewer.t("peers-all")) }
                    @if rows.is_empty() {
                        p.meta { (viewer.t("peers-none")) }
                    } @else {
                        div.scroll tabindex="0" role="region" aria-labelledby="peers-caption" {
                            table #peers {
                                caption #peers-caption { (viewer.t("peers-table-caption")) }
                                thead {
                                    tr {
                                        th scope="col" { (viewer.t("peers-host")) }
                                        th scope="col" { (viewer.t("peers-trust")) }
                                        th scope="col" { (viewer.t("peers-they-asked")) }
                                        th scope="col" { (viewer.t("peers-they-answered")) }
                                        th scope="col" { (viewer.t("peers-software")) }
                                        th scope="col" { (viewer.t("peers-last-heard")) }
                                    }
                                }
                                tbody {
                                    @for (peer, software, heard) in &rows {
                                        tr data-host=(peer.host) data-trust=(peer.trust.as_str()) {
                                            th scope="row" { a href=(peer_path(&peer.host)) { (peer.host) } }
                                            td.trust { (viewer.label("trust", peer.trust.as_str())) }
                                            td { (asked_text(viewer, peer)) }
                                            td.answer { (viewer.label("their-answer", peer.their_answer.as_str())) }
                                            td { (software_text(viewer, software)) }
                                            td { (heard_text(viewer, *heard)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (add_form(viewer, who, form))
            },
        ),
    )
}

async fn add_peer(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<AddPeer>,
) -> Response {
    let who = match operator_form(&state, &mut viewer, &jar, "/admin/peers", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let trust = Trust::try_from(form.trust.clone())
        .ok()
        .filter(|t| matches!(t, Trust::Connected | Trust::Trusted));
    let outcome = match trust {
        Some(trust) => peers::add(&state, &form.url, trust, Some(&who.staff)).await,
        None => Err(crate::domain::FieldErrors::single("trust", "choose connected or trusted").into()),
    };
    match outcome {
        Ok(peer) => Redirect::to(&peer_path(&peer.host)).into_response(),
        Err(err) => {
            let status = err.status_code();
            if status.is_server_error() && !matches!(err, Error::Federation(_)) {
                return error_page(&viewer, err, Some(&who));
            }
            let error = match &err {
                Error::Validation(fields) if fields.0.contains_key("trust") => viewer.t("peers-add-error-level"),
                Error::Validation(_) => viewer.t("peers-add-error-url"),
                Error::Federation(_) => viewer.t("peers-add-error-unreachable"),
                other => format!("{} ({other})", viewer.t("peers-add-error-other")),
            };
            let kept = AddForm {
                url: form.url,
                trust: form.trust,
                error: Some(error),
            };
            render_peers(&state, &viewer, &who, &kept, status).await
        }
    }
}

#[derive(Deserialize)]
struct Notice {
    checked: Option<String>,
}

async fn peer_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(host): Path<String>,
    Query(notice): Query<Notice>,
) -> Response {
    let who = match operator(&state, &mut viewer, &jar, &peer_path(&host)).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let detail = match peers::detail(&state, &who.staff, &host).await {
        Ok(d) => d,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let peer = &detail.peer;
    let title = viewer.t_with("peers-peer-title", &[("host", &peer.host)]);
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &title,
            Some(&who),
            html! {
                p { a href="/admin/peers" { (viewer.t("peers-back")) } }
                h1 { (title) }
                @if peer.awaiting_decision {
                    p.box #waiting-decision role="status" { (viewer.t("peers-pending-why")) }
                }
                dl.facts #peer-facts data-trust=(peer.trust.as_str()) {
                    dt { (viewer.t("peers-trust")) }
                    dd #peer-trust { (viewer.label("trust", peer.trust.as_str())) ". " (viewer.label("trust", &format!("{}-help", peer.trust.as_str()))) }
                    dt { (viewer.t("peers-they-asked")) }
                    dd { (asked_text(&viewer, peer)) }
                    dt { (viewer.t("peers-they-answered")) }
                    dd #peer-answer { (viewer.label("their-answer", peer.their_answer.as_str())) ". " (viewer.label("their-answer", &format!("{}-help", peer.their_answer.as_str()))) }
                    dt { (viewer.t("peers-software")) }
                    dd #peer-software {
                        (software_text(&viewer, &detail.software))
                        @if let Some(at) = detail.software.checked_at {
                            " " span.meta { (viewer.t_with("peers-software-checked", &[("at", &viewer.date_time(at))])) }
                        }
                    }
                    dt { (viewer.t("peers-last-heard")) }
                    dd { (heard_text(&viewer, detail.last_heard)) }
                    dt { (viewer.t("peers-alerts-held")) }
                    dd #peer-alerts-held { (viewer.number(detail.alerts_held)) }
                    dt { (viewer.t("peers-since")) }
                    dd { (viewer.date_time(peer.created_at)) }
                }
                @match notice.checked.as_deref() {
                    Some("ok") => p role="status" { (viewer.t("peers-software-rechecked")) },
                    Some(_) => p.error role="alert" { (viewer.t("peers-software-failed")) },
                    None => {},
                }
                form method="post" action=(format!("{}/software", peer_path(&peer.host))) {
                    (token_field(&who))
                    button type="submit" { (viewer.t("peers-software-recheck")) }
                }
                p { a href=(format!("/admin/deliveries/{}", peer.host)) { (viewer.t("peers-to-deliveries")) } }
                section aria-labelledby="actors-heading" {
                    h2 #actors-heading { (viewer.t("peers-actors")) }
                    @if detail.actors.is_empty() {
                        p.meta { (viewer.t("peers-actors-none")) }
                    } @else {
                        ul #peer-actors {
                            @for (id, _kind, name) in &detail.actors {
                                li {
                                    @if let Some(name) = name { (name) " · " }
                                    span.content dir="ltr" { (id) }
                                }
                            }
                        }
                    }
                }
                @if !detail.waiting_followers.is_empty() {
                    section aria-labelledby="peer-followers-heading" {
                        h2 #peer-followers-heading { (viewer.t("peers-followers")) }
                        ul {
                            @for f in &detail.waiting_followers {
                                li {
                                    span.content dir="ltr" { (f.actor) } " → "
                                    (viewer.t_with("peers-follower-of", &[("org", &f.org_slug), ("since", &viewer.date_time(f.since))]))
                                }
                            }
                        }
                    }
                }
                section aria-labelledby="change-heading" {
                    h2 #change-heading { (viewer.t("peers-change")) }
                    form method="get" action=(format!("{}/trust", peer_path(&peer.host))) {
                        fieldset {
                            legend { (viewer.t("peers-change-level")) }
                            @for level in DECISIONS {
                                @let id = format!("to-{}", level.as_str());
                                label.choice for=(id) {
                                    input #(id) type="radio" name="to" value=(level.as_str()) required checked[level == peer.trust];
                                    " " (viewer.label("trust", level.as_str())) ": " (viewer.label("trust", &format!("{}-help", level.as_str())))
                                }
                            }
                        }
                        button type="submit" { (viewer.t("peers-change-continue")) }
                    }
                }
            },
        ),
    )
}

#[derive(Deserialize)]
struct ChangeQuery {
    #[serde(default)]
    to: String,
}

/// The host of a path as the node writes it (also what is safe to put in a
/// redirect), or why it is not one (422).
fn normal_host(host: &str) -> Result<String, Error> {
    crate::federation::urls::normalise_host(host)
        .ok_or_else(|| crate::domain::FieldErrors::single("host", "a host name such as node.example").into())
}

/// The level asked for, or what to choose.
fn decision(to: &str) -> Result<Trust, Error> {
    Trust::try_from(to.to_string())
        .ok()
        .filter(|t| DECISIONS.contains(t))
        .ok_or_else(|| crate::domain::FieldErrors::single("to", "choose connected, trusted or blocked").into())
}

fn alert_list(viewer: &Viewer, id: &str, alerts: &[peers::AffectedAlert]) -> Markup {
    html! {
        ul #(id) {
            @for a in alerts {
                li data-number=(a.number) {
                    strong { (a.number) } " · " (viewer.pick(&a.title)) " (" (viewer.label("audience", a.audience.as_str())) ")"
                }
            }
        }
    }
}

/// What the change would do, in plain words, before it is done.
async fn confirm_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(host): Path<String>,
    Query(query): Query<ChangeQuery>,
) -> Response {
    let back = format!("{}/trust?to={}", peer_path(&host), urlencode(&query.to));
    let who = match operator(&state, &mut viewer, &jar, &back).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let to = match decision(&query.to) {
        Ok(t) => t,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let change = match peers::trust_change(&state, &who.staff, &host, to).await {
        Ok(c) => c,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let level = viewer.label("trust", to.as_str());
    let title = viewer.t_with("peers-confirm-title", &[("host", &change.host), ("level", &level)]);
    let from = change
        .from
        .map_or_else(|| viewer.t("peers-unknown"), |f| viewer.label("trust", f.as_str()));
    let nothing = change.sent.is_empty() && change.withdrawn.is_empty();
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &title,
            Some(&who),
            html! {
                h1 { (title) }
                section #consequences aria-labelledby="consequences-heading" {
                    h2 #consequences-heading { (viewer.t("peers-confirm-consequences")) }
                    p { (viewer.t_with("peers-confirm-from-to", &[("host", &change.host), ("from", &from), ("to", &level)])) }
                    p { (viewer.label("trust", &format!("{}-help", to.as_str()))) }
                    @if change.answers_its_request {
                        p #answers-request {
                            @if to == Trust::Blocked { (viewer.t("peers-confirm-request-refused")) } @else { (viewer.t("peers-confirm-request-accepted")) }
                        }
                    }
                    @if change.followers_answered > 0 {
                        p {
                            @let n = viewer.number(change.followers_answered);
                            @if to == Trust::Blocked {
                                (viewer.t_with("peers-confirm-followers-refused", &[("count", &n)]))
                            } @else {
                                (viewer.t_with("peers-confirm-followers-accepted", &[("count", &n)]))
                            }
                        }
                    }
                    @if !change.sent.is_empty() {
                        h3 { (viewer.t_with("peers-confirm-sent", &[("count", &viewer.number(change.sent.len()))])) }
                        (alert_list(&viewer, "alerts-sent", &change.sent))
                    }
                    @if !change.withdrawn.is_empty() {
                        h3 { (viewer.t_with("peers-confirm-withdrawn", &[("count", &viewer.number(change.withdrawn.len()))])) }
                        (alert_list(&viewer, "alerts-withdrawn", &change.withdrawn))
                    }
                    @if nothing {
                        p #alerts-unchanged { (viewer.t("peers-confirm-no-alerts")) }
                    }
                    @if change.kept > 0 {
                        p { (viewer.t_with("peers-confirm-kept", &[("count", &viewer.number(change.kept))])) }
                    }
                }
                form method="post" action=(format!("{}/trust", peer_path(&change.host))) {
                    (token_field(&who))
                    input type="hidden" name="to" value=(to.as_str());
                    input type="hidden" name="confirm" value="yes";
                    div.controls {
                        button type="submit" #confirm-change { (viewer.t_with("peers-confirm-button", &[("level", &level)])) }
                        a href=(peer_path(&change.host)) { (viewer.t("peers-confirm-cancel")) }
                    }
                }
            },
        ),
    )
}

#[derive(Deserialize)]
struct SetTrust {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    to: String,
    confirm: Option<String>,
}

async fn set_trust(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(host): Path<String>,
    Form(form): Form<SetTrust>,
) -> Response {
    let who = match operator_form(&state, &mut viewer, &jar, &peer_path(&host), &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let to = match decision(&form.to) {
        Ok(t) => t,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let host = match normal_host(&host) {
        Ok(h) => h,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    // Not confirmed: the consequences first, nothing changed.
    if form.confirm.as_deref() != Some("yes") {
        return Redirect::to(&trust_path(&host, to)).into_response();
    }
    match peers::set(&state, &host, to, Some(&who.staff)).await {
        Ok(peer) => Redirect::to(&peer_path(&peer.host)).into_response(),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

#[derive(Deserialize)]
struct TokenOnly {
    #[serde(default)]
    form_token: String,
}

async fn recheck(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(host): Path<String>,
    Form(form): Form<TokenOnly>,
) -> Response {
    let who = match operator_form(&state, &mut viewer, &jar, &peer_path(&host), &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let host = match normal_host(&host) {
        Ok(h) => h,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    match peers::recheck_software(&state, &host, &who.staff).await {
        Ok(Ok(_)) => Redirect::to(&format!("{}?checked=ok", peer_path(&host))).into_response(),
        Ok(Err(_)) => Redirect::to(&format!("{}?checked=failed", peer_path(&host))).into_response(),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}
