//! Chart 1: total cost per month, baseline and each scenario, as a fan:
//! the median line in a P10-P90 band, each line named at its end.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room};
use super::data::{self, BASELINE};
use super::style::{self, Area, Drawn, Entry, Mark, px, text_on};
use crate::aggregate::Results;
use crate::model::Case;
use crate::report::format::{Ticks, grouped};

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let note = format!(
        "Total cost per month in {unit}. Lines: median (P50); bands: P10 to P90 of {} iterations. \
         Faint verticals: fiscal years.",
        grouped(results.monthly_sample as f64, 0)
    );
    let top = style::frame(root, Chart::Fan.title(), &note)?;

    let mut names = vec![(BASELINE, "Baseline".to_owned())];
    names.extend(case.scenarios.iter().map(|s| (s.name.as_str(), s.name.clone())));
    let series: Vec<_> = names.iter().map(|(key, _)| data::monthly(results, key, "total", "cost")).collect();

    let entries: Vec<Entry> =
        names.iter().enumerate().map(|(slot, (_, label))| Entry::new(Mark::Band(style::series(slot)), label)).collect();
    let (width, _) = root.dim_in_pixel();
    let right = width as i32 - px(24);
    let top = style::legend(root, &entries, px(90), top, right)?;

    let months = case.model.months;
    let (y0, y1) = data::bounds(series.iter().flatten().flat_map(|r| [r.p10, r.p90]), 0.06);
    let area = root.margin(top + px(4), px(8), px(8), px(8));
    let mut plot = axes::plot(
        &area,
        -0.5..(months as f64 - 0.5).max(0.5),
        y0..y1,
        Room { left: 84, bottom: 56, right: 170, top: 10 },
    )?;
    let ticks = Ticks::for_range(y0, y1);
    let y_label = |v: &f64| ticks.label(*v);
    axes::grid(&mut plot, Labels::None, Labels::Ticks(8, &y_label), "", &format!("Cost per month ({unit})"))?;
    axes::month_axis(root, &plot, &case.model, "Month")?;

    // Bands first, every line over every band.
    for (slot, rows) in series.iter().enumerate() {
        let s = style::series(slot);
        let band = style::band_outline(rows.iter().map(|r| (r.p10, r.p90)));
        plot.draw_series(std::iter::once(Polygon::new(band, s.color.mix(style::BAND_ALPHA).filled())))?;
    }
    let mut ends = Vec::new();
    for (slot, rows) in series.iter().enumerate() {
        let s = style::series(slot);
        let points: Vec<(i32, i32)> =
            rows.iter().enumerate().map(|(m, r)| plot.backend_coord(&(m as f64, r.p50))).collect();
        style::path(root, &points, s.color, 3, s.dash)?;
        if let Some(&last) = points.last() {
            ends.push(last);
        }
    }

    // Direct labels at the right end, pushed apart where lines meet.
    let (_, plot_top) = plot.backend_coord(&(0.0, y1));
    let (_, plot_bottom) = plot.backend_coord(&(0.0, y0));
    let wanted: Vec<i32> = ends.iter().map(|e| e.1).collect();
    let placed = style::spread(&wanted, px(20), plot_top + px(8), plot_bottom - px(8));
    let label_style = style::text_style(15.0, style::INK, HPos::Left, VPos::Center);
    for (slot, ((end, y), (_, name))) in ends.iter().zip(&placed).zip(&names).enumerate() {
        let s = style::series(slot);
        let x = end.0 + px(14);
        root.draw(&PathElement::new(vec![(end.0 + px(2), end.1), (x - px(2), *y)], style::stroke(s.color, 1)))?;
        let ink = if text_on(s.color) == style::INK { style::INK } else { s.color };
        let label = style::fit(root, name, &label_style, right + px(12) - x)?;
        style::text(root, &label, (x, *y), &style::text_style(15.0, ink, HPos::Left, VPos::Center))?;
    }
    Ok(())
}
