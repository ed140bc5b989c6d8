//! Erlang C: the fewest agents a queue needs for a service level.
//!
//! A queue offered `A` Erlangs (arrival rate x average handling time, AHT)
//! and answered by `N` agents is an M/M/N queue. The staffing rule of spec
//! section 10 asks for the smallest integer `N` with
//!
//! 1. `N > A`: with fewer agents the queue grows without bound;
//! 2. `A / N <= max_occupancy`;
//! 3. `SL(N) = 1 - C(N, A) * exp(-(N - A) * answer_seconds / AHT) >= target`,
//!    where `C(N, A)` is the Erlang C probability that an arrival waits and
//!    `SL` the share answered within `answer_seconds`.
//!
//! `A = 0` (no volume) still needs one agent, by condition 1 (section 11).
//!
//! # Numerics
//! No factorials: `A^N / N!` overflows past `N = 170`, and the queues here
//! reach thousands of Erlangs. Erlang B comes from its recursion in inverse
//! form, `invB(n) = 1 / B(n, A)`:
//!
//! ```text
//! B(0) = 1,  B(n) = A B(n-1) / (n + A B(n-1))   =>   invB(n) = 1 + invB(n-1) * (n / A)
//! ```
//!
//! Every term is positive, so rounding errors only add up: after `n` steps
//! the relative error is at most about `3n` units of 2^-53 (3e-13 at
//! `n = 1000`). Erlang C follows from `C = n B / (n - A (1 - B))`, valid
//! for `n > A`; dividing through by `B` gives the form used here,
//!
//! ```text
//! C(n, A) = n / (invB(n) * (n - A) + A),
//! ```
//!
//! which has no cancellation and degrades gracefully: when `invB` is `+inf`
//! (overflow for `n >> A`, or `A = 0`, where `1 / A = +inf`), `C = n / inf = 0`
//! exactly and `SL = 1`, never NaN (`n - A > 0` is guaranteed there).
//!
//! The step is always `1.0 + inv_b * (n * inv_a)` with `inv_a = 1.0 / A`,
//! here and in [`erlang_b`], [`erlang_c`] and [`service_level`], so every
//! entry point rounds identically. Multiplying by a precomputed `1 / A`
//! keeps a division off the loop (the alternative `inv_b * n / A` puts one
//! on the critical path of every step); it costs one extra rounding per
//! step, within the bound above.
//!
//! # Lanes
//! [`agents`] sizes `L` independent queues (Monte Carlo iterations) at once,
//! in stages whose inner loops over `0..L` are branch-free, so that the
//! compiler vectorises them:
//!
//! 1. per lane, the lower bound `n_min` that conditions 1 and 2 set
//!    (`lower_bound`) and a cap past which condition 3 surely holds
//!    (`sl_cap`);
//! 2. the recursion from `n = 1` up to the highest `n_min`, all lanes in
//!    lockstep (it must start at 1 whatever the answer), keeping each lane's
//!    `invB(n_min)`;
//! 3. rounds in which every lane tests the service level at its own `n`,
//!    from its own `n_min` up, until every lane has passed. A round that no
//!    lane can pass is recognised without the exponential (`may_pass`), so
//!    the failing rounds of a service-level-bound queue stay cheap.
//!
//! A lane's arithmetic depends only on its own inputs and its own `n`,
//! never on the other lanes or on where the lockstep starts or stops: a
//! queue gets the same bits whichever lanes share the call, and each of its
//! decisions is exactly `service_level(n, ..) >= target`. The
//! exponential is computed in plain IEEE operations (`exp`), so that it
//! vectorises and rounds the same in every lane. No fast-math: the
//! compiler may not contract or reassociate any of this; the only fused
//! multiply-adds are `exp`'s explicit `mul_add`s, exactly rounded on every
//! build.
//!
//! # Termination
//! `SL(n) -> 1` as `n` grows, but a loop guarded only by that could spin on
//! a bad input. `sl_cap` gives an `n` at which `SL >= target` provably
//! holds for every target below 1; no lane searches past it.
//!
//! Inputs are validated upstream: `A >= 0` finite, `answer_over_aht >= 0`,
//! `target` in (0, 1), `max_occupancy` in (0, 1], and `A / max_occupancy`
//! below 2^51. Work per queue grows linearly with `A` (the recursion); a
//! queue whose occupancy bound alone reaches the cap skips the recursion.

