//! The dashboard at `/`: what needs attention now, then every alert the staff
//! member may see, ours and the network's, most urgent first, with filters (a
//! GET form, so that a filtered list can be bookmarked) and pages. Signed
//! out, `/` is the sign-in form, which comes back here.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use maud::{Markup, PreEscaped, html};

use super::{Viewer, error_page, layout, signed_in_or_not};
use crate::domain::vocab::{AlertStatus, BusinessSector, Right, Urgency, ViolationType};
use crate::i18n::Lang;
use crate::services::dashboard::{
    self, Attention, DashboardFilter, DashboardItem, DashboardPage, DashboardParams, GroupChoice, OrgChoice, Origin,
    Rejected, Source,
};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/", get(dashboard_page))
}

/// What only this page needs; logical properties, so that Arabic mirrors.
const DASHBOARD_STYLE: &str = "#filters summary{cursor:pointer;font-weight:bold}\
#filters .fields{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.5rem 1rem}\
#filters label{display:block;font-size:.9rem}#filters select,#filters input{width:100%;box-sizing:border-box;\
max-width:100%;padding:.25rem}#filters .actions{margin-block:.75rem}\
#dashboard-list{list-style:none;padding:0;margin:0}\
#dashboard-list li{border-block-start:1px solid #ddd;padding-block:.6rem;overflow-wrap:anywhere}\
.alert-title{font-size:1.05rem;font-weight:600}.tags{display:flex;flex-wrap:wrap;gap:.25rem .5rem;font-size:.85rem}\
.tag{border:1px solid #999;border-radius:.25rem;padding:0 .3rem}\
.u-immediate{background:#8b0000;color:#fff;border-color:#8b0000}.u-expected{background:#fde2b0}\
.overdue{color:#a00;font-weight:bold}#attention{border:2px solid #b35c00;border-radius:.4rem;padding:.25rem 1rem;\
margin-block:1rem}#attention h2{margin-block:.25rem}nav.paging{display:flex;gap:1rem;margin-block:1rem;flex-wrap:wrap}\
.also{font-size:.85rem;color:#555}";

