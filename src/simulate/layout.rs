//! Where each per-iteration result lives in a result row, and how monthly
//! quantities are numbered.

use crate::model::{Case, Effect, Initiative, InputId, Release};

/// Columns of one scenario's results.
#[derive(Debug, Clone)]
pub struct ScenarioColumns {
    /// Total scenario cost over the horizon.
    pub cost: usize,
    pub net_savings: usize,
    pub investment: usize,
    /// net_savings / investment, NaN when nothing is invested.
    pub roi: usize,
    /// Payback month (1-based), NaN when it does not pay back.
    pub payback: usize,
    pub npv: usize,
    /// Scenario cost per fiscal year: `fiscal_years` columns from here.
    pub fy_cost: usize,
    /// Baseline minus scenario cost per fiscal year: `fiscal_years` columns.
    pub fy_saving: usize,
    /// Each initiative's contribution to NPV, npv(first k) - npv(first
    /// k - 1), in scenario order: `steps` columns from here. They add up
    /// to `npv`.
    pub contribution: usize,
    pub steps: usize,
    /// The run-rate and P&L view and the bridge by fiscal year; none when
    /// comparing portfolios.
    pub finance: Option<FinanceColumns>,
}

/// A scenario's columns for `run_rate.csv`, `bridge_fiscal.csv` and
/// `pnl.csv`, after every other column of the layout.
#[derive(Debug, Clone)]
pub struct FinanceColumns {
    /// The capex of its initiatives: the one-off spend.
    pub capex: usize,
    /// 12 x the monthly opex of its initiatives running in the horizon's
    /// last month: the recurring spend at the exit.
    pub recurring_opex: usize,
    /// Step j's contribution to fiscal year f's saving (the saving of the
    /// first j + 1 initiatives less that of the first j), at
    /// `fy_contribution + j * fiscal_years + f`: the host's columns for a
    /// scenario computed inside another's month loop (its steps are that
    /// one's first).
    pub fy_contribution: usize,
    /// The P&L per fiscal year, when an initiative of the case is
    /// depreciated ([`Case::depreciates`]).
    pub pnl: Option<PnlColumns>,
}

/// Per fiscal year (`fiscal_years` columns from each): the capex paid in
/// it, the depreciation charged to it, and the saving the P&L shows (cash
/// saving + capex - depreciation).
#[derive(Debug, Clone)]
pub struct PnlColumns {
    pub capex: usize,
    pub depreciation: usize,
    pub saving: usize,
}

/// The percentiles each kind of result reports (spec section 9).
pub const SUMMARY_PROBS: [f64; 5] = [0.05, 0.10, 0.50, 0.90, 0.95];
pub const FISCAL_PROBS: [f64; 3] = [0.10, 0.50, 0.90];
pub const BRIDGE_PROBS: [f64; 2] = [0.10, 0.90];

/// The percentiles a tallied column keeps the order statistics for: up
/// to [`Probs::MAX`], held by value so that a [`Keep`] stays `Copy` while
/// one of them (the committable saving's `1 - confidence`) is the run's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probs {
    values: [f64; Probs::MAX],
    len: usize,
}

impl Probs {
    pub const MAX: usize = 6;

    /// Percentiles `probs` followed by `extra`; at most [`Probs::MAX`].
    pub fn of(probs: &[f64], extra: &[f64]) -> Probs {
        let mut values = [0.0; Probs::MAX];
        let len = probs.len() + extra.len();
        assert!(len <= Probs::MAX, "a tally keeps at most {} percentiles", Probs::MAX);
        for (v, &p) in values.iter_mut().zip(probs.iter().chain(extra)) {
            *v = p;
        }
        Probs { values, len }
    }

    /// No percentile: the column keeps its mean only.
    pub const NONE: Probs = Probs { values: [0.0; Probs::MAX], len: 0 };
}

impl std::ops::Deref for Probs {
    type Target = [f64];

    fn deref(&self) -> &[f64] {
        &self.values[..self.len]
    }
}

/// The confidence finance commits at when none is asked for: the
/// committable saving is then the P10 (spec section 9).
pub const DEFAULT_CONFIDENCE: f64 = 0.9;

/// The quantile of the saving committed at `confidence`: 1 - confidence,
/// rounded to 12 decimals so that 0.9 gives the P10 exactly (1 - 0.9 is
/// 0.09999999999999998 in floating point).
pub fn commit_quantile(confidence: f64) -> f64 {
    ((1.0 - confidence) * 1e12).round() / 1e12
}

