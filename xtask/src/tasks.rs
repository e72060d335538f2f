//! The tasks themselves.

use std::process::Command;

use crate::setup::{self, Need};
use crate::shell::{path_with_first, root, run, step};
use crate::size;
use crate::wheel;

/// Serves the app with Trunk on http://127.0.0.1:8080 (release build: the engine trains fast).
pub fn serve() -> anyhow::Result<()> {
    setup::ensure_all(Need::App)?;
    step("serving the app on http://127.0.0.1:8080 (Ctrl-C stops it)");
    run(Command::new("trunk")
        .args(["serve", "--release"])
        .env("PATH", setup::tool_path()))
}

/// Every test, cheapest first so a broken build fails fast.
pub fn test() -> anyhow::Result<()> {
    setup::ensure_all(Need::Everything)?;
    let root = root();

    step("1/8 formatting and lints");
    run(Command::new("cargo").args(["fmt", "--all", "--check"]))?;
    run(Command::new("cargo").args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;

    step("2/8 native tests (engine, app logic, CLI)");
    run(Command::new("cargo").args(["test", "--workspace", "--locked"]))?;

    step("3/8 wasm tests in headless Chromium (engine and app components)");
    let chromedriver =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    run(Command::new("cargo")
        .args([
            "test",
            "--locked",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "assay-engine",
            "-p",
            "assay-app",
        ])
        .env("CHROMEDRIVER", &chromedriver)
        .env(
            "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
            root.join("webdriver.json"),
        )
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;

    step("4/8 release build of the app");
    let dist = size::default_dist();
    run(Command::new("trunk")
        .args(["build", "--release", "--dist"])
        .arg(&dist)
        .env("PATH", setup::tool_path()))?;

    step("5/8 size of what the browser downloads");
    size::run(Some(dist.clone()))?;

    step(
        "6/8 end to end: browser → exported spec → CLI, the authoring workbench, and an endpoint evaluated in the page",
    );
    for file in ["browser", "workbench", "evaluation_page", "break_it_page"] {
        run(ignored_cli_tests(file)
            .env("ASSAY_DIST", &dist)
            .env("ASSAY_AXE", setup::axe_core_script())
            .env("CHROMEDRIVER", &chromedriver))?;
    }

    step(
        "7/8 endpoint cases against real servers on 127.0.0.1 (MLServer, MLflow, FastAPI), and servers assay stages itself",
    );
    for (file, variable, venv) in [
        ("mlserver", "ASSAY_MLSERVER_VENV", setup::MLSERVER),
        ("mlflow", "ASSAY_MLFLOW_VENV", setup::MLFLOW),
        ("fastapi", "ASSAY_FASTAPI_VENV", setup::FASTAPI),
        ("k6", "ASSAY_K6_VENV", setup::K6),
    ] {
        // The MLServer tests also run the exported k6 script against it.
        run(ignored_cli_tests(file)
            .env(variable, venv.path())
            .env("ASSAY_K6_VENV", setup::K6.path()))?;
    }
    // `assay run --allow-serve` starting MLServer and MLflow itself.
    run(ignored_cli_tests("stage")
        .env("ASSAY_MLSERVER_VENV", setup::MLSERVER.path())
        .env("ASSAY_MLFLOW_VENV", setup::MLFLOW.path()))?;

    step("8/8 the wheel a Python project installs, and the pytest plugin with the real pytest");
    let wheel = wheel::build()?;
    let venv = wheel::fresh_venv(&wheel)?;
    run(ignored_cli_tests("wheel").env("ASSAY_WHEEL_VENV", &venv))?;
    let plugin = root.join("python").join("pytest-assay-ml");
    run(Command::new(venv.join("bin").join("python"))
        .args(["-m", "pytest", "-q"])
        .arg(plugin.join("tests"))
        .env("PATH", path_with_first(&venv.join("bin"))))?;

    step("all tests passed");
    Ok(())
}

/// `cargo test` of the CLI's tests in `module` (one of its test files) that need outside tools,
/// so they are `#[ignore]`d under a bare `cargo test`.
pub fn ignored_cli_tests(module: &str) -> Command {
    let mut command = Command::new("cargo");
    command.args([
        "test",
        "--locked",
        "-p",
        "assay-cli",
        "--test",
        "integration",
        "--",
        "--ignored",
    ]);
    command.arg(format!("{module}::"));
    command
}

/// Fuzzes every engine entry point that takes user text (spec JSON, CSV, share links, server
/// answers) for `seconds`, optimised but with overflow checks on (the `fuzz` profile), so a
/// wrap is a failure. Stops at the first failure, shrunk and printed by proptest.
pub fn fuzz(seconds: u64) -> anyhow::Result<()> {
    step(&format!("fuzzing the engine for {seconds} s"));
    run(Command::new("cargo")
        .args([
            "test",
            "--locked",
            "--profile",
            "fuzz",
            "-p",
            "assay-engine",
            "--test",
            "integration",
            "--",
            "--ignored",
            "--nocapture",
            "fuzz::fuzz_for_a_while",
        ])
        .env("ASSAY_FUZZ_SECONDS", seconds.to_string()))
}
