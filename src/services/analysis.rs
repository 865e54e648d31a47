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
//! is hidden too (secondary suppression, as statistics offices do; see
//! [`protect_partition`]).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::analysis::{self as q, CountQuery};
use crate::domain::FieldErrors;
use crate::domain::analysis::{Dimension, normalise_name};
use crate::error::{Error, Result};
use crate::services::accounts::Staff;
use crate::state::AppState;

/// Gives alerts stored before facts were kept their facts, a batch at a
/// time, when the node starts.
pub async fn backfill(state: &AppState) -> Result<usize> {
    const BATCH: i64 = 500;
    let mut done = 0;
    loop {
        let own = q::own_without_facts(&state.db, BATCH).await?;
        let received = q::received_without_facts(&state.db, BATCH).await?;
        if own.is_empty() && received.is_empty() {
            return Ok(done);
        }
        let mut tx = state.db.pool.begin().await?;
        let mut written = 0;
        for alert in &own {
            let content: crate::domain::alert::AlertContent =
                serde_json::from_str(&alert.content).map_err(anyhow::Error::from)?;
            let published = alert.published_at.map(crate::clock::from_millis);
            let facts = crate::domain::analysis::facts_of(&content, &alert.country, published);
            q::replace_facts(&mut tx, q::Source::Own, &alert.id, &facts).await?;
            written += usize::from(!facts.is_empty());
        }
        for alert in &received {
            let Ok(object) = serde_json::from_str::<crate::federation::wire::AlertObject>(&alert.document) else {
                // Kept as received and checked then; one that no longer
                // reads is left out of the counts rather than stop the node.
                tracing::warn!(alert = %alert.id, "a received alert no longer reads; left out of the analysis");
                continue;
            };
            let country = object.location.country.to_ascii_uppercase();
            let facts = crate::domain::analysis::facts_of(&object.domain_content(), &country, Some(object.published));
            q::replace_facts(&mut tx, q::Source::Network, &alert.id, &facts).await?;
            written += usize::from(!facts.is_empty());
        }
        tx.commit().await?;
        if written == 0 {
            // Nothing more can be given facts (alerts without any content).
            return Ok(done);
        }
        done += written;
    }
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
                "lang" => {}
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

/// Whether each alert has at most one value of `dimension`.
pub fn one_per_alert(dimension: Dimension) -> bool {
    use Dimension::*;
    matches!(
        dimension,
        Country | Region | Sector | Company | Project | Financier | WomanDefender | Month
    )
}

/// The analysis of the alerts `staff` may see, as `filter` narrows them.
pub async fn analyse(state: &AppState, staff: &Staff, filter: &Filter) -> Result<Analysis> {
    let query = CountQuery {
        viewer_org_id: staff.org_id.clone(),
        viewer_org_slug: staff.org_slug.clone(),
        having: filter
            .having
            .iter()
            .map(|(d, v)| (d.as_str().to_string(), v.clone()))
            .collect(),
        from_month: filter.from_month.clone(),
        to_month: filter.to_month.clone(),
    };
    let (total, rows) = q::counts(&state.db, &query).await?;
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
///
/// A reader knows the total, the cells shown, that each `<t` cell is between
/// 1 and `t - 1`, and that a `hidden` one is at least `t`. While some `<t`
/// cell's value follows from that (its possible range is one number), the
/// smallest cell still shown is hidden as well.
pub fn protect_partition(cells: &[(String, i64)], t: i64) -> Option<Vec<Shown>> {
    let mut shown: Vec<Shown> = cells.iter().map(|(_, n)| primary(*n, t)).collect();
    loop {
        let fewer = shown
            .iter()
            .filter(|s| **s == Shown::Protected(Protected::Fewer))
            .count() as i64;
        if fewer == 0 {
            return Some(shown);
        }
        let hidden = shown
            .iter()
            .filter(|s| **s == Shown::Protected(Protected::Hidden))
            .count() as i64;
        // What the protected cells add up to, as the total minus those shown.
        let sum: i64 = cells
            .iter()
            .zip(&shown)
            .filter(|(_, s)| matches!(s, Shown::Protected(_)))
            .map(|((_, n), _)| n)
            .sum();
        let (low, high) = if hidden == 0 {
            ((sum - (fewer - 1) * (t - 1)).max(1), (t - 1).min(sum - (fewer - 1)))
        } else {
            (1, (t - 1).min(sum - hidden * t - (fewer - 1)))
        };
        if high > low {
            return Some(shown);
        }
        // Hide the smallest count still shown (zero says nothing to hide).
        let next = cells
            .iter()
            .zip(&shown)
            .enumerate()
            .filter(|(_, ((_, n), s))| matches!(s, Shown::Count(_)) && *n > 0)
            .min_by_key(|(_, ((_, n), _))| *n)
            .map(|(i, _)| i)?;
        shown[next] = Shown::Protected(Protected::Hidden);
    }
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
