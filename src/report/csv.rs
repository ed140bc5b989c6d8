//! The CSV tables of spec section 9.

use serde::Serialize;

use super::{Exporter, inert, number, number_f32};
use crate::aggregate::{FiscalValue, Results, SummaryValue};
use crate::error::RenderError;
use crate::model::Case;

fn to_bytes<R: Serialize>(rows: impl IntoIterator<Item = R>) -> Result<Vec<u8>, RenderError> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    for row in rows {
        w.serialize(row)?;
    }
    w.into_inner().map_err(|e| RenderError::Csv(e.into_error().into()))
}

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), number)
}

pub struct Summary;

#[derive(Serialize)]
struct SummaryCsv<'a> {
    scenario: std::borrow::Cow<'a, str>,
    metric: &'a str,
    mean: String,
    sd: String,
    p5: String,
    p10: String,
    p50: String,
    p90: String,
    p95: String,
    min: String,
    max: String,
    mean_se: String,
    p10_se: String,
    p50_se: String,
    p90_se: String,
}

impl Exporter for Summary {
    fn file_name(&self) -> String {
        "summary.csv".into()
    }

    fn serialize(&self, _case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        to_bytes(results.summary.iter().map(|r| {
            let (s, p) = match &r.value {
                SummaryValue::Stats(s) => (*s, None),
                SummaryValue::Probability(p) => (None, Some(*p)),
            };
            SummaryCsv {
                scenario: inert(&r.scenario),
                metric: r.metric,
                mean: opt(s.map(|s| s.mean).or(p)),
                sd: opt(s.map(|s| s.sd)),
                p5: opt(s.map(|s| s.p5)),
                p10: opt(s.map(|s| s.p10)),
                p50: opt(s.map(|s| s.p50)),
                p90: opt(s.map(|s| s.p90)),
                p95: opt(s.map(|s| s.p95)),
                min: opt(s.map(|s| s.min)),
                max: opt(s.map(|s| s.max)),
                mean_se: opt(s.map(|_| r.se.mean)),
                p10_se: opt(s.map(|_| r.se.p10)),
                p50_se: opt(s.map(|_| r.se.p50)),
                p90_se: opt(s.map(|_| r.se.p90)),
            }
        }))
    }
}

pub struct FiscalYears;

#[derive(Serialize)]
struct FiscalCsv<'a> {
    scenario: std::borrow::Cow<'a, str>,
    fiscal_year: &'a str,
    partial: bool,
    metric: &'a str,
    mean: String,
    p10: String,
    p50: String,
    p90: String,
}

impl Exporter for FiscalYears {
    fn file_name(&self) -> String {
        "fiscal_years.csv".into()
    }

    fn serialize(&self, _case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        to_bytes(results.fiscal_years.iter().map(|r| {
            let (mean, p10, p50, p90) = match r.value {
                FiscalValue::Spread { mean, p10, p50, p90 } => (number(mean), number(p10), number(p50), number(p90)),
                FiscalValue::Single(x) => (number(x), String::new(), String::new(), String::new()),
            };
            FiscalCsv {
                scenario: inert(&r.scenario),
                fiscal_year: &r.fiscal_year,
                partial: r.partial,
                metric: r.metric,
                mean,
                p10,
                p50,
                p90,
            }
        }))
    }
}

pub struct Monthly;

#[derive(Serialize)]
struct MonthlyCsv<'a> {
    scenario: std::borrow::Cow<'a, str>,
    month: &'a str,
    channel: &'a str,
    metric: &'a str,
    mean: String,
    p10: String,
    p50: String,
    p90: String,
}

impl Exporter for Monthly {
    fn file_name(&self) -> String {
        "monthly.csv".into()
    }

    fn serialize(&self, case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        let actuals = actual_months(case);
        to_bytes(results.monthly.iter().flat_map(|r| {
            let row = MonthlyCsv {
                scenario: inert(&r.scenario),
                month: &r.month,
                channel: &r.channel,
                metric: r.metric,
                mean: number(r.mean),
                p10: number_f32(r.p10),
                p50: number_f32(r.p50),
                p90: number_f32(r.p90),
            };
            // A reforecast's actual month: an `actual` row after the
            // baseline's volume (docs/model.md, section 12).
            let actual = (r.scenario == "baseline" && r.metric == "volume")
                .then(|| actuals.iter().find(|(ch, month, _)| *ch == r.channel && *month == r.month))
                .flatten()
                .map(|&(_, _, v)| MonthlyCsv {
                    scenario: inert(&r.scenario),
                    month: &r.month,
                    channel: &r.channel,
                    metric: "actual",
                    mean: number(v),
                    p10: number(v),
                    p50: number(v),
                    p90: number(v),
                });
            std::iter::once(row).chain(actual)
        }))
    }
}

/// The (channel, month, actual volume) of every horizon month a fitted
/// channel has an actual for.
pub fn actual_months(case: &Case) -> Vec<(&str, String, f64)> {
    case.model
        .channels
        .iter()
        .filter_map(|ch| match &ch.baseline {
            crate::model::Baseline::Fitted(f) => Some((ch, f)),
            _ => None,
        })
        .flat_map(|(ch, f)| f.actuals.iter().enumerate().map(|(m, &v)| (ch.id.as_str(), case.model.month_label(m), v)))
        .collect()
}

pub struct Bridge;

#[derive(Serialize)]
struct BridgeCsv<'a> {
    scenario: std::borrow::Cow<'a, str>,
    step: usize,
    initiative: &'a str,
    mean: String,
    p10: String,
    p90: String,
}

