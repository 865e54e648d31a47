//! The documents nodes exchange: our `Alert` and `SolidarityAction` objects
//! here, and every activity we send, one struct per kind, in
//! `wire/activities.rs` (re-exported here). Field names and vocabularies are
//! specified in `federation/README.md`; `federation/examples/` holds one
//! example of each, which the tests parse and round-trip.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use crate::domain::LangMap;
use crate::domain::alert::{AlertContent, BusinessLink, Perpetrator};
use crate::domain::vocab::*;

mod activities;
mod aggregate;
pub use activities::*;
pub use aggregate::*;

/// The media type of every ActivityPub document a node serves.
pub const ACTIVITY_JSON: &str = "application/activity+json";

/// Our JSON-LD context, the same on every node (`federation/context.jsonld`).
pub const CONTEXT_JSONLD: &str = include_str!("../../federation/context.jsonld");

/// The `@context` our documents carry: standard contexts plus our terms inline,
/// so that no receiver has to fetch anything to read them.
pub fn context() -> Value {
    STANDARD_CONTEXT.0.clone()
}

/// True when `value` is exactly the `@context` our documents carry.
pub fn is_standard_context(value: &Value) -> bool {
    *value == STANDARD_CONTEXT.0
}

/// The RFC 8785 form of our `@context`. Nearly every document a node signs or
/// verifies carries it, and it is most of their canonicalisation work, so it is
/// made once (it is a function of this build's `context.jsonld` only).
pub fn standard_context_canonical() -> &'static str {
    &STANDARD_CONTEXT.1
}

static STANDARD_CONTEXT: std::sync::LazyLock<(Value, String)> = std::sync::LazyLock::new(|| {
    let document: Value = serde_json::from_str(CONTEXT_JSONLD).expect("federation/context.jsonld is valid JSON");
    let context = json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/data-integrity/v2",
        document["@context"].clone(),
    ]);
    let canonical = serde_json_canonicalizer::to_string(&context).expect("the context canonicalises");
    (context, canonical)
});

/// An object's `type`: first the ActivityStreams type that other software
/// knows how to show (an alert is an `Article`: a titled document with a
/// summary, a body and a link to its page; an action is a `Note` in reply to
/// the alert), then ours, which says what it is to a Tadamun node.
///
/// Always sent as the list; a single string (what nodes sent before the
/// ActivityStreams type was added) is read too.
/// The `@context` of actor documents (organisations, groups, the instance
/// actor). It defines every term they use, so that a JSON-LD processor reads
/// the same document a plain JSON reader does: `publicKey` (security/v1),
/// `Multikey` (multikey/v1), and inline the terms no published context of
/// theirs defines: `assertionMethod` (as FEP-521a does; without it the
/// Multikeys that check our proofs vanish on expansion),
/// `manuallyApprovesFollowers` (as Mastodon does), and a group's `groupKind`
/// and `languages` from our namespace.
pub fn actor_context() -> Value {
    ACTOR_CONTEXT.clone()
}

static ACTOR_CONTEXT: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        "https://w3id.org/security/multikey/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "assertionMethod": {"@id": "https://w3id.org/security#assertionMethod", "@type": "@id", "@container": "@set"},
            "tdm": "https://tadamun.org/ns#",
            "groupKind": "tdm:groupKind",
            "languages": "tdm:languages"
        }
    ])
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectTypes(Vec<String>);

impl ObjectTypes {
    pub const ALERT: &str = "Alert";
    pub const ACTION: &str = "SolidarityAction";

    pub fn alert() -> Self {
        Self(vec!["Article".into(), Self::ALERT.into()])
    }

    pub fn action() -> Self {
        Self(vec!["Note".into(), Self::ACTION.into()])
    }

    pub fn includes(&self, kind: &str) -> bool {
        self.0.iter().any(|t| t == kind)
    }

    /// The types of a document as received: its `type` as one string or a
    /// list of them (an absent or other `type` has none).
    pub fn of(document: &Value) -> Self {
        Self(match document.get("type") {
            Some(Value::String(kind)) => vec![kind.clone()],
            Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        })
    }

    /// The first type, for messages.
    pub fn first(&self) -> &str {
        self.0.first().map(String::as_str).unwrap_or("?")
    }
}

