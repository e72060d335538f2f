//! `cargo xtask wheel`: the `assay` command as a PyPI-ready wheel, built by maturin
//! (`crates/cli/pyproject.toml`, `bindings = "bin"`, stripped) into `target/wheels/`; and the
//! fresh virtual environment the test command installs it in, with pytest and the pytest plugin.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use crate::setup::Venv;
use crate::shell::{self, run, step};

/// maturin, from PyPI like the servers.
pub const MATURIN: Venv = Venv {
    folder: "maturin-venv",
    probe: "maturin",
    packages: &["maturin==1.16.0"],
    takes: "seconds",
};

/// pytest for the plugin's tests, the version this was tested with.
const PYTEST: &str = "pytest==9.2.0";

pub fn wheels_dir() -> PathBuf {
    shell::root().join("target").join("wheels")
}

/// Builds the wheel and returns its path. Earlier wheels of this package are removed first, so
/// exactly one is left to install.
pub fn build() -> anyhow::Result<PathBuf> {
    MATURIN.ensure()?;
    let out = wheels_dir();
    for old in wheels(&out)? {
        std::fs::remove_file(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    step("building the assay wheel with maturin (a release build of the CLI)");
    run(Command::new(MATURIN.path().join("bin").join("maturin"))
        .args([
            "build",
            "--release",
            "--locked",
            "--strip",
            "--manifest-path",
        ])
        .arg(shell::root().join("crates").join("cli").join("Cargo.toml"))
        .arg("--out")
        .arg(&out))?;
    match wheels(&out)?.as_slice() {
        [wheel] => {
            step(&format!("wheel: {}", wheel.display()));
            Ok(wheel.clone())
        }
        other => bail!(
            "expected one assay wheel in {}, found {}",
            out.display(),
            other.len()
        ),
    }
}

fn wheels(dir: &std::path::Path) -> anyhow::Result<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("assay_ml-") && name.ends_with(".whl") {
            found.push(path);
        }
    }
    Ok(found)
}

/// A new Python project's environment: made afresh in `target/wheel-venv`, with the wheel
/// (installed without an index: it needs nothing else), pytest and the plugin from this
/// repository. Returns the venv's folder.
pub fn fresh_venv(wheel: &std::path::Path) -> anyhow::Result<PathBuf> {
    let venv = shell::root().join("target").join("wheel-venv");
    if venv.exists() {
        std::fs::remove_dir_all(&venv).with_context(|| format!("removing {}", venv.display()))?;
    }
    step(&format!(
        "installing the wheel, {PYTEST} and pytest-assay-ml into a fresh {}",
        venv.display()
    ));
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    let pip = venv.join("bin").join("pip");
    let quiet = ["install", "--quiet", "--disable-pip-version-check"];
    run(Command::new(&pip).args(quiet).arg("--no-index").arg(wheel))?;
    run(Command::new(&pip)
        .args(quiet)
        .arg(PYTEST)
        .arg(shell::root().join("python").join("pytest-assay-ml")))?;
    Ok(venv)
}
