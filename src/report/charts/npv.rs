//! Charts 2 and 3: the NPV distribution of each scenario, as histograms
//! (one panel per scenario, on one NPV axis) and as S-curves on one chart.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room, Title};
use super::data;
use super::place::{self, Rect};
use super::style::{self, Area, Dash, Drawn, Entry, GREY, INK, Mark, SeriesStyle, px};
use crate::aggregate::{NpvDistribution, Results};
use crate::model::Case;
use crate::report::format::{Ticks, grouped, money_short, percent};

/// The NPV at percentile `p` (0 to 100 in steps of 0.5).
fn at(d: &NpvDistribution, p: f64) -> f64 {
    d.percentiles.get((p * 2.0).round() as usize).copied().unwrap_or(f64::NAN)
}

/// The NPV range every scenario's panel or curve shares.
fn npv_range<'a>(npv: impl Iterator<Item = &'a NpvDistribution>) -> (f64, f64) {
    data::bounds(
        npv.flat_map(|d| {
            let h = &d.histogram;
            [h.start, h.start + h.width * h.counts.len() as f64, at(d, 0.5), at(d, 99.5)]
        })
        .chain([0.0]),
        0.03,
    )
}

const MEDIAN: SeriesStyle = SeriesStyle { color: INK, dash: Dash::Solid };
const OUTER: SeriesStyle = SeriesStyle { color: INK, dash: Dash::Dashed(8, 5) };

pub fn histogram<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let note = format!(
        "Net present value of each scenario against the baseline in {unit}, {} iterations. \
         Bars: share of iterations per NPV bin.",
        grouped(results.iterations as f64, 0)
    );
    let top = style::frame(root, Chart::NpvHistogram.title(), &note)?;
    let (width, height) = root.dim_in_pixel();
    let entries = [
        Entry::new(Mark::Line(MEDIAN, 2), "P50 (median)"),
        Entry::new(Mark::Line(OUTER, 2), "P10 and P90"),
        Entry::new(Mark::Line(SeriesStyle { color: GREY, dash: Dash::Solid }, 1), "NPV = 0"),
    ];
    let top = style::legend(root, &entries, px(90), top, width as i32 - px(24))?;

    let n = results.npv.len().max(1) as i32;
    let (x0, x1) = npv_range(results.npv.iter());
    let ticks = Ticks::for_range(x0, x1);
    let x_label = |v: &f64| ticks.label(*v);
    let y_label = |v: &f64| format!("{v:.0}%");
    let panel_h = (height as i32 - top - px(8)) / n;
    for (s, d) in results.npv.iter().enumerate() {
        let last = s as i32 == n - 1;
        let y = top + s as i32 * panel_h;
        let area = root.margin(y, height as i32 - y - panel_h, px(8), px(8));
        let total: u64 = d.histogram.counts.iter().sum::<u64>().max(1);
        let shares: Vec<f64> = d.histogram.counts.iter().map(|&c| c as f64 / total as f64 * 100.0).collect();
        let y_top = shares.iter().copied().fold(1.0, f64::max) * 1.1;
        let room = Room { left: 84, bottom: if last { 52 } else { 24 }, right: 24, top: 44 };
        let mut plot = axes::plot(&area, x0..x1, 0.0..y_top, room)?;
        let x_desc = if last { format!("NPV ({unit})") } else { String::new() };
        axes::grid(&mut plot, Labels::Ticks(10, &x_label), Labels::Ticks(3, &y_label), &x_desc, "% of iterations")?;

        let fill = style::series(s + 1).color;
        let h = &d.histogram;
        plot.draw_series(shares.iter().enumerate().map(|(b, &share)| {
            let left = h.start + h.width * b as f64;
            Rectangle::new([(left, 0.0), (left + h.width, share)], fill.filled())
        }))?;
        let (_, base) = plot.backend_coord(&(0.0, 0.0));
        let (_, ceiling) = plot.backend_coord(&(0.0, y_top));
        if x0 < 0.0 && x1 > 0.0 {
            let (zero, _) = plot.backend_coord(&(0.0, 0.0));
            style::path(root, &[(zero, base), (zero, ceiling)], GREY, 1, Dash::Solid)?;
        }

        // P10, P50, P90: lines through the bars, values above the panel.
        let marks = [("P10", 10.0, OUTER), ("P50", 50.0, MEDIAN), ("P90", 90.0, OUTER)];
        let label_style = style::text_style(13.0, INK, HPos::Center, VPos::Bottom);
        let mut labels = Vec::new();
        for (name, p, line) in marks {
            let v = at(d, p);
            let (x, _) = plot.backend_coord(&(v, 0.0));
            style::path(root, &[(x, base), (x, ceiling)], line.color, 2, line.dash)?;
            labels.push((x, format!("{name} {}", money_short(v, currency))));
        }
        let mut gap = 0;
        for (_, label) in &labels {
            gap = gap.max(style::width(root, label, &label_style)? + px(10));
        }
        let (left, _) = plot.backend_coord(&(x0, 0.0));
        let (right, _) = plot.backend_coord(&(x1, 0.0));
        let wanted: Vec<i32> = labels.iter().map(|(x, _)| *x).collect();
        let placed = style::spread(&wanted, gap, left + gap / 2, right - gap / 2);
        for ((_, label), x) in labels.iter().zip(placed) {
            style::text(root, label, (x, ceiling - px(2)), &label_style)?;
        }

        let p_positive = data::probability(results, &d.scenario, "prob_npv_positive").unwrap_or(f64::NAN);
        axes::panel_title(
            root,
            &plot,
            &d.scenario,
            &format!(" — P(NPV > 0): {}", percent(p_positive)),
            Title::Line { above: 24 },
        )?;
    }
    Ok(())
}

