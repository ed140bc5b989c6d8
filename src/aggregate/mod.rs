//! Aggregate: per-iteration results -> the tables of spec section 6.
//!
//! Every statistic is computed from values in iteration order, so the
//! tables depend only on the inputs, the seed and the iteration count.

pub mod finite;
pub mod pnl;
pub mod precision;
pub mod rank;
pub mod sensitivity;
pub mod stats;

use rayon::prelude::*;

use crate::model::Case;
use crate::simulate::Simulation;
use crate::simulate::layout::{BRIDGE_PROBS, FISCAL_PROBS, HeadcountMetric, MonthlyMetric, SUMMARY_PROBS};
use crate::simulate::sampler::Sampler;
use crate::simulate::stream;
use crate::simulate::tally::Tally;
pub use pnl::{FiscalBridgeRow, PnlRow, RunRateRow};
pub use stats::Stats;

/// A row of `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub scenario: String,
    pub metric: &'static str,
    pub value: SummaryValue,
    /// Monte Carlo standard errors of the mean, P10, P50 and P90 (spec
    /// section 15); NaN for a probability row or a figure without them.
    pub se: precision::StdErrors,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SummaryValue {
    /// Full statistics; `None` when no iteration qualifies (e.g. no payback).
    Stats(Option<Stats>),
    /// A probability, reported in `mean`.
    Probability(f64),
}

/// A row of `fiscal_years.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct FiscalRow {
    pub scenario: String,
    pub fiscal_year: String,
    pub partial: bool,
    pub metric: &'static str,
    pub value: FiscalValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FiscalValue {
    /// mean, p10, p50, p90.
    Spread { mean: f64, p10: f64, p50: f64, p90: f64 },
    /// One number, reported in `mean`.
    Single(f64),
}

/// A row of `monthly.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyRow {
    pub scenario: String,
    pub month: String,
    pub channel: String,
    pub metric: &'static str,
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// A row of `bridge.csv`: one initiative's contribution to scenario NPV.
#[derive(Debug, Clone, PartialEq)]
pub struct BridgeRow {
    pub scenario: String,
    pub step: usize,
    pub initiative: String,
    pub mean: f64,
    pub p10: f64,
    pub p90: f64,
}

/// A row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    pub scenario: String,
    pub input: String,
    pub spearman: f64,
    pub npv_low_decile: f64,
    pub npv_high_decile: f64,
}

/// One scenario's NPV distribution, for the histogram and S-curve charts.
#[derive(Debug, Clone, PartialEq)]
pub struct NpvDistribution {
    pub scenario: String,
    /// Percentiles 0, 0.5, 1, ..., 100 (201 values), numpy's linear method.
    pub percentiles: Vec<f64>,
    /// Histogram over [P0.1, P99.9]; draws outside fall in the end bins.
    pub histogram: Histogram,
    /// Mean, P10, P50, P90 and their 95% half-widths after 2,048, 4,096,
    /// ... iterations and at the end: how the figures settled.
    pub convergence: Vec<precision::Checkpoint>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub start: f64,
    pub width: f64,
    pub counts: Vec<u64>,
}

/// Bins of the NPV histogram.
pub const HISTOGRAM_BINS: usize = 60;

