//! Checking a model file (spec section 3).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::rc::Rc;

use toml::Spanned;

use super::history::{self, ChannelHistory};
use super::{Checker, Meaning, staffing, valid_id};
use crate::calendar::{self, FiscalYear, YearMonth};
use crate::error::quoted;
use crate::input::read::Reader;
use crate::input::table::{self, VolumeRow};
use crate::input::{Expr, RawChannel, RawCorrelation, RawModel, SourceFile};
use crate::model::{Baseline, Channel, Fitted, InputDef, InputKind, Model};

const MAX_MONTHS: i64 = 600;

/// What a seasonality factor is, for a percent or a negative factor.
const SEASONALITY: &str = "a seasonality factor multiplies the month's volume (1.1 for 10% above the average)";

/// Check a model file. Returns the model (when it could be built at all), its
/// raw correlations (resolved later, with the scenario's) and its source.
pub(crate) fn check_model_file(ck: &mut Checker, path: &Path) -> Option<(Model, Vec<RawCorrelation>, SourceFile)> {
    let file = match SourceFile::read(path) {
        Ok(f) => f,
        Err(d) => {
            ck.error(d);
            return None;
        }
    };
    let raw = match Reader::parse(&file) {
        Ok((mut reader, root)) => {
            let raw = RawModel::read(&mut reader, &Reader::root(&root));
            ck.read_errors(reader.errors);
            raw
        }
        Err(d) => {
            ck.error(d);
            return None;
        }
    };
    let model = check_model(ck, &file, &raw)?;
    Some((model, raw.correlation, file))
}

fn check_model(ck: &mut Checker, file: &SourceFile, raw: &RawModel) -> Option<Model> {
    let name = match &raw.name {
        Some(n) if !n.get_ref().trim().is_empty() => n.get_ref().trim().to_owned(),
        _ => file.path.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned()),
    };
    if let Some(n) = raw.name.as_ref().filter(|_| name.chars().count() > super::MAX_NAME_CHARS) {
        ck.error(file.error(Some(n.span()), "name", super::name_too_long(&name)));
    }
    let currency = match &raw.currency {
        None => "USD".to_owned(),
        Some(c) => {
            let code = c.get_ref().trim();
            if code.is_empty() || code.chars().count() > 8 {
                ck.error(file.error(Some(c.span()), "currency", "expected a currency code such as \"USD\" or \"EUR\""));
            }
            code.to_owned()
        }
    };
    let (start, months) = check_horizon(ck, file, raw);
    let fiscal_year_start = match &raw.fiscal_year_start {
        None => 1,
        Some(f) if (1..=12).contains(f.get_ref()) => *f.get_ref() as u32,
        Some(f) => {
            ck.error(file.error(
                Some(f.span()),
                "fiscal_year_start",
                format!("must be a calendar month 1 to 12, got {}", f.get_ref()),
            ));
            1
        }
    };
    let months = months.unwrap_or(1) as usize;
    let start = start.unwrap_or(YearMonth { year: 2000, month: 1 });

    let errors_before_channels = ck.errors.len();
    let raw_channels = channel_rows(ck, file, raw);
    if ck.errors.len() > errors_before_channels || raw_channels.is_empty() {
        ck.channels_broken = true;
    }
    let plan = raw.volumes_csv.as_ref().and_then(|p| read_plan(ck, file, p, &raw_channels, start, months));
    let known: Vec<&str> =
        raw_channels.iter().filter_map(|(_, c)| c.id.as_ref()).map(|id| id.get_ref().as_str()).collect();
    let histories = match &raw.history_csv {
        Some(p) if !ck.horizon_broken => history::read_model_history(ck, file, p, &known, start),
        _ => None,
    };
    let mut channels: Vec<Channel> = Vec::new();
    let mut seen: HashMap<String, ()> = HashMap::new();
    for (source, rc) in &raw_channels {
        let field = &rc.name;
        let id = match &rc.id {
            None => {
                ck.error(source.error(Some(rc.span.clone()), format!("{field}.id"), "is required but missing"));
                String::new()
            }
            Some(id) if !valid_id(id.get_ref()) => {
                ck.error(source.error(
                    Some(id.span()),
                    format!("{field}.id"),
                    format!("{} is not a valid id; use lowercase letters, digits and _", quoted(id.get_ref())),
                ));
                id.get_ref().clone()
            }
            // An id is written into workbook cells, as a name is.
            Some(id) if id.get_ref().chars().count() > super::MAX_NAME_CHARS => {
                ck.error(source.error(Some(id.span()), format!("{field}.id"), super::name_too_long(id.get_ref())));
                id.get_ref().clone()
            }
            Some(id) => {
                if seen.insert(id.get_ref().clone(), ()).is_some() {
                    ck.error(source.error(
                        Some(id.span()),
                        format!("{field}.id"),
                        format!("duplicate channel id {}", quoted(id.get_ref())),
                    ));
                }
                id.get_ref().clone()
            }
        };
        let planned = plan.as_ref().and_then(|p| p.get(&id)).cloned();
        let history = histories.as_ref().and_then(|h| h.get(&id)).map(|h| (h, start, months));
        ck.anchor = Some(rc.id.as_ref().map_or(rc.span.clone(), Spanned::span));
        channels.push(check_channel(ck, source, rc, &id, field, planned, history, months));
        ck.anchor = None;
    }
    if raw_channels.is_empty() && ck.errors.is_empty() {
        ck.error(file.error(None, "channel", "the model has no channels; add [[channel]] tables or channels_csv"));
    }
    let discount_rate = ck.input(
        file,
        raw.discount_rate.as_ref(),
        None,
        "discount_rate".into(),
        "discount_rate",
        Meaning::RATE,
        InputKind::Value,
        false,
    );
    ck.check_rate(file, raw.discount_rate.as_ref(), "discount_rate", discount_rate);
    let fiscal_years = calendar::fiscal_years(start, months, fiscal_year_start);
    let budgets = if ck.horizon_broken { Vec::new() } else { check_budgets(ck, file, raw, &fiscal_years) };
    Some(Model {
        path: file.path.clone(),
        name,
        currency,
        start,
        months,
        fiscal_year_start,
        fiscal_years,
        discount_rate,
        budgets,
        channels,
    })
}

