//! The Model panel: kind, hyperparameters and seed; Train with a progress bar, a live loss
//! curve and Cancel; then the metrics and a confusion matrix or a predicted-vs-actual plot.

use std::str::FromStr;

use assay_engine::EngineError;
use assay_engine::model::{Activation, ModelSpec};
use assay_engine::numerics::Numerics;
use assay_engine::optim::Optimizer;
use assay_engine::train::{Ending, TrainConfig};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;

use crate::logic::curves::{BinaryCurves, binary_curves};
use crate::logic::draft::model_choices;
use crate::logic::runs::LastRun;
use crate::state::workbench::Workbench;
use crate::widgets::alert::alert;
use crate::widgets::chart::{
    ConfusionMatrix, LossCurve, PrecisionRecallCurve, PredictedVsActual, ProgressBar, RocCurve,
};
use crate::widgets::choice::choice;
use crate::widgets::heading::panel_heading;
use crate::widgets::words::sentence;

#[component]
pub fn ModelPanel() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let task = move || wb.draft.with(|d| d.preprocessing.task);
    let set_model = move |ev: leptos::ev::Event| {
        let index: usize = event_target_value(&ev).parse().unwrap_or(0);
        if let Some(model) = model_choices(task()).into_iter().nth(index) {
            wb.draft.update(|d| d.set_model(model));
        }
    };
    let is_mlp = move || wb.draft.with(|d| matches!(d.model, ModelSpec::Mlp { .. }));
    // Every job trains first, so its progress and loss show here whichever button started it.
    let training_job = move || wb.job.get();
    // Scoring the validation rows again costs a pass over the data: once per run, not per edit.
    let curves = Memo::new(move |_| {
        wb.last.with(|last| {
            let last = last.as_ref()?;
            wb.draft
                .with_untracked(|d| binary_curves(&last.spec, d.csv(), &last.run))
        })
    });

    view! {
        <section class="panel wide" id="model" aria-labelledby="model-heading">
            {panel_heading("model-heading", "2 · Model", Signal::derive(move || wb.model_status()))}
            <div class="field-row">
                <label class="field">
                    "Model"
                    <select data-testid="model-kind" on:change=set_model>
                        {move || {
                            let current = wb.draft.with(|d| d.model.clone());
                            model_choices(task())
                                .into_iter()
                                .enumerate()
                                .map(|(i, m)| {
                                    let same_kind = std::mem::discriminant(&m) == std::mem::discriminant(&current);
                                    // The chosen kind reads as the model set (its own layers).
                                    let label = if same_kind { current.label() } else { m.label() };
                                    choice(i.to_string(), label, same_kind.into())
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
                <NumberField setting=Setting::Seed />
            </div>
            {move || is_mlp().then(|| view! { <MlpFields /> })}
            <details class="hyperparameters">
                <summary>"Training settings"</summary>
                <div class="field-row">
                    <NumberField setting=Setting::Epochs />
                    <NumberField setting=Setting::BatchSize />
                    <NumberField setting=Setting::LearningRate />
                    <NumberField setting=Setting::L2 />
                    <label class="field">
                        "Optimiser"
                        <select
                            data-testid="optimizer"
                            on:change=move |ev| {
                                let adam = event_target_value(&ev) == "adam";
                                wb.draft
                                    .update(|d| {
                                        d.training.optimizer = if adam {
                                            Optimizer::adam()
                                        } else {
                                            Optimizer::default()
                                        };
                                    });
                            }
                        >
                            {move || choice("sgd", sgd_label(wb.draft.with(|d| d.training.optimizer.clone())), Signal::derive(move || wb.draft.with(|d| matches!(d.training.optimizer, Optimizer::Sgd { .. }))))}
                            {choice("adam", "Adam", Signal::derive(move || wb.draft.with(|d| matches!(d.training.optimizer, Optimizer::Adam { .. }))))}
                        </select>
                    </label>
                    <label class="field">
                        "Numerics"
                        <select
                            data-testid="numerics"
                            on:change=move |ev| {
                                let chosen = event_target_value(&ev).parse().ok().and_then(|v: u32| Numerics::try_from(v).ok());
                                if let Some(numerics) = chosen {
                                    wb.draft.update(|d| d.training.numerics = numerics);
                                }
                            }
                        >
                            {[Numerics::FourLanes, Numerics::RowOrder]
                                .into_iter()
                                .map(|n| choice(n.version().to_string(), numerics_label(n), Signal::derive(move || wb.draft.with(|d| d.training.numerics == n))))
                                .collect_view()}
                        </select>
                    </label>
                </div>
                <p class="muted">
                    "Numerics fix the order sums are added in, and with it every bit of the model. New specs use 2; a spec recorded with 1 keeps it, so its recording replays bit for bit."
                </p>
            </details>
            <div class="actions">
                <button
                    class="primary"
                    data-testid="train"
                    on:click=move |_| wb.train()
                    disabled=move || wb.is_busy() || wb.table.with(Result::is_err)
                >
                    "Train"
                </button>
                {move || {
                    training_job()
                        .map(|_| view! { <button data-testid="cancel-training" on:click=move |_| wb.cancel()>"Cancel"</button> })
                }}
            </div>
            {move || wb.job_error.get().map(|e| alert(&e, "job-error"))}
            {move || wb.cancelled.get().map(|m| view! { <p class="muted" role="status" data-testid="training-cancelled">{m}</p> })}
            {move || wb.engine_notice.get().map(|m| view! { <p class="muted" role="status" data-testid="engine-notice">{m}</p> })}
            {move || {
                training_job()
                    .map(|job| {
                        let epochs = job.epochs;
                        let done = (job.loss_curve.len().saturating_sub(1)) as u32;
                        view! {
                            <div class="live" data-testid="training-progress">
                                <ProgressBar done=Signal::derive(move || done) total=Signal::derive(move || epochs) label="Epochs trained".to_owned() />
                                <LossCurve values=job.loss_curve />
                            </div>
                        }
                    })
            }}
            // Branches as `EitherOf3`, not `AnyView`: the same DOM for less code (see README, Bundle size).
            {move || match (wb.job.with(Option::is_some), wb.current_run(), wb.last.with(Option::is_some)) {
                (true, _, _) => None,
                (false, Some(last), _) => Some(EitherOf3::A(view! { <TrainedModel last=last curves=curves.get() /> })),
                (false, None, true) => Some(EitherOf3::B(view! {
                    <p class="note" data-testid="model-stale">
                        "The settings changed since the last training. Train again to see this model."
                    </p>
                })),
                (false, None, false) => Some(EitherOf3::C(view! {
                    <p class="muted">"Press Train to fit the model with this seed, or Run all to train and run every check."</p>
                })),
            }}
        </section>
    }
}

/// Hidden units and activation for an MLP.
#[component]
fn MlpFields() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let layers = Memo::new(move |_| {
        wb.draft.with(|d| match &d.model {
            ModelSpec::Mlp { hidden_layers, .. } => hidden_layers.clone(),
            _ => Vec::new(),
        })
    });
    let as_text = |layers: &[u32]| {
        layers
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = RwSignal::new(layers.with_untracked(|l| as_text(l)));
    let error = wb.field_error("hidden-layers", "Hidden units per layer");
    // An imported or reset model brings its own layers.
    Effect::new(move |first: Option<()>| {
        let layers = layers.get();
        let shown: Option<Vec<u32>> =
            text.with_untracked(|t| t.split(',').map(|p| p.trim().parse().ok()).collect());
        if first.is_some() && shown.as_ref() != Some(&layers) {
            text.set(as_text(&layers));
            error.set(None);
        }
    });
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        let parsed: Result<Vec<u32>, _> =
            value.split(',').map(|p| p.trim().parse::<u32>()).collect();
        let candidate = parsed.ok().map(|hidden_layers| ModelSpec::Mlp {
            hidden_layers,
            activation: activation(&wb),
        });
        match candidate.map(|m| m.validate().map(|()| m)) {
            Some(Ok(model)) => {
                error.set(None);
                wb.draft.update(|d| d.set_model(model));
            }
            Some(Err(e)) => error.set(Some(e.to_string())),
            None => error.set(Some(
                "Give one or two whole numbers of units, separated by a comma, e.g. 16 or 32, 16."
                    .to_owned(),
            )),
        }
    };
    view! {
        <div class="field-row">
            <label class="field">
                "Hidden units per layer"
                <input type="text" id="hidden-layers" data-testid="hidden-layers" prop:value=text on:input=on_input
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby=move || error.with(Option::is_some).then_some("hidden-layers-error") />
            </label>
            <label class="field">
                "Activation"
                <select
                    data-testid="activation"
                    on:change=move |ev| {
                        let tanh = event_target_value(&ev) == "tanh";
                        wb.draft.update(|d| {
                            if let ModelSpec::Mlp { activation, .. } = &mut d.model {
                                *activation = if tanh { Activation::Tanh } else { Activation::Relu };
                            }
                        });
                    }
                >
                    {choice("relu", "ReLU", Signal::derive(move || activation(&wb) == Activation::Relu))}
                    {choice("tanh", "tanh", Signal::derive(move || activation(&wb) == Activation::Tanh))}
                </select>
            </label>
        </div>
        {move || error.get().map(|e| view! { <p class="field-error" role="alert" id="hidden-layers-error" data-testid="hidden-layers-error">{sentence(&e)}</p> })}
    }
}

/// A numerics version as the choice names it.
fn numerics_label(numerics: Numerics) -> &'static str {
    match numerics {
        Numerics::FourLanes => "2: four fixed lanes (new specs)",
        Numerics::RowOrder => "1: row order (specs before numerics versions)",
    }
}

/// The SGD choice as the draft sets it: with its momentum, or plain.
fn sgd_label(optimizer: Optimizer) -> String {
    match optimizer {
        Optimizer::Sgd { momentum } if momentum > 0.0 => format!("SGD with momentum {momentum}"),
        Optimizer::Sgd { .. } => "SGD".to_owned(),
        Optimizer::Adam { .. } => sgd_label(Optimizer::default()),
    }
}

fn activation(wb: &Workbench) -> Activation {
    wb.draft.with(|d| match &d.model {
        ModelSpec::Mlp { activation, .. } => *activation,
        _ => Activation::Relu,
    })
}

/// A number in the training settings.
#[derive(Debug, Clone, Copy)]
enum Setting {
    Seed,
    Epochs,
    BatchSize,
    LearningRate,
    L2,
}

/// Why typed text did not become a setting.
#[derive(Debug, PartialEq)]
enum Refused {
    NotANumber,
    Invalid(String),
}

impl Setting {
    fn label(self) -> &'static str {
        match self {
            Setting::Seed => "Seed",
            Setting::Epochs => "Epochs",
            Setting::BatchSize => "Batch size",
            Setting::LearningRate => "Learning rate",
            Setting::L2 => "L2 penalty",
        }
    }

    fn test_id(self) -> &'static str {
        match self {
            Setting::Seed => "seed",
            Setting::Epochs => "epochs",
            Setting::BatchSize => "batch-size",
            Setting::LearningRate => "learning-rate",
            Setting::L2 => "l2",
        }
    }

    /// The setting's value as the box shows it.
    fn show(self, t: &TrainConfig) -> String {
        match self {
            Setting::Seed => t.seed.to_string(),
            Setting::Epochs => t.epochs.to_string(),
            Setting::BatchSize => t.batch_size.to_string(),
            Setting::LearningRate => t.learning_rate.to_string(),
            Setting::L2 => t.l2.to_string(),
        }
    }

    /// Whether `text` already reads as the setting's value.
    fn shows(self, t: &TrainConfig, text: &str) -> bool {
        fn same<T: FromStr + PartialEq>(text: &str, value: T) -> bool {
            text.trim().parse::<T>().ok() == Some(value)
        }
        match self {
            Setting::Seed => same(text, t.seed),
            Setting::Epochs => same(text, t.epochs),
            Setting::BatchSize => same(text, t.batch_size),
            Setting::LearningRate => same(text, t.learning_rate),
            Setting::L2 => same(text, t.l2),
        }
    }

    /// The setting's field in a spec, as the engine names it in errors.
    fn field(self) -> &'static str {
        match self {
            Setting::Seed => "training.seed",
            Setting::Epochs => "training.epochs",
            Setting::BatchSize => "training.batch_size",
            Setting::LearningRate => "training.learning_rate",
            Setting::L2 => "training.l2",
        }
    }

    /// Sets the setting from `text` if it is a number `TrainConfig::validate` accepts, so the
    /// form refuses exactly what a run would; otherwise says why, in the engine's words.
    fn write(self, t: &mut TrainConfig, text: &str) -> Result<(), Refused> {
        fn number<T: FromStr>(text: &str) -> Result<T, Refused> {
            text.trim().parse::<T>().map_err(|_| Refused::NotANumber)
        }
        let mut changed = t.clone();
        match self {
            Setting::Seed => changed.seed = number(text)?,
            Setting::Epochs => changed.epochs = number(text)?,
            Setting::BatchSize => changed.batch_size = number(text)?,
            Setting::LearningRate => changed.learning_rate = number(text)?,
            Setting::L2 => changed.l2 = number(text)?,
        }
        match changed.validate() {
            Ok(()) => {
                *t = changed;
                Ok(())
            }
            Err(EngineError::Setting { field, message }) if field == self.field() => {
                Err(Refused::Invalid(message))
            }
            Err(other) => Err(Refused::Invalid(other.to_string())),
        }
    }
}

