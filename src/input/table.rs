//! The CSV inputs: `channels_csv` (one channel a row) and `volumes_csv`
//! (a planned baseline volume per month and channel). Both keep byte spans
//! into their own file so errors point at row and column.

use std::ops::Range;

use toml::Spanned;

use super::raw::{Expr, RawChannel};
use super::source::SourceFile;
use crate::error::Diagnostic;

const CHANNEL_COLUMNS: [&str; 8] =
    ["id", "volume", "growth", "noise", "cost_per_contact", "inflation", "fixed_monthly", "seasonality"];

/// One row of `volumes_csv`, as written.
#[derive(Debug, Clone)]
pub struct VolumeRow {
    pub month: Spanned<String>,
    pub channel: Spanned<String>,
    pub volume: Spanned<String>,
}

/// A parsed CSV: the header and each record's cells with their byte spans.
struct Cells {
    header: Vec<Spanned<String>>,
    rows: Vec<Vec<Spanned<String>>>,
}

fn read_cells(file: &SourceFile) -> Result<Cells, Diagnostic> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(file.text.as_bytes());
    let mut records = Vec::new();
    for result in reader.records() {
        let record = result.map_err(|e| {
            let span = e.position().map(|p| p.byte() as usize..p.byte() as usize);
            file.error(span, "", format!("malformed CSV: {e}"))
        })?;
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let raw_line = file.text[start..].lines().next().unwrap_or("");
        let mut offset = start;
        let mut cells = Vec::with_capacity(record.len());
        for (i, cell) in record.iter().enumerate() {
            // Find the cell in the raw line to recover its column; fall back
            // to the running offset when quoting makes them differ.
            let here =
                raw_line.get(offset - start..).and_then(|rest| rest.find(cell).map(|k| offset + k)).unwrap_or(offset);
            let span: Range<usize> = here..here + cell.len();
            cells.push(Spanned::new(span.clone(), cell.trim().to_owned()));
            offset = span.end.min(start + raw_line.len());
            if i + 1 < record.len() {
                offset = (offset + 1).min(start + raw_line.len());
            }
        }
        if cells.iter().all(|c| c.get_ref().is_empty()) {
            continue;
        }
        records.push(cells);
    }
    let mut rows = records.into_iter();
    let header = rows.next().ok_or_else(|| file.error(None, "", "the CSV file is empty; expected a header row"))?;
    Ok(Cells { header, rows: rows.collect() })
}

fn expr_cell(cell: &Spanned<String>) -> Option<Spanned<Expr>> {
    let text = cell.get_ref();
    if text.is_empty() {
        return None;
    }
    let value = match crate::dist::expr::number(text) {
        Some(x) => Expr::Number(x),
        None => Expr::Text(text.clone()),
    };
    Some(Spanned::new(cell.span(), value))
}