/// The horizon: its first month and its length, each `None` (reported)
/// when missing or unreadable, and then the horizon marked broken.
fn check_horizon(ck: &mut Checker, file: &SourceFile, raw: &RawModel) -> (Option<YearMonth>, Option<i64>) {
    let start = match &raw.start {
        Some(written) => {
            let start = YearMonth::parse(written.get_ref());
            if start.is_none() {
                ck.error(file.error(
                    Some(written.span()),
                    "start",
                    format!("{} is not a month; expected \"YYYY-MM\", e.g. \"2027-04\"", quoted(written.get_ref())),
                ));
            }
            start
        }
        None => {
            ck.error(file.error(None, "start", "is required but missing; the first month, e.g. start = \"2027-01\""));
            None
        }
    };
    let months = match &raw.months {
        Some(m) if (1..=MAX_MONTHS).contains(m.get_ref()) => Some(*m.get_ref()),
        Some(m) => {
            ck.error(file.error(Some(m.span()), "months", format!("must be 1 to {MAX_MONTHS}, got {}", m.get_ref())));
            None
        }
        None => {
            ck.error(file.error(None, "months", "is required but missing; the horizon in months, e.g. months = 36"));
            None
        }
    };
    // A horizon that could not be read is not checked against: the
    // months, budgets and start months that refer to it would only repeat
    // the error.
    if start.is_none() || months.is_none() {
        ck.horizon_broken = true;
    }
    (start, months)
}

