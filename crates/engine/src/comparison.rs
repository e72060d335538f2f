//! A replay held against its recording: each recorded value beside the replayed one, typed
//! (text, a float with its bits, a count, a verdict, or missing), grouped by the model and by
//! check, and the one tolerance rule a reviewer may apply to floats.
//!
//! Bit-identity is the promise: the CLI counts every row that is not [`Match::Same`] as a
//! difference. The app's review also tells apart the rows whose floats differ only in their last
//! digits ([`Match::WithinTolerance`]), so a reader sees how far apart the two runs are.

use core::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::checks::{CheckOutcome, Verdict};
use crate::fingerprint::canonical_bits;
use crate::metrics::Metric;
use crate::spec::Recorded;

/// Largest relative difference between two finite floats that a reviewer may still call
/// reproduced.
const TOLERANCE: f64 = 1e-9;

/// `a` and `b` are finite and differ by at most [`TOLERANCE`] relative to the larger.
pub fn within_tolerance(a: f64, b: f64) -> bool {
    a.is_finite() && b.is_finite() && (a - b).abs() <= TOLERANCE * a.abs().max(b.abs())
}

/// One side of a compared row.
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    /// Compared by its bits; every NaN is one value, since its sign and payload are not portable.
    Float(f64),
    Count(usize),
    Verdict(Verdict),
    /// Recorded but not replayed, or replayed but not recorded.
    Missing,
}

/// Equal exactly when the comparison calls two values the same: floats by their bits.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => canonical_bits(*a) == canonical_bits(*b),
            (Value::Count(a), Value::Count(b)) => a == b,
            (Value::Verdict(a), Value::Verdict(b)) => a == b,
            (Value::Missing, Value::Missing) => true,
            _ => false,
        }
    }
}

/// The value in words, floats with their bits: what `assay run` prints.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(text) => f.write_str(text),
            // `{:?}` is the shortest text that reads back to the same float.
            Value::Float(v) => write!(f, "{v:?} (bits {:016x})", canonical_bits(*v)),
            Value::Count(n) => write!(f, "{n}"),
            Value::Verdict(v) => write!(f, "{v:?}"),
            Value::Missing => f.write_str("missing"),
        }
    }
}

/// `{"text": …}`, `{"float": number, "bits": "16 hex digits"}` (a non-finite float as `"NaN"`,
/// `"Infinity"` or `"-Infinity"`, as in specs), `{"count": n}`, `{"verdict": "pass"|…}`, or
/// `null` when missing.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// A float as specs write it.
        struct Float(f64);
        impl Serialize for Float {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                crate::spec::float::serialize(&self.0, serializer)
            }
        }
        let mut map = match self {
            Value::Missing => return serializer.serialize_none(),
            Value::Float(_) => serializer.serialize_map(Some(2))?,
            _ => serializer.serialize_map(Some(1))?,
        };
        match self {
            Value::Text(text) => map.serialize_entry("text", text)?,
            Value::Float(v) => {
                map.serialize_entry("float", &Float(*v))?;
                map.serialize_entry("bits", &format!("{:016x}", canonical_bits(*v)))?;
            }
            Value::Count(n) => map.serialize_entry("count", n)?,
            Value::Verdict(v) => map.serialize_entry("verdict", v)?,
            Value::Missing => {}
        }
        map.end()
    }
}

/// How one row came out, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    Same,
    /// Two floats that differ in their bits but by at most [`TOLERANCE`], relatively.
    WithinTolerance,
    Differs,
}

impl Match {
    /// The rule: the same value (floats by their bits); else two floats within [`TOLERANCE`];
    /// else differs.
    pub fn of(recorded: &Value, replayed: &Value) -> Self {
        match (recorded, replayed) {
            _ if recorded == replayed => Match::Same,
            (Value::Float(a), Value::Float(b)) if within_tolerance(*a, *b) => {
                Match::WithinTolerance
            }
            _ => Match::Differs,
        }
    }
}

/// What a row compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// The model's: the fingerprint of its parameters.
    ParameterFingerprint,
    /// The model's: one metric on the validation split.
    ValidationMetric(String),
    /// How many checks ran.
    NumberOfChecks,
    /// A check's: which check it is.
    Kind,
    Verdict,
    /// A check's: the fingerprint of the model it trained, when it trained one.
    Fingerprint,
    /// A check's: the names of its metrics, in order.
    MetricNames,
    /// A check's: one of its metrics.
    Metric(String),
}

