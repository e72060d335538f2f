//! The draft as the browser keeps it, with the results on screen: the text written on every
//! change and read at start.
//!
//! Layouts: format 1 was the bare draft; format 2 wraps it with the time it was saved and the
//! results (the last run, the checks' outcomes and the last endpoint evaluation), so a reload
//! loses nothing. Both are read.
//! Results that cannot be read are dropped, never the draft with them.

use std::collections::BTreeMap;

use assay_engine::checks::CheckOutcome;
use assay_engine::metrics::{Evaluation, Metric};
use assay_engine::replay::Run;
use assay_engine::spec::{DatasetSpec, Spec};
use assay_engine::train::{Ending, TrainedModel};
use serde::{Deserialize, Serialize};

use crate::logic::draft::{DRAFT_FORMAT, Draft};
use crate::logic::endpoints::evaluation::Evaluated;
use crate::logic::runs::{LastRun, Outcomes};

/// The layout written now.
pub const SAVED_FORMAT: u32 = 2;

/// What a reload gets back.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub draft: Draft,
    /// When it was saved (RFC 3339), if the layout says.
    pub saved_at: Option<String>,
    pub last: Option<LastRun>,
    pub outcomes: Outcomes,
    /// The last endpoint evaluation, which says itself whether it still holds.
    pub evaluated: Option<Evaluated>,
}

impl Kept {
    /// A bare draft, with no results.
    pub fn draft(draft: Draft) -> Self {
        Self {
            draft,
            saved_at: None,
            last: None,
            outcomes: Outcomes::default(),
            evaluated: None,
        }
    }

    /// What was restored, in words, for the notice at the top of the page.
    pub fn notice(&self) -> String {
        let when = self.saved_at.as_deref().map_or_else(
            || "an earlier visit".to_owned(),
            |t| {
                // "2026-11-29T12:00:00.000Z" → "2026-11-29 12:00 UTC".
                let shown = t.get(..16).unwrap_or(t).replace('T', " ");
                format!("{shown} UTC")
            },
        );
        // The outcomes that hold for the draft as it is, not those kept for other settings.
        let spec = self.draft.to_spec();
        let holding = spec
            .checks
            .iter()
            .filter(|check| self.outcomes.get(&spec, check).is_some())
            .count();
        let results = match holding {
            0 => "no check results".to_owned(),
            1 => "1 check result".to_owned(),
            n => format!("{n} check results"),
        };
        let model = if self.last.is_some() {
            ", the trained model"
        } else {
            ""
        };
        format!(
            "Restored your draft from {when}: data {}{model}, {results}.",
            self.draft.file_name()
        )
    }
}

/// The text to keep for `draft` and its results, saved at `now`. Pretty like a spec file, so
/// the page carries one JSON writer for the types a draft shares with specs.
pub fn to_saved(
    draft: &Draft,
    last: Option<&LastRun>,
    outcomes: &Outcomes,
    now: &str,
) -> Result<String, String> {
    to_saved_with(draft, last, outcomes, None, now)
}

/// [`to_saved`] with the last endpoint evaluation too.
pub fn to_saved_with(
    draft: &Draft,
    last: Option<&LastRun>,
    outcomes: &Outcomes,
    evaluated: Option<&Evaluated>,
    now: &str,
) -> Result<String, String> {
    let results = Results {
        evaluated: evaluated.cloned(),
        last: last.map(SavedRun::from),
        outcomes_for: outcomes.trained_by().map(without_data),
        outcomes: outcomes
            .by_check
            .iter()
            .map(|(key, outcome)| (key.clone(), storable(outcome)))
            .collect(),
    };
    let saved = Saving {
        format: SAVED_FORMAT,
        saved_at: now,
        draft: pack(draft),
        results,
    };
    serde_json::to_string_pretty(&saved).map_err(|e| e.to_string())
}

/// The draft and results in kept text, or why the draft cannot be read (in words, to quote in
/// a sentence).
pub fn from_saved(text: &str) -> Result<Kept, String> {
    #[derive(Deserialize)]
    struct Layout {
        format: u32,
    }
    let layout = serde_json::from_str::<Layout>(text).map_err(|e| e.to_string())?;
    match layout.format {
        // Format 1 is the draft itself, whose own format it was.
        DRAFT_FORMAT => {
            let draft = serde_json::from_str::<Draft>(text).map_err(|e| e.to_string())?;
            Ok(Kept::draft(unpack(draft)))
        }
        SAVED_FORMAT => {
            let saved = serde_json::from_str::<Saved>(text).map_err(|e| e.to_string())?;
            if saved.draft.format != DRAFT_FORMAT {
                return Err(another_version(saved.draft.format));
            }
            let draft = unpack(saved.draft);
            let results = serde_json::from_value::<Results>(saved.results).unwrap_or_default();
            Ok(restore(draft, Some(saved.saved_at), results))
        }
        other => Err(another_version(other)),
    }
}

