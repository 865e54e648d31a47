//! What every test uses: a database of its own on either backend, nodes served
//! over real HTTP on loopback ports, and small request helpers. Requests to the
//! API go through [`SendChecked::send_checked`], which checks every answer
//! against the API's description.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::clock::{ManualClock, SharedClock};
use tadamun::config::{Config, Limits, LogFormat};
use tadamun::db::Db;
use tadamun::domain::vocab::Role;
use tadamun::server;
use tadamun::services::accounts::{self, NewOrg, NewUser};
use tadamun::state::AppState;

use crate::postgres::PgServer;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One test's world: which backend, and the temporary files it made.
pub struct TestEnv {
    pub backend: Backend,
    pg: Option<Arc<PgServer>>,
    temp: tempfile::TempDir,
}

impl TestEnv {
    pub fn new(backend: Backend, pg: Option<Arc<PgServer>>) -> Self {
        TestEnv {
            backend,
            pg,
            temp: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn temp_dir(&self) -> PathBuf {
        self.temp.path().to_path_buf()
    }

    /// A new, empty database on this test's backend.
    pub async fn new_database_url(&self) -> String {
        match self.backend {
            Backend::Sqlite => {
                format!(
                    "sqlite://{}/{}.db",
                    self.temp.path().display(),
                    uuid::Uuid::now_v7().simple()
                )
            }
            Backend::Postgres => {
                let pg = self
                    .pg
                    .as_ref()
                    .expect("the PostgreSQL server is started for postgres tests");
                let name = format!("t_{}", uuid::Uuid::now_v7().simple());
                create_pg_database(pg, &name).await;
                pg.url(&name)
            }
        }
    }
}

async fn create_pg_database(pg: &PgServer, name: &str) {
    use sqlx::Connection;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut conn = loop {
        match sqlx::PgConnection::connect(&pg.url("postgres")).await {
            Ok(conn) => break conn,
            // The server may still be starting up.
            Err(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            Err(err) => panic!("cannot reach the test PostgreSQL server: {err}"),
        }
    };
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("create database");
    let _ = conn.close().await;
}

pub type TestFn = fn(TestEnv) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// A test body and whether it depends on the database backend.
pub struct TestCase {
    pub name: &'static str,
    pub run: TestFn,
    pub per_backend: bool,
    /// Runs on PostgreSQL only (what SQLite cannot do: several processes on one database).
    pub postgres_only: bool,
}

/// `tests![a, b]`: cases run once per backend. `once![c]`: cases that do not
/// touch a database backend run once.
#[macro_export]
macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        vec![$($crate::support::TestCase {
            name: concat!(module_path!(), "::", stringify!($name)),
            run: |env| Box::pin($name(env)),
            per_backend: true,
            postgres_only: false,
        }),*]
    };
}

#[macro_export]
macro_rules! postgres_only {
    ($($name:ident),* $(,)?) => {
        vec![$($crate::support::TestCase {
            name: concat!(module_path!(), "::", stringify!($name)),
            run: |env| Box::pin($name(env)),
            per_backend: true,
            postgres_only: true,
        }),*]
    };
}

#[macro_export]
macro_rules! once {
    ($($name:ident),* $(,)?) => {
        vec![$($crate::support::TestCase {
            name: concat!(module_path!(), "::", stringify!($name)),
            run: |env| Box::pin($name(env)),
            per_backend: false,
            postgres_only: false,
        }),*]
    };
}

/// A node served on a loopback port in this process.
pub struct TestNode {
    pub base: String,
    pub state: AppState,
    pub clock: ManualClock,
    pub http: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestNode {
    pub async fn spawn(env: &TestEnv) -> TestNode {
        let url = env.new_database_url().await;
        Self::spawn_on(&url).await
    }

    pub async fn spawn_on(database_url: &str) -> TestNode {
        Self::spawn_with(database_url, None, None).await
    }

    /// A node whose private keys are sealed with `secret` (or that has none).
    pub async fn spawn_with_secret(database_url: &str, secret: Option<&str>) -> TestNode {
        Self::spawn_with(database_url, None, secret).await
    }

    /// A node outside development mode (https only, no loopback or private
    /// addresses), under a domain nothing resolves to.
    pub async fn spawn_production(env: &TestEnv) -> TestNode {
        let url = env.new_database_url().await;
        Self::spawn_with(&url, Some("tadamun.test"), None).await
    }

    /// A node on a given port (to come back where it was).
    pub async fn spawn_on_port(database_url: &str, port: u16) -> TestNode {
        Self::spawn_full(database_url, None, None, port, Limits::default(), None).await
    }

    /// A node with its own timeouts and connection limit (short ones, so that
    /// a test of them does not wait long).
    pub async fn spawn_with_limits(env: &TestEnv, limits: Limits) -> TestNode {
        let url = env.new_database_url().await;
        Self::spawn_full(&url, None, None, 0, limits, None).await
    }

    /// A node that sends email notices through `smtp`.
    pub async fn spawn_with_smtp(env: &TestEnv, smtp: tadamun::config::SmtpConfig) -> TestNode {
        let url = env.new_database_url().await;
        Self::spawn_full(&url, None, None, 0, Limits::default(), Some(smtp)).await
    }

    async fn spawn_with(database_url: &str, production_domain: Option<&str>, key_secret: Option<&str>) -> TestNode {
        Self::spawn_full(database_url, production_domain, key_secret, 0, Limits::default(), None).await
    }

    async fn spawn_full(
        database_url: &str,
        production_domain: Option<&str>,
        key_secret: Option<&str>,
        port: u16,
        limits: Limits,
        smtp: Option<tadamun::config::SmtpConfig>,
    ) -> TestNode {
        let db = Db::connect(database_url, 5).await.expect("connect");
        db.migrate().await.expect("migrate");
        let listener = if port == 0 {
            bind_stable_port().await
        } else {
            tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind")
        };
        let addr = listener.local_addr().expect("addr");
        let config = Config {
            listen: addr,
            domain: production_domain
                .map(String::from)
                .unwrap_or_else(|| format!("localhost:{}", addr.port())),
            database_url: database_url.to_string(),
            data_dir: PathBuf::from("unused"),
            dev_mode: production_domain.is_none(),
            log_format: LogFormat::Text,
            key_secret: key_secret.map(String::from),
            delivery_lease_seconds: 60,
            small_count_threshold: tadamun::config::DEFAULT_SMALL_COUNT_THRESHOLD,
            limits,
            access: Default::default(),
            smtp,
        };
        let clock = ManualClock::new(chrono::Utc::now());
        let mut state = AppState::new(db, config);
        state.clock = Arc::new(clock.clone()) as SharedClock;
        state.keys = test_keys();
        // Tests deliver by hand (`deliver_all`), so that they never wait on timers.
        state.background_delivery = false;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = state.clone();
        let task = tokio::spawn(async move {
            server::serve(listener, served, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        TestNode {
            base: format!("http://localhost:{}", addr.port()),
            state,
            clock,
            http: reqwest::Client::new(),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Stops accepting connections now, keeping the handle; connections
    /// already open (keep-alive) may still be served. `stop` closes them too.
    pub async fn stop_now(&self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.state.db.close().await;
    }

    pub fn host(&self) -> String {
        self.state.config.domain.clone()
    }

    /// Sends whatever this node's outbox has due; returns how many were tried.
    pub async fn deliver(&self) -> usize {
        let data = tadamun::federation::data(&self.state).await.expect("federation data");
        tadamun::federation::outbox::deliver_due(&self.state, &data)
            .await
            .expect("deliver")
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Makes the organisation if needed, then a user with this role, and returns a token.
    pub async fn staff(&self, org: &str, role: Role, username: &str) -> String {
        self.staff_with_password(org, role, username, "correct horse battery")
            .await
            .0
    }

    /// Like `staff`, also returning the otpauth URI for roles with two factors.
    pub async fn staff_with_password(
        &self,
        org: &str,
        role: Role,
        username: &str,
        password: &str,
    ) -> (String, Option<String>) {
        let now = self.clock_now();
        if tadamun::db::accounts::find_org_by_slug(self.db(), org)
            .await
            .unwrap()
            .is_none()
        {
            accounts::create_org(
                self.db(),
                NewOrg {
                    slug: org.into(),
                    name: format!("Org {org}"),
                    alert_prefix: None,
                },
                now,
                None,
            )
            .await
            .unwrap();
        }
        let made = accounts::create_user(
            &self.state,
            NewUser {
                username: username.into(),
                display_name: None,
                org_slug: org.into(),
                role,
                password: password.into(),
            },
            now,
            None,
        )
        .await
        .unwrap();
        let (token, _) = accounts::issue_token(&self.state, &made.user.id, "test", None, now)
            .await
            .unwrap();
        (token, made.enrolment.map(|e| e.totp_uri))
    }

    /// How far the analysis's tallies drifted from what they count
    /// (`db::analysis::tally_drift`): both zero when every write kept them.
    pub async fn analysis_drift(&self) -> (usize, usize) {
        let prefix = tadamun::federation::urls::alert(&self.state.config, "");
        tadamun::db::analysis::tally_drift(self.db(), prefix.as_str())
            .await
            .unwrap()
    }

    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        tadamun::clock::Clock::now(&self.clock)
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send_checked().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, Some(token), path, None).await
    }
    pub async fn post(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, Some(token), path, Some(body)).await
    }
    pub async fn patch(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PATCH, Some(token), path, Some(body)).await
    }

    /// Counts rows of a table, to show that a refused request wrote nothing.
    pub async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.db().pool)
            .await
            .unwrap();
        n
    }
}

/// Sending a request whose answer, when it comes from the API, is checked
/// against the API's description (see `api_description`): an answer that does
/// not match fails the test that sent the request.
pub trait SendChecked {
    fn send_checked(self) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send;
}

impl SendChecked for reqwest::RequestBuilder {
    async fn send_checked(self) -> reqwest::Result<reqwest::Response> {
        let (client, request) = self.build_split();
        let request = request?;
        let method = request.method().to_string();
        let url = request.url().clone();
        let response = client.execute(request).await?;
        if !url.path().starts_with(tadamun::api::PREFIX) {
            return Ok(response);
        }
        // The body is read here to be checked, and handed on as it came.
        let (status, version, headers) = (response.status(), response.version(), response.headers().clone());
        let body = response.bytes().await?;
        crate::api_description::check_answer(&method, url.path(), status.as_u16(), &headers, &body);
        let mut rebuilt = reqwest::ResponseBuilderExt::url(http::Response::builder(), url)
            .status(status)
            .version(version);
        if let Some(rebuilt_headers) = rebuilt.headers_mut() {
            *rebuilt_headers = headers;
        }
        Ok(reqwest::Response::from(
            rebuilt.body(body).expect("a response from valid parts"),
        ))
    }
}

/// The next candidate for [`stable_port`], shared by every test in this run.
static NEXT_STABLE_PORT: AtomicU16 = AtomicU16::new(0);

/// Loopback ports below the kernel's ephemeral range (Linux's default starts at
/// 32768): `bind(0)` and outgoing connections elsewhere in the run never get
/// one, so a node that stops can come back on its port (its domain names the
/// port) without another socket having taken it meanwhile.
fn stable_port_candidates() -> impl Iterator<Item = u16> {
    const LOW: u16 = 20000;
    let high = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .filter(|&first| first > LOW + 1000)
        .unwrap_or(32768);
    let span = high - LOW;
    // Start where another test run on this machine probably does not.
    let offset = (std::process::id() % u32::from(span)) as u16;
    (0..span).map(move |_| {
        let n = NEXT_STABLE_PORT.fetch_add(1, Ordering::Relaxed);
        LOW + ((u32::from(offset) + u32::from(n)) % u32::from(span)) as u16
    })
}

/// A free stable port for a child process to listen on (checked free just now).
pub fn stable_port() -> u16 {
    stable_port_candidates()
        .find(|&port| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok())
        .expect("a free loopback port below the ephemeral range")
}

async fn bind_stable_port() -> tokio::net::TcpListener {
    for port in stable_port_candidates() {
        if let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            return listener;
        }
    }
    panic!("no free loopback port below the ephemeral range")
}

/// A complete, valid alert body; tests change what they test.
pub fn alert_body() -> Value {
    json!({
        "title": {"en": "Death threats against land defenders in Huehuetenango", "es": "Amenazas de muerte contra defensores de la tierra"},
        "summary": {"en": "Community leaders opposing a hydro project received death threats."},
        "body": {"en": "<p>On 20 November, armed men <b>threatened</b> the community.</p>"},
        "link_to_work": {"en": "They lead the community's opposition to the dam."},
        "urgency": "immediate",
        "severity": "severe",
        "certainty": "confirmed",
        "country": "GT",
        "region": "Huehuetenango",
        "place": "Near the river crossing",
        "defenders": [{"name": "Community council of Santa Eulalia", "kind": "community", "woman_defender": false, "relationship": "close_partner"}],
        "violation_types": ["death_threat", "judicial_harassment"],
        "perpetrators": [{"category": "private_security", "involvement": "carried_out"}],
        "business_link": {"sector": "hydro_renewables", "company": "Hidro Example S.A.", "project": "Example dam"},
        "rights_concerned": ["land", "water"],
        "requested_actions": [{
            "kind": "letter",
            "addressees": [{"name": "Attorney General", "institution": "Public Ministry", "kind": "government"}],
            "model_text": {"en": "We urge you to investigate the threats.", "es": "Le instamos a investigar."},
            "deadline": "2030-01-01T00:00:00Z"
        }],
        "consent": {"given_by": "the community council", "given_at": "2026-01-01T10:00:00Z", "allowed_uses": ["public_appeal", "private_advocacy"]},
        "local_only": {"exact_location": "14.1234,-91.5678 SECRET-LOCATION", "contacts": "+502 5555 0000 SECRET-CONTACT", "family_details": "SECRET-FAMILY", "internal_notes": "SECRET-NOTES"}
    })
}

/// RSA keys from a fixed pool: generating them is slow and these tests are
/// not about keys (the key tests generate their own).
pub fn test_keys() -> tadamun::state::key_source::KeySource {
    // One pool for the whole run, so that nodes take different keys in turn.
    static POOL: std::sync::OnceLock<tadamun::state::key_source::KeySource> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let text = include_str!("fixtures/rsa-test-keys.json");
        let raw: Vec<serde_json::Value> = serde_json::from_str(text).expect("key fixtures");
        // The last key is kept back for `other_key`.
        let keys = raw[..raw.len() - 1]
            .iter()
            .map(|k| activitypub_federation::http_signatures::Keypair {
                private_key: k["private_key"].as_str().unwrap().to_string(),
                public_key: k["public_key"].as_str().unwrap().to_string(),
            })
            .collect();
        tadamun::state::key_source::KeySource::pool(keys)
    })
    .clone()
}

