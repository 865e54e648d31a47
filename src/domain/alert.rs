//! The alert: what staff write, how it is checked, and which parts may ever leave
//! the node. `AlertInput` is what a client sends (every field optional, so one type
//! serves create and edit); `AlertDraft::validate` turns the merged result into a
//! checked alert or a list of errors, one per field.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::vocab::*;
use super::{FieldErrors, LangMap, LangMapSchema};

pub const MAX_TITLE: usize = 300;
pub const MAX_SUMMARY: usize = 2_000;
pub const MAX_BODY: usize = 50_000;
pub const MAX_LINK_TO_WORK: usize = 5_000;
pub const MAX_SHORT_TEXT: usize = 300;
pub const MAX_LONG_TEXT: usize = 5_000;
pub const MAX_LIST: usize = 100;

/// The parts of an alert that may be shared with other nodes (subject to its
/// audience). Stored as one JSON document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AlertContent {
    #[schema(value_type = LangMapSchema)]
    pub title: LangMap,
    #[serde(default)]
    #[schema(value_type = LangMapSchema)]
    pub summary: LangMap,
    /// HTML, sanitised on input.
    #[serde(default)]
    #[schema(value_type = LangMapSchema)]
    pub body: LangMap,
    /// How the attack links to the defender's rights work.
    #[schema(value_type = LangMapSchema)]
    pub link_to_work: LangMap,
    #[schema(max_items = 100)]
    pub defenders: Vec<Defender>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    pub violation_types: Vec<ViolationType>,
    #[serde(default)]
    pub perpetrators: Vec<Perpetrator>,
    #[serde(default)]
    pub business_link: Option<BusinessLink>,
    #[serde(default)]
    pub rights_concerned: Vec<Right>,
    #[serde(default)]
    pub requested_actions: Vec<RequestedAction>,
    /// Groups (their actor ids) the alert is addressed to; only for `public` and
    /// `network` alerts. The group's node relays the alert to its members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Defender {
    /// A name or a pseudonym; with `anonymised` it is always a pseudonym.
    #[schema(max_length = 300)]
    pub name: String,
    pub kind: DefenderKind,
    #[serde(default)]
    #[schema(default = false)]
    pub woman_defender: bool,
    pub relationship: DefenderRelationship,
    /// The name is a pseudonym.
    #[serde(default)]
    #[schema(default = false)]
    pub anonymised: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Perpetrator {
    pub category: PerpetratorCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub involvement: Option<Involvement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 5000)]
    pub details: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessLink {
    pub sector: BusinessSector,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub financier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestedAction {
    pub kind: RequestedActionKind,
    #[serde(default)]
    #[schema(value_type = LangMapSchema)]
    pub description: LangMap,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub addressees: Vec<Addressee>,
    /// Model letter text per language.
    #[serde(default)]
    #[schema(value_type = LangMapSchema)]
    pub model_text: LangMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Addressee {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    pub kind: AddresseeKind,
}

/// The defender's consent: local only, never federated. The audience may not
/// exceed it: public_appeal allows public, private_advocacy network,
/// named_addressees_only restricted; anonymised requires every defender to be
/// anonymised before sharing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(from = "ConsentInput", deny_unknown_fields)]
pub struct Consent {
    /// Who gave consent (the defender, a relative, their organisation…).
    pub given_by: String,
    pub given_at: DateTime<Utc>,
    pub allowed_uses: Vec<ConsentUse>,
    /// When the defender withdrew consent: set by recording the withdrawal
    /// only, never read from a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(read_only, nullable = false)]
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// [`Consent`] as a client sends it: without `withdrawn_at`, which is refused
/// as an unknown field. (Read through this type rather than by skipping the
/// field, so that the API description still shows `withdrawn_at` in answers.)
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentInput {
    given_by: String,
    given_at: DateTime<Utc>,
    allowed_uses: Vec<ConsentUse>,
}

impl From<ConsentInput> for Consent {
    fn from(input: ConsentInput) -> Self {
        Consent {
            given_by: input.given_by,
            given_at: input.given_at,
            allowed_uses: input.allowed_uses,
            withdrawn_at: None,
        }
    }
}

impl Consent {
    /// The widest audience the recorded consent allows.
    pub fn widest_audience(&self) -> Audience {
        if self.withdrawn_at.is_some() {
            return Audience::Node;
        }
        self.allowed_uses
            .iter()
            .filter_map(|u| u.widest_audience())
            .max_by_key(|a| a.rank())
            .unwrap_or(Audience::Node)
    }
    pub fn requires_anonymity(&self) -> bool {
        self.allowed_uses.contains(&ConsentUse::Anonymised)
    }
}

/// Fields that never leave this node: not in any federated document, export to
/// another node, or API answer to another organisation. Shown only to the
/// author organisation's staff.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalOnly {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact_location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_details: Option<String>,
    /// The organisation's own notes on the case (sources, follow-up, doubts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_notes: Option<String>,
}

/// What a client sends to create or edit an alert. Create: title, link_to_work,
/// country, defenders, violation_types and consent are required. Edit (PATCH):
/// fields sent replace the stored ones; fields left out are unchanged. Setting
/// audience to anything but `node` needs a coordinator or admin.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertInput {
    #[schema(value_type = Option<LangMapSchema>)]
    pub title: Option<LangMap>,
    #[schema(value_type = Option<LangMapSchema>)]
    pub summary: Option<LangMap>,
    /// HTML, sanitised on input.
    #[schema(value_type = Option<LangMapSchema>)]
    pub body: Option<LangMap>,
    /// How the attack links to the defender's rights work.
    #[schema(value_type = Option<LangMapSchema>)]
    pub link_to_work: Option<LangMap>,
    pub urgency: Option<Urgency>,
    pub severity: Option<Severity>,
    pub certainty: Option<Certainty>,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "GT")]
    pub country: Option<String>,
    pub region: Option<String>,
    pub place: Option<String>,
    #[schema(max_items = 100)]
    pub defenders: Option<Vec<Defender>>,
    pub violation_types: Option<Vec<ViolationType>>,
    pub perpetrators: Option<Vec<Perpetrator>>,
    /// Left out: unchanged; `null`: removed.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<BusinessLink>, nullable)]
    pub business_link: Option<Option<BusinessLink>>,
    pub rights_concerned: Option<Vec<Right>>,
    pub requested_actions: Option<Vec<RequestedAction>>,
    /// Groups (actor ids) to address; only for `public` and `network` alerts.
    /// The group's node relays the alert to its members.
    pub groups: Option<Vec<String>>,
    /// Left out: unchanged; `null`: the alert no longer expires.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub expires: Option<Option<DateTime<Utc>>>,
    pub audience: Option<Audience>,
    /// Organisations named for a restricted alert.
    pub restricted_to: Option<Vec<String>>,
    pub consent: Option<Consent>,
    pub local_only: Option<LocalOnly>,
}

