//! The page's headcount section (spec section 13): per channel with
//! headcount rules, paid against required FTE over the months for each
//! scenario, and per fiscal year the hires, releases and the cost of the
//! surplus still waiting for attrition.

use std::fmt::Write;

use super::escape;
use crate::aggregate::{MonthlyRow, Results};
use crate::model::Case;
use crate::report::format::money_short;

/// Chart size, in SVG units.
const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 90.0;

/// The section, or nothing when no channel has headcount rules.
pub(super) fn section(case: &Case, results: &Results) -> String {
    if results.headcount.is_empty() {
        return String::new();
    }
    let cur = &case.model.currency;
    let mut names = vec!["baseline".to_owned()];
    names.extend(case.scenarios.iter().map(|s| s.name.clone()));
    let mut out = String::from("  <h3>Headcount: paid against required FTE</h3>\n");
    let channels: Vec<&str> = {
        let mut seen: Vec<&str> = Vec::new();
        for r in &results.headcount {
            if !seen.contains(&r.channel.as_str()) {
                seen.push(&r.channel);
            }
        }
        seen
    };
    for channel in &channels {
        let _ = writeln!(out, "  <div class=\"headcount\"><h4>{}</h4>", escape(channel));
        for name in &names {
            out.push_str(&chart(results, channel, name));
        }
        out.push_str("  </div>\n");
    }
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
        "  </table>\n  <p class=\"note\">Payroll follows the agents required through attrition: staff who leave are replaced only when needed, hires are paid while they train, and a surplus is either released at once (with severance) or kept until attrition absorbs it. Paid FTE include trainees. Surplus cost: the FTE held beyond the need times their cost, summed over the year: savings that still wait for attrition. Means over the iterations.</p>\n",
    );
    out
}

/// Scenario `name`'s mean paid (solid) and required (dashed) FTE on
/// `channel`, month by month, as a small inline chart.
fn chart(results: &Results, channel: &str, name: &str) -> String {
    let series = |metric: &str| -> Vec<f64> {
        results
            .monthly
            .iter()
            .filter(|r: &&MonthlyRow| r.scenario == name && r.channel == channel && r.metric == metric)
            .map(|r| r.mean)
            .collect()
    };
    let (paid, required) = (series("fte"), series("required_fte"));
    let top = paid.iter().chain(&required).copied().filter(|x| x.is_finite()).fold(0.0_f64, f64::max);
    if paid.is_empty() || top <= 0.0 {
        return String::new();
    }
    let step = if paid.len() > 1 { WIDTH / (paid.len() - 1) as f64 } else { 0.0 };
    let points = |values: &[f64]| -> String {
        let mut s = String::new();
        for (m, v) in values.iter().enumerate() {
            let y = HEIGHT - 4.0 - (v / top) * (HEIGHT - 8.0);
            let _ = write!(s, "{:.1},{:.1} ", m as f64 * step, y);
        }
        s
    };
    format!(
        "  <figure class=\"headcount-chart\"><svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"{label}: paid and required FTE by month\"><polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"{paid}\"/><polyline fill=\"none\" stroke=\"#888\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\" points=\"{required}\"/></svg><figcaption>{label}: paid FTE (solid) against required (dashed), up to {top:.0}</figcaption></figure>\n",
        label = escape(name),
        paid = points(&paid),
        required = points(&required),
    )
}
