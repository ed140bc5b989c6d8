//! The month loop of spec sections 5 and 6, for a block of [`LANES`]
//! iterations at once.
//!
//! Each iteration still draws from its own generator, in the same order
//! (sampled-once inputs, then noise by channel and month); only the
//! arithmetic runs lane by lane, with the lane loop innermost so the
//! compiler turns it into SIMD. Branches depend on the month and the
//! initiative, never on a lane's draws: a failed initiative simply has
//! weight 0.

// Lanes and channels are indexed explicitly: that is the shape the
// compiler vectorises.
#![allow(clippy::needless_range_loop)]

use super::layout::{Layout, MonthlyMetric, Source};
use super::normals::LaneStreams;
use super::sampler::Sampler;
use super::stream::iteration_rng;
use crate::fastmath::{exp, pow};
use crate::model::{Baseline, Case, Effect};
use crate::staffing::{self, erlang};

/// Iterations computed together. 16 measured fastest on the canonical case
/// (2-core Xeon, 1M iterations: 5% faster than 8, 4 slower still, 32
/// slower again): the month loop's bookkeeping is shared by more lanes,
/// while a scenario's state still fits the first-level cache.
pub const LANES: usize = 16;

/// One value per lane.
pub type Lanes = [f64; LANES];

const ZERO: Lanes = [0.0; LANES];

/// Buffers reused across the blocks a thread runs.
pub struct Workspace {
    /// Scratch for the copula's normals and scores, one per group member.
    normals: Vec<Lanes>,
    scores: Vec<Lanes>,
    /// The lanes' generators, for the noise.
    streams: LaneStreams,
    /// Per input, one value per lane.
    values: Vec<Lanes>,
    /// Baseline volume, price and fixed cost, month-major (m * C + c).
    volume: Vec<Lanes>,
    price: Vec<Lanes>,
    fixed: Vec<Lanes>,
    base: Vec<Lanes>,
    discount: Vec<Lanes>,
    state_volume: Vec<Lanes>,
    state_price: Vec<Lanes>,
    step_npv: Vec<Lanes>,
    step_net: Vec<Lanes>,
    /// Per result column, one value per lane.
    rows: Vec<Lanes>,
    /// Ramp weight w(k, m) before the success draw, initiative-major.
    ramp: Vec<f64>,
    fy_of_month: Vec<usize>,
    /// Per channel: (mu, sigma) of the lognormal noise, None without noise.
    noise: Vec<Option<(f64, f64)>>,
    /// Calendar month index (0 = January) of each horizon month.
    calendar: Vec<usize>,
    /// Staffed channels (spec section 10), in [`Layout::staffed`] order.
    queues: Vec<Queue>,
    /// Per channel: priced by staffing, and its index in `queues`.
    staffed: Vec<bool>,
    queue_of: Vec<Option<usize>>,
    /// Per initiative: the staffed channels (indices into `queues`) its
    /// effects touch, whose agents must be recounted after it.
    touches: Vec<Vec<usize>>,
    /// Loaded monthly cost of one FTE, inflated, month-major (m * Q + k).
    fte_price: Vec<Lanes>,
    /// Baseline FTE and labour cost, month-major (m * Q + k).
    base_fte: Vec<Lanes>,
    base_labour: Vec<Lanes>,
    /// Scenario state: AHT factor per channel (reduce_cost on a staffed
    /// channel), FTE and labour per staffed channel.
    state_aht: Vec<Lanes>,
    state_fte: Vec<Lanes>,
    state_labour: Vec<Lanes>,
    /// Per staffed channel: changed since its agents were last counted.
    recount: Vec<bool>,
    /// Per scenario: the scenarios computed within its month loop, as
    /// (their last step, scenario), by step. A scenario whose initiatives
    /// are the first ones of another's, in the same order, has the same
    /// state and cost after them in every month as that one has after its
    /// first steps (with the bridge's settling after every initiative), so
    /// it is closed there instead of applying them again. Empty for a
    /// scenario computed within another (`hosted`).
    guests: Vec<Vec<(usize, usize)>>,
    hosted: Vec<bool>,
    /// Per scenario: its sums over the months so far.
    totals: Vec<Totals>,
    /// Per monthly quantity, what the recorder does with it.
    recording: Vec<u8>,
}

/// A staffed channel's queue, with this block's sampled-once inputs folded
/// into the factors the month loop needs.
#[derive(Debug, Clone)]
struct Queue {
    channel: usize,
    staffing: crate::model::Staffing,
    /// Erlangs one contact a month brings at the sampled AHT:
    /// AHT / (open_hours * 3600 * concurrency).
    erlangs_per_contact: Lanes,
    /// answer_seconds / AHT, the service-level exponent's rate.
    answer_over_aht: Lanes,
    target: Lanes,
    max_occupancy: Lanes,
    /// FTE per agent seat: open_hours / (paid_hours_per_fte * (1 - shrinkage)).
    fte_per_agent: Lanes,
}

/// Shortest AHT (seconds) the queue formulas see, and the smallest factor
/// reduce_cost may shorten it by: an AHT cut to 0 leaves no traffic but
/// must not divide by zero.
const MIN_AHT_SECONDS: f64 = 1e-9;
const MIN_AHT_FACTOR: f64 = 1e-12;

impl Queue {
    /// Fold the block's draws into the queue factors. Draws are clamped into
    /// the ranges validation allows (it refuses more than a 1e-9 trace
    /// outside them).
    fn load(&mut self, v: &[Lanes]) {
        let s = &self.staffing;
        for l in 0..LANES {
            let aht = v[s.aht_seconds][l].max(MIN_AHT_SECONDS);
            let open_hours = v[s.open_hours][l].max(f64::MIN_POSITIVE);
            let concurrency = v[s.concurrency][l].max(1.0);
            let paid = v[s.paid_hours_per_fte][l].max(f64::MIN_POSITIVE);
            let shrinkage = v[s.shrinkage][l].clamp(0.0, 1.0 - 1e-9);
            self.erlangs_per_contact[l] = aht / (open_hours * 3600.0 * concurrency);
            self.answer_over_aht[l] = v[s.answer_seconds][l].max(0.0) / aht;
            self.target[l] = v[s.service_level][l].clamp(1e-9, 1.0 - 1e-9);
            self.max_occupancy[l] = v[s.max_occupancy][l].clamp(1e-9, 1.0);
            self.fte_per_agent[l] = staffing::fte(1.0, open_hours, paid, shrinkage);
        }
    }

