//! Hand-computed cases: constant inputs, zero noise, every number exact.
//!
//! Each expected value is written out from the formulas of MODEL.md
//! (sections 3, 5, 6 and 11) as plain arithmetic in this file, never
//! through the engine's own code paths, and compared with the engine's
//! results to 1e-9 relative. The fixtures are under
//! `tests/fixtures/formulas/`:
//!
//! - `model-fy1.toml` + `effects.toml`: calendar fiscal years, growth,
//!   seasonality, inflation, ramp, avoid, deflect with leak and `to`,
//!   deflect without `to`, reduce_cost, success = 0, a five-step bridge.
//! - `model-fy7.toml` + `volumes-fy7.csv` + `plan.toml`: July-June fiscal
//!   years and a volume plan that replaces volume, growth and seasonality.
//! - `random-model.toml` + `random.toml`: uncertain inputs and noise, for
//!   conservation of contacts (no closed form).

use costcast::aggregate::{FiscalValue, Results, Stats, SummaryValue};

use crate::util::{
    CANONICAL, assert_constant_month, canonical_scenario_text, close, close_tol, fixture, forecast, load, monthly, root,
};

/// Iterations for the constant cases: every iteration is the same.
const N: usize = 4;

/// A fixture of `tests/fixtures/formulas/`, run at N iterations.
fn run_fixture(name: &str) -> Results {
    forecast(&fixture("formulas", name), N, 7)
}

fn summary(r: &Results, scenario: &str, metric: &str) -> SummaryValue {
    r.summary
        .iter()
        .find(|row| row.scenario == scenario && row.metric == metric)
        .unwrap_or_else(|| panic!("no summary row {scenario}/{metric}"))
        .value
        .clone()
}

fn stats(r: &Results, scenario: &str, metric: &str) -> Option<Stats> {
    match summary(r, scenario, metric) {
        SummaryValue::Stats(s) => s,
        other => panic!("{scenario}/{metric}: expected statistics, got {other:?}"),
    }
}

fn probability(r: &Results, scenario: &str, metric: &str) -> f64 {
    match summary(r, scenario, metric) {
        SummaryValue::Probability(p) => p,
        other => panic!("{scenario}/{metric}: expected a probability, got {other:?}"),
    }
}

/// A metric that is the same in every iteration: every statistic equals it
/// and the sd is zero.
#[track_caller]
fn assert_constant(r: &Results, scenario: &str, metric: &str, expected: f64) {
    let what = format!("{scenario}/{metric}");
    let s = stats(r, scenario, metric).unwrap_or_else(|| panic!("{what}: no statistics"));
    assert_eq!(s.n, N, "{what}: n");
    for (name, x) in [
        ("mean", s.mean),
        ("p5", s.p5),
        ("p10", s.p10),
        ("p50", s.p50),
        ("p90", s.p90),
        ("p95", s.p95),
        ("min", s.min),
        ("max", s.max),
    ] {
        close(x, expected, &format!("{what} {name}"));
    }
    assert!(s.sd.abs() <= 1e-9 * expected.abs().max(1.0), "{what}: sd {} should be 0", s.sd);
}

fn fiscal<'a>(r: &'a Results, scenario: &str, fy: &str, metric: &str) -> Option<&'a costcast::aggregate::FiscalRow> {
    r.fiscal_years.iter().find(|row| row.scenario == scenario && row.fiscal_year == fy && row.metric == metric)
}

/// A fiscal-year spread metric that is the same in every iteration.
#[track_caller]
fn assert_fiscal_spread(r: &Results, scenario: &str, fy: &str, metric: &str, expected: f64) {
    let what = format!("{scenario}/{fy}/{metric}");
    let row = fiscal(r, scenario, fy, metric).unwrap_or_else(|| panic!("no fiscal row {what}"));
    match row.value {
        FiscalValue::Spread { mean, p10, p50, p90 } => {
            close(mean, expected, &format!("{what} mean"));
            close(p10, expected, &format!("{what} p10"));
            close(p50, expected, &format!("{what} p50"));
            close(p90, expected, &format!("{what} p90"));
        }
        ref other => panic!("{what}: expected a spread, got {other:?}"),
    }
}

#[track_caller]
fn assert_fiscal_single(r: &Results, scenario: &str, fy: &str, metric: &str, expected: f64) {
    let what = format!("{scenario}/{fy}/{metric}");
    let row = fiscal(r, scenario, fy, metric).unwrap_or_else(|| panic!("no fiscal row {what}"));
    match row.value {
        FiscalValue::Single(x) => close(x, expected, &what),
        ref other => panic!("{what}: expected one number, got {other:?}"),
    }
}

/// A monthly quantity that is the same in every iteration.
#[track_caller]
fn assert_monthly(r: &Results, scenario: &str, month: &str, channel: &str, metric: &str, expected: f64) {
    let what = format!("monthly {scenario}/{month}/{channel}/{metric}");
    assert_constant_month(monthly(r, scenario, month, channel, metric), expected, &what);
}

/// NPV by hand: sum over m of saving(m) / (1 + r)^(m/12), m = 1..M (spec 6).
fn npv(saving: &[f64], r: f64) -> f64 {
    saving.iter().enumerate().map(|(k, s)| s / (1.0 + r).powf((k + 1) as f64 / 12.0)).sum()
}

// ---------------------------------------------------------------------------
// model-fy1.toml: start 2027-11, 15 months, fiscal_year_start = 1, r = 0.10.
//
//   phone:        volume 1000, growth 0.02, cpc 4, inflation 0.12, fixed 100,
//                 seasonality Jan..Dec [0.9, 0.95, 1.0, 1.05, 1 x 6, 1.1, 1.2]
//   email:        volume 400, growth -0.01, cpc 3, inflation 0.05, fixed 0
//   self_service: volume 2000, growth 0, cpc 0.5, inflation 0, fixed 0
// ---------------------------------------------------------------------------

