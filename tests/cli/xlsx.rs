//! The Excel workbook read back with calamine: the sheets, the numbers as
//! numbers equal to the results, formats, charts, and scenario names that
//! look like formulas kept as text.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use calamine::{Data, Range, Reader, Xlsx};
use costcast::aggregate::{FiscalValue, Results, SummaryValue};
use costcast::model::Case;
use costcast::report::Exporter;
use costcast::report::xlsx::Workbook;

use crate::util::{canonical_forecast, canonical_scenario_text, load};

const SHEETS: [&str; 6] = ["Summary", "Fiscal years", "Monthly", "Bridge", "Sensitivity", "Assumptions"];

struct Run {
    case: Case,
    results: Results,
    bytes: Vec<u8>,
}

/// The workbook of a case's results.
fn workbook(case: Case, results: Results) -> Run {
    let bytes = Workbook.serialize(&case, &results).expect("workbook");
    Run { case, results, bytes }
}

/// The scenario file at `path`, at the canonical case's iterations and seed.
fn run_case(path: &Path) -> Run {
    let case = load(path);
    let results = costcast::run::forecast(&case, 2000, 1, 2).expect("forecast");
    workbook(case, results)
}

/// The canonical case's workbook, written once for all tests.
fn acme() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let (case, results) = canonical_forecast();
        workbook(case.clone(), results.clone())
    })
}

/// Write the bytes to disk and open them, as a user would.
fn open(bytes: &[u8]) -> (tempfile::TempDir, Xlsx<std::io::BufReader<std::fs::File>>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let book: Xlsx<_> = calamine::open_workbook(&path).expect("calamine opens the workbook");
    (dir, book)
}

