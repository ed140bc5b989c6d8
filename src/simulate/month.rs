//! One iteration: the baseline and every scenario, month by month
//! (spec sections 5 and 6), on the same draws.

use super::layout::{Layout, MonthlyMetric};
use super::sampler::Sampler;
use super::stream::iteration_rng;
use crate::model::{Baseline, Case, Effect};
use rand_distr::{Distribution, StandardNormal};

/// Buffers reused across the iterations a thread runs.
pub struct Workspace {
    values: Vec<f64>,
    normals: Vec<f64>,
    uniforms: Vec<f64>,
    /// Baseline volume, price and fixed cost, month-major (m * C + c).
    volume: Vec<f64>,
    price: Vec<f64>,
    fixed: Vec<f64>,
    base: Vec<f64>,
    discount: Vec<f64>,
    state_volume: Vec<f64>,
    state_price: Vec<f64>,
    step_npv: Vec<f64>,
    step_net: Vec<f64>,
    /// This iteration's monthly quantities, indexed as in [`Layout`].
    monthly: Vec<f64>,
    fy_of_month: Vec<usize>,
    /// Per channel: (mu, sigma) of the lognormal noise, None without noise.
    noise: Vec<Option<(f64, f64)>>,
    /// Calendar month index (0 = January) of each horizon month.
    calendar: Vec<usize>,
}

impl Workspace {
    pub fn new(case: &Case, layout: &Layout) -> Workspace {
        let (m, c) = (layout.months, layout.channels);
        let mut fy_of_month = vec![0; m];
        for (f, fy) in case.model.fiscal_years.iter().enumerate() {
            for month in fy.months.clone() {
                fy_of_month[month] = f;
            }
        }
        let noise = case
            .model
            .channels
            .iter()
            .map(|ch| {
                (ch.noise > 0.0).then(|| {
                    let s2 = (1.0 + ch.noise * ch.noise).ln();
                    (-s2 / 2.0, s2.sqrt())
                })
            })
            .collect();
        let calendar = (0..m).map(|k| case.model.start.plus(k).month as usize - 1).collect();
        let max_steps = case.scenarios.iter().map(|s| s.initiatives.len()).max().unwrap_or(0);
        Workspace {
            values: Vec::with_capacity(case.inputs.defs.len()),
            normals: Vec::new(),
            uniforms: Vec::new(),
            volume: vec![0.0; m * c],
            price: vec![0.0; m * c],
            fixed: vec![0.0; m * c],
            base: vec![0.0; m],
            discount: vec![0.0; m],
            state_volume: vec![0.0; c],
            state_price: vec![0.0; c],
            step_npv: vec![0.0; max_steps],
            step_net: vec![0.0; max_steps],
            monthly: vec![0.0; layout.monthly_quantities()],
            fy_of_month,
            noise,
            calendar,
        }
    }

