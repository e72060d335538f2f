//! The Endpoints panel's logic: the form describing a deployed model, its smoke cases, the
//! credential kept only in memory, and what to make of each answer. The engine builds every
//! request (`build_request`) and judges every answer (`judge`); the browser only sends them
//! (`crate::fetch`).

use std::fmt;

use assay_engine::checks::Verdict;
use assay_engine::endpoint::{
    CaseOutcome, DATATYPES, EndpointSpec, Expectation, Header, MlflowFormat, Protocol, Request,
    Resolved, Secrets, SmokeCase, Transport, build_request, draft_cases, judge, judge_transport,
    resolve_headers,
};
use assay_engine::model::Network;
use assay_engine::replay::{self, Run};
use assay_engine::spec::Spec;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::workbench::Status;

/// Cases drafted from the model: a handful, as smoke tests should be.
pub const DRAFT_COUNT: usize = 5;
/// Regression cases allow the deployed model this relative drift from the local one.
pub const DRAFT_TOLERANCE: f64 = 0.05;

/// The protocols the form offers, each with the settings it fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtocolChoice {
    OpenInference,
    TfServingRows,
    TfServingColumns,
    MlflowSplit,
    MlflowRecords,
    MlflowInstancesRecords,
    MlflowInputsColumns,
    MlflowInstances,
    MlflowInputs,
    GenericJson,
}

impl ProtocolChoice {
    pub const ALL: [Self; 10] = [
        Self::OpenInference,
        Self::TfServingRows,
        Self::TfServingColumns,
        Self::MlflowSplit,
        Self::MlflowRecords,
        Self::MlflowInstancesRecords,
        Self::MlflowInputsColumns,
        Self::MlflowInstances,
        Self::MlflowInputs,
        Self::GenericJson,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::OpenInference => "open_inference",
            Self::TfServingRows => "tf_serving_rows",
            Self::TfServingColumns => "tf_serving_columns",
            Self::MlflowSplit => "mlflow_split",
            Self::MlflowRecords => "mlflow_records",
            Self::MlflowInstancesRecords => "mlflow_instances_records",
            Self::MlflowInputsColumns => "mlflow_inputs_columns",
            Self::MlflowInstances => "mlflow_instances",
            Self::MlflowInputs => "mlflow_inputs",
            Self::GenericJson => "generic_json",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OpenInference => "Open Inference (KServe V2: MLServer, KServe, Triton)",
            Self::TfServingRows => "TF Serving, rows (instances)",
            Self::TfServingColumns => "TF Serving, columns (inputs)",
            Self::MlflowSplit => "MLflow, dataframe_split (named columns)",
            Self::MlflowRecords => "MLflow, dataframe_records (named columns)",
            Self::MlflowInstancesRecords => "MLflow, instances as records (named columns)",
            Self::MlflowInputsColumns => "MLflow, inputs as columns (named columns)",
            Self::MlflowInstances => "MLflow, instances as rows (tensor signature)",
            Self::MlflowInputs => "MLflow, inputs as rows (tensor signature)",
            Self::GenericJson => "Generic JSON",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    fn is_mlflow(self) -> bool {
        matches!(
            self,
            Self::MlflowSplit
                | Self::MlflowRecords
                | Self::MlflowInstancesRecords
                | Self::MlflowInputsColumns
                | Self::MlflowInstances
                | Self::MlflowInputs
        )
    }

    /// Whether the server addresses models by name (and version).
    pub fn names_models(self) -> bool {
        !(self.is_mlflow() || self == Self::GenericJson)
    }

    /// What to know when choosing among this protocol's forms.
    pub fn hint(self) -> Option<&'static str> {
        // MLflow refuses the other kind with 400 SCHEMA_ENFORCEMENT_FAILED.
        self.is_mlflow().then_some(
            "MLflow checks the input against the model's signature. A model saved with a column \
             signature (fitted on a DataFrame with named columns, the usual case) takes named \
             columns: dataframe_split, dataframe_records, instances as records or inputs as \
             columns. A model saved with a tensor signature takes rows: instances or inputs as \
             rows.",
        )
    }
}

/// What the user typed about an endpoint. Never holds the credential's value: see [`Credential`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointForm {
    pub name: String,
    pub base_url: String,
    pub protocol: ProtocolChoice,
    pub model: String,
    pub version: String,
    pub timeout_ms: String,
    /// Generic JSON only: the path, the request template and where the prediction is.
    pub path: String,
    pub request_template: String,
    pub prediction_pointer: String,
    /// Generic JSON only: a readiness path to check first (blank: none).
    #[serde(default)]
    pub readiness_path: String,
    /// Open Inference only: the input tensor's name and datatype (blank: `input-0`, and FP64
    /// for numbers or BYTES for text).
    #[serde(default)]
    pub input_name: String,
    #[serde(default)]
    pub input_datatype: String,
    /// The credential header's name (empty: none) and the environment variable CI reads it from.
    pub header_name: String,
    pub env_name: String,
    pub features: Vec<String>,
    pub cases: Vec<SmokeCase>,
}

