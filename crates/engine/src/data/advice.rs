//! Advice on prepared data, shown before anything trains: what is legal but likely a mistake.

use super::{ColumnKind, Prepared, Table, is_missing};

/// More categories than this in one column is more often an ID, a free-text field or a date
/// read as text than a useful one-hot feature.
const MANY_CATEGORIES: usize = 30;
/// Fewer validation rows than this give scores that swing from seed to seed.
const FEW_VALIDATION_ROWS: usize = 30;

/// Sentences about `prepared` (from `table`) worth reading before training: a tiny validation
/// set, a class with almost no validation rows, a category column with very many values.
pub fn advice(table: &Table, prepared: &Prepared) -> Vec<String> {
    let mut said = Vec::new();
    let validation = prepared.validation_rows.len();
    if validation < FEW_VALIDATION_ROWS {
        said.push(format!(
            "Only {validation} rows validate: scores on so few rows swing from one seed to the \
             next. Hold out a larger share, or use more data."
        ));
    }
    let classes = &prepared.classes;
    let mut per_class = vec![0usize; classes.len()];
    for &t in &prepared.validation.target {
        if let Some(n) = per_class.get_mut(t as usize) {
            *n += 1;
        }
    }
    for (class, n) in classes.iter().zip(per_class) {
        if n < 2 {
            said.push(format!(
                "Class {class} has {n} validation row{}: its errors barely move any score.",
                if n == 1 { "" } else { "s" }
            ));
        }
    }
    for (c, column) in prepared.schema.iter().enumerate() {
        if column.kind != ColumnKind::Categorical || column.name == prepared.train.target_name {
            continue;
        }
        let mut values: Vec<&str> = table.column(c).filter(|v| !is_missing(v)).collect();
        values.sort_unstable();
        values.dedup();
        if values.len() > MANY_CATEGORIES {
            said.push(format!(
                "Column {} has {} different values, which become {} features. If it is an ID or \
                 free text, mark it Ignored; if it holds dates, mark it Date; otherwise group rare \
                 values before loading.",
                column.name,
                values.len(),
                values.len()
            ));
        }
    }
    said
}
