//! The model and scenario files as written (spec sections 3 and 4).

use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml::Spanned;

use super::read::{Reader, Table, table_name, valid_id};

/// A number or a distribution expression, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Text(String),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(x) => write!(f, "{x}"),
            Expr::Text(s) => write!(f, "\"{s}\""),
        }
    }
}

impl<'de> Deserialize<'de> for Expr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Expr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a distribution expression such as \"pert(6, 8, 12)\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Expr, E> {
                Ok(Expr::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Expr, E> {
                Ok(Expr::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Expr, E> {
                Ok(Expr::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Expr, E> {
                Ok(Expr::Text(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A month written as a horizon month number (1..M) or as `"YYYY-MM"`.
#[derive(Debug, Clone, PartialEq)]
pub enum MonthRef {
    Number(i64),
    Calendar(String),
}

impl<'de> Deserialize<'de> for MonthRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = MonthRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a horizon month number (1, 2, ...) or a month \"YYYY-MM\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<MonthRef, E> {
                Ok(MonthRef::Number(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<MonthRef, E> {
                Ok(MonthRef::Number(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MonthRef, E> {
                Ok(MonthRef::Calendar(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A table of amounts by key, in file order (`budget = { FY2027 = 1e6 }`).
pub type Amounts = Spanned<Vec<(Spanned<String>, Spanned<f64>)>>;

/// A model file (spec section 3). Required fields are `Option` here:
/// validation reports the missing ones where the table starts.
#[derive(Debug)]
pub struct RawModel {
    pub name: Option<Spanned<String>>,
    pub currency: Option<Spanned<String>>,
    pub start: Option<Spanned<String>>,
    pub months: Option<Spanned<i64>>,
    pub fiscal_year_start: Option<Spanned<i64>>,
    pub discount_rate: Option<Spanned<Expr>>,
    /// Budget per fiscal year, in file order.
    pub budget: Option<Amounts>,
    pub channel: Vec<RawChannel>,
    pub channels_csv: Option<Spanned<String>>,
    pub volumes_csv: Option<Spanned<String>>,
    /// Actual volumes to fit channels from (spec section 12).
    pub history_csv: Option<Spanned<String>>,
    pub correlation: Vec<RawCorrelation>,
}

/// A channel from a `[[channel]]` table or a row of `channels_csv`.
#[derive(Debug, Clone)]
pub struct RawChannel {
    /// What messages call it: `channel "phone"`, or by position.
    pub name: String,
    /// Where its table or row is: the place to report a missing field.
    pub span: Range<usize>,
    pub id: Option<Spanned<String>>,
    pub volume: Option<Spanned<Expr>>,
    pub growth: Option<Spanned<Expr>>,
    pub noise: Option<Spanned<Expr>>,
    pub cost_per_contact: Option<Spanned<Expr>>,
    pub inflation: Option<Spanned<Expr>>,
    pub fixed_monthly: Option<Spanned<Expr>>,
    pub seasonality: Option<Spanned<Vec<Spanned<Expr>>>>,
    /// Priced from the agents it needs (spec section 10); tables only.
    pub staffing: Option<Spanned<RawStaffing>>,
}

/// `[channel.staffing]` (spec section 10): every field may be a
/// distribution, sampled once.
#[derive(Debug, Clone)]
pub struct RawStaffing {
    pub aht_seconds: Option<Spanned<Expr>>,
    pub open_hours: Option<Spanned<Expr>>,
    /// The weekly arrival pattern by interval (spec section 14), instead
    /// of `open_hours`.
    pub profile_csv: Option<Spanned<String>>,
    /// The profile's interval length: 15, 30 or 60 minutes.
    pub interval_minutes: Option<Spanned<f64>>,
    pub service_level: Option<Spanned<Expr>>,
    pub answer_seconds: Option<Spanned<Expr>>,
    pub max_occupancy: Option<Spanned<Expr>>,
    pub shrinkage: Option<Spanned<Expr>>,
    pub paid_hours_per_fte: Option<Spanned<Expr>>,
    pub cost_per_fte: Option<Spanned<Expr>>,
    pub concurrency: Option<Spanned<Expr>>,
    /// Mean patience of a waiting caller (spec section 14): Erlang A.
    pub patience_seconds: Option<Spanned<Expr>>,
    /// Abandonment share allowed, with `patience_seconds`.
    pub max_abandon: Option<Spanned<Expr>>,
    /// Headcount rules (spec section 13).
    pub attrition: Option<Spanned<Expr>>,
    pub training_months: Option<Spanned<f64>>,
    pub release: Option<Spanned<String>>,
    pub severance_per_fte: Option<Spanned<Expr>>,
}

/// `[[correlation]]`: two inputs and their rank correlation.
#[derive(Debug, Clone)]
pub struct RawCorrelation {
    pub name: String,
    pub span: Range<usize>,
    pub between: Option<Spanned<Vec<Spanned<String>>>>,
    pub rho: Option<Spanned<f64>>,
}

/// A scenario file (spec section 4).
#[derive(Debug)]
pub struct RawScenarioFile {
    pub model: Option<Spanned<String>>,
    pub initiative: Vec<RawInitiative>,
    pub scenario: Vec<RawScenario>,
    pub correlation: Vec<RawCorrelation>,
    /// Read by `costcast optimize` (spec section 8); `run` ignores it.
    pub optimize: Option<Spanned<RawOptimize>>,
}

/// `[optimize]`: the portfolio search of `costcast optimize` (spec section 8).
#[derive(Debug)]
pub struct RawOptimize {
    pub capex_budget: Option<Spanned<f64>>,
    pub objective: Option<Spanned<String>>,
    pub min_prob_positive: Option<Spanned<f64>>,
    pub required: Option<Spanned<Vec<Spanned<String>>>>,
    pub excluded: Option<Spanned<Vec<Spanned<String>>>>,
}

/// `[[initiative]]`.
#[derive(Debug)]
pub struct RawInitiative {
    pub name_in_messages: String,
    pub span: Range<usize>,
    pub id: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub start: Option<Spanned<MonthRef>>,
    pub ramp: Option<Spanned<i64>>,
    pub success: Option<Spanned<Expr>>,
    pub capex: Option<Spanned<Expr>>,
    pub opex: Option<Spanned<Expr>>,
    pub effects: Vec<Spanned<RawEffect>>,
    pub depreciation_years: Option<Spanned<Expr>>,
}

/// One effect table; exactly one of `deflect`, `avoid`, `reduce_cost` is set.
#[derive(Debug)]
pub struct RawEffect {
    pub name: String,
    pub deflect: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    pub avoid: Option<Spanned<Vec<Spanned<String>>>>,
    pub reduce_cost: Option<Spanned<Vec<Spanned<String>>>>,
    pub share: Option<Spanned<Expr>>,
    pub leak: Option<Spanned<Expr>>,
}

/// `[[scenario]]`: a portfolio of initiatives.
#[derive(Debug)]
pub struct RawScenario {
    pub name_in_messages: String,
    pub span: Range<usize>,
    pub name: Option<Spanned<String>>,
    pub initiatives: Option<Spanned<Vec<Spanned<String>>>>,
}

/// The fields of each table, as the files spell them.
const MODEL_FIELDS: [&str; 12] = [
    "name",
    "currency",
    "start",
    "months",
    "fiscal_year_start",
    "discount_rate",
    "budget",
    "channel",
    "channels_csv",
    "volumes_csv",
    "history_csv",
    "correlation",
];
/// The fields of a channel, also the columns of `channels_csv`.
const CHANNEL_FIELDS: [&str; 9] =
    ["id", "volume", "growth", "noise", "cost_per_contact", "inflation", "fixed_monthly", "seasonality", "staffing"];
const STAFFING_FIELDS: [&str; 17] = [
    "aht_seconds",
    "open_hours",
    "profile_csv",
    "interval_minutes",
    "service_level",
    "answer_seconds",
    "max_occupancy",
    "shrinkage",
    "paid_hours_per_fte",
    "cost_per_fte",
    "concurrency",
    "patience_seconds",
    "max_abandon",
    "attrition",
    "training_months",
    "release",
    "severance_per_fte",
];
const CORRELATION_FIELDS: [&str; 2] = ["between", "rho"];
const SCENARIO_FILE_FIELDS: [&str; 5] = ["model", "initiative", "scenario", "correlation", "optimize"];
const OPTIMIZE_FIELDS: [&str; 5] = ["capex_budget", "objective", "min_prob_positive", "required", "excluded"];
const INITIATIVE_FIELDS: [&str; 9] =
    ["id", "name", "start", "ramp", "success", "capex", "opex", "effects", "depreciation_years"];
const EFFECT_FIELDS: [&str; 6] = ["deflect", "to", "avoid", "reduce_cost", "share", "leak"];
const SCENARIO_FIELDS: [&str; 2] = ["name", "initiatives"];

impl RawModel {
    /// Read a model file's top level; every problem found goes to `r`.
    pub(crate) fn read<'f>(r: &mut Reader<'f>, top: &Table<'_, 'f>) -> RawModel {
        r.only(top, &MODEL_FIELDS);
        let channel = r.tables(top, "channel", |t, k| table_name("channel", t.text("id").filter(|id| valid_id(id)), k));
        RawModel {
            name: r.get(top, "name"),
            currency: r.get(top, "currency"),
            start: r.get(top, "start"),
            months: r.get(top, "months"),
            fiscal_year_start: r.get(top, "fiscal_year_start"),
            discount_rate: r.get(top, "discount_rate"),
            budget: r.numbers(top, "budget"),
            channel: channel.iter().map(|t| RawChannel::read(r, t)).collect(),
            channels_csv: r.get(top, "channels_csv"),
            volumes_csv: r.get(top, "volumes_csv"),
            history_csv: r.get(top, "history_csv"),
            correlation: RawCorrelation::read_all(r, top),
        }
    }
}

impl RawChannel {
    fn read<'f>(r: &mut Reader<'f>, t: &Table<'_, 'f>) -> RawChannel {
        r.only(t, &CHANNEL_FIELDS);
        let staffing = r.table(t, "staffing").map(|s| {
            r.only(&s, &STAFFING_FIELDS);
            let raw = RawStaffing {
                aht_seconds: r.get(&s, "aht_seconds"),
                open_hours: r.get(&s, "open_hours"),
                profile_csv: r.get(&s, "profile_csv"),
                interval_minutes: r.get(&s, "interval_minutes"),
                service_level: r.get(&s, "service_level"),
                answer_seconds: r.get(&s, "answer_seconds"),
                max_occupancy: r.get(&s, "max_occupancy"),
                shrinkage: r.get(&s, "shrinkage"),
                paid_hours_per_fte: r.get(&s, "paid_hours_per_fte"),
                cost_per_fte: r.get(&s, "cost_per_fte"),
                concurrency: r.get(&s, "concurrency"),
                patience_seconds: r.get(&s, "patience_seconds"),
                max_abandon: r.get(&s, "max_abandon"),
                attrition: r.get(&s, "attrition"),
                training_months: r.get(&s, "training_months"),
                release: r.get(&s, "release"),
                severance_per_fte: r.get(&s, "severance_per_fte"),
            };
            Spanned::new(s.span.clone(), raw)
        });
        RawChannel {
            name: t.name.clone(),
            span: t.span.clone(),
            id: r.get(t, "id"),
            volume: r.get(t, "volume"),
            growth: r.get(t, "growth"),
            noise: r.get(t, "noise"),
            cost_per_contact: r.get(t, "cost_per_contact"),
            inflation: r.get(t, "inflation"),
            fixed_monthly: r.get(t, "fixed_monthly"),
            seasonality: r.get(t, "seasonality"),
            staffing,
        }
    }
}

impl RawCorrelation {
    fn read_all<'f>(r: &mut Reader<'f>, top: &Table<'_, 'f>) -> Vec<RawCorrelation> {
        let tables = r.tables(top, "correlation", |t, _| t.name.clone());
        tables
            .iter()
            .map(|t| {
                r.only(t, &CORRELATION_FIELDS);
                RawCorrelation {
                    name: t.name.clone(),
                    span: t.span.clone(),
                    between: r.get(t, "between"),
                    rho: r.get(t, "rho"),
                }
            })
            .collect()
    }
}

impl RawScenarioFile {
    /// Read a scenario file's top level; every problem found goes to `r`.
    pub(crate) fn read<'f>(r: &mut Reader<'f>, top: &Table<'_, 'f>) -> RawScenarioFile {
        r.only(top, &SCENARIO_FILE_FIELDS);
        let initiatives =
            r.tables(top, "initiative", |t, k| table_name("initiative", t.text("id").filter(|id| valid_id(id)), k));
        let scenarios = r.tables(top, "scenario", |t, k| table_name("scenario", t.text("name"), k));
        let optimize = r.table(top, "optimize").map(|o| {
            r.only(&o, &OPTIMIZE_FIELDS);
            let raw = RawOptimize {
                capex_budget: r.get(&o, "capex_budget"),
                objective: r.get(&o, "objective"),
                min_prob_positive: r.get(&o, "min_prob_positive"),
                required: r.get(&o, "required"),
                excluded: r.get(&o, "excluded"),
            };
            Spanned::new(o.span.clone(), raw)
        });
        RawScenarioFile {
            model: r.get(top, "model"),
            initiative: initiatives.iter().map(|t| RawInitiative::read(r, t)).collect(),
            scenario: scenarios
                .iter()
                .map(|t| {
                    r.only(t, &SCENARIO_FIELDS);
                    RawScenario {
                        name_in_messages: t.name.clone(),
                        span: t.span.clone(),
                        name: r.get(t, "name"),
                        initiatives: r.get(t, "initiatives"),
                    }
                })
                .collect(),
            correlation: RawCorrelation::read_all(r, top),
            optimize,
        }
    }
}

impl RawInitiative {
    fn read<'f>(r: &mut Reader<'f>, t: &Table<'_, 'f>) -> RawInitiative {
        r.only(t, &INITIATIVE_FIELDS);
        let effects = r.tables(t, "effects", |e, _| e.name.clone());
        RawInitiative {
            name_in_messages: t.name.clone(),
            span: t.span.clone(),
            id: r.get(t, "id"),
            name: r.get(t, "name"),
            start: r.get(t, "start"),
            ramp: r.get(t, "ramp"),
            success: r.get(t, "success"),
            capex: r.get(t, "capex"),
            opex: r.get(t, "opex"),
            effects: effects
                .iter()
                .map(|e| {
                    r.only(e, &EFFECT_FIELDS);
                    let raw = RawEffect {
                        name: e.name.clone(),
                        deflect: r.get(e, "deflect"),
                        to: r.get(e, "to"),
                        avoid: r.get(e, "avoid"),
                        reduce_cost: r.get(e, "reduce_cost"),
                        share: r.get(e, "share"),
                        leak: r.get(e, "leak"),
                    };
                    Spanned::new(e.span.clone(), raw)
                })
                .collect(),
            depreciation_years: r.get(t, "depreciation_years"),
        }
    }
}

/// Whether a TOML file is a scenario (it names its model) or a model.
pub fn is_scenario_text(text: &str) -> bool {
    // A scenario file that forgot its `model` line is still one: its
    // initiatives and scenarios say so.
    const SCENARIO_KEYS: [&str; 3] = ["model", "initiative", "scenario"];
    match text.parse::<toml::Table>() {
        Ok(table) => SCENARIO_KEYS.iter().any(|k| table.contains_key(*k)),
        Err(_) => text.lines().map(str::trim_start).any(|l| {
            (l.starts_with("model") && l.contains('='))
                || l.starts_with("[[initiative]]")
                || l.starts_with("[[scenario]]")
        }),
    }
}
