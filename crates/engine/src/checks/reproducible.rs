//! Reproducible training: the same seed must give the same model, bit for bit, and another seed
//! a different one (or the seed is not really used).

use super::{Check, CheckOutcome, Context, Guide, Plan, metric_of, refuse};
use crate::EngineError;
use crate::fingerprint;
use crate::metrics::{Metric, evaluate};
use crate::train::{TrainConfig, TrainedModel, train};
use serde::{Deserialize, Serialize};

/// Same seed twice gives bit-identical models; another seed a different one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReproducibleTraining {
    /// Further seeds to train, to show how much the validation metric moves by chance.
    #[serde(default)]
    pub extra_seeds: u32,
}

/// Most extra seeds the check may train.
const MAX_EXTRA_SEEDS: u32 = 20;

impl Check for ReproducibleTraining {
    fn id(&self) -> &'static str {
        "reproducible_training"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn validate(&self) -> Result<(), EngineError> {
        if self.extra_seeds > MAX_EXTRA_SEEDS {
            return Err(refuse(
                self.id(),
                "extra_seeds",
                format!("at most {MAX_EXTRA_SEEDS}; it is {}", self.extra_seeds),
            ));
        }
        Ok(())
    }

    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        let extra = f64::from(self.extra_seeds);
        let trainings = 2.0 + extra;
        Ok(
            trainings * plan.training(plan.train_rows, plan.config.epochs)
                + extra * plan.predicting(plan.validation_rows),
        )
    }

    fn to_shrink(&self) -> &'static str {
        "lower its extra_seeds, switch it off, or train with fewer epochs, rows or hidden units"
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        run(context, self.extra_seeds)
    }
}

static GUIDE: Guide = Guide {
    title: "Same seed, same model",
    why: "If two runs with the same seed disagree, no result can be traced back to what made it: \
          a failing test cannot be replayed, and a passing one proves nothing about the next run.",
    does: "Trains the model a second time with the spec's seed and compares every parameter, and \
           the loss after every epoch, with the first run bit for bit. It then trains once with \
           the seed plus one, which must change at least one parameter, or the seed is not really \
           used. With extra seeds above 0 it trains that many more seeds and reports the mean and \
           spread of the validation accuracy (R² for regression), for information only: the spread \
           does not change the verdict.",
    when_it_fails: "Some randomness does not come from the seeded generator (an unseeded shuffle, \
                    the clock, the timing of threads), or the arithmetic is done in a different \
                    order from one run to the next. If only the other-seed part fails, the seed \
                    never reaches the code that draws the random numbers.",
    fix: "Draw every random number (starting weights, shuffles, the split) from generators made \
          from the one seed, created in a fixed order, and add numbers up in a fixed order rather \
          than as threads finish. If another seed gives the same model, look for a generator made \
          with a fixed or default seed. Assay's own models are built to pass this check, so a \
          failure on them is a bug: please report it with the spec file.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": reproducible training.",
};

fn run(context: &Context, extra_seeds: u32) -> Result<CheckOutcome, EngineError> {
    let (x, y) = (context.train.features.view(), context.train.target.view());
    let first = context.trained;
    let second = train(context.network, x, y, context.config)?;
    let with_seed = |offset: u64| TrainConfig {
        seed: context.config.seed.wrapping_add(offset),
        ..context.config.clone()
    };
    let other = train(context.network, x, y, &with_seed(1))?;

    let identical = same_run(first, &second);
    let seed_honoured = !same_bits(&first.params, &other.params);
    let largest_gap = largest_gap(&first.params, &other.params);

    let mut metrics = vec![
        Metric::new(
            "final_loss",
            first.loss_curve.last().copied().unwrap_or(f64::NAN),
        ),
        Metric::new("largest_parameter_gap_to_other_seed", largest_gap),
    ];
    if extra_seeds > 0 {
        let name = context.main_metric();
        let mut values = Vec::new();
        for offset in 1..=u64::from(extra_seeds) {
            let model = train(context.network, x, y, &with_seed(offset))?;
            values.push(metric_of(
                &evaluate(context.network, &model.params, context.validation),
                name,
            )?);
        }
        let (mean, std) = mean_and_std(&values);
        metrics.push(Metric::new(&format!("{}_mean_over_seeds", name.id()), mean));
        metrics.push(Metric::new(&format!("{}_std_over_seeds", name.id()), std));
    }

    let (passed, summary) = verdict(identical, seed_honoured);
    let mut outcome = CheckOutcome::new(passed, summary, metrics);
    outcome.fingerprint = Some(fingerprint::of_values(&first.params));
    outcome.loss_curve = first.loss_curve.clone();
    Ok(outcome)
}

