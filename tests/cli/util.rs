//! Helpers that several modules share: where the crate and its fixtures
//! are, running the costcast binary, loading and forecasting cases, edited
//! copies of the canonical case, closeness checks, and the rank and
//! Kolmogorov-Smirnov statistics of the statistical tests.
//!
//! Every test of the crate runs in one process, in parallel: nothing here
//! changes the environment, the working directory or a shared path, and
//! whatever a test writes goes into its own temporary folder.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use costcast::aggregate::{MonthlyRow, Results};
use costcast::model::Case;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The canonical case, relative to the crate root (the tests' working
/// directory).
pub const CANONICAL: &str = "scenarios/acme-ai-roadmap.toml";

/// The result tables of a report, compared byte for byte across runs.
pub const TABLES: [&str; 7] = [
    "summary.csv",
    "fiscal_years.csv",
    "monthly.csv",
    "bridge.csv",
    "sensitivity.csv",
    "run_rate.csv",
    "bridge_fiscal.csv",
];

/// The costcast binary cargo built for these tests.
pub const COSTCAST: &str = env!("CARGO_BIN_EXE_costcast");

/// The crate root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `name` in `tests/fixtures/<group>/` (the folder itself for `""`).
pub fn fixture(group: &str, name: &str) -> PathBuf {
    root().join("tests/fixtures").join(group).join(name)
}

/// A command that runs the costcast binary.
pub fn costcast() -> Command {
    Command::new(COSTCAST)
}

/// What a finished command wrote to stdout.
pub fn stdout(assert: &Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

/// What a finished command wrote to stderr.
pub fn stderr(assert: &Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// Skip a check that needs a tool this machine lacks: say so and let the
/// test pass, except under CI (`CI` set), which installs every such tool.
pub fn skip(why: &str) {
    assert!(std::env::var_os("CI").is_none(), "under CI this check must run: {why}");
    eprintln!("skipped: {why}");
}

/// The names in a folder, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

// ------------------------------------------------------------------ cases

/// The case of a scenario file, validated; a failure names the file.
pub fn load(path: &Path) -> Case {
    costcast::validate::load_case(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).value
}

/// The results of the scenario file at `path`, on two threads.
pub fn forecast(path: &Path, iterations: usize, seed: u64) -> Results {
    costcast::run::forecast(&load(path), iterations, seed, 2).expect("forecast")
}

/// The canonical case at 2,000 iterations (seed 1), simulated once for
/// every test that only reads it.
pub fn canonical_forecast() -> &'static (Case, Results) {
    static RUN: OnceLock<(Case, Results)> = OnceLock::new();
    RUN.get_or_init(|| {
        let case = load(Path::new(CANONICAL));
        let results = costcast::run::forecast(&case, 2000, 1, 2).expect("forecast");
        (case, results)
    })
}

/// The canonical scenario file's text with its model path made absolute,
/// so that an edited copy works from any folder.
pub fn canonical_scenario_text() -> String {
    let relative = "model = \"../models/acme.toml\"";
    let text = std::fs::read_to_string(root().join(CANONICAL)).unwrap();
    assert!(text.contains(relative), "{CANONICAL} no longer names its model as {relative}");
    let model = root().join("models/acme.toml");
    text.replace(relative, &format!("model = {:?}", model.display().to_string()))
}

/// Copy the canonical model and scenario files into `dir` (as
/// `models/acme.toml` and `scenarios/acme-ai-roadmap.toml`, so the relative
/// model path still holds), each text passed through its edit; returns the
/// copied scenario file.
pub fn copy_canonical(dir: &Path, model: impl Fn(String) -> String, scenario: impl Fn(String) -> String) -> PathBuf {
    let copy = |file: &str, edit: &dyn Fn(String) -> String| {
        let to = dir.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        std::fs::write(to, edit(text)).unwrap();
    };
    copy("models/acme.toml", &model);
    copy(CANONICAL, &scenario);
    dir.join(CANONICAL)
}

/// One row of the monthly results.
pub fn monthly<'r>(r: &'r Results, scenario: &str, month: &str, channel: &str, metric: &str) -> &'r MonthlyRow {
    r.monthly
        .iter()
        .find(|row| row.scenario == scenario && row.month == month && row.channel == channel && row.metric == metric)
        .unwrap_or_else(|| panic!("no monthly row {scenario}/{month}/{channel}/{metric}"))
}

/// A monthly quantity that is the same in every iteration. The mean is f64
/// (1e-9); the percentiles come from the monthly sample, kept as f32 (1e-6).
#[track_caller]
pub fn assert_constant_month(row: &MonthlyRow, expected: f64, what: &str) {
    close(row.mean, expected, &format!("{what} mean"));
    for (name, x) in [("p10", row.p10), ("p50", row.p50), ("p90", row.p90)] {
        close_tol(x, expected, 1e-6, &format!("{what} {name}"));
    }
}

// ------------------------------------------------------------- closeness

/// |actual - expected| <= tol * max(|expected|, 1): relative, with an
/// absolute floor for expected values near zero.
#[track_caller]
pub fn close_tol(actual: f64, expected: f64, tol: f64, what: &str) {
    let scale = expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tol * scale,
        "{what}: got {actual:.12}, expected {expected:.12} (diff {:.3e})",
        actual - expected
    );
}

/// [`close_tol`] at 1e-9: equal but for rounding.
#[track_caller]
pub fn close(actual: f64, expected: f64, what: &str) {
    close_tol(actual, expected, 1e-9, what);
}

// ------------------------------------------------------------- statistics

/// The generator the statistical tests draw from.
pub fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Asymptotic Kolmogorov-Smirnov critical value at the 0.1 % level:
/// reject when sqrt(n) * D > 1.95 (K(1.949) = 0.999).
pub const KS_CRITICAL: f64 = 1.95;

/// The values in ascending order.
pub fn sorted(mut xs: Vec<f64>) -> Vec<f64> {
    xs.sort_by(f64::total_cmp);
    xs
}

/// The Kolmogorov-Smirnov statistic sup |F_n(x) - F(x)| of sorted samples.
pub fn ks_statistic(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max)
}

/// Ranks 1..=n; tied values share their average rank.
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Pearson's correlation.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// Spearman's rank correlation, with average ranks for ties.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}
