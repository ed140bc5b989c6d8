//! Unit slips and percent literals (spec section 2): a share, probability,
//! leak or staffing share written in percent points (`share = 25`) is
//! refused with the fix in the message, exit status 1 and nothing written;
//! so is a distribution with more than 1% of its mass outside its domain.
//! Written as `"25%"` the same inputs run, with the numbers of `0.25`.
//!
//! Each case is the small valid pair of `tests/fixtures/bad/valid/` with one
//! edit, written into a temporary folder and run there with relative paths,
//! so messages read `error: scenario.toml:9:53: FIELD: MESSAGE`. The checks
//! name the file, the line and the message, not the field path.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use proptest::prelude::*;

use crate::util::{TABLES, costcast, entries, fixture, stderr};

/// The valid pair's effect, whose share and leak the cases edit.
const EFFECT: &str = "share = \"triangular(0.02, 0.04, 0.07)\", leak = 0.2";

/// A staffing table for the phone channel, its shares as placeholders.
const STAFFING: &str = "
[channel.staffing]
aht_seconds = \"pert(300, 360, 480)\"
open_hours = 300
service_level = SERVICE_LEVEL
answer_seconds = 20
max_occupancy = MAX_OCCUPANCY
shrinkage = SHRINKAGE
paid_hours_per_fte = 160
cost_per_fte = \"pert(4_800, 5_200, 6_000)\"
";

/// A model and a scenario file, as text.
#[derive(Clone)]
struct Pair {
    model: String,
    scenario: String,
}

impl Pair {
    /// The valid pair.
    fn valid() -> Pair {
        let read = |name: &str| fs::read_to_string(fixture("bad", "valid").join(name)).unwrap();
        Pair { model: read("model.toml"), scenario: read("scenario.toml") }
    }

    /// The valid pair with the effect's share and leak as given.
    fn effect(share: &str, leak: &str) -> Pair {
        Pair::valid().scenario_edit(EFFECT, &format!("share = {share}, leak = {leak}"))
    }

    /// The valid pair whose initiative has `success = ...`.
    fn success(success: &str) -> Pair {
        Pair::valid().scenario_edit("ramp = 2\n", &format!("ramp = 2\nsuccess = {success}\n"))
    }

    /// The valid pair whose phone channel is staffed with these shares.
    fn staffed(service_level: &str, max_occupancy: &str, shrinkage: &str) -> Pair {
        let table = STAFFING
            .replace("SERVICE_LEVEL", service_level)
            .replace("MAX_OCCUPANCY", max_occupancy)
            .replace("SHRINKAGE", shrinkage);
        let phone_cost = "cost_per_contact = \"pert(6, 8, 12)\"\n";
        Pair::valid().model_edit(phone_cost, &format!("{phone_cost}{table}"))
    }

    fn scenario_edit(mut self, from: &str, to: &str) -> Pair {
        assert!(self.scenario.contains(from), "the valid scenario no longer has {from:?}");
        self.scenario = self.scenario.replacen(from, to, 1);
        self
    }

    fn model_edit(mut self, from: &str, to: &str) -> Pair {
        assert!(self.model.contains(from), "the valid model no longer has {from:?}");
        self.model = self.model.replacen(from, to, 1);
        self
    }

    fn write(&self, dir: &Path) {
        fs::write(dir.join("model.toml"), &self.model).unwrap();
        fs::write(dir.join("scenario.toml"), &self.scenario).unwrap();
    }

    /// The 1-based line of `file` (`model.toml` or `scenario.toml`) that
    /// holds `text`.
    fn line_of(&self, file: &str, text: &str) -> usize {
        let body = if file == "model.toml" { &self.model } else { &self.scenario };
        body.lines().position(|l| l.contains(text)).unwrap_or_else(|| panic!("{file} has no line with {text:?}")) + 1
    }
}

/// `check` and `run` must refuse `pair` with exit status 1, write nothing,
/// and print an error at `file`, on the line holding `at`, that ends with
/// `message`.
fn refused(pair: &Pair, file: &str, at: &str, message: &str) {
    let line = pair.line_of(file, at);
    let tmp = tempfile::tempdir().unwrap();
    pair.write(tmp.path());
    let out = tmp.path().join("out");
    for args in
        [vec!["check", "scenario.toml"], vec!["run", "scenario.toml", "-n", "200", "--format", "csv", "-o", "out"]]
    {
        let assert = costcast().current_dir(tmp.path()).args(&args).assert().code(1);
        let err = stderr(&assert);
        let what = format!("costcast {}", args.join(" "));
        assert!(!err.contains("panicked"), "{what}: panicked\n{err}");
        let prefix = format!("error: {file}:{line}:");
        let found = err.lines().any(|l| l.starts_with(&prefix) && l.ends_with(&format!(": {message}")));
        assert!(found, "{what}: no line `{prefix}COLUMN: FIELD: {message}`\n--- stderr\n{err}");
        assert!(!err.contains("warning"), "{what}: a refused input also warns\n{err}");
    }
    assert!(!out.exists(), "the report folder was written");
    assert_eq!(entries(tmp.path()), ["model.toml", "scenario.toml"], "something was written beside the inputs");
}

