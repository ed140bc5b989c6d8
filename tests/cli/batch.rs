//! `costcast batch`: several scenario files in one command, one bad file
//! reported and skipped, the rest ranked.

use std::path::{Path, PathBuf};

use crate::util::{CANONICAL, canonical_scenario_text, costcast, root, stderr, stdout};

/// The header of `batch_summary.csv`.
const HEADER: &str = "rank,rank_by,scenario_file,scenario,status,currency,npv_p10,npv_p50,npv_mean,prob_npv_positive,payback_month_p50,committable_fiscal_year,committable_saving,report,error,warnings";

#[test]
fn three_files_one_invalid_give_two_reports_an_error_and_a_ranking() {
    let dir = tempfile::tempdir().unwrap();
    // The bad file: a scenario naming an initiative that does not exist.
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let bad = canonical_scenario_text().replace(
        "initiatives = [\"kb\", \"callback\", \"proactive\"]",
        "initiatives = [\"kb\", \"callbak\", \"proactive\"]",
    );
    std::fs::write(inputs.join("typo.toml"), bad).unwrap();
    let out = dir.path().join("batch");
    let assert = costcast()
        .current_dir(root())
        .arg("batch")
        .args([CANONICAL, "scenarios/contoso-*.toml"])
        .arg(inputs.join("typo.toml"))
        .args(["-n", "1500", "--seed", "4", "--format", "csv,html", "-o"])
        .arg(&out)
        .assert()
        .code(1);
    let stderr = stderr(&assert);
    assert!(stderr.contains("typo.toml:") && stderr.contains("unknown initiative \"callbak\""), "{stderr}");
    let stdout = stdout(&assert);
    assert!(stdout.contains("2 of 3 scenario files ran, 1 failed"), "{stdout}");

    // Two report folders, none for the bad file.
    for folder in ["acme-ai-roadmap", "contoso-digital-care"] {
        assert!(out.join(folder).join("summary.csv").is_file(), "{folder}");
        assert!(out.join(folder).join("report.html").is_file(), "{folder}");
    }
    assert!(!out.join("typo").exists());

    // The summary ranks every scenario of the two files by NPV P10, each
    // currency apart (contoso in euros first, acme in dollars), then lists
    // the failure.
    let summary = std::fs::read_to_string(out.join("batch_summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert_eq!(lines.next().unwrap(), HEADER);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let ok: Vec<&Vec<&str>> = rows.iter().filter(|r| r[4] == "ok").collect();
    assert_eq!(ok.len(), 2 + 3, "contoso's two scenarios and acme's three");
    assert_eq!(ok.iter().map(|r| r[5]).collect::<Vec<_>>(), ["EUR", "EUR", "USD", "USD", "USD"]);
    assert_eq!(ok.iter().map(|r| r[0]).collect::<Vec<_>>(), ["1", "2", "1", "2", "3"]);
    assert!(ok.iter().all(|r| r[1] == "npv_p10"), "{summary}");
    for currency in [&ok[..2], &ok[2..]] {
        let p10: Vec<f64> = currency.iter().map(|r| r[6].parse().unwrap()).collect();
        assert!(p10.windows(2).all(|w| w[0] >= w[1]), "ranked by NPV P10: {p10:?}");
    }
    assert!(ok.iter().all(|r| r[15] == "0"), "the shipped files have no input warnings");
    let failed: Vec<&Vec<&str>> = rows.iter().filter(|r| r[4] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0][2].ends_with("typo.toml"));

    // The batch gives each file the numbers its own run gives.
    let single = dir.path().join("single");
    costcast()
        .current_dir(root())
        .args(["run", CANONICAL, "-n", "1500", "--seed", "4", "--format", "csv", "-o"])
        .arg(&single)
        .assert()
        .success();
    for table in ["summary.csv", "monthly.csv", "sensitivity.csv"] {
        assert_eq!(
            std::fs::read(single.join(table)).unwrap(),
            std::fs::read(out.join("acme-ai-roadmap").join(table)).unwrap(),
            "{table}"
        );
    }

    // The index ranks the two files' scenarios, links their reports and
    // names the failure.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("href=\"./acme-ai-roadmap/report.html\""));
    assert!(index.contains("href=\"./contoso-digital-care/report.html\""));
    assert!(index.contains("Not run: fix and run again") && index.contains("callbak"));
    assert!(index.contains("Business cases ranked by NPV P10"));
    assert!(index.contains("These files use different currencies (EUR, USD)"));
    // The index lists the cases in the summary's order.
    let at = |scenario: &str| index.find(&format!(">{scenario}</a>")).unwrap_or_else(|| panic!("{scenario}"));
    let order: Vec<usize> = ok.iter().map(|r| at(r[3])).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
}

#[test]
fn a_pattern_that_matches_nothing_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("batch");
    let assert = costcast()
        .current_dir(root())
        .args(["batch", "scenarios/nothing-*.toml", "-n", "100", "-o"])
        .arg(&out)
        .assert()
        .code(1);
    let stderr = stderr(&assert);
    assert!(stderr.contains("no scenario file matches this pattern"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn patterns_take_scenario_files_only_and_too_few_iterations_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("batch");
    // models/*.toml holds models only: nothing to run.
    let assert =
        costcast().current_dir(root()).args(["batch", "models/*.toml", "-n", "100", "-o"]).arg(&out).assert().code(1);
    assert!(stderr(&assert).contains("no scenario file matches this pattern"));
    assert!(!out.exists());
    // -n 1: refused before any file runs.
    let assert =
        costcast().current_dir(root()).args(["batch", "scenarios/", "-n", "1", "-o"]).arg(&out).assert().code(1);
    assert!(stderr(&assert).contains("needs at least 2 iterations, got 1"));
    assert!(!out.exists(), "nothing is written");
}

/// A model of one channel, 1,000 contacts a month at 10 in `currency`, no
/// growth, no discounting, a year: avoiding a share s of it from month 1
/// saves 120,000 s.
fn write_model(dir: &Path, file: &str, currency: &str) {
    let text = format!(
        "name = \"One queue\"\ncurrency = \"{currency}\"\nstart = \"2027-01\"\nmonths = 12\ndiscount_rate = 0.0\n\n[[channel]]\nid = \"phone\"\nvolume = 1000\ncost_per_contact = 10\n"
    );
    std::fs::write(dir.join(file), text).unwrap();
}

/// A scenario file of one initiative from month 1, as one scenario.
fn write_scenario(dir: &Path, file: &str, model: &str, name: &str, success: f64, capex: f64, share: f64) -> PathBuf {
    let text = format!(
        "model = \"{model}\"\n\n[[initiative]]\nid = \"plan\"\nstart = 1\nsuccess = {success}\ncapex = {capex}\neffects = [{{ avoid = [\"phone\"], share = {share} }}]\n\n[[scenario]]\nname = \"{name}\"\ninitiatives = [\"plan\"]\n"
    );
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

/// Two business cases in euros whose NPV P10 and P50 disagree. "Steady"
/// always nets 24,000 - 4,000 = 20,000. "Moonshot" nets 120,000 - 50,000 =
/// 70,000 when it succeeds (70% of iterations) and loses its 50,000 capex
/// when it fails: the higher P50 (70,000) and mean (34,000), the lower P10
/// (-50,000) and P(NPV > 0) (0.7).
fn steady_and_moonshot(dir: &Path) {
    write_model(dir, "eur.toml", "EUR");
    write_scenario(dir, "steady.toml", "eur.toml", "Steady", 1.0, 4_000.0, 0.2);
    write_scenario(dir, "moonshot.toml", "eur.toml", "Moonshot", 0.7, 50_000.0, 1.0);
}

/// Run a batch of `inputs` ranked by `rank_by` (none: the default) and
/// return its summary's rows, header checked.
fn batch_rows(inputs: &Path, out: &Path, rank_by: Option<&str>, format: &str) -> Vec<Vec<String>> {
    let mut cmd = costcast();
    cmd.arg("batch").arg(inputs).args(["-n", "2000", "--seed", "8", "--format", format, "-o"]).arg(out);
    if let Some(by) = rank_by {
        cmd.args(["--rank-by", by]);
    }
    cmd.assert().success();
    let summary = std::fs::read_to_string(out.join("batch_summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert_eq!(lines.next().unwrap(), HEADER);
    lines.map(|l| l.split(',').map(str::to_owned).collect()).collect()
}

#[test]
fn ranks_by_the_downside_a_budget_commits_to_and_rank_by_changes_it() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    steady_and_moonshot(&inputs);

    // By default: NPV P10, so the case that may lose 50,000 ranks last
    // although its P50 is higher.
    let out = dir.path().join("p10");
    let rows = batch_rows(&inputs, &out, None, "csv,html");
    let column = |row: &[String], name: &str| row[HEADER.split(',').position(|c| c == name).unwrap()].clone();
    let order = |rows: &[Vec<String>]| rows.iter().map(|r| column(r, "scenario")).collect::<Vec<_>>();
    assert_eq!(order(&rows), ["Steady", "Moonshot"]);
    let moonshot = &rows[1];
    assert_eq!(column(moonshot, "rank"), "2");
    assert_eq!(column(moonshot, "rank_by"), "npv_p10");
    assert_eq!(column(moonshot, "currency"), "EUR");
    assert_eq!(column(moonshot, "npv_p10"), "-50000", "plain numbers, no symbol");
    assert_eq!(column(moonshot, "npv_p50"), "70000");
    let mean: f64 = column(moonshot, "npv_mean").parse().unwrap();
    let p: f64 = column(moonshot, "prob_npv_positive").parse().unwrap();
    assert!((mean - 34_000.0).abs() < 3_000.0 && (p - 0.7).abs() < 0.03, "mean {mean}, P(NPV > 0) {p}");
    assert_eq!(column(&rows[0], "npv_p10"), "20000");

    // The index: the same order, every amount in euros.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("Business cases ranked by NPV P10"), "{index}");
    let steady = index.find(">Steady</a>").unwrap();
    let moon = index.find(">Moonshot</a>").unwrap();
    assert!(steady < moon, "Steady (higher P10) ranks above Moonshot");
    let moon_row = &index[moon..];
    let moon_row = &moon_row[..moon_row.find("</tr>").unwrap()];
    assert!(
        moon_row.contains("<td class=\"by\">-€50.0k</td><td>€70.0k</td>") && moon_row.contains("%</td>"),
        "{moon_row}"
    );
    assert!(!index.contains("different currencies"), "one currency: no flag");

    // Each other metric, and which case it puts first.
    for (by, first) in
        [("npv_p50", "Moonshot"), ("npv_mean", "Moonshot"), ("prob_npv_positive", "Steady"), ("npv_p10", "Steady")]
    {
        let rows = batch_rows(&inputs, &dir.path().join(by), Some(by), "csv");
        assert_eq!(column(&rows[0], "scenario"), first, "--rank-by {by}");
        assert!(rows.iter().all(|r| column(r, "rank_by") == by), "--rank-by {by}");
        assert_eq!(rows.iter().map(|r| column(r, "rank")).collect::<Vec<_>>(), ["1", "2"]);
    }
    let index = std::fs::read_to_string(dir.path().join("npv_p50").join("index.html")).unwrap();
    assert!(index.contains("Business cases ranked by NPV P50"));
    assert!(index.find(">Moonshot</a>").unwrap() < index.find(">Steady</a>").unwrap());
}

#[test]
fn amounts_in_different_currencies_are_never_ranked_against_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    steady_and_moonshot(&inputs);
    // Dollars: 60,000 - 4,000 = 56,000 every time; as a bare number more
    // than either euro case.
    write_model(&inputs, "usd.toml", "USD");
    write_scenario(&inputs, "dollars.toml", "usd.toml", "Dollar steady", 1.0, 4_000.0, 0.5);

    // Ranked by an amount: a ranking per currency, each counted from 1.
    let out = dir.path().join("by-amount");
    let rows = batch_rows(&inputs, &out, None, "csv,html");
    let cells: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[3].as_str(), r[5].as_str())).collect();
    assert_eq!(cells, [("1", "Steady", "EUR"), ("2", "Moonshot", "EUR"), ("1", "Dollar steady", "USD")]);
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("These files use different currencies (EUR, USD)"), "{index}");
    assert!(index.contains("each currency has its own ranking by NPV P10"), "{index}");
    let (eur, usd) = (index.find("<h2>In EUR</h2>").unwrap(), index.find("<h2>In USD</h2>").unwrap());
    let dollars = index.find(">Dollar steady</a>").unwrap();
    assert!(eur < index.find(">Steady</a>").unwrap() && usd < dollars, "each case under its currency");
    assert!(index[dollars..].contains("<td class=\"by\">$56.0k</td>"), "dollars in dollars");
    assert!(index[..usd].contains("<td class=\"by\">€20.0k</td>"), "euros in euros");

    // Ranked by P(NPV > 0), which has no currency: one ranking; the tie
    // between the two sure cases goes to the higher NPV P10.
    let out = dir.path().join("by-probability");
    let rows = batch_rows(&inputs, &out, Some("prob_npv_positive"), "csv,html");
    let cells: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[3].as_str(), r[5].as_str())).collect();
    assert_eq!(cells, [("1", "Dollar steady", "USD"), ("2", "Steady", "EUR"), ("3", "Moonshot", "EUR")]);
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains("These files use different currencies (EUR, USD)")
            && index.contains("one ranking holds them all")
    );
    assert!(!index.contains("<h2>In "), "{index}");
}

#[test]
fn an_unknown_rank_by_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("batch");
    let assert = costcast()
        .current_dir(root())
        .args(["batch", CANONICAL, "-n", "100", "--rank-by", "npv", "-o"])
        .arg(&out)
        .assert()
        .code(1);
    let e = stderr(&assert);
    assert!(e.contains("--rank-by") && e.contains("npv_p10") && e.contains("prob_npv_positive"), "{e}");
    assert!(!out.exists());
}
