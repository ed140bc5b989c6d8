//! `costcast batch`: every scenario file of a budget season in one command.
//!
//! Files run side by side in one thread pool, each forecast's batches in
//! the same pool, so files and iterations share the cores without
//! oversubscribing them; at most as many files as threads are in flight, so
//! memory stays that of a few runs. Each file gets its own report folder;
//! `batch_summary.csv` and `index.html` rank the business cases. A bad file
//! is reported and skipped; the others still run.

use std::cmp;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use crate::aggregate::{FiscalValue, Results, SummaryValue};
use crate::error::{Diagnostic, Error, InputError, RenderError, Warning};
use crate::model::Case;
use crate::report::format::{NOT_A_NUMBER, money_short, percent};
use crate::report::html::escape;
use crate::report::{self, inert, number, output};
use crate::run::{self, Provenance, forecast_in_pool, write_report};
use crate::validate;

/// The file that marks a batch folder.
pub const SUMMARY_FILE: &str = "batch_summary.csv";

/// What `costcast batch` is asked to do.
#[derive(Debug, Clone)]
pub struct BatchRequest {
    /// Files, folders (their scenario files) or glob patterns.
    pub paths: Vec<String>,
    pub output: PathBuf,
    pub iterations: usize,
    pub seed: u64,
    pub threads: usize,
    pub formats: report::Formats,
    pub command: String,
    /// `--strict`: a file with a warning about its inputs is refused like
    /// an invalid one.
    pub strict: bool,
    /// What the ranking puts first.
    pub rank_by: RankBy,
    /// `--confidence` for every file's committable saving.
    pub confidence: f64,
    /// `--precision`: each file adds iterations in doubling rounds until
    /// its NPVs are settled to this; `iterations` is the cap.
    pub precision: Option<f64>,
}

/// What `batch_summary.csv` and `index.html` rank the business cases by,
/// best (highest) first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RankBy {
    /// NPV P10, the NPV reached in 90% of iterations: the downside a
    /// budget meeting commits to, so a case that might lose money does not
    /// rank first on its median.
    #[default]
    NpvP10,
    /// NPV P50, the median.
    NpvP50,
    /// The mean NPV.
    NpvMean,
    /// P(NPV > 0): the only metric without a currency.
    ProbNpvPositive,
}

impl RankBy {
    /// The name on the command line and in `batch_summary.csv`.
    pub fn name(self) -> &'static str {
        match self {
            RankBy::NpvP10 => "npv_p10",
            RankBy::NpvP50 => "npv_p50",
            RankBy::NpvMean => "npv_mean",
            RankBy::ProbNpvPositive => "prob_npv_positive",
        }
    }

    /// The name for people, as the index's column headings write it.
    fn label(self) -> &'static str {
        match self {
            RankBy::NpvP10 => "NPV P10",
            RankBy::NpvP50 => "NPV P50",
            RankBy::NpvMean => "NPV mean",
            RankBy::ProbNpvPositive => "P(NPV > 0)",
        }
    }

    /// Is the metric an amount of money? Amounts are only compared within
    /// one currency.
    fn is_amount(self) -> bool {
        self != RankBy::ProbNpvPositive
    }

    fn of(self, c: &BusinessCase) -> f64 {
        match self {
            RankBy::NpvP10 => c.npv_p10,
            RankBy::NpvP50 => c.npv_p50,
            RankBy::NpvMean => c.npv_mean,
            RankBy::ProbNpvPositive => c.prob_npv_positive,
        }
    }

    /// How ties are broken, in words.
    fn ties(self) -> &'static str {
        match self {
            RankBy::NpvP10 => "ties by NPV P50",
            RankBy::NpvP50 => "ties by NPV P10",
            RankBy::NpvMean | RankBy::ProbNpvPositive => "ties by NPV P10, then NPV P50",
        }
    }
}

/// One scenario file's fate.
#[derive(Debug)]
pub struct BatchItem {
    pub file: PathBuf,
    /// Its report folder's name inside the batch folder.
    pub folder: String,
    /// Its business cases (one per scenario), or why it did not run. Only
    /// these few figures are kept, so a season of hundreds of files holds
    /// no more than one run's results at a time per thread.
    pub outcome: Result<Vec<BusinessCase>, Error>,
}

