//! Deliveries: per peer, how many activities wait and since when, what
//! failed and why, what is being retried and when next, and the last
//! deliveries to it; and a hand on the queue, putting undelivered activities
//! back to be sent now (`services::monitoring::retry`, as
//! `POST /api/v1/deliveries/retry` does).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use maud::{Markup, html};
use serde::Deserialize;

use super::{age, foreign, operator, operator_form, style, token_field};
use crate::domain::vocab::DeliveryState;
use crate::services::monitoring::{self, DeliveryLine};
use crate::state::AppState;
use crate::web::{SignedIn, Viewer, error_page, layout};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/deliveries", get(deliveries_page))
        .route("/admin/deliveries/{host}", get(peer_deliveries_page))
        .route("/admin/deliveries/retry", post(retry))
        .route("/admin/deliveries/email-pause", post(pause_email))
}

fn host_path(host: &str) -> String {
    format!("/admin/deliveries/{host}")
}

/// The kind of an activity in words; a kind this node does not send itself
/// is shown as the protocol names it.
fn kind_text(viewer: &Viewer, kind: &str) -> Markup {
    let key = format!("deliveries-kind-{}", kind.to_lowercase());
    if viewer.texts.has(viewer.lang, &key) {
        html! { (viewer.t(&key)) }
    } else {
        foreign(kind)
    }
}

/// How many were put back in the queue, said after a retry.
#[derive(Deserialize)]
struct Requeued {
    requeued: Option<u64>,
}

fn requeued_notice(viewer: &Viewer, requeued: Option<u64>) -> Markup {
    html! {
        @if let Some(n) = requeued {
            p #requeued role="status" { (viewer.t_with("deliveries-requeued", &[("count", &viewer.number(n))])) }
        }
    }
}

/// A retry form: everything, one peer's, or one delivery.
fn retry_form(who: &SignedIn, host: Option<&str>, id: Option<&str>, label: &str) -> Markup {
    html! {
        form.retry method="post" action="/admin/deliveries/retry" {
            (token_field(who))
            @if let Some(host) = host { input type="hidden" name="host" value=(host); }
            @if let Some(id) = id { input type="hidden" name="id" value=(id); }
            button type="submit" { (label) }
        }
    }
}

