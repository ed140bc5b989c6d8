//! Errors as types.
//!
//! Two families, because they end a run differently: an [`InputError`] means
//! the user's files are wrong (exit status 1, nothing written) and carries
//! every [`Diagnostic`] found, so `costcast check` can list them all at once;
//! a [`RunError`] is anything else that went wrong (exit status 2).

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one input file, located as precisely as the input allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line, where the input has lines.
    pub line: Option<usize>,
    /// 1-based column (characters), where known.
    pub column: Option<usize>,
    /// Field path inside the file, e.g. `channel[2].cost_per_contact`.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: &Path, field: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { file: file.to_path_buf(), line: None, column: None, field: field.into(), message: message.into() }
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn at_position(mut self, position: Option<(usize, usize)>) -> Self {
        if let Some((line, column)) = position {
            self.line = Some(line);
            self.column = Some(column);
        }
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A problem with the command line rather than a file (a batch's
        // options) has no file to name.
        let mut sep = "";
        if !self.file.as_os_str().is_empty() {
            write!(f, "{}", self.file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(column) = self.column {
                    write!(f, ":{column}")?;
                }
            }
            sep = ": ";
        }
        if self.field.is_empty() {
            write!(f, "{sep}{}", self.message)
        } else {
            write!(f, "{sep}{}: {}", self.field, self.message)
        }
    }
}

/// Names longer than this many characters are shortened where a message
/// quotes them (see [`quoted`]).
pub const QUOTED_CHARS: usize = 80;

/// How many characters of a long name a message keeps.
const QUOTED_HEAD: usize = 60;

/// A name as a message quotes it: `"phone"`; one past [`QUOTED_CHARS`]
/// characters as its first 60, an ellipsis and its length
/// (`"aaaa…" (100,000 characters)`). A name can be as long as a cell
/// allows (32,767 characters) or longer when it is the mistake: quoted
/// whole it would bury the message (issue 28).
pub fn quoted(name: &str) -> String {
    match shortened(name) {
        Some((head, count)) => format!("\"{head}…\" ({} characters)", thousands(count)),
        None => format!("\"{name}\""),
    }
}

/// A name unquoted, shortened like [`quoted`]: for lists of names.
pub fn short_name(name: &str) -> String {
    match shortened(name) {
        Some((head, count)) => format!("{head}… ({} characters)", thousands(count)),
        None => name.to_owned(),
    }
}

/// The first [`QUOTED_HEAD`] characters and the length of a name past
/// [`QUOTED_CHARS`] characters; `None` for a name short enough to show.
fn shortened(name: &str) -> Option<(&str, usize)> {
    let cut = name.char_indices().nth(QUOTED_CHARS)?.0;
    let head_end = name[..cut].char_indices().nth(QUOTED_HEAD).map_or(cut, |(i, _)| i);
    Some((&name[..head_end], name.chars().count()))
}

/// 100000 as `100,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The user's input is wrong. Holds every problem found, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub diagnostics: Vec<Diagnostic>,
}

impl InputError {
    pub fn one(diagnostic: Diagnostic) -> Self {
        InputError { diagnostics: vec![diagnostic] }
    }
}

impl From<Diagnostic> for InputError {
    fn from(d: Diagnostic) -> Self {
        InputError::one(d)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// A warning about input that is allowed but probably not what was meant.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning(pub Diagnostic);

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "warning: {}", self.0)
    }
}

/// Everything that can end a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid input: exit status 1, nothing written.
    #[error("{0}")]
    Input(#[from] InputError),
    /// Writing the report failed: exit status 2.
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    /// The report folder given has no name to write it under (`/`, `..`).
    #[error("{} is not a folder name", path.display())]
    NotAFolder { path: PathBuf },
    /// The simulation could not run: exit status 2.
    #[error(transparent)]
    Simulate(#[from] SimulateError),
    /// A report file could not be produced from the results: exit status 2.
    #[error("cannot render {file}: {source}")]
    Render { file: String, source: RenderError },
    /// The worker threads could not be started.
    #[error("cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    /// `costcast init` could not produce its files: exit status 2.
    #[error(transparent)]
    Init(#[from] crate::init::InitError),
}

impl Error {
    /// The process exit status the spec assigns to this error (section 9).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) => 1,
            Error::Write { .. }
            | Error::NotAFolder { .. }
            | Error::Simulate(_)
            | Error::Render { .. }
            | Error::Threads(_)
            | Error::Init(_) => 2,
        }
    }
}

/// Why a simulation could not run. Not the input's fault: a run too large
/// for this machine, or a broken promise inside the engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulateError {
    /// What a run keeps would not fit in memory.
    #[error("not enough memory for the {what}; run fewer iterations (-n)")]
    OutOfMemory { what: String },
    /// A percentile's order statistics were missing even from a run that
    /// kept every value of its result: a bug, reported rather than hidden.
    #[error("internal error: column {column} lacks the values its percentiles need after keeping them all")]
    PercentilesLost { column: usize },
}

/// Why a report file could not be produced from the results.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// plotters could not draw a chart.
    #[error("cannot draw chart {chart}: {why}")]
    Chart { chart: String, why: String },
    /// The embedded font did not load.
    #[error("cannot load the embedded DejaVu Sans font")]
    Font,
    /// The chart's pixels could not be encoded.
    #[error("cannot encode PNG: {0}")]
    Png(#[from] image::ImageError),
    /// A table could not be written.
    #[error("cannot write the table: {0}")]
    Csv(#[from] csv::Error),
    /// The workbook could not be built.
    #[error("cannot build the Excel workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    /// The portfolio table was asked of results without a portfolio search.
    #[error("no portfolio search in these results")]
    NoPortfolio,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_quoted_whole() {
        assert_eq!(quoted("phone"), "\"phone\"");
        let eighty = "a".repeat(QUOTED_CHARS);
        assert_eq!(quoted(&eighty), format!("\"{eighty}\""));
        assert_eq!(short_name("phone"), "phone");
    }

    #[test]
    fn long_names_keep_their_head_and_length() {
        let long = "é".repeat(100_000);
        let shown = quoted(&long);
        assert_eq!(shown, format!("\"{}…\" (100,000 characters)", "é".repeat(QUOTED_HEAD)));
        assert_eq!(short_name(&"b".repeat(QUOTED_CHARS + 1)), format!("{}… (81 characters)", "b".repeat(QUOTED_HEAD)));
    }
}