fn another_version(format: u32) -> String {
    format!(
        "it was saved by another version of Assay (format {format}, this page reads \
         {DRAFT_FORMAT} and {SAVED_FORMAT})"
    )
}

/// [`Saved`] as written: the results as they are (a `Value` would need a second JSON writer).
#[derive(Serialize)]
struct Saving<'a> {
    format: u32,
    saved_at: &'a str,
    draft: Draft,
    results: Results,
}

/// Format 2 as read (its `format` was read first, by `from_saved`).
#[derive(Deserialize)]
struct Saved {
    saved_at: String,
    draft: Draft,
    /// Kept as a value, so results this page cannot read are dropped without the draft.
    #[serde(default)]
    results: serde_json::Value,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Results {
    last: Option<SavedRun>,
    /// The spec whose model the outcomes judged, without its data.
    outcomes_for: Option<Spec>,
    outcomes: BTreeMap<String, CheckOutcome>,
    /// Absent from drafts saved before evaluations were kept.
    #[serde(default)]
    evaluated: Option<Evaluated>,
}

/// A [`LastRun`] as kept: its spec without the data (the draft has it), and every float that
/// may be NaN or infinite as its bits, which JSON numbers cannot carry.
#[derive(Debug, Serialize, Deserialize)]
struct SavedRun {
    spec: Spec,
    full: bool,
    params: Vec<u64>,
    loss_curve: Vec<u64>,
    /// Absent from drafts saved before validation loss was recorded.
    #[serde(default)]
    validation_loss_curve: Vec<u64>,
    ending: Ending,
    parameter_fingerprint: String,
    metrics: Vec<Metric>,
    confusion: Vec<Vec<u64>>,
    classes: Vec<String>,
    feature_columns: Vec<String>,
    validation_predictions: Vec<(u64, u64)>,
    checks: Vec<CheckOutcome>,
}

impl From<&LastRun> for SavedRun {
    fn from(last: &LastRun) -> Self {
        let run = &last.run;
        Self {
            spec: without_data(&last.spec),
            full: last.full,
            params: bits(&run.model.params),
            loss_curve: bits(&run.model.loss_curve),
            validation_loss_curve: bits(&run.model.validation_loss_curve),
            ending: run.model.ending,
            parameter_fingerprint: run.parameter_fingerprint.clone(),
            metrics: run.evaluation.metrics.clone(),
            confusion: run.evaluation.confusion.clone(),
            classes: run.classes.clone(),
            feature_columns: run.feature_columns.clone(),
            validation_predictions: run
                .validation_predictions
                .iter()
                .map(|(a, p)| (a.to_bits(), p.to_bits()))
                .collect(),
            checks: run.checks.iter().map(storable).collect(),
        }
    }
}

impl SavedRun {
    fn into_last(self, dataset: &DatasetSpec) -> Option<LastRun> {
        let spec = with_data(self.spec, dataset)?;
        let run = Run {
            model: TrainedModel {
                params: floats(&self.params),
                loss_curve: floats(&self.loss_curve),
                validation_loss_curve: floats(&self.validation_loss_curve),
                ending: self.ending,
            },
            parameter_fingerprint: self.parameter_fingerprint,
            evaluation: Evaluation {
                metrics: self.metrics,
                confusion: self.confusion,
            },
            classes: self.classes,
            feature_columns: self.feature_columns,
            validation_predictions: self
                .validation_predictions
                .iter()
                .map(|&(a, p)| (f64::from_bits(a), f64::from_bits(p)))
                .collect(),
            checks: self.checks,
        };
        Some(LastRun {
            spec,
            run,
            full: self.full,
        })
    }
}

/// The results that still belong to `draft`'s data; the others are dropped.
fn restore(draft: Draft, saved_at: Option<String>, results: Results) -> Kept {
    let dataset = draft.to_spec().dataset;
    let last = results.last.and_then(|run| run.into_last(&dataset));
    let outcomes = results
        .outcomes_for
        .and_then(|spec| with_data(spec, &dataset))
        .map(|spec| Outcomes::for_model(results.outcomes, spec))
        .unwrap_or_default();
    Kept {
        draft,
        saved_at,
        last,
        outcomes,
        evaluated: results.evaluated,
    }
}

/// `spec` without its embedded data, which the draft keeps once.
fn without_data(spec: &Spec) -> Spec {
    let mut kept = spec.clone();
    kept.dataset.csv = None;
    kept
}

/// Undoes [`without_data`] when the spec ran on `dataset`: the same name, hash and rows.
fn with_data(mut spec: Spec, dataset: &DatasetSpec) -> Option<Spec> {
    let mut stripped = dataset.clone();
    stripped.csv = None;
    (spec.dataset == stripped).then(|| {
        spec.dataset = dataset.clone();
        spec
    })
}

/// An outcome that JSON can carry: a loss curve with a NaN or an infinity (a diverged run) is
/// left out, since it would not read back.
fn storable(outcome: &CheckOutcome) -> CheckOutcome {
    let mut kept = outcome.clone();
    if !kept.loss_curve.iter().all(|v| v.is_finite()) {
        kept.loss_curve.clear();
    }
    kept
}

fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn floats(bits: &[u64]) -> Vec<f64> {
    bits.iter().map(|&b| f64::from_bits(b)).collect()
}

/// The draft as stored: the previous revision's copy of the data is dropped when it is the
/// draft's own data, so an upload is not stored twice.
fn pack(draft: &Draft) -> Draft {
    let mut packed = draft.clone();
    if let Some(previous) = &mut packed.previous
        && previous.dataset.csv.as_deref() == Some(draft.csv())
    {
        previous.dataset.csv = None;
    }
    packed
}

/// Undoes [`pack`]: a previous revision with neither data nor a path had the draft's data.
fn unpack(mut draft: Draft) -> Draft {
    let csv = draft.csv().to_owned();
    if let Some(previous) = &mut draft.previous
        && previous.dataset.csv.is_none()
        && previous.dataset.path.is_none()
    {
        previous.dataset.csv = Some(csv);
    }
    draft
}

#[cfg(test)]
mod tests {
    use super::*;
    use assay_engine::replay;

