//! The engine under hostile input: text that only looks like a spec, specs that ask for more
//! work than a replay may do, and oversized specs.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use assay_engine::budget::{self, MAX_SPEC_WORK};
use assay_engine::checks::{CheckSpec, Plan};
use assay_engine::checks::{
    ConvergesToOptimum, GradientCheck, MetricThreshold, NoDuplicateRows, NoTrainValidationOverlap,
    OutputSanity, OverfitTinyBatch, ReproducibleTraining,
};
use assay_engine::metrics::MetricName;
use assay_engine::model::{Activation, ModelSpec};
use assay_engine::replay::Stepper;
use assay_engine::spec::{MAX_CHECKS, Spec};
use assay_engine::train::TrainConfig;
use common::{DIABETES, both, sample_spec};

/// A wide MLP on the diabetes sample: one training of 100 epochs is just under the limit for
/// one training (about 9.5e9 of 1e10), so what decides is everything else the spec asks for.
fn wide_mlp(checks: Vec<CheckSpec>) -> Spec {
    let mut spec = sample_spec(
        ModelSpec::Mlp {
            hidden_layers: vec![512, 512],
            activation: Activation::Relu,
        },
        checks,
    );
    spec.training.epochs = 100;
    spec
}

fn refusal(spec: &Spec) -> String {
    match Stepper::new(spec, DIABETES) {
        Ok(_) => panic!("the spec was accepted"),
        Err(error) => error.to_string(),
    }
}

/// A run's shape without data: 100 000 training rows of `features` encoded columns.
fn plan<'a>(model: &'a ModelSpec, config: &'a TrainConfig, features: usize) -> Plan<'a> {
    Plan {
        model,
        config,
        train_rows: 100_000,
        validation_rows: 25_000,
        features,
        parameters: features + 1,
        classes: 0,
        cells: 125_000 * 10,
    }
}

both! {
    /// Editors on Windows save JSON with a byte-order mark; serde_json alone refuses it with
    /// "expected value at line 1 column 1".
    fn a_spec_with_a_utf8_byte_order_mark_is_read() {
        let spec = sample_spec(ModelSpec::LinearRegression, vec![CheckSpec::OutputSanity(OutputSanity {})]);
        let read = Spec::from_json(&format!("\u{feff}{}", spec.to_json())).unwrap();
        assert_eq!(read, spec);
    }
}

/// A spec is accepted only if Assay can write it out again: its pretty form (what the app
/// exports and what a share link packs) within the limit. A minified spec under the limit whose
/// pretty form is over it was read, then refused on its own re-export.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_spec_is_refused_when_its_pretty_form_would_be_over_the_limit() {
    let mut spec = sample_spec(
        ModelSpec::LinearRegression,
        vec![CheckSpec::OutputSanity(OutputSanity {})],
    );
    spec.recorded = Some(
        assay_engine::replay::run(&spec, common::DIABETES)
            .unwrap()
            .to_recorded(),
    );
    // A loss curve is one number per line when pretty-printed: `0,` becomes `        0.0,\n`.
    let curve = format!("\"loss_curve\":[{}0]", "0,".repeat(3_000_000));
    let minified = serde_json::to_string(&spec).unwrap().replacen(
        "\"check\":\"output_sanity\",",
        &format!("\"check\":\"output_sanity\",{curve},"),
        2,
    );
    let limit = assay_engine::spec::MAX_SPEC_BYTES;
    assert!(minified.len() < limit, "{}", minified.len());
    let Err(error) = Spec::from_json(&minified) else {
        panic!("a spec whose pretty form is over the limit was accepted");
    };
    let error = error.to_string();
    assert!(error.contains("written out"), "{error}");
    assert!(error.contains(&limit.to_string()), "{error}");
}

