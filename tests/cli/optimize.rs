//! `costcast optimize` (spec section 8) on cases solved by hand: a knapsack
//! where the best NPV per capex is not chosen, a probability floor that
//! rules out the highest mean, interactions between initiatives, the same
//! answer on any thread count, and the errors of a bad `[optimize]` table.
//! Fixtures: `tests/fixtures/optimize/`.

use std::path::Path;

use crate::util::{CANONICAL, close, costcast, fixture, root, stderr, stdout};

/// One row of frontier.csv.
#[derive(Debug, Clone)]
struct Row {
    initiatives: String,
    capex_mean: f64,
    npv_mean: f64,
    npv_p50: f64,
    prob_npv_positive: f64,
    on_frontier: bool,
    feasible: bool,
    recommended: bool,
}

/// Run optimize on a fixture file at 200 iterations; frontier.csv's rows and stdout.
fn optimize_path(path: &Path, out: &Path) -> (Vec<Row>, String) {
    run_optimize(path, "200", "2", out)
}

/// Run optimize on a fixture; returns frontier.csv's rows and stdout.
fn optimize(name: &str, n: &str, threads: &str, out: &Path) -> (Vec<Row>, String) {
    run_optimize(&fixture("optimize", name), n, threads, out)
}

fn run_optimize(path: &Path, n: &str, threads: &str, out: &Path) -> (Vec<Row>, String) {
    let assert = costcast()
        .args(["optimize"])
        .arg(path)
        .args(["-n", n, "--seed", "5", "--threads", threads, "--format", "csv", "-o"])
        .arg(out)
        .assert()
        .success();
    let stdout = stdout(&assert);
    let text = std::fs::read_to_string(out.join("frontier.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "portfolio,initiatives,capex_mean,investment_mean,npv_mean,npv_p10,npv_p50,npv_p90,prob_npv_positive,on_frontier,feasible,recommended,iterations"
    );
    let rows = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Row {
                initiatives: f[1].to_owned(),
                capex_mean: f[2].parse().unwrap(),
                npv_mean: f[4].parse().unwrap(),
                npv_p50: f[6].parse().unwrap(),
                prob_npv_positive: f[8].parse().unwrap(),
                on_frontier: f[9] == "true",
                feasible: f[10] == "true",
                recommended: f[11] == "true",
            }
        })
        .collect();
    (rows, stdout)
}

fn row<'r>(rows: &'r [Row], initiatives: &str) -> &'r Row {
    rows.iter().find(|r| r.initiatives == initiatives).unwrap_or_else(|| panic!("no portfolio {initiatives}"))
}

#[test]
fn knapsack_by_hand_skips_the_best_npv_per_capex() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, stdout) = optimize("knapsack.toml", "200", "2", &dir.path().join("out"));
    // Every subset of four candidates, funding nothing included.
    assert_eq!(rows.len(), 16);
    // NPV = 120,000 s - capex, added up (separate channels do not interact).
    let npv = |ids: &[&str]| {
        ids.iter()
            .map(|id| match *id {
                "ia" => 40_000.0,
                "ib" => 30_000.0,
                "ic" => 50_000.0,
                "id" => 19_000.0,
                _ => 0.0, // funding nothing
            })
            .sum::<f64>()
    };
    for r in &rows {
        let ids: Vec<&str> = r.initiatives.split(';').collect();
        close(r.npv_mean, npv(&ids), &format!("NPV of {}", r.initiatives));
        close(r.npv_p50, npv(&ids), &format!("NPV P50 of {}", r.initiatives));
        assert_eq!(r.feasible, r.capex_mean <= 66_000.0, "{}", r.initiatives);
    }
    let chosen: Vec<&Row> = rows.iter().filter(|r| r.recommended).collect();
    assert_eq!(chosen.len(), 1);
    assert_eq!(chosen[0].initiatives, "ia;ic", "the knapsack optimum within 66,000");
    close(chosen[0].capex_mean, 66_000.0, "capex of ia + ic");
    // Greedy by NPV per capex (id, ia, ib) reaches 89,000 only.
    close(row(&rows, "ia;ib;id").npv_mean, 89_000.0, "greedy portfolio");
    assert!(row(&rows, "ia;ib;id").feasible);
    // The best of all, every candidate, breaks the budget: the runner-up.
    assert!(
        stdout.contains(
            "runner-up: ia + ib + ic + id: ruled out: its mean capex 101,000 exceeds the capex budget 66,000"
        ),
        "{stdout}"
    );
    // And the best portfolio within the budget after the recommended one.
    assert!(stdout.contains("best feasible alternative: ia + ib + id: mean NPV lower by 1,000"), "{stdout}");
    // The frontier: nothing cheaper does as well.
    assert!(row(&rows, "ia;ic").on_frontier && row(&rows, "id").on_frontier);
    assert!(!row(&rows, "ib").on_frontier, "ia costs less and returns more");
}