/// The item in the words `assay run` prints.
impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::ParameterFingerprint => f.write_str("parameter fingerprint"),
            Item::ValidationMetric(name) => write!(f, "validation {name}"),
            Item::NumberOfChecks => f.write_str("number of checks"),
            Item::Kind => f.write_str("kind"),
            Item::Verdict => f.write_str("verdict"),
            Item::Fingerprint => f.write_str("fingerprint"),
            Item::MetricNames => f.write_str("metrics"),
            Item::Metric(name) => f.write_str(name),
        }
    }
}

/// One compared value.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub item: Item,
    pub recorded: Value,
    pub replayed: Value,
    pub status: Match,
}

impl Row {
    fn new(item: Item, recorded: Value, replayed: Value) -> Self {
        Self {
            status: Match::of(&recorded, &replayed),
            item,
            recorded,
            replayed,
        }
    }
}

/// The rows of the check at one position in the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckComparison {
    /// From 1.
    pub position: usize,
    /// The recorded check's kind, or the replayed one's when none was recorded here.
    pub kind: String,
    pub rows: Vec<Row>,
}

/// A replay held against its recording, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The parameter fingerprint, then each recorded validation metric.
    pub model: Vec<Row>,
    pub check_count: Row,
    /// Paired by position, since a spec may hold two checks of one kind; as many as the longer
    /// side, a check on one side only having every row missing on the other.
    pub checks: Vec<CheckComparison>,
}

/// A row that is not the same, named in full (`check 2 (overfit_tiny_batch) final_loss`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Difference {
    pub item: String,
    pub recorded: Value,
    pub replayed: Value,
    #[serde(rename = "match")]
    pub status: Match,
}

impl Comparison {
    /// Compares every recorded value with the replayed one.
    pub fn of(recorded: &Recorded, replayed: &Recorded) -> Self {
        let mut model = vec![Row::new(
            Item::ParameterFingerprint,
            Value::Text(recorded.parameter_fingerprint.clone()),
            Value::Text(replayed.parameter_fingerprint.clone()),
        )];
        model.extend(recorded.metrics.iter().map(|metric| {
            Row::new(
                Item::ValidationMetric(metric.name.clone()),
                Value::Float(metric.value),
                named(&replayed.metrics, &metric.name),
            )
        }));
        let count = recorded.checks.len().max(replayed.checks.len());
        Self {
            model,
            check_count: Row::new(
                Item::NumberOfChecks,
                Value::Count(recorded.checks.len()),
                Value::Count(replayed.checks.len()),
            ),
            checks: (0..count)
                .map(|i| check(i + 1, recorded.checks.get(i), replayed.checks.get(i)))
                .collect(),
        }
    }

    /// Every row, with the check it belongs to (none for the model's rows and the count).
    pub fn rows(&self) -> impl Iterator<Item = (Option<&CheckComparison>, &Row)> {
        self.model
            .iter()
            .chain([&self.check_count])
            .map(|row| (None, row))
            .chain(
                self.checks
                    .iter()
                    .flat_map(|check| check.rows.iter().map(move |row| (Some(check), row))),
            )
    }

    /// The worst row: [`Match::Same`] only when every value has the same bits.
    pub fn status(&self) -> Match {
        self.rows()
            .map(|(_, row)| row.status)
            .max()
            .unwrap_or(Match::Same)
    }

    /// Every row that is not the same, in order: the model's, the count, then each check's.
    pub fn differences(&self) -> Vec<Difference> {
        self.rows()
            .filter(|(_, row)| row.status != Match::Same)
            .map(|(check, row)| Difference {
                item: match check {
                    None => row.item.to_string(),
                    Some(c) => format!("check {} ({}) {}", c.position, c.kind, row.item),
                },
                recorded: row.recorded.clone(),
                replayed: row.replayed.clone(),
                status: row.status,
            })
            .collect()
    }
}

/// The first metric called `name`, or missing.
fn named(metrics: &[Metric], name: &str) -> Value {
    metrics
        .iter()
        .find(|m| m.name == name)
        .map_or(Value::Missing, |m| Value::Float(m.value))
}

