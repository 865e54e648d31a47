//! The organisation's webhooks, for its admins (`/organisation/webhooks`):
//! the list, a form to add one (its secret shown once, on the page that
//! follows), and each webhook's page (`/organisation/webhooks/{id}`) with
//! its delivery log and forms to send a test, rotate the secret (the new one
//! shown once) and delete it. Every form carries the page's form token and
//! calls `services::webhooks`, as the API does (`/api/v1/organisation/webhooks…`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use maud::{Markup, html};
use serde::Deserialize;
use strum::VariantNames;

use super::{SignedIn, Viewer, error_page, layout, signed_in, signed_in_form};
use crate::domain::FieldErrors;
use crate::domain::notify::Subscription;
use crate::domain::vocab::{Role, Urgency};
use crate::error::Error;
use crate::services::webhooks::{self, NewWebhook, WebhookView, WebhookWithSecret};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/organisation/webhooks", get(list_page).post(create))
        .route("/organisation/webhooks/{id}", get(webhook_page))
        .route("/organisation/webhooks/{id}/test", post(test))
        .route("/organisation/webhooks/{id}/rotate-secret", post(rotate))
        .route("/organisation/webhooks/{id}/delete", post(delete))
}

const WEBHOOK_STYLE: &str = "code.secret{overflow-wrap:anywhere;font-size:1.1em}.table-wrap{overflow-x:auto}\
td.url{overflow-wrap:anywhere}";

fn page(viewer: &Viewer, who: &SignedIn, status: StatusCode, title: &str, body: Markup) -> Response {
    let body = html! { style { (WEBHOOK_STYLE) } (body) };
    viewer.respond(status, layout(viewer, title, Some(who), body))
}

fn token_field(who: &SignedIn) -> Markup {
    html! { input type="hidden" name="form_token" value=(who.form_token); }
}

/// A field's errors as the service states them (in English, marked so),
/// under the field it is about; list entries (`subscription.countries[1]`)
/// go under their list.
fn field_error(errors: &FieldErrors, field: &str) -> Markup {
    let messages: Vec<&String> = errors
        .0
        .iter()
        .filter(|(k, _)| *k == field || k.starts_with(&format!("{field}[")))
        .map(|(_, v)| v)
        .collect();
    html! {
        @if !messages.is_empty() {
            small.error id=(format!("{}-error", field.replace('.', "-"))) role="alert" {
                @for message in messages { span lang="en" { (message) } " " }
            }
        }
    }
}

/// The id of a field's error, when it has one (for `aria-describedby`).
fn described_by(errors: &FieldErrors, field: &str) -> Option<String> {
    invalid(errors, field).map(|_| format!("{}-error", field.replace('.', "-")))
}

fn invalid(errors: &FieldErrors, field: &str) -> Option<&'static str> {
    errors
        .0
        .keys()
        .any(|k| k == field || k.starts_with(&format!("{field}[")))
        .then_some("true")
}

/// What the form to add a webhook sent (kept to show again after an error).
#[derive(Debug, Clone, Default)]
struct WebhookForm {
    form_token: String,
    url: String,
    description: String,
    min_urgency: String,
    countries: String,
    own_organisation: bool,
    responses: bool,
    overdue_pledges: bool,
    expiry_near: bool,
}

