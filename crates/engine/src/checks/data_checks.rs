//! Checks on the data itself, run before any model is trained: missing or non-finite values, a
//! schema that drifted from the recorded one, repeated rows, rows shared by training and
//! validation, constant columns and a rare class. Each is a plain function returning a
//! [`CheckOutcome`]; a problem found is a failing verdict, never an error.

use std::collections::BTreeMap;

use super::{CheckOutcome, Guide, Metric, Verdict};
use crate::data::{ColumnKind, ColumnSchema, Prepared, Table, Task, infer_schema, is_missing};

/// Default for [`missing_values`]: no missing value allowed.
pub const DEFAULT_MAX_MISSING_FRACTION: f64 = 0.0;
/// Default for [`duplicate_rows`]: no repeated row allowed.
pub const DEFAULT_MAX_DUPLICATE_FRACTION: f64 = 0.0;
/// Default for [`class_balance`]: the rarest class must be at least 5% of the rows.
pub const DEFAULT_MIN_CLASS_FRACTION: f64 = 0.05;

pub static MISSING_VALUES_GUIDE: Guide = Guide {
    title: "No missing or non-finite values",
    why: "A model cannot learn from a blank cell or an infinite number. Rows quietly dropped or \
          filled in change what the model sees, so it is better to know how many there are \
          before training than to find out from a strange result.",
    does: "Looks at every cell of the table as read, before any row is dropped. A cell counts as \
           missing when it is empty or says NA, N/A, nan or null, in upper or lower case. The \
           check fails if a cell in a numeric column is neither missing nor a finite number (inf, \
           or stray text), or if any column has a larger share of missing cells than max_fraction \
           (0 by default: none allowed).",
    when_it_fails: "The data has gaps or broken numbers. Typical causes are an export that writes \
                    blanks or NA for unknown values, a join that found no match for some rows, a \
                    unit or a word typed into a number column, or a number too large to store.",
    fix: "The summary names the first bad cell and its line: start there, and fix the export or \
          join that made it if you can. If some gaps are expected, decide what happens to them on \
          purpose: fill them before loading the file, or accept them by raising max_fraction to \
          the share you allow (Assay then leaves those rows out and lists their lines). Text or \
          inf in a number column has to be corrected; a larger share does not allow it.",
    source: "Equal Experts, MLOps playbook, \"Testing through the ML pipeline\": test the data \
             preparation steps on their own, before they feed training.",
};

pub static SCHEMA_GUIDE: Guide = Guide {
    title: "Columns as recorded",
    why: "A test only means something if it runs on the kind of data it was written for. A \
          renamed, reordered or retyped column can make the same code train on something else \
          without any error.",
    does: "Works out each column's kind (number, category, yes/no or identifier) from the data as \
           it is now, applies the kinds chosen by hand in the spec, and compares the result with \
           the columns recorded in the spec. It fails if a recorded column is gone, a new one \
           appeared, a column's kind changed, or the columns come in another order.",
    when_it_fails: "The file is not shaped like the one the spec was written for: it came from a \
                    different export, a column was renamed, added or dropped, or a column now \
                    reads as another kind, often because one stray value turned a column of \
                    numbers into text.",
    fix: "The summary names the first difference. If the file changed by mistake, go back to the \
          expected file or fix the export. If one odd value changed a column's kind, correct that \
          value, or set the column's kind by hand. If the change is intended, record the new \
          columns in a new revision, so reviewers see it and agree to it.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": check that what goes into the pipeline has the shape and types it \
             expects, as a contract test does for a served model.",
};

