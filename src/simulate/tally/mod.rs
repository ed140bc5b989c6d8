//! Exact statistics of a per-iteration result without keeping every value.
//!
//! A report needs, of most results, the mean, the standard deviation and a
//! few percentiles (spec section 6). Keeping every value costs 8 bytes an
//! iteration a result; a tally keeps instead:
//!
//! - each batch's count, sum and sum of squared deviations, merged in batch
//!   order, so the mean and sd do not depend on the thread count;
//! - the exact minimum and maximum;
//! - the values that fall inside narrow *brackets* around the percentiles
//!   asked for, and a count of those that fall between brackets.
//!
//! The brackets come from a pilot: the run's first iterations, kept whole.
//! A percentile whose order statistics land inside a bracket is then exact
//! (the same number a full sort gives); one that lands between brackets is
//! reported as a [`Miss`], and the run is repeated keeping that result
//! whole. Brackets are wide enough (7 standard errors of the pilot's
//! quantile either side) that a miss takes an event of probability around
//! 1e-12.

mod scan;

use crate::isa::Isa;
use scan::count_and_sum;

/// How wide a bracket is: pilot standard errors of the quantile either side.
pub const BRACKET_Z: f64 = 7.0;

/// Closed intervals, ascending and disjoint, where a result's percentiles
/// are expected. `(-inf, inf)` keeps every value.
#[derive(Debug, Clone, PartialEq)]
pub struct Brackets(pub Vec<(f64, f64)>);

impl Brackets {
    /// Keep every value: exact whatever the percentiles are.
    pub fn everything() -> Brackets {
        Brackets(vec![(f64::NEG_INFINITY, f64::INFINITY)])
    }

    /// Keep no value: moments, minimum and maximum only.
    pub fn nothing() -> Brackets {
        Brackets(Vec::new())
    }

    /// Brackets for percentiles `probs` from a pilot's finite values,
    /// ascending. Each covers the pilot's order statistics within `z`
    /// standard errors (plus two ranks) of the percentile's rank; one that
    /// reaches the pilot's first or last value is left open on that side.
    pub fn from_pilot(sorted: &[f64], probs: &[f64], z: f64) -> Brackets {
        let n = sorted.len();
        if n == 0 {
            return Brackets::everything();
        }
        let last = n - 1;
        let mut intervals: Vec<(f64, f64)> = probs
            .iter()
            .map(|&p| {
                let centre = p * last as f64;
                let half = z * (n as f64 * p * (1.0 - p)).sqrt() + 2.0;
                let lo = (centre - half).floor();
                let hi = (centre + half).ceil();
                let lo = if lo <= 0.0 { f64::NEG_INFINITY } else { sorted[lo as usize] };
                let hi = if hi >= last as f64 { f64::INFINITY } else { sorted[hi as usize] };
                (lo, hi)
            })
            .collect();
        intervals.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(intervals.len());
        for (lo, hi) in intervals {
            match merged.last_mut() {
                Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        Brackets(merged)
    }
}

/// One batch's moments: count, sum and sum of squared deviations from the
/// batch mean (two-pass, so exact to rounding).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub count: u64,
    pub sum: f64,
    pub m2: f64,
}

/// What a run kept of one result; see the module comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub brackets: Brackets,
    /// Each batch's moments, in batch order.
    pub moments: Vec<Moments>,
    /// Iterations without a value (NaN: no payback, no investment).
    pub missing: u64,
    pub min: f64,
    pub max: f64,
    /// Values above [`Tally::threshold`] (a budget), when one is set.
    pub threshold: Option<f64>,
    pub above: u64,
    /// Values in each gap: below the first interval, between intervals,
    /// above the last (one more than intervals).
    pub gaps: Vec<u64>,
    /// Values inside each interval. A one-point interval (an atom) keeps
    /// only the count, in `atoms`.
    pub inside: Vec<Vec<f64>>,
    pub atoms: Vec<u64>,
}

/// Sort ascending in [`f64::total_cmp`]'s order, through keys compared as
/// plain integers (the same order, one integer comparison instead of
/// total_cmp's bit fiddling on both sides). Equal keys are equal bits, so the result is the
/// same as sorting the values.
pub fn sort_total(values: &mut [f64]) {
    use crate::aggregate::stats::{from_order_key, order_key};
    let mut keys: Vec<u64> = values.iter().map(|&x| order_key(x)).collect();
    keys.sort_unstable();
    for (x, k) in values.iter_mut().zip(keys) {
        *x = from_order_key(k);
    }
}

