//! The corpus of slips: what a finance partner gets wrong writing a first
//! model from the README alone, each with the exit status and the exact
//! first line costcast answers with.
//!
//! Every slip starts from the small valid pair in
//! `tests/fixtures/bad/valid/` (two channels, one initiative, six months),
//! changes it by plain text edits (each edit must find its text), and runs
//! the command in that folder. Exit status 1 must leave nothing behind;
//! `also` lists further lines the answer must hold (every problem listed
//! at once). The first line is compared exactly: the wording is part of
//! what the user reads.

use std::fs;

use crate::util::{costcast, entries, fixture};

/// One slip and the answer it must get.
struct Slip {
    name: &'static str,
    /// `(file, text, replacement)`, applied in order, each once.
    edits: &'static [(&'static str, &'static str, &'static str)],
    /// The command, run in the case's folder; `OUT` is a report folder
    /// inside a fresh temporary one.
    args: &'static [&'static str],
    status: i32,
    /// The first line of stderr (of stdout when stderr is empty).
    first: &'static str,
    /// Lines that must be there too.
    also: &'static [&'static str],
}

/// Set up a slip's folder and run it; returns (status, stdout, stderr,
/// whether the report folder was written, what else appeared beside it).
fn run(slip: &Slip) -> (Option<i32>, String, String, bool, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    fs::create_dir(&case).unwrap();
    let valid = fixture("bad", "valid");
    for name in ["model.toml", "scenario.toml"] {
        fs::copy(valid.join(name), case.join(name)).unwrap();
    }
    for (file, text, replacement) in slip.edits {
        let path = case.join(file);
        let before = fs::read_to_string(&path).unwrap_or_default();
        assert!(before.contains(text), "{}: {file} has no {text:?} to edit", slip.name);
        fs::write(&path, before.replacen(text, replacement, 1)).unwrap();
    }
    let out_parent = dir.path().join("out");
    fs::create_dir(&out_parent).unwrap();
    let out = out_parent.join("report");
    let args: Vec<String> =
        slip.args.iter().map(|a| if *a == "OUT" { out.display().to_string() } else { (*a).to_owned() }).collect();
    let output = costcast().current_dir(&case).args(&args).output().unwrap();
    let written = out.exists();
    let beside = entries(&out_parent).into_iter().filter(|e| e != "report").collect();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        written,
        beside,
    )
}

fn check(slip: &Slip) -> Vec<String> {
    let (status, stdout, stderr, written, beside) = run(slip);
    let mut wrong = Vec::new();
    let answer = if stderr.trim().is_empty() { &stdout } else { &stderr };
    let first = answer.lines().next().unwrap_or("");
    if status != Some(slip.status) {
        wrong.push(format!("exit status {status:?}, expected {}", slip.status));
    }
    if first != slip.first {
        wrong.push(format!("first line\n     got: {first}\n    want: {}", slip.first));
    }
    for line in slip.also {
        if !answer.lines().any(|l| l == *line) {
            wrong.push(format!("no line {line:?}"));
        }
    }
    if stderr.contains("panicked") {
        wrong.push("panicked".into());
    }
    if slip.status == 1 && (written || !beside.is_empty()) {
        wrong.push(format!("wrote something: report {written}, beside it {beside:?}"));
    }
    if slip.status == 1 && stdout.contains("wrote") {
        wrong.push("claims to have written a report".into());
    }
    wrong.into_iter().map(|w| format!("{}: {w}", slip.name)).collect()
}

/// Every slip of the corpus gets its answer; all mismatches are listed
/// together, so one run shows every wording that changed.
#[test]
fn every_slip_gets_its_answer() {
    assert!(SLIPS.len() >= 40, "the corpus has {} slips", SLIPS.len());
    let mut names: Vec<&str> = SLIPS.iter().map(|s| s.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), SLIPS.len(), "two slips share a name");
    let wrong: Vec<String> = SLIPS.iter().flat_map(check).collect();
    assert!(wrong.is_empty(), "{} of {} slips answered otherwise:\n{}", wrong.len(), SLIPS.len(), wrong.join("\n"));
}

