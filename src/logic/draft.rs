//! The working draft: everything the author has chosen so far, saved in the browser on every
//! change. It turns into the spec that runs ([`Draft::to_spec`]) and into the file that is
//! exported ([`Draft::export`]).

use assay_engine::checks::{CheckSpec, SchemaMatches};
use assay_engine::data::{
    ColumnKind, ColumnSchema, Imputation, MissingValues, Preprocessing, Table, Task,
    count_missing_values, effective_schema, infer_schema, infer_task, suggested_kinds,
};
use assay_engine::endpoint::EndpointSpec;
use assay_engine::model::{Activation, ModelSpec};
use assay_engine::replay::Run;
use assay_engine::spec::{DatasetSpec, MAX_EMBEDDED_BYTES, Revision, Spec};
use assay_engine::train::TrainConfig;
use serde::{Deserialize, Serialize};

use crate::logic::bits::same_metrics;
use crate::logic::endpoints::evaluation::{Evaluated, fit_task, recorded};
use crate::logic::endpoints::form::EndpointForm;
use crate::logic::runs::{compares_with_history, records_the_same};
use crate::logic::samples::{self, SAMPLES, Sample};

/// Bumped when a stored draft can no longer be read as this type.
pub const DRAFT_FORMAT: u32 = 1;
/// Largest CSV the page accepts: what a spec embeds, so the exported file carries its data;
/// bigger files belong in CI, next to a spec that names them.
pub const MAX_UPLOAD_BYTES: usize = MAX_EMBEDDED_BYTES;

/// Where the data comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum DataSource {
    /// A built-in sample, by id: the draft stays small.
    Sample { id: String },
    /// A file the user chose; its text is kept so a reload restores it.
    Upload { file_name: String, csv: String },
}

impl DataSource {
    /// The data's text; an unknown sample id (from an older app) reads as the first sample.
    pub fn csv(&self) -> &str {
        match self {
            DataSource::Sample { id } => samples::by_id(id).unwrap_or(&SAMPLES[0]).csv,
            DataSource::Upload { csv, .. } => csv,
        }
    }
}

/// A check in the draft: switched off checks keep their settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftCheck {
    pub enabled: bool,
    pub spec: CheckSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub format: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub data: DataSource,
    pub preprocessing: Preprocessing,
    pub model: ModelSpec,
    pub training: TrainConfig,
    pub checks: Vec<DraftCheck>,
    pub endpoint: EndpointForm,
    /// Endpoints of an imported spec that the form cannot show; exported as they came.
    #[serde(default)]
    pub kept_endpoints: Vec<EndpointSpec>,
    /// The last file exported or imported: the next export is its next revision, and "no
    /// worse than before" compares with it.
    #[serde(default)]
    pub previous: Option<Spec>,
}

impl Default for Draft {
    fn default() -> Self {
        Self::from_sample(&SAMPLES[0])
    }
}

impl Draft {
    pub fn from_sample(sample: &Sample) -> Self {
        let mut draft = Self {
            format: DRAFT_FORMAT,
            name: sample.title.to_owned(),
            description: String::new(),
            data: DataSource::Sample {
                id: sample.id.to_owned(),
            },
            preprocessing: Preprocessing::new(sample.target, sample.task),
            model: sample.model.clone(),
            training: sample.training(TrainConfig::default().seed),
            checks: Vec::new(),
            endpoint: EndpointForm::default(),
            kept_endpoints: Vec::new(),
            previous: None,
        };
        draft.reset_checks();
        draft
    }

