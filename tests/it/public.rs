//! What the wider fediverse sees of a node without an account: WebFinger by
//! `acct:` name and by actor URL, an organisation's outbox of activities in
//! pages, and activity ids that dereference for those they were addressed
//! to, never carrying what was since withdrawn or narrowed; and the HTML
//! pages browsers get at organisation and alert URLs.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::federation::{Member, peer, titled};
use crate::support::{TestCase, TestEnv, TestNode, deliver_all};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        webfinger_answers_by_acct_and_by_actor_url_per_rfc_7033,
        the_outbox_lists_the_creates_of_public_alerts_in_pages,
        activity_ids_dereference_for_their_audience_only,
        a_retracted_actions_activities_are_gone,
        browsers_get_public_pages_and_servers_documents,
        public_pages_show_nothing_that_is_not_public,
    ]
}

async fn get(node: &TestNode, path: &str, accept: &str) -> (StatusCode, String, Value) {
    let resp = node
        .http
        .get(format!("{}{path}", node.base))
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    (
        status,
        content_type,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Every null anywhere in a document, by its path.
fn nulls(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Null => found.push(path.to_string()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nulls(item, &format!("{path}[{i}]"), found);
            }
        }
        Value::Object(members) => {
            for (key, item) in members {
                nulls(item, &format!("{path}.{key}"), found);
            }
        }
        _ => {}
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn webfinger_answers_by_acct_and_by_actor_url_per_rfc_7033(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let host = a.node.host();
    let (status, group) = a
        .node
        .post(
            &a.admin,
            "/api/v1/groups",
            &json!({"slug": "sahel", "name": "Sahel", "kind": "regional", "languages": ["fr"], "moderators": ["green"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let org_url = a.org_actor();
    let acct = format!("acct:green@{host}");
    let finger = |resource: String| {
        let node = &a.node;
        async move {
            get(
                node,
                &format!("/.well-known/webfinger?resource={}", encode(&resource)),
                "*/*",
            )
            .await
        }
    };

    for (resource, other) in [(acct.clone(), org_url.clone()), (org_url.clone(), acct.clone())] {
        let (status, content_type, jrd) = finger(resource.clone()).await;
        assert_eq!(status, StatusCode::OK, "{resource}: {jrd}");
        assert_eq!(content_type, "application/jrd+json");
        assert_eq!(jrd["subject"], resource, "the subject is the resource asked for");
        assert_eq!(jrd["aliases"], json!([other]));
        let mut found = Vec::new();
        nulls(&jrd, "$", &mut found);
        assert!(found.is_empty(), "no null members: {found:?} in {jrd}");
        let links = jrd["links"].as_array().unwrap();
        let by_rel = |rel: &str| links.iter().find(|l| l["rel"] == rel).cloned().unwrap_or(Value::Null);
        assert_eq!(by_rel("self")["type"], "application/activity+json");
        assert_eq!(by_rel("self")["href"], org_url);
        let page = by_rel("http://webfinger.net/rel/profile-page");
        assert_eq!(page["type"], "text/html");
        assert_eq!(page["href"], org_url);
    }
    // The profile page it names is HTML.
    let page = a
        .node
        .http
        .get(&org_url)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    // rel filters links (RFC 7033 §4.3), and may be given more than once.
    let (_, _, jrd) = get(
        &a.node,
        &format!("/.well-known/webfinger?resource={}&rel=self", encode(&acct)),
        "*/*",
    )
    .await;
    assert_eq!(jrd["links"].as_array().unwrap().len(), 1);
    assert_eq!(jrd["links"][0]["rel"], "self");
    let (_, _, jrd) = get(
        &a.node,
        &format!(
            "/.well-known/webfinger?resource={}&rel=self&rel={}",
            encode(&acct),
            encode("http://webfinger.net/rel/profile-page")
        ),
        "*/*",
    )
    .await;
    assert_eq!(jrd["links"].as_array().unwrap().len(), 2);

    // The instance actor and a group, by either form.
    let instance = format!("{}/actor", a.node.base);
    for resource in [format!("acct:{host}@{host}"), instance.clone()] {
        let (status, _, jrd) = finger(resource.clone()).await;
        assert_eq!(status, StatusCode::OK, "{resource}");
        assert_eq!(jrd["links"][0]["href"], instance);
        assert_eq!(
            jrd["links"][0]["properties"]["https://www.w3.org/ns/activitystreams#type"],
            "Application"
        );
    }
    let group_url = group["uri"].as_str().unwrap().to_string();
    let (status, _, jrd) = finger(group_url.clone()).await;
    assert_eq!(status, StatusCode::OK, "{jrd}");
    assert_eq!(jrd["subject"], group_url);
    assert_eq!(jrd["aliases"], json!([format!("acct:sahel@{host}")]));
    assert_eq!(
        jrd["links"][0]["properties"]["https://www.w3.org/ns/activitystreams#type"],
        "Group"
    );
    let (status, _, jrd) = finger(format!("acct:sahel@{host}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jrd["links"][0]["href"], group_url);

    // Unknown resources are 404; missing or malformed ones 400 with a message.
    for resource in [
        format!("acct:nobody@{host}"),
        "acct:green@elsewhere.example".to_string(),
        format!("{}/orgs/nobody", a.node.base),
        format!("{}/orgs/green/outbox", a.node.base),
        "https://elsewhere.example/orgs/green".to_string(),
    ] {
        let (status, _, _) = finger(resource.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{resource}");
    }
    for query in ["", "?resource=", "?resource=acct:green", "?resource=not%20a%20uri"] {
        let (status, _, body) = get(&a.node, &format!("/.well-known/webfinger{query}"), "*/*").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            !body["error"].as_str().unwrap_or_default().is_empty(),
            "{query}: {body}"
        );
    }
}

async fn the_outbox_lists_the_creates_of_public_alerts_in_pages(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    // Nobody to send to: the Creates are recorded all the same.
    let mut public = Vec::new();
    for n in 0..22 {
        public.push(a.publish(titled(&format!("Public {n}"), "public")).await);
        a.node.clock.advance(chrono::Duration::seconds(1));
    }
    a.publish(titled("Network only", "network")).await;
    let (status, _, outbox) = get(&a.node, "/orgs/green/outbox", "application/activity+json").await;
    assert_eq!(status, StatusCode::OK);
    let outbox_url = format!("{}/orgs/green/outbox", a.node.base);
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 22);
    assert_eq!(outbox["first"], format!("{outbox_url}?page=1"));
    assert_eq!(outbox["last"], format!("{outbox_url}?page=2"));

    let (_, _, first) = get(&a.node, "/orgs/green/outbox?page=1", "application/activity+json").await;
    assert_eq!(first["type"], "OrderedCollectionPage");
    assert_eq!(first["partOf"], outbox_url);
    assert_eq!(first["next"], format!("{outbox_url}?page=2"));
    assert!(first.get("prev").is_none());
    let items = first["orderedItems"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    let newest = &items[0];
    assert_eq!(newest["type"], "Create");
    assert_eq!(newest["actor"], a.org_actor());
    assert!(
        newest["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/activities/", a.node.base))
    );
    assert!(newest["published"].is_string());
    assert!(
        newest["to"]
            .as_array()
            .unwrap()
            .contains(&json!("https://www.w3.org/ns/activitystreams#Public"))
    );
    assert_eq!(newest["object"]["id"], format!("{}/alerts/{}", a.node.base, public[21]));
    assert_eq!(newest["object"]["name"], "Public 21");
    assert!(newest["proof"]["proofValue"].is_string() && newest["object"]["proof"]["proofValue"].is_string());
    assert!(!first.to_string().contains("SECRET"), "nothing local-only");
    let (_, _, second) = get(&a.node, "/orgs/green/outbox?page=2", "application/activity+json").await;
    let rest = second["orderedItems"].as_array().unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[1]["object"]["name"], "Public 0");
    assert_eq!(second["prev"], format!("{outbox_url}?page=1"));
    assert!(second.get("next").is_none());
    assert!(!second.to_string().contains("Network only"));

    // Each listed id serves the same activity to anyone.
    let path = newest["id"]
        .as_str()
        .unwrap()
        .strip_prefix(&a.node.base)
        .unwrap()
        .to_string();
    let (status, content_type, fetched) = get(&a.node, &path, "application/activity+json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/activity+json");
    assert_eq!(fetched["object"]["name"], "Public 21");
    assert_eq!(fetched["id"], newest["id"]);

    for bad in ["0", "-1", "x", ""] {
        let (status, _, body) = get(&a.node, &format!("/orgs/green/outbox?page={bad}"), "*/*").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "page={bad}: {body}");
    }
    let (status, _, _) = get(&a.node, "/orgs/nobody/outbox", "*/*").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn activity_ids_dereference_for_their_audience_only(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    let stranger = Member::spawn(&env, "gold").await;
    peer(&a, &b, "connected").await;
    let network = a.publish(titled("Network activity", "network")).await;
    let public = a.publish(titled("Public activity", "public")).await;
    deliver_all(&[&a.node, &b.node]).await;
    let create_of = |alert: String| {
        let pool = a.node.db().pool.clone();
        async move {
            let (id,): (String,) = sqlx::query_as(
                "SELECT id FROM outbox_activities WHERE kind = 'Create' AND object_id = $1 ORDER BY seq LIMIT 1",
            )
            .bind(alert)
            .fetch_one(&pool)
            .await
            .unwrap();
            id
        }
    };
    let network_create = create_of(network.clone()).await;
    let public_create = create_of(public.clone()).await;
    let fetch_as = |by: &TestNode, id: &str| {
        let url = url::Url::parse(id).unwrap();
        let state = by.state.clone();
        async move {
            let data = tadamun::federation::data(&state).await.unwrap();
            activitypub_federation::fetch::fetch_object_http::<_, Value>(&url, &data)
                .await
                .map(|r| r.object)
        }
    };
    let unsigned = |id: &str| {
        let http = a.node.http.clone();
        let id = id.to_string();
        async move {
            let resp = http
                .get(id)
                .header("accept", "application/activity+json")
                .send()
                .await
                .unwrap();
            let status = resp.status();
            (status, resp.text().await.unwrap())
        }
    };

    // Public: anyone. Network: only a signed GET by a node it was sent to.
    let (status, text) = unsigned(&public_create).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("Public activity") && !text.contains("SECRET"));
    let (status, text) = unsigned(&network_create).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!text.contains("Network activity"));
    let fetched = fetch_as(&b.node, &network_create)
        .await
        .expect("B got it, so B may fetch it");
    assert_eq!(fetched["type"], "Create");
    assert_eq!(fetched["object"]["name"], "Network activity");
    assert!(
        fetch_as(&stranger.node, &network_create).await.is_err(),
        "never sent to the stranger"
    );
    let (status, _) = unsigned(&format!("{}/activities/{}", a.node.base, uuid::Uuid::now_v7())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An edit reaches the activities too: the old text is not served.
    let edited = json!({"title": {"en": "Network activity, edited"}, "body": {"en": "<p>Corrected.</p>"}});
    let (status, body) = a
        .node
        .patch(&a.coordinator, &format!("/api/v1/alerts/{network}"), &edited)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fetched = fetch_as(&b.node, &network_create).await.unwrap();
    assert_eq!(fetched["object"]["name"], "Network activity, edited");
    assert!(!fetched.to_string().contains("threatened"));

    // Narrowed below the public: the public Create is no longer anyone's.
    let narrowed = json!({"audience": "network"});
    let (status, body) = a
        .node
        .patch(&a.coordinator, &format!("/api/v1/alerts/{public}"), &narrowed)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, text) = unsigned(&public_create).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!text.contains("Public activity"));

    // Withdrawn: 410 with the tombstone, to those it was addressed to.
    let (status, _) = a
        .node
        .post(
            &a.coordinator,
            &format!("/api/v1/alerts/{network}/withdraw"),
            &json!({"reason": "consent"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    deliver_all(&[&a.node, &b.node]).await;
    match fetch_as(&b.node, &network_create).await {
        Err(activitypub_federation::error::Error::ObjectDeleted(_)) => {}
        other => panic!("a withdrawn alert's Create is gone: {other:?}"),
    }
    let raw = a.node.http.get(&network_create).send().await.unwrap();
    assert_eq!(raw.status(), StatusCode::NOT_FOUND, "still nobody else's");
    // Its Delete carries no content and is served to B.
    let (delete,): (String,) = sqlx::query_as(
        "SELECT id FROM outbox_activities WHERE kind = 'Delete' AND object_id = $1 ORDER BY seq LIMIT 1",
    )
    .bind(&network)
    .fetch_one(&a.node.db().pool)
    .await
    .unwrap();
    let fetched = fetch_as(&b.node, &delete).await.expect("the Delete is B's");
    assert_eq!(fetched["type"], "Delete");
    assert_eq!(fetched["object"]["type"], "Tombstone");
    assert!(!fetched.to_string().contains("Network activity"));

    // A blocked node loses access to what it was sent.
    a.set_peer(&b.node.host(), "blocked").await;
    assert!(fetch_as(&b.node, &delete).await.is_err());
}

async fn a_retracted_actions_activities_are_gone(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    a.publish(titled("Answered by statements", "network")).await;
    deliver_all(&[&a.node, &b.node]).await;
    let on_b = crate::actions::network_id(&b, "Answered by statements").await;
    let (status, action) = b
        .node
        .post(
            &b.coordinator,
            &format!("/api/v1/network/alerts/{on_b}/actions"),
            &json!({"kind": "statement", "shareable": true, "content": {"en": "<p>RETRACTED-TEXT</p>"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    deliver_all(&[&a.node, &b.node]).await;
    let (create,): (String,) =
        sqlx::query_as("SELECT id FROM outbox_activities WHERE kind = 'Create' AND object_id = $1")
            // Our own actions' activities name the action by its id here.
            .bind(action["id"].as_str().unwrap())
            .fetch_one(&b.node.db().pool)
            .await
            .unwrap();
    let fetch_by_a = || {
        let url = url::Url::parse(&create).unwrap();
        let state = a.node.state.clone();
        async move {
            let data = tadamun::federation::data(&state).await.unwrap();
            activitypub_federation::fetch::fetch_object_http::<_, Value>(&url, &data)
                .await
                .map(|r| r.object)
        }
    };
    let fetched = fetch_by_a().await.expect("the origin got it, so it may fetch it");
    assert!(fetched.to_string().contains("RETRACTED-TEXT"));
    let unsigned = b.node.http.get(&create).send().await.unwrap();
    assert_eq!(unsigned.status(), StatusCode::NOT_FOUND, "not addressed to the public");

    let (status, _) = b
        .node
        .call(
            reqwest::Method::DELETE,
            Some(&b.coordinator),
            &format!("/api/v1/actions/{}", action["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    match fetch_by_a().await {
        Err(activitypub_federation::error::Error::ObjectDeleted(_)) => {}
        other => panic!("a retracted action's Create is gone: {other:?}"),
    }
}

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn page(
    node: &TestNode,
    path: &str,
    accept: &str,
    language: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let mut request = node.http.get(format!("{}{path}", node.base)).header("accept", accept);
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    let resp = request.send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.text().await.unwrap())
}

async fn browsers_get_public_pages_and_servers_documents(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let id = a.publish(titled("Defender detained in Oaxaca", "public")).await;
    let alert_path = format!("/alerts/{id}");

    // Browsers get HTML, by q-values; servers and clients without Accept JSON.
    for path in ["/orgs/green", alert_path.as_str()] {
        let (status, headers, html) = page(&a.node, path, BROWSER_ACCEPT, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            headers["content-type"].to_str().unwrap().starts_with("text/html"),
            "{path}"
        );
        assert!(html.contains("Defender detained in Oaxaca"), "{path}: {html}");
        assert!(html.contains(r#"<html lang="en" dir="ltr">"#), "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(headers["vary"].to_str().unwrap().contains("Accept"));
        assert!(!html.contains("<script"));
        for accept in [
            "application/activity+json",
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
            "text/html;q=0.5, application/activity+json",
            "*/*",
        ] {
            let (status, headers, body) = page(&a.node, path, accept, None).await;
            assert_eq!(status, StatusCode::OK, "{path} {accept}");
            assert_eq!(headers["content-type"], "application/activity+json", "{path} {accept}");
            assert!(headers["vary"].to_str().unwrap().contains("Accept"));
            serde_json::from_str::<Value>(&body).unwrap();
        }
        let resp = a.node.http.get(format!("{}{path}", a.node.base)).send().await.unwrap();
        assert_eq!(
            resp.headers()["content-type"],
            "application/activity+json",
            "no Accept: JSON as before"
        );
    }

    // The organisation's page links its public alerts.
    let (_, _, html) = page(&a.node, "/orgs/green", BROWSER_ACCEPT, None).await;
    assert!(html.contains(&format!("href=\"/alerts/{id}?lang=en\"")), "{html}");
    assert!(html.contains("Org green"));
    assert!(html.contains("Public alerts"));

    // The alert's page: its facts as translated labels, its requested action.
    let (_, _, html) = page(&a.node, &alert_path, BROWSER_ACCEPT, None).await;
    for shown in [
        "Immediate",
        "Open",
        "Guatemala",
        "Write a letter",
        "Attorney General",
        "<b>threatened</b>",
        "href=\"/orgs/green?lang=en\"",
    ] {
        assert!(html.contains(shown), "{shown} in {html}");
    }
    assert!(
        !html.contains(">immediate<") && !html.contains(">open<"),
        "no raw vocabulary keys"
    );

    // Language: ?lang= first, then Accept-Language by weight, else English.
    let (_, _, html) = page(&a.node, &format!("{alert_path}?lang=ar"), BROWSER_ACCEPT, Some("fr")).await;
    assert!(html.contains(r#"<html lang="ar" dir="rtl">"#));
    assert!(html.contains("فوري"), "the urgency in Arabic");
    assert!(html.contains("مفتوح"), "the status in Arabic");
    let (_, _, html) = page(&a.node, &alert_path, BROWSER_ACCEPT, Some("de, es;q=0.9, fr;q=0.5")).await;
    assert!(html.contains(r#"<html lang="es" dir="ltr">"#));
    assert!(html.contains("Inmediata"));
    let (_, _, html) = page(&a.node, "/orgs/green", BROWSER_ACCEPT, Some("fr-FR")).await;
    assert!(html.contains(r#"<html lang="fr" dir="ltr">"#));
    assert!(html.contains("Alertes publiques"));
    // Every language is one plain link away.
    for lang in ["en", "ar", "es"] {
        assert!(html.contains(&format!("href=\"/orgs/green?lang={lang}\"")), "{lang}");
    }
    assert!(
        !html.contains("href=\"/orgs/green?lang=fr\""),
        "the language shown is not a link"
    );
    let (status, _, _) = page(&a.node, "/orgs/nobody", BROWSER_ACCEPT, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn public_pages_show_nothing_that_is_not_public(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let public = a.publish(titled("Public and shown", "public")).await;
    let network = a.publish(titled("Network only NOT-PUBLIC", "network")).await;
    let trusted = a.publish(titled("Trusted only NOT-PUBLIC", "trusted")).await;
    let (status, draft) = a
        .node
        .post(&a.coordinator, "/api/v1/alerts", &titled("Draft NOT-PUBLIC", "public"))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let draft = draft["id"].as_str().unwrap().to_string();
    let withdrawn = a.publish(titled("Withdrawn NOT-PUBLIC", "public")).await;
    let (status, _) = a
        .node
        .post(
            &a.coordinator,
            &format!("/api/v1/alerts/{withdrawn}/withdraw"),
            &json!({"reason": "consent"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let unknown_id = uuid::Uuid::now_v7().to_string();
    let (_, _, unknown) = page(&a.node, &format!("/alerts/{unknown_id}"), BROWSER_ACCEPT, None).await;
    // The language switcher names the page's own path; nothing else differs.
    let unknown = unknown.replace(&unknown_id, "ID");
    for id in [&network, &trusted, &draft] {
        let (status, _, html) = page(&a.node, &format!("/alerts/{id}"), BROWSER_ACCEPT, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
        assert_eq!(
            html.replace(id.as_str(), "ID"),
            unknown,
            "the same page as for an alert that does not exist"
        );
    }
    let (status, _, html) = page(&a.node, &format!("/alerts/{withdrawn}"), BROWSER_ACCEPT, None).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("withdrawn"), "{html}");
    let (status, _, html) = page(&a.node, &format!("/alerts/{withdrawn}?lang=ar"), BROWSER_ACCEPT, None).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("سحب"), "{html}");

    let mut everything = String::new();
    for lang in ["en", "ar", "fr", "es"] {
        for path in [
            format!("/orgs/green?lang={lang}"),
            format!("/alerts/{public}?lang={lang}"),
            format!("/alerts/{withdrawn}?lang={lang}"),
        ] {
            let (_, _, html) = page(&a.node, &path, BROWSER_ACCEPT, None).await;
            everything.push_str(&html);
        }
    }
    assert!(everything.contains("Public and shown"));
    for secret in [
        "NOT-PUBLIC",
        "SECRET",
        "green-coord",
        "green-admin",
        "the community council",
        "Near the river crossing",
    ] {
        assert!(!everything.contains(secret), "{secret} is not public");
    }
}
