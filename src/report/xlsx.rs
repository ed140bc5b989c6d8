//! The Excel workbook of a run (rust_xlsxwriter): the CSV tables as typed,
//! formatted sheets, the assumptions behind them, and native Excel charts a
//! finance partner can restyle.
//!
//! Sheets, in order: Summary, Fiscal years, Monthly, Bridge, Sensitivity
//! (the rows and columns of the CSV files of the same names, numbers as
//! numbers, empty cells where the CSV is empty), Assumptions (every
//! uncertain input with its P10/P50/P90, then the run facts), Staffing and
//! Portfolio where the run has them, Run-rate and Bridge by year (as
//! `run_rate.csv` and `bridge_fiscal.csv`), P&L (as `pnl.csv`, when an
//! initiative is depreciated), Charts (a fan chart of monthly total cost
//! and one NPV bridge per scenario) and Chart data (the cells the charts
//! read).
//!
//! Text that comes from the inputs (scenario names, initiative ids, input
//! paths) is always written as a string, never a formula; text that a
//! spreadsheet would take for one (`=`, `+`, `-`, `@`...) also carries
//! Excel's quote prefix, so editing the cell keeps it text. Chart titles
//! and series names point at cells rather than repeating such text, as
//! rust_xlsxwriter would parse a string like `x!A1` as a cell reference.
//!
//! The creation date in the document properties is fixed, so the same
//! results give the same bytes, like the CSV files.

use std::collections::HashMap;

use rust_xlsxwriter::{
    Chart, ChartFormat, ChartLegendPosition, ChartLine, ChartLineDashType, ChartMarker, ChartPoint, ChartSolidFill,
    ChartType, ColNum, Color, DocProperties, ExcelDateTime, Format, RowNum, Workbook as Book, Worksheet, XlsxError,
};

use super::Exporter;
use super::format::looks_like_formula;
use crate::aggregate::{FiscalValue, Results, SummaryValue};
use crate::error::RenderError;
use crate::model::{Case, InputKind};

/// `report.xlsx`.
pub struct Workbook;

impl Exporter for Workbook {
    fn file_name(&self) -> String {
        "report.xlsx".into()
    }

    fn serialize(&self, case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        Ok(build(case, results)?)
    }
}

const CHART_DATA: &str = "Chart data";
/// Widest a column is made, in characters.
const MAX_WIDTH: usize = 60;
/// Line colours: the baseline grey, then one per scenario (cycled).
const PALETTE: [u32; 9] = [0x7F7F7F, 0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2, 0x17BECF];
const GAIN: u32 = 0x2CA02C;
const LOSS: u32 = 0xD62728;
const TOTAL: u32 = 0x1F4E79;

fn build(case: &Case, results: &Results) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new(&case.model.currency);
    let mut book = Book::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    book.set_properties(&DocProperties::new().set_title("costcast report").set_creation_datetime(&created));
    let (data, layout) = chart_data(case, results, &f)?;
    for sheet in [
        summary(results, &f)?,
        fiscal_years(results, &f)?,
        monthly(case, results, &f)?,
        bridge(results, &f)?,
        sensitivity(results, &f)?,
        assumptions(case, results, &f)?,
    ]
    .into_iter()
    .chain(staffing(results, &f)?)
    .chain(headcount(results, &f)?)
    .chain(portfolio(case, results, &f)?)
    .chain([run_rate(results, &f)?, bridge_fiscal(results, &f)?])
    .chain(pnl(results, &f)?)
    .chain([charts(&layout, &f)?, data])
    {
        book.push_worksheet(sheet);
    }
    book.save_to_buffer()
}

/// How a number is shown, and so how wide its column must be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    /// Model currency, no decimals.
    Money,
    /// `0.0%`.
    Percent,
    /// `0.00`: ROI, Spearman coefficients.
    Ratio,
    /// `0.0`: payback months (a mean month needs its decimal).
    Months,
    /// `#,##0`: volumes, iteration counts.
    Count,
    /// `0`: steps, calendar months.
    Integer,
    /// `#,##0.0####`: assumption values of any size.
    Decimal,
}

