//! One `costcast run`: load, check, simulate, aggregate, write.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::aggregate::{self, Results};
use crate::error::{Error, Warning};
use crate::model::Case;
use crate::report::record::{RunRecord, hash_inputs};
use crate::report::{self, output};
use crate::simulate::{self, RunOptions};
use crate::validate;

/// The seed when none is given (spec section 11).
pub const DEFAULT_SEED: u64 = 42;
/// Iterations when none are given.
pub const DEFAULT_ITERATIONS: usize = 100_000;

/// What `costcast run` is asked to do.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub scenario: PathBuf,
    pub iterations: usize,
    pub seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// The report folder; default `reports/<scenario file stem>/`.
    pub output: Option<PathBuf>,
    /// The command line, for the run record.
    pub command: String,
    /// What to write besides the CSV tables.
    pub formats: report::Formats,
    /// `--strict`: a warning about the inputs is an error.
    pub strict: bool,
    /// `--confidence`: the committable saving is the (1 - confidence)
    /// quantile of a fiscal year's saving.
    pub confidence: f64,
    /// `--precision`: add iterations in doubling rounds until every
    /// scenario's NPV is this settled (a share below 1, else an amount);
    /// `iterations` is then the cap.
    pub precision: Option<f64>,
}

/// What a finished run produced.
#[derive(Debug)]
pub struct RunOutcome {
    pub output: PathBuf,
    pub case: Case,
    pub results: Results,
    pub warnings: Vec<Warning>,
    pub record: RunRecord,
}

/// The default report folder for a scenario file.
pub fn default_output(scenario: &Path) -> PathBuf {
    let stem = scenario.file_stem().map_or("report".into(), |s| s.to_string_lossy().into_owned());
    Path::new("reports").join(stem)
}

/// Simulate and aggregate a checked case on `threads` threads (0: all cores).
pub fn forecast(case: &Case, iterations: usize, seed: u64, threads: usize) -> Result<Results, Error> {
    forecast_with_progress(case, iterations, seed, threads, &AtomicUsize::new(0))
}

/// [`forecast`], counting finished iterations in `progress`.
pub fn forecast_with_progress(
    case: &Case,
    iterations: usize,
    seed: u64,
    threads: usize,
    progress: &AtomicUsize,
) -> Result<Results, Error> {
    check_iterations(&case.scenario_path, iterations)?;
    pool(threads)?.install(|| forecast_in_pool(case, iterations, seed, progress))
}

/// Percentiles and an sd need at least two iterations.
fn check_iterations(scenario: &Path, iterations: usize) -> Result<(), Error> {
    if iterations < 2 {
        return Err(Error::Input(crate::InputError::one(crate::Diagnostic::new(
            scenario,
            "-n",
            format!("needs at least 2 iterations, got {iterations}"),
        ))));
    }
    Ok(())
}

/// The confidence finance commits at must be a probability strictly
/// between 0 and 1 (at 1 no saving is certain; at 0 none is committed).
pub fn check_confidence(scenario: &Path, confidence: f64) -> Result<(), Error> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(Error::Input(crate::InputError::one(crate::Diagnostic::new(
            scenario,
            "--confidence",
            format!("must be a probability between 0 and 1 (0.9 commits the P10 saving), got {confidence}"),
        ))));
    }
    Ok(())
}

/// Load and check the request's case on `pool`, with its confidence.
fn load_checked(pool: &rayon::ThreadPool, request: &RunRequest) -> Result<validate::Checked<Case>, Error> {
    check_confidence(&request.scenario, request.confidence)?;
    let mut checked = pool.install(|| validate::load_case(&request.scenario))?.strict(request.strict)?;
    checked.value.confidence = request.confidence;
    Ok(checked)
}

/// The worker threads a request asks for; 0 means one per core.
pub fn run_threads(requested: usize) -> usize {
    if requested == 0 { rayon::current_num_threads() } else { requested }
}

/// A rayon pool of `threads` threads (0: one per core).
///
/// More than four threads a core only costs memory and start-up time (the
/// results are the same on any count), and a slip such as `--threads
/// 1000000` would try to start a million: the count is capped, with a
/// warning (issue 28).
pub fn pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let most = 4 * cores;
    let threads = if threads > most {
        eprintln!("warning: --threads {threads} is more than 4 a core on {cores} cores; using {most}");
        most
    } else {
        threads
    };
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(Error::Threads)
}