/// Everything a batch did.
#[derive(Debug)]
pub struct BatchOutcome {
    pub items: Vec<BatchItem>,
    /// Paths or patterns that named no scenario file.
    pub unmatched: Vec<Diagnostic>,
}

impl BatchOutcome {
    /// 0 when every file ran; else the worst failure's status (1 invalid
    /// input, 2 other).
    pub fn exit_code(&self) -> u8 {
        let worst = self.items.iter().filter_map(|i| i.outcome.as_ref().err()).map(Error::exit_code).max().unwrap_or(0);
        worst.max(if self.unmatched.is_empty() { 0 } else { 1 })
    }
}

/// The scenario files the paths name, in the order given, each once.
/// Folders contribute their `*.toml` scenario files (not models), sorted;
/// patterns with `*`, `?` or `[` are expanded, sorted.
pub fn expand(paths: &[String]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut unmatched = Vec::new();
    let push = |files: &mut Vec<PathBuf>, p: PathBuf| {
        let key = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if !files.iter().any(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()) == key) {
            files.push(p);
        }
    };
    for arg in paths {
        let path = Path::new(arg);
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            found.retain(|p| p.extension().is_some_and(|e| e == "toml") && validate::is_scenario_file(p));
            found.sort();
            if found.is_empty() {
                unmatched.push(Diagnostic::new(path, "", "the folder holds no scenario files (*.toml naming a model)"));
            }
            found.into_iter().for_each(|p| push(&mut files, p));
        } else if arg.contains(['*', '?', '[']) {
            // Like a folder, a pattern contributes scenario files only (a
            // pattern over a folder of models and scenarios is common).
            let mut found: Vec<PathBuf> = match glob::glob(arg) {
                Ok(paths) => {
                    paths.filter_map(Result::ok).filter(|p| p.is_file() && validate::is_scenario_file(p)).collect()
                }
                Err(e) => {
                    unmatched.push(Diagnostic::new(path, "", format!("not a valid pattern: {e}")));
                    continue;
                }
            };
            found.sort();
            if found.is_empty() {
                unmatched.push(Diagnostic::new(path, "", "no scenario file matches this pattern"));
            }
            found.into_iter().for_each(|p| push(&mut files, p));
        } else {
            push(&mut files, path.to_path_buf());
        }
    }
    (files, unmatched)
}

/// Report folder names: each file's stem, numbered when stems repeat.
fn folder_names(files: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for f in files {
        let stem = f.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        let mut name = stem.clone();
        let mut k = 2;
        while names.contains(&name) || name == "index" {
            name = format!("{stem}-{k}");
            k += 1;
        }
        names.push(name);
    }
    names
}

/// Check that the batch folder may be written: new, empty, or an earlier
/// batch's folder, and holding none of the inputs.
fn check_batch_folder(dir: &Path, files: &[PathBuf]) -> Result<(), Error> {
    let refuse = |message: String| Error::Input(InputError::one(Diagnostic::new(dir, "-o", message)));
    if dir.exists() {
        if !dir.is_dir() {
            return Err(refuse("exists and is not a folder".into()));
        }
        let empty = std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty && !dir.join(SUMMARY_FILE).is_file() {
            return Err(refuse(format!(
                "exists and is not a costcast batch folder (no {SUMMARY_FILE}); choose another"
            )));
        }
    }
    let target = std::fs::canonicalize(dir).ok();
    for f in files {
        if let (Some(t), Ok(f)) = (&target, std::fs::canonicalize(f))
            && f.starts_with(t)
        {
            return Err(refuse(format!("holds the input file {}; choose another output folder", f.display())));
        }
    }
    Ok(())
}

