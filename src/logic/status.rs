//! How things stand, in words: a step of the path, and a check's verdict.

use assay_engine::checks::Verdict;

/// How a panel stands, shown in the path at the top and in each panel's heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    NeedsAttention,
    Failing,
    Optional,
}

impl Status {
    pub fn class(self) -> &'static str {
        match self {
            Status::Done => "status done",
            Status::NeedsAttention => "status attention",
            Status::Failing => "status failing",
            Status::Optional => "status optional",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Done => "Done",
            Status::NeedsAttention => "Needs attention",
            Status::Failing => "Failing",
            Status::Optional => "Optional",
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
