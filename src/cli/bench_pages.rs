//! The pages part of `tadamun bench`: a node with many alerts (ours and
//! received, of every urgency, with and without deadlines, in many
//! countries), one staff member signed in, and the time and size of the
//! pages they open most, against the targets (50 ms at p99, 60 KB).

use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, Utc};

use crate::clock::to_millis;
use crate::config::{Config, LogFormat};
use crate::db::Db;
use crate::db::alerts::{AlertRow, PrivateRow, StoredAlert};
use crate::db::new_id;
use crate::db::remote_alerts::RemoteAlertRow;
use crate::domain::alert::{AlertContent, BusinessLink, Defender, RequestedAction};
use crate::domain::list_keys::ListKeys;
use crate::domain::vocab::*;
use crate::server;
use crate::services::accounts::{self, Credentials, NewOrg, NewUser};
use crate::state::AppState;

/// The pages measured: a name and a path, in which `{own}` and `{network}`
/// stand for the ids of an alert of ours (one the member's organisation
/// wrote) and of one received, e.g. `("alert page", "/alerts/{own}/view")`.
pub const PAGES: &[(&str, &str)] = &[
    ("dashboard, first page", "/"),
    (
        "dashboard, filtered (network, immediate, GT, page 2)",
        "/?source=network&urgency=immediate&country=GT&page=2",
    ),
    ("dashboard, text search", "/?q=defender+7"),
    ("alert page, ours", "/alerts/{own}/view"),
    ("alert page, from the network", "/network/alerts/{network}/view"),
];

/// The targets for every page.
const TARGET_MS: f64 = 50.0;
const TARGET_BYTES: f64 = 60.0 * 1024.0;

const COUNTRIES: &[&str] = &["GT", "HN", "CO", "SD", "PH", "MX", "BR", "KE", "IN", "EG"];
const URGENCIES: &[Urgency] = &[
    Urgency::Immediate,
    Urgency::Expected,
    Urgency::Future,
    Urgency::Past,
    Urgency::Unknown,
];

/// The content of seeded alert `n`: two languages, a body of a realistic
/// length, and (for most) a requested action with a deadline.
fn content(n: usize) -> AlertContent {
    let now = Utc::now();
    let mut title = crate::domain::LangMap::new();
    title.insert(
        "en".into(),
        format!("Defender {n} threatened after denouncing a land grab"),
    );
    if n.is_multiple_of(2) {
        title.insert(
            "es".into(),
            format!("Defensora {n} amenazada tras denunciar un despojo"),
        );
    }
    let mut body = crate::domain::LangMap::new();
    body.insert(
        "en".into(),
        "<p>Armed men came to the community at night and threatened the defender. </p>".repeat(12),
    );
    let mut link = crate::domain::LangMap::new();
    link.insert("en".into(), "She leads the community's defence of its land.".into());
    let rights = [Right::Land, Right::Water, Right::Environment, Right::WorkUnions];
    let sectors = [
        BusinessSector::Mining,
        BusinessSector::Agribusiness,
        BusinessSector::Logging,
    ];
    AlertContent {
        title,
        summary: Default::default(),
        body,
        link_to_work: link,
        defenders: vec![Defender {
            name: format!("Defender {n}"),
            kind: DefenderKind::Individual,
            woman_defender: n.is_multiple_of(3),
            relationship: DefenderRelationship::Member,
            anonymised: false,
        }],
        region: None,
        place: None,
        violation_types: vec![ViolationType::DeathThreat],
        perpetrators: Vec::new(),
        business_link: (!n.is_multiple_of(3)).then(|| BusinessLink {
            sector: sectors[n % sectors.len()],
            company: None,
            project: None,
            financier: None,
        }),
        rights_concerned: vec![rights[n % rights.len()]],
        requested_actions: if n % 4 == 3 {
            Vec::new()
        } else {
            vec![RequestedAction {
                kind: RequestedActionKind::Letter,
                description: Default::default(),
                addressees: Vec::new(),
                model_text: Default::default(),
                deadline: Some(now + Duration::hours((n % 500) as i64 - 50)),
            }]
        },
        groups: Vec::new(),
    }
}

