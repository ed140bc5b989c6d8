//! Erlang B / Erlang C staffing (`staffing::erlang`) against independently
//! published and independently computed values, plus its properties.
//!
//! Tolerances:
//! * Erlang B and C against 60-digit values: relative 1e-12. The inverse
//!   recursion adds at most about 3 roundings (2^-53 each) per step, all
//!   terms positive, so after n <= 1300 steps the error is below
//!   3 * 1300 * 2^-53 = 4.3e-13.
//! * Service levels against 60-digit values: absolute 1e-12 (C above, plus
//!   a few ulps from the exponential and the subtraction from 1).
//! * Published figures: to the digits they are printed with.
//! * Agent counts: exact.

use costcast::staffing::erlang::{agents, agents_one, erlang_b, erlang_c, service_level};
use proptest::prelude::*;
use statrs::distribution::{Discrete, DiscreteCDF, Poisson};

fn assert_rel(got: f64, want: f64, tol: f64, what: &str) {
    let rel = ((got - want) / want).abs();
    assert!(rel <= tol, "{what}: got {got:e}, want {want:e}, relative error {rel:e} > {tol:e}");
}

fn assert_abs(got: f64, want: f64, tol: f64, what: &str) {
    let err = (got - want).abs();
    assert!(err <= tol, "{what}: got {got}, want {want}, error {err:e} > {tol:e}");
}

// ---------------------------------------------------------------------------
// Published values
// ---------------------------------------------------------------------------

/// Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked
/// Example", https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm:
/// 100 calls in 30 minutes, AHT 180 s (A = 10 Erlangs), 80% answered within
/// 20 s, maximum occupancy 85%, shrinkage 30%. The article starts at
/// N = A + 1 = 11 and adds agents until the service level is met.
///
/// Its figures as encoded in pyworkforce 0.5.4's own test suite
/// (`pyworkforce/queuing/tests/test_erlang.py`, `test_expected_erlangc_results`,
/// which uses asa = 0.33 minutes): 14 raw positions (20 after 30% shrinkage),
/// service level 0.888, occupancy 0.714, waiting probability 0.174; and
/// (`test_over_occupancy_erlangc`) with maximum occupancy 70%: 15 raw
/// positions, service level 0.941, occupancy 0.667, waiting probability 0.102.
#[test]
fn call_centre_helper_worked_example() {
    let (a, t) = (10.0, 20.0 / 180.0);
    assert_eq!(agents_one(a, t, 0.8, 0.85), 14);
    assert_abs(service_level(14, a, t), 0.888, 0.0005, "SL(14)");
    assert_abs(erlang_c(14, a), 0.174, 0.0005, "C(14)");
    assert_abs(a / 14.0, 0.714, 0.0005, "occupancy at 14");
    // 13 agents miss the target (79.6%), which is why the article needs 14.
    assert!(service_level(13, a, t) < 0.8);

    assert_eq!(agents_one(a, t, 0.8, 0.7), 15);
    assert_abs(service_level(15, a, t), 0.941, 0.0005, "SL(15)");
    assert_abs(erlang_c(15, a), 0.102, 0.0005, "C(15)");
    assert_abs(a / 15.0, 0.667, 0.0005, "occupancy at 15");

    // The first step of the article, N = 11, to 60 digits (mpmath, below):
    // C(11, 10) = 0.68211820468933237413, SL = 0.38961381172915337724.
    assert_rel(erlang_c(11, a), 0.682_118_204_689_332_4, 1e-12, "C(11, 10)");
    assert_abs(service_level(11, a, t), 0.389_613_811_729_153_4, 1e-12, "SL(11)");
}

/// Westbay Engineers' Erlang calculator manual, "How much traffic can a
/// trunk group handle?",
/// https://erlang.com/calculatormanual/howmuchtrafficcanatrunkgrouphandle.htm:
/// 15 lines at 1% blocking carry 8.108 Erlangs. The traffic is printed to
/// 3 decimals: B(15, 8.1075) and B(15, 8.1085) bracket 1% (0.0099953 and
/// 0.0100039 by the 60-digit sum), so B(15, 8.108) is 1% to within 5e-6.
#[test]
fn westbay_erlang_b_fifteen_lines() {
    assert_abs(erlang_b(15, 8.108), 0.01, 5e-6, "B(15, 8.108)");
    assert!(erlang_b(15, 8.1075) < 0.01 && erlang_b(15, 8.1085) > 0.01);
    // 60 digits (mpmath, below): 0.009999631942598774813.
    assert_rel(erlang_b(15, 8.108), 0.009_999_631_942_598_775, 1e-12, "B(15, 8.108)");
}

