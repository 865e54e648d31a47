//! The alert form and the review steps, through real form posts (with the
//! session cookie and the page's form token) and in a real browser: every
//! field arrives, a refused save keeps everything typed with each error next
//! to its field, "add" buttons keep what was typed, an audience wider than the
//! consent is refused with its reason, and the lifecycle from draft to
//! closed, withdrawn, or withdrawn for lack of consent.

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tadamun::domain::vocab::Role;

use crate::browser::{Browser, choose, click, screenshot_dir, tick, type_into, wait_for_path};
use crate::federation::{Member, peer};
use crate::support::{TestCase, TestEnv, post_login, set_cookie};
use crate::{once, tests};

pub fn cases() -> Vec<TestCase> {
    let mut cases = tests![
        the_form_sends_every_field_of_the_alert,
        a_refused_form_keeps_everything_typed_with_errors_at_their_fields,
        add_buttons_draw_the_form_again_with_everything_typed,
        the_review_steps_from_draft_to_closed_and_withdrawn,
    ];
    cases.extend(once![the_form_in_a_browser_in_spanish_and_arabic]);
    cases
}

/// A browser-like session over HTTP: its cookie and its pages' form token.
struct Session {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Session {
    /// Signs in over the sign-in form; coordinators give their second factor.
    async fn sign_in(m: &Member, role: Role, username: &str) -> Session {
        let password = "a long page password";
        let (_, totp) = m.node.staff_with_password(&m.org, role, username, password).await;
        let code = totp.map(|uri| {
            let secret = url::Url::parse(&uri)
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "secret")
                .unwrap()
                .1
                .to_string();
            tadamun::services::accounts::current_totp_code(&secret, m.node.clock_now()).unwrap()
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut fields = vec![("username", username), ("password", password)];
        if let Some(code) = &code {
            fields.push(("code", code.as_str()));
        }
        let resp = post_login(&client, &m.node.base, &fields).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{username} signs in");
        let cookie = set_cookie(&resp, "tadamun_session").expect("a session");
        Session {
            client,
            base: m.node.base.clone(),
            cookie,
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.text().await.unwrap())
    }

    /// The form token of the page at `path`.
    async fn token(&self, path: &str) -> String {
        let (status, html) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        token_of(&html)
    }

    /// Posts a form as a browser does; answers the status, the redirect
    /// target, and the page.
    async fn post(&self, path: &str, pairs: &[(String, String)]) -> (StatusCode, Option<String>, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &self.cookie)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let location = resp.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        (status, location, resp.text().await.unwrap())
    }

