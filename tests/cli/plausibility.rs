//! Valid but implausible inputs: a percent written as a whole number
//! (`growth = 1` for 1% a month, `discount_rate = 9` for 9%) passes
//! validation, so it must be warned of on stderr, in `run.json`, on the
//! page and in a batch's ranking; `--strict` refuses it. The shipped
//! examples must raise no warning at all, so a future rule that fires on
//! them is noticed here.

use std::path::{Path, PathBuf};

use crate::util::{CANONICAL, copy_canonical, costcast, entries, root, stderr, stdout};

/// The four slips, each an edit of the canonical model (the first channel,
/// phone, for the channel fields) and the start of the warning it must
/// give, after the field's path.
const SLIPS: [(&str, &str, &str, &str); 4] = [
    ("growth", "growth = \"normal(0.004, 0.002)\"", "growth = 1", "growth: growth = 1 is 100% a month;"),
    ("inflation", "inflation = \"normal(0.035, 0.01)\"", "inflation = 3", "inflation: inflation = 3 is 300% a year;"),
    ("discount_rate", "discount_rate = 0.08", "discount_rate = 9", "discount_rate: discount_rate = 9 is 900% a year;"),
    ("noise", "noise = 0.06", "noise = 5", "noise: noise = 5 is a month-to-month variation of 500%;"),
];

/// The canonical case in `dir` with the model's first `from` made `to`;
/// returns the scenario file.
fn slipped(dir: &Path, from: &str, to: &str) -> PathBuf {
    let (from, to) = (from.to_owned(), to.to_owned());
    copy_canonical(
        dir,
        move |model| {
            assert!(model.contains(&from), "models/acme.toml no longer has {from}");
            model.replacen(&from, &to, 1)
        },
        |scenario| scenario,
    )
}

/// The `warning:` (or `error:`) line of stderr that carries `needle`.
fn line_with<'a>(stderr: &'a str, prefix: &str, needle: &str) -> Option<&'a str> {
    stderr.lines().find(|l| l.starts_with(prefix) && l.contains(needle))
}

#[test]
fn each_slip_warns_naming_the_field_and_strict_refuses_it() {
    for (name, from, to, expected) in SLIPS {
        let dir = tempfile::tempdir().unwrap();
        let scenario = slipped(dir.path(), from, to);
        let model = dir.path().join("models/acme.toml");
        for file in [&model, &scenario] {
            let assert = costcast().arg("check").arg(file).assert().success();
            let err = stderr(&assert);
            let line = line_with(&err, "warning: ", expected)
                .unwrap_or_else(|| panic!("{name}: no warning \"{expected}\" for {}:\n{err}", file.display()));
            // Located: file:line:column before the field.
            let place = line.trim_start_matches("warning: ").split(": ").next().unwrap();
            assert!(place.contains("acme.toml:") && place.matches(':').count() == 2, "{line}");
            assert!(stdout(&assert).starts_with("ok: "), "{name}: check without --strict passes");

            let assert = costcast().args(["check", "--strict"]).arg(file).assert().code(1);
            let err = stderr(&assert);
            assert!(line_with(&err, "error: ", expected).is_some(), "{name}: --strict makes it an error:\n{err}");
            assert!(!err.contains("warning: "), "{name}: under --strict every warning is an error:\n{err}");
            assert!(stdout(&assert).is_empty(), "{name}: no ok line under --strict");
        }
    }
}

#[test]
fn strict_writes_nothing_on_any_command() {
    let dir = tempfile::tempdir().unwrap();
    let (_, from, to, expected) = SLIPS[2];
    let scenario = slipped(&dir.path().join("in"), from, to);
    let out = dir.path().join("out");
    let commands: [&[&str]; 4] = [
        &["run", "--strict", "-n", "500", "-o"],
        &["optimize", "--strict", "-n", "500", "-o"],
        &["run", "--strict", "-n", "500", "--shard", "1/2", "-o"],
        &["batch", "--strict", "-n", "500", "-o"],
    ];
    for args in commands {
        let (command, rest) = args.split_first().unwrap();
        let assert = costcast().arg(command).arg(&scenario).args(rest).arg(&out).assert().code(1);
        let err = stderr(&assert);
        assert!(line_with(&err, "error: ", expected).is_some(), "{args:?}:\n{err}");
        // A batch writes its summary of the files that failed; nothing else.
        if *command == "batch" {
            assert_eq!(entries(&out), ["batch_summary.csv", "index.html"], "{args:?}");
            std::fs::remove_dir_all(&out).unwrap();
        } else {
            assert!(!out.exists(), "{args:?} wrote {}", out.display());
        }
    }
    // Without --strict the same run writes its report.
    costcast().arg("run").arg(&scenario).args(["-n", "500", "--format", "csv", "-o"]).arg(&out).assert().success();
    assert!(out.join("run.json").is_file());
}

#[test]
fn merge_strict_refuses_parts_of_a_slipped_case() {
    let dir = tempfile::tempdir().unwrap();
    let (_, from, to, expected) = SLIPS[3];
    let scenario = slipped(&dir.path().join("in"), from, to);
    let parts: Vec<PathBuf> = (1..=2)
        .map(|k| {
            let part = dir.path().join(format!("{k}.part"));
            let shard = format!("{k}/2");
            costcast()
                .arg("run")
                .arg(&scenario)
                .args(["-n", "1500", "--shard", &shard, "-o"])
                .arg(&part)
                .assert()
                .success();
            part
        })
        .collect();
    let out = dir.path().join("merged");
    let assert =
        costcast().arg("merge").args(&parts).args(["--strict", "--format", "csv", "-o"]).arg(&out).assert().code(1);
    assert!(line_with(&stderr(&assert), "error: ", expected).is_some());
    assert!(!out.exists());
    costcast().arg("merge").args(&parts).args(["--format", "csv", "-o"]).arg(&out).assert().success();
}

