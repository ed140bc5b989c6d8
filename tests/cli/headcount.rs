//! Headcount on a staffed channel (spec section 13), on constant inputs
//! worked out by hand: attrition absorbing a surplus, immediate release
//! with severance, and hires paid while they train ahead of the month they
//! are needed; the paid FTE path conserving heads; and a model without the
//! rules (or with their defaults) giving section 10's numbers.
//!
//! Fixtures: `tests/fixtures/headcount/`. Each of its three channels is the
//! same queue (4,000 contacts of 180 s over 100 open hours: 4 agents, 10/3
//! FTE at 25% shrinkage and 160 paid hours; with AHT halved from month 2,
//! 3 agents, 2.5 FTE), at 10% attrition a month and 5,000 a month per FTE.

use std::path::Path;

use costcast::aggregate::{Results, SummaryValue};

use crate::util::{assert_constant_month, close, costcast, fixture, forecast, monthly, root};

const MONTHS: [&str; 6] = ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06"];
const COST_PER_FTE: f64 = 5_000.0;
/// FTE required before and after the AHT is halved.
const BEFORE: f64 = 10.0 / 3.0;
const AFTER: f64 = 2.5;

/// Constant inputs: a few iterations are as good as any number.
fn run(path: &Path) -> Results {
    forecast(path, 40, 7)
}

/// One channel's expected monthly rows.
struct Expected {
    fte: [f64; 6],
    required: [f64; 6],
    hires: [f64; 6],
    leavers: [f64; 6],
    released: [f64; 6],
    cost: [f64; 6],
}

#[track_caller]
fn check(r: &Results, scenario: &str, channel: &str, e: &Expected) {
    for (m, month) in MONTHS.iter().enumerate() {
        let row = |metric| monthly(r, scenario, month, channel, metric);
        let what = |metric: &str| format!("{scenario} {channel} {month} {metric}");
        assert_constant_month(row("fte"), e.fte[m], &what("fte"));
        assert_constant_month(row("required_fte"), e.required[m], &what("required_fte"));
        assert_constant_month(row("hires"), e.hires[m], &what("hires"));
        assert_constant_month(row("leavers"), e.leavers[m], &what("leavers"));
        assert_constant_month(row("released"), e.released[m], &what("released"));
        assert_constant_month(row("cost"), e.cost[m], &what("cost"));
    }
}

fn mean_of(r: &Results, scenario: &str, metric: &str) -> f64 {
    match &r.summary.iter().find(|s| s.scenario == scenario && s.metric == metric).unwrap().value {
        SummaryValue::Stats(Some(s)) => s.mean,
        other => panic!("{scenario} {metric}: {other:?}"),
    }
}