/// Read `channels_csv`: columns named like the `[[channel]]` fields.
pub fn read_channels(file: &SourceFile) -> Result<Vec<RawChannel>, Vec<Diagnostic>> {
    let cells = read_cells(file).map_err(|d| vec![d])?;
    let mut errors = Vec::new();
    let mut column_of = [None; CHANNEL_COLUMNS.len()];
    for (i, h) in cells.header.iter().enumerate() {
        match CHANNEL_COLUMNS.iter().position(|c| c == h.get_ref()) {
            Some(k) if column_of[k].is_some() => {
                errors.push(file.error(Some(h.span()), format!("column {}", h.get_ref()), "duplicate column"))
            }
            Some(k) => column_of[k] = Some(i),
            None => errors.push(file.error(
                Some(h.span()),
                format!("column {}", crate::error::short_name(h.get_ref())),
                format!(
                    "unknown column{}; expected some of {}",
                    crate::suggest::did_you_mean(h.get_ref(), CHANNEL_COLUMNS),
                    CHANNEL_COLUMNS.join(", ")
                ),
            )),
        }
    }
    let Some(id_col) = column_of[0] else {
        errors.push(file.error(Some(0..0), "header", "missing column `id`"));
        return Err(errors);
    };
    let mut channels = Vec::new();
    for row in &cells.rows {
        let row_start = row.first().map_or(0, |c| c.span().start);
        if row.len() != cells.header.len() {
            errors.push(file.error(
                Some(row_start..row_start),
                "",
                format!("this row has {} cells, the header has {}", row.len(), cells.header.len()),
            ));
            continue;
        }
        let cell = |k: usize| column_of[k].map(|i| &row[i]);
        let noise = cell(3).and_then(expr_cell);
        let seasonality = cell(7).filter(|c| !c.get_ref().is_empty()).map(|c| {
            let mut at = c.span().start;
            let items = c
                .get_ref()
                .split(';')
                .map(|part| {
                    let span = at..at + part.len();
                    at += part.len() + 1;
                    let text = part.trim();
                    let value = match crate::dist::expr::number(text) {
                        Some(x) => Expr::Number(x),
                        None => Expr::Text(text.to_owned()),
                    };
                    Spanned::new(span, value)
                })
                .collect();
            Spanned::new(c.span(), items)
        });
        let id = row[id_col].clone();
        let row_end = row.last().map_or(row_start, |c| c.span().end);
        channels.push(RawChannel {
            name: super::read::table_name(
                "channel",
                Some(id.get_ref().as_str()).filter(|id| super::read::valid_id(id)),
                channels.len(),
            ),
            span: row_start..row_end,
            id: Some(id),
            volume: cell(1).and_then(expr_cell),
            growth: cell(2).and_then(expr_cell),
            noise,
            cost_per_contact: cell(4).and_then(expr_cell),
            inflation: cell(5).and_then(expr_cell),
            fixed_monthly: cell(6).and_then(expr_cell),
            seasonality,
            staffing: None,
        });
    }
    if errors.is_empty() { Ok(channels) } else { Err(errors) }
}

/// Read `volumes_csv`: columns `month,channel,volume` in any order.
pub fn read_volumes(file: &SourceFile) -> Result<Vec<VolumeRow>, Vec<Diagnostic>> {
    let rows = read_columns(file, ["month", "channel", "volume"])?;
    Ok(rows.into_iter().map(|[month, channel, volume]| VolumeRow { month, channel, volume }).collect())
}

/// A CSV of exactly the three `columns`, in any order: each row's cells
/// in the order of `columns`. Unknown columns, a missing one and rows of
/// the wrong length are errors.
fn read_columns(file: &SourceFile, columns: [&str; 3]) -> Result<Vec<[Spanned<String>; 3]>, Vec<Diagnostic>> {
    let cells = read_cells(file).map_err(|d| vec![d])?;
    let mut errors = Vec::new();
    let expected = columns.join(", ");
    for h in &cells.header {
        if !columns.contains(&h.get_ref().as_str()) {
            errors.push(file.error(
                Some(h.span()),
                format!("column {}", crate::error::short_name(h.get_ref())),
                format!("unknown column; expected {expected}"),
            ));
        }
    }
    let at = columns.map(|name| cells.header.iter().position(|h| h.get_ref() == name));
    let [Some(a), Some(b), Some(c)] = at else {
        errors.push(file.error(Some(0..0), "header", format!("expected the columns {expected}")));
        return Err(errors);
    };
    let mut rows = Vec::new();
    for row in &cells.rows {
        if row.len() != cells.header.len() {
            let at = row.first().map_or(0, |c| c.span().start);
            errors.push(file.error(
                Some(at..at),
                "",
                format!("this row has {} cells, the header has {}", row.len(), cells.header.len()),
            ));
            continue;
        }
        rows.push([row[a].clone(), row[b].clone(), row[c].clone()]);
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

/// One row of a weekly profile (`profile_csv`, spec section 14), as
/// written.
#[derive(Debug, Clone)]
pub struct ProfileRow {
    pub weekday: Spanned<String>,
    pub start: Spanned<String>,
    pub share: Spanned<String>,
}

/// Read a weekly profile: columns `weekday,start,share` in any order.
pub fn read_profile(file: &SourceFile) -> Result<Vec<ProfileRow>, Vec<Diagnostic>> {
    let rows = read_columns(file, ["weekday", "start", "share"])?;
    Ok(rows.into_iter().map(|[weekday, start, share]| ProfileRow { weekday, start, share }).collect())
}