impl Default for EndpointForm {
    fn default() -> Self {
        Self {
            name: "model-server".into(),
            base_url: "http://127.0.0.1:8080".into(),
            protocol: ProtocolChoice::OpenInference,
            model: "model".into(),
            version: String::new(),
            timeout_ms: "5000".into(),
            path: "/predict".into(),
            request_template: r#"{"rows": ["{{row}}"]}"#.into(),
            prediction_pointer: "/predictions/0".into(),
            readiness_path: String::new(),
            input_name: String::new(),
            input_datatype: String::new(),
            header_name: String::new(),
            env_name: "MODEL_KEY".into(),
            features: Vec::new(),
            cases: Vec::new(),
        }
    }
}

/// Letters, digits, `-`, `_` and `.`: the endpoint's name is a path segment of the relay.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// An environment variable name as shells accept it.
fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A form field's text, or `None` when left blank.
fn given(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl EndpointForm {
    fn protocol(&self) -> Result<Protocol, String> {
        Ok(match self.protocol {
            ProtocolChoice::OpenInference => Protocol::OpenInference {
                output: None,
                input_name: given(&self.input_name),
                input_datatype: given(&self.input_datatype),
            },
            ProtocolChoice::TfServingRows => Protocol::TfServing { columnar: false },
            ProtocolChoice::TfServingColumns => Protocol::TfServing { columnar: true },
            ProtocolChoice::MlflowSplit => Protocol::Mlflow {
                format: MlflowFormat::DataframeSplit,
            },
            ProtocolChoice::MlflowRecords => Protocol::Mlflow {
                format: MlflowFormat::DataframeRecords,
            },
            ProtocolChoice::MlflowInstancesRecords => Protocol::Mlflow {
                format: MlflowFormat::InstancesRecords,
            },
            ProtocolChoice::MlflowInputsColumns => Protocol::Mlflow {
                format: MlflowFormat::InputsColumns,
            },
            ProtocolChoice::MlflowInstances => Protocol::Mlflow {
                format: MlflowFormat::Instances,
            },
            ProtocolChoice::MlflowInputs => Protocol::Mlflow {
                format: MlflowFormat::Inputs,
            },
            ProtocolChoice::GenericJson => Protocol::GenericJson {
                path: self.path.trim().to_owned(),
                request: serde_json::from_str(&self.request_template)
                    .map_err(|e| format!("The request template is not JSON: {e}."))?,
                prediction_pointer: self.prediction_pointer.trim().to_owned(),
                readiness_path: given(&self.readiness_path),
            },
        })
    }

    /// Sets the input tensor the server's metadata names (see [`input_tensor_from_metadata`]).
    pub fn use_input_tensor(&mut self, name: String, datatype: String) {
        self.input_name = name;
        self.input_datatype = datatype;
    }

    /// The endpoint as the spec records it. The credential header's value is always
    /// `${env:NAME}`: the value typed in the page is not an input here, so it cannot leak.
    pub fn to_spec(&self) -> Result<EndpointSpec, String> {
        let name = self.name.trim();
        if !valid_name(name) {
            return Err(format!(
                "The endpoint name `{name}` may hold only letters, digits, `-`, `_` and `.`."
            ));
        }
        let timeout_ms = self
            .timeout_ms
            .trim()
            .parse::<u32>()
            .map_err(|_| "The timeout must be a whole number of milliseconds.".to_owned())?;
        let header_name = self.header_name.trim();
        let headers = if header_name.is_empty() {
            Vec::new()
        } else {
            let env = self.env_name.trim();
            if !valid_env_name(env) {
                return Err(format!(
                    "`{env}` is not an environment variable name (letters, digits and `_`, e.g. MODEL_KEY)."
                ));
            }
            vec![Header {
                name: header_name.to_owned(),
                value: format!("${{env:{env}}}"),
                not_secret: false,
            }]
        };
        let uses_names = self.protocol.names_models();
        let version = self.version.trim();
        let spec = EndpointSpec {
            name: name.to_owned(),
            base_url: self.base_url.trim().to_owned(),
            protocol: self.protocol()?,
            model: if uses_names {
                self.model.trim().to_owned()
            } else {
                String::new()
            },
            version: (uses_names && !version.is_empty()).then(|| version.to_owned()),
            headers,
            timeout_ms,
            features: self.features.clone(),
            cases: self.cases.clone(),
            load: None,
        };
        spec.validate().map_err(|e| e.to_string())?;
        Ok(spec)
    }

    /// What the exported spec's `endpoints` holds: nothing until there are cases.
    pub fn exported(&self) -> Result<Vec<EndpointSpec>, String> {
        if self.cases.is_empty() {
            return Ok(Vec::new());
        }
        self.to_spec()
            .map(|spec| vec![spec])
            .map_err(|e| format!("The endpoint cannot be exported: {e}"))
    }

    /// The form showing `spec`, or `None` when the form cannot hold it (a picked output, more
    /// than one header, a load plan): such an endpoint is kept as it is instead.
    pub fn from_spec(spec: &EndpointSpec) -> Option<Self> {
        let mut form = Self {
            name: spec.name.clone(),
            base_url: spec.base_url.clone(),
            model: spec.model.clone(),
            version: spec.version.clone().unwrap_or_default(),
            timeout_ms: spec.timeout_ms.to_string(),
            features: spec.features.clone(),
            cases: spec.cases.clone(),
            ..Self::default()
        };
        form.protocol = match &spec.protocol {
            Protocol::OpenInference {
                output: None,
                input_name,
                input_datatype,
            } => {
                form.input_name = input_name.clone().unwrap_or_default();
                form.input_datatype = input_datatype.clone().unwrap_or_default();
                ProtocolChoice::OpenInference
            }
            Protocol::OpenInference {
                output: Some(_), ..
            } => return None,
            Protocol::TfServing { columnar: false } => ProtocolChoice::TfServingRows,
            Protocol::TfServing { columnar: true } => ProtocolChoice::TfServingColumns,
            Protocol::Mlflow { format } => match format {
                MlflowFormat::DataframeSplit => ProtocolChoice::MlflowSplit,
                MlflowFormat::DataframeRecords => ProtocolChoice::MlflowRecords,
                MlflowFormat::Instances => ProtocolChoice::MlflowInstances,
                MlflowFormat::Inputs => ProtocolChoice::MlflowInputs,
                MlflowFormat::InstancesRecords => ProtocolChoice::MlflowInstancesRecords,
                MlflowFormat::InputsColumns => ProtocolChoice::MlflowInputsColumns,
            },
            Protocol::GenericJson {
                path,
                request,
                prediction_pointer,
                readiness_path,
            } => {
                form.readiness_path = readiness_path.clone().unwrap_or_default();
                form.path.clone_from(path);
                form.request_template = request.to_string();
                form.prediction_pointer.clone_from(prediction_pointer);
                ProtocolChoice::GenericJson
            }
        };
        match spec.headers.as_slice() {
            [] => {}
            [header] => {
                let env = header.value.strip_prefix("${env:")?.strip_suffix('}')?;
                form.header_name.clone_from(&header.name);
                form.env_name = env.to_owned();
            }
            _ => return None,
        }
        (spec.load.is_none() && form.to_spec().ok().as_ref() == Some(spec)).then_some(form)
    }

    /// Adds a case to edit, starting from a copy of the last one (inputs and expectation have
    /// the right shape that way); `None` before any case was drafted, as the features are unknown.
    pub fn add_case(&mut self) -> Option<usize> {
        let mut case = self.cases.last()?.clone();
        case.name = (self.cases.len() + 1..)
            .map(|n| format!("case-{n}"))
            .find(|name| self.cases.iter().all(|c| &c.name != name))?;
        self.cases.push(case);
        Some(self.cases.len() - 1)
    }

    /// Removes case `index`; the features stay, so cases can be added again.
    pub fn remove_case(&mut self, index: usize) {
        if index < self.cases.len() {
            self.cases.remove(index);
        }
    }
}

/// The first input tensor's name and datatype in an Open Inference metadata answer
/// (`GET /v2/models/{name}`), if it lists one with a datatype of the protocol's.
pub fn input_tensor_from_metadata(body: &str) -> Option<(String, String)> {
    let meta: Value = serde_json::from_str(body).ok()?;
    let input = meta.get("inputs")?.as_array()?.first()?;
    let name = input.get("name")?.as_str()?;
    let datatype = input.get("datatype")?.as_str()?;
    (!name.trim().is_empty() && DATATYPES.contains(&datatype))
        .then(|| (name.to_owned(), datatype.to_owned()))
}

/// Cases drafted from the locally trained model: representative validation rows with the
/// model's own answers as expectations.
pub fn draft(spec: &Spec, run: &Run, csv: &str) -> Result<(Vec<String>, Vec<SmokeCase>), String> {
    let (table, prepared) = replay::load(spec, csv).map_err(|e| e.to_string())?;
    let network = Network::new(
        &spec.model,
        prepared.train.features.ncols(),
        prepared.train.classes.len(),
    )
    .map_err(|e| e.to_string())?;
    let drafted = draft_cases(
        &table,
        &prepared,
        &network,
        &run.model.params,
        DRAFT_COUNT,
        DRAFT_TOLERANCE,
    )
    .map_err(|e| e.to_string())?;
    Ok((drafted.features, drafted.cases))
}

/// One editable part of a case's expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Value,
    Tolerance,
    Min,
    Max,
    Label,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Self::Value => "Expected value",
            Self::Tolerance => "Tolerance",
            Self::Min => "Minimum",
            Self::Max => "Maximum",
            Self::Label => "Expected label",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Self::Value => "value",
            Self::Tolerance => "tolerance",
            Self::Min => "min",
            Self::Max => "max",
            Self::Label => "label",
        }
    }
}

