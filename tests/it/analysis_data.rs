//! The shared analysis over a generated data set of thousands of alerts
//! (`tadamun::cli::analysis_data`), on both databases: every count, table
//! and line of protection practice equals a count made here, directly, from
//! the data as generated and the rules of who may see what; small numbers
//! never show; filters narrow; exports parse, hold the same, never a
//! local-only field or an anonymised defender's name, and are audited.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::StatusCode;
use serde_json::Value;
use tadamun::cli::analysis_data::{self, Generated, LOCAL_ONLY_MARK, Org};
use tadamun::domain::vocab::{ActionKind, AlertStatus, Audience, Role};

use crate::support::{TestEnv, TestNode};
use crate::tests;

pub fn cases() -> Vec<crate::support::TestCase> {
    tests![
        every_aggregate_over_thousands_of_generated_alerts_equals_a_direct_count,
        the_tallies_follow_every_change_of_an_alert_and_of_who_may_see_it
    ]
}

/// Alerts of ours and received, each.
const EACH: usize = 1500;

/// Whether the organisation `viewer` (slug and id) may see `alert`: ours
/// when released and its own, or not restricted, or restricted to it;
/// received ones when not restricted or addressed to it.
fn sees(viewer: &Org, alert: &Generated) -> bool {
    if alert.source == "own" {
        alert.status != AlertStatus::Draft
            && (alert.author == viewer.slug
                || alert.audience != Audience::Restricted
                || alert.named.contains(&viewer.slug))
    } else {
        alert.audience != Audience::Restricted || alert.named.contains(&viewer.id)
    }
}

/// Each dimension's values for one alert, read from the data directly.
fn values(alert: &Generated) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut v: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    let mut add = |d: &'static str, value: String| {
        v.entry(d).or_default().insert(value);
    };
    let c = &alert.content;
    for x in &c.violation_types {
        add("violation", x.as_str().into());
    }
    for p in &c.perpetrators {
        add("perpetrator", p.category.as_str().into());
        if let Some(i) = p.involvement {
            add("involvement", i.as_str().into());
        }
    }
    if let Some(link) = &c.business_link {
        add("sector", link.sector.as_str().into());
        for (d, name) in [
            ("company", &link.company),
            ("project", &link.project),
            ("financier", &link.financier),
        ] {
            if let Some(name) = name {
                add(d, name.clone());
            }
        }
    }
    for r in &c.rights_concerned {
        add("right", r.as_str().into());
    }
    add("country", alert.country.clone());
    if let Some(region) = &c.region {
        add("region", format!("{}/{region}", alert.country));
    }
    for d in &c.defenders {
        add("defender_kind", d.kind.as_str().into());
    }
    if !c.defenders.is_empty() {
        add(
            "woman_defender",
            if c.defenders.iter().any(|d| d.woman_defender) {
                "yes"
            } else {
                "no"
            }
            .into(),
        );
    }
    add("month", alert.published.format("%Y-%m").to_string());
    for a in &c.requested_actions {
        add("requested_action", a.kind.as_str().into());
    }
    if let Some((outcome, at)) = alert.closing {
        add("outcome", outcome.as_str().into());
        add("time_to_outcome", span((at - alert.published).num_days()).into());
    }
    v
}

fn span(days: i64) -> &'static str {
    match days {
        ..=7 => "up_to_7_days",
        8..=30 => "up_to_30_days",
        31..=90 => "up_to_90_days",
        91..=365 => "up_to_365_days",
        _ => "over_365_days",
    }
}

/// Dimensions in which an alert has one value at most ("" for none).
const ONE_PER_ALERT: &[&str] = &[
    "country",
    "region",
    "sector",
    "company",
    "project",
    "financier",
    "woman_defender",
    "month",
    "outcome",
    "time_to_outcome",
];