/// The help-desk problem of the Wolfram Language `ErlangC` documentation
/// (https://reference.wolfram.com/language/ref/ErlangC.html, Applications):
/// 30 calls an hour, 5 minutes each (A = 2.5 Erlangs); the fewest employees
/// for a 90% probability that a call is not delayed. The same example is
/// worked in "351. Erlang C" of the neoprimate IEOR notes
/// (https://neoprimate.github.io/IEOR/operations-research/queuing-theory/erlang-c/):
/// P(wait) 13% with 5 agents, under 10% with 6, so 6 agents. (That page's
/// other rows are rounded loosely; the 60-digit values below are exact.)
/// "Not delayed" is an answer time of 0, i.e. SL = 1 - C.
#[test]
fn wolfram_help_desk() {
    assert_eq!(agents_one(2.5, 0.0, 0.9, 1.0), 6);
    // 60 digits (mpmath): C(5, 2.5) = 0.13037129745515227368,
    // C(6, 2.5) = 0.047444812194455409468.
    assert_rel(erlang_c(5, 2.5), 0.130_371_297_455_152_27, 1e-12, "C(5, 2.5)");
    assert_rel(erlang_c(6, 2.5), 0.047_444_812_194_455_41, 1e-12, "C(6, 2.5)");
    assert_abs(erlang_c(5, 2.5), 0.13, 0.005, "published 13%");
}