#[test]
fn constant_inputs_give_hand_computed_headcount_rows() {
    let r = run(&fixture("headcount", "scenario.toml"));
    let third = 1.0 / 3.0;
    // Baseline: H(0) = R(1) = 10/3; each month 10% leave (1/3) and are
    // replaced (kept 3 < 10/3). Same on every channel; "train" also pays the
    // next two months' hires while they train: 2/3, then 1/3, then none.
    let steady = |fte: [f64; 6]| Expected {
        fte,
        required: [BEFORE; 6],
        hires: [third; 6],
        leavers: [third; 6],
        released: [0.0; 6],
        cost: fte.map(|f| f * COST_PER_FTE),
    };
    check(&r, "baseline", "retire", &steady([BEFORE; 6]));
    check(&r, "baseline", "release", &steady([BEFORE; 6]));
    let trained = [4.0, 4.0, 4.0, 4.0, BEFORE + third, BEFORE];
    check(&r, "baseline", "train", &steady(trained));

    // "retire" (release by attrition): from month 2 the need is 2.5; the
    // surplus stays and attrition works it down: kept 3, 2.7, then 2.43 <
    // 2.5 hires 0.07; then 2.25 hires 0.25 each month.
    let held = [BEFORE, 3.0, 2.7, AFTER, AFTER, AFTER];
    let retire = Expected {
        fte: held,
        required: [BEFORE, AFTER, AFTER, AFTER, AFTER, AFTER],
        hires: [third, 0.0, 0.0, 0.07, 0.25, 0.25],
        leavers: [third, third, 0.3, 0.27, 0.25, 0.25],
        released: [0.0; 6],
        cost: held.map(|h| h * COST_PER_FTE),
    };
    check(&r, "Shorter", "retire", &retire);
    // "release" (immediate, 12,000 severance an FTE): kept 3 in month 2,
    // 0.5 released at once with severance; then kept 2.25 hires 0.25.
    let release = Expected {
        fte: [BEFORE, AFTER, AFTER, AFTER, AFTER, AFTER],
        required: [BEFORE, AFTER, AFTER, AFTER, AFTER, AFTER],
        hires: [third, 0.0, 0.25, 0.25, 0.25, 0.25],
        leavers: [third, third, 0.25, 0.25, 0.25, 0.25],
        released: [0.0, 0.5, 0.0, 0.0, 0.0, 0.0],
        cost: [BEFORE * COST_PER_FTE, AFTER * COST_PER_FTE + 0.5 * 12_000.0, 12_500.0, 12_500.0, 12_500.0, 12_500.0],
    };
    check(&r, "Shorter", "release", &release);
    // "train" (immediate, no severance, 2 months' training): hires 1/3, 0,
    // then 0.25 a month; paid = H + the next two months' hires. Month 1
    // already costs less than the baseline's: the month-3 hire is smaller.
    let paid = [BEFORE + 0.25, AFTER + 0.5, AFTER + 0.5, AFTER + 0.5, AFTER + 0.25, AFTER];
    let train = Expected {
        fte: paid,
        required: [BEFORE, AFTER, AFTER, AFTER, AFTER, AFTER],
        hires: [third, 0.0, 0.25, 0.25, 0.25, 0.25],
        leavers: [third, third, 0.25, 0.25, 0.25, 0.25],
        released: [0.0, 0.5, 0.0, 0.0, 0.0, 0.0],
        cost: paid.map(|p| p * COST_PER_FTE),
    };
    check(&r, "Shorter", "train", &train);

    // The scenario's savings are these costs against the baseline's (the
    // discount rate is 0, so NPV = net savings).
    let total = |e: &Expected| e.cost.iter().sum::<f64>();
    let baseline = 2.0 * 6.0 * BEFORE * COST_PER_FTE + trained.iter().sum::<f64>() * COST_PER_FTE;
    let saving = baseline - total(&retire) - total(&release) - total(&train);
    close(mean_of(&r, "Shorter", "net_savings"), saving, "Shorter net savings");
    close(mean_of(&r, "Shorter", "npv"), saving, "Shorter NPV");

    // "Both" adds halving the calls on "retire" from month 5: need 5/3
    // (2 agents). Its month-4 surplus (2.5 held) then meets a lower need:
    // kept 2.25, 2.025 held in months 5 and 6 by attrition.
    let both = |month: &str, metric: &str| monthly(&r, "Both", month, "retire", metric);
    assert_constant_month(both("2027-05", "required_fte"), 5.0 / 3.0, "Both retire month 5 required");
    assert_constant_month(both("2027-05", "fte"), 2.25, "Both retire month 5 paid");
    assert_constant_month(both("2027-06", "fte"), 2.025, "Both retire month 6 paid");
    // The bridge's steps add up to the NPV, and its first step is the
    // scenario "Shorter" (a scenario computed inside another's loop).
    let steps: Vec<f64> = r.bridge.iter().filter(|b| b.scenario == "Both").map(|b| b.mean).collect();
    close(steps.iter().sum(), mean_of(&r, "Both", "npv"), "Both bridge sums to its NPV");
    close(steps[0], saving, "Both's first step is Shorter");

    // Per fiscal year: paid against required, hires, releases, and the
    // surplus cost (H - R) x cost per FTE waiting for attrition.
    let fy = |scenario: &str, channel: &str| {
        r.headcount.iter().find(|h| h.scenario == scenario && h.channel == channel).unwrap()
    };
    let retire_fy = fy("Shorter", "retire");
    close(retire_fy.paid_fte, held.iter().sum::<f64>() / 6.0, "retire paid FTE in FY2027");
    close(retire_fy.required_fte, (BEFORE + 5.0 * AFTER) / 6.0, "retire required FTE in FY2027");
    close(retire_fy.surplus_cost, (0.5 + 0.2) * COST_PER_FTE, "retire surplus cost");
    close(retire_fy.hires, third + 0.07 + 0.5, "retire hires");
    close(fy("Shorter", "release").released, 0.5, "release released");
    close(fy("Shorter", "release").surplus_cost, 0.0, "no surplus under immediate release");
    // The FTE-by-year table reads paid FTE.
    let staffing = r.staffing.iter().find(|s| s.scenario == "baseline" && s.channel == "train").unwrap();
    close(staffing.fte, trained.iter().sum::<f64>() / 6.0, "baseline paid FTE of train");
}