/// Run `pair` (2,000 iterations, seed 7, CSV only): it must succeed
/// without a warning; returns the result tables.
fn tables(pair: &Pair) -> BTreeMap<&'static str, String> {
    let tmp = tempfile::tempdir().unwrap();
    pair.write(tmp.path());
    let args = ["run", "scenario.toml", "-n", "2000", "--seed", "7", "--format", "csv", "-o", "out"];
    let assert = costcast().current_dir(tmp.path()).args(args).assert();
    let err = stderr(&assert);
    let assert = assert.try_success().unwrap_or_else(|e| panic!("the run failed: {e}\n{err}"));
    assert!(!stderr(&assert).contains("warning"), "the run warned\n{err}");
    TABLES.iter().map(|t| (*t, fs::read_to_string(tmp.path().join("out").join(t)).unwrap())).collect()
}

/// The tables of two pairs are the same, byte for byte.
fn same_numbers(written: &Pair, plain: &Pair) {
    let (a, b) = (tables(written), tables(plain));
    for table in TABLES {
        assert!(a[table] == b[table], "{table} differs\n--- percent\n{}\n--- plain\n{}", a[table], b[table]);
    }
}

// ---- constants in percent points ----------------------------------------

#[test]
fn share_in_percent_points_is_refused() {
    let pair = Pair::effect("25", "0.2");
    refused(
        &pair,
        "scenario.toml",
        "share = 25",
        "share = 25 is a share between 0 and 1; for 25% write 0.25 or \"25%\"",
    );
}

#[test]
fn success_in_percent_points_is_refused() {
    let pair = Pair::success("70");
    let message = "success = 70 is a probability between 0 and 1; for 70% write 0.7 or \"70%\"";
    refused(&pair, "scenario.toml", "success = 70", message);
}

#[test]
fn leak_in_percent_points_is_refused() {
    let pair = Pair::effect("\"triangular(0.02, 0.04, 0.07)\"", "30");
    refused(&pair, "scenario.toml", "leak = 30", "leak = 30 is a share between 0 and 1; for 30% write 0.3 or \"30%\"");
}

#[test]
fn service_level_in_percent_points_is_refused() {
    let pair = Pair::staffed("80", "0.85", "0.3");
    let message = "service_level = 80 is a share strictly between 0 and 1; for 80% write 0.8 or \"80%\"";
    refused(&pair, "model.toml", "service_level = 80", message);
}

#[test]
fn max_occupancy_in_percent_points_is_refused() {
    let pair = Pair::staffed("0.8", "85", "0.3");
    let message = "max_occupancy = 85 is a share above 0 and at most 1; for 85% write 0.85 or \"85%\"";
    refused(&pair, "model.toml", "max_occupancy = 85", message);
}

#[test]
fn shrinkage_in_percent_points_is_refused() {
    let pair = Pair::staffed("0.8", "0.85", "35");
    let message = "shrinkage = 35 is a share of at least 0 and below 1; for 35% write 0.35 or \"35%\"";
    refused(&pair, "model.toml", "shrinkage = 35", message);
}

#[test]
fn a_share_beyond_percent_points_names_only_the_domain() {
    let pair = Pair::effect("250", "0.2");
    refused(&pair, "scenario.toml", "share = 250", "share = 250 is a share between 0 and 1");
    let pair = Pair::effect("-0.1", "0.2");
    refused(&pair, "scenario.toml", "share = -0.1", "share = -0.1 is a share between 0 and 1");
}

// ---- distributions -----------------------------------------------------

#[test]
fn a_distribution_in_percent_points_is_refused_with_its_rewrite() {
    let pair = Pair::effect("\"triangular(10, 25, 40)\"", "0.2");
    let message = "share = \"triangular(10, 25, 40)\" puts 100.0% of its mass outside [0, 1]; it is a share between 0 \
                   and 1 (at most 1% may lie outside, clamped to the edge); for percentages write \
                   \"triangular(10%, 25%, 40%)\" or divide by 100";
    refused(&pair, "scenario.toml", "triangular(10, 25, 40)", message);
}

#[test]
fn a_distribution_with_more_than_a_tail_outside_is_refused() {
    let pair = Pair::success("\"uniform(0.5, 1.5)\"");
    let message = "success = \"uniform(0.5, 1.5)\" puts 50.0% of its mass outside [0, 1]; it is a probability \
                   between 0 and 1 (at most 1% may lie outside, clamped to the edge)";
    refused(&pair, "scenario.toml", "uniform(0.5, 1.5)", message);
}