/// A percentile that fell between brackets: the result must be kept whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Miss;

impl Tally {
    pub fn new(brackets: Brackets, threshold: Option<f64>) -> Tally {
        let k = brackets.0.len();
        Tally {
            brackets,
            moments: Vec::new(),
            missing: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            threshold,
            above: 0,
            gaps: vec![0; k + 1],
            inside: vec![Vec::new(); k],
            atoms: vec![0; k],
        }
    }

    /// An empty tally with the same brackets and threshold, for one batch.
    pub fn empty_like(&self) -> Tally {
        Tally::new(self.brackets.clone(), self.threshold)
    }

    /// Add one batch's values, in iteration order.
    pub fn add_batch(&mut self, values: &[f64]) {
        let moments = self.add_values(values);
        self.moments.push(moments);
    }

    /// Count and keep one batch's values and return their moments, which
    /// the caller puts in batch order.
    pub fn add_values(&mut self, values: &[f64]) -> Moments {
        let (count, sum) = count_and_sum(values);
        let mean = if count > 0 { sum / count as f64 } else { 0.0 };
        let m2 = self.scan_with(Isa::detected(), values, mean, count);
        Moments { count, sum, m2 }
    }

    /// The same values counted into other brackets: a tally that kept
    /// every value (the pilot's) re-sorted once the brackets are placed.
    pub fn rebracket(&self, brackets: Brackets) -> Tally {
        let mut t = Tally::new(brackets, self.threshold);
        let values: Vec<f64> = self.inside.iter().flatten().copied().collect();
        debug_assert_eq!(values.len() as u64, self.count(), "only a tally that kept every value can be re-sorted");
        t.add_values(&values);
        t.moments.clone_from(&self.moments);
        (t.missing, t.min, t.max, t.above) = (self.missing, self.min, self.max, self.above);
        t
    }

    /// Append a tally of the batches that follow this one's (same
    /// brackets); the result is the same however the batches were grouped.
    pub fn merge(&mut self, later: Tally) {
        debug_assert_eq!(self.brackets, later.brackets);
        self.moments.extend(later.moments);
        self.missing += later.missing;
        // Zeros are +0 by now (`deviations`), so which of two equal
        // extremes is kept does not show.
        self.min = self.min.min(later.min);
        self.max = self.max.max(later.max);
        self.above += later.above;
        for (a, b) in self.gaps.iter_mut().zip(later.gaps) {
            *a += b;
        }
        for (a, b) in self.inside.iter_mut().zip(later.inside) {
            a.extend(b);
        }
        for (a, b) in self.atoms.iter_mut().zip(later.atoms) {
            *a += b;
        }
    }

    /// Values counted (NaN excluded).
    pub fn count(&self) -> u64 {
        self.moments.iter().map(|m| m.count).sum()
    }