/// [`forecast_with_progress`] on the current rayon pool, for callers that
/// run several forecasts in one pool (`costcast batch`).
pub fn forecast_in_pool(case: &Case, iterations: usize, seed: u64, progress: &AtomicUsize) -> Result<Results, Error> {
    check_iterations(&case.scenario_path, iterations)?;
    let timing = std::env::var_os("COSTCAST_TIMING").is_some();
    let t0 = Instant::now();
    let sim = simulate::simulate(case, RunOptions::new(iterations, seed, true), progress)?;
    let t1 = Instant::now();
    let kept = timing.then(|| kept_megabytes(&sim));
    let results = aggregate::aggregate(case, sim);
    aggregate::finite::check(case, &results)?;
    if let Some((results_mb, keys_mb, sample_mb)) = kept {
        eprintln!(
            "timing: simulate {:.3} s, aggregate {:.3} s; kept: results {results_mb:.1} MB, input keys {keys_mb:.1} MB, monthly sample {sample_mb:.1} MB",
            (t1 - t0).as_secs_f64(),
            t1.elapsed().as_secs_f64(),
        );
    }
    Ok(results)
}

/// What a simulation keeps, in MB: per-iteration results, input keys and
/// the monthly sample (`COSTCAST_TIMING`).
fn kept_megabytes(sim: &simulate::Simulation) -> (f64, f64, f64) {
    let results: usize = sim
        .columns
        .iter()
        .map(|c| match c {
            simulate::Kept::Whole(v) => 8 * v.len(),
            simulate::Kept::Months(v) => 2 * v.len(),
            simulate::Kept::Tally(t) => t.kept_bytes(),
        })
        .sum();
    let mb = |bytes: usize| bytes as f64 / (1 << 20) as f64;
    (mb(results), mb(2 * sim.input_keys.iter().map(Vec::len).sum::<usize>()), mb(4 * sim.monthly_sample.len()))
}

/// Run `work` while a progress bar on stderr follows `done` out of `total`:
/// shown only on a terminal, and only once the work has taken a second.
fn with_progress<T>(total: usize, work: impl FnOnce(&AtomicUsize) -> T) -> T {
    with_progress_over(total, 0, |done, _| work(done))
}

/// [`with_progress`] over iterations and, when `files` > 0, files (the
/// second counter), for `costcast batch`.
pub(crate) fn with_progress_over<T>(
    total: usize,
    files: usize,
    work: impl FnOnce(&AtomicUsize, &AtomicUsize) -> T,
) -> T {
    let done = AtomicUsize::new(0);
    let files_done = AtomicUsize::new(0);
    if !std::io::stderr().is_terminal() {
        return work(&done, &files_done);
    }
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let started = Instant::now();
            let mut bar: Option<indicatif::ProgressBar> = None;
            while !finished.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if bar.is_none() && started.elapsed() >= Duration::from_secs(1) {
                    let b = indicatif::ProgressBar::new(total as u64);
                    let template = if files > 0 {
                        "{bar:40} {pos}/{len} iterations, {msg} files, {eta} left"
                    } else {
                        "{bar:40} {pos}/{len} iterations, {eta} left"
                    };
                    b.set_style(
                        indicatif::ProgressStyle::with_template(template)
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                    );
                    bar = Some(b);
                }
                if let Some(b) = &bar {
                    b.set_position(done.load(Ordering::Relaxed) as u64);
                    if files > 0 {
                        b.set_message(format!("{}/{files}", files_done.load(Ordering::Relaxed)));
                    }
                }
            }
            if let Some(b) = bar {
                b.finish_and_clear();
            }
        });
        let out = work(&done, &files_done);
        finished.store(true, Ordering::Relaxed);
        out
    })
}

/// Every report file of a run, rendered in parallel, in a fixed order;
/// the page lists the `warnings` about its inputs.
pub fn render(
    case: &Case,
    results: &Results,
    formats: report::Formats,
    warnings: &[Warning],
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    use rayon::prelude::*;
    let mut exporters = report::csv::tables_for(results);
    if results.portfolio.is_some() {
        exporters.push(Box::new(report::csv::Frontier));
    }
    exporters.extend(report::charts::chart_files(&report::charts::charts_for(results), formats.png, formats.svg));
    if formats.xlsx {
        exporters.push(Box::new(report::xlsx::Workbook));
    }
    if formats.html {
        exporters.push(Box::new(report::html::Html { warnings: warnings.to_vec() }));
    }
    exporters
        .par_iter()
        .map(|e| {
            let bytes = e.serialize(case, results).map_err(|source| Error::Render { file: e.file_name(), source })?;
            Ok((e.file_name(), bytes))
        })
        .collect()
}

