//! The services: every rule of the node, called alike by the JSON API, the
//! pages, the CLI and the inbound federation ring.

pub mod accounts;
pub mod actions;
pub mod alert_delivery;
pub mod alerts;
pub mod follows;
pub mod group_relay;
pub mod groups;
pub mod peers;
pub mod remote_actions;
pub mod remote_alerts;
