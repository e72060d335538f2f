//! Engine tests. Every test here runs twice in the suite: natively, and compiled to wasm in
//! headless Chromium (`cargo xtask test`), which is what shows the two agree.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use assay_engine::checks::{CheckSpec, Verdict};
use assay_engine::checks::{MetricThreshold, ReproducibleTraining};
use assay_engine::data::{Dataset, Table, Task};
use assay_engine::metrics::MetricName;
use assay_engine::model::{Activation, ModelSpec, Network};
use assay_engine::numerics::Numerics;
use assay_engine::replay::{self, Progress, Stepper};
use assay_engine::rng::SeededRng;
use assay_engine::spec::Spec;
use assay_engine::train::{Ending, TrainConfig, train};
use assay_engine::{EngineError, fingerprint};
use common::{DIABETES, both, sample, sample_spec};
use ndarray::array;

const LINEAR: ModelSpec = ModelSpec::LinearRegression;
const LOGISTIC: ModelSpec = ModelSpec::LogisticRegression;

/// The model and settings behind each golden fingerprint: numerics 1, or numerics 2 under a name
/// that starts `numerics2/`.
fn golden_case(name: &str) -> (ModelSpec, TrainConfig) {
    let (name, numerics) = match name.strip_prefix("numerics2/") {
        Some(name) => (name, Numerics::FourLanes),
        None => (name, Numerics::RowOrder),
    };
    let (model, config) = golden_model(name);
    (model, TrainConfig { numerics, ..config })
}

fn golden_model(name: &str) -> (ModelSpec, TrainConfig) {
    let adam = TrainConfig {
        optimizer: assay_engine::optim::Optimizer::adam(),
        learning_rate: 0.01,
        ..TrainConfig::default()
    };
    let momentum = TrainConfig {
        optimizer: assay_engine::optim::Optimizer::Sgd { momentum: 0.9 },
        learning_rate: 0.01,
        ..TrainConfig::default()
    };
    match name {
        "logistic_regression/breast_cancer" => (LOGISTIC, TrainConfig::default()),
        "linear_regression/diabetes" => (LINEAR, TrainConfig::default()),
        // The app's diabetes sample trains this way, so its default checks pass.
        "linear_regression_300_momentum/diabetes" => (
            LINEAR,
            TrainConfig {
                epochs: 300,
                ..momentum.clone()
            },
        ),
        "softmax_regression/breast_cancer" => (ModelSpec::SoftmaxRegression, momentum),
        "mlp_relu_8/breast_cancer" => (
            ModelSpec::Mlp {
                hidden_layers: vec![8],
                activation: Activation::Relu,
            },
            TrainConfig::default(),
        ),
        "mlp_tanh_8_4_adam/diabetes" => (
            ModelSpec::Mlp {
                hidden_layers: vec![8, 4],
                activation: Activation::Tanh,
            },
            adam,
        ),
        other => panic!("unknown golden entry {other}"),
    }
}

fn trained(model: &ModelSpec, config: &TrainConfig) -> assay_engine::train::TrainedModel {
    let data = sample(model);
    let network = Network::new(
        model,
        data.features.ncols(),
        data.classes.len(),
        config.numerics,
    )
    .unwrap();
    train(&network, data.features.view(), data.target.view(), config).unwrap()
}

