//! Summary statistics of a sample: mean, sd (n - 1), percentiles by linear
//! interpolation between order statistics (numpy's default, position
//! (n - 1) q; spec section 6), min and max.

/// The statistics the reports show for one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub mean: f64,
    /// Sample standard deviation (n - 1); NaN for a single value.
    pub sd: f64,
    pub p5: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

/// Mean of values in the given order (summed left to right, so the result
/// is the same whatever produced them).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Mean and sample standard deviation (n - 1; NaN for one value) of
/// non-empty `values`, two-pass in the given order.
fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    let m = mean(values);
    let sd =
        if n > 1 { (values.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64).sqrt() } else { f64::NAN };
    (m, sd)
}

/// The percentile at `p` of `n` values, numpy's linear method, from a way
/// to read the `k`-th smallest (0-based): a sorted slice, counts per
/// month, a tally's kept values. It may fail (a tally that did not keep
/// that order statistic).
pub fn interpolate<E>(n: u64, p: f64, mut order_statistic: impl FnMut(u64) -> Result<f64, E>) -> Result<f64, E> {
    let pos = (n - 1) as f64 * p;
    let k = (pos.floor() as u64).min(n - 1);
    let frac = pos - k as f64;
    let a = order_statistic(k)?;
    if frac > 0.0 && k + 1 < n { Ok(a + (order_statistic(k + 1)? - a) * frac) } else { Ok(a) }
}

/// Describe `values`; `None` when empty.
pub fn describe(values: &[f64]) -> Option<Stats> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (m, sd) = mean_and_sd(values);
    let q = quantiles(values, &[0.0, 0.05, 0.10, 0.50, 0.90, 0.95, 1.0]);
    Some(Stats { mean: m, sd, p5: q[1], p10: q[2], p50: q[3], p90: q[4], p95: q[5], min: q[0], max: q[6], n })
}

/// Describe `values` (in iteration order) given them sorted as well; the
/// same numbers as [`describe`].
pub fn describe_sorted(values: &[f64], sorted: &[f64]) -> Option<Stats> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (m, sd) = mean_and_sd(values);
    let q = sorted_quantiles(sorted, &[0.05, 0.10, 0.50, 0.90, 0.95]);
    Some(Stats {
        mean: m,
        sd,
        p5: q[0],
        p10: q[1],
        p50: q[2],
        p90: q[3],
        p95: q[4],
        min: sorted[0],
        max: sorted[n - 1],
        n,
    })
}

/// Percentiles at `probs` (each in [0, 1], ascending), numpy's linear
/// method, by selection rather than a full sort.
///
/// The selection runs on the values' [`order_key`]s, not the values: an
/// integer compare instead of `total_cmp`'s bit fiddling on both sides,
/// and the same order statistics, so the same figures. Between the k-th
/// and the next value it interpolates to the (k+1)-th in that order, as
/// [`sorted_quantiles`] does: a NaN there gives NaN (a selection on the
/// values took the least number above instead, or infinity).
pub fn quantiles(values: &[f64], probs: &[f64]) -> Vec<f64> {
    let mut keys: Vec<u64> = values.iter().map(|&x| order_key(x)).collect();
    select_quantiles(&mut keys, probs, from_order_key)
}

/// [`quantiles`] of f32 values (the monthly sample), the same figures as
/// those of the values widened to f64: the order statistics are selected
/// on 32-bit keys, half the bytes, and widened before interpolating.
pub fn quantiles_f32(values: &[f32], probs: &[f64]) -> Vec<f64> {
    let mut keys: Vec<u32> = values.iter().map(|&x| order_key_f32(x)).collect();
    select_quantiles(&mut keys, probs, |k| f64::from(from_order_key_f32(k)))
}

/// Percentiles of the values whose order keys are `keys` (reordered),
/// `value` reading a key's value back.
fn select_quantiles<K: Ord + Copy>(keys: &mut [K], probs: &[f64], value: impl Fn(K) -> f64) -> Vec<f64> {
    let n = keys.len();
    assert!(n > 0, "quantiles of an empty sample");
    debug_assert!(probs.windows(2).all(|w| w[0] <= w[1]));
    let mut out = Vec::with_capacity(probs.len());
    // Order statistics already placed: everything before `lo` is <= keys[lo].
    let mut lo = 0;
    for &p in probs {
        let pos = (n - 1) as f64 * p;
        let k = (pos.floor() as usize).min(n - 1);
        let frac = pos - k as f64;
        if k >= lo {
            keys[lo..].select_nth_unstable(k - lo);
            lo = k;
        }
        let a = value(keys[k]);
        // The next order statistic is the least key above k; read only
        // when it is weighed in.
        let x = if frac > 0.0 { keys[k + 1..].iter().min().map_or(a, |&next| a + (value(next) - a) * frac) } else { a };
        out.push(x);
    }
    out
}

