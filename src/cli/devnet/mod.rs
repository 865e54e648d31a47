//! `tadamun devnet`: a small network of nodes in this one process, each with
//! its own state, database, port and delivery worker, filled through the same
//! services the API calls: organisations and staff, peering by Follow and
//! Accept over HTTP, groups joined and accepted, alerts published and
//! delivered, solidarity actions recorded. It then serves until Ctrl-C or
//! SIGTERM and stops every node cleanly.

mod scenario;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::future::try_join_all;
use tokio::sync::watch;

use super::cli_error;
use crate::config::{Config, ConfigArgs, LogFormat};
use crate::db::Db;
use crate::domain::action::ActionInput;
use crate::domain::alert::AlertInput;
use crate::domain::vocab::{MemberState, TheirAnswer};
use crate::error::Error;
use crate::federation::actors::LocalActor;
use crate::federation::urls;
use crate::server;
use crate::services::accounts::{self, Enrolment, NewOrg, NewUser, Staff};
use crate::services::actions::{self, On};
use crate::services::alerts::{self, Transition};
use crate::services::{groups, peers};
use crate::state::AppState;
use scenario::{AlertPlan, GROUPS, NODES, PEERINGS, StaffRef};

/// How long the network may take to pass on one step (a Follow and its
/// Accept, a request to join, an alert) before the command gives up.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);

/// What `tadamun devnet` was asked.
#[derive(Debug)]
pub struct Options {
    /// The first node's port; the others follow it. 0: any free ports.
    pub base_port: u16,
    /// Where the databases go (kept); a temporary directory otherwise (removed).
    pub data_dir: Option<PathBuf>,
}

/// One node of the network.
struct DevNode {
    letter: char,
    base: String,
    state: AppState,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// A demo account as printed.
struct Account {
    node: usize,
    username: &'static str,
    role: String,
    org: &'static str,
    enrolment: Option<Enrolment>,
}

/// Everything made, for what is printed and for the steps that follow.
struct Network {
    staff: HashMap<StaffRef, Staff>,
    accounts: Vec<Account>,
    alerts: Vec<Published>,
    actions: usize,
}

/// An alert as its node published it.
struct Published {
    node: usize,
    /// Its id on its own node.
    id: String,
    /// Its ActivityPub id.
    uri: String,
    number: String,
    /// Who drafted it, who sees every response to it.
    author: &'static str,
}

/// Stops every node of the network: Ctrl-C, SIGTERM, or a failure.
#[derive(Clone)]
struct Stop(Arc<watch::Sender<bool>>);

impl Stop {
    fn now(&self) {
        let _ = self.0.send(true);
    }

    async fn requested(&self) {
        let mut stop = self.0.subscribe();
        let _ = stop.wait_for(|stopped| *stopped).await;
    }
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let started = Instant::now();
    let (dir, keep) = match &options.data_dir {
        Some(dir) => (prepare_data_dir(dir)?, true),
        None => {
            let dir = std::env::temp_dir().join(format!("tadamun-devnet-{}", uuid::Uuid::now_v7().simple()));
            std::fs::create_dir_all(&dir).context("making the demo network's temporary directory")?;
            (dir, false)
        }
    };
    // Listening for Ctrl-C and SIGTERM starts now, so that either stops the
    // nodes cleanly at any point, also while the network is being filled.
    let stop = Stop(Arc::new(watch::channel(false).0));
    let on_signal = stop.clone();
    tokio::spawn(async move {
        server::shutdown_signal().await;
        on_signal.now();
    });

