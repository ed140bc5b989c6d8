//! A TOML file read field by field, so that one reading finds every
//! problem in it: each unknown field (with the known one it was probably
//! meant to be), each value of the wrong type, in file order. A field that
//! cannot be read is reported and left out; its neighbours are still read.
//! Missing required fields are left to validation, which knows what each
//! field defaults to and reports them where the table starts.
//!
//! Only a file that is not TOML at all (a syntax error) stops the reading:
//! past a syntax error the parser's guesses would invent problems.

use std::cell::Cell;
use std::ops::Range;

use serde::de::{DeserializeOwned, IntoDeserializer};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::source::{SourceFile, plain_words};
use crate::error::Diagnostic;
use crate::suggest;

/// Reads the tables of one file, collecting what is wrong with them.
pub(crate) struct Reader<'f> {
    pub file: &'f SourceFile,
    pub errors: Vec<Diagnostic>,
}

/// One table of the file: its entries, where it is, and what a message
/// calls it (`channel "phone"`, `initiative "kb".effects[0]`; empty for
/// the file's top level).
pub(crate) struct Table<'t, 'i> {
    entries: &'t DeTable<'i>,
    pub span: Range<usize>,
    pub name: String,
    /// The fields the table may have, once [`Reader::only`] has said.
    known: Cell<&'static [&'static str]>,
}

impl<'t, 'i> Table<'t, 'i> {
    /// The path of field `key` in messages: `channel "phone".volume`.
    pub fn field(&self, key: &str) -> String {
        if self.name.is_empty() { key.to_owned() } else { format!("{}.{key}", self.name) }
    }

    /// The entry for field `key`: as written, or else under a misspelt key
    /// that [`Reader::only`] reported as meaning `key` ("volumee" for
    /// "volume"), so the value is still checked and its absence is not
    /// reported as a second error.
    fn entry(&self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        if let Some(value) = self.entries.get(key) {
            return Some(value);
        }
        let known = self.known.get();
        self.entries
            .iter()
            .filter(|(k, _)| !known.contains(&k.get_ref().as_ref()))
            .find(|(k, _)| suggest::nearest(k.get_ref(), known.iter().copied()) == Some(key))
            .map(|(_, v)| v)
    }

    /// The text of field `key` when it is a string: a table's id or name,
    /// to call the table by before its fields are read.
    pub fn text(&self, key: &str) -> Option<&'t str> {
        self.entry(key).and_then(|v| v.get_ref().as_str())
    }
}

impl<'f> Reader<'f> {
    /// The file's top-level table, or the syntax error that makes it no
    /// TOML file.
    pub fn parse(file: &'f SourceFile) -> Result<(Reader<'f>, Spanned<DeTable<'f>>), Diagnostic> {
        let root = DeTable::parse(&file.text).map_err(|e| {
            let raw = e.message().trim().replace('\n', " ");
            file.error(e.span(), "", format!("invalid TOML: {raw}"))
        })?;
        Ok((Reader { file, errors: Vec::new() }, root))
    }

