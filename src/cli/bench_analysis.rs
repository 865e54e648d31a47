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
    (
        "protection practice, one sector",
        "/api/v1/analysis/practice?sector=mining",
    ),
    // Views of two filters, or a table of two other dimensions than the
    // filter's, are counted from the facts: the slowest kind.
    (
        "counts, two filters (country and sector)",
        "/api/v1/analysis?country=GT&sector=mining",
    ),
    (
        "counts, three filters (+ a violation)",
        "/api/v1/analysis?country=HN&sector=mining&violation=death_threat",
    ),
    (
        "table, violation × country, one sector",
        "/api/v1/analysis/table?rows=violation&columns=country&sector=mining",
    ),
    // The aggregates as files: each is also written to the audit log.
    (
        "export of the counts, CSV",
        "/api/v1/analysis/export?what=counts&format=csv",
    ),
    (
        "export of a table, JSON",
        "/api/v1/analysis/export?what=table&rows=sector&columns=violation&format=json",
    ),
    (
        "export of the practice, CSV",
        "/api/v1/analysis/export?what=practice&format=csv",
    ),
    ("the analysis page", "/analysis"),
    ("the analysis page, filtered", "/analysis?sector=mining&trend=country"),
    // Every organisation here publishes its counts: each is added up.
    ("the network-wide picture", "/api/v1/analysis/network"),
    ("the network page", "/analysis/network"),
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
/// `requests` times. Returns the seconds seeding took, the figures, and the
/// database's part of a few views with and without the counts kept ready.
pub async fn run(
    dir: &std::path::Path,
    postgres: Option<&str>,
    alerts: usize,
    requests: usize,
) -> anyhow::Result<(f64, Vec<Figures>, Vec<Compared>)> {
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
    // Every organisation publishes its counts (set up as an admin's opting
    // in would be, without sending them anywhere).
    for org in &orgs {
        crate::db::published_aggregates::opt_in(&state.db.pool, &org.id, crate::clock::to_millis(now)).await?;
    }
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
    let member = crate::db::accounts::find_user_by_id(&state.db, &user_id)
        .await?
        .context("the member")?;
    let compared = compare(&state.db, &member.org_id, &orgs[0].id).await?;
    Ok((seeding, figures, compared))
}

/// One view counted both ways: from the counts kept ready, and from the
/// facts (what every view did before they were kept).
pub struct Compared {
    pub name: &'static str,
    pub kept_ms: f64,
    pub facts_ms: f64,
}

/// Times the database's part of a few views of `org_id`'s member both
/// ways, and what `publishing` publishes of its own alerts, the median of
/// five.
async fn compare(db: &crate::db::Db, org_id: &str, publishing: &str) -> anyhow::Result<Vec<Compared>> {
    use crate::db::analysis::{CountQuery, author_counts, counts, pair_counts};
    let median = |mut times: Vec<f64>| {
        times.sort_by(|a, b| a.total_cmp(b));
        times[times.len() / 2]
    };
    type View = (
        &'static str,
        Vec<(String, String)>,
        Option<(&'static str, &'static str)>,
    );
    let views: [View; 4] = [
        ("counts, every dimension", Vec::new(), None),
        ("counts, one sector", vec![("sector".into(), "mining".into())], None),
        ("table, sector × violation", Vec::new(), Some(("sector", "violation"))),
        (
            "trend of countries, one sector",
            vec![("sector".into(), "mining".into())],
            Some(("month", "country")),
        ),
    ];
    let mut compared = Vec::new();
    for (name, having, table) in views {
        let mut ms = [0.0; 2];
        for (i, from_facts) in [false, true].into_iter().enumerate() {
            let query = CountQuery {
                viewer_org_id: org_id.to_string(),
                having: having.clone(),
                from_facts,
                ..Default::default()
            };
            let mut times = Vec::new();
            for _ in 0..5 {
                let started = Instant::now();
                match table {
                    None => drop(counts(db, &query).await?),
                    Some((rows, columns)) => drop(pair_counts(db, &query, rows, columns).await?),
                }
                times.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            ms[i] = median(times);
        }
        compared.push(Compared {
            name,
            kept_ms: ms[0],
            facts_ms: ms[1],
        });
    }
    let mut ms = [0.0; 2];
    for (i, from_facts) in [false, true].into_iter().enumerate() {
        let mut times = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            drop(author_counts(db, publishing, from_facts).await?);
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        ms[i] = median(times);
    }
    compared.push(Compared {
        name: "one organisation's own alerts",
        kept_ms: ms[0],
        facts_ms: ms[1],
    });
    Ok(compared)
}

/// Prints the analysis part.
pub fn print(database: &str, alerts: usize, requests: usize, seeding: f64, figures: &[Figures], compared: &[Compared]) {
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
    println!("  the database's part, counts kept ready against counted from the facts (median of 5):");
    for c in compared {
        println!(
            "  {:<40} {:>7.1} ms against {:>7.1} ms = {:.0} times faster",
            c.name,
            c.kept_ms,
            c.facts_ms,
            c.facts_ms / c.kept_ms.max(0.001),
        );
    }
}
