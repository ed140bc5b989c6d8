//! Bounded memory gives the same numbers as keeping everything.
//!
//! A run past the pilot keeps most results as tallies (moments, exact
//! min/max and the values inside brackets around the percentiles) and the
//! inputs as 16-bit keys. These tests check that the tables are those of a
//! run that keeps every value: percentiles exactly, a percentile that falls
//! between brackets is recovered exactly, and sensitivity matches the
//! unbinned computation (deciles exactly, Spearman within the binning's
//! bound).

use std::sync::atomic::AtomicUsize;

use costcast::aggregate::{self, Results};
use costcast::model::Case;
use costcast::simulate::sampler::Sampler;
use costcast::simulate::stream::iteration_rng;
use costcast::simulate::{self, Kept, RunOptions, Simulation};

use crate::util::{CANONICAL, close, copy_canonical, load, root, spearman};

fn canonical() -> Case {
    load(&root().join(CANONICAL))
}

/// The canonical case with its model and scenario texts edited, loaded
/// from a temporary folder (kept alive by the returned guard).
fn edited_canonical(
    model: impl Fn(String) -> String,
    scenario: impl Fn(String) -> String,
) -> (tempfile::TempDir, Case) {
    let dir = tempfile::tempdir().unwrap();
    let case = load(&copy_canonical(dir.path(), model, scenario));
    (dir, case)
}

fn in_pool<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(work)
}

fn simulation(case: &Case, options: RunOptions) -> Simulation {
    in_pool(|| simulate::simulate(case, options, &AtomicUsize::new(0)).unwrap())
}

fn results(case: &Case, options: RunOptions) -> Results {
    let sim = simulation(case, options);
    in_pool(|| aggregate::aggregate(case, sim))
}

const N: usize = 30_000;

#[test]
fn bracketed_tallies_give_the_tables_of_keeping_everything() {
    let case = canonical();
    let everything = RunOptions { pilot: N, ..RunOptions::new(N, 5, true) };
    let bracketed = RunOptions { pilot: 4096, ..everything };
    let kept = simulation(&case, bracketed);
    let tallied: Vec<_> =
        kept.columns.iter().filter_map(|c| if let Kept::Tally(t) = c { Some(t) } else { None }).collect();
    let bytes: usize = tallied.iter().map(|t| t.kept_bytes()).sum();
    // A 4,096-iteration pilot brackets roughly a fifth of the values; keeping
    // everything would be 8 bytes a value.
    assert!(bytes < 8 * N * tallied.len() / 3, "kept {bytes} bytes of {}", 8 * N * tallied.len());
    assert!(kept.misses().is_empty());
    assert_eq!(results(&case, bracketed), results(&case, everything));
}

#[test]
fn a_percentile_between_brackets_is_recovered_exactly() {
    let case = canonical();
    let everything = RunOptions { pilot: N, ..RunOptions::new(N, 9, true) };
    // Brackets of two ranks either side of a 2,048-iteration pilot's
    // percentiles: most of the full run's fall outside.
    let narrow = RunOptions { pilot: 2048, bracket_z: 0.0, ..everything };
    let layout = simulate::Layout::new(&case);
    let missed = in_pool(|| {
        let plan = simulate::plan(&case, &layout, narrow).unwrap();
        let part = simulate::simulate_batches(
            &case,
            &layout,
            narrow,
            &plan,
            0..N.div_ceil(simulate::BATCH),
            None,
            &AtomicUsize::new(0),
        )
        .unwrap();
        Simulation::from_parts(&case, layout.clone(), narrow, vec![part]).misses()
    });
    assert!(missed.len() > 5, "only {} columns missed", missed.len());
    // simulate() notices and keeps those columns whole: the same tables.
    assert_eq!(results(&case, narrow), results(&case, everything));
}

/// Spearman's rho with average ranks over exact values, and the decile
/// means (n/10 lowest and highest, ties in iteration order, summed in
/// iteration order): the spec's definitions, computed the plain way.
fn exact_sensitivity(input: &[f64], npv: &[f64]) -> (f64, f64, f64) {
    let mut order: Vec<usize> = (0..input.len()).collect();
    order.sort_by(|&a, &b| input[a].total_cmp(&input[b]).then(a.cmp(&b)));
    let k = input.len() / 10;
    let decile = |members: &[usize]| {
        let mut m = members.to_vec();
        m.sort_unstable();
        m.iter().map(|&i| npv[i]).sum::<f64>() / k as f64
    };
    (spearman(input, npv), decile(&order[..k]), decile(&order[input.len() - k..]))
}

