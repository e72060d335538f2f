//! Requests each protocol expects, and where each puts the prediction in its answer.

use serde_json::{Value, json};

use super::excerpt::excerpt_json;
use super::tensor::{DEFAULT_INPUT_NAME, input_datatype, tensor_value};
use super::{EndpointSpec, MlflowFormat, Protocol, SmokeCase};

/// An HTTP request, ready for any client. Credential headers are added by the caller after
/// [`super::resolve_headers`], so they never pass through here.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: &'static str,
    pub url: String,
    pub body: Option<String>,
}

fn base(endpoint: &EndpointSpec) -> &str {
    endpoint.base_url.trim_end_matches('/')
}

fn model_path(endpoint: &EndpointSpec, prefix: &str) -> String {
    let mut path = format!("{}/{prefix}/models/{}", base(endpoint), endpoint.model);
    if let Some(version) = &endpoint.version {
        path.push_str("/versions/");
        path.push_str(version);
    }
    path
}

/// The request for one case: a batch of one row.
pub fn build_request(endpoint: &EndpointSpec, case: &SmokeCase) -> Request {
    let datatype = match &endpoint.protocol {
        Protocol::OpenInference { input_datatype, .. } => {
            input_datatype_of(endpoint, input_datatype.as_deref(), Some(case))
        }
        _ => String::new(),
    };
    build_batch_request(
        endpoint,
        &case.name,
        std::slice::from_ref(&case.input),
        &datatype,
    )
}

/// The request for a batch of `rows` (each one value per feature, in the endpoint's order),
/// named `id` where the protocol names requests. `datatype` is the Open Inference tensor's
/// (ignored by the other protocols). Generic JSON takes one row: only the first is sent.
pub(super) fn build_batch_request(
    endpoint: &EndpointSpec,
    id: &str,
    rows: &[Vec<Value>],
    datatype: &str,
) -> Request {
    let records = || -> Vec<serde_json::Map<String, Value>> {
        rows.iter()
            .map(|row| {
                endpoint
                    .features
                    .iter()
                    .cloned()
                    .zip(row.iter().cloned())
                    .collect()
            })
            .collect()
    };
    let table = || Value::Array(rows.iter().cloned().map(Value::Array).collect());
    let (url, body) = match &endpoint.protocol {
        Protocol::OpenInference {
            output, input_name, ..
        } => {
            // Validation refuses values the datatype cannot take; were one left, it goes as it
            // is and the server says what it makes of it.
            let data: Vec<Value> = rows
                .iter()
                .flatten()
                .map(|v| tensor_value(datatype, v).unwrap_or_else(|_| v.clone()))
                .collect();
            let mut body = json!({
                "id": id,
                "inputs": [{
                    "name": input_name.as_deref().unwrap_or(DEFAULT_INPUT_NAME),
                    "shape": [rows.len(), endpoint.features.len()],
                    "datatype": datatype,
                    "data": data,
                }],
            });
            if let Some(output) = output {
                body["outputs"] = json!([{ "name": output }]);
            }
            (format!("{}/infer", model_path(endpoint, "v2")), body)
        }
        Protocol::TfServing { columnar } => {
            let body = if *columnar {
                json!({ "inputs": columns(&endpoint.features, rows) })
            } else {
                json!({ "instances": table() })
            };
            (format!("{}:predict", model_path(endpoint, "v1")), body)
        }
        Protocol::Mlflow { format } => {
            let body = match format {
                MlflowFormat::DataframeSplit => {
                    json!({ "dataframe_split": { "columns": endpoint.features, "data": table() } })
                }
                MlflowFormat::DataframeRecords => json!({ "dataframe_records": records() }),
                MlflowFormat::Instances => json!({ "instances": table() }),
                MlflowFormat::Inputs => json!({ "inputs": table() }),
                MlflowFormat::InstancesRecords => json!({ "instances": records() }),
                MlflowFormat::InputsColumns => {
                    json!({ "inputs": columns(&endpoint.features, rows) })
                }
            };
            (format!("{}/invocations", base(endpoint)), body)
        }
        Protocol::GenericJson { path, request, .. } => {
            let row = rows.first().cloned().unwrap_or_default();
            let record = Value::Object(records().into_iter().next().unwrap_or_default());
            (
                format!("{}/{}", base(endpoint), path.trim_start_matches('/')),
                substitute(request, &Value::Array(row), &record),
            )
        }
    };
    Request {
        method: "POST",
        url,
        body: Some(body.to_string()),
    }
}

/// The rows as columns: each feature's name with the list of its values.
fn columns(features: &[String], rows: &[Vec<Value>]) -> Value {
    Value::Object(
        features
            .iter()
            .enumerate()
            .map(|(f, name)| {
                let values = rows
                    .iter()
                    .map(|row| row.get(f).cloned().unwrap_or(Value::Null))
                    .collect();
                (name.clone(), Value::Array(values))
            })
            .collect(),
    )
}

