//! The inbound federation ring: what other servers ask of this node.
//!
//! - [`pipeline`]: `POST /inbox`, the order of the checks on every activity
//!   (size, shape, hosts, trust, date, replay, HTTP signature), then its handler.
//! - [`activities`]: one file per activity kind: its struct, its own checks,
//!   and the service it calls.
//! - [`routes`]: the federation GET routes (WebFinger, NodeInfo, actors,
//!   objects, collections) and the inbox routes.
//! - [`webfinger`]: discovery by `acct:` name or actor URL (RFC 7033).

pub mod activities;
pub mod pipeline;
pub mod routes;
pub mod webfinger;
