//! End to end, as a user and a CI job would do it: the built app served by `assay serve`, driven
//! in real headless Chromium over WebDriver; the exported spec is then replayed by the CLI.
//!
//! Needs a built app (`ASSAY_DIST`), Chromium and chromedriver; `cargo xtask test` provides all
//! three, which is why the test is ignored under a bare `cargo test`.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// Kills the process when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver, asked to shut down (which also quits its browsers) before it is killed, so a
/// failed test leaves no Chromium behind holding the profile.
struct Driver {
    port: u16,
    _process: Guard,
}

impl Drop for Driver {
    fn drop(&mut self) {
        use std::io::Write;
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.write_all(b"GET /shutdown HTTP/1.0\r\n\r\n");
            let _ = std::io::Read::read_to_end(&mut stream, &mut Vec::new());
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `ready` every 100 ms until it gives a value or `limit` passes.
async fn wait_for<T>(what: &str, limit: Duration, mut ready: impl FnMut() -> Option<T>) -> T {
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

/// Starts `assay serve` on a free port and returns its base URL.
fn serve_app(dist: &Path) -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["serve", "--port", "0", "--dist"])
        .arg(dist)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
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
async fn browser(downloads: &Path, profile: &str) -> (Driver, Client) {
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

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("browser")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Screenshots for people to look at, kept with the build output.
fn save_screenshot(name: &str, png: &[u8]) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Opens the app, presses Run, and returns the model fingerprint it shows once training is done.
async fn author_run(client: &Client, url: &str) -> String {
    client.goto(url).await.unwrap();
    click(client, "run").await;
    let fingerprint = text(client, "fingerprint").await;
    assert_eq!(fingerprint.len(), 64, "{fingerprint}");
    fingerprint
}

/// The element with `test_id`, once it exists.
async fn by_test_id(client: &Client, test_id: &str) -> Element {
    client
        .wait()
        .for_element(Locator::Css(&format!("[data-testid='{test_id}']")))
        .await
        .unwrap()
}

async fn click(client: &Client, test_id: &str) {
    by_test_id(client, test_id).await.click().await.unwrap();
}

async fn text(client: &Client, test_id: &str) -> String {
    by_test_id(client, test_id).await.text().await.unwrap()
}

/// Scrolls the element with `test_id` to the top of the window, for a screenshot of it.
async fn scroll_to(client: &Client, test_id: &str) {
    let script = format!("document.querySelector(\"[data-testid='{test_id}']\").scrollIntoView()");
    client.execute(&script, Vec::new()).await.unwrap();
}

fn assay(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_spec_exported_in_the_browser_replays_bit_identically_in_the_cli() {
    let dist = std::env::var("ASSAY_DIST")
        .expect("ASSAY_DIST names the built app (cargo xtask test sets it)");
    let downloads = scratch("downloads");
    let (_server, url) = serve_app(Path::new(&dist));
    let (_driver, client) = browser(&downloads, "profile").await;

    let fingerprint = author_run(&client, &url).await;
    assert_eq!(text(&client, "verdict").await, "Pass");
    save_screenshot("after-run", &client.screenshot().await.unwrap());

    click(&client, "export").await;
    let spec_path = downloads.join("breast_cancer.assay.json");
    let spec_text = wait_for("the exported spec", Duration::from_secs(30), || {
        let text = std::fs::read_to_string(&spec_path).ok()?;
        // Chromium writes a `.crdownload` first and renames it when complete.
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .map(|_| text)
    })
    .await;
    // The browser stays open until the CLI has read the file: Chromium may still count the
    // download as in progress after the rename, and closing then cancels it and deletes it.

    let output = assay(&["run".as_ref(), spec_path.as_os_str()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
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
    assert!(stdout.contains("reproduced bit-identically"), "{stdout}");

    // The same file with one recorded digit changed must be caught.
    let recorded_at = spec_text.find("\"parameter_fingerprint\"").unwrap();
    let mut tampered = spec_text.clone();
    let digit = recorded_at + "\"parameter_fingerprint\": \"".len();
    let replacement = if &tampered[digit..=digit] == "0" {
        "1"
    } else {
        "0"
    };
    tampered.replace_range(digit..=digit, replacement);
    let tampered_path = downloads.join("tampered.assay.json");
    std::fs::write(&tampered_path, tampered).unwrap();
    let output = assay(&["run".as_ref(), tampered_path.as_os_str()]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_share_link_opened_in_a_fresh_browser_replays_bit_identically() {
    let dist = std::env::var("ASSAY_DIST")
        .expect("ASSAY_DIST names the built app (cargo xtask test sets it)");
    let (_server, url) = serve_app(Path::new(&dist));

    // The author: run, then ask for a link. The test reads it from the page, since a headless
    // browser may not grant clipboard access.
    let (link, fingerprint) = {
        let (_driver, client) = browser(&scratch("author-downloads"), "author-profile").await;
        let fingerprint = author_run(&client, &url).await;
        click(&client, "copy-share-link").await;
        let link = by_test_id(&client, "share-link")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        scroll_to(&client, "copy-share-link").await;
        save_screenshot("share-link", &client.screenshot().await.unwrap());
        client.close().await.unwrap();
        (link, fingerprint)
    };
    let (page, fragment) = link.split_once('#').expect("a link with a fragment");
    assert!(page.starts_with(&url), "{page} is not under {url}");
    assert!(fragment.starts_with("spec1."), "{fragment:.40}");

    // The reviewer: another browser with a fresh profile, so nothing but the link carries over.
    let (_driver, client) = browser(&scratch("reviewer-downloads"), "reviewer-profile").await;
    client.goto(&link).await.unwrap();
    let summary = text(&client, "review-spec").await;
    assert!(summary.contains("a share link"), "{summary}");
    assert!(summary.contains("569 rows"), "{summary}");
    click(&client, "replay").await;
    let verdict = text(&client, "replay-verdict").await;
    scroll_to(&client, "replay-verdict").await;
    save_screenshot("after-replay", &client.screenshot().await.unwrap());
    assert_eq!(verdict, "Reproduced bit-identically");
    let table = text(&client, "comparison").await;
    assert!(table.contains(&fingerprint), "{table}");
    assert!(!table.contains("✗"), "{table}");
    client.close().await.unwrap();
}
