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
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::i18n::{Lang, Texts};
use crate::request::ClientAddr;
use crate::services::accounts::{self, Staff};
use crate::services::actions::{self, On};
use crate::state::AppState;

const SESSION_COOKIE: &str = "tadamun_session";
/// The language a person chose with the switcher (a year; not a secret).
const LANG_COOKIE: &str = "tadamun_lang";
/// The sign-in form's token, before there is a session to tie it to.
const FORM_COOKIE: &str = "tadamun_form";

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
                    @if who.is_some() {
                        nav aria-label=(viewer.t("nav-main")) {
                            a href="/groups" { (viewer.t("nav-groups")) }
                        }
                    }
                    (language_switcher(&viewer.texts, viewer.lang, |lang| viewer.in_lang(lang)))
                    @if let Some(who) = who {
                        span.who { (viewer.t_with("signed-in-as", &[("user", &who.staff.username), ("org", &who.staff.org_slug)])) }
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
th{text-align:start;padding-inline-end:1rem}.content{overflow-wrap:anywhere}";

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
    let to_login = || Redirect::to(&format!("/login?next={}", urlencode(back_to))).into_response();
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Err(to_login());
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
            Ok(SignedIn {
                staff,
                form_token: session_form_token(cookie.value()),
            })
        }
        Err(Error::Unauthorized(_)) => Err(to_login()),
        Err(other) => Err(error_page(viewer, other, None)),
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

/// The sign-in form, with a fresh form token (also set as a cookie: the
/// form counts only from the browser that was given it).
fn login_form(viewer: &Viewer, next: &str, error: Option<&str>, status: StatusCode) -> Response {
    let token = hex::encode(rand::random::<[u8; 16]>());
    let markup = layout(
        viewer,
        &viewer.t("login-title"),
        None,
        html! {
            h1 { (viewer.t("login-title")) }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                input type="hidden" name="form_token" value=(token);
                p { label { (viewer.t("login-username")) " " input name="username" autocomplete="username" required; } }
                p { label { (viewer.t("login-password")) " " input name="password" type="password" autocomplete="current-password" required; } }
                p {
                    label { (viewer.t("login-code")) " " input name="code" inputmode="numeric" autocomplete="one-time-code" aria-describedby="code-hint"; }
                    br; small.meta id="code-hint" { (viewer.t("login-code-hint")) }
                }
                p { button type="submit" { (viewer.t("login-submit")) } }
            }
        },
    );
    let cookie = Cookie::build((FORM_COOKIE, token))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::hours(2))
        .build();
    let mut response = viewer.respond(status, markup);
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn login_page(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Query(p): Query<NextParam>,
) -> Response {
    let next = safe_next(p.next.as_deref());
    if let Some(cookie) = jar.get(SESSION_COOKIE)
        && let Ok(staff) = accounts::session_staff(&state.db, cookie.value(), state.clock.now()).await
    {
        let who = SignedIn {
            form_token: session_form_token(cookie.value()),
            staff,
        };
        return viewer.respond(
            StatusCode::OK,
            layout(
                &viewer,
                &viewer.t("signed-in-title"),
                Some(&who),
                html! { h1 { (viewer.t("signed-in-title")) } p { (viewer.t_with("signed-in-text", &[("user", &who.staff.username)])) } },
            ),
        );
    }
    login_form(&viewer, &next, None, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    form_token: String,
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&form.next));
    // The form must come from the page this browser was given.
    let issued = jar.get(FORM_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if issued.is_empty() || !same_token(&issued, &form.form_token) {
        let expired = viewer.t("login-form-expired");
        return login_form(&viewer, &next, Some(&expired), StatusCode::FORBIDDEN);
    }
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
            let jar = jar.add(cookie).remove(Cookie::build(FORM_COOKIE).path("/login"));
            (jar, Redirect::to(&next)).into_response()
        }
        Err(Error::Unauthorized(_)) => {
            let refused = viewer.t("login-refused");
            login_form(&viewer, &next, Some(&refused), StatusCode::UNAUTHORIZED)
        }
        Err(err @ Error::TooManyRequests { .. }) => {
            let minutes = err
                .retry_after()
                .and_then(|v| v.to_str().ok().and_then(|s| s.parse::<u64>().ok()))
                .map(|seconds| seconds.div_ceil(60).max(1))
                .unwrap_or(15)
                .to_string();
            let locked = viewer.t_with("login-locked", &[("minutes", &minutes)]);
            let mut response = login_form(&viewer, &next, Some(&locked), StatusCode::TOO_MANY_REQUESTS);
            if let Some(value) = err.retry_after() {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
            response
        }
        Err(other) => error_page(&viewer, other, None),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    form_token: String,
}

