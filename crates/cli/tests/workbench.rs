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
    Driver, accept_confirm, all, browser, by_test_id, click, dist, export_spec, replace_text,
    replays_as_recorded, save_screenshot, scratch, scroll_to, scroll_to_css, serve_app, test_id,
    text, text_until, type_into, value,
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
    assert!(error.contains("`broken.csv`"), "{error}");
    assert!(error.contains("line 25"), "{error}");
    assert!(error.contains(". Nothing was changed"), "{error}");
    assert_eq!(text(client, "data-shape").await, "30 rows × 3 columns");
    assert_eq!(value(client, "target").await, "label");
    by_test_id(client, "profile-weight").await;
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
    // Opened, the spec gets the reviewer's page; going back leaves this draft as it was.
    by_test_id(client, "open-spec")
        .await
        .send_keys(&first_path.canonicalize().unwrap().to_string_lossy())
        .await
        .unwrap();
    by_test_id(client, "review-spec").await;
    assert!(
        !by_test_id(client, "run-all")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    click(client, "back-to-workbench").await;
    assert!(
        by_test_id(client, "run-all")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    assert_eq!(text(client, "data-shape").await, "442 rows × 11 columns");
    assert_eq!(value(client, "sample").await, "diabetes");
    // The same file again, under another name (a file input may ignore the same file twice).
    let again = page.downloads.join("again.json");
    std::fs::copy(&first_path, &again).unwrap();
    by_test_id(client, "open-spec")
        .await
        .send_keys(&again.canonicalize().unwrap().to_string_lossy())
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

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn an_endpoint_value_with_a_comma_is_edited_by_feature_then_saved_and_exported_intact() {
    let page = Page::open("comma").await;
    let client = &page.client;
    let files = scratch("comma-files");
    // 40 rows: a city whose names hold commas, a size, and a yes/no label.
    let cities = ["\"Austin, TX\"", "\"Boston, MA\"", "\"Denver, CO\""];
    let mut csv = String::from("city,size,label\n");
    for (i, city) in cities.iter().cycle().take(40).enumerate() {
        let size = 10 + i * 3 % 37;
        let label = if size > 25 { "yes" } else { "no" };
        csv.push_str(&format!("{city},{size},{label}\n"));
    }
    let file = write_file(&files, "cities.csv", &csv);
    by_test_id(client, "upload")
        .await
        .send_keys(&file.to_string_lossy())
        .await
        .unwrap();
    text_until(client, "data-shape", |s| s.starts_with("40 rows")).await;
    click(client, "run-all").await;
    wait_text(client, "fingerprint", Duration::from_secs(120)).await;
    click(client, "draft-cases").await;

    // One field per feature, named; a comma is just a character of the value.
    let city = "[data-testid='case-0'] input[data-feature='city']";
    let field = client.wait().for_element(Locator::Css(city)).await.unwrap();
    replace_text(&field, "Miami, FL\u{e004}").await;
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        Some("Miami, FL")
    );
    assert!(all(client, &test_id("case-error")).await.is_empty());
    let size = client
        .find(Locator::Css(
            "[data-testid='case-0'] input[data-feature='size']",
        ))
        .await
        .unwrap();
    let size_before = size.prop("value").await.unwrap().unwrap_or_default();
    scroll_to(client, "case-0").await;
    page.screenshot("7-case-by-feature").await;

    let (_, exported) = export_spec(client, &page.downloads).await;
    let spec: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let endpoint = &spec["endpoints"][0];
    let features: Vec<&str> = endpoint["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    let at = |name: &str| features.iter().position(|f| *f == name).unwrap();
    let input = &endpoint["cases"][0]["input"];
    assert_eq!(input[at("city")], "Miami, FL", "{input}");
    // The number stays a number.
    assert!(input[at("size")].is_number(), "{input}");
    assert_eq!(input.as_array().unwrap().len(), features.len());

    // Saved with the draft: a reload shows it again, in its own field.
    client.refresh().await.unwrap();
    let field = client.wait().for_element(Locator::Css(city)).await.unwrap();
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        Some("Miami, FL")
    );
    let size = client
        .find(Locator::Css(
            "[data-testid='case-0'] input[data-feature='size']",
        ))
        .await
        .unwrap();
    assert_eq!(
        size.prop("value").await.unwrap().unwrap_or_default(),
        size_before
    );
    page.close().await;
}
