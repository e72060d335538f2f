//! The served model's metrics on the rows it answered, and each evaluation check's verdict.
//! A row that failed is counted and grouped by cause, never dropped in silence: with any row
//! failed, no check passes, since metrics on the rest would flatter the model.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::answers::{Served, read_batch, same_number};
use super::rows::{Evaluator, Target};
use super::{EvaluationCheck, EvaluationRows};
use crate::checks::Verdict;
use crate::checks::{allowed_change, baseline_evaluation, beats, clears, no_worse};
use crate::endpoint::{CaseOutcome, Response, Transport};
use crate::metrics::{self, Metric, MetricName};

/// Rows named per group of failures; the count covers them all.
const MAX_LINES_NAMED: usize = 10;
/// Predicted-vs-actual points kept for a chart.
const MAX_POINTS: usize = 2000;

/// Rows that failed for one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedRows {
    pub reason: String,
    pub count: usize,
    /// File lines of the first few such rows.
    pub lines: Vec<u64>,
}

/// What kind of prediction the endpoint answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    Labels,
    Probabilities,
    Numbers,
}

/// Another endpoint's metrics on the same rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChallengerMetrics {
    pub endpoint: String,
    pub answered: usize,
    pub failed: Vec<FailedRows>,
    pub metrics: Vec<Metric>,
}

/// One evaluation's results: reported, like every endpoint result, not replayed bit for bit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationReport {
    pub endpoint: String,
    pub rows: EvaluationRows,
    /// Rows evaluated, and how many of them the endpoint answered readably.
    pub sent: usize,
    pub answered: usize,
    pub failed: Vec<FailedRows>,
    pub answer_kind: Option<AnswerKind>,
    /// The engine's metrics of the answered rows.
    pub metrics: Vec<Metric>,
    /// Counts by true class (rows) and predicted class (columns); empty for regression.
    pub confusion: Vec<Vec<u64>>,
    pub classes: Vec<String>,
    /// `[predicted, actual]` per answered row (the first few thousand), for regression.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predicted_vs_actual: Vec<[f64; 2]>,
    /// Caveats on the metrics (log loss needs probabilities, ...).
    pub notes: Vec<String>,
    pub compared: Vec<ChallengerMetrics>,
    /// `answers` (every row answered readably), then one outcome per check.
    pub checks: Vec<CaseOutcome>,
}

impl EvaluationReport {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.verdict == Verdict::Pass)
    }
}

/// One endpoint's readings: a prediction or a failure per row.
struct Readings {
    served: Vec<Option<Served>>,
    failed: Vec<FailedRows>,
    metrics: Vec<Metric>,
    confusion: Vec<Vec<u64>>,
    kind: Option<AnswerKind>,
    notes: Vec<String>,
}

impl Evaluator {
    /// The verdict on what came back: per target (as [`Evaluator::targets`]), per batch, the
    /// answer, or `None` for a request never sent (cancelled, or cut short by a time limit).
    pub fn judge(&self, answers: &[Vec<Option<Result<Response, Transport>>>]) -> EvaluationReport {
        let readings: Vec<Readings> = self
            .targets
            .iter()
            .enumerate()
            .map(|(t, target)| {
                let none = Vec::new();
                self.read(target, answers.get(t).unwrap_or(&none))
                    .finish(self)
            })
            .collect();
        let own = &readings[0];
        let answered = own.served.iter().flatten().count();
        let rows = self.rows();
        let answers_outcome = if own.failed_total() == 0 {
            passed(
                "answers",
                format!(
                    "All {rows} {} answered{}.",
                    match self.evaluation.rows {
                        EvaluationRows::Validation => "validation rows",
                        EvaluationRows::All => "rows of the dataset",
                    },
                    own.kind.map(kind_words).unwrap_or_default()
                ),
            )
        } else {
            failed(
                "answers",
                format!(
                    "{} of {rows} rows failed: {}.",
                    own.failed_total(),
                    describe(&own.failed)
                ),
            )
        };
        let mut checks = vec![answers_outcome];
        for check in &self.evaluation.checks {
            checks.push(self.check(check, &readings));
        }
        let predicted_vs_actual = if self.task.is_classification() {
            Vec::new()
        } else {
            own.served
                .iter()
                .zip(&self.truth)
                .filter_map(|(s, &actual)| match s {
                    Some(Served::Number(p)) => Some([*p, actual]),
                    _ => None,
                })
                .take(MAX_POINTS)
                .collect()
        };
        EvaluationReport {
            endpoint: self.endpoint.clone(),
            rows: self.evaluation.rows,
            sent: rows,
            answered,
            failed: own.failed.clone(),
            answer_kind: own.kind,
            metrics: own.metrics.clone(),
            confusion: own.confusion.clone(),
            classes: self.classes.clone(),
            predicted_vs_actual,
            notes: own.notes.clone(),
            compared: self.targets[1..]
                .iter()
                .zip(&readings[1..])
                .map(|(target, r)| ChallengerMetrics {
                    endpoint: target.endpoint.name.clone(),
                    answered: r.served.iter().flatten().count(),
                    failed: r.failed.clone(),
                    metrics: r.metrics.clone(),
                })
                .collect(),
            checks,
        }
    }

