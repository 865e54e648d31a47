//! The shared analysis page (`/analysis`): how the alerts the viewer's
//! organisation may see fall under each dimension (violations, perpetrators,
//! sectors, companies, projects, financiers, rights, places, defenders,
//! months), with filters, each as a chart drawn by the node (plotters' SVG,
//! no script) beside the table of its numbers. Small numbers are protected
//! by the service (`services::analysis`); the page only shows what it gets.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum_extra::extract::CookieJar;
use maud::{Markup, PreEscaped, html};
use plotters::prelude::*;

use super::{Viewer, error_page, layout, signed_in};
use crate::domain::analysis::Dimension;
use crate::services::analysis::{self, Analysis, Breakdown, CrossTable, Filter, Practice, Protected, Shown};
use crate::services::analysis_export;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/analysis", get(analysis_page))
        .route("/analysis/export", get(export))
}

/// The vocabulary whose labels name a dimension's values, if it has one.
fn vocabulary(dimension: Dimension) -> Option<&'static str> {
    Some(match dimension {
        Dimension::Violation => "violation-type",
        Dimension::Perpetrator => "perpetrator-category",
        Dimension::Involvement => "involvement",
        Dimension::Sector => "business-sector",
        Dimension::Right => "right",
        Dimension::DefenderKind => "defender-kind",
        Dimension::RequestedAction => "requested-action-kind",
        Dimension::Outcome => "outcome",
        Dimension::TimeToOutcome => "analysis-span",
        _ => return None,
    })
}

/// A value as people read it, in the viewer's language.
pub(super) fn value_label(viewer: &Viewer, dimension: Dimension, value: &str) -> String {
    if value.is_empty() {
        return viewer.t("analysis-not-recorded");
    }
    if value == analysis::OTHER {
        return viewer.t("analysis-other");
    }
    if let Some(prefix) = vocabulary(dimension) {
        return viewer.label(prefix, value);
    }
    match dimension {
        Dimension::Country => viewer.country(value),
        Dimension::Region => match value.split_once('/') {
            Some((country, region)) => format!("{region} ({})", viewer.country(country)),
            None => value.to_string(),
        },
        Dimension::WomanDefender => viewer.t(&format!("analysis-woman-defender-{value}")),
        Dimension::Month => viewer.lang.digits(value),
        _ => value.to_string(),
    }
}

fn shown_text(viewer: &Viewer, shown: Shown, threshold: i64) -> String {
    match shown {
        Shown::Count(n) => viewer.number(n),
        Shown::Protected(Protected::Fewer) => format!("<{}", viewer.number(threshold)),
        Shown::Protected(Protected::Hidden) => viewer.t("analysis-hidden"),
    }
}