/// Seeds `own` alerts of this node's organisations and `received` alerts
/// from five other nodes, in one transaction.
/// Returns the ids of the first alert of ours and the first received.
async fn seed(
    state: &AppState,
    org_ids: &[String],
    user_id: &str,
    own: usize,
    received: usize,
) -> anyhow::Result<(String, String)> {
    let mut first = (String::new(), String::new());
    let now = to_millis(Utc::now());
    let mut tx = state.db.pool.begin().await?;
    for n in 0..own {
        let c = content(n);
        let urgency = URGENCIES[n % URGENCIES.len()];
        // A third are the viewer's organisation's (drafts among them); the
        // others', released to the network or restricted to others.
        let org = &org_ids[n % org_ids.len()];
        let (status, audience) = match n % 7 {
            0 => (AlertStatus::Draft, Audience::Node),
            1 => (AlertStatus::InReview, Audience::Network),
            2 => (AlertStatus::Open, Audience::Restricted),
            _ => (AlertStatus::Open, Audience::Network),
        };
        let row = AlertRow {
            id: new_id(),
            org_id: org.clone(),
            org_slug: String::new(),
            number: format!("BENCH-{n:05}"),
            status,
            audience,
            urgency,
            severity: Severity::Severe,
            certainty: Certainty::Likely,
            country: COUNTRIES[n % COUNTRIES.len()].into(),
            title: c.title["en"].clone(),
            search_text: format!("defender {n}\n"),
            content: serde_json::to_string(&c)?,
            version: 1,
            expires_at: None,
            created_by: user_id.to_string(),
            created_at: now - n as i64 * 60_000,
            updated_at: now - n as i64 * 60_000,
            published_at: Some(now - n as i64 * 60_000),
            closed_at: None,
            outcome: None,
            closing_note: None,
            withdrawal_reason: None,
        };
        let stored = StoredAlert {
            row,
            violations: vec!["death_threat".into()],
            named_orgs: Vec::new(),
            private: PrivateRow::default(),
            consent: None,
        };
        if n == 0 {
            first.0 = stored.row.id.clone();
        }
        crate::db::alerts::insert(&mut tx, &stored).await?;
    }
    for n in 0..received {
        let c = content(n + own);
        let urgency = URGENCIES[n % URGENCIES.len()];
        let host = format!("node{}.example", n % 5);
        let id = format!("https://{host}/alerts/{}", new_id());
        let at = chrono::DateTime::from_timestamp_millis(now - n as i64 * 45_000).unwrap_or_default();
        // What a node would have sent: the alert's wire document.
        let object = crate::federation::wire::AlertObject::build(
            url::Url::parse(&id)?,
            format!("NET-{n:05}"),
            url::Url::parse(&format!("https://{host}/orgs/org{}", n % 3))?,
            AlertStatus::Open,
            urgency,
            Severity::Extreme,
            Certainty::Confirmed,
            Audience::Network,
            COUNTRIES[(n / 3) % COUNTRIES.len()].into(),
            &c,
            at,
            at,
            None,
            1,
            None,
            None,
            Vec::new(),
            Vec::new(),
        );
        let row = RemoteAlertRow {
            id,
            local_id: new_id(),
            origin_host: host.clone(),
            attributed_to: format!("https://{host}/orgs/org{}", n % 3),
            number: format!("NET-{n:05}"),
            status: AlertStatus::Open,
            sharing: Audience::Network,
            urgency,
            severity: Severity::Extreme,
            certainty: Certainty::Confirmed,
            country: COUNTRIES[(n / 3) % COUNTRIES.len()].into(),
            title: c.title["en"].clone(),
            search_text: format!("defender {}\n", n + own),
            document: serde_json::to_string(&object)?,
            version: 1,
            published_at: now - n as i64 * 45_000,
            updated_at: now - n as i64 * 45_000,
            received_at: now,
            deleted_at: None,
        };
        let keys = ListKeys::of(
            &c,
            urgency,
            &row.country,
            Some(crate::clock::from_millis(row.published_at)),
            None,
        );
        if n == 0 {
            first.1 = row.local_id.clone();
        }
        crate::db::remote_alerts::upsert(&mut tx, &row, &keys, &["death_threat".to_string()], &[]).await?;
    }
    tx.commit().await?;
    Ok(first)
}

/// One page's figures.
pub struct PageFigures {
    pub name: &'static str,
    pub path: String,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub bytes: usize,
}

/// The password of the benchmarks' member.
pub(super) const PASSWORD: &str = "a benchmark password";

/// A node for the page benchmarks, not yet serving: its database (`url`,
/// migrated), three organisations (`reader`, `second`, `third`) and a
/// member of `reader` who signs in with [`PASSWORD`] alone.
pub(super) struct BenchNode {
    pub state: AppState,
    pub listener: tokio::net::TcpListener,
    pub orgs: Vec<super::analysis_data::Org>,
    pub user_id: String,
}

