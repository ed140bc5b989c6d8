//! The scenarios of spec sections 5 and 6: each scenario's initiatives
//! applied in order to the baseline's months, the cost after each one for
//! the bridge, and the scenario's results once its months are closed.

// Lanes and channels are indexed explicitly: that is the shape the
// compiler vectorises.
#![allow(clippy::needless_range_loop)]

use super::Workspace;
use super::effects::apply_effects;
use super::headcount;
use super::lanes::{LANES, Lanes, ZERO};
use super::recorder::Recorder;
use crate::model::Case;
use crate::simulate::layout::{Layout, MonthlyMetric};

impl Workspace {
    /// Every scenario, initiatives applied in order; after each one the
    /// cost of the portfolio so far, for the bridge. A scenario whose
    /// initiatives begin another's is closed within that one's loop
    /// ([`Workspace::guests`]).
    #[inline(always)]
    pub(super) fn scenarios(&mut self, case: &Case, layout: &Layout, record: &mut Recorder<'_>) {
        for s in 0..case.scenarios.len() {
            if !self.hosted[s] {
                self.scenario(case, layout, record, s);
            }
        }
    }

    /// Scenario `s` and its guests, month by month, then their results.
    #[inline(always)]
    fn scenario(&mut self, case: &Case, layout: &Layout, record: &mut Recorder<'_>, s: usize) {
        let steps = layout.scenarios[s].steps;
        self.step_npv[..steps].fill(ZERO);
        self.step_net[..steps].fill(ZERO);
        for g in std::iter::once(s).chain(self.guests[s].iter().map(|&(_, g)| g)) {
            self.totals[g] = Totals::default();
            for f in 0..layout.fiscal_years {
                self.rows[layout.scenarios[g].fy_cost + f] = ZERO;
            }
        }
        // Headcount channels: each step's required FTE over the horizon,
        // then the paid FTE and labour the month loop reads.
        if !self.headcount.is_empty() {
            self.headcount_required(case, layout, s);
            self.headcount_paths(case, layout, record, s);
        }
        for m in 0..layout.months {
            self.scenario_month(case, layout, record, s, m);
        }
        // A guest's steps are the host's first ones: the same initiatives
        // applied to the same state in the same order.
        for g in std::iter::once(s).chain(self.guests[s].iter().map(|&(_, g)| g)) {
            let n = layout.scenarios[g].steps;
            let (steps, steps_net) = (&self.step_npv[..n], &self.step_net[..n]);
            finish_scenario(case, layout, record, g, &self.values, &self.totals[g], steps, steps_net, &mut self.rows);
        }
        for i in 0..=self.guests[s].len() {
            let g = if i == 0 { s } else { self.guests[s][i - 1].1 };
            self.finish_finance(case, layout, g);
        }
    }

    /// Scenario `s`'s finance columns once its results are in
    /// ([`crate::simulate::layout::FinanceColumns`]): one-off capex and
    /// recurring opex, each step's part of each fiscal year's saving, and
    /// the P&L by fiscal year. Once a block, not a month: a few lanes per
    /// step and fiscal year.
    #[inline(always)]
    fn finish_finance(&mut self, case: &Case, layout: &Layout, s: usize) {
        let cols = &layout.scenarios[s];
        let Some(fin) = &cols.finance else { return };
        let (nfy, stride) = (layout.fiscal_years, self.max_steps);
        let (v, rows) = (&self.values, &mut self.rows);
        let initiatives = &case.scenarios[s].initiatives;
        // Every initiative starts inside the horizon, so all run in its
        // last month.
        let (mut capex, mut opex) = (ZERO, ZERO);
        for &k in initiatives {
            let init = &case.initiatives[k];
            for l in 0..LANES {
                capex[l] += v[init.capex][l];
                opex[l] += v[init.opex][l];
            }
        }
        for l in 0..LANES {
            opex[l] *= 12.0;
        }
        rows[fin.capex] = capex;
        rows[fin.recurring_opex] = opex;
        // Step j's net saving within fiscal year f, from its running net
        // saving at the years' ends; its contribution, that less step
        // j - 1's. Months before an initiative starts give both steps the
        // same savings, bit for bit: its contribution there is exactly 0.
        let through = &self.step_through_fy;
        let within = |j: usize, f: usize| -> Lanes {
            let end = through[f * stride + j];
            let start = if f == 0 { ZERO } else { through[(f - 1) * stride + j] };
            std::array::from_fn(|l| end[l] - start[l])
        };
        // A hosted scenario's steps are its host's first, in its host's
        // columns (Layout::new): the host has written them.
        let steps = if self.hosted[s] { 0 } else { cols.steps };
        for j in 0..steps {
            for f in 0..nfy {
                let here = within(j, f);
                let before = if j == 0 { ZERO } else { within(j - 1, f) };
                let mut contribution = ZERO;
                for l in 0..LANES {
                    contribution[l] = here[l] - before[l];
                }
                rows[fin.fy_contribution + j * nfy + f] = contribution;
            }
        }
        let Some(pnl) = &fin.pnl else { return };
        for f in 0..nfy {
            let (mut paid, mut charged) = (ZERO, ZERO);
            for &k in initiatives {
                let capex = v[case.initiatives[k].capex];
                let (span, charged_months) = (self.depreciation_span[k], self.depreciation_months[k * nfy + f]);
                let paid_here = if self.capex_fy[k] == f { 1.0 } else { 0.0 };
                for l in 0..LANES {
                    paid[l] += capex[l] * paid_here;
                    charged[l] += capex[l] / span * charged_months;
                }
            }
            let cash = rows[cols.fy_saving + f];
            let mut saving = ZERO;
            for l in 0..LANES {
                saving[l] = cash[l] + paid[l] - charged[l];
            }
            rows[pnl.capex + f] = paid;
            rows[pnl.depreciation + f] = charged;
            rows[pnl.saving + f] = saving;
        }
    }