async fn dashboard_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    Query(params): Query<DashboardParams>,
) -> Response {
    let who = match signed_in_or_not(&state, &mut viewer, &jar).await {
        Ok(Some(who)) => who,
        Ok(None) => return super::session::login_form(&viewer, "/", None, StatusCode::OK),
        Err(response) => return response,
    };
    let staff = &who.staff;
    let (filter, mut rejected) = dashboard::parse_filter(&params);
    let page = match dashboard::list(&state, staff, &filter).await {
        Ok(p) => p,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    rejected.extend(page.rejected.iter().cloned());
    // What needs attention is on the first page only (and only that counts
    // as a look at the dashboard).
    let attention = if filter.page == 1 {
        match dashboard::attention(&state, staff).await {
            Ok(a) => Some(a),
            Err(e) => return error_page(&viewer, e, Some(&who)),
        }
    } else {
        None
    };
    let (orgs, groups) = match dashboard::choices(&state, staff).await {
        Ok(c) => c,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let title = viewer.t("dash-title");
    let body = html! {
        style { (PreEscaped(DASHBOARD_STYLE)) }
        h1 { (title) }
        @if let Some(attention) = &attention { (attention_section(&viewer, attention)) }
        (filters_form(&viewer, &params, &filter, &rejected, &orgs, &groups))
        (alert_list(&viewer, &page, &filter, state.clock.now()))
    };
    viewer.respond(StatusCode::OK, layout(&viewer, &title, Some(&who), body))
}

fn alert_link(origin: Origin, id: &str) -> String {
    match origin {
        Origin::Own => format!("/alerts/{id}/view"),
        Origin::Network => format!("/network/alerts/{id}/view"),
    }
}

/// The language a title is shown in, and the other languages it has.
fn title_languages<'m>(viewer: &Viewer, titles: &'m crate::domain::LangMap) -> (&'m str, Vec<&'m str>) {
    let shown = [viewer.lang.code(), "en"]
        .into_iter()
        .find_map(|l| titles.get_key_value(l).map(|(k, _)| k.as_str()))
        .or_else(|| titles.keys().next().map(String::as_str))
        .unwrap_or_default();
    let others = titles.keys().map(String::as_str).filter(|l| *l != shown).collect();
    (shown, others)
}

/// A language's name in itself, or its tag for one the pages do not speak.
fn language_name(viewer: &Viewer, tag: &str) -> String {
    match Lang::from_tag(tag) {
        Some(lang) => viewer.texts.get(lang, "language-name"),
        None => tag.to_string(),
    }
}

fn attention_section(viewer: &Viewer, attention: &Attention) -> Markup {
    html! {
        section id="attention" aria-labelledby="attention-heading" {
            h2 id="attention-heading" { (viewer.t("dash-attention")) }
            @if attention.is_empty() {
                p.meta id="attention-none" { (viewer.t("dash-attention-none")) }
            }
            @if attention.new_responses > 0 {
                p id="attention-responses" data-count=(attention.new_responses) {
                    (viewer.t_with("dash-new-responses", &[
                        ("count", &viewer.number(attention.new_responses)),
                        ("since", &attention.since.map(|s| viewer.date_time(s)).unwrap_or_default()),
                    ]))
                }
            }
            @if !attention.in_review.is_empty() {
                h3 { (viewer.t("dash-attention-review")) }
                ul id="attention-review" {
                    @for a in &attention.in_review {
                        li data-number=(a.number) {
                            a href=(alert_link(Origin::Own, &a.id)) { (a.number) " — " (viewer.pick(&a.titles)) }
                            " " span.meta { (viewer.t_with("dash-submitted", &[("date", &viewer.date(a.updated_at))])) }
                        }
                    }
                }
            }
            @if !attention.overdue_pledges.is_empty() {
                h3 { (viewer.t("dash-attention-pledges")) }
                ul id="attention-pledges" {
                    @for p in &attention.overdue_pledges {
                        @let number = p.alert_number.clone().unwrap_or_else(|| viewer.t("dash-unknown-alert"));
                        @let due = p.due.map(|d| viewer.date(d)).unwrap_or_default();
                        li data-number=[p.alert_number.as_deref()] {
                            @match &p.alert {
                                Some((origin, id)) => a href=(alert_link(*origin, id)) { (number) },
                                None => span { (number) },
                            }
                            " " span.overdue { (viewer.t_with("dash-pledge-due", &[("date", &due)])) }
                        }
                    }
                }
            }
            @if !attention.expiring.is_empty() {
                h3 { (viewer.t_with("dash-attention-expiring", &[("days", &viewer.number(dashboard::EXPIRY_WARNING_DAYS))])) }
                ul id="attention-expiring" {
                    @for a in &attention.expiring {
                        li data-number=(a.number) {
                            a href=(alert_link(Origin::Own, &a.id)) { (a.number) " — " (viewer.pick(&a.titles)) }
                            @if let Some(expires) = a.expires {
                                " " span.overdue { (viewer.t_with("dash-expires", &[("date", &viewer.date(expires))])) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A `select` of a vocabulary, its options labelled in the viewer's language.
fn vocabulary_select(
    viewer: &Viewer,
    name: &str,
    label_key: &str,
    prefix: &str,
    variants: &[&str],
    chosen: Option<&str>,
    invalid: bool,
) -> Markup {
    let id = format!("filter-{name}");
    html! {
        div {
            label for=(id) { (viewer.t(label_key)) }
            select id=(id) name=(name) aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then_some("filter-errors")] {
                option value="" { (viewer.t("dash-any")) }
                @for v in variants {
                    option value=(v) selected[chosen == Some(*v)] { (viewer.label(prefix, v)) }
                }
            }
        }
    }
}

fn filter_active(filter: &DashboardFilter) -> bool {
    DashboardFilter {
        page: 1,
        ..filter.clone()
    } != DashboardFilter {
        page: 1,
        ..Default::default()
    }
}

fn rejected_field_label(viewer: &Viewer, field: &str) -> String {
    viewer.t(match field {
        "source" => "dash-filter-source",
        "status" => "dash-filter-status",
        "country" => "dash-filter-country",
        "violation" => "dash-filter-violation",
        "right" => "dash-filter-right",
        "sector" => "dash-filter-sector",
        "urgency" => "dash-filter-urgency",
        "group" => "dash-filter-group",
        "org" => "dash-filter-org",
        "q" => "dash-filter-text",
        _ => "dash-filter-page",
    })
}

fn filters_form(
    viewer: &Viewer,
    params: &DashboardParams,
    filter: &DashboardFilter,
    rejected: &[Rejected],
    orgs: &[OrgChoice],
    groups: &[GroupChoice],
) -> Markup {
    let bad = |field: &str| rejected.iter().any(|r| r.field == field);
    let text_value = |v: &Option<String>| v.clone().unwrap_or_default();
    let open = filter_active(filter) || !rejected.is_empty();
    html! {
        @if !rejected.is_empty() {
            div.error id="filter-errors" role="alert" {
                p { (viewer.t("dash-filter-errors")) }
                ul {
                    @for r in rejected {
                        li data-field=(r.field) {
                            (viewer.t_with("dash-filter-unknown", &[("field", &rejected_field_label(viewer, r.field)), ("value", &r.value)]))
                        }
                    }
                }
            }
        }
        details id="filters" open[open] {
            summary { (viewer.t("dash-filters")) }
            form method="get" action="/" role="search" aria-label=(viewer.t("dash-filters")) {
                fieldset {
                    legend { (viewer.t("dash-filter-source")) }
                    @for (value, key, chosen) in [
                        ("all", "dash-source-all", filter.source == Source::All),
                        ("own", "dash-source-own", filter.source == Source::Own),
                        ("network", "dash-source-network", filter.source == Source::Network),
                    ] {
                        label style="display:inline-block;margin-inline-end:1rem" {
                            input type="radio" name="source" value=(value) checked[chosen]; " " (viewer.t(key))
                        }
                    }
                }
                div.fields {
                    div {
                        label for="filter-q" { (viewer.t("dash-filter-text")) }
                        input id="filter-q" name="q" type="search" value=(text_value(&params.q)) maxlength="200"
                            aria-invalid=[bad("q").then_some("true")];
                    }
                    (vocabulary_select(viewer, "status", "dash-filter-status", "status",
                        <AlertStatus as strum::VariantNames>::VARIANTS, filter.status.map(|s| s.as_str()), bad("status")))
                    (vocabulary_select(viewer, "urgency", "dash-filter-urgency", "urgency",
                        <Urgency as strum::VariantNames>::VARIANTS, filter.urgency.map(|s| s.as_str()), bad("urgency")))
                    div {
                        label for="filter-country" { (viewer.t("dash-filter-country")) }
                        input id="filter-country" name="country" value=(text_value(&params.country)) maxlength="2"
                            autocomplete="off" aria-describedby="filter-country-hint"
                            aria-invalid=[bad("country").then_some("true")];
                        small.meta id="filter-country-hint" { (viewer.t("dash-filter-country-hint")) }
                    }
                    (vocabulary_select(viewer, "violation", "dash-filter-violation", "violation-type",
                        <ViolationType as strum::VariantNames>::VARIANTS, filter.violation.map(|s| s.as_str()), bad("violation")))
                    (vocabulary_select(viewer, "right", "dash-filter-right", "right",
                        <Right as strum::VariantNames>::VARIANTS, filter.right.map(|s| s.as_str()), bad("right")))
                    (vocabulary_select(viewer, "sector", "dash-filter-sector", "business-sector",
                        <BusinessSector as strum::VariantNames>::VARIANTS, filter.sector.map(|s| s.as_str()), bad("sector")))
                    div {
                        label for="filter-group" { (viewer.t("dash-filter-group")) }
                        select id="filter-group" name="group" aria-invalid=[bad("group").then_some("true")] {
                            option value="" { (viewer.t("dash-any")) }
                            @for g in groups {
                                option value=(g.id) selected[filter.group.as_deref() == Some(g.id.as_str())] { (g.name) }
                            }
                        }
                    }
                    div {
                        label for="filter-org" { (viewer.t("dash-filter-org")) }
                        select id="filter-org" name="org" aria-invalid=[bad("org").then_some("true")] {
                            option value="" { (viewer.t("dash-any")) }
                            @for o in orgs {
                                option value=(o.value) selected[filter.org.as_deref() == Some(o.value.as_str())] {
                                    (o.name) @if let Some(host) = &o.host { " (" (host) ")" }
                                }
                            }
                        }
                    }
                }
                p.actions {
                    button type="submit" id="filter-submit" { (viewer.t("dash-filter-apply")) }
                    " "
                    a href="/" id="filter-clear" { (viewer.t("dash-filter-clear")) }
                }
            }
        }
    }
}

/// The query of this list with another page number (the filters kept).
fn page_link(filter_query: &[(&str, String)], page: i64) -> String {
    let mut pairs: Vec<(&str, String)> = filter_query.to_vec();
    if page > 1 {
        pairs.push(("page", page.to_string()));
    }
    if pairs.is_empty() {
        return "/".into();
    }
    format!(
        "/?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    )
}

/// The filters as query pairs, for the paging links.
fn filter_query(filter: &DashboardFilter) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    match filter.source {
        Source::All => {}
        Source::Own => pairs.push(("source", "own".to_string())),
        Source::Network => pairs.push(("source", "network".to_string())),
    }
    let mut add = |name: &'static str, value: Option<String>| {
        if let Some(v) = value {
            pairs.push((name, v));
        }
    };
    add("status", filter.status.map(|v| v.as_str().into()));
    add("country", filter.country.clone());
    add("violation", filter.violation.map(|v| v.as_str().into()));
    add("right", filter.right.map(|v| v.as_str().into()));
    add("sector", filter.sector.map(|v| v.as_str().into()));
    add("urgency", filter.urgency.map(|v| v.as_str().into()));
    add("group", filter.group.clone());
    add("org", filter.org.clone());
    add("q", filter.text.clone());
    pairs
}

fn alert_list(viewer: &Viewer, page: &DashboardPage, filter: &DashboardFilter, now: DateTime<Utc>) -> Markup {
    let pages = (page.total + page.page_size - 1) / page.page_size;
    let query = filter_query(filter);
    html! {
        section aria-labelledby="list-heading" {
            h2 id="list-heading" { (viewer.t("dash-list")) }
            p.meta id="list-summary" data-total=(page.total) aria-live="polite" {
                @if page.total == 0 {
                    (viewer.t("dash-list-empty"))
                } @else {
                    (viewer.t_with("dash-list-summary", &[
                        ("total", &viewer.number(page.total)),
                        ("page", &viewer.number(page.page)),
                        ("pages", &viewer.number(pages.max(1))),
                    ]))
                }
            }
            ol id="dashboard-list" {
                @for item in &page.items { (alert_row(viewer, item, now)) }
            }
            @if page.page > 1 || page.has_next() {
                nav.paging aria-label=(viewer.t("dash-paging")) {
                    @if page.page > 1 {
                        a rel="prev" id="page-prev" href=(page_link(&query, page.page - 1)) { (viewer.t("dash-page-prev")) }
                    }
                    @if page.has_next() {
                        a rel="next" id="page-next" href=(page_link(&query, page.page + 1)) { (viewer.t("dash-page-next")) }
                    }
                }
            }
        }
    }
}

fn alert_row(viewer: &Viewer, item: &DashboardItem, now: DateTime<Utc>) -> Markup {
    let (shown, others) = title_languages(viewer, &item.titles);
    let title = item.titles.get(shown).map(String::as_str).unwrap_or_default();
    let source = match item.origin {
        Origin::Own => "own",
        Origin::Network => "network",
    };
    html! {
        li.alert-row data-source=(source) data-number=(item.number) data-urgency=(item.urgency.as_str()) {
            div.tags {
                span class={ "tag u-" (item.urgency.as_str()) } { (viewer.label("urgency", item.urgency.as_str())) }
                span.tag { (viewer.label("severity", item.severity.as_str())) }
                span.tag { (viewer.label("status", item.status.as_str())) }
                span { (item.number) }
            }
            a.alert-title href=(alert_link(item.origin, &item.id)) lang=(shown) dir="auto" {
                @if title.is_empty() { (item.number) } @else { (title) }
            }
            @if !others.is_empty() {
                div.also {
                    (viewer.t("dash-also-in")) " "
                    @for (i, l) in others.iter().enumerate() {
                        @if i > 0 { ", " }
                        span lang=(l) { (language_name(viewer, l)) }
                    }
                }
            }
            div.meta {
                span.org { (item.org_name) }
                @if let Some(host) = &item.host { " · " span.host { (host) } }
                @if !item.country.is_empty() { " · " span.country data-code=(item.country) { (viewer.country(&item.country)) } }
                @if let Some(d) = item.next_deadline {
                    " · "
                    span.deadline.overdue[d < now] { (viewer.t_with("dash-deadline", &[("date", &viewer.date(d))])) }
                }
                " · " span.updated { (viewer.t_with("dash-updated", &[("date", &viewer.date(item.updated_at))])) }
                " · " span.responses data-count=(item.responses) {
                    (viewer.t_with("dash-responses", &[("count", &viewer.number(item.responses))]))
                }
            }
        }
    }
}
