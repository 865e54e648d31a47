//! What a node does against clients and peers that misbehave below the API:
//! slow or idle connections, log lines forged from the network, and purged
//! text left on disk.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tadamun::config::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::cli::tadamun;
use crate::federation::{Member, peer, titled};
use crate::once;
use crate::support::{TestCase, TestEnv, TestNode, deliver_all};

pub fn cases() -> Vec<TestCase> {
    once![
        slow_clients_cannot_hold_the_node,
        logs_from_the_network_cannot_be_forged,
        purged_text_leaves_no_trace_on_disk,
    ]
}

/// Reads until the server closes the connection (or resets it), returning
/// what it sent and how long that took; panics if it is still open at `limit`.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), stream.read(&mut buf)).await {
            Err(_) => panic!("the connection is still open after {limit:?}"),
            Ok(Ok(0)) | Ok(Err(_)) => return (received, started.elapsed()),
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
}

/// A request header sent halfway then nothing, a connection that sends
/// nothing, and a body that stalls are all cut off within their timeouts;
/// past the connection limit, clients wait instead of piling up; ordinary
/// requests are served throughout.
async fn slow_clients_cannot_hold_the_node(env: TestEnv) {
    let limits = Limits {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        max_connections: 2,
    };
    let node = TestNode::spawn_with_limits(&env, limits).await;
    let addr = node.state.config.listen;

    let mut half = tokio::net::TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Both slots are taken: an ordinary request waits for one to be freed
    // (by the header timeout), and is then served.
    let started = Instant::now();
    let waiting = tokio::spawn(reqwest::get(format!("{}/healthz", node.base)));
    let (sent, after) = read_until_closed(&mut half, Duration::from_secs(10)).await;
    assert!(
        sent.is_empty() || sent.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&sent)
    );
    assert!(
        after >= Duration::from_millis(900),
        "closed only after the header timeout: {after:?}"
    );
    let (_, after) = read_until_closed(&mut silent, Duration::from_secs(10)).await;
    assert!(after < Duration::from_secs(10));
    let served = waiting.await.unwrap().unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it waited for a free slot"
    );

    // A body that stops arriving: the request ends within the idle timeout.
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(
            b"POST /inbox HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/activity+json\r\n\
              Content-Length: 100\r\n\r\n{\"id\": ",
        )
        .await
        .unwrap();
    let (sent, _) = read_until_closed(&mut stalled, Duration::from_secs(10)).await;
    let answer = String::from_utf8_lossy(&sent);
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");

    // Ordinary requests, one after another on fresh connections, still work.
    for _ in 0..3 {
        let ok = reqwest::get(format!("{}/healthz", node.base)).await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
    }
    node.stop().await;
}

/// A value from the network with a newline, a carriage return and NUL in it
/// is logged escaped, on the line of its event: it cannot make a line of its
/// own that looks like the node's.
async fn logs_from_the_network_cannot_be_forged(env: TestEnv) {
    let dir = env.temp_dir();
    let url = format!("sqlite://{}/logs.db", dir.display());
    let mut command = tadamun(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "text",
            "--database-url",
            &url,
        ],
        &dir,
    );
    command
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = command.spawn().expect("spawn serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let listening = next_line(&lines, "listening on");
    let base = listening
        .split("listening on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();

    let activity = json!({
        "id": "https://evil.example/activities/1",
        "type": "Create\n2026-01-01T00:00:00Z  INFO tadamun: forged line\r\u{0}",
        "actor": "https://evil.example/actor",
    });
    let response = reqwest::Client::new()
        .post(format!("{base}/inbox"))
        .header("content-type", "application/activity+json")
        .body(activity.to_string())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    let refused = next_line(&lines, "inbox refused an activity");
    assert!(
        refused.contains(r"Create\n2026-01-01T00:00:00Z  INFO tadamun: forged line\r\0"),
        "the sender's value, escaped, on its event's line: {refused}"
    );
    // Nothing the sender wrote starts a line of its own.
    let _ = child.kill();
    let _ = child.wait();
    while let Ok(line) = lines.recv_timeout(Duration::from_millis(500)) {
        assert!(!line.contains("forged line"), "a forged line: {line}");
    }
}

/// The next line that contains `what` (those before it are passed over).
fn next_line(lines: &mpsc::Receiver<String>, what: &str) -> String {
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no log line with `{what}`"));
        if line.contains(what) {
            return line;
        }
    }
}

fn file_bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// After a consent withdrawal the receiving node purges the alert: its text
/// is then in neither the database file nor the WAL (read raw), and both are
/// readable by the node's user only.
async fn purged_text_leaves_no_trace_on_disk(env: TestEnv) {
    let a = Member::spawn(&env, "green").await;
    let b = Member::spawn(&env, "blue").await;
    peer(&a, &b, "connected").await;
    let marker = "Purge-marker-7f3c9e text about the defender";
    let mut body = titled(marker, "network");
    body["summary"] = json!({"en": format!("{marker} in the summary")});
    let id = a.publish(body).await;
    deliver_all(&[&a.node, &b.node]).await;
    assert_eq!(b.network_titles().await, vec![marker.to_string()]);

    let db = std::path::PathBuf::from(b.node.state.config.database_url.trim_start_matches("sqlite://"));
    let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
    let before = [file_bytes(&db), file_bytes(&wal)].concat();
    assert!(contains(&before, marker), "the text is on disk while the alert stands");

    let (status, body) = a
        .node
        .post(
            &a.coordinator,
            &format!("/api/v1/alerts/{id}/consent/withdraw"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    deliver_all(&[&a.node, &b.node]).await;
    assert!(b.network_titles().await.is_empty());
    for file in [&db, &wal] {
        assert!(
            !contains(&file_bytes(file), marker),
            "{} still holds the text",
            file.display()
        );
    }

    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", db.display());
        if let Ok(meta) = std::fs::metadata(&file) {
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{file}");
        }
    }
    a.node.stop().await;
    b.node.stop().await;
}