const FY1_MONTHS: usize = 15;
const FY1_RATE: f64 = 0.10;
const FY1_LABELS: [&str; 15] = [
    "2027-11", "2027-12", "2028-01", "2028-02", "2028-03", "2028-04", "2028-05", "2028-06", "2028-07", "2028-08",
    "2028-09", "2028-10", "2028-11", "2028-12", "2029-01",
];
const PHONE_SEASONALITY: [f64; 12] = [0.9, 0.95, 1.0, 1.05, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2];

/// Calendar month (1..12) of horizon month m (1-based) from 2027-11.
fn fy1_cal(m: usize) -> usize {
    (10 + (m - 1)) % 12 + 1
}

/// The baseline of one month of model-fy1, straight from spec section 5.
#[derive(Debug, Clone, Copy)]
struct Fy1 {
    phone_v: f64,
    phone_p: f64,
    phone_f: f64,
    email_v: f64,
    email_p: f64,
    ss_v: f64,
    ss_p: f64,
}

fn fy1(m: usize) -> Fy1 {
    let t = (m as f64 - 1.0) / 12.0; // years since month 1, for inflation
    Fy1 {
        // V = volume * (1 + g)^(m-1) * seasonality[cal(m)]
        phone_v: 1000.0 * 1.02f64.powi(m as i32 - 1) * PHONE_SEASONALITY[fy1_cal(m) - 1],
        // P = c * (1 + i)^((m-1)/12), F = f * (1 + i)^((m-1)/12)
        phone_p: 4.0 * 1.12f64.powf(t),
        phone_f: 100.0 * 1.12f64.powf(t),
        email_v: 400.0 * 0.99f64.powi(m as i32 - 1),
        email_p: 3.0 * 1.05f64.powf(t),
        ss_v: 2000.0,
        ss_p: 0.5,
    }
}

/// base(m) = sum over channels of V * P + F.
fn fy1_base(m: usize) -> f64 {
    let b = fy1(m);
    b.phone_v * b.phone_p + b.phone_f + b.email_v * b.email_p + b.ss_v * b.ss_p
}

/// w(k, m) for start s and ramp n: 0 before s, min(1, (m - s + 1) / n), 1 when n = 0.
fn ramp(m: usize, start: usize, n: usize) -> f64 {
    if m < start {
        0.0
    } else if n == 0 {
        1.0
    } else {
        ((m - start + 1) as f64 / n as f64).min(1.0)
    }
}

/// The scenario cost of the first `steps` initiatives of "Portfolio"
/// (ramp_avoid, deflect_leak, cheaper, vanish, dud) in month m, applied in
/// that order. steps = 1 is the "Ramp" scenario; steps = 0 is the baseline.
fn portfolio_cost(m: usize, steps: usize) -> f64 {
    let b = fy1(m);
    let (mut phone, mut email, mut ss) = (b.phone_v, b.email_v, b.ss_v);
    let (mut phone_p, mut email_p) = (b.phone_p, b.email_p);
    let mut outlay = 0.0;
    // 1. ramp_avoid: start 2, ramp 3, avoid phone 0.3; capex 900 in month 2, opex 40 from month 2.
    if steps >= 1 {
        phone *= 1.0 - 0.3 * ramp(m, 2, 3);
        outlay += if m == 2 { 900.0 } else { 0.0 } + if m >= 2 { 40.0 } else { 0.0 };
    }
    // 2. deflect_leak: start 1, ramp 0, phone -> self_service 0.2, leak 0.25.
    if steps >= 2 {
        let moved = phone * 0.2;
        phone -= moved * (1.0 - 0.25);
        ss += moved;
    }
    // 3. cheaper: start 2028-01 = month 3, ramp 2, reduce_cost phone and email 0.1; opex 10.
    if steps >= 3 {
        let a = 0.1 * ramp(m, 3, 2);
        phone_p *= 1.0 - a;
        email_p *= 1.0 - a;
        outlay += if m >= 3 { 10.0 } else { 0.0 };
    }
    // 4. vanish: start 4, ramp 0, deflect email 0.5 with leak 0.1 and no `to`.
    if steps >= 4 && m >= 4 {
        let moved = email * 0.5;
        email -= moved * (1.0 - 0.1);
    }
    // 5. dud: success 0 so no effect; capex 500 in month 2 and opex 20 from month 2 all the same.
    if steps >= 5 {
        outlay += if m == 2 { 500.0 } else { 0.0 } + if m >= 2 { 20.0 } else { 0.0 };
    }
    phone * phone_p + b.phone_f + email * email_p + ss * b.ss_p + outlay
}

fn months_fy1() -> std::ops::RangeInclusive<usize> {
    1..=FY1_MONTHS
}

/// saving(m) for each month of a cost function.
fn savings(cost: impl Fn(usize) -> f64) -> Vec<f64> {
    months_fy1().map(|m| fy1_base(m) - cost(m)).collect()
}

