//! The shared analysis of what drives attacks on defenders: counts of the
//! alerts a staff member may see (released ones, ours and received) under
//! each value of each dimension (`domain::analysis`), with the filters they
//! choose; and the rule that protects people in small numbers.
//!
//! Small numbers: a count below the node's threshold `t` (default 3) is shown
//! as `<t`; so is everything when fewer than `t` alerts are counted at all.
//! Within one view no hidden count may be worked out from those shown: for a
//! dimension in which each alert has at most one value (its country, month,
//! sector…), the cells and "not recorded" add up to the total, so while the
//! hidden ones could be pinned down by subtraction, the smallest shown cell
//! is hidden too (secondary suppression, as statistics offices do). Tables
//! of two dimensions ([`cross`]) have such sums along lines and columns at
//! once; [`protect_cells`] narrows every protected cell's range through all
//! of them, as a reader could, before it calls a table safe.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::analysis::{self as q, CountQuery};
use crate::domain::FieldErrors;
use crate::domain::analysis::{Dimension, normalise_name};
use crate::error::{Error, Result};
use crate::services::accounts::Staff;
use crate::state::AppState;

/// Gives alerts stored before facts were kept (or whose facts a migration
/// cleared) their facts, who may count them, their responses' practices and
/// their tallies, a batch at a time, when the node starts. An alert whose
/// stored text no longer reads is logged and left out rather than stop the
/// others; the batches go in order of id, so it is passed once.
pub async fn backfill(state: &AppState) -> Result<usize> {
    const BATCH: i64 = 500;
    let mut done = 0;
    let (mut own_after, mut received_after) = (String::new(), String::new());
    loop {
        let own = q::own_without_facts(&state.db, &own_after, BATCH).await?;
        let received = q::received_without_facts(&state.db, &received_after, BATCH).await?;
        if own.is_empty() && received.is_empty() {
            return Ok(done);
        }
        let mut tx = state.db.pool.begin().await?;
        for alert in &own {
            let Ok(content) = serde_json::from_str::<crate::domain::alert::AlertContent>(&alert.content) else {
                tracing::warn!(alert = %alert.id, "an alert of ours no longer reads; left out of the analysis");
                continue;
            };
            let published = alert.published_at.map(crate::clock::from_millis);
            let closing = crate::db::alerts::closing(alert.outcome.as_deref(), alert.closed_at);
            let facts = crate::domain::analysis::facts_of(&content, &alert.country, published, closing);
            q::replace_facts(&mut tx, q::Source::Own, &alert.id, &facts).await?;
            let uri = crate::federation::urls::alert(&state.config, &alert.id);
            recount_actions(&mut tx, state, uri.as_str()).await?;
            done += usize::from(!facts.is_empty());
        }
        for alert in &received {
            let Ok(object) = serde_json::from_str::<crate::federation::wire::AlertObject>(&alert.document) else {
                // Kept as received and checked then; one that no longer
                // reads is left out of the counts rather than stop the node.
                tracing::warn!(alert = %alert.id, "a received alert no longer reads; left out of the analysis");
                continue;
            };
            let country = object.location.country.to_ascii_uppercase();
            let facts = crate::domain::analysis::facts_of(
                &object.domain_content(),
                &country,
                Some(object.published),
                object.closing(),
            );
            q::replace_facts(&mut tx, q::Source::Network, &alert.id, &facts).await?;
            recount_actions(&mut tx, state, &alert.id).await?;
            done += usize::from(!facts.is_empty());
        }
        tx.commit().await?;
        if let Some(last) = own.last() {
            own_after = last.id.clone();
        }
        if let Some(last) = received.last() {
            received_after = last.id.clone();
        }
    }
}

/// Counts the practices of the responses on the alert at `alert_uri` again
/// (`db::analysis::recount_actions`), in the transaction that changed them.
pub async fn recount_actions(conn: &mut sqlx::AnyConnection, state: &AppState, alert_uri: &str) -> Result<()> {
    let prefix = crate::federation::urls::alert(&state.config, "");
    q::recount_actions(conn, prefix.as_str(), alert_uri).await?;
    Ok(())
}

/// A count as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Shown {
    /// The count itself.
    Count(i64),
    /// Fewer than the threshold (shown `<3`), or hidden so that such a count
    /// cannot be worked out from the others (shown as `hidden`).
    Protected(Protected),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum Protected {
    /// Between 1 and the threshold less one.
    #[serde(rename = "<3")]
    Fewer,
    #[serde(rename = "hidden")]
    Hidden,
}

/// One value of a dimension and how many alerts have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Cell {
    /// The value (a vocabulary key, a name as typed, `CC/region`, `YYYY-MM`);
    /// empty for alerts that record none.
    pub value: String,
    #[schema(value_type = serde_json::Value)]
    pub alerts: Shown,
}

/// How the counted alerts fall under one dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Breakdown {
    pub dimension: Dimension,
    /// Whether each alert has at most one value here, so that the cells
    /// (with "not recorded", value "") add up to the total.
    pub one_per_alert: bool,
    /// Largest first; empty when the whole breakdown had to be hidden.
    pub cells: Vec<Cell>,
}

