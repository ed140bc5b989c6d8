//! `costcast init`: the starter files it writes pass `check` without a
//! warning and run; it never overwrites without `--force` and writes both
//! files or neither; `--from-csv` builds the model from the user's channel
//! table and fits the initiatives to it; the commands it prints work.

use std::fs;
use std::path::Path;

use crate::util::{costcast, root, stderr, stdout};

const MODEL: &str = "models/starter.toml";
const SCENARIO: &str = "scenarios/starter-plan.toml";

/// `costcast check` on a scenario file: passes, and warns of nothing.
#[track_caller]
fn checks_clean(scenario: &Path) {
    let assert = costcast().arg("check").arg(scenario).assert();
    let (out, err) = (stdout(&assert), stderr(&assert));
    assert!(assert.get_output().status.success(), "check failed:\n{err}");
    assert!(out.starts_with("ok: "), "{out}");
    assert!(!err.contains("warning:"), "check warns:\n{err}");
}

/// The lines of `costcast init`'s output that are commands to run next.
fn printed_commands(out: &str) -> Vec<String> {
    out.lines().map(str::trim).filter(|l| l.starts_with("costcast ")).map(str::to_owned).collect()
}

#[test]
fn the_starter_checks_without_warnings_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new/plan");
    let assert = costcast().arg("init").arg(&target).assert().success();
    let scenario = target.join(SCENARIO);
    let shown = scenario.display().to_string();
    assert_eq!(
        printed_commands(&stdout(&assert)),
        [format!("costcast check {shown}"), format!("costcast run {shown}")]
    );
    assert_eq!(stderr(&assert), "");
    checks_clean(&scenario);
    let report = dir.path().join("report");
    let assert =
        costcast().arg("run").arg(&scenario).args(["-n", "2000", "--format", "csv", "-o"]).arg(&report).assert();
    assert!(assert.get_output().status.success(), "run failed:\n{}", stderr(&assert));
    let summary = fs::read_to_string(report.join("summary.csv")).unwrap();
    for scenario in ["Knowledge base only", "Knowledge base and chatbot"] {
        assert!(summary.contains(&format!("{scenario},npv,")), "{summary}");
    }
}

#[test]
fn the_optional_fields_shown_commented_out_check_clean_once_uncommented() {
    let dir = tempfile::tempdir().unwrap();
    costcast().arg("init").arg(dir.path()).assert().success();
    let model = dir.path().join(MODEL);
    let text = fs::read_to_string(&model).unwrap();
    let mut edited = text.clone();
    for field in ["fiscal_year_start", "budget"] {
        let commented = format!("\n# {field} = ");
        assert!(text.contains(&commented), "the starter shows {field} commented out");
        edited = edited.replace(&commented, &format!("\n{field} = "));
    }
    fs::write(&model, edited).unwrap();
    checks_clean(&dir.path().join(SCENARIO));
}

#[test]
fn it_refuses_to_overwrite_and_force_replaces() {
    let dir = tempfile::tempdir().unwrap();
    costcast().arg("init").arg(dir.path()).assert().success();
    let (model, scenario) = (dir.path().join(MODEL), dir.path().join(SCENARIO));
    let starter = fs::read_to_string(&model).unwrap();
    fs::write(&model, "# my own model\n").unwrap();
    fs::remove_file(&scenario).unwrap();

    let assert = costcast().arg("init").arg(dir.path()).assert().code(1);
    let err = stderr(&assert);
    assert!(err.starts_with(&format!("error: {}: exists already", model.display())), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(stdout(&assert), "");
    assert_eq!(fs::read_to_string(&model).unwrap(), "# my own model\n", "the file is unchanged");
    assert!(!scenario.exists(), "nothing is written, not even the missing file");

    costcast().arg("init").arg(dir.path()).arg("--force").assert().success();
    assert_eq!(fs::read_to_string(&model).unwrap(), starter);
    checks_clean(&scenario);

    let assert = costcast().arg("init").arg(&model).assert().code(1);
    assert!(stderr(&assert).contains("exists and is not a folder"), "{}", stderr(&assert));
}

#[test]
fn a_file_that_cannot_be_placed_leaves_the_other_unwritten() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the scenarios folder should be: the scenario file
    // cannot be written, so the model must not be left behind either.
    fs::write(dir.path().join("scenarios"), "not a folder").unwrap();
    let assert = costcast().arg("init").arg(dir.path()).assert().code(2);
    assert!(stderr(&assert).contains("scenarios"), "{}", stderr(&assert));
    assert_eq!(crate::util::entries(dir.path()), ["scenarios"], "no model, no models folder, no staging folder");
}

#[test]
fn from_the_shipped_contoso_table_the_model_keeps_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let assert = costcast()
        .current_dir(root())
        .args(["init", "--from-csv", "models/contoso-channels.csv"])
        .arg(dir.path())
        .assert()
        .success();
    // Phone and self_service leave their volume to Contoso's volume plan:
    // they get a stand-in, and the user is told where.
    let err = stderr(&assert);
    for row in [
        "contoso-channels.csv:2:1: channel \"phone\".volume",
        "contoso-channels.csv:6:1: channel \"self_service\".volume",
    ] {
        assert!(err.contains(&format!("warning: models/{row}: empty")), "{err}");
    }
    let model = fs::read_to_string(dir.path().join(MODEL)).unwrap();
    for line in [
        "cost_per_contact = \"pert(5.40, 6.60, 8.90)\"",
        "inflation = \"discrete(0.020: 0.25, 0.030: 0.50, 0.045: 0.25)\"",
        "fixed_monthly = 185_000",
        "volume = \"72_000 to 88_000\"",
        "fixed_monthly = \"lognormal(9.9, 0.12)\"",
        "seasonality = [1.06, 1.00, 0.99, 0.97, 0.96, 0.95, 0.98, 1.00, 1.07, 1.03, 1.00, 0.99]",
        "volume = 10_000",
        "# growth = 0 ",
    ] {
        assert!(model.contains(&format!("\n{line}")), "missing {line:?} in\n{model}");
    }
    // Chat is the busiest agent channel with a volume; self_service the
    // self-service channel.
    let plan = fs::read_to_string(dir.path().join(SCENARIO)).unwrap();
    assert!(plan.contains("{ deflect = \"chat\", to = \"self_service\","), "{plan}");
    assert!(plan.contains("{ avoid = [\"chat\", \"email\"],"), "{plan}");
    checks_clean(&dir.path().join(SCENARIO));
}