async fn deliveries_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Query(notice): Query<Requeued>,
) -> Response {
    let who = match operator(&state, &mut viewer, &jar, "/admin/deliveries").await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let queues = match monitoring::queues(&state).await {
        Ok(q) => q,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let notices = match crate::services::notifications::queue_overview(&state, &who.staff).await {
        Ok(n) => n,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let title = viewer.t("deliveries-title");
    let undelivered: i64 = queues.iter().map(|q| q.pending + q.failed).sum();
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &title,
            Some(&who),
            html! {
                (style())
                h1 { (title) }
                p { (viewer.t("deliveries-intro")) }
                (requeued_notice(&viewer, notice.requeued))
                @if queues.is_empty() {
                    p.meta { (viewer.t("deliveries-none")) }
                } @else {
                    div.scroll tabindex="0" role="region" aria-labelledby="queues-caption" {
                        table #queues {
                            caption #queues-caption { (viewer.t("deliveries-queues-caption")) }
                            thead {
                                tr {
                                    th scope="col" { (viewer.t("deliveries-peer")) }
                                    th scope="col" { (viewer.t("deliveries-waiting")) }
                                    th scope="col" { (viewer.t("deliveries-oldest")) }
                                    th scope="col" { (viewer.t("deliveries-failed")) }
                                    th scope="col" { (viewer.t("deliveries-health")) }
                                    th scope="col" { (viewer.t("deliveries-last-success")) }
                                }
                            }
                            tbody {
                                @for q in &queues {
                                    tr data-host=(q.host) data-pending=(q.pending) data-failed=(q.failed) {
                                        th scope="row" { a href=(host_path(&q.host)) { (q.host) } }
                                        td { (viewer.number(q.pending)) }
                                        td {
                                            @match q.oldest_pending_seconds {
                                                Some(s) => (age(&viewer, s)),
                                                None => "—",
                                            }
                                        }
                                        td { (viewer.number(q.failed)) }
                                        td {
                                            @if q.unreachable {
                                                strong.error { (viewer.t("deliveries-unreachable")) } " "
                                            }
                                            @match (q.failing_since, &q.last_error) {
                                                (Some(since), Some(error)) => {
                                                    (viewer.t_with("deliveries-failing-since", &[("at", &viewer.date_time(since))])) ": " (foreign(error))
                                                }
                                                (Some(since), None) => (viewer.t_with("deliveries-failing-since", &[("at", &viewer.date_time(since))])),
                                                _ => (viewer.t("deliveries-healthy")),
                                            }
                                        }
                                        td {
                                            @match q.last_success {
                                                Some(at) => (viewer.date_time(at)),
                                                None => (viewer.t("deliveries-never")),
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if undelivered > 0 {
                    p { (viewer.t("deliveries-retry-all-help")) }
                    (retry_form(&who, None, None, &viewer.t("deliveries-retry-all")))
                }
                (notices_section(&viewer, &who, &notices))
                p { a href="/admin" { (viewer.t("deliveries-back-admin")) } }
            },
        ),
    )
}

/// Email notices to staff: how many wait, were sent, failed; those not
/// sent and why; and the switch that pauses email for the node.
fn notices_section(viewer: &Viewer, who: &SignedIn, queue: &crate::services::notifications::NoticeQueue) -> Markup {
    html! {
        section #notices aria-labelledby="notices-heading" {
            h2 #notices-heading { (viewer.t("deliveries-notices")) }
            p #notice-counts {
                (viewer.t_with("deliveries-notices-counts", &[
                    ("pending", &viewer.number(queue.pending)),
                    ("sent", &viewer.number(queue.sent)),
                    ("failed", &viewer.number(queue.failed)),
                ]))
            }
            @if !queue.email_configured {
                p.meta #no-smtp { (viewer.t("deliveries-notices-no-smtp")) }
            }
            @if !queue.unsent.is_empty() {
                div.scroll tabindex="0" role="region" aria-labelledby="unsent-caption" {
                    table #unsent-notices {
                        caption #unsent-caption { (viewer.t("deliveries-notices-unsent")) }
                        thead { tr {
                            th scope="col" { (viewer.t("deliveries-notices-queued")) }
                            th scope="col" { (viewer.t("deliveries-notices-state")) }
                            th scope="col" { (viewer.t("deliveries-notices-attempts")) }
                            th scope="col" { (viewer.t("deliveries-notices-error")) }
                        } }
                        tbody {
                            @for n in &queue.unsent {
                                tr data-notice=(n.id) data-state=(n.state) {
                                    td { (viewer.date_time(n.created_at)) }
                                    td { (viewer.t(&format!("deliveries-notices-state-{}", n.state))) }
                                    td { (viewer.number(n.attempts)) }
                                    td { @if let Some(error) = &n.last_error { (foreign(error)) } }
                                }
                            }
                        }
                    }
                }
            }
            form #email-pause method="post" action="/admin/deliveries/email-pause" {
                (token_field(who))
                @if queue.email_paused {
                    p.error #email-paused { (viewer.t("deliveries-email-paused")) }
                    input type="hidden" name="paused" value="false";
                    button type="submit" { (viewer.t("deliveries-email-resume")) }
                } @else {
                    input type="hidden" name="paused" value="true";
                    button type="submit" { (viewer.t("deliveries-email-pause")) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct PauseForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    paused: String,
}

async fn pause_email(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<PauseForm>,
) -> Response {
    let who = match operator_form(&state, &mut viewer, &jar, "/admin/deliveries", &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let paused = match form.paused.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return error_page(
                &viewer,
                crate::error::Error::BadRequest("`paused` must be true or false".into()),
                Some(&who),
            );
        }
    };
    match crate::services::notifications::set_email_paused(&state, &who.staff, paused).await {
        Ok(()) => Redirect::to("/admin/deliveries#notices").into_response(),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

/// The state of a delivery in words: waiting, retrying (with how many
/// attempts failed), delivered or failed.
fn state_text(viewer: &Viewer, d: &DeliveryLine) -> String {
    match d.state {
        DeliveryState::Pending if d.attempts > 0 => {
            viewer.t_with("deliveries-retrying", &[("attempts", &viewer.number(d.attempts))])
        }
        other => viewer.label("delivery-state", other.as_str()),
    }
}

fn reason_cell(d: &DeliveryLine) -> Markup {
    html! {
        td.reason {
            @match &d.reason { Some(r) => (foreign(r)), None => "—" }
        }
    }
}

async fn peer_deliveries_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(host): Path<String>,
    Query(notice): Query<Requeued>,
) -> Response {
    let who = match operator(&state, &mut viewer, &jar, &host_path(&host)).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let found = match monitoring::peer_deliveries(&state, &who.staff, &host).await {
        Ok(d) => d,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let title = viewer.t_with("deliveries-peer-title", &[("host", &host)]);
    let undelivered = !found.failed.is_empty() || !found.waiting.is_empty();
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &title,
            Some(&who),
            html! {
                (style())
                p { a href="/admin/deliveries" { (viewer.t("deliveries-back")) } }
                h1 { (title) }
                (requeued_notice(&viewer, notice.requeued))
                @if let Some(q) = &found.queue {
                    dl.facts #queue-facts {
                        dt { (viewer.t("deliveries-waiting")) }
                        dd #queue-waiting { (viewer.number(q.pending)) }
                        dt { (viewer.t("deliveries-oldest")) }
                        dd { @match q.oldest_pending_seconds { Some(s) => (age(&viewer, s)), None => "—" } }
                        dt { (viewer.t("deliveries-failed")) }
                        dd { (viewer.number(q.failed)) }
                        dt { (viewer.t("deliveries-last-success")) }
                        dd { @match q.last_success { Some(at) => (viewer.date_time(at)), None => (viewer.t("deliveries-never")) } }
                    }
                    @if q.unreachable { p.error role="alert" { (viewer.t("deliveries-unreachable-help")) } }
                }
                @if undelivered {
                    (retry_form(&who, Some(&host), None, &viewer.t("deliveries-retry-peer")))
                }
                p { a href=(format!("/admin/peers/{host}")) { (viewer.t("deliveries-to-peer")) } }
                section aria-labelledby="failed-heading" {
                    h2 #failed-heading { (viewer.t("deliveries-failed-heading")) }
                    @if found.failed.is_empty() {
                        p.meta { (viewer.t("deliveries-failed-none")) }
                    } @else {
                        p { (viewer.t("deliveries-failed-help")) }
                        div.scroll tabindex="0" role="region" aria-labelledby="failed-caption" {
                            table #failed {
                                caption #failed-caption { (viewer.t("deliveries-failed-caption")) }
                                thead { tr {
                                    th scope="col" { (viewer.t("deliveries-kind")) }
                                    th scope="col" { (viewer.t("deliveries-queued")) }
                                    th scope="col" { (viewer.t("deliveries-attempts")) }
                                    th scope="col" { (viewer.t("deliveries-reason")) }
                                    th scope="col" { (viewer.t("deliveries-action")) }
                                } }
                                tbody {
                                    @for d in &found.failed {
                                        tr data-id=(d.id) {
                                            th scope="row" { (kind_text(&viewer, &d.kind)) }
                                            td { (viewer.date_time(d.created_at)) }
                                            td { (viewer.number(d.attempts)) }
                                            (reason_cell(d))
                                            td { (retry_form(&who, Some(&host), Some(&d.id), &viewer.t("deliveries-retry-one"))) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                section aria-labelledby="waiting-heading" {
                    h2 #waiting-heading { (viewer.t("deliveries-waiting-heading")) }
                    @if found.waiting.is_empty() {
                        p.meta #waiting-none { (viewer.t("deliveries-waiting-none")) }
                    } @else {
                        div.scroll tabindex="0" role="region" aria-labelledby="waiting-caption" {
                            table #waiting {
                                caption #waiting-caption { (viewer.t("deliveries-waiting-caption")) }
                                thead { tr {
                                    th scope="col" { (viewer.t("deliveries-kind")) }
                                    th scope="col" { (viewer.t("deliveries-state")) }
                                    th scope="col" { (viewer.t("deliveries-reason")) }
                                    th scope="col" { (viewer.t("deliveries-next")) }
                                    th scope="col" { (viewer.t("deliveries-queued")) }
                                } }
                                tbody {
                                    @for d in &found.waiting {
                                        tr data-id=(d.id) data-attempts=(d.attempts) {
                                            th scope="row" { (kind_text(&viewer, &d.kind)) }
                                            td.state { (state_text(&viewer, d)) }
                                            (reason_cell(d))
                                            td.next { @match d.next_attempt_at { Some(at) => (viewer.date_time(at)), None => "—" } }
                                            td { (viewer.date_time(d.created_at)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                section aria-labelledby="recent-heading" {
                    h2 #recent-heading { (viewer.t("deliveries-recent-heading")) }
                    @if found.recent.is_empty() {
                        p.meta { (viewer.t("deliveries-recent-none")) }
                    } @else {
                        div.scroll tabindex="0" role="region" aria-labelledby="recent-caption" {
                            table #recent {
                                caption #recent-caption { (viewer.t_with("deliveries-recent-caption", &[("count", &viewer.number(monitoring::RECENT_DELIVERIES))])) }
                                thead { tr {
                                    th scope="col" { (viewer.t("deliveries-kind")) }
                                    th scope="col" { (viewer.t("deliveries-state")) }
                                    th scope="col" { (viewer.t("deliveries-queued")) }
                                    th scope="col" { (viewer.t("deliveries-delivered")) }
                                    th scope="col" { (viewer.t("deliveries-attempts")) }
                                    th scope="col" { (viewer.t("deliveries-reason")) }
                                } }
                                tbody {
                                    @for d in &found.recent {
                                        tr data-id=(d.id) data-state=(d.state.as_str()) {
                                            th scope="row" { (kind_text(&viewer, &d.kind)) }
                                            td.state { (state_text(&viewer, d)) }
                                            td { (viewer.date_time(d.created_at)) }
                                            td { @match d.delivered_at { Some(at) => (viewer.date_time(at)), None => "—" } }
                                            td { (viewer.number(d.attempts)) }
                                            (reason_cell(d))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        ),
    )
}

#[derive(Deserialize)]
struct RetryForm {
    #[serde(default)]
    form_token: String,
    host: Option<String>,
    id: Option<String>,
}

async fn retry(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<RetryForm>,
) -> Response {
    let host = form.host.as_deref().filter(|h| !h.is_empty());
    let back = host.map_or_else(|| "/admin/deliveries".to_string(), host_path);
    let who = match operator_form(&state, &mut viewer, &jar, &back, &form.form_token).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let id = form.id.as_deref().filter(|i| !i.is_empty());
    match monitoring::retry(&state, &who.staff, host, id).await {
        Ok(n) => {
            // The host as the node writes it: the form's own text never goes into a header.
            let back = host
                .and_then(crate::federation::urls::normalise_host)
                .map_or_else(|| "/admin/deliveries".to_string(), |h| host_path(&h));
            Redirect::to(&format!("{back}?requeued={n}")).into_response()
        }
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}
