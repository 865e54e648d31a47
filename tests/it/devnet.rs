//! `tadamun devnet` as someone trying Tadamun runs it: the real binary starts
//! three nodes, prints their addresses and demo accounts, and the nodes
//! federate: each node's network view holds what the others' audiences allow
//! it, a group on one node lists members on the others, the printed accounts
//! sign in to the API and the pages, and SIGTERM stops it cleanly.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cli::tadamun;
use crate::once;
use crate::support::{SendChecked, TestCase, TestEnv};

pub fn cases() -> Vec<TestCase> {
    once![devnet_runs_a_federated_network_until_sigterm]
}

const PASSWORD: &str = "solidarity-demo-2026";

/// A running `tadamun devnet`, killed if the test fails before it stops.
struct Devnet {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for Devnet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Devnet {
    /// Lines printed until one contains `text` (that one included).
    fn until(&self, text: &str, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = line.contains(text);
                    seen.push(line);
                    if done {
                        return seen;
                    }
                }
                Err(_) => panic!("no line with `{text}` within {within:?}; printed:\n{}", seen.join("\n")),
            }
        }
    }
}

/// What the command printed: each node's address, and each account's line.
struct Printed {
    nodes: HashMap<char, String>,
    accounts: HashMap<String, (char, Vec<String>)>,
}

impl Printed {
    fn read(lines: &[String]) -> Printed {
        let mut nodes = HashMap::new();
        let mut accounts = HashMap::new();
        for line in lines {
            let words: Vec<&str> = line.split_whitespace().collect();
            let node_letter = words
                .first()
                .and_then(|w| w.chars().next())
                .filter(|l| l.is_ascii_uppercase());
            let Some(letter) = node_letter.filter(|_| words[0].len() == 1) else {
                continue;
            };
            match words.get(1) {
                Some(base) if base.starts_with("http://") => {
                    nodes.insert(letter, base.to_string());
                }
                Some(username) if line.starts_with("  ") && words.len() >= 4 => {
                    accounts.insert(
                        username.to_string(),
                        (letter, words[2..].iter().map(|w| w.to_string()).collect()),
                    );
                }
                _ => {}
            }
        }
        Printed { nodes, accounts }
    }

    fn base(&self, letter: char) -> &str {
        self.nodes
            .get(&letter)
            .unwrap_or_else(|| panic!("node {letter} printed"))
    }

    fn host(&self, letter: char) -> String {
        self.base(letter).trim_start_matches("http://").to_string()
    }

    /// The first recovery code printed for an account with a second factor.
    fn recovery_code(&self, username: &str) -> String {
        let (_, words) = &self.accounts[username];
        let at = words
            .iter()
            .position(|w| w == "codes:")
            .unwrap_or_else(|| panic!("{username}'s recovery codes printed: {words:?}"));
        words[at + 1].clone()
    }
}

async fn token(http: &reqwest::Client, base: &str, username: &str, code: Option<&str>) -> String {
    let mut body = json!({"username": username, "password": PASSWORD});
    if let Some(code) = code {
        body["totp_code"] = json!(code);
    }
    let response = http
        .post(format!("{base}/api/v1/auth/token"))
        .json(&body)
        .send_checked()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{username} signs in at {base}");
    let answer: Value = response.json().await.unwrap();
    answer["token"].as_str().unwrap().to_string()
}

async fn get(http: &reqwest::Client, base: &str, token: &str, path: &str) -> Value {
    let response = http
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send_checked()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {base}{path}");
    response.json().await.unwrap()
}

/// (origin host, audience, number) of each alert in a network view.
async fn network_view(http: &reqwest::Client, base: &str, token: &str) -> Vec<(String, String, String)> {
    let page = get(http, base, token, "/api/v1/network/alerts").await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let text = |field: &str| a[field].as_str().unwrap().to_string();
            (text("origin"), text("audience"), text("number"))
        })
        .collect()
}

fn has(view: &[(String, String, String)], origin: &str, audience: &str) -> bool {
    view.iter().any(|(o, a, _)| o == origin && a == audience)
}