/// A field that may be left out (`None`: unchanged) or sent as `null`
/// (`Some(None)`: removed), which serde's `Option` alone cannot tell apart.
fn present_or_null<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An alert's editable state, before or after checking.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertDraft {
    pub content: AlertContent,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    pub country: String,
    pub expires: Option<DateTime<Utc>>,
    pub audience: Audience,
    pub restricted_to: Vec<String>,
    pub consent: Option<Consent>,
    pub local_only: LocalOnly,
}

impl AlertDraft {
    /// A new alert from input: private to this node unless the input says otherwise.
    pub fn from_input(input: AlertInput) -> Self {
        let empty = AlertDraft {
            content: AlertContent::default(),
            urgency: Urgency::Unknown,
            severity: Severity::Unknown,
            certainty: Certainty::Unknown,
            country: String::new(),
            expires: None,
            audience: Audience::Node,
            restricted_to: Vec::new(),
            consent: None,
            local_only: LocalOnly::default(),
        };
        empty.merged(input)
    }

    /// This draft with the fields present in `input` replaced.
    pub fn merged(mut self, input: AlertInput) -> Self {
        let c = &mut self.content;
        if let Some(v) = input.title {
            c.title = v;
        }
        if let Some(v) = input.summary {
            c.summary = v;
        }
        if let Some(v) = input.body {
            c.body = v;
        }
        if let Some(v) = input.link_to_work {
            c.link_to_work = v;
        }
        if let Some(v) = input.region {
            c.region = non_empty(v);
        }
        if let Some(v) = input.place {
            c.place = non_empty(v);
        }
        if let Some(v) = input.defenders {
            c.defenders = v;
        }
        if let Some(v) = input.violation_types {
            c.violation_types = v;
        }
        if let Some(v) = input.perpetrators {
            c.perpetrators = v;
        }
        if let Some(v) = input.business_link {
            c.business_link = v;
        }
        if let Some(v) = input.rights_concerned {
            c.rights_concerned = v;
        }
        if let Some(v) = input.requested_actions {
            c.requested_actions = v;
        }
        if let Some(v) = input.groups {
            c.groups = v.into_iter().map(|g| g.trim().to_string()).collect();
        }
        if let Some(v) = input.urgency {
            self.urgency = v;
        }
        if let Some(v) = input.severity {
            self.severity = v;
        }
        if let Some(v) = input.certainty {
            self.certainty = v;
        }
        if let Some(v) = input.country {
            self.country = v.trim().to_ascii_uppercase();
        }
        if let Some(v) = input.expires {
            self.expires = v;
        }
        if let Some(v) = input.audience {
            self.audience = v;
        }
        if let Some(v) = input.restricted_to {
            self.restricted_to = v.into_iter().map(|r| r.trim().to_string()).collect();
        }
        if let Some(mut v) = input.consent {
            // A withdrawal is recorded through its own action, never undone by an edit.
            v.withdrawn_at = self.consent.as_ref().and_then(|c| c.withdrawn_at);
            self.consent = Some(v);
        }
        if let Some(v) = input.local_only {
            self.local_only = v;
        }
        self
    }

