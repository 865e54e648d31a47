//! The account page (`/account`) of a signed-in coordinator.
//!
//! In a real Chromium against a real node: a password change refused for a
//! short and a mismatched new password (what was typed stays, nothing
//! changes), then made (the old password is refused at sign-in, the new one
//! accepted); a new second factor enrolled by reading the secret beside the
//! QR code (an inline `<svg>`, no `<img>`), refused for a wrong code and
//! confirmed with the right one, then used to sign in, and a recovery code
//! too; a token created on the page, used against the API and revoked; the
//! language chosen; the sessions listed with this one marked; and signing
//! out everywhere from a second browser, which signs out the first. Each page
//! is checked with axe-core, and screenshots in English and Arabic at desktop
//! and phone width are written (`account-*.png`).
//!
//! Without a browser, on SQLite and PostgreSQL: forms without their token
//! change nothing, a second factor waiting for its code leaves the old one
//! working, a password change ends the other sessions, and each change is
//! audited; the password and the recovery codes through the API too.

use std::time::Duration;

use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;
use tadamun::services::accounts::current_totp_code;

use crate::browser::{Browser, choose, click, screenshot_dir, type_into, wait_for_path};
use crate::support::{TestCase, TestEnv, TestNode, post_login, set_cookie};
use crate::{once, tests};

pub fn cases() -> Vec<TestCase> {
    let mut cases = once![a_coordinator_manages_their_own_account_in_the_browser];
    cases.extend(tests![account_forms_need_their_token_and_are_audited]);
    cases
}

const PASSWORD: &str = "first account password";
const NEW_PASSWORD: &str = "a better and longer password";

/// The authenticator app's secret in an otpauth:// URI.
fn secret_of(totp_uri: &str) -> String {
    url::Url::parse(totp_uri)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .unwrap()
        .1
        .to_string()
}

/// A text without the Unicode isolates Fluent puts around its variables.
fn plain(text: &str) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
}

/// A code no authenticator app shows for `secret` around now.
fn wrong_code(node: &TestNode, secret: &str) -> String {
    let now = node.clock_now();
    let valid: Vec<String> = [-30, 0, 30]
        .iter()
        .map(|s| current_totp_code(secret, now + chrono::Duration::seconds(*s)).unwrap())
        .collect();
    (0..10)
        .map(|d| d.to_string().repeat(6))
        .find(|c| !valid.contains(c))
        .unwrap()
}

/// Waits (up to 15 s) for an element; says what the page shows if it never comes.
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

/// Takes the screenshot, checks the page with axe-core and, at phone width,
/// that nothing makes the page scroll sideways.
async fn look(browser: &Browser, name: &str) {
    let png = browser.client().screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("account-{name}.png")), png).unwrap();
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{name}: {violations:#?}");
    let overflow = browser
        .client()
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    if overflow.as_i64().unwrap_or(0) > 0 {
        let wide = browser
            .client()
            .execute(
                "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')]
                   .filter(e => { const r = e.getBoundingClientRect(); return r.right > w + 0.5 || r.left < -0.5; })
                   .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + e.textContent.slice(0, 40));",
                vec![],
            )
            .await
            .unwrap();
        panic!("{name}: the page is {overflow} px wider than the window: {wide}");
    }
}

/// Signs in on the sign-in page and waits for the account page.
async fn sign_in(page: &Client, node: &TestNode, username: &str, password: &str, code: &str) {
    page.goto(&format!("{}/login?next=/account", node.base)).await.unwrap();
    type_into(page, "username", username).await;
    type_into(page, "password", password).await;
    type_into(page, "code", code).await;
    click(page, "main button[type=submit]").await;
    wait_for(page, "#who").await;
}

async fn sign_out(page: &Client) {
    click(page, "header form button[type=submit]").await;
    wait_for_path(page, "/login").await;
}

