//! An alert's page for staff: its facts in the reader's language (and links
//! to the other languages it is written in), its defenders, what it asks for,
//! its history, the collective response, and the organisation's own answers
//! with the forms to record, correct and retract them. The same page serves
//! this node's alerts (`/alerts/{id}/view`) and alerts received from other
//! nodes (`/network/alerts/{id}/view`), which also say where they came from
//! and what was checked of their signature.
//!
//! Answers go through `services::actions`, as `POST /api/v1/alerts/{id}/actions`
//! (or `/network/alerts/{id}/actions`), `PATCH` and `DELETE /api/v1/actions/{id}`
//! do. `GET /actions/{id}` is the action's federation document, so the
//! correction form lives at `/actions/{id}/correct`.

use std::collections::BTreeSet;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::responses::{action_article, collective_response};
use super::{SignedIn, Viewer, error_page, layout, signed_in, signed_in_form};
use crate::domain::action::ActionInput;
use crate::domain::alert::{AlertContent, Consent, LocalOnly};
use crate::domain::vocab::{
    ActionKind, AlertStatus, Certainty, HistoryAction, Outcome, ReportOutcome, Severity, SupportType, Urgency,
};
use crate::domain::{FieldErrors, LangMap};
use crate::error::Error;
use crate::i18n::Lang;
use crate::services::actions::{self, ActionView, AnsweredAlert, On, Responses};
use crate::services::alerts::AlertView;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts/{id}/view", get(local_page))
        .route("/alerts/{id}/answers", post(answer_local))
        .route("/network/alerts/{id}/view", get(network_page))
        .route("/network/alerts/{id}/answers", post(answer_network))
        .route("/actions/{id}/correct", get(correction_page).post(correct))
        .route("/actions/{id}/retract", post(retract))
}

/// Which alert a page is about, by this node's id for it.
#[derive(Clone, Copy)]
enum Place<'a> {
    Local(&'a str),
    Network(&'a str),
}

impl Place<'_> {
    fn view_path(self) -> String {
        match self {
            Place::Local(id) => format!("/alerts/{id}/view"),
            Place::Network(id) => format!("/network/alerts/{id}/view"),
        }
    }

    fn answers_path(self) -> String {
        match self {
            Place::Local(id) => format!("/alerts/{id}/answers"),
            Place::Network(id) => format!("/network/alerts/{id}/answers"),
        }
    }
}

fn on<'a>(place: Place<'a>) -> On<'a> {
    match place {
        Place::Local(id) => On::Local(id),
        Place::Network(id) => On::Network(id),
    }
}

/// The page of the alert an answer belongs to.
fn page_of(alert: &Option<AnsweredAlert>) -> String {
    match alert {
        Some(AnsweredAlert::Local(id)) => Place::Local(id).view_path(),
        Some(AnsweredAlert::Network(id)) => Place::Network(id).view_path(),
        None => "/".to_string(),
    }
}

#[derive(Deserialize)]
struct ContentParam {
    /// The language to read the alert's texts in (`lang` is the page's).
    content: Option<String>,
}

/// One change in an alert's history, as the page lists it.
struct Change {
    version: i64,
    at: DateTime<Utc>,
    by: String,
    /// A known change (translated), or the origin's own name for one.
    action: Result<HistoryAction, String>,
    status: AlertStatus,
    changed_fields: Vec<String>,
    note: Option<String>,
}

/// Where a received alert came from, and what was checked of it.
struct Origin {
    host: String,
    org: String,
    org_name: Option<String>,
    /// The key and time its proof names.
    proof: Option<(String, String)>,
    received_at: DateTime<Utc>,
}

/// What only the author organisation's staff see.
struct Private {
    local_only: LocalOnly,
    consent: Option<Consent>,
}

/// An alert, ours or another node's, as the page shows it.
struct Shown {
    number: String,
    content: AlertContent,
    status: AlertStatus,
    urgency: Urgency,
    severity: Severity,
    certainty: Certainty,
    country: String,
    expires: Option<DateTime<Utc>>,
    published_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    outcome: Option<Outcome>,
    closing_note: Option<String>,
    withdrawal_reason: Option<String>,
    history: Vec<Change>,
    origin: Option<Origin>,
    private: Option<Private>,
    /// One of this node's alerts, as the services give it: what the
    /// lifecycle panel decides its buttons from.
    #[allow(dead_code)]
    local: Option<AlertView>,
    /// Written by the viewer's organisation.
    own: bool,
}

async fn load_local(state: &AppState, who: &SignedIn, id: &str) -> Result<Shown, Error> {
    let view = crate::services::alerts::get(state, &who.staff, id).await?;
    let history = crate::services::alerts::history(state, &who.staff, id).await?;
    let own = view.local_only.is_some();
    Ok(Shown {
        number: view.number.clone(),
        content: view.content.clone(),
        status: view.status,
        urgency: view.urgency,
        severity: view.severity,
        certainty: view.certainty,
        country: view.country.clone(),
        expires: view.expires,
        published_at: view.published_at,
        updated_at: view.updated_at,
        outcome: view.outcome,
        closing_note: view.closing_note.clone(),
        withdrawal_reason: view.withdrawal_reason.clone(),
        history: history
            .into_iter()
            .map(|h| Change {
                version: h.version,
                at: h.at,
                by: h.by,
                action: Ok(h.action),
                status: h.status,
                changed_fields: h.changed_fields,
                note: h.note,
            })
            .collect(),
        origin: None,
        private: view.local_only.clone().map(|local_only| Private {
            local_only,
            consent: view.consent.clone(),
        }),
        own,
        local: Some(view),
    })
}

