//! Checking a weekly arrival profile (`profile_csv`, spec section 14): one
//! row per open interval, `weekday,start,share`. Every problem is reported
//! at its row and column; a profile with any is refused whole.

use std::collections::HashMap;

use toml::Spanned;

use super::Checker;
use crate::input::SourceFile;
use crate::input::table::{self, ProfileRow};
use crate::model::{Interval, Profile};

/// The interval lengths a profile may use, in minutes.
pub const INTERVAL_MINUTES: [u32; 3] = [15, 30, 60];
/// How far the shares' sum may be from 1.
const SUM_TOLERANCE: f64 = 1e-6;
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WEEKDAY_NAMES: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// Read and check channel `field`'s profile `written` (a path relative to
/// the model file), on a grid of `interval_minutes`.
pub(crate) fn read_profile(
    ck: &mut Checker,
    file: &SourceFile,
    written: &Spanned<String>,
    interval_minutes: u32,
    field: &str,
) -> Option<Profile> {
    let path = file.resolve(written.get_ref());
    let csv = match SourceFile::read(&path) {
        Ok(c) => c,
        Err(d) => {
            let message = format!("\"{}\": {}", written.get_ref().escape_debug(), d.message);
            ck.error(file.error(Some(written.span()), format!("{field}.staffing.profile_csv"), message));
            return None;
        }
    };
    let rows = match table::read_profile(&csv) {
        Ok(r) => r,
        Err(ds) => {
            ds.into_iter().for_each(|d| ck.error(d));
            return None;
        }
    };
    let before = ck.errors.len();
    let mut intervals = Vec::with_capacity(rows.len());
    // (weekday, start) -> the line that gave it first.
    let mut seen: HashMap<(usize, u32), usize> = HashMap::new();
    for row in &rows {
        let (Some(weekday), Some(start), Some(share)) =
            (weekday(ck, &csv, row), start(ck, &csv, row, interval_minutes), share(ck, &csv, row))
        else {
            continue;
        };
        let line = csv.position(row.weekday.span().start).0;
        if let Some(first) = seen.insert((weekday, start), line) {
            ck.error(csv.error(
                Some(row.start.span()),
                "column start",
                format!(
                    "{} {} is listed twice (first on line {first}); give each interval once",
                    WEEKDAYS[weekday],
                    row.start.get_ref()
                ),
            ));
            continue;
        }
        intervals.push(Interval { weekday, start_minute: start, share });
    }
    if ck.errors.len() > before {
        return None;
    }
    if intervals.is_empty() {
        ck.error(csv.error(None, "", "the profile lists no interval: the queue would never open"));
        return None;
    }
    let sum: f64 = intervals.iter().map(|i| i.share).sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE {
        ck.error(csv.error(
            rows.first().map(|r| r.share.span()),
            "column share",
            format!(
                "the shares sum to {sum:.9}; a week's contacts must add up to 1 (within {SUM_TOLERANCE}): scale \
                 them by {:.6}",
                1.0 / sum
            ),
        ));
        return None;
    }
    intervals.sort_by_key(|i| (i.weekday, i.start_minute));
    Some(Profile { file: written.get_ref().clone(), interval_minutes, intervals })
}

/// `Mon`..`Sun`, or the day's full name, in any case.
fn weekday(ck: &mut Checker, csv: &SourceFile, row: &ProfileRow) -> Option<usize> {
    let text = row.weekday.get_ref().trim();
    let lower = text.to_ascii_lowercase();
    let found = (0..7).find(|&w| WEEKDAYS[w].eq_ignore_ascii_case(&lower) || WEEKDAY_NAMES[w] == lower);
    if found.is_none() {
        ck.error(csv.error(
            Some(row.weekday.span()),
            "column weekday",
            format!(
                "unknown weekday \"{}\"{}; expected one of {}",
                text.escape_debug(),
                crate::suggest::did_you_mean(text, WEEKDAYS.iter().copied()),
                WEEKDAYS.join(", ")
            ),
        ));
    }
    found
}

/// `HH:MM`, on the interval grid: minutes after midnight.
fn start(ck: &mut Checker, csv: &SourceFile, row: &ProfileRow, interval_minutes: u32) -> Option<u32> {
    let text = row.start.get_ref().trim();
    let parsed = text.split_once(':').and_then(|(h, m)| {
        let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
        (digits(h) && m.len() == 2 && digits(m)).then(|| (h.parse::<u32>().ok(), m.parse::<u32>().ok()))
    });
    let minute = match parsed {
        Some((Some(h), Some(m))) if h < 24 && m < 60 => h * 60 + m,
        _ => {
            ck.error(csv.error(
                Some(row.start.span()),
                "column start",
                format!("\"{}\" is not a time of day; expected HH:MM, from 00:00 to 23:59", text.escape_debug()),
            ));
            return None;
        }
    };
    if minute % interval_minutes != 0 {
        let below = minute - minute % interval_minutes;
        ck.error(csv.error(
            Some(row.start.span()),
            "column start",
            format!(
                "{text} is off the {interval_minutes}-minute grid (intervals start at {:02}:{:02}, {:02}:{:02}, ...); \
                 fix the start or set interval_minutes",
                below / 60,
                below % 60,
                (below + interval_minutes) / 60 % 24,
                (below + interval_minutes) % 60
            ),
        ));
        return None;
    }
    Some(minute)
}

/// A share of the week's contacts: a number >= 0.
fn share(ck: &mut Checker, csv: &SourceFile, row: &ProfileRow) -> Option<f64> {
    let text = row.share.get_ref().trim();
    let value = match text.strip_suffix('%') {
        Some(percent) => crate::dist::expr::number(percent).map(|x| x / 100.0),
        None => crate::dist::expr::number(text),
    };
    match value {
        Some(x) if x >= 0.0 => Some(x),
        _ => {
            ck.error(csv.error(
                Some(row.share.span()),
                "column share",
                format!("\"{}\" is not a share of the week's contacts; expected a number >= 0", text.escape_debug()),
            ));
            None
        }
    }
}

/// `interval_minutes`: 15, 30 (the default) or 60.
pub(crate) fn interval_minutes(ck: &mut Checker, file: &SourceFile, raw: Option<&Spanned<f64>>, field: &str) -> u32 {
    let Some(raw) = raw else { return 30 };
    let x = *raw.get_ref();
    match INTERVAL_MINUTES.iter().find(|&&m| f64::from(m) == x) {
        Some(&m) => m,
        None => {
            ck.error(file.error(
                Some(raw.span()),
                format!("{field}.staffing.interval_minutes"),
                format!("must be 15, 30 or 60 (minutes), got {x}"),
            ));
            30
        }
    }
}
