//! Credentials stay out of specs and out of reports. A header names an environment variable as
//! `${env:NAME}`, alone or after an authentication scheme (`Bearer ${env:NAME}`), resolved only
//! when the request is sent; a literal credential is refused, judged by the header's name and by
//! its value. Whatever a server echoes back is redacted with [`Secrets`] before it is shown.

use serde_json::Value;

use super::Header;
use super::excerpt::CUT;
use super::judge::CaseOutcome;

/// Header names whose values are credentials, whatever their values look like: the standard
/// ones, and any name with a word gateways use for one (`Ocp-Apim-Subscription-Key`, `X-Auth`,
/// `X-Session`).
fn is_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "cookie"
        || [
            "auth",
            "token",
            "secret",
            "key",
            "password",
            "session",
            "credential",
            "signature",
        ]
        .iter()
        .any(|w| name.contains(w))
}

/// An authentication scheme word such as `Bearer`, `Basic` or `Token`.
fn is_scheme(word: &str) -> bool {
    (1..=24).contains(&word.len()) && word.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
}

/// `${env:NAME}` → `Some(NAME)`.
fn env_reference(value: &str) -> Option<&str> {
    value
        .strip_prefix("${env:")?
        .strip_suffix('}')
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// A header value that is a reference: `(scheme, NAME)` for `${env:NAME}` (no scheme) or
/// `Scheme ${env:NAME}`.
pub(super) fn reference(value: &str) -> Option<(Option<&str>, &str)> {
    let value = value.trim();
    if let Some(name) = env_reference(value) {
        return Some((None, name));
    }
    let (scheme, rest) = value.split_once(' ')?;
    if !is_scheme(scheme) {
        return None;
    }
    Some((Some(scheme), env_reference(rest)?))
}

/// Prefixes of well-known API keys and tokens (OpenAI, GitHub, GitLab, Slack, AWS, Google,
/// Hugging Face, npm, Stripe).
const KEY_PREFIXES: [&str; 16] = [
    "sk-",
    "sk_",
    "rk_",
    "pk_live_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xox",
    "AKIA",
    "ASIA",
    "AIza",
    "hf_",
];

/// Bits of information per character (Shannon entropy of its character frequencies).
fn entropy_per_char(text: &str) -> f64 {
    let mut counts = [0u32; 128];
    let mut total = 0u32;
    for b in text.bytes().filter(u8::is_ascii) {
        counts[usize::from(b)] += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = f64::from(total);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / total;
            -p * libm::log2(p)
        })
        .sum()
}

/// Whether a literal header value looks like a key or token: a known key prefix, a JWT, or a
/// long random-looking string (after an optional scheme word such as `Bearer`).
fn looks_like_secret(value: &str) -> bool {
    let value = value.trim();
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if is_scheme(scheme) => rest.trim(),
        _ => value,
    };
    if token.contains(char::is_whitespace) || token.len() < 16 {
        return false;
    }
    let jwt = token.starts_with("eyJ") && token.split('.').count() == 3;
    let known = KEY_PREFIXES.iter().any(|p| token.starts_with(p));
    let key_chars = token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+/=_-.~:".contains(c));
    let mixed =
        token.chars().any(|c| c.is_ascii_digit()) && token.chars().any(|c| c.is_ascii_alphabetic());
    let random = token.len() >= 20 && key_chars && mixed && entropy_per_char(token) >= 3.5;
    jwt || known || random
}

/// Refuses a header whose literal value is a credential: a credential header (by name) that is
/// not a reference, or any header whose value looks like a key or token, unless the header is
/// marked `not_secret`. Never repeats the value.
pub fn refuse_literal_secrets(headers: &[Header]) -> Result<(), String> {
    refuse_literal(headers, "header")
}

/// [`refuse_literal_secrets`] for a staged server's environment variables, each a `Header`
/// whose name is the variable's.
pub fn refuse_literal_env(variables: &[Header]) -> Result<(), String> {
    refuse_literal(variables, "environment variable")
}

