//! Open Inference input tensors: the datatypes the protocol names, and a case's values in the
//! JSON form each accepts (Triton refuses `5.0` for an INT64 input and FP64 data for FP32).

use serde_json::Value;

/// The input tensor's name when the endpoint names none (what MLServer and KServe call it; both
/// accept any name).
pub(crate) const DEFAULT_INPUT_NAME: &str = "input-0";

/// The datatypes of the Open Inference Protocol's tensors.
pub const DATATYPES: [&str; 13] = [
    "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16",
    "FP32", "FP64", "BYTES",
];

/// The datatype sent for `values`: the endpoint's, or FP64 when all are numbers, else BYTES.
pub(super) fn input_datatype<'a>(
    declared: Option<&str>,
    mut values: impl Iterator<Item = &'a Value>,
) -> String {
    match declared {
        Some(datatype) => datatype.to_owned(),
        None if values.all(Value::is_number) => "FP64".into(),
        None => "BYTES".into(),
    }
}

/// The smallest and largest value of an integer datatype.
fn integer_range(datatype: &str) -> Option<(i128, i128)> {
    Some(match datatype {
        "UINT8" => (0, u8::MAX.into()),
        "UINT16" => (0, u16::MAX.into()),
        "UINT32" => (0, u32::MAX.into()),
        "UINT64" => (0, u64::MAX.into()),
        "INT8" => (i8::MIN.into(), i8::MAX.into()),
        "INT16" => (i16::MIN.into(), i16::MAX.into()),
        "INT32" => (i32::MIN.into(), i32::MAX.into()),
        "INT64" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    })
}

/// A JSON number as a whole number, if it is one (`5.0` is; the form stores typed numbers as
/// floats).
fn whole(number: &Value) -> Option<i128> {
    if let Some(i) = number.as_i64() {
        return Some(i.into());
    }
    if let Some(u) = number.as_u64() {
        return Some(u.into());
    }
    // 2^64: beyond every integer datatype, and exactly representable.
    const LIMIT: f64 = 18_446_744_073_709_551_616.0;
    number
        .as_f64()
        .filter(|v| v.fract() == 0.0 && v.abs() < LIMIT)
        .map(|v| v as i128)
}

/// `value` as a tensor of `datatype` carries it, or why it cannot be one.
pub(super) fn tensor_value(datatype: &str, value: &Value) -> Result<Value, String> {
    let refuse = |what: &str| Err(format!("{value} is {what}, which {datatype} needs"));
    if let Some((min, max)) = integer_range(datatype) {
        let Some(n) = whole(value) else {
            return refuse("not a whole number");
        };
        if n < min || n > max {
            return Err(format!(
                "{value} is outside {datatype}'s range {min} to {max}"
            ));
        }
        return Ok(match i64::try_from(n) {
            Ok(i) => Value::from(i),
            // Only UINT64 reaches past i64, and its range ends at u64::MAX.
            Err(_) => u64::try_from(n).map_or_else(|_| value.clone(), Value::from),
        });
    }
    match (datatype, value) {
        ("FP16" | "FP32" | "FP64", Value::Number(_)) => Ok(value.clone()),
        ("FP16" | "FP32" | "FP64", _) => refuse("not a number"),
        ("BOOL", Value::Bool(_)) => Ok(value.clone()),
        ("BOOL", _) => match whole(value) {
            Some(0) => Ok(Value::Bool(false)),
            Some(1) => Ok(Value::Bool(true)),
            _ => refuse("not true, false, 0 or 1"),
        },
        ("BYTES", Value::String(_)) => Ok(value.clone()),
        ("BYTES", Value::Number(_) | Value::Bool(_)) => Ok(Value::String(value.to_string())),
        ("BYTES", _) => refuse("not a single value"),
        _ => Err(format!(
            "`{datatype}` is not an Open Inference datatype (one of {})",
            DATATYPES.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_take_the_form_their_datatype_accepts() {
        assert_eq!(tensor_value("INT64", &json!(5.0)), Ok(json!(5)));
        assert!(
            tensor_value("INT64", &json!(5.1))
                .unwrap_err()
                .contains("whole number")
        );
        assert!(
            tensor_value("UINT8", &json!(256))
                .unwrap_err()
                .contains("range 0 to 255")
        );
        assert_eq!(
            tensor_value("UINT64", &json!(u64::MAX)),
            Ok(json!(u64::MAX))
        );
        assert!(tensor_value("INT64", &json!(1e300)).is_err());
        assert_eq!(tensor_value("FP32", &json!(5.1)), Ok(json!(5.1)));
        assert!(
            tensor_value("FP32", &json!("5.1"))
                .unwrap_err()
                .contains("not a number")
        );
        assert_eq!(tensor_value("BOOL", &json!(1.0)), Ok(json!(true)));
        assert_eq!(tensor_value("BYTES", &json!(2.5)), Ok(json!("2.5")));
        assert!(
            tensor_value("FP128", &json!(1))
                .unwrap_err()
                .contains("one of BOOL")
        );
    }
}
