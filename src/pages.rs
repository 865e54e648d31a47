//! Public pages: what a browser gets at an organisation's or a public
//! alert's URL (the same URL other servers fetch the ActivityStreams
//! document from; `request::prefers_html` tells them apart), in English,
//! Arabic, French or Spanish. They show only what `services::public_profile`
//! says is public, run no script, and carry the staff pages' headers.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::domain::LangMap;
use crate::error::Error;
use crate::i18n::{Lang, Texts};
use crate::services::public_profile::{self, AlertPage};
use crate::state::AppState;

/// Logical properties (`inline-start`…) so that Arabic pages mirror.
const STYLE: &str = "body{font-family:system-ui,'Noto Sans','Noto Sans Arabic',sans-serif;max-width:48rem;\
margin:0 auto;padding:0 1rem 2rem;line-height:1.6;color:#1a1a1a}\
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;border-bottom:1px solid #ccc;padding:.75rem 0}\
header .site{font-weight:bold}nav.languages{margin-inline-start:auto;font-size:.95rem}\
nav.languages a,nav.languages span{margin-inline-start:.6rem}nav.languages span{font-weight:bold}\
.meta{color:#555}dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:1rem 0}\
dl.facts dt{font-weight:bold}dl.facts dd{margin:0}ul.alerts{list-style:none;padding:0}\
ul.alerts li{border-top:1px solid #eee;padding:.6rem 0}.status{display:inline-block;padding:0 .4rem;\
border-radius:.25rem;background:#eef;font-size:.9rem}.urgency-immediate{background:#fdd}\
.handle{font-family:monospace;overflow-wrap:anywhere}.content{overflow-wrap:anywhere}\
section.action{border-inline-start:3px solid #ccd;padding-inline-start:.75rem;margin:1rem 0}\
@media (max-width:30rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}h1{font-size:1.5rem}}";

/// The language of this request and the words in it.
struct Page<'a> {
    lang: Lang,
    texts: &'a Texts,
    /// The page's own path, for the language switcher.
    path: String,
}

impl Page<'_> {
    fn t(&self, key: &str) -> String {
        self.texts.get(self.lang, key)
    }

    /// A vocabulary value's label: `{prefix}-{value}` in the Fluent files.
    fn label(&self, prefix: &str, value: &str) -> String {
        self.t(&format!("{prefix}-{value}"))
    }

    /// The text of a language map in the page's language, else English, else
    /// its first language; with the language it is in.
    fn pick<'m>(&self, map: &'m LangMap) -> Option<(&'m str, &'m str)> {
        map.get_key_value(self.lang.code())
            .or_else(|| map.get_key_value("en"))
            .or_else(|| map.iter().next())
            .map(|(lang, text)| (lang.as_str(), text.as_str()))
    }

    fn date(&self, at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%d").to_string()
    }

    fn layout(&self, title: &str, body: Markup) -> Markup {
        html! {
            (DOCTYPE)
            html lang=(self.lang.code()) dir=(self.lang.dir()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · " (self.t("site-name")) }
                    style { (PreEscaped(STYLE)) }
                }
                body {
                    header {
                        span.site { (self.t("site-name")) }
                        (crate::web::language_switcher(self.texts, self.lang, |lang| format!("{}?lang={}", self.path, lang.code())))
                    }
                    main { (body) }
                }
            }
        }
    }
}

fn respond(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup).into_response();
    let headers = response.headers_mut();
    crate::web::secure_page_headers(headers);
    // The same URL answers ActivityStreams JSON to other servers.
    headers.insert(header::VARY, HeaderValue::from_static("Accept, Accept-Language"));
    response
}

fn page<'a>(state: &'a AppState, path: String, asked: Option<&str>, headers: &HeaderMap) -> Page<'a> {
    let accept_language = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    Page {
        lang: crate::i18n::negotiate(asked, accept_language),
        texts: &state.texts,
        path,
    }
}

/// A page for a failure: "not found" says no more than that; anything else
/// is logged and said plainly.
fn error_page(page: &Page, err: Error) -> Response {
    let status = err.status_code();
    if status.is_server_error() {
        tracing::error!(error = %err, "public page failed");
    }
    let title = page.t("not-found-title");
    respond(
        status,
        page.layout(&title, html! { h1 { (title) } p { (page.t("not-found-text")) } }),
    )
}

