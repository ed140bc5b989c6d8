//! Chart 11 (staffed channels with headcount rules, spec section 13):
//! paid against required FTE month by month, one panel per scenario
//! (baseline first) on one FTE axis, a colour per channel. The gap between
//! the solid and the dashed line is the surplus still on payroll, waiting
//! for attrition; a solid line above the dashed one ahead of a launch is
//! trainees hired early.

use plotters::prelude::*;

use super::Chart;
use super::axes::{self, Labels, Room, Title};
use super::data;
use super::style::{self, Area, Dash, Drawn, Entry, Mark, SeriesStyle, px};
use crate::aggregate::Results;
use crate::model::Case;
use crate::report::format::grouped;
use crate::report::labels;

/// The channels that follow headcount rules, in the order the results
/// list them.
fn channels(results: &Results) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for r in &results.headcount {
        if !seen.contains(&r.channel.as_str()) {
            seen.push(&r.channel);
        }
    }
    seen
}

/// Mean `metric` of `channel` in `scenario`, month by month.
fn series(results: &Results, scenario: &str, channel: &str, metric: &str) -> Vec<f64> {
    results
        .monthly
        .iter()
        .filter(|r| r.scenario == scenario && r.channel == channel && r.metric == metric)
        .map(|r| r.mean)
        .collect()
}

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    let note = "Mean over the iterations. Solid: FTE on the payroll (trainees included); dashed: FTE the queue \
                requires. Solid above dashed: a surplus waiting for attrition, or trainees hired ahead of need.";
    let top = style::frame(root, Chart::Headcount.title(), note)?;
    let (width, _) = root.dim_in_pixel();
    let channels = channels(results);
    let mut entries = Vec::new();
    for (c, channel) in channels.iter().enumerate() {
        let colour = style::channel_colour(c);
        let name = labels::channel_title(channel);
        entries
            .push(Entry::new(Mark::Line(SeriesStyle { color: colour, dash: Dash::Solid }, 3), format!("{name}: paid")));
        entries.push(Entry::new(
            Mark::Line(SeriesStyle { color: colour, dash: Dash::Dashed(8, 5) }, 2),
            format!("{name}: required"),
        ));
    }
    let top = style::legend(root, &entries, px(90), top, width as i32 - px(24))?;

    let mut names = vec!["baseline".to_owned()];
    names.extend(case.scenarios.iter().map(|s| s.name.clone()));
    let all = names.iter().flat_map(|n| {
        channels
            .iter()
            .flat_map(move |c| series(results, n, c, "fte").into_iter().chain(series(results, n, c, "required_fte")))
    });
    let (lo, hi) = data::bounds(all.chain([0.0]), 0.06);
    let y_label = |v: &f64| grouped(*v, 0);
    let no_label = |_: &f64| String::new();
    let months = case.model.months as f64;
    for (s, panel) in axes::panels(root, top, names.len(), 50).iter().enumerate() {
        let room = Room { left: if panel.first_column { 72 } else { 24 }, bottom: 60, right: 12, top: 36 };
        let mut plot = axes::plot(&panel.area, -0.5..(months - 0.5).max(0.5), lo..hi, room)?;
        let (labels_y, desc) = if panel.first_column {
            (Labels::Ticks(6, &y_label as &dyn Fn(&f64) -> String), "FTE")
        } else {
            (Labels::Ticks(6, &no_label as &dyn Fn(&f64) -> String), "")
        };
        axes::grid(&mut plot, Labels::None, labels_y, "", desc)?;
        axes::month_axis(root, &plot, &case.model, if panel.last_row { "Month" } else { "" })?;
        for (c, channel) in channels.iter().enumerate() {
            let colour = style::channel_colour(c);
            for (metric, dash, w) in [("required_fte", Dash::Dashed(8, 5), 2), ("fte", Dash::Solid, 3)] {
                let points: Vec<(i32, i32)> = series(results, &names[s], channel, metric)
                    .iter()
                    .enumerate()
                    .map(|(m, v)| plot.backend_coord(&(m as f64, v.clamp(lo, hi))))
                    .collect();
                style::path(root, &points, colour, w, dash)?;
            }
        }
        let title = if s == 0 { "Baseline (no initiative)".to_owned() } else { names[s].clone() };
        axes::panel_title(root, &plot, &title, "", Title::Line { above: 8 })?;
    }
    Ok(())
}
