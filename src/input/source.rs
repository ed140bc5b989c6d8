//! An input file's text, kept so byte spans can become line and column.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::Diagnostic;

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Read a UTF-8 file; a leading BOM (Excel writes one) is dropped.
    pub fn read(path: &Path) -> Result<SourceFile, Diagnostic> {
        let bytes = read_bounded(path, MAX_INPUT_BYTES)
            .map_err(|e| Diagnostic::new(path, "", format!("cannot read the file: {}", io_reason(&e))))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let probe = SourceFile::from_text(path, valid);
            Diagnostic::new(path, "", "the file is not valid UTF-8 text").at_position(Some(probe.position(at)))
        })?;
        let text = text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text);
        Ok(SourceFile::from_text(path, text))
    }

    pub fn from_text(path: &Path, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { path: path.to_path_buf(), text, line_starts }
    }

    /// 1-based (line, column in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        (line + 1, column)
    }

    /// A diagnostic at the start of `span`.
    pub fn error(
        &self,
        span: Option<Range<usize>>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        // A problem with no span of its own (a missing top-level field, an
        // empty table list) is placed at the file's start, so that every
        // message about a file's content names a line (issue 28).
        Diagnostic::new(&self.path, field, message).at_position(Some(span.map_or((1, 1), |s| self.position(s.start))))
    }

    /// Resolve a path written inside this file: relative to its folder.
    pub fn resolve(&self, written: &str) -> PathBuf {
        let p = Path::new(written);
        if p.is_absolute() { p.to_path_buf() } else { self.path.parent().unwrap_or(Path::new("")).join(p) }
    }
}

/// serde's message with Rust's type names replaced by the user's words.
pub(crate) fn plain_words(message: &str, field: &str) -> String {
    let mut m = message.to_owned();
    for (rust, words) in [
        ("expected i64", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected u32", "expected a whole number"),
        ("expected f64", "expected a number (a constant here, not a distribution)"),
        ("expected a map", "expected a table"),
        ("expected a sequence", "expected an array [...]"),
        (
            "expected struct RawEffect",
            "expected an effect table such as { deflect = \"chat\", to = \"self_service\", share = 0.2 }",
        ),
        ("expected struct RawChannel", "expected a channel table"),
        ("expected struct RawInitiative", "expected an initiative table"),
        ("expected struct RawScenario", "expected a scenario table"),
        ("expected struct RawCorrelation", "expected a correlation table"),
        ("invalid type: sequence", "found an array"),
        ("invalid type: map", "found a table or date"),
        ("invalid type: string", "found the text"),
        ("invalid type: integer", "found the whole number"),
        ("invalid type: floating point", "found the number"),
        ("invalid type: boolean", "found the boolean"),
    ] {
        m = m.replace(rust, words);
    }
    if field.ends_with("start") && m.contains("found a table or date") {
        m.push_str("; write a month as text: \"YYYY-MM\"");
    }
    m
}

/// The most bytes an input file (model, scenario, CSV side file) may hold:
/// far more than any real model, small enough that reading one cannot
/// exhaust memory.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// A whole file, refused before reading when it is not a regular file (a
/// device such as `/dev/zero` or a pipe never ends, and a read of it would
/// never return) or holds more than `limit` bytes (issue 28). The reason
/// comes back as an I/O error that [`io_reason`] words.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, Read};
    let file = open_regular(path)?;
    let too_big = || Error::other(format!("it holds more than the {} MB an input file may hold", limit >> 20));
    let size = file.metadata()?.len();
    if size > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // The file may grow between the look and the read: read one byte past
    // the limit at most.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Open a file for reading, refused (before opening: opening a pipe
/// waits for a writer) when it is a folder, a device, a pipe or a socket.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    use std::io::{Error, ErrorKind};
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(Error::from(ErrorKind::IsADirectory));
    }
    if !meta.is_file() {
        return Err(Error::other("it is not a regular file (a device, pipe or socket); give a file"));
    }
    std::fs::File::open(path)
}

/// An I/O error in words, without Rust's "(os error 2)" suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory, not a file".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let f = SourceFile::from_text(Path::new("x.toml"), "a = 1\nbé = 2\n".into());
        assert_eq!(f.position(0), (1, 1));
        assert_eq!(f.position(4), (1, 5));
        assert_eq!(f.position(6), (2, 1));
        assert_eq!(f.position(10), (2, 4), "columns count characters, not bytes");
    }
}
