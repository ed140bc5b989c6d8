//! The page's answer and `--confidence`: the committable saving is the
//! (1 - confidence) quantile of a fiscal year's saving; the recommended
//! scenario follows the rule (highest NPV P50 among those with at least the
//! confidence's chance of a positive NPV), computed here from summary.csv;
//! a negative committable saving is a funding gap in red; an out-of-range
//! confidence is refused; shards of different confidences do not merge.

use std::collections::HashMap;
use std::path::Path;

use crate::util::{CANONICAL, costcast, stderr};

/// `fiscal_years.csv` as (scenario, fiscal year, metric) -> (mean, p10, p50, p90).
fn fiscal(dir: &Path) -> HashMap<(String, String, String), [f64; 4]> {
    let mut rows = HashMap::new();
    let mut reader = csv::Reader::from_path(dir.join("fiscal_years.csv")).unwrap();
    for record in reader.records() {
        let r = record.unwrap();
        let num = |i: usize| r[i].parse::<f64>().unwrap_or(f64::NAN);
        rows.insert((r[0].to_owned(), r[1].to_owned(), r[3].to_owned()), [num(4), num(5), num(6), num(7)]);
    }
    rows
}

/// `summary.csv` as (scenario, metric) -> (mean, p50).
fn summary(dir: &Path) -> HashMap<(String, String), (f64, f64)> {
    let mut rows = HashMap::new();
    let mut reader = csv::Reader::from_path(dir.join("summary.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (mean, p50) = (col("mean"), col("p50"));
    for record in reader.records() {
        let r = record.unwrap();
        let num = |i: usize| r[i].parse::<f64>().unwrap_or(f64::NAN);
        rows.insert((r[0].to_owned(), r[1].to_owned()), (num(mean), num(p50)));
    }
    rows
}

fn run(out: &Path, extra: &[&str]) {
    costcast()
        .args(["run", CANONICAL, "-n", "4000", "--seed", "11", "--format", "html", "-o"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

/// The scenario the rule recommends, from the report's own tables.
fn recommended(dir: &Path, confidence: f64) -> Option<String> {
    let s = summary(dir);
    let mut scenarios: Vec<&String> = s.keys().map(|(name, _)| name).collect();
    scenarios.sort();
    scenarios.dedup();
    scenarios
        .into_iter()
        .filter(|name| s[&((*name).clone(), "prob_npv_positive".into())].0 >= confidence)
        .max_by(|a, b| {
            let p50 = |n: &String| s[&(n.clone(), "npv".into())].1;
            p50(a).total_cmp(&p50(b))
        })
        .cloned()
}

#[test]
fn committable_saving_follows_the_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let (p90, p50, p80) = (dir.path().join("c90"), dir.path().join("c50"), dir.path().join("c80"));
    run(&p90, &[]);
    run(&p50, &["--confidence", "0.5"]);
    run(&p80, &["--confidence", "0.8"]);
    let (f90, f50, f80) = (fiscal(&p90), fiscal(&p50), fiscal(&p80));
    let mut checked = 0;
    for ((scenario, fy, metric), v) in &f90 {
        if metric != "committable_saving" {
            continue;
        }
        let saving = f90[&(scenario.clone(), fy.clone(), "saving".to_owned())];
        // Same draws: 0.9 is the saving's P10, 0.5 its P50, 0.8 between.
        assert_eq!(v[0], saving[1], "{scenario} {fy}");
        let at50 = f50[&(scenario.clone(), fy.clone(), metric.clone())][0];
        assert_eq!(at50, saving[2], "{scenario} {fy}");
        let at80 = f80[&(scenario.clone(), fy.clone(), metric.clone())][0];
        assert!(saving[1] <= at80 && at80 <= saving[2], "{scenario} {fy}: {at80} outside {saving:?}");
        checked += 1;
    }
    assert_eq!(checked, 9, "three scenarios over three fiscal years");
    let record = std::fs::read_to_string(p80.join("run.json")).unwrap();
    assert!(record.contains("\"confidence\": 0.8"), "{record}");
}

#[test]
fn the_page_recommends_by_the_rule_and_shows_each_years_commitment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme");
    run(&out, &[]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let chosen = recommended(&out, 0.9).expect("the canonical case has a scenario sure at 90%");
    assert!(html.contains(&format!("Go ahead with <strong>{chosen}</strong>")), "{chosen}");
    // The box comes before any other section.
    let answer = html.find("<h2>The answer</h2>").unwrap();
    assert!(answer < html.find("The scenarios side by side").unwrap());
    assert!(answer < html.find("The business case").unwrap());
    let f = fiscal(&out);
    for fy in ["FY2027", "FY2028", "FY2029"] {
        let commit = f[&(chosen.clone(), fy.to_owned(), "committable_saving".to_owned())][0];
        let without = f[&("baseline".to_owned(), fy.to_owned(), "prob_over_budget".to_owned())][0];
        let row_start = html[answer..].find(&format!("<td class=\"text\">{fy}</td>")).unwrap() + answer;
        let row = &html[row_start..row_start + html[row_start..].find("</tr>").unwrap()];
        let amount = costcast::report::format::money_short(commit.abs(), "USD");
        if commit >= 0.0 {
            assert!(row.contains(&format!("frees {amount}")), "{row}");
        } else {
            assert!(row.contains(&format!("<span class=\"gap\">funding gap: {amount} more needed</span>")), "{row}");
        }
        assert!(row.contains(&costcast::report::format::percent(without)), "{row}");
    }
}

#[test]
fn no_scenario_sure_enough_is_said_in_red_with_the_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("acme");
    run(&out, &["--confidence", "0.9999"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(recommended(&out, 0.9999), None, "no scenario is that sure on 4,000 iterations");
    assert!(html.contains("<span class=\"gap\">No scenario has a &gt;99.9% chance of a positive NPV.</span>"));
    // At 99.99% the first year's saving to commit is negative somewhere:
    // the page names the gap.
    assert!(html.contains("funding gap:"), "no funding gap shown");
}

#[test]
fn a_confidence_outside_zero_to_one_is_refused() {
    for bad in ["0", "1", "1.5", "-0.1", "NaN"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        let assert = costcast()
            .args(["run", CANONICAL, "-n", "100", "-o"])
            .arg(&out)
            .arg(format!("--confidence={bad}"))
            .assert()
            .code(1);
        let err = stderr(&assert);
        assert!(err.contains("--confidence: must be a probability between 0 and 1"), "{bad}: {err}");
        assert!(!out.exists(), "{bad}: nothing is written");
    }
}

#[test]
fn shards_run_at_different_confidences_do_not_merge() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.part"), dir.path().join("b.part"));
    for (part, shard, confidence) in [(&a, "1/2", "0.9"), (&b, "2/2", "0.8")] {
        costcast()
            .args(["run", CANONICAL, "-n", "2000", "--shard", shard, "--confidence", confidence, "-o"])
            .arg(part)
            .assert()
            .success();
    }
    let out = dir.path().join("merged");
    let assert = costcast().arg("merge").arg(&a).arg(&b).arg("-o").arg(&out).assert().code(1);
    assert!(stderr(&assert).contains("confidence 0.8 against 0.9"), "{}", stderr(&assert));
    assert!(!out.exists());
}
