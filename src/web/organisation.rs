//! The organisation's pages: its profile and signing keys (`/organisation`;
//! every staff member reads them, its admins change them and rotate the key
//! after a page that says what rotation means), its staff
//! (`/organisation/staff`, its admins only: invite, change a role, disable,
//! reset a password or a second factor, require a second factor, end
//! sign-ins), the one-time links staff open without an account
//! (`/welcome/{token}`: choose a password, enrol an authenticator from a QR
//! code drawn by the node, see the recovery codes once), and the audit log
//! (`/organisation/audit` for its admins, `/admin/audit` node-wide for the
//! node's operators), with filters and paging.
//!
//! Every page calls the services the API calls (`services::accounts`,
//! `services::staff`), which decide who may do what and audit each change.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use chrono::{NaiveDate, TimeZone, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use strum::VariantNames;

use super::qr::qr_code;
use super::{SignedIn, Viewer, error_page, layout, signed_in, signed_in_form};
use crate::db::accounts::UserRow;
use crate::domain::FieldErrors;
use crate::domain::vocab::Role;
use crate::error::Error;
use crate::i18n::Lang;
use crate::services::accounts::{self, Enrolment};
use crate::services::staff::{
    self, AUDIT_KINDS, AuditFilter, AuditLine, AuditScope, IssuedLink, LinkAnswer, LinkKind, NewInvitation, OpenLink,
    OrgProfile, ProfileChange,
};
use crate::state::AppState;

/// Entries on one page of the audit log.
const AUDIT_PAGE: i64 = 50;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/organisation", get(organisation_page).post(save_profile))
        .route("/organisation/keys/rotate", get(rotation_page).post(rotate_key))
        .route("/organisation/staff", get(staff_page))
        .route("/organisation/staff/invite", post(invite))
        .route("/organisation/staff/{id}", get(member_page))
        .route("/organisation/staff/{id}/role", post(change_role))
        .route("/organisation/staff/{id}/disable", post(disable))
        .route("/organisation/staff/{id}/password", post(reset_password))
        .route("/organisation/staff/{id}/second-factor", post(reset_second_factor))
        .route(
            "/organisation/staff/{id}/require-second-factor",
            post(require_second_factor),
        )
        .route("/organisation/staff/{id}/sign-out", post(sign_out))
        .route("/organisation/staff/{id}/tokens/{token}/revoke", post(revoke_token))
        .route("/welcome/{token}", get(link_page).post(use_link))
        .route("/organisation/audit", get(org_audit_page))
        .route("/admin/audit", get(node_audit_page))
}

fn is_admin(who: &SignedIn) -> bool {
    who.staff.role == Role::Admin
}

fn token_field(who: &SignedIn) -> Markup {
    html! { input type="hidden" name="form_token" value=(who.form_token); }
}

/// A field's error, tied to it with `aria-describedby`.
fn field_error(errors: &FieldErrors, field: &str) -> Markup {
    html! {
        @if let Some(message) = errors.0.get(field) {
            small.error id=(format!("{field}-error")) role="alert" { span lang="en" { (message) } }
        }
    }
}

fn described_by(errors: &FieldErrors, field: &str) -> Option<String> {
    errors.0.contains_key(field).then(|| format!("{field}-error"))
}

fn invalid(errors: &FieldErrors, field: &str) -> Option<&'static str> {
    errors.0.contains_key(field).then_some("true")
}

fn page(viewer: &Viewer, who: &SignedIn, status: StatusCode, title: &str, body: Markup) -> Response {
    viewer.respond(status, layout(viewer, title, Some(who), body))
}

// ---------------------------------------------------------------- profile

#[derive(Deserialize, Default)]
struct ProfileForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    summary: String,
    /// Checkbox values, joined by the form decoder into repeated fields.
    #[serde(default)]
    languages: Vec<String>,
}

