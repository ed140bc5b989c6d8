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
//! thresholds of its queue for as long as the parameters hold (the block,
//! and the AHT factor of `reduce_cost`): a month's intervals are then
//! looked up in one ascending merge of groups and thresholds. Each
//! threshold is held as a bracket `[lo, hi]`: read from the run's shared
//! grid ([`super::surface`]) where the targets are the same in every draw,
//! otherwise found by root-finding on the staffing test (`lo` passes, `hi`
//! fails, at most 1e-7 apart relative). A rate falling between them is
//! tested directly, so every answer is the staffing test's own: a merge
//! that meets one gives way to a walk that tests it.
//!
//! Abandoned contacts are only reported for the scenarios' own months, so
//! a bridge step's month is staffed without them (P(abandon) per group is
//! most of a month's cost), and a month already walked is not walked
//! again.

// Lanes are indexed explicitly, as in the other block stages.
#![allow(clippy::needless_range_loop)]

use std::cell::RefCell;

use super::lanes::{LANES, Lanes, ZERO};
use super::surface::{Placed, Placer};
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

    /// The test's conditions that can fail, each an index for
    /// [`Rule::condition`]: the test passes where all of them do, so the
    /// rate at which `N` agents stop sufficing is the least of the rates
    /// at which each stops holding. Each of those is smooth in the queue's
    /// parameters where their least is not (a kink where the binding
    /// condition changes), which is what lets [`super::surface`]
    /// interpolate them. Erlang C: occupancy (with `N > A`), service level.
    /// Erlang A: occupancy and abandonment where capped below 1, service
    /// level (the answered share is implied by it).
    pub(super) fn conditions(&self) -> &'static [usize] {
        match *self {
            Rule::C { .. } => &[0, 1],
            Rule::A { targets, .. } => match (targets.max_occupancy < 1.0, targets.max_abandon < 1.0) {
                (true, true) => &[0, 1, 3],
                (true, false) => &[0, 3],
                (false, true) => &[1, 3],
                (false, false) => &[3],
            },
        }
    }

    /// Whether a condition depends on the answer time (the service level
    /// does; occupancy and abandonment do not).
    pub(super) fn timed(&self, condition: usize) -> bool {
        match self {
            Rule::C { .. } => condition == 1,
            Rule::A { .. } => condition == 3,
        }
    }

    /// One condition's verdict and slack (continuous in `lambda`) at
    /// `agents` agents and rate `lambda`.
    fn condition(&self, condition: usize, agents: usize, lambda: f64) -> (bool, f64) {
        match *self {
            Rule::C { seconds_per_contact, answer_over_aht, target, max_occupancy } => {
                let (n, traffic) = (agents as f64, lambda * seconds_per_contact);
                let load = traffic / n;
                if condition == 0 {
                    let slack = (max_occupancy - load).min(1.0 - load);
                    return if n <= traffic { (false, slack.min(-f64::MIN_POSITIVE)) } else { (slack >= 0.0, slack) };
                }
                if n <= traffic {
                    return (false, n - traffic - target);
                }
                let service = erlang::service_level(agents as u32, traffic, answer_over_aht) - target;
                (service >= 0.0, service)
            }
            Rule::A { service, abandonment, targets } => {
                if lambda <= 0.0 {
                    return (true, 1.0);
                }
                Prepared::new(service, abandonment, agents as u32, targets.answer_time)
                    .condition(condition, lambda, &targets)
            }
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
pub(super) const NODES: usize = 6;

/// P(abandon) for one agent count over the rates it serves, `[a, b]`:
/// the interpolant through its values at Chebyshev nodes, in barycentric
/// form. P(abandon) is smooth in the rate and the interval narrow (a
/// step of the agents), so the interpolant is within 1e-7 of the exact
/// value (tested), far inside the Monte Carlo error of a month's
/// abandoned contacts, at a few operations a lookup where the exact value
/// takes a pass over the queue's states.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct AbandonCurve {
    /// Centre and inverse half-width of `[a, b]`: `z = (lambda - centre) *
    /// scale` runs over [-1, 1].
    centre: f64,
    scale: f64,
    /// The interpolant in powers of `z`.
    coefficients: [f64; NODES],
}

impl AbandonCurve {
    pub(super) fn new(rule: &Rule, agents: usize, a: f64, b: f64, slot: &mut Option<Prepared>) -> AbandonCurve {
        let prepared = rule.prepare(agents, slot);
        let values = std::array::from_fn(|k| match (prepared, slot.as_mut()) {
            (true, Some(p)) => p.abandon(Self::node(a, b, k)),
            _ => rule.abandon(agents, Self::node(a, b, k)),
        });
        Self::through(a, b, values)
    }

    /// The interpolant through `values` at the Chebyshev points of `[a, b]`.
    pub(super) fn through(a: f64, b: f64, values: [f64; NODES]) -> AbandonCurve {
        let inverse = vandermonde_inverse();
        let coefficients = std::array::from_fn(|i| (0..NODES).map(|k| inverse[i][k] * values[k]).sum());
        let half = (b - a) / 2.0;
        let scale = if half > 0.0 { 1.0 / half } else { 0.0 };
        AbandonCurve { centre: (a + b) / 2.0, scale, coefficients }
    }

    /// This curve times `weight`.
    pub(super) fn scale_by(&mut self, weight: f64) {
        self.coefficients.iter_mut().for_each(|c| *c *= weight);
    }

    /// Add `weight` times `other`, a curve over the same range.
    pub(super) fn add_scaled(&mut self, other: &AbandonCurve, weight: f64) {
        for (c, o) in self.coefficients.iter_mut().zip(&other.coefficients) {
            *c += weight * o;
        }
    }

    /// Chebyshev point of the second kind `k` on `[a, b]`.
    pub(super) fn node(a: f64, b: f64, k: usize) -> f64 {
        (a + b) / 2.0 + (b - a) / 2.0 * chebyshev(k)
    }

    #[inline]
    pub(super) fn at(&self, lambda: f64) -> f64 {
        let z = (lambda - self.centre) * self.scale;
        let c = &self.coefficients;
        // Plain products: `mul_add` is a library call where the build
        // does not assume FMA.
        let p = ((((c[5] * z + c[4]) * z + c[3]) * z + c[2]) * z + c[1]) * z + c[0];
        p.clamp(0.0, 1.0)
    }
}

/// Chebyshev point of the second kind `k` on [-1, 1]: `cos(pi k / 5)`.
fn chebyshev(k: usize) -> f64 {
    // cos(pi / 5) = (1 + sqrt 5) / 4, cos(2 pi / 5) = (sqrt 5 - 1) / 4.
    const POINTS: [f64; NODES] = [
        1.0,
        0.809_016_994_374_947_5,
        0.309_016_994_374_947_45,
        -0.309_016_994_374_947_45,
        -0.809_016_994_374_947_5,
        -1.0,
    ];
    POINTS[k]
}

/// The inverse of the Vandermonde matrix at the Chebyshev points: values
/// there to coefficients in powers of `z` (well conditioned at degree 5).
fn vandermonde_inverse() -> &'static [[f64; NODES]; NODES] {
    static INVERSE: std::sync::OnceLock<[[f64; NODES]; NODES]> = std::sync::OnceLock::new();
    INVERSE.get_or_init(|| {
        let v = nalgebra::DMatrix::from_fn(NODES, NODES, |k, i| chebyshev(k).powi(i as i32));
        let inverse = v.try_inverse().expect("a Vandermonde matrix at distinct points is invertible");
        std::array::from_fn(|i| std::array::from_fn(|k| inverse[(i, k)]))
    })
}

