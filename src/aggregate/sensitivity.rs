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

/// Length of the pieces a column of per-iteration values is cut into for
/// the parallel passes of ranking: 31 pieces at 1M iterations, enough for
/// 16 cores, each piece's 2,048 radix counts still small beside its
/// values. Every result is the same however the pieces fall to threads: a
/// stable sort has one answer.
const PIECE: usize = 1 << 15;

/// Order of `values` ascending, ties in iteration order. Sorted first by
/// the values rounded to f32 (rounding is monotone, so this is already the
/// order up to runs that share an f32), 3 radix passes instead of 6; each
/// such run is then put in exact f64 order, stably. Runs are almost always
/// single values, so the second step costs one scan. Every step runs on
/// pieces side by side.
pub fn order(values: &[f64]) -> Vec<u32> {
    // Indices are 32-bit: past 2^32 values they would repeat, and the
    // ranks' writes (which rely on `order` being a permutation) collide.
    assert!(values.len() as u64 <= 1 << 32, "{} values: ranking takes at most 2^32", values.len());
    let packed = radix_order(
        values
            .par_iter()
            .enumerate()
            .with_min_len(PIECE)
            .map(|(i, &x)| (u64::from(super::stats::order_key_f32(x as f32)) << 32) | i as u64)
            .collect(),
    );
    let mut idx: Vec<u32> = packed.par_iter().with_min_len(PIECE).map(|&p| p as u32).collect();
    // Runs of equal keys (the keys read in order from the sorted words,
    // not looked up by index) ordered by the values themselves, piece by
    // piece: pieces start where a run does, so none is split.
    let same_key = |i: usize, j: usize| packed[i] >> 32 == packed[j] >> 32;
    let starts = run_starts(packed.len(), |i| !same_key(i - 1, i));
    let pieces = split_at_starts(&mut idx, &starts);
    pieces.into_par_iter().zip(starts.par_iter()).for_each(|(idx, &first)| {
        for_each_run(first..first + idx.len(), same_key, |run| {
            if run.len() > 1 {
                idx[run.start - first..run.end - first]
                    .sort_by(|&a, &b| values[a as usize].total_cmp(&values[b as usize]));
            }
        });
    });
    idx
}

/// Calls `f` with each run in `range`: a stretch `i..j` whose every
/// position `k` has `same(i, k)`, as long as it goes.
#[inline]
fn for_each_run(
    range: std::ops::Range<usize>,
    same: impl Fn(usize, usize) -> bool,
    mut f: impl FnMut(std::ops::Range<usize>),
) {
    let mut i = range.start;
    while i < range.end {
        let mut j = i + 1;
        while j < range.end && same(i, j) {
            j += 1;
        }
        f(i..j);
        i = j;
    }
}

/// Where the pieces of `0..n` start: every [`PIECE`]th position, moved on
/// to the next one where `starts_run` holds (a position > 0 that begins a
/// run of equal values), so that no run is cut in two. Always starts with 0.
fn run_starts(n: usize, starts_run: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut starts = vec![0];
    let mut at = 0;
    for boundary in (PIECE..n).step_by(PIECE) {
        // A run may reach past this boundary and the next: scan on from
        // where the last scan stopped, never twice over the same values.
        at = at.max(boundary);
        while at < n && !starts_run(at) {
            at += 1;
        }
        if at == n {
            break;
        }
        if at > starts[starts.len() - 1] {
            starts.push(at);
        }
    }
    starts
}

/// `values` cut into the pieces that begin at `starts` (ascending, from 0).
fn split_at_starts<'a, T>(mut values: &'a mut [T], starts: &[usize]) -> Vec<&'a mut [T]> {
    let mut pieces = Vec::with_capacity(starts.len());
    for w in starts.windows(2) {
        let (piece, rest) = values.split_at_mut(w[1] - w[0]);
        pieces.push(piece);
        values = rest;
    }
    pieces.push(values);
    pieces
}

