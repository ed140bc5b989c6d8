//! Staffing-priced channels (spec section 10) on constant inputs: agents,
//! FTE and labour cost worked out by hand, and what deflection really saves.
//!
//! The expected agent counts come from the textbook Erlang C formula written
//! out here as plain sums, C(N, A) = (A^N / N! * N / (N - A)) /
//! (sum_{k<N} A^k / k! + A^N / N! * N / (N - A)), never through the
//! engine's recursion. Fixtures are under `tests/fixtures/staffing/`.

use std::path::{Path, PathBuf};

use costcast::aggregate::{Results, SummaryValue};
use costcast::staffing::erlang_a::{ErlangA, Targets};
use costcast::staffing::fte;
use proptest::prelude::*;

use crate::util::{assert_constant_month, close, costcast, fixture, forecast, monthly, root};

/// Constant inputs: four iterations are as good as any number.
fn run(path: &Path) -> Results {
    forecast(path, 4, 11)
}

/// Textbook Erlang C by direct sums (fine for the small traffic used here).
pub(crate) fn textbook_erlang_c(n: u32, a: f64) -> f64 {
    let mut term = 1.0; // A^k / k!
    let mut below = 0.0;
    for k in 0..n {
        below += term;
        term *= a / f64::from(k + 1);
    }
    let top = term * f64::from(n) / (f64::from(n) - a);
    top / (below + top)
}

/// The smallest N with N > A, A / N <= occupancy and SL >= target.
pub(crate) fn textbook_agents(a: f64, aht: f64, answer: f64, target: f64, occupancy: f64) -> u32 {
    (1..)
        .find(|&n| {
            let nf = f64::from(n);
            nf > a && a / nf <= occupancy && 1.0 - textbook_erlang_c(n, a) * (-(nf - a) * answer / aht).exp() >= target
        })
        .unwrap()
}

#[test]
fn constant_inputs_give_hand_computed_fte_and_cost() {
    let r = run(&fixture("staffing", "small-scenarios.toml"));
    // Baseline: A = 4000 * 180 / (100 * 3600) = 2 Erlangs. By hand:
    // N = 3: C = 0.444444, SL = 1 - C e^(-1 * 20/180) = 0.6023 < 0.8;
    // N = 4: C = 0.173913, SL = 1 - C e^(-2 * 20/180) = 0.8607 >= 0.8.
    assert_eq!(textbook_agents(2.0, 180.0, 20.0, 0.8, 0.85), 4);
    close(textbook_erlang_c(4, 2.0), 4.0 / 23.0, "C(4, 2) = 4/23");
    let base_fte = 4.0 * 100.0 / (160.0 * (1.0 - 0.25)); // 3.3333 FTE
    let base_labour = base_fte * 5_000.0;
    for month in ["2027-01", "2027-02", "2027-03"] {
        assert_constant_month(monthly(&r, "baseline", month, "phone", "fte"), base_fte, "baseline fte");
        // Labour + non-labour per contact + fixed.
        assert_constant_month(
            monthly(&r, "baseline", month, "phone", "cost"),
            base_labour + 4_000.0 * 0.5 + 1_000.0,
            "baseline cost",
        );
    }
    assert!(r.monthly.iter().all(|row| row.channel != "web" || row.metric != "fte"), "flat channels have no fte rows");
    // FTE by fiscal year: the average of the months (FY2027 is the 3 months).
    let fy = |scenario: &str| r.staffing.iter().find(|f| f.scenario == scenario && f.channel == "phone").unwrap().fte;
    close(fy("baseline"), base_fte, "baseline FTE in FY2027");
    // Shorter calls from month 2: (base + 2 x 2.5) / 3.
    close(fy("Shorter calls"), (base_fte + 2.0 * 2.5) / 3.0, "shorter calls FTE in FY2027");
    assert_eq!(r.staffing.len(), 4, "one staffed channel x one fiscal year x (baseline + 3 scenarios)");

    // Deflect 10% from month 1: V' = 3600, A = 1.8. By hand N = 3 gives
    // SL 0.6895, N = 4 gives 0.8993: the same 4 agents, so the labour cost
    // does not move at all; only the non-labour cost per contact is saved.
    assert_eq!(textbook_agents(1.8, 180.0, 20.0, 0.8, 0.85), 4);
    assert_constant_month(monthly(&r, "Deflect 10%", "2027-01", "phone", "fte"), base_fte, "deflect fte");
    assert_constant_month(
        monthly(&r, "Deflect 10%", "2027-01", "phone", "cost"),
        base_labour + 3_600.0 * 0.5 + 1_000.0,
        "deflect cost",
    );

    // Halve AHT from month 2 (reduce_cost on a staffed channel): A = 1,
    // answer/AHT = 20/90; N = 2 gives SL 0.5424, N = 3 gives 0.9417. The
    // non-labour cost per contact is untouched.
    assert_eq!(textbook_agents(1.0, 90.0, 20.0, 0.8, 0.85), 3);
    let short_fte = 3.0 * 100.0 / 120.0;
    assert_constant_month(monthly(&r, "Shorter calls", "2027-01", "phone", "fte"), base_fte, "before the start");
    assert_constant_month(monthly(&r, "Shorter calls", "2027-02", "phone", "fte"), short_fte, "shorter fte");
    assert_constant_month(
        monthly(&r, "Shorter calls", "2027-02", "phone", "cost"),
        short_fte * 5_000.0 + 2_000.0 + 1_000.0,
        "shorter cost",
    );

    // Both: A = 3600 * 90 / 360000 = 0.9 Erlangs.
    let both_n = textbook_agents(0.9, 90.0, 20.0, 0.8, 0.85);
    let both_fte = f64::from(both_n) * 100.0 / 120.0;
    assert_constant_month(monthly(&r, "Both", "2027-03", "phone", "fte"), both_fte, "both fte");
    assert_constant_month(
        monthly(&r, "Both", "2027-03", "phone", "cost"),
        both_fte * 5_000.0 + 1_800.0 + 1_000.0,
        "both cost",
    );
    // Total cost includes the flat channel, whose deflected contacts arrive.
    assert_constant_month(
        monthly(&r, "Both", "2027-03", "total", "cost"),
        both_fte * 5_000.0 + 1_800.0 + 1_000.0 + (10_000.0 + 400.0) * 0.1,
        "both total",
    );
}

