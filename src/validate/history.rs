//! Checking a history of actual volumes (`history_csv`, spec section 12):
//! per channel, consecutive months without gaps or duplicates, volumes
//! above 0. `costcast fit` reads a history on its own with the same
//! checks; a model adds its own (known channels, 24 months before the
//! horizon start).

use std::collections::BTreeMap;

use crate::calendar::YearMonth;
use crate::error::{Diagnostic, quoted};
use crate::input::SourceFile;
use crate::input::table::{self, VolumeRow};

/// One channel's actual volumes, month by month.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelHistory {
    pub channel: String,
    /// The month of `volumes[0]`.
    pub first: YearMonth,
    pub volumes: Vec<f64>,
    /// Where the channel's first row is: the place for errors about the
    /// channel as a whole.
    pub at: Diagnostic,
}

impl ChannelHistory {
    /// Months of history before `start`.
    pub fn months_before(&self, start: YearMonth) -> usize {
        (self.first.months_until(start).max(0) as usize).min(self.volumes.len())
    }
}

/// Read and check a history file. `known`: the model's channels, when the
/// history belongs to one (a row of any other channel is an error).
/// Channels come in the order of their first row.
pub fn read_history(csv: &SourceFile, known: Option<&[&str]>) -> Result<Vec<ChannelHistory>, Vec<Diagnostic>> {
    let rows: Vec<VolumeRow> = table::read_volumes(csv)?;
    let mut errors = Vec::new();
    // Per channel, in order of first appearance: (month, volume, row).
    let mut order: Vec<String> = Vec::new();
    let mut by_channel: BTreeMap<String, Vec<(YearMonth, f64, &VolumeRow)>> = BTreeMap::new();
    let mut broken: std::collections::HashSet<String> = std::collections::HashSet::new();
    for row in &rows {
        let channel = row.channel.get_ref();
        if let Some(known) = known
            && !known.contains(&channel.as_str())
        {
            errors.push(csv.error(
                Some(row.channel.span()),
                "column channel",
                format!(
                    "unknown channel {}{}; the model has {}",
                    quoted(channel),
                    crate::suggest::did_you_mean(channel, known.iter().copied()),
                    crate::suggest::listing(known.iter().copied())
                ),
            ));
            continue;
        }
        let month = YearMonth::parse(row.month.get_ref());
        if month.is_none() {
            errors.push(csv.error(
                Some(row.month.span()),
                "column month",
                format!("{} is not a month; expected \"YYYY-MM\"", quoted(row.month.get_ref())),
            ));
        }
        let volume = match crate::dist::expr::number(row.volume.get_ref()) {
            Some(v) if v > 0.0 && v.is_finite() => Some(v),
            Some(v) => {
                errors.push(csv.error(
                    Some(row.volume.span()),
                    "column volume",
                    format!("volume {v} is not above 0; a fitted history needs every month's actual volume > 0"),
                ));
                None
            }
            None => {
                errors.push(csv.error(
                    Some(row.volume.span()),
                    "column volume",
                    format!("{} is not a number; expected the month's actual volume", quoted(row.volume.get_ref())),
                ));
                None
            }
        };
        if channel.is_empty() {
            errors.push(csv.error(Some(row.channel.span()), "column channel", "is empty; expected a channel id"));
            continue;
        }
        if !by_channel.contains_key(channel) {
            order.push(channel.clone());
        }
        let entries = by_channel.entry(channel.clone()).or_default();
        match (month, volume) {
            (Some(m), Some(v)) => entries.push((m, v, row)),
            _ => {
                broken.insert(channel.clone());
            }
        }
    }
    let mut histories = Vec::new();
    for channel in order {
        let mut entries = by_channel.remove(&channel).unwrap_or_default();
        if broken.contains(&channel) || entries.is_empty() {
            continue;
        }
        entries.sort_by_key(|e| e.0);
        let mut ok = true;
        for w in entries.windows(2) {
            let (before, after) = (&w[0], &w[1]);
            let step = before.0.months_until(after.0);
            if step == 0 {
                ok = false;
                errors.push(csv.error(
                    Some(after.2.month.span()),
                    "",
                    format!("duplicate row: channel {} has {} already", quoted(&channel), after.0),
                ));
            } else if step > 1 {
                ok = false;
                let (missing, through) = (before.0.plus(1), before.0.plus(step as usize - 1));
                errors.push(csv.error(
                    Some(after.2.month.span()),
                    "",
                    format!(
                        "gap in channel {}: no row for {missing}{}; a history's months must be consecutive",
                        quoted(&channel),
                        if step > 2 { format!(" to {through}") } else { String::new() }
                    ),
                ));
            }
        }
        if ok {
            let first_row = entries.iter().map(|e| e.2).min_by_key(|r| r.month.span().start).expect("not empty");
            histories.push(ChannelHistory {
                first: entries[0].0,
                volumes: entries.iter().map(|e| e.1).collect(),
                at: csv.error(Some(first_row.channel.span()), "", ""),
                channel,
            });
        }
    }
    if errors.is_empty() { Ok(histories) } else { Err(errors) }
}

/// The error for a history with too few months before the horizon.
pub fn too_short(h: &ChannelHistory, start: YearMonth) -> Diagnostic {
    let mut d = h.at.clone();
    d.message = format!(
        "channel {} has {} month(s) of history before the horizon start {start}; the fit needs at least {}",
        quoted(&h.channel),
        h.months_before(start),
        crate::fit::MIN_MONTHS
    );
    d
}

/// Read a model's `history_csv`: every channel in it must be a channel of
/// the model, with at least [`crate::fit::MIN_MONTHS`] months before the
/// horizon start. The histories by channel id; None when any is wrong
/// (reported).
pub(super) fn read_model_history(
    ck: &mut super::Checker,
    file: &SourceFile,
    written: &toml::Spanned<String>,
    known: &[&str],
    start: YearMonth,
) -> Option<BTreeMap<String, ChannelHistory>> {
    let path = file.resolve(written.get_ref());
    let csv = match SourceFile::read(&path) {
        Ok(c) => c,
        Err(d) => {
            ck.error(file.error(Some(written.span()), "history_csv", d.message));
            return None;
        }
    };
    match read_history(&csv, Some(known)) {
        Err(ds) => {
            ds.into_iter().for_each(|d| ck.error(d));
            None
        }
        Ok(histories) => {
            let mut by_channel = BTreeMap::new();
            let mut ok = true;
            for h in histories {
                if h.months_before(start) < crate::fit::MIN_MONTHS {
                    ck.error(too_short(&h, start));
                    ok = false;
                }
                by_channel.insert(h.channel.clone(), h);
            }
            ok.then_some(by_channel)
        }
    }
}
