//! Report: the results as files.
//!
//! Each output is an [`Exporter`] that turns results into bytes, so every
//! format can be tested without touching the disk; [`output`] writes them
//! all into a fresh folder and swaps it into place only when all succeeded.

pub mod charts;
pub mod csv;
pub mod fit;
pub mod format;
pub mod html;
pub mod labels;
pub mod output;
pub mod record;
pub mod staging;
pub mod xlsx;

use crate::aggregate::Results;
use crate::error::RenderError;
use crate::model::Case;

/// What a run writes besides the CSV tables, which it always writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub png: bool,
    pub svg: bool,
    pub html: bool,
    pub xlsx: bool,
}

impl Formats {
    pub const ALL: Formats = Formats { png: true, svg: true, html: true, xlsx: true };
    pub const CSV_ONLY: Formats = Formats { png: false, svg: false, html: false, xlsx: false };
}

/// One report file.
pub trait Exporter {
    /// The file's path inside the report folder, e.g. `charts/npv.svg`.
    fn file_name(&self) -> String;
    /// The file's bytes.
    fn serialize(&self, case: &Case, results: &Results) -> Result<Vec<u8>, RenderError>;
}

/// Guard a text cell against formula injection: spreadsheets run cells
/// that begin with `=`, `+`, `-` or `@`, so such text gets a leading `'`
/// (spec section 9). Tabs and carriage returns at the start are guarded too.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if format::looks_like_formula(text) { format!("'{text}").into() } else { text.into() }
}

/// A number as a plain decimal (`.` separator, no exponent, shortest form
/// that reads back exactly); empty for NaN or infinities.
pub fn number(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { String::new() }
}

/// A number kept as f32 (the monthly percentiles), printed with the digits
/// f32 holds, so no binary noise such as `71560.38750000001` appears.
pub fn number_f32(x: f64) -> String {
    if x.is_finite() { format!("{}", x as f32) } else { String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_inert() {
        assert_eq!(inert("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(inert("+1"), "'+1");
        assert_eq!(inert("-1"), "'-1");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("Full roadmap"), "Full roadmap");
    }

    #[test]
    fn numbers_are_plain() {
        assert_eq!(number(1e21), "1000000000000000000000");
        assert_eq!(number(1.5e-7), "0.00000015");
        assert_eq!(number(-3.25), "-3.25");
        assert_eq!(number(f64::NAN), "");
    }
}
