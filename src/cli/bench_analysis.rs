//! The analysis part of `tadamun bench`: a node holding many alerts (the
//! generated data set of `analysis_data`, half ours and half received), one
//! member signed in, and the time of every aggregate of the API and of the
//! analysis page, against the target (200 ms at p99), on SQLite or on the
//! PostgreSQL database given.

use std::time::Instant;

use anyhow::Context;

use super::analysis_data;
use super::bench_pages::{BenchNode, PASSWORD, bench_node, percentile};
use crate::server;
use crate::services::accounts;

/// What is measured: a name and a path (API paths take the member's token,
/// pages their session).
pub const REQUESTS: &[(&str, &str)] = &[
    ("counts, every dimension", "/api/v1/analysis"),
    (
        "counts, filtered (country and months)",
        "/api/v1/analysis?country=GT&from=2025-06&to=2026-03",
    ),
    (
        "table, sector × violation",
        "/api/v1/analysis/table?rows=sector&columns=violation",
    ),
    (
        "table, company × country",
        "/api/v1/analysis/table?rows=company&columns=country",
    ),
    (
        "table, month × violation (trend)",
        "/api/v1/analysis/table?rows=month&columns=violation",
    ),
    ("protection practice", "/api/v1/analysis/practice"),
    ("the analysis page", "/analysis"),
    ("the analysis page, filtered", "/analysis?sector=mining&trend=country"),
];

const TARGET_MS: f64 = 200.0;

pub struct Figures {
    pub name: &'static str,
    pub path: &'static str,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Seeds `alerts` alerts into a new database (SQLite in `dir`, or the empty
/// PostgreSQL database at `postgres`), then requests each of [`REQUESTS`]
/// `requests` times. Returns the seconds seeding took and the figures.
pub async fn run(
    dir: &std::path::Path,
    postgres: Option<&str>,
    alerts: usize,
    requests: usize,
) -> anyhow::Result<(f64, Vec<Figures>)> {
    let url = match postgres {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}/analysis.db", dir.display()),
    };
    let BenchNode {
        state,
        listener,
        orgs,
        user_id,
    } = bench_node(dir, url).await?;
    let now = state.clock.now();
    let e = |e: crate::error::Error| anyhow::anyhow!("{e}");
    let started = Instant::now();
    analysis_data::seed(&state, &orgs, &user_id, alerts / 2, alerts - alerts / 2).await?;
    let seeding = started.elapsed().as_secs_f64();
    let (token, _) = accounts::issue_token(&state, &user_id, "bench", None, now)
        .await
        .map_err(e)?;
    let secret = accounts::start_session(
        &state,
        accounts::Credentials {
            username: "reader-member",
            password: PASSWORD,
            code: None,
            client: std::net::IpAddr::from([127, 0, 0, 1]),
        },
    )
    .await
    .map_err(e)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = state.clone();
    tokio::spawn(async move {
        let _ = server::serve(listener, served, async {
            let _ = stopped.await;
        })
        .await;
    });
    let base = format!("http://{}", state.config.domain);
    let client = reqwest::Client::builder().build()?;
    let mut figures = Vec::new();
    for (name, path) in REQUESTS {
        let mut times = Vec::with_capacity(requests);
        // One request first, unmeasured: the caches warm as in use.
        for i in 0..=requests {
            let request = client.get(format!("{base}{path}"));
            let request = if path.starts_with("/api/") {
                request.bearer_auth(&token)
            } else {
                request.header("cookie", format!("tadamun_session={secret}"))
            };
            let started = Instant::now();
            let response = request.send().await.with_context(|| format!("requesting {path}"))?;
            let status = response.status();
            let _ = response.bytes().await?;
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            anyhow::ensure!(status.is_success(), "{path} answered {status}");
            if i > 0 {
                times.push(elapsed);
            }
        }
        times.sort_by(|a, b| a.total_cmp(b));
        figures.push(Figures {
            name,
            path,
            p50_ms: percentile(&times, 50.0),
            p99_ms: percentile(&times, 99.0),
        });
    }
    let _ = stop.send(());
    Ok((seeding, figures))
}

/// Prints the analysis part.
pub fn print(database: &str, alerts: usize, requests: usize, seeding: f64, figures: &[Figures]) {
    println!(
        "analysis ({alerts} generated alerts on {database}, half ours and half received, seeded in {seeding:.0} s; one signed-in member; {requests} requests each, one at a time, timed at the client over loopback):"
    );
    for f in figures {
        println!(
            "  {:<40} p50 {:>7.1} ms, p99 {:>7.1} ms = {:.2} of {TARGET_MS:.0} ms   ({})",
            f.name,
            f.p50_ms,
            f.p99_ms,
            f.p99_ms / TARGET_MS,
            f.path,
        );
    }
}
