//! Checking a scenario file (spec section 4) together with its model.

use std::collections::HashSet;
use std::path::Path;

use toml::Spanned;

use super::correlation::build_copula;
use super::model::check_model_file;
use super::{Checker, Meaning, valid_id};
use crate::calendar::YearMonth;
use crate::error::{quoted, short_name};
use crate::input::read::Reader;
use crate::input::{Expr, MonthRef, RawCorrelation, RawEffect, RawInitiative, RawScenarioFile, SourceFile};
use crate::model::{Case, Effect, Initiative, InputKind, Model, Scenario};

pub(crate) fn check_case(ck: &mut Checker, path: &Path) -> Option<Case> {
    let file = match SourceFile::read(path) {
        Ok(f) => f,
        Err(d) => {
            ck.error(d);
            return None;
        }
    };
    let raw = match Reader::parse(&file) {
        Ok((mut reader, root)) => {
            let raw = RawScenarioFile::read(&mut reader, &Reader::root(&root));
            ck.read_errors(reader.errors);
            raw
        }
        Err(d) => {
            ck.error(d);
            return None;
        }
    };
    // The scenario file is checked even when its model cannot be: against
    // no channels and no horizon, so that only its own problems are
    // reported, not their echoes.
    let checked_model = model_of(ck, &file, &raw);
    let (model, model_correlations, model_file) = match checked_model {
        Some(m) => (m.0, m.1, Some(m.2)),
        None => {
            ck.channels_broken = true;
            ck.horizon_broken = true;
            (unreadable_model(&file), Vec::new(), None)
        }
    };
    let mut initiatives = Vec::new();
    let mut ids = HashSet::new();
    for ri in &raw.initiative {
        let field = &ri.name_in_messages;
        let id = match &ri.id {
            None => {
                ck.error(file.error(Some(ri.span.clone()), format!("{field}.id"), "is required but missing"));
                String::new()
            }
            Some(written) => {
                let id = written.get_ref().clone();
                if !valid_id(&id) {
                    ck.error(file.error(
                        Some(written.span()),
                        format!("{field}.id"),
                        format!("{} is not a valid id; use lowercase letters, digits and _", quoted(&id)),
                    ));
                } else if id.chars().count() > super::MAX_NAME_CHARS {
                    ck.error(file.error(Some(written.span()), format!("{field}.id"), super::name_too_long(&id)));
                } else if model.channels.iter().any(|c| c.id == id) {
                    ck.error(file.error(
                        Some(written.span()),
                        format!("{field}.id"),
                        format!(
                            "{} is already a channel id; input paths such as {}.capex would be ambiguous",
                            quoted(&id),
                            short_name(&id)
                        ),
                    ));
                } else if !ids.insert(id.clone()) {
                    ck.error(file.error(
                        Some(written.span()),
                        format!("{field}.id"),
                        format!("duplicate initiative id {}", quoted(&id)),
                    ));
                }
                id
            }
        };
        ck.anchor = Some(ri.id.as_ref().map_or(ri.span.clone(), Spanned::span));
        initiatives.push(check_initiative(ck, &file, &model, ri, &id));
        ck.anchor = None;
    }
    if raw.initiative.is_empty() {
        ck.error(file.error(None, "initiative", "the scenario file has no initiatives; add [[initiative]] tables"));
    }
    let scenarios = check_scenarios(ck, &file, &raw, &initiatives);
    let optimize = raw.optimize.as_ref().map(|o| super::optimize::check_optimize(ck, &file, o, &initiatives));
    let mut correlations = vec![(&file, raw.correlation.as_slice())];
    if let Some(model_file) = &model_file {
        correlations.insert(0, (model_file, model_correlations.as_slice()));
    }
    let copula = build_copula(ck, &correlations);
    let model_file = model_file?;
    let mut sources = vec![file.path.clone(), model.path.clone()];
    sources.extend(side_files(&model_file));
    Some(Case {
        scenario_path: file.path.clone(),
        model,
        initiatives,
        scenarios,
        inputs: std::mem::take(&mut ck.inputs),
        input_sites: ck.sites.inputs.clone(),
        copula: copula.unwrap_or_default(),
        sources,
        optimize,
        confidence: crate::simulate::layout::DEFAULT_CONFIDENCE,
    })
}

