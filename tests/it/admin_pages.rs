//! The node operator's pages, on real nodes. In a real browser: an operator
//! adds a peer by its address; the other node's operator finds the request
//! first on their peers page and approves it after a page naming the alert
//! it will receive; both pages then show the relation. A request from an
//! unknown node is refused from the page, and blocking a peer withdraws the
//! alert the confirmation named from it. A delivery to a stopped node shows
//! as retrying, with its reason and next attempt, then as delivered once the
//! node is back and the operator retried by hand. Over plain form posts:
//! staff who are not the node's operator get 403, and a form without its
//! token changes nothing. Each page is checked with axe-core, and
//! photographed in English and Arabic at desktop and phone width.

use std::time::Duration;

use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::json;
use tadamun::domain::vocab::Role;

use crate::browser::{Browser, click, screenshot_dir, type_into, wait_for_path};
use crate::federation::{Member, peer, titled};
use crate::support::{TestCase, TestEnv, TestNode, deliver_all, post_login, set_cookie};
use crate::{once, tests};

pub fn cases() -> Vec<TestCase> {
    let mut cases = once![
        operators_federate_refuse_and_block_from_the_peers_pages,
        a_delivery_to_a_stopped_node_shows_as_retrying_then_delivered,
    ];
    cases.extend(tests![only_operators_use_the_admin_pages_and_forms_need_their_token]);
    cases
}

const PASSWORD: &str = "a long operator password";

/// A node whose first admin (its operator) signs in with a password and an
/// authenticator; the node and the authenticator's secret.
struct Operated {
    member: Member,
    username: String,
    secret: String,
}

async fn operated_on(node: TestNode, org: &str) -> Operated {
    let username = format!("{org}-operator");
    let (admin, totp) = node.staff_with_password(org, Role::Admin, &username, PASSWORD).await;
    let coordinator = node.staff(org, Role::Coordinator, &format!("{org}-coord")).await;
    Operated {
        member: Member {
            node,
            admin,
            coordinator,
            org: org.to_string(),
        },
        username,
        secret: secret_of(&totp.expect("an operator has a second factor")),
    }
}

async fn operated(env: &TestEnv, org: &str) -> Operated {
    operated_on(TestNode::spawn(env).await, org).await
}

fn secret_of(otpauth: &str) -> String {
    url::Url::parse(otpauth)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .unwrap()
        .1
        .to_string()
}

/// A code for now, after moving the node's clock past the step of any code
/// used before (a code is good once).
fn fresh_code(node: &TestNode, secret: &str) -> String {
    node.clock.advance(chrono::Duration::seconds(31));
    tadamun::services::accounts::current_totp_code(secret, node.clock_now()).unwrap()
}

/// Signs in as the node's operator in the browser and lands on `path`. The
/// nodes share `localhost`, hence one session cookie in the browser: each
/// move to the other node signs in there again.
async fn sign_in(page: &Client, op: &Operated, path: &str) {
    let node = &op.member.node;
    page.goto(&format!("{}{path}", node.base)).await.unwrap();
    wait_for(page, "input[name='username']").await;
    type_into(page, "username", &op.username).await;
    type_into(page, "password", PASSWORD).await;
    type_into(page, "code", &fresh_code(node, &op.secret)).await;
    click(page, "main button[type=submit]").await;
    wait_for_path(page, path.split('?').next().unwrap()).await;
}

/// Waits (up to 15 s) for an element.
async fn wait_for(page: &Client, css: &str) {
    if let Err(e) = page
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
    {
        let at = page.current_url().await.ok();
        let text = match page.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        panic!("no {css} at {at:?} ({e}); the page says:\n{text}");
    }
}

async fn text_of(page: &Client, css: &str) -> String {
    page.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("finding {css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn attribute(page: &Client, css: &str, name: &str) -> Option<String> {
    page.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("finding {css}: {e}"))
        .attr(name)
        .await
        .unwrap()
}

/// The page shown now in `lang` (the switcher's `?lang=`).
fn in_lang(at: &url::Url, lang: &str) -> String {
    let mut url = at.clone();
    let kept: Vec<(String, String)> = at
        .query_pairs()
        .filter(|(k, _)| k != "lang")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("lang", lang);
    url.to_string()
}

