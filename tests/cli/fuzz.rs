//! A mutation fuzzer over the shipped models and scenarios (issue 28).
//!
//! Each case copies `models/` and `scenarios/` into a temporary folder,
//! picks a shipped scenario, mutates one to three times one file it reads
//! (the scenario, its model or a CSV the model names) and runs the binary
//! on it: `costcast check`, then `costcast run -n 200 --format csv`, and
//! where that reports, `--format all` too (the charts, the page and the
//! workbook: only what a run reports reaches them, and a refusal costs no
//! second run), each with a [`LIMIT`] limit. Whatever the input, the
//! binary must:
//!
//! - exit 0 or 1 (never a panic's 101, a signal or a hang past the limit);
//! - agree with itself: what `check` refuses, `run` refuses too;
//! - on exit 1, write no report and say why on lines in the one error
//!   format, `file:line:column: field.path: what is wrong` (the column and
//!   the field where the input has them, an option name first for a
//!   command-line problem);
//! - on exit 0, write CSV files that each have a header row, with every
//!   number finite and no empty cell where a number belongs; with
//!   `--format all`, a page whose table cells say no `NaN` or `inf` and
//!   whose number cells each show a figure (or the dash that marks a
//!   figure that does not apply), and a workbook whose cells hold no
//!   error, no non-finite number and no `NaN` or `inf` text.
//!
//! The generator is seeded, so a case is the same on every machine; a
//! failing case's files are kept and their folder named in the failure.
//! [`DEFAULT_CASES`] keeps the suite within its CI budget; by hand,
//! `COSTCAST_FUZZ_CASES=3000 cargo test --test cli fuzz -- --nocapture`
//! runs the issue's 3,000 files (`COSTCAST_FUZZ_SEED` picks another seed)
//! and prints the tallies. The hand-written cases of the issue run every
//! time, in [`the_issue_corpus_is_refused_or_reported_in_full`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::util::{COSTCAST, root};

/// The cases `cargo test` runs: well under a minute on two cores.
const DEFAULT_CASES: usize = 100;

/// The most a command may take at `-n 200`; past it, it is killed and the
/// case fails as a hang.
const LIMIT: Duration = Duration::from_secs(10);

/// Numbers that overflow, underflow, divide by zero or are not numbers.
const EXTREMES: [&str; 12] =
    ["1e308", "-1e308", "1e-300", "0", "-1", "nan", "inf", "-inf", "1e160", "1.7976931348623157e308", "1e15", "-0"];

/// Distribution strings whose shapes are out of range or degenerate.
const BAD_SHAPES: [&str; 12] = [
    "beta(1e-300, 2)",
    "beta(2, 1e-300)",
    "normal(0, 1e300)",
    "normal(1e300, 1)",
    "pert(3, 2, 1)",
    "pert(1, 1, 1)",
    "triangular(5, 1, 3)",
    "lognormal(1e300, 1e300)",
    "uniform(1, 0)",
    "normal(",
    "beta(0, 0)",
    "poisson(3)",
];

/// What the cases found, across all of them.
#[derive(Default)]
struct Tally {
    cases: usize,
    exit0: usize,
    exit1: usize,
    panics: usize,
    other_exits: usize,
    timeouts: usize,
    disagreements: usize,
    /// Passed `check`, refused by `run`: an overflow only the run can see.
    run_only_refusals: usize,
    bad_numbers: usize,
    wrote_on_refusal: usize,
    format_violations: usize,
    /// One line per failing case: what was mutated, what went wrong, where
    /// its files are kept.
    failures: Vec<String>,
}

/// The files one shipped scenario reads, relative to the crate root: the
/// scenario first, then its model, then the CSVs the model names.
fn file_sets() -> Vec<Vec<String>> {
    let mut scenarios: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        // Interval staffing costs seconds at -n 200 unmutated, and a
        // mutation that multiplies its traffic multiplies that by the
        // square (the agents' thresholds are found one count at a time),
        // past the limit below while still valid input: open work
        // (docs/model.md section 14). Its bad inputs are tested in
        // `interval`.
        .filter(|n| n != "acme-staffed-interval.toml")
        .collect();
    scenarios.sort();
    scenarios
        .into_iter()
        .map(|scenario| {
            let scenario = format!("scenarios/{scenario}");
            let text = std::fs::read_to_string(root().join(&scenario)).unwrap();
            let model = quoted_value(&text, "model").expect("a shipped scenario names its model");
            let model = format!("models/{}", model.trim_start_matches("../models/"));
            let model_text = std::fs::read_to_string(root().join(&model)).unwrap();
            let mut files = vec![scenario, model];
            for line in model_text.lines() {
                if let Some((key, _)) = line.split_once('=')
                    && key.trim().ends_with("_csv")
                {
                    files.push(format!("models/{}", quoted_value(line, key.trim()).unwrap()));
                }
            }
            files
        })
        .collect()
}

