//! The network-wide picture on three real nodes: organisations on two of
//! them publish signed aggregate counts of their own alerts, the third adds
//! them up (the sums are what a direct count of each organisation's alerts
//! gives, small numbers stay `<3`), forged aggregates are refused and never
//! shown, and opting out withdraws what was published.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::federation::{Member, peer};
use crate::inbox_security::{GOOD, Sender, sign_as};
use crate::support::{TestCase, alert_body, deliver_all, post_login, set_cookie};
use crate::{once, tests};

pub fn cases() -> Vec<TestCase> {
    let mut cases = tests![
        organisations_publish_counts_that_another_node_adds_up_and_forgeries_are_refused,
        an_admin_opts_in_from_the_organisation_page_and_the_network_page_shows_the_picture,
    ];
    cases.extend(once![
        the_network_page_in_a_browser_in_english_and_arabic_on_desktop_and_phone
    ]);
    cases
}

/// One alert: its country and violation types.
type Spec = (&'static str, &'static [&'static str]);

/// Green's alerts: GT 5, HN 3, CO 1; every one a death threat, four also
/// judicial harassment.
const GREEN: &[Spec] = &[
    ("GT", &["death_threat", "judicial_harassment"]),
    ("GT", &["death_threat", "judicial_harassment"]),
    ("GT", &["death_threat"]),
    ("GT", &["death_threat"]),
    ("GT", &["death_threat"]),
    ("HN", &["death_threat", "judicial_harassment"]),
    ("HN", &["death_threat", "judicial_harassment"]),
    ("HN", &["death_threat"]),
    ("CO", &["death_threat"]),
];

/// Blue's alerts: GT 4, HN 2; one killing.
const BLUE: &[Spec] = &[
    ("GT", &["death_threat"]),
    ("GT", &["death_threat"]),
    ("GT", &["death_threat"]),
    ("GT", &["death_threat", "killing"]),
    ("HN", &["death_threat"]),
    ("HN", &["death_threat"]),
];

async fn publish_all(member: &Member, specs: &[Spec]) {
    for (country, violations) in specs {
        let mut body = alert_body();
        body["country"] = json!(country);
        body["violation_types"] = json!(violations);
        body["audience"] = json!("network");
        member.publish(body).await;
    }
}

/// The member's admin opts its organisation in to publishing its counts.
async fn opt_in(member: &Member) {
    let (status, profile) = member
        .node
        .patch(
            &member.admin,
            &format!("/api/v1/orgs/{}", member.org),
            &json!({"publish_aggregates": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!(profile["publish_aggregates"], true, "{profile}");
}

/// The direct count of (dimension, value) over `specs`.
fn direct(specs: &[&[Spec]]) -> BTreeMap<(String, String), i64> {
    let mut counts = BTreeMap::new();
    for (country, violations) in specs.iter().copied().flatten() {
        *counts.entry(("country".into(), country.to_string())).or_insert(0) += 1;
        for v in *violations {
            *counts.entry(("violation".into(), v.to_string())).or_insert(0) += 1;
        }
    }
    counts
}

/// Every cell of `dimension` agrees with the direct count: exact where it
/// is a number (and never a small one), within its range otherwise.
fn check_cells(picture: &Value, dimension: &str, expected: &BTreeMap<(String, String), i64>) {
    let breakdown = picture["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["dimension"] == dimension)
        .unwrap_or_else(|| panic!("no {dimension}: {picture}"));
    for ((d, value), n) in expected.iter().filter(|((d, _), _)| d == dimension) {
        let cell = breakdown["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"] == *value)
            .unwrap_or_else(|| panic!("{d}={value} missing: {breakdown}"));
        match &cell["alerts"] {
            Value::Number(x) => {
                let x = x.as_i64().unwrap();
                assert_eq!(x, *n, "{d}={value}: {breakdown}");
                assert!(x == 0 || x >= 3, "a small count shows: {d}={value}");
            }
            Value::String(s) if s == "<3" => assert!(*n < 3, "{d}={value} is {n}, shown <3"),
            Value::String(s) => {
                let (low, high) = if let Some(h) = s.strip_prefix('≤') {
                    (0, h.parse::<i64>().unwrap())
                } else if let Some(l) = s.strip_prefix('≥') {
                    (l.parse::<i64>().unwrap(), i64::MAX)
                } else {
                    let (l, h) = s.split_once('–').unwrap_or_else(|| panic!("{d}={value}: {s}"));
                    (l.parse::<i64>().unwrap(), h.parse::<i64>().unwrap())
                };
                assert!(low == 0 || low >= 3, "{d}={value}: {s} starts small");
                assert!((low..=high).contains(n), "{d}={value} is {n}, shown {s}");
            }
            other => panic!("{d}={value}: {other}"),
        }
    }
}

async fn picture_of(member: &Member) -> Value {
    let (status, picture) = member.node.get(&member.coordinator, "/api/v1/analysis/network").await;
    assert_eq!(status, StatusCode::OK, "{picture}");
    picture
}

fn contributors(picture: &Value) -> Vec<String> {
    let mut names: Vec<String> = picture["contributors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["organisation"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn organisations_publish_counts_that_another_node_adds_up_and_forgeries_are_refused(
    env: crate::support::TestEnv,
) {
    let started = std::time::Instant::now();
    let green = Member::spawn(&env, "green").await;
    let blue = Member::spawn(&env, "blue").await;
    let gold = Member::spawn(&env, "gold").await;
    peer(&green, &gold, "trusted").await;
    peer(&blue, &gold, "connected").await;
    // Green also holds blue's alerts: it must publish its own only.
    peer(&green, &blue, "trusted").await;
    let all = [&green.node, &blue.node, &gold.node];
    publish_all(&green, GREEN).await;
    publish_all(&blue, BLUE).await;
    // A draft of green's counts for nobody.
    let (status, _) = green
        .node
        .post(&green.coordinator, "/api/v1/alerts", &alert_body())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    deliver_all(&all).await;

    // Nothing is published before an admin opts in.
    assert_eq!(picture_of(&gold).await["contributors"], json!([]));
    let (status, refused) = green
        .node
        .patch(
            &green.coordinator,
            "/api/v1/orgs/green",
            &json!({"publish_aggregates": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only admins opt in: {refused}");
    for member in [&green, &blue] {
        opt_in(member).await;
    }
    deliver_all(&all).await;

    // Gold adds green's and blue's counts up, and says who contributed.
    let picture = picture_of(&gold).await;
    let mut both = vec![blue.org_actor(), green.org_actor()];
    both.sort();
    assert_eq!(contributors(&picture), both, "{picture}");
    for c in picture["contributors"].as_array().unwrap() {
        assert!(c["generated"].is_string() && c["received"].is_string(), "{c}");
        assert_eq!(c["local"], false);
    }
    let expected = direct(&[GREEN, BLUE]);
    assert_eq!(picture["alerts"], (GREEN.len() + BLUE.len()) as i64, "{picture}");
    check_cells(&picture, "country", &expected);
    check_cells(&picture, "violation", &expected);
    let cell = |picture: &Value, dimension: &str, value: &str| -> Value {
        picture["breakdowns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["dimension"] == dimension)
            .and_then(|b| b["cells"].as_array().unwrap().iter().find(|c| c["value"] == value))
            .map(|c| c["alerts"].clone())
            .unwrap_or(Value::Null)
    };
    // Exact parts add up exactly; small ones stay small.
    assert_eq!(cell(&picture, "violation", "death_threat"), 15, "{picture}");
    assert_eq!(cell(&picture, "violation", "judicial_harassment"), 4, "{picture}");
    assert_eq!(cell(&picture, "violation", "killing"), "<3", "{picture}");
    assert_eq!(cell(&picture, "country", "CO"), "<3", "{picture}");
    // Names people type are never published.
    for b in picture["breakdowns"].as_array().unwrap() {
        assert!(
            !["company", "project", "financier", "region"].contains(&b["dimension"].as_str().unwrap()),
            "{b}"
        );
    }
    // Green's own node shows its organisation counted live, blue's received.
    let at_green = picture_of(&green).await;
    assert_eq!(at_green["alerts"], 15, "{at_green}");

    // The aggregate is served to nodes that federate, signed; 404 to others.
    let resp = green
        .node
        .http
        .get(format!("{}/analysis", green.org_actor()))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "an unsigned fetch");
    let published = tadamun::db::published_aggregates::find(
        &green.node.db().pool,
        &tadamun::db::accounts::find_org_by_slug(green.node.db(), "green")
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap()
    .unwrap();
    let aggregate: Value = serde_json::from_str(published.document.as_deref().unwrap()).unwrap();
    assert!(aggregate["proof"]["proofValue"].is_string(), "{aggregate}");
    assert_eq!(aggregate["alerts"], 9);
    let fetch_as = |by: &crate::support::TestNode| {
        let url = url::Url::parse(&format!("{}/analysis", green.org_actor())).unwrap();
        let state = by.state.clone();
        async move {
            let data = tadamun::federation::data(&state).await.unwrap();
            activitypub_federation::fetch::fetch_object_http::<_, Value>(&url, &data)
                .await
                .map(|r| r.object)
        }
    };
    let fetched = fetch_as(&gold.node).await.expect("a peer fetches it, signed");
    assert_eq!(fetched, aggregate, "served as published, with its proof");
    let stranger = crate::support::TestNode::spawn(&env).await;
    assert!(
        fetch_as(&stranger).await.is_err(),
        "a node green's does not federate with gets nothing"
    );

    // Forgeries, each newer than what gold holds, sent with valid HTTP
    // signatures: all refused, none shown.
    let as_green = Sender::org_of(&green.node, "green").await;
    let later = |mut object: Value| {
        object["generated"] = json!("2099-01-01T00:00:00Z");
        object
    };
    let update = |n: u32, actor: &str, object: Value| {
        json!({
            "@context": tadamun::federation::wire::aggregate_context(),
            "id": format!("{}/activities/forged-{n}", green.node.base),
            "type": "Update",
            "actor": actor,
            "object": object,
            "to": [format!("{}/network", green.node.base)],
            "published": "2026-12-01T00:00:00Z",
        })
    };
    // Counts changed under the original proof.
    let mut tampered = later(aggregate.clone());
    tampered["alerts"] = json!(90);
    let status = as_green
        .post(&gold.node, &update(1, &green.org_actor(), tampered), GOOD)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "tampered counts");
    // A proof by another organisation's key.
    let mut other_key = later(aggregate.clone());
    other_key["alerts"] = json!(90);
    sign_as(&blue.node, "blue", &mut other_key).await;
    let status = as_green
        .post(&gold.node, &update(2, &green.org_actor(), other_key), GOOD)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a proof by another key");
    // Green's own key, revealing a small count.
    let mut small = later(aggregate.clone());
    small["breakdowns"] = json!([{"dimension": "country", "onePerAlert": true, "cells": [
        {"value": "CO", "alerts": 1}, {"value": "GT", "alerts": 5}, {"value": "HN", "alerts": 3}, {"value": "", "alerts": 0}
    ]}]);
    sign_as(&green.node, "green", &mut small).await;
    let status = as_green
        .post(&gold.node, &update(3, &green.org_actor(), small), GOOD)
        .await;
    assert!(status.is_client_error(), "a small count revealed: {status}");
    // Green's own key, with one protected count that is the total (9)
    // less the others: 9 - 5 - 3 = 1.
    let mut subtracted = later(aggregate.clone());
    subtracted["breakdowns"] = json!([{"dimension": "country", "onePerAlert": true, "cells": [
        {"value": "CO", "alerts": "<3"}, {"value": "GT", "alerts": 5}, {"value": "HN", "alerts": 3}, {"value": "", "alerts": 0}
    ]}]);
    sign_as(&green.node, "green", &mut subtracted).await;
    let status = as_green
        .post(&gold.node, &update(5, &green.org_actor(), subtracted), GOOD)
        .await;
    assert!(
        status.is_client_error(),
        "a small count given away by subtraction: {status}"
    );
    // Blue's node speaking for green, with green's valid proof.
    let mut elsewhere = later(aggregate.clone());
    sign_as(&green.node, "green", &mut elsewhere).await;
    let as_blue = Sender::org_of(&blue.node, "blue").await;
    let mut from_blue = update(4, &blue.org_actor(), elsewhere);
    from_blue["id"] = json!(format!("{}/activities/forged-4", blue.node.base));
    let status = as_blue.post(&gold.node, &from_blue, GOOD).await;
    assert!(status.is_client_error(), "green's counts from blue's node: {status}");
    let after = picture_of(&gold).await;
    assert_eq!(after["alerts"], 15, "no forgery counted: {after}");
    assert_eq!(after["contributors"], picture["contributors"], "nothing stored");

    // A new alert of green's is published on the next tick, once.
    green.node.clock.advance(chrono::Duration::minutes(2));
    publish_all(&green, &[("GT", &["death_threat"])]).await;
    let state = &green.node.state;
    assert_eq!(
        tadamun::services::network_analysis::publish_due(state).await.unwrap(),
        1
    );
    assert_eq!(
        tadamun::services::network_analysis::publish_due(state).await.unwrap(),
        0
    );
    deliver_all(&all).await;
    let picture = picture_of(&gold).await;
    assert_eq!(picture["alerts"], 16, "{picture}");
    assert_eq!(cell(&picture, "violation", "death_threat"), 16, "{picture}");

    // Blue opts out: its counts are withdrawn from gold.
    let (status, profile) = blue
        .node
        .patch(&blue.admin, "/api/v1/orgs/blue", &json!({"publish_aggregates": false}))
        .await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!(profile["publish_aggregates"], false);
    assert_eq!(
        tadamun::services::network_analysis::publish_due(&blue.node.state)
            .await
            .unwrap(),
        0
    );
    deliver_all(&all).await;
    let picture = picture_of(&gold).await;
    assert_eq!(contributors(&picture), [green.org_actor()], "{picture}");
    assert_eq!(picture["alerts"], 10, "{picture}");
    assert_eq!(cell(&picture, "violation", "killing"), Value::Null, "{picture}");
    let (status, audit) = blue.node.get(&blue.admin, "/api/v1/audit").await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let details: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "org.aggregates")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        details,
        ["not publishing", "publishing"],
        "audited, newest first: {audit}"
    );

    // A node gold no longer federates with counts no more in its picture.
    gold.set_peer(&green.node.host(), "blocked").await;
    let picture = picture_of(&gold).await;
    assert_eq!(picture["contributors"], json!([]), "{picture}");
    assert_eq!(picture["alerts"], 0, "{picture}");
    eprintln!("network analysis test: {:?}", started.elapsed());
}

/// Over HTTP with a browser session: the organisation page says whether the
/// organisation publishes and lets its admin opt in (with the form's token,
/// audited); the network page then lists it as a contributor, counted now,
/// with the sums of the API, in English and in Arabic.
async fn an_admin_opts_in_from_the_organisation_page_and_the_network_page_shows_the_picture(
    env: crate::support::TestEnv,
) {
    let green = Member::spawn(&env, "green").await;
    publish_all(&green, GREEN).await;
    let password = "a long network password";
    let (_, totp) = green
        .node
        .staff_with_password("green", tadamun::domain::vocab::Role::Admin, "green-chief", password)
        .await;
    let secret = url::Url::parse(&totp.unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .unwrap()
        .1
        .to_string();
    let code = tadamun::services::accounts::current_totp_code(&secret, green.node.clock_now()).unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = post_login(
        &client,
        &green.node.base,
        &[("username", "green-chief"), ("password", password), ("code", &code)],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "the admin signs in");
    let cookie = set_cookie(&resp, "tadamun_session").expect("a session");
    let get = |path: &str| {
        let request = client
            .get(format!("{}{path}", green.node.base))
            .header("cookie", &cookie);
        async move {
            let resp = request.send().await.unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };

    let (status, page) = get("/organisation").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"aggregates-form\""), "{page}");
    assert!(page.contains("does not publish its counts"), "{page}");
    let marker = "name=\"form_token\" value=\"";
    let start = page.find(marker).expect("a form token") + marker.len();
    let token = page[start..].split('"').next().unwrap().to_string();
    let (status, _) = get("/analysis/network").await;
    assert_eq!(status, StatusCode::OK);

    let resp = client
        .post(format!("{}/organisation/aggregates", green.node.base))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("form_token={token}&publish=yes"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, page) = get("/organisation").await;
    assert!(page.contains("publishes its counts"), "{page}");
    let (_, profile) = green.node.patch(&green.admin, "/api/v1/orgs/green", &json!({})).await;
    assert_eq!(profile["publish_aggregates"], true, "{profile}");

    let (status, page) = get("/analysis/network").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!("data-organisation=\"{}\"", green.org_actor())),
        "{page}"
    );
    assert!(page.contains("data-alerts=\"9\""), "the total: {page}");
    assert!(page.contains("data-dimension=\"country\""), "{page}");
    assert!(
        page.contains("<svg aria-hidden=\"true\" focusable=\"false\" class=\"chart\""),
        "a chart drawn: {page}"
    );
    assert!(
        page.contains("data-alerts=\"&quot;&lt;3&quot;\"") || page.contains("data-alerts=\"\\\"<3\\\"\""),
        "CO stays <3: {page}"
    );
    assert!(!page.contains("data-dimension=\"company\""), "{page}");
    let (status, arabic) = get("/analysis/network?lang=ar").await;
    assert_eq!(status, StatusCode::OK);
    assert!(arabic.contains("dir=\"rtl\""), "{arabic}");
    assert!(arabic.contains("على مستوى الشبكة"), "{arabic}");
}

/// In headless Chromium, signed in as a member of green, which holds
/// blue's published counts: the network page shows both contributors and
/// the sums of the API cell by cell (small ones as `<3`), draws them,
/// reads right to left in Arabic, fits a phone, and has no serious
/// accessibility fault; screenshots are written for people to look at.
async fn the_network_page_in_a_browser_in_english_and_arabic_on_desktop_and_phone(env: crate::support::TestEnv) {
    use crate::browser::{Browser, click, overflows, screenshot_dir, type_into};
    use fantoccini::Locator;

    let green = Member::spawn(&env, "green").await;
    let blue = Member::spawn(&env, "blue").await;
    peer(&green, &blue, "trusted").await;
    publish_all(&green, GREEN).await;
    publish_all(&blue, BLUE).await;
    for member in [&green, &blue] {
        opt_in(member).await;
    }
    deliver_all(&[&green.node, &blue.node]).await;
    let picture = picture_of(&green).await;
    assert_eq!(contributors(&picture).len(), 2, "{picture}");
    assert_eq!(picture["alerts"], 15, "{picture}");
    let password = "a long network reader password";
    green
        .node
        .staff_with_password("green", tadamun::domain::vocab::Role::Member, "green-reader", password)
        .await;

    let browser = Browser::start().await;
    let page = browser.client();
    page.goto(&format!("{}/login?next=%2Fanalysis%2Fnetwork", green.node.base))
        .await
        .unwrap();
    type_into(page, "username", "green-reader").await;
    type_into(page, "password", password).await;
    click(page, "main button[type=submit]").await;
    page.wait().for_element(Locator::Id("network-total")).await.unwrap();

    let total = page.find(Locator::Id("network-total")).await.unwrap();
    assert_eq!(total.attr("data-alerts").await.unwrap().unwrap(), "15");
    for contributor in [green.org_actor(), blue.org_actor()] {
        let css = format!("tr[data-organisation=\"{contributor}\"]");
        assert_eq!(browser.count(&css).await, 1, "{contributor} is listed as a contributor");
    }
    for breakdown in picture["breakdowns"].as_array().unwrap() {
        let dimension = breakdown["dimension"].as_str().unwrap();
        for cell in breakdown["cells"].as_array().unwrap() {
            let value = cell["value"].as_str().unwrap();
            if value.is_empty() {
                continue;
            }
            let css = format!("table[data-dimension=\"{dimension}\"] tr[data-value=\"{value}\"] td.count");
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
    for text in browser.texts("td.count").await {
        assert!(!["1", "2"].contains(&text.as_str()), "a small count shows: {text}");
    }
    assert!(
        browser.texts("td.count").await.iter().any(|t| t == "<3"),
        "CO and killing stay <3"
    );
    assert!(browser.count("svg.chart rect").await >= 2, "the sums are drawn");

    let dir = screenshot_dir();
    for (width, height, device) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        page.set_window_size(width, height).await.unwrap();
        for lang in ["en", "ar"] {
            page.goto(&format!("{}/analysis/network?lang={lang}", green.node.base))
                .await
                .unwrap();
            page.wait().for_element(Locator::Id("network-total")).await.unwrap();
            let root = page.find(Locator::Css("html")).await.unwrap();
            let expected_dir = if lang == "ar" { "rtl" } else { "ltr" };
            assert_eq!(root.attr("dir").await.unwrap().as_deref(), Some(expected_dir));
            assert!(!overflows(page).await, "{lang} {device}: wider than the window");
            let violations = browser.serious_accessibility_violations().await;
            assert!(violations.is_empty(), "{lang} {device}: {violations:?}");
            // Each chart has its numbers beside it on a desktop, below it
            // on a phone.
            let placed: Value = page
                .execute(
                    "const s = document.querySelector('.chart-and-table'); \
                     const c = s.querySelector('figure.chart').getBoundingClientRect(); \
                     const t = s.querySelector('table.network-breakdown').getBoundingClientRect(); \
                     return {beside: c.top < t.bottom && t.top < c.bottom && (c.right <= t.left || t.right <= c.left), \
                             below: c.bottom <= t.top};",
                    vec![],
                )
                .await
                .unwrap();
            let expected = if device == "desktop" { "beside" } else { "below" };
            assert_eq!(placed[expected], true, "{lang} {device}: {placed}");
            page.execute(
                "document.getElementById('contributors-heading').scrollIntoView()",
                vec![],
            )
            .await
            .unwrap();
            let png = page.screenshot().await.unwrap();
            std::fs::write(
                dir.join(format!("network-analysis-{lang}-{device}-contributors.png")),
                png,
            )
            .unwrap();
        }
    }
    let arabic = browser.texts("h1").await;
    assert!(
        arabic.iter().any(|t| t.contains("الشبكة")),
        "the heading in Arabic: {arabic:?}"
    );
}
