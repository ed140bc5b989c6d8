//! Staffing to the interval (spec section 14): a weekly profile's
//! intervals staffed one by one and summed into agent hours by each
//! month's weekday counts, by hand; Erlang A per interval and the
//! `abandoned` row; every bad profile refused at its row and column.

use std::path::{Path, PathBuf};

use costcast::staffing::erlang_a::{ErlangA, Targets};

use crate::staffing::textbook_agents;
use crate::util::{close_tol, costcast, forecast, monthly, root};

/// A small staffed phone queue on a weekly profile, every input constant.
/// `staffing` is added to its `[channel.staffing]`.
fn model(staffing: &str) -> String {
    format!(
        "name = \"Interval queue\"\nstart = \"2027-01\"\nmonths = 2\ndiscount_rate = 0.0\n\n\
         [[channel]]\nid = \"phone\"\nvolume = 9_000\nnoise = 0\ncost_per_contact = 0.5\n\n\
         [channel.staffing]\naht_seconds = 180\nservice_level = 0.8\nanswer_seconds = 20\n\
         max_occupancy = 0.85\nshrinkage = 0.25\npaid_hours_per_fte = 160\ncost_per_fte = 5_000\n{staffing}\n\n\
         [[channel]]\nid = \"web\"\nvolume = 10_000\nnoise = 0\ncost_per_contact = 0.1\n"
    )
}

const SCENARIO: &str = "model = \"model.toml\"\n\n[[initiative]]\nid = \"portal\"\nstart = 1\n\
                        effects = [{ deflect = \"phone\", to = \"web\", share = 0.2 }]\n\n\
                        [[scenario]]\nname = \"Deflect 20%\"\ninitiatives = [\"portal\"]\n";

/// Two open half hours a day, the second twice as busy; weekdays carry
/// twice a weekend day's share.
fn profile() -> Vec<(usize, &'static str, f64)> {
    let day = |w: usize| if w < 5 { 2.0 / 12.0 } else { 1.0 / 12.0 };
    (0..7).flat_map(|w| [(w, "09:00", day(w) / 3.0), (w, "09:30", day(w) * 2.0 / 3.0)]).collect()
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn profile_csv(rows: &[(usize, &str, f64)]) -> String {
    let mut text = String::from("weekday,start,share\n");
    for (w, start, share) in rows {
        text.push_str(&format!("{},{start},{share:.17}\n", DAYS[*w]));
    }
    text
}

fn write_case(dir: &Path, staffing: &str, profile: &str) -> PathBuf {
    std::fs::write(dir.join("model.toml"), model(staffing)).unwrap();
    std::fs::write(dir.join("week.csv"), profile).unwrap();
    std::fs::write(dir.join("scenario.toml"), SCENARIO).unwrap();
    dir.join("scenario.toml")
}

/// Weekday counts of January and February 2027 (1 January is a Friday).
const COUNTS: [[f64; 7]; 2] = [[4.0, 4.0, 4.0, 4.0, 5.0, 5.0, 5.0], [4.0; 7]];

/// The agent hours of a month by section 14, each interval's agents from
/// `agents(lambda)`: the formula written out, apart from the engine.
fn agent_hours(volume: f64, month: usize, agents: impl Fn(f64) -> u32) -> f64 {
    let rows = profile();
    let mut day = [0.0; 7];
    for (w, _, s) in &rows {
        day[*w] += s;
    }
    let d: f64 = (0..7).map(|w| COUNTS[month][w] * day[w]).sum();
    rows.iter().map(|(w, _, s)| COUNTS[month][*w] * f64::from(agents(volume * s / (d * 1800.0))) * 0.5).sum()
}

#[test]
fn constant_profile_gives_hand_computed_fte() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_case(dir.path(), "profile_csv = \"week.csv\"\ninterval_minutes = 30", &profile_csv(&profile()));
    let r = forecast(&path, 4, 5);
    let erlang_c = |lambda: f64| textbook_agents(lambda * 180.0, 180.0, 20.0, 0.8, 0.85);
    for (m, month) in ["2027-01", "2027-02"].into_iter().enumerate() {
        for (scenario, volume) in [("baseline", 9_000.0), ("Deflect 20%", 7_200.0)] {
            let fte = agent_hours(volume, m, erlang_c) / (160.0 * 0.75);
            let row = monthly(&r, scenario, month, "phone", "fte");
            close_tol(row.mean, fte, 1e-12, &format!("{scenario} {month} fte"));
            // The monthly sample is kept in f32.
            close_tol(row.p90, fte, 1e-6, &format!("{scenario} {month} fte p90"));
            let cost = monthly(&r, scenario, month, "phone", "cost");
            close_tol(cost.mean, fte * 5_000.0 + volume * 0.5, 1e-9, &format!("{scenario} {month} cost"));
        }
    }
    // The peaks cost agents: one average queue over the same open hours
    // (2 half hours a day) staffs fewer.
    let open_hours = 31.0;
    let monthly_agents = textbook_agents(9_000.0 * 180.0 / (open_hours * 3600.0), 180.0, 20.0, 0.8, 0.85);
    let flat_fte = f64::from(monthly_agents) * open_hours / 120.0;
    assert!(monthly(&r, "baseline", "2027-01", "phone", "fte").mean > flat_fte, "peaks need more than {flat_fte}");
    // No patience, no abandoned row.
    assert!(r.monthly.iter().all(|row| row.metric != "abandoned"));
}

