//! The run-rate and P&L view as page fragments: tables in the words of a
//! finance pack (run-rate, one-off, recurring, depreciation), amounts in
//! short ("€1.2M"), ranges from P10 to P90 ("€0.4–1.1M, likely €0.6M"),
//! initiatives by name. Each function returns one fragment, or nothing
//! when the run has no such figures; the page places them.

use std::fmt::Write;

use super::escape;
use crate::aggregate::{FiscalValue, Results};
use crate::model::Case;
use crate::report::format::{money_short, range, range_likely};

/// Per scenario: the saving it runs at as the horizon ends (a year), what
/// it spends once, and what it keeps spending every year.
pub fn run_rate_table(case: &Case, results: &Results) -> String {
    let cur = case.model.currency.as_str();
    if results.run_rate.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "  <h3>Run-rate: what the plan saves a year once in place</h3>\n  <table><tr><th class=\"text\">Scenario</th><th>Exit run-rate saving, a year</th><th>One-off capex</th><th>Recurring opex, a year</th></tr>\n",
    );
    for s in &case.scenarios {
        let cell = |metric: &str| {
            results
                .run_rate
                .iter()
                .find(|r| r.scenario == s.name && r.metric == metric)
                .map_or_else(|| "–".to_owned(), |r| escape(&range_likely(r.p10, r.p50, r.p90, cur)))
        };
        let _ = writeln!(
            out,
            "  <tr><td class=\"text\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&s.name),
            cell("exit_run_rate_saving"),
            cell("one_off_capex"),
            cell("recurring_opex")
        );
    }
    let last = case.model.fiscal_years.last().map(|fy| {
        let months = fy.months.len();
        if fy.partial { format!("{} ({months} months in the horizon, scaled to 12)", fy.label()) } else { fy.label() }
    });
    let _ = writeln!(
        out,
        "  </table>\n  <p class=\"note\">Exit run-rate: the saving of the last fiscal year, {}, net of the initiatives' opex (and of any capex paid that year), annualised. Recurring opex: the initiatives' monthly running cost at the end of the horizon, times 12. Ranges run from P10 to P90.</p>",
        escape(&last.unwrap_or_default())
    );
    out
}