async fn analysis_page(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    RawQuery(query): RawQuery,
) -> Response {
    let back = format!("/analysis?{}", query.clone().unwrap_or_default());
    let who = match signed_in(&state, &mut viewer, &jar, &back).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let (filter, refused) = match Filter::parse(&pairs) {
        Ok(filter) => (filter, None),
        Err(crate::error::Error::Validation(errors)) => (Filter::default(), Some(errors)),
        Err(other) => return error_page(&viewer, other, Some(&who)),
    };
    let result = match analysis::analyse(&state, &who.staff, &filter).await {
        Ok(r) => r,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    // The table of two dimensions: sectors against violations unless chosen.
    let asked_table = pairs.iter().any(|(k, _)| k == "rows" || k == "columns");
    let (rows, columns) = match analysis::table_dimensions(&pairs) {
        Ok(dimensions) => dimensions,
        Err(_) => (Dimension::Sector, Dimension::Violation),
    };
    let table = match analysis::cross(&state, &who.staff, &filter, rows, columns).await {
        Ok(t) => Some(t),
        // The same dimension twice: say so where the table would be.
        Err(crate::error::Error::Validation(_)) if asked_table => None,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let practice = match analysis::practice(&state, &who.staff, &filter).await {
        Ok(p) => p,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    // The trend: a dimension month by month, violations unless chosen.
    let trend_dimension = pairs
        .iter()
        .find(|(k, _)| k == "trend")
        .and_then(|(_, v)| v.parse::<Dimension>().ok())
        .filter(|d| *d != Dimension::Month)
        .unwrap_or(Dimension::Violation);
    let trend = match analysis::cross(&state, &who.staff, &filter, Dimension::Month, trend_dimension).await {
        Ok(t) => t,
        Err(e) => return error_page(&viewer, e, Some(&who)),
    };
    let title = viewer.t("analysis-title");
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let body = html! {
        h1 { (title) }
        p { (viewer.t_with("analysis-intro", &[("threshold", &viewer.number(result.threshold))])) }
        p { a href="/analysis/network" { (viewer.t("org-aggregates-picture")) } }
        @if let Some(errors) = &refused {
            div.error-summary role="alert" {
                p { (viewer.t("analysis-filter-refused")) }
                ul { @for (field, message) in &errors.0 { li { span lang="en" { (field) ": " (message) } } } }
            }
        }
        (filter_form(&viewer, &filter, &result))
        p #analysis-total data-alerts=(serde_json::to_string(&result.alerts).unwrap_or_default()) {
            (viewer.t_with("analysis-total", &[("alerts", &shown_text(&viewer, result.alerts, result.threshold))]))
        }
        @if result.breakdowns.is_empty() {
            p.meta { (viewer.t_with("analysis-too-few", &[("threshold", &viewer.number(result.threshold))])) }
        }
        @if !result.breakdowns.is_empty() {
            (downloads(&viewer, &pairs, rows, columns))
            (trend_section(&viewer, &pairs, trend_dimension, &trend))
            (table_section(&viewer, &pairs, rows, columns, table.as_ref()))
            (practice_section(&viewer, &practice))
        }
        @for breakdown in &result.breakdowns {
            (breakdown_section(&viewer, breakdown, result.threshold))
        }
    };
    viewer.respond(status, layout(&viewer, &title, Some(&who), body))
}

/// The filters, as a form that sends itself with GET: choices offer the
/// values of the alerts counted now (and the one chosen), never raw keys.
fn filter_form(viewer: &Viewer, filter: &Filter, result: &Analysis) -> Markup {
    let chosen = |d: Dimension| -> Option<&str> {
        filter
            .having
            .iter()
            .find(|(dimension, _)| *dimension == d)
            .map(|(_, v)| v.as_str())
    };
    let offered = |d: Dimension| -> Vec<String> {
        let mut values: Vec<String> = result
            .breakdowns
            .iter()
            .filter(|b| b.dimension == d)
            .flat_map(|b| b.cells.iter().map(|c| c.value.clone()))
            .filter(|v| !v.is_empty())
            .collect();
        if let Some(v) = chosen(d) {
            values.push(v.to_string());
        }
        values.sort();
        values.dedup();
        values
    };
    let dimensions = [
        Dimension::Violation,
        Dimension::Perpetrator,
        Dimension::Involvement,
        Dimension::Sector,
        Dimension::Company,
        Dimension::Project,
        Dimension::Financier,
        Dimension::Right,
        Dimension::Country,
        Dimension::Region,
        Dimension::DefenderKind,
        Dimension::WomanDefender,
        Dimension::RequestedAction,
        Dimension::Outcome,
        Dimension::TimeToOutcome,
    ];
    html! {
        form.filters method="get" action="/analysis" {
            fieldset {
                legend { (viewer.t("analysis-filters")) }
                div.controls {
                    @for d in dimensions {
                        @let name = d.as_str();
                        div.field {
                            label for=(format!("filter-{name}")) { (viewer.t(&format!("analysis-dimension-{name}"))) }
                            select id=(format!("filter-{name}")) name=(name) {
                                option value="" { (viewer.t("analysis-any")) }
                                @for value in offered(d) {
                                    option value=(value) selected[chosen(d) == Some(value.as_str())] {
                                        (value_label(viewer, d, &value))
                                    }
                                }
                            }
                        }
                    }
                    div.field {
                        label for="filter-from" { (viewer.t("analysis-from")) }
                        input #filter-from type="month" name="from" value=(filter.from_month.clone().unwrap_or_default());
                    }
                    div.field {
                        label for="filter-to" { (viewer.t("analysis-to")) }
                        input #filter-to type="month" name="to" value=(filter.to_month.clone().unwrap_or_default());
                    }
                }
                div.controls {
                    button type="submit" { (viewer.t("analysis-apply")) }
                    a href="/analysis" { (viewer.t("analysis-clear")) }
                }
            }
        }
    }
}

fn breakdown_section(viewer: &Viewer, breakdown: &Breakdown, threshold: i64) -> Markup {
    let name = breakdown.dimension.as_str();
    let heading = viewer.t(&format!("analysis-dimension-{name}"));
    let mut cells: Vec<_> = breakdown.cells.iter().collect();
    if breakdown.dimension == Dimension::Month {
        // Time reads in its own order.
        cells.sort_by(|a, b| a.value.cmp(&b.value));
    }
    let drawn: Vec<(String, i64)> = cells
        .iter()
        .filter_map(|c| match c.alerts {
            // "Not recorded" is in the table; drawn, it would dwarf the rest.
            Shown::Count(n) if n > 0 && !c.value.is_empty() => {
                Some((value_label(viewer, breakdown.dimension, &c.value), n))
            }
            _ => None,
        })
        .collect();
    html! {
        section.analysis id=(format!("dimension-{name}")) {
            h2 { (heading) }
            @if cells.is_empty() {
                p.meta { (viewer.t("analysis-breakdown-hidden")) }
            } @else {
                div.chart-and-table {
                    @if let Some(svg) = bar_chart(&drawn) {
                        figure.chart dir="ltr" {
                            (PreEscaped(svg))
                            figcaption dir="auto" { (viewer.t("analysis-chart-caption")) }
                        }
                    }
                    table {
                        caption { (heading) }
                        thead { tr { th scope="col" { (viewer.t("analysis-value")) } th scope="col" { (viewer.t("analysis-alerts")) } } }
                        tbody {
                            @for c in &cells {
                                tr data-value=(c.value) {
                                    th scope="row" dir="auto" { (value_label(viewer, breakdown.dimension, &c.value)) }
                                    td.count data-alerts=(serde_json::to_string(&c.alerts).unwrap_or_default()) {
                                        (shown_text(viewer, c.alerts, threshold))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Two dimensions against each other, with a form to choose them that
/// keeps the filters.
fn table_section(
    viewer: &Viewer,
    pairs: &[(String, String)],
    rows: Dimension,
    columns: Dimension,
    table: Option<&CrossTable>,
) -> Markup {
    use strum::VariantArray;
    let choice = |name: &str, current: Dimension| {
        html! {
            div.field {
                label for=(format!("table-{name}")) { (viewer.t(&format!("analysis-table-{name}"))) }
                select id=(format!("table-{name}")) name=(name) {
                    @for d in Dimension::VARIANTS {
                        option value=(d.as_str()) selected[*d == current] { (viewer.t(&format!("analysis-dimension-{}", d.as_str()))) }
                    }
                }
            }
        }
    };
    html! {
        section.analysis #table {
            h2 { (viewer.t("analysis-table-title")) }
            p.meta { (viewer.t("analysis-table-intro")) }
            form method="get" action="/analysis" {
                @for (k, v) in pairs.iter().filter(|(k, _)| k != "rows" && k != "columns" && k != "lang") {
                    input type="hidden" name=(k) value=(v);
                }
                div.controls {
                    (choice("rows", rows))
                    (choice("columns", columns))
                    button type="submit" { (viewer.t("analysis-table-show")) }
                }
            }
            @match table {
                None => p.error role="alert" { (viewer.t("analysis-table-same")) },
                Some(table) if table.lines.is_empty() => p.meta { (viewer.t("analysis-breakdown-hidden")) },
                // Wider than a phone: it scrolls, and takes the keyboard's focus to.
                Some(table) => (cross_table(viewer, table, "cross-table")),
            }
        }
    }
}

/// A table of two dimensions, `id` naming it on the page. Wider than a
/// phone: it scrolls, and takes the keyboard's focus so that it can.
fn cross_table(viewer: &Viewer, table: &CrossTable, id: &str) -> Markup {
    let (rows, columns) = (table.rows, table.columns);
    let caption = format!("{id}-caption");
    html! {
        div.wide tabindex="0" role="region" aria-labelledby=(caption) {
            table id=(id) {
                caption id=(caption) {
                    (viewer.t(&format!("analysis-dimension-{}", rows.as_str()))) " × "
                    (viewer.t(&format!("analysis-dimension-{}", columns.as_str())))
                }
                thead {
                    tr {
                        th scope="col" { (viewer.t(&format!("analysis-dimension-{}", rows.as_str()))) }
                        @for value in &table.column_values {
                            th scope="col" dir="auto" { (value_label(viewer, columns, value)) }
                        }
                        th scope="col" { (viewer.t("analysis-table-total")) }
                    }
                }
                tbody {
                    @for line in &table.lines {
                        tr data-value=(line.value) {
                            th scope="row" dir="auto" { (value_label(viewer, rows, &line.value)) }
                            @for (value, cell) in table.column_values.iter().zip(&line.cells) {
                                td.count data-column=(value) data-alerts=(serde_json::to_string(cell).unwrap_or_default()) {
                                    (shown_text(viewer, *cell, table.threshold))
                                }
                            }
                            td.count.total { (shown_text(viewer, line.total, table.threshold)) }
                        }
                    }
                }
            }
        }
    }
}

/// Links that download what the page shows (and the records behind it),
/// with its filters, as CSV or JSON.
fn downloads(viewer: &Viewer, pairs: &[(String, String)], rows: Dimension, columns: Dimension) -> Markup {
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "rows" | "columns" | "lang" | "what" | "format" | "trend"))
        .cloned()
        .collect();
    let link = |what: &str, format: &str| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(&kept);
        query.append_pair("what", what);
        query.append_pair("format", format);
        if what == "table" {
            query.append_pair("rows", rows.as_str());
            query.append_pair("columns", columns.as_str());
        }
        format!("/analysis/export?{}", query.finish())
    };
    html! {
        section.analysis #downloads {
            h2 { (viewer.t("analysis-downloads")) }
            p.meta { (viewer.t("analysis-downloads-intro")) }
            ul {
                @for what in ["counts", "table", "practice", "records"] {
                    li {
                        (viewer.t(&format!("analysis-download-{what}"))) ": "
                        a href=(link(what, "csv")) download { "CSV" } " · "
                        a href=(link(what, "json")) download { "JSON" }
                    }
                }
            }
        }
    }
}

/// Downloads an export (`services::analysis_export`), written to the audit log.
async fn export(
    State(state): State<AppState>,
    mut viewer: Viewer,
    jar: CookieJar,
    RawQuery(query): RawQuery,
) -> Response {
    let back = format!("/analysis?{}", query.clone().unwrap_or_default());
    let who = match signed_in(&state, &mut viewer, &jar, &back).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let exported = match analysis_export::parse(&pairs) {
        Ok((contents, format)) => match Filter::parse(&pairs) {
            Ok(filter) => analysis_export::export(&state, &who.staff, &filter, contents, format).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match exported {
        Ok(export) => {
            use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
            use axum::response::IntoResponse;
            (
                [
                    (CONTENT_TYPE, export.content_type.to_string()),
                    (
                        CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}\"", export.file_name),
                    ),
                    (CACHE_CONTROL, "no-store".to_string()),
                ],
                export.body,
            )
                .into_response()
        }
        Err(e) => error_page(&viewer, e, Some(&who)),
    }
}

/// A practice as people read it.
fn practice_label(viewer: &Viewer, practice: &str) -> String {
    match practice.split_once(':') {
        Some(("support", v)) => viewer.t_with(
            "analysis-practice-support",
            &[("what", &viewer.label("support-type", v))],
        ),
        Some(("action", v)) => viewer.t_with(
            "analysis-practice-action",
            &[("what", &viewer.label("response-kind", v))],
        ),
        Some(("requested", v)) => viewer.t_with(
            "analysis-practice-requested",
            &[("what", &viewer.label("requested-action-kind", v))],
        ),
        _ => viewer.t("analysis-practice-all"),
    }
}

/// A cell of a practice line, with its share of the line when both are known.
fn share_text(viewer: &Viewer, cell: Shown, line: Shown, threshold: i64) -> String {
    match (cell, line) {
        (Shown::Count(n), Shown::Count(total)) if total > 0 && n > 0 => {
            format!(
                "{} ({}%)",
                viewer.number(n),
                viewer.number((n * 100 + total / 2) / total)
            )
        }
        _ => shown_text(viewer, cell, threshold),
    }
}

/// Protection practice: how closed alerts that used each practice ended,
/// and how long that took; two tables, the second by span of time.
fn practice_section(viewer: &Viewer, practice: &Practice) -> Markup {
    let t = practice.threshold;
    let table = |id: &str,
                 heading: String,
                 columns: Vec<String>,
                 cells: &dyn Fn(&analysis::PracticeLine) -> Vec<Shown>| {
        let caption = format!("{id}-caption");
        html! {
            div.wide tabindex="0" role="region" aria-labelledby=(caption) {
                table id=(id) {
                    caption id=(caption) { (heading) }
                    thead {
                        tr {
                            th scope="col" { (viewer.t("analysis-practice")) }
                            th scope="col" { (viewer.t("analysis-practice-closed")) }
                            @for c in &columns { th scope="col" { (c) } }
                        }
                    }
                    tbody {
                        @for line in &practice.lines {
                            @let shown = cells(line);
                            tr data-value=(line.practice) {
                                th scope="row" { (practice_label(viewer, &line.practice)) }
                                td.count.total data-alerts=(serde_json::to_string(&line.alerts).unwrap_or_default()) { (shown_text(viewer, line.alerts, t)) }
                                @if shown.is_empty() {
                                    td colspan=(columns.len()) { (viewer.t("analysis-practice-line-hidden")) }
                                } @else {
                                    @for cell in &shown {
                                        td.count data-alerts=(serde_json::to_string(cell).unwrap_or_default()) { (share_text(viewer, *cell, line.alerts, t)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let outcome_columns: Vec<String> = practice.outcomes.iter().map(|o| viewer.label("outcome", o)).collect();
    let span_columns: Vec<String> = practice
        .spans
        .iter()
        .map(|s| value_label(viewer, Dimension::TimeToOutcome, s))
        .collect();
    html! {
        section.analysis #practice {
            h2 { (viewer.t("analysis-practice-title")) }
            p.meta { (viewer.t("analysis-practice-intro")) }
            p #practice-closed data-alerts=(serde_json::to_string(&practice.closed).unwrap_or_default()) {
                (viewer.t_with("analysis-practice-counted", &[("alerts", &shown_text(viewer, practice.closed, t))]))
            }
            @if practice.lines.is_empty() {
                p.meta { (viewer.t_with("analysis-too-few", &[("threshold", &viewer.number(t))])) }
            } @else {
                (table("practice-outcomes", viewer.t("analysis-practice-outcomes"), outcome_columns, &|l| l.outcomes.clone()))
                (table("practice-spans", viewer.t("analysis-practice-spans"), span_columns, &|l| l.spans.clone()))
            }
        }
    }
}

/// One dimension month by month: a line per value (the five most frequent
/// with counts shown), drawn beside the table of its numbers.
fn trend_section(viewer: &Viewer, pairs: &[(String, String)], dimension: Dimension, table: &CrossTable) -> Markup {
    use strum::VariantArray;
    // The five values with most alerts shown over the months.
    let mut totals: Vec<(usize, i64)> = (0..table.column_values.len())
        .filter(|&c| !table.column_values[c].is_empty())
        .map(|c| {
            let sum = table
                .lines
                .iter()
                .map(|l| match l.cells.get(c) {
                    Some(Shown::Count(n)) => *n,
                    _ => 0,
                })
                .sum();
            (c, sum)
        })
        .filter(|(_, sum)| *sum > 0)
        .collect();
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    totals.truncate(5);
    let mut months: Vec<&str> = table
        .lines
        .iter()
        .map(|l| l.value.as_str())
        .filter(|m| !m.is_empty())
        .collect();
    months.sort();
    let series: Vec<(String, Vec<Option<i64>>)> = totals
        .iter()
        .map(|&(c, _)| {
            let points = months
                .iter()
                .map(|m| {
                    table
                        .lines
                        .iter()
                        .find(|l| l.value == *m)
                        .and_then(|l| match l.cells.get(c) {
                            Some(Shown::Count(n)) => Some(*n),
                            _ => None,
                        })
                })
                .collect();
            (value_label(viewer, dimension, &table.column_values[c]), points)
        })
        .collect();
    let months_shown: Vec<String> = months.iter().map(|m| viewer.lang.digits(m)).collect();
    html! {
        section.analysis #trend {
            h2 { (viewer.t("analysis-trend-title")) }
            p.meta { (viewer.t("analysis-trend-intro")) }
            form method="get" action="/analysis" {
                @for (k, v) in pairs.iter().filter(|(k, _)| k != "trend" && k != "lang") {
                    input type="hidden" name=(k) value=(v);
                }
                div.controls {
                    div.field {
                        label for="trend-dimension" { (viewer.t("analysis-trend-of")) }
                        select #trend-dimension name="trend" {
                            @for d in Dimension::VARIANTS.iter().filter(|d| **d != Dimension::Month) {
                                option value=(d.as_str()) selected[*d == dimension] { (viewer.t(&format!("analysis-dimension-{}", d.as_str()))) }
                            }
                        }
                    }
                    button type="submit" { (viewer.t("analysis-trend-show")) }
                }
            }
            @if table.lines.is_empty() {
                p.meta { (viewer.t("analysis-breakdown-hidden")) }
            } @else {
                @if let Some(svg) = line_chart(&months_shown, &series) {
                    figure.chart.trend dir="ltr" {
                        (PreEscaped(svg))
                        figcaption dir="auto" { (viewer.t("analysis-trend-caption")) }
                    }
                }
                (cross_table(viewer, table, "trend-table"))
            }
        }
    }
}

/// Colours that stay apart for most kinds of colour blindness (Okabe–Ito).
const SERIES_COLOURS: [RGBColor; 5] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x56, 0xb4, 0xe9),
];

/// Lines over months, one per series, with a legend; a point whose count is
/// protected is left out (the line breaks there). `None` with nothing to draw.
fn line_chart(months: &[String], series: &[(String, Vec<Option<i64>>)]) -> Option<String> {
    if months.is_empty() || series.is_empty() {
        return None;
    }
    let max = series
        .iter()
        .flat_map(|(_, points)| points.iter().flatten())
        .copied()
        .max()
        .unwrap_or(1)
        .max(1) as u32;
    let last = months.len().saturating_sub(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 320)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0u32..last.max(1), 0u32..max + max.div_ceil(10))
            .ok()?;
        chart
            .configure_mesh()
            .x_labels(months.len().min(12))
            .x_label_formatter(&|i| months.get(*i as usize).cloned().unwrap_or_default())
            .y_labels(5)
            .label_style(("sans-serif", 13))
            .draw()
            .ok()?;
        for ((label, points), colour) in series.iter().zip(SERIES_COLOURS) {
            // Runs of shown points, each its own line.
            let mut runs: Vec<Vec<(u32, u32)>> = vec![Vec::new()];
            for (i, point) in points.iter().enumerate() {
                match point {
                    Some(n) => runs.last_mut()?.push((i as u32, *n as u32)),
                    None => runs.push(Vec::new()),
                }
            }
            let style = colour.stroke_width(3);
            let mut first = true;
            for run in runs.into_iter().filter(|r| !r.is_empty()) {
                let drawn = chart
                    .draw_series(LineSeries::new(run.clone(), style).point_size(3))
                    .ok()?;
                if first {
                    let short: String = label.chars().take(CHART_LABEL_CHARS).collect();
                    drawn
                        .label(short)
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3)));
                    first = false;
                }
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .ok()?;
        root.present().ok()?;
    }
    Some(svg.replacen(
        "<svg ",
        "<svg aria-hidden=\"true\" focusable=\"false\" class=\"chart\" ",
        1,
    ))
}

/// Longest label drawn in a chart; the table beside it has the whole name.
const CHART_LABEL_CHARS: usize = 26;

/// Horizontal bars, one per value with a count shown (the table holds the
/// protected ones), drawn as SVG by plotters; `None` when there is nothing
/// to draw. The chart repeats the table for the eye, so it is hidden from
/// screen readers, which read the table.
pub(super) fn bar_chart(bars: &[(String, i64)]) -> Option<String> {
    if bars.is_empty() {
        return None;
    }
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as u32;
    let rows = bars.len() as u32;
    let height = 34 + rows * 34;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (440, height)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let labels: Vec<String> = bars
            .iter()
            .map(|(label, _)| {
                if label.chars().count() > CHART_LABEL_CHARS {
                    let short: String = label.chars().take(CHART_LABEL_CHARS - 1).collect();
                    format!("{short}…")
                } else {
                    label.clone()
                }
            })
            .collect();
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(170)
            .build_cartesian_2d(0u32..max + max.div_ceil(10), (0u32..rows).into_segmented())
            .ok()?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows as usize)
            // The first bar on top, as the table lists them.
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(row) => (rows - 1)
                    .checked_sub(*row)
                    .and_then(|i| labels.get(i as usize).cloned())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_labels(5)
            .label_style(("sans-serif", 14))
            .draw()
            .ok()?;
        let bar = RGBColor(0x1f, 0x5f, 0x8b);
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, n))| {
                let i = rows - 1 - i as u32;
                let mut rect = Rectangle::new(
                    [(0, SegmentValue::Exact(i)), (*n as u32, SegmentValue::Exact(i + 1))],
                    bar.filled(),
                );
                rect.set_margin(6, 6, 0, 0);
                rect
            }))
            .ok()?;
        root.present().ok()?;
    }
    // Scales with the page; read from the table by screen readers.
    Some(svg.replacen(
        "<svg ",
        "<svg aria-hidden=\"true\" focusable=\"false\" class=\"chart\" ",
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_draw_one_bar_or_many_and_shorten_long_names() {
        assert_eq!(bar_chart(&[]), None);
        let one = bar_chart(&[("Death threat".into(), 4)]).unwrap();
        assert!(one.starts_with("<svg aria-hidden=\"true\""), "{one}");
        assert!(one.contains(">Death threat<") || one.contains("Death threat"), "{one}");
        let long = "A company with a very long registered name S.A. de C.V.".to_string();
        let many: Vec<(String, i64)> = (0..30).map(|n| (format!("{long} {n}"), 30 - n)).collect();
        let drawn = bar_chart(&many).unwrap();
        assert!(!drawn.contains(&long), "long names are shortened");
        assert!(drawn.contains('…'));
    }
}