#[test]
fn a_probability_floor_rules_out_the_highest_mean() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, stdout) = optimize("risky.toml", "4000", "2", &dir.path().join("out"));
    let both = row(&rows, "moonshot;steady");
    let best_mean = rows.iter().max_by(|a, b| a.npv_mean.total_cmp(&b.npv_mean)).unwrap();
    assert_eq!(best_mean.initiatives, "moonshot;steady");
    // P(success) = 0.5: 4 standard errors of 4,000 draws is 0.032.
    assert!((both.prob_npv_positive - 0.5).abs() < 4.0 * (0.25f64 / 4000.0).sqrt(), "{}", both.prob_npv_positive);
    assert!(!both.feasible && !row(&rows, "moonshot").feasible);
    let chosen = rows.iter().find(|r| r.recommended).unwrap();
    assert_eq!(chosen.initiatives, "steady");
    close(chosen.npv_mean, 20_000.0, "steady's NPV");
    assert!(stdout.contains("is below the required 80.0%"), "{stdout}");
}

#[test]
fn overlapping_deflections_are_worth_less_together() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, _) = optimize("overlap.toml", "200", "1", &dir.path().join("out"));
    let (bot, portal, both) = (row(&rows, "bot"), row(&rows, "portal"), row(&rows, "bot;portal"));
    close(bot.npv_p50, 60_000.0 - 10_000.0, "bot alone");
    close(portal.npv_p50, 60_000.0 - 10_000.0, "portal alone");
    // Together: 1 - 0.5 * 0.5 of the contacts go, saving 90,000, not 120,000.
    close(both.npv_p50, 90_000.0 - 20_000.0, "both");
    assert!(both.npv_p50 < bot.npv_p50 + portal.npv_p50);
    assert!(both.recommended, "still the best, just worth less than the sum");
}

#[test]
fn the_same_seed_gives_the_same_recommendation_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join(CANONICAL);
    let mut outputs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = dir.path().join(format!("t{threads}"));
        costcast()
            .arg("optimize")
            .arg(&scenario)
            .args(["-n", "3000", "--seed", "9", "--threads", threads, "--format", "csv", "-o"])
            .arg(&out)
            .assert()
            .success();
        outputs.push(out);
    }
    for file in ["frontier.csv", "summary.csv", "fiscal_years.csv"] {
        let a = std::fs::read(outputs[0].join(file)).unwrap();
        for other in &outputs[1..] {
            assert_eq!(a, std::fs::read(other.join(file)).unwrap(), "{file} differs with the thread count");
        }
    }
}

/// The recommended portfolio's report: its committable saving per fiscal
/// year ("what can we release"), the frontier chart, the page section and
/// the workbook sheet.
#[test]
fn the_report_says_what_to_fund_and_what_to_release() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    costcast()
        .arg("optimize")
        .arg(fixture("optimize", "knapsack.toml"))
        .args(["-n", "200", "--format", "all", "-o"])
        .arg(&out)
        .assert()
        .success();
    let fiscal = std::fs::read_to_string(out.join("fiscal_years.csv")).unwrap();
    let committable = fiscal
        .lines()
        .find(|l| l.starts_with("Recommended portfolio,FY2027,false,committable_saving,"))
        .expect("committable saving of the recommended portfolio");
    // Saving 1000 * 10 * (0.5 + 0.8) a month for 12 months, less 66,000 capex.
    let value: f64 = committable.split(',').nth(4).unwrap().parse().unwrap();
    close(value, 12.0 * 13_000.0 - 66_000.0, "committable saving FY2027");
    assert!(fiscal.lines().any(|l| l.starts_with("Runner-up portfolio,")));
    for chart in ["charts/9-portfolio-frontier.png", "charts/9-portfolio-frontier.svg"] {
        assert!(out.join(chart).is_file(), "{chart}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Recommendation: the portfolio to fund"));
    assert!(html.contains("<h2>The answer</h2>"));
    assert!(html.contains("<strong>Runner-up:</strong>"));
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(out.join("report.xlsx")).unwrap();
    let sheet = book.worksheet_range("Portfolio").expect("a Portfolio sheet");
    assert_eq!(sheet.get_value((0, 1)), Some(&calamine::Data::String("ia + ic".into())));
}

