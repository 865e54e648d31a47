//! Exports of the shared analysis, as CSV or JSON: the counts
//! (`services::analysis`, small numbers protected as on the page), a table
//! of two dimensions, the protection practice, and the records of the
//! alerts counted, with only what other nodes may hold of an alert (never
//! its local-only part) and anonymised defenders' names replaced. Every
//! export is written to the audit log, with what it held.

use serde::Serialize;
use utoipa::ToSchema;

use super::analysis::{self, Filter, Shown};
use crate::db::analysis::{self as q, ExportedAlert};
use crate::domain::FieldErrors;
use crate::domain::alert::AlertContent;
use crate::domain::analysis::Dimension;
use crate::error::{Error, Result};
use crate::services::accounts::Staff;
use crate::state::AppState;

/// The most records one export holds; more must be narrowed by filters.
pub const MAX_RECORDS: i64 = 20_000;

/// What stands for an anonymised defender's name in records.
pub const ANONYMISED_NAME: &str = "(anonymised)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contents {
    Counts,
    Table(Dimension, Dimension),
    Practice,
    Records,
}

impl Contents {
    fn name(self) -> &'static str {
        match self {
            Contents::Counts => "counts",
            Contents::Table(..) => "table",
            Contents::Practice => "practice",
            Contents::Records => "records",
        }
    }
}

/// Reads `what` (counts, table with `rows` and `columns`, practice,
/// records) and `format` (csv, json) from a query.
pub fn parse(pairs: &[(String, String)]) -> Result<(Contents, Format)> {
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let mut errors = FieldErrors::default();
    let format = match get("format").unwrap_or("csv") {
        "csv" => Some(Format::Csv),
        "json" => Some(Format::Json),
        _ => {
            errors.add("format", "csv or json");
            None
        }
    };
    let contents = match get("what").unwrap_or("counts") {
        "counts" => Some(Contents::Counts),
        "practice" => Some(Contents::Practice),
        "records" => Some(Contents::Records),
        "table" => match analysis::table_dimensions(pairs) {
            Ok((rows, columns)) => Some(Contents::Table(rows, columns)),
            Err(Error::Validation(e)) => {
                errors.0.extend(e.0);
                None
            }
            Err(e) => return Err(e),
        },
        _ => {
            errors.add("what", "counts, table, practice or records");
            None
        }
    };
    match (contents, format) {
        (Some(c), Some(f)) if errors.is_empty() => Ok((c, f)),
        _ => Err(Error::Validation(errors)),
    }
}

/// An export, ready to send.
#[derive(Debug, Clone)]
pub struct Export {
    pub content_type: &'static str,
    /// What a browser saves it as.
    pub file_name: String,
    pub body: Vec<u8>,
}

/// One alert as exported: what every recipient node may hold of it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ExportedRecord {
    /// Its ActivityPub id.
    pub id: String,
    pub number: String,
    /// Our organisation's slug, or the author's actor id for a received alert.
    pub organisation: String,
    /// `own` or `network`.
    pub source: String,
    pub status: String,
    pub audience: String,
    pub urgency: String,
    pub country: String,
    pub region: Option<String>,
    pub published: Option<String>,
    pub closed: Option<String>,
    pub outcome: Option<String>,
    #[schema(value_type = Object)]
    pub title: crate::domain::LangMap,
    #[schema(value_type = Object)]
    pub summary: crate::domain::LangMap,
    pub violations: Vec<String>,
    pub perpetrators: Vec<String>,
    pub sector: Option<String>,
    pub company: Option<String>,
    pub project: Option<String>,
    pub financier: Option<String>,
    pub rights: Vec<String>,
    pub defenders: Vec<ExportedDefender>,
    pub requested_actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ExportedDefender {
    /// The name, or `(anonymised)` for an anonymised defender.
    pub name: String,
    pub kind: String,
    pub woman_defender: bool,
}