pub static DUPLICATE_ROWS_GUIDE: Guide = Guide {
    title: "No repeated rows",
    why: "A row that appears twice counts twice in training, and can land in both training and \
          validation, which makes the model look better than it is.",
    does: "Compares every row with the rows before it, cell for cell as written in the file and \
           target included (so 1 and 1.0 differ), and counts the rows that repeat an earlier one \
           exactly. It fails when those repeats are a larger share of all rows than max_fraction \
           (0 by default: no repeat allowed).",
    when_it_fails: "The same records got into the file more than once, usually because data was \
                    appended twice or a join matched one row to several. Now and then identical \
                    records are real, such as two people who gave the same answers.",
    fix: "The summary names one repeated pair of lines: find the step that copied it and fix that \
          step, or remove the repeats before loading. If identical records are genuine, allow \
          their share with max_fraction, and keep the overlap check on, since genuine copies can \
          still land in both training and validation.",
    source: "Equal Experts, MLOps playbook, \"Testing through the ML pipeline\": unit-test the \
             data transformations that build the training set.",
};

pub static OVERLAP_GUIDE: Guide = Guide {
    title: "Validation rows are new to the model",
    why: "The validation split stands in for data the model has never seen. A validation row \
          identical to a training row tests memory, not learning, and inflates every score \
          measured on it.",
    does: "Encodes both splits exactly as the model sees them (numbers rescaled, categories turned \
           into 0/1 columns) and looks for validation rows whose features are identical to a \
           training row's. The target is not compared, and identifier columns are not features. A \
           single such row fails the check.",
    when_it_fails: "Some rows the model is scored on are, as far as it can tell, rows it trained \
                    on, so validation scores partly measure memory and look better than they \
                    should. Usually the data holds repeated rows that the random split put on both \
                    sides; sometimes distinct records share every feature value.",
    fix: "Remove repeated rows before splitting (see the repeated rows check). If several rows \
          describe the same thing, such as one patient or one customer, keep one row each so \
          copies cannot end up on both sides. If distinct records collide because the features are \
          coarse, add a feature that tells them apart, or switch the check off in review with a \
          note saying why.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": hold every version to a fixed bar on a validation set, which only works \
             if that set is kept apart from training.",
};

pub static CONSTANT_COLUMNS_GUIDE: Guide = Guide {
    title: "No constant feature columns",
    why: "A column with the same value on every row carries no information. It often means a \
          broken export or a filter that removed all variation, and it cannot be standardised.",
    does: "Looks at every feature column (not the target, not identifier columns), leaving out \
           missing cells. A column fails if all its remaining cells hold the same value, or none \
           is left; numbers are compared by value, so 1 and 1.0 are the same.",
    when_it_fails: "A column carries no information: every row says the same thing. That often \
                    points to a broken export, a filter that kept only one kind of row, or a field \
                    that is only filled in somewhere else.",
    fix: "Check where the column comes from and whether the data was filtered more than intended; \
          fix the source if values went missing. If the column is constant by design (one country, \
          one product), leave it out: remove it from the file, or set its kind to identifier so it \
          is not used as a feature.",
    source: "Equal Experts, MLOps playbook, \"Testing through the ML pipeline\": test each \
             data transformation, so broken inputs are caught before training.",
};

pub static CLASS_BALANCE_GUIDE: Guide = Guide {
    title: "Every class has enough rows",
    why: "When one class is rare, a model can score high accuracy by never predicting it. Knowing \
          the balance up front says which metrics can be trusted and what a trivial model would \
          score.",
    does: "For classification, counts the labels in the target column over the whole table, \
           leaving out missing cells, and finds the rarest class. It fails when that class is less \
           than min_fraction of the labelled rows (5% by default). Regression has no classes, so \
           it passes.",
    when_it_fails: "One class is rare. The model sees few examples of it and can score high \
                    accuracy while never predicting it, so accuracy stops being a fair measure. \
                    Sometimes the rare class is a typo: a misspelt label that forms a class of its \
                    own.",
    fix: "Check the rare label is spelt like the class it belongs to. If the imbalance is real, \
          collect more examples of the rare class if you can, and judge the model with \
          balanced_accuracy or macro_f1 rather than accuracy, in the baseline and threshold checks \
          too. Lower min_fraction only when the imbalance is understood and the metrics allow for \
          it.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": accuracy alone misleads when one class dominates; compare with the \
             baseline a trivial model reaches.",
};

