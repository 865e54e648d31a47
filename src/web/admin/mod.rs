//! The node operator's pages: the administration landing page at `/admin`
//! (what waits for a decision, which peers have trouble receiving, and the
//! ways to the other pages), the peers and their trust (`peers`), and the
//! deliveries to each peer (`deliveries`). Only the node's operators see
//! them; everyone else gets the 403 page. Every change goes through the same
//! services as the API, which audit it.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum_extra::extract::CookieJar;
use maud::{Markup, PreEscaped, html};

use super::{SignedIn, Viewer, error_page, layout, signed_in, signed_in_form};
use crate::state::AppState;

mod deliveries;
mod peers;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(landing))
        .merge(peers::routes())
        .merge(deliveries::routes())
}

/// What the pages are for, as the refusal says to everyone else.
const OPERATORS_ONLY: &str = "administer this node";

/// The signed-in node operator, or the page to answer with: sign-in for
/// nobody, 403 for anyone else.
async fn operator(state: &AppState, viewer: &mut Viewer, jar: &CookieJar, back_to: &str) -> Result<SignedIn, Response> {
    let who = signed_in(state, viewer, jar, back_to).await?;
    match who.staff.require_operator(OPERATORS_ONLY) {
        Ok(()) => Ok(who),
        Err(err) => Err(error_page(viewer, err, Some(&who))),
    }
}

/// As [`operator`], for a form: it must carry its session's token.
async fn operator_form(
    state: &AppState,
    viewer: &mut Viewer,
    jar: &CookieJar,
    back_to: &str,
    form_token: &str,
) -> Result<SignedIn, Response> {
    let who = signed_in_form(state, viewer, jar, back_to, form_token).await?;
    match who.staff.require_operator(OPERATORS_ONLY) {
        Ok(()) => Ok(who),
        Err(err) => Err(error_page(viewer, err, Some(&who))),
    }
}

/// The hidden field every form of these pages carries.
fn token_field(who: &SignedIn) -> Markup {
    html! { input type="hidden" name="form_token" value=(who.form_token); }
}

/// What these pages add to the shared style: wide tables scroll within
/// their own region at phone width instead of widening the page, and long
/// addresses wrap.
fn style() -> Markup {
    html! {
        style {
            (PreEscaped("div.scroll{overflow-x:auto;max-width:100%}div.scroll table{border-collapse:collapse}\
    div.scroll td,div.scroll th{padding-block:.25rem;vertical-align:top}td.reason,.content{overflow-wrap:anywhere}\
    form.retry{margin:.5rem 0}article.request{border:1px solid #bbb;border-radius:.3rem;padding:0 1rem;margin:.5rem 0}"))
        }
    }
}

/// A duration in seconds as the largest whole unit, in the viewer's digits.
fn age(viewer: &Viewer, seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (key, n) = if seconds >= 86_400 {
        ("admin-age-days", seconds / 86_400)
    } else if seconds >= 3_600 {
        ("admin-age-hours", seconds / 3_600)
    } else {
        ("admin-age-minutes", seconds / 60)
    };
    viewer.t_with(key, &[("n", &viewer.number(n))])
}

/// Text this node did not write (another node's error, a software name),
/// marked as English or left unmarked for assistive technology.
fn foreign(text: &str) -> Markup {
    html! { span lang="en" dir="ltr" { (text) } }
}

async fn landing(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match operator(&state, &mut viewer, &jar, "/admin").await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let peers = match crate::services::peers::list(&state).await {
        Ok(p) => p,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let queues = match crate::services::monitoring::queues(&state).await {
        Ok(q) => q,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let waiting = peers.iter().filter(|p| p.awaiting_decision).count();
    let troubled: Vec<_> = queues
        .iter()
        .filter(|q| q.failed > 0 || q.failing_since.is_some())
        .collect();
    let waiting_deliveries: i64 = queues.iter().map(|q| q.pending).sum();
    let title = viewer.t("admin-title");
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &title,
            Some(&who),
            html! {
                (style())
                h1 { (title) }
                section #admin-decisions aria-labelledby="admin-decisions-heading" {
                    h2 #admin-decisions-heading { (viewer.t("admin-decisions")) }
                    p #pending-count data-count=(waiting) {
                        @if waiting == 0 {
                            (viewer.t("admin-no-pending"))
                        } @else {
                            (viewer.t_with("admin-pending", &[("count", &viewer.number(waiting))]))
                        }
                    }
                    p { a href="/admin/peers" { (viewer.t("admin-to-peers")) } }
                }
                section #admin-deliveries aria-labelledby="admin-deliveries-heading" {
                    h2 #admin-deliveries-heading { (viewer.t("admin-deliveries")) }
                    p { (viewer.t_with("admin-waiting-deliveries", &[("count", &viewer.number(waiting_deliveries))])) }
                    @if troubled.is_empty() {
                        p #delivery-trouble data-count="0" { (viewer.t("admin-no-trouble")) }
                    } @else {
                        p #delivery-trouble data-count=(troubled.len()) {
                            (viewer.t_with("admin-trouble", &[("count", &viewer.number(troubled.len()))]))
                        }
                        ul {
                            @for q in &troubled {
                                li {
                                    a href=(format!("/admin/deliveries/{}", q.host)) { (q.host) } ": "
                                    (viewer.t_with("admin-trouble-line", &[
                                        ("failed", &viewer.number(q.failed)),
                                        ("waiting", &viewer.number(q.pending)),
                                    ]))
                                }
                            }
                        }
                    }
                    p { a href="/admin/deliveries" { (viewer.t("admin-to-deliveries")) } }
                }
                nav aria-labelledby="admin-more-heading" {
                    h2 #admin-more-heading { (viewer.t("admin-more")) }
                    ul {
                        li { a href="/admin/peers" { (viewer.t("admin-link-peers")) } }
                        li { a href="/admin/deliveries" { (viewer.t("admin-link-deliveries")) } }
                        li { a href="/admin/audit" { (viewer.t("admin-link-audit")) } }
                        li { a href="/groups/new" { (viewer.t("admin-link-new-group")) } }
                    }
                }
            },
        ),
    )
}