#[test]
fn baseline_cost_with_growth_seasonality_and_inflation() {
    let r = run_fixture("effects.toml");

    // Month 1 (2027-11), written out: phone 1000 * 1.1 = 1100 contacts at 4,
    // fixed 100; email 400 at 3; self-service 2000 at 0.5.
    // base(1) = 4400 + 100 + 1200 + 1000 = 6700.
    close(fy1_base(1), 6700.0, "hand check of base(1)");
    assert_monthly(&r, "baseline", "2027-11", "phone", "volume", 1100.0);
    assert_monthly(&r, "baseline", "2027-11", "phone", "cost", 4500.0);
    assert_monthly(&r, "baseline", "2027-11", "email", "cost", 1200.0);
    assert_monthly(&r, "baseline", "2027-11", "total", "volume", 3500.0);
    assert_monthly(&r, "baseline", "2027-11", "total", "cost", 6700.0);

    // Month 2 (2027-12): phone 1000 * 1.02 * 1.2 = 1224 at 4 * 1.12^(1/12);
    // email 400 * 0.99 = 396 at 3 * 1.05^(1/12).
    let k12 = 1.12f64.powf(1.0 / 12.0);
    let k05 = 1.05f64.powf(1.0 / 12.0);
    assert_monthly(&r, "baseline", "2027-12", "phone", "volume", 1224.0);
    assert_monthly(&r, "baseline", "2027-12", "phone", "cost", 1224.0 * 4.0 * k12 + 100.0 * k12);
    assert_monthly(&r, "baseline", "2027-12", "email", "volume", 396.0);
    assert_monthly(&r, "baseline", "2027-12", "email", "cost", 396.0 * 3.0 * k05);
    assert_monthly(&r, "baseline", "2027-12", "total", "cost", 4996.0 * k12 + 1188.0 * k05 + 1000.0);

    // Month 3 (2028-01, January factor 0.9): phone 1000 * 1.02^2 * 0.9 = 936.36.
    assert_monthly(&r, "baseline", "2028-01", "phone", "volume", 936.36);
    assert_monthly(&r, "baseline", "2028-01", "phone", "cost", 936.36 * 4.0 * k12 * k12 + 100.0 * k12 * k12);

    // Month 13 (2028-11): one year of inflation, exactly 1.12 and 1.05:
    // phone 1000 * 1.02^12 * 1.1 at 4.48 plus fixed 112; email 400 * 0.99^12 at 3.15.
    let phone13 = 1000.0 * 1.02f64.powi(12) * 1.1;
    let email13 = 400.0 * 0.99f64.powi(12);
    assert_monthly(&r, "baseline", "2028-11", "phone", "volume", phone13);
    assert_monthly(&r, "baseline", "2028-11", "phone", "cost", phone13 * 4.48 + 112.0);
    assert_monthly(&r, "baseline", "2028-11", "email", "cost", email13 * 3.15);
    assert_monthly(&r, "baseline", "2028-11", "self_service", "cost", 1000.0);
    assert_monthly(&r, "baseline", "2028-11", "total", "cost", phone13 * 4.48 + 112.0 + email13 * 3.15 + 1000.0);

    // Every month, every channel, by the general formula.
    for m in months_fy1() {
        let b = fy1(m);
        let label = FY1_LABELS[m - 1];
        assert_monthly(&r, "baseline", label, "phone", "volume", b.phone_v);
        assert_monthly(&r, "baseline", label, "phone", "cost", b.phone_v * b.phone_p + b.phone_f);
        assert_monthly(&r, "baseline", label, "email", "volume", b.email_v);
        assert_monthly(&r, "baseline", label, "email", "cost", b.email_v * b.email_p);
        assert_monthly(&r, "baseline", label, "self_service", "volume", b.ss_v);
        assert_monthly(&r, "baseline", label, "total", "volume", b.phone_v + b.email_v + b.ss_v);
        assert_monthly(&r, "baseline", label, "total", "cost", fy1_base(m));
    }

    // baseline_cost over the horizon, carried by every scenario.
    let total: f64 = months_fy1().map(fy1_base).sum();
    for scenario in ["Ramp", "Deflect", "Dud", "Portfolio"] {
        assert_constant(&r, scenario, "baseline_cost", total);
    }
}

#[test]
fn ramp_avoid_capex_opex_npv_roi_and_payback() {
    let r = run_fixture("effects.toml");
    // "Ramp": avoid phone 0.3 from month 2 over 3 months: a = 0.3 * w with
    // w = 0, 1/3, 2/3, 1, 1, ...; capex 900 in month 2, opex 40 from month 2.
    // saving(m) = a * V_phone * P_phone - 900 [m = 2] - 40 [m >= 2]
    let a = |m: usize| 0.3 * [0.0, 1.0 / 3.0, 2.0 / 3.0].get(m - 1).copied().unwrap_or(1.0);
    let saving: Vec<f64> = months_fy1()
        .map(|m| {
            let b = fy1(m);
            a(m) * b.phone_v * b.phone_p - if m == 2 { 900.0 } else { 0.0 } - if m >= 2 { 40.0 } else { 0.0 }
        })
        .collect();
    // Cross-check against the step-by-step cost of the portfolio's first step.
    for m in months_fy1() {
        close(saving[m - 1], fy1_base(m) - portfolio_cost(m, 1), "ramp saving, two ways");
    }
    // Month 2: 0.1 * 1224 * 4 * 1.12^(1/12) - 940 < 0; month 3 pays it back.
    close(saving[1], 0.1 * 1224.0 * 4.0 * 1.12f64.powf(1.0 / 12.0) - 940.0, "saving(2)");
    assert!(saving[1] < 0.0 && saving[1] + saving[2] > 0.0, "cumulative turns positive in month 3");

    let net: f64 = saving.iter().sum();
    let investment = 900.0 + 40.0 * 14.0; // opex in months 2..=15
    let base_total: f64 = months_fy1().map(fy1_base).sum();
    assert_constant(&r, "Ramp", "scenario_cost", base_total - net);
    assert_constant(&r, "Ramp", "net_savings", net);
    assert_constant(&r, "Ramp", "npv", npv(&saving, FY1_RATE));
    assert_constant(&r, "Ramp", "investment", investment);
    assert_constant(&r, "Ramp", "roi", net / investment);
    assert_constant(&r, "Ramp", "payback_month", 3.0);
    assert_eq!(probability(&r, "Ramp", "prob_npv_positive"), 1.0);
    assert_eq!(probability(&r, "Ramp", "prob_payback"), 1.0);

    // monthly.csv: the scenario's phone volume, and a total cost that
    // includes capex and opex (month 2: 940 of outlay).
    for m in months_fy1() {
        let b = fy1(m);
        let label = FY1_LABELS[m - 1];
        let phone = b.phone_v * (1.0 - a(m));
        assert_monthly(&r, "Ramp", label, "phone", "volume", phone);
        assert_monthly(&r, "Ramp", label, "phone", "cost", phone * b.phone_p + b.phone_f);
        assert_monthly(&r, "Ramp", label, "email", "cost", b.email_v * b.email_p);
        assert_monthly(&r, "Ramp", label, "total", "volume", phone + b.email_v + b.ss_v);
        assert_monthly(&r, "Ramp", label, "total", "cost", fy1_base(m) - saving[m - 1]);
    }
    let b2 = fy1(2);
    let channels2 = 1224.0 * 0.9 * b2.phone_p + b2.phone_f + b2.email_v * b2.email_p + 1000.0;
    assert_monthly(&r, "Ramp", "2027-12", "total", "cost", channels2 + 900.0 + 40.0);
}