    /// Checks every rule and returns every broken one, keyed by field path.
    /// Also sanitises the HTML body in place.
    pub fn validate(&mut self, now: DateTime<Utc>) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        let c = &mut self.content;

        check_lang_map(&mut errors, "title", &c.title, MAX_TITLE, true);
        check_lang_map(&mut errors, "summary", &c.summary, MAX_SUMMARY, false);
        for text in c.body.values_mut() {
            *text = ammonia::clean(text);
        }
        check_lang_map(&mut errors, "body", &c.body, MAX_BODY, false);
        check_lang_map(&mut errors, "link_to_work", &c.link_to_work, MAX_LINK_TO_WORK, true);
        check_optional_text(&mut errors, "region", &c.region, MAX_SHORT_TEXT);
        check_optional_text(&mut errors, "place", &c.place, MAX_LONG_TEXT);

        if self.country.is_empty() {
            errors.add("country", "required: an ISO 3166-1 alpha-2 code such as GT");
        } else if isocountry::CountryCode::for_alpha2(&self.country).is_err() {
            errors.add(
                "country",
                format!(
                    "`{}` is not an ISO 3166-1 alpha-2 country code (such as GT or PH)",
                    self.country
                ),
            );
        }

        if c.defenders.is_empty() {
            errors.add("defenders", "required: at least one defender (a name or pseudonym)");
        }
        check_list_len(&mut errors, "defenders", c.defenders.len());
        for (i, d) in c.defenders.iter().enumerate() {
            check_text(
                &mut errors,
                &format!("defenders[{i}].name"),
                &d.name,
                MAX_SHORT_TEXT,
                true,
            );
        }

