//! The run-rate and P&L view: `run_rate.csv`, `bridge_fiscal.csv` and
//! `pnl.csv` (docs/model.md sections 6 and 9).
//!
//! The bridge by fiscal year adds up to the fiscal years' saving and, year
//! by year, to the savings waterfall; the run-rate is the last fiscal
//! year's saving annualised, from the same draws; a case of constants
//! checks the depreciation, capex and P&L rows against hand arithmetic,
//! exactly; bad `depreciation_years` are refused with their place.

use std::path::{Path, PathBuf};

use costcast::aggregate::{FiscalValue, Results};

use crate::util::{canonical_forecast, close, close_tol, copy_canonical, costcast, entries, forecast, stderr};

/// The mean, P10, P50 and P90 of a `fiscal_years` row.
fn fiscal(r: &Results, scenario: &str, fy: &str, metric: &str) -> [f64; 4] {
    let row = r
        .fiscal_years
        .iter()
        .find(|row| row.scenario == scenario && row.fiscal_year == fy && row.metric == metric)
        .unwrap_or_else(|| panic!("no fiscal row {scenario}/{fy}/{metric}"));
    match row.value {
        FiscalValue::Spread { mean, p10, p50, p90 } => [mean, p10, p50, p90],
        FiscalValue::Single(x) => panic!("{scenario}/{fy}/{metric}: one number {x}"),
    }
}

fn run_rate(r: &Results, scenario: &str, metric: &str) -> [f64; 4] {
    let row = r
        .run_rate
        .iter()
        .find(|row| row.scenario == scenario && row.metric == metric)
        .unwrap_or_else(|| panic!("no run-rate row {scenario}/{metric}"));
    [row.mean, row.p10, row.p50, row.p90]
}

fn pnl(r: &Results, scenario: &str, fy: &str, metric: &str) -> [f64; 4] {
    let row = r
        .pnl
        .iter()
        .find(|row| row.scenario == scenario && row.fiscal_year == fy && row.metric == metric)
        .unwrap_or_else(|| panic!("no P&L row {scenario}/{fy}/{metric}"));
    [row.mean, row.p10, row.p50, row.p90]
}

/// Per iteration the steps add up to the fiscal year's saving, so their
/// means add up to its mean; summed over the fiscal years, a step is its
/// bar of the savings waterfall (net savings over the horizon).
#[test]
fn the_bridge_by_fiscal_year_adds_up_to_the_saving_and_to_the_waterfall() {
    let (case, r) = canonical_forecast();
    let years: Vec<String> = case.model.fiscal_years.iter().map(|fy| fy.label()).collect();
    assert_eq!(r.bridge_fiscal.len(), years.len() * case.scenarios.iter().map(|s| s.initiatives.len()).sum::<usize>());
    for s in &case.scenarios {
        for fy in &years {
            let steps: Vec<_> =
                r.bridge_fiscal.iter().filter(|b| b.scenario == s.name && &b.fiscal_year == fy).collect();
            let ids: Vec<&str> = steps.iter().map(|b| b.initiative.as_str()).collect();
            let order: Vec<&str> = s.initiatives.iter().map(|&k| case.initiatives[k].id.as_str()).collect();
            assert_eq!(ids, order, "{}/{fy}: steps in scenario order", s.name);
            let saving = fiscal(r, &s.name, fy, "saving")[0];
            close(steps.iter().map(|b| b.mean).sum(), saving, &format!("{}/{fy}: steps add up", s.name));
            for b in &steps {
                assert!(b.p10 <= b.p90, "{}/{fy}/{}: P10 <= P90", s.name, b.initiative);
            }
        }
        for (j, &k) in s.initiatives.iter().enumerate() {
            let id = &case.initiatives[k].id;
            let by_year: f64 =
                r.bridge_fiscal.iter().filter(|b| b.scenario == s.name && b.step == j + 1).map(|b| b.mean).sum();
            let bar = r.waterfall.iter().find(|w| w.scenario == s.name && w.step == j + 1).unwrap();
            assert_eq!(&bar.initiative, id);
            close(by_year, bar.mean, &format!("{}/{id}: fiscal years add up to the waterfall", s.name));
        }
    }
}

