//! Chart 10: how each scenario's NPV figures settled as iterations were
//! added (spec section 15): the mean and the P10, P50 and P90 after 2,048,
//! 4,096, ... iterations and at the end, each in its 95% band, one panel
//! per scenario on a log scale of iterations. Lines that run flat in
//! narrow bands say more iterations would change little.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room, Title};
use super::data;
use super::style::{self, Area, Dash, Drawn, Entry, GREY, INK, Mark, SeriesStyle, px};
use crate::aggregate::Results;
use crate::aggregate::precision::Checkpoint;
use crate::model::Case;
use crate::report::format::{Ticks, grouped, money_short};

/// The four figures, how each is drawn and named at the line's end.
const FIGURES: [(&str, Dash); 4] =
    [("P90", Dash::Dashed(3, 4)), ("Mean", Dash::Solid), ("P50", Dash::Dashed(14, 6)), ("P10", Dash::Dashed(3, 4))];

/// A checkpoint's figures in [`FIGURES`] order.
fn figures(c: &Checkpoint) -> [(f64, f64); 4] {
    [c.p90, c.mean, c.p50, c.p10]
}

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let note = format!(
        "Each scenario's NPV ({unit}) on its first 2,048, 4,096, ... iterations up to all {}: mean, P10, P50 \
         and P90, each in its 95% band (± 1.96 standard errors); under each name, the widest band at the end. \
         Flat lines in narrow bands: more iterations would change little.",
        grouped(results.iterations as f64, 0)
    );
    let top = style::frame(root, Chart::Convergence.title(), &note)?;
    let (width, _) = root.dim_in_pixel();
    let line = |dash| Mark::Line(SeriesStyle { color: INK, dash }, 2);
    let entries = [
        Entry::new(line(Dash::Solid), "Mean"),
        Entry::new(line(Dash::Dashed(14, 6)), "P50"),
        Entry::new(line(Dash::Dashed(3, 4)), "P10 and P90"),
        Entry::new(Mark::Band(SeriesStyle { color: GREY, dash: Dash::Solid }), "95% band"),
    ];
    let top = style::legend(root, &entries, px(90), top, width as i32 - px(24))?;

    let last = results.npv.iter().filter_map(|d| d.convergence.last()).map(|c| c.iterations).max().unwrap_or(1);
    let first = results.npv.iter().filter_map(|d| d.convergence.first()).map(|c| c.iterations).min().unwrap_or(1);
    let (x0, x1) = log_range(first, last);
    for (s, panel) in axes::panels(root, top, results.npv.len(), 0).iter().enumerate() {
        let d = &results.npv[s];
        let trace = &d.convergence;
        let (lo, hi) =
            data::bounds(trace.iter().flat_map(|c| figures(c).into_iter().flat_map(|(v, h)| [v - h, v + h])), 0.08);
        let ticks = Ticks::for_range(lo, hi);
        let y_label = |v: &f64| ticks.label(*v);
        let room = Room { left: 72, bottom: 60, right: 40, top: 52 };
        let mut plot = axes::plot(&panel.area, x0..x1, lo..hi, room)?;
        let y_desc = if panel.first_column { format!("NPV ({unit})") } else { String::new() };
        axes::grid(&mut plot, Labels::None, Labels::Ticks(5, &y_label), "", &y_desc)?;
        iterations_axis(root, &plot, if panel.last_row { "Iterations (log scale)" } else { "" })?;

        let colour = style::series(s + 1).color;
        let x = |c: &Checkpoint| (c.iterations.max(1) as f64).log10();
        let mut ends = Vec::with_capacity(FIGURES.len());
        for (k, (name, dash)) in FIGURES.iter().enumerate() {
            let band: Vec<(f64, f64)> = trace
                .iter()
                .filter(|c| figures(c)[k].1.is_finite())
                .map(|c| (x(c), figures(c)[k].0 + figures(c)[k].1))
                .chain(
                    trace
                        .iter()
                        .rev()
                        .filter(|c| figures(c)[k].1.is_finite())
                        .map(|c| (x(c), figures(c)[k].0 - figures(c)[k].1)),
                )
                .collect();
            if band.len() >= 4 {
                plot.draw_series(std::iter::once(Polygon::new(band, colour.mix(style::BAND_ALPHA * 1.5).filled())))?;
            }
            let points: Vec<(i32, i32)> =
                trace.iter().map(|c| plot.backend_coord(&(x(c), figures(c)[k].0.clamp(lo, hi)))).collect();
            style::path(root, &points, colour, 2, *dash)?;
            // A dot at each count the figures were read at (one dot alone
            // when the run was too short for more).
            for &at in &points {
                root.draw(&Circle::new(at, px(3), colour.filled()))?;
            }
            if let Some(&end) = points.last() {
                ends.push((end, *name));
            }
        }
        // Each line named at its end, the names moved apart where lines
        // end close together (the mean and the median often do).
        let label = style::text_style(12.0, INK, HPos::Left, VPos::Center);
        let (_, plot_top) = plot.backend_coord(&(x1, hi));
        let (_, plot_bottom) = plot.backend_coord(&(x1, lo));
        let wanted: Vec<i32> = ends.iter().map(|((_, y), _)| *y).collect();
        let placed = style::spread(&wanted, style::label_size(root, "P50", &label)?.1, plot_top, plot_bottom);
        for (((x_end, _), name), y) in ends.iter().zip(placed) {
            style::text(root, name, (x_end + px(4), y), &label)?;
        }
        let detail = trace.last().map_or(String::new(), |c| {
            let widest = figures(c).iter().map(|f| f.1).fold(0.0_f64, f64::max);
            format!("within ± {}", money_short(widest, currency))
        });
        axes::panel_title(root, &plot, &d.scenario, &detail, Title::Stacked)?;
    }
    Ok(())
}

