//! A real headless Chromium driven over WebDriver (chromedriver), for the
//! page tests: started per test, installed on first use where the machine
//! allows (see `machine::ensure`), and stopped on drop.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver process and a headless Chromium session; both end on drop.
pub struct Browser {
    driver: Child,
    client: Option<Client>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        if let Err(missing) = crate::machine::ensure(
            "Chromium and chromedriver",
            || {
                [CHROMIUM, CHROMEDRIVER]
                    .iter()
                    .all(|p| std::path::Path::new(p).exists())
            },
            &["chromium", "chromium-driver"],
        ) {
            panic!("{missing}");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                // Without the background-networking flags Chromium keeps trying
                // to reach Google's hosts, which a closed network refuses.
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Browser {
            driver,
            client: Some(client),
            _profile: profile,
        }
    }

    pub fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for element in self.client().find_all(Locator::Css(css)).await.unwrap() {
            out.push(element.text().await.unwrap());
        }
        out
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client().find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// What axe-core (the version locked in `tests/a11y`) finds wrong with the
    /// page shown now, against WCAG 2.1 A and AA: serious and critical
    /// violations only, each as `rule (impact): help — where`. axe is put into
    /// the page by the driver, which the page's policy against scripts does
    /// not stop; the page itself still runs none.
    pub async fn serious_accessibility_violations(&self) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y");
        if let Err(message) = crate::machine::npm_packages(&dir) {
            panic!("{message}");
        }
        let axe = std::fs::read_to_string(dir.join("node_modules/axe-core/axe.min.js")).expect("axe-core installed");
        self.client()
            .execute(&format!("{axe}\nreturn true;"), vec![])
            .await
            .expect("axe-core loads into the page");
        let found = self
            .client()
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — '
                          + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        serde_json::from_value(found).expect("a list of violations")
    }

    pub async fn stop(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Waits (up to 10 s) until the browser has navigated to a path ending so.
pub async fn wait_for_path(page: &Client, suffix: &str) {
    for _ in 0..100 {
        if page.current_url().await.unwrap().path().ends_with(suffix) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the browser is at {}, not at …{suffix}",
        page.current_url().await.unwrap()
    );
}

/// Where screenshots go: `target/screenshots/` of the build's target directory.
/// Whether the page is wider than the window (a horizontal scroll bar; it
/// must not be, even on a phone).
pub async fn overflows(page: &Client) -> bool {
    let wide = page
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    wide.as_bool().unwrap()
}

pub fn screenshot_dir() -> std::path::PathBuf {
    let target = option_env!("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Types into the field named `name`, replacing what it held.
pub async fn type_into(page: &Client, name: &str, text: &str) {
    let field = page
        .find(Locator::Css(&format!("[name='{name}']")))
        .await
        .unwrap_or_else(|_| panic!("a field {name}"));
    field.clear().await.unwrap_or_else(|e| panic!("clearing {name}: {e}"));
    field
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing into {name}: {e}"));
}

/// Chooses `value` in the select named `name`.
pub async fn choose(page: &Client, name: &str, value: &str) {
    page.find(Locator::Css(&format!("select[name='{name}']")))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// Ticks the checkbox or radio button `name` with `value`.
pub async fn tick(page: &Client, name: &str, value: &str) {
    page.find(Locator::Css(&format!("input[name='{name}'][value='{value}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Clicks the element `css` finds.
pub async fn click(page: &Client, css: &str) {
    page.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("finding {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}
