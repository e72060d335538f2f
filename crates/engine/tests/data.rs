//! Data-layer tests: CSV reading, schema and task inference, preprocessing fitted on the training
//! split only, the seeded split, the column profile and the data checks. Like `engine.rs`, every
//! test runs natively and as wasm in headless Chromium, which is what shows the two agree; the
//! property tests at the end run natively only.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use assay_engine::EngineError;
use assay_engine::checks::{
    CheckFamily, CheckOutcome, CheckSpec, ClassBalance, NoConstantColumns, NoDuplicateRows,
    NoMissingValues, NoTrainValidationOverlap, SchemaMatches, Verdict,
};
use assay_engine::data::{
    CategoricalFill, ColumnKind, ColumnSchema, CsvOptions, Dataset, FeatureEncoding, FittedEncoder,
    Imputation, MissingValues, NumericFill, Prepared, Preprocessing, Table, Task, advice,
    count_missing_values, detect_delimiter, effective_schema, infer_schema, infer_task, is_missing,
    prepare, profile, split_rows, suggested_kinds,
};
use assay_engine::rng::{SeededRng, Stream};
use common::{BREAST_CANCER, DIABETES, both, cells};

const IRIS: &str = include_str!("../../../public/samples/iris.csv");

/// Dates, gaps of every kind and an unseen category: lines 3, 4, 6 and 9 miss a feature, line 7
/// the target.
const MESSY: &str = "day,x,colour,y\n2024-01-01,1,red,1.0\n2024-01-02,,blue,2.0\n\
                     2024-01-03,3,,3.0\n2024-01-04,5,red,4.0\n2024-01-05,NA,blue,5.0\n\
                     2024-01-06,7,red,\n2024-01-07,9,blue,7.0\n2024-01-08,,green,8.0\n";

fn table(text: &str) -> Table {
    Table::parse_csv(text).unwrap()
}

fn csv_error(text: &str) -> String {
    Table::parse_csv(text).unwrap_err().to_string()
}

fn kinds(schema: &[ColumnSchema]) -> Vec<ColumnKind> {
    schema.iter().map(|c| c.kind).collect()
}

fn prepared(text: &str, target: &str, seed: u64) -> Prepared {
    let table = table(text);
    prepare(&table, &Preprocessing::infer(&table, target).unwrap(), seed).unwrap()
}

fn column_mean(data: &Dataset, j: usize) -> f64 {
    let mut sum = 0.0;
    for v in data.features.column(j) {
        sum += v;
    }
    sum / data.len() as f64
}

