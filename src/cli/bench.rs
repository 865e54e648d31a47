//! `tadamun bench`: measures, on the machine it runs on, how fast one node
//! fans an alert out to many peers and how fast it ingests activities, and the
//! ceilings those are bound by (RSA signing and verifying, database commits),
//! each result as a ratio to its ceiling; and how fast the staff pages answer
//! with many alerts, and how large they are (`bench_pages`). All nodes run in this process on
//! loopback ports with their own SQLite databases under a temporary directory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use activitypub_federation::http_signatures::{Keypair, generate_actor_keypair};
use anyhow::Context;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

use crate::config::{Config, LogFormat};
use crate::db::Db;
use crate::domain::alert::AlertInput;
use crate::domain::vocab::{Role, Trust};
use crate::server;
use crate::services::accounts::{self, NewOrg, NewUser, Staff};
use crate::services::alerts::{self, Transition};
use crate::state::AppState;
use crate::state::key_source::KeySource;

struct BenchNode {
    state: AppState,
    base: String,
    staff: Staff,
    stop: tokio::sync::oneshot::Sender<()>,
}

async fn node(dir: &std::path::Path, name: &str, keys: &KeySource, deliver: bool) -> anyhow::Result<BenchNode> {
    node_with_smtp(dir, name, keys, deliver, None).await
}