async fn load_network(state: &AppState, who: &SignedIn, id: &str) -> Result<Shown, Error> {
    let received = crate::services::remote_alerts::read_visible(state, &who.staff, id).await?;
    let (row, alert) = (received.row, received.alert);
    let by = received
        .author_name
        .clone()
        .unwrap_or_else(|| row.attributed_to.clone());
    Ok(Shown {
        number: row.number.clone(),
        content: alert.domain_content(),
        status: row.status,
        urgency: row.urgency,
        severity: row.severity,
        certainty: row.certainty,
        country: row.country.clone(),
        expires: alert.expires,
        published_at: Some(alert.published),
        updated_at: alert.updated,
        outcome: alert.outcome,
        closing_note: alert.closing_note.clone(),
        withdrawal_reason: None,
        history: alert
            .history
            .iter()
            .map(|h| Change {
                version: h.version,
                at: h.published,
                by: by.clone(),
                action: h.change.parse().map_err(|_| h.change.clone()),
                status: h.alert_status,
                changed_fields: h.changed_fields.clone(),
                note: None,
            })
            .collect(),
        origin: Some(Origin {
            host: row.origin_host.clone(),
            org: row.attributed_to.clone(),
            org_name: received.author_name,
            proof: received.proof.map(|p| (p.verification_method, p.created)),
            received_at: crate::clock::from_millis(row.received_at),
        }),
        private: None,
        local: None,
        own: false,
    })
}

/// A form being answered again: which one, what was typed, what was wrong.
struct Answering {
    kind: ActionKind,
    values: Values,
    errors: FieldErrors,
}

/// The fields of an answer form, as typed.
#[derive(Default, Clone)]
struct Values {
    content: String,
    language: String,
    shareable: bool,
    addressee: String,
    due: String,
    support_type: String,
    outcome: String,
}

impl Values {
    fn from_form(form: &[(String, String)]) -> Values {
        let get = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Values {
            content: get("content"),
            language: get("language"),
            shareable: form.iter().any(|(k, _)| k == "shareable"),
            addressee: get("addressee"),
            due: get("due"),
            support_type: get("support_type"),
            outcome: get("outcome"),
        }
    }

    /// An action's fields, to correct it.
    fn of(action: &ActionView, viewer: &Viewer) -> Values {
        let (language, content) = action
            .content
            .iter()
            .next()
            .map(|(l, t)| (l.clone(), plain_text(t)))
            .unwrap_or_else(|| (viewer.lang.code().to_string(), String::new()));
        Values {
            content,
            language,
            shareable: action.shareable,
            addressee: action.addressee.clone().unwrap_or_default(),
            due: action.due.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            support_type: action.support_type.map(|s| s.as_str().to_string()).unwrap_or_default(),
            outcome: action.outcome.map(|o| o.as_str().to_string()).unwrap_or_default(),
        }
    }

    /// The input for the service: only the fields the kind has (a field of
    /// another kind would only be refused). Values the page cannot read are
    /// errors of their own, in `errors`.
    fn input(&self, kind: ActionKind, errors: &mut FieldErrors) -> ActionInput {
        let mut input = ActionInput::default();
        if kind != ActionKind::SupportOffer {
            input.shareable = Some(self.shareable);
        }
        match kind {
            ActionKind::LetterSent => input.addressee = Some(self.addressee.clone()),
            ActionKind::Pledge => match due_date(&self.due) {
                Some(due) => input.due = Some(due),
                None => errors.add("due", "a date such as 2030-01-31"),
            },
            ActionKind::SupportOffer => match self.support_type.parse::<SupportType>() {
                Ok(t) => input.support_type = Some(t),
                Err(_) => errors.add("support_type", "required"),
            },
            ActionKind::Report => match self.outcome.parse::<ReportOutcome>() {
                Ok(o) => input.outcome = Some(o),
                Err(_) => errors.add("outcome", "required"),
            },
            ActionKind::Cosign | ActionKind::Statement => {}
        }
        input
    }

    /// The language the text is in: one of the page's languages.
    fn language(&self, viewer: &Viewer) -> String {
        Lang::from_tag(&self.language)
            .map(|l| l.code().to_string())
            .unwrap_or_else(|| viewer.lang.code().to_string())
    }
}

/// A pledge's due date: the end of the day chosen (UTC), so that a pledge
/// due today is still in the future when it is made.
fn due_date(text: &str) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    let end = NaiveTime::from_hms_opt(23, 59, 59)?;
    Some(date.and_time(end).and_utc())
}

