//! Small SVG charts, drawn by hand: a few lines of geometry cost less bundle than a chart crate.

use leptos::prelude::*;

/// Smallest and largest finite value in `values`.
fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |range, v| match range {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Points of a polyline through `values` (one per epoch, `steps` epochs wide), with `lo`..`hi`
/// filling a `width` × `height` box (y grows down). Non-finite values are skipped so a diverged
/// run still draws what it has.
fn scaled_points(
    values: &[f64],
    steps: usize,
    (lo, hi): (f64, f64),
    width: f64,
    height: f64,
) -> String {
    let span = if hi > lo { hi - lo } else { 1.0 };
    let steps = steps.max(1) as f64;
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, &v)| {
            let x = i as f64 / steps * width;
            let y = height - (v - lo) / span * height;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Points of a polyline through `values`, scaled into a `width` × `height` box (y grows down).
pub fn polyline_points(values: &[f64], width: f64, height: f64) -> String {
    finite_range(values.iter().copied()).map_or_else(String::new, |range| {
        scaled_points(values, values.len().saturating_sub(1), range, width, height)
    })
}

/// About `count` round values (steps of 1, 2 or 5 times a power of ten) from `lo` to `hi`, and
/// their step; a single value when the range is a point.
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> (Vec<f64>, f64) {
    if !(lo.is_finite() && hi.is_finite()) || hi < lo {
        return (Vec::new(), 1.0);
    }
    if hi == lo || count == 0 {
        return (vec![lo], 1.0);
    }
    let raw = (hi - lo) / count as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude);
    let (first, last) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
    ((first..=last).map(|k| k as f64 * step).collect(), step)
}

/// A tick value with as many decimals as its step needs.
pub fn tick_text(value: f64, step: f64) -> String {
    let decimals = if step > 0.0 && step < 1.0 {
        (-step.log10().floor()) as usize
    } else {
        0
    };
    let text = format!("{value:.decimals$}");
    // "-0" reads oddly on an axis.
    if text.trim_start_matches(['-', '0', '.']).is_empty() {
        text.trim_start_matches('-').to_owned()
    } else {
        text
    }
}

/// Loss per epoch: training, and validation when the run recorded it, on labelled axes.
#[component]
pub fn LossCurve(
    values: Vec<f64>,
    /// Validation loss per epoch, drawn dashed beside the training loss.
    #[prop(optional)]
    validation: Vec<f64>,
) -> impl IntoView {
    const W: f64 = 320.0;
    const H: f64 = 140.0;
    let epochs = values.len().max(validation.len()).saturating_sub(1);
    let range = finite_range(values.iter().chain(&validation).copied());
    let first = values.first().copied().unwrap_or(f64::NAN);
    let last = values.last().copied().unwrap_or(f64::NAN);
    let mut description = format!(
        "Training loss fell from {first:.4} to {last:.4} over {}",
        plural(epochs, "epoch", "epochs")
    );
    if let (Some(a), Some(b)) = (validation.first(), validation.last()) {
        description += &format!("; validation loss went from {a:.4} to {b:.4}");
    }
    let (training_points, validation_points) = range.map_or_else(Default::default, |range| {
        (
            scaled_points(&values, epochs, range, W, H),
            scaled_points(&validation, epochs, range, W, H),
        )
    });
    let y_ticks = range.map_or_else(Vec::new, |(lo, hi)| {
        let (ticks, step) = nice_ticks(lo, hi, 4);
        let span = if hi > lo { hi - lo } else { 1.0 };
        ticks
            .into_iter()
            .map(|t| (round2(H - (t - lo) / span * H), tick_text(t, step)))
            .collect()
    });
    let x_ticks: Vec<(f64, String)> = nice_ticks(0.0, epochs as f64, 4)
        .0
        .into_iter()
        .filter(|t| t.fract() == 0.0)
        .map(|t| (round2(t / epochs.max(1) as f64 * W), format!("{t:.0}")))
        .collect();
    let has_validation = !validation.is_empty();
    view! {
        <figure class="chart loss" data-testid="loss-curve">
            <svg viewBox=format!("-56 -8 {} {}", W + 68.0, H + 46.0) role="img" aria-label=description>
                <g class="y-axis" data-testid="loss-axis">
                    <line class="axis" x1="0" y1="0" x2="0" y2=H />
                    {y_ticks.into_iter().map(|(y, text)| view! {
                        <line class="grid" x1="0" y1=y x2=W y2=y />
                        <text class="tick" x="-6" y={y + 3.0} text-anchor="end">{text}</text>
                    }).collect_view()}
                    <text class="axis-label" x={-H / 2.0} y="-44" text-anchor="middle" transform="rotate(-90)">"loss"</text>
                </g>
                <g class="x-axis" data-testid="epoch-axis">
                    <line class="axis" x1="0" y1=H x2=W y2=H />
                    {x_ticks.into_iter().map(|(x, text)| view! {
                        <text class="tick" x=x y={H + 14.0} text-anchor="middle">{text}</text>
                    }).collect_view()}
                    <text class="axis-label" x={W / 2.0} y={H + 32.0} text-anchor="middle">"epoch"</text>
                </g>
                <polyline class="series" data-testid="training-loss" points=training_points />
                {has_validation.then(|| view! {
                    <polyline class="series validation" data-testid="validation-loss" points=validation_points />
                })}
            </svg>
            <figcaption>
                {format!("Training loss per epoch (solid line): {first:.4} → {last:.4}")}
                {has_validation.then_some("; validation loss: dashed line")}
            </figcaption>
        </figure>
    }
}

/// A number short enough for a label: at most three decimals, no trailing zeros.
fn short(v: f64) -> String {
    let magnitude = v.abs();
    if v == 0.0 {
        "0".to_owned()
    } else if !v.is_finite() || (1e-3..1e9).contains(&magnitude) {
        let fixed = format!("{v:.3}");
        let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
        trimmed.to_owned()
    } else {
        format!("{v:.2e}")
    }
}

/// Two decimals are plenty for SVG coordinates and keep the DOM small.
fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Bar heights scaled so the tallest bin fills `height`; all-zero counts give all-zero bars.
pub fn bar_heights(counts: &[u32], height: f64) -> Vec<f64> {
    let tallest = counts.iter().copied().max().unwrap_or(0);
    counts
        .iter()
        .map(|&c| {
            if tallest == 0 {
                0.0
            } else {
                f64::from(c) / f64::from(tallest) * height
            }
        })
        .collect()
}

/// A column's value distribution as a sparkline-sized bar chart; `edges` bound the bins.
#[component]
pub fn Histogram(counts: Vec<u32>, edges: Vec<f64>, #[prop(into)] label: String) -> impl IntoView {
    const W: f64 = 120.0;
    const H: f64 = 36.0;
    let tallest = counts.iter().copied().max().unwrap_or(0);
    let description = match (counts.len(), edges.first(), edges.last()) {
        (0, _, _) => format!("Histogram of {label}: no values"),
        (n, Some(lo), Some(hi)) => format!(
            "Histogram of {label}: {} from {} to {}, tallest bin {}",
            plural(n, "bin", "bins"),
            short(*lo),
            short(*hi),
            plural(tallest as usize, "row", "rows"),
        ),
        (n, _, _) => format!(
            "Histogram of {label}: {}, tallest bin {}",
            plural(n, "bin", "bins"),
            plural(tallest as usize, "row", "rows"),
        ),
    };
    let width = W / counts.len().max(1) as f64;
    // A hairline gap separates neighbours without eating narrow bars.
    let gap = if counts.len() > 1 {
        (width * 0.2).min(1.0)
    } else {
        0.0
    };
    let bars = bar_heights(&counts, H)
        .into_iter()
        .zip(&counts)
        .enumerate()
        .map(|(i, (h, &count))| {
            let range = match (edges.get(i), edges.get(i + 1)) {
                (Some(lo), Some(hi)) => format!("{} to {}: ", short(*lo), short(*hi)),
                _ => String::new(),
            };
            view! {
                <rect class="bar" x={round2(i as f64 * width + gap / 2.0)} y={round2(H - h)}
                    width={round2(width - gap)} height={round2(h)}>
                    <title>{format!("{range}{}", plural(count as usize, "row", "rows"))}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg class="histogram" data-testid="histogram" viewBox=format!("0 0 {W} {}", H + 1.0)
            role="img" aria-label=description>
            {bars}
            <line class="baseline" x1="0" y1=H x2=W y2=H />
        </svg>
    }
}

/// Each cell's share of its row (the true class), so rows of any size shade alike.
/// An empty row gives zeros rather than NaN.
pub fn row_shares(matrix: &[Vec<u64>]) -> Vec<Vec<f64>> {
    matrix
        .iter()
        .map(|row| {
            let total: u64 = row.iter().sum();
            row.iter()
                .map(|&c| {
                    if total == 0 {
                        0.0
                    } else {
                        c as f64 / total as f64
                    }
                })
                .collect()
        })
        .collect()
}

/// Share at and above which a cell is dark and its text white.
const STRONG_SHARE: f64 = 0.6;

/// Accent opacity for a cell with `share` of its row, and whether its text should be white.
/// The opacity jumps at the switch so both text colours keep at least 4.5:1 contrast (WCAG AA):
/// dark ink stays readable up to 0.6 opacity of the accent, white text from 0.85.
pub fn cell_shade(share: f64) -> (f64, bool) {
    let share = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    if share < STRONG_SHARE {
        (share, false)
    } else {
        (
            0.85 + (share - STRONG_SHARE) / (1.0 - STRONG_SHARE) * 0.15,
            true,
        )
    }
}

/// Counts of predictions per true class (rows) and predicted class (columns).
#[component]
pub fn ConfusionMatrix(matrix: Vec<Vec<u64>>, labels: Vec<String>) -> impl IntoView {
    let n = matrix.len();
    let name = move |i: usize| {
        labels
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("class {i}"))
    };
    let shares = row_shares(&matrix);
    let header = (0..n)
        .map(|j| view! { <th scope="col">{name(j)}</th> })
        .collect_view();
    let rows = (0..n)
        .map(|i| {
            let total: u64 = matrix[i].iter().sum();
            let cells = (0..n)
                .map(|j| {
                    let count = matrix[i].get(j).copied().unwrap_or(0);
                    let share = shares[i].get(j).copied().unwrap_or(0.0);
                    let (alpha, strong) = cell_shade(share);
                    let class = match (i == j, strong) {
                        (true, true) => "diagonal strong",
                        (true, false) => "diagonal",
                        (false, true) => "strong",
                        (false, false) => "",
                    };
                    // Mixed with white, not transparent, so contrast does not depend on the page.
                    let style = format!(
                        "background: color-mix(in srgb, var(--accent) {:.0}%, white)",
                        alpha * 100.0
                    );
                    let title = format!(
                        "{count} of {total} true {} predicted as {} ({:.0}%)",
                        name(i),
                        name(j),
                        share * 100.0
                    );
                    let class = (!class.is_empty()).then_some(class);
                    view! { <td class=class style=style title=title>{count}</td> }
                })
                .collect_view();
            view! { <tr><th scope="row">{name(i)}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-scroll confusion-scroll">
            <table class="confusion" data-testid="confusion-matrix">
                <caption>
                    "Confusion matrix. Rows: true class; columns: predicted class. "
                    "Shading: share of the row; outlined cells are correct."
                </caption>
                <thead>
                    <tr><th scope="col" class="corner">"true ↓ / predicted →"</th>{header}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// Smallest and largest finite value over both coordinates: one scale for both axes.
fn common_range(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let values = points
        .iter()
        .filter(|(a, p)| a.is_finite() && p.is_finite())
        .flat_map(|&(a, p)| [a, p]);
    values.fold(None, |range, v| match range {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// SVG positions of the finite (actual, predicted) points in a `size` square, both axes on one
/// scale so the diagonal means "predicted = actual" (y grows down). If every value is equal the
/// points sit in the middle, on the diagonal.
pub fn scatter_coords(points: &[(f64, f64)], size: f64) -> Vec<(f64, f64)> {
    let Some((lo, hi)) = common_range(points) else {
        return Vec::new();
    };
    let span = hi - lo;
    points
        .iter()
        .filter(|(a, p)| a.is_finite() && p.is_finite())
        .map(|&(a, p)| {
            if span > 0.0 {
                ((a - lo) / span * size, size - (p - lo) / span * size)
            } else {
                (size / 2.0, size / 2.0)
            }
        })
        .collect()
}

/// At most this many points are drawn: beyond it the scatter is a solid blob anyway and each
/// `<circle>` costs DOM.
pub const MAX_SCATTER_POINTS: usize = 2000;

/// At most `max` items, evenly spaced through `items` (first one included).
pub fn evenly_spaced<T: Copy>(items: &[T], max: usize) -> Vec<T> {
    if items.len() <= max {
        return items.to_vec();
    }
    (0..max).map(|i| items[i * items.len() / max]).collect()
}

/// A regression model's predictions against the truth on validation rows.
#[component]
pub fn PredictedVsActual(points: Vec<(f64, f64)>) -> impl IntoView {
    const S: f64 = 240.0;
    let coords = scatter_coords(&points, S);
    let shown = evenly_spaced(&coords, MAX_SCATTER_POINTS);
    let skipped = points.len() - coords.len();
    let description = match common_range(&points) {
        None => "Predicted against actual: no finite points".to_owned(),
        Some((lo, hi)) => {
            let mut text = format!(
                "Predicted against actual for {}, values from {} to {}",
                plural(coords.len(), "validation row", "validation rows"),
                short(lo),
                short(hi)
            );
            if shown.len() < coords.len() {
                text += &format!(", {} of them drawn", shown.len());
            }
            if skipped > 0 {
                text += &format!(
                    ", {} skipped",
                    plural(skipped, "non-finite row", "non-finite rows")
                );
            }
            text + "; points on the dashed diagonal are perfect predictions"
        }
    };
    let (lo, hi) = common_range(&points).map_or((String::new(), String::new()), |(lo, hi)| {
        (short(lo), short(hi))
    });
    let circles = shown
        .into_iter()
        .map(|(x, y)| view! { <circle class="point" cx={round2(x)} cy={round2(y)} r="2" /> })
        .collect_view();
    view! {
        <figure class="chart scatter" data-testid="predicted-vs-actual">
            <svg viewBox=format!("-62 -8 {} {}", S + 70.0, S + 38.0) role="img" aria-label=description>
                <line class="axis" x1="0" y1=S x2=S y2=S />
                <line class="axis" x1="0" y1="0" x2="0" y2=S />
                <line class="reference" data-testid="perfect-line" x1="0" y1=S x2=S y2="0" />
                {circles}
                <text class="tick" x="0" y={S + 12.0} text-anchor="start">{lo.clone()}</text>
                <text class="tick" x=S y={S + 12.0} text-anchor="end">{hi.clone()}</text>
                <text class="tick" x="-4" y=S text-anchor="end">{lo}</text>
                <text class="tick" x="-4" y="8" text-anchor="end">{hi}</text>
                <text class="axis-label" x={S / 2.0} y={S + 26.0} text-anchor="middle">"actual"</text>
                <text class="axis-label" x={-S / 2.0} y="-50" text-anchor="middle"
                    transform="rotate(-90)">"predicted"</text>
            </svg>
            <figcaption>"Predicted against actual; dashed line: perfect predictions"</figcaption>
        </figure>
    }
}

/// SVG position of a point of the unit square in a `size` square (y grows down).
fn unit_position((x, y): (f64, f64), size: f64) -> (f64, f64) {
    (round2(x * size), round2(size - y * size))
}

/// A curve in the unit square on labelled axes (ticks 0, 0.5, 1), with a dashed reference line
/// for a model that guesses.
fn unit_curve(
    points: &[(f64, f64)],
    reference: [(f64, f64); 2],
    axes: (&'static str, &'static str),
    description: String,
    test_id: &'static str,
) -> impl IntoView + use<> {
    const S: f64 = 160.0;
    let line = points
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|&p| {
            let (x, y) = unit_position(p, S);
            format!("{x},{y}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let [(x1, y1), (x2, y2)] = reference.map(|p| unit_position(p, S));
    let ticks = [0.0, 0.5, 1.0].map(|t| (round2(t * S), short(t)));
    let (x_label, y_label) = axes;
    view! {
        <svg viewBox=format!("-40 -8 {} {}", S + 52.0, S + 44.0) role="img" aria-label=description
            data-testid=test_id>
            <line class="axis" x1="0" y1=S x2=S y2=S />
            <line class="axis" x1="0" y1="0" x2="0" y2=S />
            <line class="reference" x1=x1 y1=y1 x2=x2 y2=y2 />
            {ticks.clone().into_iter().map(|(at, text)| view! {
                <text class="tick" x=at y={S + 14.0} text-anchor="middle">{text}</text>
            }).collect_view()}
            {ticks.into_iter().map(|(at, text)| view! {
                <text class="tick" x="-6" y={S - at + 3.0} text-anchor="end">{text}</text>
            }).collect_view()}
            <polyline class="series" points=line />
            <text class="axis-label" x={S / 2.0} y={S + 32.0} text-anchor="middle">{x_label}</text>
            <text class="axis-label" x={-S / 2.0} y="-28" text-anchor="middle" transform="rotate(-90)">{y_label}</text>
        </svg>
    }
}

/// A binary classifier's ROC curve: (false-positive rate, true-positive rate) per threshold.
#[component]
pub fn RocCurve(points: Vec<(f64, f64)>, #[prop(into)] positive: String) -> impl IntoView {
    let description = format!(
        "ROC curve for {positive} on the validation rows, {}: the higher and further left, \
         the better; the dashed diagonal is a model that guesses",
        plural(points.len().saturating_sub(1), "threshold", "thresholds")
    );
    view! {
        <figure class="chart curve" data-testid="roc-curve">
            {unit_curve(&points, [(0.0, 0.0), (1.0, 1.0)], ("false-positive rate", "true-positive rate"), description, "roc-svg")}
            <figcaption>{format!("ROC curve for {positive}; dashed: guessing")}</figcaption>
        </figure>
    }
}

/// A binary classifier's precision–recall curve: (recall, precision) per threshold.
#[component]
pub fn PrecisionRecallCurve(
    points: Vec<(f64, f64)>,
    #[prop(into)] positive: String,
    /// Share of positive rows: the precision of a model that guesses.
    base_rate: f64,
) -> impl IntoView {
    let description = format!(
        "Precision against recall for {positive} on the validation rows, {}: the higher \
         the better; the dashed line at {} is a model that guesses",
        plural(points.len().saturating_sub(1), "threshold", "thresholds"),
        short(base_rate)
    );
    view! {
        <figure class="chart curve" data-testid="precision-recall-curve">
            {unit_curve(&points, [(0.0, base_rate), (1.0, base_rate)], ("recall", "precision"), description, "precision-recall-svg")}
            <figcaption>{format!("Precision–recall for {positive}; dashed: guessing")}</figcaption>
        </figure>
    }
}

/// How far a long job has got, as a native `<progress>` plus the same in words.
#[component]
pub fn ProgressBar(
    #[prop(into)] done: Signal<u32>,
    #[prop(into)] total: Signal<u32>,
    #[prop(into)] label: String,
) -> impl IntoView {
    view! {
        <div class="progress-bar">
            // `max` must be positive; "0 of 0" shows as an empty bar rather than a default one.
            <progress data-testid="progress" aria-label=label
                max={move || total.get().max(1)} value={move || done.get().min(total.get())}>
            </progress>
            <span class="progress-text">{move || format!("{} of {}", done.get(), total.get())}</span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{
        MAX_SCATTER_POINTS, bar_heights, cell_shade, evenly_spaced, nice_ticks, polyline_points,
        row_shares, scatter_coords, short, tick_text,
    };

    fn labels(lo: f64, hi: f64) -> Vec<String> {
        let (ticks, step) = nice_ticks(lo, hi, 4);
        ticks.into_iter().map(|t| tick_text(t, step)).collect()
    }

    #[test]
    fn ticks_are_round_values_inside_the_range() {
        assert_eq!(labels(0.28, 0.8), ["0.4", "0.6", "0.8"]);
        assert_eq!(labels(0.0, 4.0), ["0", "1", "2", "3", "4"]);
        assert_eq!(labels(0.0, 400.0), ["0", "100", "200", "300", "400"]);
        assert_eq!(labels(0.09121, 0.09154), ["0.0913", "0.0914", "0.0915"]);
        assert_eq!(labels(-0.5, 0.5), ["-0.5", "0.0", "0.5"]);
        assert_eq!(labels(2.0, 2.0), ["2"]);
        assert!(labels(f64::NAN, 1.0).is_empty());
    }

    #[test]
    fn scales_into_the_box_with_high_values_at_the_top() {
        assert_eq!(
            polyline_points(&[4.0, 2.0, 0.0], 100.0, 10.0),
            "0.0,0.0 50.0,5.0 100.0,10.0"
        );
    }

    #[test]
    fn skips_non_finite_values_and_handles_flat_or_empty_series() {
        assert_eq!(
            polyline_points(&[1.0, f64::NAN, 1.0], 10.0, 10.0),
            "0.0,10.0 10.0,10.0"
        );
        assert_eq!(polyline_points(&[], 10.0, 10.0), "");
    }

    #[test]
    fn short_numbers_drop_trailing_zeros_and_tiny_or_huge_ones_use_exponents() {
        assert_eq!(short(1.2000000000000002), "1.2");
        assert_eq!(short(42.0), "42");
        assert_eq!(short(-0.0), "0");
        assert_eq!(short(0.00001234), "1.23e-5");
    }

    #[test]
    fn bars_scale_to_the_tallest_bin_and_empty_bins_are_flat() {
        assert_eq!(bar_heights(&[1, 4, 0, 2], 36.0), vec![9.0, 36.0, 0.0, 18.0]);
        assert_eq!(bar_heights(&[7], 36.0), vec![36.0]);
        assert_eq!(bar_heights(&[0, 0], 36.0), vec![0.0, 0.0]);
        assert!(bar_heights(&[], 36.0).is_empty());
    }

    #[test]
    fn row_shares_divide_by_the_row_total_and_empty_rows_are_zero() {
        let shares = row_shares(&[vec![3, 1], vec![0, 0], vec![0, 5]]);
        assert_eq!(
            shares,
            vec![vec![0.75, 0.25], vec![0.0, 0.0], vec![0.0, 1.0]]
        );
        assert!(shares.iter().flatten().all(|s| s.is_finite()));
        assert!(row_shares(&[]).is_empty());
    }

    #[test]
    fn cell_shade_switches_to_white_text_on_a_dark_enough_background() {
        assert_eq!(cell_shade(0.0), (0.0, false));
        assert_eq!(cell_shade(0.5), (0.5, false));
        let (alpha, white) = cell_shade(0.6);
        assert!(white && (alpha - 0.85).abs() < 1e-12);
        assert_eq!(cell_shade(1.0), (1.0, true));
        assert_eq!(cell_shade(f64::NAN), (0.0, false));
    }

    #[test]
    fn scatter_puts_both_axes_on_one_scale_with_y_growing_down() {
        // Common range is 0..10 over both coordinates.
        let coords = scatter_coords(&[(0.0, 10.0), (5.0, 5.0), (10.0, 2.5)], 100.0);
        assert_eq!(coords, vec![(0.0, 0.0), (50.0, 50.0), (100.0, 75.0)]);
    }

    #[test]
    fn scatter_skips_non_finite_points_and_centres_equal_values() {
        let coords = scatter_coords(
            &[
                (3.0, 3.0),
                (f64::NAN, 1.0),
                (3.0, f64::INFINITY),
                (3.0, 3.0),
            ],
            240.0,
        );
        assert_eq!(coords, vec![(120.0, 120.0), (120.0, 120.0)]);
        assert!(scatter_coords(&[], 240.0).is_empty());
        assert!(scatter_coords(&[(f64::NAN, f64::NAN)], 240.0).is_empty());
    }

    #[test]
    fn evenly_spaced_caps_the_count_and_spreads_over_the_whole_range() {
        let items: Vec<usize> = (0..10).collect();
        assert_eq!(evenly_spaced(&items, 5), vec![0, 2, 4, 6, 8]);
        assert_eq!(evenly_spaced(&items, 20), items);
        let many: Vec<usize> = (0..5000).collect();
        let capped = evenly_spaced(&many, MAX_SCATTER_POINTS);
        assert_eq!(capped.len(), MAX_SCATTER_POINTS);
        assert!(capped.last().is_some_and(|&last| last > 4990));
    }
}