    /// A draft on an uploaded CSV: its last column is the target until the user picks another.
    pub fn from_upload(file_name: &str, csv: &str) -> Result<Self, String> {
        if let Some(refusal) = too_large(file_name, csv.len() as f64) {
            return Err(refusal);
        }
        let table = Table::parse_csv(csv).map_err(|e| format!("`{file_name}`: {e}"))?;
        let Some(target) = table.headers.last().cloned() else {
            return Err(format!("`{file_name}` has no columns."));
        };
        let mut draft = Self {
            name: file_name.trim_end_matches(".csv").to_owned(),
            data: DataSource::Upload {
                file_name: file_name.to_owned(),
                csv: csv.to_owned(),
            },
            ..Self::default()
        };
        let task = infer_task(&table, &target).unwrap_or(Task::Regression);
        draft.preprocessing = Preprocessing::new(&target, task);
        // Dates are never inferred (recorded specs would change): a new spec records them.
        draft.preprocessing.column_kinds = suggested_kinds(&table);
        // Gaps in the features are filled rather than their rows dropped, unless the author
        // chooses otherwise: nothing leaves the data without a decision.
        let has_gaps = count_missing_values(&table, &draft.preprocessing)
            .is_ok_and(|count| count.rows_with_missing_features > 0);
        if has_gaps {
            draft.preprocessing.missing = MissingValues::Impute(Imputation::default());
        }
        draft.model = model_choices(task).swap_remove(0);
        draft.set_task(&table, task);
        Ok(draft)
    }

    /// A draft that continues an exported spec: its data must be inside it.
    pub fn from_spec(spec: &Spec) -> Result<Self, String> {
        let Some(csv) = &spec.dataset.csv else {
            return Err(format!(
                "This spec reads its data from `{}` next to it, which the page cannot open. \
                 Upload that CSV instead, or replay the spec with `assay run`.",
                spec.dataset.path.as_deref().unwrap_or(&spec.dataset.name)
            ));
        };
        let sample = SAMPLES
            .iter()
            .find(|s| s.file_name == spec.dataset.name && s.csv == csv.as_str());
        let data = match sample {
            Some(sample) => DataSource::Sample {
                id: sample.id.to_owned(),
            },
            None => DataSource::Upload {
                file_name: spec.dataset.name.clone(),
                csv: csv.clone(),
            },
        };
        let mut endpoints = spec.endpoints.iter();
        let (endpoint, kept_endpoints) = match endpoints.next().map(EndpointForm::from_spec) {
            Some(Some(form)) => (form, endpoints.cloned().collect()),
            Some(None) => (EndpointForm::default(), spec.endpoints.clone()),
            None => (EndpointForm::default(), Vec::new()),
        };
        // A spec holds only the checks that were on; the others come back switched off, so
        // they can be turned on again.
        let mut checks: Vec<DraftCheck> = spec
            .checks
            .iter()
            .map(|c| DraftCheck {
                enabled: true,
                spec: c.clone(),
            })
            .collect();
        if let Ok(table) = Table::parse_csv(csv) {
            let schema = effective_schema(&table, &spec.preprocessing.column_kinds)
                .unwrap_or_else(|_| infer_schema(&table));
            for default in CheckSpec::offered(spec.preprocessing.task, &schema) {
                if spec.checks.iter().all(|c| c.id() != default.id()) {
                    checks.push(DraftCheck {
                        enabled: false,
                        spec: default,
                    });
                }
            }
        }
        Ok(Self {
            format: DRAFT_FORMAT,
            name: spec.name.clone(),
            description: spec.description.clone(),
            data,
            preprocessing: spec.preprocessing.clone(),
            model: spec.model.clone(),
            training: spec.training.clone(),
            checks,
            endpoint,
            kept_endpoints,
            previous: Some(spec.clone()),
        })
    }

