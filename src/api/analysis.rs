//! The shared analysis: counts of the alerts the caller may see by violation,
//! perpetrator, sector, company, project, rights, place, defenders and month,
//! with small numbers protected (`services::analysis`).

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::routes;

use super::{ApiRoutes, Unauthorized};
use crate::error::{Result, ValidationErrorBody};
use crate::services::accounts::Staff;
use crate::services::analysis::{self, Analysis, CrossTable, Filter};
use crate::state::AppState;

pub(super) fn routes(r: ApiRoutes) -> ApiRoutes {
    r.add(routes!(get_analysis))
        .add(routes!(get_table))
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
