//! `assay schema`: the JSON Schema of the spec format, generated from the engine's types.

/// The schema as pretty JSON with a final newline; `schema/` in the repository holds a copy
/// that CI keeps equal to this.
pub fn spec_schema() -> String {
    let schema = schemars::schema_for!(assay_engine::spec::Spec);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