// Lane loops index several arrays by the same lane; zipping four or five
// iterators would hide the lockstep.
#![allow(clippy::needless_range_loop)]

use crate::fastmath::exp;

/// Agents needed for `L` independent queues at once (`L` lanes), each
/// lane's arithmetic identical to computing it alone ([`agents_one`]).
///
/// `traffic` is `A` in Erlangs, `answer_over_aht` the answer-time target
/// over the AHT, `target` the service level to reach and `max_occupancy` the
/// cap on `A / N`. Returns `N` per lane, a whole number, at least 1.
///
/// Always inlined, so that it is compiled with its caller's instruction set
/// (the month loop's AVX2 build).
#[inline(always)]
pub fn agents<const L: usize>(
    traffic: &[f64; L],
    answer_over_aht: &[f64; L],
    target: &[f64; L],
    max_occupancy: &[f64; L],
) -> [f64; L] {
    let mut inv_a = [0.0; L];
    let mut n_min = [0.0; L];
    let mut cap = [0.0; L];
    for l in 0..L {
        debug_assert!(traffic[l] >= 0.0 && traffic[l].is_finite(), "traffic {}", traffic[l]);
        inv_a[l] = 1.0 / traffic[l];
        n_min[l] = lower_bound(traffic[l], max_occupancy[l]);
        cap[l] = sl_cap(traffic[l]);
    }
    // 0 marks a lane still searching: every answer is at least 1. A lane
    // whose lower bound reaches its cap has its answer already (the service
    // level holds there, see `sl_cap`) and needs no recursion.
    let mut found = [0.0; L];
    // The lockstep recursion runs to the highest lower bound. A lane
    // searching from n_min reaches its cap in round ceil(cap - n_min) (the
    // first is round 0), so every lane is done before round `rounds` + 1.
    let (mut n_low, mut n_high, mut rounds) = (f64::INFINITY, 0.0_f64, 0.0_f64);
    for l in 0..L {
        if n_min[l] < cap[l] {
            n_low = n_low.min(n_min[l]);
            n_high = n_high.max(n_min[l]);
            rounds = rounds.max(cap[l] - n_min[l]);
        } else {
            found[l] = n_min[l];
        }
    }
    if n_high == 0.0 {
        return found;
    }

    // invB(1) ..= invB(n_high) in lockstep, keeping each lane's invB at its
    // own lower bound: below it no lane needs a service level. Up to the
    // lowest bound, the bare recursion (a latency-bound chain per lane).
    let mut inv_b = [1.0; L];
    let mut n = 1.0;
    while n < n_low {
        for l in 0..L {
            inv_b[l] = next_inv_b(inv_b[l], n, inv_a[l]);
        }
        n += 1.0;
    }
    // (Lanes settled above keep the placeholder; nothing reads it.)
    let mut at_min = [1.0; L];
    while n <= n_high {
        for l in 0..L {
            inv_b[l] = next_inv_b(inv_b[l], n, inv_a[l]);
            at_min[l] = if n == n_min[l] { inv_b[l] } else { at_min[l] };
        }
        n += 1.0;
    }

    // From there each lane walks up from its own lower bound, all lanes in
    // lockstep, until each meets the service level (or its cap). A lane's
    // n and invB depend on its own inputs only. Rounds that `may_pass`
    // proves no lane can pass skip the exponential.
    let mut slack = [0.0; L];
    for l in 0..L {
        slack[l] = FAIL_MARGIN + (1.0 - target[l]);
    }
    let mut n = n_min;
    let mut inv_b = at_min;
    let mut round = 0.0;
    while round < rounds + 1.0 {
        let mut c = [0.0; L];
        let mut exact = false;
        for l in 0..L {
            c[l] = c_from_inv_b(inv_b[l], n[l], traffic[l]);
            let x = (n[l] - traffic[l]) * answer_over_aht[l];
            let open = may_pass(c[l], x, slack[l]) | (n[l] >= cap[l]);
            exact |= (found[l] == 0.0) & open;
        }
        if exact {
            let mut searching = false;
            for l in 0..L {
                let sl = sl_from_c(c[l], n[l], traffic[l], answer_over_aht[l]);
                let meets = (sl >= target[l]) | (n[l] >= cap[l]);
                found[l] = if (found[l] == 0.0) & meets { n[l] } else { found[l] };
                searching |= found[l] == 0.0;
            }
            if !searching {
                break;
            }
        }
        for l in 0..L {
            n[l] += 1.0;
            inv_b[l] = next_inv_b(inv_b[l], n[l], inv_a[l]);
        }
        round += 1.0;
    }
    found
}

