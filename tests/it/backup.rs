//! `tadamun backup` and `tadamun restore`, run as the real binary against a
//! node that is serving and busy: the snapshot comes back whole in a new
//! place, the restored node goes on where the old one stopped (its queued
//! deliveries go out, once), and a restore never writes over a database.

use reqwest::StatusCode;
use serde_json::json;

use crate::actions::network_id;
use crate::cli::tadamun;
use crate::federation::{Member, peer, titled};
use crate::support::{Backend, TestCase, TestEnv, TestNode, deliver_all};
use crate::tests;

pub fn cases() -> Vec<TestCase> {
    tests![a_backup_of_a_busy_node_restores_whole_elsewhere]
}

fn run(args: &[&str], cwd: &std::path::Path) -> (bool, String) {
    let out = tadamun(args, cwd).output().expect("run tadamun");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn a_backup_of_a_busy_node_restores_whole_elsewhere(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    a.publish(titled("Delivered before the backup", "network")).await;
    deliver_all(&[&a.node, &b.node]).await;
    let on_b = network_id(&b, "Delivered before the backup").await;
    let (status, action) = b
        .node
        .post(
            &b.coordinator,
            &format!("/api/v1/network/alerts/{on_b}/actions"),
            &json!({"kind": "cosign", "shareable": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    deliver_all(&[&a.node, &b.node]).await;
    // Queued when the backup is taken: sent only by the restored node.
    a.publish(titled("Queued at the backup", "network")).await;
    let before = tadamun::db::backup::contents(a.node.db()).await.unwrap();
    assert!(
        before.queued_deliveries > 0 && before.actions == 1 && before.signing_keys > 0,
        "{before}"
    );

    let dir = env.temp_dir();
    let file = dir.join("node-a.backup");
    let file_arg = file.display().to_string();
    let source = a.node.state.config.database_url.clone();
    let (ok, said) = run(&["backup", &file_arg, "--database-url", &source], &dir);
    assert!(ok, "{said}");
    assert!(
        said.contains("key secret"),
        "the operator is told about the key secret: {said}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup is private: {mode:o}");
    }
    let (ok, said) = run(&["backup", &file_arg, "--database-url", &source], &dir);
    assert!(!ok && said.contains("exists"), "{said}");

    // Never over a database, above all a node's that is running.
    let (ok, said) = run(&["restore", &file_arg, "--database-url", &source], &dir);
    assert!(!ok, "{said}");
    assert!(
        said.contains("new data directory") || said.contains("not empty"),
        "{said}"
    );
    let not_a_backup = dir.join("notes.txt");
    std::fs::write(&not_a_backup, "not a backup").unwrap();
    let target = env.new_database_url().await;
    if env.backend == Backend::Sqlite {
        // Not a backup: refused before anything is made.
        let (ok, said) = run(
            &[
                "restore",
                &not_a_backup.display().to_string(),
                "--database-url",
                &target,
            ],
            &dir,
        );
        assert!(!ok && said.contains("not a SQLite database"), "{said}");
    }
    let (ok, said) = run(&["restore", &file_arg, "--database-url", &target], &dir);
    assert!(ok, "{said}");

    // The old node goes; the restored one takes its place and address.
    let port: u16 = a.node.base.rsplit(':').next().unwrap().parse().unwrap();
    let (admin, coordinator) = (a.admin.clone(), a.coordinator.clone());
    a.node.stop().await;
    let restored = TestNode::spawn_on_port(&target, port).await;
    let after = tadamun::db::backup::contents(restored.db()).await.unwrap();
    assert_eq!(after, before, "everything comes back");
    let (status, alerts) = restored.get(&admin, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::OK, "staff tokens still work: {alerts}");
    assert_eq!(alerts["items"].as_array().unwrap().len(), 2, "{alerts}");
    let (status, peers) = restored.get(&admin, "/api/v1/peers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        peers
            .as_array()
            .map(Vec::len)
            .or(peers["items"].as_array().map(Vec::len)),
        Some(1),
        "{peers}"
    );

    // Its queued delivery goes out, signed with the restored keys; B has
    // everything once.
    deliver_all(&[&restored, &b.node]).await;
    let restored_a = Member {
        node: restored,
        admin,
        coordinator,
        org: "green".into(),
    };
    assert_eq!(
        b.network_titles().await,
        ["Delivered before the backup", "Queued at the backup"]
    );
    let (_, responses) = restored_a.node.get(&restored_a.coordinator, "/api/v1/alerts").await;
    assert!(responses.to_string().contains("Delivered before the backup"));
    let again = tadamun::db::backup::contents(restored_a.node.db()).await.unwrap();
    assert_eq!(again.queued_deliveries, 0, "{again}");
}
