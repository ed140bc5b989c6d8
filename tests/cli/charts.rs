//! The nine charts of the canonical case render as PNG and SVG: PNGs that
//! decode to the canvas size with many colours, SVGs that are well-formed
//! XML naming the chart and every scenario, even when a scenario's name is
//! markup or a formula. Read back from the SVG, the direct labels of the
//! frontier and the S-curves sit clear of every marker, curve and other
//! label, and the cumulative chart marks the month its plotted median
//! turns non-negative for good.
//!
//! Set `COSTCAST_CHARTS_DIR` to a folder to keep the rendered files and
//! look at them.

use std::path::Path;

use costcast::aggregate::{Results, SummaryRow, SummaryValue};
use costcast::model::Case;
use costcast::report::Exporter;
use costcast::report::charts::{self, Chart, ChartFormat, HEIGHT, WIDTH};
use costcast::report::format;

use crate::util::{canonical_forecast, costcast, load, root};

/// Write the file to `COSTCAST_CHARTS_DIR` when set.
fn keep(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("COSTCAST_CHARTS_DIR") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn every_chart_renders_a_png_of_the_canvas_size_with_content() {
    let (case, results) = canonical_forecast();
    for chart in Chart::ALL {
        let png = charts::render_png(chart, case, results).unwrap();
        keep(&format!("{}.png", chart.file_stem()), &png);
        let image = png::decode(&png).unwrap_or_else(|e| panic!("{}: {e}", chart.file_stem()));
        assert_eq!((image.width, image.height), (WIDTH, HEIGHT), "{}", chart.file_stem());
        let mut colours: Vec<[u8; 3]> = image.rgb.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
        let white = colours.iter().filter(|p| **p == [255, 255, 255]).count();
        colours.sort_unstable();
        colours.dedup();
        assert!(colours.len() > 100, "{}: only {} colours", chart.file_stem(), colours.len());
        let inked = 1.0 - white as f64 / (WIDTH * HEIGHT) as f64;
        assert!(inked > 0.03, "{}: only {:.1}% of the canvas is drawn", chart.file_stem(), inked * 100.0);
    }
}

#[test]
fn every_chart_renders_well_formed_svg_naming_its_title_and_scenarios() {
    let (case, results) = canonical_forecast();
    for chart in Chart::ALL {
        let svg = charts::render_svg(chart, case, results).unwrap();
        keep(&format!("{}.svg", chart.file_stem()), svg.as_bytes());
        xml::check(&svg).unwrap_or_else(|e| panic!("{}: {e}", chart.file_stem()));
        assert!(svg.starts_with(&format!("<svg width=\"{WIDTH}\" height=\"{HEIGHT}\"")), "{}", chart.file_stem());
        assert!(svg.contains(&xml::escape(chart.title())), "{}: no title", chart.file_stem());
        for scenario in &case.scenarios {
            assert!(svg.contains(&xml::escape(&scenario.name)), "{}: no {:?}", chart.file_stem(), scenario.name);
        }
    }
}

/// Rename a scenario everywhere: in the case and in every result table.
fn rename(case: &mut Case, results: &mut Results, from: &str, to: &str) {
    let fix = |s: &mut String| {
        if s == from {
            *s = to.to_owned();
        }
    };
    case.scenarios.iter_mut().for_each(|s| fix(&mut s.name));
    results.summary.iter_mut().for_each(|r| fix(&mut r.scenario));
    results.fiscal_years.iter_mut().for_each(|r| fix(&mut r.scenario));
    results.monthly.iter_mut().for_each(|r| fix(&mut r.scenario));
    results.bridge.iter_mut().for_each(|r| fix(&mut r.scenario));
    results.sensitivity.iter_mut().for_each(|r| fix(&mut r.scenario));
    results.npv.iter_mut().for_each(|r| fix(&mut r.scenario));
    results.cumulative.iter_mut().for_each(|r| fix(&mut r.scenario));
    results.waterfall.iter_mut().for_each(|r| fix(&mut r.scenario));
}

#[test]
fn markup_and_formulas_in_scenario_names_stay_text() {
    let (case, results) = canonical_forecast();
    let (mut case, mut results) = (case.clone(), results.clone());
    let hostile = ["<b>&\"x\"", "=HYPERLINK(\"http://x\")", "a'b > c"];
    let names: Vec<String> = case.scenarios.iter().map(|s| s.name.clone()).collect();
    for (from, to) in names.iter().zip(hostile) {
        rename(&mut case, &mut results, from, to);
    }
    for chart in Chart::ALL {
        let svg = charts::render_svg(chart, &case, &results).unwrap();
        xml::check(&svg).unwrap_or_else(|e| panic!("{}: {e}", chart.file_stem()));
        assert!(!svg.contains("<b>"), "{}: markup leaked", chart.file_stem());
        for name in hostile {
            assert!(svg.contains(&xml::escape(name)), "{}: no {name:?}", chart.file_stem());
        }
        // The bitmap draws the same names without failing.
        charts::render_png(chart, &case, &results).unwrap();
    }
    // Control characters are no text: dropped, not written into the SVG.
    rename(&mut case, &mut results, hostile[2], "bell\u{7}and\ttab");
    for chart in Chart::ALL {
        let svg = charts::render_svg(chart, &case, &results).unwrap();
        xml::check(&svg).unwrap_or_else(|e| panic!("{}: {e}", chart.file_stem()));
        assert!(svg.contains("bellandtab"), "{}", chart.file_stem());
    }
}

#[test]
fn exporters_name_one_file_per_chart_and_format() {
    let all = charts::exporters(true, true);
    assert_eq!(all.len(), 18);
    let names: Vec<String> = all.iter().map(|e| e.file_name()).collect();
    assert!(names.contains(&"charts/1-monthly-cost.png".to_owned()));
    assert!(names.contains(&"charts/8-channel-mix.svg".to_owned()));
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 18);
    assert!(charts::exporters(false, true).iter().all(|e| e.file_name().ends_with(".svg")));
    assert_eq!(charts::exporters(true, false).len(), 9);
    assert!(charts::exporters(false, false).is_empty());

    let (case, results) = canonical_forecast();
    let file = charts::ChartFile { chart: Chart::Budget, format: ChartFormat::Svg };
    assert_eq!(file.file_name(), "charts/7-cost-vs-budget.svg");
    let bytes = file.serialize(case, results).unwrap();
    assert!(bytes.starts_with(b"<svg"));
}

