//! Sign-in, two factors, tokens, and the admin's account management.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tadamun::domain::vocab::Role;

use crate::support::{SendChecked, TestCase, TestEnv, TestNode};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        a_chosen_language_is_kept_on_the_account,
        sign_in_with_password_and_second_factor,
        tokens_are_listed_and_revoked,
        admins_manage_organisations_and_staff,
        health_and_readiness,
        organisations_on_one_node_are_walled_off,
        guessing_is_slowed_and_stopped,
        a_client_address_is_stopped_and_unlocked_from_the_cli,
        one_answer_and_one_time_codes,
        recovery_codes_and_re_enrolment,
        second_factors_are_sealed_at_rest,
        tokens_end_and_admins_end_their_staffs_sign_ins,
        upgrading_keeps_everyones_access,
    ]
}

fn totp_secret(uri: &str) -> String {
    let query = uri.split('?').nth(1).unwrap();
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .unwrap()
        .to_string()
}

async fn sign_in_with_password_and_second_factor(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let (_, none) = node
        .staff_with_password("green", Role::Member, "mia", "a long member password")
        .await;
    assert!(none.is_none(), "members do not need a second factor");
    let (_, uri) = node
        .staff_with_password("green", Role::Coordinator, "cora", "a long coordinator password")
        .await;
    let uri = uri.expect("coordinators get a TOTP enrolment");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");

    let sign_in =
        async |body: serde_json::Value| node.call(Method::POST, None, "/api/v1/auth/token", Some(&body)).await;
    let (status, ok) = sign_in(json!({"username": "mia", "password": "a long member password"})).await;
    assert_eq!(status, StatusCode::CREATED, "{ok}");
    let token = ok["token"].as_str().unwrap().to_string();
    let (status, me) = node.get(&token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "mia");
    assert_eq!(me["org"], "green");

    let (status, _) = sign_in(json!({"username": "mia", "password": "wrong password!"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = sign_in(json!({"username": "nobody", "password": "a long member password"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Roles that publish sign in with two factors.
    let (status, _) = sign_in(json!({"username": "cora", "password": "a long coordinator password"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) =
        sign_in(json!({"username": "cora", "password": "a long coordinator password", "totp_code": "000000"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let code = tadamun::services::accounts::current_totp_code(&totp_secret(&uri), node.clock_now()).unwrap();
    let (status, ok) =
        sign_in(json!({"username": "cora", "password": "a long coordinator password", "totp_code": code})).await;
    assert_eq!(status, StatusCode::CREATED, "{ok}");
    let (status, _) = sign_in(json!({"username": "cora", "password": "wrong password!", "totp_code": code})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    node.stop().await;
}

async fn tokens_are_listed_and_revoked(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let first = node.staff("green", Role::Member, "mia").await;
    let (status, made) = node.post(&first, "/api/v1/tokens", &json!({"name": "laptop"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let second = made["token"].as_str().unwrap().to_string();
    let second_id = made["token_info"]["id"].as_str().unwrap().to_string();
    assert!(second.starts_with("tdm_"));

    let (_, list) = node.get(&second, "/api/v1/tokens").await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["test", "laptop"]);
    assert!(!list.to_string().contains(&second), "a token is shown only once");
    let stored: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM api_tokens")
        .fetch_all(&node.db().pool)
        .await
        .unwrap();
    assert!(
        stored.iter().all(|(h,)| h.len() == 64 && !h.starts_with("tdm_")),
        "stored hashed"
    );

    let (status, _) = node
        .call(
            Method::DELETE,
            Some(&first),
            &format!("/api/v1/tokens/{second_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = node.get(&second, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked");
    let (status, _) = node.get(&first, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "other tokens unaffected");
    let (status, _) = node
        .call(
            Method::DELETE,
            Some(&first),
            &format!("/api/v1/tokens/{second_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Someone else's token cannot be revoked by id.
    let other = node.staff("green", Role::Member, "max").await;
    let (_, theirs) = node.get(&other, "/api/v1/tokens").await;
    let their_id = theirs["items"][0]["id"].as_str().unwrap();
    let (status, _) = node
        .call(
            Method::DELETE,
            Some(&first),
            &format!("/api/v1/tokens/{their_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = node.post(&first, "/api/v1/tokens", &json!({"name": ""})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    node.stop().await;
}

async fn admins_manage_organisations_and_staff(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let admin = node.staff("green", Role::Admin, "ada").await;

    let (status, org) = node
        .post(
            &admin,
            "/api/v1/orgs",
            &json!({"slug": "prodesc", "name": "ProDESC", "alert_prefix": "URG"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    let (status, dup) = node
        .post(&admin, "/api/v1/orgs", &json!({"slug": "prodesc", "name": "Again"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{dup}");
    let (status, bad) = node
        .post(
            &admin,
            "/api/v1/orgs",
            &json!({"slug": "Bad Slug", "name": "", "alert_prefix": "s"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["slug", "name", "alert_prefix"] {
        assert!(bad["fields"][field].is_string(), "{field}: {bad}");
    }

    // The operator adds an organisation's first admin, and no one else in it.
    let new_user =
        json!({"username": "pablo", "org": "prodesc", "role": "coordinator", "password": "a long enough password"});
    let (status, refused) = node.post(&admin, "/api/v1/users", &new_user).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, made) = node
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "paz", "org": "prodesc", "role": "admin", "password": "a long enough password"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["user"]["node_operator"], false);
    assert_eq!(made["recovery_codes"].as_array().unwrap().len(), 10, "{made}");
    let (status, _) = node
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "paz2", "org": "prodesc", "role": "admin", "password": "a long enough password"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "prodesc has an admin now: its admin adds staff"
    );
    let paz_id = made["user"]["id"].as_str().unwrap().to_string();
    let operator = admin;
    let admin = tadamun::services::accounts::issue_token(&node.state, &paz_id, "t", None, node.clock_now())
        .await
        .unwrap()
        .0;

    let (status, made) = node.post(&admin, "/api/v1/users", &new_user).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert!(made["totp_uri"].as_str().unwrap().starts_with("otpauth://"));
    assert_eq!(made["user"]["two_factor"], true);
    let pablo_id = made["user"]["id"].as_str().unwrap().to_string();
    let (status, _) = node.post(&admin, "/api/v1/users", &new_user).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, bad) = node
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "x", "org": "nowhere", "role": "boss", "password": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad["fields"]["role"].is_string(), "{bad}");
    let (status, bad) = node
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "x", "org": "nowhere", "role": "member", "password": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["username", "org", "password"] {
        assert!(bad["fields"][field].is_string(), "{field}: {bad}");
    }

    // Alerts of the new organisation use its prefix.
    let pablo_token = tadamun::services::accounts::issue_token(&node.state, &pablo_id, "t", None, node.clock_now())
        .await
        .unwrap()
        .0;
    let (status, alert) = node
        .post(&pablo_token, "/api/v1/alerts", &crate::support::alert_body())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(alert["number"].as_str().unwrap().starts_with("URG-"));

    // Promotion to a role that needs two factors ends tokens made without them.
    let (_, mia) = node
        .post(
            &admin,
            "/api/v1/users",
            &json!({"username": "mia", "org": "prodesc", "role": "member", "password": "a long enough password"}),
        )
        .await;
    let mia_id = mia["user"]["id"].as_str().unwrap().to_string();
    let mia_token = tadamun::services::accounts::issue_token(&node.state, &mia_id, "t", None, node.clock_now())
        .await
        .unwrap()
        .0;
    let (status, promoted) = node
        .patch(
            &admin,
            &format!("/api/v1/users/{mia_id}"),
            &json!({"role": "coordinator"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        promoted["totp_uri"].as_str().unwrap().starts_with("otpauth://"),
        "{promoted}"
    );
    let (status, _) = node.get(&mia_token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old token no longer works");

    let (status, changed) = node
        .patch(&admin, &format!("/api/v1/users/{pablo_id}"), &json!({"role": "viewer"}))
        .await;
    assert_eq!(
        (status, changed["user"]["role"].as_str()),
        (StatusCode::OK, Some("viewer"))
    );
    let (status, _) = node
        .post(&pablo_token, "/api/v1/alerts", &crate::support::alert_body())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the new role applies at once");
    let (status, _) = node
        .patch(&admin, &format!("/api/v1/users/{pablo_id}"), &json!({"disabled": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = node.get(&pablo_token, "/api/v1/me").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "disabled accounts' tokens stop working"
    );

    let (_, me) = node.get(&admin, "/api/v1/me").await;
    let admin_id = me["user"]["id"].as_str().unwrap();
    let (status, _) = node
        .patch(&admin, &format!("/api/v1/users/{admin_id}"), &json!({"disabled": true}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "an admin cannot lock themselves out");

    let (_, users) = node.get(&admin, "/api/v1/users").await;
    assert_eq!(users["items"].as_array().unwrap().len(), 3);
    let (_, orgs) = node.get(&admin, "/api/v1/orgs").await;
    assert_eq!(orgs["items"].as_array().unwrap().len(), 2);
    let (status, _) = node
        .post(&admin, "/api/v1/orgs", &json!({"slug": "another", "name": "Another"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the operator adds organisations");
    let (_, users) = node.get(&operator, "/api/v1/users").await;
    assert_eq!(
        users["items"].as_array().unwrap().len(),
        1,
        "the operator lists their own organisation's staff only: {users}"
    );
    let (status, bad) = node.get(&admin, "/api/v1/audit?limit=ten&offset=-1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(
        bad["fields"]["limit"].is_string() && bad["fields"]["offset"].is_string(),
        "{bad}"
    );
    let (_, audit) = node.get(&admin, "/api/v1/audit").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for expected in ["org.create", "user.create", "user.role", "user.disable"] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    node.stop().await;
}

async fn health_and_readiness(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    for (path, expected) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let resp = node.http.get(format!("{}{path}", node.base)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.text().await.unwrap(), expected);
    }
    if env.backend == crate::support::Backend::Sqlite {
        // What makes a committed alert survive a crash or power loss.
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&node.db().pool)
            .await
            .unwrap();
        let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&node.db().pool)
            .await
            .unwrap();
        let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(&node.db().pool)
            .await
            .unwrap();
        assert_eq!(
            (mode.as_str(), sync, fk),
            ("wal", 2, 1),
            "WAL, synchronous=FULL, foreign keys on"
        );
    }
    // Not ready when the migrations are not all there.
    sqlx::query("DELETE FROM _sqlx_migrations")
        .execute(&node.db().pool)
        .await
        .unwrap();
    let resp = node.http.get(format!("{}/readyz", node.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    node.stop().await;
}

/// `POST /api/v1/auth/token` as a client sends it: status, `Retry-After`, body.
async fn sign_in_raw(node: &TestNode, body: serde_json::Value) -> (StatusCode, Option<u64>, serde_json::Value) {
    let resp = node
        .http
        .post(format!("{}/api/v1/auth/token", node.base))
        .json(&body)
        .send_checked()
        .await
        .unwrap();
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (status, retry_after, resp.json().await.unwrap_or_default())
}

/// The browser sign-in form's answer: status and `Retry-After`.
async fn login_form(node: &TestNode, username: &str, password: &str) -> (StatusCode, Option<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = crate::support::post_login(
        &client,
        &node.base,
        &[("username", username), ("password", password), ("next", "/groups")],
    )
    .await;
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (resp.status(), retry)
}

async fn user_id(node: &TestNode, username: &str) -> String {
    tadamun::db::accounts::find_user_by_username(node.db(), username)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn count(node: &TestNode, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&node.db().pool).await.unwrap();
    n
}

async fn organisations_on_one_node_are_walled_off(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    // The node's first admin (green's) operates it; blue is a partner hosted here.
    let ada = node.staff("green", Role::Admin, "ada").await;
    let gus = node.staff("green", Role::Coordinator, "gus").await;
    let bea = node.staff("blue", Role::Admin, "bea").await;
    let _ = node.staff("blue", Role::Member, "bo").await;
    let (_, me) = node.get(&bea, "/api/v1/me").await;
    assert_eq!(me["user"]["node_operator"], false, "{me}");
    let (_, me) = node.get(&ada, "/api/v1/me").await;
    assert_eq!(me["user"]["node_operator"], true, "{me}");

    // Green's draft with local-only details, and a withdrawal with a note.
    let mut body = crate::support::alert_body();
    body["local_only"] = json!({"exact_location": "the safe house on 5th street"});
    let (status, draft) = node.post(&gus, "/api/v1/alerts", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let draft_id = draft["id"].as_str().unwrap().to_string();
    let (_, withdrawn) = node.post(&gus, "/api/v1/alerts", &crate::support::alert_body()).await;
    let (status, _) = node
        .post(
            &gus,
            &format!("/api/v1/alerts/{}/withdraw", withdrawn["id"].as_str().unwrap()),
            &json!({"reason": "the family asked us to, after threats to Rosa"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let gus_id = user_id(&node, "gus").await;
    let users_before = count(&node, "SELECT COUNT(*) FROM users").await;

    // Blue's admin sees and changes nothing of green's.
    let (_, users) = node.get(&bea, "/api/v1/users").await;
    let names: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bea", "bo"], "only blue's staff");
    let (status, _) = node
        .post(
            &bea,
            "/api/v1/users",
            &json!({"username": "mole", "org": "green", "role": "admin", "password": "a long enough password"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for change in [json!({"role": "viewer"}), json!({"disabled": true})] {
        let (status, _) = node.patch(&bea, &format!("/api/v1/users/{gus_id}"), &change).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{change}");
    }
    let (status, _) = node.get(&bea, &format!("/api/v1/users/{gus_id}/tokens")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = node
        .post(&bea, &format!("/api/v1/users/{gus_id}/sign-out"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = node.get(&bea, &format!("/api/v1/alerts/{draft_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for path in ["/api/v1/peers", "/api/v1/deliveries/summary", "/api/v1/metrics"] {
        let (status, _) = node.get(&bea, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _) = node
        .post(&bea, "/api/v1/orgs", &json!({"slug": "mine", "name": "Mine"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = node
        .post(
            &bea,
            "/api/v1/groups",
            &json!({"slug": "g", "name": "G", "description": "", "kind": "regional", "languages": ["en"], "moderators": ["blue"]}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "groups are the node's");
    let (_, audit) = node.get(&bea, "/api/v1/audit?limit=500").await;
    let text = audit.to_string();
    assert!(
        !text.contains("gus") && !text.contains("Rosa") && !text.contains("alert.withdraw"),
        "blue reads only its own audit entries: {audit}"
    );
    assert!(text.contains("\"bo\""), "{audit}");
    // Nothing changed.
    assert_eq!(count(&node, "SELECT COUNT(*) FROM users").await, users_before);
    let (status, me) = node.get(&gus, "/api/v1/me").await;
    assert_eq!(
        (status, me["user"]["role"].as_str()),
        (StatusCode::OK, Some("coordinator"))
    );

    // The operator sees the node-wide log, other organisations' entries
    // without their details, and no organisation's local-only data.
    let bea_id = user_id(&node, "bea").await;
    let (_, audit) = node.get(&ada, "/api/v1/audit?limit=500").await;
    let items = audit["items"].as_array().unwrap();
    let blue_entry = items
        .iter()
        .find(|e| e["subject"] == "bo")
        .expect("blue's entries are listed");
    assert_eq!(
        (blue_entry["org"].as_str(), &blue_entry["detail"]),
        (Some("blue"), &json!(null))
    );
    let green_withdrawal = items
        .iter()
        .find(|e| e["action"] == "alert.withdraw")
        .expect("green's own entries");
    assert!(green_withdrawal["detail"].as_str().unwrap().contains("Rosa"));
    let (status, _) = node
        .patch(&ada, &format!("/api/v1/users/{bea_id}"), &json!({"disabled": true}))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the operator does not manage blue's staff"
    );
    let (_, blue_alert) = node.post(&bea, "/api/v1/alerts", &body).await;
    let (status, _) = node
        .get(&ada, &format!("/api/v1/alerts/{}", blue_alert["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nor reads blue's drafts");
    node.stop().await;
}

async fn guessing_is_slowed_and_stopped(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let operator = node.staff("green", Role::Admin, "ada").await;
    node.staff_with_password("green", Role::Member, "mia", "the right password")
        .await;
    let right = json!({"username": "mia", "password": "the right password"});
    let wrong = json!({"username": "mia", "password": "a wrong password"});
    for _ in 0..10 {
        let (status, _, _) = sign_in_raw(&node, wrong.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is refused, with when to come back.
    let (status, retry, body) = sign_in_raw(&node, right.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let retry = retry.expect("Retry-After");
    assert!((1..=900).contains(&retry), "{retry}");
    let (status, retry_page) = login_form(&node, "mia", "the right password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_page.is_some());
    // Lockouts are audited, once.
    let (_, audit) = node.get(&operator, "/api/v1/audit?limit=500").await;
    let lockouts: Vec<_> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "sign_in.lockout" && e["subject"] == "mia")
        .collect();
    assert_eq!(lockouts.len(), 1, "{audit}");
    // The window slides: once the failures have aged out, the right password works.
    node.clock.advance(chrono::Duration::seconds(retry as i64 - 5));
    let (status, _, _) = sign_in_raw(&node, right.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "not before Retry-After");
    node.clock.advance(chrono::Duration::seconds(6));
    let (status, _, body) = sign_in_raw(&node, right.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    node.stop().await;
}

async fn a_client_address_is_stopped_and_unlocked_from_the_cli(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    node.staff_with_password("green", Role::Member, "mia", "the right password")
        .await;
    // Twenty guesses at twenty accounts from one address.
    for i in 0..20 {
        let (status, _, _) = sign_in_raw(
            &node,
            json!({"username": format!("guess{i}"), "password": "letmein123456"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let right = json!({"username": "mia", "password": "the right password"});
    let (status, retry, _) = sign_in_raw(&node, right.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry.is_some());
    // The operator lifts it from the command line, on the node's database.
    let out = crate::cli::run_ok(&mut crate::cli::tadamun(
        &[
            "admin",
            "unlock",
            "--address",
            "127.0.0.1",
            "--database-url",
            &node.state.config.database_url,
        ],
        &env.temp_dir(),
    ));
    assert!(out.contains("20 failed sign-ins forgotten"), "{out}");
    let (status, _, body) = sign_in_raw(&node, right).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Unlocking with nothing to unlock says what is missing.
    let out = crate::cli::tadamun(
        &["admin", "unlock", "--database-url", &node.state.config.database_url],
        &env.temp_dir(),
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--username"));
    node.stop().await;
}

async fn one_answer_and_one_time_codes(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let (_, uri) = node
        .staff_with_password("green", Role::Coordinator, "cora", "the right password")
        .await;
    let secret = totp_secret(&uri.unwrap());
    // A right password without its code reads exactly like a wrong password.
    let (s1, _, no_code) = sign_in_raw(&node, json!({"username": "cora", "password": "the right password"})).await;
    let (s2, _, wrong) = sign_in_raw(&node, json!({"username": "cora", "password": "a wrong password"})).await;
    let (s3, _, nobody) = sign_in_raw(&node, json!({"username": "nobody", "password": "a wrong password"})).await;
    assert_eq!(
        (s1, s2, s3),
        (
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED
        )
    );
    assert_eq!(no_code, wrong);
    assert_eq!(wrong, nobody);
    let (s4, _) = login_form(&node, "cora", "the right password").await;
    assert_eq!(s4, StatusCode::UNAUTHORIZED);

    // A code is good once.
    let code = tadamun::services::accounts::current_totp_code(&secret, node.clock_now()).unwrap();
    let with_code = json!({"username": "cora", "password": "the right password", "totp_code": code});
    let (status, _, body) = sign_in_raw(&node, with_code.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _, body) = sign_in_raw(&node, with_code.clone()).await;
    assert_eq!(
        (status, &body),
        (StatusCode::UNAUTHORIZED, &wrong),
        "the same code again"
    );
    // An earlier code (still within the clock skew allowed) is refused too.
    let earlier =
        tadamun::services::accounts::current_totp_code(&secret, node.clock_now() - chrono::Duration::seconds(30))
            .unwrap();
    let (status, _, _) = sign_in_raw(
        &node,
        json!({"username": "cora", "password": "the right password", "totp_code": earlier}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The next time step's code works.
    node.clock.advance(chrono::Duration::seconds(30));
    let next = tadamun::services::accounts::current_totp_code(&secret, node.clock_now()).unwrap();
    let (status, _, body) = sign_in_raw(
        &node,
        json!({"username": "cora", "password": "the right password", "totp_code": next}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    node.stop().await;
}

async fn recovery_codes_and_re_enrolment(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let ada = node.staff("green", Role::Admin, "ada").await;
    let (status, made) = node
        .post(
            &ada,
            "/api/v1/users",
            &json!({"username": "cora", "org": "green", "role": "coordinator", "password": "the right password"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let codes: Vec<String> = made["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    let stored: Vec<(String,)> = sqlx::query_as("SELECT code_hash FROM recovery_codes")
        .fetch_all(&node.db().pool)
        .await
        .unwrap();
    assert!(
        stored.iter().all(|(h,)| !codes.iter().any(|c| h.contains(c.as_str()))),
        "only hashes are kept"
    );
    let with = |code: &str| json!({"username": "cora", "password": "the right password", "totp_code": code});
    let (status, _, body) = sign_in_raw(&node, with(&codes[0].to_uppercase())).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a recovery code stands for the code: {body}"
    );
    let token = body["token"].as_str().unwrap().to_string();
    let (status, _, _) = sign_in_raw(&node, with(&codes[0])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a recovery code works once");
    let (_, me) = node.get(&token, "/api/v1/me").await;
    assert_eq!(me["recovery_codes_left"], 9);

    // Re-enrolment: the password again, then a new secret and new codes; the old ones end.
    let (status, bad) = node
        .post(&token, "/api/v1/me/two-factor", &json!({"password": "not it at all"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let old_secret = totp_secret(made["totp_uri"].as_str().unwrap());
    let (status, renewed) = node
        .post(
            &token,
            "/api/v1/me/two-factor",
            &json!({"password": "the right password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    let new_secret = totp_secret(renewed["totp_uri"].as_str().unwrap());
    assert_ne!(new_secret, old_secret);
    let (status, _, _) = sign_in_raw(&node, with(&codes[1])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "old recovery codes end");
    let old_code = tadamun::services::accounts::current_totp_code(&old_secret, node.clock_now()).unwrap();
    let (status, _, _) = sign_in_raw(&node, with(&old_code)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old secret ends");
    let new_code = tadamun::services::accounts::current_totp_code(&new_secret, node.clock_now()).unwrap();
    let (status, _, _) = sign_in_raw(&node, with(&new_code)).await;
    assert_eq!(status, StatusCode::CREATED);
    let fresh = renewed["recovery_codes"][0].as_str().unwrap();
    let (status, _, _) = sign_in_raw(&node, with(fresh)).await;
    assert_eq!(status, StatusCode::CREATED);
    node.stop().await;
}

async fn second_factors_are_sealed_at_rest(env: TestEnv) {
    let url = env.new_database_url().await;
    let node = TestNode::spawn_with_secret(&url, Some("an operator's long key secret")).await;
    let (_, uri) = node
        .staff_with_password("green", Role::Coordinator, "cora", "the right password")
        .await;
    let secret = totp_secret(&uri.unwrap());
    let (stored,): (String,) = sqlx::query_as("SELECT totp_secret FROM users WHERE username = 'cora'")
        .fetch_one(&node.db().pool)
        .await
        .unwrap();
    assert!(
        stored.starts_with("sealed:v1:") && !stored.contains(&secret),
        "{stored}"
    );
    let code = tadamun::services::accounts::current_totp_code(&secret, node.clock_now()).unwrap();
    let (status, _, body) = sign_in_raw(
        &node,
        json!({"username": "cora", "password": "the right password", "totp_code": code}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the sealed secret still checks codes: {body}"
    );
    node.stop().await;
}

async fn tokens_end_and_admins_end_their_staffs_sign_ins(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let ada = node.staff("green", Role::Admin, "ada").await;
    let mia = node
        .staff_with_password("green", Role::Member, "mia", "the right password")
        .await
        .0;
    let (_, tokens) = node.get(&mia, "/api/v1/tokens").await;
    let expires: chrono::DateTime<chrono::Utc> = tokens["items"][0]["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - node.clock_now()).num_days();
    assert!((89..=90).contains(&days), "the default lifetime is 90 days: {days}");

    // A token asked for one day ends after it; a lifetime past the maximum is refused.
    let (status, short) = node
        .post(&mia, "/api/v1/tokens", &json!({"name": "phone", "expires_in_days": 1}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{short}");
    let short = short["token"].as_str().unwrap().to_string();
    let (status, bad) = node
        .post(
            &mia,
            "/api/v1/tokens",
            &json!({"name": "forever", "expires_in_days": 4000}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad["fields"]["expires_in_days"].is_string(), "{bad}");
    let (status, _, bad) = sign_in_raw(
        &node,
        json!({"username": "mia", "password": "the right password", "expires_in_days": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(node.get(&short, "/api/v1/me").await.0, StatusCode::OK);
    node.clock
        .advance(chrono::Duration::days(1) + chrono::Duration::seconds(1));
    assert_eq!(
        node.get(&short, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "expired"
    );
    assert_eq!(node.get(&mia, "/api/v1/me").await.0, StatusCode::OK);

    // Mia's admin revokes one of her tokens, then ends all her sign-ins, browsers included.
    let mia_id = user_id(&node, "mia").await;
    let (status, theirs) = node.get(&ada, &format!("/api/v1/users/{mia_id}/tokens")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, laptop) = node.post(&mia, "/api/v1/tokens", &json!({"name": "laptop"})).await;
    let laptop_token = laptop["token"].as_str().unwrap().to_string();
    let laptop_id = laptop["token_info"]["id"].as_str().unwrap();
    assert!(theirs["items"].as_array().unwrap().len() >= 2);
    let (status, _) = node
        .call(
            Method::DELETE,
            Some(&ada),
            &format!("/api/v1/users/{mia_id}/tokens/{laptop_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(node.get(&laptop_token, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(node.get(&mia, "/api/v1/me").await.0, StatusCode::OK);

    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = crate::support::post_login(
        &browser,
        &node.base,
        &[
            ("username", "mia"),
            ("password", "the right password"),
            ("next", "/groups"),
        ],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = crate::support::set_cookie(&resp, "tadamun_session").expect("a session cookie");
    let groups_page = || {
        browser
            .get(format!("{}/groups", node.base))
            .header("cookie", cookie.clone())
            .send()
    };
    let page = groups_page().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "signed in in a browser");
    let (status, _) = node
        .post(&ada, &format!("/api/v1/users/{mia_id}/sign-out"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(node.get(&mia, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let page = groups_page().await.unwrap();
    assert!(page.status().is_redirection(), "the browser session ended too");

    // A member cannot do that to a colleague; anyone can to themselves.
    let max = node.staff("green", Role::Member, "max").await;
    let ada_id = user_id(&node, "ada").await;
    let (status, _) = node
        .post(&max, &format!("/api/v1/users/{ada_id}/sign-out"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        node.post(&max, "/api/v1/me/sign-out", &json!({})).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(node.get(&max, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (_, audit) = node.get(&ada, "/api/v1/audit?limit=500").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["user.token_revoke", "user.sign_out"] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    node.stop().await;
}

/// A node from before operators existed: its first organisation's admins
/// operate it, a partner's admin manages only their own organisation, old
/// tokens get an end, and old audit entries find their organisation.
async fn upgrading_keeps_everyones_access(env: TestEnv) {
    let url = env.new_database_url().await;
    let db = tadamun::db::Db::connect(&url, 2).await.unwrap();
    let dir = match env.backend {
        crate::support::Backend::Sqlite => "migrations/sqlite",
        crate::support::Backend::Postgres => "migrations/postgres",
    };
    let mut before =
        sqlx::migrate::Migrator::new(std::path::Path::new(&format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"))))
            .await
            .unwrap();
    before.migrations = std::borrow::Cow::Owned(before.migrations.iter().filter(|m| m.version < 7).cloned().collect());
    before.run(&db.pool).await.unwrap();
    for sql in [
        "INSERT INTO organisations VALUES ('o1', 'host', 'Host', 'SOS', 1000)",
        "INSERT INTO organisations VALUES ('o2', 'partner', 'Partner', 'SOS', 2000)",
        "INSERT INTO users (id, username, display_name, org_id, role, password_hash, created_at) \
         VALUES ('u1', 'hana', 'Hana', 'o1', 'admin', 'x', 1000)",
        "INSERT INTO users (id, username, display_name, org_id, role, password_hash, created_at) \
         VALUES ('u2', 'pia', 'Pia', 'o2', 'admin', 'x', 2000)",
        "INSERT INTO users (id, username, display_name, org_id, role, password_hash, created_at) \
         VALUES ('u3', 'max', 'Max', 'o1', 'member', 'x', 3000)",
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ('t1', 'u3', 'old', 'h1', 3000)",
        "INSERT INTO audit_log (id, at, user_id, action, subject, detail) VALUES ('a1', 1, 'u2', 'user.create', 'pia', '')",
        "INSERT INTO audit_log (id, at, user_id, action, subject, detail) VALUES ('a2', 2, 'u1', 'peer.trust', 'node.example', '')",
        "INSERT INTO audit_log (id, at, user_id, action, subject, detail) VALUES ('a3', 3, 'u2', 'alert.withdraw', 'SOS-1', 'why')",
    ] {
        sqlx::query(sql).execute(&db.pool).await.unwrap();
    }
    db.migrate().await.unwrap();
    let operators: Vec<(String, i64)> = sqlx::query_as("SELECT username, node_operator FROM users ORDER BY username")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        operators,
        [("hana".to_string(), 1), ("max".to_string(), 0), ("pia".to_string(), 0)]
    );
    let (expiry,): (Option<i64>,) = sqlx::query_as("SELECT expires_at FROM api_tokens")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let days = (expiry.unwrap() - chrono::Utc::now().timestamp_millis()) / 86_400_000;
    assert!((89..=90).contains(&days), "{days}");
    let orgs: Vec<(String, Option<String>)> = sqlx::query_as("SELECT id, org_id FROM audit_log ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        orgs,
        [
            ("a1".to_string(), Some("o2".to_string())),
            ("a2".to_string(), None),
            ("a3".to_string(), Some("o2".to_string()))
        ]
    );
    db.close().await;
}

/// The language of the pages is the person's choice, kept with their
/// account (by the switcher or `PATCH /api/v1/me`), over their browser's.
async fn a_chosen_language_is_kept_on_the_account(env: TestEnv) {
    let node = TestNode::spawn(&env).await;
    let (token, _) = node
        .staff_with_password("green", Role::Viewer, "lina", "a long enough password")
        .await;
    let (status, me) = node.patch(&token, "/api/v1/me", &json!({"language": "fr"})).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["language"], "fr");
    let (status, refused) = node.patch(&token, "/api/v1/me", &json!({"language": "de"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.to_string().contains("language"), "{refused}");
    let (status, refused) = node.patch(&token, "/api/v1/me", &json!({})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a body without `language` changes nothing"
    );
    assert!(refused.to_string().contains("language"), "{refused}");
    assert_eq!(node.get(&token, "/api/v1/me").await.1["user"]["language"], "fr");

    // A browser that prefers Spanish, with no choice of its own yet.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = crate::support::post_login(
        &browser,
        &node.base,
        &[("username", "lina"), ("password", "a long enough password")],
    )
    .await;
    let session = crate::support::set_cookie(&signed_in, "tadamun_session").expect("signed in");
    let page_lang = |path: &'static str| {
        let (browser, base, session) = (browser.clone(), node.base.clone(), session.clone());
        async move {
            let html = browser
                .get(format!("{base}{path}"))
                .header("cookie", session)
                .header("accept-language", "es")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let start = html.find("<html lang=\"").expect("a page") + 12;
            html[start..start + 2].to_string()
        }
    };
    assert_eq!(page_lang("/groups").await, "fr", "the account's language wins");
    // The switcher's choice is kept on the account, for every browser.
    assert_eq!(page_lang("/groups?lang=ar").await, "ar");
    assert_eq!(page_lang("/groups").await, "ar");
    let (_, me) = node.get(&token, "/api/v1/me").await;
    assert_eq!(me["user"]["language"], "ar");
    // Cleared: the browser's again.
    let (status, me) = node.patch(&token, "/api/v1/me", &json!({"language": null})).await;
    assert_eq!((status, me["user"]["language"].clone()), (StatusCode::OK, json!(null)));
    assert_eq!(page_lang("/groups").await, "es");
}
