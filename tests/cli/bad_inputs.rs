//! The bad-input corpus: every invalid model, scenario, CSV or command line
//! must end with exit status 1, an `error:` line on stderr that names the
//! culprit (file, line:column where the input has lines, the field path and
//! what was expected), and write nothing: no report folder, no staging
//! folder, nothing beside the inputs (spec sections 2-4, 9 and 11).
//!
//! Fixtures live in `tests/fixtures/bad/<case>/`: a `model.toml`, a
//! `scenario.toml` that names it (`model = "model.toml"`) and CSV files where
//! the case needs them. Each case is the small valid pair in
//! `tests/fixtures/bad/valid/` (2 channels, 1 initiative, 6 months) with one
//! thing broken. Commands run inside the case's folder with relative paths,
//! so messages read `error: model.toml:11:10: channel "phone".growth: ...` and the
//! expected substrings below can name the exact location.
//!
//! For a case whose culprit is in the scenario file, the harness runs
//! `costcast run scenario.toml -n 200 -o <tmp>/out` and `costcast check
//! scenario.toml`; for one whose culprit is in the model, it also runs
//! `costcast check model.toml`. Every invocation must print every expected
//! substring.
//!
//! Tests marked `#[ignore = "..."]` assert the correct behaviour where the
//! binary does not (yet) meet it; the reason says what goes wrong.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::util::{costcast, entries, fixture};

/// Iterations for `run`: enough to be a real run, small enough to be quick
/// should a case wrongly pass validation.
const ITERATIONS: &str = "200";

/// Every file under `dir` with its bytes, paths relative to `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                into.insert(rel.join(""), Vec::new());
                walk(root, &path, into);
            } else {
                into.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// The `error:` lines of stderr.
fn error_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("error: ")).collect()
}

/// Run `cmd`, insist on exit status 1 and a well-formed failure, and return
/// stderr. `what` names the invocation in assertion messages.
fn fails(mut cmd: Command, what: &str) -> String {
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{what}: expected exit status 1 (invalid input)\n--- stdout\n{stdout}--- stderr\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{what}: the binary panicked\n{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{what}: the binary panicked\n{stderr}");
    assert!(!error_lines(&stderr).is_empty(), "{what}: no `error:` line on stderr\n{stderr}");
    assert!(!stdout.contains("wrote"), "{what}: claims to have written a report\n{stdout}");
    stderr
}

fn assert_mentions(stderr: &str, needles: &[&str], what: &str) {
    for needle in needles {
        assert!(stderr.contains(needle), "{what}: stderr lacks {needle:?}\n--- stderr\n{stderr}");
    }
}

/// Where the culprit of a corpus case is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Culprit {
    /// In `model.toml` or a CSV it names: `check model.toml` must see it too.
    Model,
    /// In `scenario.toml`.
    Scenario,
}

struct Case {
    fixture: &'static str,
    culprit: Culprit,
    needles: &'static [&'static str],
    /// When set, the exact number of `error:` lines of every invocation.
    errors: Option<usize>,
}

/// Run a corpus case through `run` and `check` (see the module docs);
/// returns each invocation's name and stderr.
fn bad_case(case: Case) -> Vec<(String, String)> {
    let dir = fixture("bad", case.fixture);
    assert!(dir.join("scenario.toml").is_file(), "fixture {} has no scenario.toml", case.fixture);
    let before = snapshot(&dir);
    let mut seen = Vec::new();
    let mut invocations: Vec<(String, Vec<String>)> = Vec::new();
    if case.culprit == Culprit::Model {
        invocations.push(("check model.toml".into(), vec!["check".into(), "model.toml".into()]));
    }
    invocations.push(("check scenario.toml".into(), vec!["check".into(), "scenario.toml".into()]));

    // `run`: exit 1, the culprit named, nothing written.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut cmd = costcast();
    cmd.current_dir(&dir).args(["run", "scenario.toml", "-n", ITERATIONS, "-o"]).arg(&out);
    let what = format!("{}: run scenario.toml", case.fixture);
    let stderr = fails(cmd, &what);
    assert_mentions(&stderr, case.needles, &what);
    if let Some(n) = case.errors {
        assert_eq!(error_lines(&stderr).len(), n, "{what}: expected {n} error lines\n{stderr}");
    }
    assert!(!out.exists(), "{what}: the output folder was created");
    assert_eq!(entries(tmp.path()), Vec::<String>::new(), "{what}: something was written beside the output folder");
    seen.push((what, stderr));

    // `check`: the same diagnostics.
    for (label, args) in invocations {
        let mut cmd = costcast();
        cmd.current_dir(&dir).args(&args);
        let what = format!("{}: {label}", case.fixture);
        let stderr = fails(cmd, &what);
        assert_mentions(&stderr, case.needles, &what);
        if let Some(n) = case.errors {
            assert_eq!(error_lines(&stderr).len(), n, "{what}: expected {n} error lines\n{stderr}");
        }
        seen.push((what, stderr));
    }
    assert!(before == snapshot(&dir), "{}: the fixture folder changed", case.fixture);
    seen
}

