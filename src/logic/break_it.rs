//! "Break it", the page's teaching view of the bug × check matrix: the engine's mutated runs
//! done one run per step (so the page's job runner can show progress and stop between runs),
//! and the words the view shows for each cell. The matrix it builds is the one `assay mutate`
//! prints for the same spec: the same engine calls on the same seeded runs.

use assay_engine::checks::{CheckOutcome, Verdict};
use assay_engine::mutate::{Cell, Matrix, MutationRow, row};
use assay_engine::mutation::Mutation;
use assay_engine::replay::{Progress, Stepper};
use assay_engine::spec::Spec;

/// The matrix of a spec under way: the unmutated run first, then one mutated run per step.
#[derive(Debug)]
pub struct Breaking {
    spec: Spec,
    csv: String,
    mutations: Vec<Mutation>,
    baseline: Option<Vec<CheckOutcome>>,
    rows: Vec<MutationRow>,
    error: Option<String>,
}

impl Breaking {
    /// The runs for `mutations` (each of [`Mutation::ALL`] for the whole matrix, one for a
    /// picked bug) on `spec` and `csv`.
    pub fn new(spec: Spec, csv: String, mutations: Vec<Mutation>) -> Self {
        Self {
            spec,
            csv,
            mutations,
            baseline: None,
            rows: Vec::new(),
            error: None,
        }
    }

    /// Does the next run; `false` once none is left (or the unmutated run could not be made).
    pub fn step(&mut self) -> bool {
        if self.error.is_some() {
            return false;
        }
        let Some(baseline) = &self.baseline else {
            match Stepper::new(&self.spec, &self.csv) {
                Ok(stepper) => self.baseline = Some(stepper.finish().checks),
                Err(e) => {
                    self.error = Some(e.to_string());
                    return false;
                }
            }
            return !self.mutations.is_empty();
        };
        let held: Vec<bool> = baseline
            .iter()
            .map(|c| c.verdict == Verdict::Pass)
            .collect();
        let Some(&mutation) = self.mutations.get(self.rows.len()) else {
            return false;
        };
        self.rows.push(row(&self.spec, &self.csv, mutation, &held));
        self.rows.len() < self.mutations.len()
    }

    /// Runs done of the runs this matrix takes (one unmutated, one per mutation).
    pub fn progress(&self) -> Progress {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Progress {
            done: count(usize::from(self.baseline.is_some()) + self.rows.len()),
            total: count(self.mutations.len() + 1),
        }
    }

    /// The matrix once every run is done, or why the spec could not be run at all.
    pub fn finish(self) -> Result<Matrix, String> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let Some(baseline) = self.baseline else {
            return Err("the unmutated run did not happen".to_owned());
        };
        if self.rows.len() < self.mutations.len() {
            return Err("the matrix stopped before its last bug".to_owned());
        }
        Ok(Matrix {
            checks: self.spec.checks.iter().map(|c| c.id().to_owned()).collect(),
            baseline,
            rows: self.rows,
        })
    }
}

/// A cell in words (the matrix never relies on colour alone) and its CSS class.
pub fn cell_label(cell: Cell) -> (&'static str, &'static str) {
    match cell {
        Cell::Caught => ("Caught", "cell-caught"),
        Cell::Missed => ("Missed", "cell-missed"),
        Cell::AlreadyFailing => ("Already failing", "cell-already"),
        Cell::NotApplicable => ("n/a", "cell-na"),
    }
}

/// The mutation score in words: "12 of 13 bugs that can strike this model caught (score 0.923)".
pub fn score_text(matrix: &Matrix) -> String {
    let applying = matrix.rows.iter().filter(|r| r.applies()).count();
    let caught = matrix
        .rows
        .iter()
        .filter(|r| r.applies() && r.caught())
        .count();
    format!(
        "Mutation score {:.3}: {caught} of {applying} bugs that can strike this model caught by at least one check.",
        matrix.score()
    )
}

/// Why check `index` of `row` caught the bug or did not, in one sentence.
pub fn why(row: &MutationRow, index: usize, designed: bool) -> String {
    let design = if designed {
        " This check is designed to catch this bug."
    } else {
        ""
    };
    match row.cells.get(index) {
        Some(Cell::Caught) => {
            format!("Caught: it passed on the correct run and did not on the broken one.{design}")
        }
        Some(Cell::Missed) => format!(
            "Missed: it passed on both runs, so this bug is invisible to it.{}",
            if designed {
                " It is designed to catch this bug: its settings may be too loose."
            } else {
                ""
            }
        ),
        Some(Cell::AlreadyFailing) => format!(
            "Cannot tell: it failed on the correct run already, so a failure here proves nothing.{design}"
        ),
        Some(Cell::NotApplicable) => "n/a: this bug cannot strike this model.".to_owned(),
        None => "Not run.".to_owned(),
    }
}