async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        // Another site cannot sign a person out: the form carries the token
        // of their session.
        if !same_token(&session_form_token(cookie.value()), &form.form_token) {
            return viewer.respond(
                StatusCode::FORBIDDEN,
                layout(
                    &viewer,
                    &viewer.t("form-expired-title"),
                    None,
                    html! { h1 { (viewer.t("form-expired-title")) } p.error role="alert" { (viewer.t("form-expired-text")) } },
                ),
            );
        }
        if let Err(err) = accounts::end_session(&state.db, cookie.value()).await {
            return error_page(&viewer, err, None);
        }
    }
    (
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response()
}

async fn responses_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, &format!("/alerts/{id}/responses")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let staff = &who.staff;
    let responses = match actions::responses(&state, staff, On::Local(&id)).await {
        Ok(r) => r,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let alert = match crate::services::alerts::get(&state, staff, &id).await {
        Ok(a) => a,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let heading = viewer.t_with("responses-heading", &[("number", &alert.number)]);
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &heading,
            Some(&who),
            html! {
                h1 { (heading) }
                p.title { (viewer.pick(&alert.content.title)) }
                p.meta { (viewer.t("responses-status")) ": " (viewer.label("status", alert.status.as_str())) }
                h2 { (viewer.t("responses-collective")) }
                table {
                    @for (kind, n) in &responses.counts {
                        tr { th scope="row" { (viewer.label("response-kind", kind)) } td.count data-kind=(kind) { (n) } }
                    }
                }
                h2 { (viewer.t("responses-cosigned-by")) }
                @if responses.cosignatories.is_empty() { p.meta { (viewer.t("responses-none")) } }
                ul id="cosignatories" {
                    @for s in &responses.cosignatories { li { (s.name) } }
                }
                p { a href=(format!("/alerts/{id}/letter")) { (viewer.t("responses-letter-link")) } }
                h2 { (viewer.t("responses-list")) }
                @for a in &responses.items {
                    article.action data-kind=(a.kind) {
                        p.meta {
                            strong { (a.org_name) } " · " (viewer.label("response-kind", a.kind.as_str()))
                            @if let Some(t) = a.support_type { " · " (viewer.label("support-type", t.as_str())) }
                            @if let Some(o) = a.outcome { " · " (viewer.label("report-outcome", o.as_str())) }
                            @if let Some(d) = a.due { " · " (viewer.t_with("response-due", &[("date", &d.format("%Y-%m-%d").to_string())])) }
                            @if let Some(s) = a.pledge_status { " · " (viewer.label("pledge-status", s)) }
                            @if let Some(to) = &a.addressee { " · " (viewer.t_with("response-to", &[("addressee", to)])) }
                        }
                        @for (lang, text) in &a.content {
                            // Stored sanitised; cleaned again here, so a page never
                            // depends on what an older version let through.
                            div.content lang=(lang) { (PreEscaped(ammonia::clean(text))) }
                        }
                    }
                }
                @if !responses.support_offers_visible {
                    p.meta { (viewer.t("responses-offers-private")) }
                }
            },
        ),
    )
}

#[derive(Deserialize)]
struct LetterParam {
    /// The letter's language (`lang` is the page's).
    letter: Option<String>,
}

