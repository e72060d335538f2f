//! Component tests: the real app mounted in headless Chromium (wasm-bindgen-test), driven by
//! clicks, asserted on the DOM.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use assay_app::App;
use leptos::mount::mount_to;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app in its own wrapper so tests do not see each other's DOM.
fn mount_app() -> Element {
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

/// A committed golden fingerprint (computed natively) of a sample's default spec.
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
async fn run_shows_a_passing_check_with_the_golden_fingerprint_and_enables_export() {
    let app = mount_app();
    let export: HtmlElement = by_test_id(&app, "export");
    assert!(export.has_attribute("disabled"));
    assert!(
        by_test_id::<Element>(&app, "data-shape")
            .text_content()
            .unwrap()
            .contains("569 rows")
    );

    by_test_id::<HtmlElement>(&app, "run").click();
    tick().await;

    let card: Element = by_test_id(&app, "check-reproducible_training");
    assert_eq!(
        by_test_id::<Element>(&card, "verdict")
            .text_content()
            .unwrap(),
        "Pass"
    );
    assert!(has_test_id(&card, "loss-curve"));
    let fingerprint = by_test_id::<Element>(&app, "fingerprint")
        .text_content()
        .unwrap();
    assert_eq!(
        fingerprint,
        golden("spec/logistic_regression/breast_cancer")
    );
    assert!(!export.has_attribute("disabled"));
}

#[wasm_bindgen_test]
async fn an_invalid_seed_is_explained_and_blocks_run() {
    let app = mount_app();
    let seed: HtmlInputElement = by_test_id(&app, "seed");
    seed.set_value("forty-two");
    seed.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    tick().await;
    assert!(
        app.text_content()
            .unwrap()
            .contains("The seed must be a whole number")
    );
    assert!(by_test_id::<HtmlElement>(&app, "run").has_attribute("disabled"));
}

#[wasm_bindgen_test]
async fn another_sample_shows_its_own_data_and_trains_its_own_model() {
    let app = mount_app();
    let select: HtmlSelectElement = by_test_id(&app, "sample");
    select.set_value("diabetes");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    tick().await;
    assert!(
        by_test_id::<Element>(&app, "data-shape")
            .text_content()
            .unwrap()
            .contains("442 rows")
    );

    by_test_id::<HtmlElement>(&app, "run").click();
    tick().await;
    let fingerprint = by_test_id::<Element>(&app, "fingerprint")
        .text_content()
        .unwrap();
    assert_eq!(fingerprint, golden("spec/linear_regression/diabetes"));
}
