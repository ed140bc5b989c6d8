//! The `costcast` binary: parse the command line, call the library, map
//! errors to exit statuses (0 success, 1 invalid input, 2 other failure).

mod cli;

/// `println!` for the lines a command prints on stdout. A reader that has
/// gone away (`costcast check ... | head`) is no failure of the command:
/// its work is done or does not depend on being read, so the process ends
/// quietly with status 0 instead of panicking. Any other failure to write
/// is reported on stderr with status 2.
macro_rules! say {
    ($($arg:tt)*) => {
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            stdout_failed(e)
        }
    };
}

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};
use costcast::error::{Error, InputError};
use costcast::{run, validate};

/// Exit status after an interrupt (128 + SIGINT), as shells report it.
const INTERRUPTED: i32 = 130;

fn main() -> ExitCode {
    // Ctrl-C or SIGTERM: remove the report being staged, never leave half
    // of one, and end with 130. A report already put in place stays.
    let _ = ctrlc::set_handler(|| costcast::report::staging::abandon_and_exit(INTERRUPTED));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let outcome = match cli.command {
        Command::Check { files, strict } => check(&files, strict),
        Command::Run { scenario, options, shard: Some(shard) } => {
            run::run_shard(&options.request(scenario), shard, |w| eprintln!("{w}"))
                .map(|path| say!("wrote shard {}/{} to {}", shard.index, shard.count, path.display()))
        }
        Command::Run { scenario, options, shard: None } => run::run(&options.request(scenario), |w| eprintln!("{w}"))
            .map(|done| {
                wrote(&done, "");
            }),
        Command::Init { dir, from_csv, force } => {
            costcast::init::init(&costcast::init::InitRequest { dir, from_csv, force }).map(|done| {
                done.warnings.iter().for_each(|w| eprintln!("{w}"));
                say!("wrote {} and {}", done.model.display(), done.scenario.display());
                say!("next, check the files, then forecast:");
                for command in done.next_commands() {
                    say!("  {command}");
                }
            })
        }
        Command::Batch { paths, output, iterations, seed, threads, format, strict, rank_by, confidence, precision } => {
            let request = costcast::batch::BatchRequest {
                paths,
                output,
                iterations,
                seed,
                threads,
                formats: cli::formats(&format),
                command: std::env::args().collect::<Vec<_>>().join(" "),
                strict,
                rank_by: rank_by.into(),
                confidence,
                precision,
            };
            let on_error = |file: &std::path::Path, e: &Error| match e {
                Error::Input(_) => eprintln!("{e}"),
                _ => eprintln!("error: {}: {e}", file.display()),
            };
            match costcast::batch::batch(&request, |w| eprintln!("{w}"), on_error) {
                Err(e) => Err(e),
                Ok(done) => {
                    let failed = done.items.iter().filter(|i| i.outcome.is_err()).count() + done.unmatched.len();
                    for d in &done.unmatched {
                        eprintln!("error: {d}");
                    }
                    say!(
                        "wrote {}: {} of {} scenario files ran{}",
                        request.output.display(),
                        done.items.len() - done.items.iter().filter(|i| i.outcome.is_err()).count(),
                        done.items.len(),
                        if failed > 0 {
                            format!(", {failed} failed (see above and batch_summary.csv)")
                        } else {
                            String::new()
                        }
                    );
                    return ExitCode::from(done.exit_code());
                }
            }
        }
        Command::Merge { parts, output, threads, format, strict } => {
            let request = run::MergeRequest {
                parts,
                output,
                threads,
                formats: cli::formats(&format),
                command: std::env::args().collect::<Vec<_>>().join(" "),
                strict,
            };
            run::merge(&request, |w| eprintln!("{w}")).map(|done| {
                wrote(&done, "merged, ");
            })
        }
        Command::Fit { file, holdout, ahead, output } => {
            let request = costcast::fit::command::FitRequest {
                file,
                holdout,
                ahead,
                output,
                command: std::env::args().collect::<Vec<_>>().join(" "),
            };
            costcast::fit::command::fit(&request, |w| eprintln!("{w}")).map(|done| {
                for c in &done.channels {
                    match &c.backtest {
                        Some(b) => say!(
                            "{}: {} months; backtest on the last {}: WAPE {:.1}% (seasonal naive {:.1}%), {:.0}% inside P10-P90",
                            c.channel,
                            c.history.len(),
                            b.holdout,
                            100.0 * b.costcast.wape,
                            100.0 * b.seasonal_naive.wape,
                            100.0 * b.costcast.coverage.unwrap_or(f64::NAN)
                        ),
                        None => say!("{}: {} months; no backtest", c.channel, c.history.len()),
                    }
                }
                say!("wrote {}", done.output.display());
            })
        }
        Command::Optimize { scenario, options } => {
            run::optimize(&options.request(scenario), |w| eprintln!("{w}")).map(|done| {
                if let Some(rec) = &done.results.portfolio {
                    let chosen = rec.chosen();
                    say!(
                        "recommended: {} ({} {:.0}, mean capex {:.0}); {} portfolios{}",
                        costcast::optimize::label(&done.case, &chosen.stats.members),
                        rec.objective.name(),
                        rec.objective.of(&chosen.stats),
                        chosen.stats.capex_mean,
                        rec.candidates.len(),
                        if rec.search == costcast::optimize::Search::Heuristic { ", heuristic search" } else { "" }
                    );
                    if let Some((runner, why)) = rec.runner_up() {
                        say!("runner-up: {}: {why}", costcast::optimize::label(&done.case, &runner.stats.members));
                    }
                    if let Some((other, why)) = rec.best_feasible_alternative() {
                        say!(
                            "best feasible alternative: {}: {why}",
                            costcast::optimize::label(&done.case, &other.stats.members)
                        );
                    }
                }
                wrote(&done, "");
            })
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut err = std::io::stderr().lock();
            let _ = match &e {
                Error::Input(_) => writeln!(err, "{e}"),
                _ => writeln!(err, "error: {e}"),
            };
            ExitCode::from(e.exit_code())
        }
    }
}

