//! Sensitivity: which inputs move NPV (spec sections 6 and 11).
//!
//! For each uncertain input, Spearman's rank correlation with the scenario's
//! NPV (Pearson correlation of average ranks, so ties such as a 0/1 success
//! draw are handled as scipy does), and the mean NPV over the n/10 lowest
//! and n/10 highest draws of the input, ties broken by iteration order.

/// Order of `values` ascending, ties in iteration order. Sorted first by
/// the values rounded to f32 (rounding is monotone, so this is already the
/// order up to runs that share an f32), 3 radix passes instead of 6; each
/// such run is then put in exact f64 order, stably. Runs are almost always
/// single values, so the second step costs one scan.
pub fn order(values: &[f64]) -> Vec<u32> {
    let keys: Vec<u32> = values
        .iter()
        .map(|&x| {
            let b = (x as f32).to_bits();
            if b >> 31 == 1 { !b } else { b | (1 << 31) }
        })
        .collect();
    let mut idx = radix_order(&keys);
    let mut i = 0;
    while i < idx.len() {
        let run = keys[idx[i] as usize];
        let mut j = i + 1;
        while j < idx.len() && keys[idx[j] as usize] == run {
            j += 1;
        }
        if j - i > 1 {
            idx[i..j].sort_by(|&a, &b| values[a as usize].total_cmp(&values[b as usize]));
        }
        i = j;
    }
    idx
}

/// Indices that sort 32-bit `keys` ascending: a stable LSD radix sort, 11
/// bits a pass, skipping the passes where every key has the same digit.
/// Each key travels with its index packed in one u64 (key high, index low),
/// so a pass scatters one word, and the three digit counts are taken in
/// one read. Stable, so ties keep iteration order.
fn radix_order(keys: &[u32]) -> Vec<u32> {
    const DIGIT: u32 = 11;
    const PASSES: usize = 3;
    let n = keys.len();
    if n < 2 {
        return (0..n as u32).collect();
    }
    let digit = |k: u64, pass: usize| ((k >> (32 + DIGIT as usize * pass)) & ((1 << DIGIT) - 1)) as usize;
    let mut packed: Vec<u64> = keys.iter().enumerate().map(|(i, &k)| (u64::from(k) << 32) | i as u64).collect();
    let mut counts = vec![[0usize; 1 << DIGIT]; PASSES];
    for &p in &packed {
        for (pass, c) in counts.iter_mut().enumerate() {
            c[digit(p, pass)] += 1;
        }
    }
    let mut tmp = vec![0u64; n];
    for (pass, c) in counts.iter_mut().enumerate() {
        if c.contains(&n) {
            continue;
        }
        let mut start = 0;
        for slot in c.iter_mut() {
            let here = *slot;
            *slot = start;
            start += here;
        }
        for &p in &packed {
            let slot = &mut c[digit(p, pass)];
            tmp[*slot] = p;
            *slot += 1;
        }
        std::mem::swap(&mut packed, &mut tmp);
    }
    packed.into_iter().map(|p| p as u32).collect()
}

/// One scenario's NPV, prepared for rank correlations: the values, their
/// average ranks centred on the mean rank, and the sum of squares of those.
pub struct RankedNpv<'a> {
    pub npv: &'a [f64],
    centred: Vec<f64>,
    sum_squares: f64,
}

impl<'a> RankedNpv<'a> {
    pub fn new(npv: &'a [f64]) -> RankedNpv<'a> {
        let mid = (npv.len() as f64 + 1.0) / 2.0;
        let centred: Vec<f64> = ranks(npv, &order(npv)).into_iter().map(|r| r - mid).collect();
        let sum_squares = centred.iter().map(|c| c * c).sum();
        RankedNpv { npv, centred, sum_squares }
    }
}

/// The sensitivity of each scenario's NPV to one input, from one sort of
/// the input: Spearman's rho as the Pearson correlation of average ranks
/// (summed in iteration order), and the decile means.
pub fn sensitivities(input: &[f64], scenarios: &[&RankedNpv<'_>]) -> Vec<Sensitivity> {
    let n = input.len();
    let ord = order(input);
    let mid = (n as f64 + 1.0) / 2.0;
    // The input's centred average ranks, in iteration order (one scattered
    // pass), then one sequential dot product per scenario.
    let mut centred = vec![0.0; n];
    let mut sxx = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && input[ord[j] as usize] == input[ord[i] as usize] {
            j += 1;
        }
        let c = (i + j + 1) as f64 / 2.0 - mid; // ranks i+1 ..= j, averaged
        sxx += c * c * (j - i) as f64;
        for &k in &ord[i..j] {
            centred[k as usize] = c;
        }
        i = j;
    }
    let sxy: Vec<f64> = scenarios.iter().map(|s| centred.iter().zip(&s.centred).map(|(a, b)| a * b).sum()).collect();
    let k = n / 10;
    scenarios
        .iter()
        .zip(sxy)
        .map(|(s, sxy)| {
            let decile_mean = |idx: &[u32]| {
                if idx.is_empty() { f64::NAN } else { idx.iter().map(|&i| s.npv[i as usize]).sum::<f64>() / idx.len() as f64 }
            };
            let denominator = (sxx * s.sum_squares).sqrt();
            Sensitivity {
                spearman: if denominator > 0.0 { sxy / denominator } else { f64::NAN },
                npv_low_decile: decile_mean(&ord[..k]),
                npv_high_decile: decile_mean(&ord[n - k..]),
            }
        })
        .collect()
}


/// Average ranks (1-based) given the ascending order.
pub fn ranks(values: &[f64], order: &[u32]) -> Vec<f64> {
    let n = values.len();
    let mut r = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && values[order[j] as usize] == values[order[i] as usize] {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0; // ranks i+1 ..= j
        for &k in &order[i..j] {
            r[k as usize] = avg;
        }
        i = j;
    }
    r
}

/// Pearson correlation; NaN when either side is constant.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 { f64::NAN } else { sxy / (sxx * syy).sqrt() }
}

