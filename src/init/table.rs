//! The channel table a starter model is built from, in the `channels_csv`
//! format: the built-in example, or the user's own (`--from-csv`), checked
//! exactly as a model's `channels_csv` is. And the rule that fits the
//! starter's initiatives to its channels (docs/init.md).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use toml::Spanned;

use crate::error::{Diagnostic, Error, InputError, Warning};
use crate::input::table::read_channels;
use crate::input::{Expr, RawChannel, SourceFile};

/// The example channels of `costcast init` without `--from-csv`.
const STARTER_CHANNELS: &str = include_str!("templates/starter-channels.csv");

/// The volume a channel gets when its row leaves `volume` empty (a channel
/// whose volume a `volumes_csv` plans): a round figure, flagged where it is
/// written, for the user to replace.
pub(crate) const STAND_IN_VOLUME: &str = "10_000";

/// Words of a channel id (split at `_`) that mark a self-service channel.
const SELF_SERVICE_WORDS: [&str; 8] = ["self", "selfservice", "web", "app", "portal", "online", "bot", "chatbot"];

/// Words that mark a channel served by agents, whatever else its id says
/// (`web_chat` is agents answering on the web).
const AGENT_WORDS: [&str; 8] = ["chat", "phone", "call", "voice", "email", "mail", "messaging", "agent"];

/// One channel as its row wrote it: every field's text, `None` where the
/// cell is empty.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub id: String,
    pub volume: Option<String>,
    pub growth: Option<String>,
    pub noise: Option<String>,
    pub cost_per_contact: Option<String>,
    pub inflation: Option<String>,
    pub fixed_monthly: Option<String>,
    pub seasonality: Option<Vec<String>>,
    /// The median of the volume, to rank the channels; `None` without one.
    pub median_volume: Option<f64>,
}

/// The channels of a starter model and where they came from.
#[derive(Debug)]
pub(crate) struct Table {
    /// The user's CSV, as they named it; `None` for the built-in example.
    pub from: Option<PathBuf>,
    pub rows: Vec<Row>,
    /// What the user should know about their table: the checker's warnings,
    /// and each stand-in volume.
    pub warnings: Vec<Warning>,
}

/// The built-in example channels.
pub(crate) fn starter() -> Table {
    let file = SourceFile::from_text(Path::new("starter-channels.csv"), STARTER_CHANNELS.to_owned());
    // Built in and covered by tests; were it ever broken, the empty model
    // would fail the check before anything is written.
    let channels = read_channels(&file).unwrap_or_default();
    Table { from: None, rows: channels.iter().map(|c| row(&file, c)).collect(), warnings: Vec::new() }
}

/// The user's channel table, checked as a model's `channels_csv` is; a
/// row may leave `volume` empty, and then gets a stand-in.
pub(crate) fn read_user(path: &Path) -> Result<Table, Error> {
    let file = SourceFile::read(path).map_err(InputError::one)?;
    let channels = read_channels(&file).map_err(|diagnostics| InputError { diagnostics })?;
    if channels.is_empty() {
        let d = file.error(None, "", "the table has no channel rows; expected one row per channel under the header");
        return Err(InputError::one(d).into());
    }
    let without_volume: Vec<String> =
        channels.iter().filter(|c| c.volume.is_none()).map(|c| row_field(c, "volume")).collect();
    let mut warnings = check_as_channels_csv(path, &without_volume)?;
    for c in channels.iter().filter(|c| c.volume.is_none()) {
        warnings.push(Warning(file.error(
            Some(c.id.as_ref().map_or(c.span.clone(), |id| id.span())),
            row_field(c, "volume"),
            format!(
                "empty; the starter model gives {} a stand-in volume of {STAND_IN_VOLUME} contacts a month: \
                 replace it, or plan the channel with volumes_csv",
                c.id.as_ref().map_or("", |id| id.get_ref().as_str())
            ),
        )));
    }
    Ok(Table { from: Some(path.to_path_buf()), rows: channels.iter().map(|c| row(&file, c)).collect(), warnings })
}

