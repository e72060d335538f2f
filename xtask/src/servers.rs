//! `cargo xtask servers` (not run by CI): the endpoint spec shapes against the real servers CI
//! does not install, KServe (V1 and V2), Triton from the nvidia-pytriton wheel and BentoML, each
//! in a virtual environment under `target/tools`, on 127.0.0.1, stopped when its test ends.
//! The tests are `crates/cli/tests/servers.rs`; each prints what `assay` said. A server that
//! cannot be installed or run here does not stop the others.

use crate::setup::{self, Venv};
use crate::shell::{run, step};
use crate::tasks::ignored_cli_tests;

/// KServe's model server; the test serves its own sklearn model (KServe's sklearn server is not
/// on PyPI).
const KSERVE: Venv = Venv {
    folder: "kserve-venv",
    probe: "python",
    packages: &["kserve==0.21.0", "scikit-learn"],
    takes: "5 to 10 minutes",
};

/// Triton 2.51's CPU server, shipped inside the nvidia-pytriton wheel, with a Python model.
const TRITON: Venv = Venv {
    folder: "triton-venv",
    probe: "python",
    packages: &["nvidia-pytriton==0.7.0", "scikit-learn"],
    takes: "5 to 10 minutes",
};

const BENTOML: Venv = Venv {
    folder: "bentoml-venv",
    probe: "bentoml",
    packages: &["bentoml==1.4.39", "scikit-learn"],
    takes: "5 to 10 minutes",
};

struct Target {
    label: &'static str,
    test: &'static str,
    variable: &'static str,
    venv: Venv,
}

const TARGETS: [Target; 3] = [
    Target {
        label: "KServe 0.21 (V1 and V2)",
        test: "kserve_v1_and_v2",
        variable: "ASSAY_KSERVE_VENV",
        venv: KSERVE,
    },
    Target {
        label: "Triton 2.51 (nvidia-pytriton, FP32 float_input)",
        test: "triton_float_input_fp32",
        variable: "ASSAY_TRITON_VENV",
        venv: TRITON,
    },
    Target {
        label: "BentoML 1.4",
        test: "bentoml_service",
        variable: "ASSAY_BENTOML_VENV",
        venv: BENTOML,
    },
];

pub fn run_all() -> anyhow::Result<()> {
    let venvs: Vec<Venv> = TARGETS.iter().map(|t| t.venv).collect();
    let installed = setup::ensure_side_by_side(&venvs);
    let mut results = Vec::new();
    for (target, install) in TARGETS.iter().zip(installed) {
        step(&format!(
            "{}: endpoint cases with the real assay",
            target.label
        ));
        let result = install.and_then(|()| {
            // With `--exact`, only the full name matches (the module's prefix then none).
            run(ignored_cli_tests("servers")
                .args(["--nocapture", "--exact"])
                .arg(format!("servers::{}", target.test))
                .env(target.variable, target.venv.path()))
        });
        results.push((target.label, result));
    }
    step("servers:");
    let mut failed = 0;
    for (label, result) in &results {
        match result {
            Ok(()) => step(&format!("  {label}: every verdict as expected")),
            Err(error) => {
                failed += 1;
                step(&format!("  {label}: FAILED: {error:#}"));
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} servers failed", results.len());
    }
    Ok(())
}
