//! The signed-in staff member's own account, at `/account` (their name in
//! the header links here): who they are, their password, their second factor
//! (enrolled with a QR code the node draws, confirmed with a code before it
//! replaces the old one) and recovery codes, the language of the pages, the
//! browsers they are signed in with, their API tokens, and signing out
//! everywhere. Each form calls the service the JSON API calls
//! (`/api/v1/me…`, `/api/v1/tokens…`), or one of `services::own_account`,
//! and acts on the signed-in person only.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use maud::{Markup, html};
use serde::Deserialize;

use super::{SESSION_COOKIE, SignedIn, Viewer, error_page, layout, qr, signed_in, signed_in_form};
use crate::db::accounts::TokenRow;
use crate::domain::FieldErrors;
use crate::error::Error;
use crate::i18n::Lang;
use crate::services::accounts::{self, MIN_PASSWORD_LEN};
use crate::services::notifications::{self, NotificationSettings, NotificationSettingsChange};
use crate::services::own_account::{self, PasswordChange, PendingSecondFactor, SecondFactorStatus, SessionView};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/two-factor", get(pending_page).post(start_two_factor))
        .route("/account/two-factor/confirm", post(confirm_two_factor))
        .route("/account/recovery-codes", post(renew_recovery_codes))
        .route("/account/language", post(set_language))
        .route("/account/notifications", post(save_notifications))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route(
            "/account/sign-out-everywhere",
            get(sign_out_everywhere_page).post(sign_out_everywhere),
        )
}

/// Hidden until focused or read aloud: the token's name on each "Revoke"
/// button, for whoever hears the buttons without the table around them.
const ACCOUNT_STYLE: &str = ".hidden-label{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);\
white-space:nowrap}figure.qr{margin:1rem 0}figure.qr svg{max-width:100%;height:auto}\
code.secret,code.token{overflow-wrap:anywhere;font-size:1.1em}ol.codes code{font-size:1.1em}\
.table-wrap{overflow-x:auto;position:relative}.notice{border-inline-start:4px solid #2a7;padding-inline-start:.75rem}";

/// The cookie secret of the session this request comes with.
fn session_secret(jar: &CookieJar) -> Option<String> {
    jar.get(SESSION_COOKIE).map(|c| c.value().to_string())
}

/// A message next to a field, in the viewer's language, for what the
/// services found wrong with it.
fn field_message(viewer: &Viewer, field: &str, max_token_days: u32) -> String {
    match field {
        "current_password" | "enrol_password" | "codes_password" => viewer.t("account-error-current-password"),
        "new_password" => viewer.t_with(
            "account-error-new-password",
            &[("min", &viewer.number(MIN_PASSWORD_LEN))],
        ),
        "new_password_again" => viewer.t("account-error-new-password-again"),
        "code" => viewer.t("account-error-code"),
        "name" => viewer.t("account-error-token-name"),
        "expires_in_days" => viewer.t_with("account-error-token-days", &[("max", &viewer.number(max_token_days))]),
        "language" => viewer.t("account-error-language"),
        "email" => viewer.t("account-error-email"),
        "countries" => viewer.t("account-error-countries"),
        "languages" => viewer.t("account-error-languages"),
        _ => viewer.t("error-title"),
    }
}

/// A form's field errors, renamed to the fields of the page's form (the
/// services name the password `password` whichever form asked for it).
fn renamed(errors: FieldErrors, from: &str, to: &str) -> FieldErrors {
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|(field, message)| (if field == from { to.to_string() } else { field }, message))
            .collect(),
    )
}

/// One labelled field, with its error (if any) next to it.
#[allow(clippy::too_many_arguments)]
fn field(
    viewer: &Viewer,
    errors: Option<&FieldErrors>,
    name: &str,
    label: &str,
    kind: &str,
    value: &str,
    autocomplete: &str,
    max_token_days: u32,
) -> Markup {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let error = errors.filter(|e| e.0.contains_key(name));
    html! {
        div.field {
            label for=(id) { (label) }
            @if error.is_some() {
                small.error id=(error_id) role="alert" { (field_message(viewer, name, max_token_days)) }
            }
            input id=(id) name=(name) type=(kind) value=(value) autocomplete=(autocomplete)
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
        }
    }
}

/// What a form sent that was refused, shown again with its errors.
enum Refused {
    Password {
        current: String,
        new: String,
        again: String,
        errors: FieldErrors,
    },
    Enrol(FieldErrors),
    RecoveryCodes(FieldErrors),
    Language(FieldErrors),
    Notifications {
        form: Box<NotificationsForm>,
        errors: FieldErrors,
    },
    Token {
        name: String,
        days: String,
        errors: FieldErrors,
    },
}

impl Refused {
    fn password(&self) -> Option<&FieldErrors> {
        match self {
            Refused::Password { errors, .. } => Some(errors),
            _ => None,
        }
    }
}

/// What `/account` shows besides the forms.
struct AccountData {
    notifications: NotificationSettings,
    second_factor: SecondFactorStatus,
    sessions: Vec<SessionView>,
    tokens: Vec<TokenRow>,
    token_days: u32,
    token_max_days: u32,
}