/// What the analysis shows for one set of filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Analysis {
    /// Counts below this are not shown as such.
    pub threshold: i64,
    /// How many alerts are counted.
    #[schema(value_type = serde_json::Value)]
    pub alerts: Shown,
    pub breakdowns: Vec<Breakdown>,
}

/// Which alerts to count: those with every (dimension, value), published
/// within the months given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub having: Vec<(Dimension, String)>,
    pub from_month: Option<String>,
    pub to_month: Option<String>,
}

impl Filter {
    /// The filter as query pairs (`dimension=value`, `from`, `to`), as the
    /// audit log records what an export held.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .having
            .iter()
            .map(|(d, v)| (d.as_str().to_string(), v.clone()))
            .collect();
        for (name, month) in [("from", &self.from_month), ("to", &self.to_month)] {
            if let Some(month) = month {
                pairs.push((name.to_string(), month.clone()));
            }
        }
        pairs
    }

    /// Reads `dimension=value` pairs (a dimension may repeat: all must hold)
    /// and `from`/`to` as `YYYY-MM`; anything else is refused by name.
    pub fn parse(pairs: &[(String, String)]) -> Result<Filter> {
        let mut filter = Filter::default();
        let mut errors = FieldErrors::default();
        for (key, value) in pairs {
            let value = normalise_name(value);
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "from" | "to" => {
                    if !is_month(&value) {
                        errors.add(key.as_str(), "a month as YYYY-MM, e.g. 2026-01");
                    } else if key == "from" {
                        filter.from_month = Some(value);
                    } else {
                        filter.to_month = Some(value);
                    }
                }
                // The page's language, the table's dimensions and what an
                // export holds are read by their own parsers.
                "lang" | "rows" | "columns" | "what" | "format" | "trend" => {}
                other => match other.parse::<Dimension>() {
                    Ok(dimension) => filter.having.push((dimension, value)),
                    Err(_) => errors.add(
                        other,
                        format!(
                            "not a filter; use from, to or a dimension: {}",
                            dimension_names().join(", ")
                        ),
                    ),
                },
            }
        }
        errors.into_result().map_err(Error::Validation)?;
        filter.having.sort();
        filter.having.dedup();
        Ok(filter)
    }
}

/// The table's two dimensions, `rows` and `columns`, as the query names them.
pub fn table_dimensions(pairs: &[(String, String)]) -> Result<(Dimension, Dimension)> {
    let mut errors = FieldErrors::default();
    let mut pick = |name: &str| {
        let value = pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        match value.parse::<Dimension>() {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add(name, format!("a dimension: {}", dimension_names().join(", ")));
                None
            }
        }
    };
    let (rows, columns) = (pick("rows"), pick("columns"));
    match (rows, columns) {
        (Some(r), Some(c)) if errors.is_empty() => Ok((r, c)),
        _ => Err(Error::Validation(errors)),
    }
}

fn dimension_names() -> Vec<&'static str> {
    use strum::VariantArray;
    Dimension::VARIANTS.iter().map(|d| d.as_str()).collect()
}

fn is_month(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!(text[5..].parse::<u8>(), Ok(1..=12))
}

pub use crate::domain::analysis::one_per_alert;

/// The analysis of the alerts `staff` may see, as `filter` narrows them.
pub async fn analyse(state: &AppState, staff: &Staff, filter: &Filter) -> Result<Analysis> {
    let (total, rows) = q::counts(&state.db, &count_query(staff, filter)).await?;
    let mut counts: BTreeMap<Dimension, Vec<(String, i64)>> = BTreeMap::new();
    for row in rows {
        // Facts are written from the enum, so every stored name reads back.
        if let Ok(dimension) = row.dimension.parse::<Dimension>() {
            counts.entry(dimension).or_default().push((row.value, row.alerts));
        }
    }
    Ok(protect(total, &counts, state.config.small_count_threshold))
}

/// The counts as they may be shown with threshold `t` (module doc).
pub fn protect(total: i64, counts: &BTreeMap<Dimension, Vec<(String, i64)>>, t: i64) -> Analysis {
    use strum::VariantArray;
    if total < t {
        return Analysis {
            threshold: t,
            alerts: if total == 0 {
                Shown::Count(0)
            } else {
                Shown::Protected(Protected::Fewer)
            },
            breakdowns: Vec::new(),
        };
    }
    let breakdowns = Dimension::VARIANTS
        .iter()
        .map(|&dimension| {
            let mut cells: Vec<(String, i64)> = counts.get(&dimension).cloned().unwrap_or_default();
            let one = one_per_alert(dimension);
            if one {
                let recorded: i64 = cells.iter().map(|(_, n)| n).sum();
                cells.push((String::new(), total - recorded));
            }
            // Largest first, then by value, so the order gives nothing away.
            cells.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let shown = if one {
                protect_partition(&cells, t)
            } else {
                Some(cells.iter().map(|(_, n)| primary(*n, t)).collect())
            };
            Breakdown {
                dimension,
                one_per_alert: one,
                cells: match shown {
                    Some(shown) => cells
                        .into_iter()
                        .zip(shown)
                        .map(|((value, _), alerts)| Cell { value, alerts })
                        .collect(),
                    None => Vec::new(),
                },
            }
        })
        .collect();
    Analysis {
        threshold: t,
        alerts: Shown::Count(total),
        breakdowns,
    }
}