impl WebhookForm {
    /// A new form: the organisation's own notices ticked, no other alerts.
    fn blank() -> WebhookForm {
        WebhookForm {
            own_organisation: true,
            responses: true,
            overdue_pledges: true,
            expiry_near: true,
            ..WebhookForm::default()
        }
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> WebhookForm {
        let mut form = WebhookForm::default();
        for (name, value) in pairs {
            match name.as_str() {
                "form_token" => form.form_token = value,
                "url" => form.url = value,
                "description" => form.description = value,
                "min_urgency" => form.min_urgency = value,
                "countries" => form.countries = value,
                "own_organisation" => form.own_organisation = true,
                "responses" => form.responses = true,
                "overdue_pledges" => form.overdue_pledges = true,
                "expiry_near" => form.expiry_near = true,
                _ => {}
            }
        }
        form
    }

    fn input(&self) -> Result<NewWebhook, FieldErrors> {
        let min_urgency = match self.min_urgency.as_str() {
            "" => None,
            other => Some(
                other
                    .parse::<Urgency>()
                    .map_err(|_| FieldErrors::single("subscription.min_urgency", "not one of the choices"))?,
            ),
        };
        let countries = self
            .countries
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        Ok(NewWebhook {
            url: self.url.clone(),
            description: self.description.clone(),
            subscription: Subscription {
                min_urgency,
                countries,
                own_organisation: self.own_organisation,
                responses: Some(self.responses),
                overdue_pledges: Some(self.overdue_pledges),
                expiry_near: Some(self.expiry_near),
                ..Subscription::default_for(Role::Viewer)
            },
        })
    }
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn list_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Query(done): Query<Done>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/organisation/webhooks").await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let notice = match done.done.as_deref() {
        Some("deleted") => Some(viewer.t("webhooks-deleted")),
        _ => None,
    };
    render_list(
        &state,
        &viewer,
        &who,
        &WebhookForm::blank(),
        &FieldErrors::default(),
        notice,
    )
    .await
}

