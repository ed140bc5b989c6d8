//! Chart 9 (optimize only): the portfolios, mean investment against the
//! objective, each with its NPV P10-P90 range; the efficient frontier as a
//! line, the recommended portfolio and the runner-up named beside their
//! markers (`place.rs` keeps the names clear of every point).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Chart;
use super::axes::{self, Labels, Room};
use super::data;
use super::place::{self, Label, Rect};
use super::style::{self, Area, Drawn, Entry, INK, Mark, Point, px};
use crate::aggregate::Results;
use crate::model::Case;
use crate::optimize::{self, Candidate, Recommendation, Search};
use crate::report::format::{Ticks, money_short, shorten};

/// Feasible portfolios: filled; infeasible: hollow grey. The frontier line
/// and the recommended portfolio stand out by shape as well as colour.
const FEASIBLE: RGBColor = style::BLUE;
const CHOSEN: RGBColor = style::VERMILLION;
/// Portfolios up to which every one gets its P10-P90 bar.
const MAX_BARS: usize = 100;

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let currency = &case.model.currency;
    let unit = crate::report::format::currency_unit(currency);
    let Some(rec) = &results.portfolio else {
        style::frame(root, Chart::Frontier.title(), "No portfolio search in this report.")?;
        return Ok(());
    };
    let objective = rec.objective;
    let search = match (rec.search, rec.screened_with) {
        (Search::Exhaustive, None) => "every portfolio evaluated".to_owned(),
        (Search::Exhaustive, Some(n)) => format!("every portfolio screened on {n} iterations, finalists on all"),
        (Search::Heuristic, _) => "portfolios found by a heuristic search (greedy, then add/drop/swap)".to_owned(),
    };
    // Past a hundred portfolios the bars would hide the points: only the
    // frontier's, the recommendation's and the runner-up's are drawn.
    let all_bars = rec.candidates.len() <= MAX_BARS;
    let bars = if all_bars { "bars: NPV P10 to P90" } else { "bars (frontier only): NPV P10 to P90" };
    let mut note = format!(
        "{} of {} portfolios, {search}; {bars}. The frontier joins the portfolios no other beats on both investment and {}.",
        objective.label(),
        rec.candidates.len(),
        objective.label()
    );
    if let Some(b) = rec.capex_budget {
        note.push_str(&format!(
            " Hollow: over the capex budget of {} or below the P(NPV > 0) floor.",
            money_short(b, currency)
        ));
    }
    let top = style::frame(root, Chart::Frontier.title(), &note)?;
    let (width, _) = root.dim_in_pixel();
    let mut entries = vec![Entry::new(Mark::Point(Point::Dot(FEASIBLE)), "Feasible portfolio")];
    if rec.candidates.iter().any(|c| !c.feasible) {
        entries.push(Entry::new(Mark::Point(Point::Ring), "Ruled out by a constraint"));
    }
    entries.extend([
        Entry::new(Mark::Line(style::series(0), 2), "Efficient frontier"),
        Entry::new(Mark::Point(Point::Chosen(CHOSEN)), "Recommended"),
    ]);
    if rec.runner_up().is_some() {
        entries.push(Entry::new(Mark::Point(Point::Square), "Runner-up"));
    }
    entries.push(Entry::new(Mark::Whisker, "NPV P10-P90"));
    let top = style::legend(root, &entries, px(24), top, width as i32 - px(24))?;

    let all = &rec.candidates;
    let (x0, x1) = data::bounds(all.iter().map(|c| c.stats.investment_mean).chain([0.0]), 0.06);
    let (y0, y1) =
        data::bounds(all.iter().flat_map(|c| [c.stats.npv_p10, c.stats.npv_p90, objective.of(&c.stats)]), 0.08);
    let area = root.margin(top + px(4), px(8), px(8), px(8));
    let mut plot = axes::plot(&area, x0..x1, y0..y1, Room { left: 110, bottom: 56, right: 30, top: 10 })?;
    let (xt, yt) = (Ticks::for_range(x0, x1), Ticks::for_range(y0, y1));
    let (x_label, y_label) = (|v: &f64| xt.label(*v), |v: &f64| yt.label(*v));
    axes::grid(
        &mut plot,
        Labels::Ticks(8, &x_label),
        Labels::Ticks(8, &y_label),
        &format!("Mean investment ({unit})"),
        &format!("{} ({unit})", objective.label()),
    )?;
    if y0 < 0.0 && y1 > 0.0 {
        plot.draw_series(std::iter::once(PathElement::new(vec![(x0, 0.0), (x1, 0.0)], style::stroke(style::GREY, 1))))?;
    }
    // Bars first, points over them.
    let runner_members = rec.runner_up().map(|(r, _)| r.stats.members.clone());
    let barred = |i: usize, c: &Candidate| {
        all_bars || c.on_frontier || i == rec.chosen || runner_members.as_ref() == Some(&c.stats.members)
    };
    for (_, c) in all.iter().enumerate().filter(|(i, c)| barred(*i, c)) {
        let (x, top) = plot.backend_coord(&(c.stats.investment_mean, c.stats.npv_p90));
        let (_, bottom) = plot.backend_coord(&(c.stats.investment_mean, c.stats.npv_p10));
        let colour = if c.feasible { style::GREY } else { style::LIGHT };
        root.draw(&PathElement::new(vec![(x, top), (x, bottom)], style::stroke(colour, 1)))?;
    }
    let mut frontier: Vec<&Candidate> = all.iter().filter(|c| c.on_frontier).collect();
    frontier.sort_by(|a, b| a.stats.investment_mean.total_cmp(&b.stats.investment_mean));
    let line: Vec<(i32, i32)> =
        frontier.iter().map(|c| plot.backend_coord(&(c.stats.investment_mean, objective.of(&c.stats)))).collect();
    let s = style::series(0);
    style::path(root, &line, s.color, 2, s.dash)?;
    let mut markers = Vec::with_capacity(all.len() + 2);
    for c in all {
        let at = plot.backend_coord(&(c.stats.investment_mean, objective.of(&c.stats)));
        let p = if c.feasible { Point::Dot(FEASIBLE) } else { Point::Ring };
        style::point(root, p, at)?;
        markers.push(Rect::around(at, p.half()));
    }

    name_portfolios(root, &plot, case, rec, markers, line)?;
    Ok(())
}

