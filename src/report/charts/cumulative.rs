//! Chart 6: cumulative net savings month by month, one panel per
//! scenario: the median in its P10-P90 band, zero (break-even) as a firm
//! line, and the month from which the plotted median stays at or above
//! zero marked.
//!
//! The marker reads from the curve it stands on. The summary's payback
//! month P50 is another number: the median over the runs that pay back
//! only (spec section 6), so with a share of runs that never pay back it
//! lies left of where the median curve crosses zero, and a marker there
//! would sit on a curve still below zero.

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
        "Savings net of initiative costs, summed from the first month, in {unit}. Line: median (P50); band: P10 to P90. \
         Dashed: the month from which the median curve stays at or above zero (the payback P50 of the summary \
         counts only the runs that pay back, so it can come earlier)."
    );
    let top = style::frame(root, Chart::Cumulative.title(), &note)?;
    let (width, _) = root.dim_in_pixel();
    let payback_line = SeriesStyle { color: INK, dash: style::Dash::Dashed(6, 4) };
    let entries = [
        Entry::new(Mark::Band(SeriesStyle { color: style::GREY, dash: style::Dash::Solid }), "P50 in P10 to P90 band"),
        Entry::new(Mark::Line(SeriesStyle { color: INK, dash: style::Dash::Solid }, 2), "Break-even (zero)"),
        Entry::new(Mark::Line(payback_line, 2), "Median curve crosses zero"),
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
        let p50: Vec<f64> = rows.iter().map(|r| r.p50).collect();
        match crosses_zero(&p50) {
            Some(m) => {
                let (x, _) = plot.backend_coord(&(m as f64, 0.0));
                style::path(root, &[(x, plot_top), (x, plot_bottom)], INK, 2, payback_line.dash)?;
                let (mid, _) = plot.backend_coord(&(months / 2.0, 0.0));
                let (h, dx) = if x > mid { (HPos::Right, -px(6)) } else { (HPos::Left, px(6)) };
                let lines = ["Median curve crosses zero:".to_owned(), crossing_label(&case.model, m)];
                for (k, line) in lines.iter().enumerate() {
                    style::boxed(root, line, (x + dx, plot_top + px(8 + 18 * k as i32)), &label_at(h))?;
                }
            }
            None => {
                let (x, _) = plot.backend_coord(&(0.0, 0.0));
                let lines = ["The median curve ends", "below zero: no payback", "within the horizon"];
                for (k, line) in lines.iter().enumerate() {
                    style::boxed(root, line, (x + px(6), plot_top + px(8 + 18 * k as i32)), &label_at(HPos::Left))?;
                }
            }
        }
    }
    Ok(())
}

/// The 0-based month from which the median cumulative saving stays at or
/// above zero to the end of the horizon: the payback rule of spec section
/// 6 applied to the plotted curve. `None` when the curve ends below zero
/// (or is empty); a month that is no number counts as below zero.
pub fn crosses_zero(p50: &[f64]) -> Option<usize> {
    match p50.iter().rposition(|v| !(*v >= 0.0)) {
        None if p50.is_empty() => None,
        None => Some(0),
        Some(last) if last + 1 < p50.len() => Some(last + 1),
        Some(_) => None,
    }
}

/// "month 9, Sep 2027" for 0-based month 8: the month as `payback_month`
/// counts (from 1) and as a calendar reads it.
pub fn crossing_label(model: &crate::model::Model, m: usize) -> String {
    format!("month {}, {}", m + 1, axes::month_name(model, m))
}

#[cfg(test)]
mod tests {
    use super::crosses_zero;

    #[test]
    fn the_marker_is_where_the_median_curve_turns_non_negative_for_good() {
        // A dip, then above zero from the fourth month (index 3) on.
        assert_eq!(crosses_zero(&[0.0, -5.0, -2.0, 0.0, 4.0, 9.0]), Some(3));
        // Zero counts as paid back; never negative is month 1 (index 0).
        assert_eq!(crosses_zero(&[0.0, 0.0, 1.0]), Some(0));
        // Above zero, back below, then up again: the last crossing counts.
        assert_eq!(crosses_zero(&[-1.0, 2.0, -0.5, 1.0, 3.0]), Some(3));
        // Ends below zero: no marker.
        assert_eq!(crosses_zero(&[-1.0, 2.0, -0.5]), None);
        assert_eq!(crosses_zero(&[]), None);
        // A month with no number is not taken for paid back.
        assert_eq!(crosses_zero(&[-1.0, 1.0, f64::NAN, 2.0]), Some(3));
    }
}