/// The budget per fiscal year, by year: each key a fiscal year of the
/// horizon (`FY2027` or `2027`), given once, its amount a number >= 0.
fn check_budgets(ck: &mut Checker, file: &SourceFile, raw: &RawModel, fiscal_years: &[FiscalYear]) -> Vec<(i32, f64)> {
    let mut budgets = Vec::new();
    if let Some(b) = &raw.budget {
        for (key, amount) in b.get_ref() {
            let label = key.get_ref().trim();
            let year = label.strip_prefix("FY").or(label.strip_prefix("fy")).unwrap_or(label).parse::<i32>().ok();
            let field = format!("budget.{label}");
            match year {
                Some(y) if budgets.iter().any(|(year, _)| *year == y) => ck.error(file.error(
                    Some(key.span()),
                    field,
                    format!("FY{y} has a budget already (written another way); give each fiscal year one budget"),
                )),
                Some(y) if fiscal_years.iter().any(|f| f.year == y) => {
                    if !(amount.get_ref().is_finite() && *amount.get_ref() >= 0.0) {
                        ck.error(file.error(Some(amount.span()), field, "a budget must be a number >= 0"));
                    } else {
                        budgets.push((y, *amount.get_ref()));
                        ck.sites.budgets.push((y, file.error(Some(amount.span()), field, "")));
                    }
                }
                Some(y) => ck.error(file.error(
                    Some(key.span()),
                    field,
                    format!(
                        "FY{y} is not in the horizon; the horizon covers {}",
                        fiscal_years.iter().map(|f| f.label()).collect::<Vec<_>>().join(", ")
                    ),
                )),
                None => ck.error(file.error(Some(key.span()), field, "expected a fiscal year such as FY2027")),
            }
        }
    }
    budgets.sort_by_key(|b| b.0);
    budgets
}

/// The channel rows with the file each came from and its field path. The
/// rows share their file (one copy of its text, not one a row: a model of
/// thousands of channels would take memory in their square).
fn channel_rows(ck: &mut Checker, file: &SourceFile, raw: &RawModel) -> Vec<(Rc<SourceFile>, RawChannel)> {
    let model = Rc::new(file.clone());
    let mut rows: Vec<(Rc<SourceFile>, RawChannel)> = raw.channel.iter().map(|c| (model.clone(), c.clone())).collect();
    if let Some(csv_path) = &raw.channels_csv {
        if !raw.channel.is_empty() {
            ck.error(file.error(
                Some(csv_path.span()),
                "channels_csv",
                "give channels either as [[channel]] tables or as channels_csv, not both",
            ));
        }
        let path = file.resolve(csv_path.get_ref());
        match SourceFile::read(&path) {
            Err(d) => ck.error(file.error(Some(csv_path.span()), "channels_csv", d.message)),
            Ok(csv) => match table::read_channels(&csv) {
                Err(ds) => ds.into_iter().for_each(|d| ck.error(d)),
                Ok(chs) => {
                    let csv = Rc::new(csv);
                    for c in chs {
                        rows.push((csv.clone(), c));
                    }
                }
            },
        }
    }
    rows
}

#[allow(clippy::too_many_arguments)]
fn check_channel(
    ck: &mut Checker,
    file: &SourceFile,
    rc: &RawChannel,
    id: &str,
    field: &str,
    planned: Option<Vec<f64>>,
    history: Option<(&ChannelHistory, YearMonth, usize)>,
    months: usize,
) -> Channel {
    let f = |name: &str| format!("{field}.{name}");
    let p = |name: &str| format!("{id}.{name}");
    let mut noise = channel_noise(ck, file, rc, field);
    let baseline = match history {
        Some((h, start, months)) => {
            noise = 0.0; // the fitted AR(1) process is the channel's noise
            fitted_baseline(ck, file, rc, id, field, planned.is_some(), h, start, months)
        }
        None => channel_baseline(ck, file, rc, id, field, planned),
    };
    let inflation = ck.input(
        file,
        rc.inflation.as_ref(),
        Some(0.0),
        p("inflation"),
        &f("inflation"),
        Meaning::RATE,
        InputKind::Value,
        false,
    );
    ck.check_rate(file, rc.inflation.as_ref(), &f("inflation"), inflation);
    Channel {
        noise,
        // On a staffed channel it is the non-labour cost, default 0 (spec 11).
        cost_per_contact: ck.input(
            file,
            rc.cost_per_contact.as_ref(),
            rc.staffing.as_ref().map(|_| 0.0),
            p("cost_per_contact"),
            &f("cost_per_contact"),
            Meaning::amount("a cost per contact is an amount of money"),
            InputKind::Value,
            false,
        ),
        inflation,
        fixed_monthly: ck.input(
            file,
            rc.fixed_monthly.as_ref(),
            Some(0.0),
            p("fixed_monthly"),
            &f("fixed_monthly"),
            Meaning::amount("a fixed monthly cost is an amount of money"),
            InputKind::Value,
            false,
        ),
        staffing: rc.staffing.as_ref().map(|s| {
            let errors = ck.errors.len();
            let staffing = staffing::check_staffing(ck, file, s, field, id);
            // The traffic only means something once every field is valid.
            if ck.errors.len() == errors {
                staffing::check_traffic(ck, file, field, &staffing, busiest_month(ck, &baseline, months));
            }
            staffing
        }),
        baseline,
        id: id.to_owned(),
    }
}

