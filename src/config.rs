//! Node configuration from three layers: a TOML file (`--config`), environment
//! variables (`TADAMUN_…`), and command-line flags; flags win over the
//! environment, the environment over the file. With nothing set at all a node
//! runs on SQLite under `./data` at http://localhost:8080 in development mode.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The settings a node can take from flags and the environment (clap fills
/// flags first, then `env`); the file comes below both.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// TOML configuration file (see deploy/tadamun.example.toml).
    #[arg(long, env = "TADAMUN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "TADAMUN_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// Public domain of this node, as other nodes reach it (`tadamun.example.org`).
    #[arg(long, env = "TADAMUN_DOMAIN", value_name = "HOST[:PORT]")]
    pub domain: Option<String>,
    /// sqlite://PATH or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "TADAMUN_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Where the node keeps its files (the default SQLite database lives here).
    #[arg(long, env = "TADAMUN_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Development mode for a domain other than localhost: plain http and
    /// loopback peers allowed. Never use it on a public node.
    #[arg(long, env = "TADAMUN_DEV")]
    pub dev: bool,
    /// Log format.
    #[arg(long, env = "TADAMUN_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Secret that seals the node's private keys in the database (environment
    /// or file only, so that it never shows in a process list).
    #[arg(skip)]
    pub key_secret: Option<String>,
    /// Seconds a process holds a peer's delivery queue before another process
    /// sharing the database may take it over. No send outlives the lease: one
    /// is cut off with a quarter of the lease left, so below 40 s a slow peer
    /// gets less than the usual 10 s to answer.
    #[arg(long, env = "TADAMUN_DELIVERY_LEASE_SECONDS", value_name = "SECONDS")]
    pub delivery_lease_seconds: Option<u64>,
    /// The shared analysis shows any count below this as `<N` (default 3),
    /// so that no small group of alerts, or one defender, can be picked out.
    #[arg(long, env = "TADAMUN_SMALL_COUNT_THRESHOLD", value_name = "N")]
    pub small_count_threshold: Option<i64>,
    /// Seconds a client has to send a request's headers, and a kept-alive
    /// connection may wait for its next request, before it is closed.
    #[arg(long, env = "TADAMUN_HEADER_TIMEOUT_SECONDS", value_name = "SECONDS")]
    pub header_timeout_seconds: Option<u64>,
    /// Seconds a request body may go without a byte arriving before the
    /// request is dropped.
    #[arg(long, env = "TADAMUN_IDLE_TIMEOUT_SECONDS", value_name = "SECONDS")]
    pub idle_timeout_seconds: Option<u64>,
    /// Connections served at once; more wait in the kernel's queue.
    #[arg(long, env = "TADAMUN_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    domain: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    dev: Option<bool>,
    log_format: Option<LogFormat>,
    key_secret: Option<String>,
    delivery_lease_seconds: Option<u64>,
    small_count_threshold: Option<i64>,
    header_timeout_seconds: Option<u64>,
    idle_timeout_seconds: Option<u64>,
    max_connections: Option<usize>,
    access: Option<AccessFile>,
    smtp: Option<SmtpFile>,
}

/// `[smtp]` in the file: the mail server notices are sent through.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpFile {
    host: Option<String>,
    port: Option<u16>,
    tls: Option<SmtpTls>,
    username: Option<String>,
    password: Option<String>,
    from: Option<String>,
    paused: Option<bool>,
    ca_file: Option<PathBuf>,
}

/// How the connection to the mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP: only for a relay on the same machine or a test.
    None,
    /// Plain, then upgraded with STARTTLS (required: never sent in the clear).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// The mail server email notices go through (`[smtp]`); without it no email
/// is sent and notices wait, queued.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Both or neither.
    pub credentials: Option<(String, String)>,
    /// The sender, such as `Tadamun <alerts@node.example>`.
    pub from: String,
    /// Set by the operator in the file: no email leaves the node until it is
    /// cleared (the deliveries page can pause it too, without a restart).
    pub paused: bool,
    /// A PEM file of certificate authorities trusted for the mail server's
    /// certificate besides the system's (a private CA, a self-signed
    /// server's own certificate).
    pub ca_file: Option<PathBuf>,
}