/// One `#[test]` per case, named after it:
/// `name: Culprit ["needle", ...];` runs fixture `name`;
/// `name: Culprit ("fixture") [...]` runs another fixture;
/// a trailing `errors = N` demands exactly N `error:` lines.
macro_rules! bad_cases {
    ($(
        $(#[$attr:meta])*
        $name:ident : $culprit:ident $(($fixture:literal))? [$($needle:expr),+ $(,)?] $(errors = $n:expr)?;
    )*) => {$(
        $(#[$attr])*
        #[test]
        fn $name() {
            let fixtures: &[&'static str] = &[stringify!($name) $(, $fixture)?];
            let errors: &[usize] = &[$($n)?];
            let _ = bad_case(Case {
                fixture: fixtures[fixtures.len() - 1],
                culprit: Culprit::$culprit,
                needles: &[$($needle),+],
                errors: errors.first().copied(),
            });
        }
    )*};
}

bad_cases! {
    // ---- TOML syntax and types -------------------------------------------
    model_toml_syntax: Model ["error: model.toml:1:21: invalid TOML", "expected `\"`"];
    toml_duplicate_key: Model ["error: model.toml:18:1: invalid TOML", "duplicate key"];
    scenario_toml_syntax: Scenario ["error: scenario.toml:3:14: invalid TOML", "expected `]`"];
    scenario_invalid_utf8: Scenario ["error: scenario.toml:7:12: the file is not valid UTF-8 text"];
    wrong_type_months_string: Model ["error: model.toml:4:10: ", "\"six\""];
    wrong_type_budget_array: Model ["error: model.toml:7:10: "];
    wrong_type_effects_table: Scenario ["error: scenario.toml:8:11: "];
    wrong_type_effect_string: Scenario ["error: scenario.toml:9:3: "];
    wrong_type_ramp_float: Scenario ["error: scenario.toml:6:8: ", "2.5"];
    wrong_type_start_toml_date: Model ["error: model.toml:3:9: "];
    noise_distribution: Model ["error: model.toml:12:9: ", "uniform(0.01, 0.05)"];

    // ---- unknown and missing fields ----------------------------------------
    unknown_field_volumee: Model ["error: model.toml:10:1: ", "unknown field `volumee`", "`volume`"];
    unknown_field_top_level: Model ["error: model.toml:5:1: ", "unknown field `fiscal_year_begin`", "`fiscal_year_start`"];
    unknown_field_initiative: Scenario ["error: scenario.toml:7:1: ", "unknown field `capx`", "`capex`"];
    missing_discount_rate: Model ["error: model.toml", "discount_rate", "missing"];
    missing_model_start: Model ["error: model.toml", "start", "missing"];
    missing_initiative_start: Scenario ["error: scenario.toml:3:1: ", "start", "missing"];
    missing_cost_per_contact: Model ["error: model.toml", "channel \"self_service\".cost_per_contact: is required but missing"];
    missing_volume: Model ["error: model.toml", "channel \"self_service\".volume: is required but missing"];
    missing_effect_share: Scenario ["error: scenario.toml", "initiative \"kb\".effects[0].share: is required but missing"];
    model_without_channels: Model ["error: model.toml", "channel: the model has no channels"];
    scenario_without_initiatives: Scenario ["error: scenario.toml", "initiative: the scenario file has no initiatives"];

    // ---- distribution expressions, one family at a time ---------------------
    dist_normal_negative_sd: Model [
        "error: model.toml:11:10: channel \"phone\".growth: invalid expression \"normal(0.004, -0.002)\"",
        "sd must be >= 0",
    ] errors = 1;
    dist_pert_min_above_mode: Model [
        "error: model.toml:13:20: channel \"phone\".cost_per_contact: invalid expression \"pert(9, 8, 12)\"",
        "mode must lie between min and max",
    ] errors = 1;
    dist_triangular_mode_above_max: Scenario [
        "error: scenario.toml:9:53: initiative \"kb\".effects[0].share: invalid expression \"triangular(0.02, 0.09, 0.07)\"",
        "mode must lie between min and max",
    ] errors = 1;
    dist_uniform_max_below_min: Scenario [
        "error: scenario.toml:8:8: initiative \"kb\".opex: invalid expression \"uniform(5_000, 3_000)\"",
        "max must be > min",
    ] errors = 1;
    dist_beta_a_zero: Scenario [
        "error: scenario.toml:7:11: initiative \"kb\".success: invalid expression \"beta(0, 2)\"",
        "must be at least 1e-6",
    ] errors = 1;
    dist_bernoulli_p_above_1: Scenario [
        "error: scenario.toml:7:11: initiative \"kb\".success: invalid expression \"bernoulli(1.5)\"",
        "p must lie in [0, 1]",
    ] errors = 1;
    dist_lognormal_negative_sigma: Model [
        "error: model.toml:17:10: channel \"self_service\".volume: invalid expression \"lognormal(8.3, -0.1)\"",
        "sigma must be >= 0",
    ] errors = 1;
    dist_low_to_high_reversed: Model [
        "error: model.toml:10:10: channel \"phone\".volume: invalid expression \"1_500 to 800\"",
        "high must be > low",
    ] errors = 1;
    dist_low_to_high_equal: Model [
        "error: model.toml:10:10: channel \"phone\".volume: invalid expression \"800 to 800\"",
        "high must be > low",
    ] errors = 1;
    dist_low_to_high_low_zero: Scenario [
        "error: scenario.toml:7:9: initiative \"kb\".capex: invalid expression \"0 to 5_000\"",
        "low must be > 0",
    ] errors = 1;
    dist_discrete_not_summing_to_1: Model [
        "error: model.toml:20:17: channel \"self_service\".fixed_monthly: invalid expression \"discrete(0: 0.5, 1_000: 0.4)\"",
        "sum to 1",
    ] errors = 1;
    dist_unknown_family: Model [
        "error: model.toml:11:10: channel \"phone\".growth: invalid expression \"gamma(2, 0.002)\"",
        "unknown distribution \"gamma\"",
    ] errors = 1;
    dist_wrong_arg_count: Model [
        "error: model.toml:13:20: channel \"phone\".cost_per_contact: invalid expression \"pert(6, 8)\"",
        "pert takes 3 arguments, got 2",
    ] errors = 1;
    dist_not_a_number: Model [
        "error: model.toml:6:17: discount_rate: invalid expression \"eight percent\"",
        "cannot read",
    ] errors = 1;
    dist_discount_rate_nan: Model ["error: model.toml:6:17: discount_rate: ", "not a finite number"] errors = 1;

    // ---- ids and references ---------------------------------------------------
    effect_unknown_channel: Scenario [
        "error: scenario.toml:9:15: initiative \"kb\".effects[0].deflect: unknown channel \"fone\"",
        "phone, self_service",
    ] errors = 1;
    effect_unknown_target_channel: Scenario [
        "error: scenario.toml:9:29: initiative \"kb\".effects[0].to: unknown channel \"selfservice\"",
    ] errors = 1;
    effect_deflect_to_itself: Scenario ["error: scenario.toml:9:29: initiative \"kb\".effects[0].to: ", "itself"] errors = 1;
    scenario_unknown_initiative: Scenario [
        "error: scenario.toml:14:22: scenario \"Quick wins\".initiatives: unknown initiative \"ivr\"",
    ] errors = 1;
    duplicate_channel_id: Model ["error: model.toml:16:6: channel \"phone\".id: duplicate channel id \"phone\""];
    duplicate_initiative_id: Scenario ["error: scenario.toml:13:6: initiative \"kb\".id: duplicate initiative id \"kb\""] errors = 1;
    duplicate_scenario_name: Scenario ["error: scenario.toml:17:8: scenario \"Knowledge\".name: duplicate scenario name \"Knowledge\""] errors = 1;
    scenario_lists_initiative_twice: Scenario [
        "error: scenario.toml:22:29: scenario \"Both\".initiatives: initiative \"kb\" is listed twice",
    ] errors = 1;
    scenario_named_baseline: Scenario ["error: scenario.toml:13:8: scenario \"Baseline\".name: ", "\"baseline\" is reserved"] errors = 1;
    scenario_empty_initiative_list: Scenario [
        "error: scenario.toml:14:15: scenario \"Nothing\".initiatives: a scenario needs at least one initiative",
    ] errors = 1;
    invalid_channel_id: Model ["error: model.toml:9:6: channel[0].id: \"Phone-1\" is not a valid id"];
    invalid_initiative_id: Scenario ["error: scenario.toml:4:6: initiative[0].id: \"knowledge base\" is not a valid id"] errors = 1;
    initiative_id_same_as_channel: Scenario ["error: scenario.toml:4:6: initiative \"phone\".id: \"phone\" is already a channel id"] errors = 1;
    model_path_missing: Scenario ["error: scenario.toml:1:9: model: ", "../models/tiny.toml", "no such file"] errors = 1;

    // ---- effects ----------------------------------------------------------------
    effect_two_kinds: Scenario ["error: scenario.toml:9:3: initiative \"kb\".effects[0]: ", "exactly one of"] errors = 1;
    effect_no_kind: Scenario ["error: scenario.toml:9:3: initiative \"kb\".effects[0]: ", "exactly one of"] errors = 1;
    effect_leak_on_avoid: Scenario [
        "error: scenario.toml:9:71: initiative \"kb\".effects[0].leak: leak applies only to deflect effects",
    ] errors = 1;
    effect_empty_avoid: Scenario ["error: scenario.toml:9:13: initiative \"kb\".effects[0].avoid: lists no channels"] errors = 1;
    effect_channel_listed_twice: Scenario [
        "error: scenario.toml:9:45: initiative \"kb\".effects[0].reduce_cost: channel \"phone\" is listed twice",
    ] errors = 1;

    // ---- channel fields -----------------------------------------------------------
    seasonality_11_entries: Model [
        "error: model.toml:20:15: channel \"self_service\".seasonality: expected 12 factors",
        "got 11",
    ] errors = 1;
    noise_negative: Model ["error: model.toml:12:9: channel \"phone\".noise: must be a constant coefficient of variation >= 0, got -0.05"] errors = 1;
    ramp_negative: Scenario ["error: scenario.toml:6:8: initiative \"kb\".ramp: ", "got -1"] errors = 1;

    // ---- correlations ---------------------------------------------------------------
    correlation_unknown_input: Model [
        "error: model.toml:22:28: correlation[0].between: unknown input \"phone.cost_per_contakt\"",
    ] errors = 1;
    correlation_model_names_initiative: Model [
        "error: model.toml:22:28: correlation[0].between: unknown input \"kb.effects[0].share\"",
    ] errors = 1;
    correlation_three_paths: Model ["error: model.toml:22:11: correlation[0].between: expected two input paths, got 3"] errors = 1;
    correlation_pair_twice: Scenario [
        "error: scenario.toml:17:11: correlation[1].between: this pair is already correlated at scenario.toml:13",
    ] errors = 1;
    correlation_rho_out_of_range: Model ["error: model.toml:23:7: correlation[0].rho: must lie in [-1, 1], got 1.5"] errors = 1;
    correlation_rho_one: Model [
        "error: model.toml:22:11: correlation[0].between: ",
        "not positive definite",
        "phone.growth, phone.cost_per_contact",
    ] errors = 1;
    correlation_rho_minus_one: Model [
        "error: model.toml:22:11: correlation[0].between: ",
        "not positive definite",
        "phone.growth, phone.cost_per_contact",
    ] errors = 1;
    correlation_three_not_positive_definite: Model [
        "error: model.toml:30:11: correlation[2].between: ",
        "phone.growth, phone.cost_per_contact, self_service.volume",
        "not positive definite",
    ] errors = 1;

    // ---- horizon, calendar and budgets ------------------------------------------------
    initiative_start_after_horizon: Scenario [
        "error: scenario.toml:5:9: initiative \"kb\".start: month 7 is outside the horizon",
        "1 to 6",
    ] errors = 1;
    initiative_start_zero: Scenario ["error: scenario.toml:5:9: initiative \"kb\".start: month 0 is outside the horizon"] errors = 1;
    initiative_start_month_before_horizon: Scenario [
        "error: scenario.toml:5:9: initiative \"kb\".start: ",
        "outside the horizon",
        "2027-01 to 2027-06",
    ] errors = 1;
    initiative_start_month_after_horizon: Scenario [
        "error: scenario.toml:5:9: initiative \"kb\".start: ",
        "outside the horizon",
        "2027-01 to 2027-06",
    ] errors = 1;
    initiative_start_not_a_month: Scenario ["error: scenario.toml:5:9: initiative \"kb\".start: \"April\" is not a month"] errors = 1;
    months_zero: Model ["error: model.toml:4:10: months: must be 1 to 600, got 0"];
    months_over_600: Model ["error: model.toml:4:10: months: must be 1 to 600, got 601"] errors = 1;
    model_start_month_13: Model ["error: model.toml:3:9: start: \"2027-13\" is not a month", "YYYY-MM"] errors = 1;
    fiscal_year_start_13: Model ["error: model.toml:5:21: fiscal_year_start: ", "1 to 12, got 13"] errors = 1;
    budget_key_outside_horizon: Model [
        "error: model.toml:7:29: budget.FY2028: FY2028 is not in the horizon",
        "FY2027",
    ] errors = 1;
    budget_key_not_a_year: Model ["error: model.toml:7:12: budget.next_year: expected a fiscal year such as FY2027"] errors = 1;
    budget_negative: Model ["error: model.toml:7:21: budget.FY2027: a budget must be a number >= 0"] errors = 1;
    budget_same_year_twice: Model ["error: model.toml:7:30: budget.2027: FY2027 has a budget already"] errors = 1;
    discount_rate_below_minus_one: Model ["error: model.toml:6:17: discount_rate: 15.87% of this distribution lies at or below -100%"] errors = 1;
    inflation_below_minus_one: Model ["error: model.toml:13:13: channel \"phone\".inflation: 31.25% of this distribution lies at or below -100%"] errors = 1;

    // ---- channels_csv -----------------------------------------------------------------
    channels_csv_wrong_cell_count: Model ["error: channels.csv:3:1: this row has 6 cells, the header has 8"];
    channels_csv_bad_cost_cell: Model [
        "error: channels.csv:2:41: ",
        "cost_per_contact: invalid expression \"pert(12, 8, 6)\"",
        "max must be > min",
    ] errors = 1;
    channels_csv_bad_noise_cell: Model ["error: channels.csv:3:24: channel \"self_service\".noise: must be a constant coefficient of variation >= 0, got \"high\""];
    channels_csv_short_seasonality: Model ["error: channels.csv:3:40: ", "seasonality: expected 12 factors", "got 11"] errors = 1;
    channels_csv_unknown_column: Model ["error: channels.csv:1:51: column fixed_montly: unknown column"];
    channels_csv_missing_file: Model ["error: model.toml:5:16: channels_csv: ", "no such file"];
    channels_csv_and_tables: Model ["error: model.toml:7:16: channels_csv: ", "not both"];

    // ---- volumes_csv --------------------------------------------------------------------
    volumes_csv_missing_month: Model ["error: volumes.csv", "channel \"phone\"", "missing: 2027-04"] errors = 1;
    volumes_csv_duplicate_row: Model ["error: volumes.csv:7:1: ", "duplicate row for channel \"phone\" in 2027-05"] errors = 1;
    volumes_csv_duplicate_row_numbered: Model [
        "error: volumes.csv:8:1: ",
        "duplicate row for channel \"phone\" in 2027-02",
    ] errors = 1;
    volumes_csv_unknown_channel: Model ["error: volumes.csv:8:9: column channel: unknown channel \"chat\""] errors = 1;
    volumes_csv_bad_volume: Model ["error: volumes.csv:4:15: column volume: \"-1020\" is not a volume"];
    volumes_csv_bad_month: Model ["error: volumes.csv:4:1: column month: \"March 2027\" is not a month"];
    volumes_csv_wrong_cell_count: Model ["error: volumes.csv:4:1: this row has 4 cells, the header has 3"] errors = 1;
    volumes_csv_empty: Model ["error: volumes.csv", "empty"] errors = 1;
    volumes_csv_missing_file: Model ["error: model.toml:7:15: volumes_csv: ", "no such file"] errors = 1;

    // ---- several problems at once: all are reported -------------------------------------
    several_errors: Model [
        "error: model.toml:11:10: channel \"phone\".growth: ",
        "error: model.toml:13:20: channel \"phone\".cost_per_contact: ",
        "error: model.toml:17:10: channel \"self_service\".volume: ",
    ] errors = 3;
    several_errors_both_files: Scenario [
        "error: model.toml:13:20: channel \"phone\".cost_per_contact: ",
        "error: scenario.toml:5:9: initiative \"kb\".start: month 9 is outside the horizon",
        "error: scenario.toml:9:53: initiative \"kb\".effects[0].share: ",
    ] errors = 3;

    // ---- companions: same fixtures, what the message should also do ---------------------
    wrong_type_months_string_names_field: Model ("wrong_type_months_string") ["error: model.toml:4:10: months: "];
    wrong_type_budget_array_names_field: Model ("wrong_type_budget_array") ["error: model.toml:7:10: budget: "];
    wrong_type_effects_table_names_field: Scenario ("wrong_type_effects_table") ["error: scenario.toml:8:11: initiative \"kb\".effects: "];
    wrong_type_effect_string_names_field: Scenario ("wrong_type_effect_string") ["error: scenario.toml:9:3: initiative \"kb\".effects[0]: "];
    wrong_type_ramp_float_names_field: Scenario ("wrong_type_ramp_float") ["error: scenario.toml:6:8: initiative \"kb\".ramp: "];
    wrong_type_start_toml_date_names_field: Model ("wrong_type_start_toml_date") ["error: model.toml:3:9: start: ", "YYYY-MM"];
    noise_distribution_names_field: Model ("noise_distribution") ["error: model.toml:12:9: channel \"phone\".noise: "];
    initiative_start_month_before_horizon_echoes_month: Scenario ("initiative_start_month_before_horizon") ["\"2026-12\""];
    initiative_start_month_after_horizon_echoes_month: Scenario ("initiative_start_month_after_horizon") ["\"2027-07\""];
    months_zero_has_no_follow_on_errors: Model ("months_zero") ["error: model.toml:4:10: months: "] errors = 1;
    channels_csv_wrong_cell_count_has_no_follow_on_errors: Model ("channels_csv_wrong_cell_count") ["error: channels.csv:3:1: "] errors = 1;
    channels_csv_bad_noise_cell_has_no_follow_on_errors: Model ("channels_csv_bad_noise_cell") ["error: channels.csv:3:24: "] errors = 1;
    channels_csv_unknown_column_has_no_follow_on_errors: Model ("channels_csv_unknown_column") ["error: channels.csv:1:51: "] errors = 1;
    channels_csv_missing_file_has_no_follow_on_errors: Model ("channels_csv_missing_file") ["error: model.toml:5:16: "] errors = 1;
    model_without_channels_has_no_follow_on_errors: Model ("model_without_channels") ["channel: the model has no channels"] errors = 1;
    volumes_csv_bad_volume_has_no_follow_on_errors: Model ("volumes_csv_bad_volume") ["error: volumes.csv:4:15: "] errors = 1;
    volumes_csv_bad_month_has_no_follow_on_errors: Model ("volumes_csv_bad_month") ["error: volumes.csv:4:1: "] errors = 1;
    // ---- Staffing (spec sections 10 and 11) --------------------------------
    staffing_service_level_one: Model [
        "error: model.toml:18:17: channel \"phone\".staffing.service_level: service_level = 1 is a share strictly between 0 and 1",
    ];
    staffing_occupancy_zero: Model [
        "error: model.toml:20:17: channel \"phone\".staffing.max_occupancy: max_occupancy = 0 is a share above 0 and at most 1",
    ];
    staffing_shrinkage_reaches_one: Model ["error: model.toml:21:13: channel \"phone\".staffing.shrinkage: 20.00% of this distribution", "every draw must be in [0, 1)"];
    staffing_aht_can_be_negative: Model ["error: model.toml:16:15: channel \"phone\".staffing.aht_seconds: 6.68% of this distribution", "every draw must be > 0 and at most 86400"];
    staffing_concurrency_below_one: Model ["error: model.toml:24:15: channel \"phone\".staffing.concurrency: must be >= 1, got 0.5"];
    staffing_patience_zero: Model ["error: model.toml:24:20: channel \"phone\".staffing.patience_seconds: must be > 0, got 0"] errors = 1;
    staffing_max_abandon_one: Model [
        "error: model.toml:25:15: channel \"phone\".staffing.max_abandon: max_abandon = 1 is a share strictly between 0 and 1",
    ] errors = 1;
    staffing_max_abandon_without_patience: Model [
        "error: model.toml:24:15: channel \"phone\".staffing.max_abandon: an abandonment cap needs the callers' patience",
    ] errors = 1;
    staffing_missing_aht: Model ["error: model.toml:15:1: channel \"phone\".staffing.aht_seconds: is required but missing"];
    staffing_unknown_field: Model ["error: model.toml:24:1: ", "unknown field `service_levle`"];
    staffing_zero_open_hours: Model ["error: model.toml:17:14: channel \"phone\".staffing.open_hours: must be > 0 and at most 744, got 0"];
    staffing_open_hours_a_year: Model ["error: model.toml:17:14: channel \"phone\".staffing.open_hours: must be > 0 and at most 744, got 4380"];
    // Only the range error: the traffic is not judged from a refused field.
    staffing_aht_in_milliseconds: Model ["error: model.toml:16:15: channel \"phone\".staffing.aht_seconds: 100.00% of this distribution", "at most 86400"] errors = 1;
    // The busiest month of the horizon: growth 0.4% a month compounds over it.
    staffing_traffic_tail: Model ["error: model.toml:9:6: channel \"phone\".staffing: one month in a thousand would carry about 1957876 Erlangs", "narrow the aht_seconds or open_hours distribution"];
    staffing_traffic_beyond_any_queue: Model ["error: model.toml:9:6: channel \"phone\".staffing: a typical month carries about 6801 Erlangs", "check the volume and the units"];
    staffing_negative_paid_hours: Model ["error: model.toml:22:22: channel \"phone\".staffing.paid_hours_per_fte: must be > 0, got -160"];
    staffing_bad_expression: Model ["error: model.toml:23:16: channel \"phone\".staffing.cost_per_fte: invalid expression", "max must be > min"];
    // ---- Headcount (spec section 13) ----------------------------------------
    staffing_headcount_attrition_one: Model [
        "error: model.toml:24:13: channel \"phone\".staffing.attrition: attrition = 1 is a share of at least 0 and below 1",
    ] errors = 1;
    staffing_headcount_training_negative: Model [
        "error: model.toml:24:19: channel \"phone\".staffing.training_months: must be a whole number of months >= 0, got -1",
    ] errors = 1;
    staffing_headcount_training_fraction: Model [
        "error: model.toml:24:19: channel \"phone\".staffing.training_months: must be a whole number of months",
    ] errors = 1;
    staffing_headcount_release_unknown: Model [
        "error: model.toml:24:11: channel \"phone\".staffing.release: unknown release \"gradual\"",
        "\"immediate\"",
        "\"attrition\"",
    ] errors = 1;
    staffing_headcount_severance_negative: Model [
        "error: model.toml:24:21: channel \"phone\".staffing.severance_per_fte: must be >= 0, got -5000",
    ] errors = 1;
}

/// The error line that names `field` in `file` carries a line within
/// `lines` (the table the field is missing from) and a column.
fn assert_located(case: Case, file: &str, field: &str, lines: std::ops::RangeInclusive<usize>) {
    for (what, stderr) in bad_case(case) {
        let line = error_lines(&stderr)
            .into_iter()
            .find(|l| l.contains(field))
            .unwrap_or_else(|| panic!("{what}: no error names {field}\n{stderr}"));
        let rest = line.strip_prefix("error: ").and_then(|l| l.strip_prefix(file)).and_then(|l| l.strip_prefix(':'));
        let numbers: Vec<Option<usize>> =
            rest.map(|r| r.splitn(3, ':').take(2).map(|n| n.parse().ok()).collect()).unwrap_or_default();
        match numbers.as_slice() {
            [Some(l), Some(_)] if lines.contains(l) => {}
            _ => panic!("{what}: expected {file}:LINE:COLUMN with LINE in {lines:?}, got {line:?}"),
        }
    }
}

#[test]
fn missing_cost_per_contact_is_located() {
    let case = Case { fixture: "missing_cost_per_contact", culprit: Culprit::Model, needles: &[], errors: None };
    assert_located(case, "model.toml", "channel \"self_service\".cost_per_contact", 15..=18);
}

#[test]
fn missing_volume_is_located() {
    let case = Case { fixture: "missing_volume", culprit: Culprit::Model, needles: &[], errors: None };
    assert_located(case, "model.toml", "channel \"self_service\".volume", 15..=18);
}

#[test]
fn missing_effect_share_is_located() {
    let case = Case { fixture: "missing_effect_share", culprit: Culprit::Scenario, needles: &[], errors: None };
    assert_located(case, "scenario.toml", "initiative \"kb\".effects[0].share", 8..=9);
}

// ---- the command line ---------------------------------------------------------------

/// `run` with a valid case but a bad command line: exit 1 and nothing written.
fn bad_command_line(args: &[&str], needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut cmd = costcast();
    cmd.current_dir(fixture("bad", "valid")).args(["run", "scenario.toml"]).args(args).arg("-o").arg(&out);
    let what = format!("run scenario.toml {}", args.join(" "));
    let stderr = fails(cmd, &what);
    assert_mentions(&stderr, needles, &what);
    assert_eq!(entries(tmp.path()), Vec::<String>::new(), "{what}: something was written");
}

#[test]
fn iterations_one() {
    bad_command_line(&["-n", "1"], &["-n: needs at least 2 iterations, got 1"]);
}

#[test]
fn iterations_zero() {
    bad_command_line(&["-n", "0"], &["-n: needs at least 2 iterations, got 0"]);
}

#[test]
fn iterations_not_a_number() {
    bad_command_line(&["-n", "many"], &["'many'", "--iterations"]);
}

#[test]
fn threads_not_a_number() {
    bad_command_line(&["-n", ITERATIONS, "--threads", "all"], &["'all'", "--threads"]);
}

#[test]
fn scenario_file_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixture("bad", "valid");
    let mut cmd = costcast();
    cmd.current_dir(&dir).args(["run", "no-such-scenario.toml", "-n", ITERATIONS, "-o"]).arg(tmp.path().join("out"));
    let stderr = fails(cmd, "run no-such-scenario.toml");
    assert_mentions(&stderr, &["error: no-such-scenario.toml: cannot read the file: no such file"], "run");
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
    let mut cmd = costcast();
    cmd.current_dir(&dir).args(["check", "no-such-scenario.toml"]);
    let stderr = fails(cmd, "check no-such-scenario.toml");
    assert_mentions(&stderr, &["error: no-such-scenario.toml: cannot read the file: no such file"], "check");
}

/// `run` given a model file instead of a scenario file.
#[test]
fn run_on_a_model_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = costcast();
    cmd.current_dir(fixture("bad", "valid"))
        .args(["run", "model.toml", "-n", ITERATIONS, "-o"])
        .arg(tmp.path().join("out"));
    let stderr = fails(cmd, "run model.toml");
    assert_mentions(&stderr, &["error: model.toml"], "run model.toml");
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
}

#[test]
fn run_on_a_model_file_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = costcast();
    cmd.current_dir(fixture("bad", "valid"))
        .args(["run", "model.toml", "-n", ITERATIONS, "-o"])
        .arg(tmp.path().join("out"));
    let stderr = fails(cmd, "run model.toml");
    assert!(stderr.contains("scenario file"), "should say that run needs a scenario file\n{stderr}");
    assert!(!stderr.contains("unknown field `channel`"), "should not blame the channels\n{stderr}");
}