async fn organisation_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/organisation").await {
        Ok(who) => who,
        Err(response) => return response,
    };
    match staff::profile(&state, &who.staff).await {
        Ok(profile) => render_organisation(&state, &viewer, &who, &profile, None, &FieldErrors::default()).await,
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

/// The profile (a form for admins, with `typed` kept after an error), the
/// signing keys, and links to the staff and audit pages.
async fn render_organisation(
    state: &AppState,
    viewer: &Viewer,
    who: &SignedIn,
    profile: &OrgProfile,
    typed: Option<&ProfileForm>,
    errors: &FieldErrors,
) -> Response {
    let keys = match staff::signing_keys(state, &who.staff).await {
        Ok(keys) => keys,
        Err(err) => return error_page(viewer, err, Some(who)),
    };
    let publishing = super::analysis_network::publishing_section(state, viewer, who).await;
    let name = typed.map_or(profile.name.as_str(), |t| t.name.as_str());
    let summary = typed.map_or(profile.summary.as_str(), |t| t.summary.as_str());
    let languages: Vec<String> = typed.map_or_else(|| profile.languages.clone(), |t| t.languages.clone());
    let title = viewer.t("org-profile-title");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        h1 { (title) }
        p { a id="public-profile-link" href=(format!("/orgs/{}", profile.slug)) { (viewer.t("org-profile-public-link")) } }
        @if is_admin(who) {
            nav aria-label=(viewer.t("org-profile-admin-nav")) {
                ul.inline {
                    li { a href="/organisation/staff" { (viewer.t("staff-title")) } }
                    li { a href="/organisation/audit" { (viewer.t("audit-org-title")) } }
                    li { a href="/organisation/webhooks" id="webhooks-link" { (viewer.t("webhooks-title")) } }
                }
            }
        }
        section aria-labelledby="profile-heading" {
            h2 id="profile-heading" { (viewer.t("org-profile-heading")) }
            @if is_admin(who) {
                @if !errors.is_empty() {
                    div.error-summary role="alert" { p { (viewer.t("org-profile-fix")) } }
                }
                form method="post" action="/organisation" id="profile-form" {
                    (token_field(who))
                    div.field {
                        label for="org-name" { (viewer.t("org-profile-name")) }
                        input id="org-name" name="name" value=(name) required maxlength="200"
                            aria-invalid=[invalid(errors, "name")] aria-describedby=[described_by(errors, "name")];
                        (field_error(errors, "name"))
                    }
                    div.field {
                        label for="org-summary" { (viewer.t("org-profile-summary")) }
                        small id="org-summary-hint" { (viewer.t("org-profile-summary-hint")) }
                        textarea id="org-summary" name="summary" rows="5" maxlength="2000"
                            aria-invalid=[invalid(errors, "summary")]
                            aria-describedby=(described_by(errors, "summary").unwrap_or_else(|| "org-summary-hint".into())) { (summary) }
                        (field_error(errors, "summary"))
                    }
                    fieldset {
                        legend { (viewer.t("org-languages")) }
                        @for lang in Lang::ALL {
                            label.choice lang=(lang.code()) {
                                input type="checkbox" name="languages" value=(lang.code())
                                    checked[languages.iter().any(|l| l == lang.code())];
                                " " (viewer.texts.get(lang, "language-name"))
                            }
                        }
                        (field_error(errors, "languages"))
                    }
                    button type="submit" { (viewer.t("org-profile-save")) }
                }
            } @else {
                dl.facts {
                    dt { (viewer.t("org-profile-name")) } dd { bdi { (profile.name) } }
                    dt { (viewer.t("org-profile-summary")) } dd.plain { (profile.summary) }
                    dt { (viewer.t("org-languages")) } dd { (language_names(viewer, &profile.languages)) }
                }
            }
        }
        section aria-labelledby="keys-heading" {
            h2 id="keys-heading" { (viewer.t("org-keys-heading")) }
            p { (viewer.t("org-keys-intro")) }
            table id="signing-keys" {
                caption { (viewer.t("org-keys-caption")) }
                thead { tr {
                    th scope="col" { (viewer.t("org-keys-key")) }
                    th scope="col" { (viewer.t("org-keys-created")) }
                    th scope="col" { (viewer.t("org-keys-state")) }
                } }
                tbody {
                    @for key in &keys {
                        tr data-key=(key.key_id) {
                            td.content { code { (key.key_id) } }
                            td { (viewer.date_time(key.created_at)) }
                            td {
                                @match key.retired_at {
                                    None => strong.current { (viewer.t("org-keys-current")) },
                                    Some(at) => (viewer.t_with("org-keys-retired", &[("date", &viewer.date_time(at))])),
                                }
                            }
                        }
                    }
                }
            }
            @if is_admin(who) {
                p { a id="rotate-link" href="/organisation/keys/rotate" { (viewer.t("org-keys-rotate")) } }
            }
        }
        (publishing)
    };
    page(viewer, who, status, &title, body)
}

fn language_names(viewer: &Viewer, tags: &[String]) -> String {
    let names: Vec<String> = tags
        .iter()
        .filter_map(|t| Lang::from_tag(t))
        .map(|l| viewer.texts.get(l, "language-name"))
        .collect();
    if names.is_empty() {
        viewer.t("org-profile-none")
    } else {
        names.join(" · ")
    }
}

async fn save_profile(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let mut typed = ProfileForm::default();
    for (key, value) in form {
        match key.as_str() {
            "form_token" => typed.form_token = value,
            "name" => typed.name = value,
            "summary" => typed.summary = value,
            "languages" => typed.languages.push(value),
            _ => {}
        }
    }
    let who = match signed_in_form(&state, &mut viewer, &jar, "/organisation", &typed.form_token).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let change = ProfileChange {
        name: typed.name.clone(),
        summary: typed.summary.clone(),
        languages: typed.languages.clone(),
    };
    match staff::update_profile(&state, &who.staff, change).await {
        Ok(_) => Redirect::to("/organisation").into_response(),
        Err(Error::Validation(errors)) => match staff::profile(&state, &who.staff).await {
            Ok(profile) => render_organisation(&state, &viewer, &who, &profile, Some(&typed), &errors).await,
            Err(err) => error_page(&viewer, err, Some(&who)),
        },
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

// ---------------------------------------------------------------- key rotation

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    form_token: String,
    confirm: Option<String>,
}

async fn rotation_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/organisation/keys/rotate").await {
        Ok(who) => who,
        Err(response) => return response,
    };
    if let Err(err) = who
        .staff
        .require(is_admin(&who), "rotate the organisation's signing key (its admins can)")
    {
        return error_page(&viewer, err, Some(&who));
    }
    let title = viewer.t("org-rotate-title");
    let body = html! {
        h1 { (title) }
        div.box {
            p { (viewer.t("org-rotate-what")) }
            p { (viewer.t("org-rotate-sent")) }
            p { (viewer.t("org-rotate-announce")) }
            p { (viewer.t("org-rotate-when")) }
        }
        form method="post" action="/organisation/keys/rotate" {
            (token_field(&who))
            input type="hidden" name="confirm" value="yes";
            div.controls {
                button type="submit" id="confirm-rotation" { (viewer.t("org-rotate-confirm")) }
                a href="/organisation" { (viewer.t("org-cancel")) }
            }
        }
    };
    page(&viewer, &who, StatusCode::OK, &title, body)
}