    const NOW: &str = "2026-11-29T12:00:00.000Z";

    /// The first sample after a Run all, as the page keeps it.
    fn after_run_all() -> (Draft, LastRun, Outcomes) {
        let mut draft = Draft::default();
        draft.training.epochs = 2;
        let spec = draft.to_spec();
        let run = replay::run(&spec, draft.csv()).unwrap();
        let mut outcomes = Outcomes::default();
        outcomes.record(&spec, &run);
        let last = LastRun {
            spec,
            run,
            full: true,
        };
        (draft, last, outcomes)
    }

    #[test]
    fn the_previous_revision_does_not_store_the_data_twice_and_gets_it_back() {
        let (mut draft, last, outcomes) = after_run_all();
        draft.previous = Some(
            draft
                .export(&last.spec, &last.run, "2026-11-22T10:00:00Z")
                .unwrap(),
        );
        let packed = pack(&draft);
        let stored = to_saved(&draft, Some(&last), &outcomes, NOW).unwrap();
        assert_eq!(
            stored.matches("mean_radius,mean_texture").count(),
            0,
            "samples are by id"
        );
        assert!(packed.previous.as_ref().unwrap().dataset.csv.is_none());
        assert_eq!(from_saved(&stored).unwrap().draft, draft);
    }

    #[test]
    fn the_results_come_back_bit_for_bit_with_the_draft() {
        let (draft, mut last, outcomes) = after_run_all();
        // A diverged model's numbers are kept too.
        last.run.model.params[0] = f64::NAN;
        last.run.model.loss_curve.push(f64::INFINITY);
        let stored = to_saved(&draft, Some(&last), &outcomes, NOW).unwrap();
        let kept = from_saved(&stored).unwrap();
        assert_eq!(kept.draft, draft);
        assert_eq!(kept.saved_at.as_deref(), Some(NOW));
        let restored = kept.last.clone().unwrap();
        assert_eq!(restored.spec, last.spec);
        assert_eq!(
            bits(&restored.run.model.params),
            bits(&last.run.model.params)
        );
        assert!(restored.run.model.params[0].is_nan());
        assert_eq!(
            bits(&restored.run.model.loss_curve),
            bits(&last.run.model.loss_curve)
        );
        let (run, was) = (&restored.run, &last.run);
        assert_eq!(run.model.ending, was.model.ending);
        assert_eq!(run.parameter_fingerprint, was.parameter_fingerprint);
        assert_eq!(run.evaluation, was.evaluation);
        assert_eq!(run.classes, was.classes);
        assert_eq!(run.feature_columns, was.feature_columns);
        assert_eq!(run.validation_predictions, was.validation_predictions);
        assert_eq!(run.checks.len(), was.checks.len());
        for (check, expected) in run.checks.iter().zip(&was.checks) {
            assert_eq!(check.summary, expected.summary);
            assert_eq!(check.metrics, expected.metrics, "{}", check.check);
            assert_eq!(check.loss_curve, expected.loss_curve, "{}", check.check);
            assert_eq!(check, expected);
        }
        let spec = draft.to_spec();
        for check in &spec.checks {
            assert_eq!(kept.outcomes.get(&spec, check), outcomes.get(&spec, check));
            assert!(kept.outcomes.get(&spec, check).is_some());
        }
        let notice = kept.notice();
        assert_eq!(
            notice,
            format!(
                "Restored your draft from 2026-11-29 12:00 UTC: data breast_cancer.csv, the \
                 trained model, {} check results.",
                spec.checks.len()
            )
        );
    }