    pub fn sample(&self) -> Option<&'static Sample> {
        match &self.data {
            DataSource::Sample { id } => samples::by_id(id),
            DataSource::Upload { .. } => None,
        }
    }

    pub fn file_name(&self) -> &str {
        match &self.data {
            DataSource::Sample { id } => samples::by_id(id).map_or("sample.csv", |s| s.file_name),
            DataSource::Upload { file_name, .. } => file_name,
        }
    }

    pub fn csv(&self) -> &str {
        self.data.csv()
    }

    /// Makes `target` the column to predict. A different task brings that task's model and
    /// checks; the same task keeps the user's settings.
    pub fn set_target(&mut self, table: &Table, target: &str) {
        let task = infer_task(table, target).unwrap_or(Task::Regression);
        let task_changed = task != self.preprocessing.task;
        self.preprocessing.target = target.to_owned();
        self.preprocessing.task = task;
        self.keep_time_column_usable(table);
        if task_changed {
            self.set_task(table, task);
        } else {
            self.sync_schema_check(table);
        }
    }

    /// Chooses the task by hand (a few whole numbers may be classes or amounts). An MLP stays
    /// (its head follows the task); checks take the task's defaults, except that a check the
    /// draft already has keeps its settings and switch when they do not name a metric.
    pub fn set_task(&mut self, table: &Table, task: Task) {
        self.preprocessing.task = task;
        if let Some(evaluation) = &mut self.endpoint.evaluation {
            for check in &mut evaluation.checks {
                fit_task(check, task);
            }
        }
        if !matches!(self.model, ModelSpec::Mlp { .. }) {
            self.model = model_choices(task).swap_remove(0);
        }
        let offered = CheckSpec::offered(task, &self.schema(table));
        let sample = self.sample();
        let previous = std::mem::take(&mut self.checks);
        self.checks = offered
            .into_iter()
            .map(|spec| {
                let kept = previous
                    .iter()
                    .find(|c| c.spec.id() == spec.id() && !names_a_metric(&c.spec))
                    .filter(|_| !matches!(spec, CheckSpec::SchemaMatches(_)));
                match kept {
                    Some(kept) => kept.clone(),
                    None => {
                        let mut spec = spec;
                        if let Some(sample) = sample {
                            sample.allow(&mut spec);
                        }
                        DraftCheck {
                            enabled: spec.suits(&self.model),
                            spec,
                        }
                    }
                }
            })
            .collect();
    }

    /// Chooses the model. A check the old model could not pass and the new one can is switched
    /// on, one the new model cannot pass off; the others keep their switch.
    pub fn set_model(&mut self, model: ModelSpec) {
        for check in &mut self.checks {
            let suits = check.spec.suits(&model);
            if suits != check.spec.suits(&self.model) {
                check.enabled = suits;
            }
        }
        self.model = model;
    }

    /// Overrides how one column is read; choosing the inferred kind removes the override.
    pub fn set_column_kind(&mut self, table: &Table, column: &str, kind: ColumnKind) {
        let overrides = &mut self.preprocessing.column_kinds;
        overrides.retain(|c| c.name != column);
        let inferred = infer_schema(table)
            .into_iter()
            .find(|c| c.name == column)
            .map(|c| c.kind);
        if inferred != Some(kind) {
            overrides.push(ColumnSchema {
                name: column.to_owned(),
                kind,
            });
        }
        self.keep_time_column_usable(table);
        self.sync_schema_check(table);
    }

    /// The columns the split can order rows by: dates and numbers other than the target.
    pub fn time_columns(&self, table: &Table) -> Vec<String> {
        self.schema(table)
            .into_iter()
            .filter(|c| {
                c.name != self.preprocessing.target
                    && matches!(c.kind, ColumnKind::Date | ColumnKind::Numeric)
            })
            .map(|c| c.name)
            .collect()
    }

    /// A split by a column that can no longer order rows (now the target, or text) goes back to
    /// a random split rather than leaving a draft that cannot run.
    fn keep_time_column_usable(&mut self, table: &Table) {
        if let Some(time) = &self.preprocessing.time_column
            && !self.time_columns(table).contains(time)
        {
            self.preprocessing.time_column = None;
        }
    }

    /// Every check back to its default settings for the current task and columns.
    pub fn reset_checks(&mut self) {
        if let Ok(table) = Table::parse_csv(self.csv()) {
            // Nothing to carry over: `set_task` would keep the current settings otherwise.
            self.checks.clear();
            let task = self.preprocessing.task;
            self.set_task(&table, task);
        }
    }

    /// The columns as the model will read them.
    pub fn schema(&self, table: &Table) -> Vec<ColumnSchema> {
        effective_schema(table, &self.preprocessing.column_kinds)
            .unwrap_or_else(|_| infer_schema(table))
    }

    /// The schema check records the columns as the author set them.
    fn sync_schema_check(&mut self, table: &Table) {
        let schema = self.schema(table);
        for check in &mut self.checks {
            if let CheckSpec::SchemaMatches(SchemaMatches { expected }) = &mut check.spec {
                expected.clone_from(&schema);
            }
        }
    }

    /// The spec this draft runs: enabled checks only, no endpoints (they do not change a
    /// run), and the history the next export will carry, so "no worse than before" is judged
    /// against the revision it replaces both here and in CI.
    pub fn to_spec(&self) -> Spec {
        let rows = Table::parse_csv(self.csv()).map_or(0, |t| t.row_count());
        self.to_spec_on(DatasetSpec::from_csv(self.file_name(), self.csv(), rows))
    }

    /// [`Draft::to_spec`] with the data already described (hashed), which the page does once
    /// per dataset rather than on every keystroke.
    pub fn to_spec_on(&self, dataset: DatasetSpec) -> Spec {
        let mut spec = Spec::new(
            &self.name,
            dataset,
            self.preprocessing.clone(),
            self.model.clone(),
            self.training.clone(),
            self.checks
                .iter()
                .filter(|c| c.enabled)
                .map(|c| c.spec.clone())
                .collect(),
        );
        spec.description.clone_from(&self.description);
        spec.history = self
            .previous
            .as_ref()
            .map(Spec::next_history)
            .unwrap_or_default();
        spec
    }

    /// `spec` (the draft's) with the endpoints the page tests: the form's, then those kept as
    /// imported. What an endpoint evaluation runs on.
    pub fn with_endpoints(&self, mut spec: Spec) -> Result<Spec, String> {
        spec.endpoints = vec![self.endpoint.to_spec()?];
        spec.endpoints.extend(self.kept_endpoints.iter().cloned());
        Ok(spec)
    }

    /// The file to export, given a run of [`Draft::to_spec`] (or of a spec that records the same
    /// results: only the name, description and history may differ). When nothing tested changed
    /// since the previous file, that file comes back byte for byte, or under its new name or
    /// description: metadata is not a new revision, and its recording still holds.
    pub fn export(&self, run_spec: &Spec, run: &Run, now: &str) -> Result<Spec, String> {
        self.export_evaluated(run_spec, run, None, now)
    }

    /// [`Draft::export`], recording the served model's metrics of `evaluated`, the last
    /// endpoint evaluation, when it holds for the exported spec (see [`recorded`]).
    pub fn export_evaluated(
        &self,
        run_spec: &Spec,
        run: &Run,
        evaluated: Option<&Evaluated>,
        now: &str,
    ) -> Result<Spec, String> {
        let mut spec = run_spec.clone();
        spec.name.clone_from(&self.name);
        spec.description.clone_from(&self.description);
        spec.endpoints = self.endpoint.exported()?;
        if self.endpoint.tests_anything() && self.endpoint.features != run.feature_columns {
            return Err(format!(
                "The endpoint sends the columns {}, but the model now reads {}: draft the cases \
                 again in Endpoints (or evaluate again), or remove them.",
                self.endpoint.features.join(", "),
                run.feature_columns.join(", ")
            ));
        }
        spec.endpoints.extend(self.kept_endpoints.iter().cloned());
        let expected = self
            .previous
            .as_ref()
            .map(Spec::next_history)
            .unwrap_or_default();
        // The served metrics hold for the file as it will be, with the history it will carry.
        let ran_history = std::mem::replace(&mut spec.history, expected.clone());
        let served = recorded(evaluated, &spec);
        spec.history = ran_history;
        let mut recorded = run.to_recorded();
        // Same tests, the same trained model and no other served metrics: the previous file
        // still holds. (Its "no worse than before" was judged against its own predecessor, so
        // whole recordings differ.)
        if let Some(previous) = &self.previous
            && records_the_same(previous, &spec)
            && previous.recorded.as_ref().is_some_and(|r| {
                r.parameter_fingerprint == recorded.parameter_fingerprint
                    && same_metrics(&r.metrics, &recorded.metrics)
                    && (served.is_empty() || r.endpoints == served)
            })
        {
            let mut kept = previous.clone();
            if (&kept.name, &kept.description) != (&spec.name, &spec.description) {
                kept.name = spec.name;
                kept.description = spec.description;
                kept.modified = Some(now.to_owned());
            }
            return Ok(kept);
        }
        // "No worse than before" must have run against the revision this file replaces; the
        // history is otherwise bookkeeping, which the new revision takes from the previous file.
        let latest = |history: &[Revision]| history.last().map(|r| r.metrics.clone());
        let compared = match (latest(&spec.history), latest(&expected)) {
            (Some(ran), Some(expected)) => same_metrics(&ran, &expected),
            (ran, expected) => ran.is_none() && expected.is_none(),
        };
        if spec.checks.iter().any(compares_with_history) && !compared {
            return Err(
                "This run judged \"no worse than before\" against an earlier revision than \
                 the one this export replaces: press Run all again."
                    .to_owned(),
            );
        }
        spec.history = expected;
        recorded.endpoints = served;
        spec.recorded = Some(recorded);
        let spec = spec.revise(self.previous.as_ref(), now);
        // The same rules the CLI applies: among them, no literal credential in a header.
        spec.validate()
            .map_err(|e| format!("This spec cannot be exported: {e}"))?;
        Ok(spec)
    }
}