        if c.violation_types.is_empty() {
            errors.add("violation_types", "required: at least one violation type");
        }
        check_list_len(&mut errors, "violation_types", c.violation_types.len());
        check_list_len(&mut errors, "perpetrators", c.perpetrators.len());
        for (i, p) in c.perpetrators.iter().enumerate() {
            check_optional_text(
                &mut errors,
                &format!("perpetrators[{i}].details"),
                &p.details,
                MAX_LONG_TEXT,
            );
        }
        if let Some(b) = &c.business_link {
            for (name, value) in [
                ("company", &b.company),
                ("project", &b.project),
                ("financier", &b.financier),
            ] {
                check_optional_text(&mut errors, &format!("business_link.{name}"), value, MAX_SHORT_TEXT);
            }
        }
        check_list_len(&mut errors, "rights_concerned", c.rights_concerned.len());
        check_list_len(&mut errors, "requested_actions", c.requested_actions.len());
        for (i, a) in c.requested_actions.iter().enumerate() {
            let at = format!("requested_actions[{i}]");
            check_lang_map(
                &mut errors,
                &format!("{at}.description"),
                &a.description,
                MAX_LONG_TEXT,
                false,
            );
            check_lang_map(&mut errors, &format!("{at}.model_text"), &a.model_text, MAX_BODY, false);
            if let Some(deadline) = a.deadline {
                super::check_date_range(&mut errors, &format!("{at}.deadline"), deadline);
            }
            check_list_len(&mut errors, &format!("{at}.addressees"), a.addressees.len());
            for (j, ad) in a.addressees.iter().enumerate() {
                check_text(
                    &mut errors,
                    &format!("{at}.addressees[{j}].name"),
                    &ad.name,
                    MAX_SHORT_TEXT,
                    true,
                );
                check_optional_text(
                    &mut errors,
                    &format!("{at}.addressees[{j}].institution"),
                    &ad.institution,
                    MAX_SHORT_TEXT,
                );
            }
        }

        if let Some(expires) = self.expires {
            if expires <= now {
                errors.add("expires", "must be in the future");
            }
            super::check_date_range(&mut errors, "expires", expires);
        }

        check_list_len(&mut errors, "groups", c.groups.len());
        for (i, g) in c.groups.iter().enumerate() {
            if !url::Url::parse(g).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
                errors.add(
                    format!("groups[{i}]"),
                    "a group's actor id, such as https://node.example/groups/latin-america",
                );
            }
        }
        if !c.groups.is_empty() && !matches!(self.audience, Audience::Public | Audience::Network | Audience::Node) {
            errors.add(
                "groups",
                format!(
                    "groups relay only `public` and `network` alerts; a `{}` alert cannot be addressed to a group",
                    self.audience
                ),
            );
        }
        check_list_len(&mut errors, "restricted_to", self.restricted_to.len());
        for (i, r) in self.restricted_to.iter().enumerate() {
            check_text(&mut errors, &format!("restricted_to[{i}]"), r, MAX_SHORT_TEXT, true);
        }
        match self.audience {
            Audience::Restricted if self.restricted_to.is_empty() => errors.add(
                "restricted_to",
                "a restricted alert needs at least one named organisation",
            ),
            Audience::Restricted => {}
            _ if !self.restricted_to.is_empty() => errors.add(
                "restricted_to",
                "named organisations only apply to the `restricted` audience",
            ),
            _ => {}
        }

        match &self.consent {
            None => errors.add("consent", "required: who gave consent, when, and its allowed uses"),
            Some(consent) => {
                check_text(&mut errors, "consent.given_by", &consent.given_by, MAX_SHORT_TEXT, true);
                if consent.given_at > now {
                    errors.add("consent.given_at", "cannot be in the future");
                }
                super::check_date_range(&mut errors, "consent.given_at", consent.given_at);
                let widest = consent.widest_audience();
                if self.audience.rank() > widest.rank() {
                    errors.add(
                        "audience",
                        format!(
                            "`{}` is wider than the defender's consent allows (at most `{}`)",
                            self.audience, widest
                        ),
                    );
                }
                if consent.requires_anonymity() && self.audience != Audience::Node {
                    for (i, d) in c.defenders.iter().enumerate() {
                        if !d.anonymised {
                            errors.add(
                                format!("defenders[{i}].anonymised"),
                                "consent allows sharing only in anonymised form: give a pseudonym and set anonymised",
                            );
                        }
                    }
                }
            }
        }

        for (name, value) in [
            ("local_only.exact_location", &self.local_only.exact_location),
            ("local_only.contacts", &self.local_only.contacts),
            ("local_only.family_details", &self.local_only.family_details),
            ("local_only.internal_notes", &self.local_only.internal_notes),
        ] {
            check_optional_text(&mut errors, name, value, MAX_LONG_TEXT);
        }

        errors.into_result()
    }

    /// Names of the fields that differ between two drafts, for the history.
    pub fn changed_fields(&self, other: &AlertDraft) -> Vec<&'static str> {
        let (a, b) = (&self.content, &other.content);
        let mut changed = Vec::new();
        let mut note = |name: &'static str, differs: bool| {
            if differs {
                changed.push(name)
            }
        };
        note("title", a.title != b.title);
        note("summary", a.summary != b.summary);
        note("body", a.body != b.body);
        note("link_to_work", a.link_to_work != b.link_to_work);
        note("defenders", a.defenders != b.defenders);
        note("region", a.region != b.region);
        note("place", a.place != b.place);
        note("violation_types", a.violation_types != b.violation_types);
        note("perpetrators", a.perpetrators != b.perpetrators);
        note("business_link", a.business_link != b.business_link);
        note("rights_concerned", a.rights_concerned != b.rights_concerned);
        note("requested_actions", a.requested_actions != b.requested_actions);
        note("groups", a.groups != b.groups);
        note("urgency", self.urgency != other.urgency);
        note("severity", self.severity != other.severity);
        note("certainty", self.certainty != other.certainty);
        note("country", self.country != other.country);
        note("expires", self.expires != other.expires);
        note("audience", self.audience != other.audience);
        note("restricted_to", self.restricted_to != other.restricted_to);
        note("consent", self.consent != other.consent);
        note("local_only", self.local_only != other.local_only);
        changed
    }

    /// Lower-cased text of every language's title, summary and body, for search.
    pub fn search_text(&self) -> String {
        let c = &self.content;
        let mut text = String::new();
        for map in [&c.title, &c.summary, &c.body, &c.link_to_work] {
            for value in map.values() {
                text.push_str(&value.to_lowercase());
                text.push('\n');
            }
        }
        for d in &c.defenders {
            text.push_str(&d.name.to_lowercase());
            text.push('\n');
        }
        text
    }

    /// The title shown in lists: English if there is one, else the first language.
    pub fn display_title(&self) -> String {
        let t = &self.content.title;
        t.get("en").or_else(|| t.values().next()).cloned().unwrap_or_default()
    }
}

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