/// A node that sends email notices through `smtp`.
async fn node_with_smtp(
    dir: &std::path::Path,
    name: &str,
    keys: &KeySource,
    deliver: bool,
    smtp: Option<crate::config::SmtpConfig>,
) -> anyhow::Result<BenchNode> {
    let url = format!("sqlite://{}/{name}.db", dir.display());
    // Many nodes share this machine: few connections (threads) each.
    let db = Db::connect(&url, if deliver { 8 } else { 3 }).await?;
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
        smtp,
    };
    let mut state = AppState::new(db, config);
    state.keys = keys.clone();
    state.background_delivery = deliver;
    let now = state.clock.now();
    accounts::create_org(
        &state.db,
        NewOrg {
            slug: name.into(),
            name: name.into(),
            alert_prefix: None,
        },
        now,
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let made = accounts::create_user(
        &state,
        NewUser {
            username: format!("{name}-coord"),
            display_name: None,
            org_slug: name.into(),
            role: Role::Coordinator,
            password: "a benchmark password".into(),
        },
        now,
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (token, _) = accounts::issue_token(&state, &made.user.id, "bench", None, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let staff = accounts::authenticate(&state.db, &token, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = state.clone();
    tokio::spawn(async move {
        let _ = server::serve(listener, served, async {
            let _ = stopped.await;
        })
        .await;
    });
    Ok(BenchNode {
        base: format!("http://localhost:{}", addr.port()),
        state,
        staff,
        stop,
    })
}

/// `from` asks `to` to federate and `to` approves.
async fn connect(from: &BenchNode, to: &BenchNode) -> anyhow::Result<()> {
    let e = |e: crate::error::Error| anyhow::anyhow!("{e}");
    crate::services::peers::add(&from.state, &to.base, Trust::Connected, None)
        .await
        .map_err(e)?;
    crate::services::peers::set(&to.state, &from.state.config.domain, Trust::Connected, None)
        .await
        .map_err(e)?;
    Ok(())
}

fn alert_input(title: &str) -> anyhow::Result<AlertInput> {
    Ok(serde_json::from_value(serde_json::json!({
        "title": {"en": title},
        "link_to_work": {"en": "Benchmark"},
        "country": "GT",
        "urgency": "immediate",
        "defenders": [{"name": "A defender", "kind": "individual", "relationship": "member"}],
        "violation_types": ["death_threat"],
        "audience": "network",
        "consent": {"given_by": "bench", "given_at": "2026-01-01T00:00:00Z", "allowed_uses": ["private_advocacy"]}
    }))?)
}

async fn publish(node: &BenchNode, title: &str) -> anyhow::Result<(String, i64)> {
    let e = |e: crate::error::Error| anyhow::anyhow!("{e}");
    let view = alerts::create(&node.state, &node.staff, alert_input(title)?)
        .await
        .map_err(e)?;
    alerts::transition(&node.state, &node.staff, &view.id, Transition::Submit)
        .await
        .map_err(e)?;
    alerts::transition(&node.state, &node.staff, &view.id, Transition::Publish)
        .await
        .map_err(e)?;
    Ok((view.id, chrono::Utc::now().timestamp_millis()))
}

/// Deliveries the node has yet to make (0 if the count fails).
async fn pending_deliveries(state: &AppState) -> i64 {
    crate::db::outbox::count_pending(&state.db.pool).await.unwrap_or(0)
}

/// Alerts the node has received (0 if the count fails).
async fn received_alerts(state: &AppState) -> i64 {
    crate::db::remote_alerts::count_all(&state.db).await.unwrap_or(0)
}

/// Runs `work` on every core for `time` and returns operations per second.
fn per_second_on_all_cores(time: Duration, work: impl Fn() + Send + Sync + 'static) -> f64 {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let work = Arc::new(work);
    let handles: Vec<_> = (0..cores)
        .map(|_| {
            let work = work.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                let mut n = 0u64;
                while start.elapsed() < time {
                    work();
                    n += 1;
                }
                n as f64 / start.elapsed().as_secs_f64()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap_or(0.0)).sum()
}

struct Ceilings {
    sign: f64,
    verify: f64,
    commits: f64,
}

async fn ceilings(dir: &std::path::Path, key: &Keypair, time: Duration) -> anyhow::Result<Ceilings> {
    let private = RsaPrivateKey::from_pkcs8_pem(&key.private_key)?;
    let public = RsaPublicKey::from_public_key_pem(&key.public_key)?;
    // What the crate signs: the draft-cavage signing string of a POST.
    let signing_string = "(request-target): post /inbox\nhost: node.example\ndate: Sat, 28 Nov 2026 10:00:00 GMT\n\
                          digest: SHA-256=RydfEd8f6O+3uoeALm4+Dx7ELWXHVWtfHTllZrH6nKQ=";
    let digest = Sha256::digest(signing_string.as_bytes()).to_vec();
    let signature = private.sign(Pkcs1v15Sign::new::<Sha256>(), &digest)?;
    let (p, d) = (private.clone(), digest.clone());
    let sign = tokio::task::spawn_blocking(move || {
        per_second_on_all_cores(time, move || {
            let _ = p.sign(Pkcs1v15Sign::new::<Sha256>(), &d);
        })
    })
    .await?;
    let verify = tokio::task::spawn_blocking(move || {
        per_second_on_all_cores(time, move || {
            let _ = public.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature);
        })
    })
    .await?;
    let db = Db::connect(&format!("sqlite://{}/commits.db", dir.display()), 1).await?;
    crate::db::bench::create_commits_table(&db.pool).await?;
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < time {
        let mut tx = db.pool.begin().await?;
        crate::db::bench::insert_commit(&mut *tx, "an activity").await?;
        tx.commit().await?;
        n += 1;
    }
    let commits = n as f64 / start.elapsed().as_secs_f64();
    db.close().await;
    Ok(Ceilings { sign, verify, commits })
}

/// What the process spent on the CPU over a run.
struct CpuUse {
    /// Cores kept busy on average (of `available_parallelism`).
    busy_cores: f64,
    /// CPU time per operation, in milliseconds.
    ms_per_op: f64,
}

/// Starts a measurement of the whole process's CPU time (every node's threads).
fn cpu_meter() -> (cpu_time::ProcessTime, Instant) {
    (cpu_time::ProcessTime::now(), Instant::now())
}

fn cpu_use(meter: (cpu_time::ProcessTime, Instant), ops: f64) -> CpuUse {
    let cpu = meter.0.elapsed().as_secs_f64();
    CpuUse {
        busy_cores: cpu / meter.1.elapsed().as_secs_f64(),
        ms_per_op: cpu * 1000.0 / ops.max(1.0),
    }
}

struct FanOut {
    peers: usize,
    alerts: usize,
    deliveries_per_second: f64,
    cpu: CpuUse,
    all_peers_p50_ms: f64,
    all_peers_p99_ms: f64,
}

/// Waits until the origin has nothing left to deliver, then checks that the
/// peers hold `total` alerts between them. Only the origin is polled (one
/// query): polling every peer would itself load the machine being measured.
async fn wait_for_peers(origin: &BenchNode, others: &[BenchNode], total: i64, peers: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    while pending_deliveries(&origin.state).await > 0 {
        anyhow::ensure!(Instant::now() < deadline, "fan-out to {peers} peers did not finish");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let mut stored = 0;
    for peer in others {
        stored += received_alerts(&peer.state).await;
    }
    anyhow::ensure!(
        stored == total,
        "the peers hold {stored} alerts, not {total}: some deliveries were refused"
    );
    Ok(())
}

async fn fan_out(dir: &std::path::Path, keys: &KeySource, peers: usize, alerts: usize) -> anyhow::Result<FanOut> {
    let origin = node(dir, &format!("origin{peers}"), keys, true).await?;
    let mut others = Vec::new();
    for i in 0..peers {
        let peer = node(dir, &format!("peer{peers}x{i}"), keys, false).await?;
        connect(&origin, &peer).await?;
        let data = crate::federation::data(&peer.state)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        crate::federation::outbox::deliver_due(&peer.state, &data)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        others.push(peer);
    }
    // Let the Follows go out, and one alert (each peer fetches the origin's
    // organisation on first contact): what is measured is the steady state.
    publish(&origin, "Warm-up alert").await?;
    wait_for_peers(&origin, &others, peers as i64, peers).await?;

    // Throughput: a burst of alerts, all published before any is waited for.
    let meter = cpu_meter();
    let started = Instant::now();
    for n in 0..alerts {
        publish(&origin, &format!("Burst alert {n}")).await?;
    }
    let total = (peers * (alerts + 1)) as i64;
    wait_for_peers(&origin, &others, total, peers).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_use(meter, (peers * alerts) as f64);

    // Latency: one urgent alert at a time, from publish until it is stored on every peer.
    let mut all_peers = Vec::new();
    for n in 0..alerts {
        let (id, at) = publish(&origin, &format!("Single alert {n}")).await?;
        wait_for_peers(&origin, &others, total + ((n + 1) * peers) as i64, peers).await?;
        let mut latest = 0i64;
        for peer in &others {
            let received =
                crate::db::remote_alerts::received_at_of_id_like(&peer.state.db, &format!("%/alerts/{id}")).await?;
            latest = latest.max(received);
        }
        all_peers.push((latest - at).max(0) as f64);
    }
    all_peers.sort_by(f64::total_cmp);
    let _ = origin.stop.send(());
    for peer in others {
        let _ = peer.stop.send(());
    }
    Ok(FanOut {
        peers,
        alerts,
        deliveries_per_second: (peers * alerts) as f64 / elapsed,
        cpu,
        all_peers_p50_ms: super::bench_pages::percentile(&all_peers, 50.0),
        all_peers_p99_ms: super::bench_pages::percentile(&all_peers, 99.0),
    })
}

struct Inbox {
    senders: usize,
    activities: i64,
    per_second: f64,
    cpu: CpuUse,
}

async fn inbox(dir: &std::path::Path, keys: &KeySource, senders: usize, each: usize) -> anyhow::Result<Inbox> {
    let target = node(dir, "target", keys, false).await?;
    let mut from = Vec::new();
    for i in 0..senders {
        let sender = node(dir, &format!("sender{i}"), keys, false).await?;
        connect(&sender, &target).await?;
        from.push(sender);
    }
    // The target fetches each sender's organisation on first contact: one
    // alert each goes first, so that what is measured is the steady state.
    for sender in &from {
        publish(sender, "Warm-up alert").await?;
    }
    deliver_all_at_once(&from).await?;
    // Queue everything, and sign each request as its sender would, before
    // the clock starts: what is measured is the target's work (verifying and
    // storing), not the senders' signing, which in a real network happens on
    // their own machines.
    let mut streams = Vec::new();
    for sender in &from {
        for n in 0..each {
            publish(sender, &format!("Inbound {n}")).await?;
        }
        streams.push(presign_queue(sender).await?);
    }
    let before = received_alerts(&target.state).await;
    let client = reqwest::Client::new();
    let meter = cpu_meter();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for stream in streams {
        let client = client.clone();
        // One sender's activities go one after another, as its delivery worker sends them.
        tasks.spawn(async move {
            for post in stream {
                let response = client
                    .post(&post.url)
                    .headers(post.headers)
                    .body(post.body)
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "the target refused a signed activity: {} {}",
                    response.status(),
                    response.text().await.unwrap_or_default()
                );
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let activities = received_alerts(&target.state).await - before;
    let cpu = cpu_use(meter, activities as f64);
    anyhow::ensure!(
        activities == (senders * each) as i64,
        "the target stored {activities} of {} activities",
        senders * each
    );
    let _ = target.stop.send(());
    for sender in from {
        let _ = sender.stop.send(());
    }
    Ok(Inbox {
        senders,
        activities,
        per_second: activities as f64 / elapsed,
        cpu,
    })
}

/// A POST signed ahead of sending.
struct SignedPost {
    url: String,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

/// Signs what a node has queued, in order, exactly as its delivery worker
/// would (draft-cavage over (request-target), host, date and digest, with the
/// actor's RSA key, through the same signing library the federation crate uses).
async fn presign_queue(sender: &BenchNode) -> anyhow::Result<Vec<SignedPost>> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as BASE64;
    let rows = crate::db::outbox::pending_in_order(&sender.state.db.pool).await?;
    let config = http_signature_normalization::Config::new().set_expiration(Duration::from_secs(3600));
    let mut posts = Vec::new();
    for (body, actor_ref, inbox) in rows {
        let actor = crate::federation::actors::LocalActor::by_ref(&sender.state, &actor_ref)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let key = RsaPrivateKey::from_pkcs8_pem(&actor.private_key_pem)?;
        let url = url::Url::parse(&inbox)?;
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body.as_bytes())));
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        let mut headers = std::collections::BTreeMap::new();
        headers.insert("content-type".to_string(), "application/activity+json".to_string());
        headers.insert("host".to_string(), host);
        headers.insert("date".to_string(), date);
        headers.insert("digest".to_string(), digest);
        let signature = config
            .begin_sign("POST", url.path(), headers.clone())?
            .sign(format!("{}#main-key", actor.id), |signing_string| {
                let signature = key.sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing_string.as_bytes()),
                )?;
                anyhow::Ok(BASE64.encode(signature))
            })?
            .signature_header();
        let mut header_map = reqwest::header::HeaderMap::new();
        for (name, value) in headers.into_iter().chain([("signature".to_string(), signature)]) {
            header_map.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes())?,
                reqwest::header::HeaderValue::from_str(&value)?,
            );
        }
        posts.push(SignedPost {
            url: inbox,
            headers: header_map,
            body: body.into_bytes(),
        });
    }
    Ok(posts)
}

