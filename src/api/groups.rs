//! Groups: create (admins), list, join and leave (coordinators), members and
//! moderation, and the alerts addressed to a group.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::{ApiJson, ApiRoutes, BodyRefused, Items, Unauthorized, created};
use crate::domain::FieldErrors;
use crate::domain::vocab::MemberState;
use crate::error::{ErrorBody, Result};
use crate::services::accounts::Staff;
use crate::services::groups::{self, GroupAlert, GroupInput, GroupView, MemberView};
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(routes!(list_groups, create_group))
        .add(routes!(join_group))
        .add(routes!(get_group))
        .add(routes!(leave_group))
        .add(routes!(group_members, decide_membership))
        .add(routes!(group_alerts))
}

/// Groups this node knows (its own, and those its organisations joined), with
/// your organisation's membership.
#[utoipa::path(
    get,
    path = "/groups",
    security(("bearer" = [])),
    responses((status = 200, description = "Groups", body = Items<GroupView>), Unauthorized)
)]
async fn list_groups(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    Ok(Json(Items {
        items: groups::list(&state, &staff).await?,
    }))
}

/// Create a group on this node (the node's operator).
#[utoipa::path(
    post,
    path = "/groups",
    security(("bearer" = [])),
    request_body = GroupInput,
    responses(
        (status = 201, description = "Created", body = GroupView),
        Unauthorized,
        BodyRefused,
        (status = 403, description = "Only the node's operator creates groups", body = ErrorBody),
    )
)]
async fn create_group(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<GroupInput>,
) -> Result<impl IntoResponse> {
    Ok(created(groups::create(&state, &staff, input).await?))
}

/// One group.
#[utoipa::path(
    get,
    path = "/groups/{id}",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The group's id")),
    responses(
        (status = 200, description = "The group", body = GroupView),
        Unauthorized,
        (status = 404, description = "No such group", body = ErrorBody),
    )
)]
async fn get_group(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    Ok(Json(groups::get(&state, &staff, &id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Join {
    /// The group's actor id.
    group: String,
}

/// Ask for your organisation to join a group, on this node or another
/// (coordinator).
#[utoipa::path(
    post,
    path = "/groups/join",
    security(("bearer" = [])),
    request_body = Join,
    responses(
        (status = 200, description = "Asked (membership pending)", body = GroupView),
        Unauthorized,
        BodyRefused,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        (status = 404, description = "No such group", body = ErrorBody),
        (
            status = 409,
            description = "The group's node does not federate with this one",
            body = ErrorBody
        ),
        (status = 502, description = "The group's node could not be reached", body = ErrorBody),
    )
)]
async fn join_group(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<Join>,
) -> Result<impl IntoResponse> {
    Ok(Json(groups::join(&state, &staff, &body.group).await?))
}

/// Your organisation leaves the group (coordinator).
#[utoipa::path(
    post,
    path = "/groups/{id}/leave",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The group's id")),
    responses(
        (status = 200, description = "Left", body = GroupView),
        Unauthorized,
        (status = 403, description = "Your role may not do this", body = ErrorBody),
        (status = 404, description = "No such group", body = ErrorBody),
        (status = 409, description = "Your organisation is not in the group", body = ErrorBody),
    )
)]
async fn leave_group(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<impl IntoResponse> {
    Ok(Json(groups::leave(&state, &staff, &id).await?))
}

/// The group's members: visible to members; moderators also see requests.
#[utoipa::path(
    get,
    path = "/groups/{id}/members",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The group's id")),
    responses(
        (status = 200, description = "Members", body = Items<MemberView>),
        Unauthorized,
        (status = 403, description = "Not a member", body = ErrorBody),
        (status = 404, description = "No such group", body = ErrorBody),
        (status = 502, description = "The group's node could not be reached", body = ErrorBody),
    )
)]
async fn group_members(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(Items {
        items: groups::members(&state, &staff, &id).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Decision {
    /// The member organisation's actor id.
    org: String,
    #[schema(value_type = MemberDecision)]
    state: String,
}

/// What a moderator can decide about a member: the values of [`Decision::state`].
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "it describes the values of a string field and is never built")]
pub enum MemberDecision {
    Accepted,
    Rejected,
    Removed,
}

/// A moderator's decision: accept or reject a request, or remove a member.
#[utoipa::path(
    patch,
    path = "/groups/{id}/members",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The group's id")),
    request_body = Decision,
    responses(
        (status = 200, description = "Members", body = Items<MemberView>),
        Unauthorized,
        BodyRefused,
        (status = 403, description = "Not a moderator", body = ErrorBody),
        (status = 404, description = "No such group or member", body = ErrorBody),
        (
            status = 409,
            description = "Not possible from the member's state, or the group lives on another node",
            body = ErrorBody
        ),
    )
)]
async fn decide_membership(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Decision>,
) -> Result<impl IntoResponse> {
    let decision = match body.state.as_str() {
        "accepted" => MemberState::Accepted,
        "rejected" => MemberState::Rejected,
        "removed" => MemberState::Removed,
        _ => return Err(FieldErrors::single("state", "one of accepted, rejected, removed").into()),
    };
    let items = groups::decide(&state, &staff, &id, &body.org, decision).await?;
    Ok(Json(Items { items }))
}

/// Alerts addressed to the group that your organisation may see here.
#[utoipa::path(
    get,
    path = "/groups/{id}/alerts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The group's id")),
    responses(
        (status = 200, description = "Alerts", body = Items<GroupAlert>),
        Unauthorized,
        (status = 404, description = "No such group", body = ErrorBody),
    )
)]
async fn group_alerts(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(Items {
        items: groups::alerts(&state, &staff, &id).await?,
    }))
}