/// Ends the process after a failed write to stdout: quietly with status 0
/// when the reader has gone away, else with the error and status 2.
fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    let _ = writeln!(std::io::stderr(), "error: cannot write to standard output: {e}");
    std::process::exit(2);
}

/// The line that says where a report went.
fn wrote(done: &run::RunOutcome, how: &str) {
    let r = &done.record;
    say!(
        "wrote {} ({} iterations, seed {}, {how}{:.2} s)",
        done.output.display(),
        r.iterations,
        r.seed,
        r.wall_seconds
    );
}

/// Validate every file; report all problems of all files (under
/// `--strict`, the warnings among them), each once: a model named on the
/// command line and by a scenario file beside it is checked twice but
/// reported once.
fn check(files: &[std::path::PathBuf], strict: bool) -> Result<(), Error> {
    let mut diagnostics = Vec::new();
    let mut warned = Vec::new();
    let mut warn_once = |w: &costcast::error::Warning| {
        if !warned.iter().any(|seen: &costcast::error::Warning| same_problem(&seen.0, &w.0)) {
            eprintln!("{w}");
            warned.push(w.clone());
        }
    };
    for file in files {
        let result = if validate::is_scenario_file(file) {
            validate::load_case(file).and_then(|c| c.strict(strict)).map(|c| {
                c.warnings.iter().for_each(&mut warn_once);
                format!(
                    "{} initiatives, {} scenarios on model {}",
                    c.value.initiatives.len(),
                    c.value.scenarios.len(),
                    costcast::error::quoted(&c.value.model.name)
                )
            })
        } else {
            validate::load_model(file).and_then(|m| m.strict(strict)).map(|m| {
                m.warnings.iter().for_each(&mut warn_once);
                format!(
                    "model {}, {} channels, {} months",
                    costcast::error::quoted(&m.value.name),
                    m.value.channels.len(),
                    m.value.months
                )
            })
        };
        match result {
            Ok(summary) => say!("ok: {}: {summary}", file.display()),
            Err(e) => {
                for d in e.diagnostics {
                    if !diagnostics.iter().any(|seen| same_problem(seen, &d)) {
                        diagnostics.push(d);
                    }
                }
            }
        }
    }
    if diagnostics.is_empty() { Ok(()) } else { Err(Error::Input(InputError { diagnostics })) }
}

/// The same problem, whichever path led to its file (`models/acme.toml`
/// on the command line, `scenarios/../models/acme.toml` from a scenario).
fn same_problem(a: &costcast::Diagnostic, b: &costcast::Diagnostic) -> bool {
    let file = |d: &costcast::Diagnostic| std::fs::canonicalize(&d.file).unwrap_or_else(|_| d.file.clone());
    (a.line, a.column, &a.field, &a.message) == (b.line, b.column, &b.field, &b.message) && file(a) == file(b)
}
