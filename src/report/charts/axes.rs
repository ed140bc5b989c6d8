//! Plot areas and their axes: a numeric grid from plotters, and the axes
//! plotters cannot label well (months, categories) drawn by hand.

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{Area, ChartError, Drawn, GREY, INK, K, LIGHT, font, px, stroke, text, text_style};
use crate::model::Model;
use crate::report::format::printable;

/// A chart with numbers on both axes.
pub type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Room around a plot for tick labels and axis descriptions, in PNG pixels.
#[derive(Debug, Clone, Copy)]
pub struct Room {
    pub left: u32,
    pub bottom: u32,
    pub right: u32,
    pub top: u32,
}

pub fn plot<'a, DB: DrawingBackend>(
    area: &'a Area<DB>,
    x: Range<f64>,
    y: Range<f64>,
    room: Room,
) -> Result<Plot<'a, DB>, ChartError> {
    Ok(ChartBuilder::on(area)
        .margin_top(room.top * K)
        .margin_right(room.right * K)
        .margin_left(4 * K)
        .margin_bottom(4 * K)
        .x_label_area_size(room.bottom * K)
        .y_label_area_size(room.left * K)
        .build_cartesian_2d(x, y)?)
}

/// How an axis is labelled.
pub enum Labels<'f> {
    /// No ticks or grid from plotters; the chart draws its own.
    None,
    /// About `n` ticks, each written by the function.
    Ticks(usize, &'f dyn Fn(&f64) -> String),
}

/// Grid lines at the labelled ticks of each axis, light so data stay in
/// front; axis descriptions in words with units.
pub fn grid<DB: DrawingBackend>(plot: &mut Plot<'_, DB>, x: Labels, y: Labels, x_desc: &str, y_desc: &str) -> Drawn {
    let mut mesh = plot.configure_mesh();
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(stroke(LIGHT, 1))
        .axis_style(stroke(GREY, 1))
        .set_all_tick_mark_size(px(5))
        .label_style(font(14.0).color(&INK))
        .axis_desc_style(font(15.0).color(&INK));
    match x {
        Labels::None => mesh.disable_x_mesh().x_labels(0),
        Labels::Ticks(n, f) => mesh.x_labels(n).x_label_formatter(f),
    };
    match y {
        Labels::None => mesh.disable_y_mesh().y_labels(0),
        Labels::Ticks(n, f) => mesh.y_labels(n).y_label_formatter(f),
    };
    if !x_desc.is_empty() {
        mesh.x_desc(printable(x_desc));
    }
    if !y_desc.is_empty() {
        mesh.y_desc(printable(y_desc));
    }
    mesh.draw()?;
    Ok(())
}

/// A month as a reader writes it: `Jan 2027`.
pub fn month_name(model: &Model, m: usize) -> String {
    const NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let ym = model.start.plus(m);
    format!("{} {}", NAMES[(ym.month as usize).saturating_sub(1) % 12], ym.year)
}

/// Label the x axis of a plot whose x is the 0-based horizon month: as
/// many labels as fit, at most a dozen, on a step of 1, 2, 3, 6 months or
/// whole years; a faint line where each fiscal year begins.
pub fn month_axis<DB: DrawingBackend>(root: &Area<DB>, plot: &Plot<'_, DB>, model: &Model, x_desc: &str) -> Drawn {
    let (x_range, y_range) = (plot.x_range(), plot.y_range());
    let y0 = y_range.start;
    let months = model.months;
    let tick = text_style(14.0, INK, HPos::Center, VPos::Top);
    let (left, _) = plot.backend_coord(&(x_range.start, y0));
    let (right, _) = plot.backend_coord(&(x_range.end, y0));
    let fits = ((right - left) / (super::style::width(root, "Sep 2027", &tick)? + px(16))).max(1) as usize;
    let step =
        [1, 2, 3, 6, 12, 24, 36, 60, 120, 240].into_iter().find(|s| months.div_ceil(*s) <= fits.min(12)).unwrap_or(600);
    fiscal_year_lines(root, plot, model)?;
    let mut bottom = 0;
    for m in (0..months).step_by(step) {
        if !x_range.contains(&(m as f64)) {
            continue;
        }
        let (x_px, y_px) = plot.backend_coord(&(m as f64, y0));
        root.draw(&PathElement::new(vec![(x_px, y_px), (x_px, y_px + px(5))], stroke(GREY, 1)))?;
        text(root, &month_name(model, m), (x_px, y_px + px(9)), &tick)?;
        bottom = y_px;
    }
    if !x_desc.is_empty() {
        text(root, x_desc, ((left + right) / 2, bottom + px(32)), &text_style(15.0, INK, HPos::Center, VPos::Top))?;
    }
    Ok(())
}