    /// Run iteration `index`: write its results into `row`, add its monthly
    /// quantities to `sums`, and keep them in `keep` when it is in the
    /// monthly sample.
    #[allow(clippy::too_many_arguments)]
    pub fn run_iteration(
        &mut self,
        case: &Case,
        layout: &Layout,
        sampler: &Sampler,
        seed: u64,
        index: u64,
        row: &mut [f64],
        sums: &mut [f64],
        mut keep: Option<&mut [f32]>,
    ) {
        let mut rng = iteration_rng(seed, index);
        sampler.draw(&mut rng, &mut self.values, &mut self.normals, &mut self.uniforms);
        let v = &self.values;
        let (months, nc) = (layout.months, layout.channels);
        // Monthly quantities go to a per-iteration buffer first; adding it to
        // the batch sums afterwards is one sequential, vectorisable pass.
        let monthly = &mut self.monthly;
        let mut record = |idx: usize, x: f64| monthly[idx] = x;

        // Baseline (section 5): V, P, F per channel and month.
        for (c, ch) in case.model.channels.iter().enumerate() {
            let step_inflation = (1.0 + v[ch.inflation]).powf(1.0 / 12.0);
            let (cpc, fixed) = (v[ch.cost_per_contact], v[ch.fixed_monthly]);
            let mut inflation = 1.0;
            let mut growth = 1.0;
            for m in 0..months {
                let e = match self.noise[c] {
                    Some((mu, sigma)) => {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        (mu + sigma * z).exp()
                    }
                    None => 1.0,
                };
                let planned = match &ch.baseline {
                    Baseline::Trend { volume, growth: g, seasonality } => {
                        let x = v[*volume] * growth * v[seasonality[self.calendar[m]]];
                        growth *= 1.0 + v[*g];
                        x
                    }
                    Baseline::Plan(plan) => plan[m],
                };
                self.volume[m * nc + c] = planned * e;
                self.price[m * nc + c] = cpc * inflation;
                self.fixed[m * nc + c] = fixed * inflation;
                inflation *= step_inflation;
            }
        }
        let step_discount = (1.0 + v[case.model.discount_rate]).powf(-1.0 / 12.0);
        let mut discount = 1.0;
        let mut baseline_total = 0.0;
        let base_fy = &mut row[layout.baseline_fy..layout.baseline_fy + layout.fiscal_years];
        base_fy.fill(0.0);
        for m in 0..months {
            discount *= step_discount;
            self.discount[m] = discount;
            let (mut cost, mut volume) = (0.0, 0.0);
            for c in 0..nc {
                let k = m * nc + c;
                let channel_cost = self.volume[k] * self.price[k] + self.fixed[k];
                record(layout.monthly_index(0, m, c, MonthlyMetric::Volume), self.volume[k]);
                record(layout.monthly_index(0, m, c, MonthlyMetric::Cost), channel_cost);
                cost += channel_cost;
                volume += self.volume[k];
            }
            record(layout.monthly_index(0, m, nc, MonthlyMetric::Volume), volume);
            record(layout.monthly_index(0, m, nc, MonthlyMetric::Cost), cost);
            self.base[m] = cost;
            baseline_total += cost;
            base_fy[self.fy_of_month[m]] += cost;
        }
        row[layout.baseline_cost] = baseline_total;

        // Scenarios: initiatives applied in order; after each one the cost of
        // the portfolio so far, for the bridge.
        for (s, scenario) in case.scenarios.iter().enumerate() {
            let cols = &layout.scenarios[s];
            let steps = &mut self.step_npv[..cols.steps];
            steps.fill(0.0);
            let steps_net = &mut self.step_net[..cols.steps];
            steps_net.fill(0.0);
            row[cols.fy_cost..cols.fy_cost + layout.fiscal_years].fill(0.0);
            let (mut total, mut net, mut cumulative) = (0.0, 0.0, 0.0);
            let mut last_negative: Option<usize> = None;
            for m in 0..months {
                let base_row = m * nc..(m + 1) * nc;
                self.state_volume.copy_from_slice(&self.volume[base_row.clone()]);
                self.state_price.copy_from_slice(&self.price[base_row.clone()]);
                let fixed = &self.fixed[base_row];
                let mut outlay = 0.0;
                let mut cost = self.base[m];
                for (j, &k) in scenario.initiatives.iter().enumerate() {
                    let init = &case.initiatives[k];
                    if m >= init.start {
                        let w = init.ramp_weight(m) * v[init.success];
                        if w > 0.0 {
                            apply_effects(&init.effects, v, w, &mut self.state_volume, &mut self.state_price);
                        }
                        outlay += v[init.opex];
                        if m == init.start {
                            outlay += v[init.capex];
                        }
                        let mut c_sum = 0.0;
                        for c in 0..nc {
                            c_sum += self.state_volume[c] * self.state_price[c] + fixed[c];
                        }
                        cost = c_sum + outlay;
                    }
                    let step_saving = self.base[m] - cost;
                    steps[j] += step_saving * self.discount[m];
                    steps_net[j] += step_saving;
                }
                let saving = self.base[m] - cost;
                total += cost;
                net += saving;
                cumulative += saving;
                if cumulative < 0.0 {
                    last_negative = Some(m);
                }
                record(layout.cumulative_index(s, m), cumulative);
                row[cols.fy_cost + self.fy_of_month[m]] += cost;
                let mut volume = 0.0;
                for c in 0..nc {
                    let x = self.state_volume[c];
                    record(layout.monthly_index(s + 1, m, c, MonthlyMetric::Volume), x);
                    record(
                        layout.monthly_index(s + 1, m, c, MonthlyMetric::Cost),
                        x * self.state_price[c] + fixed[c],
                    );
                    volume += x;
                }
                record(layout.monthly_index(s + 1, m, nc, MonthlyMetric::Volume), volume);
                record(layout.monthly_index(s + 1, m, nc, MonthlyMetric::Cost), cost);
            }
            let investment: f64 = scenario
                .initiatives
                .iter()
                .map(|&k| {
                    let init = &case.initiatives[k];
                    v[init.capex] + v[init.opex] * (months - init.start) as f64
                })
                .sum();
            row[cols.cost] = total;
            row[cols.net_savings] = net;
            row[cols.investment] = investment;
            row[cols.payback] = payback_month(cumulative, last_negative, months);
            row[cols.step_npv..cols.step_npv + cols.steps].copy_from_slice(steps);
            row[cols.step_net..cols.step_net + cols.steps].copy_from_slice(steps_net);
        }
        for &(input, col) in &layout.inputs {
            row[col] = v[input];
        }
        for (total, x) in sums.iter_mut().zip(&self.monthly) {
            *total += x;
        }
        if let Some(k) = keep.as_deref_mut() {
            for (kept, x) in k.iter_mut().zip(&self.monthly) {
                *kept = *x as f32;
            }
        }
    }
}