/// How a result column is kept over the iterations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Keep {
    /// Every value, f64 (NPV: sensitivity ranks it, charts draw it).
    Whole,
    /// Every value as a small integer month (payback), 0 for none.
    Month,
    /// A [`super::tally::Tally`] for these percentiles, counting values
    /// above a threshold (a fiscal year's budget) when one is given.
    Tally(Probs, Option<f64>),
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub months: usize,
    pub channels: usize,
    pub fiscal_years: usize,
    pub baseline_cost: usize,
    /// Baseline cost per fiscal year: `fiscal_years` columns from here.
    pub baseline_fy: usize,
    pub scenarios: Vec<ScenarioColumns>,
    /// How each column is kept.
    pub keep: Vec<Keep>,
    /// The uncertain inputs kept for sensitivity, in input-table order.
    pub inputs: Vec<InputId>,
    pub width: usize,
    /// Where each scenario's waterfall steps start among the monthly
    /// quantities (see [`Layout::waterfall_index`]).
    waterfall: Vec<usize>,
    /// Channels priced by staffing (spec section 10), ascending.
    pub staffed: Vec<usize>,
    /// Where the FTE quantities start (see [`Layout::fte_index`]).
    fte: usize,
    /// The staffed channels with headcount rules (spec section 13), as
    /// indices into [`Layout::staffed`], ascending; and where their
    /// quantities start (see [`Layout::headcount_index`]).
    pub headcount: Vec<usize>,
    headcount_at: usize,
    /// The staffed channels whose callers hang up (spec section 14), as
    /// indices into [`Layout::staffed`], ascending; and where their
    /// abandoned contacts start (see [`Layout::abandoned_index`]).
    pub abandon: Vec<usize>,
    abandon_at: usize,
    /// Settle each scenario's cost after every initiative, for the bridge
    /// columns (`step_npv`); off for comparing portfolios, which keeps only
    /// the last step (the NPV) meaningful.
    pub bridge: bool,
    quantities: usize,
    /// Per monthly quantity, where it comes from.
    pub source: Vec<Source>,
}

/// Where a monthly quantity's sum over the iterations, and its values in
/// the monthly sample, come from. Most of a month's quantities are not all
/// news: a channel no started initiative touches is the baseline's, and the
/// totals and the cumulative saving add up the others. Leaving those out of
/// the month loop's recording saves two fifths of it on the canonical case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Summed (and kept for the sample) as the block records it.
    Recorded,
    /// The same, iteration by iteration and bit for bit, as this baseline
    /// quantity: no initiative the scenario has started by this month
    /// touches the channel. Neither summed nor kept; read from that one.
    Baseline(usize),
    /// A total over channels, or the cumulative saving: kept for the
    /// sample (its percentiles need each iteration's value), its sum added
    /// up from the recorded sums afterwards ([`Layout::complete_sums`]).
    Added,
}

/// A headcount channel's monthly quantities besides its (paid) FTE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadcountMetric {
    /// R(m): the FTE section 10 requires.
    Required = 0,
    Hires = 1,
    Leavers = 2,
    Released = 3,
    /// (H - R) x the month's cost per FTE: the surplus still waiting for
    /// attrition.
    SurplusCost = 4,
}

impl HeadcountMetric {
    pub const COUNT: usize = 5;
    pub const ALL: [HeadcountMetric; 5] = [
        HeadcountMetric::Required,
        HeadcountMetric::Hires,
        HeadcountMetric::Leavers,
        HeadcountMetric::Released,
        HeadcountMetric::SurplusCost,
    ];
    /// The rows `monthly.csv` reports, by name (the surplus cost is the
    /// page's and the workbook's, per fiscal year).
    pub const ROWS: [(&'static str, HeadcountMetric); 4] = [
        ("required_fte", HeadcountMetric::Required),
        ("hires", HeadcountMetric::Hires),
        ("leavers", HeadcountMetric::Leavers),
        ("released", HeadcountMetric::Released),
    ];
}

/// The two monthly metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthlyMetric {
    Volume = 0,
    Cost = 1,
}

impl Layout {
    pub fn new(case: &Case) -> Layout {
        Layout::build(case, true)
    }

