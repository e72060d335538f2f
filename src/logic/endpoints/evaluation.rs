//! "Evaluate on the dataset": the evaluation the form holds (its checks added and removed with
//! settings that fit the spec), the engine's [`Evaluator`] for it, and its results, which hold
//! only for the spec they were measured on: a served model's metrics are recorded at export
//! only while they do.

use assay_engine::checks::Verdict;
use assay_engine::data::{ColumnSchema, Preprocessing, Task};
use assay_engine::endpoint::EndpointSpec;
use assay_engine::endpoint::evaluation::{
    EvaluationCheck, EvaluationReport, EvaluationRows, EvaluationSpec, Evaluator,
};
use assay_engine::metrics::{Metric, MetricName};
use assay_engine::replay;
use assay_engine::spec::{EndpointMetrics, Spec};
use serde::{Deserialize, Serialize};

use crate::logic::status::Status;

/// The kinds of evaluation check the form offers, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    MetricThreshold,
    BeatsBaseline,
    NoRegression,
    AgreesWithColumn,
    NoWorseThanEndpoint,
}

impl CheckKind {
    pub const ALL: [Self; 5] = [
        Self::MetricThreshold,
        Self::BeatsBaseline,
        Self::NoRegression,
        Self::AgreesWithColumn,
        Self::NoWorseThanEndpoint,
    ];

    /// The check's tag in a spec.
    pub fn id(self) -> &'static str {
        match self {
            Self::MetricThreshold => "metric_threshold",
            Self::BeatsBaseline => "beats_baseline",
            Self::NoRegression => "no_regression",
            Self::AgreesWithColumn => "agrees_with_column",
            Self::NoWorseThanEndpoint => "no_worse_than_endpoint",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::MetricThreshold => "Meets a fixed bar",
            Self::BeatsBaseline => "Beats a trivial baseline",
            Self::NoRegression => "No worse than the previous revision",
            Self::AgreesWithColumn => "Agrees with the notebook's predictions (a column)",
            Self::NoWorseThanEndpoint => "No worse than another endpoint (production)",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    pub fn of(check: &EvaluationCheck) -> Self {
        match check {
            EvaluationCheck::MetricThreshold { .. } => Self::MetricThreshold,
            EvaluationCheck::BeatsBaseline { .. } => Self::BeatsBaseline,
            EvaluationCheck::NoRegression { .. } => Self::NoRegression,
            EvaluationCheck::AgreesWithColumn { .. } => Self::AgreesWithColumn,
            EvaluationCheck::NoWorseThanEndpoint { .. } => Self::NoWorseThanEndpoint,
        }
    }
}

/// What a new check of `kind` can be about in this spec.
#[derive(Debug, Clone, Copy)]
pub struct Choices<'a> {
    pub task: Task,
    /// The dataset's columns as the model reads them.
    pub schema: &'a [ColumnSchema],
    pub target: &'a str,
    /// The spec's other endpoints, by name.
    pub others: &'a [String],
}

