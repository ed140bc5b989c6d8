//! Plausibility: inputs that are valid but probably not what was meant.
//!
//! Validation accepts any growth, inflation, discount rate, noise or cost,
//! since none is wrong in itself. But `growth = 1` written for 1% a month
//! compounds to a baseline a billion times too large, and the report reads
//! as if nothing were amiss. These checks run once the model is built and
//! free of errors, on the medians of its inputs, and warn of each value
//! beyond what a customer-service operation plausibly has, saying what was
//! found and what was probably meant. `--strict` makes them errors
//! (docs/model.md section 11 lists the rules).

mod estimate;

use super::Sites;
use crate::dist::{Dist, Domain};
use crate::error::{Diagnostic, Warning};
use crate::model::{InputId, Inputs, Model};
use crate::report::format::{currency_unit, money_short, thousands};

/// Monthly growth whose median lies beyond ±5% a month (+80% a year) is
/// most likely a percent written as a whole number (`1` for 1%) or an
/// annual rate given as monthly.
pub const MAX_MONTHLY_GROWTH: f64 = 0.05;
/// Even uncertain monthly growth rarely puts its P5 or P95 beyond ±20% a
/// month; a spread that wide is most likely in percent or annual.
pub const MAX_MONTHLY_GROWTH_TAIL: f64 = 0.20;
/// Annual cost inflation whose median lies beyond ±25% a year is most
/// likely a percent written as a whole number.
pub const MAX_ANNUAL_INFLATION: f64 = 0.25;
/// A discount rate whose median lies beyond ±30% a year is most likely a
/// percent written as a whole number (`9` for 9%).
pub const MAX_DISCOUNT_RATE: f64 = 0.30;
/// Month-to-month noise, a coefficient of variation, above 0.5 swamps any
/// trend; most likely a percent written as a whole number.
pub const MAX_NOISE: f64 = 0.5;
/// A median cost per contact above 500 in the model's currency is most
/// likely a monthly or per-agent cost, or an amount in cents. (In a
/// currency of small units, such as JPY, a real cost may pass it: the
/// warning is then a reminder to check, not a verdict.)
pub const MAX_COST_PER_CONTACT: f64 = 500.0;
/// A median handle time above two hours is most likely in milliseconds or
/// the handling of a whole day's queue.
pub const MAX_AHT_SECONDS: f64 = 7_200.0;
/// A first budgeted fiscal year whose baseline, estimated from the median
/// inputs, is more than 3 times its budget or less than a third of it: an
/// order-of-magnitude slip in a volume, a cost or the budget itself.
pub const MAX_BUDGET_RATIO: f64 = 3.0;

/// The plausibility warnings of a valid model, each located where the
/// value is written: the discount rate, then each channel in model order
/// (growth, noise, cost per contact, inflation, AHT), then the budget.
pub(crate) fn check(model: &Model, inputs: &Inputs, sites: &Sites) -> Vec<Warning> {
    let mut found = Vec::new();
    let site = |id: InputId| {
        sites.inputs.get(id).cloned().unwrap_or_else(|| Diagnostic::new(&model.path, &inputs.defs[id].path, ""))
    };
    let mut warn = |at: Diagnostic, message: Option<String>| {
        if let Some(message) = message {
            found.push(Warning(Diagnostic { message, ..at }));
        }
    };
    let input = |name: &'static str, id: InputId| {
        let def = &inputs.defs[id];
        Input { name, written: &def.written, dist: &def.dist, domain: def.domain }
    };
    warn(site(model.discount_rate), discount_rate(input("discount_rate", model.discount_rate)));
    for (c, ch) in model.channels.iter().enumerate() {
        if let crate::model::Baseline::Trend { growth: id, .. } = ch.baseline {
            warn(site(id), growth(input("growth", id)));
        }
        if let Some(Some(at)) = sites.noise.get(c) {
            warn(at.clone(), noise(ch.noise));
        }
        let cost = input("cost_per_contact", ch.cost_per_contact);
        warn(site(ch.cost_per_contact), cost_per_contact(cost, &model.currency));
        warn(site(ch.inflation), inflation(input("inflation", ch.inflation)));
        if let Some(s) = &ch.staffing {
            warn(site(s.aht_seconds), aht(input("aht_seconds", s.aht_seconds)));
        }
    }
    if let Some((at, message)) = budget(model, inputs, sites) {
        warn(at, Some(message));
    }
    found
}

/// An input as the rules see it.
#[derive(Debug, Clone, Copy)]
struct Input<'a> {
    /// The field's own name in messages, e.g. `growth`.
    name: &'a str,
    /// The expression as written.
    written: &'a str,
    dist: &'a Dist,
    domain: Domain,
}

