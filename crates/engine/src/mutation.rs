//! Break it: a closed set of bugs the engine can run with, each imitating a mistake real ML
//! projects make, to prove that every check catches the bug it exists for (a bug × check
//! matrix, [`crate::mutate`]). No spec can switch one on: the mutation runner builds a run with
//! one. A normal run carries none, and each bug sits behind a check of `None` where it would
//! strike, so a normal run computes exactly what it did before, bit for bit.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{Array2, Axis, concatenate};
use serde::{Deserialize, Serialize};

use crate::data::{Prepared, Standardizer};
use crate::model::Head;
use crate::rng::SeededRng;

/// One injected bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mutation {
    SeedIgnored,
    ShuffleUnseededOrder,
    GradientSignFlipped,
    BiasGradientDropped,
    GradientScaledWrong,
    LearningRateX1000,
    OptimizerStepSkipped,
    LabelsShuffled,
    TargetLeakedAsFeature,
    StandardisedOnAllRows,
    ValidationRowsInTraining,
    SoftmaxUnstable,
    ProbabilitiesNotNormalised,
    PredictDropsLastFeature,
}

/// What a mutation imitates, in the words the page's Break it view shows.
#[derive(Debug)]
pub struct MutationGuide {
    pub title: &'static str,
    /// What the injected bug does.
    pub bug: &'static str,
    /// How the same bug shows up in real projects.
    pub in_practice: &'static str,
    /// The checks designed to catch it (any one of them does).
    pub caught_by: &'static [&'static str],
}

impl Mutation {
    pub const ALL: [Mutation; 14] = [
        Mutation::SeedIgnored,
        Mutation::ShuffleUnseededOrder,
        Mutation::GradientSignFlipped,
        Mutation::BiasGradientDropped,
        Mutation::GradientScaledWrong,
        Mutation::LearningRateX1000,
        Mutation::OptimizerStepSkipped,
        Mutation::LabelsShuffled,
        Mutation::TargetLeakedAsFeature,
        Mutation::StandardisedOnAllRows,
        Mutation::ValidationRowsInTraining,
        Mutation::SoftmaxUnstable,
        Mutation::ProbabilitiesNotNormalised,
        Mutation::PredictDropsLastFeature,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Mutation::SeedIgnored => "seed_ignored",
            Mutation::ShuffleUnseededOrder => "shuffle_unseeded_order",
            Mutation::GradientSignFlipped => "gradient_sign_flipped",
            Mutation::BiasGradientDropped => "bias_gradient_dropped",
            Mutation::GradientScaledWrong => "gradient_scaled_wrong",
            Mutation::LearningRateX1000 => "learning_rate_x1000",
            Mutation::OptimizerStepSkipped => "optimizer_step_skipped",
            Mutation::LabelsShuffled => "labels_shuffled",
            Mutation::TargetLeakedAsFeature => "target_leaked_as_feature",
            Mutation::StandardisedOnAllRows => "standardised_on_all_rows",
            Mutation::ValidationRowsInTraining => "validation_rows_in_training",
            Mutation::SoftmaxUnstable => "softmax_unstable",
            Mutation::ProbabilitiesNotNormalised => "probabilities_not_normalised",
            Mutation::PredictDropsLastFeature => "predict_drops_last_feature",
        }
    }

    pub fn guide(self) -> &'static MutationGuide {
        &GUIDES[self as usize]
    }

    /// Whether the bug can strike a model with this output head: the softmax bugs need a
    /// softmax, unnormalised probabilities need probabilities.
    pub fn applies_to(self, head: Head) -> bool {
        match self {
            Mutation::SoftmaxUnstable => head == Head::Softmax,
            Mutation::ProbabilitiesNotNormalised => head != Head::Identity,
            _ => true,
        }
    }
}

/// A mutation as a run carries it, with what the bug needs to remember between trainings.
#[derive(Debug, Clone)]
pub(crate) struct Injected {
    pub mutation: Mutation,
    /// Trainings started so far in this run: the unseeded shuffle draws its order from it.
    trainings: Arc<AtomicU64>,
}

impl PartialEq for Injected {
    fn eq(&self, other: &Self) -> bool {
        self.mutation == other.mutation
    }
}