/// Chart labels use the report's one formatting: the currency's symbol
/// where it has one, else its code, and three significant digits.
#[test]
fn money_reads_in_thousands_and_millions() {
    assert_eq!(format::money_short(12_345_678.0, "USD"), "$12.3M");
    assert_eq!(format::money_short(1_234_567.0, "EUR"), "€1.23M");
    assert_eq!(format::money_short(450_000.0, "USD"), "$450k");
    assert_eq!(format::money_short(-45_600.0, "GBP"), "-£45.6k");
    assert_eq!(format::money_short(2_345_678_901.0, "USD"), "$2.35B");
    assert_eq!(format::money_short(999.0, "CHF"), "CHF 999");
    assert_eq!(format::money_short(f64::NAN, "USD"), "–");
    assert_eq!(format::grouped(1234567.0, 0), "1,234,567");
    let ticks = format::Ticks::for_range(19e6, 25e6);
    assert_eq!(ticks.label(20e6), "20.0M");
    assert_eq!(format::percent(0.4249), "42%");
}

#[test]
fn a_case_with_partial_fiscal_years_and_another_currency_renders() {
    // Contoso: EUR, fiscal years from July (FY2027 and FY2030 partial), two scenarios.
    let case = load(Path::new("scenarios/contoso-digital-care.toml"));
    let results = costcast::run::forecast(&case, 500, 3, 2).expect("forecast");
    for chart in Chart::ALL {
        let svg = charts::render_svg(chart, &case, &results).unwrap();
        xml::check(&svg).unwrap_or_else(|e| panic!("{}: {e}", chart.file_stem()));
        if chart != Chart::ChannelMix {
            assert!(svg.contains('€'), "{}: no currency", chart.file_stem());
            assert!(!svg.contains("EUR"), "{}: the code where the symbol belongs", chart.file_stem());
        }
        let png = charts::render_png(chart, &case, &results).unwrap();
        keep(&format!("contoso-{}.png", chart.file_stem()), &png);
        let image = png::decode(&png).unwrap();
        assert_eq!((image.width, image.height), (WIDTH, HEIGHT));
    }
}

#[test]
fn a_run_of_two_iterations_still_draws_every_chart() {
    // The smallest run allowed: almost no spread, no deciles, histograms of
    // two draws: nothing may panic.
    let (case, _) = canonical_forecast();
    let results = costcast::run::forecast(case, 2, 1, 1).expect("forecast");
    for chart in Chart::ALL {
        png::decode(&charts::render_png(chart, case, &results).unwrap()).unwrap();
        xml::check(&charts::render_svg(chart, case, &results).unwrap()).unwrap();
    }
}

