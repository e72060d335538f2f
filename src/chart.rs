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

#[cfg(test)]
mod tests {
    use super::polyline_points;

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
}
