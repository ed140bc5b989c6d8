//! Erlang A: the fewest agents a queue needs when callers hang up
//! (spec section 14).
//!
//! Erlang C assumes every caller waits as long as it takes, so a short-staffed
//! queue grows without bound and needs `N > A`. Real callers give up: with
//! exponential patience of mean `patience`, a waiting caller leaves at rate
//! `1 / patience`. The queue is then an M/M/N+M birth-death chain, stable at
//! any load: births at the arrival rate `lambda`, deaths at
//! `min(n, N) * mu + max(n - N, 0) * theta` in state `n` (callers in the
//! system), with `mu` one server's service rate and `theta = 1 / patience`.
//!
//! Everything here follows pyworkforce's `ErlangA` (queuing/abandonment.py),
//! which computes the metrics exactly from that chain rather than from a
//! closed-form approximation:
//!
//! - the stationary distribution `p[n]`, grown term by term until the newest
//!   term is below `1e-15` of the mass (past `N`), rescaled against overflow;
//! - `P(wait) = sum_{n >= N} p[n]`, `E[queue] = sum (n - N) p[n]`,
//!   `P(abandon) = theta E[queue] / lambda`, occupancy
//!   `lambda (1 - P(abandon)) / (N mu)`;
//! - the service level, the share of *all* arrivals answered within `t`: an
//!   arrival finding a free agent is answered at once; one that queues with
//!   `j` callers ahead is answered if it reaches an agent before its own
//!   patience runs out. pyworkforce uniformizes that absorbing chain
//!   (Poisson weights truncated at `lambda t + 10 sqrt(lambda t) + 50`
//!   jumps); here the same probability comes in closed form, a negative
//!   binomial tail (see `delayed_answered_within`), in one pass over the
//!   queue instead of one per jump. The two agree to rounding (tested
//!   against a copy of the uniformization), and the closed form has no
//!   truncation, so a long answer time still counts its delayed answers.
//!
//! Rates may be in any one time unit (per second, per AHT): only their
//! ratios and `rate x time` products enter.

/// Mass below which the stationary distribution's tail is cut (as a share
/// of the mass so far), pyworkforce's `1e-15`.
const TAIL: f64 = 1e-15;
/// States past `N` after which the chain is cut whatever its tail (a
/// guard; abandonment keeps the real tail far shorter).
const MAX_QUEUE: usize = 100_000;
/// Agents past the traffic after which the search stops (a guard: the
/// targets are all met long before).
const MAX_EXTRA_AGENTS: f64 = 100_000.0;

/// An M/M/N+M queue: arrivals, one agent's service rate and the rate at
/// which a waiting caller abandons, all per the same time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    /// Arrival rate `lambda`.
    pub arrival: f64,
    /// One agent's service rate `mu` (concurrency / AHT).
    pub service: f64,
    /// Abandonment rate of a waiting caller, `theta = 1 / patience`.
    pub abandonment: f64,
}

/// The stationary metrics of an Erlang A queue with a given number of
/// agents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    /// Share of arrivals that find every agent busy.
    pub wait: f64,
    /// Share of arrivals that hang up before being answered.
    pub abandon: f64,
    /// Share of agent time spent on contacts.
    pub occupancy: f64,
    /// Mean number of callers waiting.
    pub queue_length: f64,
    /// Mean wait over all arrivals (`queue_length / lambda`, Little's law).
    pub average_speed_of_answer: f64,
}

/// What [`ErlangA::agents`] must reach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// Share of all arrivals to answer within `answer_time`, in (0, 1).
    pub service_level: f64,
    /// The answer time, in the rates' time unit.
    pub answer_time: f64,
    /// Cap on occupancy, in (0, 1].
    pub max_occupancy: f64,
    /// Cap on the abandonment share; 1 for none.
    pub max_abandon: f64,
}

impl ErlangA {
    /// Offered traffic in Erlangs, `lambda / mu`.
    pub fn traffic(&self) -> f64 {
        self.arrival / self.service
    }