#[test]
fn long_scenario_names_are_cut_to_fit_not_dropped() {
    let (case, results) = canonical_forecast();
    let (mut case, mut results) = (case.clone(), results.clone());
    let from = case.scenarios[0].name.clone();
    let long = "A rather long scenario name that goes on and on, as finance names sometimes do";
    rename(&mut case, &mut results, &from, long);
    for chart in Chart::ALL {
        let svg = charts::render_svg(chart, &case, &results).unwrap();
        assert!(svg.contains("A rather long scenario"), "{}: the long name is missing", chart.file_stem());
        let png = charts::render_png(chart, &case, &results).unwrap();
        keep(&format!("long-{}.png", chart.file_stem()), &png);
    }
}

/// The frontier of the shipped portfolio case: the recommended portfolio
/// mid-plot, the runner-up at the plot's right edge, some two thousand
/// portfolios around them. Each name sits in its white box beside its own
/// marker, the two boxes apart, neither over any point; both markers are
/// in the legend.
#[test]
fn the_frontier_names_both_portfolios_beside_their_markers_clear_of_every_point() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    costcast()
        .arg("optimize")
        .arg(root().join("scenarios/acme-portfolio.toml"))
        .args(["-n", "300", "--format", "svg", "-o"])
        .arg(&out)
        .assert()
        .success();
    let svg = std::fs::read_to_string(out.join("charts/9-portfolio-frontier.svg")).unwrap();
    keep("9-portfolio-frontier.svg", svg.as_bytes());
    let texts = shapes::texts(&svg);
    for entry in ["Recommended", "Runner-up"] {
        assert!(texts.iter().any(|t| t.text == entry), "no legend entry {entry:?}");
    }
    let boxes = shapes::label_boxes(&svg);
    let label = |prefix: &str| shapes::box_of(&texts, &boxes, prefix).unwrap_or_else(|| panic!("no {prefix:?} label"));
    let (chosen_label, runner_label) = (label("Recommended: "), label("Runner-up: "));
    assert!(!chosen_label.intersects(&runner_label), "the two names overlap");

    let circles = shapes::circles(&svg);
    assert!(circles.len() > 1000, "only {} points drawn", circles.len());
    let squares = shapes::squares(&svg);
    for (i, marker) in circles.iter().chain(&squares).enumerate() {
        for (name, label) in [("recommended", &chosen_label), ("runner-up", &runner_label)] {
            assert!(!label.intersects(marker), "the {name} label {label:?} covers marker {i} {marker:?}");
        }
    }
    // Drawn after the legend's, the last big disc and the last square are
    // the plot's: each label is nearer its own marker than the other's.
    let chosen = *circles.iter().rev().find(|c| c.width() > 30.0).expect("the recommended marker");
    let runner = *squares.last().expect("the runner-up marker");
    assert!(chosen_label.gap(&chosen) < chosen_label.gap(&runner), "the recommended label is nearer the runner-up");
    assert!(runner_label.gap(&runner) < runner_label.gap(&chosen), "the runner-up label is nearer the recommended");
    assert!(chosen_label.gap(&chosen) < 60.0 && runner_label.gap(&runner) < 60.0, "a label strays from its marker");
}

/// The S-curves of the canonical case cross: every name sits in its white
/// box, crossing no curve and no other box.
#[test]
fn s_curve_names_cross_no_curve_and_no_other_name() {
    let (case, results) = canonical_forecast();
    let svg = charts::render_svg(Chart::SCurve, case, results).unwrap();
    let boxes = shapes::label_boxes(&svg);
    let texts = shapes::texts(&svg);
    for scenario in &case.scenarios {
        assert!(shapes::box_of(&texts, &boxes, &scenario.name).is_some(), "{:?} is not named on a box", scenario.name);
    }
    // The curves are the plot's 3-pixel lines (6 drawing pixels).
    let curves = shapes::polylines(&svg, "6");
    assert!(curves.len() >= case.scenarios.len());
    for (i, b) in boxes.iter().enumerate() {
        for line in &curves {
            for pair in line.windows(2) {
                assert!(!b.crossed_by(pair[0], pair[1]), "label {i} {b:?} crosses a curve at {pair:?}");
            }
        }
        for (j, other) in boxes.iter().enumerate().skip(i + 1) {
            assert!(!b.intersects(other), "labels {i} and {j} overlap");
        }
    }
}

