//! Lookups into the result tables, shaped for the charts.

use crate::aggregate::{FiscalValue, MonthlyRow, Results, Stats, SummaryValue};
use crate::model::{Case, InputDef, Scenario};

/// The name the monthly table gives the no-initiative forecast.
pub const BASELINE: &str = "baseline";

/// Monthly rows of one series in month order (the table is month-major).
pub fn monthly<'r>(results: &'r Results, scenario: &str, channel: &str, metric: &str) -> Vec<&'r MonthlyRow> {
    results.monthly.iter().filter(|r| r.scenario == scenario && r.channel == channel && r.metric == metric).collect()
}

pub fn stats(results: &Results, scenario: &str, metric: &str) -> Option<Stats> {
    results.summary.iter().find(|r| r.scenario == scenario && r.metric == metric).and_then(|r| match r.value {
        SummaryValue::Stats(s) => s,
        SummaryValue::Probability(_) => None,
    })
}

pub fn probability(results: &Results, scenario: &str, metric: &str) -> Option<f64> {
    results.summary.iter().find(|r| r.scenario == scenario && r.metric == metric).and_then(|r| match r.value {
        SummaryValue::Probability(p) => Some(p),
        SummaryValue::Stats(_) => None,
    })
}

pub fn fiscal<'r>(results: &'r Results, scenario: &str, fiscal_year: &str, metric: &str) -> Option<&'r FiscalValue> {
    results
        .fiscal_years
        .iter()
        .find(|r| r.scenario == scenario && r.fiscal_year == fiscal_year && r.metric == metric)
        .map(|r| &r.value)
}

/// Mean contacts per channel in each fiscal year, for `scenario` (or
/// [`BASELINE`]): `[fiscal year][channel]`. The mean of a sum is the sum
/// of the monthly means.
pub fn contacts_by_year(case: &Case, results: &Results, scenario: &str) -> Vec<Vec<f64>> {
    let channels: Vec<Vec<&MonthlyRow>> =
        case.model.channels.iter().map(|c| monthly(results, scenario, &c.id, "volume")).collect();
    case.model
        .fiscal_years
        .iter()
        .map(|fy| {
            channels
                .iter()
                .map(|rows| rows.iter().skip(fy.months.start).take(fy.months.len()).map(|r| r.mean).sum())
                .collect()
        })
        .collect()
}

/// The mean capex a scenario spends in each month of the horizon: each of
/// its initiatives' capex, one-off in its start month (spec section 5).
pub fn capex_by_month(case: &Case, scenario: &Scenario) -> Vec<f64> {
    let mut out = vec![0.0; case.model.months];
    for init in scenario.initiatives.iter().filter_map(|&k| case.initiatives.get(k)) {
        if let (Some(month), Some(def)) = (out.get_mut(init.start), case.inputs.defs.get(init.capex)) {
            *month += input_mean(def);
        }
    }
    out
}

/// The mean of an input's value, a draw clamped to its domain: exact for
/// a constant, else the midpoint rule over 4,096 quantiles (well within
/// a pixel of a chart for any family the model allows).
pub fn input_mean(def: &InputDef) -> f64 {
    if let Some(v) = def.dist.constant_value() {
        return def.domain.clamp(v);
    }
    const N: usize = 4096;
    let sum: f64 = (0..N).map(|i| def.domain.clamp(def.dist.quantile((i as f64 + 0.5) / N as f64))).sum();
    sum / N as f64
}

/// Smallest and largest finite value, padded by `pad` of the span (a
/// unit span when all values are equal or none is finite). The range is
/// always finite, with a finite, positive span: plotters and the label
/// placers divide by it, and values near `f64::MAX` would overflow a
/// padded range to infinity (issue 28).
pub fn bounds(values: impl IntoIterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let padded = if span > 0.0 {
        (lo - pad * span, hi + pad * span)
    } else {
        let half = if lo == 0.0 { 1.0 } else { lo.abs() * 0.05 };
        (lo - half, hi + half)
    };
    let usable = |(a, b): (f64, f64)| a.is_finite() && b.is_finite() && a < b && (b - a).is_finite();
    [padded, (lo, hi), (lo.min(0.0), hi.max(0.0)), (lo / 2.0, hi / 2.0)]
        .into_iter()
        .find(|&r| usable(r))
        .unwrap_or((0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::bounds;

    #[test]
    fn bounds_stay_finite_on_extreme_or_degenerate_values() {
        for values in [
            vec![f64::MAX, f64::MAX],
            vec![-f64::MAX, f64::MAX],
            vec![1e308, -1e308, 0.0],
            vec![f64::INFINITY, f64::NAN],
            vec![],
        ] {
            let (lo, hi) = bounds(values.clone(), 0.06);
            assert!(lo.is_finite() && hi.is_finite() && lo < hi && (hi - lo).is_finite(), "{values:?} gave {lo}..{hi}");
        }
        assert_eq!(bounds([1.0, 3.0], 0.5), (0.0, 4.0));
    }
}
