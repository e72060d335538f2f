//! When two recorded numbers are the same: the same bits, every NaN being one value (a spec
//! writes any NaN as `NaN`, so its payload cannot survive a round trip). The review's match and
//! the export's "the previous file still holds" both ask here.

use assay_engine::fingerprint::canonical_bits;
use assay_engine::metrics::Metric;
use assay_engine::spec::Revision;

/// Whether `a` and `b` are the same number as a spec records it.
pub fn same_bits(a: f64, b: f64) -> bool {
    canonical_bits(a) == canonical_bits(b)
}

/// The same metrics, by name and bits, in the same order.
pub fn same_metrics(a: &[Metric], b: &[Metric]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(a, b)| a.name == b.name && same_bits(a.value, b.value))
}

/// The same revisions, each with the same metrics.
pub fn same_history(a: &[Revision], b: &[Revision]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            a.revision == b.revision
                && same_metrics(&a.metrics, &b.metrics)
                && a.endpoints.len() == b.endpoints.len()
                && a.endpoints
                    .iter()
                    .zip(&b.endpoints)
                    .all(|(a, b)| a.endpoint == b.endpoint && same_metrics(&a.metrics, &b.metrics))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nan_is_one_value_and_signed_zeros_differ() {
        let other_nan = f64::from_bits(f64::NAN.to_bits() | 1);
        assert!(other_nan.is_nan());
        assert!(same_bits(f64::NAN, other_nan));
        assert!(same_bits(-f64::NAN, f64::NAN));
        assert!(!same_bits(0.0, -0.0));
        assert!(!same_bits(f64::NAN, f64::INFINITY));
        assert!(!same_bits(1.0, 1.0 + f64::EPSILON));
    }

    #[test]
    fn metrics_match_by_name_and_bits_in_order() {
        let m = |name: &str, v: f64| Metric::new(name, v);
        assert!(same_metrics(&[m("a", f64::NAN)], &[m("a", -f64::NAN)]));
        assert!(!same_metrics(&[m("a", 1.0)], &[m("b", 1.0)]));
        assert!(!same_metrics(&[m("a", 1.0)], &[]));
        assert!(!same_metrics(
            &[m("a", 1.0), m("b", 2.0)],
            &[m("b", 2.0), m("a", 1.0)]
        ));
        let r = |revision: u32, v: f64| Revision {
            revision,
            metrics: vec![m("a", v)],
            endpoints: Vec::new(),
        };
        assert!(same_history(&[r(1, f64::NAN)], &[r(1, f64::NAN)]));
        assert!(!same_history(&[r(1, 1.0)], &[r(2, 1.0)]));
    }
}