/// Where chart 6 puts its marker: the first month from which the median
/// curve it plots stays at or above zero (1-based, as payback months are
/// counted), written independently of the chart's code.
fn crossing_month(results: &Results, scenario: &str) -> Option<usize> {
    let p50: Vec<f64> = results.cumulative.iter().filter(|r| r.scenario == scenario).map(|r| r.p50).collect();
    let mut month = None;
    for (m, v) in p50.iter().enumerate().rev() {
        if *v >= 0.0 {
            month = Some(m + 1);
        } else {
            break;
        }
    }
    month
}

#[test]
fn the_cumulative_chart_marks_where_its_median_curve_turns_non_negative_for_good() {
    let (case, results) = canonical_forecast();
    let svg = charts::render_svg(Chart::Cumulative, case, results).unwrap();
    for scenario in &case.scenarios {
        let m = crossing_month(results, &scenario.name).expect("the canonical scenarios pay back");
        assert!(svg.contains(&format!("month {m}, ")), "{}: no marker at month {m}", scenario.name);
    }

    // A median curve that crosses zero late, while the payback P50 of the
    // runs that pay back stays early: the marker follows the curve.
    let mut results = results.clone();
    let name = case.scenarios[0].name.clone();
    let mut rows = results.cumulative.iter_mut().filter(|r| r.scenario == name);
    for row in rows.by_ref().take(20) {
        row.p50 = row.p50.min(-1.0);
    }
    assert_eq!(crossing_month(&results, &name), Some(21));
    let svg = charts::render_svg(Chart::Cumulative, case, &results).unwrap();
    assert!(svg.contains("month 21, "), "the marker does not follow the plotted curve");

    // A median curve that ends below zero gets no marker, and says so.
    for row in results.cumulative.iter_mut().filter(|r| r.scenario == name) {
        row.p50 = -1.0;
    }
    let svg = charts::render_svg(Chart::Cumulative, case, &results).unwrap();
    assert!(svg.contains("The median curve ends"));
    assert!(!svg.contains("month 21, "));
}

/// Chart 7 shows the variance to budget: zero is on budget, ticks above it
/// are signed, and the currency is the symbol.
#[test]
fn the_budget_chart_shows_cost_minus_budget() {
    let (case, results) = canonical_forecast();
    let svg = charts::render_svg(Chart::Budget, case, results).unwrap();
    assert!(svg.contains("Cost minus budget ($), over budget above zero"));
    assert!(svg.contains("On budget (zero)"));
    assert!(shapes::texts(&svg).iter().any(|t| t.text.starts_with('+') && t.text.ends_with('M')), "no signed tick");
    assert!(svg.contains("budget $23.0M"));
}

/// The monthly chart: bands for the baseline and the highest NPV P50 only,
/// capex in its own lane under the running cost.
#[test]
fn the_monthly_chart_bands_two_series_and_sets_capex_apart() {
    let (case, results) = canonical_forecast();
    let svg = charts::render_svg(Chart::Fan, case, results).unwrap();
    let npv_p50 = |name: &str| match results.summary.iter().find(|r| r.scenario == name && r.metric == "npv") {
        Some(SummaryRow { value: SummaryValue::Stats(Some(s)), .. }) => s.p50,
        _ => f64::NEG_INFINITY,
    };
    let best = case.scenarios.iter().max_by(|a, b| npv_p50(&a.name).total_cmp(&npv_p50(&b.name))).unwrap();
    // The note may wrap: read its lines as one.
    let words: Vec<String> = shapes::texts(&svg).into_iter().map(|t| t.text).collect();
    assert!(words.join(" ").contains(&format!("for the baseline and {} (highest NPV P50)", best.name)));
    // Bands are the translucent polygons: two of them.
    assert_eq!(svg.matches("<polygon").count(), 2, "not two bands");
    assert!(svg.contains("Capex, one-off"));
    for scenario in &case.scenarios {
        assert!(svg.contains(&format!("{}: $", scenario.name)), "no capex total for {}", scenario.name);
    }
}

/// The shapes of a rendered SVG that the layout tests read back, in the
/// SVG's own (drawing) pixels.
mod shapes {
    /// An axis-aligned box.
    #[derive(Debug, Clone, Copy)]
    pub struct Bounds {
        pub left: f64,
        pub top: f64,
        pub right: f64,
        pub bottom: f64,
    }

    impl Bounds {
        pub fn width(&self) -> f64 {
            self.right - self.left
        }