pub(super) async fn bench_node(dir: &std::path::Path, url: String) -> anyhow::Result<BenchNode> {
    let db = Db::connect(&url, 4).await?;
    db.migrate().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = Config {
        listen: addr,
        domain: format!("localhost:{}", addr.port()),
        database_url: url,
        data_dir: dir.to_path_buf(),
        dev_mode: true,
        log_format: LogFormat::Text,
        key_secret: None,
        delivery_lease_seconds: 60,
        small_count_threshold: crate::config::DEFAULT_SMALL_COUNT_THRESHOLD,
        limits: Default::default(),
        access: Default::default(),
        smtp: None,
    };
    let mut state = AppState::new(db, config);
    state.background_delivery = false;
    let now = state.clock.now();
    let e = |e: crate::error::Error| anyhow::anyhow!("{e}");
    let mut orgs = Vec::new();
    for slug in ["reader", "second", "third"] {
        let org = accounts::create_org(
            &state.db,
            NewOrg {
                slug: slug.into(),
                name: format!("Organisation {slug}"),
                alert_prefix: None,
            },
            now,
            None,
        )
        .await
        .map_err(e)?;
        orgs.push(super::analysis_data::Org {
            id: org.id,
            slug: slug.into(),
        });
    }
    let made = accounts::create_user(
        &state,
        NewUser {
            username: "reader-member".into(),
            display_name: None,
            org_slug: "reader".into(),
            role: Role::Member,
            password: PASSWORD.into(),
        },
        now,
        None,
    )
    .await
    .map_err(e)?;
    Ok(BenchNode {
        state,
        listener,
        orgs,
        user_id: made.user.id,
    })
}

/// Starts a node in `dir` with `alerts` alerts, signs in, and requests each
/// of [`PAGES`] `requests` times.
pub async fn pages(dir: &std::path::Path, alerts: usize, requests: usize) -> anyhow::Result<Vec<PageFigures>> {
    let url = format!("sqlite://{}/pages.db", dir.display());
    let BenchNode {
        state,
        listener,
        orgs,
        user_id,
    } = bench_node(dir, url).await?;
    let org_ids: Vec<String> = orgs.into_iter().map(|o| o.id).collect();
    let e = |e: crate::error::Error| anyhow::anyhow!("{e}");
    let (own_id, network_id) = seed(&state, &org_ids, &user_id, alerts / 2, alerts - alerts / 2).await?;
    let secret = accounts::start_session(
        &state,
        Credentials {
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
    let cookie = format!("tadamun_session={secret}");
    let mut figures = Vec::new();
    for (name, path) in PAGES {
        let path = path.replace("{own}", &own_id).replace("{network}", &network_id);
        let mut times = Vec::with_capacity(requests);
        let mut bytes = 0;
        // One request first, unmeasured: the caches warm as in use.
        for i in 0..=requests {
            let started = Instant::now();
            let response = client
                .get(format!("{base}{path}"))
                .header("cookie", &cookie)
                .send()
                .await
                .with_context(|| format!("requesting {path}"))?;
            let status = response.status();
            let body = response.bytes().await?;
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            anyhow::ensure!(status.is_success(), "{path} answered {status}");
            if i > 0 {
                times.push(elapsed);
            }
            bytes = body.len();
        }
        times.sort_by(|a, b| a.total_cmp(b));
        figures.push(PageFigures {
            name,
            path,
            p50_ms: percentile(&times, 50.0),
            p99_ms: percentile(&times, 99.0),
            bytes,
        });
    }
    let _ = stop.send(());
    Ok(figures)
}

/// Prints the pages part.
pub fn print(alerts: usize, requests: usize, figures: &[PageFigures]) {
    println!(
        "pages ({alerts} alerts, half ours and half received; one signed-in member; {requests} requests each, one at a time, timed at the client over loopback):"
    );
    for f in figures {
        println!(
            "  {:<55} p50 {:>6.1} ms, p99 {:>6.1} ms = {:.2} of {TARGET_MS:.0} ms; {:>6} bytes = {:.2} of 60 KB   ({})",
            f.name,
            f.p50_ms,
            f.p99_ms,
            f.p99_ms / TARGET_MS,
            f.bytes,
            f.bytes as f64 / TARGET_BYTES,
            f.path,
        );
    }
}

/// The `p`th percentile of `sorted` (nearest rank); NaN when empty. Also
/// what the federation benchmark reports its times by.
pub(super) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
