//! A real PostgreSQL server for the test run, from the machine's own binaries:
//! a fresh cluster in a temporary directory on a free loopback port, started
//! once before the tests and stopped after them (also when tests fail, and by
//! the kernel if the test process dies first).

use std::os::unix::fs::chown;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL_HINT: &str = "PostgreSQL server binaries (initdb, postgres) were not found on PATH or under \
/usr/lib/postgresql/*/bin. The test suite runs every test on SQLite and on a real PostgreSQL server and \
does not skip it. Install them, e.g. `apt-get install postgresql` on Debian or Ubuntu, `dnf install \
postgresql-server` on Fedora, `brew install postgresql` on macOS.";

pub struct PgServer {
    dir: tempfile::TempDir,
    child: Child,
    pub port: u16,
}

fn find_binary(name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
        .filter(|p| p.is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn id_of(flag: &str, user: &str) -> Option<u32> {
    let out = Command::new("id").args([flag, user]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// PostgreSQL refuses to run as root: pick the `postgres` system user, or make one.
fn server_user() -> Result<Option<(u32, u32)>, String> {
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    for name in ["postgres", "tadamun-pg"] {
        if let (Some(uid), Some(gid)) = (id_of("-u", name), id_of("-g", name)) {
            return Ok(Some((uid, gid)));
        }
    }
    let status = Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            "tadamun-pg",
        ])
        .status()
        .map_err(|e| format!("running as root and no `postgres` user exists; useradd failed: {e}"))?;
    if !status.success() {
        return Err("running as root and no `postgres` user exists; `useradd tadamun-pg` failed".into());
    }
    match (id_of("-u", "tadamun-pg"), id_of("-g", "tadamun-pg")) {
        (Some(uid), Some(gid)) => Ok(Some((uid, gid))),
        _ => Err("created user tadamun-pg but cannot read its ids".into()),
    }
}

fn as_user(command: &mut Command, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        command.uid(uid).gid(gid);
    }
}

impl PgServer {
    pub fn start() -> Result<Self, String> {
        crate::machine::ensure(
            "PostgreSQL's server binaries",
            || find_binary("initdb").is_some() && find_binary("postgres").is_some(),
            &["postgresql"],
        )
        .map_err(|e| format!("{e}\n{INSTALL_HINT}"))?;
        let initdb = find_binary("initdb").ok_or(INSTALL_HINT)?;
        let postgres = find_binary("postgres").ok_or(INSTALL_HINT)?;
        let user = server_user()?;
        let dir = tempfile::Builder::new()
            .prefix("tadamun-pg-")
            .tempdir()
            .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
        if let Some((uid, gid)) = user {
            chown(dir.path(), Some(uid), Some(gid)).map_err(|e| format!("chown {:?}: {e}", dir.path()))?;
        }
        let data = dir.path().join("data");
        let log_path = dir.path().join("server.log");

        let mut init = Command::new(&initdb);
        init.args(["-D"])
            .arg(&data)
            .args(["-U", "tadamun", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        as_user(&mut init, user);
        let out = init
            .output()
            .map_err(|e| format!("cannot run {}: {e}", initdb.display()))?;
        if !out.status.success() {
            return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
        }

        let port = crate::support::stable_port();
        let log = std::fs::File::create(&log_path).map_err(|e| format!("server log: {e}"))?;
        if let Some((uid, gid)) = user {
            let _ = chown(&log_path, Some(uid), Some(gid));
        }
        let mut server = Command::new(&postgres);
        server
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                // The tests never crash the database server itself, only nodes.
                "-c",
                "fsync=off",
                "-c",
                "max_connections=500",
            ])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        as_user(&mut server, user);
        // If the test process dies without stopping the server, the kernel does.
        unsafe {
            server.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = server
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", postgres.display()))?;
        let mut me = PgServer { dir, child, port };
        me.wait_ready(&log_path)?;
        Ok(me)
    }

    fn wait_ready(&mut self, log_path: &Path) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(log_path).unwrap_or_default();
                return Err(format!("postgres exited early ({status}):\n{log}"));
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                // Accepting connections is not yet accepting queries; the first
                // test's connect retries through that.
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("postgres did not start within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://tadamun@127.0.0.1:{}/{database}", self.port)
    }

    pub fn stop(mut self) {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = &self.dir;
    }
}
