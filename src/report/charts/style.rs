//! The look shared by every chart: the Okabe-Ito palette with a dash
//! pattern per series (so colour never carries meaning alone), text
//! styles, legends drawn outside the plot, and direct labels kept apart.
//!
//! Custom text and marks are drawn on the root area in pixel coordinates
//! (a chart's `backend_coord` gives them), so they may sit in the margins.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Any drawing area in pixel coordinates.
pub type Area<DB> = DrawingArea<DB, Shift>;

/// Charts are drawn K times the size of the PNG and averaged down (see
/// [`super::render_png`]); the SVG shows the same drawing at 1/K through
/// its viewBox. Code measures in drawing pixels: literal lengths, given in
/// PNG pixels, go through [`px`], and the helpers here scale font sizes and
/// stroke widths themselves.
pub const K: u32 = 2;

/// A length in PNG pixels as drawing pixels.
pub const fn px(v: i32) -> i32 {
    v * K as i32
}

/// A drawing failure, as text for the report's error.
#[derive(Debug)]
pub struct ChartError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError(e.to_string())
    }
}

pub type Drawn = Result<(), ChartError>;

/// Okabe & Ito (2008), "Color Universal Design": distinguishable with any
/// common colour-vision deficiency.
pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
pub const SKY: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
pub const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
pub const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
pub const INK: RGBColor = RGBColor(0, 0, 0);
pub const GREY: RGBColor = RGBColor(0x59, 0x59, 0x59);
pub const LIGHT: RGBColor = RGBColor(0xD9, 0xD9, 0xD9);

/// Scenario colours in order: the darker ones first, yellow (weak on
/// white) last; black is the baseline's.
const SCENARIO_COLOURS: [RGBColor; 7] = [BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, YELLOW];
/// Dash patterns, so lines stay apart printed in grey.
const SCENARIO_DASHES: [Dash; 4] = [Dash::Dashed(14, 6), Dash::Dashed(3, 4), Dash::Dashed(24, 5), Dash::Solid];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dash {
    Solid,
    /// On and off lengths in PNG pixels.
    Dashed(u32, u32),
}

/// How one series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesStyle {
    pub color: RGBColor,
    pub dash: Dash,
}

/// Slot 0 is the baseline, slot s the s-th scenario.
pub fn series(slot: usize) -> SeriesStyle {
    if slot == 0 {
        SeriesStyle { color: INK, dash: Dash::Solid }
    } else {
        let i = slot - 1;
        SeriesStyle { color: SCENARIO_COLOURS[i % 7], dash: SCENARIO_DASHES[i % 4] }
    }
}

/// The outline of a P10-P90 band over months 0, 1, ...: along the P90s,
/// then back along the P10s, for a filled polygon.
pub fn band_outline(p10_p90: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let spans: Vec<(f64, f64)> = p10_p90.collect();
    let top = spans.iter().enumerate().map(|(m, &(_, hi))| (m as f64, hi));
    let bottom = spans.iter().enumerate().rev().map(|(m, &(lo, _))| (m as f64, lo));
    top.chain(bottom).collect()
}

/// Channel colours for stacked bars (distinct from each other; black
/// kept for text).
pub fn channel_colour(c: usize) -> RGBColor {
    [BLUE, ORANGE, GREEN, SKY, VERMILLION, PURPLE, YELLOW, GREY][c % 8]
}

/// Black or white, whichever reads on `fill`.
pub fn text_on(fill: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = fill;
    let luma = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luma > 140.0 { INK } else { RGBColor(255, 255, 255) }
}

/// DejaVu Sans, `size` PNG pixels high.
pub fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size * f64::from(K), FontStyle::Normal)
}

pub fn bold(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size * f64::from(K), FontStyle::Bold)
}

/// A line `width` PNG pixels wide.
pub fn stroke(color: RGBColor, width: u32) -> ShapeStyle {
    color.stroke_width(width * K)
}

/// A text style anchored at `h`, `v`.
pub fn text_style(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle { font: font(size), color: color.to_backend_color(), pos: Pos::new(h, v) }
}