impl SmtpConfig {
    /// The usual port of each kind of connection.
    pub fn default_port(tls: SmtpTls) -> u16 {
        match tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// `[access]` in the file: sign-in limits, token lifetimes, trusted proxies.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessFile {
    trusted_proxies: Option<Vec<String>>,
    token_days: Option<u32>,
    token_max_days: Option<u32>,
    failures_per_account: Option<u32>,
    failures_per_client: Option<u32>,
    failure_window_seconds: Option<u64>,
}

/// Who may sign in how often, how long tokens live, and which proxies may say
/// who the client is.
#[derive(Debug, Clone)]
pub struct AccessPolicy {
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the client;
    /// from anyone else the header is ignored (it could be forged).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Lifetime of an API token when its holder asks for none.
    pub token_days: u32,
    /// The longest lifetime a token may be given.
    pub token_max_days: u32,
    /// Failed sign-ins for one account within the window before it is locked.
    pub failures_per_account: u32,
    /// Failed sign-ins from one client address within the window before it is locked.
    pub failures_per_client: u32,
    /// The sliding window failures are counted in; a lockout lasts until
    /// enough failures have aged out of it.
    pub failure_window_seconds: u64,
}

impl Default for AccessPolicy {
    fn default() -> Self {
        AccessPolicy {
            trusted_proxies: Vec::new(),
            token_days: 90,
            token_max_days: 365,
            failures_per_account: 10,
            failures_per_client: 20,
            failure_window_seconds: 15 * 60,
        }
    }
}

/// A node's resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub domain: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub dev_mode: bool,
    pub log_format: LogFormat,
    /// Seals private keys at rest when set (`TADAMUN_KEY_SECRET`).
    pub key_secret: Option<String>,
    pub delivery_lease_seconds: u64,
    /// Counts below this are shown as `<N` in the analysis (at least 1).
    pub small_count_threshold: i64,
    /// How slow clients are cut off (see [`Limits`]).
    pub limits: Limits,
    pub access: AccessPolicy,
    /// Where email notices go; `None`: none are sent.
    pub smtp: Option<SmtpConfig>,
}