impl Injected {
    pub fn new(mutation: Mutation) -> Self {
        Self {
            mutation,
            trainings: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The generator a mutated training shuffles with: one that ignores the seed and changes
    /// with every training of the run, as a shuffle seeded from a counter, the clock or a
    /// process id does. Deterministic per run, so the matrix is the same everywhere.
    pub fn unseeded_stream(&self) -> SeededRng {
        SeededRng::new(0x5eed_0000 + self.trainings.fetch_add(1, Ordering::Relaxed))
    }
}

/// Applies a data mutation to the prepared splits (other mutations leave them alone). `seed`
/// is the spec's, so the damage is the same on every run.
pub(crate) fn mutate_data(mutation: Mutation, prepared: &mut Prepared, seed: u64) {
    match mutation {
        Mutation::LabelsShuffled => {
            let mut targets = prepared.train.target.to_vec();
            SeededRng::new(seed).shuffle(&mut targets);
            prepared.train.target = targets.into();
        }
        Mutation::TargetLeakedAsFeature => {
            for split in [&mut prepared.train, &mut prepared.validation] {
                let column = split.target.view().insert_axis(Axis(1));
                if let Ok(features) = concatenate(Axis(1), &[split.features.view(), column]) {
                    split.features = features;
                }
                split
                    .feature_names
                    .push(format!("{} (leaked)", split.target_name));
            }
            prepared
                .feature_names
                .push(format!("{} (leaked)", prepared.train.target_name));
        }
        Mutation::StandardisedOnAllRows => {
            // Standardising the encoded columns again with the statistics of both splits is
            // the same as fitting the scaler on every row: (x − m_all) / s_all.
            let standardised = standardised_columns(prepared);
            let both = concatenate(
                Axis(0),
                &[
                    prepared.train.features.view(),
                    prepared.validation.features.view(),
                ],
            )
            .unwrap_or_else(|_| prepared.train.features.clone());
            let scaler = Standardizer::fit(&both);
            for split in [
                &mut prepared.train.features,
                &mut prepared.validation.features,
            ] {
                restandardise(split, &scaler, &standardised);
            }
        }
        Mutation::ValidationRowsInTraining => {
            if let Ok(features) = concatenate(
                Axis(0),
                &[
                    prepared.train.features.view(),
                    prepared.validation.features.view(),
                ],
            ) {
                prepared.train.features = features;
                prepared.train.target = prepared
                    .train
                    .target
                    .iter()
                    .chain(&prepared.validation.target)
                    .copied()
                    .collect();
                prepared
                    .train_rows
                    .extend(prepared.validation_rows.iter().copied());
            }
        }
        _ => {}
    }
}

/// Which encoded columns the encoder standardises (numbers and dates; not one-hot columns).
pub(crate) fn standardised_columns(prepared: &Prepared) -> Vec<bool> {
    let mut standardised = Vec::new();
    for feature in &prepared.encoder.features {
        standardised.extend(std::iter::repeat_n(
            feature.is_standardised(),
            feature.width(),
        ));
    }
    standardised
}

fn restandardise(features: &mut Array2<f64>, scaler: &Standardizer, columns: &[bool]) {
    for (c, mut column) in features.columns_mut().into_iter().enumerate() {
        if columns.get(c).copied().unwrap_or(false) {
            let (mean, scale) = (scaler.mean[c], scaler.scale[c]);
            column.mapv_inplace(|v| (v - mean) / scale);
        }
    }
}

static GUIDES: [MutationGuide; 14] = [
    MutationGuide {
        title: "The seed is ignored",
        bug: "Training draws its starting weights and shuffles from a fixed stream, whatever \
              seed the spec gives.",
        in_practice: "A random generator created with a default or hard-coded seed deep in a \
                      library, or a seed set on one generator while another one does the work: \
                      every run looks reproducible, but changing the seed changes nothing.",
        caught_by: &["reproducible_training"],
    },
    MutationGuide {
        title: "The shuffle is not seeded",
        bug: "Each training shuffles its rows in an order drawn from something other than the \
              seed, so two trainings with the same seed see the rows in different orders.",
        in_practice: "A data loader shuffling with the global generator, the clock or the process \
                      id; worker threads handing out batches as they finish.",
        caught_by: &["reproducible_training"],
    },
    MutationGuide {
        title: "The gradient's sign is flipped",
        bug: "The gradient is negated, so every step climbs the loss instead of descending it.",
        in_practice: "A hand-written backward pass that subtracts where it should add, or a \
                      loss written as a score to maximise and then minimised.",
        caught_by: &["gradient_check"],
    },
    MutationGuide {
        title: "The bias gradient is dropped",
        bug: "The derivatives of the biases are set to zero, so the biases never learn.",
        in_practice: "A backward pass that forgets the bias term, or a parameter left out of the \
                      list handed to the optimiser.",
        caught_by: &["gradient_check"],
    },
    MutationGuide {
        title: "The gradient is scaled wrong",
        bug: "The gradient is summed over the batch instead of averaged, so it is batch-size \
              times too large.",
        in_practice: "Mixing `sum` and `mean` reductions between the loss and its gradient, or \
                      dividing twice: training then only works at one batch size.",
        caught_by: &["gradient_check"],
    },
    MutationGuide {
        title: "The learning rate is 1000 times too large",
        bug: "Every optimiser step uses the learning rate times 1000.",
        in_practice: "A unit slip (1e-1 for 1e-4), a rate tuned for a summed loss used with a \
                      mean, or a schedule that warms up to the wrong value: the loss explodes.",
        caught_by: &["loss_decreases"],
    },
    MutationGuide {
        title: "The optimiser never steps",
        bug: "Gradients are computed but the parameters are never updated.",
        in_practice: "`optimizer.step()` left out, or the optimiser built over a copy of the \
                      parameters: the loss stays where it started.",
        caught_by: &["loss_decreases"],
    },
    MutationGuide {
        title: "The labels are shuffled",
        bug: "The training rows' labels are shuffled among them, so features and labels no \
              longer belong together.",
        in_practice: "Features and labels sorted or filtered separately, or joined on the wrong \
                      key: the model learns noise.",
        caught_by: &["beats_baseline", "metric_threshold"],
    },
    MutationGuide {
        title: "The target leaks into the features",
        bug: "The target itself is added as one more feature, in training and validation.",
        in_practice: "A column computed from the outcome (a refund flag for fraud, a discharge \
                      date for length of stay) left among the features: validation scores look \
                      superb and the model fails in production, where that column is unknown.",
        caught_by: &["no_target_leakage"],
    },
    MutationGuide {
        title: "Standardised with the validation rows",
        bug: "The scaler's means and standard deviations are fitted on every row, validation \
              rows included.",
        in_practice: "`fit_transform` on the whole table before splitting: the validation score \
                      is measured on rows whose statistics the model already saw.",
        caught_by: &["preprocessing_fit_on_training_rows"],
    },
    MutationGuide {
        title: "Validation rows are trained on",
        bug: "The validation rows are appended to the training rows.",
        in_practice: "Splitting after augmentation or oversampling, or concatenating the splits \
                      for a final fit and scoring on part of them: the score measures memory.",
        caught_by: &["no_train_validation_overlap"],
    },
    MutationGuide {
        title: "Softmax without the maximum subtracted",
        bug: "Softmax exponentiates the raw scores, which overflows to infinity for large ones \
              and gives NaN.",
        in_practice: "A hand-written softmax `exp(z) / sum(exp(z))`: fine on small scores, NaN as \
                      soon as an input is far out of range.",
        caught_by: &["output_sanity"],
    },
    MutationGuide {
        title: "Probabilities are not normalised",
        bug: "The output skips its last step: softmax scores are not divided by their sum, and \
              a sigmoid's score is returned as it is.",
        in_practice: "Returning logits where probabilities are promised, or normalising along \
                      the wrong axis.",
        caught_by: &["output_sanity"],
    },
    MutationGuide {
        title: "Prediction drops the last feature",
        bug: "The prediction code path zeroes the last feature; training sees all of them.",
        in_practice: "Training/serving skew: the serving code builds its feature vector \
                      separately from the training code and misses or reorders a column.",
        caught_by: &["output_sanity"],
    },
];