impl Serialize for ObjectTypes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ObjectTypes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(deserializer)? {
            OneOrMany::One(kind) => Self(vec![kind]),
            OneOrMany::Many(kinds) => Self(kinds),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireDefender {
    pub name: String,
    pub kind: DefenderKind,
    #[serde(default)]
    pub woman_defender: bool,
    pub relationship: DefenderRelationship,
    #[serde(default)]
    pub anonymised: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireAddressee {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    pub kind: AddresseeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRequestedAction {
    pub kind: RequestedActionKind,
    #[serde(default, skip_serializing_if = "LangMap::is_empty")]
    pub description_map: LangMap,
    #[serde(default)]
    pub addressees: Vec<WireAddressee>,
    #[serde(default, skip_serializing_if = "LangMap::is_empty")]
    pub model_text_map: LangMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePlace {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// An alert as it travels between nodes. Never carries local-only fields,
/// consent records or the staff member who wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertObject {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: ObjectTypes,
    /// The alert's page for people (the same address: browsers get HTML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    pub number: String,
    pub attributed_to: Url,
    pub name: String,
    pub name_map: LangMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "LangMap::is_empty")]
    pub summary_map: LangMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "LangMap::is_empty")]
    pub content_map: LangMap,
    pub link_to_work_map: LangMap,
    pub alert_status: AlertStatus,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    pub sharing: Audience,
    pub violation_types: Vec<ViolationType>,
    #[serde(default)]
    pub perpetrators: Vec<Perpetrator>,
    #[serde(default)]
    pub rights_concerned: Vec<Right>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_link: Option<BusinessLink>,
    pub defenders: Vec<WireDefender>,
    pub location: WirePlace,
    #[serde(default)]
    pub requested_actions: Vec<WireRequestedAction>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    pub version: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_note: Option<String>,
    /// The alert's changes since it was published, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<WireHistoryEntry>,
    #[serde(default)]
    pub to: Vec<Url>,
    #[serde(default)]
    pub cc: Vec<Url>,
    /// The author's integrity proof, kept as received so that it can be checked again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
}

/// One change of an alert, as other nodes see it: what and when, never who.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireHistoryEntry {
    pub version: i64,
    pub published: DateTime<Utc>,
    /// `published`, `edited`, `closed`…
    pub change: String,
    pub alert_status: AlertStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_fields: Vec<String>,
}

/// A member organisation's response to an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionObject {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: ObjectTypes,
    pub action_kind: ActionKind,
    pub attributed_to: Url,
    /// The alert it answers.
    pub in_reply_to: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "LangMap::is_empty")]
    pub content_map: LangMap,
    pub shareable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addressee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_type: Option<SupportType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_outcome: Option<ReportOutcome>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub version: i64,
    #[serde(default)]
    pub to: Vec<Url>,
    #[serde(default)]
    pub cc: Vec<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
}

impl ActionObject {
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        id: Url,
        attributed_to: Url,
        in_reply_to: Url,
        draft: &crate::domain::action::ActionDraft,
        published: DateTime<Utc>,
        updated: DateTime<Utc>,
        version: i64,
        to: Vec<Url>,
    ) -> Self {
        ActionObject {
            context: Some(context()),
            id,
            kind: ObjectTypes::action(),
            action_kind: draft.kind,
            attributed_to,
            in_reply_to,
            content: preferred(&draft.content),
            content_map: draft.content.clone(),
            shareable: draft.shareable,
            addressee: draft.addressee.clone(),
            due_date: draft.due,
            support_type: draft.support_type,
            report_outcome: draft.outcome,
            published,
            updated,
            version,
            to,
            cc: Vec::new(),
            proof: None,
        }
    }

    /// The action's fields in our domain terms, sanitising remote HTML.
    pub fn draft(&self) -> crate::domain::action::ActionDraft {
        crate::domain::action::ActionDraft {
            kind: self.action_kind,
            content: self
                .content_map
                .iter()
                .map(|(l, t)| (l.clone(), ammonia::clean(t)))
                .collect(),
            shareable: self.shareable,
            addressee: self.addressee.clone(),
            due: self.due_date,
            support_type: self.support_type,
            outcome: self.report_outcome,
        }
    }
}

/// Picks the English text, else the first language's, for the plain
/// ActivityStreams fields that generic software shows.
fn preferred(map: &LangMap) -> Option<String> {
    map.get("en").or_else(|| map.values().next()).cloned()
}

