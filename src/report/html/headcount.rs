//! The page's headcount section (spec section 13): per channel with
//! headcount rules and fiscal year, paid against required FTE, hires,
//! releases and the cost of the surplus still waiting for attrition (the
//! months are chart 11, among the charts).

use std::fmt::Write;

use super::escape;
use crate::aggregate::Results;
use crate::model::Case;
use crate::report::format::money_short;

/// The section, or nothing when no channel has headcount rules.
pub(super) fn section(case: &Case, results: &Results) -> String {
    if results.headcount.is_empty() {
        return String::new();
    }
    let cur = &case.model.currency;
    let mut names = vec!["baseline".to_owned()];
    names.extend(case.scenarios.iter().map(|s| s.name.clone()));
    let mut out = String::from("  <h3>Headcount: paid against required FTE</h3>\n");
    out.push_str(
        "  <table><tr><th class=\"text\">Scenario</th><th class=\"text\">Channel</th><th class=\"text\">Fiscal year</th><th>Paid FTE</th><th>Required FTE</th><th>Hires</th><th>Leavers</th><th>Released</th><th>Surplus cost</th></tr>\n",
    );
    for name in &names {
        for r in results.headcount.iter().filter(|r| &r.scenario == name) {
            let _ = writeln!(
                out,
                "  <tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td class=\"num\">{}</td></tr>",
                escape(name),
                escape(&r.channel),
                r.fiscal_year,
                if r.partial { " (partial)" } else { "" },
                r.paid_fte,
                r.required_fte,
                r.hires,
                r.leavers,
                r.released,
                money_short(r.surplus_cost, cur)
            );
        }
    }
    out.push_str(
        "  </table>\n  <p class=\"note\">Payroll follows the agents required through attrition: staff who leave are replaced only when needed, hires are paid while they train, and a surplus is either released at once (with severance) or kept until attrition absorbs it. Paid FTE include trainees. Surplus cost: the FTE held beyond the need times their cost, summed over the year: savings that still wait for attrition. Means over the iterations; the chart &#8220;Headcount: FTE paid against FTE required&#8221; shows them month by month.</p>\n",
    );
    out
}
