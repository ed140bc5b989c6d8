//! A staffed channel's queue (spec section 10): the agents a month's
//! traffic needs for the service level, as FTE and labour cost.

// Lanes are indexed explicitly: that is the shape the compiler vectorises.
#![allow(clippy::needless_range_loop)]

use super::interval::{Rule, Tables, Weekly};
use super::lanes::{LANES, Lanes, ZERO};
use crate::calendar::YearMonth;
use crate::model::{Hours, Inputs};
use crate::staffing::erlang_a::{ErlangA, Targets};
use crate::staffing::{self, erlang};

/// A staffed channel's queue, with this block's sampled-once inputs folded
/// into the factors the month loop needs.
#[derive(Debug, Clone)]
pub(super) struct Queue {
    pub(super) channel: usize,
    /// Its index among the headcount channels (spec section 13), if any.
    pub(super) headcount: Option<usize>,
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
    /// With callers who hang up (spec section 14), what Erlang A needs
    /// beyond the Erlang C factors.
    patience: Option<Patience>,
    /// With a weekly profile (spec section 14): where its intervals fall
    /// in each month, and each lane's thresholds.
    weekly: Option<Weekly>,
    tables: Tables,
    /// AHT / concurrency, seconds: one server's time per contact.
    seconds_per_contact: Lanes,
    /// FTE per agent hour: 1 / (paid_hours_per_fte * (1 - shrinkage)).
    fte_per_hour: Lanes,
}

/// A queue's Erlang A factors, per lane, in seconds.
#[derive(Debug, Clone, Default)]
struct Patience {
    /// Arrivals per second one contact a month brings: 1 / (open_hours * 3600).
    rate_per_contact: Lanes,
    /// AHT / concurrency: one server's mean service time before reduce_cost.
    service_seconds: Lanes,
    /// 1 / patience_seconds.
    abandonment: Lanes,
    answer_seconds: Lanes,
    /// 1 where no cap is set.
    max_abandon: Lanes,
}

/// Shortest AHT (seconds) the queue formulas see, and the smallest factor
/// reduce_cost may shorten it by: an AHT cut to 0 leaves no traffic but
/// must not divide by zero.
const MIN_AHT_SECONDS: f64 = 1e-9;
const MIN_AHT_FACTOR: f64 = 1e-12;

impl Queue {
    /// The queue of channel `channel`, its factors to be loaded per block.
    /// `start` and `months` place a weekly profile's intervals in the
    /// horizon's months.
    pub(super) fn new(
        channel: usize,
        staffing: crate::model::Staffing,
        inputs: &Inputs,
        start: YearMonth,
        months: usize,
    ) -> Queue {
        let weekly = match &staffing.hours {
            Hours::Monthly(_) => None,
            Hours::Weekly(profile) => Some(Weekly::new(profile, start, months)),
        };
        // Thresholds are shared across draws when the targets are the same
        // in all of them (handle time, patience and answer time may vary).
        let abandon = staffing.abandonment.as_ref().and_then(|a| a.max_abandon);
        let shared = [Some(staffing.service_level), Some(staffing.max_occupancy), abandon]
            .into_iter()
            .flatten()
            .all(|id| inputs.defs[id].dist.is_constant());
        Queue {
            channel,
            headcount: None,
            staffing,
            erlangs_per_contact: ZERO,
            answer_over_aht: ZERO,
            target: ZERO,
            max_occupancy: ZERO,
            fte_per_agent: ZERO,
            patience: None,
            weekly,
            tables: Tables::new(shared),
            seconds_per_contact: ZERO,
            fte_per_hour: ZERO,
        }
    }

    /// Fold the block's draws into the queue factors. Draws are clamped into
    /// the ranges validation allows (it refuses more than a 1e-9 trace
    /// outside them).
    pub(super) fn load(&mut self, v: &[Lanes]) {
        let s = &self.staffing;
        // A weekly queue's hours come from its profile: its monthly
        // factors are those of one open hour, unused.
        let open_hours = s.hours.open_hours();
        for l in 0..LANES {
            let aht = v[s.aht_seconds][l].max(MIN_AHT_SECONDS);
            let open_hours = open_hours.map_or(1.0, |id| v[id][l]).max(f64::MIN_POSITIVE);
            let concurrency = v[s.concurrency][l].max(1.0);
            let paid = v[s.paid_hours_per_fte][l].max(f64::MIN_POSITIVE);
            let shrinkage = v[s.shrinkage][l].clamp(0.0, 1.0 - 1e-9);
            self.erlangs_per_contact[l] = aht / (open_hours * 3600.0 * concurrency);
            self.answer_over_aht[l] = v[s.answer_seconds][l].max(0.0) / aht;
            self.target[l] = v[s.service_level][l].clamp(1e-9, 1.0 - 1e-9);
            self.max_occupancy[l] = v[s.max_occupancy][l].clamp(1e-9, 1.0);
            self.fte_per_agent[l] = staffing::fte(1.0, open_hours, paid, shrinkage);
            self.seconds_per_contact[l] = aht / concurrency;
            self.fte_per_hour[l] = staffing::fte(1.0, 1.0, paid, shrinkage);
        }
        if self.weekly.is_some() {
            self.tables.clear();
        }
        if let Some(a) = &s.abandonment {
            let p = self.patience.get_or_insert_with(Patience::default);
            for l in 0..LANES {
                let aht = v[s.aht_seconds][l].max(MIN_AHT_SECONDS);
                let open_hours = open_hours.map_or(1.0, |id| v[id][l]).max(f64::MIN_POSITIVE);
                p.rate_per_contact[l] = 1.0 / (open_hours * 3600.0);
                p.service_seconds[l] = aht / v[s.concurrency][l].max(1.0);
                p.abandonment[l] = 1.0 / v[a.patience_seconds][l].max(f64::MIN_POSITIVE);
                p.answer_seconds[l] = v[s.answer_seconds][l].max(0.0);
                p.max_abandon[l] = a.max_abandon.map_or(1.0, |m| v[m][l].clamp(1e-9, 1.0 - 1e-9));
            }
        }
    }

