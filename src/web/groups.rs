//! The group pages: the groups this node knows with the viewer's
//! organisation's place in each (`/groups`), with a form to join or look up a
//! group of another node by its address; a new group (`/groups/new`, the
//! node's operators); and a group's page (`/groups/view/{id}`): join, leave (after
//! a confirmation), and for its moderators the requests to approve or refuse
//! and the members to remove (after a confirmation that says what removal
//! does), with the alerts addressed to the group.
//!
//! Every change goes through `services::groups`, as the JSON API's does, so
//! the same rules decide who may do what and the same audit entries are kept.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use maud::{Markup, html};
use serde::Deserialize;

use super::{SignedIn, Viewer, error_page, layout, signed_in, signed_in_form, urlencode};
use crate::domain::FieldErrors;
use crate::domain::vocab::{GroupKind, MemberState};
use crate::error::Error;
use crate::services::groups::{self, GroupInput, GroupView, MemberView, ModeratorChoice};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", get(groups_page))
        .route("/groups/new", get(new_group_page).post(create_group))
        .route("/groups/join", post(join_by_address))
        .route("/groups/view/{id}", get(group_page))
        .route("/groups/view/{id}/join", post(join_group))
        .route("/groups/view/{id}/leave", get(leave_page).post(leave_group))
        .route("/groups/view/{id}/decide", post(decide))
        .route("/groups/view/{id}/remove", get(removal_page).post(remove_member))
}

/// The host of a group's address, as the page names where it lives.
fn host_of(uri: &str) -> String {
    url::Url::parse(uri)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(port) => format!("{h}:{port}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_default()
}

/// Where a group lives, in words.
fn where_it_lives(viewer: &Viewer, group: &GroupView) -> String {
    if group.hosted {
        viewer.t("group-on-this-node")
    } else {
        viewer.t_with("group-elsewhere", &[("host", &host_of(&group.uri))])
    }
}

/// The viewer's organisation's place in a group, as a label with its state.
fn membership_badge(viewer: &Viewer, membership: &str) -> Markup {
    html! { span.state data-state=(membership) { (viewer.label("membership", membership)) } }
}

fn token_field(who: &SignedIn) -> Markup {
    html! { input type="hidden" name="form_token" value=(who.form_token); }
}

/// The form that joins a group, here or on another node, by its address; its
/// second button only looks the group up (for a moderating organisation that
/// is not a member).
fn address_form(viewer: &Viewer, who: &SignedIn, typed: &str, error: Option<&str>) -> Markup {
    html! {
        section.box id="join-by-address" aria-labelledby="join-heading" {
            h2 id="join-heading" { (viewer.t("groups-join-heading")) }
            form method="post" action="/groups/join" {
                (token_field(who))
                div.field {
                    label for="group-address" { (viewer.t("groups-address")) }
                    small id="group-address-hint" { (viewer.t("groups-address-hint")) }
                    @if let Some(error) = error {
                        p.error id="group-address-error" role="alert" { (error) }
                    }
                    input id="group-address" type="url" name="group" value=(typed) required
                        aria-describedby=(if error.is_some() { "group-address-hint group-address-error" } else { "group-address-hint" })
                        aria-invalid=[error.map(|_| "true")];
                }
                p.controls {
                    button type="submit" name="intent" value="join" { (viewer.t("groups-join-ask")) }
                    button type="submit" name="intent" value="look-up" { (viewer.t("groups-look-up")) }
                }
            }
        }
    }
}

async fn groups_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/groups").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let groups = match groups::list(&state, &who.staff).await {
        Ok(g) => g,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    list_response(&state, &viewer, &who, &groups, StatusCode::OK, "", None)
}