#[test]
fn a_thin_tail_is_clamped_silently() {
    // normal(0.2, 0.05) has about 3e-5 of its mass below 0.
    let r = tables(&Pair::effect("\"normal(0.2, 0.05)\"", "0.2"));
    assert!(r["summary.csv"].contains(",npv,"), "{}", r["summary.csv"]);
}

// ---- percents where they make no sense ------------------------------------

#[test]
fn a_percent_is_refused_where_no_share_or_rate_is() {
    let pair = Pair::valid().model_edit("volume = 1000", "volume = \"25%\"");
    refused(
        &pair,
        "model.toml",
        "volume = \"25%\"",
        "volume = \"25%\": a volume is a count of contacts, not a percentage",
    );
    let pair = Pair::valid().scenario_edit("capex = 1000", "capex = \"uniform(1%, 2%)\"");
    let message = "capex = \"uniform(1%, 2%)\": capex is an amount of money, not a percentage";
    refused(&pair, "scenario.toml", "capex =", message);
    let pair = Pair::staffed("0.8", "0.85", "0.3").model_edit("open_hours = 300", "open_hours = \"30%\"");
    let message = "open_hours = \"30%\": open hours are the hours staffed in a month, not a percentage";
    refused(&pair, "model.toml", "open_hours =", message);
}

#[test]
fn a_negative_amount_is_refused() {
    let pair = Pair::valid().scenario_edit("capex = 1000", "capex = -1000");
    refused(
        &pair,
        "scenario.toml",
        "capex =",
        "capex = -1000 is negative; capex is an amount of money and cannot be below 0",
    );
}

// ---- percent literals give the numbers of decimals --------------------------

#[test]
fn percent_constants_give_the_numbers_of_decimals() {
    let percent = Pair::effect("\"25%\"", "\"30%\"").scenario_edit("ramp = 2\n", "ramp = 2\nsuccess = \"70%\"\n");
    let plain = Pair::effect("0.25", "0.3").scenario_edit("ramp = 2\n", "ramp = 2\nsuccess = 0.7\n");
    same_numbers(&percent, &plain);
}

#[test]
fn percents_everywhere_give_the_numbers_of_decimals() {
    let percent = Pair::staffed("\"80%\"", "\"85%\"", "\"uniform(30%, 38%)\"")
        .model_edit("discount_rate = 0.08", "discount_rate = \"8%\"")
        .model_edit("growth = \"normal(0.004, 0.002)\"", "growth = \"normal(0.4%, 0.2%)\"\ninflation = \"3.5%\"")
        .model_edit("noise = 0.05", "noise = \"5%\"")
        .scenario_edit(EFFECT, "share = \"triangular(10%, 25%, 40%)\", leak = \"2% to 8%\"");
    let plain = Pair::staffed("0.8", "0.85", "\"uniform(0.30, 0.38)\"")
        .model_edit("growth = \"normal(0.004, 0.002)\"", "growth = \"normal(0.004, 0.002)\"\ninflation = 0.035")
        .scenario_edit(EFFECT, "share = \"triangular(0.10, 0.25, 0.40)\", leak = \"0.02 to 0.08\"");
    same_numbers(&percent, &plain);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any constant share, leak or success in (1, 100] is refused with the
    /// percent hint, whether a whole number or not.
    #[test]
    fn any_share_in_percent_points_is_refused_with_the_hint(
        whole in 2u32..=100,
        fraction in prop_oneof![Just(0.0f64), 1e-9f64..1.0],
        field in 0usize..3,
    ) {
        let x = (f64::from(whole) - fraction).max(1.0 + 1e-9);
        let written = format!("{x}");
        let (pair, name, noun) = match field {
            0 => (Pair::effect(&written, "0.2"), "share", "a share"),
            1 => (Pair::effect("0.1", &written), "leak", "a share"),
            _ => (Pair::success(&written), "success", "a probability"),
        };
        let tmp = tempfile::tempdir().unwrap();
        pair.write(tmp.path());
        let err = costcast::validate::load_case(&tmp.path().join("scenario.toml")).expect_err("refused");
        let lines: Vec<String> = err.diagnostics.iter().map(ToString::to_string).collect();
        prop_assert_eq!(lines.len(), 1, "{:?}", lines);
        let share = costcast::dist::parse(&format!("{written}%")).unwrap().constant_value().unwrap();
        prop_assert!((share * 100.0 - x).abs() <= 1e-12 * x, "{} % is {}", x, share);
        let message = format!("{name} = {written} is {noun} between 0 and 1; for {written}% write {share} or \"{written}%\"");
        let located = format!("{}:", tmp.path().join("scenario.toml").display());
        prop_assert!(lines[0].starts_with(&located), "{} is not at {}", lines[0], located);
        prop_assert!(lines[0].ends_with(&message), "{} lacks {}", lines[0], message);
    }
}
