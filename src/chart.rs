//! Small SVG charts, drawn by hand: a few lines of geometry cost less bundle than a chart crate.

use leptos::prelude::*;

/// Points of a polyline through `values`, scaled into a `width` × `height` box (y grows down).
/// Non-finite values are skipped so a diverged run still draws what it has.
pub fn polyline_points(values: &[f64], width: f64, height: f64) -> String {
    let finite: Vec<(usize, f64)> = values
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .collect();
    let (Some(min), Some(max)) = (
        finite.iter().map(|p| p.1).reduce(f64::min),
        finite.iter().map(|p| p.1).reduce(f64::max),
    ) else {
        return String::new();
    };
    let span = if max > min { max - min } else { 1.0 };
    let steps = values.len().saturating_sub(1).max(1) as f64;
    finite
        .iter()
        .map(|&(i, v)| {
            let x = i as f64 / steps * width;
            let y = height - (v - min) / span * height;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Training loss per epoch.
#[component]
pub fn LossCurve(values: Vec<f64>) -> impl IntoView {
    const W: f64 = 320.0;
    const H: f64 = 120.0;
    let first = values.first().copied().unwrap_or(f64::NAN);
    let last = values.last().copied().unwrap_or(f64::NAN);
    let points = polyline_points(&values, W, H);
    view! {
        <figure class="chart" data-testid="loss-curve">
            <svg viewBox=format!("-4 -4 {} {}", W + 8.0, H + 8.0) role="img"
                aria-label=format!("Training loss fell from {first:.4} to {last:.4} over {} epochs", values.len().saturating_sub(1))>
                <line class="axis" x1="0" y1=H x2=W y2=H />
                <line class="axis" x1="0" y1="0" x2="0" y2=H />
                <polyline class="series" points=points />
            </svg>
            <figcaption>{format!("Training loss per epoch: {first:.4} → {last:.4}")}</figcaption>
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

#[cfg(test)]
mod tests {
    use super::{bar_heights, polyline_points, short};

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
}