fn outcome(check: &str, pass: bool, summary: String, metrics: Vec<Metric>) -> CheckOutcome {
    CheckOutcome {
        check: check.into(),
        verdict: if pass { Verdict::Pass } else { Verdict::Fail },
        summary,
        metrics,
        fingerprint: None,
        loss_curve: Vec::new(),
    }
}

fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// Each column's kind: from `schema` by name, inferred for a column it does not name.
fn kinds(table: &Table, schema: &[ColumnSchema]) -> Vec<ColumnKind> {
    infer_schema(table)
        .into_iter()
        .map(|c| {
            schema
                .iter()
                .find(|s| s.name == c.name)
                .map_or(c.kind, |s| s.kind)
        })
        .collect()
}

/// Fails when any numeric cell is not a finite number (`inf`, or text in a numeric column), or
/// when some column has a larger share of missing cells (see [`is_missing`]) than
/// `max_fraction`.
pub fn missing_values(table: &Table, schema: &[ColumnSchema], max_fraction: f64) -> CheckOutcome {
    let kinds = kinds(table, schema);
    let rows = table.rows.len();
    let (mut missing_cells, mut non_finite_cells) = (0usize, 0usize);
    let mut first_non_finite: Option<(usize, usize)> = None;
    // The column with the largest share of missing cells; the first of equals.
    let mut worst: Option<(usize, usize)> = None;
    for (c, kind) in kinds.iter().enumerate() {
        let mut missing = 0;
        for (r, cell) in table.column(c).enumerate() {
            if is_missing(cell) {
                missing += 1;
            } else if *kind == ColumnKind::Numeric && !cell.parse::<f64>().is_ok_and(f64::is_finite)
            {
                non_finite_cells += 1;
                first_non_finite.get_or_insert((r, c));
            }
        }
        missing_cells += missing;
        if worst.is_none_or(|(_, m)| missing > m) {
            worst = Some((c, missing));
        }
    }
    let (worst_column, worst_missing) = worst.unwrap_or((0, 0));
    let worst_fraction = if rows == 0 {
        0.0
    } else {
        worst_missing as f64 / rows as f64
    };
    let name = |c: usize| table.headers.get(c).map_or("", String::as_str);
    // A NaN limit allows nothing.
    let too_many_missing = worst_fraction > max_fraction || max_fraction.is_nan();
    let summary = if let Some((r, c)) = first_non_finite {
        format!(
            "{non_finite_cells} numeric cell{} {} not a finite number, the first `{}` in column \
             `{}` on line {}.",
            plural(non_finite_cells),
            if non_finite_cells == 1 { "is" } else { "are" },
            table.cell(r, c),
            name(c),
            table.line_of(r)
        )
    } else if too_many_missing {
        format!(
            "Column `{}` misses {worst_missing} of {rows} values ({}), more than the {} allowed.",
            name(worst_column),
            percent(worst_fraction),
            percent(max_fraction)
        )
    } else if missing_cells == 0 {
        "No cell is missing and every number is finite.".to_owned()
    } else {
        format!(
            "The most incomplete column, `{}`, misses {} of its values, within the {} allowed.",
            name(worst_column),
            percent(worst_fraction),
            percent(max_fraction)
        )
    };
    outcome(
        "missing_values",
        non_finite_cells == 0 && !too_many_missing,
        summary,
        vec![
            Metric::new("missing_cells", missing_cells as f64),
            Metric::new("non_finite_cells", non_finite_cells as f64),
            Metric::new("worst_column_missing_fraction", worst_fraction),
        ],
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Fails unless the table has exactly the `recorded` columns, in that order and of those kinds,
/// once the user's kind `overrides` are applied to what is inferred now.
pub fn schema_matches(
    table: &Table,
    recorded: &[ColumnSchema],
    overrides: &[ColumnSchema],
) -> CheckOutcome {
    let actual: Vec<ColumnSchema> = infer_schema(table)
        .into_iter()
        .map(|mut c| {
            if let Some(o) = overrides.iter().find(|o| o.name == c.name) {
                c.kind = o.kind;
            }
            c
        })
        .collect();
    let find = |list: &[ColumnSchema], name: &str| list.iter().position(|c| c.name == name);
    let missing: Vec<&str> = recorded
        .iter()
        .filter(|c| find(&actual, &c.name).is_none())
        .map(|c| c.name.as_str())
        .collect();
    let extra: Vec<&str> = actual
        .iter()
        .filter(|c| find(recorded, &c.name).is_none())
        .map(|c| c.name.as_str())
        .collect();
    let changed: Vec<(&ColumnSchema, &ColumnSchema)> = recorded
        .iter()
        .filter_map(|r| find(&actual, &r.name).map(|i| (r, &actual[i])))
        .filter(|(r, a)| r.kind != a.kind)
        .collect();
    // The shared columns, in each list's order.
    let shared_recorded: Vec<&str> = recorded
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| find(&actual, n).is_some())
        .collect();
    let shared_actual: Vec<&str> = actual
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| find(recorded, n).is_some())
        .collect();
    let reordered = shared_recorded != shared_actual;
    let quote = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let summary = if let Some(name) = missing.first() {
        format!(
            "The recorded column `{name}` is gone ({} missing in all).",
            missing.len()
        )
    } else if !extra.is_empty() {
        format!(
            "The data has columns that were not recorded: {}.",
            quote(&extra)
        )
    } else if let Some((r, a)) = changed.first() {
        format!(
            "Column `{}` was recorded as {:?} but now reads as {:?}.",
            r.name, r.kind, a.kind
        )
    } else if reordered {
        "The recorded columns are all present, but in another order.".to_owned()
    } else {
        format!(
            "All {} columns match the recorded names, order and kinds.",
            recorded.len()
        )
    };
    outcome(
        "schema_matches",
        missing.is_empty() && extra.is_empty() && changed.is_empty() && !reordered,
        summary,
        vec![
            Metric::new("missing_columns", missing.len() as f64),
            Metric::new("extra_columns", extra.len() as f64),
            Metric::new("changed_kinds", changed.len() as f64),
            Metric::new("order_changed", if reordered { 1.0 } else { 0.0 }),
        ],
    )
}