/// Cumulative net saving through a month, for the payback chart.
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativeRow {
    pub scenario: String,
    pub month: String,
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// One initiative's contribution to net savings (undiscounted), in
/// scenario order: the steps of the savings waterfall from baseline cost to
/// scenario cost.
#[derive(Debug, Clone, PartialEq)]
pub struct WaterfallStep {
    pub scenario: String,
    pub step: usize,
    pub initiative: String,
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// Every table of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub iterations: usize,
    /// The seed the draws came from.
    pub seed: u64,
    /// The confidence the committable saving and the recommendation use
    /// (`--confidence`).
    pub confidence: f64,
    /// What `--precision` asked for and reached; None without it.
    pub precision: Option<precision::PrecisionOutcome>,
    pub summary: Vec<SummaryRow>,
    pub fiscal_years: Vec<FiscalRow>,
    pub monthly: Vec<MonthlyRow>,
    pub bridge: Vec<BridgeRow>,
    pub sensitivity: Vec<SensitivityRow>,
    /// Iterations behind the monthly percentiles (means use all of them).
    pub monthly_sample: usize,
    pub npv: Vec<NpvDistribution>,
    pub cumulative: Vec<CumulativeRow>,
    pub waterfall: Vec<WaterfallStep>,
    /// Mean FTE of each staffed channel per fiscal year, baseline and
    /// scenarios (spec section 10); empty without staffed channels.
    pub staffing: Vec<FteRow>,
    /// Paid against required FTE, hires, releases and the cost of the
    /// surplus per headcount channel and fiscal year, baseline and
    /// scenarios (spec section 13); empty without headcount rules.
    pub headcount: Vec<HeadcountRow>,
    /// The portfolio search behind an optimize run (spec section 8).
    pub portfolio: Option<crate::optimize::Recommendation>,
    /// Per scenario: exit run-rate saving, recurring opex, one-off capex.
    pub run_rate: Vec<RunRateRow>,
    /// Each initiative's part of each fiscal year's saving.
    pub bridge_fiscal: Vec<FiscalBridgeRow>,
    /// Cash and P&L by fiscal year; empty unless an initiative is
    /// depreciated.
    pub pnl: Vec<PnlRow>,
}

/// A staffed channel's average FTE over a fiscal year's months, mean over
/// iterations: what the operation must employ, baseline against scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct FteRow {
    /// `baseline` or a scenario name.
    pub scenario: String,
    pub channel: String,
    pub fiscal_year: String,
    pub partial: bool,
    pub fte: f64,
}

/// A headcount channel over a fiscal year, means over iterations: the
/// FTE paid (trainees included) against those required, on average over
/// its months; the hires, leavers and releases in it; and the cost of the
/// FTE held beyond the need, (H - R) x cost per FTE: savings that still
/// wait for attrition.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadcountRow {
    /// `baseline` or a scenario name.
    pub scenario: String,
    pub channel: String,
    pub fiscal_year: String,
    pub partial: bool,
    pub paid_fte: f64,
    pub required_fte: f64,
    pub hires: f64,
    pub leavers: f64,
    pub released: f64,
    pub surplus_cost: f64,
}

/// P10, P50, P90 of every monthly quantity over the monthly sample.
/// A quantity that is the baseline's ([`crate::simulate::layout::Layout::sampled_as`]) takes the
/// baseline's percentiles; a surplus cost, reported only as a mean, none
/// (NaN).
fn monthly_percentiles(sim: &Simulation) -> Vec<[f64; 3]> {
    let l = &sim.layout;
    let own: Vec<[f64; 3]> = (0..l.monthly_quantities())
        .into_par_iter()
        .map(|idx| {
            if l.sampled_as(idx) != idx || l.is_surplus_cost(idx) {
                return [f64::NAN; 3];
            }
            let p = stats::quantiles_f32(&sim.monthly_values(idx), &[0.10, 0.50, 0.90]);
            [p[0], p[1], p[2]]
        })
        .collect();
    (0..own.len()).map(|idx| own[l.sampled_as(idx)]).collect()
}