#[test]
fn deflect_with_leak_pays_back_in_month_one_without_investment() {
    let r = run_fixture("effects.toml");
    // "Deflect": phone -> self_service, share 0.2, leak 0.25, full effect from month 1.
    // moved = 0.2 V; phone' = V - 0.75 moved = 0.85 V; self_service' = 2000 + 0.2 V.
    // saving(m) = 0.15 V P_phone - 0.2 V * 0.5 = V (0.15 P_phone - 0.1) > 0 every month.
    let saving: Vec<f64> = months_fy1()
        .map(|m| {
            let b = fy1(m);
            b.phone_v * (0.15 * b.phone_p - 0.1)
        })
        .collect();
    close(saving[0], 1100.0 * (0.6 - 0.1), "saving(1) = 550");
    assert!(saving.iter().all(|s| *s > 0.0));
    let net: f64 = saving.iter().sum();
    assert_constant(&r, "Deflect", "net_savings", net);
    assert_constant(&r, "Deflect", "npv", npv(&saving, FY1_RATE));
    assert_constant(&r, "Deflect", "investment", 0.0);
    assert_eq!(stats(&r, "Deflect", "roi"), None, "roi is absent when investment = 0");
    // Never negative: payback is month 1.
    assert_constant(&r, "Deflect", "payback_month", 1.0);
    assert_eq!(probability(&r, "Deflect", "prob_payback"), 1.0);

    for m in months_fy1() {
        let b = fy1(m);
        let label = FY1_LABELS[m - 1];
        let moved = 0.2 * b.phone_v;
        assert_monthly(&r, "Deflect", label, "phone", "volume", 0.85 * b.phone_v);
        assert_monthly(&r, "Deflect", label, "self_service", "volume", 2000.0 + moved);
        assert_monthly(&r, "Deflect", label, "self_service", "cost", (2000.0 + moved) * 0.5);
        // The leaked quarter of the moved contacts still reaches the phone line,
        // so the total grows by leak * moved.
        assert_monthly(&r, "Deflect", label, "total", "volume", b.phone_v + b.email_v + 2000.0 + 0.25 * moved);
        assert_monthly(&r, "Deflect", label, "total", "cost", fy1_base(m) - saving[m - 1]);
    }
}

#[test]
fn failed_initiative_still_costs_capex_and_opex_and_never_pays_back() {
    let r = run_fixture("effects.toml");
    // "Dud": success = 0, so its avoid effect never applies, but capex 500 in
    // month 2 and opex 20 from month 2 are incurred all the same.
    let saving: Vec<f64> =
        months_fy1().map(|m| -(if m == 2 { 500.0 } else { 0.0 }) - if m >= 2 { 20.0 } else { 0.0 }).collect();
    let investment = 500.0 + 20.0 * 14.0;
    assert_constant(&r, "Dud", "net_savings", -investment);
    assert_constant(&r, "Dud", "investment", investment);
    assert_constant(&r, "Dud", "roi", -1.0);
    assert_constant(&r, "Dud", "npv", npv(&saving, FY1_RATE));
    let by_hand: f64 =
        -520.0 / 1.1f64.powf(2.0 / 12.0) - (3..=15).map(|m| 20.0 / 1.1f64.powf(m as f64 / 12.0)).sum::<f64>();
    close(npv(&saving, FY1_RATE), by_hand, "dud npv written out");
    // Cumulative saving negative at M: no payback, empty payback statistics.
    assert_eq!(stats(&r, "Dud", "payback_month"), None);
    assert_eq!(probability(&r, "Dud", "prob_payback"), 0.0);
    assert_eq!(probability(&r, "Dud", "prob_npv_positive"), 0.0);
    for m in months_fy1() {
        let b = fy1(m);
        let label = FY1_LABELS[m - 1];
        assert_monthly(&r, "Dud", label, "phone", "volume", b.phone_v);
        assert_monthly(&r, "Dud", label, "phone", "cost", b.phone_v * b.phone_p + b.phone_f);
        assert_monthly(&r, "Dud", label, "total", "cost", fy1_base(m) - saving[m - 1]);
    }
}

