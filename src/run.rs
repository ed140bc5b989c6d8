//! One `costcast run`: load, check, simulate, aggregate, write.

use std::path::{Path, PathBuf};
use std::time::Instant;

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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
    Ok(pool.install(|| {
        let sim = simulate::simulate(case, RunOptions { iterations, seed });
        aggregate::aggregate(case, &sim)
    }))
}

/// Run a scenario file end to end and write its report.
pub fn run(request: &RunRequest, on_warning: impl Fn(&Warning)) -> Result<RunOutcome, Error> {
    let started = Instant::now();
    if request.iterations < 2 {
        return Err(Error::Input(crate::InputError::one(crate::Diagnostic::new(
            &request.scenario,
            "-n",
            format!("needs at least 2 iterations, got {}", request.iterations),
        ))));
    }
    let checked = validate::load_case(&request.scenario)?;
    checked.warnings.iter().for_each(&on_warning);
    let case = checked.value;
    let output = request.output.clone().unwrap_or_else(|| default_output(&request.scenario));
    output::check_target(&output, &case.sources)?;
    let threads = if request.threads == 0 { rayon::current_num_threads() } else { request.threads };
    let results = forecast(&case, request.iterations, request.seed, threads)?;
    let mut files = Vec::new();
    for exporter in report::csv::tables() {
        let bytes = exporter
            .serialize(&case, &results)
            .map_err(|e| Error::Other(format!("cannot format {}: {e}", exporter.file_name())))?;
        files.push((exporter.file_name(), bytes));
    }
    let record = RunRecord {
        costcast_version: env!("CARGO_PKG_VERSION"),
        command: request.command.clone(),
        inputs: hash_inputs(&case.sources),
        seed: request.seed,
        iterations: request.iterations,
        threads,
        monthly_percentile_iterations: results.monthly_sample,
        wall_seconds: started.elapsed().as_secs_f64(),
        warnings: checked.warnings.iter().map(|w| w.0.to_string()).collect(),
    };
    files.push((output::RECORD_FILE.to_owned(), record.to_json()));
    output::write_all(&output, &files)?;
    Ok(RunOutcome { output, case, results, warnings: checked.warnings, record })
}