/// A channel's noise: a constant (spec section 11), written as a number or
/// as text, a percent too (`"5%"`, a coefficient of variation of 0.05); 0
/// when absent.
fn channel_noise(ck: &mut Checker, file: &SourceFile, rc: &RawChannel, field: &str) -> f64 {
    let f = |name: &str| format!("{field}.{name}");
    ck.sites.noise.push(rc.noise.as_ref().map(|n| file.error(Some(n.span()), f("noise"), "")));
    match rc.noise.as_ref().map(|n| (n, n.get_ref())) {
        None => 0.0,
        Some((n, expr)) => {
            let value = match expr {
                Expr::Number(x) => Some(*x),
                Expr::Text(t) => crate::dist::expr::literal(t).map(|l| l.value),
            };
            match value {
                // The lognormal's sigma is sqrt(ln(1 + cv^2)): past 1e154 the
                // square overflows and every volume is NaN (issue 28).
                Some(x) if x.is_finite() && x >= 0.0 && (x * x).is_finite() => x,
                _ => {
                    ck.error(file.error(
                        Some(n.span()),
                        f("noise"),
                        format!("must be a constant coefficient of variation >= 0, got {expr}"),
                    ));
                    0.0
                }
            }
        }
    }
}

/// A channel's baseline volume: its plan from `volumes_csv` (the trend's
/// fields then ignored, with a warning), else volume, growth and
/// seasonality.
fn channel_baseline(
    ck: &mut Checker,
    file: &SourceFile,
    rc: &RawChannel,
    id: &str,
    field: &str,
    planned: Option<Vec<f64>>,
) -> Baseline {
    let f = |name: &str| format!("{field}.{name}");
    let p = |name: &str| format!("{id}.{name}");
    match planned {
        Some(plan) => {
            for (name, given) in [("volume", rc.volume.is_some()), ("growth", rc.growth.is_some())] {
                if given {
                    ck.warn(file.error(None, f(name), "ignored: volumes_csv plans this channel's volume"));
                }
            }
            if let Some(s) = &rc.seasonality {
                ck.warn(file.error(
                    Some(s.span()),
                    f("seasonality"),
                    "ignored: volumes_csv plans this channel's volume",
                ));
            }
            Baseline::Plan(plan)
        }
        None => {
            let volume = ck.input(
                file,
                rc.volume.as_ref(),
                None,
                p("volume"),
                &f("volume"),
                Meaning::amount("a volume is a count of contacts"),
                InputKind::Value,
                false,
            );
            let growth = ck.input(
                file,
                rc.growth.as_ref(),
                Some(0.0),
                p("growth"),
                &f("growth"),
                Meaning::RATE,
                InputKind::Value,
                false,
            );
            // Compounded monthly like inflation yearly: at or below -100% the
            // volume turns negative and the agent search never ends (issue 28).
            ck.check_rate(file, rc.growth.as_ref(), &f("growth"), growth);
            let mut seasonality = [0; 12];
            match &rc.seasonality {
                Some(s) if s.get_ref().len() != 12 => {
                    ck.error(file.error(
                        Some(s.span()),
                        f("seasonality"),
                        format!("expected 12 factors, January to December, got {}", s.get_ref().len()),
                    ));
                }
                _ => {}
            }
            for (k, slot) in seasonality.iter_mut().enumerate() {
                let expr = rc.seasonality.as_ref().and_then(|s| s.get_ref().get(k));
                *slot = ck.input(
                    file,
                    expr,
                    Some(1.0),
                    p(&format!("seasonality[{k}]")),
                    &f(&format!("seasonality[{k}]")),
                    Meaning::amount(SEASONALITY),
                    InputKind::Value,
                    false,
                );
            }
            Baseline::Trend { volume, growth, seasonality }
        }
    }
}

