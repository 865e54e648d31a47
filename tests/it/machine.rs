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