/// Draw `s` (without control characters, which SVG may not hold).
pub fn text<DB: DrawingBackend>(root: &Area<DB>, s: &str, at: (i32, i32), style: &TextStyle) -> Drawn {
    root.draw_text(&crate::report::format::printable(s), style, at)?;
    Ok(())
}

/// Text on a white box, readable over lines and bands.
pub fn boxed<DB: DrawingBackend>(root: &Area<DB>, s: &str, (x, y): (i32, i32), style: &TextStyle) -> Drawn {
    let w = width(root, s, style)?;
    let h = style.font.get_size() as i32;
    let left = match style.pos.h_pos {
        HPos::Left => x,
        HPos::Center => x - w / 2,
        HPos::Right => x - w,
    };
    let top = match style.pos.v_pos {
        VPos::Top => y,
        VPos::Center => y - h / 2,
        VPos::Bottom => y - h,
    };
    let pad = px(3);
    root.draw(&Rectangle::new([(left - pad, top - pad), (left + w + pad, top + h)], WHITE.mix(0.85).filled()))?;
    text(root, s, (x, y), style)
}

/// Width of `s` in pixels.
pub fn width<DB: DrawingBackend>(root: &Area<DB>, s: &str, style: &TextStyle) -> Result<i32, ChartError> {
    Ok(root.estimate_text_size(s, style)?.0 as i32)
}

/// `s` cut (with an ellipsis) to fit `max` pixels.
pub fn fit<DB: DrawingBackend>(root: &Area<DB>, s: &str, style: &TextStyle, max: i32) -> Result<String, ChartError> {
    let mut n = s.chars().count();
    let mut out = crate::report::format::shorten(s, n);
    while n > 1 && width(root, &out, style)? > max {
        n -= 1;
        out = crate::report::format::shorten(s, n);
    }
    Ok(out)
}

/// How the chart being drawn on this thread shows its title and note: in
/// the drawing (the chart files), or handed to the page, which sets them
/// as HTML text around a chart drawn without them (more room for the plot,
/// text that reflows). Every chart draws its frame through [`frame`], so
/// the choice rides here rather than through nine drawing signatures.
#[derive(Debug, Clone, Default)]
pub struct FrameText {
    /// Leave the title and note out of the drawing.
    pub bare: bool,
    pub title: String,
    pub note: String,
}

thread_local! {
    static FRAME: std::cell::RefCell<FrameText> = std::cell::RefCell::new(FrameText::default());
}

/// Draw with `frame` set (title and note in the drawing, or not), then
/// hand back what the chart's frame said.
pub fn with_frame<T>(bare: bool, draw: impl FnOnce() -> T) -> (T, FrameText) {
    FRAME.with(|f| *f.borrow_mut() = FrameText { bare, ..FrameText::default() });
    let out = draw();
    (out, FRAME.with(|f| std::mem::take(&mut *f.borrow_mut())))
}

/// The chart's title and a note under it saying how to read it (two lines
/// if need be), on a white page; returns the y below them. A bare chart
/// (see [`with_frame`]) gets the white page only, its title and note kept
/// for the page to show.
pub fn frame<DB: DrawingBackend>(root: &Area<DB>, title: &str, note: &str) -> Result<i32, ChartError> {
    root.fill(&WHITE)?;
    let bare = FRAME.with(|f| {
        let mut f = f.borrow_mut();
        (f.title, f.note) = (title.to_owned(), note.to_owned());
        f.bare
    });
    if bare {
        return Ok(px(6));
    }
    let (w, _) = root.dim_in_pixel();
    let title_style =
        TextStyle { font: bold(26.0), color: INK.to_backend_color(), pos: Pos::new(HPos::Left, VPos::Top) };
    let title = fit(root, title, &title_style, w as i32 - px(48))?;
    text(root, &title, (px(24), px(18)), &title_style)?;
    let note_style = text_style(15.0, GREY, HPos::Left, VPos::Top);
    let max = w as i32 - px(48);
    // The first line ends at the last space that lets it fit.
    let mut first = note.len();
    while width(root, &note[..first], &note_style)? > max {
        match note[..first].rfind(' ') {
            Some(space) => first = space,
            None => {
                first = note.len();
                break;
            }
        }
    }
    text(root, &fit(root, &note[..first], &note_style, max)?, (px(24), px(54)), &note_style)?;
    let rest = note[first..].trim_start();
    if rest.is_empty() {
        return Ok(px(80));
    }
    text(root, &fit(root, rest, &note_style, max)?, (px(24), px(74)), &note_style)?;
    Ok(px(100))
}

