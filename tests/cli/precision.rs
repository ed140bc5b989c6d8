//! Monte Carlo error (spec section 15): the standard errors in
//! `summary.csv` cover the truth as often as they claim, and `run
//! --precision` stops at a round count with the very files `run -n` writes
//! at that count.
//!
//! The coverage case (`tests/fixtures/precision/`) has an NPV known in
//! closed form: 60,000 x share with share ~ uniform(0.1, 0.3), so its mean
//! is 12,000 and its P10, P50 and P90 are 7,200, 12,000 and 16,800.

use std::path::Path;

use costcast::aggregate::SummaryValue;
use rayon::prelude::*;

use crate::util::{CANONICAL, TABLES, costcast, fixture, load, stderr};

/// Seeds of the coverage test, and iterations per seed: 64 batches, so
/// the batch-means error has 63 degrees of freedom (a 1.96 interval then
/// covers 94.6% rather than 95%).
const SEEDS: u64 = 400;
const ITERATIONS: usize = 64 * 1024;

#[test]
fn standard_errors_cover_the_exact_npv_about_95_percent_of_the_time() {
    let case = load(&fixture("precision", "exact.toml"));
    let truth = [12_000.0, 7_200.0, 12_000.0, 16_800.0];
    let hits: Vec<[bool; 4]> = (0..SEEDS)
        .into_par_iter()
        .map(|seed| {
            let results = costcast::run::forecast(&case, ITERATIONS, 1000 + seed, 1).expect("the case runs");
            let row = results.summary.iter().find(|r| r.metric == "npv").expect("an npv row");
            let SummaryValue::Stats(Some(s)) = row.value else { panic!("npv has statistics") };
            let (estimate, se) = ([s.mean, s.p10, s.p50, s.p90], [row.se.mean, row.se.p10, row.se.p50, row.se.p90]);
            std::array::from_fn(|i| (estimate[i] - truth[i]).abs() <= 1.96 * se[i])
        })
        .collect();
    for (i, what) in ["mean", "P10", "P50", "P90"].iter().enumerate() {
        let covered = hits.iter().filter(|h| h[i]).count() as f64 / SEEDS as f64;
        // The issue's band: 92-98% (the binomial SE of a 95% rate over 400
        // seeds is 1.1%).
        assert!((0.92..=0.98).contains(&covered), "{what}: the 95% interval held {:.1}% of the time", 100.0 * covered);
    }
}

/// `iterations` from a report's run.json.
fn iterations(dir: &Path) -> usize {
    let record = std::fs::read_to_string(dir.join("run.json")).unwrap();
    let at = record.find("\"iterations\": ").unwrap() + "\"iterations\": ".len();
    record[at..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

#[test]
fn precision_stops_at_a_round_with_the_files_of_run_n_at_that_count() {
    let dir = tempfile::tempdir().unwrap();
    let (rounds, plain) = (dir.path().join("rounds"), dir.path().join("plain"));
    costcast()
        .args(["run", CANONICAL, "--precision", "0.02", "-n", "200000", "--format", "csv", "--threads", "2", "-o"])
        .arg(&rounds)
        .assert()
        .success();
    let n = iterations(&rounds);
    assert!(costcast::simulate::rounds::round_counts(200_000).contains(&n), "{n} is not a round count");
    assert!(n > 10_000, "2% needs more than the first round on the canonical case");
    let record = std::fs::read_to_string(rounds.join("run.json")).unwrap();
    assert!(record.contains("\"asked\": 0.02") && record.contains("\"met\": true"), "{record}");
    costcast()
        .args(["run", CANONICAL, "-n", &n.to_string(), "--format", "csv", "--threads", "1", "-o"])
        .arg(&plain)
        .assert()
        .success();
    for table in TABLES {
        assert_eq!(
            std::fs::read(rounds.join(table)).unwrap(),
            std::fs::read(plain.join(table)).unwrap(),
            "{table} differs from run -n {n}"
        );
    }
}

#[test]
fn a_precision_the_cap_stops_first_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let assert = costcast()
        .args(["run", CANONICAL, "--precision", "0.0001", "-n", "20000", "--format", "csv", "-o"])
        .arg(&out)
        .assert()
        .success();
    let err = stderr(&assert);
    assert!(err.contains("--precision: not reached within -n 20000 iterations"), "{err}");
    assert_eq!(iterations(&out), 20_000);
    assert!(std::fs::read_to_string(out.join("run.json")).unwrap().contains("\"met\": false"));
}

#[test]
fn a_precision_that_is_no_share_nor_amount_is_refused() {
    for bad in ["0", "-1", "NaN", "inf"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        let assert = costcast()
            .args(["run", CANONICAL, "-n", "1000", "-o"])
            .arg(&out)
            .arg(format!("--precision={bad}"))
            .assert()
            .code(1);
        assert!(stderr(&assert).contains("--precision: must be a share of the mean NPV below 1"), "{bad}");
        assert!(!out.exists(), "{bad}: nothing is written");
    }
}

#[test]
fn summary_csv_has_the_standard_error_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    costcast().args(["run", CANONICAL, "-n", "4000", "--format", "csv", "-o"]).arg(&out).assert().success();
    let text = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(text.starts_with("scenario,metric,mean,sd,p5,p10,p50,p90,p95,min,max,mean_se,p10_se,p50_se,p90_se\n"));
    // Probability rows leave them empty; statistics rows fill them.
    let npv = text.lines().find(|l| l.starts_with("Quick wins,npv,")).unwrap();
    assert!(npv.split(',').skip(11).all(|c| c.parse::<f64>().is_ok_and(|x| x > 0.0)), "{npv}");
    let prob = text.lines().find(|l| l.starts_with("Quick wins,prob_npv_positive,")).unwrap();
    assert!(prob.ends_with(",,,,"), "{prob}");
}