struct Formats {
    header: Format,
    header_quoted: Format,
    quoted: Format,
    money: Format,
    /// The money number format, for chart axes.
    money_code: String,
    /// Characters the money format adds to the digits (symbol or code).
    money_extra: usize,
    percent: Format,
    ratio: Format,
    months: Format,
    count: Format,
    integer: Format,
    decimal: Format,
}

impl Formats {
    fn new(currency: &str) -> Formats {
        let (money, money_extra) = money_format(currency);
        let header = Format::new().set_bold();
        Formats {
            header_quoted: header.clone().set_quote_prefix(),
            header,
            quoted: Format::new().set_quote_prefix(),
            money: Format::new().set_num_format(&money),
            money_code: money,
            money_extra,
            percent: Format::new().set_num_format("0.0%"),
            ratio: Format::new().set_num_format("0.00"),
            months: Format::new().set_num_format("0.0"),
            count: Format::new().set_num_format("#,##0"),
            integer: Format::new().set_num_format("0"),
            decimal: Format::new().set_num_format("#,##0.0####"),
        }
    }

    fn number(&self, kind: Num) -> &Format {
        match kind {
            Num::Money => &self.money,
            Num::Percent => &self.percent,
            Num::Ratio => &self.ratio,
            Num::Months => &self.months,
            Num::Count => &self.count,
            Num::Integer => &self.integer,
            Num::Decimal => &self.decimal,
        }
    }

    /// Characters `x` takes when shown as `kind`.
    fn shown_len(&self, x: f64, kind: Num) -> usize {
        let sign = usize::from(x < 0.0);
        match kind {
            Num::Money => self.money_extra + grouped_len(x),
            Num::Count => grouped_len(x),
            Num::Percent => format!("{:.1}%", x * 100.0).len(),
            Num::Ratio => format!("{x:.2}").len(),
            Num::Months => format!("{x:.1}").len(),
            Num::Integer => format!("{x:.0}").len(),
            Num::Decimal => {
                let fraction = format!("{:.5}", x.abs().fract());
                let decimals = fraction.trim_end_matches('0').len().saturating_sub(1).max(2);
                sign + grouped_len(x.abs().trunc()) + decimals
            }
        }
    }
}

/// Money in the model currency: a symbol for the common codes, else the
/// code itself (letters and digits only, so it cannot break the format).
fn money_format(currency: &str) -> (String, usize) {
    if let Some(symbol) = super::format::currency_symbol(currency) {
        return (format!("\"{symbol}\"#,##0"), 1);
    }
    let code: String = currency.chars().filter(|c| c.is_alphanumeric()).collect();
    if code.is_empty() { ("#,##0".into(), 0) } else { (format!("\"{code} \"#,##0"), code.chars().count() + 1) }
}

/// Characters of `x` rounded, with a thousands separator every 3 digits.
fn grouped_len(x: f64) -> usize {
    let digits = format!("{:.0}", x.abs()).len();
    usize::from(x.round() < 0.0) + digits + (digits - 1) / 3
}

/// A worksheet being filled, with the widest content of each column.
struct Sheet {
    ws: Worksheet,
    widths: Vec<usize>,
}

impl Sheet {
    fn new(name: &str) -> Result<Sheet, XlsxError> {
        let mut ws = Worksheet::new();
        ws.set_name(name)?;
        Ok(Sheet { ws, widths: Vec::new() })
    }

    fn grow(&mut self, col: ColNum, len: usize) {
        let col = usize::from(col);
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        self.widths[col] = self.widths[col].max(len);
    }

    /// A bold header row at `row`; +2 characters for the filter button.
    fn header(&mut self, row: RowNum, names: &[&str], f: &Formats) -> Result<(), XlsxError> {
        for (col, name) in names.iter().enumerate() {
            self.head(row, col as ColNum, name, f)?;
            self.grow(col as ColNum, name.chars().count() + 2);
        }
        Ok(())
    }

    /// One bold header cell; quote-prefixed when it looks like a formula.
    fn head(&mut self, row: RowNum, col: ColNum, text: &str, f: &Formats) -> Result<(), XlsxError> {
        let format = if looks_like_formula(text) { &f.header_quoted } else { &f.header };
        self.ws.write_string_with_format(row, col, text, format)?;
        self.grow(col, text.chars().count());
        Ok(())
    }

