//! The shared analysis: counts of the alerts the caller may see by violation,
//! perpetrator, sector, company, project, rights, place, defenders and month,
//! with small numbers protected (`services::analysis`).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::routes;

use super::{ApiRoutes, Unauthorized};
use crate::error::{Result, ValidationErrorBody};
use crate::services::accounts::Staff;
use crate::services::analysis::{self, Analysis, CrossTable, Filter, Practice};
use crate::services::analysis_export;
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(routes!(get_analysis))
        .add(routes!(get_table))
        .add(routes!(get_practice))
        .add(routes!(get_export))
        .add(routes!(get_network))
}

/// Filters: alerts must have every value given (a dimension may be given
/// more than once), and be published within `from`..`to`.
#[allow(dead_code)] // describes the query; the handler reads it with repeats
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AnalysisParams {
    /// First month, `YYYY-MM`.
    from: Option<String>,
    /// Last month, `YYYY-MM`.
    to: Option<String>,
    /// A violation type (vocabulary key).
    violation: Option<String>,
    /// A perpetrator category.
    perpetrator: Option<String>,
    /// How a perpetrator was involved.
    involvement: Option<String>,
    /// A business sector.
    sector: Option<String>,
    /// A company, as named in alerts.
    company: Option<String>,
    /// A project, as named in alerts.
    project: Option<String>,
    /// A financier, as named in alerts.
    financier: Option<String>,
    /// A right concerned.
    right: Option<String>,
    /// ISO 3166-1 alpha-2.
    country: Option<String>,
    /// `CC/region`.
    region: Option<String>,
    /// A kind of defender.
    defender_kind: Option<String>,
    /// `yes` or `no`.
    woman_defender: Option<String>,
    /// `YYYY-MM`.
    month: Option<String>,
    /// What members were asked to do (a requested action kind).
    requested_action: Option<String>,
    /// How a closed alert ended.
    outcome: Option<String>,
    /// How long it took: `up_to_7_days`, `up_to_30_days`, `up_to_90_days`,
    /// `up_to_365_days` or `over_365_days`.
    time_to_outcome: Option<String>,
}

/// Counts of the released alerts the caller's organisation may see (its own
/// and those received), by each dimension. A count below the node's threshold
/// is `"<3"`; one hidden so that such a count cannot be worked out from the
/// others is `"hidden"`; with fewer alerts than the threshold, only `"<3"`.
#[utoipa::path(
    get,
    path = "/analysis",
    security(("bearer" = [])),
    params(AnalysisParams),
    responses(
        (status = 200, description = "The counts", body = Analysis),
        Unauthorized,
        (status = 422, description = "An unknown filter or a month not written YYYY-MM", body = ValidationErrorBody),
    )
)]
async fn get_analysis(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(query): RawQuery,
) -> Result<Json<Analysis>> {
    let filter = Filter::parse(&pairs_of(query))?;
    Ok(Json(analysis::analyse(&state, &staff, &filter).await?))
}

/// Query pairs, repeats kept.
fn pairs_of(query: Option<String>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[allow(dead_code)] // describes the query; the handler reads it with repeats
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TableParams {
    /// The dimension of the lines (e.g. `sector`, `company`, `month`).
    rows: String,
    /// The dimension of the columns (e.g. `violation`, `country`).
    columns: String,
}

/// Two dimensions against each other (which sectors come with which
/// violations, which companies recur in which countries, any dimension month
/// by month), for the alerts the filters of `GET /analysis` keep. Cells are
/// protected as there, along lines and columns together.
#[utoipa::path(
    get,
    path = "/analysis/table",
    security(("bearer" = [])),
    params(TableParams, AnalysisParams),
    responses(
        (status = 200, description = "The table", body = CrossTable),
        Unauthorized,
        (status = 422, description = "A missing or unknown dimension, the same one twice, or a bad filter", body = ValidationErrorBody),
    )
)]
async fn get_table(State(state): State<AppState>, staff: Staff, RawQuery(query): RawQuery) -> Result<Json<CrossTable>> {
    let pairs = pairs_of(query);
    let (rows, columns) = analysis::table_dimensions(&pairs)?;
    let filter = Filter::parse(&pairs)?;
    Ok(Json(analysis::cross(&state, &staff, &filter, rows, columns).await?))
}

/// Protection practice: for the closed alerts the filters keep, how those
/// that used each practice (what members were asked to do; the responses
/// and offers of support the caller's organisation may see) ended, and how
/// long it took. Counts side by side, not causes; protected as the analysis.
#[utoipa::path(
    get,
    path = "/analysis/practice",
    security(("bearer" = [])),
    params(AnalysisParams),
    responses(
        (status = 200, description = "The practices and their outcomes", body = Practice),
        Unauthorized,
        (status = 422, description = "An unknown filter or a month not written YYYY-MM", body = ValidationErrorBody),
    )
)]
async fn get_practice(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(query): RawQuery,
) -> Result<Json<Practice>> {
    let filter = Filter::parse(&pairs_of(query))?;
    Ok(Json(analysis::practice(&state, &staff, &filter).await?))
}

#[allow(dead_code)] // describes the query; the handler reads it with repeats
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportParams {
    /// `counts` (default), `table` (with `rows` and `columns`), `practice`
    /// or `records`.
    what: Option<String>,
    /// `csv` (default) or `json`.
    format: Option<String>,
    /// For a table: the dimension of the lines.
    rows: Option<String>,
    /// For a table: the dimension of the columns.
    columns: Option<String>,
}

/// An export of the analysis for the alerts the filters keep: the counts,
/// a table, the protection practice (protected as in `GET /analysis`), or
/// the alerts' records: what other nodes may hold of each (never local-only
/// fields), with anonymised defenders' names replaced by `(anonymised)`; at
/// most 20,000. Every export is written to the audit log.
#[utoipa::path(
    get,
    path = "/analysis/export",
    security(("bearer" = [])),
    params(ExportParams, AnalysisParams),
    responses(
        (status = 200, description = "The export", content(
            (String = "text/csv"),
            (serde_json::Value = "application/json"),
        )),
        Unauthorized,
        (status = 422, description = "An unknown kind of export or format, a bad filter or table, or too many records", body = ValidationErrorBody),
    )
)]
async fn get_export(State(state): State<AppState>, staff: Staff, RawQuery(query): RawQuery) -> Result<Response> {
    let pairs = pairs_of(query);
    let (contents, format) = analysis_export::parse(&pairs)?;
    let filter = Filter::parse(&pairs)?;
    let export = analysis_export::export(&state, &staff, &filter, contents, format).await?;
    Ok(([(CONTENT_TYPE, export.content_type)], export.body).into_response())
}

/// The network-wide picture: for each published dimension and value, the
/// sum of the counts that organisations publish (this node's publishing
/// organisations counted now, and the signed aggregates received from
/// others), with who contributed and when each part was made. A sum with a
/// protected part is a range (`"6–7"`, `"≥3"`, `"≤4"`); one that could be
/// under the threshold never shows as a small number (`"<3"`).
#[utoipa::path(
    get,
    path = "/analysis/network",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The picture", body = crate::services::network_analysis::NetworkPicture),
        Unauthorized,
    )
)]
async fn get_network(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<crate::services::network_analysis::NetworkPicture>> {
    Ok(Json(crate::services::network_analysis::picture(&state, &staff).await?))
}