/// Where a report came from, for its run record.
pub(crate) struct Provenance<'a> {
    pub command: &'a str,
    pub seed: u64,
    pub threads: usize,
    pub started: Instant,
    pub warnings: &'a [Warning],
}

impl<'a> Provenance<'a> {
    /// A run request's provenance.
    pub(crate) fn of(
        request: &'a RunRequest,
        threads: usize,
        started: Instant,
        warnings: &'a [Warning],
    ) -> Provenance<'a> {
        Provenance { command: &request.command, seed: request.seed, threads, started, warnings }
    }
}

/// Render every report file, add the run record and write the folder all or
/// nothing; returns the record.
pub(crate) fn write_report(
    output: &Path,
    case: &Case,
    results: &Results,
    formats: report::Formats,
    from: Provenance<'_>,
) -> Result<RunRecord, Error> {
    let mut files = render(case, results, formats, from.warnings)?;
    let record = RunRecord {
        costcast_version: env!("CARGO_PKG_VERSION"),
        command: from.command.to_owned(),
        inputs: hash_inputs(&case.sources),
        seed: from.seed,
        iterations: results.iterations,
        confidence: Some(results.confidence),
        threads: from.threads,
        monthly_percentile_iterations: results.monthly_sample,
        wall_seconds: from.started.elapsed().as_secs_f64(),
        warnings: from.warnings.iter().map(|w| w.0.to_string()).collect(),
        precision: results.precision.clone(),
    };
    files.push((output::RECORD_FILE.to_owned(), record.to_json()));
    output::write_all(output, &files)?;
    Ok(record)
}

/// Run a scenario file end to end and write its report.
pub fn run(request: &RunRequest, on_warning: impl Fn(&Warning)) -> Result<RunOutcome, Error> {
    let started = Instant::now();
    let model_file = crate::input::source::read_bounded(&request.scenario, crate::input::source::MAX_INPUT_BYTES)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| !t.contains_key("model"));
    if model_file {
        return Err(Error::Input(crate::InputError::one(crate::Diagnostic::new(
            &request.scenario,
            "",
            "this is not a scenario file (it names no model); `costcast run` needs a scenario file with model = \"...\" \
             and its initiatives",
        )
        .at(1, 1))));
    }
    // One pool for the whole run, reading the model included (its PERT
    // tables are built side by side), so `--threads` holds throughout.
    let pool = pool(request.threads)?;
    let threads = pool.current_num_threads();
    let checked = load_checked(&pool, request)?;
    checked.warnings.iter().for_each(&on_warning);
    let case = checked.value;
    let output = request.output.clone().unwrap_or_else(|| default_output(&request.scenario));
    output::check_target(&output, &case.sources)?;
    let results = match request.precision {
        None => with_progress(request.iterations, |done| {
            pool.install(|| forecast_in_pool(&case, request.iterations, request.seed, done))
        })?,
        Some(asked) => {
            let precision = check_precision(&request.scenario, asked)?;
            // Rounds may compute a short batch twice: the bar counts work.
            with_progress(request.iterations + request.iterations / 4, |done| {
                pool.install(|| forecast_to_precision(&case, precision, asked, request.iterations, request.seed, done))
            })?
        }
    };
    if let Some(w) = precision_missed(&request.scenario, request.iterations, &case, &results) {
        on_warning(&w);
    }
    let from = Provenance::of(request, threads, started, &checked.warnings);
    let record = pool.install(|| write_report(&output, &case, &results, request.formats, from))?;
    Ok(RunOutcome { output, case, results, warnings: checked.warnings, record })
}