/// Two dimensions against each other (which sectors come with which
/// violations; which companies recur in which countries; any dimension
/// month by month), for the alerts a filter counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CrossTable {
    pub threshold: i64,
    pub rows: Dimension,
    pub columns: Dimension,
    #[schema(value_type = serde_json::Value)]
    pub alerts: Shown,
    /// The columns' values, in order; "" is "not recorded" (only for a
    /// dimension with one value per alert).
    pub column_values: Vec<String>,
    /// One line per value of `rows`, with its total and a cell per column;
    /// empty when the table cannot be shown without giving a small number away.
    pub lines: Vec<CrossLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CrossLine {
    pub value: String,
    /// The line's alerts, as the analysis of `rows` shows them.
    #[schema(value_type = serde_json::Value)]
    pub total: Shown,
    #[schema(value_type = Vec<serde_json::Value>)]
    pub cells: Vec<Shown>,
}

/// `rows` against `columns` for the alerts `staff` may see that `filter`
/// keeps, protected as the analysis is: a cell under the threshold is `<t`,
/// and where a line or a column adds up to a total shown (a dimension with
/// one value per alert, with "not recorded"), cells are hidden until none
/// under the threshold can be worked out, along lines and columns alike.
pub async fn cross(
    state: &AppState,
    staff: &Staff,
    filter: &Filter,
    rows: Dimension,
    columns: Dimension,
) -> Result<CrossTable> {
    if rows == columns {
        return Err(FieldErrors::single("columns", "choose two different dimensions").into());
    }
    let query = count_query(staff, filter);
    let (total, counts) = q::counts(&state.db, &query).await?;
    let pairs = q::pair_counts(&state.db, &query, rows.as_str(), columns.as_str()).await?;
    let marginal = |dimension: Dimension| -> Vec<(String, i64)> {
        counts
            .iter()
            .filter(|c| c.dimension == dimension.as_str())
            .map(|c| (c.value.clone(), c.alerts))
            .collect()
    };
    Ok(cross_table(
        total,
        (rows, &marginal(rows)),
        (columns, &marginal(columns)),
        &pairs
            .into_iter()
            .map(|p| ((p.row_value, p.column_value), p.alerts))
            .collect(),
        state.config.small_count_threshold,
    ))
}

