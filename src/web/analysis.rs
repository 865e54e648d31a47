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
use crate::services::analysis::{self, Analysis, Breakdown, CrossTable, Filter, Protected, Shown};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/analysis", get(analysis_page))
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
        _ => return None,
    })
}

/// A value as people read it, in the viewer's language.
pub(super) fn value_label(viewer: &Viewer, dimension: Dimension, value: &str) -> String {
    if value.is_empty() {
        return viewer.t("analysis-not-recorded");
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
    let title = viewer.t("analysis-title");
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let body = html! {
        h1 { (title) }
        p { (viewer.t_with("analysis-intro", &[("threshold", &viewer.number(result.threshold))])) }
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
            (table_section(&viewer, &pairs, rows, columns, table.as_ref()))
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
                            figcaption { (viewer.t("analysis-chart-caption")) }
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
                Some(table) => div.wide tabindex="0" role="region" aria-labelledby="cross-table-caption" {
                    table #cross-table {
                        caption #cross-table-caption {
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
                },
            }
        }
    }
}

/// Longest label drawn in a chart; the table beside it has the whole name.
const CHART_LABEL_CHARS: usize = 26;

/// Horizontal bars, one per value with a count shown (the table holds the
/// protected ones), drawn as SVG by plotters; `None` when there is nothing
/// to draw. The chart repeats the table for the eye, so it is hidden from
/// screen readers, which read the table.
fn bar_chart(bars: &[(String, i64)]) -> Option<String> {
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
