//! Staffing to the interval (spec section 14): a staffed channel with a
//! weekly profile runs one queue per open interval of the week, and its
//! agent hours are the agents of each interval times the times that
//! interval occurs in the month.
//!
//! A month's volume spreads over the intervals in fixed proportions: an
//! interval of share `s` gets `V * s / D(m)` contacts each time it occurs,
//! with `D(m) = sum_w n_w(m) S_w`. Intervals of equal share carry the same
//! queue, so the week's intervals are grouped by share, and the groups,
//! ascending by share, are ascending in arrival rate whatever the month's
//! volume.
//!
//! The agents an interval needs are a step function of its arrival rate
//! for given handle time, targets and patience: `N(lambda)` is the least
//! `N` whose threshold `lambda_N` (the highest rate `N` agents serve) is at
//! least `lambda`. Rather than searching per interval, each lane keeps the
//! thresholds of its queue, found once by root-finding on the staffing
//! test and kept for as long as the parameters hold (the block, and the
//! AHT factor of `reduce_cost`): a month's intervals are then looked up in
//! one ascending walk over groups and thresholds. Each threshold is held as
//! a bracket `[lo, hi]` of rates the test was run at (`lo` passes, `hi`
//! fails, at most 1e-7 apart relative); a rate falling between them is
//! tested directly, so every answer is the staffing test's own.

// Lanes are indexed explicitly, as in the other block stages.
#![allow(clippy::needless_range_loop)]

use std::cell::RefCell;

use super::lanes::{LANES, Lanes, ZERO};
use crate::calendar::YearMonth;
use crate::model::Profile;
use crate::staffing::erlang;
use crate::staffing::erlang_a::{ErlangA, Prepared, Targets};

/// Relative width at which a threshold's bracket is settled: rates inside
/// it (about one lookup in a million) are tested directly.
const SETTLED: f64 = 1e-7;
/// Most factors (`reduce_cost`'s AHT multipliers) a lane keeps thresholds
/// for at once: a ramp's months and the full effect, across scenarios.
const FACTORS_KEPT: usize = 16;
/// Most agents an interval may need: far past the traffic validation
/// allows (a guard against a loop on a bad input).
const MAX_AGENTS: usize = 1_000_000;

/// Where a weekly profile's intervals fall in each month of the horizon.
#[derive(Debug, Clone)]
pub(super) struct Weekly {
    /// Distinct interval shares.
    groups: usize,
    /// Per month and group (`m * groups + g`): arrivals per second each
    /// contact of the month brings to one of the group's intervals,
    /// `share / (D(m) * interval seconds)`.
    rate: Vec<f64>,
    /// Hours one agent in each of the group's intervals works in the month:
    /// `sum over its intervals of n_w(m) * interval_minutes / 60`.
    hours: Vec<f64>,
    /// Share of the month's contacts arriving in the group's intervals.
    contacts: Vec<f64>,
}

impl Weekly {
    pub(super) fn new(profile: &Profile, start: YearMonth, months: usize) -> Weekly {
        let mut shares: Vec<f64> = profile.intervals.iter().map(|i| i.share).collect();
        shares.sort_by(f64::total_cmp);
        shares.dedup();
        let groups = shares.len();
        let group_of = |share: f64| shares.partition_point(|&s| s < share);
        let day = profile.day_shares();
        let seconds = f64::from(profile.interval_minutes) * 60.0;
        let interval_hours = f64::from(profile.interval_minutes) / 60.0;
        let (mut rate, mut hours, mut contacts) =
            (vec![0.0; months * groups], vec![0.0; months * groups], vec![0.0; months * groups]);
        for m in 0..months {
            let n = start.plus(m).weekday_counts();
            let d: f64 = (0..7).map(|w| f64::from(n[w]) * day[w]).sum();
            for (g, &share) in shares.iter().enumerate() {
                rate[m * groups + g] = share / (d * seconds);
            }
            for i in &profile.intervals {
                let at = m * groups + group_of(i.share);
                let times = f64::from(n[i.weekday]);
                hours[at] += times * interval_hours;
                contacts[at] += times * i.share / d;
            }
        }
        Weekly { groups, rate, hours, contacts }
    }
}

/// One lane's queue rule at one AHT factor: what the staffing test needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Rule {
    /// Erlang C (section 10): `traffic = lambda * seconds_per_contact`.
    C { seconds_per_contact: f64, answer_over_aht: f64, target: f64, max_occupancy: f64 },
    /// Erlang A (section 14), rates per second.
    A { service: f64, abandonment: f64, targets: Targets },
}