/// A label as typed: the text itself, or a number where the label was one.
fn label_text(label: &Value) -> String {
    label
        .as_str()
        .map_or_else(|| label.to_string(), str::to_owned)
}

/// The expectation's editable fields and their current text.
pub fn fields(expect: &Expectation) -> Vec<(Field, String)> {
    match expect {
        Expectation::Absolute { value, tolerance } | Expectation::Relative { value, tolerance } => {
            vec![
                (Field::Value, value.to_string()),
                (Field::Tolerance, tolerance.to_string()),
            ]
        }
        Expectation::Range { min, max } => {
            vec![(Field::Min, min.to_string()), (Field::Max, max.to_string())]
        }
        Expectation::ClassLabel { label } => vec![(Field::Label, label_text(label))],
        Expectation::Exact { value } => vec![(Field::Value, label_text(value))],
        Expectation::ClassProbability { at_least, .. } => {
            vec![(Field::Value, at_least.to_string())]
        }
    }
}

/// Sets one field of `expect` from typed text; on error `expect` is unchanged.
pub fn set_field(expect: &mut Expectation, field: Field, text: &str) -> Result<(), String> {
    let text = text.trim();
    let number = || {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{} must be a number; `{text}` is not.", field.label()))
    };
    // A label keeps its kind: numbers stay numbers, text stays text.
    let like = |old: &Value| -> Result<Value, String> {
        if old.is_number() {
            match text.parse::<i64>() {
                Ok(whole) => Ok(Value::from(whole)),
                Err(_) => Ok(Value::from(number()?)),
            }
        } else {
            Ok(Value::String(text.to_owned()))
        }
    };
    match (expect, field) {
        (
            Expectation::Absolute { value, .. } | Expectation::Relative { value, .. },
            Field::Value,
        ) => *value = number()?,
        (
            Expectation::Absolute { tolerance, .. } | Expectation::Relative { tolerance, .. },
            Field::Tolerance,
        ) => {
            let t = number()?;
            if t < 0.0 {
                return Err("Tolerance must not be negative.".into());
            }
            *tolerance = t;
        }
        (Expectation::Range { min, .. }, Field::Min) => *min = number()?,
        (Expectation::Range { max, .. }, Field::Max) => *max = number()?,
        (Expectation::ClassLabel { label }, Field::Label) => *label = like(label)?,
        (Expectation::Exact { value }, Field::Value) => *value = like(value)?,
        (Expectation::ClassProbability { at_least, .. }, Field::Value) => *at_least = number()?,
        (_, field) => return Err(format!("This case has no {}.", field.label())),
    }
    Ok(())
}

