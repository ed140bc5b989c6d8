//! Property tests: laws that must hold for any input, not just the cases
//! we thought of.

use costcast::aggregate::stats::{quantiles, quantiles_f32, sorted_quantiles};
use costcast::calendar::{YearMonth, fiscal_years};
use costcast::dist::{Dist, parse};
use proptest::prelude::*;

use crate::util::rng;

proptest! {
    /// The canonical expression of a distribution reads back as the same
    /// distribution (what the report prints is what the model means).
    #[test]
    fn expressions_round_trip(min in -1e6f64..1e6, width in 1e-3f64..1e6, mode_at in 0.0f64..=1.0, p in 0.0f64..=1.0) {
        let max = min + width;
        let mode = min + width * mode_at;
        for text in [
            format!("pert({min}, {mode}, {max})"),
            format!("triangular({min}, {mode}, {max})"),
            format!("uniform({min}, {max})"),
            format!("normal({min}, {width})"),
            format!("bernoulli({p})"),
        ] {
            let d = parse(&text).unwrap();
            let again = parse(&d.to_string()).unwrap();
            prop_assert_eq!(&d, &again, "{} -> {}", text, d);
        }
    }

    /// Percentiles by selection equal those of a full sort, and never
    /// decrease with the probability.
    #[test]
    fn selection_percentiles_match_a_sort(values in prop::collection::vec(-1e9f64..1e9, 1..400)) {
        let probs = [0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 1.0];
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let by_sort = sorted_quantiles(&sorted, &probs);
        let by_select = quantiles(&values, &probs);
        prop_assert_eq!(&by_select, &by_sort);
        prop_assert!(by_sort.windows(2).all(|w| w[0] <= w[1]));
    }

    /// With any bits at all (NaN of either sign, signed zeros, infinities,
    /// subnormals), percentiles by selection on order keys are those of
    /// the values sorted in `total_cmp`'s order, bit for bit; and those of
    /// f32 values are those of the values widened to f64.
    #[test]
    fn selection_percentiles_match_a_sort_on_any_bits(
        values in prop::collection::vec(prop_oneof![any::<f64>(), Just(f64::NAN), Just(-f64::NAN), Just(0.0), Just(-0.0), Just(f64::INFINITY), Just(f64::NEG_INFINITY)], 1..300),
        narrow in prop::collection::vec(any::<f32>(), 1..300),
    ) {
        let probs = [0.0, 0.05, 0.1, 0.33, 0.5, 0.9, 0.95, 1.0];
        let bits = |q: Vec<f64>| q.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        prop_assert_eq!(bits(quantiles(&values, &probs)), bits(sorted_quantiles(&sorted, &probs)));
        let wide: Vec<f64> = narrow.iter().map(|&x| f64::from(x)).collect();
        prop_assert_eq!(bits(quantiles_f32(&narrow, &probs)), bits(quantiles(&wide, &probs)));
    }

    /// Every horizon month falls in exactly one fiscal year, in order, and
    /// only years cut by the horizon are partial.
    #[test]
    fn fiscal_years_partition_the_horizon(year in 2000i32..2100, month in 1u32..=12, months in 1usize..=120, fy_start in 1u32..=12) {
        let start = YearMonth { year, month };
        let fys = fiscal_years(start, months, fy_start);
        let mut next = 0;
        for (k, fy) in fys.iter().enumerate() {
            prop_assert_eq!(fy.months.start, next);
            next = fy.months.end;
            for m in fy.months.clone() {
                prop_assert_eq!(start.plus(m).fiscal_year(fy_start), fy.year);
            }
            let inner = k > 0 && k + 1 < fys.len();
            prop_assert!(fy.months.len() <= 12);
            if inner {
                prop_assert!(!fy.partial);
            }
            prop_assert_eq!(fy.partial, fy.months.len() < 12);
        }
        prop_assert_eq!(next, months);
    }

    /// Sampling clamps every draw into its domain.
    #[test]
    fn draws_respect_their_domain(mean in -2.0f64..2.0, sd in 0.0f64..3.0, seed in any::<u64>()) {
        let d: Dist = parse(&format!("normal({mean}, {sd})")).unwrap();
        let mut rng = rng(seed);
        for _ in 0..64 {
            let x = costcast::dist::Domain::Share.clamp(d.sample(&mut rng));
            prop_assert!((0.0..=1.0).contains(&x));
        }
    }
}