/// H(m) = H(m-1) + hires - leavers - released, month by month, for the
/// means over iterations of an uncertain model (the identity is linear):
/// the staffed example with both agent channels under headcount rules, no
/// training, so `fte` is H.
#[test]
fn the_paid_fte_path_conserves_heads() {
    // The shipped staffed example follows the rules on both agent channels.
    let model = std::fs::read_to_string(root().join("models/acme-staffed.toml")).unwrap();
    assert!(model.contains("release = \"attrition\"") && model.contains("severance_per_fte"));
    assert!(!model.contains("training_months"), "the identity below reads fte as H: no training");
    let r = forecast(&root().join("scenarios/acme-staffed-roadmap.toml"), 2_000, 3);
    let mut names = vec!["baseline".to_owned()];
    names.extend(r.summary.iter().map(|s| s.scenario.clone()));
    names.dedup();
    let mut released = 0.0;
    for name in &names {
        for channel in ["phone", "chat"] {
            let row = |m: usize, metric: &str| monthly(&r, name, MONTHS_36[m], channel, metric).mean;
            let mut before = row(0, "fte") - row(0, "hires") + row(0, "leavers") + row(0, "released");
            for m in 0..36 {
                let flow = before + row(m, "hires") - row(m, "leavers") - row(m, "released");
                let held = row(m, "fte");
                assert!((held - flow).abs() <= 1e-9 * held, "{name} {channel} month {m}: {held} against {flow}");
                assert!(held >= row(m, "required_fte") - 1e-9 * held, "{name} {channel} month {m}: below the need");
                released += row(m, "released");
                before = held;
            }
        }
    }
    assert!(released > 0.0, "the chat channel releases FTE somewhere");
}

/// The 36 months of `acme-staffed`.
const MONTHS_36: [&str; 36] = [
    "2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06", "2027-07", "2027-08", "2027-09", "2027-10",
    "2027-11", "2027-12", "2028-01", "2028-02", "2028-03", "2028-04", "2028-05", "2028-06", "2028-07", "2028-08",
    "2028-09", "2028-10", "2028-11", "2028-12", "2029-01", "2029-02", "2029-03", "2029-04", "2029-05", "2029-06",
    "2029-07", "2029-08", "2029-09", "2029-10", "2029-11", "2029-12",
];

/// With all four fields at their defaults the rules are section 10 exactly:
/// every CSV is byte for byte the one without them, but for the extra
/// monthly rows (constant inputs, so the random stream does not matter).
#[test]
fn default_rules_are_section_10_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name);
    for (scenario, to) in [("plain-scenario.toml", "plain"), ("defaults-scenario.toml", "defaults")] {
        costcast()
            .args(["run", "-n", "300", "--format", "csv", "-o"])
            .arg(out(to))
            .arg(fixture("headcount", scenario))
            .assert()
            .success();
    }
    let mut compared = 0;
    for entry in std::fs::read_dir(out("plain")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".csv") {
            continue;
        }
        let plain = std::fs::read_to_string(out("plain").join(&name)).unwrap();
        let defaults = std::fs::read_to_string(out("defaults").join(&name)).unwrap();
        if name == "monthly.csv" {
            let extra = [",required_fte,", ",hires,", ",leavers,", ",released,"];
            assert!(defaults.contains(",required_fte,") && !plain.contains(",required_fte,"));
            let kept: Vec<&str> = defaults.lines().filter(|l| !extra.iter().any(|e| l.contains(e))).collect();
            assert_eq!(kept, plain.lines().collect::<Vec<_>>(), "monthly.csv without the headcount rows");
        } else {
            assert_eq!(defaults, plain, "{name}");
        }
        compared += 1;
    }
    assert!(compared >= 5, "compared {compared} tables");
}

/// The chart of paid against required FTE is drawn, as a file and on the
/// page, for a model with headcount rules, and only then.
#[test]
fn the_headcount_chart_comes_with_headcount_rules_only() {
    let dir = tempfile::tempdir().unwrap();
    let chart = "charts/11-paid-vs-required-fte.png";
    let title = "Headcount: FTE paid against FTE required";
    for (scenario, with) in [("scenarios/acme-staffed-roadmap.toml", true), ("scenarios/acme-ai-roadmap.toml", false)] {
        let out = dir.path().join(Path::new(scenario).file_stem().unwrap());
        costcast()
            .current_dir(root())
            .args(["run", scenario, "-n", "2000", "--format", "html,png", "-o"])
            .arg(&out)
            .assert()
            .success();
        assert_eq!(out.join(chart).is_file(), with, "{scenario}");
        let page = std::fs::read_to_string(out.join("report.html")).unwrap();
        // Named by the headcount table's note and the chart's caption.
        assert_eq!(page.matches(title).count(), if with { 2 } else { 0 }, "{scenario}");
    }
}