#[test]
fn portfolio_applies_initiatives_in_order_and_the_bridge_sums_to_npv() {
    let r = run_fixture("effects.toml");
    let step_npv: Vec<f64> = (0..=5).map(|k| npv(&savings(|m| portfolio_cost(m, k)), FY1_RATE)).collect();
    assert_eq!(step_npv[0], 0.0);
    let saving = savings(|m| portfolio_cost(m, 5));
    let net: f64 = saving.iter().sum();
    // capex 900 + 500; opex 40 and 20 in months 2..=15, 10 in months 3..=15.
    let investment = 900.0 + 500.0 + (40.0 + 20.0) * 14.0 + 10.0 * 13.0;
    assert_constant(&r, "Portfolio", "npv", step_npv[5]);
    assert_constant(&r, "Portfolio", "net_savings", net);
    assert_constant(&r, "Portfolio", "investment", investment);
    assert_constant(&r, "Portfolio", "roi", net / investment);
    // Month 2 loses money (1460 of outlay) but the cumulative saving never
    // drops below zero: payback is month 1.
    assert!(saving[1] < 0.0 && saving[0] + saving[1] > 0.0);
    assert_constant(&r, "Portfolio", "payback_month", 1.0);

    // Bridge: contribution k = npv(first k) - npv(first k-1), all iterations equal.
    let rows: Vec<_> = r.bridge.iter().filter(|b| b.scenario == "Portfolio").collect();
    let ids = ["ramp_avoid", "deflect_leak", "cheaper", "vanish", "dud"];
    assert_eq!(rows.len(), 5);
    let mut sum = 0.0;
    for (k, row) in rows.iter().enumerate() {
        assert_eq!((row.step, row.initiative.as_str()), (k + 1, ids[k]));
        let want = step_npv[k + 1] - step_npv[k];
        let what = format!("bridge step {} ({})", k + 1, ids[k]);
        close_tol(row.mean, want, 1e-9 * step_npv[5].abs() / want.abs().max(1.0), &what);
        close_tol(row.p10, want, 1e-9 * step_npv[5].abs() / want.abs().max(1.0), &what);
        close_tol(row.p90, want, 1e-9 * step_npv[5].abs() / want.abs().max(1.0), &what);
        sum += row.mean;
    }
    close(sum, step_npv[5], "bridge sums to the scenario npv");
    // The failed "dud" adds only its cost to the bridge.
    let dud = -520.0 / 1.1f64.powf(2.0 / 12.0) - (3..=15).map(|m| 20.0 / 1.1f64.powf(m as f64 / 12.0)).sum::<f64>();
    close(rows[4].mean, dud, "dud's contribution");
    // Single-initiative scenarios' bridges are their npv.
    for s in ["Ramp", "Deflect", "Dud"] {
        let row = r.bridge.iter().find(|b| b.scenario == s).unwrap();
        close(row.mean, stats(&r, s, "npv").unwrap().mean, &format!("{s} bridge"));
    }

    // monthly.csv: month 5 (2028-03), every initiative at full effect.
    let b = fy1(5);
    let phone1 = b.phone_v * 0.7; // avoid 0.3
    let moved = 0.2 * phone1; // deflect 0.2 with leak 0.25
    let phone = phone1 - 0.75 * moved;
    let email = b.email_v * (1.0 - 0.5 * 0.9); // vanish 0.5 with leak 0.1, no `to`
    let ss = 2000.0 + moved;
    assert_monthly(&r, "Portfolio", "2028-03", "phone", "volume", phone);
    assert_monthly(&r, "Portfolio", "2028-03", "phone", "cost", phone * b.phone_p * 0.9 + b.phone_f);
    assert_monthly(&r, "Portfolio", "2028-03", "email", "volume", email);
    assert_monthly(&r, "Portfolio", "2028-03", "email", "cost", email * b.email_p * 0.9);
    assert_monthly(&r, "Portfolio", "2028-03", "self_service", "volume", ss);
    assert_monthly(&r, "Portfolio", "2028-03", "total", "volume", phone + email + ss);
    let outlay = 40.0 + 10.0 + 20.0;
    assert_monthly(
        &r,
        "Portfolio",
        "2028-03",
        "total",
        "cost",
        phone * b.phone_p * 0.9 + b.phone_f + email * b.email_p * 0.9 + ss * 0.5 + outlay,
    );
    close(
        portfolio_cost(5, 5),
        phone * b.phone_p * 0.9 + b.phone_f + email * b.email_p * 0.9 + ss * 0.5 + outlay,
        "month 5",
    );
    // Month 3 (2028-01): cheaper at half effect (ramp 2): prices * 0.95.
    let b = fy1(3);
    let phone1 = b.phone_v * (1.0 - 0.3 * 2.0 / 3.0);
    let phone = phone1 - 0.75 * 0.2 * phone1;
    assert_monthly(&r, "Portfolio", "2028-01", "phone", "cost", phone * b.phone_p * 0.95 + b.phone_f);
    assert_monthly(&r, "Portfolio", "2028-01", "email", "cost", b.email_v * b.email_p * 0.95);
}