const SLIPS: &[Slip] = &[
    Slip {
        name: "unknown_field_typo_in_channel",
        edits: &[("model.toml", "volume = 1000", "volumee = 1000")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: model.toml:10:1: channel \"phone\".volumee: unknown field `volumee` (did you mean `volume`?); the fields here are `id`, `volume`, `growth`, `noise`, `cost_per_contact`, `inflation`, `fixed_monthly`, `seasonality`, `staffing`",
        also: &[],
    },
    Slip {
        name: "unknown_top_level_field",
        edits: &[("model.toml", "fiscal_year_start = 1", "fiscal_year_begin = 1")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:5:1: fiscal_year_begin: unknown field `fiscal_year_begin` (did you mean `fiscal_year_start`?); the fields here are `name`, `currency`, `start`, `months`, `fiscal_year_start`, `discount_rate`, `budget`, `channel`, `channels_csv`, `volumes_csv`, `history_csv`, `correlation`",
        also: &[],
    },
    Slip {
        name: "unknown_initiative_field",
        edits: &[("scenario.toml", "capex = 1000", "capx = 1000")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:7:1: initiative \"kb\".capx: unknown field `capx` (did you mean `capex`?); the fields here are `id`, `name`, `start`, `ramp`, `success`, `capex`, `opex`, `effects`, `depreciation_years`",
        also: &[],
    },
    Slip {
        name: "unknown_field_far_from_any",
        edits: &[(
            "model.toml",
            "noise = 0.05\ncost_per_contact = \"pert",
            "colour = \"blue\"\nnoise = 0.05\ncost_per_contact = \"pert",
        )],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:12:1: channel \"phone\".colour: unknown field `colour`; the fields here are `id`, `volume`, `growth`, `noise`, `cost_per_contact`, `inflation`, `fixed_monthly`, `seasonality`, `staffing`",
        also: &[],
    },
    Slip {
        name: "missing_discount_rate",
        edits: &[("model.toml", "discount_rate = 0.08\n", "")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:1:1: discount_rate: is required but missing; the annual rate future savings are discounted at, e.g. discount_rate = 0.08",
        also: &[],
    },
    Slip {
        name: "missing_start",
        edits: &[("model.toml", "start = \"2027-01\"\n", "")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:1:1: start: is required but missing; the first month, e.g. start = \"2027-01\"",
        also: &[],
    },
    Slip {
        name: "missing_months",
        edits: &[("model.toml", "months = 6\n", "")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:1:1: months: is required but missing; the horizon in months, e.g. months = 36",
        also: &[],
    },
    Slip {
        name: "missing_model_in_scenario",
        edits: &[("scenario.toml", "model = \"model.toml\"\n", "")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:1:1: model: is required but missing; the model file this scenario file is for, e.g. model = \"../models/acme.toml\"",
        also: &[],
    },
    Slip {
        name: "missing_channel_id",
        edits: &[("model.toml", "id = \"self_service\"\n", "")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:15:1: channel[1].id: is required but missing",
        also: &[],
    },
    Slip {
        name: "missing_initiative_id",
        edits: &[("scenario.toml", "id = \"kb\"\n", "")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:3:1: initiative[0].id: is required but missing",
        also: &[],
    },
    Slip {
        name: "ramp_in_words",
        edits: &[("scenario.toml", "ramp = 2", "ramp = \"6 months\"")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:6:8: initiative \"kb\".ramp: found the text \"6 months\", expected a whole number; write the number alone: ramp = 6",
        also: &[],
    },
    Slip {
        name: "months_as_text",
        edits: &[("model.toml", "months = 6", "months = \"six\"")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:4:10: months: found the text \"six\", expected a whole number",
        also: &[],
    },
    Slip {
        name: "start_in_words_invents_nothing",
        edits: &[
            ("model.toml", "start = \"2027-01\"", "start = \"April 2027\""),
            ("model.toml", "fiscal_year_start = 1", "fiscal_year_start = 1\nbudget = { FY2028 = 20_000 }"),
        ],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: model.toml:3:9: start: \"April 2027\" is not a month; expected \"YYYY-MM\", e.g. \"2027-04\"",
        also: &[],
    },
    Slip {
        name: "start_as_toml_date",
        edits: &[("model.toml", "start = \"2027-01\"", "start = 2027-01-01")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:3:9: start: found a TOML date; write a month as text: \"YYYY-MM\"",
        also: &[],
    },
    Slip {
        name: "channel_id_typo_in_effect",
        edits: &[("scenario.toml", "deflect = \"phone\"", "deflect = \"fone\"")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:9:15: initiative \"kb\".effects[0].deflect: unknown channel \"fone\" (did you mean \"phone\"?); the model has phone, self_service",
        also: &[],
    },
    Slip {
        name: "channel_id_typo_in_target",
        edits: &[("scenario.toml", "to = \"self_service\"", "to = \"selfservice\"")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:9:29: initiative \"kb\".effects[0].to: unknown channel \"selfservice\" (did you mean \"self_service\"?); the model has phone, self_service",
        also: &[],
    },
    Slip {
        name: "initiative_typo_in_scenario",
        edits: &[(
            "scenario.toml",
            "leak = 0.2 },\n]",
            "leak = 0.2 },\n]\n\n[[scenario]]\nname = \"All\"\ninitiatives = [\"kbb\"]",
        )],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:14:16: scenario \"All\".initiatives: unknown initiative \"kbb\" (did you mean \"kb\"?); the file has kb",
        also: &[],
    },
    Slip {
        name: "input_typo_in_correlation",
        edits: &[(
            "scenario.toml",
            "leak = 0.2 },\n]",
            "leak = 0.2 },\n]\n\n[[correlation]]\nbetween = [\"phone.grwth\", \"kb.effects[0].share\"]\nrho = 0.3",
        )],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:13:12: correlation[0].between: unknown input \"phone.grwth\" (did you mean \"phone.growth\"?); expected CHANNEL.FIELD (e.g. phone.growth), INITIATIVE.capex/opex/success or INITIATIVE.effects[K].share/leak",
        also: &[],
    },
    Slip {
        name: "model_and_scenario_errors_both_listed",
        edits: &[
            ("model.toml", "volume = 1000", "volume = \"lots\""),
            ("scenario.toml", "capex = 1000", "capex = \"pert(3, 2, 1)\""),
        ],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: model.toml:10:10: channel \"phone\".volume: invalid expression \"lots\": cannot read \"lots\"; expected a number, \"low to high\", normal(mean, sd), lognormal(mu, sigma), uniform(min, max), triangular(min, mode, max), pert(min, mode, max), beta(a, b), bernoulli(p) or discrete(v1: p1, v2: p2, ...)",
        also: &[
            "error: scenario.toml:7:9: initiative \"kb\".capex: invalid expression \"pert(3, 2, 1)\": pert: max must be > min, got min 3, max 1",
        ],
    },
    Slip {
        name: "model_errors_once_when_named_twice",
        edits: &[("model.toml", "volume = 1000", "volume = \"lots\"")],
        args: &["check", "model.toml", "scenario.toml"],
        status: 1,
        first: "error: model.toml:10:10: channel \"phone\".volume: invalid expression \"lots\": cannot read \"lots\"; expected a number, \"low to high\", normal(mean, sd), lognormal(mu, sigma), uniform(min, max), triangular(min, mode, max), pert(min, mode, max), beta(a, b), bernoulli(p) or discrete(v1: p1, v2: p2, ...)",
        also: &[],
    },
    Slip {
        name: "scenario_checked_when_model_is_not_toml",
        edits: &[
            ("model.toml", "months = 6", "months = = 6"),
            ("scenario.toml", "capex = 1000", "capex = \"pert(3, 2, 1)\""),
        ],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: model.toml:4:10: invalid TOML: extra `=`, expected nothing",
        also: &[
            "error: scenario.toml:7:9: initiative \"kb\".capex: invalid expression \"pert(3, 2, 1)\": pert: max must be > min, got min 3, max 1",
        ],
    },
    Slip {
        name: "effect_field_typo",
        edits: &[("scenario.toml", "leak = 0.2", "leek = 0.2")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:9:85: initiative \"kb\".effects[0].leek: unknown field `leek` (did you mean `leak`?); the fields here are `deflect`, `to`, `avoid`, `reduce_cost`, `share`, `leak`",
        also: &[],
    },
    Slip {
        name: "staffing_field_typo",
        edits: &[(
            "model.toml",
            "cost_per_contact = 0.1",
            "cost_per_contact = 0.1\n\n[channel.staffing]\naht_second = 300\nopen_hours = 360\nservice_level = 0.8\nanswer_seconds = 20\npaid_hours_per_fte = 160\ncost_per_fte = 6000",
        )],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:22:1: channel \"self_service\".staffing.aht_second: unknown field `aht_second` (did you mean `aht_seconds`?); the fields here are `aht_seconds`, `open_hours`, `profile_csv`, `interval_minutes`, `service_level`, `answer_seconds`, `max_occupancy`, `shrinkage`, `paid_hours_per_fte`, `cost_per_fte`, `concurrency`, `patience_seconds`, `max_abandon`, `attrition`, `training_months`, `release`, `severance_per_fte`",
        also: &[],
    },
    Slip {
        name: "budget_amount_as_text",
        edits: &[("model.toml", "fiscal_year_start = 1", "fiscal_year_start = 1\nbudget = { FY2027 = \"20k\" }")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:6:21: budget.FY2027: found the text \"20k\", expected a number (a constant here, not a distribution)",
        also: &[],
    },
    Slip {
        name: "budget_outside_horizon",
        edits: &[("model.toml", "fiscal_year_start = 1", "fiscal_year_start = 1\nbudget = { FY2030 = 20_000 }")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:6:12: budget.FY2030: FY2030 is not in the horizon; the horizon covers FY2027",
        also: &[],
    },
    Slip {
        name: "seasonality_eleven",
        edits: &[("model.toml", "volume = 4000", "volume = 4000\nseasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:18:15: channel \"self_service\".seasonality: expected 12 factors, January to December, got 11",
        also: &[],
    },
    Slip {
        name: "negative_volume",
        edits: &[("model.toml", "volume = 4000", "volume = -4000")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:17:10: channel \"self_service\".volume: volume = -4000 is negative; a volume is a count of contacts and cannot be below 0",
        also: &[],
    },
    Slip {
        name: "pert_mode_outside",
        edits: &[("model.toml", "\"pert(6, 8, 12)\"", "\"pert(6, 13, 12)\"")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:13:20: channel \"phone\".cost_per_contact: invalid expression \"pert(6, 13, 12)\": pert: mode must lie between min and max, got min 6, mode 13, max 12",
        also: &[],
    },
    Slip {
        name: "scenario_named_baseline",
        edits: &[(
            "scenario.toml",
            "leak = 0.2 },\n]",
            "leak = 0.2 },\n]\n\n[[scenario]]\nname = \"baseline\"\ninitiatives = [\"kb\"]",
        )],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:13:8: scenario \"baseline\".name: \"baseline\" is reserved for the operation without initiatives",
        also: &[],
    },
    Slip {
        name: "duplicate_channel",
        edits: &[("model.toml", "id = \"self_service\"", "id = \"phone\"")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:16:6: channel \"phone\".id: duplicate channel id \"phone\"",
        also: &[],
    },
    Slip {
        name: "initiative_named_like_channel",
        edits: &[("scenario.toml", "id = \"kb\"", "id = \"phone\"")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:4:6: initiative \"phone\".id: \"phone\" is already a channel id; input paths such as phone.capex would be ambiguous",
        also: &[],
    },
    Slip {
        name: "start_after_horizon",
        edits: &[("scenario.toml", "start = 2", "start = \"2027-09\"")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:5:9: initiative \"kb\".start: \"2027-09\" is outside the horizon: expected 1 to 6 (2027-01 to 2027-06)",
        also: &[],
    },
    Slip {
        name: "run_refuses_model_file",
        edits: &[],
        args: &["run", "model.toml", "-n", "200", "-o", "OUT"],
        status: 1,
        first: "error: model.toml:1:1: this is not a scenario file (it names no model); `costcast run` needs a scenario file with model = \"...\" and its initiatives",
        also: &[],
    },
    Slip {
        name: "share_as_whole_percent",
        edits: &[("scenario.toml", "share = \"triangular(0.02, 0.04, 0.07)\"", "share = 25")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:9:53: initiative \"kb\".effects[0].share: share = 25 is a share between 0 and 1; for 25% write 0.25 or \"25%\"",
        also: &[],
    },
    Slip {
        name: "success_as_whole_percent",
        edits: &[("scenario.toml", "capex = 1000", "capex = 1000\nsuccess = 70")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:8:11: initiative \"kb\".success: success = 70 is a probability between 0 and 1; for 70% write 0.7 or \"70%\"",
        also: &[],
    },
    Slip {
        name: "leak_as_whole_percent",
        edits: &[("scenario.toml", "leak = 0.2", "leak = 30")],
        args: &["run", "scenario.toml", "-n", "200", "-o", "OUT"],
        status: 1,
        first: "error: scenario.toml:9:92: initiative \"kb\".effects[0].leak: leak = 30 is a share between 0 and 1; for 30% write 0.3 or \"30%\"",
        also: &[],
    },
    Slip {
        name: "share_distribution_in_percent_points",
        edits: &[("scenario.toml", "\"triangular(0.02, 0.04, 0.07)\"", "\"triangular(2, 4, 7)\"")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:9:53: initiative \"kb\".effects[0].share: share = \"triangular(2, 4, 7)\" puts 100.0% of its mass outside [0, 1]; it is a share between 0 and 1 (at most 1% may lie outside, clamped to the edge); for percentages write \"triangular(2%, 4%, 7%)\" or divide by 100",
        also: &[],
    },
    Slip {
        name: "share_as_percent_literal_runs",
        edits: &[("scenario.toml", "share = \"triangular(0.02, 0.04, 0.07)\"", "share = \"4%\"")],
        args: &["check", "scenario.toml"],
        status: 0,
        first: "ok: scenario.toml: 1 initiatives, 1 scenarios on model \"Tiny Support\"",
        also: &[],
    },
    Slip {
        name: "percent_inside_a_distribution_runs",
        edits: &[("scenario.toml", "\"triangular(0.02, 0.04, 0.07)\"", "\"triangular(2%, 4%, 7%)\"")],
        args: &["check", "scenario.toml"],
        status: 0,
        first: "ok: scenario.toml: 1 initiatives, 1 scenarios on model \"Tiny Support\"",
        also: &[],
    },
    Slip {
        name: "growth_as_percent_literal_runs",
        edits: &[("model.toml", "growth = \"normal(0.004, 0.002)\"", "growth = \"normal(0.4%, 0.2%)\"")],
        args: &["check", "model.toml"],
        status: 0,
        first: "ok: model.toml: model \"Tiny Support\", 2 channels, 6 months",
        also: &[],
    },
    Slip {
        name: "volume_as_percent",
        edits: &[("model.toml", "volume = 4000", "volume = \"25%\"")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:17:10: channel \"self_service\".volume: volume = \"25%\": a volume is a count of contacts, not a percentage",
        also: &[],
    },
    Slip {
        name: "distribution_name_typo",
        edits: &[("model.toml", "\"pert(6, 8, 12)\"", "\"prt(6, 8, 12)\"")],
        args: &["check", "model.toml"],
        status: 1,
        first: "error: model.toml:13:20: channel \"phone\".cost_per_contact: invalid expression \"prt(6, 8, 12)\": unknown distribution \"prt\" (did you mean \"pert\"?); expected a number, \"low to high\", normal(mean, sd), lognormal(mu, sigma), uniform(min, max), triangular(min, mode, max), pert(min, mode, max), beta(a, b), bernoulli(p) or discrete(v1: p1, v2: p2, ...)",
        also: &[],
    },
    Slip {
        name: "success_distribution_mostly_outside",
        edits: &[("scenario.toml", "capex = 1000", "capex = 1000\nsuccess = \"uniform(0.5, 1.5)\"")],
        args: &["check", "scenario.toml"],
        status: 1,
        first: "error: scenario.toml:8:11: initiative \"kb\".success: success = \"uniform(0.5, 1.5)\" puts 50.0% of its mass outside [0, 1]; it is a probability between 0 and 1 (at most 1% may lie outside, clamped to the edge)",
        also: &[],
    },
    Slip {
        name: "noise_as_percent_literal_runs",
        edits: &[("model.toml", "noise = 0.05\ncost_per_contact = 0.1", "noise = \"5%\"\ncost_per_contact = 0.1")],
        args: &["check", "model.toml"],
        status: 0,
        first: "ok: model.toml: model \"Tiny Support\", 2 channels, 6 months",
        also: &[],
    },
    Slip {
        name: "growth_as_whole_percent_is_warned",
        edits: &[("model.toml", "growth = \"normal(0.004, 0.002)\"", "growth = 1")],
        args: &["check", "model.toml"],
        status: 0,
        first: "warning: model.toml:11:10: channel \"phone\".growth: growth = 1 is 100% a month; monthly growth is usually within ±5%: for 1% a month write 0.01 or \"1%\"",
        also: &[],
    },
    Slip {
        name: "growth_as_whole_percent_strict",
        edits: &[("model.toml", "growth = \"normal(0.004, 0.002)\"", "growth = 1")],
        args: &["check", "--strict", "model.toml"],
        status: 1,
        first: "error: model.toml:11:10: channel \"phone\".growth: growth = 1 is 100% a month; monthly growth is usually within ±5%: for 1% a month write 0.01 or \"1%\"",
        also: &[],
    },
    Slip {
        name: "inflation_as_whole_percent_is_warned",
        edits: &[("model.toml", "volume = 4000", "volume = 4000\ninflation = 3")],
        args: &["check", "model.toml"],
        status: 0,
        first: "warning: model.toml:18:13: channel \"self_service\".inflation: inflation = 3 is 300% a year; annual cost inflation is usually within ±25%: for 3% a year write 0.03 or \"3%\"",
        also: &[],
    },
    Slip {
        name: "discount_rate_as_whole_percent_is_warned",
        edits: &[("model.toml", "discount_rate = 0.08", "discount_rate = 9")],
        args: &["check", "model.toml"],
        status: 0,
        first: "warning: model.toml:6:17: discount_rate: discount_rate = 9 is 900% a year; a discount rate is usually within ±30%: for 9% a year write 0.09 or \"9%\"",
        also: &[],
    },
    Slip {
        name: "noise_as_whole_percent_is_warned",
        edits: &[("model.toml", "noise = 0.05\ncost_per_contact = 0.1", "noise = 5\ncost_per_contact = 0.1")],
        args: &["check", "model.toml"],
        status: 0,
        first: "warning: model.toml:18:9: channel \"self_service\".noise: noise = 5 is a month-to-month variation of 500%; noise is a coefficient of variation, usually below 0.5: for 5% write 0.05 or \"5%\"",
        also: &[],
    },
    Slip {
        name: "run_strict_writes_nothing",
        edits: &[("model.toml", "discount_rate = 0.08", "discount_rate = 9")],
        args: &["run", "--strict", "scenario.toml", "-n", "200", "-o", "OUT"],
        status: 1,
        first: "error: model.toml:6:17: discount_rate: discount_rate = 9 is 900% a year; a discount rate is usually within ±30%: for 9% a year write 0.09 or \"9%\"",
        also: &[],
    },
];
