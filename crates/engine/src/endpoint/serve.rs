//! Staging the model server an endpoint tests: the `serve` section names the command that
//! starts it, and the CLI (with `--allow-serve`) starts it on a free loopback port, waits for
//! the protocol's readiness route, runs the endpoint's tests and stops it. Here: the section,
//! its validation and the `{{port}}` placeholder; the process itself is the CLI's.

use serde::{Deserialize, Serialize};

use super::Header;
use super::secrets::refuse_literal_env;
use crate::EngineError;

/// The placeholder for the port Assay picks, in `command`, `env` values and `base_url`.
pub const PORT: &str = "{{port}}";

/// Longest wait for readiness and for shutdown, in seconds.
const MAX_READY_S: u32 = 900;
const MAX_SHUTDOWN_S: u32 = 120;

/// How to start the model server this endpoint tests (in CI, with `assay run --allow-serve`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ServeSpec {
    /// The program and its arguments, never a shell string (`["mlserver", "start", "."]`).
    pub command: Vec<String>,
    /// The folder to start it in, relative to the spec's folder and inside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Environment variables set for it, besides the ones it inherits. Values may hold
    /// `{{port}}`, or be `${env:NAME}` references under the same rules as headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<Header>,
    /// How long it may take to answer its readiness route.
    #[serde(default = "default_ready_timeout_s")]
    pub ready_timeout_s: u32,
    /// How long it may take to exit after SIGTERM before it is killed.
    #[serde(default = "default_shutdown_timeout_s")]
    pub shutdown_timeout_s: u32,
}

/// The waits a section that names none gets, in seconds (the page's form starts from them).
pub const DEFAULT_READY_TIMEOUT_S: u32 = 60;
pub const DEFAULT_SHUTDOWN_TIMEOUT_S: u32 = 10;

fn default_ready_timeout_s() -> u32 {
    DEFAULT_READY_TIMEOUT_S
}

fn default_shutdown_timeout_s() -> u32 {
    DEFAULT_SHUTDOWN_TIMEOUT_S
}

impl ServeSpec {
    /// Settings that hold whatever the machine: `field` names the section in messages.
    pub(crate) fn validate(&self, field: &str) -> Result<(), EngineError> {
        let at = |f: &str, m: String| Err(EngineError::setting(&format!("{field}.{f}"), m));
        match self.command.first() {
            None => return at("command", "name the program to start".into()),
            Some(program) if program.trim().is_empty() => {
                return at("command", "the program's name is empty".into());
            }
            Some(_) => {}
        }
        if self.command.iter().any(|a| a.contains('\0')) {
            return at("command", "an argument holds a NUL character".into());
        }
        if let Some(cwd) = &self.cwd
            && !relative_inside(cwd)
        {
            return at(
                "cwd",
                format!("`{cwd}` must be a relative folder inside the spec's folder (no `..`)"),
            );
        }
        for variable in &self.env {
            let name = &variable.name;
            let valid = !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return at(
                    "env",
                    format!("`{name}` is not an environment variable name (letters, digits, _)"),
                );
            }
            if variable.value.contains('\0') {
                return at("env", format!("`{name}` holds a NUL character"));
            }
        }
        refuse_literal_env(&self.env)
            .map_err(|m| EngineError::setting(&format!("{field}.env"), m))?;
        if !(1..=MAX_READY_S).contains(&self.ready_timeout_s) {
            return at("ready_timeout_s", format!("between 1 and {MAX_READY_S}"));
        }
        if !(1..=MAX_SHUTDOWN_S).contains(&self.shutdown_timeout_s) {
            return at(
                "shutdown_timeout_s",
                format!("between 1 and {MAX_SHUTDOWN_S}"),
            );
        }
        Ok(())
    }

    /// The command as a person would type it, for messages (`mlserver start .`).
    pub fn shown(&self) -> String {
        self.command
            .iter()
            .map(|a| {
                if a.is_empty() || a.contains(char::is_whitespace) {
                    format!("{a:?}")
                } else {
                    a.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `text` with every `{{port}}` replaced by `port`.
pub fn with_port(text: &str, port: u16) -> String {
    text.replace(PORT, &port.to_string())
}

/// A relative path whose every part stays below its start: no root, no `..`, no drive.
fn relative_inside(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with(['/', '\\'])
        && !path.contains(':')
        && path.split(['/', '\\']).all(|part| part != "..")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn serve(command: &[&str]) -> ServeSpec {
        ServeSpec {
            command: command.iter().map(|s| (*s).to_owned()).collect(),
            cwd: None,
            env: Vec::new(),
            ready_timeout_s: 60,
            shutdown_timeout_s: 10,
        }
    }

    fn variable(name: &str, value: &str) -> Header {
        Header {
            name: name.into(),
            value: value.into(),
            not_secret: false,
        }
    }

    #[test]
    fn a_serve_section_is_refused_with_its_field_named() {
        let refused = |s: ServeSpec| s.validate("endpoints.m.serve").unwrap_err().to_string();
        assert!(serve(&["mlserver", "start", "."]).validate("s").is_ok());
        assert_eq!(
            refused(serve(&[])),
            "setting `endpoints.m.serve.command`: name the program to start"
        );
        assert!(refused(serve(&[" "])).contains("empty"));
        for cwd in ["../up", "/abs", "a/../../b", "C:\\x", ""] {
            let mut s = serve(&["x"]);
            s.cwd = Some(cwd.into());
            assert!(refused(s).contains(".cwd`"), "{cwd}");
        }
        let mut s = serve(&["x"]);
        s.cwd = Some("model/v2".into());
        assert!(s.validate("s").is_ok());
        let mut s = serve(&["x"]);
        s.env = vec![variable("1PORT", "{{port}}")];
        assert!(refused(s).contains("not an environment variable name"));
        let mut s = serve(&["x"]);
        s.env = vec![variable("API_TOKEN", "literal-value")];
        assert!(refused(s).contains("environment variable `API_TOKEN` holds a literal credential"));
        let mut s = serve(&["x"]);
        s.env = vec![
            variable("API_TOKEN", "${env:API_TOKEN}"),
            variable("PORT", "{{port}}"),
        ];
        assert!(s.validate("s").is_ok());
        let mut s = serve(&["x"]);
        s.ready_timeout_s = 0;
        assert!(refused(s).contains("ready_timeout_s"));
        let mut s = serve(&["x"]);
        s.shutdown_timeout_s = 1000;
        assert!(refused(s).contains("shutdown_timeout_s"));
    }

    #[test]
    fn the_port_is_substituted_everywhere_it_is_named() {
        assert_eq!(
            with_port("http://127.0.0.1:{{port}}", 8081),
            "http://127.0.0.1:8081"
        );
        assert_eq!(with_port("--port={{port}} {{port}}", 7), "--port=7 7");
        assert_eq!(with_port("none", 7), "none");
        assert_eq!(
            serve(&["mlflow", "models", "serve", "-m", "my model"]).shown(),
            "mlflow models serve -m \"my model\""
        );
    }
}
