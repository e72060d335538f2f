//! The reviewer's view as plain logic: open a spec someone sent (a file or a share link), replay
//! it, and set the replay beside what its author recorded.
//!
//! Everything here takes untrusted text and returns values or messages in words; the component
//! (`panels::review`) only shows them, always as text.

use assay_engine::EngineError;
use assay_engine::checks::{CheckSpec, Verdict};
use assay_engine::comparison::{Comparison, Difference, Item, Match, Value};
use assay_engine::metrics::MetricName;
use assay_engine::replay::{self, Run, Stepper};
use assay_engine::share;
use assay_engine::spec::{MAX_SPEC_BYTES, Recorded, Spec};
use serde_json::Value as Json;

use crate::logic::endpoints::cases;
use crate::logic::status::verdict_label;

/// Longest piece of a spec's own text (names, error messages quoting it) shown on the page, so
/// a hostile spec cannot flood the page with megabytes of text.
pub const MAX_SHOWN_CHARS: usize = 300;

/// Longest description shown: a few paragraphs, not a flood.
pub const MAX_DESCRIPTION_CHARS: usize = 3000;

/// A spec that parsed and validated, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub spec: Spec,
    /// Where the spec came from, for the page: a file name or "a share link".
    pub source: String,
}

/// Refuses a file before reading it when it is larger than any spec may be.
pub fn check_file_size(bytes: f64) -> Result<(), String> {
    if bytes > MAX_SPEC_BYTES as f64 {
        return Err(format!(
            "This file has {bytes:.0} bytes, more than a spec may have ({MAX_SPEC_BYTES}); \
             it was not read."
        ));
    }
    Ok(())
}

/// Reads a spec file's text.
pub fn open_file(file_name: &str, text: &str) -> Result<Opened, String> {
    let source = format!("`{}`", clip(file_name));
    Spec::from_json(text)
        .map(|spec| Opened {
            spec,
            source: source.clone(),
        })
        .map_err(|e| cannot_open(&source, &e))
}

/// Whether a page's `location.hash` carries a spec (of this or another format version), as
/// opposed to no fragment or an ordinary anchor.
pub fn is_share_link(hash: &str) -> bool {
    // `spec<digits>.`: the version tag of any format, never an ordinary anchor like `#specs`.
    hash.trim_start_matches('#')
        .strip_prefix("spec")
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(version, _)| {
            !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit())
        })
}

/// Opens the spec in a share link's fragment (`#spec1.…`).
pub fn open_link(hash: &str) -> Result<Opened, String> {
    let source = "The share link".to_owned();
    share::from_fragment(hash)
        .map(|spec| Opened {
            spec,
            source: "a share link".to_owned(),
        })
        .map_err(|e| cannot_open(&source, &e))
}

fn cannot_open(source: &str, error: &EngineError) -> String {
    format!(
        "{source} cannot be opened as an Assay spec. {}",
        clip(&error.to_string())
    )
}

/// The link that opens `spec` in this app at `page` (an address without a fragment).
pub fn share_link(page: &str, spec: &Spec) -> Result<String, String> {
    let fragment = share::to_fragment(spec);
    if fragment.len() > share::MAX_FRAGMENT_BYTES {
        return Err(format!(
            "This spec is too large for a link ({} characters packed; browsers open up to {}). \
             Export the file and send that instead.",
            fragment.len(),
            share::MAX_FRAGMENT_BYTES
        ));
    }
    Ok(format!("{page}#{fragment}"))
}

/// `text` cut to [`MAX_SHOWN_CHARS`] characters, marked when cut.
pub fn clip(text: &str) -> String {
    clip_to(text, MAX_SHOWN_CHARS)
}

/// `text` cut to `limit` characters, marked when cut.
fn clip_to(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}… (cut; {} bytes in all)", &text[..end], text.len()),
    }
}