fn sheet(book: &mut Xlsx<impl std::io::Read + std::io::Seek>, name: &str) -> Range<Data> {
    book.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

/// A cell by (row, col) relative to A1.
fn cell(range: &Range<Data>, row: usize, col: usize) -> Data {
    range.get_value((row as u32, col as u32)).cloned().unwrap_or(Data::Empty)
}

fn text(range: &Range<Data>, row: usize, col: usize) -> String {
    match cell(range, row, col) {
        Data::String(s) => s,
        other => panic!("({row}, {col}) is not text: {other:?}"),
    }
}

/// A number cell, or None when empty; anything else fails.
fn num(range: &Range<Data>, row: usize, col: usize) -> Option<f64> {
    match cell(range, row, col) {
        Data::Float(x) => Some(x),
        Data::Int(x) => Some(x as f64),
        Data::Empty => None,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn header(range: &Range<Data>) -> Vec<String> {
    (0..range.width()).map(|c| text(range, 0, c)).collect()
}

#[test]
fn sheets_are_there_in_order() {
    let (_dir, book) = open(&acme().bytes);
    let names = book.sheet_names();
    assert_eq!(&names[..6], &SHEETS, "all sheets: {names:?}");
    assert!(names.iter().any(|n| n == "Chart data"), "{names:?}");
}

#[test]
fn summary_numbers_equal_the_results() {
    let run = acme();
    let (_dir, mut book) = open(&run.bytes);
    let s = sheet(&mut book, "Summary");
    assert_eq!(
        header(&s),
        [
            "scenario", "metric", "mean", "sd", "p5", "p10", "p50", "p90", "p95", "min", "max", "mean_se", "p10_se",
            "p50_se", "p90_se"
        ]
    );
    assert_eq!(s.height(), run.results.summary.len() + 1);
    for (i, r) in run.results.summary.iter().enumerate() {
        let row = i + 1;
        assert_eq!(text(&s, row, 0), r.scenario);
        assert_eq!(text(&s, row, 1), r.metric);
        let expected: Vec<Option<f64>> = match &r.value {
            SummaryValue::Stats(Some(x)) => {
                [x.mean, x.sd, x.p5, x.p10, x.p50, x.p90, x.p95, x.min, x.max].map(finite).to_vec()
            }
            SummaryValue::Stats(None) => vec![None; 9],
            SummaryValue::Probability(p) => std::iter::once(Some(*p)).chain([None; 8]).collect(),
        };
        let got: Vec<Option<f64>> = (2..11).map(|c| num(&s, row, c)).collect();
        assert_eq!(got, expected, "row {row}: {} {}", r.scenario, r.metric);
        // The standard errors beside them, on statistics rows only.
        let se: Vec<Option<f64>> = match &r.value {
            SummaryValue::Stats(Some(_)) => [r.se.mean, r.se.p10, r.se.p50, r.se.p90].map(finite).to_vec(),
            _ => vec![None; 4],
        };
        let got: Vec<Option<f64>> = (11..15).map(|c| num(&s, row, c)).collect();
        assert_eq!(got, se, "row {row}: {} {} standard errors", r.scenario, r.metric);
    }
}

#[test]
fn fiscal_years_equal_the_results() {
    let run = acme();
    let (_dir, mut book) = open(&run.bytes);
    let s = sheet(&mut book, "Fiscal years");
    assert_eq!(header(&s), ["scenario", "fiscal_year", "partial", "metric", "mean", "p10", "p50", "p90"]);
    assert_eq!(s.height(), run.results.fiscal_years.len() + 1);
    for (i, r) in run.results.fiscal_years.iter().enumerate() {
        let row = i + 1;
        assert_eq!(text(&s, row, 0), r.scenario);
        assert_eq!(text(&s, row, 1), r.fiscal_year);
        assert_eq!(cell(&s, row, 2), Data::Bool(r.partial));
        assert_eq!(text(&s, row, 3), r.metric);
        let expected = match r.value {
            FiscalValue::Spread { mean, p10, p50, p90 } => [mean, p10, p50, p90].map(finite),
            FiscalValue::Single(x) => [finite(x), None, None, None],
        };
        let got = [4, 5, 6, 7].map(|c| num(&s, row, c));
        assert_eq!(got, expected, "row {row}");
    }
}

#[test]
fn bridge_monthly_and_sensitivity_equal_the_results() {
    let run = acme();
    let (_dir, mut book) = open(&run.bytes);

    let b = sheet(&mut book, "Bridge");
    assert_eq!(header(&b), ["scenario", "step", "initiative", "mean", "p10", "p90"]);
    assert_eq!(b.height(), run.results.bridge.len() + 1);
    for (i, r) in run.results.bridge.iter().enumerate() {
        let row = i + 1;
        assert_eq!(text(&b, row, 0), r.scenario);
        assert_eq!(num(&b, row, 1), Some(r.step as f64));
        assert_eq!(text(&b, row, 2), r.initiative);
        assert_eq!([3, 4, 5].map(|c| num(&b, row, c)), [r.mean, r.p10, r.p90].map(finite));
    }

    let m = sheet(&mut book, "Monthly");
    assert_eq!(header(&m), ["scenario", "month", "channel", "metric", "mean", "p10", "p50", "p90"]);
    assert_eq!(m.height(), run.results.monthly.len() + 1);
    for (i, r) in run.results.monthly.iter().enumerate().step_by(97) {
        let row = i + 1;
        assert_eq!([0, 1, 2, 3].map(|c| text(&m, row, c)), [&r.scenario, &r.month, &r.channel, r.metric]);
        assert_eq!([4, 5, 6, 7].map(|c| num(&m, row, c)), [r.mean, r.p10, r.p50, r.p90].map(finite));
    }

    let s = sheet(&mut book, "Sensitivity");
    assert_eq!(header(&s), ["scenario", "input", "spearman", "npv_low_decile", "npv_high_decile"]);
    assert_eq!(s.height(), run.results.sensitivity.len() + 1);
    for (i, r) in run.results.sensitivity.iter().enumerate() {
        let row = i + 1;
        assert_eq!(text(&s, row, 1), r.input);
        assert_eq!([2, 3, 4].map(|c| num(&s, row, c)), [r.spearman, r.npv_low_decile, r.npv_high_decile].map(finite));
    }
}

#[test]
fn assumptions_list_uncertain_inputs_and_run_facts() {
    let run = acme();
    let (_dir, mut book) = open(&run.bytes);
    let a = sheet(&mut book, "Assumptions");
    let uncertain: Vec<_> = run.case.inputs.defs.iter().filter(|d| d.is_uncertain()).collect();
    assert!(!uncertain.is_empty());
    let labels = costcast::report::labels::input_labels(&run.case);
    for (i, def) in uncertain.iter().enumerate() {
        let row = i + 1;
        let id = run.case.inputs.find(&def.path).unwrap();
        assert_eq!(text(&a, row, 0), labels[id].text);
        assert_eq!(text(&a, row, 1), def.path);
        assert_eq!(text(&a, row, 2), def.written);
        let p50 = def.domain.clamp(def.dist.quantile(0.5));
        assert_eq!(num(&a, row, 5), Some(p50), "{}", def.path);
        let p10 = num(&a, row, 4).unwrap();
        let p90 = num(&a, row, 6).unwrap();
        assert!(p10 <= p50 && p50 <= p90, "{}", def.path);
    }
    let success = uncertain.iter().position(|d| d.path == "chatbot.success").expect("chatbot.success is uncertain");
    assert_eq!(num(&a, success + 1, 5), Some(0.8));
    assert_eq!(text(&a, success + 1, 7), "success probability");

    let labels: Vec<(String, Data)> = (uncertain.len() + 1..a.height())
        .filter_map(|r| match cell(&a, r, 0) {
            Data::String(s) => Some((s, cell(&a, r, 1))),
            _ => None,
        })
        .collect();
    let fact = |name: &str| labels.iter().find(|(l, _)| l == name).map(|(_, v)| v.clone()).expect(name);
    assert_eq!(fact("iterations"), Data::Float(2000.0));
    assert_eq!(fact("confidence of the committable saving"), Data::String("90%".into()));
    assert_eq!(fact("monthly percentile iterations"), Data::Float(run.results.monthly_sample as f64));
    assert_eq!(fact("model"), Data::String("Acme Retail Support".into()));
    assert_eq!(fact("currency"), Data::String("USD".into()));
    assert_eq!(fact("horizon start"), Data::String("2027-01".into()));
    assert_eq!(fact("horizon months"), Data::Float(36.0));
    assert_eq!(fact("discount rate"), Data::String("0.08".into()));
}

#[test]
fn cells_carry_number_formats_and_bold_headers() {
    let run = acme();
    let (_dir, mut book) = open(&run.bytes);
    let styles = book.worksheet_style("Summary").unwrap();
    let code = |row: usize, col: usize| {
        styles
            .get((row as u32, col as u32))
            .and_then(|s| s.number_format.as_ref())
            .map(|n| n.format_code.clone())
            .unwrap_or_default()
    };
    let row_of = |metric: &str| 1 + run.results.summary.iter().position(|r| r.metric == metric).unwrap();
    assert_eq!(code(row_of("prob_npv_positive"), 2), "0.0%");
    assert_eq!(code(row_of("roi"), 2), "0.00");
    assert!(code(row_of("npv"), 2).contains("$"), "money format: {:?}", code(row_of("npv"), 2));
    let bold = styles.get((0, 0)).and_then(|s| s.font.as_ref()).is_some_and(|f| f.is_bold());
    assert!(bold, "the header is bold");
}

/// The zip's central directory names every part uncompressed.
fn has_part(bytes: &[u8], name: &str) -> bool {
    bytes.windows(name.len()).any(|w| w == name.as_bytes())
}

#[test]
fn charts_are_native_excel_charts() {
    let run = acme();
    // One fan chart and one bridge per scenario.
    let charts = 1 + run.case.scenarios.len();
    for k in 1..=charts {
        assert!(has_part(&run.bytes, &format!("xl/charts/chart{k}.xml")), "chart {k}");
    }
    assert!(!has_part(&run.bytes, &format!("xl/charts/chart{}.xml", charts + 1)));

    let (_dir, mut book) = open(&run.bytes);
    let data = sheet(&mut book, "Chart data");
    assert_eq!(text(&data, 0, 0), "month");
    assert_eq!(text(&data, 0, 2), "baseline P50");
    let p50 = run
        .results
        .monthly
        .iter()
        .find(|r| r.scenario == "baseline" && r.channel == "total" && r.metric == "cost")
        .unwrap()
        .p50;
    assert_eq!(num(&data, 1, 2), Some(p50));
}

#[test]
fn same_results_same_bytes() {
    let run = acme();
    assert_eq!(Workbook.serialize(&run.case, &run.results).unwrap(), run.bytes);
}

#[test]
fn scenario_names_that_look_like_formulas_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let evil = r#"=HYPERLINK("http://x")"#;
    let text_in = canonical_scenario_text().replace(r#"name = "Quick wins""#, &format!("name = '{evil}'"));
    assert!(text_in.contains(evil));
    let path: PathBuf = dir.path().join("evil.toml");
    std::fs::write(&path, text_in).unwrap();
    let run = run_case(&path);

    let (_dir, mut book) = open(&run.bytes);
    let s = sheet(&mut book, "Summary");
    assert_eq!(cell(&s, 1, 0), Data::String(evil.into()), "the literal text, not a formula's result");
    let formulas = book.worksheet_formula("Summary").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no formula on the Summary sheet");
    let data = sheet(&mut book, "Chart data");
    assert_eq!(cell(&data, 0, 4), Data::String(format!("{evil} P10")));
    for name in ["Fiscal years", "Monthly", "Bridge", "Sensitivity", "Chart data"] {
        let formulas = book.worksheet_formula(name).unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no formula on {name}");
    }
}

/// Run-rate and Bridge by year always, P&L with a depreciated initiative:
/// the rows of `run_rate.csv`, `bridge_fiscal.csv` and `pnl.csv`.
#[test]
fn run_rate_bridge_by_year_and_pnl_equal_the_results() {
    let run = acme();
    let (_dir, mut book) = open(&run.bytes);
    assert!(!book.sheet_names().iter().any(|n| n == "P&L"), "no depreciation, no P&L sheet");
    let s = sheet(&mut book, "Run-rate");
    assert_eq!(header(&s), ["scenario", "metric", "mean", "p10", "p50", "p90"]);
    assert_eq!(s.height(), run.results.run_rate.len() + 1);
    for (i, r) in run.results.run_rate.iter().enumerate() {
        assert_eq!([0, 1].map(|c| text(&s, i + 1, c)), [r.scenario.as_str(), r.metric]);
        assert_eq!([2, 3, 4, 5].map(|c| num(&s, i + 1, c)), [r.mean, r.p10, r.p50, r.p90].map(finite));
    }
    let b = sheet(&mut book, "Bridge by year");
    assert_eq!(header(&b), ["scenario", "fiscal_year", "partial", "step", "initiative", "mean", "p10", "p90"]);
    assert_eq!(b.height(), run.results.bridge_fiscal.len() + 1);
    for (i, r) in run.results.bridge_fiscal.iter().enumerate() {
        let row = i + 1;
        assert_eq!(
            [0, 1, 4].map(|c| text(&b, row, c)),
            [r.scenario.as_str(), r.fiscal_year.as_str(), r.initiative.as_str()]
        );
        assert_eq!(num(&b, row, 3), Some(r.step as f64));
        assert_eq!([5, 6, 7].map(|c| num(&b, row, c)), [r.mean, r.p10, r.p90].map(finite));
    }

    let dir = tempfile::tempdir().unwrap();
    let text_with = canonical_scenario_text().replace("opex = 25_000\n", "opex = 25_000\ndepreciation_years = 3\n");
    let path = dir.path().join("depreciated.toml");
    std::fs::write(&path, text_with).unwrap();
    let depreciated = run_case(&path);
    let (_dir, mut book) = open(&depreciated.bytes);
    let p = sheet(&mut book, "P&L");
    assert_eq!(header(&p), ["scenario", "fiscal_year", "partial", "metric", "mean", "p10", "p50", "p90"]);
    assert_eq!(p.height(), depreciated.results.pnl.len() + 1);
    for (i, r) in depreciated.results.pnl.iter().enumerate() {
        let row = i + 1;
        assert_eq!([0, 1, 3].map(|c| text(&p, row, c)), [r.scenario.as_str(), r.fiscal_year.as_str(), r.metric]);
        assert_eq!([4, 5, 6, 7].map(|c| num(&p, row, c)), [r.mean, r.p10, r.p50, r.p90].map(finite));
    }
}