/// Whether `n` agents meet the staffing rule for traffic `traffic`: `n >
/// A`, `A / n <= max_occupancy` and the service level reached, exactly the
/// test [`agents`] applies to each `n` (its least passing `n` is the
/// answer).
pub fn meets(n: u32, traffic: f64, answer_over_aht: f64, target: f64, max_occupancy: f64) -> bool {
    margin(n, traffic, answer_over_aht, target, max_occupancy).0
}

/// [`meets`], with how far `n` agents are from failing: the smaller of the
/// occupancy's and the service level's slack, negative when they fail
/// (continuous in the traffic, to steer a search for the traffic at which
/// `n` agents stop sufficing).
pub fn margin(n: u32, traffic: f64, answer_over_aht: f64, target: f64, max_occupancy: f64) -> (bool, f64) {
    let nf = f64::from(n);
    let load = traffic / nf;
    if nf <= traffic || load > max_occupancy {
        return (false, (max_occupancy - load).min(1.0 - load).min(-f64::MIN_POSITIVE));
    }
    let slack = max_occupancy - load;
    if nf >= sl_cap(traffic) {
        return (true, slack);
    }
    let service = service_level(n, traffic, answer_over_aht) - target;
    (service >= 0.0, slack.min(service))
}

/// Agents needed for one queue: [`agents`] with one lane.
pub fn agents_one(traffic: f64, answer_over_aht: f64, target: f64, max_occupancy: f64) -> u32 {
    let [n] = agents::<1>(&[traffic], &[answer_over_aht], &[target], &[max_occupancy]);
    // A whole number >= 1; `as` saturates past u32::MAX, far beyond any queue.
    n as u32
}

/// Erlang B blocking probability `B(n, A)` of `n` servers offered `A`
/// Erlangs: `1 / invB(n)`. `B(0, A) = 1`; `B(n >= 1, 0) = 0`.
pub fn erlang_b(n: u32, traffic: f64) -> f64 {
    1.0 / inv_b(n, traffic)
}

/// Erlang C: the probability that an arrival waits, `C(n, A)`, for
/// `n > A`. With `n <= A` the queue is unstable and every arrival waits: 1.
pub fn erlang_c(n: u32, traffic: f64) -> f64 {
    let nf = f64::from(n);
    if nf <= traffic {
        return 1.0;
    }
    c_from_inv_b(inv_b(n, traffic), nf, traffic)
}

/// Erlang C service level, the share of arrivals answered within the
/// target time: `1 - C(n, A) * exp(-(n - A) * answer_over_aht)`, for
/// `n > A`. With `n <= A` the wait grows without bound: 0.
///
/// [`agents`] decides on exactly this value, bit for bit: its answer is the
/// smallest `n` that meets the other two conditions and has
/// `service_level(n, ..) >= target`.
pub fn service_level(n: u32, traffic: f64, answer_over_aht: f64) -> f64 {
    let nf = f64::from(n);
    if nf <= traffic {
        return 0.0;
    }
    sl_from_inv_b(inv_b(n, traffic), nf, traffic, answer_over_aht)
}

/// One step of the inverse Erlang B recursion: invB(n) from invB(n - 1).
#[inline(always)]
fn next_inv_b(inv_b: f64, n: f64, inv_a: f64) -> f64 {
    1.0 + inv_b * (n * inv_a)
}