    /// The normalised stationary distribution `p[0..]` with `agents` agents
    /// (the tests' reference; [`ErlangA::evaluate`] sums it as it goes).
    #[cfg(test)]
    fn stationary(&self, agents: usize) -> Vec<f64> {
        let (lam, mu, theta) = (self.arrival, self.service, self.abandonment);
        let mut probs = Vec::with_capacity(agents + 64);
        probs.push(1.0);
        let mut total = 1.0;
        let mut n = 0usize;
        loop {
            n += 1;
            let death = n.min(agents) as f64 * mu + n.saturating_sub(agents) as f64 * theta;
            let term = probs[n - 1] * lam / death;
            probs.push(term);
            total += term;
            if n > agents && term < TAIL * total {
                break;
            }
            if n > agents + MAX_QUEUE {
                break;
            }
            if term > 1e250 {
                for p in &mut probs {
                    *p /= 1e250;
                }
                total /= 1e250;
            }
        }
        let norm: f64 = probs.iter().sum();
        for p in &mut probs {
            *p /= norm;
        }
        probs
    }

    /// The stationary metrics with `agents` agents (at least 1), and the
    /// service level within `answer_time`: one pass over the chain's
    /// states ([`Prepared::evaluate`]).
    fn evaluate(&self, agents: usize, answer_time: f64) -> (Metrics, f64) {
        Prepared::new(self.service, self.abandonment, agents as u32, answer_time).evaluate(self.arrival)
    }

    /// The stationary metrics with `agents` agents (at least 1). A queue
    /// with no arrivals waits for nothing and abandons nothing.
    pub fn metrics(&self, agents: u32) -> Metrics {
        if self.arrival <= 0.0 {
            return Metrics {
                wait: 0.0,
                abandon: 0.0,
                occupancy: 0.0,
                queue_length: 0.0,
                average_speed_of_answer: 0.0,
            };
        }
        self.evaluate(agents.max(1) as usize, 0.0).0
    }

    /// Share of all arrivals answered within `answer_time` with `agents`
    /// agents (at least 1).
    pub fn service_level(&self, agents: u32, answer_time: f64) -> f64 {
        if self.arrival <= 0.0 {
            return 1.0;
        }
        self.evaluate(agents.max(1) as usize, answer_time).1
    }

    /// Mass of `delayed[j]` (arrivals queueing with `j` callers ahead)
    /// answered within `t`, from the closed form [`Reach`] (the tests'
    /// check against uniformization).
    #[cfg(test)]
    fn delayed_answered_within(&self, agents: usize, delayed: &[f64], t: f64) -> f64 {
        let serve = agents as f64 * self.service;
        let mut reach = Reach::new(serve, self.abandonment, t);
        let mut answered = 0.0;
        for (j, &pj) in delayed.iter().enumerate() {
            answered += pj * serve / (serve + (j + 1) as f64 * self.abandonment) * reach.next();
        }
        answered
    }

    /// [`ErlangA::delayed_answered_within`] by uniformization of the tagged
    /// caller's chain, exactly as pyworkforce computes it (Poisson weights
    /// truncated at `lambda t + 10 sqrt(lambda t) + 50` jumps): the
    /// reference the closed form is tested against.
    #[cfg(test)]
    fn delayed_answered_uniformized(&self, agents: usize, delayed: &[f64], t: f64) -> f64 {
        let (mu, theta) = (self.service, self.abandonment);
        let max_ahead = delayed.len() - 1;
        let serve = agents as f64 * mu;
        let max_rate = serve + max_ahead as f64 * theta + theta;
        if max_rate <= 0.0 || t <= 0.0 {
            return 0.0;
        }
        let mut dist = delayed.to_vec();
        let mut next = vec![0.0; dist.len()];
        let mut served = 0.0;
        let lam_t = max_rate * t;
        let max_steps = (lam_t + 10.0 * lam_t.sqrt() + 50.0) as usize;
        let ln_lam_t = lam_t.ln();
        let mut ln_poisson = -lam_t;
        let mut result = 0.0;
        for k in 1..=max_steps {
            next.iter_mut().for_each(|x| *x = 0.0);
            for (j, &pj) in dist.iter().enumerate() {
                if pj == 0.0 {
                    continue;
                }
                let advance = serve + j as f64 * theta;
                let stay = max_rate - advance - theta;
                if j == 0 {
                    served += pj * (advance / max_rate);
                } else {
                    next[j - 1] += pj * (advance / max_rate);
                }
                next[j] += pj * (stay / max_rate);
            }
            std::mem::swap(&mut dist, &mut next);
            ln_poisson += ln_lam_t - (k as f64).ln();
            result += ln_poisson.exp() * served;
        }
        result
    }

