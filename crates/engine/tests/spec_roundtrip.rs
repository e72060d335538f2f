//! Property: any spec survives JSON and back unchanged, and exporting is byte-stable. Native
//! only (proptest's runner wants threads and a file system).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use assay_engine::checks::{CheckOutcome, CheckSpec, Verdict};
use assay_engine::checks::{
    GradientCheck, MetricThreshold, NoDuplicateRows, OutputSanity, ReproducibleTraining,
};
use assay_engine::data::{Preprocessing, Task};
use assay_engine::metrics::Metric;
use assay_engine::metrics::MetricName;
use assay_engine::model::{Activation, ModelSpec};
use assay_engine::optim::Optimizer;
use assay_engine::spec::{DatasetSpec, Recorded, Revision, Spec};
use assay_engine::train::TrainConfig;
use proptest::prelude::*;

/// Any f64 at all, NaN, infinities, subnormals and negative zero included.
fn any_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-0.0),
        Just(f64::MIN_POSITIVE / 2.0),
    ]
}

fn metric() -> impl Strategy<Value = Metric> {
    ("[a-z_]{1,12}", any_float()).prop_map(|(name, value)| Metric { name, value })
}

fn check() -> impl Strategy<Value = CheckSpec> {
    prop_oneof![
        (0u32..20).prop_map(
            |extra_seeds| CheckSpec::ReproducibleTraining(ReproducibleTraining { extra_seeds })
        ),
        (1e-12f64..1.0).prop_map(
            |max_relative_error| CheckSpec::GradientCheck(GradientCheck { max_relative_error })
        ),
        (0.0f64..1.0)
            .prop_map(|max_fraction| CheckSpec::NoDuplicateRows(NoDuplicateRows { max_fraction })),
        (-1e6f64..=1.0).prop_map(|threshold| CheckSpec::MetricThreshold(MetricThreshold {
            metric: MetricName::R2,
            threshold
        })),
        Just(CheckSpec::OutputSanity(OutputSanity {})),
    ]
}

fn outcome() -> impl Strategy<Value = CheckOutcome> {
    (
        "[a-z_]{1,20}",
        any::<bool>(),
        ".{0,40}",
        proptest::collection::vec(metric(), 0..4),
    )
        .prop_map(|(check, pass, summary, metrics)| CheckOutcome {
            check,
            verdict: if pass { Verdict::Pass } else { Verdict::Fail },
            summary,
            metrics,
            fingerprint: None,
            loss_curve: Vec::new(),
        })
}

prop_compose! {
    fn spec()(
        // Any text, markup and quotes included: it must come back as text.
        name in ".{0,30}",
        csv in "[a-z,\\n\"<>/]{0,200}",
        seed in any::<u64>(),
        learning_rate in 1e-9f64..10.0,
        momentum in 0.0f64..0.99,
        hidden in proptest::collection::vec(1u32..64, 1..=2),
        checks in proptest::collection::vec(check(), 0..6),
        outcomes in proptest::collection::vec(outcome(), 0..4),
        history in proptest::collection::vec(metric(), 0..3),
        revision in 1u32..1000,
    ) -> Spec {
        let mut spec = Spec::new(
            &name,
            DatasetSpec::from_csv("data.csv", &csv, 3),
            Preprocessing::new("target", Task::MulticlassClassification),
            ModelSpec::Mlp { hidden_layers: hidden, activation: Activation::Tanh },
            TrainConfig { seed, learning_rate, optimizer: Optimizer::Sgd { momentum }, ..TrainConfig::default() },
            checks,
        );
        spec.revision = revision;
        spec.recorded = Some(Recorded { parameter_fingerprint: "ab".repeat(32), metrics: history.clone(), checks: outcomes, endpoints: Vec::new() });
        spec.history = vec![Revision { revision: revision.saturating_sub(1).max(1), metrics: history, endpoints: Vec::new() }];
        spec
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_spec_survives_json_and_exports_byte_for_byte(spec in spec()) {
        let text = spec.to_json();
        let back = Spec::from_json(&text).unwrap();
        prop_assert_eq!(back.to_json(), text.clone());
        // Equality up to NaN (NaN != NaN), checked bit for bit on every recorded number.
        let bits = |s: &Spec| -> Vec<u64> {
            let recorded = s.recorded.as_ref().unwrap();
            recorded.metrics.iter().chain(recorded.checks.iter().flat_map(|c| &c.metrics))
                .map(|m| if m.value.is_nan() { f64::NAN.to_bits() } else { m.value.to_bits() })
                .collect()
        };
        prop_assert_eq!(bits(&back), bits(&spec));
        prop_assert_eq!(&back.name, &spec.name);
        prop_assert_eq!(&back.training, &spec.training);
        prop_assert_eq!(&back.checks, &spec.checks);
    }
}
