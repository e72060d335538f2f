//! "Evaluate on the dataset", run from the page: the engine's evaluator's batches sent a few at
//! a time (direct, or through `assay serve`'s relay), with progress and Cancel, and the last
//! results. Like the cases' results, they are reported, not replayed, and kept in memory only.

use assay_engine::endpoint::evaluation::Evaluator;
use assay_engine::endpoint::{Request, Resolved, Response, Transport, relay_url};
use assay_engine::replay::Progress;
use assay_engine::spec::Spec;
use futures_channel::mpsc;
use futures_util::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::fetch;
use crate::logic::draft::Draft;
use crate::logic::endpoints::credential::{Credential, headers_to_send};
use crate::logic::endpoints::evaluation::{Evaluated, evaluator};
use crate::logic::endpoints::route::{Relay, Route, relay_lists};
use crate::logic::runs::LastRun;
use crate::state::job::{CancelHook, Ended, Runner, Work};

/// The evaluation's run and what it found.
#[derive(Debug, Clone, Copy)]
pub struct EvaluationRuns {
    /// The last finished evaluation and the spec it measured.
    pub result: RwSignal<Option<Evaluated>>,
    /// Why it could not start, or that it was cancelled, in words.
    pub message: RwSignal<Option<String>>,
    /// Whether `assay serve`'s relay can carry requests CORS blocked.
    pub relay: RwSignal<Relay>,
    pub runner: Runner,
}

impl Default for EvaluationRuns {
    fn default() -> Self {
        Self::new()
    }
}

type Answer = Option<Result<Response, Transport>>;

/// An evaluation under way: every target's batches, at most `concurrency` in flight; each
/// step waits for one answer and sends the next request.
struct EvaluationRun {
    evaluator: Evaluator,
    spec: Spec,
    /// Per target: the headers to send and the secrets to hide from its answers.
    headers: Vec<Resolved>,
    route: Route,
    answers: Vec<Vec<Answer>>,
    /// The next request to send, as (target, batch).
    next: (usize, usize),
    in_flight: usize,
    received: usize,
    sender: mpsc::UnboundedSender<(usize, usize, Result<Response, Transport>)>,
    receiver: mpsc::UnboundedReceiver<(usize, usize, Result<Response, Transport>)>,
}

impl EvaluationRun {
    /// Sends the next request, if any is left.
    fn send_next(&mut self) -> bool {
        let targets = self.evaluator.targets();
        let (mut t, mut b) = self.next;
        while t < targets.len() && b >= targets[t].batches.len() {
            (t, b) = (t + 1, 0);
        }
        let Some(batch) = targets.get(t).and_then(|target| target.batches.get(b)) else {
            self.next = (t, b);
            return false;
        };
        let target = &targets[t];
        let mut request: Request = batch.request.clone();
        if self.route == Route::Relay {
            request.url = relay_url(&target.endpoint, &request.url);
        }
        let headers = self.headers[t].headers.clone();
        let timeout = target.endpoint.timeout_ms;
        let sender = self.sender.clone();
        spawn_local(async move {
            let answer = fetch::send(&request, &headers, timeout).await;
            // After a cancel nothing listens: the answer is dropped.
            let _ = sender.unbounded_send((t, b, answer));
        });
        self.next = (t, b + 1);
        self.in_flight += 1;
        true
    }

    fn blocked_by_cors(&self) -> bool {
        self.answers
            .iter()
            .flatten()
            .any(|a| matches!(a, Some(Err(Transport::Cors))))
    }

    fn judged(&self) -> Evaluated {
        let mut report = self.evaluator.judge(&self.answers);
        // Whatever a server echoed of a credential is shown as its `${env:NAME}` reference.
        for resolved in &self.headers {
            for check in &mut report.checks {
                resolved.secrets.redact_outcome(check);
            }
            for group in &mut report.failed {
                group.reason = resolved.secrets.redact(&group.reason);
            }
        }
        Evaluated::new(&self.spec, report)
    }
}

