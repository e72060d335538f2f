//! Component tests: the real app mounted in headless Chromium (wasm-bindgen-test), driven by
//! clicks, asserted on the DOM.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use assay_app::App;
use assay_app::logic::samples::{self, SAMPLES};
use assay_engine::data::{Preprocessing, Table};
use assay_engine::share;
use assay_engine::spec::{DatasetSpec, Spec};
use assay_engine::train::TrainConfig;
use leptos::mount::mount_to;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{DataTransfer, Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

/// Mounts the app in its own wrapper so tests do not see each other's DOM, on a fresh draft.
fn mount_app() -> Element {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    mount_again()
}

/// Mounts another app on whatever the browser has saved, as a reload does.
fn mount_again() -> Element {
    let document = leptos::prelude::document();
    let wrapper = document.create_element("section").unwrap();
    document.body().unwrap().append_child(&wrapper).unwrap();
    mount_to(wrapper.clone().unchecked_into(), App).forget();
    wrapper
}

fn by_test_id<T: JsCast>(root: &Element, id: &str) -> T {
    root.query_selector(&format!("[data-testid='{id}']"))
        .unwrap()
        .unwrap_or_else(|| panic!("no element with data-testid={id}"))
        .unchecked_into()
}

fn has_test_id(root: &Element, id: &str) -> bool {
    root.query_selector(&format!("[data-testid='{id}']"))
        .unwrap()
        .is_some()
}

/// A committed golden fingerprint (computed natively) of a sample's default spec; the page
/// authors new specs in the latest numerics, so its entries are under `numerics2/`.
fn golden(name: &str) -> String {
    include_str!("../crates/engine/tests/golden/fingerprints.txt")
        .lines()
        .find_map(|line| {
            line.strip_prefix(name)?
                .strip_prefix(' ')
                .map(str::to_owned)
        })
        .unwrap()
}

#[wasm_bindgen_test]
async fn run_all_shows_passing_checks_with_the_golden_fingerprint_and_enables_export() {
    let app = mount_app();
    let export: HtmlElement = by_test_id(&app, "export");
    assert!(export.has_attribute("disabled"));
    assert!(text_of(&app, "data-shape").contains("569 rows"));

    click(&app, "run-all");
    until("the fingerprint", || has_test_id(&app, "fingerprint")).await;
    let card: Element = by_test_id(&app, "check-reproducible_training");
    until("the verdict", || text_of(&card, "verdict") == "Pass").await;
    assert!(has_test_id(&card, "loss-curve"));
    assert_eq!(
        text_of(&app, "fingerprint"),
        golden("numerics2/spec/logistic_regression/breast_cancer")
    );
    // Classification: the confusion matrix of the validation split.
    assert!(has_test_id(&app, "confusion-matrix"));
    until("export", || !export.has_attribute("disabled")).await;
    assert!(text_of(&app, "spec-preview").contains("\"parameter_fingerprint\""));
    // Not Done before anything was exported.
    assert!(text_of(&app, "path-export").contains("Needs attention"));
}

#[wasm_bindgen_test]
async fn a_seed_that_is_not_a_number_is_explained_where_it_is_typed() {
    let app = mount_app();
    type_into(&app, "seed", "forty-two", "input");
    tick().await;
    let error = text_of(&app, "seed-error");
    // Quoted as a person writes it, not in a terminal's backticks.
    assert!(error.contains("“forty-two” is not a number"), "{error}");
    // What the user typed stays in the box; the draft keeps the last valid seed.
    assert_eq!(
        by_test_id::<HtmlInputElement>(&app, "seed").value(),
        "forty-two"
    );
    // Nothing runs on the old seed meanwhile: Run all waits, and the field is named with a way
    // to it.
    tick().await;
    let run_all: HtmlElement = by_test_id(&app, "run-all");
    assert!(run_all.has_attribute("disabled"));
    let problems = text_of(&app, "run-all-problems");
    assert!(problems.contains("Seed"), "{problems}");
    let go: HtmlElement = by_test_id(&app, "go-to-field");
    go.click();
    let focused = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .map(|e| e.id());
    assert_eq!(focused.as_deref(), Some("seed"));
}

#[wasm_bindgen_test]
async fn another_sample_shows_its_own_data_and_trains_its_own_model() {
    let app = mount_app();
    choose(&app, "sample", "diabetes");
    tick().await;
    assert!(text_of(&app, "data-shape").contains("442 rows"));

    click(&app, "train");
    until("the fingerprint", || has_test_id(&app, "fingerprint")).await;
    assert_eq!(
        text_of(&app, "fingerprint"),
        golden("numerics2/spec/linear_regression_300_momentum/diabetes")
    );
    // Regression: predictions against the truth.
    assert!(has_test_id(&app, "predicted-vs-actual"));
}

#[wasm_bindgen_test]
async fn an_uploaded_csv_is_profiled_and_a_broken_one_is_refused_with_its_line() {
    let app = mount_app();
    upload(&app, "upload", "broken.csv", "a,b,c\n1,2,3\n4,5\n");
    until("the error", || has_test_id(&app, "upload-error")).await;
    let error = text_of(&app, "upload-error");
    // The engine's backtick-quoted name is set as code.
    assert!(
        error.contains("broken.csv") && !error.contains('`'),
        "{error}"
    );
    let name: Element = by_test_id(&app, "upload-error");
    let code = name
        .query_selector("code")
        .unwrap()
        .expect("the name as code");
    assert_eq!(code.text_content().as_deref(), Some("broken.csv"));
    assert!(error.contains("line 3"), "{error}");
    assert!(
        text_of(&app, "data-shape").contains("569 rows"),
        "the sample is kept"
    );

    let csv =
        "id,height,colour,size\n1,1.5,red,10.5\n2,2.5,blue,20.25\n3,,red,30.75\n4,4.5,blue,41.5\n";
    upload(&app, "upload", "things.csv", csv);
    until("the new data", || {
        text_of(&app, "data-shape").contains("4 rows")
    })
    .await;
    assert!(!has_test_id(&app, "upload-error"));
    assert_eq!(
        by_test_id::<HtmlSelectElement>(&app, "target").value(),
        "size"
    );
    assert_eq!(
        by_test_id::<HtmlSelectElement>(&app, "task").value(),
        "regression"
    );
    let height: Element = by_test_id(&app, "profile-height");
    assert!(
        height.text_content().unwrap().contains('1'),
        "one missing value"
    );
    assert!(has_test_id(&height, "histogram"));
    assert_eq!(
        by_test_id::<HtmlSelectElement>(&app, "kind-id").value(),
        "identifier"
    );
}

#[wasm_bindgen_test]
async fn a_threshold_out_of_reach_makes_its_check_fail_and_a_bad_one_is_refused() {
    let app = mount_app();
    let card: Element = by_test_id(&app, "check-metric_threshold");
    // A bar accuracy can never reach is refused in words; one just short of perfect runs.
    type_into(&card, "param-threshold", "1.5", "input");
    tick().await;
    assert!(text_of(&card, "param-threshold-error").contains("between 0 and 1 for accuracy"));
    type_into(&card, "param-threshold", "0.999", "input");
    tick().await;
    click(&card, "run-check");
    until("the verdict", || text_of(&card, "verdict") == "Fail").await;
    assert!(text_of(&card, "check-summary").contains("0.999"));

    let tiny: Element = by_test_id(&app, "check-overfit_tiny_batch");
    type_into(&tiny, "param-rows", "2.5", "input");
    tick().await;
    assert!(text_of(&tiny, "param-rows-error").contains("whole number"));
}

#[wasm_bindgen_test]
async fn training_can_be_cancelled_and_run_again() {
    let app = mount_app();
    type_into(&app, "epochs", "5000", "input");
    click(&app, "train");
    until("progress", || has_test_id(&app, "training-progress")).await;
    click(&app, "cancel-training");
    until("the cancellation", || {
        has_test_id(&app, "training-cancelled")
    })
    .await;
    assert!(text_of(&app, "training-cancelled").contains("Cancelled after"));
    assert!(!has_test_id(&app, "fingerprint"));

    type_into(&app, "epochs", "3", "input");
    click(&app, "train");
    until("the fingerprint", || has_test_id(&app, "fingerprint")).await;
    assert!(!has_test_id(&app, "training-cancelled"));
}

#[wasm_bindgen_test]
async fn the_draft_is_restored_after_a_reload() {
    let app = mount_app();
    choose(&app, "sample", "iris");
    type_into(&app, "seed", "7", "input");
    let card: Element = by_test_id(&app, "check-no_duplicate_rows");
    by_test_id::<HtmlInputElement>(&card, "check-enabled").click();
    tick().await;

    let reloaded = mount_again();
    // Reactive properties such as an input's value are set once the page has ticked.
    tick().await;
    assert!(text_of(&reloaded, "data-shape").contains("150 rows"));
    assert_eq!(
        by_test_id::<HtmlInputElement>(&reloaded, "seed").value(),
        "7"
    );
    let card: Element = by_test_id(&reloaded, "check-no_duplicate_rows");
    assert!(!by_test_id::<HtmlInputElement>(&card, "check-enabled").checked());
    assert_eq!(text_of(&card, "verdict"), "Off");
}

#[wasm_bindgen_test]
async fn a_new_draft_asks_first_and_then_shows_its_own_settings() {
    let app = mount_app();
    type_into(&app, "seed", "7", "input");
    tick().await;
    let window = web_sys::window().unwrap();
    // The page asks before discarding: answer no, then yes.
    let answer = |yes: bool| {
        let answer =
            js_sys::Function::new_no_args(if yes { "return true" } else { "return false" });
        js_sys::Reflect::set(&window, &"confirm".into(), &answer).unwrap();
    };
    answer(false);
    click(&app, "new-draft");
    tick().await;
    assert_eq!(by_test_id::<HtmlInputElement>(&app, "seed").value(), "7");
    answer(true);
    click(&app, "new-draft");
    tick().await;
    tick().await;
    assert_eq!(by_test_id::<HtmlInputElement>(&app, "seed").value(), "42");
}

#[wasm_bindgen_test]
async fn every_control_has_a_label() {
    let app = mount_app();
    click(&app, "run-all");
    until("the fingerprint", || has_test_id(&app, "fingerprint")).await;
    let controls = app.query_selector_all("input, select").unwrap();
    assert!(controls.length() > 20);
    for i in 0..controls.length() {
        let control: Element = controls.item(i).unwrap().unchecked_into();
        let labelled = control.has_attribute("aria-label")
            || match control.dyn_ref::<HtmlInputElement>() {
                Some(input) => input.labels().is_some_and(|l| l.length() > 0),
                None => {
                    control
                        .unchecked_ref::<HtmlSelectElement>()
                        .labels()
                        .length()
                        > 0
                }
            };
        assert!(labelled, "no label: {}", control.outer_html());
    }
}

fn click(root: &Element, id: &str) {
    by_test_id::<HtmlElement>(root, id).click();
}

fn choose(root: &Element, id: &str, value: &str) {
    let select: HtmlSelectElement = by_test_id(root, id);
    select.set_value(value);
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

fn upload(root: &Element, id: &str, name: &str, text: &str) {
    let input: HtmlInputElement = by_test_id(root, id);
    input.set_files(Some(&file_transfer(name, text).files().unwrap()));
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

/// Waits (up to 30 s) for `ready`, letting the browser run timers, file reads and repaints.
async fn until(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..600 {
        if ready() {
            return;
        }
        let pause = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50)
                .unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(pause).await.unwrap();
    }
    panic!("timed out waiting for {what}");
}

/// A file holding `text`, in a DataTransfer as a picker or a drop delivers it.
fn file_transfer(name: &str, text: &str) -> DataTransfer {
    let file =
        web_sys::File::new_with_str_sequence(&js_sys::Array::of1(&text.into()), name).unwrap();
    let transfer = DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    transfer
}

fn text_of(root: &Element, id: &str) -> String {
    by_test_id::<Element>(root, id).text_content().unwrap()
}

/// Mounts the app as if opened from a link ending in `hash`.
fn mount_app_at(hash: &str) -> Element {
    let location = leptos::prelude::location();
    location.set_hash(hash).unwrap();
    let app = mount_app();
    // Later tests start without a fragment.
    location.set_hash("").unwrap();
    app
}

#[wasm_bindgen_test]
async fn a_damaged_spec_file_is_explained_and_the_page_keeps_working() {
    let app = mount_app();
    let input: HtmlInputElement = by_test_id(&app, "open-spec");
    let transfer = file_transfer("broken.assay.json", "{\"format_version\": 1, \"name\": ");
    input.set_files(Some(&transfer.files().unwrap()));
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    until("the error", || has_test_id(&app, "review-error")).await;

    let error: Element = by_test_id(&app, "review-error");
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
    let message = error.text_content().unwrap();
    assert!(
        message.contains("broken.assay.json cannot be opened as an Assay spec")
            && !message.contains('`'),
        "{message}"
    );
    assert!(message.contains("not valid JSON"), "{message}");
    assert!(!has_test_id(&app, "replay"));
    // The author's side is untouched.
    assert!(text_of(&app, "data-shape").contains("569 rows"));
}

#[wasm_bindgen_test]
async fn a_damaged_share_link_is_explained_on_start_up() {
    let fragment = share::to_fragment(&Spec::new(
        "x",
        DatasetSpec::from_csv("a.csv", "a,b\n1,2\n", 1),
        Preprocessing::new("b", assay_engine::data::Task::Regression),
        SAMPLES[1].model.clone(),
        TrainConfig::default(),
        Vec::new(),
    ));
    let app = mount_app_at(&fragment[..fragment.len() - 10]);
    let message = text_of(&app, "review-error");
    assert!(
        message.starts_with("The share link cannot be opened as an Assay spec"),
        "{message}"
    );
    assert!(message.contains("cut short"), "{message}");
}

#[wasm_bindgen_test]
async fn markup_in_a_dropped_spec_is_shown_as_text() {
    let sample = &SAMPLES[0];
    let name = "<img src=x onerror=\"document.body.dataset.hacked=1\"><script>alert(1)</script>";
    let rows = Table::parse_csv(sample.csv).unwrap().row_count();
    let spec = Spec::new(
        name,
        DatasetSpec::from_csv(sample.file_name, sample.csv, rows),
        Preprocessing::new(sample.target, sample.task),
        sample.model.clone(),
        TrainConfig::default(),
        Vec::new(),
    );
    let app = mount_app();
    let init = web_sys::DragEventInit::new();
    init.set_data_transfer(Some(&file_transfer("hostile.json", &spec.to_json())));
    let drop = web_sys::DragEvent::new_with_event_init_dict("drop", &init).unwrap();
    by_test_id::<Element>(&app, "drop-zone")
        .dispatch_event(&drop)
        .unwrap();
    until("the opened spec", || has_test_id(&app, "review-spec")).await;

    assert!(text_of(&app, "review-spec").contains(name));
    let panel: Element = by_test_id(&app, "review-spec");
    assert!(panel.query_selector("img, script").unwrap().is_none());
    assert!(
        !leptos::prelude::document()
            .body()
            .unwrap()
            .has_attribute("data-hacked")
    );
    // Nothing recorded, so nothing to compare with: said, and Replay is off.
    assert!(text_of(&app, "cannot-replay").contains("no recorded results"));
    assert!(by_test_id::<HtmlElement>(&app, "replay").has_attribute("disabled"));
}

#[wasm_bindgen_test]
fn a_file_dropped_beside_the_drop_zone_does_not_take_the_browser_away() {
    let _app = mount_app();
    let init = web_sys::DragEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_data_transfer(Some(&file_transfer("spec.json", "{}")));
    let drop = web_sys::DragEvent::new_with_event_init_dict("drop", &init).unwrap();
    let body = leptos::prelude::document().body().unwrap();
    body.dispatch_event(&drop).unwrap();
    // Not cancelled, the browser would replace the app with the dropped file.
    assert!(drop.default_prevented());
}

#[wasm_bindgen_test]
async fn a_share_link_opens_the_spec_and_replay_reproduces_it() {
    let authored = samples::author(&SAMPLES[1], 3).unwrap();
    let app = mount_app_at(&share::to_fragment(&authored.spec));
    assert!(text_of(&app, "review-spec").contains("a share link"));
    // Opened from a link, the page is the reviewer's: the workbench is hidden.
    assert!(has_test_id(&app, "review-page"));
    let workbench = app.query_selector(".workbench").unwrap().unwrap();
    assert!(workbench.has_attribute("hidden"));
    assert!(text_of(&app, "review-checks").contains("Clears a fixed quality bar"));

    by_test_id::<HtmlElement>(&app, "replay").click();
    until("the verdict", || has_test_id(&app, "replay-verdict")).await;
    assert_eq!(
        text_of(&app, "replay-verdict"),
        "Reproduced bit-identically"
    );
    let table = text_of(&app, "comparison");
    assert!(
        table.contains(&authored.run.parameter_fingerprint),
        "{table}"
    );
    assert!(!table.contains('✗'), "{table}");
}

#[wasm_bindgen_test]
async fn a_replay_shows_progress_and_can_be_cancelled() {
    let authored = samples::author(&SAMPLES[0], 3).unwrap();
    let app = mount_app_at(&share::to_fragment(&authored.spec));
    click(&app, "replay");
    tick().await;
    assert!(has_test_id(&app, "progress"));
    click(&app, "cancel-replay");
    until("the cancellation", || has_test_id(&app, "review-error")).await;
    assert!(text_of(&app, "review-error").contains("Replay cancelled"));
    assert!(!has_test_id(&app, "replay-verdict"));
}

/// Sets the value of the input with `id` under `root` and fires `event` on it, as typing does.
fn type_into(root: &Element, id: &str, text: &str, event: &str) {
    let input: HtmlInputElement = by_test_id(root, id);
    input.set_value(text);
    input
        .dispatch_event(&web_sys::Event::new(event).unwrap())
        .unwrap();
}

#[wasm_bindgen_test]
async fn endpoint_cases_are_drafted_edited_and_a_dead_server_is_told_apart() {
    let app = mount_app();
    let draft: HtmlElement = by_test_id(&app, "draft-cases");
    assert!(draft.has_attribute("disabled"));
    assert!(by_test_id::<HtmlElement>(&app, "run-cases").has_attribute("disabled"));
    click(&app, "train");
    until("the trained model", || !draft.has_attribute("disabled")).await;
    by_test_id::<HtmlElement>(&app, "draft-cases").click();
    tick().await;
    for i in 0..5 {
        assert!(has_test_id(&app, &format!("case-{i}")), "case {i}");
    }
    assert!(
        text_of(&app, "path-endpoints").contains("Needs attention"),
        "not run yet"
    );
    let first: Element = by_test_id(&app, "case-0");
    // Every control has a label.
    let unlabelled = app
        .query_selector("[data-testid='endpoints'] input:not(label input), [data-testid='endpoints'] select:not(label select)")
        .unwrap();
    assert!(unlabelled.is_none());

    // Edits are checked where they are typed.
    type_into(&first, "case-label", "B", "change");
    // One field per feature, labelled with its name; a number feature takes only numbers.
    let fields = first
        .query_selector_all("[data-testid='case-input'] input[data-feature]")
        .unwrap();
    assert_eq!(fields.length(), 30);
    let label = by_test_id::<Element>(&first, "case-input-0")
        .closest("label")
        .unwrap()
        .unwrap();
    assert!(label.text_content().unwrap().contains("mean_radius"));
    type_into(&first, "case-input-0", "1, 2", "change");
    tick().await;
    assert!(text_of(&first, "case-error").contains("mean_radius takes a number"));

    // A credential header needs its value typed before anything is sent.
    type_into(&app, "endpoint-url", "http://127.0.0.1:9", "input");
    type_into(&app, "credential-header", "Authorization", "input");
    by_test_id::<HtmlElement>(&app, "run-cases").click();
    tick().await;
    assert!(text_of(&app, "endpoint-error").contains("Type the credential"));

    // Nothing listens on port 9: every case fails on its own, as a dead server, not CORS.
    type_into(&app, "credential-value", "Bearer t0ken", "input");
    by_test_id::<HtmlElement>(&app, "run-cases").click();
    until("all five results", || {
        has_test_id(&app, "cases-summary") && text_of(&app, "cases-summary").starts_with("0 of 5")
    })
    .await;
    assert!(text_of(&first, "case-summary").contains("Connection refused"));
    assert!(text_of(&app, "path-endpoints").contains("5 failing"));
    assert!(!has_test_id(&app, "runs-in-ci"));
    assert!(!app.text_content().unwrap().contains("t0ken"));

    // A case can be added (shaped like the last one) and removed.
    click(&app, "add-case");
    tick().await;
    assert!(has_test_id(&app, "case-5"));
    click(&by_test_id(&app, "case-0"), "remove-case");
    tick().await;
    assert!(has_test_id(&app, "case-4") && !has_test_id(&app, "case-5"));
}