/// The model the scenario file names, checked; `None` (reported) when it
/// is not named, cannot be read or has errors that leave no model.
fn model_of(
    ck: &mut Checker,
    file: &SourceFile,
    raw: &RawScenarioFile,
) -> Option<(Model, Vec<RawCorrelation>, SourceFile)> {
    let Some(written) = &raw.model else {
        let message =
            "is required but missing; the model file this scenario file is for, e.g. model = \"../models/acme.toml\"";
        ck.error(file.error(None, "model", message));
        return None;
    };
    let model_path = file.resolve(written.get_ref());
    if !model_path.is_file() {
        let why = if model_path.is_dir() { "it is a folder, not a file" } else { "no such file" };
        ck.error(file.error(
            Some(written.span()),
            "model",
            format!("cannot read the model file {}: {why}", model_path.display()),
        ));
        return None;
    }
    check_model_file(ck, &model_path)
}

/// A stand-in for a model that could not be read: no channels, no
/// horizon. Only used to check the scenario file's own fields; the case it
/// belongs to is never returned, as the model's errors are reported.
fn unreadable_model(file: &SourceFile) -> Model {
    let start = YearMonth { year: 2000, month: 1 };
    Model {
        path: file.path.clone(),
        name: String::new(),
        currency: String::new(),
        start,
        months: 1,
        fiscal_year_start: 1,
        fiscal_years: crate::calendar::fiscal_years(start, 1, 1),
        discount_rate: 0,
        budgets: Vec::new(),
        channels: Vec::new(),
    }
}

/// The CSV files a model names, for the run record.
fn side_files(model_file: &SourceFile) -> Vec<std::path::PathBuf> {
    let Ok(table) = model_file.text.parse::<toml::Table>() else { return Vec::new() };
    ["channels_csv", "volumes_csv"]
        .iter()
        .filter_map(|k| table.get(*k).and_then(|v| v.as_str()))
        .map(|p| model_file.resolve(p))
        .collect()
}

