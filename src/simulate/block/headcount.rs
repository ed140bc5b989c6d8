//! Headcount on a staffed channel (spec section 13): the FTE on payroll
//! follow the FTE required through attrition, hiring with paid training,
//! and releases, so a scenario's labour saving lands when payroll falls,
//! not when the queue needs fewer agents.
//!
//! The paid FTE of a month depend on the required FTE of every earlier
//! month (attrition works down a surplus) and of the next
//! `training_months` (hires are paid while they train). So a headcount
//! channel's required FTE are worked out for the whole horizon first, for
//! the baseline and for each bridge step of a scenario, and its paid FTE
//! and labour cost follow from those paths; the month loop then reads them
//! ([`Workspace::headcount_required`], [`Workspace::headcount_paths`]).
//!
//! A step's path is the previous step's (the baseline's before the first)
//! until the first month one of its initiatives touches the channel
//! ([`step_paths`]): only the months from there are followed again, and a
//! step that does not touch the channel shares the previous one's path.

// Lanes are indexed explicitly: that is the shape the compiler vectorises.
#![allow(clippy::needless_range_loop)]

use super::Workspace;
use super::effects::apply_effects;
use super::lanes::{LANES, Lanes, ZERO};
use super::queue::Queue;
use super::recorder::Recorder;
use crate::model::{Case, Effect, InputId, Release};
use crate::simulate::layout::{HeadcountMetric, Layout};

/// A headcount channel's rules, with the inputs its lanes read.
#[derive(Debug, Clone)]
pub(super) struct HeadcountQueue {
    /// Its index in [`Workspace::queues`].
    pub(super) queue: usize,
    attrition: InputId,
    pub(super) severance_per_fte: InputId,
    training_months: usize,
    release: Release,
}

impl HeadcountQueue {
    pub(super) fn new(queue: usize, rules: &crate::model::Headcount) -> HeadcountQueue {
        HeadcountQueue {
            queue,
            attrition: rules.attrition,
            severance_per_fte: rules.severance_per_fte,
            training_months: rules.training_months,
            release: rules.release,
        }
    }
}

/// A settled step's path on a headcount channel, against the previous
/// settled step's (the baseline's before the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StepPath {
    /// The first month whose required FTE may differ from the previous
    /// step's, `months` if none does: the earliest start among the
    /// initiatives since that step that touch the channel. Before it no
    /// agents are recounted, so the required FTE, and the path that
    /// follows them, are the previous step's bit for bit.
    from: usize,
    /// The step slot whose paid FTE and labour are this step's: its own
    /// (`j + 1` for step `j`), or the previous step's when `from` is
    /// `months` (0 the baseline's).
    slot: usize,
    /// Where that slot's months of the channel start in `hc_paid` and
    /// `hc_labour`.
    at: usize,
}

/// Per settled step `j` of a scenario's `initiatives` and headcount
/// channel `h`, at `j * H + h`: its [`StepPath`].
pub(super) fn step_paths(
    case: &Case,
    bridge: bool,
    initiatives: &[usize],
    touches: &[Vec<usize>],
    headcount: &[HeadcountQueue],
    months: usize,
) -> Vec<StepPath> {
    let nh = headcount.len();
    let mut paths = vec![StepPath { from: months, slot: 0, at: 0 }; initiatives.len() * nh];
    let mut since = vec![months; nh];
    let mut slot = vec![0; nh];
    for (j, &k) in initiatives.iter().enumerate() {
        for (h, rules) in headcount.iter().enumerate() {
            if touches[k].contains(&rules.queue) {
                since[h] = since[h].min(case.initiatives[k].start);
            }
        }
        if bridge || j + 1 == initiatives.len() {
            for h in 0..nh {
                let from = std::mem::replace(&mut since[h], months);
                if from < months {
                    slot[h] = j + 1;
                }
                let at = (slot[h] * nh + h) * months;
                paths[j * nh + h] = StepPath { from, slot: slot[h], at };
            }
        }
    }
    paths
}