/// A number in the training settings. What the user types stays in the box even while it is
/// not a valid number; the draft takes it once it is, and the error says what is wrong.
/// One component for every setting (not one per type of number) keeps the page small.
#[component]
fn NumberField(setting: Setting) -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let label = setting.label();
    let test_id = setting.test_id();
    let text = RwSignal::new(wb.draft.with_untracked(|d| setting.show(&d.training)));
    let error = wb.field_error(test_id, label);
    // A new draft (another sample, an import) brings its own value; other edits leave it be.
    let value = Memo::new(move |_| wb.draft.with(|d| setting.show(&d.training)));
    Effect::new(move |first: Option<()>| {
        let current = value.get();
        let shown = wb
            .draft
            .with_untracked(|d| text.with_untracked(|t| setting.shows(&d.training, t)));
        // The first run only subscribes: the box already shows the draft's value.
        if first.is_some() && !shown {
            text.set(current);
            error.set(None);
        }
    });
    let on_input = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev);
        text.set(typed.clone());
        let mut training = wb.draft.with_untracked(|d| d.training.clone());
        match setting.write(&mut training, &typed) {
            Ok(()) => {
                error.set(None);
                wb.draft.update(|d| d.training = training);
            }
            Err(Refused::Invalid(e)) => error.set(Some(format!("{label}: {e}."))),
            Err(Refused::NotANumber) => {
                error.set(Some(format!("{label}: “{typed}” is not a number.")));
            }
        }
    };
    view! {
        <label class="field">
            {label}
            <input
                type="text"
                inputmode="decimal"
                id=test_id
                data-testid=test_id
                prop:value=text
                on:input=on_input
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=move || error.with(Option::is_some).then(|| format!("{test_id}-error"))
            />
            {move || error.get().map(|e| view! { <span class="field-error" role="alert" id=format!("{test_id}-error") data-testid=format!("{test_id}-error")>{sentence(&e)}</span> })}
        </label>
    }
}