/// What keeps slow or idle clients from holding the node without a proxy in
/// front: a half-sent header, a stalled body, or more connections than it
/// can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request's headers must arrive within this; a kept-alive connection
    /// waits this long for its next request.
    pub header_timeout: std::time::Duration,
    /// A request body may stall this long between two pieces.
    pub idle_timeout: std::time::Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: std::time::Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECONDS),
            idle_timeout: std::time::Duration::from_secs(DEFAULT_IDLE_TIMEOUT_SECONDS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Counts below this are shown as `<3` in the shared analysis.
pub const DEFAULT_SMALL_COUNT_THRESHOLD: i64 = 3;
pub const DEFAULT_HEADER_TIMEOUT_SECONDS: u64 = 10;
pub const DEFAULT_IDLE_TIMEOUT_SECONDS: u64 = 60;
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the configuration file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("`listen` must be ADDR:PORT such as 127.0.0.1:8080, not `{0}`")]
    Listen(String),
    #[error("`domain` must be HOST or HOST:PORT with no scheme or path (such as tadamun.example.org), not `{0}`")]
    Domain(String),
    #[error(
        "listening on {0} with a localhost domain would expose a development-mode node (no TLS, loopback peers \
         allowed) to the network: set `domain` to this node's public name, or pass --dev to mean it"
    )]
    ExposedDevelopmentMode(SocketAddr),
    #[error("`access.trusted_proxies`: `{0}` is not an IP address or network such as 10.0.0.0/8")]
    TrustedProxy(String),
    #[error("`access.{0}` must be at least 1")]
    AccessZero(&'static str),
    #[error("`access.token_days` ({0}) cannot be longer than `access.token_max_days` ({1})")]
    TokenDays(u32, u32),
    #[error("`smtp.{0}` is required when `[smtp]` is given")]
    SmtpMissing(&'static str),
    #[error("`smtp.username` and `smtp.password` go together: give both or neither")]
    SmtpCredentials,
    #[error("`smtp.from` must be an address such as `Tadamun <alerts@node.example>`, not `{0}`")]
    SmtpFrom(String),
    #[error("`smtp.ca_file` must be a PEM file of one or more certificates: {0}")]
    SmtpCaFile(String),
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Config {
    pub fn load(args: &ConfigArgs) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let listen_text = args
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen: SocketAddr = listen_text
            .parse()
            .map_err(|_| ConfigError::Listen(listen_text.clone()))?;
        let domain = match args.domain.clone().or(file.domain) {
            Some(d) => normalise_domain(&d).ok_or(ConfigError::Domain(d))?,
            None => format!("localhost:{}", listen.port()),
        };
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = args
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| default_database_url(&data_dir));
        let explicitly_dev = args.dev || file.dev.unwrap_or(false);
        let dev_mode = is_localhost(&domain) || explicitly_dev;
        if is_localhost(&domain) && !listen.ip().is_loopback() && !explicitly_dev {
            return Err(ConfigError::ExposedDevelopmentMode(listen));
        }
        Ok(Config {
            listen,
            domain,
            database_url,
            data_dir,
            dev_mode,
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            key_secret: args
                .key_secret
                .clone()
                .or_else(|| std::env::var("TADAMUN_KEY_SECRET").ok())
                .or(file.key_secret)
                .filter(|s| !s.is_empty()),
            delivery_lease_seconds: args
                .delivery_lease_seconds
                .or(file.delivery_lease_seconds)
                .unwrap_or(60)
                .max(1),
            small_count_threshold: args
                .small_count_threshold
                .or(file.small_count_threshold)
                .unwrap_or(DEFAULT_SMALL_COUNT_THRESHOLD)
                .max(1),
            limits: Limits {
                header_timeout: std::time::Duration::from_secs(
                    args.header_timeout_seconds
                        .or(file.header_timeout_seconds)
                        .unwrap_or(DEFAULT_HEADER_TIMEOUT_SECONDS)
                        .max(1),
                ),
                idle_timeout: std::time::Duration::from_secs(
                    args.idle_timeout_seconds
                        .or(file.idle_timeout_seconds)
                        .unwrap_or(DEFAULT_IDLE_TIMEOUT_SECONDS)
                        .max(1),
                ),
                max_connections: args
                    .max_connections
                    .or(file.max_connections)
                    .unwrap_or(DEFAULT_MAX_CONNECTIONS)
                    .max(1),
            },
            access: access_policy(file.access.unwrap_or_default())?,
            smtp: file.smtp.map(smtp_config).transpose()?,
        })
    }
}

/// The certificates of `smtp.ca_file`, read and parsed; or why not.
pub fn read_ca_file(path: &Path) -> Result<lettre::transport::smtp::client::Certificate, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    lettre::transport::smtp::client::Certificate::from_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))
}

/// `[smtp]` checked: a host and a sender, credentials both or neither. The
/// password may come from `TADAMUN_SMTP_PASSWORD` instead of the file.
fn smtp_config(file: SmtpFile) -> Result<SmtpConfig, ConfigError> {
    let host = file
        .host
        .filter(|h| !h.trim().is_empty())
        .ok_or(ConfigError::SmtpMissing("host"))?;
    let from = file.from.ok_or(ConfigError::SmtpMissing("from"))?;
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(ConfigError::SmtpFrom(from));
    }
    let tls = file.tls.unwrap_or(SmtpTls::Starttls);
    let password = std::env::var("TADAMUN_SMTP_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .or(file.password);
    let credentials = match (file.username, password) {
        (Some(user), Some(password)) => Some((user, password)),
        (None, None) => None,
        _ => return Err(ConfigError::SmtpCredentials),
    };
    if let Some(path) = &file.ca_file {
        read_ca_file(path).map_err(ConfigError::SmtpCaFile)?;
    }
    Ok(SmtpConfig {
        host,
        port: file.port.unwrap_or(SmtpConfig::default_port(tls)),
        tls,
        credentials,
        from,
        paused: file.paused.unwrap_or(false),
        ca_file: file.ca_file,
    })
}