    /// Mean: the batch sums added in batch order, over the count. NaN when
    /// there is no value.
    pub fn mean(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            return f64::NAN;
        }
        self.moments.iter().fold(0.0, |s, m| s + m.sum) / n as f64
    }

    /// Sample standard deviation (n - 1) from the batches' moments (Chan et
    /// al.'s pairwise formula, in batch order); NaN for fewer than 2 values.
    pub fn sd(&self) -> f64 {
        let n = self.count();
        if n < 2 {
            return f64::NAN;
        }
        let mean = self.mean();
        let m2 = self.moments.iter().filter(|m| m.count > 0).fold(0.0, |s, m| {
            let d = m.sum / m.count as f64 - mean;
            s + m.m2 + m.count as f64 * d * d
        });
        (m2 / (n - 1) as f64).sqrt()
    }

    /// Sort the kept values, once every batch is in: percentiles are read
    /// from them.
    pub fn seal(&mut self) {
        for values in &mut self.inside {
            sort_total(values);
        }
    }

    /// Percentiles at `probs` (numpy's linear method over the values
    /// counted), or a [`Miss`] when an order statistic they need is not
    /// kept. The tally must be [sealed](Tally::seal).
    pub fn quantiles(&self, probs: &[f64]) -> Result<Vec<f64>, Miss> {
        let n = self.count();
        if n == 0 {
            return Ok(vec![f64::NAN; probs.len()]);
        }
        probs.iter().map(|&p| crate::aggregate::stats::interpolate(n, p, |k| self.order_statistic(k))).collect()
    }

    /// The `rank`-th smallest value (0-based), when kept.
    pub fn order_statistic(&self, rank: u64) -> Result<f64, Miss> {
        if rank == 0 {
            return Ok(self.min);
        }
        if rank + 1 == self.count() {
            return Ok(self.max);
        }
        let mut below = 0u64;
        for j in 0..self.inside.len() {
            below += self.gaps[j];
            if rank < below {
                return Err(Miss);
            }
            let here = self.atoms[j] + self.inside[j].len() as u64;
            if rank < below + here {
                if self.atoms[j] > 0 {
                    return Ok(self.brackets.0[j].0);
                }
                debug_assert!(self.inside[j].is_sorted_by(|a, b| a <= b), "tally not sealed");
                return Ok(self.inside[j][(rank - below) as usize]);
            }
            below += here;
        }
        Err(Miss)
    }

    /// Bytes the kept values take.
    pub fn kept_bytes(&self) -> usize {
        self.inside.iter().map(|v| 8 * v.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::stats;

    /// A skewed sample with an atom, in "iteration order".
    fn sample(n: usize, seed: u64) -> Vec<f64> {
        let mut x = seed;
        (0..n)
            .map(|i| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let u = (x >> 11) as f64 / (1u64 << 53) as f64;
                if i % 17 == 0 { 3.0 } else { (u * 4.0).exp() - 20.0 }
            })
            .collect()
    }

    fn tally_of(values: &[f64], brackets: Brackets, batch: usize) -> Tally {
        let mut total = Tally::new(brackets, Some(1.0));
        for chunk in values.chunks(batch) {
            let mut t = total.empty_like();
            t.add_batch(chunk);
            total.merge(t);
        }
        total.seal();
        total
    }

    const PROBS: [f64; 5] = [0.05, 0.10, 0.50, 0.90, 0.95];

    #[test]
    fn the_vector_scans_count_and_keep_what_the_plain_one_does() {
        let mut values = sample(20_000, 11);
        for i in (5..values.len()).step_by(97) {
            values[i] = f64::NAN;
        }
        // Both infinities and both zeros.
        (values[7], values[8], values[9], values[10]) = (f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0);
        let mut sorted: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        let many: Vec<f64> = (1..=8).map(|k| k as f64 / 9.0).collect();
        let mut cases = vec![
            Brackets::everything(),
            Brackets::nothing(),
            Brackets::from_pilot(&sorted, &PROBS, 3.0),
            Brackets::from_pilot(&sorted, &many, 1.0),
            // Bounds that are values, an atom (the sample's 3.0), one open end.
            Brackets(vec![(-19.0, -18.5), (sorted[12_000], sorted[12_500]), (3.0, 3.0), (30.0, f64::INFINITY)]),
        ];
        // Every count of intervals, closed, and open at both ends.
        for k in 1..=8 {
            let at = |i: usize| (i + 1) * sorted.len() / (k + 1);
            let closed: Vec<(f64, f64)> = (0..k).map(|i| (sorted[at(i)], sorted[at(i) + 300])).collect();
            let mut open = closed.clone();
            open[0].0 = f64::NEG_INFINITY;
            open[k - 1].1 = f64::INFINITY;
            cases.extend([Brackets(closed), Brackets(open)]);
        }
        for brackets in cases {
            assert!(brackets.0.windows(2).all(|w| w[0].1 < w[1].0), "ascending and disjoint");
            let mean = 1.5;
            let plain_of = |part: &[f64]| {
                let mut plain = Tally::new(brackets.clone(), Some(1.0));
                let m2 = plain.scan(part, mean);
                (plain, m2)
            };
            let (plain, _) = plain_of(&values);
            for isa in Isa::available().skip(1) {
                // Every length of a short last group, and the whole sample.
                for len in (values.len() - 9..=values.len()).chain([0, 1, 7, 8, 9]) {
                    let part = &values[..len];
                    let (plain, m2) = plain_of(part);
                    let mut vector = Tally::new(brackets.clone(), Some(1.0));
                    let finite = part.iter().filter(|x| !x.is_nan()).count() as u64;
                    let m2_vector = vector.scan_with(isa, part, mean, finite);
                    assert_eq!(m2.to_bits(), m2_vector.to_bits(), "{}", isa.name());
                    assert_eq!(plain, vector, "{}: {brackets:?}, {len} values", isa.name());
                }
            }
            assert_eq!(
                plain.gaps.iter().sum::<u64>()
                    + plain.atoms.iter().sum::<u64>()
                    + plain.inside.iter().map(|v| v.len() as u64).sum::<u64>()
                    + plain.missing,
                values.len() as u64
            );
        }
    }

    /// A minimum or maximum of zero is +0 whichever worker tallied which
    /// batch: -0 and +0 are equal, and would otherwise be kept in the
    /// order the batches came.
    #[test]
    fn a_zero_extreme_is_the_same_zero_whatever_the_order() {
        for (first, second) in [([-0.0, 1.0], [0.0, 2.0]), ([-0.0, -1.0], [0.0, -2.0])] {
            let tallied = |a: &[f64], b: &[f64]| {
                let mut t = Tally::new(Brackets::nothing(), None);
                t.add_batch(a);
                let mut later = t.empty_like();
                later.add_batch(b);
                t.merge(later);
                (t.min.to_bits(), t.max.to_bits())
            };
            let (one, other) = (tallied(&first, &second), tallied(&second, &first));
            assert_eq!(one, other);
            assert!(one.0 == 0.0f64.to_bits() || one.1 == 0.0f64.to_bits(), "a zero extreme is +0");
        }
    }

    #[test]
    fn bracketed_percentiles_equal_a_full_sort() {
        let values = sample(50_000, 1);
        let mut pilot: Vec<f64> = values[..4096].to_vec();
        pilot.sort_by(f64::total_cmp);
        let brackets = Brackets::from_pilot(&pilot, &PROBS, BRACKET_Z);
        let tally = tally_of(&values, brackets, 1024);
        assert!(tally.kept_bytes() < 8 * values.len() / 2, "kept {} of {}", tally.kept_bytes(), 8 * values.len());
        let all = values.clone();
        let want = stats::describe(&all).unwrap();
        let got = tally.quantiles(&PROBS).unwrap();
        assert_eq!(got, vec![want.p5, want.p10, want.p50, want.p90, want.p95]);
        assert_eq!((tally.min, tally.max), (want.min, want.max));
        assert!((tally.mean() - want.mean).abs() <= 1e-12 * want.mean.abs().max(1.0));
        assert!((tally.sd() - want.sd).abs() <= 1e-12 * want.sd);
        assert_eq!(tally.above, values.iter().filter(|&&x| x > 1.0).count() as u64);
    }

    #[test]
    fn grouping_of_batches_does_not_change_anything() {
        let values = sample(10_000, 2);
        let brackets = Brackets::from_pilot(
            &{
                let mut p = values[..2048].to_vec();
                p.sort_by(f64::total_cmp);
                p
            },
            &PROBS,
            BRACKET_Z,
        );
        let by_batch = tally_of(&values, brackets.clone(), 512);
        // Two parts of 10 and 10 batches, merged.
        let mut first = tally_of(&values[..5120], brackets.clone(), 512);
        first.merge(tally_of(&values[5120..], brackets, 512));
        assert_eq!(first.mean().to_bits(), by_batch.mean().to_bits());
        assert_eq!(first.sd().to_bits(), by_batch.sd().to_bits());
        assert_eq!(first.count(), 10_000);
    }

    #[test]
    fn a_percentile_between_brackets_is_a_miss() {
        let values = sample(20_000, 3);
        // A pilot from another distribution: its brackets sit elsewhere.
        let mut pilot: Vec<f64> = values[..2048].iter().map(|x| x + 1000.0).collect();
        pilot.sort_by(f64::total_cmp);
        let tally = tally_of(&values, Brackets::from_pilot(&pilot, &PROBS, BRACKET_Z), 1024);
        assert_eq!(tally.quantiles(&[0.5]), Err(Miss));
        // Keeping everything is always exact.
        let whole = tally_of(&values, Brackets::everything(), 1024);
        let all = values.clone();
        assert_eq!(whole.quantiles(&PROBS).unwrap(), stats::quantiles(&all, &PROBS));
    }

    #[test]
    fn atoms_keep_counts_only_and_nan_is_left_out() {
        let mut values = vec![5.0; 20_000];
        values[10] = f64::NAN;
        values[20] = 7.0;
        let brackets = Brackets::from_pilot(&[5.0; 10_000], &PROBS, BRACKET_Z);
        assert_eq!(brackets, Brackets(vec![(5.0, 5.0)]));
        let tally = tally_of(&values, brackets, 256);
        assert_eq!(tally.kept_bytes(), 0);
        assert_eq!((tally.missing, tally.count()), (1, 19_999));
        assert_eq!(tally.quantiles(&[0.5, 0.95]).unwrap(), vec![5.0, 5.0]);
        assert_eq!(tally.max, 7.0);
        let nothing = tally_of(&[f64::NAN; 4], Brackets::nothing(), 2);
        assert!(nothing.mean().is_nan());
        assert!(nothing.quantiles(&[0.5]).unwrap()[0].is_nan());
    }

    /// The lane sums skip NaN, count the rest, and on integers (exact in
    /// any order) give the plain sum, with a ragged end.
    #[test]
    fn count_and_sum_skip_nan_in_every_lane() {
        let values: Vec<f64> = (0..1003).map(|i| if i % 7 == 3 { f64::NAN } else { (i % 50) as f64 - 20.0 }).collect();
        let (count, sum) = count_and_sum(&values);
        let finite: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        assert_eq!(count, finite.len() as u64);
        assert_eq!(sum, finite.iter().sum::<f64>());
        assert_eq!(count_and_sum(&[f64::NAN; 5]), (0, 0.0));
        assert_eq!(count_and_sum(&[]).1.to_bits(), 0.0f64.to_bits());
    }

    /// The sum's bits are those of eight lanes (value i in lane i % 8, in
    /// order) added pairwise, on values whose sum does depend on the
    /// order, with NaN in the ragged end too.
    #[test]
    fn count_and_sum_add_in_eight_fixed_lanes() {
        for len in [0, 1, 7, 8, 13, 1027] {
            let mut values = sample(len, 5);
            for i in (3..len).step_by(11) {
                values[i] = f64::NAN;
            }
            if len > 8 {
                values[len - 2] = f64::NAN; // in the remainder
            }
            let mut lanes = [0.0; 8];
            for (i, &x) in values.iter().enumerate() {
                if !x.is_nan() {
                    lanes[i % 8] += x;
                }
            }
            let want =
                ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
            let (count, sum) = count_and_sum(&values);
            assert_eq!(count, values.iter().filter(|x| !x.is_nan()).count() as u64, "len {len}");
            assert_eq!(sum.to_bits(), want.to_bits(), "len {len}");
        }
    }

    /// Every build of the deviations pass gives the sum of squares of four
    /// lanes (value i in lane i % 4, in order) added pairwise, and the
    /// extremes and the count above the threshold of a plain loop, for
    /// ragged lengths and NaN.
    #[test]
    fn deviations_sum_in_four_fixed_lanes() {
        for len in (0..=20).chain([1027]) {
            let mut values = sample(len, 8);
            for i in (2..len).step_by(9) {
                values[i] = f64::NAN;
            }
            let mean = 1.25;
            let mut lanes = [0.0; 4];
            for (i, &x) in values.iter().enumerate() {
                if !x.is_nan() {
                    lanes[i % 4] += (x - mean) * (x - mean);
                }
            }
            let want = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
            let finite: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
            let fresh = || Tally::new(Brackets::nothing(), Some(1.0));
            let builds: Vec<(&str, Tally, f64)> = Isa::available()
                .map(|isa| {
                    let mut t = fresh();
                    let m2 = t.deviations_with(isa, &values, mean);
                    (isa.name(), t, m2)
                })
                .collect();
            for (build, t, m2) in builds {
                assert_eq!(m2.to_bits(), want.to_bits(), "{build}, len {len}");
                assert_eq!(t.min, finite.iter().fold(f64::INFINITY, |a, &x| a.min(x)), "{build}, len {len}");
                assert_eq!(t.max, finite.iter().fold(f64::NEG_INFINITY, |a, &x| a.max(x)), "{build}, len {len}");
                assert_eq!(t.above, finite.iter().filter(|&&x| x > 1.0).count() as u64, "{build}, len {len}");
            }
        }
    }

    #[test]
    fn integer_keys_sort_as_total_cmp_does() {
        #[rustfmt::skip]
        let mut values = vec![
            3.5, -0.0, 0.0, -2.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -f64::NAN,
            1e-310, -1e-310, 7.0, -7.0, 3.5,
        ];
        values.extend(sample(2_000, 9));
        let mut want = values.clone();
        want.sort_unstable_by(f64::total_cmp);
        sort_total(&mut values);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&values), bits(&want));
    }
}
