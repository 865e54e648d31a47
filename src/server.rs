//! The HTTP server of one node: its router, and a serve loop that
//! takes an already-bound listener and a shutdown future, so that tests and the
//! local demo run many nodes in one process.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::api::router())
        .merge(crate::web::router())
        .merge(crate::inbound::routes::router())
        .layer(axum::middleware::from_fn(refuse_nul_in_uri))
        .layer(DefaultBodyLimit::max(crate::request::MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Gives each request an id of its own (in every log line about it, as the
/// `request` span's `id`, and in the answer's `X-Request-Id`, so that a user's
/// report can be found in the logs), and counts the answer for the metrics.
/// The id is always made here: one a client sends could be anything.
async fn observe(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use tracing::Instrument;
    let id = uuid::Uuid::now_v7().simple().to_string();
    let family = crate::state::counters::route_family(request.method(), request.uri().path());
    let span = tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = next.run(request).instrument(span).await;
    state.counters.response(family, response.status().as_u16());
    if let Ok(value) = axum::http::HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Refuses a request whose path or query carries NUL (`%00`), naming the
/// query parameter: PostgreSQL cannot compare or store NUL and SQLite can, so
/// no handler gets to bind one and each backend answers alike.
async fn refuse_nul_in_uri(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = request.uri();
    let field = if uri.path().contains("%00") {
        Some("path".to_string())
    } else {
        uri.query().and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(key, value)| key.contains('\0') || value.contains('\0'))
                .map(|(key, _)| key.replace('\0', "\\0"))
        })
    };
    match field {
        Some(field) => crate::error::Error::from(crate::domain::FieldErrors::single(field, crate::domain::NUL_MESSAGE))
            .into_response(),
        None => next.run(request).await,
    }
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and every migration is applied.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.is_ready().await {
        (StatusCode::OK, "ready")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unreachable or migrations not applied",
        )
    }
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
///
/// Each connection is HTTP/1.1 with a header-read timeout (a client that sends
/// half a header, or keeps a connection open without a next request, is cut
/// off), request bodies time out when they stall, and at most
/// `max_connections` are served at once: a node survives slow clients
/// without a proxy in front. (axum's `serve` has none of these.)
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    // Alerts stored before the analysis kept facts get them now (once).
    let counted = match crate::services::analysis::backfill(&state).await {
        Ok(0) => true,
        Ok(n) => {
            tracing::info!(alerts = n, "alerts counted in the shared analysis");
            true
        }
        Err(err) => {
            tracing::error!(error = %err, "alerts could not be counted in the shared analysis; counts are not published until the node starts again");
            false
        }
    };
    // Webhook secrets stored in clear are sealed now, if the node has a key secret.
    match crate::services::webhooks::seal_stored_secrets(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(webhooks = n, "webhook secrets sealed with the key secret"),
        Err(err) => tracing::error!(error = %err, "webhook secrets could not be sealed"),
    }
    let (stop_worker, worker_stop) = tokio::sync::watch::channel(false);
    let notice_worker = state.background_delivery.then(|| {
        tokio::spawn(crate::services::notifications::run_worker(
            state.clone(),
            worker_stop.clone(),
        ))
    });
    let worker = state
        .background_delivery
        .then(|| tokio::spawn(crate::federation::outbox::run_worker(state.clone(), worker_stop)));
    // What our organisations publish to the network, refreshed on a tick
    // (tests publish by hand, as they deliver); never from counts that are
    // not all there.
    let (stop_ticker, ticker_stop) = tokio::sync::watch::channel(false);
    let ticker = (state.background_delivery && counted).then(|| {
        tokio::spawn(crate::services::network_analysis::run_ticker(
            state.clone(),
            ticker_stop,
        ))
    });
    let limits = state.config.limits;
    let router = app(state).layer(tower_http::timeout::RequestBodyTimeoutLayer::new(limits.idle_timeout));
    let connections = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Wait for a free slot before accepting: past the limit, connections
        // queue in the kernel instead of taking memory and tasks here.
        // `shutdown` is polled first, so that it is set up (a signal handler
        // installed) before the first connection is served: a SIGTERM right
        // after it must stop the node cleanly, not kill it.
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = connections.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let (stream, remote) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it
                    // was accepted: wait a moment rather than spin.
                    tracing::warn!(%err, "cannot accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            // For handlers that want the peer's address, as with axum's own serve.
            request.extensions_mut().insert(axum::extract::ConnectInfo(remote));
            router.clone().oneshot(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away or times out is not the node's error.
            if let Err(err) = connection.await {
                tracing::debug!(%err, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    let _ = stop_worker.send(true);
    let _ = stop_ticker.send(true);
    if let Some(worker) = notice_worker {
        let _ = worker.await;
    }
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    if let Some(ticker) = ticker {
        let _ = ticker.await;
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