    /// The layout of a run (`bridge`: every initiative settled, the bridge
    /// and the finance columns kept) or of a portfolio comparison.
    fn build(case: &Case, bridge: bool) -> Layout {
        let nfy = case.model.fiscal_years.len();
        let mut col = 0;
        let mut take = |n: usize| {
            let c = col;
            col += n;
            c
        };
        let baseline_cost = take(1);
        let baseline_fy = take(nfy);
        let scenarios: Vec<ScenarioColumns> = case
            .scenarios
            .iter()
            .map(|s| ScenarioColumns {
                cost: take(1),
                net_savings: take(1),
                investment: take(1),
                roi: take(1),
                payback: take(1),
                npv: take(1),
                fy_cost: take(nfy),
                fy_saving: take(nfy),
                contribution: take(s.initiatives.len()),
                steps: s.initiatives.len(),
                finance: None,
            })
            .collect();
        // After every other column, so those keep their places. A scenario
        // computed inside another's month loop (its initiatives are that
        // one's first, `super::block::hosts`) has, bit for bit, that one's
        // first steps: its bridge by fiscal year is read from the host's
        // columns rather than tallied twice.
        let mut scenarios = scenarios;
        let host = if bridge { super::block::hosts(case, true) } else { Vec::new() };
        for c in scenarios.iter_mut().filter(|_| bridge) {
            c.finance = Some(FinanceColumns {
                capex: take(1),
                recurring_opex: take(1),
                fy_contribution: 0,
                pnl: case.depreciates().then(|| PnlColumns {
                    capex: take(nfy),
                    depreciation: take(nfy),
                    saving: take(nfy),
                }),
            });
        }
        for s in (0..scenarios.len()).filter(|&s| bridge && host[s] == s) {
            let steps = scenarios[s].steps;
            scenarios[s].finance.as_mut().expect("set above").fy_contribution = take(steps * nfy);
        }
        for s in (0..scenarios.len()).filter(|&s| bridge && host[s] != s) {
            let at = scenarios[host[s]].finance.as_ref().expect("set above").fy_contribution;
            scenarios[s].finance.as_mut().expect("set above").fy_contribution = at;
        }
        let inputs = (0..case.inputs.defs.len()).filter(|&i| case.inputs.defs[i].is_uncertain()).collect();
        let (months, channels, ns) = (case.model.months, case.model.channels.len(), case.scenarios.len());
        let mut q = (1 + ns) * months * (channels + 1) * 2 + ns * months;
        let waterfall = case
            .scenarios
            .iter()
            .map(|s| {
                q += s.initiatives.len();
                q - s.initiatives.len()
            })
            .collect();
        let staffed: Vec<usize> = (0..channels).filter(|&c| case.model.channels[c].staffing.is_some()).collect();
        let fte = q;
        q += (1 + ns) * months * staffed.len();
        let headcount: Vec<usize> = (0..staffed.len())
            .filter(|&k| case.model.channels[staffed[k]].staffing.as_ref().is_some_and(|s| s.headcount.is_some()))
            .collect();
        let headcount_at = q;
        q += (1 + ns) * months * headcount.len() * HeadcountMetric::COUNT;
        let abandon: Vec<usize> = (0..staffed.len())
            .filter(|&k| case.model.channels[staffed[k]].staffing.as_ref().is_some_and(|s| s.abandonment.is_some()))
            .collect();
        let abandon_at = q;
        q += (1 + ns) * months * abandon.len();
        let mut keep = vec![Keep::Tally(Probs::of(&SUMMARY_PROBS, &[]), None); col];
        // The baseline's own cost per fiscal year, counted against its
        // budget: the operation's risk without any initiative.
        for (f, fy) in case.model.fiscal_years.iter().enumerate() {
            keep[baseline_fy + f] = Keep::Tally(Probs::of(&FISCAL_PROBS, &[]), case.model.budget_for(fy.year));
        }
        for c in &scenarios {
            keep[c.payback] = Keep::Month;
            keep[c.npv] = Keep::Whole;
            for (f, fy) in case.model.fiscal_years.iter().enumerate() {
                keep[c.fy_cost + f] = Keep::Tally(Probs::of(&FISCAL_PROBS, &[]), case.model.budget_for(fy.year));
                // The committable saving is the (1 - confidence) quantile.
                keep[c.fy_saving + f] =
                    Keep::Tally(Probs::of(&FISCAL_PROBS, &[commit_quantile(case.confidence)]), None);
            }
            for j in 0..c.steps {
                keep[c.contribution + j] = Keep::Tally(Probs::of(&BRIDGE_PROBS, &[]), None);
            }
            if let Some(fin) = &c.finance {
                for j in 0..c.steps * nfy {
                    keep[fin.fy_contribution + j] = Keep::Tally(Probs::of(&BRIDGE_PROBS, &[]), None);
                }
                keep[fin.capex] = Keep::Tally(Probs::of(&FISCAL_PROBS, &[]), None);
                keep[fin.recurring_opex] = Keep::Tally(Probs::of(&FISCAL_PROBS, &[]), None);
                if let Some(p) = &fin.pnl {
                    for f in 0..nfy {
                        for col in [p.capex, p.depreciation, p.saving] {
                            keep[col + f] = Keep::Tally(Probs::of(&FISCAL_PROBS, &[]), None);
                        }
                    }
                }
            }
        }
        let mut layout = Layout {
            keep,
            months,
            channels,
            fiscal_years: nfy,
            baseline_cost,
            baseline_fy,
            scenarios,
            inputs,
            width: col,
            waterfall,
            staffed,
            fte,
            headcount,
            headcount_at,
            abandon,
            abandon_at,
            bridge,
            quantities: q,
            source: Vec::new(),
        };
        layout.source = layout.sources(case);
        layout
    }