/// Every problem of `[access]` (the proxies, zero limits, token lifetimes).
fn access_problems(file: &AccessFile) -> Vec<ConfigError> {
    let mut problems: Vec<ConfigError> = trusted_proxies(file.trusted_proxies.clone())
        .into_iter()
        .filter(|p| parse_proxy(p).is_none())
        .map(ConfigError::TrustedProxy)
        .collect();
    for (value, name) in [
        (file.token_days, "token_days"),
        (file.token_max_days, "token_max_days"),
        (file.failures_per_account, "failures_per_account"),
        (file.failures_per_client, "failures_per_client"),
    ] {
        if value == Some(0) {
            problems.push(ConfigError::AccessZero(name));
        }
    }
    if file.failure_window_seconds == Some(0) {
        problems.push(ConfigError::AccessZero("failure_window_seconds"));
    }
    let default = AccessPolicy::default();
    let (days, max) = (
        file.token_days.unwrap_or(default.token_days),
        file.token_max_days.unwrap_or(default.token_max_days),
    );
    if days > max && days > 0 && max > 0 {
        problems.push(ConfigError::TokenDays(days, max));
    }
    problems
}

/// The trusted proxies as written: the environment's list, else the file's.
fn trusted_proxies(from_file: Option<Vec<String>>) -> Vec<String> {
    match std::env::var("TADAMUN_TRUSTED_PROXIES") {
        Ok(list) => list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Err(_) => from_file.unwrap_or_default(),
    }
}

fn parse_proxy(text: &str) -> Option<ipnet::IpNet> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .ok()
}

fn access_policy(file: AccessFile) -> Result<AccessPolicy, ConfigError> {
    let default = AccessPolicy::default();
    let trusted_proxies = trusted_proxies(file.trusted_proxies)
        .into_iter()
        .map(|p| parse_proxy(&p).ok_or(ConfigError::TrustedProxy(p)))
        .collect::<Result<_, _>>()?;
    let positive = |value: Option<u32>, fallback: u32, name: &'static str| match value {
        Some(0) => Err(ConfigError::AccessZero(name)),
        other => Ok(other.unwrap_or(fallback)),
    };
    let policy = AccessPolicy {
        trusted_proxies,
        token_days: positive(file.token_days, default.token_days, "token_days")?,
        token_max_days: positive(file.token_max_days, default.token_max_days, "token_max_days")?,
        failures_per_account: positive(
            file.failures_per_account,
            default.failures_per_account,
            "failures_per_account",
        )?,
        failures_per_client: positive(
            file.failures_per_client,
            default.failures_per_client,
            "failures_per_client",
        )?,
        failure_window_seconds: match file.failure_window_seconds {
            Some(0) => return Err(ConfigError::AccessZero("failure_window_seconds")),
            other => other.unwrap_or(default.failure_window_seconds),
        },
    };
    if policy.token_days > policy.token_max_days {
        return Err(ConfigError::TokenDays(policy.token_days, policy.token_max_days));
    }
    Ok(policy)
}

