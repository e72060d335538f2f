//! Credentials stay out of specs: a header may name an environment variable as `${env:NAME}`,
//! resolved only when the request is sent, and a literal credential is refused at export.

use super::Header;

/// Header names whose values are credentials.
fn is_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "authorization"
        || name == "proxy-authorization"
        || name == "cookie"
        || ["token", "secret", "api-key", "apikey", "password"]
            .iter()
            .any(|w| name.contains(w))
}

/// `${env:NAME}` → `Some(NAME)`.
fn env_reference(value: &str) -> Option<&str> {
    value
        .strip_prefix("${env:")?
        .strip_suffix('}')
        .filter(|n| !n.is_empty())
}

/// Refuses a credential header whose value is not entirely an `${env:NAME}` reference.
pub fn refuse_literal_secrets(headers: &[Header]) -> Result<(), String> {
    for header in headers {
        if is_credential(&header.name) && env_reference(header.value.trim()).is_none() {
            return Err(format!(
                "header `{}` holds a literal credential; write it as ${{env:NAME}} and set NAME where the spec runs",
                header.name
            ));
        }
    }
    Ok(())
}

/// The headers with every `${env:NAME}` replaced through `lookup`; a missing variable is an
/// error that names it (never its value).
pub fn resolve_headers(
    headers: &[Header],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    headers
        .iter()
        .map(|h| match env_reference(h.value.trim()) {
            Some(name) => lookup(name).map(|v| (h.name.clone(), v)).ok_or_else(|| {
                format!(
                    "header `{}` needs the environment variable {name}, which is not set",
                    h.name
                )
            }),
            None => Ok((h.name.clone(), h.value.clone())),
        })
        .collect()
}
