//! Chart 4: the inputs that move NPV most, as a tornado for the scenario
//! with the highest mean NPV: for each of the ten inputs with the largest
//! rank correlation, the mean NPV when that input falls in its lowest and
//! in its highest tenth, as bars from the overall mean.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room};
use super::data;
use super::style::{self, Area, Drawn, Entry, INK, Mark, px};
use crate::aggregate::{Results, SensitivityRow};
use crate::model::Case;
use crate::report::format::{Ticks, money_short, short, shorten};

/// How many inputs the chart shows.
const TOP: usize = 10;
/// Input in its lowest tenth: dark; in its highest: light. Told apart by
/// lightness in grey print, by position in the row (low above high).
const LOW: RGBColor = style::BLUE;
const HIGH: RGBColor = style::ORANGE;

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let mean_npv = |name: &str| data::stats(results, name, "npv").map_or(f64::NAN, |s| s.mean);
    let best = case
        .scenarios
        .iter()
        .max_by(|a, b| mean_npv(&a.name).total_cmp(&mean_npv(&b.name)).then(std::cmp::Ordering::Greater));
    let Some(best) = best else {
        style::frame(root, Chart::Tornado.title(), "No scenario to show.")?;
        return Ok(());
    };
    let mean = mean_npv(&best.name);
    let others: Vec<String> = case
        .scenarios
        .iter()
        .filter(|s| s.name != best.name)
        .map(|s| format!("{} {}", shorten(&s.name, 40), money_short(mean_npv(&s.name), currency)))
        .collect();
    let title = format!("{}: {} (highest mean NPV)", Chart::Tornado.title(), best.name);
    let mut note = format!("Mean NPV ({unit}) when each input falls in its lowest or highest tenth of draws.");
    if !others.is_empty() {
        note.push_str(&format!(" Mean NPV of the others: {}.", others.join(", ")));
    }
    let top = style::frame(root, &title, &note)?;
    let (width, _) = root.dim_in_pixel();
    let entries = [
        Entry::new(Mark::Fill(LOW), "Input in its lowest 10%"),
        Entry::new(Mark::Fill(HIGH), "Input in its highest 10%"),
        Entry::new(Mark::Line(style::series(0), 2), format!("Mean NPV {}", money_short(mean, currency))),
    ];
    let top = style::legend(root, &entries, px(300), top, width as i32 - px(24))?;

    let labels = crate::report::labels::input_labels(case);
    let rows: Vec<&SensitivityRow> =
        results.sensitivity.iter().filter(|r| r.scenario == best.name && r.spearman.is_finite()).take(TOP).collect();
    let n = rows.len().max(1) as f64;
    let (x0, x1) = data::bounds(rows.iter().flat_map(|r| [r.npv_low_decile, r.npv_high_decile]).chain([mean]), 0.12);
    let area = root.margin(top + px(4), px(8), px(8), px(8));
    let mut plot = axes::plot(&area, x0..x1, -0.5..n - 0.5, Room { left: 290, bottom: 56, right: 90, top: 10 })?;
    let ticks = Ticks::for_range(x0, x1);
    let x_label = |v: &f64| ticks.label(*v);
    axes::grid(&mut plot, Labels::Ticks(10, &x_label), Labels::None, &format!("Mean NPV ({unit})"), "")?;

    let name_style = style::text_style(14.0, INK, HPos::Right, VPos::Center);
    let rho_style = style::text_style(13.0, INK, HPos::Left, VPos::Center);
    let value_style =
        |h: HPos| TextStyle { font: style::font(12.0), color: INK.to_backend_color(), pos: Pos::new(h, VPos::Center) };
    let (left, _) = plot.backend_coord(&(x0, 0.0));
    let (right, _) = plot.backend_coord(&(x1, 0.0));
    for (i, r) in rows.iter().enumerate() {
        let y = n - 1.0 - i as f64;
        for (value, colour, from, to) in [(r.npv_low_decile, LOW, 0.04, 0.38), (r.npv_high_decile, HIGH, -0.38, -0.04)]
        {
            plot.draw_series(std::iter::once(Rectangle::new([(mean, y + from), (value, y + to)], colour.filled())))?;
            let (x, py) = plot.backend_coord(&(value, y + (from + to) / 2.0));
            let (h, dx) = if value < mean { (HPos::Right, -px(4)) } else { (HPos::Left, px(4)) };
            style::text(root, &short(value), (x + dx, py), &value_style(h))?;
        }
        let (_, py) = plot.backend_coord(&(x0, y));
        let label = case.inputs.find(&r.input).map_or(r.input.as_str(), |id| labels[id].text.as_str());
        // A long label takes two smaller lines: whose input, then what it is.
        match label.split_once(": ") {
            Some((who, what)) if style::width(root, label, &name_style)? > px(270) => {
                let small = style::text_style(12.0, INK, HPos::Right, VPos::Center);
                style::text(root, &style::fit(root, who, &small, px(270))?, (left - px(10), py - px(8)), &small)?;
                style::text(root, &style::fit(root, what, &small, px(270))?, (left - px(10), py + px(8)), &small)?;
            }
            _ => style::text(root, &style::fit(root, label, &name_style, px(270))?, (left - px(10), py), &name_style)?,
        }
        style::text(root, &format!("ρ {:+.2}", r.spearman), (right + px(10), py), &rho_style)?;
    }
    if rows.is_empty() {
        let (x, y) = plot.backend_coord(&(x0, n / 2.0));
        let style = style::text_style(15.0, INK, HPos::Left, VPos::Center);
        style::text(root, "No input varied in this run, so none moves NPV.", (x + px(16), y), &style)?;
    }
    let (mx, bottom) = plot.backend_coord(&(mean, -0.5));
    let (_, top) = plot.backend_coord(&(mean, n - 0.5));
    style::path(root, &[(mx, bottom), (mx, top)], INK, 2, style::Dash::Solid)?;
    let head = style::text_style(13.0, INK, HPos::Left, VPos::Bottom);
    style::text(root, "Spearman", (right + px(10), top - px(4)), &head)?;
    Ok(())
}