// ---------------------------------------------------------------------------
// pyworkforce and mpmath
// ---------------------------------------------------------------------------
//
// Reference script (python 3.12.1, `pip install pyworkforce==0.5.4
// mpmath==1.4.1`). pyworkforce's `ErlangC.required_positions` is a separate
// implementation (its own loop and rounding); the mpmath figures come from
// the definition B(n, A) = (A^n / n!) / sum_{k<=n} A^k / k! at 60 digits,
// with no recursion.
//
// ```python
// from importlib.metadata import version
// from mpmath import mp, mpf, exp, factorial
// from pyworkforce.queuing import ErlangC
//
// mp.dps = 60
// print("pyworkforce", version("pyworkforce"), "mpmath", version("mpmath"))
//
// def B(n, A):  # Erlang B by the definition: (A^n/n!) / sum_{k<=n} A^k/k!, 60 digits
//     A = mpf(A)
//     terms = [A**k / factorial(k) for k in range(n + 1)]
//     return terms[-1] / sum(terms)
//
// def C(n, A):  # Erlang C = n B / (n - A (1 - B)), n > A
//     A = mpf(A); b = B(n, A)
//     return n * b / (n - A * (1 - b))
//
// def SL(n, A, t):
//     return 1 - C(n, A) * exp(-(n - mpf(A)) * mpf(t))
//
// print("# pyworkforce ErlangC(...).required_positions(...), shrinkage 0")
// cases = [  # transactions, aht, asa, interval, service_level, max_occupancy
//     (100, 3, 20 / 60, 30, 0.8, 0.85),   # Call Centre Helper worked example, A = 10
//     (100, 3, 20 / 60, 30, 0.8, 0.70),
//     (60, 40, 4, 60, 0.8, 0.85),         # A = 40, answer/AHT = 0.1
//     (60, 40, 4, 60, 0.8, 1.0),
//     (60, 40, 4, 60, 0.95, 1.0),
//     (60, 250, 25, 60, 0.8, 1.0),        # A = 250
//     (60, 250, 25, 60, 0.95, 1.0),
//     (60, 1000, 100, 60, 0.8, 1.0),      # A = 1000
//     (60, 1000, 100, 60, 0.95, 0.97),
// ]
// for tr, aht, asa, interval, sl, occ in cases:
//     e = ErlangC(transactions=tr, aht=aht, asa=asa, interval=interval, shrinkage=0.0)
//     r = e.required_positions(service_level=sl, max_occupancy=occ)
//     n, A, t = r["raw_positions"], e.intensity, asa / aht
//     print(f"A={A!r} t={t!r} target={sl} occ={occ}: raw_positions={n} "
//           f"service_level={r['service_level']:.6f} waiting_probability={r['waiting_probability']:.6f} "
//           f"| mpmath SL(N-1)={mp.nstr(SL(n - 1, A, t), 8) if n - 1 > A else 'n/a'} SL(N)={mp.nstr(SL(n, A, t), 8)}")
//
// print("# mpmath, Erlang B by the definition (A^n/n!)/sum A^k/k!")
// for n, A in [(1, 0.5), (5, 2.5), (11, 10), (14, 10), (15, 8.108), (55, 48), (300, 250), (260, 250),
//              (1000, 1000), (1100, 1000), (1300, 1000)]:
//     print(f"B({n}, {A}) = {mp.nstr(B(n, A), 20)}")
//
// print("# mpmath, Erlang C and service level")
// for n, A, t in [(11, 10, mpf(20) / 180), (14, 10, mpf(20) / 180), (5, 2.5, 0), (6, 2.5, 0),
//                 (55, 48, mpf(15) / 240), (260, 250, mpf('0.1')), (1030, 1000, mpf('0.1'))]:
//     print(f"C({n}, {A}) = {mp.nstr(C(n, A), 20)}  SL(t={mp.nstr(t, 6)}) = {mp.nstr(SL(n, A, t), 20)}")
// ```
//
// Output:
//
// ```text
// pyworkforce 0.5.4 mpmath 1.4.1
// # pyworkforce ErlangC(...).required_positions(...), shrinkage 0
// A=10.0 t=0.1111111111111111 target=0.8 occ=0.85: raw_positions=14 service_level=0.888350 waiting_probability=0.174132 | mpmath SL(N-1)=0.79559479 SL(N)=0.88835002
// A=10.0 t=0.1111111111111111 target=0.8 occ=0.7: raw_positions=15 service_level=0.941453 waiting_probability=0.102042 | mpmath SL(N-1)=0.88835002 SL(N)=0.94145284
// A=40.0 t=0.1 target=0.8 occ=0.85: raw_positions=48 service_level=0.929922 waiting_probability=0.155961 | mpmath SL(N-1)=0.89826501 SL(N)=0.92992211
// A=40.0 t=0.1 target=0.8 occ=1.0: raw_positions=46 service_level=0.854131 waiting_probability=0.265791 | mpmath SL(N-1)=0.7933513 SL(N)=0.85413098
// A=40.0 t=0.1 target=0.95 occ=1.0: raw_positions=49 service_level=0.952342 waiting_probability=0.117220 | mpmath SL(N-1)=0.92992211 SL(N)=0.95234208
// A=250.0 t=0.1 target=0.8 occ=1.0: raw_positions=259 service_level=0.812099 waiting_probability=0.462161 | mpmath SL(N-1)=0.77207137 SL(N)=0.81209925
// A=250.0 t=0.1 target=0.95 occ=1.0: raw_positions=266 service_level=0.954093 waiting_probability=0.227377 | mpmath SL(N-1)=0.94349259 SL(N)=0.9540934
// A=1000.0 t=0.1 target=0.8 occ=1.0: raw_positions=1012 service_level=0.817888 waiting_probability=0.604632 | mpmath SL(N-1)=0.78958913 SL(N)=0.81788837
// A=1000.0 t=0.1 target=0.95 occ=0.97: raw_positions=1031 service_level=0.989382 waiting_probability=0.235701 | mpmath SL(N-1)=0.98760756 SL(N)=0.98938186
// # mpmath, Erlang B by the definition (A^n/n!)/sum A^k/k!
// B(1, 0.5) = 0.33333333333333333333
// B(5, 2.5) = 0.069731116813566886087
// B(11, 10) = 0.16323233324443395764
// B(14, 10) = 0.056819143386520859091
// B(15, 8.108) = 0.009999631942598774813
// B(55, 48) = 0.038374280687835930122
// B(300, 250) = 0.0002103743672549519422
// B(260, 250) = 0.027122578654018294067
// B(1000, 1000) = 0.024811917646160407861
// B(1100, 1000) = 0.000095071930724565377258
// B(1300, 1000) = 1.6065606386097060577e-20
// # mpmath, Erlang C and service level
// C(11, 10) = 0.68211820468933237413  SL(t=0.111111) = 0.38961381172915337724
// C(14, 10) = 0.17413193359504984264  SL(t=0.111111) = 0.88835001917946688425
// C(5, 2.5) = 0.13037129745515227368  SL(t=0) = 0.86962870254484772632
// C(6, 2.5) = 0.047444812194455409468  SL(t=0) = 0.95255518780554459053
// C(55, 48) = 0.23870093637800921875  SL(t=0.0625) = 0.84588309217058033912
// C(260, 250) = 0.42023835147296422521  SL(t=0.1) = 0.84540295010131775562
// C(1030, 1000) = 0.24890878584360197987  SL(t=0.1) = 0.98760756126184258346
// ```
//
// The mpmath columns show each pyworkforce answer N is minimal with a
// margin far above rounding: SL(N - 1) misses its target (or N is set by
// the occupancy cap, A / (N - 1) > max_occupancy).

