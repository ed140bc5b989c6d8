//! The checked model: what validation produces and everything downstream
//! trusts. Only [`crate::validate`] builds these, so nothing after it
//! re-checks input.
//!
//! Every number that may be uncertain is an [`InputId`] into the case's
//! [`Inputs`] registry: one slot a sampled-once input, constants included,
//! so the month loop reads one flat vector of this iteration's values.

use std::path::PathBuf;

use crate::calendar::{FiscalYear, YearMonth};
use crate::dist::copula::Copula;
use crate::dist::{Dist, Domain};

/// Index of an input in [`Inputs`].
pub type InputId = usize;

/// How an input's value is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum InputKind {
    /// The value is a draw of the distribution, clamped to the domain.
    Value,
    /// The value is the 0/1 success draw u ~ Bernoulli(p), p a draw of the
    /// distribution clamped to [0, 1] (spec section 11).
    Success,
}

#[derive(Debug, Clone)]
pub struct InputDef {
    /// Its name in reports and correlations, e.g. `chatbot.effects[0].share`.
    pub path: String,
    /// The expression as the user wrote it (or the default), for reports.
    pub written: String,
    pub dist: Dist,
    pub domain: Domain,
    pub kind: InputKind,
    /// The file it was written in: the model, or the scenario file.
    pub from_scenario: bool,
}

impl InputDef {
    /// True when its value varies between iterations.
    pub fn is_uncertain(&self) -> bool {
        match self.kind {
            InputKind::Value => !self.dist.is_constant(),
            InputKind::Success => match self.dist.constant_value() {
                Some(p) => {
                    let p = p.clamp(0.0, 1.0);
                    p > 0.0 && p < 1.0
                }
                None => true,
            },
        }
    }

    /// Its value when it is not uncertain.
    pub fn fixed_value(&self) -> f64 {
        let v = self.dist.constant_value().unwrap_or(f64::NAN);
        match self.kind {
            InputKind::Value => self.domain.clamp(v),
            InputKind::Success => f64::from(u8::from(v >= 1.0)),
        }
    }
}

/// Every sampled-once input of a case, in a fixed order.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub defs: Vec<InputDef>,
}

impl Inputs {
    pub fn add(&mut self, def: InputDef) -> InputId {
        self.defs.push(def);
        self.defs.len() - 1
    }

    pub fn find(&self, path: &str) -> Option<InputId> {
        self.defs.iter().position(|d| d.path == path)
    }
}

/// The operation as it runs today (spec section 3).
#[derive(Debug, Clone)]
pub struct Model {
    pub path: PathBuf,
    pub name: String,
    pub currency: String,
    pub start: YearMonth,
    pub months: usize,
    pub fiscal_year_start: u32,
    pub fiscal_years: Vec<FiscalYear>,
    pub discount_rate: InputId,
    /// (fiscal year, budget), ascending by year.
    pub budgets: Vec<(i32, f64)>,
    pub channels: Vec<Channel>,
}

impl Model {
    pub fn month_label(&self, m: usize) -> String {
        self.start.plus(m).to_string()
    }

    pub fn budget_for(&self, fiscal_year: i32) -> Option<f64> {
        self.budgets.iter().find(|(y, _)| *y == fiscal_year).map(|(_, b)| *b)
    }
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: String,
    pub baseline: Baseline,
    /// Coefficient of variation of the monthly lognormal noise.
    pub noise: f64,
    pub cost_per_contact: InputId,
    pub inflation: InputId,
    pub fixed_monthly: InputId,
    /// Priced from the agents it needs (spec section 10); then
    /// `cost_per_contact` is the non-labour cost per contact.
    pub staffing: Option<Staffing>,
}

/// `[channel.staffing]`: the queue an agent channel runs and what its agents
/// cost. Each field is an input, sampled once per iteration.
#[derive(Debug, Clone)]
pub struct Staffing {
    pub aht_seconds: InputId,
    /// When the queue is open: hours a month, or a weekly profile.
    pub hours: Hours,
    pub service_level: InputId,
    pub answer_seconds: InputId,
    pub max_occupancy: InputId,
    pub shrinkage: InputId,
    pub paid_hours_per_fte: InputId,
    pub cost_per_fte: InputId,
    pub concurrency: InputId,
    /// Callers who hang up (spec section 14): the queue is staffed by
    /// Erlang A instead of Erlang C. None: they wait as long as it takes.
    pub abandonment: Option<Abandonment>,
    /// How paid headcount follows the agents required (spec section 13).
    /// None: payroll is exactly the FTE required each month (section 10).
    pub headcount: Option<Headcount>,
}