/// Every table of spec section 6. The tables are independent, so they are
/// computed side by side (each is the same whatever the thread count):
/// first those that read the monthly sample, which is then let go to make
/// room for sorting each scenario's NPV, which the rest read.
pub fn aggregate(case: &Case, mut sim: Simulation) -> Results {
    let sim_ref = &sim;
    let ((fiscal, bridge), (monthly, cumulative, waterfall)) = rayon::join(
        || rayon::join(|| fiscal_years(case, sim_ref), || bridge(case, sim_ref)),
        || {
            let percentiles = monthly_percentiles(sim_ref);
            (monthly(case, sim_ref, &percentiles), cumulative(case, sim_ref, &percentiles), waterfall(case, sim_ref))
        },
    );
    sim.monthly_sample = Vec::new();
    let sim = &sim;
    // What sensitivity needs of the inputs alone (their ranks, their
    // deciles, the NPV over those) is worked out while the NPVs are ranked.
    let (ranked, inputs) = rayon::join(
        || -> Vec<rank::RankedNpv<'_>> {
            (0..case.scenarios.len())
                .into_par_iter()
                .map(|s| rank::RankedNpv::new(sim.whole(sim.layout.scenarios[s].npv)))
                .collect()
        },
        || sensitivity_inputs(case, sim),
    );
    let (summary, (sensitivity, npv)) = rayon::join(
        || summary(case, sim, &ranked),
        || rayon::join(|| sensitivity(case, sim, &inputs, &ranked), || npv_distributions(case, &ranked)),
    );
    let staffing = fte_by_fiscal_year(case, sim);
    let headcount = headcount_by_fiscal_year(case, sim);
    let (run_rate, bridge_fiscal, pnl) = (pnl::run_rate(case, sim), pnl::fiscal_bridge(case, sim), pnl::pnl(case, sim));
    Results {
        iterations: sim.iterations,
        seed: sim.seed,
        confidence: case.confidence,
        precision: None,
        summary,
        fiscal_years: fiscal,
        monthly,
        bridge,
        sensitivity,
        monthly_sample: sim.monthly_sample_rows,
        npv,
        cumulative,
        waterfall,
        staffing,
        headcount,
        portfolio: None,
        run_rate,
        bridge_fiscal,
        pnl,
    }
}

/// [`FteRow`]s from the monthly FTE sums: the mean of a fiscal year's
/// average is the average of its monthly means.
fn fte_by_fiscal_year(case: &Case, sim: &Simulation) -> Vec<FteRow> {
    let l = &sim.layout;
    let n = sim.iterations as f64;
    let mut names = vec!["baseline"];
    names.extend(case.scenarios.iter().map(|s| s.name.as_str()));
    let mut rows = Vec::new();
    for (k, &c) in l.staffed.iter().enumerate() {
        for fy in &case.model.fiscal_years {
            for (slot, name) in names.iter().enumerate() {
                let total: f64 = fy.months.clone().map(|m| sim.monthly_sums[l.fte_index(slot, m, k)] / n).sum();
                rows.push(FteRow {
                    scenario: (*name).to_owned(),
                    channel: case.model.channels[c].id.clone(),
                    fiscal_year: fy.label(),
                    partial: fy.partial,
                    fte: total / fy.months.len() as f64,
                });
            }
        }
    }
    rows
}

/// [`HeadcountRow`]s from the monthly sums: means of sums and averages
/// are sums and averages of the monthly means.
fn headcount_by_fiscal_year(case: &Case, sim: &Simulation) -> Vec<HeadcountRow> {
    let l = &sim.layout;
    if l.monthly_quantities() == 0 {
        return Vec::new();
    }
    let n = sim.iterations as f64;
    let mut names = vec!["baseline"];
    names.extend(case.scenarios.iter().map(|s| s.name.as_str()));
    let mut rows = Vec::new();
    for (h, &k) in l.headcount.iter().enumerate() {
        for fy in &case.model.fiscal_years {
            for (slot, name) in names.iter().enumerate() {
                let months = fy.months.len() as f64;
                let sum = |metric| -> f64 {
                    fy.months.clone().map(|m| sim.monthly_sums[l.headcount_index(slot, m, h, metric)] / n).sum()
                };
                let paid: f64 = fy.months.clone().map(|m| sim.monthly_sums[l.fte_index(slot, m, k)] / n).sum();
                rows.push(HeadcountRow {
                    scenario: (*name).to_owned(),
                    channel: case.model.channels[l.staffed[k]].id.clone(),
                    fiscal_year: fy.label(),
                    partial: fy.partial,
                    paid_fte: paid / months,
                    required_fte: sum(HeadcountMetric::Required) / months,
                    hires: sum(HeadcountMetric::Hires),
                    leavers: sum(HeadcountMetric::Leavers),
                    released: sum(HeadcountMetric::Released),
                    surplus_cost: sum(HeadcountMetric::SurplusCost),
                });
            }
        }
    }
    rows
}