impl Work for EvaluationRun {
    async fn step(&mut self) -> bool {
        while self.in_flight < self.evaluator.concurrency().max(1) && self.send_next() {}
        if self.in_flight == 0 {
            return false;
        }
        match self.receiver.next().await {
            Some((t, b, answer)) => {
                self.in_flight -= 1;
                self.received += 1;
                if let Some(slot) = self.answers.get_mut(t).and_then(|a| a.get_mut(b)) {
                    *slot = Some(answer);
                }
            }
            // Cannot happen while this holds a sender; ends the run rather than spinning.
            None => return false,
        }
        self.received < self.evaluator.requests()
    }

    fn progress(&self) -> Progress {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Progress {
            done: count(self.received),
            total: count(self.evaluator.requests()),
        }
    }

    /// A step waits for an answer, which a slow server may hold until its timeout: closing the
    /// channel ends the wait at once.
    fn cancel_hook(&self) -> Option<CancelHook> {
        let sender = self.sender.clone();
        Some(Box::new(move || sender.close_channel()))
    }
}

impl EvaluationRuns {
    pub fn new() -> Self {
        Self {
            result: RwSignal::new(None),
            message: RwSignal::new(None),
            relay: RwSignal::new(Relay::Unasked),
            runner: Runner::new(),
        }
    }

    /// Evaluates the draft's endpoint along `route` on `spec` (the draft's spec now). Without
    /// cases, the endpoint is sent the features the model trained now (`last`) reads.
    pub fn evaluate(
        &self,
        draft: RwSignal<Draft>,
        spec: Spec,
        last: Option<&LastRun>,
        credential: Credential,
        route: Route,
    ) {
        let state = *self;
        if state.runner.is_running() {
            return;
        }
        let has_cases = draft.with_untracked(|d| !d.endpoint.cases.is_empty());
        if !has_cases {
            match last {
                Some(last) => {
                    let features = &last.run.feature_columns;
                    if draft.with_untracked(|d| &d.endpoint.features != features) {
                        draft.update(|d| d.endpoint.features.clone_from(features));
                    }
                }
                None => {
                    state.message.set(Some(
                        "Train the model first: the evaluation sends the columns it reads.".into(),
                    ));
                    return;
                }
            }
        }
        let prepared = draft.with_untracked(|d| {
            let spec = d.with_endpoints(spec)?;
            let evaluator = evaluator(&spec, d.csv(), d.endpoint.name.trim())?;
            let headers = evaluator
                .targets()
                .iter()
                .map(|t| headers_to_send(&t.endpoint, &credential))
                .collect::<Result<Vec<_>, String>>()?;
            Ok::<_, String>((spec, evaluator, headers))
        });
        let (spec, evaluator, headers) = match prepared {
            Ok(ready) => ready,
            Err(e) => {
                state.message.set(Some(e));
                return;
            }
        };
        state.message.set(None);
        state.relay.set(Relay::Unasked);
        let (sender, receiver) = mpsc::unbounded();
        let answers = evaluator
            .targets()
            .iter()
            .map(|t| vec![None; t.batches.len()])
            .collect();
        let work = EvaluationRun {
            evaluator,
            spec,
            headers,
            route,
            answers,
            next: (0, 0),
            in_flight: 0,
            received: 0,
            sender,
            receiver,
        };
        state.runner.start(
            work,
            |_| {},
            move |ended, progress| match ended {
                Ended::Cancelled => state.message.set(Some(format!(
                    "Evaluation cancelled after {} of {} requests; nothing was kept from it.",
                    progress.done, progress.total
                ))),
                Ended::Done(run) => {
                    state.result.set(Some(run.judged()));
                    if route == Route::Direct && run.blocked_by_cors() {
                        let name = run.spec.endpoints[0].name.clone();
                        spawn_local(async move {
                            let listed = fetch::relay_listing()
                                .await
                                .is_some_and(|body| relay_lists(&body, &name));
                            state.relay.set(if listed {
                                Relay::Available
                            } else {
                                Relay::Missing
                            });
                        });
                    }
                }
            },
        );
    }
}