/// A point marker, drawn the same on a plot and in its legend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// A filled disc.
    Dot(RGBColor),
    /// A hollow grey ring.
    Ring,
    /// A large disc with a black edge: the one chosen.
    Chosen(RGBColor),
    /// A hollow black square.
    Square,
}

impl Point {
    /// Half its extent in drawing pixels: the marker covers the square
    /// this far either side of its centre.
    pub fn half(self) -> i32 {
        match self {
            Point::Dot(_) | Point::Ring => px(5),
            Point::Chosen(_) => px(9) + K as i32,
            Point::Square => px(7) + K as i32,
        }
    }
}

/// Draw a point marker centred on `at`.
pub fn point<DB: DrawingBackend>(root: &Area<DB>, p: Point, at: (i32, i32)) -> Drawn {
    match p {
        Point::Dot(c) => root.draw(&Circle::new(at, px(5), c.filled()))?,
        Point::Ring => root.draw(&Circle::new(at, px(5), stroke(GREY, 1)))?,
        Point::Chosen(c) => {
            root.draw(&Circle::new(at, px(9), c.filled()))?;
            root.draw(&Circle::new(at, px(9), stroke(INK, 2)))?;
        }
        Point::Square => {
            let (x, y) = at;
            let h = px(7);
            root.draw(&Rectangle::new([(x - h, y - h), (x + h, y + h)], stroke(INK, 2)))?;
        }
    }
    Ok(())
}

/// Padding between a boxed label's text and the edge of its box.
pub const LABEL_PAD: i32 = px(3);

/// The size of the white box [`boxed_in`] draws `s` on.
pub fn label_size<DB: DrawingBackend>(root: &Area<DB>, s: &str, style: &TextStyle) -> Result<(i32, i32), ChartError> {
    Ok((width(root, s, style)? + 2 * LABEL_PAD, style.font.get_size() as i32 + 2 * LABEL_PAD))
}

/// `s` on a white box that fills `at` (from [`label_size`] and a placer),
/// the text left-aligned in it whatever `style`'s anchor.
pub fn boxed_in<DB: DrawingBackend>(root: &Area<DB>, s: &str, at: super::place::Rect, style: &TextStyle) -> Drawn {
    root.draw(&Rectangle::new([(at.left, at.top), (at.right, at.bottom)], WHITE.mix(0.85).filled()))?;
    let style = style.pos(Pos::new(HPos::Left, VPos::Center));
    text(root, s, (at.left + LABEL_PAD, (at.top + at.bottom) / 2), &style)
}

/// What a legend entry shows beside its label.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    /// A point marker.
    Point(Point),
    /// A line in the series' colour and dash.
    Line(SeriesStyle, u32),
    /// A filled box with a dark edge.
    Fill(RGBColor),
    /// A translucent band with its median line.
    Band(SeriesStyle),
    /// A vertical line with short caps: a P10-P90 range.
    Whisker,
}

pub struct Entry {
    pub mark: Mark,
    pub label: String,
}

impl Entry {
    pub fn new(mark: Mark, label: impl Into<String>) -> Entry {
        Entry { mark, label: label.into() }
    }
}

/// Draw legend entries in rows from (x, y), wrapping before `right`;
/// returns the y below the last row.
pub fn legend<DB: DrawingBackend>(
    root: &Area<DB>,
    entries: &[Entry],
    x: i32,
    y: i32,
    right: i32,
) -> Result<i32, ChartError> {
    let style = text_style(15.0, INK, HPos::Left, VPos::Center);
    let row = px(24);
    let (mut cx, mut cy) = (x, y + row / 2);
    for entry in entries {
        let label = fit(root, &entry.label, &style, right - x - px(40))?;
        let w = px(34) + width(root, &label, &style)?;
        if cx > x && cx + w > right {
            cx = x;
            cy += row;
        }
        swatch(root, entry.mark, (cx, cy))?;
        text(root, &label, (cx + px(34), cy), &style)?;
        cx += w + px(24);
    }
    Ok(cy + row / 2)
}