    #[test]
    fn the_last_evaluation_comes_back_and_still_holds() {
        use crate::logic::endpoints::evaluation::evaluator;
        use assay_engine::endpoint::Response;
        let (mut draft, last, outcomes) = after_run_all();
        draft.endpoint.features = last.run.feature_columns.clone();
        draft.endpoint.evaluation = Some(assay_engine::endpoint::evaluation::EvaluationSpec {
            rows: assay_engine::endpoint::evaluation::EvaluationRows::Validation,
            batch_size: 50,
            concurrency: 2,
            checks: vec![
                assay_engine::endpoint::evaluation::EvaluationCheck::BeatsBaseline {
                    metric: assay_engine::metrics::MetricName::Accuracy,
                    margin: 0.0,
                },
            ],
        });
        let spec = draft.with_endpoints(draft.to_spec()).unwrap();
        let evaluator = evaluator(&spec, draft.csv(), "model-server").unwrap();
        let answers: Vec<Vec<_>> = evaluator
            .targets()
            .iter()
            .map(|t| {
                t.batches
                    .iter()
                    .map(|b| {
                        let labels = vec!["benign"; b.rows.len()];
                        Some(Ok(Response {
                            status: 200,
                            content_type: None,
                            body: serde_json::json!({"outputs": [{"name": "p", "shape": [labels.len()], "datatype": "BYTES", "data": labels}]}).to_string(),
                            latency_ms: 1.0,
                            location: None,
                        }))
                    })
                    .collect()
            })
            .collect();
        let evaluated = Evaluated::new(&spec, evaluator.judge(&answers));
        let stored = to_saved_with(&draft, Some(&last), &outcomes, Some(&evaluated), NOW).unwrap();
        let kept = from_saved(&stored).unwrap();
        assert_eq!(kept.evaluated.as_ref(), Some(&evaluated));
        assert!(kept.evaluated.unwrap().holds_for(&spec));
        // Saved without one (or by an earlier page): none comes back.
        let stored = to_saved(&draft, Some(&last), &outcomes, NOW).unwrap();
        assert_eq!(from_saved(&stored).unwrap().evaluated, None);
    }

    #[test]
    fn a_draft_saved_before_results_were_kept_still_loads() {
        let (draft, ..) = after_run_all();
        // Format 1: the draft itself, as earlier pages wrote it.
        let old = serde_json::to_string_pretty(&draft).unwrap();
        let kept = from_saved(&old).unwrap();
        assert_eq!(kept, Kept::draft(draft));
        assert!(
            kept.notice().contains("from an earlier visit"),
            "{}",
            kept.notice()
        );
        assert!(
            kept.notice().ends_with("no check results."),
            "{}",
            kept.notice()
        );
    }

    #[test]
    fn results_that_cannot_be_read_are_dropped_but_not_the_draft() {
        let (draft, last, outcomes) = after_run_all();
        let stored = to_saved(&draft, Some(&last), &outcomes, NOW).unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&stored).unwrap();
        value["results"]["last"]["params"] = serde_json::json!("damaged");
        let kept = from_saved(&value.to_string()).unwrap();
        assert_eq!(kept.draft, draft);
        assert!(kept.last.is_none());
        // Results for other data are dropped too.
        let mut other = draft.clone();
        other.data = crate::logic::draft::DataSource::Sample {
            id: "diabetes".into(),
        };
        let stored = to_saved(&other, Some(&last), &outcomes, NOW).unwrap();
        let kept = from_saved(&stored).unwrap();
        assert!(kept.last.is_none() && kept.outcomes.trained_by().is_none());
    }

    #[test]
    fn a_draft_of_another_format_is_refused_in_words() {
        let draft = Draft {
            format: DRAFT_FORMAT + 5,
            ..Draft::default()
        };
        let text = serde_json::to_string_pretty(&draft).unwrap();
        let refusal = from_saved(&text).unwrap_err();
        assert!(refusal.contains("another version of Assay"), "{refusal}");
        let (draft, last, outcomes) = after_run_all();
        let wrapped = to_saved(&Draft { format: 9, ..draft }, Some(&last), &outcomes, NOW);
        let refusal = from_saved(&wrapped.unwrap()).unwrap_err();
        assert!(refusal.contains("another version of Assay"), "{refusal}");
        assert!(from_saved("{").is_err());
    }
}
