//! `assay run`: replay specs and print what held and what did not.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use assay_engine::checks::{CheckFamily, CheckOutcome, Verdict};
use assay_engine::endpoint::{
    CaseOutcome, EndpointSpec, Evaluator, Resolved, resolve_env, resolve_headers,
};
use assay_engine::numerics::Numerics;
use assay_engine::replay::{self, Stepper};
use assay_engine::spec::{MAX_SPEC_BYTES, Spec};

use crate::Status;
use crate::endpoints::{self, EndpointReport};
use crate::files::{dataset_for, read_limited};
use crate::report::{self, ReplayMatch, SpecReport};
use crate::stage;
use crate::terminal::{escaped, print_error};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Spec files written by the Assay app.
    #[arg(required = true)]
    specs: Vec<PathBuf>,
    /// Also write the results as JUnit XML, for CI systems to show as test results.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Also write the results as JSON (the format is documented in `report.rs`).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Read the dataset from this CSV instead of the spec's own (it must still match the
    /// spec's SHA-256); for a spec whose data lives elsewhere in CI.
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
    /// Run only one part of each spec.
    #[arg(long, value_enum)]
    only: Option<Part>,
    /// KEY=VALUE lines for `${env:KEY}` references in endpoint headers.
    #[arg(long, value_name = "PATH")]
    env_file: Option<PathBuf>,
    /// An environment variable endpoint headers may read as `${env:NAME}` (repeatable). Only
    /// these, the env file's and those named ASSAY_… are read, so a spec cannot send any other
    /// variable to a host it names.
    #[arg(long, value_name = "NAME")]
    allow_env: Vec<String>,
    /// The longest each endpoint's cases, each evaluation and each load run may take; requests
    /// left unsent then fail the run, saying how many were sent (or which rows).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    time_limit: u64,
    /// Start the model servers the specs' endpoints name in `serve`, and stop them after their
    /// tests. Without it such an endpoint is skipped: a spec from a branch you do not trust
    /// could otherwise run any program on this machine.
    #[arg(long)]
    allow_serve: bool,
}

/// Environment variables whose name starts with this are read without `--allow-env`.
const ENV_PREFIX: &str = "ASSAY_";

/// Where `${env:NAME}` values come from: the env file, then the environment for the names the
/// person running allowed.
struct Environment {
    file: Vec<(String, String)>,
    allowed: Vec<String>,
}

impl Environment {
    fn lookup(&self, name: &str) -> Result<String, String> {
        if let Some((_, value)) = self.file.iter().find(|(key, _)| key == name) {
            return Ok(value.clone());
        }
        if name.starts_with(ENV_PREFIX) || self.allowed.iter().any(|a| a == name) {
            return std::env::var(name).map_err(|_| "which is not set".to_owned());
        }
        Err(format!(
            "which this run may not read: pass --allow-env {name}, or set it in --env-file \
             (variables named {ENV_PREFIX}… are always read)"
        ))
    }
}

/// The parts of a spec `--only` can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    /// The model checks: training, gradients, quality.
    Training,
    /// The data checks: missing values, schema, duplicates, leakage, balance.
    Data,
    /// Smoke and contract cases against deployed endpoints.
    Endpoints,
}