both! {
    fn same_seed_gives_same_stream_and_other_seed_another() {
        let draw = |seed| {
            let mut rng = SeededRng::new(seed);
            (0..16).map(|_| rng.uniform().to_bits()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    fn uniform_draws_stay_in_unit_interval_and_shuffle_permutes() {
        let mut rng = SeededRng::new(1);
        assert!((0..10_000).map(|_| rng.uniform()).all(|u| (0.0..1.0).contains(&u)));
        let mut items: Vec<usize> = (0..100).collect();
        rng.shuffle(&mut items);
        assert_ne!(items, (0..100).collect::<Vec<_>>());
        items.sort_unstable();
        assert_eq!(items, (0..100).collect::<Vec<_>>());
    }

    fn normal_draws_have_unit_moments() {
        let mut rng = SeededRng::new(3);
        let n = 20_000;
        let draws: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard error of the mean is 1/sqrt(n) ≈ 0.007; of the variance ≈ 0.01.
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }

    fn csv_handles_quotes_newlines_crlf_bom_and_blank_lines() {
        let text = "\u{feff}name,\"note, with comma\",value\r\n\"a \"\"quoted\"\" name\",\"two\nlines\",1.5\r\nb,plain,2\r\n\r\n\n";
        let table = Table::parse_csv(text).unwrap();
        assert_eq!(table.headers, ["name", "note, with comma", "value"]);
        assert_eq!(
            common::cells(&table),
            [vec!["a \"quoted\" name", "two\nlines", "1.5"], vec!["b", "plain", "2"]]
        );
    }

    fn ragged_row_is_reported_with_its_line() {
        let error = Table::parse_csv("a,b\n1,2\n3\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "CSV line 3: this row has 1 fields; the header has 2"
        );
    }

    fn a_cell_that_is_not_a_number_names_line_and_column() {
        let table = Table::parse_csv("x,y\n1,2\noops,3\n").unwrap();
        let error = Dataset::from_table(&table, "y", Task::Regression).unwrap_err();
        assert_eq!(error.to_string(), "CSV line 3, column `x`: `oops` is not a number");
        let missing = Table::parse_csv("x,y\n1,2\n,3\n").unwrap();
        let error = Dataset::from_table(&missing, "y", Task::Regression).unwrap_err();
        assert!(error.to_string().contains("line 3, column `x`: the cell is empty"), "{error}");
    }

    fn unknown_target_and_wrong_class_count_are_errors() {
        let table = Table::parse_csv("x,y\n1,a\n2,b\n3,c\n").unwrap();
        assert!(matches!(
            Dataset::from_table(&table, "z", Task::Regression),
            Err(EngineError::Data(m)) if m.contains("no column `z`")
        ));
        assert!(matches!(
            Dataset::from_table(&table, "y", Task::BinaryClassification),
            Err(EngineError::Data(m)) if m.contains("exactly two") && m.contains("found 3")
        ));
    }

    fn binary_labels_map_in_sorted_order_and_features_are_standardised() {
        let data = sample(&LOGISTIC);
        assert_eq!(data.classes, ["benign", "malignant"]);
        // 212 malignant of 569, per the dataset's documentation.
        assert_eq!(data.target.sum(), 212.0);
        for column in data.features.columns() {
            let mean = column.sum() / column.len() as f64;
            assert!(mean.abs() < 1e-12, "mean {mean}");
        }
    }

    fn logistic_loss_is_finite_for_extreme_scores() {
        let x = array![[1.0]];
        let network = Network::new(&LOGISTIC, 1, 2, Numerics::LATEST).unwrap();
        for (w, y) in [(800.0, 0.0), (-800.0, 1.0)] {
            let (loss, gradient) = network.loss_and_gradient(&[w, 0.0], x.view(), array![y].view(), 0.0);
            // softplus(800) = 800 exactly in f64: the loss is the score itself.
            assert_eq!(loss, 800.0);
            assert!(gradient.iter().all(|g| g.is_finite()));
        }
    }

    fn training_lowers_the_loss_on_both_samples() {
        for kind in [LINEAR, LOGISTIC] {
            let model = trained(&kind, &TrainConfig::default());
            assert_eq!(model.ending, Ending::Completed);
            assert_eq!(model.loss_curve.len(), 31);
            let (first, last) = (model.loss_curve[0], model.loss_curve[30]);
            assert!(last < 0.2 * first, "{kind:?}: {first} -> {last}");
        }
    }

    fn a_learning_rate_that_explodes_is_reported_not_a_panic() {
        let config = TrainConfig { learning_rate: 1e6, ..TrainConfig::default() };
        let model = trained(&LINEAR, &config);
        assert!(matches!(model.ending, Ending::Diverged { epoch } if epoch < 30), "{:?}", model.ending);
    }

    fn bad_settings_name_their_field() {
        let data = sample(&LINEAR);
        let network = Network::new(&LINEAR, data.features.ncols(), 0, Numerics::LATEST).unwrap();
        let config = TrainConfig { batch_size: 0, ..TrainConfig::default() };
        let error = train(&network, data.features.view(), data.target.view(), &config).unwrap_err();
        assert_eq!(error.to_string(), "setting `training.batch_size`: must be at least 1");
    }

    fn reproducible_training_passes_on_the_samples() {
        for (kind, main) in [(LINEAR, "r2"), (LOGISTIC, "accuracy")] {
            let spec = sample_spec(kind, vec![CheckSpec::ReproducibleTraining(ReproducibleTraining { extra_seeds: 2 })]);
            let run = replay::run(&spec, spec.dataset.csv.as_deref().unwrap()).unwrap();
            let outcome = &run.checks[0];
            assert_eq!(outcome.verdict, Verdict::Pass, "{}", outcome.summary);
            assert!(outcome.metric("largest_parameter_gap_to_other_seed").unwrap() > 0.0);
            assert_eq!(outcome.fingerprint.as_ref(), Some(&run.parameter_fingerprint));
            // The extra seeds' scores: a mean no better than a perfect 1, a spread of at least 0.
            let mean = outcome.metric(&format!("{main}_mean_over_seeds")).unwrap();
            let spread = outcome.metric(&format!("{main}_std_over_seeds")).unwrap();
            assert!(mean > 0.0 && mean <= 1.0, "{main} mean {mean}");
            assert!(spread.is_finite() && spread >= 0.0, "{main} spread {spread}");
        }
        // Without extra seeds there is no spread to report.
        let spec = sample_spec(LINEAR, vec![CheckSpec::ReproducibleTraining(ReproducibleTraining { extra_seeds: 0 })]);
        let outcome = replay::run(&spec, spec.dataset.csv.as_deref().unwrap()).unwrap().checks.remove(0);
        let names: Vec<&str> = outcome.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["final_loss", "largest_parameter_gap_to_other_seed"]);
    }

    fn spec_round_trips_byte_for_byte() {
        let mut spec = sample_spec(LOGISTIC, common::default_checks(&LOGISTIC));
        let run = replay::run(&spec, spec.dataset.csv.as_deref().unwrap()).unwrap();
        spec.recorded = Some(run.to_recorded());
        let text = spec.to_json();
        let back = Spec::from_json(&text).unwrap();
        assert_eq!(back, spec);
        assert_eq!(back.to_json(), text);
    }

    fn replay_of_a_recorded_spec_has_no_differences_and_tampering_shows() {
        let mut spec = sample_spec(LINEAR, vec![CheckSpec::ReproducibleTraining(ReproducibleTraining { extra_seeds: 0 })]);
        let csv = spec.dataset.csv.clone().unwrap();
        let run = replay::run(&spec, &csv).unwrap();
        assert!(run.all_pass());
        spec.recorded = Some(run.to_recorded());
        let replayed = replay::run(&spec, &csv).unwrap();
        assert_eq!(replay::compare(spec.recorded.as_ref().unwrap(), &replayed), vec![]);

        let mut tampered = spec.recorded.clone().unwrap();
        tampered.parameter_fingerprint = "0".repeat(64);
        let differences = replay::compare(&tampered, &replayed);
        assert_eq!(differences.len(), 1);
        assert_eq!(differences[0].item, "parameter fingerprint");
    }

    fn specs_from_newer_versions_or_with_unknown_fields_are_refused_clearly() {
        let spec = sample_spec(LINEAR, vec![]).to_json();
        let newer = spec.replacen("\"format_version\": 1", "\"format_version\": 9", 1);
        let error = Spec::from_json(&newer).unwrap_err().to_string();
        assert!(error.contains("format version 9") && error.contains("reads format versions up to 1"), "{error}");

        let unknown = spec.replacen("\"name\": \"sample\"", "\"name\": \"sample\", \"colour\": 1", 1);
        let error = Spec::from_json(&unknown).unwrap_err().to_string();
        assert!(error.contains("unknown field `colour`"), "{error}");

        let error = Spec::from_json("{\"hello\": 1}").unwrap_err().to_string();
        assert!(error.contains("no `format_version`"), "{error}");
        let error = Spec::from_json("not json").unwrap_err().to_string();
        assert!(error.starts_with("spec: not valid JSON"), "{error}");
    }

    fn changed_data_is_caught_by_its_hash() {
        let spec = sample_spec(LINEAR, vec![]);
        let changed = DIABETES.replacen("59,2,32.1", "59,2,32.2", 1);
        let error = replay::run(&spec, &changed).unwrap_err().to_string();
        assert!(error.contains("the data changed"), "{error}");
    }

    fn a_specs_run_records_the_validation_loss_beside_the_training_loss() {
        let spec = sample_spec(LOGISTIC, vec![]);
        let csv = spec.dataset.csv.as_deref().unwrap();
        let run = replay::run(&spec, csv).unwrap();
        let curve = &run.model.validation_loss_curve;
        assert_eq!(curve.len(), run.model.loss_curve.len());
        // Its last point is the trained model's loss on the validation rows, to the bit.
        let (_, prepared) = replay::load(&spec, csv).unwrap();
        let network =
            Network::new(&spec.model, prepared.train.features.ncols(), prepared.classes.len(), spec.training.numerics)
                .unwrap();
        let last = network.loss(
            &run.model.params,
            prepared.validation.features.view(),
            prepared.validation.target.view(),
            spec.training.l2,
        );
        assert_eq!(curve.last().map(|v| v.to_bits()), Some(last.to_bits()));
        assert!(curve[0] > last, "{curve:?}");
        // A model trained without validation rows (inside a check) records none.
        assert!(trained(&LOGISTIC, &TrainConfig::default()).validation_loss_curve.is_empty());
    }

    /// The golden fingerprints: the committed values are what native and wasm must both produce.
    fn golden_fingerprints_match_the_committed_values() {
        let golden = include_str!("golden/fingerprints.txt");
        let mut checked = 0;
        for line in golden.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let (name, expected) = line.split_once(' ').unwrap();
            let actual = match name.split_once("spec/") {
                // A whole spec as the app authors it: seeded split, encoding, then training
                // (`numerics2/spec/x` is `numerics2/x`'s).
                Some((numerics, model)) => {
                    let (kind, config) = golden_case(&format!("{numerics}{model}"));
                    let mut spec = sample_spec(kind, vec![]);
                    spec.training = config;
                    replay::run(&spec, spec.dataset.csv.as_deref().unwrap()).unwrap().parameter_fingerprint
                }
                None => {
                    let (kind, config) = golden_case(name);
                    fingerprint::of_values(&trained(&kind, &config).params)
                }
            };
            assert_eq!(actual, expected.trim(), "{name}");
            checked += 1;
        }
        assert_eq!(checked, 16);
    }
}

both! {
    fn a_spec_asking_for_too_much_work_is_refused_before_training() {
        let mut spec = sample_spec(
            ModelSpec::Mlp { hidden_layers: vec![512, 512], activation: Activation::Relu },
            vec![],
        );
        spec.training.epochs = 10_000;
        let error = replay::run(&spec, spec.dataset.csv.as_deref().unwrap()).unwrap_err().to_string();
        assert!(error.starts_with("setting `training`") && error.contains("units of work"), "{error}");
    }

    fn a_network_trains_only_in_the_numerics_it_was_built_for() {
        let data = sample(&LOGISTIC);
        let network = Network::new(&LOGISTIC, data.features.ncols(), 2, Numerics::RowOrder).unwrap();
        let config = TrainConfig { numerics: Numerics::FourLanes, ..TrainConfig::default() };
        let error = train(&network, data.features.view(), data.target.view(), &config).unwrap_err().to_string();
        assert!(error.starts_with("setting `training.numerics`"), "{error}");
        // Built for it, it trains, and the two versions end on different bits.
        let first = TrainConfig { numerics: Numerics::RowOrder, ..config.clone() };
        let v1 = train(&network, data.features.view(), data.target.view(), &first).unwrap();
        let network = Network::new(&LOGISTIC, data.features.ncols(), 2, Numerics::FourLanes).unwrap();
        let v2 = train(&network, data.features.view(), data.target.view(), &config).unwrap();
        assert_ne!(fingerprint::of_values(&v1.params), fingerprint::of_values(&v2.params));
    }

    fn validation_catches_impossible_model_and_check_settings_without_data() {
        let mut spec = sample_spec(LOGISTIC, vec![CheckSpec::ReproducibleTraining(ReproducibleTraining { extra_seeds: 100 })]);
        let error = spec.validate().unwrap_err().to_string();
        assert!(error.contains("checks.reproducible_training.extra_seeds"), "{error}");
        spec.checks.clear();
        spec.model = ModelSpec::Mlp { hidden_layers: vec![], activation: Activation::Tanh };
        assert!(spec.validate().unwrap_err().to_string().contains("model.hidden_layers"));
    }

    fn every_nan_has_one_fingerprint() {
        let negative_nan = f64::from_bits(f64::NAN.to_bits() | (1 << 63));
        assert!(negative_nan.is_nan());
        assert_eq!(fingerprint::of_values(&[negative_nan]), fingerprint::of_values(&[f64::NAN]));
        assert_ne!(fingerprint::of_values(&[0.0]), fingerprint::of_values(&[-0.0]));
    }

    fn two_checks_of_one_kind_are_compared_with_their_own_recording() {
        use assay_engine::metrics::MetricName;
        let threshold = |t| CheckSpec::MetricThreshold(MetricThreshold { metric: MetricName::Accuracy, threshold: t });
        let mut spec = sample_spec(LOGISTIC, vec![threshold(0.5), threshold(0.99)]);
        let csv = spec.dataset.csv.clone().unwrap();
        let run = replay::run(&spec, &csv).unwrap();
        assert_eq!(run.checks[0].verdict, Verdict::Pass);
        assert_eq!(run.checks[1].verdict, Verdict::Fail);
        spec.recorded = Some(run.to_recorded());
        assert_eq!(replay::compare(spec.recorded.as_ref().unwrap(), &replay::run(&spec, &csv).unwrap()), vec![]);
    }
}

both! {
    fn re_exporting_an_unchanged_spec_gives_the_same_bytes_and_a_change_a_new_revision() {
        let csv = common::BREAST_CANCER;
        let author = |epochs| {
            let mut spec = sample_spec(LOGISTIC, vec![CheckSpec::ReproducibleTraining(ReproducibleTraining { extra_seeds: 0 })]);
            spec.training.epochs = epochs;
            spec.recorded = Some(replay::run(&spec, csv).unwrap().to_recorded());
            spec
        };
        let first = author(30).revise(None, "2026-11-22T10:00:00Z");
        assert_eq!((first.revision, first.created.as_deref()), (1, Some("2026-11-22T10:00:00Z")));

        let again = author(30).revise(Some(&first), "2026-11-22T11:00:00Z");
        assert_eq!(again.to_json(), first.to_json());

        let second = author(40).revise(Some(&first), "2026-11-22T12:00:00Z");
        assert_eq!(second.revision, 2);
        assert_eq!(second.created, first.created);
        assert_eq!(second.modified.as_deref(), Some("2026-11-22T12:00:00Z"));
        assert_eq!(second.history.len(), 1);
        assert_eq!(second.history[0].revision, 1);
        assert_eq!(second.history[0].metrics, first.recorded.as_ref().unwrap().metrics);
        assert_eq!(Spec::from_json(&second.to_json()).unwrap(), second);
    }
}

both! {
    fn stepping_through_a_run_reports_progress_and_ends_exactly_where_run_does() {
        let spec = sample_spec(LOGISTIC, common::default_checks(&LOGISTIC));
        let csv = spec.dataset.csv.clone().unwrap();
        let mut stepper = Stepper::new(&spec, &csv).unwrap();
        let total = spec.training.epochs + spec.checks.len() as u32;
        assert_eq!(stepper.progress(), Progress { done: 0, total });
        assert_eq!(stepper.loss_curve().len(), 1, "the loss before training");
        let mut seen = vec![stepper.progress().done];
        while stepper.step() {
            seen.push(stepper.progress().done);
        }
        seen.push(stepper.progress().done);
        assert_eq!(seen.first(), Some(&0));
        assert_eq!(seen.last(), Some(&total));
        assert!(seen.windows(2).all(|w| w[1] >= w[0]), "progress never goes back: {seen:?}");
        assert!(stepper.is_trained());
        assert_eq!(stepper.loss_curve().len(), spec.training.epochs as usize + 1);
        assert_eq!(stepper.finish(), replay::run(&spec, &csv).unwrap());
    }

    fn one_check_re_runs_against_the_trained_model_with_new_thresholds() {
        let spec = sample_spec(LOGISTIC, vec![]);
        let csv = spec.dataset.csv.clone().unwrap();
        let mut stepper = Stepper::new(&spec, &csv).unwrap();
        let bar = |threshold| CheckSpec::MetricThreshold(MetricThreshold { metric: MetricName::Accuracy, threshold });
        assert_eq!(stepper.run_check(&bar(0.5)).verdict, Verdict::Pass);
        assert_eq!(stepper.run_check(&bar(0.999)).verdict, Verdict::Fail);
        let run = stepper.finish();
        assert!(run.checks.is_empty(), "a re-run check is not part of the spec's run");
        assert_eq!(run, replay::run(&spec, &csv).unwrap());
    }

    fn regression_runs_carry_actual_and_predicted_values_for_each_validation_row() {
        let spec = sample_spec(LINEAR, vec![]);
        let csv = spec.dataset.csv.clone().unwrap();
        let stepper = Stepper::new(&spec, &csv).unwrap();
        let validation_rows = stepper.prepared().validation_rows.len();
        let run = stepper.finish();
        assert_eq!(run.validation_predictions.len(), validation_rows);
        assert!(run.validation_predictions.iter().all(|(a, p)| a.is_finite() && p.is_finite()));
        let classifier = sample_spec(LOGISTIC, vec![]);
        assert!(replay::run(&classifier, classifier.dataset.csv.as_deref().unwrap()).unwrap().validation_predictions.is_empty());
    }
}
