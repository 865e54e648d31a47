//! The JSON API under `/api/v1`, authenticated with bearer tokens. Routes are
//! registered through [`ApiRoutes`], which also records them, so a test can
//! check that `openapi.json` documents exactly the routes that exist.

mod accounts;
mod actions;
mod alerts;
mod deliveries;
mod federation;
mod groups;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, on};
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use crate::domain::FieldErrors;
use crate::error::Error;
use crate::services::accounts::Staff;
use crate::state::AppState;

pub const PREFIX: &str = "/api/v1";
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// A router that remembers the (method, path) of every route added to it.
pub struct ApiRoutes {
    router: Router<AppState>,
    table: Vec<(Method, String)>,
}

impl ApiRoutes {
    fn new() -> Self {
        Self {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    fn add<H, T>(mut self, method: Method, path: &str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a standard method");
        let full = format!("{PREFIX}{path}");
        self.router = self.router.route(&full, on(filter, handler));
        self.table.push((method, full));
        self
    }
}

fn routes() -> ApiRoutes {
    let r = ApiRoutes::new().add(Method::GET, "/openapi.json", openapi);
    let r = accounts::routes(r);
    let r = federation::routes(r);
    let r = deliveries::routes(r);
    let r = actions::routes(r);
    let r = groups::routes(r);
    alerts::routes(r)
}

/// The API's router.
pub fn router() -> Router<AppState> {
    routes().router
}

/// Every (method, path) the API serves, e.g. `("GET", "/api/v1/alerts/{id}")`.
pub fn route_table() -> Vec<(String, String)> {
    routes().table.into_iter().map(|(m, p)| (m.to_string(), p)).collect()
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
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
        let bytes = crate::server::read_body(req.into_body()).await?;
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