    /// Month `m` of scenario `s`: its initiatives applied in order to the
    /// baseline's channels, the saving after each added to its bridge step,
    /// and the month closed for the scenario and for each guest whose
    /// initiatives end at that step.
    #[inline(always)]
    fn scenario_month(&mut self, case: &Case, layout: &Layout, record: &mut Recorder<'_>, s: usize, m: usize) {
        let (months, nc, nq) = (layout.months, layout.channels, self.queues.len());
        let scenario = &case.scenarios[s];
        let v = &self.values;
        let base_row = m * nc..(m + 1) * nc;
        // Channel by channel: a 128-byte move each, where copying
        // the slices would call memcpy.
        for c in 0..nc {
            self.state_volume[c] = self.volume[m * nc + c];
            self.state_price[c] = self.price[m * nc + c];
        }
        if nq > 0 {
            self.state_aht.fill([1.0; LANES]);
            self.state_fte.copy_from_slice(&self.base_fte[m * nq..(m + 1) * nq]);
            self.state_labour.copy_from_slice(&self.base_labour[m * nq..(m + 1) * nq]);
        }
        let base = self.base[m];
        let mut outlay = ZERO;
        let mut cost = base;
        // The month's running cost before outlays: the baseline's,
        // moved by each change the initiatives make (a change in
        // volume or price times the other, a change in labour), so
        // settling after an initiative costs only what it touched.
        let mut running = base;
        // The cost is settled after every started initiative for the
        // bridge; comparing portfolios needs it only after the last.
        let last_started = scenario.initiatives.iter().rposition(|&k| m >= case.initiatives[k].start);
        let steps = scenario.initiatives.len();
        let mut closing = self.guests[s].iter().peekable();
        for (j, &k) in scenario.initiatives.iter().enumerate() {
            let init = &case.initiatives[k];
            if m >= init.start {
                let settle = layout.bridge || Some(j) == last_started;
                let w = self.weight(k, m, months, init.success);
                apply_effects::<true>(
                    &init.effects,
                    v,
                    &w,
                    &self.staffed,
                    &mut self.state_volume,
                    &mut self.state_price,
                    &mut self.state_aht,
                    &mut running,
                );
                // Only the queues the initiatives changed are recounted.
                for &q in &self.touches[k] {
                    self.recount[q] = true;
                }
                if settle {
                    // None of the scenario's volumes changes after its last
                    // started step.
                    let closing = self.closes(s, j, Some(j) == last_started);
                    for (q, queue) in self.queues.iter().enumerate() {
                        // Headcount channels read their paths below.
                        if std::mem::take(&mut self.recount[q]) && queue.headcount.is_none() {
                            let c = queue.channel;
                            let (volume, aht, price) =
                                (&self.state_volume[c], &self.state_aht[c], &self.fte_price[m * nq + q]);
                            let (fte, labour) = queue.staff(m, volume, aht, price, closing);
                            let before = &self.state_labour[q];
                            for l in 0..LANES {
                                running[l] += labour[l] - before[l];
                            }
                            self.state_fte[q] = fte;
                            self.state_labour[q] = labour;
                        }
                    }
                }
                let (opex, capex) = (v[init.opex], v[init.capex]);
                for l in 0..LANES {
                    outlay[l] += opex[l];
                }
                if m == init.start {
                    for l in 0..LANES {
                        outlay[l] += capex[l];
                    }
                }
                if settle {
                    for l in 0..LANES {
                        cost[l] = running[l] + outlay[l];
                    }
                }
            }
            // Headcount channels settle where the others do, started or
            // not: hires trained ahead of an initiative change the months
            // before it.
            if !self.headcount.is_empty() && (layout.bridge || j + 1 == steps) {
                let (labour, steps) = (&self.hc_labour, &self.hc_paths[s]);
                headcount::settle(&self.headcount, labour, steps, (j, m), &mut self.state_labour, &mut running);
                for l in 0..LANES {
                    cost[l] = running[l] + outlay[l];
                }
            }
            let discount = self.discount[m];
            let (mut npv, mut net) = (self.step_npv[j], self.step_net[j]);
            for l in 0..LANES {
                let saving = base[l] - cost[l];
                npv[l] += saving * discount[l];
                net[l] += saving;
            }
            (self.step_npv[j], self.step_net[j]) = (npv, net);
            // A guest's month ends where its initiatives do.
            while let Some(&(_, g)) = closing.next_if(|&&(last, _)| last == j) {
                if !self.headcount.is_empty() {
                    let (paid, steps) = (&self.hc_paid, &self.hc_paths[s]);
                    headcount::paid_fte(&self.headcount, paid, steps, (j, m), &mut self.state_fte);
                }
                if !layout.abandon.is_empty() {
                    Workspace::record_abandoned(
                        &self.queues,
                        layout,
                        record,
                        (g + 1, m),
                        &self.state_volume,
                        Some(&self.state_aht),
                    );
                }
                let month = MonthEnd { s: g, m, base: &base, cost: &cost };
                let state = ScenarioState {
                    volume: &self.state_volume,
                    price: &self.state_price,
                    fte: &self.state_fte,
                    labour: &self.state_labour,
                };
                let fy = &mut self.rows[layout.scenarios[g].fy_cost + self.fy_of_month[m]];
                let fixed = &self.fixed[base_row.clone()];
                close_month(layout, record, month, &mut self.totals[g], fy, state, fixed, &self.queue_of);
            }
        }
        if !self.headcount.is_empty() && steps > 0 {
            let (paid, hc_steps) = (&self.hc_paid, &self.hc_paths[s]);
            headcount::paid_fte(&self.headcount, paid, hc_steps, (steps - 1, m), &mut self.state_fte);
        }
        if !layout.abandon.is_empty() {
            Workspace::record_abandoned(
                &self.queues,
                layout,
                record,
                (s + 1, m),
                &self.state_volume,
                Some(&self.state_aht),
            );
        }
        let month = MonthEnd { s, m, base: &base, cost: &cost };
        let state = ScenarioState {
            volume: &self.state_volume,
            price: &self.state_price,
            fte: &self.state_fte,
            labour: &self.state_labour,
        };
        let fy = &mut self.rows[layout.scenarios[s].fy_cost + self.fy_of_month[m]];
        let fixed = &self.fixed[base_row];
        close_month(layout, record, month, &mut self.totals[s], fy, state, fixed, &self.queue_of);
        // At a fiscal year's end, each step's net saving so far, for the
        // bridge by fiscal year (a run's, not a portfolio comparison's).
        if let Some(f) = self.fy_end[m].filter(|_| !self.step_through_fy.is_empty()) {
            let steps = scenario.initiatives.len();
            let at = f * self.max_steps;
            self.step_through_fy[at..at + steps].copy_from_slice(&self.step_net[..steps]);
        }
    }
}

