//! `costcast batch`: several scenario files in one command, one bad file
//! reported and skipped, the rest ranked.

use crate::util::{CANONICAL, canonical_scenario_text, costcast, root, stderr, stdout};

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

    // The summary ranks every scenario of the two files by NPV P50, then
    // lists the failure.
    let summary = std::fs::read_to_string(out.join("batch_summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert_eq!(
        lines.next().unwrap(),
        "rank,scenario_file,scenario,status,npv_p50,npv_p10,prob_npv_positive,payback_month_p50,committable_fiscal_year,committable_saving,report,error,warnings"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let ok: Vec<&Vec<&str>> = rows.iter().filter(|r| r[3] == "ok").collect();
    assert_eq!(ok.len(), 3 + 2, "acme's three scenarios and contoso's two");
    let p50: Vec<f64> = ok.iter().map(|r| r[4].parse().unwrap()).collect();
    assert!(p50.windows(2).all(|w| w[0] >= w[1]), "ranked by NPV P50: {p50:?}");
    assert_eq!(ok.iter().map(|r| r[0]).collect::<Vec<_>>(), ["1", "2", "3", "4", "5"]);
    assert!(ok.iter().all(|r| r[12] == "0"), "the shipped files have no input warnings");
    let failed: Vec<&Vec<&str>> = rows.iter().filter(|r| r[3] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0][1].ends_with("typo.toml"));

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
    assert!(index.contains("href=\"acme-ai-roadmap/report.html\""));
    assert!(index.contains("href=\"contoso-digital-care/report.html\""));
    assert!(index.contains("Not run: fix and run again") && index.contains("callbak"));
    let first = index.find("Full roadmap").unwrap();
    let last = index.find("Quick wins").unwrap();
    assert!(first < last, "Full roadmap (higher NPV P50) ranks above Quick wins");
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