impl Choices<'_> {
    /// The columns that may hold the notebook's predictions: any but the target, those the
    /// model does not read first.
    pub fn notebook_columns(&self) -> Vec<String> {
        let mut columns: Vec<&ColumnSchema> = self
            .schema
            .iter()
            .filter(|c| c.name != self.target)
            .collect();
        columns.sort_by_key(|c| c.kind.is_feature());
        columns.into_iter().map(|c| c.name.clone()).collect()
    }

    /// Why `column` cannot hold the notebook's predictions as the data is read now, if it
    /// cannot: the model would learn from it.
    pub fn column_problem(&self, column: &str) -> Option<String> {
        let kind = self.schema.iter().find(|c| c.name == column)?.kind;
        kind.is_feature().then(|| {
            format!(
                "“{column}” is a feature of the model now, so it would learn the notebook's \
                 answers: set its kind to Ignored in the Data step (or press Ignore it)."
            )
        })
    }

    /// A new check of `kind`, or why this spec cannot have one.
    pub fn new_check(&self, kind: CheckKind) -> Result<EvaluationCheck, String> {
        let metric = MetricName::for_task(self.task)[0];
        Ok(match kind {
            CheckKind::MetricThreshold => EvaluationCheck::MetricThreshold {
                metric,
                threshold: default_threshold(self.task),
            },
            CheckKind::BeatsBaseline => EvaluationCheck::BeatsBaseline {
                metric,
                margin: 0.0,
            },
            CheckKind::NoRegression => EvaluationCheck::NoRegression {
                metric,
                tolerance: 0.01,
                relative: false,
            },
            CheckKind::AgreesWithColumn => EvaluationCheck::AgreesWithColumn {
                column: self.notebook_columns().into_iter().next().ok_or_else(|| {
                    "The dataset has no column besides the target to hold the notebook's \
                     predictions."
                        .to_owned()
                })?,
                min_agreement: 0.99,
                tolerance: 0.0,
                relative: false,
            },
            CheckKind::NoWorseThanEndpoint => EvaluationCheck::NoWorseThanEndpoint {
                endpoint: self.others.first().cloned().ok_or_else(|| {
                    "No other endpoint to compare with: this check needs the spec to name the \
                     model in production as a second endpoint (import a spec that has one)."
                        .to_owned()
                })?,
                metric,
                tolerance: 0.0,
            },
        })
    }

    /// The evaluation a new one starts as: the validation rows, 32 rows a request, 4 requests
    /// at once, and a fixed bar on the task's first metric.
    pub fn new_evaluation(&self) -> EvaluationSpec {
        EvaluationSpec {
            rows: EvaluationRows::Validation,
            batch_size: 32,
            concurrency: 4,
            checks: self
                .new_check(CheckKind::MetricThreshold)
                .into_iter()
                .collect(),
        }
    }
}

/// A bar a served model that learnt anything clears: within every metric's range.
fn default_threshold(task: Task) -> f64 {
    match task {
        Task::Regression => 0.5,
        _ => 0.8,
    }
}

/// The metric a check is about, if any.
pub fn metric_of(check: &EvaluationCheck) -> Option<MetricName> {
    match check {
        EvaluationCheck::MetricThreshold { metric, .. }
        | EvaluationCheck::BeatsBaseline { metric, .. }
        | EvaluationCheck::NoRegression { metric, .. }
        | EvaluationCheck::NoWorseThanEndpoint { metric, .. } => Some(*metric),
        EvaluationCheck::AgreesWithColumn { .. } => None,
    }
}

/// Keeps `check` judging a metric of `task`: after the task changed, a metric it does not have
/// becomes the task's first (a regression has no accuracy).
pub fn fit_task(check: &mut EvaluationCheck, task: Task) {
    let metrics = MetricName::for_task(task);
    match check {
        EvaluationCheck::MetricThreshold { metric, .. }
        | EvaluationCheck::BeatsBaseline { metric, .. }
        | EvaluationCheck::NoRegression { metric, .. }
        | EvaluationCheck::NoWorseThanEndpoint { metric, .. } => {
            if !metrics.contains(metric) {
                *metric = metrics[0];
                if let EvaluationCheck::MetricThreshold { threshold, .. } = check {
                    *threshold = default_threshold(task);
                }
            }
        }
        EvaluationCheck::AgreesWithColumn { .. } => {}
    }
}

/// The values a bar on `metric` can take: scores from 0 to 1, R² at most 1, errors at least 0.
pub fn threshold_range(metric: MetricName) -> (f64, f64) {
    match metric {
        MetricName::R2 => (f64::NEG_INFINITY, 1.0),
        MetricName::Mse | MetricName::Rmse | MetricName::Mae | MetricName::LogLoss => {
            (0.0, f64::INFINITY)
        }
        _ => (0.0, 1.0),
    }
}