#[test]
fn sensitivity_from_keys_matches_the_exact_draws() {
    check_sensitivity(&canonical());
}

/// Skewed inputs: a lognormal whose range spans many orders of magnitude
/// and a beta with an unbounded density must not crowd into a few keys.
#[test]
fn sensitivity_of_skewed_inputs_matches_the_exact_draws() {
    let (_dir, case) = edited_canonical(
        |model| {
            model.replacen(
                r#"cost_per_contact = "pert(6.0, 8.0, 12.0)""#,
                r#"cost_per_contact = "lognormal(2.0, 1.5)""#,
                1,
            )
        },
        |scenario| scenario.replacen(r#"share = "triangular(0.10, 0.25, 0.40)""#, r#"share = "beta(0.5, 2)""#, 1),
    );
    let kinds: Vec<&str> = case.inputs.defs.iter().map(|d| d.written.as_str()).collect();
    assert!(kinds.contains(&"lognormal(2.0, 1.5)") && kinds.contains(&"beta(0.5, 2)"), "{kinds:?}");
    check_sensitivity(&case);
}

fn check_sensitivity(case: &Case) {
    let case = case.clone();
    let options = RunOptions::new(N, 3, true);
    let sim = simulation(&case, options);
    // Every iteration's exact inputs, drawn again from its stream.
    let sampler = Sampler::new(&case);
    let (mut values, mut normals, mut uniforms) = (Vec::new(), Vec::new(), Vec::new());
    let draws: Vec<Vec<f64>> = (0..N as u64)
        .map(|i| {
            sampler.draw(&mut iteration_rng(3, i), &mut values, &mut normals, &mut uniforms);
            values.clone()
        })
        .collect();
    let npv: Vec<Vec<f64>> = sim.layout.scenarios.iter().map(|c| sim.whole(c.npv).to_vec()).collect();
    let inputs = sim.layout.inputs.clone();
    let results = in_pool(|| aggregate::aggregate(&case, sim));
    let mut checked = 0;
    for row in &results.sensitivity {
        let s = case.scenarios.iter().position(|s| s.name == row.scenario).unwrap();
        let id = *inputs.iter().find(|&&i| case.inputs.defs[i].path == row.input).unwrap();
        let column: Vec<f64> = draws.iter().map(|d| d[id]).collect();
        let (rho, low, high) = exact_sensitivity(&column, &npv[s]);
        // A key is 1/65,536 of the input's range: ties it makes move rho by
        // far less than its Monte Carlo error (about 1/sqrt(n) = 0.006).
        assert!((row.spearman - rho).abs() < 1e-5, "{} {}: {} against {rho}", row.scenario, row.input, row.spearman);
        close(row.npv_low_decile, low, &format!("{} {}: low decile", row.scenario, row.input));
        close(row.npv_high_decile, high, &format!("{} {}: high decile", row.scenario, row.input));
        checked += 1;
    }
    assert!(checked > 60, "{checked} rows");
}

/// A model that overflows (volumes growing 50% a month for 50 years) gives
/// NaN in some iterations. Such a forecast is refused as a whole, naming
/// the figure that overflowed (issue 28: finite or refused), rather than
/// written with empty cells or summarised over the iterations that stayed
/// finite.
#[test]
fn a_result_that_is_nan_in_some_iterations_refuses_the_forecast() {
    let (_dir, case) = edited_canonical(
        |model| {
            model.replacen("months = 36", "months = 600", 1).replacen(
                r#"growth = "normal(0.004, 0.002)""#,
                r#"growth = "uniform(0, 4)""#,
                1,
            )
        },
        |scenario| scenario,
    );
    let err = costcast::run::forecast(&case, 2000, 42, 2).expect_err("an overflowing forecast is refused");
    let text = err.to_string();
    assert!(text.contains("overflows"), "{text}");
    assert!(matches!(err, costcast::Error::Input(_)), "{err:?}");
}