/// (A, answer / AHT, target, max occupancy, raw_positions) from the
/// pyworkforce 0.5.4 run above.
const PYWORKFORCE: [(f64, f64, f64, f64, u32); 9] = [
    (10.0, 0.111_111_111_111_111_1, 0.8, 0.85, 14),
    (10.0, 0.111_111_111_111_111_1, 0.8, 0.7, 15),
    (40.0, 0.1, 0.8, 0.85, 48),
    (40.0, 0.1, 0.8, 1.0, 46),
    (40.0, 0.1, 0.95, 1.0, 49),
    (250.0, 0.1, 0.8, 1.0, 259),
    (250.0, 0.1, 0.95, 1.0, 266),
    (1000.0, 0.1, 0.8, 1.0, 1012),
    (1000.0, 0.1, 0.95, 0.97, 1031),
];

#[test]
fn agents_match_pyworkforce() {
    for (a, t, target, occupancy, want) in PYWORKFORCE {
        let got = agents_one(a, t, target, occupancy);
        assert_eq!(got, want, "A = {a}, answer/AHT = {t}, target {target}, occupancy {occupancy}");
    }
    // The same queues side by side in one call of 8 lanes.
    let lanes: [usize; 8] = [0, 2, 3, 4, 5, 6, 7, 8];
    let pick = |f: fn(&(f64, f64, f64, f64, u32)) -> f64| lanes.map(|i| f(&PYWORKFORCE[i]));
    let got = agents::<8>(&pick(|c| c.0), &pick(|c| c.1), &pick(|c| c.2), &pick(|c| c.3));
    assert_eq!(got, pick(|c| f64::from(c.4)));
}

#[test]
fn service_levels_match_pyworkforce_and_mpmath() {
    // service_level and waiting_probability printed by pyworkforce (6
    // decimals) and the 60-digit SL(N - 1), SL(N) (8 digits).
    let cases: [(f64, f64, u32, f64, f64, f64); 6] = [
        (40.0, 0.1, 48, 0.929_922, 0.155_961, 0.898_265_01),
        (40.0, 0.1, 46, 0.854_131, 0.265_791, 0.793_351_3),
        (40.0, 0.1, 49, 0.952_342, 0.117_22, 0.929_922_11),
        (250.0, 0.1, 259, 0.812_099, 0.462_161, 0.772_071_37),
        (250.0, 0.1, 266, 0.954_093, 0.227_377, 0.943_492_59),
        (1000.0, 0.1, 1012, 0.817_888, 0.604_632, 0.789_589_13),
    ];
    for (a, t, n, sl, c, sl_below) in cases {
        assert_abs(service_level(n, a, t), sl, 5e-7, &format!("SL({n}, {a})"));
        assert_abs(erlang_c(n, a), c, 5e-7, &format!("C({n}, {a})"));
        assert_abs(service_level(n - 1, a, t), sl_below, 5e-9, &format!("SL({}, {a})", n - 1));
    }
}

/// The 60-digit values printed above, rounded to f64.
#[test]
fn erlang_b_matches_mpmath() {
    let cases: [(u32, f64, f64); 11] = [
        (1, 0.5, 0.333_333_333_333_333_3),
        (5, 2.5, 0.069_731_116_813_566_89),
        (11, 10.0, 0.163_232_333_244_433_96),
        (14, 10.0, 0.056_819_143_386_520_86),
        (15, 8.108, 0.009_999_631_942_598_775),
        (55, 48.0, 0.038_374_280_687_835_93),
        // Above 170 servers A^n / n! overflows f64; these need the recursion.
        (260, 250.0, 0.027_122_578_654_018_294),
        (300, 250.0, 0.000_210_374_367_254_951_94),
        (1000, 1000.0, 0.024_811_917_646_160_41),
        (1100, 1000.0, 9.507_193_072_456_538e-5),
        (1300, 1000.0, 1.606_560_638_609_706e-20),
    ];
    for (n, a, want) in cases {
        assert_rel(erlang_b(n, a), want, 1e-12, &format!("B({n}, {a})"));
    }
}

