//! The JSON API under `/api/v1`, authenticated with bearer tokens, and its
//! OpenAPI description. Each handler carries its own description
//! (`#[utoipa::path]`: parameters, body, every answer), and routes are added
//! only through [`ApiRoutes::add`] with utoipa-axum's `routes!`, which registers
//! the handler and its description together: the router and the document
//! served at `/api/v1/openapi.json` come from one registration, so no route
//! exists undocumented.

mod accounts;
mod actions;
mod alerts;
mod analysis;
mod deliveries;
mod federation;
mod groups;
mod notifications;

use std::sync::LazyLock;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Json, Router};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::Server;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use crate::domain::FieldErrors;
use crate::error::{Error, ErrorBody, ValidationErrorBody};
use crate::services::accounts::Staff;
use crate::state::AppState;

pub const PREFIX: &str = "/api/v1";

/// What the generated document says before any route is added: who it is
/// for, how to authenticate, and the shape of errors.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tadamun node API",
        version = "1",
        description = "The JSON API of one Tadamun node. Authenticate with `Authorization: Bearer tdm_…` \
            (from POST /auth/token or `tadamun admin create-token`). Errors are JSON: `{\"error\": …}`, \
            and 422 adds `fields` with one message per field.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    security(("bearer" = [])),
    modifiers(&ServerAndScheme),
    components(schemas(ErrorBody, ValidationErrorBody))
)]
struct ApiDoc;

/// The server every path is under, [`PREFIX`], and the `bearer` security
/// scheme the operations name.
struct ServerAndScheme;

impl Modify for ServerAndScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.servers = Some(vec![Server::new(PREFIX)]);
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The API's routes and, from the same registrations, its OpenAPI document.
pub struct ApiRoutes(OpenApiRouter<AppState>);

impl ApiRoutes {
    fn new() -> Self {
        Self(OpenApiRouter::with_openapi(ApiDoc::openapi()))
    }

    /// Adds the handlers of one path, as `routes!(a, b)` collects them with
    /// their `#[utoipa::path]` descriptions.
    fn add(self, handlers: UtoipaMethodRouter<AppState>) -> Self {
        // `OpenApiRouter` routes every handler of one `routes!` on each path
        // among them: handlers of different paths must be added apart.
        assert_eq!(handlers.1.paths.len(), 1, "one path per `routes!`");
        Self(self.0.routes(handlers))
    }
}

fn routes() -> ApiRoutes {
    let r = ApiRoutes::new().add(routes!(openapi));
    let r = accounts::routes(r);
    let r = federation::routes(r);
    let r = deliveries::routes(r);
    let r = actions::routes(r);
    let r = groups::routes(r);
    let r = analysis::routes(r);
    let r = notifications::routes(r);
    let mut r = alerts::routes(r);
    describe_nul_refusal(r.0.get_openapi_mut());
    r
}

/// Every operation answers 422 to a path or query with NUL in it: the server
/// refuses those before routing (`server::refuse_nul_in_uri`), so no handler's
/// description can say so itself.
fn describe_nul_refusal(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let refusal = ResponseBuilder::new()
        .description("The path or a query parameter contains the NUL character")
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(ValidationErrorBody::name())))
                .build(),
        )
        .build();
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .entry("422".to_string())
                .or_insert_with(|| refusal.clone().into());
        }
    }
}

/// The API's router.
pub fn router() -> Router<AppState> {
    let (router, _) = routes().0.split_for_parts();
    Router::new().nest(PREFIX, router)
}

/// The OpenAPI document of the API, generated from its handlers. Paths are
/// relative to its server, [`PREFIX`].
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    routes().0.into_openapi()
}

static OPENAPI_JSON: LazyLock<String> =
    LazyLock::new(|| openapi_document().to_json().expect("the OpenAPI document serialises"));