/// `GET /orgs/{slug}` for a browser.
pub async fn org_page(state: &AppState, slug: &str, asked: Option<&str>, headers: &HeaderMap) -> Response {
    let page = page(state, format!("/orgs/{slug}"), asked, headers);
    let org = match public_profile::org(state, slug).await {
        Ok(org) => org,
        Err(err) => return error_page(&page, err),
    };
    let handle = format!("@{}@{}", org.slug, state.config.domain);
    let markup = page.layout(
        &org.name,
        html! {
            h1 { bdi { (org.name) } }
            p.meta { (page.t("org-kind")) }
            @if !org.summary.is_empty() {
                p id="org-summary" dir="auto" style="white-space:pre-line" { (org.summary) }
            }
            @if !org.languages.is_empty() {
                p {
                    (page.t("org-languages")) ": "
                    @for (i, tag) in org.languages.iter().filter_map(|t| crate::i18n::Lang::from_tag(t)).enumerate() {
                        @if i > 0 { " · " }
                        span lang=(tag.code()) { (page.texts.get(tag, "language-name")) }
                    }
                }
            }
            p { (page.texts.get_with(page.lang, "org-follow-hint", &[("handle", &handle)])) }
            h2 { (page.t("org-public-alerts")) }
            @if org.alerts.is_empty() {
                p { (page.t("org-no-public-alerts")) }
            } @else {
                ul.alerts {
                    @for alert in &org.alerts {
                        li {
                            @let (lang, title) = page.pick(&alert.title).unwrap_or(("", ""));
                            a href=(format!("/alerts/{}?lang={}", alert.id, page.lang.code())) lang=(lang) dir="auto" { (title) }
                            br;
                            span.meta { (alert.number) " · " (page.date(alert.published)) " · " }
                            span.status { (page.label("status", alert.status.as_str())) }
                            " "
                            span class=(format!("status urgency-{}", alert.urgency.as_str())) {
                                (page.label("urgency", alert.urgency.as_str()))
                            }
                        }
                    }
                }
            }
        },
    );
    respond(StatusCode::OK, markup)
}

/// `GET /alerts/{id}` for a browser.
pub async fn alert_page(state: &AppState, id: &str, asked: Option<&str>, headers: &HeaderMap) -> Response {
    let page = page(state, format!("/alerts/{id}"), asked, headers);
    let alert = match public_profile::alert(state, id).await {
        Ok(AlertPage::Shown(alert)) => alert,
        Ok(AlertPage::Withdrawn) => {
            let title = page.t("alert-withdrawn-title");
            return respond(
                StatusCode::GONE,
                page.layout(&title, html! { h1 { (title) } p { (page.t("alert-withdrawn-text")) } }),
            );
        }
        Err(err) => return error_page(&page, err),
    };
    let (title_lang, title) = page.pick(&alert.title).unwrap_or(("", ""));
    let other_language = title_lang != page.lang.code();
    let country = page.texts.country(page.lang, &alert.country);
    let markup = page.layout(
        title,
        html! {
            h1 lang=(title_lang) dir="auto" { (title) }
            p.meta { (alert.number) }
            @if other_language { p.meta { (page.t("alert-other-language")) } }
            dl.facts {
                dt { (page.t("alert-published-by")) }
                dd { a href=(format!("/orgs/{}?lang={}", alert.org_slug, page.lang.code())) dir="auto" { (alert.org_name) } }
                dt { (page.t("alert-status")) }
                dd { span.status { (page.label("status", alert.status.as_str())) } }
                dt { (page.t("alert-urgency")) }
                dd { span class=(format!("status urgency-{}", alert.urgency.as_str())) { (page.label("urgency", alert.urgency.as_str())) } }
                dt { (page.t("alert-country")) }
                dd { (country) }
                dt { (page.t("alert-published")) }
                dd { time datetime=(alert.published.to_rfc3339()) { (page.date(alert.published)) } }
                dt { (page.t("alert-updated")) }
                dd { time datetime=(alert.updated.to_rfc3339()) { (page.date(alert.updated)) } }
            }
            @if let Some((lang, summary)) = page.pick(&alert.summary) {
                h2 { (page.t("alert-summary")) }
                p lang=(lang) dir="auto" { (summary) }
            }
            @if let Some((lang, body)) = page.pick(&alert.body) {
                h2 { (page.t("alert-details")) }
                // Sanitised when written; cleaned again so that a page never
                // depends on what an older version let through.
                div.content lang=(lang) dir="auto" { (PreEscaped(crate::domain::html::for_page(body))) }
            }
            @if !alert.requested_actions.is_empty() {
                h2 { (page.t("alert-requested-actions")) }
                @for action in &alert.requested_actions {
                    section.action {
                        h3 { (page.label("action-kind", action.kind.as_str())) }
                        @if let Some((lang, description)) = page.pick(&action.description) {
                            p lang=(lang) { (description) }
                        }
                        @if !action.addressees.is_empty() {
                            p {
                                strong { (page.t("alert-addressees")) ": " }
                                @for (i, addressee) in action.addressees.iter().enumerate() {
                                    @if i > 0 { "; " }
                                    (addressee.name)
                                    @if let Some(institution) = &addressee.institution { ", " (institution) }
                                }
                            }
                        }
                        @if let Some(deadline) = action.deadline {
                            p { strong { (page.t("alert-deadline")) ": " } time datetime=(deadline.to_rfc3339()) { (page.date(deadline)) } }
                        }
                        @if let Some((lang, text)) = page.pick(&action.model_text) {
                            details {
                                summary { (page.t("alert-model-text")) }
                                p.content lang=(lang) style="white-space:pre-wrap" { (text) }
                            }
                        }
                    }
                }
            }
        },
    );
    respond(StatusCode::OK, markup)
}