/// The quoted value of `key = "..."` in `text`.
fn quoted_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The byte ranges of the numbers in `text` (TOML or CSV), signs included.
fn numbers(text: &[u8]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let starts = text[i].is_ascii_digit()
            && (i == 0 || !(text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'_' || text[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let start = if i > 0 && (text[i - 1] == b'-' || text[i - 1] == b'+') { i - 1 } else { i };
        let mut end = i;
        while end < text.len() && (text[end].is_ascii_digit() || text[end] == b'_' || text[end] == b'.') {
            end += 1;
        }
        if end + 1 < text.len() && (text[end] == b'e' || text[end] == b'E') {
            let mut e = end + 1;
            if text[e] == b'-' || text[e] == b'+' {
                e += 1;
            }
            if e < text.len() && text[e].is_ascii_digit() {
                end = e;
                while end < text.len() && text[end].is_ascii_digit() {
                    end += 1;
                }
            }
        }
        found.push((start, end));
        i = end;
    }
    found
}

/// The byte ranges of the quoted strings in a TOML file (quotes included)
/// or of the cells of a CSV file.
fn strings(text: &[u8], csv: bool) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut line_start = 0;
    for line in text.split(|&b| b == b'\n') {
        if csv {
            let mut cell = line_start;
            for (j, &b) in line.iter().enumerate() {
                if b == b',' {
                    found.push((cell, line_start + j));
                    cell = line_start + j + 1;
                }
            }
            found.push((cell, line_start + line.len()));
        } else {
            let quotes: Vec<usize> = line.iter().enumerate().filter(|(_, b)| **b == b'"').map(|(j, _)| j).collect();
            for pair in quotes.chunks_exact(2) {
                found.push((line_start + pair[0], line_start + pair[1] + 1));
            }
        }
        line_start += line.len() + 1;
    }
    found
}

/// The byte ranges of the lines of `text`, newline included.
fn lines(text: &[u8]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' {
            found.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        found.push((start, text.len()));
    }
    found
}

fn pick<'a, T>(rng: &mut Xoshiro256PlusPlus, xs: &'a [T]) -> Option<&'a T> {
    (!xs.is_empty()).then(|| &xs[rng.random_range(0..xs.len())])
}

fn splice(text: &mut Vec<u8>, (start, end): (usize, usize), with: &[u8]) {
    text.splice(start..end, with.iter().copied());
}