/// Apply one initiative's effects at strength `w` (ramp times success).
#[inline]
fn apply_effects(effects: &[Effect], v: &[f64], w: f64, volume: &mut [f64], price: &mut [f64]) {
    for effect in effects {
        let a = v[effect.share()] * w;
        match effect {
            Effect::Avoid { channels, .. } => {
                for &c in channels {
                    volume[c] *= 1.0 - a;
                }
            }
            Effect::Deflect { from, to, leak, .. } => {
                let moved = volume[*from] * a;
                volume[*from] -= moved * (1.0 - v[*leak]);
                if let Some(to) = to {
                    volume[*to] += moved;
                }
            }
            Effect::ReduceCost { channels, .. } => {
                for &c in channels {
                    price[c] *= 1.0 - a;
                }
            }
        }
    }
}

/// The first (1-based) month from which the cumulative saving stays >= 0
/// through the horizon; NaN when it is negative at the end (spec section 6).
pub fn payback_month(final_cumulative: f64, last_negative: Option<usize>, months: usize) -> f64 {
    if final_cumulative < 0.0 {
        return f64::NAN;
    }
    match last_negative {
        None => 1.0,
        Some(m) => {
            debug_assert!(m + 1 < months);
            (m + 2) as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payback_edge_cases() {
        assert_eq!(payback_month(10.0, None, 36), 1.0, "never negative: month 1");
        assert_eq!(payback_month(10.0, Some(0), 36), 2.0);
        assert_eq!(payback_month(0.0, Some(4), 36), 6.0, "zero counts as paid back");
        assert!(payback_month(-1.0, Some(35), 36).is_nan(), "negative at M: none");
    }

    #[test]
    fn deflection_conserves_contacts() {
        // share 0.2 (input 0), leak 0.25 (input 1), w = 0.5: a = 0.1.
        let v = [0.2, 0.25];
        let effects = [Effect::Deflect { from: 0, to: Some(1), share: 0, leak: 1 }];
        let mut volume = [1000.0, 500.0];
        let mut price = [5.0, 0.1];
        apply_effects(&effects, &v, 0.5, &mut volume, &mut price);
        let moved = 100.0;
        assert!((volume[0] - (1000.0 - moved * 0.75)).abs() < 1e-9);
        assert!((volume[1] - (500.0 + moved)).abs() < 1e-9);
        // Moved contacts are not lost: agent contacts removed plus leaked ones equal the self-service sessions added.
        let removed = 1000.0 - volume[0];
        let leaked = moved * 0.25;
        assert!((removed + leaked - (volume[1] - 500.0)).abs() < 1e-9);
        assert_eq!(price, [5.0, 0.1]);
    }

    #[test]
    fn avoid_and_reduce_cost_scale_their_channels() {
        let v = [0.1];
        let mut volume = [100.0, 200.0, 300.0];
        let mut price = [2.0, 3.0, 4.0];
        apply_effects(&[Effect::Avoid { channels: vec![0, 2], share: 0 }], &v, 1.0, &mut volume, &mut price);
        assert_eq!(volume, [90.0, 200.0, 270.0]);
        apply_effects(&[Effect::ReduceCost { channels: vec![1], share: 0 }], &v, 0.5, &mut volume, &mut price);
        assert_eq!(price, [2.0, 3.0 * 0.95, 4.0]);
    }

    #[test]
    fn deflection_without_destination_vanishes() {
        let v = [0.5, 0.0];
        let mut volume = [100.0, 7.0];
        let mut price = [1.0, 1.0];
        apply_effects(&[Effect::Deflect { from: 0, to: None, share: 0, leak: 1 }], &v, 1.0, &mut volume, &mut price);
        assert_eq!(volume, [50.0, 7.0]);
    }
}