    let outcome = build_and_serve(&options, &dir, started, &stop).await;
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    outcome
}

async fn build_and_serve(options: &Options, dir: &Path, started: Instant, stop: &Stop) -> anyhow::Result<()> {
    let mut nodes = Vec::new();
    for (index, plan) in NODES.iter().enumerate() {
        let port = match options.base_port {
            0 => 0,
            base => base
                .checked_add(index as u16)
                .ok_or_else(|| anyhow::anyhow!("--base-port {base} leaves no room for {} nodes", NODES.len()))?,
        };
        match start_node(plan.letter, dir, port, stop.clone()).await {
            Ok(node) => nodes.push(node),
            Err(err) => {
                stop_all(nodes, stop).await;
                return Err(err);
            }
        }
    }
    let built = tokio::select! {
        built = fill(nodes.iter().collect()) => Some(built),
        () = stop.requested() => None,
    };
    let network = match built {
        Some(Ok(network)) => network,
        Some(Err(err)) => {
            stop_all(nodes, stop).await;
            return Err(err.context("building the demo network"));
        }
        None => {
            println!("stopping before the demo network was ready");
            stop_all(nodes, stop).await;
            return Ok(());
        }
    };
    print_summary(&nodes, &network, dir, options.data_dir.is_some(), started.elapsed());
    stop.requested().await;
    println!("stopping every node");
    stop_all(nodes, stop).await;
    println!("stopped cleanly");
    Ok(())
}

/// A directory that holds no demo network yet: the nodes' addresses (their
/// ports) are part of every id they made, so an old one is not mixed in.
fn prepare_data_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        anyhow::ensure!(
            entries.next().is_none(),
            "{} is not empty: give a new or empty directory for the demo network's databases",
            dir.display()
        );
    } else {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot make {}", dir.display()))?;
    }
    Ok(dir.to_path_buf())
}

async fn start_node(letter: char, dir: &Path, port: u16, stop: Stop) -> anyhow::Result<DevNode> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| {
            format!("cannot listen on 127.0.0.1:{port}: choose another --base-port, or --base-port 0 for free ports")
        })?;
    let listen: SocketAddr = listener.local_addr()?;
    // Made here, not from flags or TADAMUN_* variables: those of a real node
    // on this machine must not point the demo at its database. The node's
    // directory is laid out as `tadamun serve --data-dir` lays it out, so that
    // one node can later be run alone on the same port.
    let config = Config::load(&ConfigArgs {
        listen: Some(listen.to_string()),
        data_dir: Some(dir.join(letter.to_ascii_lowercase().to_string())),
        log_format: Some(LogFormat::Text),
        ..ConfigArgs::default()
    })?;
    let db = Db::connect(&config.database_url, 10).await?;
    db.migrate().await?;
    let base = format!("http://{}", config.domain);
    let state = AppState::new(db, config);
    let served = tokio::spawn(server::serve(
        listener,
        state.clone(),
        async move { stop.requested().await },
    ));
    Ok(DevNode {
        letter,
        base,
        state,
        served,
    })
}

/// Stops every node at once (a node delivering to one already stopped gets
/// a refused connection, not a wait), then closes their databases.
async fn stop_all(nodes: Vec<DevNode>, stop: &Stop) {
    stop.now();
    for node in nodes {
        match tokio::time::timeout(Duration::from_secs(20), node.served).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(err))) => tracing::warn!(node = %node.letter, %err, "a node stopped with an error"),
            Ok(Err(err)) => tracing::warn!(node = %node.letter, %err, "a node's task failed"),
            Err(_) => tracing::warn!(node = %node.letter, "a node did not stop within 20 s"),
        }
        node.state.db.close().await;
    }
}

/// Fills the running nodes, step by step, through the services.
async fn fill(nodes: Vec<&DevNode>) -> anyhow::Result<Network> {
    let now = chrono::Utc::now();
    let (staff, accounts) = make_staff(&nodes).await?;
    warm_keys(&nodes).await?;
    for &(from, to, trust) in PEERINGS {
        peer(&nodes, from, to, trust).await?;
    }
    let group_ids = make_groups(&nodes, &staff).await?;
    let alert_plans = scenario::alerts(now);
    let mut alerts = Vec::new();
    for plan in &alert_plans {
        alerts.push(publish(&nodes, &staff, &group_ids, plan).await?);
    }
    let actions = scenario::actions(now);
    let action_count = actions.len();
    for plan in actions {
        let by = &staff[&plan.by];
        let node = nodes[plan.by.node];
        let Published { id: local_id, uri, .. } = &alerts[plan.on];
        let input: ActionInput = serde_json::from_value(plan.body).context("a demo action")?;
        let on_own_node = alert_plans[plan.on].author.node == plan.by.node;
        let local_alert_id;
        let on = if on_own_node {
            On::Local(local_id)
        } else {
            local_alert_id = received(&nodes, node, uri).await?;
            On::Network(&local_alert_id)
        };
        actions::record(&node.state, by, on, input).await.map_err(cli_error)?;
    }
    settle(&nodes, "every delivery", async || {
        let mut pending = 0;
        for node in &nodes {
            pending += crate::db::outbox::count_pending(&node.state.db.pool).await?;
        }
        Ok(pending == 0)
    })
    .await?;
    Ok(Network {
        staff,
        accounts,
        alerts,
        actions: action_count,
    })
}