both! {
    /// The budget covers the whole spec: retraining for reproducibility used to go uncounted, so
    /// 20 extra seeds made 22 trainings of a model each just under the limit.
    fn a_spec_is_budgeted_as_a_whole_before_anything_runs() {
        assert!(Stepper::new(&wide_mlp(vec![CheckSpec::OutputSanity(OutputSanity {})]), DIABETES).is_ok());
        let error = refusal(&wide_mlp(vec![
            CheckSpec::OutputSanity(OutputSanity {}),
            CheckSpec::ReproducibleTraining(ReproducibleTraining { extra_seeds: 20 }),
        ]));
        assert!(error.contains("reproducible_training"), "{error}");
        assert!(error.contains(&format!("{MAX_SPEC_WORK:.0e}")), "{error}");
        assert!(error.contains("extra_seeds"), "{error}");
        // Even the two retrainings without extra seeds put this model over.
        let error = refusal(&wide_mlp(vec![CheckSpec::ReproducibleTraining(ReproducibleTraining { extra_seeds: 0 })]));
        assert!(error.contains("reproducible_training"), "{error}");
    }

    /// The exact solve, the gradient check and the data checks are counted too: one least-squares
    /// check on a wide one-hot design took 35 s and was free.
    fn every_check_is_counted_and_the_biggest_are_named() {
        let (model, config) = (ModelSpec::LinearRegression, TrainConfig::default());
        let narrow = plan(&model, &config, 10);
        let wide = plan(&model, &config, 2000);
        let optimum = CheckSpec::ConvergesToOptimum(ConvergesToOptimum {
            max_loss_gap: 0.01,
            ..ConvergesToOptimum::default()
        });
        assert!(budget::plan(std::slice::from_ref(&optimum), &narrow).unwrap().total < MAX_SPEC_WORK);
        let error = budget::plan(&[CheckSpec::OutputSanity(OutputSanity {}), optimum.clone()], &wide)
            .unwrap_err()
            .to_string();
        assert!(error.contains("converges_to_optimum"), "{error}");
        for check in [
            CheckSpec::GradientCheck(GradientCheck { max_relative_error: 1e-6 }),
            CheckSpec::NoDuplicateRows(NoDuplicateRows { max_fraction: 0.0 }),
            CheckSpec::NoTrainValidationOverlap(NoTrainValidationOverlap::default()),
            CheckSpec::OutputSanity(OutputSanity {}),
            optimum,
        ] {
            let work = budget::plan(std::slice::from_ref(&check), &narrow).unwrap();
            assert!(work.parts.len() == 2 && work.parts[1].1 > 0.0, "{check:?}: {work:?}");
        }
    }

    /// A check that cannot run on this spec's model or data is known before anything runs, so
    /// `assay validate` can say so as `assay run` would.
    fn checks_that_cannot_run_here_are_known_before_running() {
        let (model, config) = (ModelSpec::LinearRegression, TrainConfig::default());
        let regression = plan(&model, &config, 10);
        let l2 = TrainConfig { l2: 0.1, ..TrainConfig::default() };
        for (check, plan, needle) in [
            (CheckSpec::ConvergesToOptimum(ConvergesToOptimum {
            max_loss_gap: 0.01,
            ..ConvergesToOptimum::default()
        }), plan(&model, &l2, 10), "training.l2"),
            (CheckSpec::MetricThreshold(MetricThreshold { metric: MetricName::Accuracy, threshold: 0.5 }), regression, "accuracy"),
            (CheckSpec::OverfitTinyBatch(OverfitTinyBatch { rows: 256, epochs: 10, max_loss: 0.1 }), Plan { train_rows: 100, ..regression }, "100 training rows"),
        ] {
            let budget = budget::plan(std::slice::from_ref(&check), &plan).unwrap();
            let why = budget.unusable.first().map(|(_, e)| e.to_string()).unwrap_or_default();
            assert!(why.contains(needle), "{check:?}: {why}");
        }
    }

    fn a_spec_holds_a_bounded_number_of_checks() {
        let spec = sample_spec(ModelSpec::LinearRegression, vec![CheckSpec::OutputSanity(OutputSanity {}); MAX_CHECKS + 1]);
        let error = spec.validate().unwrap_err().to_string();
        assert!(error.contains(&format!("at most {MAX_CHECKS}")), "{error}");
    }
}