impl Opened {
    /// What the spec is, as label and value pairs for the page.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        let spec = &self.spec;
        let data = &spec.dataset;
        let held = if data.csv.is_some() {
            "embedded in the spec"
        } else {
            "a separate file"
        };
        vec![
            ("Name", clip(&spec.name)),
            ("Opened from", self.source.clone()),
            (
                "Dataset",
                format!("{}, {} rows, {held}", clip(&data.name), data.rows),
            ),
            ("Model", clip(&spec.model.label())),
            ("Seed", spec.training.seed.to_string()),
            // Absent from a spec written before numerics versions, so said for every spec.
            ("Numerics", spec.training.numerics.label().to_owned()),
            ("Checks", spec.checks.len().to_string()),
            ("Written by", format!("Assay {}", clip(&spec.assay_version))),
        ]
    }

    /// What the author wrote for reviewers, if anything.
    pub fn description(&self) -> Option<String> {
        let text = self.spec.description.trim();
        (!text.is_empty()).then(|| clip_to(text, MAX_DESCRIPTION_CHARS))
    }

    /// Which revision this is and when it was exported.
    pub fn revision(&self) -> Vec<(&'static str, String)> {
        let spec = &self.spec;
        let mut facts = vec![("Revision", spec.revision.to_string())];
        if let Some(created) = &spec.created {
            facts.push(("First exported", clip(created)));
        }
        if let Some(modified) = &spec.modified {
            facts.push(("This revision exported", clip(modified)));
        }
        facts
    }

    /// Earlier revisions' validation metrics, oldest first, one line each.
    pub fn history(&self) -> Vec<String> {
        self.spec
            .history
            .iter()
            .map(|r| {
                let metrics: Vec<String> = r
                    .metrics
                    .iter()
                    .map(|m| format!("{} {}", words_of_id(&m.name), m.value))
                    .collect();
                clip(&format!("Revision {}: {}", r.revision, metrics.join(", ")))
            })
            .collect()
    }

    /// The data the spec trains on: its file, rows and fingerprint.
    pub fn dataset(&self) -> Vec<(&'static str, String)> {
        let data = &self.spec.dataset;
        let held = match (&data.csv, &data.path) {
            (Some(_), _) => "embedded in the spec".to_owned(),
            (None, path) => format!(
                "in a separate file, `{}`",
                clip(path.as_deref().unwrap_or_default())
            ),
        };
        vec![
            ("File", clip(&data.name)),
            ("Rows", data.rows.to_string()),
            ("SHA-256", clip(&data.sha256)),
            ("Held", held),
        ]
    }

    /// The model, how the data is prepared for it and how it is trained, in words.
    pub fn settings(&self) -> Vec<(String, String)> {
        let spec = &self.spec;
        let p = &spec.preprocessing;
        let mut settings = vec![
            ("Model".to_owned(), clip(&spec.model.label())),
            (
                "Predicts".to_owned(),
                format!("{} ({})", clip(&p.target), words(&to_json(&p.task))),
            ),
        ];
        // Every other setting the spec records, so one added later is shown too.
        for value in [to_json(p), to_json(&spec.training)] {
            if let Json::Object(fields) = value {
                settings.extend(
                    fields
                        .iter()
                        .filter(|(name, _)| {
                            !matches!(name.as_str(), "target" | "task" | "numerics")
                        })
                        .map(|(name, value)| (setting_label(name), clip(&words(value)))),
                );
            }
        }
        settings
    }

    /// Every check the spec names, with its settings in words and the author's verdict.
    pub fn checks(&self) -> Vec<CheckInWords> {
        let recorded = self.spec.recorded.as_ref();
        self.spec
            .checks
            .iter()
            .enumerate()
            .map(|(i, check)| CheckInWords {
                title: check.guide().title,
                settings: clip(&check_settings(check)),
                recorded: recorded
                    .and_then(|r| r.checks.get(i))
                    .map(|outcome| verdict_label(outcome.verdict)),
            })
            .collect()
    }

    /// The endpoint cases, each value beside its feature's name, with the expected answer.
    pub fn endpoints(&self) -> Vec<EndpointInWords> {
        self.spec
            .endpoints
            .iter()
            .map(|e| EndpointInWords {
                name: clip(&e.name),
                address: clip(&e.base_url),
                cases: e
                    .cases
                    .iter()
                    .map(|case| CaseInWords {
                        name: clip(&case.name),
                        inputs: cases::named_inputs(&e.features, case)
                            .into_iter()
                            .map(|(feature, value)| (clip(&feature), clip(&value)))
                            .collect(),
                        expected: clip(&cases::expectation_text(&case.expect)),
                    })
                    .collect(),
            })
            .collect()
    }

    /// Why this spec cannot be replayed here, if it cannot.
    pub fn cannot_replay(&self) -> Option<String> {
        let spec = &self.spec;
        if spec.recorded.is_none() {
            return Some(
                "This spec has no recorded results, so there is nothing to compare a replay \
                 with. Run and export it from Assay first."
                    .into(),
            );
        }
        match (&spec.dataset.csv, &spec.dataset.path) {
            (Some(_), _) => None,
            (None, path) => Some(format!(
                "This spec does not contain its data: it refers to the file `{}`, which a \
                 browser cannot open on its own. Replay it with `assay run` beside that file.",
                clip(path.as_deref().unwrap_or_default())
            )),
        }
    }

    /// Re-runs the spec on its embedded data and compares the run with the recording.
    pub fn replay(&self) -> Result<Report, String> {
        let run = self.start_replay()?.finish();
        self.report(&run)
    }

    /// The replay as steps, for the page to run in slices with progress and Cancel.
    pub fn start_replay(&self) -> Result<Stepper, String> {
        if let Some(reason) = self.cannot_replay() {
            return Err(reason);
        }
        let csv = self.spec.dataset.csv.as_deref().unwrap_or_default();
        Stepper::new(&self.spec, csv)
            .map_err(|e| format!("The replay stopped: {}", clip(&e.to_string())))
    }

    /// The finished replay compared with the recording.
    pub fn report(&self, run: &Run) -> Result<Report, String> {
        let recorded = self
            .spec
            .recorded
            .as_ref()
            .ok_or("This spec cannot be replayed: it records no results.")?;
        Ok(Report::new(&self.spec, recorded, run))
    }
}