/// How the validator names a field of a CSV row, e.g. `channel "phone".volume`.
fn row_field(c: &RawChannel, name: &str) -> String {
    format!("{}.{name}", c.name)
}

/// Check the table as `channels_csv` of a model that has nothing else, so
/// its problems are found by the same code and located in the CSV; the
/// fields in `allowed_missing` (the empty volumes) are not problems here.
fn check_as_channels_csv(path: &Path, allowed_missing: &[String]) -> Result<Vec<Warning>, Error> {
    static PROBES: AtomicUsize = AtomicUsize::new(0);
    let absolute = std::path::absolute(path).map_err(|e| Error::Write { path: path.to_path_buf(), source: e })?;
    let probe = std::env::temp_dir().join(format!(
        "costcast-init-probe-{}-{}.toml",
        std::process::id(),
        PROBES.fetch_add(1, Ordering::Relaxed)
    ));
    let text = format!(
        "start = \"2027-01\"\nmonths = 12\ndiscount_rate = 0.08\nchannels_csv = {}\n",
        super::render::toml_string(&absolute.to_string_lossy())
    );
    std::fs::write(&probe, text).map_err(|e| Error::Write { path: probe.clone(), source: e })?;
    let checked = crate::validate::load_model(&probe);
    let _ = std::fs::remove_file(&probe);
    // Name the CSV as the user did, not by the probe's absolute path.
    let renamed = |mut d: Diagnostic| {
        if d.file == absolute {
            d.file = path.to_path_buf();
        }
        d
    };
    match checked {
        Ok(model) => Ok(model.warnings.into_iter().map(|w| Warning(renamed(w.0))).collect()),
        Err(e) => {
            let diagnostics: Vec<Diagnostic> = e
                .diagnostics
                .into_iter()
                .filter(|d| !(d.file == absolute && allowed_missing.contains(&d.field)))
                .map(renamed)
                .collect();
            if diagnostics.is_empty() { Ok(Vec::new()) } else { Err(InputError { diagnostics }.into()) }
        }
    }
}

/// A row's fields as written.
fn row(file: &SourceFile, c: &RawChannel) -> Row {
    let text = |e: &Option<Spanned<Expr>>| e.as_ref().map(|e| written(file, e));
    Row {
        id: c.id.as_ref().map_or(String::new(), |id| id.get_ref().clone()),
        volume: text(&c.volume),
        growth: text(&c.growth),
        noise: text(&c.noise),
        cost_per_contact: text(&c.cost_per_contact),
        inflation: text(&c.inflation),
        fixed_monthly: text(&c.fixed_monthly),
        seasonality: c.seasonality.as_ref().map(|s| s.get_ref().iter().map(|e| written(file, e)).collect()),
        median_volume: c.volume.as_ref().and_then(|v| match v.get_ref() {
            Expr::Number(x) => Some(*x),
            Expr::Text(t) => crate::dist::parse(t).ok().map(|d| d.quantile(0.5)),
        }),
    }
}

/// A cell's text as the user wrote it: a number keeps its own spelling
/// (`185_000`, `1.10`) where the file still holds it.
fn written(file: &SourceFile, e: &Spanned<Expr>) -> String {
    match e.get_ref() {
        Expr::Text(t) => t.clone(),
        Expr::Number(x) => file
            .text
            .get(e.span())
            .map(str::trim)
            .filter(|s| crate::dist::expr::number(s) == Some(*x))
            .map_or_else(|| format!("{x}"), str::to_owned),
    }
}

/// Which channels the starter's initiatives act on (docs/init.md).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Roles {
    /// (from, to): the busiest agent channel and the first self-service
    /// channel, when the table has both.
    pub deflect: Option<(String, String)>,
    /// The two busiest agent channels (one if there is only one); every
    /// channel counts as an agent channel when none is.
    pub busiest: Vec<String>,
}