async fn value_of(page: &Client, name: &str) -> String {
    page.find(Locator::Css(&format!("[name='{name}']")))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The API's sign-in, for what the pages cannot show: which password works.
async fn api_sign_in(node: &TestNode, username: &str, password: &str, code: &str) -> StatusCode {
    node.call(
        reqwest::Method::POST,
        None,
        "/api/v1/auth/token",
        Some(&json!({"username": username, "password": password, "totp_code": code})),
    )
    .await
    .0
}

async fn a_coordinator_manages_their_own_account_in_the_browser(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let (_, uri) = node
        .staff_with_password("green", Role::Coordinator, "amal", PASSWORD)
        .await;
    let first_secret = secret_of(&uri.expect("coordinators have a second factor"));

    let browser = Browser::start().await;
    let page = browser.client();
    page.set_window_size(1280, 1000).await.unwrap();
    page.goto(&format!("{}/login?lang=en", node.base)).await.unwrap();
    sign_in(
        page,
        &node,
        "amal",
        PASSWORD,
        &current_totp_code(&first_secret, node.clock_now()).unwrap(),
    )
    .await;
    // The header's name leads here.
    assert_eq!(
        page.find(Locator::Css("header a.who"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .as_deref(),
        Some("/account")
    );
    let who = browser.texts("#who dd").await;
    assert_eq!(who[0], "amal");
    assert_eq!(who[1], "Org green (green)");
    assert_eq!(who[2], "Coordinator");
    assert!(plain(&browser.texts("#two-factor-status").await[0]).contains("Unused recovery codes: 10."));
    look(&browser, "en-1280").await;

    // A new password too short, then typed differently twice: refused next
    // to the field, with what was typed still there.
    type_into(page, "current_password", PASSWORD).await;
    type_into(page, "new_password", "short").await;
    type_into(page, "new_password_again", "short").await;
    click(page, "#password-form button[type=submit]").await;
    wait_for(page, "#field-new_password-error").await;
    assert!(plain(&browser.texts("#field-new_password-error").await[0]).contains("at least 12 characters"));
    assert_eq!(value_of(page, "current_password").await, PASSWORD);
    assert_eq!(value_of(page, "new_password_again").await, "short");
    look(&browser, "password-refused-en-1280").await;
    type_into(page, "new_password", NEW_PASSWORD).await;
    type_into(page, "new_password_again", &format!("{NEW_PASSWORD}!")).await;
    click(page, "#password-form button[type=submit]").await;
    wait_for(page, "#field-new_password_again-error").await;
    assert_eq!(browser.count("#field-new_password-error").await, 0);
    assert_eq!(value_of(page, "new_password").await, NEW_PASSWORD);
    // Now right.
    type_into(page, "new_password_again", NEW_PASSWORD).await;
    click(page, "#password-form button[type=submit]").await;
    wait_for(page, "#notice").await;
    assert_eq!(
        plain(&browser.texts("#notice").await[0]),
        "Your password is changed. Other browser sessions signed out: 0."
    );

    // A new second factor: the QR code is drawn in the page; the secret is
    // read from beside it, as a person would type it into their app.
    page.goto(&format!("{}/account", node.base)).await.unwrap();
    wait_for(page, "#enrol-form").await;
    type_into(page, "enrol_password", NEW_PASSWORD).await;
    click(page, "#enrol-form button[type=submit]").await;
    wait_for(page, "#totp-secret").await;
    assert_eq!(browser.count("figure.qr > svg").await, 1);
    assert_eq!(browser.count("img").await, 0, "no image is fetched from anywhere");
    let new_secret: String = browser.texts("#totp-secret").await[0]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert_ne!(new_secret, first_secret);
    look(&browser, "enrol-en-1280").await;
    // A mistyped code: the new secret is not taken, the page stays.
    type_into(page, "code", &wrong_code(&node, &new_secret)).await;
    click(page, "#confirm-form button[type=submit]").await;
    wait_for(page, "#field-code-error").await;
    assert_eq!(
        browser.texts("#totp-secret").await[0].replace(' ', ""),
        new_secret,
        "the same secret, to try again"
    );
    type_into(page, "code", &current_totp_code(&new_secret, node.clock_now()).unwrap()).await;
    click(page, "#confirm-form button[type=submit]").await;
    wait_for(page, "#recovery-codes").await;
    let recovery_codes = browser.texts("#recovery-codes li").await;
    assert_eq!(recovery_codes.len(), 10);
    look(&browser, "codes-en-1280").await;

    // Signing in again: the new password and a code from the new secret.
    page.goto(&format!("{}/account", node.base)).await.unwrap();
    wait_for(page, "#who").await;
    sign_out(page).await;
    node.clock.advance(chrono::Duration::seconds(31));
    assert_eq!(
        api_sign_in(&node, "amal", PASSWORD, &recovery_codes[0]).await,
        StatusCode::UNAUTHORIZED,
        "the old password is refused"
    );
    assert_eq!(
        api_sign_in(
            &node,
            "amal",
            NEW_PASSWORD,
            &current_totp_code(&first_secret, node.clock_now()).unwrap()
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "the old second factor is replaced"
    );
    sign_in(
        page,
        &node,
        "amal",
        NEW_PASSWORD,
        &current_totp_code(&new_secret, node.clock_now()).unwrap(),
    )
    .await;
    // And with a recovery code instead of the app.
    sign_out(page).await;
    sign_in(page, &node, "amal", NEW_PASSWORD, &recovery_codes[1]).await;
    assert!(plain(&browser.texts("#two-factor-status").await[0]).contains("Unused recovery codes: 9."));

    // A token made on the page works against the API until it is revoked.
    type_into(page, "name", "weekly report script").await;
    type_into(page, "expires_in_days", "30").await;
    click(page, "#token-form button[type=submit]").await;
    wait_for(page, "#new-token").await;
    let token = browser.texts("#new-token").await[0].clone();
    look(&browser, "token-en-1280").await;
    let (status, me) = node.get(&token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "amal");
    page.goto(&format!("{}/account", node.base)).await.unwrap();
    wait_for(page, "#tokens").await;
    // The token the test's setup made first, then this one.
    assert_eq!(
        browser.texts("#tokens td:first-child").await,
        ["test", "weekly report script"]
    );
    assert_ne!(
        browser.texts("#tokens tbody tr:last-child td").await[2],
        "Not yet",
        "its use is shown"
    );
    click(page, "#tokens tbody tr:last-child form button[type=submit]").await;
    wait_for(page, "#notice").await;
    assert_eq!(browser.texts("#tokens td:first-child").await, ["test"]);
    assert_eq!(node.get(&token, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);

    // The language, kept on the account and used at once.
    choose(page, "language", "fr").await;
    click(page, "#language-form button[type=submit]").await;
    wait_for(page, "#notice").await;
    assert_eq!(
        page.find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap()
            .as_deref(),
        Some("fr")
    );
    assert_eq!(browser.texts("h1").await, ["Votre compte"]);
    let amal = tadamun::db::accounts::find_user_by_username(node.db(), "amal")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(amal.language.as_deref(), Some("fr"));

    // In Arabic, right to left, at desktop and phone width.
    page.goto(&format!("{}/account?lang=ar", node.base)).await.unwrap();
    wait_for(page, "html[dir=rtl] #who").await;
    look(&browser, "ar-1280").await;
    page.set_window_size(390, 844).await.unwrap();
    look(&browser, "ar-390").await;
    page.goto(&format!("{}/account?lang=en", node.base)).await.unwrap();
    wait_for(page, "html[lang=en] #who").await;
    look(&browser, "en-390").await;
    page.set_window_size(1280, 1000).await.unwrap();

    // A second browser: two sessions, each marks its own.
    let second = Browser::start().await;
    let other = second.client();
    other.set_window_size(390, 844).await.unwrap();
    node.clock.advance(chrono::Duration::seconds(31));
    sign_in(
        other,
        &node,
        "amal",
        NEW_PASSWORD,
        &current_totp_code(&new_secret, node.clock_now()).unwrap(),
    )
    .await;
    assert_eq!(second.count("#sessions tbody tr").await, 2);
    assert_eq!(second.count("#sessions tbody tr.current").await, 1);
    assert!(
        second.texts("#sessions tbody tr.current").await[0].contains("Mozilla/"),
        "the browser is named by its User-Agent"
    );
    page.goto(&format!("{}/account", node.base)).await.unwrap();
    wait_for(page, "#sessions").await;
    assert_eq!(browser.count("#sessions tbody tr.current").await, 1);
    let api_token = node
        .post(
            &token_of_sign_in(&node, &recovery_codes[2]).await,
            "/api/v1/tokens",
            &json!({"name": "cli"}),
        )
        .await
        .1["token"]
        .as_str()
        .unwrap()
        .to_string();

    // Signing out everywhere from the second browser, in Arabic, after its
    // confirmation page.
    other.goto(&format!("{}/account?lang=ar", node.base)).await.unwrap();
    wait_for(other, "#sign-out-everywhere").await;
    click(other, "#sign-out-everywhere").await;
    wait_for(other, "#everywhere-form").await;
    look(&second, "everywhere-ar-390").await;
    click(other, "#everywhere-form button[type=submit]").await;
    wait_for_path(other, "/login").await;
    second.stop().await;
    // The first browser is signed out too, and the tokens are revoked.
    page.goto(&format!("{}/account", node.base)).await.unwrap();
    wait_for_path(page, "/login").await;
    assert_eq!(node.get(&api_token, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let actions = audit_actions(&node).await;
    for expected in [
        "user.password",
        "user.two_factor",
        "user.sign_out",
        "user.recovery_code",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} in {actions:?}");
    }
    browser.stop().await;
}

/// A token from the API's sign-in with a recovery code (the pages' sessions
/// are not tokens).
async fn token_of_sign_in(node: &TestNode, recovery_code: &str) -> String {
    let (status, body) = node
        .call(
            reqwest::Method::POST,
            None,
            "/api/v1/auth/token",
            Some(&json!({"username": "amal", "password": NEW_PASSWORD, "totp_code": recovery_code})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["token"].as_str().unwrap().to_string()
}

async fn audit_actions(node: &TestNode) -> Vec<String> {
    let rows = tadamun::db::audit::list(node.db(), 500, 0).await.unwrap();
    rows.into_iter().map(|r| r.action).collect()
}

/// A browser's session as a plain HTTP client holds it: its cookie.
struct Session {
    cookie: String,
}

impl Session {
    async fn start(node: &TestNode, client: &reqwest::Client, username: &str, password: &str, code: &str) -> Session {
        let resp = post_login(
            client,
            &node.base,
            &[("username", username), ("password", password), ("code", code)],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        Session {
            cookie: set_cookie(&resp, "tadamun_session").expect("a session cookie"),
        }
    }

    async fn get(&self, node: &TestNode, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
        let resp = client
            .get(format!("{}{path}", node.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// The form token of this session's pages.
    async fn form_token(&self, node: &TestNode, client: &reqwest::Client) -> String {
        let (status, html) = self.get(node, client, "/account").await;
        assert_eq!(status, StatusCode::OK);
        let marker = "name=\"form_token\" value=\"";
        let start = html.find(marker).expect("a form token") + marker.len();
        html[start..].split('"').next().unwrap().to_string()
    }

    async fn post(
        &self,
        node: &TestNode,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().copied())
            .finish();
        let resp = client
            .post(format!("{}{path}", node.base))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }
}

async fn account_forms_need_their_token_and_are_audited(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let (api_token, uri) = node.staff_with_password("green", Role::Admin, "nadia", PASSWORD).await;
    let secret = secret_of(&uri.unwrap());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let code = |node: &TestNode| current_totp_code(&secret, node.clock_now()).unwrap();
    let first = Session::start(&node, &client, "nadia", PASSWORD, &code(&node)).await;
    node.clock.advance(chrono::Duration::seconds(31));
    let second = Session::start(&node, &client, "nadia", PASSWORD, &code(&node)).await;
    let token = first.form_token(&node, &client).await;
    let audited = node.count("audit_log").await;

    // Forms without the session's token change nothing.
    let (status, _) = first
        .post(&node, &client, "/account/language", &[("language", "es")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = first
        .post(
            &node,
            &client,
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", NEW_PASSWORD),
                ("form_token", "0123456789abcdef0123456789abcdef"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = first
        .post(&node, &client, "/account/sign-out-everywhere", &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = first
        .post(&node, &client, "/account/tokens", &[("name", "sneaky")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, me) = node.get(&api_token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "the API token still works");
    assert_eq!(me["user"]["language"], Value::Null);
    assert_eq!(node.count("api_tokens").await, 1);
    assert_eq!(node.count("audit_log").await, audited);
    assert_eq!(second.get(&node, &client, "/account").await.0, StatusCode::OK);

    // Signing out everywhere without its confirmation only asks for it.
    let (status, html) = first
        .post(
            &node,
            &client,
            "/account/sign-out-everywhere",
            &[("form_token", &token)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"everywhere-form\""));
    assert_eq!(node.get(&api_token, "/api/v1/me").await.0, StatusCode::OK);

    // A second factor waiting for its code leaves the current one working.
    let (status, html) = first
        .post(
            &node,
            &client,
            "/account/two-factor",
            &[("form_token", &token), ("enrol_password", "not the password")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"field-enrol_password-error\""), "{html}");
    let (status, html) = first
        .post(
            &node,
            &client,
            "/account/two-factor",
            &[("form_token", &token), ("enrol_password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<svg"), "{html}");
    node.clock.advance(chrono::Duration::seconds(31));
    Session::start(&node, &client, "nadia", PASSWORD, &code(&node)).await;
    let (status, _) = first.get(&node, &client, "/account/two-factor").await;
    assert_eq!(status, StatusCode::OK, "the enrolment waits");

    // A password change ends the other sessions, not this one, and is audited.
    let (status, html) = first
        .post(
            &node,
            &client,
            "/account/password",
            &[
                ("form_token", &token),
                ("current_password", "wrong"),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"field-current_password-error\""));
    let (status, _) = first
        .post(
            &node,
            &client,
            "/account/password",
            &[
                ("form_token", &token),
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(first.get(&node, &client, "/account").await.0, StatusCode::OK);
    assert_eq!(second.get(&node, &client, "/account").await.0, StatusCode::SEE_OTHER);
    assert_eq!(
        node.get(&api_token, "/api/v1/me").await.0,
        StatusCode::OK,
        "tokens stay"
    );

    // New recovery codes replace the old ones, and say so in the audit log.
    let (status, html) = first
        .post(
            &node,
            &client,
            "/account/recovery-codes",
            &[("form_token", &token), ("codes_password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("<li><code>").count(), 10);
    let (_, me) = node.get(&api_token, "/api/v1/me").await;
    assert_eq!(me["recovery_codes_left"], 10);

    let rows = tadamun::db::audit::list(node.db(), 50, 0).await.unwrap();
    let password = rows.iter().find(|r| r.action == "user.password").expect("audited");
    assert_eq!(password.subject, "nadia");
    assert_eq!(password.detail, "password changed; 2 other browser session(s) ended");
    assert!(rows.iter().any(|r| r.action == "user.recovery_codes"));
    assert!(
        !rows.iter().any(|r| r.action == "user.two_factor"),
        "nothing enrolled until confirmed"
    );

    // The same services through the API.
    let (status, _) = node
        .post(
            &api_token,
            "/api/v1/me/password",
            &json!({"current_password": "wrong", "new_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = node
        .post(
            &api_token,
            "/api/v1/me/recovery-codes",
            &json!({"password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["recovery_codes"].as_array().unwrap().len(), 10);
    let (status, _) = node
        .post(
            &api_token,
            "/api/v1/me/password",
            &json!({"current_password": NEW_PASSWORD, "new_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        first.get(&node, &client, "/account").await.0,
        StatusCode::SEE_OTHER,
        "a change through the API ends every browser session"
    );

    // A member signs in with the password alone and has no authenticator to
    // enrol, until their organisation's admins require one of them.
    node.staff_with_password("green", Role::Member, "mona", PASSWORD).await;
    let member = Session::start(&node, &client, "mona", PASSWORD, "").await;
    let token = member.form_token(&node, &client).await;
    let enrol = [("enrol_password", PASSWORD), ("form_token", token.as_str())];
    let (status, _) = member.post(&node, &client, "/account/two-factor", &enrol).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing to enrol for a member");
    let mona = tadamun::db::accounts::find_user_by_username(node.db(), "mona")
        .await
        .unwrap()
        .unwrap();
    tadamun::db::invitations::set_two_factor_required(&node.db().pool, &mona.id, true)
        .await
        .unwrap();
    let (status, html) = member.post(&node, &client, "/account/two-factor", &enrol).await;
    assert_eq!(status, StatusCode::OK, "required of them, they enrol: {html}");
    assert!(html.contains("<svg"), "the QR code is shown");
}
