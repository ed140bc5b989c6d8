//! Chart 1: the running cost per month of the baseline and each scenario,
//! capex apart.
//!
//! Two bands at most, so they stay apart: the baseline and the lead
//! scenario (the recommended portfolio of an optimize report, else the
//! highest NPV P50) as a median line in its P10-P90 band; every other
//! scenario as its median line only. Each line is named at its end.
//!
//! Capex is one-off, in an initiative's start month: left in, its spikes
//! would set the scale and hide the running cost a budget holder plans
//! for. Lines and bands show the total cost less the month's mean capex,
//! and the capex stands as bars in a lane of its own under the plot, one
//! row per scenario. (Outside the capex months that is the total cost
//! exactly; in them, the capex is taken out at its mean, which moves the
//! P10 and P90 by at most the capex's own spread.)

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room};
use super::data::{self, BASELINE};
use super::style::{self, Area, Drawn, Entry, INK, Mark, px, text_on};
use crate::aggregate::{MonthlyRow, Results};
use crate::model::Case;
use crate::report::format::{Ticks, grouped, money_short};

/// A series drawn: its name, style slot, monthly rows, mean capex per
/// month, and whether it gets a band.
struct Series<'r> {
    name: String,
    slot: usize,
    rows: Vec<&'r MonthlyRow>,
    capex: Vec<f64>,
    banded: bool,
}

impl Series<'_> {
    /// (P10, P50, P90) of month `m`, less its capex.
    fn running(&self, m: usize) -> (f64, f64, f64) {
        let r = self.rows[m];
        let c = self.capex.get(m).copied().unwrap_or(0.0);
        (r.p10 - c, r.p50 - c, r.p90 - c)
    }
}