/// The counting part of [`cross`], apart so that it can be checked alone.
pub fn cross_table(
    total: i64,
    (rows, row_counts): (Dimension, &[(String, i64)]),
    (columns, column_counts): (Dimension, &[(String, i64)]),
    pairs: &BTreeMap<(String, String), i64>,
    t: i64,
) -> CrossTable {
    let empty = |alerts| CrossTable {
        threshold: t,
        rows,
        columns,
        alerts,
        column_values: Vec::new(),
        lines: Vec::new(),
    };
    if total < t {
        return empty(if total == 0 {
            Shown::Count(0)
        } else {
            Shown::Protected(Protected::Fewer)
        });
    }
    // The lines and columns, each with the values it stands for: values
    // with fewer alerts than the threshold are put together (module doc).
    let mut row_counts = row_counts.to_vec();
    let mut column_counts = column_counts.to_vec();
    for (dimension, marginal) in [(rows, &mut row_counts), (columns, &mut column_counts)] {
        if one_per_alert(dimension) {
            let recorded: i64 = marginal.iter().map(|(_, n)| n).sum();
            marginal.push((String::new(), total - recorded));
        }
        marginal.retain(|(_, n)| *n > 0);
    }
    let row_lines = merge_small(rows, &row_counts, t);
    let column_lines = merge_small(columns, &column_counts, t);
    if row_lines.is_empty() || column_lines.is_empty() {
        return empty(Shown::Count(total));
    }
    let row_totals: Vec<(String, i64)> = row_lines.iter().map(|l| (l.value.clone(), l.alerts)).collect();
    let row_shown = if one_per_alert(rows) {
        match protect_partition(&row_totals, t) {
            Some(shown) => shown,
            None => return empty(Shown::Count(total)),
        }
    } else {
        row_totals.iter().map(|(_, n)| primary(*n, t)).collect()
    };
    // Every cell of values, with "not recorded" worked out from the line or column.
    let value = |r: &str, c: &str| -> i64 {
        if !c.is_empty() && !r.is_empty() {
            return pairs.get(&(r.to_string(), c.to_string())).copied().unwrap_or(0);
        }
        if c.is_empty() && !r.is_empty() {
            let line = row_counts.iter().find(|(v, _)| v == r).map(|(_, n)| *n).unwrap_or(0);
            let recorded: i64 = pairs.iter().filter(|((pr, _), _)| pr == r).map(|(_, n)| n).sum();
            return line - recorded;
        }
        if r.is_empty() && !c.is_empty() {
            let column = column_counts.iter().find(|(v, _)| v == c).map(|(_, n)| *n).unwrap_or(0);
            let recorded: i64 = pairs.iter().filter(|((_, pc), _)| pc == c).map(|(_, n)| n).sum();
            return column - recorded;
        }
        // Neither recorded: the alerts without a value in either dimension.
        let no_row = row_counts
            .iter()
            .find(|(v, _)| v.is_empty())
            .map(|(_, n)| *n)
            .unwrap_or(0);
        let no_row_some_column: i64 = column_counts
            .iter()
            .filter(|(v, _)| !v.is_empty())
            .map(|(c, n)| n - pairs.iter().filter(|((_, pc), _)| pc == c).map(|(_, n)| n).sum::<i64>())
            .sum();
        no_row - no_row_some_column
    };
    // A cell of the table: its line's values against its column's.
    let matrix: Vec<Vec<i64>> = row_lines
        .iter()
        .map(|line| {
            column_lines
                .iter()
                .map(|column| {
                    line.members
                        .iter()
                        .flat_map(|r| column.members.iter().map(move |c| (r, c)))
                        .map(|(r, c)| value(r, c))
                        .sum()
                })
                .collect()
        })
        .collect();
    let row_counts = row_totals;
    let column_counts: Vec<(String, i64)> = column_lines.iter().map(|l| (l.value.clone(), l.alerts)).collect();
    // Lines and columns that add up to a total a reader knows (a dimension
    // with one value per alert, with "not recorded") are protected together.
    let width = column_counts.len();
    let values: Vec<i64> = matrix.iter().flatten().copied().collect();
    let mut sums = Vec::new();
    if one_per_alert(columns) {
        for (r, (_, line_total)) in row_counts.iter().enumerate() {
            sums.push(((r * width..(r + 1) * width).collect::<Vec<_>>(), *line_total));
        }
    }
    if one_per_alert(rows) {
        for (c, (_, column_total)) in column_counts.iter().enumerate() {
            sums.push(((0..row_counts.len()).map(|r| r * width + c).collect(), *column_total));
        }
    }
    let Some(cells) = protect_cells(&values, &sums, t) else {
        return empty(Shown::Count(total));
    };
    let shown: Vec<Vec<Shown>> = cells.chunks(width.max(1)).map(<[Shown]>::to_vec).collect();
    CrossTable {
        threshold: t,
        rows,
        columns,
        alerts: Shown::Count(total),
        column_values: column_counts.iter().map(|(v, _)| v.clone()).collect(),
        lines: row_counts
            .iter()
            .zip(row_shown)
            .zip(shown)
            .map(|(((value, _), total), cells)| CrossLine {
                value: value.clone(),
                total,
                cells,
            })
            .collect(),
    }
}

/// What a table's line (or column) of values put together is called.
pub const OTHER: &str = "(other)";

/// A line or column of a table: one value, or [`OTHER`] for several.
struct TableLine {
    value: String,
    members: Vec<String>,
    alerts: i64,
}

/// The lines of a table for a dimension's `counts`, largest first. A value
/// with fewer alerts than the threshold would be a small line whose cells
/// its total could pin down, so it is not a line of its own: where each
/// alert has one value, such values go together into one line, [`OTHER`]
/// (with the next smallest while it is still small), so that lines still
/// add up to the total; elsewhere they are left out.
fn merge_small(dimension: Dimension, counts: &[(String, i64)], t: i64) -> Vec<TableLine> {
    let mut lines: Vec<TableLine> = counts
        .iter()
        .map(|(value, n)| TableLine {
            value: value.clone(),
            members: vec![value.clone()],
            alerts: *n,
        })
        .collect();
    lines.sort_by(|a, b| b.alerts.cmp(&a.alerts).then_with(|| a.value.cmp(&b.value)));
    let (mut big, small): (Vec<TableLine>, Vec<TableLine>) = lines.into_iter().partition(|l| l.alerts >= t);
    if small.is_empty() || !one_per_alert(dimension) {
        return big;
    }
    let mut other = TableLine {
        value: OTHER.to_string(),
        members: small.iter().flat_map(|l| l.members.clone()).collect(),
        alerts: small.iter().map(|l| l.alerts).sum(),
    };
    while other.alerts < t {
        let Some(next) = big.pop() else {
            // Too few alerts in all for any line.
            return Vec::new();
        };
        other.members.extend(next.members);
        other.alerts += next.alerts;
    }
    big.push(other);
    big
}

pub(crate) fn count_query(staff: &Staff, filter: &Filter) -> CountQuery {
    CountQuery {
        viewer_org_id: staff.org_id.clone(),
        having: filter
            .having
            .iter()
            .map(|(d, v)| (d.as_str().to_string(), v.clone()))
            .collect(),
        from_month: filter.from_month.clone(),
        to_month: filter.to_month.clone(),
        from_facts: false,
    }
}