/// The big queue's model with a given shrinkage, in a temporary folder.
fn big_case(dir: &Path, shrinkage: f64) -> PathBuf {
    let model =
        std::fs::read_to_string(fixture("staffing", "big.toml")).unwrap().replace("SHRINKAGE", &shrinkage.to_string());
    std::fs::write(dir.join("big.toml"), model).unwrap();
    std::fs::copy(fixture("staffing", "big-scenarios.toml"), dir.join("big-scenarios.toml")).unwrap();
    dir.join("big-scenarios.toml")
}

#[test]
fn deflecting_ten_percent_saves_less_than_ten_percent_of_labour() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(&big_case(dir.path(), 0.3));
    let base = monthly(&r, "baseline", "2027-01", "phone", "cost").mean;
    let after = monthly(&r, "Deflect 10%", "2027-01", "phone", "cost").mean;
    // No non-labour or fixed cost: cost is labour only.
    let saved = (base - after) / base;
    // 100 Erlangs need N agents; 90 Erlangs need fewer, but not 10% fewer:
    // the smaller queue pools less (square-root staffing). (Where an
    // occupancy cap binds instead, agents are proportional to traffic and
    // the saving is about 10%, up to rounding to whole agents.)
    let (n100, n90) = (textbook_agents(100.0, 180.0, 20.0, 0.8, 1.0), textbook_agents(90.0, 180.0, 20.0, 0.8, 1.0));
    close(base, fte(f64::from(n100), 100.0, 160.0, 0.3) * 5_000.0, "labour at 100 Erlangs");
    close(after, fte(f64::from(n90), 100.0, 160.0, 0.3) * 5_000.0, "labour at 90 Erlangs");
    assert!(saved > 0.0 && saved < 0.10, "deflecting 10% saved {:.2}% of labour", saved * 100.0);
    // A flat price per contact would have saved exactly 10%.
    let npv = match &r.summary.iter().find(|s| s.metric == "npv").unwrap().value {
        SummaryValue::Stats(Some(s)) => s.mean,
        other => panic!("{other:?}"),
    };
    close(npv, base - after, "npv of one month at 0%");
}

#[test]
fn fte_scales_with_one_over_one_minus_shrinkage() {
    let dir = tempfile::tempdir().unwrap();
    let at = |s: f64| monthly(&run(&big_case(dir.path(), s)), "baseline", "2027-01", "phone", "fte").mean;
    let (f0, f30) = (at(0.0), at(0.3));
    close(f30 * (1.0 - 0.3), f0, "FTE x (1 - shrinkage) is the agents' hours");
}

proptest! {
    #[test]
    fn fte_is_agent_hours_over_productive_hours(
        agents in 1u32..5_000, open in 1.0f64..744.0, paid in 40.0f64..200.0, shrinkage in 0.0f64..0.95
    ) {
        let f = fte(f64::from(agents), open, paid, shrinkage);
        let expected = f64::from(agents) * open / paid / (1.0 - shrinkage);
        prop_assert!((f - expected).abs() <= 1e-12 * expected);
        // Doubling shrinkage's complement halves FTE.
        let g = fte(f64::from(agents), open, paid, 1.0 - (1.0 - shrinkage) / 2.0);
        prop_assert!((g - 2.0 * f).abs() <= 1e-9 * f);
    }
}

