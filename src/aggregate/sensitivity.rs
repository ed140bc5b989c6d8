//! Sensitivity: which inputs move NPV (spec sections 6 and 11).
//!
//! For each uncertain input, Spearman's rank correlation with the scenario's
//! NPV (Pearson correlation of average ranks, so ties such as a 0/1 success
//! draw are handled as scipy does), and the mean NPV over the n/10 lowest
//! and n/10 highest draws of the input, ties broken by iteration order.
//! Inputs come as 16-bit order keys (see [`crate::simulate::input_keys`]).
//!
//! What needs only an input's keys ([`InputRanks`]) and the decile means,
//! which need the NPV but not its ranks ([`decile_means`]), are worked out
//! while the NPVs are sorted; only Spearman's sums wait for their ranks
//! ([`spearman`]). Sums run in fixed interleaved parts, so the figures do
//! not depend on the thread count.

use rayon::prelude::*;

use super::rank::RankedNpv;
use crate::isa::Isa;

/// Buckets of an input's keys ([`crate::simulate::input_keys`]).
const BUCKETS: usize = 1 << 16;

/// What sensitivity needs of one input's keys, whatever the NPV: each
/// key's average rank (a key's draws share one, summed as ties), centred on
/// the mean rank, their sum of squares, and the n/10 lowest and highest
/// draws. Computed while the scenarios' NPVs are being ranked.
pub struct InputRanks {
    centred: Vec<f64>,
    sum_squares: f64,
    low: Decile,
    high: Decile,
}

impl InputRanks {
    /// From the input's keys. `exact` says equal keys are equal draws;
    /// otherwise the draws sharing the key at a decile boundary are
    /// fetched with `redraw` (iterations in, draws out) and ordered
    /// exactly, ties in iteration order, so the deciles are those of the
    /// draws.
    pub fn new(keys: &[u16], exact: bool, redraw: impl Fn(&[u32]) -> Vec<f64>) -> InputRanks {
        let n = keys.len();
        let mut counts = vec![0u64; BUCKETS];
        for &k in keys {
            counts[k as usize] += 1;
        }
        let mid = (n as f64 + 1.0) / 2.0;
        let mut centred = vec![0.0; BUCKETS];
        let (mut sum_squares, mut start) = (0.0, 0u64);
        for (c, &count) in centred.iter_mut().zip(&counts) {
            if count > 0 {
                // Ranks start+1 ..= start+count, averaged.
                *c = start as f64 + (count as f64 + 1.0) / 2.0 - mid;
                sum_squares += *c * *c * count as f64;
            }
            start += count;
        }
        let k = n / 10;
        let (low_key, below) = Decile::boundary_key(counts.iter().enumerate(), k);
        let (high_key, above) = Decile::boundary_key(counts.iter().enumerate().rev(), k);
        let [low_tied, high_tied] = members_of(keys, [low_key, high_key]);
        let low = Decile::lowest(low_key, below, Decile::in_order(low_tied, exact, &redraw), k);
        let high = Decile::highest(high_key, above, Decile::in_order(high_tied, exact, &redraw), k);
        InputRanks { centred, sum_squares, low, high }
    }
}