/// An invalid case run without `-o` writes no `reports/` folder in the
/// working directory.
#[test]
fn default_output_folder_is_not_created() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = fixture("bad", "dist_normal_negative_sd").join("scenario.toml");
    let mut cmd = costcast();
    cmd.current_dir(tmp.path()).args(["run", "-n", ITERATIONS]).arg(&scenario);
    let stderr = fails(cmd, "run without -o");
    assert_mentions(&stderr, &["model.toml:11:10: channel \"phone\".growth: "], "run without -o");
    assert_eq!(entries(tmp.path()), Vec::<String>::new(), "run without -o wrote into the working directory");
}

// ---- the output folder ------------------------------------------------------------

/// Copy a fixture folder to `to`.
fn copy_fixture(case: &str, to: &Path) {
    let from = fixture("bad", case);
    for (rel, bytes) in snapshot(&from) {
        let path = to.join(&rel);
        if rel.as_os_str().to_string_lossy().ends_with('/') || from.join(&rel).is_dir() {
            fs::create_dir_all(&path).unwrap();
        } else {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, bytes).unwrap();
        }
    }
}

/// Copy `case` into `<tmp>/case`, run its scenario with `-o <tmp>/<output>`,
/// and check that it fails naming `-o` and leaves every file as it was.
fn refuses_output(case: &str, output: &str, needles: &[&str], prepare: impl FnOnce(&Path)) {
    let tmp = tempfile::tempdir().unwrap();
    copy_fixture(case, &tmp.path().join("case"));
    prepare(tmp.path());
    let before = snapshot(tmp.path());
    let mut cmd = costcast();
    cmd.current_dir(tmp.path())
        .args(["run", "case/scenario.toml", "-n", ITERATIONS, "-o"])
        .arg(tmp.path().join(output));
    let what = format!("run case/scenario.toml -o {output}");
    let stderr = fails(cmd, &what);
    assert_mentions(&stderr, &["-o: "], &what);
    assert_mentions(&stderr, needles, &what);
    let after = snapshot(tmp.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "{what}: files were added or removed"
    );
    assert!(before == after, "{what}: a file changed");
}

