//! `cargo xtask bench`'s training side by side: numpy doing the criterion `train` group's
//! training (`xtask/bench/train_numpy.py`, numpy from `target/tools/numpy-venv`), and a table
//! of Assay's two numerics versions against it.

use std::process::Command;

use anyhow::Context;
use serde_json::Value;

use crate::setup;
use crate::shell::{root, stdout_of, step};

/// CPU seconds of training the script spends on each model.
const SECONDS_PER_MODEL: &str = "3";

/// One model's numpy figure, named as the criterion benchmark is.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    pub model: String,
    pub rows_epochs_per_second: f64,
}

/// Runs the script on one BLAS thread (Assay trains on one core) and returns its figures.
pub fn measure() -> anyhow::Result<Vec<Rate>> {
    setup::NUMPY.ensure()?;
    let python = setup::NUMPY.path().join("bin").join("python3");
    let script = root().join("xtask").join("bench").join("train_numpy.py");
    let csv = root()
        .join("public")
        .join("samples")
        .join("breast_cancer.csv");
    step("numpy: the same training, single-threaded BLAS (about 15 s)");
    // The script pins numpy's BLAS to one thread itself, before importing it.
    let output = stdout_of(
        Command::new(&python)
            .arg(&script)
            .arg(&csv)
            .args(["--seconds", SECONDS_PER_MODEL]),
    )?;
    rates(&output)
}

/// The script's JSON as one rate per model, in the script's order.
fn rates(json: &str) -> anyhow::Result<Vec<Rate>> {
    let value: Value = serde_json::from_str(json).context("the numpy script's output")?;
    let models = value["models"]
        .as_object()
        .context("the numpy script's output has no `models`")?;
    models
        .iter()
        .map(|(model, figures)| {
            let rate = figures["rows_epochs_per_cpu_second"]
                .as_f64()
                .filter(|r| r.is_finite() && *r > 0.0)
                .with_context(|| {
                    format!("the numpy script gives {model} no rows_epochs_per_cpu_second")
                })?;
            Ok(Rate {
                model: model.clone(),
                rows_epochs_per_second: rate,
            })
        })
        .collect()
}

/// Assay's numerics 1 and numerics 2 beside numpy, per model, with the ratios; `assay(id)` is
/// the rows × epochs per second of the criterion benchmark `id` (`train/<model>` for numerics
/// 1, `train/<model>_numerics2` for numerics 2), if it ran.
pub fn table(numpy: &[Rate], assay: impl Fn(&str) -> Option<f64>) -> String {
    let mut text = String::from(
        "## Training beside numpy\n\n\
         Rows × epochs per second, millions (Assay: criterion's median wall time on one core; \
         numpy: median CPU time, one BLAS thread). The ratio is Assay's figure over numpy's: \
         above 1, Assay is faster.\n\n\
         | model | Assay numerics 1 | Assay numerics 2 | numpy | numerics 1 ÷ numpy | \
         numerics 2 ÷ numpy |\n|---|--:|--:|--:|--:|--:|\n",
    );
    let millions = |rate: Option<f64>| rate.map_or("–".to_owned(), |r| format!("{:.2}", r / 1e6));
    for rate in numpy {
        let first = assay(&format!("train/{}", rate.model));
        let second = assay(&format!("train/{}_numerics2", rate.model));
        let ratio = |assay: Option<f64>| {
            assay.map_or("–".to_owned(), |a| {
                format!("{:.2} ×", a / rate.rows_epochs_per_second)
            })
        };
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            rate.model,
            millions(first),
            millions(second),
            millions(Some(rate.rows_epochs_per_second)),
            ratio(first),
            ratio(second),
        ));
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_scripts_output_gives_one_rate_per_model_in_its_order() {
        let json = r#"{"numpy": "2.4.6", "models": {
            "mlp_tanh_32_16": {"rows_epochs_per_cpu_second": 120000.0, "runs": 60},
            "logistic_regression": {"rows_epochs_per_cpu_second": 840000.5}}}"#;
        assert_eq!(
            rates(json).unwrap(),
            [
                Rate {
                    model: "mlp_tanh_32_16".into(),
                    rows_epochs_per_second: 120000.0
                },
                Rate {
                    model: "logistic_regression".into(),
                    rows_epochs_per_second: 840000.5
                },
            ]
        );
    }

    #[test]
    fn output_without_a_usable_rate_is_refused_with_the_model_named() {
        let missing = rates(r#"{"models": {"softmax_regression": {"runs": 3}}}"#).unwrap_err();
        assert!(
            format!("{missing:#}").contains("softmax_regression"),
            "{missing:#}"
        );
        let zero = r#"{"models": {"m": {"rows_epochs_per_cpu_second": 0.0}}}"#;
        assert!(rates(zero).is_err());
        assert!(rates(r#"{"numpy": "2.4.6"}"#).is_err());
        assert!(rates("Traceback (most recent call last):").is_err());
    }

    #[test]
    fn the_table_sets_both_numerics_beside_numpy_with_ratios() {
        let numpy = [
            Rate {
                model: "logistic_regression".into(),
                rows_epochs_per_second: 1.0e6,
            },
            Rate {
                model: "mlp_tanh_32_16".into(),
                rows_epochs_per_second: 0.2e6,
            },
        ];
        let assay = |id: &str| match id {
            "train/logistic_regression" => Some(4.0e6),
            "train/logistic_regression_numerics2" => Some(8.5e6),
            "train/mlp_tanh_32_16" => Some(0.1e6),
            _ => None,
        };
        let table = table(&numpy, assay);
        assert!(
            table.contains("| logistic_regression | 4.00 | 8.50 | 1.00 | 4.00 × | 8.50 × |\n"),
            "{table}"
        );
        // A benchmark that did not run leaves its cells empty rather than failing the table.
        assert!(
            table.contains("| mlp_tanh_32_16 | 0.10 | – | 0.20 | 0.50 × | – |\n"),
            "{table}"
        );
    }
}