/// The export `staff` asked for, of the alerts they may see that `filter`
/// keeps, written to the audit log in the transaction that reads nothing
/// else (an export that fails is not logged).
pub async fn export(
    state: &AppState,
    staff: &Staff,
    filter: &Filter,
    contents: Contents,
    format: Format,
) -> Result<Export> {
    let (body, items) = match contents {
        Contents::Counts => {
            let result = analysis::analyse(state, staff, filter).await?;
            let lines: Vec<[String; 3]> = std::iter::once([String::new(), String::new(), shown(result.alerts)])
                .chain(result.breakdowns.iter().flat_map(|b| {
                    b.cells
                        .iter()
                        .map(|c| [b.dimension.as_str().to_string(), c.value.clone(), shown(c.alerts)])
                }))
                .collect();
            let n = lines.len();
            let body = match format {
                Format::Json => serde_json::to_vec_pretty(&result).map_err(anyhow::Error::from)?,
                Format::Csv => csv_of(&["dimension", "value", "alerts"], &lines)?,
            };
            (body, n)
        }
        Contents::Table(rows, columns) => {
            let table = analysis::cross(state, staff, filter, rows, columns).await?;
            let mut lines = Vec::new();
            for line in &table.lines {
                for (column, cell) in table.column_values.iter().zip(&line.cells) {
                    lines.push([line.value.clone(), column.clone(), shown(*cell)]);
                }
                lines.push([line.value.clone(), "(all)".into(), shown(line.total)]);
            }
            let n = lines.len();
            let body = match format {
                Format::Json => serde_json::to_vec_pretty(&table).map_err(anyhow::Error::from)?,
                Format::Csv => csv_of(&[rows.as_str(), columns.as_str(), "alerts"], &lines)?,
            };
            (body, n)
        }
        Contents::Practice => {
            let practice = analysis::practice(state, staff, filter).await?;
            let mut lines = Vec::new();
            for line in &practice.lines {
                lines.push([
                    line.practice.clone(),
                    "alerts".into(),
                    String::new(),
                    shown(line.alerts),
                ]);
                for (outcome, cell) in practice.outcomes.iter().zip(&line.outcomes) {
                    lines.push([line.practice.clone(), "outcome".into(), outcome.clone(), shown(*cell)]);
                }
                for (span, cell) in practice.spans.iter().zip(&line.spans) {
                    lines.push([
                        line.practice.clone(),
                        "time_to_outcome".into(),
                        span.clone(),
                        shown(*cell),
                    ]);
                }
            }
            let n = practice.lines.len();
            let body = match format {
                Format::Json => serde_json::to_vec_pretty(&practice).map_err(anyhow::Error::from)?,
                Format::Csv => csv_of(&["practice", "measure", "value", "alerts"], &lines)?,
            };
            (body, n)
        }
        Contents::Records => {
            let query = analysis::count_query(staff, filter);
            let total = q::count(&state.db, &query).await?;
            if total > MAX_RECORDS {
                return Err(FieldErrors::single(
                    "what",
                    format!("{total} alerts match; an export holds at most {MAX_RECORDS}: narrow the filters"),
                )
                .into());
            }
            let records: Vec<ExportedRecord> = q::exported_alerts(&state.db, &query)
                .await?
                .iter()
                .filter_map(|row| record_of(state, row))
                .collect();
            let n = records.len();
            let body = match format {
                Format::Json => serde_json::to_vec_pretty(&records).map_err(anyhow::Error::from)?,
                Format::Csv => records_csv(&records)?,
            };
            (body, n)
        }
    };
    let extension = match format {
        Format::Csv => "csv",
        Format::Json => "json",
    };
    let detail = serde_json::json!({
        "format": extension,
        "items": items,
        "filter": filter.describe(),
    });
    crate::db::audit::record(
        &state.db.pool,
        crate::clock::to_millis(state.clock.now()),
        Some(&staff.user_id),
        Some(&staff.org_id),
        "analysis.export",
        contents.name(),
        &detail.to_string(),
    )
    .await?;
    Ok(Export {
        content_type: match format {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        },
        file_name: format!("tadamun-{}.{extension}", contents.name()),
        body,
    })
}