/// Run every scenario file the request names; `on_warning` and `on_error`
/// hear about each file as it finishes.
pub fn batch(
    request: &BatchRequest,
    on_warning: impl Fn(&Warning) + Sync,
    on_error: impl Fn(&Path, &Error) + Sync,
) -> Result<BatchOutcome, Error> {
    if request.iterations < 2 {
        let d =
            Diagnostic::new(Path::new(""), "-n", format!("needs at least 2 iterations, got {}", request.iterations));
        return Err(Error::Input(InputError::one(d)));
    }
    run::check_confidence(Path::new(""), request.confidence)?;
    if let Some(asked) = request.precision {
        run::check_precision(Path::new(""), asked)?;
    }
    let (files, unmatched) = expand(&request.paths);
    if files.is_empty() {
        return Err(Error::Input(InputError { diagnostics: unmatched }));
    }
    check_batch_folder(&request.output, &files)?;
    let threads = run::run_threads(request.threads);
    let pool = run::pool(threads)?;
    let names = folder_names(&files);
    let total = files.len() * request.iterations;
    let items = run::with_progress_over(total, files.len(), |done, files_done| {
        pool.install(|| {
            let mut items = Vec::with_capacity(files.len());
            // At most `threads` files in flight: memory of a few runs.
            for group in files.iter().zip(&names).collect::<Vec<_>>().chunks(threads.max(1)) {
                let finished: Vec<BatchItem> = group
                    .par_iter()
                    .map(|(file, folder)| {
                        let outcome = run_one(request, file, &request.output.join(folder), &on_warning, done);
                        if let Err(e) = &outcome {
                            on_error(file, e);
                        }
                        files_done.fetch_add(1, Ordering::Relaxed);
                        BatchItem { file: (*file).clone(), folder: (*folder).clone(), outcome }
                    })
                    .collect();
                items.extend(finished);
            }
            items
        })
    });
    let outcome = BatchOutcome { items, unmatched };
    let summary = summary_csv(&outcome, request.rank_by)?;
    let index = index_html(&outcome, request);
    write_file(&request.output.join(SUMMARY_FILE), &summary)?;
    write_file(&request.output.join("index.html"), index.as_bytes())?;
    Ok(outcome)
}

/// One file: load, check, forecast in the current pool, write its report.
fn run_one(
    request: &BatchRequest,
    file: &Path,
    folder: &Path,
    on_warning: &(impl Fn(&Warning) + Sync),
    done: &AtomicUsize,
) -> Result<Vec<BusinessCase>, Error> {
    let started = std::time::Instant::now();
    if !validate::is_scenario_file(file) {
        // A missing `model` field is placed at the file's start, as
        // `run` places it; a missing file has no position.
        let d = if file.exists() {
            Diagnostic::new(file, "", "not a scenario file (it names no model)").at(1, 1)
        } else {
            Diagnostic::new(file, "", "no such file")
        };
        return Err(Error::Input(InputError::one(d)));
    }
    let checked = validate::load_case(file)?.strict(request.strict)?;
    checked.warnings.iter().for_each(on_warning);
    let mut case = checked.value;
    case.confidence = request.confidence;
    output::check_target(folder, &case.sources)?;
    let results = match request.precision {
        None => forecast_in_pool(&case, request.iterations, request.seed, done)?,
        Some(asked) => {
            let precision = run::check_precision(file, asked)?;
            let results = run::forecast_to_precision(&case, precision, asked, request.iterations, request.seed, done)?;
            if let Some(w) = run::precision_missed(file, request.iterations, &case, &results) {
                on_warning(&w);
            }
            results
        }
    };
    let from = Provenance {
        command: &request.command,
        seed: request.seed,
        threads: rayon::current_num_threads(),
        started,
        warnings: &checked.warnings,
    };
    write_report(folder, &case, &results, request.formats, from)?;
    let folder_name = folder.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
    Ok(business_cases(file, &folder_name, &case, &results, checked.warnings.len()))
}

/// Write one file atomically: a temporary name, then renamed.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let write_err = |p: &Path, source: std::io::Error| Error::Write { path: p.to_path_buf(), source };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map_or("file".into(), |n| n.to_string_lossy().into_owned());
    let staging = report::staging::Staging::new(parent, &name);
    std::fs::write(staging.path(), bytes).map_err(|e| write_err(staging.path(), e))?;
    staging.commit(|staged| std::fs::rename(staged, path)).map_err(|e| write_err(path, e))
}

/// One business case (a scenario of a file) as the batch ranks it.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCase {
    pub file: String,
    /// The file's report folder inside the batch folder.
    pub folder: String,
    pub scenario: String,
    /// The model's currency code, in which every amount below is.
    pub currency: String,
    pub npv_p10: f64,
    pub npv_p50: f64,
    pub npv_mean: f64,
    pub prob_npv_positive: f64,
    pub payback_p50: Option<f64>,
    /// The first fiscal year (the one being budgeted) and its committable saving.
    pub committable: Option<(String, f64)>,
    /// Warnings about the file's inputs: a case ranked high on a slip
    /// (growth in percent, say) must say so.
    pub warnings: usize,
}

