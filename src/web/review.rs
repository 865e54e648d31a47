//! An alert's review and publication steps: submit for review, return to
//! draft with a comment, publish, close with an outcome, withdraw, and record
//! that the defender withdrew consent (after a page that says plainly what
//! that does). Each step is a form with the session's token, calling
//! `services::alerts::transition` as the API does; the service decides who
//! may take which step, and the page only leaves out the buttons a person
//! cannot use.

use axum::extract::{Path, State};
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
use crate::domain::vocab::{AlertStatus, Outcome};
use crate::error::Error;
use crate::services::alerts::{self, AlertView, Transition};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts/{id}/review", get(review_page))
        .route("/alerts/{id}/submit", post(submit))
        .route("/alerts/{id}/return", post(return_to_draft))
        .route("/alerts/{id}/publish", post(publish))
        .route("/alerts/{id}/close", post(close))
        .route("/alerts/{id}/withdraw", post(withdraw))
        .route(
            "/alerts/{id}/consent/withdraw",
            get(consent_withdrawal_page).post(withdraw_consent),
        )
}

/// The steps `who` may take on `alert` in its status, as forms (and a link
/// to the confirmation page for a withdrawal of consent). Nothing for
/// another organisation's alert.
pub(super) fn lifecycle_panel(viewer: &Viewer, who: &SignedIn, alert: &AlertView) -> Markup {
    let role = who.staff.role;
    let own = alert.org == who.staff.org_slug;
    let status = alert.status;
    let id = &alert.id;
    let can_edit = own
        && role.can_draft()
        && match status {
            AlertStatus::Draft | AlertStatus::InReview => true,
            AlertStatus::Open => role.can_publish(),
            AlertStatus::Closed | AlertStatus::Withdrawn => false,
        };
    let can_submit = own && role.can_draft() && status == AlertStatus::Draft;
    let can_review = own && role.can_publish() && status == AlertStatus::InReview;
    let can_close = own && role.can_publish() && status == AlertStatus::Open;
    let can_withdraw =
        own && role.can_publish() && matches!(status, AlertStatus::Draft | AlertStatus::InReview | AlertStatus::Open);
    let consent_open = alert.consent.as_ref().is_some_and(|c| c.withdrawn_at.is_none());
    let can_withdraw_consent = own && role.can_draft() && consent_open && status != AlertStatus::Withdrawn;
    let token = html! { input type="hidden" name="form_token" value=(who.form_token); };
    let nothing = !(can_edit || can_submit || can_review || can_close || can_withdraw || can_withdraw_consent);
    html! {
        section id="lifecycle" aria-labelledby="lifecycle-heading" data-status=(status.as_str()) {
            h2 id="lifecycle-heading" { (viewer.t("review-heading")) }
            p.meta { (viewer.t("review-status")) ": " strong { (viewer.label("status", status.as_str())) } }
            @if nothing { p.meta { (viewer.t("review-no-steps")) } }
            @if can_edit {
                p { a id="edit-link" href=(format!("/alerts/{id}/edit")) { (viewer.t("review-edit")) } }
            }
            @if can_submit {
                form method="post" action=(format!("/alerts/{id}/submit")) data-step="submit" {
                    (token)
                    p.hint { (viewer.t("review-submit-hint")) }
                    button type="submit" { (viewer.t("review-submit")) }
                }
            }
            @if can_review {
                form method="post" action=(format!("/alerts/{id}/publish")) data-step="publish" {
                    (token)
                    p.hint { (viewer.t("review-publish-hint")) }
                    button type="submit" { (viewer.t("review-publish")) }
                }
                form method="post" action=(format!("/alerts/{id}/return")) data-step="return" {
                    (token)
                    label for="return-note" { (viewer.t("review-return-note")) }
                    textarea id="return-note" name="note" rows="3" required {}
                    button type="submit" { (viewer.t("review-return")) }
                }
            }
            @if can_close {
                form method="post" action=(format!("/alerts/{id}/close")) data-step="close" {
                    (token)
                    label for="close-outcome" { (viewer.t("review-close-outcome")) }
                    select id="close-outcome" name="outcome" required {
                        option value="" { (viewer.t("form-none-chosen")) }
                        @for o in Outcome::VARIANTS { option value=(o) { (viewer.label("outcome", o)) } }
                    }
                    label for="close-note" { (viewer.t("review-close-note")) }
                    textarea id="close-note" name="note" rows="3" {}
                    button type="submit" { (viewer.t("review-close")) }
                }
            }
            @if can_withdraw {
                form method="post" action=(format!("/alerts/{id}/withdraw")) data-step="withdraw" {
                    (token)
                    label for="withdraw-reason" { (viewer.t("review-withdraw-reason")) }
                    textarea id="withdraw-reason" name="reason" rows="3" {}
                    button type="submit" { (viewer.t("review-withdraw")) }
                }
            }
            @if can_withdraw_consent {
                p {
                    a id="consent-withdrawal-link" href=(format!("/alerts/{id}/consent/withdraw")) {
                        (viewer.t("review-consent-withdrawal"))
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct StepForm {
    #[serde(default)]
    form_token: String,
    note: Option<String>,
    reason: Option<String>,
    outcome: Option<String>,
    /// Set by the confirmation page of a withdrawal of consent.
    confirm: Option<String>,
}

/// The alert's page of steps and its history, with each review comment.
async fn review_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, &format!("/alerts/{id}/review")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let alert = match alerts::get(&state, &who.staff, &id).await {
        Ok(a) => a,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let history = match alerts::history(&state, &who.staff, &id).await {
        Ok(h) => h,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let heading = viewer.t_with("review-page-heading", &[("number", &alert.number)]);
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &heading,
            Some(&who),
            html! {
                h1 { (heading) }
                p.title { (viewer.pick(&alert.content.title)) }
                (lifecycle_panel(&viewer, &who, &alert))
                h2 { (viewer.t("review-history")) }
                ol id="history" {
                    @for entry in &history {
                        li data-action=(entry.action.as_str()) {
                            (viewer.date_time(entry.at)) " · " (entry.by) " · "
                            (viewer.t(&format!("review-action-{}", entry.action.as_str().replace('_', "-"))))
                            " (" (viewer.label("status", entry.status.as_str())) ")"
                            @if let Some(note) = &entry.note {
                                @if entry.action != crate::domain::vocab::HistoryAction::ConsentRecorded && entry.action != crate::domain::vocab::HistoryAction::Edited {
                                    blockquote.note { (note) }
                                }
                            }
                        }
                    }
                }
            },
        ),
    )
}

/// Takes one step for `who` and goes to the alert's page; a refusal is
/// answered with the API's status and its reason.
async fn take_step(
    state: AppState,
    mut viewer: Viewer,
    jar: CookieJar,
    id: String,
    form: StepForm,
    change: impl FnOnce(&StepForm) -> Result<Transition, Error>,
) -> Response {
    let back = format!("/alerts/{id}/review");
    let who = match signed_in_form(&state, &mut viewer, &jar, &back, &form.form_token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = match change(&form) {
        Ok(change) => alerts::transition(&state, &who.staff, &id, change).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(view) => Redirect::to(&format!("/alerts/{}/view", view.id)).into_response(),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

async fn submit(
    State(s): State<AppState>,
    v: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Response {
    take_step(s, v, jar, id, f, |_| Ok(Transition::Submit)).await
}

async fn publish(
    State(s): State<AppState>,
    v: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Response {
    take_step(s, v, jar, id, f, |_| Ok(Transition::Publish)).await
}

async fn return_to_draft(
    State(s): State<AppState>,
    v: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Response {
    take_step(s, v, jar, id, f, |f| {
        Ok(Transition::ReturnToDraft { note: f.note.clone() })
    })
    .await
}

async fn close(
    State(s): State<AppState>,
    v: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Response {
    take_step(s, v, jar, id, f, |f| {
        let outcome = f
            .outcome
            .as_deref()
            .and_then(|o| o.parse::<Outcome>().ok())
            .ok_or_else(|| Error::from(FieldErrors::single("outcome", "required: how the case ended")))?;
        Ok(Transition::Close {
            outcome,
            note: f.note.clone(),
        })
    })
    .await
}

async fn withdraw(
    State(s): State<AppState>,
    v: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Response {
    take_step(s, v, jar, id, f, |f| {
        Ok(Transition::Withdraw {
            reason: f.reason.clone(),
        })
    })
    .await
}

/// What recording a withdrawal of consent does, said before it is done.
async fn consent_withdrawal_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let back = format!("/alerts/{id}/consent/withdraw");
    let who = match signed_in(&state, &mut viewer, &jar, &back).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let alert = match alerts::get(&state, &who.staff, &id).await {
        Ok(a) => a,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let heading = viewer.t_with("review-consent-heading", &[("number", &alert.number)]);
    let published = alert.published_at.is_some();
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &heading,
            Some(&who),
            html! {
                h1 { (heading) }
                p.title { (viewer.pick(&alert.content.title)) }
                div.warning id="consent-warning" role="note" {
                    p { strong { (viewer.t("review-consent-everywhere")) } }
                    @if published { p { (viewer.t("review-consent-published")) } }
                    p { strong { (viewer.t("review-consent-final")) } }
                }
                form method="post" action=(back) data-step="withdraw-consent" {
                    input type="hidden" name="form_token" value=(who.form_token);
                    input type="hidden" name="confirm" value="yes";
                    p {
                        label for="consent-note" { (viewer.t("review-consent-note")) }
                        br;
                        textarea id="consent-note" name="note" rows="3" style="width:100%;box-sizing:border-box" {}
                    }
                    p { button type="submit" { (viewer.t("review-consent-confirm")) } }
                }
                p { a href=(format!("/alerts/{id}/view")) { (viewer.t("review-consent-cancel")) } }
            },
        ),
    )
}

async fn withdraw_consent(
    State(s): State<AppState>,
    v: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Response {
    take_step(s, v, jar, id, f, |f| {
        if f.confirm.as_deref() != Some("yes") {
            return Err(Error::from(FieldErrors::single(
                "confirm",
                "confirm on the page that says what a withdrawal of consent does",
            )));
        }
        Ok(Transition::WithdrawConsent { note: f.note.clone() })
    })
    .await
}
