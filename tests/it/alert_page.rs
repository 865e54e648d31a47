//! An alert's staff page on two real nodes: A's own alert with every kind of
//! field, B's page of it as received (origin and signature), B's answers
//! through the page's forms (co-sign, pledge with a due date, a correction, a
//! retraction, a form with a mistake, a forged one), and A's page showing the
//! co-signature. Local-only details reach A's staff only. Then the pages in a
//! real browser, in English and Arabic, at desktop and phone width.

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::actions::network_id;
use crate::browser::{Browser, overflows, screenshot_dir, wait_for_path};
use crate::federation::{Member, peer, titled};
use crate::support::{TestCase, TestEnv, deliver_all, post_login, set_cookie};
use crate::{once, tests};

pub fn cases() -> Vec<TestCase> {
    let mut cases = tests![answers_from_the_page_reach_the_author_and_private_details_stay_home];
    cases.extend(once![alert_pages_in_english_and_arabic_at_desktop_and_phone_width]);
    cases
}

const TITLE_EN: &str = "Land defenders threatened in Huehuetenango";
const TITLE_ES: &str = "Amenazas contra defensores de la tierra en Huehuetenango";
const TITLE_FR: &str = "Menaces contre des défenseurs de la terre à Huehuetenango";

/// An alert with every kind of field, in three languages.
fn full_alert() -> Value {
    let mut body = titled(TITLE_EN, "network");
    body["title"] = json!({"en": TITLE_EN, "es": TITLE_ES, "fr": TITLE_FR});
    body["summary"] = json!({"en": "Leaders opposing a dam were threatened.", "es": "Líderes que se oponen a una represa fueron amenazados."});
    body["body"] = json!({"en": "<p>Armed men <b>threatened</b> the council.</p><script>alert(1)</script>"});
    body["defenders"] = json!([
        {"name": "Community council of Santa Eulalia", "kind": "community", "woman_defender": false, "relationship": "close_partner"},
        {"name": "Defensora M.", "kind": "individual", "woman_defender": true, "relationship": "member", "anonymised": true}
    ]);
    body["perpetrators"] = json!([{"category": "private_security", "involvement": "carried_out", "details": "Guards of the dam's contractor"}]);
    body["business_link"] = json!({"sector": "hydro_renewables", "company": "Hidro Example S.A.", "project": "Example dam", "financier": "Example Bank"});
    body["expires"] = json!("2031-06-30T00:00:00Z");
    body
}

/// A browser-like client signed in to a node: its session cookie, and the
/// pages' form token.
struct Session {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Session {
    async fn sign_in(base: &str, fields: &[(&str, &str)]) -> Session {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = post_login(&client, base, fields).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "signing in as {fields:?}");
        let cookie = set_cookie(&resp, "tadamun_session").expect("a session");
        Session {
            client,
            base: base.to_string(),
            cookie,
        }
    }

    /// A staff member of `org` on `member`'s node with `role`, signed in
    /// (with the second factor when the role needs one).
    async fn of(member: &Member, org: &str, role: Role, username: &str) -> Session {
        let password = "a long page password";
        let (_, totp) = member.node.staff_with_password(org, role, username, password).await;
        let code = totp.map(|uri| {
            let secret = url::Url::parse(&uri)
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "secret")
                .unwrap()
                .1
                .to_string();
            tadamun::services::accounts::current_totp_code(&secret, member.node.clock_now()).unwrap()
        });
        let mut fields = vec![("username", username), ("password", password)];
        if let Some(code) = &code {
            fields.push(("code", code));
        }
        Session::sign_in(&member.node.base, &fields).await
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

    /// Sends a form; answers the status, where it leads, and the page.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().copied())
            .finish();
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (resp.status(), location, resp.text().await.unwrap())
    }
}