/// One input's sensitivity row.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub spearman: f64,
    pub npv_low_decile: f64,
    pub npv_high_decile: f64,
}

/// Sensitivity of `npv` (with its ranks precomputed) to `input`.
pub fn sensitivity(input: &[f64], npv: &[f64], npv_ranks: &[f64]) -> Sensitivity {
    let ord = order(input);
    let input_ranks = ranks(input, &ord);
    sensitivity_ranked(&ord, &input_ranks, npv, npv_ranks)
}

/// [`sensitivity`] with the input's order and ranks precomputed, so one
/// input serves every scenario.
pub fn sensitivity_ranked(ord: &[u32], input_ranks: &[f64], npv: &[f64], npv_ranks: &[f64]) -> Sensitivity {
    let k = ord.len() / 10;
    let decile_mean = |idx: &[u32]| {
        if idx.is_empty() { f64::NAN } else { idx.iter().map(|&i| npv[i as usize]).sum::<f64>() / idx.len() as f64 }
    };
    Sensitivity {
        spearman: pearson(input_ranks, npv_ranks),
        npv_low_decile: decile_mean(&ord[..k]),
        npv_high_decile: decile_mean(&ord[ord.len() - k..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_share_an_f32_keep_their_exact_order() {
        // 16_777_216 + k/4 all round to the same f32.
        let v: Vec<f64> = [3.0, 1.0, 2.0, 0.0, 2.0].iter().map(|k| 16_777_216.0 + k / 4.0).collect();
        assert_eq!(order(&v), vec![3, 1, 2, 4, 0]);
    }

    #[test]
    fn radix_order_is_a_stable_sort() {
        let v = [3.5, -1.0, 0.0, -0.0, 1e300, -1e-300, 3.5, 2.0, f64::MIN_POSITIVE, -2.5];
        let mut want: Vec<u32> = (0..v.len() as u32).collect();
        want.sort_by(|&a, &b| v[a as usize].total_cmp(&v[b as usize]));
        assert_eq!(order(&v), want);
        let many: Vec<f64> = (0..5000).map(|i| ((i * 7919) % 1000) as f64 * 0.25 - 100.0).collect();
        let mut want: Vec<u32> = (0..many.len() as u32).collect();
        want.sort_by(|&a, &b| many[a as usize].total_cmp(&many[b as usize]));
        assert_eq!(order(&many), want);
    }

    #[test]
    fn one_sort_serves_every_scenario_and_agrees_with_the_direct_formula() {
        let x: Vec<f64> = (0..997).map(|i| ((i * 7919) % 211) as f64 * 0.5 - 20.0).collect();
        let y1: Vec<f64> = (0..997).map(|i| ((i * 104_729) % 1000) as f64 + x[i] * 3.0).collect();
        let y2: Vec<f64> = (0..997).map(|i| -(x[i].powi(3)) + ((i * 31) % 7) as f64).collect();
        let (r1, r2) = (RankedNpv::new(&y1), RankedNpv::new(&y2));
        let fast = sensitivities(&x, &[&r1, &r2]);
        for (y, got) in [(&y1, &fast[0]), (&y2, &fast[1])] {
            let yr = ranks(y, &order(y));
            let want = sensitivity(&x, y, &yr);
            assert!((got.spearman - want.spearman).abs() < 1e-12, "{} vs {}", got.spearman, want.spearman);
            assert_eq!((got.npv_low_decile, got.npv_high_decile), (want.npv_low_decile, want.npv_high_decile));
        }
    }

    #[test]
    fn ties_get_average_ranks() {
        let v = [3.0, 1.0, 3.0, 2.0];
        assert_eq!(ranks(&v, &order(&v)), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn monotone_relations_have_rank_correlation_one() {
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v.powi(3) - 5.0).collect();
        let yr = ranks(&y, &order(&y));
        let s = sensitivity(&x, &y, &yr);
        assert!((s.spearman - 1.0).abs() < 1e-12);
        // lowest 10 x are 0..9: mean of y over them
        let low: f64 = (0..10).map(|v| (v as f64).powi(3) - 5.0).sum::<f64>() / 10.0;
        assert!((s.npv_low_decile - low).abs() < 1e-9);
        let neg: Vec<f64> = y.iter().map(|v| -v).collect();
        let nr = ranks(&neg, &order(&neg));
        assert!((sensitivity(&x, &neg, &nr).spearman + 1.0).abs() < 1e-12);
    }

    #[test]
    fn decile_ties_follow_iteration_order() {
        // 20 draws of a 0/1 input: the lowest 2 are the first two zeros.
        let input: Vec<f64> = (0..20).map(|i| if i % 4 == 0 { 0.0 } else { 1.0 }).collect();
        let npv: Vec<f64> = (0..20).map(f64::from).collect();
        let r = ranks(&npv, &order(&npv));
        let s = sensitivity(&input, &npv, &r);
        assert_eq!(s.npv_low_decile, (0.0 + 4.0) / 2.0);
        assert_eq!(s.npv_high_decile, (18.0 + 19.0) / 2.0);
    }
}