    /// [`Layout::source`] of every monthly quantity.
    fn sources(&self, case: &Case) -> Vec<Source> {
        let mut source = vec![Source::Recorded; self.quantities];
        let nc = self.channels;
        for (s, scenario) in case.scenarios.iter().enumerate() {
            for m in 0..self.months {
                // Channels whose volume, or cost (price, AHT, labour), an
                // initiative started by month m changes.
                let (mut volume, mut cost) = (vec![false; nc], vec![false; nc]);
                let started: Vec<_> =
                    scenario.initiatives.iter().map(|&k| &case.initiatives[k]).filter(|init| m >= init.start).collect();
                for e in started.iter().flat_map(|init| &init.effects) {
                    e.volume_channels().into_iter().for_each(|c| volume[c] = true);
                    e.price_channels().iter().for_each(|&c| cost[c] = true);
                }
                for c in 0..nc {
                    cost[c] |= volume[c];
                    for (metric, touched) in [(MonthlyMetric::Volume, volume[c]), (MonthlyMetric::Cost, cost[c])] {
                        if !touched {
                            source[self.monthly_index(s + 1, m, c, metric)] =
                                Source::Baseline(self.monthly_index(0, m, c, metric));
                        }
                    }
                    if let Some(k) = self.staffed.iter().position(|&q| q == c).filter(|_| !cost[c]) {
                        source[self.fte_index(s + 1, m, k)] = Source::Baseline(self.fte_index(0, m, k));
                        // Contacts lost follow the queue, not the payroll.
                        if let Some(a) = self.abandon.iter().position(|&ak| ak == k) {
                            source[self.abandoned_index(s + 1, m, a)] = Source::Baseline(self.abandoned_index(0, m, a));
                        }
                    }
                }
                let total_volume = self.monthly_index(s + 1, m, nc, MonthlyMetric::Volume);
                source[total_volume] = if volume.contains(&true) {
                    Source::Added
                } else {
                    Source::Baseline(self.monthly_index(0, m, nc, MonthlyMetric::Volume))
                };
                // Before its first initiative a scenario's month costs the
                // baseline's, exactly (nothing spent, nothing changed).
                source[self.monthly_index(s + 1, m, nc, MonthlyMetric::Cost)] = if started.is_empty() {
                    Source::Baseline(self.monthly_index(0, m, nc, MonthlyMetric::Cost))
                } else {
                    Source::Added
                };
                source[self.cumulative_index(s, m)] = Source::Added;
            }
            self.headcount_sources(case, s, &mut source);
        }
        for m in 0..self.months {
            source[self.monthly_index(0, m, nc, MonthlyMetric::Volume)] = Source::Added;
            source[self.monthly_index(0, m, nc, MonthlyMetric::Cost)] = Source::Added;
        }
        source
    }

