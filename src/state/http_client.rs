//! The HTTP client a node uses to reach other servers.

use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;

use activitypub_federation::resolver::ValidatingDnsResolver;
use reqwest_middleware::ClientWithMiddleware;

use crate::config::Config;

/// The client for other servers: no redirects, timeouts, and outside
/// development mode no loopback, private or reserved addresses.
pub fn build(config: &Config) -> ClientWithMiddleware {
    let timeout = std::time::Duration::from_secs(10);
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("Tadamun/", env!("CARGO_PKG_VERSION")));
    if !config.dev_mode {
        // Checked when connecting, so DNS rebinding cannot get past it either.
        builder = builder.dns_resolver(Arc::new(ValidatingDnsResolver::new(Vec::new(), true)));
    }
    let client = builder.build().expect("the HTTP client builds");
    reqwest_middleware::ClientBuilder::new(client)
        .with(StatusRecorder)
        .build()
}

tokio::task_local! {
    /// What the inbox answered (status, and Retry-After in seconds), noted by
    /// [`StatusRecorder`]: the crate's sender treats every 4xx as done, but a
    /// refusal is not a delivery.
    static LAST_RESPONSE: Cell<Option<(u16, Option<i64>)>>;
}

/// reqwest middleware that notes each response's status and Retry-After for
/// the delivery in progress.
pub struct StatusRecorder;

fn retry_after_seconds(value: &str) -> Option<i64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<i64>() {
        return Some(seconds);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let seconds = at
        .duration_since(std::time::SystemTime::now())
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Some(seconds)
}

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for StatusRecorder {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let response = next.run(req, extensions).await;
        if let Ok(r) = &response {
            let retry_after = r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry_after_seconds);
            let noted = (r.status().as_u16(), retry_after);
            let _ = LAST_RESPONSE.try_with(|cell| cell.set(Some(noted)));
        }
        response
    }
}

/// Runs `send` and returns what the server answered it (status, and
/// Retry-After in seconds), as [`StatusRecorder`] noted it.
pub async fn noting_response<T>(send: impl Future<Output = T>) -> (T, Option<(u16, Option<i64>)>) {
    LAST_RESPONSE
        .scope(Cell::new(None), async {
            let result = send.await;
            (result, LAST_RESPONSE.with(|c| c.get()))
        })
        .await
}
