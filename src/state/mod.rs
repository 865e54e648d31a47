//! A node's state: everything one node needs, cloned into every handler and
//! task. Many nodes run in one process (tests, the local demo network), so
//! nothing here is global.

use std::sync::{Arc, Weak};

use activitypub_federation::config::FederationConfig;
use reqwest_middleware::ClientWithMiddleware;
use tokio::sync::{Notify, OnceCell};

pub mod counters;
pub mod http_client;
pub mod key_source;
pub mod keystore;

use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::db::Db;
use key_source::KeySource;
use keystore::KeyCipher;

/// Everything a node needs; cloned into every handler. No global state.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    /// Where new RSA keys come from.
    pub keys: KeySource,
    /// The HTTP client for other servers: no redirects, timeouts, and outside
    /// development mode no loopback, private or reserved addresses.
    pub http: ClientWithMiddleware,
    /// Wakes the delivery worker when the outbox has new rows.
    pub deliveries: Arc<Notify>,
    /// Wakes the notice worker when notices were queued.
    pub notices: Arc<Notify>,
    /// This process's name in delivery leases.
    pub worker_id: String,
    /// How long a delivery lease on a peer lasts unless renewed; a crashed
    /// process's peers are taken over after it.
    pub delivery_lease: chrono::Duration,
    /// Whether `serve` runs the delivery worker (tests drive delivery by hand).
    pub background_delivery: bool,
    /// The federation crate's context, made once on first use.
    federation: FederationSlot,
    /// Seals and opens private keys at rest, when the operator set a secret.
    pub key_cipher: Option<Arc<KeyCipher>>,
    /// Answers and inbox outcomes since start, for the metrics.
    pub counters: Arc<counters::Counters>,
    /// The pages' words in every language, parsed once.
    pub texts: Arc<crate::i18n::Texts>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        let delivery_lease = chrono::Duration::seconds(config.delivery_lease_seconds as i64);
        let http = http_client::build(&config);
        let key_cipher = config
            .key_secret
            .as_deref()
            .map(|s| Arc::new(KeyCipher::from_secret(s)));
        Self {
            db,
            config: Arc::new(config),
            clock: Arc::new(SystemClock),
            keys: KeySource::Generate,
            http,
            deliveries: Arc::new(Notify::new()),
            notices: Arc::new(Notify::new()),
            worker_id: uuid::Uuid::now_v7().to_string(),
            delivery_lease,
            background_delivery: true,
            federation: FederationSlot::Owner(Arc::new(OnceCell::new())),
            key_cipher,
            counters: Arc::default(),
            texts: Arc::new(crate::i18n::Texts::load()),
        }
    }
}

/// Where a state finds the federation crate's context. The context holds a
/// state of its own (the crate hands it to every callback), and that one
/// refers to the context only weakly: otherwise each would keep the other
/// alive, and a node's database pool would outlive the node.
#[derive(Clone)]
enum FederationSlot {
    Owner(Arc<OnceCell<FederationConfig<AppState>>>),
    Held(Weak<OnceCell<FederationConfig<AppState>>>),
}

impl AppState {
    /// The cell of the federation crate's context, while the node lives.
    pub fn federation_cell(&self) -> Option<Arc<OnceCell<FederationConfig<AppState>>>> {
        match &self.federation {
            FederationSlot::Owner(cell) => Some(cell.clone()),
            FederationSlot::Held(cell) => cell.upgrade(),
        }
    }

    /// The copy of this state that the federation crate's context holds.
    pub fn for_federation_context(&self) -> AppState {
        let mut held = self.clone();
        if let FederationSlot::Owner(cell) = &self.federation {
            held.federation = FederationSlot::Held(Arc::downgrade(cell));
        }
        held
    }
}