        pub fn intersects(&self, o: &Bounds) -> bool {
            self.left < o.right && o.left < self.right && self.top < o.bottom && o.top < self.bottom
        }

        fn inside(&self, (x, y): (f64, f64)) -> bool {
            x > self.left && x < self.right && y > self.top && y < self.bottom
        }

        pub fn gap(&self, o: &Bounds) -> f64 {
            let dx = (o.left - self.right).max(self.left - o.right).max(0.0);
            let dy = (o.top - self.bottom).max(self.top - o.bottom).max(0.0);
            dx.hypot(dy)
        }

        /// Does the segment pass through the box? Checked a quarter pixel
        /// at a time.
        pub fn crossed_by(&self, a: (f64, f64), b: (f64, f64)) -> bool {
            let steps = ((b.0 - a.0).hypot(b.1 - a.1) * 4.0).ceil().max(1.0) as usize;
            (0..=steps).any(|k| {
                let t = k as f64 / steps as f64;
                self.inside((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)))
            })
        }
    }

    /// Every `<name ...>` tag, with where it ends in the document.
    fn tags_at<'a>(svg: &'a str, name: &str) -> Vec<(usize, &'a str)> {
        let open = format!("<{name} ");
        svg.match_indices(&open)
            .map(|(at, _)| {
                let end = at + svg[at..].find('>').unwrap() + 1;
                (end, &svg[at..end])
            })
            .collect()
    }

    fn tags<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
        tags_at(svg, name).into_iter().map(|(_, tag)| tag).collect()
    }

    fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        Some(&tag[start..start + tag[start..].find('"')?])
    }

    fn num(tag: &str, name: &str) -> f64 {
        attr(tag, name).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no number {name} in {tag}"))
    }

    fn rect(tag: &str) -> Bounds {
        let (x, y) = (num(tag, "x"), num(tag, "y"));
        Bounds { left: x, top: y, right: x + num(tag, "width"), bottom: y + num(tag, "height") }
    }

    /// The white boxes labels are written on (the page's own white
    /// background is opaque, the boxes not).
    pub fn label_boxes(svg: &str) -> Vec<Bounds> {
        tags(svg, "rect")
            .into_iter()
            .filter(|t| attr(t, "fill") == Some("#FFFFFF") && attr(t, "opacity") != Some("1"))
            .map(rect)
            .collect()
    }

    /// Hollow black squares: the runner-up's marker.
    pub fn squares(svg: &str) -> Vec<Bounds> {
        tags(svg, "rect")
            .into_iter()
            .filter(|t| attr(t, "fill") == Some("none") && attr(t, "stroke") == Some("#000000"))
            .map(rect)
            .filter(|r| (r.width() - (r.bottom - r.top)).abs() < 0.5)
            .collect()
    }

    /// Every disc and ring, as the box round it.
    pub fn circles(svg: &str) -> Vec<Bounds> {
        tags(svg, "circle")
            .into_iter()
            .map(|t| {
                let (x, y, r) = (num(t, "cx"), num(t, "cy"), num(t, "r"));
                Bounds { left: x - r, top: y - r, right: x + r, bottom: y + r }
            })
            .collect()
    }

    /// The points of every polyline drawn `width` wide.
    pub fn polylines(svg: &str, width: &str) -> Vec<Vec<(f64, f64)>> {
        tags(svg, "polyline")
            .into_iter()
            .filter(|t| attr(t, "stroke-width") == Some(width))
            .map(|t| {
                attr(t, "points")
                    .unwrap()
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect()
            })
            .collect()
    }

    /// A text and where it is anchored.
    pub struct Text {
        pub x: f64,
        pub y: f64,
        pub text: String,
    }

    pub fn texts(svg: &str) -> Vec<Text> {
        tags_at(svg, "text")
            .into_iter()
            .map(|(at, tag)| {
                let body = &svg[at..at + svg[at..].find("</text>").unwrap()];
                Text { x: num(tag, "x"), y: num(tag, "y"), text: body.trim().to_owned() }
            })
            .collect()
    }

    /// The label box that holds the anchor of a text starting `prefix`.
    pub fn box_of(texts: &[Text], boxes: &[Bounds], prefix: &str) -> Option<Bounds> {
        texts
            .iter()
            .filter(|t| t.text.starts_with(prefix))
            .find_map(|t| boxes.iter().copied().find(|b| b.inside((t.x + 0.5, t.y))))
    }
}