#[test]
fn warnings_reach_run_json_and_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let (_, from, to, expected) = SLIPS[0];
    let scenario = slipped(&dir.path().join("in"), from, to);
    let out = dir.path().join("out");
    let assert = costcast()
        .arg("run")
        .arg(&scenario)
        .args(["-n", "1000", "--format", "html", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(line_with(&stderr(&assert), "warning: ", expected).is_some());

    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let warnings: Vec<&str> = record["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(warnings.iter().any(|w| w.contains(expected)), "{warnings:?}");
    // growth = 1 doubles the volume every month: the budget is far off too.
    assert!(warnings.iter().any(|w| w.contains("budget.FY2027: FY2027 is budgeted at $23.0M")), "{warnings:?}");

    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let check = page.find("<h2>Check these inputs</h2>").expect("the page has the box");
    assert!(check < page.find("<h2>The business case</h2>").unwrap(), "the box comes first");
    assert!(page.contains("growth = 1 is 100% a month;"), "the warning is on the page");
    assert!(page.contains("write 0.01 or &quot;1%&quot;"), "escaped");
    assert!(page.contains(&format!("<p>{} warnings about the input files", warnings.len())), "every warning listed");

    // A run without warnings has no box.
    let clean = dir.path().join("clean");
    costcast().args(["run", CANONICAL, "-n", "1000", "--format", "html", "-o"]).arg(&clean).assert().success();
    assert!(!std::fs::read_to_string(clean.join("report.html")).unwrap().contains("Check these inputs"));
}

#[test]
fn batch_counts_each_files_warnings_beside_its_rank() {
    let dir = tempfile::tempdir().unwrap();
    let (_, from, to, _) = SLIPS[0];
    let slipped = slipped(&dir.path().join("in"), from, to);
    let renamed = dir.path().join("in/scenarios/slipped.toml");
    std::fs::rename(&slipped, &renamed).unwrap();
    let out = dir.path().join("batch");
    costcast()
        .current_dir(root())
        .arg("batch")
        .arg(CANONICAL)
        .arg(&renamed)
        .args(["-n", "1000", "--format", "csv", "-o"])
        .arg(&out)
        .assert()
        .success();
    let summary = std::fs::read_to_string(out.join("batch_summary.csv")).unwrap();
    let mut lines = summary.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (file, warnings) = (
        header.iter().position(|h| *h == "scenario_file").unwrap(),
        header.iter().position(|h| *h == "warnings").unwrap(),
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 6, "three scenarios of each file:\n{summary}");
    // The slipped file's absurd growth ranks it first: it must say so.
    assert!(rows[0][file].ends_with("slipped.toml"), "{summary}");
    for row in &rows {
        let count: usize = row[warnings].parse().unwrap();
        if row[file].ends_with("slipped.toml") {
            assert!(count >= 2, "growth and budget warnings: {row:?}");
        } else {
            assert_eq!(count, 0, "{row:?}");
        }
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("<th>Input warnings</th>"), "{index}");
    assert!(index.contains("3 of these business cases come from files with input warnings"), "{index}");

    // Under --strict the slipped file is refused like a bad file.
    let strict = dir.path().join("strict");
    let assert = costcast()
        .current_dir(root())
        .args(["batch", "--strict"])
        .arg(CANONICAL)
        .arg(&renamed)
        .args(["-n", "1000", "--format", "csv", "-o"])
        .arg(&strict)
        .assert()
        .code(1);
    assert!(stdout(&assert).contains("1 of 2 scenario files ran, 1 failed"), "{}", stdout(&assert));
    assert!(line_with(&stderr(&assert), "error: ", "growth: growth = 1 is 100% a month").is_some());
    let summary = std::fs::read_to_string(strict.join("batch_summary.csv")).unwrap();
    let failed: Vec<&str> = summary.lines().filter(|l| l.contains(",failed,")).collect();
    assert_eq!(failed.len(), 1, "{summary}");
    assert!(failed[0].contains("slipped.toml") && failed[0].contains("acme.toml:"), "{summary}");
    assert!(!strict.join("slipped").exists());
}

/// Every shipped model and scenario file passes `check --strict` with not
/// a word on stderr: no plausibility rule (nor any other warning) fires on
/// the examples users copy.
#[test]
fn shipped_models_and_scenarios_raise_no_warning() {
    let mut files: Vec<PathBuf> = Vec::new();
    for folder in ["models", "scenarios"] {
        for name in entries(&root().join(folder)) {
            if name.ends_with(".toml") {
                files.push(root().join(folder).join(name));
            }
        }
    }
    assert!(files.len() >= 7, "{files:?}");
    let assert = costcast().args(["check", "--strict"]).args(&files).assert().success();
    assert_eq!(stderr(&assert), "");
    assert_eq!(stdout(&assert).lines().count(), files.len());
    for file in &files {
        let warnings = if costcast::validate::is_scenario_file(file) {
            costcast::validate::load_case(file).unwrap().warnings
        } else {
            costcast::validate::load_model(file).unwrap().warnings
        };
        assert!(warnings.is_empty(), "{}: {warnings:?}", file.display());
    }
}