/// Per initiative, its effects as the pass that counts the required FTE
/// ([`Workspace::headcount_required`]) needs them: what moves the volume
/// or AHT of a headcount channel, or the volume of a channel deflected
/// into one (the contacts moved depend on it), in their order. What is
/// kept is applied as the month loop applies it, so the required FTE are
/// the same bit for bit; an initiative left with none is passed over.
pub(super) fn counted_effects(case: &Case, headcount: &[HeadcountQueue], queues: &[Queue]) -> Vec<Vec<Effect>> {
    let mut timed = vec![false; case.model.channels.len()];
    for rules in headcount {
        timed[queues[rules.queue].channel] = true;
    }
    // The headcount channels, the channels deflected into them, into
    // those, and so on.
    let mut counted = timed.clone();
    let deflections = || {
        (case.initiatives.iter().flat_map(|init| &init.effects)).filter_map(|e| match e {
            Effect::Deflect { from, to: Some(to), .. } => Some((*from, *to)),
            _ => None,
        })
    };
    while let Some((from, _)) = deflections().find(|&(from, to)| counted[to] && !counted[from]) {
        counted[from] = true;
    }
    let only =
        |channels: &[usize], kept: &[bool]| -> Vec<usize> { channels.iter().copied().filter(|&c| kept[c]).collect() };
    (case.initiatives.iter())
        .map(|init| {
            (init.effects.iter())
                .filter_map(|effect| match effect {
                    Effect::Avoid { channels, share } => {
                        let channels = only(channels, &counted);
                        (!channels.is_empty()).then_some(Effect::Avoid { channels, share: *share })
                    }
                    Effect::Deflect { from, to, share, leak } => counted[*from].then(|| Effect::Deflect {
                        from: *from,
                        to: to.filter(|&t| counted[t]),
                        share: *share,
                        leak: *leak,
                    }),
                    // Only a headcount channel's AHT is read.
                    Effect::ReduceCost { channels, share } => {
                        let channels = only(channels, &timed);
                        (!channels.is_empty()).then_some(Effect::ReduceCost { channels, share: *share })
                    }
                })
                .collect()
        })
        .collect()
}

/// One headcount path over the horizon, month by month: H(m) the FTE
/// held (paid and productive), hires, leavers and FTE released.
#[derive(Debug, Clone, Default)]
pub(super) struct Path {
    held: Vec<Lanes>,
    hires: Vec<Lanes>,
    leavers: Vec<Lanes>,
    released: Vec<Lanes>,
}

impl Path {
    pub(super) fn new(months: usize) -> Path {
        Path {
            held: vec![ZERO; months],
            hires: vec![ZERO; months],
            leavers: vec![ZERO; months],
            released: vec![ZERO; months],
        }
    }

    /// The months before `to` of `other`, which this path shares.
    #[inline(always)]
    fn copy_head(&mut self, other: &Path, to: usize) {
        self.held[..to].copy_from_slice(&other.held[..to]);
        self.hires[..to].copy_from_slice(&other.hires[..to]);
        self.leavers[..to].copy_from_slice(&other.leavers[..to]);
        self.released[..to].copy_from_slice(&other.released[..to]);
    }

    /// The rules of spec section 13 from month `from` on, along the FTE
    /// `required` each month, at monthly `attrition`, from H(from - 1) as
    /// the path holds it (H(0) = `start` when `from` is 0):
    ///
    /// ```text
    /// kept(m) = H(m-1) * (1 - attrition)
    /// if kept(m) < R(m):   hires(m) = R(m) - kept(m);  H(m) = R(m)
    /// elif by attrition:   H(m) = kept(m)
    /// else:                released(m) = kept(m) - R(m);  H(m) = R(m)
    /// ```
    #[inline(always)]
    fn follow(&mut self, from: usize, release: Release, attrition: &Lanes, start: &Lanes, required: &[Lanes]) {
        match release {
            Release::Attrition => self.follow_by::<true>(from, attrition, start, required),
            Release::Immediate => self.follow_by::<false>(from, attrition, start, required),
        }
    }

    /// [`Path::follow`] for one rule, known when compiled: the selects
    /// below are then the same for every lane, and run as vector blends.
    #[inline(always)]
    fn follow_by<const BY_ATTRITION: bool>(
        &mut self,
        from: usize,
        attrition: &Lanes,
        start: &Lanes,
        required: &[Lanes],
    ) {
        // Selects rather than branches, so the lanes run as vectors: a
        // lane with kept >= R hires 0, one with kept < R keeps R.
        let mut held = if from == 0 { *start } else { self.held[from - 1] };
        for m in from..required.len() {
            let r = required[m];
            let (mut hires, mut leavers, mut released) = (ZERO, ZERO, ZERO);
            for l in 0..LANES {
                let kept = held[l] * (1.0 - attrition[l]);
                let short = kept < r[l];
                leavers[l] = held[l] * attrition[l];
                hires[l] = if short { r[l] - kept } else { 0.0 };
                released[l] = if short || BY_ATTRITION { 0.0 } else { kept - r[l] };
                held[l] = if short || !BY_ATTRITION { r[l] } else { kept };
            }
            (self.held[m], self.hires[m], self.leavers[m], self.released[m]) = (held, hires, leavers, released);
        }
    }