    /// FTE and labour cost for month `m`'s volume, with AHT scaled by
    /// `aht_factor` and one FTE costing `fte_price`. `closing`: the
    /// month's abandoned contacts ([`Queue::abandoned`]) are asked for at
    /// this volume next, so a weekly queue works them out in the same pass
    /// over its intervals and keeps them, rather than passing over the
    /// intervals again then.
    #[inline(always)]
    pub(super) fn staff(
        &self,
        m: usize,
        volume: &Lanes,
        aht_factor: &Lanes,
        fte_price: &Lanes,
        closing: bool,
    ) -> (Lanes, Lanes) {
        if let Some(weekly) = &self.weekly {
            let rule = |l| self.rule(l, aht_factor);
            let (hours, _) = self.tables.month(weekly, m, volume, aht_factor, rule, closing);
            let (mut fte, mut labour) = (ZERO, ZERO);
            for l in 0..LANES {
                fte[l] = hours[l] * self.fte_per_hour[l];
                labour[l] = fte[l] * fte_price[l];
            }
            return (fte, labour);
        }
        let (mut traffic, mut rate) = (ZERO, ZERO);
        for l in 0..LANES {
            // AHT' = AHT * factor; a factor of 0 (reduce_cost of 100%)
            // is floored so the rate below stays finite.
            let factor = aht_factor[l].max(MIN_AHT_FACTOR);
            traffic[l] = volume[l] * self.erlangs_per_contact[l] * factor;
            rate[l] = self.answer_over_aht[l] / factor;
        }
        let agents = match &self.patience {
            None => erlang::agents::<LANES>(&traffic, &rate, &self.target, &self.max_occupancy),
            Some(p) => self.agents_erlang_a(p, volume, aht_factor),
        };
        let (mut fte, mut labour) = (ZERO, ZERO);
        for l in 0..LANES {
            fte[l] = agents[l] * self.fte_per_agent[l];
            labour[l] = fte[l] * fte_price[l];
        }
        (fte, labour)
    }

    /// Contacts abandoned in month `m` (spec section 14): each queue's
    /// arrivals times its P(abandon) at the agents it is staffed with.
    #[inline(never)]
    pub(super) fn abandoned(&self, m: usize, volume: &Lanes, aht_factor: &Lanes) -> Lanes {
        if let Some(weekly) = &self.weekly {
            return self.tables.month(weekly, m, volume, aht_factor, |l| self.rule(l, aht_factor), true).1;
        }
        let Some(p) = &self.patience else { return ZERO };
        let mut lost = ZERO;
        for l in 0..LANES {
            let (queue, targets) = self.erlang_a(p, l, volume[l], aht_factor[l]);
            let agents = queue.agents(&targets);
            lost[l] = volume[l].max(0.0) * queue.metrics(agents).abandon;
        }
        lost
    }

    /// Lane `l`'s staffing rule for one interval's queue, at its AHT factor.
    fn rule(&self, l: usize, aht_factor: &Lanes) -> Rule {
        let factor = aht_factor[l].max(MIN_AHT_FACTOR);
        match &self.patience {
            None => Rule::C {
                seconds_per_contact: self.seconds_per_contact[l] * factor,
                answer_over_aht: self.answer_over_aht[l] / factor,
                target: self.target[l],
                max_occupancy: self.max_occupancy[l],
            },
            Some(p) => Rule::A {
                service: 1.0 / (p.service_seconds[l] * factor),
                abandonment: p.abandonment[l],
                targets: self.targets(p, l),
            },
        }
    }

    fn targets(&self, p: &Patience, l: usize) -> Targets {
        Targets {
            service_level: self.target[l],
            answer_time: p.answer_seconds[l],
            max_occupancy: self.max_occupancy[l],
            max_abandon: p.max_abandon[l],
        }
    }

    /// Lane `l`'s monthly Erlang A queue for `volume` contacts.
    fn erlang_a(&self, p: &Patience, l: usize, volume: f64, aht_factor: f64) -> (ErlangA, Targets) {
        let factor = aht_factor.max(MIN_AHT_FACTOR);
        let queue = ErlangA {
            arrival: volume.max(0.0) * p.rate_per_contact[l],
            service: 1.0 / (p.service_seconds[l] * factor),
            abandonment: p.abandonment[l],
        };
        (queue, self.targets(p, l))
    }

    /// Agents by Erlang A, lane by lane: the search is not vectorised (each
    /// lane's queue has its own length), and only queues with a patience
    /// take this path.
    #[inline(never)]
    fn agents_erlang_a(&self, p: &Patience, volume: &Lanes, aht_factor: &Lanes) -> Lanes {
        let mut agents = ZERO;
        for l in 0..LANES {
            let (queue, targets) = self.erlang_a(p, l, volume[l], aht_factor[l]);
            agents[l] = f64::from(queue.agents(&targets));
        }
        agents
    }
}
