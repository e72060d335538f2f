//! Driving the built app in headless Chromium over WebDriver, for the end-to-end test files
//! (`browser.rs`, `workbench.rs`): start `assay serve` and chromedriver, find elements by
//! `data-testid`, wait, type, download, and keep screenshots for people to look at.
#![allow(dead_code)] // Each test file is its own crate and uses only some of these.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use super::{Guard, free_port};

/// The test file this is compiled into (`browser`, `workbench`): its scratch space and the
/// prefix of its screenshots, so files running side by side keep apart.
fn test_file() -> &'static str {
    module_path!().split("::").next().unwrap_or("e2e")
}

/// The built app, from `ASSAY_DIST`.
pub fn dist() -> PathBuf {
    std::env::var("ASSAY_DIST")
        .expect("ASSAY_DIST names the built app (cargo xtask test sets it)")
        .into()
}

/// chromedriver, asked to shut down (which also quits its browsers) before it is killed, so a
/// failed test leaves no Chromium behind holding the profile.
pub struct Driver {
    port: u16,
    _process: Guard,
}

impl Drop for Driver {
    fn drop(&mut self) {
        use std::io::Write;
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            // HTTP/1.1 with a Host: chromedriver refuses HTTP/1.0 ("Cannot handle request with
            // protocol") and would be killed with its Chromium still running.
            let request = format!(
                "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.port
            );
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = stream.write_all(request.as_bytes());
            let _ = std::io::Read::read_to_end(&mut stream, &mut Vec::new());
        }
    }
}

/// Polls `ready` every 100 ms until it gives a value or `limit` passes.
pub async fn wait_for<T>(what: &str, limit: Duration, mut ready: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = ready() {
            return value;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts `assay serve` on a free port, relaying to the endpoints of `specs`, and returns its
/// base URL.
pub fn serve_app(dist: &Path, specs: &[&Path]) -> (Guard, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_assay"));
    command.args(["serve", "--port", "0", "--dist"]).arg(dist);
    for spec in specs {
        command.arg("--spec").arg(spec);
    }
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "unexpected serve banner {line:?}"
    );
    (Guard(child), url)
}

/// Starts chromedriver and connects a headless Chromium session with a fresh profile of its own
/// (`profile` names it, so tests running side by side do not share one) that downloads into
/// `downloads`.
pub async fn browser(downloads: &Path, profile: &str) -> (Driver, Client) {
    let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let chromium = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let port = free_port();
    let driver = Driver {
        port,
        _process: Guard(
            Command::new(&driver_bin)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {driver_bin}: {e}")),
        ),
    };
    wait_for("chromedriver to listen", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    })
    .await;
    let profile = scratch(profile);
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {
                "download.default_directory": downloads,
                "download.prompt_for_download": false,
            },
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
    (driver, client)
}