    /// trainees(m): the hires of the next `training` months, paid while
    /// they train (months past the horizon count 0).
    #[inline(always)]
    fn trainees(&self, m: usize, training: usize) -> Lanes {
        let months = self.hires.len();
        let mut trainees = ZERO;
        for ahead in &self.hires[(m + 1).min(months)..(m + 1 + training).min(months)] {
            for l in 0..LANES {
                trainees[l] += ahead[l];
            }
        }
        trainees
    }
}

impl Workspace {
    /// Paid FTE and labour of headcount channel `h` along the path in
    /// [`Workspace::path`], whose months before `from` are those of the
    /// path in step slot `before`, into step slot `slot` of `hc_paid` and
    /// `hc_labour` (slot 0 the baseline's, `j + 1` step `j`'s). A month
    /// whose own hires and those it trains for all come before `from` is
    /// copied from `before`.
    #[inline(always)]
    fn path_costs(&mut self, layout: &Layout, h: usize, from: usize, before: usize, slot: usize) {
        let (months, nh, nq) = (layout.months, self.headcount.len(), self.queues.len());
        let rules = &self.headcount[h];
        let q = rules.queue;
        let same = if from < months { from.saturating_sub(rules.training_months) } else { months };
        let (at, previous) = ((slot * nh + h) * months, (before * nh + h) * months);
        self.hc_paid.copy_within(previous..previous + same, at);
        self.hc_labour.copy_within(previous..previous + same, at);
        for m in same..months {
            let trainees = self.path.trainees(m, rules.training_months);
            let (fte_price, severance) = (self.fte_price[m * nq + q], self.severance_price[h * months + m]);
            let (held, released) = (self.path.held[m], self.path.released[m]);
            let (mut paid, mut labour) = (ZERO, ZERO);
            for l in 0..LANES {
                paid[l] = held[l] + trainees[l];
                labour[l] = paid[l] * fte_price[l] + released[l] * severance[l];
            }
            self.hc_paid[at + m] = paid;
            self.hc_labour[at + m] = labour;
        }
    }