/// Why a file of `bytes` cannot be opened in the page, if it is too large.
pub fn too_large(file_name: &str, bytes: f64) -> Option<String> {
    (bytes > MAX_UPLOAD_BYTES as f64).then(|| {
        format!(
            "`{file_name}` is {:.1} MB; the page takes CSV files up to {:.1} MB. Use a sample of \
             the rows here, and the full file with `assay run` in CI.",
            bytes / 1e6,
            MAX_UPLOAD_BYTES as f64 / 1e6
        )
    })
}

/// Whether a check's settings name a metric, which another task may not have.
fn names_a_metric(check: &CheckSpec) -> bool {
    matches!(
        check,
        CheckSpec::BeatsBaseline(_) | CheckSpec::MetricThreshold(_) | CheckSpec::NoRegression(_)
    )
}

/// The models that suit a task, the default first.
pub fn model_choices(task: Task) -> Vec<ModelSpec> {
    let linear = match task {
        Task::Regression => ModelSpec::LinearRegression,
        Task::BinaryClassification => ModelSpec::LogisticRegression,
        Task::MulticlassClassification => ModelSpec::SoftmaxRegression,
    };
    vec![
        linear,
        ModelSpec::Mlp {
            hidden_layers: vec![16],
            activation: Activation::Relu,
        },
    ]
}

