//! Web pages for staff: sign-in, the collective response to an alert, its
//! sign-on letter (as a page and as a plain-text document to send as is), and
//! the groups this node knows.
//! Pages enforce exactly what the JSON API enforces: they call the same
//! services with the signed-in staff member.
//!
//! Everything is rendered on the server with `maud`, which escapes every value;
//! the only HTML inserted as is has been sanitised by `ammonia`. Pages run no
//! script, and their Content-Security-Policy forbids any.

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

use crate::error::Error;
use crate::request::ClientAddr;
use crate::services::accounts::{self, Staff};
use crate::services::actions::{self, On};
use crate::state::AppState;

const SESSION_COOKIE: &str = "tadamun_session";

/// No scripts, no frames, no remote anything: a page shows text and forms.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/alerts/{id}/responses", get(responses_page))
        .route("/alerts/{id}/letter", get(letter_page))
        .route("/alerts/{id}/letter.txt", get(letter_download))
        .route("/groups", get(groups_page))
}

fn with_headers(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn layout(title: &str, staff: Option<&Staff>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Tadamun" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { "Tadamun" }
                    @if let Some(staff) = staff {
                        span.who { (staff.username) " (" (staff.org_slug) ")" }
                        form method="post" action="/logout" { button type="submit" { "Sign out" } }
                    }
                }
                main { (body) }
            }
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:1rem auto;padding:0 1rem;line-height:1.5}\
header{display:flex;gap:1rem;align-items:center;border-bottom:1px solid #ccc;padding-bottom:.5rem}\
header form{margin-left:auto}.error{color:#a00}.meta{color:#555}article{border-top:1px solid #eee;padding:.5rem 0}\
.letter{white-space:pre-wrap;font-family:Georgia,serif}";

/// A page that says what went wrong, with the status the API would give.
fn error_page(err: Error, staff: Option<&Staff>) -> Response {
    let status = err.status_code();
    let message = match &err {
        Error::Internal(_) | Error::Federation(_) => {
            "something went wrong on this node; the error is in its log".to_string()
        }
        Error::Validation(fields) => fields.0.values().cloned().collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    };
    if status.is_server_error() {
        tracing::error!(error = %err, "page failed");
    }
    with_headers(
        status,
        layout(
            "Error",
            staff,
            html! { h1 { "Cannot show this page" } p.error { (message) } },
        ),
    )
}

/// The signed-in staff member, or a redirect to the sign-in page.
async fn signed_in(state: &AppState, jar: &CookieJar, back_to: &str) -> Result<Staff, Response> {
    let to_login = || Redirect::to(&format!("/login?next={}", urlencode(back_to))).into_response();
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Err(to_login());
    };
    match accounts::session_staff(&state.db, cookie.value(), state.clock.now()).await {
        Ok(staff) => Ok(staff),
        Err(Error::Unauthorized(_)) => Err(to_login()),
        Err(other) => Err(error_page(other, None)),
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Only paths on this node are followed after signing in: a path of plain
/// URL characters, never `//host`, a backslash, or a control character (which
/// browsers strip, turning `/\t/evil.example` into `//evil.example`).
fn safe_next(next: Option<&str>) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/-._~?=&%+".contains(c);
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && n.chars().all(plain) => n.to_string(),
        _ => "/login".to_string(),
    }
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

fn login_form(next: &str, error: Option<&str>) -> Markup {
    layout(
        "Sign in",
        None,
        html! {
            h1 { "Sign in" }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                p { label { "Username " input name="username" autocomplete="username" required; } }
                p { label { "Password " input name="password" type="password" autocomplete="current-password" required; } }
                p { label { "Code from your authenticator app, or a recovery code (coordinators, admins and operators) " input name="code" inputmode="numeric" autocomplete="one-time-code"; } }
                p { button type="submit" { "Sign in" } }
            }
        },
    )
}

async fn login_page(State(state): State<AppState>, jar: CookieJar, Query(p): Query<NextParam>) -> Response {
    let next = safe_next(p.next.as_deref());
    if let Some(cookie) = jar.get(SESSION_COOKIE)
        && let Ok(staff) = accounts::session_staff(&state.db, cookie.value(), state.clock.now()).await
    {
        return with_headers(
            StatusCode::OK,
            layout(
                "Signed in",
                Some(&staff),
                html! { h1 { "Signed in" } p { "You are signed in as " (staff.username) "." } },
            ),
        );
    }
    with_headers(StatusCode::OK, login_form(&next, None))
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&form.next));
    let credentials = accounts::Credentials {
        username: form.username.trim(),
        password: &form.password,
        code: Some(form.code.trim()).filter(|c| !c.is_empty()),
        client,
    };
    match accounts::start_session(&state, credentials).await {
        Ok(secret) => {
            let cookie = Cookie::build((SESSION_COOKIE, secret))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(!state.config.dev_mode)
                .max_age(time::Duration::hours(accounts::SESSION_HOURS))
                .build();
            (jar.add(cookie), Redirect::to(&next)).into_response()
        }
        Err(Error::Unauthorized(why)) => with_headers(StatusCode::UNAUTHORIZED, login_form(&next, Some(&why))),
        Err(err @ Error::TooManyRequests { .. }) => {
            let mut response = with_headers(StatusCode::TOO_MANY_REQUESTS, login_form(&next, Some(&err.to_string())));
            if let Some(value) = err.retry_after() {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
            response
        }
        Err(other) => error_page(other, None),
    }
}

