//! The dashboard at `/`: our alerts and the network's in one list, most
//! urgent first, then by deadline, then the newest; each filter; pages; what
//! the organisation may not see stays out; what needs attention; the sign-in
//! form when signed out; and in a real browser, English and Arabic at desktop
//! and phone width.

use chrono::Duration;
use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::actions::network_id;
use crate::browser::{Browser, screenshot_dir, wait_for_path};
use crate::federation::{Member, peer, titled};
use crate::support::{TestCase, TestEnv, deliver_all, post_login, set_cookie};
use crate::{once, tests};

pub fn cases() -> Vec<TestCase> {
    let mut cases = tests![
        dashboard_orders_ours_and_the_networks_alerts_and_filters_them,
        dashboard_pages_and_shows_what_needs_attention,
    ];
    cases.extend(once![dashboard_in_english_and_arabic_at_desktop_and_phone_width]);
    cases
}

const PASSWORD: &str = "a long member password";

/// An alert body with this urgency and requested-action deadline (none: no
/// requested action).
fn alert(title: &str, audience: &str, urgency: &str, deadline: Option<&str>) -> Value {
    let mut body = titled(title, audience);
    body["urgency"] = json!(urgency);
    match deadline {
        Some(d) => body["requested_actions"][0]["deadline"] = json!(d),
        None => body["requested_actions"] = json!([]),
    }
    body
}