/// Most pieces of the run's grid ([`super::surface`]) one agent count's
/// P(abandon) is read from.
pub(super) const PIECES: usize = 3;

/// One lane's thresholds at one rule: `lo[k]` the highest arrival rate
/// taken to be served by `k + 1` agents, `hi[k]` the lowest taken not to
/// be; found in order of `k`, as far as the rates looked up need. Found
/// here by root-finding, `lo` passed the test and `hi` failed it; read
/// from the run's grid ([`super::surface`]), they are the band around the
/// interpolated threshold. A rate between them is tested directly.
#[derive(Debug, Clone)]
pub(super) struct Thresholds {
    rule: Rule,
    lo: Vec<f64>,
    hi: Vec<f64>,
    /// The threshold itself: `lo` where found here, the estimate where read
    /// from the grid (the ends of the rates a count serves, for its
    /// P(abandon) curve).
    mid: Vec<f64>,
    /// Whether some bracket reaches past the next one's `lo` (`hi[k] >
    /// lo[k + 1]`): the months are then walked, not merged ([`merge`]).
    overlap: bool,
    /// Where the queue falls on the run's grid, if it does.
    placed: Option<Placed>,
    /// The one condition (of [`Rule::conditions`]) whose thresholds these
    /// are, for the grid's nodes; None: the whole test.
    only: Option<usize>,
    /// P(abandon) per agent count over the rates it serves, made when
    /// first needed (`made`).
    abandon: Vec<AbandonCurve>,
    made: Vec<bool>,
    /// Storage for the Erlang A queue being evaluated.
    prepared: Option<Prepared>,
}

