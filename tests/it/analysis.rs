//! The shared analysis through the API, on two real nodes: its counts equal
//! a direct count of the alerts the viewer may see (ours released, another
//! organisation's as their audience allows, and those received), small
//! numbers never show, filters narrow, a withdrawn alert stops counting, and
//! alerts stored before the facts were kept are counted after a backfill.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::browser::{Browser, click, overflows, screenshot_dir, type_into};
use crate::federation::{Member, peer};
use crate::support::{TestEnv, alert_body, deliver_all, post_login, set_cookie};
use crate::{once, tests};

pub fn cases() -> Vec<crate::support::TestCase> {
    let mut cases = tests![the_counts_are_those_of_the_alerts_one_may_see_with_small_numbers_protected];
    cases.extend(once![
        the_analysis_page_in_english_and_arabic_with_charts_tables_and_filters
    ]);
    cases
}

/// One generated alert: who writes it, who may see it, and what it says.
struct Spec {
    author: &'static str,
    released: bool,
    /// `network`, or `restricted` to the named organisation.
    restricted_to: Option<&'static str>,
    country: &'static str,
    region: Option<&'static str>,
    violations: Vec<&'static str>,
    sector: Option<&'static str>,
    company: Option<String>,
    woman_defender: bool,
}

fn specs() -> Vec<Spec> {
    let countries = ["GT", "GT", "HN", "CO", "GT", "CO", "MX"];
    let violations = [
        vec!["death_threat"],
        vec!["death_threat", "judicial_harassment"],
        vec!["killing"],
        vec!["judicial_harassment"],
    ];
    let mut specs = Vec::new();
    for n in 0..66 {
        let author = ["green", "red", "blue"][n % 3];
        specs.push(Spec {
            author,
            // Drafts count for nobody, not even their authors.
            released: n % 9 != 4,
            restricted_to: match n % 10 {
                // Restricted to another organisation of green's node: not
                // green's to see; restricted to green: green's.
                1 => Some("teal"),
                7 => Some("green"),
                _ => None,
            },
            country: countries[n % countries.len()],
            region: (n % 4 == 0).then_some("Norte"),
            violations: violations[n % violations.len()].clone(),
            sector: ["mining", "agribusiness", "hydro_renewables"].get(n % 5).copied(),
            company: match n % 5 {
                0 => Some("Minera  Sur".to_string()),
                1 => Some(format!("Palmas {n}")),
                _ => None,
            },
            woman_defender: n % 3 == 1,
        });
    }
    specs
}

/// `node_a`: the address of green's node, whose organisations are named by
/// their actors in alerts written elsewhere.
fn body_of(spec: &Spec, node_a: &str) -> Value {
    let mut body = alert_body();
    body["country"] = json!(spec.country);
    body["region"] = json!(spec.region.unwrap_or(""));
    body["violation_types"] = json!(spec.violations);
    body["defenders"][0]["woman_defender"] = json!(spec.woman_defender);
    body["business_link"] = match spec.sector {
        Some(sector) => json!({"sector": sector, "company": spec.company}),
        None => Value::Null,
    };
    match spec.restricted_to {
        Some(org) => {
            body["audience"] = json!("restricted");
            let named = if spec.author == "blue" {
                format!("{node_a}/orgs/{org}")
            } else {
                org.to_string()
            };
            body["restricted_to"] = json!([named]);
        }
        None => body["audience"] = json!("network"),
    }
    body
}

/// What green's staff may see of `spec`.
fn green_sees(spec: &Spec) -> bool {
    spec.released && (spec.author == "green" || spec.restricted_to.is_none_or(|org| org == "green"))
}

/// The direct count: for each dimension asked about, how many alerts green
/// may see have each value (one-per-alert dimensions with "" for none).
fn expected(specs: &[&Spec]) -> BTreeMap<(&'static str, String), i64> {
    let mut counts = BTreeMap::new();
    for spec in specs {
        let mut add = |d: &'static str, v: String| *counts.entry((d, v)).or_insert(0) += 1;
        add("country", spec.country.to_string());
        add(
            "region",
            spec.region.map(|r| format!("{}/{r}", spec.country)).unwrap_or_default(),
        );
        for v in &spec.violations {
            add("violation", v.to_string());
        }
        add("sector", spec.sector.unwrap_or_default().to_string());
        add(
            "company",
            spec.company
                .as_ref()
                .filter(|_| spec.sector.is_some())
                .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
        );
        add(
            "woman_defender",
            if spec.woman_defender { "yes" } else { "no" }.to_string(),
        );
        add("perpetrator", "private_security".to_string());
        add("right", "land".to_string());
        add("right", "water".to_string());
        add("defender_kind", "community".to_string());
    }
    counts
}

