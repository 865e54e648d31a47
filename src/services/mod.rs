//! The services: every rule of the node, called alike by the JSON API, the
//! pages, the CLI and the inbound federation ring.
//!
//! - [`activities`]: the activities we sent, as others fetch them (by id,
//!   and in an organisation's outbox), never carrying more than is allowed now.
//! - [`accounts`]: organisations, staff, passwords, two factors, API tokens.
//! - [`own_account`]: what staff change of their own account: the password,
//!   a second factor confirmed before it replaces the old one, recovery codes,
//!   and the browsers they are signed in with.
//! - [`peers`]: other nodes and how far this one trusts them.
//! - [`alerts`]: the alert lifecycle, and who here may see and do what.
//! - [`alert_delivery`]: who on other nodes gets each of our alerts, and how.
//! - [`actions`]: solidarity actions, the collective response, the sign-on
//!   letter, and what needs attention (expired alerts, overdue pledges).
//! - [`dashboard`]: the staff dashboard: every alert one may see, ours and
//!   received, most urgent first, and what needs attention now.
//! - [`groups`]: regional and working groups: creating, joining, moderating.
//! - [`group_relay`]: what our groups pass on to their members.
//! - [`follows`]: other nodes and organisations following ours, and answers.
//! - [`public_profile`]: what anyone sees of an organisation and its public
//!   alerts on their pages.
//! - [`remote_alerts`]: alerts received from other nodes, and who here sees them.
//! - [`remote_actions`]: actions received from other nodes, and relaying them.
//! - [`monitoring`]: what an operator watches (queues, alerts by status, sign-ins).
//! - [`notifications`]: who is told of what (subscriptions, role defaults),
//!   queued with what causes it; [`notice_email`] renders and sends email,
//!   [`webhooks`] organisations' signed webhooks.
//! - [`analysis`]: counts of the alerts one may see by what drives attacks, with small numbers protected.
//! - [`network_analysis`]: counts organisations publish to the network, and the picture they add up to.

pub mod accounts;
pub mod actions;
pub mod activities;
pub mod alert_delivery;
pub mod alerts;
pub mod analysis;
pub mod analysis_export;
pub mod dashboard;
pub mod follows;
pub mod group_relay;
pub mod groups;
pub mod monitoring;
pub mod network_analysis;
pub mod notice_email;
pub mod notifications;
pub mod own_account;
pub mod peers;
pub mod public_profile;
pub mod remote_actions;
pub mod remote_alerts;
pub mod staff;
pub mod webhooks;