/// Business cases that may be compared, best first: one currency's when
/// ranking by an amount, every currency's when ranking by P(NPV > 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// The currency of every case here; `None` when the ranking spans
    /// several currencies (possible only for P(NPV > 0)).
    pub currency: Option<String>,
    pub cases: Vec<BusinessCase>,
}

/// Rank the business cases by `by`: larger first, then NPV P10, then
/// NPV P50, then file and scenario name, so the order never depends on
/// the order files finished in. A euro is not a dollar: ranking by an
/// amount gives one ranking per currency (alphabetical by code) rather
/// than comparing amounts across currencies.
pub fn rank(mut cases: Vec<BusinessCase>, by: RankBy) -> Vec<Ranking> {
    cases.sort_by(|a, b| {
        descending(by.of(a), by.of(b))
            .then(descending(a.npv_p10, b.npv_p10))
            .then(descending(a.npv_p50, b.npv_p50))
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.scenario.cmp(&b.scenario))
    });
    let currencies: BTreeSet<&str> = cases.iter().map(|c| c.currency.as_str()).collect();
    if !by.is_amount() || currencies.len() <= 1 {
        let currency = (currencies.len() == 1).then(|| cases[0].currency.clone());
        return if cases.is_empty() { Vec::new() } else { vec![Ranking { currency, cases }] };
    }
    let currencies: Vec<String> = currencies.into_iter().map(str::to_owned).collect();
    currencies
        .into_iter()
        .map(|cur| Ranking {
            cases: cases.iter().filter(|c| c.currency == cur).cloned().collect(),
            currency: Some(cur),
        })
        .collect()
}

/// Larger first; a missing value (NaN) after every number.
fn descending(a: f64, b: f64) -> cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => b.partial_cmp(&a).unwrap_or(cmp::Ordering::Equal),
        (a_missing, b_missing) => a_missing.cmp(&b_missing),
    }
}

/// Every scenario of every file that ran, ranked.
fn ranked(outcome: &BatchOutcome, by: RankBy) -> Vec<Ranking> {
    rank(outcome.items.iter().filter_map(|i| i.outcome.as_ref().ok()).flatten().cloned().collect(), by)
}

/// A file's business cases from its results.
fn business_cases(file: &Path, folder: &str, case: &Case, results: &Results, warnings: usize) -> Vec<BusinessCase> {
    let mut rows = Vec::new();
    for s in &case.scenarios {
        let stat = |metric: &str| {
            results.summary.iter().find(|r| r.scenario == s.name && r.metric == metric).and_then(|r| match &r.value {
                SummaryValue::Stats(st) => *st,
                SummaryValue::Probability(_) => None,
            })
        };
        let prob = results
            .summary
            .iter()
            .find(|r| r.scenario == s.name && r.metric == "prob_npv_positive")
            .and_then(|r| match r.value {
                SummaryValue::Probability(p) => Some(p),
                SummaryValue::Stats(_) => None,
            })
            .unwrap_or(f64::NAN);
        // The first fiscal year: the budget being planned.
        let committable = case.model.fiscal_years.first().and_then(|fy| {
            results
                .fiscal_years
                .iter()
                .find(|r| r.scenario == s.name && r.fiscal_year == fy.label() && r.metric == "committable_saving")
                .and_then(|r| match r.value {
                    FiscalValue::Single(x) => Some((fy.label(), x)),
                    FiscalValue::Spread { .. } => None,
                })
        });
        let npv = stat("npv");
        rows.push(BusinessCase {
            file: file.display().to_string(),
            folder: folder.to_owned(),
            scenario: s.name.clone(),
            currency: case.model.currency.clone(),
            npv_p10: npv.map_or(f64::NAN, |n| n.p10),
            npv_p50: npv.map_or(f64::NAN, |n| n.p50),
            npv_mean: npv.map_or(f64::NAN, |n| n.mean),
            prob_npv_positive: prob,
            payback_p50: stat("payback_month").map(|p| p.p50),
            committable,
            warnings,
        });
    }
    rows
}

/// A row of `batch_summary.csv`: plain numbers, the currency beside them.
#[derive(Serialize, Default)]
struct SummaryRow {
    rank: String,
    rank_by: &'static str,
    scenario_file: String,
    scenario: String,
    status: &'static str,
    currency: String,
    npv_p10: String,
    npv_p50: String,
    npv_mean: String,
    prob_npv_positive: String,
    payback_month_p50: String,
    committable_fiscal_year: String,
    committable_saving: String,
    report: String,
    error: String,
    warnings: String,
}

