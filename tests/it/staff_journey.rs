//! The whole work of staff on two real nodes, in a real browser, using only
//! the pages: a coordinator of one organisation signs in with the second
//! factor, writes an alert in Spanish with every kind of field, submits it,
//! returns it with a comment, corrects it and publishes it; a coordinator of
//! another organisation on the second node finds it on their dashboard in
//! Arabic, right to left, co-signs and pledges; the author sees both in the
//! collective response and the letter, closes the alert with an outcome (the
//! second node sees it closed), and records the defender's withdrawal of
//! consent (the alert is gone from the second node). Each main page is checked
//! with axe-core on the way.

use std::time::Duration;

use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::browser::{Browser, choose, click, screenshot_dir, tick, type_into, wait_for_path};
use crate::federation::{Member, peer};
use crate::once;
use crate::support::{TestCase, TestEnv, TestNode, deliver_all};

pub fn cases() -> Vec<TestCase> {
    once![an_alert_from_draft_to_consent_withdrawal_across_two_nodes_using_only_the_pages]
}

const PASSWORD: &str = "a long journey password";

/// A coordinator who signs in with a password and an authenticator app;
/// returns the app's secret.
async fn coordinator(node: &TestNode, org: &str, username: &str) -> String {
    let (_, totp) = node
        .staff_with_password(org, Role::Coordinator, username, PASSWORD)
        .await;
    url::Url::parse(&totp.expect("coordinators have a second factor"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .unwrap()
        .1
        .to_string()
}

/// Signs in at the node's home page, which is the sign-in form until then,
/// and waits for the dashboard.
async fn sign_in_at_home(page: &Client, node: &TestNode, lang: &str, username: &str, secret: &str) {
    page.goto(&format!("{}/?lang={lang}", node.base)).await.unwrap();
    let code = tadamun::services::accounts::current_totp_code(secret, node.clock_now()).unwrap();
    type_into(page, "username", username).await;
    type_into(page, "password", PASSWORD).await;
    type_into(page, "code", &code).await;
    click(page, "main button[type=submit]").await;
    wait_for(page, "ol#dashboard-list, #list-summary").await;
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
        let text = page.find(Locator::Css("main")).await.ok();
        let text = match text {
            Some(main) => main.text().await.unwrap_or_default(),
            None => String::new(),
        };
        panic!("no {css} at {at:?} ({e}); the page says:\n{text}");
    }
}

/// Sets a date field (a browser's date input takes keys in its own locale).
async fn set_date(page: &Client, name: &str, value: &str) {
    let found = page
        .execute(
            "const f = document.querySelector(`[name='${arguments[0]}']`); if (!f) return false; f.value = arguments[1]; return true;",
            vec![json!(name), json!(value)],
        )
        .await
        .unwrap();
    assert_eq!(found, json!(true), "a date field {name}");
}

/// Takes the screenshot and checks the page with axe-core.
async fn look(browser: &Browser, name: &str) {
    let png = browser.client().screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("journey-{name}.png")), png).unwrap();
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{name}: {violations:#?}");
}

async fn attribute(page: &Client, css: &str, name: &str) -> Option<String> {
    page.find(Locator::Css(css)).await.unwrap().attr(name).await.unwrap()
}

