//! The eight charts of the canonical case render as PNG and SVG: PNGs that
//! decode to the canvas size with many colours, SVGs that are well-formed
//! XML naming the chart and every scenario, even when a scenario's name is
//! markup or a formula.
//!
//! Set `COSTCAST_CHARTS_DIR` to a folder to keep the rendered files and
//! look at them.

use std::path::Path;

use costcast::aggregate::Results;
use costcast::model::Case;
use costcast::report::Exporter;
use costcast::report::charts::{self, Chart, ChartFormat, HEIGHT, WIDTH};
use costcast::report::format;

use crate::util::{canonical_forecast, load};

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
    assert_eq!(all.len(), 16);
    let names: Vec<String> = all.iter().map(|e| e.file_name()).collect();
    assert!(names.contains(&"charts/1-monthly-cost.png".to_owned()));
    assert!(names.contains(&"charts/8-channel-mix.svg".to_owned()));
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 16);
    assert!(charts::exporters(false, true).iter().all(|e| e.file_name().ends_with(".svg")));
    assert_eq!(charts::exporters(true, false).len(), 8);
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