    /// FTE and labour cost for a month's volume, with AHT scaled by
    /// `aht_factor` and one FTE costing `fte_price`.
    #[inline(always)]
    fn staff(&self, volume: &Lanes, aht_factor: &Lanes, fte_price: &Lanes) -> (Lanes, Lanes) {
        let (mut traffic, mut rate) = (ZERO, ZERO);
        for l in 0..LANES {
            // AHT' = AHT * factor; a factor of 0 (reduce_cost of 100%)
            // is floored so the rate below stays finite.
            let factor = aht_factor[l].max(MIN_AHT_FACTOR);
            traffic[l] = volume[l] * self.erlangs_per_contact[l] * factor;
            rate[l] = self.answer_over_aht[l] / factor;
        }
        let agents = erlang::agents::<LANES>(&traffic, &rate, &self.target, &self.max_occupancy);
        let (mut fte, mut labour) = (ZERO, ZERO);
        for l in 0..LANES {
            fte[l] = agents[l] * self.fte_per_agent[l];
            labour[l] = fte[l] * fte_price[l];
        }
        (fte, labour)
    }
}

/// Where a block's results go.
pub struct BlockOutput<'a> {
    /// Sums over iterations of each monthly quantity: each block's lanes
    /// are added up first ([`lane_total`]), then onto the sum.
    pub sums: &'a mut [f64],
    /// The batch's monthly sample, quantity-major: quantity `q` of the
    /// batch's row `r` at `q * stride + r`. The block's first `kept` lanes
    /// are rows `first_row..first_row + kept`.
    pub keep: &'a mut [f32],
    pub kept: usize,
    pub stride: usize,
    pub first_row: usize,
}