impl Input<'_> {
    fn quantile(&self, p: f64) -> f64 {
        self.domain.clamp(self.dist.quantile(p))
    }

    fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// `growth = 1` or `growth = "normal(1, 0.2)"`, as in the file.
    fn shown(&self) -> String {
        if crate::dist::expr::number(self.written).is_some() {
            format!("{} = {}", self.name, self.written)
        } else {
            format!("{} = {}", self.name, crate::error::quoted(self.written))
        }
    }

    /// How the median is introduced: a constant is it, a distribution has it.
    fn is(&self) -> &'static str {
        if self.dist.is_constant() { "is" } else { "has a median of" }
    }

    /// The likeliest slip behind a rate too large: a percent written as a
    /// whole number. `for 3% a year write 0.03 or "3%"`; for a
    /// distribution, to divide its parameters; nothing when the value is
    /// already written with `%`.
    fn percent_hint(&self, per: &str) -> Option<String> {
        if self.written.contains('%') {
            return None;
        }
        let m = self.median();
        Some(if self.dist.is_constant() {
            format!("for {}% {per} write {} or \"{}%\"", num(m), num(m / 100.0), num(m))
        } else {
            "if its parameters are percentages, divide them by 100".to_owned()
        })
    }
}

/// `x` to 6 significant digits, in the shortest form: 0.01, 0.00948879, 1e-7.
fn num(x: f64) -> String {
    sig(x, 6)
}

/// `x` to `digits` significant digits, in the shortest form.
fn sig(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let rounded: f64 = format!("{:.*e}", digits.saturating_sub(1), x).parse().unwrap_or(x);
    format!("{rounded}")
}

/// A rate as a percent to 3 significant digits: 1 -> `100%`, 0.0125 -> `1.25%`.
fn pct(rate: f64) -> String {
    format!("{}%", sig(rate * 100.0, 3))
}

/// The hints after the rule, `: hint, or hint`; nothing without hints.
fn hints(list: impl IntoIterator<Item = String>) -> String {
    let list: Vec<String> = list.into_iter().collect();
    if list.is_empty() { String::new() } else { format!(": {}", list.join(", or ")) }
}

/// Monthly growth: its median within ±[`MAX_MONTHLY_GROWTH`], its P5 and
/// P95 within ±[`MAX_MONTHLY_GROWTH_TAIL`].
fn growth(v: Input<'_>) -> Option<String> {
    let median = v.median();
    if median.abs() > MAX_MONTHLY_GROWTH {
        // A rate below 100% may be a year's growth given as a month's.
        let annual = (median.abs() < 1.0).then(|| {
            format!(
                "for {} a year write {} (the monthly rate)",
                pct(median),
                sig((1.0 + median).powf(1.0 / 12.0) - 1.0, 3)
            )
        });
        return Some(format!(
            "{} {} {} a month; monthly growth is usually within ±{}{}",
            v.shown(),
            v.is(),
            pct(median),
            pct(MAX_MONTHLY_GROWTH),
            hints(annual.into_iter().chain(v.percent_hint("a month")))
        ));
    }
    let tails: Vec<String> = [("P5", v.quantile(0.05)), ("P95", v.quantile(0.95))]
        .into_iter()
        .filter(|(_, q)| q.abs() > MAX_MONTHLY_GROWTH_TAIL)
        .map(|(name, q)| format!("its {name} is {} a month", pct(q)))
        .collect();
    (!tails.is_empty()).then(|| {
        format!(
            "{}: {}; even uncertain monthly growth rarely passes ±{}: is the spread written in percent, or for a year?",
            v.shown(),
            tails.join(" and "),
            pct(MAX_MONTHLY_GROWTH_TAIL)
        )
    })
}

/// Annual inflation: its median within ±[`MAX_ANNUAL_INFLATION`].
fn inflation(v: Input<'_>) -> Option<String> {
    let median = v.median();
    (median.abs() > MAX_ANNUAL_INFLATION).then(|| {
        format!(
            "{} {} {} a year; annual cost inflation is usually within ±{}{}",
            v.shown(),
            v.is(),
            pct(median),
            pct(MAX_ANNUAL_INFLATION),
            hints(v.percent_hint("a year"))
        )
    })
}

/// The discount rate: its median within ±[`MAX_DISCOUNT_RATE`].
fn discount_rate(v: Input<'_>) -> Option<String> {
    let median = v.median();
    (median.abs() > MAX_DISCOUNT_RATE).then(|| {
        format!(
            "{} {} {} a year; a discount rate is usually within ±{}{}",
            v.shown(),
            v.is(),
            pct(median),
            pct(MAX_DISCOUNT_RATE),
            hints(v.percent_hint("a year"))
        )
    })
}

/// Noise: a coefficient of variation up to [`MAX_NOISE`].
fn noise(cv: f64) -> Option<String> {
    (cv > MAX_NOISE).then(|| {
        format!(
            "noise = {} is a month-to-month variation of {}; noise is a coefficient of variation, usually below {}: \
             for {}% write {} or \"{}%\"",
            num(cv),
            pct(cv),
            num(MAX_NOISE),
            num(cv),
            num(cv / 100.0),
            num(cv)
        )
    })
}

