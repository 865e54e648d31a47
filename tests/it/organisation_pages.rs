//! The organisation's pages on a real node. In a real browser: an admin
//! edits the profile (the public page shows it), replaces the signing key
//! after the confirmation page (audited; the actor serves the new key), and
//! invites a coordinator, who opens the link in a second browser, chooses a
//! password, enrols an authenticator from the key shown with the QR code,
//! sees the recovery codes once, signs in with a code, then with a recovery
//! code that does not work a second time. Over HTTP, on both databases: an
//! admin of one organisation neither sees nor changes another's staff or
//! audit entries, while the node's operator reads both in the node-wide log.
//! Each main page is checked with axe-core, in English at desktop width and
//! in Arabic at phone width, with screenshots `org-*.png`.

use std::time::Duration;

use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::browser::{Browser, click, screenshot_dir, tick, type_into, wait_for_path};
use crate::support::{TestCase, TestEnv, TestNode, post_login, set_cookie};
use crate::{once, tests};

pub fn cases() -> Vec<TestCase> {
    let mut cases = tests![an_admin_sees_and_changes_only_their_own_organisations_staff_and_audit_log];
    cases.extend(once![
        an_admin_edits_the_profile_rotates_the_key_and_invites_a_coordinator_who_enrols_and_signs_in
    ]);
    cases
}

const PASSWORD: &str = "a long organisation password";