/// A scenario's sums over the months of a block so far.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Totals {
    cost: Lanes,
    net: Lanes,
    cumulative: Lanes,
    /// Last month (1-based) whose cumulative saving was negative; 0: none.
    last_negative: Lanes,
}

/// Which scenario's month is closed, and its baseline and settled cost.
struct MonthEnd<'a> {
    s: usize,
    m: usize,
    base: &'a Lanes,
    cost: &'a Lanes,
}

/// A scenario's channels after its initiatives, in a month.
#[derive(Clone, Copy)]
struct ScenarioState<'a> {
    volume: &'a [Lanes],
    price: &'a [Lanes],
    fte: &'a [Lanes],
    labour: &'a [Lanes],
}

/// Add a scenario's month to its totals and fiscal year (`fy`), and record
/// its monthly quantities: cumulative saving, FTE, each channel's volume
/// and cost (`fixed`: the month's fixed cost by channel), and the totals.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn close_month(
    layout: &Layout,
    record: &mut Recorder<'_>,
    month: MonthEnd<'_>,
    totals: &mut Totals,
    fy: &mut Lanes,
    state: ScenarioState<'_>,
    fixed: &[Lanes],
    queue_of: &[Option<usize>],
) {
    let MonthEnd { s, m, base, cost } = month;
    let (base, cost) = (*base, *cost);
    // Field by field: 128-byte arrays stay in registers, where the whole
    // 512-byte struct copied at once would be a call to memcpy.
    let (mut total, mut net) = (totals.cost, totals.net);
    let (mut cumulative, mut last_negative) = (totals.cumulative, totals.last_negative);
    let mut fy_cost = *fy;
    for l in 0..LANES {
        let saving = base[l] - cost[l];
        total[l] += cost[l];
        net[l] += saving;
        cumulative[l] += saving;
        if cumulative[l] < 0.0 {
            last_negative[l] = (m + 1) as f64;
        }
        fy_cost[l] += cost[l];
    }
    (totals.cost, totals.net) = (total, net);
    (totals.cumulative, totals.last_negative) = (cumulative, last_negative);
    *fy = fy_cost;
    record.put(layout.cumulative_index(s, m), &cumulative);
    for (q, fte) in state.fte.iter().enumerate() {
        record.put(layout.fte_index(s + 1, m, q), fte);
    }
    let mut volume = ZERO;
    // Zipped rather than indexed by channel: no bounds check a channel.
    let channels = fixed.iter().zip(state.volume).zip(state.price).zip(queue_of);
    for (c, (((fixed, channel_volume), price), queue)) in channels.enumerate() {
        let (channel_volume, price, fixed) = (*channel_volume, *price, *fixed);
        let mut channel_cost = ZERO;
        for l in 0..LANES {
            channel_cost[l] = channel_volume[l] * price[l] + fixed[l];
            volume[l] += channel_volume[l];
        }
        if let Some(q) = *queue {
            let labour = state.labour[q];
            for l in 0..LANES {
                channel_cost[l] += labour[l];
            }
        }
        record.put(layout.monthly_index(s + 1, m, c, MonthlyMetric::Volume), &channel_volume);
        record.put(layout.monthly_index(s + 1, m, c, MonthlyMetric::Cost), &channel_cost);
    }
    let nc = fixed.len();
    record.put(layout.monthly_index(s + 1, m, nc, MonthlyMetric::Volume), &volume);
    record.put(layout.monthly_index(s + 1, m, nc, MonthlyMetric::Cost), &cost);
}