/// Per scenario, each initiative's part of each fiscal year's saving (its
/// step in the bridge, on the same draws), the scenario's saving below.
pub fn initiative_savings_table(case: &Case, results: &Results) -> String {
    let cur = case.model.currency.as_str();
    if results.bridge_fiscal.is_empty() {
        return String::new();
    }
    let years = &case.model.fiscal_years;
    let mut out = String::from("  <h3>Savings by initiative and fiscal year</h3>\n");
    for s in &case.scenarios {
        let rows: Vec<_> = results.bridge_fiscal.iter().filter(|r| r.scenario == s.name).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = write!(out, "  <table><tr><th class=\"text\">{}</th>", escape(&s.name));
        for fy in years {
            let _ = write!(out, "<th>{}{}</th>", fy.label(), if fy.partial { " (partial)" } else { "" });
        }
        out.push_str("</tr>\n");
        for (j, &k) in s.initiatives.iter().enumerate() {
            let _ = write!(out, "  <tr><td class=\"text\">{}</td>", escape(&case.initiatives[k].name));
            for fy in years {
                let label = fy.label();
                match rows.iter().find(|r| r.step == j + 1 && r.fiscal_year == label) {
                    Some(r) => {
                        let _ = write!(
                            out,
                            "<td class=\"num\">{}<br><span class=\"note\">{}</span></td>",
                            escape(&money_short(r.mean, cur)),
                            escape(&range(r.p10, r.p90, cur))
                        );
                    }
                    None => out.push_str("<td class=\"num\">–</td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("  <tr><td class=\"text\"><strong>Scenario saving</strong></td>");
        for fy in years {
            let label = fy.label();
            let total = results
                .fiscal_years
                .iter()
                .find(|r| r.scenario == s.name && r.fiscal_year == label && r.metric == "saving")
                .and_then(|r| match r.value {
                    FiscalValue::Spread { mean, .. } => Some(mean),
                    FiscalValue::Single(_) => None,
                });
            let _ = write!(
                out,
                "<td class=\"num\"><strong>{}</strong></td>",
                escape(&total.map_or_else(|| "–".to_owned(), |x| money_short(x, cur)))
            );
        }
        out.push_str("</tr>\n  </table>\n");
    }
    out.push_str(
        "  <p class=\"note\">Each initiative's part of a fiscal year's saving: the saving with it minus the saving without it, the initiatives added in scenario order on the same random draws, so the parts add up to the scenario's saving. Mean, with the P10 to P90 range below; negative while its capex and opex outrun its effect.</p>\n",
    );
    out
}

/// Per scenario and fiscal year, the cash saving and the saving the P&L
/// shows: capex added back, its depreciation taken off. Nothing unless
/// some initiative is depreciated.
pub fn pnl_table(case: &Case, results: &Results) -> String {
    let cur = case.model.currency.as_str();
    if results.pnl.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "  <h3>P&amp;L view: capex depreciated</h3>\n  <table><tr><th class=\"text\">Scenario</th><th class=\"text\">Fiscal year</th><th>Cash saving</th><th>+ Capex</th><th>&minus; Depreciation</th><th>= P&amp;L saving</th><th>P&amp;L saving, P10 to P90</th></tr>\n",
    );
    for s in &case.scenarios {
        for fy in &case.model.fiscal_years {
            let label = fy.label();
            let row = |metric: &str| {
                results.pnl.iter().find(|r| r.scenario == s.name && r.fiscal_year == label && r.metric == metric)
            };
            let Some(pnl) = row("pnl_saving") else { continue };
            let mean = |metric: &str| escape(&row(metric).map_or_else(|| "–".to_owned(), |r| money_short(r.mean, cur)));
            let _ = writeln!(
                out,
                "  <tr><td class=\"text\">{}</td><td class=\"text\">{label}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&s.name),
                if fy.partial { " (partial)" } else { "" },
                mean("cash_saving"),
                mean("capex"),
                mean("depreciation"),
                mean("pnl_saving"),
                escape(&range(pnl.p10, pnl.p90, cur))
            );
        }
    }
    out.push_str(
        "  </table>\n  <p class=\"note\">The P&amp;L spreads capex over the years an initiative gives it (<code>depreciation_years</code>), straight-line from the month it is paid; capex without them is expensed when paid, as in the cash view. Means, so each row adds up; depreciation that runs past the horizon is not shown.</p>\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_only_for_the_figures_a_run_has() {
        let case_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/acme-ai-roadmap.toml");
        let case = crate::validate::load_case(&case_path).expect("the example loads").value;
        let results = crate::run::forecast(&case, 200, 1, 1).expect("forecast");
        let empty = Results { run_rate: Vec::new(), bridge_fiscal: Vec::new(), pnl: Vec::new(), ..results.clone() };
        assert_eq!(run_rate_table(&case, &empty), "");
        assert_eq!(initiative_savings_table(&case, &empty), "");
        assert_eq!(pnl_table(&case, &results), "", "no initiative is depreciated");
        let run_rate = run_rate_table(&case, &results);
        assert!(run_rate.contains("<td class=\"text\">Full roadmap</td>"), "{run_rate}");
        assert!(run_rate.contains("likely $"), "{run_rate}");
        let by_initiative = initiative_savings_table(&case, &results);
        assert!(by_initiative.contains("AI chatbot on web and app"), "names, not ids: {by_initiative}");
        assert_eq!(by_initiative.matches("<strong>Scenario saving</strong>").count(), case.scenarios.len());
        let mut depreciated = case.clone();
        let chatbot = depreciated.initiatives.iter().position(|i| i.id == "chatbot").expect("the chatbot");
        depreciated.initiatives[chatbot].depreciation_years = Some(3.0);
        let results = crate::run::forecast(&depreciated, 200, 1, 1).expect("forecast");
        let pnl = pnl_table(&depreciated, &results);
        let rows = depreciated.scenarios.len() * depreciated.model.fiscal_years.len();
        assert_eq!(pnl.matches("<tr><td class=\"text\">").count(), rows, "a row per scenario and year: {pnl}");
        assert!(pnl.contains("<td class=\"text\">FY2028</td>"), "{pnl}");
    }
}