/// Fails when the share of rows identical (cell for cell) to an earlier row exceeds
/// `max_fraction`; with the default 0, when there is any.
pub fn duplicate_rows(table: &Table, max_fraction: f64) -> CheckOutcome {
    let mut first_seen: BTreeMap<&[String], usize> = BTreeMap::new();
    let mut duplicates = 0usize;
    let mut example: Option<(usize, usize)> = None;
    for (r, row) in table.rows.iter().enumerate() {
        match first_seen.get(row.as_slice()) {
            Some(&earlier) => {
                duplicates += 1;
                example.get_or_insert((r, earlier));
            }
            None => {
                first_seen.insert(row.as_slice(), r);
            }
        }
    }
    let rows = table.rows.len();
    let fraction = if rows == 0 {
        0.0
    } else {
        duplicates as f64 / rows as f64
    };
    let pass = fraction <= max_fraction;
    let summary = match example {
        None => format!("None of the {rows} rows repeats another."),
        Some((r, earlier)) => format!(
            "Line {} repeats line {}; {duplicates} of {rows} rows ({}) are repeats, {} the {} \
             allowed.",
            table.line_of(r),
            table.line_of(earlier),
            percent(fraction),
            if pass { "within" } else { "more than" },
            percent(max_fraction)
        ),
    };
    outcome(
        "duplicate_rows",
        pass,
        summary,
        vec![
            Metric::new("duplicate_rows", duplicates as f64),
            Metric::new("duplicate_fraction", fraction),
        ],
    )
}