/// invB(n) = 1 / B(n, A), by the recursion from invB(0) = 1.
fn inv_b(n: u32, traffic: f64) -> f64 {
    let inv_a = 1.0 / traffic;
    (1..=n).fold(1.0, |inv_b, k| next_inv_b(inv_b, f64::from(k), inv_a))
}

/// Erlang C from invB: `C = n / (invB * (n - A) + A)`, for `n > A`.
#[inline(always)]
fn c_from_inv_b(inv_b: f64, n: f64, a: f64) -> f64 {
    n / (inv_b * (n - a) + a)
}

/// Service level from invB, for `n > A`.
#[inline(always)]
fn sl_from_inv_b(inv_b: f64, n: f64, a: f64, answer_over_aht: f64) -> f64 {
    sl_from_c(c_from_inv_b(inv_b, n, a), n, a, answer_over_aht)
}

/// Service level from Erlang C, for `n > A`.
#[inline(always)]
fn sl_from_c(c: f64, n: f64, a: f64, answer_over_aht: f64) -> f64 {
    1.0 - c * exp(-(n - a) * answer_over_aht)
}

/// Absolute margin by which [`may_pass`] keeps a round that is close to
/// passing; far above the rounding of the exact test (about 1e-15).
const FAIL_MARGIN: f64 = 1e-12;

/// False only where the exact test `sl_from_c(c, ..) >= target` must fail,
/// found without the exponential: `slack = FAIL_MARGIN + (1 - target)`,
/// `x = (n - A) * answer_over_aht >= 0`.
///
/// For `x >= 0`, `e^-x >= (2 - x) / (2 + x)` (the (1,1) Padé approximant
/// lies below: `ln((2 + x) / (2 - x)) - x` is 0 at 0 and rises for
/// `x < 2`, and the right side is <= 0 from 2 on). So if `c (2 - x) > slack
/// (2 + x)`, then `c e^-x > 1 - target + FAIL_MARGIN` up to a few ulps, the
/// computed `c * exp(-x)` (within a few ulps of `c e^-x`) exceeds `1 - target`
/// by nearly `FAIL_MARGIN`, and `1 - c * exp(-x)` rounds to below `target`.
///
/// `x` is capped at 1e300 first: an infinite `x` (an answer time over a
/// vanishing AHT) would give `0 * -inf = NaN` when `c = 0`; at the cap the
/// bound reads `-c <= slack`, true, so the exact test decides.
#[inline(always)]
fn may_pass(c: f64, x: f64, slack: f64) -> bool {
    let x = x.min(1e300);
    c * (2.0 - x) <= slack * (2.0 + x)
}

/// Fewest agents the first two conditions allow: the smallest whole `n`
/// with `n > A` and `A / n <= max_occupancy`, both as computed in f64.
///
/// Both tests hold from some `n` on (f64 division is correctly rounded,
/// hence monotonic), so the answer is the larger of their two thresholds.
/// The first is `floor(A) + 1`. The f64 test `A / n <= occ` holds exactly
/// when `n >= x (1 - d)`, `x = A / occ`, for some `0 <= d < 2^-52` (quotients
/// up to half an ulp above `occ` round down onto it); its threshold is
/// `ceil(x (1 - d))`. The rounded quotient `q` lies within `x 2^-53` of `x`,
/// so `|q - x (1 - d)| < 3 x 2^-53 < 1` for `x < 2^51`, and
/// `max(floor(A) + 1, ceil(q))` is within one of the answer: one f64 test
/// each way settles it.
///
/// Branch-free so the lane loop vectorises (std's `floor` and `ceil` are
/// libm calls on baseline x86-64).
#[inline(always)]
fn lower_bound(a: f64, max_occupancy: f64) -> f64 {
    let q = a / max_occupancy;
    debug_assert!(q < 2f64.powi(51), "A / max_occupancy = {q}");
    let r = round_nonneg(a);
    let above_a = if r <= a { r + 1.0 } else { r };
    let r = round_nonneg(q);
    let ceil_q = if r < q { r + 1.0 } else { r };
    let n = above_a.max(ceil_q);
    let n = if a / n > max_occupancy { n + 1.0 } else { n };
    let below = n - 1.0;
    if (below > a) & (a / below <= max_occupancy) { below } else { n }
}

