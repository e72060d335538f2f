//! The work a whole spec asks for, counted before any of it runs: its training, every check's
//! retraining, the exact least-squares solve, the gradient check and the data checks. A run
//! over [`MAX_SPEC_WORK`] is refused up front with what to shrink, rather than holding a CI job
//! or a browser tab for an hour. Units are those of [`crate::train::MAX_WORK`]; what each check
//! costs is in [`crate::checks::Plan`].

use crate::EngineError;
use crate::checks::{CheckSpec, Plan};

/// Most work one spec's run may do, training and checks together: twice the limit for one
/// training (`MAX_WORK`, about a minute natively), so about two minutes.
pub const MAX_SPEC_WORK: f64 = 2.0 * crate::train::MAX_WORK;

/// What a spec's run will cost, part by part.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// The training, then each check, named as in messages (`gradient_check (check 3)`).
    pub parts: Vec<(String, f64)>,
    pub total: f64,
    /// Checks that cannot run on this spec's model or data, by position in the spec, with the
    /// reason. They cost nothing; a run gives them the verdict `Error`.
    pub unusable: Vec<(usize, EngineError)>,
}

/// Counts the work of training and of `checks` on a run shaped like `plan`; refuses past
/// [`MAX_SPEC_WORK`], naming the largest parts and how to shrink the largest.
pub fn plan(checks: &[CheckSpec], plan: &Plan) -> Result<Budget, EngineError> {
    let training = plan.training(plan.train_rows, plan.config.epochs);
    let mut parts = vec![("training".to_owned(), training)];
    let mut unusable = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        let work = check.work(plan).unwrap_or_else(|error| {
            unusable.push((i, error));
            0.0
        });
        parts.push((format!("{} (check {})", check.id(), i + 1), work));
    }
    let total: f64 = parts.iter().map(|(_, work)| work).sum();
    if total <= MAX_SPEC_WORK {
        return Ok(Budget {
            parts,
            total,
            unusable,
        });
    }
    let mut largest: Vec<(usize, &(String, f64))> = parts.iter().enumerate().collect();
    largest.sort_by(|a, b| b.1.1.total_cmp(&a.1.1));
    let named = largest
        .iter()
        .take(3)
        .map(|(_, (name, work))| format!("{name} {work:.1e}"))
        .collect::<Vec<_>>()
        .join(", ");
    let advice = match largest.first() {
        Some((0, _)) | None => "use fewer epochs or rows, or a smaller model",
        Some((i, _)) => checks
            .get(i - 1)
            .map_or("switch it off", |check| check.check().to_shrink()),
    };
    Err(EngineError::Spec(format!(
        "the run would do {total:.1e} units of work, over the limit of {MAX_SPEC_WORK:.0e} \
         (about two minutes natively); largest: {named}; to shrink the largest, {advice}"
    )))
}