/// A task in words, for the page.
pub fn task_label(task: Task) -> &'static str {
    match task {
        Task::Regression => "Regression (predict a number)",
        Task::BinaryClassification => "Binary classification (two classes)",
        Task::MulticlassClassification => "Multiclass classification (three or more classes)",
    }
}

pub const TASKS: [Task; 3] = [
    Task::BinaryClassification,
    Task::MulticlassClassification,
    Task::Regression,
];

/// A column kind in words, for the page.
pub fn kind_label(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Numeric => "Number",
        ColumnKind::Categorical => "Category",
        ColumnKind::Boolean => "Yes/no",
        ColumnKind::Identifier => "Identifier (not a feature)",
        ColumnKind::Date => "Date (days, month, weekday)",
        ColumnKind::Ignored => "Ignored (not a feature)",
    }
}

pub const KINDS: [ColumnKind; 6] = [
    ColumnKind::Numeric,
    ColumnKind::Categorical,
    ColumnKind::Boolean,
    ColumnKind::Date,
    ColumnKind::Identifier,
    ColumnKind::Ignored,
];

#[cfg(test)]
mod tests {
    use super::*;
    use assay_engine::checks::LossDecreases;
    use assay_engine::replay;

    const CSV: &str =
        "id,age,colour,label\n1,30.5,red,yes\n2,40.1,blue,no\n3,50.2,red,yes\n4,20.7,blue,no\n";

    #[test]
    fn an_upload_targets_its_last_column_with_the_task_and_model_that_fit() {
        let draft = Draft::from_upload("people.csv", CSV).unwrap();
        assert_eq!(draft.name, "people");
        assert_eq!(draft.preprocessing.target, "label");
        assert_eq!(draft.preprocessing.task, Task::BinaryClassification);
        assert_eq!(draft.model, ModelSpec::LogisticRegression);
        assert!(
            draft
                .checks
                .iter()
                .any(|c| matches!(c.spec, CheckSpec::ClassBalance(_)))
        );
    }