    /// Takes a review step from its form on the review page.
    async fn step(&self, id: &str, step: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let token = self.token(&format!("/alerts/{id}/review")).await;
        let mut pairs = pairs(fields);
        pairs.push(("form_token".into(), token));
        let (status, location, html) = self.post(&format!("/alerts/{id}/{step}"), &pairs).await;
        if status == StatusCode::SEE_OTHER {
            assert_eq!(location.as_deref(), Some(format!("/alerts/{id}/view").as_str()));
        }
        (status, html)
    }
}

fn token_of(html: &str) -> String {
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("a form with a token") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The id of the alert a save redirected to (`/alerts/{id}/view`).
fn saved_id(status: StatusCode, location: Option<String>, html: &str) -> String {
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let location = location.unwrap();
    location
        .strip_prefix("/alerts/")
        .and_then(|l| l.strip_suffix("/view"))
        .unwrap_or_else(|| panic!("{location}"))
        .to_string()
}

/// A whole alert as the form sends it, with every kind of field.
fn every_field(token: &str, group: &str) -> Vec<(String, String)> {
    pairs(&[
        ("form_token", token),
        ("texts[0][lang]", "en"),
        ("texts[0][title]", "Water defenders threatened in Sololá"),
        ("texts[0][summary]", "Leaders of the water committee were threatened."),
        (
            "texts[0][body]",
            "<p>Armed men came <b>at night</b>.</p><script>x()</script>",
        ),
        ("texts[0][link_to_work]", "They defend the lake against a concession."),
        ("texts[1][lang]", "es"),
        ("texts[1][title]", "Amenazas contra defensores del agua en Sololá"),
        ("texts[1][summary]", ""),
        ("texts[1][body]", ""),
        ("texts[1][link_to_work]", ""),
        ("defenders[0][name]", "María Tuy"),
        ("defenders[0][kind]", "individual"),
        ("defenders[0][woman_defender]", "on"),
        ("defenders[0][relationship]", "member"),
        ("defenders[1][name]", ""),
        ("defenders[1][kind]", "individual"),
        ("defenders[1][relationship]", "member"),
        ("defenders[2][name]", "Comité del agua"),
        ("defenders[2][kind]", "community"),
        ("defenders[2][relationship]", "close_partner"),
        ("defenders[2][anonymised]", "on"),
        ("violation_types", "death_threat"),
        ("violation_types", "surveillance"),
        ("perpetrators[0][category]", "private_security"),
        ("perpetrators[0][involvement]", "carried_out"),
        ("perpetrators[0][details]", "Guards of the concession"),
        ("perpetrators[1][category]", ""),
        ("perpetrators[1][involvement]", ""),
        ("perpetrators[1][details]", ""),
        ("rights_concerned", "water"),
        ("rights_concerned", "environment"),
        ("business_link[sector]", "hydro_renewables"),
        ("business_link[company]", "Aguas Example S.A."),
        ("business_link[project]", "Lake concession"),
        ("business_link[financier]", "Example Bank"),
        ("country", "Guatemala"),
        ("region", "Sololá"),
        ("place", "San Juan la Laguna"),
        ("requested_actions[0][kind]", "letter"),
        ("requested_actions[0][description][en]", "Write to the prosecutor."),
        ("requested_actions[0][description][es]", "Escriba a la fiscalía."),
        ("requested_actions[0][model_text][en]", "We urge you to protect them."),
        ("requested_actions[0][model_text][es]", ""),
        ("requested_actions[0][deadline]", "2031-03-01"),
        ("requested_actions[0][addressees][0][name]", "Attorney General"),
        ("requested_actions[0][addressees][0][institution]", "Public Ministry"),
        ("requested_actions[0][addressees][0][kind]", "government"),
        ("requested_actions[0][addressees][1][name]", ""),
        ("requested_actions[0][addressees][1][institution]", ""),
        ("requested_actions[0][addressees][1][kind]", "government"),
        ("urgency", "immediate"),
        ("severity", "severe"),
        ("certainty", "likely"),
        ("expires", "2031-06-30"),
        ("groups", group),
        ("consent[given_by]", "María Tuy"),
        ("consent[given_at]", "2026-01-05"),
        ("consent[allowed_uses]", "private_advocacy"),
        ("consent[allowed_uses]", "public_appeal"),
        ("local_only[exact_location]", "SECRET-LOCATION by the dock"),
        ("local_only[contacts]", "SECRET-CONTACT +502 0000"),
        ("local_only[family_details]", "SECRET-FAMILY two children"),
        ("local_only[internal_notes]", "SECRET-NOTES source is her cousin"),
        ("audience", "network"),
        ("restricted_to", ""),
        ("new_language", "fr"),
        ("save", "1"),
    ])
}

fn set(form: &mut [(String, String)], name: &str, value: &str) {
    for (k, v) in form.iter_mut() {
        if k == name {
            *v = value.to_string();
        }
    }
}

async fn the_form_sends_every_field_of_the_alert(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "trusted").await;
    let group = crate::groups::create_group(&a, "latin-america").await;
    let group_uri = group["uri"].as_str().unwrap().to_string();
    let web = Session::sign_in(&a, Role::Coordinator, "green-web").await;

    // The audience picker names who each audience reaches.
    let (status, html) = web.get("/alerts/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("value=\"{group_uri}\"")),
        "the node's groups are offered"
    );
    let trusted = html.split("id=\"audience-trusted-reach\"").nth(1).unwrap();
    assert!(
        trusted[..trusted.find("</small>").unwrap()].contains(&b.node.host()),
        "the trusted peer is named: {trusted}"
    );
    assert!(html.contains("class=\"local\""), "local-only fields stand apart");
    assert!(html.contains("never leave this node"));
    assert!(html.len() < 60_000, "the form weighs {} bytes", html.len());

    let token = token_of(&html);
    let (status, location, page) = web.post("/alerts/new", &every_field(&token, &group_uri)).await;
    let id = saved_id(status, location, &page);
    let (status, alert) = a.node.get(&a.coordinator, &format!("/api/v1/alerts/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{alert}");
    assert_eq!(alert["status"], "draft");
    assert_eq!(alert["title"]["en"], "Water defenders threatened in Sololá");
    assert_eq!(alert["title"]["es"], "Amenazas contra defensores del agua en Sololá");
    assert_eq!(
        alert["summary"],
        json!({"en": "Leaders of the water committee were threatened."})
    );
    assert_eq!(alert["body"]["en"], "<p>Armed men came <b>at night</b>.</p>");
    assert_eq!(
        alert["link_to_work"]["en"],
        "They defend the lake against a concession."
    );
    assert_eq!(
        alert["defenders"],
        json!([
            {"name": "María Tuy", "kind": "individual", "woman_defender": true, "relationship": "member", "anonymised": false},
            {"name": "Comité del agua", "kind": "community", "woman_defender": false, "relationship": "close_partner", "anonymised": true},
        ])
    );
    assert_eq!(alert["violation_types"], json!(["death_threat", "surveillance"]));
    assert_eq!(
        alert["perpetrators"],
        json!([{"category": "private_security", "involvement": "carried_out", "details": "Guards of the concession"}])
    );
    assert_eq!(alert["rights_concerned"], json!(["water", "environment"]));
    assert_eq!(
        alert["business_link"],
        json!({"sector": "hydro_renewables", "company": "Aguas Example S.A.", "project": "Lake concession", "financier": "Example Bank"})
    );
    assert_eq!(alert["country"], "GT", "a country's name is read as its code");
    assert_eq!(alert["region"], "Sololá");
    assert_eq!(alert["place"], "San Juan la Laguna");
    assert_eq!(
        alert["requested_actions"],
        json!([{
            "kind": "letter",
            "description": {"en": "Write to the prosecutor.", "es": "Escriba a la fiscalía."},
            "addressees": [{"name": "Attorney General", "institution": "Public Ministry", "kind": "government"}],
            "model_text": {"en": "We urge you to protect them."},
            "deadline": "2031-03-01T00:00:00Z",
        }])
    );
    assert_eq!(alert["urgency"], "immediate");
    assert_eq!(alert["severity"], "severe");
    assert_eq!(alert["certainty"], "likely");
    assert_eq!(alert["expires"], "2031-06-30T00:00:00Z");
    assert_eq!(alert["groups"], json!([group_uri]));
    assert_eq!(alert["audience"], "network");
    assert_eq!(alert["consent"]["given_by"], "María Tuy");
    assert_eq!(alert["consent"]["given_at"], "2026-01-05T00:00:00Z");
    assert_eq!(
        alert["consent"]["allowed_uses"],
        json!(["private_advocacy", "public_appeal"])
    );
    assert_eq!(
        alert["local_only"],
        json!({
            "exact_location": "SECRET-LOCATION by the dock",
            "contacts": "SECRET-CONTACT +502 0000",
            "family_details": "SECRET-FAMILY two children",
            "internal_notes": "SECRET-NOTES source is her cousin",
        })
    );

    // The edit form shows it all again; saving it unchanged changes nothing.
    let (status, html) = web.get(&format!("/alerts/{id}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "Water defenders threatened in Sololá",
        "SECRET-NOTES source is her cousin",
        "Aguas Example S.A.",
        "value=\"2031-03-01\"",
        "value=\"GT\"",
    ] {
        assert!(html.contains(shown), "{shown} is on the edit form");
    }
    assert!(html.contains("id=\"lifecycle\""), "the steps are on the edit page");
    let mut resend: Vec<(String, String)> = every_field(&token_of(&html), &group_uri);
    set(&mut resend, "country", "GT");
    let (status, _, page) = web.post(&format!("/alerts/{id}/edit"), &resend).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (_, history) = a
        .node
        .get(&a.coordinator, &format!("/api/v1/alerts/{id}/history"))
        .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1, "{history}");

    // An edit that narrows the consent and the audience saves the narrower
    // audience first, then records the consent as its own step.
    let mut narrower = resend.clone();
    // Groups relay only network and public alerts.
    narrower.retain(|(k, v)| !(k == "consent[allowed_uses]" && v == "public_appeal") && k != "groups");
    set(&mut narrower, "audience", "trusted");
    let (status, _, page) = web.post(&format!("/alerts/{id}/edit"), &narrower).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (_, history) = a
        .node
        .get(&a.coordinator, &format!("/api/v1/alerts/{id}/history"))
        .await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["created", "edited", "consent_recorded"], "{history}");
    let (_, alert) = a.node.get(&a.coordinator, &format!("/api/v1/alerts/{id}")).await;
    assert_eq!(alert["audience"], "trusted");
    assert_eq!(alert["consent"]["allowed_uses"], json!(["private_advocacy"]));
    // Wider consent and a wider audience: the consent is recorded first.
    let mut wider = resend.clone();
    set(&mut wider, "audience", "public");
    wider.retain(|(k, _)| k != "groups");
    let (status, _, page) = web.post(&format!("/alerts/{id}/edit"), &wider).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (_, history) = a
        .node
        .get(&a.coordinator, &format!("/api/v1/alerts/{id}/history"))
        .await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["created", "edited", "consent_recorded", "consent_recorded", "edited"],
        "{history}"
    );
    let (_, alert) = a.node.get(&a.coordinator, &format!("/api/v1/alerts/{id}")).await;
    assert_eq!(alert["audience"], "public");
    assert!(alert.get("groups").is_none(), "no groups: {alert}");

    // Emptying the business link and the expiry on the form removes them.
    assert_eq!(alert["business_link"]["sector"], "hydro_renewables");
    let mut cleared = wider.clone();
    for field in [
        "business_link[sector]",
        "business_link[company]",
        "business_link[project]",
        "business_link[financier]",
        "expires",
    ] {
        set(&mut cleared, field, "");
    }
    let (status, _, page) = web.post(&format!("/alerts/{id}/edit"), &cleared).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (_, alert) = a.node.get(&a.coordinator, &format!("/api/v1/alerts/{id}")).await;
    assert!(alert["business_link"].is_null(), "business link removed: {alert}");
    assert!(alert["expires"].is_null(), "expiry removed: {alert}");

    // Nothing local-only reaches the other node once it is published.
    let steps = [("submit", &a.coordinator), ("publish", &a.coordinator)];
    for (step, token) in steps {
        let (status, body) = a
            .node
            .post(token, &format!("/api/v1/alerts/{id}/{step}"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    crate::support::deliver_all(&[&a.node, &b.node]).await;
    let rows: Vec<(String,)> = sqlx::query_as("SELECT document FROM remote_alerts")
        .fetch_all(&b.node.db().pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the trusted peer received it");
    for secret in ["SECRET-LOCATION", "SECRET-CONTACT", "SECRET-FAMILY", "SECRET-NOTES"] {
        assert!(!rows[0].0.contains(secret), "{secret} left the node");
    }
}

async fn a_refused_form_keeps_everything_typed_with_errors_at_their_fields(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let web = Session::sign_in(&a, Role::Coordinator, "green-web").await;
    let token = web.token("/alerts/new").await;
    let mut form = every_field(&token, "");
    set(&mut form, "country", "");
    set(&mut form, "defenders[0][name]", "");
    set(&mut form, "defenders[2][name]", "");
    form.retain(|(k, _)| k != "violation_types");
    set(&mut form, "audience", "public");
    form.retain(|(k, v)| !(k == "consent[allowed_uses]" && v == "public_appeal"));
    set(&mut form, "region", "Sololá <typed>");
    set(&mut form, "requested_actions[0][addressees][0][name]", "");
    let (status, _, html) = web.post("/alerts/new", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Everything typed is there again, escaped.
    for typed in [
        "Water defenders threatened in Sololá",
        "Amenazas contra defensores del agua en Sololá",
        "Sololá &lt;typed&gt;",
        "SECRET-NOTES source is her cousin",
        "Public Ministry",
        "Aguas Example S.A.",
        "value=\"2031-06-30\"",
        "value=\"2026-01-05\"",
        "Guards of the concession",
        "We urge you to protect them.",
    ] {
        assert!(html.contains(typed), "{typed} was kept");
    }
    assert!(
        html.contains(r#"name="audience" value="public" checked"#),
        "the audience chosen is kept"
    );
    assert!(html.contains(r#"value="surveillance""#));
    assert!(!html.contains(r#"value="surveillance" checked"#));

    // A summary that is announced and links to each field.
    assert!(html.contains(r#"role="alert" id="error-summary""#), "{html}");
    for (id, message) in [
        ("f-country", "Give the country"),
        ("f-defenders", "Name at least one defender"),
        ("f-violation_types", "Tick at least one kind of violation"),
        ("f-requested_actions-0-addressees-0-name", "Required."),
        ("f-audience", "wider than the defender's consent allows"),
    ] {
        assert!(html.contains(&format!("href=\"#{id}\"")), "the summary links to {id}");
        let at = html
            .split(&format!("id=\"{id}-error\""))
            .nth(1)
            .unwrap_or_else(|| panic!("an error next to {id}"));
        assert!(at[..at.find("</span>").unwrap()].contains(message), "{id}: {message}");
    }
    assert!(html.contains(r#"id="f-country" name="country" value="" list="countries""#));
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="f-country-error f-country-hint""#));
    assert!(html.contains(r#"aria-describedby="consent-allows f-audience-error""#));
    // The reason names what the consent allows.
    assert!(html.contains(r#"data-allows="network""#));
    let reason = html.split("id=\"f-audience-error\"").nth(1).unwrap();
    assert!(reason[..reason.find("</span>").unwrap()].contains("The consent allows at most:"));
    let (_, list) = a.node.get(&a.coordinator, "/api/v1/alerts").await;
    assert_eq!(list["total"], 0, "nothing was saved");

    // The audience alone too wide: refused with the reason, nothing else.
    let token = web.token("/alerts/new").await;
    let mut form = every_field(&token, "");
    form.retain(|(k, v)| !(k == "consent[allowed_uses]" && v != "private_advocacy") && k != "groups");
    set(&mut form, "audience", "public");
    let (status, _, html) = web.post("/alerts/new", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary = html.split("id=\"error-summary\"").nth(1).unwrap();
    let summary = &summary[..summary.find("</div>").unwrap()];
    assert_eq!(summary.matches("<li>").count(), 1, "{summary}");
    assert!(summary.contains("wider than the defender's consent allows"));

    // A member may draft for this node only: told so at the audience.
    let member = Session::sign_in(&a, Role::Member, "green-member").await;
    let token = member.token("/alerts/new").await;
    let mut form = every_field(&token, "");
    form.retain(|(k, _)| k != "groups");
    let (status, _, html) = member.post("/alerts/new", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let at = html
        .split("id=\"f-audience-error\"")
        .nth(1)
        .expect("an error at the audience");
    assert!(at[..at.find("</span>").unwrap()].contains("Only coordinators and administrators can share"));
    assert!(
        html.contains("SECRET-NOTES source is her cousin"),
        "kept after a refusal too"
    );

    // A form without the session's token changes nothing.
    let mut forged = every_field("guessed", "");
    forged.retain(|(k, _)| k != "groups");
    let (status, _, _) = web.post("/alerts/new", &forged).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, list) = a.node.get(&a.coordinator, "/api/v1/alerts").await;
    assert_eq!(list["total"], 0, "nothing was saved");
}

async fn add_buttons_draw_the_form_again_with_everything_typed(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let web = Session::sign_in(&a, Role::Member, "green-member").await;
    let (_, html) = web.get("/alerts/new?lang=fr").await;
    assert!(
        html.contains(r#"name="texts[0][lang]" value="fr""#),
        "starts with the viewer's language"
    );
    assert!(
        html.contains(r#"formaction="/alerts/new#f-defenders-1-name""#),
        "the button brings the new row into view"
    );
    let token = token_of(&html);
    let typed = pairs(&[
        ("form_token", &token),
        ("texts[0][lang]", "fr"),
        ("texts[0][title]", "Menaces contre des défenseurs"),
        ("defenders[0][name]", "Awa Diop"),
        ("defenders[0][kind]", "individual"),
        ("defenders[0][relationship]", "member"),
        ("defenders[0][woman_defender]", "on"),
        ("local_only[internal_notes]", "à vérifier"),
        ("new_language", "ar"),
    ]);
    let mut add_language = typed.clone();
    add_language.push(("add".into(), "language".into()));
    let (status, _, html) = web.post("/alerts/new", &add_language).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"name="texts[1][lang]" value="ar""#),
        "one more language"
    );
    assert!(html.contains(r#"name="texts[1][title]""#));
    assert!(html.contains(r#"lang="ar" dir="rtl""#), "Arabic is typed right to left");
    assert!(html.contains("Menaces contre des défenseurs"));
    assert!(html.contains("Awa Diop"));
    assert!(html.contains("à vérifier"));
    assert!(html.contains(r#"name="defenders[0][woman_defender]" value="on" checked"#));
    assert!(!html.contains(r#"id="error-summary""#), "adding is not saving");

    let mut add_defender = typed.clone();
    add_defender.push(("add".into(), "defender".into()));
    let (status, _, html) = web.post("/alerts/new", &add_defender).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"name="defenders[1][name]""#), "one more defender");
    assert!(html.contains("Awa Diop"));

    let mut add_addressee = typed.clone();
    add_addressee.push(("requested_actions[0][kind]".into(), "letter".into()));
    add_addressee.push(("requested_actions[0][addressees][0][name]".into(), "Ministre".into()));
    add_addressee.push(("add".into(), "addressee-0".into()));
    let (_, _, html) = web.post("/alerts/new", &add_addressee).await;
    assert!(html.contains(r#"name="requested_actions[0][addressees][1][name]""#));
    assert!(html.contains("Ministre"));
    let (_, list) = a.node.get(&a.coordinator, "/api/v1/alerts").await;
    assert_eq!(list["total"], 0, "nothing was saved");
}

async fn the_review_steps_from_draft_to_closed_and_withdrawn(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let member = Session::sign_in(&a, Role::Member, "green-member").await;
    let coordinator = Session::sign_in(&a, Role::Coordinator, "green-web").await;
    let status_of = |id: String| {
        let node = &a.node;
        let token = a.coordinator.clone();
        async move { node.get(&token, &format!("/api/v1/alerts/{id}")).await.1 }
    };
    let draft = |who: &'static str| {
        let session = if who == "member" { &member } else { &coordinator };
        async move {
            let token = session.token("/alerts/new").await;
            let mut form = every_field(&token, "");
            form.retain(|(k, _)| k != "groups");
            set(&mut form, "audience", "node");
            let (status, location, html) = session.post("/alerts/new", &form).await;
            saved_id(status, location, &html)
        }
    };

    // A member drafts and submits; only coordinators see the publish button.
    let id = draft("member").await;
    let (_, page) = member.get(&format!("/alerts/{id}/review")).await;
    assert!(page.contains(r#"data-step="submit""#));
    assert!(!page.contains(r#"data-step="publish""#));
    let (status, _) = member.step(&id, "submit", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(id.clone()).await["status"], "in_review");
    let (_, page) = member.get(&format!("/alerts/{id}/edit")).await;
    assert!(
        !page.contains(r#"data-step="publish""#),
        "a member sees no publish button"
    );
    // …and a member's publish is refused by the service all the same.
    let (status, _) = member.step(&id, "publish", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(id.clone()).await["status"], "in_review");

    // Returned with a comment, which the history shows.
    let (_, page) = coordinator.get(&format!("/alerts/{id}/review")).await;
    assert!(page.contains(r#"data-step="publish""#));
    let (status, _) = coordinator
        .step(&id, "return", &[("note", "Please check the date of the threats.")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, history) = a
        .node
        .get(&a.coordinator, &format!("/api/v1/alerts/{id}/history"))
        .await;
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "returned_to_draft");
    assert_eq!(last["note"], "Please check the date of the threats.");
    let (_, page) = member.get(&format!("/alerts/{id}/review")).await;
    assert!(
        page.contains("Please check the date of the threats."),
        "the comment is on the page"
    );

    // Submitted again, published by the coordinator, then closed with its outcome.
    assert_eq!(member.step(&id, "submit", &[]).await.0, StatusCode::SEE_OTHER);
    assert_eq!(coordinator.step(&id, "publish", &[]).await.0, StatusCode::SEE_OTHER);
    assert_eq!(status_of(id.clone()).await["status"], "open");
    let (_, page) = coordinator.get(&format!("/alerts/{id}/edit")).await;
    assert!(page.contains(r#"data-step="close""#), "a published alert can be closed");
    let (status, _) = coordinator
        .step(
            &id,
            "close",
            &[("outcome", "released"), ("note", "She was released on bail.")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let closed = status_of(id.clone()).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["outcome"], "released");
    assert_eq!(closed["closing_note"], "She was released on bail.");

    // Withdrawn with a reason.
    let second = draft("coordinator").await;
    let (status, _) = coordinator
        .step(&second, "withdraw", &[("reason", "Duplicate of another alert.")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let withdrawn = status_of(second.clone()).await;
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["withdrawal_reason"], "Duplicate of another alert.");

    // A withdrawal of consent: first a page that says what it does.
    let third = draft("member").await;
    let (_, page) = member.get(&format!("/alerts/{third}/review")).await;
    assert!(page.contains(&format!("href=\"/alerts/{third}/consent/withdraw\"")));
    let (status, page) = member.get(&format!("/alerts/{third}/consent/withdraw")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("every node that received it"), "{page}");
    assert!(page.contains("This cannot be undone."));
    assert_eq!(
        status_of(third.clone()).await["status"],
        "draft",
        "showing the page changes nothing"
    );
    // Without the confirmation of that page, nothing happens.
    let token = token_of(&page);
    let (status, _, _) = member
        .post(
            &format!("/alerts/{third}/consent/withdraw"),
            &pairs(&[("form_token", &token)]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = member
        .post(
            &format!("/alerts/{third}/consent/withdraw"),
            &pairs(&[
                ("form_token", &token),
                ("confirm", "yes"),
                ("note", "She asked us by phone."),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let gone = status_of(third.clone()).await;
    assert_eq!(gone["status"], "withdrawn");
    assert!(gone["consent"]["withdrawn_at"].is_string(), "{gone}");

    // A step without the session's token is refused and changes nothing.
    let fourth = draft("member").await;
    let (status, _, html) = member
        .post(
            &format!("/alerts/{fourth}/submit"),
            &pairs(&[("form_token", "guessed")]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("This form has expired") || html.contains("form has expired"),
        "{html}"
    );
    assert_eq!(status_of(fourth.clone()).await["status"], "draft");
    // Nor does another session's token work.
    let other = coordinator.token("/alerts/new").await;
    let (status, _, _) = member
        .post(&format!("/alerts/{fourth}/submit"), &pairs(&[("form_token", &other)]))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(fourth).await["status"], "draft");
}

/// Types `text` into the field named `name`.
async fn the_form_in_a_browser_in_spanish_and_arabic(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let (_, totp) = a
        .node
        .staff_with_password("green", Role::Coordinator, "green-page", "a long page password")
        .await;
    let secret = url::Url::parse(&totp.unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .unwrap()
        .1
        .to_string();
    let browser = Browser::start().await;
    let page = browser.client();
    page.goto(&format!("{}/alerts/new?lang=es", a.node.base)).await.unwrap();
    wait_for_path(page, "/login").await;
    let code = tadamun::services::accounts::current_totp_code(&secret, a.node.clock_now()).unwrap();
    for (field, value) in [
        ("username", "green-page"),
        ("password", "a long page password"),
        ("code", code.as_str()),
    ] {
        type_into(page, field, value).await;
    }
    click(page, "button[type=submit]").await;
    wait_for_path(page, "/alerts/new").await;
    page.goto(&format!("{}/alerts/new?lang=es", a.node.base)).await.unwrap();
    assert_eq!(browser.texts("h1").await, ["Nueva alerta"]);

    // Typed in Spanish; a second language added on the way keeps it all.
    type_into(page, "texts[0][title]", "Amenazas contra defensoras del agua").await;
    type_into(
        page,
        "texts[0][link_to_work]",
        "Defienden el lago frente a una concesión.",
    )
    .await;
    type_into(page, "defenders[0][name]", "Rosa Ixcot").await;
    click(page, "input[name='defenders[0][woman_defender]']").await;
    choose(page, "new_language", "en").await;
    click(page, "button[name=add][value=language]").await;
    page.wait()
        .for_element(Locator::Css("input[name='texts[1][title]']"))
        .await
        .unwrap();
    let kept = page
        .find(Locator::Css("input[name='texts[0][title]']"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Amenazas contra defensoras del agua"));
    type_into(page, "texts[1][title]", "Threats against water defenders").await;
    tick(page, "violation_types", "death_threat").await;
    type_into(page, "country", "GT").await;
    type_into(page, "region", "Sololá").await;
    choose(page, "perpetrators[0][category]", "private_security").await;
    choose(page, "urgency", "immediate").await;
    type_into(page, "consent[given_by]", "Rosa Ixcot").await;
    // Date inputs take what the browser's locale makes of keys; set the value.
    page.execute(
        "document.querySelector(\"[name='consent[given_at]']\").value = '2026-01-05';",
        vec![],
    )
    .await
    .unwrap();
    tick(page, "consent[allowed_uses]", "private_advocacy").await;
    type_into(page, "local_only[internal_notes]", "Confirmado por su hermana").await;
    click(page, "#audience-network").await;
    click(page, "#save").await;
    wait_for_path(page, "/view").await;
    let id = page
        .current_url()
        .await
        .unwrap()
        .path()
        .trim_start_matches("/alerts/")
        .trim_end_matches("/view")
        .to_string();
    let (status, alert) = a.node.get(&a.coordinator, &format!("/api/v1/alerts/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{alert}");
    assert_eq!(
        alert["title"],
        json!({"es": "Amenazas contra defensoras del agua", "en": "Threats against water defenders"})
    );
    assert_eq!(alert["defenders"][0]["name"], "Rosa Ixcot");
    assert_eq!(alert["defenders"][0]["woman_defender"], true);
    assert_eq!(alert["violation_types"], json!(["death_threat"]));
    assert_eq!(alert["perpetrators"][0]["category"], "private_security");
    assert_eq!(alert["urgency"], "immediate");
    assert_eq!(alert["audience"], "network");
    assert_eq!(alert["local_only"]["internal_notes"], "Confirmado por su hermana");
    assert_eq!(alert["consent"]["given_at"], "2026-01-05T00:00:00Z");

    // A refusal in the browser: the summary, and the field it names.
    page.goto(&format!("{}/alerts/{id}/edit", a.node.base)).await.unwrap();
    click(page, "#audience-public").await;
    click(page, "#save").await;
    page.wait().for_element(Locator::Id("error-summary")).await.unwrap();
    let invalid: Value = page
        .execute("return document.querySelector('#f-audience-error') !== null;", vec![])
        .await
        .unwrap();
    assert_eq!(invalid, json!(true));

    // The form in English and Arabic, at desktop and phone width.
    let dir = screenshot_dir();
    for (width, height, device) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        page.set_window_size(width, height).await.unwrap();
        for lang in ["en", "ar"] {
            page.goto(&format!("{}/alerts/{id}/edit?lang={lang}", a.node.base))
                .await
                .unwrap();
            let root = page.find(Locator::Css("html")).await.unwrap();
            assert_eq!(root.attr("lang").await.unwrap().as_deref(), Some(lang));
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
            std::fs::write(dir.join(format!("alert-form-{lang}-{device}.png")), png).unwrap();
            // The audience picker, further down the same page.
            page.execute("document.getElementById('f-audience').scrollIntoView();", vec![])
                .await
                .unwrap();
            let png = page.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("alert-form-audience-{lang}-{device}.png")), png).unwrap();
        }
    }
    browser.stop().await;
}