/// Organisations and staff, each node's in a task of its own: password
/// hashing takes a core, and the nodes have no other work yet.
async fn make_staff(nodes: &[&DevNode]) -> anyhow::Result<(HashMap<StaffRef, Staff>, Vec<Account>)> {
    let tasks = nodes.iter().enumerate().map(|(index, node)| {
        let state = node.state.clone();
        tokio::spawn(async move {
            let now = state.clock.now();
            let mut made = Vec::new();
            for org in NODES[index].orgs {
                let new = NewOrg {
                    slug: org.slug.into(),
                    name: org.name.into(),
                    alert_prefix: Some(org.alert_prefix.into()),
                };
                accounts::create_org(&state.db, new, now, None).await?;
                for person in org.people {
                    let new = NewUser {
                        username: person.username.into(),
                        display_name: Some(person.name.into()),
                        org_slug: org.slug.into(),
                        role: person.role,
                        password: scenario::PASSWORD.into(),
                    };
                    let user = accounts::create_user(&state, new, now, None).await?;
                    // What `tadamun admin create-token` does: the demo acts
                    // as each person through a token of theirs.
                    let (token, _) = accounts::issue_token(&state, &user.user.id, "devnet", Some(1), now).await?;
                    let staff = accounts::authenticate(&state.db, &token, now).await?;
                    let role = if staff.node_operator {
                        format!("{} + operator", person.role)
                    } else {
                        person.role.to_string()
                    };
                    made.push((
                        staff,
                        Account {
                            node: index,
                            username: person.username,
                            role,
                            org: org.slug,
                            enrolment: user.enrolment,
                        },
                    ));
                }
            }
            Ok::<_, Error>(made)
        })
    });
    let mut staff = HashMap::new();
    let mut all = Vec::new();
    for (index, made) in try_join_all(tasks).await?.into_iter().enumerate() {
        for (member, account) in made.map_err(cli_error)? {
            staff.insert(
                StaffRef {
                    node: index,
                    username: account.username,
                },
                member,
            );
            all.push(account);
        }
    }
    Ok((staff, all))
}

/// Makes every actor's signing key at once: RSA key generation is the slow
/// part of building the network, and made one at a time when first needed
/// (the order of the steps) it would leave a core idle.
async fn warm_keys(nodes: &[&DevNode]) -> anyhow::Result<()> {
    let actors = nodes.iter().zip(NODES).flat_map(|(node, plan)| {
        std::iter::once((*node, None)).chain(plan.orgs.iter().map(move |org| (*node, Some(org.slug))))
    });
    try_join_all(actors.map(async |(node, org)| match org {
        None => LocalActor::instance(&node.state).await.map(drop),
        Some(slug) => {
            let row = crate::db::accounts::find_org_by_slug(&node.state.db, slug)
                .await?
                .ok_or(Error::NotFound("organisation"))?;
            LocalActor::org(&node.state, row).await.map(drop)
        }
    }))
    .await
    .map_err(cli_error)?;
    Ok(())
}

/// `from` asks `to` to federate (a Follow between instance actors, as
/// `tadamun peers add` sends), and `to` answers at the same level (an Accept,
/// as `tadamun peers set` sends).
async fn peer(nodes: &[&DevNode], from: usize, to: usize, trust: crate::domain::vocab::Trust) -> anyhow::Result<()> {
    let (a, b) = (nodes[from], nodes[to]);
    let a_host = a.state.config.domain.clone();
    let b_host = b.state.config.domain.clone();
    peers::add(&a.state, &b.base, trust, None).await.map_err(cli_error)?;
    let asked = format!("{}'s request to federate reaching {}", a.letter, b.letter);
    settle(nodes, &asked, async || match peers::get(&b.state, &a_host).await {
        Ok(view) => Ok(view.awaiting_decision),
        Err(Error::NotFound(_)) => Ok(false),
        Err(err) => Err(err),
    })
    .await?;
    peers::set(&b.state, &a_host, trust, None).await.map_err(cli_error)?;
    let answered = format!("{}'s answer reaching {}", b.letter, a.letter);
    settle(nodes, &answered, async || {
        Ok(peers::get(&a.state, &b_host).await?.their_answer == TheirAnswer::Accepted)
    })
    .await
}

