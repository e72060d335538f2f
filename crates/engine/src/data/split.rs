//! The seeded train/validation split, stratified by class for classification.
//!
//! Randomness comes only from the seed's split stream ([`Stream::Split`]), so the rows held out
//! depend on the seed and the data alone, never on training settings. Draw order: without
//! strata, one shuffle of all rows; with strata, one shuffle per class, classes in their sorted
//! order.

use crate::EngineError;
use crate::rng::{SeededRng, Stream};

/// Which rows train and which validate: 0-based data rows, each list in ascending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
}

/// The validation share must leave rows on both sides: strictly between 0 and 1.
pub(super) fn check_validation_fraction(f: f64) -> Result<(), EngineError> {
    if f.is_finite() && f > 0.0 && f < 1.0 {
        Ok(())
    } else {
        Err(EngineError::setting(
            "preprocessing.validation_fraction",
            format!("must be between 0 and 1 (exclusive); it is {f}"),
        ))
    }
}

/// Splits `rows` so about `validation_fraction` of them validate.
///
/// With `classes` (the class index of each entry of `rows`), every class is split in that
/// proportion on its own (rounded to the nearest row) and keeps at least one row in training;
/// if rounding leaves no validation row at all, the largest class gives one. Without, the rows
/// are split as a whole, keeping at least one row on each side.
pub fn split_rows(
    rows: &[usize],
    classes: Option<&[usize]>,
    validation_fraction: f64,
    seed: u64,
) -> Result<Split, EngineError> {
    check_validation_fraction(validation_fraction)?;
    if rows.len() < 2 {
        return Err(EngineError::Data(format!(
            "{} usable row{} cannot be split into training and validation; at least 2 are needed",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        )));
    }
    let mut rng = SeededRng::stream(seed, Stream::Split);
    let held_out = |n: usize| libm::round(n as f64 * validation_fraction) as usize;
    let mut train = Vec::with_capacity(rows.len());
    let mut validation = Vec::new();
    match classes {
        None => {
            let mut order = rows.to_vec();
            rng.shuffle(&mut order);
            let k = held_out(order.len()).clamp(1, order.len() - 1);
            validation.extend_from_slice(&order[..k]);
            train.extend_from_slice(&order[k..]);
        }
        Some(classes) if classes.len() != rows.len() => {
            return Err(EngineError::Data(format!(
                "{} rows but {} class labels to stratify by",
                rows.len(),
                classes.len()
            )));
        }
        Some(classes) => {
            let k = classes.iter().copied().max().map_or(0, |m| m + 1);
            let mut strata: Vec<Vec<usize>> = vec![Vec::new(); k];
            for (&row, &class) in rows.iter().zip(classes) {
                if let Some(stratum) = strata.get_mut(class) {
                    stratum.push(row);
                }
            }
            let mut counts: Vec<usize> = Vec::with_capacity(k);
            for stratum in &mut strata {
                rng.shuffle(stratum);
                counts.push(held_out(stratum.len()).min(stratum.len().saturating_sub(1)));
            }
            if counts.iter().all(|&c| c == 0) {
                // The first of the largest classes, so the choice does not depend on anything
                // but the counts.
                let largest = (0..k).fold(0, |best, i| {
                    if strata[i].len() > strata[best].len() {
                        i
                    } else {
                        best
                    }
                });
                if strata.get(largest).is_some_and(|s| s.len() >= 2) {
                    counts[largest] = 1;
                } else {
                    return Err(EngineError::Data(
                        "every class has a single row, so none can be held out for validation \
                         while keeping each class in training"
                            .into(),
                    ));
                }
            }
            for (stratum, &count) in strata.iter().zip(&counts) {
                validation.extend_from_slice(&stratum[..count]);
                train.extend_from_slice(&stratum[count..]);
            }
        }
    }
    train.sort_unstable();
    validation.sort_unstable();
    Ok(Split { train, validation })
}
