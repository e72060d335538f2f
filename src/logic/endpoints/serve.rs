//! The endpoint's `serve` section as the form holds it: how CI starts the model server
//! (`assay run --allow-serve`). The page itself cannot start programs, so it only carries the
//! section into the export; it tests a server that is already running.

use assay_engine::endpoint::{
    DEFAULT_READY_TIMEOUT_S, DEFAULT_SHUTDOWN_TIMEOUT_S, Header, ServeSpec,
};
use serde::{Deserialize, Serialize};

/// What the user typed about starting the server: blank command, no section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServeForm {
    /// The program and its arguments, one per line (never a shell string).
    pub command: String,
    /// The folder to start it in, relative to the spec's folder (blank: that folder).
    pub cwd: String,
    /// Environment variables, one `NAME=VALUE` a line.
    pub env: String,
    pub ready_timeout_s: String,
    pub shutdown_timeout_s: String,
}

impl Default for ServeForm {
    fn default() -> Self {
        Self {
            command: String::new(),
            cwd: String::new(),
            env: String::new(),
            ready_timeout_s: DEFAULT_READY_TIMEOUT_S.to_string(),
            shutdown_timeout_s: DEFAULT_SHUTDOWN_TIMEOUT_S.to_string(),
        }
    }
}

/// Lines of `text` with something on them, trimmed at the end only (an argument may start
/// with spaces on purpose, rarely; a line's end is where editors leave stray ones).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.trim_end_matches(['\r', ' ', '\t']))
        .filter(|l| !l.trim().is_empty())
}

/// Whole seconds, or `default` when left blank.
fn seconds(text: &str, what: &str, default: u32) -> Result<u32, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(default);
    }
    text.parse()
        .map_err(|_| format!("The {what} must be a whole number of seconds."))
}

impl ServeForm {
    /// The section as the spec records it; `None` while the command is blank. The engine
    /// validates the rest (names, folders, literal credentials) with the whole endpoint.
    pub fn to_spec(&self) -> Result<Option<ServeSpec>, String> {
        let command: Vec<String> = lines(&self.command).map(str::to_owned).collect();
        if command.is_empty() {
            return Ok(None);
        }
        let env = lines(&self.env)
            .enumerate()
            .map(|(i, line)| {
                let (name, value) = line.split_once('=').ok_or_else(|| {
                    format!(
                        "Line {} of the server's environment is not NAME=VALUE.",
                        i + 1
                    )
                })?;
                Ok(Header {
                    name: name.trim().to_owned(),
                    value: value.to_owned(),
                    not_secret: false,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let cwd = self.cwd.trim();
        Ok(Some(ServeSpec {
            command,
            cwd: (!cwd.is_empty()).then(|| cwd.to_owned()),
            env,
            ready_timeout_s: seconds(
                &self.ready_timeout_s,
                "readiness timeout",
                DEFAULT_READY_TIMEOUT_S,
            )?,
            shutdown_timeout_s: seconds(
                &self.shutdown_timeout_s,
                "shutdown timeout",
                DEFAULT_SHUTDOWN_TIMEOUT_S,
            )?,
        }))
    }

    /// The form showing `serve` (blank without one).
    pub fn from_spec(serve: Option<&ServeSpec>) -> Self {
        let Some(serve) = serve else {
            return Self::default();
        };
        Self {
            command: serve.command.join("\n"),
            cwd: serve.cwd.clone().unwrap_or_default(),
            env: serve
                .env
                .iter()
                .map(|v| format!("{}={}", v.name, v.value))
                .collect::<Vec<_>>()
                .join("\n"),
            ready_timeout_s: serve.ready_timeout_s.to_string(),
            shutdown_timeout_s: serve.shutdown_timeout_s.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_argument_a_line_and_name_value_environment() {
        let form = ServeForm {
            command: "mlserver\nstart\n.\n\n".into(),
            cwd: " model ".into(),
            env: "MLSERVER_HTTP_PORT={{port}}\nAPI_KEY=${env:KEY}\n".into(),
            ready_timeout_s: "".into(),
            shutdown_timeout_s: "5".into(),
        };
        let serve = form.to_spec().unwrap().unwrap();
        assert_eq!(serve.command, ["mlserver", "start", "."]);
        assert_eq!(serve.cwd.as_deref(), Some("model"));
        let env: Vec<(&str, &str)> = serve
            .env
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_str()))
            .collect();
        assert_eq!(
            env,
            [
                ("MLSERVER_HTTP_PORT", "{{port}}"),
                ("API_KEY", "${env:KEY}")
            ]
        );
        assert_eq!((serve.ready_timeout_s, serve.shutdown_timeout_s), (60, 5));
        assert_eq!(ServeForm::default().to_spec(), Ok(None));
    }

    #[test]
    fn a_line_without_a_value_or_a_timeout_in_words_is_refused() {
        let form = ServeForm {
            command: "serve".into(),
            ..ServeForm::default()
        };
        let env = ServeForm {
            env: "A=1\nJUST_A_NAME".into(),
            ..form.clone()
        };
        assert_eq!(
            env.to_spec().unwrap_err(),
            "Line 2 of the server's environment is not NAME=VALUE."
        );
        let ready = ServeForm {
            ready_timeout_s: "a minute".into(),
            ..form
        };
        assert!(ready.to_spec().unwrap_err().contains("readiness timeout"));
    }
}