pub fn s_curve<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let note = format!(
        "Chance that the NPV ({unit}) is at or below each value, {} iterations. \
         Further right is better; flatter is less certain.",
        grouped(results.iterations as f64, 0)
    );
    let top = style::frame(root, Chart::SCurve.title(), &note)?;
    let (width, _) = root.dim_in_pixel();
    let entries: Vec<Entry> = results
        .npv
        .iter()
        .enumerate()
        .map(|(s, d)| Entry::new(Mark::Line(style::series(s + 1), 3), &d.scenario))
        .collect();
    let top = style::legend(root, &entries, px(90), top, width as i32 - px(24))?;

    let (x0, x1) = npv_range(results.npv.iter());
    let area = root.margin(top + px(4), px(8), px(8), px(8));
    let mut plot = axes::plot(&area, x0..x1, 0.0..100.0, Room { left: 84, bottom: 56, right: 40, top: 10 })?;
    let ticks = Ticks::for_range(x0, x1);
    let x_label = |v: &f64| ticks.label(*v);
    let y_label = |v: &f64| format!("{v:.0}%");
    axes::grid(
        &mut plot,
        Labels::Ticks(10, &x_label),
        Labels::Ticks(10, &y_label),
        &format!("NPV ({unit})"),
        "Chance NPV is at or below",
    )?;
    let mut blocked = Vec::new();
    if x0 < 0.0 && x1 > 0.0 {
        let (zero, bottom) = plot.backend_coord(&(0.0, 0.0));
        let (_, top) = plot.backend_coord(&(0.0, 100.0));
        style::path(root, &[(zero, bottom), (zero, top)], GREY, 2, Dash::Solid)?;
        let note = style::text_style(13.0, GREY, HPos::Left, VPos::Top);
        let (w, h) = style::label_size(root, "NPV = 0", &note)?;
        let at = Rect::new(zero + px(4), top + px(4), w, h);
        style::boxed_in(root, "NPV = 0", at, &note)?;
        // Names keep off the zero line and its note.
        blocked.extend([at, Rect { left: zero - px(1), top, right: zero + px(1), bottom }]);
    }
    let mut curves = Vec::with_capacity(results.npv.len());
    for (s, d) in results.npv.iter().enumerate() {
        let line = style::series(s + 1);
        let points: Vec<(i32, i32)> = d
            .percentiles
            .iter()
            .enumerate()
            .map(|(k, &v)| plot.backend_coord(&(v.clamp(x0, x1), k as f64 / 2.0)))
            .collect();
        style::path(root, &points, line.color, 3, line.dash)?;
        curves.push(points);
    }

    // Each curve named beside itself where it runs furthest from the
    // others, never across a curve or another name.
    let label_style = style::text_style(14.0, INK, HPos::Left, VPos::Center);
    let mut names = Vec::with_capacity(results.npv.len());
    let mut sizes = Vec::with_capacity(results.npv.len());
    for d in &results.npv {
        let name = style::fit(root, &d.scenario, &label_style, px(220))?;
        sizes.push(style::label_size(root, &name, &label_style)?);
        names.push(name);
    }
    let (left, top) = plot.backend_coord(&(x0, 100.0));
    let (right, bottom) = plot.backend_coord(&(x1, 0.0));
    let area = Rect { left, top, right, bottom };
    for (name, at) in names.iter().zip(place::label_curves(&curves, &sizes, area, &blocked)) {
        style::boxed_in(root, name, at, &label_style)?;
    }
    Ok(())
}