async fn rotate_key(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/organisation/keys/rotate", &form.form_token).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    if form.confirm.as_deref() != Some("yes") {
        return Redirect::to("/organisation/keys/rotate").into_response();
    }
    match staff::rotate_signing_key(&state, &who.staff).await {
        Ok(method) => {
            let title = viewer.t("org-rotated-title");
            let body = html! {
                h1 { (title) }
                p role="status" { (viewer.t("org-rotated-text")) }
                p.content { code id="new-key" { (method) } }
                p { a href="/organisation" { (viewer.t("org-back")) } }
            };
            page(&viewer, &who, StatusCode::OK, &title, body)
        }
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

// ---------------------------------------------------------------- staff

#[derive(Deserialize, Default)]
struct InviteForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

async fn staff_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/organisation/staff").await {
        Ok(who) => who,
        Err(response) => return response,
    };
    render_staff(&state, &viewer, &who, &InviteForm::default(), &FieldErrors::default()).await
}

fn member_state(viewer: &Viewer, user: &UserRow) -> String {
    match user.disabled_at {
        Some(at) => viewer.t_with(
            "staff-state-disabled",
            &[("date", &viewer.date(crate::clock::from_millis(at)))],
        ),
        None => viewer.t("staff-state-active"),
    }
}

async fn render_staff(
    state: &AppState,
    viewer: &Viewer,
    who: &SignedIn,
    typed: &InviteForm,
    errors: &FieldErrors,
) -> Response {
    let members = match accounts::list_staff(&state.db, &who.staff).await {
        Ok(members) => members,
        Err(err) => return error_page(viewer, err, Some(who)),
    };
    let invitations = match staff::pending_invitations(state, &who.staff).await {
        Ok(invitations) => invitations,
        Err(err) => return error_page(viewer, err, Some(who)),
    };
    let title = viewer.t("staff-title");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let chosen_role = if typed.role.is_empty() {
        "member"
    } else {
        typed.role.as_str()
    };
    let body = html! {
        h1 { (title) }
        p { a href="/organisation" { (viewer.t("org-back")) } }
        table id="staff-list" {
            caption { (viewer.t("staff-caption")) }
            thead { tr {
                th scope="col" { (viewer.t("staff-username")) }
                th scope="col" { (viewer.t("staff-role")) }
                th scope="col" { (viewer.t("staff-state")) }
            } }
            tbody {
                @for member in &members {
                    tr data-username=(member.username) {
                        td.content {
                            a href=(format!("/organisation/staff/{}", member.id)) { bdi { (member.username) } }
                            @if member.display_name != member.username {
                                br; span.meta { bdi { (member.display_name) } }
                            }
                        }
                        td { (viewer.label("role", member.role.as_str())) }
                        td { (member_state(viewer, member)) }
                    }
                }
            }
        }
        @if !invitations.is_empty() {
            h2 { (viewer.t("staff-pending")) }
            ul id="pending-invitations" {
                @for invitation in &invitations {
                    li { bdi { (invitation.username) } " · " (viewer.label("role", &invitation.role)) " · "
                        (viewer.t_with("staff-expires", &[("date", &viewer.date_time(crate::clock::from_millis(invitation.expires_at)))])) }
                }
            }
        }
        section aria-labelledby="invite-heading" {
            h2 id="invite-heading" { (viewer.t("staff-invite-heading")) }
            p { (viewer.t_with("staff-invite-intro", &[("hours", &viewer.number(staff::INVITATION_HOURS))])) }
            @if !errors.is_empty() {
                div.error-summary role="alert" { p { (viewer.t("org-profile-fix")) } }
            }
            form method="post" action="/organisation/staff/invite" id="invite-form" {
                (token_field(who))
                div.field {
                    label for="invite-username" { (viewer.t("staff-username")) }
                    small id="invite-username-hint" { (viewer.t("staff-username-hint")) }
                    input id="invite-username" name="username" value=(typed.username) required autocomplete="off"
                        aria-invalid=[invalid(errors, "username")]
                        aria-describedby=(described_by(errors, "username").unwrap_or_else(|| "invite-username-hint".into()));
                    (field_error(errors, "username"))
                }
                div.field {
                    label for="invite-display-name" { (viewer.t("staff-display-name")) }
                    input id="invite-display-name" name="display_name" value=(typed.display_name) maxlength="200"
                        aria-invalid=[invalid(errors, "display_name")] aria-describedby=[described_by(errors, "display_name")];
                    (field_error(errors, "display_name"))
                }
                fieldset {
                    legend { (viewer.t("staff-role")) }
                    @for role in Role::VARIANTS {
                        label.choice {
                            input type="radio" name="role" value=(role) checked[*role == chosen_role];
                            " " (viewer.label("role", role)) " — " span.meta { (viewer.t(&format!("role-{role}-help"))) }
                        }
                    }
                    (field_error(errors, "role"))
                }
                button type="submit" { (viewer.t("staff-invite")) }
            }
        }
    };
    page(viewer, who, status, &title, body)
}

