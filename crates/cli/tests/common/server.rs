//! Real model servers for the CLI's tests. Each runs from a virtual environment under
//! `target/tools` (installed by `cargo xtask test` or `cargo xtask servers`, which name it in an
//! environment variable), listens on 127.0.0.1 only, and is killed when its test ends, however
//! it ends. The spec under test is a real file and the real `assay` binary runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assay_engine::data::{ColumnKind, ColumnSchema, Preprocessing, Task};
use assay_engine::endpoint::evaluation::EvaluationRows;
use assay_engine::model::ModelSpec;
use assay_engine::replay;
use assay_engine::spec::{DatasetSpec, Spec};
use assay_engine::train::TrainConfig;
use serde_json::{Value, json};

use super::Guard;

/// The virtual environment the variable `var` names (set by the xtask that installed it).
pub fn venv(var: &str) -> PathBuf {
    PathBuf::from(std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} names the virtual environment: run this through `cargo xtask`")
    }))
}

/// An empty folder of the test's own under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a Python program of the venv to the end (a model-building script, say); panics with
/// its output if it fails.
pub fn python(venv: &Path, dir: &Path, args: &[&str]) {
    let output = Command::new(venv.join("bin/python"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "python {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A Python helper file of these tests (`crates/cli/tests/servers/`).
pub fn helper_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/servers")
        .join(name)
}

/// PATH with the venv's `bin` first: servers such as MLflow start their workers by name.
pub fn path_with(venv: &Path) -> std::ffi::OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(venv.join("bin")).chain(std::env::split_paths(&rest)))
        .unwrap()
}

/// A server process, its whole process tree killed on drop (MLflow, KServe, BentoML and Triton
/// run workers as child processes, some in process groups of their own, which would otherwise
/// outlive the test), with its output in a log file shown when it fails.
pub struct Server {
    name: String,
    process: Guard,
    log: PathBuf,
}

impl Server {
    /// Starts `command` with stdout and stderr in `log`.
    pub fn start(name: &str, command: &mut Command, log: &Path) -> Self {
        let file = std::fs::File::create(log).unwrap();
        let process = command
            // The Python helpers live in the source tree: no `__pycache__` beside them.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Self {
            name: name.into(),
            process: Guard(process),
            log: log.into(),
        }
    }

    /// Polls `url` until it answers 2xx. Panics with the server's log if the process exits or
    /// `within` passes first.
    pub fn wait_until_ready(&mut self, url: &str, within: Duration) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .into();
        let start = Instant::now();
        loop {
            if agent.get(url).call().is_ok() {
                return;
            }
            if let Some(status) = self.process.0.try_wait().unwrap() {
                panic!("{} exited ({status}): {}", self.name, self.log_text());
            }
            assert!(
                start.elapsed() < within,
                "{} did not answer {url} within {within:?}: {}",
                self.name,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The whole tree found first, then killed at once: a worker whose parent died first
        // would be adopted by init and no longer be found, and a supervisor left alive would
        // start its workers again. `Guard` then reaps the server's own process.
        let server = self.process.0.id();
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(
                std::iter::once(server)
                    .chain(descendants(server))
                    .map(|p| p.to_string()),
            )
            .stderr(Stdio::null())
            .status();
    }
}

