//! `report.html`: the one-page summary a finance partner forwards.
//!
//! Shaped like a one-page strategic plan: the business case in a sentence
//! per scenario, where we are (baseline), the plan (initiatives), where we
//! will be (scenarios, fiscal years, budget), the charts, and the
//! assumptions that must hold; above them all, in a yellow box, the inputs
//! to check (the run's warnings). Self-contained: charts are inline SVG, no
//! scripts, no network. Every text that came from an input file is escaped.

use std::fmt::Write;

mod pnl;
pub use pnl::{initiative_savings_table, pnl_table, run_rate_table};

use super::format::{money_short, percent, range_likely};
use crate::aggregate::{FiscalValue, Results, Stats, SummaryValue};
use crate::error::{RenderError, Warning};
use crate::model::Case;

mod answer;
mod headcount;
mod plan;

const TEMPLATE: &str = include_str!("template.html");

/// Escape text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A probability as a percent, escaped: "&gt;99.9%".
fn pct(p: f64) -> String {
    escape(&percent(p))
}

/// The page as a report file; charts are rendered as SVG to inline them.
pub struct Html {
    /// The warnings about the run's inputs, listed at the top of the page.
    pub warnings: Vec<Warning>,
}

impl super::Exporter for Html {
    fn file_name(&self) -> String {
        "report.html".into()
    }

    fn serialize(&self, case: &Case, results: &Results) -> Result<Vec<u8>, RenderError> {
        use super::charts::Size;
        let charts = super::charts::charts_for(results)
            .iter()
            .map(|&chart| {
                let lead = LEAD_CHARTS.contains(&chart);
                let size = if lead { Size::PAGE_LEAD } else { Size::PAGE };
                let drawn = super::charts::render_for_page(chart, case, results, size)?;
                Ok(ChartSvg { title: drawn.title, note: drawn.note, svg: drawn.svg, lead })
            })
            .collect::<Result<Vec<_>, RenderError>>()?;
        Ok(render(case, results, &charts, &self.warnings).into_bytes())
    }
}

/// The charts on the first sheet, beside the answer: what each scenario's
/// NPV may be, and the cost against budget.
pub const LEAD_CHARTS: [super::charts::Chart; 2] = [super::charts::Chart::SCurve, super::charts::Chart::Budget];

/// A chart to place on the page: its title, its SVG document, and whether
/// it is one of the first sheet's two.
pub struct ChartSvg {
    pub title: String,
    /// How to read it, under the title.
    pub note: String,
    pub svg: String,
    pub lead: bool,
}

/// Render the page, the `warnings` about its inputs at the top.
pub fn render(case: &Case, results: &Results, charts: &[ChartSvg], warnings: &[Warning]) -> String {
    let page = Page { case, results, cur: &case.model.currency };
    let stem = case.scenario_path.file_stem().map_or(String::new(), |s| s.to_string_lossy().into_owned());
    let title = format!("{}: {}", case.model.name, stem);
    let m = &case.model;
    let subtitle = format!(
        "Business case over {} months, {} to {}, in {} · {} iterations, seed {}",
        m.months,
        m.start,
        m.start.plus(m.months - 1),
        m.currency,
        super::format::thousands(results.iterations as f64),
        results.seed
    );
    let fill = [
        ("{{version}}", escape(env!("CARGO_PKG_VERSION"))),
        ("{{title}}", escape(&title)),
        ("{{subtitle}}", escape(&subtitle)),
        ("{{answer}}", page.answer()),
        ("{{confidence}}", pct(results.confidence)),
        ("{{lead_charts}}", charts_html(charts.iter().filter(|c| c.lead))),
        ("{{sentences}}", page.sentences()),
        ("{{portfolio}}", page.portfolio()),
        ("{{baseline}}", page.baseline()),
        ("{{plan}}", page.plan()),
        ("{{comparison}}", page.comparison()),
        ("{{fiscal}}", page.fiscal()),
        ("{{staffing}}", page.staffing()),
        ("{{run_rate}}", run_rate_table(case, results)),
        ("{{initiative_savings}}", initiative_savings_table(case, results)),
        ("{{pnl}}", pnl_table(case, results)),
        ("{{charts}}", charts_html(charts.iter().filter(|c| !c.lead))),
        ("{{drivers}}", page.drivers()),
        ("{{assumptions}}", page.assumptions()),
        ("{{footer}}", page.footer()),
        // Last, so no later placeholder is looked for in the file paths
        // and expressions it quotes.
        ("{{warnings}}", warnings_box(warnings)),
    ];
    let mut html = TEMPLATE.to_owned();
    for (key, value) in fill {
        html = html.replace(key, &value);
    }
    html
}