/// A staffed channel's headcount rules (spec section 13): staff leave
/// through attrition, hires are paid while they train, and a surplus is
/// either released at once (with severance) or left to attrition.
#[derive(Debug, Clone)]
pub struct Headcount {
    /// Monthly share of paid FTE who leave, in [0, 1).
    pub attrition: InputId,
    /// Months a hire is paid before being productive (a whole number).
    pub training_months: usize,
    pub release: Release,
    /// Cost per FTE released under [`Release::Immediate`].
    pub severance_per_fte: InputId,
}

/// What happens to FTE the channel no longer needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Released the month they are surplus, paid severance.
    Immediate,
    /// Kept on payroll until attrition absorbs them.
    Attrition,
}

impl Release {
    /// The values `release` accepts, as written in a model.
    pub const ALL: [(&'static str, Release); 2] =
        [("immediate", Release::Immediate), ("attrition", Release::Attrition)];
}

/// When a staffed queue is open, and so how its agents are counted.
#[derive(Debug, Clone)]
pub enum Hours {
    /// `open_hours` a month, one average queue a month (spec section 10).
    Monthly(InputId),
    /// A weekly arrival pattern by interval (spec section 14): a queue per
    /// interval, its agents summed into agent hours.
    Weekly(std::sync::Arc<Profile>),
}

impl Hours {
    /// The `open_hours` input, if the queue has one.
    pub fn open_hours(&self) -> Option<InputId> {
        match self {
            Hours::Monthly(id) => Some(*id),
            Hours::Weekly(_) => None,
        }
    }
}

/// A weekly arrival pattern (`profile_csv`, spec section 14): the share of
/// a week's contacts arriving in each open interval. An interval not
/// listed is closed.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The file it was read from, as written in the model.
    pub file: String,
    pub interval_minutes: u32,
    /// Open intervals, in week order (Monday 00:00 first).
    pub intervals: Vec<Interval>,
}

/// One open interval of a weekly profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// 0 = Monday .. 6 = Sunday.
    pub weekday: usize,
    /// Minutes after midnight.
    pub start_minute: u32,
    /// Share of a week's contacts, >= 0; the shares sum to 1.
    pub share: f64,
}

impl Profile {
    /// Each weekday's share of the week, `S_w`.
    pub fn day_shares(&self) -> [f64; 7] {
        let mut days = [0.0; 7];
        for i in &self.intervals {
            days[i.weekday] += i.share;
        }
        days
    }

    /// Hours the queue is open in a week.
    pub fn weekly_open_hours(&self) -> f64 {
        self.intervals.len() as f64 * f64::from(self.interval_minutes) / 60.0
    }

    /// The largest share of one interval.
    pub fn peak_share(&self) -> f64 {
        self.intervals.iter().map(|i| i.share).fold(0.0, f64::max)
    }
}

/// A staffed queue's callers' patience and the abandonment share allowed.
#[derive(Debug, Clone)]
pub struct Abandonment {
    /// Mean patience of a waiting caller, seconds.
    pub patience_seconds: InputId,
    /// Cap on the share of callers who hang up; None: no cap.
    pub max_abandon: Option<InputId>,
}

/// Where a channel's baseline volume comes from.
#[derive(Debug, Clone)]
pub enum Baseline {
    /// volume * (1 + growth)^(m-1) * seasonality[cal(m)].
    Trend { volume: InputId, growth: InputId, seasonality: [InputId; 12] },
    /// A planned volume for every horizon month (`volumes_csv`).
    Plan(Vec<f64>),
    /// Fitted from its history of actual volumes (`history_csv`, spec
    /// section 12).
    Fitted(Box<Fitted>),
}

/// A channel fitted from its history: the fit, the actuals that fix the
/// first horizon months (a reforecast), and the inputs sensitivity reads.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// Fitted on the history's months before the horizon start.
    pub fit: crate::fit::Fit,
    /// The whole history as read, from `first` (horizon months included).
    pub first: YearMonth,
    pub history: Vec<f64>,
    /// Months from the fit's first month to the horizon's (t of month 1).
    pub start_t: usize,
    /// Actual volumes of the first horizon months: fixed, without noise.
    pub actuals: Vec<f64>,
    /// `CHANNEL.volume`: the drawn trend level at the horizon start,
    /// exp(level + trend * start_t); its distribution is exactly lognormal.
    pub volume: InputId,
    /// `CHANNEL.growth`: exp(trend) - 1 per month; normal approximately.
    pub growth: InputId,
    /// Where its history starts (its first row in `history_csv`), for
    /// messages about the fit.
    pub at: crate::error::Diagnostic,
}