/// Delivers on every node until no outbox has anything due (answers such as
/// Accept make more work on the other side).
pub async fn deliver_all(nodes: &[&TestNode]) {
    for _ in 0..10 {
        let mut sent = 0;
        for node in nodes {
            sent += node.deliver().await;
        }
        if sent == 0 {
            return;
        }
    }
    panic!("deliveries did not settle");
}

/// A key that belongs to no actor of any test node.
pub fn other_key() -> activitypub_federation::http_signatures::Keypair {
    let text = include_str!("fixtures/rsa-test-keys.json");
    let raw: Vec<serde_json::Value> = serde_json::from_str(text).expect("key fixtures");
    let last = raw.last().expect("keys");
    activitypub_federation::http_signatures::Keypair {
        private_key: last["private_key"].as_str().unwrap().to_string(),
        public_key: last["public_key"].as_str().unwrap().to_string(),
    }
}

/// Another server with one actor and an inbox that answers with the status it
/// is told to (after the delay it is told to), counting POSTs and the ids of
/// the Creates it gets as they arrive.
pub struct FakePeer {
    pub base: String,
    delay_ms: Arc<AtomicU64>,
    status: Arc<AtomicU16>,
    retry_after: Arc<AtomicU16>,
    posts: Arc<AtomicUsize>,
    creates: Arc<Mutex<HashMap<String, usize>>>,
}

