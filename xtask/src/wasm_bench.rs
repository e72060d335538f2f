//! Training speed in WebAssembly, for `cargo xtask bench`: the criterion `train` benchmarks' work
//! (`crates/engine/examples/wasm_train.rs`) built for wasm32-unknown-unknown with the `web`
//! profile (what the page ships, opt-level `z`) and with `release` (opt-level 3), timed in one
//! Node run (`wasm_bench.js`: CPU seconds, paired samples, medians), beside the native criterion
//! medians.
//!
//! Every training's parameter fingerprint in wasm must equal the native one, which
//! `wasm_train_native.rs` computes from the same source file; the benchmark fails if any differs.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::shell::{root, run, stdout_of, step};

/// The cargo profiles the module is built with, as the table names them.
const PROFILES: [&str; 2] = ["web", "release"];

/// One training timed in one wasm build.
#[derive(Debug, Clone, PartialEq)]
struct Measured {
    /// The index of its module in the order given (of [`PROFILES`]).
    module: usize,
    model: usize,
    numerics: usize,
    fingerprint: String,
    per_second: f64,
}

/// The models' names and every training's native fingerprint, as `wasm_train_native` prints them.
#[derive(Debug, Clone, PartialEq)]
struct Native {
    models: Vec<String>,
    /// `fingerprints[numerics][model]`.
    fingerprints: Vec<Vec<String>>,
}

impl Native {
    /// The criterion benchmark's name for a training: `train/<model>`, `_numerics2` for
    /// version 2.
    fn id(&self, model: usize, numerics: usize) -> String {
        let name = self.models.get(model).map_or("?", String::as_str);
        match numerics {
            0 => format!("train/{name}"),
            n => format!("train/{name}_numerics{}", n + 1),
        }
    }
}

/// One training's rows × epochs per second: natively (criterion, when it ran) and in each
/// wasm build of [`PROFILES`].
#[derive(Debug, Clone, PartialEq)]
struct Figures {
    id: String,
    native: Option<f64>,
    wasm: [f64; 2],
}

/// Builds, times and checks the wasm trainings; returns their Markdown section for
/// `target/bench.md`. `criterion` is the folder of the native results, for the ratios.
pub fn run_all(criterion: &Path) -> anyhow::Result<String> {
    step("the trainings natively, for their fingerprints");
    let native = native()?;
    let mut modules = PROFILES
        .iter()
        .map(|profile| build(profile))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let wasm_opt = wasm_opt();
    if let Some(wasm_opt) = &wasm_opt {
        modules[0] = optimise_as_the_page(wasm_opt, &modules[0])?;
    }
    step("training in wasm under Node, each profile in turn within every round of samples");
    let measured = measure(&modules, &native)?;
    for (profile, results) in PROFILES.iter().zip(&measured) {
        check_fingerprints(profile, results, &native)?;
    }
    let figures = figures(criterion, &measured, &native)?;
    Ok(markdown(&figures, wasm_opt.is_some()))
}

/// The wasm-opt `cargo xtask setup` installs, which Trunk runs over the page's wasm.
fn wasm_opt() -> Option<PathBuf> {
    let path = crate::setup::tools_dir()
        .join("node_modules")
        .join(".bin")
        .join("wasm-opt");
    path.is_file().then_some(path)
}

/// Trunk's pass over the page's wasm (`data-wasm-opt="z"` in index.html): `wasm-opt -Oz`.
fn optimise_as_the_page(wasm_opt: &Path, wasm: &Path) -> anyhow::Result<PathBuf> {
    let out = wasm.with_extension("oz.wasm");
    run(Command::new(wasm_opt)
        .arg("-Oz")
        .arg(wasm)
        .arg("-o")
        .arg(&out))?;
    Ok(out)
}

fn build(profile: &str) -> anyhow::Result<PathBuf> {
    run(Command::new("cargo").args([
        "build",
        "--locked",
        "-p",
        "assay-engine",
        "--example",
        "wasm_train",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        profile,
    ]))?;
    Ok(root()
        .join("target")
        .join("wasm32-unknown-unknown")
        .join(profile)
        .join("examples")
        .join("wasm_train.wasm"))
}

