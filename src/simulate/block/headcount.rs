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

// Lanes are indexed explicitly: that is the shape the compiler vectorises.
#![allow(clippy::needless_range_loop)]

use super::Workspace;
use super::effects::apply_effects;
use super::lanes::{LANES, Lanes, ZERO};
use super::recorder::Recorder;
use crate::model::{Case, InputId, Release};
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

    /// The rules of spec section 13 from H(0) = `start` along the FTE
    /// `required` each month, at monthly `attrition`:
    ///
    /// ```text
    /// kept(m) = H(m-1) * (1 - attrition)
    /// if kept(m) < R(m):   hires(m) = R(m) - kept(m);  H(m) = R(m)
    /// elif by attrition:   H(m) = kept(m)
    /// else:                released(m) = kept(m) - R(m);  H(m) = R(m)
    /// ```
    #[inline(always)]
    fn follow(&mut self, release: Release, attrition: &Lanes, start: &Lanes, required: &[Lanes]) {
        // Selects rather than branches, so the lanes run as vectors: a
        // lane with kept >= R hires 0, one with kept < R keeps R.
        let by_attrition = release == Release::Attrition;
        let mut held = *start;
        for m in 0..required.len() {
            let r = required[m];
            let (mut hires, mut leavers, mut released) = (ZERO, ZERO, ZERO);
            for l in 0..LANES {
                let kept = held[l] * (1.0 - attrition[l]);
                let short = kept < r[l];
                leavers[l] = held[l] * attrition[l];
                hires[l] = if short { r[l] - kept } else { 0.0 };
                released[l] = if short || by_attrition { 0.0 } else { kept - r[l] };
                held[l] = if short || !by_attrition { r[l] } else { kept };
            }
            (self.held[m], self.hires[m], self.leavers[m], self.released[m]) = (held, hires, leavers, released);
        }
    }

    /// trainees(m): the hires of the next `training` months, paid while
    /// they train (months past the horizon count 0).
    #[inline(always)]
    fn trainees(&self, m: usize, training: usize) -> Lanes {
        let mut trainees = ZERO;
        for ahead in self.hires.iter().skip(m + 1).take(training) {
            for l in 0..LANES {
                trainees[l] += ahead[l];
            }
        }
        trainees
    }
}

/// Where a path's paid FTE and labour go, month by month, and where its
/// quantities are recorded (a slot of [`Layout::headcount_index`]; none for
/// a bridge step that closes no scenario).
struct PathOut<'a> {
    paid: &'a mut [Lanes],
    labour: &'a mut [Lanes],
    record: Option<usize>,
}