/// A legend mark 28 PNG pixels wide centred vertically on `at`.
fn swatch<DB: DrawingBackend>(root: &Area<DB>, mark: Mark, (x, y): (i32, i32)) -> Drawn {
    let (w, h) = (px(28), px(7));
    match mark {
        Mark::Line(s, width) => path(root, &[(x, y), (x + w, y)], s.color, width, s.dash),
        Mark::Fill(c) => {
            root.draw(&Rectangle::new([(x, y - h), (x + w, y + h)], c.filled()))?;
            root.draw(&Rectangle::new([(x, y - h), (x + w, y + h)], stroke(INK, 1)))?;
            Ok(())
        }
        Mark::Band(s) => {
            root.draw(&Rectangle::new([(x, y - h - px(1)), (x + w, y + h + px(1))], s.color.mix(BAND_ALPHA).filled()))?;
            path(root, &[(x, y), (x + w, y)], s.color, 3, s.dash)
        }
        Mark::Whisker => whisker(root, x + w / 2, y - h - px(1), y + h + px(1), px(5)),
        Mark::Point(p) => point(root, p, (x + w / 2, y)),
    }
}

/// Opacity of P10-P90 bands.
pub const BAND_ALPHA: f64 = 0.16;

/// A polyline in drawing pixels, `width` PNG pixels wide.
pub fn path<DB: DrawingBackend>(
    root: &Area<DB>,
    points: &[(i32, i32)],
    color: RGBColor,
    width: u32,
    dash: Dash,
) -> Drawn {
    let style = stroke(color, width);
    match dash {
        Dash::Solid => root.draw(&PathElement::new(points.to_vec(), style))?,
        Dash::Dashed(on, off) => root.draw(&DashedPathElement::new(points.iter().copied(), on * K, off * K, style))?,
    }
    Ok(())
}

/// A P10-P90 whisker from `top` to `bottom` at column `x`, caps `cap`
/// either side (all in drawing pixels).
pub fn whisker<DB: DrawingBackend>(root: &Area<DB>, x: i32, top: i32, bottom: i32, cap: i32) -> Drawn {
    let style = stroke(INK, 2);
    root.draw(&PathElement::new(vec![(x, top), (x, bottom)], style))?;
    root.draw(&PathElement::new(vec![(x - cap, top), (x + cap, top)], style))?;
    root.draw(&PathElement::new(vec![(x - cap, bottom), (x + cap, bottom)], style))?;
    Ok(())
}

/// Move label positions (pixels, any order) apart by at least `gap`,
/// keeping them within `lo..=hi` and as near their wish as that allows.
pub fn spread(wanted: &[i32], gap: i32, lo: i32, hi: i32) -> Vec<i32> {
    // A band too small for the labels still gives a valid clamp range.
    let hi = hi.max(lo);
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by_key(|&i| wanted[i]);
    let mut y: Vec<i32> = order.iter().map(|&i| wanted[i].clamp(lo, hi)).collect();
    for k in 1..y.len() {
        y[k] = y[k].max(y[k - 1] + gap);
    }
    if let Some(last) = y.last_mut() {
        *last = (*last).min(hi);
    }
    for k in (0..y.len().saturating_sub(1)).rev() {
        y[k] = y[k].min(y[k + 1] - gap);
    }
    let mut out = vec![0; wanted.len()];
    for (k, &i) in order.iter().enumerate() {
        out[i] = y[k];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_spread_apart_in_their_order() {
        assert_eq!(spread(&[100, 102, 300], 20, 0, 1000), vec![100, 120, 300]);
        assert_eq!(spread(&[995, 990], 20, 0, 1000), vec![1000, 980]);
        assert_eq!(spread(&[], 20, 0, 10), Vec::<i32>::new());
    }

    #[test]
    fn text_reads_on_its_fill() {
        assert_eq!(text_on(YELLOW), INK);
        assert_eq!(text_on(BLUE), RGBColor(255, 255, 255));
    }
}