/// A case's input as the form shows it: values separated by commas.
pub fn input_text(case: &SmokeCase) -> String {
    case.input
        .iter()
        .map(label_text)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Sets a case's input from comma-separated values: numbers where they parse, text otherwise.
pub fn set_input(case: &mut SmokeCase, features: usize, text: &str) -> Result<(), String> {
    let values: Vec<Value> = text
        .split(',')
        .map(str::trim)
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(v.to_owned()), Value::Number)
        })
        .collect();
    if values.len() != features {
        return Err(format!(
            "Case `{}` needs {features} values, one per feature; {} were typed.",
            case.name,
            values.len()
        ));
    }
    case.input = values;
    Ok(())
}

/// The credential typed into the page: kept in memory for this tab only, never in a spec.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credential(String);

impl Credential {
    pub fn new(value: &str) -> Self {
        Self(value.to_owned())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credential(…)")
    }
}

/// The headers to send: the spec's, with every `${env:NAME}` resolved to the typed credential;
/// with the secrets to redact from what the server answers.
pub fn headers_to_send(spec: &EndpointSpec, credential: &Credential) -> Result<Resolved, String> {
    let resolved = resolve_headers(&spec.headers, |_| {
        if credential.is_empty() {
            Err("which is not typed".into())
        } else {
            Ok(credential.0.clone())
        }
    })
    .map_err(|_| {
        "Type the credential first: it is sent from this tab only, and the spec keeps the \
         ${env:NAME} reference instead."
            .to_owned()
    })?;
    // The browser throws (and would abort the run) on a header it cannot send; say so instead,
    // without repeating the value.
    for (name, value) in &resolved.headers {
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(token) {
            return Err(format!(
                "The header name `{name}` is not valid in HTTP: use letters, digits and dashes."
            ));
        }
        if value.chars().any(|c| c.is_control() || !c.is_ascii()) {
            return Err(format!(
                "The value for `{name}` has characters HTTP headers cannot carry (line breaks or non-ASCII)."
            ));
        }
    }
    Ok(resolved)
}

