//! Signing in (with the second factor) and out.

use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use maud::html;
use serde::Deserialize;

use super::{
    FORM_COOKIE, SESSION_COOKIE, SignedIn, Viewer, error_page, form_expired, layout, safe_next, same_token,
    session_form_token,
};
use crate::error::Error;
use crate::request::ClientAddr;
use crate::services::accounts;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

/// The sign-in form, with a fresh form token (also set as a cookie: the
/// form counts only from the browser that was given it).
pub(super) fn login_form(viewer: &Viewer, next: &str, error: Option<&str>, status: StatusCode) -> Response {
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
    headers: axum::http::HeaderMap,
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
            // Names this browser in the list of sessions on the account page.
            let user_agent = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if let Err(err) = crate::services::own_account::note_session_browser(&state.db, &secret, user_agent).await {
                return error_page(&viewer, err, None);
            }
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
            return form_expired(&viewer);
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
