//! The network-wide picture (`/analysis/network`): what organisations across
//! the network publish of their own alerts, added up by the service
//! (`services::network_analysis`), with who contributed and how fresh each
//! part is; and the organisation page's choice to publish
//! (`POST /organisation/aggregates`, its admins).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::{SignedIn, Viewer, error_page, layout, signed_in, signed_in_form};
use crate::domain::vocab::Role;
use crate::services::analysis::{Protected, Shown};
use crate::services::network_analysis::{self, Combined, NetworkPicture};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/analysis/network", get(network_page))
        .route("/organisation/aggregates", post(set_publishing))
}

fn combined_text(viewer: &Viewer, combined: &Combined) -> String {
    match combined {
        Combined::Count(n) => viewer.number(n),
        // Ranges and bounds: digits in the viewer's script, signs kept.
        Combined::Text(text) => text
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => viewer.number(d),
                None => c.to_string(),
            })
            .collect(),
    }
}

fn shown_text(viewer: &Viewer, shown: Shown, threshold: i64) -> String {
    match shown {
        Shown::Count(n) => viewer.number(n),
        Shown::Protected(Protected::Fewer) => format!("<{}", viewer.number(threshold)),
        Shown::Protected(Protected::Hidden) => viewer.t("analysis-hidden"),
    }
}

async fn network_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/analysis/network").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let picture = match network_analysis::picture(&state, &who.staff).await {
        Ok(p) => p,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let title = viewer.t("network-analysis-title");
    let body = html! {
        h1 { (title) }
        p { (viewer.t_with("network-analysis-intro", &[("threshold", &viewer.number(picture.threshold))])) }
        p { a href="/analysis" { (viewer.t("network-analysis-back")) } }
        (contributors_section(&viewer, &picture))
        @if !picture.contributors.is_empty() {
            p #network-total data-alerts=(serde_json::to_string(&picture.alerts).unwrap_or_default()) {
                (viewer.t_with("analysis-total", &[("alerts", &combined_text(&viewer, &picture.alerts))]))
            }
            p.meta { (viewer.t("network-analysis-ranges")) }
            @for breakdown in picture.breakdowns.iter().filter(|b| !b.cells.is_empty()) {
                @let heading = format!("network-{}", breakdown.dimension.as_str());
                // Sums known exactly are drawn; ranges are in the table only.
                @let drawn: Vec<(String, i64)> = breakdown.cells.iter().filter_map(|c| match c.alerts {
                    Combined::Count(n) if n > 0 && !c.value.is_empty() => {
                        Some((super::analysis::value_label(&viewer, breakdown.dimension, &c.value), n))
                    }
                    _ => None,
                }).collect();
                section aria-labelledby=(heading) {
                    h2 id=(heading) { (viewer.t(&format!("analysis-dimension-{}", breakdown.dimension.as_str()))) }
                    div.chart-and-table {
                        @if let Some(svg) = super::analysis::bar_chart(&drawn) {
                            figure.chart dir="ltr" {
                                (PreEscaped(svg))
                                figcaption dir="auto" { (viewer.t("network-analysis-chart-caption")) }
                            }
                        }
                        table.network-breakdown data-dimension=(breakdown.dimension.as_str()) {
                            thead { tr {
                                th scope="col" { (viewer.t("analysis-value")) }
                                th scope="col" { (viewer.t("analysis-alerts")) }
                            } }
                            tbody {
                                @for cell in &breakdown.cells {
                                    tr data-value=(cell.value) {
                                        th scope="row" dir="auto" { (super::analysis::value_label(&viewer, breakdown.dimension, &cell.value)) }
                                        td.count data-alerts=(serde_json::to_string(&cell.alerts).unwrap_or_default()) {
                                            bdi { (combined_text(&viewer, &cell.alerts)) }
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
    viewer.respond(StatusCode::OK, layout(&viewer, &title, Some(&who), body))
}

fn contributors_section(viewer: &Viewer, picture: &NetworkPicture) -> Markup {
    html! {
        section aria-labelledby="contributors-heading" {
            h2 id="contributors-heading" { (viewer.t("network-analysis-contributors")) }
            @if picture.contributors.is_empty() {
                p #no-contributors { (viewer.t("network-analysis-none")) }
            } @else {
                div.wide tabindex="0" role="region" aria-labelledby="contributors-heading" {
                    table #contributors {
                        thead { tr {
                            th scope="col" { (viewer.t("network-analysis-organisation")) }
                            th scope="col" { (viewer.t("network-analysis-node")) }
                            th scope="col" { (viewer.t("network-analysis-generated")) }
                            th scope="col" { (viewer.t("analysis-alerts")) }
                        } }
                        tbody {
                            @for c in &picture.contributors {
                                tr data-organisation=(c.organisation) {
                                    th scope="row" { bdi { (c.name) } }
                                    td { bdi dir="ltr" { (c.node) } }
                                    td {
                                        @if c.local {
                                            (viewer.t("network-analysis-live"))
                                        } @else {
                                            (viewer.date_time(c.generated))
                                        }
                                    }
                                    td.count { (shown_text(viewer, c.alerts, picture.threshold)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The organisation page's section: whether it publishes its counts, and
/// for its admins, the form that changes it.
pub(super) async fn publishing_section(state: &AppState, viewer: &Viewer, who: &SignedIn) -> Markup {
    let publishing = network_analysis::is_publishing(state, &who.staff.org_id)
        .await
        .unwrap_or(false);
    html! {
        section aria-labelledby="aggregates-heading" {
            h2 id="aggregates-heading" { (viewer.t("org-aggregates-heading")) }
            p { (viewer.t_with("org-aggregates-intro", &[("threshold", &viewer.number(state.config.small_count_threshold))])) }
            p #aggregates-state role="status" {
                strong { (viewer.t(if publishing { "org-aggregates-on" } else { "org-aggregates-off" })) }
            }
            @if who.staff.role == Role::Admin {
                form method="post" action="/organisation/aggregates" id="aggregates-form" {
                    input type="hidden" name="form_token" value=(who.form_token);
                    input type="hidden" name="publish" value=(if publishing { "no" } else { "yes" });
                    button type="submit" id="aggregates-toggle" {
                        (viewer.t(if publishing { "org-aggregates-stop" } else { "org-aggregates-start" }))
                    }
                }
            }
            p { a href="/analysis/network" { (viewer.t("org-aggregates-picture")) } }
        }
    }
}

#[derive(Deserialize)]
struct PublishForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    publish: String,
}

async fn set_publishing(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<PublishForm>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/organisation", &form.form_token).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    match network_analysis::set_publishing(&state, &who.staff, form.publish == "yes").await {
        Ok(()) => Redirect::to("/organisation").into_response(),
        Err(err) => error_page(&viewer, err, Some(&who)),
    }
}