/// Mark the recommended portfolio and the runner-up and name each beside
/// its own marker, clear of every point in `markers`, of each other and
/// where possible of the frontier `line`.
fn name_portfolios<DB: DrawingBackend>(
    root: &Area<DB>,
    plot: &axes::Plot<'_, DB>,
    case: &Case,
    rec: &Recommendation,
    mut markers: Vec<Rect>,
    line: Vec<(i32, i32)>,
) -> Drawn {
    let mut named = vec![(rec.chosen(), Point::Chosen(CHOSEN), "Recommended")];
    if let Some((runner, _)) = rec.runner_up() {
        named.push((runner, Point::Square, "Runner-up"));
    }
    let label_style = style::text_style(14.0, INK, HPos::Left, VPos::Center);
    let mut labels = Vec::with_capacity(named.len());
    let mut texts = Vec::with_capacity(named.len());
    for (c, p, role) in &named {
        let at = plot.backend_coord(&(c.stats.investment_mean, rec.objective.of(&c.stats)));
        style::point(root, *p, at)?;
        let text = format!("{role}: {}", shorten(&optimize::label(case, &c.stats.members), 60));
        let (w, h) = style::label_size(root, &text, &label_style)?;
        labels.push(Label { marker: markers.len(), width: w, height: h });
        markers.push(Rect::around(at, p.half()));
        texts.push(text);
    }
    let (x, y) = (plot.x_range(), plot.y_range());
    let (left, top) = plot.backend_coord(&(x.start, y.end));
    let (right, bottom) = plot.backend_coord(&(x.end, y.start));
    let boxes = place::place_labels(&markers, &labels, Rect { left, top, right, bottom }, &[line]);
    for ((label, b), text) in labels.iter().zip(&boxes).zip(&texts) {
        let own = markers[label.marker];
        // A label pushed away from its marker points back to it.
        if own.gap(b) > f64::from(px(10)) {
            let from = own.nearest_point(b.centre());
            let to = b.nearest_point(from);
            root.draw(&PathElement::new(vec![from, to], style::stroke(style::GREY, 1)))?;
        }
        style::boxed_in(root, text, *b, &label_style)?;
    }
    Ok(())
}