#[test]
fn patience_staffs_each_interval_by_erlang_a_and_counts_the_abandoned() {
    let dir = tempfile::tempdir().unwrap();
    let staffing = "profile_csv = \"week.csv\"\npatience_seconds = 90\nmax_abandon = 0.05";
    let path = write_case(dir.path(), staffing, &profile_csv(&profile()));
    let r = forecast(&path, 4, 5);
    let targets = Targets { service_level: 0.8, answer_time: 20.0, max_occupancy: 0.85, max_abandon: 0.05 };
    let queue = |lambda: f64| ErlangA { arrival: lambda, service: 1.0 / 180.0, abandonment: 1.0 / 90.0 };
    let agents = |lambda: f64| queue(lambda).agents(&targets);
    for (m, month) in ["2027-01", "2027-02"].into_iter().enumerate() {
        for (scenario, volume) in [("baseline", 9_000.0), ("Deflect 20%", 7_200.0)] {
            let fte = agent_hours(volume, m, agents) / 120.0;
            close_tol(monthly(&r, scenario, month, "phone", "fte").mean, fte, 1e-12, &format!("{scenario} fte"));
            // Each interval's arrivals over the month times its P(abandon).
            let rows = profile();
            let mut day = [0.0; 7];
            for (w, _, s) in &rows {
                day[*w] += s;
            }
            let d: f64 = (0..7).map(|w| COUNTS[m][w] * day[w]).sum();
            let lost: f64 = rows
                .iter()
                .map(|(w, _, s)| {
                    let lambda = volume * s / (d * 1800.0);
                    COUNTS[m][*w] * volume * s / d * queue(lambda).metrics(agents(lambda)).abandon
                })
                .sum();
            let row = monthly(&r, scenario, month, "phone", "abandoned");
            // Within the interpolant's 1e-7 of each P(abandon).
            close_tol(row.mean, lost, 1e-7 * volume / lost, &format!("{scenario} {month} abandoned"));
            assert!(row.mean > 0.0 && row.mean < 0.05 * volume, "{scenario}: {} lost of {volume}", row.mean);
        }
    }
}

#[test]
fn monthly_erlang_a_reports_the_abandoned() {
    let r = forecast(&root().join("tests/fixtures/staffing/patience-scenarios.toml"), 4, 11);
    let targets = Targets { service_level: 0.8, answer_time: 20.0, max_occupancy: 0.85, max_abandon: 0.02 };
    for (scenario, month, volume, aht) in
        [("baseline", "2027-01", 4_000.0, 180.0), ("Shorter calls", "2027-02", 4_000.0, 90.0)]
    {
        let q = ErlangA { arrival: volume / 360_000.0, service: 1.0 / aht, abandonment: 1.0 / 60.0 };
        let expected = volume * q.metrics(q.agents(&targets)).abandon;
        close_tol(monthly(&r, scenario, month, "phone", "abandoned").mean, expected, 1e-12, scenario);
    }
}

#[test]
fn the_shipped_interval_example_runs_the_same_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str| {
        let out = dir.path().join(format!("report-{threads}"));
        costcast()
            .args(["run", "scenarios/acme-staffed-interval.toml", "-n", "40", "--format", "csv", "--threads", threads])
            .arg("-o")
            .arg(&out)
            .current_dir(root())
            .assert()
            .success();
        out
    };
    let (one, three) = (run("1"), run("3"));
    for file in ["monthly.csv", "summary.csv", "fiscal_years.csv"] {
        let a = std::fs::read(one.join(file)).unwrap();
        assert!(a == std::fs::read(three.join(file)).unwrap(), "{file} differs between 1 and 3 threads");
    }
    let monthly = std::fs::read_to_string(one.join("monthly.csv")).unwrap();
    let abandoned: Vec<&str> = monthly.lines().filter(|l| l.contains(",phone,abandoned,")).collect();
    // 36 months, baseline and two scenarios.
    assert_eq!(abandoned.len(), 36 * 3, "{}", &monthly[..400]);
    assert!(!monthly.contains(",chat,abandoned,"), "chat has no patience");
}