/// The warning when `--precision` was asked for and the cap `-n` came
/// first: what was reached, and by which scenario.
pub fn precision_missed(scenario: &Path, cap: usize, case: &Case, results: &Results) -> Option<Warning> {
    let p = results.precision.as_ref().filter(|p| !p.met)?;
    Some(Warning(crate::Diagnostic::new(
        scenario,
        "--precision",
        format!(
            "not reached within -n {cap} iterations: NPV of {} is settled to +-{} ({} of its mean); raise -n",
            crate::error::quoted(&p.least_settled),
            crate::report::format::money_short(p.half_width, &case.model.currency),
            crate::report::format::percent(p.share)
        ),
    )))
}

/// A precision is a share of |mean NPV| below 1 or an amount from 1 up.
pub fn check_precision(scenario: &Path, asked: f64) -> Result<crate::aggregate::precision::Precision, Error> {
    crate::aggregate::precision::Precision::from_value(asked).ok_or_else(|| {
        Error::Input(crate::InputError::one(crate::Diagnostic::new(
            scenario,
            "--precision",
            format!(
                "must be a share of the mean NPV below 1 (0.005 is half a percent) or an amount from 1 up (25000), got {asked}"
            ),
        )))
    })
}

/// Simulate in doubling rounds until `precision` holds for every
/// scenario's NPV or `cap` iterations, and aggregate what was reached.
pub fn forecast_to_precision(
    case: &Case,
    precision: crate::aggregate::precision::Precision,
    asked: f64,
    cap: usize,
    seed: u64,
    progress: &AtomicUsize,
) -> Result<Results, Error> {
    check_iterations(&case.scenario_path, cap)?;
    let rounds = simulate::rounds::simulate_to_precision(case, precision, cap, seed, progress)?;
    let (s, least) = rounds
        .settled
        .iter()
        .enumerate()
        .max_by(|a, b| {
            let over = |x: &crate::aggregate::precision::Settled| x.half_width / precision.allowed(x.mean);
            over(a.1).total_cmp(&over(b.1))
        })
        .map(|(s, x)| (s, *x))
        .expect("a case has a scenario");
    let mut results = aggregate::aggregate(case, rounds.simulation);
    aggregate::finite::check(case, &results)?;
    results.precision = Some(crate::aggregate::precision::PrecisionOutcome {
        asked,
        met: rounds.met,
        least_settled: case.scenarios[s].name.clone(),
        half_width: least.half_width,
        share: least.share,
    });
    Ok(results)
}

/// How settled the recommended portfolio's objective (its mean, P10 or
/// P50 NPV) is: met when its 95% half-width is within `precision`.
/// Recommending nothing is exact (an NPV of 0 in every iteration).
fn objective_settled(
    results: &Results,
    precision: crate::aggregate::precision::Precision,
    asked: f64,
) -> crate::aggregate::precision::PrecisionOutcome {
    use crate::aggregate::SummaryValue;
    use crate::aggregate::precision::{PrecisionOutcome, Z95};
    let row = results.summary.iter().find(|r| r.scenario == RECOMMENDED && r.metric == "npv");
    let (mean, half_width) = match (row, results.portfolio.as_ref().map(|p| p.objective)) {
        (Some(row), Some(objective)) => {
            let se = match objective {
                crate::model::Objective::NpvMean => row.se.mean,
                crate::model::Objective::NpvP10 => row.se.p10,
                crate::model::Objective::NpvP50 => row.se.p50,
            };
            let mean = match row.value {
                SummaryValue::Stats(Some(s)) => s.mean,
                _ => f64::NAN,
            };
            (mean, Z95 * se)
        }
        _ => (0.0, 0.0),
    };
    PrecisionOutcome {
        asked,
        met: half_width <= precision.allowed(mean),
        least_settled: RECOMMENDED.to_owned(),
        half_width,
        share: if mean == 0.0 { 0.0 } else { half_width / mean.abs() },
    }
}

/// The default report folder of `costcast optimize` for a scenario file:
/// beside, not over, the run's.
pub fn default_optimize_output(scenario: &Path) -> PathBuf {
    let stem = scenario.file_stem().map_or("report".into(), |s| s.to_string_lossy().into_owned());
    Path::new("reports").join(format!("{stem}-optimize"))
}

/// Name of the recommended portfolio's scenario in an optimize report.
pub const RECOMMENDED: &str = "Recommended portfolio";
/// Name of the runner-up's scenario in an optimize report.
pub const RUNNER_UP: &str = "Runner-up portfolio";