struct Page<'a> {
    case: &'a Case,
    results: &'a Results,
    cur: &'a str,
}

impl Page<'_> {
    fn stats(&self, scenario: &str, metric: &str) -> Option<Stats> {
        self.results.summary.iter().find(|r| r.scenario == scenario && r.metric == metric).and_then(|r| match r.value {
            SummaryValue::Stats(s) => s,
            SummaryValue::Probability(_) => None,
        })
    }

    fn probability(&self, scenario: &str, metric: &str) -> f64 {
        self.results
            .summary
            .iter()
            .find(|r| r.scenario == scenario && r.metric == metric)
            .and_then(|r| match r.value {
                SummaryValue::Probability(p) => Some(p),
                SummaryValue::Stats(_) => None,
            })
            .unwrap_or(f64::NAN)
    }

    fn fiscal_value(&self, scenario: &str, fy: &str, metric: &str) -> Option<FiscalValue> {
        self.results
            .fiscal_years
            .iter()
            .find(|r| r.scenario == scenario && r.fiscal_year == fy && r.metric == metric)
            .map(|r| r.value.clone())
    }

    fn m(&self, x: f64) -> String {
        money_short(x, self.cur)
    }

    /// The business case in a sentence per scenario.
    fn sentences(&self) -> String {
        let mut out = String::new();
        for s in &self.case.scenarios {
            let name = &s.name;
            let Some(net) = self.stats(name, "net_savings") else { continue };
            let p_npv = self.probability(name, "prob_npv_positive");
            let p_pay = self.probability(name, "prob_payback");
            let payback = match self.stats(name, "payback_month") {
                Some(pb) if p_pay >= 0.5 => format!(
                    "pays back by month {} (P50{})",
                    pb.p50.round(),
                    if p_pay < 0.9 { format!("; {} chance it pays back at all", pct(p_pay)) } else { String::new() }
                ),
                _ => format!("only a {} chance it pays back within the horizon", pct(p_pay)),
            };
            let _ = writeln!(
                out,
                "    <li><strong>{}</strong>: net saving {} over {} months, after its own costs; a {} chance of a positive NPV; {}.</li>",
                escape(name),
                super::format::range_likely(net.p10, net.p50, net.p90, self.cur),
                self.case.model.months,
                pct(p_npv),
                escape(&payback)
            );
        }
        out
    }

    /// The portfolio search's answer (`costcast optimize`): what to fund,
    /// why the runner-up lost, and what finance can release; nothing for a
    /// plain run.
    fn portfolio(&self) -> String {
        let Some(rec) = &self.results.portfolio else { return String::new() };
        let chosen = rec.chosen();
        let names = |members: &[usize]| {
            if members.is_empty() {
                return "nothing (keep the baseline)".to_owned();
            }
            members.iter().map(|&k| escape(&self.case.initiatives[k].name)).collect::<Vec<_>>().join(", ")
        };
        let objective = rec.objective;
        let mut out = String::from("<section>\n  <h2>Recommendation: the portfolio to fund</h2>\n");
        let mut constraints = Vec::new();
        if let Some(b) = rec.capex_budget {
            constraints.push(format!("mean capex within {}", money_short(b, self.cur)));
        }
        if let Some(p) = rec.min_prob_positive {
            constraints.push(format!("P(NPV &gt; 0) at least {}", pct(p)));
        }
        let search = match rec.search {
            crate::optimize::Search::Exhaustive => format!("all {} portfolios compared", rec.candidates.len()),
            crate::optimize::Search::Heuristic => format!(
                "{} portfolios compared by a heuristic search (greedy, then add/drop/swap one): good, not proven best",
                rec.candidates.len()
            ),
        };
        let screened = rec.screened_with.map_or(String::new(), |n| {
            format!(
                ", screened on {} iterations and the finalists re-run on all {}",
                super::format::thousands(n as f64),
                super::format::thousands(self.results.iterations as f64)
            )
        });
        let _ = writeln!(
            out,
            "  <p><strong>Fund {}.</strong> It has the highest {} ({}) among the portfolios with {} ({search}{screened}, on the same random draws).</p>",
            names(&chosen.stats.members),
            objective.label(),
            money_short(objective.of(&chosen.stats), self.cur),
            if constraints.is_empty() { "no constraint".to_owned() } else { constraints.join(" and ") },
        );
        let _ = writeln!(
            out,
            "  <p>Mean capex {}, mean investment {}; NPV {}; a {} chance NPV &gt; 0.</p>",
            money_short(chosen.stats.capex_mean, self.cur),
            money_short(chosen.stats.investment_mean, self.cur),
            range_likely(chosen.stats.npv_p10, chosen.stats.npv_p50, chosen.stats.npv_p90, self.cur),
            pct(chosen.stats.prob_npv_positive)
        );
        if let Some((runner, why)) = rec.runner_up() {
            let _ = writeln!(
                out,
                "  <p><strong>Runner-up:</strong> {} ({} {}): {}.</p>",
                names(&runner.stats.members),
                objective.label(),
                money_short(objective.of(&runner.stats), self.cur),
                escape(why)
            );
        }
        if let Some((other, why)) = rec.best_feasible_alternative() {
            let _ = writeln!(
                out,
                "  <p><strong>Best feasible alternative:</strong> {} ({} {}): {}.</p>",
                names(&other.stats.members),
                objective.label(),
                money_short(objective.of(&other.stats), self.cur),
                escape(why)
            );
        }
        if chosen.stats.members.is_empty() {
            out.push_str("  <p class=\"note\">No portfolio beats doing nothing on this objective under these constraints, so there is no saving to release.</p>\n");
        }
        out.push_str("  <p class=\"note\">The full frontier is in frontier.csv.</p>\n</section>\n");
        out
    }

    fn baseline(&self) -> String {
        let mut out = String::new();
        let first = &self.case.scenarios[0].name;
        if let Some(b) = self.stats(first, "baseline_cost") {
            let _ = writeln!(
                out,
                "    <p>Without the initiatives the operation costs <strong>{}</strong> over the horizon, across {} channels: {}.</p>",
                range_likely(b.p10, b.p50, b.p90, self.cur),
                self.case.model.channels.len(),
                escape(&super::labels::channel_list(
                    self.case,
                    &(0..self.case.model.channels.len()).collect::<Vec<_>>()
                ))
            );
        }
        out.push_str(
            "    <table><tr><th class=\"text\">Fiscal year</th><th>Baseline cost: P10–P90, likely (P50)</th><th>Budget</th></tr>\n",
        );
        for fy in &self.case.model.fiscal_years {
            let label = fy.label();
            let Some(FiscalValue::Spread { p10, p50, p90, .. }) = self.fiscal_value(first, &label, "baseline_cost")
            else {
                continue;
            };
            let budget = self.case.model.budget_for(fy.year).map_or("–".into(), |b| money_short(b, self.cur));
            let _ = writeln!(
                out,
                "    <tr><td>{label}{}</td><td class=\"num\">{}</td><td class=\"num\">{budget}</td></tr>",
                if fy.partial { " (partial)" } else { "" },
                range_likely(p10, p50, p90, self.cur),
            );
        }
        out.push_str("    </table>\n");
        out
    }

    fn fiscal(&self) -> String {
        let has_budget = !self.case.model.budgets.is_empty();
        let mut out = String::from(
            "  <table><tr><th>Scenario</th><th class=\"text\">Fiscal year</th><th>Scenario cost P50</th><th>Saving P50</th><th>Committable saving</th>",
        );
        if has_budget {
            out.push_str("<th>Budget</th><th>P(over budget)</th><th>Budget at risk</th>");
        }
        out.push_str("</tr>\n");
        let single = |v: Option<FiscalValue>| match v {
            Some(FiscalValue::Single(x)) => Some(x),
            _ => None,
        };
        for s in &self.case.scenarios {
            for fy in &self.case.model.fiscal_years {
                let label = fy.label();
                let p50 = |metric| match self.fiscal_value(&s.name, &label, metric) {
                    Some(FiscalValue::Spread { p50, .. }) => money_short(p50, self.cur),
                    _ => "–".into(),
                };
                let committable = single(self.fiscal_value(&s.name, &label, "committable_saving"));
                let _ = write!(
                    out,
                    "  <tr><td>{}</td><td class=\"text\">{label}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                    escape(&s.name),
                    if fy.partial { " (partial)" } else { "" },
                    p50("scenario_cost"),
                    p50("saving"),
                    committable.map_or("–".into(), |x| money_short(x, self.cur))
                );
                if has_budget {
                    match single(self.fiscal_value(&s.name, &label, "budget")) {
                        Some(budget) => {
                            let p = single(self.fiscal_value(&s.name, &label, "prob_over_budget")).unwrap_or(f64::NAN);
                            let risk = single(self.fiscal_value(&s.name, &label, "budget_at_risk")).unwrap_or(f64::NAN);
                            let _ = write!(
                                out,
                                "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                                money_short(budget, self.cur),
                                pct(p),
                                money_short(risk, self.cur)
                            );
                        }
                        None => {
                            out.push_str("<td class=\"num\">–</td><td class=\"num\">–</td><td class=\"num\">–</td>")
                        }
                    }
                }
                out.push_str("</tr>\n");
            }
        }
        out.push_str("  </table>\n");
        out
    }

    /// Average FTE of each staffed channel per fiscal year, baseline and
    /// scenarios side by side; nothing when no channel is staffed.
    fn staffing(&self) -> String {
        let rows = &self.results.staffing;
        if rows.is_empty() {
            return String::new();
        }
        let mut out = String::from(
            "  <h3>Staffing: average FTE per fiscal year</h3>\n  <table><tr><th class=\"text\">Channel</th><th class=\"text\">Fiscal year</th><th>Baseline</th>",
        );
        for s in &self.case.scenarios {
            let _ = write!(out, "<th>{}</th>", escape(&s.name));
        }
        out.push_str("</tr>\n");
        for channel in self.case.model.channels.iter().filter(|c| c.staffing.is_some()) {
            for fy in &self.case.model.fiscal_years {
                let label = fy.label();
                let fte = |scenario: &str| {
                    rows.iter()
                        .find(|r| r.channel == channel.id && r.fiscal_year == label && r.scenario == scenario)
                        .map_or("–".into(), |r| format!("{:.1}", r.fte))
                };
                let _ = write!(
                    out,
                    "  <tr><td class=\"text\">{}</td><td class=\"text\">{label}{}</td><td class=\"num\">{}</td>",
                    escape(&channel.id),
                    if fy.partial { " (partial)" } else { "" },
                    fte("baseline")
                );
                for s in &self.case.scenarios {
                    let _ = write!(out, "<td class=\"num\">{}</td>", fte(&s.name));
                }
                out.push_str("</tr>\n");
            }
        }
        out.push_str(
            "  </table>\n  <p class=\"note\">Staffed channels are priced from the agents their traffic needs (Erlang C, at the channel's service level and occupancy cap), turned into FTE with shrinkage and paid hours: deflection saves whole agents, and less than its share of contacts where the smaller queue pools less.</p>\n",
        );
        // With headcount rules (spec section 13) the FTE above are paid FTE.
        out.push_str(&headcount::section(self.case, self.results));
        out
    }

    fn footer(&self) -> String {
        // With --precision, how far the rounds settled the NPVs.
        let settled = self.results.precision.as_ref().map_or(String::new(), |p| {
            format!(
                ", {} --precision {}: every NPV&#39;s mean and P10/P50/P90 within ±{} ({} of the mean)",
                if p.met { "met" } else { "stopped by -n before" },
                p.asked,
                money_short(p.half_width, self.cur),
                pct(p.share)
            )
        });
        format!(
            "  costcast {} · seed {} · {} iterations{settled} (monthly percentiles from the first {}) · model {} · scenarios {}",
            escape(env!("CARGO_PKG_VERSION")),
            self.results.seed,
            super::format::thousands(self.results.iterations as f64),
            super::format::thousands(self.results.monthly_sample as f64),
            escape(&self.case.model.path.display().to_string()),
            escape(&self.case.scenario_path.display().to_string())
        )
    }
}