/// Where the browser sends a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Straight to the server, which must send CORS headers.
    Direct,
    /// Through `assay serve --spec`'s same-origin relay.
    Relay,
}

/// The request for one case along `route`.
pub fn request_for(spec: &EndpointSpec, case: &SmokeCase, route: Route) -> Request {
    let mut request = build_request(spec, case);
    if route == Route::Relay {
        request.url = relay_url(spec, &request.url);
    }
    request
}

/// `{base_url}/{path}` → `/relay/{name}/{path}`, the relay's address for the same request.
pub fn relay_url(spec: &EndpointSpec, url: &str) -> String {
    let base = spec.base_url.trim_end_matches('/');
    let path = url
        .strip_prefix(base)
        .unwrap_or(url)
        .trim_start_matches('/');
    format!("/relay/{}/{path}", spec.name)
}

/// Whether `GET /relay/`'s answer lists the endpoint `name`.
pub fn relay_lists(body: &str, name: &str) -> bool {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("endpoints")?
                .as_array()
                .map(|names| names.iter().any(|n| n.as_str() == Some(name)))
        })
        .unwrap_or(false)
}

/// One case's result as the panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    pub outcome: CaseOutcome,
    /// Blocked by CORS here: it runs in CI (`assay run`), or through the relay.
    pub runs_in_ci: bool,
}

/// Judges what the browser got for `case`: an answer, or why none came. The credential is
/// shown as its `${env:NAME}` reference wherever the server echoed it.
pub fn result_of(
    spec: &EndpointSpec,
    case: &SmokeCase,
    request: &Request,
    answer: &Result<assay_engine::endpoint::Response, Transport>,
    secrets: &Secrets,
) -> CaseResult {
    let mut result = match answer {
        Ok(response) => CaseResult {
            outcome: judge(spec, case, request, response),
            runs_in_ci: false,
        },
        Err(failure) => CaseResult {
            outcome: judge_transport(spec, case, request, failure),
            runs_in_ci: *failure == Transport::Cors,
        },
    };
    secrets.redact_outcome(&mut result.outcome);
    result
}

/// How the Endpoints step stands: optional without cases; needing attention until every case
/// has a result; failing when a case failed here (a CORS block is not a failure: it runs in CI).
pub fn status(form: &EndpointForm, results: &[CaseResult]) -> Status {
    if form.cases.is_empty() {
        return Status::Optional;
    }
    let result = |case: &SmokeCase| results.iter().find(|r| r.outcome.case == case.name);
    let mut status = Status::Done;
    for case in &form.cases {
        match result(case) {
            None => status = Status::NeedsAttention,
            Some(r) if r.outcome.verdict != Verdict::Pass && !r.runs_in_ci => {
                return Status::Failing;
            }
            Some(_) => {}
        }
    }
    status
}