/// Scenario `s`'s results once its months are closed: totals, investment,
/// ROI, payback, NPV, fiscal-year savings, and the bridge from its steps
/// (NPV and net savings after each initiative).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn finish_scenario(
    case: &Case,
    layout: &Layout,
    record: &mut Recorder<'_>,
    s: usize,
    v: &[Lanes],
    totals: &Totals,
    steps: &[Lanes],
    steps_net: &[Lanes],
    rows: &mut [Lanes],
) {
    let cols = &layout.scenarios[s];
    let months = layout.months;
    let mut investment = ZERO;
    for &k in &case.scenarios[s].initiatives {
        let init = &case.initiatives[k];
        let incurred = (months - init.start) as f64;
        for l in 0..LANES {
            investment[l] += v[init.capex][l] + v[init.opex][l] * incurred;
        }
    }
    let mut payback = ZERO;
    for l in 0..LANES {
        payback[l] = payback_month(totals.cumulative[l], totals.last_negative[l]);
    }
    let mut roi = ZERO;
    for l in 0..LANES {
        roi[l] = if investment[l] != 0.0 { totals.net[l] / investment[l] } else { f64::NAN };
    }
    rows[cols.cost] = totals.cost;
    rows[cols.net_savings] = totals.net;
    rows[cols.investment] = investment;
    rows[cols.roi] = roi;
    rows[cols.payback] = payback;
    rows[cols.npv] = steps.last().copied().unwrap_or(ZERO);
    for f in 0..layout.fiscal_years {
        let (base, cost) = (rows[layout.baseline_fy + f], rows[cols.fy_cost + f]);
        let mut saving = ZERO;
        for l in 0..LANES {
            saving[l] = base[l] - cost[l];
        }
        rows[cols.fy_saving + f] = saving;
    }
    // Contributions to the bridge: npv(first j+1) - npv(first j).
    let mut previous = ZERO;
    for (j, &step) in steps.iter().enumerate() {
        let mut contribution = ZERO;
        for l in 0..LANES {
            contribution[l] = step[l] - previous[l];
        }
        rows[cols.contribution + j] = contribution;
        previous = step;
    }
    for (j, net) in steps_net.iter().enumerate() {
        record.put(layout.waterfall_index(s, j), net);
    }
}

#[inline]
pub fn payback_month(final_cumulative: f64, last_negative: f64) -> f64 {
    if final_cumulative < 0.0 { f64::NAN } else { last_negative + 1.0 }
}