/// The authenticator secret in an otpauth:// URI.
fn secret_of(totp_uri: Option<String>) -> String {
    url::Url::parse(&totp_uri.expect("this role has a second factor"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .unwrap()
        .1
        .to_string()
}

/// Waits (up to 15 s) for an element; on failure says what the page shows.
async fn wait_for(page: &Client, css: &str) {
    if let Err(e) = page
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
    {
        let at = page.current_url().await.ok();
        let text = match page.find(Locator::Css("main")).await {
            Ok(main) => main.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        panic!("no {css} at {at:?} ({e}); the page says:\n{text}");
    }
}

async fn text_of(page: &Client, css: &str) -> String {
    page.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

/// Opens `path` in English at desktop width and in Arabic at phone width:
/// a screenshot of each, no serious accessibility violation, nothing wider
/// than the phone; then back to English at desktop width.
async fn look_both(browser: &Browser, node: &TestNode, path: &str, name: &str) {
    let page = browser.client();
    let separator = if path.contains('?') { '&' } else { '?' };
    for (lang, width) in [("en", 1280), ("ar", 390)] {
        page.set_window_size(width, 900).await.unwrap();
        page.goto(&format!("{}{path}{separator}lang={lang}", node.base))
            .await
            .unwrap();
        wait_for(page, &format!("html[lang={lang}] main h1")).await;
        let png = page.screenshot().await.unwrap();
        std::fs::write(screenshot_dir().join(format!("org-{name}-{lang}-{width}.png")), png).unwrap();
        let violations = browser.serious_accessibility_violations().await;
        assert!(violations.is_empty(), "{name} in {lang}: {violations:#?}");
        if width < 500 {
            let fits = page
                .execute(
                    "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(fits, json!(true), "{name} is wider than a phone");
        }
    }
    page.set_window_size(1280, 900).await.unwrap();
    page.goto(&format!("{}{path}{separator}lang=en", node.base))
        .await
        .unwrap();
    wait_for(page, "html[lang=en] main h1").await;
}

/// Signs in at the home page with a password and a one-time code (an
/// authenticator's or a recovery code).
async fn sign_in_at_home(page: &Client, node: &TestNode, username: &str, password: &str, code: &str) {
    page.goto(&format!("{}/?lang=en", node.base)).await.unwrap();
    wait_for(page, "input[name=username]").await;
    type_into(page, "username", username).await;
    type_into(page, "password", password).await;
    type_into(page, "code", code).await;
    click(page, "main button[type=submit]").await;
}

async fn wait_for_dashboard(page: &Client) {
    wait_for(page, "ol#dashboard-list, #list-summary").await;
}

async fn sign_out(page: &Client) {
    click(page, "header form button[type=submit]").await;
    wait_for(page, "input[name=username]").await;
}

async fn an_admin_edits_the_profile_rotates_the_key_and_invites_a_coordinator_who_enrols_and_signs_in(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let admin_secret = secret_of(
        node.staff_with_password("green", Role::Admin, "green-admin", PASSWORD)
            .await
            .1,
    );
    let browser = Browser::start().await;
    let page = browser.client();
    page.set_window_size(1280, 900).await.unwrap();
    let code = tadamun::services::accounts::current_totp_code(&admin_secret, node.clock_now()).unwrap();
    sign_in_at_home(page, &node, "green-admin", PASSWORD, &code).await;
    wait_for_dashboard(page).await;

    // The profile: a summary and a working language, shown on the public page.
    look_both(&browser, &node, "/organisation", "profile").await;
    let summary = "We accompany land defenders in the valley.";
    type_into(page, "summary", summary).await;
    tick(page, "languages", "ar").await;
    click(page, "#profile-form button[type=submit]").await;
    wait_for(page, "#signing-keys").await;
    page.goto(&format!("{}/orgs/green?lang=en", node.base)).await.unwrap();
    wait_for(page, "#org-summary").await;
    assert_eq!(text_of(page, "#org-summary").await, summary);
    assert!(
        text_of(page, "main").await.contains("العربية"),
        "Arabic is a working language"
    );

    // The key: one current key, replaced after the page that explains it.
    page.goto(&format!("{}/organisation?lang=en", node.base)).await.unwrap();
    wait_for(page, "#signing-keys").await;
    assert_eq!(browser.count("#signing-keys tbody tr").await, 1);
    click(page, "#rotate-link").await;
    wait_for_path(page, "/organisation/keys/rotate").await;
    assert!(text_of(page, "main").await.contains("already sent stay valid"));
    look_both(&browser, &node, "/organisation/keys/rotate", "rotate").await;
    click(page, "#confirm-rotation").await;
    wait_for(page, "#new-key").await;
    let new_key = text_of(page, "#new-key").await;
    assert!(new_key.ends_with("#ed25519-key-2"), "{new_key}");
    let actor: Value = node
        .http
        .get(format!("{}/orgs/green", node.base))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let methods = actor["assertionMethod"].as_array().expect("keys listed").clone();
    let served = methods
        .iter()
        .find(|m| m["id"] == new_key.as_str())
        .expect("the new key is served");
    assert!(served.get("expires").is_none(), "the new key is current: {served}");
    assert!(
        methods
            .iter()
            .any(|m| m["id"].as_str().unwrap().ends_with("#ed25519-key-1") && m.get("expires").is_some()),
        "the old key stays listed as retired: {methods:?}"
    );
    page.goto(&format!("{}/organisation?lang=en", node.base)).await.unwrap();
    wait_for(page, "#signing-keys").await;
    assert_eq!(browser.count("#signing-keys tbody tr").await, 2);
    assert_eq!(browser.count("#signing-keys strong.current").await, 1);

    // Both changes are in the audit log, in words.
    page.goto(&format!("{}/organisation/audit?kind=organisation&lang=en", node.base))
        .await
        .unwrap();
    wait_for(page, "#audit-list").await;
    assert_eq!(browser.count("#audit-list li[data-action='org.key_rotate']").await, 1);
    assert_eq!(browser.count("#audit-list li[data-action='org.profile']").await, 1);
    assert!(text_of(page, "#audit-list").await.contains("Replaced the signing key"));
    look_both(&browser, &node, "/organisation/audit", "audit").await;

    // Webhooks: the list with its form, and a webhook's page with its log.
    look_both(&browser, &node, "/organisation/webhooks", "webhooks").await;
    type_into(page, "url", "http://localhost:9/hook").await;
    type_into(page, "description", "Signal relay").await;
    click(page, "#webhook-form button[type=submit]").await;
    wait_for(page, "#webhook-secret").await;
    assert!(text_of(page, "#webhook-secret").await.starts_with("whsec_"));
    click(page, "main a[href^='/organisation/webhooks/']").await;
    wait_for(page, "#test-form").await;
    click(page, "#test-form button[type=submit]").await;
    wait_for(page, "#deliveries").await;
    let hook_path = page.current_url().await.unwrap().path().to_string();
    look_both(&browser, &node, &hook_path, "webhook").await;

    // An invitation for a coordinator.
    look_both(&browser, &node, "/organisation/staff", "staff").await;
    type_into(page, "username", "green-coord").await;
    type_into(page, "display_name", "Coordinator of the valley").await;
    tick(page, "role", "coordinator").await;
    click(page, "#invite-form button[type=submit]").await;
    wait_for(page, "#one-time-link").await;
    let link = url::Url::parse(&text_of(page, "#one-time-link").await).unwrap();
    let link_path = link.path().to_string();
    assert!(link_path.starts_with("/welcome/"), "{link}");
    std::fs::write(
        screenshot_dir().join("org-invited-en-1280.png"),
        page.screenshot().await.unwrap(),
    )
    .unwrap();

    // The coordinator, in another browser: password, authenticator, codes.
    let second = Browser::start().await;
    let their = second.client();
    look_both(&second, &node, &link_path, "welcome").await;
    assert_eq!(second.count("figure.qr svg").await, 1, "a QR code drawn by the node");
    let secret = text_of(their, "#totp-secret").await;
    type_into(their, "password", "the coordinator's own password").await;
    type_into(their, "password_again", "the coordinator's own password").await;
    type_into(their, "code", "000000").await;
    click(their, "#link-form button[type=submit]").await;
    wait_for(their, "#code-error").await;
    assert_eq!(
        their
            .find(Locator::Css("[name=code]"))
            .await
            .unwrap()
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    type_into(their, "password", "the coordinator's own password").await;
    type_into(their, "password_again", "the coordinator's own password").await;
    let code = tadamun::services::accounts::current_totp_code(&secret, node.clock_now()).unwrap();
    type_into(their, "code", &code).await;
    click(their, "#link-form button[type=submit]").await;
    wait_for(their, "#recovery-codes").await;
    let recovery = second.texts("#recovery-codes li").await;
    assert_eq!(recovery.len(), 10);
    std::fs::write(
        screenshot_dir().join("org-recovery-en-1280.png"),
        their.screenshot().await.unwrap(),
    )
    .unwrap();
    assert!(second.serious_accessibility_violations().await.is_empty());

    // The link worked once.
    their.goto(&format!("{}{link_path}?lang=en", node.base)).await.unwrap();
    wait_for(their, "main p.error[role=alert]").await;
    assert_eq!(second.count("#link-form").await, 0);

    // Signing in with the password and a code of a later time step (the
    // confirming code is used up).
    node.clock.advance(chrono::Duration::seconds(31));
    let code = tadamun::services::accounts::current_totp_code(&secret, node.clock_now()).unwrap();
    sign_in_at_home(their, &node, "green-coord", "the coordinator's own password", &code).await;
    wait_for_dashboard(their).await;
    sign_out(their).await;

    // A recovery code signs in once.
    sign_in_at_home(
        their,
        &node,
        "green-coord",
        "the coordinator's own password",
        &recovery[0],
    )
    .await;
    wait_for_dashboard(their).await;
    sign_out(their).await;
    sign_in_at_home(
        their,
        &node,
        "green-coord",
        "the coordinator's own password",
        &recovery[0],
    )
    .await;
    wait_for(their, "main [role=alert]").await;
    assert_eq!(second.count("ol#dashboard-list, #list-summary").await, 0);

    // The admin sees the new coordinator, who can now be managed.
    page.goto(&format!("{}/organisation/staff?lang=en", node.base))
        .await
        .unwrap();
    wait_for(page, "#staff-list tr[data-username='green-coord']").await;
    click(page, "#staff-list tr[data-username='green-coord'] a").await;
    wait_for(page, "#member-role").await;
    assert_eq!(text_of(page, "#member-role").await, "Coordinator");
    let member_path = page.current_url().await.unwrap().path().to_string();
    look_both(&browser, &node, &member_path, "member").await;

    second.stop().await;
    browser.stop().await;
    node.stop().await;
}

/// A client signed in to a node with a browser session.
struct Session {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Session {
    async fn of(node: &TestNode, org: &str, username: &str) -> (Session, String) {
        let (token, totp) = node.staff_with_password(org, Role::Admin, username, PASSWORD).await;
        let code = tadamun::services::accounts::current_totp_code(&secret_of(totp), node.clock_now()).unwrap();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = post_login(
            &client,
            &node.base,
            &[("username", username), ("password", PASSWORD), ("code", &code)],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{username} signs in");
        let cookie = set_cookie(&resp, "tadamun_session").expect("a session");
        let session = Session {
            client,
            base: node.base.clone(),
            cookie,
        };
        (session, token)
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Sends a form with the session's form token (read from `/organisation`).
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let (_, html) = self.get("/organisation").await;
        let marker = "name=\"form_token\" value=\"";
        let start = html.find(marker).expect("a form token") + marker.len();
        let token = html[start..].split('"').next().unwrap().to_string();
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.extend_pairs(fields.iter().copied());
            form.append_pair("form_token", &token);
            form.finish()
        };
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }
}

async fn an_admin_sees_and_changes_only_their_own_organisations_staff_and_audit_log(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    // The node's first admin is also its operator.
    let (green, _) = Session::of(&node, "green", "green-admin").await;
    let (blue, blue_token) = Session::of(&node, "blue", "blue-admin").await;
    let blue_id = tadamun::db::accounts::find_user_by_username(node.db(), "blue-admin")
        .await
        .unwrap()
        .unwrap()
        .id;

    // Each changes their profile: an audited change of each organisation.
    let (status, _) = green
        .post(
            "/organisation",
            &[("name", "Green defenders"), ("summary", "Green."), ("languages", "en")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = blue
        .post(
            "/organisation",
            &[("name", "Blue defenders"), ("summary", "Blue."), ("languages", "fr")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // A bad language is said next to the field, and nothing is written.
    let (status, html) = green
        .post(
            "/organisation",
            &[("name", "Green again"), ("summary", "Kept."), ("languages", "xx")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Green again") && html.contains("role=\"alert\""),
        "{html}"
    );
    let (_, html) = green.get("/orgs/green").await;
    assert!(html.contains("Green defenders") && !html.contains("Green again"));

    // The other organisation's staff: not found, and nothing of them shown.
    let (status, html) = green.get(&format!("/organisation/staff/{blue_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("blue-admin"));
    let (status, html) = green.get("/organisation/staff").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("green-admin") && !html.contains("blue-admin"));
    for step in ["disable", "password", "second-factor", "sign-out", "role"] {
        let (status, html) = green
            .post(
                &format!("/organisation/staff/{blue_id}/{step}"),
                &[("confirm", "yes"), ("role", "viewer")],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{step}");
        assert!(!html.contains("blue-admin"), "{step}");
    }
    let blue_user = tadamun::db::accounts::find_user_by_username(node.db(), "blue-admin")
        .await
        .unwrap()
        .unwrap();
    assert!(blue_user.disabled_at.is_none());
    assert_eq!(blue_user.role, Role::Admin);
    assert_eq!(node.count("staff_links").await, 0);
    let (status, _) = blue.get("/organisation").await;
    assert_eq!(status, StatusCode::OK, "blue is still signed in");

    // Nor through the API.
    let (status, _) = node
        .patch(&blue_token, "/api/v1/orgs/green", &json!({"summary": "Taken over"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = node
        .patch(&blue_token, "/api/v1/orgs/blue", &json!({"languages": ["fr", "ar"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["languages"], json!(["fr", "ar"]));

    // Each admin's audit log holds their own organisation's entries only.
    let (status, html) = green.get("/organisation/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-org=\"green\"") && !html.contains("data-org=\"blue\""));
    let (status, html) = blue.get("/organisation/audit?kind=organisation").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-org=\"blue\"") && !html.contains("data-org=\"green\""));
    assert!(html.contains("data-action=\"org.profile\""));
    let (status, _) = blue.get("/organisation/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The node-wide log is the operator's.
    let (status, html) = blue.get("/admin/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("data-org"));
    let (status, html) = green.get("/admin/audit?kind=organisation").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-org=\"green\"") && html.contains("data-org=\"blue\""));
    let (_, html) = green.get("/admin/audit?who=blue-admin").await;
    assert!(html.contains("data-org=\"blue\"") && !html.contains("data-org=\"green\""));

    node.stop().await;
}