#[test]
fn output_folder_is_the_scenario_folder() {
    refuses_output("valid", "case", &["would contain the input file", "scenario.toml"], |_| {});
}

#[test]
fn output_folder_is_above_the_inputs() {
    refuses_output("valid", "", &["would contain the input file"], |_| {});
}

#[test]
fn output_folder_holds_a_csv_input() {
    refuses_output("valid_with_volumes", "case/data", &["would contain the input file", "volumes.csv"], |_| {});
}

#[test]
fn output_is_the_scenario_file() {
    refuses_output("valid", "case/scenario.toml", &["scenario.toml"], |_| {});
}

#[test]
fn output_folder_is_not_a_report() {
    refuses_output("valid", "keep", &["not a costcast report folder"], |tmp| {
        fs::create_dir(tmp.join("keep")).unwrap();
        fs::write(tmp.join("keep/notes.txt"), "budget notes, not a report\n").unwrap();
    });
}

#[test]
fn output_is_a_file() {
    refuses_output("valid", "notes.txt", &["not a folder"], |tmp| {
        fs::write(tmp.join("notes.txt"), "budget notes, not a report\n").unwrap();
    });
}

// ---- check lists everything --------------------------------------------------------

/// Three independent bad distributions in one file: `check` prints all three.
#[test]
fn check_lists_every_error_in_a_file() {
    let mut cmd = costcast();
    cmd.current_dir(fixture("bad", "several_errors")).args(["check", "model.toml"]);
    let stderr = fails(cmd, "check several_errors/model.toml");
    let errors = error_lines(&stderr);
    assert_eq!(errors.len(), 3, "expected three errors\n{stderr}");
    for (line, needle) in errors.iter().zip(["normal(0.004, -0.002)", "pert(9, 8, 12)", "5_000 to 3_000"]) {
        assert!(line.contains(needle), "errors out of file order or one missing: {line:?} lacks {needle:?}\n{stderr}");
    }
}