impl Exporter for Bridge {
    fn file_name(&self) -> String {
        "bridge.csv".into()
    }

    fn serialize(&self, _case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        to_bytes(results.bridge.iter().map(|r| BridgeCsv {
            scenario: inert(&r.scenario),
            step: r.step,
            initiative: &r.initiative,
            mean: number(r.mean),
            p10: number(r.p10),
            p90: number(r.p90),
        }))
    }
}

pub struct Sensitivity;

#[derive(Serialize)]
struct SensitivityCsv<'a> {
    scenario: std::borrow::Cow<'a, str>,
    input: &'a str,
    spearman: String,
    npv_low_decile: String,
    npv_high_decile: String,
}

impl Exporter for Sensitivity {
    fn file_name(&self) -> String {
        "sensitivity.csv".into()
    }

    fn serialize(&self, _case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        to_bytes(results.sensitivity.iter().map(|r| SensitivityCsv {
            scenario: inert(&r.scenario),
            input: &r.input,
            spearman: number(r.spearman),
            npv_low_decile: number(r.npv_low_decile),
            npv_high_decile: number(r.npv_high_decile),
        }))
    }
}

pub struct RunRate;

#[derive(Serialize)]
struct RunRateCsv<'a> {
    scenario: std::borrow::Cow<'a, str>,
    metric: &'a str,
    mean: String,
    p10: String,
    p50: String,
    p90: String,
}

impl Exporter for RunRate {
    fn file_name(&self) -> String {
        "run_rate.csv".into()
    }

    fn serialize(&self, _case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        to_bytes(results.run_rate.iter().map(|r| RunRateCsv {
            scenario: inert(&r.scenario),
            metric: r.metric,
            mean: number(r.mean),
            p10: number(r.p10),
            p50: number(r.p50),
            p90: number(r.p90),
        }))
    }
}

pub struct FiscalBridge;

#[derive(Serialize)]
struct FiscalBridgeCsv<'a> {
    scenario: std::borrow::Cow<'a, str>,
    fiscal_year: &'a str,
    partial: bool,
    step: usize,
    initiative: &'a str,
    mean: String,
    p10: String,
    p90: String,
}

impl Exporter for FiscalBridge {
    fn file_name(&self) -> String {
        "bridge_fiscal.csv".into()
    }

    fn serialize(&self, _case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        to_bytes(results.bridge_fiscal.iter().map(|r| FiscalBridgeCsv {
            scenario: inert(&r.scenario),
            fiscal_year: &r.fiscal_year,
            partial: r.partial,
            step: r.step,
            initiative: &r.initiative,
            mean: number(r.mean),
            p10: number(r.p10),
            p90: number(r.p90),
        }))
    }
}

/// `pnl.csv`: written only when an initiative is depreciated
/// ([`tables_for`]).
pub struct Pnl;

impl Exporter for Pnl {
    fn file_name(&self) -> String {
        "pnl.csv".into()
    }

    fn serialize(&self, _case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        to_bytes(results.pnl.iter().map(|r| FiscalCsv {
            scenario: inert(&r.scenario),
            fiscal_year: &r.fiscal_year,
            partial: r.partial,
            metric: r.metric,
            mean: number(r.mean),
            p10: number(r.p10),
            p50: number(r.p50),
            p90: number(r.p90),
        }))
    }
}

/// The CSV tables every run writes.
pub fn tables() -> Vec<Box<dyn Exporter + Sync>> {
    vec![
        Box::new(Summary),
        Box::new(FiscalYears),
        Box::new(Monthly),
        Box::new(Bridge),
        Box::new(Sensitivity),
        Box::new(RunRate),
        Box::new(FiscalBridge),
    ]
}

/// The CSV tables of these results: [`tables`], and `pnl.csv` when an
/// initiative is depreciated (a report without depreciation gains no file).
pub fn tables_for(results: &Results) -> Vec<Box<dyn Exporter + Sync>> {
    let mut tables = tables();
    if !results.pnl.is_empty() {
        tables.push(Box::new(Pnl));
    }
    tables
}

/// `frontier.csv` of `costcast optimize`: every portfolio evaluated, best
/// objective first (spec section 8).
pub struct Frontier;

#[derive(Serialize)]
struct FrontierCsv {
    portfolio: usize,
    initiatives: String,
    capex_mean: String,
    investment_mean: String,
    npv_mean: String,
    npv_p10: String,
    npv_p50: String,
    npv_p90: String,
    prob_npv_positive: String,
    on_frontier: bool,
    feasible: bool,
    recommended: bool,
    iterations: usize,
}

impl Exporter for Frontier {
    fn file_name(&self) -> String {
        "frontier.csv".into()
    }

    fn serialize(&self, case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        let Some(rec) = &results.portfolio else { return Err(RenderError::NoPortfolio) };
        to_bytes(rec.candidates.iter().enumerate().map(|(i, c)| {
            let s = &c.stats;
            FrontierCsv {
                portfolio: i + 1,
                initiatives: crate::optimize::names(case, &s.members, ";"),
                capex_mean: number(s.capex_mean),
                investment_mean: number(s.investment_mean),
                npv_mean: number(s.npv_mean),
                npv_p10: number(s.npv_p10),
                npv_p50: number(s.npv_p50),
                npv_p90: number(s.npv_p90),
                prob_npv_positive: number(s.prob_npv_positive),
                on_frontier: c.on_frontier,
                feasible: c.feasible,
                recommended: i == rec.chosen,
                iterations: s.iterations,
            }
        }))
    }
}