/// A faint vertical line where each fiscal year after the first begins,
/// on a plot whose x is the 0-based horizon month.
pub fn fiscal_year_lines<DB: DrawingBackend>(root: &Area<DB>, plot: &Plot<'_, DB>, model: &Model) -> Drawn {
    let y_range = plot.y_range();
    for fy in model.fiscal_years.iter().skip(1) {
        let x = fy.months.start as f64 - 0.5;
        let (x_px, top) = plot.backend_coord(&(x, y_range.end));
        let (_, bottom) = plot.backend_coord(&(x, y_range.start));
        root.draw(&PathElement::new(vec![(x_px, top), (x_px, bottom)], stroke(LIGHT, 2)))?;
    }
    Ok(())
}

/// How a panel's title sets out a name and a detail about it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Title {
    /// On one line, `above` PNG pixels over the plot; the name cut short
    /// if need be so that the detail always shows.
    Line { above: i32 },
    /// The name in bold over the detail, for narrow panels.
    Stacked,
}

/// A panel's title, left-aligned over its plot.
pub fn panel_title<DB: DrawingBackend>(
    root: &Area<DB>,
    plot: &Plot<'_, DB>,
    name: &str,
    detail: &str,
    how: Title,
) -> Drawn {
    let (x, y) = plot.backend_coord(&(plot.x_range().start, plot.y_range().end));
    let (right, _) = plot.backend_coord(&(plot.x_range().end, plot.y_range().end));
    let bold = TextStyle {
        font: super::style::bold(15.0),
        color: INK.to_backend_color(),
        pos: plotters::style::text_anchor::Pos::new(HPos::Left, VPos::Bottom),
    };
    match how {
        Title::Line { above } => {
            let room = right - x - super::style::width(root, detail, &bold)?;
            let name = super::style::fit(root, name, &bold, room.max(px(60)))?;
            text(root, &format!("{name}{detail}"), (x, y - px(above)), &bold)
        }
        Title::Stacked => {
            let plain = text_style(14.0, INK, HPos::Left, VPos::Bottom);
            let detail = super::style::fit(root, detail, &plain, right - x)?;
            text(root, &detail, (x, y - px(8)), &plain)?;
            let name = super::style::fit(root, name, &bold, right - x)?;
            text(root, &name, (x, y - px(28)), &bold)
        }
    }
}

/// One panel of a small-multiples chart.
pub struct Panel<DB: DrawingBackend> {
    pub area: Area<DB>,
    /// In the first column: the one that labels the shared y axis.
    pub first_column: bool,
    /// In the last row: the one that labels the shared x axis.
    pub last_row: bool,
}

/// The page below `top` split into `n` panels, at most three a row, the
/// first column `extra` PNG pixels wider for the y axis labels.
pub fn panels<DB: DrawingBackend>(root: &Area<DB>, top: i32, n: usize, extra: i32) -> Vec<Panel<DB>> {
    let (width, height) = root.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    let cols = n.clamp(1, 3) as i32;
    let rows = (n as i32 + cols - 1) / cols;
    let inner = width - px(16);
    let first_w = if cols == 1 { inner } else { (inner - px(extra)) / cols + px(extra) };
    let other_w = if cols == 1 { 0 } else { (inner - first_w) / (cols - 1) };
    let panel_h = (height - top - px(8)) / rows.max(1);
    (0..n as i32)
        .map(|i| {
            let (col, row) = (i % cols, i / cols);
            let x = px(8) + if col == 0 { 0 } else { first_w + (col - 1) * other_w };
            let w = if col == 0 { first_w } else { other_w };
            let y = top + row * panel_h;
            Panel {
                area: root.margin(y, height - y - panel_h, x, width - x - w),
                first_column: col == 0,
                last_row: row == rows - 1,
            }
        })
        .collect()
}