    /// The fewest agents (at least 1) whose service level reaches
    /// `targets.service_level` within `targets.answer_time`, with occupancy
    /// at most `targets.max_occupancy` and abandonment at most
    /// `targets.max_abandon`.
    ///
    /// The search starts below `service_level x A`: fewer agents cannot
    /// reach the service level, since the answered share `1 - P(abandon)`
    /// is the throughput over `lambda`, at most `N mu / lambda = N / A`,
    /// and the service level is at most the answered share. (pyworkforce
    /// starts at `ceil(A)`; the contract asks for the least `N >= 1`, which
    /// can lie below `A` when callers are impatient and the target modest.)
    /// For the same reason `1 - P(abandon) < target` rules an `N` out before
    /// the costlier service level is computed.
    pub fn agents(&self, targets: &Targets) -> u32 {
        if self.arrival <= 0.0 {
            return 1;
        }
        let a = self.traffic();
        let mut n = ((targets.service_level * a).floor() - 1.0).max(1.0);
        let last = a + MAX_EXTRA_AGENTS;
        while n < last {
            if self.check(n as usize, targets).0 {
                break;
            }
            n += 1.0;
        }
        // `as` saturates; a whole number >= 1 below u32::MAX for any queue
        // validation lets through.
        n as u32
    }

    /// Whether `agents` agents meet `targets`: the test [`ErlangA::agents`]
    /// applies to each count.
    pub fn meets(&self, agents: u32, targets: &Targets) -> bool {
        self.arrival <= 0.0 || self.check(agents.max(1) as usize, targets).0
    }

    /// How far `agents` agents are from failing `targets` (>= 0 when they
    /// meet them, the smallest slack of the three; continuous in the
    /// arrival rate), with the verdict itself.
    pub fn margin(&self, agents: u32, targets: &Targets) -> (bool, f64) {
        if self.arrival <= 0.0 {
            return (true, 1.0);
        }
        self.check(agents.max(1) as usize, targets)
    }

    /// The staffing test and its margin at `agents` agents.
    fn check(&self, agents: usize, targets: &Targets) -> (bool, f64) {
        let (m, service_level) = self.evaluate(agents, targets.answer_time);
        verdict(&m, service_level, targets)
    }
}

/// An Erlang A queue with a given number of agents, prepared for many
/// arrival rates: everything that does not depend on the rate (each
/// state's death rate, and a queued caller's chance of being answered in
/// time with `j` ahead) computed once, so that each rate costs a pass of
/// multiplications rather than one of divisions.
#[derive(Debug, Clone)]
pub struct Prepared {
    agents: usize,
    service: f64,
    abandonment: f64,
    answer_time: f64,
    /// `1 / (n mu)` for the states below `N`.
    head: Vec<f64>,
    /// `1 / (N mu + j theta)` for `j` callers queued.
    tail: Vec<f64>,
    /// Each queued position's weight in the service level:
    /// `N mu / (N mu + (j + 1) theta) * P(T'_j <= t)`.
    answered: Vec<f64>,
    reach: Reach,
}

