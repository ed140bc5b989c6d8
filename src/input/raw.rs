//! The model and scenario files as written (spec sections 3 and 4).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml::Spanned;

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub name: Option<Spanned<String>>,
    pub currency: Option<Spanned<String>>,
    pub start: Spanned<String>,
    pub months: Spanned<i64>,
    pub fiscal_year_start: Option<Spanned<i64>>,
    pub discount_rate: Spanned<Expr>,
    pub budget: Option<Spanned<BTreeMap<Spanned<String>, Spanned<f64>>>>,
    #[serde(default)]
    pub channel: Vec<RawChannel>,
    pub channels_csv: Option<Spanned<String>>,
    pub volumes_csv: Option<Spanned<String>>,
    #[serde(default)]
    pub correlation: Vec<RawCorrelation>,
}

/// A channel from a `[[channel]]` table or a row of `channels_csv`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannel {
    pub id: Spanned<String>,
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStaffing {
    pub aht_seconds: Option<Spanned<Expr>>,
    pub open_hours: Option<Spanned<Expr>>,
    pub service_level: Option<Spanned<Expr>>,
    pub answer_seconds: Option<Spanned<Expr>>,
    pub max_occupancy: Option<Spanned<Expr>>,
    pub shrinkage: Option<Spanned<Expr>>,
    pub paid_hours_per_fte: Option<Spanned<Expr>>,
    pub cost_per_fte: Option<Spanned<Expr>>,
    pub concurrency: Option<Spanned<Expr>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub between: Spanned<Vec<Spanned<String>>>,
    pub rho: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenarioFile {
    pub model: Spanned<String>,
    #[serde(default)]
    pub initiative: Vec<RawInitiative>,
    #[serde(default)]
    pub scenario: Vec<RawScenario>,
    #[serde(default)]
    pub correlation: Vec<RawCorrelation>,
    /// Read by `costcast optimize` (spec section 8); `run` ignores it.
    pub optimize: Option<Spanned<RawOptimize>>,
}

/// `[optimize]`: the portfolio search of `costcast optimize` (spec section 8).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOptimize {
    pub capex_budget: Option<Spanned<f64>>,
    pub objective: Option<Spanned<String>>,
    pub min_prob_positive: Option<Spanned<f64>>,
    pub required: Option<Spanned<Vec<Spanned<String>>>>,
    pub excluded: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInitiative {
    pub id: Spanned<String>,
    pub name: Option<Spanned<String>>,
    pub start: Spanned<MonthRef>,
    pub ramp: Option<Spanned<i64>>,
    pub success: Option<Spanned<Expr>>,
    pub capex: Option<Spanned<Expr>>,
    pub opex: Option<Spanned<Expr>>,
    #[serde(default)]
    pub effects: Vec<Spanned<RawEffect>>,
}

/// One effect table; exactly one of `deflect`, `avoid`, `reduce_cost` is set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEffect {
    pub deflect: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    pub avoid: Option<Spanned<Vec<Spanned<String>>>>,
    pub reduce_cost: Option<Spanned<Vec<Spanned<String>>>>,
    pub share: Option<Spanned<Expr>>,
    pub leak: Option<Spanned<Expr>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Spanned<String>,
    pub initiatives: Spanned<Vec<Spanned<String>>>,
}

/// Whether a TOML file is a scenario (it names its model) or a model.
pub fn is_scenario_text(text: &str) -> bool {
    match text.parse::<toml::Table>() {
        Ok(table) => table.contains_key("model"),
        Err(_) => text.lines().any(|l| l.trim_start().starts_with("model") && l.contains('=')),
    }
}
