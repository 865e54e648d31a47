//! One error type for the API and the CLI. Every variant but `Internal` carries a
//! message a person can act on; `Internal` is logged with its cause and answered
//! with a plain message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldErrors;

/// The body of every error answer but 422.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// What is wrong, for a person.
    pub error: String,
}

/// The body of a 422 answer: what is wrong, and one message per field.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ValidationError)]
pub struct ValidationErrorBody {
    pub error: String,
    /// One message per field path, such as `defenders[0].name`.
    pub fields: FieldErrors,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0:?}")]
    Validation(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("request body too large: at most {0} bytes")]
    PayloadTooLarge(usize),
    /// Another node answered badly or not at all.
    #[error("{0}")]
    BadGateway(String),
    /// Try again later: something this request depends on is not available now.
    #[error("{0}")]
    Unavailable(String),
    /// Too many attempts (sign-in guesses): refused until `retry_after_secs` have passed.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// An error of the federation crate that it does not classify (it is
    /// answered as internal, but where it comes from checking a signature,
    /// the inbox answers it as an unverifiable signature).
    #[error("federation: {0}")]
    Federation(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Error::Internal(err.into())
    }
}

impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Self {
        Error::Validation(errors)
    }
}

impl Error {
    pub fn status_code(&self) -> StatusCode {
        match self {
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Gone(_) => StatusCode::GONE,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Federation(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl Error {
    /// The `Retry-After` header this error calls for, if any.
    pub fn retry_after(&self) -> Option<axum::http::HeaderValue> {
        match self {
            Error::TooManyRequests { retry_after_secs, .. } => Some((*retry_after_secs).into()),
            _ => None,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let mut response = match &self {
            Error::Validation(fields) => {
                let body = ValidationErrorBody {
                    error: "the request has invalid fields; see `fields`".into(),
                    fields: fields.clone(),
                };
                (status, Json(body)).into_response()
            }
            Error::Federation(cause) => {
                tracing::error!(error = %cause, "internal error in federation");
                let body = ErrorBody {
                    error: "internal server error; the cause is in the node's log".into(),
                };
                (status, Json(body)).into_response()
            }
            Error::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                let body = ErrorBody {
                    error: "internal server error; the cause is in the node's log".into(),
                };
                (status, Json(body)).into_response()
            }
            other => (
                status,
                Json(ErrorBody {
                    error: other.to_string(),
                }),
            )
                .into_response(),
        };
        if let Some(value) = self.retry_after() {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