/// The nearest whole number to `x >= 0` (ties to even). Below 2^52, adding
/// 2^52 leaves no bits for a fraction, so the sum is rounded to a whole
/// number and subtracting 2^52 again is exact; from 2^52 on every f64 is
/// whole.
#[inline(always)]
fn round_nonneg(x: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    if x < TWO_52 { (x + TWO_52) - TWO_52 } else { x }
}

/// A bound past which `SL >= target` holds for every `target < 1`: from
/// the first whole `n >= 2A + 40 sqrt(A) + 40` on.
///
/// Proof, with `s = sqrt(A) > 0`, `m = ceil(A + s)` and any `n = m + k`:
/// * `B(j) = A B(j-1) / (j + A B(j-1)) <= (A / j) B(j-1)` and `B(m) <= 1`,
///   so `B(n) <= (A / m)^k <= (s / (s + 1))^k <= exp(-k / (s + 1))`,
///   using `ln(1 + 1/s) >= 1 / (s + 1)`;
/// * `C = n B / (n - A (1 - B)) <= n B / (n - A) <= (1 + A / s) B = (1 + s) B`
///   since `n - A >= s`, and `1 + s <= e^s`;
/// * so `C <= exp(s - k / (s + 1)) <= e^-38` once `k >= (s + 1)(s + 38)
///   = A + 39 s + 38`, i.e. for every `n >= ceil(2A + 40 s) + 39`.
///
/// Then `SL >= 1 - C >= 1 - e^-38 > 1 - 2^-54`, which rounds to 1 (the
/// recursion's relative error, ~1e-12, does not move `C` past 2^-54), and
/// every f64 target below 1 is at most `1 - 2^-53`. A whole `n` at or
/// above the computed `2A + 40 s + 40` is at least `ceil(2A + 40 s) + 39`:
/// the extra 1 absorbs the rounding. For `A = 0`, `C = 0` from `n = 1`.
/// The cap is loose (373 for `A = 40`, where the answer is about 50): it
/// bounds the search, and a lane whose occupancy bound reaches it skips the
/// recursion.
#[inline(always)]
fn sl_cap(a: f64) -> f64 {
    2.0 * a + 40.0 * a.sqrt() + 40.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_infinite_answer_rate_with_no_traffic_needs_one_agent() {
        // answer / AHT = inf (AHT shortened to nothing): C = 0, SL = 1.
        assert_eq!(agents_one(0.0, f64::INFINITY, 0.8, 0.85), 1);
        assert_eq!(agents_one(1e-12, f64::INFINITY, 0.8, 0.85), 1);
    }

    #[test]
    fn inverse_recursion_matches_the_forward_one() {
        // B(n) = A B(n-1) / (n + A B(n-1)), the textbook form, while B
        // stays a normal number (past that invB overflows to +inf).
        for a in [0.3, 1.0, 7.5, 40.0, 123.4] {
            let mut b = 1.0;
            for n in 1..=200u32 {
                b = a * b / (f64::from(n) + a * b);
                if b < 1e-300 {
                    break;
                }
                let ours = erlang_b(n, a);
                assert!((ours - b).abs() <= 1e-12 * b, "B({n}, {a}): {ours} vs {b}");
            }
        }
    }

    #[test]
    fn erlang_c_identity_with_erlang_b() {
        // C = n B / (n - A (1 - B)): the form the inverse one is derived from.
        for (n, a) in [(11, 10.0), (5, 2.5), (55, 48.0), (300, 250.0), (1, 0.5)] {
            let b = erlang_b(n, a);
            let nf = f64::from(n);
            let c = nf * b / (nf - a * (1.0 - b));
            let ours = erlang_c(n, a);
            assert!((ours - c).abs() <= 1e-13 * c, "C({n}, {a}): {ours} vs {c}");
        }
    }

    #[test]
    fn zero_traffic_needs_one_agent_and_no_nan() {
        assert_eq!(erlang_b(0, 0.0), 1.0);
        assert_eq!(erlang_b(1, 0.0), 0.0);
        assert_eq!(erlang_c(1, 0.0), 0.0);
        assert_eq!(service_level(1, 0.0, 0.0), 1.0);
        assert_eq!(service_level(1, 0.0, 1e9), 1.0);
        assert_eq!(agents_one(0.0, 0.1, 0.999_999, 1.0), 1);
        assert_eq!(agents_one(0.0, 0.0, 0.5, 1e-9), 1);
        // Subnormal traffic: 1 / A overflows to +inf, the same path as A = 0.
        assert_eq!(agents_one(1e-310, 0.1, 0.8, 0.85), 1);
    }

    #[test]
    fn overflowing_recursion_gives_certain_service() {
        // invB(500) for A = 0.5 is about 500! * 2^500: +inf.
        assert_eq!(inv_b(500, 0.5), f64::INFINITY);
        assert_eq!(erlang_b(500, 0.5), 0.0);
        assert_eq!(erlang_c(500, 0.5), 0.0);
        assert_eq!(service_level(500, 0.5, 0.1), 1.0);
        // A tiny occupancy forces N = 10 A: the occupancy bound decides.
        assert_eq!(agents_one(40.0, 0.1, 0.8, 0.1), 400);
        assert_eq!(agents_one(0.5, 0.0, 0.999, 0.001), 500);
    }

    #[test]
    fn unstable_queue_conventions() {
        assert_eq!(erlang_c(10, 10.0), 1.0);
        assert_eq!(erlang_c(3, 10.0), 1.0);
        assert_eq!(service_level(10, 10.0, 0.1), 0.0);
        assert_eq!(service_level(0, 0.0, 0.1), 0.0);
    }

    #[test]
    fn lower_bound_is_exact_in_f64() {
        let cases = [
            (10.0, 0.85),
            (10.0, 1.0),
            (10.5, 1.0),
            (0.0, 0.3),
            (0.7, 0.7),
            (42.0, 0.7),
            (1e-300, 1e-9),
            (99.99, 0.9999),
            // ceil(A / occ) one too high, and one too low, once rounded.
            (1560.8000000000002, 0.8),
            (1335.7, 0.95),
        ];
        for (a, occ) in cases {
            let n = lower_bound(a, occ);
            assert!(n > a && a / n <= occ, "{n} fails for A = {a}, occupancy {occ}");
            let below = n - 1.0;
            assert!(below <= a || a / below > occ, "{below} also passes: A = {a}, occupancy {occ}");
        }
        assert_eq!(lower_bound(1560.8000000000002, 0.8), 1951.0);
        assert_eq!((1560.8000000000002_f64 / 0.8).ceil(), 1952.0);
        assert_eq!(lower_bound(1335.7, 0.95), 1407.0);
        assert_eq!((1335.7_f64 / 0.95).ceil(), 1406.0);
        // An integer A at full occupancy still needs one agent more.
        assert_eq!(lower_bound(10.0, 1.0), 11.0);
        // 0.7 / 0.7 rounds to exactly 1: one agent suffices for occupancy.
        assert_eq!(lower_bound(0.7, 0.7), 1.0);
    }

    #[test]
    fn cap_meets_any_target() {
        for a in [0.0, 1e-6, 0.5, 1.0, 10.0, 40.0, 250.0, 1000.0, 5000.0] {
            let cap = sl_cap(a).ceil();
            let n = cap as u32;
            // The worst case: no waiting-time credit (answer_over_aht = 0).
            assert_eq!(service_level(n, a, 0.0), 1.0, "A = {a}, cap {cap}");
            assert!(erlang_c(n, a) < 2f64.powi(-54), "A = {a}");
        }
        assert_eq!(sl_cap(40.0).ceil(), 373.0);
    }

    #[test]
    fn callcentrehelper_ten_erlangs() {
        // 100 calls per 30 min, AHT 180 s: A = 10; 80% within 20 s, 85%
        // occupancy -> 14 agents (see tests/cli/erlang.rs for the source).
        assert_eq!(agents_one(10.0, 20.0 / 180.0, 0.8, 0.85), 14);
    }
}