    /// The top level of a parsed file.
    pub fn root<'t>(root: &'t Spanned<DeTable<'f>>) -> Table<'t, 'f> {
        Table { entries: root.get_ref(), span: root.span(), name: String::new(), known: Cell::new(&[]) }
    }

    /// Report every key of `table` that is not in `known`, in file order,
    /// with the known field it was probably meant to be.
    pub fn only(&mut self, table: &Table<'_, '_>, known: &'static [&'static str]) {
        table.known.set(known);
        let mut unknown: Vec<_> = table.entries.keys().filter(|k| !known.contains(&k.get_ref().as_ref())).collect();
        unknown.sort_by_key(|k| k.span().start);
        for key in unknown {
            let name = key.get_ref().as_ref();
            let hint = match suggest::nearest(name, known.iter().copied()) {
                Some(near) => format!(" (did you mean `{near}`?)"),
                None => String::new(),
            };
            let fields = known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
            // A key can be as long as the file: shown shortened.
            let shown = crate::error::short_name(name);
            let message = format!("unknown field `{shown}`{hint}; the fields here are {fields}");
            self.errors.push(self.file.error(Some(key.span()), table.field(&shown), message));
        }
    }

    /// Field `key` read as a `T`: `None` when it is absent, or when it is
    /// of the wrong type (reported).
    pub fn get<T: DeserializeOwned>(&mut self, table: &Table<'_, 'f>, key: &str) -> Option<T> {
        let value = table.entry(key)?;
        self.value(value, &table.field(key))
    }

    /// A value read as a `T`; a wrong type is reported at the value.
    fn value<T: DeserializeOwned>(&mut self, value: &Spanned<DeValue<'f>>, field: &str) -> Option<T> {
        match T::deserialize(value.clone().into_deserializer()) {
            Ok(v) => Some(v),
            Err(e) => {
                let raw = e.message().trim().replace('\n', " ");
                let mut message = plain_words(&raw, field);
                match value.get_ref() {
                    DeValue::Datetime(_) => {
                        message = "found a TOML date; write a month as text: \"YYYY-MM\"".to_owned()
                    }
                    // `ramp = "6 months"`: the number is there, in words.
                    DeValue::String(text) if message.contains("expected a whole number") => {
                        let digits: String = text.trim().chars().take_while(char::is_ascii_digit).collect();
                        if !digits.is_empty() {
                            let key = field.rsplit('.').next().unwrap_or(field);
                            message.push_str(&format!("; write the number alone: {key} = {digits}"));
                        }
                    }
                    _ => {}
                }
                self.errors.push(self.file.error(Some(value.span()), field, message));
                None
            }
        }
    }

    /// The tables of an array of tables (`[[channel]]`) or an array of
    /// inline tables (`effects = [{ ... }]`), each called by `name(table,
    /// k)`. An element that is not a table is reported and skipped.
    pub fn tables<'t>(
        &mut self,
        table: &Table<'t, 'f>,
        key: &str,
        name: impl Fn(&Table<'t, 'f>, usize) -> String,
    ) -> Vec<Table<'t, 'f>> {
        let Some(value) = table.entry(key) else { return Vec::new() };
        let DeValue::Array(items) = value.get_ref() else {
            let found = value.get_ref().type_str();
            let message = format!("expected an array of tables, found a {found}");
            self.errors.push(self.file.error(Some(value.span()), table.field(key), message));
            return Vec::new();
        };
        let mut tables = Vec::new();
        for (k, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(entries) => {
                    let at = format!("{}[{k}]", table.field(key));
                    let mut t = Table { entries, span: item.span(), name: at, known: Cell::new(&[]) };
                    t.name = name(&t, k);
                    tables.push(t);
                }
                other => {
                    let message = format!("expected a table {{ ... }}, found a {}", other.type_str());
                    self.errors.push(self.file.error(Some(item.span()), format!("{}[{k}]", table.field(key)), message));
                }
            }
        }
        tables
    }

    /// The table under `key` (`[optimize]`, `[channel.staffing]`), called
    /// `name.key`; `None` when absent or not a table (reported).
    pub fn table<'t>(&mut self, table: &Table<'t, 'f>, key: &str) -> Option<Table<'t, 'f>> {
        let value = table.entry(key)?;
        match value.get_ref() {
            DeValue::Table(entries) => {
                Some(Table { entries, span: value.span(), name: table.field(key), known: Cell::new(&[]) })
            }
            other => {
                let message = format!("expected a table, found a {}", other.type_str());
                self.errors.push(self.file.error(Some(value.span()), table.field(key), message));
                None
            }
        }
    }

    /// The entries of a table of numbers (`budget = { FY2027 = 1e6 }`),
    /// keys in file order; each entry that is not a number is reported.
    pub fn numbers(&mut self, table: &Table<'_, 'f>, key: &str) -> Option<super::raw::Amounts> {
        let inner = self.table(table, key)?;
        let mut entries: Vec<_> = inner.entries.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let mut out = Vec::new();
        for (k, v) in entries {
            let name = k.get_ref().to_string();
            if let Some(x) = self.value::<Spanned<f64>>(v, &inner.field(&name)) {
                out.push((Spanned::new(k.span(), name), x));
            }
        }
        Some(Spanned::new(inner.span, out))
    }
}

/// `[a-z0-9_]+`, the spec's rule for channel and initiative ids.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// How messages call the `k`th table of a kind: by its id (`channel
/// "phone"`) when it has a well-formed one, else by position
/// (`channel[1]`), so a message names what the user named.
pub fn table_name(kind: &str, id: Option<&str>, k: usize) -> String {
    match id.map(str::trim) {
        Some(id) if !id.is_empty() && !id.contains('"') && id.chars().all(|c| !c.is_control()) => {
            format!("{kind} {}", crate::error::quoted(id))
        }
        _ => format!("{kind}[{k}]"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::from_text(Path::new("m.toml"), text.to_owned())
    }

    #[test]
    fn every_unknown_field_and_wrong_type_is_reported_in_file_order() {
        let f = file("volumee = 1\nmonths = \"six\"\nstrat = \"2027-01\"\nname = \"x\"\n");
        let (mut r, root) = Reader::parse(&f).unwrap();
        let top = Reader::root(&root);
        r.only(&top, &["name", "months", "start", "volume"]);
        let months: Option<Spanned<i64>> = r.get(&top, "months");
        let name: Option<Spanned<String>> = r.get(&top, "name");
        assert!(months.is_none());
        assert_eq!(name.map(Spanned::into_inner).as_deref(), Some("x"));
        let lines: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(lines[0].starts_with("m.toml:1:1: volumee: unknown field `volumee` (did you mean `volume`?)"));
        assert!(lines[1].starts_with("m.toml:3:1: strat: unknown field `strat` (did you mean `start`?)"));
        assert!(lines[2].starts_with("m.toml:2:10: months: "), "{}", lines[2]);
    }

    #[test]
    fn tables_are_called_by_their_id() {
        let f = file("[[channel]]\nid = \"phone\"\nvolum = 1\n[[channel]]\nid = \"Bad Id\"\n[[channel]]\nvolume = 2\n");
        let (mut r, root) = Reader::parse(&f).unwrap();
        let top = Reader::root(&root);
        let channels = r.tables(&top, "channel", |t, k| table_name("channel", t.text("id"), k));
        let names: Vec<&str> = channels.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["channel \"phone\"", "channel \"Bad Id\"", "channel[2]"]);
        r.only(&channels[0], &["id", "volume"]);
        assert!(r.errors[0].to_string().starts_with("m.toml:3:1: channel \"phone\".volum: unknown field"));
    }

    #[test]
    fn a_syntax_error_stops_the_reading() {
        let f = file("a = [1, 2\n");
        let e = Reader::parse(&f).err().expect("not TOML");
        assert!(e.to_string().starts_with("m.toml:"), "{e}");
        assert!(e.message.starts_with("invalid TOML"));
    }
}