    /// Target `t`'s predictions, row by row, from its batches' answers.
    fn read(&self, target: &Target, answers: &[Option<Result<Response, Transport>>]) -> Partial {
        let mut served: Vec<Option<Served>> = vec![None; self.rows()];
        let mut reasons: Vec<Option<String>> = vec![None; self.rows()];
        for (position, reason) in &target.unsendable {
            reasons[*position] = Some(format!("not sent: {reason}"));
        }
        for (b, batch) in target.batches.iter().enumerate() {
            let results = match answers.get(b) {
                Some(Some(answer)) => read_batch(
                    &target.endpoint,
                    batch.rows.len(),
                    answer.as_ref(),
                    self.task,
                    &self.classes,
                ),
                _ => vec![
                    Err(
                        "not sent: the evaluation stopped first (cancelled, or out of time)".into()
                    );
                    batch.rows.len()
                ],
            };
            for (&position, result) in batch.rows.iter().zip(results) {
                match result {
                    Ok(s) => served[position] = Some(s),
                    Err(reason) => reasons[position] = Some(reason),
                }
            }
        }
        Partial { served, reasons }
    }

    fn check(&self, check: &EvaluationCheck, readings: &[Readings]) -> CaseOutcome {
        let name = check.label();
        let own = &readings[0];
        if own.failed_total() > 0 {
            return failed(
                &name,
                format!(
                    "Not judged: {} of {} rows failed (see `answers`); metrics of the rest would \
                     flatter the model.",
                    own.failed_total(),
                    self.rows()
                ),
            );
        }
        let metric = |r: &Readings, m: MetricName| -> Result<f64, String> {
            r.metrics
                .iter()
                .find(|x| x.name == m.id())
                .map(|x| x.value)
                .ok_or_else(|| match r.kind {
                    Some(AnswerKind::Labels) => format!(
                        "{} needs class probabilities, and the endpoint answered labels: serve \
                         the probabilities (MLServer's `predict_proba` output, for one) or judge \
                         another metric.",
                        m.id()
                    ),
                    _ => format!(
                        "{} cannot be computed on these rows (one class only?).",
                        m.id()
                    ),
                })
        };
        let verdict = |ok: bool, summary: String| {
            if ok {
                passed(&name, summary)
            } else {
                failed(&name, summary)
            }
        };
        let on = rows_word(self.evaluation.rows);
        match check {
            EvaluationCheck::MetricThreshold {
                metric: m,
                threshold,
            } => match metric(own, *m) {
                Ok(value) => {
                    let (ok, relation) = clears(value, *threshold, m.higher_is_better());
                    verdict(
                        ok,
                        format!(
                            "Served {} on the {on} rows: {value:.4}; it must be {relation} {threshold}.",
                            m.id()
                        ),
                    )
                }
                Err(e) => failed(&name, e),
            },
            EvaluationCheck::BeatsBaseline { metric: m, margin } => match metric(own, *m) {
                Ok(value) => {
                    let baseline =
                        baseline_evaluation(&self.train_truth, &self.truth, self.classes.len())
                            .get(*m)
                            .unwrap_or(f64::NAN);
                    let kind = if self.task.is_classification() {
                        "the training rows' majority class"
                    } else {
                        "the training rows' mean"
                    };
                    verdict(
                        beats(value, baseline, *margin, m.higher_is_better()),
                        format!(
                            "Served {} on the {on} rows: {value:.4}; always predicting {kind} \
                             scores {baseline:.4} (the margin is {margin}).",
                            m.id()
                        ),
                    )
                }
                Err(e) => failed(&name, e),
            },
            EvaluationCheck::NoRegression {
                metric: m,
                tolerance,
                relative,
            } => match metric(own, *m) {
                Ok(value) => {
                    let previous = self.previous.as_ref().and_then(|(revision, metrics)| {
                        metrics
                            .iter()
                            .find(|x| x.name == m.id())
                            .map(|x| (*revision, x.value))
                    });
                    match previous {
                        None => passed(
                            &name,
                            format!(
                                "Served {} {value:.4}; no earlier revision recorded this \
                                 endpoint's {}, so this one becomes the reference.",
                                m.id(),
                                m.id()
                            ),
                        ),
                        Some((revision, before)) => {
                            let allowed = allowed_change(before, *tolerance, *relative);
                            verdict(
                                no_worse(value, before, allowed, m.higher_is_better()),
                                format!(
                                    "Served {} {value:.4} now, {before:.4} in revision \
                                     {revision} (allowed change {allowed:.4}).",
                                    m.id()
                                ),
                            )
                        }
                    }
                }
                Err(e) => failed(&name, e),
            },
            EvaluationCheck::AgreesWithColumn {
                column,
                min_agreement,
                tolerance,
                relative,
            } => {
                let cells = self
                    .notebook
                    .iter()
                    .find(|(c, _)| c == column)
                    .map(|(_, cells)| cells.as_slice())
                    .unwrap_or_default();
                let mut agree = 0usize;
                let mut disagreeing = Vec::new();
                for ((served, cell), line) in own.served.iter().zip(cells).zip(&self.lines) {
                    let (ok, said) = match served {
                        Some(Served::Number(p)) => {
                            let notebook =
                                cell.trim().parse::<f64>().ok().filter(|v| v.is_finite());
                            let allowed = notebook.map(|n| {
                                if *relative {
                                    tolerance * n.abs()
                                } else {
                                    *tolerance
                                }
                            });
                            (
                                notebook
                                    .zip(allowed)
                                    .is_some_and(|(n, a)| (p - n).abs() <= a),
                                format!("{p}"),
                            )
                        }
                        Some(Served::Label(k)) => self.label_agrees(*k, cell),
                        Some(Served::Probabilities(p)) => {
                            self.label_agrees(metrics::argmax(p), cell)
                        }
                        None => (false, String::new()),
                    };
                    if ok {
                        agree += 1;
                    } else if disagreeing.len() < 5 {
                        disagreeing
                            .push(format!("line {line}: served {said}, notebook {:?}", cell));
                    }
                }
                let rows = self.rows();
                let share = if rows == 0 {
                    1.0
                } else {
                    agree as f64 / rows as f64
                };
                let within = if self.task.is_classification() {
                    String::new()
                } else if *relative {
                    format!(" within {tolerance} of the notebook's value, relatively")
                } else {
                    format!(" within {tolerance}")
                };
                verdict(
                    share >= *min_agreement,
                    format!(
                        "{agree} of {rows} rows ({:.1}%) agree with `{column}`{within}; at least \
                         {:.1}% must.{}",
                        share * 100.0,
                        min_agreement * 100.0,
                        if disagreeing.is_empty() {
                            String::new()
                        } else {
                            format!(" First disagreements: {}.", disagreeing.join("; "))
                        }
                    ),
                )
            }
            EvaluationCheck::NoWorseThanEndpoint {
                endpoint,
                metric: m,
                tolerance,
            } => {
                let Some((t, other)) = self.targets[1..]
                    .iter()
                    .zip(&readings[1..])
                    .find(|(t, _)| &t.endpoint.name == endpoint)
                else {
                    return failed(&name, format!("No endpoint `{endpoint}` was evaluated."));
                };
                if other.failed_total() > 0 {
                    return failed(
                        &name,
                        format!(
                            "Not judged: `{}` failed {} of {} rows: {}.",
                            t.endpoint.name,
                            other.failed_total(),
                            self.rows(),
                            describe(&other.failed)
                        ),
                    );
                }
                match (metric(own, *m), metric(other, *m)) {
                    (Ok(value), Ok(theirs)) => verdict(
                        no_worse(value, theirs, *tolerance, m.higher_is_better()),
                        format!(
                            "Served {} on the {on} rows: {value:.4} here, {theirs:.4} from \
                             `{endpoint}` (allowed change {tolerance}).",
                            m.id()
                        ),
                    ),
                    (Err(e), _) => failed(&name, e),
                    (_, Err(e)) => failed(&name, format!("`{endpoint}`: {e}")),
                }
            }
        }
    }