/// Checks every cell the API shows for the dimensions counted directly.
fn check(analysis: &Value, visible: &[&Spec]) {
    let total = visible.len() as i64;
    assert_eq!(analysis["threshold"], 3);
    assert_eq!(analysis["alerts"], total, "{analysis}");
    let expected = expected(visible);
    let breakdowns = analysis["breakdowns"].as_array().unwrap();
    for dimension in [
        "country",
        "region",
        "violation",
        "sector",
        "company",
        "woman_defender",
        "perpetrator",
        "right",
        "defender_kind",
    ] {
        let breakdown = breakdowns
            .iter()
            .find(|b| b["dimension"] == dimension)
            .unwrap_or_else(|| panic!("no {dimension} in {analysis}"));
        let cells = breakdown["cells"].as_array().unwrap();
        let mut shown_sum = 0;
        let mut protected = 0;
        for ((d, value), n) in expected.iter().filter(|((d, _), _)| *d == dimension) {
            let Some(cell) = cells.iter().find(|c| c["value"] == *value) else {
                assert!(cells.is_empty() || *n == 0, "{d}={value} ({n}) missing: {breakdown}");
                continue;
            };
            match &cell["alerts"] {
                Value::Number(x) => {
                    let x = x.as_i64().unwrap();
                    assert_eq!(x, *n, "{d}={value}: {breakdown}");
                    assert!(x == 0 || x >= 3, "a small count shows: {d}={value} {x}");
                    shown_sum += x;
                }
                Value::String(s) if s == "<3" => {
                    assert!((1..3).contains(n), "{d}={value} is {n}, shown <3");
                    protected += 1;
                }
                Value::String(s) if s == "hidden" => {
                    assert!(*n >= 3, "{d}={value} is {n}, hidden as if it were not small");
                    protected += 1;
                }
                other => panic!("{d}={value}: {other}"),
            }
        }
        if breakdown["one_per_alert"] == true && !cells.is_empty() {
            // The cells cover every alert counted, and when one is hidden,
            // so is at least one other: none is the total less the rest.
            assert_ne!(
                protected, 1,
                "{dimension}: one protected cell is the total less the rest"
            );
            assert!(shown_sum <= total);
        }
    }
}

/// The value of `dimension` in `spec` ("" when none), for the dimensions
/// with one value per alert, or its values for the others.
fn values_of(spec: &Spec, dimension: &str) -> Vec<String> {
    let normalised = |c: &String| c.split_whitespace().collect::<Vec<_>>().join(" ");
    match dimension {
        "country" => vec![spec.country.to_string()],
        "sector" => vec![spec.sector.unwrap_or_default().to_string()],
        "company" => vec![
            spec.company
                .as_ref()
                .filter(|_| spec.sector.is_some())
                .map(normalised)
                .unwrap_or_default(),
        ],
        "violation" => spec.violations.iter().map(|v| v.to_string()).collect(),
        other => panic!("no direct count of {other}"),
    }
}