/// The 60-digit values printed above, rounded to f64.
#[test]
fn erlang_c_and_service_level_match_mpmath() {
    let cases: [(u32, f64, f64, f64, f64); 7] = [
        (11, 10.0, 20.0 / 180.0, 0.682_118_204_689_332_4, 0.389_613_811_729_153_4),
        (14, 10.0, 20.0 / 180.0, 0.174_131_933_595_049_84, 0.888_350_019_179_466_9),
        (5, 2.5, 0.0, 0.130_371_297_455_152_27, 0.869_628_702_544_847_7),
        (6, 2.5, 0.0, 0.047_444_812_194_455_409, 0.952_555_187_805_544_6),
        (55, 48.0, 15.0 / 240.0, 0.238_700_936_378_009_2, 0.845_883_092_170_580_3),
        (260, 250.0, 0.1, 0.420_238_351_472_964_23, 0.845_402_950_101_317_7),
        (1030, 1000.0, 0.1, 0.248_908_785_843_602, 0.987_607_561_261_842_6),
    ];
    for (n, a, t, c, sl) in cases {
        assert_rel(erlang_c(n, a), c, 1e-12, &format!("C({n}, {a})"));
        assert_abs(service_level(n, a, t), sl, 1e-12, &format!("SL({n}, {a})"));
    }
}

// ---------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------

#[test]
fn no_traffic_needs_one_agent() {
    assert_eq!(agents_one(0.0, 0.1, 0.8, 0.85), 1);
    assert_eq!(agents_one(0.0, 0.0, 0.999_999, 1.0), 1);
    assert_eq!(erlang_c(1, 0.0), 0.0);
    assert_eq!(service_level(1, 0.0, 0.0), 1.0);
    let got = agents::<4>(&[0.0, 40.0, 0.0, 1e-300], &[0.1; 4], &[0.8; 4], &[0.85; 4]);
    assert_eq!(got, [1.0, 48.0, 1.0, 1.0]);
}

#[test]
fn huge_recursions_give_no_nan() {
    // invB(n) overflows to +inf long before n = 10 000 at A = 3: C = 0.
    assert_eq!(erlang_c(10_000, 3.0), 0.0);
    assert_eq!(erlang_b(10_000, 3.0), 0.0);
    assert_eq!(service_level(10_000, 3.0, 0.1), 1.0);
    // Occupancy 1% forces N = 100 A, far past any service-level need.
    assert_eq!(agents_one(3.0, 0.1, 0.99, 0.01), 300);
    assert_eq!(agents_one(1000.0, 0.1, 0.99, 0.1), 10_000);
    // Large traffic with service-level-bound staffing and a huge rate.
    assert_eq!(agents_one(5000.0, 1e11, 0.8, 1.0), 5001);
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/// Traffic: zero, tiny, and up to 400 Erlangs.
fn traffic() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 1 => 0.0..1.0, 4 => 0.0..400.0]
}

/// Answer time over AHT: zero (no waiting-time credit) up to 3.
fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 4 => 0.0..3.0]
}

fn target() -> impl Strategy<Value = f64> {
    prop_oneof![4 => 0.01..0.99, 1 => 0.99..0.999_999]
}

/// Maximum occupancy: often 1 (no cap), down to 2%.
fn occupancy() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(1.0), 3 => 0.5..1.0, 1 => 0.02..0.5]
}

/// All three staffing conditions, as the module computes them.
fn staffs(n: u32, a: f64, t: f64, target: f64, occupancy: f64) -> bool {
    let nf = f64::from(n);
    nf > a && a / nf <= occupancy && service_level(n, a, t) >= target
}