/// Replays every spec, even after one fails, and returns the worst status.
pub fn run(args: &RunArgs) -> anyhow::Result<Status> {
    let env = Environment {
        file: match &args.env_file {
            Some(path) => read_env_file(path)?,
            None => Vec::new(),
        },
        allowed: args.allow_env.clone(),
    };
    let time_limit = Duration::from_secs(args.time_limit);
    if args.allow_serve {
        stage::stop_all_on_interrupt();
    }
    let options = Options {
        only: args.only,
        data: args.data.as_deref(),
        env: &env,
        time_limit,
        allow_serve: args.allow_serve,
    };
    let mut reports = Vec::new();
    for path in &args.specs {
        let report = replay_one(path, &options).unwrap_or_else(|error| {
            print_error(&format!("{}: {error:#}", path.display()));
            SpecReport::unusable(&path.display().to_string(), format!("{error:#}"))
        });
        reports.push(report);
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, report::to_junit(&reports)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.json {
        std::fs::write(path, report::to_json(&reports))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(reports
        .iter()
        .map(SpecReport::exit_status)
        .max()
        .unwrap_or(Status::Success))
}

/// How `assay run` was asked to run each spec.
struct Options<'a> {
    only: Option<Part>,
    data: Option<&'a Path>,
    env: &'a Environment,
    time_limit: Duration,
    allow_serve: bool,
}

fn replay_one(path: &Path, options: &Options) -> anyhow::Result<SpecReport> {
    let Options {
        only,
        data,
        env,
        time_limit,
        allow_serve,
    } = *options;
    let text = read_limited(path, MAX_SPEC_BYTES).context("cannot read the spec")?;
    let mut spec = Spec::from_json(&text)?;
    if let Some(part) = only {
        keep_only(&mut spec, part);
    }
    // Every endpoint's headers before anything runs or is sent: a variable missing for the
    // second endpoint must not leave the first one's results half reported.
    let run_endpoints = matches!(only, None | Some(Part::Endpoints));
    let resolved = if run_endpoints {
        spec.endpoints
            .iter()
            .map(|e| {
                resolve_headers(&e.headers, |name| env.lookup(name))
                    .map_err(|m| anyhow::anyhow!("endpoint `{}`: {m}", e.name))
            })
            .collect::<anyhow::Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    // The servers to stage, each on its port, before anything starts: the endpoints as they
    // will run (`{{port}}` filled in) are what evaluations are built from and refused on.
    let mut plan = if run_endpoints {
        stage_plan(&spec, path, env, allow_serve)?
    } else {
        StagePlan::default()
    };
    if run_endpoints {
        spec.endpoints = std::mem::take(&mut plan.live);
    }
    // Evaluations read the dataset: a spec that cannot be evaluated (a feature the data lacks,
    // the notebook's column used as a feature) is refused before any request goes out.
    let evaluating = run_endpoints && spec.endpoints.iter().any(|e| e.evaluation.is_some());
    let replaying = only != Some(Part::Endpoints);
    // Read once, for the evaluations and the replay alike.
    let csv = if evaluating || replaying {
        dataset_for(&spec, path, data)?
    } else {
        String::new()
    };
    // One parse and split of the data: the replay's, which the evaluations read too. The
    // replay takes the text and lets it go once parsed: a large file is not held beside the
    // features it becomes.
    let (stepper, csv) = if replaying {
        (Some(Stepper::new(&spec, csv)?), String::new())
    } else {
        (None, csv)
    };
    let evaluators = if evaluating {
        let loaded;
        let (table, prepared) = match &stepper {
            Some(stepper) => (stepper.table(), stepper.prepared()),
            None => {
                loaded = replay::load(&spec, &csv)?;
                (&loaded.0, &loaded.1)
            }
        };
        spec.endpoints
            .iter()
            .map(|e| Evaluator::new(&spec, table, prepared, e))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    drop(csv);
    let mut report = SpecReport {
        spec: path.display().to_string(),
        name: Some(spec.name.clone()),
        status: "pass",
        error: None,
        numerics: Some(spec.training.numerics.version()),
        parameter_fingerprint: None,
        replay: None,
        checks: Vec::new(),
        differences: Vec::new(),
        differences_total: 0,
        endpoints: Vec::new(),
    };
    if let Some(stepper) = stepper {
        let run = stepper.finish();
        report.differences = spec
            .recorded
            .as_ref()
            .map(|r| replay::compare(r, &run))
            .unwrap_or_default();
        report.differences_total = report.differences.len();
        report.replay = Some(match (&spec.recorded, report.differences.is_empty()) {
            (None, _) => ReplayMatch::NothingRecorded,
            (Some(_), true) => ReplayMatch::BitIdentical,
            (Some(_), false) => ReplayMatch::Differs,
        });
        report.checks = run
            .checks
            .iter()
            .map(|c| CheckOutcome {
                loss_curve: Vec::new(),
                ..c.clone()
            })
            .collect();
        report.parameter_fingerprint = Some(run.parameter_fingerprint.clone());
    }
    report.endpoints = run_endpoints_staged(&spec, &resolved, &evaluators, plan, time_limit);
    report.status = SpecReport::status_of(&report.checks, &report.differences, &report.endpoints);
    let report = report.bounded();
    print_summary(&report);
    // Exit 2 says why on stderr, like every other unusable input.
    for check in report.checks.iter().filter(|c| c.verdict == Verdict::Error) {
        print_error(&format!(
            "{}: check `{}` could not run: {}",
            path.display(),
            check.check,
            check.summary
        ));
    }
    Ok(report)
}

/// `KEY=VALUE` lines; blank lines and `#` comments are skipped.
fn read_env_file(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let text = read_limited(path, 1024 * 1024)
        .with_context(|| format!("cannot read the env file {}", path.display()))?;
    let mut variables = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            anyhow::bail!("{} line {}: expected KEY=VALUE", path.display(), number + 1);
        };
        variables.push((key.trim().to_owned(), value.trim().to_owned()));
    }
    Ok(variables)
}

/// What staging a spec's servers takes: per endpoint, the endpoint as it runs (`{{port}}` filled
/// in; taken into the spec before anything runs), and how its server starts (when it has one and
/// may), or why it is skipped.
#[derive(Debug, Default)]
struct StagePlan {
    live: Vec<EndpointSpec>,
    servers: Vec<Option<(u16, PathBuf, Resolved)>>,
    skipped: Vec<Option<String>>,
}

/// Picks each staged server's port and folder and resolves its environment; an `Err` (a
/// variable missing, a folder outside the spec's) is unusable input, before anything starts.
fn stage_plan(
    spec: &Spec,
    path: &Path,
    env: &Environment,
    allow_serve: bool,
) -> anyhow::Result<StagePlan> {
    let folder = path.parent().unwrap_or_else(|| Path::new("."));
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let mut plan = StagePlan::default();
    for endpoint in &spec.endpoints {
        let (live, server, skipped) = match &endpoint.serve {
            None => (endpoint.clone(), None, None),
            Some(serve) if !allow_serve => (
                endpoint.clone(),
                None,
                Some(format!(
                    "it starts `{}`, which assay run does only with --allow-serve",
                    serve.shown()
                )),
            ),
            Some(serve) => {
                let context = || format!("endpoint `{}`", endpoint.name);
                let cwd = stage::working_folder(serve, folder).with_context(context)?;
                let variables = resolve_env(&serve.env, |name| env.lookup(name))
                    .map_err(|m| anyhow::anyhow!("endpoint `{}`: {m}", endpoint.name))?;
                let port = stage::free_port()?;
                (
                    stage::on_port(endpoint, port),
                    Some((port, cwd, variables)),
                    None,
                )
            }
        };
        plan.live.push(live);
        plan.servers.push(server);
        plan.skipped.push(skipped);
    }
    Ok(plan)
}

/// Starts every staged server and waits until each is ready, runs each endpoint's cases,
/// evaluation and load plan (none for an endpoint whose server did not come up), then stops
/// the servers; each stage is a case of its endpoint.
fn run_endpoints_staged(
    spec: &Spec,
    resolved: &[Resolved],
    evaluators: &[Option<Evaluator>],
    plan: StagePlan,
    time_limit: Duration,
) -> Vec<EndpointReport> {
    let client = crate::http::Client::new();
    let mut stages: Vec<Vec<CaseOutcome>> = vec![Vec::new(); spec.endpoints.len()];
    let mut servers = Vec::new();
    for (i, server) in plan.servers.into_iter().enumerate() {
        let Some((port, cwd, variables)) = server else {
            continue;
        };
        let Some(serve) = &spec.endpoints[i].serve else {
            continue;
        };
        let (starts, staged) = stage::start(serve, &cwd, port, variables);
        stages[i].push(starts);
        if let Some(mut staged) = staged {
            let headers = resolved
                .get(i)
                .map(|r| r.headers.as_slice())
                .unwrap_or_default();
            stages[i].push(staged.wait_until_ready(&spec.endpoints[i], headers, &client));
            servers.push((i, staged));
        }
    }
    let mut reports = Vec::new();
    for (i, (endpoint, headers)) in spec.endpoints.iter().zip(resolved).enumerate() {
        let came_up = stages[i].iter().all(|c| c.verdict == Verdict::Pass);
        let mut report = if let Some(Some(reason)) = plan.skipped.get(i) {
            EndpointReport::skipped(endpoint, reason)
        } else if came_up {
            let mut report = endpoints::run(endpoint, headers, time_limit);
            if let Some(Some(evaluator)) = evaluators.get(i) {
                report.evaluation = Some(endpoints::evaluate(
                    evaluator,
                    &spec.endpoints,
                    resolved,
                    time_limit,
                ));
            }
            report
        } else {
            EndpointReport::skipped(endpoint, "its server did not come up")
        };
        report.cases.splice(0..0, std::mem::take(&mut stages[i]));
        reports.push(report);
    }
    // Stopped last, in reverse, once every endpoint (a challenger's too) is done with them.
    for (i, staged) in servers.into_iter().rev() {
        reports[i].cases.extend(staged.stop());
    }
    for (report, r) in reports.iter_mut().zip(resolved) {
        for case in &mut report.cases {
            r.secrets.redact_outcome(case);
        }
    }
    reports
}

/// Drops the checks (and their recordings, which pair by position) outside `part`. Specs hold
/// no endpoint cases yet, so `endpoints` keeps no checks.
fn keep_only(spec: &mut Spec, part: Part) {
    let wanted = |check: &assay_engine::checks::CheckSpec| match part {
        Part::Training => check.family() == CheckFamily::Training,
        Part::Data => check.family() == CheckFamily::Data,
        Part::Endpoints => false,
    };
    let keep: Vec<bool> = spec.checks.iter().map(wanted).collect();
    spec.checks = select(std::mem::take(&mut spec.checks), &keep);
    if let Some(recorded) = &mut spec.recorded {
        recorded.checks = select(std::mem::take(&mut recorded.checks), &keep);
    }
}

/// The items whose `keep` entry is true; items past its end are dropped.
fn select<T>(items: Vec<T>, keep: &[bool]) -> Vec<T> {
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, &k)| k.then_some(item))
        .collect()
}