/// The absolute address of a link, to copy into a message to the person.
fn link_address(state: &AppState, token: &str) -> String {
    format!(
        "{}{}",
        crate::federation::urls::base(&state.config),
        staff::link_path(token)
    )
}

/// The page that shows a link once, to give to its person.
fn issued_link_page(state: &AppState, viewer: &Viewer, who: &SignedIn, link: &IssuedLink) -> Response {
    let (title_key, text_key) = match link.kind {
        LinkKind::Invitation => ("staff-invited-title", "staff-invited-text"),
        LinkKind::Password => ("staff-password-link-title", "staff-password-link-text"),
        LinkKind::SecondFactor => ("staff-factor-link-title", "staff-factor-link-text"),
    };
    let title = viewer.t(title_key);
    let address = link_address(state, &link.token);
    let body = html! {
        h1 { (title) }
        p role="status" { (viewer.t_with(text_key, &[("user", &link.username)])) }
        p.content { a id="one-time-link" href=(address) { (address) } }
        p { (viewer.t_with("staff-link-once", &[("date", &viewer.date_time(link.expires_at))])) }
        p { a href="/organisation/staff" { (viewer.t("staff-back")) } }
    };
    page(viewer, who, StatusCode::OK, &title, body)
}

async fn invite(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<InviteForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/organisation/staff", &form.form_token).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let role = match form.role.parse::<Role>() {
        Ok(role) => role,
        Err(_) => {
            let errors = FieldErrors::single("role", format!("one of: {}", Role::VARIANTS.join(", ")));
            return render_staff(&state, &viewer, &who, &form, &errors).await;
        }
    };
    let invitation = NewInvitation {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        role,
    };
    match staff::invite(&state, &who.staff, invitation).await {
        Ok(link) => issued_link_page(&state, &viewer, &who, &link),
        Err(Error::Validation(errors)) => render_staff(&state, &viewer, &who, &form, &errors).await,
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

async fn member_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, &format!("/organisation/staff/{id}")).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    render_member(&state, &viewer, &who, &id, None).await
}

