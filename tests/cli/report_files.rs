//! Every report file of `costcast run` is written, non-empty and valid, and
//! text from input files stays inert in every one of them.

use std::path::{Path, PathBuf};

use crate::util::{CANONICAL, TABLES, canonical_scenario_text, costcast, entries};

const CHARTS: [&str; 8] = [
    "1-monthly-cost",
    "2-npv-histogram",
    "3-npv-s-curve",
    "4-tornado",
    "5-savings-bridge",
    "6-cumulative-savings",
    "7-cost-vs-budget",
    "8-channel-mix",
];

fn run(scenario: &Path, out: &Path, extra: &[&str]) {
    costcast()
        .arg("run")
        .arg(scenario)
        .args(["-n", "2000", "--seed", "3"])
        .args(extra)
        .arg("-o")
        .arg(out)
        .assert()
        .success();
}

/// Tags of an HTML page balance (void elements and inline SVG's
/// self-closing tags aside), and no script is present.
fn check_html(html: &str) -> Result<(), String> {
    const VOID: [&str; 6] = ["meta", "br", "hr", "img", "link", "input"];
    if html.to_ascii_lowercase().contains("<script") {
        return Err("the page has a script".into());
    }
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').ok_or("unclosed tag")?;
        let tag = &after[..close];
        rest = &after[close + 1..];
        if tag.starts_with('!') || tag.starts_with('?') || tag.ends_with('/') {
            continue;
        }
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let name = name.to_ascii_lowercase();
        if VOID.contains(&name.as_str()) {
            continue;
        }
        if tag.starts_with('/') {
            match stack.pop() {
                Some(top) if top == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else {
            stack.push(name);
        }
    }
    if stack.is_empty() { Ok(()) } else { Err(format!("unclosed: {stack:?}")) }
}

#[test]
fn every_format_is_written_and_valid() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme");
    run(Path::new(CANONICAL), &out, &[]);
    for name in TABLES.into_iter().chain(["run.json"]) {
        assert!(std::fs::metadata(out.join(name)).unwrap().len() > 100, "{name}");
    }
    for stem in CHARTS {
        let png = std::fs::read(out.join(format!("charts/{stem}.png"))).unwrap();
        let img = image::load_from_memory(&png).unwrap_or_else(|e| panic!("{stem}.png: {e}"));
        assert_eq!((img.width(), img.height()), (1200, 750), "{stem}.png");
        let svg = std::fs::read_to_string(out.join(format!("charts/{stem}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"), "{stem}.svg");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    check_html(&html).unwrap();
    assert_eq!(html.matches("<svg").count(), 9, "all nine charts inline");
    assert!(!html.contains("{{"), "a template placeholder was left");
    assert!(!html.contains("http://") || !html.contains("src=\"http"), "no network resources");
    for scenario in ["Quick wins", "Full roadmap", "AI only"] {
        assert!(html.contains(scenario));
    }
    assert_page_text_is_legible(&html);
    let workbook: calamine::Xlsx<_> = calamine::open_workbook(out.join("report.xlsx")).unwrap();
    use calamine::Reader;
    let sheets = workbook.sheet_names();
    for sheet in ["Summary", "Fiscal years", "Monthly", "Bridge", "Sensitivity", "Assumptions"] {
        assert!(sheets.iter().any(|s| s == sheet), "sheet {sheet} missing from {sheets:?}");
    }
}

#[test]
fn format_chooses_what_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("csv");
    run(Path::new(CANONICAL), &out, &["--format", "csv"]);
    assert_eq!(
        entries(&out),
        [
            "bridge.csv",
            "bridge_fiscal.csv",
            "fiscal_years.csv",
            "monthly.csv",
            "run.json",
            "run_rate.csv",
            "sensitivity.csv",
            "summary.csv"
        ]
    );
    let out = dir.path().join("svg-xlsx");
    run(Path::new(CANONICAL), &out, &["--format", "svg,xlsx"]);
    assert!(out.join("report.xlsx").is_file() && out.join("charts/4-tornado.svg").is_file());
    assert!(!out.join("report.html").exists() && !out.join("charts/4-tornado.png").exists());
}

/// A copy of the canonical scenario with its first scenario renamed.
fn renamed_scenario(dir: &Path, name: &str) -> PathBuf {
    let text = canonical_scenario_text().replace("name = \"Quick wins\"", &format!("name = {name:?}"));
    let path = dir.join("evil.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_formula_as_scenario_name_is_inert_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "=HYPERLINK(\"http://x\")";
    let scenario = renamed_scenario(dir.path(), evil);
    let out = dir.path().join("out");
    run(&scenario, &out, &[]);
    // CSV: the cell starts with a quote, never with `=`.
    for table in TABLES {
        let mut reader = csv::Reader::from_path(out.join(table)).unwrap();
        let mut seen = false;
        for record in reader.records() {
            let record = record.unwrap();
            for cell in record.iter() {
                assert!(!cell.starts_with('='), "{table}: a cell starts with '=': {cell}");
                seen |= cell == format!("'{evil}");
            }
        }
        assert!(seen, "{table}: the scenario's rows are missing");
    }
    // HTML and SVG: escaped, so no markup or attribute is formed.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    check_html(&html).unwrap();
    assert!(html.contains("=HYPERLINK(&quot;http://x&quot;)"));
    assert!(!html.contains(evil));
    for stem in CHARTS {
        let svg = std::fs::read_to_string(out.join(format!("charts/{stem}.svg"))).unwrap();
        assert!(!svg.contains(evil), "{stem}.svg holds the name unescaped");
    }
    // xlsx: a string cell, not a formula.
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(out.join("report.xlsx")).unwrap();
    let summary = workbook.worksheet_range("Summary").unwrap();
    assert!(summary.rows().any(|r| r.first().is_some_and(|c| *c == evil)));
    let formulas = workbook.worksheet_formula("Summary").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "a formula in the Summary sheet");
}

#[test]
fn markup_in_a_scenario_name_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = renamed_scenario(dir.path(), "<b>Q&A</b> \"wins\"");
    let out = dir.path().join("out");
    run(&scenario, &out, &["--format", "html"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    check_html(&html).unwrap();
    assert!(html.contains("&lt;b&gt;Q&amp;A&lt;/b&gt; &quot;wins&quot;"));
    assert!(!html.contains("<b>Q&A</b>"));
}

/// Every chart on the page is drawn for the printed column and shown at
/// that size: its smallest text, as the browser sets it (an SVG
/// `font-size` times the chart's display scale), is at least 9 pixels.
/// The figure is at most 710 pixels wide, so a chart drawn 700 wide is
/// never shrunk.
fn assert_page_text_is_legible(html: &str) {
    let attribute = |tag: &str, key: &str| -> String {
        let at = tag.find(&format!(" {key}=\"")).unwrap_or_else(|| panic!("no {key} in {tag}")) + key.len() + 3;
        tag[at..at + tag[at..].find('"').unwrap()].to_owned()
    };
    assert!(html.contains("max-width: 710px"), "figures are capped at the printed column");
    let mut charts = 0;
    for svg in html.split("<svg").skip(1) {
        let tag = &svg[..svg.find('>').unwrap()];
        let width: f64 = attribute(tag, "width").parse().unwrap();
        let view: f64 = attribute(tag, "viewBox").split(' ').nth(2).unwrap().parse().unwrap();
        assert!(width <= 710.0, "a chart {width} wide would be shrunk");
        let scale = width / view;
        let body = &svg[..svg.find("</svg>").unwrap()];
        let smallest = body
            .split("font-size=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].parse::<f64>().unwrap())
            .fold(f64::INFINITY, f64::min);
        assert!(smallest * scale >= 9.0, "text {:.1} px on screen", smallest * scale);
        charts += 1;
    }
    assert!(charts >= 8, "{charts} charts");
}
