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
/// total_cmp's bit fiddling on both sides): a third faster on the kept
/// values of a 1M run. Equal keys are equal bits, so the result is the
/// same as sorting the values.
pub fn sort_total(values: &mut [f64]) {
    use crate::aggregate::stats::{from_order_key, order_key};
    let mut keys: Vec<u64> = values.iter().map(|&x| order_key(x)).collect();
    keys.sort_unstable();
    for (x, k) in values.iter_mut().zip(keys) {
        *x = from_order_key(k);
    }
}

/// `step(l, x)` for every value in order, `l` its lane (its index modulo
/// `W`): whole groups of `W` first, so that the lanes compile to vector
/// code, then the ragged end. Inlined, so it takes the vector extensions
/// of the pass that calls it.
#[inline(always)]
fn by_lane<const W: usize>(values: &[f64], mut step: impl FnMut(usize, f64)) {
    let groups = values.chunks_exact(W);
    let rest = groups.remainder();
    for group in groups {
        for (l, &x) in group.iter().enumerate() {
            step(l, x);
        }
    }
    for (l, &x) in rest.iter().enumerate() {
        step(l, x);
    }
}

/// The count and the sum of the values that are not NaN. The sum runs in
/// eight lanes (values 0, 8, 16, ... in the first), added pairwise at the
/// end: one running sum is a chain of dependent adds, an add's latency a
/// value, where eight chains overlap (a fixed order all the same: a
/// batch's values are summed alike whatever the thread count). Without a branch: a NaN adds +0.0 to its lane, which leaves
/// its bits as they are: a lane starts at +0.0 and never becomes -0.0 (a
/// sum that comes to zero is +0.0).
fn count_and_sum(values: &[f64]) -> (u64, f64) {
    const L: usize = 8;
    let (mut count, mut sum) = ([0u64; L], [0.0; L]);
    let step = |l: usize, x: f64| {
        count[l] += u64::from(!x.is_nan());
        sum[l] += if x.is_nan() { 0.0 } else { x };
    };
    by_lane::<L>(values, step);
    let total = ((sum[0] + sum[1]) + (sum[2] + sum[3])) + ((sum[4] + sum[5]) + (sum[6] + sum[7]));
    (count.iter().sum(), total)
}