fn count_class(data: &Dataset, class: f64) -> usize {
    data.target.iter().filter(|&&t| t == class).count()
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

both! {
    // --- CSV -------------------------------------------------------------------------------

    fn semicolon_and_tab_files_are_detected_and_decimal_commas_stay_in_their_cell() {
        let semicolon = table("x;y;label\n1,5;2,25;a\n3,0;4,5;b\n");
        assert_eq!(semicolon.headers, ["x", "y", "label"]);
        assert_eq!(cells(&semicolon)[0], ["1,5", "2,25", "a"]);
        let tab = table("x\ty\tnote\n1\t2\tone, two\n");
        assert_eq!(tab.headers, ["x", "y", "note"]);
        assert_eq!(cells(&tab)[0], ["1", "2", "one, two"]);
        // Commas inside quotes do not count towards detection.
        assert_eq!(detect_delimiter(b"\"a,b,c\";d\n\"1,2\";3\n"), b';');
        // A delimiter in the header that the rows disagree with loses to a consistent one.
        assert_eq!(detect_delimiter(b"a,b;c\n1;2\n3;4\n"), b';');
        // One column: nothing to detect, comma by default.
        assert_eq!(detect_delimiter(b"only\n1\n2\n"), b',');
    }

    fn a_chosen_delimiter_overrides_detection_and_a_strange_one_is_refused() {
        let text = b"a;b,c\n1;2,3\n";
        let comma = Table::parse_csv_with(text, &CsvOptions { delimiter: Some(b',') }).unwrap();
        assert_eq!(comma.headers, ["a;b", "c"]);
        let semicolon = Table::parse_csv_with(text, &CsvOptions { delimiter: Some(b';') }).unwrap();
        assert_eq!(semicolon.headers, ["a", "b,c"]);
        let error = Table::parse_csv_with(text, &CsvOptions { delimiter: Some(b'|') }).unwrap_err();
        assert!(matches!(&error, EngineError::Setting { field, .. } if field == "csv.delimiter"), "{error}");
    }

    fn quoted_fields_crlf_bom_and_trailing_blank_lines_with_semicolons() {
        let text = "\u{feff}id;\"note; with semicolon\";value\r\n1;\"say \"\"hi\"\";\r\nthen go\";1,5\r\n2;plain;2\r\n\r\n\r\n";
        let t = table(text);
        assert_eq!(t.headers, ["id", "note; with semicolon", "value"]);
        assert_eq!(cells(&t), [["1", "say \"hi\";\r\nthen go", "1,5"], ["2", "plain", "2"]]);
        // The second row starts on line 4: the first spans lines 2 and 3.
        assert_eq!(t.lines, [2, 4]);
    }

    fn errors_name_the_file_line_even_after_blank_and_quoted_lines() {
        // Line 1 header, 2 blank, 3-4 one quoted row, 5 blank, 6 ragged.
        assert_eq!(
            csv_error("a,b\n\n\"x\ny\",1\n\n3\n"),
            "CSV line 6: this row has 1 fields; the header has 2"
        );
        assert_eq!(csv_error("a,b,a\n1,2,3\n"), "CSV line 1, column `a`: this column name appears twice in the header");
        assert_eq!(csv_error("a,,c\n1,2,3\n"), "CSV line 1: column 2 has no name in the header");
        assert_eq!(csv_error("\n\n"), "CSV line 1: the file is empty: there is no header row");
        assert_eq!(csv_error("\n , \nx,y\n"), "CSV line 2: the header row is empty");
        assert_eq!(csv_error("a,b\n"), "dataset: the file has a header but no data rows");
        let latin1 = Table::parse_csv_with(b"name,city\nx,Z\xfcrich\n", &CsvOptions::default());
        assert_eq!(
            latin1.unwrap_err().to_string(),
            "CSV line 2, column `city`: the cell is not valid UTF-8 text"
        );
        let header = Table::parse_csv_with(b"name,\xe9\nx,1\n", &CsvOptions::default());
        assert_eq!(header.unwrap_err().to_string(), "CSV line 1: header field 2 is not valid UTF-8 text");
    }

    fn an_unterminated_quote_is_refused_with_the_line_it_opened_on() {
        // Without the check, the rest of the file became one cell of a single row.
        assert_eq!(
            csv_error("x,note\n1,ok\n2,\"xy\n3,more\n4,rows\n"),
            "CSV line 3: this quote is never closed, so the rest of the file would be one cell; close it or remove it"
        );
        assert_eq!(
            csv_error("x,\"y\n1,2\n"),
            "CSV line 1: this quote is never closed, so the rest of the file would be one cell; close it or remove it"
        );
        // Closed quotes, escaped quotes and quotes inside an unquoted cell are fine.
        let t = table("x,note\n1,\"a \"\"b\"\"\nc\"\n2,say \"hi\n3,\"\"\n");
        assert_eq!(cells(&t), [["1", "a \"b\"\nc"], ["2", "say \"hi"], ["3", ""]]);
    }

    fn size_row_and_column_limits_are_clear_errors() {
        let wide = (0..501).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
        assert_eq!(
            csv_error(&format!("{wide}\n")),
            "dataset: the file has 501 columns; the limit is 500"
        );
        let long = format!("x\n{}", "1\n".repeat(200_001));
        assert_eq!(csv_error(&long), "dataset: the file has more than 200000 data rows");
        let big = "x\n".to_owned() + &"1".repeat(20 * 1024 * 1024);
        assert_eq!(
            csv_error(&big),
            format!("dataset: the file has {} bytes; the limit is 20971520", big.len())
        );
    }

    fn cells_that_are_not_numbers_name_line_and_column_in_prepare() {
        // `y` is text on line 4 only, so it infers as categorical; forcing it numeric fails there.
        let t = table("x,y,target\n1,2,a\n2,3,b\n3,oops,a\n4,5,b\n");
        let mut settings = Preprocessing::infer(&t, "target").unwrap();
        settings.column_kinds = vec![ColumnSchema { name: "y".into(), kind: ColumnKind::Numeric }];
        let error = prepare(&t, &settings, 1).unwrap_err();
        assert_eq!(error.to_string(), "CSV line 4, column `y`: `oops` is not a number");
        let regression = table("x,y\n1,2\n2,3\n3,4.5\n4,many\n5,6\n");
        let settings = Preprocessing::new("y", Task::Regression);
        let error = prepare(&regression, &settings, 1).unwrap_err();
        assert_eq!(error.to_string(), "CSV line 5, column `y`: `many` is not a number");
        let infinite = table("x,y\n1,2\ninf,3\n4,5\n");
        let error = prepare(&infinite, &Preprocessing::new("y", Task::Regression), 1).unwrap_err();
        assert_eq!(error.to_string(), "CSV line 3, column `x`: `inf` is not a finite number");
    }

    fn missing_values_are_dropped_with_their_lines_or_refused() {
        // Lines 3 and 5 have a missing feature or target; `n/a` and `NULL` count as missing.
        let text = "x,colour,y\n1,red,1.0\n2,n/a,2.0\n3,blue,3.0\n4,red,NULL\n5,blue,5.0\n6,red,6.0\n";
        let t = table(text);
        let settings = Preprocessing::new("y", Task::Regression);
        let p = prepare(&t, &settings, 3).unwrap();
        assert_eq!(p.dropped_rows, [3, 5]);
        assert_eq!(p.train.len() + p.validation.len(), 4);
        let strict = Preprocessing { missing: MissingValues::Error, ..settings };
        assert_eq!(
            prepare(&t, &strict, 3).unwrap_err().to_string(),
            "CSV line 3, column `colour`: `n/a` marks a missing value"
        );
        for token in ["", "NA", "N/A", "nan", "NaN", "null", "Null"] {
            assert!(is_missing(token), "{token:?}");
        }
        for token in ["0", "none", "-", "NAN!"] {
            assert!(!is_missing(token), "{token:?}");
        }
    }

    // --- filling missing values, dates, the time split, ignored columns -----------------------

    fn missing_cells_are_filled_from_the_training_rows_and_the_latest_rows_validate() {
        let t = table(MESSY);
        // Inference alone keeps reading unique text as an identifier, as recorded specs expect;
        // a new spec starts with the dates suggested.
        assert_eq!(kinds(&infer_schema(&t))[0], ColumnKind::Identifier);
        assert_eq!(suggested_kinds(&t), [ColumnSchema { name: "day".into(), kind: ColumnKind::Date }]);
        let settings = Preprocessing {
            column_kinds: suggested_kinds(&t),
            time_column: Some("day".into()),
            missing: MissingValues::Impute(Imputation {
                numeric: NumericFill::Median,
                categorical: CategoricalFill::OwnCategory,
            }),
            ..Preprocessing::new("y", Task::Regression)
        };
        let p = prepare(&t, &settings, 3).unwrap();
        // Only the row without a target (line 7) is left out; the last two days validate.
        assert_eq!(p.dropped_rows, [7]);
        assert_eq!((p.train_rows.clone(), p.validation_rows.clone()), (vec![0, 1, 2, 3, 4], vec![6, 7]));
        assert_eq!(
            p.feature_names,
            ["day:days", "day:month", "day:weekday", "x", "colour=blue", "colour=red", "colour=(missing)"]
        );
        // x's training values are 1, 3 and 5: median 3, so the filled training column is
        // 1 3 3 5 3 with mean 3, and a missing x standardises to exactly 0.
        assert!(matches!(p.encoder.features[1], FeatureEncoding::Numeric { fill: Some(3.0), .. }));
        assert_eq!(p.validation.features[[1, 3]], 0.0);
        // Row 2's missing colour is its own category; row 7's `green` was never seen in training.
        assert_eq!(p.train.features.row(2).to_vec()[4..], [0.0, 0.0, 1.0]);
        assert_eq!(p.validation.features.row(0).to_vec()[4..], [1.0, 0.0, 0.0]);
        assert_eq!(p.validation.features.row(1).to_vec()[4..], [0.0; 3]);

        let most_frequent = Preprocessing {
            missing: MissingValues::Impute(Imputation::default()),
            ..settings.clone()
        };
        let p = prepare(&t, &most_frequent, 3).unwrap();
        assert!(matches!(p.encoder.features[1], FeatureEncoding::Numeric { fill: Some(3.0), .. }));
        assert!(matches!(&p.encoder.features[2], FeatureEncoding::OneHot { fill: Some(f), missing_category: false, .. } if f == "blue"));
        assert_eq!(p.train.features.row(2).to_vec()[4..], [1.0, 0.0]);

        let dropping = Preprocessing { missing: MissingValues::DropRows, ..settings.clone() };
        assert_eq!(prepare(&t, &dropping, 3).unwrap().dropped_rows, [3, 4, 6, 7, 9]);
        let count = count_missing_values(&t, &settings).unwrap();
        assert_eq!((count.rows_without_target, count.rows_with_missing_features), (1, 4));
        assert_eq!(count.cells_by_column, [("x".to_owned(), 3), ("colour".to_owned(), 1)]);
        assert_eq!(count.rows_left_out(MissingValues::DropRows), 5);
        assert_eq!(count.rows_left_out(settings.missing), 1);
        assert_eq!(count.rows_left_out(MissingValues::Error), 0);
    }

    fn dates_and_time_columns_are_checked_and_ignored_columns_left_out() {
        let t = table(MESSY);
        let base = Preprocessing {
            column_kinds: suggested_kinds(&t),
            ..Preprocessing::new("y", Task::Regression)
        };
        let with_time = |name: &str| Preprocessing { time_column: Some(name.into()), ..base.clone() };
        for (name, expect) in [
            ("when", "there is no column `when`"),
            ("colour", "`colour` must be a date or numeric column other than the target"),
            ("y", "`y` must be a date or numeric column other than the target"),
        ] {
            let error = prepare(&t, &with_time(name), 1).unwrap_err().to_string();
            assert!(error.contains("preprocessing.time_column") && error.contains(expect), "{error}");
        }
        let ignored = Preprocessing {
            column_kinds: vec![ColumnSchema { name: "day".into(), kind: ColumnKind::Ignored }],
            ..base.clone()
        };
        assert_eq!(prepare(&t, &ignored, 1).unwrap().feature_names, ["x", "colour=blue", "colour=red"]);
        let bad_date = table("day,x,y
2024-01-01,1,1
2024-02-30,2,2
2024-01-03,3,3
");
        assert_eq!(kinds(&infer_schema(&bad_date))[0], ColumnKind::Identifier);
        let as_date = Preprocessing {
            column_kinds: vec![ColumnSchema { name: "day".into(), kind: ColumnKind::Date }],
            ..base
        };
        assert_eq!(
            prepare(&bad_date, &as_date, 1).unwrap_err().to_string(),
            "CSV line 3, column `day`: `2024-02-30` is not a date such as 2024-03-31"
        );
    }

    fn advice_names_a_tiny_validation_set_a_lonely_class_and_a_column_of_many_labels() {
        let messy = table(MESSY);
        let settings = Preprocessing { column_kinds: suggested_kinds(&messy), ..Preprocessing::new("y", Task::Regression) };
        let p = prepare(&messy, &settings, 1).unwrap();
        let said = advice(&messy, &p);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].starts_with("Only 1 rows validate"), "{said:?}");
        assert!(advice(&table(IRIS), &prepared(IRIS, "species", 1)).is_empty());
        // 40 rows of 35 labels, most of them once; class `b` has a single row in all.
        let mut text = String::from("city,x,y\n");
        for i in 0..40 {
            text.push_str(&format!("c{},{i},{}\n", i % 35, if i == 7 { "b" } else { "a" }));
        }
        let p = prepared(&text, "y", 1);
        let said = advice(&table(&text), &p);
        assert!(said.iter().any(|s| s.starts_with("Column city has 35 different values, which become 35 features.")), "{said:?}");
        assert!(said.iter().any(|s| s.starts_with("Class b has ")), "{said:?}");
    }

    fn a_column_with_nothing_to_fill_from_is_named() {
        let t = table("a,b,y
1,,1
2,,2
3,,3
4,,4
");
        let settings = Preprocessing {
            missing: MissingValues::Impute(Imputation::default()),
            ..Preprocessing::new("y", Task::Regression)
        };
        let error = prepare(&t, &settings, 1).unwrap_err().to_string();
        assert!(error.contains("column `b` has no value in the training rows"), "{error}");
        let own = Preprocessing {
            missing: MissingValues::Impute(Imputation { categorical: CategoricalFill::OwnCategory, ..Imputation::default() }),
            ..settings
        };
        assert_eq!(prepare(&t, &own, 1).unwrap().feature_names, ["a", "b=(missing)"]);
    }

    // --- schema and task -------------------------------------------------------------------

    fn a_table_is_equal_to_its_copy_whether_or_not_its_kinds_were_inferred() {
        // The table keeps its inferred kinds; that must not make two equal tables differ.
        let asked = table("a,b\nyes,1\nno,2\n");
        let copy = asked.clone();
        assert_eq!(kinds(&infer_schema(&asked)), [ColumnKind::Boolean, ColumnKind::Numeric]);
        assert_eq!(asked, copy);
        assert_eq!(asked, table("a,b\nyes,1\nno,2\n"));
        assert_ne!(asked, table("a,b\nyes,1\nno,3\n"));
        assert_eq!(infer_schema(&asked), infer_schema(&copy));
    }

    fn samples_infer_their_schema_and_task() {
        let bc = table(BREAST_CANCER);
        let schema = infer_schema(&bc);
        assert_eq!(schema.len(), 31);
        assert!(schema[..30].iter().all(|c| c.kind == ColumnKind::Numeric));
        assert_eq!(schema[30], ColumnSchema { name: "diagnosis".into(), kind: ColumnKind::Categorical });
        assert_eq!(infer_task(&bc, "diagnosis").unwrap(), Task::BinaryClassification);

        let iris = table(IRIS);
        use ColumnKind::{Categorical, Numeric};
        assert_eq!(kinds(&infer_schema(&iris)), [Numeric, Numeric, Numeric, Numeric, Categorical]);
        assert_eq!(infer_task(&iris, "species").unwrap(), Task::MulticlassClassification);

        // `sex` holds 1 and 2: two numbers but not a yes/no pair, so it stays numeric.
        let diabetes = table(DIABETES);
        assert!(infer_schema(&diabetes).iter().all(|c| c.kind == Numeric));
        assert_eq!(infer_task(&diabetes, "progression").unwrap(), Task::Regression);
    }

    fn identifiers_booleans_and_overrides() {
        let t = table(
            "id,customer_id,name,smoker,flag,grade,score\n\
             1,17,ann,yes,0,3,1.5\n2,4,bob,No,1,1,2.5\n3,9,cy,YES,1,2,2.5\n4,12,dee,no,NA,3,4\n",
        );
        use ColumnKind::*;
        // id and customer_id: whole numbers, one per row, named like ids. name: text, one per row.
        // grade: numbers that repeat. score: numbers.
        assert_eq!(
            kinds(&infer_schema(&t)),
            [Identifier, Identifier, Identifier, Boolean, Boolean, Numeric, Numeric]
        );
        let overrides = [ColumnSchema { name: "grade".into(), kind: Categorical }];
        assert_eq!(effective_schema(&t, &overrides).unwrap()[5].kind, Categorical);
        let typo = [ColumnSchema { name: "grdae".into(), kind: Categorical }];
        let error = effective_schema(&t, &typo).unwrap_err();
        assert!(matches!(&error, EngineError::Setting { field, message }
            if field == "preprocessing.column_kinds" && message.contains("no column `grdae`")), "{error}");
        // A column of unique numbers not named like an id is just numbers.
        assert_eq!(kinds(&infer_schema(&table("x\n1\n2\n3\n"))), [Numeric]);
    }

    fn task_inference_on_crafted_targets() {
        let whole = table("x,y\n1,1\n2,2\n3,3\n4,1\n5,2\n");
        assert_eq!(infer_task(&whole, "y").unwrap(), Task::MulticlassClassification);
        let fractions = table("x,y\n1,1.5\n2,2\n3,3\n");
        assert_eq!(infer_task(&fractions, "y").unwrap(), Task::Regression);
        let many: String = (0..12).map(|i| format!("{i},{i}\n")).collect();
        assert_eq!(infer_task(&table(&format!("x,y\n{many}")), "y").unwrap(), Task::Regression);
        let yes_no = table("x,y\n1,yes\n2,no\n3,NA\n");
        assert_eq!(infer_task(&yes_no, "y").unwrap(), Task::BinaryClassification);
        let one = infer_task(&table("x,y\n1,a\n2,a\n"), "y").unwrap_err().to_string();
        assert_eq!(one, "dataset: the target `y` has 1 distinct value; a model needs at least two to learn from");
        let labels: String = (0..51).map(|i| format!("{i},L{i}\n")).collect();
        let error = infer_task(&table(&format!("x,y\n{labels}")), "y").unwrap_err().to_string();
        assert!(error.contains("51 distinct labels") && error.contains("at most 50"), "{error}");
        assert!(infer_task(&whole, "z").unwrap_err().to_string().contains("no column `z`"));
    }

    fn preprocessing_is_strict_snake_case_json_with_defaults() {
        let settings = Preprocessing {
            column_kinds: vec![ColumnSchema { name: "grade".into(), kind: ColumnKind::Categorical }],
            ..Preprocessing::new("species", Task::MulticlassClassification)
        };
        let json = serde_json::to_string(&settings).unwrap();
        assert_eq!(
            json,
            r#"{"target":"species","task":"multiclass_classification","column_kinds":[{"name":"grade","kind":"categorical"}],"validation_fraction":0.25,"stratify":true,"missing":"drop_rows"}"#
        );
        assert_eq!(serde_json::from_str::<Preprocessing>(&json).unwrap(), settings);
        let minimal: Preprocessing =
            serde_json::from_str(r#"{"target":"y","task":"regression"}"#).unwrap();
        assert_eq!(minimal.validation_fraction, 0.25);
        assert_eq!(minimal.missing, MissingValues::DropRows);
        assert!(serde_json::from_str::<Preprocessing>(r#"{"target":"y","task":"regression","seed":1}"#).is_err());
        assert!(!Preprocessing::new("y", Task::Regression).stratify);
        // A fill and a time split are written only when chosen, so older specs keep their bytes.
        let filled: Preprocessing = serde_json::from_str(
            r#"{"target":"y","task":"regression","missing":{"impute":{"categorical":"own_category"}},"time_column":"day"}"#,
        )
        .unwrap();
        let imputation = Imputation { numeric: NumericFill::Mean, categorical: CategoricalFill::OwnCategory };
        assert_eq!(filled.missing, MissingValues::Impute(imputation));
        assert_eq!(filled.time_column.as_deref(), Some("day"));
        assert!(serde_json::to_string(&filled).unwrap().ends_with(
            r#""missing":{"impute":{"numeric":"mean","categorical":"own_category"}},"time_column":"day"}"#
        ));
        assert!(serde_json::from_str::<Preprocessing>(r#"{"target":"y","task":"regression","missing":{"impute":{"numeric":"mode"}}}"#).is_err());
        let bad = Preprocessing { validation_fraction: 1.0, ..minimal };
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "setting `preprocessing.validation_fraction`: must be between 0 and 1 (exclusive); it is 1"
        );
    }

    // --- split, encoding, standardisation ---------------------------------------------------

    fn split_streams_are_independent_of_training_and_stream_zero_is_new() {
        let draw = |mut rng: SeededRng| (0..8).map(|_| rng.uniform().to_bits()).collect::<Vec<_>>();
        assert_eq!(draw(SeededRng::stream(42, Stream::Training)), draw(SeededRng::new(42)));
        assert_ne!(draw(SeededRng::stream(42, Stream::Split)), draw(SeededRng::new(42)));
    }

    fn the_split_is_deterministic_per_seed_and_differs_across_seeds() {
        let a = prepared(DIABETES, "progression", 7);
        let b = prepared(DIABETES, "progression", 7);
        let c = prepared(DIABETES, "progression", 8);
        assert_eq!(a.validation_rows, b.validation_rows);
        assert_eq!(a.train.features, b.train.features);
        assert_ne!(a.validation_rows, c.validation_rows);
        // 442 rows × 0.25 = 110.5, rounded half away from zero to 111.
        assert_eq!((a.train.len(), a.validation.len()), (331, 111));
        let mut all: Vec<usize> = a.train_rows.iter().chain(&a.validation_rows).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..442).collect::<Vec<_>>());
        // Golden rows: the first held-out rows for seed 42, which native and wasm must both give.
        let golden = prepared(IRIS, "species", 42);
        assert_eq!(golden.validation_rows[..6], [0, 4, 11, 12, 13, 18]);
    }

    fn stratification_keeps_class_proportions() {
        // 357 benign and 212 malignant: round(357/4) = 89 and 212/4 = 53 are held out.
        let p = prepared(BREAST_CANCER, "diagnosis", 42);
        assert_eq!(p.classes, ["benign", "malignant"]);
        assert_eq!((count_class(&p.validation, 0.0), count_class(&p.validation, 1.0)), (89, 53));
        assert_eq!((count_class(&p.train, 0.0), count_class(&p.train, 1.0)), (268, 159));
        // Iris: 50 per class, round(12.5) = 13 held out of each.
        let iris = prepared(IRIS, "species", 5);
        for class in 0..3 {
            assert_eq!(count_class(&iris.validation, class as f64), 13);
            assert_eq!(count_class(&iris.train, class as f64), 37);
        }
        // A class of one row stays in training; a class of two gives one to validation.
        let split = split_rows(&[10, 11, 12, 13, 14], Some(&[0, 1, 1, 0, 2]), 0.5, 3).unwrap();
        assert!(split.train.contains(&14));
        assert_eq!(split.validation.len(), 2);
    }

    fn standardisation_is_fitted_on_training_rows_only() {
        let p = prepared(DIABETES, "progression", 42);
        let t = table(DIABETES);
        for j in 0..p.feature_names.len() {
            // Closed form: the mean and population standard deviation of the raw training values.
            let raw: Vec<f64> = p.train_rows.iter().map(|&r| t.number(r, j).unwrap()).collect();
            let mut sum = 0.0;
            for v in &raw {
                sum += v;
            }
            let mean = sum / raw.len() as f64;
            let mut squares = 0.0;
            for v in &raw {
                squares += (v - mean) * (v - mean);
            }
            let sd = libm::sqrt(squares / raw.len() as f64);
            assert_eq!(p.encoder.standardizer.mean[j], mean);
            assert_eq!(p.encoder.standardizer.scale[j], sd);
            assert!(column_mean(&p.train, j).abs() < 1e-12);
            // Validation rows use the training mean and scale, so their mean is not forced to 0.
            let first = p.validation_rows[0];
            assert_eq!(p.validation.features[[0, j]], (t.number(first, j).unwrap() - mean) / sd);
        }
        let largest = (0..p.feature_names.len())
            .map(|j| column_mean(&p.validation, j).abs())
            .fold(0.0, f64::max);
        assert!(largest > 0.01, "validation means all near 0: {largest}");
    }

    fn one_hot_uses_sorted_training_categories_and_zeros_for_unseen_ones() {
        let t = table("size,colour,y\n1,red,0\n2,blue,1\n3,green,0\n4,red,1\n5,violet,0\n6,10,1\n7,2,0\n");
        let encoder = FittedEncoder::fit(
            &t,
            &[(0, ColumnKind::Numeric), (1, ColumnKind::Categorical)],
            &[0, 1, 2, 3, 5, 6],
        )
        .unwrap();
        // Numbers first by value (2 before 10), then text; `violet` (row 4) was not in training.
        assert_eq!(
            encoder.feature_names(),
            ["size", "colour=2", "colour=10", "colour=blue", "colour=green", "colour=red"]
        );
        assert_eq!(encoder.standardizer.mean[1..], [0.0; 5]);
        let x = encoder.transform(&t, &[0, 4]).unwrap();
        assert_eq!(x.row(0).to_vec()[1..], [0.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(x.row(1).to_vec()[1..], [0.0; 5]);
        // Training rows have sizes 1, 2, 3, 4, 6, 7: mean 23/6, and row 4 (size 5) is above it.
        assert_eq!(encoder.standardizer.mean[0], 23.0 / 6.0);
        assert!(x[[1, 0]] > 0.0);
        assert!(matches!(&encoder.features[1], FeatureEncoding::OneHot { categories, .. } if categories.len() == 5));
    }

    fn prepare_one_hot_encodes_booleans_and_leaves_identifiers_out() {
        // Through prepare: find a seed that holds out the only `violet` row, then it is all zeros.
        let text = "id,colour,smoker,y\n1,red,yes,0\n2,blue,no,1\n3,red,no,0\n4,blue,yes,1\n\
                    5,red,yes,0\n6,blue,no,1\n7,violet,no,0\n8,red,yes,1\n";
        let t = table(text);
        let settings = Preprocessing::new("y", Task::BinaryClassification);
        let (p, _) = (0..100)
            .map(|seed| (prepare(&t, &settings, seed).unwrap(), seed))
            .find(|(p, _)| p.validation_rows.contains(&6))
            .unwrap();
        assert_eq!(p.feature_names, ["colour=blue", "colour=red", "smoker=no", "smoker=yes"]);
        let i = p.validation_rows.iter().position(|&r| r == 6).unwrap();
        assert_eq!(p.validation.features.row(i).to_vec(), [0.0, 0.0, 1.0, 0.0]);
    }

    fn from_table_still_uses_every_column_and_all_rows() {
        let t = table("a,b,label\n1,10,x\n2,20,y\n3,30,z\n");
        let d = Dataset::from_table(&t, "label", Task::MulticlassClassification).unwrap();
        assert_eq!(d.classes, ["x", "y", "z"]);
        assert_eq!(d.target.to_vec(), [0.0, 1.0, 2.0]);
        // Population sd of 1, 2, 3 is sqrt(2/3): the first value standardises to -sqrt(3/2).
        assert_eq!(d.features[[0, 0]], -1.0 / libm::sqrt(2.0 / 3.0));
        let error = Dataset::from_table(&table("a,label\n1,x\n2,\n"), "label", Task::BinaryClassification);
        assert_eq!(error.unwrap_err().to_string(), "CSV line 3, column `label`: the target label is missing");
    }

    // --- profile ---------------------------------------------------------------------------

    fn profile_matches_numpy_on_iris() {
        let iris = table(IRIS);
        let profiles = profile(&iris, &infer_schema(&iris));
        let sepal = &profiles[0];
        // numpy: x.std() = 0.8253012917851409; np.histogram(x, bins=10) gives these counts and
        // edges. The mean is the plain left-to-right sum / 150 (Python `s += v` loop), which is
        // one ulp above numpy's pairwise 5.843333333333334.
        assert_eq!((sepal.count, sepal.missing, sepal.distinct), (150, 0, 35));
        assert_eq!((sepal.min, sepal.max), (Some(4.3), Some(7.9)));
        assert_eq!(sepal.mean, Some(5.843333333333335));
        assert_eq!(sepal.std, Some(0.8253012917851409));
        assert_eq!(sepal.histogram, [9, 23, 14, 27, 16, 26, 18, 6, 5, 6]);
        assert_eq!(sepal.bin_edges.len(), 11);
        assert_eq!((sepal.bin_edges[5], sepal.bin_edges[10]), (6.1, 7.9));
        let species = &profiles[4];
        assert_eq!(species.top_categories.iter().map(|c| (c.value.as_str(), c.count)).collect::<Vec<_>>(),
            [("setosa", 50), ("versicolor", 50), ("virginica", 50)]);
        assert!(species.histogram.is_empty() && species.mean.is_none());
        let json = serde_json::to_string(species).unwrap();
        assert!(json.starts_with(r#"{"name":"species","kind":"categorical","count":150"#), "{json}");
    }

    fn profile_counts_missing_and_handles_constant_columns() {
        let t = table("x,c\n5,a\nNA,b\n5,a\n,a\n");
        let p = profile(&t, &infer_schema(&t));
        assert_eq!((p[0].count, p[0].missing, p[0].distinct), (2, 2, 1));
        assert_eq!((p[0].histogram.clone(), p[0].bin_edges.clone()), (vec![2], vec![5.0, 5.0]));
        assert_eq!(p[0].std, Some(0.0));
        assert_eq!(p[1].top_categories[0].value, "a");
        assert_eq!(p[1].top_categories[0].count, 3);
    }

    // --- data checks -----------------------------------------------------------------------

    fn missing_values_check() {
        let bc = table(BREAST_CANCER);
        let clean = NoMissingValues::default().on(&bc, &infer_schema(&bc));
        assert_eq!(clean.verdict, Verdict::Pass, "{}", clean.summary);
        let t = table("x,y\n1,a\nNA,b\n3,c\n4,d\n");
        let schema = infer_schema(&t);
        let failed = NoMissingValues { max_fraction: 0.0 }.on(&t, &schema);
        assert_eq!(failed.verdict, Verdict::Fail);
        assert_eq!(failed.summary, "Column `x` misses 1 of 4 values (25.0%), more than the 0.0% allowed.");
        assert_eq!(failed.metric("worst_column_missing_fraction"), Some(0.25));
        assert_eq!(NoMissingValues { max_fraction: 0.25 }.on(&t, &schema).verdict, Verdict::Pass);
        let infinite = table("x,y\n1,a\n-inf,b\n");
        let failed = NoMissingValues { max_fraction: 1.0 }.on(&infinite, &infer_schema(&infinite));
        assert_eq!(failed.verdict, Verdict::Fail);
        assert_eq!(failed.metric("non_finite_cells"), Some(1.0));
        assert!(failed.summary.contains("`-inf` in column `x` on line 3"), "{}", failed.summary);
    }

    fn schema_check() {
        let iris = table(IRIS);
        let recorded = infer_schema(&iris);
        let same = SchemaMatches { expected: recorded.clone() }.on(&iris, &[]);
        assert_eq!(same.verdict, Verdict::Pass, "{}", same.summary);
        let renamed = table(&IRIS.replacen("species", "label", 1));
        let failed = SchemaMatches { expected: recorded.clone() }.on(&renamed, &[]);
        assert_eq!(failed.verdict, Verdict::Fail);
        assert_eq!(failed.summary, "The recorded column `species` is gone (1 missing in all).");
        // One stray word turns a numeric column into text.
        let retyped = table(&IRIS.replacen("5.1,3.5", "five,3.5", 1));
        let failed = SchemaMatches { expected: recorded.clone() }.on(&retyped, &[]);
        assert_eq!(failed.summary, "Column `sepal_length_cm` was recorded as Numeric but now reads as Categorical.");
        let reordered = table("b,a\n1,2\n3,4\n");
        let recorded_ab = infer_schema(&table("a,b\n1,2\n3,4\n"));
        let failed = SchemaMatches { expected: recorded_ab.clone() }.on(&reordered, &[]);
        assert_eq!(failed.metric("order_changed"), Some(1.0));
        // The user's overrides are applied before comparing.
        let overrides = [ColumnSchema { name: "a".into(), kind: ColumnKind::Categorical }];
        let mut recorded_override = recorded_ab.clone();
        recorded_override[0].kind = ColumnKind::Categorical;
        let t = table("a,b\n1,2\n3,4\n");
        assert_eq!(SchemaMatches { expected: recorded_override.clone() }.on(&t, &overrides).verdict, Verdict::Pass);
        assert_eq!(SchemaMatches { expected: recorded_override.clone() }.on(&t, &[]).verdict, Verdict::Fail);
    }

    fn duplicate_rows_check() {
        let bc = table(BREAST_CANCER);
        let clean = NoDuplicateRows::default().on(&bc);
        assert_eq!(clean.verdict, Verdict::Pass, "{}", clean.summary);
        // Iris has one known repeat: sklearn rows 101 and 142 (file lines 103 and 144).
        let iris = NoDuplicateRows::default().on(&table(IRIS));
        assert_eq!(iris.verdict, Verdict::Fail);
        assert_eq!(
            iris.summary,
            "Line 144 repeats line 103; 1 of 150 rows (0.7%) are repeats, more than the 0.0% allowed."
        );
        assert_eq!(NoDuplicateRows { max_fraction: 0.01 }.on(&table(IRIS)).verdict, Verdict::Pass);
    }

    fn train_validation_overlap_check() {
        let bc = table(BREAST_CANCER);
        let p = prepared(BREAST_CANCER, "diagnosis", 42);
        let clean = NoTrainValidationOverlap::default().on(&bc, &p);
        assert_eq!(clean.verdict, Verdict::Pass, "{}", clean.summary);
        // Every row twice: each pair is split apart with high probability, so rows leak.
        let mut text = String::from("a,b,y\n");
        for i in 0..20 {
            let row = format!("{i},{},{}\n", i * i, i % 2);
            text.push_str(&row);
            text.push_str(&row);
        }
        let t = table(&text);
        let p = prepare(&t, &Preprocessing::new("y", Task::BinaryClassification), 1).unwrap();
        let failed = NoTrainValidationOverlap::default().on(&t, &p);
        assert_eq!(failed.verdict, Verdict::Fail);
        assert!(failed.metric("overlapping_rows").unwrap() >= 1.0);
        assert!(failed.summary.contains("have the same features as a training row"), "{}", failed.summary);
    }

    fn constant_columns_check() {
        let bc = table(BREAST_CANCER);
        let clean = NoConstantColumns {}.on(&bc, &infer_schema(&bc), "diagnosis");
        assert_eq!(clean.verdict, Verdict::Pass, "{}", clean.summary);
        assert_eq!(clean.summary, "All 30 feature columns hold more than one value.");
        // `version` is 1 written two ways plus a gap; `y` is the target and `id` an identifier.
        let t = table("id,x,version,y\nk1,1,1,a\nk2,2,1.0,a\nk3,3,,a\n");
        let failed = NoConstantColumns {}.on(&t, &infer_schema(&t), "y");
        assert_eq!(failed.verdict, Verdict::Fail);
        assert_eq!(failed.summary, "Feature column `version` holds a single value.");
    }

    fn class_balance_check() {
        let iris = table(IRIS);
        let clean = ClassBalance::default().on(&iris, "species", Task::MulticlassClassification);
        assert_eq!(clean.verdict, Verdict::Pass, "{}", clean.summary);
        assert_eq!(clean.metric("smallest_class_fraction"), Some(50.0 / 150.0));
        // 1 `rare` of 30 rows is 3.3%, under the default 5%.
        let mut text = String::from("x,y\n0,rare\n");
        for i in 1..30 {
            text.push_str(&format!("{i},common\n"));
        }
        let failed = ClassBalance::default().on(&table(&text), "y", Task::BinaryClassification);
        assert_eq!(failed.verdict, Verdict::Fail);
        assert_eq!(failed.summary, "The rarest class, `rare`, is 3.3% of the rows (1 of 30), below the 5.0% asked for.");
        let regression = ClassBalance { min_fraction: 0.05 }.on(&table(DIABETES), "progression", Task::Regression);
        assert_eq!(regression.verdict, Verdict::Pass);
    }

    fn guides_name_their_sources() {
        let checks = CheckSpec::offered(Task::BinaryClassification, &[]);
        let data: Vec<_> = checks.iter().filter(|c| c.family() == CheckFamily::Data).collect();
        assert_eq!(data.len(), 8);
        for guide in data.iter().map(|c| c.guide()) {
            assert!(!guide.title.is_empty() && !guide.why.is_empty() && !guide.when_it_fails.is_empty());
            assert!(!guide.does.is_empty() && !guide.fix.is_empty() && guide.fix != guide.when_it_fails);
            assert!(guide.source.starts_with("Google") || guide.source.starts_with("Equal Experts"));
        }
    }

    // --- data checks worked by hand, on the edges of their bars --------------------------------

    fn class_balance_holds_exactly_on_the_bar() {
        let binary = Task::BinaryClassification;
        // 1 of 20 is 5%: on a 5% bar it passes, on 5.0001% it fails.
        check(
            ClassBalance { min_fraction: 0.05 }.on(&labels(20, 1), "y", binary),
            "smallest_class_fraction",
            (Verdict::Pass, 0.05),
        );
        check(
            ClassBalance { min_fraction: 0.050001 }.on(&labels(20, 1), "y", binary),
            "smallest_class_fraction",
            (Verdict::Fail, 0.05),
        );
        check(
            ClassBalance { min_fraction: 0.05 }.on(&labels(20, 1), "y", binary),
            "largest_class_fraction",
            (Verdict::Pass, 0.95),
        );
        check(
            ClassBalance { min_fraction: 0.05 }.on(&labels(20, 1), "y", binary),
            "classes",
            (Verdict::Pass, 2.0),
        );
        // The rarest is `common` here (5 of 20 against 15 `rare`).
        let flipped = ClassBalance { min_fraction: 0.25 }.on(&labels(20, 15), "y", binary);
        assert!(
            flipped.summary.contains("`common`, is 25.0%"),
            "{}",
            flipped.summary
        );
        check(flipped, "smallest_class_fraction", (Verdict::Pass, 0.25));
        let missing = ClassBalance { min_fraction: 0.0 }.on(&labels(4, 1), "label", binary);
        assert_eq!(missing.verdict, Verdict::Fail);
        assert!(
            missing.summary.contains("no target column `label`"),
            "{}",
            missing.summary
        );
        let unlabelled = ClassBalance { min_fraction: 0.0 }.on(&table("x,y\n1,\n2,\n"), "y", binary);
        assert_eq!(unlabelled.verdict, Verdict::Fail, "{}", unlabelled.summary);
    }

    fn duplicates_hold_exactly_on_the_bar() {
        // Line 4 repeats line 2: 1 of 4 rows, 25%.
        let t = table("x,y\n1,a\n2,b\n1,a\n3,c\n");
        check(
            NoDuplicateRows { max_fraction: 0.25 }.on(&t),
            "duplicate_fraction",
            (Verdict::Pass, 0.25),
        );
        check(
            NoDuplicateRows { max_fraction: 0.24 }.on(&t),
            "duplicate_fraction",
            (Verdict::Fail, 0.25),
        );
        let within = NoDuplicateRows { max_fraction: 0.25 }.on(&t);
        assert_eq!(
            within.summary,
            "Line 4 repeats line 2; 1 of 4 rows (25.0%) are repeats, within the 25.0% allowed."
        );
        // Three copies are two repeats.
        let t = table("x\n1\n1\n1\n2\n");
        check(
            NoDuplicateRows { max_fraction: 0.5 }.on(&t),
            "duplicate_rows",
            (Verdict::Pass, 2.0),
        );
    }

    fn missing_values_count_every_column_and_pick_the_worst() {
        // `x` misses 1 of 4, `z` 2 of 4: the worst is `z`, 50%.
        let t = table("x,z,y\n1,,a\n,2,b\n3,,c\n4,5,d\n");
        let schema = infer_schema(&t);
        check(
            NoMissingValues { max_fraction: 0.5 }.on(&t, &schema),
            "worst_column_missing_fraction",
            (Verdict::Pass, 0.5),
        );
        check(
            NoMissingValues { max_fraction: 0.5 }.on(&t, &schema),
            "missing_cells",
            (Verdict::Pass, 3.0),
        );
        let failed = NoMissingValues { max_fraction: 0.49 }.on(&t, &schema);
        assert!(
            failed.summary.starts_with("Column `z` misses 2 of 4"),
            "{}",
            failed.summary
        );
        assert_eq!(
            NoMissingValues { max_fraction: f64::NAN }.on(&t, &schema).verdict,
            Verdict::Fail,
            "a NaN limit allows nothing"
        );
    }

    fn constant_columns_compare_numbers_by_value() {
        // `a` is 0 and -0 (one value), `b` is 1 and 2, `c` is text with one value.
        let t = table("a,b,c,y\n0,1,k,p\n-0,2,k,q\n");
        let outcome = NoConstantColumns {}.on(&t, &infer_schema(&t), "y");
        assert_eq!(
            outcome.summary,
            "2 feature columns hold a single value: `a`, `c`."
        );
        check(outcome, "constant_columns", (Verdict::Fail, 2.0));
    }

    fn missing_values_name_the_first_of_equal_columns_and_count_bad_numbers() {
        // `x` and `z` each miss 1 of 3: the first of them is named.
        let t = table("x,z,y\n1,,a\n,2,b\n3,4,c\n");
        let failed = NoMissingValues { max_fraction: 0.0 }.on(&t, &infer_schema(&t));
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
            let outcome = NoMissingValues { max_fraction: 1.0 }.on(&t, &infer_schema(&t));
            assert_eq!(outcome.summary, summary);
            assert_eq!(outcome.verdict, Verdict::Fail);
        }
        // Passing, with no gap and with gaps within the limit.
        let complete = table("x,y\n1,a\n2,b\n");
        let outcome = NoMissingValues { max_fraction: 0.0 }.on(&complete, &infer_schema(&complete));
        assert_eq!(
            outcome.summary,
            "No cell is missing and every number is finite."
        );
        assert_eq!(outcome.verdict, Verdict::Pass);
        let outcome = NoMissingValues { max_fraction: 0.5 }.on(&t, &infer_schema(&t));
        assert_eq!(
            outcome.summary,
            "The most incomplete column, `x`, misses 33.3% of its values, within the 50.0% \
             allowed."
        );
        assert_eq!(outcome.verdict, Verdict::Pass);
    }

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
            let outcome = SchemaMatches { expected: recorded.clone() }.on(&table(csv), &[]);
            assert_eq!(outcome.summary, summary);
            check(outcome.clone(), "missing_columns", (Verdict::Fail, missing));
            check(outcome, "extra_columns", (Verdict::Fail, extra));
        }
    }

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
        let outcome = NoTrainValidationOverlap::default().on(&t, &p);
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

    fn a_column_read_as_categories_compares_its_text() {
        // `v` holds 1 and 1.0: one number, but two categories once set to categorical.
        let t = table("v,x,y\n1,1,a\n1.0,2,b\n");
        let as_text = [ColumnSchema {
            name: "v".into(),
            kind: ColumnKind::Categorical,
        }];
        let outcome = NoConstantColumns {}.on(&t, &as_text, "y");
        assert_eq!(
            outcome.summary,
            "All 2 feature columns hold more than one value."
        );
        check(outcome, "constant_columns", (Verdict::Pass, 0.0));
        let outcome = NoConstantColumns {}.on(&t, &infer_schema(&t), "y");
        check(outcome, "constant_columns", (Verdict::Fail, 1.0));
    }

    fn the_rarest_of_equal_classes_is_the_first_in_text_order() {
        // `a` and `b` once each, `c` five times: `a` is named.
        let t = table("x,y\n1,c\n2,b\n3,c\n4,a\n5,c\n6,c\n7,c\n");
        let outcome = ClassBalance { min_fraction: 0.0 }.on(&t, "y", Task::MulticlassClassification);
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

    // --- robustness --------------------------------------------------------------------------

    /// Seeded garbage, so this also runs in the browser: CSV-ish text built from the characters
    /// that matter to the parser, and raw bytes. Nothing may panic.
    fn seeded_garbage_never_panics_the_reader_or_prepare() {
        let mut rng = SeededRng::new(2024);
        let alphabet: &[&[u8]] = &[b",", b";", b"\t", b"\"", b"\n", b"\r\n", b"1", b"2.5", b"-3", b"NA", b"a", b"b", b"inf", b" ", b"\xff", b"\xef\xbb\xbf"];
        for case in 0..300 {
            let len = rng.below(60);
            let bytes: Vec<u8> = if case % 3 == 0 {
                (0..len).map(|_| rng.below(256) as u8).collect()
            } else {
                (0..len).flat_map(|_| alphabet[rng.below(alphabet.len())].iter().copied()).collect()
            };
            exercise(&bytes, case as u64);
        }
    }
}

/// Runs everything the data layer offers on `bytes`, ignoring errors: only a panic fails.
fn exercise(bytes: &[u8], seed: u64) {
    let Ok(t) = Table::parse_csv_with(bytes, &CsvOptions::default()) else {
        return;
    };
    let schema = infer_schema(&t);
    let _ = profile(&t, &schema);
    let _ = NoMissingValues { max_fraction: 0.0 }.on(&t, &schema);
    let _ = SchemaMatches {
        expected: schema.clone(),
    }
    .on(&t, &[]);
    let _ = NoDuplicateRows { max_fraction: 0.0 }.on(&t);
    for target in &t.headers {
        let _ = NoConstantColumns {}.on(&t, &schema, target);
        for task in [
            Task::Regression,
            Task::BinaryClassification,
            Task::MulticlassClassification,
        ] {
            let _ = ClassBalance { min_fraction: 0.05 }.on(&t, target, task);
            let _ = Dataset::from_table(&t, target, task);
            for missing in [MissingValues::DropRows, MissingValues::Error] {
                let settings = Preprocessing {
                    missing,
                    ..Preprocessing::new(target, task)
                };
                if let Ok(p) = prepare(&t, &settings, seed) {
                    let _ = NoTrainValidationOverlap::default().on(&t, &p);
                }
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), seed: u64) {
            exercise(&bytes, seed);
        }

        #[test]
        fn csv_like_text_never_panics(
            cells in proptest::collection::vec(
                prop_oneof![
                    Just(",".to_owned()), Just(";".to_owned()), Just("\t".to_owned()),
                    Just("\"".to_owned()), Just("\n".to_owned()), Just("\r\n".to_owned()),
                    Just("NA".to_owned()), Just("1e308".to_owned()), Just("-1e308".to_owned()),
                    "[a-c]{1,2}", "-?[0-9]{1,3}(\\.[0-9])?",
                ],
                0..80,
            ),
            seed: u64,
        ) {
            exercise(cells.concat().as_bytes(), seed);
        }

        /// Rectangular tables, so most inputs get past the reader and into `prepare`.
        #[test]
        fn rectangular_tables_never_panic(
            width in 1usize..5,
            cells in proptest::collection::vec(
                prop_oneof![
                    Just(""), Just("NA"), Just("0"), Just("1"), Just("2.5"), Just("-7"),
                    Just("yes"), Just("no"), Just("red"), Just("blue"), Just("inf"),
                    Just("1e308"), Just("-1e308"), Just("5e-324"), Just("\"x,y\""),
                ],
                0..60,
            ),
            seed: u64,
        ) {
            let header: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
            let mut text = header.join(",");
            for row in cells.chunks(width) {
                text.push('\n');
                text.push_str(&row.join(","));
            }
            exercise(text.as_bytes(), seed);
        }

        #[test]
        fn any_delimiter_choice_never_panics(text in "[a-c0-9,;\t\"\n]{0,120}", delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t'), any::<u8>()]) {
            let _ = Table::parse_csv_with(text.as_bytes(), &CsvOptions { delimiter: Some(delimiter) });
        }
    }
}