/// The scenario drawn with a band beside the baseline: the recommended
/// portfolio of an optimize report, else the scenario with the highest
/// NPV P50 (the first of equals, the first scenario when none has one).
fn lead(case: &Case, results: &Results) -> Option<usize> {
    if results.portfolio.is_some()
        && let Some(i) = case.scenarios.iter().position(|s| s.name == crate::run::RECOMMENDED)
    {
        return Some(i);
    }
    let mut best: Option<(usize, f64)> = None;
    for (i, s) in case.scenarios.iter().enumerate() {
        let Some(p50) = data::stats(results, &s.name, "npv").map(|st| st.p50).filter(|v| v.is_finite()) else {
            continue;
        };
        if best.is_none_or(|(_, b)| p50 > b) {
            best = Some((i, p50));
        }
    }
    best.map(|(i, _)| i).or(if case.scenarios.is_empty() { None } else { Some(0) })
}

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let lead = lead(case, results);
    let months = case.model.months;
    let mut series = vec![Series {
        name: "Baseline".to_owned(),
        slot: 0,
        rows: data::monthly(results, BASELINE, "total", "cost"),
        capex: vec![0.0; months],
        banded: true,
    }];
    for (s, scenario) in case.scenarios.iter().enumerate() {
        series.push(Series {
            name: scenario.name.clone(),
            slot: s + 1,
            rows: data::monthly(results, &scenario.name, "total", "cost"),
            capex: data::capex_by_month(case, scenario),
            banded: lead == Some(s),
        });
    }
    // An optimize report's lead is named for what it is already.
    let why = if results.portfolio.is_some() { "" } else { " (highest NPV P50)" };
    let band_for = lead.map_or(String::new(), |s| format!(" and {}{why}", case.scenarios[s].name));
    let note = format!(
        "Running cost per month in {unit}: total cost less capex, which stands apart as bars at the foot. \
         Lines: median (P50); bands: P10 to P90 of {} iterations, for the baseline{band_for}.",
        grouped(results.monthly_sample as f64, 0)
    );
    let top = style::frame(root, Chart::Fan.title(), &note)?;
    let entries: Vec<Entry> = series
        .iter()
        .map(|s| {
            let look = style::series(s.slot);
            Entry::new(if s.banded { Mark::Band(look) } else { Mark::Line(look, 2) }, &s.name)
        })
        .collect();
    let (width, _) = root.dim_in_pixel();
    let right = width as i32 - px(24);
    let top = style::legend(root, &entries, px(90), top, right)?;

    let area = root.margin(top + px(4), px(8), px(8), px(8));
    let lane_rows: Vec<&Series> = series.iter().filter(|s| s.capex.iter().any(|c| *c > 0.0)).collect();
    let (_, area_h) = area.dim_in_pixel();
    let lane_h = if lane_rows.is_empty() { 0 } else { px(84) + lane_rows.len() as i32 * px(20) };
    let (upper, lower) = area.split_vertically(area_h as i32 - lane_h);
    let main_area = if lane_rows.is_empty() { &area } else { &upper };

    let drawn = series.iter().flat_map(|s| {
        (0..s.rows.len()).flat_map(move |m| {
            let (p10, p50, p90) = s.running(m);
            if s.banded { vec![p10, p90] } else { vec![p50] }
        })
    });
    let (y0, y1) = data::bounds(drawn, 0.06);
    let x = -0.5..(months as f64 - 0.5).max(0.5);
    let bottom = if lane_rows.is_empty() { 56 } else { 8 };
    let mut plot = axes::plot(main_area, x.clone(), y0..y1, Room { left: 84, bottom, right: 170, top: 10 })?;
    let ticks = Ticks::for_range(y0, y1);
    let y_label = |v: &f64| ticks.label(*v);
    axes::grid(&mut plot, Labels::None, Labels::Ticks(8, &y_label), "", &format!("Running cost per month ({unit})"))?;
    if lane_rows.is_empty() {
        axes::month_axis(root, &plot, &case.model, "Month")?;
    } else {
        axes::fiscal_year_lines(root, &plot, &case.model)?;
    }

    // Bands first, every line over every band.
    for s in series.iter().filter(|s| s.banded) {
        let band = style::band_outline((0..s.rows.len()).map(|m| s.running(m)).map(|(lo, _, hi)| (lo, hi)));
        plot.draw_series(std::iter::once(Polygon::new(
            band,
            style::series(s.slot).color.mix(style::BAND_ALPHA).filled(),
        )))?;
    }
    let mut ends = Vec::new();
    for s in &series {
        let look = style::series(s.slot);
        let points: Vec<(i32, i32)> =
            (0..s.rows.len()).map(|m| plot.backend_coord(&(m as f64, s.running(m).1))).collect();
        style::path(root, &points, look.color, if s.banded { 3 } else { 2 }, look.dash)?;
        if let Some(&last) = points.last() {
            ends.push((last, s));
        }
    }
    name_ends(root, &plot, &ends, right)?;
    actual_months(root, &plot, case, &series)?;
    if !lane_rows.is_empty() {
        capex_lane(root, &lower, x, &lane_rows, case)?;
    }
    Ok(())
}

