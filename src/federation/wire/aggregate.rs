//! `AlertAggregate`: the counts of an organisation's own released alerts by
//! vocabulary dimension, each already protected (a count under the threshold
//! is `"<3"`, one hidden so that such a count cannot be worked out is
//! `"hidden"`), signed by the organisation. Never records, never names: the
//! dimensions whose values people type (companies, projects, financiers,
//! regions) are not published. Sent in an [`AggregateUpdate`] when the counts
//! change and served at `{organisation}/analysis`; taken back with a `Delete`
//! of a [`Tombstone`](super::Tombstone) whose `formerType` is `AlertAggregate`.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use super::UpdateType;

/// The object's `type`.
pub const AGGREGATE_TYPE: &str = "AlertAggregate";

/// The `@context` of an aggregate and of the `Update` that carries it: the
/// standard contexts and its own terms inline (it shares none with alerts).
pub fn aggregate_context() -> Value {
    AGGREGATE_CONTEXT.clone()
}

static AGGREGATE_CONTEXT: LazyLock<Value> = LazyLock::new(|| {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/data-integrity/v2",
        {
            "tdm": "https://tadamun.org/ns#",
            "AlertAggregate": "tdm:AlertAggregate",
            "generated": {"@id": "tdm:generated", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
            "threshold": "tdm:threshold",
            "alerts": "tdm:alerts",
            "breakdowns": {"@id": "tdm:breakdowns", "@container": "@list"},
            "dimension": "tdm:dimension",
            "onePerAlert": "tdm:onePerAlert",
            "cells": {"@id": "tdm:cells", "@container": "@list"},
            "value": "tdm:value"
        }
    ])
});

/// A count as published: the number, or how it is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WireCount {
    Exact(i64),
    Protected(WireProtected),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireProtected {
    /// At least one, fewer than the threshold.
    #[serde(rename = "<3")]
    Fewer,
    /// At least the threshold, hidden so that a smaller one stays hidden.
    #[serde(rename = "hidden")]
    Hidden,
}

/// One value of a dimension and its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireCell {
    /// A vocabulary key, a country code or `YYYY-MM`; "" for alerts that
    /// record none (dimensions with one value per alert).
    pub value: String,
    pub alerts: WireCount,
}

/// How the organisation's alerts fall under one dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireBreakdown {
    pub dimension: String,
    /// Each alert has at most one value here: the cells (with "") add up
    /// to `alerts`.
    pub one_per_alert: bool,
    /// Empty when the whole breakdown is withheld.
    pub cells: Vec<WireCell>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertAggregate {
    #[serde(rename = "@context")]
    pub context: Value,
    /// `{organisation}/analysis`, where it is served.
    pub id: Url,
    /// `AlertAggregate`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The organisation, whose key signs it.
    pub attributed_to: Url,
    /// When the counts were made.
    pub generated: DateTime<Utc>,
    /// Counts under this were not published as such.
    pub threshold: i64,
    /// How many of its alerts are released.
    pub alerts: WireCount,
    /// Empty when `alerts` is under the threshold.
    pub breakdowns: Vec<WireBreakdown>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
}

/// `Update` of an organisation's [`AlertAggregate`], to the nodes this one
/// federates with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateUpdate {
    #[serde(rename = "@context")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UpdateType,
    pub actor: Url,
    pub object: AlertAggregate,
    pub to: Vec<Url>,
    pub published: DateTime<Utc>,
}