/// The groups, with their members on several nodes: each asks to join, and
/// the group's moderator accepts once the request has arrived.
async fn make_groups(nodes: &[&DevNode], staff: &HashMap<StaffRef, Staff>) -> anyhow::Result<Vec<String>> {
    let mut made = Vec::new();
    for plan in GROUPS {
        let input = groups::GroupInput {
            slug: plan.slug.into(),
            name: plan.name.into(),
            description: plan.description.into(),
            kind: plan.kind,
            languages: plan.languages.iter().map(|l| l.to_string()).collect(),
            moderators: vec![plan.moderator.slug.into()],
        };
        let group = groups::create(&nodes[plan.node].state, &staff[&plan.created_by], input)
            .await
            .map_err(cli_error)?;
        made.push(group);
    }
    // A group's key is first needed when its members fetch it, one group at a time.
    try_join_all(GROUPS.iter().zip(&made).map(async |(plan, group)| {
        let state = &nodes[plan.node].state;
        let row = crate::db::groups::find(&state.db, &group.id)
            .await?
            .ok_or(Error::NotFound("group"))?;
        LocalActor::group(state, row).await.map(drop)
    }))
    .await
    .map_err(cli_error)?;
    let mut ids = Vec::new();
    for (plan, group) in GROUPS.iter().zip(made) {
        let home = nodes[plan.node];
        let moderator = &staff[&plan.decided_by];
        for joining in plan.joined_by {
            let member = &staff[joining];
            let member_node = nodes[joining.node];
            groups::join(&member_node.state, member, &group.uri)
                .await
                .map_err(cli_error)?;
            let org_uri = urls::org_actor(&member_node.state.config, &member.org_slug).to_string();
            let arrived = format!("{}'s request to join {}", member.org_slug, plan.slug);
            settle(nodes, &arrived, async || {
                let members = groups::members(&home.state, moderator, &group.id).await?;
                Ok(members.iter().any(|m| m.org == org_uri))
            })
            .await?;
            groups::decide(&home.state, moderator, &group.id, &org_uri, MemberState::Accepted)
                .await
                .map_err(cli_error)?;
            let accepted = format!("{} hearing it is in {}", member.org_slug, plan.slug);
            settle(nodes, &accepted, async || {
                let ids = groups::list(&member_node.state, member).await?;
                Ok(ids
                    .iter()
                    .any(|g| g.uri == group.uri && g.membership == MemberState::Accepted.as_str()))
            })
            .await?;
        }
        ids.push(group.id);
    }
    Ok(ids)
}

/// Drafts, submits and publishes one alert.
async fn publish(
    nodes: &[&DevNode],
    staff: &HashMap<StaffRef, Staff>,
    group_ids: &[String],
    plan: &AlertPlan,
) -> anyhow::Result<Published> {
    let node = nodes[plan.author.node];
    let mut body = plan.body.clone();
    if !plan.restricted_to.is_empty() {
        body["restricted_to"] = plan
            .restricted_to
            .iter()
            .map(|o| urls::org_actor(&nodes[o.node].state.config, o.slug).to_string())
            .collect();
    }
    if !plan.groups.is_empty() {
        let mut uris = Vec::new();
        for &index in plan.groups {
            let group = &GROUPS[index];
            let home = nodes[group.node];
            let view = groups::get(&home.state, &staff[&group.created_by], &group_ids[index])
                .await
                .map_err(cli_error)?;
            uris.push(serde_json::Value::String(view.uri));
        }
        body["groups"] = uris.into();
    }
    // A member drafts; widening the audience is a coordinator's decision.
    let object = body.as_object_mut().expect("a demo alert is an object");
    let mut widening = serde_json::Map::new();
    for field in ["audience", "restricted_to"] {
        if let Some(value) = object.remove(field) {
            widening.insert(field.into(), value);
        }
    }
    let input: AlertInput = serde_json::from_value(body).context("a demo alert")?;
    let widening: AlertInput = serde_json::from_value(widening.into()).context("a demo alert's audience")?;
    let author = &staff[&plan.author];
    let publisher = &staff[&plan.published_by];
    let draft = alerts::create(&node.state, author, input).await.map_err(cli_error)?;
    alerts::edit(&node.state, publisher, &draft.id, widening)
        .await
        .map_err(cli_error)?;
    alerts::transition(&node.state, author, &draft.id, Transition::Submit)
        .await
        .map_err(cli_error)?;
    alerts::transition(&node.state, publisher, &draft.id, Transition::Publish)
        .await
        .map_err(cli_error)?;
    Ok(Published {
        node: plan.author.node,
        uri: urls::alert(&node.state.config, &draft.id).to_string(),
        id: draft.id,
        number: draft.number,
        author: plan.author.username,
    })
}

