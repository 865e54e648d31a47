//! The alert form, for a new alert and for an edit: every field of the alert
//! on one page that runs no script. Lists grow with "add" submit buttons
//! (`name="add"`) that send the form back to be drawn again with one more row,
//! keeping everything typed; only the save button calls the service.
//!
//! Field names are indexed (`defenders[0][name]`) and read back into an
//! [`AlertInput`]; the errors the service answers, keyed by field path
//! (`defenders[0].name`), are shown next to their field.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use strum::VariantNames;

use super::{SignedIn, Viewer, error_page, layout, signed_in, signed_in_form};
use crate::domain::FieldErrors;
use crate::domain::alert::{
    Addressee, AlertInput, BusinessLink, Consent, Defender, LocalOnly, Perpetrator, RequestedAction,
};
use crate::domain::vocab::{
    AddresseeKind, AlertStatus, Audience, BusinessSector, Certainty, ConsentUse, DefenderKind, DefenderRelationship,
    Involvement, PerpetratorCategory, RequestedActionKind, Right, Severity, Trust, Urgency, ViolationType,
};
use crate::error::Error;
use crate::i18n::Lang;
use crate::services::alerts::{self, AlertView};
use crate::services::groups::GroupView;
use crate::services::peers::PeerView;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts/new", get(new_page).post(new_post))
        .route("/alerts/{id}/edit", get(edit_page).post(edit_post))
}

/// Rows a form may carry in one list: what the alert allows, and a little
/// more so that a row too many is refused by the service, with its reason.
const MAX_ROWS: usize = crate::domain::alert::MAX_LIST + 1;

/// The texts of an alert in one language.
#[derive(Debug, Clone, Default)]
struct TextBlock {
    lang: String,
    title: String,
    summary: String,
    body: String,
    link_to_work: String,
}

#[derive(Debug, Clone)]
struct DefenderRow {
    name: String,
    kind: String,
    woman_defender: bool,
    relationship: String,
    anonymised: bool,
}