/// More than 12 free candidates: a heuristic search, labelled as such.
#[test]
fn beyond_twelve_candidates_the_search_is_heuristic_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let model = std::fs::read_to_string(fixture("optimize", "model.toml")).unwrap();
    std::fs::write(dir.path().join("model.toml"), model).unwrap();
    // 13 independent candidates on 4 channels: avoid 2% of one channel each,
    // capex 1,000 + 100 k: NPV 2,400 - 1,000 - 100 k, all positive, so the
    // best portfolio within the budget takes the cheapest ones.
    let mut text = String::from("model = \"model.toml\"\n");
    for k in 0..13 {
        let channel = ["a", "b", "c", "d"][k % 4];
        text.push_str(&format!(
            "\n[[initiative]]\nid = \"i{k:02}\"\nstart = 1\ncapex = {}\neffects = [{{ avoid = [\"{channel}\"], share = 0.02 }}]\n",
            1_000 + 100 * k
        ));
    }
    text.push_str("\n[optimize]\ncapex_budget = 5_000\nobjective = \"npv_mean\"\n");
    std::fs::write(dir.path().join("many.toml"), text).unwrap();
    let out = dir.path().join("out");
    let assert = costcast()
        .arg("optimize")
        .arg(dir.path().join("many.toml"))
        .args(["-n", "50", "--format", "csv,html", "-o"])
        .arg(&out)
        .assert()
        .success();
    let stdout = stdout(&assert);
    assert!(stdout.contains("heuristic search"), "{stdout}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("heuristic search"));
    // Within 5,000: the four cheapest (1,000 + 1,100 + 1,200 + 1,300 = 4,600).
    assert!(stdout.starts_with("recommended: i00 + i01 + i02 + i03 "), "{stdout}");
}

/// A bad `[optimize]` table: exit 1, the file, line and column, the field,
/// what was expected, and nothing written.
#[test]
fn bad_optimize_tables_are_refused_with_their_location() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("optimize", "model.toml"), dir.path().join("model.toml")).unwrap();
    let base = std::fs::read_to_string(fixture("optimize", "knapsack.toml")).unwrap();
    let cases = [
        (
            "objective = \"npv_mean\"",
            "objective = \"npv_p95\"",
            "optimize.objective: \"npv_p95\" is not an objective; expected one of npv_mean, npv_p10, npv_p50",
        ),
        (
            "capex_budget = 66_000",
            "capex_budget = 66_000\nrequired = [\"ia\", \"iz\"]",
            "optimize.required: unknown initiative \"iz\"",
        ),
        (
            "capex_budget = 66_000",
            "capex_budget = 66_000\nexcluded = [\"nope\"]",
            "optimize.excluded: unknown initiative \"nope\"",
        ),
        (
            "capex_budget = 66_000",
            "capex_budget = 66_000\nrequired = [\"ia\"]\nexcluded = [\"ia\"]",
            "\"ia\" is also required",
        ),
        (
            "capex_budget = 66_000",
            "capex_budget = 66_000\nmin_prob_positive = 1.5",
            "optimize.min_prob_positive: must be a probability in [0, 1], got 1.5",
        ),
        ("capex_budget = 66_000", "capex_budget = 66_000\nbudget = 1", "unknown field `budget`"),
    ];
    for (from, to, needle) in cases {
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, base.replace(from, to)).unwrap();
        let out = dir.path().join("out");
        let assert = costcast().arg("optimize").arg(&path).args(["-n", "50", "-o"]).arg(&out).assert().code(1);
        let stderr = stderr(&assert);
        assert!(stderr.contains(needle), "{to}: stderr lacks {needle:?}\n{stderr}");
        assert!(stderr.contains("bad.toml:"), "{stderr}");
        assert!(!out.exists(), "{to}: something was written");
    }
    // A budget no portfolio meets: the cheapest portfolio's capex is named,
    // with the budget's location.
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, base.replace("capex_budget = 66_000", "capex_budget = 4_000")).unwrap();
    // Only funding nothing fits 4,000: that is a budget no portfolio meets.
    let line = base.lines().position(|l| l.starts_with("capex_budget")).unwrap() + 1;
    let out = dir.path().join("out");
    let assert = costcast().arg("optimize").arg(&path).args(["-n", "50", "-o"]).arg(&out).assert().code(1);
    let stderr = stderr(&assert);
    assert!(
        stderr.contains(&format!("bad.toml:{line}:16: optimize.capex_budget: no portfolio meets the capex budget 4,000: the cheapest (id) has mean capex 5,000")),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// When every portfolio loses money, funding nothing is the answer.
#[test]
fn when_every_portfolio_loses_money_fund_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("optimize", "model.toml"), dir.path().join("model.toml")).unwrap();
    // Each saves 12,000 a year on a channel and costs 100,000 or 200,000.
    let text = "model = \"model.toml\"\n\n[[initiative]]\nid = \"bad1\"\nstart = 1\ncapex = 100_000\neffects = [{ avoid = [\"a\"], share = 0.1 }]\n\n\
                [[initiative]]\nid = \"bad2\"\nstart = 1\ncapex = 200_000\neffects = [{ avoid = [\"b\"], share = 0.1 }]\n\n\
                [optimize]\nobjective = \"npv_mean\"\n";
    std::fs::write(dir.path().join("neg.toml"), text).unwrap();
    let out = dir.path().join("out");
    let assert = costcast()
        .arg("optimize")
        .arg(dir.path().join("neg.toml"))
        .args(["-n", "100", "--format", "csv,html", "-o"])
        .arg(&out)
        .assert()
        .success();
    let stdout = stdout(&assert);
    assert!(stdout.starts_with("recommended: nothing (the baseline)"), "{stdout}");
    assert!(stdout.contains("runner-up: bad1: mean NPV lower by 88,000"), "{stdout}");
    let frontier = std::fs::read_to_string(out.join("frontier.csv")).unwrap();
    let first = frontier.lines().nth(1).unwrap();
    assert!(first.starts_with("1,,0,0,0,0,0,0,0,true,true,true,"), "{first}");
    // Losing portfolios are dominated by doing nothing.
    assert!(frontier.lines().skip(2).all(|l| l.contains(",false,true,false,")), "{frontier}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Fund nothing (keep the baseline).") && html.contains("no saving to release"));
}