/// `batch_summary.csv`: the ranked business cases (ranking by ranking, the
/// rank counted within each), then the files that failed.
fn summary_csv(outcome: &BatchOutcome, by: RankBy) -> Result<Vec<u8>, Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Render { file: SUMMARY_FILE.into(), source: RenderError::Csv(e) };
    for ranking in ranked(outcome, by) {
        for (k, r) in ranking.cases.into_iter().enumerate() {
            w.serialize(SummaryRow {
                rank: (k + 1).to_string(),
                rank_by: by.name(),
                scenario_file: inert(&r.file).into_owned(),
                scenario: inert(&r.scenario).into_owned(),
                status: "ok",
                currency: r.currency,
                npv_p10: number(r.npv_p10),
                npv_p50: number(r.npv_p50),
                npv_mean: number(r.npv_mean),
                prob_npv_positive: number(r.prob_npv_positive),
                payback_month_p50: r.payback_p50.map_or(String::new(), number),
                committable_fiscal_year: r.committable.as_ref().map_or(String::new(), |c| c.0.clone()),
                committable_saving: r.committable.as_ref().map_or(String::new(), |c| number(c.1)),
                report: inert(&r.folder).into_owned(),
                error: String::new(),
                warnings: r.warnings.to_string(),
            })
            .map_err(fail)?;
        }
    }
    let failures = outcome
        .items
        .iter()
        .filter_map(|i| i.outcome.as_ref().err().map(|e| (i.file.display().to_string(), first_line(e))))
        .chain(outcome.unmatched.iter().map(|d| (d.file.display().to_string(), d.to_string())));
    for (file, error) in failures {
        w.serialize(SummaryRow {
            rank_by: by.name(),
            scenario_file: inert(&file).into_owned(),
            status: "failed",
            error: inert(&error).into_owned(),
            ..SummaryRow::default()
        })
        .map_err(fail)?;
    }
    w.into_inner().map_err(|e| fail(e.into_error().into()))
}

/// A ranked row's count of input warnings: highlighted when there are any.
fn warnings_cell(count: usize) -> String {
    if count == 0 { "<td>0</td>".to_owned() } else { format!("<td class=\"warned\">{count}</td>") }
}

/// An error in one line (the first diagnostic of an input error).
fn first_line(e: &Error) -> String {
    match e {
        Error::Input(i) => i.diagnostics.first().map_or_else(|| e.to_string(), |d| d.to_string()),
        other => other.to_string(),
    }
}

/// The columns of the index's tables, the ranking metric's marked.
fn index_head(by: RankBy) -> String {
    let columns = [
        (Some(RankBy::NpvP10), "NPV P10"),
        (Some(RankBy::NpvP50), "NPV P50"),
        (Some(RankBy::NpvMean), "NPV mean"),
        (Some(RankBy::ProbNpvPositive), "P(NPV &gt; 0)"),
        (None, "Payback P50"),
        (None, "Committable saving, first fiscal year"),
        (None, "Input warnings"),
    ];
    let mut head = String::from("<tr><th>Rank</th><th class=\"text\">Business case</th>");
    for (metric, title) in columns {
        let class = if metric == Some(by) { " class=\"by\"" } else { "" };
        let _ = write!(head, "<th{class}>{title}</th>");
    }
    head.push_str("</tr>\n");
    head
}