/// Cost per contact: its median up to [`MAX_COST_PER_CONTACT`].
fn cost_per_contact(v: Input<'_>, currency: &str) -> Option<String> {
    let median = v.median();
    (median > MAX_COST_PER_CONTACT).then(|| {
        format!(
            "{} {} {} a contact; a contact rarely costs more than {}: check that it is the cost of one contact \
             (not of a month or an agent) and in {}, not in cents (for {} cents write {})",
            v.shown(),
            v.is(),
            money_short(median, currency),
            money_short(MAX_COST_PER_CONTACT, currency),
            currency_unit(currency),
            num(median),
            num(median / 100.0)
        )
    })
}

/// Handle time: its median up to [`MAX_AHT_SECONDS`].
fn aht(v: Input<'_>) -> Option<String> {
    let median = v.median();
    (median > MAX_AHT_SECONDS).then(|| {
        format!(
            "{} {} {} hours a contact; a handle time is rarely above {} hours: give it in seconds (6 minutes is 360); \
             if it is in milliseconds, write {}",
            v.shown(),
            v.is(),
            sig(median / 3600.0, 3),
            num(MAX_AHT_SECONDS / 3600.0),
            num(median / 1000.0)
        )
    })
}

/// The first fiscal year that has a budget, held against its baseline
/// estimated from the median inputs ([`estimate`]); the first budgeted
/// rather than the first, so a model budgeting only its full years is
/// checked too. One year is enough: a slip in a volume or a cost shows in
/// every year alike. Located at that budget's amount.
fn budget(model: &Model, inputs: &Inputs, sites: &Sites) -> Option<(Diagnostic, String)> {
    let &(year, amount) = model.budgets.first()?;
    let fy = model.fiscal_years.iter().find(|f| f.year == year)?;
    let by_channel = estimate::baseline_by_channel(model, inputs, fy.months.clone());
    let largest = by_channel
        .iter()
        .zip(&model.channels)
        .max_by(|a, b| a.0.total_cmp(b.0))
        .map(|(cost, ch)| (ch.id.as_str(), *cost));
    let what = Budgeted {
        label: fy.label(),
        months: fy.partial.then_some(fy.months.len()),
        budget: amount,
        estimate: by_channel.iter().sum(),
        largest,
        currency: &model.currency,
    };
    let message = budget_rule(&what)?;
    let at = sites
        .budgets
        .iter()
        .find(|(y, _)| *y == year)
        .map_or_else(|| Diagnostic::new(&model.path, format!("budget.{}", fy.label()), ""), |(_, d)| d.clone());
    Some((at, message))
}

/// A fiscal year's budget and the baseline estimated for it.
struct Budgeted<'a> {
    label: String,
    /// Its months in the horizon, for a partial fiscal year.
    months: Option<usize>,
    budget: f64,
    estimate: f64,
    /// The channel that costs most, and its estimate.
    largest: Option<(&'a str, f64)>,
    currency: &'a str,
}

/// The estimate within a factor [`MAX_BUDGET_RATIO`] of the budget.
fn budget_rule(b: &Budgeted<'_>) -> Option<String> {
    let (estimate, budget) = (b.estimate, b.budget);
    if !(estimate > budget * MAX_BUDGET_RATIO || estimate < budget / MAX_BUDGET_RATIO) {
        return None;
    }
    let amount = |x: f64| {
        if !x.is_finite() {
            "more than a number can hold".to_owned()
        } else if x.abs() < 1e12 {
            money_short(x, b.currency)
        } else {
            format!("{x:.2e} {}", b.currency)
        }
    };
    let times = estimate / budget;
    let ratio = if budget <= 0.0 {
        "against a budget of 0".to_owned()
    } else if !times.is_finite() {
        "far beyond its budget".to_owned()
    } else if estimate >= budget {
        format!("{} times its budget", if times < 10.0 { sig(times, 2) } else { thousands(times) })
    } else if estimate > 0.0 {
        format!("1/{} of its budget", thousands(budget / estimate))
    } else {
        "nothing, against its budget".to_owned()
    };
    let span = b.months.map_or(String::new(), |m| format!(", its {m} months in the horizon"));
    let largest = b
        .largest
        .filter(|_| estimate > 0.0)
        .map_or(String::new(), |(id, cost)| format!("; {} costs most, {}", crate::error::short_name(id), amount(cost)));
    Some(format!(
        "{} is budgeted at {}, but the baseline, estimated from the median inputs{span}, costs {}: {ratio}; a budget \
         is usually within a factor of {} of the cost it covers: check the units of volume (contacts a month), \
         cost_per_contact, fixed_monthly (a month) and the budget (the fiscal year){largest}",
        b.label,
        amount(budget),
        amount(estimate),
        num(MAX_BUDGET_RATIO)
    ))
}

#[cfg(test)]
mod tests;