/// A number typed into an evaluation field: finite, and within `min..=max`.
pub fn parse_number(text: &str, min: f64, max: f64) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("“{}” is not a number.", text.trim()))?;
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(value)
    } else if min.is_finite() && max.is_finite() {
        Err(format!("Give a number from {min} to {max}."))
    } else if min.is_finite() {
        Err(format!("Give a number of at least {min}."))
    } else if max.is_finite() {
        Err(format!("Give a number of at most {max}."))
    } else {
        Err("Give a finite number.".to_owned())
    }
}

/// A whole number typed into an evaluation field, within `min..=max`.
pub fn parse_count(text: &str, min: u32, max: u32) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("Give a whole number from {min} to {max}."))
}

/// The engine's evaluator of endpoint `name` in `spec` (which names its endpoints) on `csv`,
/// or why it cannot run, in words.
pub fn evaluator(spec: &Spec, csv: &str, name: &str) -> Result<Evaluator, String> {
    spec.validate()
        .map_err(|e| format!("Cannot evaluate: {e}"))?;
    let endpoint = spec
        .endpoints
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| format!("No endpoint is named `{name}`."))?;
    let (table, prepared) = replay::load(spec, csv).map_err(|e| format!("Cannot evaluate: {e}"))?;
    Evaluator::new(spec, &table, &prepared, endpoint)
        .map_err(|e| format!("Cannot evaluate: {e}"))?
        .ok_or_else(|| "Add an evaluation first.".to_owned())
}

/// What an evaluation's results depend on besides the server: the rows (data, preprocessing,
/// split), the endpoints sent to with their evaluation, and, for `no_regression`, the
/// revisions it compares with. A spec's name and description are bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Basis {
    sha256: String,
    preprocessing: Preprocessing,
    seed: u64,
    fit_intercept: bool,
    endpoints: Vec<EndpointSpec>,
    history: Vec<Vec<EndpointMetrics>>,
}

impl Basis {
    /// The basis of endpoint `name`'s evaluation in `spec`, if it has one.
    fn of(spec: &Spec, name: &str) -> Option<Self> {
        let endpoint = spec.endpoints.iter().find(|e| e.name == name)?;
        let evaluation = endpoint.evaluation.as_ref()?;
        let challengers = evaluation.challengers();
        let compares_with_history = evaluation
            .checks
            .iter()
            .any(|c| matches!(c, EvaluationCheck::NoRegression { .. }));
        Some(Self {
            sha256: spec.dataset.sha256.clone(),
            preprocessing: spec.preprocessing.clone(),
            seed: spec.training.seed,
            fit_intercept: spec.training.fit_intercept,
            endpoints: spec
                .endpoints
                .iter()
                .filter(|e| e.name == name || challengers.contains(&e.name.as_str()))
                .cloned()
                .collect(),
            history: if compares_with_history {
                spec.history.iter().map(|r| r.endpoints.clone()).collect()
            } else {
                Vec::new()
            },
        })
    }
}

/// An evaluation's results and the spec they were measured on (kept with the saved draft).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluated {
    basis: Option<Basis>,
    pub report: EvaluationReport,
}

impl Evaluated {
    /// `report`, an evaluation of `spec`'s endpoint `report.endpoint`.
    pub fn new(spec: &Spec, report: EvaluationReport) -> Self {
        Self {
            basis: Basis::of(spec, &report.endpoint),
            report,
        }
    }

    /// Whether these results stand for `spec`: its evaluation would send the same rows to the
    /// same endpoints and judge them the same way.
    pub fn holds_for(&self, spec: &Spec) -> bool {
        self.basis.is_some() && Basis::of(spec, &self.report.endpoint) == self.basis
    }

    /// The evaluation checks judged, in the report's order after `answers`.
    pub fn checks(&self) -> Vec<EvaluationCheck> {
        self.basis
            .as_ref()
            .and_then(|b| b.endpoints.iter().find(|e| e.name == self.report.endpoint))
            .and_then(|e| e.evaluation.as_ref())
            .map(|e| e.checks.clone())
            .unwrap_or_default()
    }

    /// Whether every row was answered readably: only then do the metrics speak for the model.
    pub fn complete(&self) -> bool {
        self.report.failed.is_empty() && self.report.answered == self.report.sent
    }
}