/// A row's feature bits, with -0 read as 0 so equal numbers compare equal.
fn row_key(row: ndarray::ArrayView1<f64>) -> Vec<u64> {
    row.iter()
        .map(|&v| if v == 0.0 { 0 } else { v.to_bits() })
        .collect()
}

/// Fails when any validation row has exactly the same encoded features as a training row: the
/// validation score would then partly measure memory. `table` is the one `prepared` came from,
/// used to name lines.
pub fn train_validation_overlap(table: &Table, prepared: &Prepared) -> CheckOutcome {
    let mut train_keys: BTreeMap<Vec<u64>, usize> = BTreeMap::new();
    for (i, row) in prepared.train.features.rows().into_iter().enumerate() {
        train_keys.entry(row_key(row)).or_insert(i);
    }
    let mut overlapping = 0usize;
    let mut example: Option<(usize, usize)> = None;
    for (i, row) in prepared.validation.features.rows().into_iter().enumerate() {
        if let Some(&t) = train_keys.get(&row_key(row)) {
            overlapping += 1;
            example.get_or_insert((i, t));
        }
    }
    let total = prepared.validation.features.nrows();
    let fraction = if total == 0 {
        0.0
    } else {
        overlapping as f64 / total as f64
    };
    let line = |rows: &[usize], i: usize| rows.get(i).map_or(0, |&r| table.line_of(r));
    let summary = match example {
        None => {
            format!("None of the {total} validation rows has the same features as a training row.")
        }
        Some((v, t)) => format!(
            "{overlapping} of {total} validation rows ({}) have the same features as a training \
             row, for example line {} and line {}.",
            percent(fraction),
            line(&prepared.validation_rows, v),
            line(&prepared.train_rows, t)
        ),
    };
    outcome(
        "train_validation_overlap",
        overlapping == 0,
        summary,
        vec![
            Metric::new("overlapping_rows", overlapping as f64),
            Metric::new("overlap_fraction", fraction),
        ],
    )
}