impl Fitted {
    /// The last month known (t, ln V): the last actual inside the horizon,
    /// else the last month fitted. The process continues from it.
    pub fn last_known(&self) -> (usize, f64) {
        match self.actuals.last() {
            Some(v) => (self.start_t + self.actuals.len() - 1, v.ln()),
            None => (self.fit.months - 1, self.fit.last_log),
        }
    }

    /// Months between the history's end and the horizon start: simulated
    /// and discarded.
    pub fn lead(&self) -> usize {
        if self.actuals.is_empty() { self.start_t - self.fit.months } else { 0 }
    }

    /// A typical volume of 0-based horizon month m: its actual, or the
    /// fitted trend and season at the estimates.
    pub fn typical_volume(&self, m: usize) -> f64 {
        match self.actuals.get(m) {
            Some(&v) => v,
            None => {
                let t = self.start_t + m;
                self.fit.estimates().mean_log(t, self.fit.calendar(t)).exp()
            }
        }
    }
}

/// A business case: a model, the initiatives and the scenarios to compare.
#[derive(Debug, Clone)]
pub struct Case {
    pub scenario_path: PathBuf,
    pub model: Model,
    pub initiatives: Vec<Initiative>,
    pub scenarios: Vec<Scenario>,
    pub inputs: Inputs,
    /// Where each input was written (file, line, column and field), by
    /// [`InputId`]: a run that overflows names the input to blame.
    pub input_sites: Vec<crate::error::Diagnostic>,
    pub copula: Copula,
    /// Every file read, for the run record.
    pub sources: Vec<PathBuf>,
    /// The `[optimize]` table, for `costcast optimize`.
    pub optimize: Option<OptimizeSpec>,
    /// The confidence finance commits at (`--confidence`, not from the
    /// files): the committable saving is the (1 - confidence) quantile of
    /// a fiscal year's saving, and the recommended scenario must have at
    /// least this chance of a positive NPV.
    pub confidence: f64,
}

impl Case {
    /// Whether an initiative of one of its scenarios is depreciated: then
    /// the run has a P&L view (`pnl.csv`).
    pub fn depreciates(&self) -> bool {
        self.scenarios.iter().flat_map(|s| &s.initiatives).any(|&k| self.initiatives[k].depreciation_years.is_some())
    }
}

/// What `costcast optimize` searches for (spec section 8).
#[derive(Debug, Clone)]
pub struct OptimizeSpec {
    /// Mean total capex a portfolio may not exceed; None: no ceiling.
    pub capex_budget: Option<f64>,
    pub objective: Objective,
    /// P(npv > 0) a portfolio must reach, when set.
    pub min_prob_positive: Option<f64>,
    /// Initiatives always in the portfolio, and never in it (indices into
    /// [`Case::initiatives`]).
    pub required: Vec<usize>,
    pub excluded: Vec<usize>,
    /// Where `capex_budget` is written, for a budget no portfolio meets
    /// (found only once portfolios are evaluated).
    pub budget_at: crate::error::Diagnostic,
}

impl OptimizeSpec {
    /// No budget, no floor, objective NPV P50: the search a scenario file
    /// without `[optimize]` gets.
    pub fn unconstrained(budget_at: crate::error::Diagnostic) -> OptimizeSpec {
        OptimizeSpec {
            capex_budget: None,
            objective: Objective::NpvP50,
            min_prob_positive: None,
            required: Vec::new(),
            excluded: Vec::new(),
            budget_at,
        }
    }
}

/// The statistic of a portfolio's NPV the search maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    NpvMean,
    NpvP10,
    NpvP50,
}