/// `costcast optimize`: search the portfolios of a scenario file's
/// initiatives under its `[optimize]` table (spec section 8), then write the
/// recommended portfolio's report (with the runner-up beside it), the
/// frontier and the recommendation.
pub fn optimize(request: &RunRequest, on_warning: impl Fn(&Warning)) -> Result<RunOutcome, Error> {
    use crate::model::Scenario;
    use crate::optimize::OptimizeError;
    let started = Instant::now();
    let pool = pool(request.threads)?;
    let threads = pool.current_num_threads();
    let checked = load_checked(&pool, request)?;
    checked.warnings.iter().for_each(&on_warning);
    let case = checked.value;
    let spec = match case.optimize.clone() {
        Some(spec) => spec,
        None => {
            let note = crate::Diagnostic::new(
                &request.scenario,
                "optimize",
                "no [optimize] table: no capex budget and no P(NPV > 0) floor; maximising npv_p50",
            );
            on_warning(&Warning(note.clone()));
            crate::model::OptimizeSpec::unconstrained(note)
        }
    };
    check_iterations(&request.scenario, request.iterations)?;
    let precision = request.precision.map(|asked| check_precision(&request.scenario, asked)).transpose()?;
    let output = request.output.clone().unwrap_or_else(|| default_optimize_output(&request.scenario));
    output::check_target(&output, &case.sources)?;
    // The search at `n` iterations and the report of what it recommends:
    // the recommended portfolio, and the runner-up beside it, as scenarios
    // on the same draws. Funding nothing has no scenario of its own: the
    // baseline is it.
    let search = |n: usize| -> Result<(Case, Results), Error> {
        let recommendation = crate::optimize::optimize(&case, &spec, n, request.seed).map_err(|e| match e {
            OptimizeError::Input(e) => Error::Input(e),
            OptimizeError::Simulate(e) => Error::Simulate(e),
        })?;
        let mut shown = case.clone();
        shown.scenarios = Vec::new();
        let chosen = &recommendation.chosen().stats.members;
        if !chosen.is_empty() {
            shown.scenarios.push(Scenario { name: RECOMMENDED.into(), initiatives: chosen.clone() });
        }
        if let Some((runner, _)) = recommendation.runner_up().filter(|(r, _)| !r.stats.members.is_empty()) {
            shown.scenarios.push(Scenario { name: RUNNER_UP.into(), initiatives: runner.stats.members.clone() });
        }
        let mut results = forecast_in_pool(&shown, n, request.seed, &AtomicUsize::new(0))?;
        results.portfolio = Some(recommendation);
        Ok((shown, results))
    };
    let (shown, results) = match precision {
        None => pool.install(|| search(request.iterations))?,
        // The whole search again at each round's count, so the report is
        // the one `optimize -n` writes at the count reached.
        Some(precision) => pool.install(|| -> Result<(Case, Results), Error> {
            let counts = simulate::rounds::round_counts(request.iterations);
            for (k, &n) in counts.iter().enumerate() {
                let (shown, mut results) = search(n)?;
                let outcome = objective_settled(&results, precision, request.precision.unwrap_or_default());
                if outcome.met || k + 1 == counts.len() {
                    results.precision = Some(outcome);
                    return Ok((shown, results));
                }
            }
            unreachable!("the last round is the cap")
        })?,
    };
    if let Some(w) = precision_missed(&request.scenario, request.iterations, &shown, &results) {
        on_warning(&w);
    }
    let from = Provenance::of(request, threads, started, &checked.warnings);
    let record = pool.install(|| write_report(&output, &shown, &results, request.formats, from))?;
    Ok(RunOutcome { output, case: shown, results, warnings: checked.warnings, record })
}

/// The default part file of a shard: `reports/<stem>.shard-K-of-N.part`.
pub fn default_part_path(scenario: &Path, shard: crate::shard::Shard) -> PathBuf {
    let stem = scenario.file_stem().map_or("report".into(), |s| s.to_string_lossy().into_owned());
    Path::new("reports").join(format!("{stem}.shard-{}-of-{}.part", shard.index, shard.count))
}