/// One check as the reviewer reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckInWords {
    pub title: &'static str,
    /// Its threshold and parameters, e.g. "accuracy at least 0.85".
    pub settings: String,
    /// The verdict the author recorded, if the spec records one.
    pub recorded: Option<&'static str>,
}

/// One endpoint and its cases as the reviewer reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointInWords {
    pub name: String,
    pub address: String,
    pub cases: Vec<CaseInWords>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseInWords {
    pub name: String,
    /// Feature name and value, in the order the model takes them.
    pub inputs: Vec<(String, String)>,
    pub expected: String,
}

/// A check's settings in words: a bar as "accuracy at least 0.85", others as "Label: value".
fn check_settings(check: &CheckSpec) -> String {
    let Json::Object(mut fields) = to_json(check) else {
        return String::new();
    };
    fields.remove("check");
    let metric = fields.get("metric").cloned();
    let bar = metric
        .as_ref()
        .and_then(|m| serde_json::from_value::<MetricName>(m.clone()).ok());
    if let (Some(metric), Some(Json::Number(threshold))) = (bar, fields.get("threshold")) {
        let side = if higher_is_better(metric) {
            "at least"
        } else {
            "at most"
        };
        return format!("{} {side} {threshold}", words_of_id(metric.id()));
    }
    if fields.is_empty() {
        return "No settings.".to_owned();
    }
    fields
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Json::Null if name == "metric" => "the task's main metric".to_owned(),
                other => words(other),
            };
            format!("{}: {value}", setting_label(name))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether a larger value of `metric` is better (a score) rather than worse (an error).
fn higher_is_better(metric: MetricName) -> bool {
    match metric {
        MetricName::Mse | MetricName::Rmse | MetricName::Mae | MetricName::LogLoss => false,
        MetricName::R2
        | MetricName::Accuracy
        | MetricName::BalancedAccuracy
        | MetricName::MacroPrecision
        | MetricName::MacroRecall
        | MetricName::MacroF1
        | MetricName::RocAuc => true,
    }
}

/// A recorded setting as a JSON value, by way of the pretty text a spec file is written in: the
/// page carries one JSON writer, not a second one that builds values.
fn to_json(value: &impl serde::Serialize) -> Json {
    serde_json::to_string_pretty(value)
        .and_then(|text| serde_json::from_str(&text))
        .unwrap_or(Json::Null)
}

/// A spec's identifier (`log_loss`, `binary_classification`) as words.
fn words_of_id(id: &str) -> String {
    id.replace('_', " ")
}