fn list_response(
    state: &AppState,
    viewer: &Viewer,
    who: &SignedIn,
    groups: &[GroupView],
    status: StatusCode,
    typed: &str,
    error: Option<&str>,
) -> Response {
    let title = viewer.t("groups-title");
    viewer.respond(
        status,
        layout(
            viewer,
            &title,
            Some(who),
            html! {
                h1 { (title) }
                @if who.staff.node_operator {
                    p { a id="new-group-link" href="/groups/new" { (viewer.t("groups-new-link")) } }
                }
                @if groups.is_empty() { p { (viewer.t("groups-none")) } }
                @else {
                    ul.groups id="group-list" {
                        @for g in groups {
                            li data-uri=(g.uri) data-state=(g.membership) {
                                h2 { a href=(format!("/groups/view/{}", g.id)) { (g.name) } }
                                p.meta {
                                    (viewer.label("group-kind", &g.kind)) " · " (where_it_lives(viewer, g))
                                }
                                @if !g.description.is_empty() { p.purpose { (g.description) } }
                                p.membership {
                                    (viewer.t("group-your-organisation")) ": " (membership_badge(viewer, &g.membership))
                                    @if groups::decides_for(state, &who.staff, g) {
                                        " · " span.tag.moderator { (viewer.t("groups-you-moderate")) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if who.staff.role.can_publish() { (address_form(viewer, who, typed, error)) }
            },
        ),
    )
}

#[derive(Deserialize)]
struct AddressForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    intent: String,
}

/// Joins (or only looks up) a group by its address, then shows its page; a
/// refusal keeps what was typed and says why next to the field.
async fn join_by_address(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<AddressForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/groups", &form.form_token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = if form.intent == "look-up" {
        groups::look_up(&state, &who.staff, &form.group).await
    } else {
        groups::join(&state, &who.staff, &form.group).await
    };
    let err = match result {
        Ok(group) => return Redirect::to(&format!("/groups/view/{}", group.id)).into_response(),
        Err(e) => e,
    };
    let message = match &err {
        Error::Validation(_) => viewer.t("groups-error-address"),
        Error::NotFound(_) => viewer.t("groups-error-no-such-group"),
        Error::Conflict(_) => viewer.t_with("groups-error-not-federating", &[("host", &host_of(form.group.trim()))]),
        Error::Federation(_) | Error::BadGateway(_) => viewer.t("groups-error-unreachable"),
        _ => return error_page(&viewer, err, Some(&who)),
    };
    let groups = match groups::list(&state, &who.staff).await {
        Ok(g) => g,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    list_response(
        &state,
        &viewer,
        &who,
        &groups,
        err.status_code(),
        &form.group,
        Some(&message),
    )
}

/// What the new-group form holds: as typed, so a refusal loses nothing.
#[derive(Default)]
struct NewGroup {
    slug: String,
    name: String,
    description: String,
    kind: String,
    languages: String,
    local_moderators: Vec<String>,
    remote_moderators: String,
}

impl NewGroup {
    fn from_pairs(pairs: Vec<(String, String)>) -> (String, NewGroup) {
        let mut token = String::new();
        let mut form = NewGroup::default();
        for (key, value) in pairs {
            match key.as_str() {
                "form_token" => token = value,
                "slug" => form.slug = value,
                "name" => form.name = value,
                "description" => form.description = value,
                "kind" => form.kind = value,
                "languages" => form.languages = value,
                "moderator" => form.local_moderators.push(value),
                "remote_moderators" => form.remote_moderators = value,
                _ => {}
            }
        }
        (token, form)
    }

    fn remote_lines(&self) -> Vec<String> {
        self.remote_moderators
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn language_tags(&self) -> Vec<String> {
        self.languages
            .split([',', ' ', '،'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// Errors shown next to the new-group form's fields, in the viewer's language.
#[derive(Default)]
struct NewGroupErrors(std::collections::BTreeMap<&'static str, String>);

impl NewGroupErrors {
    /// The service's field errors, by the form's fields: its moderators are
    /// the ticked organisations of this node, then the typed addresses.
    fn from_service(viewer: &Viewer, form: &NewGroup, fields: &FieldErrors) -> Self {
        let mut out = NewGroupErrors::default();
        let remote = form.remote_lines();
        for (field, message) in &fields.0 {
            let (key, text) = match field.as_str() {
                "slug" if message.contains("exists already") => ("slug", viewer.t("groups-error-slug-taken")),
                "slug" => ("slug", viewer.t("groups-error-slug")),
                "name" => ("name", viewer.t("groups-error-name")),
                "description" => ("description", viewer.t("groups-error-description")),
                "moderators" => ("moderators", viewer.t("groups-error-moderators")),
                f if f.starts_with("languages") => ("languages", viewer.t("groups-error-languages")),
                f if f.starts_with("moderators[") => {
                    let index: usize = f
                        .trim_start_matches("moderators[")
                        .trim_end_matches(']')
                        .parse()
                        .unwrap_or(0);
                    let typed = index
                        .checked_sub(form.local_moderators.len())
                        .and_then(|i| remote.get(i))
                        .cloned()
                        .unwrap_or_default();
                    (
                        "remote_moderators",
                        viewer.t_with("groups-error-moderator-address", &[("value", &typed)]),
                    )
                }
                _ => ("kind", viewer.t("groups-error-kind")),
            };
            out.0.entry(key).or_insert(text);
        }
        out
    }
}

async fn new_group_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/groups/new").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) = who.staff.require_operator("create groups") {
        return error_page(&viewer, e, Some(&who));
    }
    let form = NewGroup {
        kind: GroupKind::Regional.as_str().to_string(),
        ..NewGroup::default()
    };
    new_group_response(&state, &viewer, &who, &form, &NewGroupErrors::default(), StatusCode::OK).await
}

async fn create_group(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (token, form) = NewGroup::from_pairs(pairs);
    let who = match signed_in_form(&state, &mut viewer, &jar, "/groups/new", &token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(kind) = form.kind.parse::<GroupKind>() else {
        let mut errors = NewGroupErrors::default();
        errors.0.insert("kind", viewer.t("groups-error-kind"));
        return new_group_response(&state, &viewer, &who, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let input = GroupInput {
        slug: form.slug.clone(),
        name: form.name.clone(),
        description: form.description.clone(),
        kind,
        languages: form.language_tags(),
        moderators: form
            .local_moderators
            .iter()
            .cloned()
            .chain(form.remote_lines())
            .collect(),
    };
    match groups::create(&state, &who.staff, input).await {
        Ok(group) => Redirect::to(&format!("/groups/view/{}", group.id)).into_response(),
        Err(Error::Validation(fields)) => {
            let errors = NewGroupErrors::from_service(&viewer, &form, &fields);
            new_group_response(&state, &viewer, &who, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

/// A field's error, if it has one, as `role=alert` text with an id the field
/// points to.
fn field_error(errors: &NewGroupErrors, field: &str) -> Markup {
    html! {
        @if let Some(message) = errors.0.get(field) {
            p.error id=(format!("{field}-error")) role="alert" { (message) }
        }
    }
}

fn described_by(errors: &NewGroupErrors, field: &str, hint: bool) -> String {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{field}-hint"));
    }
    if errors.0.contains_key(field) {
        ids.push(format!("{field}-error"));
    }
    ids.join(" ")
}

fn invalid(errors: &NewGroupErrors, field: &str) -> Option<&'static str> {
    errors.0.contains_key(field).then_some("true")
}

async fn new_group_response(
    state: &AppState,
    viewer: &Viewer,
    who: &SignedIn,
    form: &NewGroup,
    errors: &NewGroupErrors,
    status: StatusCode,
) -> Response {
    let choices: Vec<ModeratorChoice> = match groups::moderator_choices(state).await {
        Ok(c) => c,
        Err(e) => return error_page(viewer, e, Some(who)),
    };
    let title = viewer.t("groups-new-title");
    viewer.respond(
        status,
        layout(
            viewer,
            &title,
            Some(who),
            html! {
                h1 { (title) }
                p { (viewer.t("groups-new-intro")) }
                @if !errors.0.is_empty() {
                    div.error-summary role="alert" id="error-summary" {
                        p { strong { (viewer.t("groups-new-errors")) } }
                        ul { @for (field, message) in &errors.0 { li { a href=(format!("#{field}")) { (message) } } } }
                    }
                }
                form method="post" action="/groups/new" novalidate {
                    (token_field(who))
                    div.field {
                        label for="name" { (viewer.t("groups-field-name")) }
                        (field_error(errors, "name"))
                        input id="name" name="name" value=(form.name) required maxlength="200"
                            aria-describedby=(described_by(errors, "name", false)) aria-invalid=[invalid(errors, "name")];
                    }
                    div.field {
                        label for="slug" { (viewer.t("groups-field-slug")) }
                        small id="slug-hint" { (viewer.t("groups-field-slug-hint")) }
                        (field_error(errors, "slug"))
                        input id="slug" name="slug" value=(form.slug) required dir="ltr"
                            aria-describedby=(described_by(errors, "slug", true)) aria-invalid=[invalid(errors, "slug")];
                    }
                    div.field {
                        label for="description" { (viewer.t("groups-field-purpose")) }
                        small id="description-hint" { (viewer.t("groups-field-purpose-hint")) }
                        (field_error(errors, "description"))
                        textarea id="description" name="description" rows="4"
                            aria-describedby=(described_by(errors, "description", true)) aria-invalid=[invalid(errors, "description")] { (form.description) }
                    }
                    fieldset id="kind" {
                        legend { (viewer.t("groups-field-kind")) }
                        (field_error(errors, "kind"))
                        @for kind in [GroupKind::Regional, GroupKind::Working] {
                            label.choice {
                                input type="radio" name="kind" value=(kind.as_str()) checked[form.kind == kind.as_str()];
                                " " (viewer.label("group-kind", kind.as_str()))
                            }
                        }
                    }
                    div.field {
                        label for="languages" { (viewer.t("groups-field-languages")) }
                        small id="languages-hint" { (viewer.t("groups-field-languages-hint")) }
                        (field_error(errors, "languages"))
                        input id="languages" name="languages" value=(form.languages) dir="ltr"
                            aria-describedby=(described_by(errors, "languages", true)) aria-invalid=[invalid(errors, "languages")];
                    }
                    fieldset id="moderators" {
                        legend { (viewer.t("groups-field-moderators")) }
                        p.meta { (viewer.t("groups-field-moderators-hint")) }
                        (field_error(errors, "moderators"))
                        @for choice in &choices {
                            label.choice {
                                input type="checkbox" name="moderator" value=(choice.slug)
                                    checked[form.local_moderators.contains(&choice.slug)];
                                " " (choice.name)
                            }
                        }
                        div.field {
                            label for="remote_moderators" { (viewer.t("groups-field-remote-moderators")) }
                            small id="remote_moderators-hint" { (viewer.t("groups-field-remote-moderators-hint")) }
                            (field_error(errors, "remote_moderators"))
                            textarea id="remote_moderators" name="remote_moderators" rows="3" dir="ltr"
                                aria-describedby=(described_by(errors, "remote_moderators", true))
                                aria-invalid=[invalid(errors, "remote_moderators")] { (form.remote_moderators) }
                        }
                    }
                    p { button type="submit" id="create-group" { (viewer.t("groups-create")) } }
                }
                p { a href="/groups" { (viewer.t("groups-back")) } }
            },
        ),
    )
}

#[derive(Deserialize)]
struct PageQuery {
    /// Set after a decision sent to a group's node, which applies it.
    sent: Option<String>,
}

/// The members as far as the viewer may see them: `Ok(None)` when they may
/// not, an error when the group's node could not be asked.
async fn visible_members(
    state: &AppState,
    who: &SignedIn,
    group: &GroupView,
) -> Result<Option<Vec<MemberView>>, Error> {
    match groups::members(state, &who.staff, &group.id).await {
        Ok(members) => Ok(Some(members)),
        Err(Error::Forbidden(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn group_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, &format!("/groups/view/{id}")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let group = match groups::get(&state, &who.staff, &id).await {
        Ok(g) => g,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let alerts = match groups::alerts(&state, &who.staff, &id).await {
        Ok(a) => a,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    // A group elsewhere is asked for its members only by those it answers:
    // its moderators and members.
    let asks_members =
        group.hosted || groups::decides_for(&state, &who.staff, &group) || group.membership == "accepted";
    let (members, unreachable) = if asks_members {
        match visible_members(&state, &who, &group).await {
            Ok(m) => (m, false),
            Err(Error::Internal(_)) | Err(Error::NotFound(_)) => (None, false),
            Err(_) => (None, true),
        }
    } else {
        (None, false)
    };
    let choices = groups::moderator_choices(&state).await.unwrap_or_default();
    let moderator_name = |uri: &str| -> String {
        choices
            .iter()
            .find(|c| c.uri == uri)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| uri.to_string())
    };
    let moderates = groups::decides_for(&state, &who.staff, &group);
    let can_act = who.staff.role.can_publish();
    let may_join = can_act && matches!(group.membership.as_str(), "none" | "rejected" | "left");
    let may_leave = can_act && matches!(group.membership.as_str(), "pending" | "accepted");
    let state_text = viewer.t(&format!("groups-state-{}", group.membership));
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &group.name,
            Some(&who),
            html! {
                p { a href="/groups" { (viewer.t("groups-back")) } }
                h1 { (group.name) }
                p.meta { (viewer.label("group-kind", &group.kind)) " · " (where_it_lives(&viewer, &group)) }
                @if !group.description.is_empty() { p.purpose.plain { (group.description) } }
                dl.facts {
                    dt { (viewer.t("groups-address")) }
                    dd dir="ltr" { code { (group.uri) } }
                    @if !group.languages.is_empty() {
                        dt { (viewer.t("groups-languages")) }
                        dd { (group.languages.join(", ")) }
                    }
                    dt { (viewer.t("groups-moderators")) }
                    dd { ul.inline { @for m in &group.moderators { li { (moderator_name(m)) } } } }
                }
                section.box id="membership" aria-labelledby="membership-heading" data-state=(group.membership) {
                    h2 id="membership-heading" { (viewer.t("group-your-organisation")) }
                    p { strong { (membership_badge(&viewer, &group.membership)) } " · " (state_text) }
                    @if moderates { p { span.tag.moderator { (viewer.t("groups-you-moderate")) } } }
                    @if may_join {
                        form method="post" action=(format!("/groups/view/{id}/join")) {
                            (token_field(&who))
                            p.meta { (viewer.t("groups-join-hint")) }
                            button type="submit" id="join-group" { (viewer.t("groups-join-ask")) }
                        }
                    }
                    @if may_leave {
                        p { a id="leave-link" href=(format!("/groups/view/{id}/leave")) { (viewer.t("groups-leave")) } }
                    }
                }
                @if query.sent.is_some() {
                    p.notice id="decision-sent" role="status" { (viewer.t("groups-decision-sent")) }
                }
                @if unreachable {
                    p.error id="members-unreachable" role="alert" { (viewer.t("groups-error-unreachable")) }
                }
                @if let Some(members) = &members {
                    @if moderates {
                        (moderation(&viewer, &who, &id, members))
                    } @else {
                        section id="members" aria-labelledby="members-heading" {
                            h2 id="members-heading" { (viewer.t("group-members")) }
                            @if members.is_empty() { p.meta { (viewer.t("groups-no-members")) } }
                            ul.members { @for m in members { li data-state=(m.state.as_str()) { (m.name) } } }
                        }
                    }
                }
                section id="group-alerts" aria-labelledby="alerts-heading" {
                    h2 id="alerts-heading" { (viewer.t("group-alerts")) }
                    @if alerts.is_empty() { p.meta { (viewer.t("group-no-alerts")) } }
                    ul.alerts {
                        @for a in &alerts {
                            @let href = if a.local { format!("/alerts/{}/view", a.id) } else { format!("/network/alerts/{}/view", a.id) };
                            li data-uri=(a.uri) {
                                a href=(href) { (a.number) ": " (a.title) }
                                " (" (viewer.label("status", a.status.as_str())) ")"
                            }
                        }
                    }
                }
            },
        ),
    )
}

/// The moderators' part of a group's page: requests to approve or refuse,
/// and members to remove (through a confirmation page).
fn moderation(viewer: &Viewer, who: &SignedIn, id: &str, members: &[MemberView]) -> Markup {
    let requests: Vec<&MemberView> = members.iter().filter(|m| m.state == MemberState::Pending).collect();
    let accepted: Vec<&MemberView> = members.iter().filter(|m| m.state == MemberState::Accepted).collect();
    let others: Vec<&MemberView> = members
        .iter()
        .filter(|m| !matches!(m.state, MemberState::Pending | MemberState::Accepted))
        .collect();
    html! {
        section id="requests" aria-labelledby="requests-heading" {
            h2 id="requests-heading" { (viewer.t("groups-requests")) }
            @if requests.is_empty() { p.meta { (viewer.t("groups-no-requests")) } }
            @else {
                table {
                    caption { (viewer.t("groups-requests-caption")) }
                    thead { tr { th scope="col" { (viewer.t("groups-organisation")) } th scope="col" { (viewer.t("groups-asked")) } th scope="col" { (viewer.t("groups-decision")) } } }
                    tbody {
                        @for m in &requests {
                            tr data-org=(m.org) {
                                th scope="row" { (m.name) br; small.meta dir="ltr" { (host_of(&m.org)) } }
                                td { (viewer.date(m.since)) }
                                td {
                                    form method="post" action=(format!("/groups/view/{id}/decide")) class="controls" {
                                        (token_field(who))
                                        input type="hidden" name="org" value=(m.org);
                                        button type="submit" name="decision" value="accepted" { (viewer.t("groups-approve")) }
                                        button type="submit" name="decision" value="rejected" { (viewer.t("groups-refuse")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section id="members" aria-labelledby="members-heading" {
            h2 id="members-heading" { (viewer.t("group-members")) }
            @if accepted.is_empty() { p.meta { (viewer.t("groups-no-members")) } }
            @else {
                table {
                    caption { (viewer.t("groups-members-caption")) }
                    thead { tr { th scope="col" { (viewer.t("groups-organisation")) } th scope="col" { (viewer.t("groups-since")) } th scope="col" { (viewer.t("groups-decision")) } } }
                    tbody {
                        @for m in &accepted {
                            tr data-org=(m.org) data-state="accepted" {
                                th scope="row" { (m.name) br; small.meta dir="ltr" { (host_of(&m.org)) } }
                                td { (viewer.date(m.since)) }
                                td { a.remove href=(format!("/groups/view/{id}/remove?org={}", urlencode(&m.org))) { (viewer.t_with("groups-remove", &[("org", &m.name)])) } }
                            }
                        }
                    }
                }
            }
            @if !others.is_empty() {
                h3 { (viewer.t("groups-former")) }
                ul.members {
                    @for m in &others {
                        li data-org=(m.org) data-state=(m.state.as_str()) { (m.name) " (" (viewer.label("membership", m.state.as_str())) ")" }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    confirm: String,
}

/// After a change, back to the group's page; a decision on a group elsewhere
/// is applied by its node, which the page says.
fn back_to_group(id: &str, remote: bool) -> Response {
    if remote {
        Redirect::to(&format!("/groups/view/{id}?sent=1")).into_response()
    } else {
        Redirect::to(&format!("/groups/view/{id}")).into_response()
    }
}

async fn join_group(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    let back = format!("/groups/view/{id}");
    let who = match signed_in_form(&state, &mut viewer, &jar, &back, &form.form_token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let group = match groups::get(&state, &who.staff, &id).await {
        Ok(g) => g,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    match groups::join(&state, &who.staff, &group.uri).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

/// What leaving does, said before it is done.
async fn leave_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let back = format!("/groups/view/{id}/leave");
    let who = match signed_in(&state, &mut viewer, &jar, &back).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let group = match groups::get(&state, &who.staff, &id).await {
        Ok(g) => g,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let title = viewer.t_with("groups-leave-title", &[("group", &group.name)]);
    confirmation(
        &viewer,
        &who,
        &title,
        &viewer.t_with("groups-leave-consequence", &[("group", &group.name)]),
        &back,
        None,
        &viewer.t("groups-leave-confirm"),
        &id,
    )
}

async fn leave_group(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    let who = match signed_in_form(
        &state,
        &mut viewer,
        &jar,
        &format!("/groups/view/{id}/leave"),
        &form.form_token,
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    if form.confirm != "yes" {
        return error_page(
            &viewer,
            FieldErrors::single("confirm", "confirm on the page that says what leaving does").into(),
            Some(&who),
        );
    }
    match groups::leave(&state, &who.staff, &id).await {
        Ok(_) => Redirect::to(&format!("/groups/view/{id}")).into_response(),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

/// A page that states a grave action's consequence, with the form that takes it.
#[allow(clippy::too_many_arguments, reason = "one page shape, two uses")]
fn confirmation(
    viewer: &Viewer,
    who: &SignedIn,
    title: &str,
    consequence: &str,
    action: &str,
    org: Option<&str>,
    button: &str,
    id: &str,
) -> Response {
    viewer.respond(
        StatusCode::OK,
        layout(
            viewer,
            title,
            Some(who),
            html! {
                h1 { (title) }
                div.warning id="consequence" role="note" { p { strong { (consequence) } } }
                form method="post" action=(action) {
                    (token_field(who))
                    input type="hidden" name="confirm" value="yes";
                    @if let Some(org) = org { input type="hidden" name="org" value=(org); }
                    p { button type="submit" id="confirm" { (button) } }
                }
                p { a href=(format!("/groups/view/{id}")) { (viewer.t("groups-cancel")) } }
            },
        ),
    )
}

async fn decide(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    let who = match signed_in_form(
        &state,
        &mut viewer,
        &jar,
        &format!("/groups/view/{id}"),
        &form.form_token,
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    let decision = match form.decision.as_str() {
        "accepted" => MemberState::Accepted,
        "rejected" => MemberState::Rejected,
        _ => {
            return error_page(
                &viewer,
                FieldErrors::single("decision", "approve or refuse").into(),
                Some(&who),
            );
        }
    };
    decide_and_return(&state, &viewer, &who, &id, &form.org, decision).await
}

async fn decide_and_return(
    state: &AppState,
    viewer: &Viewer,
    who: &SignedIn,
    id: &str,
    org: &str,
    decision: MemberState,
) -> Response {
    let group = match groups::get(state, &who.staff, id).await {
        Ok(g) => g,
        Err(e) => return error_page(viewer, e, Some(who)),
    };
    match groups::decide(state, &who.staff, id, org, decision).await {
        // A decision sent elsewhere may leave the group's node unreachable
        // for the member list just now: it was sent all the same.
        Ok(_) => back_to_group(id, !group.hosted),
        Err(Error::Federation(_) | Error::BadGateway(_)) if !group.hosted => back_to_group(id, true),
        Err(e) => error_page(viewer, e, Some(who)),
    }
}

#[derive(Deserialize)]
struct RemovalQuery {
    #[serde(default)]
    org: String,
}

/// What removing a member does, said before it is done.
async fn removal_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(query): Query<RemovalQuery>,
) -> Response {
    let back = format!("/groups/view/{id}/remove?org={}", urlencode(&query.org));
    let who = match signed_in(&state, &mut viewer, &jar, &back).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let group = match groups::get(&state, &who.staff, &id).await {
        Ok(g) => g,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    if !groups::decides_for(&state, &who.staff, &group) {
        return error_page(
            &viewer,
            Error::Forbidden("only the group's moderators decide who is in it".into()),
            Some(&who),
        );
    }
    let members = match groups::members(&state, &who.staff, &id).await {
        Ok(m) => m,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let Some(member) = members
        .iter()
        .find(|m| m.org == query.org && m.state == MemberState::Accepted)
    else {
        return error_page(&viewer, Error::NotFound("member"), Some(&who));
    };
    let args = [("org", member.name.as_str()), ("group", group.name.as_str())];
    confirmation(
        &viewer,
        &who,
        &viewer.t_with("groups-remove-title", &args),
        &viewer.t_with("groups-remove-consequence", &args),
        &format!("/groups/view/{id}/remove"),
        Some(&member.org),
        &viewer.t_with("groups-remove-confirm", &args),
        &id,
    )
}

async fn remove_member(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    let who = match signed_in_form(
        &state,
        &mut viewer,
        &jar,
        &format!("/groups/view/{id}"),
        &form.form_token,
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    if form.confirm != "yes" {
        return error_page(
            &viewer,
            FieldErrors::single("confirm", "confirm on the page that says what removal does").into(),
            Some(&who),
        );
    }
    decide_and_return(&state, &viewer, &who, &id, &form.org, MemberState::Removed).await
}
