//! Ranking a scenario's NPV: its order, sorted values and average ranks,
//! computed once for percentiles, charts and rank correlations.
//!
//! A million values are ranked with a parallel, stable LSD radix sort on
//! pieces side by side, so that ranking does not bound a run on many
//! cores while the others wait; a stable sort has one answer, so every
//! result is the same however the pieces fall to threads.

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
/// and a scatter over every iteration's value): with many cores each step
/// runs on pieces side by side, so that it does not bound the run while
/// the other cores wait.
pub struct RankedNpv<'a> {
    pub npv: &'a [f64],
    pub sorted: Vec<f64>,
    pub(super) centred: Vec<f64>,
    pub(super) sum_squares: f64,
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
        // count (one cheap pass).
        let sum_squares = centred.iter().map(|c| c * c).sum();
        RankedNpv { npv, sorted, centred, sum_squares }
    }
}

/// Average ranks (1-based) given the ascending order: the plain reading
/// [`RankedNpv::new`] is checked against.
#[cfg(test)]
pub(super) fn ranks(values: &[f64], order: &[u32]) -> Vec<f64> {
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
}