/// The convergence chart's last point is the summary's figures: the same
/// P50 and the same 95% half-widths (1.96 se) the table states; its first
/// point is the run's first two batches.
#[test]
fn the_convergence_trace_ends_at_the_summary() {
    let case = load(Path::new(CANONICAL));
    let results = costcast::run::forecast(&case, 20_000, 5, 2).expect("the case runs");
    for d in &results.npv {
        let counts: Vec<usize> = d.convergence.iter().map(|c| c.iterations).collect();
        assert_eq!(counts, [2_048, 4_096, 8_192, 16_384, 20_000], "{}", d.scenario);
        let row = results.summary.iter().find(|r| r.scenario == d.scenario && r.metric == "npv").unwrap();
        let SummaryValue::Stats(Some(s)) = row.value else { panic!("npv has statistics") };
        let last = d.convergence.last().unwrap();
        assert_eq!([last.p10.0, last.p50.0, last.p90.0], [s.p10, s.p50, s.p90], "{}", d.scenario);
        let z = costcast::aggregate::precision::Z95;
        let se = [row.se.mean, row.se.p10, row.se.p50, row.se.p90].map(|x| z * x);
        assert_eq!([last.mean.1, last.p10.1, last.p50.1, last.p90.1], se, "{}", d.scenario);
        assert!((last.mean.0 - s.mean).abs() <= 1e-9 * s.mean.abs(), "{}", d.scenario);
    }
}

#[test]
fn the_page_has_the_convergence_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    costcast().args(["run", CANONICAL, "-n", "10000", "--format", "html", "-o"]).arg(&out).assert().success();
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("How settled the NPV figures are"));
    assert!(page.contains("within ± $"), "each panel states its widest half-width");
}

/// Every CSV file of a report folder, by name.
fn csv_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

/// `optimize --precision` settles the recommended portfolio's objective
/// (the shipped example maximises its NPV P50): it stops at a round count
/// with the files `optimize -n` writes there, frontier included.
#[test]
fn optimize_precision_stops_at_a_round_with_the_files_of_optimize_n() {
    let scenario = "scenarios/acme-portfolio.toml";
    let dir = tempfile::tempdir().unwrap();
    let (rounds, plain) = (dir.path().join("rounds"), dir.path().join("plain"));
    costcast()
        .current_dir(crate::util::root())
        .args(["optimize", scenario, "--precision", "0.02", "-n", "80000", "--format", "csv", "-o"])
        .arg(&rounds)
        .assert()
        .success();
    let n = iterations(&rounds);
    assert!(costcast::simulate::rounds::round_counts(80_000).contains(&n), "{n} is not a round count");
    let record = std::fs::read_to_string(rounds.join("run.json")).unwrap();
    assert!(record.contains("\"asked\": 0.02") && record.contains("\"least_settled\": \"Recommended portfolio\""));
    let met = record.contains("\"met\": true");
    assert!(met || n == 80_000, "stopped at {n} without meeting the precision");
    costcast()
        .current_dir(crate::util::root())
        .args(["optimize", scenario, "-n", &n.to_string(), "--format", "csv", "-o"])
        .arg(&plain)
        .assert()
        .success();
    let (a, b) = (csv_files(&rounds), csv_files(&plain));
    assert!(a.iter().any(|(name, _)| name == "frontier.csv"));
    assert_eq!(a.len(), b.len());
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs from optimize -n {n}");
    }
}

#[test]
fn optimize_precision_the_cap_stops_first_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let assert = costcast()
        .current_dir(crate::util::root())
        .args(["optimize", "scenarios/acme-portfolio.toml", "--precision", "1", "-n", "3000", "--format", "csv", "-o"])
        .arg(&out)
        .assert()
        .success();
    let err = stderr(&assert);
    assert!(err.contains("--precision: not reached within -n 3000 iterations"), "{err}");
    assert!(err.contains("\"Recommended portfolio\""), "{err}");
    assert_eq!(iterations(&out), 3_000);
}

/// `batch --precision` runs each file to the precision on its own: each
/// file's report is the one `run --precision` writes for it.
#[test]
fn batch_precision_gives_each_file_the_report_of_run_precision() {
    let files = [CANONICAL, "scenarios/contoso-digital-care.toml"];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("batch");
    costcast()
        .current_dir(crate::util::root())
        .args(["batch", files[0], files[1], "--precision", "0.03", "-n", "80000", "--format", "csv,html", "-o"])
        .arg(&out)
        .assert()
        .success();
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("within ±3% of the mean (at most 80,000"), "the index states the rule");
    for file in files {
        let stem = Path::new(file).file_stem().unwrap().to_string_lossy().into_owned();
        let single = dir.path().join(format!("single-{stem}"));
        costcast()
            .current_dir(crate::util::root())
            .args(["run", file, "--precision", "0.03", "-n", "80000", "--format", "csv", "-o"])
            .arg(&single)
            .assert()
            .success();
        let n = iterations(&single);
        assert_eq!(iterations(&out.join(&stem)), n, "{file}");
        for table in TABLES {
            assert!(
                std::fs::read(out.join(&stem).join(table)).unwrap() == std::fs::read(single.join(table)).unwrap(),
                "{file}: {table} differs from run --precision"
            );
        }
    }
    let bad = dir.path().join("bad");
    let assert = costcast()
        .current_dir(crate::util::root())
        .args(["batch", CANONICAL, "--precision", "0", "-o"])
        .arg(&bad)
        .assert()
        .code(1);
    assert!(stderr(&assert).contains("error: --precision: must be a share"), "{}", stderr(&assert));
    assert!(!bad.exists(), "nothing is written");
}
