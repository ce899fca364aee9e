//! Headless Chromium for the browser tests: Debian's `chromium`, run once per page with
//! `--dump-dom` (and a screenshot kept under `target/browser/`), the flags that keep it off the
//! network but for the page itself. Without `/usr/bin/chromium` the tests skip.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";

/// How long one Chromium run may take, in real time, before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(90);

/// Chromium, or `None` (and a line saying the test skips) when it is not installed.
pub fn chromium() -> Option<Chromium> {
    if Path::new(CHROMIUM).exists() {
        Some(Chromium {
            path: PathBuf::from(CHROMIUM),
        })
    } else {
        println!("skipped: chromium not installed (apt-get install -y chromium)");
        None
    }
}

/// The workspace's `target/` directory (the parent of Cargo's `CARGO_TARGET_TMPDIR`).
pub fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

/// `target/browser/<name>`, the directory made; a screenshot there outlives the test.
pub fn screenshot_path(name: &str) -> PathBuf {
    let dir = target_dir().join("browser");
    std::fs::create_dir_all(&dir).expect("create target/browser");
    dir.join(name)
}

pub struct Chromium {
    path: PathBuf,
}

impl Chromium {
    /// Loads `url` in a fresh profile, saves a 1280x900 screenshot to `screenshot` and
    /// returns the DOM, either once the page has loaded (its `load` event: after its
    /// resources, frames included) or, with `budget_ms`, after that much virtual time.
    ///
    /// Virtual time runs fast while the page is idle and stands still while a fetch is
    /// pending, so timers (a page that polls every 2 s) fire without waiting; but it also
    /// stands still for code that waits on a timer while a fetch is pending, so a page that
    /// talks over a WebSocket runs in real time instead and holds its `load` event until it
    /// is done.
    ///
    /// # Panics
    /// Chromium fails, or takes longer than [`RUN_LIMIT`].
    pub async fn render(&self, url: &str, budget_ms: Option<u32>, screenshot: &Path) -> String {
        let profile = tempfile::tempdir().expect("profile dir");
        let _ = std::fs::remove_file(screenshot);
        let mut command = tokio::process::Command::new(&self.path);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,900",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--screenshot={}", screenshot.display()))
            .arg(url)
            .args(budget_ms.map(|ms| format!("--virtual-time-budget={ms}")))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let child = command.spawn().expect("start chromium");
        let output = tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("chromium took more than {RUN_LIMIT:?} on {url}"))
            .expect("wait for chromium");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "chromium failed ({}) on {url}:\n{stderr}",
            output.status
        );
        assert!(
            screenshot.exists(),
            "chromium wrote no screenshot to {}:\n{stderr}",
            screenshot.display()
        );
        String::from_utf8(output.stdout).expect("the DOM is UTF-8")
    }
}

/// The text inside the element with this `id` (its inner HTML, up to the first tag that
/// closes or opens inside it, for the leaf elements the tests look at).
pub fn text_of<'a>(dom: &'a str, id: &str) -> Option<&'a str> {
    let at = dom.find(&format!(" id=\"{id}\""))?;
    let start = at + dom[at..].find('>')? + 1;
    let end = start + dom[start..].find('<')?;
    Some(&dom[start..end])
}

/// The opening tag of the element with this `id`, attributes and all.
pub fn tag_of<'a>(dom: &'a str, id: &str) -> Option<&'a str> {
    let at = dom.find(&format!(" id=\"{id}\""))?;
    let start = dom[..at].rfind('<')?;
    let end = at + dom[at..].find('>')? + 1;
    Some(&dom[start..end])
}

/// The inner HTML of the element with this `id`, up to its closing `</tag>` (no nesting of
/// the same tag inside).
pub fn inner_html<'a>(dom: &'a str, id: &str) -> Option<&'a str> {
    let open = tag_of(dom, id)?;
    let name: String = open[1..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let start = dom.find(open)? + open.len();
    let end = start + dom[start..].find(&format!("</{name}>"))?;
    Some(&dom[start..end])
}