/// Just enough XML to know a document is well-formed: balanced tags,
/// quoted attributes, no raw `<` or stray `&` in text or values.
mod xml {
    pub fn escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;")
    }

    fn check_text(text: &str) -> Result<(), String> {
        if let Some(c) = text.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
            return Err(format!("control character {c:?}"));
        }
        let mut rest = text;
        while let Some(at) = rest.find('&') {
            rest = &rest[at + 1..];
            let end = rest.find(';').ok_or("unterminated entity")?;
            let name = &rest[..end];
            let known = ["lt", "gt", "amp", "quot", "apos"].contains(&name)
                || (name.starts_with('#') && name.len() > 1 && name[1..].chars().all(|c| c.is_ascii_alphanumeric()));
            if !known {
                return Err(format!("bad entity &{name};"));
            }
        }
        if text.contains('<') { Err("raw < in text".into()) } else { Ok(()) }
    }

    pub fn check(doc: &str) -> Result<(), String> {
        let mut stack: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut rest = doc.trim_start();
        if let Some(after) = rest.strip_prefix("<?xml") {
            rest = &after[after.find("?>").ok_or("unterminated declaration")? + 2..];
        }
        while !rest.is_empty() {
            let lt = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..lt];
            if stack.is_empty() && !text.trim().is_empty() {
                return Err(format!("text outside the root: {text:?}"));
            }
            check_text(text)?;
            rest = &rest[lt..];
            if rest.is_empty() {
                break;
            }
            if let Some(after) = rest.strip_prefix("<!--") {
                rest = &after[after.find("-->").ok_or("unterminated comment")? + 3..];
                continue;
            }
            // A tag: find its end outside quoted values.
            let mut quote = false;
            let end = rest.char_indices().skip(1).find(|&(_, c)| {
                if c == '"' {
                    quote = !quote;
                }
                !quote && c == '>'
            });
            let end = end.ok_or("unterminated tag")?.0;
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or_else(|| format!("</{name}> closes nothing"))?;
                if open != name.trim() {
                    return Err(format!("<{open}> closed by </{name}>"));
                }
                continue;
            }
            let (body, empty) = match tag.strip_suffix('/') {
                Some(body) => (body, true),
                None => (tag, false),
            };
            let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
            let name = &body[..name_end];
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || "-_:.".contains(c)) {
                return Err(format!("bad element name {name:?}"));
            }
            check_attributes(&body[name_end..])?;
            if stack.is_empty() {
                roots += 1;
            }
            if !empty {
                stack.push(name);
            }
        }
        match (stack.last(), roots) {
            (Some(open), _) => Err(format!("<{open}> never closed")),
            (None, 1) => Ok(()),
            (None, n) => Err(format!("{n} root elements")),
        }
    }

    fn check_attributes(mut attrs: &str) -> Result<(), String> {
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() {
                return Ok(());
            }
            let eq = attrs.find("=\"").ok_or_else(|| format!("bad attribute near {attrs:?}"))?;
            let name = &attrs[..eq];
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || "-_:.".contains(c)) {
                return Err(format!("bad attribute name {name:?}"));
            }
            let value_and_rest = &attrs[eq + 2..];
            let close = value_and_rest.find('"').ok_or("unterminated attribute value")?;
            check_text(&value_and_rest[..close])?;
            attrs = &value_and_rest[close + 1..];
            if !attrs.is_empty() && !attrs.starts_with(char::is_whitespace) {
                return Err(format!("attributes run together near {attrs:?}"));
            }
        }
    }

    #[test]
    fn the_checker_tells_good_from_bad() {
        assert!(check(r#"<svg a="1"><text x="2">a &amp; b</text><g/></svg>"#).is_ok());
        assert!(check(r#"<svg><text>a < b</text></svg>"#).is_err());
        assert!(check(r#"<svg><text>a & b</text></svg>"#).is_err());
        assert!(check(r#"<svg><text>x</svg>"#).is_err());
        assert!(check(r#"<svg a="<"></svg>"#).is_err());
        assert!(check(r#"<svg></svg><svg></svg>"#).is_err());
    }
}

/// PNG decoding for the tests, by the `image` crate.
mod png {
    pub struct Image {
        pub width: u32,
        pub height: u32,
        pub rgb: Vec<u8>,
    }

    pub fn decode(file: &[u8]) -> Result<Image, String> {
        let img = image::load_from_memory_with_format(file, image::ImageFormat::Png).map_err(|e| e.to_string())?;
        let rgb = img.to_rgb8();
        Ok(Image { width: rgb.width(), height: rgb.height(), rgb: rgb.into_raw() })
    }
}