/// A count on its own: below the threshold (but not zero, which says no
/// alert has it) it is not shown.
fn primary(n: i64, t: i64) -> Shown {
    if n > 0 && n < t {
        Shown::Protected(Protected::Fewer)
    } else {
        Shown::Count(n)
    }
}

/// Cells that add up to a shown total, as they may be shown; `None` if no
/// way of hiding some keeps the small ones from being worked out.
pub fn protect_partition(cells: &[(String, i64)], t: i64) -> Option<Vec<Shown>> {
    let values: Vec<i64> = cells.iter().map(|(_, n)| *n).collect();
    let total = values.iter().sum();
    protect_cells(&values, &[((0..values.len()).collect(), total)], t)
}

/// Whether a reader could work out a protected cell of `shown`, cells of a
/// dimension with one value per alert that add up to `total`: what a node
/// checks of counts it receives, whoever protected them.
pub fn gives_away(shown: &[Shown], total: i64, t: i64) -> bool {
    first_given_away(shown, &[((0..shown.len()).collect(), total)], t).is_some()
}

/// Cells as they may be shown when some groups of them (`sums`: which
/// cells, and what they add up to) have totals a reader knows.
///
/// A reader knows the totals, the cells shown, that each `<t` cell is
/// between 1 and `t - 1`, and that a `hidden` one is at least `t`. From the
/// sums they can narrow each protected cell's range, one sum at a time and
/// again until nothing narrows (as a spreadsheet would let anyone do). While
/// some protected cell's range is one number, the smallest count still shown
/// in a sum with it is hidden too; `None` if none is left to hide.
pub fn protect_cells(values: &[i64], sums: &[(Vec<usize>, i64)], t: i64) -> Option<Vec<Shown>> {
    let mut shown: Vec<Shown> = values.iter().map(|n| primary(*n, t)).collect();
    loop {
        let Some(given_away) = first_given_away(&shown, sums, t) else {
            return Some(shown);
        };
        // Hide the smallest count still shown beside it (a zero says only
        // that no alert is there, and hiding it would not widen anything).
        let beside = sums
            .iter()
            .filter(|(cells, _)| cells.contains(&given_away))
            .flat_map(|(cells, _)| cells.iter().copied())
            .filter(|&i| matches!(shown[i], Shown::Count(n) if n > 0))
            .min_by_key(|&i| (values[i], i));
        // Nothing left beside it: a count elsewhere may still widen its
        // range through another line or column.
        let next = beside.or_else(|| {
            (0..values.len())
                .filter(|&i| matches!(shown[i], Shown::Count(n) if n > 0))
                .min_by_key(|&i| (values[i], i))
        })?;
        shown[next] = Shown::Protected(Protected::Hidden);
    }
}

