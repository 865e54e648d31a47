//! Web pages for staff: sign-in (`session`), the dashboard at `/`
//! (`dashboard`), the alert form (`alert_form`), the review and publication
//! steps (`review`), an alert's page with the organisation's answers
//! (`alert_page`), the collective response and sign-on letter (`responses`),
//! the groups this node knows (`groups`), and the shared analysis
//! (`analysis`). This module holds what they
//! share: who is looking and in which language, the layout, form tokens and
//! the error page.
//! Pages enforce exactly what the JSON API enforces: they call the same
//! services with the signed-in staff member.
//!
//! Everything is rendered on the server with `maud`, which escapes every value;
//! the only HTML inserted as is has been sanitised by `ammonia`. Pages run no
//! script, and their Content-Security-Policy forbids any.

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::i18n::{Lang, Texts};
use crate::services::accounts::{self, Staff};
use crate::state::AppState;

const SESSION_COOKIE: &str = "tadamun_session";
/// The language a person chose with the switcher (a year; not a secret).
const LANG_COOKIE: &str = "tadamun_lang";
/// The sign-in form's token, before there is a session to tie it to.
const FORM_COOKIE: &str = "tadamun_form";

/// No scripts, no frames, no remote anything: a page shows text and forms.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

mod account;
mod admin;
mod alert_form;
mod alert_page;
mod analysis;
mod analysis_network;
mod dashboard;
mod groups;
mod organisation;
mod qr;
mod responses;
mod review;
mod session;
mod webhooks;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::routes())
        .merge(dashboard::routes())
        .merge(responses::routes())
        .merge(groups::routes())
        .merge(alert_form::routes())
        .merge(review::routes())
        .merge(alert_page::routes())
        .merge(analysis::routes())
        .merge(analysis_network::routes())
        .merge(account::routes())
        .merge(admin::routes())
        .merge(organisation::routes())
        .merge(webhooks::routes())
}

/// Who is looking and in which language: `?lang=` (which the switcher's
/// links set, and which is then remembered), else the language of the
/// signed-in person's account, else the one chosen before in this browser,
/// else the browser's `Accept-Language`, else English.
struct Viewer {
    lang: Lang,
    texts: std::sync::Arc<Texts>,
    /// The page's path and query without `lang`, for the switcher's links.
    path: String,
    /// The language `?lang=` chose, if it did: remembered from then on (in a
    /// cookie, and on the account of whoever is signed in).
    asked: Option<Lang>,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let asked = query
            .iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::from_tag(v));
        let remembered = CookieJar::from_headers(&parts.headers)
            .get(LANG_COOKIE)
            .and_then(|c| Lang::from_tag(c.value()));
        let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let lang = asked
            .or(remembered)
            .unwrap_or_else(|| crate::i18n::negotiate(None, accept));
        let rest: Vec<(String, String)> = query.into_iter().filter(|(k, _)| k != "lang").collect();
        let mut path = parts.uri.path().to_string();
        if !rest.is_empty() {
            path.push('?');
            path.push_str(
                &url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(rest)
                    .finish(),
            );
        }
        Ok(Viewer {
            lang,
            texts: state.texts.clone(),
            path,
            asked,
        })
    }
}

impl Viewer {
    fn t(&self, key: &str) -> String {
        self.texts.get(self.lang, key)
    }

    fn t_with(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.texts.get_with(self.lang, key, args)
    }

    /// A vocabulary value's label: `{prefix}-{value}` in the Fluent files.
    fn label(&self, prefix: &str, value: &str) -> String {
        self.t(&format!("{prefix}-{value}"))
    }