/// Times every module in one Node run (so their samples are paired); the results per module.
fn measure(modules: &[PathBuf], native: &Native) -> anyhow::Result<Vec<Vec<Measured>>> {
    let script = root().join("xtask").join("src").join("wasm_bench.js");
    let output = stdout_of(
        Command::new("node")
            .arg(&script)
            .arg(native.models.len().to_string())
            .arg(native.fingerprints.len().to_string())
            .args(modules),
    )
    .context("Node.js 18 or later runs the wasm training benchmark")?;
    let all =
        parse(&output).with_context(|| format!("reading what {} printed", script.display()))?;
    Ok((0..modules.len())
        .map(|module| all.iter().filter(|m| m.module == module).cloned().collect())
        .collect())
}

/// The JSON array `wasm_bench.js` prints.
fn parse(text: &str) -> anyhow::Result<Vec<Measured>> {
    let value: Value = serde_json::from_str(text.trim()).context("not JSON")?;
    let items = value.as_array().context("not an array")?;
    let index = |item: &Value, key: &str| -> anyhow::Result<usize> {
        let number = item[key].as_u64().with_context(|| format!("no {key}"))?;
        usize::try_from(number).with_context(|| format!("{key} {number} out of range"))
    };
    items
        .iter()
        .map(|item| {
            Ok(Measured {
                module: index(item, "module")?,
                model: index(item, "model")?,
                numerics: index(item, "numerics")?,
                fingerprint: item["fingerprint"]
                    .as_str()
                    .context("no fingerprint")?
                    .to_owned(),
                per_second: item["per_second"].as_f64().context("no per_second")?,
            })
        })
        .collect()
}

/// The native run of the same trainings (the dev profile: optimisation never changes bits).
fn native() -> anyhow::Result<Native> {
    let output = stdout_of(Command::new("cargo").args([
        "run",
        "--locked",
        "--quiet",
        "-p",
        "assay-engine",
        "--example",
        "wasm_train_native",
    ]))?;
    parse_native(&output).context("reading what the example wasm_train_native printed")
}

/// The JSON object `wasm_train_native` prints.
fn parse_native(text: &str) -> anyhow::Result<Native> {
    let value: Value = serde_json::from_str(text.trim()).context("not JSON")?;
    let strings = |value: &Value| -> anyhow::Result<Vec<String>> {
        value
            .as_array()
            .context("not an array")?
            .iter()
            .map(|s| s.as_str().map(str::to_owned).context("not a string"))
            .collect()
    };
    let models = strings(&value["models"]).context("models")?;
    let fingerprints = value["fingerprints"]
        .as_array()
        .context("no fingerprints")?
        .iter()
        .map(&strings)
        .collect::<anyhow::Result<Vec<_>>>()
        .context("fingerprints")?;
    if fingerprints.iter().any(|row| row.len() != models.len()) {
        bail!(
            "fingerprints for {} models, not for each numerics",
            models.len()
        );
    }
    Ok(Native {
        models,
        fingerprints,
    })
}

/// Fails, naming each training, unless every wasm fingerprint equals its native one.
fn check_fingerprints(profile: &str, measured: &[Measured], native: &Native) -> anyhow::Result<()> {
    let expected: usize = native.fingerprints.iter().map(Vec::len).sum();
    if measured.len() != expected {
        bail!(
            "the wasm ({profile} profile) timed {} trainings, not {expected}",
            measured.len()
        );
    }
    let differing: Vec<String> = measured
        .iter()
        .filter_map(|m| {
            let want = native
                .fingerprints
                .get(m.numerics)
                .and_then(|row| row.get(m.model));
            (want != Some(&m.fingerprint)).then(|| {
                format!(
                    "{}: wasm {}, native {}",
                    native.id(m.model, m.numerics),
                    m.fingerprint,
                    want.map_or("(none)", String::as_str)
                )
            })
        })
        .collect();
    if !differing.is_empty() {
        bail!(
            "training in wasm ({profile} profile) is not bit-identical to native:\n  {}",
            differing.join("\n  ")
        );
    }
    Ok(())
}

fn figures(
    criterion: &Path,
    measured: &[Vec<Measured>],
    native: &Native,
) -> anyhow::Result<Vec<Figures>> {
    let [web, release] = measured else {
        bail!("expected one set of figures per profile");
    };
    web.iter()
        .map(|w| {
            let r = release
                .iter()
                .find(|r| (r.model, r.numerics) == (w.model, w.numerics))
                .context("a training timed in one profile only")?;
            let id = native.id(w.model, w.numerics);
            Ok(Figures {
                native: native_per_second(criterion, &id),
                id,
                wasm: [w.per_second, r.per_second],
            })
        })
        .collect()
}

