//! The group pages across three real nodes, in a real browser: A's operator
//! creates a group from the page (a bad form first, refused field by field),
//! moderated by an organisation of A and one of C; an organisation of B asks
//! to join from the groups page; C's moderator looks the group up on C and
//! approves the request there, which A applies; B's page then shows it a
//! member, with the alert addressed to the group; A's operator removes B after
//! a confirmation that says what removal does, and B's page shows it is no
//! longer a member. A non-moderator's approval is refused (403), and a form
//! without its token changes nothing. Each page is checked with axe-core and
//! photographed in English and Arabic at desktop and phone width.

use std::time::Duration;

use fantoccini::cookies::Cookie;
use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::json;
use tadamun::domain::vocab::Role;

use crate::browser::{Browser, click, screenshot_dir, tick, type_into, wait_for_path};
use crate::federation::{Member, peer, titled};
use crate::once;
use crate::support::{TestCase, TestEnv, TestNode, deliver_all};

pub fn cases() -> Vec<TestCase> {
    once![groups_are_created_joined_moderated_from_three_nodes_using_only_the_pages]
}

const PASSWORD: &str = "a long groups password";
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

/// The authenticator secret in an otpauth URI.
fn secret_of(totp: Option<String>) -> Option<String> {
    let uri = url::Url::parse(&totp?).unwrap();
    uri.query_pairs()
        .find(|(k, _)| k == "secret")
        .map(|(_, v)| v.to_string())
}

/// A person at the browser: their node, their language, their screen, and the
/// cookies of their session (every node is on `localhost`, where cookies do
/// not tell ports apart, so each person's are put back when it is their turn).
struct Person<'n> {
    node: &'n TestNode,
    username: String,
    secret: Option<String>,
    lang: &'static str,
    size: (u32, u32),
    cookies: Vec<Cookie<'static>>,
}

impl<'n> Person<'n> {
    async fn new(
        node: &'n TestNode,
        org: &str,
        role: Role,
        username: &str,
        lang: &'static str,
        size: (u32, u32),
    ) -> Self {
        let (_, totp) = node.staff_with_password(org, role, username, PASSWORD).await;
        Person {
            node,
            username: username.to_string(),
            secret: secret_of(totp),
            lang,
            size,
            cookies: Vec::new(),
        }
    }

    /// Takes the browser: signs in (again). The three nodes share the host
    /// name `localhost`, and a browser keeps one cookie per host name, so
    /// each person signs in anew when they take the browser back (chromedriver
    /// will not set a cookie for `localhost` by hand). A second factor's code
    /// is good once per 30-second step, so their node's clock moves on first.
    async fn take(&mut self, page: &Client) {
        page.delete_all_cookies().await.unwrap();
        page.set_window_size(self.size.0, self.size.1).await.unwrap();
        if !self.cookies.is_empty() {
            self.node.clock.advance(chrono::Duration::seconds(31));
        }
        page.goto(&format!("{}/?lang={}", self.node.base, self.lang))
            .await
            .unwrap();
        type_into(page, "username", &self.username).await;
        type_into(page, "password", PASSWORD).await;
        if let Some(secret) = &self.secret {
            let code = tadamun::services::accounts::current_totp_code(secret, self.node.clock_now()).unwrap();
            type_into(page, "code", &code).await;
        }
        click(page, "main button[type=submit]").await;
        wait_for(page, "ol#dashboard-list, #list-summary").await;
        self.cookies = page.get_all_cookies().await.unwrap();
    }

    async fn open(&self, page: &Client, path: &str) {
        page.goto(&format!("{}{path}", self.node.base)).await.unwrap();
    }