    /// Scenario `s`'s sources on a headcount channel (spec section 13).
    /// The channel's path is the baseline's until the first of the
    /// scenario's initiatives that touch it starts: its required FTE and
    /// what follows them are its own from that month, its paid FTE and so
    /// its cost from `training_months` earlier (hires trained ahead), and
    /// the scenario's total cost is added up throughout. Before, and on a
    /// channel no initiative touches, all are the baseline's (as
    /// [`Layout::sources`] has them). Released by attrition, nobody is ever
    /// released: 0 in every path, the baseline's too.
    fn headcount_sources(&self, case: &Case, s: usize, source: &mut [Source]) {
        let nc = self.channels;
        let initiatives = || case.scenarios[s].initiatives.iter().map(|&k| &case.initiatives[k]);
        for (h, &k) in self.headcount.iter().enumerate() {
            let c = self.staffed[k];
            let touches = |init: &Initiative| {
                init.effects.iter().any(|e| e.volume_channels().contains(&c) || e.price_channels().contains(&c))
            };
            let own_from = initiatives().filter(|init| touches(init)).map(|init| init.start).min();
            let touched = own_from.is_some();
            // Every initiative starts inside the horizon.
            let own_from = own_from.unwrap_or(self.months);
            let rules = case.model.channels[c].staffing.as_ref().and_then(|s| s.headcount.as_ref());
            let none_released = rules.is_some_and(|r| r.release == Release::Attrition);
            let paid_from =
                if touched { own_from.saturating_sub(rules.map_or(0, |r| r.training_months)) } else { own_from };
            for m in 0..self.months {
                for metric in HeadcountMetric::ALL {
                    let (own, base) =
                        (self.headcount_index(s + 1, m, h, metric), self.headcount_index(0, m, h, metric));
                    let zero = none_released && metric == HeadcountMetric::Released;
                    source[own] = if m >= own_from && !zero { Source::Recorded } else { Source::Baseline(base) };
                }
                if m >= paid_from {
                    source[self.fte_index(s + 1, m, k)] = Source::Recorded;
                    source[self.monthly_index(s + 1, m, c, MonthlyMetric::Cost)] = Source::Recorded;
                }
                if touched {
                    source[self.monthly_index(s + 1, m, nc, MonthlyMetric::Cost)] = Source::Added;
                }
            }
        }
    }

    /// Fill in the sums the month loop leaves out ([`Source`]): a
    /// baseline's quantity copied, a total added up over its channels (a
    /// scenario's cost with its capex and opex, from the sums of their
    /// draws), the cumulative saving month by month. `input_sums` are the
    /// sums of the draws of [`Layout::inputs`] over `iterations`.
    pub fn complete_sums(&self, case: &Case, sums: &mut [f64], input_sums: &[f64], iterations: usize) {
        if self.quantities == 0 {
            return;
        }
        let nc = self.channels;
        // Sum of an input's draws: recorded when uncertain, else n times it.
        let drawn = |id: InputId| match self.inputs.iter().position(|&i| i == id) {
            Some(col) => input_sums[col],
            None => iterations as f64 * case.inputs.defs[id].fixed_value(),
        };
        // A total over the channels of `slot` (0 the baseline), when added.
        let add_totals = |sums: &mut [f64], slot: usize| {
            for m in 0..self.months {
                for metric in [MonthlyMetric::Volume, MonthlyMetric::Cost] {
                    let total = self.monthly_index(slot, m, nc, metric);
                    if self.source[total] == Source::Added {
                        sums[total] = (0..nc).map(|c| sums[self.monthly_index(slot, m, c, metric)]).sum();
                    }
                }
            }
        };
        // The baseline's totals first: a scenario's quantity may be one.
        add_totals(sums, 0);
        for (q, &source) in self.source.iter().enumerate() {
            if let Source::Baseline(from) = source {
                sums[q] = sums[from];
            }
        }
        for slot in 1..=case.scenarios.len() {
            add_totals(sums, slot);
        }
        for (s, scenario) in case.scenarios.iter().enumerate() {
            let mut cumulative = 0.0;
            for m in 0..self.months {
                let total = self.monthly_index(s + 1, m, nc, MonthlyMetric::Cost);
                if self.source[total] == Source::Added {
                    for &k in &scenario.initiatives {
                        let init = &case.initiatives[k];
                        if m >= init.start {
                            sums[total] += drawn(init.opex);
                        }
                        if m == init.start {
                            sums[total] += drawn(init.capex);
                        }
                    }
                }
                cumulative += sums[self.monthly_index(0, m, nc, MonthlyMetric::Cost)] - sums[total];
                if self.source[self.cumulative_index(s, m)] == Source::Added {
                    sums[self.cumulative_index(s, m)] = cumulative;
                }
            }
        }
    }