/// A fitted channel's baseline (spec section 12): the fields its history
/// replaces must not be set, nor may `volumes_csv` plan it.
#[allow(clippy::too_many_arguments)]
fn fitted_baseline(
    ck: &mut Checker,
    file: &SourceFile,
    rc: &RawChannel,
    id: &str,
    field: &str,
    planned: bool,
    h: &ChannelHistory,
    start: YearMonth,
    months: usize,
) -> Baseline {
    let f = |name: &str| format!("{field}.{name}");
    let given = [
        ("volume", rc.volume.as_ref().map(Spanned::span)),
        ("growth", rc.growth.as_ref().map(Spanned::span)),
        ("seasonality", rc.seasonality.as_ref().map(Spanned::span)),
        ("noise", rc.noise.as_ref().map(Spanned::span)),
    ];
    for (name, span) in given {
        if let Some(span) = span {
            ck.error(file.error(
                Some(span),
                f(name),
                format!("channel {} is fitted from history_csv, which gives its {name}; remove this field", quoted(id)),
            ));
        }
    }
    if planned {
        ck.error(file.error(
            Some(rc.id.as_ref().map_or(rc.span.clone(), Spanned::span)),
            f("id"),
            format!("channel {} has rows in both history_csv and volumes_csv; give it one or the other", quoted(id)),
        ));
    }
    let before = h.months_before(start);
    let fit = match crate::fit::Fit::new(&h.volumes[..before], h.first.month as usize - 1) {
        Ok(fit) => fit,
        Err(e) => {
            let mut d = h.at.clone();
            d.message = format!("channel {}: {e}", quoted(id));
            ck.error(d);
            // A stand-in keeps the model whole; the error stops the run.
            return Baseline::Plan(vec![0.0; months]);
        }
    };
    let start_t = h.first.months_until(start).max(0) as usize;
    let actuals: Vec<f64> = h.volumes[before..].iter().take(months).copied().collect();
    let trend = fit.coefficients[1];
    // The trend term at the start (damped and drifting past the history's
    // end): trend a + (trend + drift) d.
    let (a, d) = crate::fit::draw::trend_time(start_t, fit.months - 1);
    let mut at_start = [0.0; crate::fit::estimate::COEFFICIENTS];
    at_start[0] = 1.0;
    at_start[1] = a + d;
    let level = fit.coefficients[0] + trend * (a + d);
    let written = format!("fitted from history_csv ({before} months)");
    let def = |path: String, dist: crate::dist::Dist| InputDef {
        path,
        written: written.clone(),
        dist,
        domain: crate::dist::Domain::Unbounded,
        kind: InputKind::Value,
        from_scenario: false,
    };
    let volume_dist =
        crate::dist::lognormal::LogNormal::new(level, (fit.variance_of(&at_start) + (d * fit.drift_sd).powi(2)).sqrt())
            .map(crate::dist::Dist::LogNormal);
    let growth_dist = crate::dist::normal::Normal::new(trend.exp() - 1.0, trend.exp() * fit.se(1).hypot(fit.drift_sd))
        .map(crate::dist::Dist::Normal);
    let (Ok(volume_dist), Ok(growth_dist)) = (volume_dist, growth_dist) else {
        let mut d = h.at.clone();
        d.message = format!("channel {}: the fit's standard errors are not finite", quoted(id));
        ck.error(d);
        return Baseline::Plan(vec![0.0; months]);
    };
    // Sites stay aligned with inputs: both are written where history_csv is.
    ck.sites.inputs.extend([h.at.clone(), h.at.clone()]);
    let volume = ck.inputs.add(def(format!("{id}.volume"), volume_dist));
    let growth = ck.inputs.add(def(format!("{id}.growth"), growth_dist));
    ck.fitted.extend([volume, growth]);
    Baseline::Fitted(Box::new(Fitted {
        fit,
        first: h.first,
        history: h.volumes.clone(),
        start_t,
        actuals,
        volume,
        growth,
        at: h.at.clone(),
    }))
}