/// The block compiled for a set of x86-64 vector extensions: the same
/// code, [`Workspace::run_block_generic`] inlined into a function built for
/// them. Callers check the processor has them first.
macro_rules! block_build {
    ($name:ident, $features:literal) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        #[allow(clippy::too_many_arguments)]
        fn $name(
            &mut self,
            case: &Case,
            layout: &Layout,
            sampler: &Sampler,
            seed: u64,
            first: u64,
            active: usize,
            out: BlockOutput<'_>,
        ) {
            self.run_block_generic(case, layout, sampler, seed, first, active, out);
        }
    };
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
        let ramp = case.initiatives.iter().flat_map(|init| (0..m).map(|month| init.ramp_weight(month))).collect();
        let max_steps = case.scenarios.iter().map(|s| s.initiatives.len()).max().unwrap_or(0);
        let queues: Vec<Queue> = layout
            .staffed
            .iter()
            .map(|&c| Queue {
                channel: c,
                staffing: case.model.channels[c].staffing.clone().expect("layout lists staffed channels"),
                erlangs_per_contact: ZERO,
                answer_over_aht: ZERO,
                target: ZERO,
                max_occupancy: ZERO,
                fte_per_agent: ZERO,
            })
            .collect();
        let queue_of: Vec<Option<usize>> = (0..c).map(|ch| layout.staffed.iter().position(|&s| s == ch)).collect();
        let staffed: Vec<bool> = queue_of.iter().map(Option::is_some).collect();
        let touches = case
            .initiatives
            .iter()
            .map(|init| {
                let mut hit = vec![false; c];
                for e in &init.effects {
                    for ch in e.volume_channels().into_iter().chain(e.price_channels().iter().copied()) {
                        hit[ch] = true;
                    }
                }
                queues.iter().enumerate().filter(|(_, q)| hit[q.channel]).map(|(k, _)| k).collect()
            })
            .collect();
        let nq = queues.len();
        let host = hosts(case, layout.bridge);
        let hosted: Vec<bool> = host.iter().enumerate().map(|(s, &h)| h != s).collect();
        let guests = (0..host.len())
            .map(|h| {
                let mut guests: Vec<(usize, usize)> = (0..host.len())
                    .filter(|&g| g != h && host[g] == h)
                    .map(|g| (case.scenarios[g].initiatives.len() - 1, g))
                    .collect();
                guests.sort_unstable();
                guests
            })
            .collect();
        Workspace {
            normals: Vec::new(),
            scores: Vec::new(),
            streams: LaneStreams::default(),
            values: vec![ZERO; case.inputs.defs.len()],
            volume: vec![ZERO; m * c],
            price: vec![ZERO; m * c],
            fixed: vec![ZERO; m * c],
            base: vec![ZERO; m],
            discount: vec![ZERO; m],
            state_volume: vec![ZERO; c],
            state_price: vec![ZERO; c],
            step_npv: vec![ZERO; max_steps],
            step_net: vec![ZERO; max_steps],
            rows: vec![ZERO; layout.width],
            ramp,
            fy_of_month,
            noise,
            calendar: (0..m).map(|k| case.model.start.plus(k).month as usize - 1).collect(),
            queues,
            staffed,
            queue_of,
            touches,
            fte_price: vec![ZERO; m * nq],
            base_fte: vec![ZERO; m * nq],
            base_labour: vec![ZERO; m * nq],
            state_aht: vec![ZERO; c],
            state_fte: vec![ZERO; nq],
            state_labour: vec![ZERO; nq],
            recount: vec![false; nq],
            guests,
            hosted,
            totals: vec![Totals::default(); case.scenarios.len()],
            recording: recording(layout),
        }
    }

    /// The last block's results, one [`Lanes`] per result column.
    pub fn rows(&self) -> &[Lanes] {
        &self.rows
    }

    /// Run iterations `first..first + active` (active <= LANES). Results
    /// stay in the workspace ([`Workspace::rows`]); monthly quantities are
    /// added to `out.sums`, lanes in the monthly sample are kept.
    ///
    /// The same code runs compiled for the widest vectors the processor
    /// has: AVX-512 (8 lanes a vector; 11% faster than AVX2 on the canonical
    /// case at 1M), AVX2 (4), or the baseline's SSE2 (2). The arithmetic is
    /// the same IEEE operations in the same order, and the compiler forms
    /// no fused multiply-add of its own: the only ones are `exp`'s explicit
    /// `mul_add`s, exactly rounded on every build (the vector builds are
    /// compiled for FMA; the baseline calls libm's `fma`). So all three
    /// give the same numbers (tested).
    #[allow(clippy::too_many_arguments)]
    pub fn run_block(
        &mut self,
        case: &Case,
        layout: &Layout,
        sampler: &Sampler,
        seed: u64,
        first: u64,
        active: usize,
        out: BlockOutput<'_>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            // SAFETY: the processor has these AVX-512 sets (and so AVX2)
            // and FMA, checked just above.
            unsafe { self.run_block_avx512(case, layout, sampler, seed, first, active, out) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the processor has AVX2 and FMA, checked just above.
            unsafe { self.run_block_avx2(case, layout, sampler, seed, first, active, out) };
            return;
        }
        self.run_block_generic(case, layout, sampler, seed, first, active, out);
    }

    block_build!(run_block_avx512, "avx512f,avx512dq,avx512vl,avx2,fma");
    block_build!(run_block_avx2, "avx2,fma");

    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn run_block_generic(
        &mut self,
        case: &Case,
        layout: &Layout,
        sampler: &Sampler,
        seed: u64,
        first: u64,
        active: usize,
        out: BlockOutput<'_>,
    ) {
        let (months, nc) = (layout.months, layout.channels);
        debug_assert!((1..=LANES).contains(&active));

        // Draws: each iteration from its own stream, inputs then noise, all
        // lanes at once (each from its own generator, as if drawn lane by
        // lane). Lanes past `active` repeat the last iteration (and are
        // ignored).
        for lane in 0..LANES {
            let iteration = first + lane.min(active - 1) as u64;
            self.streams.set(lane, &iteration_rng(seed, iteration));
        }
        sampler.draw_lanes(&mut self.streams, &mut self.values, &mut self.normals, &mut self.scores);
        // The standard normal scores of the noise, by channel and month;
        // turned into lognormal factors below.
        for (c, noise) in self.noise.iter().enumerate() {
            if noise.is_some() {
                for m in 0..months {
                    self.volume[m * nc + c] = self.streams.standard_normals();
                }
            }
        }
        for q in &mut self.queues {
            q.load(&self.values);
        }
        let v = &self.values;
        let nq = self.queues.len();
        let mut record = Recorder {
            sums: out.sums,
            keep: out.keep,
            kept: out.kept,
            stride: out.stride,
            first_row: out.first_row,
            mask: std::array::from_fn(|l| if l < active { u64::MAX } else { 0 }),
            full: active == LANES,
            how: &self.recording,
        };

        // Baseline (section 5): V, P, F per channel and month.
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
                }
                self.volume[k] = volume;
                if let Some(q) = queue {
                    let per_fte = v[ch.staffing.as_ref().map_or(0, |s| s.cost_per_fte)];
                    let mut fte_price = ZERO;
                    for l in 0..LANES {
                        fte_price[l] = per_fte[l].max(0.0) * inflation[l];
                    }
                    self.fte_price[m * nq + q] = fte_price;
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
        let step_discount = monthly_factor(&v[case.model.discount_rate], -1.0 / 12.0);
        let mut discount = [1.0; LANES];
        let mut baseline_total = ZERO;
        let rows = &mut self.rows;
        for f in 0..layout.fiscal_years {
            rows[layout.baseline_fy + f] = ZERO;
        }
        for m in 0..months {
            for l in 0..LANES {
                discount[l] *= step_discount[l];
            }
            self.discount[m] = discount;
            let (mut cost, mut volume) = (ZERO, ZERO);
            for (q, queue) in self.queues.iter().enumerate() {
                let (fte, labour) =
                    queue.staff(&self.volume[m * nc + queue.channel], &[1.0; LANES], &self.fte_price[m * nq + q]);
                self.base_fte[m * nq + q] = fte;
                self.base_labour[m * nq + q] = labour;
                record.put(layout.fte_index(0, m, q), &fte);
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

        // Scenarios: initiatives applied in order; after each one the cost
        // of the portfolio so far, for the bridge. A scenario whose
        // initiatives begin another's is closed within that one's loop
        // ([`Workspace::guests`]).
        for (s, scenario) in case.scenarios.iter().enumerate() {
            if self.hosted[s] {
                continue;
            }
            let guests = &self.guests[s];
            let cols = &layout.scenarios[s];
            let steps = &mut self.step_npv[..cols.steps];
            let steps_net = &mut self.step_net[..cols.steps];
            steps.fill(ZERO);
            steps_net.fill(ZERO);
            for g in std::iter::once(s).chain(guests.iter().map(|&(_, g)| g)) {
                self.totals[g] = Totals::default();
                for f in 0..layout.fiscal_years {
                    rows[layout.scenarios[g].fy_cost + f] = ZERO;
                }
            }
            for m in 0..months {
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
                let mut closing = guests.iter().peekable();
                for (j, &k) in scenario.initiatives.iter().enumerate() {
                    let init = &case.initiatives[k];
                    if m >= init.start {
                        let settle = layout.bridge || Some(j) == last_started;
                        let ramp = self.ramp[k * months + m];
                        let mut w = ZERO;
                        for l in 0..LANES {
                            w[l] = ramp * v[init.success][l];
                        }
                        apply_effects(
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
                            for (q, queue) in self.queues.iter().enumerate() {
                                if std::mem::take(&mut self.recount[q]) {
                                    let c = queue.channel;
                                    let (fte, labour) = queue.staff(
                                        &self.state_volume[c],
                                        &self.state_aht[c],
                                        &self.fte_price[m * nq + q],
                                    );
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
                    let discount = self.discount[m];
                    let (mut npv, mut net) = (steps[j], steps_net[j]);
                    for l in 0..LANES {
                        let saving = base[l] - cost[l];
                        npv[l] += saving * discount[l];
                        net[l] += saving;
                    }
                    (steps[j], steps_net[j]) = (npv, net);
                    // A guest's month ends where its initiatives do.
                    while let Some(&(_, g)) = closing.next_if(|&&(last, _)| last == j) {
                        let month = MonthEnd { s: g, m, base: &base, cost: &cost };
                        let state = ScenarioState {
                            volume: &self.state_volume,
                            price: &self.state_price,
                            fte: &self.state_fte,
                            labour: &self.state_labour,
                        };
                        let fy = &mut rows[layout.scenarios[g].fy_cost + self.fy_of_month[m]];
                        let fixed = &self.fixed[base_row.clone()];
                        close_month(layout, &mut record, month, &mut self.totals[g], fy, state, fixed, &self.queue_of);
                    }
                }
                let month = MonthEnd { s, m, base: &base, cost: &cost };
                let state = ScenarioState {
                    volume: &self.state_volume,
                    price: &self.state_price,
                    fte: &self.state_fte,
                    labour: &self.state_labour,
                };
                let fy = &mut rows[cols.fy_cost + self.fy_of_month[m]];
                let fixed = &self.fixed[base_row.clone()];
                close_month(layout, &mut record, month, &mut self.totals[s], fy, state, fixed, &self.queue_of);
            }
            // A guest's steps are the host's first ones: the same initiatives
            // applied to the same state in the same order.
            for g in std::iter::once(s).chain(guests.iter().map(|&(_, g)| g)) {
                let n = layout.scenarios[g].steps;
                let totals = &self.totals[g];
                finish_scenario(case, layout, &mut record, g, v, totals, &steps[..n], &steps_net[..n], rows);
            }
        }
    }

    /// The last block's value of every input, one [`Lanes`] per input.
    pub fn values(&self) -> &[Lanes] {
        &self.values
    }
}

/// Per scenario, the scenario whose month loop computes it: the longest
/// (then the first) whose initiatives begin with its own, itself when none
/// does. Only with the bridge's settling after every initiative: comparing
/// portfolios settles only after a scenario's last one, so a scenario's
/// state partway through another's is not its own.
fn hosts(case: &Case, bridge: bool) -> Vec<usize> {
    let lists: Vec<&[usize]> = case.scenarios.iter().map(|s| s.initiatives.as_slice()).collect();
    (0..lists.len())
        .map(|s| {
            if !bridge || lists[s].is_empty() {
                return s;
            }
            (0..lists.len())
                .filter(|&h| lists[h].starts_with(lists[s]))
                .max_by_key(|&h| (lists[h].len(), std::cmp::Reverse(h)))
                .unwrap_or(s)
        })
        .collect()
}

/// Whether the processor has the AVX-512 sets the block's widest build
/// is compiled for.
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512dq")
        && std::is_x86_feature_detected!("avx512vl")
        && std::is_x86_feature_detected!("fma")
}

/// Whether the processor has the sets the block's AVX2 build is compiled
/// for: AVX2 and FMA (every AVX2 processor has FMA; checked all the same).
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

/// Each lane's (1 + rate) to the power `exponent` (a monthly step of an
/// annual rate), through [`crate::fastmath::pow`]: `powf` is a scalar libm
/// call per lane, where this is one branch-free `ln` and `exp` a lane,
/// which vectorise. A rate that is the same on every lane (the discount
/// rate, most often) is simply computed on every lane: reusing one `powf`
/// for it, as before, saved less than it cost.
#[inline(always)]
fn monthly_factor(rate: &Lanes, exponent: f64) -> Lanes {
    let mut factor = ZERO;
    for l in 0..LANES {
        factor[l] = pow(growth_factor(rate[l]), exponent);
    }
    factor
}

/// 1 + rate for compounding, floored just above 0: validation refuses
/// rates with more than a trace of mass at or below -100%, and this keeps
/// that trace from turning into NaN (a NaN rate lands on the floor too).
/// Capped at the largest double, so that even an overflowing draw stays in
/// [`crate::fastmath::ln`]'s domain.
#[inline]
// Not `clamp`: it passes a NaN through, where `max` takes the floor.
#[allow(clippy::manual_clamp)]
fn growth_factor(rate: f64) -> f64 {
    (1.0 + rate).max(1e-12).min(f64::MAX)
}

/// The sum of a block's lanes, as a tree: halves added lane-wise, then
/// their halves, down to one number. A fixed order (the same bits in every
/// build and on any thread count) that compiles to a few vector adds and
/// shuffles instead of a chain of 15 additions.
#[inline(always)]
fn lane_total(x: &Lanes) -> f64 {
    const _: () = assert!(LANES == 16, "the tree below halves 16 lanes");
    let mut half = [0.0; 8];
    for l in 0..8 {
        half[l] = x[l] + x[l + 8];
    }
    let mut quarter = [0.0; 4];
    for l in 0..4 {
        quarter[l] = half[l] + half[l + 4];
    }
    (quarter[0] + quarter[2]) + (quarter[1] + quarter[3])
}

/// Sum lane-wise sums in lane order.
pub fn reduce_lanes(sums: &[Lanes]) -> Vec<f64> {
    sums.iter()
        .map(|s| {
            let mut total = 0.0;
            for x in s {
                total += x;
            }
            total
        })
        .collect()
}

/// Adds a block's monthly quantities to the sums (active lanes only) and
/// keeps those of the lanes in the monthly sample.
struct Recorder<'a> {
    sums: &'a mut [f64],
    keep: &'a mut [f32],
    kept: usize,
    stride: usize,
    first_row: usize,
    /// All ones for the block's active lanes, zero for the others.
    mask: [u64; LANES],
    /// Every lane active (every block but, at most, a run's last one):
    /// its lanes are added as they are, bit for bit what the mask leaves
    /// of them. Masking every quantity anyway cost about 5% of the block
    /// on AVX2 (the mask rebuilt and ANDed in, a quantity at a time).
    full: bool,
    /// Per quantity, what is recorded of it ([`recording`]).
    how: &'a [u8],
}

/// What the recorder does with a monthly quantity, by its [`Source`]:
/// nothing (the baseline's), keep it for the sample only (a total), or
/// also add it to its sum.
const SKIP: u8 = 0;
const KEEP: u8 = 1;
const SUM: u8 = 2;

/// [`Recorder::how`] of each monthly quantity.
fn recording(layout: &Layout) -> Vec<u8> {
    layout
        .source
        .iter()
        .map(|source| match source {
            Source::Baseline(_) => SKIP,
            Source::Added => KEEP,
            Source::Recorded => SUM,
        })
        .collect()
}

impl Recorder<'_> {
    // Always inlined: a call out of the AVX2 build would run it without AVX2.
    #[inline(always)]
    fn put(&mut self, idx: usize, x: &Lanes) {
        // No entry when the monthly quantities are off
        // (Layout::without_monthly): nothing is recorded.
        debug_assert!(self.how.is_empty() || idx < self.how.len(), "monthly quantity {idx} of {}", self.how.len());
        let Some(&how) = self.how.get(idx) else { return };
        if how == SKIP {
            return;
        }
        // A copy the compiler keeps in registers; working through the
        // reference instead took 5% more instructions in the block.
        let x = *x;
        if how == SUM {
            // Inactive lanes add +0.0 (masked, whatever they hold). The
            // block's lanes are added up before they reach the sum: one
            // number a quantity keeps every sum of the block in the
            // first-level cache (16 lanes a quantity were 236 KB on the
            // canonical case, streamed through the second level by every
            // block).
            if self.full {
                self.sums[idx] += lane_total(&x);
            } else {
                let mut masked = ZERO;
                for l in 0..LANES {
                    masked[l] = f64::from_bits(x[l].to_bits() & self.mask[l]);
                }
                self.sums[idx] += lane_total(&masked);
            }
        }
        if self.kept != 0 {
            // The kept lanes are consecutive rows of the sample: one
            // stretch, converted and stored as a few vector instructions.
            let at = idx * self.stride + self.first_row;
            if self.kept == LANES {
                // A fixed length: converted in registers. The general
                // case below needs the lanes in memory, and when it was
                // the only one every quantity of every block was copied to
                // the stack for it (8% of the block's instructions).
                let converted: [f32; LANES] = std::array::from_fn(|l| x[l] as f32);
                self.keep[at..at + LANES].copy_from_slice(&converted);
            } else {
                let kept = &mut self.keep[at..at + self.kept];
                for (to, &value) in kept.iter_mut().zip(&x) {
                    *to = value as f32;
                }
            }
        }
    }
}

/// A scenario's sums over the months of a block so far.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
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

/// Apply one initiative's effects at strength `w` (ramp times success),
/// adding the change in volume times price they make to `cost`. On a
/// staffed channel `reduce_cost` shortens AHT (`aht`) instead of the price
/// (spec section 10); its cost moves with the labour recounted after.
///
/// For finite volumes and prices this is repricing to rounding (a change
/// of 0 adds exactly 0). A model whose volume or price has overflowed to
/// infinity gets a NaN (empty) scenario cost where repricing gave infinity;
/// its savings and NPV were NaN either way. Guarding against that in this
/// loop cost 12% of the run, so it is not done.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn apply_effects(
    effects: &[Effect],
    v: &[Lanes],
    w: &Lanes,
    staffed: &[bool],
    volume: &mut [Lanes],
    price: &mut [Lanes],
    aht: &mut [Lanes],
    cost: &mut Lanes,
) {
    for effect in effects {
        let share = &v[effect.share()];
        let mut a = ZERO;
        for l in 0..LANES {
            a[l] = share[l] * w[l];
        }
        match effect {
            Effect::Avoid { channels, .. } => {
                for &c in channels {
                    let (volume, price) = (&mut volume[c], &price[c]);
                    for l in 0..LANES {
                        let after = volume[l] * (1.0 - a[l]);
                        cost[l] += (after - volume[l]) * price[l];
                        volume[l] = after;
                    }
                }
            }
            Effect::Deflect { from, to, leak, .. } => {
                let leak = &v[*leak];
                let mut moved = ZERO;
                let (source, source_price) = (&mut volume[*from], &price[*from]);
                for l in 0..LANES {
                    moved[l] = source[l] * a[l];
                    let after = source[l] - moved[l] * (1.0 - leak[l]);
                    cost[l] += (after - source[l]) * source_price[l];
                    source[l] = after;
                }
                if let Some(to) = to {
                    let (destination, destination_price) = (&mut volume[*to], &price[*to]);
                    for l in 0..LANES {
                        let after = destination[l] + moved[l];
                        cost[l] += (after - destination[l]) * destination_price[l];
                        destination[l] = after;
                    }
                }
            }
            Effect::ReduceCost { channels, .. } => {
                for &c in channels {
                    if staffed[c] {
                        for l in 0..LANES {
                            aht[c][l] *= 1.0 - a[l];
                        }
                    } else {
                        let (volume, price) = (&volume[c], &mut price[c]);
                        for l in 0..LANES {
                            let after = price[l] * (1.0 - a[l]);
                            cost[l] += volume[l] * (after - price[l]);
                            price[l] = after;
                        }
                    }
                }
            }
        }
    }
}

/// The first (1-based) month from which the cumulative saving stays >= 0
/// through the horizon, given the last month (1-based, 0 for none) in which
/// it was negative; NaN when it is negative at the end (spec section 6).
#[inline]
pub fn payback_month(final_cumulative: f64, last_negative: f64) -> f64 {
    if final_cumulative < 0.0 { f64::NAN } else { last_negative + 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lanes(x: f64) -> Lanes {
        [x; LANES]
    }

    /// Rates outside what validation lets through still give a growth
    /// factor inside `ln`'s domain (its debug assertion checks it): a NaN or
    /// a rate at or below -100% the floor's step, an infinite one the
    /// largest double's.
    #[test]
    fn monthly_factors_of_stray_rates_stay_finite() {
        let floor = pow(1e-12, 1.0 / 12.0);
        assert_eq!(monthly_factor(&[f64::NAN; LANES], 1.0 / 12.0), [floor; LANES]);
        assert_eq!(monthly_factor(&[-3.0; LANES], 1.0 / 12.0), [floor; LANES]);
        let top = monthly_factor(&[f64::INFINITY; LANES], 1.0 / 12.0);
        assert_eq!(top, [pow(f64::MAX, 1.0 / 12.0); LANES]);
        assert!(top[0].is_finite() && top[0] > 1e25);
        assert_eq!(monthly_factor(&[0.0; LANES], -1.0 / 12.0), [1.0; LANES]);
    }

    #[test]
    fn payback_edge_cases() {
        assert_eq!(payback_month(10.0, 0.0), 1.0, "never negative: month 1");
        assert_eq!(payback_month(10.0, 1.0), 2.0);
        assert_eq!(payback_month(0.0, 5.0), 6.0, "zero counts as paid back");
        assert!(payback_month(-1.0, 36.0).is_nan(), "negative at M: none");
    }

    #[test]
    fn deflection_conserves_contacts() {
        // share 0.2 (input 0), leak 0.25 (input 1), w = 0.5: a = 0.1.
        let v = [lanes(0.2), lanes(0.25)];
        let effects = [Effect::Deflect { from: 0, to: Some(1), share: 0, leak: 1 }];
        let mut volume = [lanes(1000.0), lanes(500.0)];
        let mut price = [lanes(5.0), lanes(0.1)];
        let mut aht = [lanes(1.0), lanes(1.0)];
        let mut cost = lanes(0.0);
        apply_effects(&effects, &v, &lanes(0.5), &[false; 2], &mut volume, &mut price, &mut aht, &mut cost);
        let moved = 100.0;
        assert!((volume[0][3] - (1000.0 - moved * 0.75)).abs() < 1e-9);
        assert!((volume[1][3] - (500.0 + moved)).abs() < 1e-9);
        // Moved contacts are not lost: agent contacts removed plus leaked
        // ones equal the self-service sessions added.
        let removed = 1000.0 - volume[0][0];
        assert!((removed + moved * 0.25 - (volume[1][0] - 500.0)).abs() < 1e-9);
        assert_eq!(price, [lanes(5.0), lanes(0.1)]);
    }

    #[test]
    fn a_failed_lane_is_untouched() {
        let v = [lanes(0.5)];
        let mut w = lanes(1.0);
        w[2] = 0.0;
        let mut volume = [lanes(100.0)];
        let mut price = [lanes(2.0)];
        let mut aht = [lanes(1.0)];
        let mut cost = lanes(200.0);
        apply_effects(
            &[Effect::Avoid { channels: vec![0], share: 0 }],
            &v,
            &w,
            &[false],
            &mut volume,
            &mut price,
            &mut aht,
            &mut cost,
        );
        apply_effects(
            &[Effect::ReduceCost { channels: vec![0], share: 0 }],
            &v,
            &w,
            &[false],
            &mut volume,
            &mut price,
            &mut aht,
            &mut cost,
        );
        assert_eq!((volume[0][2], price[0][2]), (100.0, 2.0));
        assert_eq!(cost[2], 200.0, "a failed lane's cost does not move, not even by rounding (finite inputs)");
        assert_eq!((volume[0][0], price[0][0]), (50.0, 1.0));
    }

    #[test]
    fn deflection_without_destination_vanishes() {
        let v = [lanes(0.5), lanes(0.0)];
        let mut volume = [lanes(100.0), lanes(7.0)];
        let mut price = [lanes(1.0), lanes(1.0)];
        let mut aht = [lanes(1.0), lanes(1.0)];
        let mut cost = lanes(0.0);
        apply_effects(
            &[Effect::Deflect { from: 0, to: None, share: 0, leak: 1 }],
            &v,
            &lanes(1.0),
            &[false; 2],
            &mut volume,
            &mut price,
            &mut aht,
            &mut cost,
        );
        assert_eq!(cost[0], -50.0, "vanished contacts no longer cost");
        assert_eq!((volume[0][0], volume[1][0]), (50.0, 7.0));
    }

    /// The running cost the month loop settles from: the baseline's moved by
    /// each effect's change. It must match pricing the final state directly,
    /// to rounding, through any mix of effects on shared channels.
    #[test]
    fn running_cost_matches_the_state_priced_directly() {
        // Inputs: shares 0.3, 0.1, 0.25 and leak 0.2; lanes differ in weight.
        let v = [lanes(0.3), lanes(0.1), lanes(0.25), lanes(0.2)];
        let w: Lanes = std::array::from_fn(|l| l as f64 / (LANES - 1) as f64);
        let effects = [
            Effect::Deflect { from: 0, to: Some(2), share: 0, leak: 3 },
            Effect::Avoid { channels: vec![0, 1, 2], share: 1 },
            Effect::ReduceCost { channels: vec![0, 2], share: 2 },
            Effect::Deflect { from: 1, to: None, share: 2, leak: 3 },
        ];
        let mut volume = [lanes(120_000.0), lanes(60_000.0), lanes(400_000.0)];
        let mut price = [lanes(8.0), lanes(4.5), lanes(0.1)];
        let mut aht = [lanes(1.0); 3];
        let priced = |volume: &[Lanes], price: &[Lanes], l: usize| -> f64 {
            volume.iter().zip(price).map(|(v, p)| v[l] * p[l]).sum()
        };
        let mut cost: Lanes = std::array::from_fn(|l| priced(&volume, &price, l));
        apply_effects(&effects, &v, &w, &[false; 3], &mut volume, &mut price, &mut aht, &mut cost);
        for l in 0..LANES {
            let direct = priced(&volume, &price, l);
            // A few roundings of terms near 1e6 each.
            assert!((cost[l] - direct).abs() <= 1e-15 * 1.3e6 * 16.0, "lane {l}: {} vs {direct}", cost[l]);
        }
        assert!(cost[LANES - 1] < cost[0] - 1e5, "the full-weight lane saves");
        assert_eq!(aht, [lanes(1.0); 3], "unstaffed: prices move, not AHT");
    }

    /// Labour moves the running cost at each recount. The bridge recounts a
    /// staffed queue after every initiative that touches it, comparing
    /// portfolios only after the month's last: the NPV must be the same to
    /// rounding, or labour is counted twice or missed in one of them.
    #[test]
    fn staffed_npv_is_the_same_settled_once_or_after_every_initiative() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/acme-staffed-roadmap.toml");
        let case = crate::validate::load_case(&path).expect("the staffed example loads").value;
        let bridge = Layout::new(&case);
        let portfolios = bridge.clone().for_portfolios(&case);
        assert!(!bridge.staffed.is_empty() && bridge.bridge && !portfolios.bridge);
        let sampler = Sampler::new(&case);
        let npv_of = |layout: &Layout, first: u64| -> Vec<(Lanes, Lanes)> {
            let mut ws = Workspace::new(&case, layout);
            let mut sums = vec![0.0; layout.monthly_quantities()];
            let out = BlockOutput { sums: &mut sums, keep: &mut [], kept: 0, stride: 0, first_row: 0 };
            ws.run_block(&case, layout, &sampler, 7, first, LANES, out);
            let rows = ws.rows();
            layout.scenarios.iter().map(|c| (rows[c.npv], rows[layout.baseline_cost])).collect()
        };
        for first in [0, 1_000, 123_456] {
            for ((npv, baseline), (settled_once, _)) in
                npv_of(&bridge, first).into_iter().zip(npv_of(&portfolios, first))
            {
                for l in 0..LANES {
                    // Some hundreds of roundings of month costs, each within
                    // 2^-52 of the horizon's baseline cost.
                    let tolerance = 1e-13 * baseline[l];
                    assert!(npv[l].abs() > 1e4, "the roadmap moves the NPV");
                    assert!(
                        (npv[l] - settled_once[l]).abs() <= tolerance,
                        "lane {l}: {} vs {}",
                        npv[l],
                        settled_once[l]
                    );
                }
            }
        }
    }

    /// A scenario whose initiatives begin another's is closed inside that
    /// one's month loop: every result and monthly quantity of it must be,
    /// bit for bit, what it gets computed on its own, flat and staffed.
    #[test]
    fn a_scenario_within_another_gets_what_it_gets_alone() {
        for file in ["scenarios/acme-ai-roadmap.toml", "scenarios/acme-staffed-roadmap.toml"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let case = crate::validate::load_case(&path).expect("the example loads").value;
            assert_eq!(hosts(&case, true), vec![1, 1, 2], "{file}: Quick wins is inside Full roadmap");
            assert_eq!(hosts(&case, false), vec![0, 1, 2], "{file}: portfolios settle only at the end");
            let mut alone = case.clone();
            alone.scenarios.truncate(1);
            let run = |case: &Case| {
                let layout = Layout::new(case);
                let sampler = Sampler::new(case);
                let mut ws = Workspace::new(case, &layout);
                let mut sums = vec![0.0; layout.monthly_quantities()];
                let out = BlockOutput { sums: &mut sums, keep: &mut [], kept: 0, stride: 0, first_row: 0 };
                ws.run_block(case, &layout, &sampler, 11, 4_096, LANES, out);
                let c = &layout.scenarios[0];
                let mut columns = vec![c.cost, c.net_savings, c.investment, c.roi, c.payback, c.npv];
                columns.extend((0..layout.fiscal_years).flat_map(|f| [c.fy_cost + f, c.fy_saving + f]));
                columns.extend((0..c.steps).map(|j| c.contribution + j));
                let mut quantities: Vec<usize> = (0..layout.months)
                    .flat_map(|m| {
                        let channels = (0..=layout.channels)
                            .flat_map(move |ch| [MonthlyMetric::Volume, MonthlyMetric::Cost].map(|k| (ch, k)));
                        let mut q: Vec<usize> = channels.map(|(ch, k)| layout.monthly_index(1, m, ch, k)).collect();
                        q.push(layout.cumulative_index(0, m));
                        q.extend((0..layout.staffed.len()).map(|k| layout.fte_index(1, m, k)));
                        q
                    })
                    .collect();
                quantities.extend((0..c.steps).map(|j| layout.waterfall_index(0, j)));
                let bits = |x: &Lanes| x.map(f64::to_bits);
                let results: Vec<_> = columns.iter().map(|&k| bits(&ws.rows()[k])).collect();
                let monthly: Vec<_> = quantities.iter().map(|&q| sums[q].to_bits()).collect();
                (results, monthly)
            };
            let (within, alone) = (run(&case), run(&alone));
            assert!(within.0.iter().flatten().any(|&b| f64::from_bits(b) > 1e4), "{file}: the scenario saves");
            assert_eq!(within, alone, "{file}");
        }
    }

    /// The month loop records only the quantities that are news
    /// ([`Source`]). Against recording every one, on every shipped example:
    /// a quantity said to be the baseline's has the baseline's value in
    /// every iteration, bit for bit (its kept sample), and the sums filled
    /// in afterwards (totals, cumulative saving, scenario cost with capex
    /// and opex) are the recorded ones to rounding.
    #[test]
    fn quantities_left_out_of_recording_are_what_recording_gives() {
        for file in [
            "scenarios/acme-ai-roadmap.toml",
            "scenarios/acme-staffed-roadmap.toml",
            "scenarios/acme-portfolio.toml",
            "scenarios/contoso-digital-care.toml",
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let case = crate::validate::load_case(&path).expect("the example loads").value;
            let lean = Layout::new(&case);
            let mut every = lean.clone();
            every.source = vec![Source::Recorded; lean.monthly_quantities()];
            let sampler = Sampler::new(&case);
            let q = lean.monthly_quantities();
            let run = |layout: &Layout| {
                let mut ws = Workspace::new(&case, layout);
                let (mut sums, mut keep) = (vec![0.0; q], vec![0.0f32; q * LANES]);
                let mut input_sums = vec![0.0; layout.inputs.len()];
                for first in [0, 5_000, 90_000] {
                    let out =
                        BlockOutput { sums: &mut sums, keep: &mut keep, kept: LANES, stride: LANES, first_row: 0 };
                    ws.run_block(&case, layout, &sampler, 5, first, LANES, out);
                    for (k, &input) in layout.inputs.iter().enumerate() {
                        input_sums[k] += ws.values()[input].iter().sum::<f64>();
                    }
                }
                layout.complete_sums(&case, &mut sums, &input_sums, 3 * LANES);
                (sums, keep)
            };
            let ((lean_sums, lean_keep), (sums, keep)) = (run(&lean), run(&every));
            let (mut aliased, mut added) = (0, 0);
            for (idx, &source) in lean.source.iter().enumerate() {
                let sample = |keep: &[f32], idx: usize| {
                    keep[idx * LANES..(idx + 1) * LANES].iter().map(|x| x.to_bits()).collect::<Vec<_>>()
                };
                match source {
                    Source::Recorded => {
                        assert_eq!(lean_sums[idx].to_bits(), sums[idx].to_bits(), "{file}: quantity {idx}")
                    }
                    Source::Baseline(from) => {
                        aliased += 1;
                        assert_eq!(
                            sample(&keep, idx),
                            sample(&keep, from),
                            "{file}: quantity {idx} is not the baseline's {from}"
                        );
                        if lean.source[from] == Source::Recorded {
                            assert_eq!(lean_sums[idx].to_bits(), sums[idx].to_bits(), "{file}: quantity {idx}");
                        } else {
                            assert_eq!(lean_sums[idx].to_bits(), lean_sums[from].to_bits(), "{file}: quantity {idx}");
                        }
                    }
                    Source::Added => {
                        added += 1;
                        assert_eq!(sample(&lean_keep, idx), sample(&keep, idx), "{file}: quantity {idx} kept");
                        let scale = sums[idx]
                            .abs()
                            .max(sums[lean.monthly_index(0, 0, lean.channels, MonthlyMetric::Cost)].abs());
                        assert!(
                            (lean_sums[idx] - sums[idx]).abs() <= 1e-12 * scale,
                            "{file}: quantity {idx}: {} vs {}",
                            lean_sums[idx],
                            sums[idx]
                        );
                    }
                }
            }
            assert!(aliased > 0 && added > 0, "{file}: {aliased} aliased, {added} added");
        }
    }

    /// The builds for wider vectors compute the same numbers, bit for bit,
    /// as the baseline build: flat and staffed, whole and partial blocks.
    #[test]
    fn every_vector_width_gives_the_same_bits() {
        for file in ["scenarios/acme-ai-roadmap.toml", "scenarios/acme-staffed-roadmap.toml"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let case = crate::validate::load_case(&path).expect("the example loads").value;
            let layout = Layout::new(&case);
            let sampler = Sampler::new(&case);
            let q = layout.monthly_quantities();
            // Which build runs a block: 0 baseline, 1 AVX2, 2 AVX-512.
            let run = |build: usize, first: u64, active: usize| {
                let mut ws = Workspace::new(&case, &layout);
                let mut sums = vec![0.0; q];
                let mut keep = vec![0.0f32; q * LANES];
                let out = BlockOutput { sums: &mut sums, keep: &mut keep, kept: active, stride: LANES, first_row: 0 };
                match build {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: only called when the processor has the features.
                    1 => unsafe { ws.run_block_avx2(&case, &layout, &sampler, 3, first, active, out) },
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: as above.
                    2 => unsafe { ws.run_block_avx512(&case, &layout, &sampler, 3, first, active, out) },
                    _ => ws.run_block_generic(&case, &layout, &sampler, 3, first, active, out),
                }
                let rows: Vec<[u64; LANES]> = ws.rows().iter().map(|r| r.map(f64::to_bits)).collect();
                let sums: Vec<u64> = sums.iter().map(|x| x.to_bits()).collect();
                (rows, sums, keep.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
            };
            let mut builds = vec![];
            #[cfg(target_arch = "x86_64")]
            {
                if has_avx2() {
                    builds.push(1);
                }
                if has_avx512() {
                    builds.push(2);
                }
            }
            for (first, active) in [(0, LANES), (50_000, LANES), (777, 5)] {
                let baseline = run(0, first, active);
                for &build in &builds {
                    assert!(run(build, first, active) == baseline, "{file}: build {build}, block at {first}");
                }
            }
        }
    }

    /// The canonical business case (Acme Retail's AI roadmap), loaded.
    fn canonical_case() -> Case {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/acme-ai-roadmap.toml");
        crate::validate::load_case(&path).expect("the example loads").value
    }

    /// A partial block adds only its active lanes to the sums: a block of
    /// 5 then one of the next 11 iterations sum to what one whole block of
    /// those 16 does (to rounding: the lanes are added in another order).
    /// Lanes past the active ones repeat the last iteration, so a sum that
    /// took them in would be off by up to 11 of its values.
    #[test]
    fn a_partial_block_sums_only_its_active_lanes() {
        let case = canonical_case();
        let (layout, sampler) = (Layout::new(&case), Sampler::new(&case));
        let mut ws = Workspace::new(&case, &layout);
        let sums = |ws: &mut Workspace, parts: &[(u64, usize)]| {
            let mut sums = vec![0.0; layout.monthly_quantities()];
            for &(first, active) in parts {
                let out = BlockOutput { sums: &mut sums, keep: &mut [], kept: 0, stride: 0, first_row: 0 };
                ws.run_block(&case, &layout, &sampler, 9, first, active, out);
            }
            sums
        };
        let whole = sums(&mut ws, &[(320, LANES)]);
        let split = sums(&mut ws, &[(320, 5), (325, LANES - 5)]);
        let summed = whole.iter().filter(|x| **x != 0.0).count();
        assert!(summed > 1000, "only {summed} quantities summed");
        for (q, (a, b)) in whole.iter().zip(&split).enumerate() {
            assert!((a - b).abs() <= 1e-12 * a.abs(), "quantity {q}: whole block {a}, split {b}");
        }
    }

    /// The monthly sample holds the lanes the sums add up: a whole block
    /// kept (the fixed-length path) and the same block's first 5 kept (the
    /// general one) store the same rows, and each summed quantity's kept
    /// lanes add up to its sum to f32 rounding.
    #[test]
    fn the_kept_lanes_are_the_summed_ones() {
        let case = canonical_case();
        let (layout, sampler) = (Layout::new(&case), Sampler::new(&case));
        let mut ws = Workspace::new(&case, &layout);
        let q = layout.monthly_quantities();
        let mut run = |kept: usize, stride: usize, first_row: usize| {
            let (mut sums, mut keep) = (vec![0.0; q], vec![f32::NAN; q * stride]);
            let out = BlockOutput { sums: &mut sums, keep: &mut keep, kept, stride, first_row };
            ws.run_block(&case, &layout, &sampler, 13, 2_048, LANES, out);
            (sums, keep)
        };
        let bits = |x: &[f32]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let (sums, whole) = run(LANES, LANES, 0);
        let (_, first) = run(5, LANES, 0);
        // The block as the second of three in a batch's sample: each
        // quantity's rows LANES..2 LANES of a stride of 3 LANES.
        let (_, placed) = run(LANES, 3 * LANES, LANES);
        for idx in 0..q {
            let row = &placed[idx * 3 * LANES..(idx + 1) * 3 * LANES];
            assert_eq!(
                bits(&row[LANES..2 * LANES]),
                bits(&whole[idx * LANES..(idx + 1) * LANES]),
                "quantity {idx} placed"
            );
            assert!(
                row[..LANES].iter().chain(&row[2 * LANES..]).all(|x| x.is_nan()),
                "quantity {idx}: written outside its rows"
            );
        }
        let mut summed = 0;
        for idx in 0..q {
            let (all, five) = (&whole[idx * LANES..(idx + 1) * LANES], &first[idx * LANES..(idx + 1) * LANES]);
            if all.iter().all(|x| x.is_nan()) {
                assert!(five.iter().all(|x| x.is_nan()), "quantity {idx}: kept from 5 lanes only");
                continue; // not recorded (read from the baseline)
            }
            assert_eq!(bits(&all[..5]), bits(&five[..5]), "quantity {idx}: the first 5 kept");
            assert!(five[5..].iter().all(|x| x.is_nan()), "quantity {idx}: kept past the 5 rows");
            if sums[idx] != 0.0 {
                summed += 1;
                let kept: f64 = all.iter().map(|&x| f64::from(x)).sum();
                let bound: f64 = all.iter().map(|&x| f64::from(x).abs()).sum::<f64>() * 1e-7;
                assert!(
                    (kept - sums[idx]).abs() <= bound,
                    "quantity {idx}: kept lanes add to {kept}, sum {}",
                    sums[idx]
                );
            }
        }
        assert!(summed > 1000, "only {summed} quantities summed");
    }
}
