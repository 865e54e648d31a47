//! Pages in a real headless Chromium, driven over WebDriver (chromedriver):
//! signing in with two factors, an alert's collective response with a hostile
//! statement from another node (no script, handler, `javascript:` link or frame
//! reaches the page), and the sign-on letter with its download.

use std::time::Duration;

use chrono::Utc;
use fantoccini::{Client, Locator};

use crate::browser::{Browser, screenshot_dir, wait_for_path};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::actions::network_id;
use crate::federation::{Member, peer, titled};
use crate::inbox_security::{GOOD, Sender, sign_activity_as};
use crate::once;
use crate::support::{TestCase, TestEnv, deliver_all};

pub fn cases() -> Vec<TestCase> {
    once![
        pages_show_responses_safely_and_the_letter_with_its_signatories,
        public_pages_in_english_and_arabic_at_desktop_and_phone_width,
        forms_from_elsewhere_are_refused,
    ]
}

/// What a hostile or careless node might send as a statement.
const HOSTILE: &str = "<p>We stand with them.</p>\
    <script>document.title='pwned'</script>\
    <img src=\"x\" onerror=\"document.title='pwned'\">\
    <a href=\"javascript:document.title='pwned'\">click</a>\
    <iframe src=\"http://127.0.0.1:1/\"></iframe>";