#[test]
fn calendar_fiscal_years_budget_and_committable_saving() {
    let r = run_fixture("effects.toml");
    // fiscal_year_start = 1: FY = calendar year. FY2027 = months 1-2 (partial),
    // FY2028 = months 3-14, FY2029 = month 15 (partial).
    let years = [("FY2027", 1..=2, true), ("FY2028", 3..=14, false), ("FY2029", 15..=15, true)];
    let labels: Vec<(String, bool)> = r
        .fiscal_years
        .iter()
        .filter(|f| f.scenario == "Ramp" && f.metric == "baseline_cost")
        .map(|f| (f.fiscal_year.clone(), f.partial))
        .collect();
    assert_eq!(labels, years.iter().map(|(l, _, p)| (l.to_string(), *p)).collect::<Vec<_>>());
    let budgets = [("FY2027", Some(20_000.0)), ("FY2028", Some(80_000.0)), ("FY2029", None)];

    // The baseline's own risk against each budget: a `baseline` row for
    // P(over budget) and budget at risk only, none without a budget.
    for ((fy, months, _), (_, budget)) in years.iter().zip(budgets) {
        let base: f64 = months.clone().map(fy1_base).sum();
        match budget {
            Some(b) => {
                assert_fiscal_single(&r, "baseline", fy, "prob_over_budget", if base > b { 1.0 } else { 0.0 });
                assert_fiscal_single(&r, "baseline", fy, "budget_at_risk", base - b);
            }
            None => assert!(fiscal(&r, "baseline", fy, "prob_over_budget").is_none(), "{fy}: no budget, no row"),
        }
        for metric in ["baseline_cost", "scenario_cost", "saving", "committable_saving", "budget"] {
            assert!(fiscal(&r, "baseline", fy, metric).is_none(), "{fy}: no baseline {metric} row");
        }
    }
    for (scenario, steps) in [("Ramp", 1), ("Portfolio", 5)] {
        for ((fy, months, partial), (_, budget)) in years.iter().zip(budgets) {
            let base: f64 = months.clone().map(fy1_base).sum();
            let cost: f64 = months.clone().map(|m| portfolio_cost(m, steps)).sum();
            for metric in ["baseline_cost", "scenario_cost", "saving", "committable_saving"] {
                assert_eq!(fiscal(&r, scenario, fy, metric).unwrap().partial, *partial);
            }
            assert_fiscal_spread(&r, scenario, fy, "baseline_cost", base);
            assert_fiscal_spread(&r, scenario, fy, "scenario_cost", cost);
            assert_fiscal_spread(&r, scenario, fy, "saving", base - cost);
            // committable_saving = p10 of the saving = the saving, with constants.
            assert_fiscal_single(&r, scenario, fy, "committable_saving", base - cost);
            match budget {
                Some(b) => {
                    assert_fiscal_single(&r, scenario, fy, "budget", b);
                    assert_fiscal_single(&r, scenario, fy, "prob_over_budget", if cost > b { 1.0 } else { 0.0 });
                    // budget_at_risk = p90(cost) - budget = cost - budget.
                    assert_fiscal_single(&r, scenario, fy, "budget_at_risk", cost - b);
                }
                None => {
                    for metric in ["budget", "prob_over_budget", "budget_at_risk"] {
                        assert!(fiscal(&r, scenario, fy, metric).is_none(), "{scenario}/{fy}: no {metric} row");
                    }
                }
            }
        }
    }
    // Both ways of the budget test are exercised: Ramp is under 80,000 in
    // FY2028, Dud (baseline plus 12 months of opex 20) is over it.
    let ramp_fy2028: f64 = (3..=14).map(|m| portfolio_cost(m, 1)).sum();
    let dud_fy2028: f64 = (3..=14).map(fy1_base).sum::<f64>() + 12.0 * 20.0;
    assert!(ramp_fy2028 < 80_000.0 && dud_fy2028 > 80_000.0);
    assert_fiscal_single(&r, "Ramp", "FY2028", "prob_over_budget", 0.0);
    assert_fiscal_single(&r, "Dud", "FY2028", "prob_over_budget", 1.0);
    assert_fiscal_single(&r, "Dud", "FY2028", "budget_at_risk", dud_fy2028 - 80_000.0);
    // FY2027 of Dud: month 2 carries capex 500 and opex 20.
    let dud_fy2027 = fy1_base(1) + fy1_base(2) + 520.0;
    assert_fiscal_spread(&r, "Dud", "FY2027", "scenario_cost", dud_fy2027);
    assert_fiscal_single(&r, "Dud", "FY2027", "committable_saving", -520.0);
    assert_fiscal_single(&r, "Dud", "FY2027", "prob_over_budget", 0.0);
    assert_fiscal_single(&r, "Dud", "FY2027", "budget_at_risk", dud_fy2027 - 20_000.0);
}

// ---------------------------------------------------------------------------
// model-fy7.toml: start 2027-05, 16 months, fiscal_year_start = 7, r = 0.05.
//
//   phone: planned in volumes-fy7.csv (its volume 99_999, growth 0.5 and
//          seasonality 2 are ignored); cpc 6, inflation 0.04, fixed 1000
//   web:   volume 5000, growth 0.01, Jul 0.8, Aug 0.9, else 1; cpc 0.2,
//          inflation 0.03
// plan.toml: "assist" from 2027-06 (month 2), ramp 0: reduce_cost phone 0.2,
//          then deflect phone -> web 0.1 (leak 0); capex 2000, opex 100.
// ---------------------------------------------------------------------------

/// The phone plan, months 1..=16 (2027-05 .. 2028-08). Month 16 is written
/// as the horizon month number `16`; a 2029-01 row lies outside the horizon.
const PHONE_PLAN: [f64; 16] = [
    1200.0, 1150.0, 1300.0, 1250.0, 1400.0, 1380.0, 1500.0, 1620.0, 1450.0, 1390.0, 1370.0, 1330.0, 1310.0, 1280.0,
    1260.0, 1330.0,
];
const FY7_LABELS: [&str; 16] = [
    "2027-05", "2027-06", "2027-07", "2027-08", "2027-09", "2027-10", "2027-11", "2027-12", "2028-01", "2028-02",
    "2028-03", "2028-04", "2028-05", "2028-06", "2028-07", "2028-08",
];

struct Fy7 {
    phone_v: f64,
    phone_p: f64,
    phone_f: f64,
    web_v: f64,
    web_p: f64,
}