/// The served metrics a file exported as `spec` records: those of an evaluation that holds
/// for it and whose every row was answered (metrics of the answered rest would flatter the
/// model, and the next revision's `no_regression` would compare with them).
pub fn recorded(evaluated: Option<&Evaluated>, spec: &Spec) -> Vec<EndpointMetrics> {
    evaluated
        .filter(|e| e.holds_for(spec) && e.complete())
        .map(|e| EndpointMetrics {
            endpoint: e.report.endpoint.clone(),
            metrics: e.report.metrics.clone(),
        })
        .into_iter()
        .collect()
}

/// How the Endpoints step stands with the cases at `cases` and this evaluation: optional
/// without one; needing attention until an evaluation that holds for `spec` has run; failing
/// with the count of its checks that did not pass (`answers` among them).
pub fn status(cases: Status, evaluated: Option<&Evaluated>, spec: &Spec) -> Status {
    let has_evaluation = spec
        .endpoints
        .first()
        .is_some_and(|e| e.evaluation.is_some());
    if !has_evaluation {
        return cases;
    }
    let own = match evaluated.filter(|e| e.holds_for(spec)) {
        None => Status::NeedsAttention,
        Some(e) => match e
            .report
            .checks
            .iter()
            .filter(|c| c.verdict != Verdict::Pass)
            .count()
        {
            0 => Status::Done,
            n => Status::Failing(n),
        },
    };
    match (cases, own) {
        (Status::Failing(a), Status::Failing(b)) => Status::Failing(a + b),
        (f @ Status::Failing(_), _) | (_, f @ Status::Failing(_)) => f,
        (Status::NeedsAttention, _) | (_, Status::NeedsAttention) => Status::NeedsAttention,
        _ => Status::Done,
    }
}

/// One metric of the served model beside the others: each endpoint compared with, then the
/// browser model's, by the metric's name (`None` where one lacks it).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// The metrics side by side, in the served model's order, then any only the others have.
pub fn side_by_side(served: &[Metric], others: &[&[Metric]]) -> Vec<MetricRow> {
    let mut names: Vec<&str> = served.iter().map(|m| m.name.as_str()).collect();
    for metrics in others {
        for m in *metrics {
            if !names.contains(&m.name.as_str()) {
                names.push(&m.name);
            }
        }
    }
    let value =
        |metrics: &[Metric], name: &str| metrics.iter().find(|m| m.name == name).map(|m| m.value);
    names
        .into_iter()
        .map(|name| MetricRow {
            name: name.to_owned(),
            values: std::iter::once(value(served, name))
                .chain(others.iter().map(|o| value(o, name)))
                .collect(),
        })
        .collect()
}

