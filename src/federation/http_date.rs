//! The signed `Date` header of requests from other servers: a signature
//! replayed long after it was made is refused by its date.

use axum::http::header;
use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// How far the Date header may be from this node's clock.
pub const MAX_CLOCK_SKEW: chrono::Duration = chrono::Duration::hours(1);

/// Refuses a request whose `Date` header is missing, unreadable, or more than
/// [`MAX_CLOCK_SKEW`] from `now`.
pub fn check_date(headers: &axum::http::HeaderMap, now: DateTime<Utc>) -> Result<()> {
    let date = headers
        .get(header::DATE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::Unauthorized("a signed Date header is required".into()))?;
    let date: DateTime<Utc> = httpdate::parse_http_date(date)
        .map_err(|_| Error::Unauthorized("the Date header is not an HTTP date".into()))?
        .into();
    if (now - date).abs() > MAX_CLOCK_SKEW {
        return Err(Error::Unauthorized(format!(
            "the Date header ({date}) is more than an hour from this node's clock ({now})"
        )));
    }
    Ok(())
}