impl Prepared {
    pub fn new(service: f64, abandonment: f64, agents: u32, answer_time: f64) -> Prepared {
        let mut prepared = Prepared {
            agents: 0,
            service,
            abandonment,
            answer_time,
            head: Vec::new(),
            tail: Vec::new(),
            answered: Vec::new(),
            reach: Reach::new(0.0, abandonment, answer_time),
        };
        prepared.reset(service, abandonment, agents, answer_time);
        prepared
    }

    /// Prepare for another queue, reusing the storage.
    pub fn reset(&mut self, service: f64, abandonment: f64, agents: u32, answer_time: f64) {
        let agents = agents.max(1) as usize;
        let serve = agents as f64 * service;
        (self.agents, self.service, self.abandonment, self.answer_time) = (agents, service, abandonment, answer_time);
        self.head.clear();
        self.head.extend((1..agents).map(|n| 1.0 / (n as f64 * service)));
        self.tail.clear();
        self.answered.clear();
        self.reach = Reach::new(serve, abandonment, answer_time);
    }

    fn grow(&mut self) {
        let serve = self.agents as f64 * self.service;
        let j = self.tail.len();
        self.tail.push(1.0 / (serve + j as f64 * self.abandonment));
        self.answered.push(serve / (serve + (j + 1) as f64 * self.abandonment) * self.reach.next());
    }

    /// The stationary metrics and the service level at arrival rate
    /// `arrival` (> 0), in one pass over the chain's states: the
    /// distribution is grown term by term until the newest term past `N`
    /// is below `1e-15` of the mass, and every sum is taken as it goes
    /// (rescaled together against overflow), with no storage of it.
    pub fn evaluate(&mut self, arrival: f64) -> (Metrics, f64) {
        let lam = arrival;
        let (mut term, mut total, mut immediate) = (1.0, 1.0, 1.0);
        for &inv in &self.head {
            term *= lam * inv;
            total += term;
            immediate += term;
            if term > 1e250 {
                (term, total, immediate) = (term / 1e250, total / 1e250, immediate / 1e250);
            }
        }
        let (mut wait, mut queue, mut answered) = (0.0, 0.0, 0.0);
        let mut j = 0usize;
        loop {
            if j == self.tail.len() {
                self.grow();
            }
            term *= lam * self.tail[j];
            total += term;
            wait += term;
            queue += j as f64 * term;
            answered += term * self.answered[j];
            if (j > 0 && term < TAIL * total) || j > MAX_QUEUE {
                break;
            }
            if term > 1e250 {
                term /= 1e250;
                total /= 1e250;
                immediate /= 1e250;
                wait /= 1e250;
                queue /= 1e250;
                answered /= 1e250;
            }
            j += 1;
        }
        let serve = self.agents as f64 * self.service;
        let (wait, queue_length) = (wait / total, queue / total);
        let abandon = self.abandonment * queue_length / lam;
        let metrics = Metrics {
            wait,
            abandon,
            occupancy: lam * (1.0 - abandon) / serve,
            queue_length,
            average_speed_of_answer: queue_length / lam,
        };
        (metrics, ((immediate + answered) / total).min(1.0))
    }

    /// [`ErlangA::margin`] at arrival rate `arrival`.
    pub fn margin(&mut self, arrival: f64, targets: &Targets) -> (bool, f64) {
        if arrival <= 0.0 {
            return (true, 1.0);
        }
        debug_assert_eq!(targets.answer_time, self.answer_time);
        let (m, service_level) = self.evaluate(arrival);
        verdict(&m, service_level, targets)
    }

    /// The slack of one of the test's conditions (an index of [`slack`])
    /// at arrival rate `arrival` (> 0), with its verdict.
    pub fn condition(&mut self, condition: usize, arrival: f64, targets: &Targets) -> (bool, f64) {
        let (m, service_level) = self.evaluate(arrival);
        let slack = slack(&m, service_level, targets)[condition];
        (slack >= 0.0, slack)
    }