async fn load(state: &AppState, who: &SignedIn, jar: &CookieJar) -> crate::error::Result<AccountData> {
    let staff = &who.staff;
    let now = crate::clock::to_millis(state.clock.now());
    let tokens = accounts::tokens_of(&state.db, &staff.user_id, staff)
        .await?
        .into_iter()
        .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|at| at > now))
        .collect();
    Ok(AccountData {
        notifications: notifications::settings(state, staff).await?,
        second_factor: own_account::second_factor_status(&state.db, staff).await?,
        sessions: own_account::sessions(state, staff, session_secret(jar).as_deref()).await?,
        tokens,
        token_days: state.config.access.token_days,
        token_max_days: state.config.access.token_max_days,
    })
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
    /// How many other sessions a password change ended.
    ended: Option<u64>,
}

async fn account_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Query(done): Query<Done>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/account").await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let notice = match done.done.as_deref() {
        Some("password") => Some(viewer.t_with(
            "account-password-changed",
            &[("count", &viewer.number(done.ended.unwrap_or(0)))],
        )),
        Some("language") => Some(viewer.t("account-language-saved")),
        Some("notifications") => Some(viewer.t("account-notices-saved")),
        Some("revoked") => Some(viewer.t("account-token-revoked")),
        _ => None,
    };
    render_account(&state, &viewer, &who, &jar, StatusCode::OK, notice, None).await
}

