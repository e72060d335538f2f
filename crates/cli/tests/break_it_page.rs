//! The page's Break it view end to end: the built app in real headless Chromium runs the sample,
//! injects the flipped gradient sign and shows the gradient check's card turn red with its
//! summary beside the correct run's; the whole matrix is cancelled once, then computed with a
//! progress bar, and its score and every cell are what `assay mutate` finds for the exported
//! spec.
//!
//! Screenshots go to `target/e2e-screenshots/break-it-*.png`. Needs a built app (`ASSAY_DIST`),
//! Chromium and chromedriver, hence ignored under a bare `cargo test`.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::time::Duration;

use common::web::{
    all, assay, assert_accessible, browser, by_test_id, choose, click, dist, element_within,
    export_spec, save_screenshot, scratch, scroll_to, scroll_to_css, serve_app, test_id, text,
    text_until,
};
use fantoccini::Locator;
use serde_json::Value;

/// Records every "n of m runs" the Break it progress shows, in `window.breakRuns`.
const WATCH_RUNS: &str = r#"
    window.breakRuns = [];
    new MutationObserver(() => {
        const runs = document.querySelector("[data-testid='break-runs']");
        if (runs && window.breakRuns[window.breakRuns.length - 1] !== runs.textContent) {
            window.breakRuns.push(runs.textContent);
        }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
"#;

/// Starts the matrix and presses its Cancel as soon as the page hands the thread back.
const CANCEL_AT_ONCE: &str = r#"
    document.querySelector("[data-testid='break-matrix']").click();
    setTimeout(() => document.querySelector("[data-testid='break-cancel']").click(), 0);
"#;

/// A matrix cell of `assay mutate --json` as the page writes it.
fn cell_words(cell: &str) -> &'static str {
    match cell {
        "caught" => "Caught",
        "missed" => "Missed",
        "already_failing" => "Already failing",
        "not_applicable" => "n/a",
        other => panic!("a cell the CLI should not write: {other}"),
    }
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn break_it_shows_the_caught_bug_and_the_matrix_assay_mutate_prints() {
    let downloads = scratch("break-it-downloads");
    let (_server, url) = serve_app(&dist(), &[]);
    let (_driver, client) = browser(&downloads, "break-it-profile").await;
    let client = &client;
    client.goto(&url).await.unwrap();
    by_test_id(client, "data-shape").await;
    // Before a run there is nothing to compare a broken run with.
    by_test_id(client, "break-needs-run").await;
    assert!(
        by_test_id(client, "break-run")
            .await
            .attr("disabled")
            .await
            .unwrap()
            .is_some()
    );

    click(client, "run-all").await;
    element_within(client, &test_id("fingerprint"), Duration::from_secs(120)).await;
    assert!(all(client, &test_id("break-needs-run")).await.is_empty());

    // One bug: the gradient check's card turns red, with both runs' summaries.
    scroll_to_css(client, "#break-it").await;
    choose(client, "break-bug", "gradient_sign_flipped").await;
    assert!(
        text(client, "break-designed")
            .await
            .to_lowercase()
            .contains("gradient")
    );
    click(client, "break-run").await;
    let card = element_within(
        client,
        &test_id("broken-gradient_check"),
        Duration::from_secs(120),
    )
    .await;
    assert!(
        card.attr("class")
            .await
            .unwrap()
            .unwrap()
            .contains("failed"),
        "the gradient check's card is not red"
    );
    let inside = |id: &'static str| {
        let card = card.clone();
        async move {
            card.find(Locator::Css(&test_id(id)))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert_ne!(inside("broken-verdict").await, "Pass");
    assert_eq!(inside("broken-cell").await, "Caught");
    let broken = inside("broken-summary").await;
    let correct = inside("broken-baseline").await;
    assert!(
        broken.starts_with("Broken run: ") && broken.len() > 20,
        "{broken}"
    );
    assert!(
        correct.starts_with("Correct run: ") && correct.len() > 20,
        "{correct}"
    );
    assert_ne!(
        broken.trim_start_matches("Broken run: "),
        correct.trim_start_matches("Correct run: ")
    );
    assert!(inside("broken-why").await.contains("designed to catch"));
    assert!(text(client, "break-verdict").await.starts_with("Caught by"));
    assert_accessible(client, "Break it, one bug").await;
    scroll_to_css(client, &test_id("break-picked")).await;
    save_screenshot(
        "break-it-1-gradient-sign",
        &client.screenshot().await.unwrap(),
    );

    // The whole matrix: Cancel keeps nothing; then it runs to the end with progress.
    scroll_to(client, "break-matrix").await;
    // The matrix runs in the page, so Cancel is pressed by the first task after its first
    // slice of runs: a WebDriver click could come after the last.
    client.execute(CANCEL_AT_ONCE, Vec::new()).await.unwrap();
    let cancelled = text_until(client, "break-message", |t| t.contains("Cancelled")).await;
    assert!(cancelled.contains("of 15 runs"), "{cancelled}");
    assert!(
        all(client, &test_id("break-matrix-result"))
            .await
            .is_empty()
    );

    client.execute(WATCH_RUNS, Vec::new()).await.unwrap();
    click(client, "break-matrix").await;
    let score = element_within(client, &test_id("break-score"), Duration::from_secs(480))
        .await
        .text()
        .await
        .unwrap();
    let seen = client
        .execute("return window.breakRuns", Vec::new())
        .await
        .unwrap();
    let seen: Vec<String> = serde_json::from_value(seen).unwrap();
    assert!(
        seen.len() > 1 && seen.iter().all(|s| s.ends_with("of 15 runs")),
        "no progress while the matrix ran: {seen:?}"
    );
    assert!(all(client, &test_id("break-progress")).await.is_empty());
    assert_accessible(client, "Break it, the matrix").await;
    scroll_to_css(client, &test_id("break-matrix-result")).await;
    save_screenshot("break-it-2-matrix", &client.screenshot().await.unwrap());

    // The CLI replays the exported spec to the same matrix.
    let (spec, _) = export_spec(client, &downloads).await;
    let json = downloads.join("mutate.json");
    let output = assay(&[
        "mutate".as_ref(),
        spec.as_os_str(),
        "--json".as_ref(),
        json.as_os_str(),
        "--min-score".as_ref(),
        "0".as_ref(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let found = &found[0];
    let cli_score = found["score"].as_f64().unwrap();
    assert!(
        score.starts_with(&format!("Mutation score {cli_score:.3}:")),
        "the page says {score:?}, assay mutate {cli_score}"
    );
    let rows = found["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 14);
    for row in rows {
        let id = row["mutation"].as_str().unwrap();
        let tr = by_test_id(client, &format!("break-row-{id}")).await;
        let mut cells = Vec::new();
        for td in tr.find_all(Locator::Css("td")).await.unwrap() {
            cells.push(td.text().await.unwrap());
        }
        if row["error"].is_null() {
            let expected: Vec<&str> = row["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| cell_words(c.as_str().unwrap()))
                .collect();
            assert_eq!(cells[1..], expected, "row {id}");
        } else {
            assert!(cells[1].starts_with("Caught before any check"), "row {id}");
        }
    }
    client.clone().close().await.unwrap();
}
