//! The second pass over a batch, built for each instruction set: squared
//! deviations, extremes and the threshold count in one loop shared by
//! every build (so all give the same bits), and each value counted into
//! its gap or kept inside its bracket.

use super::Tally;
use crate::isa::Isa;

/// `step(l, x)` for every value in order, `l` its lane (its index modulo
/// `W`): whole groups of `W` first, so that the lanes compile to vector
/// code, then the ragged end. Inlined, so it takes the vector extensions
/// of the pass that calls it.
#[inline(always)]
pub(super) fn by_lane<const W: usize>(values: &[f64], mut step: impl FnMut(usize, f64)) {
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
pub(super) fn count_and_sum(values: &[f64]) -> (u64, f64) {
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

impl Tally {
    /// The second pass (see [`Tally::scan`]) with the build for `isa`,
    /// which must be one of [`Isa::available`] (checked). The vector builds
    /// take up to eight brackets; more go to the plain loop. `finite` is the
    /// count of values that are not NaN.
    pub(super) fn scan_with(&mut self, isa: Isa, values: &[f64], mean: f64, finite: u64) -> f64 {
        assert!(isa <= Isa::detected(), "this processor does not run the {} build", isa.name());
        if self.brackets.0.len() <= 8 {
            match isa {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the processor has AVX-512 F: `isa` is at most what
                // `Isa::detected` found, asserted above.
                Isa::Avx512 => return unsafe { self.scan_avx512(values, mean, finite) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the processor has AVX2, as above.
                Isa::Avx2 => return unsafe { self.scan_avx2(values, mean, finite) },
                _ => {}
            }
        }
        self.scan(values, mean)
    }

    /// [`Tally::deviations`] with the build for `isa`, which must be one of
    /// [`Isa::available`] (checked).
    #[cfg(test)]
    pub(super) fn deviations_with(&mut self, isa: Isa, values: &[f64], mean: f64) -> f64 {
        assert!(isa <= Isa::detected(), "this processor does not run the {} build", isa.name());
        match isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the processor has AVX-512 F, asserted above.
            Isa::Avx512 => unsafe { self.deviations_avx512(values, mean) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the processor has AVX2, asserted above.
            Isa::Avx2 => unsafe { self.deviations_avx2(values, mean) },
            _ => self.deviations(values, mean),
        }
    }

    /// The second pass over a batch: squared deviations from `mean`
    /// (returned), minimum, maximum, values above the threshold, and each
    /// value counted into its gap or kept inside its interval.
    pub(super) fn scan(&mut self, values: &[f64], mean: f64) -> f64 {
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
    /// a value each, that would bound the whole tally (as exact: a batch's
    /// deviations are summed in a fixed order whatever the thread count).
    /// Without a branch: a NaN adds +0.0 to its lane (which leaves its bits
    /// as they are: a lane starts at +0.0 and only grows), and is not below
    /// the minimum, above the maximum or above the threshold. The extremes
    /// are plain compares, not `f64::min`, whose NaN handling makes each
    /// step a chain of four instructions; they see -0 as +0 (adding +0
    /// turns one into the other), so a result's minimum or maximum zero is
    /// the same zero whichever worker tallied which batch. Not inlined into
    /// the vector scans, whose many vector registers would push the sums
    /// out to memory; built for their vector extensions too
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

    /// [`Tally::deviations`] for the AVX-512 scan.
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
        // build would pack the minima and maxima into one register, a chain
        // of mask shuffles from one step to the next.
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
    /// interval takes a branch. The same counts, the same kept values in the same
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
}
