//! Charts of a run (plotters), as PNG and SVG.
//!
//! Nine charts (more with the frontier or headcount rules), each drawn once for any plotters backend: the SVG backend
//! writes to a string, the bitmap backend to a buffer that `png.rs` encodes,
//! so nothing touches the disk. Text uses DejaVu Sans, embedded, so a
//! machine with no system fonts draws the same PNG.
//!
//! Every chart reads in black and white and to colour-blind readers: the
//! Okabe-Ito palette, a dash pattern per series and direct labels, so
//! colour never carries meaning alone (`style.rs`). Labels that could land
//! on each other or on the data are placed by `place.rs`, pure geometry
//! that is tested on its own.

mod axes;
mod budget;
mod convergence;
mod cumulative;
mod data;
pub mod fit;
mod frontier;
mod headcount;
mod mix;
mod monthly;
mod npv;
mod place;
mod png;
mod style;
mod tornado;
mod waterfall;

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::aggregate::Results;
use crate::error::RenderError;
use crate::model::Case;
use style::{Area, ChartError, Drawn, K};

/// Canvas size in pixels, PNG and SVG alike.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 750;

/// The charts of a report, in reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chart {
    /// Monthly running cost (capex apart, in a lane of its own): the
    /// baseline and the lead scenario as P50 in a P10-P90 band, the other
    /// scenarios as P50 lines.
    Fan,
    /// NPV histogram per scenario, P10/P50/P90 and P(NPV > 0).
    NpvHistogram,
    /// NPV cumulative distributions of all scenarios, each named where it
    /// runs clear of the others.
    SCurve,
    /// The inputs that move NPV most, for the scenario with the best mean NPV.
    Tornado,
    /// Savings bridge from baseline cost to scenario cost, per initiative.
    Waterfall,
    /// Cumulative net savings by month, with the month the median curve
    /// crosses zero for good.
    Cumulative,
    /// Cost minus budget per fiscal year (the variance), with P(over budget).
    Budget,
    /// Contacts per channel and fiscal year, baseline beside each scenario.
    ChannelMix,
    /// Portfolios by mean investment and objective (`costcast optimize`).
    Frontier,
    /// Each scenario's mean and P10/P50/P90 NPV against iterations, in
    /// their 95% bands: how settled the figures are.
    Convergence,
    /// Paid against required FTE of the channels with headcount rules.
    Headcount,
}

impl Chart {
    pub const ALL: [Chart; 9] = [
        Chart::Fan,
        Chart::NpvHistogram,
        Chart::SCurve,
        Chart::Tornado,
        Chart::Waterfall,
        Chart::Cumulative,
        Chart::Budget,
        Chart::ChannelMix,
        Chart::Convergence,
    ];

    /// The file name without extension; stable, numbered in reading order.
    pub fn file_stem(self) -> &'static str {
        match self {
            Chart::Fan => "1-monthly-cost",
            Chart::NpvHistogram => "2-npv-histogram",
            Chart::SCurve => "3-npv-s-curve",
            Chart::Tornado => "4-tornado",
            Chart::Waterfall => "5-savings-bridge",
            Chart::Cumulative => "6-cumulative-savings",
            Chart::Budget => "7-cost-vs-budget",
            Chart::ChannelMix => "8-channel-mix",
            Chart::Frontier => "9-portfolio-frontier",
            Chart::Convergence => "10-npv-convergence",
            Chart::Headcount => "11-paid-vs-required-fte",
        }
    }

    /// The chart's title, as drawn at its top.
    pub fn title(self) -> &'static str {
        match self {
            Chart::Fan => "Monthly cost: baseline and scenarios",
            Chart::NpvHistogram => "NPV distribution by scenario",
            Chart::SCurve => "NPV S-curves: chance of an NPV at or below each value",
            Chart::Tornado => "What moves NPV most",
            Chart::Waterfall => "Savings bridge: baseline cost to scenario cost",
            Chart::Cumulative => "Cumulative net savings and payback",
            Chart::Budget => "Cost by fiscal year against budget",
            Chart::ChannelMix => "Contacts by channel and fiscal year",
            Chart::Frontier => "Portfolios: what each costs and what it returns",
            Chart::Convergence => "How settled the NPV figures are",
            Chart::Headcount => "Headcount: FTE paid against FTE required",
        }
    }
}

/// The chart as an SVG document, `WIDTH` by `HEIGHT`.
/// A chart's size in PNG pixels (it is drawn [`K`] times larger).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl Size {
    /// The chart files, for slides and documents.
    pub const FILE: Size = Size { width: WIDTH, height: HEIGHT };
    /// A chart in `report.html`: as wide as the printed column (A4 less
    /// 12 mm margins is 703 CSS pixels; Letter's is wider), shown at its own
    /// size, so its text prints at the size it is drawn (11 px and up).
    pub const PAGE: Size = Size { width: 700, height: 400 };
    /// The two charts on the page's first sheet, lower to leave the answer
    /// and the scenario table room on one A4 or Letter page.
    pub const PAGE_LEAD: Size = Size { width: 700, height: 235 };
}

/// The chart as an SVG document, the size of the chart files.
pub fn render_svg(chart: Chart, case: &Case, results: &Results) -> Result<String, RenderError> {
    render_svg_sized(chart, case, results, Size::FILE)
}