/// The direct count: (dimension, value) → alerts; "" for none where an
/// alert has one value at most.
fn direct(alerts: &[&Generated]) -> BTreeMap<(String, String), i64> {
    let mut counts = BTreeMap::new();
    for alert in alerts {
        let v = values(alert);
        for (d, values) in &v {
            for value in values {
                *counts.entry((d.to_string(), value.clone())).or_insert(0) += 1;
            }
        }
        for d in ONE_PER_ALERT {
            if !v.contains_key(d) {
                *counts.entry((d.to_string(), String::new())).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// A shown count against the true one: equal, or protected as it must be.
/// Returns whether it is protected.
fn agrees(shown: &Value, n: i64, what: &str) -> bool {
    match shown {
        Value::Number(x) => {
            assert_eq!(x.as_i64().unwrap(), n, "{what}");
            assert!(n == 0 || n >= 3, "a small count shows: {what} = {n}");
            false
        }
        Value::String(s) if s == "<3" => {
            assert!((1..3).contains(&n), "{what} is {n}, shown <3");
            true
        }
        Value::String(s) if s == "hidden" => {
            assert!(n >= 3, "{what} is {n}, hidden as if not small");
            true
        }
        other => panic!("{what}: {other}"),
    }
}

/// Checks every cell of `GET /analysis` against the direct count.
fn check_counts(analysis: &Value, visible: &[&Generated], small_expected: bool) {
    let total = visible.len() as i64;
    assert!(total >= 3);
    assert_eq!(analysis["alerts"], total, "the total");
    let expected = direct(visible);
    let breakdowns = analysis["breakdowns"].as_array().unwrap();
    assert_eq!(breakdowns.len(), 16, "every dimension");
    let mut protected_seen = 0;
    for breakdown in breakdowns {
        let d = breakdown["dimension"].as_str().unwrap();
        let cells = breakdown["cells"].as_array().unwrap();
        if cells.is_empty() {
            continue;
        }
        let mut protected = 0;
        for cell in cells {
            let value = cell["value"].as_str().unwrap().to_string();
            let n = expected.get(&(d.to_string(), value.clone())).copied().unwrap_or(0);
            protected += usize::from(agrees(&cell["alerts"], n, &format!("{d}={value}")));
        }
        // Every value counted directly is there.
        for ((ed, value), n) in &expected {
            if ed == d && *n > 0 {
                assert!(
                    cells.iter().any(|c| c["value"] == value.as_str()),
                    "{d}={value} ({n}) missing"
                );
            }
        }
        if ONE_PER_ALERT.contains(&d) {
            assert_eq!(breakdown["one_per_alert"], true, "{d}");
            // One protected cell alone would be the total less the others.
            assert_ne!(protected, 1, "{d}: one protected cell can be worked out");
        }
        protected_seen += protected;
    }
    assert!(!small_expected || protected_seen > 0, "the data set has small counts");
}

/// Checks a table of two dimensions against the direct count.
fn check_table(table: &Value, visible: &[&Generated], rows: &str, columns: &str) {
    // Each alert's values, read once.
    type Values = BTreeMap<&'static str, BTreeSet<String>>;
    let read: Vec<Values> = visible.iter().map(|a| values(a)).collect();
    let columns_of: Vec<&str> = table["column_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let lines = table["lines"].as_array().unwrap();
    assert!(!lines.is_empty(), "{rows} × {columns} is shown: {table}");
    let line_values: Vec<&str> = lines.iter().map(|l| l["value"].as_str().unwrap()).collect();
    // "(other)" stands for the values (with "" for none) not shown alone.
    let has = |v: &Values, d: &str, value: &str| {
        let alone = if d == rows { &line_values } else { &columns_of };
        let of_alert: Vec<String> = match v.get(d) {
            Some(values) => values.iter().cloned().collect(),
            None => vec![String::new()],
        };
        if value == "(other)" {
            of_alert.iter().any(|x| !alone.contains(&x.as_str()))
        } else {
            of_alert.iter().any(|x| x == value)
        }
    };
    // Values with fewer alerts than the threshold are never lines alone.
    for (d, alone) in [(rows, &line_values), (columns, &columns_of)] {
        for value in alone.iter().filter(|v| **v != "(other)") {
            let n = read.iter().filter(|a| has(a, d, value)).count();
            assert!(n >= 3, "{d}={value} has {n} alerts, yet a line or column of its own");
        }
    }
    for line in lines {
        let row = line["value"].as_str().unwrap();
        let line_total = read.iter().filter(|a| has(a, rows, row)).count() as i64;
        agrees(&line["total"], line_total, &format!("{rows}={row}"));
        for (column, cell) in columns_of.iter().zip(line["cells"].as_array().unwrap()) {
            let n = read
                .iter()
                .filter(|a| has(a, rows, row) && has(a, columns, column))
                .count() as i64;
            agrees(cell, n, &format!("{rows}={row} × {columns}={column}"));
        }
    }
}

/// The practices of a closed alert the viewer sees: every closed alert
/// (`all`), what members were asked, and the responses the viewer sees.
fn practices(viewer: &Org, alert: &Generated) -> BTreeSet<String> {
    let mut p = BTreeSet::from(["all".to_string()]);
    for a in &alert.content.requested_actions {
        p.insert(format!("requested:{}", a.kind.as_str()));
    }
    let author = alert.source == "own" && alert.author == viewer.slug;
    for action in &alert.actions {
        let own = action.org_id.as_deref() == Some(viewer.id.as_str());
        let offer = action.kind == ActionKind::SupportOffer;
        let seen = author
            || own
            || (offer && alert.source == "own" && alert.offer_viewers.contains(&viewer.id))
            || (!offer && action.shareable);
        if seen {
            p.insert(match action.support_type {
                Some(t) if offer => format!("support:{}", t.as_str()),
                _ => format!("action:{}", action.kind.as_str()),
            });
        }
    }
    p
}

fn check_practice(practice: &Value, viewer: &Org, visible: &[&Generated]) {
    let closed: Vec<&&Generated> = visible.iter().filter(|a| a.closing.is_some()).collect();
    assert_eq!(practice["closed"], closed.len() as i64, "closed alerts");
    let outcomes: Vec<&str> = practice["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let spans: Vec<&str> = practice["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let lines = practice["lines"].as_array().unwrap();
    let mut expected_practices: BTreeSet<String> = BTreeSet::new();
    for a in &closed {
        expected_practices.extend(practices(viewer, a));
    }
    let shown: BTreeSet<String> = lines
        .iter()
        .map(|l| l["practice"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(shown, expected_practices, "the practices used");
    assert!(shown.iter().any(|p| p.starts_with("support:")), "offers are counted");
    for line in lines {
        let name = line["practice"].as_str().unwrap();
        let with: Vec<&&&Generated> = closed.iter().filter(|a| practices(viewer, a).contains(name)).collect();
        agrees(&line["alerts"], with.len() as i64, name);
        let cells = line["outcomes"].as_array().unwrap();
        if cells.is_empty() {
            continue;
        }
        let mut protected = 0;
        for (outcome, cell) in outcomes.iter().zip(cells) {
            let n = with
                .iter()
                .filter(|a| a.closing.unwrap().0.as_str() == *outcome)
                .count() as i64;
            protected += usize::from(agrees(cell, n, &format!("{name} → {outcome}")));
        }
        assert_ne!(protected, 1, "{name}: one protected outcome can be worked out");
        let mut protected = 0;
        for (s, cell) in spans.iter().zip(line["spans"].as_array().unwrap()) {
            let n = with
                .iter()
                .filter(|a| {
                    let (_, at) = a.closing.unwrap();
                    span((at - a.published).num_days()) == *s
                })
                .count() as i64;
            protected += usize::from(agrees(cell, n, &format!("{name} in {s}")));
        }
        assert_ne!(protected, 1, "{name}: one protected span can be worked out");
    }
}

async fn text(node: &TestNode, token: &str, path: &str) -> (StatusCode, String, String) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", node.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

/// A node of three organisations (`reader`, `second`, `third`), with a
/// member of each and `username` of the first in `role`: the node, that
/// person's token, the organisations and that person's id.
async fn node_of_three_organisations(
    env: &TestEnv,
    role: Role,
    username: &str,
) -> (TestNode, String, Vec<Org>, String) {
    let node = TestNode::spawn(env).await;
    let token = node.staff("reader", role, username).await;
    node.staff("second", Role::Member, "second-member").await;
    node.staff("third", Role::Member, "third-member").await;
    let mut orgs = Vec::new();
    for slug in ["reader", "second", "third"] {
        let org = tadamun::db::accounts::find_org_by_slug(node.db(), slug)
            .await
            .unwrap()
            .unwrap();
        orgs.push(Org {
            id: org.id,
            slug: slug.into(),
        });
    }
    let (user_id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&node.db().pool)
        .await
        .unwrap();
    (node, token, orgs, user_id)
}

async fn every_aggregate_over_thousands_of_generated_alerts_equals_a_direct_count(env: TestEnv) {
    let (node, token, orgs, user_id) = node_of_three_organisations(&env, Role::Member, "reader-analyst").await;
    let generated = analysis_data::seed(&node.state, &orgs, &user_id, EACH, EACH)
        .await
        .unwrap();
    let viewer = &orgs[0];
    let visible: Vec<&Generated> = generated.iter().filter(|a| sees(viewer, a)).collect();
    assert!(
        visible.len() > 2000 && visible.len() < 2 * EACH,
        "{} seen",
        visible.len()
    );

    let (status, analysis) = node.get(&token, "/api/v1/analysis").await;
    assert_eq!(status, StatusCode::OK, "{analysis}");
    check_counts(&analysis, &visible, true);

    // What each organisation would publish of its own alerts, whatever
    // their audience (read from its author tallies), against the data.
    for org in &orgs {
        let own: Vec<&Generated> = generated
            .iter()
            .filter(|a| a.source == "own" && a.author == org.slug && a.status != AlertStatus::Draft)
            .collect();
        let (total, counts) = tadamun::db::analysis::author_counts(node.db(), &org.id, false)
            .await
            .unwrap();
        assert_eq!(total, own.len() as i64, "{}'s own alerts", org.slug);
        let expected: BTreeMap<(String, String), i64> = direct(&own)
            .into_iter()
            .filter(|((_, value), n)| !value.is_empty() && *n > 0)
            .collect();
        let kept: BTreeMap<(String, String), i64> =
            counts.into_iter().map(|c| ((c.dimension, c.value), c.alerts)).collect();
        assert_eq!(kept, expected, "{}'s own alerts by dimension", org.slug);
    }

    for (rows, columns) in [
        ("month", "violation"),
        ("company", "country"),
        ("sector", "perpetrator"),
        ("outcome", "country"),
        ("financier", "company"),
    ] {
        let (status, table) = node
            .get(&token, &format!("/api/v1/analysis/table?rows={rows}&columns={columns}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{table}");
        check_table(&table, &visible, rows, columns);
    }

    let (status, practice) = node.get(&token, "/api/v1/analysis/practice").await;
    assert_eq!(status, StatusCode::OK, "{practice}");
    check_practice(&practice, viewer, &visible);

    // Filters narrow every view alike.
    let filter = "country=GT&from=2025-03&to=2026-06";
    let narrowed: Vec<&Generated> = visible
        .iter()
        .copied()
        .filter(|a| {
            let month = a.published.format("%Y-%m").to_string();
            a.country == "GT" && month.as_str() >= "2025-03" && month.as_str() <= "2026-06"
        })
        .collect();
    assert!(narrowed.len() > 50, "{} in the filtered view", narrowed.len());
    let (_, filtered) = node.get(&token, &format!("/api/v1/analysis?{filter}")).await;
    check_counts(&filtered, &narrowed, false);
    let (_, filtered_practice) = node.get(&token, &format!("/api/v1/analysis/practice?{filter}")).await;
    check_practice(&filtered_practice, viewer, &narrowed);

    // The views kept ready (one fact, months, a dimension month by month)
    // and one counted from the facts (two facts) agree with the direct count.
    let having = |d: &str, value: &str| {
        let (d, value) = (d.to_string(), value.to_string());
        move |a: &&Generated| values(a).get(d.as_str()).is_some_and(|v| v.contains(&value))
    };
    let mining: Vec<&Generated> = visible.iter().copied().filter(having("sector", "mining")).collect();
    assert!(mining.len() > 50, "{} mining alerts", mining.len());
    let (_, by_sector) = node.get(&token, "/api/v1/analysis?sector=mining").await;
    check_counts(&by_sector, &mining, false);
    let (_, mining_practice) = node.get(&token, "/api/v1/analysis/practice?sector=mining").await;
    check_practice(&mining_practice, viewer, &mining);
    // Trends over the alerts with no woman defender: dense enough to show.
    let without_women: Vec<&Generated> = visible.iter().copied().filter(having("woman_defender", "no")).collect();
    for (rows, columns) in [
        ("month", "country"),
        ("violation", "month"),
        ("month", "woman_defender"),
    ] {
        let (_, trend) = node
            .get(
                &token,
                &format!("/api/v1/analysis/table?rows={rows}&columns={columns}&woman_defender=no"),
            )
            .await;
        check_table(&trend, &without_women, rows, columns);
    }
    let violation = values(visible[0])["violation"].iter().next().unwrap().clone();
    let violated: Vec<&Generated> = visible
        .iter()
        .copied()
        .filter(having("violation", &violation))
        .collect();
    let (_, trend) = node
        .get(
            &token,
            &format!("/api/v1/analysis/table?rows=month&columns=violation&violation={violation}"),
        )
        .await;
    check_table(&trend, &violated, "month", "violation");
    let (_, ranged) = node
        .get(
            &token,
            "/api/v1/analysis/table?rows=sector&columns=violation&from=2025-03&to=2026-06",
        )
        .await;
    let in_months: Vec<&Generated> = visible
        .iter()
        .copied()
        .filter(|a| {
            let month = a.published.format("%Y-%m").to_string();
            month.as_str() >= "2025-03" && month.as_str() <= "2026-06"
        })
        .collect();
    check_table(&ranged, &in_months, "sector", "violation");
    // A table of the required fact's own dimension: its one line.
    for (rows, columns) in [("sector", "violation"), ("country", "sector")] {
        let (_, table) = node
            .get(
                &token,
                &format!("/api/v1/analysis/table?rows={rows}&columns={columns}&sector=mining"),
            )
            .await;
        check_table(&table, &mining, rows, columns);
    }
    let mining_in_gt: Vec<&Generated> = mining.iter().copied().filter(having("country", "GT")).collect();
    let (_, two_facts) = node.get(&token, "/api/v1/analysis?sector=mining&country=GT").await;
    check_counts(&two_facts, &mining_in_gt, false);
    let (_, two_facts_table) = node
        .get(
            &token,
            "/api/v1/analysis/table?rows=company&columns=violation&country=GT",
        )
        .await;
    let in_gt: Vec<&Generated> = visible.iter().copied().filter(having("country", "GT")).collect();
    check_table(&two_facts_table, &in_gt, "company", "violation");
    assert_eq!(
        node.analysis_drift().await,
        (0, 0),
        "the tallies are what the facts give"
    );

    // Exports: the counts as CSV hold what the API shows.
    let (status, kind, csv_counts) = text(
        &node,
        &token,
        &format!("/api/v1/analysis/export?what=counts&format=csv&{filter}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv_counts}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    let mut reader = csv::Reader::from_reader(csv_counts.as_bytes());
    assert_eq!(reader.headers().unwrap(), vec!["dimension", "value", "alerts"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(&rows[0][2], narrowed.len().to_string(), "the total first");
    for breakdown in filtered["breakdowns"].as_array().unwrap() {
        for cell in breakdown["cells"].as_array().unwrap() {
            let shown = match &cell["alerts"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert!(
                rows.iter().any(|r| &r[0] == breakdown["dimension"].as_str().unwrap()
                    && &r[1] == cell["value"].as_str().unwrap()
                    && r[2] == shown),
                "{} = {} in the CSV",
                breakdown["dimension"],
                cell["value"]
            );
        }
    }
    assert!(
        !rows.iter().any(|r| &r[2] == "1" || &r[2] == "2"),
        "no small count exported"
    );
    let (_, _, json_counts) = text(
        &node,
        &token,
        &format!("/api/v1/analysis/export?what=counts&format=json&{filter}"),
    )
    .await;
    assert_eq!(serde_json::from_str::<Value>(&json_counts).unwrap(), filtered);
    let (_, _, json_practice) = text(&node, &token, "/api/v1/analysis/export?what=practice&format=json").await;
    assert_eq!(serde_json::from_str::<Value>(&json_practice).unwrap(), practice);
    let (status, _, csv_table) = text(
        &node,
        &token,
        "/api/v1/analysis/export?what=table&rows=sector&columns=violation&format=csv",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv_table}");
    let table_rows = csv::Reader::from_reader(csv_table.as_bytes()).records().count();
    assert!(table_rows > 20, "{table_rows} cells");

    // Records: every alert the viewer sees, and nothing local-only.
    let (status, kind, records) = text(
        &node,
        &token,
        &format!("/api/v1/analysis/export?what=records&format=json&{filter}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{records}");
    assert!(kind.starts_with("application/json"), "{kind}");
    let records: Vec<Value> = serde_json::from_str(&records).unwrap();
    assert_eq!(records.len(), narrowed.len());
    let numbers: BTreeSet<&str> = records.iter().map(|r| r["number"].as_str().unwrap()).collect();
    assert_eq!(numbers.len(), records.len(), "each alert once");
    let anonymised = narrowed
        .iter()
        .filter(|a| a.content.defenders.iter().any(|d| d.anonymised))
        .count();
    assert!(anonymised > 0, "the data set has anonymised defenders");
    let replaced = records
        .iter()
        .filter(|r| {
            r["defenders"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["name"] == "(anonymised)")
        })
        .count();
    assert_eq!(replaced, anonymised, "anonymised names replaced");
    let (_, _, all_records_csv) = text(&node, &token, "/api/v1/analysis/export?what=records&format=csv").await;
    let mut reader = csv::Reader::from_reader(all_records_csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let name_column = header.iter().position(|h| h == "defenders").unwrap();
    let lines: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(lines.len(), visible.len());
    for alert in visible
        .iter()
        .filter(|a| a.content.defenders.iter().any(|d| d.anonymised))
    {
        let name = &alert.content.defenders[0].name;
        assert!(
            !lines.iter().any(|l| l[name_column].split("; ").any(|n| n == name)),
            "{name} is anonymised"
        );
    }
    assert!(
        !all_records_csv.contains(LOCAL_ONLY_MARK),
        "a local-only field left the node"
    );

    // What cannot be exported is named; every export is in the audit log.
    let (status, _, refused) = text(&node, &token, "/api/v1/analysis/export?what=everything&format=xls").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let refused: Value = serde_json::from_str(&refused).unwrap();
    assert!(
        refused["fields"]["what"].is_string() && refused["fields"]["format"].is_string(),
        "{refused}"
    );
    let (exports,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'analysis.export' AND user_id = $1")
            .bind(&user_id)
            .fetch_one(&node.db().pool)
            .await
            .unwrap();
    assert_eq!(exports, 6, "each export audited, the refused one not");
}

/// The counts kept ready (`db::analysis`'s tallies) against the same counts
/// made from the facts, for each organisation and several views, and for
/// what each organisation publishes of its own alerts.
async fn tallies_agree_with_facts(node: &TestNode, orgs: &[Org], when: &str) {
    use tadamun::db::analysis::{CountQuery, author_counts, counts, pair_counts, practice_counts};
    assert_eq!(node.analysis_drift().await, (0, 0), "{when}: drift");
    for org in orgs {
        let kept = author_counts(node.db(), &org.id, false).await.unwrap();
        let counted = author_counts(node.db(), &org.id, true).await.unwrap();
        assert_eq!(kept, counted, "{when}: {}'s own alerts", org.slug);
    }
    // What is required, and the first month.
    type View = (Vec<(String, String)>, Option<&'static str>);
    let views: [View; 5] = [
        (Vec::new(), None),
        (vec![("sector".into(), "mining".into())], None),
        (vec![("country".into(), "GT".into())], Some("2025-06")),
        // Read from the facts, the rarest first, a month among them.
        (
            vec![
                ("sector".into(), "mining".into()),
                ("violation".into(), "death_threat".into()),
            ],
            None,
        ),
        (
            vec![("country".into(), "GT".into()), ("month".into(), "2025-09".into())],
            Some("2025-01"),
        ),
    ];
    for org in orgs {
        for (having, from) in &views {
            let query = |from_facts| CountQuery {
                viewer_org_id: org.id.clone(),
                having: having.clone(),
                from_month: from.map(str::to_string),
                to_month: None,
                from_facts,
            };
            let kept = counts(node.db(), &query(false)).await.unwrap();
            let counted = counts(node.db(), &query(true)).await.unwrap();
            assert_eq!(kept, counted, "{when}: counts for {} with {having:?}", org.slug);
            let kept = practice_counts(node.db(), &query(false)).await.unwrap();
            let counted = practice_counts(node.db(), &query(true)).await.unwrap();
            assert_eq!(kept, counted, "{when}: practice for {} with {having:?}", org.slug);
            for (rows, columns) in [("sector", "violation"), ("month", "country")] {
                let kept = pair_counts(node.db(), &query(false), rows, columns).await.unwrap();
                let counted = pair_counts(node.db(), &query(true), rows, columns).await.unwrap();
                assert_eq!(kept, counted, "{when}: {rows} × {columns} for {}", org.slug);
            }
        }
    }
}

async fn the_tallies_follow_every_change_of_an_alert_and_of_who_may_see_it(env: TestEnv) {
    let (node, coordinator, mut orgs, user_id) =
        node_of_three_organisations(&env, Role::Coordinator, "reader-coordinator").await;
    analysis_data::seed(&node.state, &orgs, &user_id, 150, 150)
        .await
        .unwrap();
    tallies_agree_with_facts(&node, &orgs, "seeded").await;
    let pool = &node.db().pool;

    // Our alerts: closed, and withdrawn, through the API.
    let open: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM alerts WHERE org_id = $1 AND status = 'open' ORDER BY id LIMIT 3")
            .bind(&orgs[0].id)
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(open.len(), 3, "the data set has open alerts of ours");
    let (status, body) = node
        .post(
            &coordinator,
            &format!("/api/v1/alerts/{}/close", open[0].0),
            &serde_json::json!({"outcome": "released", "note": "Released on bail."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    tallies_agree_with_facts(&node, &orgs, "closed").await;
    let (status, body) = node
        .post(
            &coordinator,
            &format!("/api/v1/alerts/{}/withdraw", open[1].0),
            &serde_json::json!({"reason": "the family asked us to"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    tallies_agree_with_facts(&node, &orgs, "withdrawn").await;

    // Responses and offers on an alert of ours: recorded, shown to another
    // organisation, the alert closed, and an offer retracted, through the API.
    let closed = &open[2].0;
    let second = node.staff("second", Role::Coordinator, "second-coordinator").await;
    let mut recorded = Vec::new();
    for (who, body) in [
        (
            &second,
            serde_json::json!({"kind": "support_offer", "support_type": "grant_funds"}),
        ),
        (
            &second,
            serde_json::json!({"kind": "letter_sent", "addressee": "The Attorney General", "shareable": false}),
        ),
        (
            &coordinator,
            serde_json::json!({"kind": "statement", "shareable": true, "content": {"en": "We stand with them."}}),
        ),
    ] {
        let (status, action) = node.post(who, &format!("/api/v1/alerts/{closed}/actions"), &body).await;
        assert_eq!(status, StatusCode::CREATED, "{action}");
        recorded.push(action["id"].as_str().unwrap().to_string());
    }
    tallies_agree_with_facts(&node, &orgs, "responses recorded").await;
    let (status, body) = node
        .call(
            reqwest::Method::PUT,
            Some(&coordinator),
            &format!("/api/v1/alerts/{closed}/offer-viewers"),
            Some(&serde_json::json!({"orgs": ["third"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    tallies_agree_with_facts(&node, &orgs, "offers shown to another organisation").await;
    let (status, body) = node
        .post(
            &coordinator,
            &format!("/api/v1/alerts/{closed}/close"),
            &serde_json::json!({"outcome": "charges_dropped", "note": "Dropped."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    tallies_agree_with_facts(&node, &orgs, "closed after responses").await;
    let (status, practice) = node.get(&coordinator, "/api/v1/analysis/practice").await;
    assert_eq!(status, StatusCode::OK, "{practice}");
    let (status, body) = node
        .call(
            reqwest::Method::DELETE,
            Some(&second),
            &format!("/api/v1/actions/{}", recorded[0]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    tallies_agree_with_facts(&node, &orgs, "an offer retracted").await;

    // Received alerts: a restricted one, for another organisation too (as
    // the same version sent again for it would add), then no longer for
    // the first; another withdrawn by its author.
    let (restricted, recipient): (String, String) = sqlx::query_as(
        "SELECT r.id, x.org_id FROM remote_alerts r JOIN remote_alert_recipients x ON x.alert_id = r.id \
         WHERE r.sharing = 'restricted' AND r.deleted_at IS NULL ORDER BY r.id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let other = orgs.iter().find(|o| o.id != recipient).unwrap().id.clone();
    sqlx::query("INSERT INTO remote_alert_recipients (alert_id, org_id) VALUES ($1, $2)")
        .bind(&restricted)
        .bind(&other)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        node.analysis_drift().await.0,
        1,
        "a change behind the node's back shows as drift"
    );
    let mut tx = pool.begin().await.unwrap();
    tadamun::db::analysis::recount_visibility(&mut tx, tadamun::db::analysis::Source::Network, &restricted)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    tallies_agree_with_facts(&node, &orgs, "a recipient added").await;
    let now = node.clock_now().timestamp_millis();
    let mut tx = pool.begin().await.unwrap();
    tadamun::db::remote_alerts::remove_recipients(&mut tx, &restricted, &[recipient], "{}", 9, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    tallies_agree_with_facts(&node, &orgs, "a recipient removed").await;
    let (open_received,): (String,) =
        sqlx::query_as("SELECT id FROM remote_alerts WHERE deleted_at IS NULL AND sharing <> 'restricted' LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap();
    let mut tx = pool.begin().await.unwrap();
    assert!(
        tadamun::db::remote_alerts::purge(&mut tx, &open_received, "{}", "withdrawn", 9, now)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    tallies_agree_with_facts(&node, &orgs, "a received alert withdrawn").await;

    // A restricted alert of ours names an organisation not yet here; a
    // change made behind the node's back shows as drift, and the
    // organisation's creation counts the alert for it.
    let (named_alert,): (String,) = sqlx::query_as(
        "SELECT id FROM alerts WHERE audience = 'restricted' AND status IN ('open', 'closed') ORDER BY id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO alert_named_orgs (alert_id, org_ref) VALUES ($1, 'newcomer')")
        .bind(&named_alert)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        node.analysis_drift().await.0,
        0,
        "no organisation `newcomer` yet: nobody more may see it"
    );
    node.staff("newcomer", Role::Member, "newcomer-member").await;
    let newcomer = tadamun::db::accounts::find_org_by_slug(node.db(), "newcomer")
        .await
        .unwrap()
        .unwrap();
    orgs.push(Org {
        id: newcomer.id,
        slug: "newcomer".into(),
    });
    tallies_agree_with_facts(&node, &orgs, "an organisation named before it came").await;
    sqlx::query("DELETE FROM analysis_visibility WHERE alert_id = $1")
        .bind(&named_alert)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        node.analysis_drift().await.0,
        1,
        "the check sees an alert counted for the wrong organisations"
    );
}