    /// Text, always as a string; quote-prefixed when it looks like a formula.
    fn text(&mut self, row: RowNum, col: ColNum, text: &str, f: &Formats) -> Result<(), XlsxError> {
        if looks_like_formula(text) {
            self.ws.write_string_with_format(row, col, text, &f.quoted)?;
        } else {
            self.ws.write_string(row, col, text)?;
        }
        self.grow(col, text.chars().count());
        Ok(())
    }

    /// A number; NaN and infinities leave the cell empty, as in the CSV.
    fn number(&mut self, row: RowNum, col: ColNum, x: f64, kind: Num, f: &Formats) -> Result<(), XlsxError> {
        if x.is_finite() {
            self.ws.write_number_with_format(row, col, x, f.number(kind))?;
            self.grow(col, f.shown_len(x, kind));
        }
        Ok(())
    }

    fn numbers(&mut self, row: RowNum, first: ColNum, xs: &[f64], kind: Num, f: &Formats) -> Result<(), XlsxError> {
        for (i, &x) in xs.iter().enumerate() {
            self.number(row, first + i as ColNum, x, kind, f)?;
        }
        Ok(())
    }

    /// A table with its header in row 0 and `rows` data rows: freeze the
    /// header, filter on it, fit the columns.
    fn table(mut self, rows: usize, cols: usize) -> Result<Worksheet, XlsxError> {
        self.ws.set_freeze_panes(1, 0)?;
        self.ws.autofilter(0, 0, rows as RowNum, cols.saturating_sub(1) as ColNum)?;
        self.fit()
    }

    fn fit(mut self) -> Result<Worksheet, XlsxError> {
        for (col, &w) in self.widths.iter().enumerate() {
            if w > 0 {
                self.ws.set_column_width(col as ColNum, (w + 2).min(MAX_WIDTH) as f64)?;
            }
        }
        Ok(self.ws)
    }
}

fn summary_kind(metric: &str) -> Num {
    match metric {
        "roi" => Num::Ratio,
        "payback_month" => Num::Months,
        m if m.starts_with("prob_") => Num::Percent,
        _ => Num::Money,
    }
}

fn summary(results: &Results, f: &Formats) -> Result<Worksheet, XlsxError> {
    const COLUMNS: [&str; 15] = [
        "scenario", "metric", "mean", "sd", "p5", "p10", "p50", "p90", "p95", "min", "max", "mean_se", "p10_se",
        "p50_se", "p90_se",
    ];
    let mut s = Sheet::new("Summary")?;
    s.header(0, &COLUMNS, f)?;
    for (i, r) in results.summary.iter().enumerate() {
        let row = i as RowNum + 1;
        s.text(row, 0, &r.scenario, f)?;
        s.text(row, 1, r.metric, f)?;
        match &r.value {
            SummaryValue::Stats(Some(x)) => {
                let values = [x.mean, x.sd, x.p5, x.p10, x.p50, x.p90, x.p95, x.min, x.max];
                s.numbers(row, 2, &values, summary_kind(r.metric), f)?;
                let se = [r.se.mean, r.se.p10, r.se.p50, r.se.p90];
                s.numbers(row, 11, &se, summary_kind(r.metric), f)?;
            }
            SummaryValue::Stats(None) => {}
            SummaryValue::Probability(p) => s.number(row, 2, *p, Num::Percent, f)?,
        }
    }
    s.table(results.summary.len(), COLUMNS.len())
}

fn fiscal_years(results: &Results, f: &Formats) -> Result<Worksheet, XlsxError> {
    const COLUMNS: [&str; 8] = ["scenario", "fiscal_year", "partial", "metric", "mean", "p10", "p50", "p90"];
    let mut s = Sheet::new("Fiscal years")?;
    s.header(0, &COLUMNS, f)?;
    for (i, r) in results.fiscal_years.iter().enumerate() {
        let row = i as RowNum + 1;
        s.text(row, 0, &r.scenario, f)?;
        s.text(row, 1, &r.fiscal_year, f)?;
        s.ws.write_boolean(row, 2, r.partial)?;
        s.grow(2, 5);
        s.text(row, 3, r.metric, f)?;
        let kind = if r.metric.starts_with("prob_") { Num::Percent } else { Num::Money };
        match r.value {
            FiscalValue::Spread { mean, p10, p50, p90 } => s.numbers(row, 4, &[mean, p10, p50, p90], kind, f)?,
            FiscalValue::Single(x) => s.number(row, 4, x, kind, f)?,
        }
    }
    s.table(results.fiscal_years.len(), COLUMNS.len())
}