fn check(
    position: usize,
    recorded: Option<&CheckOutcome>,
    replayed: Option<&CheckOutcome>,
) -> CheckComparison {
    let side = |c: Option<&CheckOutcome>, value: fn(&CheckOutcome) -> Value| {
        c.map_or(Value::Missing, value)
    };
    let row = |item, value: fn(&CheckOutcome) -> Value| {
        Row::new(item, side(recorded, value), side(replayed, value))
    };
    let mut rows = vec![
        row(Item::Kind, |c| Value::Text(c.check.clone())),
        row(Item::Verdict, |c| Value::Verdict(c.verdict)),
    ];
    if [recorded, replayed]
        .iter()
        .flatten()
        .any(|c| c.fingerprint.is_some())
    {
        rows.push(row(Item::Fingerprint, |c| {
            c.fingerprint.clone().map_or(Value::Missing, Value::Text)
        }));
    }
    rows.push(row(Item::MetricNames, |c| {
        Value::Text(
            c.metrics
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
    }));
    // Recorded metrics in their order, then any the replay added.
    let recorded_metrics = recorded.map_or(&[][..], |c| &c.metrics);
    let replayed_metrics = replayed.map_or(&[][..], |c| &c.metrics);
    for metric in recorded_metrics {
        rows.push(Row::new(
            Item::Metric(metric.name.clone()),
            Value::Float(metric.value),
            side_named(replayed, &metric.name),
        ));
    }
    for (i, metric) in replayed_metrics.iter().enumerate() {
        let seen = |m: &Metric| m.name == metric.name;
        if recorded_metrics.iter().any(seen) || replayed_metrics[..i].iter().any(seen) {
            continue;
        }
        rows.push(Row::new(
            Item::Metric(metric.name.clone()),
            Value::Missing,
            Value::Float(metric.value),
        ));
    }
    CheckComparison {
        position,
        kind: recorded
            .or(replayed)
            .map(|c| c.check.clone())
            .unwrap_or_default(),
        rows,
    }
}

fn side_named(outcome: Option<&CheckOutcome>, name: &str) -> Value {
    outcome.map_or(Value::Missing, |c| named(&c.metrics, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEGATIVE_NAN: u64 = 0xfff8_0000_0000_0001;

    fn outcome(check: &str, verdict: Verdict, metrics: &[(&str, f64)]) -> CheckOutcome {
        CheckOutcome {
            check: check.into(),
            verdict,
            summary: String::new(),
            metrics: metrics.iter().map(|&(n, v)| Metric::new(n, v)).collect(),
            fingerprint: None,
            loss_curve: Vec::new(),
        }
    }

    fn recording() -> Recorded {
        Recorded {
            parameter_fingerprint: "ab".repeat(32),
            metrics: vec![Metric::new("accuracy", 0.9), Metric::new("log_loss", 0.25)],
            checks: vec![
                outcome(
                    "reproducible_training",
                    Verdict::Pass,
                    &[("final_loss", 0.5)],
                ),
                outcome("metric_threshold", Verdict::Pass, &[("accuracy", 0.9)]),
            ],
            endpoints: Vec::new(),
        }
    }

    /// The differences after `change` is made to the replay of an unchanged recording, as
    /// (item, recorded, replayed, match).
    fn differences(change: impl FnOnce(&mut Recorded)) -> Vec<(String, String, String, Match)> {
        let mut replayed = recording();
        change(&mut replayed);
        Comparison::of(&recording(), &replayed)
            .differences()
            .into_iter()
            .map(|d| {
                let (r, p) = (d.recorded.to_string(), d.replayed.to_string());
                (d.item, r, p, d.status)
            })
            .collect()
    }

    fn one(
        item: &str,
        recorded: &str,
        replayed: &str,
        status: Match,
    ) -> Vec<(String, String, String, Match)> {
        vec![(item.into(), recorded.into(), replayed.into(), status)]
    }

    #[test]
    fn a_row_is_the_same_by_its_bits_within_tolerance_or_different() {
        let nan = Value::Float(f64::NAN);
        let cases = [
            (Value::Float(0.1), Value::Float(0.1), Match::Same),
            (
                Value::Float(1.0),
                Value::Float(1.0_f64.next_up()),
                Match::WithinTolerance,
            ),
            (
                Value::Float(0.0),
                Value::Float(-0.0),
                Match::WithinTolerance,
            ),
            (
                nan.clone(),
                Value::Float(f64::from_bits(NEGATIVE_NAN)),
                Match::Same,
            ),
            (nan.clone(), Value::Float(1.0), Match::Differs),
            (Value::Float(1.0), nan.clone(), Match::Differs),
            (
                Value::Float(f64::INFINITY),
                Value::Float(f64::INFINITY),
                Match::Same,
            ),
            (Value::Float(1.0), Value::Missing, Match::Differs),
            (Value::Missing, Value::Missing, Match::Same),
            (
                Value::Text("a".into()),
                Value::Text("a".into()),
                Match::Same,
            ),
            (
                Value::Text("a".into()),
                Value::Text("b".into()),
                Match::Differs,
            ),
            (Value::Text("1".into()), Value::Count(1), Match::Differs),
            (Value::Count(2), Value::Count(3), Match::Differs),
            (
                Value::Verdict(Verdict::Pass),
                Value::Verdict(Verdict::Pass),
                Match::Same,
            ),
            (
                Value::Verdict(Verdict::Pass),
                Value::Verdict(Verdict::Fail),
                Match::Differs,
            ),
        ];
        for (recorded, replayed, expected) in cases {
            assert_eq!(
                Match::of(&recorded, &replayed),
                expected,
                "{recorded:?} vs {replayed:?}"
            );
        }
    }

    #[test]
    fn the_tolerance_is_relative_to_the_larger_and_refuses_non_finite_values() {
        // Near 1e9 floats are 2^-23 apart, so 1e9 + 1 is the last float inside 1e-9 and the
        // next one is past it.
        let cases = [
            (1e9, 1e9 + 1.0, true),
            (1e9, (1e9 + 1.0_f64).next_up(), false),
            (1e9 + 1.0, 1e9, true),
            (1.0, 1.0 + 1e-10, true),
            (1.0, 1.0 + 1e-8, false),
            (1e-6, 1e-6 + 1e-14, false),
            (0.0, -0.0, true),
            (0.0, 1e-300, false),
            (f64::MAX, -f64::MAX, false),
            (f64::NAN, f64::NAN, false),
            (f64::INFINITY, f64::INFINITY, false),
        ];
        for (a, b, expected) in cases {
            assert_eq!(within_tolerance(a, b), expected, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn an_unchanged_replay_has_no_differences_and_is_the_same() {
        let comparison = Comparison::of(&recording(), &recording());
        assert_eq!(comparison.differences(), vec![]);
        assert_eq!(comparison.status(), Match::Same);
        assert_eq!(comparison.model.len(), 3);
        assert_eq!(comparison.checks.len(), 2);
        assert_eq!(comparison.checks[1].position, 2);
        assert_eq!(comparison.checks[1].kind, "metric_threshold");
    }

    #[test]
    fn each_change_is_one_named_typed_difference() {
        let pass_to_fail = differences(|r| r.checks[1].verdict = Verdict::Fail);
        assert_eq!(
            pass_to_fail,
            one(
                "check 2 (metric_threshold) verdict",
                "Pass",
                "Fail",
                Match::Differs
            )
        );

        let fingerprint = differences(|r| r.parameter_fingerprint = "cd".repeat(32));
        assert_eq!(
            fingerprint,
            one(
                "parameter fingerprint",
                &"ab".repeat(32),
                &"cd".repeat(32),
                Match::Differs
            )
        );

        let last_bit = differences(|r| r.metrics[0].value = 0.9_f64.next_up());
        assert_eq!(
            last_bit,
            one(
                "validation accuracy",
                "0.9 (bits 3feccccccccccccd)",
                "0.9000000000000001 (bits 3fecccccccccccce)",
                Match::WithinTolerance
            )
        );

        let past = differences(|r| r.checks[0].metrics[0].value = 0.5 * (1.0 + 1e-6));
        assert_eq!(past.len(), 1);
        assert_eq!(past[0].0, "check 1 (reproducible_training) final_loss");
        assert_eq!(past[0].3, Match::Differs);
    }

    #[test]
    fn nan_is_one_value_and_differs_from_any_number() {
        let nan_recording = |bits| {
            let mut r = recording();
            r.metrics[1].value = f64::from_bits(bits);
            r
        };
        let recorded = nan_recording(f64::NAN.to_bits());
        let other_nan = Comparison::of(&recorded, &nan_recording(NEGATIVE_NAN));
        assert_eq!(other_nan.status(), Match::Same);
        let number = Comparison::of(&recorded, &recording()).differences();
        assert_eq!(number.len(), 1);
        assert_eq!(
            number[0].recorded.to_string(),
            "NaN (bits 7ff8000000000000)"
        );
        assert_eq!(number[0].status, Match::Differs);
    }

    #[test]
    fn a_missing_metric_is_missing_and_an_added_one_too() {
        let gone = differences(|r| {
            r.metrics.pop();
        });
        assert_eq!(
            gone,
            one(
                "validation log_loss",
                "0.25 (bits 3fd0000000000000)",
                "missing",
                Match::Differs
            )
        );

        let check_metric_gone = differences(|r| r.checks[0].metrics.clear());
        let items: Vec<_> = check_metric_gone
            .iter()
            .map(|d| (d.0.as_str(), d.2.as_str()))
            .collect();
        assert_eq!(
            items,
            [
                ("check 1 (reproducible_training) metrics", ""),
                ("check 1 (reproducible_training) final_loss", "missing"),
            ]
        );

        let added = differences(|r| r.checks[0].metrics.push(Metric::new("extra", 1.0)));
        let items: Vec<_> = added
            .iter()
            .map(|d| (d.0.as_str(), d.1.as_str(), d.2.as_str()))
            .collect();
        assert_eq!(
            items,
            [
                (
                    "check 1 (reproducible_training) metrics",
                    "final_loss",
                    "final_loss, extra"
                ),
                (
                    "check 1 (reproducible_training) extra",
                    "missing",
                    "1.0 (bits 3ff0000000000000)"
                ),
            ]
        );
    }

    #[test]
    fn a_check_on_one_side_only_has_every_row_missing_on_the_other() {
        let extra = differences(|r| r.checks.push(outcome("output_sanity", Verdict::Pass, &[])));
        let items: Vec<_> = extra
            .iter()
            .map(|d| (d.0.as_str(), d.1.as_str(), d.2.as_str()))
            .collect();
        assert_eq!(
            items,
            [
                ("number of checks", "2", "3"),
                ("check 3 (output_sanity) kind", "missing", "output_sanity"),
                ("check 3 (output_sanity) verdict", "missing", "Pass"),
                ("check 3 (output_sanity) metrics", "missing", ""),
            ]
        );

        let gone = differences(|r| {
            r.checks.pop();
        });
        assert_eq!(
            gone[0],
            (
                "number of checks".into(),
                "2".into(),
                "1".into(),
                Match::Differs
            )
        );
        assert!(
            gone[1..]
                .iter()
                .all(|d| d.0.starts_with("check 2 (metric_threshold)") && d.2 == "missing")
        );
        assert_eq!(
            gone.len(),
            5,
            "count, kind, verdict, metric names, accuracy"
        );
    }

    #[test]
    fn a_check_fingerprint_is_compared_when_either_side_has_one() {
        assert!(
            !Comparison::of(&recording(), &recording()).checks[0]
                .rows
                .iter()
                .any(|r| r.item == Item::Fingerprint)
        );
        let trained = differences(|r| r.checks[0].fingerprint = Some("ef".into()));
        assert_eq!(
            trained,
            one(
                "check 1 (reproducible_training) fingerprint",
                "missing",
                "ef",
                Match::Differs
            )
        );
    }

    #[test]
    fn values_serialise_typed_with_their_bits() {
        let json = |v: Value| serde_json::to_string(&v).unwrap();
        assert_eq!(
            json(Value::Float(0.1)),
            r#"{"float":0.1,"bits":"3fb999999999999a"}"#
        );
        assert_eq!(
            json(Value::Float(f64::from_bits(NEGATIVE_NAN))),
            r#"{"float":"NaN","bits":"7ff8000000000000"}"#
        );
        assert_eq!(
            json(Value::Float(f64::NEG_INFINITY)),
            r#"{"float":"-Infinity","bits":"fff0000000000000"}"#
        );
        assert_eq!(json(Value::Text("x".into())), r#"{"text":"x"}"#);
        assert_eq!(json(Value::Count(3)), r#"{"count":3}"#);
        assert_eq!(json(Value::Verdict(Verdict::Fail)), r#"{"verdict":"fail"}"#);
        assert_eq!(json(Value::Missing), "null");
        let difference = &Comparison::of(
            &recording(),
            &Recorded {
                metrics: vec![],
                ..recording()
            },
        )
        .differences()[0];
        assert_eq!(
            serde_json::to_string(difference).unwrap(),
            r#"{"item":"validation accuracy","recorded":{"float":0.9,"bits":"3feccccccccccccd"},"replayed":null,"match":"differs"}"#
        );
    }
}
