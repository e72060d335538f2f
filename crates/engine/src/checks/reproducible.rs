//! Reproducible training: the same seed must give the same model, bit for bit, and another seed
//! a different one (or the seed is not really used).

use ndarray::{ArrayView1, ArrayView2};

use super::{CheckOutcome, Guide, Metric, Verdict};
use crate::EngineError;
use crate::fingerprint;
use crate::model::ModelKind;
use crate::train::{TrainConfig, train};

pub(super) static GUIDE: Guide = Guide {
    title: "Same seed, same model",
    why: "If two runs with the same seed disagree, no result can be traced back to what made it: \
          a failing test cannot be replayed, and a passing one proves nothing about the next run.",
    when_it_fails: "Something random is not drawn from the seeded generator (an unseeded shuffle, \
                    a clock, thread timing), or the maths differs between runs. If only the \
                    second part fails, the seed is ignored: look for a generator created without it.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": reproducible training.",
};

/// Trains three times: twice with `config.seed`, once with `config.seed + 1`.
pub fn reproducible_training(
    kind: ModelKind,
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    config: &TrainConfig,
) -> Result<CheckOutcome, EngineError> {
    let first = train(kind, x, y, config)?;
    let second = train(kind, x, y, config)?;
    let other_config = TrainConfig {
        seed: config.seed.wrapping_add(1),
        ..config.clone()
    };
    let other = train(kind, x, y, &other_config)?;

    let same_bits = |a: &[f64], b: &[f64]| {
        a.len() == b.len() && a.iter().zip(b).all(|(p, q)| p.to_bits() == q.to_bits())
    };
    let identical = same_bits(&first.params, &second.params)
        && same_bits(&first.loss_curve, &second.loss_curve);
    let seed_honoured = !same_bits(&first.params, &other.params);
    let largest_gap = first
        .params
        .iter()
        .zip(&other.params)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);

    let summary = match (identical, seed_honoured) {
        (true, true) => {
            "Two runs with the same seed gave bit-identical models; another seed gave a different one."
        }
        (false, _) => "Two runs with the same seed gave different models.",
        (true, false) => "Another seed gave exactly the same model: the seed is not used.",
    };
    Ok(CheckOutcome {
        check: "reproducible_training".into(),
        verdict: if identical && seed_honoured {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        summary: summary.into(),
        metrics: vec![
            Metric::new(
                "final_loss",
                first.loss_curve.last().copied().unwrap_or(f64::NAN),
            ),
            Metric::new("largest_parameter_gap_to_other_seed", largest_gap),
        ],
        fingerprint: Some(fingerprint::of_values(&first.params)),
        loss_curve: first.loss_curve,
    })
}