    /// P(abandon) at arrival rate `arrival`.
    pub fn abandon(&mut self, arrival: f64) -> f64 {
        if arrival <= 0.0 { 0.0 } else { self.evaluate(arrival).0.abandon }
    }
}

/// The staffing test on an evaluated queue, and its margin.
fn verdict(m: &Metrics, service_level: f64, targets: &Targets) -> (bool, f64) {
    let margin = slack(m, service_level, targets).into_iter().fold(f64::INFINITY, f64::min);
    (margin >= 0.0, margin)
}

/// The slack of each of the staffing test's conditions, `>= 0` where it
/// holds: occupancy, abandonment, the answered share (`1 - P(abandon)`
/// at least the service-level target: implied by the service level, which
/// counts only answered callers; kept, with a rounding allowance, so that
/// the search may skip the costlier service level) and the service level.
pub fn slack(m: &Metrics, service_level: f64, targets: &Targets) -> [f64; 4] {
    [
        targets.max_occupancy - m.occupancy,
        targets.max_abandon - m.abandon,
        1.0 - m.abandon + 1e-12 - targets.service_level,
        service_level - targets.service_level,
    ]
}

/// The chance a queued caller with `j` callers ahead reaches an agent
/// within `t` before hanging up, for `j = 0, 1, ...` in turn.
///
/// Such a caller reaches an agent after `T_j`, the sum of stages
/// `Exp(N mu + i theta)` for `i = j, ..., 0`, if its own patience
/// (`Exp(theta)`) outlasts it: `P = E[exp(-theta T_j); T_j <= t]`. Tilting
/// each stage by `exp(-theta x)` leaves a factor `(N mu + i theta) / (N mu +
/// (i + 1) theta)` per stage, which telescopes to `N mu / (N mu + (j + 1)
/// theta)` (the caller of [`Reach::next`] applies it), and stages of rates
/// `N mu + k theta`, `k = 1..=j+1`. Their sum has the Laplace transform of
/// `-ln(U) / theta` with `U ~ Beta(N mu / theta + 1, j + 1)`, so `P(T'_j <=
/// t) = 1 - I_x(alpha, j + 1)` with `x = exp(-theta t)` and `alpha = N mu /
/// theta + 1`; for a whole second parameter that is a negative binomial
/// tail, `I_x(alpha, j + 1) = sum_{k <= j} C(alpha + k - 1, k) x^alpha (1 -
/// x)^k`, its terms all positive. pyworkforce uniformizes the caller's
/// chain instead, a pass per jump; both are exact and agree to rounding
/// (tested), and the closed form has no truncation.
#[derive(Debug, Clone)]
struct Reach {
    /// The next term of the sum, or its logarithm when the first underflows.
    term: f64,
    log: bool,
    cdf: f64,
    one_minus_x: f64,
    alpha: f64,
    j: f64,
    /// No time to answer anyone who queues.
    none: bool,
}

impl Reach {
    fn new(serve: f64, theta: f64, t: f64) -> Reach {
        let none = t <= 0.0 || serve <= 0.0;
        // 1 - x without cancellation for a short answer time.
        let one_minus_x = -(-theta * t).exp_m1();
        // ln of the first term, x^alpha = exp(-(N mu + theta) t).
        let ln_first = -(serve + theta) * t;
        let log = ln_first <= -700.0;
        Reach {
            term: if log { ln_first } else { ln_first.exp() },
            log,
            cdf: 0.0,
            one_minus_x,
            alpha: serve / theta + 1.0,
            j: 0.0,
            none,
        }
    }