    /// The value of the session cookie, for requests made outside the browser.
    fn session(&self) -> String {
        self.cookies
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Waits (up to 15 s) for an element; says what the page shows otherwise.
async fn wait_for(page: &Client, css: &str) {
    if let Err(e) = page
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
    {
        let at = page.current_url().await.ok();
        let text = match page.find(Locator::Css("main")).await.ok() {
            Some(main) => main.text().await.unwrap_or_default(),
            None => String::new(),
        };
        panic!("no {css} at {at:?} ({e}); the page says:\n{text}");
    }
}

/// Checks the page with axe-core, and photographs it at desktop and phone
/// width (checking that nothing overflows the phone's width).
async fn look(browser: &Browser, person: &Person<'_>, name: &str) {
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{name}: {violations:#?}");
    let page = browser.client();
    for (width, height) in [DESKTOP, PHONE] {
        page.set_window_size(width, height).await.unwrap();
        if width == PHONE.0 {
            let fits = page
                .execute(
                    "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(fits, json!(true), "{name} overflows at {width} px");
        }
        let png = page.screenshot().await.unwrap();
        std::fs::write(
            screenshot_dir().join(format!("groups-{name}-{}-{width}.png", person.lang)),
            png,
        )
        .unwrap();
    }
    page.set_window_size(person.size.0, person.size.1).await.unwrap();
}

async fn texts(page: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for element in page.find_all(Locator::Css(css)).await.unwrap() {
        out.push(element.text().await.unwrap());
    }
    out
}

/// A form's fields, encoded as a browser sends them.
fn form_body(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

async fn form_token(page: &Client) -> String {
    page.find(Locator::Css("input[name=form_token]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap()
}

/// The id of the group whose page the browser shows.
async fn group_id_shown(page: &Client) -> String {
    let path = page.current_url().await.unwrap().path().to_string();
    path.trim_start_matches("/groups/view/").to_string()
}

async fn groups_are_created_joined_moderated_from_three_nodes_using_only_the_pages(env: TestEnv) {
    // A's first admin, made here with a password and a second factor, is its
    // operator.
    let a_node = TestNode::spawn(&env).await;
    let (a_admin, operator_totp) = a_node
        .staff_with_password("green", Role::Admin, "green-pages", PASSWORD)
        .await;
    let a_coordinator = a_node.staff("green", Role::Coordinator, "green-coord").await;
    let a = Member {
        node: a_node,
        admin: a_admin,
        coordinator: a_coordinator,
        org: "green".into(),
    };
    let b = Member::spawn(&env, "blue").await;
    let c = Member::spawn(&env, "red").await;
    peer(&a, &b, "connected").await;
    peer(&a, &c, "connected").await;
    let all = [&a.node, &b.node, &c.node];
    let mut operator = Person {
        node: &a.node,
        username: "green-pages".into(),
        secret: secret_of(operator_totp),
        lang: "en",
        size: DESKTOP,
        cookies: Vec::new(),
    };
    let mut blue = Person::new(&b.node, "blue", Role::Coordinator, "blue-pages", "ar", PHONE).await;
    let mut red = Person::new(&c.node, "red", Role::Coordinator, "red-pages", "en", PHONE).await;

    let browser = Browser::start().await;
    let page = browser.client();

    // A's operator creates the group; a bad form first keeps what was typed.
    operator.take(page).await;
    operator.open(page, "/groups").await;
    click(page, "#new-group-link").await;
    wait_for_path(page, "/groups/new").await;
    look(&browser, &operator, "new").await;
    type_into(page, "name", "Latin America").await;
    type_into(page, "slug", "Latin America!").await;
    type_into(page, "description", "Defenders of land and water in Latin America.").await;
    type_into(page, "remote_moderators", "not an address").await;
    click(page, "#create-group").await;
    wait_for(page, "#error-summary").await;
    for field in ["slug", "remote_moderators"] {
        assert_eq!(
            page.find(Locator::Css(&format!("#{field}-error")))
                .await
                .unwrap()
                .attr("role")
                .await
                .unwrap()
                .as_deref(),
            Some("alert")
        );
    }
    assert_eq!(
        page.find(Locator::Css("#name"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Latin America"),
        "nothing typed is lost"
    );
    look(&browser, &operator, "new-refused").await;
    assert_eq!(a.node.count("groups").await, 0, "nothing half-written");
    type_into(page, "slug", "latin-america").await;
    type_into(page, "languages", "es, en").await;
    tick(page, "moderator", "green").await;
    type_into(page, "remote_moderators", &c.org_actor()).await;
    click(page, "#create-group").await;
    wait_for(page, "#membership").await;
    let group_on_a = group_id_shown(page).await;
    let uri = format!("{}/groups/latin-america", a.node.base);
    assert_eq!(texts(page, "dd code").await, std::slice::from_ref(&uri));
    let (_, group) = a.node.get(&a.admin, &format!("/api/v1/groups/{group_on_a}")).await;
    assert_eq!(group["moderators"], json!([a.org_actor(), c.org_actor()]), "{group}");
    // Green is a member too, so its alerts to the group are relayed.
    crate::groups::join(&a, &uri).await;
    let (status, body) = a
        .node
        .patch(
            &a.admin,
            &format!("/api/v1/groups/{group_on_a}/members"),
            &json!({"org": a.org_actor(), "state": "accepted"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // B asks to join from its groups page, in Arabic on a phone.
    blue.take(page).await;
    blue.open(page, "/groups").await;
    type_into(page, "group", &uri).await;
    click(page, "button[name=intent][value=join]").await;
    wait_for(page, "#membership[data-state=pending]").await;
    let group_on_b = group_id_shown(page).await;
    look(&browser, &blue, "asked").await;
    assert_eq!(
        page.find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("dir")
            .await
            .unwrap()
            .as_deref(),
        Some("rtl")
    );
    deliver_all(&all).await;

    // C's organisation moderates: it looks the group up on C and approves.
    red.take(page).await;
    red.open(page, "/groups").await;
    type_into(page, "group", &uri).await;
    click(page, "button[name=intent][value=look-up]").await;
    let blue_row = format!("#requests tr[data-org='{}']", b.org_actor());
    wait_for(page, &blue_row).await;
    assert_eq!(
        page.find(Locator::Css("#membership"))
            .await
            .unwrap()
            .attr("data-state")
            .await
            .unwrap()
            .as_deref(),
        Some("none")
    );
    let group_on_c = group_id_shown(page).await;
    look(&browser, &red, "moderating-elsewhere").await;
    click(page, &format!("{blue_row} button[value=accepted]")).await;
    wait_for(page, "#decision-sent").await;
    deliver_all(&all).await;
    red.open(page, &format!("/groups/view/{group_on_c}")).await;
    wait_for(page, &format!("#members tr[data-org='{}']", b.org_actor())).await;

    // An alert addressed to the group reaches B, whose page shows it.
    let mut alert = titled("Water defenders detained", "network");
    alert["groups"] = json!([uri]);
    a.publish(alert).await;
    deliver_all(&all).await;
    blue.take(page).await;
    blue.open(page, &format!("/groups/view/{group_on_b}")).await;
    wait_for(page, "#membership[data-state=accepted]").await;
    let linked = texts(page, "#group-alerts a[href^='/network/alerts/']").await;
    assert_eq!(linked.len(), 1, "{linked:?}");
    assert!(linked[0].contains("Water defenders detained"), "{linked:?}");
    look(&browser, &blue, "member").await;
    blue.open(page, "/groups").await;
    wait_for(page, "#group-list li[data-state=accepted]").await;
    look(&browser, &blue, "list").await;

    // B is a member, not a moderator: its approval of anyone is refused.
    let token = form_token(page).await;
    let http = reqwest::Client::new();
    let refused = http
        .post(format!("{}/groups/view/{group_on_b}/decide", b.node.base))
        .header("cookie", blue.session())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("form_token", token.as_str()),
            ("org", &a.org_actor()),
            ("decision", "accepted"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // A's operator removes B, after a page that says what that does.
    operator.take(page).await;
    // A form without its token changes nothing.
    let tokenless = http
        .post(format!("{}/groups/view/{group_on_a}/remove", a.node.base))
        .header("cookie", operator.session())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("org", b.org_actor().as_str()), ("confirm", "yes")]))
        .send()
        .await
        .unwrap();
    assert_eq!(tokenless.status(), StatusCode::FORBIDDEN);
    let state_of_blue = || async {
        let (_, members) = a
            .node
            .get(&a.admin, &format!("/api/v1/groups/{group_on_a}/members"))
            .await;
        members["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["org"] == b.org_actor())
            .map(|m| m["state"].as_str().unwrap().to_string())
    };
    assert_eq!(state_of_blue().await.as_deref(), Some("accepted"));
    operator.open(page, &format!("/groups/view/{group_on_a}")).await;
    wait_for(page, "#requests").await;
    look(&browser, &operator, "moderating").await;
    click(page, &format!("#members tr[data-org='{}'] a.remove", b.org_actor())).await;
    wait_for(page, "#consequence").await;
    let consequence = texts(page, "#consequence").await.join(" ");
    assert!(consequence.contains("stop receiving the alerts"), "{consequence}");
    assert_eq!(
        state_of_blue().await.as_deref(),
        Some("accepted"),
        "not before confirming"
    );
    look(&browser, &operator, "remove-confirm").await;
    click(page, "#confirm").await;
    wait_for(
        page,
        &format!("#members li[data-org='{}'][data-state=removed]", b.org_actor()),
    )
    .await;
    assert_eq!(state_of_blue().await.as_deref(), Some("removed"));
    deliver_all(&all).await;

    // B's page says it is no longer a member.
    blue.take(page).await;
    blue.open(page, &format!("/groups/view/{group_on_b}")).await;
    wait_for(page, "#membership[data-state=rejected]").await;
    look(&browser, &blue, "removed").await;

    // Each change is in the audit log as through the API.
    let audited = |node: &TestNode, action: &'static str| {
        let pool = node.db().pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = $1")
                .bind(action)
                .fetch_one(&pool)
                .await
                .unwrap();
            n
        }
    };
    assert_eq!(audited(&a.node, "group.create").await, 1);
    assert!(
        audited(&a.node, "group.member").await >= 2,
        "approval of green and removal of blue"
    );
    assert_eq!(audited(&b.node, "group.join").await, 1);
    assert_eq!(audited(&c.node, "group.look_up").await, 1);
    assert_eq!(audited(&c.node, "group.member").await, 1);
    browser.stop().await;
}
