//! The authoring workbench end to end, as a person uses it: the built app served by
//! `assay serve`, driven in real headless Chromium over WebDriver. Run all on the sample, upload
//! a CSV (and a broken one), tune a check until it fails, cancel a training, reload into the
//! saved draft, and export, replay in the CLI, re-import and re-export to the same bytes.
//!
//! Screenshots of the main states go to `target/e2e-screenshots/workbench-*.png`.
//!
//! Needs a built app (`ASSAY_DIST`), Chromium and chromedriver; `cargo xtask test` provides all
//! three, which is why the tests are ignored under a bare `cargo test`.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::Guard;
use common::web::{
    Driver, accept_confirm, all, assert_accessible, browser, by_test_id, click, dist, export_spec,
    replace_text, replays_as_recorded, save_screenshot, scratch, scroll_to, scroll_to_css,
    serve_app, test_id, text, text_until, type_into, value,
};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};

/// Every check card's verdict.
const VERDICTS: &str = "[data-testid^='check-'] [data-testid='verdict']";

/// The app in a browser of its own: a fresh profile (so no saved draft), its own downloads.
struct Page {
    client: Client,
    downloads: PathBuf,
    _driver: Driver,
    _server: Guard,
}

impl Page {
    /// Serves the app and opens it in a new browser; `name` keeps this test's files apart.
    async fn open(name: &str) -> Self {
        let (server, url) = serve_app(&dist(), &[]);
        let downloads = scratch(&format!("{name}-downloads"));
        let (driver, client) = browser(&downloads, &format!("{name}-profile")).await;
        client.goto(&url).await.unwrap();
        by_test_id(&client, "data-shape").await;
        Self {
            client,
            downloads,
            _driver: driver,
            _server: server,
        }
    }

    /// Ends the WebDriver session, which closes the browser.
    async fn close(self) {
        self.client.close().await.unwrap();
    }

    /// Keeps the whole window as `workbench-<name>.png`.
    async fn screenshot(&self, name: &str) {
        save_screenshot(name, &self.client.screenshot().await.unwrap());
    }
}

/// The check card for the engine check `id` (`metric_threshold`, …).
async fn card(client: &Client, id: &str) -> Element {
    by_test_id(client, &format!("check-{id}")).await
}

/// The element with `test_id` inside `scope`.
async fn inside(scope: &Element, id: &str) -> Element {
    scope
        .find(Locator::Css(&test_id(id)))
        .await
        .unwrap_or_else(|e| panic!("no {id} here: {e}"))
}

/// Polls the verdict of card `id` until `done` holds or 30 s pass, and returns it.
async fn verdict_until(client: &Client, id: &str, done: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let now = inside(&card(client, id).await, "verdict")
            .await
            .text()
            .await
            .unwrap();
        if done(&now) {
            return now;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting on the verdict of {id}: {now}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether the check card `id` is switched on.
async fn enabled(client: &Client, id: &str) -> bool {
    let checkbox = inside(&card(client, id).await, "check-enabled").await;
    checkbox.prop("checked").await.unwrap().as_deref() == Some("true")
}

/// The ids of the check cards that are switched on, in page order.
async fn enabled_checks(client: &Client) -> Vec<String> {
    let mut ids = Vec::new();
    for card in all(client, "article[data-testid^='check-']").await {
        let id = card.attr("data-testid").await.unwrap().unwrap_or_default();
        let checkbox = inside(&card, "check-enabled").await;
        if checkbox.prop("checked").await.unwrap().as_deref() == Some("true") {
            ids.push(id.trim_start_matches("check-").to_owned());
        }
    }
    ids
}

/// Records in the page, from now on, the overall progress bar's `value/max` each time the page
/// changes while no fingerprint is shown: a run on the sample lasts a fraction of a second, too
/// short to catch by polling over WebDriver.
const WATCH_PROGRESS: &str = r#"
    window.assayWatch?.disconnect();
    window.assayProgress = [];
    window.assayWatch = new MutationObserver(() => {
        const bar = document.querySelector(".run-all [data-testid='progress']");
        if (bar && !document.querySelector("[data-testid='fingerprint']")) {
            window.assayProgress.push([bar.value, bar.max]);
        }
    });
    window.assayWatch.observe(document.body, {
        subtree: true, childList: true, attributes: true, characterData: true,
    });
"#;

/// Presses Run all, checks that its progress bar showed and advanced while it ran, and returns
/// the fingerprint it ends on.
async fn run_all(client: &Client) -> String {
    client.execute(WATCH_PROGRESS, Vec::new()).await.unwrap();
    click(client, "run-all").await;
    let fingerprint = wait_text(client, "fingerprint", Duration::from_secs(120)).await;
    assert_eq!(fingerprint.len(), 64, "{fingerprint}");
    assert!(
        fingerprint.chars().all(|c| c.is_ascii_hexdigit()),
        "{fingerprint}"
    );
    let seen = client
        .execute("return window.assayProgress", Vec::new())
        .await
        .unwrap();
    let seen: Vec<(f64, f64)> = serde_json::from_value(seen).unwrap();
    assert!(!seen.is_empty(), "no progress bar while Run all ran");
    let total = seen[0].1;
    assert!(total > 1.0, "{seen:?}");
    assert!(
        seen.iter().all(|&(_, max)| max == total),
        "the total changed: {seen:?}"
    );
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0) && seen.iter().all(|&(v, _)| v <= total),
        "the progress went back or past its total: {seen:?}"
    );
    fingerprint
}