impl Thresholds {
    pub(super) fn new(rule: Rule) -> Thresholds {
        Thresholds {
            rule,
            lo: Vec::new(),
            hi: Vec::new(),
            mid: Vec::new(),
            overlap: false,
            placed: None,
            only: None,
            abandon: Vec::new(),
            made: Vec::new(),
            prepared: None,
        }
    }

    /// The thresholds of one of the test's conditions alone.
    pub(super) fn condition(rule: Rule, condition: usize) -> Thresholds {
        Thresholds { only: Some(condition), ..Thresholds::new(rule) }
    }

    /// Thresholds read from the run's grid where it has them.
    pub(super) fn placed(rule: Rule, placed: Option<Placed>) -> Thresholds {
        Thresholds { placed, ..Thresholds::new(rule) }
    }

    /// Go on from `before` agents, whose last two thresholds were `last`
    /// (None: from the start): a grid node finds its counts a chunk at a
    /// time.
    pub(super) fn resume(&mut self, before: usize, last: Option<[f64; 2]>) {
        // Not merged: taken to overlap.
        self.overlap = true;
        for v in [&mut self.lo, &mut self.hi, &mut self.mid] {
            v.clear();
            v.resize(before, 0.0);
            if let Some([a, b]) = last {
                v[before - 2] = a;
                v[before - 1] = b;
            }
        }
    }

    /// The next threshold (for `lo.len() + 1` agents): read from the grid
    /// where it can be, otherwise found.
    fn extend(&mut self) {
        let n = self.lo.len() + 1;
        if let Some((lo, mid, hi)) = self.placed.as_ref().and_then(|p| p.threshold(n)) {
            self.push(lo, mid, hi);
            return;
        }
        self.extend_exact();
    }

    /// Add the next threshold's bracket and estimate.
    fn push(&mut self, lo: f64, mid: f64, hi: f64) {
        // Narrowing a bracket later (a rate tested directly) raises `lo`
        // and lowers `hi`: brackets apart stay apart.
        self.overlap |= self.hi.last().is_some_and(|&before| before > lo);
        self.lo.push(lo);
        self.hi.push(hi);
        self.mid.push(mid);
    }

    /// Find the next threshold by root-finding on the test: `(lo, hi)`, the
    /// rates it passed and failed at.
    #[inline(never)]
    pub(super) fn extend_exact(&mut self) -> (f64, f64) {
        let (lo, hi) = self.find();
        self.push(lo, lo, hi);
        (lo, hi)
    }