/// Photographs the page shown now in English and Arabic, at desktop and
/// phone width (`admin-{name}-{lang}-{width}.png`); checks it with axe-core
/// in both languages and that at phone width nothing is wider than the
/// screen; and leaves it in English at desktop width.
async fn look(browser: &Browser, name: &str) {
    let page = browser.client();
    let at = page.current_url().await.unwrap();
    for (lang, width) in [("ar", 390), ("ar", 1280), ("en", 390), ("en", 1280)] {
        page.set_window_size(width, 900).await.unwrap();
        page.goto(&in_lang(&at, lang)).await.unwrap();
        wait_for(page, &format!("html[lang='{lang}'] main h1")).await;
        let png = page.screenshot().await.unwrap();
        std::fs::write(screenshot_dir().join(format!("admin-{name}-{lang}-{width}.png")), png).unwrap();
        if width == 390 {
            let fits = page
                .execute(
                    "return document.documentElement.scrollWidth <= window.innerWidth;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(fits, json!(true), "{name} in {lang} is wider than a phone");
        }
        if (lang, width) == ("ar", 390) || (lang, width) == ("en", 1280) {
            let violations = browser.serious_accessibility_violations().await;
            assert!(violations.is_empty(), "{name} in {lang}: {violations:#?}");
        }
    }
}

async fn operators_federate_refuse_and_block_from_the_peers_pages(env: TestEnv) {
    let green = operated(&env, "green").await;
    let blue = operated(&env, "blue").await;
    let red = Member::spawn(&env, "red").await;
    let (a, b) = (&green.member, &blue.member);
    let (a_host, b_host, c_host) = (a.node.host(), b.node.host(), red.node.host());
    // Blue has an alert for the whole network before the two nodes federate.
    b.publish(titled("Blue's alert before peering", "network")).await;

    let browser = Browser::start().await;
    let page = browser.client();
    page.set_window_size(1280, 900).await.unwrap();

    // Green's operator adds blue by its address, from the peers page.
    sign_in(page, &green, "/admin?lang=en").await;
    assert_eq!(
        attribute(page, "#pending-count", "data-count").await.as_deref(),
        Some("0")
    );
    look(&browser, "landing").await;
    click(page, "a[href='/admin/peers']").await;
    wait_for(page, "form[action='/admin/peers'] input[name='url']").await;
    type_into(page, "url", &b.node.base).await;
    click(page, "#add-peer button[type=submit]").await;
    wait_for_path(page, &format!("/admin/peers/{b_host}")).await;
    assert_eq!(
        attribute(page, "#peer-facts", "data-trust").await.as_deref(),
        Some("connected")
    );
    assert!(text_of(page, "#peer-answer").await.starts_with("Asked"));
    assert!(
        text_of(page, "#peer-software").await.starts_with("tadamun"),
        "read from blue's NodeInfo"
    );
    deliver_all(&[&a.node, &b.node]).await;

    // Blue's operator finds the request first, and approves it as connected
    // after a page that names the alert green will receive.
    sign_in(page, &blue, "/admin/peers?lang=en").await;
    let first_request = page
        .find(Locator::Css("main section#pending article.request"))
        .await
        .unwrap();
    assert_eq!(first_request.attr("data-host").await.unwrap(), Some(a_host.clone()));
    let sections: Vec<String> = browser.texts("main section h2").await;
    assert_eq!(sections[0], "Waiting for your decision", "{sections:?}");
    look(&browser, "peers-pending").await;
    click(
        page,
        &format!("#pending article[data-host='{a_host}'] a[href$='/trust?to=connected']"),
    )
    .await;
    wait_for(page, "#consequences").await;
    let sent = browser.texts("#alerts-sent li").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains("Blue's alert before peering"),
        "the alert is named: {sent:?}"
    );
    assert!(text_of(page, "#answers-request").await.contains("accepted"));
    look(&browser, "confirm-approve").await;
    click(page, "#confirm-change").await;
    wait_for_path(page, &format!("/admin/peers/{a_host}")).await;
    wait_for(page, "#peer-facts[data-trust='connected']").await;
    deliver_all(&[&a.node, &b.node]).await;
    look(&browser, "peer").await;

    // Both pages show the relation.
    page.goto(&format!("{}/admin/peers?lang=en", b.node.base))
        .await
        .unwrap();
    wait_for(
        page,
        &format!("#peers tr[data-host='{a_host}'][data-trust='connected']"),
    )
    .await;
    assert_eq!(browser.count("#pending article.request").await, 0);
    sign_in(page, &green, "/admin/peers?lang=en").await;
    wait_for(
        page,
        &format!("#peers tr[data-host='{b_host}'][data-trust='connected']"),
    )
    .await;
    assert_eq!(
        text_of(page, &format!("#peers tr[data-host='{b_host}'] td.answer")).await,
        "Accepted"
    );
    assert_eq!(a.network_titles().await, ["Blue's alert before peering"]);

    // A node green does not know asks; its operator refuses it from the page.
    red.add_peer(&a.node, "connected").await;
    deliver_all(&[&a.node, &red.node]).await;
    page.goto(&format!("{}/admin/peers?lang=en", a.node.base))
        .await
        .unwrap();
    wait_for(page, &format!("#pending article.request[data-host='{c_host}']")).await;
    look(&browser, "peers").await;
    click(
        page,
        &format!("#pending article[data-host='{c_host}'] a[href$='/trust?to=blocked']"),
    )
    .await;
    wait_for(page, "#consequences").await;
    assert!(text_of(page, "#answers-request").await.contains("refused"));
    click(page, "#confirm-change").await;
    wait_for(page, "#peer-facts[data-trust='blocked']").await;
    deliver_all(&[&a.node, &red.node]).await;
    let (_, on_red) = red.node.get(&red.admin, &format!("/api/v1/peers/{a_host}")).await;
    assert_eq!(on_red["their_answer"], "rejected", "{on_red}");

    // Green publishes; blue receives it. Blocking blue names that alert, and
    // withdraws it from blue.
    a.publish(titled("Green's alert before the block", "network")).await;
    deliver_all(&[&a.node, &b.node]).await;
    assert_eq!(b.network_titles().await, ["Green's alert before the block"]);
    page.goto(&format!("{}/admin/peers/{b_host}?lang=en", a.node.base))
        .await
        .unwrap();
    click(page, "input[name='to'][value='blocked']").await;
    click(page, "form[action$='/trust'] button[type=submit]").await;
    wait_for(page, "#alerts-withdrawn").await;
    let withdrawn = browser.texts("#alerts-withdrawn li").await;
    assert_eq!(withdrawn.len(), 1, "{withdrawn:?}");
    assert!(withdrawn[0].contains("Green's alert before the block"), "{withdrawn:?}");
    look(&browser, "confirm-block").await;
    click(page, "#confirm-change").await;
    wait_for(page, "#peer-facts[data-trust='blocked']").await;
    deliver_all(&[&a.node, &b.node]).await;
    assert!(b.network_titles().await.is_empty(), "withdrawn from blue");
    let (_, audit) = a.node.get(&a.admin, "/api/v1/audit?limit=50").await;
    let trust_changes = audit["items"]
        .as_array()
        .map(|items| items.iter().filter(|e| e["action"] == "peer.trust").count());
    assert_eq!(trust_changes, Some(2), "audited as through the API: {audit}");
    browser.stop().await;
}