/// Apply one random mutation to `text`; returns what it did, for the
/// failure message.
fn mutate(rng: &mut Xoshiro256PlusPlus, text: &mut Vec<u8>, csv: bool) -> String {
    let kind = rng.random_range(0..11);
    match kind {
        0 | 1 => {
            let Some(&span) = pick(rng, &numbers(text)) else { return "no number to replace".into() };
            let by = EXTREMES[rng.random_range(0..EXTREMES.len())];
            let was = String::from_utf8_lossy(&text[span.0..span.1]).into_owned();
            splice(text, span, by.as_bytes());
            format!("number {was} -> {by}")
        }
        2 => {
            let Some(&span) = pick(rng, &lines(text)) else { return "no line to delete".into() };
            splice(text, span, b"");
            format!("deleted the line at byte {}", span.0)
        }
        3 => {
            let Some(&span) = pick(rng, &lines(text)) else { return "no line to duplicate".into() };
            let line = text[span.0..span.1].to_vec();
            splice(text, (span.1, span.1), &line);
            format!("duplicated the line at byte {}", span.0)
        }
        4 => {
            let at = rng.random_range(0..=text.len());
            text.truncate(at);
            format!("cut short at byte {at}")
        }
        5 => {
            if text.is_empty() {
                return "nothing to flip".into();
            }
            let at = rng.random_range(0..text.len());
            let bit = rng.random_range(0..8);
            text[at] ^= 1 << bit;
            format!("flipped bit {bit} of byte {at}")
        }
        6 => {
            let spans = numbers(text);
            if spans.len() < 2 {
                return "no numbers to swap".into();
            }
            let (mut a, mut b) = (*pick(rng, &spans).unwrap(), *pick(rng, &spans).unwrap());
            if a.0 > b.0 {
                std::mem::swap(&mut a, &mut b);
            }
            if a == b || a.1 > b.0 {
                return "swapped a number with itself".into();
            }
            let (x, y) = (text[a.0..a.1].to_vec(), text[b.0..b.1].to_vec());
            splice(text, b, &x);
            splice(text, a, &y);
            format!("swapped the numbers at bytes {} and {}", a.0, b.0)
        }
        7 => {
            // Huge growth, or a long horizon to compound it over.
            let (key, values): (&str, &[&str]) = if rng.random_range(0..2) == 0 {
                ("growth", &["1", "0.7", "5", "\"normal(1, 0.5)\"", "1e10"])
            } else {
                ("months", &["600", "1200", "100000"])
            };
            let found = lines(text).into_iter().find(|&(s, e)| {
                let line = String::from_utf8_lossy(&text[s..e]);
                line.split_once('=').is_some_and(|(k, _)| k.trim() == key)
            });
            let Some((s, e)) = found else { return format!("no {key} line") };
            let by = values[rng.random_range(0..values.len())];
            splice(text, (s, e), format!("{key} = {by}\n").as_bytes());
            format!("{key} = {by}")
        }
        8..=10 => {
            let Some(&span) = pick(rng, &strings(text, csv)) else { return "no string".into() };
            let by = match kind {
                8 => "x".repeat([300, 40_000, 100_000][rng.random_range(0..3)]),
                9 => String::new(),
                _ => BAD_SHAPES[rng.random_range(0..BAD_SHAPES.len())].to_string(),
            };
            let replacement = if csv { by.clone() } else { format!("\"{by}\"") };
            splice(text, span, replacement.as_bytes());
            format!("string at byte {} -> {:?}", span.0, if by.len() > 40 { format!("{} x's", by.len()) } else { by })
        }
        _ => unreachable!(),
    }
}

/// Run the binary in `dir` under [`LIMIT`]; `None` when it ran past it
/// (and was killed).
fn exec(dir: &Path, args: &[&str]) -> Option<Output> {
    let started = std::time::Instant::now();
    match assert_cmd::Command::new(COSTCAST).current_dir(dir).args(args).timeout(LIMIT).output() {
        Ok(_) if started.elapsed() >= LIMIT => None,
        Ok(output) => Some(output),
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => None,
        Err(e) => panic!("cannot run {COSTCAST}: {e}"),
    }
}

/// Whether an error line follows `file:line[:column]: [field.path: ]what
/// is wrong`, or starts with an option name for a command-line problem.
/// A file that cannot be read at all (missing, a device, too large) has no
/// line to name: `file: cannot read the file: why`.
fn well_formed(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("error: ") else { return true };
    if rest.starts_with('-') {
        return !rest.trim().is_empty();
    }
    if rest.split_once(": cannot read the file: ").is_some_and(|(file, why)| !file.is_empty() && !why.is_empty()) {
        return true;
    }
    let bytes = rest.as_bytes();
    for (i, _) in rest.match_indices(':') {
        let digits = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
        let line_digits = digits(i + 1);
        if i == 0 || line_digits == 0 {
            continue;
        }
        let mut after = i + 1 + line_digits;
        if rest[after..].starts_with(':') && digits(after + 1) > 0 {
            after += 1 + digits(after + 1);
        }
        if let Some(message) = rest[after..].strip_prefix(": ") {
            return !message.trim().is_empty();
        }
    }
    false
}

/// Columns whose every cell must hold a number (`fiscal_years.csv`, and the
/// probabilities of `summary.csv`, have no percentiles: only the mean; the
/// payback month is empty when no iteration pays back in the horizon).
fn required(file: &str, column: &str, metric: &str) -> bool {
    match file {
        "fiscal_years.csv" => column == "mean",
        "summary.csv" if metric.starts_with("prob_") => column == "mean",
        // Over the iterations that pay back: none may, in the horizon.
        "summary.csv" if metric == "payback_month" => false,
        _ => matches!(column, "mean" | "sd" | "p5" | "p10" | "p50" | "p90" | "p95" | "min" | "max"),
    }
}