/// `check` on several files reports the problems of each and passes the good one.
#[test]
fn check_lists_the_errors_of_every_file() {
    let root = fixture("bad", "");
    let mut cmd = costcast();
    cmd.current_dir(&root).args([
        "check",
        "dist_normal_negative_sd/model.toml",
        "valid/model.toml",
        "dist_beta_a_zero/scenario.toml",
        "volumes_csv_duplicate_row/model.toml",
    ]);
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stdout.contains("ok: valid/model.toml"), "the good file is not passed\n{stdout}");
    let errors = error_lines(&stderr);
    assert_eq!(errors.len(), 3, "expected one error per bad file\n{stderr}");
    assert!(
        errors[0].starts_with("error: dist_normal_negative_sd/model.toml:11:10: channel \"phone\".growth: "),
        "{stderr}"
    );
    assert!(
        errors[1].starts_with("error: dist_beta_a_zero/scenario.toml:7:11: initiative \"kb\".success: "),
        "{stderr}"
    );
    assert!(errors[2].starts_with("error: volumes_csv_duplicate_row/volumes.csv:7:1: "), "{stderr}");
}

// ---- the corpus itself ----------------------------------------------------------------

/// The base the corpus is built from is valid, so each case fails for the
/// one reason it was written for.
#[test]
fn valid_fixtures_pass() {
    for case in ["valid", "valid_with_volumes"] {
        costcast().current_dir(fixture("bad", case)).args(["check", "model.toml", "scenario.toml"]).assert().success();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        costcast()
            .current_dir(fixture("bad", case))
            .args(["run", "scenario.toml", "-n", ITERATIONS, "-o"])
            .arg(&out)
            .assert()
            .success();
        assert!(out.join("run.json").is_file(), "{case}: no report written");
        assert_eq!(entries(tmp.path()), vec!["out".to_owned()], "{case}: a staging folder was left behind");
    }
}

/// Every fixture folder is used by a test (a case without a test is dead
/// weight), and every case has a scenario to run.
#[test]
fn every_fixture_has_a_test() {
    let source = include_str!("bad_inputs.rs");
    for name in entries(&fixture("bad", "")) {
        assert!(fixture("bad", &name).join("scenario.toml").is_file(), "fixture {name} has no scenario.toml");
        let as_case = format!("\n    {name}: ");
        let quoted = format!("\"{name}\"");
        assert!(source.contains(&as_case) || source.contains(&quoted), "fixture {name} is not used by any test");
    }
}