/// The portfolio search (`costcast optimize`): the recommendation and why
/// the runner-up lost, then every portfolio as in frontier.csv; no sheet
/// for a plain run.
fn portfolio(case: &Case, results: &Results, f: &Formats) -> Result<Option<Worksheet>, XlsxError> {
    const COLUMNS: [&str; 13] = [
        "portfolio",
        "initiatives",
        "capex_mean",
        "investment_mean",
        "npv_mean",
        "npv_p10",
        "npv_p50",
        "npv_p90",
        "prob_npv_positive",
        "on_frontier",
        "feasible",
        "recommended",
        "iterations",
    ];
    let Some(rec) = &results.portfolio else { return Ok(None) };
    let mut s = Sheet::new("Portfolio")?;
    let names = |members: &[usize]| crate::optimize::label(case, members);
    let chosen = rec.chosen();
    s.text(0, 0, "Recommended", f)?;
    s.text(0, 1, &names(&chosen.stats.members), f)?;
    s.text(1, 0, "Objective", f)?;
    s.text(1, 1, rec.objective.name(), f)?;
    s.number(1, 2, rec.objective.of(&chosen.stats), Num::Money, f)?;
    s.text(2, 0, "Runner-up", f)?;
    if let Some((runner, why)) = rec.runner_up() {
        s.text(2, 1, &names(&runner.stats.members), f)?;
        s.text(2, 2, why, f)?;
    }
    if let Some((other, why)) = rec.best_feasible_alternative() {
        s.text(3, 0, "Best feasible alternative", f)?;
        s.text(3, 1, &names(&other.stats.members), f)?;
        s.text(3, 2, why, f)?;
    }
    let head = 5;
    s.header(head, &COLUMNS, f)?;
    for (i, c) in rec.candidates.iter().enumerate() {
        let row = head + 1 + i as RowNum;
        let st = &c.stats;
        s.number(row, 0, (i + 1) as f64, Num::Integer, f)?;
        s.text(row, 1, &names(&st.members), f)?;
        s.numbers(
            row,
            2,
            &[st.capex_mean, st.investment_mean, st.npv_mean, st.npv_p10, st.npv_p50, st.npv_p90],
            Num::Money,
            f,
        )?;
        s.number(row, 8, st.prob_npv_positive, Num::Percent, f)?;
        for (col, flag) in [(9, c.on_frontier), (10, c.feasible), (11, i == rec.chosen)] {
            s.ws.write_boolean(row, col, flag)?;
            s.grow(col, 5);
        }
        s.number(row, 12, st.iterations as f64, Num::Count, f)?;
    }
    s.fit().map(Some)
}

/// Average FTE per staffed channel and fiscal year, baseline and scenarios;
/// no sheet when no channel is staffed.
fn staffing(results: &Results, f: &Formats) -> Result<Option<Worksheet>, XlsxError> {
    const COLUMNS: [&str; 5] = ["scenario", "channel", "fiscal_year", "partial", "fte"];
    if results.staffing.is_empty() {
        return Ok(None);
    }
    let mut s = Sheet::new("Staffing")?;
    s.header(0, &COLUMNS, f)?;
    for (i, r) in results.staffing.iter().enumerate() {
        let row = i as RowNum + 1;
        s.text(row, 0, &r.scenario, f)?;
        s.text(row, 1, &r.channel, f)?;
        s.text(row, 2, &r.fiscal_year, f)?;
        s.ws.write_boolean(row, 3, r.partial)?;
        s.grow(3, 5);
        s.number(row, 4, r.fte, Num::Decimal, f)?;
    }
    s.table(results.staffing.len(), COLUMNS.len()).map(Some)
}