/// Words of a 32-bit key (high) and an index (low) sorted by key, ties in
/// the order they come: a stable LSD radix sort, 11 bits a pass, skipping the
/// passes where every key has the same digit. Each pass runs on pieces
/// side by side: every piece counts its digits, the counts give each
/// (digit, piece) its own stretch of the output (digits in order, pieces
/// in order within a digit, so the sort stays stable), and each piece
/// moves its words into its stretches. The counts are taken again before
/// each pass (a piece holds other words after each), one more read of the
/// words a pass than the one count of all three digits a single thread
/// needs.
fn radix_order(mut packed: Vec<u64>) -> Vec<u64> {
    const DIGIT: u32 = 11;
    const PASSES: usize = 3;
    const DIGITS: usize = 1 << DIGIT;
    let n = packed.len();
    if n < 2 {
        return packed;
    }
    let digit = |w: u64, pass: usize| ((w >> (32 + DIGIT as usize * pass)) & (DIGITS as u64 - 1)) as usize;
    let mut moved = vec![0u64; n];
    for pass in 0..PASSES {
        let counts: Vec<Vec<usize>> = packed
            .par_chunks(PIECE)
            .map(|piece| {
                let mut count = vec![0usize; DIGITS];
                for &w in piece {
                    count[digit(w, pass)] += 1;
                }
                count
            })
            .collect();
        if (0..DIGITS).any(|d| counts.iter().map(|c| c[d]).sum::<usize>() == n) {
            continue; // every key has this digit: the pass would move nothing
        }
        // Each piece's next slot for each digit: digit-major, piece-minor.
        let mut next = vec![vec![0usize; DIGITS]; counts.len()];
        let mut at = 0;
        for d in 0..DIGITS {
            for (p, count) in counts.iter().enumerate() {
                next[p][d] = at;
                at += count[d];
            }
        }
        let out = Disjoint::new(&mut moved);
        packed.par_chunks(PIECE).zip(next.par_iter_mut()).for_each(|(piece, next)| {
            for &w in piece {
                let slot = &mut next[digit(w, pass)];
                // SAFETY: the piece's stretch for this digit, [next, next +
                // its count), is its own: the stretches are laid end to end.
                unsafe { out.write(*slot, w) };
                *slot += 1;
            }
        });
        std::mem::swap(&mut packed, &mut moved);
    }
    packed
}

/// A slice that threads write into side by side, each to places no other
/// thread touches (a radix pass's stretches, a permutation's targets),
/// which the borrow checker cannot see. Bounds are still checked.
struct Disjoint<'a, T> {
    start: *mut T,
    len: usize,
    _slice: std::marker::PhantomData<&'a mut [T]>,
}

// SAFETY: a `Disjoint` only writes Send values through `write`, whose
// callers guarantee that no place is written by two threads.
unsafe impl<T: Send> Sync for Disjoint<'_, T> {}

impl<'a, T: Copy> Disjoint<'a, T> {
    fn new(slice: &'a mut [T]) -> Disjoint<'a, T> {
        Disjoint { start: slice.as_mut_ptr(), len: slice.len(), _slice: std::marker::PhantomData }
    }

    /// Write `value` at `at` (plain data: nothing is dropped).
    ///
    /// # Safety
    /// While this `Disjoint` lives, no other call writes `at`.
    #[inline(always)]
    unsafe fn write(&self, at: usize, value: T) {
        assert!(at < self.len, "write at {at} past {}", self.len);
        // SAFETY: in bounds (checked), and no other thread writes or reads
        // this place meanwhile (the caller's promise; the slice is borrowed
        // mutably for this `Disjoint`'s life).
        unsafe { self.start.add(at).write(value) };
    }
}

/// One scenario's NPV, sorted once for everything that needs its order:
/// the values, the values ascending (percentiles, charts), their average
/// ranks centred on the mean rank, and the sum of squares of those
/// (rank correlations).
///
/// The longest single step of aggregation (three radix passes, a gather
/// and a scatter over a million values, some 40 ms on one core): with many
/// cores each step runs on pieces side by side, so that it does not bound
/// the run while the other cores wait.
pub struct RankedNpv<'a> {
    pub npv: &'a [f64],
    pub sorted: Vec<f64>,
    centred: Vec<f64>,
    sum_squares: f64,
}