fn check_initiative(ck: &mut Checker, file: &SourceFile, model: &Model, ri: &RawInitiative, id: &str) -> Initiative {
    let field = ri.name_in_messages.clone();
    let start = match &ri.start {
        Some(start) => month_index(ck, file, start, model, &format!("{field}.start")),
        None => {
            let message =
                "is required but missing; the month it starts, e.g. start = \"2027-06\" or a horizon month number";
            ck.error(file.error(Some(ri.span.clone()), format!("{field}.start"), message));
            0
        }
    };
    let ramp = match &ri.ramp {
        None => 0,
        Some(r) if (0..=i64::from(u32::MAX)).contains(r.get_ref()) => *r.get_ref() as u32,
        Some(r) => {
            ck.error(file.error(
                Some(r.span()),
                format!("{field}.ramp"),
                format!("must be a whole number of months >= 0, got {}", r.get_ref()),
            ));
            0
        }
    };
    let success = ck.input(
        file,
        ri.success.as_ref(),
        Some(1.0),
        format!("{id}.success"),
        &format!("{field}.success"),
        Meaning::PROBABILITY,
        InputKind::Success,
        true,
    );
    let capex = ck.input(
        file,
        ri.capex.as_ref(),
        Some(0.0),
        format!("{id}.capex"),
        &format!("{field}.capex"),
        Meaning::amount("capex is an amount of money"),
        InputKind::Value,
        true,
    );
    let opex = ck.input(
        file,
        ri.opex.as_ref(),
        Some(0.0),
        format!("{id}.opex"),
        &format!("{field}.opex"),
        Meaning::amount("opex is an amount of money a month"),
        InputKind::Value,
        true,
    );
    let effects = ri
        .effects
        .iter()
        .enumerate()
        .filter_map(|(e, raw)| check_effect(ck, file, model, raw, id, &raw.get_ref().name, e))
        .collect();
    let depreciation_years = ri
        .depreciation_years
        .as_ref()
        .and_then(|d| depreciation_years(ck, file, d, &format!("{field}.depreciation_years")));
    // Written into workbook cells as the scenario's name is (issue 28:
    // `check` and `--format csv` passed it, the workbook failed).
    if let Some(n) = ri.name.as_ref().filter(|n| n.get_ref().trim().chars().count() > super::MAX_NAME_CHARS) {
        ck.error(file.error(Some(n.span()), format!("{field}.name"), super::name_too_long(n.get_ref().trim())));
    }
    Initiative {
        name: ri
            .name
            .as_ref()
            .map(|n| n.get_ref().trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or(id.to_owned()),
        id: id.to_owned(),
        start,
        ramp,
        success,
        capex,
        opex,
        effects,
        depreciation_years,
    }
}

/// Longest depreciation accepted, in years: past it a figure is a slip
/// (months written as years, a typo), not an asset life.
const MAX_DEPRECIATION_YEARS: f64 = 50.0;

/// `depreciation_years`: a constant number of years, > 0 and at most
/// [`MAX_DEPRECIATION_YEARS`]. A P&L depreciates the capex actually paid
/// over a fixed schedule, so a distribution is refused rather than drawn.
fn depreciation_years(ck: &mut Checker, file: &SourceFile, written: &Spanned<Expr>, field: &str) -> Option<f64> {
    let expr = written.get_ref();
    let value = match expr {
        Expr::Number(x) => Some(*x),
        Expr::Text(t) => crate::dist::expr::literal(t).filter(|l| !l.percent).map(|l| l.value),
    };
    let problem = match value {
        Some(years) if years.is_finite() && years > 0.0 && years <= MAX_DEPRECIATION_YEARS => return Some(years),
        None => format!(
            "must be a constant number of years, got {expr}: the P&L depreciates the capex paid on a fixed schedule, \
             e.g. depreciation_years = 5"
        ),
        Some(years) if years.is_finite() && years > MAX_DEPRECIATION_YEARS => format!(
            "{years} years is longer than the {MAX_DEPRECIATION_YEARS} accepted; give the asset's life in years, \
             e.g. depreciation_years = 5"
        ),
        Some(_) => format!("must be a number of years > 0, got {expr}; leave it out to expense the capex when paid"),
    };
    ck.error(file.error(Some(written.span()), field, problem));
    None
}

/// A 0-based horizon month from a month number or `"YYYY-MM"`.
fn month_index(ck: &mut Checker, file: &SourceFile, at: &Spanned<MonthRef>, model: &Model, field: &str) -> usize {
    let written = match at.get_ref() {
        MonthRef::Number(n) => format!("month {n}"),
        MonthRef::Calendar(text) => quoted(text.trim()),
    };
    let m = match at.get_ref() {
        MonthRef::Number(n) => *n,
        MonthRef::Calendar(text) => match YearMonth::parse(text) {
            Some(ym) => model.start.months_until(ym) + 1,
            None => {
                ck.error(file.error(
                    Some(at.span()),
                    field,
                    format!("{} is not a month; expected a horizon month number or \"YYYY-MM\"", quoted(text)),
                ));
                return 0;
            }
        },
    };
    if m < 1 || m > model.months as i64 {
        if ck.horizon_broken {
            return 0;
        }
        ck.error(file.error(
            Some(at.span()),
            field,
            format!(
                "{written} is outside the horizon: expected 1 to {} ({} to {})",
                model.months,
                model.start,
                model.start.plus(model.months - 1)
            ),
        ));
        return 0;
    }
    (m - 1) as usize
}

fn check_effect(
    ck: &mut Checker,
    file: &SourceFile,
    model: &Model,
    raw: &Spanned<RawEffect>,
    id: &str,
    field: &str,
    e: usize,
) -> Option<Effect> {
    let r = raw.get_ref();
    let kinds = [r.deflect.is_some(), r.avoid.is_some(), r.reduce_cost.is_some()].iter().filter(|&&b| b).count();
    if kinds != 1 {
        ck.error(file.error(
            Some(raw.span()),
            field,
            "an effect needs exactly one of deflect = \"CHANNEL\", avoid = [CHANNELS] or reduce_cost = [CHANNELS]",
        ));
        return None;
    }
    let channel = |ck: &mut Checker, name: &Spanned<String>, what: &str| -> Option<usize> {
        let found = model.channels.iter().position(|c| &c.id == name.get_ref());
        if found.is_none() && !ck.channels_broken {
            let known: Vec<&str> = model.channels.iter().map(|c| c.id.as_str()).collect();
            ck.error(file.error(
                Some(name.span()),
                format!("{field}.{what}"),
                format!(
                    "unknown channel {}{}; the model has {}",
                    quoted(name.get_ref()),
                    crate::suggest::did_you_mean(name.get_ref(), known.iter().copied()),
                    crate::suggest::listing(known.iter().copied())
                ),
            ));
        }
        found
    };
    let outer_anchor = ck.anchor.replace(raw.span());
    let share = ck.input(
        file,
        r.share.as_ref(),
        None,
        format!("{id}.effects[{e}].share"),
        &format!("{field}.share"),
        Meaning::SHARE,
        InputKind::Value,
        true,
    );
    ck.anchor = outer_anchor;
    if let Some(from) = &r.deflect {
        let from_ch = channel(ck, from, "deflect");
        let to_ch = match &r.to {
            Some(to) => {
                let t = channel(ck, to, "to");
                if t.is_some() && t == from_ch {
                    ck.error(file.error(Some(to.span()), format!("{field}.to"), "cannot deflect a channel to itself"));
                }
                Some(t)
            }
            None => None,
        };
        let leak = ck.input(
            file,
            r.leak.as_ref(),
            Some(0.0),
            format!("{id}.effects[{e}].leak"),
            &format!("{field}.leak"),
            Meaning::SHARE,
            InputKind::Value,
            true,
        );
        return Some(Effect::Deflect { from: from_ch?, to: to_ch.map(|t| t.ok_or(())).transpose().ok()?, share, leak });
    }
    if let Some(leak) = &r.leak {
        ck.error(file.error(Some(leak.span()), format!("{field}.leak"), "leak applies only to deflect effects"));
    }
    if let Some(to) = &r.to {
        ck.error(file.error(Some(to.span()), format!("{field}.to"), "to applies only to deflect effects"));
    }
    let (list, what) = match (&r.avoid, &r.reduce_cost) {
        (Some(l), _) => (l, "avoid"),
        (_, Some(l)) => (l, "reduce_cost"),
        _ => unreachable!("exactly one kind is set"),
    };
    if list.get_ref().is_empty() {
        ck.error(file.error(Some(list.span()), format!("{field}.{what}"), "lists no channels"));
    }
    let mut channels = Vec::new();
    for name in list.get_ref() {
        if let Some(c) = channel(ck, name, what) {
            if channels.contains(&c) {
                ck.error(file.error(
                    Some(name.span()),
                    format!("{field}.{what}"),
                    format!("channel {} is listed twice", quoted(name.get_ref())),
                ));
            }
            channels.push(c);
        }
    }
    Some(if what == "avoid" { Effect::Avoid { channels, share } } else { Effect::ReduceCost { channels, share } })
}

fn check_scenarios(
    ck: &mut Checker,
    file: &SourceFile,
    raw: &RawScenarioFile,
    initiatives: &[Initiative],
) -> Vec<Scenario> {
    if raw.scenario.is_empty() {
        // Named after the file, unless that is the reserved "baseline".
        let name = file
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.trim().is_empty() && !s.trim().eq_ignore_ascii_case("baseline"))
            .unwrap_or_else(|| "All initiatives".into());
        return vec![Scenario { name, initiatives: (0..initiatives.len()).collect() }];
    }
    let mut names = HashSet::new();
    let mut scenarios = Vec::new();
    for rs in &raw.scenario {
        let field = &rs.name_in_messages;
        let name = rs.name.as_ref().map(|n| n.get_ref().trim().to_owned()).unwrap_or_default();
        let name_at = rs.name.as_ref().map_or(rs.span.clone(), Spanned::span);
        if rs.name.is_none() {
            ck.error(file.error(Some(name_at), format!("{field}.name"), "is required but missing"));
        } else if name.is_empty() {
            ck.error(file.error(Some(name_at), format!("{field}.name"), "a scenario needs a name"));
        } else if name.chars().count() > super::MAX_NAME_CHARS {
            ck.error(file.error(Some(name_at), format!("{field}.name"), super::name_too_long(&name)));
        } else if name.eq_ignore_ascii_case("baseline") {
            ck.error(file.error(
                Some(name_at),
                format!("{field}.name"),
                "\"baseline\" is reserved for the operation without initiatives",
            ));
        } else if !names.insert(name.clone()) {
            ck.error(file.error(
                Some(name_at),
                format!("{field}.name"),
                format!("duplicate scenario name {}", quoted(&name)),
            ));
        }
        let Some(listed) = &rs.initiatives else {
            ck.error(file.error(Some(rs.span.clone()), format!("{field}.initiatives"), "is required but missing"));
            scenarios.push(Scenario { name, initiatives: Vec::new() });
            continue;
        };
        let mut members = Vec::new();
        for id in listed.get_ref() {
            match initiatives.iter().position(|i| &i.id == id.get_ref()) {
                None => {
                    let known: Vec<&str> = initiatives.iter().map(|i| i.id.as_str()).collect();
                    ck.error(file.error(
                        Some(id.span()),
                        format!("{field}.initiatives"),
                        format!(
                            "unknown initiative {}{}; the file has {}",
                            quoted(id.get_ref()),
                            crate::suggest::did_you_mean(id.get_ref(), known.iter().copied()),
                            crate::suggest::listing(known.iter().copied())
                        ),
                    ));
                }
                Some(i) if members.contains(&i) => ck.error(file.error(
                    Some(id.span()),
                    format!("{field}.initiatives"),
                    format!("initiative {} is listed twice", quoted(id.get_ref())),
                )),
                Some(i) => members.push(i),
            }
        }
        if listed.get_ref().is_empty() {
            ck.error(file.error(
                Some(listed.span()),
                format!("{field}.initiatives"),
                "a scenario needs at least one initiative",
            ));
        }
        scenarios.push(Scenario { name, initiatives: members });
    }
    scenarios
}