/// Per headcount channel (spec section 13) and fiscal year, baseline and
/// scenarios: paid against required FTE, hires, leavers, releases and the
/// cost of the surplus still waiting for attrition; no sheet without
/// headcount rules.
fn headcount(results: &Results, f: &Formats) -> Result<Option<Worksheet>, XlsxError> {
    const COLUMNS: [&str; 10] = [
        "scenario",
        "channel",
        "fiscal_year",
        "partial",
        "paid_fte",
        "required_fte",
        "hires",
        "leavers",
        "released",
        "surplus_cost",
    ];
    if results.headcount.is_empty() {
        return Ok(None);
    }
    let mut s = Sheet::new("Headcount")?;
    s.header(0, &COLUMNS, f)?;
    for (i, r) in results.headcount.iter().enumerate() {
        let row = i as RowNum + 1;
        s.text(row, 0, &r.scenario, f)?;
        s.text(row, 1, &r.channel, f)?;
        s.text(row, 2, &r.fiscal_year, f)?;
        s.ws.write_boolean(row, 3, r.partial)?;
        s.grow(3, 5);
        for (col, x) in [r.paid_fte, r.required_fte, r.hires, r.leavers, r.released].into_iter().enumerate() {
            s.number(row, 4 + col as u16, x, Num::Decimal, f)?;
        }
        s.number(row, 9, r.surplus_cost, Num::Money, f)?;
    }
    s.table(results.headcount.len(), COLUMNS.len()).map(Some)
}

/// The Monthly sheet: the rows of `monthly.csv`, a reforecast's `actual`
/// rows included (after the baseline volume of each month with an actual,
/// docs/model.md section 12).
fn monthly(case: &Case, results: &Results, f: &Formats) -> Result<Worksheet, XlsxError> {
    const COLUMNS: [&str; 8] = ["scenario", "month", "channel", "metric", "mean", "p10", "p50", "p90"];
    let mut s = Sheet::new("Monthly")?;
    s.header(0, &COLUMNS, f)?;
    let actuals = super::csv::actual_months(case);
    let mut row: RowNum = 0;
    for r in &results.monthly {
        row += 1;
        s.text(row, 0, &r.scenario, f)?;
        s.text(row, 1, &r.month, f)?;
        s.text(row, 2, &r.channel, f)?;
        s.text(row, 3, r.metric, f)?;
        // Contacts and heads are no money.
        let kind = match r.metric {
            "volume" | "abandoned" => Num::Count,
            "fte" | "required_fte" | "hires" | "leavers" | "released" => Num::Decimal,
            _ => Num::Money,
        };
        s.numbers(row, 4, &[r.mean, r.p10, r.p50, r.p90], kind, f)?;
        let actual = (r.scenario == "baseline" && r.metric == "volume")
            .then(|| actuals.iter().find(|(ch, month, _)| *ch == r.channel && *month == r.month))
            .flatten();
        if let Some(&(_, _, v)) = actual {
            row += 1;
            s.text(row, 0, &r.scenario, f)?;
            s.text(row, 1, &r.month, f)?;
            s.text(row, 2, &r.channel, f)?;
            s.text(row, 3, "actual", f)?;
            s.numbers(row, 4, &[v; 4], Num::Count, f)?;
        }
    }
    s.table(row as usize, COLUMNS.len())
}

fn bridge(results: &Results, f: &Formats) -> Result<Worksheet, XlsxError> {
    const COLUMNS: [&str; 6] = ["scenario", "step", "initiative", "mean", "p10", "p90"];
    let mut s = Sheet::new("Bridge")?;
    s.header(0, &COLUMNS, f)?;
    for (i, r) in results.bridge.iter().enumerate() {
        let row = i as RowNum + 1;
        s.text(row, 0, &r.scenario, f)?;
        s.number(row, 1, r.step as f64, Num::Integer, f)?;
        s.text(row, 2, &r.initiative, f)?;
        s.numbers(row, 3, &[r.mean, r.p10, r.p90], Num::Money, f)?;
    }
    s.table(results.bridge.len(), COLUMNS.len())
}

fn run_rate(results: &Results, f: &Formats) -> Result<Worksheet, XlsxError> {
    const COLUMNS: [&str; 6] = ["scenario", "metric", "mean", "p10", "p50", "p90"];
    let mut s = Sheet::new("Run-rate")?;
    s.header(0, &COLUMNS, f)?;
    for (i, r) in results.run_rate.iter().enumerate() {
        let row = i as RowNum + 1;
        s.text(row, 0, &r.scenario, f)?;
        s.text(row, 1, r.metric, f)?;
        s.numbers(row, 2, &[r.mean, r.p10, r.p50, r.p90], Num::Money, f)?;
    }
    s.table(results.run_rate.len(), COLUMNS.len())
}