/// Every sender delivers what it has queued, all at once.
async fn deliver_all_at_once(from: &[BenchNode]) -> anyhow::Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for sender in from {
        let state = sender.state.clone();
        tasks.spawn(async move {
            let data = crate::federation::data(&state)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            crate::federation::outbox::deliver_due(&state, &data)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

/// What `tadamun bench` runs.
#[derive(Debug, Default)]
pub struct Options {
    /// A run of under a minute.
    pub quick: bool,
    /// Peer counts for the fan-out, instead of 10, 50 and 100 (10 when quick).
    pub peers: Vec<usize>,
    /// Alerts in the fan-out's burst and latency runs, instead of 10 (5 when quick).
    pub alerts: Option<usize>,
    /// `fan-out`, `inbox`, `pages`, `analysis` or `notifications`: run only that part.
    pub only: Option<String>,
    /// The analysis part on this empty PostgreSQL database, not SQLite.
    pub postgres: Option<String>,
    /// Alerts in the analysis part, instead of 100,000 (10,000 when quick).
    pub analysis_alerts: Option<usize>,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("tadamun-bench-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).context("making the benchmark's temporary directory")?;
    let result = run_in(&dir, &options).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(dir: &std::path::Path, options: &Options) -> anyhow::Result<()> {
    let quick = options.quick;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "tadamun bench{} on {cores} cores, {}, all nodes in one process on loopback",
        if quick { " --quick" } else { "" },
        if options.postgres.is_some() {
            "SQLite (the analysis part on PostgreSQL)"
        } else {
            "SQLite"
        }
    );
    let part = |name: &str| options.only.as_deref().is_none_or(|only| only == name);
    if part("notifications") {
        let alerts = if quick { 5 } else { 20 };
        let n = notifications(dir, alerts).await?;
        println!(
            "notifications (a remote alert matching a coordinator's default subscription, from its arrival on the node to the message in an SMTP server's mailbox on loopback; {alerts} alerts one at a time):"
        );
        println!(
            "  p50 {:.0} ms, p99 {:.0} ms = {:.3} of the 5 s target",
            n.p50_ms,
            n.p99_ms,
            n.p99_ms / 5000.0
        );
        if options.only.is_some() {
            return Ok(());
        }
    }
    if part("pages") {
        let (alerts, requests) = if quick { (10_000, 50) } else { (10_000, 200) };
        let figures = super::bench_pages::pages(dir, alerts, requests).await?;
        super::bench_pages::print(alerts, requests, &figures);
        if options.only.is_some() {
            return Ok(());
        }
    }
    if part("analysis") {
        let alerts = options.analysis_alerts.unwrap_or(if quick { 10_000 } else { 100_000 });
        let requests = if quick { 10 } else { 30 };
        let (seeding, figures, compared) =
            super::bench_analysis::run(dir, options.postgres.as_deref(), alerts, requests).await?;
        let database = if options.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        super::bench_analysis::print(database, alerts, requests, seeding, &figures, &compared);
        if options.only.is_some() {
            return Ok(());
        }
    }
    // Keys are not what is measured: a few, shared by all benchmark actors.
    let mut pool = Vec::new();
    for _ in 0..4 {
        pool.push(tokio::task::spawn_blocking(generate_actor_keypair).await??);
    }
    let ceiling_time = Duration::from_millis(if quick { 700 } else { 2000 });
    let c = ceilings(dir, &pool[0], ceiling_time).await?;
    let keys = KeySource::pool(pool);
    println!("ceilings:");
    println!(
        "  RSA-2048 signatures/s (rsa crate, as the federation crate signs): {:>8.0}",
        c.sign
    );
    println!(
        "  HTTP-signature verifications/s:                                   {:>8.0}",
        c.verify
    );
    println!(
        "  committed single-row transactions/s (SQLite, synchronous=FULL): {:>8.0}",
        c.commits
    );

    let sizes: &[usize] = match (&options.peers[..], quick) {
        ([], true) => &[10],
        ([], false) => &[10, 50, 100],
        (chosen, _) => chosen,
    };
    // CPU time one signature takes, from the ceiling measured on every core.
    let sign_ms = cores as f64 * 1000.0 / c.sign;
    let alerts = options.alerts.unwrap_or(if quick { 5 } else { 10 });
    let mut fan_outs = Vec::new();
    let mut ingest_ms = None;
    if part("fan-out") {
        println!("fan-out (one node publishes {alerts} network alerts to N peers):");
        for &n in sizes {
            let f = fan_out(dir, &keys, n, alerts).await?;
            println!(
                "  N={:>3}: {:>7.1} deliveries/s = {:.2} of the signing ceiling ({} alerts at once); one alert stored on all peers p50 {:.0} ms, p99 {:.0} ms",
                f.peers,
                f.deliveries_per_second,
                f.deliveries_per_second / c.sign,
                f.alerts,
                f.all_peers_p50_ms,
                f.all_peers_p99_ms,
            );
            println!(
                "         CPU {:.2} of {cores} cores busy, {:.2} ms per delivery, of which its RSA signature {:.2} ms ({:.0}%); the rest is the peers verifying and storing it, the origin's queue and HTTP client, and the connections",
                f.cpu.busy_cores,
                f.cpu.ms_per_op,
                sign_ms,
                100.0 * sign_ms / f.cpu.ms_per_op,
            );
            fan_outs.push(f);
        }
    }
    if part("inbox") {
        let (senders, each) = if quick { (5, 40) } else { (20, 50) };
        let i = inbox(dir, &keys, senders, each).await?;
        let bound = c.verify.min(c.commits);
        println!(
            "inbox (one node ingests from {} senders at once; requests signed before the clock starts):",
            i.senders
        );
        println!(
            "  {:>7.1} signed, verified, stored activities/s ({} activities) = {:.2} of the lower of the verification and commit ceilings ({bound:.0}/s)",
            i.per_second,
            i.activities,
            i.per_second / bound
        );
        println!(
            "  CPU {:.2} of {cores} cores busy, {:.2} ms per activity (one verification takes {:.2} ms, one commit {:.2} ms of wall time)",
            i.cpu.busy_cores,
            i.cpu.ms_per_op,
            cores as f64 * 1000.0 / c.verify,
            1000.0 / c.commits,
        );
        ingest_ms = Some(i.cpu.ms_per_op);
    }
    // What bounds fan-out here: every delivery costs the origin a signature and
    // a peer an ingest, and the peers run on the same cores as the origin.
    if let (Some(ingest_ms), Some(largest)) = (ingest_ms, fan_outs.last()) {
        println!("what bounds fan-out on this machine:");
        println!(
            "  each delivery costs its signature ({sign_ms:.2} ms of CPU) plus a peer's ingest ({ingest_ms:.2} ms, from the inbox run), on the same {cores} cores:"
        );
        println!(
            "  even with no other work fan-out could reach at most {:.2} of the signing ceiling; N={} reached {:.2}, the rest going to other work ({:.2} ms per delivery: the origin's queue and HTTP client, both ends' loopback connections)",
            sign_ms / (sign_ms + ingest_ms),
            largest.peers,
            largest.deliveries_per_second / c.sign,
            (largest.cpu.ms_per_op - sign_ms - ingest_ms).max(0.0),
        );
        // 0.80 of signing leaves the peers a quarter of a signature's CPU.
        println!(
            "  0.80 of the signing ceiling would need a peer's ingest and all other work per delivery to cost at most {:.2} ms together, a quarter of a signature",
            sign_ms / 4.0,
        );
    }
    println!(
        "targets (2 cores): alert on all 100 peers within 1 s (p99); fan-out >= 0.80 of signing; inbox >= 0.60 of the lower ceiling"
    );
    Ok(())
}

/// A minimal SMTP server on loopback for the notifications benchmark: it
/// takes every message and notes when (wall-clock milliseconds) each one's
/// DATA ended, which is when the sender's message is in its mailbox.
async fn smtp_sink() -> anyhow::Result<(u16, Arc<std::sync::Mutex<Vec<i64>>>)> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let arrived: Arc<std::sync::Mutex<Vec<i64>>> = Arc::default();
    let noted = arrived.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let noted = noted.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 bench ESMTP\r\n").await;
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let answer: &[u8] = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        noted
                            .lock()
                            .expect("sink lock")
                            .push(chrono::Utc::now().timestamp_millis());
                        b"250 OK\r\n"
                    } else {
                        match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                            Some("EHLO") | Some("HELO") => b"250 bench\r\n",
                            Some("DATA") => {
                                in_data = true;
                                b"354 go on\r\n"
                            }
                            Some("QUIT") => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"250 OK\r\n",
                        }
                    };
                    if write.write_all(answer).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    Ok((port, arrived))
}

struct Notifications {
    p50_ms: f64,
    p99_ms: f64,
}

/// From a remote alert's arrival on a node to the email about it in the
/// mailbox of the coordinator it matches (their role's default: immediate
/// alerts), one alert at a time.
async fn notifications(dir: &std::path::Path, alerts: usize) -> anyhow::Result<Notifications> {
    let e = |e: crate::error::Error| anyhow::anyhow!("{e}");
    let mut pool = Vec::new();
    for _ in 0..2 {
        pool.push(tokio::task::spawn_blocking(generate_actor_keypair).await??);
    }
    let keys = KeySource::pool(pool);
    let (port, arrived) = smtp_sink().await?;
    let smtp = crate::config::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: crate::config::SmtpTls::None,
        credentials: None,
        from: "Tadamun <bench@localhost>".into(),
        paused: false,
        ca_file: None,
    };
    let origin = node(dir, "notice-origin", &keys, true).await?;
    let subscriber = node_with_smtp(dir, "notice-subscriber", &keys, true, Some(smtp)).await?;
    crate::services::notifications::save_settings(
        &subscriber.state,
        &subscriber.staff,
        crate::services::notifications::NotificationSettingsChange {
            email: Some("coordinator@subscriber.test".into()),
            subscription: None,
        },
    )
    .await
    .map_err(e)?;
    connect(&origin, &subscriber).await?;
    let data = crate::federation::data(&subscriber.state).await.map_err(e)?;
    crate::federation::outbox::deliver_due(&subscriber.state, &data)
        .await
        .map_err(e)?;
    let count = || arrived.lock().expect("sink lock").len();
    let wait_for = |n: usize| async move {
        let deadline = Instant::now() + Duration::from_secs(120);
        while count() < n {
            anyhow::ensure!(Instant::now() < deadline, "no email arrived within 120 s");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Ok(())
    };
    publish(&origin, "Warm-up alert").await?;
    wait_for(1).await?;
    let mut latencies = Vec::new();
    for n in 0..alerts {
        let (id, _) = publish(&origin, &format!("Notified alert {n}")).await?;
        wait_for(n + 2).await?;
        let received =
            crate::db::remote_alerts::received_at_of_id_like(&subscriber.state.db, &format!("%/alerts/{id}")).await?;
        let in_mailbox = arrived.lock().expect("sink lock")[n + 1];
        latencies.push((in_mailbox - received).max(0) as f64);
    }
    latencies.sort_by(f64::total_cmp);
    let _ = origin.stop.send(());
    let _ = subscriber.stop.send(());
    Ok(Notifications {
        p50_ms: super::bench_pages::percentile(&latencies, 50.0),
        p99_ms: super::bench_pages::percentile(&latencies, 99.0),
    })
}