async fn an_alert_from_draft_to_consent_withdrawal_across_two_nodes_using_only_the_pages(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let nodes = [&a.node, &b.node];
    peer(&a, &b, "connected").await;
    let green_secret = coordinator(&a.node, "green", "green-journey").await;
    let blue_secret = coordinator(&b.node, "blue", "blue-journey").await;

    // On the first node, in Spanish: sign in with the second factor.
    let browser_a = Browser::start().await;
    let page = browser_a.client();
    page.set_window_size(1280, 900).await.unwrap();
    sign_in_at_home(page, &a.node, "es", "green-journey", &green_secret).await;
    look(&browser_a, "dashboard-es").await;

    // A new alert with every kind of field.
    click(page, "nav.main a[href='/alerts/new']").await;
    wait_for_path(page, "/alerts/new").await;
    assert_eq!(
        attribute(page, "input[name='texts[0][lang]']", "value")
            .await
            .as_deref(),
        Some("es")
    );
    type_into(page, "texts[0][title]", "Amenazas contra defensoras del lago").await;
    type_into(
        page,
        "texts[0][summary]",
        "Dos defensoras recibieron amenazas de muerte.",
    )
    .await;
    type_into(
        page,
        "texts[0][body]",
        "<p>Las amenazas llegaron tras una asamblea comunitaria.</p>",
    )
    .await;
    type_into(
        page,
        "texts[0][link_to_work]",
        "Defienden el lago frente a una concesión minera.",
    )
    .await;
    type_into(page, "defenders[0][name]", "Rosa Ixcot").await;
    choose(page, "defenders[0][kind]", "individual").await;
    choose(page, "defenders[0][relationship]", "member").await;
    click(page, "input[name='defenders[0][woman_defender]']").await;
    tick(page, "violation_types", "death_threat").await;
    tick(page, "violation_types", "surveillance").await;
    choose(page, "perpetrators[0][category]", "private_security").await;
    choose(page, "perpetrators[0][involvement]", "carried_out").await;
    type_into(page, "perpetrators[0][details]", "Guardias de la concesión").await;
    tick(page, "rights_concerned", "water").await;
    choose(page, "business_link[sector]", "mining").await;
    type_into(page, "business_link[company]", "Minera Lago Azul").await;
    type_into(page, "business_link[project]", "Proyecto Azul").await;
    type_into(page, "business_link[financier]", "Banco del Istmo").await;
    type_into(page, "country", "GT").await;
    type_into(page, "region", "Sololá").await;
    type_into(page, "place", "San Pedro").await;
    choose(page, "requested_actions[0][kind]", "letter").await;
    type_into(
        page,
        "requested_actions[0][description][es]",
        "Escriban al fiscal general.",
    )
    .await;
    type_into(
        page,
        "requested_actions[0][model_text][es]",
        "Le pedimos proteger a Rosa Ixcot.",
    )
    .await;
    set_date(page, "requested_actions[0][deadline]", "2027-01-15").await;
    type_into(page, "requested_actions[0][addressees][0][name]", "Fiscal General").await;
    type_into(
        page,
        "requested_actions[0][addressees][0][institution]",
        "Ministerio Público",
    )
    .await;
    choose(page, "requested_actions[0][addressees][0][kind]", "government").await;
    choose(page, "urgency", "immediate").await;
    choose(page, "severity", "severe").await;
    choose(page, "certainty", "confirmed").await;
    set_date(page, "expires", "2027-06-30").await;
    type_into(page, "consent[given_by]", "Rosa Ixcot").await;
    set_date(page, "consent[given_at]", "2026-11-20").await;
    tick(page, "consent[allowed_uses]", "private_advocacy").await;
    type_into(page, "local_only[exact_location]", "Casa azul junto al muelle").await;
    type_into(page, "local_only[contacts]", "+502 5555 0101").await;
    type_into(page, "local_only[family_details]", "Dos hijas").await;
    type_into(page, "local_only[internal_notes]", "Confirmado por su hermana").await;
    click(page, "#audience-network").await;
    look(&browser_a, "form-es").await;
    click(page, "#save").await;
    wait_for(page, "section#lifecycle[data-status=draft]").await;
    let id = page
        .current_url()
        .await
        .unwrap()
        .path()
        .trim_start_matches("/alerts/")
        .trim_end_matches("/view")
        .to_string();

    // Everything typed arrived, as the API reads it.
    let (status, alert) = a.node.get(&a.coordinator, &format!("/api/v1/alerts/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{alert}");
    assert_eq!(alert["title"], json!({"es": "Amenazas contra defensoras del lago"}));
    assert_eq!(alert["defenders"][0]["woman_defender"], true);
    assert_eq!(alert["violation_types"], json!(["death_threat", "surveillance"]));
    assert_eq!(alert["perpetrators"][0]["involvement"], "carried_out");
    assert_eq!(alert["rights_concerned"], json!(["water"]));
    assert_eq!(alert["business_link"]["financier"], "Banco del Istmo");
    assert_eq!(alert["place"], "San Pedro");
    assert_eq!(
        alert["requested_actions"][0]["addressees"][0]["institution"],
        "Ministerio Público"
    );
    assert_eq!(alert["requested_actions"][0]["deadline"], "2027-01-15T00:00:00Z");
    assert_eq!(alert["severity"], "severe");
    assert_eq!(alert["consent"]["allowed_uses"], json!(["private_advocacy"]));
    assert_eq!(alert["local_only"]["family_details"], "Dos hijas");
    assert_eq!(alert["audience"], "network");
    assert_eq!(alert["status"], "draft");

    // Submitted, returned with a comment, corrected, submitted, published.
    click(page, "form[data-step=submit] button").await;
    wait_for(page, "section#lifecycle[data-status=in_review]").await;
    type_into(page, "note", "Falta el nombre de la comunidad en el resumen.").await;
    click(page, "form[data-step=return] button").await;
    wait_for(page, "section#lifecycle[data-status=draft]").await;
    let history: Value = page
        .execute(
            "return [...document.querySelectorAll('#history li')].map(li => li.textContent).join('\\n');",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        history.as_str().unwrap().contains("Falta el nombre de la comunidad"),
        "the comment is in the history: {history}"
    );
    click(page, "#edit-link").await;
    wait_for_path(page, "/edit").await;
    type_into(
        page,
        "texts[0][summary]",
        "Dos defensoras de la comunidad de San Pedro recibieron amenazas de muerte.",
    )
    .await;
    click(page, "#save").await;
    // The edit page shows the same steps: wait for the alert's page.
    wait_for_path(page, "/view").await;
    wait_for(page, "section#lifecycle[data-status=draft]").await;
    click(page, "form[data-step=submit] button").await;
    wait_for(page, "section#lifecycle[data-status=in_review]").await;
    click(page, "form[data-step=publish] button").await;
    wait_for(page, "section#lifecycle[data-status=open]").await;
    look(&browser_a, "alert-es").await;
    deliver_all(&nodes).await;

    // On the second node, in Arabic, right to left: the dashboard lists it.
    let browser_b = Browser::start().await;
    let other = browser_b.client();
    other.set_window_size(390, 844).await.unwrap();
    sign_in_at_home(other, &b.node, "ar", "blue-journey", &blue_secret).await;
    assert_eq!(attribute(other, "html", "dir").await.as_deref(), Some("rtl"));
    let listed = browser_b
        .texts("ol#dashboard-list li.alert-row[data-source=network] a.alert-title")
        .await;
    assert!(
        listed.contains(&"Amenazas contra defensoras del lago".to_string()),
        "{listed:?}"
    );
    // Its country is named in Arabic, not by its code.
    let countries = browser_b
        .texts("ol#dashboard-list li.alert-row[data-source=network] .country")
        .await;
    assert!(countries.contains(&"غواتيمالا".to_string()), "{countries:?}");
    look(&browser_b, "dashboard-ar-phone").await;
    click(
        other,
        "ol#dashboard-list li.alert-row[data-source=network] a.alert-title",
    )
    .await;
    wait_for(other, "#origin").await;
    assert_eq!(
        attribute(other, "#signature", "data-verified").await.as_deref(),
        Some("on-arrival")
    );
    let shown = browser_b.texts("main").await.join("\n");
    for private in ["Casa azul", "5555", "Dos hijas", "Confirmado por su hermana"] {
        assert!(!shown.contains(private), "{private} never leaves the first node");
    }

    // Co-signs and pledges from the alert's page.
    click(other, "#answer-cosign summary").await;
    click(other, "#answer-cosign button[type=submit]").await;
    wait_for(other, "#your-answers article.action[data-kind=cosign]").await;
    click(other, "#answer-pledge summary").await;
    let pledge = other.find(Locator::Css("#pledge-content")).await.unwrap();
    pledge.send_keys("نرسل مراقبين إلى الجلسة.").await.unwrap();
    other
        .execute("document.querySelector('#pledge-due').value = '2027-01-10';", vec![])
        .await
        .unwrap();
    click(other, "#answer-pledge button[type=submit]").await;
    wait_for(other, "#your-answers article.action[data-kind=pledge]").await;
    look(&browser_b, "alert-ar-phone").await;
    deliver_all(&nodes).await;

    // The author's node counts both, and the letter carries the co-signer.
    page.goto(&format!("{}/alerts/{id}/view", a.node.base)).await.unwrap();
    wait_for(page, "section#collective").await;
    let counted: Value = page
        .execute(
            "return Object.fromEntries([...document.querySelectorAll('td.count')].map(td => [td.dataset.kind, td.textContent.trim()]))",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(counted["cosign"], "1", "{counted}");
    assert_eq!(counted["pledge"], "1", "{counted}");
    page.goto(&format!("{}/alerts/{id}/letter", a.node.base)).await.unwrap();
    let signatories = browser_a.texts("#signatories li").await;
    assert_eq!(signatories.len(), 2, "{signatories:?}");
    assert!(signatories[1].contains("blue"), "{signatories:?}");

    // Closed with an outcome; the second node sees it closed.
    page.goto(&format!("{}/alerts/{id}/view", a.node.base)).await.unwrap();
    choose(page, "outcome", "released").await;
    click(page, "form[data-step=close] button").await;
    wait_for(page, "section#lifecycle[data-status=closed]").await;
    deliver_all(&nodes).await;
    other.refresh().await.unwrap();
    wait_for(other, "span.status[data-status=closed]").await;

    // The defender withdraws consent: a confirmation that says what it does,
    // then the alert is gone from the second node.
    click(page, "#consent-withdrawal-link").await;
    wait_for_path(page, "/consent/withdraw").await;
    look(&browser_a, "consent-withdrawal-es").await;
    click(page, "form[data-step=withdraw-consent] button").await;
    wait_for(
        page,
        "section#lifecycle[data-status=withdrawn], span.status[data-status=withdrawn]",
    )
    .await;
    deliver_all(&nodes).await;
    other.goto(&format!("{}/", b.node.base)).await.unwrap();
    let listed = browser_b.texts("ol#dashboard-list a.alert-title").await;
    assert!(
        !listed.contains(&"Amenazas contra defensoras del lago".to_string()),
        "{listed:?}"
    );
    let (status, network) = b.node.get(&b.coordinator, "/api/v1/network/alerts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !network.to_string().contains("Amenazas contra defensoras del lago"),
        "{network}"
    );

    browser_b.stop().await;
    browser_a.stop().await;
}
