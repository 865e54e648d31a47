//! Tadamun: the federated server that member organisations of a human-rights
//! network run to raise and answer urgent alerts about defenders at risk.
//!
//! # Rings
//! The code is in rings, and a module imports only from its own ring or the
//! rings below it (`tests/it/rings.rs` fails on any import from above):
//!
//! 1. **Adapters** turn a request into a service call and its answer back:
//!    - [`api`]: the JSON API under `/api/v1` and its OpenAPI description.
//!    - [`web`]: pages for staff in four languages, one module per page
//!      family (sign-in, the dashboard, the alert form, the review steps, the
//!      alert's page with answers, responses and letter, groups), with form
//!      tokens.
//!    - [`pages`]: public pages for browsers at an organisation's and a public
//!      alert's URL, in four languages.
//!    - [`inbound`]: what other servers ask: the inbox pipeline, one file per
//!      activity kind (`inbound/activities/`), the federation GET routes.
//!    - [`cli`]: the `tadamun` command (serve, migrate, admin, peers, keys,
//!      config check, status, backup and restore, devnet, verify, bench).
//!    - [`request`]: what they all read from a request alike (the body within
//!      its limit, the client's address).
//!    - [`server`]: the router of all of them and the serve loop.
//! 2. **Services** ([`services`]) hold every rule, called alike by the API,
//!    the pages, the CLI and the inbox: accounts, peers, alerts (and who gets
//!    them), actions, groups, what is received from other nodes, what other
//!    servers may fetch (activities, public profiles), and monitoring.
//! 3. **Federation core** ([`federation`]): URLs, the wire format, integrity
//!    proofs and keys, actor documents and fetching, the outbox and its
//!    delivery worker, signed fetches. It knows ActivityPub, not the rules.
//! 4. **State** ([`state`]): one node's state (many nodes run in one
//!    process), with what it counts as it serves.
//! 5. **Storage** ([`db`]): all SQL, for SQLite and PostgreSQL (one set of
//!    queries), one module per table group; `db::group_commit` commits SQLite
//!    writes that arrive together in one transaction; `db::backup` snapshots.
//! 6. **Domain** ([`domain`], [`error`], [`clock`], [`config`], [`i18n`]):
//!    vocabularies, the alert's fields and checks, the one error type, time,
//!    configuration, and the pages' words in each language (`locales/`).
//!
//! # Where to change what
//! - A new activity kind: a file in `inbound/activities/` (its struct, its
//!   checks, the service it calls) and its arm in `inbound/activities/mod.rs`;
//!   what we send is a struct in `federation/wire/activities.rs` (a kind in
//!   its `OutgoingKind`), with an example in `federation/examples/`.
//! - A new API endpoint: a handler in `api/<topic>.rs`, registered in that
//!   file's `routes`, calling a service.
//! - Who may see an alert: [`services::alerts`] (`visible_to`, our own alerts),
//!   [`services::remote_alerts::may_see`] (alerts from other nodes), and for
//!   other nodes, [`services::alert_delivery`] (who gets each alert) and
//!   `inbound/routes.rs` (who may fetch it).

pub mod api;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod federation;
pub mod i18n;
pub mod inbound;
pub mod pages;
pub mod request;
pub mod server;
pub mod services;
pub mod state;
pub mod web;