/// A line summing the results up.
pub fn summary(results: &[CaseResult]) -> String {
    let passed = results
        .iter()
        .filter(|r| r.outcome.verdict == Verdict::Pass)
        .count();
    let blocked = results.iter().filter(|r| r.runs_in_ci).count();
    let mut line = format!("{passed} of {} cases pass.", results.len());
    if blocked > 0 {
        line.push_str(&format!(
            " {blocked} blocked by CORS in this browser: they run in CI."
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::SAMPLES;
    use crate::session;
    use assay_engine::endpoint::Response;
    use serde_json::json;

    fn drafted_form() -> EndpointForm {
        let authored = session::author(&SAMPLES[0], 42).unwrap();
        let (features, cases) = draft(&authored.spec, &authored.run, SAMPLES[0].csv).unwrap();
        EndpointForm {
            features,
            cases,
            header_name: "X-Api-Key".into(),
            ..EndpointForm::default()
        }
    }

    #[test]
    fn drafted_cases_cover_both_classes_with_the_raw_features() {
        let form = drafted_form();
        assert_eq!(form.features.len(), 30);
        assert_eq!(form.cases.len(), DRAFT_COUNT);
        let labels: std::collections::BTreeSet<String> = form
            .cases
            .iter()
            .map(|c| fields(&c.expect)[0].1.clone())
            .collect();
        assert_eq!(labels.len(), 2, "{labels:?}");
        assert!(form.cases.iter().all(|c| c.input.len() == 30));
    }

    #[test]
    fn the_spec_names_the_credential_and_never_holds_its_value() {
        let form = drafted_form();
        let credential = Credential::new("s3cret-value");
        let spec = form.to_spec().unwrap();
        assert_eq!(spec.headers[0].value, "${env:MODEL_KEY}");
        let json = serde_json::to_string(&spec).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        assert!(!format!("{form:?}{credential:?}").contains("s3cret"));
        // Sending resolves it, and only then.
        assert_eq!(
            headers_to_send(&spec, &credential).unwrap().headers,
            [("X-Api-Key".to_owned(), "s3cret-value".to_owned())]
        );
        let missing = headers_to_send(&spec, &Credential::default()).unwrap_err();
        assert!(missing.contains("Type the credential"), "{missing}");
        // No header, nothing to type.
        let open = EndpointForm {
            header_name: String::new(),
            ..form
        };
        assert!(
            headers_to_send(&open.to_spec().unwrap(), &Credential::default())
                .unwrap()
                .headers
                .is_empty()
        );
    }

    #[test]
    fn headers_the_browser_cannot_send_are_refused_without_echoing_the_value() {
        let spec = drafted_form().to_spec().unwrap();
        let error = headers_to_send(&spec, &Credential::new("se\ncret")).unwrap_err();
        assert!(
            error.contains("cannot carry") && !error.contains("cret"),
            "{error}"
        );
        let mut spaced = spec.clone();
        spaced.headers[0].name = "X Api Key".into();
        let error = headers_to_send(&spaced, &Credential::new("ok")).unwrap_err();
        assert!(error.contains("not valid in HTTP"), "{error}");
    }

    #[test]
    fn the_form_refuses_what_a_spec_cannot_hold() {
        let form = drafted_form();
        let bad = |f: EndpointForm| f.to_spec().unwrap_err();
        assert!(
            bad(EndpointForm {
                name: "my model".into(),
                ..form.clone()
            })
            .contains("letters, digits")
        );
        assert!(
            bad(EndpointForm {
                timeout_ms: "soon".into(),
                ..form.clone()
            })
            .contains("whole number")
        );
        assert!(
            bad(EndpointForm {
                env_name: "MODEL KEY".into(),
                ..form.clone()
            })
            .contains("not an environment variable")
        );
        assert!(
            bad(EndpointForm {
                base_url: "localhost:8080".into(),
                ..form.clone()
            })
            .contains("http://")
        );
        assert!(
            bad(EndpointForm {
                protocol: ProtocolChoice::GenericJson,
                request_template: "{rows".into(),
                ..form
            })
            .contains("not JSON")
        );
    }

    #[test]
    fn cases_are_added_from_the_last_one_with_a_new_name_and_removed() {
        let mut form = EndpointForm::default();
        assert_eq!(form.add_case(), None, "no features before drafting");
        let mut form = drafted_form();
        let drafted = form.cases.len();
        assert_eq!(form.add_case(), Some(drafted));
        let added = form.cases[drafted].clone();
        assert_eq!(added.name, format!("case-{}", drafted + 1));
        assert_eq!(added.input, form.cases[drafted - 1].input);
        form.add_case();
        assert_ne!(form.cases[drafted + 1].name, added.name);
        form.remove_case(0);
        form.remove_case(99);
        assert_eq!(form.cases.len(), drafted + 1);
        assert!(form.to_spec().is_ok());
    }

    #[test]
    fn each_protocol_choice_builds_its_own_request() {
        let form = drafted_form();
        let urls: Vec<String> = ProtocolChoice::ALL
            .iter()
            .map(|&protocol| {
                let spec = EndpointForm {
                    protocol,
                    version: "3".into(),
                    ..form.clone()
                }
                .to_spec()
                .unwrap();
                assert_eq!(ProtocolChoice::from_id(protocol.id()), Some(protocol));
                let reopened = EndpointForm::from_spec(&spec).unwrap();
                assert_eq!(
                    reopened.to_spec().unwrap(),
                    spec,
                    "{protocol:?} reopens as it was"
                );
                request_for(&spec, &spec.cases[0], Route::Direct).url
            })
            .collect();
        assert_eq!(
            urls,
            [
                "http://127.0.0.1:8080/v2/models/model/versions/3/infer",
                "http://127.0.0.1:8080/v1/models/model/versions/3:predict",
                "http://127.0.0.1:8080/v1/models/model/versions/3:predict",
                "http://127.0.0.1:8080/invocations",
                "http://127.0.0.1:8080/invocations",
                "http://127.0.0.1:8080/invocations",
                "http://127.0.0.1:8080/invocations",
                "http://127.0.0.1:8080/invocations",
                "http://127.0.0.1:8080/invocations",
                "http://127.0.0.1:8080/predict",
            ]
        );
    }

    #[test]
    fn the_form_carries_the_input_tensor_and_the_readiness_path() {
        let form = EndpointForm {
            input_name: " float_input ".into(),
            input_datatype: "FP32".into(),
            ..drafted_form()
        };
        let spec = form.to_spec().unwrap();
        assert_eq!(
            spec.protocol,
            Protocol::OpenInference {
                output: None,
                input_name: Some("float_input".into()),
                input_datatype: Some("FP32".into()),
            }
        );
        assert_eq!(
            EndpointForm::from_spec(&spec).unwrap().to_spec().unwrap(),
            spec
        );
        // Left blank, the spec says nothing and the defaults apply.
        let plain = drafted_form().to_spec().unwrap();
        assert!(!serde_json::to_string(&plain).unwrap().contains("input_"));

        let generic = EndpointForm {
            protocol: ProtocolChoice::GenericJson,
            readiness_path: "/health".into(),
            ..drafted_form()
        };
        let spec = generic.to_spec().unwrap();
        let Protocol::GenericJson { readiness_path, .. } = &spec.protocol else {
            panic!("{spec:?}")
        };
        assert_eq!(readiness_path.as_deref(), Some("/health"));
        assert_eq!(
            EndpointForm::from_spec(&spec).unwrap().to_spec().unwrap(),
            spec
        );

        // A form saved before these fields existed still loads.
        let mut saved = serde_json::to_value(EndpointForm::default()).unwrap();
        for field in ["input_name", "input_datatype", "readiness_path"] {
            saved.as_object_mut().unwrap().remove(field);
        }
        assert_eq!(
            serde_json::from_value::<EndpointForm>(saved).unwrap(),
            EndpointForm::default()
        );
    }

    #[test]
    fn the_input_tensor_is_read_from_the_servers_metadata() {
        let triton = r#"{"name":"iris-onnxish","versions":["1"],"platform":"python","inputs":[{"name":"float_input","datatype":"FP32","shape":[-1,4]}],"outputs":[{"name":"label","datatype":"INT64","shape":[-1,1]}]}"#;
        assert_eq!(
            input_tensor_from_metadata(triton),
            Some(("float_input".to_owned(), "FP32".to_owned()))
        );
        // MLServer lists no inputs; an answer that is no metadata fills nothing.
        assert_eq!(
            input_tensor_from_metadata(r#"{"name":"iris","inputs":[],"outputs":[]}"#),
            None
        );
        assert_eq!(input_tensor_from_metadata("<html>"), None);
        assert_eq!(
            input_tensor_from_metadata(r#"{"inputs":[{"name":"x","datatype":"FLOAT"}]}"#),
            None
        );
        let mut form = drafted_form();
        form.use_input_tensor("float_input".into(), "FP32".into());
        let spec = form.to_spec().unwrap();
        let request = request_for(&spec, &spec.cases[0], Route::Direct);
        let body: Value = serde_json::from_str(&request.body.unwrap()).unwrap();
        assert_eq!(body["inputs"][0]["name"], json!("float_input"));
        assert_eq!(body["inputs"][0]["datatype"], json!("FP32"));
    }

    #[test]
    fn mlflow_choices_say_which_form_a_column_signature_needs() {
        let named = [
            ProtocolChoice::MlflowSplit,
            ProtocolChoice::MlflowRecords,
            ProtocolChoice::MlflowInstancesRecords,
            ProtocolChoice::MlflowInputsColumns,
        ];
        let rows = [
            ProtocolChoice::MlflowInstances,
            ProtocolChoice::MlflowInputs,
        ];
        for choice in named {
            assert!(
                choice.label().contains("named columns"),
                "{}",
                choice.label()
            );
        }
        for choice in rows {
            assert!(choice.label().contains("rows"), "{}", choice.label());
        }
        let hint = ProtocolChoice::MlflowInstances.hint().unwrap();
        assert!(
            hint.contains("column signature") && hint.contains("tensor signature"),
            "{hint}"
        );
        assert_eq!(ProtocolChoice::OpenInference.hint(), None);
    }

    #[test]
    fn the_relay_route_keeps_the_path_under_the_endpoints_name() {
        let form = drafted_form();
        let spec = EndpointForm {
            base_url: "http://127.0.0.1:9000/".into(),
            ..form
        }
        .to_spec()
        .unwrap();
        assert_eq!(
            request_for(&spec, &spec.cases[0], Route::Relay).url,
            "/relay/model-server/v2/models/model/infer"
        );
        assert!(relay_lists(
            r#"{"endpoints": ["other", "model-server"]}"#,
            "model-server"
        ));
        assert!(!relay_lists(r#"{"endpoints": ["other"]}"#, "model-server"));
        // A dev server answering every path with the page is no relay.
        assert!(!relay_lists("<!DOCTYPE html>", "model-server"));
    }

    #[test]
    fn expectations_are_edited_field_by_field_and_keep_their_kind() {
        let mut label = Expectation::ClassLabel { label: json!("M") };
        set_field(&mut label, Field::Label, " B ").unwrap();
        assert_eq!(label, Expectation::ClassLabel { label: json!("B") });
        let mut numeric = Expectation::ClassLabel { label: json!(1) };
        assert!(set_field(&mut numeric, Field::Label, "one").is_err());
        set_field(&mut numeric, Field::Label, "0").unwrap();
        assert_eq!(fields(&numeric), [(Field::Label, "0".to_owned())]);

        let mut value = Expectation::Absolute {
            value: 150.0,
            tolerance: 7.5,
        };
        set_field(&mut value, Field::Tolerance, "10").unwrap();
        set_field(&mut value, Field::Value, "151.5").unwrap();
        assert_eq!(
            value,
            Expectation::Absolute {
                value: 151.5,
                tolerance: 10.0
            }
        );
        let before = value.clone();
        assert!(
            set_field(&mut value, Field::Tolerance, "-1")
                .unwrap_err()
                .contains("negative")
        );
        assert!(
            set_field(&mut value, Field::Value, "NaN")
                .unwrap_err()
                .contains("must be a number")
        );
        assert!(set_field(&mut value, Field::Label, "x").is_err());
        assert_eq!(value, before);
    }

    #[test]
    fn typed_inputs_need_one_value_per_feature() {
        let mut case = drafted_form().cases[0].clone();
        let text = input_text(&case);
        set_input(&mut case, 30, &text).unwrap();
        assert_eq!(input_text(&case), text);
        let err = set_input(&mut case, 30, "1, 2, x").unwrap_err();
        assert!(err.contains("needs 30 values"), "{err}");
        set_input(&mut case, 3, "1, 2.5, red").unwrap();
        assert_eq!(case.input, [json!(1.0), json!(2.5), json!("red")]);
    }

    #[test]
    fn a_credential_the_server_echoes_is_shown_as_its_reference() {
        let spec = drafted_form().to_spec().unwrap();
        let resolved = headers_to_send(&spec, &Credential::new("s3cret-value")).unwrap();
        let answer = |status: u16, body: Value| {
            Ok(Response {
                status,
                content_type: Some("application/json".into()),
                body: body.to_string(),
                latency_ms: 3.0,
                location: None,
            })
        };
        let refused = answer(401, json!({"detail": "bad key s3cret-value"}));
        let echoed = answer(
            200,
            json!({"outputs": [{"name": "p", "shape": [1], "datatype": "BYTES", "data": ["s3cret-value"]}]}),
        );
        for answer in [refused, echoed] {
            let request = request_for(&spec, &spec.cases[0], Route::Direct);
            let result = result_of(&spec, &spec.cases[0], &request, &answer, &resolved.secrets);
            let shown = format!("{:?}", result.outcome);
            assert!(
                !shown.contains("s3cret") && shown.contains("${env:MODEL_KEY}"),
                "{shown}"
            );
        }
    }

    #[test]
    fn cors_failures_run_in_ci_and_one_failure_does_not_hide_the_others() {
        let form = drafted_form();
        let spec = form.to_spec().unwrap();
        let answer = |label: &str| {
            Ok(Response {
                status: 200,
                content_type: Some("application/json".into()),
                body: json!({"outputs": [{"name": "p", "shape": [1, 1], "datatype": "BYTES", "data": [label]}]})
                    .to_string(),
                latency_ms: 3.0,
                location: None,
            })
        };
        let cases = &spec.cases;
        let none = Secrets::default();
        let label = |i: usize| fields(&cases[i].expect)[0].1.clone();
        let run = |i: usize, answer| {
            let request = request_for(&spec, &cases[i], Route::Direct);
            result_of(&spec, &cases[i], &request, &answer, &none)
        };
        let results = [
            run(0, answer(&label(0))),
            run(1, answer("nonsense")),
            run(2, Err(Transport::Cors)),
            run(3, Err(Transport::ConnectionRefused)),
        ];
        let verdicts: Vec<_> = results.iter().map(|r| r.outcome.verdict).collect();
        assert_eq!(
            verdicts,
            [Verdict::Pass, Verdict::Fail, Verdict::Fail, Verdict::Fail]
        );
        assert!(results[2].runs_in_ci && !results[3].runs_in_ci);
        assert!(results[2].outcome.summary.contains("CORS"));
        assert_eq!(
            summary(&results),
            "1 of 4 cases pass. 1 blocked by CORS in this browser: they run in CI."
        );
        // The step fails on a real failure, waits on cases not run, and passes on CORS blocks.
        let mut four = form.clone();
        four.cases.truncate(4);
        assert_eq!(status(&four, &results), Status::Failing);
        let mut ran = four.clone();
        ran.cases = vec![four.cases[0].clone(), four.cases[2].clone()];
        assert_eq!(status(&ran, &results), Status::Done);
        assert_eq!(status(&form, &results[..1]), Status::NeedsAttention);
        assert_eq!(status(&EndpointForm::default(), &[]), Status::Optional);
    }
}