/// An empty directory of this test file's own under the build's scratch space.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(test_file())
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Where screenshots are kept for people to look at: `target/e2e-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory")
        .join("e2e-screenshots")
}

/// Keeps `png` as `target/e2e-screenshots/<test file>-<name>.png`.
pub fn save_screenshot(name: &str, png: &[u8]) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{}-{name}.png", test_file())), png).unwrap();
}

/// The CSS selector of the element with `test_id`.
pub fn test_id(test_id: &str) -> String {
    format!("[data-testid='{test_id}']")
}

/// The element with `test_id`, once it exists.
pub async fn by_test_id(client: &Client, id: &str) -> Element {
    client
        .wait()
        .for_element(Locator::Css(&test_id(id)))
        .await
        .unwrap_or_else(|e| panic!("no element {id}: {e}"))
}

/// The first element `css` selects, once it exists, waiting up to `limit` rather than a plain
/// lookup's 30 s: a whole run can take longer on a slow machine.
pub async fn element_within(client: &Client, css: &str, limit: Duration) -> Element {
    client
        .wait()
        .at_most(limit)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} after {limit:?}: {e}"))
}

/// Every element `css` selects now, none if there are none.
pub async fn all(client: &Client, css: &str) -> Vec<Element> {
    client.find_all(Locator::Css(css)).await.unwrap()
}

pub async fn click(client: &Client, test_id: &str) {
    by_test_id(client, test_id).await.click().await.unwrap();
}

pub async fn text(client: &Client, test_id: &str) -> String {
    by_test_id(client, test_id).await.text().await.unwrap()
}

/// The `value` of the input or select with `test_id`.
pub async fn value(client: &Client, test_id: &str) -> String {
    by_test_id(client, test_id)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Scrolls the element with `id` to the top of the window, just below the app's sticky header,
/// for a screenshot of it.
pub async fn scroll_to(client: &Client, id: &str) {
    scroll_to_css(client, &test_id(id)).await;
}

/// [`scroll_to`] for the element `css` selects.
pub async fn scroll_to_css(client: &Client, css: &str) {
    let script = r#"
        const [css] = arguments;
        const element = document.querySelector(css);
        const header = document.querySelector(".masthead");
        const covered = header && getComputedStyle(header).position === "sticky"
            ? header.getBoundingClientRect().height : 0;
        window.scrollBy(0, element.getBoundingClientRect().top - covered - 8);
    "#;
    client.execute(script, vec![css.into()]).await.unwrap();
}

/// Chooses `value` in the `<select>` with `test_id`.
pub async fn choose(client: &Client, test_id: &str, value: &str) {
    by_test_id(client, test_id)
        .await
        .select_by_value(value)
        .await
        .unwrap();
}

/// Replaces the text of the input with `test_id`, as typing does.
pub async fn type_into(client: &Client, test_id: &str, text: &str) {
    replace_text(&by_test_id(client, test_id).await, text).await;
}

/// Replaces the text of `input`, as typing does.
pub async fn replace_text(input: &Element, text: &str) {
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// Polls the text of `test_id` until `done` holds or 30 s pass, and returns it.
pub async fn text_until(client: &Client, test_id: &str, done: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let now = text(client, test_id).await;
        if done(&now) {
            return now;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting on {test_id}: {now}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Accepts the confirm dialog the last action opened, if it opened one; returns its question.
pub async fn accept_confirm(client: &Client) -> Option<String> {
    let question = client.get_alert_text().await.ok()?;
    client.accept_alert().await.unwrap();
    Some(question)
}

/// The spec files in `dir`: `name.assay.json`, and `name.assay (1).json` for a second download
/// of the same name (Chromium numbers the name before its last extension).
fn spec_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            name.contains(".assay") && name.ends_with(".json")
        })
        .collect()
}

/// Presses Export and returns the path and text of the spec file it downloads, once complete:
/// the one that was not in `downloads` before.
pub async fn export_spec(client: &Client, downloads: &Path) -> (PathBuf, String) {
    let before = spec_files(downloads);
    click(client, "export").await;
    wait_for("the exported spec", Duration::from_secs(30), || {
        spec_files(downloads)
            .into_iter()
            .filter(|path| !before.contains(path))
            .find_map(|path| {
                let text = std::fs::read_to_string(&path).ok()?;
                // Chromium writes a `.crdownload` first and renames it when complete, but the
                // final name may show up empty a moment earlier.
                serde_json::from_str::<serde_json::Value>(&text).ok()?;
                Some((path, text))
            })
    })
    .await
}

/// Replays `spec` with `assay run`, which must exit 0 with the model `fingerprint`; its output.
pub fn replays_as_recorded(spec: &Path, fingerprint: &str) -> String {
    let output = assay(&["run".as_ref(), spec.as_os_str()]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("model fingerprint {fingerprint}")),
        "{stdout}"
    );
    stdout
}

/// Runs the CLI.
pub fn assay(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .output()
        .unwrap()
}

/// axe-core's `axe.min.js`: from `ASSAY_AXE` (`cargo xtask test` sets it), else where
/// `cargo xtask setup` installs it, `target/tools/node_modules/axe-core/`.
fn axe_script() -> String {
    let path = std::env::var_os("ASSAY_AXE").map_or_else(
        || {
            screenshot_dir()
                .with_file_name("tools")
                .join("node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read axe-core at {} ({e}): `cargo xtask setup` installs it",
            path.display()
        )
    })
}

/// Runs axe-core on the page as it is now and fails listing every violation (rule, the elements
/// it found, and what is wrong), `state` saying which state of the page this is.
pub async fn assert_accessible(client: &Client, state: &str) {
    let loaded = client
        .execute("return typeof window.axe === 'object'", Vec::new())
        .await
        .unwrap();
    if loaded != serde_json::Value::Bool(true) {
        client.execute(&axe_script(), Vec::new()).await.unwrap();
    }
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ["violations"] })
            .then(results => done(results.violations.map(v => ({
                id: v.id,
                help: v.help,
                nodes: v.nodes.map(n => ({ target: n.target.join(" "), summary: n.failureSummary })),
            }))))
            .catch(error => done([{ id: "axe-error", help: String(error), nodes: [] }]));
    "#;
    let violations = client.execute_async(script, Vec::new()).await.unwrap();
    let violations = violations.as_array().cloned().unwrap_or_default();
    let report: Vec<String> = violations
        .iter()
        .map(|v| {
            let nodes: Vec<String> = v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| {
                    format!(
                        "    {}: {}",
                        n["target"].as_str().unwrap_or("?"),
                        n["summary"].as_str().unwrap_or("").replace('\n', " ")
                    )
                })
                .collect();
            format!(
                "  {} ({}):\n{}",
                v["id"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                nodes.join("\n")
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "axe-core finds {} accessibility violation(s) in the state \"{state}\":\n{}",
        report.len(),
        report.join("\n")
    );
    // The page's sentences quote names as code, never with the terminal's literal backticks.
    let sentences = client
        .execute(
            r#"const page = document.body.cloneNode(true);
               page.querySelectorAll("pre, code, script, style").forEach(e => e.remove());
               return [...page.querySelectorAll("p, li, dd, dt, td, th, span, label, summary, h1, h2, h3, h4, figcaption, caption, option")]
                   .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.includes("`")))
                   .map(e => e.textContent.trim());"#,
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        sentences,
        serde_json::json!([]),
        "sentences with literal backticks in the state \"{state}\""
    );
}