/// Checks a table of two dimensions against a direct count.
fn check_table(table: &Value, visible: &[&Spec], rows: &str, columns: &str) {
    let column_values: Vec<&str> = table["column_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let lines = table["lines"].as_array().unwrap();
    assert!(!lines.is_empty(), "{rows} x {columns} is shown: {table}");
    let mut protected = 0;
    for line in lines {
        let row = line["value"].as_str().unwrap();
        for (column, cell) in column_values.iter().zip(line["cells"].as_array().unwrap()) {
            let n = visible
                .iter()
                .filter(|s| {
                    values_of(s, rows).iter().any(|v| v == row) && values_of(s, columns).iter().any(|v| v == column)
                })
                .count() as i64;
            match cell {
                Value::Number(x) => {
                    assert_eq!(x.as_i64().unwrap(), n, "{rows}={row} {columns}={column}: {table}");
                    assert!(n == 0 || n >= 3, "a small count shows: {rows}={row} {columns}={column}");
                }
                Value::String(s) if s == "<3" => {
                    assert!((1..3).contains(&n), "{rows}={row} {columns}={column} is {n}");
                    protected += 1;
                }
                Value::String(s) if s == "hidden" => {
                    assert!(n >= 3, "{rows}={row} {columns}={column} is {n}");
                    protected += 1;
                }
                other => panic!("{other}"),
            }
        }
    }
    assert!(protected > 0, "the data set has small cells in {rows} x {columns}");
}

async fn the_counts_are_those_of_the_alerts_one_may_see_with_small_numbers_protected(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "trusted").await;
    let red = a.node.staff("red", Role::Coordinator, "red-coord").await;
    a.node.staff("teal", Role::Member, "teal-member").await;

    let specs = specs();
    let mut ids = Vec::new();
    for spec in &specs {
        let (node, token) = match spec.author {
            "green" => (&a.node, &a.coordinator),
            "red" => (&a.node, &red),
            _ => (&b.node, &b.coordinator),
        };
        let (status, alert) = node.post(token, "/api/v1/alerts", &body_of(spec, &a.node.base)).await;
        assert_eq!(status, StatusCode::CREATED, "{alert}");
        let id = alert["id"].as_str().unwrap().to_string();
        if spec.released {
            for step in ["submit", "publish"] {
                let (status, body) = node
                    .post(token, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        }
        ids.push(id);
    }
    deliver_all(&[&a.node, &b.node]).await;

    let visible: Vec<&Spec> = specs.iter().filter(|s| green_sees(s)).collect();
    let (status, analysis) = a.node.get(&a.coordinator, "/api/v1/analysis").await;
    assert_eq!(status, StatusCode::OK, "{analysis}");
    check(&analysis, &visible);

    // Tables of two dimensions: each cell as counted directly, protected
    // as the breakdowns are.
    for (rows, columns) in [("sector", "violation"), ("country", "sector"), ("violation", "country")] {
        let (status, table) = a
            .node
            .get(
                &a.coordinator,
                &format!("/api/v1/analysis/table?rows={rows}&columns={columns}"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{table}");
        check_table(&table, &visible, rows, columns);
    }
    let (status, same) = a
        .node
        .get(&a.coordinator, "/api/v1/analysis/table?rows=sector&columns=sector")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{same}");
    let (status, unnamed) = a.node.get(&a.coordinator, "/api/v1/analysis/table?rows=colour").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{unnamed}");
    assert!(
        unnamed["fields"]["rows"].is_string() && unnamed["fields"]["columns"].is_string(),
        "{unnamed}"
    );

    // Filters narrow to the alerts with every value given.
    let (status, guatemala) = a
        .node
        .get(&a.coordinator, "/api/v1/analysis?country=GT&violation=death_threat")
        .await;
    assert_eq!(status, StatusCode::OK, "{guatemala}");
    let narrowed: Vec<&Spec> = visible
        .iter()
        .copied()
        .filter(|s| s.country == "GT" && s.violations.contains(&"death_threat"))
        .collect();
    assert!(narrowed.len() >= 3, "the data set has enough for this view");
    check(&guatemala, &narrowed);

    // A filter that singles out one alert shows nothing but "<3".
    let (_, one) = a.node.get(&a.coordinator, "/api/v1/analysis?company=Palmas%2016").await;
    assert_eq!(one["alerts"], "<3", "{one}");
    assert_eq!(one["breakdowns"], json!([]), "{one}");

    // What cannot be a filter is named.
    let (status, refused) = a
        .node
        .get(&a.coordinator, "/api/v1/analysis?colour=red&from=2026-13")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["fields"]["colour"].as_str().unwrap().contains("violation"),
        "{refused}"
    );
    assert!(refused["fields"]["from"].is_string(), "{refused}");

    // An alert withdrawn by its author no longer counts, and nothing of it
    // is kept for counting on the node that received it.
    let withdrawn = specs.iter().position(|s| s.author == "blue" && s.released).unwrap();
    let (status, body) = b
        .node
        .post(
            &b.coordinator,
            &format!("/api/v1/alerts/{}/withdraw", ids[withdrawn]),
            &json!({"reason": "safety"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    deliver_all(&[&a.node, &b.node]).await;
    let (_, after) = a.node.get(&a.coordinator, "/api/v1/analysis").await;
    let still: Vec<&Spec> = visible
        .iter()
        .copied()
        .filter(|s| !std::ptr::eq(*s, &specs[withdrawn]))
        .collect();
    check(&after, &still);
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM analysis_facts WHERE alert_id LIKE $1")
        .bind(format!("%{}", ids[withdrawn]))
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "the withdrawn alert's facts are gone");

    // What migration 0024 does (it clears all that alerts add to the
    // analysis), then the backfill at start: every alert is counted again,
    // exactly, even past one whose stored text no longer reads, which the
    // drift check then reports.
    let pool = &a.node.db().pool;
    let migration = include_str!("../../migrations/sqlite/0024_analysis_author_counts.sql");
    for statement in migration.split(';') {
        let sql: Vec<&str> = statement
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect();
        if !sql.join("").trim().is_empty() {
            sqlx::query(&sql.join("\n")).execute(pool).await.unwrap();
        }
    }
    let (_, empty) = a.node.get(&a.coordinator, "/api/v1/analysis").await;
    assert_eq!(empty["alerts"], 0, "nothing counted yet: {empty}");
    let (unreadable, content): (String, String) =
        sqlx::query_as("SELECT id, content FROM alerts WHERE status = 'open' ORDER BY id LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap();
    let set_content = |text: String| {
        let id = unreadable.clone();
        async move {
            sqlx::query("UPDATE alerts SET content = $1 WHERE id = $2")
                .bind(text)
                .bind(id)
                .execute(pool)
                .await
                .unwrap();
        }
    };
    set_content("{\"not\": \"an alert\"}".to_string()).await;
    let given = tadamun::services::analysis::backfill(&a.node.state).await.unwrap();
    assert!(
        given + 1 >= still.len(),
        "{given} alerts given facts past the unreadable one"
    );
    let (drifted, _) = a.node.analysis_drift().await;
    assert_eq!(drifted, 1, "the alert left out is reported");
    set_content(content).await;
    let given = tadamun::services::analysis::backfill(&a.node.state).await.unwrap();
    assert_eq!(given, 1, "once it reads again, it is counted");
    let (_, again) = a.node.get(&a.coordinator, "/api/v1/analysis").await;
    assert_eq!(again, after);
    assert_eq!(a.node.analysis_drift().await, (0, 0));
    for org in ["green", "red", "teal"] {
        let org = tadamun::db::accounts::find_org_by_slug(a.node.db(), org)
            .await
            .unwrap()
            .unwrap();
        let kept = tadamun::db::analysis::author_counts(a.node.db(), &org.id, false)
            .await
            .unwrap();
        let counted = tadamun::db::analysis::author_counts(a.node.db(), &org.id, true)
            .await
            .unwrap();
        assert_eq!(kept, counted, "what {} publishes", org.slug);
    }
}

async fn the_analysis_page_in_english_and_arabic_with_charts_tables_and_filters(env: TestEnv) {
    use fantoccini::Locator;
    let a = Member::spawn(&env, "green").await;
    let red = a.node.staff("red", Role::Coordinator, "red-coord").await;
    a.node.staff("teal", Role::Member, "teal-member").await;
    let specs = specs();
    let outcomes = ["defender_safe", "released", "threat_continues"];
    let mut closed = 0;
    for spec in specs.iter().filter(|s| s.author != "blue") {
        let token = if spec.author == "green" { &a.coordinator } else { &red };
        let (status, alert) = a.node.post(token, "/api/v1/alerts", &body_of(spec, &a.node.base)).await;
        assert_eq!(status, StatusCode::CREATED, "{alert}");
        if spec.released {
            let id = alert["id"].as_str().unwrap();
            for step in ["submit", "publish"] {
                let (status, body) = a
                    .node
                    .post(token, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
            // Most of green's are closed, half of those after red offered
            // relocation: protection practice has something to show.
            if spec.author == "green" && closed < 16 {
                if closed % 2 == 0 {
                    let (status, body) = a
                        .node
                        .post(
                            &red,
                            &format!("/api/v1/alerts/{id}/actions"),
                            &json!({"kind": "support_offer", "support_type": "relocation", "content": {"en": "A safe house."}}),
                        )
                        .await;
                    assert_eq!(status, StatusCode::CREATED, "{body}");
                }
                let (status, body) = a
                    .node
                    .post(
                        &a.coordinator,
                        &format!("/api/v1/alerts/{id}/close"),
                        &json!({"outcome": outcomes[closed % 3]}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
                closed += 1;
            }
        }
    }
    let (_, api) = a.node.get(&a.coordinator, "/api/v1/analysis").await;
    let password = "a long analysis password";
    a.node
        .staff_with_password("green", Role::Member, "green-analyst", password)
        .await;

    // The downloads, as a browser fetches them with its session: records
    // as CSV, one line per alert counted, and each written to the audit log.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = post_login(
        &http,
        &a.node.base,
        &[("username", "green-analyst"), ("password", password)],
    )
    .await;
    let session = set_cookie(&signed_in, "tadamun_session").expect("signed in");
    let download = http
        .get(format!(
            "{}/analysis/export?what=records&format=csv&country=GT",
            a.node.base
        ))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(
        download.headers()["content-disposition"],
        "attachment; filename=\"tadamun-records.csv\""
    );
    let records = download.text().await.unwrap();
    let (_, guatemala) = a.node.get(&a.coordinator, "/api/v1/analysis?country=GT").await;
    assert_eq!(
        csv::Reader::from_reader(records.as_bytes()).records().count() as i64,
        guatemala["alerts"].as_i64().unwrap(),
        "{records}"
    );
    let refused = http
        .get(format!("{}/analysis/export?what=secrets", a.node.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (audited,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'analysis.export'")
        .fetch_one(&a.node.db().pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    let browser = Browser::start().await;
    let page = browser.client();
    page.goto(&format!("{}/login?next=%2Fanalysis", a.node.base))
        .await
        .unwrap();
    type_into(page, "username", "green-analyst").await;
    type_into(page, "password", password).await;
    click(page, "main button[type=submit]").await;
    page.wait().for_element(Locator::Id("analysis-total")).await.unwrap();

    // The page shows what the API counts, cell by cell, in its tables.
    let total = page.find(Locator::Id("analysis-total")).await.unwrap();
    assert_eq!(
        total.attr("data-alerts").await.unwrap().unwrap(),
        api["alerts"].to_string()
    );
    for breakdown in api["breakdowns"].as_array().unwrap() {
        let dimension = breakdown["dimension"].as_str().unwrap();
        for cell in breakdown["cells"].as_array().unwrap() {
            let css = format!(
                "#dimension-{dimension} tr[data-value=\"{}\"] td.count",
                cell["value"].as_str().unwrap()
            );
            let td = page
                .find(Locator::Css(&css))
                .await
                .unwrap_or_else(|_| panic!("no {css}"));
            assert_eq!(
                td.attr("data-alerts").await.unwrap().unwrap(),
                cell["alerts"].to_string(),
                "{css}"
            );
        }
    }
    assert!(
        browser.count("#dimension-violation svg.chart rect").await > 3,
        "the violations are drawn"
    );
    // Protected counts read "<3", never a small number.
    for text in browser.texts("td.count").await {
        assert!(!["1", "2"].contains(&text.as_str()), "a small count shows: {text}");
    }
    assert!(
        browser.texts("td.count").await.iter().any(|t| t == "<3"),
        "the data set has small counts"
    );

    let dir = screenshot_dir();
    for (width, height, device) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        page.set_window_size(width, height).await.unwrap();
        for lang in ["en", "ar"] {
            page.goto(&format!("{}/analysis?lang={lang}", a.node.base))
                .await
                .unwrap();
            page.wait().for_element(Locator::Id("analysis-total")).await.unwrap();
            let root = page.find(Locator::Css("html")).await.unwrap();
            let expected_dir = if lang == "ar" { "rtl" } else { "ltr" };
            assert_eq!(root.attr("dir").await.unwrap().as_deref(), Some(expected_dir));
            assert!(!overflows(page).await, "{lang} {device}: wider than the window");
            let violations = browser.serious_accessibility_violations().await;
            assert!(violations.is_empty(), "{lang} {device}: {violations:?}");
            let png = page.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("analysis-{lang}-{device}.png")), png).unwrap();
            for section in ["dimension-country", "trend", "practice"] {
                page.execute(
                    &format!("document.getElementById('{section}').scrollIntoView()"),
                    vec![],
                )
                .await
                .unwrap();
                let png = page.screenshot().await.unwrap();
                let name = section.trim_start_matches("dimension-");
                std::fs::write(dir.join(format!("analysis-{lang}-{device}-{name}.png")), png).unwrap();
            }
        }
    }
    let arabic = browser.texts("#dimension-violation th[scope=row]").await;
    assert!(
        arabic.iter().any(|t| t == "تهديد بالقتل"),
        "labels in Arabic: {arabic:?}"
    );

    // Protection practice: every line as the API counts it, relocation
    // among them; the trend: a line chart beside its table.
    let (_, practice) = a.node.get(&a.coordinator, "/api/v1/analysis/practice").await;
    assert_eq!(practice["closed"], 16, "{practice}");
    let closed_shown = page.find(Locator::Id("practice-closed")).await.unwrap();
    assert_eq!(closed_shown.attr("data-alerts").await.unwrap().unwrap(), "16");
    for line in practice["lines"].as_array().unwrap() {
        let css = format!(
            "#practice-outcomes tr[data-value=\"{}\"] td.total",
            line["practice"].as_str().unwrap()
        );
        let td = page
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|_| panic!("no {css}"));
        assert_eq!(
            td.attr("data-alerts").await.unwrap().unwrap(),
            line["alerts"].to_string()
        );
    }
    assert!(
        practice["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["practice"] == "support:relocation" && l["alerts"] == 8),
        "{practice}"
    );
    assert!(
        browser
            .count("#trend svg.chart polyline, #trend svg.chart circle")
            .await
            >= 1,
        "the trend is drawn"
    );
    assert!(browser.count("#trend-table td.count").await > 3, "the trend's numbers");

    // The table of two dimensions: sectors against violations, then
    // countries against sectors, chosen with its form.
    page.set_window_size(1280, 900).await.unwrap();
    page.goto(&format!("{}/analysis?lang=en", a.node.base)).await.unwrap();
    assert!(browser.count("#cross-table td.count").await > 4, "the table is shown");
    page.find(Locator::Css("#table-rows option[value=country]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.find(Locator::Css("#table-columns option[value=sector]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(page, "#table form button[type=submit]").await;
    page.wait()
        .for_element(Locator::Css("#table-rows option[value=country][selected]"))
        .await
        .unwrap();
    let (_, companies) = a
        .node
        .get(&a.coordinator, "/api/v1/analysis/table?rows=country&columns=sector")
        .await;
    let first = &companies["lines"][0];
    let css = format!(
        "#cross-table tr[data-value=\"{}\"] td[data-column=\"{}\"]",
        first["value"].as_str().unwrap(),
        companies["column_values"][0].as_str().unwrap()
    );
    let td = page.find(Locator::Css(&css)).await.unwrap();
    assert_eq!(
        td.attr("data-alerts").await.unwrap().unwrap(),
        first["cells"][0].to_string()
    );
    page.execute("document.getElementById('table').scrollIntoView()", vec![])
        .await
        .unwrap();
    std::fs::write(
        dir.join("analysis-en-desktop-table.png"),
        page.screenshot().await.unwrap(),
    )
    .unwrap();
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{violations:?}");

    // The filters are a form that works without script: Colombia only.
    page.goto(&format!("{}/analysis?lang=en", a.node.base)).await.unwrap();
    page.find(Locator::Css("#filter-country option[value=CO]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(page, "form.filters button[type=submit]").await;
    page.wait()
        .for_element(Locator::Css("#filter-country option[value=CO][selected]"))
        .await
        .unwrap();
    let (_, colombia) = a.node.get(&a.coordinator, "/api/v1/analysis?country=CO").await;
    let total = page.find(Locator::Id("analysis-total")).await.unwrap();
    assert_eq!(
        total.attr("data-alerts").await.unwrap().unwrap(),
        colombia["alerts"].to_string()
    );
    assert_ne!(colombia["alerts"], api["alerts"], "the filter narrowed the count");
    browser.stop().await;
}
