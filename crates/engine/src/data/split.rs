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

/// Rows held out of `n` for a validation share `fraction`: rounded to the nearest row.
fn held_out(n: usize, fraction: f64) -> usize {
    libm::round(n as f64 * fraction) as usize
}

fn too_few_to_split(n: usize) -> Result<(), EngineError> {
    if n >= 2 {
        return Ok(());
    }
    Err(EngineError::Data(format!(
        "{n} usable row{} cannot be split into training and validation; at least 2 are needed",
        if n == 1 { "" } else { "s" }
    )))
}

/// Splits `rows` by time: the latest `validation_fraction` of them (by `times`, one per row;
/// equal times in row order) validate, the earlier ones train, as a model trained on the past
/// meets the future. At least one row on each side. Uses no randomness.
pub fn split_by_time(
    rows: &[usize],
    times: &[f64],
    validation_fraction: f64,
) -> Result<Split, EngineError> {
    check_validation_fraction(validation_fraction)?;
    too_few_to_split(rows.len())?;
    if times.len() != rows.len() {
        return Err(EngineError::Data(format!(
            "{} rows but {} times to split by",
            rows.len(),
            times.len()
        )));
    }
    let mut order: Vec<(f64, usize)> = times.iter().copied().zip(rows.iter().copied()).collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let k = held_out(order.len(), validation_fraction).clamp(1, order.len() - 1);
    let boundary = order.len() - k;
    let mut train: Vec<usize> = order[..boundary].iter().map(|&(_, r)| r).collect();
    let mut validation: Vec<usize> = order[boundary..].iter().map(|&(_, r)| r).collect();
    train.sort_unstable();
    validation.sort_unstable();
    Ok(Split { train, validation })
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
    too_few_to_split(rows.len())?;
    let mut rng = SeededRng::stream(seed, Stream::Split);
    let held_out = |n: usize| held_out(n, validation_fraction);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_rows_validate_whatever_their_order_in_the_file() {
        let rows = [0, 1, 2, 3, 4, 5, 6, 7];
        let times = [5.0, 1.0, 7.0, 3.0, 2.0, 8.0, 4.0, 6.0];
        let split = split_by_time(&rows, &times, 0.25).unwrap();
        assert_eq!(split.validation, vec![2, 5]);
        assert_eq!(split.train, vec![0, 1, 3, 4, 6, 7]);
    }

    #[test]
    fn equal_times_go_in_row_order_and_each_side_keeps_a_row() {
        let split = split_by_time(&[3, 9, 4], &[1.0, 1.0, 1.0], 0.01).unwrap();
        assert_eq!((split.train, split.validation), (vec![3, 4], vec![9]));
        let split = split_by_time(&[3, 9, 4], &[1.0, 2.0, 0.0], 0.99).unwrap();
        assert_eq!((split.train, split.validation), (vec![4], vec![3, 9]));
        assert!(split_by_time(&[1], &[1.0], 0.5).is_err());
        assert!(split_by_time(&[1, 2], &[1.0], 0.5).is_err());
        assert!(split_by_time(&[1, 2], &[1.0, 2.0], 1.0).is_err());
    }
}