    /// `P(T'_j <= t)` for the next `j`.
    #[inline]
    fn next(&mut self) -> f64 {
        if self.none {
            return 0.0;
        }
        let (alpha, j) = (self.alpha, self.j);
        if self.log {
            self.cdf += self.term.exp();
            self.term += self.one_minus_x.ln() + (alpha + j).ln() - (j + 1.0).ln();
        } else {
            self.cdf += self.term;
            self.term *= self.one_minus_x * (alpha + j) / (j + 1.0);
        }
        self.j += 1.0;
        (1.0 - self.cdf).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staffing::erlang;

    /// pyworkforce's test case, in seconds: 100 calls in 30 minutes, AHT
    /// 3 minutes, patience 5 minutes.
    fn published() -> ErlangA {
        ErlangA { arrival: 100.0 / 1800.0, service: 1.0 / 180.0, abandonment: 1.0 / 300.0 }
    }

    fn round(x: f64, places: i32) -> f64 {
        let s = 10f64.powi(places);
        (x * s).round() / s
    }

    #[test]
    fn matches_pyworkforce_published_metrics() {
        let q = published();
        let m = q.metrics(14);
        assert_eq!(round(m.wait, 5), 0.14526);
        assert_eq!(round(m.abandon, 6), 0.013984);
        assert_eq!(round(m.occupancy, 6), 0.704297);
        // 0.069919 minutes in pyworkforce.
        assert_eq!(round(m.average_speed_of_answer / 60.0, 6), 0.069919);
        assert_eq!(round(q.service_level(14, 20.0), 6), 0.916792);
    }

    #[test]
    fn published_case_needs_13_agents_where_erlang_c_needs_14() {
        let q = published();
        let targets = Targets { service_level: 0.8, answer_time: 20.0, max_occupancy: 1.0, max_abandon: 1.0 };
        assert_eq!(q.agents(&targets), 13);
        assert!(q.service_level(13, 20.0) >= 0.8);
        assert!(q.service_level(12, 20.0) < 0.8);
        assert_eq!(erlang::agents_one(10.0, 20.0 / 180.0, 0.8, 1.0), 14);
        // pyworkforce's test_erlanga_required_positions_meets_targets.
        let strict = Targets { max_occupancy: 0.85, max_abandon: 0.05, ..targets };
        let n = q.agents(&strict);
        let m = q.metrics(n);
        assert!(m.occupancy <= 0.85 && m.abandon <= 0.05 && q.service_level(n, 20.0) >= 0.8);
        let below = q.metrics(n - 1);
        assert!(below.occupancy > 0.85 || below.abandon > 0.05 || q.service_level(n - 1, 20.0) < 0.8);
    }

    #[test]
    fn tends_to_erlang_c_as_patience_grows() {
        // pyworkforce's test_erlanga_matches_erlangc_in_patient_limit.
        let q = ErlangA { abandonment: 1.0 / 60_000_000.0, ..published() };
        for n in [15u32, 20, 25] {
            let m = q.metrics(n);
            let c = erlang::erlang_c(n, 10.0);
            assert!((m.wait - c).abs() < 1e-4, "P(wait) {n}: {} vs {c}", m.wait);
            assert!((m.occupancy - 10.0 / f64::from(n)).abs() < 1e-4, "occupancy {n}");
            let sl = erlang::service_level(n, 10.0, 20.0 / 180.0);
            assert!((q.service_level(n, 20.0) - sl).abs() < 1e-3, "service level {n}");
        }
    }

    #[test]
    fn more_agents_or_patience_behave_as_they_should() {
        let q = published();
        let levels: Vec<f64> = (14..22).map(|n| q.service_level(n, 20.0)).collect();
        assert!(levels.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{levels:?}");
        let patient = ErlangA { abandonment: 1.0 / 1200.0, ..q };
        let impatient = ErlangA { abandonment: 1.0 / 60.0, ..q };
        assert!(impatient.metrics(14).abandon > patient.metrics(14).abandon);
        assert!(q.service_level(16, 60.0) >= q.service_level(16, 5.0));
        // Little's law.
        let m = q.metrics(16);
        assert!((m.average_speed_of_answer - m.queue_length / q.arrival).abs() < 1e-12);
    }

    #[test]
    fn impatient_callers_can_need_fewer_agents_than_the_traffic() {
        // A = 10 Erlangs, callers hang up after 6 s on average, half must
        // be answered within 20 s: a queue below A is stable here.
        let q = ErlangA { abandonment: 1.0 / 6.0, ..published() };
        let targets = Targets { service_level: 0.5, answer_time: 20.0, max_occupancy: 1.0, max_abandon: 1.0 };
        let n = q.agents(&targets);
        assert!(f64::from(n) < q.traffic(), "{n}");
        assert!(q.service_level(n, 20.0) >= 0.5);
        assert!((1..n).all(|k| q.service_level(k, 20.0) < 0.5));
    }

    #[test]
    fn long_answer_time_keeps_delayed_answers() {
        // 1,000 Erlangs and a 10-minute answer time: far more than 745
        // uniformized jumps, where exp(-lambda t) alone underflows.
        let q = ErlangA { arrival: 1000.0 / 180.0, service: 1.0 / 180.0, abandonment: 1.0 / 600.0 };
        let immediate = 1.0 - q.metrics(1000).wait;
        let sl = q.service_level(1000, 600.0);
        assert!(sl > immediate + 0.01 && sl <= 1.0, "{sl} vs {immediate}");
    }

    #[test]
    fn closed_form_service_level_agrees_with_uniformization() {
        // Over loads from light to overloaded, patience from impatient to
        // near Erlang C, short and long answer times.
        let mut worst: f64 = 0.0;
        for &(calls, aht, patience) in &[
            (100.0, 180.0, 300.0),
            (400.0, 360.0, 240.0),
            (40.0, 600.0, 30.0),
            (900.0, 240.0, 3600.0),
            (5.0, 300.0, 120.0),
        ] {
            let q = ErlangA { arrival: calls / 1800.0, service: 1.0 / aht, abandonment: 1.0 / patience };
            let a = q.traffic();
            for n in [(a * 0.6) as usize + 1, a as usize + 1, (a * 1.3) as usize + 2] {
                let probs = q.stationary(n);
                if probs.len() <= n {
                    continue;
                }
                for t in [5.0, 20.0, 60.0, 300.0] {
                    let closed = q.delayed_answered_within(n, &probs[n..], t);
                    let reference = q.delayed_answered_uniformized(n, &probs[n..], t);
                    worst = worst.max((closed - reference).abs());
                }
            }
        }
        assert!(worst < 1e-12, "largest difference {worst:e}");
    }

    #[test]
    fn prepared_queue_agrees_with_the_direct_evaluation() {
        let q = published();
        for n in [5u32, 10, 13, 14, 20] {
            let mut prepared = Prepared::new(q.service, q.abandonment, n, 20.0);
            for calls in [1.0, 40.0, 100.0, 160.0, 400.0] {
                let arrival = calls / 1800.0;
                // The reference: the stored distribution, summed apart.
                let queue = ErlangA { arrival, ..q };
                let probs = queue.stationary(n as usize);
                let delayed = &probs[n as usize..];
                let abandon =
                    q.abandonment * delayed.iter().enumerate().map(|(j, p)| j as f64 * p).sum::<f64>() / arrival;
                let immediate: f64 = probs[..n as usize].iter().sum();
                let sl = immediate + queue.delayed_answered_uniformized(n as usize, delayed, 20.0);
                let (m, prepared_sl) = prepared.evaluate(arrival);
                assert!((m.abandon - abandon).abs() < 1e-13, "{n} {calls}");
                assert!((prepared_sl - sl).abs() < 1e-12, "{n} {calls}: {prepared_sl} vs {sl}");
            }
        }
    }

    #[test]
    fn no_arrivals_need_one_agent() {
        let q = ErlangA { arrival: 0.0, ..published() };
        let targets = Targets { service_level: 0.9, answer_time: 20.0, max_occupancy: 0.85, max_abandon: 0.05 };
        assert_eq!(q.agents(&targets), 1);
        assert_eq!(q.metrics(1).abandon, 0.0);
    }
}
