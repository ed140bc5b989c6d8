//! Hostile or extreme input never panics, hangs or writes a broken
//! report (issue 28): numbers that overflow, sampler parameters that make
//! a run unbounded, devices and oversized files given as input, thread
//! counts far past the machine.

use std::time::Duration;

use crate::util::{copy_canonical, costcast, stderr};

/// Run the canonical case with its model and scenario text edited; the
/// command must fail with exit 1 (an input error), name `needles` and
/// write no report.
fn refused(model: impl Fn(String) -> String, scenario: impl Fn(String) -> String, args: &[&str], needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let file = copy_canonical(tmp.path(), model, scenario);
    let out = tmp.path().join("out");
    let assert =
        costcast().args(args).arg(&file).arg("-o").arg(&out).timeout(Duration::from_secs(120)).assert().code(1);
    let err = stderr(&assert);
    for needle in needles {
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }
    assert!(!out.exists(), "a refused run wrote {}", out.display());
}

#[test]
fn capex_that_overflows_the_cost_is_refused_not_a_panic() {
    // Two initiatives of one scenario at 1e308 each: their sum is infinite.
    // Before: exit 0 with empty money cells, or a panic in the charts.
    let huge = |s: String| s.replace("capex = 40_000", "capex = 1.7e308").replace("capex = 6_000", "capex = 1.7e308");
    refused(|m| m, huge, &["run", "-n", "200"], &["overflows", "acme-ai-roadmap.toml", "cost of channel"]);
}

#[test]
fn cost_that_overflows_the_volume_is_refused() {
    let huge = |m: String| {
        m.replacen("cost_per_contact = \"pert(6.0, 8.0, 12.0)\"", "cost_per_contact = 1e160", 1).replacen(
            "volume = 120_000",
            "volume = 1e150",
            1,
        )
    };
    refused(huge, |s| s, &["run", "-n", "200"], &["overflows", "channel \"phone\""]);
}

#[test]
fn a_beta_with_a_vanishing_shape_is_refused_by_check() {
    // Before: `check` passed and the run never ended.
    let tiny = |m: String| m.replacen("growth = \"normal(0.004, 0.002)\"", "growth = \"beta(1e-300, 2)\"", 1);
    let tmp = tempfile::tempdir().unwrap();
    let file = copy_canonical(tmp.path(), tiny, |s| s);
    let assert = costcast().arg("check").arg(&file).timeout(Duration::from_secs(60)).assert().code(1);
    let err = stderr(&assert);
    assert!(err.contains("acme.toml:13:") && err.contains("at least 1e-6"), "{err}");
}

#[test]
fn a_device_is_refused_before_reading() {
    // Before: `costcast check /dev/zero` read forever.
    if !std::path::Path::new("/dev/zero").exists() {
        return crate::util::skip("no /dev/zero on this system");
    }
    for command in ["check", "run"] {
        let assert = costcast().args([command, "/dev/zero"]).timeout(Duration::from_secs(30)).assert().code(1);
        let err = stderr(&assert);
        assert!(err.contains("/dev/zero") && err.contains("not a regular file"), "{command}: {err}");
    }
}

#[test]
fn an_oversized_input_is_refused_before_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("big.toml");
    let f = std::fs::File::create(&file).unwrap();
    f.set_len(65 << 20).unwrap(); // sparse: no disk is spent
    let assert = costcast().arg("check").arg(&file).timeout(Duration::from_secs(30)).assert().code(1);
    let err = stderr(&assert);
    assert!(err.contains("big.toml") && err.contains("64 MB"), "{err}");
}

#[test]
fn threads_far_past_the_cores_are_capped_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let file = copy_canonical(tmp.path(), |m| m, |s| s);
    let assert = costcast()
        .args(["run", "-n", "20", "--threads", "100000", "-o"])
        .arg(tmp.path().join("out"))
        .arg(&file)
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    assert!(stderr(&assert).contains("--threads 100000 is more than 4 a core"), "{}", stderr(&assert));
}

