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
    Driver, accept_confirm, all, assay, assert_accessible, browser, by_test_id, choose, click,
    dist, element_within, export_spec, replace_text, replays_as_recorded, save_screenshot, scratch,
    scroll_to, scroll_to_css, serve_app, test_id, text, text_until, type_into, value,
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

/// Opens the Model step's training settings.
async fn open_training_settings(client: &Client) {
    client
        .find(Locator::Css("details.hyperparameters > summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
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

/// The text of `id` once it exists, waiting up to `limit` ([`element_within`]).
async fn wait_text(client: &Client, id: &str, limit: Duration) -> String {
    element_within(client, &test_id(id), limit)
        .await
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
    // Ready to export, but nothing is exported yet.
    let export = text(client, "path-export").await;
    assert!(export.contains("Needs attention"), "{export}");
    assert!(can_press(client, "export").await);
    by_test_id(client, "confusion-matrix").await;
    // The loss on the validation rows, beside the training loss.
    by_test_id(client, "validation-loss").await;
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

/// A churn-like table as real exports look: an ID, sign-up dates, a region with empty and `NA`
/// cells, visits with gaps, a yes/no label. Returns the text and the rows with any gap.
fn messy_churn(rows: usize) -> (String, usize) {
    let mut csv = String::from("customer_id,signup_date,region,visits,plan,churned\n");
    let mut with_gap = 0;
    for i in 0..rows {
        let region = match i % 7 {
            0 => "",
            1 => "NA",
            2 | 3 => "EU",
            4 => "US",
            _ => "APAC",
        };
        let visits = if i % 5 == 0 {
            String::new()
        } else {
            (i * 37 % 23).to_string()
        };
        with_gap += usize::from(region.is_empty() || region == "NA" || visits.is_empty());
        let plan = if i % 3 == 0 { "pro" } else { "basic" };
        let churned = if (i * 37 % 23) < 8 || plan == "pro" && i % 2 == 0 {
            "yes"
        } else {
            "no"
        };
        csv.push_str(&format!(
            "C{i:04},2024-{:02}-{:02},{region},{visits},{plan},{churned}\n",
            1 + i % 12,
            1 + i * 7 % 28
        ));
    }
    (csv, with_gap)
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn messy_data_keeps_every_row_the_author_keeps_and_splits_by_time() {
    let page = Page::open("messy").await;
    let client = &page.client;
    let files = scratch("messy-files");
    let (csv, with_gap) = messy_churn(120);
    let path = write_file(&files, "churn.csv", &csv);
    by_test_id(client, "upload")
        .await
        .send_keys(&path.to_string_lossy())
        .await
        .unwrap();
    text_until(client, "data-shape", |s| s.starts_with("120 rows")).await;
    assert_eq!(value(client, "target").await, "churned");
    assert_eq!(value(client, "kind-signup_date").await, "date");
    assert_eq!(value(client, "kind-customer_id").await, "identifier");
    // Before anything trains, the page says what is missing; the gaps start filled, so no row
    // leaves the data until the author chooses it, and dropping says what it would cost.
    let count = text(client, "missing-count").await;
    assert!(
        count.contains(&format!("{with_gap} rows miss a feature value"))
            && count.contains("All 120 rows are kept; the gaps are filled."),
        "{count}"
    );
    assert_eq!(value(client, "missing-policy").await, "impute");
    assert!(
        text(client, "task-explained")
            .await
            .contains("which of 2 values churned takes")
    );
    choose(client, "missing-policy", "drop_rows").await;
    let count = text_until(client, "missing-count", |s| s.contains("leaves out")).await;
    assert!(
        count.contains(&format!("This leaves out {with_gap} of 120 rows")),
        "{count}"
    );

    choose(client, "missing-policy", "impute").await;
    choose(client, "missing-categorical", "own_category").await;
    let count = text_until(client, "missing-count", |s| s.contains("kept")).await;
    assert!(count.contains("All 120 rows are kept"), "{count}");
    choose(client, "split-by", "signup_date").await;
    let split = text_until(client, "split-summary", |s| s.starts_with("90")).await;
    assert_eq!(split, "90 rows train and 30 validate.");
    // A share that is not one is refused where it was typed; the split keeps the last good one.
    type_into(client, "validation-percent", "abc").await;
    let error = text(client, "validation-percent-error").await;
    assert!(error.contains("abc is not a share"), "{error}");
    assert_eq!(
        text(client, "split-summary").await,
        "90 rows train and 30 validate."
    );
    type_into(client, "validation-percent", "20").await;
    text_until(client, "split-summary", |s| s.starts_with("96")).await;
    scroll_to_css(client, "#preparation").await;
    page.screenshot("2-messy-data").await;
    assert_accessible(client, "messy data being prepared").await;

    let fingerprint = run_all(client).await;
    let (spec_path, spec) = export_spec(client, &page.downloads).await;
    assert!(
        spec.contains(r#""missing": {"#) && spec.contains(r#""categorical": "own_category""#),
        "{spec}"
    );
    assert!(spec.contains(r#""time_column": "signup_date""#), "{spec}");
    assert!(spec.contains(r#""kind": "date""#), "{spec}");
    // CI fills, splits and trains the same: the same model, every check as recorded (the data
    // checks rightly fail on the gaps, so the exit code is 1, not 2).
    let output = assay(&["run".as_ref(), spec_path.as_os_str()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("model fingerprint {fingerprint}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("replay: reproduced bit-identically"),
        "{stdout}"
    );
    assert!(stdout.contains("FAIL  no_missing_values: "), "{stdout}");
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
    // It reads as a failure that names its bar, and heads the step's list of failures.
    let failure = inside(&threshold, "check-failure")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        failure.contains("missed its bar (threshold 0.999)"),
        "{failure}"
    );
    let failing = text(client, "failing-checks").await;
    assert!(failing.starts_with("1 check failed:"), "{failing}");
    assert!(failing.contains("Clears a fixed quality bar"), "{failing}");
    assert!(text(client, "path-checks").await.contains("1 failing"));
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

/// Adds a slice check through the form: `column` from `min`, `metric` held to `bar`.
async fn add_slice(client: &Client, column: &str, min: &str, metric: &str, bar: &str) {
    let form = by_test_id(client, "slice-form").await;
    if form.attr("open").await.unwrap().is_none() {
        form.find(Locator::Css("summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    choose(client, "slice-column", column).await;
    choose(client, "slice-mode", "range").await;
    type_into(client, "slice-min", min).await;
    choose(client, "slice-metric", metric).await;
    type_into(client, "slice-threshold", bar).await;
    click(client, "add-slice").await;
}

/// The verdict and summary of the `n`th slice card once it has a verdict other than `Not run`.
async fn slice_verdict(client: &Client, n: usize) -> (String, String) {
    let start = Instant::now();
    loop {
        let cards = all(client, &test_id("check-slice_threshold")).await;
        if let Some(card) = cards.get(n) {
            let verdict = inside(card, "verdict").await.text().await.unwrap();
            if !["Not run", "Running…"].contains(&verdict.as_str()) {
                let summary = inside(card, "check-summary").await.text().await.unwrap();
                return (verdict, summary);
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no verdict on slice card {n}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_slice_check_passes_and_fails_on_its_own_rows_and_ci_agrees() {
    let page = Page::open("slice").await;
    let client = &page.client;
    // A bar out of range is refused in the form, naming the field.
    add_slice(client, "mean_radius", "15", "accuracy", "1.5").await;
    let error = text(client, "slice-error").await;
    assert!(
        error.contains("threshold") && error.contains("between 0 and 1"),
        "{error}"
    );
    assert!(
        all(client, &test_id("check-slice_threshold"))
            .await
            .is_empty()
    );

    add_slice(client, "mean_radius", "15", "accuracy", "0.5").await;
    add_slice(client, "mean_radius", "15", "log_loss", "0.0001").await;
    let cards = all(client, &test_id("check-slice_threshold")).await;
    assert_eq!(cards.len(), 2);
    let slice = inside(&cards[0], "param-slice").await.text().await.unwrap();
    assert_eq!(slice, "rows where mean_radius at least 15");
    inside(&cards[0], "run-check").await.click().await.unwrap();
    let (verdict, summary) = slice_verdict(client, 0).await;
    assert_eq!(verdict, "Pass", "{summary}");
    assert!(
        summary.contains("where mean_radius at least 15 is"),
        "{summary}"
    );
    inside(&cards[1], "run-check").await.click().await.unwrap();
    let (verdict, summary) = slice_verdict(client, 1).await;
    assert_eq!(verdict, "Fail", "{summary}");
    scroll_to_css(client, "[data-testid='slice-form']").await;
    page.screenshot("3-slice-checks").await;
    assert_accessible(client, "slice checks added and run").await;

    // CI judges the slices the same way.
    let fingerprint = run_all(client).await;
    let (spec_path, spec) = export_spec(client, &page.downloads).await;
    assert!(spec.contains(r#""check": "slice_threshold""#), "{spec}");
    let output = assay(&["run".as_ref(), spec_path.as_os_str()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("model fingerprint {fingerprint}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("replay: reproduced bit-identically"),
        "{stdout}"
    );
    assert!(
        stdout.contains("PASS  slice_threshold: Validation accuracy where mean_radius at least 15"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL  slice_threshold: Validation log_loss where mean_radius at least 15"),
        "{stdout}"
    );
    page.close().await;
}

/// The engine's worker scripts the page started, as the page's resource timing lists them (what
/// the worker itself fetches is on its own timeline).
const WORKER_FILES: &str = "return performance.getEntriesByType('resource')\
    .map(e => e.name.split('/').pop()).filter(n => n.startsWith('assay-worker'))";

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_heavy_mlp_trains_in_the_worker_while_the_page_answers_and_cancel_stops_it() {
    let page = Page::open("worker").await;
    let client = &page.client;
    choose(client, "model-kind", "1").await;
    type_into(client, "hidden-layers", "64, 32").await;
    open_training_settings(client).await;
    type_into(client, "epochs", "5000").await;
    click(client, "train").await;
    by_test_id(client, "training-progress").await;
    // While it trains, the page takes typing as ever: the engine is not on its thread.
    scroll_to(client, "spec-name").await;
    for name in ["churn model", "churn model, second try"] {
        type_into(client, "spec-name", name).await;
        assert_eq!(value(client, "spec-name").await, name);
        by_test_id(client, "training-progress").await;
    }
    let fetched: Vec<String> =
        serde_json::from_value(client.execute(WORKER_FILES, Vec::new()).await.unwrap()).unwrap();
    assert_eq!(
        fetched,
        ["assay-worker_loader.js"],
        "the page started no worker"
    );
    scroll_to_css(client, "#model").await;
    page.screenshot("4-heavy-mlp-training").await;
    click(client, "cancel-training").await;
    let cancelled = text(client, "training-cancelled").await;
    assert!(cancelled.starts_with("Cancelled after "), "{cancelled}");
    assert!(cancelled.contains(" of 5000 steps"), "{cancelled}");
    assert!(all(client, &test_id("training-progress")).await.is_empty());

    // A new worker takes the next job: a short training ends with its model.
    type_into(client, "epochs", "3").await;
    click(client, "train").await;
    let fingerprint = wait_text(client, "fingerprint", Duration::from_secs(60)).await;
    assert_eq!(fingerprint.len(), 64, "{fingerprint}");
    // The worker ran it: the page would say so had it fallen back to training itself.
    assert!(all(client, &test_id("engine-notice")).await.is_empty());
    page.close().await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_cancelled_training_keeps_nothing_and_the_next_one_trains() {
    let page = Page::open("cancel").await;
    let client = &page.client;
    open_training_settings(client).await;
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
    choose(client, "sample", "diabetes").await;
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

/// The verdict on every card that is switched on, by check id.
async fn verdicts(client: &Client) -> Vec<(String, String)> {
    let mut shown = Vec::new();
    for id in enabled_checks(client).await {
        let verdict = verdict_until(client, &id, |_| true).await;
        shown.push((id, verdict));
    }
    shown
}

/// Whether the button `id` can be pressed.
async fn can_press(client: &Client, id: &str) -> bool {
    by_test_id(client, id)
        .await
        .attr("disabled")
        .await
        .unwrap()
        .is_none()
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn an_export_keeps_the_results_on_screen() {
    let page = Page::open("export-keeps").await;
    let client = &page.client;
    run_all(client).await;
    let before = verdicts(client).await;
    assert!(before.iter().all(|(_, v)| v == "Pass"), "{before:?}");
    let (_, first) = export_spec(client, &page.downloads).await;
    assert!(text(client, "path-export").await.contains("Done"));
    // Every result stays; only "no worse than before" now compares with the revision just
    // exported, which it has not been run against.
    let after = verdicts(client).await;
    for ((id, was), (_, now)) in before.iter().zip(&after) {
        match id.as_str() {
            "no_regression" => assert_eq!(now, "Not run"),
            _ => assert_eq!(now, was, "{id}"),
        }
    }
    by_test_id(client, "fingerprint").await;
    assert!(can_press(client, "export").await);
    scroll_to_css(client, "#checks").await;
    page.screenshot("7-exported-results-stay").await;
    // Exporting again, unchanged, gives the same file.
    let (_, second) = export_spec(client, &page.downloads).await;
    assert_eq!(second, first);
    page.close().await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_renamed_spec_exports_without_running_again() {
    let page = Page::open("rename").await;
    let client = &page.client;
    let fingerprint = run_all(client).await;
    replace_text(&by_test_id(client, "spec-name").await, "Tumour screening").await;
    replace_text(
        &by_test_id(client, "spec-description").await,
        "Guards the screening model",
    )
    .await;
    assert!(verdicts(client).await.iter().all(|(_, v)| v == "Pass"));
    assert!(can_press(client, "export").await);
    let (path, text) = export_spec(client, &page.downloads).await;
    assert_eq!(path.file_name().unwrap(), "tumour-screening.assay.json");
    assert!(text.contains("\"description\": \"Guards the screening model\""));

    // Renamed after the export: the same revision and recording under the new name.
    replace_text(&by_test_id(client, "spec-name").await, "Tumour triage").await;
    assert!(can_press(client, "export").await);
    let (renamed_path, renamed) = export_spec(client, &page.downloads).await;
    assert_eq!(
        renamed_path.file_name().unwrap(),
        "tumour-triage.assay.json"
    );
    let spec: serde_json::Value = serde_json::from_str(&renamed).unwrap();
    assert_eq!(spec["revision"], 1);
    replays_as_recorded(&renamed_path, &fingerprint);
    page.close().await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn an_invalid_threshold_blocks_export_and_names_the_field() {
    let page = Page::open("invalid-threshold").await;
    let client = &page.client;
    run_all(client).await;
    assert!(can_press(client, "export").await);
    let threshold = card(client, "metric_threshold").await;
    replace_text(&inside(&threshold, "param-threshold").await, "abc").await;
    text(client, "param-threshold-error").await;
    // The field shows `abc`, the spec still holds 0.8: neither runs nor exports.
    text_until(client, "export-blocked", |t| {
        t.contains("Clears a fixed quality bar: Threshold")
    })
    .await;
    assert!(!can_press(client, "export").await);
    assert!(!can_press(client, "run-all").await);
    let problems = by_test_id(client, "export-problems").await;
    scroll_to_css(client, "#export").await;
    page.screenshot("8-invalid-threshold-blocks-export").await;
    inside(&problems, "go-to-field")
        .await
        .click()
        .await
        .unwrap();
    let focused = client
        .execute("return document.activeElement.id", Vec::new())
        .await
        .unwrap();
    assert_eq!(focused, "metric_threshold-threshold");

    replace_text(&inside(&threshold, "param-threshold").await, "0.85").await;
    text_until(client, "export-blocked", |t| t.contains("Run all")).await;
    assert!(all(client, &test_id("export-problems")).await.is_empty());
    assert!(can_press(client, "run-all").await);
    page.close().await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_reload_restores_the_results_with_a_notice() {
    let page = Page::open("reload-results").await;
    let client = &page.client;
    let fingerprint = run_all(client).await;
    let before = verdicts(client).await;

    client.refresh().await.unwrap();
    by_test_id(client, "data-shape").await;
    let notice = text(client, "storage-notice").await;
    assert!(notice.starts_with("Restored your draft from "), "{notice}");
    assert!(
        notice.contains(&format!(
            "data breast_cancer.csv, the trained model, {} check results.",
            before.len()
        )),
        "{notice}"
    );
    assert_eq!(text(client, "fingerprint").await, fingerprint);
    assert_eq!(verdicts(client).await, before);
    assert!(can_press(client, "export").await);
    page.screenshot("9-reload-restores-results").await;
    click(client, "dismiss-notice").await;
    assert!(all(client, &test_id("storage-notice")).await.is_empty());
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
