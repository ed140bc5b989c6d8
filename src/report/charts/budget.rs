//! Chart 7: cost per fiscal year against budget, as the variance a finance
//! pack shows: for each fiscal year with a budget, the baseline's and each
//! scenario's cost minus that budget, a bar (mean) with a P10-P90 whisker;
//! zero is on budget, over budget is above it, and the chance each
//! scenario goes over is written above its whisker.
//!
//! Costs are some 10-40 times a typical gap to budget: bars of cost from
//! zero would show a 3% overrun as a sliver. Fiscal years without a budget
//! have no variance and are left out (the note names them); a model with no
//! budget at all gets the costs themselves, from zero.
//!
//! Each bar is named in its own column, reading upwards, beside the zero
//! line on the side away from the bar where there is room, so no colour
//! key is needed.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room};
use super::data::{self, BASELINE};
use super::style::{self, Area, Dash, Drawn, Entry, GREY, INK, Mark, SeriesStyle, px};
use crate::aggregate::{FiscalValue, Results};
use crate::model::Case;
use crate::report::format::{Ticks, money_short, percent};

/// A bar: its name, fill, mean, P10 and P90 (less the budget in the
/// variance view), and the chance of going over budget.
struct Bar<'a> {
    name: &'a str,
    fill: RGBColor,
    spread: Option<(f64, f64, f64)>,
    over_budget: Option<f64>,
}

/// A fiscal year's group of bars.
struct Year<'a> {
    label: String,
    budget: Option<f64>,
    bars: Vec<Bar<'a>>,
}

fn spread(value: Option<&FiscalValue>) -> Option<(f64, f64, f64)> {
    match value? {
        FiscalValue::Spread { mean, p10, p90, .. } => Some((*mean, *p10, *p90)),
        FiscalValue::Single(_) => None,
    }
}

fn single(value: Option<&FiscalValue>) -> Option<f64> {
    match value? {
        FiscalValue::Single(x) => Some(*x),
        FiscalValue::Spread { .. } => None,
    }
}

/// The value axis for these (mean, P10, P90) spreads: zero and every one
/// of them, with a little room below and more above, for the percentages
/// and names written over the whiskers. It starts at zero when nothing is
/// negative (costs), else just below the lowest P10 (variances).
fn value_range(spreads: impl Iterator<Item = (f64, f64, f64)>) -> (f64, f64) {
    let (lo, hi) = spreads
        .flat_map(|(mean, p10, p90)| [mean, p10, p90])
        .filter(|v| v.is_finite())
        .fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = hi - lo;
    if span <= 0.0 {
        return (0.0, 1.0);
    }
    let padded = (if lo < 0.0 { lo - 0.06 * span } else { 0.0 }, hi + 0.14 * span);
    // Variances near f64::MAX (a budget of 1.8e308) pad past it: on an
    // infinite axis plotters' key points never end (issue 28).
    if padded.0.is_finite() && padded.1.is_finite() && (padded.1 - padded.0).is_finite() {
        padded
    } else {
        data::bounds([lo, hi], 0.0)
    }
}

/// Each fiscal year's bars: the baseline and every scenario, their cost
/// or, with `variance`, their cost less the year's budget.
fn years<'a>(case: &'a Case, results: &Results, variance: bool) -> Vec<Year<'a>> {
    let first = case.scenarios.first().map_or("", |s| s.name.as_str());
    let mut out = Vec::new();
    for fy in &case.model.fiscal_years {
        let label = fy.label();
        let budget = single(data::fiscal(results, first, &label, "budget"));
        let less = match (variance, budget) {
            (false, _) => 0.0,
            (true, Some(b)) => b,
            (true, None) => continue,
        };
        let shift = |s: Option<(f64, f64, f64)>| s.map(|(m, lo, hi)| (m - less, lo - less, hi - less));
        let mut bars = vec![Bar {
            name: "Baseline",
            fill: GREY,
            spread: shift(spread(data::fiscal(results, first, &label, "baseline_cost"))),
            over_budget: single(data::fiscal(results, BASELINE, &label, "prob_over_budget")),
        }];
        for (s, scenario) in case.scenarios.iter().enumerate() {
            bars.push(Bar {
                name: &scenario.name,
                fill: style::series(s + 1).color,
                spread: shift(spread(data::fiscal(results, &scenario.name, &label, "scenario_cost"))),
                over_budget: single(data::fiscal(results, &scenario.name, &label, "prob_over_budget")),
            });
        }
        let months = fy.months.len();
        let label = if fy.partial { format!("{label} ({months} months)") } else { label };
        out.push(Year { label, budget, bars });
    }
    out
}