impl Objective {
    pub const ALL: [(&'static str, Objective); 3] =
        [("npv_mean", Objective::NpvMean), ("npv_p10", Objective::NpvP10), ("npv_p50", Objective::NpvP50)];

    pub fn name(self) -> &'static str {
        Objective::ALL.iter().find(|(_, o)| *o == self).map_or("npv_p50", |(n, _)| n)
    }

    /// How a report names it.
    pub fn label(self) -> &'static str {
        match self {
            Objective::NpvMean => "mean NPV",
            Objective::NpvP10 => "NPV P10",
            Objective::NpvP50 => "NPV P50",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Initiative {
    pub id: String,
    pub name: String,
    /// 0-based horizon month in which it starts.
    pub start: usize,
    /// Months to full effect; 0 means full effect at once.
    pub ramp: u32,
    pub success: InputId,
    pub capex: InputId,
    pub opex: InputId,
    pub effects: Vec<Effect>,
    /// Years its capex is depreciated over, straight-line, in the P&L
    /// view; `None`: the capex is expensed when paid.
    pub depreciation_years: Option<f64>,
}

impl Initiative {
    /// w(k, m) of spec section 5 before the success draw, for 0-based month m.
    #[inline]
    pub fn ramp_weight(&self, m: usize) -> f64 {
        if m < self.start {
            0.0
        } else if self.ramp == 0 {
            1.0
        } else {
            ((m - self.start + 1) as f64 / self.ramp as f64).min(1.0)
        }
    }

    /// Its capex in the P&L: the months it is spread over, and how many of
    /// them fall in each of `fiscal_years`. Straight-line over 12 x
    /// `depreciation_years` months from the start month (the last one a
    /// fraction when that is not whole), each month charged capex / (12 x
    /// years); months past the horizon are not shown. Without
    /// `depreciation_years` the capex is expensed in its start month: one
    /// month of one.
    pub fn depreciation_schedule(&self, fiscal_years: &[FiscalYear]) -> (f64, Vec<f64>) {
        let span = self.depreciation_years.map_or(1.0, |years| 12.0 * years);
        let charged = |m: usize| if m < self.start { 0.0 } else { (span - (m - self.start) as f64).clamp(0.0, 1.0) };
        (span, fiscal_years.iter().map(|fy| fy.months.clone().map(charged).sum()).collect())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Contacts that never happen, on each listed channel.
    Avoid { channels: Vec<usize>, share: InputId },
    /// Contacts moved from one channel to another (or nowhere); a leaked
    /// share of them still reaches the agent channel.
    Deflect { from: usize, to: Option<usize>, share: InputId, leak: InputId },
    /// A cheaper contact on each listed channel.
    ReduceCost { channels: Vec<usize>, share: InputId },
}

impl Effect {
    pub fn share(&self) -> InputId {
        match self {
            Effect::Avoid { share, .. } | Effect::Deflect { share, .. } | Effect::ReduceCost { share, .. } => *share,
        }
    }

    /// The channels whose volume it changes: avoided, deflected from or to.
    pub fn volume_channels(&self) -> Vec<usize> {
        match self {
            Effect::Avoid { channels, .. } => channels.clone(),
            Effect::Deflect { from, to, .. } => std::iter::once(*from).chain(*to).collect(),
            Effect::ReduceCost { .. } => Vec::new(),
        }
    }

    /// The channels whose cost per contact (AHT, on a staffed channel) it
    /// cuts.
    pub fn price_channels(&self) -> &[usize] {
        match self {
            Effect::ReduceCost { channels, .. } => channels,
            Effect::Avoid { .. } | Effect::Deflect { .. } => &[],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// Indices into [`Case::initiatives`], in the order they are applied.
    pub initiatives: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::fiscal_years;

    fn starting(start: usize, depreciation_years: Option<f64>) -> Initiative {
        Initiative {
            id: "x".into(),
            name: "x".into(),
            start,
            ramp: 0,
            success: 0,
            capex: 0,
            opex: 0,
            effects: Vec::new(),
            depreciation_years,
        }
    }

    /// Capex paid in month 3 of a horizon from January 2027, fiscal years
    /// from July: FY2027 holds months 1-6, FY2028 7-18, FY2029 19-30,
    /// FY2030 31-36.
    #[test]
    fn depreciation_runs_straight_line_from_the_start_month_and_stops_at_the_horizon() {
        let years = fiscal_years(YearMonth { year: 2027, month: 1 }, 36, 7);
        assert_eq!(years.iter().map(|fy| fy.year).collect::<Vec<_>>(), [2027, 2028, 2029, 2030]);
        assert_eq!(starting(2, Some(2.0)).depreciation_schedule(&years), (24.0, vec![4.0, 12.0, 8.0, 0.0]));
        // Five years from month 3 run past month 36: only 34 months shown.
        assert_eq!(starting(2, Some(5.0)).depreciation_schedule(&years), (60.0, vec![4.0, 12.0, 12.0, 6.0]));
        // 1.25 years: 15 months; 1.3 years: 15.6, the last month a fraction.
        assert_eq!(starting(2, Some(1.25)).depreciation_schedule(&years).1, vec![4.0, 11.0, 0.0, 0.0]);
        let (span, months) = starting(2, Some(1.3)).depreciation_schedule(&years);
        assert!((span - 15.6).abs() < 1e-12 && (months[1] - 11.6).abs() < 1e-12, "{span} {months:?}");
        // Expensed: the whole capex in the start month's fiscal year.
        assert_eq!(starting(7, None).depreciation_schedule(&years), (1.0, vec![0.0, 1.0, 0.0, 0.0]));
    }
}
