//! Smoke, contract and load cases against a deployed model endpoint: what to send and how to
//! judge what comes back. No I/O here: the CLI (natively) and the app (in the browser) do the
//! HTTP and hand the engine a [`Response`] or a [`Transport`] failure, so both judge alike.
//!
//! Shapes follow what real servers returned (`shared/serving-protocols.md`): the Open Inference
//! Protocol (KServe V2: MLServer, KServe, Triton), TensorFlow Serving REST, the MLflow scoring
//! server, and generic JSON with a request template and a JSON Pointer.

pub mod evaluation;
mod excerpt;
mod generate;
mod judge;
mod k6;
mod load;
mod metadata;
mod protocol;
mod relay;
mod secrets;
pub mod serve;
mod tensor;

use serde::{Deserialize, Serialize};

pub use evaluation::{EvaluationCheck, EvaluationReport, EvaluationSpec, Evaluator};
pub use generate::{DraftCases, draft_cases};
pub use judge::{CaseOutcome, Response, Transport, judge, judge_health, judge_transport};
pub use k6::k6_script;
pub use load::{Failures, LoadPlan, LoadRun, LoadSummary, Sent, Threshold, summarize};
pub use metadata::judge_metadata;
pub use protocol::{Request, build_request, health_request, metadata_request};
pub use relay::{RELAY_PREFIX, path_below_base, relay_url};
pub use secrets::{Resolved, Secrets, refuse_literal_secrets, resolve_env, resolve_headers};
pub use serve::{DEFAULT_READY_TIMEOUT_S, DEFAULT_SHUTDOWN_TIMEOUT_S, ServeSpec};
pub use tensor::DATATYPES;

/// A deployed model and the cases to run against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    pub name: String,
    /// Scheme, host and port, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
    pub protocol: Protocol,
    /// The model's name on the server (unused by MLflow and generic JSON).
    #[serde(default)]
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Extra headers. Credentials only as `${env:NAME}` (or `Bearer ${env:NAME}`), resolved
    /// when the case runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Header>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    /// The feature names, in the order the model takes them.
    pub features: Vec<String>,
    pub cases: Vec<SmokeCase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadPlan>,
    /// Send the dataset's rows through the deployed model and judge its answers as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<evaluation::EvaluationSpec>,
    /// Start the model server this endpoint tests (`assay run --allow-serve` only); `{{port}}`
    /// in `base_url` is then the free loopback port Assay picks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serve: Option<ServeSpec>,
}

fn default_timeout_ms() -> u32 {
    5_000
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: String,
    pub value: String,
    /// The literal value merely looks like a key (a request id, a hash): not a credential.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_secret: bool,
}

/// How requests and responses are shaped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Protocol {
    /// `POST /v2/models/{model}[/versions/{v}]/infer`. `output` picks an output by name (e.g.
    /// MLServer's `predict_proba`); otherwise the first output is read.
    OpenInference {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
        /// The input tensor's name, as the model's metadata lists it (Triton checks it, e.g.
        /// `float_input`); `input-0` when not given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        input_name: Option<String>,
        /// The input tensor's datatype (`FP32`, `FP64`, `INT64`, `BYTES`, ...); values are sent
        /// in the form it takes. When not given: FP64 for numbers, BYTES otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        input_datatype: Option<String>,
    },
    /// `POST /v1/models/{model}[/versions/{v}]:predict`, row (`instances`) or columnar (`inputs`).
    TfServing {
        #[serde(default)]
        columnar: bool,
    },
    /// `POST /invocations` in one of MLflow's JSON input forms.
    Mlflow { format: MlflowFormat },
    /// Any JSON API: `request` with `"{{row}}"` (the values in feature order) or `"{{record}}"`
    /// (an object by feature name) substituted, and a JSON Pointer to the prediction.
    GenericJson {
        path: String,
        request: serde_json::Value,
        prediction_pointer: String,
        /// A readiness check to `GET` first (BentoML's `/readyz`, a FastAPI app's `/health`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        readiness_path: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MlflowFormat {
    /// `{"dataframe_split": {"columns": [...], "data": [[...]]}}`: named columns.
    DataframeSplit,
    /// `{"dataframe_records": [{col: v}]}`: named columns.
    DataframeRecords,
    /// `{"instances": [[...]]}`: rows, for a model saved with a tensor signature.
    Instances,
    /// `{"inputs": [[...]]}`: rows, for a model saved with a tensor signature.
    Inputs,
    /// `{"instances": [{col: v}]}`: named columns.
    InstancesRecords,
    /// `{"inputs": {col: [v]}}`: named columns.
    InputsColumns,
}

/// One known input and what the model must answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SmokeCase {
    pub name: String,
    /// One value per feature, in the endpoint's feature order (numbers or strings).
    pub input: Vec<serde_json::Value>,
    pub expect: Expectation,
    /// Latency budget for this case; the endpoint's timeout applies anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_latency_ms: Option<u32>,
}

