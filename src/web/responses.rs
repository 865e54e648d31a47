//! An alert's collective response and its sign-on letter, as a page and as
//! a plain-text document to send as is.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::{Viewer, error_page, layout, signed_in, urlencode};
use crate::i18n::Lang;
use crate::services::actions::{self, ActionView, On, Responses};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts/{id}/responses", get(responses_page))
        .route("/alerts/{id}/letter", get(letter_page))
        .route("/alerts/{id}/letter.txt", get(letter_download))
}

async fn responses_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, &format!("/alerts/{id}/responses")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let staff = &who.staff;
    let responses = match actions::responses(&state, staff, On::Local(&id)).await {
        Ok(r) => r,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let alert = match crate::services::alerts::get(&state, staff, &id).await {
        Ok(a) => a,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let heading = viewer.t_with("responses-heading", &[("number", &alert.number)]);
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &heading,
            Some(&who),
            html! {
                h1 { (heading) }
                p.title { (viewer.pick(&alert.content.title)) }
                p.meta { (viewer.t("responses-status")) ": " (viewer.label("status", alert.status.as_str())) }
                p { a href=(format!("/alerts/{id}/view")) { (viewer.t("alert-page-link")) } }
                (collective_response(&viewer, &responses, Some(&format!("/alerts/{id}/letter")), |_| true))
            },
        ),
    )
}

/// The collective response as the viewer may see it: the standing answers
/// counted by kind, who co-signed, the link to the sign-on letter (our own
/// alerts have one), and the answers `listed` picks.
pub(super) fn collective_response(
    viewer: &Viewer,
    responses: &Responses,
    letter: Option<&str>,
    listed: impl Fn(&ActionView) -> bool,
) -> Markup {
    html! {
        section id="collective" aria-labelledby="collective-heading" {
            h2 id="collective-heading" { (viewer.t("responses-collective")) }
            table {
                @for (kind, n) in &responses.counts {
                    tr { th scope="row" { (viewer.label("response-kind", kind)) } td.count data-kind=(kind) { (viewer.number(n)) } }
                }
            }
            h3 { (viewer.t("responses-cosigned-by")) }
            @if responses.cosignatories.is_empty() { p.meta { (viewer.t("responses-none")) } }
            ul id="cosignatories" {
                @for s in &responses.cosignatories { li { (s.name) } }
            }
            @if let Some(letter) = letter {
                p { a href=(letter) { (viewer.t("responses-letter-link")) } }
            }
            h3 { (viewer.t("responses-list")) }
            @let shown: Vec<&ActionView> = responses.items.iter().filter(|a| listed(a)).collect();
            @if shown.is_empty() { p.meta id="no-responses" { (viewer.t("alert-no-answers")) } }
            @for a in shown {
                (action_article(viewer, a, None))
            }
            @if !responses.support_offers_visible {
                p.meta { (viewer.t("responses-offers-private")) }
            }
        }
    }
}

/// One organisation's answer, with what its kind carries, and `controls` for
/// the organisation's own staff.
pub(super) fn action_article(viewer: &Viewer, a: &ActionView, controls: Option<Markup>) -> Markup {
    html! {
        article.action id=(format!("answer-{}", a.id)) data-kind=(a.kind) data-id=(a.id) {
            p.meta {
                strong { (a.org_name) } " · " (viewer.label("response-kind", a.kind.as_str()))
                @if let Some(t) = a.support_type { " · " (viewer.label("support-type", t.as_str())) }
                @if let Some(o) = a.outcome { " · " (viewer.label("report-outcome", o.as_str())) }
                @if let Some(d) = a.due { " · " span.due { (viewer.t_with("response-due", &[("date", &viewer.date(d))])) } }
                @if let Some(s) = a.pledge_status { " · " span.pledge-status data-status=(s) { (viewer.label("pledge-status", s)) } }
                @if let Some(to) = &a.addressee { " · " (viewer.t_with("response-to", &[("addressee", to)])) }
                " · " time datetime=(a.published_at.to_rfc3339()) { (viewer.date_time(a.published_at)) }
            }
            @for (lang, text) in &a.content {
                // Stored sanitised; cleaned again here, so a page never
                // depends on what an older version let through.
                div.content.plain lang=(lang) dir=(Lang::from_tag(lang).map_or("auto", Lang::dir)) {
                    (PreEscaped(crate::domain::html::for_page(text)))
                }
            }
            @if let Some(controls) = controls { (controls) }
        }
    }
}

#[derive(Deserialize)]
struct LetterParam {
    /// The letter's language (`lang` is the page's).
    letter: Option<String>,
}

async fn letter_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(p): Query<LetterParam>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, &format!("/alerts/{id}/letter")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let letter_lang = p.letter.as_deref().or(Some(viewer.lang.code()));
    let letter = match actions::letter(&state, &who.staff, &id, letter_lang).await {
        Ok(l) => l,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let download = format!("/alerts/{id}/letter.txt?letter={}", urlencode(&letter.language));
    let language_name = |code: &str| {
        Lang::from_tag(code)
            .map(|l| viewer.texts.get(l, "language-name"))
            .unwrap_or_else(|| code.to_string())
    };
    let heading = viewer.t_with("letter-heading", &[("number", &letter.number)]);
    viewer.respond(
        StatusCode::OK,
        layout(
            &viewer,
            &heading,
            Some(&who),
            html! {
                h1 { (heading) }
                p.meta {
                    (viewer.t("letter-language")) ": " span lang=(letter.language) { (language_name(&letter.language)) }
                    @for l in &letter.languages {
                        @if *l != letter.language {
                            " · " a href=(format!("/alerts/{id}/letter?letter={}", urlencode(l))) lang=(l) hreflang=(l) { (language_name(l)) }
                        }
                    }
                    @if let Some(d) = letter.deadline { " · " (viewer.t_with("letter-send-by", &[("date", &d.format("%Y-%m-%d").to_string())])) }
                }
                section id="addressees" aria-label=(viewer.t("letter-addressees")) lang=(letter.language) {
                    @for a in &letter.addressees {
                        p { (a.name) @if let Some(i) = &a.institution { ", " (i) } }
                    }
                }
                div lang=(letter.language) dir=(Lang::from_tag(&letter.language).map_or("auto", Lang::dir)) {
                    h2 { (letter.title) }
                    div.letter id="body" { (letter.body) }
                }
                h2 { (viewer.t("letter-signed")) }
                ol id="signatories" {
                    li { (letter.signed_by) }
                    @for s in &letter.cosignatories { li { (s.name) } }
                }
                p { a id="download" href=(download) download { (viewer.t("letter-download")) } }
            },
        ),
    )
}

async fn letter_download(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(p): Query<LetterParam>,
) -> Response {
    let who = match signed_in(&state, &mut viewer, &jar, &format!("/alerts/{id}/letter")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match actions::letter(&state, &who.staff, &id, p.letter.as_deref()).await {
        Ok(letter) => {
            let filename = format!("{}-letter-{}.txt", letter.number, letter.language);
            (
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{filename}\""),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                letter.text,
            )
                .into_response()
        }
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}