impl Rule {
    #[inline(never)]
    fn meets(&self, agents: usize, lambda: f64) -> bool {
        self.margin(agents, lambda).0
    }

    /// The test at `agents` agents and arrival rate `lambda`, and a
    /// margin continuous in `lambda` (>= 0 where it passes) to steer the
    /// root-finding.
    fn margin(&self, agents: usize, lambda: f64) -> (bool, f64) {
        match *self {
            Rule::C { seconds_per_contact, answer_over_aht, target, max_occupancy } => {
                erlang::margin(agents as u32, lambda * seconds_per_contact, answer_over_aht, target, max_occupancy)
            }
            Rule::A { service, abandonment, targets } => {
                ErlangA { arrival: lambda, service, abandonment }.margin(agents as u32, &targets)
            }
        }
    }

    /// An Erlang A queue with `agents` agents prepared for many rates, in
    /// `slot` (its storage reused); false for Erlang C.
    fn prepare(&self, agents: usize, slot: &mut Option<Prepared>) -> bool {
        match *self {
            Rule::C { .. } => false,
            Rule::A { service, abandonment, targets } => {
                match slot {
                    Some(p) => p.reset(service, abandonment, agents as u32, targets.answer_time),
                    None => *slot = Some(Prepared::new(service, abandonment, agents as u32, targets.answer_time)),
                }
                true
            }
        }
    }

    /// A rate above which `agents` agents surely fail, in closed form
    /// where there is one: Erlang C's occupancy bound `A / N <=
    /// max_occupancy` (and `N > A`). The threshold is this bound itself
    /// wherever the occupancy, not the service level, binds.
    fn bound(&self, agents: usize) -> Option<f64> {
        match *self {
            Rule::C { seconds_per_contact, max_occupancy, .. } => {
                Some(max_occupancy.min(1.0) * agents as f64 / seconds_per_contact)
            }
            Rule::A { .. } => None,
        }
    }

    /// Share of arrivals who hang up with `agents` agents; 0 for Erlang C.
    fn abandon(&self, agents: usize, lambda: f64) -> f64 {
        match *self {
            Rule::C { .. } => 0.0,
            Rule::A { service, abandonment, .. } => {
                ErlangA { arrival: lambda, service, abandonment }.metrics(agents as u32).abandon
            }
        }
    }
}

/// Chebyshev nodes per agent count for P(abandon): a degree-5
/// interpolant over the rates that count serves.
const NODES: usize = 6;

/// P(abandon) for one agent count over the rates it serves, `[a, b]`:
/// the interpolant through its values at Chebyshev nodes, in barycentric
/// form. P(abandon) is smooth in the rate and the interval narrow (a
/// step of the agents), so the interpolant is within 1e-7 of the exact
/// value (tested), far inside the Monte Carlo error of a month's
/// abandoned contacts, at a few operations a lookup where the exact value
/// takes a pass over the queue's states.
#[derive(Debug, Clone, Copy)]
struct AbandonCurve {
    a: f64,
    b: f64,
    values: [f64; NODES],
}

impl AbandonCurve {
    fn new(rule: &Rule, agents: usize, a: f64, b: f64, slot: &mut Option<Prepared>) -> AbandonCurve {
        let prepared = rule.prepare(agents, slot);
        let values = std::array::from_fn(|k| match (prepared, slot.as_mut()) {
            (true, Some(p)) => p.abandon(Self::node(a, b, k)),
            _ => rule.abandon(agents, Self::node(a, b, k)),
        });
        AbandonCurve { a, b, values }
    }

    /// Chebyshev point of the second kind `k` on `[a, b]`.
    fn node(a: f64, b: f64, k: usize) -> f64 {
        let x = (std::f64::consts::PI * k as f64 / (NODES - 1) as f64).cos();
        (a + b) / 2.0 + (b - a) / 2.0 * x
    }

    fn at(&self, lambda: f64) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for k in 0..NODES {
            let d = lambda - Self::node(self.a, self.b, k);
            if d == 0.0 {
                return self.values[k];
            }
            let half = if k == 0 || k == NODES - 1 { 0.5 } else { 1.0 };
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            let w = half * sign / d;
            num += w * self.values[k];
            den += w;
        }
        (num / den).clamp(0.0, 1.0)
    }
}

/// One lane's thresholds at one rule: `lo[k]` the highest arrival rate
/// known to be served by `k + 1` agents, `hi[k]` the lowest known not to
/// be; found in order of `k`, as far as the rates looked up need.
#[derive(Debug, Clone)]
struct Thresholds {
    rule: Rule,
    lo: Vec<f64>,
    hi: Vec<f64>,
    /// P(abandon) per agent count, made when first needed.
    abandon: Vec<Option<AbandonCurve>>,
    /// Storage for the Erlang A queue being evaluated.
    prepared: Option<Prepared>,
}

