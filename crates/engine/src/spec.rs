//! The versioned test spec: the only contract between the app (which writes it) and the CLI
//! (which replays it).
//!
//! Wire format: JSON, keys in the order of these structs, pretty-printed with a final newline.
//! Floats are written in their shortest form that parses back to the same bits; NaN and
//! infinities, which JSON lacks, are written as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
//! Unknown fields are an error rather than silently dropped.

use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::checks::{CheckOutcome, CheckSpec};
use crate::data::{Preprocessing, Table, infer_schema};
use crate::endpoint::EndpointSpec;
use crate::fingerprint;
use crate::metrics::Metric;
use crate::model::ModelSpec;
use crate::train::TrainConfig;

/// The spec format this engine writes and the newest it reads.
const FORMAT_VERSION: u32 = 1;
/// `MIGRATIONS[i]` turns a format `i + 1` document into format `i + 2`, so a file of any older
/// version is brought up to date step by step before it is read. Format 1 is the first.
type Migration = fn(serde_json::Value) -> Result<serde_json::Value, EngineError>;
const MIGRATIONS: [Migration; FORMAT_VERSION as usize - 1] = [];

/// Largest spec text accepted.
pub const MAX_SPEC_BYTES: usize = 32 * 1024 * 1024;
/// Most checks a spec holds: the catalogue has sixteen, and each is a line in every report.
pub const MAX_CHECKS: usize = 100;
/// Datasets up to this size are embedded in the spec; larger ones are referenced by path.
pub const MAX_EMBEDDED_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub format_version: u32,
    /// The Assay version that wrote the file.
    pub assay_version: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// 1 for a new spec; each export that changes what the spec tests adds one.
    pub revision: u32,
    /// When the first revision was exported (RFC 3339, from the author's clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When this revision was exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    pub dataset: DatasetSpec,
    pub preprocessing: Preprocessing,
    pub model: ModelSpec,
    pub training: TrainConfig,
    pub checks: Vec<CheckSpec>,
    /// Smoke, contract and load cases against deployed endpoints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<EndpointSpec>,
    /// Results at authoring time, which a replay must reproduce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Recorded>,
    /// Headline metrics of earlier revisions, newest last, for "no worse than before".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Revision>,
}

/// An earlier revision's validation metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Revision {
    pub revision: u32,
    pub metrics: Vec<Metric>,
    /// The served models' metrics that revision recorded, per endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<EndpointMetrics>,
}

/// A served model's metrics on its evaluation rows, as the author's evaluation measured them.
/// Reported, not replayed (a server is not bit-reproducible); the next revision's
/// `no_regression` evaluation check compares with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EndpointMetrics {
    pub endpoint: String,
    pub metrics: Vec<Metric>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    pub name: String,
    /// SHA-256 of the CSV file's bytes.
    pub sha256: String,
    pub rows: usize,
    /// The CSV text itself, for small files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
    /// Otherwise, the CSV's path relative to the spec file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// What the author's run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Recorded {
    /// Fingerprint of the model trained with the spec's settings.
    pub parameter_fingerprint: String,
    /// That model's metrics on the validation split.
    pub metrics: Vec<Metric>,
    pub checks: Vec<CheckOutcome>,
    /// Served models' metrics measured by the author's endpoint evaluations (not replayed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<EndpointMetrics>,
}

impl DatasetSpec {
    /// Describes a CSV file; the text is embedded when small, otherwise referenced by its name.
    pub fn from_csv(file_name: &str, csv: &str, rows: usize) -> Self {
        let embedded = csv.len() <= MAX_EMBEDDED_BYTES;
        Self {
            name: file_name.to_owned(),
            sha256: fingerprint::sha256_hex(csv.as_bytes()),
            rows,
            csv: embedded.then(|| csv.to_owned()),
            path: (!embedded).then(|| file_name.to_owned()),
        }
    }
}

impl Spec {
    /// A new spec as the app authors one: `csv` (the file `file_name`) as its data, `target` to
    /// predict with the task inferred from that column, `model` trained with `training`, and
    /// the checks a new spec gets for them ([`CheckSpec::defaults`]). Not yet run: see
    /// [`Spec::record`].
    pub fn authored(
        name: &str,
        (file_name, csv): (&str, &str),
        target: &str,
        model: ModelSpec,
        training: TrainConfig,
    ) -> Result<Self, EngineError> {
        let table = Table::parse_csv(csv)?;
        let preprocessing = Preprocessing::infer(&table, target)?;
        let checks = CheckSpec::defaults(preprocessing.task, &model, &infer_schema(&table));
        Ok(Self::new(
            name,
            DatasetSpec::from_csv(file_name, csv, table.row_count()),
            preprocessing,
            model,
            training,
            checks,
        ))
    }

