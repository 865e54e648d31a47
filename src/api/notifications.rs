//! Notices: one's own address and subscription, one's own notices, and for
//! operators the node's queue and the email pause.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::{ApiJson, ApiRoutes, BodyRefused, Items, Unauthorized, created};
use crate::error::{ErrorBody, Result};
use crate::services::accounts::Staff;
use crate::services::notifications::{self, NoticeQueue, NoticeView, NotificationSettings, NotificationSettingsChange};
use crate::services::webhooks::{self, NewWebhook, WebhookDeliveryView, WebhookView, WebhookWithSecret};
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(routes!(get_settings, put_settings))
        .add(routes!(list_my_notices))
        .add(routes!(notice_queue))
        .add(routes!(pause_email))
        .add(routes!(list_webhooks, create_webhook))
        .add(routes!(delete_webhook))
        .add(routes!(test_webhook))
        .add(routes!(rotate_webhook_secret))
        .add(routes!(webhook_deliveries))
}

/// The signed-in staff member's notice settings: where email goes and which
/// alerts they hear of (their role's defaults until they choose).
#[utoipa::path(
    get,
    path = "/me/notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Address and subscription", body = NotificationSettings),
        Unauthorized,
    )
)]
async fn get_settings(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    Ok(Json(notifications::settings(&state, &staff).await?))
}

/// Change the signed-in staff member's notice settings: the address, and
/// (when given) the subscription, which then replaces their role's defaults.
/// Every filter list narrows (an empty one is no condition); `min_urgency`
/// null: no notices of other organisations' alerts.
#[utoipa::path(
    put,
    path = "/me/notifications",
    security(("bearer" = [])),
    request_body = NotificationSettingsChange,
    responses(
        (status = 200, description = "The settings as saved", body = NotificationSettings),
        Unauthorized,
        BodyRefused,
    )
)]
async fn put_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<NotificationSettingsChange>,
) -> Result<impl IntoResponse> {
    Ok(Json(notifications::save_settings(&state, &staff, body).await?))
}

/// The signed-in staff member's latest notices (at most 100), newest first.
#[utoipa::path(
    get,
    path = "/me/notices",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Notices", body = Items<NoticeView>),
        Unauthorized,
    )
)]
async fn list_my_notices(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    let items = notifications::my_notices(&state, &staff).await?;
    Ok(Json(Items { items }))
}

/// The node's notice queue: counts by state, what is not sent and why, and
/// whether email is paused (the node's operators).
#[utoipa::path(
    get,
    path = "/notices",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The queue", body = NoticeQueue),
        Unauthorized,
        (status = 403, description = "Only the node's operators", body = ErrorBody),
    )
)]
async fn notice_queue(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    Ok(Json(notifications::queue_overview(&state, &staff).await?))
}

/// Whether email leaves the node.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EmailPause {
    /// True: no email is sent (notices wait, queued) until set to false.
    paused: bool,
}

/// Pause or resume email for the whole node (the node's operators).
#[utoipa::path(
    put,
    path = "/notices/email-pause",
    security(("bearer" = [])),
    request_body = EmailPause,
    responses(
        (status = 204, description = "Paused or resumed"),
        Unauthorized,
        (status = 403, description = "Only the node's operators", body = ErrorBody),
        BodyRefused,
    )
)]
async fn pause_email(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<EmailPause>,
) -> Result<impl IntoResponse> {
    notifications::set_email_paused(&state, &staff, body.paused).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organisation's webhooks (its admins).
#[utoipa::path(
    get,
    path = "/organisation/webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Webhooks, without their secrets", body = Items<WebhookView>),
        Unauthorized,
        (status = 403, description = "Only the organisation's admins", body = ErrorBody),
    )
)]
async fn list_webhooks(State(state): State<AppState>, staff: Staff) -> Result<impl IntoResponse> {
    Ok(Json(Items {
        items: webhooks::list(&state, &staff).await?,
    }))
}

/// Add a webhook: JSON payloads signed as Standard Webhooks, for the alerts
/// its subscription matches and the organisation's own. The secret is in
/// this answer only.
#[utoipa::path(
    post,
    path = "/organisation/webhooks",
    security(("bearer" = [])),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "The webhook and its secret", body = WebhookWithSecret),
        Unauthorized,
        (status = 403, description = "Only the organisation's admins", body = ErrorBody),
        BodyRefused,
    )
)]
async fn create_webhook(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<NewWebhook>,
) -> Result<impl IntoResponse> {
    Ok(created(webhooks::create(&state, &staff, body).await?))
}

/// Delete a webhook; what it had pending is cancelled.
#[utoipa::path(
    delete,
    path = "/organisation/webhooks/{id}",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Deleted"),
        Unauthorized,
        (status = 403, description = "Only the organisation's admins", body = ErrorBody),
        (status = 404, description = "No such webhook of this organisation", body = ErrorBody),
    )
)]
async fn delete_webhook(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    webhooks::delete(&state, &staff, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a test event (`webhook.test`) to a webhook; it shows in the delivery log.
#[utoipa::path(
    post,
    path = "/organisation/webhooks/{id}/test",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 202, description = "Queued", body = WebhookDeliveryView),
        Unauthorized,
        (status = 403, description = "Only the organisation's admins", body = ErrorBody),
        (status = 404, description = "No such webhook of this organisation", body = ErrorBody),
    )
)]
async fn test_webhook(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok((StatusCode::ACCEPTED, Json(webhooks::test(&state, &staff, &id).await?)))
}

/// A new secret for a webhook; the previous one still signs (a second
/// signature) for 24 hours, so that the receiver can switch without a gap.
#[utoipa::path(
    post,
    path = "/organisation/webhooks/{id}/rotate-secret",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook and its new secret", body = WebhookWithSecret),
        Unauthorized,
        (status = 403, description = "Only the organisation's admins", body = ErrorBody),
        (status = 404, description = "No such webhook of this organisation", body = ErrorBody),
    )
)]
async fn rotate_webhook_secret(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(webhooks::rotate(&state, &staff, &id).await?))
}

/// A webhook's delivery log: its latest deliveries (at most 100), newest first.
#[utoipa::path(
    get,
    path = "/organisation/webhooks/{id}/deliveries",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "Deliveries", body = Items<WebhookDeliveryView>),
        Unauthorized,
        (status = 403, description = "Only the organisation's admins", body = ErrorBody),
        (status = 404, description = "No such webhook of this organisation", body = ErrorBody),
    )
)]
async fn webhook_deliveries(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Json(Items {
        items: webhooks::deliveries(&state, &staff, &id).await?,
    }))
}