impl FakePeer {
    pub async fn start() -> FakePeer {
        use axum::routing::{get, post};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let key = other_key();
        let actor = serde_json::json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": format!("{base}/actor"), "type": "Application", "inbox": format!("{base}/inbox"),
            "endpoints": {"sharedInbox": format!("{base}/inbox")},
            "publicKey": {"id": format!("{base}/actor#main-key"), "owner": format!("{base}/actor"), "publicKeyPem": key.public_key},
        });
        let (status, retry_after, posts) = (
            Arc::new(AtomicU16::new(202)),
            Arc::new(AtomicU16::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let creates: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let delay_ms = Arc::new(AtomicU64::new(0));
        let (s, r, p, c, d) = (
            status.clone(),
            retry_after.clone(),
            posts.clone(),
            creates.clone(),
            delay_ms.clone(),
        );
        let app = axum::Router::new()
            .route(
                "/actor",
                get(move || {
                    let actor = actor.clone();
                    async move {
                        (
                            [(axum::http::header::CONTENT_TYPE, "application/activity+json")],
                            actor.to_string(),
                        )
                    }
                }),
            )
            .route(
                "/inbox",
                post(move |body: axum::body::Bytes| {
                    let (s, r, p, c, d) = (s.clone(), r.clone(), p.clone(), c.clone(), d.clone());
                    async move {
                        p.fetch_add(1, Ordering::SeqCst);
                        if let Ok(activity) = serde_json::from_slice::<serde_json::Value>(&body)
                            && activity["type"] == "Create"
                        {
                            *c.lock()
                                .unwrap()
                                .entry(activity["id"].as_str().unwrap_or_default().to_string())
                                .or_default() += 1;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(d.load(Ordering::SeqCst))).await;
                        let status = axum::http::StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap();
                        let mut response = axum::response::IntoResponse::into_response(status);
                        let retry = r.load(Ordering::SeqCst);
                        if retry > 0 {
                            response
                                .headers_mut()
                                .insert("retry-after", retry.to_string().parse().unwrap());
                        }
                        response
                    }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakePeer {
            base,
            delay_ms,
            status,
            retry_after,
            posts,
            creates,
        }
    }

    /// Answers only after `delay` from now on.
    pub fn delay(&self, delay: std::time::Duration) {
        self.delay_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn answer(&self, status: u16, retry_after: u16) {
        self.status.store(status, Ordering::SeqCst);
        self.retry_after.store(retry_after, Ordering::SeqCst);
    }

    pub fn posts(&self) -> usize {
        self.posts.load(Ordering::SeqCst)
    }

    /// How many distinct Creates arrived, and the most times any one did.
    pub fn creates(&self) -> (usize, usize) {
        let creates = self.creates.lock().unwrap();
        (creates.len(), creates.values().copied().max().unwrap_or(0))
    }
}

/// The `name=value` of the cookie `name` that a response sets, if it does.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .find(|pair| pair.starts_with(&format!("{name}=")))
}

/// Sends the sign-in form as a browser does: first the sign-in page, for the
/// form's token and its cookie, then the form with `fields` (and the token).
pub async fn post_login(client: &reqwest::Client, base: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let page = client.get(format!("{base}/login")).send().await.unwrap();
    let cookie = set_cookie(&page, "tadamun_form").expect("the sign-in page sets its form cookie");
    let html = page.text().await.unwrap();
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("the sign-in form has a token") + marker.len();
    let token = html[start..].split('"').next().unwrap().to_string();
    let body = {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(fields.iter().copied());
        form.append_pair("form_token", &token);
        form.finish()
    };
    client
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(body)
        .send()
        .await
        .unwrap()
}
