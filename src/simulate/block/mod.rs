//! The month loop of spec sections 5 and 6, for a block of [`LANES`]
//! iterations at once.
//!
//! Each iteration still draws from its own generator, in the same order
//! (sampled-once inputs, then noise by channel and month); only the
//! arithmetic runs lane by lane, with the lane loop innermost so the
//! compiler turns it into SIMD. Branches depend on the month and the
//! initiative, never on a lane's draws: a failed initiative simply has
//! weight 0.
//!
//! A block runs in stages, each in its own module: the draws (here), the
//! [`baseline`], the [`scenarios`] with their initiatives' [`effects`] and
//! staffed channels' [`queue`]s, and the [`recorder`] that keeps the monthly
//! quantities. Every stage is inlined into one function per instruction
//! set ([`crate::isa`]).

mod baseline;
mod effects;
mod headcount;
mod interval;
mod lanes;
mod queue;
mod recorder;
mod scenarios;
mod surface;
#[cfg(test)]
mod tests;

pub use lanes::{LANES, Lanes, reduce_lanes};
pub use scenarios::payback_month;

use super::fitted::FittedLanes;
use super::layout::Layout;
use super::normals::LaneStreams;
use super::sampler::Sampler;
use super::stream::iteration_rng;
use crate::isa::Isa;
use crate::model::{Case, Effect};
use headcount::{HeadcountQueue, Path, StepPath};
use lanes::ZERO;
use queue::Queue;
use recorder::{Recorder, recording};
use scenarios::Totals;

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
    /// Each step's net saving through the end of each fiscal year,
    /// year-major (f * max_steps + j), for the bridge by fiscal year; empty
    /// without finance columns.
    step_through_fy: Vec<Lanes>,
    max_steps: usize,
    /// Per month: the fiscal year it ends, if it is one's last month.
    fy_end: Vec<Option<usize>>,
    /// Per initiative: the fiscal year its capex is paid in, the months
    /// its capex is spread over in the P&L, and those charged to each
    /// fiscal year (initiative-major) ([`crate::model::Initiative::depreciation_schedule`]).
    capex_fy: Vec<usize>,
    depreciation_span: Vec<f64>,
    depreciation_months: Vec<f64>,
    /// Per result column, one value per lane.
    rows: Vec<Lanes>,
    /// Ramp weight w(k, m) before the success draw, initiative-major.
    ramp: Vec<f64>,
    fy_of_month: Vec<usize>,
    /// Per channel: (mu, sigma) of the lognormal noise, None without noise.
    noise: Vec<Option<(f64, f64)>>,
    /// Calendar month index (0 = January) of each horizon month.
    calendar: Vec<usize>,
    /// Fitted channels' parameters and AR(1) error, in channel order, and
    /// per channel its index among them.
    fitted: Vec<FittedLanes>,
    fitted_of: Vec<Option<usize>>,
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
    /// Whether the run records abandoned contacts (a queue with a
    /// patience, and the monthly quantities on).
    abandoned_recorded: bool,
    /// Channels with headcount rules (spec section 13), in
    /// [`Layout::headcount`] order; all below are empty without them.
    headcount: Vec<HeadcountQueue>,
    /// Scratch for one headcount path over the horizon, and each
    /// channel's baseline path, which the scenarios' steps start from.
    path: Path,
    base_path: Vec<Path>,
    /// The baseline's required FTE and the inflated severance per FTE,
    /// channel-major (h * M + m).
    base_required: Vec<Lanes>,
    severance_price: Vec<Lanes>,
    /// A scenario's required FTE after each step, step-major, then
    /// channel, then month ((j * H + h) * M + m); its paid FTE and labour
    /// the same by step slot, the baseline's first (((j + 1) * H + h) * M
    /// + m for step j).
    hc_required: Vec<Lanes>,
    hc_paid: Vec<Lanes>,
    hc_labour: Vec<Lanes>,
    /// Per scenario: each settled step's path against the previous one's,
    /// by step and channel ([`headcount::step_paths`]).
    hc_paths: Vec<Vec<StepPath>>,
    /// Per headcount channel: required FTE in the month so far, and
    /// whether its agents must be recounted.
    hc_state: Vec<Lanes>,
    hc_recount: Vec<bool>,
    /// Per initiative: its effects as the required FTE see them
    /// ([`headcount::counted_effects`]).
    hc_effects: Vec<Vec<Effect>>,
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
    /// Initiative `k`'s weight in month `m`, lane by lane: its ramp times
    /// whether it succeeded (the draw of its `success` input).
    #[inline(always)]
    fn weight(&self, k: usize, m: usize, months: usize, success: usize) -> Lanes {
        let ramp = self.ramp[k * months + m];
        let succeeded = self.values[success];
        std::array::from_fn(|l| ramp * succeeded[l])
    }

    /// Whether scenario `s`'s month loop closes a scenario's month at step
    /// `j` (its abandoned contacts then recorded at this step's volumes):
    /// at the scenario's own `last` step, or a guest's last step; never
    /// where no abandoned contacts are recorded.
    #[inline(always)]
    fn closes(&self, s: usize, j: usize, last: bool) -> bool {
        self.abandoned_recorded && (last || self.guests[s].iter().any(|&(guest_last, _)| guest_last == j))
    }

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
        let mut queues: Vec<Queue> = layout
            .staffed
            .iter()
            .map(|&c| {
                let staffing = case.model.channels[c].staffing.clone().expect("layout lists staffed channels");
                Queue::new(c, staffing, &case.inputs, case.model.start, m)
            })
            .collect();
        let headcount: Vec<HeadcountQueue> = layout
            .headcount
            .iter()
            .enumerate()
            .map(|(h, &q)| {
                queues[q].headcount = Some(h);
                let staffing = case.model.channels[layout.staffed[q]].staffing.as_ref();
                HeadcountQueue::new(
                    q,
                    staffing.and_then(|s| s.headcount.as_ref()).expect("layout lists headcount channels"),
                )
            })
            .collect();
        let nh = headcount.len();
        let paths = if nh == 0 { 0 } else { max_steps * nh * m };
        let queue_of: Vec<Option<usize>> = (0..c).map(|ch| layout.staffed.iter().position(|&s| s == ch)).collect();
        let fitted_of: Vec<Option<usize>> = {
            let mut k = 0;
            (case.model.channels.iter())
                .map(|ch| {
                    matches!(ch.baseline, crate::model::Baseline::Fitted(_)).then(|| {
                        k += 1;
                        k - 1
                    })
                })
                .collect()
        };
        let staffed: Vec<bool> = queue_of.iter().map(Option::is_some).collect();
        let touches: Vec<Vec<usize>> = case
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
        let hc_effects = headcount::counted_effects(case, &headcount, &queues);
        let hc_paths = (case.scenarios.iter())
            .map(|s| headcount::step_paths(case, layout.bridge, &s.initiatives, &touches, &headcount, m))
            .collect();
        let nq = queues.len();
        let nfy = layout.fiscal_years;
        let finance = layout.scenarios.iter().any(|c| c.finance.is_some());
        let mut fy_end = vec![None; m];
        for (f, fy) in case.model.fiscal_years.iter().enumerate() {
            fy_end[fy.months.end - 1] = Some(f);
        }
        let schedules: Vec<(f64, Vec<f64>)> =
            case.initiatives.iter().map(|init| init.depreciation_schedule(&case.model.fiscal_years)).collect();
        let capex_fy = case.initiatives.iter().map(|init| fy_of_month[init.start]).collect();
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
            step_through_fy: if finance { vec![ZERO; nfy * max_steps] } else { Vec::new() },
            max_steps,
            fy_end,
            capex_fy,
            depreciation_span: schedules.iter().map(|(span, _)| *span).collect(),
            depreciation_months: schedules.into_iter().flat_map(|(_, months)| months).collect(),
            rows: vec![ZERO; layout.width],
            ramp,
            fy_of_month,
            noise,
            calendar: (0..m).map(|k| case.model.start.plus(k).month as usize - 1).collect(),
            fitted: vec![FittedLanes::default(); fitted_of.iter().flatten().count()],
            fitted_of,
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
            abandoned_recorded: !layout.abandon.is_empty() && layout.monthly_quantities() > 0,
            path: Path::new(if nh == 0 { 0 } else { m }),
            base_path: vec![Path::new(m); nh],
            base_required: vec![ZERO; nh * m],
            severance_price: vec![ZERO; nh * m],
            hc_required: vec![ZERO; paths],
            hc_paid: vec![ZERO; paths + nh * m],
            hc_labour: vec![ZERO; paths + nh * m],
            hc_paths,
            hc_state: vec![ZERO; nh],
            hc_recount: vec![false; nh],
            hc_effects,
            headcount,
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

    /// The last block's value of every input, one [`Lanes`] per input.
    pub fn values(&self) -> &[Lanes] {
        &self.values
    }

    /// Run iterations `first..first + active` (active <= LANES). Results
    /// stay in the workspace ([`Workspace::rows`]); monthly quantities are
    /// added to `out.sums`, lanes in the monthly sample are kept.
    ///
    /// The same code runs compiled for the widest vectors the processor
    /// has ([`Isa::detected`]): AVX-512 (8 lanes a vector), AVX2 (4), or
    /// the baseline's SSE2 (2). The arithmetic is the same IEEE operations
    /// in the same order, and the compiler forms no fused multiply-add of
    /// its own: the only ones are `exp`'s explicit `mul_add`s, exactly
    /// rounded on every build (the vector builds are compiled for FMA; the
    /// baseline calls libm's `fma`). So all three give the same numbers
    /// (tested).
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
        self.run_block_with(Isa::detected(), case, layout, sampler, seed, first, active, out);
    }

    /// [`Workspace::run_block`] with the build for `isa`, which must be one
    /// of [`Isa::available`] (checked).
    #[allow(clippy::too_many_arguments)]
    pub fn run_block_with(
        &mut self,
        isa: Isa,
        case: &Case,
        layout: &Layout,
        sampler: &Sampler,
        seed: u64,
        first: u64,
        active: usize,
        out: BlockOutput<'_>,
    ) {
        assert!(isa <= Isa::detected(), "this processor does not run the {} build", isa.name());
        match isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the processor has these AVX-512 sets, AVX2 and FMA:
            // `isa` is at most what `Isa::detected` found, asserted above.
            Isa::Avx512 => unsafe { self.run_block_avx512(case, layout, sampler, seed, first, active, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the processor has AVX2 and FMA, as above.
            Isa::Avx2 => unsafe { self.run_block_avx2(case, layout, sampler, seed, first, active, out) },
            _ => self.run_block_generic(case, layout, sampler, seed, first, active, out),
        }
    }

    block_build!(run_block_avx512, "avx512f,avx512dq,avx512vl,avx2,fma");
    block_build!(run_block_avx2, "avx2,fma");

    /// The block's stages, in the order the month loop needs them.
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
        debug_assert!((1..=LANES).contains(&active));
        self.draw(sampler, seed, first, active, layout);
        for q in &mut self.queues {
            q.load(&self.values);
        }
        // The recorder borrows the recording plan while the stages borrow
        // the workspace mutably: it is moved out for the block (no copy).
        let how = std::mem::take(&mut self.recording);
        let mut record = Recorder::new(out, active, &how);
        self.baseline_channels(case, layout);
        self.baseline_costs(case, layout, &mut record);
        self.scenarios(case, layout, &mut record);
        self.recording = how;
    }

    /// Record the contacts abandoned in month `m` of `slot` (0 the
    /// baseline) on each channel whose callers hang up, from the channels'
    /// volumes and AHT factors (spec section 14).
    #[inline(never)]
    fn record_abandoned(
        queues: &[Queue],
        layout: &Layout,
        record: &mut Recorder<'_>,
        (slot, m): (usize, usize),
        volume: &[Lanes],
        aht: Option<&[Lanes]>,
    ) {
        for (a, &q) in layout.abandon.iter().enumerate() {
            let idx = layout.abandoned_index(slot, m, a);
            if record.wants(idx) {
                let queue = &queues[q];
                let c = queue.channel;
                let factor = aht.map_or([1.0; LANES], |f| f[c]);
                record.put(idx, &queue.abandoned(m, &volume[c], &factor));
            }
        }
    }

    /// The draws: each iteration from its own stream, inputs then noise,
    /// all lanes at once (each from its own generator, as if drawn lane by
    /// lane). Lanes past `active` repeat the last iteration (and are
    /// ignored). The noise's standard normal scores, by channel and month,
    /// wait in `volume` for [`Workspace::baseline_channels`].
    #[inline(always)]
    fn draw(&mut self, sampler: &Sampler, seed: u64, first: u64, active: usize, layout: &Layout) {
        let (months, nc) = (layout.months, layout.channels);
        for lane in 0..LANES {
            let iteration = first + lane.min(active - 1) as u64;
            self.streams.set(lane, &iteration_rng(seed, iteration));
        }
        sampler.draw_lanes(&mut self.streams, &mut self.values, &mut self.normals, &mut self.scores, &mut self.fitted);
        for (c, noise) in self.noise.iter().enumerate() {
            if noise.is_some() {
                for m in 0..months {
                    self.volume[m * nc + c] = self.streams.standard_normals();
                }
            }
        }
        // Fitted channels: the months between history and horizon move the
        // error on (and are discarded); the horizon's innovations after the
        // actuals wait in `volume`, as the noise's scores do.
        for (f, lanes) in sampler.fitted().iter().zip(&mut self.fitted) {
            for _ in 0..f.fitted.lead() {
                let z = self.streams.standard_normals();
                lanes.step(&z);
            }
            for m in f.fitted.actuals.len().min(months)..months {
                self.volume[m * nc + f.channel] = self.streams.standard_normals();
            }
        }
    }
}

/// Per scenario, the scenario whose month loop computes it: the longest
/// (then the first) whose initiatives begin with its own, itself when none
/// does. Only with the bridge's settling after every initiative: comparing
/// portfolios settles only after a scenario's last one, so a scenario's
/// state partway through another's is not its own.
pub(crate) fn hosts(case: &Case, bridge: bool) -> Vec<usize> {
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