    /// Record the monthly quantities of `path`, of headcount channel `h`
    /// along `required`, for `slot` (as in [`Layout::headcount_index`]).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn record_path(
        &self,
        layout: &Layout,
        record: &mut Recorder<'_>,
        h: usize,
        path: &Path,
        slot: usize,
        required: &[Lanes],
    ) {
        let nq = self.queues.len();
        let q = self.headcount[h].queue;
        for m in 0..layout.months {
            let (held, fte_price) = (path.held[m], self.fte_price[m * nq + q]);
            let mut surplus = ZERO;
            for l in 0..LANES {
                surplus[l] = (held[l] - required[m][l]) * fte_price[l];
            }
            let at = |metric| layout.headcount_index(slot, m, h, metric);
            record.put(at(HeadcountMetric::Required), &required[m]);
            record.put(at(HeadcountMetric::Hires), &path.hires[m]);
            record.put(at(HeadcountMetric::Leavers), &path.leavers[m]);
            record.put(at(HeadcountMetric::Released), &path.released[m]);
            record.put(at(HeadcountMetric::SurplusCost), &surplus);
        }
    }

    /// The baseline's headcount: its required FTE by month (computed by
    /// the caller into `base_required`) turned into a path, kept in
    /// `base_path` for the scenarios' steps to start from, and into paid
    /// FTE and labour in `base_fte` and `base_labour` (and step slot 0),
    /// and recorded.
    #[inline(always)]
    pub(super) fn headcount_baseline(&mut self, layout: &Layout, record: &mut Recorder<'_>) {
        let (months, nh, nq) = (layout.months, self.headcount.len(), self.queues.len());
        for h in 0..nh {
            let rules = &self.headcount[h];
            let path = h * months..(h + 1) * months;
            // H(0) = R(1) of the baseline: the operation as staffed today.
            let required = &self.base_required[path];
            self.path.follow(0, rules.release, &self.values[rules.attrition], &required[0], required);
            self.path_costs(layout, h, 0, 0, 0);
            self.record_path(layout, record, h, &self.path, 0, &self.base_required[h * months..(h + 1) * months]);
            let q = self.headcount[h].queue;
            for m in 0..months {
                self.base_fte[m * nq + q] = self.hc_paid[h * months + m];
                self.base_labour[m * nq + q] = self.hc_labour[h * months + m];
            }
            std::mem::swap(&mut self.path, &mut self.base_path[h]);
        }
    }

    /// Scenario `s`'s required FTE on each headcount channel after each
    /// of its steps, every month, into `hc_required` (step-major, then
    /// channel, then month). The effects are applied as the month loop
    /// applies them, to the volumes and AHT alone; only the headcount
    /// channels' agents are counted, and only where the month loop settles
    /// (every step for the bridge, else the last).
    #[inline(always)]
    pub(super) fn headcount_required(&mut self, case: &Case, layout: &Layout, s: usize) {
        let (months, nc, nq, nh) = (layout.months, layout.channels, self.queues.len(), self.headcount.len());
        let scenario = &case.scenarios[s];
        let steps = scenario.initiatives.len();
        let v = &self.values;
        for m in 0..months {
            for c in 0..nc {
                self.state_volume[c] = self.volume[m * nc + c];
            }
            self.state_aht.fill([1.0; LANES]);
            for h in 0..nh {
                self.hc_state[h] = self.base_required[h * months + m];
                self.hc_recount[h] = false;
            }
            // Prices and cost are not this pass's business.
            let mut unused = ZERO;
            for (j, &k) in scenario.initiatives.iter().enumerate() {
                let init = &case.initiatives[k];
                if m >= init.start && !self.hc_effects[k].is_empty() {
                    let w = self.weight(k, m, months, init.success);
                    apply_effects::<false>(
                        &self.hc_effects[k],
                        v,
                        &w,
                        &self.staffed,
                        &mut self.state_volume,
                        &mut self.state_price,
                        &mut self.state_aht,
                        &mut unused,
                    );
                    for &q in &self.touches[k] {
                        if let Some(h) = self.queues[q].headcount {
                            self.hc_recount[h] = true;
                        }
                    }
                }
                if layout.bridge || j + 1 == steps {
                    let closing = self.closes(s, j, j + 1 == steps);
                    for h in 0..nh {
                        if std::mem::take(&mut self.hc_recount[h]) {
                            let q = self.headcount[h].queue;
                            let queue = &self.queues[q];
                            let c = queue.channel;
                            let (volume, aht, price) =
                                (&self.state_volume[c], &self.state_aht[c], &self.fte_price[m * nq + q]);
                            let (fte, _) = queue.staff(m, volume, aht, price, closing);
                            self.hc_state[h] = fte;
                        }
                    }
                }
                for h in 0..nh {
                    self.hc_required[(j * nh + h) * months + m] = self.hc_state[h];
                }
            }
        }
    }

    /// Scenario `s`'s paid FTE and labour on each headcount channel after
    /// each settled step, from [`Workspace::headcount_required`], into its
    /// step slot of `hc_paid` and `hc_labour`; recorded for the scenario
    /// (its last step) and for each guest (the step its initiatives end
    /// at). Each step follows its path only from the month it leaves the
    /// previous one's ([`step_paths`]).
    #[inline(always)]
    pub(super) fn headcount_paths(&mut self, case: &Case, layout: &Layout, record: &mut Recorder<'_>, s: usize) {
        let (months, nh) = (layout.months, self.headcount.len());
        let steps = case.scenarios[s].initiatives.len();
        for h in 0..nh {
            let rules = &self.headcount[h];
            let (release, attrition) = (rules.release, self.values[rules.attrition]);
            let start = self.base_required[h * months];
            // The step slot of the path so far: the baseline's, which stays
            // in `base_path` until a step leaves it.
            let mut before = 0;
            for j in (0..steps).filter(|&j| layout.bridge || j + 1 == steps) {
                let StepPath { from, slot, .. } = self.hc_paths[s][j * nh + h];
                let required = (j * nh + h) * months..(j * nh + h + 1) * months;
                if slot != before {
                    if before == 0 {
                        self.path.copy_head(&self.base_path[h], from);
                    }
                    self.path.follow(from, release, &attrition, &start, &self.hc_required[required.clone()]);
                    self.path_costs(layout, h, from, before, slot);
                    before = slot;
                }
                let path = if slot == 0 { &self.base_path[h] } else { &self.path };
                // The scenarios whose months end at this step.
                if j + 1 == steps {
                    self.record_path(layout, record, h, path, s + 1, &self.hc_required[required.clone()]);
                }
                for &(_, g) in self.guests[s].iter().filter(|&&(last, _)| last == j) {
                    self.record_path(layout, record, h, path, g + 1, &self.hc_required[required.clone()]);
                }
            }
        }
    }
}