#[test]
fn from_a_table_without_self_service_nothing_is_deflected() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("channels.csv");
    fs::write(
        &csv,
        "id,volume,cost_per_contact,growth\n\
         phone,20000,\"pert(5, 6.5, 9)\",0.001\n\
         email,8_000,4.5,\n\
         back_office,3000,12,-0.002\n",
    )
    .unwrap();
    let target = dir.path().join("plan");
    let assert = costcast().args(["init", "--from-csv"]).arg(&csv).arg(&target).assert().success();
    assert_eq!(stderr(&assert), "");
    let plan = fs::read_to_string(target.join(SCENARIO)).unwrap();
    assert!(!plan.contains("\n  { deflect"), "{plan}");
    assert!(plan.contains("{ reduce_cost = [\"phone\", \"email\"],"), "{plan}");
    assert!(plan.contains("{ avoid = [\"phone\", \"email\"],"), "{plan}");
    assert!(plan.contains("name = \"Knowledge base and agent assist\""), "{plan}");
    let model = fs::read_to_string(target.join(MODEL)).unwrap();
    assert!(model.contains("\nvolume = 8_000 ") && model.contains("\n# inflation = 0 "), "{model}");
    checks_clean(&target.join(SCENARIO));
}

#[test]
fn from_a_table_whose_ids_clash_with_the_initiatives() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("channels.csv");
    fs::write(
        &csv,
        "id,volume,cost_per_contact\nvoice,30000,7\nwebchat,45000,4\nchatbot,90000,0.05\nmobile_app,60000,0.1\n",
    )
    .unwrap();
    costcast().args(["init", "--from-csv"]).arg(&csv).arg(dir.path()).assert().success();
    let plan = fs::read_to_string(dir.path().join(SCENARIO)).unwrap();
    // Web chat is served by agents; the first self-service channel in the
    // table takes the deflected contacts, and the chatbot initiative needs
    // another id than the chatbot channel.
    assert!(plan.contains("{ deflect = \"webchat\", to = \"chatbot\","), "{plan}");
    assert!(plan.contains("id = \"chatbot_initiative\""), "{plan}");
    checks_clean(&dir.path().join(SCENARIO));
}

#[test]
fn a_bad_table_is_refused_with_file_and_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("plan");
    for (csv_text, expected) in [
        (
            "id,volume,cost_per_contact\nphone,1000,6\nemail,800,\"pert(9, 8, 7)\"\n",
            "bad.csv:3:12: channel \"email\".cost_per_contact",
        ),
        ("id,volume,cost\nphone,1000,6\n", "bad.csv:1:11: column cost: unknown column"),
        ("id,volume,cost_per_contact\nphone,1000\n", "bad.csv:2:1: this row has 2 cells"),
        ("id,volume,cost_per_contact\nPhone,1000,6\n", "bad.csv:2:1: channel[0].id"),
        ("id,volume,cost_per_contact\nphone,1000,\n", "bad.csv:2:1: channel \"phone\".cost_per_contact: is required"),
        ("id,volume,cost_per_contact\n", "bad.csv:1:1: the table has no channel rows"),
    ] {
        let csv = dir.path().join("bad.csv");
        fs::write(&csv, csv_text).unwrap();
        let assert =
            costcast().current_dir(dir.path()).args(["init", "--from-csv", "bad.csv", "plan"]).assert().code(1);
        let err = stderr(&assert);
        assert!(err.starts_with(&format!("error: {expected}")), "{csv_text:?}: expected {expected:?}, got\n{err}");
        assert!(!target.exists(), "{csv_text:?}: nothing is written");
    }
    let assert = costcast().current_dir(dir.path()).args(["init", "--from-csv", "missing.csv"]).assert().code(1);
    assert!(stderr(&assert).contains("missing.csv: cannot read the file: no such file"), "{}", stderr(&assert));
    assert_eq!(crate::util::entries(dir.path()), ["bad.csv"]);
}

#[cfg(unix)]
#[test]
fn the_printed_commands_work_as_printed() {
    let bin = Path::new(crate::util::COSTCAST).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The current folder (the default), then a folder a shell would split.
    for args in [vec!["init"], vec!["init", "my plan"]] {
        let assert = costcast().current_dir(dir.path()).args(&args).assert().success();
        let commands = printed_commands(&stdout(&assert));
        assert_eq!(commands.len(), 2, "{}", stdout(&assert));
        for command in commands {
            let out = std::process::Command::new("sh")
                .args(["-c", &command])
                .current_dir(dir.path())
                .env("PATH", &path)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{command}: {err}");
            assert!(!err.contains("warning:"), "{command}: {err}");
        }
    }
    assert!(dir.path().join("reports/starter-plan/summary.csv").is_file());
}