/// The values of `values` at the 0-based `ranks` (in [`f64::total_cmp`]'s
/// order), by selection on order keys: the middle rank is selected first,
/// then the ranks below it among the values below it and those above among
/// the values above, so each selection searches only its own stretch. The
/// six ranks of three percentiles' intervals cost about three passes over
/// the values (taken one after another from the lowest, nearly four), not a
/// sort.
pub fn order_statistics(values: &[f64], ranks: &[u64]) -> Vec<f64> {
    let mut keys: Vec<u64> = values.iter().map(|&x| order_key(x)).collect();
    let mut wanted: Vec<usize> = ranks.iter().map(|&k| k as usize).collect();
    wanted.sort_unstable();
    wanted.dedup();
    if let Some(&k) = wanted.last() {
        assert!(k < keys.len(), "rank {k} of {} values", keys.len());
    }
    select_ranks(&mut keys, 0, &wanted);
    ranks.iter().map(|&r| from_order_key(keys[r as usize])).collect()
}

/// Put the keys of `ranks` (increasing, each at least `offset`) where a
/// sort would: `keys` is the stretch of a sample from rank `offset` on,
/// holding every key of those ranks.
fn select_ranks(keys: &mut [u64], offset: usize, ranks: &[usize]) {
    let mid = ranks.len() / 2;
    let Some(&k) = ranks.get(mid) else {
        return;
    };
    let (below, _, above) = keys.select_nth_unstable(k - offset);
    select_ranks(below, offset, &ranks[..mid]);
    select_ranks(above, k + 1, &ranks[mid + 1..]);
}

/// A key whose integer order is [`f64::total_cmp`]'s order of the values:
/// the bits with the sign flipped for positives and all bits flipped for
/// negatives. Equal keys are equal bits.
#[inline]
pub fn order_key(x: f64) -> u64 {
    const SIGN: u64 = 1 << 63;
    let b = x.to_bits();
    if b & SIGN != 0 { !b } else { b | SIGN }
}

/// The value of an [`order_key`].
#[inline]
pub fn from_order_key(k: u64) -> f64 {
    const SIGN: u64 = 1 << 63;
    f64::from_bits(if k & SIGN != 0 { k & !SIGN } else { !k })
}

/// [`order_key`] of an f32: the same order as [`f32::total_cmp`].
#[inline]
pub fn order_key_f32(x: f32) -> u32 {
    const SIGN: u32 = 1 << 31;
    let b = x.to_bits();
    if b & SIGN != 0 { !b } else { b | SIGN }
}

/// The value of an [`order_key_f32`].
#[inline]
pub fn from_order_key_f32(k: u32) -> f32 {
    const SIGN: u32 = 1 << 31;
    f32::from_bits(if k & SIGN != 0 { k & !SIGN } else { !k })
}

/// The value of an [`interpolate`] that cannot fail.
fn exact(x: Result<f64, std::convert::Infallible>) -> f64 {
    match x {
        Ok(x) => x,
    }
}

/// Percentiles of an already sorted sample, numpy's linear method.
pub fn sorted_quantiles(sorted: &[f64], probs: &[f64]) -> Vec<f64> {
    let n = sorted.len();
    assert!(n > 0, "quantiles of an empty sample");
    probs.iter().map(|&p| exact(interpolate(n as u64, p, |k| Ok(sorted[k as usize])))).collect()
}

/// A month-valued result (payback) as counts per month: its statistics
/// exactly, from 2 bytes an iteration. Month 0 stands for none.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthCounts(Vec<u64>);

impl MonthCounts {
    pub fn of(months: &[u16]) -> MonthCounts {
        let mut counts = vec![0u64; 1 + months.iter().copied().max().unwrap_or(0) as usize];
        for &m in months {
            counts[m as usize] += 1;
        }
        MonthCounts(counts)
    }

    /// Iterations with a month.
    pub fn count(&self) -> u64 {
        self.0.iter().skip(1).sum()
    }

    /// The `rank`-th smallest month (0-based) among those with one.
    pub fn order_statistic(&self, rank: u64) -> f64 {
        let mut seen = 0;
        for (month, &c) in self.0.iter().enumerate().skip(1) {
            seen += c;
            if rank < seen {
                return month as f64;
            }
        }
        f64::NAN
    }