async fn render_list(
    state: &AppState,
    viewer: &Viewer,
    who: &SignedIn,
    form: &WebhookForm,
    errors: &FieldErrors,
    notice: Option<String>,
) -> Response {
    let hooks = match webhooks::list(state, &who.staff).await {
        Ok(hooks) => hooks,
        Err(err) => return error_page(viewer, err, Some(who)),
    };
    let title = viewer.t("webhooks-title");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        h1 { (title) }
        @if let Some(notice) = &notice { p.notice id="notice" role="status" { (notice) } }
        p { (viewer.t("webhooks-intro")) }
        p { a href="/organisation" { (viewer.t("org-back")) } }
        @if hooks.is_empty() {
            p id="no-webhooks" { (viewer.t("webhooks-none")) }
        } @else {
            div.table-wrap {
                table id="webhooks" {
                    caption { (viewer.t("webhooks-caption")) }
                    thead { tr {
                        th scope="col" { (viewer.t("webhooks-url")) }
                        th scope="col" { (viewer.t("webhooks-description")) }
                        th scope="col" { (viewer.t("webhooks-created")) }
                    } }
                    tbody {
                        @for hook in &hooks {
                            tr data-webhook=(hook.id) {
                                td.url { a href=(format!("/organisation/webhooks/{}", hook.id)) dir="ltr" { (hook.url) } }
                                td.content { bdi { (hook.description) } }
                                td { (viewer.date_time(hook.created_at)) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="new-webhook-heading" {
            h2 id="new-webhook-heading" { (viewer.t("webhooks-new-heading")) }
            @if !errors.is_empty() {
                div.error-summary role="alert" id="refused" { p { (viewer.t("webhooks-fix")) } }
            }
            form method="post" action="/organisation/webhooks" id="webhook-form" {
                (token_field(who))
                div.field {
                    label for="webhook-url" { (viewer.t("webhooks-url")) }
                    small id="webhook-url-hint" { (viewer.t("webhooks-url-hint")) }
                    input id="webhook-url" name="url" type="url" value=(form.url) required dir="ltr"
                        aria-invalid=[invalid(errors, "url")]
                        aria-describedby=(described_by(errors, "url").map_or("webhook-url-hint".to_string(), |e| format!("webhook-url-hint {e}")));
                    (field_error(errors, "url"))
                }
                div.field {
                    label for="webhook-description" { (viewer.t("webhooks-description")) }
                    input id="webhook-description" name="description" value=(form.description) maxlength="200"
                        aria-invalid=[invalid(errors, "description")] aria-describedby=[described_by(errors, "description")];
                    (field_error(errors, "description"))
                }
                div.field {
                    label for="webhook-min_urgency" { (viewer.t("account-notices-urgency")) }
                    select id="webhook-min_urgency" name="min_urgency" {
                        option value="" selected[form.min_urgency.is_empty()] { (viewer.t("account-notices-urgency-none")) }
                        @for value in Urgency::VARIANTS {
                            option value=(value) selected[form.min_urgency == *value] { (viewer.label("urgency", value)) }
                        }
                    }
                    (field_error(errors, "subscription.min_urgency"))
                }
                div.field {
                    label for="webhook-countries" { (viewer.t("account-notices-countries")) }
                    input id="webhook-countries" name="countries" value=(form.countries) dir="ltr"
                        aria-invalid=[invalid(errors, "subscription.countries")]
                        aria-describedby=[described_by(errors, "subscription.countries")];
                    (field_error(errors, "subscription.countries"))
                }
                fieldset {
                    legend { (viewer.t("webhooks-own")) }
                    label.choice {
                        input type="checkbox" name="own_organisation" value="yes" checked[form.own_organisation];
                        " " (viewer.t("account-notices-own"))
                    }
                    label.choice {
                        input type="checkbox" name="responses" value="yes" checked[form.responses];
                        " " (viewer.t("account-notices-responses"))
                    }
                    label.choice {
                        input type="checkbox" name="overdue_pledges" value="yes" checked[form.overdue_pledges];
                        " " (viewer.t("account-notices-overdue-pledges"))
                    }
                    label.choice {
                        input type="checkbox" name="expiry_near" value="yes" checked[form.expiry_near];
                        " " (viewer.t("account-notices-expiry-near"))
                    }
                }
                p { button type="submit" { (viewer.t("webhooks-add")) } }
            }
        }
    };
    page(viewer, who, status, &title, body)
}

async fn create(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = WebhookForm::from_pairs(pairs);
    let who = match signed_in_form(&state, &mut viewer, &jar, "/organisation/webhooks", &form.form_token).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let made = match form.input() {
        Ok(input) => webhooks::create(&state, &who.staff, input).await,
        Err(errors) => Err(Error::Validation(errors)),
    };
    match made {
        Ok(made) => secret_page(&viewer, &who, "webhooks-created-title", &made),
        Err(Error::Validation(errors)) => render_list(&state, &viewer, &who, &form, &errors, None).await,
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

/// The secret, once: after a webhook is added, and after a rotation.
fn secret_page(viewer: &Viewer, who: &SignedIn, title_key: &str, made: &WebhookWithSecret) -> Response {
    let title = viewer.t(title_key);
    let body = html! {
        h1 { (title) }
        p role="status" { (viewer.t("webhooks-secret-once")) }
        p.content { code.secret id="webhook-secret" dir="ltr" { (made.secret) } }
        @if let Some(until) = made.webhook.previous_secret_until {
            p id="previous-until" { (viewer.t_with("webhooks-previous-until", &[("date", &viewer.date_time(until))])) }
        }
        p { a href=(format!("/organisation/webhooks/{}", made.webhook.id)) { (viewer.t("webhooks-open")) } }
    };
    page(viewer, who, StatusCode::OK, &title, body)
}

async fn webhook_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let path = format!("/organisation/webhooks/{id}");
    let who = match signed_in(&state, &mut viewer, &jar, &path).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let hook = match webhooks::list(&state, &who.staff).await {
        Ok(hooks) => hooks.into_iter().find(|h| h.id == id),
        Err(err) => return error_page(&viewer, err, Some(&who)),
    };
    let Some(hook) = hook else {
        return error_page(&viewer, Error::NotFound("webhook"), Some(&who));
    };
    let log = match webhooks::deliveries(&state, &who.staff, &id).await {
        Ok(log) => log,
        Err(err) => return error_page(&viewer, err, Some(&who)),
    };
    let notice = match done.done.as_deref() {
        Some("test") => Some(viewer.t("webhooks-test-queued")),
        _ => None,
    };
    render_webhook(&viewer, &who, &hook, &log, notice)
}

fn render_webhook(
    viewer: &Viewer,
    who: &SignedIn,
    hook: &WebhookView,
    log: &[webhooks::WebhookDeliveryView],
    notice: Option<String>,
) -> Response {
    let title = viewer.t("webhooks-one-title");
    let action = |what: &str| format!("/organisation/webhooks/{}/{what}", hook.id);
    let body = html! {
        h1 { (title) }
        @if let Some(notice) = &notice { p.notice id="notice" role="status" { (notice) } }
        p { a href="/organisation/webhooks" { (viewer.t("webhooks-back")) } }
        dl.facts id="webhook" {
            dt { (viewer.t("webhooks-url")) } dd dir="ltr" { (hook.url) }
            dt { (viewer.t("webhooks-description")) } dd { bdi { (hook.description) } }
            dt { (viewer.t("webhooks-created")) } dd { (viewer.date_time(hook.created_at)) }
            @if let Some(until) = hook.previous_secret_until {
                dt { (viewer.t("webhooks-rotation")) }
                dd { (viewer.t_with("webhooks-previous-until", &[("date", &viewer.date_time(until))])) }
            }
        }
        div.controls {
            form method="post" action=(action("test")) id="test-form" {
                (token_field(who))
                button type="submit" { (viewer.t("webhooks-test")) }
            }
            form method="post" action=(action("rotate-secret")) id="rotate-form" {
                (token_field(who))
                p.meta { (viewer.t("webhooks-rotate-explain")) }
                button type="submit" { (viewer.t("webhooks-rotate")) }
            }
            form method="post" action=(action("delete")) id="delete-form" {
                (token_field(who))
                input type="hidden" name="confirm" value="yes";
                p.meta { (viewer.t("webhooks-delete-explain")) }
                button type="submit" { (viewer.t("webhooks-delete")) }
            }
        }
        section aria-labelledby="log-heading" {
            h2 id="log-heading" { (viewer.t("webhooks-log-heading")) }
            @if log.is_empty() {
                p id="no-deliveries" { (viewer.t("webhooks-log-none")) }
            } @else {
                div.table-wrap {
                    table id="deliveries" {
                        caption { (viewer.t("webhooks-log-caption")) }
                        thead { tr {
                            th scope="col" { (viewer.t("webhooks-log-created")) }
                            th scope="col" { (viewer.t("webhooks-log-kind")) }
                            th scope="col" { (viewer.t("webhooks-log-state")) }
                            th scope="col" { (viewer.t("webhooks-log-attempts")) }
                            th scope="col" { (viewer.t("webhooks-log-answer")) }
                        } }
                        tbody {
                            @for d in log {
                                tr data-delivery=(d.id) data-state=(d.state) {
                                    td { (viewer.date_time(d.created_at)) }
                                    td { (viewer.label("webhooks-kind", &d.kind)) }
                                    td {
                                        (viewer.label("webhooks-state", &d.state))
                                        @if d.state == "pending" && d.attempts > 0 {
                                            br; small { (viewer.t_with("webhooks-log-next", &[("date", &viewer.date_time(d.next_attempt_at))])) }
                                        }
                                    }
                                    td { (viewer.number(d.attempts)) }
                                    td {
                                        @if let Some(status) = d.last_status { code { (status) } " " }
                                        @if let Some(error) = &d.last_error { span lang="en" dir="ltr" { (error) } }
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

#[derive(Deserialize)]
struct ButtonForm {
    #[serde(default)]
    form_token: String,
    confirm: Option<String>,
}

async fn test(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Response {
    let back = format!("/organisation/webhooks/{id}");
    let who = match signed_in_form(&state, &mut viewer, &jar, &back, &form.form_token).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    match webhooks::test(&state, &who.staff, &id).await {
        Ok(_) => Redirect::to(&format!("{back}?done=test")).into_response(),
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

async fn rotate(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Response {
    let back = format!("/organisation/webhooks/{id}");
    let who = match signed_in_form(&state, &mut viewer, &jar, &back, &form.form_token).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    match webhooks::rotate(&state, &who.staff, &id).await {
        Ok(made) => secret_page(&viewer, &who, "webhooks-rotated-title", &made),
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}

async fn delete(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Response {
    let back = format!("/organisation/webhooks/{id}");
    let who = match signed_in_form(&state, &mut viewer, &jar, &back, &form.form_token).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    if form.confirm.as_deref() != Some("yes") {
        return Redirect::to(&back).into_response();
    }
    match webhooks::delete(&state, &who.staff, &id).await {
        Ok(()) => Redirect::to("/organisation/webhooks?done=deleted").into_response(),
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}