    /// The text of a language map in the viewer's language, else English,
    /// else its first language.
    fn pick<'m>(&self, map: &'m crate::domain::LangMap) -> &'m str {
        map.get(self.lang.code())
            .or_else(|| map.get("en"))
            .or_else(|| map.values().next())
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// A date in the viewer's language (Arabic-Indic digits in Arabic).
    fn date(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        self.lang.date(at)
    }

    /// A date and time in the viewer's language.
    fn date_time(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        self.lang.date_time(at)
    }

    /// A country's name in the viewer's language, from its ISO code.
    fn country(&self, code: &str) -> String {
        self.texts.country(self.lang, code)
    }

    /// A count in the viewer's digits.
    fn number(&self, n: impl std::fmt::Display) -> String {
        self.lang.number(n)
    }

    /// A link to this page in `lang`.
    fn in_lang(&self, lang: Lang) -> String {
        let separator = if self.path.contains('?') { '&' } else { '?' };
        format!("{}{separator}lang={}", self.path, lang.code())
    }

    /// The page, with its headers; remembers a language chosen just now.
    fn respond(&self, status: StatusCode, markup: Markup) -> Response {
        let mut response = with_headers(status, markup);
        if self.asked.is_some() {
            let cookie = Cookie::build((LANG_COOKIE, self.lang.code()))
                .path("/")
                .same_site(SameSite::Lax)
                .max_age(time::Duration::days(365))
                .build();
            if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

/// The token a signed-in person's forms carry, tied to their session: a page
/// of another site cannot know it, so it cannot make their browser send one
/// of our forms (with `SameSite=Strict` cookies as the second wall).
fn session_form_token(session_secret: &str) -> String {
    let digest = Sha256::digest(format!("tadamun page forms\0{session_secret}").as_bytes());
    hex::encode(&digest[..16])
}

/// Compares without telling by its timing how much of a token was right.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The headers every page carries, staff and public alike: no script, no
/// sniffing, no referrer to other sites.
pub(crate) fn secure_page_headers(headers: &mut axum::http::HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

/// The language switcher of every page: plain links (`link` makes the
/// address of this page in a language), each language named in itself.
pub(crate) fn language_switcher(texts: &Texts, current: Lang, link: impl Fn(Lang) -> String) -> Markup {
    html! {
        nav.languages aria-label=(texts.get(current, "language-switcher")) {
            @for lang in Lang::ALL {
                @let name = texts.get(lang, "language-name");
                @if lang == current {
                    span lang=(lang.code()) aria-current="true" { (name) }
                } @else {
                    a href=(link(lang)) lang=(lang.code()) hreflang=(lang.code()) { (name) }
                }
            }
        }
    }
}

fn with_headers(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup).into_response();
    let headers = response.headers_mut();
    secure_page_headers(headers);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Language"));
    response
}

/// A signed-in person and the token their forms carry.
struct SignedIn {
    staff: Staff,
    form_token: String,
}

fn layout(viewer: &Viewer, title: &str, who: Option<&SignedIn>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(viewer.lang.code()) dir=(viewer.lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (viewer.t("site-name")) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#main" { (viewer.t("skip-to-content")) }
                header {
                    strong.site { (viewer.t("site-name")) }
                    @if let Some(who) = who {
                        nav.main aria-label=(viewer.t("nav-main")) {
                            a href="/" { (viewer.t("nav-alerts")) }
                            @if who.staff.role.can_draft() {
                                a href="/alerts/new" { (viewer.t("nav-new-alert")) }
                            }
                            a href="/groups" { (viewer.t("nav-groups")) }
                            a href="/analysis" { (viewer.t("nav-analysis")) }
                            a href="/organisation" { (viewer.t("nav-organisation")) }
                            @if who.staff.node_operator {
                                a href="/admin" { (viewer.t("nav-administration")) }
                            }
                        }
                    }
                    (language_switcher(&viewer.texts, viewer.lang, |lang| viewer.in_lang(lang)))
                    @if let Some(who) = who {
                        a.who href="/account" { (viewer.t_with("signed-in-as", &[("user", &who.staff.username), ("org", &who.staff.org_name)])) }
                        form method="post" action="/logout" {
                            input type="hidden" name="form_token" value=(who.form_token);
                            button type="submit" { (viewer.t("sign-out")) }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    }
}

/// Logical properties (`inline-start`…) so that Arabic pages mirror.
const STYLE: &str = "body{font-family:system-ui,'Noto Sans','Noto Sans Arabic',sans-serif;max-width:48rem;\
margin:0 auto;padding:0 1rem 2rem;line-height:1.5;color:#1a1a1a}\
.skip{position:absolute;inset-inline-start:-999px}.skip:focus{position:static}\
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;border-bottom:1px solid #ccc;padding:.5rem 0}\
nav.languages{margin-inline-start:auto}nav.languages a,nav.languages span{margin-inline-start:.5rem}\
nav.languages span{font-weight:bold}header form{margin:0}.error{color:#a00}.meta{color:#555}\
article{border-top:1px solid #eee;padding:.5rem 0}.letter{white-space:pre-wrap;font-family:Georgia,serif}\
th{text-align:start;padding-inline-end:1rem}.content{overflow-wrap:anywhere}\
nav.main{display:flex;flex-wrap:wrap;gap:0 .75rem}.plain{white-space:pre-line}.box{border:1px solid #bbb;border-radius:.3rem;padding:0 1rem;margin:1rem 0}\
.private{border-color:#a60;background:#fff8ec}dl.facts{display:grid;grid-template-columns:minmax(6rem,max-content) 1fr;\
gap:.25rem 1rem}dl.facts dd{margin:0;overflow-wrap:anywhere}ul.inline{margin:0;padding:0;list-style:none}\
ul.inline li{display:inline}ul.inline li+li::before{content:' · '}.tag{font-size:.85em;border:1px solid #777;\
border-radius:.2rem;padding:0 .3rem}details{margin:.5rem 0}summary{cursor:pointer;font-weight:bold}\
label.choice,.field>label,.field>small{display:block}fieldset{margin:.5rem 0}textarea,input:not([type=radio],[type=checkbox]),select{\
box-sizing:border-box;max-width:100%;font:inherit}textarea{width:100%}.error-summary{border:2px solid #a00;padding:0 1rem}\
[aria-invalid=true]{border-color:#a00}svg.chart{max-width:100%;height:auto}figure.chart{margin:.5rem 0}\
.wide{overflow-x:auto}.chart-and-table{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem;align-items:start}.controls{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline}\
@media(max-width:40rem){.chart-and-table{display:block}}@media(max-width:30rem){dl.facts{display:block}dl.facts dd{margin-block-end:.5rem}}";

/// A page that says what went wrong, with the status the API would give:
/// a translated headline, and the node's own words as detail.
fn error_page(viewer: &Viewer, err: Error, who: Option<&SignedIn>) -> Response {
    let status = err.status_code();
    let headline = match status {
        StatusCode::NOT_FOUND => viewer.t("error-not-found"),
        StatusCode::FORBIDDEN => viewer.t("error-forbidden"),
        StatusCode::GONE => viewer.t("error-gone"),
        s if s.is_server_error() => viewer.t("error-internal"),
        _ => viewer.t("error-title"),
    };
    let detail = match &err {
        Error::Internal(_) | Error::Federation(_) => None,
        Error::Validation(fields) => Some(fields.0.values().cloned().collect::<Vec<_>>().join("; ")),
        other => Some(other.to_string()),
    };
    if status.is_server_error() {
        tracing::error!(error = %err, "page failed");
    }
    viewer.respond(
        status,
        layout(
            viewer,
            &viewer.t("error-title"),
            who,
            html! {
                h1 { (viewer.t("error-title")) }
                p.error role="alert" { (headline) }
                @if let Some(detail) = detail {
                    p.meta { (viewer.t("error-detail")) ": " span lang="en" { (detail) } }
                }
            },
        ),
    )
}

/// The signed-in staff member, or a redirect to the sign-in page. The page
/// speaks the language of their account, and a language they choose with
/// the switcher is kept on it (the same setting as `PATCH /api/v1/me`).
async fn signed_in(
    state: &AppState,
    viewer: &mut Viewer,
    jar: &CookieJar,
    back_to: &str,
) -> Result<SignedIn, Response> {
    match signed_in_or_not(state, viewer, jar).await? {
        Some(who) => Ok(who),
        None => Err(Redirect::to(&format!("/login?next={}", urlencode(back_to))).into_response()),
    }
}

/// The signed-in staff member, if there is one (as [`signed_in`], for a page
/// that shows something else to everyone else).
async fn signed_in_or_not(
    state: &AppState,
    viewer: &mut Viewer,
    jar: &CookieJar,
) -> Result<Option<SignedIn>, Response> {
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    match accounts::session_staff(&state.db, cookie.value(), state.clock.now()).await {
        Ok(staff) => {
            match (viewer.asked, staff.language) {
                (Some(asked), kept) if kept != Some(asked) => {
                    if let Err(err) = accounts::set_language(&state.db, &staff, Some(asked.code())).await {
                        return Err(error_page(viewer, err, None));
                    }
                }
                (None, Some(kept)) => viewer.lang = kept,
                _ => {}
            }
            Ok(Some(SignedIn {
                staff,
                form_token: session_form_token(cookie.value()),
            }))
        }
        Err(Error::Unauthorized(_)) => Ok(None),
        Err(other) => Err(error_page(viewer, other, None)),
    }
}

/// The signed-in staff member sending one of our forms: the form must carry
/// the token of their session, or it was made elsewhere (another site, an
/// old page after signing in again) and changes nothing: 403, with a page
/// that says how to send it again.
async fn signed_in_form(
    state: &AppState,
    viewer: &mut Viewer,
    jar: &CookieJar,
    back_to: &str,
    form_token: &str,
) -> Result<SignedIn, Response> {
    let who = signed_in(state, viewer, jar, back_to).await?;
    if !same_token(&who.form_token, form_token) {
        return Err(form_expired(viewer));
    }
    Ok(who)
}

/// The answer to a form that did not carry its session's token.
fn form_expired(viewer: &Viewer) -> Response {
    viewer.respond(
        StatusCode::FORBIDDEN,
        layout(
            viewer,
            &viewer.t("form-expired-title"),
            None,
            html! { h1 { (viewer.t("form-expired-title")) } p.error role="alert" { (viewer.t("form-expired-text")) } },
        ),
    )
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
        _ => "/".to_string(),
    }
}
