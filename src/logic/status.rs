//! How things stand, in words: a step of the path, and a check's verdict.

use assay_engine::checks::Verdict;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_step_says_how_many_failed() {
        assert_eq!(Status::Failing(3).label(), "3 failing");
        assert_eq!(Status::Failing(0).label(), "Failing");
        assert_eq!(Status::Failing(1).class(), "status failing");
    }
}