/// Every problem of a configuration (its file, the environment and flags),
/// not only the first, for `tadamun config check`; none when a node would
/// start with it and is safe to run. Beyond what stops a node from starting,
/// it reports what an operator should not run with: development mode under
/// a public domain, and no key secret outside development mode.
pub fn problems(args: &ConfigArgs) -> Vec<String> {
    let mut problems = Vec::new();
    let file = match &args.config {
        None => FileConfig::default(),
        Some(path) => match file_problems(path) {
            Ok((file, found)) => {
                problems.extend(found);
                file
            }
            Err(err) => return vec![err.to_string()],
        },
    };
    // Each setting checked on its own, so that one mistake hides no other.
    let listen = args.listen.clone().or(file.listen.clone());
    let listen: Option<SocketAddr> = match listen {
        Some(text) => text
            .parse()
            .map_err(|_| problems.push(ConfigError::Listen(text).to_string()))
            .ok(),
        None => DEFAULT_LISTEN.parse().ok(),
    };
    let domain = match args.domain.clone().or(file.domain.clone()) {
        Some(d) => normalise_domain(&d).or_else(|| {
            problems.push(ConfigError::Domain(d).to_string());
            None
        }),
        None => listen.map(|l| format!("localhost:{}", l.port())),
    };
    let explicitly_dev = args.dev || file.dev.unwrap_or(false);
    if let (Some(domain), Some(listen)) = (&domain, listen) {
        if is_localhost(domain) && !listen.ip().is_loopback() && !explicitly_dev {
            problems.push(ConfigError::ExposedDevelopmentMode(listen).to_string());
        }
        if explicitly_dev && !is_localhost(domain) {
            problems.push(format!(
                "`dev` is on for the public domain {domain}: development mode allows plain http and loopback \
                 peers; never run a public node with it"
            ));
        }
        let key_secret = args
            .key_secret
            .clone()
            .or_else(|| std::env::var("TADAMUN_KEY_SECRET").ok())
            .or(file.key_secret.clone())
            .filter(|s| !s.is_empty());
        if key_secret.is_none() && !(is_localhost(domain) || explicitly_dev) {
            problems.push(
                "no key secret (`key_secret`, better TADAMUN_KEY_SECRET): outside development mode the \
                 organisations' private keys must be sealed in the database (see the README, \"Backups\")"
                    .into(),
            );
        }
    }
    if let Some(url) = args.database_url.clone().or(file.database_url.clone()) {
        let supported =
            url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://");
        if !supported {
            problems.push(format!(
                "`database_url` must be sqlite://PATH or postgres://USER@HOST:PORT/DB, not `{url}`"
            ));
        } else if let Err(err) = url::Url::parse(&url).map_err(|e| e.to_string()).and_then(|u| {
            if u.scheme() != "sqlite" && u.host_str().is_none_or(str::is_empty) {
                Err("it names no host".to_string())
            } else {
                Ok(())
            }
        }) {
            problems.push(format!("`database_url` `{url}` is not a valid URL: {err}"));
        }
    }
    if let Some(smtp) = file.smtp
        && let Err(err) = smtp_config(smtp)
    {
        problems.push(err.to_string());
    }
    let access = file.access.unwrap_or_default();
    problems.extend(access_problems(&access).into_iter().map(|e| e.to_string()));
    problems
}

/// Reads the file leniently: every unknown setting and every value of the
/// wrong type is a problem of its own, and the rest is still read.
fn file_problems(path: &Path) -> Result<(FileConfig, Vec<String>), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.into(),
        source,
    })?;
    let mut table: toml::Table = text.parse().map_err(|source| ConfigError::Parse {
        path: path.into(),
        source: Box::new(source),
    })?;
    let mut problems = Vec::new();
    let top: &[&str] = &[
        "listen",
        "domain",
        "database_url",
        "data_dir",
        "dev",
        "log_format",
        "key_secret",
        "delivery_lease_seconds",
        "small_count_threshold",
        "header_timeout_seconds",
        "idle_timeout_seconds",
        "max_connections",
        "access",
        "smtp",
    ];
    let smtp: &[&str] = &[
        "host", "port", "tls", "username", "password", "from", "paused", "ca_file",
    ];
    let access: &[&str] = &[
        "trusted_proxies",
        "token_days",
        "token_max_days",
        "failures_per_account",
        "failures_per_client",
        "failure_window_seconds",
    ];
    let mut drop_unknown = |table: &mut toml::Table, known: &[&str], prefix: &str| {
        let unknown: Vec<String> = table.keys().filter(|k| !known.contains(&k.as_str())).cloned().collect();
        for key in unknown {
            problems.push(format!(
                "unknown setting `{prefix}{key}` in {} (known: {})",
                path.display(),
                known.join(", ")
            ));
            table.remove(&key);
        }
    };
    drop_unknown(&mut table, top, "");
    if let Some(toml::Value::Table(section)) = table.get_mut("access") {
        drop_unknown(section, access, "access.");
    }
    if let Some(toml::Value::Table(section)) = table.get_mut("smtp") {
        drop_unknown(section, smtp, "smtp.");
    }
    // A value of the wrong type: said, and left out so the rest can be read.
    let mut typed = toml::Table::new();
    for (key, value) in table {
        let mut one = toml::Table::new();
        one.insert(key.clone(), value.clone());
        match toml::Value::Table(one).try_into::<FileConfig>() {
            Ok(_) => {
                typed.insert(key, value);
            }
            Err(err) => problems.push(format!("`{key}` in {}: {}", path.display(), err.message())),
        }
    }
    let file = toml::Value::Table(typed)
        .try_into::<FileConfig>()
        .map_err(|source| ConfigError::Parse {
            path: path.into(),
            source: Box::new(source),
        })?;
    Ok((file, problems))
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.into(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.into(),
        source: Box::new(source),
    })
}