#[test]
fn batch_links_are_relative_and_encoded_never_a_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::write(inputs.join("javascript:alert(1).toml"), crate::util::canonical_scenario_text()).unwrap();
    let out = dir.path().join("batch");
    costcast()
        .arg("batch")
        .arg(inputs.join("javascript:alert(1).toml"))
        .args(["-n", "200", "--format", "csv,html", "-o"])
        .arg(&out)
        .timeout(Duration::from_secs(300))
        .assert()
        .success();
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("href=\"./javascript%3Aalert%281%29/report.html\""), "{index}");
    assert!(!index.contains("href=\"javascript:"), "{index}");
}

#[test]
fn a_name_past_a_workbook_cell_is_refused_by_check_as_by_run() {
    // Before: `check` passed and `run` failed writing the workbook (exit 2).
    let long = "x".repeat(32_768);
    let scenario = |s: String| s.replacen("name = \"Quick wins\"", &format!("name = \"{long}\""), 1);
    for command in ["check", "run"] {
        let tmp = tempfile::tempdir().unwrap();
        let file = copy_canonical(tmp.path(), |m| m, scenario);
        let mut cmd = costcast();
        cmd.arg(command).arg(&file);
        if command == "run" {
            cmd.arg("-o").arg(tmp.path().join("out"));
        }
        let assert = cmd.timeout(Duration::from_secs(120)).assert().code(1);
        let err = stderr(&assert);
        assert!(err.contains(".name") && err.contains("at most 32767"), "{command}: {err}");
    }
    // An initiative's name too: before, `check` and `--format csv` passed
    // it and the workbook failed (exit 2).
    let tmp = tempfile::tempdir().unwrap();
    let initiative =
        |s: String| s.replacen("name = \"Callback and chat-first routing\"", &format!("name = \"{long}\""), 1);
    let file = copy_canonical(tmp.path(), |m| m, initiative);
    let err = stderr(&costcast().arg("check").arg(&file).timeout(Duration::from_secs(120)).assert().code(1));
    assert!(err.contains("initiative \"callback\".name: is 32768 characters long"), "{err}");
}

#[test]
fn messages_quote_long_names_shortened() {
    // Before: each message quoted a 100,000-character name whole, in its
    // field path and its text, and "did you mean" compared it with every
    // channel id in time in the square of its length.
    let long = "p".repeat(100_000);
    let model = |m: String| m.replacen("id = \"phone\"", &format!("id = \"{long}\""), 1);
    let scenario = |s: String| s.replacen("name = \"Quick wins\"", &format!("name = \"{}\"", "q".repeat(100_000)), 1);
    let tmp = tempfile::tempdir().unwrap();
    let file = copy_canonical(tmp.path(), model, scenario);
    let err = stderr(&costcast().arg("check").arg(&file).timeout(Duration::from_secs(60)).assert().code(1));
    let shortened = format!("\"{}…\" (100,000 characters)", "q".repeat(60));
    assert!(err.contains(&shortened), "no shortened scenario name:\n{}", &err[..err.len().min(2000)]);
    assert!(err.contains("unknown channel \"phone\""), "{}", &err[..err.len().min(2000)]);
    for line in err.lines() {
        assert!(line.chars().count() < 600, "a message of {} characters: {}…", line.len(), &line[..300]);
    }
}

#[test]
fn a_missing_field_is_placed_at_the_start_of_its_file() {
    // Before: `fit` on a model without history_csv and `batch` given a
    // model named the file without a line and column.
    let tmp = tempfile::tempdir().unwrap();
    let model = crate::util::root().join("models/acme.toml");
    let fit = costcast().arg("fit").arg(&model).arg("-o").arg(tmp.path().join("fit")).assert().code(1);
    let e = stderr(&fit);
    assert!(e.contains(&format!("{}:1:1: history_csv: ", model.display())), "{e}");
    let batch = costcast()
        .arg("batch")
        .arg(&model)
        .args(["-n", "100", "--format", "csv", "-o"])
        .arg(tmp.path().join("batch"))
        .assert()
        .code(1);
    let e = stderr(&batch);
    assert!(e.contains(&format!("{}:1:1: not a scenario file", model.display())), "{e}");
}