/// Whether the processor has the AVX-512 set [`Tally::scan_avx512`] is
/// built for.
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f")
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
        #[cfg(target_arch = "x86_64")]
        if self.brackets.0.len() <= 8 && has_avx512() {
            // SAFETY: the processor has AVX-512 F, checked just above.
            let m2 = unsafe { self.scan_avx512(values, mean, count) };
            return Moments { count, sum, m2 };
        }
        #[cfg(target_arch = "x86_64")]
        if self.brackets.0.len() <= 8 && std::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            let m2 = unsafe { self.scan_avx2(values, mean, count) };
            return Moments { count, sum, m2 };
        }
        let m2 = self.scan(values, mean);
        Moments { count, sum, m2 }
    }

    /// The second pass over a batch: squared deviations from `mean`
    /// (returned), minimum, maximum, values above the threshold, and each
    /// value counted into its gap or kept inside its interval.
    fn scan(&mut self, values: &[f64], mean: f64) -> f64 {
        let m2 = self.deviations(values, mean);
        let intervals = &self.brackets.0;
        for &x in values {
            if x.is_nan() {
                self.missing += 1;
                continue;
            }
            // Bounds at or below x, counting each interval's upper bound
            // only once x passes it: odd inside interval slot / 2, even in
            // the gap below interval slot / 2. Branch-free over the few
            // intervals.
            let mut slot = 0usize;
            for &(lo, hi) in intervals {
                slot += usize::from(x >= lo) + usize::from(x > hi);
            }
            if slot & 1 == 0 {
                self.gaps[slot / 2] += 1;
            } else {
                let j = slot / 2;
                if intervals[j].0 == intervals[j].1 {
                    self.atoms[j] += 1;
                } else {
                    self.inside[j].push(x);
                }
            }
        }
        m2
    }

    /// What every scan adds besides the brackets' counts: the extremes and
    /// the count above the threshold, and the sum of squared deviations
    /// from `mean` (returned) of the values that are not NaN. One loop for
    /// all the scans, so all give the same bits.
    ///
    /// The sum runs in four lanes (values 0, 4, 8, ... in the first), added
    /// pairwise at the end: one running sum is a chain of dependent adds,
    /// a value each, that bounded the whole tally (as exact: a batch's
    /// deviations are summed in a fixed order whatever the thread count).
    /// Without a branch: a NaN adds +0.0 to its lane (which leaves its bits
    /// as they are: a lane starts at +0.0 and only grows), and is not below
    /// the minimum, above the maximum or above the threshold. The extremes
    /// are plain compares, not `f64::min`, whose NaN handling makes each
    /// step a chain of four instructions; they see -0 as +0 (adding +0
    /// turns one into the other), so a result's minimum or maximum zero is
    /// the same zero whichever worker tallied which batch. Not inlined into
    /// the vector scans, whose many vector registers pushed the sums out to
    /// memory; built for their vector extensions too
    /// ([`Tally::deviations_avx512`]), the same operations in the same
    /// order.
    #[inline(never)]
    fn deviations(&mut self, values: &[f64], mean: f64) -> f64 {
        self.deviations_generic(values, mean)
    }

    /// [`Tally::deviations`] for the AVX2 scan.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline(never)]
    fn deviations_avx2(&mut self, values: &[f64], mean: f64) -> f64 {
        self.deviations_generic(values, mean)
    }

    /// [`Tally::deviations`] for the AVX-512 scan: 1.0% of a 1M run's
    /// samples where the baseline build of the same loop took 1.7% (a Zen
    /// 5, measured).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    #[inline(never)]
    fn deviations_avx512(&mut self, values: &[f64], mean: f64) -> f64 {
        self.deviations_generic(values, mean)
    }

    #[inline(always)]
    fn deviations_generic(&mut self, values: &[f64], mean: f64) -> f64 {
        // The sum of squares in four lanes (their order is the result's
        // bits); the extremes in eight, as many as the values a step reads
        // (any grouping gives the same extremes). In four, the AVX-512
        // build packed the minima and maxima into one register, a chain of
        // mask shuffles from one step to the next that took most of the
        // pass.
        const L: usize = 4;
        const W: usize = 2 * L;
        let threshold = self.threshold.unwrap_or(f64::INFINITY);
        let (mut m2, mut min, mut max, mut above) = ([0.0; L], [self.min; W], [self.max; W], [0u64; W]);
        let step = |l: usize, x: f64| {
            let d = x - mean;
            m2[l % L] += if x.is_nan() { 0.0 } else { d * d };
            let z = x + 0.0;
            min[l] = if z < min[l] { z } else { min[l] };
            max[l] = if z > max[l] { z } else { max[l] };
            above[l] += u64::from(x > threshold);
        };
        by_lane::<W>(values, step);
        self.min = min.into_iter().fold(self.min, |a, x| if x < a { x } else { a });
        self.max = max.into_iter().fold(self.max, |a, x| if x > a { x } else { a });
        self.above += above.iter().sum::<u64>();
        (m2[0] + m2[1]) + (m2[2] + m2[3])
    }

    /// [`Tally::scan`] for up to eight intervals, their bounds compared
    /// four at a time. A value's gap is not looked up (a counter bumped
    /// per value is a chain of stores to one place, since most values fall
    /// in the same gap); instead each bound counts the values at or above
    /// it, and the gaps' counts follow from those. Only a value inside an
    /// interval takes a branch. About a third faster than `scan` a value
    /// (1M values in 5 brackets, measured when each scan still summed its
    /// own moments); the same counts, the same kept values in the same
    /// order, and the moments from the same loop as [`Tally::deviations`]
    /// (its AVX2 build, [`Tally::deviations_avx2`]; tested
    /// against `scan`). `finite` is the count of values that are not NaN;
    /// a NaN needs no branch here, as it is at or above no bound.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn scan_avx2(&mut self, values: &[f64], mean: f64, finite: u64) -> f64 {
        use std::arch::x86_64::*;
        debug_assert_eq!(finite, values.iter().filter(|x| !x.is_nan()).count() as u64);
        let m2 = self.deviations_avx2(values, mean);
        self.missing += values.len() as u64 - finite;
        let intervals = &self.brackets.0;
        let k = intervals.len();
        debug_assert!(k <= 8);
        // Unused bounds are NaN: no value is at or above one, nor above.
        let (mut lo, mut hi) = ([f64::NAN; 8], [f64::NAN; 8]);
        for (i, &(l, h)) in intervals.iter().enumerate() {
            (lo[i], hi[i]) = (l, h);
        }
        let (lo0, lo1) = (_mm256_setr_pd(lo[0], lo[1], lo[2], lo[3]), _mm256_setr_pd(lo[4], lo[5], lo[6], lo[7]));
        let (hi0, hi1) = (_mm256_setr_pd(hi[0], hi[1], hi[2], hi[3]), _mm256_setr_pd(hi[4], hi[5], hi[6], hi[7]));
        // Per bound, minus the count of values at or above it (a compare
        // is all ones, -1, where it holds).
        let (mut at_lo0, mut at_lo1) = (_mm256_setzero_si256(), _mm256_setzero_si256());
        let (mut over_hi0, mut over_hi1) = (_mm256_setzero_si256(), _mm256_setzero_si256());
        for &x in values {
            let v = _mm256_set1_pd(x);
            let (a0, a1) = (_mm256_cmp_pd::<_CMP_GE_OQ>(v, lo0), _mm256_cmp_pd::<_CMP_GE_OQ>(v, lo1));
            let (b0, b1) = (_mm256_cmp_pd::<_CMP_GT_OQ>(v, hi0), _mm256_cmp_pd::<_CMP_GT_OQ>(v, hi1));
            at_lo0 = _mm256_add_epi64(at_lo0, _mm256_castpd_si256(a0));
            at_lo1 = _mm256_add_epi64(at_lo1, _mm256_castpd_si256(a1));
            over_hi0 = _mm256_add_epi64(over_hi0, _mm256_castpd_si256(b0));
            over_hi1 = _mm256_add_epi64(over_hi1, _mm256_castpd_si256(b1));
            let inside =
                _mm256_movemask_pd(_mm256_andnot_pd(b0, a0)) | (_mm256_movemask_pd(_mm256_andnot_pd(b1, a1)) << 4);
            if inside != 0 {
                let j = inside.trailing_zeros() as usize;
                if intervals[j].0 == intervals[j].1 {
                    self.atoms[j] += 1;
                } else {
                    self.inside[j].push(x);
                }
            }
        }
        let (mut at_lo, mut over_hi) = ([0i64; 8], [0i64; 8]);
        // SAFETY: each store writes 4 of an array's 8 i64s, in bounds.
        unsafe {
            _mm256_storeu_si256(at_lo[..4].as_mut_ptr().cast(), at_lo0);
            _mm256_storeu_si256(at_lo[4..].as_mut_ptr().cast(), at_lo1);
            _mm256_storeu_si256(over_hi[..4].as_mut_ptr().cast(), over_hi0);
            _mm256_storeu_si256(over_hi[4..].as_mut_ptr().cast(), over_hi1);
        }
        // The intervals are ascending and disjoint: a value in gap g is
        // above interval g - 1 (every value, for g = 0) and not yet at
        // interval g's lower bound (none is, past the last interval).
        for g in 0..=k {
            let entered = if g == 0 { finite } else { over_hi[g - 1].unsigned_abs() };
            let left = if g == k { 0 } else { at_lo[g].unsigned_abs() };
            self.gaps[g] += entered - left;
        }
        m2
    }

    /// [`Tally::scan`] for up to eight intervals, eight values at a time:
    /// each bound compared with eight values in one instruction, its count
    /// of values at or above it added under the compare's mask (the gaps'
    /// counts follow, as in [`Tally::scan_avx2`]); only a group with a value
    /// inside an interval takes a branch. The squared deviations, extremes
    /// and threshold count come from the loop of [`Tally::deviations`]
    /// (its AVX-512 build, [`Tally::deviations_avx512`]), as in every
    /// scan, so the arithmetic is the same. `finite` is the count of values
    /// that are not NaN.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn scan_avx512(&mut self, values: &[f64], mean: f64, finite: u64) -> f64 {
        debug_assert_eq!(finite, values.iter().filter(|x| !x.is_nan()).count() as u64);
        let m2 = self.deviations_avx512(values, mean);
        self.missing += values.len() as u64 - finite;
        // One build per interval count, so the bounds and their counters
        // stay in registers and no compare is spent on an absent bound.
        match self.brackets.0.len() {
            0 => self.gaps[0] += finite,
            1 => self.count_avx512::<1>(values, finite),
            2 => self.count_avx512::<2>(values, finite),
            3 => self.count_avx512::<3>(values, finite),
            4 => self.count_avx512::<4>(values, finite),
            5 => self.count_avx512::<5>(values, finite),
            6 => self.count_avx512::<6>(values, finite),
            7 => self.count_avx512::<7>(values, finite),
            _ => self.count_avx512::<8>(values, finite),
        }
        m2
    }

    /// The gaps, atoms and kept values of [`Tally::scan_avx512`], for
    /// exactly `K` intervals.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn count_avx512<const K: usize>(&mut self, values: &[f64], finite: u64) {
        use std::arch::x86_64::*;
        let intervals = &self.brackets.0;
        debug_assert_eq!(intervals.len(), K);
        let lo: [__m512d; K] = std::array::from_fn(|i| _mm512_set1_pd(intervals[i].0));
        let hi: [__m512d; K] = std::array::from_fn(|i| _mm512_set1_pd(intervals[i].1));
        let ones = _mm512_set1_epi64(1);
        // Per bound, eight lanes of counts of the values at or above it.
        let mut at_lo = [_mm512_setzero_si512(); K];
        let mut over_hi = [_mm512_setzero_si512(); K];
        for group in values.chunks(8) {
            // A short last group is loaded under a mask, and its missing
            // lanes are left out of every compare by the same mask (loaded
            // as 0.0, they would pass a bound of -inf).
            let lanes: __mmask8 = if group.len() == 8 { 0xff } else { (1u8 << group.len()) - 1 };
            // SAFETY: the mask covers only the group's own values.
            let v = unsafe { _mm512_maskz_loadu_pd(lanes, group.as_ptr()) };
            let mut inside = 0u8;
            for i in 0..K {
                let a = _mm512_mask_cmp_pd_mask::<_CMP_GE_OQ>(lanes, v, lo[i]);
                let b = _mm512_mask_cmp_pd_mask::<_CMP_GT_OQ>(lanes, v, hi[i]);
                at_lo[i] = _mm512_mask_add_epi64(at_lo[i], a, at_lo[i], ones);
                over_hi[i] = _mm512_mask_add_epi64(over_hi[i], b, over_hi[i], ones);
                inside |= a & !b;
            }
            if inside != 0 {
                // Each interval's lanes compared again rather than kept from
                // the loop above: K more masks live there spilled to memory.
                for j in 0..K {
                    let a = _mm512_mask_cmp_pd_mask::<_CMP_GE_OQ>(lanes, v, lo[j]);
                    let b = _mm512_mask_cmp_pd_mask::<_CMP_GT_OQ>(lanes, v, hi[j]);
                    let mask = a & !b;
                    if mask == 0 {
                        continue;
                    }
                    if intervals[j].0 == intervals[j].1 {
                        self.atoms[j] += u64::from(mask.count_ones());
                        continue;
                    }
                    // The lanes inside, packed in lane order (each interval
                    // keeps its values in iteration order, as `scan` does)
                    // and stored whole past the kept values; the length
                    // then takes in those that count.
                    let kept = &mut self.inside[j];
                    kept.reserve(8);
                    let packed = _mm512_maskz_compress_pd(mask, v);
                    // SAFETY: `reserve` left room for 8 values past the
                    // length, where the store writes; the first
                    // `count_ones` of them are the values inside, which the
                    // new length covers.
                    unsafe {
                        _mm512_storeu_pd(kept.as_mut_ptr().add(kept.len()), packed);
                        kept.set_len(kept.len() + mask.count_ones() as usize);
                    }
                }
            }
        }
        let total = |v: __m512i| _mm512_reduce_add_epi64(v) as u64;
        for g in 0..=K {
            let entered = if g == 0 { finite } else { total(over_hi[g - 1]) };
            let left = if g == K { 0 } else { total(at_lo[g]) };
            self.gaps[g] += entered - left;
        }
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
    #[cfg(target_arch = "x86_64")]
    fn the_vector_scans_count_and_keep_what_the_plain_one_does() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
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
            let (mut plain, mut vector) =
                (Tally::new(brackets.clone(), Some(1.0)), Tally::new(brackets.clone(), Some(1.0)));
            let m2 = plain.scan(&values, mean);
            let finite = values.iter().filter(|x| !x.is_nan()).count() as u64;
            // SAFETY: AVX2 is there, checked above.
            let m2_vector = unsafe { vector.scan_avx2(&values, mean, finite) };
            assert_eq!(m2.to_bits(), m2_vector.to_bits());
            assert_eq!(plain, vector, "{brackets:?}");
            if has_avx512() {
                // Every length of a short last group, and the whole sample.
                for len in (values.len() - 9..=values.len()).chain([0, 1, 7, 8, 9]) {
                    let (mut plain, mut wide) =
                        (Tally::new(brackets.clone(), Some(1.0)), Tally::new(brackets.clone(), Some(1.0)));
                    let part = &values[..len];
                    let finite = part.iter().filter(|x| !x.is_nan()).count() as u64;
                    let m2 = plain.scan(part, mean);
                    // SAFETY: AVX-512 F is there, checked above.
                    let m2_wide = unsafe { wide.scan_avx512(part, mean, finite) };
                    assert_eq!(m2.to_bits(), m2_wide.to_bits());
                    assert_eq!(plain, wide, "{brackets:?}, {len} values");
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
            let mut builds: Vec<(&str, Tally, f64)> = Vec::new();
            let mut t = fresh();
            let m2 = t.deviations(&values, mean);
            builds.push(("baseline", t, m2));
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                let mut t = fresh();
                // SAFETY: the processor has AVX2, checked just above.
                let m2 = unsafe { t.deviations_avx2(&values, mean) };
                builds.push(("avx2", t, m2));
            }
            #[cfg(target_arch = "x86_64")]
            if has_avx512() {
                let mut t = fresh();
                // SAFETY: the processor has AVX-512 F, checked just above.
                let m2 = unsafe { t.deviations_avx512(&values, mean) };
                builds.push(("avx512", t, m2));
            }
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
        let mut values = vec![
            3.5,
            -0.0,
            0.0,
            -2.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            1e-310,
            -1e-310,
            7.0,
            -7.0,
            3.5,
        ];
        values.extend(sample(2_000, 9));
        let mut want = values.clone();
        want.sort_unstable_by(f64::total_cmp);
        sort_total(&mut values);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&values), bits(&want));
    }
}