impl Workspace {
    /// Paid FTE and labour of headcount channel `h` along `required` (the
    /// horizon's required FTE) from H(0) = `start`, into `out`; with a
    /// slot, its monthly quantities recorded.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn follow_path(
        &mut self,
        layout: &Layout,
        record: &mut Recorder<'_>,
        h: usize,
        start: &Lanes,
        required: &[Lanes],
        out: PathOut<'_>,
    ) {
        let months = layout.months;
        let rules = &self.headcount[h];
        let (q, nq) = (rules.queue, self.queues.len());
        self.path.follow(rules.release, &self.values[rules.attrition], start, required);
        for m in 0..months {
            let trainees = self.path.trainees(m, rules.training_months);
            let (fte_price, severance) = (self.fte_price[m * nq + q], self.severance_price[h * months + m]);
            let (held, released) = (self.path.held[m], self.path.released[m]);
            let (mut paid, mut labour, mut surplus) = (ZERO, ZERO, ZERO);
            for l in 0..LANES {
                paid[l] = held[l] + trainees[l];
                labour[l] = paid[l] * fte_price[l] + released[l] * severance[l];
                surplus[l] = (held[l] - required[m][l]) * fte_price[l];
            }
            out.paid[m] = paid;
            out.labour[m] = labour;
            if let Some(slot) = out.record {
                let at = |metric| layout.headcount_index(slot, m, h, metric);
                record.put(at(HeadcountMetric::Required), &required[m]);
                record.put(at(HeadcountMetric::Hires), &self.path.hires[m]);
                record.put(at(HeadcountMetric::Leavers), &self.path.leavers[m]);
                record.put(at(HeadcountMetric::Released), &released);
                record.put(at(HeadcountMetric::SurplusCost), &surplus);
            }
        }
    }

    /// The baseline's headcount: its required FTE by month (computed by
    /// the caller into `base_required`) turned into paid FTE and labour in
    /// `base_fte` and `base_labour`, and recorded.
    #[inline(always)]
    pub(super) fn headcount_baseline(&mut self, layout: &Layout, record: &mut Recorder<'_>) {
        let (months, nq) = (layout.months, self.queues.len());
        let (mut paid, mut labour) = (std::mem::take(&mut self.hc_paid), std::mem::take(&mut self.hc_labour));
        let required = std::mem::take(&mut self.base_required);
        for h in 0..self.headcount.len() {
            let path = h * months..(h + 1) * months;
            let out = PathOut { paid: &mut paid[..months], labour: &mut labour[..months], record: Some(0) };
            // H(0) = R(1) of the baseline: the operation as staffed today.
            self.follow_path(layout, record, h, &required[path.start], &required[path.clone()], out);
            let q = self.headcount[h].queue;
            for m in 0..months {
                self.base_fte[m * nq + q] = paid[m];
                self.base_labour[m * nq + q] = labour[m];
            }
        }
        self.base_required = required;
        (self.hc_paid, self.hc_labour) = (paid, labour);
    }

    /// Scenario `s`'s required FTE on each headcount channel after each
    /// of its steps, every month, into `hc_required` (step-major, then
    /// channel, then month). The effects are applied as the month loop
    /// applies them; only the headcount channels' agents are counted, and
    /// only where the month loop settles (every step for the bridge, else
    /// the last).
    #[inline(always)]
    pub(super) fn headcount_required(&mut self, case: &Case, layout: &Layout, s: usize) {
        let (months, nc, nq, nh) = (layout.months, layout.channels, self.queues.len(), self.headcount.len());
        let scenario = &case.scenarios[s];
        let steps = scenario.initiatives.len();
        let v = &self.values;
        for m in 0..months {
            for c in 0..nc {
                self.state_volume[c] = self.volume[m * nc + c];
                self.state_price[c] = self.price[m * nc + c];
            }
            self.state_aht.fill([1.0; LANES]);
            for h in 0..nh {
                self.hc_state[h] = self.base_required[h * months + m];
                self.hc_recount[h] = false;
            }
            // Cost is not this pass's business.
            let mut unused = ZERO;
            for (j, &k) in scenario.initiatives.iter().enumerate() {
                let init = &case.initiatives[k];
                if m >= init.start {
                    let w = self.weight(k, m, months, init.success);
                    apply_effects(
                        &init.effects,
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
                    for h in 0..nh {
                        if std::mem::take(&mut self.hc_recount[h]) {
                            let q = self.headcount[h].queue;
                            let queue = &self.queues[q];
                            let c = queue.channel;
                            let (fte, _) =
                                queue.staff(m, &self.state_volume[c], &self.state_aht[c], &self.fte_price[m * nq + q]);
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
    /// each settled step, from [`Workspace::headcount_required`], into
    /// `hc_paid` and `hc_labour`; recorded for the scenario (its last
    /// step) and for each guest (the step its initiatives end at).
    #[inline(always)]
    pub(super) fn headcount_paths(&mut self, case: &Case, layout: &Layout, record: &mut Recorder<'_>, s: usize) {
        let (months, nh) = (layout.months, self.headcount.len());
        let steps = case.scenarios[s].initiatives.len();
        let required = std::mem::take(&mut self.hc_required);
        let (mut paid, mut labour) = (std::mem::take(&mut self.hc_paid), std::mem::take(&mut self.hc_labour));
        for j in (0..steps).filter(|&j| layout.bridge || j + 1 == steps) {
            // The scenario whose months end at this step, if any.
            let closes = if j + 1 == steps {
                Some(s)
            } else {
                self.guests[s].iter().find(|&&(last, _)| last == j).map(|&(_, g)| g)
            };
            for h in 0..nh {
                let path = (j * nh + h) * months..(j * nh + h + 1) * months;
                let out = PathOut {
                    paid: &mut paid[path.clone()],
                    labour: &mut labour[path.clone()],
                    record: closes.map(|g| g + 1),
                };
                let start = self.base_required[h * months];
                self.follow_path(layout, record, h, &start, &required[path], out);
            }
            // A second guest ending at the same step has the same path.
            let others: Vec<usize> =
                self.guests[s].iter().filter(|&&(last, g)| last == j && Some(g) != closes).map(|&(_, g)| g).collect();
            for g in others {
                for h in 0..nh {
                    let path = (j * nh + h) * months..(j * nh + h + 1) * months;
                    let mut scratch_paid = vec![ZERO; months];
                    let mut scratch_labour = vec![ZERO; months];
                    let out = PathOut { paid: &mut scratch_paid, labour: &mut scratch_labour, record: Some(g + 1) };
                    let start = self.base_required[h * months];
                    self.follow_path(layout, record, h, &start, &required[path], out);
                }
            }
        }
        self.hc_required = required;
        (self.hc_paid, self.hc_labour) = (paid, labour);
    }
}

/// After step `j` of a scenario in month `m`: each headcount channel's
/// labour and paid FTE set to its path's ([`Workspace::headcount_paths`]),
/// the running cost moved by the change in labour.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn settle(
    headcount: &[HeadcountQueue],
    paths: (&[Lanes], &[Lanes]),
    (j, m, months): (usize, usize, usize),
    state_fte: &mut [Lanes],
    state_labour: &mut [Lanes],
    running: &mut Lanes,
) {
    let (paid, labour) = paths;
    let nh = headcount.len();
    for (h, rules) in headcount.iter().enumerate() {
        let q = rules.queue;
        let at = (j * nh + h) * months + m;
        let (now, before) = (labour[at], state_labour[q]);
        for l in 0..LANES {
            running[l] += now[l] - before[l];
        }
        state_labour[q] = now;
        state_fte[q] = paid[at];
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
        path.follow(release, &lanes(attrition), &lanes(start), &required);
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