/// The log10 range of iterations `first..last`, a little wider than the
/// points so the ends' lines show; a single point gets a span of its own.
fn log_range(first: usize, last: usize) -> (f64, f64) {
    let (a, b) = ((first.max(1) as f64).log10(), (last.max(1) as f64).log10());
    if b - a < 0.1 { (a - 0.1, b + 0.1) } else { (a - 0.03 * (b - a), b + 0.03 * (b - a)) }
}

/// Iteration counts at 1, 2 and 5 times the powers of ten, as written:
/// `2k`, `50k`, `1M`.
fn iterations_label(n: f64) -> String {
    if n >= 1e6 {
        format!("{}M", grouped(n / 1e6, 0))
    } else if n >= 1e3 {
        format!("{}k", grouped(n / 1e3, 0))
    } else {
        grouped(n, 0)
    }
}

/// The ticks of a log axis spanning `x0..x1` (log10 of iterations), at
/// `multiples` of the powers of ten.
fn iteration_ticks(x0: f64, x1: f64, multiples: &[f64]) -> Vec<f64> {
    (x0.floor() as i32..=x1.ceil() as i32)
        .flat_map(|e| multiples.iter().map(move |m| m * 10f64.powi(e)))
        .filter(|n| (x0..=x1).contains(&n.log10()))
        .collect()
}

fn iterations_axis<DB: DrawingBackend>(root: &Area<DB>, plot: &axes::Plot<'_, DB>, x_desc: &str) -> Drawn {
    let (x_range, y_range) = (plot.x_range(), plot.y_range());
    let tick = style::text_style(13.0, INK, HPos::Center, VPos::Top);
    // 1, 2 and 5 times the powers of ten where their labels fit apart,
    // else the powers alone.
    let (left, _) = plot.backend_coord(&(x_range.start, y_range.start));
    let (right, _) = plot.backend_coord(&(x_range.end, y_range.start));
    let fine = iteration_ticks(x_range.start, x_range.end, &[1.0, 2.0, 5.0]);
    let widest = fine
        .iter()
        .map(|&n| style::width(root, &iterations_label(n), &tick))
        .try_fold(0, |w, x| x.map(|x| w.max(x)))?;
    let closest = fine.windows(2).map(|w| (w[1] / w[0]).log10()).fold(f64::INFINITY, f64::min);
    let room = closest / (x_range.end - x_range.start) * (right - left) as f64;
    let ticks =
        if room >= (widest + px(8)) as f64 { fine } else { iteration_ticks(x_range.start, x_range.end, &[1.0]) };
    let mut bottom = 0;
    for n in ticks {
        let (x, y) = plot.backend_coord(&(n.log10(), y_range.start));
        let (_, top) = plot.backend_coord(&(n.log10(), y_range.end));
        style::path(root, &[(x, y), (x, top)], style::LIGHT, 1, Dash::Solid)?;
        style::path(root, &[(x, y), (x, y + px(5))], GREY, 1, Dash::Solid)?;
        style::text(root, &iterations_label(n), (x, y + px(8)), &tick)?;
        bottom = y;
    }
    if !x_desc.is_empty() {
        let desc = style::text_style(14.0, INK, HPos::Center, VPos::Top);
        style::text(root, x_desc, ((left + right) / 2, bottom + px(30)), &desc)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axis_ticks_are_one_two_five_times_the_powers_of_ten() {
        let (x0, x1) = log_range(2_048, 100_000);
        let labels = |m: &[f64]| iteration_ticks(x0, x1, m).into_iter().map(iterations_label).collect::<Vec<_>>();
        assert_eq!(labels(&[1.0, 2.0, 5.0]), ["2k", "5k", "10k", "20k", "50k", "100k"]);
        assert_eq!(labels(&[1.0]), ["10k", "100k"]);
        let (x0, x1) = log_range(2_048, 100_000_000);
        let labels: Vec<String> = iteration_ticks(x0, x1, &[1.0]).into_iter().map(iterations_label).collect();
        assert_eq!(labels, ["10k", "100k", "1M", "10M", "100M"]);
    }

    #[test]
    fn one_point_still_gets_a_range() {
        let (x0, x1) = log_range(500, 500);
        assert!(x0 < 500f64.log10() && 500f64.log10() < x1);
    }
}
