//! Sign-in, two factors, tokens, and the admin's account management.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tadamun::domain::vocab::Role;

use crate::support::{TestCase, TestEnv, TestNode};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![
        sign_in_with_password_and_second_factor,
        tokens_are_listed_and_revoked,
        admins_manage_organisations_and_staff,
        health_and_readiness,
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
    let (status, refused) = sign_in(json!({"username": "cora", "password": "a long coordinator password"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(refused["error"].as_str().unwrap().contains("totp_code"), "{refused}");
    let (status, _) =
        sign_in(json!({"username": "cora", "password": "a long coordinator password", "totp_code": "000000"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let code = tadamun::accounts::current_totp_code(&totp_secret(&uri), node.clock_now()).unwrap();
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

    let new_user =
        json!({"username": "pablo", "org": "prodesc", "role": "coordinator", "password": "a long enough password"});
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
    let pablo_token = tadamun::accounts::issue_token(node.db(), &pablo_id, "t", node.clock_now())
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
    let mia_token = tadamun::accounts::issue_token(node.db(), &mia_id, "t", node.clock_now())
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
