//! Tadamun: the federated server that member organisations of a human-rights
//! network run to raise and answer urgent alerts about defenders at risk.
//!
//! # Layout
//! - [`bench`]: `tadamun bench`, fan-out and inbox figures against their ceilings.
//! - [`cli`]: the `tadamun` command (serve, migrate, admin).
//! - [`config`]: configuration from file, environment and flags.
//! - [`server`]: a node's state, router and serve loop (many nodes per process).
//! - [`api`]: the JSON API under `/api/v1` and its OpenAPI description.
//! - [`web`]: pages for staff (sign-in, an alert's responses, its letter).
//! - [`accounts`]: organisations, staff, passwords, two factors, API tokens.
//! - [`alerts`]: the alert lifecycle and who may do what.
//! - [`actions`]: solidarity actions, the collective response, the sign-on
//!   letter, and what needs attention (expired alerts, overdue pledges).
//! - [`groups`]: regional and working groups: creating, joining, moderating.
//! - [`domain`]: vocabularies and the alert's fields and checks.
//! - [`federation`]: ActivityPub between nodes: actors, inboxes, outbox, peers.
//! - [`db`]: SQL for SQLite and PostgreSQL (one set of queries), migrations;
//!   `db::group_commit` commits SQLite writes that arrive together in one transaction.
//! - [`verify_cli`]: `tadamun verify`, checking integrity proofs of any document.
//! - [`clock`]: time, injectable for tests.
//! - [`error`]: the one error type and its HTTP answers.

pub mod api;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod federation;
pub mod inbound;
pub mod server;
pub mod services;
pub mod state;
pub mod web;