impl Default for DefenderRow {
    fn default() -> Self {
        DefenderRow {
            name: String::new(),
            kind: DefenderKind::Individual.as_str().into(),
            woman_defender: false,
            relationship: DefenderRelationship::Member.as_str().into(),
            anonymised: false,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct PerpetratorRow {
    category: String,
    involvement: String,
    details: String,
}

#[derive(Debug, Clone)]
struct AddresseeRow {
    name: String,
    institution: String,
    kind: String,
}

impl Default for AddresseeRow {
    fn default() -> Self {
        AddresseeRow {
            name: String::new(),
            institution: String::new(),
            kind: AddresseeKind::Government.as_str().into(),
        }
    }
}

#[derive(Debug, Clone)]
struct ActionRow {
    kind: String,
    description: BTreeMap<String, String>,
    model_text: BTreeMap<String, String>,
    deadline: String,
    addressees: Vec<AddresseeRow>,
}

impl Default for ActionRow {
    fn default() -> Self {
        ActionRow {
            kind: String::new(),
            description: BTreeMap::new(),
            model_text: BTreeMap::new(),
            deadline: String::new(),
            addressees: vec![AddresseeRow::default()],
        }
    }
}

/// The form exactly as typed: what is drawn again after an error or an
/// "add" button, so that nothing typed is ever lost.
#[derive(Debug, Clone, Default)]
struct FormState {
    texts: Vec<TextBlock>,
    defenders: Vec<DefenderRow>,
    violation_types: BTreeSet<String>,
    perpetrators: Vec<PerpetratorRow>,
    rights: BTreeSet<String>,
    sector: String,
    company: String,
    project: String,
    financier: String,
    country: String,
    region: String,
    place: String,
    actions: Vec<ActionRow>,
    urgency: String,
    severity: String,
    certainty: String,
    expires: String,
    groups: Vec<String>,
    consent_given_by: String,
    consent_given_at: String,
    consent_uses: BTreeSet<String>,
    exact_location: String,
    contacts: String,
    family_details: String,
    internal_notes: String,
    audience: String,
    restricted_to: String,
}

/// Where each row the service saw came from in the form: rows left blank
/// are not sent, so the service's `defenders[1]` may be the form's third.
#[derive(Debug, Default)]
struct RowMap {
    defenders: Vec<usize>,
    perpetrators: Vec<usize>,
    actions: Vec<usize>,
    addressees: Vec<Vec<usize>>,
}

/// `defenders[0][name]` → `["defenders", "0", "name"]`.
fn segments(key: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    out.push(head);
    while let Some(stripped) = rest.strip_prefix('[') {
        match stripped.find(']') {
            Some(end) => {
                out.push(&stripped[..end]);
                rest = &stripped[end + 1..];
            }
            None => break,
        }
    }
    out
}

fn row_index(text: &str) -> Option<usize> {
    text.parse().ok().filter(|i| *i < MAX_ROWS)
}

/// The row `i` of a list being read, made as needed.
fn row<T: Default>(rows: &mut BTreeMap<usize, T>, i: usize) -> &mut T {
    rows.entry(i).or_default()
}

fn blank(text: &str) -> bool {
    crate::domain::is_blank(text)
}

fn date_text(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// A date as the date inputs send it (`2026-05-01`), as midnight UTC.
fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

fn lang_map(pairs: impl IntoIterator<Item = (String, String)>) -> crate::domain::LangMap {
    pairs.into_iter().filter(|(_, v)| !blank(v)).collect()
}

fn optional(text: &str) -> Option<String> {
    (!blank(text)).then(|| text.trim().to_string())
}

/// A country as typed: its code, or its name in the page's language or in
/// English, as the list of names gives it.
fn country_code(text: &str, viewer: &Viewer) -> String {
    let typed = text.trim();
    if typed.chars().count() > 2
        && let Some(found) = isocountry::CountryCode::iter().find(|c| {
            c.name().eq_ignore_ascii_case(typed) || viewer.country(c.alpha2()).to_lowercase() == typed.to_lowercase()
        })
    {
        return found.alpha2().to_string();
    }
    typed.to_string()
}

impl FormState {
    /// A new alert's form: the texts in the viewer's language, one empty row
    /// of each list, private to this node.
    fn blank(viewer: &Viewer) -> Self {
        FormState {
            texts: vec![TextBlock {
                lang: viewer.lang.code().to_string(),
                ..TextBlock::default()
            }],
            defenders: vec![DefenderRow::default()],
            perpetrators: vec![PerpetratorRow::default()],
            actions: vec![ActionRow::default()],
            urgency: Urgency::Unknown.as_str().into(),
            severity: Severity::Unknown.as_str().into(),
            certainty: Certainty::Unknown.as_str().into(),
            audience: Audience::Node.as_str().into(),
            ..FormState::default()
        }
    }

    /// The form of a stored alert; its texts start with the viewer's language
    /// when the alert has it.
    fn of(alert: &AlertView, viewer: &Viewer) -> Self {
        let c = &alert.content;
        let mut langs: BTreeSet<String> = BTreeSet::new();
        for map in [&c.title, &c.summary, &c.body, &c.link_to_work] {
            langs.extend(map.keys().cloned());
        }
        for a in &c.requested_actions {
            langs.extend(a.description.keys().cloned());
            langs.extend(a.model_text.keys().cloned());
        }
        let mut ordered: Vec<String> = langs.into_iter().collect();
        if let Some(i) = ordered.iter().position(|l| l == viewer.lang.code()) {
            let own = ordered.remove(i);
            ordered.insert(0, own);
        }
        if ordered.is_empty() {
            ordered.push(viewer.lang.code().to_string());
        }
        let text = |map: &crate::domain::LangMap, lang: &str| map.get(lang).cloned().unwrap_or_default();
        let consent = alert.consent.as_ref();
        let local = alert.local_only.clone().unwrap_or_default();
        let business = c.business_link.as_ref();
        FormState {
            texts: ordered
                .iter()
                .map(|l| TextBlock {
                    lang: l.clone(),
                    title: text(&c.title, l),
                    summary: text(&c.summary, l),
                    body: text(&c.body, l),
                    link_to_work: text(&c.link_to_work, l),
                })
                .collect(),
            defenders: c
                .defenders
                .iter()
                .map(|d| DefenderRow {
                    name: d.name.clone(),
                    kind: d.kind.as_str().into(),
                    woman_defender: d.woman_defender,
                    relationship: d.relationship.as_str().into(),
                    anonymised: d.anonymised,
                })
                .collect(),
            violation_types: c.violation_types.iter().map(|v| v.as_str().to_string()).collect(),
            perpetrators: c
                .perpetrators
                .iter()
                .map(|p| PerpetratorRow {
                    category: p.category.as_str().into(),
                    involvement: p.involvement.map(|i| i.as_str().to_string()).unwrap_or_default(),
                    details: p.details.clone().unwrap_or_default(),
                })
                .collect(),
            rights: c.rights_concerned.iter().map(|r| r.as_str().to_string()).collect(),
            sector: business.map(|b| b.sector.as_str().to_string()).unwrap_or_default(),
            company: business.and_then(|b| b.company.clone()).unwrap_or_default(),
            project: business.and_then(|b| b.project.clone()).unwrap_or_default(),
            financier: business.and_then(|b| b.financier.clone()).unwrap_or_default(),
            country: alert.country.clone(),
            region: c.region.clone().unwrap_or_default(),
            place: c.place.clone().unwrap_or_default(),
            actions: c
                .requested_actions
                .iter()
                .map(|a| ActionRow {
                    kind: a.kind.as_str().into(),
                    description: a.description.clone(),
                    model_text: a.model_text.clone(),
                    deadline: a.deadline.map(date_text).unwrap_or_default(),
                    addressees: a
                        .addressees
                        .iter()
                        .map(|ad| AddresseeRow {
                            name: ad.name.clone(),
                            institution: ad.institution.clone().unwrap_or_default(),
                            kind: ad.kind.as_str().into(),
                        })
                        .collect(),
                })
                .collect(),
            urgency: alert.urgency.as_str().into(),
            severity: alert.severity.as_str().into(),
            certainty: alert.certainty.as_str().into(),
            expires: alert.expires.map(date_text).unwrap_or_default(),
            groups: c.groups.clone(),
            consent_given_by: consent.map(|c| c.given_by.clone()).unwrap_or_default(),
            consent_given_at: consent.map(|c| date_text(c.given_at)).unwrap_or_default(),
            consent_uses: consent
                .map(|c| c.allowed_uses.iter().map(|u| u.as_str().to_string()).collect())
                .unwrap_or_default(),
            exact_location: local.exact_location.unwrap_or_default(),
            contacts: local.contacts.unwrap_or_default(),
            family_details: local.family_details.unwrap_or_default(),
            internal_notes: local.internal_notes.unwrap_or_default(),
            audience: alert.audience.as_str().into(),
            restricted_to: alert.restricted_to.join("\n"),
        }
    }

    /// The form as sent by the browser.
    fn read(pairs: &[(String, String)]) -> Self {
        let mut form = FormState::default();
        let mut texts: BTreeMap<usize, TextBlock> = BTreeMap::new();
        let mut defenders: BTreeMap<usize, DefenderRow> = BTreeMap::new();
        let mut perpetrators: BTreeMap<usize, PerpetratorRow> = BTreeMap::new();
        let mut actions: BTreeMap<usize, (ActionRow, BTreeMap<usize, AddresseeRow>)> = BTreeMap::new();
        for (key, value) in pairs {
            let v = value.clone();
            match segments(key).as_slice() {
                ["texts", i, field] => {
                    let Some(i) = row_index(i) else { continue };
                    let block = row(&mut texts, i);
                    match *field {
                        "lang" => block.lang = v.trim().to_string(),
                        "title" => block.title = v,
                        "summary" => block.summary = v,
                        "body" => block.body = v,
                        "link_to_work" => block.link_to_work = v,
                        _ => {}
                    }
                }
                ["defenders", i, field] => {
                    let Some(i) = row_index(i) else { continue };
                    let d = defenders.entry(i).or_insert_with(|| DefenderRow {
                        kind: String::new(),
                        relationship: String::new(),
                        ..DefenderRow::default()
                    });
                    match *field {
                        "name" => d.name = v,
                        "kind" => d.kind = v,
                        "woman_defender" => d.woman_defender = true,
                        "relationship" => d.relationship = v,
                        "anonymised" => d.anonymised = true,
                        _ => {}
                    }
                }
                ["violation_types"] => {
                    form.violation_types.insert(v);
                }
                ["perpetrators", i, field] => {
                    let Some(i) = row_index(i) else { continue };
                    let p = row(&mut perpetrators, i);
                    match *field {
                        "category" => p.category = v,
                        "involvement" => p.involvement = v,
                        "details" => p.details = v,
                        _ => {}
                    }
                }
                ["rights_concerned"] => {
                    form.rights.insert(v);
                }
                ["business_link", field] => match *field {
                    "sector" => form.sector = v,
                    "company" => form.company = v,
                    "project" => form.project = v,
                    "financier" => form.financier = v,
                    _ => {}
                },
                ["country"] => form.country = v,
                ["region"] => form.region = v,
                ["place"] => form.place = v,
                ["urgency"] => form.urgency = v,
                ["severity"] => form.severity = v,
                ["certainty"] => form.certainty = v,
                ["expires"] => form.expires = v,
                ["groups"] => form.groups.push(v),
                ["consent", "given_by"] => form.consent_given_by = v,
                ["consent", "given_at"] => form.consent_given_at = v,
                ["consent", "allowed_uses"] => {
                    form.consent_uses.insert(v);
                }
                ["local_only", field] => match *field {
                    "exact_location" => form.exact_location = v,
                    "contacts" => form.contacts = v,
                    "family_details" => form.family_details = v,
                    "internal_notes" => form.internal_notes = v,
                    _ => {}
                },
                ["audience"] => form.audience = v,
                ["restricted_to"] => form.restricted_to = v,
                ["requested_actions", i, rest @ ..] => {
                    let Some(i) = row_index(i) else { continue };
                    let (action, addressees) = actions.entry(i).or_insert_with(|| {
                        (
                            ActionRow {
                                addressees: Vec::new(),
                                ..ActionRow::default()
                            },
                            BTreeMap::new(),
                        )
                    });
                    match rest {
                        ["kind"] => action.kind = v,
                        ["deadline"] => action.deadline = v,
                        ["description", lang] => {
                            action.description.insert(lang.to_string(), v);
                        }
                        ["model_text", lang] => {
                            action.model_text.insert(lang.to_string(), v);
                        }
                        ["addressees", j, field] => {
                            let Some(j) = row_index(j) else { continue };
                            let a = addressees.entry(j).or_insert_with(|| AddresseeRow {
                                kind: String::new(),
                                ..AddresseeRow::default()
                            });
                            match *field {
                                "name" => a.name = v,
                                "institution" => a.institution = v,
                                "kind" => a.kind = v,
                                _ => {}
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        let mut seen = BTreeSet::new();
        form.texts = texts
            .into_values()
            .filter(|b| crate::domain::is_language_tag(&b.lang) && seen.insert(b.lang.clone()))
            .collect();
        form.defenders = defenders.into_values().collect();
        form.perpetrators = perpetrators.into_values().collect();
        form.actions = actions
            .into_values()
            .map(|(mut action, addressees)| {
                action.addressees = addressees.into_values().collect();
                action
            })
            .collect();
        form
    }

    fn languages(&self) -> Vec<String> {
        self.texts.iter().map(|b| b.lang.clone()).collect()
    }

    /// What an "add" button asks for: one more row (or language), and the
    /// id of the field to bring into view.
    fn add(&mut self, what: &str, new_language: &str) -> Option<String> {
        match what {
            "language" => {
                let lang = new_language.trim();
                if !crate::domain::is_language_tag(lang) || self.texts.iter().any(|b| b.lang == lang) {
                    return None;
                }
                self.texts.push(TextBlock {
                    lang: lang.to_string(),
                    ..TextBlock::default()
                });
                Some(format!("f-title-{lang}"))
            }
            "defender" if self.defenders.len() < MAX_ROWS => {
                self.defenders.push(DefenderRow::default());
                Some(format!("f-defenders-{}-name", self.defenders.len() - 1))
            }
            "perpetrator" if self.perpetrators.len() < MAX_ROWS => {
                self.perpetrators.push(PerpetratorRow::default());
                Some(format!("f-perpetrators-{}-category", self.perpetrators.len() - 1))
            }
            "action" if self.actions.len() < MAX_ROWS => {
                self.actions.push(ActionRow::default());
                Some(format!("f-requested_actions-{}-kind", self.actions.len() - 1))
            }
            other => {
                let i: usize = other.strip_prefix("addressee-")?.parse().ok()?;
                let action = self.actions.get_mut(i)?;
                if action.addressees.len() >= MAX_ROWS {
                    return None;
                }
                action.addressees.push(AddresseeRow::default());
                Some(format!(
                    "f-requested_actions-{i}-addressees-{}-name",
                    action.addressees.len() - 1
                ))
            }
        }
    }

    /// The consent as typed, if any of it is.
    fn consent(&self, errors: &mut Errors, viewer: &Viewer) -> Option<Consent> {
        if blank(&self.consent_given_by) && blank(&self.consent_given_at) && self.consent_uses.is_empty() {
            return None;
        }
        let mut allowed_uses = Vec::new();
        for u in &self.consent_uses {
            match u.parse::<ConsentUse>() {
                Ok(u) => allowed_uses.push(u),
                Err(_) => errors.add_text("consent.allowed_uses", viewer.t("form-error-choice")),
            }
        }
        let Some(given_at) = parse_date(&self.consent_given_at) else {
            errors.add_text("consent.given_at", viewer.t("form-error-date"));
            return None;
        };
        Some(Consent {
            given_by: self.consent_given_by.clone(),
            given_at,
            allowed_uses,
            withdrawn_at: None,
        })
    }

    /// The input for the service, with the errors of what could not be read
    /// (a date that is not one, a value not in a list), and where each row
    /// sent came from.
    fn input(&self, viewer: &Viewer) -> (AlertInput, Errors, RowMap) {
        let mut errors = Errors::default();
        let mut rows = RowMap::default();
        let choice = viewer.t("form-error-choice");
        fn pick<T: std::str::FromStr>(errors: &mut Errors, field: &str, value: &str, choice: &str) -> Option<T> {
            if value.trim().is_empty() {
                return None;
            }
            match value.trim().parse() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.add_text(field, choice.to_string());
                    None
                }
            }
        }
        let texts = |f: fn(&TextBlock) -> &String| lang_map(self.texts.iter().map(|b| (b.lang.clone(), f(b).clone())));
        let mut defenders = Vec::new();
        for (i, d) in self.defenders.iter().enumerate() {
            if blank(&d.name) {
                continue;
            }
            let kind = pick(&mut errors, &format!("defenders[{i}].kind"), &d.kind, &choice);
            let relationship = pick(
                &mut errors,
                &format!("defenders[{i}].relationship"),
                &d.relationship,
                &choice,
            );
            if let (Some(kind), Some(relationship)) = (kind, relationship) {
                rows.defenders.push(i);
                defenders.push(Defender {
                    name: d.name.trim().to_string(),
                    kind,
                    woman_defender: d.woman_defender,
                    relationship,
                    anonymised: d.anonymised,
                });
            }
        }
        let mut violation_types = Vec::new();
        for v in &self.violation_types {
            if let Some(v) = pick::<ViolationType>(&mut errors, "violation_types", v, &choice) {
                violation_types.push(v);
            }
        }
        violation_types.sort();
        let mut perpetrators = Vec::new();
        for (i, p) in self.perpetrators.iter().enumerate() {
            let Some(category) = pick(
                &mut errors,
                &format!("perpetrators[{i}].category"),
                &p.category,
                &choice,
            ) else {
                if !blank(&p.details) {
                    errors.add_text(
                        format!("perpetrators[{i}].category"),
                        viewer.t("form-error-category-required"),
                    );
                }
                continue;
            };
            rows.perpetrators.push(i);
            perpetrators.push(Perpetrator {
                category,
                involvement: pick(
                    &mut errors,
                    &format!("perpetrators[{i}].involvement"),
                    &p.involvement,
                    &choice,
                ),
                details: optional(&p.details),
            });
        }
        let mut rights = Vec::new();
        for r in &self.rights {
            if let Some(r) = pick::<Right>(&mut errors, "rights_concerned", r, &choice) {
                rights.push(r);
            }
        }
        rights.sort();
        let business_link = match pick::<BusinessSector>(&mut errors, "business_link.sector", &self.sector, &choice) {
            Some(sector) => Some(BusinessLink {
                sector,
                company: optional(&self.company),
                project: optional(&self.project),
                financier: optional(&self.financier),
            }),
            None => {
                if !(blank(&self.company) && blank(&self.project) && blank(&self.financier)) {
                    errors.add_text("business_link.sector", viewer.t("form-error-sector-required"));
                }
                None
            }
        };
        let mut requested_actions = Vec::new();
        for (i, a) in self.actions.iter().enumerate() {
            let Some(kind) = pick(&mut errors, &format!("requested_actions[{i}].kind"), &a.kind, &choice) else {
                let typed = a.description.values().chain(a.model_text.values()).any(|t| !blank(t))
                    || a.addressees.iter().any(|ad| !blank(&ad.name));
                if typed {
                    errors.add_text(
                        format!("requested_actions[{i}].kind"),
                        viewer.t("form-error-action-kind-required"),
                    );
                }
                continue;
            };
            let deadline = if blank(&a.deadline) {
                None
            } else {
                let parsed = parse_date(&a.deadline);
                if parsed.is_none() {
                    errors.add_text(format!("requested_actions[{i}].deadline"), viewer.t("form-error-date"));
                }
                parsed
            };
            let mut addressees = Vec::new();
            let mut addressee_rows = Vec::new();
            for (j, ad) in a.addressees.iter().enumerate() {
                if blank(&ad.name) && blank(&ad.institution) {
                    continue;
                }
                let field = format!("requested_actions[{i}].addressees[{j}].kind");
                if let Some(kind) = pick(&mut errors, &field, &ad.kind, &choice) {
                    addressee_rows.push(j);
                    addressees.push(Addressee {
                        name: ad.name.trim().to_string(),
                        institution: optional(&ad.institution),
                        kind,
                    });
                }
            }
            rows.actions.push(i);
            rows.addressees.push(addressee_rows);
            requested_actions.push(RequestedAction {
                kind,
                description: lang_map(a.description.clone()),
                addressees,
                model_text: lang_map(a.model_text.clone()),
                deadline,
            });
        }
        let expires = if blank(&self.expires) {
            None
        } else {
            let parsed = parse_date(&self.expires);
            if parsed.is_none() {
                errors.add_text("expires", viewer.t("form-error-date"));
            }
            parsed
        };
        let local_only = LocalOnly {
            exact_location: optional(&self.exact_location),
            contacts: optional(&self.contacts),
            family_details: optional(&self.family_details),
            internal_notes: optional(&self.internal_notes),
        };
        let input = AlertInput {
            title: Some(texts(|b| &b.title)),
            summary: Some(texts(|b| &b.summary)),
            body: Some(texts(|b| &b.body)),
            link_to_work: Some(texts(|b| &b.link_to_work)),
            urgency: pick(&mut errors, "urgency", &self.urgency, &choice),
            severity: pick(&mut errors, "severity", &self.severity, &choice),
            certainty: pick(&mut errors, "certainty", &self.certainty, &choice),
            country: Some(country_code(&self.country, viewer)),
            region: Some(self.region.clone()),
            place: Some(self.place.clone()),
            defenders: Some(defenders),
            violation_types: Some(violation_types),
            perpetrators: Some(perpetrators),
            business_link: Some(business_link),
            rights_concerned: Some(rights),
            requested_actions: Some(requested_actions),
            groups: Some(self.groups.iter().filter(|g| !blank(g)).cloned().collect()),
            expires: Some(expires),
            audience: pick(&mut errors, "audience", &self.audience, &choice),
            restricted_to: Some(
                self.restricted_to
                    .lines()
                    .filter(|l| !blank(l))
                    .map(|l| l.trim().to_string())
                    .collect(),
            ),
            consent: self.consent(&mut errors, viewer),
            local_only: Some(local_only),
        };
        (input, errors, rows)
    }

    /// The widest audience the consent as typed allows.
    fn consent_allows(&self) -> Audience {
        let uses: Vec<ConsentUse> = self.consent_uses.iter().filter_map(|u| u.parse().ok()).collect();
        Consent {
            given_by: String::new(),
            given_at: DateTime::<Utc>::MIN_UTC,
            allowed_uses: uses,
            withdrawn_at: None,
        }
        .widest_audience()
    }
}

/// An error message as shown: translated, or the service's own words (in
/// English) when there is no translation for them.
#[derive(Debug, Clone)]
struct Message {
    text: String,
    english: bool,
}

/// The form's errors by field path, and which were drawn next to a field
/// (the summary links to those and names the others).
#[derive(Debug, Default)]
struct Errors {
    by_field: BTreeMap<String, Message>,
    /// General errors (a refused step, a conflict), not about one field.
    general: Vec<Message>,
    shown: RefCell<BTreeMap<String, String>>,
}

impl Errors {
    fn add_text(&mut self, field: impl Into<String>, text: String) {
        self.by_field
            .entry(field.into())
            .or_insert(Message { text, english: false });
    }

    fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.general.is_empty()
    }

    /// The messages for these paths, noted as shown at the field `id`.
    fn at(&self, paths: &[String], id: &str) -> Vec<Message> {
        let mut out = Vec::new();
        for p in paths {
            if let Some(m) = self.by_field.get(p) {
                self.shown
                    .borrow_mut()
                    .entry(p.clone())
                    .or_insert_with(|| id.to_string());
                out.push(m.clone());
            }
        }
        out
    }

    /// The messages for every path under `prefix` (`restricted_to[0]`…).
    fn under(&self, prefix: &str, id: &str) -> Vec<Message> {
        let paths: Vec<String> = self
            .by_field
            .keys()
            .filter(|k| *k == prefix || k.starts_with(&format!("{prefix}[")) || k.starts_with(&format!("{prefix}.")))
            .cloned()
            .collect();
        self.at(&paths, id)
    }
}

/// A path of the service's rows as a path of the form's rows.
fn form_path(path: &str, rows: &RowMap) -> String {
    fn split(rest: &str) -> Option<(usize, &str)> {
        let end = rest.find(']')?;
        Some((rest[..end].parse().ok()?, &rest[end + 1..]))
    }
    for (list, map) in [("defenders[", &rows.defenders), ("perpetrators[", &rows.perpetrators)] {
        if let Some((i, tail)) = path.strip_prefix(list).and_then(split) {
            return format!("{list}{}]{tail}", map.get(i).copied().unwrap_or(i));
        }
    }
    if let Some((i, tail)) = path.strip_prefix("requested_actions[").and_then(split) {
        let row = rows.actions.get(i).copied().unwrap_or(i);
        if let Some((j, rest)) = tail.strip_prefix(".addressees[").and_then(split) {
            let j = rows.addressees.get(i).and_then(|m| m.get(j)).copied().unwrap_or(j);
            return format!("requested_actions[{row}].addressees[{j}]{rest}");
        }
        return format!("requested_actions[{row}]{tail}");
    }
    path.to_string()
}

/// The service's message for a field in the viewer's language, where the
/// page knows the rule it states; else its own words.
fn translate(viewer: &Viewer, path: &str, message: &str, form: &FormState) -> Message {
    let ours = |text: String| Message { text, english: false };
    let at_most = || {
        message
            .split("at most ")
            .nth(1)
            .map(|n| n.chars().take_while(char::is_ascii_digit).collect::<String>())
            .unwrap_or_default()
    };
    if message.contains("wider than the defender's consent") {
        let allowed = viewer.label("audience", form.consent_allows().as_str());
        return ours(viewer.t_with("form-error-audience-consent", &[("allowed", &allowed)]));
    }
    if message.starts_with("required") {
        let key = match path {
            "defenders" => "form-error-defenders-required",
            "violation_types" => "form-error-violation-types-required",
            "consent" => "form-error-consent-required",
            "country" => "form-error-country-required",
            "title" => "form-error-title-required",
            "link_to_work" => "form-error-link-required",
            _ => "form-error-required",
        };
        return ours(viewer.t(key));
    }
    let known = [
        ("too long", "form-error-too-long"),
        ("too many entries", "form-error-too-many"),
        ("is not an ISO 3166-1", "form-error-country-unknown"),
        ("cannot be in the future", "form-error-not-future"),
        ("must be in the future", "form-error-future"),
        ("not a plausible date", "form-error-date-range"),
        ("anonymised form", "form-error-anonymised"),
        ("needs at least one named organisation", "form-error-restricted-none"),
        ("named organisations only apply", "form-error-restricted-only"),
        ("no organisation", "form-error-unknown-org"),
        ("groups relay only", "form-error-groups-audience"),
        ("a group's actor id", "form-error-group"),
        ("not a language tag", "form-error-language-tag"),
        ("NUL character", "form-error-nul"),
    ];
    for (pattern, key) in known {
        if message.contains(pattern) {
            let named = message.split('`').nth(1).unwrap_or_default().to_string();
            return ours(viewer.t_with(key, &[("max", &at_most()), ("name", &named)]));
        }
    }
    Message {
        text: message.to_string(),
        english: true,
    }
}

/// What every drawing of the form needs besides the form itself.
struct Page<'a> {
    action: String,
    heading: String,
    groups: &'a [GroupView],
    peers: &'a [PeerView],
    /// The alert being edited.
    alert: Option<&'a AlertView>,
}

/// The id of a field's input, from its error path: `defenders[0].name` →
/// `f-defenders-0-name`, so that the error summary links to it.
fn field_id(path: &str) -> String {
    let mut id = String::from("f-");
    for c in path.chars() {
        match c {
            '[' | '.' => id.push('-'),
            ']' => {}
            c => id.push(c),
        }
    }
    id
}

/// How the error messages of a field are drawn: after its label, with the
/// id its input points to with `aria-describedby`.
fn messages(id: &str, shown: &[Message]) -> Markup {
    html! {
        @if !shown.is_empty() {
            span.field-error id=(format!("{id}-error")) {
                @for m in shown {
                    @if m.english { span lang="en" { (m.text) } } @else { (m.text) } " "
                }
            }
        }
    }
}

fn described_by(id: &str, has_error: bool, hint: bool) -> Option<String> {
    let mut ids = Vec::new();
    if has_error {
        ids.push(format!("{id}-error"));
    }
    if hint {
        ids.push(format!("{id}-hint"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled text input or text area with its hint and errors.
struct Field<'a> {
    name: String,
    /// The error path it answers for; the first also names its id.
    paths: Vec<String>,
    label: String,
    value: &'a str,
    hint: Option<String>,
    multiline: bool,
    /// The language of the text typed in it, if the form knows it.
    lang: Option<&'a str>,
    input_type: &'a str,
}

impl<'a> Field<'a> {
    fn new(name: impl Into<String>, path: impl Into<String>, label: String, value: &'a str) -> Self {
        Field {
            name: name.into(),
            paths: vec![path.into()],
            label,
            value,
            hint: None,
            multiline: false,
            lang: None,
            input_type: "text",
        }
    }
    fn hint(mut self, hint: String) -> Self {
        self.hint = Some(hint);
        self
    }
    fn multiline(mut self) -> Self {
        self.multiline = true;
        self
    }
    fn lang(mut self, lang: &'a str) -> Self {
        self.lang = Some(lang);
        self
    }
    fn kind(mut self, input_type: &'a str) -> Self {
        self.input_type = input_type;
        self
    }
    fn also(mut self, path: String) -> Self {
        self.paths.push(path);
        self
    }

    fn draw(&self, errors: &Errors) -> Markup {
        let id = field_id(&self.paths[0]);
        let shown = errors.at(&self.paths, &id);
        let invalid = (!shown.is_empty()).then_some("true");
        let describedby = described_by(&id, !shown.is_empty(), self.hint.is_some());
        let dir = self.lang.map(|l| {
            if Lang::from_tag(l) == Some(Lang::Ar) {
                "rtl"
            } else {
                "auto"
            }
        });
        html! {
            div.field {
                label for=(id) { (self.label) }
                @if let Some(h) = &self.hint { small.hint id=(format!("{id}-hint")) { (h) } }
                (messages(&id, &shown))
                @if self.multiline {
                    textarea id=(id) name=(self.name) rows="4" lang=[self.lang] dir=[dir]
                        aria-invalid=[invalid] aria-describedby=[describedby] { (self.value) }
                } @else {
                    input id=(id) name=(self.name) type=(self.input_type) value=(self.value) lang=[self.lang] dir=[dir]
                        aria-invalid=[invalid] aria-describedby=[describedby];
                }
            }
        }
    }
}

/// A labelled select of a vocabulary, with an empty choice when `empty`
/// names it.
#[allow(clippy::too_many_arguments)]
fn select(
    viewer: &Viewer,
    errors: &Errors,
    name: &str,
    path: &str,
    label: &str,
    prefix: &str,
    values: &[&str],
    current: &str,
    empty: Option<&str>,
) -> Markup {
    let id = field_id(path);
    let shown = errors.at(&[path.to_string()], &id);
    let invalid = (!shown.is_empty()).then_some("true");
    html! {
        div.field {
            label for=(id) { (label) }
            (messages(&id, &shown))
            select id=(id) name=(name) aria-invalid=[invalid] aria-describedby=[described_by(&id, !shown.is_empty(), false)] {
                @if let Some(e) = empty { option value="" selected[current.is_empty()] { (e) } }
                @for v in values {
                    option value=(v) selected[*v == current] { (viewer.label(prefix, v)) }
                }
            }
        }
    }
}

/// A fieldset of checkboxes of a vocabulary, each with its short explanation
/// when `help` says so.
#[allow(clippy::too_many_arguments)]
fn checkboxes(
    viewer: &Viewer,
    errors: &Errors,
    name: &str,
    legend: &str,
    prefix: &str,
    values: &[&str],
    checked: &BTreeSet<String>,
    help: bool,
) -> Markup {
    let id = field_id(name);
    let shown = errors.under(name, &id);
    html! {
        fieldset.choices id=(id) aria-describedby=[described_by(&id, !shown.is_empty(), false)] {
            legend { (legend) }
            (messages(&id, &shown))
            @for v in values {
                @let box_id = format!("{id}-{v}");
                div.choice {
                    input type="checkbox" id=(box_id) name=(name) value=(v) checked[checked.contains(*v)]
                        aria-describedby=[help.then(|| format!("{box_id}-help"))];
                    label for=(box_id) { (viewer.label(prefix, v)) }
                    @if help { small.hint id=(format!("{box_id}-help")) { (viewer.t(&format!("{prefix}-{v}-help"))) } }
                }
            }
        }
    }
}

fn language_name(viewer: &Viewer, tag: &str) -> String {
    Lang::from_tag(tag)
        .filter(|l| l.code() == tag)
        .map(|l| viewer.texts.get(l, "language-name"))
        .unwrap_or_else(|| tag.to_string())
}

/// Who will receive the alert with each audience, in plain words.
fn audience_reach(viewer: &Viewer, page: &Page, form: &FormState, audience: Audience) -> String {
    let hosts = |levels: &[Trust]| {
        let names: Vec<&str> = page
            .peers
            .iter()
            .filter(|p| levels.contains(&p.trust))
            .map(|p| p.host.as_str())
            .collect();
        if names.is_empty() {
            viewer.t("form-audience-no-peers")
        } else {
            names.join(", ")
        }
    };
    let groups = {
        let names: Vec<String> = form
            .groups
            .iter()
            .map(|uri| {
                page.groups
                    .iter()
                    .find(|g| &g.uri == uri)
                    .map_or_else(|| uri.clone(), |g| g.name.clone())
            })
            .collect();
        if names.is_empty() {
            viewer.t("form-audience-no-groups")
        } else {
            names.join(", ")
        }
    };
    match audience {
        Audience::Node => viewer.t("form-audience-node-reach"),
        Audience::Restricted => {
            let named: Vec<&str> = form
                .restricted_to
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if named.is_empty() {
                viewer.t("form-audience-restricted-reach-none")
            } else {
                viewer.t_with("form-audience-restricted-reach", &[("orgs", &named.join(", "))])
            }
        }
        Audience::Trusted => viewer.t_with("form-audience-trusted-reach", &[("nodes", &hosts(&[Trust::Trusted]))]),
        Audience::Network => viewer.t_with(
            "form-audience-network-reach",
            &[
                ("nodes", &hosts(&[Trust::Trusted, Trust::Connected])),
                ("groups", &groups),
            ],
        ),
        Audience::Public => viewer.t_with(
            "form-audience-public-reach",
            &[
                ("nodes", &hosts(&[Trust::Trusted, Trust::Connected])),
                ("groups", &groups),
            ],
        ),
    }
}

const STYLE: &str = "form.alert fieldset{border:1px solid #bbb;margin:1rem 0;padding:.5rem .75rem;min-width:0}\
form.alert legend{font-weight:bold;padding:0 .25rem}.field{margin:.5rem 0}.field label{display:block;font-weight:600}\
.field input:not([type=checkbox]):not([type=radio]),.field select,.field textarea{width:100%;box-sizing:border-box;font:inherit;padding:.3rem}\
.hint{display:block;color:#555}.field-error{display:block;color:#a00;font-weight:bold}\
[aria-invalid=true]{border:2px solid #a00}.choice{margin:.35rem 0}.choice .hint{margin-inline-start:1.6rem}\
fieldset.row{background:#fafafa}fieldset.local{border:3px double #7a4b00;background:#fff8e6}\
fieldset.local>p{font-weight:bold;color:#7a4b00}.summary{border:2px solid #a00;padding:.5rem 1rem;margin:1rem 0}\
.actions-bar{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}button{font:inherit;padding:.35rem .8rem}\
.default-save{position:absolute;inset-inline-start:-9999px}.allows{font-weight:bold}\
.too-wide{color:#a00}.audience-choice{margin:.5rem 0;padding:.25rem 0;border-top:1px solid #eee}\
#lifecycle form{margin:.5rem 0}#lifecycle textarea,#lifecycle select{width:100%;box-sizing:border-box;font:inherit}";

/// The whole page: the error summary first (linking to each field), then
/// the form, then the steps this person may take on the alert.
fn draw(viewer: &Viewer, who: &SignedIn, page: &Page, form: &FormState, errors: &Errors) -> Markup {
    let body = draw_form(viewer, who, page, form, errors);
    let shown = errors.shown.borrow();
    html! {
        style { (maud::PreEscaped(STYLE)) }
        h1 { (page.heading) }
        @if let Some(alert) = page.alert {
            p.meta { (viewer.t("review-status")) ": " (viewer.label("status", alert.status.as_str())) }
        }
        @if !errors.is_empty() {
            div.summary role="alert" id="error-summary" tabindex="-1" {
                h2 { (viewer.t("form-errors-heading")) }
                ul {
                    @for m in &errors.general {
                        li { @if m.english { span lang="en" { (m.text) } } @else { (m.text) } }
                    }
                    @for (path, m) in &errors.by_field {
                        li {
                            @let text = html! { @if m.english { span lang="en" { (m.text) } } @else { (m.text) } };
                            @if let Some(id) = shown.get(path) {
                                a href=(format!("#{id}")) { (text) }
                            } @else {
                                (text)
                            }
                        }
                    }
                }
            }
        }
        (body)
        @if let Some(alert) = page.alert {
            (super::review::lifecycle_panel(viewer, who, alert))
        }
    }
}

fn draw_form(viewer: &Viewer, who: &SignedIn, page: &Page, form: &FormState, errors: &Errors) -> Markup {
    let langs = form.languages();
    let vocab = |names: &'static [&'static str]| names.to_vec();
    let add_to = |anchor: &str| format!("{}#{anchor}", page.action);
    let save_label = match page.alert.map(|a| a.status) {
        Some(AlertStatus::Open) => viewer.t("form-save-published"),
        _ => viewer.t("form-save-draft"),
    };
    let addable: Vec<Lang> = Lang::ALL
        .into_iter()
        .filter(|l| !langs.iter().any(|x| x == l.code()))
        .collect();
    let widest = form.consent_allows();
    let audience_id = field_id("audience");
    let audience_errors = errors.at(&["audience".to_string()], &audience_id);
    let restricted_id = field_id("restricted_to");
    let restricted_errors = errors.under("restricted_to", &restricted_id);
    let first_lang = langs.first().cloned().unwrap_or_default();
    html! {
        form.alert method="post" action=(page.action) novalidate {
            input type="hidden" name="form_token" value=(who.form_token);
            // The first submit button is the one Enter presses: saving, never adding a row.
            button.default-save type="submit" name="save" value="1" tabindex="-1" aria-hidden="true" { (save_label) }

            fieldset id="f-texts" {
                legend { (viewer.t("form-texts")) }
                p.hint { (viewer.t("form-texts-hint")) }
                @for (i, block) in form.texts.iter().enumerate() {
                    @let name = |f: &str| format!("texts[{i}][{f}]");
                    @let lang = block.lang.as_str();
                    @let first = lang == first_lang;
                    fieldset.row {
                        legend { (language_name(viewer, lang)) }
                        input type="hidden" name=(name("lang")) value=(lang);
                        @let title = Field::new(name("title"), format!("title.{lang}"), viewer.t("form-title"), &block.title).lang(lang);
                        (if first { title.also("title".into()) } else { title }.draw(errors))
                        (Field::new(name("summary"), format!("summary.{lang}"), viewer.t("form-summary"), &block.summary).lang(lang).multiline().draw(errors))
                        (Field::new(name("body"), format!("body.{lang}"), viewer.t("form-body"), &block.body).lang(lang).multiline().hint(viewer.t("form-body-hint")).draw(errors))
                        @let link = Field::new(name("link_to_work"), format!("link_to_work.{lang}"), viewer.t("form-link-to-work"), &block.link_to_work).lang(lang).multiline().hint(viewer.t("form-link-to-work-hint"));
                        (if first { link.also("link_to_work".into()) } else { link }.draw(errors))
                    }
                }
                div.field {
                    label for="new-language" { (viewer.t("form-new-language")) }
                    select id="new-language" name="new_language" {
                        @for l in &addable { option value=(l.code()) lang=(l.code()) { (viewer.texts.get(*l, "language-name")) } }
                    }
                    label for="new-language-other" { (viewer.t("form-new-language-other")) }
                    small.hint id="new-language-other-hint" { (viewer.t("form-new-language-other-hint")) }
                    input id="new-language-other" name="new_language_other" aria-describedby="new-language-other-hint" size="8";
                }
                button type="submit" name="add" value="language" formaction=(add_to("f-texts")) { (viewer.t("form-add-language")) }
            }

            fieldset id=(field_id("defenders")) {
                legend { (viewer.t("form-defenders")) }
                (messages(&field_id("defenders"), &errors.at(&["defenders".to_string()], &field_id("defenders"))))
                @for (i, d) in form.defenders.iter().enumerate() {
                    @let name = |f: &str| format!("defenders[{i}][{f}]");
                    @let path = |f: &str| format!("defenders[{i}].{f}");
                    fieldset.row {
                        legend { (viewer.t_with("form-defender-n", &[("n", &viewer.number(i + 1))])) }
                        (Field::new(name("name"), path("name"), viewer.t("form-defender-name"), &d.name).hint(viewer.t("form-defender-name-hint")).draw(errors))
                        (select(viewer, errors, &name("kind"), &path("kind"), &viewer.t("form-defender-kind"), "defender-kind", &vocab(DefenderKind::VARIANTS), &d.kind, None))
                        (select(viewer, errors, &name("relationship"), &path("relationship"), &viewer.t("form-defender-relationship"), "defender-relationship", &vocab(DefenderRelationship::VARIANTS), &d.relationship, None))
                        @for (flag, on, key) in [("woman_defender", d.woman_defender, "form-defender-woman"), ("anonymised", d.anonymised, "form-defender-anonymised")] {
                            @let id = field_id(&path(flag));
                            @let shown = errors.at(&[path(flag)], &id);
                            div.choice {
                                (messages(&id, &shown))
                                input type="checkbox" id=(id) name=(name(flag)) value="on" checked[on]
                                    aria-invalid=[(!shown.is_empty()).then_some("true")] aria-describedby=[described_by(&id, !shown.is_empty(), false)];
                                label for=(id) { (viewer.t(key)) }
                            }
                        }
                    }
                }
                button type="submit" name="add" value="defender" formaction=(add_to(&format!("f-defenders-{}-name", form.defenders.len()))) { (viewer.t("form-add-defender")) }
            }

            (checkboxes(viewer, errors, "violation_types", &viewer.t("form-violation-types"), "violation-type", &vocab(ViolationType::VARIANTS), &form.violation_types, true))

            fieldset id="f-perpetrators" {
                legend { (viewer.t("form-perpetrators")) }
                @for (i, p) in form.perpetrators.iter().enumerate() {
                    @let name = |f: &str| format!("perpetrators[{i}][{f}]");
                    @let path = |f: &str| format!("perpetrators[{i}].{f}");
                    fieldset.row {
                        legend { (viewer.t_with("form-perpetrator-n", &[("n", &viewer.number(i + 1))])) }
                        (select(viewer, errors, &name("category"), &path("category"), &viewer.t("form-perpetrator-category"), "perpetrator-category", &vocab(PerpetratorCategory::VARIANTS), &p.category, Some(&viewer.t("form-none-chosen"))))
                        (select(viewer, errors, &name("involvement"), &path("involvement"), &viewer.t("form-perpetrator-involvement"), "involvement", &vocab(Involvement::VARIANTS), &p.involvement, Some(&viewer.t("form-not-known"))))
                        (Field::new(name("details"), path("details"), viewer.t("form-perpetrator-details"), &p.details).multiline().draw(errors))
                    }
                }
                button type="submit" name="add" value="perpetrator" formaction=(add_to(&format!("f-perpetrators-{}-category", form.perpetrators.len()))) { (viewer.t("form-add-perpetrator")) }
            }

            (checkboxes(viewer, errors, "rights_concerned", &viewer.t("form-rights"), "right", &vocab(Right::VARIANTS), &form.rights, false))

            fieldset id="f-business_link" {
                legend { (viewer.t("form-business-link")) }
                p.hint { (viewer.t("form-business-link-hint")) }
                (select(viewer, errors, "business_link[sector]", "business_link.sector", &viewer.t("form-business-sector"), "business-sector", &vocab(BusinessSector::VARIANTS), &form.sector, Some(&viewer.t("form-no-business-link"))))
                (Field::new("business_link[company]", "business_link.company", viewer.t("form-business-company"), &form.company).draw(errors))
                (Field::new("business_link[project]", "business_link.project", viewer.t("form-business-project"), &form.project).draw(errors))
                (Field::new("business_link[financier]", "business_link.financier", viewer.t("form-business-financier"), &form.financier).draw(errors))
            }

            fieldset id="f-location" {
                legend { (viewer.t("form-location")) }
                @let country = Field::new("country", "country", viewer.t("form-country"), &form.country).hint(viewer.t("form-country-hint"));
                @let country_id = field_id("country");
                @let country_errors = errors.at(&country.paths, &country_id);
                div.field {
                    label for=(country_id) { (country.label) }
                    small.hint id=(format!("{country_id}-hint")) { (country.hint.clone().unwrap_or_default()) }
                    (messages(&country_id, &country_errors))
                    input id=(country_id) name="country" value=(form.country) list="countries" autocomplete="off" size="12"
                        aria-invalid=[(!country_errors.is_empty()).then_some("true")] aria-describedby=[described_by(&country_id, !country_errors.is_empty(), true)];
                    datalist id="countries" {
                        @for c in isocountry::CountryCode::iter() { option value=(c.alpha2()) label=(viewer.country(c.alpha2())) {} }
                    }
                }
                (Field::new("region", "region", viewer.t("form-region"), &form.region).draw(errors))
                (Field::new("place", "place", viewer.t("form-place"), &form.place).draw(errors))
            }

            fieldset id="f-requested_actions" {
                legend { (viewer.t("form-actions")) }
                @for (i, a) in form.actions.iter().enumerate() {
                    @let path = |f: &str| format!("requested_actions[{i}].{f}");
                    fieldset.row id=(format!("f-requested_actions-{i}")) {
                        legend { (viewer.t_with("form-action-n", &[("n", &viewer.number(i + 1))])) }
                        (select(viewer, errors, &format!("requested_actions[{i}][kind]"), &path("kind"), &viewer.t("form-action-kind"), "requested-action-kind", &vocab(RequestedActionKind::VARIANTS), &a.kind, Some(&viewer.t("form-none-chosen"))))
                        @for lang in &langs {
                            @let description = a.description.get(lang).cloned().unwrap_or_default();
                            @let model = a.model_text.get(lang).cloned().unwrap_or_default();
                            @let in_lang = language_name(viewer, lang);
                            (Field::new(format!("requested_actions[{i}][description][{lang}]"), format!("requested_actions[{i}].description.{lang}"), viewer.t_with("form-action-description", &[("language", &in_lang)]), &description).lang(lang).multiline().draw(errors))
                            (Field::new(format!("requested_actions[{i}][model_text][{lang}]"), format!("requested_actions[{i}].model_text.{lang}"), viewer.t_with("form-action-model-text", &[("language", &in_lang)]), &model).lang(lang).multiline().draw(errors))
                        }
                        (Field::new(format!("requested_actions[{i}][deadline]"), path("deadline"), viewer.t("form-action-deadline"), &a.deadline).kind("date").hint(viewer.t("form-date-hint")).draw(errors))
                        @for (j, ad) in a.addressees.iter().enumerate() {
                            @let name = |f: &str| format!("requested_actions[{i}][addressees][{j}][{f}]");
                            @let apath = |f: &str| format!("requested_actions[{i}].addressees[{j}].{f}");
                            fieldset.row {
                                legend { (viewer.t_with("form-addressee-n", &[("n", &viewer.number(j + 1))])) }
                                (Field::new(name("name"), apath("name"), viewer.t("form-addressee-name"), &ad.name).draw(errors))
                                (Field::new(name("institution"), apath("institution"), viewer.t("form-addressee-institution"), &ad.institution).draw(errors))
                                (select(viewer, errors, &name("kind"), &apath("kind"), &viewer.t("form-addressee-kind"), "addressee-kind", &vocab(AddresseeKind::VARIANTS), &ad.kind, None))
                            }
                        }
                        button type="submit" name="add" value=(format!("addressee-{i}")) formaction=(add_to(&format!("f-requested_actions-{i}-addressees-{}-name", a.addressees.len()))) { (viewer.t("form-add-addressee")) }
                    }
                }
                button type="submit" name="add" value="action" formaction=(add_to(&format!("f-requested_actions-{}-kind", form.actions.len()))) { (viewer.t("form-add-action")) }
            }

            fieldset id="f-assessment" {
                legend { (viewer.t("form-assessment")) }
                (select(viewer, errors, "urgency", "urgency", &viewer.t("form-urgency"), "urgency", &vocab(Urgency::VARIANTS), &form.urgency, None))
                (select(viewer, errors, "severity", "severity", &viewer.t("form-severity"), "severity", &vocab(Severity::VARIANTS), &form.severity, None))
                (select(viewer, errors, "certainty", "certainty", &viewer.t("form-certainty"), "certainty", &vocab(Certainty::VARIANTS), &form.certainty, None))
                (Field::new("expires", "expires", viewer.t("form-expires"), &form.expires).kind("date").hint(viewer.t("form-expires-hint")).draw(errors))
            }

            fieldset id="f-consent" {
                legend { (viewer.t("form-consent")) }
                p.hint { (viewer.t("form-consent-hint")) }
                (messages("f-consent", &errors.at(&["consent".to_string()], "f-consent")))
                @if let Some(withdrawn) = page.alert.and_then(|a| a.consent.as_ref()).and_then(|c| c.withdrawn_at) {
                    p.error { (viewer.t_with("form-consent-withdrawn", &[("date", &viewer.date(withdrawn))])) }
                }
                (Field::new("consent[given_by]", "consent.given_by", viewer.t("form-consent-given-by"), &form.consent_given_by).draw(errors))
                (Field::new("consent[given_at]", "consent.given_at", viewer.t("form-consent-given-at"), &form.consent_given_at).kind("date").hint(viewer.t("form-date-hint")).draw(errors))
                (checkboxes(viewer, errors, "consent[allowed_uses]", &viewer.t("form-consent-uses"), "consent-use", &vocab(ConsentUse::VARIANTS), &form.consent_uses, true))
            }

            fieldset.local id="f-local_only" {
                legend { (viewer.t("form-local-only")) }
                p { (viewer.t("form-local-only-never-leaves")) }
                (Field::new("local_only[exact_location]", "local_only.exact_location", viewer.t("form-exact-location"), &form.exact_location).multiline().draw(errors))
                (Field::new("local_only[contacts]", "local_only.contacts", viewer.t("form-contacts"), &form.contacts).multiline().draw(errors))
                (Field::new("local_only[family_details]", "local_only.family_details", viewer.t("form-family-details"), &form.family_details).multiline().draw(errors))
                (Field::new("local_only[internal_notes]", "local_only.internal_notes", viewer.t("form-internal-notes"), &form.internal_notes).multiline().draw(errors))
            }

            fieldset id="f-groups" aria-describedby="f-groups-hint" {
                legend { (viewer.t("form-groups")) }
                small.hint id="f-groups-hint" { (viewer.t("form-groups-hint")) }
                (messages("f-groups", &errors.under("groups", "f-groups")))
                @if page.groups.is_empty() { p.meta { (viewer.t("form-groups-none")) } }
                @for (i, g) in page.groups.iter().enumerate() {
                    div.choice {
                        input type="checkbox" id=(format!("group-{i}")) name="groups" value=(g.uri) checked[form.groups.contains(&g.uri)];
                        label for=(format!("group-{i}")) { (g.name) " (" (viewer.label("group-kind", &g.kind)) ")" }
                    }
                }
                @for (i, uri) in form.groups.iter().filter(|u| !page.groups.iter().any(|g| &&g.uri == u)).enumerate() {
                    div.choice {
                        input type="checkbox" id=(format!("group-other-{i}")) name="groups" value=(uri) checked;
                        label for=(format!("group-other-{i}")) { (uri) }
                    }
                }
            }

            fieldset id=(audience_id) aria-describedby=(format!("consent-allows{}", if audience_errors.is_empty() { String::new() } else { format!(" {audience_id}-error") })) {
                legend { (viewer.t("form-audience")) }
                p.allows id="consent-allows" data-allows=(widest.as_str()) {
                    (viewer.t_with("form-consent-allows", &[("audience", &viewer.label("audience", widest.as_str()))]))
                }
                @if !who.staff.role.can_publish() { p.hint { (viewer.t("form-audience-coordinators")) } }
                (messages(&audience_id, &audience_errors))
                @for name in Audience::VARIANTS {
                    @let audience: Audience = name.parse().unwrap_or(Audience::Node);
                    @let id = format!("audience-{name}");
                    @let too_wide = audience.rank() > widest.rank();
                    div.audience-choice.choice data-audience=(name) {
                        input type="radio" id=(id) name="audience" value=(name) checked[form.audience == *name]
                            aria-describedby=(format!("{id}-reach"));
                        label for=(id) { (viewer.label("audience", name)) }
                        small.hint id=(format!("{id}-reach")) {
                            (audience_reach(viewer, page, form, audience))
                            @if too_wide { " " span.too-wide { (viewer.t("form-audience-beyond-consent")) } }
                        }
                    }
                }
                div.field {
                    label for=(restricted_id) { (viewer.t("form-restricted-to")) }
                    small.hint id=(format!("{restricted_id}-hint")) { (viewer.t("form-restricted-to-hint")) }
                    (messages(&restricted_id, &restricted_errors))
                    textarea id=(restricted_id) name="restricted_to" rows="3"
                        aria-invalid=[(!restricted_errors.is_empty()).then_some("true")]
                        aria-describedby=[described_by(&restricted_id, !restricted_errors.is_empty(), true)] { (form.restricted_to) }
                }
            }

            div.actions-bar {
                button type="submit" name="save" value="1" id="save" { (save_label) }
            }
        }
    }
}

/// The groups and peers the audience picker names; an error answers the page.
async fn picker_data(state: &AppState, who: &SignedIn) -> Result<(Vec<GroupView>, Vec<PeerView>), Error> {
    let groups = crate::services::groups::list(state, &who.staff).await?;
    let peers = crate::services::peers::list(state).await?;
    Ok((groups, peers))
}

#[allow(clippy::too_many_arguments)]
fn respond(
    viewer: &Viewer,
    who: &SignedIn,
    status: StatusCode,
    action: String,
    heading: String,
    alert: Option<&AlertView>,
    data: &(Vec<GroupView>, Vec<PeerView>),
    form: &FormState,
    errors: &Errors,
) -> Response {
    let page = Page {
        action,
        heading: heading.clone(),
        groups: &data.0,
        peers: &data.1,
        alert,
    };
    viewer.respond(
        status,
        layout(viewer, &heading, Some(who), draw(viewer, who, &page, form, errors)),
    )
}

async fn new_page(State(state): State<AppState>, mut viewer: Viewer, jar: CookieJar) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, "/alerts/new").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) = who.staff.require(who.staff.role.can_draft(), "draft alerts") {
        return error_page(&viewer, e, Some(&who));
    }
    let data = match picker_data(&state, &who).await {
        Ok(d) => d,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let form = FormState::blank(&viewer);
    respond(
        &viewer,
        &who,
        StatusCode::OK,
        "/alerts/new".into(),
        viewer.t("form-new-heading"),
        None,
        &data,
        &form,
        &Errors::default(),
    )
}

fn value_of<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// The errors of a refused save, drawn with the form: field errors at their
/// fields, anything else at the top.
fn refusal(viewer: &Viewer, err: Error, form: &FormState, rows: &RowMap) -> Errors {
    let mut errors = Errors::default();
    match err {
        Error::Validation(FieldErrors(fields)) => {
            for (path, message) in fields {
                let path = form_path(&path, rows);
                let shown = translate(viewer, &path, &message, form);
                errors.by_field.entry(path).or_insert(shown);
            }
        }
        Error::Forbidden(message) if message.contains("widen an alert's audience") => {
            errors.add_text("audience", viewer.t("form-error-audience-role"));
        }
        other => errors.general.push(Message {
            text: other.to_string(),
            english: true,
        }),
    }
    errors
}

/// The language an "Add a language" button asks for: one of the page's
/// languages, or another tag typed in.
fn asked_language(pairs: &[(String, String)]) -> String {
    let other = value_of(pairs, "new_language_other").trim();
    if other.is_empty() {
        value_of(pairs, "new_language").to_string()
    } else {
        other.to_string()
    }
}

async fn new_post(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let who = match signed_in_form(&state, &mut viewer, &jar, "/alerts/new", value_of(&pairs, "form_token")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let data = match picker_data(&state, &who).await {
        Ok(d) => d,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let heading = viewer.t("form-new-heading");
    let mut form = FormState::read(&pairs);
    let draw = |status, form: &FormState, errors: &Errors| {
        respond(
            &viewer,
            &who,
            status,
            "/alerts/new".into(),
            heading.clone(),
            None,
            &data,
            form,
            errors,
        )
    };
    let add = value_of(&pairs, "add");
    if !add.is_empty() {
        form.add(add, &asked_language(&pairs));
        return draw(StatusCode::OK, &form, &Errors::default());
    }
    let (input, errors, rows) = form.input(&viewer);
    if !errors.is_empty() {
        return draw(StatusCode::UNPROCESSABLE_ENTITY, &form, &errors);
    }
    match alerts::create(&state, &who.staff, input).await {
        Ok(view) => Redirect::to(&format!("/alerts/{}/view", view.id)).into_response(),
        Err(err) => {
            let status = err.status_code();
            let errors = refusal(&viewer, err, &form, &rows);
            draw(status, &form, &errors)
        }
    }
}

/// The stored alert, if `who` may edit it here: only its organisation's
/// staff see its form.
async fn editable(state: &AppState, who: &SignedIn, id: &str) -> Result<AlertView, Error> {
    let alert = alerts::get(state, &who.staff, id).await?;
    if alert.org != who.staff.org_slug {
        return Err(Error::Forbidden(
            "only staff of the organisation that wrote this alert can change it".into(),
        ));
    }
    who.staff.require(who.staff.role.can_draft(), "edit alerts")?;
    Ok(alert)
}

async fn edit_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let back = format!("/alerts/{id}/edit");
    let who = match signed_in(&state, &mut viewer, &jar, &back).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let alert = match editable(&state, &who, &id).await {
        Ok(a) => a,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let data = match picker_data(&state, &who).await {
        Ok(d) => d,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let heading = viewer.t_with("form-edit-heading", &[("number", &alert.number)]);
    if matches!(alert.status, AlertStatus::Closed | AlertStatus::Withdrawn) {
        let body = html! {
            h1 { (heading) }
            p.meta { (viewer.label("status", alert.status.as_str())) }
            p { (viewer.t("form-no-longer-editable")) }
            (super::review::lifecycle_panel(&viewer, &who, &alert))
        };
        return viewer.respond(StatusCode::OK, layout(&viewer, &heading, Some(&who), body));
    }
    let form = FormState::of(&alert, &viewer);
    respond(
        &viewer,
        &who,
        StatusCode::OK,
        back,
        heading,
        Some(&alert),
        &data,
        &form,
        &Errors::default(),
    )
}

/// Keeps the stored time of a date left as it was: the form shows dates
/// only, and a date unchanged is no change.
fn keep_times(input: &mut AlertInput, alert: &AlertView) {
    let same_day = |typed: Option<DateTime<Utc>>, stored: Option<DateTime<Utc>>| match (typed, stored) {
        (Some(t), Some(s)) if t.date_naive() == s.date_naive() => Some(s),
        (t, _) => t,
    };
    input.expires = input.expires.map(|typed| same_day(typed, alert.expires));
    if let Some(actions) = input.requested_actions.as_mut() {
        for (typed, stored) in actions.iter_mut().zip(&alert.content.requested_actions) {
            typed.deadline = same_day(typed.deadline, stored.deadline);
        }
    }
    if let (Some(typed), Some(stored)) = (input.consent.as_mut(), alert.consent.as_ref()) {
        typed.given_at = same_day(Some(typed.given_at), Some(stored.given_at)).unwrap_or(typed.given_at);
    }
}

/// Whether the consent typed says something else than the one recorded
/// (the order of its uses aside).
fn consent_differs(typed: &Consent, stored: Option<&Consent>) -> bool {
    let Some(stored) = stored else { return true };
    let uses = |c: &Consent| c.allowed_uses.iter().copied().collect::<BTreeSet<_>>();
    typed.given_by.trim() != stored.given_by.trim() || typed.given_at != stored.given_at || uses(typed) != uses(stored)
}

/// Saves an edit. A new consent is recorded as its own step first (the
/// service audits it, and refuses an edit that changes consent and widens
/// the audience at once); when the audience narrows, the narrower audience
/// is saved first, so the new consent never finds it too wide.
async fn save_edit(
    state: &AppState,
    who: &SignedIn,
    alert: &AlertView,
    mut input: AlertInput,
) -> Result<AlertView, Error> {
    let staff = &who.staff;
    let new_consent = match input.consent.take() {
        Some(c) if consent_differs(&c, alert.consent.as_ref()) => Some(c),
        _ => None,
    };
    let Some(consent) = new_consent else {
        return alerts::edit(state, staff, &alert.id, input).await;
    };
    let narrows = input.audience.is_some_and(|a| a.rank() < alert.audience.rank());
    if narrows {
        alerts::edit(state, staff, &alert.id, input).await?;
        alerts::record_consent(state, staff, &alert.id, consent).await
    } else {
        alerts::record_consent(state, staff, &alert.id, consent).await?;
        alerts::edit(state, staff, &alert.id, input).await
    }
}

async fn edit_post(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let back = format!("/alerts/{id}/edit");
    let who = match signed_in_form(&state, &mut viewer, &jar, &back, value_of(&pairs, "form_token")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let alert = match editable(&state, &who, &id).await {
        Ok(a) => a,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let data = match picker_data(&state, &who).await {
        Ok(d) => d,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let heading = viewer.t_with("form-edit-heading", &[("number", &alert.number)]);
    let mut form = FormState::read(&pairs);
    let draw = |status, form: &FormState, errors: &Errors| {
        respond(
            &viewer,
            &who,
            status,
            back.clone(),
            heading.clone(),
            Some(&alert),
            &data,
            form,
            errors,
        )
    };
    let add = value_of(&pairs, "add");
    if !add.is_empty() {
        form.add(add, &asked_language(&pairs));
        return draw(StatusCode::OK, &form, &Errors::default());
    }
    let (mut input, errors, rows) = form.input(&viewer);
    if !errors.is_empty() {
        return draw(StatusCode::UNPROCESSABLE_ENTITY, &form, &errors);
    }
    keep_times(&mut input, &alert);
    match save_edit(&state, &who, &alert, input).await {
        Ok(view) => Redirect::to(&format!("/alerts/{}/view", view.id)).into_response(),
        Err(Error::NotFound(what)) => error_page(&viewer, Error::NotFound(what), Some(&who)),
        Err(err) => {
            let status = err.status_code();
            let errors = refusal(&viewer, err, &form, &rows);
            draw(status, &form, &errors)
        }
    }
}