async fn devnet_runs_a_federated_network_until_sigterm(env: TestEnv) {
    let dir = env.temp_dir();
    let data = dir.join("demo");
    let data_arg = data.to_str().unwrap();

    // A port in use is refused by name, before anything is made.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = tadamun(&["devnet", "--base-port", &port], &dir).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains(&format!("cannot listen on 127.0.0.1:{port}")), "{said}");
    drop(taken);

    let started = Instant::now();
    let mut command = tadamun(&["devnet", "--base-port", "0", "--data-dir", data_arg], &dir);
    command.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = command.spawn().expect("spawn devnet");
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let devnet = Devnet { child, lines };
    let printed_lines = devnet.until("Running.", Duration::from_secs(120));
    eprintln!(
        "tadamun devnet was ready {:.1} s after it started",
        started.elapsed().as_secs_f64()
    );
    let printed = Printed::read(&printed_lines);
    let text = printed_lines.join("\n");
    assert_eq!(printed.nodes.len(), 3, "three nodes printed:\n{text}");
    for expected in ["A–B trusted", "A–C connected", "B–C connected", "en, ar, fr, es"] {
        assert!(text.contains(expected), "`{expected}` printed:\n{text}");
    }
    let (a, b, c) = (printed.host('A'), printed.host('B'), printed.host('C'));
    let http = reqwest::Client::new();

    // Every printed account without a second factor signs in with the
    // printed password, on its own node.
    let mut tokens = HashMap::new();
    for (username, (letter, words)) in &printed.accounts {
        if !words.iter().any(|w| w == "codes:") {
            tokens.insert(
                username.clone(),
                token(&http, printed.base(*letter), username, None).await,
            );
        }
    }
    for member in ["sofia", "diego", "awa", "rana"] {
        assert!(tokens.contains_key(member), "{member} printed:\n{text}");
    }

    // Each node's network view: what the others' audiences allow it.
    let sofia_on_a = network_view(&http, printed.base('A'), &tokens["sofia"]).await;
    let diego_on_a = network_view(&http, printed.base('A'), &tokens["diego"]).await;
    let awa_on_b = network_view(&http, printed.base('B'), &tokens["awa"]).await;
    let rana_on_c = network_view(&http, printed.base('C'), &tokens["rana"]).await;
    assert!(
        has(&awa_on_b, &a, "network") && has(&awa_on_b, &a, "public"),
        "{awa_on_b:?}"
    );
    assert!(
        has(&awa_on_b, &c, "public") && !has(&awa_on_b, &c, "trusted"),
        "{awa_on_b:?}"
    );
    assert!(
        has(&rana_on_c, &a, "network") && has(&rana_on_c, &b, "network"),
        "{rana_on_c:?}"
    );
    // B trusts A and only A: its trusted alert reaches A, never C.
    assert!(has(&sofia_on_a, &b, "trusted"), "{sofia_on_a:?}");
    assert!(
        !rana_on_c.iter().any(|(_, audience, _)| audience == "trusted"),
        "{rana_on_c:?}"
    );
    // C's restricted alert names one organisation on A: its staff see it, the
    // other organisation on the same node does not.
    assert!(has(&sofia_on_a, &c, "restricted"), "{sofia_on_a:?}");
    assert!(!has(&diego_on_a, &c, "restricted"), "{diego_on_a:?}");

    // A coordinator signs in with a printed recovery code; the working group
    // on A lists members on all three nodes, and C's organisation is in B's
    // regional group.
    let rosa = token(&http, printed.base('A'), "rosa", Some(&printed.recovery_code("rosa"))).await;
    let groups = get(&http, printed.base('A'), &rosa, "/api/v1/groups").await;
    let land = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["uri"].as_str().unwrap().ends_with("/groups/land-environment"))
        .unwrap_or_else(|| panic!("the working group on A: {groups}"))
        .clone();
    let members = get(
        &http,
        printed.base('A'),
        &rosa,
        &format!("/api/v1/groups/{}/members", land["id"].as_str().unwrap()),
    )
    .await;
    let mut member_hosts: Vec<String> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["state"] == "accepted")
        .map(|m| {
            m["org"]
                .as_str()
                .unwrap()
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    member_hosts.sort();
    let mut all_hosts = vec![a.clone(), b.clone(), c.clone()];
    all_hosts.sort();
    assert_eq!(member_hosts, all_hosts, "{members}");
    let on_c = get(&http, printed.base('C'), &tokens["rana"], "/api/v1/groups").await;
    assert!(
        on_c["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["uri"].as_str().unwrap().starts_with(printed.base('B')) && g["membership"] == "accepted"),
        "{on_c}"
    );

    // Actions recorded on other nodes reached the alert's author: the
    // responses page printed for it shows them to its author once signed in.
    let responses_line = printed_lines
        .iter()
        .find(|l| l.contains("/responses"))
        .unwrap_or_else(|| panic!("a responses page printed:\n{text}"));
    let responses_url = responses_line.split_whitespace().next().unwrap();
    let author = responses_line
        .split("as ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = crate::support::post_login(
        &browser,
        printed.base('A'),
        &[("username", author), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(
        signed_in.status(),
        StatusCode::SEE_OTHER,
        "{author} signs in to the pages"
    );
    let cookie = crate::support::set_cookie(&signed_in, "tadamun_session").expect("a session cookie");
    let page = browser
        .get(responses_url)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    for answer in [
        "Observatoire sahélien des défenseur·es",
        "Mashreq Women Defenders Network",
        "statement",
    ] {
        assert!(page.contains(answer), "`{answer}` on the responses page:\n{page}");
    }

    // SIGTERM stops every node cleanly and promptly; the databases stay.
    let stopping = Instant::now();
    let mut devnet = devnet;
    unsafe { libc::kill(devnet.child.id() as i32, libc::SIGTERM) };
    devnet.until("stopped cleanly", Duration::from_secs(30));
    let status = devnet.child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "stopped after {:?}",
        stopping.elapsed()
    );
    for node in ["a", "b", "c"] {
        assert!(
            data.join(node).join("tadamun.db").exists(),
            "node {node}'s database kept"
        );
    }

    // The same directory again is refused: its ids name the old ports.
    let out = tadamun(&["devnet", "--base-port", "0", "--data-dir", data_arg], &dir)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("is not empty"), "{said}");
}