    fn find(&mut self) -> (f64, f64) {
        let k = self.lo.len();
        let n = k + 1;
        let rule = self.rule;
        let prepared = rule.prepare(n, &mut self.prepared);
        let slot = &mut self.prepared;
        let only = self.only;
        let mut margin_at = |x: f64| match (prepared, slot.as_mut(), &rule, only) {
            (true, Some(p), Rule::A { targets, .. }, None) => p.margin(x, targets),
            (true, Some(p), Rule::A { targets, .. }, Some(c)) if x > 0.0 => p.condition(c, x, targets),
            (_, _, _, None) => rule.margin(n, x),
            (_, _, _, Some(c)) => rule.condition(c, n, x),
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
        let bound = self.rule.bound(n).filter(|&b| b > floor && b.is_finite() && matches!(only, None | Some(0)));
        let guess = match bound {
            Some(b) => {
                if margin_at(b).0 && !margin_at(b.next_up()).0 {
                    return (b, b.next_up());
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
                    return (f64::MAX, f64::INFINITY);
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
        (lo, hi)
    }

    /// The agents rate `lambda` needs, searching up from `from` (the
    /// answer for a lower rate).
    #[inline]
    pub(super) fn agents(&mut self, lambda: f64, from: usize) -> usize {
        let mut n = from.max(1);
        loop {
            if self.lo.len() < n {
                self.extend();
                continue;
            }
            if lambda <= self.lo[n - 1] || n >= MAX_AGENTS {
                return n;
            }
            if lambda < self.hi[n - 1] {
                // Tested directly; the answer narrows the bracket.
                if self.rule.meets(n, lambda) {
                    self.lo[n - 1] = lambda;
                    return n;
                }
                self.hi[n - 1] = lambda;
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
    #[cfg(test)]
    fn abandon(&mut self, agents: usize, lambda: f64) -> f64 {
        self.curve(agents).at(lambda)
    }

    /// P(abandon) over the rates `agents` agents serve: one curve, read
    /// from the run's grid where the queue is on it, otherwise found.
    #[inline]
    pub(super) fn curve(&mut self, agents: usize) -> &AbandonCurve {
        if !self.made.get(agents - 1).is_some_and(|&made| made) {
            self.make_curve(agents);
        }
        &self.abandon[agents - 1]
    }

    /// Make [`Thresholds::curve`]'s curve for `agents` agents: out of the
    /// merge's loop, which mostly finds it made.
    #[cold]
    #[inline(never)]
    fn make_curve(&mut self, agents: usize) {
        if self.abandon.len() < agents {
            self.abandon.resize(agents, AbandonCurve::default());
            self.made.resize(agents, false);
        }
        let (a, b) = (if agents > 1 { self.mid[agents - 2] } else { 0.0 }, self.mid[agents - 1]);
        let placed = self.placed.as_ref().and_then(|p| p.abandon(agents, a, b));
        self.abandon[agents - 1] =
            placed.unwrap_or_else(|| AbandonCurve::new(&self.rule, agents, a, b, &mut self.prepared));
        self.made[agents - 1] = true;
    }
}

/// A weekly queue's thresholds, per lane and AHT factor; cleared when the
/// block's draws are loaded, so that each answer depends on the lane's own
/// iteration only.
#[derive(Debug, Default)]
pub(super) struct Tables {
    lanes: RefCell<Vec<Vec<(u64, Thresholds)>>>,
    /// Whether the queue's targets are the same in every draw, so that its
    /// thresholds are read from the run's grid ([`super::surface`]).
    shared: bool,
    placer: RefCell<Placer>,
    /// The months each lane has walked this block: `[lane][month]`, each
    /// `(volume, factor, agent hours, abandoned)`. A month's queue is
    /// staffed again with the same volume and factor by every scenario and
    /// bridge step an initiative leaves it untouched in, and its abandoned
    /// contacts are asked for after its agents: the answer is the same.
    walked: RefCell<Vec<Vec<Vec<Walked>>>>,
}

/// One month's walk: `(volume bits, factor bits, agent hours, abandoned)`,
/// abandoned None where the walk was not asked for it.
type Walked = (u64, u64, f64, Option<f64>);

impl Clone for Tables {
    fn clone(&self) -> Tables {
        Tables::new(self.shared)
    }
}

impl Tables {
    pub(super) fn new(shared: bool) -> Tables {
        Tables { shared, ..Tables::default() }
    }

    pub(super) fn clear(&self) {
        let mut lanes = self.lanes.borrow_mut();
        lanes.resize_with(LANES, Vec::new);
        lanes.iter_mut().for_each(Vec::clear);
        self.walked.borrow_mut().iter_mut().flatten().for_each(Vec::clear);
    }

    /// Agent hours and, where `abandoned` asks for them, contacts
    /// abandoned (0 for Erlang C; 0 where not asked for) in month `m` of a
    /// weekly queue, lane by lane: `rule(l)` is lane l's rule at its
    /// factor `factor[l]`. Only the scenarios' own months report abandoned
    /// contacts: a bridge step's walk needs the agents alone.
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
        let mut walked = self.walked.borrow_mut();
        let months = weekly.rate.len() / weekly.groups.max(1);
        walked.resize_with(LANES, || vec![Vec::new(); months]);
        let (mut hours, mut lost) = (ZERO, ZERO);
        let at = m * weekly.groups..(m + 1) * weekly.groups;
        let (rate, agent_hours, contacts) = (&weekly.rate[at.clone()], &weekly.hours[at.clone()], &weekly.contacts[at]);
        for l in 0..LANES {
            let key = factor[l].to_bits();
            let seen = &mut walked[l][m];
            let known = seen.iter().position(|w| w.0 == volume[l].to_bits() && w.1 == key);
            if let Some(i) = known {
                let (_, _, h, a) = seen[i];
                if a.is_some() || !abandoned {
                    (hours[l], lost[l]) = (h, a.unwrap_or(0.0));
                    continue;
                }
            }
            let kept = &mut lanes[l];
            let table = match kept.iter().position(|(k, _)| *k == key) {
                Some(i) => &mut kept[i].1,
                None => {
                    if kept.len() == FACTORS_KEPT {
                        kept.remove(0);
                    }
                    let rule = rule(l);
                    let placed = if self.shared { self.placer.borrow_mut().place(&rule) } else { None };
                    kept.push((key, Thresholds::placed(rule, placed)));
                    &mut kept.last_mut().expect("just pushed").1
                }
            };
            let v = volume[l].max(0.0);
            let erlang_a = matches!(table.rule, Rule::A { .. });
            let (total, abandoned) = match (erlang_a, abandoned) {
                (true, true) if v > 0.0 => {
                    let (total, share) = table.hours_abandoned(v, rate, agent_hours, contacts);
                    (total, Some(v * share))
                }
                // Erlang C, or no arrivals: none abandon.
                (false, _) => (table.hours(v, rate, agent_hours), Some(0.0)),
                (true, _) if v == 0.0 => (table.hours(v, rate, agent_hours), Some(0.0)),
                (true, _) => (table.hours(v, rate, agent_hours), None),
            };
            (hours[l], lost[l]) = (total, abandoned.unwrap_or(0.0));
            let entry = (volume[l].to_bits(), key, total, abandoned);
            match known {
                Some(i) => seen[i] = entry,
                None => seen.push(entry),
            }
        }
        (hours, lost)
    }
}

impl Thresholds {
    /// Agent hours of one month at volume `v`: each group's agents times
    /// its hours. Merged against the thresholds where no rate falls inside
    /// a bracket, otherwise walked.
    fn hours(&mut self, v: f64, rate: &[f64], agent_hours: &[f64]) -> f64 {
        let merged = if self.mergeable(v, rate) { merge(&self.lo, &self.hi, v, rate, agent_hours) } else { None };
        merged.unwrap_or_else(|| self.walk(v, rate, agent_hours))
    }

    /// [`Thresholds::hours`], and the share of the month's contacts
    /// abandoned: each group's share of them times P(abandon) at its rate
    /// and agents (`v > 0`).
    fn hours_abandoned(&mut self, v: f64, rate: &[f64], agent_hours: &[f64], contacts: &[f64]) -> (f64, f64) {
        let merged = if self.mergeable(v, rate) { self.merge_abandoned(v, rate, agent_hours, contacts) } else { None };
        merged.unwrap_or_else(|| self.walk_abandoned(v, rate, agent_hours, contacts))
    }

    /// [`merge`] with the abandoned share, each count's curve made when
    /// first reached.
    fn merge_abandoned(&mut self, v: f64, rate: &[f64], agent_hours: &[f64], contacts: &[f64]) -> Option<(f64, f64)> {
        let top = self.lo.len() - 1;
        let (mut k, mut unsure) = (0, false);
        let mut curve = *self.curve(1);
        let (mut total, mut agents, mut lost) = (0.0, 1.0, 0.0);
        for ((&r, &h), &c) in rate.iter().zip(agent_hours).zip(contacts) {
            let lambda = v * r;
            if lambda > self.lo[k] {
                // As in [`merge`].
                while k < top && lambda > self.lo[k] {
                    k += 1;
                }
                unsure |= lambda < self.hi[k.saturating_sub(1)];
                agents = count(k);
                curve = *self.curve(k + 1);
            }
            total += agents * h;
            lost += c * curve.at(lambda);
        }
        (!unsure).then_some((total, lost))
    }

    /// Whether a month at volume `v` can be merged: brackets apart
    /// ([`merge`]) and known past its highest rate ([`Thresholds::reach`]).
    fn mergeable(&mut self, v: f64, rate: &[f64]) -> bool {
        !self.overlap && self.reach(v, rate)
    }

    /// Know the thresholds past the month's highest rate (the last
    /// group's), so that a merge reads no further; false where that is
    /// past the agents any interval may need, or the month has no groups.
    fn reach(&mut self, v: f64, rate: &[f64]) -> bool {
        let Some(&last) = rate.last() else { return false };
        let top = v * last;
        while self.lo.last().is_none_or(|&lo| lo < top) {
            if self.lo.len() >= MAX_AGENTS {
                return false;
            }
            self.extend();
        }
        true
    }

    /// Agent hours by walking the groups against the thresholds, testing
    /// any rate inside a bracket: the agents only go up.
    fn walk(&mut self, v: f64, rate: &[f64], agent_hours: &[f64]) -> f64 {
        let mut n = 1;
        // The current count's passing bound, held while the groups' rates
        // stay below it (most groups): one comparison a group.
        let mut below = self.passing(n);
        let (mut total, mut agents) = (0.0, 1.0);
        for (&r, &h) in rate.iter().zip(agent_hours) {
            let lambda = v * r;
            if lambda > below {
                n = self.agents(lambda, n);
                below = self.passing(n);
                agents = n as f64;
            }
            total += agents * h;
        }
        total
    }

    /// [`Thresholds::walk`], and the abandoned share as in
    /// [`Thresholds::hours_abandoned`].
    fn walk_abandoned(&mut self, v: f64, rate: &[f64], agent_hours: &[f64], contacts: &[f64]) -> (f64, f64) {
        let mut n = 1;
        let mut below = self.passing(n);
        // The current count's curve, held as the agents are.
        let mut curve = *self.curve(n);
        let (mut total, mut agents, mut lost) = (0.0, 1.0, 0.0);
        for ((&r, &h), &c) in rate.iter().zip(agent_hours).zip(contacts) {
            let lambda = v * r;
            if lambda > below {
                n = self.agents(lambda, n);
                below = self.passing(n);
                agents = n as f64;
                curve = *self.curve(n);
            }
            total += agents * h;
            lost += c * curve.at(lambda);
        }
        (total, lost)
    }
}

/// A month's groups merged against thresholds known past the highest rate:
/// the agents of rate `lambda` are one more than the thresholds `lo` below
/// it. Agent hours, in the walk's order of operations; None where a rate
/// falls inside a bracket (`lo`, `hi`), which only a test decides.
///
/// The brackets must be apart (`hi[k] <= lo[k + 1]`, not
/// [`Thresholds::overlap`]): a rate above `lo[k + 1]` is then above
/// `hi[k]`, so only the bracket of the last threshold a rate passes can
/// hold it, and only that one is looked at.
fn merge(lo: &[f64], hi: &[f64], v: f64, rate: &[f64], agent_hours: &[f64]) -> Option<f64> {
    let top = lo.len() - 1;
    let (mut k, mut unsure) = (0, false);
    let (mut total, mut agents) = (0.0, 1.0);
    for (&r, &h) in rate.iter().zip(agent_hours) {
        let lambda = v * r;
        // A branch, not a branch-free count: about every other group
        // passes a threshold and the branch is often mispredicted, but
        // both branch-free ways measured (a count each group waits on the
        // last one's for, and an index of buckets) cost more than the
        // mispredictions (docs/model.md, section 14).
        if lambda > lo[k] {
            while k < top && lambda > lo[k] {
                k += 1;
            }
            unsure |= lambda < hi[k.saturating_sub(1)];
            agents = count(k);
        }
        total += agents * h;
    }
    (!unsure).then_some(total)
}

/// The agents of a rate past `k` thresholds, as a float: from `u32` (counts
/// stay below [`MAX_AGENTS`]), one instruction where a `usize` takes
/// several.
#[inline(always)]
fn count(k: usize) -> f64 {
    f64::from((k + 1) as u32)
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
    fn merging_gives_the_walks_answer() {
        // 150 groups rising from a trickle to about 125 Erlangs (AHT 180 s)
        // at volume 1; each table merged and, afresh, walked.
        let rate: Vec<f64> = (1..=150).map(|g| 0.7 * (g as f64 / 150.0).powf(1.5)).collect();
        let hours: Vec<f64> = (0..150).map(|g| 1.0 + (g % 7) as f64).collect();
        let sum: f64 = rate.iter().sum();
        let contacts: Vec<f64> = rate.iter().map(|r| r / sum).collect();
        let mut placer = super::super::surface::Placer::default();
        let (mut merged, mut walked) = (0, 0);
        for rule in [erlang_c(), erlang_a()] {
            for on_grid in [false, true] {
                for v in [0.05, 0.3, 1.0, 1.7] {
                    let placed = if on_grid { placer.place(&rule) } else { None };
                    let (mut a, mut b) = (Thresholds::placed(rule, placed.clone()), Thresholds::placed(rule, placed));
                    assert!(a.reach(v, &rate), "thresholds this far");
                    assert!(!a.overlap, "brackets apart");
                    merged += usize::from(merge(&a.lo, &a.hi, v, &rate, &hours).is_some());
                    assert_eq!(a.hours(v, &rate, &hours).to_bits(), b.walk(v, &rate, &hours).to_bits());
                    let (mut a, mut b) = (Thresholds::new(rule), Thresholds::new(rule));
                    let (x, y) =
                        (a.hours_abandoned(v, &rate, &hours, &contacts), b.walk_abandoned(v, &rate, &hours, &contacts));
                    assert_eq!((x.0.to_bits(), x.1.to_bits()), (y.0.to_bits(), y.1.to_bits()), "{rule:?} at {v}");
                    walked += 1;
                }
            }
        }
        // The merges answered, but where a rate fell inside a grid band (1
        // of the 16 here).
        assert!(merged * 4 >= walked * 3, "{merged} of {walked} merged");
        // A rate inside a bracket is not merged: only the test decides it.
        let (lo, hi) = ([1.0, 2.0, 3.0], [1.1, 2.1, 3.1]);
        let merged = |rates: &[f64]| merge(&lo, &hi, 1.0, rates, &vec![1.0; rates.len()]);
        assert_eq!(merged(&[0.5, 1.05]), None);
        assert_eq!(merged(&[0.5, 1.2, 2.5]), Some(1.0 + 2.0 + 3.0));
        // Two thresholds passed at once, the rate inside the bracket of
        // the second; two at once, then more rates between them.
        assert_eq!(merged(&[0.5, 2.05]), None);
        assert_eq!(merged(&[0.5, 2.5, 2.6, 3.0]), Some(1.0 + 3.0 + 3.0 + 3.0));
        // Brackets that overlap are walked: a rate inside the first's
        // bracket that passes the second is only found by testing each.
        let (lo, hi) = ([1.0, 1.02, 3.0], [1.1, 1.03, 3.1]);
        let mut table = Thresholds::new(erlang_c());
        for k in 0..3 {
            table.push(lo[k], lo[k], hi[k]);
        }
        assert!(table.overlap, "the brackets overlap");
        assert_eq!(merge(&lo, &hi, 1.0, &[0.5, 1.05], &[1.0, 1.0]), Some(1.0 + 3.0), "a merge would miss it");
        assert_eq!(table.hours(1.0, &[0.5, 1.05], &[1.0, 1.0]), table.walk(1.0, &[0.5, 1.05], &[1.0, 1.0]));
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
        // Asked for the agents alone (a bridge step), the walk leaves the
        // abandoned contacts out; asked again for them, it finds them.
        let (alone, none) = tables.month(&weekly, 0, &volume, &[1.0; LANES], |_| erlang_a(), false);
        assert_eq!(none, ZERO);
        let (hours, lost) = tables.month(&weekly, 0, &volume, &[1.0; LANES], |_| erlang_a(), true);
        assert_eq!(alone, hours);
        // Asked for both first (a month that closes a scenario), the
        // agents alone then read the same walk.
        let first = Tables::default();
        first.clear();
        assert_eq!(first.month(&weekly, 0, &volume, &[1.0; LANES], |_| erlang_a(), true), (hours, lost));
        assert_eq!(first.month(&weekly, 0, &volume, &[1.0; LANES], |_| erlang_a(), false).0, hours);
        assert_eq!(first.walked.borrow()[0][0].len(), 1, "one walk of the month");
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