/// What is wrong with the CSV files of a report, if anything.
fn bad_numbers(out: &Path) -> Option<String> {
    let Ok(dir) = std::fs::read_dir(out) else { return Some(format!("no report folder {}", out.display())) };
    let mut names: Vec<String> = dir.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    if !names.iter().any(|n| n.ends_with(".csv")) {
        return Some("no CSV file in the report".into());
    }
    for name in names.iter().filter(|n| n.ends_with(".csv")) {
        let mut reader = csv::Reader::from_path(out.join(name)).unwrap();
        let header: Vec<String> = match reader.headers() {
            Ok(h) if h.iter().any(|c| !c.is_empty()) => h.iter().map(str::to_string).collect(),
            _ => return Some(format!("{name} has no header row")),
        };
        for (r, record) in reader.records().enumerate() {
            let Ok(record) = record else { return Some(format!("{name} row {} is not CSV", r + 2)) };
            let metric = header.iter().position(|h| h == "metric").and_then(|i| record.get(i)).unwrap_or("");
            for (cell, column) in record.iter().zip(&header) {
                let number = cell.parse::<f64>();
                if number.as_ref().is_ok_and(|v| !v.is_finite()) {
                    return Some(format!("{name} row {}: {column} = {cell}", r + 2));
                }
                if required(name, column, metric) && number.is_err() {
                    return Some(format!("{name} row {}: {column} = {cell:?}, not a number", r + 2));
                }
            }
        }
    }
    None
}

/// The words Rust writes for a non-finite number (`NaN`, `inf`): a
/// report that shows one wrote a number that overflowed or was never
/// computed. ("infinity" is a word a report may use: the workbook states
/// an unbounded input's domain as `(-infinity, infinity)`.)
fn non_finite_word(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphabetic()).any(|w| matches!(w.to_ascii_lowercase().as_str(), "nan" | "inf"))
}

/// What is wrong with the tables of `report.html`, if anything: a cell
/// that says NaN or inf, or a number cell (`class="num"`) with no digit
/// and not the dash of a figure that does not apply. A cheap check on the
/// page as text; the page's own tests check its layout.
fn bad_page(out: &Path) -> Option<String> {
    let Ok(page) = std::fs::read_to_string(out.join("report.html")) else {
        return Some("no report.html".into());
    };
    let mut rest = page.as_str();
    while let Some(open) = rest.find("<td") {
        let after = &rest[open..];
        let Some(start) = after.find('>') else { break };
        let Some(end) = after.find("</td>") else { return Some("report.html: a table cell is not closed".into()) };
        let (tag, cell) = (&after[..start], &after[start + 1..end.max(start + 1)]);
        // The cell's text, tags removed.
        let mut text = String::new();
        let mut in_tag = false;
        for c in cell.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        let text = text.trim();
        if non_finite_word(text) {
            return Some(format!("report.html: a table cell says {text:?}"));
        }
        if tag.contains("class=\"num") && !text.chars().any(|c| c.is_ascii_digit()) && text != "–" {
            return Some(format!("report.html: a number cell shows {text:?}"));
        }
        rest = &after[end + 5..];
    }
    None
}

/// What is wrong with the cells of `report.xlsx`, if anything: an error
/// value, a non-finite number or a text saying NaN or inf.
fn bad_workbook(out: &Path) -> Option<String> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = match calamine::open_workbook(out.join("report.xlsx")) {
        Ok(b) => b,
        Err(e) => return Some(format!("report.xlsx does not open: {e}")),
    };
    for name in book.sheet_names() {
        let range = match book.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => return Some(format!("report.xlsx sheet {name}: {e}")),
        };
        for (row, col, data) in range.used_cells() {
            let bad = match data {
                Data::Error(e) => Some(format!("{e:?}")),
                Data::Float(x) if !x.is_finite() => Some(x.to_string()),
                Data::String(t) if non_finite_word(t) => Some(t.clone()),
                _ => None,
            };
            if let Some(bad) = bad {
                return Some(format!("report.xlsx sheet {name} row {} column {}: {bad:?}", row + 1, col + 1));
            }
        }
    }
    None
}