impl<'a> RankedNpv<'a> {
    pub fn new(npv: &'a [f64]) -> RankedNpv<'a> {
        let n = npv.len();
        let mid = (n as f64 + 1.0) / 2.0;
        let order = order(npv);
        // One gather into sort order; ties are then found in the sorted
        // values and each iteration's rank written once (the same ranks
        // as [`ranks`], with a third of its scattered reads; tested).
        // Pieces of the sorted values start where a run of ties does; each
        // writes the ranks of its own iterations.
        let sorted: Vec<f64> = order.par_iter().with_min_len(PIECE).map(|&i| npv[i as usize]).collect();
        let mut centred = vec![0.0; n];
        let out = Disjoint::new(&mut centred);
        let same = |i: usize, j: usize| sorted[i] == sorted[j];
        let starts = run_starts(n, |i| !same(i - 1, i));
        starts.par_iter().enumerate().for_each(|(p, &first)| {
            let end = starts.get(p + 1).copied().unwrap_or(n);
            for_each_run(first..end, same, |run| {
                let avg = (run.start + run.end + 1) as f64 / 2.0; // ranks start+1 ..= end
                for &k in &order[run] {
                    // SAFETY: `order` is a permutation of 0..n (the sort
                    // moves each iteration's word once, and `order` refuses
                    // more than 2^32 values, whose indices would repeat),
                    // and the pieces share no sorted position, so no
                    // iteration is written twice.
                    unsafe { out.write(k as usize, avg - mid) };
                }
            });
        });
        // In iteration order, on one thread: the same sum on any thread
        // count (about 1 ms).
        let sum_squares = centred.iter().map(|c| c * c).sum();
        RankedNpv { npv, sorted, centred, sum_squares }
    }
}

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
/// iterations `range`, compiled for AVX2 where the processor has it (twice
/// the lanes of the baseline's SSE2; the same operations in the same
/// order, so the same bits).
fn chunk_sums(pairs: &[DecilePair<'_>], range: std::ops::Range<usize>) -> Vec<(f64, f64)> {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
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
/// is compiled as a function of its own, without the caller's vector
/// extensions (measured: that left the pass scalar, about 90 ms of CPU at
/// a million iterations, against this loop's 40 ms).
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

/// Average ranks (1-based) given the ascending order: the plain reading
/// [`RankedNpv::new`] is checked against.
#[cfg(test)]
fn ranks(values: &[f64], order: &[u32]) -> Vec<f64> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// [`RankedNpv::new`] against a plain stable sort and [`ranks`].
    fn check_ranked(npv: &[f64]) {
        let ranked = RankedNpv::new(npv);
        let mut plain: Vec<u32> = (0..npv.len() as u32).collect();
        plain.sort_by(|&a, &b| npv[a as usize].total_cmp(&npv[b as usize]));
        assert_eq!(order(npv), plain);
        let sorted: Vec<f64> = plain.iter().map(|&i| npv[i as usize]).collect();
        assert_eq!(
            ranked.sorted.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            sorted.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        let mid = (npv.len() as f64 + 1.0) / 2.0;
        let expected: Vec<f64> = ranks(npv, &plain).into_iter().map(|r| r - mid).collect();
        assert_eq!(ranked.centred, expected);
        assert_eq!(ranked.sum_squares.to_bits(), expected.iter().map(|c| c * c).sum::<f64>().to_bits());
    }

    /// Values with ties (repeated values, equal f32 keys with different f64
    /// values), both signs, in no order; `atoms` in 7 are tied values.
    fn tied_values(n: usize, seed: u64) -> Vec<f64> {
        let mut x = seed;
        (0..n)
            .map(|i| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let u = (x >> 11) as f64 / (1u64 << 53) as f64;
                match i % 7 {
                    0 => 1.5e6,
                    1 => 1.5e6 + 1e-4 * u,
                    _ => (u - 0.4) * 1e7,
                }
            })
            .collect()
    }

    #[test]
    fn ranked_npv_has_the_plain_average_ranks_and_order() {
        check_ranked(&tied_values(5000, 3));
        for n in [0, 1, 2, 3] {
            check_ranked(&tied_values(n, 5));
        }
    }

    /// Over many pieces, with a run of equal values across two piece
    /// boundaries in iteration order, NaNs and signed zeros; the same
    /// answer on 1, 2 and 5 threads.
    #[test]
    fn ranked_npv_in_pieces_is_the_plain_one_on_any_thread_count() {
        let mut npv = tied_values(4 * PIECE + 321, 9);
        for v in &mut npv[PIECE - 10..2 * PIECE + 50] {
            *v = -2.5e5; // one run across two boundaries
        }
        npv[4 * PIECE + 3] = f64::NAN;
        npv[17] = f64::NAN;
        npv[18] = -0.0;
        npv[19] = 0.0;
        let mut reference = None;
        for threads in [1, 2, 5] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (order, ranked) = pool.install(|| (order(&npv), RankedNpv::new(&npv)));
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let got = (order, bits(&ranked.sorted), bits(&ranked.centred), ranked.sum_squares.to_bits());
            match &reference {
                None => reference = Some(got),
                Some(r) => assert!(r == &got, "{threads} threads"),
            }
        }
        check_ranked(&npv);
        // One run of ties over every boundary: one piece.
        check_ranked(&vec![3.0; 2 * PIECE + 1]);
    }

    /// A run of one f32 key (100 f64 values, in descending iteration order)
    /// and a run of equal values, each where a piece boundary falls in
    /// sorted order: the pieces start after each run instead, and each
    /// run is ordered and ranked whole.
    #[test]
    fn runs_across_a_piece_boundary_in_sorted_order_stay_whole() {
        let n = 3 * PIECE + 7;
        let mut npv: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let window = PIECE - 50..PIECE + 50;
        for i in window.clone() {
            // Just under PIECE, 1e-9 apart: one f32, descending.
            npv[i] = PIECE as f64 - 0.25 + 1e-9 * (PIECE + 50 - i) as f64;
        }
        assert!(window.clone().all(|i| npv[i] as f32 == npv[PIECE] as f32));
        assert!(window.clone().skip(1).all(|i| npv[i] < npv[i - 1]));
        for v in &mut npv[2 * PIECE - 30..2 * PIECE + 30] {
            *v = 2.0 * PIECE as f64 - 0.5;
        }
        let keys: Vec<u64> = npv.iter().map(|&x| u64::from(super::super::stats::order_key_f32(x as f32))).collect();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort_unstable();
        let starts = run_starts(n, |i| sorted_keys[i] != sorted_keys[i - 1]);
        assert_eq!(starts, vec![0, PIECE + 50, 2 * PIECE + 30, 3 * PIECE], "pieces start after the runs");
        check_ranked(&npv);
    }

    #[test]
    fn pieces_start_at_runs_and_cover_everything() {
        assert_eq!(run_starts(0, |_| true), vec![0]);
        assert_eq!(run_starts(PIECE, |_| true), vec![0]);
        assert_eq!(run_starts(2 * PIECE + 1, |_| true), vec![0, PIECE, 2 * PIECE]);
        assert_eq!(run_starts(3 * PIECE, |i| i != PIECE), vec![0, PIECE + 1, 2 * PIECE]);
        assert_eq!(run_starts(3 * PIECE + 1, |i| i > 2 * PIECE + 5), vec![0, 2 * PIECE + 6, 3 * PIECE]);
        assert_eq!(run_starts(3 * PIECE, |i| i >= 3 * PIECE), vec![0]);
        let mut v: Vec<usize> = (0..10).collect();
        let pieces = split_at_starts(&mut v, &[0, 3, 3, 7]);
        assert_eq!(pieces.iter().map(|p| p.len()).collect::<Vec<_>>(), vec![3, 0, 4, 3]);
    }

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
}