async fn a_delivery_to_a_stopped_node_shows_as_retrying_then_delivered(env: TestEnv) {
    let green = operated(&env, "green").await;
    let a = &green.member;
    let blue_url = env.new_database_url().await;
    let blue = operated_on(TestNode::spawn_on(&blue_url).await, "blue").await.member;
    peer(a, &blue, "connected").await;
    let b_host = blue.node.host();
    let port: u16 = b_host.rsplit(':').next().unwrap().parse().unwrap();
    // Stopped: its listener and every open connection closed.
    let Member { node: blue_node, .. } = blue;
    blue_node.stop().await;

    a.publish(titled("Sent while blue is down", "network")).await;
    a.node.deliver().await;

    let browser = Browser::start().await;
    let page = browser.client();
    page.set_window_size(1280, 900).await.unwrap();
    sign_in(page, &green, "/admin?lang=en").await;
    assert_eq!(
        attribute(page, "#delivery-trouble", "data-count").await.as_deref(),
        Some("1")
    );
    click(page, "a[href='/admin/deliveries']").await;
    wait_for(page, &format!("#queues tr[data-host='{b_host}']")).await;
    assert_eq!(
        attribute(page, &format!("#queues tr[data-host='{b_host}']"), "data-pending")
            .await
            .as_deref(),
        Some("1")
    );
    look(&browser, "deliveries").await;
    click(page, &format!("#queues a[href='/admin/deliveries/{b_host}']")).await;
    wait_for(page, "#waiting tbody tr").await;
    let row = "#waiting tbody tr:first-child";
    assert_eq!(attribute(page, row, "data-attempts").await.as_deref(), Some("1"));
    assert!(
        text_of(page, &format!("{row} td.state"))
            .await
            .starts_with("Being retried"),
        "retrying"
    );
    assert!(
        !text_of(page, &format!("{row} td.reason")).await.trim().is_empty(),
        "with its reason"
    );
    let next = text_of(page, &format!("{row} td.next")).await;
    assert!(next.contains("UTC"), "with the next attempt: {next}");
    look(&browser, "deliveries-peer").await;

    // Blue comes back on the same port; the operator retries by hand.
    let blue_back = TestNode::spawn_on_port(&blue_url, port).await;
    click(page, "form.retry button[type=submit]").await;
    wait_for(page, "#requeued").await;
    assert!(text_of(page, "#requeued").await.contains('1'), "one delivery put back");
    a.node.deliver().await;
    deliver_all(&[&a.node, &blue_back]).await;
    page.goto(&format!("{}/admin/deliveries/{b_host}?lang=en", a.node.base))
        .await
        .unwrap();
    wait_for(page, "#waiting-none").await;
    let delivered = browser.count("#recent tr[data-state='delivered']").await;
    assert!(delivered >= 1, "the alert is delivered");
    assert_eq!(browser.count("#recent tr[data-state='pending']").await, 0);
    look(&browser, "deliveries-delivered").await;
    browser.stop().await;
}

