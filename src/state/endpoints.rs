//! The Endpoints step's shared state: the cases' results in this browser, the credential (in
//! memory only), and the actions that draft and run the cases. The form itself is part of the
//! draft ([`Draft::endpoint`](crate::logic::draft::Draft)), saved like every other setting.

use assay_engine::endpoint::{EndpointSpec, Resolved, metadata_request};
use assay_engine::replay::Progress;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::fetch;
use crate::logic::draft::Draft;
use crate::logic::endpoints::cases;
use crate::logic::endpoints::credential::{Credential, headers_to_send};
use crate::logic::endpoints::form::{EndpointForm, input_tensor_from_metadata};
use crate::logic::endpoints::results::{self, CaseResult, result_of};
use crate::logic::endpoints::route::{Relay, Route, relay_lists, request_for};
use crate::logic::runs::LastRun;
use crate::logic::status::Status;
use crate::state::evaluation::EvaluationRuns;
use crate::state::job::{Ended, Runner, Work};

/// The endpoint cases' run and what it found.
#[derive(Debug, Clone, Copy)]
pub struct EndpointRuns {
    /// The cases' last results in this browser.
    pub results: RwSignal<Vec<CaseResult>>,
    /// Only in memory, for this tab: never in the form, the spec, or storage.
    pub credential: RwSignal<Credential>,
    /// Why the cases could not be drafted or run, in words.
    pub message: RwSignal<Option<String>>,
    pub relay: RwSignal<Relay>,
    /// Counts the drafts, so the panel rebuilds its case rows for every new set of cases.
    pub drafts: RwSignal<u32>,
    /// Where the input tensor's name and datatype came from, when the server said.
    pub tensor_note: RwSignal<Option<String>>,
    pub runner: Runner,
    /// "Evaluate on the dataset": its run and last results.
    pub evaluation: EvaluationRuns,
}

impl Default for EndpointRuns {
    fn default() -> Self {
        Self::new()
    }
}

impl EndpointRuns {
    pub fn new() -> Self {
        Self {
            results: RwSignal::new(Vec::new()),
            credential: RwSignal::new(Credential::default()),
            message: RwSignal::new(None),
            relay: RwSignal::new(Relay::Unasked),
            drafts: RwSignal::new(0),
            tensor_note: RwSignal::new(None),
            runner: Runner::new(),
            evaluation: EvaluationRuns::new(),
        }
    }
}

/// The cases of one endpoint, sent one at a time, each judged on its own: a failure never
/// stops the rest.
struct CaseRun {
    spec: EndpointSpec,
    resolved: Resolved,
    route: Route,
    results: Vec<CaseResult>,
}

impl Work for CaseRun {
    async fn step(&mut self) -> bool {
        let Some(case) = self.spec.cases.get(self.results.len()) else {
            return false;
        };
        let request = request_for(&self.spec, case, self.route);
        let answer = fetch::send(&request, &self.resolved.headers, self.spec.timeout_ms).await;
        let result = result_of(&self.spec, case, &request, &answer, &self.resolved.secrets);
        self.results.push(result);
        true
    }

    fn progress(&self) -> Progress {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Progress {
            done: count(self.results.len()),
            total: count(self.spec.cases.len()),
        }
    }
}

impl EndpointRuns {
    /// How the Endpoints step of `draft` stands.
    pub fn status(&self, draft: RwSignal<Draft>) -> Status {
        self.results
            .with(|r| draft.with(|d| results::status(&d.endpoint, r)))
    }

    /// Drafts cases from `last`, the run of the model `draft` trains now, then asks the server
    /// for its input tensor.
    pub fn draft_cases(&self, draft: RwSignal<Draft>, last: Option<&LastRun>) {
        let state = *self;
        let drafted = match last {
            Some(last) => draft.with_untracked(|d| cases::draft(&last.spec, &last.run, d.csv())),
            None => Err("Train the model first: cases are drafted from it.".into()),
        };
        match drafted {
            Ok((features, cases)) => {
                draft.update(|d| {
                    d.endpoint.features = features;
                    d.endpoint.cases = cases;
                });
                state.results.set(Vec::new());
                state.message.set(None);
                state.tensor_note.set(None);
                state.drafts.update(|d| *d += 1);
                self.fill_input_tensor(draft);
            }
            Err(e) => state.message.set(Some(e)),
        }
    }

    /// Runs every case along `route`; after a direct run with cases blocked by CORS, asks
    /// whether this page's server has a relay for the endpoint.
    pub fn run(&self, draft: RwSignal<Draft>, route: Route) {
        let state = *self;
        let prepared = draft
            .with_untracked(|d| d.endpoint.to_spec())
            .and_then(|spec| {
                let resolved = headers_to_send(&spec, &state.credential.get_untracked())?;
                Ok((resolved, spec))
            });
        let (resolved, spec) = match prepared {
            Ok(ready) => ready,
            Err(e) => {
                state.message.set(Some(e));
                return;
            }
        };
        if state.runner.is_running() {
            return;
        }
        state.message.set(None);
        state.results.set(Vec::new());
        state.relay.set(Relay::Unasked);
        let work = CaseRun {
            spec,
            resolved,
            route,
            results: Vec::new(),
        };
        state.runner.start(
            work,
            move |run: &CaseRun| state.results.set(run.results.clone()),
            move |ended, _| {
                let Ended::Done(run) = ended else { return };
                let blocked = run.results.iter().any(|r| r.runs_in_ci);
                if route == Route::Direct && blocked {
                    spawn_local(async move {
                        let listed = fetch::relay_listing()
                            .await
                            .is_some_and(|body| relay_lists(&body, &run.spec.name));
                        state.relay.set(if listed {
                            Relay::Available
                        } else {
                            Relay::Missing
                        });
                    });
                }
            },
        );
    }

    /// For Open Inference, asks the server's metadata for the input tensor's name and datatype
    /// and puts them in the form. A server that does not answer (down, CORS, no metadata)
    /// leaves the form as it is: the fields can be typed.
    fn fill_input_tensor(&self, draft: RwSignal<Draft>) {
        // The datatype asked about may be one the new cases do not fit: ask without it.
        let asking = draft.with_untracked(|d| EndpointForm {
            input_datatype: String::new(),
            ..d.endpoint.clone()
        });
        let Ok(spec) = asking.to_spec() else {
            return;
        };
        let Some(request) = metadata_request(&spec) else {
            return;
        };
        // Without a typed credential the request goes without it; an open server still answers.
        let headers = headers_to_send(&spec, &self.credential.get_untracked()).unwrap_or_default();
        let note = self.tensor_note;
        spawn_local(async move {
            let Ok(response) = fetch::send(&request, &headers.headers, spec.timeout_ms).await
            else {
                return;
            };
            let found = (200..300)
                .contains(&response.status)
                .then(|| input_tensor_from_metadata(&response.body))
                .flatten();
            if let Some((name, datatype)) = found {
                note.set(Some(format!(
                    "Input tensor `{name}` ({datatype}), from the server's metadata."
                )));
                draft.update(|d| d.endpoint.use_input_tensor(name, datatype));
            }
        });
    }
}