/// Fills in and sends the sign-in form.
async fn sign_in(page: &Client, code: &str) {
    for (field, value) in [
        ("username", "green-page"),
        ("password", "a long page password"),
        ("code", code),
    ] {
        let input = page.find(Locator::Css(&format!("input[name={field}]"))).await.unwrap();
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }
    page.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn pages_show_responses_safely_and_the_letter_with_its_signatories(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let all = [&a.node, &b.node];
    peer(&a, &b, "connected").await;
    let alert = a.publish(titled("Journalist detained", "network")).await;
    deliver_all(&all).await;
    let on_b = network_id(&b, "Journalist detained").await;
    let (status, body) = b
        .node
        .post(
            &b.coordinator,
            &format!("/api/v1/network/alerts/{on_b}/actions"),
            &json!({"kind": "cosign", "shareable": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    deliver_all(&all).await;

    // B's organisation sends a statement with hostile HTML, validly signed.
    let actor = b.org_actor();
    let mut statement = json!({
        "@context": tadamun::federation::wire::context(),
        "id": format!("{}/activities/statement-1", b.node.base),
        "type": "Create",
        "actor": actor,
        "to": [a.org_actor()],
        "object": {
            "id": format!("{}/actions/statement-1", b.node.base),
            "type": "SolidarityAction",
            "actionKind": "statement",
            "attributedTo": actor,
            "inReplyTo": format!("{}/alerts/{alert}", a.node.base),
            "content": HOSTILE,
            "contentMap": {"en": HOSTILE},
            "shareable": true,
            "published": Utc::now(),
            "updated": Utc::now(),
            "version": 1,
            "to": [a.org_actor()],
        },
    });
    sign_activity_as(&b.node, "blue", &mut statement).await;
    let status = Sender::org_of(&b.node, "blue")
        .await
        .post(&a.node, &statement, GOOD)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    // A coordinator with two factors.
    let (_, totp_uri) = a
        .node
        .staff_with_password("green", Role::Coordinator, "green-page", "a long page password")
        .await;
    let secret = url::Url::parse(&totp_uri.unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .unwrap()
        .1
        .to_string();

    // Not signed in: the page sends the browser to sign in, and says nothing.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirects
        .get(format!("{}/alerts/{alert}/responses", a.node.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(resp.headers()["location"].to_str().unwrap().starts_with("/login?next="));

    // After signing in, only paths on this node are followed: a tab that a
    // browser would strip (`/\t/evil.example` → `//evil.example`) is refused.
    a.node
        .staff_with_password("green", Role::Viewer, "green-viewer", "a long viewer password")
        .await;
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let resp = crate::support::post_login(
            &no_redirects,
            &a.node.base,
            &[
                ("username", "green-viewer"),
                ("password", "a long viewer password"),
                ("next", next),
            ],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(resp.headers()["location"], "/", "{next}: the dashboard instead");
    }

    let browser = Browser::start().await;
    let page = browser.client();
    page.goto(&format!("{}/alerts/{alert}/responses", a.node.base))
        .await
        .unwrap();
    assert!(page.current_url().await.unwrap().path().ends_with("/login"));
    // A wrong code is refused with a message, on the same form.
    sign_in(page, "000000").await;
    page.wait().for_element(Locator::Css("p.error")).await.unwrap();
    assert_eq!(browser.texts("p.error").await, ["Wrong username, password or code."]);
    let violations = browser.serious_accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "the sign-in page with its error: {violations:#?}"
    );
    let code = tadamun::services::accounts::current_totp_code(&secret, a.node.clock_now()).unwrap();
    sign_in(page, &code).await;
    wait_for_path(page, "/responses").await;

    // The collective response, with the hostile statement made harmless.
    assert_eq!(browser.texts("#cosignatories li").await, ["Org blue"]);
    let statements = browser.texts("article[data-kind=statement] .content").await;
    assert_eq!(statements.len(), 1);
    assert!(statements[0].contains("We stand with them."), "{statements:?}");
    assert_ne!(page.title().await.unwrap(), "pwned");
    assert_eq!(browser.count("script").await, 0);
    assert_eq!(browser.count("iframe").await, 0);
    assert_eq!(browser.count("[onerror]").await, 0);
    assert_eq!(browser.count("a[href^='javascript']").await, 0);
    let counted: Value = page
        .execute(
            "return Object.fromEntries([...document.querySelectorAll('td.count')].map(td => [td.dataset.kind, td.textContent]))",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(counted["cosign"], "1");
    assert_eq!(counted["statement"], "1");

    // The letter: addressees, the model text, and who signed, in order.
    page.find(Locator::LinkText("The sign-on letter"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(page, "/letter").await;
    page.wait().for_element(Locator::Id("signatories")).await.unwrap();
    assert_eq!(
        browser.texts("#addressees p").await,
        ["Attorney General, Public Ministry"]
    );
    assert_eq!(
        browser.texts("#body").await,
        ["We urge you to investigate the threats."]
    );
    assert_eq!(browser.texts("#signatories li").await, ["Org green", "Org blue"]);
    let download = page
        .find(Locator::Id("download"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let cookie = page.get_named_cookie("tadamun_session").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));

    // The document to send, fetched with the browser's session.
    let resp = no_redirects
        .get(format!("{}{download}", a.node.base))
        .header("cookie", format!("tadamun_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"")
    );
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("Attorney General, Public Ministry\n"), "{text}");
    assert!(text.ends_with("Org green\nOrg blue\n"), "{text}");

    // Pages forbid scripts outright.
    let resp = no_redirects
        .get(format!("{}/alerts/{alert}/letter", a.node.base))
        .header("cookie", format!("tadamun_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );

    // The groups page: a group on A that B's organisation joined, and B's alert to it.
    let group = crate::groups::create_group(&a, "latin-america").await;
    let group_uri = group["uri"].as_str().unwrap().to_string();
    crate::groups::join(&b, &group_uri).await;
    deliver_all(&all).await;
    let (status, body) = a
        .node
        .patch(
            &a.coordinator,
            &format!("/api/v1/groups/{}/members", group["id"].as_str().unwrap()),
            &json!({"org": b.org_actor(), "state": "accepted"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut to_group = titled("Teachers' union leaders arrested", "network");
    to_group["groups"] = json!([group_uri]);
    b.publish(to_group).await;
    deliver_all(&all).await;
    page.goto(&format!("{}/groups", a.node.base)).await.unwrap();
    page.wait().for_element(Locator::Css("#group-list li")).await.unwrap();
    assert_eq!(browser.texts("#group-list li h2").await, ["Latin America"]);
    assert_eq!(browser.texts("#group-list .membership .state").await, ["Not a member"]);
    // The group's page: its members and the alerts addressed to it.
    page.find(Locator::Css("#group-list li h2 a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.wait().for_element(Locator::Id("group-alerts")).await.unwrap();
    // A's organisation moderates it: the members are a table, each with a
    // way to remove them.
    let members = browser.texts("#members tr[data-state=accepted] th").await;
    assert!(members.len() == 1 && members[0].contains("Org blue"), "{members:?}");
    let listed = browser.texts("#group-alerts ul.alerts li").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].contains("Teachers' union leaders arrested"), "{listed:?}");

    // The same pages in Arabic, right to left, with every label translated,
    // at desktop and phone width; the choice is remembered.
    let dir = screenshot_dir();
    for (width, height, device) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        page.set_window_size(width, height).await.unwrap();
        for (path, name) in [
            ("/groups?lang=ar".to_string(), "groups"),
            (format!("/alerts/{alert}/responses"), "responses"),
            (format!("/alerts/{alert}/letter"), "letter"),
        ] {
            page.goto(&format!("{}{path}", a.node.base)).await.unwrap();
            let root = page.find(Locator::Css("html")).await.unwrap();
            assert_eq!(root.attr("lang").await.unwrap().as_deref(), Some("ar"), "{path}");
            assert_eq!(root.attr("dir").await.unwrap().as_deref(), Some("rtl"), "{path}");
            let png = page.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("staff-{name}-ar-{device}.png")), png).unwrap();
            let violations = browser.serious_accessibility_violations().await;
            assert!(violations.is_empty(), "{path} ({device}, Arabic): {violations:#?}");
        }
    }
    page.goto(&format!("{}/groups", a.node.base)).await.unwrap();
    assert_eq!(browser.texts("h1").await, ["المجموعات"]);
    assert_eq!(browser.texts("#group-list .membership .state").await, ["ليست عضوًا"]);
    assert_eq!(browser.texts("header button[type=submit]").await, ["تسجيل الخروج"]);
    page.goto(&format!("{}/alerts/{alert}/responses", a.node.base))
        .await
        .unwrap();
    let labels = browser.texts("th[scope=row]").await;
    assert!(labels.contains(&"توقيع مشترك".to_string()), "{labels:?}");
    assert!(
        !labels.iter().any(|l| l.contains('_')),
        "no vocabulary key as a label: {labels:?}"
    );
    page.goto(&format!("{}/groups?lang=en", a.node.base)).await.unwrap();
    let png = page.screenshot().await.unwrap();
    std::fs::write(dir.join("staff-groups-en-phone.png"), png).unwrap();
    page.set_window_size(1280, 900).await.unwrap();
    page.goto(&format!("{}/alerts/{alert}/responses", a.node.base))
        .await
        .unwrap();
    let png = page.screenshot().await.unwrap();
    std::fs::write(dir.join("staff-responses-en-desktop.png"), png).unwrap();

    // Signing out ends the session on the server, not just in the browser.
    page.find(Locator::Css("header button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(page, "/login").await;
    let resp = no_redirects
        .get(format!("{}/alerts/{alert}/letter", a.node.base))
        .header("cookie", format!("tadamun_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    browser.stop().await;
}

/// Forms count only from the page this node gave the browser: a sign-in
/// form without the token of its page, or a sign-out without the token of
/// the session (what another site could make a browser send), is refused
/// and changes nothing.
async fn forms_from_elsewhere_are_refused(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    a.node
        .staff_with_password("green", Role::Viewer, "green-viewer", "a long viewer password")
        .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let fields = [("username", "green-viewer"), ("password", "a long viewer password")];
    let forged = client
        .post(format!("{}/login", a.node.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=green-viewer&password=a+long+viewer+password&form_token=guessed")
        .header("cookie", "tadamun_form=another")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(crate::support::set_cookie(&forged, "tadamun_session").is_none());
    assert!(forged.text().await.unwrap().contains("This form has expired"));

    let signed_in = crate::support::post_login(&client, &a.node.base, &fields).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let session = crate::support::set_cookie(&signed_in, "tadamun_session").unwrap();
    let groups = |cookie: String| {
        let client = client.clone();
        let url = format!("{}/groups", a.node.base);
        async move { client.get(url).header("cookie", cookie).send().await.unwrap() }
    };
    let page = groups(session.clone()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("the sign-out form carries a token") + marker.len();
    let token = html[start..].split('"').next().unwrap().to_string();

    // Another site's sign-out: refused, the session goes on.
    let forged = client
        .post(format!("{}/logout", a.node.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", session.clone())
        .body("form_token=guessed")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(groups(session.clone()).await.status(), StatusCode::OK);
    // The page's own: signed out.
    let out = client
        .post(format!("{}/logout", a.node.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", session.clone())
        .body(format!("form_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(groups(session).await.status(), StatusCode::SEE_OTHER);

    // The language a person chose is remembered; the browser's is the default.
    let login = client
        .get(format!("{}/login", a.node.base))
        .header("accept-language", "es-MX, en;q=0.5")
        .send()
        .await
        .unwrap();
    let html = login.text().await.unwrap();
    assert!(html.contains(r#"<html lang="es" dir="ltr">"#), "{html}");
    assert!(html.contains("Iniciar sesión"), "{html}");
    let chosen = client
        .get(format!("{}/login?lang=ar", a.node.base))
        .send()
        .await
        .unwrap();
    let remembered = crate::support::set_cookie(&chosen, "tadamun_lang").expect("the choice is kept");
    assert_eq!(remembered, "tadamun_lang=ar");
    let html = client
        .get(format!("{}/login", a.node.base))
        .header("accept-language", "es")
        .header("cookie", remembered)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{html}");
}

async fn public_pages_in_english_and_arabic_at_desktop_and_phone_width(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let mut body = titled("Journalist detained after reporting on a mine", "public");
    body["title"]["ar"] = json!("اعتقال صحفي بعد تقريره عن منجم");
    body["summary"]["ar"] = json!("اعتُقل صحفي محلي بعد نشره تقريرًا عن التلوث.");
    let alert = a.publish(body).await;
    a.publish(titled("Land defenders threatened", "public")).await;
    a.publish(titled("Not for the public", "network")).await;

    let browser = Browser::start().await;
    let page = browser.client();
    let dir = screenshot_dir();
    for (width, height, device) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        page.set_window_size(width, height).await.unwrap();
        for (lang, dir_attr, translated) in [("en", "ltr", "Public alerts"), ("ar", "rtl", "النداءات العاجلة العامة")]
        {
            page.goto(&format!("{}/orgs/green?lang={lang}", a.node.base))
                .await
                .unwrap();
            let root = page.find(Locator::Css("html")).await.unwrap();
            assert_eq!(root.attr("lang").await.unwrap().as_deref(), Some(lang));
            assert_eq!(root.attr("dir").await.unwrap().as_deref(), Some(dir_attr));
            assert_eq!(browser.texts("h2").await, vec![translated.to_string()]);
            assert_eq!(browser.count("ul.alerts li").await, 2, "public alerts only");
            let png = page.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("org-{lang}-{device}.png")), png).unwrap();
            let violations = browser.serious_accessibility_violations().await;
            assert!(violations.is_empty(), "{device} {lang}: {violations:#?}");

            page.goto(&format!("{}/alerts/{alert}?lang={lang}", a.node.base))
                .await
                .unwrap();
            let root = page.find(Locator::Css("html")).await.unwrap();
            assert_eq!(root.attr("dir").await.unwrap().as_deref(), Some(dir_attr));
            let heading = browser.texts("h1").await;
            let facts = browser.texts("dl.facts dt").await;
            if lang == "ar" {
                assert_eq!(heading, vec!["اعتقال صحفي بعد تقريره عن منجم".to_string()]);
                assert!(facts.contains(&"درجة الاستعجال".to_string()), "{facts:?}");
            } else {
                assert_eq!(
                    heading,
                    vec!["Journalist detained after reporting on a mine".to_string()]
                );
                assert!(facts.contains(&"Urgency".to_string()), "{facts:?}");
            }
            // Nothing is wider than the window: the page reads on a phone.
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
            std::fs::write(dir.join(format!("alert-{lang}-{device}.png")), png).unwrap();
            let violations = browser.serious_accessibility_violations().await;
            assert!(violations.is_empty(), "{device} {lang}: {violations:#?}");

            // The language switcher is plain links to the same page.
            let other = if lang == "en" { "ar" } else { "en" };
            page.find(Locator::Css(&format!("nav.languages a[lang={other}]")))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            let mut shown = None;
            for _ in 0..100 {
                let root = page.find(Locator::Css("html")).await.unwrap();
                shown = root.attr("lang").await.unwrap();
                if shown.as_deref() == Some(other) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert_eq!(
                shown.as_deref(),
                Some(other),
                "the switcher leads to the page in {other}"
            );
            assert!(
                page.current_url()
                    .await
                    .unwrap()
                    .path()
                    .ends_with(&format!("/alerts/{alert}"))
            );
        }
    }
    browser.stop().await;
}