/// Rows × epochs per second of the criterion benchmark `id`, from its latest median; `None`
/// when it has not run.
fn native_per_second(criterion: &Path, id: &str) -> Option<f64> {
    let dir = criterion.join(id).join("new");
    let read = |name: &str| -> Option<Value> {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).ok()?).ok()
    };
    let elements = read("benchmark.json")?["throughput"]["Elements"].as_f64()?;
    let median_ns = read("estimates.json")?["median"]["point_estimate"].as_f64()?;
    (median_ns > 0.0).then(|| elements / (median_ns / 1e9))
}

/// The section; `page_pass` says whether the `web` build went through wasm-opt as the page's does.
fn markdown(figures: &[Figures], page_pass: bool) -> String {
    // Three significant figures for the slow MLPs too.
    let millions = |x: f64| match x / 1e6 {
        m if m >= 1.0 => format!("{m:.2} M"),
        m => format!("{m:.3} M"),
    };
    let ratio = |a: f64, b: Option<f64>| b.map_or(String::new(), |b| format!("{:.2} ×", a / b));
    let web = if page_pass {
        "opt-level `z`, then `wasm-opt -Oz` as Trunk does for the page"
    } else {
        "opt-level `z`, without the page's `wasm-opt -Oz` pass: wasm-opt is not installed in \
         target/tools (`cargo xtask setup`)"
    };
    let mut text = format!(
        "\n## Training in wasm\n\n\
         Rows × epochs per second: native from the criterion medians above (`release`), wasm \
         per CPU second in Node (medians of paired samples: each round times both builds in \
         both numerics), built as the page is with the `web` profile ({web}) and with \
         `release` (opt-level 3, no wasm-opt). Every wasm fingerprint equals the native \
         one.\n\n\
         | training | native | wasm `web` | wasm `release` | `web` ÷ native | \
         `release` ÷ native | `release` ÷ `web` |\n|---|--:|--:|--:|--:|--:|--:|\n",
    );
    for f in figures {
        let [web, release] = f.wasm;
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            f.id,
            f.native.map_or("(not run)".into(), millions),
            millions(web),
            millions(release),
            ratio(web, f.native),
            ratio(release, f.native),
            ratio(release, Some(web)),
        ));
    }
    text.push_str(
        "\nNumerics 2 ÷ numerics 1, same model:\n\n\
         | model | native | wasm `web` | wasm `release` |\n|---|--:|--:|--:|\n",
    );
    for first in figures.iter().filter(|f| !f.id.contains("_numerics")) {
        let second = format!("{}_numerics2", first.id);
        let Some(second) = figures.iter().find(|f| f.id == second) else {
            continue;
        };
        let native = second
            .native
            .map_or(String::new(), |n| ratio(n, first.native));
        text.push_str(&format!(
            "| {} | {native} | {} | {} |\n",
            first.id.trim_start_matches("train/"),
            ratio(second.wasm[0], Some(first.wasm[0])),
            ratio(second.wasm[1], Some(first.wasm[1])),
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(model: usize, numerics: usize, fingerprint: &str) -> Measured {
        Measured {
            module: 0,
            model,
            numerics,
            fingerprint: fingerprint.into(),
            per_second: 1e6,
        }
    }

    #[test]
    fn a_fingerprint_that_differs_from_native_fails_the_benchmark_and_names_the_training() {
        let native = Native {
            models: vec!["logistic_regression".into(), "softmax_regression".into()],
            fingerprints: vec![
                vec!["a0".to_string(), "a1".to_string()],
                vec!["b0".to_string(), "b1".to_string()],
            ],
        };
        let same = [
            measured(0, 0, "a0"),
            measured(1, 0, "a1"),
            measured(0, 1, "b0"),
            measured(1, 1, "b1"),
        ];
        check_fingerprints("web", &same, &native).unwrap();
        let error_of = |profile: &str, measured: &[Measured]| {
            check_fingerprints(profile, measured, &native)
                .unwrap_err()
                .to_string()
        };
        let mut differs = same.clone();
        differs[3].fingerprint = "c1".into();
        let error = error_of("web", &differs);
        assert!(
            error.contains("(web profile) is not bit-identical"),
            "{error}"
        );
        assert!(
            error.contains("train/softmax_regression_numerics2: wasm c1, native b1"),
            "{error}"
        );
        // A training the wasm skipped is a failure too, not a pass by omission.
        let error = error_of("release", &same[..3]);
        assert!(error.contains("timed 3 trainings, not 4"), "{error}");
        // So is one the native run does not know.
        let mut unknown = same.clone();
        unknown[3].numerics = 2;
        let error = error_of("web", &unknown);
        assert!(
            error.contains("train/softmax_regression_numerics3: wasm b1, native (none)"),
            "{error}"
        );
    }

    #[test]
    fn the_native_runs_output_is_read_and_a_ragged_one_is_an_error() {
        let text =
            r#"{"models":["logistic_regression","mlp"],"fingerprints":[["a0","a1"],["b0","b1"]]}"#;
        let native = parse_native(text).unwrap();
        assert_eq!(native.models, ["logistic_regression", "mlp"]);
        assert_eq!(native.fingerprints[1], ["b0", "b1"]);
        assert!(parse_native(&text.replace(r#","b1""#, "")).is_err());
        assert!(parse_native(&text.replace(r#""a1""#, "1")).is_err());
        assert!(parse_native(r#"{"models":[]}"#).is_err());
    }

    #[test]
    fn the_scripts_output_is_read_and_junk_is_an_error() {
        let text =
            r#"[{"module":1,"model":2,"numerics":1,"fingerprint":"ab","per_second":2500000.5}]"#;
        assert_eq!(
            parse(text).unwrap(),
            [Measured {
                module: 1,
                model: 2,
                numerics: 1,
                fingerprint: "ab".into(),
                per_second: 2_500_000.5,
            }]
        );
        assert!(parse("").is_err());
        assert!(parse(r#"[{"module":0,"model":2,"numerics":1,"per_second":1}]"#).is_err());
        assert!(
            parse(r#"[{"module":0,"model":-1,"numerics":1,"fingerprint":"ab","per_second":1}]"#)
                .is_err()
        );
    }

    #[test]
    fn the_native_figure_is_the_criterion_median_throughput() {
        let dir = std::env::temp_dir().join(format!("assay-wasm-bench-{}", std::process::id()));
        let new = dir.join("train").join("logistic_regression").join("new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"throughput":{"Elements":5690}}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"median":{"point_estimate":2845000.0}}"#,
        )
        .unwrap();
        // 5690 rows × epochs in 2.845 ms.
        assert_eq!(
            native_per_second(&dir, "train/logistic_regression"),
            Some(2e6)
        );
        assert_eq!(native_per_second(&dir, "train/softmax_regression"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_tables_give_figures_and_ratios_to_native_between_profiles_and_between_numerics() {
        let figures = [
            Figures {
                id: "train/logistic_regression".into(),
                native: Some(4e6),
                wasm: [1e6, 2e6],
            },
            Figures {
                id: "train/logistic_regression_numerics2".into(),
                native: None,
                wasm: [3e6, 5e6],
            },
            Figures {
                id: "train/mlp_relu_32_adam".into(),
                native: Some(4.7e5),
                wasm: [1.57e5, 2.6e5],
            },
        ];
        let text = markdown(&figures, true);
        assert!(
            text.contains(
                "| train/logistic_regression | 4.00 M | 1.00 M | 2.00 M | 0.25 × | 0.50 × | 2.00 × |\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "| train/logistic_regression_numerics2 | (not run) | 3.00 M | 5.00 M |  |  | 1.67 × |\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "| train/mlp_relu_32_adam | 0.470 M | 0.157 M | 0.260 M | 0.33 × | 0.55 × | 1.66 × |\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("| logistic_regression |  | 3.00 × | 2.50 × |\n"),
            "{text}"
        );
        // A model without a numerics 2 figure has no ratio row.
        assert!(!text.contains("| mlp_relu_32_adam |"), "{text}");
        assert!(text.contains("then `wasm-opt -Oz` as Trunk does"), "{text}");
        let without = markdown(&figures, false);
        assert!(
            without.contains("without the page's `wasm-opt -Oz` pass"),
            "{without}"
        );
    }

    #[test]
    fn ids_are_the_criterion_benchmarks_names() {
        let native = Native {
            models: vec!["logistic_regression".into(), "mlp_tanh_32_16".into()],
            fingerprints: Vec::new(),
        };
        assert_eq!(native.id(0, 0), "train/logistic_regression");
        assert_eq!(native.id(1, 1), "train/mlp_tanh_32_16_numerics2");
    }
}