/// A reforecast's months with actual volumes (docs/model.md, section 12):
/// every line solid there, under a label saying so, the forecast's dashes
/// starting where the actuals end.
fn actual_months<DB: DrawingBackend>(
    root: &Area<DB>,
    plot: &axes::Plot<'_, DB>,
    case: &Case,
    series: &[Series],
) -> Drawn {
    let known = case
        .model
        .channels
        .iter()
        .filter_map(|ch| match &ch.baseline {
            crate::model::Baseline::Fitted(f) => Some(f.actuals.len()),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    if known == 0 {
        return Ok(());
    }
    for s in series {
        let points: Vec<(i32, i32)> =
            (0..known.min(s.rows.len())).map(|m| plot.backend_coord(&(m as f64, s.running(m).1))).collect();
        style::path(root, &points, style::series(s.slot).color, 3, style::Dash::Solid)?;
    }
    let (x, top) = plot.backend_coord(&(known as f64 - 0.5, plot.y_range().end));
    let (_, bottom) = plot.backend_coord(&(0.0, plot.y_range().start));
    root.draw(&PathElement::new(vec![(x, top), (x, bottom)], style::stroke(style::GREY, 1)))?;
    let before = style::text_style(13.0, style::GREY, HPos::Right, VPos::Top);
    style::text(root, "actual volumes", (x - px(4), top + px(4)), &before)?;
    let after = style::text_style(13.0, style::GREY, HPos::Left, VPos::Top);
    style::text(root, "forecast", (x + px(4), top + px(4)), &after)
}

/// Direct labels at the lines' right ends, pushed apart where lines meet.
fn name_ends<DB: DrawingBackend>(
    root: &Area<DB>,
    plot: &axes::Plot<'_, DB>,
    ends: &[((i32, i32), &Series)],
    right: i32,
) -> Drawn {
    let (_, plot_top) = plot.backend_coord(&(0.0, plot.y_range().end));
    let (_, plot_bottom) = plot.backend_coord(&(0.0, plot.y_range().start));
    let wanted: Vec<i32> = ends.iter().map(|(e, _)| e.1).collect();
    let placed = style::spread(&wanted, px(20), plot_top + px(8), plot_bottom - px(8));
    for ((end, s), y) in ends.iter().zip(placed) {
        let look = style::series(s.slot);
        let x = end.0 + px(14);
        root.draw(&PathElement::new(vec![(end.0 + px(2), end.1), (x - px(2), y)], style::stroke(look.color, 1)))?;
        let ink = if text_on(look.color) == INK { INK } else { look.color };
        let label_style = style::text_style(15.0, ink, HPos::Left, VPos::Center);
        let label = style::fit(root, &s.name, &label_style, right + px(12) - x)?;
        style::text(root, &label, (x, y), &label_style)?;
    }
    Ok(())
}

/// The capex lane: a row per scenario with capex, a bar in each month it
/// spends, heights to one scale (the tallest bar's amount in the header),
/// the row's name and total after its last bar; the month axis under it.
fn capex_lane<DB: DrawingBackend>(
    root: &Area<DB>,
    area: &Area<DB>,
    x: std::ops::Range<f64>,
    rows: &[&Series],
    case: &Case,
) -> Drawn {
    let currency = &case.model.currency;
    let n = rows.len() as f64;
    let lane = axes::plot(area, x, 0.0..n, Room { left: 84, bottom: 56, right: 170, top: 28 })?;
    axes::month_axis(root, &lane, &case.model, "Month")?;
    let tallest = rows.iter().flat_map(|s| s.capex.iter().copied()).fold(0.0, f64::max);
    let (left, lane_top) = lane.backend_coord(&(lane.x_range().start, n));
    let header = format!(
        "Capex, one-off in each initiative's start month (mean); tallest bar {}",
        money_short(tallest, currency)
    );
    style::text(root, &header, (left, lane_top - px(6)), &style::text_style(14.0, INK, HPos::Left, VPos::Bottom))?;
    let (_, lane_bottom) = lane.backend_coord(&(0.0, 0.0));
    let (lane_right, _) = lane.backend_coord(&(lane.x_range().end, 0.0));
    let rule = style::stroke(style::LIGHT, 1);
    root.draw(&PathElement::new(vec![(left, lane_top), (lane_right, lane_top)], rule))?;
    root.draw(&PathElement::new(vec![(left, lane_bottom), (lane_right, lane_bottom)], rule))?;
    let name_style = style::text_style(14.0, INK, HPos::Left, VPos::Center);
    let canvas_right = root.dim_in_pixel().0 as i32 - px(12);
    for (r, s) in rows.iter().enumerate() {
        let base = n - 1.0 - r as f64;
        let colour = style::series(s.slot).color;
        for (m, &c) in s.capex.iter().enumerate().filter(|(_, c)| **c > 0.0) {
            let h = 0.8 * c / tallest;
            let corners = [(m as f64 - 0.35, base + 0.1), (m as f64 + 0.35, base + 0.1 + h)];
            let (a, b) = (lane.backend_coord(&corners[0]), lane.backend_coord(&corners[1]));
            root.draw(&Rectangle::new([a, b], colour.filled()))?;
            root.draw(&Rectangle::new([a, b], style::stroke(INK, 1)))?;
        }
        // Named with its total just after its last bar, where the lane is
        // empty (capex comes early), the total shown whatever the room.
        let last = s.capex.iter().rposition(|c| *c > 0.0).unwrap_or(0) as f64;
        let (x, y) = lane.backend_coord(&(last + 0.5, base + 0.5));
        let x = x + px(8);
        let total = format!(": {}", money_short(s.capex.iter().sum(), currency));
        let room = canvas_right - x - style::width(root, &total, &name_style)?;
        let name = style::fit(root, &s.name, &name_style, room)?;
        style::text(root, &format!("{name}{total}"), (x, y), &name_style)?;
    }
    Ok(())
}