/// `run` and `check` on a case with a bad profile field: exit 1, an error
/// naming `file:line:column` and each needle, nothing written.
fn refused(staffing: &str, profile: &str, located: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_case(dir.path(), staffing, profile);
    let out = dir.path().join("report");
    for args in [vec!["check"], vec!["run", "-n", "20", "-o", out.to_str().unwrap()]] {
        let output = costcast().args(&args).arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?} {staffing}: {stderr}");
        assert!(stderr.contains(located), "{args:?}: no {located:?} in\n{stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{args:?}: no {needle:?} in\n{stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out.exists(), "a report was written");
    }
}

const WEEKLY: &str = "profile_csv = \"week.csv\"";

#[test]
fn shares_must_sum_to_one() {
    let mut rows = profile();
    rows[3].2 += 0.01;
    refused(WEEKLY, &profile_csv(&rows), "week.csv:2:", &["column share", "sum to 1.01", "must add up to 1"]);
}

#[test]
fn an_interval_listed_twice_is_refused() {
    let mut rows = profile();
    rows[13] = (0, "09:30", rows[13].2);
    refused(WEEKLY, &profile_csv(&rows), "week.csv:15:", &["Mon 09:30 is listed twice (first on line 3)"]);
}

#[test]
fn an_interval_off_the_grid_is_refused() {
    let mut rows = profile();
    rows[0].1 = "09:10";
    refused(WEEKLY, &profile_csv(&rows), "week.csv:2:", &["09:10 is off the 30-minute grid"]);
    // On a 15-minute grid 09:15 is fine, 09:10 still not.
    let mut rows = profile();
    rows[0].1 = "09:15";
    let mut text = profile_csv(&rows);
    text = text.replacen("Mon,09:15", "Mon,09:10", 1);
    refused("profile_csv = \"week.csv\"\ninterval_minutes = 15", &text, "week.csv:2:", &["off the 15-minute grid"]);
}

#[test]
fn an_unknown_weekday_is_refused() {
    let text = profile_csv(&profile()).replacen("Tue,", "Tues_day,", 1);
    refused(WEEKLY, &text, "week.csv:4:1", &["column weekday", "unknown weekday \"Tues_day\"", "Mon, Tue"]);
}

#[test]
fn a_time_that_is_no_time_is_refused() {
    let text = profile_csv(&profile()).replacen("09:00", "25:00", 1);
    refused(WEEKLY, &text, "week.csv:2:", &["\"25:00\" is not a time of day"]);
}

#[test]
fn a_negative_share_is_refused() {
    let text = profile_csv(&profile()).replacen(",0.0555", ",-0.0555", 1);
    refused(WEEKLY, &text, "week.csv:2:", &["expected a number >= 0"]);
}

#[test]
fn open_hours_with_a_profile_is_refused() {
    refused(
        "profile_csv = \"week.csv\"\nopen_hours = 360",
        &profile_csv(&profile()),
        "model.toml:",
        &["channel \"phone\".staffing.open_hours", "not allowed with profile_csv"],
    );
}

#[test]
fn interval_minutes_must_be_15_30_or_60_and_needs_a_profile() {
    refused(
        "profile_csv = \"week.csv\"\ninterval_minutes = 20",
        &profile_csv(&profile()),
        "model.toml:",
        &["interval_minutes", "must be 15, 30 or 60"],
    );
    refused("open_hours = 100\ninterval_minutes = 30", "", "model.toml:", &["needs a weekly profile"]);
}

#[test]
fn patience_and_abandonment_cap_must_be_in_range() {
    refused("open_hours = 100\npatience_seconds = 0", "", "model.toml:", &["patience_seconds", "must be > 0"]);
    refused(
        "open_hours = 100\npatience_seconds = 60\nmax_abandon = 1.5",
        "",
        "model.toml:",
        &["max_abandon", "between 0 and 1"],
    );
}

#[test]
fn a_missing_profile_file_is_refused() {
    refused("profile_csv = \"nowhere.csv\"", "", "model.toml:", &["profile_csv", "nowhere.csv"]);
}
