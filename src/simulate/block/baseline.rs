//! The baseline of spec section 5: each channel's volume, price and fixed
//! cost by month, without any initiative, and what it costs.

// Lanes and channels are indexed explicitly: that is the shape the
// compiler vectorises.
#![allow(clippy::needless_range_loop)]

use super::Workspace;
use super::lanes::{LANES, ZERO, monthly_factor};
use super::recorder::Recorder;
use crate::fastmath::exp;
use crate::model::{Baseline, Case};
use crate::simulate::layout::{Layout, MonthlyMetric};

impl Workspace {
    /// Each channel's volume V (trend or plan, times the month's noise),
    /// price P and fixed cost F, inflated, by month; and the inflated price
    /// of an FTE on a staffed channel. Reads the noise's standard normal
    /// scores from `volume`, where the draw left them, and overwrites them.
    #[inline(always)]
    pub(super) fn baseline_channels(&mut self, case: &Case, layout: &Layout) {
        let (months, nc) = (layout.months, layout.channels);
        let v = &self.values;
        let nq = self.queues.len();
        for (c, ch) in case.model.channels.iter().enumerate() {
            let step_inflation = monthly_factor(&v[ch.inflation], 1.0 / 12.0);
            let (cpc, fixed) = (v[ch.cost_per_contact], v[ch.fixed_monthly]);
            let queue = self.queue_of[c];
            let mut inflation = [1.0; LANES];
            let mut growth = [1.0; LANES];
            for m in 0..months {
                let k = m * nc + c;
                let mut e = [1.0; LANES];
                if let Some((mu, sigma)) = self.noise[c] {
                    let z = self.volume[k];
                    for l in 0..LANES {
                        e[l] = exp(mu + sigma * z[l]);
                    }
                }
                let mut volume = ZERO;
                match &ch.baseline {
                    Baseline::Trend { volume: vol, growth: g, seasonality } => {
                        let (start, rate, season) = (v[*vol], v[*g], v[seasonality[self.calendar[m]]]);
                        for l in 0..LANES {
                            volume[l] = start[l] * growth[l] * season[l] * e[l];
                            growth[l] *= 1.0 + rate[l];
                        }
                    }
                    Baseline::Plan(plan) => {
                        for l in 0..LANES {
                            volume[l] = plan[m] * e[l];
                        }
                    }
                    Baseline::Fitted(f) => {
                        let lanes = &mut self.fitted[self.fitted_of[c].unwrap_or(0)];
                        volume = match f.actuals.get(m) {
                            Some(&actual) => [actual; LANES],
                            None => {
                                lanes.step(&self.volume[k]);
                                lanes.volume(f.start_t + m, self.calendar[m])
                            }
                        };
                    }
                }
                self.volume[k] = volume;
                if let Some(q) = queue {
                    let per_fte = v[ch.staffing.as_ref().map_or(0, |s| s.cost_per_fte)];
                    let mut fte_price = ZERO;
                    for l in 0..LANES {
                        fte_price[l] = per_fte[l].max(0.0) * inflation[l];
                    }
                    self.fte_price[m * nq + q] = fte_price;
                    if let Some(h) = self.queues[q].headcount {
                        let per_fte = v[self.headcount[h].severance_per_fte];
                        let mut severance = ZERO;
                        for l in 0..LANES {
                            severance[l] = per_fte[l].max(0.0) * inflation[l];
                        }
                        self.severance_price[h * months + m] = severance;
                    }
                }
                let (mut price, mut fixed_cost) = (ZERO, ZERO);
                for l in 0..LANES {
                    price[l] = cpc[l] * inflation[l];
                    fixed_cost[l] = fixed[l] * inflation[l];
                    inflation[l] *= step_inflation[l];
                }
                self.price[k] = price;
                self.fixed[k] = fixed_cost;
            }
        }
    }