fn bridge_fiscal(results: &Results, f: &Formats) -> Result<Worksheet, XlsxError> {
    const COLUMNS: [&str; 8] = ["scenario", "fiscal_year", "partial", "step", "initiative", "mean", "p10", "p90"];
    let mut s = Sheet::new("Bridge by year")?;
    s.header(0, &COLUMNS, f)?;
    for (i, r) in results.bridge_fiscal.iter().enumerate() {
        let row = i as RowNum + 1;
        s.text(row, 0, &r.scenario, f)?;
        s.text(row, 1, &r.fiscal_year, f)?;
        s.ws.write_boolean(row, 2, r.partial)?;
        s.grow(2, 5);
        s.number(row, 3, r.step as f64, Num::Integer, f)?;
        s.text(row, 4, &r.initiative, f)?;
        s.numbers(row, 5, &[r.mean, r.p10, r.p90], Num::Money, f)?;
    }
    s.table(results.bridge_fiscal.len(), COLUMNS.len())
}

/// Cash and P&L per fiscal year; no sheet unless an initiative is
/// depreciated.
fn pnl(results: &Results, f: &Formats) -> Result<Option<Worksheet>, XlsxError> {
    const COLUMNS: [&str; 8] = ["scenario", "fiscal_year", "partial", "metric", "mean", "p10", "p50", "p90"];
    if results.pnl.is_empty() {
        return Ok(None);
    }
    let mut s = Sheet::new("P&L")?;
    s.header(0, &COLUMNS, f)?;
    for (i, r) in results.pnl.iter().enumerate() {
        let row = i as RowNum + 1;
        s.text(row, 0, &r.scenario, f)?;
        s.text(row, 1, &r.fiscal_year, f)?;
        s.ws.write_boolean(row, 2, r.partial)?;
        s.grow(2, 5);
        s.text(row, 3, r.metric, f)?;
        s.numbers(row, 4, &[r.mean, r.p10, r.p50, r.p90], Num::Money, f)?;
    }
    s.table(results.pnl.len(), COLUMNS.len()).map(Some)
}

fn sensitivity(results: &Results, f: &Formats) -> Result<Worksheet, XlsxError> {
    const COLUMNS: [&str; 5] = ["scenario", "input", "spearman", "npv_low_decile", "npv_high_decile"];
    let mut s = Sheet::new("Sensitivity")?;
    s.header(0, &COLUMNS, f)?;
    for (i, r) in results.sensitivity.iter().enumerate() {
        let row = i as RowNum + 1;
        s.text(row, 0, &r.scenario, f)?;
        s.text(row, 1, &r.input, f)?;
        s.number(row, 2, r.spearman, Num::Ratio, f)?;
        s.numbers(row, 3, &[r.npv_low_decile, r.npv_high_decile], Num::Money, f)?;
    }
    s.table(results.sensitivity.len(), COLUMNS.len())
}