/// What a prediction must be. Models retrained every release drift a little, so regression
/// cases usually allow a tolerance or a range rather than an exact value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expectation {
    /// Exactly this JSON value (a label, or a number to the bit).
    Exact { value: serde_json::Value },
    /// `|prediction − value| ≤ tolerance`.
    Absolute { value: f64, tolerance: f64 },
    /// `|prediction − value| ≤ tolerance · |value|`.
    Relative { value: f64, tolerance: f64 },
    /// `min ≤ prediction ≤ max`.
    Range { min: f64, max: f64 },
    /// The predicted class is `label` (the argmax, when the answer is a probability vector).
    ClassLabel { label: serde_json::Value },
    /// The answer is a probability vector whose entry `class` is at least `at_least`.
    ClassProbability { class: usize, at_least: f64 },
}

/// Largest number of cases per endpoint and of load requests: smoke tests are small by design.
const MAX_CASES: usize = 100;

impl EndpointSpec {
    pub fn validate(&self) -> Result<(), crate::EngineError> {
        let field = |f: &str| format!("endpoints.{}.{f}", self.name);
        let err = |f: &str, m: String| Err(crate::EngineError::setting(&field(f), m));
        if let Some(serve) = &self.serve {
            serve.validate(&field("serve"))?;
            if health_request(self).is_none() {
                return err(
                    "serve",
                    "a staged server needs a readiness route to wait for: set the protocol's \
                     readiness_path"
                        .into(),
                );
            }
        } else if self.base_url.contains(serve::PORT) {
            return err(
                "base_url",
                "`{{port}}` names the port of a server the endpoint starts: add a `serve` \
                 section, or write the port"
                    .into(),
            );
        }
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return err(
                "base_url",
                format!(
                    "must start with http:// or https://; it is `{}`",
                    self.base_url
                ),
            );
        }
        // Userinfo in the URL would be a credential written into the spec.
        let authority = self
            .base_url
            .split("://")
            .nth(1)
            .unwrap_or_default()
            .split('/')
            .next()
            .unwrap_or_default();
        if authority.contains('@') {
            return err(
                "base_url",
                "must not hold a user name or password; use a header with ${env:NAME}".into(),
            );
        }
        // A query string is where API keys hide (`?key=…`); requests add their own paths.
        if self.base_url.contains(['?', '#']) {
            return err(
                "base_url",
                "must not hold a query string or fragment (an API key there would be written \
                 into the spec); use a header with ${env:NAME}"
                    .into(),
            );
        }
        // Names and versions become URL path segments: nothing that changes the path or query.
        let segment_ok = |s: &str| {
            !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\', '?', '#', '%'])
        };
        if !self.model.is_empty() && !segment_ok(&self.model) {
            return err(
                "model",
                format!("`{}` cannot be a URL path segment", self.model),
            );
        }
        if let Some(version) = &self.version
            && !segment_ok(version)
        {
            return err(
                "version",
                format!("`{version}` cannot be a URL path segment"),
            );
        }
        if !segment_ok(&self.name) {
            return err(
                "name",
                format!("`{}` cannot be a URL path segment", self.name),
            );
        }
        let plain_path = |p: &str| {
            !(p.contains(['?', '#', '\\', '%']) || p.split('/').any(|s| s == "." || s == ".."))
        };
        if let Protocol::GenericJson {
            path,
            readiness_path,
            ..
        } = &self.protocol
        {
            for (name, path) in [
                ("path", Some(path)),
                ("readiness_path", readiness_path.as_ref()),
            ] {
                if let Some(path) = path
                    && !plain_path(path)
                {
                    return err(
                        name,
                        format!(
                            "`{path}` must be a plain path without dot segments, query or fragment"
                        ),
                    );
                }
            }
        }
        if let Protocol::OpenInference {
            input_name,
            input_datatype,
            ..
        } = &self.protocol
        {
            if input_name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                return err(
                    "input_name",
                    "must not be empty; leave it out for `input-0`".into(),
                );
            }
            if let Some(datatype) = input_datatype {
                if !tensor::DATATYPES.contains(&datatype.as_str()) {
                    return err(
                        "input_datatype",
                        format!(
                            "`{datatype}` is not an Open Inference datatype (one of {})",
                            tensor::DATATYPES.join(", ")
                        ),
                    );
                }
                for case in &self.cases {
                    for (feature, value) in self.features.iter().zip(&case.input) {
                        if let Err(problem) = tensor::tensor_value(datatype, value) {
                            return err(
                                "cases",
                                format!("case `{}`, feature `{feature}`: {problem}", case.name),
                            );
                        }
                    }
                }
            }
        }
        if self.cases.len() > MAX_CASES {
            return err("cases", format!("at most {MAX_CASES}"));
        }
        if self.timeout_ms == 0 || self.timeout_ms > 120_000 {
            return err("timeout_ms", "between 1 and 120000".into());
        }
        for case in &self.cases {
            if case.input.len() != self.features.len() {
                return err(
                    "cases",
                    format!(
                        "case `{}` has {} values for {} features",
                        case.name,
                        case.input.len(),
                        self.features.len()
                    ),
                );
            }
        }
        if let Some(load) = &self.load {
            load.validate()
                .map_err(|m| crate::EngineError::setting(&field("load"), m))?;
        }
        refuse_literal_secrets(&self.headers)
            .map_err(|m| crate::EngineError::setting(&field("headers"), m))
    }
}