pub fn default_database_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("tadamun.db").display())
}

/// `HOST[:PORT]` lower-cased, without a trailing dot; None if it is not that shape.
pub fn normalise_domain(domain: &str) -> Option<String> {
    let trimmed = domain.trim();
    if trimmed.is_empty() || trimmed.contains("://") || trimmed.contains('/') {
        return None;
    }
    let url = url::Url::parse(&format!("http://{trimmed}/")).ok()?;
    let host = url.host_str()?.trim_end_matches('.').to_string();
    if host.is_empty() || url.username() != "" || url.password().is_some() {
        return None;
    }
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Development mode follows from a localhost domain.
pub fn is_localhost(domain: &str) -> bool {
    domain == "localhost" || domain.starts_with("localhost:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised() {
        assert_eq!(normalise_domain("Node.Example.").as_deref(), Some("node.example"));
        assert_eq!(normalise_domain("localhost:8080").as_deref(), Some("localhost:8080"));
        assert_eq!(normalise_domain("https://node.example"), None);
        assert_eq!(normalise_domain("node.example/path"), None);
        assert_eq!(normalise_domain(""), None);
    }

    #[test]
    fn the_example_file_is_valid() {
        let args = ConfigArgs {
            config: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/tadamun.example.toml").into()),
            ..ConfigArgs::default()
        };
        let config = Config::load(&args).unwrap();
        assert_eq!(config.domain, "tadamun.example.org");
        assert!(!config.dev_mode);
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn an_smtp_ca_file_must_hold_certificates() {
        let dir = std::env::temp_dir().join(format!("tadamun-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = |ca_file: Option<PathBuf>| SmtpFile {
            host: Some("smtp.example.org".into()),
            from: Some("Tadamun <alerts@node.example>".into()),
            ca_file,
            ..SmtpFile::default()
        };
        let missing = dir.join("missing.pem");
        assert!(matches!(
            smtp_config(file(Some(missing))),
            Err(ConfigError::SmtpCaFile(why)) if why.contains("cannot read")
        ));
        let not_pem = dir.join("not.pem");
        std::fs::write(&not_pem, "not a certificate").unwrap();
        assert!(matches!(
            smtp_config(file(Some(not_pem))),
            Err(ConfigError::SmtpCaFile(_))
        ));
        let config = smtp_config(file(None)).unwrap();
        assert_eq!(
            (config.port, config.tls, config.ca_file),
            (587, SmtpTls::Starttls, None)
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn nothing_configured_gives_a_local_development_node() {
        let config = Config::load(&ConfigArgs::default()).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.domain, "localhost:8080");
        assert!(config.dev_mode);
        assert_eq!(config.database_url, "sqlite://data/tadamun.db");
    }
}