/// A folder name as one relative URL path segment: every byte but the
/// unreserved ones percent-encoded. A scenario file named
/// `javascript:alert(1).toml` thus links to `./javascript%3Aalert%281%29/`,
/// never to a scheme, and `#`, `?` or `/` in a name stay part of it
/// (issue 28).
fn href_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One ranking as a table; every amount in its own file's currency.
fn index_table(ranking: &Ranking, by: RankBy, formats: report::Formats) -> String {
    let mut rows = String::new();
    for (k, r) in ranking.cases.iter().enumerate() {
        let money = |x: f64| escape(&money_short(x, &r.currency));
        let folder = href_segment(&r.folder);
        let link = if formats.html { format!("./{folder}/report.html") } else { format!("./{folder}/summary.csv") };
        let cell = |metric: RankBy, text: String| {
            if metric == by { format!("<td class=\"by\">{text}</td>") } else { format!("<td>{text}</td>") }
        };
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td class=\"text\"><a href=\"{}\">{}</a><br><span class=\"file\">{}</span></td>{}{}{}{}<td>{}</td><td>{}</td>{}</tr>",
            k + 1,
            escape(&link),
            escape(&r.scenario),
            escape(&r.file),
            cell(RankBy::NpvP10, money(r.npv_p10)),
            cell(RankBy::NpvP50, money(r.npv_p50)),
            cell(RankBy::NpvMean, money(r.npv_mean)),
            cell(RankBy::ProbNpvPositive, percent(r.prob_npv_positive)),
            r.payback_p50.map_or(NOT_A_NUMBER.into(), |p| format!("month {}", p.round())),
            r.committable.as_ref().map_or(NOT_A_NUMBER.into(), |(fy, x)| format!("{} ({})", money(*x), escape(fy))),
            warnings_cell(r.warnings),
        );
    }
    format!("<table>\n{}{rows}</table>\n", index_head(by))
}

/// What the index says about currencies: nothing when every file uses
/// one, else which differ and how the ranking treats them.
fn currency_note(rankings: &[Ranking], by: RankBy) -> String {
    let currencies: BTreeSet<&str> =
        rankings.iter().flat_map(|r| r.cases.iter().map(|c| c.currency.as_str())).collect();
    if currencies.len() <= 1 {
        return String::new();
    }
    let list = escape(&currencies.into_iter().collect::<Vec<_>>().join(", "));
    let how = if by.is_amount() {
        format!(
            "Amounts in different currencies are not compared, so each currency has its own ranking by {}.",
            escape(by.label())
        )
    } else {
        "P(NPV &gt; 0) has no currency, so one ranking holds them all; compare amounts only between rows in the same currency."
            .to_owned()
    };
    format!("<p class=\"flag\"><strong>These files use different currencies ({list}).</strong> {how}</p>\n")
}