/// What the note says the chart leaves out: the fiscal years without a
/// budget, named, or nothing.
fn left_out(case: &Case, results: &Results) -> String {
    let first = case.scenarios.first().map_or("", |s| s.name.as_str());
    let without: Vec<String> = case
        .model
        .fiscal_years
        .iter()
        .filter(|fy| single(data::fiscal(results, first, &fy.label(), "budget")).is_none())
        .map(|fy| fy.label())
        .collect();
    match without.as_slice() {
        [] => String::new(),
        [one] => format!(" {one} has no budget and is left out."),
        [rest @ .., last] => format!(" {} and {last} have no budget and are left out.", rest.join(", ")),
    }
}

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let variance = !years(case, results, true).is_empty();
    let years = years(case, results, variance);
    let note = if variance {
        format!(
            "Cost minus the fiscal year's budget, in {unit}: above zero is over budget. Bars: mean; whiskers: \
             P10 to P90; percent: the chance the cost exceeds the budget.{}",
            left_out(case, results)
        )
    } else {
        format!("Cost per fiscal year in {unit}; the model sets no budget. Bars: mean; whiskers: P10 to P90.")
    };
    let top = style::frame(root, Chart::Budget.title(), &note)?;
    let (width, height) = root.dim_in_pixel();
    let zero_line = SeriesStyle { color: INK, dash: Dash::Solid };
    let mut entries = vec![Entry::new(Mark::Whisker, "P10 to P90")];
    if variance {
        entries.insert(0, Entry::new(Mark::Line(zero_line, 2), "On budget (zero)"));
    }
    // A chart too low for names reading upwards (the page's first sheet)
    // names the bars in the key instead.
    let keyed = (height as i32) < px(500);
    if keyed {
        let names = years.first().map(|y| y.bars.as_slice()).unwrap_or_default();
        entries.extend(names.iter().map(|b| Entry::new(Mark::Fill(b.fill), b.name)));
    }
    let top = style::legend(root, &entries, px(90), top, width as i32 - px(24))?;

    let (y0, y1) = value_range(years.iter().flat_map(|y| y.bars.iter().filter_map(|b| b.spread)));
    let n = years.len().max(1) as f64;
    let area = root.margin(top + px(4), px(8), px(8), px(8));
    let mut plot = axes::plot(&area, -0.5..n - 0.5, y0..y1, Room { left: 84, bottom: 48, right: 16, top: 10 })?;
    let ticks = Ticks::for_range(y0, y1);
    let signed = |v: &f64| if variance && *v > 0.0 { format!("+{}", ticks.label(*v)) } else { ticks.label(*v) };
    let desc = if variance && keyed {
        format!("Cost less budget ({unit})")
    } else if variance {
        format!("Cost minus budget ({unit}), over budget above zero")
    } else {
        format!("Cost per fiscal year ({unit})")
    };
    axes::grid(&mut plot, Labels::None, Labels::Ticks(8, &signed), "", &desc)?;
    let (left, zero) = plot.backend_coord(&(-0.5, 0.0));
    let (right, _) = plot.backend_coord(&(n - 0.5, 0.0));
    style::path(root, &[(left, zero), (right, zero)], INK, 2, Dash::Solid)?;

    let group_style = style::text_style(15.0, INK, HPos::Center, VPos::Top);
    let (_, floor) = plot.backend_coord(&(0.0, y0));
    for (g, year) in years.iter().enumerate() {
        let g = g as f64;
        let (group_x, _) = plot.backend_coord(&(g, 0.0));
        let mut group_label = year.label.clone();
        if let Some(budget) = year.budget {
            group_label.push_str(&format!(": budget {}", money_short(budget, currency)));
        }
        style::text(root, &group_label, (group_x, floor + px(10)), &group_style)?;
        let slot = 0.84 / year.bars.len() as f64;
        for (j, bar) in year.bars.iter().enumerate() {
            draw_bar(root, &plot, bar, g - 0.42 + slot * (j as f64 + 0.5), slot * 0.42, !keyed)?;
        }
    }
    Ok(())
}