/// This node's id for an alert it received, once it has.
async fn received(nodes: &[&DevNode], node: &DevNode, uri: &str) -> anyhow::Result<String> {
    let what = format!("alert {uri} reaching {}", node.letter);
    let mut found = None;
    settle(nodes, &what, async || {
        found = crate::db::remote_alerts::find_by_id(&node.state.db, uri)
            .await?
            .map(|row| row.local_id);
        Ok(found.is_some())
    })
    .await?;
    Ok(found.expect("settled"))
}

/// Waits until `ready` says so, waking every node's delivery worker between
/// looks (a worker otherwise looks every two seconds).
async fn settle(
    nodes: &[&DevNode],
    what: &str,
    mut ready: impl AsyncFnMut() -> crate::error::Result<bool>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    loop {
        if ready().await.map_err(cli_error)? {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the demo network did not settle within {} s: waiting for {what}",
            SETTLE_TIMEOUT.as_secs()
        );
        for node in nodes {
            node.state.deliveries.notify_one();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn print_summary(nodes: &[DevNode], network: &Network, dir: &Path, kept: bool, took: Duration) {
    println!(
        "Tadamun demo network: {} nodes in this process, ready in {:.1} s",
        nodes.len(),
        took.as_secs_f64()
    );
    println!();
    for (node, plan) in nodes.iter().zip(NODES) {
        let orgs: Vec<String> = plan.orgs.iter().map(|o| format!("{} ({})", o.name, o.slug)).collect();
        println!("  {}  {}  {}: {}", node.letter, node.base, plan.region, orgs.join(", "));
    }
    let links: Vec<String> = PEERINGS
        .iter()
        .map(|&(a, b, trust)| format!("{}–{} {trust}", nodes[a].letter, nodes[b].letter))
        .collect();
    println!("  peers: {}", links.join(", "));
    for plan in GROUPS {
        let members: Vec<String> = plan
            .joined_by
            .iter()
            .map(|s| format!("{}@{}", network.staff[s].org_slug, nodes[s.node].letter))
            .collect();
        println!(
            "  {} group {} (on {}): {}",
            plan.kind,
            plan.name,
            nodes[plan.node].letter,
            members.join(", ")
        );
    }
    println!(
        "  {} alerts (en, ar, fr, es; public, network, trusted, restricted) and {} solidarity actions, delivered",
        network.alerts.len(),
        network.actions
    );
    println!();
    println!(
        "Sign in at NODE/ (the pages: alerts, a new alert, groups) or with POST NODE/api/v1/auth/token; \
         every password is {}",
        scenario::PASSWORD
    );
    println!(
        "a browser keeps one sign-in per host name, whatever the port: open a second node at \
         http://127.0.0.1:PORT (or in a private window) to stay signed in on both"
    );
    println!("coordinators and admins also give a code: a recovery code below (each works once) or their app's");
    for account in &network.accounts {
        let node = &nodes[account.node];
        let line = format!(
            "  {}  {:<8} {:<21} {:<12}",
            node.letter, account.username, account.role, account.org
        );
        match &account.enrolment {
            None => println!("{}", line.trim_end()),
            Some(enrolment) => {
                println!("{line}  recovery codes: {}", enrolment.recovery_codes[..2].join(" "));
                println!("       authenticator app: {}", enrolment.totp_uri);
            }
        }
    }
    println!();
    let first = &network.alerts[0];
    println!("Then look at, signed in:");
    println!(
        "  {}/alerts/{}/view  ({}, as {}): the alert's page, its steps and answers",
        nodes[first.node].base, first.id, first.number, first.author
    );
    println!(
        "  {}/alerts/{}/responses  ({}, as {}): answers from B and C",
        nodes[first.node].base, first.id, first.number, first.author
    );
    println!("  NODE/groups, and GET NODE/api/v1/network/alerts: what each node received");
    println!();
    match (kept, nodes.first()) {
        (true, Some(a)) => println!(
            "Databases in {} (kept: `tadamun serve --data-dir {}/a --listen {}` runs node A alone later)",
            dir.display(),
            dir.display(),
            a.state.config.listen
        ),
        _ => println!("Databases in a temporary directory, removed at exit (keep them with --data-dir DIR)"),
    }
    println!("Running. Ctrl-C stops every node.");
}