/// `index.html`: the ranking with links to each report.
fn index_html(outcome: &BatchOutcome, request: &BatchRequest) -> String {
    let by = request.rank_by;
    let rankings = ranked(outcome, by);
    let mut tables = String::new();
    for ranking in &rankings {
        if rankings.len() > 1
            && let Some(currency) = &ranking.currency
        {
            let _ = writeln!(tables, "<h2>In {}</h2>", escape(currency));
        }
        tables.push_str(&index_table(ranking, by, request.formats));
    }
    let mut failed = String::new();
    for item in &outcome.items {
        if let Err(e) = &item.outcome {
            let _ = writeln!(
                failed,
                "<li><strong>{}</strong>: {}</li>",
                escape(&item.file.display().to_string()),
                escape(&first_line(e))
            );
        }
    }
    for d in &outcome.unmatched {
        let _ = writeln!(failed, "<li>{}</li>", escape(&d.to_string()));
    }
    let warned = rankings.iter().flat_map(|r| r.cases.iter()).filter(|c| c.warnings > 0).count();
    let caution = if warned == 0 {
        String::new()
    } else {
        format!(
            "<p class=\"warned\">{warned} of these business cases come from files with input warnings (column Input warnings): \
             a slip such as growth written in percent can put a case at the top. Read a case's warnings (at the top of its \
             report.html, or in its run.json) before trusting its rank.</p>\n"
        )
    };
    let failed = if failed.is_empty() {
        String::new()
    } else {
        format!("<h2>Not run: fix and run again</h2>\n<ul>\n{failed}</ul>\n")
    };
    let why = match by {
        RankBy::NpvP10 => ", the NPV reached in 90% of iterations: the downside a budget can commit to",
        RankBy::NpvP50 => ", the median NPV",
        RankBy::NpvMean | RankBy::ProbNpvPositive => "",
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>costcast batch</title>\n<style>\n\
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 24px auto; padding: 0 16px; color: #111; }}\n\
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}\n\
th, td {{ padding: 4px 8px; border-bottom: 1px solid #ddd; text-align: right; }}\n\
.text {{ text-align: left; }} .file {{ color: #595959; font-size: 12px; }}\n\
.by {{ font-weight: 600; background: #eef5fb; }}\n\
.warned {{ background: #fff3bf; border-left: 6px solid #e0b000; padding: 6px 10px; }}\n\
td.warned {{ font-weight: 600; }}\n\
.flag {{ border-left: 4px solid #D55E00; background: #fdf1e8; padding: 6px 10px; }}\n\
</style>\n</head>\n<body>\n<h1>Business cases ranked by {label}</h1>\n\
<p>{} scenario files, {} each, seed {}; costcast {}. Ranked by {label}{why}; {ties}. Amounts in each file's currency.</p>\n\
{caution}{note}{tables}{failed}</body>\n</html>\n",
        outcome.items.len(),
        iterations_each(request),
        request.seed,
        env!("CARGO_PKG_VERSION"),
        label = escape(by.label()),
        ties = by.ties(),
        note = currency_note(&rankings, by),
    )
}

/// "100,000 iterations", or with `--precision` the rule each file ran
/// to (each report says where it stopped).
fn iterations_each(request: &BatchRequest) -> String {
    let cap = report::format::thousands(request.iterations as f64);
    match request.precision {
        None => format!("{cap} iterations"),
        Some(x) => {
            let within = if x < 1.0 {
                format!("{} of the mean", report::format::percent(x))
            } else {
                report::format::thousands(x)
            };
            format!(
                "iterations until every NPV&#39;s mean, P10, P50 and P90 are within ±{within} (at most {cap}; each report says how many)"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(scenario: &str, currency: &str, p10: f64, p50: f64, mean: f64, prob: f64) -> BusinessCase {
        BusinessCase {
            file: format!("{scenario}.toml"),
            folder: scenario.to_owned(),
            scenario: scenario.to_owned(),
            currency: currency.to_owned(),
            npv_p10: p10,
            npv_p50: p50,
            npv_mean: mean,
            prob_npv_positive: prob,
            payback_p50: None,
            committable: None,
            warnings: 0,
        }
    }

    fn names(rankings: &[Ranking]) -> Vec<Vec<&str>> {
        rankings.iter().map(|r| r.cases.iter().map(|c| c.scenario.as_str()).collect()).collect()
    }

    #[test]
    fn the_downside_ranks_first_ties_go_to_the_median_and_a_missing_value_last() {
        let cases = vec![
            case("risky", "USD", -600.0, 900.0, 400.0, 0.7),
            case("missing", "USD", f64::NAN, 1e9, 1e9, 1.0),
            case("safe", "USD", 100.0, 200.0, 200.0, 1.0),
            case("safe twin", "USD", 100.0, 300.0, 300.0, 1.0),
        ];
        let by_p10 = rank(cases.clone(), RankBy::NpvP10);
        assert_eq!(names(&by_p10), [["safe twin", "safe", "risky", "missing"]]);
        assert_eq!(by_p10[0].currency.as_deref(), Some("USD"));
        assert_eq!(names(&rank(cases.clone(), RankBy::NpvP50)), [["missing", "risky", "safe twin", "safe"]]);
        // Equal probabilities: NPV P10 decides, then P50.
        assert_eq!(names(&rank(cases.clone(), RankBy::ProbNpvPositive)), [["safe twin", "safe", "missing", "risky"]]);
        assert!(rank(Vec::new(), RankBy::NpvP10).is_empty());
    }

    #[test]
    fn amounts_are_ranked_within_their_currency_probabilities_across() {
        let cases = vec![
            case("yen", "JPY", 5e8, 6e8, 6e8, 0.6),
            case("dollars", "USD", 1e6, 2e6, 2e6, 0.99),
            case("euros", "EUR", 2e6, 3e6, 3e6, 0.9),
            case("more euros", "EUR", 3e6, 4e6, 4e6, 0.8),
        ];
        let by_p10 = rank(cases.clone(), RankBy::NpvP10);
        assert_eq!(names(&by_p10), vec![vec!["more euros", "euros"], vec!["yen"], vec!["dollars"]]);
        let currencies: Vec<_> = by_p10.iter().map(|r| r.currency.as_deref()).collect();
        assert_eq!(currencies, [Some("EUR"), Some("JPY"), Some("USD")]);
        let by_prob = rank(cases, RankBy::ProbNpvPositive);
        assert_eq!(names(&by_prob), [["dollars", "euros", "more euros", "yen"]]);
        assert_eq!(by_prob[0].currency, None);
        assert!(currency_note(&by_prob, RankBy::ProbNpvPositive).contains("(EUR, JPY, USD)"));
        assert!(currency_note(&by_p10[..1], RankBy::NpvP10).is_empty(), "one currency: no note");
    }
}
