//! The groups this node knows, with the viewer's organisation's membership.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum_extra::extract::CookieJar;
use maud::html;

use super::{Viewer, error_page, layout, signed_in};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/groups", get(groups_page))
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