/// Run `check` and `run` on the scenario file `scenario` in `dir`; add
/// what went wrong to `problems` and the tallies to `tally`.
fn judge(dir: &Path, scenario: &str, tally: &mut Tally, problems: &mut Vec<String>) {
    let check = exec(dir, &["check", scenario]);
    let run = exec(dir, &["run", "-n", "200", "--format", "csv", "-o", "out", scenario]);
    let mut codes = Vec::new();
    for (command, output) in [("check", &check), ("run", &run)] {
        let Some(output) = output else {
            tally.timeouts += 1;
            problems.push(format!("{command} ran past {LIMIT:?}"));
            codes.push(None);
            continue;
        };
        let err = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code();
        codes.push(code);
        match code {
            Some(0) => {}
            Some(1) => {
                let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
                if errors.is_empty() {
                    tally.format_violations += 1;
                    problems.push(format!("{command} exit 1 without an error line: {err}"));
                }
                if let Some(bad) = errors.iter().find(|l| !well_formed(l)) {
                    tally.format_violations += 1;
                    problems.push(format!("{command}: not in the error format: {}", clip(bad)));
                }
            }
            Some(101) => {
                tally.panics += 1;
                problems.push(format!("{command} panicked: {}", clip(&err)));
            }
            other => {
                tally.other_exits += 1;
                problems.push(format!("{command} exit {other:?}: {}", clip(&err)));
            }
        }
    }
    let out = dir.join("out");
    match codes[1] {
        Some(0) => {
            tally.exit0 += 1;
            if codes[0] == Some(1) {
                tally.disagreements += 1;
                problems.push("check refused what run reported".into());
            }
            if let Some(bad) = bad_numbers(&out) {
                tally.bad_numbers += 1;
                problems.push(bad);
            }
            // The same report in every format (a second under the test
            // build, against a twentieth for the CSVs alone).
            match exec(dir, &["run", "-n", "200", "--format", "all", "-o", "all", scenario]) {
                None => {
                    tally.timeouts += 1;
                    problems.push(format!("run --format all ran past {LIMIT:?}"));
                }
                Some(o) if o.status.code() == Some(0) => {
                    let all = dir.join("all");
                    if let Some(bad) = bad_numbers(&all).or_else(|| bad_page(&all)).or_else(|| bad_workbook(&all)) {
                        tally.bad_numbers += 1;
                        problems.push(bad);
                    }
                }
                Some(o) => {
                    tally.other_exits += 1;
                    let err = String::from_utf8_lossy(&o.stderr);
                    problems.push(format!(
                        "run --format all exit {:?} where --format csv ran: {}",
                        o.status.code(),
                        clip(&err)
                    ));
                }
            }
        }
        Some(1) => {
            tally.exit1 += 1;
            if codes[0] == Some(0) {
                tally.run_only_refusals += 1;
            }
            if out.exists() {
                tally.wrote_on_refusal += 1;
                problems.push("run refused the input but wrote out/".into());
            }
        }
        _ => {}
    }
}

fn clip(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(300) {
        Some((cut, _)) => format!("{}...", &s[..cut]),
        None => s.to_string(),
    }
}

