//! The endpoint form: what the user types about a deployed model, turned into the spec's
//! `EndpointSpec` and back, and the input tensor a server's metadata names.

use assay_engine::endpoint::evaluation::EvaluationSpec;
use assay_engine::endpoint::{DATATYPES, EndpointSpec, Header, MlflowFormat, Protocol, SmokeCase};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::serve::ServeForm;

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

/// What the user typed about an endpoint. Never holds the credential's value: see [`Credential`](super::credential::Credential).
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
    /// "Evaluate on the dataset": the rows, batches and checks the served model is judged by.
    #[serde(default)]
    pub evaluation: Option<EvaluationSpec>,
    /// How CI starts the server (`assay run --allow-serve`); the page carries it, never runs it.
    #[serde(default)]
    pub serve: ServeForm,
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
            evaluation: None,
            serve: ServeForm::default(),
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
            evaluation: self.evaluation.clone(),
            serve: self.serve.to_spec()?,
        };
        spec.validate().map_err(|e| e.to_string())?;
        Ok(spec)
    }

    /// Whether the endpoint tests anything: cases, or an evaluation.
    pub fn tests_anything(&self) -> bool {
        !self.cases.is_empty() || self.evaluation.is_some()
    }

    /// What the exported spec's `endpoints` holds: nothing until there are cases or an
    /// evaluation.
    pub fn exported(&self) -> Result<Vec<EndpointSpec>, String> {
        if !self.tests_anything() {
            return Ok(Vec::new());
        }
        self.to_spec()
            .map(|spec| vec![spec])
            .map_err(|e| format!("The endpoint cannot be exported: {e}"))
    }

    /// The form showing `spec`, its evaluation included, or `None` when the form cannot hold it
    /// (a picked output, more than one header, a load plan, a server variable marked not secret): such an endpoint is kept as it is
    /// instead.
    pub fn from_spec(spec: &EndpointSpec) -> Option<Self> {
        let mut form = Self {
            name: spec.name.clone(),
            base_url: spec.base_url.clone(),
            model: spec.model.clone(),
            version: spec.version.clone().unwrap_or_default(),
            timeout_ms: spec.timeout_ms.to_string(),
            features: spec.features.clone(),
            cases: spec.cases.clone(),
            evaluation: spec.evaluation.clone(),
            serve: ServeForm::from_spec(spec.serve.as_ref()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::endpoints::route::{Route, request_for};
    use crate::logic::endpoints::test_support::drafted_form;
    use assay_engine::endpoint::ServeSpec;
    use serde_json::json;

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
    fn the_form_holds_an_evaluation_exported_without_cases_and_reopened_for_editing() {
        use assay_engine::endpoint::evaluation::{EvaluationCheck, EvaluationRows};
        use assay_engine::metrics::MetricName;
        let evaluation = EvaluationSpec {
            rows: EvaluationRows::All,
            batch_size: 16,
            concurrency: 2,
            checks: vec![
                EvaluationCheck::MetricThreshold {
                    metric: MetricName::MacroF1,
                    threshold: 0.9,
                },
                EvaluationCheck::AgreesWithColumn {
                    column: "notebook".into(),
                    min_agreement: 0.95,
                    tolerance: 0.0,
                    relative: false,
                },
            ],
        };
        let form = EndpointForm {
            cases: Vec::new(),
            evaluation: Some(evaluation.clone()),
            ..drafted_form()
        };
        let exported = form.exported().unwrap();
        assert_eq!(exported.len(), 1, "an evaluation alone is worth exporting");
        assert_eq!(exported[0].evaluation.as_ref(), Some(&evaluation));
        let reopened = EndpointForm::from_spec(&exported[0]).unwrap();
        assert_eq!(reopened, form);
        assert_eq!(reopened.to_spec().unwrap(), exported[0]);
        assert!(
            EndpointForm {
                evaluation: None,
                ..form
            }
            .exported()
            .unwrap()
            .is_empty()
        );
        // A form saved before evaluations existed still loads, without one.
        let mut saved = serde_json::to_value(drafted_form()).unwrap();
        saved.as_object_mut().unwrap().remove("evaluation");
        assert_eq!(
            serde_json::from_value::<EndpointForm>(saved).unwrap(),
            drafted_form()
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
    fn an_imported_serve_section_is_edited_in_the_form_and_exported_as_it_was() {
        let mut spec = drafted_form().to_spec().unwrap();
        spec.serve = Some(ServeSpec {
            command: vec!["mlserver".into(), "start".into(), "my model".into()],
            cwd: Some("served".into()),
            env: vec![Header {
                name: "MLSERVER_HTTP_PORT".into(),
                value: "{{port}}".into(),
                not_secret: false,
            }],
            ready_timeout_s: 120,
            shutdown_timeout_s: 5,
        });
        let form = EndpointForm::from_spec(&spec).expect("the form holds a serve section");
        assert_eq!(form.serve.command, "mlserver\nstart\nmy model");
        assert_eq!(form.exported().unwrap(), [spec.clone()]);
        // Edited in the form, the section changes in the export; cleared, it is gone.
        let mut edited = form.clone();
        edited.serve.ready_timeout_s = "300".into();
        let serve = edited.to_spec().unwrap().serve.unwrap();
        assert_eq!(serve.ready_timeout_s, 300);
        edited.serve.command = String::new();
        assert_eq!(edited.to_spec().unwrap().serve, None);
        // A literal credential is refused, as in a spec file.
        let mut leaky = form;
        leaky.serve.env = "API_KEY=hunter2".into();
        assert!(leaky.to_spec().unwrap_err().contains("literal credential"));
        // A form saved before the section existed still loads, without one.
        let mut saved = serde_json::to_value(drafted_form()).unwrap();
        saved.as_object_mut().unwrap().remove("serve");
        let loaded: EndpointForm = serde_json::from_value(saved).unwrap();
        assert_eq!(loaded.serve, ServeForm::default());
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
}