/// The rows an evaluation sends, in words.
pub fn rows_label(rows: EvaluationRows) -> &'static str {
    match rows {
        EvaluationRows::Validation => "the validation rows",
        EvaluationRows::All => "every row (training rows too)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::draft::Draft;
    use assay_engine::data::{ColumnKind, Table};
    use assay_engine::endpoint::{Response, Transport};
    use assay_engine::replay::{self, Run};
    use serde_json::json;

    type Answers = Vec<Vec<Option<Result<Response, Transport>>>>;

    /// The default sample's draft, trained briefly, with an evaluation of the endpoint on the
    /// model's features: a bar on accuracy, and no worse than the previous revision.
    fn evaluating_draft() -> (Draft, Run) {
        let mut draft = Draft::default();
        draft.training.epochs = 5;
        let spec = draft.to_spec();
        let run = replay::run(&spec, draft.csv()).unwrap();
        let table = Table::parse_csv(draft.csv()).unwrap();
        let schema = draft.schema(&table);
        let choices = choices(&draft, &schema);
        let mut evaluation = choices.new_evaluation();
        evaluation
            .checks
            .push(choices.new_check(CheckKind::NoRegression).unwrap());
        draft.endpoint.features = run.feature_columns.clone();
        draft.endpoint.evaluation = Some(evaluation);
        (draft, run)
    }

    fn choices<'a>(draft: &'a Draft, schema: &'a [ColumnSchema]) -> Choices<'a> {
        Choices {
            task: draft.preprocessing.task,
            schema,
            target: &draft.preprocessing.target,
            others: &[],
        }
    }

    /// An Open Inference answer of `labels`, one per row.
    fn labels(labels: &[&str]) -> Result<Response, Transport> {
        Ok(Response {
            status: 200,
            content_type: Some("application/json".into()),
            body: json!({"outputs": [{"name": "predict", "shape": [labels.len(), 1], "datatype": "BYTES", "data": labels}]})
                .to_string(),
            latency_ms: 1.0,
            location: None,
        })
    }

    /// Evaluates the draft's endpoint, every batch answered by `answer` (given its size).
    fn evaluate(
        draft: &Draft,
        answer: impl Fn(usize, usize) -> Option<Result<Response, Transport>>,
    ) -> (Spec, Evaluated) {
        let spec = draft.with_endpoints(draft.to_spec()).unwrap();
        let evaluator = evaluator(&spec, draft.csv(), &draft.endpoint.name).unwrap();
        let answers: Answers = evaluator
            .targets()
            .iter()
            .map(|t| {
                t.batches
                    .iter()
                    .enumerate()
                    .map(|(b, batch)| answer(b, batch.rows.len()))
                    .collect()
            })
            .collect();
        let report = evaluator.judge(&answers);
        (spec.clone(), Evaluated::new(&spec, report))
    }

    fn all_malignant(_: usize, rows: usize) -> Option<Result<Response, Transport>> {
        Some(labels(&vec!["malignant"; rows]))
    }

    fn all_benign(_: usize, rows: usize) -> Option<Result<Response, Transport>> {
        Some(labels(&vec!["benign"; rows]))
    }

    #[test]
    fn a_complete_evaluation_of_the_spec_exported_is_recorded_with_it() {
        let (draft, run) = evaluating_draft();
        let (spec, evaluated) = evaluate(&draft, all_malignant);
        assert!(evaluated.complete() && evaluated.holds_for(&spec));
        let served = evaluated.report.metrics.clone();
        assert!(served.iter().any(|m| m.name == "accuracy"), "{served:?}");

        let run_spec = draft.to_spec();
        let file = draft
            .export_evaluated(&run_spec, &run, Some(&evaluated), "2026-11-29T10:00:00Z")
            .unwrap();
        let recorded = &file.recorded.as_ref().unwrap().endpoints;
        assert_eq!(
            recorded,
            &vec![EndpointMetrics {
                endpoint: "model-server".into(),
                metrics: served,
            }]
        );
        assert!(
            file.endpoints[0].evaluation.is_some(),
            "the evaluation is exported"
        );
        // Imported again, the evaluation is the form's, to edit.
        let imported = Draft::from_spec(&file).unwrap();
        assert_eq!(imported.endpoint.evaluation, draft.endpoint.evaluation);
        assert!(imported.kept_endpoints.is_empty());
        // Without an evaluation, nothing is recorded: never a number no one measured.
        let plain = draft
            .export(&run_spec, &run, "2026-11-29T10:00:00Z")
            .unwrap();
        assert!(plain.recorded.unwrap().endpoints.is_empty());
    }

    fn recorded_of(spec: &Spec) -> Vec<EndpointMetrics> {
        spec.recorded.as_ref().unwrap().endpoints.clone()
    }

    #[test]
    fn results_of_other_settings_or_with_failed_rows_are_not_recorded() {
        let (draft, run) = evaluating_draft();
        let (_, evaluated) = evaluate(&draft, all_malignant);
        let export = |draft: &Draft, evaluated: &Evaluated| {
            let file = draft
                .export_evaluated(
                    &draft.to_spec(),
                    &run,
                    Some(evaluated),
                    "2026-11-29T10:00:00Z",
                )
                .unwrap();
            recorded_of(&file)
        };
        assert_eq!(export(&draft, &evaluated).len(), 1);

        // Another bar, batch size or base URL: the results are another spec's.
        let mut other_bar = draft.clone();
        if let Some(EvaluationCheck::MetricThreshold { threshold, .. }) = other_bar
            .endpoint
            .evaluation
            .as_mut()
            .map(|e| &mut e.checks[0])
        {
            *threshold = 0.5;
        }
        let mut other_batches = draft.clone();
        other_batches
            .endpoint
            .evaluation
            .as_mut()
            .unwrap()
            .batch_size = 7;
        let mut other_server = draft.clone();
        other_server.endpoint.base_url = "http://127.0.0.1:9999".into();
        for changed in [&other_bar, &other_batches, &other_server] {
            let spec = changed.with_endpoints(changed.to_spec()).unwrap();
            assert!(!evaluated.holds_for(&spec));
            assert!(export(changed, &evaluated).is_empty());
        }
        // The model's name or training settings are not what the evaluation depends on.
        let mut renamed = draft.clone();
        renamed.name = "Another name".into();
        assert_eq!(export(&renamed, &evaluated).len(), 1);

        // A server that failed one batch: the rest's metrics would flatter it.
        let (_, partial) = evaluate(&draft, |b, rows| {
            if b == 1 {
                Some(Err(Transport::Timeout))
            } else {
                all_malignant(b, rows)
            }
        });
        assert!(!partial.complete());
        assert!(partial.report.checks[0].summary.contains("rows failed"));
        assert!(export(&draft, &partial).is_empty());
    }

    #[test]
    fn the_next_revision_compares_with_the_recorded_metrics_and_older_results_go_stale() {
        let (mut draft, run) = evaluating_draft();
        let (_, evaluated) = evaluate(&draft, all_benign);
        let first = draft
            .export_evaluated(
                &draft.to_spec(),
                &run,
                Some(&evaluated),
                "2026-11-29T10:00:00Z",
            )
            .unwrap();
        draft.previous = Some(first.clone());
        // The history changed, and `no_regression` reads it: the results no longer stand.
        let next = draft.with_endpoints(draft.to_spec()).unwrap();
        assert!(!evaluated.holds_for(&next));
        // Exporting again without evaluating gives the same file back.
        let again = draft
            .export_evaluated(
                &draft.to_spec(),
                &run,
                Some(&evaluated),
                "2026-11-29T11:00:00Z",
            )
            .unwrap();
        assert_eq!(again.to_json(), first.to_json());

        // Evaluated again, a worse server fails against revision 1's served accuracy (most
        // rows are benign).
        let (_, worse) = evaluate(&draft, all_malignant);
        let regression = &worse.report.checks[2];
        assert!(
            regression.case.starts_with("no_regression"),
            "{regression:?}"
        );
        assert!(
            regression.summary.contains("revision 1"),
            "{}",
            regression.summary
        );
        assert_eq!(regression.verdict, assay_engine::checks::Verdict::Fail);
        // The same answers again pass; with the same served metrics the file stays the same
        // revision, and another set of served metrics is a new revision recording them.
        let (_, same) = evaluate(&draft, all_benign);
        assert_eq!(
            same.report.checks[2].verdict,
            assay_engine::checks::Verdict::Pass
        );
        let export = |evaluated: &Evaluated| {
            draft
                .export_evaluated(
                    &draft.to_spec(),
                    &run,
                    Some(evaluated),
                    "2026-11-29T12:00:00Z",
                )
                .unwrap()
        };
        assert_eq!(export(&same).to_json(), first.to_json());
        let second = export(&worse);
        assert_eq!(second.revision, 2);
        assert_eq!(
            recorded_of(&second),
            recorded(
                Some(&worse),
                &draft.with_endpoints(draft.to_spec()).unwrap()
            )
        );
        assert_ne!(recorded_of(&second), recorded_of(&first));
        assert_eq!(
            second.history.last().unwrap().endpoints,
            recorded_of(&first)
        );
    }

    #[test]
    fn the_step_needs_a_current_evaluation_and_counts_its_failed_checks() {
        let (mut draft, _) = evaluating_draft();
        if let Some(EvaluationCheck::MetricThreshold { threshold, .. }) =
            draft.endpoint.evaluation.as_mut().map(|e| &mut e.checks[0])
        {
            *threshold = 0.5;
        }
        let (spec, passing) = evaluate(&draft, all_benign);
        let (_, failing) = evaluate(&draft, all_malignant);
        // Most rows are benign: always benign clears a bar of 0.5, always malignant does not.
        assert_eq!(
            status(Status::Optional, Some(&passing), &spec),
            Status::Done
        );
        assert_eq!(
            status(Status::Optional, Some(&failing), &spec),
            Status::Failing(1)
        );
        assert_eq!(
            status(Status::Failing(2), Some(&failing), &spec),
            Status::Failing(3)
        );
        assert_eq!(
            status(Status::Optional, None, &spec),
            Status::NeedsAttention
        );
        assert_eq!(
            status(Status::NeedsAttention, Some(&passing), &spec),
            Status::NeedsAttention
        );
        let mut moved = draft.clone();
        moved.endpoint.base_url = "http://127.0.0.1:9999".into();
        let moved = moved.with_endpoints(moved.to_spec()).unwrap();
        assert_eq!(
            status(Status::Done, Some(&passing), &moved),
            Status::NeedsAttention
        );
        let mut without = draft.clone();
        without.endpoint.evaluation = None;
        let without = without.with_endpoints(without.to_spec()).unwrap();
        assert_eq!(
            status(Status::Optional, Some(&passing), &without),
            Status::Optional
        );
    }

    #[test]
    fn the_notebook_column_must_be_kept_out_of_the_features() {
        let csv =
            "x,notebook,y\n1,a,a\n2,b,b\n3,a,a\n4,b,b\n5,a,a\n6,b,b\n7,a,a\n8,b,b\n9,a,a\n10,b,b\n";
        let mut draft = Draft::from_upload("skew.csv", csv).unwrap();
        let table = Table::parse_csv(csv).unwrap();
        let schema = draft.schema(&table);
        let pick = choices(&draft, &schema);
        let check = pick.new_check(CheckKind::AgreesWithColumn).unwrap();
        assert!(
            matches!(&check, EvaluationCheck::AgreesWithColumn { column, .. } if column == "x")
        );
        assert!(pick.column_problem("notebook").unwrap().contains("Ignored"));
        let start = pick.new_evaluation();
        draft.endpoint.features = vec!["x".into()];
        draft.endpoint.evaluation = Some(EvaluationSpec {
            checks: vec![EvaluationCheck::AgreesWithColumn {
                column: "notebook".into(),
                min_agreement: 1.0,
                tolerance: 0.0,
                relative: false,
            }],
            ..start
        });
        let spec = draft.with_endpoints(draft.to_spec()).unwrap();
        let refused = evaluator(&spec, csv, "model-server").unwrap_err();
        assert!(refused.contains("ignored"), "{refused}");

        draft.set_column_kind(&table, "notebook", ColumnKind::Ignored);
        let schema = draft.schema(&table);
        let pick = choices(&draft, &schema);
        assert_eq!(pick.column_problem("notebook"), None);
        assert_eq!(
            pick.notebook_columns()[0],
            "notebook",
            "kept-out columns first"
        );
        let spec = draft.with_endpoints(draft.to_spec()).unwrap();
        assert!(evaluator(&spec, csv, "model-server").is_ok());
    }

    #[test]
    fn checks_are_offered_only_where_the_spec_has_what_they_compare_with() {
        let draft = Draft::default();
        let table = Table::parse_csv(draft.csv()).unwrap();
        let schema = draft.schema(&table);
        let alone = choices(&draft, &schema);
        let refused = alone.new_check(CheckKind::NoWorseThanEndpoint).unwrap_err();
        assert!(refused.contains("second endpoint"), "{refused}");
        let others = ["production".to_owned()];
        let with_production = Choices {
            others: &others,
            ..alone
        };
        assert!(matches!(
            with_production.new_check(CheckKind::NoWorseThanEndpoint).unwrap(),
            EvaluationCheck::NoWorseThanEndpoint { endpoint, metric: MetricName::Accuracy, .. } if endpoint == "production"
        ));
        for kind in CheckKind::ALL {
            assert_eq!(CheckKind::from_id(kind.id()), Some(kind));
            if let Ok(check) = with_production.new_check(kind) {
                assert_eq!(check.id(), kind.id());
                assert_eq!(CheckKind::of(&check), kind);
            }
        }
        let regression = Choices {
            task: Task::Regression,
            ..alone
        };
        assert_eq!(
            metric_of(&regression.new_check(CheckKind::BeatsBaseline).unwrap()),
            Some(MetricName::R2)
        );
    }

    #[test]
    fn another_task_keeps_the_evaluation_on_metrics_it_has() {
        let csv = "x,y\n1,1.5\n2,2.5\n3,3.1\n4,4.9\n5,5.2\n6,6.8\n7,7.1\n8,8.3\n9,9.9\n10,10.2\n";
        let mut draft = Draft::default();
        draft.endpoint.evaluation = Some(EvaluationSpec {
            checks: vec![
                EvaluationCheck::MetricThreshold {
                    metric: MetricName::Accuracy,
                    threshold: 0.9,
                },
                EvaluationCheck::BeatsBaseline {
                    metric: MetricName::MacroF1,
                    margin: 0.1,
                },
            ],
            ..Choices {
                task: Task::BinaryClassification,
                schema: &[],
                target: "",
                others: &[],
            }
            .new_evaluation()
        });
        let table = Table::parse_csv(csv).unwrap();
        draft.set_task(&table, Task::Regression);
        assert_eq!(
            draft.endpoint.evaluation.unwrap().checks,
            vec![
                EvaluationCheck::MetricThreshold {
                    metric: MetricName::R2,
                    threshold: 0.5,
                },
                EvaluationCheck::BeatsBaseline {
                    metric: MetricName::R2,
                    margin: 0.1,
                },
            ]
        );
    }

    #[test]
    fn typed_numbers_are_checked_and_metrics_sit_side_by_side() {
        assert_eq!(parse_number(" 0.9 ", 0.0, 1.0), Ok(0.9));
        assert!(
            parse_number("1.5", 0.0, 1.0)
                .unwrap_err()
                .contains("from 0 to 1")
        );
        assert!(parse_number("NaN", 0.0, f64::INFINITY).is_err());
        assert!(
            parse_number("-1", 0.0, f64::INFINITY)
                .unwrap_err()
                .contains("at least 0")
        );
        assert!(
            parse_number("lots", 0.0, 1.0)
                .unwrap_err()
                .contains("not a number")
        );
        let (min, max) = threshold_range(MetricName::R2);
        assert!(
            parse_number("1.2", min, max)
                .unwrap_err()
                .contains("at most 1")
        );
        assert_eq!(parse_number("-3", min, max), Ok(-3.0));
        let (min, max) = threshold_range(MetricName::Rmse);
        assert_eq!(parse_number("12.5", min, max), Ok(12.5));
        let (min, max) = threshold_range(MetricName::Accuracy);
        assert!(parse_number("1.5", min, max).is_err());
        assert_eq!(parse_count("32", 1, 1000), Ok(32));
        assert!(parse_count("0", 1, 16).is_err() && parse_count("2.5", 1, 16).is_err());

        let m = |name: &str, value: f64| Metric {
            name: name.into(),
            value,
        };
        let served = [m("accuracy", 0.9)];
        let browser = [m("accuracy", 0.8), m("log_loss", 0.3)];
        assert_eq!(
            side_by_side(&served, &[&browser]),
            vec![
                MetricRow {
                    name: "accuracy".into(),
                    values: vec![Some(0.9), Some(0.8)]
                },
                MetricRow {
                    name: "log_loss".into(),
                    values: vec![None, Some(0.3)]
                },
            ]
        );
    }
}