impl Thresholds {
    fn new(rule: Rule) -> Thresholds {
        Thresholds { rule, lo: Vec::new(), hi: Vec::new(), abandon: Vec::new(), prepared: None }
    }

    /// Find the next threshold (for `lo.len() + 1` agents).
    #[inline(never)]
    fn extend(&mut self) {
        let k = self.lo.len();
        let n = k + 1;
        let rule = self.rule;
        let prepared = rule.prepare(n, &mut self.prepared);
        let slot = &mut self.prepared;
        let mut margin_at = |x: f64| match (prepared, slot.as_mut(), &rule) {
            (true, Some(p), Rule::A { targets, .. }) => p.margin(x, targets),
            _ => rule.margin(n, x),
        };
        // n agents serve whatever n - 1 serve.
        let floor = self.lo.last().copied().unwrap_or(0.0);
        // The thresholds' steps change slowly: the last step again is a
        // close guess, bracketed a hundredth of a step either side (and
        // the bracket widened, doubling, until it holds). The first two
        // have no step to go by: from a millionth, doubling.
        let (guess, mut width) = match k {
            0 | 1 => (floor + floor.max(1e-6), floor.max(1e-6)),
            _ => {
                let step = (self.lo[k - 1] - self.lo[k - 2]).max(floor * 1e-9).max(f64::MIN_POSITIVE);
                (floor + step, step / 100.0)
            }
        };
        // Where a closed-form bound binds, it is the threshold (up to the
        // rounding of the test at it); otherwise the guess stays below it.
        let bound = self.rule.bound(n).filter(|&b| b > floor && b.is_finite());
        let guess = match bound {
            Some(b) => {
                if margin_at(b).0 && !margin_at(b.next_up()).0 {
                    self.lo.push(b);
                    self.hi.push(b.next_up());
                    return;
                }
                // The service level binds below the bound.
                guess.min(floor + (b - floor) * 0.999)
            }
            None => guess,
        };
        let (pass, margin) = margin_at(guess);
        let (mut lo, mut f_lo, mut hi, mut f_hi);
        if pass {
            (lo, f_lo) = (guess, margin);
            loop {
                let x = lo + width;
                if !x.is_finite() {
                    // No rate fails (a guard; every staffing test fails
                    // as the rate grows).
                    self.lo.push(f64::MAX);
                    self.hi.push(f64::INFINITY);
                    return;
                }
                let (pass, margin) = margin_at(x);
                if !pass {
                    (hi, f_hi) = (x, margin);
                    break;
                }
                (lo, f_lo) = (x, margin);
                width *= 2.0;
            }
        } else {
            (hi, f_hi) = (guess, margin);
            loop {
                let x = hi - width;
                if x <= floor {
                    // n - 1 agents' threshold passes with n agents.
                    lo = floor;
                    f_lo = margin_at(floor).1.max(0.0);
                    break;
                }
                let (pass, margin) = margin_at(x);
                if pass {
                    (lo, f_lo) = (x, margin);
                    break;
                }
                (hi, f_hi) = (x, margin);
                width *= 2.0;
            }
        }
        // Illinois regula falsi on the margin, keeping lo passing and hi
        // failing by the test itself.
        let mut side = 0i8;
        for _ in 0..200 {
            if hi - lo <= SETTLED * hi {
                break;
            }
            let mut x = hi - f_hi * (hi - lo) / (f_hi - f_lo);
            if !(x > lo && x < hi) {
                x = lo + (hi - lo) / 2.0;
            }
            let (pass, margin) = margin_at(x);
            if pass {
                (lo, f_lo) = (x, margin);
                if side == 1 {
                    f_hi /= 2.0;
                }
                side = 1;
            } else {
                (hi, f_hi) = (x, margin);
                if side == -1 {
                    f_lo /= 2.0;
                }
                side = -1;
            }
        }
        self.lo.push(lo);
        self.hi.push(hi);
    }

    /// The agents rate `lambda` needs, searching up from `from` (the
    /// answer for a lower rate).
    #[inline]
    fn agents(&mut self, lambda: f64, from: usize) -> usize {
        let mut n = from.max(1);
        loop {
            if self.lo.len() < n {
                self.extend();
                continue;
            }
            if lambda <= self.lo[n - 1] || n >= MAX_AGENTS {
                return n;
            }
            if lambda < self.hi[n - 1] && self.rule.meets(n, lambda) {
                return n;
            }
            n += 1;
        }
    }