    /// Whether class `k` is the label in a notebook's `cell`, and the served label.
    fn label_agrees(&self, k: usize, cell: &str) -> (bool, String) {
        let label = self.classes.get(k).map(String::as_str).unwrap_or_default();
        (
            label == cell.trim() || same_number(label, cell),
            label.to_owned(),
        )
    }
}

/// Predictions and failure reasons by row, before the metrics.
struct Partial {
    served: Vec<Option<Served>>,
    reasons: Vec<Option<String>>,
}

impl Readings {
    /// Rows that failed, whatever the cause.
    fn failed_total(&self) -> usize {
        self.failed.iter().map(|g| g.count).sum()
    }
}

impl Partial {
    /// The failures grouped, and the metrics of the answered rows.
    fn finish(self, evaluator: &Evaluator) -> Readings {
        let mut failed: Vec<FailedRows> = Vec::new();
        for (reason, line) in self.reasons.iter().zip(&evaluator.lines) {
            let Some(reason) = reason else { continue };
            match failed.iter_mut().find(|g| &g.reason == reason) {
                Some(group) => {
                    group.count += 1;
                    if group.lines.len() < MAX_LINES_NAMED {
                        group.lines.push(*line);
                    }
                }
                None => failed.push(FailedRows {
                    reason: reason.clone(),
                    count: 1,
                    lines: vec![*line],
                }),
            }
        }
        let answered: Vec<(&Served, f64)> = self
            .served
            .iter()
            .zip(&evaluator.truth)
            .filter_map(|(s, &t)| s.as_ref().map(|s| (s, t)))
            .collect();
        let kind = if answered.is_empty() {
            None
        } else if answered.iter().all(|(s, _)| matches!(s, Served::Number(_))) {
            Some(AnswerKind::Numbers)
        } else if answered
            .iter()
            .all(|(s, _)| matches!(s, Served::Probabilities(_)))
        {
            Some(AnswerKind::Probabilities)
        } else {
            Some(AnswerKind::Labels)
        };
        let truth: Vec<f64> = answered.iter().map(|&(_, t)| t).collect();
        let (mut metrics, mut confusion, mut notes) = (Vec::new(), Vec::new(), Vec::new());
        if !answered.is_empty() {
            if evaluator.task.is_classification() {
                let k = evaluator.classes.len().max(1);
                let probabilities =
                    Array2::from_shape_fn((answered.len(), k), |(i, c)| match answered[i].0 {
                        Served::Probabilities(p) => p.get(c).copied().unwrap_or(0.0),
                        Served::Label(label) => f64::from(u8::from(*label == c)),
                        Served::Number(_) => 0.0,
                    });
                let evaluation = metrics::classification(probabilities.view(), &truth, k);
                metrics = evaluation.metrics;
                confusion = evaluation.confusion;
                if kind == Some(AnswerKind::Labels) {
                    // A label is no probability: log loss and ROC AUC of 0/1 answers mislead.
                    metrics.retain(|m| {
                        m.name != MetricName::LogLoss.id() && m.name != MetricName::RocAuc.id()
                    });
                    notes.push(
                        "The endpoint answered labels, not probabilities: log loss and ROC AUC \
                         need probabilities, so they are not computed."
                            .into(),
                    );
                }
            } else {
                let predicted: Vec<f64> = answered
                    .iter()
                    .map(|(s, _)| match s {
                        Served::Number(p) => *p,
                        _ => f64::NAN,
                    })
                    .collect();
                metrics = metrics::regression(&predicted, &truth);
            }
        }
        Readings {
            served: self.served,
            failed,
            metrics,
            confusion,
            kind,
            notes,
        }
    }
}