/// The shipped staffed example end to end: `fte` rows in monthly.csv for the
/// staffed channels only, FTE by fiscal year on the page and in the workbook.
#[test]
fn staffed_example_reports_fte() {
    use calamine::{Data, DataType, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    costcast()
        .args(["run", "scenarios/acme-staffed-roadmap.toml", "-n", "2000", "--format", "csv,html,xlsx", "-o"])
        .arg(&out)
        .current_dir(root())
        .assert()
        .success();
    let monthly = std::fs::read_to_string(out.join("monthly.csv")).unwrap();
    let mut fte_channels: Vec<&str> =
        monthly.lines().filter(|l| l.split(',').nth(3) == Some("fte")).map(|l| l.split(',').nth(2).unwrap()).collect();
    fte_channels.sort();
    fte_channels.dedup();
    assert_eq!(fte_channels, ["chat", "phone"]);
    // 36 months x (baseline + 3 scenarios) x 2 staffed channels.
    assert_eq!(monthly.lines().filter(|l| l.split(',').nth(3) == Some("fte")).count(), 36 * 4 * 2);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Staffing: average FTE per fiscal year"));

    let mut book: Xlsx<_> = calamine::open_workbook(out.join("report.xlsx")).unwrap();
    let sheet = book.worksheet_range("Staffing").expect("a Staffing sheet");
    let rows: Vec<_> = sheet.rows().collect();
    // 2 channels x 3 fiscal years x (baseline + 3 scenarios), plus the header.
    assert_eq!(rows.len(), 1 + 2 * 3 * 4);
    // The full roadmap deflects phone contacts: fewer phone FTE than baseline.
    let fte = |scenario: &str, fy: &str| -> f64 {
        rows.iter()
            .find(|r| {
                r[0] == Data::String(scenario.into())
                    && r[1] == Data::String("phone".into())
                    && r[2] == Data::String(fy.into())
            })
            .and_then(|r| r[4].as_f64())
            .unwrap()
    };
    assert!(fte("Full roadmap", "FY2029") < fte("baseline", "FY2029"));
    assert!(fte("baseline", "FY2029") > 50.0, "phone needs well over 50 FTE");
}

/// Erlang A's conditions at `n` agents (spec section 14), straight from the
/// library's metrics: service level, occupancy and abandonment share.
fn erlang_a_meets(q: &ErlangA, n: u32, targets: &Targets) -> bool {
    let m = q.metrics(n);
    q.service_level(n, targets.answer_time) >= targets.service_level
        && m.occupancy <= targets.max_occupancy
        && m.abandon <= targets.max_abandon
}

#[test]
fn patience_staffs_the_queue_by_erlang_a() {
    let r = run(&fixture("staffing", "patience-scenarios.toml"));
    let targets = Targets { service_level: 0.8, answer_time: 20.0, max_occupancy: 0.85, max_abandon: 0.02 };
    // Per second: 4,000 contacts over 100 open hours; callers leave after
    // 60 s on average. `aht` is the handle time in force that month.
    let queue =
        |volume: f64, aht: f64| ErlangA { arrival: volume / 360_000.0, service: 1.0 / aht, abandonment: 1.0 / 60.0 };
    // Agents worked out apart from the engine (a direct transcription of
    // pyworkforce's ErlangA): baseline 5 (4 miss the abandonment cap, P =
    // 0.0596; 5 give 0.0198), shorter calls 4 (3 give P = 0.0289), both 4
    // (3 give 0.0225). Erlang C would staff 4, 3 and 3.
    let cases = [
        ("baseline", "2027-01", 4_000.0, 180.0, 5),
        ("Shorter calls", "2027-02", 4_000.0, 90.0, 4),
        ("Both", "2027-03", 3_600.0, 90.0, 4),
    ];
    for (scenario, month, volume, aht, expected) in cases {
        let q = queue(volume, aht);
        let n = q.agents(&targets);
        assert_eq!(n, expected, "{scenario}");
        // The least N meeting every condition.
        assert!(erlang_a_meets(&q, n, &targets), "{scenario}: {n} agents");
        assert!((1..n).all(|k| !erlang_a_meets(&q, k, &targets)), "{scenario}: fewer than {n}");
        let fte = f64::from(n) * 100.0 / 120.0;
        assert_constant_month(monthly(&r, scenario, month, "phone", "fte"), fte, scenario);
        assert_constant_month(
            monthly(&r, scenario, month, "phone", "cost"),
            fte * 5_000.0 + volume * 0.5 + 1_000.0,
            scenario,
        );
    }
    // The cap on abandonment binds here: without it the baseline needs
    // fewer agents, so the cap is what the run staffed for.
    let free = queue(4_000.0, 180.0).agents(&Targets { max_abandon: 1.0, ..targets });
    assert!(free < queue(4_000.0, 180.0).agents(&targets), "max_abandon binds: {free}");
}