/// The page's name for a setting the spec records as `name`.
fn setting_label(name: &str) -> String {
    let known = match name {
        "validation_fraction" => "Share held out for validation",
        "stratify" => "Split keeps the class mix",
        "missing" => "Rows with missing values",
        "column_kinds" => "Column kinds set by the author",
        "batch_size" => "Batch size",
        "learning_rate" => "Learning rate",
        "l2" => "L2 penalty",
        "optimizer" => "Optimiser",
        "fit_intercept" => "Fits an intercept",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let spaced = words_of_id(name);
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A recorded value in words: `drop_rows` as "drop rows", `true` as "yes", a list item by item,
/// a tagged setting (`{"kind": "adam", "beta1": 0.9}`) as its kind with its values.
fn words(value: &Json) -> String {
    match value {
        Json::Null => "none".to_owned(),
        Json::Bool(true) => "yes".to_owned(),
        Json::Bool(false) => "no".to_owned(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => words_of_id(s),
        Json::Array(items) if items.is_empty() => "none".to_owned(),
        Json::Array(items) => items.iter().map(words).collect::<Vec<_>>().join(", "),
        Json::Object(fields) => {
            let mut fields = fields.clone();
            // A name (a column's) is shown as written; a kind in words.
            let name = fields.remove("name").map(|v| match v {
                Json::String(name) => name,
                other => words(&other),
            });
            let kind = fields.remove("kind").map(|v| words(&v));
            let head = name.into_iter().chain(kind).collect::<Vec<_>>().join(": ");
            let rest = fields
                .iter()
                .map(|(k, v)| format!("{} {}", words_of_id(k), words(v)))
                .collect::<Vec<_>>()
                .join(", ");
            match (head.is_empty(), rest.is_empty()) {
                (_, true) => head,
                (true, false) => rest,
                (false, false) => format!("{head} ({rest})"),
            }
        }
    }
}

/// How a replay relates to the recording, as a whole: the engine's rule
/// ([`Comparison::status`]), in the page's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reproduction {
    BitIdentical,
    /// The only differences are floats within the engine's tolerance; the model's parameters
    /// (whose fingerprint admits no tolerance) are the same.
    WithinTolerance,
    Differs,
}

impl Reproduction {
    pub fn of(comparison: &Comparison) -> Self {
        match comparison.status() {
            Match::Same => Reproduction::BitIdentical,
            Match::WithinTolerance => Reproduction::WithinTolerance,
            Match::Differs => Reproduction::Differs,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Reproduction::BitIdentical => "Reproduced bit-identically",
            Reproduction::WithinTolerance => "Reproduced within tolerance",
            Reproduction::Differs => "Differs",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Reproduction::BitIdentical => "identical",
            Reproduction::WithinTolerance => "close",
            Reproduction::Differs => "differs",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Reproduction::BitIdentical => {
                "Every recorded number came out with the same bits, and every verdict is the same."
            }
            Reproduction::WithinTolerance => {
                "The model is the same; some metrics differ in their last digits (relative \
                 difference at most 1e-9)."
            }
            Reproduction::Differs => {
                "The replay does not match the recording; the marked rows below differ."
            }
        }
    }
}

/// How one row of the comparison is marked on the page.
pub trait MatchMarks {
    /// A text marker, so a difference does not rely on colour alone.
    fn marker(self) -> &'static str;
    fn class(self) -> &'static str;
}

impl MatchMarks for Match {
    fn marker(self) -> &'static str {
        match self {
            Match::Same => "✓ same",
            Match::WithinTolerance => "≈ within 1e-9",
            Match::Differs => "✗ differs",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Match::Same => "same",
            Match::WithinTolerance => "close",
            Match::Differs => "differs",
        }
    }
}

/// One compared value, in words for the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub item: String,
    pub recorded: String,
    pub replayed: String,
    pub status: Match,
}

/// The rows of one check, or of the model as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub title: String,
    pub rows: Vec<Row>,
}

/// A finished replay, side by side with the recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub reproduction: Reproduction,
    pub groups: Vec<Group>,
    /// Every difference the engine found, typed, for the record with exact bits.
    pub differences: Vec<Difference>,
    /// Checks that pass in the replay, and how many ran.
    pub passed: (usize, usize),
}