/// A protected cell whose value a reader can work out from `sums`, if any.
fn first_given_away(shown: &[Shown], sums: &[(Vec<usize>, i64)], t: i64) -> Option<usize> {
    // What each cell could be: shown ones are known; the others' ranges
    // narrow with every sum they are in.
    let ceiling = sums.iter().map(|(_, total)| *total).max().unwrap_or(0);
    let mut range: Vec<(i64, i64)> = shown
        .iter()
        .map(|s| match s {
            Shown::Count(n) => (*n, *n),
            Shown::Protected(Protected::Fewer) => (1, t - 1),
            Shown::Protected(Protected::Hidden) => (t, ceiling.max(t)),
        })
        .collect();
    loop {
        let mut narrowed = false;
        for (cells, total) in sums {
            let low_sum: i64 = cells.iter().map(|&i| range[i].0).sum();
            let high_sum: i64 = cells.iter().map(|&i| range[i].1).sum();
            for &i in cells {
                let (low, high) = range[i];
                let new_low = low.max(total - (high_sum - high));
                let new_high = high.min(total - (low_sum - low));
                if (new_low, new_high) != (low, high) && new_low <= new_high {
                    range[i] = (new_low, new_high);
                    narrowed = true;
                }
            }
        }
        if !narrowed {
            break;
        }
    }
    (0..shown.len()).find(|&i| matches!(shown[i], Shown::Protected(_)) && range[i].0 == range[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(counts: &[i64]) -> Vec<(String, i64)> {
        counts.iter().enumerate().map(|(i, n)| (format!("v{i}"), *n)).collect()
    }

    fn show(shown: &[Shown]) -> Vec<String> {
        shown
            .iter()
            .map(|s| match s {
                Shown::Count(n) => n.to_string(),
                Shown::Protected(Protected::Fewer) => "<3".into(),
                Shown::Protected(Protected::Hidden) => "hidden".into(),
            })
            .collect()
    }

    /// Every way of filling the protected cells that agrees with what is
    /// shown; a small count is safe if no protected `<3` cell has one value
    /// in all of them.
    fn nothing_small_can_be_worked_out(counts: &[i64], shown: &[Shown], t: i64) -> bool {
        let total: i64 = counts.iter().sum();
        let open: Vec<usize> = (0..counts.len())
            .filter(|&i| matches!(shown[i], Shown::Protected(_)))
            .collect();
        let known: i64 = (0..counts.len())
            .filter_map(|i| match shown[i] {
                Shown::Count(n) => Some(n),
                _ => None,
            })
            .sum();
        let mut seen: Vec<std::collections::BTreeSet<i64>> = vec![Default::default(); open.len()];
        let range = |i: usize| match shown[open[i]] {
            Shown::Protected(Protected::Fewer) => (1..t).collect::<Vec<_>>(),
            _ => (t..=total).collect(),
        };
        fn fill(
            i: usize,
            left: i64,
            picked: &mut Vec<i64>,
            range: &dyn Fn(usize) -> Vec<i64>,
            n: usize,
            seen: &mut Vec<std::collections::BTreeSet<i64>>,
        ) {
            if i == n {
                if left == 0 {
                    for (k, v) in picked.iter().enumerate() {
                        seen[k].insert(*v);
                    }
                }
                return;
            }
            for v in range(i) {
                if v <= left {
                    picked.push(v);
                    fill(i + 1, left - v, picked, range, n, seen);
                    picked.pop();
                }
            }
        }
        fill(0, total - known, &mut Vec::new(), &range, open.len(), &mut seen);
        open.iter()
            .enumerate()
            .all(|(k, &i)| shown[i] != Shown::Protected(Protected::Fewer) || seen[k].len() > 1)
    }

    #[test]
    fn a_single_small_cell_takes_the_next_smallest_with_it() {
        let shown = protect_partition(&cells(&[10, 5, 1]), 3).unwrap();
        assert_eq!(show(&shown), ["10", "hidden", "<3"]);
        // One hidden 3 beside a 1 would give the 1 away (4 - 3 = 1).
        let shown = protect_partition(&cells(&[10, 3, 1]), 3).unwrap();
        assert_eq!(show(&shown), ["hidden", "hidden", "<3"]);
        // Two ones: each is 1, since neither is 0; one more is hidden.
        let shown = protect_partition(&cells(&[10, 4, 1, 1]), 3).unwrap();
        assert_eq!(show(&shown), ["10", "hidden", "<3", "<3"]);
        // A one and a two are "1 or 2" each: nothing more to hide.
        let shown = protect_partition(&cells(&[10, 2, 1]), 3).unwrap();
        assert_eq!(show(&shown), ["10", "<3", "<3"]);
        // Nothing small, nothing hidden; a zero is shown.
        let shown = protect_partition(&cells(&[10, 3, 0]), 3).unwrap();
        assert_eq!(show(&shown), ["10", "3", "0"]);
        // Three ones and nothing else: no hiding helps.
        assert_eq!(protect_partition(&cells(&[1, 1, 1]), 3), None);
    }

    #[test]
    fn no_small_count_follows_from_any_partition_up_to_five_cells() {
        let t = 3;
        let mut checked = 0;
        for a in 0..8i64 {
            for b in 0..8 {
                for c in 0..8 {
                    for d in 0..6 {
                        for e in 0..4 {
                            let counts = [a, b, c, d, e];
                            let Some(shown) = protect_partition(&cells(&counts), t) else {
                                continue;
                            };
                            for (n, s) in counts.iter().zip(&shown) {
                                if *n > 0 && *n < t {
                                    assert_ne!(*s, Shown::Count(*n), "{counts:?} shows a small count");
                                }
                            }
                            assert!(
                                nothing_small_can_be_worked_out(&counts, &shown, t),
                                "{counts:?} -> {:?}",
                                show(&shown)
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 5000);
    }

    /// Every table of two one-per-alert dimensions with two lines and three
    /// columns of small counts: with the lines' and columns' totals known,
    /// no cell shown `<3` can have only one value.
    #[test]
    fn no_small_cell_of_a_table_follows_from_its_lines_and_columns() {
        let t = 3;
        let mut checked = 0;
        for code in 0..4096u32 {
            // Six cells of 0..=3 each (two bits), plus 2 added to vary them.
            let cell = |i: u32| i64::from((code >> (2 * i)) & 3) + if i.is_multiple_of(2) { 0 } else { 2 };
            let m = [[cell(0), cell(1), cell(2)], [cell(3), cell(4), cell(5)]];
            let total: i64 = m.iter().flatten().sum();
            let rows = [
                ("a".to_string(), m[0].iter().sum::<i64>()),
                ("b".to_string(), m[1].iter().sum()),
            ];
            let columns: Vec<(String, i64)> = (0..3).map(|c| (format!("c{c}"), m[0][c] + m[1][c])).collect();
            let mut pairs = BTreeMap::new();
            for (r, line) in m.iter().enumerate() {
                for (c, n) in line.iter().enumerate() {
                    if *n > 0 {
                        pairs.insert((rows[r].0.clone(), format!("c{c}")), *n);
                    }
                }
            }
            let table = cross_table(
                total,
                (Dimension::Country, &rows),
                (Dimension::Sector, &columns),
                &pairs,
                t,
            );
            if table.lines.is_empty() {
                continue;
            }
            // The table as shown, and every filling of it that agrees.
            let shown: Vec<Vec<Shown>> = table.lines.iter().map(|l| l.cells.clone()).collect();
            // A line or column stands for its value, or for the values
            // not shown alone when it is the one put together.
            let members = |value: &str, all: Vec<String>, alone: Vec<&String>| -> Vec<String> {
                if value == OTHER {
                    all.into_iter().filter(|v| !alone.contains(&v)).collect()
                } else {
                    vec![value.to_string()]
                }
            };
            let value_of = |r: &str, c: &str| -> i64 {
                let lines: Vec<String> = table.lines.iter().map(|l| l.value.clone()).collect();
                let rs = members(r, vec!["a".into(), "b".into()], lines.iter().collect());
                let cs = members(
                    c,
                    (0..3).map(|c| format!("c{c}")).collect(),
                    table.column_values.iter().collect(),
                );
                rs.iter()
                    .flat_map(|r| cs.iter().map(move |c| (r, c)))
                    .map(|(r, c)| {
                        let ri = if r == "a" { 0 } else { 1 };
                        let ci: usize = c[1..].parse().unwrap();
                        m[ri][ci]
                    })
                    .sum()
            };
            let cells: Vec<(usize, usize)> = (0..shown.len())
                .flat_map(|r| (0..table.column_values.len()).map(move |c| (r, c)))
                .collect();
            let mut seen: BTreeMap<(usize, usize), std::collections::BTreeSet<i64>> = BTreeMap::new();
            let mut grid = vec![vec![0i64; table.column_values.len()]; shown.len()];
            #[allow(clippy::too_many_arguments)] // a recursive search; its state is its arguments
            fn fill(
                k: usize,
                cells: &[(usize, usize)],
                shown: &[Vec<Shown>],
                grid: &mut Vec<Vec<i64>>,
                line_totals: &[i64],
                column_totals: &[i64],
                t: i64,
                seen: &mut BTreeMap<(usize, usize), std::collections::BTreeSet<i64>>,
            ) {
                if k == cells.len() {
                    let lines_ok = grid.iter().zip(line_totals).all(|(l, n)| l.iter().sum::<i64>() == *n);
                    let columns_ok =
                        (0..column_totals.len()).all(|c| grid.iter().map(|l| l[c]).sum::<i64>() == column_totals[c]);
                    if lines_ok && columns_ok {
                        for &(r, c) in cells {
                            seen.entry((r, c)).or_default().insert(grid[r][c]);
                        }
                    }
                    return;
                }
                let (r, c) = cells[k];
                let options: Vec<i64> = match shown[r][c] {
                    Shown::Count(n) => vec![n],
                    Shown::Protected(Protected::Fewer) => (1..t).collect(),
                    Shown::Protected(Protected::Hidden) => (t..=line_totals[r]).collect(),
                };
                for v in options {
                    grid[r][c] = v;
                    fill(k + 1, cells, shown, grid, line_totals, column_totals, t, seen);
                }
            }
            let line_totals: Vec<i64> = table
                .lines
                .iter()
                .map(|l| table.column_values.iter().map(|c| value_of(&l.value, c)).sum())
                .collect();
            let column_totals: Vec<i64> = table
                .column_values
                .iter()
                .map(|c| table.lines.iter().map(|l| value_of(&l.value, c)).sum())
                .collect();
            fill(0, &cells, &shown, &mut grid, &line_totals, &column_totals, t, &mut seen);
            for &(r, c) in &cells {
                if shown[r][c] == Shown::Protected(Protected::Fewer) {
                    assert!(
                        seen[&(r, c)].len() > 1,
                        "{m:?}: the cell ({r}, {c}) can be worked out: {shown:?}"
                    );
                }
                if let Shown::Count(n) = shown[r][c] {
                    assert!(n == 0 || n >= t, "{m:?} shows {n}");
                }
            }
            checked += 1;
        }
        assert!(checked > 500, "{checked} tables shown and checked");
    }

    #[test]
    fn fewer_alerts_than_the_threshold_show_nothing() {
        let mut counts = BTreeMap::new();
        counts.insert(Dimension::Country, vec![("GT".to_string(), 2)]);
        let analysis = protect(2, &counts, 3);
        assert_eq!(analysis.alerts, Shown::Protected(Protected::Fewer));
        assert!(analysis.breakdowns.is_empty());
        assert_eq!(serde_json::to_value(analysis.alerts).unwrap(), "<3");
    }

    #[test]
    fn filters_are_dimensions_and_months() {
        let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
            p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let filter = Filter::parse(&pairs(&[
            ("country", "GT"),
            ("company", " Minera  Sur "),
            ("from", "2026-01"),
        ]))
        .unwrap();
        assert_eq!(filter.from_month.as_deref(), Some("2026-01"));
        assert!(filter.having.contains(&(Dimension::Company, "Minera Sur".into())));
        let Err(Error::Validation(errors)) = Filter::parse(&pairs(&[("colour", "red"), ("to", "2026-13")])) else {
            panic!("refused");
        };
        assert!(
            errors.0.contains_key("colour") && errors.0.contains_key("to"),
            "{errors:?}"
        );
    }
}

/// Protection practice: for the closed alerts a filter counts, how those
/// that used each practice (what members were asked to do, the responses and
/// offers of support the viewer may see) ended, and how long that took.
/// Counts beside counts, never a claim that a practice caused an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Practice {
    pub threshold: i64,
    /// How many closed alerts are counted.
    #[schema(value_type = serde_json::Value)]
    pub closed: Shown,
    /// The outcomes, in the vocabulary's order: the columns of `outcomes`.
    pub outcomes: Vec<String>,
    /// The spans of time to the outcome, shortest first
    /// (`domain::analysis::TIME_TO_OUTCOME`): the columns of `spans`.
    pub spans: Vec<String>,
    /// First every closed alert (`all`), then each practice used:
    /// `support:<type>`, `action:<kind>`, `requested:<kind>`.
    pub lines: Vec<PracticeLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PracticeLine {
    pub practice: String,
    /// How many closed alerts used it.
    #[schema(value_type = serde_json::Value)]
    pub alerts: Shown,
    /// One cell per outcome; empty when the line cannot be broken down
    /// without giving a small number away.
    #[schema(value_type = Vec<serde_json::Value>)]
    pub outcomes: Vec<Shown>,
    /// One cell per span, likewise.
    #[schema(value_type = Vec<serde_json::Value>)]
    pub spans: Vec<Shown>,
}

/// The protection practice of the closed alerts `staff` may see that
/// `filter` keeps.
pub async fn practice(state: &AppState, staff: &Staff, filter: &Filter) -> Result<Practice> {
    let rows = q::practice_counts(&state.db, &count_query(staff, filter)).await?;
    Ok(practice_table(&rows, state.config.small_count_threshold))
}

/// The counting part of [`practice`], apart so that it can be checked alone.
/// Each closed alert has one outcome and one span, so along a line both the
/// outcomes and the spans add up to the line's alerts: each line is
/// protected as two partitions of its total (as [`protect_cells`] does).
pub fn practice_table(rows: &[q::PracticeCount], t: i64) -> Practice {
    use crate::domain::analysis::TIME_TO_OUTCOME;
    use crate::domain::vocab::{ActionKind, Outcome, RequestedActionKind, SupportType};
    use strum::VariantNames;
    let outcomes: Vec<String> = Outcome::VARIANTS.iter().map(|s| s.to_string()).collect();
    let mut spans: Vec<String> = TIME_TO_OUTCOME.iter().map(|(s, _)| s.to_string()).collect();
    if rows.iter().any(|r| r.span.is_empty()) {
        spans.push(String::new());
    }
    // Every practice in a fixed order, so the order gives nothing away.
    let order: Vec<String> = std::iter::once("all".to_string())
        .chain(SupportType::VARIANTS.iter().map(|s| format!("support:{s}")))
        .chain(
            ActionKind::VARIANTS
                .iter()
                .filter(|k| **k != "support_offer")
                .map(|s| format!("action:{s}")),
        )
        .chain(RequestedActionKind::VARIANTS.iter().map(|s| format!("requested:{s}")))
        .collect();
    let line = |practice: &str| -> (i64, Vec<i64>, Vec<i64>) {
        let mut by_outcome = vec![0; outcomes.len()];
        let mut by_span = vec![0; spans.len()];
        for r in rows.iter().filter(|r| r.practice == practice) {
            if let Some(i) = outcomes.iter().position(|o| *o == r.outcome) {
                by_outcome[i] += r.alerts;
            }
            if let Some(i) = spans.iter().position(|s| *s == r.span) {
                by_span[i] += r.alerts;
            }
        }
        (by_outcome.iter().sum(), by_outcome, by_span)
    };
    let (closed, _, _) = line("all");
    if closed < t {
        return Practice {
            threshold: t,
            closed: primary(closed, t),
            outcomes,
            spans,
            lines: Vec::new(),
        };
    }
    let lines = order
        .iter()
        .filter_map(|practice| {
            let (total, by_outcome, by_span) = line(practice);
            if total == 0 {
                return None;
            }
            let (outcome_cells, span_cells) = if total < t {
                (Vec::new(), Vec::new())
            } else {
                let values: Vec<i64> = by_outcome.iter().chain(&by_span).copied().collect();
                let sums = [
                    ((0..by_outcome.len()).collect(), total),
                    ((by_outcome.len()..values.len()).collect(), total),
                ];
                match protect_cells(&values, &sums, t) {
                    Some(cells) => {
                        let (o, s) = cells.split_at(by_outcome.len());
                        (o.to_vec(), s.to_vec())
                    }
                    None => (Vec::new(), Vec::new()),
                }
            };
            Some(PracticeLine {
                practice: practice.clone(),
                alerts: primary(total, t),
                outcomes: outcome_cells,
                spans: span_cells,
            })
        })
        .collect();
    Practice {
        threshold: t,
        closed: Shown::Count(closed),
        outcomes,
        spans,
        lines,
    }
}