fn fy7(m: usize) -> Fy7 {
    let cal = (4 + (m - 1)) % 12 + 1; // month 1 is May
    let season = match cal {
        7 => 0.8,
        8 => 0.9,
        _ => 1.0,
    };
    let t = (m as f64 - 1.0) / 12.0;
    Fy7 {
        phone_v: PHONE_PLAN[m - 1],
        phone_p: 6.0 * 1.04f64.powf(t),
        phone_f: 1000.0 * 1.04f64.powf(t),
        web_v: 5000.0 * 1.01f64.powi(m as i32 - 1) * season,
        web_p: 0.2 * 1.03f64.powf(t),
    }
}

fn fy7_base(m: usize) -> f64 {
    let b = fy7(m);
    b.phone_v * b.phone_p + b.phone_f + b.web_v * b.web_p
}

/// Scenario cost of "plan" in month m.
fn fy7_scen(m: usize) -> f64 {
    let b = fy7(m);
    if m < 2 {
        return fy7_base(m);
    }
    // reduce_cost 0.2: P' = 0.8 P; deflect 0.1 with leak 0: phone' = 0.9 V, web' = W + 0.1 V.
    let outlay = 100.0 + if m == 2 { 2000.0 } else { 0.0 };
    0.9 * b.phone_v * 0.8 * b.phone_p + b.phone_f + (b.web_v + 0.1 * b.phone_v) * b.web_p + outlay
}

#[test]
fn volume_plan_replaces_volume_growth_and_seasonality() {
    let r = run_fixture("plan.toml");
    for m in 1..=16 {
        let b = fy7(m);
        let label = FY7_LABELS[m - 1];
        assert_monthly(&r, "baseline", label, "phone", "volume", PHONE_PLAN[m - 1]);
        assert_monthly(&r, "baseline", label, "phone", "cost", b.phone_v * b.phone_p + b.phone_f);
        assert_monthly(&r, "baseline", label, "web", "volume", b.web_v);
        assert_monthly(&r, "baseline", label, "total", "volume", b.phone_v + b.web_v);
        assert_monthly(&r, "baseline", label, "total", "cost", fy7_base(m));
    }
    // Written out: month 1, phone 1200 at 6 plus 1000 fixed, web 5000 at 0.2.
    assert_monthly(&r, "baseline", "2027-05", "total", "cost", 1200.0 * 6.0 + 1000.0 + 5000.0 * 0.2);
    // Month 3 (July): web 5000 * 1.01^2 * 0.8 = 4080.4.
    assert_monthly(&r, "baseline", "2027-07", "web", "volume", 4080.4);
    // Month 13 (2028-05): one year of inflation, phone 1310 at 6.24 plus 1040.
    assert_monthly(&r, "baseline", "2028-05", "phone", "cost", 1310.0 * 6.24 + 1040.0);

    // The scenario on the plan.
    for m in 2..=16 {
        let b = fy7(m);
        let label = FY7_LABELS[m - 1];
        assert_monthly(&r, "plan", label, "phone", "volume", 0.9 * b.phone_v);
        assert_monthly(&r, "plan", label, "phone", "cost", 0.72 * b.phone_v * b.phone_p + b.phone_f);
        assert_monthly(&r, "plan", label, "web", "volume", b.web_v + 0.1 * b.phone_v);
        // leak 0 with a `to`: total volume unchanged.
        assert_monthly(&r, "plan", label, "total", "volume", b.phone_v + b.web_v);
        assert_monthly(&r, "plan", label, "total", "cost", fy7_scen(m));
    }
    let saving: Vec<f64> = (1..=16).map(|m| fy7_base(m) - fy7_scen(m)).collect();
    let net: f64 = saving.iter().sum();
    let investment = 2000.0 + 100.0 * 15.0;
    assert_constant(&r, "plan", "baseline_cost", (1..=16).map(fy7_base).sum());
    assert_constant(&r, "plan", "scenario_cost", (1..=16).map(fy7_scen).sum());
    assert_constant(&r, "plan", "net_savings", net);
    assert_constant(&r, "plan", "npv", npv(&saving, 0.05));
    assert_constant(&r, "plan", "investment", investment);
    assert_constant(&r, "plan", "roi", net / investment);
    // Month 2 carries the capex: cumulative negative at month 2 only.
    assert!(saving[1] < 0.0 && saving[1] + saving[2] > 0.0);
    assert_constant(&r, "plan", "payback_month", 3.0);
    let bridge: Vec<_> = r.bridge.iter().filter(|b| b.scenario == "plan").collect();
    assert_eq!(bridge.len(), 1);
    close(bridge[0].mean, npv(&saving, 0.05), "single-step bridge = npv");
}