/// Copy the files of `set` into a new temporary folder, with `edit`
/// replacing the bytes of the file it names.
fn stage(set: &[String], edits: &[(usize, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("models")).unwrap();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    for (i, file) in set.iter().enumerate() {
        let bytes = match edits.iter().find(|(k, _)| *k == i) {
            Some((_, bytes)) => bytes.clone(),
            None => std::fs::read(root().join(file)).unwrap(),
        };
        std::fs::write(dir.path().join(file), bytes).unwrap();
    }
    dir
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

/// One fuzz case: its own generator, from the seed and its index.
fn fuzz_case(seed: u64, index: usize, sets: &[Vec<String>], tally: &mut Tally) {
    let mut rng =
        Xoshiro256PlusPlus::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(index as u64));
    let set = &sets[rng.random_range(0..sets.len())];
    let mut edits: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut what = String::new();
    for _ in 0..rng.random_range(1..=3) {
        let k = rng.random_range(0..set.len());
        let at = match edits.iter().position(|(j, _)| *j == k) {
            Some(at) => at,
            None => {
                edits.push((k, std::fs::read(root().join(&set[k])).unwrap()));
                edits.len() - 1
            }
        };
        let did = mutate(&mut rng, &mut edits[at].1, set[k].ends_with(".csv"));
        let _ = write!(what, "{}: {did}; ", set[k]);
    }
    let dir = stage(set, &edits);
    let mut problems = Vec::new();
    judge(dir.path(), &set[0], tally, &mut problems);
    tally.cases += 1;
    if !problems.is_empty() {
        let kept = dir.keep();
        tally.failures.push(format!("case {index} ({what}) kept in {}: {}", kept.display(), problems.join(" | ")));
    }
}

fn report(tally: &Tally, what: &str) {
    eprintln!(
        "{what}: {} cases: {} exit 0, {} exit 1; {} panics, {} other exits, {} timeouts, {} check/run disagreements \
         ({} refused by run only), {} exit-0 reports with bad numbers, {} refusals that wrote a report, {} error-format violations",
        tally.cases,
        tally.exit0,
        tally.exit1,
        tally.panics,
        tally.other_exits,
        tally.timeouts,
        tally.disagreements,
        tally.run_only_refusals,
        tally.bad_numbers,
        tally.wrote_on_refusal,
        tally.format_violations
    );
    assert!(tally.failures.is_empty(), "{} failing cases:\n{}", tally.failures.len(), tally.failures.join("\n"));
}

#[test]
fn mutated_models_and_scenarios_are_refused_cleanly_or_reported_in_full() {
    let cases = env_number("COSTCAST_FUZZ_CASES", DEFAULT_CASES as u64) as usize;
    let seed = env_number("COSTCAST_FUZZ_SEED", 28);
    let sets = file_sets();
    assert!(sets.len() >= 5, "the shipped scenarios went missing: {sets:?}");
    // Two workers: the cases are independent, and each runs the binary.
    let next = Mutex::new(0usize);
    let total = Mutex::new(Tally::default());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let mut tally = Tally::default();
                loop {
                    let index = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    if index >= cases {
                        break;
                    }
                    fuzz_case(seed, index, &sets, &mut tally);
                }
                let mut t = total.lock().unwrap();
                t.cases += tally.cases;
                t.exit0 += tally.exit0;
                t.exit1 += tally.exit1;
                t.panics += tally.panics;
                t.other_exits += tally.other_exits;
                t.timeouts += tally.timeouts;
                t.disagreements += tally.disagreements;
                t.run_only_refusals += tally.run_only_refusals;
                t.bad_numbers += tally.bad_numbers;
                t.wrote_on_refusal += tally.wrote_on_refusal;
                t.format_violations += tally.format_violations;
                t.failures.extend(tally.failures);
            });
        }
    });
    let tally = total.into_inner().unwrap();
    assert_eq!(tally.cases, cases);
    report(&tally, &format!("fuzz (seed {seed})"));
}

/// The hand-written cases of issue 28, each an edit of one shipped file.
/// Each names the shipped scenario whose files it edits.
type Edit = Box<dyn Fn(String) -> String>;

fn corpus() -> Vec<(&'static str, &'static str, Edit)> {
    let acme = "acme-ai-roadmap.toml";
    vec![
        ("capex = 1e308", acme, Box::new(|s: String| s.replace("capex = 40_000", "capex = 1e308"))),
        ("opex = 1e300", acme, Box::new(|s: String| s.replace("opex = 2_000", "opex = 1e300"))),
        // Reported (the budget is only compared), and the budget chart's
        // axis once padded past f64::MAX: the charts never finished.
        (
            "a budget of f64::MAX",
            acme,
            Box::new(|m: String| m.replacen("FY2027 = 23_000_000", "FY2027 = 1.7976931348623157e308", 1)),
        ),
        (
            "cost_per_contact = 1e160",
            acme,
            Box::new(|m: String| {
                m.replacen("cost_per_contact = \"pert(6.0, 8.0, 12.0)\"", "cost_per_contact = 1e160", 1)
            }),
        ),
        (
            "cost_per_contact = 1e308",
            acme,
            Box::new(|m: String| {
                m.replacen("cost_per_contact = \"pert(6.0, 8.0, 12.0)\"", "cost_per_contact = 1e308", 1)
            }),
        ),
        (
            "a very wide lognormal",
            acme,
            Box::new(|m: String| {
                m.replacen("cost_per_contact = \"pert(6.0, 8.0, 12.0)\"", "cost_per_contact = \"lognormal(8, 1e6)\"", 1)
            }),
        ),
        (
            "growth = 1 over 600 months",
            acme,
            Box::new(|m: String| {
                m.replace("months = 36", "months = 600").replacen("growth = \"normal(0.004, 0.002)\"", "growth = 1", 1)
            }),
        ),
        (
            "beta(1e-300, 2)",
            acme,
            Box::new(|m: String| m.replacen("growth = \"normal(0.004, 0.002)\"", "growth = \"beta(1e-300, 2)\"", 1)),
        ),
    ]
}

