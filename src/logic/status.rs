//! How things stand, in words: a step of the path, and a check's verdict.

use assay_engine::checks::{CheckSpec, Verdict};

/// How a panel stands, shown in the path at the top and in each panel's heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    NeedsAttention,
    /// Something failed; the count says how many (checks, cases), or 0 when nothing counts.
    Failing(usize),
    Optional,
}

impl Status {
    pub fn class(self) -> &'static str {
        match self {
            Status::Done => "status done",
            Status::NeedsAttention => "status attention",
            Status::Failing(_) => "status failing",
            Status::Optional => "status optional",
        }
    }

    /// In words, with the count of failures when there is one ("2 failing").
    pub fn label(self) -> String {
        match self {
            Status::Done => "Done".to_owned(),
            Status::NeedsAttention => "Needs attention".to_owned(),
            Status::Failing(0) => "Failing".to_owned(),
            Status::Failing(n) => format!("{n} failing"),
            Status::Optional => "Optional".to_owned(),
        }
    }
}

/// A check's verdict in words, as the page shows it.
pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "Pass",
        Verdict::Fail => "Fail",
        Verdict::Error => "Error",
    }
}

/// The bars a check holds the model to, in words ("max loss 0.01; rows 8" leaves out the rows):
/// its settings named as limits (a threshold, a tolerance, a margin, a max or min), so a failed
/// card names what it missed even when the engine's sentence reads well.
pub fn bars(check: &CheckSpec) -> Option<String> {
    // The pretty writer a spec file uses, so the page carries no second JSON writer.
    let text = serde_json::to_string_pretty(check).ok()?;
    let serde_json::Value::Object(settings) = serde_json::from_str(&text).ok()? else {
        return None;
    };
    let is_bar = |name: &str| {
        ["threshold", "tolerance", "margin"].contains(&name)
            || name.starts_with("max_")
            || name.starts_with("min_")
    };
    let bars: Vec<String> = settings
        .iter()
        .filter(|(name, value)| is_bar(name) && value.is_number())
        .map(|(name, value)| format!("{} {value}", name.replace('_', " ")))
        .collect();
    (!bars.is_empty()).then(|| bars.join(", "))
}

/// What a failed check missed, in one line for its card and the list of failures; a check that
/// could not run (`Error`) missed no bar.
pub fn missed(check: &CheckSpec, verdict: Verdict) -> String {
    match (verdict, bars(check)) {
        (Verdict::Error, _) => "Could not run: see why on its card.".to_owned(),
        (_, Some(bars)) => format!("Failed: it missed its bar ({bars})."),
        (_, None) => "Failed: see the evidence on its card.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use assay_engine::checks::{MetricThreshold, NoConstantColumns, OverfitTinyBatch};
    use assay_engine::metrics::MetricName;

    #[test]
    fn a_failed_check_names_the_bar_it_missed() {
        let overfit = CheckSpec::from(OverfitTinyBatch {
            max_loss: 0.01,
            ..OverfitTinyBatch::default()
        });
        assert_eq!(
            missed(&overfit, Verdict::Fail),
            "Failed: it missed its bar (max loss 0.01)."
        );
        let threshold = CheckSpec::from(MetricThreshold {
            metric: MetricName::Accuracy,
            threshold: 0.999,
        });
        assert_eq!(bars(&threshold).as_deref(), Some("threshold 0.999"));
        let no_bar = CheckSpec::from(NoConstantColumns {});
        assert_eq!(bars(&no_bar), None);
        assert!(missed(&no_bar, Verdict::Fail).starts_with("Failed"));
        assert!(missed(&overfit, Verdict::Error).starts_with("Could not run"));
    }

    #[test]
    fn a_failing_step_says_how_many_failed() {
        assert_eq!(Status::Failing(3).label(), "3 failing");
        assert_eq!(Status::Failing(0).label(), "Failing");
        assert_eq!(Status::Failing(1).class(), "status failing");
    }
}