/// Refuses a literal credential among `items`, each called a `noun` in messages.
fn refuse_literal(items: &[Header], noun: &str) -> Result<(), String> {
    for header in items {
        let name = &header.name;
        if reference(&header.value).is_some() {
            continue;
        }
        if header.value.contains("${env:") {
            return Err(format!(
                "{noun} `{name}`: a reference must be the whole value (${{env:NAME}}) or follow \
                 one scheme word (Bearer ${{env:NAME}}), with NAME of letters, digits and _"
            ));
        }
        if header.not_secret {
            continue;
        }
        if is_credential(name) {
            return Err(format!(
                "{noun} `{name}` holds a literal credential; write it as ${{env:NAME}} (or \
                 Bearer ${{env:NAME}}) and set NAME where the spec runs, or mark the {noun} \
                 \"not_secret\": true if it is not a credential"
            ));
        }
        if looks_like_secret(&header.value) {
            return Err(format!(
                "{noun} `{name}` holds a value that looks like a key or token; write it as \
                 ${{env:NAME}} and set NAME where the spec runs, or mark the {noun} \
                 \"not_secret\": true if it is not a credential"
            ));
        }
    }
    Ok(())
}

/// The headers to send, and the secrets in them to take back out of anything shown.
#[derive(Clone, Default)]
pub struct Resolved {
    pub headers: Vec<(String, String)>,
    pub secrets: Secrets,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        write!(f, "Resolved({names:?})")
    }
}

/// The headers with every `${env:NAME}` replaced through `lookup`, which gives the value or
/// says why there is none (e.g. "which is not set"); that error names the header and the
/// variable, never a value.
pub fn resolve_headers(
    headers: &[Header],
    lookup: impl Fn(&str) -> Result<String, String>,
) -> Result<Resolved, String> {
    resolve(headers, "header", lookup)
}

/// [`resolve_headers`] for a staged server's environment variables.
pub fn resolve_env(
    variables: &[Header],
    lookup: impl Fn(&str) -> Result<String, String>,
) -> Result<Resolved, String> {
    resolve(variables, "environment variable", lookup)
}

fn resolve(
    items: &[Header],
    noun: &str,
    lookup: impl Fn(&str) -> Result<String, String>,
) -> Result<Resolved, String> {
    let mut resolved = Resolved::default();
    for header in items {
        let value = match reference(&header.value) {
            Some((scheme, name)) => {
                let secret = lookup(name).map_err(|why| {
                    format!(
                        "{noun} `{}` needs the environment variable {name}, {why}",
                        header.name
                    )
                })?;
                resolved.secrets.add(&secret, name);
                match scheme {
                    Some(scheme) => format!("{scheme} {secret}"),
                    None => secret,
                }
            }
            None => header.value.clone(),
        };
        resolved.headers.push((header.name.clone(), value));
    }
    Ok(resolved)
}

/// Values shorter than this are not redacted: replacing every `1` or `ab` in a report would
/// garble it, and a credential that short protects nothing.
const MIN_REDACTED_LEN: usize = 4;

/// Resolved credential values and the `${env:NAME}` reference each is shown as instead.
#[derive(Clone, Default)]
pub struct Secrets(Vec<(String, String)>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} values)", self.0.len())
    }
}

impl Secrets {
    /// Records `value` (read from the variable `name`), the token after its scheme word when
    /// it has one (`Bearer xyz` → `xyz`, which servers echo alone), and their JSON-escaped forms.
    pub fn add(&mut self, value: &str, name: &str) {
        let shown = format!("${{env:{name}}}");
        let mut forms = vec![value.to_owned()];
        if let Some((scheme, token)) = value.trim().split_once(' ')
            && is_scheme(scheme)
        {
            forms.push(token.trim().to_owned());
        }
        for form in forms.clone() {
            let escaped = serde_json::to_string(&form).unwrap_or_default();
            forms.push(escaped.trim_matches('"').to_owned());
        }
        for form in forms {
            if form.len() >= MIN_REDACTED_LEN && !self.0.iter().any(|(v, _)| *v == form) {
                self.0.push((form, shown.clone()));
            }
        }
        // Longest first, so a whole `Bearer xyz` is replaced before its `xyz`.
        self.0
            .sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
    }

