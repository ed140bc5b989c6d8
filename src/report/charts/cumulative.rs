//! Chart 6: cumulative net savings month by month, one panel per
//! scenario: the median in its P10-P90 band, zero (break-even) as a firm
//! line, and the median payback month marked.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room, Title};
use super::data;
use super::style::{self, Area, Drawn, Entry, INK, Mark, SeriesStyle, px};
use crate::aggregate::{CumulativeRow, Results};
use crate::model::Case;
use crate::report::format::{Ticks, percent};

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let note = format!(
        "Savings net of initiative costs, summed from the first month, in {unit}. \
         Line: median (P50); band: P10 to P90; payback: the median month from which the sum stays at or above zero."
    );
    let top = style::frame(root, Chart::Cumulative.title(), &note)?;
    let (width, _) = root.dim_in_pixel();
    let payback_line = SeriesStyle { color: INK, dash: style::Dash::Dashed(6, 4) };
    let entries = [
        Entry::new(Mark::Band(SeriesStyle { color: style::GREY, dash: style::Dash::Solid }), "P50 in P10 to P90 band"),
        Entry::new(Mark::Line(SeriesStyle { color: INK, dash: style::Dash::Solid }, 2), "Break-even (zero)"),
        Entry::new(Mark::Line(payback_line, 2), "Payback month (P50)"),
    ];
    let top = style::legend(root, &entries, px(90), top, width as i32 - px(24))?;

    let series: Vec<Vec<&CumulativeRow>> =
        case.scenarios.iter().map(|s| results.cumulative.iter().filter(|r| r.scenario == s.name).collect()).collect();
    let (lo, hi) = data::bounds(series.iter().flatten().flat_map(|r| [r.p10, r.p90]).chain([0.0]), 0.06);
    let ticks = Ticks::for_range(lo, hi);
    let y_label = |v: &f64| ticks.label(*v);
    let no_label = |_: &f64| String::new();
    let months = case.model.months as f64;

    for (s, panel) in axes::panels(root, top, case.scenarios.len(), 60).iter().enumerate() {
        let name = &case.scenarios[s].name;
        let rows = &series[s];
        let room = Room { left: if panel.first_column { 84 } else { 24 }, bottom: 60, right: 12, top: 52 };
        let mut plot = axes::plot(&panel.area, -0.5..(months - 0.5).max(0.5), lo..hi, room)?;
        let (labels, desc) = if panel.first_column {
            (Labels::Ticks(8, &y_label as &dyn Fn(&f64) -> String), format!("Cumulative net savings ({unit})"))
        } else {
            (Labels::Ticks(8, &no_label as &dyn Fn(&f64) -> String), String::new())
        };
        axes::grid(&mut plot, Labels::None, labels, "", &desc)?;
        axes::month_axis(root, &plot, &case.model, if panel.last_row { "Month" } else { "" })?;

        let line = style::series(s + 1);
        let band = style::band_outline(rows.iter().map(|r| (r.p10, r.p90)));
        plot.draw_series(std::iter::once(Polygon::new(band, line.color.mix(style::BAND_ALPHA * 1.5).filled())))?;
        let (x_start, zero) = plot.backend_coord(&(-0.5, 0.0));
        let (x_end, _) = plot.backend_coord(&(months - 0.5, 0.0));
        style::path(root, &[(x_start, zero), (x_end, zero)], INK, 2, style::Dash::Solid)?;
        let points: Vec<(i32, i32)> =
            rows.iter().enumerate().map(|(m, r)| plot.backend_coord(&(m as f64, r.p50))).collect();
        style::path(root, &points, line.color, 3, line.dash)?;

        let p_payback = data::probability(results, name, "prob_payback").unwrap_or(f64::NAN);
        axes::panel_title(root, &plot, name, &format!("Pays back in {} of runs", percent(p_payback)), Title::Stacked)?;
        let (_, plot_top) = plot.backend_coord(&(0.0, hi));
        let (_, plot_bottom) = plot.backend_coord(&(0.0, lo));
        let label_at =
            |h: HPos| TextStyle { font: style::font(13.0), color: INK.to_backend_color(), pos: Pos::new(h, VPos::Top) };
        match data::stats(results, name, "payback_month").filter(|p| p.p50.is_finite()) {
            Some(payback) => {
                // Payback month m (1-based) is horizon index m - 1.
                let m = payback.p50 - 1.0;
                let (x, _) = plot.backend_coord(&(m, 0.0));
                style::path(root, &[(x, plot_top), (x, plot_bottom)], INK, 2, payback_line.dash)?;
                let month = axes::month_name(&case.model, m.round().max(0.0) as usize);
                let label = format!("Payback {month}");
                let (mid, _) = plot.backend_coord(&(months / 2.0, 0.0));
                let (h, dx) = if x > mid { (HPos::Right, -px(6)) } else { (HPos::Left, px(6)) };
                style::boxed(root, &label, (x + dx, plot_top + px(8)), &label_at(h))?;
                let detail = format!("month {:.0} (P50)", payback.p50);
                style::boxed(root, &detail, (x + dx, plot_top + px(26)), &label_at(h))?;
            }
            None => {
                let (x, _) = plot.backend_coord(&(0.0, 0.0));
                style::boxed(
                    root,
                    "No payback within the horizon",
                    (x + px(6), plot_top + px(8)),
                    &label_at(HPos::Left),
                )?;
            }
        }
    }
    Ok(())
}