/// Fails when a feature column (not `target`, not an identifier) holds at most one distinct
/// value among its non-missing cells. Numbers are compared by value, so `1` and `1.0` are one.
pub fn constant_columns(table: &Table, schema: &[ColumnSchema], target: &str) -> CheckOutcome {
    let kinds = kinds(table, schema);
    let mut constant: Vec<&str> = Vec::new();
    let mut checked = 0usize;
    for (c, kind) in kinds.iter().enumerate() {
        let name = table.headers.get(c).map_or("", String::as_str);
        if name == target || *kind == ColumnKind::Identifier {
            continue;
        }
        checked += 1;
        // Numbers by their bits (with -0 read as 0), anything else by its text.
        let key = |v: &str| match v.parse::<f64>() {
            Ok(x) if *kind == ColumnKind::Numeric => Err(if x == 0.0 { 0 } else { x.to_bits() }),
            _ => Ok(v.to_owned()),
        };
        let mut values = table.column(c).filter(|v| !is_missing(v)).map(key);
        let first = values.next();
        let single_value = values.all(|v| Some(v) == first);
        if single_value {
            constant.push(name);
        }
    }
    let summary = match constant.as_slice() {
        [] => format!("All {checked} feature columns hold more than one value."),
        [one] => format!("Feature column `{one}` holds a single value."),
        many => format!(
            "{} feature columns hold a single value: {}.",
            many.len(),
            many.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    outcome(
        "constant_columns",
        constant.is_empty(),
        summary,
        vec![Metric::new("constant_columns", constant.len() as f64)],
    )
}

/// For classification, fails when the rarest label of `target` (non-missing cells) makes up less
/// than `min_fraction` of the labelled rows. Regression has no classes and passes.
pub fn class_balance(table: &Table, target: &str, task: Task, min_fraction: f64) -> CheckOutcome {
    const ID: &str = "class_balance";
    if !task.is_classification() {
        return outcome(
            ID,
            true,
            "Class balance applies to classification; this task is a regression.".into(),
            Vec::new(),
        );
    }
    let Some(column) = table.column_index(target) else {
        return outcome(
            ID,
            false,
            format!("There is no target column `{target}` to count classes in."),
            Vec::new(),
        );
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for cell in table.column(column).filter(|v| !is_missing(v)) {
        *counts.entry(cell).or_insert(0) += 1;
    }
    let total: usize = counts.values().sum();
    // The rarest and the commonest; the first in text order among equals.
    let rarest = counts
        .iter()
        .fold(None, |best: Option<(&str, usize)>, (&k, &n)| {
            if best.is_none_or(|(_, b)| n < b) {
                Some((k, n))
            } else {
                best
            }
        });
    let largest = counts.values().copied().max().unwrap_or(0);
    let share = |n: usize| {
        if total == 0 {
            0.0
        } else {
            n as f64 / total as f64
        }
    };
    let (rare_label, rare_count) = rarest.unwrap_or(("", 0));
    let smallest = share(rare_count);
    let pass = total > 0 && smallest >= min_fraction;
    let summary = if total == 0 {
        format!("The target `{target}` has no labelled rows.")
    } else {
        format!(
            "The rarest class, `{rare_label}`, is {} of the rows ({rare_count} of {total}), {} \
             the {} asked for.",
            percent(smallest),
            if pass { "at least" } else { "below" },
            percent(min_fraction)
        )
    };
    outcome(
        ID,
        pass,
        summary,
        vec![
            Metric::new("classes", counts.len() as f64),
            Metric::new("smallest_class_fraction", smallest),
            Metric::new("largest_class_fraction", share(largest)),
        ],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use super::*;

    fn table(csv: &str) -> Table {
        Table::parse_csv(csv).unwrap()
    }

    /// The verdict and one metric of an outcome.
    fn check(outcome: CheckOutcome, metric: &str, expect: (Verdict, f64)) {
        assert_eq!(
            (outcome.verdict, outcome.metric(metric).unwrap()),
            expect,
            "{}",
            outcome.summary
        );
    }

    /// `x` numbered 0..n, `y` = `rare` on the first `rare` rows, `common` after.
    fn labels(n: usize, rare: usize) -> Table {
        let mut text = String::from("x,y\n");
        for i in 0..n {
            text.push_str(&format!(
                "{i},{}\n",
                if i < rare { "rare" } else { "common" }
            ));
        }
        table(&text)
    }

    #[test]
    fn class_balance_holds_exactly_on_the_bar() {
        let binary = Task::BinaryClassification;
        // 1 of 20 is 5%: on a 5% bar it passes, on 5.0001% it fails.
        check(
            class_balance(&labels(20, 1), "y", binary, 0.05),
            "smallest_class_fraction",
            (Verdict::Pass, 0.05),
        );
        check(
            class_balance(&labels(20, 1), "y", binary, 0.050001),
            "smallest_class_fraction",
            (Verdict::Fail, 0.05),
        );
        check(
            class_balance(&labels(20, 1), "y", binary, 0.05),
            "largest_class_fraction",
            (Verdict::Pass, 0.95),
        );
        check(
            class_balance(&labels(20, 1), "y", binary, 0.05),
            "classes",
            (Verdict::Pass, 2.0),
        );
        // The rarest is `common` here (5 of 20 against 15 `rare`).
        let flipped = class_balance(&labels(20, 15), "y", binary, 0.25);
        assert!(
            flipped.summary.contains("`common`, is 25.0%"),
            "{}",
            flipped.summary
        );
        check(flipped, "smallest_class_fraction", (Verdict::Pass, 0.25));
        let missing = class_balance(&labels(4, 1), "label", binary, 0.0);
        assert_eq!(missing.verdict, Verdict::Fail);
        assert!(
            missing.summary.contains("no target column `label`"),
            "{}",
            missing.summary
        );
        let unlabelled = class_balance(&table("x,y\n1,\n2,\n"), "y", binary, 0.0);
        assert_eq!(unlabelled.verdict, Verdict::Fail, "{}", unlabelled.summary);
    }

    #[test]
    fn duplicates_hold_exactly_on_the_bar() {
        // Line 4 repeats line 2: 1 of 4 rows, 25%.
        let t = table("x,y\n1,a\n2,b\n1,a\n3,c\n");
        check(
            duplicate_rows(&t, 0.25),
            "duplicate_fraction",
            (Verdict::Pass, 0.25),
        );
        check(
            duplicate_rows(&t, 0.24),
            "duplicate_fraction",
            (Verdict::Fail, 0.25),
        );
        let within = duplicate_rows(&t, 0.25);
        assert_eq!(
            within.summary,
            "Line 4 repeats line 2; 1 of 4 rows (25.0%) are repeats, within the 25.0% allowed."
        );
        // Three copies are two repeats.
        let t = table("x\n1\n1\n1\n2\n");
        check(
            duplicate_rows(&t, 0.5),
            "duplicate_rows",
            (Verdict::Pass, 2.0),
        );
    }

    #[test]
    fn missing_values_count_every_column_and_pick_the_worst() {
        // `x` misses 1 of 4, `z` 2 of 4: the worst is `z`, 50%.
        let t = table("x,z,y\n1,,a\n,2,b\n3,,c\n4,5,d\n");
        let schema = infer_schema(&t);
        check(
            missing_values(&t, &schema, 0.5),
            "worst_column_missing_fraction",
            (Verdict::Pass, 0.5),
        );
        check(
            missing_values(&t, &schema, 0.5),
            "missing_cells",
            (Verdict::Pass, 3.0),
        );
        let failed = missing_values(&t, &schema, 0.49);
        assert!(
            failed.summary.starts_with("Column `z` misses 2 of 4"),
            "{}",
            failed.summary
        );
        assert_eq!(
            missing_values(&t, &schema, f64::NAN).verdict,
            Verdict::Fail,
            "a NaN limit allows nothing"
        );
    }

    #[test]
    fn constant_columns_compare_numbers_by_value() {
        // `a` is 0 and -0 (one value), `b` is 1 and 2, `c` is text with one value.
        let t = table("a,b,c,y\n0,1,k,p\n-0,2,k,q\n");
        let outcome = constant_columns(&t, &infer_schema(&t), "y");
        assert_eq!(
            outcome.summary,
            "2 feature columns hold a single value: `a`, `c`."
        );
        check(outcome, "constant_columns", (Verdict::Fail, 2.0));
    }

    #[test]
    fn missing_values_name_the_first_of_equal_columns_and_count_bad_numbers() {
        // `x` and `z` each miss 1 of 3: the first of them is named.
        let t = table("x,z,y\n1,,a\n,2,b\n3,4,c\n");
        let failed = missing_values(&t, &infer_schema(&t), 0.0);
        assert!(
            failed.summary.starts_with("Column `x` misses 1 of 3"),
            "{}",
            failed.summary
        );
        // One bad number, then two, in the summary's words.
        let cases = [
            (
                "x,y\n1,a\ninf,b\n3,c\n",
                "1 numeric cell is not a finite number, the first `inf` in column `x` on line 3.",
            ),
            (
                "x,y\ninf,a\n-inf,b\n3,c\n",
                "2 numeric cells are not a finite number, the first `inf` in column `x` on line 2.",
            ),
        ];
        for (csv, summary) in cases {
            let t = table(csv);
            let outcome = missing_values(&t, &infer_schema(&t), 1.0);
            assert_eq!(outcome.summary, summary);
            assert_eq!(outcome.verdict, Verdict::Fail);
        }
        // Passing, with no gap and with gaps within the limit.
        let complete = table("x,y\n1,a\n2,b\n");
        let outcome = missing_values(&complete, &infer_schema(&complete), 0.0);
        assert_eq!(
            outcome.summary,
            "No cell is missing and every number is finite."
        );
        assert_eq!(outcome.verdict, Verdict::Pass);
        let outcome = missing_values(&t, &infer_schema(&t), 0.5);
        assert_eq!(
            outcome.summary,
            "The most incomplete column, `x`, misses 33.3% of its values, within the 50.0% \
             allowed."
        );
        assert_eq!(outcome.verdict, Verdict::Pass);
    }

    #[test]
    fn a_column_gone_or_new_alone_fails_the_schema() {
        let recorded = infer_schema(&table("a,b\n1,2\n3,4\n"));
        // (table, its summary, missing columns, extra columns)
        let cases = [
            (
                "a\n1\n3\n",
                "The recorded column `b` is gone (1 missing in all).",
                1.0,
                0.0,
            ),
            (
                "a,b,c\n1,2,3\n3,4,5\n",
                "The data has columns that were not recorded: `c`.",
                0.0,
                1.0,
            ),
        ];
        for (csv, summary, missing, extra) in cases {
            let outcome = schema_matches(&table(csv), &recorded, &[]);
            assert_eq!(outcome.summary, summary);
            check(outcome.clone(), "missing_columns", (Verdict::Fail, missing));
            check(outcome, "extra_columns", (Verdict::Fail, extra));
        }
    }

    #[test]
    fn every_validation_row_seen_in_training_is_an_overlap_of_one() {
        // One feature, 0 or 1: both values are in training, so each of the 10 validation rows
        // (a quarter of 40) matches a training row.
        let mut text = String::from("a,y\n");
        for i in 0..40 {
            text.push_str(&format!("{},{}\n", i % 2, i % 3));
        }
        let t = table(&text);
        let p = crate::data::prepare(
            &t,
            &crate::data::Preprocessing::new("y", Task::Regression),
            1,
        )
        .unwrap();
        let outcome = train_validation_overlap(&t, &p);
        assert!(
            outcome
                .summary
                .starts_with("10 of 10 validation rows (100.0%) have the same features"),
            "{}",
            outcome.summary
        );
        check(outcome.clone(), "overlapping_rows", (Verdict::Fail, 10.0));
        check(outcome, "overlap_fraction", (Verdict::Fail, 1.0));
    }

    #[test]
    fn a_column_read_as_categories_compares_its_text() {
        // `v` holds 1 and 1.0: one number, but two categories once set to categorical.
        let t = table("v,x,y\n1,1,a\n1.0,2,b\n");
        let as_text = [ColumnSchema {
            name: "v".into(),
            kind: ColumnKind::Categorical,
        }];
        let outcome = constant_columns(&t, &as_text, "y");
        assert_eq!(
            outcome.summary,
            "All 2 feature columns hold more than one value."
        );
        check(outcome, "constant_columns", (Verdict::Pass, 0.0));
        let outcome = constant_columns(&t, &infer_schema(&t), "y");
        check(outcome, "constant_columns", (Verdict::Fail, 1.0));
    }

    #[test]
    fn the_rarest_of_equal_classes_is_the_first_in_text_order() {
        // `a` and `b` once each, `c` five times: `a` is named.
        let t = table("x,y\n1,c\n2,b\n3,c\n4,a\n5,c\n6,c\n7,c\n");
        let outcome = class_balance(&t, "y", Task::MulticlassClassification, 0.0);
        assert!(
            outcome
                .summary
                .starts_with("The rarest class, `a`, is 14.3%"),
            "{}",
            outcome.summary
        );
        check(
            outcome,
            "smallest_class_fraction",
            (Verdict::Pass, 1.0 / 7.0),
        );
    }
}