/// `costcast run --shard K/N`: compute one shard of the run and write its
/// part file (atomically: a temporary name, then renamed).
pub fn run_shard(
    request: &RunRequest,
    shard: crate::shard::Shard,
    on_warning: impl Fn(&Warning),
) -> Result<PathBuf, Error> {
    let pool = pool(request.threads)?;
    let checked = load_checked(&pool, request)?;
    checked.warnings.iter().for_each(&on_warning);
    let case = checked.value;
    check_iterations(&request.scenario, request.iterations)?;
    let path = request.output.clone().unwrap_or_else(|| default_part_path(&request.scenario, shard));
    let refuse = |message: String| Error::Input(crate::InputError::one(crate::Diagnostic::new(&path, "-o", message)));
    if path.is_dir() {
        return Err(refuse("is a folder; with --shard, -o names the part file to write".into()));
    }
    let target = std::fs::canonicalize(&path).ok();
    if target.is_some() && case.sources.iter().any(|s| std::fs::canonicalize(s).ok() == target) {
        return Err(refuse("is one of the run's input files; choose another part file".into()));
    }
    let (header, part) = pool.install(|| crate::shard::run_shard(&case, request.iterations, request.seed, shard))?;
    let bytes = crate::shard::encode(&header, &part);
    let write_err = |p: &Path, source: std::io::Error| Error::Write { path: p.to_path_buf(), source };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    report::staging::sweep(parent);
    let name = path.file_name().map_or("part".into(), |n| n.to_string_lossy().into_owned());
    let staging = report::staging::Staging::new(parent, &name);
    std::fs::write(staging.path(), &bytes).map_err(|e| write_err(staging.path(), e))?;
    staging.commit(|staged| std::fs::rename(staged, &path)).map_err(|e| write_err(&path, e))?;
    Ok(path)
}

/// What `costcast merge` is asked to do.
#[derive(Debug, Clone)]
pub struct MergeRequest {
    pub parts: Vec<PathBuf>,
    pub output: PathBuf,
    pub threads: usize,
    pub formats: report::Formats,
    pub command: String,
    /// `--strict`: a warning about the inputs is an error.
    pub strict: bool,
}

/// `costcast merge`: check that the parts are one complete run, put them
/// together and write the report a single run would have written.
pub fn merge(request: &MergeRequest, on_warning: impl Fn(&Warning)) -> Result<RunOutcome, Error> {
    use crate::shard;
    let started = Instant::now();
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    for path in &request.parts {
        // A part file may be large (it keeps every iteration), but it must
        // be a regular file of the size its header announces.
        match shard::read_part(path) {
            Ok((header, part)) => parts.push((path.clone(), header, part)),
            Err(d) => problems.push(d),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Input(crate::InputError { diagnostics: problems }));
    }
    let parts = shard::check_set(parts)?;
    let first = parts[0].1.clone();
    let pool = pool(request.threads)?;
    let threads = pool.current_num_threads();
    // The scenario file as the shards were given it, where that names the
    // same file from here (shards and merge run from one folder): the case
    // is then the run's, paths included, so report.html is the run's byte
    // for byte. Else from its absolute path, showing the given one.
    let given_here = std::fs::canonicalize(&first.scenario_given).is_ok_and(|p| p == first.scenario);
    let load_from = if given_here { &first.scenario_given } else { &first.scenario };
    let checked = pool.install(|| validate::load_case(load_from))?.strict(request.strict)?;
    checked.warnings.iter().for_each(&on_warning);
    let mut case = checked.value;
    case.confidence = first.confidence;
    let now: Vec<String> = hash_inputs(&case.sources).into_iter().map(|r| r.sha256).collect();
    let then: Vec<String> = first.inputs.iter().map(|i| i.sha256.clone()).collect();
    if now != then {
        return Err(Error::Input(crate::InputError::one(crate::Diagnostic::new(
            &first.scenario,
            "",
            "the input files changed since the shards ran (their SHA-256 differ); re-run the shards",
        ))));
    }
    if !given_here {
        shard::show_as_given(&mut case, &first.scenario_given);
    }
    output::check_target(&request.output, &case.sources)?;
    let results = pool.install(|| -> Result<Results, Error> {
        let sim = shard::assemble(&case, parts)?;
        let results = aggregate::aggregate(&case, sim);
        aggregate::finite::check(&case, &results)?;
        Ok(results)
    })?;
    let from =
        Provenance { command: &request.command, seed: first.seed, threads, started, warnings: &checked.warnings };
    let record = pool.install(|| write_report(&request.output, &case, &results, request.formats, from))?;
    Ok(RunOutcome { output: request.output.clone(), case, results, warnings: checked.warnings, record })
}