/// The inputs to check, one line per warning in plain words (the field,
/// what is wrong, where it is written), in a box a reader cannot miss;
/// nothing when the run met no warning.
fn warnings_box(warnings: &[Warning]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let mut out = String::from("<section class=\"check\">\n  <h2>Check these inputs</h2>\n");
    let _ = writeln!(
        out,
        "  <p>{} about the input files: the figures below use the inputs as written, so check {} before relying on this page.</p>\n  <ul>",
        if warnings.len() == 1 { "One warning".to_owned() } else { format!("{} warnings", warnings.len()) },
        if warnings.len() == 1 { "it" } else { "each" },
    );
    for Warning(d) in warnings {
        let place = match (d.line, d.column) {
            (Some(line), Some(column)) => format!("{}, line {line}, column {column}", d.file.display()),
            (Some(line), None) => format!("{}, line {line}", d.file.display()),
            _ => d.file.display().to_string(),
        };
        let field = if d.field.is_empty() { String::new() } else { format!("<strong>{}</strong>: ", escape(&d.field)) };
        let _ = writeln!(
            out,
            "    <li>{field}{} <span class=\"where\">({})</span></li>",
            escape(&d.message),
            escape(&place)
        );
    }
    out.push_str("  </ul>\n</section>\n");
    out
}