    /// The highest rate known to be served by `agents` agents.
    #[inline]
    fn passing(&mut self, agents: usize) -> f64 {
        while self.lo.len() < agents {
            self.extend();
        }
        self.lo[agents - 1]
    }

    /// P(abandon) at rate `lambda`, which `agents` agents serve.
    fn abandon(&mut self, agents: usize, lambda: f64) -> f64 {
        if self.abandon.len() < agents {
            self.abandon.resize(agents, None);
        }
        let rule = self.rule;
        let (a, b) = (if agents > 1 { self.lo[agents - 2] } else { 0.0 }, self.lo[agents - 1]);
        let slot = &mut self.prepared;
        let curve = self.abandon[agents - 1].get_or_insert_with(|| AbandonCurve::new(&rule, agents, a, b, slot));
        curve.at(lambda)
    }
}

/// A weekly queue's thresholds, per lane and AHT factor; cleared when the
/// block's draws are loaded, so that each answer depends on the lane's own
/// iteration only.
#[derive(Debug, Default)]
pub(super) struct Tables {
    lanes: RefCell<Vec<Vec<(u64, Thresholds)>>>,
}

impl Clone for Tables {
    fn clone(&self) -> Tables {
        Tables::default()
    }
}

impl Tables {
    pub(super) fn clear(&self) {
        let mut lanes = self.lanes.borrow_mut();
        lanes.resize_with(LANES, Vec::new);
        lanes.iter_mut().for_each(Vec::clear);
    }