/// Signs a member of `org` in over HTTP; returns the session cookie.
async fn member_session(m: &Member, username: &str) -> String {
    m.node
        .staff_with_password(&m.org, Role::Member, username, PASSWORD)
        .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = post_login(&client, &m.node.base, &[("username", username), ("password", PASSWORD)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // Signed in from anywhere without a `next`, one lands on the dashboard.
    assert_eq!(response.headers()["location"], "/");
    set_cookie(&response, "tadamun_session").expect("a session cookie")
}

/// The dashboard's HTML for `query`.
async fn dashboard(m: &Member, cookie: &str, query: &str) -> String {
    let response = reqwest::Client::new()
        .get(format!("{}/{query}", m.node.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.text().await.unwrap()
}

/// The `data-number`s of the listed alerts, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("class=\"alert-row\"")
        .skip(1)
        .filter_map(|row| {
            let start = row.find("data-number=\"")? + "data-number=\"".len();
            Some(row[start..].split('"').next()?.to_string())
        })
        .collect()
}

/// The number of one of our alerts.
async fn number(m: &Member, id: &str) -> String {
    let (status, alert) = m.node.get(&m.coordinator, &format!("/api/v1/alerts/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{alert}");
    alert["number"].as_str().unwrap().to_string()
}

async fn dashboard_orders_ours_and_the_networks_alerts_and_filters_them(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;

    // On the other node: an immediate alert with a late deadline, one with
    // none (older than ours with none), and an expected one with the
    // earliest deadline of all (which urgency still puts after).
    let mut late = alert("Imm late", "network", "immediate", Some("2030-06-01T00:00:00Z"));
    late["country"] = json!("SD");
    late["title"]["es"] = json!("Inmediata tardía");
    late["violation_types"] = json!(["killing"]);
    let b_late = b.publish(late).await;
    let b_none = b.publish(alert("Imm none older", "network", "immediate", None)).await;
    let mut expected = alert("Expected", "network", "expected", Some("2027-01-01T00:00:00Z"));
    expected["rights_concerned"] = json!(["health"]);
    expected["business_link"] = json!({"sector": "mining"});
    let b_expected = b.publish(expected).await;
    deliver_all(&[&a.node, &b.node]).await;

    a.node.clock.advance(Duration::hours(1));
    let a_soon = a
        .publish(alert("Imm soon", "network", "immediate", Some("2029-01-01T00:00:00Z")))
        .await;
    let a_none = a.publish(alert("Imm none newer", "node", "immediate", None)).await;
    let a_future = a.publish(alert("Future", "network", "future", None)).await;
    // Another organisation here: its draft, and an alert restricted to yet
    // another, are not for green; its released network alert is.
    let red = a.node.staff("red", Role::Coordinator, "red-coord").await;
    let (status, draft) = a.node.post(&red, "/api/v1/alerts", &titled("Red draft", "node")).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    a.node.staff("yellow", Role::Viewer, "yellow-viewer").await;
    let mut restricted = alert("Red restricted", "restricted", "immediate", None);
    restricted["restricted_to"] = json!(["yellow"]);
    let mut shown_red = None;
    for (body, visible) in [(restricted, false), (alert("Red open", "network", "past", None), true)] {
        let (status, made) = a.node.post(&red, "/api/v1/alerts", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let id = made["id"].as_str().unwrap().to_string();
        for step in ["submit", "publish"] {
            let (status, body) = a
                .node
                .post(&red, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        if visible {
            shown_red = Some(made["number"].as_str().unwrap().to_string());
        }
    }
    let shown_red = shown_red.unwrap();

    let n = |id: &str| {
        let (a, id) = (&a, id.to_string());
        async move { number(a, &id).await }
    };
    let remote_number = |id: &str| {
        let (b, id) = (&b, id.to_string());
        async move { number(b, &id).await }
    };
    let (soon, none_newer, future) = (n(&a_soon).await, n(&a_none).await, n(&a_future).await);
    let (late, none_older, expected) = (
        remote_number(&b_late).await,
        remote_number(&b_none).await,
        remote_number(&b_expected).await,
    );

    let cookie = member_session(&a, "green-member").await;
    let html = dashboard(&a, &cookie, "").await;
    assert_eq!(
        listed(&html),
        vec![
            soon.clone(),
            late.clone(),
            none_newer.clone(),
            none_older.clone(),
            expected.clone(),
            shown_red.clone(),
            future.clone()
        ],
        "urgency, then deadline, then the newest; nothing green may not see"
    );
    // Rows link to the alert's page here: ours by id, the network's by our id for it.
    assert!(html.contains(&format!("href=\"/alerts/{a_soon}/view\"")), "{html}");
    let late_here = network_id(&a, "Imm late").await;
    assert!(html.contains(&format!("href=\"/network/alerts/{late_here}/view\"")));
    // Which other languages a title has.
    assert!(html.contains("class=\"also\""), "one alert is also in Spanish");
    assert!(html.contains("<span lang=\"es\">Español</span>"), "{html}");

    // Each filter.
    let blue_actor = b.org_actor();
    for (query, expected_numbers) in [
        ("?source=own", vec![&soon, &none_newer, &shown_red, &future]),
        ("?source=network", vec![&late, &none_older, &expected]),
        ("?status=open&source=own&urgency=immediate", vec![&soon, &none_newer]),
        ("?country=sd", vec![&late]),
        ("?violation=killing", vec![&late]),
        ("?right=health", vec![&expected]),
        ("?sector=mining", vec![&expected]),
        ("?urgency=future", vec![&future]),
        ("?org=red", vec![&shown_red]),
        ("?q=imm+none", vec![&none_newer, &none_older]),
    ] {
        let html = dashboard(&a, &cookie, query).await;
        let want: Vec<String> = expected_numbers.into_iter().cloned().collect();
        assert_eq!(listed(&html), want, "{query}");
        assert!(!html.contains("id=\"filter-errors\""), "{query}");
    }
    let by_author = dashboard(&a, &cookie, &format!("?org={}", urlencode(&blue_actor))).await;
    assert_eq!(
        listed(&by_author),
        vec![late.clone(), none_older.clone(), expected.clone()]
    );

    // Values the list does not know: said on the page, and left out.
    let html = dashboard(
        &a,
        &cookie,
        "?status=bogus&urgency=soonish&country=XX&group=nope&org=nobody",
    )
    .await;
    assert!(html.contains("id=\"filter-errors\""), "{html}");
    for field in ["status", "urgency", "country", "group", "org"] {
        assert!(html.contains(&format!("data-field=\"{field}\"")), "{field}");
    }
    assert_eq!(listed(&html).len(), 7, "the other filters still apply: none here");
}

async fn dashboard_pages_and_shows_what_needs_attention(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    // Signed out, `/` is the sign-in form, which comes back to `/`.
    let response = reqwest::Client::new()
        .get(format!("{}/", a.node.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("action=\"/login\""), "{html}");
    assert!(html.contains("name=\"next\" value=\"/\""), "{html}");

    // Thirty drafts: two pages.
    for i in 0..30 {
        let (status, body) = a
            .node
            .post(
                &a.coordinator,
                "/api/v1/alerts",
                &alert(&format!("Draft {i}"), "node", "unknown", None),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let cookie = member_session(&a, "green-member").await;
    let first = dashboard(&a, &cookie, "?status=draft").await;
    assert_eq!(listed(&first).len(), 25);
    assert!(first.contains("data-total=\"30\""));
    assert!(
        first.contains("href=\"/?status=draft&amp;page=2\""),
        "the next page keeps the filters"
    );
    assert!(!first.contains("rel=\"prev\""));
    let second = dashboard(&a, &cookie, "?status=draft&page=2").await;
    assert_eq!(listed(&second).len(), 5);
    assert!(second.contains("href=\"/?status=draft\""), "back to the first page");
    let mut all = listed(&first);
    all.extend(listed(&second));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 30, "every draft once");

    // Attention: one of ours expires in two days; a pledge of ours falls due;
    // another organisation responds to ours after this visit.
    let mut expiring = alert("Expiring soon", "network", "expected", None);
    expiring["expires"] = json!(a.node.clock_now() + Duration::days(2));
    let ours = a.publish(expiring).await;
    b.publish(alert("Theirs", "network", "immediate", None)).await;
    deliver_all(&[&a.node, &b.node]).await;
    let on_a = network_id(&a, "Theirs").await;
    let (status, pledge) = a
        .node
        .post(
            &a.coordinator,
            &format!("/api/v1/network/alerts/{on_a}/actions"),
            &json!({"kind": "pledge", "shareable": true, "due": a.node.clock_now() + Duration::hours(1)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{pledge}");

    let html = dashboard(&a, &cookie, "").await;
    assert!(html.contains("id=\"attention-expiring\""), "{html}");
    assert!(!html.contains("id=\"attention-pledges\""), "not due yet");
    assert!(!html.contains("id=\"attention-responses\""), "a first visit");

    a.node.clock.advance(Duration::minutes(1));
    let on_b = network_id(&b, "Expiring soon").await;
    let (status, body) = b
        .node
        .post(
            &b.coordinator,
            &format!("/api/v1/network/alerts/{on_b}/actions"),
            &json!({"kind": "cosign", "shareable": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    deliver_all(&[&a.node, &b.node]).await;
    a.node.clock.advance(Duration::hours(2));
    let html = dashboard(&a, &cookie, "").await;
    assert!(html.contains("id=\"attention-pledges\""), "{html}");
    assert!(html.contains("id=\"attention-responses\" data-count=\"1\""), "{html}");
    assert!(html.contains(&format!("href=\"/alerts/{ours}/view\"")));
    // Seen: within the same visit it stays; on the next, it is no longer new.
    let again = dashboard(&a, &cookie, "").await;
    assert!(again.contains("id=\"attention-responses\" data-count=\"1\""));
    a.node.clock.advance(Duration::hours(1));
    let later = dashboard(&a, &cookie, "").await;
    assert!(!later.contains("id=\"attention-responses\""));

    // Those who can publish see what waits for their review; members do not.
    let (status, draft) = a
        .node
        .post(
            &a.coordinator,
            "/api/v1/alerts",
            &alert("For review", "network", "immediate", None),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = draft["id"].as_str().unwrap();
    let (status, _) = a
        .node
        .post(&a.coordinator, &format!("/api/v1/alerts/{id}/submit"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!dashboard(&a, &cookie, "").await.contains("id=\"attention-review\""));
    let attention = tadamun::services::dashboard::attention(
        &a.node.state,
        &tadamun::services::accounts::authenticate(a.node.db(), &a.coordinator, a.node.clock_now())
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(attention.in_review.len(), 1);
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn dashboard_in_english_and_arabic_at_desktop_and_phone_width(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    let mut body = alert(
        "Journalist detained after reporting on a mine",
        "network",
        "immediate",
        Some("2028-01-01T00:00:00Z"),
    );
    body["title"]["ar"] = json!("اعتقال صحفي بعد تقريره عن منجم");
    a.publish(body).await;
    a.publish(alert("Land defenders threatened", "network", "expected", None))
        .await;
    b.publish(alert(
        "Union leader missing",
        "network",
        "immediate",
        Some("2029-06-01T00:00:00Z"),
    ))
    .await;
    deliver_all(&[&a.node, &b.node]).await;
    a.node
        .staff_with_password("green", Role::Member, "green-member", PASSWORD)
        .await;

    let browser = Browser::start().await;
    let page = browser.client();
    // Signing in at `/` comes back to `/`, with the dashboard.
    page.goto(&format!("{}/", a.node.base)).await.unwrap();
    for (field, value) in [("username", "green-member"), ("password", PASSWORD)] {
        page.find(Locator::Css(&format!("input[name={field}]")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    page.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(page, "/").await;
    for _ in 0..100 {
        if browser.count("#dashboard-list li").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(browser.count("#dashboard-list li").await, 3);

    let dir = screenshot_dir();
    for (width, height, device) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        page.set_window_size(width, height).await.unwrap();
        for (lang, dir_attr) in [("en", "ltr"), ("ar", "rtl")] {
            page.goto(&format!("{}/?lang={lang}", a.node.base)).await.unwrap();
            let root = page.find(Locator::Css("html")).await.unwrap();
            assert_eq!(root.attr("dir").await.unwrap().as_deref(), Some(dir_attr));
            let titles = browser.texts("#dashboard-list .alert-title").await;
            assert_eq!(titles.len(), 3, "{titles:?}");
            if lang == "ar" {
                assert_eq!(titles[0], "اعتقال صحفي بعد تقريره عن منجم", "{titles:?}");
                assert_eq!(browser.texts("h1").await, vec!["التنبيهات".to_string()]);
            } else {
                assert_eq!(titles[0], "Journalist detained after reporting on a mine", "{titles:?}");
            }
            // The filters work without script: a GET form.
            let overflow = page
                .execute(
                    "return document.documentElement.scrollWidth - window.innerWidth;",
                    vec![],
                )
                .await
                .unwrap();
            assert!(
                overflow.as_i64().unwrap_or(0) <= 0,
                "{device} {lang}: {overflow} px too wide"
            );
            let png = page.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("dashboard-{lang}-{device}.png")), png).unwrap();
        }
    }
    // Filtering with the form (opened first: it is folded while unused).
    page.set_window_size(1280, 900).await.unwrap();
    page.goto(&format!("{}/?lang=en", a.node.base)).await.unwrap();
    page.find(Locator::Css("#filters summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.find(Locator::Css("input[name=source][value=network]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.find(Locator::Css("#filter-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if page.current_url().await.unwrap().as_str().contains("source=network") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        browser.texts("#dashboard-list .alert-title").await,
        vec!["Union leader missing".to_string()]
    );
    browser.stop().await;
}