/// Exit run-rate: the last fiscal year's saving times 12 over its months,
/// iteration by iteration, so mean and percentiles scale alike. With
/// fiscal years from July the horizon's last year (FY2030) has 6 months.
#[test]
fn the_exit_run_rate_is_the_last_fiscal_year_annualised() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = copy_canonical(dir.path(), |m| m.replace("fiscal_year_start = 1", "fiscal_year_start = 7"), |s| s);
    let r = forecast(&scenario, 2_000, 5);
    let (case, _) = canonical_forecast();
    for s in &case.scenarios {
        let last = fiscal(&r, &s.name, "FY2030", "saving");
        let exit = run_rate(&r, &s.name, "exit_run_rate_saving");
        for (q, (x, y)) in ["mean", "p10", "p50", "p90"].iter().zip(exit.iter().zip(last)) {
            close(*x, 2.0 * y, &format!("{}: exit run-rate {q}", s.name));
        }
    }
    // Quick wins' opex is constant: 6,000 + 2,000 + 8,000 a month.
    assert_eq!(run_rate(&r, "Quick wins", "recurring_opex"), [192_000.0; 4]);
    // Its capex: two PERTs and 40,000. PERT mean (a + 4m + b) / 6 and
    // variance (mean - a)(b - mean) / 7; the mean within 5 standard errors.
    let pert = |a: f64, m: f64, b: f64| {
        let mean = (a + 4.0 * m + b) / 6.0;
        (mean, (mean - a) * (b - mean) / 7.0)
    };
    let (kb, proactive) = (pert(80e3, 120e3, 200e3), pert(60e3, 90e3, 150e3));
    let se = ((kb.1 + proactive.1) / 2_000.0).sqrt();
    let capex = run_rate(&r, "Quick wins", "one_off_capex");
    close_tol(capex[0], kb.0 + proactive.0 + 40e3, 5.0 * se / (kb.0 + proactive.0 + 40e3), "Quick wins capex mean");
    assert!(capex[1] < capex[2] && capex[2] < capex[3], "capex percentiles ascend: {capex:?}");
}

/// A model of constants: one channel at 10,000 a month, no noise, growth
/// or inflation, fiscal years from July over 36 months from January 2027
/// (FY2027: months 1-6, FY2028: 7-18, FY2029: 19-30, FY2030: 31-36).
const MODEL: &str = r#"
name = "Constant"
currency = "EUR"
start = "2027-01"
months = 36
fiscal_year_start = 7
discount_rate = 0.05

[[channel]]
id = "phone"
volume = 1_000
cost_per_contact = 10
"#;

/// `platform`: capex 120,000 in month 3, depreciated over 2 years (5,000
/// a month for months 3-26), opex 1,000 a month. `tool`: capex 30,000 in
/// month 14 (2028-02), expensed, opex 500 a month. Neither changes a
/// contact.
const SCENARIO: &str = r#"
model = "model.toml"

[[initiative]]
id = "platform"
name = "Service platform"
start = 3
capex = 120_000
opex = 1_000
depreciation_years = 2

[[initiative]]
id = "tool"
start = "2028-02"
capex = 30_000
opex = 500

[[scenario]]
name = "Both"
initiatives = ["platform", "tool"]
"#;

fn write_case(dir: &Path, scenario: &str) -> PathBuf {
    std::fs::write(dir.join("model.toml"), MODEL).unwrap();
    let path = dir.join("scenario.toml");
    std::fs::write(&path, scenario).unwrap();
    path
}