/// The chart as an SVG document of `size`.
pub fn render_svg_sized(chart: Chart, case: &Case, results: &Results, size: Size) -> Result<String, RenderError> {
    draw_svg(chart, case, results, size, false).map(|(svg, _)| svg)
}

/// A chart for `report.html`: drawn `size` without its title and note,
/// which the page sets as text around it.
pub struct PageChart {
    pub svg: String,
    pub title: String,
    pub note: String,
}

/// [`PageChart`] of `chart`.
pub fn render_for_page(chart: Chart, case: &Case, results: &Results, size: Size) -> Result<PageChart, RenderError> {
    let (svg, frame) = draw_svg(chart, case, results, size, true)?;
    Ok(PageChart { svg, title: frame.title, note: frame.note })
}

fn draw_svg(
    chart: Chart,
    case: &Case,
    results: &Results,
    size: Size,
    bare: bool,
) -> Result<(String, style::FrameText), RenderError> {
    register_fonts()?;
    let (w, h) = (size.width * K, size.height * K);
    let mut svg = String::new();
    let (drawn, frame) = style::with_frame(bare, || {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        draw(chart, &root, case, results).and_then(|()| Ok(root.present()?))
    });
    drawn.map_err(|e| failed(chart, e))?;
    let head = format!("<svg width=\"{w}\" height=\"{h}\"");
    if !svg.starts_with(&head) {
        return Err(RenderError::Chart { chart: chart.file_stem().into(), why: "unexpected SVG header".into() });
    }
    let svg = svg.replacen(&head, &format!("<svg width=\"{}\" height=\"{}\"", size.width, size.height), 1);
    Ok((svg, frame))
}

pub fn render_png(chart: Chart, case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
    register_fonts()?;
    let (w, h) = (WIDTH * K, HEIGHT * K);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(chart, &root, case, results).and_then(|()| Ok(root.present()?)).map_err(|e| failed(chart, e))?;
    }
    let small = png::downsample(&rgb, WIDTH as usize, HEIGHT as usize, K as usize);
    png::encode_rgb(WIDTH, HEIGHT, &small)
}

fn failed(chart: Chart, e: ChartError) -> RenderError {
    RenderError::Chart { chart: chart.file_stem().into(), why: e.0 }
}

fn draw<DB: DrawingBackend>(chart: Chart, root: &Area<DB>, case: &Case, results: &Results) -> Drawn {
    match chart {
        Chart::Fan => monthly::draw(root, case, results),
        Chart::NpvHistogram => npv::histogram(root, case, results),
        Chart::SCurve => npv::s_curve(root, case, results),
        Chart::Tornado => tornado::draw(root, case, results),
        Chart::Waterfall => waterfall::draw(root, case, results),
        Chart::Cumulative => cumulative::draw(root, case, results),
        Chart::Budget => budget::draw(root, case, results),
        Chart::ChannelMix => mix::draw(root, case, results),
        Chart::Frontier => frontier::draw(root, case, results),
        Chart::Convergence => convergence::draw(root, case, results),
        Chart::Headcount => headcount::draw(root, case, results),
    }
}

static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// Make the embedded DejaVu Sans plotters' "sans-serif", once.
fn register_fonts() -> Result<(), RenderError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        register_font("sans-serif", FontStyle::Normal, REGULAR).is_ok()
            && register_font("sans-serif", FontStyle::Bold, BOLD).is_ok()
    });
    if ok { Ok(()) } else { Err(RenderError::Font) }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    Png,
    Svg,
}

impl ChartFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

/// One chart in one format: a report file `charts/<stem>.<png|svg>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartFile {
    pub chart: Chart,
    pub format: ChartFormat,
}

impl crate::report::Exporter for ChartFile {
    fn file_name(&self) -> String {
        format!("charts/{}.{}", self.chart.file_stem(), self.format.extension())
    }

    fn serialize(&self, case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        match self.format {
            ChartFormat::Png => render_png(self.chart, case, results),
            ChartFormat::Svg => render_svg(self.chart, case, results).map(String::into_bytes),
        }
    }
}

/// The charts these results call for: every run chart, and the frontier
/// when they come from a portfolio search, in the order of their numbers.
pub fn charts_for(results: &Results) -> Vec<Chart> {
    let mut charts = Chart::ALL.to_vec();
    if results.portfolio.is_some() {
        let at = charts.iter().position(|&c| c == Chart::Convergence).unwrap_or(charts.len());
        charts.insert(at, Chart::Frontier);
    }
    if !results.headcount.is_empty() {
        charts.push(Chart::Headcount);
    }
    charts
}

/// Every chart of a run in the formats asked for, chart by chart.
pub fn exporters(png: bool, svg: bool) -> Vec<Box<dyn crate::report::Exporter + Sync>> {
    chart_files(&Chart::ALL, png, svg)
}

/// `charts` in the formats asked for, chart by chart.
pub fn chart_files(charts: &[Chart], png: bool, svg: bool) -> Vec<Box<dyn crate::report::Exporter + Sync>> {
    let formats: Vec<ChartFormat> =
        [(png, ChartFormat::Png), (svg, ChartFormat::Svg)].into_iter().filter(|(on, _)| *on).map(|(_, f)| f).collect();
    charts
        .iter()
        .copied()
        .flat_map(|chart| formats.iter().map(move |&format| ChartFile { chart, format }))
        .map(|file| Box::new(file) as Box<dyn crate::report::Exporter + Sync>)
        .collect()
}