async fn logout(State(state): State<AppState>, jar: CookieJar) -> Response {
    if let Some(cookie) = jar.get(SESSION_COOKIE)
        && let Err(err) = accounts::end_session(&state.db, cookie.value()).await
    {
        return error_page(err, None);
    }
    (
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response()
}

async fn responses_page(State(state): State<AppState>, jar: CookieJar, Path(id): Path<String>) -> Response {
    let staff = match signed_in(&state, &jar, &format!("/alerts/{id}/responses")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let responses = match actions::responses(&state, &staff, On::Local(&id)).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(&staff)),
    };
    let alert = match crate::services::alerts::get(&state, &staff, &id).await {
        Ok(a) => a,
        Err(e) => return error_page(e, Some(&staff)),
    };
    let title = format!("{} — responses", alert.number);
    with_headers(
        StatusCode::OK,
        layout(
            &title,
            Some(&staff),
            html! {
                h1 { (alert.number) ": " (alert.content.title.values().next().cloned().unwrap_or_default()) }
                p.meta { "Status: " (alert.status) }
                h2 { "Collective response" }
                table {
                    @for (kind, n) in &responses.counts {
                        tr { th scope="row" { (kind) } td.count data-kind=(kind) { (n) } }
                    }
                }
                h2 { "Co-signed by" }
                ul id="cosignatories" {
                    @for s in &responses.cosignatories { li { (s.name) } }
                }
                p { a href=(format!("/alerts/{id}/letter")) { "The sign-on letter" } }
                h2 { "Responses" }
                @for a in &responses.items {
                    article.action data-kind=(a.kind) {
                        p.meta {
                            strong { (a.org_name) } " · " (a.kind)
                            @if let Some(t) = a.support_type { " · " (t) }
                            @if let Some(o) = a.outcome { " · outcome: " (o) }
                            @if let Some(d) = a.due { " · due " (d.format("%Y-%m-%d")) }
                            @if let Some(s) = a.pledge_status { " · " (s) }
                            @if let Some(to) = &a.addressee { " · to " (to) }
                        }
                        @for text in a.content.values() {
                            // Stored sanitised; cleaned again here, so a page never
                            // depends on what an older version let through.
                            div.content { (PreEscaped(ammonia::clean(text))) }
                        }
                    }
                }
                @if !responses.support_offers_visible {
                    p.meta { "Offers of support are shown only to the alert's author organisation and those it chooses." }
                }
            },
        ),
    )
}

#[derive(Deserialize)]
struct LangParam {
    lang: Option<String>,
}

