//! Chart 8: the channel mix: contacts per channel in each fiscal year, as
//! stacked horizontal bars, the baseline above each scenario. Horizontal,
//! so each segment has room for its channel's name and the chart reads
//! without its colours.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room};
use super::data::{self, BASELINE};
use super::style::{self, Area, Drawn, Entry, INK, Mark, px, text_on};
use crate::aggregate::Results;
use crate::model::Case;
use crate::report::format::{Ticks, grouped, short};

/// Blank rows between fiscal years.
const GAP: f64 = 0.7;

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let note = format!(
        "Contacts per fiscal year by channel (mean of {} iterations), before and after each scenario's initiatives.",
        grouped(results.iterations as f64, 0)
    );
    let top = style::frame(root, Chart::ChannelMix.title(), &note)?;
    let (width, _) = root.dim_in_pixel();
    let channels = &case.model.channels;
    let entries: Vec<Entry> = channels
        .iter()
        .enumerate()
        .map(|(c, ch)| Entry::new(Mark::Fill(style::channel_colour(c)), crate::report::labels::channel(&ch.id)))
        .collect();
    let top = style::legend(root, &entries, px(270), top, width as i32 - px(24))?;

    let mut names = vec![(BASELINE, "Baseline")];
    names.extend(case.scenarios.iter().map(|s| (s.name.as_str(), s.name.as_str())));
    // [series][fiscal year][channel]
    let volumes: Vec<Vec<Vec<f64>>> = names.iter().map(|(key, _)| data::contacts_by_year(case, results, key)).collect();
    let years = &case.model.fiscal_years;
    let m = names.len() as f64;
    let row = |g: usize, j: usize| -(g as f64 * (m + GAP) + j as f64);
    let bottom = row(years.len().saturating_sub(1), names.len() - 1) - 0.6;
    let highest = volumes.iter().flatten().map(|v| v.iter().sum::<f64>()).fold(0.0, f64::max);
    let x1 = if highest > 0.0 { highest * 1.04 } else { 1.0 };

    let area = root.margin(top + px(4), px(8), px(8), px(8));
    let mut plot = axes::plot(&area, 0.0..x1, bottom..0.6, Room { left: 260, bottom: 56, right: 24, top: 6 })?;
    let ticks = Ticks::for_range(0.0, x1);
    let x_label = |v: &f64| ticks.label(*v);
    axes::grid(&mut plot, Labels::Ticks(10, &x_label), Labels::None, "Contacts per fiscal year", "")?;

    let (left, _) = plot.backend_coord(&(0.0, 0.0));
    let name_style = style::text_style(14.0, INK, HPos::Right, VPos::Center);
    let year_style =
        TextStyle { font: style::bold(15.0), color: INK.to_backend_color(), pos: Pos::new(HPos::Left, VPos::Center) };
    for (g, fy) in years.iter().enumerate() {
        let (_, y) = plot.backend_coord(&(0.0, row(g, 0)));
        let label = if fy.partial { format!("{} ({} mo.)", fy.label(), fy.months.len()) } else { fy.label() };
        style::text(root, &label, (px(16), y), &year_style)?;
        for (j, (_, name)) in names.iter().enumerate() {
            let y = row(g, j);
            let (_, py) = plot.backend_coord(&(0.0, y));
            let shown = style::fit(root, name, &name_style, px(150))?;
            style::text(root, &shown, (left - px(10), py), &name_style)?;
            let mut start = 0.0;
            for (c, channel) in channels.iter().enumerate() {
                let v = volumes[j].get(g).and_then(|v| v.get(c)).copied().unwrap_or(0.0);
                if v.is_nan() || v <= 0.0 {
                    continue;
                }
                let fill = style::channel_colour(c);
                let seg = [(start, y - 0.36), (start + v, y + 0.36)];
                plot.draw_series(std::iter::once(Rectangle::new(seg, fill.filled())))?;
                plot.draw_series(std::iter::once(Rectangle::new(seg, style::stroke(WHITE, 1))))?;
                // Name and count inside the segment when they fit, else the name, else nothing.
                let (a, _) = plot.backend_coord(&(start, y));
                let (b, _) = plot.backend_coord(&(start + v, y));
                let inside = style::text_style(12.0, text_on(fill), HPos::Center, VPos::Center);
                let name = crate::report::labels::channel(&channel.id);
                let full = format!("{name} {}", short(v));
                for text in [full.as_str(), name.as_str()] {
                    if style::width(root, text, &inside)? + px(8) <= b - a {
                        style::text(root, text, ((a + b) / 2, py), &inside)?;
                        break;
                    }
                }
                start += v;
            }
        }
    }
    Ok(())
}