/// A count as the page shows it: the number, `<3`, or `hidden`.
fn shown(s: Shown) -> String {
    match serde_json::to_value(s) {
        Ok(serde_json::Value::Number(n)) => n.to_string(),
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn csv_of<const N: usize>(header: &[&str], lines: &[[String; N]]) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header).map_err(anyhow::Error::from)?;
    for line in lines {
        out.write_record(line).map_err(anyhow::Error::from)?;
    }
    Ok(out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
}

/// Records as CSV: one line per alert, lists joined with `; `.
fn records_csv(records: &[ExportedRecord]) -> Result<Vec<u8>> {
    let header = [
        "id",
        "number",
        "organisation",
        "source",
        "status",
        "audience",
        "urgency",
        "country",
        "region",
        "published",
        "closed",
        "outcome",
        "title",
        "violations",
        "perpetrators",
        "sector",
        "company",
        "project",
        "financier",
        "rights",
        "defenders",
        "defender_kinds",
        "women_defenders",
        "requested_actions",
    ];
    let lines: Vec<[String; 24]> = records
        .iter()
        .map(|r| {
            let opt = |o: &Option<String>| o.clone().unwrap_or_default();
            [
                r.id.clone(),
                r.number.clone(),
                r.organisation.clone(),
                r.source.clone(),
                r.status.clone(),
                r.audience.clone(),
                r.urgency.clone(),
                r.country.clone(),
                opt(&r.region),
                opt(&r.published),
                opt(&r.closed),
                opt(&r.outcome),
                r.title
                    .get("en")
                    .or_else(|| r.title.values().next())
                    .cloned()
                    .unwrap_or_default(),
                r.violations.join("; "),
                r.perpetrators.join("; "),
                opt(&r.sector),
                opt(&r.company),
                opt(&r.project),
                opt(&r.financier),
                r.rights.join("; "),
                r.defenders
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                r.defenders
                    .iter()
                    .map(|d| d.kind.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                r.defenders.iter().filter(|d| d.woman_defender).count().to_string(),
                r.requested_actions.join("; "),
            ]
        })
        .collect();
    csv_of(&header, &lines)
}

/// The record of a stored alert; `None` (and a warning) for one that no
/// longer reads, rather than fail the whole export.
fn record_of(state: &AppState, row: &ExportedAlert) -> Option<ExportedRecord> {
    let time =
        |millis: Option<i64>| millis.map(|m| crate::federation::integrity::timestamp(crate::clock::from_millis(m)));
    let (id, content, closed, outcome) = if row.source == "own" {
        let content: AlertContent = serde_json::from_str(&row.document)
            .inspect_err(|e| tracing::warn!(alert = %row.id, "an alert no longer reads; left out of an export: {e}"))
            .ok()?;
        (
            crate::federation::urls::alert(&state.config, &row.id).to_string(),
            content,
            time(row.closed_at),
            row.outcome.clone(),
        )
    } else {
        let object: crate::federation::wire::AlertObject = serde_json::from_str(&row.document)
            .inspect_err(
                |e| tracing::warn!(alert = %row.id, "a received alert no longer reads; left out of an export: {e}"),
            )
            .ok()?;
        let closing = object.closing();
        (
            row.id.clone(),
            object.domain_content(),
            closing.map(|c| crate::federation::integrity::timestamp(c.at)),
            closing.map(|c| c.outcome.as_str().to_string()),
        )
    };
    let link = content.business_link.as_ref();
    Some(ExportedRecord {
        id,
        number: row.number.clone(),
        organisation: row.organisation.clone(),
        source: row.source.clone(),
        status: row.status.clone(),
        audience: row.audience.clone(),
        urgency: row.urgency.clone(),
        country: row.country.clone(),
        region: content.region.clone(),
        published: time(row.published_at),
        closed,
        outcome,
        title: content.title.clone(),
        summary: content.summary.clone(),
        violations: content.violation_types.iter().map(|v| v.as_str().to_string()).collect(),
        perpetrators: content
            .perpetrators
            .iter()
            .map(|p| p.category.as_str().to_string())
            .collect(),
        sector: link.map(|l| l.sector.as_str().to_string()),
        company: link.and_then(|l| l.company.clone()),
        project: link.and_then(|l| l.project.clone()),
        financier: link.and_then(|l| l.financier.clone()),
        rights: content
            .rights_concerned
            .iter()
            .map(|r| r.as_str().to_string())
            .collect(),
        defenders: content
            .defenders
            .iter()
            .map(|d| ExportedDefender {
                name: if d.anonymised {
                    ANONYMISED_NAME.to_string()
                } else {
                    d.name.clone()
                },
                kind: d.kind.as_str().to_string(),
                woman_defender: d.woman_defender,
            })
            .collect(),
        requested_actions: content
            .requested_actions
            .iter()
            .map(|a| a.kind.as_str().to_string())
            .collect(),
    })
}