pub(crate) fn check_text(errors: &mut FieldErrors, field: &str, value: &str, max: usize, required: bool) {
    let len = value.chars().count();
    if value.contains('\0') {
        errors.add(field, super::NUL_MESSAGE);
    } else if required && super::is_blank(value) {
        errors.add(field, "required");
    } else if len > max {
        errors.add(field, format!("too long: {len} characters, at most {max}"));
    }
}

pub(crate) fn check_optional_text(errors: &mut FieldErrors, field: &str, value: &Option<String>, max: usize) {
    if let Some(v) = value {
        check_text(errors, field, v, max, false);
    }
}

fn check_list_len(errors: &mut FieldErrors, field: &str, len: usize) {
    if len > MAX_LIST {
        errors.add(field, format!("too many entries: {len}, at most {MAX_LIST}"));
    }
}

pub(crate) fn check_lang_map(errors: &mut FieldErrors, field: &str, map: &LangMap, max: usize, required: bool) {
    if required && map.values().all(|v| super::is_blank(v)) {
        errors.add(
            field,
            "required: give the text in at least one language, e.g. {\"en\": \"…\"}",
        );
        return;
    }
    for (lang, text) in map {
        if !super::is_language_tag(lang) {
            errors.add(
                format!("{field}.{lang}"),
                "not a language tag (use BCP 47, such as en, es, ar, pt-BR)",
            );
        }
        check_text(errors, &format!("{field}.{lang}"), text, max, false);
    }
}

/// Urgency as a sort key: immediate 0, expected 1, future 2, past 3, unknown 4.
pub fn urgency_rank(urgency: Urgency) -> i64 {
    match urgency {
        Urgency::Immediate => 0,
        Urgency::Expected => 1,
        Urgency::Future => 2,
        Urgency::Past => 3,
        Urgency::Unknown => 4,
    }
}

/// One facet as it is stored in `facets` (and searched for there): kind and
/// value between line breaks, e.g. `\nright:land\n`.
pub fn facet(kind: &str, value: &str) -> String {
    format!("\n{kind}:{value}\n")
}