    /// Agent hours and contacts abandoned in month `m` of a weekly queue,
    /// lane by lane: `rule(l)` is lane l's rule at its factor `factor[l]`.
    /// Abandoned contacts are counted only when `abandoned` is asked for.
    pub(super) fn month(
        &self,
        weekly: &Weekly,
        m: usize,
        volume: &Lanes,
        factor: &Lanes,
        rule: impl Fn(usize) -> Rule,
        abandoned: bool,
    ) -> (Lanes, Lanes) {
        let mut lanes = self.lanes.borrow_mut();
        lanes.resize_with(LANES, Vec::new);
        let (mut hours, mut lost) = (ZERO, ZERO);
        let at = m * weekly.groups..(m + 1) * weekly.groups;
        let (rate, agent_hours, contacts) = (&weekly.rate[at.clone()], &weekly.hours[at.clone()], &weekly.contacts[at]);
        for l in 0..LANES {
            let key = factor[l].to_bits();
            let kept = &mut lanes[l];
            let table = match kept.iter().position(|(k, _)| *k == key) {
                Some(i) => &mut kept[i].1,
                None => {
                    if kept.len() == FACTORS_KEPT {
                        kept.remove(0);
                    }
                    kept.push((key, Thresholds::new(rule(l))));
                    &mut kept.last_mut().expect("just pushed").1
                }
            };
            let v = volume[l].max(0.0);
            let mut n = 1;
            // The current count's passing bound, held while the groups'
            // rates stay below it (most groups): one comparison a group.
            let mut below = table.passing(n);
            let (mut total, mut agents) = (0.0, 1.0);
            if abandoned {
                for ((&r, &h), &c) in rate.iter().zip(agent_hours).zip(contacts) {
                    let lambda = v * r;
                    if lambda > below {
                        n = table.agents(lambda, n);
                        below = table.passing(n);
                        agents = n as f64;
                    }
                    total += agents * h;
                    if lambda > 0.0 {
                        lost[l] += v * c * table.abandon(n, lambda);
                    }
                }
            } else {
                for (&r, &h) in rate.iter().zip(agent_hours) {
                    let lambda = v * r;
                    if lambda > below {
                        n = table.agents(lambda, n);
                        below = table.passing(n);
                        agents = n as f64;
                    }
                    total += agents * h;
                }
            }
            hours[l] = total;
        }
        (hours, lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Interval;

    fn erlang_c() -> Rule {
        Rule::C { seconds_per_contact: 360.0, answer_over_aht: 20.0 / 360.0, target: 0.8, max_occupancy: 0.85 }
    }

    fn erlang_a() -> Rule {
        let targets = Targets { service_level: 0.8, answer_time: 20.0, max_occupancy: 0.85, max_abandon: 0.05 };
        Rule::A { service: 1.0 / 180.0, abandonment: 1.0 / 300.0, targets }
    }

    #[test]
    fn thresholds_give_the_direct_search_answer() {
        // Rates from a trickle to about 150 Erlangs, looked up in rising
        // order as a month's groups are: each answer is the least N the
        // staffing test passes, as the direct searches find it.
        for rule in [erlang_c(), erlang_a()] {
            let mut table = Thresholds::new(rule);
            let mut n = 1;
            for k in 0..2_000 {
                let lambda = 1e-4 + k as f64 * 0.000_211;
                n = table.agents(lambda, n);
                let direct = match rule {
                    Rule::C { seconds_per_contact, answer_over_aht, target, max_occupancy } => {
                        erlang::agents_one(lambda * seconds_per_contact, answer_over_aht, target, max_occupancy)
                            as usize
                    }
                    Rule::A { service, abandonment, targets } => {
                        ErlangA { arrival: lambda, service, abandonment }.agents(&targets) as usize
                    }
                };
                assert_eq!(n, direct, "rate {lambda} with {rule:?}");
            }
            // The brackets are settled and ordered.
            for k in 0..table.lo.len() {
                assert!(table.lo[k] < table.hi[k] && table.hi[k] - table.lo[k] <= SETTLED * table.hi[k]);
                assert!(k == 0 || table.lo[k] >= table.lo[k - 1]);
            }
        }
    }

    #[test]
    fn abandonment_interpolant_is_within_1e7_of_exact() {
        let rule = erlang_a();
        let mut table = Thresholds::new(rule);
        let mut n = 1;
        let mut worst: f64 = 0.0;
        for k in 0..3_000 {
            let lambda = 1e-4 + k as f64 * 0.000_173;
            n = table.agents(lambda, n);
            let exact = rule.abandon(n, lambda);
            worst = worst.max((table.abandon(n, lambda) - exact).abs());
        }
        assert!(worst < 1e-7, "largest error {worst:e}");
    }

    #[test]
    fn a_month_spreads_its_volume_over_the_weeks_intervals() {
        // Two open intervals a weekday (09:00, 09:30), the second twice as
        // busy; January 2027 has 4 Mondays-Thursdays, 5 Fridays-Sundays.
        let mut intervals = Vec::new();
        for w in 0..7 {
            intervals.push(Interval { weekday: w, start_minute: 540, share: 1.0 / 21.0 });
            intervals.push(Interval { weekday: w, start_minute: 570, share: 2.0 / 21.0 });
        }
        let profile = Profile { file: "week.csv".into(), interval_minutes: 30, intervals };
        let weekly = Weekly::new(&profile, YearMonth { year: 2027, month: 1 }, 2);
        assert_eq!(weekly.groups, 2);
        // Every contact of the month lands in an interval.
        for m in 0..2 {
            let total: f64 = weekly.contacts[m * 2..m * 2 + 2].iter().sum();
            assert!((total - 1.0).abs() < 1e-12, "month {m}: {total}");
        }
        // D(January) = 31 / 7; a 9:30 interval gets 2/21 / D of the month.
        let d = 31.0 / 7.0;
        assert!((weekly.rate[1] - 2.0 / 21.0 / (d * 1800.0)).abs() < 1e-15);
        // 31 days of one half-hour each group.
        assert!((weekly.hours[0] - 15.5).abs() < 1e-12 && (weekly.hours[1] - 15.5).abs() < 1e-12);
        // February 2027: 28 days, D = 4.
        assert!((weekly.rate[2] - 1.0 / 21.0 / (4.0 * 1800.0)).abs() < 1e-15);
        // The tables: agent hours are each group's agents times its hours.
        let tables = Tables::default();
        tables.clear();
        let volume = [2_000.0; LANES];
        let (hours, lost) = tables.month(&weekly, 0, &volume, &[1.0; LANES], |_| erlang_a(), true);
        let expect = |g: usize| {
            let lambda = 2_000.0 * weekly.rate[g];
            let targets = Targets { service_level: 0.8, answer_time: 20.0, max_occupancy: 0.85, max_abandon: 0.05 };
            let q = ErlangA { arrival: lambda, service: 1.0 / 180.0, abandonment: 1.0 / 300.0 };
            let n = q.agents(&targets);
            (f64::from(n) * weekly.hours[g], 2_000.0 * weekly.contacts[g] * q.metrics(n).abandon)
        };
        let (h0, a0) = expect(0);
        let (h1, a1) = expect(1);
        assert_eq!(hours[0], h0 + h1);
        assert!((lost[3] - (a0 + a1)).abs() < 1e-6 * (a0 + a1) && lost[3] > 0.0, "{} vs {}", lost[3], a0 + a1);
    }
}