/// The text of a stored answer for its correction form: what was typed on a
/// page is stored as sanitised text, its characters `&`, `<`, `>` escaped;
/// HTML sent through the API is left as it is.
fn plain_text(stored: &str) -> String {
    if stored.contains('<') {
        return stored.to_string();
    }
    stored
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

// ---------------------------------------------------------------------------
// The page

async fn local_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(p): Query<ContentParam>,
) -> Response {
    let place = Place::Local(&id);
    let who = match signed_in(&state, &mut viewer, &jar, &place.view_path()).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show(&state, &viewer, &who, place, p.content.as_deref(), None).await
}

async fn network_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(p): Query<ContentParam>,
) -> Response {
    let place = Place::Network(&id);
    let who = match signed_in(&state, &mut viewer, &jar, &place.view_path()).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show(&state, &viewer, &who, place, p.content.as_deref(), None).await
}

/// The page, or a form of it answered again with what was wrong (422).
async fn show(
    state: &AppState,
    viewer: &Viewer,
    who: &SignedIn,
    place: Place<'_>,
    content_lang: Option<&str>,
    answering: Option<Answering>,
) -> Response {
    let shown = match place {
        Place::Local(id) => load_local(state, who, id).await,
        Place::Network(id) => load_network(state, who, id).await,
    };
    let shown = match shown {
        Ok(s) => s,
        Err(e) => return error_page(viewer, e, Some(who)),
    };
    let responses = match actions::responses(state, &who.staff, on(place)).await {
        Ok(r) => r,
        Err(e) => return error_page(viewer, e, Some(who)),
    };
    let status = if answering.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let our_actor = crate::federation::urls::org_actor(&state.config, &who.staff.org_slug).to_string();
    let title = {
        let languages = languages_of(&shown.content);
        let reading = reading_language(viewer, &languages, content_lang);
        pick_in(&shown.content.title, &reading, viewer)
            .map(|(_, t)| t.to_string())
            .unwrap_or_default()
    };
    let heading = format!("{} · {title}", shown.number);
    let body = page_body(
        viewer,
        who,
        place,
        &shown,
        &responses,
        &our_actor,
        content_lang,
        answering.as_ref(),
    );
    viewer.respond(status, layout(viewer, &heading, Some(who), body))
}

/// Every language the alert's texts are written in.
fn languages_of(content: &AlertContent) -> BTreeSet<String> {
    [&content.title, &content.summary, &content.body, &content.link_to_work]
        .iter()
        .flat_map(|m| m.keys().cloned())
        .collect()
}

/// The language to read the alert in: the one asked for if the alert has it,
/// else the reader's, else English, else its first.
fn reading_language(viewer: &Viewer, languages: &BTreeSet<String>, asked: Option<&str>) -> String {
    [asked, Some(viewer.lang.code()), Some("en")]
        .into_iter()
        .flatten()
        .find(|l| languages.contains(*l))
        .map(str::to_string)
        .or_else(|| languages.iter().next().cloned())
        .unwrap_or_else(|| viewer.lang.code().to_string())
}

/// A text in `lang`, else the reader's language, else English, else the
/// first; with the language it is in.
fn pick_in<'m>(map: &'m LangMap, lang: &str, viewer: &Viewer) -> Option<(&'m str, &'m str)> {
    [lang, viewer.lang.code(), "en"]
        .into_iter()
        .find_map(|l| map.get_key_value(l))
        .or_else(|| map.iter().next())
        .map(|(l, t)| (l.as_str(), t.as_str()))
}

/// A language's name in itself, or its tag when the pages do not know it.
fn language_name(viewer: &Viewer, code: &str) -> String {
    Lang::from_tag(code)
        .map(|l| viewer.texts.get(l, "language-name"))
        .unwrap_or_else(|| code.to_string())
}

fn dir_of(code: &str) -> &'static str {
    Lang::from_tag(code).map_or("auto", Lang::dir)
}