    /// Runs the spec on `csv` and records the run in it, as the app does before export.
    pub fn record(&mut self, csv: &str) -> Result<crate::replay::Run, EngineError> {
        let run = crate::replay::run(self, csv)?;
        self.recorded = Some(run.to_recorded());
        Ok(run)
    }

    /// A new spec, with nothing recorded yet.
    pub fn new(
        name: &str,
        dataset: DatasetSpec,
        preprocessing: Preprocessing,
        model: ModelSpec,
        training: TrainConfig,
        checks: Vec<CheckSpec>,
    ) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            assay_version: crate::VERSION.to_owned(),
            name: name.to_owned(),
            description: String::new(),
            revision: 1,
            created: None,
            modified: None,
            dataset,
            preprocessing,
            model,
            training,
            checks,
            endpoints: Vec::new(),
            recorded: None,
            history: Vec::new(),
        }
    }

    /// Reads a spec, checking its format version before anything else so a file from a newer
    /// Assay gets a message about versions rather than about fields.
    ///
    /// A UTF-8 byte-order mark, which some editors write, is skipped. A spec is accepted only if
    /// Assay can write it out again: its pretty form (the export, and what a share link packs)
    /// must also be within [`MAX_SPEC_BYTES`].
    pub fn from_json(text: &str) -> Result<Self, EngineError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.len() > MAX_SPEC_BYTES {
            return Err(EngineError::Spec(format!(
                "the file has {} bytes; the limit is {MAX_SPEC_BYTES}",
                text.len()
            )));
        }
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| EngineError::Spec(format!("not valid JSON: {e}")))?;
        let Some(object) = value.as_object() else {
            return Err(EngineError::Spec(
                "expected a JSON object at the top level".into(),
            ));
        };
        let version = match object.get("format_version").map(serde_json::Value::as_u64) {
            None => {
                return Err(EngineError::Spec(
                    "there is no `format_version` field: is this an Assay spec?".into(),
                ));
            }
            Some(Some(v)) if (1..=u64::from(FORMAT_VERSION)).contains(&v) => v as u32,
            Some(Some(v)) if v > u64::from(FORMAT_VERSION) => {
                let writer = object
                    .get("assay_version")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("a newer version");
                return Err(EngineError::Spec(format!(
                    "written by Assay {writer} in format version {v}; this is Assay {}, which reads format versions up to {FORMAT_VERSION}",
                    crate::VERSION
                )));
            }
            Some(_) => {
                return Err(EngineError::Spec(
                    "`format_version` must be a whole number from 1".into(),
                ));
            }
        };
        let spec: Spec = if version == FORMAT_VERSION {
            // Parsed from the text, so errors keep their line and column.
            serde_json::from_str(text).map_err(|e| EngineError::Spec(e.to_string()))?
        } else {
            let mut value = value;
            for migrate in &MIGRATIONS[version as usize - 1..] {
                value = migrate(value)?;
            }
            serde_json::from_value(value).map_err(|e| EngineError::Spec(e.to_string()))?
        };
        spec.validate()?;
        let written = spec.to_json().len();
        if written > MAX_SPEC_BYTES {
            return Err(EngineError::Spec(format!(
                "written out as Assay writes specs (pretty-printed) it would have {written} bytes, \
                 over the limit of {MAX_SPEC_BYTES}, so it could not be exported or shared again; \
                 Assay accepts only specs it can write back: reference the dataset by `path` \
                 instead of embedding it, or drop recorded loss curves and history"
            )));
        }
        Ok(spec)
    }

    /// This spec as the next revision after `previous` (the file it replaces), exported at
    /// `now`. When nothing it tests has changed, the previous file comes back unchanged, so
    /// re-exporting gives identical bytes; otherwise the revision goes up by one and the
    /// previous revision's validation metrics join the history.
    pub fn revise(mut self, previous: Option<&Spec>, now: &str) -> Spec {
        let Some(previous) = previous else {
            self.revision = 1;
            self.created = Some(now.to_owned());
            self.modified = Some(now.to_owned());
            return self;
        };
        if self.tests_the_same_as(previous) && self.recorded == previous.recorded {
            return previous.clone();
        }
        self.revision = previous.revision.saturating_add(1);
        self.created = previous.created.clone().or_else(|| Some(now.to_owned()));
        self.modified = Some(now.to_owned());
        self.history = previous.next_history();
        self
    }

    /// The history of the revision after this one: this one's history and its recorded metrics.
    /// A run meant to become that revision must use it, so "no worse than before" judges the
    /// same way in CI.
    pub fn next_history(&self) -> Vec<Revision> {
        let mut history = self.history.clone();
        if let Some(recorded) = &self.recorded {
            history.push(Revision {
                revision: self.revision,
                metrics: recorded.metrics.clone(),
                endpoints: recorded.endpoints.clone(),
            });
        }
        history
    }

    /// Same name, description, model trained, checks and endpoints.
    pub fn tests_the_same_as(&self, other: &Spec) -> bool {
        self.name == other.name
            && self.description == other.description
            && self.trains_the_same(other)
            && self.checks == other.checks
            && self.endpoints == other.endpoints
    }

    /// Same data, preprocessing, model and training: the same trained parameters, so results
    /// of one stand for the other. (Compared field by field rather than through copies: a spec
    /// carries its whole CSV.)
    pub fn trains_the_same(&self, other: &Spec) -> bool {
        self.dataset == other.dataset
            && self.preprocessing == other.preprocessing
            && self.model == other.model
            && self.training == other.training
    }

    /// Pretty JSON with a final newline; the same spec always gives the same bytes.
    pub fn to_json(&self) -> String {
        // Serialising plain data structs to a string cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Consistency that the types alone do not ensure, the embedded data's hash included.
    pub fn validate(&self) -> Result<(), EngineError> {
        self.validate_settings()?;
        if let Some(csv) = &self.dataset.csv {
            let actual = fingerprint::sha256_hex(csv.as_bytes());
            if actual != self.dataset.sha256 {
                return Err(EngineError::setting(
                    "dataset.sha256",
                    format!(
                        "the embedded CSV has SHA-256 {actual}, but the spec records {}",
                        self.dataset.sha256
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Everything [`Spec::validate`] checks but the data's hash, which a run verifies once,
    /// on the data it is given, when it loads it ([`crate::replay::load`]).
    pub(crate) fn validate_settings(&self) -> Result<(), EngineError> {
        self.training.validate()?;
        self.preprocessing.validate()?;
        self.model.validate()?;
        if self.checks.len() > MAX_CHECKS {
            return Err(EngineError::setting(
                "checks",
                format!(
                    "a spec holds at most {MAX_CHECKS} checks; this one has {}",
                    self.checks.len()
                ),
            ));
        }
        for check in &self.checks {
            check.validate()?;
        }
        for (i, endpoint) in self.endpoints.iter().enumerate() {
            endpoint.validate()?;
            // Reports, JUnit test names and the relay's routes are keyed by the name.
            if let Some(evaluation) = &endpoint.evaluation {
                let field = format!("endpoints.{}.evaluation", endpoint.name);
                evaluation.validate(&field, self.preprocessing.task)?;
                for name in evaluation.challengers() {
                    if name == endpoint.name || !self.endpoints.iter().any(|e| e.name == name) {
                        return Err(EngineError::setting(
                            &format!("{field}.checks"),
                            format!(
                                "no_worse_than_endpoint names `{name}`, which is not another \
                                 endpoint of the spec"
                            ),
                        ));
                    }
                }
            }
            if self.endpoints[..i].iter().any(|e| e.name == endpoint.name) {
                return Err(EngineError::setting(
                    "endpoints",
                    format!(
                        "more than one endpoint is named `{}`; give each its own name",
                        endpoint.name
                    ),
                ));
            }
        }
        match (&self.dataset.csv, &self.dataset.path) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => {
                return Err(EngineError::setting(
                    "dataset",
                    "give exactly one of `csv` (the data embedded) or `path` (a file beside the spec)",
                ));
            }
        }
        if self.revision == 0 {
            return Err(EngineError::setting("revision", "starts at 1"));
        }
        Ok(())
    }
}

/// Serde helpers for `f64` fields that may hold NaN or an infinity.
pub(crate) mod float {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if value.is_nan() {
            serializer.serialize_str("NaN")
        } else if value.is_infinite() {
            serializer.serialize_str(if *value > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            })
        } else {
            serializer.serialize_f64(*value)
        }
    }

    /// A number, or one of the strings that stand for NaN and the infinities (schema only).
    #[cfg(feature = "schema")]
    #[derive(Debug, schemars::JsonSchema)]
    #[serde(untagged)]
    #[allow(dead_code)] // Only its schema is used.
    pub enum FloatValue {
        Number(f64),
        Token(FloatToken),
    }

    #[cfg(feature = "schema")]
    #[derive(Debug, schemars::JsonSchema)]
    #[allow(dead_code)]
    pub enum FloatToken {
        #[serde(rename = "NaN")]
        NaN,
        #[serde(rename = "Infinity")]
        Infinity,
        #[serde(rename = "-Infinity")]
        NegativeInfinity,
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Number(f64),
            Token(String),
        }
        match Wire::deserialize(deserializer)? {
            Wire::Number(v) => Ok(v),
            Wire::Token(t) => match t.as_str() {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                other => Err(D::Error::custom(format!(
                    "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\", found \"{other}\""
                ))),
            },
        }
    }
}