    /// `text` with every secret replaced by its reference.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (secret, shown) in &self.0 {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), shown);
            }
        }
        if self.0.is_empty() || !text.contains(CUT) {
            return text;
        }
        // An excerpt of a long answer keeps its start and end around `CUT`: a secret the cut
        // went through left its start before it and its end after it, neither of which the
        // whole value matches.
        let mut parts: Vec<String> = text.split(CUT).map(str::to_owned).collect();
        let last = parts.len() - 1;
        for (i, part) in parts.iter_mut().enumerate() {
            if i < last
                && let Some((start, shown)) = self.start_of_a_secret_ending(part)
            {
                part.replace_range(start.., shown);
            }
            if i > 0
                && let Some((end, shown)) = self.end_of_a_secret_starting(part)
            {
                part.replace_range(..end, shown);
            }
        }
        parts.join(CUT)
    }

    /// Where the longest piece of a secret's start that ends `text` begins, and the secret's
    /// reference.
    fn start_of_a_secret_ending(&self, text: &str) -> Option<(usize, &str)> {
        self.0
            .iter()
            .filter_map(|(secret, shown)| {
                let piece = (text.len().saturating_sub(secret.len())..text.len())
                    .filter(|&at| text.is_char_boundary(at))
                    .map(|at| &text[at..])
                    .find(|piece| piece.len() >= MIN_REDACTED_LEN && secret.starts_with(piece))?;
                Some((text.len() - piece.len(), shown.as_str()))
            })
            .min_by_key(|&(at, _)| at)
    }

    /// Where the longest piece of a secret's end that starts `text` ends, and the secret's
    /// reference.
    fn end_of_a_secret_starting(&self, text: &str) -> Option<(usize, &str)> {
        self.0
            .iter()
            .filter_map(|(secret, shown)| {
                let end = (MIN_REDACTED_LEN..=text.len().min(secret.len()))
                    .rev()
                    .filter(|&end| text.is_char_boundary(end))
                    .find(|&end| secret.ends_with(&text[..end]))?;
                Some((end, shown.as_str()))
            })
            .max_by_key(|&(end, _)| end)
    }

    /// Every string in `value`, keys included, redacted.
    fn redact_json(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.redact(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (key, mut v) in entries {
                    self.redact_json(&mut v);
                    map.insert(self.redact(&key), v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// The outcome's summary and prediction redacted.
    pub fn redact_outcome(&self, outcome: &mut CaseOutcome) {
        outcome.summary = self.redact(&outcome.summary);
        if let Some(prediction) = &mut outcome.prediction {
            self.redact_json(prediction);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn header(name: &str, value: &str) -> Header {
        Header {
            name: name.into(),
            value: value.into(),
            not_secret: false,
        }
    }

    #[test]
    fn a_scheme_word_may_precede_the_reference() {
        let headers = [header("Authorization", "Bearer ${env:TOKEN}")];
        assert!(refuse_literal_secrets(&headers).is_ok());
        let resolved = resolve_headers(&headers, |_| Ok("abc123".into())).unwrap();
        assert_eq!(
            resolved.headers,
            [("Authorization".to_owned(), "Bearer abc123".to_owned())]
        );
        for bad in [
            "Bearer ${env:TOKEN} extra",
            "x${env:TOKEN}",
            "${env:A} ${env:B}",
        ] {
            let error = refuse_literal_secrets(&[header("X-Thing", bad)]).unwrap_err();
            assert!(error.contains("whole value"), "{bad}: {error}");
        }
    }

    #[test]
    fn values_that_look_like_keys_are_refused_in_any_header() {
        let keys = [
            (
                "Ocp-Apim-Subscription-Key",
                "0f3c9a7e51b24d8c9e6a2b1f4c7d8e90",
            ),
            ("X-Auth", "sk-proj-4fT9qLm2Xw8ZrB1c"),
            (
                "X-Session",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            ),
            ("X-Aws", "AKIAIOSFODNN7EXAMPLE"),
            ("X-Gh", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
        ];
        for (name, value) in keys {
            let error = refuse_literal_secrets(&[header(name, value)]).unwrap_err();
            assert!(
                error.contains(&format!("`{name}`"))
                    && error.contains("not_secret")
                    && !error.contains(value),
                "{error}"
            );
            let marked = Header {
                not_secret: true,
                ..header(name, value)
            };
            assert!(refuse_literal_secrets(&[marked]).is_ok());
        }
        let plain = [
            header("Content-Type", "application/json"),
            header("Accept", "*/*"),
            header("X-Model-Version", "v1.2.3"),
            header("X-Tenant", "research-team-eu-west"),
        ];
        assert!(refuse_literal_secrets(&plain).is_ok());
    }

    #[test]
    fn short_literals_in_headers_named_for_credentials_are_refused() {
        for name in [
            "Ocp-Apim-Subscription-Key",
            "X-Auth",
            "X-Session",
            "Proxy-Authorization",
            "X-Client-Credential",
        ] {
            let error = refuse_literal_secrets(&[header(name, "hunter2")]).unwrap_err();
            assert!(
                error.contains(&format!("`{name}`")) && !error.contains("hunter2"),
                "{error}"
            );
            assert!(refuse_literal_secrets(&[header(name, "${env:GATEWAY_KEY}")]).is_ok());
        }
    }

    #[test]
    fn echoed_secrets_are_shown_as_their_reference() {
        let headers = [
            header("Authorization", "${env:AUTH}"),
            header("X-Api-Key", "${env:KEY}"),
        ];
        let resolved = resolve_headers(&headers, |name| {
            Ok(if name == "AUTH" {
                "Bearer tok\"en-123".into()
            } else {
                "k3y-value".into()
            })
        })
        .unwrap();
        let secrets = &resolved.secrets;
        assert_eq!(
            secrets.redact("got Bearer tok\"en-123, then tok\"en-123 and k3y-value"),
            "got ${env:AUTH}, then ${env:AUTH} and ${env:KEY}"
        );
        let mut echoed = serde_json::json!({"k3y-value": ["tok\"en-123", 1]});
        secrets.redact_json(&mut echoed);
        assert_eq!(
            echoed,
            serde_json::json!({"${env:KEY}": ["${env:AUTH}", 1]})
        );
        // As a JSON body carries it, escaped.
        assert_eq!(
            secrets.redact(r#"{"a":"tok\"en-123"}"#),
            r#"{"a":"${env:AUTH}"}"#
        );
        assert!(!format!("{secrets:?}").contains("k3y"));
    }

    #[test]
    fn a_secret_an_excerpt_cut_through_is_hidden_on_both_sides_of_the_cut() {
        let token = "abcdefghij".repeat(40);
        let resolved =
            resolve_headers(&[header("X-Api-Key", "${env:KEY}")], |_| Ok(token.clone())).unwrap();
        let secrets = &resolved.secrets;
        let excerpt = crate::endpoint::excerpt::error_excerpt(&format!("bad key {token}!"));
        assert_eq!(secrets.redact(&excerpt), "bad key ${env:KEY} … ${env:KEY}!");
        // Only the pieces beside a cut: elsewhere a secret's start is just text.
        assert_eq!(secrets.redact("abcd … jx"), "${env:KEY} … jx");
        assert_eq!(secrets.redact("abcd and hij"), "abcd and hij");
        assert_eq!(secrets.redact("xyz … hij"), "xyz … hij");
    }
}