/// The file of `set` that a corpus edit applies to: the scenario for edits
/// of initiatives (capex, opex), else the model.
fn corpus_target(set: &[String], edit: &dyn Fn(String) -> String) -> Option<(usize, Vec<u8>)> {
    set.iter().take(2).enumerate().find_map(|(k, file)| {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let edited = edit(text.clone());
        (edited != text).then(|| (k, edited.into_bytes()))
    })
}

#[test]
fn the_issue_corpus_is_refused_or_reported_in_full() {
    let sets = file_sets();
    let mut tally = Tally::default();
    let find = |name: &str| sets.iter().position(|s| s[0].ends_with(name)).unwrap();
    let mut cases = corpus();
    cases.push((
        "a staffed channel with growth 0.7",
        "acme-staffed-roadmap.toml",
        Box::new(|m: String| {
            let Some(at) = m.find("[channel.staffing]") else { return m };
            let (head, tail) = m.split_at(at);
            let growth = head.rfind("growth = ").unwrap();
            let end = growth + head[growth..].find('\n').unwrap();
            format!("{}growth = 0.7{}{tail}", &head[..growth], &head[end..])
        }),
    ));
    for (what, set, edit) in cases.iter() {
        let set = &sets[find(set)];
        let edit =
            corpus_target(set, edit.as_ref()).unwrap_or_else(|| panic!("the corpus edit {what:?} changed no file"));
        let dir = stage(set, &[edit]);
        let mut problems = Vec::new();
        judge(dir.path(), &set[0], &mut tally, &mut problems);
        tally.cases += 1;
        if !problems.is_empty() {
            tally.failures.push(format!("{what} (kept in {}): {}", dir.keep().display(), problems.join(" | ")));
        }
    }
    // A scenario file with a 100,000-character name.
    let set = &sets[find("acme-ai-roadmap.toml")];
    let scenario = std::fs::read_to_string(root().join(&set[0])).unwrap();
    let long = format!("name = \"{}\"", "x".repeat(100_000));
    let renamed = scenario.replacen("name = \"Quick wins\"", &long, 1);
    assert_ne!(renamed, scenario, "the canonical scenario no longer has a scenario named Quick wins");
    let dir = stage(set, &[(0, renamed.into_bytes())]);
    let mut problems = Vec::new();
    judge(dir.path(), &set[0], &mut tally, &mut problems);
    tally.cases += 1;
    if !problems.is_empty() {
        tally.failures.push(format!("a 100,000-character name: {}", problems.join(" | ")));
    }
    // /dev/zero as the input.
    if Path::new("/dev/zero").exists() {
        for command in ["check", "run"] {
            match exec(Path::new("."), &[command, "/dev/zero"]) {
                None => tally.failures.push(format!("{command} /dev/zero ran past {LIMIT:?}")),
                Some(o) if o.status.code() != Some(1) => {
                    tally.failures.push(format!("{command} /dev/zero: exit {:?}", o.status.code()))
                }
                Some(o) => {
                    let err = String::from_utf8_lossy(&o.stderr);
                    if !err.lines().all(well_formed) {
                        tally.failures.push(format!("{command} /dev/zero: {err}"));
                    }
                }
            }
        }
    }
    // A hostile file name in a batch: the index links to a relative path.
    let dir = stage(set, &[]);
    let hostile = PathBuf::from("scenarios/javascript:alert(document.domain).toml");
    std::fs::copy(dir.path().join(&set[0]), dir.path().join(&hostile)).unwrap();
    let batch = assert_cmd::Command::new(COSTCAST)
        .current_dir(dir.path())
        .arg("batch")
        .arg(&hostile)
        .args(["-n", "200", "--format", "csv,html", "-o", "batch"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(batch.status.code(), Some(0), "{}", String::from_utf8_lossy(&batch.stderr));
    let index = std::fs::read_to_string(dir.path().join("batch/index.html")).unwrap();
    assert!(!index.contains("href=\"javascript:"), "{index}");
    assert!(index.contains("href=\"./javascript%3Aalert%28document.domain%29/report.html\""), "{index}");
    report(&tally, "the issue's corpus");
}

#[test]
fn the_error_format_check_tells_good_lines_from_bad() {
    assert!(well_formed("error: models/a.toml:12:5: channel[0].growth: must be finite"));
    assert!(well_formed("error: models/a.csv:3: this row has 9 cells, the header has 8"));
    assert!(well_formed("error: --threads: must be at least 1"));
    assert!(well_formed("error: /dev/zero: cannot read the file: it is not a regular file"));
    assert!(well_formed("warning: anything at all"));
    assert!(!well_formed("error: models/a.toml: must be finite"));
    assert!(!well_formed("error: invalid TOML"));
    assert!(!well_formed("error: models/a.toml:12:5: "));
}

/// `check` then `run` on the canonical case with its model edited: the
/// run's stderr, which must come with exit 1.
fn refused_run(model: impl Fn(String) -> String) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = crate::util::copy_canonical(tmp.path(), model, |s| s);
    let run = exec(tmp.path(), &["run", "-n", "200", "--format", "csv", "-o", "out", scenario.to_str().unwrap()])
        .expect("the run ran past its limit");
    assert_eq!(run.status.code(), Some(1), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(!tmp.path().join("out").exists(), "a refused run wrote its report");
    String::from_utf8_lossy(&run.stderr).into_owned()
}

#[test]
fn an_overflow_names_the_input_to_blame_at_its_line() {
    // Growth compounds 2^600: the growth is to blame, not the volume.
    let err = refused_run(|m| {
        m.replace("months = 36", "months = 600").replacen("growth = \"normal(0.004, 0.002)\"", "growth = 1", 1)
    });
    assert!(
        err.contains("acme.toml:13:10: channel \"phone\".growth: baseline cost of channel \"phone\" overflows"),
        "{err}"
    );
    assert!(err.contains("growth = 1 a month over 600 months"), "{err}");
    let err = refused_run(|m| m.replacen("cost_per_contact = \"pert(6.0, 8.0, 12.0)\"", "cost_per_contact = 1e308", 1));
    assert!(err.contains("acme.toml:15:20: channel \"phone\".cost_per_contact: baseline cost"), "{err}");
    assert!(err.contains("cost_per_contact = 1e308;"), "{err}");
}

#[test]
fn a_staffed_channel_whose_growth_passes_the_erlang_guard_is_refused_by_check() {
    // Before: growth 0.7 a month passed `check` and the agent search ran
    // for a minute; the guard read the first year's volume only.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("models")).unwrap();
    std::fs::create_dir_all(tmp.path().join("scenarios")).unwrap();
    let model = std::fs::read_to_string(root().join("models/acme-staffed.toml")).unwrap();
    let grown = model.replacen("growth = \"normal(0.004, 0.002)\"", "growth = 0.7", 1);
    assert_ne!(grown, model, "the staffed model's first channel no longer grows at normal(0.004, 0.002)");
    std::fs::write(tmp.path().join("models/acme-staffed.toml"), grown).unwrap();
    std::fs::copy(root().join("scenarios/acme-staffed-roadmap.toml"), tmp.path().join("scenarios/s.toml")).unwrap();
    let check = exec(tmp.path(), &["check", "scenarios/s.toml"]).expect("check ran past its limit");
    let err = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(1), "{err}");
    assert!(err.contains("acme-staffed.toml:") && err.contains(".staffing: a typical month carries about"), "{err}");
}

#[test]
fn the_page_check_tells_figures_from_missing_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let page = |cells: &str| {
        std::fs::write(dir.path().join("report.html"), format!("<table><tr>{cells}</tr></table>")).unwrap();
        bad_page(dir.path())
    };
    let good = "<td class=\"text\">Quick wins</td><td class=\"num\">$2.1–5.1M, likely $3.6M</td>\
                <td class=\"num\"><strong>$4.2M</strong><br><span class=\"note\">-$1k</span></td>\
                <td class=\"num\">–</td><td>Information</td>";
    assert_eq!(page(good), None);
    for bad in [
        "<td class=\"num\"></td>",
        "<td class=\"num\">$</td>",
        "<td class=\"num\"><strong></strong></td>",
        "<td class=\"num\">NaN</td>",
        "<td class=\"text\">likely $inf</td>",
        "<td class=\"num\">$1.2M to inf</td>",
    ] {
        assert!(page(&format!("{good}{bad}")).is_some(), "{bad} passed");
    }
}