    /// Statistics over the iterations with a month; `None` when none has.
    pub fn stats(&self) -> Option<Stats> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let weighted = || self.0.iter().enumerate().skip(1).map(|(m, &c)| (m as f64, c as f64));
        let mean = weighted().map(|(m, c)| m * c).sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (weighted().map(|(m, c)| c * (m - mean) * (m - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            f64::NAN
        };
        let q: Vec<f64> = [0.0, 0.05, 0.10, 0.50, 0.90, 0.95, 1.0]
            .iter()
            .map(|&p| exact(interpolate(n, p, |k| Ok(self.order_statistic(k)))))
            .collect();
        Some(Stats {
            mean,
            sd,
            p5: q[1],
            p10: q[2],
            p50: q[3],
            p90: q[4],
            p95: q[5],
            min: q[0],
            max: q[6],
            n: n as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever ranks are asked for, in any order and repeated, each comes
    /// out as the value a sort puts there (ties, signed zeros and NaN
    /// included, in total_cmp's order).
    #[test]
    fn order_statistics_are_the_sorted_values_at_their_ranks() {
        let mut values: Vec<f64> = (0..5_000u64).map(|i| ((i * 7_919) % 1_013) as f64 - 500.0).collect();
        values.extend([0.0, -0.0, f64::NAN, -f64::NAN, f64::INFINITY, 3.5, 3.5]);
        let mut sorted = values.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let n = values.len() as u64;
        for ranks in [vec![0, n - 1], vec![4_000, 10, 2_500, 2_501, 10, 4_999, 500, 520], (0..n).step_by(97).collect()]
        {
            let got = order_statistics(&values, &ranks);
            for (&r, x) in ranks.iter().zip(got) {
                assert_eq!(x.to_bits(), sorted[r as usize].to_bits(), "rank {r}");
            }
        }
    }

    #[test]
    fn percentiles_match_numpy_linear() {
        // numpy.percentile([1, 2, 3, 4, 10], [0, 10, 50, 90, 100]) = [1, 1.4, 3, 7.6, 10]
        let v = vec![10.0, 3.0, 1.0, 4.0, 2.0];
        let q = quantiles(&v, &[0.0, 0.1, 0.5, 0.9, 1.0]);
        let want = [1.0, 1.4, 3.0, 7.6, 10.0];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn describe_uses_n_minus_one() {
        let v = vec![2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let s = describe(&v).unwrap();
        assert_eq!(s.mean, 5.0);
        assert!((s.sd - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!((s.min, s.max), (2.0, 9.0));
        assert!(describe(&[]).is_none());
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(describe_sorted(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], &sorted), Some(s));
        let one = describe(&[3.0]).unwrap();
        assert_eq!((one.p5, one.p95), (3.0, 3.0));
    }

    #[test]
    fn month_counts_give_the_statistics_of_the_months() {
        let months: Vec<u16> = vec![3, 0, 7, 7, 1, 12, 0, 3, 3, 9, 2];
        let values: Vec<f64> = months.iter().filter(|&&m| m > 0).map(|&m| f64::from(m)).collect();
        let want = describe(&values).unwrap();
        let got = MonthCounts::of(&months).stats().unwrap();
        assert_eq!(
            (got.n, got.min, got.max, got.p5, got.p10, got.p50, got.p90, got.p95),
            (want.n, want.min, want.max, want.p5, want.p10, want.p50, want.p90, want.p95)
        );
        assert!((got.mean - want.mean).abs() < 1e-12 && (got.sd - want.sd).abs() < 1e-12);
        assert!(MonthCounts::of(&[0, 0]).stats().is_none());
    }

    #[test]
    fn quantiles_agree_with_a_full_sort() {
        let v: Vec<f64> = (0..1001).map(|i| ((i * 7919) % 1001) as f64 * 0.37).collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        let probs = [0.05, 0.1, 0.5, 0.9, 0.95];
        let q = quantiles(&v, &probs);
        assert_eq!(q, sorted_quantiles(&sorted, &probs));
        for (p, x) in probs.iter().zip(q) {
            let pos = 1000.0 * p;
            let k = pos as usize;
            let want = sorted[k] + (sorted[(k + 1).min(1000)] - sorted[k]) * (pos - k as f64);
            assert!((x - want).abs() < 1e-9);
        }
    }

    /// Order keys sort as `total_cmp` does, signed zeros and infinities
    /// included, and give the values back bit for bit.
    #[test]
    fn order_keys_keep_total_order_and_bits() {
        let values = [f64::INFINITY, 1.5, -0.0, 0.0, -2.0, f64::NEG_INFINITY, 1e-300, -1e-300, f64::MAX, f64::MIN];
        let mut by_key = values.to_vec();
        by_key.sort_by_key(|&x| order_key(x));
        let mut by_total = values.to_vec();
        by_total.sort_by(f64::total_cmp);
        assert_eq!(
            by_key.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            by_total.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        for x in values {
            assert_eq!(from_order_key(order_key(x)).to_bits(), x.to_bits());
        }
        let q = quantiles(&values, &[0.0, 0.3, 0.5, 1.0]);
        assert_eq!(q, sorted_quantiles(&by_total, &[0.0, 0.3, 0.5, 1.0]));
        // The same of f32 values, against those widened to f64.
        let narrow: Vec<f32> = values.iter().map(|&x| x as f32).chain([f32::MIN_POSITIVE, -7.25]).collect();
        let wide: Vec<f64> = narrow.iter().map(|&x| f64::from(x)).collect();
        for x in &narrow {
            assert_eq!(from_order_key_f32(order_key_f32(*x)).to_bits(), x.to_bits());
        }
        let probs = [0.0, 0.1, 0.25, 0.5, 0.9, 1.0];
        let bits = |q: Vec<f64>| q.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(quantiles_f32(&narrow, &probs)), bits(quantiles(&wide, &probs)));
    }
}