impl Report {
    pub fn new(spec: &Spec, recorded: &Recorded, run: &Run) -> Self {
        let comparison = replay::comparison(recorded, run);
        let mut groups = vec![Group {
            title: "Model".into(),
            rows: comparison.model.iter().map(row).collect(),
        }];
        for check in &comparison.checks {
            let title = check
                .position
                .checked_sub(1)
                .and_then(|i| spec.checks.get(i))
                .map_or(check.kind.as_str(), |c| c.guide().title);
            groups.push(Group {
                title: clip(title),
                // The kind and the metric names restate the group and its rows: shown only
                // when they differ, so that every difference has a marked row.
                rows: check
                    .rows
                    .iter()
                    .filter(|r| {
                        r.status != Match::Same || !matches!(r.item, Item::Kind | Item::MetricNames)
                    })
                    .map(row)
                    .collect(),
            });
        }
        let passed = run
            .checks
            .iter()
            .filter(|c| c.verdict == Verdict::Pass)
            .count();
        Self {
            reproduction: Reproduction::of(&comparison),
            groups,
            differences: comparison.differences(),
            passed: (passed, run.checks.len()),
        }
    }
}

/// A value the way the page shows it: a float in the shortest text that reads back to the same
/// bits (the exact bits are in the list of differences), a missing value as a dash.
pub fn shown(value: &Value) -> String {
    match value {
        Value::Text(text) => clip(text),
        Value::Float(v) => format!("{v:?}"),
        Value::Count(n) => n.to_string(),
        Value::Verdict(v) => verdict_label(*v).to_owned(),
        Value::Missing => ABSENT.to_owned(),
    }
}

fn row(row: &assay_engine::comparison::Row) -> Row {
    let item = match &row.item {
        Item::ParameterFingerprint => "Parameter fingerprint".to_owned(),
        Item::ValidationMetric(name) => format!("Validation {}", name.replace('_', " ")),
        Item::NumberOfChecks => "Number of checks".to_owned(),
        Item::Kind => "Check".to_owned(),
        Item::Verdict => "Verdict".to_owned(),
        Item::Fingerprint => "Fingerprint of the model it trained".to_owned(),
        Item::MetricNames => "Metrics reported".to_owned(),
        Item::Metric(name) => name.replace('_', " "),
    };
    Row {
        item: clip(&item),
        recorded: shown(&row.recorded),
        replayed: shown(&row.replayed),
        status: row.status,
    }
}