impl AlertObject {
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        id: Url,
        number: String,
        attributed_to: Url,
        status: AlertStatus,
        urgency: Urgency,
        severity: Severity,
        certainty: Certainty,
        sharing: Audience,
        country: String,
        content: &AlertContent,
        published: DateTime<Utc>,
        updated: DateTime<Utc>,
        expires: Option<DateTime<Utc>>,
        version: i64,
        outcome: Option<Outcome>,
        closing_note: Option<String>,
        history: Vec<WireHistoryEntry>,
        to: Vec<Url>,
    ) -> Self {
        AlertObject {
            context: Some(context()),
            url: Some(id.clone()),
            id,
            kind: ObjectTypes::alert(),
            number,
            attributed_to,
            name: preferred(&content.title).unwrap_or_default(),
            name_map: content.title.clone(),
            summary: preferred(&content.summary),
            summary_map: content.summary.clone(),
            content: preferred(&content.body),
            content_map: content.body.clone(),
            link_to_work_map: content.link_to_work.clone(),
            alert_status: status,
            urgency,
            severity,
            certainty,
            sharing,
            violation_types: content.violation_types.clone(),
            perpetrators: content.perpetrators.clone(),
            rights_concerned: content.rights_concerned.clone(),
            business_link: content.business_link.clone(),
            defenders: content
                .defenders
                .iter()
                .map(|d| WireDefender {
                    name: d.name.clone(),
                    kind: d.kind,
                    woman_defender: d.woman_defender,
                    relationship: d.relationship,
                    anonymised: d.anonymised,
                })
                .collect(),
            location: WirePlace {
                kind: "Place".into(),
                name: content.place.clone(),
                country,
                region: content.region.clone(),
            },
            requested_actions: content
                .requested_actions
                .iter()
                .map(|a| WireRequestedAction {
                    kind: a.kind,
                    description_map: a.description.clone(),
                    addressees: a
                        .addressees
                        .iter()
                        .map(|ad| WireAddressee {
                            name: ad.name.clone(),
                            institution: ad.institution.clone(),
                            kind: ad.kind,
                        })
                        .collect(),
                    model_text_map: a.model_text.clone(),
                    deadline: a.deadline,
                })
                .collect(),
            published,
            updated,
            expires,
            version,
            outcome,
            closing_note,
            history,
            to,
            // Groups it is addressed to, which relay it to their members.
            cc: content.groups.iter().filter_map(|g| Url::parse(g).ok()).collect(),
            proof: None,
        }
    }

    /// How the alert ended, if it is closed: its outcome, at the first
    /// change that closed it (or its last update, with no history).
    pub fn closing(&self) -> Option<crate::domain::analysis::Closing> {
        if self.alert_status != AlertStatus::Closed {
            return None;
        }
        let at = self
            .history
            .iter()
            .find(|h| h.alert_status == AlertStatus::Closed)
            .map(|h| h.published)
            .unwrap_or(self.updated);
        Some(crate::domain::analysis::Closing {
            outcome: self.outcome?,
            at,
        })
    }

    /// The alert's content in our domain terms, sanitising remote HTML.
    pub fn domain_content(&self) -> AlertContent {
        use crate::domain::alert::{Addressee, Defender, RequestedAction};
        AlertContent {
            title: self.name_map.clone(),
            summary: self.summary_map.clone(),
            body: self
                .content_map
                .iter()
                .map(|(l, t)| (l.clone(), ammonia::clean(t)))
                .collect(),
            link_to_work: self.link_to_work_map.clone(),
            defenders: self
                .defenders
                .iter()
                .map(|d| Defender {
                    name: d.name.clone(),
                    kind: d.kind,
                    woman_defender: d.woman_defender,
                    relationship: d.relationship,
                    anonymised: d.anonymised,
                })
                .collect(),
            region: self.location.region.clone(),
            place: self.location.name.clone(),
            violation_types: self.violation_types.clone(),
            perpetrators: self.perpetrators.clone(),
            business_link: self.business_link.clone(),
            rights_concerned: self.rights_concerned.clone(),
            requested_actions: self
                .requested_actions
                .iter()
                .map(|a| RequestedAction {
                    kind: a.kind,
                    description: a.description_map.clone(),
                    addressees: a
                        .addressees
                        .iter()
                        .map(|ad| Addressee {
                            name: ad.name.clone(),
                            institution: ad.institution.clone(),
                            kind: ad.kind,
                        })
                        .collect(),
                    model_text: a
                        .model_text_map
                        .iter()
                        .map(|(l, t)| (l.clone(), ammonia::clean(t)))
                        .collect(),
                    deadline: a.deadline,
                })
                .collect(),
            groups: self.cc.iter().map(|g| g.to_string()).collect(),
        }
    }
}

/// Why an alert is deleted somewhere, as its `Delete` says (`removal` on the
/// tombstone). Only the origin knows, and only it may send the `Delete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Removal {
    /// Withdrawn by its author (or the defender's consent withdrawn): final.
    Withdrawn,
    /// The receiver (or the organisation named in the `Delete`'s `to`) is no
    /// longer in the alert's audience: a later `Create` or `Update` from the
    /// origin, of a version not older than the tombstone's, brings it back.
    OutOfAudience,
}

impl Removal {
    /// What a received tombstone says. Anything but `out_of_audience` (a
    /// `Delete` from a node that does not say, an unknown value) is final:
    /// taking an alert back must be said explicitly.
    pub fn of(tombstone: &Value) -> Removal {
        match tombstone.get("removal").and_then(Value::as_str) {
            Some("out_of_audience") => Removal::OutOfAudience,
            _ => Removal::Withdrawn,
        }
    }
}

/// What a received `Delete` says of its object: which one, why (see
/// [`Removal`]), the version it was removed at, and what it was.
#[derive(Debug, Clone)]
pub struct DeletedObject {
    pub id: Url,
    pub removal: Removal,
    pub version: i64,
    pub former_type: Option<String>,
}

impl DeletedObject {
    /// Reads a `Delete`'s object, given by reference or as a tombstone.
    pub fn of(object: &Value) -> Option<Self> {
        Some(Self {
            id: object_id(object)?,
            removal: Removal::of(object),
            version: object.get("version").and_then(Value::as_i64).unwrap_or(0),
            former_type: object.get("formerType").and_then(Value::as_str).map(str::to_string),
        })
    }
}

/// The id of an object given by reference or embedded.
pub fn object_id(value: &Value) -> Option<Url> {
    match value {
        Value::String(s) => Url::parse(s).ok(),
        Value::Object(o) => o.get("id").and_then(|v| v.as_str()).and_then(|s| Url::parse(s).ok()),
        _ => None,
    }
}