#[test]
fn depreciation_capex_and_pnl_rows_are_the_hand_computed_figures() {
    let dir = tempfile::tempdir().unwrap();
    let r = forecast(&write_case(dir.path(), SCENARIO), 40, 3);
    // (fiscal year, capex paid, depreciation, opex): FY2027 holds months
    // 3-6 of the platform (4 x 5,000, 4 x 1,000); FY2028 its 12 months and
    // the tool's capex with months 14-18 of its opex (5 x 500); FY2029
    // months 19-26 of depreciation (8 x 5,000) and 12 months of both
    // opex; FY2030 6 months of both opex and no depreciation left.
    let expected = [
        ("FY2027", 120_000.0, 20_000.0, 4_000.0),
        ("FY2028", 30_000.0, 60_000.0 + 30_000.0, 12_000.0 + 2_500.0),
        ("FY2029", 0.0, 40_000.0, 18_000.0),
        ("FY2030", 0.0, 0.0, 9_000.0),
    ];
    for (fy, capex, depreciation, opex) in expected {
        let cash = -capex - opex;
        let rows = [
            ("cash_saving", cash),
            ("capex", capex),
            ("depreciation", depreciation),
            ("pnl_saving", cash + capex - depreciation),
        ];
        for (metric, value) in rows {
            assert_eq!(pnl(&r, "Both", fy, metric), [value; 4], "{fy} {metric}");
        }
        assert_eq!(fiscal(&r, "Both", fy, "saving"), [cash; 4], "{fy}: cash saving is the fiscal year's saving");
    }
    assert_eq!(run_rate(&r, "Both", "exit_run_rate_saving"), [-18_000.0; 4], "FY2030's -9,000 over 6 months");
    assert_eq!(run_rate(&r, "Both", "recurring_opex"), [18_000.0; 4]);
    assert_eq!(run_rate(&r, "Both", "one_off_capex"), [150_000.0; 4]);
    let steps: Vec<(usize, &str, f64)> =
        r.bridge_fiscal.iter().map(|b| (b.step, b.fiscal_year.as_str(), b.mean)).collect();
    assert_eq!(
        steps,
        [
            (1, "FY2027", -124_000.0),
            (2, "FY2027", 0.0),
            (1, "FY2028", -12_000.0),
            (2, "FY2028", -32_500.0),
            (1, "FY2029", -12_000.0),
            (2, "FY2029", -6_000.0),
            (1, "FY2030", -6_000.0),
            (2, "FY2030", -3_000.0),
        ]
    );
}

/// `pnl.csv` only where an initiative is depreciated: a report without
/// depreciation gains no file; with it, the table is byte-identical on
/// one and two threads past the pilot (bracketed tallies).
#[test]
fn pnl_csv_is_written_with_depreciation_only_and_the_same_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let depreciated =
        copy_canonical(dir.path(), |m| m, |s| s.replace("opex = 25_000\n", "opex = 25_000\ndepreciation_years = 3\n"));
    let run = |scenario: &Path, threads: &str, out: &str| {
        let out = dir.path().join(out);
        costcast()
            .arg("run")
            .arg(scenario)
            .args(["-n", "40000", "--seed", "9", "--threads", threads, "--format", "csv", "-o"])
            .arg(&out)
            .assert()
            .success();
        out
    };
    let (one, two) = (run(&depreciated, "1", "t1"), run(&depreciated, "2", "t2"));
    for table in ["pnl.csv", "run_rate.csv", "bridge_fiscal.csv"] {
        let a = std::fs::read(one.join(table)).unwrap();
        assert!(a.len() > 200, "{table} is nearly empty");
        assert!(a == std::fs::read(two.join(table)).unwrap(), "{table} differs between 1 and 2 threads");
    }
    let text = std::fs::read_to_string(one.join("pnl.csv")).unwrap();
    assert!(text.starts_with("scenario,fiscal_year,partial,metric,mean,p10,p50,p90\n"), "{text}");
    // Quick wins has no depreciated initiative: its depreciation is its
    // capex, expensed, and its P&L saving its cash saving.
    assert!(text.contains("\nQuick wins,FY2027,false,cash_saving,"), "{text}");
    let plain = crate::util::root().join(crate::util::CANONICAL);
    let without = run(&plain, "2", "plain");
    assert!(!entries(&without).contains(&"pnl.csv".to_owned()));
}

