//! A fiscal year's baseline cost from the median inputs, without noise:
//! the yardstick the budget is held against (docs/model.md section 11).
//!
//! It only has to tell a budget that fits the operation from one off by an
//! order of magnitude, so it runs the baseline formulas of section 5 once,
//! every input at its median, rather than a simulation (on a staffed
//! channel with headcount rules, the payroll of section 13 too).

use std::ops::Range;

use crate::model::{Baseline, Channel, Headcount, Hours, InputId, Inputs, Model, Release, Staffing};
use crate::staffing::{self, erlang};
use crate::validate::staffing::MAX_TYPICAL_ERLANGS;

/// Days in an average month (365.25 / 12).
const AVERAGE_MONTH_DAYS: f64 = 365.25 / 12.0;

/// Each channel's baseline cost over the 0-based horizon `months`, in
/// model order: for month m, `V(m) * c * (1 + i)^(m/12) + f * (1 + i)^(m/12)`
/// with `V(m) = volume * (1 + growth)^m * seasonality[cal(m)]` (or the
/// planned volume), each input at its median (clamped to its domain), the
/// noise left out; plus, on a staffed channel, the labour of the agents
/// that volume needs at the median queue inputs.
pub(crate) fn baseline_by_channel(model: &Model, inputs: &Inputs, months: Range<usize>) -> Vec<f64> {
    let median = |id: InputId| {
        let def = &inputs.defs[id];
        def.domain.clamp(def.dist.quantile(0.5))
    };
    model.channels.iter().map(|ch| channel_cost(model, ch, &median, months.clone())).collect()
}

fn channel_cost(model: &Model, ch: &Channel, median: &impl Fn(InputId) -> f64, months: Range<usize>) -> f64 {
    let (price, fixed, inflation) = (median(ch.cost_per_contact), median(ch.fixed_monthly), median(ch.inflation));
    let queue = ch.staffing.as_ref().map(|s| MedianQueue::new(s, median));
    let volume = |m: usize| match &ch.baseline {
        Baseline::Trend { volume, growth, seasonality } => {
            let calendar = model.start.plus(m).month as usize - 1;
            let months_grown = i32::try_from(m).unwrap_or(i32::MAX);
            median(*volume) * (1.0 + median(*growth)).powi(months_grown) * median(seasonality[calendar])
        }
        Baseline::Plan(plan) => plan.get(m).copied().unwrap_or(0.0),
        Baseline::Fitted(f) => f.typical_volume(m),
    };
    // Labour before inflation, month by month: the agents the volume
    // needs, or, under headcount rules, the FTE on the payroll.
    let labour: Vec<f64> = match (&queue, ch.staffing.as_ref().and_then(|s| s.headcount.as_ref())) {
        (None, _) => vec![0.0; months.end],
        (Some(q), None) => (0..months.end).map(|m| q.fte(volume(m)) * q.cost_per_fte).collect(),
        (Some(q), Some(rules)) => {
            let required: Vec<f64> = (0..model.months).map(|m| q.fte(volume(m))).collect();
            payroll(&required, rules, median)
                .iter()
                .map(|(paid, released)| paid * q.cost_per_fte + released * median(rules.severance_per_fte).max(0.0))
                .collect()
        }
    };
    months
        .map(|m| {
            // Validation refuses rates at or below -100%; the floor keeps
            // a median there from turning the power into NaN.
            let inflated = (1.0 + inflation).max(0.0).powf(m as f64 / 12.0);
            (volume(m) * price + fixed + labour[m]) * inflated
        })
        .sum()
}

/// Paid FTE (trainees included) and FTE released, month by month, for the
/// `required` FTE under the headcount rules of spec section 13 at median
/// attrition: the payroll starts at the first month's need.
fn payroll(required: &[f64], rules: &Headcount, median: &impl Fn(InputId) -> f64) -> Vec<(f64, f64)> {
    let attrition = median(rules.attrition).clamp(0.0, 1.0);
    let mut held = required.first().copied().unwrap_or(0.0);
    let mut hires = vec![0.0; required.len()];
    let mut out = Vec::with_capacity(required.len());
    for (m, &need) in required.iter().enumerate() {
        let kept = held * (1.0 - attrition);
        let mut released = 0.0;
        if kept < need {
            hires[m] = need - kept;
            held = need;
        } else if rules.release == Release::Attrition {
            held = kept;
        } else {
            released = kept - need;
            held = need;
        }
        out.push((held, released));
    }
    for (m, (paid, _)) in out.iter_mut().enumerate() {
        *paid += hires.iter().skip(m + 1).take(rules.training_months).sum::<f64>();
    }
    out
}

/// A staffed channel's queue with every input at its median.
struct MedianQueue {
    /// Erlangs a contact a month brings: AHT / (open_hours * 3600 * concurrency).
    erlangs_per_contact: f64,
    answer_over_aht: f64,
    service_level: f64,
    max_occupancy: f64,
    fte_per_agent: f64,
    cost_per_fte: f64,
}