const ABSENT: &str = "—";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::samples::{self, SAMPLES};

    fn authored() -> Opened {
        let authored = samples::author(&SAMPLES[0], 42).unwrap();
        Opened {
            spec: authored.spec,
            source: "test".into(),
        }
    }

    fn with_recorded(opened: &Opened, change: impl FnOnce(&mut Recorded)) -> Opened {
        let mut changed = opened.clone();
        change(changed.spec.recorded.as_mut().unwrap());
        changed
    }

    #[test]
    fn an_untouched_spec_reproduces_bit_identically() {
        let report = authored().replay().unwrap();
        assert_eq!(report.reproduction, Reproduction::BitIdentical);
        assert!(report.differences.is_empty());
        let rows = report.groups.iter().flat_map(|g| &g.rows);
        assert!(rows.clone().all(|r| r.status == Match::Same));
        assert!(rows.clone().any(|r| r.item == "Parameter fingerprint"));
        assert!(rows.clone().any(|r| r.item == "Verdict"));
        assert_eq!(report.groups[0].title, "Model");
        assert_eq!(report.passed.1, report.groups.len() - 1);
    }

    #[test]
    fn a_metric_off_in_its_last_bits_reproduces_within_tolerance() {
        let opened = with_recorded(&authored(), |r| {
            let m = &mut r.metrics[0];
            m.value = f64::from_bits(m.value.to_bits() + 3);
        });
        let report = opened.replay().unwrap();
        assert_eq!(report.reproduction, Reproduction::WithinTolerance);
        assert_eq!(report.differences.len(), 1);
        let close: Vec<_> = report.groups[0]
            .rows
            .iter()
            .filter(|r| r.status == Match::WithinTolerance)
            .collect();
        assert_eq!(close.len(), 1, "{:?}", report.groups[0]);
        assert_eq!(Match::WithinTolerance.marker(), "≈ within 1e-9");
    }

    #[test]
    fn a_larger_change_a_verdict_or_a_fingerprint_differs() {
        let opened = authored();
        let changes: [fn(&mut Recorded); 3] = [
            |r| r.metrics[0].value *= 1.0 + 1e-6,
            |r| r.checks[0].verdict = Verdict::Fail,
            |r| r.parameter_fingerprint = "0".repeat(64),
        ];
        for change in changes {
            let report = with_recorded(&opened, change).replay().unwrap();
            assert_eq!(report.reproduction, Reproduction::Differs);
            let differing = report
                .groups
                .iter()
                .flat_map(|g| &g.rows)
                .filter(|r| r.status == Match::Differs)
                .count();
            assert_eq!(differing, 1);
        }
    }

    #[test]
    fn a_missing_check_is_shown_as_absent_and_differs() {
        let opened = with_recorded(&authored(), |r| {
            r.checks.pop();
        });
        let report = opened.replay().unwrap();
        assert_eq!(report.reproduction, Reproduction::Differs);
        let last = report.groups.last().unwrap();
        assert!(last.rows.iter().all(|r| r.recorded == ABSENT));
        assert!(last.rows.iter().all(|r| r.status == Match::Differs));
    }

    #[test]
    fn a_spec_without_its_data_or_a_recording_says_why_it_cannot_be_replayed() {
        let mut by_path = authored();
        by_path.spec.dataset.csv = None;
        by_path.spec.dataset.path = Some("big.csv".into());
        let reason = by_path.replay().unwrap_err();
        assert!(reason.contains("refers to the file `big.csv`"), "{reason}");
        assert!(reason.contains("assay run"), "{reason}");

        let mut unrecorded = authored();
        unrecorded.spec.recorded = None;
        assert!(
            unrecorded
                .cannot_replay()
                .unwrap()
                .contains("no recorded results")
        );
    }

    #[test]
    fn damaged_specs_are_refused_in_words() {
        let err = |text: &str| open_file("x.json", text).unwrap_err();
        assert!(err("{not json").contains("`x.json` cannot be opened as an Assay spec"));
        assert!(err("{not json").contains("not valid JSON"));
        assert!(err("{\"format_version\": \"one\"}").contains("format_version"));
        let mut wrong_type: serde_json::Value =
            serde_json::from_str(&authored().spec.to_json()).unwrap();
        wrong_type["training"]["seed"] = "forty-two".into();
        assert!(err(&wrong_type.to_string()).contains("invalid type"));
        assert!(
            check_file_size(64.0 * 1024.0 * 1024.0)
                .unwrap_err()
                .contains("not read")
        );
        assert!(check_file_size(1000.0).is_ok());
    }

    #[test]
    fn hostile_text_is_cut_to_a_readable_length() {
        let long = "<script>alert(1)</script>".repeat(10_000);
        // serde quotes a string of the wrong type in full; the page gets a readable piece.
        let spec = format!(
            "{{\"format_version\": 1, \"assay_version\": \"0\", \"name\": \"n\", \"dataset\": {long:?}}}"
        );
        let error = open_file("x.json", &spec).unwrap_err();
        assert!(error.contains("invalid type: string \"<script>"), "{error}");
        assert!(error.chars().count() < 2 * MAX_SHOWN_CHARS, "{error}");
        let clipped = clip(&long);
        assert!(clipped.starts_with("<script>"));
        assert!(clipped.ends_with(&format!("(cut; {} bytes in all)", long.len())));
        assert_eq!(clip("short"), "short");
        // Cut on a character boundary.
        assert!(clip(&"é".repeat(1000)).starts_with("éé"));
    }

    #[test]
    fn share_links_round_trip_and_are_recognised() {
        let opened = authored();
        let link = share_link("http://127.0.0.1:8080/", &opened.spec).unwrap();
        let (page, hash) = link.split_once('#').unwrap();
        assert_eq!(page, "http://127.0.0.1:8080/");
        assert!(is_share_link(&format!("#{hash}")));
        assert!(!is_share_link("#results") && !is_share_link(""));
        assert!(!is_share_link("#specifications") && !is_share_link("#spec.x"));
        assert!(
            is_share_link("#spec2.abc"),
            "a newer format is still a link, refused with its own message"
        );
        let reopened = open_link(&format!("#{hash}")).unwrap();
        assert_eq!(reopened.spec, opened.spec);
        assert_eq!(reopened.source, "a share link");
        let broken = open_link(&format!("#{}", &hash[..hash.len() / 2])).unwrap_err();
        assert!(
            broken.starts_with("The share link cannot be opened"),
            "{broken}"
        );
    }

    #[test]
    fn facts_describe_the_spec() {
        let facts = authored().facts();
        let get = |label| facts.iter().find(|(l, _)| *l == label).unwrap().1.clone();
        assert_eq!(get("Seed"), "42");
        assert!(get("Dataset").contains("569 rows, embedded"));
        assert_eq!(get("Model"), "Logistic regression");
    }

    #[test]
    fn the_reviewer_reads_what_the_spec_tests_in_words() {
        let mut opened = authored();
        opened.spec.description = "Screens biopsies.".into();
        let checks = opened.checks();
        assert_eq!(checks.len(), opened.spec.checks.len());
        let bar = checks
            .iter()
            .find(|c| c.title == "Clears a fixed quality bar")
            .unwrap();
        assert_eq!(bar.settings, "accuracy at least 0.8");
        assert_eq!(bar.recorded, Some("Pass"));
        // No spec field names in the words (column names, shown as written, aside).
        let schema = checks
            .iter()
            .find(|c| c.title == "Columns as recorded")
            .unwrap();
        assert!(
            schema.settings.contains("mean_radius: numeric"),
            "{schema:?}"
        );
        assert!(
            checks
                .iter()
                .filter(|c| c.title != schema.title)
                .all(|c| !c.settings.contains('_')),
            "{checks:?}"
        );
        assert_eq!(opened.description().as_deref(), Some("Screens biopsies."));

        let dataset = opened.dataset();
        let get = |label| dataset.iter().find(|(l, _)| *l == label).unwrap().1.clone();
        assert_eq!(get("Rows"), "569");
        assert_eq!(get("SHA-256"), opened.spec.dataset.sha256);
        let settings = opened.settings();
        let get = |label: &str| settings.iter().find(|(l, _)| l == label).unwrap().1.clone();
        assert_eq!(get("Model"), "Logistic regression");
        assert_eq!(get("Predicts"), "diagnosis (binary classification)");
        assert_eq!(get("Seed"), "42");
        assert!(
            settings.iter().all(|(l, _)| !l.contains("umerics")),
            "{settings:?}"
        );
        let facts = opened.facts();
        let numerics = &facts.iter().find(|(l, _)| *l == "Numerics").unwrap().1;
        assert_eq!(numerics, "numerics 2 (sums in four fixed lanes)");
        assert_eq!(get("Share held out for validation"), "0.25");
        assert_eq!(get("Rows with missing values"), "drop rows");
        assert_eq!(opened.revision()[0], ("Revision", "1".to_owned()));
    }

    #[test]
    fn an_error_bar_reads_at_most_and_untuned_settings_say_so() {
        let error_bar: CheckSpec = serde_json::from_str(
            r#"{"check": "metric_threshold", "metric": "rmse", "threshold": 40.5}"#,
        )
        .unwrap();
        assert_eq!(check_settings(&error_bar), "rmse at most 40.5");
        let baseline: CheckSpec =
            serde_json::from_str(r#"{"check": "beats_baseline", "margin": 0.02}"#).unwrap();
        assert_eq!(
            check_settings(&baseline),
            "Margin: 0.02; Metric: the task's main metric"
        );
        let plain: CheckSpec = serde_json::from_str(r#"{"check": "output_sanity"}"#).unwrap();
        assert_eq!(check_settings(&plain), "No settings.");
        let adam = serde_json::json!({"kind": "adam", "beta1": 0.9});
        assert_eq!(words(&adam), "adam (beta1 0.9)");
        // Column names are names: shown as written.
        let column = serde_json::json!({"name": "mean_radius", "kind": "numeric"});
        assert_eq!(words(&column), "mean_radius: numeric");
    }

    #[test]
    fn endpoint_cases_are_shown_with_feature_names_and_expected_answers() {
        let mut opened = authored();
        let form = crate::logic::endpoints::test_support::drafted_form();
        opened.spec.endpoints = vec![form.to_spec().unwrap()];
        let endpoints = opened.endpoints();
        let cases = &endpoints[0].cases;
        assert_eq!(cases.len(), form.cases.len());
        assert_eq!(cases[0].inputs.len(), 30);
        assert_eq!(cases[0].inputs[0].0, "mean_radius");
        assert!(
            cases[0].expected.starts_with("the label "),
            "{:?}",
            cases[0]
        );
        assert_eq!(endpoints[0].address, "http://127.0.0.1:8080");
    }
}