fn npv_distributions(case: &Case, ranked: &[rank::RankedNpv<'_>]) -> Vec<NpvDistribution> {
    case.scenarios
        .iter()
        .zip(ranked)
        .map(|(scenario, ranked)| {
            let (npv, sorted) = (ranked.npv, &ranked.sorted);
            let probs: Vec<f64> = (0..=200).map(|k| k as f64 / 200.0).collect();
            let percentiles = stats::sorted_quantiles(sorted, &probs);
            let edges = stats::sorted_quantiles(sorted, &[0.001, 0.999]);
            let (start, end) = (edges[0], edges[1]);
            let width = if end > start { (end - start) / HISTOGRAM_BINS as f64 } else { 1.0 };
            let mut counts = vec![0u64; HISTOGRAM_BINS];
            for x in npv {
                let bin = ((x - start) / width).floor().clamp(0.0, (HISTOGRAM_BINS - 1) as f64) as usize;
                counts[bin] += 1;
            }
            NpvDistribution {
                scenario: scenario.name.clone(),
                percentiles,
                histogram: Histogram { start, width, counts },
                convergence: precision::convergence(npv, sorted),
            }
        })
        .collect()
}

fn cumulative(case: &Case, sim: &Simulation, percentiles: &[[f64; 3]]) -> Vec<CumulativeRow> {
    let l = &sim.layout;
    let mut rows = Vec::new();
    for (s, scenario) in case.scenarios.iter().enumerate() {
        for m in 0..l.months {
            let idx = l.cumulative_index(s, m);
            let p = percentiles[idx];
            rows.push(CumulativeRow {
                scenario: scenario.name.clone(),
                month: case.model.month_label(m),
                mean: sim.monthly_sums[idx] / sim.iterations as f64,
                p10: p[0],
                p50: p[1],
                p90: p[2],
            });
        }
    }
    rows
}

fn waterfall(case: &Case, sim: &Simulation) -> Vec<WaterfallStep> {
    let l = &sim.layout;
    let n = sim.iterations as f64;
    let mut rows = Vec::new();
    for (s, scenario) in case.scenarios.iter().enumerate() {
        // Step j's contribution is net(first j+1) - net(first j): linear, so
        // its mean is the difference of means; its percentiles come from
        // the monthly sample's differences.
        let mut previous_mean = 0.0;
        let mut previous: Vec<f64> = vec![0.0; sim.monthly_sample_rows];
        for (j, &init) in scenario.initiatives.iter().enumerate() {
            let idx = l.waterfall_index(s, j);
            let mean = sim.monthly_sums[idx] / n;
            let here = sim.monthly_column(idx);
            let contribution: Vec<f64> = here.iter().zip(&previous).map(|(a, b)| a - b).collect();
            previous = here;
            let p = stats::quantiles(&contribution, &[0.10, 0.50, 0.90]);
            rows.push(WaterfallStep {
                scenario: scenario.name.clone(),
                step: j + 1,
                initiative: case.initiatives[init].id.clone(),
                mean: mean - previous_mean,
                p10: p[0],
                p50: p[1],
                p90: p[2],
            });
            previous_mean = mean;
        }
    }
    rows
}

fn probability(hits: usize, n: usize) -> f64 {
    hits as f64 / n as f64
}

/// A result no iteration may lack: when one did (a NaN from a model that
/// overflows), its statistics are all NaN (empty cells), as over every
/// iteration, rather than silently over the others.
fn undefined(t: &Tally) -> bool {
    t.missing > 0
}

/// The statistics of a tallied column (its percentiles are those of
/// [`SUMMARY_PROBS`]) over the iterations with a value (ROI: those that
/// invest); `None` when none has one.
fn tally_stats(t: &Tally) -> Option<Stats> {
    let n = t.count();
    if n == 0 {
        return None;
    }
    let q = t.quantiles(&SUMMARY_PROBS).expect("the simulation keeps the order statistics its percentiles need");
    Some(Stats {
        mean: t.mean(),
        sd: t.sd(),
        p5: q[0],
        p10: q[1],
        p50: q[2],
        p90: q[3],
        p95: q[4],
        min: t.min,
        max: t.max,
        n: n as usize,
    })
}

/// [`tally_stats`] of a result every iteration has (see [`undefined`]).
fn whole_stats(t: &Tally) -> Option<Stats> {
    if undefined(t) {
        let nan = f64::NAN;
        let n = (t.count() + t.missing) as usize;
        return Some(Stats {
            mean: nan,
            sd: nan,
            p5: nan,
            p10: nan,
            p50: nan,
            p90: nan,
            p95: nan,
            min: nan,
            max: nan,
            n,
        });
    }
    tally_stats(t)
}

fn summary(case: &Case, sim: &Simulation, ranked: &[rank::RankedNpv<'_>]) -> Vec<SummaryRow> {
    use precision::StdErrors;
    let l = &sim.layout;
    let mut rows = Vec::new();
    let baseline = sim.tally(l.baseline_cost);
    let (baseline, baseline_se) = (whole_stats(baseline), tally_se(baseline));
    for (s, scenario) in case.scenarios.iter().enumerate() {
        let c = &l.scenarios[s];
        let npv = sim.whole(c.npv);
        let payback = stats::MonthCounts::of(sim.months(c.payback));
        let n = sim.iterations;
        let prob_npv = probability(npv.iter().filter(|x| **x > 0.0).count(), n);
        let prob_payback = probability(payback.count() as usize, n);
        let name = &scenario.name;
        let mut push = |metric, value, se| rows.push(SummaryRow { scenario: name.clone(), metric, value, se });
        let tallied = |col: usize| (SummaryValue::Stats(whole_stats(sim.tally(col))), tally_se(sim.tally(col)));
        push("baseline_cost", SummaryValue::Stats(baseline), baseline_se);
        for (metric, col) in [("scenario_cost", c.cost), ("net_savings", c.net_savings)] {
            let (value, se) = tallied(col);
            push(metric, value, se);
        }
        let [p10, p50, p90] = precision::quantile_ses_sorted(&ranked[s].sorted);
        let npv_se = StdErrors { mean: precision::mean_se_of(npv), p10, p50, p90 };
        push("npv", SummaryValue::Stats(stats::describe_sorted(npv, &ranked[s].sorted)), npv_se);
        let (value, se) = tallied(c.investment);
        push("investment", value, se);
        push("roi", SummaryValue::Stats(tally_stats(sim.tally(c.roi))), tally_se(sim.tally(c.roi)));
        push("payback_month", SummaryValue::Stats(payback.stats()), payback_se(sim.months(c.payback), &payback));
        push("prob_npv_positive", SummaryValue::Probability(prob_npv), StdErrors::NAN);
        push("prob_payback", SummaryValue::Probability(prob_payback), StdErrors::NAN);
    }
    rows
}

/// Standard errors of a tallied column over the iterations with a value;
/// NaN where a percentile's rank interval reaches past what was kept.
fn tally_se(t: &Tally) -> precision::StdErrors {
    let n = t.count();
    if n < 2 {
        return precision::StdErrors::NAN;
    }
    let q = |p: f64| precision::quantile_se(n, p, |k| t.order_statistic(k)).unwrap_or(f64::NAN);
    precision::StdErrors {
        mean: precision::mean_se(t.moments.iter().map(|m| (m.count, m.sum))),
        p10: q(0.1),
        p50: q(0.5),
        p90: q(0.9),
    }
}

/// Standard errors of the payback month over the iterations that pay back
/// (month 0: none), batch by batch in iteration order.
fn payback_se(months: &[u16], counts: &stats::MonthCounts) -> precision::StdErrors {
    let n = counts.count();
    if n < 2 {
        return precision::StdErrors::NAN;
    }
    let batches = months
        .chunks(crate::simulate::BATCH)
        .map(|b| b.iter().filter(|&&m| m > 0).fold((0u64, 0.0), |(c, s), &m| (c + 1, s + f64::from(m))));
    let q = |p: f64| precision::quantile_se(n, p, |k| Ok::<f64, ()>(counts.order_statistic(k))).unwrap_or(f64::NAN);
    precision::StdErrors { mean: precision::mean_se(batches), p10: q(0.1), p50: q(0.5), p90: q(0.9) }
}

/// The saving finance can commit at `confidence`: its (1 - confidence)
/// quantile (spec section 9), NaN when an iteration lacks a value.
fn committable_saving(saving: &Tally, confidence: f64) -> f64 {
    if undefined(saving) {
        return f64::NAN;
    }
    saving
        .quantiles(&[crate::simulate::layout::commit_quantile(confidence)])
        .expect("the simulation keeps the order statistics its percentiles need")[0]
}

/// Mean, P10, P50 and P90 of a tallied column (all NaN when an iteration
/// lacks a value, see [`undefined`]).
fn spread(t: &Tally) -> FiscalValue {
    if undefined(t) {
        return FiscalValue::Spread { mean: f64::NAN, p10: f64::NAN, p50: f64::NAN, p90: f64::NAN };
    }
    let q = t.quantiles(&FISCAL_PROBS).expect("the simulation keeps the order statistics its percentiles need");
    FiscalValue::Spread { mean: t.mean(), p10: q[0], p50: q[1], p90: q[2] }
}

fn fiscal_years(case: &Case, sim: &Simulation) -> Vec<FiscalRow> {
    let l = &sim.layout;
    let mut rows = Vec::new();
    // The baseline's own risk against each budget (spec section 11): a
    // `baseline` row only for these two metrics; every scenario carries
    // the baseline's cost already.
    for (f, fy) in case.model.fiscal_years.iter().enumerate() {
        let Some(budget) = case.model.budget_for(fy.year) else { continue };
        let cost = sim.tally(l.baseline_fy + f);
        debug_assert_eq!(cost.threshold, Some(budget));
        let FiscalValue::Spread { p90, .. } = spread(cost) else { unreachable!() };
        for (metric, value) in
            [("prob_over_budget", probability(cost.above as usize, sim.iterations)), ("budget_at_risk", p90 - budget)]
        {
            let (scenario, fiscal_year, partial) = ("baseline".to_owned(), fy.label(), fy.partial);
            rows.push(FiscalRow { scenario, fiscal_year, partial, metric, value: FiscalValue::Single(value) });
        }
    }
    for (s, scenario) in case.scenarios.iter().enumerate() {
        let c = &l.scenarios[s];
        for (f, fy) in case.model.fiscal_years.iter().enumerate() {
            let cost = sim.tally(c.fy_cost + f);
            let mut push = |metric, value| {
                rows.push(FiscalRow {
                    scenario: scenario.name.clone(),
                    fiscal_year: fy.label(),
                    partial: fy.partial,
                    metric,
                    value,
                })
            };
            push("baseline_cost", spread(sim.tally(l.baseline_fy + f)));
            let cost_spread = spread(cost);
            let FiscalValue::Spread { p90: cost_p90, .. } = cost_spread else { unreachable!() };
            push("scenario_cost", cost_spread);
            let saving = sim.tally(c.fy_saving + f);
            push("saving", spread(saving));
            let committable = committable_saving(saving, case.confidence);
            push("committable_saving", FiscalValue::Single(committable));
            if let Some(budget) = case.model.budget_for(fy.year) {
                debug_assert_eq!(cost.threshold, Some(budget));
                push("budget", FiscalValue::Single(budget));
                push("prob_over_budget", FiscalValue::Single(probability(cost.above as usize, sim.iterations)));
                push("budget_at_risk", FiscalValue::Single(cost_p90 - budget));
            }
        }
    }
    rows
}

fn monthly(case: &Case, sim: &Simulation, percentiles: &[[f64; 3]]) -> Vec<MonthlyRow> {
    let l = &sim.layout;
    let n = sim.iterations as f64;
    let mut names: Vec<&str> = vec!["baseline"];
    names.extend(case.scenarios.iter().map(|s| s.name.as_str()));
    let mut channels: Vec<&str> = case.model.channels.iter().map(|c| c.id.as_str()).collect();
    channels.push("total");
    // (month, slot, channel, metric name, quantity index)
    let mut keys = Vec::new();
    for m in 0..l.months {
        for slot in 0..names.len() {
            for c in 0..channels.len() {
                keys.push((m, slot, c, "volume", l.monthly_index(slot, m, c, MonthlyMetric::Volume)));
                keys.push((m, slot, c, "cost", l.monthly_index(slot, m, c, MonthlyMetric::Cost)));
                if let Some(k) = l.staffed.iter().position(|&s| s == c) {
                    keys.push((m, slot, c, "fte", l.fte_index(slot, m, k)));
                    // Headcount rules (spec section 13): `fte` is the paid FTE.
                    if let Some(h) = l.headcount.iter().position(|&hk| hk == k) {
                        for (name, metric) in HeadcountMetric::ROWS {
                            keys.push((m, slot, c, name, l.headcount_index(slot, m, h, metric)));
                        }
                    }
                    // Callers who hang up (spec section 14).
                    if let Some(a) = l.abandon.iter().position(|&ak| ak == k) {
                        keys.push((m, slot, c, "abandoned", l.abandoned_index(slot, m, a)));
                    }
                }
            }
        }
    }
    keys.iter()
        .map(|&(m, slot, c, metric, idx)| {
            let p = percentiles[idx];
            MonthlyRow {
                scenario: names[slot].to_owned(),
                month: case.model.month_label(m),
                channel: channels[c].to_owned(),
                metric,
                mean: sim.monthly_sums[idx] / n,
                p10: p[0],
                p50: p[1],
                p90: p[2],
            }
        })
        .collect()
}

fn bridge(case: &Case, sim: &Simulation) -> Vec<BridgeRow> {
    let l = &sim.layout;
    let mut rows = Vec::new();
    for (s, scenario) in case.scenarios.iter().enumerate() {
        let c = &l.scenarios[s];
        for (j, &k) in scenario.initiatives.iter().enumerate() {
            let contribution = sim.tally(c.contribution + j);
            let (mean, p) = if undefined(contribution) {
                (f64::NAN, vec![f64::NAN; 2])
            } else {
                let p = contribution
                    .quantiles(&BRIDGE_PROBS)
                    .expect("the simulation keeps the order statistics its percentiles need");
                (contribution.mean(), p)
            };
            rows.push(BridgeRow {
                scenario: scenario.name.clone(),
                step: j + 1,
                initiative: case.initiatives[k].id.clone(),
                mean,
                p10: p[0],
                p90: p[1],
            });
        }
    }
    rows
}

/// One uncertain input (by its place in [`crate::simulate::layout::Layout::inputs`]) as sensitivity sees it: the scenarios it
/// belongs to (the model's inputs to all, an initiative's to the scenarios
/// that fund it), its ranks and deciles, and for each of those scenarios
/// the mean NPV over its lowest and highest decile.
struct SensitivityInput {
    col: usize,
    scenarios: Vec<usize>,
    ranks: sensitivity::InputRanks,
    deciles: Vec<(f64, f64)>,
}

/// [`SensitivityInput`]s of every uncertain input that belongs to a
/// scenario: what needs no NPV rank.
fn sensitivity_inputs(case: &Case, sim: &Simulation) -> Vec<SensitivityInput> {
    let l = &sim.layout;
    let sampler = Sampler::new(case);
    let members: Vec<Vec<usize>> = case
        .scenarios
        .iter()
        .map(|s| s.initiatives.iter().flat_map(|&k| case.initiatives[k].input_ids()).collect())
        .collect();
    let mut inputs: Vec<SensitivityInput> = l
        .inputs
        .par_iter()
        .enumerate()
        .filter_map(|(col, &id)| {
            let def = &case.inputs.defs[id];
            let scenarios: Vec<usize> =
                (0..case.scenarios.len()).filter(|&s| !def.from_scenario || members[s].contains(&id)).collect();
            if scenarios.is_empty() {
                return None;
            }
            let redraw = |iterations: &[u32]| {
                let (mut values, mut normals, mut uniforms) = (Vec::new(), Vec::new(), Vec::new());
                iterations
                    .iter()
                    .map(|&i| {
                        let mut rng = stream::iteration_rng(sim.seed, u64::from(i));
                        sampler.draw(&mut rng, &mut values, &mut normals, &mut uniforms);
                        values[id]
                    })
                    .collect()
            };
            let ranks = sensitivity::InputRanks::new(sim.input_keys(col), sim.input_scales[col].exact, redraw);
            Some(SensitivityInput { col, scenarios, ranks, deciles: Vec::new() })
        })
        .collect();
    // Every (input, scenario) pair's deciles in one pass over the
    // iterations, the pairs of a scenario side by side.
    let mut pairs: Vec<(usize, usize, usize)> = inputs
        .iter()
        .enumerate()
        .flat_map(|(j, input)| input.scenarios.iter().enumerate().map(move |(k, &s)| (s, j, k)))
        .collect();
    pairs.sort_unstable();
    let of = |&(s, j, _): &(usize, usize, usize)| sensitivity::DecilePair {
        keys: sim.input_keys(inputs[j].col),
        input: &inputs[j].ranks,
        npv: sim.whole(l.scenarios[s].npv),
    };
    let means = sensitivity::decile_means(&pairs.iter().map(of).collect::<Vec<_>>());
    for input in &mut inputs {
        input.deciles = vec![(f64::NAN, f64::NAN); input.scenarios.len()];
    }
    for (&(_, j, k), mean) in pairs.iter().zip(means) {
        inputs[j].deciles[k] = mean;
    }
    inputs
}

fn sensitivity(
    case: &Case,
    sim: &Simulation,
    inputs: &[SensitivityInput],
    npv: &[rank::RankedNpv<'_>],
) -> Vec<SensitivityRow> {
    let per_input: Vec<Vec<(usize, SensitivityRow)>> = inputs
        .par_iter()
        .map(|input| {
            let def = &case.inputs.defs[sim.layout.inputs[input.col]];
            let ranked: Vec<&rank::RankedNpv<'_>> = input.scenarios.iter().map(|&s| &npv[s]).collect();
            let spearman = sensitivity::spearman(sim.input_keys(input.col), &input.ranks, &ranked);
            input
                .scenarios
                .iter()
                .zip(spearman)
                .zip(&input.deciles)
                .map(|((&s, spearman), &(low, high))| {
                    let row = SensitivityRow {
                        scenario: case.scenarios[s].name.clone(),
                        input: def.path.clone(),
                        spearman,
                        npv_low_decile: low,
                        npv_high_decile: high,
                    };
                    (s, row)
                })
                .collect()
        })
        .collect();
    let mut by_scenario: Vec<Vec<SensitivityRow>> = vec![Vec::new(); case.scenarios.len()];
    for (s, row) in per_input.into_iter().flatten() {
        by_scenario[s].push(row);
    }
    let key = |r: &SensitivityRow| if r.spearman.is_nan() { -1.0 } else { r.spearman.abs() };
    for rows in &mut by_scenario {
        rows.sort_by(|a, b| key(b).total_cmp(&key(a)).then_with(|| a.input.cmp(&b.input)));
    }
    by_scenario.into_iter().flatten().collect()
}