#[test]
fn excluding_every_initiative_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("optimize", "model.toml"), dir.path().join("model.toml")).unwrap();
    let text = std::fs::read_to_string(fixture("optimize", "overlap.toml"))
        .unwrap()
        .replace("capex_budget = 100_000", "excluded = [\"bot\", \"portal\"]");
    std::fs::write(dir.path().join("x.toml"), text).unwrap();
    let assert = costcast()
        .arg("optimize")
        .arg(dir.path().join("x.toml"))
        .args(["-n", "50", "-o"])
        .arg(dir.path().join("out"))
        .assert()
        .code(1);
    let stderr = stderr(&assert);
    assert!(stderr.contains("optimize.excluded: every initiative is excluded"), "{stderr}");
}

/// `required` and `excluded` shape the search: with `id` required the
/// knapsack's best within 66,000 is ia + ib + id (89,000; ia + ic + id
/// would cost 71,000); with `ic` excluded it is the same portfolio.
#[test]
fn required_and_excluded_initiatives_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("optimize", "model.toml"), dir.path().join("model.toml")).unwrap();
    let base = std::fs::read_to_string(fixture("optimize", "knapsack.toml")).unwrap();
    for (extra, rows_expected) in [("required = [\"id\"]", 8), ("excluded = [\"ic\"]", 8)] {
        let path = dir.path().join("k.toml");
        std::fs::write(&path, base.replace("capex_budget = 66_000", &format!("capex_budget = 66_000\n{extra}")))
            .unwrap();
        let out = dir.path().join("out");
        let (rows, _) = optimize_path(&path, &out);
        assert_eq!(rows.len(), rows_expected, "{extra}: portfolios");
        let chosen = rows.iter().find(|r| r.recommended).unwrap();
        assert_eq!(chosen.initiatives, "ia;ib;id", "{extra}");
        close(chosen.npv_mean, 89_000.0, extra);
        if extra.starts_with("required") {
            assert!(rows.iter().all(|r| r.initiatives.split(';').any(|i| i == "id")), "every portfolio holds id");
        } else {
            assert!(rows.iter().all(|r| !r.initiatives.split(';').any(|i| i == "ic")), "no portfolio holds ic");
        }
    }
}

/// A heuristic search must climb past a first step that loses on its own:
/// with `npv_p10`, one initiative that fails one time in five has a P10 of
/// minus its capex, while two or more spread the risk and win.
#[test]
fn the_heuristic_search_climbs_past_a_losing_first_step() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("optimize", "model.toml"), dir.path().join("model.toml")).unwrap();
    let mut text = String::from("model = \"model.toml\"\n");
    for k in 0..13 {
        let channel = ["a", "b", "c", "d"][k % 4];
        text.push_str(&format!(
            "\n[[initiative]]\nid = \"r{k:02}\"\nstart = 1\nsuccess = 0.8\ncapex = 3_000\neffects = [{{ avoid = [\"{channel}\"], share = 0.1 }}]\n"
        ));
    }
    text.push_str("\n[optimize]\nobjective = \"npv_p10\"\n");
    std::fs::write(dir.path().join("risky13.toml"), text).unwrap();
    let (rows, stdout) = run_optimize(&dir.path().join("risky13.toml"), "2000", "2", &dir.path().join("out"));
    assert!(stdout.contains("heuristic search"), "{stdout}");
    let chosen = rows.iter().find(|r| r.recommended).unwrap();
    assert!(!chosen.initiatives.is_empty(), "recommended funding nothing:\n{stdout}");
    let single = rows.iter().find(|r| !r.initiatives.is_empty() && !r.initiatives.contains(';')).unwrap();
    assert!(single.npv_p50 > 0.0, "a single initiative's median is positive");
    assert!(chosen.initiatives.split(';').count() >= 2, "{stdout}");
}