fn rows_word(rows: EvaluationRows) -> &'static str {
    match rows {
        EvaluationRows::Validation => "validation",
        EvaluationRows::All => "dataset's",
    }
}

fn kind_words(kind: AnswerKind) -> &'static str {
    match kind {
        AnswerKind::Labels => " with labels",
        AnswerKind::Probabilities => " with class probabilities",
        AnswerKind::Numbers => " with numbers",
    }
}

/// Failure groups in a sentence: `HTTP 500: boom (3 rows: lines 4, 9, 12)`.
fn describe(groups: &[FailedRows]) -> String {
    groups
        .iter()
        .map(|g| {
            let lines: Vec<String> = g.lines.iter().map(u64::to_string).collect();
            let more = if g.count > g.lines.len() { ", …" } else { "" };
            format!(
                "{} ({} row{}: line{} {}{more})",
                g.reason.trim_end_matches('.'),
                g.count,
                if g.count == 1 { "" } else { "s" },
                if g.lines.len() == 1 { "" } else { "s" },
                lines.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn passed(name: &str, summary: String) -> CaseOutcome {
    outcome(name, Verdict::Pass, summary)
}

fn failed(name: &str, summary: String) -> CaseOutcome {
    outcome(name, Verdict::Fail, summary)
}

fn outcome(name: &str, verdict: Verdict, summary: String) -> CaseOutcome {
    CaseOutcome {
        case: name.to_owned(),
        verdict,
        summary,
        status: None,
        latency_ms: None,
        prediction: None,
    }
}