/// Every (method, path) the API serves, e.g. `("GET", "/api/v1/alerts/{id}")`.
pub fn route_table() -> Vec<(String, String)> {
    let document = openapi_document();
    let mut table = Vec::new();
    for (path, item) in &document.paths.paths {
        let methods = [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("DELETE", &item.delete),
            ("OPTIONS", &item.options),
            ("HEAD", &item.head),
            ("PATCH", &item.patch),
            ("TRACE", &item.trace),
        ];
        for (method, operation) in methods {
            if operation.is_some() {
                table.push((method.to_string(), format!("{PREFIX}{path}")));
            }
        }
    }
    table
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    security(),
    responses((status = 200, description = "OpenAPI 3 document", body = Object))
)]
async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON.as_str())
}

/// A list.
#[derive(Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// A page of a list that counts its entries: `limit` entries from `offset`.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Entries in the whole list.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// A page of a list: `limit` entries from `offset`.
#[derive(Serialize, ToSchema)]
pub struct Window<T> {
    pub items: Vec<T>,
    pub limit: i64,
    pub offset: i64,
}

/// A request without a valid token.
#[derive(IntoResponses)]
#[response(status = 401, description = "No, invalid, expired or revoked token")]
pub struct Unauthorized(pub ErrorBody);

/// How a JSON request body is refused before the handler reads it.
#[derive(IntoResponses)]
pub enum BodyRefused {
    #[response(status = 400, description = "Malformed JSON")]
    Malformed(ErrorBody),
    #[response(status = 413, description = "Body over 1 MiB")]
    TooLarge(ErrorBody),
    #[response(status = 415, description = "Not JSON")]
    NotJson(ErrorBody),
    #[response(status = 422, description = "Invalid fields")]
    InvalidFields(ValidationErrorBody),
}

/// JSON request bodies with errors a person can act on: malformed JSON is 400,
/// a wrong type or unknown value is 422 naming the field, too large is 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
        let bytes = crate::request::read_body(req.into_body()).await?;
        // An empty body is an empty object: steps whose fields are all optional
        // can be posted with no body at all.
        let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
            axum::body::Bytes::from_static(b"{}")
        } else if content_type.as_deref() != Some("application/json") {
            return Err(Error::UnsupportedMediaType(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ));
        } else {
            bytes
        };
        crate::domain::refuse_nul(&bytes)?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(deserializer) {
            Ok(value) => Ok(ApiJson(value)),
            Err(err) => {
                let path = err.path().to_string();
                let inner = err.into_inner();
                if inner.is_data() {
                    let field = if path == "." { "body".to_string() } else { path };
                    Err(FieldErrors::single(field, strip_position(&inner.to_string())).into())
                } else {
                    Err(Error::BadRequest(format!("the body is not valid JSON: {inner}")))
                }
            }
        }
    }
}

/// serde_json appends " at line 1 column 42" to data errors; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Error::Unauthorized(
                    "missing API token: send `Authorization: Bearer tdm_…` (get one from POST /api/v1/auth/token \
                     or `tadamun admin create-token`)"
                        .into(),
                )
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .ok_or_else(|| Error::Unauthorized("use `Authorization: Bearer <token>`".into()))?;
        crate::services::accounts::authenticate(&state.db, token.trim(), state.clock.now()).await
    }
}

/// Responses with a status other than 200.
pub(crate) fn created<T: serde::Serialize>(value: T) -> impl IntoResponse {
    (StatusCode::CREATED, Json(value))
}

/// Parses an optional query value from a vocabulary, naming the parameter on error.
pub(crate) fn vocabulary_param<T>(errors: &mut FieldErrors, name: &str, value: Option<&str>) -> Option<T>
where
    T: std::str::FromStr + strum::VariantNames,
{
    let value = value?.trim();
    if value.is_empty() {
        return None;
    }
    match value.parse() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.add(
                name,
                format!("unknown value `{value}`; one of: {}", T::VARIANTS.join(", ")),
            );
            None
        }
    }
}