/// Whether two lists hold the same numbers, bit for bit.
fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(p, q)| p.to_bits() == q.to_bits())
}

/// Whether two runs ended with the same parameters and went through the same losses.
fn same_run(a: &TrainedModel, b: &TrainedModel) -> bool {
    same_bits(&a.params, &b.params) && same_bits(&a.loss_curve, &b.loss_curve)
}

/// The largest `|a − b|` over the parameters.
fn largest_gap(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max)
}

/// The mean and the population standard deviation (divided by n, as numpy's `std`).
fn mean_and_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, libm::sqrt(variance))
}

/// The verdict and its sentence: the same seed must repeat the model, another must change it.
fn verdict(identical: bool, seed_honoured: bool) -> (bool, &'static str) {
    match (identical, seed_honoured) {
        (true, true) => (
            true,
            "Two runs with the same seed gave bit-identical models; another seed gave a different one.",
        ),
        (false, _) => (false, "Two runs with the same seed gave different models."),
        (true, false) => (
            false,
            "Another seed gave exactly the same model: the seed is not used.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::Ending;

    fn model(params: &[f64], loss_curve: &[f64]) -> TrainedModel {
        TrainedModel {
            params: params.to_vec(),
            loss_curve: loss_curve.to_vec(),
            validation_loss_curve: Vec::new(),
            ending: Ending::Completed,
        }
    }

    #[test]
    fn runs_are_the_same_only_when_parameters_and_losses_match_bit_for_bit() {
        let base = model(&[0.5, -1.0], &[2.0, 1.0]);
        let cases = [
            (model(&[0.5, -1.0], &[2.0, 1.0]), true),
            // The same final parameters reached through different losses.
            (model(&[0.5, -1.0], &[2.0, 1.5]), false),
            (model(&[0.5, -1.5], &[2.0, 1.0]), false),
            // One bit apart, and a list cut short.
            (
                model(&[0.5, f64::from_bits((-1.0f64).to_bits() + 1)], &[2.0, 1.0]),
                false,
            ),
            (model(&[0.5], &[2.0, 1.0]), false),
            (model(&[0.5, -1.0], &[2.0]), false),
        ];
        for (other, expect) in cases {
            assert_eq!(same_run(&base, &other), expect, "{other:?}");
        }
        // 0 and −0 are equal numbers but not the same bits.
        assert!(!same_bits(&[0.0], &[-0.0]));
        assert!(same_bits(&[], &[]));
    }

    #[test]
    fn the_largest_gap_is_the_widest_parameter_apart() {
        // Gaps 0.5, 3 and 0.25: the sign of a difference does not matter.
        assert_eq!(largest_gap(&[1.0, -2.0, 4.0], &[1.5, 1.0, 3.75]), 3.0);
        assert_eq!(largest_gap(&[1.0, 2.0], &[1.0, 2.0]), 0.0);
    }

    #[test]
    fn the_spread_over_seeds_is_the_population_standard_deviation() {
        // 0.5, 0.75, 1.0: mean 0.75, squared deviations 1/16, 0, 1/16, variance 1/24
        // (numpy.std([0.5, 0.75, 1.0]) = 0.2041241452...).
        let (mean, std) = mean_and_std(&[0.5, 0.75, 1.0]);
        assert_eq!(mean, 0.75);
        assert!((std - (1.0f64 / 24.0).sqrt()).abs() < 1e-15, "{std}");
        assert_eq!(mean_and_std(&[0.25]), (0.25, 0.0));
    }

    #[test]
    fn the_same_seed_must_repeat_the_model_and_another_must_change_it() {
        let cases = [
            ((true, true), (true, "bit-identical")),
            ((true, false), (false, "the seed is not used")),
            ((false, true), (false, "gave different models")),
            ((false, false), (false, "gave different models")),
        ];
        for ((identical, honoured), (passed, says)) in cases {
            let (got, summary) = verdict(identical, honoured);
            assert_eq!(got, passed, "{identical} {honoured}");
            assert!(summary.contains(says), "{summary}");
        }
    }
}