impl MedianQueue {
    fn new(s: &Staffing, median: &impl Fn(InputId) -> f64) -> MedianQueue {
        let aht = median(s.aht_seconds).max(f64::MIN_POSITIVE);
        // A weekly profile's open hours in an average month: an estimate
        // of one average queue, as for open_hours (the simulation staffs
        // each interval).
        let open_hours = match &s.hours {
            Hours::Monthly(id) => median(*id),
            Hours::Weekly(profile) => profile.weekly_open_hours() * AVERAGE_MONTH_DAYS / 7.0,
        }
        .max(f64::MIN_POSITIVE);
        let shrinkage = median(s.shrinkage).clamp(0.0, 1.0 - 1e-9);
        MedianQueue {
            erlangs_per_contact: aht / (open_hours * 3600.0 * median(s.concurrency).max(1.0)),
            answer_over_aht: median(s.answer_seconds).max(0.0) / aht,
            service_level: median(s.service_level).clamp(1e-9, 1.0 - 1e-9),
            max_occupancy: median(s.max_occupancy).clamp(1e-9, 1.0),
            fte_per_agent: staffing::fte(
                1.0,
                open_hours,
                median(s.paid_hours_per_fte).max(f64::MIN_POSITIVE),
                shrinkage,
            ),
            cost_per_fte: median(s.cost_per_fte).max(0.0),
        }
    }

    /// The FTE a month's volume needs: the agents Erlang C asks for, as
    /// FTE (labour is this times the cost of an FTE, not yet inflated).
    /// Beyond the traffic one queue typically carries, where validation
    /// already warns of a unit slip, the agents are the traffic over the
    /// occupancy cap, which Erlang C approaches in large queues, so the
    /// estimate stays quick.
    fn fte(&self, volume: f64) -> f64 {
        let traffic = volume * self.erlangs_per_contact;
        let agents = if traffic <= MAX_TYPICAL_ERLANGS {
            f64::from(erlang::agents_one(traffic, self.answer_over_aht, self.service_level, self.max_occupancy))
        } else {
            (traffic / self.max_occupancy).ceil()
        };
        agents * self.fte_per_agent
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::validate::load_case;

    /// The first fiscal year with a budget, its estimate, and the P50 of the
    /// simulated baseline cost in it.
    fn estimate_and_simulation(scenario: &str) -> (f64, f64) {
        let case = load_case(Path::new(scenario)).expect("a shipped scenario is valid").value;
        let model = &case.model;
        let (year, _) = model.budgets[0];
        let fy = model.fiscal_years.iter().find(|f| f.year == year).unwrap();
        let estimate: f64 = super::baseline_by_channel(model, &case.inputs, fy.months.clone()).iter().sum();
        let results = crate::run::forecast(&case, 2_000, 7, 2).unwrap();
        let simulated = results
            .fiscal_years
            .iter()
            .find(|r| r.fiscal_year == fy.label() && r.metric == "baseline_cost")
            .map(|r| match r.value {
                crate::aggregate::FiscalValue::Spread { p50, .. } => p50,
                crate::aggregate::FiscalValue::Single(x) => x,
            })
            .unwrap();
        (estimate, simulated)
    }

    /// The estimate is the baseline at median inputs: within a few percent
    /// of the simulated median for the shipped models, per contact
    /// (acme), staffed (acme-staffed) and planned (contoso, whose first
    /// fiscal year has no budget).
    #[test]
    fn estimate_is_close_to_the_simulated_baseline() {
        for scenario in [
            "scenarios/acme-ai-roadmap.toml",
            "scenarios/acme-staffed-roadmap.toml",
            "scenarios/contoso-digital-care.toml",
        ] {
            let (estimate, simulated) = estimate_and_simulation(scenario);
            let off = (estimate / simulated - 1.0).abs();
            assert!(
                off < 0.03,
                "{scenario}: estimate {estimate:.0} vs simulated P50 {simulated:.0} ({:.1}% off)",
                off * 100.0
            );
        }
    }

    #[test]
    fn estimate_follows_the_formulas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.toml");
        std::fs::write(
            &path,
            "start = \"2027-11\"\nmonths = 4\ndiscount_rate = 0.05\n\
             [[channel]]\nid = \"phone\"\nvolume = 1000\ngrowth = 0.01\ncost_per_contact = \"uniform(1, 3)\"\n\
             inflation = 0.12\nfixed_monthly = 100\nnoise = 0.2\n\
             seasonality = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3]\n",
        )
        .unwrap();
        let mut ck = crate::validate::Checker::default();
        let (model, _, _) = crate::validate::model::check_model_file(&mut ck, &path).unwrap();
        assert!(ck.errors.is_empty(), "{:?}", ck.errors);
        // Horizon months 1..3 are 2027-12, 2028-01 and 2028-02; the price's median is 2.
        let month =
            |m: i32, season: f64| (1000.0 * 1.01f64.powi(m) * season * 2.0 + 100.0) * 1.12f64.powf(f64::from(m) / 12.0);
        let expected = month(1, 3.0) + month(2, 2.0) + month(3, 1.0);
        let got = super::baseline_by_channel(&model, &ck.inputs, 1..4)[0];
        assert!((got - expected).abs() < 1e-9 * expected, "{got} vs {expected}");
    }
}