/// The canonical case with the chatbot's capex depreciated over 3 years
/// (36 months from June 2027, 31 of them in the horizon: 7 in FY2027, 12
/// in each of the others). Capex without `depreciation_years` is expensed:
/// Quick wins' P&L saving is its cash saving. Statistical checks use the
/// chatbot's PERT(200k, 300k, 550k): mean 325k, variance (325k - 200k)
/// (550k - 325k) / 7, within 5 standard errors.
#[test]
fn depreciated_capex_moves_from_the_cash_year_to_the_pnl_years() {
    let dir = tempfile::tempdir().unwrap();
    let scenario =
        copy_canonical(dir.path(), |m| m, |s| s.replace("opex = 25_000\n", "opex = 25_000\ndepreciation_years = 3\n"));
    let n = 2_000;
    let r = forecast(&scenario, n, 4);
    let years = ["FY2027", "FY2028", "FY2029"];
    for fy in years {
        let [capex, dep] = ["capex", "depreciation"].map(|m| pnl(&r, "Quick wins", fy, m));
        assert_eq!(capex, dep, "{fy}: expensed, depreciation is the capex paid");
        let (cash, saving) = (pnl(&r, "Quick wins", fy, "cash_saving"), pnl(&r, "Quick wins", fy, "pnl_saving"));
        for q in 0..4 {
            close(saving[q], cash[q], &format!("Quick wins {fy}: the P&L saving is the cash saving"));
        }
        let [cash, capex, dep, saving] =
            ["cash_saving", "capex", "depreciation", "pnl_saving"].map(|m| pnl(&r, "AI only", fy, m)[0]);
        close(saving, cash + capex - dep, &format!("AI only {fy}: P&L = cash + capex - depreciation"));
        close(cash, fiscal(&r, "AI only", fy, "saving")[0], &format!("AI only {fy}: cash is the fiscal saving"));
    }
    let (mean, sd) = (325e3, ((325e3 - 200e3) * (550e3 - 325e3) / 7.0_f64).sqrt());
    let se = |share: f64| 5.0 * sd * share / (n as f64).sqrt();
    // FY2027 pays the chatbot's capex (and the assist's, expensed) and is
    // charged 7 of its 36 months.
    let [capex, dep] = ["capex", "depreciation"].map(|m| pnl(&r, "AI only", "FY2027", m)[0]);
    let share = 29.0 / 36.0;
    assert!((capex - dep - mean * share).abs() <= se(share), "FY2027: capex - depreciation {}", capex - dep);
    // Over the horizon the P&L is charged 31 of the 36 months.
    let total = |metric: &str| years.iter().map(|fy| pnl(&r, "AI only", fy, metric)[0]).sum::<f64>();
    let share = 5.0 / 36.0;
    let beyond = total("capex") - total("depreciation");
    assert!((beyond - mean * share).abs() <= se(share), "past the horizon {beyond}");
    close(total("capex"), run_rate(&r, "AI only", "one_off_capex")[0], "all capex is paid in the horizon");
}

/// Bad `depreciation_years`: exit 1, the place and field path named,
/// nothing written; a slip of the field name is caught with a suggestion.
#[test]
fn bad_depreciation_years_are_refused_with_their_place() {
    let cases = [
        ("depreciation_years = \"pert(3, 5, 7)\"", "must be a constant number of years, got \"pert(3, 5, 7)\""),
        ("depreciation_years = 0", "must be a number of years > 0, got 0"),
        ("depreciation_years = -2", "must be a number of years > 0, got -2"),
        ("depreciation_years = nan", "must be a number of years > 0, got NaN"),
        ("depreciation_years = inf", "must be a number of years > 0, got inf"),
        ("depreciation_years = 60", "60 years is longer than the 50 accepted"),
        ("depreciation_years = \"20%\"", "must be a constant number of years, got \"20%\""),
        ("depreciation_years = [2]", "depreciation_years: "),
        ("depreciation_year = 2", "unknown field `depreciation_year` (did you mean `depreciation_years`?)"),
    ];
    for (line, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let text = SCENARIO.replace("depreciation_years = 2", line);
        let scenario = write_case(dir.path(), &text);
        let out = dir.path().join("out");
        let assert = costcast().arg("run").arg(&scenario).args(["-n", "100", "-o"]).arg(&out).assert();
        let err = stderr(&assert);
        assert.code(1);
        // Line 10 of the scenario file, the value at column 22 (the key
        // at column 1 for an unknown field).
        let column = if line.starts_with("depreciation_years ") { 22 } else { 1 };
        let field = line.split(' ').next().unwrap();
        let place = format!("scenario.toml:10:{column}: initiative \"platform\".{field}: ");
        assert!(err.contains(&place) && err.contains(message), "{line}: expected {place}...{message}\n{err}");
        assert!(!out.exists(), "{line}: a report was written");
        let check = costcast().arg("check").arg(&scenario).assert();
        let check_err = stderr(&check);
        check.code(1);
        assert!(check_err.contains(&place), "{line}: check\n{check_err}");
    }
}