/// A channel's typical volume in its busiest month of the `months`-month
/// horizon: the planned maximum, or the median volume times the largest
/// median seasonal factor, compounded by the median growth to the last
/// month when it grows (issue 28: growth 0.7 a month made the agent search
/// run for a minute).
fn busiest_month(ck: &Checker, baseline: &Baseline, months: usize) -> f64 {
    let median = |id: usize| ck.inputs.defs[id].dist.quantile(0.5);
    match baseline {
        Baseline::Plan(plan) => plan.iter().copied().fold(0.0, f64::max),
        Baseline::Fitted(f) => (0..12).map(|m| f.typical_volume(m)).fold(0.0, f64::max),
        Baseline::Trend { volume, growth, seasonality } => {
            let compounded = (1.0 + median(*growth).max(0.0)).powf(months.saturating_sub(1) as f64);
            median(*volume) * seasonality.iter().map(|&s| median(s)).fold(0.0, f64::max) * compounded
        }
    }
}

/// Read `volumes_csv` into a plan per covered channel, checking that every
/// horizon month is there once.
fn read_plan(
    ck: &mut Checker,
    file: &SourceFile,
    written: &Spanned<String>,
    channels: &[(Rc<SourceFile>, RawChannel)],
    start: YearMonth,
    months: usize,
) -> Option<BTreeMap<String, Vec<f64>>> {
    let path = file.resolve(written.get_ref());
    let csv = match SourceFile::read(&path) {
        Ok(c) => c,
        Err(d) => {
            ck.error(file.error(Some(written.span()), "volumes_csv", d.message));
            return None;
        }
    };
    let rows: Vec<VolumeRow> = match table::read_volumes(&csv) {
        Ok(r) => r,
        Err(ds) => {
            ds.into_iter().for_each(|d| ck.error(d));
            return None;
        }
    };
    let known: Vec<&str> = channels.iter().filter_map(|(_, c)| c.id.as_ref()).map(|id| id.get_ref().as_str()).collect();
    let mut plan: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    // Channels with a row already reported: their gaps are not reported again.
    let mut bad_rows: std::collections::HashSet<String> = std::collections::HashSet::new();
    let before = ck.errors.len();
    for row in rows {
        let month_text = row.month.get_ref();
        let m: Option<i64> = match YearMonth::parse(month_text) {
            Some(ym) => Some(start.months_until(ym) + 1),
            None => month_text.parse::<i64>().ok(),
        };
        let Some(m) = m else {
            bad_rows.insert(row.channel.get_ref().clone());
            ck.error(csv.error(
                Some(row.month.span()),
                "column month",
                format!("{} is not a month; expected \"YYYY-MM\" or a horizon month number", quoted(month_text)),
            ));
            continue;
        };
        let channel = row.channel.get_ref();
        if !known.contains(&channel.as_str()) {
            ck.error(csv.error(
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
        let volume = match crate::dist::expr::number(row.volume.get_ref()) {
            Some(v) if v >= 0.0 => v,
            _ => {
                bad_rows.insert(channel.clone());
                ck.error(csv.error(
                    Some(row.volume.span()),
                    "column volume",
                    format!(
                        "{} is not a volume; expected a number >= 0 (volume cells are constants)",
                        quoted(row.volume.get_ref())
                    ),
                ));
                continue;
            }
        };
        if m < 1 || m > months as i64 {
            continue; // outside the horizon: ignored (spec section 11)
        }
        let slots = plan.entry(channel.clone()).or_insert_with(|| vec![None; months]);
        let slot = &mut slots[(m - 1) as usize];
        if slot.is_some() {
            ck.error(csv.error(
                Some(row.month.span()),
                "",
                format!("duplicate row for channel {} in {}", quoted(channel), start.plus((m - 1) as usize)),
            ));
        }
        *slot = Some(volume);
    }
    let mut complete = BTreeMap::new();
    for (channel, slots) in plan {
        let missing: Vec<String> =
            slots.iter().enumerate().filter(|(_, v)| v.is_none()).map(|(m, _)| start.plus(m).to_string()).collect();
        if bad_rows.contains(&channel) {
            continue;
        }
        if missing.is_empty() {
            complete.insert(channel, slots.into_iter().map(|v| v.unwrap_or(0.0)).collect());
        } else {
            let shown: Vec<_> = missing.iter().take(6).cloned().collect();
            ck.error(csv.error(
                None,
                "",
                format!(
                    "channel {} is planned but {} horizon month(s) are missing: {}{}",
                    quoted(&channel),
                    missing.len(),
                    shown.join(", "),
                    if missing.len() > 6 { ", ..." } else { "" }
                ),
            ));
        }
    }
    (ck.errors.len() == before).then_some(complete)
}