proptest! {
    #[test]
    fn agents_never_fall_as_traffic_rises(
        a in traffic(), more in 0.0..60.0, t in rate(), target in target(), occ in occupancy(),
    ) {
        prop_assert!(agents_one(a + more, t, target, occ) >= agents_one(a, t, target, occ));
    }

    #[test]
    fn service_level_never_falls_as_agents_rise(
        a in 0.0..400.0_f64, extra in 0u32..300, t in rate(),
    ) {
        let n = a.floor() as u32 + 1 + extra;
        prop_assert!(service_level(n + 1, a, t) >= service_level(n, a, t));
    }

    #[test]
    fn erlang_c_is_a_probability(a in 0.0..400.0_f64, n in 0u32..800) {
        let c = erlang_c(n, a);
        prop_assert!((0.0..=1.0).contains(&c), "C({}, {}) = {}", n, a, c);
    }

    #[test]
    fn agents_are_the_fewest_that_staff_the_queue(
        a in traffic(), t in rate(), target in target(), occ in occupancy(),
    ) {
        let n = agents_one(a, t, target, occ);
        prop_assert!(staffs(n, a, t, target, occ), "N = {} fails", n);
        prop_assert!(!staffs(n - 1, a, t, target, occ), "N - 1 = {} also staffs it", n - 1);
    }

    /// Targets exactly on an achievable service level, the boundary where a
    /// shortcut in the search could go wrong: m agents must be enough.
    #[test]
    fn a_target_met_exactly_is_met(
        a in 0.01..400.0_f64, extra in 0u32..12, t in 0.0..1.0, occ in occupancy(),
    ) {
        let m = a.floor() as u32 + 1 + extra;
        let target = service_level(m, a, t);
        prop_assume!(target > 0.0 && target < 1.0);
        let n = agents_one(a, t, target, occ);
        prop_assert!(staffs(n, a, t, target, occ), "N = {} fails", n);
        prop_assert!(!staffs(n - 1, a, t, target, occ), "N - 1 = {} also staffs it", n - 1);
        prop_assert!(n <= m || a / f64::from(n - 1) > occ, "N = {} > m = {}", n, m);
    }

    #[test]
    fn no_traffic_needs_exactly_one_agent(t in rate(), target in target(), occ in occupancy()) {
        prop_assert_eq!(agents_one(0.0, t, target, occ), 1);
    }

    /// The engine's contract: a queue's answer does not depend on which
    /// queues share its call, bit for bit.
    #[test]
    fn lanes_match_single_queues_bit_for_bit(
        queues in prop::array::uniform8((traffic(), rate(), target(), occupancy())),
        rotate in 0usize..8,
    ) {
        let lane = |f: fn(&(f64, f64, f64, f64)) -> f64| queues.map(|q| f(&q));
        let (a, t, target, occ) = (lane(|q| q.0), lane(|q| q.1), lane(|q| q.2), lane(|q| q.3));
        let eight = agents::<8>(&a, &t, &target, &occ);
        for l in 0..8 {
            let one = agents::<1>(&[a[l]], &[t[l]], &[target[l]], &[occ[l]]);
            prop_assert_eq!(eight[l].to_bits(), one[0].to_bits());
            prop_assert_eq!(eight[l], f64::from(agents_one(a[l], t[l], target[l], occ[l])));
        }
        // Other neighbours, other positions: four of the queues, rotated.
        let pick = |x: [f64; 8]| std::array::from_fn::<f64, 4, _>(|i| x[(i + rotate) % 8]);
        let four = agents::<4>(&pick(a), &pick(t), &pick(target), &pick(occ));
        for i in 0..4 {
            prop_assert_eq!(four[i].to_bits(), eight[(i + rotate) % 8].to_bits());
        }
    }

    /// Erlang B is the truncated Poisson ratio pmf(n) / cdf(n). statrs
    /// evaluates both through ln-gamma, good to about 1e-12 relative here
    /// (1.2e-12 at worst over A <= 300, n <= 700), hence 1e-10.
    #[test]
    fn erlang_b_is_the_truncated_poisson_ratio(a in 0.01..300.0_f64, at in 0.0..1.0) {
        // n from 1 to 30 past A + 5 sqrt(A), where the pmf is still far from underflow.
        let n = 1 + (at * (a + 5.0 * a.sqrt() + 30.0)) as u32;
        let poisson = Poisson::new(a).unwrap();
        let pmf = poisson.pmf(u64::from(n));
        prop_assume!(pmf > 1e-250);
        let want = pmf / poisson.cdf(u64::from(n));
        let got = erlang_b(n, a);
        let rel = ((got - want) / want).abs();
        prop_assert!(rel <= 1e-10, "B({}, {}) = {:e}, statrs {:e}", n, a, got, want);
    }
}