async fn letter_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(p): Query<LetterParam>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, &format!("/alerts/{id}/letter")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let letter_lang = p.letter.as_deref().or(Some(viewer.lang.code()));
    let letter = match actions::letter(&state, &who.staff, &id, letter_lang).await {
        Ok(l) => l,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let download = format!("/alerts/{id}/letter.txt?letter={}", urlencode(&letter.language));
    let language_name = |code: &str| {
        Lang::from_tag(code)
            .map(|l| viewer.texts.get(l, "language-name"))
            .unwrap_or_else(|| code.to_string())
    };
    let heading = viewer.t_with("letter-heading", &[("number", &letter.number)]);
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &heading,
            Some(&who),
            html! {
                h1 { (heading) }
                p.meta {
                    (viewer.t("letter-language")) ": " span lang=(letter.language) { (language_name(&letter.language)) }
                    @for l in &letter.languages {
                        @if *l != letter.language {
                            " · " a href=(format!("/alerts/{id}/letter?letter={}", urlencode(l))) lang=(l) hreflang=(l) { (language_name(l)) }
                        }
                    }
                    @if let Some(d) = letter.deadline { " · " (viewer.t_with("letter-send-by", &[("date", &d.format("%Y-%m-%d").to_string())])) }
                }
                section id="addressees" aria-label=(viewer.t("letter-addressees")) lang=(letter.language) {
                    @for a in &letter.addressees {
                        p { (a.name) @if let Some(i) = &a.institution { ", " (i) } }
                    }
                }
                div lang=(letter.language) dir=(Lang::from_tag(&letter.language).map_or("auto", Lang::dir)) {
                    h2 { (letter.title) }
                    div.letter id="body" { (letter.body) }
                }
                h2 { (viewer.t("letter-signed")) }
                ol id="signatories" {
                    li { (letter.signed_by) }
                    @for s in &letter.cosignatories { li { (s.name) } }
                }
                p { a id="download" href=(download) download { (viewer.t("letter-download")) } }
            },
        ),
    )
}

async fn letter_download(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(p): Query<LetterParam>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, &format!("/alerts/{id}/letter")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match actions::letter(&state, &who.staff, &id, p.letter.as_deref()).await {
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
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

/// The host of a group's address, as the page names where it lives.
fn host_of(uri: &str) -> String {
    url::Url::parse(uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default()
}

/// A group's members and alerts, as far as the viewer may see them.
struct GroupDetails {
    group: crate::services::groups::GroupView,
    members: Option<Vec<crate::services::groups::MemberView>>,
    alerts: Vec<crate::services::groups::GroupAlert>,
}

async fn groups_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/groups").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let staff = &who.staff;
    let groups = match crate::services::groups::list(&state, staff).await {
        Ok(g) => g,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let mut details = Vec::new();
    for group in groups {
        // Who is in a group is shown only to those the API shows it to, and
        // only for groups here: the members of a group elsewhere come from its
        // node (`/api/v1/groups/{id}/members`), and this page never waits on
        // another node.
        let members = if group.hosted {
            crate::services::groups::members(&state, staff, &group.id).await.ok()
        } else {
            None
        };
        let alerts = match crate::services::groups::alerts(&state, staff, &group.id).await {
            Ok(a) => a,
            Err(e) => return error_page(&viewer, e, Some(&who)),
        };
        details.push(GroupDetails { group, members, alerts });
    }
    let title = viewer.t("groups-title");
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &title,
            Some(&who),
            html! {
                h1 { (title) }
                @if details.is_empty() { p { (viewer.t("groups-none")) } }
                @for d in &details {
                    section.group data-uri=(d.group.uri) {
                        h2 { (d.group.name) }
                        p.meta {
                            (viewer.label("group-kind", &d.group.kind)) " · "
                            @if d.group.hosted {
                                (viewer.t("group-on-this-node"))
                            } @else {
                                (viewer.t_with("group-elsewhere", &[("host", &host_of(&d.group.uri))]))
                            }
                            @if !d.group.languages.is_empty() { " · " (d.group.languages.join(", ")) }
                        }
                        @if !d.group.description.is_empty() { p { (d.group.description) } }
                        p.membership {
                            (viewer.t("group-your-organisation")) ": "
                            span.state data-state=(d.group.membership) { (viewer.label("membership", &d.group.membership)) }
                        }
                        @if let Some(members) = &d.members {
                            h3 { (viewer.t("group-members")) }
                            ul.members {
                                @for m in members {
                                    li data-state=(m.state) { (m.name) " (" (viewer.label("membership", m.state.as_str())) ")" }
                                }
                            }
                        }
                        h3 { (viewer.t("group-alerts")) }
                        @if d.alerts.is_empty() { p.meta { (viewer.t("group-no-alerts")) } }
                        ul.alerts {
                            @for a in &d.alerts {
                                li { (a.number) ": " (a.title) " (" (viewer.label("status", a.status.as_str())) ")" }
                            }
                        }
                    }
                }
            },
        ),
    )
}
