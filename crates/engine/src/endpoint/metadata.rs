//! The Open Inference metadata contract (`GET /v2/models/{name}`): the server names the model,
//! and the tensors it lists are the ones the endpoint sends and reads.

use serde_json::Value;

use super::excerpt::{excerpt_json, excerpt_text};
use super::judge::{CaseOutcome, Response, answered, status_failure};
use super::protocol::{Request, input_datatype_of};
use super::tensor::DEFAULT_INPUT_NAME;
use super::{EndpointSpec, Expectation, Protocol};

/// 2xx, JSON, naming the model, with `inputs` and `outputs` lists whose entries match what the
/// endpoint sends and reads. A server that lists no tensors (MLServer) passes on the name.
pub fn judge_metadata(
    endpoint: &EndpointSpec,
    request: &Request,
    response: &Response,
) -> CaseOutcome {
    let verdict = match status_failure(response) {
        Some(failure) => Err(format!("Metadata: {failure}")),
        None => serde_json::from_str::<Value>(&response.body)
            .map_err(|e| format!("Metadata is not valid JSON ({e})."))
            .and_then(|meta| contract(endpoint, &meta)),
    };
    let (passed, summary) = match verdict {
        Ok(name) => (true, format!("Metadata names `{name}` as expected.")),
        Err(problem) => (false, problem),
    };
    answered("metadata", request, response, passed, summary)
}

/// The model's name when the metadata holds to the contract, else what breaks it.
fn contract(endpoint: &EndpointSpec, meta: &Value) -> Result<String, String> {
    let name = meta.get("name").and_then(Value::as_str).unwrap_or_default();
    if name != endpoint.model {
        return Err(format!(
            "Metadata names the model `{}`, not `{}`.",
            excerpt_text(name),
            endpoint.model
        ));
    }
    let list = |key: &str| match meta.get(key) {
        None => Ok(&[][..]),
        Some(Value::Array(items)) => Ok(items.as_slice()),
        Some(_) => Err("Metadata `inputs`/`outputs` are not lists.".to_owned()),
    };
    let (inputs, outputs) = (list("inputs")?, list("outputs")?);
    if let Protocol::OpenInference {
        output,
        input_name,
        input_datatype,
    } = &endpoint.protocol
    {
        let sent = Tensor {
            name: input_name.as_deref().unwrap_or(DEFAULT_INPUT_NAME),
            datatype: input_datatype_of(endpoint, input_datatype.as_deref(), None),
        };
        check_input(endpoint, inputs, &sent)?;
        check_output(endpoint, outputs, output.as_deref())?;
    }
    Ok(name.to_owned())
}

/// The input tensor the endpoint sends.
struct Tensor<'a> {
    name: &'a str,
    datatype: String,
}

fn tensor_name(tensor: &Value) -> Option<&str> {
    tensor.get("name").and_then(Value::as_str)
}

/// The tensors' names as a message lists them.
fn names(tensors: &[Value]) -> String {
    let listed: Vec<String> = tensors
        .iter()
        .filter_map(tensor_name)
        .map(|n| format!("`{n}`"))
        .collect();
    excerpt_text(&listed.join(", "))
}

/// A metadata shape, where -1 is any size, against the shape a request carries.
fn shape_takes(listed: &[Value], sent: &[i64]) -> bool {
    listed.len() == sent.len()
        && listed
            .iter()
            .zip(sent)
            .all(|(dim, &size)| dim.as_i64().is_some_and(|d| d == -1 || d == size))
}

fn check_input(endpoint: &EndpointSpec, inputs: &[Value], sent: &Tensor) -> Result<(), String> {
    if inputs.is_empty() {
        return Ok(());
    }
    let Some(listed) = inputs.iter().find(|t| tensor_name(t) == Some(sent.name)) else {
        return Err(format!(
            "Metadata lists the inputs {}, but the endpoint sends `{}`: set `input_name` to \
             the model's input.",
            names(inputs),
            sent.name
        ));
    };
    if let Some(datatype) = listed.get("datatype").and_then(Value::as_str)
        && datatype != sent.datatype
    {
        return Err(format!(
            "Metadata says input `{}` is {}, but the endpoint sends {}: set `input_datatype` to \
             {0}.",
            sent.name,
            excerpt_text(datatype),
            sent.datatype
        ));
    }
    let features = i64::try_from(endpoint.features.len()).unwrap_or(i64::MAX);
    let request_shape = [1, features];
    if let Some(shape) = listed.get("shape").and_then(Value::as_array)
        && !shape_takes(shape, &request_shape)
    {
        return Err(format!(
            "Metadata gives input `{}` the shape {}, which does not take the [1,{features}] sent \
             (one row of {features} features).",
            sent.name,
            excerpt_json(&Value::Array(shape.clone()))
        ));
    }
    Ok(())
}

fn check_output(
    endpoint: &EndpointSpec,
    outputs: &[Value],
    chosen: Option<&str>,
) -> Result<(), String> {
    let read = match chosen {
        Some(name) => outputs.iter().find(|t| tensor_name(t) == Some(name)),
        None => outputs.first(),
    };
    let Some(read) = read else {
        return match chosen {
            Some(name) if !outputs.is_empty() => Err(format!(
                "Metadata lists the outputs {}, but the endpoint reads `{name}`.",
                names(outputs)
            )),
            _ => Ok(()),
        };
    };
    let name = excerpt_text(tensor_name(read).unwrap_or_default());
    if let Some(shape) = read.get("shape").and_then(Value::as_array)
        && let Some(rows) = shape.first()
        && !(rows.as_i64() == Some(-1) || rows.as_i64() == Some(1))
    {
        return Err(format!(
            "Metadata gives output `{name}` the shape {}, which does not start with the 1 row \
             sent.",
            excerpt_json(&Value::Array(shape.clone()))
        ));
    }
    let numeric = |e: &Expectation| {
        matches!(
            e,
            Expectation::Absolute { .. }
                | Expectation::Relative { .. }
                | Expectation::Range { .. }
                | Expectation::ClassProbability { .. }
        )
    };
    if read.get("datatype").and_then(Value::as_str) == Some("BYTES")
        && endpoint.cases.iter().any(|c| numeric(&c.expect))
    {
        return Err(format!(
            "Metadata says output `{name}` is BYTES, but the cases expect numbers from it."
        ));
    }
    Ok(())
}
