//! Chart 7: cost per fiscal year against budget: for each fiscal year the
//! baseline and each scenario as a bar (mean) with a P10-P90 whisker, the
//! budget as a line across the year, and the chance each scenario goes
//! over it above its bar. Bars are named inside, so no colour key is
//! needed.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room};
use super::data;
use super::style::{self, Area, Dash, Drawn, Entry, GREY, INK, Mark, SeriesStyle, px, text_on};
use crate::aggregate::{FiscalValue, Results};
use crate::model::Case;
use crate::report::format::{Ticks, money_short, percent};

/// A bar: its name, fill, and mean, P10, P90.
struct Bar<'a> {
    name: &'a str,
    fill: RGBColor,
    spread: Option<(f64, f64, f64)>,
    over_budget: Option<f64>,
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

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let note = format!(
        "Cost per fiscal year in {unit}. Bars: mean; whiskers: P10 to P90. \
         Percent above a bar: the chance that scenario's cost exceeds the budget."
    );
    let top = style::frame(root, Chart::Budget.title(), &note)?;
    let (width, _) = root.dim_in_pixel();
    let budget_line = SeriesStyle { color: INK, dash: Dash::Dashed(10, 4) };
    let entries = [Entry::new(Mark::Line(budget_line, 3), "Budget"), Entry::new(Mark::Whisker, "P10 to P90")];
    let top = style::legend(root, &entries, px(90), top, width as i32 - px(24))?;

    let first = case.scenarios.first().map_or("", |s| s.name.as_str());
    let years: Vec<(String, bool, Option<f64>, Vec<Bar>)> = case
        .model
        .fiscal_years
        .iter()
        .map(|fy| {
            let label = fy.label();
            let mut bars = vec![Bar {
                name: "Baseline",
                fill: GREY,
                spread: spread(data::fiscal(results, first, &label, "baseline_cost")),
                over_budget: None,
            }];
            for (s, scenario) in case.scenarios.iter().enumerate() {
                bars.push(Bar {
                    name: &scenario.name,
                    fill: style::series(s + 1).color,
                    spread: spread(data::fiscal(results, &scenario.name, &label, "scenario_cost")),
                    over_budget: single(data::fiscal(results, &scenario.name, &label, "prob_over_budget")),
                });
            }
            let budget = single(data::fiscal(results, first, &label, "budget"));
            (label, fy.partial, budget, bars)
        })
        .collect();

    let highest = years
        .iter()
        .flat_map(|(_, _, budget, bars)| bars.iter().filter_map(|b| b.spread.map(|s| s.2)).chain(*budget))
        .fold(0.0, f64::max);
    let y1 = if highest > 0.0 { highest * 1.12 } else { 1.0 };
    let n = years.len().max(1) as f64;
    let area = root.margin(top + px(4), px(8), px(8), px(8));
    let mut plot = axes::plot(&area, -0.5..n - 0.5, 0.0..y1, Room { left: 84, bottom: 48, right: 16, top: 10 })?;
    let ticks = Ticks::for_range(0.0, y1);
    let y_label = |v: &f64| ticks.label(*v);
    axes::grid(&mut plot, Labels::None, Labels::Ticks(8, &y_label), "", &format!("Cost per fiscal year ({unit})"))?;

    let group_style = style::text_style(15.0, INK, HPos::Center, VPos::Top);
    let pct_style = style::text_style(13.0, INK, HPos::Center, VPos::Bottom);
    let (_, floor) = plot.backend_coord(&(0.0, 0.0));
    let (_, plot_top) = plot.backend_coord(&(0.0, y1));
    for (g, (label, partial, budget, bars)) in years.iter().enumerate() {
        let g = g as f64;
        let slot = 0.84 / bars.len() as f64;
        let (group_x, _) = plot.backend_coord(&(g, 0.0));
        let months = case.model.fiscal_years[g as usize].months.len();
        let mut group_label = if *partial { format!("{label} ({months} months)") } else { label.clone() };
        if let Some(budget) = budget {
            group_label.push_str(&format!(": budget {}", money_short(*budget, currency)));
        }
        style::text(root, &group_label, (group_x, floor + px(10)), &group_style)?;
        for (j, bar) in bars.iter().enumerate() {
            let Some((mean, p10, p90)) = bar.spread else { continue };
            let c = g - 0.42 + slot * (j as f64 + 0.5);
            let half = slot * 0.42;
            plot.draw_series(std::iter::once(Rectangle::new([(c - half, 0.0), (c + half, mean)], bar.fill.filled())))?;
            let (x, top) = plot.backend_coord(&(c, p90));
            let (_, bottom) = plot.backend_coord(&(c, p10));
            let (left, _) = plot.backend_coord(&(c - half, 0.0));
            let (_, bar_top) = plot.backend_coord(&(c, mean));
            style::whisker(root, x, top, bottom, ((x - left) / 2).max(px(3)))?;
            let mut label_top = top - px(4);
            if let Some(p) = bar.over_budget {
                style::boxed(root, &percent(p), (x, label_top), &pct_style)?;
                label_top -= px(20);
            }
            // The name reading upwards: inside the bar from its foot, or
            // above the bar where a short bar has no room for it.
            let upwards = |colour: RGBColor| TextStyle {
                font: style::font(14.0).transform(FontTransform::Rotate270),
                color: colour.to_backend_color(),
                pos: Pos::new(HPos::Left, VPos::Center),
            };
            let inside = upwards(text_on(bar.fill));
            // Inside, the name stops short of the whisker's foot.
            let room = floor - bottom.max(bar_top) - px(16);
            if style::width(root, bar.name, &inside)? <= room || room >= px(90) {
                let name = style::fit(root, bar.name, &inside, room)?;
                style::text(root, &name, (x, floor - px(8)), &inside)?;
            } else {
                let above = upwards(INK);
                let name = style::fit(root, bar.name, &above, label_top - plot_top)?;
                style::text(root, &name, (x, label_top), &above)?;
            }
        }
        if let Some(budget) = budget {
            let a = plot.backend_coord(&(g - 0.46, *budget));
            let b = plot.backend_coord(&(g + 0.46, *budget));
            style::path(root, &[a, b], INK, 3, budget_line.dash)?;
        }
    }
    Ok(())
}
