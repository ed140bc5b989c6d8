//! The chart of a fitted channel (`costcast fit`, spec section 12): its
//! history as a solid line, the backtest (the fit on all months but the
//! last H, forecasting them) as a dashed median in its P10-P90 band over
//! the actuals it did not see, and the forecast after the history as a
//! median in its band.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, Labels, Room};
use super::style::{self, Area, Drawn, Entry, INK, Mark, px};
use super::{HEIGHT, K, WIDTH, data, png, register_fonts};
use crate::calendar::YearMonth;
use crate::error::RenderError;
use crate::fit::report::ChannelFit;
use crate::report::format::{Ticks, grouped};

/// The chart as an SVG document.
pub fn render_svg(ch: &ChannelFit) -> Result<String, RenderError> {
    register_fonts()?;
    let (w, h) = (WIDTH * K, HEIGHT * K);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        draw(&root, ch).and_then(|()| Ok(root.present()?)).map_err(|e| failed(ch, e))?;
    }
    let drawn = format!("<svg width=\"{w}\" height=\"{h}\"");
    Ok(svg.replacen(&drawn, &format!("<svg width=\"{WIDTH}\" height=\"{HEIGHT}\""), 1))
}

/// The chart as PNG file bytes.
pub fn render_png(ch: &ChannelFit) -> Result<Vec<u8>, RenderError> {
    register_fonts()?;
    let (w, h) = (WIDTH * K, HEIGHT * K);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root, ch).and_then(|()| Ok(root.present()?)).map_err(|e| failed(ch, e))?;
    }
    let small = png::downsample(&rgb, WIDTH as usize, HEIGHT as usize, K as usize);
    png::encode_rgb(WIDTH, HEIGHT, &small)
}

fn failed(ch: &ChannelFit, e: style::ChartError) -> RenderError {
    RenderError::Chart { chart: format!("fit-{}", ch.channel), why: e.0 }
}

/// A faint line and a label at each January (every other one when many).
fn year_axis<DB: DrawingBackend>(root: &Area<DB>, plot: &axes::Plot<'_, DB>, first: YearMonth, months: usize) -> Drawn {
    let y_range = plot.y_range();
    let tick = style::text_style(14.0, INK, HPos::Center, VPos::Top);
    let januaries: Vec<usize> = (0..months).filter(|&k| first.plus(k).month == 1).collect();
    let every = if januaries.len() > 10 { 2 } else { 1 };
    let mut bottom = 0;
    for (i, &k) in januaries.iter().enumerate() {
        let (x, y_px) = plot.backend_coord(&(k as f64, y_range.start));
        let (_, top) = plot.backend_coord(&(k as f64, y_range.end));
        root.draw(&PathElement::new(vec![(x, top), (x, y_px)], style::stroke(style::LIGHT, 1)))?;
        if i % every == 0 {
            root.draw(&PathElement::new(vec![(x, y_px), (x, y_px + px(5))], style::stroke(style::GREY, 1)))?;
            style::text(root, &format!("Jan {}", first.plus(k).year), (x, y_px + px(9)), &tick)?;
        }
        bottom = y_px;
    }
    let (left, _) = plot.backend_coord(&(plot.x_range().start, 0.0));
    let (right, _) = plot.backend_coord(&(plot.x_range().end, 0.0));
    let desc = style::text_style(15.0, INK, HPos::Center, VPos::Top);
    style::text(root, "Month", ((left + right) / 2, bottom + px(32)), &desc)
}