/// The form token a page's forms carry.
fn token_of(html: &str) -> String {
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("a form with its token") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The value of `attribute` on the element with `id`.
fn attribute_of(html: &str, id: &str, attribute: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let tag_start = html[..start].rfind('<')?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let marker = format!("{attribute}=\"");
    let at = tag.find(&marker)? + marker.len();
    Some(tag[at..].split('"').next()?.to_string())
}

/// The text of the first element with `id` (without its inner tags).
fn text_of(html: &str, id: &str) -> String {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let open_end = start + html[start..].find('>').unwrap() + 1;
    let tag_start = html[..start].rfind('<').unwrap();
    let name: String = html[tag_start + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let close = open_end + html[open_end..].find(&format!("</{name}>")).unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[open_end..close].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The ids of the answers (`article.action`) a page lists in a section.
fn answers_in(html: &str, section: &str) -> Vec<(String, String)> {
    let start = html.find(&format!("id=\"{section}\"")).unwrap();
    let end = html[start..].find("</section>").map_or(html.len(), |e| start + e);
    html[start..end]
        .match_indices("<article class=\"action\"")
        .map(|(i, _)| {
            let tag = &html[start + i..start + i + html[start + i..].find('>').unwrap()];
            let attr = |name: &str| {
                let m = format!("{name}=\"");
                let at = tag.find(&m).unwrap() + m.len();
                tag[at..].split('"').next().unwrap().to_string()
            };
            (attr("data-kind"), attr("data-id"))
        })
        .collect()
}

async fn answers_from_the_page_reach_the_author_and_private_details_stay_home(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let all = [&a.node, &b.node];
    peer(&a, &b, "connected").await;
    let alert = a.publish(full_alert()).await;
    deliver_all(&all).await;
    let on_b = network_id(&b, TITLE_EN).await;

    // B's coordinator reads the alert as received: where from, and its signature.
    let blue = Session::of(&b, "blue", Role::Coordinator, "blue-page").await;
    let page = format!("/network/alerts/{on_b}/view");
    let (status, html) = blue.get(&page).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(text_of(&html, "origin-host"), a.node.host());
    assert_eq!(text_of(&html, "origin-org"), "Org green");
    assert_eq!(
        attribute_of(&html, "signature", "data-verified").as_deref(),
        Some("on-arrival")
    );
    assert!(
        text_of(&html, "signature").contains("Signature verified on arrival."),
        "{html}"
    );
    assert!(
        text_of(&html, "signature-key").starts_with(&format!("{}#", a.org_actor())),
        "the proof's key is the author's: {}",
        text_of(&html, "signature-key")
    );
    // The facts, with the script of the body gone and the pseudonym marked.
    assert!(html.contains("<b>threatened</b>"), "{html}");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("data-pseudonym=\"true\" data-woman-defender=\"true\""),
        "{html}"
    );
    assert!(html.contains("Hidro Example S.A.") && html.contains("Example Bank"));
    assert!(
        html.contains("We urge you to investigate the threats."),
        "the model letter"
    );
    assert!(html.contains("Attorney General, Public Ministry"), "its addressee");
    // Never what stays on A's node, nor a lifecycle for B to run.
    for secret in [
        "SECRET-LOCATION",
        "SECRET-CONTACT",
        "SECRET-FAMILY",
        "the community council",
    ] {
        assert!(!html.contains(secret), "{secret} on B's page");
    }
    assert!(!html.contains("id=\"local-only\"") && !html.contains("id=\"edit-link\""));
    for kind in [
        "cosign",
        "statement",
        "letter_sent",
        "pledge",
        "support_offer",
        "report",
    ] {
        assert!(html.contains(&format!("id=\"answer-{kind}\"")), "a form to {kind}");
    }
    assert!(html.len() < 60_000, "the page weighs {} bytes", html.len());
    let token = token_of(&html);
    let answers = format!("/network/alerts/{on_b}/answers");

    // A form from elsewhere changes nothing.
    let (status, _, body) = blue
        .post(
            &answers,
            &[("form_token", "guessed"), ("kind", "cosign"), ("shareable", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("The form has expired"), "{body}");
    let (_, html) = blue.get(&page).await;
    assert!(answers_in(&html, "your-answers").is_empty());

    // Co-sign, shared with the alert's other recipients.
    let (status, location, _) = blue
        .post(
            &answers,
            &[
                ("form_token", &token),
                ("kind", "cosign"),
                ("shareable", "yes"),
                ("content", "We stand with the council."),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&format!("{page}#answer-")), "{location}");

    // A pledge without its date: 422, the error at the field, nothing typed lost.
    let (status, _, html) = blue
        .post(
            &answers,
            &[
                ("form_token", &token),
                ("kind", "pledge"),
                ("content", "We will raise it with the embassy & the EU delegation."),
                ("language", "en"),
                ("due", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("role=\"alert\""), "an announced error summary");
    assert_eq!(text_of(&html, "pledge-due-error"), "Give a due date from today on.");
    assert_eq!(
        attribute_of(&html, "pledge-due", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        attribute_of(&html, "pledge-due", "aria-describedby").as_deref(),
        Some("pledge-due-hint pledge-due-error")
    );
    assert!(
        html.contains("We will raise it with the embassy &amp; the EU delegation.</textarea>"),
        "the text typed is still there"
    );
    assert!(
        html.contains("<details class=\"answer\" id=\"answer-pledge\" open>"),
        "the form stays open"
    );
    // A date in the past, as the service refuses it.
    let (status, _, html) = blue
        .post(
            &answers,
            &[("form_token", &token), ("kind", "pledge"), ("due", "2020-01-01")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(text_of(&html, "pledge-due-error"), "Give a due date from today on.");
    assert!(html.contains("value=\"2020-01-01\""));

    // The pledge, with its due date.
    let (status, location, _) = blue
        .post(
            &answers,
            &[
                ("form_token", &token),
                ("kind", "pledge"),
                ("content", "We will raise it with the embassy & the EU delegation."),
                ("language", "en"),
                ("due", "2030-03-15"),
                ("shareable", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let pledge = location.rsplit("#answer-").next().unwrap().to_string();
    // And a statement, to take back.
    let (status, _, _) = blue
        .post(
            &answers,
            &[
                ("form_token", &token),
                ("kind", "statement"),
                ("content", "A statement sent too soon."),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = blue.get(&page).await;
    let ours = answers_in(&html, "your-answers");
    let kinds: Vec<&str> = ours.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds.len(), 3, "{ours:?}");
    for kind in ["cosign", "pledge", "statement"] {
        assert!(kinds.contains(&kind), "{ours:?}");
    }
    assert!(html.contains("id=\"cosigned\""), "the co-sign form is gone once signed");
    assert!(!html.contains("id=\"answer-cosign\""));
    assert!(html.contains("<span class=\"due\">"), "the pledge's due date is shown");
    let statement = ours.iter().find(|(k, _)| k == "statement").unwrap().1.clone();

    // The correction form, prefilled with the pledge as typed.
    let (status, html) = blue.get(&format!("/actions/{pledge}/correct")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(
        attribute_of(&html, "correct-due", "value").as_deref(),
        Some("2030-03-15")
    );
    assert!(html.contains("We will raise it with the embassy &amp; the EU delegation.</textarea>"));
    let (status, location, _) = blue
        .post(
            &format!("/actions/{pledge}/correct"),
            &[
                ("form_token", &token),
                (
                    "content",
                    "We will raise it with the embassy & the EU delegation, and the UN.",
                ),
                ("language", "en"),
                ("due", "2030-04-30"),
                ("shareable", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("{page}#answer-{pledge}"));
    let (_, action) = b.node.get(&b.coordinator, "/api/v1/actions").await;
    let corrected = action["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == pledge.as_str())
        .unwrap()
        .clone();
    assert_eq!(corrected["due"], "2030-04-30T23:59:59Z");
    assert_eq!(corrected["version"], 2);
    assert_eq!(
        corrected["content"]["en"],
        "We will raise it with the embassy &amp; the EU delegation, and the UN."
    );

    // Another organisation's answer is not theirs to correct.
    let red_on_b = Session::of(&b, "red", Role::Member, "red-page").await;
    let (status, _) = red_on_b.get(&format!("/actions/{pledge}/correct")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Retracting the statement (with the page's token only).
    let (status, _, _) = blue
        .post(&format!("/actions/{statement}/retract"), &[("form_token", "guessed")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, location, _) = blue
        .post(&format!("/actions/{statement}/retract"), &[("form_token", &token)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("{page}#your-answers"));
    let (_, html) = blue.get(&page).await;
    let kinds: Vec<String> = answers_in(&html, "your-answers").into_iter().map(|(k, _)| k).collect();
    assert!(!kinds.contains(&"statement".to_string()), "{kinds:?}");
    assert_eq!(kinds.len(), 2);
    deliver_all(&all).await;

    // A's staff see the co-signature and the pledge, and what stays home.
    let green = Session::of(&a, "green", Role::Viewer, "green-viewer").await;
    let own_page = format!("/alerts/{alert}/view");
    let (status, html) = green.get(&own_page).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(text_of(&html, "cosignatories"), "Org blue");
    let collective = answers_in(&html, "collective");
    let kinds: Vec<&str> = collective.iter().map(|(k, _)| k.as_str()).collect();
    assert!(kinds.contains(&"cosign") && kinds.contains(&"pledge"), "{collective:?}");
    assert!(!kinds.contains(&"statement"), "retracted: {collective:?}");
    assert!(html.contains("and the UN."), "the corrected pledge");
    for secret in [
        "SECRET-LOCATION",
        "SECRET-CONTACT",
        "SECRET-FAMILY",
        "the community council",
    ] {
        assert!(text_of(&html, "local-only").contains(secret), "{secret} for A's staff");
    }
    assert!(text_of(&html, "local-only").contains("never leave this node"));
    assert!(
        html.contains("href=\"/alerts/") && html.contains("/letter\""),
        "the letter's link"
    );
    assert!(!html.contains("id=\"origin\""), "our own alert has no origin box");
    // The history: created, submitted, published, by whom.
    assert!(html.contains("data-action=\"created\"") && html.contains("data-action=\"published\""));
    assert!(text_of(&html, "history-heading") == "History");
    // A viewer may read but not answer, nor edit.
    assert!(html.contains("id=\"no-answers\"") && !html.contains("id=\"edit-link\""));

    // Another organisation on A's node: the alert, never its private details.
    let red_on_a = Session::of(&a, "red", Role::Member, "red-on-a").await;
    let (status, html) = red_on_a.get(&own_page).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for secret in [
        "SECRET-LOCATION",
        "SECRET-CONTACT",
        "SECRET-FAMILY",
        "the community council",
    ] {
        assert!(!html.contains(secret), "{secret} shown to another organisation");
    }
    assert!(!html.contains("id=\"local-only\"") && !html.contains("id=\"lifecycle\""));

    // The title in the reader's language first, with the others as links.
    let (_, html) = green.get(&format!("{own_page}?lang=es")).await;
    assert!(
        text_of(&html, "alert-title").ends_with(TITLE_ES),
        "{}",
        text_of(&html, "alert-title")
    );
    let links = text_of(&html, "content-languages");
    assert!(links.contains("English") && links.contains("Français"), "{links}");
    assert!(!links.contains("Español"), "{links}");
    assert!(html.contains(&format!("href=\"{own_page}?content=en\"")));
    let (_, html) = green.get(&format!("{own_page}?content=fr")).await;
    assert!(text_of(&html, "alert-title").ends_with(TITLE_FR));
    // A language the alert is not in: the reader's, then English.
    let (_, html) = green.get(&format!("{own_page}?content=de&lang=ar")).await;
    assert!(
        text_of(&html, "alert-title").ends_with(TITLE_EN),
        "{}",
        text_of(&html, "alert-title")
    );
    let (_, html) = green.get(&format!("{own_page}?lang=en")).await;
    assert!(text_of(&html, "alert-title").ends_with(TITLE_EN));

    // The author's coordinator: may edit, and sees the lifecycle's place.
    let green_coordinator = Session::of(&a, "green", Role::Coordinator, "green-coord-page").await;
    let (_, html) = green_coordinator.get(&own_page).await;
    assert_eq!(
        attribute_of(&html, "edit-link", "href").as_deref(),
        Some(format!("/alerts/{alert}/edit").as_str())
    );
    assert!(!html.contains("id=\"answer-cosign\""), "no co-signing one's own alert");

    // Pages of alerts that are not there, or not for the reader.
    let (status, _) = blue.get("/network/alerts/no-such-alert/view").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = blue.get(&format!("/alerts/{alert}/view")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Signs in through the sign-in form.
async fn sign_in(page: &fantoccini::Client, base: &str, username: &str) {
    page.goto(&format!("{base}/login")).await.unwrap();
    for (field, value) in [("username", username), ("password", "a long page password")] {
        let input = page.find(Locator::Css(&format!("input[name={field}]"))).await.unwrap();
        input.send_keys(value).await.unwrap();
    }
    page.find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Signed in, the browser lands on the dashboard.
    page.wait().for_element(Locator::Css("header form")).await.unwrap();
}

async fn alert_pages_in_english_and_arabic_at_desktop_and_phone_width(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let all = [&a.node, &b.node];
    peer(&a, &b, "connected").await;
    let alert = a.publish(full_alert()).await;
    deliver_all(&all).await;
    let on_b = network_id(&b, TITLE_EN).await;
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

    // Members of staff (no second factor), signed in through the page.
    Session::of(&b, "blue", Role::Member, "blue-member").await;
    Session::of(&a, "green", Role::Member, "green-member").await;
    let browser = Browser::start().await;
    let page = browser.client();
    let dir = screenshot_dir();

    // A's page, in English and Arabic, desktop and phone.
    sign_in(page, &a.node.base, "green-member").await;
    for (width, height, device) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        page.set_window_size(width, height).await.unwrap();
        for lang in ["en", "ar"] {
            page.goto(&format!("{}/alerts/{alert}/view?lang={lang}", a.node.base))
                .await
                .unwrap();
            page.wait().for_element(Locator::Id("alert-title")).await.unwrap();
            let root = page.find(Locator::Css("html")).await.unwrap();
            assert_eq!(root.attr("lang").await.unwrap().as_deref(), Some(lang));
            let dir_attr = if lang == "ar" { "rtl" } else { "ltr" };
            assert_eq!(root.attr("dir").await.unwrap().as_deref(), Some(dir_attr));
            assert!(!overflows(page).await, "{lang} {device}: wider than the window");
            assert_eq!(browser.texts("#cosignatories li").await, ["Org blue"]);
            assert_eq!(browser.count("#local-only").await, 1);
            let png = page.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("alert-page-{lang}-{device}.png")), png).unwrap();
            // Further down: what stays on this node, and the answers.
            for section in ["local-only", "collective"] {
                page.execute(
                    &format!("document.getElementById('{section}').scrollIntoView()"),
                    vec![],
                )
                .await
                .unwrap();
                let png = page.screenshot().await.unwrap();
                std::fs::write(dir.join(format!("alert-page-{lang}-{device}-{section}.png")), png).unwrap();
            }
        }
    }
    page.goto(&format!("{}/alerts/{alert}/view?lang=ar", a.node.base))
        .await
        .unwrap();
    assert_eq!(browser.texts("#history-heading").await, ["السجل"]);
    page.goto(&format!("{}/alerts/{alert}/view?lang=en", a.node.base))
        .await
        .unwrap();

    // B's page of it: a pledge through the form, in the browser.
    sign_in(page, &b.node.base, "blue-member").await;
    page.set_window_size(1280, 900).await.unwrap();
    let remote = format!("{}/network/alerts/{on_b}/view?lang=en", b.node.base);
    page.goto(&remote).await.unwrap();
    page.wait().for_element(Locator::Id("origin")).await.unwrap();
    assert_eq!(browser.texts("#origin-host").await, [a.node.host()]);
    assert_eq!(browser.count("#local-only").await, 0);
    page.find(Locator::Css("#answer-pledge summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.find(Locator::Id("pledge-content"))
        .await
        .unwrap()
        .send_keys("We will visit the council.")
        .await
        .unwrap();
    // What a date picker sets, whatever the order of the browser's locale.
    page.execute("document.getElementById('pledge-due').value = '2030-03-15'", vec![])
        .await
        .unwrap();
    page.find(Locator::Css("#answer-pledge button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(page, "/view").await;
    page.wait()
        .for_element(Locator::Css("#your-answers article[data-kind=pledge]"))
        .await
        .unwrap();
    let pledged = browser.texts("#your-answers article[data-kind=pledge]").await;
    assert!(pledged[0].contains("We will visit the council."), "{pledged:?}");
    assert!(pledged[0].contains("2030"), "{pledged:?}");
    for (width, height, device) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        page.set_window_size(width, height).await.unwrap();
        for lang in ["en", "ar"] {
            page.goto(&format!("{}/network/alerts/{on_b}/view?lang={lang}", b.node.base))
                .await
                .unwrap();
            page.wait().for_element(Locator::Id("origin")).await.unwrap();
            assert!(!overflows(page).await, "remote {lang} {device}: wider than the window");
            let png = page.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("alert-page-remote-{lang}-{device}.png")), png).unwrap();
            page.execute("document.getElementById('your-answers').scrollIntoView()", vec![])
                .await
                .unwrap();
            let png = page.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("alert-page-remote-{lang}-{device}-answers.png")), png).unwrap();
        }
    }
    // An answer form opened, at phone width in Arabic.
    page.find(Locator::Css("#answer-support_offer summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    page.execute(
        "document.getElementById('answer-support_offer').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    assert!(!overflows(page).await, "the open form is wider than the window");
    let png = page.screenshot().await.unwrap();
    std::fs::write(dir.join("alert-page-remote-ar-phone-form.png"), png).unwrap();
    // The correction form, at phone width in Arabic.
    let correct = page
        .find(Locator::Css("#your-answers a.correct"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    page.goto(&format!("{}{correct}", b.node.base)).await.unwrap();
    page.wait().for_element(Locator::Id("correct")).await.unwrap();
    assert!(!overflows(page).await, "the correction form is wider than the window");
    let png = page.screenshot().await.unwrap();
    std::fs::write(dir.join("alert-page-correct-ar-phone.png"), png).unwrap();
    browser.stop().await;
}