/// The readable summary. `anstream` drops the colours when stdout is not a terminal or
/// `NO_COLOR` is set, so logs and pipes get plain text.
fn print_summary(report: &SpecReport) {
    use anstream::println;
    use anstyle::{AnsiColor, Style};
    let paint = |color: AnsiColor| Style::new().fg_color(Some(color.into())).bold();
    let (pass, fail, error) = (
        paint(AnsiColor::Green),
        paint(AnsiColor::Red),
        paint(AnsiColor::Yellow),
    );
    println!(
        "{}: {}",
        escaped(&report.spec),
        escaped(report.name.as_deref().unwrap_or_default())
    );
    let count = |verdict| {
        report
            .checks
            .iter()
            .filter(|c| c.verdict == verdict)
            .count()
    };
    for check in &report.checks {
        let (label, style) = match check.verdict {
            Verdict::Pass => ("PASS ", pass),
            Verdict::Fail => ("FAIL ", fail),
            Verdict::Error => ("ERROR", error),
        };
        println!(
            "  {style}{label}{style:#} {}: {}",
            escaped(&check.check),
            escaped(&check.summary)
        );
    }
    let skip = paint(AnsiColor::Yellow);
    for endpoint in &report.endpoints {
        for case in &endpoint.cases {
            let (label, style) = match case.verdict {
                Verdict::Pass => ("PASS ", pass),
                _ => ("FAIL ", fail),
            };
            let latency = case
                .latency_ms
                .map(|ms| format!(" ({ms:.0} ms)"))
                .unwrap_or_default();
            println!(
                "  {style}{label}{style:#} endpoint {} / {}: {}{latency}",
                escaped(&endpoint.endpoint),
                escaped(&case.case),
                escaped(&case.summary)
            );
        }
        if let Some(reason) = &endpoint.skipped {
            println!(
                "  {skip}SKIP {skip:#} endpoint {}: not run, {}",
                escaped(&endpoint.endpoint),
                escaped(reason)
            );
        }
        if let Some(load) = &endpoint.load {
            let (label, style) = if load.broken.is_empty() {
                ("PASS ", pass)
            } else {
                ("FAIL ", fail)
            };
            let failures = load.failures.describe();
            println!(
                "  {style}{label}{style:#} endpoint {} / load: {} of {} requests sent, errors {:.1}%{}; p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms of the {} successful (failed requests are not in the percentiles){}",
                escaped(&endpoint.endpoint),
                load.requests,
                load.planned,
                load.error_rate * 100.0,
                if failures.is_empty() {
                    String::new()
                } else {
                    format!(" ({failures})")
                },
                load.p50_ms,
                load.p95_ms,
                load.p99_ms,
                load.succeeded,
                if load.broken.is_empty() {
                    String::new()
                } else {
                    format!(": {}", escaped(&load.broken.join("; ")))
                }
            );
        }
        if let Some(evaluation) = &endpoint.evaluation {
            let metrics: Vec<String> = evaluation
                .metrics
                .iter()
                .map(|m| format!("{} {:.4}", m.name, m.value))
                .collect();
            println!(
                "  endpoint {} / evaluation: {} of {} rows answered; {}",
                escaped(&endpoint.endpoint),
                evaluation.answered,
                evaluation.sent,
                if metrics.is_empty() {
                    "no metrics".to_owned()
                } else {
                    metrics.join(", ")
                }
            );
            for note in &evaluation.notes {
                println!("    {}", escaped(note));
            }
            for check in &evaluation.checks {
                let (label, style) = match check.verdict {
                    Verdict::Pass => ("PASS ", pass),
                    _ => ("FAIL ", fail),
                };
                println!(
                    "  {style}{label}{style:#} endpoint {} / evaluation / {}: {}",
                    escaped(&endpoint.endpoint),
                    escaped(&check.case),
                    escaped(&check.summary)
                );
            }
        }
    }
    if let Some(fingerprint) = &report.parameter_fingerprint {
        // Which numerics the fingerprint is of: the same spec in another version has other bits.
        let numerics = report
            .numerics
            .and_then(|v| Numerics::try_from(v).ok())
            .map_or(String::new(), |n| format!(", {}", n.label()));
        println!("  model fingerprint {}{numerics}", escaped(fingerprint));
    }
    for d in &report.differences {
        println!(
            "  {fail}DIFFERS{fail:#} {}: recorded {}, replayed {}",
            escaped(&d.item),
            escaped(&d.recorded.to_string()),
            escaped(&d.replayed.to_string())
        );
    }
    if let Some(unlisted) = report.unlisted_differences() {
        println!("  {fail}DIFFERS{fail:#} {unlisted}");
    }
    let replay = match report.replay {
        Some(ReplayMatch::BitIdentical) => "reproduced bit-identically",
        Some(ReplayMatch::Differs) => "differs from the recording",
        Some(ReplayMatch::NothingRecorded) => "nothing recorded to compare with",
        None => "not run",
    };
    // An endpoints-only run has neither checks nor a replay to count.
    if report.replay.is_some() || !report.checks.is_empty() || report.endpoints.is_empty() {
        println!(
            "  checks: {} held, {} did not, {} could not run; replay: {replay}",
            count(Verdict::Pass),
            count(Verdict::Fail),
            count(Verdict::Error)
        );
    }
    if !report.endpoints.is_empty() {
        let cases = report.endpoints.iter().flat_map(|e| &e.cases);
        let passed = cases.clone().filter(|c| c.verdict == Verdict::Pass).count();
        let loads: Vec<_> = report
            .endpoints
            .iter()
            .filter_map(|e| e.load.as_ref())
            .collect();
        let loads_held = loads.iter().filter(|l| l.broken.is_empty()).count();
        let evaluation_checks = report
            .endpoints
            .iter()
            .filter_map(|e| e.evaluation.as_ref())
            .flat_map(|e| &e.checks);
        let evaluations_held = evaluation_checks
            .clone()
            .filter(|c| c.verdict == Verdict::Pass)
            .count();
        let evaluations = match evaluation_checks.count() {
            0 => String::new(),
            all => format!(
                "; evaluations: {evaluations_held} held, {} did not",
                all - evaluations_held
            ),
        };
        println!(
            "  endpoint cases: {passed} passed, {} failed; load runs: {loads_held} held, {} did not{evaluations}",
            cases.count() - passed,
            loads.len() - loads_held
        );
    }
}
