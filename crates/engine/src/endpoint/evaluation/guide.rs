//! What each evaluation check is for, in the words the page shows on its card.

use super::EvaluationCheck;
use crate::checks::Guide;

/// The card text of `check`.
pub fn guide(check: &EvaluationCheck) -> &'static Guide {
    match check {
        EvaluationCheck::MetricThreshold { .. } => &THRESHOLD,
        EvaluationCheck::BeatsBaseline { .. } => &BASELINE,
        EvaluationCheck::NoRegression { .. } => &REGRESSION,
        EvaluationCheck::AgreesWithColumn { .. } => &AGREES,
        EvaluationCheck::NoWorseThanEndpoint { .. } => &CHALLENGER,
    }
}

static THRESHOLD: Guide = Guide {
    title: "The served model meets a fixed bar",
    why: "The model that matters is the one the server runs, with its own preprocessing and \
          library versions. Holding its answers on known rows to a fixed bar catches both a weak \
          release and the slow slide that a string of small, each-acceptable drops adds up to.",
    does: "Sends the evaluation rows (the validation split, or every row) to the endpoint in \
           batches, reads one prediction per row, and computes the metric with the same code that \
           scores the browser model. It must be at least the threshold, or at most it for an \
           error such as RMSE. A row that fails or cannot be read fails the check.",
    when_it_fails: "The deployed model is weaker than the one proven offline: a different \
                    artefact was deployed, the server preprocesses inputs differently, or the \
                    rows differ from what the model was trained for.",
    fix: "Compare the served metric with the browser model's on the same rows (side by side on \
          the Endpoints step). If they differ, send a few rows by hand and compare the answers \
          with the notebook's; the agrees-with-column check finds the rows that differ.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": hold predictions on a validation set to a fixed threshold; Equal Experts, \
             MLOps playbook, \"Testing through the ML pipeline\": validate a new model against a \
             known data set and a threshold before release.",
};

static BASELINE: Guide = Guide {
    title: "The served model beats a trivial baseline",
    why: "A served model can answer every request and still add nothing: one stuck on a single \
          class, or a mean, looks healthy to every smoke test. Comparing with the best constant \
          prediction shows whether the deployed model uses its inputs at all.",
    does: "Scores the endpoint's answers on the evaluation rows and the constant predictor fitted \
           on the spec's training rows (the class shares, or the mean) on the same rows. The \
           served model must be better by more than the margin.",
    when_it_fails: "The server answers the same thing whatever it is sent: the inputs reach the \
                    model in the wrong order or as the wrong type, the wrong (untrained) \
                    artefact was loaded, or a preprocessing step turns every row into the same \
                    vector.",
    fix: "Send two very different rows by hand and compare the answers. Check the endpoint's \
          feature order against the model's signature, and the model file the server loaded.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": know the baseline a trivial model reaches.",
};

static REGRESSION: Guide = Guide {
    title: "The served model is no worse than the previous version",
    why: "A sudden drop between two releases, measured on the same rows, is the clearest sign \
          that a release broke something. The spec keeps each revision's served metrics, so the \
          previous model need not be running to compare.",
    does: "Compares the served metric with the one the latest earlier revision of the spec \
           recorded for this endpoint. It fails when it is worse by more than the tolerance \
           (absolute, or a fraction of the earlier value when relative). With nothing recorded \
           yet it passes, and this run becomes the reference once exported.",
    when_it_fails: "The new release is worse on the same rows: new training data, new settings, \
                    a new library version, or a different preprocessing in the server.",
    fix: "Evaluate the previous release too (as a second endpoint, with no worse than endpoint) \
          to see on which rows the two differ, and undo the release's changes one at a time.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": check for sudden degradation against the previous version; Equal \
             Experts, MLOps playbook, \"Testing through the ML pipeline\".",
};

static AGREES: Guide = Guide {
    title: "The served model agrees with the notebook",
    why: "Training/serving skew is the bug where the model in production answers differently \
          from the same model in the notebook: a feature computed another way, a column order \
          swapped, float32 instead of float64, another library version. Comparing row by row \
          finds it before users do.",
    does: "The dataset holds a column of the predictions the author's notebook made offline (kept \
           out of the model's features). Each served prediction is compared with that row's \
           cell: labels must be equal; numbers within the tolerance. At least min_agreement of \
           the rows must agree; the first rows that do not are named.",
    when_it_fails: "The served pipeline is not the notebook's: a different model file, \
                    different preprocessing or feature order, a lossy input type, or rows the \
                    notebook predicted with another version.",
    fix: "Take a disagreeing row, send it by hand, and follow it through the notebook's \
          pipeline and the server's step by step until the two differ.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": validate model and infrastructure compatibility before serving.",
};

static CHALLENGER: Guide = Guide {
    title: "No worse than the model in production",
    why: "Before a new version takes traffic, it should do at least as well as the version it \
          replaces, on the same rows, through the same serving stack. Sending both the same \
          requests is the fairest comparison there is.",
    does: "Sends the evaluation rows to both this endpoint (the challenger) and the named one \
           (the champion, in production), computes the metric for each, and fails when this \
           one is worse by more than the tolerance. Any row either of them fails fails the check.",
    when_it_fails: "The new version is worse on these rows than the one serving today, or \
                    serves differently (see agrees with column).",
    fix: "Do not promote it. Look at the rows where the two disagree and at what changed between \
          the versions' training data and settings.",
    source: "Equal Experts, MLOps playbook, \"Testing through the ML pipeline\": validate that a \
             new model performs at least as well as the existing one on a known data set; \
             Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\".",
};