/// Every uncertain input with its spread, then the facts of the run.
fn assumptions(case: &Case, results: &Results, f: &Formats) -> Result<Worksheet, XlsxError> {
    const COLUMNS: [&str; 8] = ["what", "input", "expression", "domain", "p10", "p50", "p90", "note"];
    let mut s = Sheet::new("Assumptions")?;
    s.header(0, &COLUMNS, f)?;
    let mut row: RowNum = 1;
    let labels = super::labels::input_labels(case);
    for (id, def) in case.inputs.defs.iter().enumerate().filter(|(_, d)| d.is_uncertain()) {
        let q = [0.1, 0.5, 0.9].map(|u| def.domain.clamp(def.dist.quantile(u)));
        let kind = match labels[id].unit {
            _ if def.kind == InputKind::Success => Num::Percent,
            super::labels::Unit::Money => Num::Money,
            super::labels::Unit::Share | super::labels::Unit::Chance => Num::Percent,
            _ if q.iter().any(|x| x.abs() >= 1000.0) => Num::Count,
            _ => Num::Decimal,
        };
        s.text(row, 0, &labels[id].text, f)?;
        s.text(row, 1, &def.path, f)?;
        s.text(row, 2, &def.written, f)?;
        s.text(row, 3, def.domain.describe(), f)?;
        s.numbers(row, 4, &q, kind, f)?;
        if def.kind == InputKind::Success {
            s.text(row, 7, "success probability", f)?;
        }
        row += 1;
    }
    let uncertain_rows = row - 1;

    row += 1;
    s.header(row, &["run", "value"], f)?;
    let m = &case.model;
    let discount = case.inputs.defs.get(m.discount_rate).map_or("", |d| d.written.as_str());
    let confidence = super::format::percent(results.confidence);
    let facts: [(&str, Fact); 9] = [
        ("iterations", Fact::Count(results.iterations)),
        ("confidence of the committable saving", Fact::Text(&confidence)),
        ("monthly percentile iterations", Fact::Count(results.monthly_sample)),
        ("model", Fact::Text(&m.name)),
        ("currency", Fact::Text(&m.currency)),
        ("horizon start", Fact::Text(&m.start.to_string())),
        ("horizon months", Fact::Count(m.months)),
        ("fiscal year start (calendar month)", Fact::Count(m.fiscal_year_start as usize)),
        ("discount rate", Fact::Text(discount)),
    ];
    for (label, value) in facts {
        row += 1;
        s.text(row, 0, label, f)?;
        match value {
            Fact::Text(t) => s.text(row, 1, t, f)?,
            Fact::Count(n) => s.number(row, 1, n as f64, Num::Count, f)?,
        }
    }
    s.ws.set_freeze_panes(1, 0)?;
    s.ws.autofilter(0, 0, uncertain_rows, COLUMNS.len() as ColNum - 1)?;
    s.fit()
}

enum Fact<'a> {
    Text(&'a str),
    Count(usize),
}

/// Where the charts' cells lie on the Chart data sheet.
struct Layout {
    months: usize,
    /// Baseline then each scenario: its P10 column (P50, P90 follow).
    fan: Vec<ColNum>,
    bridges: Vec<BridgeBlock>,
}

struct BridgeBlock {
    /// Step labels; the values are in the next column, the title above them.
    labels: ColNum,
    /// baseline 0, each initiative's mean contribution, the total.
    values: Vec<f64>,
}

/// The helper cells: month x (slot P10, P50, P90) of monthly total cost,
/// then, per scenario, its NPV bridge as step label and value.
fn chart_data(case: &Case, results: &Results, f: &Formats) -> Result<(Worksheet, Layout), XlsxError> {
    let mut s = Sheet::new(CHART_DATA)?;
    let months: Vec<String> = (0..case.model.months).map(|m| case.model.month_label(m)).collect();
    let mut slots: Vec<&str> = vec!["baseline"];
    slots.extend(case.scenarios.iter().map(|sc| sc.name.as_str()));
    let totals: HashMap<(&str, &str), [f64; 3]> = results
        .monthly
        .iter()
        .filter(|r| r.channel == "total" && r.metric == "cost")
        .map(|r| ((r.scenario.as_str(), r.month.as_str()), [r.p10, r.p50, r.p90]))
        .collect();

    s.header(0, &["month"], f)?;
    for (m, label) in months.iter().enumerate() {
        s.text(m as RowNum + 1, 0, label, f)?;
    }
    let mut fan = Vec::new();
    for (k, slot) in slots.iter().enumerate() {
        let col = 1 + 3 * k as ColNum;
        fan.push(col);
        for (j, p) in ["P10", "P50", "P90"].iter().enumerate() {
            s.head(0, col + j as ColNum, &format!("{slot} {p}"), f)?;
        }
        for (m, label) in months.iter().enumerate() {
            if let Some(q) = totals.get(&(*slot, label.as_str())) {
                s.numbers(m as RowNum + 1, col, q, Num::Money, f)?;
            }
        }
    }

    let mut bridges = Vec::new();
    let mut col = 2 + 3 * slots.len() as ColNum;
    for scenario in &case.scenarios {
        let steps: Vec<_> = results.bridge.iter().filter(|r| r.scenario == scenario.name).collect();
        let mut labels = vec!["baseline"];
        labels.extend(steps.iter().map(|r| r.initiative.as_str()));
        labels.push("scenario NPV");
        let mut values = vec![0.0];
        values.extend(steps.iter().map(|r| r.mean));
        values.push(steps.iter().map(|r| r.mean).sum());
        s.head(0, col, "step", f)?;
        s.head(0, col + 1, &format!("NPV bridge: {}", scenario.name), f)?;
        for (i, (label, value)) in labels.iter().zip(&values).enumerate() {
            s.text(i as RowNum + 1, col, label, f)?;
            s.number(i as RowNum + 1, col + 1, *value, Num::Money, f)?;
        }
        bridges.push(BridgeBlock { labels: col, values });
        col += 3;
    }
    s.ws.set_freeze_panes(1, 1)?;
    Ok((s.fit()?, Layout { months: months.len(), fan, bridges }))
}