/// A text of the alert in the reading language, marked with the language it is in.
fn text_in(map: &LangMap, lang: &str, viewer: &Viewer, class: &str) -> Markup {
    html! {
        @if let Some((l, t)) = pick_in(map, lang, viewer) {
            p class=(class) lang=(l) dir=(dir_of(l)) { (t) }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn page_body(
    viewer: &Viewer,
    who: &SignedIn,
    place: Place<'_>,
    shown: &Shown,
    responses: &Responses,
    our_actor: &str,
    content_lang: Option<&str>,
    answering: Option<&Answering>,
) -> Markup {
    let c = &shown.content;
    let languages = languages_of(c);
    let reading = reading_language(viewer, &languages, content_lang);
    let view_path = place.view_path();
    let ours: Vec<&ActionView> = responses.items.iter().filter(|a| a.org == our_actor).collect();
    let letter = match place {
        Place::Local(id) if has_letter(c) => Some(format!("/alerts/{id}/letter")),
        _ => None,
    };
    html! {
        @let (title_lang, title) = pick_in(&c.title, &reading, viewer).unwrap_or(("", ""));
        h1 id="alert-title" {
            span.number { (shown.number) } " "
            span lang=(title_lang) dir=(dir_of(title_lang)) { (title) }
        }
        @if languages.len() > 1 {
            nav id="content-languages" aria-label=(viewer.t("alert-languages")) {
                (viewer.t("alert-also-in")) " "
                @for l in languages.iter().filter(|l| **l != title_lang) {
                    a href=(format!("{view_path}?content={}", super::urlencode(l))) lang=(l) hreflang=(l) data-lang=(l) {
                        (language_name(viewer, l))
                    }
                    " "
                }
            }
        }
        p.meta {
            span.status data-status=(shown.status) { (viewer.label("status", shown.status.as_str())) }
            @if let Some(at) = shown.published_at {
                " · " (viewer.t_with("alert-published-on", &[("date", &viewer.date_time(at))]))
            }
            " · " (viewer.t_with("alert-updated-on", &[("date", &viewer.date_time(shown.updated_at))]))
        }
        @if let Some(origin) = &shown.origin { (origin_box(viewer, origin)) }
        // Edit, submit, return, publish, close, withdraw and record a
        // withdrawal of consent: the buttons this person may use on this
        // alert now, for the author organisation only.
        @if shown.own && let Some(alert) = &shown.local {
            (super::review::lifecycle_panel(viewer, who, alert))
        }
        @if shown.status == AlertStatus::Closed || shown.outcome.is_some() {
            p.outcome {
                @if let Some(o) = shown.outcome { strong { (viewer.t("alert-outcome")) ": " } (viewer.label("outcome", o.as_str())) }
                @if let Some(n) = &shown.closing_note { " · " (n) }
            }
        }
        @if let Some(reason) = &shown.withdrawal_reason {
            p.outcome { strong { (viewer.t("alert-withdrawal-reason")) ": " } (reason) }
        }

        section id="facts" aria-labelledby="facts-heading" {
            h2 id="facts-heading" { (viewer.t("alert-facts")) }
            (text_in(&c.summary, &reading, viewer, "summary"))
            @if let Some((l, body)) = pick_in(&c.body, &reading, viewer) {
                // Sanitised when written or received; cleaned again here.
                div.content id="alert-body" lang=(l) dir=(dir_of(l)) { (PreEscaped(crate::domain::html::for_page(body))) }
            }
            dl.facts {
                dt { (viewer.t("alert-field-urgency")) } dd data-field="urgency" { (viewer.label("urgency", shown.urgency.as_str())) }
                dt { (viewer.t("alert-field-severity")) } dd data-field="severity" { (viewer.label("severity", shown.severity.as_str())) }
                dt { (viewer.t("alert-field-certainty")) } dd data-field="certainty" { (viewer.label("certainty", shown.certainty.as_str())) }
                dt { (viewer.t("alert-where")) }
                dd data-field="place" {
                    span.country data-code=(shown.country) { (viewer.country(&shown.country)) }
                    @if let Some(r) = &c.region { ", " (r) }
                    @if let Some(p) = &c.place { ", " (p) }
                }
                dt { (viewer.t("alert-field-violation_types")) }
                dd data-field="violation_types" {
                    ul.inline { @for v in &c.violation_types { li { (viewer.label("violation-type", v.as_str())) } } }
                }
                @if !c.perpetrators.is_empty() {
                    dt { (viewer.t("alert-field-perpetrators")) }
                    dd data-field="perpetrators" {
                        ul {
                            @for p in &c.perpetrators {
                                li {
                                    (viewer.label("perpetrator-category", p.category.as_str()))
                                    @if let Some(i) = p.involvement { " · " (viewer.label("involvement", i.as_str())) }
                                    @if let Some(d) = &p.details { " · " span dir="auto" { (d) } }
                                }
                            }
                        }
                    }
                }
                @if !c.rights_concerned.is_empty() {
                    dt { (viewer.t("alert-field-rights_concerned")) }
                    dd data-field="rights_concerned" {
                        ul.inline { @for r in &c.rights_concerned { li { (viewer.label("right", r.as_str())) } } }
                    }
                }
                @if let Some(b) = &c.business_link {
                    dt { (viewer.t("alert-field-business_link")) }
                    dd data-field="business_link" {
                        (viewer.label("business-sector", b.sector.as_str()))
                        @if let Some(v) = &b.company { br; (viewer.t("alert-company")) ": " span dir="auto" { (v) } }
                        @if let Some(v) = &b.project { br; (viewer.t("alert-project")) ": " span dir="auto" { (v) } }
                        @if let Some(v) = &b.financier { br; (viewer.t("alert-financier")) ": " span dir="auto" { (v) } }
                    }
                }
                @if let Some(e) = shown.expires {
                    dt { (viewer.t("alert-field-expires")) }
                    dd data-field="expires" { time datetime=(e.to_rfc3339()) { (viewer.date_time(e)) } }
                }
            }
        }

        section id="defenders" aria-labelledby="defenders-heading" {
            h2 id="defenders-heading" { (viewer.t("alert-field-defenders")) }
            ul {
                @for d in &c.defenders {
                    li.defender data-pseudonym=[d.anonymised.then_some("true")] data-woman-defender=[d.woman_defender.then_some("true")] {
                        strong dir="auto" { (d.name) }
                        @if d.anonymised { " " span.tag.pseudonym { (viewer.t("alert-pseudonym")) } }
                        @if d.woman_defender { " " span.tag.whrd { (viewer.t("alert-woman-defender")) } }
                        br;
                        span.meta {
                            (viewer.label("defender-kind", d.kind.as_str())) " · "
                            (viewer.label("defender-relationship", d.relationship.as_str()))
                        }
                    }
                }
            }
            h3 { (viewer.t("alert-field-link_to_work")) }
            (text_in(&c.link_to_work, &reading, viewer, "link-to-work"))
        }

        @if !c.requested_actions.is_empty() {
            section id="requested" aria-labelledby="requested-heading" {
                h2 id="requested-heading" { (viewer.t("alert-field-requested_actions")) }
                @for a in &c.requested_actions {
                    article.requested data-kind=(a.kind) {
                        h3 { (viewer.label("requested-action-kind", a.kind.as_str())) }
                        @if let Some(d) = a.deadline {
                            p.deadline { strong { (viewer.t_with("letter-send-by", &[("date", &viewer.date(d))])) } }
                        }
                        (text_in(&a.description, &reading, viewer, "description"))
                        @if !a.addressees.is_empty() {
                            p.meta { (viewer.t("letter-addressees")) }
                            ul.addressees {
                                @for ad in &a.addressees {
                                    li {
                                        span dir="auto" { (ad.name) @if let Some(i) = &ad.institution { ", " (i) } }
                                        " · " span.meta { (viewer.label("addressee-kind", ad.kind.as_str())) }
                                    }
                                }
                            }
                        }
                        @if let Some((l, text)) = pick_in(&a.model_text, &reading, viewer) {
                            details.model {
                                summary { (viewer.t("alert-model-letter")) " (" (language_name(viewer, l)) ")" }
                                div.letter lang=(l) dir=(dir_of(l)) { (text) }
                            }
                        }
                    }
                }
                @if let Some(letter) = &letter {
                    p { a id="letter-link" href=(letter) { (viewer.t("responses-letter-link")) } }
                }
            }
        }

        @if let Some(private) = &shown.private { (private_box(viewer, private)) }

        @if !shown.history.is_empty() {
            section id="history" aria-labelledby="history-heading" {
                h2 id="history-heading" { (viewer.t("alert-history")) }
                ol.history {
                    @for h in &shown.history {
                        li data-version=(h.version) data-action=(match &h.action { Ok(a) => a.as_str(), Err(name) => name.as_str() }) {
                            time datetime=(h.at.to_rfc3339()) { (viewer.date_time(h.at)) } " · "
                            @match &h.action {
                                Ok(a) => { strong { (viewer.label("history-action", a.as_str())) } }
                                Err(name) => { strong lang="en" { (name) } }
                            }
                            " · " span dir="auto" { (h.by) }
                            " · " (viewer.label("status", h.status.as_str()))
                            @if !h.changed_fields.is_empty() {
                                br;
                                span.meta {
                                    (viewer.t("alert-changed")) " "
                                    (h.changed_fields.iter().map(|f| field_name(viewer, f)).collect::<Vec<_>>().join(", "))
                                }
                            }
                            @if let Some(note) = &h.note {
                                blockquote.note dir="auto" { (note) }
                            }
                        }
                    }
                }
            }
        }

        (collective_response(viewer, responses, letter.as_deref(), |a| a.org != our_actor))

        section id="your-answers" aria-labelledby="your-answers-heading" {
            h2 id="your-answers-heading" { (viewer.t("answer-yours")) }
            @if ours.is_empty() { p.meta { (viewer.t("answer-none-yet")) } }
            @for a in &ours {
                (action_article(viewer, a, Some(own_controls(viewer, who, a))))
            }
            (answer_forms(viewer, who, place, shown, &ours, answering))
        }
    }
}

/// Whether the alert asks for a letter that the letter page can show.
fn has_letter(c: &AlertContent) -> bool {
    c.requested_actions
        .iter()
        .any(|a| a.kind == crate::domain::vocab::RequestedActionKind::Letter && !a.model_text.is_empty())
}

/// A field's name in the reader's language (as the history lists changes).
fn field_name(viewer: &Viewer, field: &str) -> String {
    let key = format!("alert-field-{field}");
    if viewer.texts.has(crate::i18n::Lang::En, &key) {
        viewer.t(&key)
    } else {
        field.to_string()
    }
}

fn origin_box(viewer: &Viewer, origin: &Origin) -> Markup {
    let org = origin.org_name.clone().unwrap_or_else(|| origin.org.clone());
    html! {
        section.box id="origin" aria-labelledby="origin-heading" {
            h2 id="origin-heading" { (viewer.t("alert-origin")) }
            p {
                (viewer.t("alert-origin-from")) " "
                strong id="origin-org" dir="auto" { (org) }
                " · " (viewer.t("alert-origin-node")) " " strong id="origin-host" translate="no" { (origin.host) }
            }
            p id="signature" data-verified="on-arrival" {
                strong { (viewer.t("alert-signature-verified")) }
                " " (viewer.t_with("alert-signature-checked", &[("org", &org), ("host", &origin.host)]))
            }
            p.meta {
                @if let Some((method, created)) = &origin.proof {
                    (viewer.t("alert-signature-key")) " " code.content id="signature-key" { (method) }
                    " · " (viewer.t("alert-signature-made")) " "
                    @match DateTime::parse_from_rfc3339(created) {
                        Ok(at) => time datetime=(created) { (viewer.date_time(at.with_timezone(&Utc))) },
                        Err(_) => span translate="no" { (created) },
                    }
                    br;
                }
                (viewer.t_with("alert-received", &[("date", &viewer.date_time(origin.received_at))]))
            }
        }
    }
}

fn private_box(viewer: &Viewer, private: &Private) -> Markup {
    let l = &private.local_only;
    html! {
        section.box.private id="local-only" aria-labelledby="local-only-heading" {
            h2 id="local-only-heading" { (viewer.t("alert-local-only")) }
            p { strong { (viewer.t("alert-local-only-note")) } }
            dl.facts {
                dt { (viewer.t("alert-exact-location")) }
                dd data-field="exact_location" dir="auto" { (l.exact_location.as_deref().unwrap_or("—")) }
                dt { (viewer.t("alert-contacts")) }
                dd data-field="contacts" dir="auto" { (l.contacts.as_deref().unwrap_or("—")) }
                dt { (viewer.t("alert-family-details")) }
                dd data-field="family_details" dir="auto" { (l.family_details.as_deref().unwrap_or("—")) }
                @if let Some(consent) = &private.consent {
                    dt { (viewer.t("alert-field-consent")) }
                    dd data-field="consent" {
                        (viewer.t_with("alert-consent-given", &[("who", &consent.given_by), ("date", &viewer.date(consent.given_at))]))
                        ul.inline { @for u in &consent.allowed_uses { li { (viewer.label("consent-use", u.as_str())) } } }
                        @if let Some(w) = consent.withdrawn_at {
                            strong.error { (viewer.t_with("alert-consent-withdrawn", &[("date", &viewer.date(w))])) }
                        }
                    }
                }
            }
        }
    }
}

/// Correct and retract, for the organisation's staff whose role may.
fn own_controls(viewer: &Viewer, who: &SignedIn, a: &ActionView) -> Markup {
    html! {
        @if actions::allowed(&who.staff, a.kind) {
            div.controls {
                a.correct href=(format!("/actions/{}/correct", a.id)) { (viewer.t("answer-correct")) }
                (retract_form(viewer, who, a))
            }
        }
    }
}

/// Retracting asks once more: the answer is withdrawn from every node it went to.
fn retract_form(viewer: &Viewer, who: &SignedIn, a: &ActionView) -> Markup {
    html! {
        details.retract {
            summary { (viewer.t("answer-retract")) }
            form method="post" action=(format!("/actions/{}/retract", a.id)) {
                input type="hidden" name="form_token" value=(who.form_token);
                p { (viewer.t("answer-retract-confirm")) }
                button type="submit" { (viewer.t("answer-retract-button")) }
            }
        }
    }
}

/// The kinds of answer, in the order the page offers them.
const KINDS: [ActionKind; 6] = [
    ActionKind::Cosign,
    ActionKind::Statement,
    ActionKind::LetterSent,
    ActionKind::Pledge,
    ActionKind::SupportOffer,
    ActionKind::Report,
];

/// A form per kind of answer the viewer may give now. What is offered follows
/// the service's rules (role, the alert's status, one co-signature); the
/// service checks them again on sending.
fn answer_forms(
    viewer: &Viewer,
    who: &SignedIn,
    place: Place<'_>,
    shown: &Shown,
    ours: &[&ActionView],
    answering: Option<&Answering>,
) -> Markup {
    let cosigned = ours.iter().any(|a| a.kind == ActionKind::Cosign);
    let offered: Vec<ActionKind> = KINDS
        .into_iter()
        .filter(|k| actions::allowed(&who.staff, *k))
        .filter(|k| crate::services::remote_actions::check_open(shown.status, *k, false).is_ok())
        .filter(|k| *k != ActionKind::Cosign || !(shown.own || cosigned))
        .collect();
    let empty = Values {
        language: viewer.lang.code().to_string(),
        ..Values::default()
    };
    html! {
        @if cosigned { p id="cosigned" { (viewer.t("answer-cosigned")) } }
        @if offered.is_empty() {
            p.meta id="no-answers" { (viewer.t("answer-none-possible")) }
        } @else {
            h3 { (viewer.t("answer-give")) }
            @for kind in offered {
                @let again = answering.filter(|a| a.kind == kind);
                details.answer id=(format!("answer-{kind}")) open[again.is_some()] {
                    summary { (viewer.t(&format!("answer-kind-{kind}"))) }
                    form method="post" action=(place.answers_path()) {
                        input type="hidden" name="form_token" value=(who.form_token);
                        input type="hidden" name="kind" value=(kind);
                        @let values = again.map_or(&empty, |a| &a.values);
                        @let errors = again.map(|a| &a.errors);
                        (answer_fields(viewer, kind, kind.as_str(), values, errors, true))
                        p { button type="submit" { (viewer.t(&format!("answer-send-{kind}"))) } }
                    }
                }
            }
        }
    }
}

/// The translated message for a field the service or the page refused.
fn error_message(viewer: &Viewer, field: &str) -> String {
    let known = [
        "content",
        "due",
        "addressee",
        "support_type",
        "outcome",
        "shareable",
        "kind",
    ];
    let base = field.split(['.', '[']).next().unwrap_or(field);
    if known.contains(&base) {
        viewer.t(&format!("answer-error-{}", base.replace('_', "-")))
    } else {
        viewer.t("answer-error-other")
    }
}

/// The fields a kind of answer has; `prefix` keeps ids apart when one page
/// holds several forms. `choose_language`: a new text may be in any of the
/// page's languages; a correction keeps the language it was written in.
fn answer_fields(
    viewer: &Viewer,
    kind: ActionKind,
    prefix: &str,
    values: &Values,
    errors: Option<&FieldErrors>,
    choose_language: bool,
) -> Markup {
    let id = |field: &str| format!("{prefix}-{field}");
    let error_of = |field: &str| {
        errors.and_then(|e| {
            e.0.iter()
                .find(|(f, _)| f.as_str() == field || f.starts_with(&format!("{field}.")))
                .map(|(f, detail)| (error_message(viewer, f), detail.clone()))
        })
    };
    let described = |field: &str, hint: bool| {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{prefix}-{field}-hint"));
        }
        if error_of(field).is_some() {
            ids.push(format!("{prefix}-{field}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let field_error = |field: &str| {
        html! {
            @if let Some((message, detail)) = error_of(field) {
                p.error id=(format!("{prefix}-{field}-error")) data-field=(field) {
                    (message)
                    @if message == viewer.t("answer-error-other") { " " span.meta lang="en" { (detail) } }
                }
            }
        }
    };
    let needs_text = matches!(kind, ActionKind::Statement | ActionKind::Report);
    let language = values.language(viewer);
    html! {
        @if let Some(errors) = errors.filter(|e| !e.is_empty()) {
            div.error-summary role="alert" id=(id("errors")) {
                p { strong { (viewer.t("answer-errors")) } }
                ul {
                    @for field in errors.0.keys() {
                        @let base = field.split(['.', '[']).next().unwrap_or(field);
                        li { a href=(format!("#{}", id(base))) { (error_message(viewer, field)) } }
                    }
                }
            }
        }
        @match kind {
            ActionKind::LetterSent => {
                p.field {
                    label for=(id("addressee")) { (viewer.t("answer-addressee")) }
                    input id=(id("addressee")) name="addressee" value=(values.addressee) required maxlength="300"
                        aria-invalid=[error_of("addressee").map(|_| "true")] aria-describedby=[described("addressee", false)];
                    (field_error("addressee"))
                }
            }
            ActionKind::Pledge => {
                p.field {
                    label for=(id("due")) { (viewer.t("answer-due")) }
                    input id=(id("due")) name="due" type="date" value=(values.due) required
                        aria-invalid=[error_of("due").map(|_| "true")] aria-describedby=[described("due", true)];
                    small.meta id=(id("due-hint")) { (viewer.t("answer-due-hint")) }
                    (field_error("due"))
                }
            }
            ActionKind::SupportOffer => {
                fieldset id=(id("support_type")) aria-invalid=[error_of("support_type").map(|_| "true")] aria-describedby=[described("support_type", false)] {
                    legend { (viewer.t("answer-support-type")) }
                    (field_error("support_type"))
                    @for t in <SupportType as strum::VariantNames>::VARIANTS {
                        label.choice {
                            input type="radio" name="support_type" value=(t) checked[values.support_type == *t] required;
                            " " (viewer.label("support-type", t))
                        }
                    }
                }
                p.meta { (viewer.t("answer-support-private")) }
            }
            ActionKind::Report => {
                fieldset id=(id("outcome")) aria-invalid=[error_of("outcome").map(|_| "true")] aria-describedby=[described("outcome", false)] {
                    legend { (viewer.t("answer-outcome")) }
                    (field_error("outcome"))
                    @for o in <ReportOutcome as strum::VariantNames>::VARIANTS {
                        label.choice {
                            input type="radio" name="outcome" value=(o) checked[values.outcome == *o] required;
                            " " (viewer.label("report-outcome", o))
                        }
                    }
                }
            }
            ActionKind::Cosign | ActionKind::Statement => {}
        }
        p.field {
            label for=(id("content")) {
                (viewer.t(if needs_text { "answer-text" } else { "answer-note" }))
            }
            textarea id=(id("content")) name="content" rows="4" maxlength="5000" required[needs_text]
                lang=(language) dir=(dir_of(&language))
                aria-invalid=[error_of("content").map(|_| "true")] aria-describedby=[described("content", false)] {
                (values.content)
            }
            (field_error("content"))
        }
        @if choose_language {
            p.field {
                label for=(id("language")) { (viewer.t("answer-language")) }
                select id=(id("language")) name="language" {
                    @for l in Lang::ALL {
                        option value=(l.code()) selected[l.code() == language] lang=(l.code()) { (viewer.texts.get(l, "language-name")) }
                    }
                }
            }
        } @else {
            input type="hidden" name="language" value=(language);
        }
        @if kind != ActionKind::SupportOffer {
            p {
                label.choice {
                    input id=(id("shareable")) type="checkbox" name="shareable" value="yes" checked[values.shareable]
                        aria-invalid=[error_of("shareable").map(|_| "true")] aria-describedby=[described("shareable", false)];
                    " " (viewer.t("answer-shareable"))
                }
                (field_error("shareable"))
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Answers

async fn answer_local(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    answer(state, viewer, jar, Place::Local(&id), form).await
}

async fn answer_network(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    answer(state, viewer, jar, Place::Network(&id), form).await
}

fn field<'f>(form: &'f [(String, String)], name: &str) -> &'f str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

async fn answer(
    state: AppState,
    mut viewer: Viewer,
    jar: CookieJar,
    place: Place<'_>,
    form: Vec<(String, String)>,
) -> Response {
    let back = place.view_path();
    let who = match signed_in_form(&state, &mut viewer, &jar, &back, field(&form, "form_token")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(kind) = field(&form, "kind").parse::<ActionKind>() else {
        let err = FieldErrors::single("kind", "one of the kinds of answer this page offers");
        return error_page(&viewer, err.into(), Some(&who));
    };
    let values = Values::from_form(&form);
    let mut errors = FieldErrors::default();
    let mut input = values.input(kind, &mut errors);
    input.kind = Some(kind);
    let text = values.content.trim();
    if !text.is_empty() {
        input.content = Some(LangMap::from([(values.language(&viewer), text.to_string())]));
    }
    if !errors.is_empty() {
        let again = Answering { kind, values, errors };
        return show(&state, &viewer, &who, place, None, Some(again)).await;
    }
    match actions::record(&state, &who.staff, on(place), input).await {
        Ok(action) => Redirect::to(&format!("{back}#answer-{}", action.id)).into_response(),
        Err(Error::Validation(errors)) => {
            let again = Answering { kind, values, errors };
            show(&state, &viewer, &who, place, None, Some(again)).await
        }
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

async fn correction_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let back = format!("/actions/{id}/correct");
    let who = match signed_in(&state, &mut viewer, &jar, &back).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let own = match actions::own(&state, &who.staff, &id).await {
        Ok(own) => own,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let values = Values::of(&own.view, &viewer);
    correction_form(&viewer, &who, &own, &values, None)
}

fn correction_form(
    viewer: &Viewer,
    who: &SignedIn,
    own: &actions::OwnAction,
    values: &Values,
    errors: Option<&FieldErrors>,
) -> Response {
    let a = &own.view;
    let heading = viewer.t_with(
        "answer-correct-heading",
        &[("kind", &viewer.label("response-kind", a.kind.as_str()))],
    );
    let status = if errors.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let back = page_of(&own.alert);
    viewer.respond(
        status,
        layout(
            viewer,
            &heading,
            Some(who),
            html! {
                h1 { (heading) }
                p { a href=(back) { (viewer.t("answer-back")) } }
                p.meta { (viewer.t_with("answer-recorded", &[("date", &viewer.date_time(a.published_at))])) }
                form id="correct" method="post" action=(format!("/actions/{}/correct", a.id)) {
                    input type="hidden" name="form_token" value=(who.form_token);
                    (answer_fields(viewer, a.kind, "correct", values, errors, false))
                    p { button type="submit" { (viewer.t("answer-correct-button")) } }
                }
                (retract_form(viewer, who, a))
            },
        ),
    )
}

async fn correct(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let back = format!("/actions/{id}/correct");
    let who = match signed_in_form(&state, &mut viewer, &jar, &back, field(&form, "form_token")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let own = match actions::own(&state, &who.staff, &id).await {
        Ok(own) => own,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let before = &own.view;
    let values = Values::from_form(&form);
    let mut errors = FieldErrors::default();
    let mut input = values.input(before.kind, &mut errors);
    // The text in its language is replaced (or removed, if emptied); texts
    // in other languages, sent through the API, stay as they are.
    let mut content = before.content.clone();
    let text = values.content.trim();
    let language = values.language(&viewer);
    let stored = content.get(&language).map(|t| plain_text(t));
    if stored.as_deref().map(str::trim) != Some(text) {
        if text.is_empty() {
            content.remove(&language);
        } else {
            content.insert(language, text.to_string());
        }
        input.content = Some(content);
    }
    // The same day is the same due date: it need not be in the future again.
    if let (Some(was), Some(now)) = (before.due, input.due)
        && was.date_naive() == now.date_naive()
    {
        input.due = None;
    }
    if !errors.is_empty() {
        return correction_form(&viewer, &who, &own, &values, Some(&errors));
    }
    match actions::correct(&state, &who.staff, &id, input).await {
        Ok(action) => Redirect::to(&format!("{}#answer-{}", page_of(&own.alert), action.id)).into_response(),
        Err(Error::Validation(errors)) => correction_form(&viewer, &who, &own, &values, Some(&errors)),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    form_token: String,
}

async fn retract(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    let back = format!("/actions/{id}/correct");
    let who = match signed_in_form(&state, &mut viewer, &jar, &back, &form.form_token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let own = match actions::own(&state, &who.staff, &id).await {
        Ok(own) => own,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    match actions::retract(&state, &who.staff, &id).await {
        Ok(()) => Redirect::to(&format!("{}#your-answers", page_of(&own.alert))).into_response(),
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}