/// The text of `id` once it exists, waiting up to `limit` rather than a plain lookup's 30 s:
/// a whole run can take longer on a slow machine.
async fn wait_text(client: &Client, id: &str, limit: Duration) -> String {
    client
        .wait()
        .at_most(limit)
        .for_element(Locator::Css(&test_id(id)))
        .await
        .unwrap_or_else(|e| panic!("no {id} after {limit:?}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Writes `text` as `name` into `dir` and returns its absolute path, for a file input.
fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.canonicalize().unwrap()
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn run_all_on_the_sample_shows_progress_then_every_verdict_and_the_model() {
    let page = Page::open("run-all").await;
    let client = &page.client;
    assert!(
        text(client, "path-export")
            .await
            .contains("Needs attention")
    );
    assert_accessible(client, "fresh load").await;

    run_all(client).await;
    assert!(
        all(client, &test_id("progress")).await.is_empty(),
        "the progress bar stays after the run"
    );
    let verdicts = all(client, VERDICTS).await;
    let cards = all(client, "article[data-testid^='check-']").await;
    assert!(!verdicts.is_empty());
    assert_eq!(verdicts.len(), cards.len(), "a card without a verdict");
    for verdict in &verdicts {
        let verdict = verdict.text().await.unwrap();
        assert!(
            ["Pass", "Fail", "Error"].contains(&verdict.as_str()),
            "a check shows {verdict:?} after Run all"
        );
    }
    let export = text(client, "path-export").await;
    assert!(export.contains("Done"), "{export}");
    by_test_id(client, "confusion-matrix").await;
    assert_accessible(client, "after Run all").await;
    scroll_to_css(client, "#model").await;
    page.screenshot("1-sample-run-all").await;
    page.close().await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn an_uploaded_csv_is_profiled_and_a_broken_one_is_refused_by_line() {
    let page = Page::open("upload").await;
    let client = &page.client;
    let files = scratch("upload-files");

    // 30 rows, two numeric features, a yes/no label last.
    let mut csv = String::from("height,weight,label\n");
    for i in 0..30 {
        let height = 150 + i * 2;
        let weight = 50.5 + f64::from(i * 7 % 30);
        let label = if i % 3 == 0 { "yes" } else { "no" };
        csv.push_str(&format!("{height},{weight},{label}\n"));
    }
    let good = write_file(&files, "people.csv", &csv);
    by_test_id(client, "upload")
        .await
        .send_keys(&good.to_string_lossy())
        .await
        .unwrap();
    let shape = text_until(client, "data-shape", |s| s.starts_with("30 rows")).await;
    assert_eq!(shape, "30 rows × 3 columns");
    assert_eq!(value(client, "target").await, "label");
    let profile = by_test_id(client, "profile").await;
    let rows = profile.find_all(Locator::Css("tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 3, "one profile row per column");
    for column in ["height", "weight", "label"] {
        by_test_id(client, &format!("profile-{column}")).await;
    }
    assert_accessible(client, "data uploaded").await;
    page.screenshot("2-upload").await;

    // A ragged row past the lines that decide the delimiter: refused with its file and line,
    // and the data stays as it was.
    let mut lines: Vec<&str> = csv.lines().collect();
    lines[24] = "199,70.5";
    let broken = write_file(&files, "broken.csv", &(lines.join("\n") + "\n"));
    by_test_id(client, "upload")
        .await
        .send_keys(&broken.to_string_lossy())
        .await
        .unwrap();
    let error = text(client, "upload-error").await;
    // The file's name is set as code, not in the terminal's backticks.
    assert!(
        error.contains("broken.csv") && !error.contains('`'),
        "{error}"
    );
    assert!(error.contains("line 25"), "{error}");
    assert!(error.contains(". Nothing was changed"), "{error}");
    assert_eq!(text(client, "data-shape").await, "30 rows × 3 columns");
    assert_eq!(value(client, "target").await, "label");
    by_test_id(client, "profile-weight").await;
    assert_accessible(client, "a broken upload refused").await;
    page.screenshot("2-upload-error").await;
    page.close().await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_threshold_out_of_reach_fails_its_check_when_run_on_its_own() {
    let page = Page::open("threshold").await;
    let client = &page.client;
    let threshold = card(client, "metric_threshold").await;
    // A bar accuracy can never reach is refused in words, before anything runs.
    replace_text(&inside(&threshold, "param-threshold").await, "1.5").await;
    let refusal = text(client, "param-threshold-error").await;
    assert!(
        refusal.contains("must be between 0 and 1 for accuracy; it is 1.5"),
        "{refusal}"
    );
    // The refusal is tied to its field, for a screen reader as for the eye.
    let field = inside(&threshold, "param-threshold").await;
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    let described_by = field
        .attr("aria-describedby")
        .await
        .unwrap()
        .unwrap_or_default();
    let error = by_test_id(client, "param-threshold-error").await;
    let error_id = error.attr("id").await.unwrap().unwrap_or_default();
    assert!(
        !error_id.is_empty() && described_by.split(' ').any(|id| id == error_id),
        "the field is described by {described_by:?}, the error's id is {error_id:?}"
    );
    assert_accessible(client, "an invalid threshold").await;
    // Just short of perfect: out of this model's reach.
    replace_text(&inside(&threshold, "param-threshold").await, "0.999").await;
    assert_eq!(
        verdict_until(client, "metric_threshold", |_| true).await,
        "Not run"
    );
    inside(&threshold, "run-check").await.click().await.unwrap();
    verdict_until(client, "metric_threshold", |v| v == "Fail").await;
    let summary = inside(&threshold, "check-summary")
        .await
        .text()
        .await
        .unwrap();
    assert!(summary.contains("0.999"), "{summary}");
    // Only this check ran.
    assert_eq!(
        verdict_until(client, "no_duplicate_rows", |_| true).await,
        "Not run"
    );
    scroll_to(client, "check-metric_threshold").await;
    save_screenshot("3-threshold-fails", &threshold.screenshot().await.unwrap());

    // Run all with that check failing: its end is announced politely, with the counts.
    run_all(client).await;
    let verdicts = all(client, VERDICTS).await;
    let mut passed = 0;
    let mut failed = 0;
    for verdict in &verdicts {
        match verdict.text().await.unwrap().as_str() {
            "Pass" => passed += 1,
            "Fail" | "Error" => failed += 1,
            _ => {}
        }
    }
    assert!(failed >= 1);
    let announcer = by_test_id(client, "run-all-announcement").await;
    assert_eq!(
        announcer.attr("aria-live").await.unwrap().as_deref(),
        Some("polite")
    );
    let announced = text_until(client, "run-all-announcement", |t| !t.is_empty()).await;
    assert_eq!(
        announced,
        format!("Run all finished: {passed} passed, {failed} failed.")
    );
    assert_accessible(client, "after Run all with a failing check").await;
    page.close().await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_cancelled_training_keeps_nothing_and_the_next_one_trains() {
    let page = Page::open("cancel").await;
    let client = &page.client;
    client
        .find(Locator::Css("details.hyperparameters > summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The most epochs the engine allows, so the run lasts long enough (about 3 s on a busy
    // two-core machine) for Cancel to find it still running.
    type_into(client, "epochs", "10000").await;
    click(client, "train").await;
    by_test_id(client, "training-progress").await;
    click(client, "cancel-training").await;
    let cancelled = text(client, "training-cancelled").await;
    let steps = cancelled
        .strip_prefix("Cancelled after ")
        .and_then(|rest| rest.split_once(" of 10000 steps"))
        .and_then(|(done, _)| done.parse::<u32>().ok());
    assert!(steps.is_some_and(|done| done < 10_000), "{cancelled}");
    assert!(all(client, &test_id("training-progress")).await.is_empty());
    assert!(all(client, &test_id("fingerprint")).await.is_empty());
    scroll_to_css(client, "#model").await;
    page.screenshot("4-training-cancelled").await;

    type_into(client, "epochs", "20").await;
    click(client, "train").await;
    let fingerprint = wait_text(client, "fingerprint", Duration::from_secs(60)).await;
    assert_eq!(fingerprint.len(), 64, "{fingerprint}");
    assert!(all(client, &test_id("training-cancelled")).await.is_empty());
    page.close().await;
}

/// Clicks the on/off switch of the card for check `kind`.
async fn switch_check(client: &Client, kind: &str) {
    inside(&card(client, kind).await, "check-enabled")
        .await
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_reload_restores_the_draft() {
    let page = Page::open("reload").await;
    let client = &page.client;
    type_into(client, "seed", "7").await;
    switch_check(client, "no_duplicate_rows").await;
    assert_eq!(
        verdict_until(client, "no_duplicate_rows", |_| true).await,
        "Off"
    );

    client.refresh().await.unwrap();
    by_test_id(client, "data-shape").await;
    assert_eq!(value(client, "seed").await, "7");
    assert!(!enabled(client, "no_duplicate_rows").await);
    assert_eq!(
        verdict_until(client, "no_duplicate_rows", |_| true).await,
        "Off"
    );
    assert!(enabled(client, "metric_threshold").await);
    scroll_to(client, "check-no_duplicate_rows").await;
    assert_accessible(client, "a switched-off check after a reload").await;
    page.screenshot("5-reload-restored").await;
    page.close().await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn an_export_replays_in_the_cli_and_reimports_to_the_same_bytes() {
    let page = Page::open("export").await;
    let client = &page.client;
    type_into(client, "seed", "7").await;
    switch_check(client, "no_duplicate_rows").await;
    let checks = enabled_checks(client).await;
    assert!(!checks.contains(&"no_duplicate_rows".to_owned()));
    let fingerprint = run_all(client).await;
    let (first_path, first) = export_spec(client, &page.downloads).await;
    assert_eq!(
        first_path.file_name().unwrap(),
        "breast-cancer-binary.assay.json"
    );
    let status = text(client, "export-status").await;
    assert!(
        status.contains("breast-cancer-binary.assay.json"),
        "{status}"
    );
    scroll_to_css(client, "#export").await;
    assert_accessible(client, "exported").await;
    page.screenshot("6-exported").await;

    // CI's view of the same file. The browser stays open meanwhile: Chromium may still count
    // the download as in progress, and closing it then deletes the file.
    replays_as_recorded(&first_path, &fingerprint);

    // Start anew on another sample, then continue the exported spec.
    click(client, "new-draft").await;
    let question = accept_confirm(client).await;
    assert!(question.is_some_and(|q| q.contains("discarded")));
    // A fresh draft has nothing to lose, so choosing another sample asks nothing.
    by_test_id(client, "sample")
        .await
        .select_by_value("diabetes")
        .await
        .unwrap();
    assert_eq!(accept_confirm(client).await, None);
    text_until(client, "data-shape", |s| s.starts_with("442 rows")).await;
    assert_eq!(value(client, "seed").await, "42");
    by_test_id(client, "open-spec")
        .await
        .send_keys(&first_path.canonicalize().unwrap().to_string_lossy())
        .await
        .unwrap();
    by_test_id(client, "review-spec").await;
    click(client, "edit-in-workbench").await;
    assert_eq!(accept_confirm(client).await, None);
    text_until(client, "data-shape", |s| s.starts_with("569 rows")).await;
    assert_eq!(value(client, "sample").await, "breast_cancer");
    assert_eq!(value(client, "seed").await, "7");
    assert_eq!(enabled_checks(client).await, checks);
    scroll_to_css(client, "#data").await;
    page.screenshot("6-reimported").await;

    // Unchanged, it trains the same model and exports the same bytes.
    assert_eq!(run_all(client).await, fingerprint);
    let (second_path, second) = export_spec(client, &page.downloads).await;
    assert_ne!(second_path, first_path);
    assert!(
        second == first,
        "the re-export differs from the export:\n{}\n---\n{}",
        first_path.display(),
        second_path.display()
    );
    page.close().await;
}

/// Where the focused element is against the sticky header: `[top, bottom]` of the element,
/// the header's bottom, the window's height, and whether focus is inside the header itself.
const FOCUS_PLACE: &str = r#"
    const focused = document.activeElement;
    const header = document.querySelector(".masthead");
    const rect = focused.getBoundingClientRect();
    return {
        what: focused.outerHTML.slice(0, 120),
        top: rect.top, bottom: rect.bottom, height: rect.height,
        headerBottom: header.getBoundingClientRect().bottom,
        windowHeight: window.innerHeight,
        inHeader: header.contains(focused) || focused === document.body,
    };
"#;

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn keyboard_focus_is_never_hidden_under_the_sticky_header() {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let page = Page::open("focus").await;
    let client = &page.client;
    run_all(client).await;
    // From the end of the page backwards, as Shift+Tab goes: each control the page scrolls to
    // must land below the header, not under it (WCAG 2.4.11). Focus starts on the last control.
    client
        .execute(
            r#"const controls = [...document.querySelectorAll(
                   "main a[href], main button, main input, main select, main summary, main [tabindex]")]
                   .filter(c => !c.disabled && c.getClientRects().length > 0);
               controls[controls.length - 1].focus();"#,
            Vec::new(),
        )
        .await
        .unwrap();
    let shift_tab = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: '\u{e008}' })
        .then(KeyAction::Down { value: '\u{e004}' })
        .then(KeyAction::Up { value: '\u{e004}' })
        .then(KeyAction::Up { value: '\u{e008}' });
    let mut checked = 0;
    for _ in 0..300 {
        client.perform_actions(shift_tab.clone()).await.unwrap();
        let place = client.execute(FOCUS_PLACE, Vec::new()).await.unwrap();
        if place["inHeader"] == serde_json::Value::Bool(true) {
            break;
        }
        let number = |key: &str| place[key].as_f64().unwrap();
        if number("height") == 0.0 {
            continue;
        }
        if number("top") < number("headerBottom") - 0.5 {
            page.screenshot("7-focus-hidden").await;
        }
        assert!(
            number("top") >= number("headerBottom") - 0.5,
            "focus is under the sticky header: {place}"
        );
        assert!(
            number("bottom") <= number("windowHeight") + 0.5,
            "focus is below the window: {place}"
        );
        checked += 1;
    }
    assert!(checked > 20, "only {checked} controls were reached");
    page.close().await;
}

/// Copies the built app into `to`, leaving out every file `skip` names by its extension.
fn copy_dist(from: &Path, to: &Path, skip: &str) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dist(&path, &target, skip);
        } else if path.extension().is_none_or(|e| e != skip) {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_loading_screen_shows_until_the_app_mounts_and_says_when_it_cannot_load() {
    // Loaded: the app replaces the loading screen, and the page has its own icon.
    let page = Page::open("loading").await;
    let client = &page.client;
    assert!(all(client, &test_id("loading")).await.is_empty());
    let icon = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const link = document.querySelector("link[rel~='icon']");
               if (!link) { done("no icon link"); } else {
                   fetch(link.href).then(r => done(`${r.status} ${r.headers.get("content-type")}`));
               }"#,
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(icon.as_str(), Some("200 image/svg+xml"), "{icon}");
    page.close().await;

    // Without its wasm the app never mounts: the loading screen says so instead of spinning on.
    let broken = scratch("loading-no-wasm");
    copy_dist(&dist(), &broken, "wasm");
    let (_server, url) = serve_app(&broken, &[]);
    let (_driver, client) = browser(&scratch("loading-downloads"), "loading-profile").await;
    client.goto(&url).await.unwrap();
    let loading = text_until(&client, "loading", |t| t.contains("could not start")).await;
    assert!(loading.contains("Reload"), "{loading}");
    assert_accessible(&client, "the app failed to load").await;
    save_screenshot("8-load-failed", &client.screenshot().await.unwrap());
    client.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&broken);
}