/// The Charts sheet: the fan chart on top, the bridges two by two below.
fn charts(layout: &Layout, f: &Formats) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name("Charts")?;
    let money = &f.money_code;
    ws.insert_chart(1, 1, &fan_chart(layout, money))?;
    for (k, block) in layout.bridges.iter().enumerate() {
        let (row, col) = (28 + 20 * (k / 2) as RowNum, 1 + 11 * (k % 2) as ColNum);
        ws.insert_chart(row, col, &bridge_chart(block, money))?;
    }
    Ok(ws)
}

fn line(color: u32, width: f64, dash: ChartLineDashType) -> ChartLine {
    let mut line = ChartLine::new();
    line.set_color(Color::RGB(color)).set_width(width).set_dash_type(dash);
    line
}

/// Monthly total cost, baseline and each scenario: P50 solid, P10 and P90
/// dashed in the same colour.
fn fan_chart(layout: &Layout, money: &str) -> Chart {
    let mut chart = Chart::new(ChartType::Line);
    let last = layout.months as RowNum;
    let mut hidden_in_legend = Vec::new();
    for (k, &col) in layout.fan.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        for (j, (width, dash)) in
            [(1.0, ChartLineDashType::Dash), (2.25, ChartLineDashType::Solid), (1.0, ChartLineDashType::Dash)]
                .into_iter()
                .enumerate()
        {
            let c = col + j as ColNum;
            chart
                .add_series()
                .set_name((CHART_DATA, 0, c))
                .set_categories((CHART_DATA, 1, 0, last, 0))
                .set_values((CHART_DATA, 1, c, last, c))
                .set_format(&mut line(color, width, dash))
                .set_marker(ChartMarker::new().set_none());
            if j != 1 {
                hidden_in_legend.push(3 * k + j);
            }
        }
    }
    chart.title().set_name("Monthly total cost: P50 (solid), P10 and P90 (dashed)");
    chart.legend().set_position(ChartLegendPosition::Bottom).delete_entries(&hidden_in_legend);
    chart.y_axis().set_num_format(money);
    if layout.months > 24 {
        chart.x_axis().set_label_interval(if layout.months > 72 { 12 } else { 3 });
    }
    chart.set_width(1100).set_height(520);
    chart
}

/// One scenario's NPV bridge: baseline at 0, each initiative's mean
/// contribution (green a gain, red a loss), the scenario's total.
fn bridge_chart(block: &BridgeBlock, money: &str) -> Chart {
    let mut chart = Chart::new(ChartType::Column);
    let (labels, values) = (block.labels, block.labels + 1);
    let last = block.values.len() as RowNum;
    let points: Vec<ChartPoint> = block
        .values
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let color = if i == 0 || i + 1 == block.values.len() {
                TOTAL
            } else if x < 0.0 {
                LOSS
            } else {
                GAIN
            };
            ChartPoint::new().set_format(ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)))
        })
        .collect();
    chart
        .add_series()
        .set_name((CHART_DATA, 0, values))
        .set_categories((CHART_DATA, 1, labels, last, labels))
        .set_values((CHART_DATA, 1, values, last, values))
        .set_points(&points);
    chart.title().set_name((CHART_DATA, 0, values));
    chart.legend().set_hidden();
    chart.y_axis().set_num_format(money);
    chart.set_width(640).set_height(380);
    chart
}