/// Replaces the strings `"{{row}}"` and `"{{record}}"` anywhere in `template`.
fn substitute(template: &Value, row: &Value, record: &Value) -> Value {
    match template {
        Value::String(s) if s == "{{row}}" => row.clone(),
        Value::String(s) if s == "{{record}}" => record.clone(),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| substitute(v, row, record)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, row, record)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The datatype an Open Inference endpoint sends: its own, or what `case`'s values (without a
/// case, all cases' values) call for.
pub(super) fn input_datatype_of(
    endpoint: &EndpointSpec,
    declared: Option<&str>,
    case: Option<&SmokeCase>,
) -> String {
    match case {
        Some(case) => input_datatype(declared, case.input.iter()),
        None => input_datatype(declared, endpoint.cases.iter().flat_map(|c| &c.input)),
    }
}

/// The server's readiness check for this protocol, if it has one.
pub fn health_request(endpoint: &EndpointSpec) -> Option<Request> {
    let url = match &endpoint.protocol {
        Protocol::OpenInference { .. } => format!("{}/ready", model_path(endpoint, "v2")),
        Protocol::TfServing { .. } => model_path(endpoint, "v1"),
        Protocol::Mlflow { .. } => format!("{}/ping", base(endpoint)),
        Protocol::GenericJson {
            readiness_path: Some(path),
            ..
        } => format!("{}/{}", base(endpoint), path.trim_start_matches('/')),
        Protocol::GenericJson { .. } => return None,
    };
    Some(Request {
        method: "GET",
        url,
        body: None,
    })
}

/// The model's metadata, where the protocol defines it (Open Inference: name, versions,
/// inputs, outputs).
pub fn metadata_request(endpoint: &EndpointSpec) -> Option<Request> {
    match endpoint.protocol {
        Protocol::OpenInference { .. } => Some(Request {
            method: "GET",
            url: model_path(endpoint, "v2"),
            body: None,
        }),
        _ => None,
    }
}

/// One prediction per row of the `rows` sent (at least one), in order, or what is wrong with
/// the answer's shape. Generic JSON answers one row: its pointer names that row's prediction.
pub(super) fn extract_predictions(
    protocol: &Protocol,
    answer: &Value,
    rows: usize,
) -> Result<Vec<Value>, String> {
    let sent = if rows == 1 {
        "the one row sent".to_owned()
    } else {
        format!("the {rows} rows sent")
    };
    let each = |v: &Value, what: &str| -> Result<Vec<Value>, String> {
        match v {
            Value::Array(items) if items.len() == rows => Ok(items.clone()),
            Value::Array(items) => Err(format!("{what} has {} entries for {sent}", items.len())),
            _ => Err(format!("{what} is not a list")),
        }
    };
    match protocol {
        Protocol::OpenInference { output, .. } => {
            let outputs = answer
                .get("outputs")
                .and_then(Value::as_array)
                .ok_or("the answer has no `outputs` list (Open Inference Protocol)")?;
            let chosen = match output {
                Some(name) => outputs
                    .iter()
                    .find(|o| o.get("name").and_then(Value::as_str) == Some(name))
                    .ok_or_else(|| format!("no output named `{name}`"))?,
                None => outputs.first().ok_or("`outputs` is empty")?,
            };
            let data = chosen
                .get("data")
                .and_then(Value::as_array)
                .ok_or("the output has no `data`")?;
            let shape = output_shape(chosen)?;
            if shape.first() != Some(&(rows as u64)) {
                return Err(format!(
                    "output shape {shape:?} does not start with the {rows} row{} sent",
                    if rows == 1 { "" } else { "s" }
                ));
            }
            // The server chooses these numbers: a product that overflows is an answer too
            // large to hold, never a panic or a wrap to 0.
            let per_row = shape[1..]
                .iter()
                .try_fold(1u64, |n, &d| n.checked_mul(d))
                .ok_or_else(|| format!("output shape {shape:?} is too large to hold"))?;
            if per_row == 0 {
                return Err(format!(
                    "the output holds no values (shape {shape:?}, `data` {})",
                    excerpt_json(&Value::Array(data.clone()))
                ));
            }
            if per_row.checked_mul(rows as u64) != Some(data.len() as u64) {
                return Err(format!(
                    "output `data` has {} values for shape {shape:?}",
                    data.len()
                ));
            }
            Ok(data
                .chunks(per_row as usize)
                .map(|values| {
                    if per_row == 1 {
                        values[0].clone()
                    } else {
                        Value::Array(values.to_vec())
                    }
                })
                .collect())
        }
        Protocol::TfServing { columnar } => {
            let key = if *columnar { "outputs" } else { "predictions" };
            let value = answer
                .get(key)
                .ok_or_else(|| format!("the answer has no `{key}`"))?;
            match value {
                Value::Object(map) if map.len() == 1 => map
                    .values()
                    .next()
                    .map_or(Err("empty".into()), |v| each(v, key)),
                other => each(other, key),
            }
        }
        Protocol::Mlflow { .. } => {
            let predictions = answer
                .get("predictions")
                .ok_or("the answer has no `predictions`")?;
            each(predictions, "`predictions`")
        }
        Protocol::GenericJson {
            prediction_pointer, ..
        } => answer
            .pointer(prediction_pointer)
            .cloned()
            .map(|p| vec![p])
            .ok_or_else(|| format!("nothing at JSON Pointer `{prediction_pointer}`")),
    }
}

/// An Open Inference output's `shape`: every dimension a whole number, none dropped.
fn output_shape(output: &Value) -> Result<Vec<u64>, String> {
    let dims = output
        .get("shape")
        .and_then(Value::as_array)
        .ok_or("the output has no `shape` list")?;
    dims.iter()
        .map(Value::as_u64)
        .collect::<Option<_>>()
        .ok_or_else(|| {
            format!(
                "output shape {} is not a list of whole numbers",
                excerpt_json(&Value::Array(dims.clone()))
            )
        })
}