    /// The baseline's cost by month (volume times price, fixed cost, and
    /// labour on a staffed channel), its FTE, fiscal years and total, and
    /// the discount factor of each month.
    #[inline(always)]
    pub(super) fn baseline_costs(&mut self, case: &Case, layout: &Layout, record: &mut Recorder<'_>) {
        let (months, nc) = (layout.months, layout.channels);
        let v = &self.values;
        let nq = self.queues.len();
        let step_discount = monthly_factor(&v[case.model.discount_rate], -1.0 / 12.0);
        let mut discount = [1.0; LANES];
        let mut baseline_total = ZERO;
        let rows = &mut self.rows;
        for f in 0..layout.fiscal_years {
            rows[layout.baseline_fy + f] = ZERO;
        }
        // Headcount channels (spec section 13): their required FTE over
        // the whole horizon first, then the paid FTE and labour that follow.
        if !self.headcount.is_empty() {
            for m in 0..months {
                for h in 0..self.headcount.len() {
                    let q = self.headcount[h].queue;
                    let queue = &self.queues[q];
                    let (fte, _) = queue.staff(
                        m,
                        &self.volume[m * nc + queue.channel],
                        &[1.0; LANES],
                        &self.fte_price[m * nq + q],
                        self.abandoned_recorded,
                    );
                    self.base_required[h * months + m] = fte;
                }
            }
            self.headcount_baseline(layout, record);
        }
        let rows = &mut self.rows;
        for m in 0..months {
            for l in 0..LANES {
                discount[l] *= step_discount[l];
            }
            self.discount[m] = discount;
            let (mut cost, mut volume) = (ZERO, ZERO);
            for (q, queue) in self.queues.iter().enumerate() {
                if queue.headcount.is_none() {
                    let (fte, labour) = queue.staff(
                        m,
                        &self.volume[m * nc + queue.channel],
                        &[1.0; LANES],
                        &self.fte_price[m * nq + q],
                        self.abandoned_recorded,
                    );
                    self.base_fte[m * nq + q] = fte;
                    self.base_labour[m * nq + q] = labour;
                }
                record.put(layout.fte_index(0, m, q), &self.base_fte[m * nq + q]);
            }
            if !layout.abandon.is_empty() {
                Workspace::record_abandoned(
                    &self.queues,
                    layout,
                    record,
                    (0, m),
                    &self.volume[m * nc..(m + 1) * nc],
                    None,
                );
            }
            let month = m * nc..(m + 1) * nc;
            // Zipped rather than indexed by channel: no bounds check a channel.
            let channels = self.volume[month.clone()]
                .iter()
                .zip(&self.price[month.clone()])
                .zip(&self.fixed[month])
                .zip(&self.queue_of);
            for (c, (((channel_volume, price), fixed), queue)) in channels.enumerate() {
                let (channel_volume, price, fixed) = (*channel_volume, *price, *fixed);
                let mut channel_cost = ZERO;
                for l in 0..LANES {
                    channel_cost[l] = channel_volume[l] * price[l] + fixed[l];
                }
                if let Some(q) = *queue {
                    let labour = self.base_labour[m * nq + q];
                    for l in 0..LANES {
                        channel_cost[l] += labour[l];
                    }
                }
                for l in 0..LANES {
                    cost[l] += channel_cost[l];
                    volume[l] += channel_volume[l];
                }
                record.put(layout.monthly_index(0, m, c, MonthlyMetric::Volume), &channel_volume);
                record.put(layout.monthly_index(0, m, c, MonthlyMetric::Cost), &channel_cost);
            }
            record.put(layout.monthly_index(0, m, nc, MonthlyMetric::Volume), &volume);
            record.put(layout.monthly_index(0, m, nc, MonthlyMetric::Cost), &cost);
            self.base[m] = cost;
            let fy = &mut rows[layout.baseline_fy + self.fy_of_month[m]];
            let mut fy_cost = *fy;
            for l in 0..LANES {
                baseline_total[l] += cost[l];
                fy_cost[l] += cost[l];
            }
            *fy = fy_cost;
        }
        rows[layout.baseline_cost] = baseline_total;
    }
}