/// Inline each chart's SVG, made responsive with a viewBox.
fn charts_html<'a>(charts: impl Iterator<Item = &'a ChartSvg>) -> String {
    let mut out = String::new();
    for chart in charts {
        let svg = strip_prolog(&chart.svg);
        let _ = writeln!(
            out,
            "    <figure><figcaption><strong>{}</strong> {}</figcaption>{}</figure>",
            escape(&chart.title),
            escape(&chart.note),
            responsive(svg)
        );
    }
    out
}

fn strip_prolog(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

/// Give an `<svg width=W height=H>` root a viewBox so CSS can scale it.
fn responsive(svg: &str) -> String {
    let Some(end) = svg.find('>') else { return svg.to_owned() };
    let head = &svg[..end];
    if head.contains("viewBox") {
        return svg.to_owned();
    }
    let attr = |name: &str| {
        let key = format!("{name}=\"");
        head.find(&key).and_then(|i| {
            let rest = &head[i + key.len()..];
            rest.find('"').and_then(|j| rest[..j].trim_end_matches("px").parse::<f64>().ok())
        })
    };
    match (attr("width"), attr("height")) {
        (Some(w), Some(h)) => format!("{} viewBox=\"0 0 {w} {h}\"{}", head, &svg[end..]),
        _ => svg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape("<b>&\"x\"'"), "&lt;b&gt;&amp;&quot;x&quot;&#39;");
        assert_eq!(escape("=HYPERLINK(\"http://x\")"), "=HYPERLINK(&quot;http://x&quot;)");
    }

    #[test]
    fn warnings_are_listed_escaped_with_their_place() {
        assert_eq!(warnings_box(&[]), "");
        let at = crate::Diagnostic::new(
            std::path::Path::new("models/<x>.toml"),
            "channel[0].growth",
            "growth = 1 is \"100%\"",
        )
        .at(8, 10);
        let page =
            warnings_box(&[Warning(at), Warning(crate::Diagnostic::new(std::path::Path::new("m.toml"), "", "odd"))]);
        assert!(page.contains("<h2>Check these inputs</h2>"), "{page}");
        assert!(page.contains("<p>2 warnings about the input files:"), "{page}");
        assert!(
            page.contains(
                "<li><strong>channel[0].growth</strong>: growth = 1 is &quot;100%&quot; <span class=\"where\">(models/&lt;x&gt;.toml, line 8, column 10)</span></li>"
            ),
            "{page}"
        );
        assert!(page.contains("<li>odd <span class=\"where\">(m.toml)</span></li>"), "{page}");
    }

    #[test]
    fn svg_gets_a_viewbox() {
        let svg = "<?xml version=\"1.0\"?><svg width=\"800\" height=\"500\" xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>";
        let out = responsive(strip_prolog(svg));
        assert!(
            out.starts_with(
                "<svg width=\"800\" height=\"500\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 800 500\">"
            ),
            "{out}"
        );
    }
}