    #[test]
    fn an_upload_records_its_dates_and_a_time_split_follows_the_columns() {
        let csv = "signed_up,visits,plan,churned\n2024-01-03,4,basic,no\n2024-02-11,,pro,yes\n\
                   2024-03-05,7,basic,no\n2024-03-09,2,,yes\n";
        let mut draft = Draft::from_upload("churn.csv", csv).unwrap();
        let table = Table::parse_csv(csv).unwrap();
        let signed_up = ColumnSchema {
            name: "signed_up".into(),
            kind: ColumnKind::Date,
        };
        assert_eq!(draft.preprocessing.column_kinds, [signed_up]);
        // It has gaps: they are filled, not their rows dropped, until the author says otherwise.
        assert_eq!(
            draft.preprocessing.missing,
            MissingValues::Impute(Imputation::default())
        );
        let whole = Draft::from_upload("people.csv", CSV).unwrap();
        assert_eq!(whole.preprocessing.missing, MissingValues::DropRows);
        assert_eq!(draft.time_columns(&table), ["signed_up", "visits"]);
        draft.preprocessing.time_column = Some("signed_up".into());
        let spec = draft.to_spec();
        assert_eq!(spec.preprocessing.time_column.as_deref(), Some("signed_up"));
        // Read as text, the column can no longer order rows: the split goes back to random.
        draft.set_column_kind(&table, "signed_up", ColumnKind::Categorical);
        assert_eq!(draft.preprocessing.time_column, None);
        draft.preprocessing.time_column = Some("visits".into());
        draft.set_target(&table, "visits");
        assert_eq!(draft.preprocessing.time_column, None);
    }

    #[test]
    fn an_upload_with_a_numeric_target_gets_a_regression_model_and_checks() {
        let csv = "a,b,price\n1,2,10.5\n2,3,20.25\n3,5,30.75\n4,4,41.5\n5,1,12.5\n";
        let draft = Draft::from_upload("houses.csv", csv).unwrap();
        assert_eq!(draft.preprocessing.task, Task::Regression);
        assert_eq!(draft.model, ModelSpec::LinearRegression);
        let kinds: Vec<&str> = draft.checks.iter().map(|c| c.spec.id()).collect();
        assert!(!kinds.contains(&"class_balance"), "{kinds:?}");
        let optimum = draft
            .checks
            .iter()
            .find(|c| matches!(c.spec, CheckSpec::ConvergesToOptimum(_)))
            .unwrap();
        assert!(optimum.enabled, "linear regression has an optimum to reach");
    }

    #[test]
    fn a_check_follows_the_model_only_when_the_model_decides_whether_it_can_pass() {
        let csv = "a,b,price\n1,2,10.5\n2,3,20.25\n3,5,30.75\n4,4,41.5\n5,1,12.5\n";
        let mut draft = Draft::from_upload("houses.csv", csv).unwrap();
        let switch = |draft: &Draft, id: &str| {
            draft
                .checks
                .iter()
                .find(|c| c.spec.id() == id)
                .map(|c| c.enabled)
                .unwrap()
        };
        let mlp = model_choices(Task::Regression).swap_remove(1);
        // The author switches the optimum check off: choosing the same kind of model again
        // keeps it off.
        for check in &mut draft.checks {
            if check.spec.id() == "converges_to_optimum" {
                check.enabled = false;
            }
        }
        draft.set_model(ModelSpec::LinearRegression);
        assert!(!switch(&draft, "converges_to_optimum"));
        // An MLP has no exact optimum; back on linear regression it has one again.
        draft.set_model(mlp.clone());
        assert!(!switch(&draft, "converges_to_optimum"));
        draft.set_model(ModelSpec::LinearRegression);
        assert!(switch(&draft, "converges_to_optimum"));
        // A check every model can pass keeps the author's switch through both changes.
        for check in &mut draft.checks {
            if check.spec.id() == "loss_decreases" {
                check.enabled = false;
            }
        }
        draft.set_model(mlp);
        draft.set_model(ModelSpec::LinearRegression);
        assert!(!switch(&draft, "loss_decreases"));
    }

