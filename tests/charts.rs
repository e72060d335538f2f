//! Chart components mounted on their own in headless Chromium, asserted on the rendered DOM.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use assay_app::logic::curves::{precision_recall_curve, roc_curve};
use assay_app::widgets::chart::{
    ConfusionMatrix, Histogram, LossCurve, MAX_SCATTER_POINTS, PrecisionRecallCurve,
    PredictedVsActual, ProgressBar, RocCurve,
};
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, HtmlProgressElement};

/// Mounts `view` in its own wrapper so tests do not see each other's DOM.
fn mount<F, V>(view: F) -> Element
where
    F: FnOnce() -> V + 'static,
    V: IntoView + 'static,
{
    let document = document();
    let wrapper = document.create_element("section").unwrap();
    document.body().unwrap().append_child(&wrapper).unwrap();
    mount_to(wrapper.clone().unchecked_into(), view).forget();
    wrapper
}

fn one(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn number(element: &Element, attribute: &str) -> f64 {
    element.get_attribute(attribute).unwrap().parse().unwrap()
}

#[wasm_bindgen_test]
fn histogram_draws_one_bar_per_bin_with_the_tallest_at_full_height() {
    let root = mount(|| {
        view! {
            <Histogram counts=vec![3, 12, 0, 6] edges=vec![1.2, 3.0, 5.0, 7.0, 9.8] label="age" />
        }
    });
    let svg = one(&root, "[data-testid='histogram']");
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    assert_eq!(
        svg.get_attribute("aria-label").as_deref(),
        Some("Histogram of age: 4 bins from 1.2 to 9.8, tallest bin 12 rows")
    );
    let bars = all(&svg, "rect");
    assert_eq!(bars.len(), 4);
    let heights: Vec<f64> = bars.iter().map(|bar| number(bar, "height")).collect();
    assert_eq!(heights, vec![9.0, 36.0, 0.0, 18.0]);
    assert_eq!(number(&bars[1], "y"), 0.0);
    // Bars stand on the same baseline.
    assert!(
        bars.iter()
            .all(|bar| number(bar, "y") + number(bar, "height") == 36.0)
    );
}

#[wasm_bindgen_test]
fn histogram_of_a_single_bin_fills_the_width() {
    let root = mount(|| view! { <Histogram counts=vec![1] edges=vec![5.0, 5.0] label="flag" /> });
    let svg = one(&root, "[data-testid='histogram']");
    assert_eq!(
        svg.get_attribute("aria-label").as_deref(),
        Some("Histogram of flag: 1 bin from 5 to 5, tallest bin 1 row")
    );
    let bars = all(&svg, "rect");
    assert_eq!(bars.len(), 1);
    assert_eq!(number(&bars[0], "width"), 120.0);
    assert_eq!(number(&bars[0], "height"), 36.0);
}

#[wasm_bindgen_test]
fn confusion_matrix_puts_counts_by_true_row_and_predicted_column_and_marks_the_diagonal() {
    let root = mount(|| {
        view! {
            <ConfusionMatrix
                matrix=vec![vec![9, 1, 0], vec![1, 5, 4], vec![0, 0, 0]]
                labels=vec!["cat".to_owned(), "dog".to_owned(), "fox".to_owned()]
            />
        }
    });
    let table = one(&root, "table[data-testid='confusion-matrix']");
    assert!(
        one(&table, "caption")
            .text_content()
            .unwrap()
            .contains("Rows: true class")
    );
    let corner = one(&table, "thead th");
    assert_eq!(corner.text_content().unwrap(), "true ↓ / predicted →");
    let column_heads: Vec<String> = all(&table, "thead th[scope='col']")
        .iter()
        .skip(1)
        .map(|th| th.text_content().unwrap())
        .collect();
    assert_eq!(column_heads, ["cat", "dog", "fox"]);

    let rows = all(&table, "tbody tr");
    assert_eq!(rows.len(), 3);
    let dog = &rows[1];
    assert_eq!(one(dog, "th[scope='row']").text_content().unwrap(), "dog");
    let cells: Vec<String> = all(dog, "td")
        .iter()
        .map(|td| td.text_content().unwrap())
        .collect();
    assert_eq!(cells, ["1", "5", "4"]);

    let diagonal: Vec<String> = all(&table, "td.diagonal")
        .iter()
        .map(|td| td.text_content().unwrap())
        .collect();
    assert_eq!(diagonal, ["9", "5", "0"]);
    // 9 of 10 is a strong share: dark shade, white text; 1 of 10 stays light.
    let cat = all(&rows[0], "td");
    assert!(cat[0].class_list().contains("strong"));
    assert!(
        cat[0]
            .get_attribute("style")
            .unwrap()
            .contains("var(--accent) 96%")
    );
    assert!(!cat[1].class_list().contains("strong"));
    assert!(
        cat[1]
            .get_attribute("style")
            .unwrap()
            .contains("var(--accent) 10%")
    );
    // An empty row is unshaded, not NaN.
    for td in all(&rows[2], "td") {
        assert!(
            td.get_attribute("style")
                .unwrap()
                .contains("var(--accent) 0%")
        );
    }
}

#[wasm_bindgen_test]
fn scatter_draws_one_circle_per_finite_point_and_the_perfect_line() {
    let root = mount(|| {
        view! {
            <PredictedVsActual points=vec![(1.0, 2.0), (3.0, 3.0), (f64::NAN, 1.0), (5.0, 4.0)] />
        }
    });
    let figure = one(&root, "[data-testid='predicted-vs-actual']");
    let svg = one(&figure, "svg");
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    let label = svg.get_attribute("aria-label").unwrap();
    assert!(label.contains("3 validation rows"), "{label}");
    assert!(label.contains("from 1 to 5"), "{label}");
    assert!(label.contains("1 non-finite row skipped"), "{label}");

    let circles = all(&svg, "circle");
    assert_eq!(circles.len(), 3);
    // (3, 3) lies on the diagonal, in the middle of the common 1..5 scale.
    assert_eq!(number(&circles[1], "cx"), 120.0);
    assert_eq!(number(&circles[1], "cy"), 120.0);

    let line = one(&svg, "[data-testid='perfect-line']");
    assert_eq!(
        ["x1", "y1", "x2", "y2"].map(|a| number(&line, a)),
        [0.0, 240.0, 240.0, 0.0]
    );
    let text = svg.text_content().unwrap();
    assert!(
        text.contains("actual") && text.contains("predicted"),
        "{text}"
    );
}

#[wasm_bindgen_test]
fn scatter_draws_at_most_the_cap() {
    let points: Vec<(f64, f64)> = (0..5000).map(|i| (f64::from(i), f64::from(i))).collect();
    let root = mount(move || view! { <PredictedVsActual points=points /> });
    assert_eq!(all(&root, "circle").len(), MAX_SCATTER_POINTS);
    let label = one(&root, "svg").get_attribute("aria-label").unwrap();
    assert!(label.contains("2000 of them drawn"), "{label}");
}

#[wasm_bindgen_test]
async fn progress_follows_its_signals() {
    let done = RwSignal::new(0u32);
    let total = RwSignal::new(10u32);
    let root =
        mount(move || view! { <ProgressBar done=done total=total label="Training models" /> });
    let progress = one(&root, "progress[data-testid='progress']");
    assert_eq!(
        progress.get_attribute("aria-label").as_deref(),
        Some("Training models")
    );
    let value = |p: &Element| p.unchecked_ref::<HtmlProgressElement>().value();
    let max = |p: &Element| p.unchecked_ref::<HtmlProgressElement>().max();
    assert_eq!((value(&progress), max(&progress)), (0.0, 10.0));
    assert!(root.text_content().unwrap().contains("0 of 10"));

    done.set(3);
    total.set(12);
    tick().await;
    assert_eq!((value(&progress), max(&progress)), (3.0, 12.0));
    assert!(root.text_content().unwrap().contains("3 of 12"));
}

fn texts(root: &Element, selector: &str) -> Vec<String> {
    all(root, selector)
        .iter()
        .map(|e| e.text_content().unwrap())
        .collect()
}

#[wasm_bindgen_test]
fn loss_curve_has_labelled_axes_with_epoch_and_loss_ticks() {
    let root = mount(|| view! { <LossCurve values=vec![0.8, 0.5, 0.35, 0.3, 0.28] /> });
    let figure = one(&root, "[data-testid='loss-curve']");
    let epochs = one(&figure, "[data-testid='epoch-axis']");
    assert_eq!(texts(&epochs, ".axis-label"), ["epoch"]);
    assert_eq!(texts(&epochs, ".tick"), ["0", "1", "2", "3", "4"]);
    let losses = one(&figure, "[data-testid='loss-axis']");
    assert_eq!(texts(&losses, ".axis-label"), ["loss"]);
    // Round values inside the range 0.28..0.8, lowest at the bottom.
    assert_eq!(texts(&losses, ".tick"), ["0.4", "0.6", "0.8"]);
    let ys: Vec<f64> = all(&losses, ".tick")
        .iter()
        .map(|t| number(t, "y"))
        .collect();
    assert!(ys.windows(2).all(|w| w[0] > w[1]), "{ys:?}");
    // The highest loss is at the top left, the last epoch at the right edge.
    let line = one(&figure, "[data-testid='training-loss']");
    let points = line.get_attribute("points").unwrap();
    assert!(points.starts_with("0.0,0.0 "), "{points}");
    assert!(points.ends_with(" 320.0,140.0"), "{points}");
    assert!(all(&figure, "[data-testid='validation-loss']").is_empty());
}

#[wasm_bindgen_test]
fn loss_curve_draws_the_validation_loss_beside_the_training_loss_on_one_scale() {
    let root = mount(|| {
        view! { <LossCurve values=vec![1.0, 0.5, 0.0] validation=vec![1.0, 0.75, 0.5] /> }
    });
    let validation = one(&root, "[data-testid='validation-loss']");
    assert_eq!(
        validation.get_attribute("points").as_deref(),
        Some("0.0,0.0 160.0,35.0 320.0,70.0")
    );
    let label = one(&root, "svg").get_attribute("aria-label").unwrap();
    assert!(
        label.contains("validation loss went from 1.0000 to 0.5000"),
        "{label}"
    );
    assert!(
        one(&root, "figcaption")
            .text_content()
            .unwrap()
            .contains("dashed")
    );
}

// scikit-learn's roc_curve documentation example.
const SCORES: [f64; 4] = [0.1, 0.4, 0.35, 0.8];
const ACTUAL: [f64; 4] = [0.0, 0.0, 1.0, 1.0];

#[wasm_bindgen_test]
fn roc_curve_from_known_scores_draws_the_known_points_on_labelled_axes() {
    let points = roc_curve(&SCORES, &ACTUAL).unwrap();
    let root = mount(move || view! { <RocCurve points=points positive="malignant" /> });
    let svg = one(&root, "[data-testid='roc-curve'] svg");
    // (0, 0), (0, 0.5), (0.5, 0.5), (0.5, 1), (1, 1) in a 160-unit square, y down.
    assert_eq!(
        one(&svg, "polyline").get_attribute("points").as_deref(),
        Some("0,160 0,80 80,80 80,0 160,0")
    );
    assert_eq!(
        texts(&svg, ".axis-label"),
        ["false-positive rate", "true-positive rate"]
    );
    assert_eq!(texts(&svg, ".tick"), ["0", "0.5", "1", "0", "0.5", "1"]);
    let label = svg.get_attribute("aria-label").unwrap();
    assert!(label.starts_with("ROC curve for malignant"), "{label}");
    assert!(label.contains("4 thresholds"), "{label}");
}

#[wasm_bindgen_test]
fn precision_recall_curve_puts_guessing_at_the_base_rate() {
    let points = precision_recall_curve(&SCORES, &ACTUAL).unwrap();
    let root = mount(move || {
        view! { <PrecisionRecallCurve points=points positive="yes" base_rate=0.5 /> }
    });
    let svg = one(&root, "[data-testid='precision-recall-curve'] svg");
    assert_eq!(
        one(&svg, "polyline").get_attribute("points").as_deref(),
        Some("0,0 80,0 80,80 160,53.33 160,80")
    );
    let guess = one(&svg, ".reference");
    assert_eq!(["y1", "y2"].map(|a| number(&guess, a)), [80.0, 80.0]);
    assert_eq!(texts(&svg, ".axis-label"), ["recall", "precision"]);
}
