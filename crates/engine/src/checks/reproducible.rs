//! Reproducible training: the same seed must give the same model, bit for bit, and another seed
//! a different one (or the seed is not really used).

use super::{CheckOutcome, Context, Guide, Metric};
use crate::EngineError;
use crate::fingerprint;
use crate::metrics::evaluate;
use crate::train::{TrainConfig, train};

pub(super) static GUIDE: Guide = Guide {
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

pub(super) fn run(context: &Context, extra_seeds: u32) -> Result<CheckOutcome, EngineError> {
    let (x, y) = (context.train.features.view(), context.train.target.view());
    let first = context.trained;
    let second = train(context.network, x, y, context.config)?;
    let with_seed = |offset: u64| TrainConfig {
        seed: context.config.seed.wrapping_add(offset),
        ..context.config.clone()
    };
    let other = train(context.network, x, y, &with_seed(1))?;

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
            values.push(super::metric_of(
                &evaluate(context.network, &model.params, context.validation),
                name,
            )?);
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        metrics.push(Metric::new(&format!("{}_mean_over_seeds", name.id()), mean));
        metrics.push(Metric::new(
            &format!("{}_std_over_seeds", name.id()),
            libm::sqrt(variance),
        ));
    }

    let summary = match (identical, seed_honoured) {
        (true, true) => {
            "Two runs with the same seed gave bit-identical models; another seed gave a different one."
        }
        (false, _) => "Two runs with the same seed gave different models.",
        (true, false) => "Another seed gave exactly the same model: the seed is not used.",
    };
    let mut outcome = CheckOutcome::new(identical && seed_honoured, summary, metrics);
    outcome.fingerprint = Some(fingerprint::of_values(&first.params));
    outcome.loss_curve = first.loss_curve.clone();
    Ok(outcome)
}