#[test]
fn july_fiscal_years_are_labelled_by_their_end_and_partial_at_both_ends() {
    let r = run_fixture("plan.toml");
    // fiscal_year_start = 7: FY2027 = 2027-05..06 (partial), FY2028 =
    // 2027-07..2028-06, FY2029 = 2028-07..08 (partial).
    let years = [("FY2027", 1..=2, true), ("FY2028", 3..=14, false), ("FY2029", 15..=16, true)];
    let budgets = [None, Some(200_000.0), Some(10_000.0)];
    let labels: Vec<(String, bool)> =
        r.fiscal_years.iter().filter(|f| f.metric == "saving").map(|f| (f.fiscal_year.clone(), f.partial)).collect();
    assert_eq!(labels, years.iter().map(|(l, _, p)| (l.to_string(), *p)).collect::<Vec<_>>());
    for ((fy, months, _), budget) in years.iter().zip(budgets) {
        let base: f64 = months.clone().map(fy7_base).sum();
        let cost: f64 = months.clone().map(fy7_scen).sum();
        assert_fiscal_spread(&r, "plan", fy, "baseline_cost", base);
        assert_fiscal_spread(&r, "plan", fy, "scenario_cost", cost);
        assert_fiscal_spread(&r, "plan", fy, "saving", base - cost);
        assert_fiscal_single(&r, "plan", fy, "committable_saving", base - cost);
        match budget {
            Some(b) => {
                assert_fiscal_single(&r, "plan", fy, "budget", b);
                assert_fiscal_single(&r, "plan", fy, "prob_over_budget", if cost > b { 1.0 } else { 0.0 });
                assert_fiscal_single(&r, "plan", fy, "budget_at_risk", cost - b);
            }
            None => assert!(fiscal(&r, "plan", fy, "budget").is_none()),
        }
    }
    // Under budget in FY2028, over it in FY2029.
    let fy2028: f64 = (3..=14).map(fy7_scen).sum();
    let fy2029: f64 = (15..=16).map(fy7_scen).sum();
    assert!(fy2028 < 200_000.0 && fy2029 > 10_000.0);
    assert_fiscal_single(&r, "plan", "FY2028", "prob_over_budget", 0.0);
    assert_fiscal_single(&r, "plan", "FY2029", "prob_over_budget", 1.0);
    // FY2027 holds the capex month: base(1) + base(2) - scen(1) - scen(2).
    let b2 = fy7(2);
    let saving2 = 0.28 * 1150.0 * b2.phone_p - 0.1 * 1150.0 * b2.web_p - 2100.0;
    assert_fiscal_single(&r, "plan", "FY2027", "committable_saving", saving2);
}

// ---------------------------------------------------------------------------
// Uncertain inputs and noise: no closed form, but contacts are conserved.
// ---------------------------------------------------------------------------

#[test]
fn deflection_conserves_contacts_on_random_draws() {
    let r = forecast(&fixture("formulas", "random.toml"), 3000, 11);
    let mean = |scenario: &str, month: &str, channel: &str| monthly(&r, scenario, month, channel, "volume").mean;
    let months: Vec<String> = r
        .monthly
        .iter()
        .filter(|row| row.scenario == "baseline" && row.channel == "total" && row.metric == "volume")
        .map(|row| row.month.clone())
        .collect();
    assert_eq!(months.len(), 12);
    for month in &months {
        let base_total = mean("baseline", month, "total");
        let tol = 1e-9 * base_total;
        // "Leaky": deflect phone -> self_service with leak 0.3 (plus a
        // reduce_cost, which moves no contacts). Per iteration,
        // phone' = phone - 0.7 moved and self_service' = self_service + moved,
        // so on the means: moved = (phone - phone') / 0.7 and
        // total' = total + 0.3 moved.
        let moved = (mean("baseline", month, "phone") - mean("Leaky", month, "phone")) / 0.7;
        let gained = mean("Leaky", month, "self_service") - mean("baseline", month, "self_service");
        assert!((gained - moved).abs() <= tol, "{month}: self-service gains the moved contacts");
        let total = mean("Leaky", month, "total");
        assert!(
            (total - (base_total + 0.3 * moved)).abs() <= tol,
            "{month}: Leaky total {total} vs baseline {base_total} + leaked {}",
            0.3 * moved
        );
        assert_eq!(mean("Leaky", month, "chat"), mean("baseline", month, "chat"));
        // "Tight": two deflections with leak 0 and a `to`: not a contact lost.
        let total = mean("Tight", month, "total");
        assert!((total - base_total).abs() <= tol, "{month}: Tight total {total} vs baseline {base_total}");
        // The per-channel means of the total agree with the total row.
        let sum: f64 = ["phone", "chat", "self_service"].iter().map(|c| mean("Tight", month, c)).sum();
        assert!((sum - total).abs() <= tol);
    }
    // Deflection starts in month 2 (Leaky) and 3 (Tight): before, the
    // scenarios are the baseline.
    let first = &months[0];
    for c in ["phone", "chat", "self_service", "total"] {
        assert_eq!(mean("Leaky", first, c), mean("baseline", first, c));
        assert_eq!(mean("Tight", first, c), mean("baseline", first, c));
    }
    // And some contacts did move.
    assert!(mean("Leaky", &months[6], "phone") < mean("baseline", &months[6], "phone"));
    assert!(mean("Tight", &months[6], "self_service") > mean("baseline", &months[6], "self_service"));
}

#[test]
fn bridge_means_sum_to_the_npv_mean_on_acme() {
    let r = forecast(&root().join(CANONICAL), 500, 3);
    let scenarios: Vec<String> = {
        let mut s: Vec<String> = r.bridge.iter().map(|b| b.scenario.clone()).collect();
        s.dedup();
        s
    };
    assert!(!scenarios.is_empty());
    for s in &scenarios {
        let rows: Vec<_> = r.bridge.iter().filter(|b| &b.scenario == s).collect();
        for (k, row) in rows.iter().enumerate() {
            assert_eq!(row.step, k + 1, "{s}: steps numbered 1..");
        }
        let sum: f64 = rows.iter().map(|b| b.mean).sum();
        let npv = stats(&r, s, "npv").expect("npv statistics").mean;
        assert!((sum - npv).abs() <= 1e-9 * npv.abs(), "{s}: bridge sums to {sum}, npv mean {npv}");
    }
}

/// A scenario file named `baseline.toml` without `[[scenario]]` tables may
/// not produce a scenario called `baseline` (spec section 11).
#[test]
fn a_file_named_baseline_does_not_name_a_scenario_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let text = canonical_scenario_text();
    let path = dir.path().join("baseline.toml");
    std::fs::write(&path, &text[..text.find("[[scenario]]").unwrap()]).unwrap();
    let case = load(&path);
    assert_eq!(case.scenarios.len(), 1);
    assert_eq!(case.scenarios[0].name, "All initiatives");
}
