//! The run-rate and P&L view: what a finance director asks of a business
//! case beside its NPV. Per scenario, the saving it runs at as the horizon
//! ends and what it costs once and every year; each initiative's part of
//! each fiscal year's saving (the bridge by fiscal year); and, when capex
//! is depreciated, the fiscal years as the P&L shows them beside the cash.
//!
//! Every figure comes from the same iterations as the other tables: the
//! month loop keeps the columns ([`crate::simulate::layout::FinanceColumns`]),
//! and a percentile here is the percentile of that figure over the
//! iterations, never a sum of other percentiles.

use super::{FiscalValue, spread, undefined};
use crate::model::Case;
use crate::simulate::Simulation;
use crate::simulate::layout::BRIDGE_PROBS;

/// A row of `run_rate.csv`: one scenario's exit run-rate, one-off capex or
/// recurring opex.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRateRow {
    pub scenario: String,
    /// `exit_run_rate_saving`, `recurring_opex` or `one_off_capex`.
    pub metric: &'static str,
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// A row of `bridge_fiscal.csv`: one initiative's contribution to one
/// fiscal year's saving, saving(first k) - saving(first k - 1) on the same
/// draws. A scenario's steps add up to its fiscal year's saving, iteration
/// by iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct FiscalBridgeRow {
    pub scenario: String,
    pub fiscal_year: String,
    pub partial: bool,
    /// 1-based, in scenario order.
    pub step: usize,
    /// The initiative's id.
    pub initiative: String,
    pub mean: f64,
    pub p10: f64,
    pub p90: f64,
}

/// A row of `pnl.csv`: one scenario's fiscal year in cash and in P&L terms.
#[derive(Debug, Clone, PartialEq)]
pub struct PnlRow {
    pub scenario: String,
    pub fiscal_year: String,
    pub partial: bool,
    /// `cash_saving`, `capex`, `depreciation` or `pnl_saving`.
    pub metric: &'static str,
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// Mean, P10, P50, P90 of a tallied column, `scale` times (a positive
/// factor: the percentiles of scaled values are the scaled percentiles).
fn quartet(v: FiscalValue, scale: f64) -> [f64; 4] {
    match v {
        FiscalValue::Spread { mean, p10, p50, p90 } => [mean, p10, p50, p90].map(|x| x * scale),
        FiscalValue::Single(x) => [x * scale, f64::NAN, f64::NAN, f64::NAN],
    }
}

/// [`RunRateRow`]s: per scenario, the exit run-rate saving (the last fiscal
/// year's saving annualised: times 12 over its months, so a partial year
/// counts as a whole one), the recurring opex at the exit and the one-off
/// capex.
pub(super) fn run_rate(case: &Case, sim: &Simulation) -> Vec<RunRateRow> {
    let l = &sim.layout;
    let Some(last) = case.model.fiscal_years.last() else { return Vec::new() };
    let annualise = 12.0 / last.months.len() as f64;
    let mut rows = Vec::new();
    for (s, scenario) in case.scenarios.iter().enumerate() {
        let c = &l.scenarios[s];
        let Some(fin) = &c.finance else { continue };
        let exit = quartet(spread(sim.tally(c.fy_saving + l.fiscal_years - 1)), annualise);
        let opex = quartet(spread(sim.tally(fin.recurring_opex)), 1.0);
        let capex = quartet(spread(sim.tally(fin.capex)), 1.0);
        for (metric, [mean, p10, p50, p90]) in
            [("exit_run_rate_saving", exit), ("recurring_opex", opex), ("one_off_capex", capex)]
        {
            rows.push(RunRateRow { scenario: scenario.name.clone(), metric, mean, p10, p50, p90 });
        }
    }
    rows
}

/// [`FiscalBridgeRow`]s: per scenario, fiscal year by fiscal year, its
/// initiatives in scenario order.
pub(super) fn fiscal_bridge(case: &Case, sim: &Simulation) -> Vec<FiscalBridgeRow> {
    let l = &sim.layout;
    let mut rows = Vec::new();
    for (s, scenario) in case.scenarios.iter().enumerate() {
        let Some(fin) = &l.scenarios[s].finance else { continue };
        for (f, fy) in case.model.fiscal_years.iter().enumerate() {
            for (j, &k) in scenario.initiatives.iter().enumerate() {
                let t = sim.tally(fin.fy_contribution + j * l.fiscal_years + f);
                let (mean, p10, p90) = if undefined(t) {
                    (f64::NAN, f64::NAN, f64::NAN)
                } else {
                    let p = t
                        .quantiles(&BRIDGE_PROBS)
                        .expect("the simulation keeps the order statistics its percentiles need");
                    (t.mean(), p[0], p[1])
                };
                rows.push(FiscalBridgeRow {
                    scenario: scenario.name.clone(),
                    fiscal_year: fy.label(),
                    partial: fy.partial,
                    step: j + 1,
                    initiative: case.initiatives[k].id.clone(),
                    mean,
                    p10,
                    p90,
                });
            }
        }
    }
    rows
}

/// [`PnlRow`]s, per scenario and fiscal year; none unless some initiative
/// is depreciated (the layout then keeps the P&L columns).
pub(super) fn pnl(case: &Case, sim: &Simulation) -> Vec<PnlRow> {
    let l = &sim.layout;
    let mut rows = Vec::new();
    for (s, scenario) in case.scenarios.iter().enumerate() {
        let c = &l.scenarios[s];
        let Some(p) = c.finance.as_ref().and_then(|fin| fin.pnl.as_ref()) else { continue };
        for (f, fy) in case.model.fiscal_years.iter().enumerate() {
            for (metric, col) in [
                ("cash_saving", c.fy_saving),
                ("capex", p.capex),
                ("depreciation", p.depreciation),
                ("pnl_saving", p.saving),
            ] {
                let [mean, p10, p50, p90] = quartet(spread(sim.tally(col + f)), 1.0);
                rows.push(PnlRow {
                    scenario: scenario.name.clone(),
                    fiscal_year: fy.label(),
                    partial: fy.partial,
                    metric,
                    mean,
                    p10,
                    p50,
                    p90,
                });
            }
        }
    }
    rows
}