    /// The quantity whose values in the monthly sample are quantity `q`'s.
    #[inline]
    pub fn sampled_as(&self, q: usize) -> usize {
        match self.source.get(q) {
            Some(Source::Baseline(from)) => *from,
            _ => q,
        }
    }

    /// The columns for comparing portfolios: no monthly quantities
    /// (nothing summed or kept per month), no bridge steps (only the NPV
    /// is meaningful) and no finance columns, no percentiles but the NPV's,
    /// and of the inputs only the initiatives' capex, whose means a
    /// portfolio's capex needs.
    pub fn for_portfolios(case: &Case) -> Layout {
        let mut layout = Layout::build(case, false);
        layout.quantities = 0;
        layout.source.clear();
        for k in &mut layout.keep {
            if let Keep::Tally(..) | Keep::Month = k {
                *k = Keep::Tally(Probs::NONE, None);
            }
        }
        layout.inputs.retain(|i| case.initiatives.iter().any(|init| init.capex == *i));
        layout
    }

    /// The same columns without monthly quantities (a pilot run).
    pub fn without_monthly(mut self) -> Layout {
        self.quantities = 0;
        self.source.clear();
        self
    }

    /// Quantities summed over all iterations and kept for the monthly
    /// sample: (baseline + scenarios) x months x (channels + total) x
    /// (volume, cost), then each scenario's cumulative saving by month, then
    /// each scenario's net savings after each initiative (the waterfall),
    /// then (baseline + scenarios) x months x staffed channels' FTE, then
    /// (baseline + scenarios) x months x headcount channels x
    /// [`HeadcountMetric`]s.
    pub fn monthly_quantities(&self) -> usize {
        self.quantities
    }

    /// Index of scenario `s`'s net savings (undiscounted, whole horizon)
    /// after its first `step + 1` initiatives.
    #[inline]
    pub fn waterfall_index(&self, s: usize, step: usize) -> usize {
        self.waterfall[s] + step
    }

    /// Index of scenario `s`'s cumulative saving through month `month`.
    #[inline]
    pub fn cumulative_index(&self, s: usize, month: usize) -> usize {
        (1 + self.scenarios.len()) * self.months * (self.channels + 1) * 2 + s * self.months + month
    }

    /// Index of a monthly quantity. `slot` 0 is the baseline, s + 1 scenario
    /// s; `channel == channels` is the total.
    #[inline]
    pub fn monthly_index(&self, slot: usize, month: usize, channel: usize, metric: MonthlyMetric) -> usize {
        ((slot * self.months + month) * (self.channels + 1) + channel) * 2 + metric as usize
    }

    /// Index of headcount quantity `metric` of the `h`-th headcount channel
    /// ([`Layout::headcount`]), `slot` as in [`Layout::monthly_index`].
    #[inline]
    pub fn headcount_index(&self, slot: usize, month: usize, h: usize, metric: HeadcountMetric) -> usize {
        self.headcount_at
            + ((slot * self.months + month) * self.headcount.len() + h) * HeadcountMetric::COUNT
            + metric as usize
    }

    /// Whether quantity `q` is a headcount channel's surplus cost: reported
    /// only as a mean by fiscal year, so its percentiles are never read.
    #[inline]
    pub fn is_surplus_cost(&self, q: usize) -> bool {
        let at = q.wrapping_sub(self.headcount_at);
        at < self.abandon_at - self.headcount_at && at % HeadcountMetric::COUNT == HeadcountMetric::SurplusCost as usize
    }

    /// Index of the contacts abandoned on the `a`-th abandoning channel
    /// ([`Layout::abandon`]), `slot` as in [`Layout::monthly_index`].
    #[inline]
    pub fn abandoned_index(&self, slot: usize, month: usize, a: usize) -> usize {
        self.abandon_at + (slot * self.months + month) * self.abandon.len() + a
    }

    /// Index of the FTE of the `k`-th staffed channel ([`Layout::staffed`]),
    /// `slot` as in [`Layout::monthly_index`].
    #[inline]
    pub fn fte_index(&self, slot: usize, month: usize, k: usize) -> usize {
        self.fte + (slot * self.months + month) * self.staffed.len() + k
    }
}

impl Initiative {
    /// The sampled-once inputs that belong to this initiative.
    pub fn input_ids(&self) -> Vec<InputId> {
        let mut ids = vec![self.success, self.capex, self.opex];
        for e in &self.effects {
            ids.push(e.share());
            if let Effect::Deflect { leak, .. } = e {
                ids.push(*leak);
            }
        }
        ids
    }
}
