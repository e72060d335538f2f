//! A finished run (`Authored`), the one-call path from a sample to a recorded spec (what the
//! workbench does step by step; tests use it as the reference), the clock, verdict labels.

use assay_engine::EngineError;
use assay_engine::checks::{CheckSpec, Verdict};
use assay_engine::data::{Preprocessing, Table, infer_schema};
use assay_engine::replay::{self, Run};
use assay_engine::spec::{DatasetSpec, Spec};
use assay_engine::train::TrainConfig;

use crate::samples::Sample;

/// A finished run: the spec (with its recording) that export writes, and the full run to show.
#[derive(Debug, Clone)]
pub struct Authored {
    pub spec: Spec,
    pub run: Run,
}

/// Trains the sample's model with `seed`, runs the checks and records the result in a spec.
pub fn author(sample: &Sample, seed: u64) -> Result<Authored, EngineError> {
    let table = Table::parse_csv(sample.csv)?;
    let rows = table.rows.len();
    let training = TrainConfig {
        seed,
        ..TrainConfig::default()
    };
    let mut spec = Spec::new(
        &format!("{} – {}", sample.title, sample.model.label()),
        DatasetSpec::from_csv(sample.file_name, sample.csv, rows),
        Preprocessing::new(sample.target, sample.task),
        sample.model.clone(),
        training,
        CheckSpec::defaults(sample.task, &infer_schema(&table)),
    );
    let run = replay::run(&spec, sample.csv)?;
    spec.recorded = Some(run.to_recorded());
    Ok(Authored { spec, run })
}

/// The browser's clock as RFC 3339 (UTC), for a spec's timestamps.
pub fn now_rfc3339() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// A check's verdict in words, as the page shows it.
pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "Pass",
        Verdict::Fail => "Fail",
        Verdict::Error => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::SAMPLES;

    #[test]
    fn authoring_a_sample_records_a_spec_that_replays_identically() {
        for sample in &SAMPLES {
            let authored = author(sample, 7).unwrap();
            let recorded = authored.spec.recorded.as_ref().unwrap();
            assert_eq!(
                recorded.parameter_fingerprint,
                authored.run.parameter_fingerprint
            );
            let reread = Spec::from_json(&authored.spec.to_json()).unwrap();
            let replayed = replay::run(&reread, sample.csv).unwrap();
            assert!(replay::compare(recorded, &replayed).is_empty());
        }
    }
}