/// One bar centred on `c`, `half` wide either side: the mean from zero,
/// the whisker, the chance over budget beyond the whisker's end, and its
/// name when `named`.
fn draw_bar<DB: DrawingBackend>(
    root: &Area<DB>,
    plot: &axes::Plot<'_, DB>,
    bar: &Bar,
    c: f64,
    half: f64,
    named: bool,
) -> Drawn {
    let Some((mean, p10, p90)) = bar.spread else { return Ok(()) };
    let (y0, y1) = (plot.y_range().start, plot.y_range().end);
    let at = |x: f64, y: f64| plot.backend_coord(&(x, y.clamp(y0, y1)));
    root.draw(&Rectangle::new([at(c - half, 0.0), at(c + half, mean)], bar.fill.filled()))?;
    let (x, high) = at(c, p90);
    let (_, low) = at(c, p10);
    let (left, zero) = at(c - half, 0.0);
    let cap = ((x - left) / 2).max(px(3));
    style::whisker(root, x, high, low, cap)?;
    let mut beyond = high - px(4);
    if let Some(p) = bar.over_budget {
        let pct_style = style::text_style(13.0, INK, HPos::Center, VPos::Bottom);
        style::boxed(root, &percent(p), (x, beyond), &pct_style)?;
        beyond -= px(20);
    }
    if !named {
        return Ok(());
    }
    let (_, plot_top) = at(c, y1);
    let (_, plot_bottom) = at(c, y0);
    // Where the name can go, reading upwards, as (bottom end, room, ink,
    // column): first on the far side of zero from the bar, beside the
    // whisker, so that names line up along the zero line; then inside the
    // bar short of the whisker; then past the whisker's end.
    let beside = x - (cap + px(9)).min(x - left - px(8)).max(0);
    let fill_ink = style::text_on(bar.fill);
    let places = if mean >= 0.0 {
        [
            (None, plot_bottom - zero - px(10), INK, beside),
            (Some(zero - px(6)), if low < zero { zero - low - px(12) } else { 0 }, fill_ink, x),
            (Some(beyond), beyond - plot_top, INK, x),
        ]
    } else {
        [
            (Some(zero - px(6)), zero - plot_top - px(10), INK, beside),
            (Some(high - px(6)), if high > zero { high - zero - px(12) } else { 0 }, fill_ink, x),
            (Some(plot_bottom - px(4)), plot_bottom - px(4) - low - px(6), INK, x),
        ]
    };
    let upwards = |ink: RGBColor| TextStyle {
        font: style::font(14.0).transform(FontTransform::Rotate270),
        color: ink.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Center),
    };
    let full = style::width(root, bar.name, &upwards(INK))?;
    let fits = places.iter().find(|p| p.1 >= full.min(px(90)));
    let Some(&(start, room, ink, column)) = fits.or_else(|| places.iter().max_by_key(|p| p.1)) else { return Ok(()) };
    let name = style::fit(root, bar.name, &upwards(ink), room.max(px(8)))?;
    // Below zero the name ends just under the zero line.
    let start = start.unwrap_or(zero + px(10) + style::width(root, &name, &upwards(ink))?);
    style::text(root, &name, (column, start), &upwards(ink))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical case's spreads (mean, P10, P90 of each fiscal year's
    /// cost, in millions, baseline and three scenarios) against its budgets.
    /// Mean, P10 and P90.
    type Spread = (f64, f64, f64);

    const CANONICAL: [(f64, [Spread; 4]); 3] = [
        (23.0, [(24.33, 21.38, 27.49), (23.69, 20.88, 26.70), (23.28, 20.68, 26.07), (23.88, 21.09, 26.87)]),
        (24.0, [(26.61, 23.25, 30.22), (24.98, 21.85, 28.33), (22.46, 19.65, 25.50), (24.45, 21.32, 27.80)]),
        (25.0, [(29.20, 25.22, 33.44), (27.41, 23.72, 31.39), (24.50, 21.20, 28.08), (26.70, 23.07, 30.66)]),
    ];

    /// The share of the axis (so of the plot's height) that a gap of
    /// `share` of the budget takes, in the variance view and in bars of
    /// cost from zero.
    fn gap_share(share: f64) -> (f64, f64) {
        let variances =
            CANONICAL.iter().flat_map(|(b, bars)| bars.iter().map(move |&(m, lo, hi)| (m - b, lo - b, hi - b)));
        let (lo, hi) = value_range(variances);
        let costs = CANONICAL.iter().flat_map(|(_, bars)| bars.iter().copied());
        let (c_lo, c_hi) = value_range(costs);
        let smallest_budget = CANONICAL.iter().map(|(b, _)| *b).fold(f64::INFINITY, f64::min);
        let gap = share * smallest_budget;
        (gap / (hi - lo), gap / (c_hi - c_lo))
    }

    #[test]
    fn a_three_percent_gap_to_budget_is_plain_to_see() {
        let (variance, cost) = gap_share(0.03);
        assert!(variance >= 0.04, "a 3% gap takes only {:.1}% of the plot's height", variance * 100.0);
        // Bars of cost from zero would hide it: the reason for the variance view.
        assert!(cost < 0.025, "{:.1}%", cost * 100.0);
        assert!(variance > 2.0 * cost);
    }

    #[test]
    fn the_axis_holds_zero_and_every_whisker_with_room_above() {
        let (lo, hi) = value_range([(1.0, -2.0, 3.0), (0.5, -1.0, 2.0)].into_iter());
        assert!(lo < -2.0 && hi > 3.0 + 0.1 * 5.0, "{lo} {hi}");
        // Costs start at zero, not below it.
        assert_eq!(value_range([(10.0, 8.0, 12.0)].into_iter()).0, 0.0);
        // Everything over budget: zero (on budget) stays on the axis.
        assert_eq!(value_range([(3.0, 1.0, 5.0)].into_iter()).0, 0.0);
        assert_eq!(value_range(std::iter::empty()), (0.0, 1.0));
        assert_eq!(value_range([(f64::NAN, f64::NAN, f64::NAN)].into_iter()), (0.0, 1.0));
        // A budget of 1.8e308: the variances' padding would pass f64::MAX.
        for extreme in [(-1.7e308, -1.79e308, -1.6e308), (1.7e308, 1.6e308, 1.79e308)] {
            let (lo, hi) = value_range([extreme, (0.0, -1.0, 1.0)].into_iter());
            assert!(lo.is_finite() && hi.is_finite() && lo < hi && (hi - lo).is_finite(), "{extreme:?}: {lo} {hi}");
        }
    }

    #[test]
    fn fiscal_years_without_a_budget_are_named_as_left_out() {
        let path = std::path::Path::new("scenarios/contoso-digital-care.toml");
        let case = crate::validate::load_case(path).expect("the example loads").value;
        let results = crate::run::forecast(&case, 50, 1, 1).expect("forecast");
        let shown: Vec<String> = years(&case, &results, true).into_iter().map(|y| y.label).collect();
        assert_eq!(shown, ["FY2028", "FY2029"]);
        assert_eq!(left_out(&case, &results), " FY2027 and FY2030 have no budget and are left out.");
        // The variance of a bar is its cost less the year's budget.
        let all = years(&case, &results, false);
        let variance = years(&case, &results, true);
        let (cost, less) = (all[1].bars[1].spread.unwrap(), variance[0].bars[1].spread.unwrap());
        assert!((cost.0 - less.0 - 36_400_000.0).abs() < 1e-6);
    }
}