/// A signed-in session over plain HTTP, posting forms as a browser does.
struct Session {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Session {
    async fn sign_in(node: &TestNode, username: &str, secret: &str) -> Session {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let code = fresh_code(node, secret);
        let resp = post_login(
            &client,
            &node.base,
            &[("username", username), ("password", PASSWORD), ("code", &code)],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{username} signs in");
        Session {
            cookie: set_cookie(&resp, "tadamun_session").expect("a session"),
            client,
            base: node.base.clone(),
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    async fn token(&self, path: &str) -> String {
        let (status, html) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        let marker = "name=\"form_token\" value=\"";
        let start = html.find(marker).expect("a form with a token") + marker.len();
        html[start..].split('"').next().unwrap().to_string()
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, Option<String>, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().copied())
            .finish();
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &self.cookie)
            .header("accept-language", "en")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let location = resp.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        (status, location, resp.text().await.unwrap())
    }
}

async fn only_operators_use_the_admin_pages_and_forms_need_their_token(env: TestEnv) {
    let green = operated(&env, "green").await;
    let blue = Member::spawn(&env, "blue").await;
    let a = &green.member;
    peer(a, &blue, "connected").await;
    let b_host = blue.node.host();
    let operator = Session::sign_in(&a.node, &green.username, &green.secret).await;

    // An admin of an organisation, not the node's operator: 403 everywhere.
    let (_, totp) = a
        .node
        .staff_with_password("green", Role::Admin, "green-org-admin", PASSWORD)
        .await;
    let org_admin = Session::sign_in(&a.node, "green-org-admin", &secret_of(&totp.unwrap())).await;
    for path in [
        "/admin".to_string(),
        "/admin/peers".to_string(),
        format!("/admin/peers/{b_host}"),
        format!("/admin/peers/{b_host}/trust?to=blocked"),
        "/admin/deliveries".to_string(),
        format!("/admin/deliveries/{b_host}"),
    ] {
        let (status, html) = org_admin.get(&path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {html}");
        assert!(html.contains("role=\"alert\""), "{path} says why");
    }
    let own_token = org_admin.token("/").await;
    let (status, _, _) = org_admin
        .post(
            &format!("/admin/peers/{b_host}/trust"),
            &[("form_token", &own_token), ("to", "blocked"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The operator's forms without their token change nothing.
    let trust = || async {
        let (_, peer) = a.node.get(&a.admin, &format!("/api/v1/peers/{b_host}")).await;
        peer["trust"].as_str().unwrap().to_string()
    };
    let (status, _, _) = operator
        .post(
            &format!("/admin/peers/{b_host}/trust"),
            &[("to", "blocked"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = operator
        .post(
            &format!("/admin/peers/{b_host}/trust"),
            &[("form_token", "guessed"), ("to", "blocked"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(trust().await, "connected");
    let (status, _, _) = operator
        .post("/admin/peers", &[("url", "http://localhost:9"), ("trust", "connected")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = operator.post("/admin/deliveries/retry", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, audit) = a.node.get(&a.admin, "/api/v1/audit?limit=100").await;
    let retries = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "deliveries.retry")
        .count();
    assert_eq!(retries, 0, "{audit}");

    // With its token but not confirmed: the consequences first, nothing changed.
    let token = operator.token("/admin/peers").await;
    let (status, location, _) = operator
        .post(
            &format!("/admin/peers/{b_host}/trust"),
            &[("form_token", &token), ("to", "blocked")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, Some(format!("/admin/peers/{b_host}/trust?to=blocked")));
    assert_eq!(trust().await, "connected");

    // A wrong address: 422, the typed address kept, the error said.
    let (status, _, html) = operator
        .post(
            "/admin/peers",
            &[
                ("form_token", &token),
                ("url", "not an address"),
                ("trust", "connected"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("value=\"not an address\""), "{html}");
    assert!(html.contains("id=\"add-peer-error\""), "{html}");
    // A level that is not a decision: 422, nothing changed.
    let (status, _, _) = operator
        .post(
            &format!("/admin/peers/{b_host}/trust"),
            &[("form_token", &token), ("to", "pending"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(trust().await, "connected");
    let (status, _) = operator.get("/admin/peers/unknown.example").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // With its token, the operator's retry goes through and is audited.
    let (status, location, _) = operator
        .post("/admin/deliveries/retry", &[("form_token", &token), ("host", &b_host)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, Some(format!("/admin/deliveries/{b_host}?requeued=0")));
    let (_, audit) = a.node.get(&a.admin, "/api/v1/audit?limit=100").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "deliveries.retry"),
        "{audit}"
    );
}