/// Spearman's rho of one input with each scenario's NPV, as the Pearson
/// correlation of average ranks: one pass over the keys for up to three
/// scenarios at a time, each key's rank looked up once for them.
pub fn spearman(keys: &[u16], input: &InputRanks, scenarios: &[&RankedNpv<'_>]) -> Vec<f64> {
    let mut products = Vec::with_capacity(scenarios.len());
    for group in scenarios.chunks(3) {
        match *group {
            [a] => products.extend(rank_products(keys, input, [a])),
            [a, b] => products.extend(rank_products(keys, input, [a, b])),
            [a, b, c] => products.extend(rank_products(keys, input, [a, b, c])),
            _ => unreachable!("chunks of at most three"),
        }
    }
    products
        .iter()
        .zip(scenarios)
        .map(|(product, s)| {
            let denominator = (input.sum_squares * s.sum_squares).sqrt();
            if denominator > 0.0 { product / denominator } else { f64::NAN }
        })
        .collect()
}

/// The sums of the products of the input's and each scenario's centred
/// ranks, in eight interleaved partial sums (a fixed order: the same bits
/// on any machine and thread count). `S` is fixed so that the partial
/// sums stay in registers: kept in a slice as long as the scenarios, they
/// went through memory at every block, a store-to-load wait that bounded
/// the pass.
#[inline(always)]
fn rank_products<const S: usize>(keys: &[u16], input: &InputRanks, scenarios: [&RankedNpv<'_>; S]) -> [f64; S] {
    const LANES: usize = 8;
    let mut sums = [[0.0; LANES]; S];
    let key_blocks = keys.chunks_exact(LANES);
    let rest = key_blocks.remainder();
    for (b, block) in key_blocks.enumerate() {
        let ranks: [f64; LANES] = std::array::from_fn(|l| input.centred[block[l] as usize]);
        for (sum, s) in sums.iter_mut().zip(scenarios) {
            let theirs = &s.centred[b * LANES..(b + 1) * LANES];
            for l in 0..LANES {
                sum[l] += ranks[l] * theirs[l];
            }
        }
    }
    let at = keys.len() - rest.len();
    for (l, &k) in rest.iter().enumerate() {
        for (sum, s) in sums.iter_mut().zip(scenarios) {
            sum[l] += input.centred[k as usize] * s.centred[at + l];
        }
    }
    sums.map(|sum| sum.iter().fold(0.0, |a, &b| a + b))
}

/// The iterations whose key is each of `wanted`, ascending. One pass:
/// a stretch of keys is first tested for any of them at all (a compare
/// and an or over the stretch, vector code), and only a stretch that
/// holds one (about one in a thousand) is read key by key.
fn members_of(keys: &[u16], wanted: [u16; 2]) -> [Vec<u32>; 2] {
    const STRETCH: usize = 64;
    let mut members = [Vec::new(), Vec::new()];
    for (s, stretch) in keys.chunks(STRETCH).enumerate() {
        let hit = stretch.iter().fold(false, |hit, &k| hit | (k == wanted[0]) | (k == wanted[1]));
        if hit {
            for (i, &k) in stretch.iter().enumerate() {
                for (m, &w) in members.iter_mut().zip(&wanted) {
                    if k == w {
                        m.push((s * STRETCH + i) as u32);
                    }
                }
            }
        }
    }
    members
}

/// An input and a scenario's NPV, for [`decile_means`].
pub struct DecilePair<'a> {
    pub keys: &'a [u16],
    pub input: &'a InputRanks,
    pub npv: &'a [f64],
}

/// Iterations a worker takes at a time in [`decile_means`]: each NPV's
/// stretch (64 KB) stays in cache while every input's keys are read
/// against it.
const CHUNK: usize = 8192;

/// The mean NPV over each pair's lowest and highest deciles of the input.
/// The iterations are read a chunk at a time for every pair (pairs that
/// share an NPV next to each other), chunks side by side, their sums added
/// in chunk order: the same bits whatever the thread count, with each NPV
/// read from memory once rather than twice an input.
pub fn decile_means(pairs: &[DecilePair<'_>]) -> Vec<(f64, f64)> {
    let n = pairs.first().map_or(0, |p| p.keys.len());
    let chunks: Vec<Vec<(f64, f64)>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| chunk_sums(pairs, c * CHUNK..((c + 1) * CHUNK).min(n)))
        .collect();
    pairs
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let (mut low, mut high) = (0.0, 0.0);
            for chunk in &chunks {
                low += chunk[j].0;
                high += chunk[j].1;
            }
            (p.input.low.mean(low, p.npv), p.input.high.mean(high, p.npv))
        })
        .collect()
}