/// The mutation with `id`, as a picker's value names it.
pub fn mutation_by_id(id: &str) -> Option<Mutation> {
    Mutation::ALL.into_iter().find(|m| m.id() == id)
}

#[cfg(test)]
mod tests {
    use assay_engine::mutate::matrix;

    use super::*;
    use crate::logic::draft::Draft;

    fn run_to_end(mut breaking: Breaking) -> (Vec<Progress>, Result<Matrix, String>) {
        let mut seen = vec![breaking.progress()];
        while breaking.step() {
            seen.push(breaking.progress());
        }
        seen.push(breaking.progress());
        (seen, breaking.finish())
    }

    #[test]
    fn stepping_one_run_at_a_time_gives_the_engines_matrix() {
        let draft = Draft::default();
        let spec = draft.to_spec();
        let csv = draft.csv().to_owned();
        let picked = vec![Mutation::GradientSignFlipped, Mutation::SoftmaxUnstable];
        let expected = matrix(&spec, &csv, &picked, |_, _| {}).unwrap();
        let (seen, found) = run_to_end(Breaking::new(spec, csv, picked));
        assert_eq!(found.unwrap(), expected);
        let done: Vec<u32> = seen.iter().map(|p| p.done).collect();
        assert_eq!(done, [0, 1, 2, 3]);
        assert!(seen.iter().all(|p| p.total == 3));
    }

    #[test]
    fn a_spec_that_cannot_run_is_an_error_not_a_matrix() {
        let draft = Draft::default();
        let (seen, found) = run_to_end(Breaking::new(
            draft.to_spec(),
            "not,a\ncsv of this spec\n".to_owned(),
            vec![Mutation::SeedIgnored],
        ));
        assert!(found.is_err());
        assert_eq!(seen.last().map(|p| p.done), Some(0));
    }

    #[test]
    fn a_stopped_matrix_is_no_result() {
        let draft = Draft::default();
        let mut breaking = Breaking::new(
            draft.to_spec(),
            draft.csv().to_owned(),
            vec![Mutation::SeedIgnored, Mutation::LabelsShuffled],
        );
        assert!(breaking.step());
        assert!(breaking.finish().is_err());
    }

    #[test]
    fn each_cell_reads_in_words_and_why_names_the_design() {
        let row = MutationRow {
            mutation: Mutation::GradientSignFlipped,
            cells: vec![Cell::Caught, Cell::Missed, Cell::AlreadyFailing],
            outcomes: Vec::new(),
            error: None,
            caught_by_design: true,
        };
        assert!(why(&row, 0, true).starts_with("Caught"));
        assert!(why(&row, 0, true).contains("designed"));
        assert!(why(&row, 1, true).contains("too loose"));
        assert!(!why(&row, 1, false).contains("designed"));
        assert!(why(&row, 2, false).starts_with("Cannot tell"));
        assert_eq!(why(&row, 7, false), "Not run.");
        let labels: Vec<&str> = [
            Cell::Caught,
            Cell::Missed,
            Cell::AlreadyFailing,
            Cell::NotApplicable,
        ]
        .into_iter()
        .map(|c| cell_label(c).0)
        .collect();
        assert_eq!(labels, ["Caught", "Missed", "Already failing", "n/a"]);
        assert_eq!(
            mutation_by_id("gradient_sign_flipped"),
            Some(Mutation::GradientSignFlipped)
        );
        assert_eq!(mutation_by_id("nope"), None);
    }

    #[test]
    fn the_score_text_counts_only_bugs_that_can_strike() {
        let row = |mutation, cells: Vec<Cell>| MutationRow {
            mutation,
            cells,
            outcomes: Vec::new(),
            error: None,
            caught_by_design: false,
        };
        let found = Matrix {
            checks: vec!["a".into()],
            baseline: Vec::new(),
            rows: vec![
                row(Mutation::SeedIgnored, vec![Cell::Caught]),
                row(Mutation::LabelsShuffled, vec![Cell::Missed]),
                row(Mutation::SoftmaxUnstable, vec![Cell::NotApplicable]),
            ],
        };
        assert_eq!(
            score_text(&found),
            "Mutation score 0.500: 1 of 2 bugs that can strike this model caught by at least one check."
        );
    }
}