    #[test]
    fn another_task_keeps_an_mlp_and_the_settings_of_checks_that_name_no_metric() {
        let mut draft = Draft::from_upload("people.csv", CSV).unwrap();
        let table = Table::parse_csv(CSV).unwrap();
        let mlp = model_choices(Task::BinaryClassification).swap_remove(1);
        draft.set_model(mlp.clone());
        for check in &mut draft.checks {
            if let CheckSpec::LossDecreases(LossDecreases {
                min_relative_drop, ..
            }) = &mut check.spec
            {
                *min_relative_drop = 0.5;
                check.enabled = false;
            }
        }
        draft.set_task(&table, Task::MulticlassClassification);
        assert_eq!(draft.model, mlp);
        let kept = draft
            .checks
            .iter()
            .find(|c| matches!(c.spec, CheckSpec::LossDecreases(_)))
            .unwrap()
            .clone();
        assert_eq!(
            kept.spec,
            CheckSpec::LossDecreases(LossDecreases {
                min_relative_drop: 0.5,
                max_rise: 0.1,
            })
        );
        assert!(!kept.enabled);
        draft.reset_checks();
        let reset = draft
            .checks
            .iter()
            .find(|c| matches!(c.spec, CheckSpec::LossDecreases(_)))
            .unwrap();
        assert!(
            reset.enabled && reset.spec != kept.spec,
            "reset means the defaults"
        );
        draft.set_task(&table, Task::Regression);
        let optimum = draft
            .checks
            .iter()
            .find(|c| matches!(c.spec, CheckSpec::ConvergesToOptimum(_)))
            .unwrap();
        assert!(
            !optimum.enabled,
            "an MLP has no exact optimum to compare with"
        );
    }

    #[test]
    fn a_broken_upload_is_refused_with_its_file_and_line() {
        let error = Draft::from_upload("bad.csv", "a,b\n1,2\n3\n").unwrap_err();
        assert!(error.starts_with("`bad.csv`: "), "{error}");
        assert!(error.contains("line 3"), "{error}");
        let big = "a\n".repeat(MAX_UPLOAD_BYTES);
        assert!(
            Draft::from_upload("big.csv", &big)
                .unwrap_err()
                .contains("up to 1.0 MB")
        );
    }

    #[test]
    fn choosing_a_numeric_target_switches_to_regression_and_its_checks() {
        let mut draft = Draft::from_upload("people.csv", CSV).unwrap();
        let table = Table::parse_csv(CSV).unwrap();
        draft.set_target(&table, "age");
        assert_eq!(draft.preprocessing.task, Task::Regression);
        assert_eq!(draft.model, ModelSpec::LinearRegression);
        assert!(
            !draft
                .checks
                .iter()
                .any(|c| matches!(c.spec, CheckSpec::ClassBalance(_)))
        );
    }

    #[test]
    fn a_column_kind_override_is_recorded_once_and_followed_by_the_schema_check() {
        let mut draft = Draft::from_upload("people.csv", CSV).unwrap();
        let table = Table::parse_csv(CSV).unwrap();
        draft.set_column_kind(&table, "age", ColumnKind::Categorical);
        draft.set_column_kind(&table, "age", ColumnKind::Categorical);
        assert_eq!(draft.preprocessing.column_kinds.len(), 1);
        let expected = draft.checks.iter().find_map(|c| match &c.spec {
            CheckSpec::SchemaMatches(SchemaMatches { expected }) => Some(expected.clone()),
            _ => None,
        });
        let age = expected.unwrap().into_iter().find(|c| c.name == "age");
        assert_eq!(age.map(|c| c.kind), Some(ColumnKind::Categorical));
        draft.set_column_kind(&table, "age", ColumnKind::Numeric);
        assert!(
            draft.preprocessing.column_kinds.is_empty(),
            "back to inferred"
        );
    }

    #[test]
    fn switched_off_checks_stay_in_the_draft_but_not_in_the_spec() {
        let mut draft = Draft::default();
        let all = draft.checks.len();
        draft.checks[0].enabled = false;
        assert_eq!(draft.to_spec().checks.len(), all - 1);
        assert_eq!(draft.checks.len(), all);
    }