/// The account page, with a notice of what was just done, or a refused
/// form shown again with what was typed and its errors.
async fn render_account(
    state: &AppState,
    viewer: &Viewer,
    who: &SignedIn,
    jar: &CookieJar,
    status: StatusCode,
    notice: Option<String>,
    refused: Option<Refused>,
) -> Response {
    let data = match load(state, who, jar).await {
        Ok(d) => d,
        Err(e) => return error_page(viewer, e, Some(who)),
    };
    let title = viewer.t("account-title");
    let staff = &who.staff;
    let max_days = data.token_max_days;
    let password_errors = refused.as_ref().and_then(Refused::password);
    let (current, new, again) = match &refused {
        Some(Refused::Password {
            current, new, again, ..
        }) => (current.as_str(), new.as_str(), again.as_str()),
        _ => ("", "", ""),
    };
    let enrol_errors = match &refused {
        Some(Refused::Enrol(e)) => Some(e),
        _ => None,
    };
    let codes_errors = match &refused {
        Some(Refused::RecoveryCodes(e)) => Some(e),
        _ => None,
    };
    let language_errors = match &refused {
        Some(Refused::Language(e)) => Some(e),
        _ => None,
    };
    let (token_name, token_days, token_errors) = match &refused {
        Some(Refused::Token { name, days, errors }) => (name.clone(), days.clone(), Some(errors)),
        _ => (String::new(), data.token_days.to_string(), None),
    };
    let language_name = |lang: Lang| viewer.texts.get(lang, "language-name");
    let body = html! {
        style { (ACCOUNT_STYLE) }
        h1 { (title) }
        @if let Some(notice) = &notice { p.notice id="notice" role="status" { (notice) } }
        @if refused.is_some() { p.error role="alert" id="refused" { (viewer.t("account-refused")) } }

        section aria-labelledby="who-heading" {
            h2 id="who-heading" { (viewer.t("account-who")) }
            dl.facts id="who" {
                dt { (viewer.t("account-username")) } dd { (staff.username) }
                dt { (viewer.t("account-organisation")) } dd { (staff.org_name) " (" (staff.org_slug) ")" }
                dt { (viewer.t("account-role")) }
                dd {
                    (viewer.label("role", staff.role.as_str()))
                    @if staff.node_operator { " · " (viewer.t("account-operator")) }
                }
                dt { (viewer.t("account-language")) }
                dd {
                    @match staff.language {
                        Some(lang) => span lang=(lang.code()) { (language_name(lang)) },
                        None => (viewer.t("account-language-browser")),
                    }
                }
            }
        }

        section aria-labelledby="password-heading" {
            h2 id="password-heading" { (viewer.t("account-password-heading")) }
            p { (viewer.t_with("account-password-rules", &[("min", &viewer.number(MIN_PASSWORD_LEN))])) }
            form method="post" action="/account/password" id="password-form" {
                input type="hidden" name="form_token" value=(who.form_token);
                (field(viewer, password_errors, "current_password", &viewer.t("account-current-password"), "password", current, "current-password", max_days))
                (field(viewer, password_errors, "new_password", &viewer.t("account-new-password"), "password", new, "new-password", max_days))
                (field(viewer, password_errors, "new_password_again", &viewer.t("account-new-password-again"), "password", again, "new-password", max_days))
                p.meta { (viewer.t("account-password-ends-sessions")) }
                p { button type="submit" { (viewer.t("account-password-submit")) } }
            }
        }

        section aria-labelledby="two-factor-heading" id="two-factor" {
            h2 id="two-factor-heading" { (viewer.t("account-two-factor-heading")) }
            @if !data.second_factor.required {
                p { (viewer.t("account-two-factor-not-needed")) }
            } @else {
                @if data.second_factor.enrolled {
                    p id="two-factor-status" {
                        (viewer.t("account-two-factor-enrolled")) " "
                        (viewer.t_with("account-recovery-codes-left", &[("count", &viewer.number(data.second_factor.recovery_codes_left.unwrap_or(0)))]))
                    }
                } @else {
                    p id="two-factor-status" { (viewer.t("account-two-factor-missing")) }
                }
                @if data.second_factor.pending {
                    p { a href="/account/two-factor" id="continue-enrolment" { (viewer.t("account-two-factor-continue")) } }
                }
                form method="post" action="/account/two-factor" id="enrol-form" {
                    input type="hidden" name="form_token" value=(who.form_token);
                    p { (viewer.t("account-two-factor-explain")) }
                    (field(viewer, enrol_errors, "enrol_password", &viewer.t("account-confirm-with-password"), "password", "", "current-password", max_days))
                    p { button type="submit" { (viewer.t("account-two-factor-start")) } }
                }
                @if data.second_factor.enrolled {
                    form method="post" action="/account/recovery-codes" id="codes-form" {
                        input type="hidden" name="form_token" value=(who.form_token);
                        p { (viewer.t("account-recovery-codes-explain")) }
                        (field(viewer, codes_errors, "codes_password", &viewer.t("account-confirm-with-password"), "password", "", "current-password", max_days))
                        p { button type="submit" { (viewer.t("account-recovery-codes-submit")) } }
                    }
                }
            }
        }

        section aria-labelledby="language-heading" {
            h2 id="language-heading" { (viewer.t("account-language-heading")) }
            form method="post" action="/account/language" id="language-form" {
                input type="hidden" name="form_token" value=(who.form_token);
                div.field {
                    label for="field-language" { (viewer.t("account-language-label")) }
                    @if language_errors.is_some() {
                        small.error id="field-language-error" role="alert" { (field_message(viewer, "language", max_days)) }
                    }
                    select id="field-language" name="language"
                        aria-invalid=[language_errors.map(|_| "true")] aria-describedby=[language_errors.map(|_| "field-language-error")] {
                        option value="" selected[staff.language.is_none()] { (viewer.t("account-language-browser")) }
                        @for lang in Lang::ALL {
                            option value=(lang.code()) lang=(lang.code()) selected[staff.language == Some(lang)] { (language_name(lang)) }
                        }
                    }
                }
                p { button type="submit" { (viewer.t("account-language-submit")) } }
            }
        }

        section aria-labelledby="sessions-heading" {
            h2 id="sessions-heading" { (viewer.t("account-sessions-heading")) }
            div.table-wrap {
                table id="sessions" {
                    caption { (viewer.t("account-sessions-caption")) }
                    thead { tr {
                        th scope="col" { (viewer.t("account-session-started")) }
                        th scope="col" { (viewer.t("account-session-last-used")) }
                        th scope="col" { (viewer.t("account-session-browser")) }
                    } }
                    tbody {
                        @for session in &data.sessions {
                            tr.current[session.current] {
                                td { (viewer.date_time(session.started_at))
                                    @if session.current { " " span.tag { (viewer.t("account-session-this-one")) } } }
                                td { @match session.last_used_at {
                                    Some(at) => (viewer.date_time(at)),
                                    None => (viewer.t("account-never")),
                                } }
                                td.content { @match &session.browser {
                                    Some(browser) => span lang="en" dir="ltr" { (browser) },
                                    None => (viewer.t("account-session-browser-unknown")),
                                } }
                            }
                        }
                    }
                }
            }
        }

        (notices_section(viewer, who, &data.notifications, match &refused {
            Some(Refused::Notifications { form, errors }) => Some((&**form, errors)),
            _ => None,
        }))

        section aria-labelledby="tokens-heading" {
            h2 id="tokens-heading" { (viewer.t("account-tokens-heading")) }
            p { (viewer.t("account-tokens-explain")) }
            @if data.tokens.is_empty() {
                p id="no-tokens" { (viewer.t("account-tokens-none")) }
            } @else {
                div.table-wrap {
                    table id="tokens" {
                        caption { (viewer.t("account-tokens-caption")) }
                        thead { tr {
                            th scope="col" { (viewer.t("account-token-name")) }
                            th scope="col" { (viewer.t("account-token-created")) }
                            th scope="col" { (viewer.t("account-token-last-used")) }
                            th scope="col" { (viewer.t("account-token-expires")) }
                            th scope="col" { span.hidden-label { (viewer.t("account-token-actions")) } }
                        } }
                        tbody {
                            @for token in &data.tokens {
                                tr data-token-id=(token.id) {
                                    td.content { (token.name) }
                                    td { (viewer.date_time(crate::clock::from_millis(token.created_at))) }
                                    td { @match token.last_used_at {
                                        Some(at) => (viewer.date_time(crate::clock::from_millis(at))),
                                        None => (viewer.t("account-never")),
                                    } }
                                    td { @if let Some(at) = token.expires_at { (viewer.date(crate::clock::from_millis(at))) } }
                                    td {
                                        form method="post" action=(format!("/account/tokens/{}/revoke", token.id)) {
                                            input type="hidden" name="form_token" value=(who.form_token);
                                            button type="submit" {
                                                (viewer.t("account-token-revoke"))
                                                span.hidden-label { " " (token.name) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h3 { (viewer.t("account-token-new-heading")) }
            form method="post" action="/account/tokens" id="token-form" {
                input type="hidden" name="form_token" value=(who.form_token);
                (field(viewer, token_errors, "name", &viewer.t("account-token-name-label"), "text", &token_name, "off", max_days))
                (field(viewer, token_errors, "expires_in_days", &viewer.t_with("account-token-days-label", &[("max", &viewer.number(max_days))]), "number", &token_days, "off", max_days))
                p { button type="submit" { (viewer.t("account-token-submit")) } }
            }
        }

        section aria-labelledby="everywhere-heading" {
            h2 id="everywhere-heading" { (viewer.t("account-everywhere-heading")) }
            p { (viewer.t("account-everywhere-explain")) }
            p { a href="/account/sign-out-everywhere" id="sign-out-everywhere" { (viewer.t("account-everywhere-link")) } }
        }
    };
    viewer.respond(status, layout(viewer, &title, Some(who), body))
}

/// What went wrong with a form: its errors, to show next to its fields
/// (422), or anything else as the error page.
fn field_errors_or(err: Error) -> Result<FieldErrors, Error> {
    match err {
        Error::Validation(errors) => Ok(errors),
        other => Err(other),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

async fn change_password(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/account", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let change = PasswordChange {
        current: &form.current_password,
        new: &form.new_password,
        again: &form.new_password_again,
    };
    match own_account::change_password(&state, &who.staff, session_secret(&jar).as_deref(), change).await {
        Ok(ended) => Redirect::to(&format!("/account?done=password&ended={ended}")).into_response(),
        Err(err) => match field_errors_or(err) {
            Ok(errors) => {
                let refused = Refused::Password {
                    current: form.current_password,
                    new: form.new_password,
                    again: form.new_password_again,
                    errors,
                };
                render_account(
                    &state,
                    &viewer,
                    &who,
                    &jar,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(refused),
                )
                .await
            }
            Err(other) => error_page(&viewer, other, Some(&who)),
        },
    }
}

#[derive(Deserialize)]
struct EnrolForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    enrol_password: String,
}

async fn start_two_factor(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<EnrolForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/account", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    match own_account::start_second_factor(&state, &who.staff, &form.enrol_password).await {
        Ok(pending) => pending_markup(&viewer, &who, &pending, None, StatusCode::OK),
        Err(err) => match field_errors_or(err) {
            Ok(errors) => {
                let refused = Refused::Enrol(renamed(errors, "password", "enrol_password"));
                render_account(
                    &state,
                    &viewer,
                    &who,
                    &jar,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(refused),
                )
                .await
            }
            Err(other) => error_page(&viewer, other, Some(&who)),
        },
    }
}

/// The enrolment waiting for its code, shown again (after a mistyped code,
/// or from the account page's link).
async fn pending_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/account/two-factor").await {
        Ok(w) => w,
        Err(r) => return r,
    };
    match own_account::pending_second_factor(&state, &who.staff).await {
        Ok(Some(pending)) => pending_markup(&viewer, &who, &pending, None, StatusCode::OK),
        Ok(None) => Redirect::to("/account").into_response(),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

/// The base32 secret in groups of four, easier to read out and type.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The QR code and the secret of a new second factor, and the form that
/// confirms it with a code.
fn pending_markup(
    viewer: &Viewer,
    who: &SignedIn,
    pending: &PendingSecondFactor,
    errors: Option<&FieldErrors>,
    status: StatusCode,
) -> Response {
    let title = viewer.t("account-enrol-title");
    let picture = qr::qr_code(&pending.totp_uri, &viewer.t("account-enrol-qr-label"));
    viewer.respond(
        status,
        layout(
            viewer,
            &title,
            Some(who),
            html! {
                style { (ACCOUNT_STYLE) }
                h1 { (title) }
                p { (viewer.t("account-enrol-old-still-works")) }
                h2 { (viewer.t("account-enrol-scan")) }
                @if let Some(picture) = picture { (picture) }
                h2 { (viewer.t("account-enrol-type")) }
                p { (viewer.t("account-enrol-type-explain")) }
                dl.facts {
                    dt { (viewer.t("account-enrol-secret")) }
                    dd { code.secret id="totp-secret" dir="ltr" { (grouped(&pending.secret)) } }
                    dt { (viewer.t("account-enrol-account")) }
                    dd { span dir="ltr" { "Tadamun: " (who.staff.username) } }
                    dt { (viewer.t("account-enrol-kind")) }
                    dd { (viewer.t("account-enrol-kind-value")) }
                }
                h2 { (viewer.t("account-enrol-confirm-heading")) }
                form method="post" action="/account/two-factor/confirm" id="confirm-form" {
                    input type="hidden" name="form_token" value=(who.form_token);
                    div.field {
                        label for="field-code" { (viewer.t("account-enrol-code")) }
                        @if errors.is_some_and(|e| e.0.contains_key("code")) {
                            small.error id="field-code-error" role="alert" { (viewer.t("account-error-code")) }
                        }
                        input id="field-code" name="code" inputmode="numeric" autocomplete="one-time-code" required
                            aria-invalid=[errors.map(|_| "true")] aria-describedby=[errors.map(|_| "field-code-error")];
                    }
                    p { button type="submit" { (viewer.t("account-enrol-confirm")) } }
                }
                p { a href="/account" { (viewer.t("account-back")) } }
            },
        ),
    )
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    code: String,
}

async fn confirm_two_factor(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/account/two-factor", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    match own_account::confirm_second_factor(&state, &who.staff, &form.code).await {
        Ok(codes) => recovery_codes_markup(&viewer, &who, &codes, "account-enrolled-title"),
        Err(err) => match field_errors_or(err) {
            Ok(errors) => match own_account::pending_second_factor(&state, &who.staff).await {
                Ok(Some(pending)) => {
                    pending_markup(&viewer, &who, &pending, Some(&errors), StatusCode::UNPROCESSABLE_ENTITY)
                }
                Ok(None) => Redirect::to("/account").into_response(),
                Err(e) => error_page(&viewer, e, Some(&who)),
            },
            Err(other) => error_page(&viewer, other, Some(&who)),
        },
    }
}

/// Recovery codes, shown this once.
fn recovery_codes_markup(viewer: &Viewer, who: &SignedIn, codes: &[String], title_key: &str) -> Response {
    let title = viewer.t(title_key);
    viewer.respond(
        StatusCode::OK,
        layout(
            viewer,
            &title,
            Some(who),
            html! {
                style { (ACCOUNT_STYLE) }
                h1 { (title) }
                p role="status" { strong { (viewer.t("account-codes-once")) } }
                p { (viewer.t("account-codes-explain")) }
                ol.codes id="recovery-codes" dir="ltr" {
                    @for code in codes { li { code { (code) } } }
                }
                p { a href="/account" { (viewer.t("account-back")) } }
            },
        ),
    )
}

#[derive(Deserialize)]
struct CodesForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    codes_password: String,
}

async fn renew_recovery_codes(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<CodesForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/account", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    match own_account::renew_recovery_codes(&state, &who.staff, &form.codes_password).await {
        Ok(codes) => recovery_codes_markup(&viewer, &who, &codes, "account-new-codes-title"),
        Err(err) => match field_errors_or(err) {
            Ok(errors) => {
                let refused = Refused::RecoveryCodes(renamed(errors, "password", "codes_password"));
                render_account(
                    &state,
                    &viewer,
                    &who,
                    &jar,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(refused),
                )
                .await
            }
            Err(other) => error_page(&viewer, other, Some(&who)),
        },
    }
}

#[derive(Deserialize)]
struct LanguageForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    language: String,
}

async fn set_language(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<LanguageForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/account", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let language = Some(form.language.as_str()).filter(|l| !l.is_empty());
    match accounts::set_language(&state.db, &who.staff, language).await {
        Ok(()) => Redirect::to("/account?done=language").into_response(),
        Err(err) => match field_errors_or(err) {
            Ok(errors) => {
                let refused = Refused::Language(errors);
                render_account(
                    &state,
                    &viewer,
                    &who,
                    &jar,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(refused),
                )
                .await
            }
            Err(other) => error_page(&viewer, other, Some(&who)),
        },
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in_days: String,
}

async fn create_token(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<TokenForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/account", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let days = form.expires_in_days.trim();
    let result = if days.is_empty() {
        Ok(None)
    } else {
        days.parse::<i64>()
            .map(Some)
            .map_err(|_| Error::from(FieldErrors::single("expires_in_days", "a whole number of days")))
    };
    let result = match result {
        Ok(days) => accounts::issue_token(&state, &who.staff.user_id, &form.name, days, state.clock.now()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((plain, row)) => {
            let title = viewer.t("account-token-created-title");
            viewer.respond(
                StatusCode::CREATED,
                layout(
                    &viewer,
                    &title,
                    Some(&who),
                    html! {
                        style { (ACCOUNT_STYLE) }
                        h1 { (title) }
                        p role="status" { strong { (viewer.t("account-token-once")) } }
                        dl.facts {
                            dt { (viewer.t("account-token-name")) } dd { (row.name) }
                            dt { (viewer.t("account-token-secret")) } dd { code.token id="new-token" dir="ltr" { (plain) } }
                            dt { (viewer.t("account-token-expires")) }
                            dd { @if let Some(at) = row.expires_at { (viewer.date(crate::clock::from_millis(at))) } }
                        }
                        p { (viewer.t("account-token-use")) }
                        p { a href="/account" { (viewer.t("account-back")) } }
                    },
                ),
            )
        }
        Err(err) => match field_errors_or(err) {
            Ok(errors) => {
                let refused = Refused::Token {
                    name: form.name,
                    days: form.expires_in_days,
                    errors,
                };
                render_account(
                    &state,
                    &viewer,
                    &who,
                    &jar,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(refused),
                )
                .await
            }
            Err(other) => error_page(&viewer, other, Some(&who)),
        },
    }
}

#[derive(Deserialize)]
struct PlainForm {
    #[serde(default)]
    form_token: String,
    /// Set by the confirmation page of signing out everywhere.
    #[serde(default)]
    confirm: String,
}

async fn revoke_token(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<PlainForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/account", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    match accounts::revoke_token(&state.db, &who.staff.user_id, &id, state.clock.now(), &who.staff).await {
        Ok(()) => Redirect::to("/account?done=revoked").into_response(),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

/// What signing out everywhere does, before it is done.
fn sign_out_confirmation(viewer: &Viewer, who: &SignedIn, status: StatusCode) -> Response {
    let title = viewer.t("account-everywhere-heading");
    viewer.respond(
        status,
        layout(
            viewer,
            &title,
            Some(who),
            html! {
                h1 { (title) }
                div.box id="everywhere-consequences" role="note" {
                    p { (viewer.t("account-everywhere-sessions")) }
                    p { (viewer.t("account-everywhere-tokens")) }
                    p { strong { (viewer.t("account-everywhere-this-browser")) } }
                }
                form method="post" action="/account/sign-out-everywhere" id="everywhere-form" {
                    input type="hidden" name="form_token" value=(who.form_token);
                    input type="hidden" name="confirm" value="yes";
                    p { button type="submit" { (viewer.t("account-everywhere-confirm")) } }
                }
                p { a href="/account" { (viewer.t("account-everywhere-cancel")) } }
            },
        ),
    )
}

async fn sign_out_everywhere_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/account/sign-out-everywhere").await {
        Ok(w) => w,
        Err(r) => return r,
    };
    sign_out_confirmation(&viewer, &who, StatusCode::OK)
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<PlainForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/account", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    if form.confirm != "yes" {
        // Not from the confirmation page: say what it does first.
        return sign_out_confirmation(&viewer, &who, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let staff = &who.staff;
    match accounts::sign_out_everywhere(&state.db, &staff.user_id, state.clock.now(), staff).await {
        Ok(()) => (
            jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
            Redirect::to("/login"),
        )
            .into_response(),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

/// What the notices form sent: the address, the urgency, the lists as typed
/// (comma-separated codes) and the boxes ticked.
#[derive(Debug, Clone, Default)]
struct NotificationsForm {
    form_token: String,
    email: String,
    min_urgency: String,
    countries: String,
    languages: String,
    violation_types: Vec<String>,
    rights: Vec<String>,
    sectors: Vec<String>,
    /// Actor ids, as typed (one per line).
    groups: String,
    organisations: String,
    own_organisation: bool,
    responses: bool,
    overdue_pledges: bool,
    expiry_near: bool,
    /// `daily`, or anything else for at once.
    digest: String,
    digest_hour: String,
    time_zone: String,
}

impl NotificationsForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> NotificationsForm {
        let mut form = NotificationsForm::default();
        for (name, value) in pairs {
            match name.as_str() {
                "form_token" => form.form_token = value,
                "email" => form.email = value,
                "min_urgency" => form.min_urgency = value,
                "countries" => form.countries = value,
                "languages" => form.languages = value,
                "violation_types" => form.violation_types.push(value),
                "rights" => form.rights.push(value),
                "sectors" => form.sectors.push(value),
                "groups" => form.groups = value,
                "organisations" => form.organisations = value,
                "own_organisation" => form.own_organisation = true,
                "responses" => form.responses = true,
                "overdue_pledges" => form.overdue_pledges = true,
                "expiry_near" => form.expiry_near = true,
                "digest" => form.digest = value,
                "digest_hour" => form.digest_hour = value,
                "time_zone" => form.time_zone = value,
                _ => {}
            }
        }
        form
    }

    fn of(settings: &NotificationSettings) -> NotificationsForm {
        let s = &settings.subscription;
        NotificationsForm {
            form_token: String::new(),
            email: settings.email.clone().unwrap_or_default(),
            min_urgency: s.min_urgency.map(|u| u.as_str().to_string()).unwrap_or_default(),
            countries: s.countries.join(", "),
            languages: s.languages.join(", "),
            violation_types: s.violation_types.iter().map(|v| v.as_str().to_string()).collect(),
            rights: s.rights.iter().map(|v| v.as_str().to_string()).collect(),
            sectors: s.sectors.iter().map(|v| v.as_str().to_string()).collect(),
            groups: s.groups.join("\n"),
            organisations: s.organisations.join("\n"),
            own_organisation: s.own_organisation,
            responses: s.responses == Some(true),
            overdue_pledges: s.overdue_pledges == Some(true),
            expiry_near: s.expiry_near == Some(true),
            digest: if s.digest.is_some() { "daily" } else { "" }.to_string(),
            digest_hour: s.digest.as_ref().map_or(8, |d| d.hour).to_string(),
            time_zone: s.digest.as_ref().and_then(|d| d.time_zone.clone()).unwrap_or_default(),
        }
    }

    /// The settings this form asks for (a daily digest without a time
    /// zone keeps the offset stored before, as earlier settings had it);
    /// or the fields that do not read.
    fn settings(&self, before: &NotificationSettings) -> Result<NotificationSettingsChange, FieldErrors> {
        let mut errors = FieldErrors::default();
        let list = |text: &str| -> Vec<String> {
            text.split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        };
        fn parsed<T: std::str::FromStr>(values: &[String], field: &str, errors: &mut FieldErrors) -> Vec<T> {
            let mut out = Vec::new();
            for value in values {
                match value.parse() {
                    Ok(v) => out.push(v),
                    Err(_) => errors.add(field, format!("`{value}` is not one of the choices")),
                }
            }
            out
        }
        let min_urgency = match self.min_urgency.as_str() {
            "" => None,
            other => match other.parse() {
                Ok(u) => Some(u),
                Err(_) => {
                    errors.add("min_urgency", "not one of the choices");
                    None
                }
            },
        };
        let digest = if self.digest == "daily" {
            let hour = match self.digest_hour.trim().parse::<u8>() {
                Ok(hour) if hour <= 23 => hour,
                _ => {
                    errors.add("digest.hour", "not one of the choices");
                    0
                }
            };
            let zone = self.time_zone.trim();
            Some(crate::domain::notify::DigestTime {
                hour,
                time_zone: (!zone.is_empty()).then(|| zone.to_string()),
                utc_offset_minutes: before.subscription.digest.as_ref().map_or(0, |d| d.utc_offset_minutes),
            })
        } else {
            None
        };
        let subscription = crate::domain::notify::Subscription {
            min_urgency,
            countries: list(&self.countries),
            languages: list(&self.languages),
            violation_types: parsed(&self.violation_types, "violation_types", &mut errors),
            rights: parsed(&self.rights, "rights", &mut errors),
            sectors: parsed(&self.sectors, "sectors", &mut errors),
            groups: list(&self.groups),
            organisations: list(&self.organisations),
            own_organisation: self.own_organisation,
            responses: Some(self.responses),
            overdue_pledges: Some(self.overdue_pledges),
            expiry_near: Some(self.expiry_near),
            digest,
        };
        if errors.0.is_empty() {
            Ok(NotificationSettingsChange {
                email: Some(self.email.clone()),
                subscription: Some(subscription),
            })
        } else {
            Err(errors)
        }
    }
}

/// The notices section of the account page: where email goes and which
/// alerts are told of.
fn notices_section(
    viewer: &Viewer,
    who: &SignedIn,
    settings: &NotificationSettings,
    refused: Option<(&NotificationsForm, &FieldErrors)>,
) -> Markup {
    use crate::domain::vocab::{BusinessSector, Right, Urgency, ViolationType};
    use strum::VariantNames;
    let shown = refused
        .map(|(f, _)| f.clone())
        .unwrap_or_else(|| NotificationsForm::of(settings));
    let errors = refused.map(|(_, e)| e);
    // An earlier daily digest at a fixed offset: said, until a zone is named.
    let fixed_offset = settings
        .subscription
        .digest
        .as_ref()
        .filter(|d| d.time_zone.is_none())
        .map(|d| {
            let minutes = d.utc_offset_minutes;
            let sign = if minutes < 0 { '-' } else { '+' };
            format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
        });
    // The services name list entries (`subscription.countries[0]`): shown on the list.
    let has_error = |field: &str| {
        errors.is_some_and(|e| {
            e.0.keys()
                .any(|k| k == field || k.starts_with(&format!("subscription.{field}")))
        })
    };
    let boxes = |name: &'static str, prefix: &'static str, values: &'static [&'static str], ticked: &[String]| {
        html! {
            fieldset id=(format!("notices-{name}")) {
                legend { (viewer.t(&format!("account-notices-{name}"))) }
                @for value in values {
                    label.choice {
                        input type="checkbox" name=(name) value=(value) checked[ticked.iter().any(|t| t == value)];
                        " " (viewer.label(prefix, value))
                    }
                }
            }
        }
    };
    html! {
        section aria-labelledby="notices-heading" {
            h2 id="notices-heading" { (viewer.t("account-notices-heading")) }
            p { (viewer.t("account-notices-explain")) }
            form method="post" action="/account/notifications" id="notices-form" {
                input type="hidden" name="form_token" value=(who.form_token);
                div.field {
                    label for="field-email" { (viewer.t("account-notices-email")) }
                    @if has_error("email") { small.error id="field-email-error" role="alert" { (viewer.t("account-error-email")) } }
                    input id="field-email" name="email" type="email" value=(shown.email) autocomplete="email" dir="ltr"
                        aria-invalid=[has_error("email").then_some("true")];
                }
                div.field {
                    label for="field-min_urgency" { (viewer.t("account-notices-urgency")) }
                    select id="field-min_urgency" name="min_urgency" {
                        option value="" selected[shown.min_urgency.is_empty()] { (viewer.t("account-notices-urgency-none")) }
                        @for value in Urgency::VARIANTS {
                            option value=(value) selected[shown.min_urgency == *value] { (viewer.label("urgency", value)) }
                        }
                    }
                }
                div.field {
                    label for="field-countries" { (viewer.t("account-notices-countries")) }
                    @if has_error("countries") { small.error id="field-countries-error" role="alert" { (viewer.t("account-error-countries")) } }
                    input id="field-countries" name="countries" type="text" value=(shown.countries) dir="ltr"
                        aria-invalid=[has_error("countries").then_some("true")];
                }
                div.field {
                    label for="field-languages" { (viewer.t("account-notices-languages")) }
                    @if has_error("languages") { small.error id="field-languages-error" role="alert" { (viewer.t("account-error-languages")) } }
                    input id="field-languages" name="languages" type="text" value=(shown.languages) dir="ltr"
                        aria-invalid=[has_error("languages").then_some("true")];
                }
                (boxes("violation_types", "violation-type", ViolationType::VARIANTS, &shown.violation_types))
                (boxes("rights", "right", Right::VARIANTS, &shown.rights))
                (boxes("sectors", "business-sector", BusinessSector::VARIANTS, &shown.sectors))
                div.field {
                    label for="field-groups" { (viewer.t("account-notices-groups")) }
                    @if has_error("groups") { small.error id="field-groups-error" role="alert" { (viewer.t("account-error-groups")) } }
                    textarea id="field-groups" name="groups" rows="2" dir="ltr"
                        aria-invalid=[has_error("groups").then_some("true")] { (shown.groups) }
                }
                div.field {
                    label for="field-organisations" { (viewer.t("account-notices-organisations")) }
                    @if has_error("organisations") { small.error id="field-organisations-error" role="alert" { (viewer.t("account-error-organisations")) } }
                    textarea id="field-organisations" name="organisations" rows="2" dir="ltr"
                        aria-invalid=[has_error("organisations").then_some("true")] { (shown.organisations) }
                }
                fieldset id="notices-own" {
                    legend { (viewer.t("account-organisation")) }
                    label.choice {
                        input type="checkbox" name="own_organisation" value="yes" checked[shown.own_organisation];
                        " " (viewer.t("account-notices-own"))
                    }
                    label.choice {
                        input type="checkbox" name="responses" value="yes" checked[shown.responses];
                        " " (viewer.t("account-notices-responses"))
                    }
                    label.choice {
                        input type="checkbox" name="overdue_pledges" value="yes" checked[shown.overdue_pledges];
                        " " (viewer.t("account-notices-overdue-pledges"))
                    }
                    label.choice {
                        input type="checkbox" name="expiry_near" value="yes" checked[shown.expiry_near];
                        " " (viewer.t("account-notices-expiry-near"))
                    }
                }
                fieldset id="notices-when" {
                    legend { (viewer.t("account-notices-when")) }
                    label.choice {
                        input type="radio" name="digest" value="" checked[shown.digest != "daily"];
                        " " (viewer.t("account-notices-at-once"))
                    }
                    label.choice {
                        input type="radio" name="digest" value="daily" checked[shown.digest == "daily"];
                        " " (viewer.t("account-notices-daily"))
                    }
                    div.field {
                        label for="field-digest_hour" { (viewer.t("account-notices-hour")) }
                        @if has_error("digest.hour") { small.error id="field-digest_hour-error" role="alert" { (viewer.t("account-error-hour")) } }
                        select id="field-digest_hour" name="digest_hour" {
                            @for hour in 0..24u8 {
                                option value=(hour) selected[shown.digest_hour == hour.to_string()] {
                                    (viewer.lang.digits(&format!("{hour:02}:00")))
                                }
                            }
                        }
                    }
                    div.field {
                        label for="field-time_zone" { (viewer.t("account-notices-time-zone")) }
                        @if has_error("digest.time_zone") { small.error id="field-time_zone-error" role="alert" { (viewer.t("account-error-time-zone")) } }
                        input id="field-time_zone" name="time_zone" type="text" value=(shown.time_zone) dir="ltr" autocomplete="off"
                            aria-invalid=[has_error("digest.time_zone").then_some("true")];
                        @if let Some(offset) = fixed_offset {
                            small id="fixed-offset" { (viewer.t_with("account-notices-fixed-offset", &[("offset", &offset)])) }
                        }
                    }
                }
                p { button type="submit" { (viewer.t("account-notices-submit")) } }
            }
        }
    }
}

async fn save_notifications(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = NotificationsForm::from_pairs(pairs);
    let who = match signed_in_form(&state, &mut viewer, &jar, "/account", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let before = match notifications::settings(&state, &who.staff).await {
        Ok(b) => b,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let saved = match form.settings(&before) {
        Ok(settings) => notifications::save_settings(&state, &who.staff, settings).await,
        Err(errors) => Err(Error::Validation(errors)),
    };
    match saved {
        Ok(_) => Redirect::to("/account?done=notifications").into_response(),
        Err(err) => match field_errors_or(err) {
            Ok(errors) => {
                let refused = Refused::Notifications {
                    form: Box::new(form),
                    errors,
                };
                render_account(
                    &state,
                    &viewer,
                    &who,
                    &jar,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(refused),
                )
                .await
            }
            Err(other) => error_page(&viewer, other, Some(&who)),
        },
    }
}
