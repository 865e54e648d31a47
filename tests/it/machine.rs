//! What the test suite needs from the machine, installed by the suite itself
//! when it is missing, so that `cargo test` passes on a fresh machine with
//! nothing installed by hand: PostgreSQL's server binaries and Debian's
//! Chromium with its driver, from the machine's package manager. (The
//! interoperability peer's packages come from the npm registry: see
//! `interop.rs`.) Installing needs root and apt-get; elsewhere the suite
//! says what to install and stops.

use std::process::Command;
use std::sync::Mutex;

/// Makes sure `what` is on the machine (`present` says whether it is),
/// installing the Debian `packages` that provide it if not.
pub fn ensure(what: &str, present: impl Fn() -> bool, packages: &[&str]) -> Result<(), String> {
    // One package manager run at a time: tests start in parallel.
    static INSTALLING: Mutex<()> = Mutex::new(());
    if present() {
        return Ok(());
    }
    let _turn = INSTALLING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if present() {
        return Ok(());
    }
    let list = packages.join(" ");
    let can_install = unsafe { libc::geteuid() } == 0 && Command::new("apt-get").arg("--version").output().is_ok();
    if !can_install {
        return Err(format!(
            "{what} is missing, and the test suite can only install it as root with apt-get: \
             install it (Debian and Ubuntu: `apt-get install {list}`) and run the tests again"
        ));
    }
    eprintln!("installing {what} for the test suite: apt-get install {list}");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .map_err(|e| format!("cannot run apt-get: {e}"))
            .and_then(|out| {
                if out.status.success() {
                    Ok(())
                } else {
                    Err(format!(
                        "apt-get {} failed: {}",
                        args.join(" "),
                        String::from_utf8_lossy(&out.stderr)
                    ))
                }
            })
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq"];
    install.extend_from_slice(packages);
    apt(&install)?;
    if present() {
        Ok(())
    } else {
        Err(format!("installed {list}, but {what} is still missing"))
    }
}

/// Installs the npm packages a test folder locks (`npm ci`, exactly the
/// versions in its package-lock.json) when they are missing or older than
/// the lock; once per folder and test run.
pub fn npm_packages(dir: &std::path::Path) -> Result<(), String> {
    static INSTALLED: Mutex<Vec<(std::path::PathBuf, Result<(), String>)>> = Mutex::new(Vec::new());
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, result)) = installed.iter().find(|(d, _)| d == dir) {
        return result.clone();
    }
    let result = run_npm_ci(dir);
    installed.push((dir.to_path_buf(), result.clone()));
    result
}

fn run_npm_ci(dir: &std::path::Path) -> Result<(), String> {
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => {
            return Err(format!(
                "the tests in {} need Node.js 20 or later with npm, and `node` cannot be run: \
                 install Node.js and npm (e.g. apt-get install nodejs npm)",
                dir.display()
            ));
        }
    }
    let modified = |path: std::path::PathBuf| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    // npm writes this copy of the lock when it installs.
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    let locked = modified(dir.join("package-lock.json"));
    if installed.is_some() && installed >= locked {
        return Ok(());
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run npm (install Node.js and npm): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`npm ci` in {} failed:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
