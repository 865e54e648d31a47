//! The `tadamun` command line: run a node, migrate its database, and the admin
//! commands needed before anyone can sign in.

pub mod analysis_data;
pub mod backup;
pub mod bench;
mod bench_analysis;
mod bench_pages;
pub mod devnet;
pub mod verify;

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rand::Rng;
use rand::distributions::Alphanumeric;

use crate::config::{Config, ConfigArgs, LogFormat};
use crate::db::Db;
use crate::domain::vocab::{Role, Trust};
use crate::error::Error;
use crate::server;
use crate::services::accounts::{self, NewOrg, NewUser};
use crate::state::AppState;

#[derive(Debug, Parser)]
#[command(
    name = "tadamun",
    version,
    about = "Federated urgent alerts for human-rights defenders at risk"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the node (applies pending migrations first).
    Serve(#[command(flatten)] ConfigArgs),
    /// Apply pending database migrations and exit.
    Migrate(#[command(flatten)] ConfigArgs),
    /// Accounts for the first start and for emergencies.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Other nodes: ask to federate, and decide how far to trust each.
    #[command(subcommand)]
    Peers(PeersCommand),
    /// Integrity-proof keys of the node's organisations.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Measure fan-out, inbox throughput and their ceilings on this machine
    /// (build with --release for meaningful figures).
    Bench {
        /// A run of under a minute (10 peers, fewer alerts).
        #[arg(long)]
        quick: bool,
        /// Fan out to these numbers of peers instead (e.g. `--peers 100`).
        #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..=1000))]
        peers: Vec<u64>,
        /// Alerts per fan-out run instead of 10 (5 with --quick).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        alerts: Option<u64>,
        /// Run only one part: `fan-out`, `inbox` (the ceilings run with
        /// either), `pages` (the staff pages with 10,000 alerts),
        /// `analysis` (the shared analysis with 100,000 alerts) or
        /// `notifications` (a remote alert's arrival to the email in a mailbox).
        #[arg(long, value_parser = ["fan-out", "inbox", "pages", "analysis", "notifications"])]
        only: Option<String>,
        /// The analysis part on this empty PostgreSQL database instead of
        /// SQLite (e.g. `postgres://tadamun@localhost/bench`).
        #[arg(long)]
        postgres: Option<String>,
        /// Alerts in the analysis part, instead of 100,000 (10,000 with --quick).
        #[arg(long, value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
        analysis_alerts: Option<u64>,
    },
    /// The node at a glance, read from its database: readiness, peers and
    /// their delivery queues, alerts by status, sign-in failures and lockouts.
    Status(#[command(flatten)] ConfigArgs),
    /// Check a configuration before the node starts with it.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Write a consistent snapshot of the node's database to FILE, while it
    /// runs (SQLite: an online snapshot; PostgreSQL: pg_dump). The keys in it
    /// are sealed with the key secret, which it does not hold.
    Backup {
        /// A new file (never written over).
        file: PathBuf,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Bring a backup back as the node's database: into a new data directory
    /// (or an empty PostgreSQL database), never over an existing one.
    Restore {
        /// A file made by `tadamun backup`.
        file: PathBuf,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Run a demo network of three nodes in this process, on loopback: member
    /// organisations peered at different trust levels, groups, alerts and
    /// solidarity actions in four languages, and demo accounts to sign in
    /// with. Runs until Ctrl-C or SIGTERM.
    Devnet {
        /// The first node's port; the others take the next ones. 0: any free ports.
        #[arg(long, default_value_t = 8080, value_parser = clap::value_parser!(u16).range(..=65533))]
        base_port: u16,
        /// Keep the nodes' databases here (a new or empty directory) instead
        /// of in a temporary directory removed at exit.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Check the eddsa-jcs-2022 integrity proof(s) of a JSON document (an
    /// alert, an action, an activity, or any ActivityPub object). Exit code 0:
    /// valid; 1: a proof does not verify; 2: no proof or unreadable document;
    /// 3: the signer's key could not be fetched.
    Verify {
        /// A file, or an http(s) URL to fetch the document from.
        document: String,
        /// Verify offline with this public key (z6Mk…) instead of fetching the signer's.
        #[arg(long)]
        key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Report every problem of a configuration (its file, the environment and
    /// flags): unknown settings, values of the wrong type or form, an exposed
    /// or public development mode, a missing key secret. Exit code 1 if any.
    Check(#[command(flatten)] ConfigArgs),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new signing key for an organisation, announce it to peers, and
    /// keep the old one listed as retired so that what it signed still verifies.
    Rotate {
        #[arg(long)]
        org: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum PeersCommand {
    /// Ask another node to federate (sends a Follow between instance actors).
    Add {
        /// The other node's address, such as https://node.example
        url: String,
        /// How far this node trusts it.
        #[arg(long, default_value = "connected", value_parser = parse_trust)]
        trust: Trust,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Every known node, its trust level, and whether it awaits a decision.
    List {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Set how far this node trusts another (answers a waiting request to federate).
    Set {
        host: String,
        #[arg(value_parser = parse_trust)]
        trust: Trust,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Refuse everything from a node.
    Block {
        host: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

fn parse_trust(value: &str) -> Result<Trust, String> {
    match value.parse() {
        Ok(Trust::Pending) | Err(_) => Err("one of: blocked, connected, trusted".into()),
        Ok(t) => Ok(t),
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Add an organisation hosted on this node.
    CreateOrg {
        /// Short name used in addresses, such as green-advocates.
        #[arg(long)]
        slug: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Prefix of the organisation's alert numbers (SOS-2026-014).
        #[arg(long)]
        alert_prefix: Option<String>,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Add a staff account. Prints a generated password unless --password-stdin
    /// is given, and for coordinators and admins the two-factor enrolment URI.
    CreateUser {
        #[arg(long)]
        org: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Issue an API token for a staff account (printed once).
    CreateToken {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until the token ends (the node's `access.token_days` by default).
        #[arg(long)]
        days: Option<i64>,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Lift a sign-in lockout: forget the failed sign-ins of an account, of a
    /// client address, or both.
    Unlock {
        #[arg(long, required_unless_present = "address")]
        username: Option<String>,
        /// The client address as the node saw it (see the audit log's `sign_in.lockout`).
        #[arg(long)]
        address: Option<std::net::IpAddr>,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Make a staff member an operator of this node (organisations, trust in
    /// other nodes, deliveries, the node-wide audit log), or with --revoke no
    /// longer one. Operators sign in with two factors.
    Operator {
        #[arg(long)]
        username: String,
        #[arg(long)]
        revoke: bool,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// A new second factor for someone who lost their authenticator app and
    /// their recovery codes; ends every sign-in of theirs.
    ResetTwoFactor {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

/// Prints a second factor for its user to load, once.
fn print_enrolment(enrolment: &accounts::Enrolment) {
    println!(
        "two-factor enrolment (load into an authenticator app, shown once): {}",
        enrolment.totp_uri
    );
    println!("recovery codes (each works once in place of a code; keep them apart from the phone):");
    for code in &enrolment.recovery_codes {
        println!("  {code}");
    }
}

fn parse_role(value: &str) -> Result<Role, String> {
    value
        .parse()
        .map_err(|_| format!("one of: {}", <Role as strum::VariantNames>::VARIANTS.join(", ")))
}

/// Logs to stdout, where a service manager collects them.
pub fn init_tracing(format: LogFormat) {
    init_tracing_to(format, std::io::stdout);
}

/// Logs to `writer`: stderr for commands whose stdout is their result (the
/// benchmark's figures).
pub fn init_tracing_to<W>(format: LogFormat, writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    init_tracing_filtered(format, writer, "info,sqlx=warn,tower_http=info");
}

/// Logs to `writer` what `default_filter` lets through, unless `RUST_LOG` says otherwise.
fn init_tracing_filtered<W>(format: LogFormat, writer: W, default_filter: &str)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    let _ = match format {
        LogFormat::Text => builder.fmt_fields(EscapedFields).try_init(),
        // JSON escapes control characters itself.
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Formats the fields of a text log line (messages, span and event fields)
/// with control characters escaped: values from the network (an activity's
/// type, a peer's answer, a message quoting them) cannot start a line of
/// their own, hide behind NUL or carriage returns, or send a terminal escape
/// sequences. Done here, once, so that no call site can forget it.
struct EscapedFields;

impl<'writer> tracing_subscriber::fmt::FormatFields<'writer> for EscapedFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        mut writer: tracing_subscriber::fmt::format::Writer<'writer>,
        fields: R,
    ) -> std::fmt::Result {
        let mut visitor = EscapingVisitor {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct EscapingVisitor<'a, 'writer> {
    writer: &'a mut tracing_subscriber::fmt::format::Writer<'writer>,
    first: bool,
    result: std::fmt::Result,
}

impl tracing::field::Visit for EscapingVisitor<'_, '_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let name = field.name();
        // What the `log` bridge adds is shown by the line's own target.
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        let raw = format!("{value:?}");
        let text = escape_control_characters(&raw);
        let separator = if std::mem::take(&mut self.first) { "" } else { " " };
        self.result = match name {
            "message" => write!(self.writer, "{separator}{text}"),
            name => write!(
                self.writer,
                "{separator}{}={text}",
                name.strip_prefix("r#").unwrap_or(name)
            ),
        };
    }
}

/// `text` with every control character (and the Unicode line and paragraph
/// separators, and the direction overrides that reorder what a reader sees)
/// written as an escape: `\n`, `\r`, `\t`, `\0`, `\u{1b}`.
pub fn escape_control_characters(text: &str) -> std::borrow::Cow<'_, str> {
    let needs_escape = |c: char| {
        c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            '\0' => escaped.push_str("\\0"),
            c if needs_escape(c) => escaped.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => escaped.push(c),
        }
    }
    std::borrow::Cow::Owned(escaped)
}

async fn open_db(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url, 10).await?;
    db.migrate().await?;
    Ok(db)
}

/// Turns a domain error into a message for the terminal.
fn cli_error(err: Error) -> anyhow::Error {
    match err {
        Error::Validation(fields) => {
            let lines: Vec<String> = fields.0.iter().map(|(f, m)| format!("  {f}: {m}")).collect();
            anyhow::anyhow!("invalid input:\n{}", lines.join("\n"))
        }
        other => anyhow::anyhow!("{other}"),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => {
            let config = Config::load(&args)?;
            init_tracing(config.log_format);
            let db = Db::connect(&config.database_url, 2).await?;
            db.migrate().await?;
            db.close().await;
            println!("migrations applied to {}", redact(&config.database_url));
            Ok(())
        }
        Command::Admin(command) => admin(command).await,
        Command::Peers(command) => peers(command).await,
        Command::Keys(KeysCommand::Rotate { org, config }) => rotate_key(&org, config).await,
        Command::Bench {
            quick,
            peers,
            alerts,
            only,
            postgres,
            analysis_alerts,
        } => {
            init_tracing_to(LogFormat::Text, std::io::stderr);
            crate::cli::bench::run(crate::cli::bench::Options {
                quick,
                peers: peers.into_iter().map(|n| n as usize).collect(),
                alerts: alerts.map(|n| n as usize),
                only,
                postgres,
                analysis_alerts: analysis_alerts.map(|n| n as usize),
            })
            .await
        }
        Command::Config(ConfigCommand::Check(args)) => check_config(&args),
        Command::Status(args) => print_status(args).await,
        Command::Devnet { base_port, data_dir } => {
            // What it prints is the demo's map; the nodes' logs go to stderr,
            // warnings only unless RUST_LOG asks for more.
            init_tracing_filtered(LogFormat::Text, std::io::stderr, "warn");
            crate::cli::devnet::run(crate::cli::devnet::Options { base_port, data_dir }).await
        }
        Command::Backup { file, config } => crate::cli::backup::backup(&Config::load(&config)?, &file).await,
        Command::Restore { file, config } => crate::cli::backup::restore(&Config::load(&config)?, &file).await,
        Command::Verify { document, key } => {
            let code = crate::cli::verify::run(&document, key.as_deref()).await;
            if code != 0 {
                std::process::exit(code);
            }
            Ok(())
        }
    }
}

async fn print_status(args: ConfigArgs) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    if let Some(file) = crate::db::sqlite_file(&config.database_url)
        && !file.is_file()
    {
        anyhow::bail!(
            "there is no database at {}: check --data-dir or --database-url",
            file.display()
        );
    }
    let db = Db::connect(&config.database_url, 2).await?;
    let state = AppState::new(db.clone(), config);
    let result = async {
        let ready = state.db.is_ready().await;
        let status = crate::services::monitoring::status(&state).await?;
        let peers = crate::services::peers::list(&state).await?;
        Ok::<_, Error>((ready, status, peers))
    }
    .await;
    db.close().await;
    let (ready, status, peers) = result.map_err(cli_error)?;
    let config = &state.config;
    println!(
        "node      {} ({})",
        config.domain,
        if config.dev_mode {
            "development mode"
        } else {
            "production"
        }
    );
    println!("database  {}", redact_password(&config.database_url));
    println!(
        "schema    {}",
        if ready {
            "ready: every migration applied"
        } else {
            "NOT READY: migrations pending (tadamun migrate)"
        }
    );
    let alerts: Vec<String> = status.alerts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    println!(
        "alerts    {}",
        if alerts.is_empty() {
            "none".to_string()
        } else {
            alerts.join(", ")
        }
    );
    println!(
        "sign-ins  {} failed and {} lockouts in the last {} minutes; {} lockouts in all",
        status.sign_ins.recent_failures,
        status.sign_ins.recent_lockouts,
        config.access.failure_window_seconds / 60,
        status.sign_ins.lockouts_total
    );
    println!("peers     {}", if peers.is_empty() { "none" } else { "" });
    for peer in &peers {
        let queue = status.queues.iter().find(|q| q.host == peer.host);
        let waiting = if peer.awaiting_decision {
            ", asks to federate: decide with `tadamun peers set`"
        } else {
            ""
        };
        let deliveries = match queue {
            Some(q) if q.pending > 0 => format!(
                "{} queued (oldest {}s){}{}",
                q.pending,
                q.oldest_pending_seconds.unwrap_or(0),
                if q.failed > 0 {
                    format!(", {} refused", q.failed)
                } else {
                    String::new()
                },
                if q.unreachable {
                    ", UNREACHABLE for over a day"
                } else {
                    ""
                }
            ),
            Some(q) if q.failed > 0 => format!("nothing queued, {} refused", q.failed),
            _ => "nothing queued".to_string(),
        };
        println!(
            "  {:<28} {:<10} {deliveries}{waiting}",
            peer.host,
            peer.trust.to_string()
        );
    }
    // Followers on servers that are not peers (other fediverse software).
    for queue in status.queues.iter().filter(|q| !peers.iter().any(|p| p.host == q.host)) {
        println!(
            "  {:<28} {:<10} {} queued, {} refused",
            queue.host, "follower", queue.pending, queue.failed
        );
    }
    Ok(())
}

fn check_config(args: &ConfigArgs) -> anyhow::Result<()> {
    let problems = crate::config::problems(args);
    if !problems.is_empty() {
        eprintln!("{} problem(s) in this configuration:", problems.len());
        for problem in &problems {
            eprintln!("  - {problem}");
        }
        std::process::exit(1);
    }
    let config = Config::load(args)?;
    println!("configuration OK");
    println!("  domain:    {}", config.domain);
    println!("  listen:    {}", config.listen);
    println!("  database:  {}", redact_password(&config.database_url));
    println!(
        "  mode:      {}",
        if config.dev_mode {
            "development (plain http, loopback peers)"
        } else {
            "production"
        }
    );
    println!(
        "  keys:      {}",
        if config.key_secret.is_some() {
            "sealed with the key secret"
        } else {
            "not sealed (no key secret)"
        }
    );
    Ok(())
}

/// A database URL fit to print: without its password.
fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

async fn rotate_key(slug: &str, config_args: ConfigArgs) -> anyhow::Result<()> {
    let config = Config::load(&config_args)?;
    let db = open_db(&config).await?;
    let state = AppState::new(db.clone(), config);
    let result = async {
        let org = crate::db::accounts::find_org_by_slug(&state.db, slug)
            .await?
            .ok_or_else(|| Error::NotFound("organisation"))?;
        let key_id = crate::federation::integrity::rotate(&state, &org.id).await?;
        let actor = crate::federation::urls::org_actor(&state.config, &org.slug);
        crate::services::peers::announce_actor_update(&state, org).await?;
        Ok::<_, Error>(format!("{actor}#{key_id}"))
    }
    .await;
    db.close().await;
    let method = result.map_err(cli_error)?;
    println!("new signing key {method}; the previous one stays listed as retired");
    println!("(a running node announces it to its peers within seconds)");
    Ok(())
}

async fn peers(command: PeersCommand) -> anyhow::Result<()> {
    use crate::services::peers as p;
    let config_args = match &command {
        PeersCommand::Add { config, .. }
        | PeersCommand::List { config }
        | PeersCommand::Set { config, .. }
        | PeersCommand::Block { config, .. } => config.clone(),
    };
    let listing = matches!(command, PeersCommand::List { .. });
    let config = Config::load(&config_args)?;
    let db = open_db(&config).await?;
    let state = AppState::new(db.clone(), config);
    let print = |peer: &p::PeerView| {
        println!(
            "{}\t{}\ttheir answer: {}{}",
            peer.host,
            peer.trust,
            peer.their_answer,
            if peer.awaiting_decision {
                "\tAWAITS YOUR DECISION"
            } else {
                ""
            }
        )
    };
    let result = match command {
        PeersCommand::Add { url, trust, .. } => p::add(&state, &url, trust, None).await.map(|v| print(&v)),
        PeersCommand::List { .. } => p::list(&state).await.map(|all| {
            if all.is_empty() {
                println!("no peers yet: add one with `tadamun peers add https://node.example`");
            }
            all.iter().for_each(print)
        }),
        PeersCommand::Set { host, trust, .. } => p::set(&state, &host, trust, None).await.map(|v| print(&v)),
        PeersCommand::Block { host, .. } => p::set(&state, &host, Trust::Blocked, None).await.map(|v| print(&v)),
    };
    db.close().await;
    result.map_err(cli_error)?;
    if !listing {
        println!("(a running node sends what this queued within seconds)");
    }
    Ok(())
}

async fn serve(args: ConfigArgs) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    init_tracing(config.log_format);
    if config.dev_mode {
        tracing::warn!(
            domain = %config.domain,
            "DEVELOPMENT MODE: plain http and loopback peers are allowed; never expose this node publicly"
        );
    }
    let db = open_db(&config).await?;
    if crate::db::accounts::count_active_admins(&db).await? == 0 {
        let db_flag = if args.database_url.is_some() || args.config.is_some() || args.data_dir.is_some() {
            " (with the same --config/--database-url/--data-dir as this node)"
        } else {
            ""
        };
        // One line: log lines never break (see `EscapedFields`).
        tracing::warn!(
            "no admin account exists yet. Create one{db_flag}: \
             `tadamun admin create-org --slug my-org --name \"My Organisation\"`, then \
             `tadamun admin create-user --org my-org --role admin --username alice`"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let mut config = config;
    if config.domain == "localhost:0" {
        // Listening on port 0 (tests, demos): the domain follows the port we got.
        config.domain = format!("localhost:{}", addr.port());
    }
    tracing::info!(
        database = %redact(&config.database_url),
        domain = %config.domain,
        "listening on http://{addr}"
    );
    let state = AppState::new(db.clone(), config);
    server::serve(listener, state, server::shutdown_signal()).await?;
    db.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn admin(command: AdminCommand) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match command {
        AdminCommand::CreateOrg {
            slug,
            name,
            alert_prefix,
            config,
        } => {
            let config = Config::load(&config)?;
            let db = open_db(&config).await?;
            let org = accounts::create_org(
                &db,
                NewOrg {
                    slug,
                    name,
                    alert_prefix,
                },
                now,
                None,
            )
            .await
            .map_err(cli_error)?;
            db.close().await;
            println!("created organisation {} ({})", org.slug, org.name);
        }
        AdminCommand::CreateUser {
            org,
            role,
            username,
            display_name,
            password_stdin,
            config,
        } => {
            let config = Config::load(&config)?;
            let (password, generated) = if password_stdin {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("reading the password from standard input")?;
                (text.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                let generated: String = rand::thread_rng()
                    .sample_iter(&Alphanumeric)
                    .take(24)
                    .map(char::from)
                    .collect();
                (generated, true)
            };
            let db = open_db(&config).await?;
            let state = AppState::new(db.clone(), config);
            let made = accounts::create_user(
                &state,
                NewUser {
                    username,
                    display_name,
                    org_slug: org,
                    role,
                    password: password.clone(),
                },
                now,
                None,
            )
            .await
            .map_err(cli_error)?;
            db.close().await;
            println!(
                "created {} `{}` in {}",
                made.user.role, made.user.username, made.org.slug
            );
            if generated {
                println!("password (shown once): {password}");
            }
            if made.user.is_operator() {
                println!(
                    "`{}` also operates this node (the first admin of a node does)",
                    made.user.username
                );
            }
            if let Some(enrolment) = &made.enrolment {
                print_enrolment(enrolment);
            }
        }
        AdminCommand::CreateToken {
            username,
            name,
            days,
            config,
        } => {
            let config = Config::load(&config)?;
            let db = open_db(&config).await?;
            let state = AppState::new(db.clone(), config);
            let user = crate::db::accounts::find_user_by_username(&db, &username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user `{username}` on this node"))?;
            let made = accounts::issue_token(&state, &user.id, &name, days, now).await;
            db.close().await;
            let (token, _) = made.map_err(cli_error)?;
            println!("{token}");
        }
        AdminCommand::Unlock {
            username,
            address,
            config,
        } => {
            let config = Config::load(&config)?;
            let db = open_db(&config).await?;
            let state = AppState::new(db.clone(), config);
            let forgotten = accounts::unlock(&state, username.as_deref(), address).await;
            db.close().await;
            let forgotten = forgotten.map_err(cli_error)?;
            println!("lockout lifted ({forgotten} failed sign-ins forgotten)");
        }
        AdminCommand::Operator {
            username,
            revoke,
            config,
        } => {
            let config = Config::load(&config)?;
            let db = open_db(&config).await?;
            let state = AppState::new(db.clone(), config);
            let done = accounts::set_operator(&state, &username, !revoke, now).await;
            db.close().await;
            let enrolment = done.map_err(cli_error)?;
            if revoke {
                println!("`{username}` no longer operates this node");
            } else {
                println!("`{username}` now operates this node");
            }
            if let Some(enrolment) = &enrolment {
                print_enrolment(enrolment);
            }
        }
        AdminCommand::ResetTwoFactor { username, config } => {
            let config = Config::load(&config)?;
            let db = open_db(&config).await?;
            let state = AppState::new(db.clone(), config);
            let done = accounts::reset_second_factor(&state, &username).await;
            db.close().await;
            print_enrolment(&done.map_err(cli_error)?);
        }
    }
    Ok(())
}

/// A database URL without its password, for logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
