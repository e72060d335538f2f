//! The credential typed into the page, kept only in memory, and the headers it resolves to.

use std::fmt;

use assay_engine::endpoint::{EndpointSpec, Resolved, resolve_headers};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::endpoints::form::EndpointForm;
    use crate::logic::endpoints::test_support::drafted_form;

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
}