/// Fit the initiatives to the channels: deflect from the busiest channel
/// served by agents to the first self-service channel; avoid contacts on
/// (and, without a self-service channel, cut the cost of) the two busiest
/// agent channels. Busiest: the highest median volume; channels without a
/// volume rank last; ties keep the table's order.
pub(crate) fn roles(rows: &[Row]) -> Roles {
    let mut agents: Vec<&Row> = rows.iter().filter(|r| !is_self_service(&r.id)).collect();
    let self_service = rows.iter().find(|r| is_self_service(&r.id));
    if agents.is_empty() {
        agents = rows.iter().collect();
    }
    agents.sort_by(|a, b| {
        let volume = |r: &Row| r.median_volume.unwrap_or(f64::NEG_INFINITY);
        volume(b).total_cmp(&volume(a))
    });
    let deflect = match (self_service, agents.first()) {
        (Some(to), Some(from)) if to.id != from.id => Some((from.id.clone(), to.id.clone())),
        _ => None,
    };
    Roles { deflect, busiest: agents.iter().take(2).map(|r| r.id.clone()).collect() }
}

/// A self-service channel by its id: one of its words (split at `_`) is a
/// self-service word and none is an agent word.
pub(crate) fn is_self_service(id: &str) -> bool {
    let words: Vec<&str> = id.split('_').collect();
    words.iter().any(|w| SELF_SERVICE_WORDS.contains(w)) && !words.iter().any(|w| AGENT_WORDS.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(list: &[(&str, Option<f64>)]) -> Vec<Row> {
        list.iter()
            .map(|&(id, v)| Row {
                id: id.into(),
                volume: v.map(|x| x.to_string()),
                growth: None,
                noise: None,
                cost_per_contact: Some("5".into()),
                inflation: None,
                fixed_monthly: None,
                seasonality: None,
                median_volume: v,
            })
            .collect()
    }

    #[test]
    fn self_service_is_read_from_the_words_of_the_id() {
        for id in ["self_service", "web", "mobile_app", "customer_portal", "chatbot", "selfservice"] {
            assert!(is_self_service(id), "{id}");
        }
        for id in ["phone", "chat", "web_chat", "whatsapp", "email", "app_messaging", "webchat", "selfie"] {
            assert!(!is_self_service(id), "{id}");
        }
    }

    #[test]
    fn deflection_goes_from_the_busiest_agent_channel_to_the_first_self_service_one() {
        let r = roles(&rows(&[("phone", Some(40e3)), ("web", Some(900e3)), ("chat", Some(55e3)), ("app", None)]));
        assert_eq!(r.deflect, Some(("chat".into(), "web".into())));
        assert_eq!(r.busiest, ["chat", "phone"]);
    }

    #[test]
    fn channels_without_a_volume_rank_last_and_ties_keep_the_table_order() {
        let r = roles(&rows(&[("phone", None), ("email", Some(5e3)), ("chat", Some(5e3)), ("self_service", None)]));
        assert_eq!(r.deflect, Some(("email".into(), "self_service".into())));
        assert_eq!(r.busiest, ["email", "chat"]);
    }

    #[test]
    fn without_a_self_service_channel_nothing_is_deflected() {
        let r = roles(&rows(&[("phone", Some(10e3)), ("email", Some(20e3)), ("chat", Some(5e3))]));
        assert_eq!(r.deflect, None);
        assert_eq!(r.busiest, ["email", "phone"]);
        let only = roles(&rows(&[("web", Some(1e3))]));
        assert_eq!(only, Roles { deflect: None, busiest: vec!["web".into()] });
    }

    #[test]
    fn the_starter_table_reads_as_written() {
        let t = starter();
        let ids: Vec<&str> = t.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["phone", "chat", "self_service"]);
        assert_eq!(t.rows[0].volume.as_deref(), Some("40_000"));
        assert_eq!(t.rows[0].cost_per_contact.as_deref(), Some("pert(6, 7.5, 10)"));
        assert_eq!(t.rows[0].seasonality.as_ref().map(|s| s[0].as_str()), Some("1.10"));
        assert_eq!(t.rows[2].seasonality.as_ref().map(|s| s[11].as_str()), Some("1.04"));
        let r = roles(&t.rows);
        assert_eq!(r.deflect, Some(("chat".into(), "self_service".into())));
        assert_eq!(r.busiest, ["chat", "phone"]);
    }
}