fn draw<DB: DrawingBackend>(root: &Area<DB>, ch: &ChannelFit) -> Drawn {
    let n = ch.history.len();
    let ahead = ch.forecast.len();
    let backtest_note = match &ch.backtest {
        Some(b) => format!("dashed: the fit on all but the last {} months, forecasting them (backtest); ", b.holdout),
        None => String::new(),
    };
    let note = format!(
        "Contacts per month. Solid black: actual volumes; {backtest_note}blue: the forecast {ahead} months ahead. \
         Lines: median (P50); bands: P10 to P90."
    );
    let title = format!("Channel {}: history, backtest and forecast", ch.channel);
    let top = style::frame(root, &title, &note)?;
    let (history_look, backtest_look, forecast_look) = (style::series(0), style::series(2), style::series(1));
    let mut entries = vec![Entry::new(Mark::Line(history_look, 2), "Actual")];
    if ch.backtest.is_some() {
        entries.push(Entry::new(Mark::Band(backtest_look), "Backtest (P50, P10-P90)"));
    }
    entries.push(Entry::new(Mark::Band(forecast_look), "Forecast (P50, P10-P90)"));
    let (width, _) = root.dim_in_pixel();
    let top = style::legend(root, &entries, px(90), top, width as i32 - px(24))?;
    let area = root.margin(top + px(4), px(8), px(8), px(8));

    let backtest_from = ch.backtest.as_ref().map_or(n, |b| n - b.holdout);
    let mut values: Vec<f64> = ch.history.clone();
    values.extend(ch.forecast.iter().flat_map(|f| [f.p10, f.p90]));
    if let Some(b) = &ch.backtest {
        values.extend(b.forecast.iter().flat_map(|f| [f.p10, f.p90]));
    }
    let (y0, y1) = data::bounds(values, 0.06);
    let y0 = y0.max(0.0);
    let x = -0.5..(n + ahead) as f64 - 0.5;
    let mut plot = axes::plot(&area, x, y0..y1, Room { left: 84, bottom: 56, right: 24, top: 10 })?;
    let ticks = Ticks::for_range(y0, y1);
    let y_label = |v: &f64| ticks.label(*v);
    axes::grid(&mut plot, Labels::None, Labels::Ticks(8, &y_label), "", "Contacts per month")?;
    year_axis(root, &plot, ch.first, n + ahead)?;

    let band = |from: usize, f: &[crate::fit::forecast::MonthForecast]| -> Vec<(f64, f64)> {
        let top = f.iter().enumerate().map(|(h, m)| ((from + h) as f64, m.p90));
        let bottom = f.iter().enumerate().rev().map(|(h, m)| ((from + h) as f64, m.p10));
        top.chain(bottom).collect()
    };
    if let Some(b) = &ch.backtest {
        plot.draw_series(std::iter::once(Polygon::new(
            band(backtest_from, &b.forecast),
            backtest_look.color.mix(style::BAND_ALPHA).filled(),
        )))?;
    }
    plot.draw_series(std::iter::once(Polygon::new(
        band(n, &ch.forecast),
        forecast_look.color.mix(style::BAND_ALPHA).filled(),
    )))?;
    let line = |from: usize, ys: &mut dyn Iterator<Item = f64>| -> Vec<(i32, i32)> {
        ys.enumerate().map(|(h, y)| plot.backend_coord(&((from + h) as f64, y))).collect()
    };
    let history = line(0, &mut ch.history.iter().copied());
    style::path(root, &history, history_look.color, 2, history_look.dash)?;
    if let Some(b) = &ch.backtest {
        let median = line(backtest_from, &mut b.forecast.iter().map(|f| f.p50));
        style::path(root, &median, backtest_look.color, 3, backtest_look.dash)?;
    }
    // The forecast starts from the last actual, so the lines join.
    let last = ch.history[n - 1];
    let forecast = line(n - 1, &mut std::iter::once(last).chain(ch.forecast.iter().map(|f| f.p50)));
    style::path(root, &forecast, forecast_look.color, 3, forecast_look.dash)?;
    for &t in &ch.fit.outliers {
        let at = plot.backend_coord(&(t as f64, ch.history[t]));
        style::point(root, style::Point::Dot(INK), at)?;
        let label = style::text_style(13.0, INK, HPos::Left, VPos::Bottom);
        style::text(root, "one-off month, left out of the fit", (at.0 + px(8), at.1 - px(4)), &label)?;
    }
    let caption = format!(
        "{} months of history; {} one-off month(s) set apart from the fit",
        grouped(n as f64, 0),
        ch.fit.outliers.len()
    );
    let (_, h) = root.dim_in_pixel();
    let caption_style = style::text_style(13.0, style::GREY, HPos::Left, VPos::Bottom);
    style::text(root, &caption, (px(24), h as i32 - px(12)), &caption_style)?;
    Ok(())
}