/// After step `j` of a scenario in month `m`: each headcount channel's
/// labour set to its path's ([`Workspace::headcount_paths`], in the slots
/// `steps` names), the running cost moved by the change in labour.
#[inline(always)]
pub(super) fn settle(
    headcount: &[HeadcountQueue],
    labour: &[Lanes],
    steps: &[StepPath],
    (j, m): (usize, usize),
    state_labour: &mut [Lanes],
    running: &mut Lanes,
) {
    let nh = headcount.len();
    for (h, rules) in headcount.iter().enumerate() {
        let q = rules.queue;
        let (now, before) = (labour[steps[j * nh + h].at + m], state_labour[q]);
        for l in 0..LANES {
            running[l] += now[l] - before[l];
        }
        state_labour[q] = now;
    }
}

/// Each headcount channel's paid FTE after step `j` in month `m`, from its
/// path as [`settle`] reads it. Only a month's close reads a scenario's
/// FTE, so they are set there rather than at every step.
#[inline(always)]
pub(super) fn paid_fte(
    headcount: &[HeadcountQueue],
    paid: &[Lanes],
    steps: &[StepPath],
    (j, m): (usize, usize),
    state_fte: &mut [Lanes],
) {
    let nh = headcount.len();
    for (h, rules) in headcount.iter().enumerate() {
        state_fte[rules.queue] = paid[steps[j * nh + h].at + m];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lanes(x: f64) -> Lanes {
        [x; LANES]
    }

    fn follow(release: Release, attrition: f64, start: f64, required: &[f64]) -> Path {
        let mut path = Path::new(required.len());
        let required: Vec<Lanes> = required.iter().map(|&r| lanes(r)).collect();
        path.follow(0, release, &lanes(attrition), &lanes(start), &required);
        path
    }

    fn first(v: &[Lanes]) -> Vec<f64> {
        v.iter().map(|x| x[0]).collect()
    }

    /// 100 FTE, 10% attrition, the need falls to 60 in month 2 and rises
    /// to 90 in month 6. By attrition: 90, 81, 72.9, 65.61 held, then
    /// 59.049 kept < 90 hires 30.951.
    #[test]
    fn attrition_works_down_a_surplus_and_hires_fill_a_gap() {
        let p = follow(Release::Attrition, 0.1, 100.0, &[100.0, 60.0, 60.0, 60.0, 60.0, 90.0]);
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9);
        assert!(close(&first(&p.held), &[100.0, 90.0, 81.0, 72.9, 65.61, 90.0]), "{:?}", first(&p.held));
        assert!(close(&first(&p.leavers), &[10.0, 10.0, 9.0, 8.1, 7.29, 6.561]), "{:?}", first(&p.leavers));
        assert!(close(&first(&p.hires), &[10.0, 0.0, 0.0, 0.0, 0.0, 30.951]), "{:?}", first(&p.hires));
        assert!(first(&p.released).iter().all(|&x| x == 0.0));
        // Immediate release: the surplus leaves at once.
        let p = follow(Release::Immediate, 0.1, 100.0, &[100.0, 60.0, 60.0]);
        assert!(close(&first(&p.held), &[100.0, 60.0, 60.0]));
        assert!(close(&first(&p.released), &[0.0, 30.0, 0.0]));
        assert!(close(&first(&p.hires), &[10.0, 0.0, 6.0]));
        // Trainees: the next two months' hires.
        assert!(close(&p.trainees(0, 2), &lanes(6.0)) && close(&p.trainees(1, 2), &lanes(6.0)));
        assert!(close(&p.trainees(2, 2), &lanes(0.0)) && close(&p.trainees(0, 0), &lanes(0.0)));
    }

    /// Conservation: H(m) = H(m-1) + hires - leavers - released, for both
    /// rules, along an arbitrary path.
    #[test]
    fn the_paid_fte_path_conserves_heads() {
        let required = [40.0, 41.5, 38.0, 30.0, 30.2, 45.0, 44.0, 20.0, 21.0, 60.0];
        for release in [Release::Immediate, Release::Attrition] {
            let p = follow(release, 0.035, 42.0, &required);
            let mut before = 42.0;
            for m in 0..required.len() {
                let flow = before + p.hires[m][0] - p.leavers[m][0] - p.released[m][0];
                assert!((p.held[m][0] - flow).abs() < 1e-9, "{release:?} month {m}: {} vs {flow}", p.held[m][0]);
                assert!(p.held[m][0] >= required[m] - 1e-12);
                before = p.held[m][0];
            }
        }
    }
}
