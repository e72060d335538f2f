//! The page's start-up in headless Chromium, as `cargo xtask bench` reports it: how long until
//! the workbench can be used and how much main-thread work that took, cold (a fresh profile:
//! nothing cached, not even compiled wasm) and warm (the same visitor again: the browser's
//! caches and the saved draft), with and without 4× CPU throttling (DevTools' slow-device
//! emulation). The app marks its timeline (`assay-start` once its wasm runs, `assay-interactive`
//! once mounted; `src/main.rs`); main-thread time is DevTools' `TaskDuration` over the load.
//!
//! Not a test: it prints a Markdown table (medians of [`RUNS`] loads) for people, and the
//! README quotes its ratios. Needs `ASSAY_DIST` (a release build of the app) and, like the
//! end-to-end tests, `CHROMEDRIVER` / `CHROME_BIN` where they are not on the usual paths.

// The end-to-end tests' helpers, which unwrap as tests do.
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use fantoccini::Client;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};

use common::web::{browser, dist, scratch, serve_app};

/// Loads measured per setting; the table shows their medians.
const RUNS: usize = 5;

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    method: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.method, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

async fn cdp(client: &Client, method: &'static str, params: Value) -> Value {
    client
        .issue_cmd(Cdp { method, params })
        .await
        .unwrap_or_else(|e| panic!("DevTools {method}: {e}"))
}

/// DevTools' metric `name` (seconds for durations and timestamps).
fn metric(metrics: &Value, name: &str) -> f64 {
    metrics["metrics"]
        .as_array()
        .and_then(|all| all.iter().find(|m| m["name"] == name))
        .and_then(|m| m["value"].as_f64())
        .unwrap_or_else(|| panic!("DevTools reports no {name}"))
}

/// One load of the page, as the page's own marks and DevTools saw it.
#[derive(Debug, Clone, Copy)]
struct Load {
    /// From navigation to the `assay-interactive` mark.
    interactive_ms: f64,
    /// From navigation to `assay-start`: fetching, compiling and instantiating the wasm.
    wasm_running_ms: f64,
    /// The main thread's busy time from navigation until the page has gone idle after mounting
    /// (DevTools' `TaskDuration` of the page).
    main_thread_ms: f64,
}

/// Loads `url` in `client`'s tab and waits until the app has mounted and gone idle.
async fn load(client: &Client, url: &str) -> Load {
    let before = cdp(client, "Performance.getMetrics", json!({})).await;
    client.goto(url).await.expect("the page loads");
    let marks = marks(client).await;
    // What the mount set going (effects, the draft's first save) belongs to start-up too.
    client
        .execute_async(
            "const done = arguments[0];
             requestIdleCallback(() => requestIdleCallback(done, { timeout: 10000 }), { timeout: 10000 });",
            vec![],
        )
        .await
        .expect("the page goes idle");
    // DevTools counts main-thread time per document: the loaded page's own count starts at its
    // navigation, which must be this one.
    let after = cdp(client, "Performance.getMetrics", json!({})).await;
    assert!(
        metric(&after, "NavigationStart") > metric(&before, "Timestamp"),
        "DevTools' metrics are not the new page's"
    );
    Load {
        wasm_running_ms: marks.0,
        interactive_ms: marks.1,
        main_thread_ms: metric(&after, "TaskDuration") * 1000.0,
    }
}

/// The page's `assay-start` and `assay-interactive` marks, once it has both (up to 2 minutes).
async fn marks(client: &Client) -> (f64, f64) {
    for _ in 0..1200 {
        let marks = client
            .execute(
                "const mark = n => performance.getEntriesByName(n)[0]?.startTime ?? null;
                 return [mark('assay-start'), mark('assay-interactive')];",
                vec![],
            )
            .await
            .unwrap_or_default();
        if let (Some(start), Some(interactive)) = (marks[0].as_f64(), marks[1].as_f64()) {
            return (start, interactive);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the page did not mark assay-interactive within 2 minutes (a build from before the app \
         marked its start-up has no marks: build it again with `trunk build --release`)"
    );
}

/// A cold load and then a warm one, in a fresh browser profile, at CPU throttling `rate`.
async fn cold_then_warm(url: &str, rate: f64, run: usize) -> (Load, Load) {
    let downloads = scratch(&format!("startup-downloads-{run}"));
    let (_driver, client) = browser(&downloads, &format!("startup-profile-{run}")).await;
    cdp(&client, "Performance.enable", json!({})).await;
    cdp(
        &client,
        "Emulation.setCPUThrottlingRate",
        json!({ "rate": rate }),
    )
    .await;
    let cold = load(&client, url).await;
    let warm = load(&client, url).await;
    let _ = client.close().await;
    (cold, warm)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this too, without it,
    // where launching browsers is not wanted.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("startup: a benchmark; run it with `cargo bench` (or `cargo xtask bench`)");
        return;
    }
    let (_server, url) = serve_app(&dist(), &[]);
    println!("| Start-up (median of {RUNS}) | Wasm running | Interactive | Main-thread work |");
    println!("| --- | ---: | ---: | ---: |");
    for rate in [1.0, 4.0] {
        let mut loads = (Vec::new(), Vec::new());
        for run in 0..RUNS {
            let (cold, warm) = cold_then_warm(&url, rate, run).await;
            loads.0.push(cold);
            loads.1.push(warm);
        }
        for (name, loads) in [("cold", loads.0), ("warm", loads.1)] {
            let pick = |f: fn(&Load) -> f64| median(loads.iter().map(f).collect());
            println!(
                "| {name}, CPU {}× | {:.0} ms | {:.0} ms | {:.0} ms |",
                rate,
                pick(|l| l.wasm_running_ms),
                pick(|l| l.interactive_ms),
                pick(|l| l.main_thread_ms),
            );
        }
    }
}