/// Every process below `root` (its children, theirs, …), read from `/proc`.
fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (command) state ppid …`; the command may hold spaces and parentheses.
            let ppid = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for &(pid, ppid) in &parents {
            if ppid == parent && !found.contains(&pid) {
                found.push(pid);
                frontier.push(pid);
            }
        }
    }
    found
}

/// Iris's feature names, as the model servers' test models take them.
pub const IRIS_FEATURES: [&str; 4] = ["sepal_length", "sepal_width", "petal_length", "petal_width"];

/// Rows 1, 51 and 101 of iris, one per species, and the class an iris model must answer.
pub fn iris_cases() -> Value {
    json!([
        { "name": "setosa", "input": [5.1, 3.5, 1.4, 0.2],
          "expect": { "kind": "class_label", "label": 0 } },
        { "name": "versicolor", "input": [7.0, 3.2, 4.7, 1.4],
          "expect": { "kind": "class_label", "label": 1 } },
        { "name": "virginica", "input": [6.3, 3.3, 6.0, 2.5],
          "expect": { "kind": "class_label", "label": 2 } },
    ])
}

/// Writes `dir/name.assay.json`: the iris spec with these endpoints. The endpoints are given as
/// JSON, as a user would write them, so the test reads like the file it writes.
pub fn write_spec(dir: &Path, name: &str, endpoints: Value) -> PathBuf {
    let csv = include_str!("../../../../public/samples/iris.csv");
    let spec = Spec::new(
        name,
        DatasetSpec::from_csv("iris.csv", csv, 150),
        Preprocessing::new("species", Task::MulticlassClassification),
        ModelSpec::SoftmaxRegression,
        TrainConfig::default(),
        vec![],
    );
    let mut json: Value = serde_json::from_str(&spec.to_json()).unwrap();
    json["endpoints"] = endpoints;
    let path = dir.join(format!("{name}.assay.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    path
}

/// A spec as the app authors one on the CSV `dir/csv_name` (`model` predicting `target`), whose column
/// `notebook_prediction` (the notebook's offline predictions) is `ignored`, with these
/// endpoints; written to `dir/name.assay.json`. Also returns the data rows each evaluation
/// sends, by its `rows` setting, as `replay::load` splits them (what a reference must score).
pub fn write_evaluation_spec(
    dir: &Path,
    name: &str,
    (csv_name, target): (&str, &str),
    model: ModelSpec,
    endpoints: Value,
) -> (PathBuf, EvaluatedRows) {
    let csv = std::fs::read_to_string(dir.join(csv_name)).unwrap();
    let mut spec = Spec::authored(
        name,
        (csv_name, &csv),
        target,
        model,
        TrainConfig::default(),
    )
    .unwrap();
    spec.preprocessing.column_kinds.push(ColumnSchema {
        name: "notebook_prediction".into(),
        kind: ColumnKind::Ignored,
    });
    let mut json: Value = serde_json::from_str(&spec.to_json()).unwrap();
    json["endpoints"] = endpoints;
    let text = serde_json::to_string_pretty(&json).unwrap();
    let spec = Spec::from_json(&text).unwrap();
    let (_, prepared) = replay::load(&spec, &csv).unwrap();
    let mut all: Vec<usize> = prepared
        .train_rows
        .iter()
        .chain(&prepared.validation_rows)
        .copied()
        .collect();
    all.sort_unstable();
    let path = dir.join(format!("{name}.assay.json"));
    std::fs::write(&path, text).unwrap();
    let rows = EvaluatedRows {
        validation: prepared.validation_rows.clone(),
        all,
    };
    (path, rows)
}

/// The data rows an evaluation sends, by its `rows` setting.
pub struct EvaluatedRows {
    pub validation: Vec<usize>,
    pub all: Vec<usize>,
}

impl EvaluatedRows {
    pub fn of(&self, rows: EvaluationRows) -> &[usize] {
        match rows {
            EvaluationRows::Validation => &self.validation,
            EvaluationRows::All => &self.all,
        }
    }
}

/// `sklearn.metrics` on these data rows of `dataset` (`iris`, `diabetes`), as
/// `evaluation_models.py reference` computes them from the models it saved in `dir`.
pub fn sklearn_reference(venv: &Path, dir: &Path, dataset: &str, rows: &[usize]) -> Value {
    let script = helper_file("evaluation_models.py");
    let out = dir.join(format!("reference-{dataset}-{}.json", rows.len()));
    python(
        venv,
        dir,
        &[
            script.to_str().unwrap(),
            "reference",
            ".",
            dataset,
            &serde_json::to_string(rows).unwrap(),
            out.to_str().unwrap(),
        ],
    );
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

/// Every metric of `reference` (`{"accuracy": 0.9, …}`) is in `metrics` (the report's
/// `[{name, value}…]`) and equal to 1e-12 relative to the larger of its size and 1 (sums of a
/// few hundred terms in another order differ in the last bits), and nothing else is.
#[track_caller]
pub fn assert_same_metrics(what: &str, metrics: &Value, reference: &Value) {
    let reported: Vec<(&str, f64)> = metrics
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no metrics in {metrics}"))
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["value"].as_f64().unwrap()))
        .collect();
    let expected = reference.as_object().unwrap();
    for (name, value) in expected {
        let value = value.as_f64().unwrap();
        let (_, served) = reported
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{what}: no {name} in {metrics}"));
        assert!(
            (served - value).abs() <= 1e-12 * value.abs().max(1.0),
            "{what}: {name} is {served}, scikit-learn says {value}"
        );
    }
    for (name, _) in &reported {
        assert!(
            expected.contains_key(*name),
            "{what}: {name} reported, scikit-learn has no reference for it"
        );
    }
}

/// What one `assay run --only endpoints --json … --junit …` printed and reported.
pub struct AssayRun {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The `--json` report of the one spec run.
    pub report: Value,
    /// The `--junit` report.
    pub junit: String,
}

/// Runs the real `assay` binary on the spec's endpoints, with JSON and JUnit reports beside
/// the spec.
pub fn run_assay(spec: &Path) -> AssayRun {
    let json = spec.with_extension("report.json");
    let junit = spec.with_extension("junit.xml");
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints", "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg(spec)
        .output()
        .unwrap();
    let run = AssayRun {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        report: Value::Null,
        junit: String::new(),
    };
    let text = std::fs::read_to_string(&json)
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {}", run.output()));
    AssayRun {
        report: serde_json::from_str::<Value>(&text).unwrap()[0].clone(),
        junit: std::fs::read_to_string(&junit).unwrap(),
        ..run
    }
}

impl AssayRun {
    /// stdout and stderr together, for assertion messages.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// The report of one endpoint.
    pub fn endpoint(&self, endpoint: &str) -> &Value {
        self.report["endpoints"]
            .as_array()
            .and_then(|all| all.iter().find(|e| e["endpoint"] == endpoint))
            .unwrap_or_else(|| panic!("no endpoint {endpoint} in the report: {}", self.output()))
    }

    /// The outcome of one case of one endpoint in the JSON report.
    pub fn case(&self, endpoint: &str, case: &str) -> &Value {
        self.endpoint(endpoint)["cases"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["case"] == case))
            .unwrap_or_else(|| panic!("no case {endpoint}/{case} in the report: {}", self.output()))
    }

    /// The evaluation of one endpoint in the JSON report.
    pub fn evaluation(&self, endpoint: &str) -> &Value {
        let evaluation = &self.endpoint(endpoint)["evaluation"];
        assert!(
            evaluation.is_object(),
            "{endpoint} has no evaluation: {}",
            self.output()
        );
        evaluation
    }

    /// Whether the JSON report, stdout and JUnit all say the evaluation check (`answers`, or a
    /// label such as `metric_threshold accuracy`) of `endpoint` passed (they must agree).
    pub fn evaluation_passed(&self, endpoint: &str, check: &str) -> bool {
        let outcome = self.evaluation(endpoint)["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case"] == check)
            .unwrap_or_else(|| panic!("no check {check} of {endpoint}: {}", self.output()));
        let in_report = outcome["verdict"] == "pass";
        let name = format!("endpoint {endpoint} / evaluation / {check}");
        let line = format!("{name}:");
        let in_stdout = self
            .stdout
            .lines()
            .find(|l| l.contains(&line))
            .unwrap_or_else(|| panic!("no line {line} in {}", self.stdout))
            .trim_start()
            .starts_with("PASS");
        let junit = roxmltree::Document::parse(&self.junit).unwrap();
        let case = junit
            .descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(&name))
            .unwrap_or_else(|| panic!("no JUnit test case {name}: {}", self.junit));
        let in_junit = !case.children().any(|c| c.has_tag_name("failure"));
        assert_eq!(in_report, in_stdout, "report and stdout disagree on {name}");
        assert_eq!(in_report, in_junit, "report and JUnit disagree on {name}");
        in_report
    }

    /// The names of the JUnit test cases of `endpoint`'s evaluation, in order.
    pub fn junit_evaluation_cases(&self, endpoint: &str) -> Vec<String> {
        let prefix = format!("endpoint {endpoint} / evaluation / ");
        roxmltree::Document::parse(&self.junit)
            .unwrap()
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .filter_map(|n| n.attribute("name")?.strip_prefix(&prefix).map(String::from))
            .collect()
    }

    /// Whether the report and stdout both say the case passed (they must agree).
    pub fn passed(&self, endpoint: &str, case: &str) -> bool {
        let in_report = self.case(endpoint, case)["verdict"] == "pass";
        let line = format!("endpoint {endpoint} / {case}:");
        let in_stdout = self
            .stdout
            .lines()
            .any(|l| l.trim_start().starts_with("PASS") && l.contains(&line));
        assert_eq!(in_report, in_stdout, "report and stdout disagree on {line}");
        in_report
    }
}
