//! The catalogue of checks. Each check says what it verifies, why it matters, and returns a
//! verdict with its evidence; a failing check is data, not an error.

pub mod data_checks;
mod reproducible;

use serde::{Deserialize, Serialize};

pub use reproducible::reproducible_training;

/// A check as a spec asks for it, with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum CheckSpec {
    /// Train twice with the spec's seed, once with another; see [`reproducible_training`].
    ReproducibleTraining,
}

impl CheckSpec {
    pub fn id(&self) -> &'static str {
        match self {
            CheckSpec::ReproducibleTraining => "reproducible_training",
        }
    }

    pub fn guide(&self) -> &'static Guide {
        match self {
            CheckSpec::ReproducibleTraining => &reproducible::GUIDE,
        }
    }
}

/// Plain-words teaching text shown next to a check's result.
#[derive(Debug)]
pub struct Guide {
    pub title: &'static str,
    /// One or two sentences: why a team runs this before shipping.
    pub why: &'static str,
    /// What a failure usually means and what to try.
    pub when_it_fails: &'static str,
    /// The public guidance the check comes from.
    pub source: &'static str,
}

/// Outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
}

/// A named number of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    pub name: String,
    #[serde(with = "crate::spec::float")]
    pub value: f64,
}

impl Metric {
    pub fn new(name: &str, value: f64) -> Self {
        Self {
            name: name.to_owned(),
            value,
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckOutcome {
    pub check: String,
    pub verdict: Verdict,
    /// One sentence in plain words.
    pub summary: String,
    pub metrics: Vec<Metric>,
    /// Fingerprint of the parameters the check trained, when it trained one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Training loss per epoch, for a chart; not recorded in specs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loss_curve: Vec<f64>,
}

impl CheckOutcome {
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }
}
