//! The bug × check matrix: a spec replayed once unmutated and once per [`Mutation`], each
//! check's verdict compared. A check *catches* a mutation when it held on the unmutated run and
//! does not on the mutated one. Mutated runs are seeded like any run, so the matrix is the same
//! natively and in the page.

use serde::Serialize;

use crate::EngineError;
use crate::checks::{CheckOutcome, Verdict};
use crate::mutation::Mutation;
use crate::replay::Stepper;
use crate::spec::Spec;

/// What one check made of one mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// It held unmutated and failed (or could not run) mutated.
    Caught,
    /// It held both times.
    Missed,
    /// It did not hold even unmutated, so it cannot tell this bug apart.
    AlreadyFailing,
    /// The bug cannot strike this model (a softmax bug in a regression), so there is nothing
    /// to catch.
    NotApplicable,
}

/// One mutation's row: each check's cell and outcome (in the spec's order), or why the mutated
/// run could not be made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MutationRow {
    pub mutation: Mutation,
    pub cells: Vec<Cell>,
    pub outcomes: Vec<CheckOutcome>,
    /// The mutated run stopped before its checks (training refused the mutated data, say):
    /// the bug was caught before any check.
    pub error: Option<String>,
    /// Whether the check designed for this bug is in the spec and caught it.
    pub caught_by_design: bool,
}

impl MutationRow {
    pub fn caught(&self) -> bool {
        self.error.is_some() || self.cells.contains(&Cell::Caught)
    }

    /// Whether the bug can strike this spec's model at all.
    pub fn applies(&self) -> bool {
        !self.cells.contains(&Cell::NotApplicable)
    }
}

/// The whole matrix of one spec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    /// The spec's checks, by id, in order: the matrix's columns.
    pub checks: Vec<String>,
    /// The unmutated run's outcomes.
    pub baseline: Vec<CheckOutcome>,
    pub rows: Vec<MutationRow>,
}

impl Matrix {
    /// The share of the mutations that apply to this model caught by at least one check (1
    /// when none applies).
    pub fn score(&self) -> f64 {
        let applying: Vec<&MutationRow> = self.rows.iter().filter(|r| r.applies()).collect();
        let caught = applying.iter().filter(|r| r.caught()).count();
        if applying.is_empty() {
            1.0
        } else {
            caught as f64 / applying.len() as f64
        }
    }
}

/// Replays `spec` on `csv` unmutated, then with each of `mutations`. `progress(done, total)` is
/// called after each run. An `Err` is a spec that cannot be replayed at all.
pub fn matrix(
    spec: &Spec,
    csv: &str,
    mutations: &[Mutation],
    mut progress: impl FnMut(usize, usize),
) -> Result<Matrix, EngineError> {
    let total = mutations.len() + 1;
    let baseline = Stepper::new(spec, csv)?.finish().checks;
    progress(1, total);
    let held: Vec<bool> = baseline
        .iter()
        .map(|c| c.verdict == Verdict::Pass)
        .collect();
    let mut rows = Vec::with_capacity(mutations.len());
    for (i, &mutation) in mutations.iter().enumerate() {
        rows.push(row(spec, csv, mutation, &held));
        progress(i + 2, total);
    }
    Ok(Matrix {
        checks: spec.checks.iter().map(|c| c.id().to_owned()).collect(),
        baseline,
        rows,
    })
}

/// One mutated run, judged against which checks held unmutated.
pub fn row(spec: &Spec, csv: &str, mutation: Mutation, held: &[bool]) -> MutationRow {
    let designed = mutation.guide().caught_by;
    match Stepper::mutated(spec, csv, mutation) {
        Ok(stepper) if !mutation.applies_to(stepper.head()) => MutationRow {
            mutation,
            cells: vec![Cell::NotApplicable; held.len()],
            outcomes: Vec::new(),
            error: None,
            caught_by_design: false,
        },
        Ok(stepper) => {
            let outcomes = stepper.finish().checks;
            let cells: Vec<Cell> = outcomes
                .iter()
                .zip(held)
                .map(|(outcome, &held)| match (held, outcome.verdict) {
                    (false, _) => Cell::AlreadyFailing,
                    (true, Verdict::Pass) => Cell::Missed,
                    (true, _) => Cell::Caught,
                })
                .collect();
            let caught_by_design = spec
                .checks
                .iter()
                .zip(&cells)
                .any(|(check, cell)| designed.contains(&check.id()) && *cell == Cell::Caught);
            MutationRow {
                mutation,
                cells,
                outcomes,
                error: None,
                caught_by_design,
            }
        }
        Err(error) => MutationRow {
            mutation,
            cells: Vec::new(),
            outcomes: Vec::new(),
            error: Some(error.to_string()),
            caught_by_design: false,
        },
    }
}