/// The trained model's numbers and plots.
#[component]
fn TrainedModel(last: LastRun, curves: Option<BinaryCurves>) -> impl IntoView {
    let run = last.run;
    let ending = match run.model.ending {
        Ending::Completed => None,
        Ending::Diverged { epoch } => Some(format!(
            "Training diverged at epoch {epoch}: the loss or a parameter stopped being a \
             finite number. Lower the learning rate, or standardise the features."
        )),
    };
    let plot = match last.spec.preprocessing.task.is_classification() {
        true if !run.evaluation.confusion.is_empty() => Some(Either::Left(
            view! { <ConfusionMatrix matrix=run.evaluation.confusion.clone() labels=run.classes.clone() /> },
        )),
        _ if !run.validation_predictions.is_empty() => Some(Either::Right(
            view! { <PredictedVsActual points=run.validation_predictions.clone() /> },
        )),
        _ => None,
    };
    view! {
        <div data-testid="trained-model">
            {ending.map(|e| alert(&e, "diverged"))}
            <p>
                "Parameter fingerprint (SHA-256 of every parameter's bits): "
                <code class="fingerprint" data-testid="fingerprint">{run.parameter_fingerprint.clone()}</code>
            </p>
            <div class="model-results">
                <table class="metrics-table" data-testid="metrics">
                    <caption>"Validation metrics"</caption>
                    <tbody>
                        {run
                            .evaluation
                            .metrics
                            .iter()
                            .map(|m| view! { <tr><th scope="row">{m.name.replace('_', " ")}</th><td>{format!("{:.4}", m.value)}</td></tr> })
                            .collect_view()}
                    </tbody>
                </table>
                <LossCurve values=run.model.loss_curve.clone() validation=run.model.validation_loss_curve.clone() />
                {plot}
                {curves.map(|c| view! {
                    <RocCurve points=c.roc positive=c.positive.clone() />
                    <PrecisionRecallCurve points=c.precision_recall positive=c.positive base_rate=c.base_rate />
                })}
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What typing `text` into `setting` does to the default training settings.
    fn typed(setting: Setting, text: &str) -> Result<TrainConfig, Refused> {
        let mut training = TrainConfig::default();
        setting.write(&mut training, text).map(|()| training)
    }

    #[test]
    fn a_setting_takes_what_a_run_accepts_and_refuses_the_rest_in_the_engines_words() {
        assert_eq!(typed(Setting::Epochs, " 10000 ").unwrap().epochs, 10_000);
        assert_eq!(
            typed(Setting::Epochs, "10001"),
            Err(Refused::Invalid(
                "must be between 1 and 10000; it is 10001".into()
            ))
        );
        assert_eq!(typed(Setting::Epochs, "1.5"), Err(Refused::NotANumber));
        assert_eq!(
            typed(Setting::BatchSize, "0"),
            Err(Refused::Invalid("must be at least 1".into()))
        );
        assert_eq!(
            typed(Setting::LearningRate, "1e-4").unwrap().learning_rate,
            1e-4
        );
        assert_eq!(
            typed(Setting::LearningRate, "0"),
            Err(Refused::Invalid(
                "must be a positive number; it is 0".into()
            ))
        );
        assert_eq!(typed(Setting::L2, "0").unwrap().l2, 0.0);
        assert_eq!(
            typed(Setting::L2, "-0.5"),
            Err(Refused::Invalid(
                "must be zero or positive; it is -0.5".into()
            ))
        );
        assert_eq!(
            typed(Setting::Seed, "18446744073709551615").unwrap().seed,
            u64::MAX
        );
        assert_eq!(typed(Setting::Seed, "abc"), Err(Refused::NotANumber));
    }
}