    #[test]
    fn the_draft_survives_storage_as_json() {
        let draft = Draft::from_upload("people.csv", CSV).unwrap();
        // Written as `storage::save_draft` writes it; a compact draft from an older page too.
        let text = serde_json::to_string_pretty(&draft).unwrap();
        assert_eq!(serde_json::from_str::<Draft>(&text).unwrap(), draft);
        let compact = serde_json::to_string(&draft).unwrap();
        assert_eq!(serde_json::from_str::<Draft>(&compact).unwrap(), draft);
    }

    /// Export, re-export unchanged, change, export again: the second file repeats the first
    /// byte for byte, and each file replays as recorded, "no worse than before" included.
    #[test]
    fn exports_revise_the_previous_file_and_replay_as_recorded() {
        let mut draft = Draft::default();
        draft.training.epochs = 5;
        let export = |draft: &Draft, now: &str| {
            let spec = draft.to_spec();
            let run = replay::run(&spec, draft.csv()).unwrap();
            draft.export(&spec, &run, now).unwrap()
        };
        let first = export(&draft, "2026-11-22T10:00:00Z");
        assert_eq!(first.revision, 1);
        draft.previous = Some(first.clone());
        assert_eq!(
            export(&draft, "2026-11-22T11:00:00Z").to_json(),
            first.to_json()
        );

        draft.training.epochs = 6;
        // A run made before the first export judged "no worse" against nothing: refused.
        let mut stale = draft.clone();
        stale.previous = None;
        let stale_spec = stale.to_spec();
        let stale_run = replay::run(&stale_spec, draft.csv()).unwrap();
        let refused = draft.export(&stale_spec, &stale_run, "2026-11-22T11:30:00Z");
        assert!(refused.unwrap_err().contains("Run all again"));

        let second = export(&draft, "2026-11-22T12:00:00Z");
        assert_eq!(second.revision, 2);
        assert_eq!(second.history.len(), 1);
        for spec in [&first, &second] {
            let replayed = replay::run(spec, draft.csv()).unwrap();
            assert_eq!(
                replay::compare(spec.recorded.as_ref().unwrap(), &replayed),
                vec![]
            );
        }
    }

    #[test]
    fn an_imported_spec_continues_as_the_previous_revision_with_its_sample() {
        let draft = Draft::default();
        let spec = draft.to_spec();
        let run = replay::run(&spec, draft.csv()).unwrap();
        let exported = draft.export(&spec, &run, "2026-11-22T10:00:00Z").unwrap();
        let imported = Draft::from_spec(&exported).unwrap();
        assert_eq!(imported.data, draft.data);
        assert_eq!(imported.previous.as_ref(), Some(&exported));
        assert_eq!(imported.to_spec().checks, exported.checks);
        assert!(imported.checks.iter().all(|c| c.enabled));

        // A check switched off before export comes back switched off, not gone.
        let mut partial = draft.clone();
        partial.checks[0].enabled = false;
        let spec = partial.to_spec();
        let run = replay::run(&spec, draft.csv()).unwrap();
        let exported = partial.export(&spec, &run, "2026-11-22T10:00:00Z").unwrap();
        let imported = Draft::from_spec(&exported).unwrap();
        assert_eq!(imported.checks.len(), draft.checks.len());
        let off = imported.checks.iter().find(|c| !c.enabled).unwrap();
        assert_eq!(off.spec, draft.checks[0].spec);
        // Endpoint cases drafted for other columns would send the wrong inputs: refused.
        let mut stale = Draft::from_spec(&exported).unwrap();
        stale.endpoint.features = vec!["mean_radius".into()];
        stale.endpoint.cases = vec![assay_engine::endpoint::SmokeCase {
            name: "one".into(),
            input: vec![serde_json::json!(1.0)],
            expect: assay_engine::endpoint::Expectation::ClassLabel {
                label: serde_json::json!("benign"),
            },
            max_latency_ms: None,
        }];
        let error = stale
            .export(&spec, &run, "2026-11-22T11:00:00Z")
            .unwrap_err();
        assert!(error.contains("draft the cases again"), "{error}");

        let mut by_path = exported.clone();
        by_path.dataset.csv = None;
        by_path.dataset.path = Some("big.csv".into());
        assert!(
            Draft::from_spec(&by_path)
                .unwrap_err()
                .contains("`big.csv`")
        );
    }
}