/// Each pair's sums of NPV past its low and high decile keys over the
/// iterations `range`, with the widest build the processor runs.
fn chunk_sums(pairs: &[DecilePair<'_>], range: std::ops::Range<usize>) -> Vec<(f64, f64)> {
    chunk_sums_with(Isa::detected(), pairs, range)
}

/// [`chunk_sums`] compiled for `isa`, which must be one of
/// [`Isa::available`] (checked): AVX2 has twice the lanes of the
/// baseline's SSE2, for the same operations in the same order, so the same
/// bits. AVX-512 gains nothing over AVX2 on this loop, which is bound by
/// its memory reads, and runs the AVX2 build.
fn chunk_sums_with(isa: Isa, pairs: &[DecilePair<'_>], range: std::ops::Range<usize>) -> Vec<(f64, f64)> {
    assert!(isa <= Isa::detected(), "this processor does not run the {} build", isa.name());
    #[cfg(target_arch = "x86_64")]
    if isa >= Isa::Avx2 {
        // SAFETY: the processor has AVX2: `isa` is at least AVX2 and at
        // most what `Isa::detected` found, asserted above.
        return unsafe { chunk_sums_avx2(pairs, range) };
    }
    chunk_sums_generic(pairs, range)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn chunk_sums_avx2(pairs: &[DecilePair<'_>], range: std::ops::Range<usize>) -> Vec<(f64, f64)> {
    chunk_sums_generic(pairs, range)
}

/// [`chunk_sums`] in a plain loop: the `fold` of an iterator adaptor here
/// would be compiled as a function of its own, without the caller's
/// vector extensions, leaving the pass scalar.
#[inline(always)]
fn chunk_sums_generic(pairs: &[DecilePair<'_>], range: std::ops::Range<usize>) -> Vec<(f64, f64)> {
    let mut sums = Vec::with_capacity(pairs.len());
    for p in pairs {
        let (keys, npv) = (&p.keys[range.clone()], &p.npv[range.clone()]);
        let (low, high) = (p.input.low.key, p.input.high.key);
        sums.push(lane_sums(keys, npv, |key, x| (if key < low { x } else { 0.0 }, if key > high { x } else { 0.0 })));
    }
    sums
}

/// The n/10 lowest (or highest) draws: every iteration whose key is below
/// (above) `key`, and `boundary`, the chosen ones of those whose key is
/// `key`, ascending.
struct Decile {
    key: u16,
    boundary: Vec<u32>,
    size: usize,
}

impl Decile {
    /// From the boundary key, how many draws come before it, and the
    /// iterations at it in ascending order of their draws.
    fn lowest(key: u16, before: usize, ordered: Vec<u32>, k: usize) -> Decile {
        let mut boundary: Vec<u32> = ordered[..k - before].to_vec();
        boundary.sort_unstable();
        Decile { key, boundary, size: k }
    }

    fn highest(key: u16, before: usize, ordered: Vec<u32>, k: usize) -> Decile {
        let mut boundary: Vec<u32> = ordered[ordered.len() - (k - before)..].to_vec();
        boundary.sort_unstable();
        Decile { key, boundary, size: k }
    }

    /// The key whose draws complete the first `k` in `buckets` order, and
    /// how many come before it.
    fn boundary_key<'a>(buckets: impl Iterator<Item = (usize, &'a u64)>, k: usize) -> (u16, usize) {
        let mut before = 0usize;
        let mut last = 0u16;
        for (key, &count) in buckets {
            last = key as u16;
            if count > 0 && before + count as usize >= k {
                return (key as u16, before);
            }
            before += count as usize;
        }
        (last, before.min(k))
    }

    /// `members` (iterations sharing a key, ascending) in ascending order
    /// of their draws, ties in iteration order.
    fn in_order(members: Vec<u32>, exact: bool, redraw: &impl Fn(&[u32]) -> Vec<f64>) -> Vec<u32> {
        if exact || members.len() < 2 {
            return members;
        }
        let draws = redraw(&members);
        let mut order: Vec<usize> = (0..members.len()).collect();
        order.sort_by(|&a, &b| draws[a].total_cmp(&draws[b]).then(a.cmp(&b)));
        order.into_iter().map(|j| members[j]).collect()
    }

    /// Mean of `npv` over the decile, given the sum over the iterations
    /// past the boundary key: the chosen ones at it added.
    fn mean(&self, past: f64, npv: &[f64]) -> f64 {
        if self.size == 0 {
            return f64::NAN;
        }
        let mut sum = past;
        for &i in &self.boundary {
            sum += npv[i as usize];
        }
        sum / self.size as f64
    }
}

/// Two sums of `term(key, value)` over a stretch of iterations, each in
/// eight interleaved partial sums added at the end: a fixed order (the
/// same bits on any machine and thread count) that compiles to vector code
/// instead of waiting on one long chain of additions.
#[inline(always)]
fn lane_sums(keys: &[u16], values: &[f64], term: impl Fn(u16, f64) -> (f64, f64)) -> (f64, f64) {
    const LANES: usize = 8;
    let (mut first, mut second) = ([0.0; LANES], [0.0; LANES]);
    let (key_blocks, value_blocks) = (keys.chunks_exact(LANES), values.chunks_exact(LANES));
    let (key_rest, value_rest) = (key_blocks.remainder(), value_blocks.remainder());
    for (k, v) in key_blocks.zip(value_blocks) {
        for l in 0..LANES {
            let (a, b) = term(k[l], v[l]);
            first[l] += a;
            second[l] += b;
        }
    }
    for (l, (&k, &v)) in key_rest.iter().zip(value_rest).enumerate() {
        let (a, b) = term(k, v);
        first[l] += a;
        second[l] += b;
    }
    (first.iter().sum(), second.iter().sum())
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
#[cfg(test)]
mod tests {
    use super::super::rank::{order, ranks};
    use super::*;

    /// An input in more scenarios than a group of three: each scenario's
    /// rho is the one it gets alone, bit for bit, and the Pearson
    /// correlation of the average ranks.
    #[test]
    fn spearman_in_groups_of_three_is_each_scenarios_own() {
        let mut x = 11u64;
        let mut next = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 5003;
        let keys: Vec<u16> = (0..n).map(|_| (next() * 3000.0) as u16).collect();
        let npvs: Vec<Vec<f64>> =
            (0..7).map(|s| keys.iter().map(|&k| f64::from(k) * (s as f64 - 3.0) + 4000.0 * next()).collect()).collect();
        let ranked: Vec<RankedNpv<'_>> = npvs.iter().map(|v| RankedNpv::new(v)).collect();
        let scenarios: Vec<&RankedNpv<'_>> = ranked.iter().collect();
        let input = InputRanks::new(&keys, true, |_| unreachable!("exact keys need no redraw"));
        let all = spearman(&keys, &input, &scenarios);
        let key_values: Vec<f64> = keys.iter().map(|&k| f64::from(k)).collect();
        let key_order: Vec<u32> = order(&key_values);
        let key_ranks = ranks(&key_values, &key_order);
        for (s, npv) in scenarios.iter().enumerate() {
            assert_eq!(all[s].to_bits(), spearman(&keys, &input, &[*npv])[0].to_bits(), "scenario {s}");
            let npv_ranks = ranks(&npvs[s], &order(&npvs[s]));
            let want = pearson(&key_ranks, &npv_ranks);
            assert!((all[s] - want).abs() < 1e-12, "scenario {s}: {} against {want}", all[s]);
        }
    }

    /// The one-pass search finds every iteration at either key, in order,
    /// across stretch boundaries and at the ends, as a plain filter does.
    #[test]
    fn members_of_finds_what_a_filter_finds() {
        let mut x = 7u64;
        let mut keys: Vec<u16> = (0..10_007)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (x >> 54) as u16
            })
            .collect();
        keys[0] = 3;
        keys[63] = 3;
        keys[64] = 900;
        keys[10_006] = 900;
        for wanted in [[3, 900], [900, 900], [5, 1023]] {
            let got = members_of(&keys, wanted);
            for (m, w) in got.iter().zip(wanted) {
                let want: Vec<u32> = (0..keys.len() as u32).filter(|&i| keys[i as usize] == w).collect();
                assert!(!want.is_empty());
                assert_eq!(m, &want, "key {w}");
            }
        }
    }

    /// Every build of the decile sums gives the same bits, on chunks with
    /// a ragged end.
    #[test]
    fn every_build_of_the_decile_sums_gives_the_same_bits() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 10_007;
        let keys: Vec<u16> = (0..n).map(|_| (next() * 60_000.0) as u16).collect();
        let npvs: Vec<Vec<f64>> = (0..3).map(|_| (0..n).map(|_| 1e6 * (next() - 0.4)).collect()).collect();
        let input = InputRanks::new(&keys, true, |_| unreachable!("exact keys need no redraw"));
        let pairs: Vec<DecilePair<'_>> =
            npvs.iter().map(|npv| DecilePair { keys: &keys, input: &input, npv }).collect();
        for range in [0..n, 3..8_195, 8_192..n] {
            let bits = |isa: Isa| -> Vec<(u64, u64)> {
                chunk_sums_with(isa, &pairs, range.clone()).iter().map(|(a, b)| (a.to_bits(), b.to_bits())).collect()
            };
            let baseline = bits(Isa::Baseline);
            assert!(baseline.iter().all(|&(low, high)| low != 0 && high != 0), "sums of nothing prove nothing");
            for isa in Isa::available().skip(1) {
                assert_eq!(bits(isa), baseline, "{}, iterations {range:?}", isa.name());
            }
        }
    }
}
