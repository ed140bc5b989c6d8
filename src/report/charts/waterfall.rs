//! Chart 5: the savings bridge of each scenario, from the baseline's
//! total cost over the horizon, down (or up) by each initiative in the
//! order the scenario applies them, to the scenario's cost.
//!
//! Bars are means, because means add up: baseline minus the steps is the
//! scenario's cost, where medians would leave the bridge open. Whiskers
//! show each step's P10-P90. The totals have none: their spread is mostly
//! the baseline's, shared by both ends (charts 1 and 7 show it), and would
//! dwarf the steps.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room, Title};
use super::data;
use super::style::{self, Area, Drawn, Entry, GREEN, GREY, INK, Mark, VERMILLION, px};
use crate::aggregate::{Results, Stats, WaterfallStep};
use crate::model::Case;
use crate::report::format::{Ticks, money_short, short};

/// One bar of a bridge: where it spans and its whisker, in cost.
struct Bar {
    label: String,
    from: f64,
    to: f64,
    whisker: Option<(f64, f64)>,
    /// What the bar's value label says.
    value: f64,
    total: bool,
}

fn bars(baseline: Stats, scenario: Stats, steps: &[&WaterfallStep]) -> Vec<Bar> {
    let mut out = vec![Bar {
        label: "Baseline".to_owned(),
        from: f64::NAN,
        to: baseline.mean,
        whisker: None,
        value: baseline.mean,
        total: true,
    }];
    let mut running = baseline.mean;
    for step in steps {
        // A saving lowers cost: the bar runs down from the running total.
        out.push(Bar {
            label: crate::report::format::shorten(&step.initiative, 12),
            from: running,
            to: running - step.mean,
            whisker: Some((running - step.p90, running - step.p10)),
            value: -step.mean,
            total: false,
        });
        running -= step.mean;
    }
    out.push(Bar {
        label: "Scenario".to_owned(),
        from: f64::NAN,
        to: scenario.mean,
        whisker: None,
        value: scenario.mean,
        total: true,
    });
    out
}

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let months = case.model.months;
    let note = format!(
        "Cost over the {months}-month horizon in {unit}, from the baseline through each initiative in turn. \
         Bars: mean (means add up); whiskers: P10 to P90 of each step. Axis not from zero."
    );
    let top = style::frame(root, Chart::Waterfall.title(), &note)?;
    let (width, _) = root.dim_in_pixel();

    let mut panels = Vec::new();
    for scenario in &case.scenarios {
        let (Some(baseline), Some(cost)) = (
            data::stats(results, &scenario.name, "baseline_cost"),
            data::stats(results, &scenario.name, "scenario_cost"),
        ) else {
            continue;
        };
        let steps: Vec<&WaterfallStep> = results.waterfall.iter().filter(|w| w.scenario == scenario.name).collect();
        panels.push((scenario.name.as_str(), cost, bars(baseline, cost, &steps)));
    }
    let mut entries =
        vec![Entry::new(Mark::Fill(GREY), "Total cost"), Entry::new(Mark::Fill(GREEN), "Initiative lowers cost")];
    let all_bars = || panels.iter().flat_map(|(_, _, bars)| bars.iter());
    if all_bars().any(|b| !b.total && b.value > 0.0) {
        entries.push(Entry::new(Mark::Fill(VERMILLION), "Initiative raises cost"));
    }
    entries.push(Entry::new(Mark::Whisker, "P10 to P90 of the step"));
    let top = style::legend(root, &entries, px(90), top, width as i32 - px(24))?;

    let values =
        all_bars().flat_map(|b| [b.to, b.from].into_iter().chain(b.whisker.into_iter().flat_map(|(a, b)| [a, b])));
    let (lo, hi) = data::bounds(values, 0.08);
    let ticks = Ticks::for_range(lo, hi);
    let y_label = |v: &f64| ticks.label(*v);
    let no_label = |_: &f64| String::new();

    for (panel, (name, cost, bars)) in axes::panels(root, top, panels.len(), 60).iter().zip(&panels) {
        let room = Room { left: if panel.first_column { 84 } else { 24 }, bottom: 104, right: 8, top: 52 };
        let n = bars.len() as f64;
        let mut plot = axes::plot(&panel.area, -0.6..n - 0.4, lo..hi, room)?;
        let (labels, desc) = if panel.first_column {
            (Labels::Ticks(8, &y_label as &dyn Fn(&f64) -> String), format!("Cost over the horizon ({unit})"))
        } else {
            (Labels::Ticks(8, &no_label as &dyn Fn(&f64) -> String), String::new())
        };
        axes::grid(&mut plot, Labels::None, labels, "", &desc)?;

        let saving = bars.first().map_or(f64::NAN, |b| b.value) - cost.mean;
        axes::panel_title(
            root,
            &plot,
            name,
            &format!("Saves {} (mean)", money_short(saving, currency)),
            Title::Stacked,
        )?;

        let (_, floor) = plot.backend_coord(&(0.0, lo));
        let category = TextStyle {
            font: style::font(13.0).transform(FontTransform::Rotate270),
            color: INK.to_backend_color(),
            pos: Pos::new(HPos::Right, VPos::Center),
        };
        let value_style = style::text_style(12.0, INK, HPos::Center, VPos::Bottom);
        for (k, bar) in bars.iter().enumerate() {
            let c = k as f64;
            let from = if bar.total { lo } else { bar.from };
            let fill = if bar.total {
                GREY
            } else if bar.value <= 0.0 {
                GREEN
            } else {
                VERMILLION
            };
            plot.draw_series(std::iter::once(Rectangle::new([(c - 0.34, from), (c + 0.34, bar.to)], fill.filled())))?;
            if let Some(next) = bars.get(k + 1).filter(|b| !b.total) {
                // The connector from one step's end to the next's start.
                let a = plot.backend_coord(&(c + 0.34, bar.to));
                let b = plot.backend_coord(&(c + 1.0 - 0.34, next.from));
                style::path(root, &[a, (b.0, a.1)], INK, 1, style::Dash::Dashed(2, 2))?;
            }
            let (wx, bar_top) = plot.backend_coord(&(c, from.max(bar.to)));
            let mut w_top = bar_top;
            if let Some((low, high)) = bar.whisker {
                let (_, top) = plot.backend_coord(&(c, high));
                let (_, bottom) = plot.backend_coord(&(c, low));
                style::whisker(root, wx, top, bottom, px(5))?;
                w_top = top;
            }
            let value = if !bar.total && bar.value > 0.0 { format!("+{}", short(bar.value)) } else { short(bar.value) };
            style::boxed(root, &value, (wx, bar_top.min(w_top) - px(3)), &value_style)?;
            let label = style::fit(root, &bar.label, &category, px(96))?;
            style::text(root, &label, (wx, floor + px(8)), &category)?;
        }
    }
    Ok(())
}