/// A staff member's page, with what their admin can do; `done` says what
/// was done just now.
async fn render_member(state: &AppState, viewer: &Viewer, who: &SignedIn, id: &str, done: Option<Markup>) -> Response {
    let member = match staff::staff_member(state, &who.staff, id).await {
        Ok(member) => member,
        Err(err) => return error_page(viewer, err, Some(who)),
    };
    let user = &member.user;
    let base = format!("/organisation/staff/{}", user.id);
    let myself = user.id == who.staff.user_id;
    let active = user.disabled_at.is_none();
    let title = viewer.t_with("staff-member-title", &[("user", &user.username)]);
    let now = state.clock.now();
    let body = html! {
        h1 { bdi { (title) } }
        p { a href="/organisation/staff" { (viewer.t("staff-back")) } }
        @if let Some(done) = done { div.box role="status" { (done) } }
        dl.facts {
            dt { (viewer.t("staff-display-name")) } dd { bdi { (user.display_name) } }
            dt { (viewer.t("staff-role")) } dd id="member-role" { (viewer.label("role", user.role.as_str())) }
            dt { (viewer.t("staff-state")) } dd id="member-state" { (member_state(viewer, user)) }
            dt { (viewer.t("staff-second-factor")) } dd id="member-second-factor" {
                @if user.totp_secret.is_some() { (viewer.t("staff-factor-enrolled")) } @else { (viewer.t("staff-factor-none")) }
                " · "
                @if member.needs_second_factor() { (viewer.t("staff-factor-needed")) } @else { (viewer.t("staff-factor-optional")) }
            }
            dt { (viewer.t("staff-since")) } dd { (viewer.date(crate::clock::from_millis(user.created_at))) }
        }
        @if active && !myself {
            section aria-labelledby="role-heading" {
                h2 id="role-heading" { (viewer.t("staff-change-role")) }
                form method="post" action=(format!("{base}/role")) {
                    (token_field(who))
                    label for="member-new-role" { (viewer.t("staff-role")) }
                    " "
                    select id="member-new-role" name="role" {
                        @for role in Role::VARIANTS {
                            option value=(role) selected[*role == user.role.as_str()] { (viewer.label("role", role)) }
                        }
                    }
                    " "
                    button type="submit" { (viewer.t("staff-change-role")) }
                }
            }
            section aria-labelledby="access-heading" {
                h2 id="access-heading" { (viewer.t("staff-access")) }
                div.controls {
                    form method="post" action=(format!("{base}/password")) {
                        (token_field(who))
                        button type="submit" { (viewer.t("staff-reset-password")) }
                    }
                    form method="post" action=(format!("{base}/second-factor")) {
                        (token_field(who))
                        button type="submit" { (viewer.t("staff-reset-factor")) }
                    }
                    @if !user.role.requires_two_factor() && !user.node_operator {
                        form method="post" action=(format!("{base}/require-second-factor")) {
                            (token_field(who))
                            input type="hidden" name="required" value=(if member.two_factor_required { "no" } else { "yes" });
                            button type="submit" {
                                @if member.two_factor_required { (viewer.t("staff-unrequire-factor")) } @else { (viewer.t("staff-require-factor")) }
                            }
                        }
                    }
                    form method="post" action=(format!("{base}/sign-out")) {
                        (token_field(who))
                        button type="submit" { (viewer.t("staff-sign-out")) }
                    }
                    form method="post" action=(format!("{base}/disable")) {
                        (token_field(who))
                        button type="submit" { (viewer.t("staff-disable")) }
                    }
                }
            }
        }
        section aria-labelledby="tokens-heading" {
            h2 id="tokens-heading" { (viewer.t("staff-tokens")) }
            @let live: Vec<_> = member.tokens.iter()
                .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > crate::clock::to_millis(now)))
                .collect();
            @if live.is_empty() {
                p { (viewer.t("staff-no-tokens")) }
            } @else {
                table id="member-tokens" {
                    caption { (viewer.t("staff-tokens")) }
                    thead { tr {
                        th scope="col" { (viewer.t("staff-token-name")) }
                        th scope="col" { (viewer.t("staff-token-created")) }
                        th scope="col" { (viewer.t("staff-token-action")) }
                    } }
                    tbody {
                        @for token in live {
                            tr {
                                td.content { bdi { (token.name) } }
                                td { (viewer.date_time(crate::clock::from_millis(token.created_at))) }
                                td {
                                    form method="post" action=(format!("{base}/tokens/{}/revoke", token.id)) {
                                        (token_field(who))
                                        button type="submit" aria-label=(viewer.t_with("staff-revoke-named", &[("name", &token.name)])) {
                                            (viewer.t("staff-revoke"))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(viewer, who, StatusCode::OK, &title, body)
}

/// The confirmation page of a grave step on a staff member: what it does, in
/// plain words, and a button that sends the form again with `confirm=yes`.
fn confirm_member_step(
    viewer: &Viewer,
    who: &SignedIn,
    user_id: &str,
    step: &str,
    username: &str,
    extra: Markup,
) -> Response {
    let (title_key, text_key) = match step {
        "disable" => ("staff-disable-title", "staff-disable-text"),
        "sign-out" => ("staff-sign-out-title", "staff-sign-out-text"),
        "password" => ("staff-password-title", "staff-password-text"),
        "second-factor" => ("staff-factor-title", "staff-factor-text"),
        _ => ("staff-require-title", "staff-require-text"),
    };
    let title = viewer.t_with(title_key, &[("user", username)]);
    let body = html! {
        h1 { bdi { (title) } }
        div.box { p { (viewer.t_with(text_key, &[("user", username)])) } }
        form method="post" action=(format!("/organisation/staff/{user_id}/{step}")) {
            (token_field(who))
            (extra)
            input type="hidden" name="confirm" value="yes";
            div.controls {
                button type="submit" id="confirm-step" { (title) }
                a href=(format!("/organisation/staff/{user_id}")) { (viewer.t("org-cancel")) }
            }
        }
    };
    page(viewer, who, StatusCode::OK, &title, body)
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    form_token: String,
    confirm: Option<String>,
    role: Option<String>,
    required: Option<String>,
}

/// The signed-in admin sending a form about staff member `id`, and the member.
async fn member_form(
    state: &AppState,
    viewer: &mut Viewer,
    jar: &CookieJar,
    id: &str,
    form_token: &str,
) -> Result<(SignedIn, UserRow), Response> {
    let back = format!("/organisation/staff/{id}");
    let who = signed_in_form(state, viewer, jar, &back, form_token).await?;
    match staff::staff_member(state, &who.staff, id).await {
        Ok(member) => Ok((who, member.user)),
        Err(err) => Err(error_page(viewer, err, Some(&who))),
    }
}

/// A second factor enrolled by a role change, to hand to the person.
fn enrolment_markup(viewer: &Viewer, enrolment: &Enrolment) -> Markup {
    html! {
        p { (viewer.t("staff-enrolment-given")) }
        @if let Some(qr) = qr_code(&enrolment.totp_uri, &viewer.t("staff-qr-label")) { (qr) }
        p.content { code { (enrolment.totp_uri) } }
        ol.recovery-codes { @for code in &enrolment.recovery_codes { li { code { (code) } } } }
    }
}

async fn change_role(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> Response {
    let (who, user) = match member_form(&state, &mut viewer, &jar, &id, &form.form_token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let role = match form.role.as_deref().unwrap_or_default().parse::<Role>() {
        Ok(role) => role,
        Err(_) => {
            let err = Error::Validation(FieldErrors::single(
                "role",
                format!("one of: {}", Role::VARIANTS.join(", ")),
            ));
            return error_page(&viewer, err, Some(&who));
        }
    };
    match accounts::set_role(&state, &user.id, role, state.clock.now(), &who.staff).await {
        Ok(enrolment) => {
            let done = html! {
                p { (viewer.t_with("staff-role-changed", &[("user", &user.username), ("role", &viewer.label("role", role.as_str()))])) }
                @if let Some(enrolment) = &enrolment { (enrolment_markup(&viewer, enrolment)) }
            };
            render_member(&state, &viewer, &who, &id, Some(done)).await
        }
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

async fn disable(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> Response {
    let (who, user) = match member_form(&state, &mut viewer, &jar, &id, &form.form_token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if form.confirm.as_deref() != Some("yes") {
        return confirm_member_step(&viewer, &who, &id, "disable", &user.username, html! {});
    }
    match accounts::disable_user(&state.db, &user.id, state.clock.now(), &who.staff).await {
        Ok(()) => {
            let done = html! { p { (viewer.t_with("staff-disabled", &[("user", &user.username)])) } };
            render_member(&state, &viewer, &who, &id, Some(done)).await
        }
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

async fn sign_out(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> Response {
    let (who, user) = match member_form(&state, &mut viewer, &jar, &id, &form.form_token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if form.confirm.as_deref() != Some("yes") {
        return confirm_member_step(&viewer, &who, &id, "sign-out", &user.username, html! {});
    }
    match accounts::sign_out_everywhere(&state.db, &user.id, state.clock.now(), &who.staff).await {
        Ok(()) => {
            let done = html! { p { (viewer.t_with("staff-signed-out", &[("user", &user.username)])) } };
            render_member(&state, &viewer, &who, &id, Some(done)).await
        }
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

async fn reset_password(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> Response {
    let (who, user) = match member_form(&state, &mut viewer, &jar, &id, &form.form_token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if form.confirm.as_deref() != Some("yes") {
        return confirm_member_step(&viewer, &who, &id, "password", &user.username, html! {});
    }
    match staff::password_reset(&state, &who.staff, &user.id).await {
        Ok(link) => issued_link_page(&state, &viewer, &who, &link),
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

async fn reset_second_factor(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> Response {
    let (who, user) = match member_form(&state, &mut viewer, &jar, &id, &form.form_token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if form.confirm.as_deref() != Some("yes") {
        return confirm_member_step(&viewer, &who, &id, "second-factor", &user.username, html! {});
    }
    match staff::second_factor_reset(&state, &who.staff, &user.id).await {
        Ok(link) => issued_link_page(&state, &viewer, &who, &link),
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

async fn require_second_factor(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> Response {
    let (who, user) = match member_form(&state, &mut viewer, &jar, &id, &form.form_token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let required = form.required.as_deref() != Some("no");
    if required && user.totp_secret.is_none() && form.confirm.as_deref() != Some("yes") {
        let extra = html! { input type="hidden" name="required" value="yes"; };
        return confirm_member_step(&viewer, &who, &id, "require-second-factor", &user.username, extra);
    }
    match staff::require_second_factor(&state, &who.staff, &user.id, required).await {
        Ok(Some(link)) => issued_link_page(&state, &viewer, &who, &link),
        Ok(None) => {
            let key = if required {
                "staff-factor-now-required"
            } else {
                "staff-factor-now-optional"
            };
            let done = html! { p { (viewer.t_with(key, &[("user", &user.username)])) } };
            render_member(&state, &viewer, &who, &id, Some(done)).await
        }
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path((id, token)): Path<(String, String)>,
    Form(form): Form<MemberForm>,
) -> Response {
    let (who, user) = match member_form(&state, &mut viewer, &jar, &id, &form.form_token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match accounts::revoke_token(&state.db, &user.id, &token, state.clock.now(), &who.staff).await {
        Ok(()) => {
            let done = html! { p { (viewer.t("staff-token-revoked")) } };
            render_member(&state, &viewer, &who, &id, Some(done)).await
        }
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

// ---------------------------------------------------------------- one-time links

#[derive(Deserialize, Default)]
struct LinkForm {
    password: Option<String>,
    password_again: Option<String>,
    code: Option<String>,
}

fn bare_page(viewer: &Viewer, status: StatusCode, title: &str, body: Markup) -> Response {
    viewer.respond(status, layout(viewer, title, None, body))
}

async fn link_page(State(state): State<AppState>, viewer: Viewer, Path(token): Path<String>) -> Response {
    match staff::open_link(&state, &token).await {
        Ok(link) => render_link(&viewer, &token, &link, &FieldErrors::default()),
        Err(err) => error_page(&viewer, err, None),
    }
}

fn render_link(viewer: &Viewer, token: &str, link: &OpenLink, errors: &FieldErrors) -> Response {
    let title = match link.kind {
        LinkKind::Invitation => viewer.t_with("staff-welcome-title", &[("org", &link.org_name)]),
        LinkKind::Password => viewer.t("staff-new-password-title"),
        LinkKind::SecondFactor => viewer.t("staff-new-factor-title"),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        h1 { bdi { (title) } }
        p { (viewer.t_with("staff-welcome-who", &[("user", &link.username), ("role", &viewer.label("role", link.role.as_str()))])) }
        p.meta { (viewer.t_with("staff-link-valid", &[("date", &viewer.date_time(link.expires_at))])) }
        @if !errors.is_empty() {
            div.error-summary role="alert" { p { (viewer.t("org-profile-fix")) } }
        }
        form method="post" action=(staff::link_path(token)) id="link-form" {
            input type="text" name="username" value=(link.username) autocomplete="username" hidden;
            @if link.kind != LinkKind::SecondFactor {
                div.field {
                    label for="new-password" { (viewer.t("staff-choose-password")) }
                    small id="new-password-hint" { (viewer.t_with("staff-password-hint", &[("n", &viewer.number(accounts::MIN_PASSWORD_LEN))])) }
                    input id="new-password" type="password" name="password" required autocomplete="new-password"
                        aria-invalid=[invalid(errors, "password")]
                        aria-describedby=(described_by(errors, "password").unwrap_or_else(|| "new-password-hint".into()));
                    (field_error(errors, "password"))
                }
                div.field {
                    label for="new-password-again" { (viewer.t("staff-password-again")) }
                    input id="new-password-again" type="password" name="password_again" required autocomplete="new-password"
                        aria-invalid=[invalid(errors, "password_again")] aria-describedby=[described_by(errors, "password_again")];
                    (field_error(errors, "password_again"))
                }
            }
            @if let (Some(uri), Some(secret)) = (&link.totp_uri, &link.totp_secret) {
                fieldset {
                    legend { (viewer.t("staff-enrol-heading")) }
                    p { (viewer.t("staff-enrol-scan")) }
                    @if let Some(qr) = qr_code(uri, &viewer.t("staff-qr-label")) { (qr) }
                    p { (viewer.t("staff-enrol-type")) }
                    p.content { code id="totp-secret" dir="ltr" { (secret) } }
                    div.field {
                        label for="enrol-code" { (viewer.t("staff-enrol-code")) }
                        input id="enrol-code" name="code" inputmode="numeric" autocomplete="one-time-code" required
                            aria-invalid=[invalid(errors, "code")] aria-describedby=[described_by(errors, "code")];
                        (field_error(errors, "code"))
                    }
                }
            }
            button type="submit" { (viewer.t("staff-link-submit")) }
        }
    };
    bare_page(viewer, status, &title, body)
}

async fn use_link(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    Form(form): Form<LinkForm>,
) -> Response {
    let answer = LinkAnswer {
        password: form.password.as_deref(),
        password_again: form.password_again.as_deref(),
        code: form.code.as_deref(),
    };
    match staff::use_link(&state, &token, answer).await {
        Ok(recovery_codes) => {
            let title = viewer.t("staff-link-done-title");
            let body = html! {
                h1 { (title) }
                @if recovery_codes.is_empty() {
                    p role="status" { (viewer.t("staff-password-done")) }
                } @else {
                    p role="status" { (viewer.t("staff-enrol-done")) }
                    h2 { (viewer.t("staff-recovery-heading")) }
                    p { (viewer.t("staff-recovery-once")) }
                    ol id="recovery-codes" { @for code in &recovery_codes { li { code dir="ltr" { (code) } } } }
                }
                p { a id="sign-in-link" href="/" { (viewer.t("staff-go-sign-in")) } }
            };
            bare_page(&viewer, StatusCode::OK, &title, body)
        }
        Err(Error::Validation(errors)) => match staff::open_link(&state, &token).await {
            Ok(link) => render_link(&viewer, &token, &link, &errors),
            Err(err) => error_page(&viewer, err, None),
        },
        Err(err) => error_page(&viewer, err, None),
    }
}

// ---------------------------------------------------------------- audit log

#[derive(Deserialize, Default)]
struct AuditParams {
    who: Option<String>,
    kind: Option<String>,
    subject: Option<String>,
    from: Option<String>,
    until: Option<String>,
    page: Option<u32>,
}

async fn org_audit_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Query(params): Query<AuditParams>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/organisation/audit").await {
        Ok(who) => who,
        Err(response) => return response,
    };
    render_audit(&state, &viewer, &who, AuditScope::Organisation, &params).await
}

async fn node_audit_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Query(params): Query<AuditParams>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/admin/audit").await {
        Ok(who) => who,
        Err(response) => return response,
    };
    render_audit(&state, &viewer, &who, AuditScope::Node, &params).await
}

fn parse_day(text: Option<&str>, field: &str, errors: &mut FieldErrors) -> Option<chrono::DateTime<Utc>> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(day) => Some(Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))),
        Err(_) => {
            errors.add(field, "a date such as 2026-01-31");
            None
        }
    }
}

/// The actions the pages describe in words; anything else is "another change".
const DESCRIBED_ACTIONS: &[&str] = &[
    "alert.publish",
    "alert.widen",
    "alert.audience",
    "alert.consent",
    "alert.consent_withdrawn",
    "alert.close",
    "alert.withdraw",
    "alert.offer_viewers",
    "consent.given_at",
    "consent.given_by",
    "consent.allowed_uses",
    "local_only.contacts",
    "local_only.exact_location",
    "local_only.family_details",
    "local_only.internal_notes",
    "business_link.company",
    "business_link.financier",
    "business_link.project",
    "business_link.sector",
    "action.record",
    "action.retract",
    "peer.add",
    "peer.trust",
    "group.create",
    "group.join",
    "group.member",
    "org.create",
    "org.profile",
    "org.key_rotate",
    "operator.grant",
    "operator.revoke",
    "user.create",
    "user.invite",
    "user.role",
    "user.disable",
    "user.sign_out",
    "user.token_revoke",
    "user.two_factor",
    "user.recovery_code",
    "user.password_reset",
    "user.password",
    "sign_in.lockout",
    "sign_in.unlock",
    "deliveries.retry",
];

fn describe_action(viewer: &Viewer, action: &str) -> String {
    if DESCRIBED_ACTIONS.contains(&action) {
        viewer.t(&format!("audit-action-{}", action.replace(['.', '_'], "-")))
    } else {
        viewer.t("audit-action-other")
    }
}

async fn render_audit(
    state: &AppState,
    viewer: &Viewer,
    who: &SignedIn,
    scope: AuditScope,
    params: &AuditParams,
) -> Response {
    let mut errors = FieldErrors::default();
    let from = parse_day(params.from.as_deref(), "from", &mut errors);
    let until = parse_day(params.until.as_deref(), "until", &mut errors);
    let kind = params.kind.clone().filter(|k| !k.is_empty());
    if let Some(k) = &kind
        && !AUDIT_KINDS.contains(&k.as_str())
    {
        errors.add("kind", format!("one of: {}", AUDIT_KINDS.join(", ")));
    }
    let filter = AuditFilter {
        who: params.who.clone(),
        kind: if errors.0.contains_key("kind") {
            None
        } else {
            kind.clone()
        },
        subject: params.subject.clone(),
        from,
        until,
    };
    let page_number = i64::from(params.page.unwrap_or(1).max(1));
    let offset = (page_number - 1) * AUDIT_PAGE;
    let entries = match staff::audit(state, &who.staff, scope, &filter, AUDIT_PAGE + 1, offset).await {
        Ok(entries) => entries,
        Err(err) => return error_page(viewer, err, Some(who)),
    };
    let more = entries.len() as i64 > AUDIT_PAGE;
    let entries: Vec<&AuditLine> = entries.iter().take(AUDIT_PAGE as usize).collect();
    let (title, action) = match scope {
        AuditScope::Organisation => (viewer.t("audit-org-title"), "/organisation/audit"),
        AuditScope::Node => (viewer.t("audit-node-title"), "/admin/audit"),
    };
    let page_link = |n: i64| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("who", &params.who),
            ("kind", &params.kind),
            ("subject", &params.subject),
            ("from", &params.from),
            ("until", &params.until),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                query.append_pair(key, value);
            }
        }
        query.append_pair("page", &n.to_string());
        format!("{action}?{}", query.finish())
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = html! {
        h1 { (title) }
        form method="get" action=(action) id="audit-filters" {
            fieldset {
                legend { (viewer.t("audit-filters")) }
                div.controls {
                    div.field {
                        label for="audit-who" { (viewer.t("audit-who")) }
                        input id="audit-who" name="who" value=(params.who.as_deref().unwrap_or_default());
                    }
                    div.field {
                        label for="audit-kind" { (viewer.t("audit-kind")) }
                        select id="audit-kind" name="kind" aria-invalid=[invalid(&errors, "kind")] aria-describedby=[described_by(&errors, "kind")] {
                            option value="" { (viewer.t("audit-kind-all")) }
                            @for k in AUDIT_KINDS {
                                option value=(k) selected[kind.as_deref() == Some(k)] { (viewer.t(&format!("audit-kind-{}", k.replace('_', "-")))) }
                            }
                        }
                        (field_error(&errors, "kind"))
                    }
                    div.field {
                        label for="audit-subject" { (viewer.t("audit-subject")) }
                        input id="audit-subject" name="subject" value=(params.subject.as_deref().unwrap_or_default())
                            aria-describedby="audit-subject-hint";
                        small id="audit-subject-hint" { (viewer.t("audit-subject-hint")) }
                    }
                    div.field {
                        label for="audit-from" { (viewer.t("audit-from")) }
                        input id="audit-from" type="date" name="from" value=(params.from.as_deref().unwrap_or_default())
                            aria-invalid=[invalid(&errors, "from")] aria-describedby=[described_by(&errors, "from")];
                        (field_error(&errors, "from"))
                    }
                    div.field {
                        label for="audit-until" { (viewer.t("audit-until")) }
                        input id="audit-until" type="date" name="until" value=(params.until.as_deref().unwrap_or_default())
                            aria-invalid=[invalid(&errors, "until")] aria-describedby=[described_by(&errors, "until")];
                        (field_error(&errors, "until"))
                    }
                }
                button type="submit" { (viewer.t("audit-apply")) }
            }
        }
        @if entries.is_empty() {
            p id="audit-empty" { (viewer.t("audit-none")) }
        } @else {
            ol id="audit-list" {
                @for entry in &entries {
                    li data-action=(entry.row.action) data-org=(entry.org_slug.as_deref().unwrap_or_default()) {
                        article {
                            p {
                                strong { (describe_action(viewer, &entry.row.action)) }
                                " · " bdi.content { (entry.row.subject) }
                            }
                            p.meta {
                                time datetime=(crate::clock::from_millis(entry.row.at).to_rfc3339()) {
                                    (viewer.date_time(crate::clock::from_millis(entry.row.at)))
                                }
                                " · "
                                @match &entry.by_username {
                                    Some(user) => (viewer.t_with("audit-by", &[("user", user)])),
                                    None => (viewer.t("audit-by-node")),
                                }
                                @if scope == AuditScope::Node {
                                    " · "
                                    @match &entry.org_slug {
                                        Some(org) => (viewer.t_with("audit-org", &[("org", org)])),
                                        None => (viewer.t("audit-node-entry")),
                                    }
                                }
                            }
                            @if entry.detail_shown && !entry.row.detail.is_empty() {
                                p.content dir="auto" { (entry.row.detail) }
                            }
                        }
                    }
                }
            }
        }
        nav aria-label=(viewer.t("audit-paging")) {
            ul.inline {
                @if page_number > 1 {
                    li { a rel="prev" href=(page_link(page_number - 1)) { (viewer.t("audit-newer")) } }
                }
                li { (viewer.t_with("audit-page", &[("n", &viewer.number(page_number))])) }
                @if more {
                    li { a rel="next" id="audit-older" href=(page_link(page_number + 1)) { (viewer.t("audit-older")) } }
                }
            }
        }
    };
    page(viewer, who, status, &title, body)
}