async fn letter_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(p): Query<LangParam>,
) -> Response {
    let staff = match signed_in(&state, &jar, &format!("/alerts/{id}/letter")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let letter = match actions::letter(&state, &staff, &id, p.lang.as_deref()).await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(&staff)),
    };
    let download = format!("/alerts/{id}/letter.txt?lang={}", urlencode(&letter.language));
    with_headers(
        StatusCode::OK,
        layout(
            &format!("{} — letter", letter.number),
            Some(&staff),
            html! {
                h1 { "Sign-on letter: " (letter.number) }
                p.meta {
                    "Language: " (letter.language)
                    @for l in &letter.languages {
                        @if *l != letter.language { " · " a href=(format!("/alerts/{id}/letter?lang={}", urlencode(l))) { (l) } }
                    }
                    @if let Some(d) = letter.deadline { " · send by " (d.format("%Y-%m-%d")) }
                }
                section id="addressees" {
                    @for a in &letter.addressees {
                        p { (a.name) @if let Some(i) = &a.institution { ", " (i) } }
                    }
                }
                h2 { (letter.title) }
                div.letter id="body" { (letter.body) }
                h2 { "Signed" }
                ol id="signatories" {
                    li { (letter.signed_by) }
                    @for s in &letter.cosignatories { li { (s.name) } }
                }
                p { a id="download" href=(download) download { "Download the letter (plain text)" } }
            },
        ),
    )
}

async fn letter_download(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(p): Query<LangParam>,
) -> Response {
    let staff = match signed_in(&state, &jar, &format!("/alerts/{id}/letter")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match actions::letter(&state, &staff, &id, p.lang.as_deref()).await {
        Ok(letter) => {
            let filename = format!("{}-letter-{}.txt", letter.number, letter.language);
            (
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{filename}\""),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                letter.text,
            )
                .into_response()
        }
        Err(e) => error_page(e, Some(&staff)),
    }
}

/// A group's members and alerts, as far as the viewer may see them.
struct GroupDetails {
    group: crate::services::groups::GroupView,
    members: Option<Vec<crate::services::groups::MemberView>>,
    alerts: Vec<crate::services::groups::GroupAlert>,
}

async fn groups_page(State(state): State<AppState>, jar: CookieJar) -> Response {
    let staff = match signed_in(&state, &jar, "/groups").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let groups = match crate::services::groups::list(&state, &staff).await {
        Ok(g) => g,
        Err(e) => return error_page(e, Some(&staff)),
    };
    let mut details = Vec::new();
    for group in groups {
        // Who is in a group is shown only to those the API shows it to, and
        // only for groups here: the members of a group elsewhere come from its
        // node (`/api/v1/groups/{id}/members`), and this page never waits on
        // another node.
        let members = if group.hosted {
            crate::services::groups::members(&state, &staff, &group.id).await.ok()
        } else {
            None
        };
        let alerts = match crate::services::groups::alerts(&state, &staff, &group.id).await {
            Ok(a) => a,
            Err(e) => return error_page(e, Some(&staff)),
        };
        details.push(GroupDetails { group, members, alerts });
    }
    with_headers(
        StatusCode::OK,
        layout(
            "Groups",
            Some(&staff),
            html! {
                h1 { "Groups" }
                @if details.is_empty() { p { "This node knows no groups yet." } }
                @for d in &details {
                    section.group data-uri=(d.group.uri) {
                        h2 { (d.group.name) }
                        p.meta {
                            (d.group.kind) " group · "
                            @if d.group.hosted { "on this node" } @else { (d.group.uri) }
                            @if !d.group.languages.is_empty() { " · " (d.group.languages.join(", ")) }
                        }
                        @if !d.group.description.is_empty() { p { (d.group.description) } }
                        p.membership { "Your organisation: " span.state { (d.group.membership) } }
                        @if let Some(members) = &d.members {
                            h3 { "Members" }
                            ul.members {
                                @for m in members { li data-state=(m.state) { (m.name) " (" (m.state) ")" } }
                            }
                        }
                        h3 { "Alerts" }
                        ul.alerts {
                            @for a in &d.alerts { li { (a.number) ": " (a.title) " (" (a.status) ")" } }
                        }
                    }
                }
            },
        ),
    )
}
