//! The answer, before any detail: which scenario to go ahead with, what
//! finance can commit in each fiscal year at the run's confidence (and the
//! budget that frees, or the funding it needs, in red), the operation's own
//! chance of going over budget; then the scenarios side by side.

use std::fmt::Write;

use super::{Page, escape, pct};
use crate::aggregate::FiscalValue;
use crate::report::format::{money_short, range_likely};

/// What the page recommends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Choice {
    /// Scenario `s`: the highest NPV P50 among those whose chance of a
    /// positive NPV reaches the confidence.
    Recommended(usize),
    /// No scenario reaches it; `s` has the best chance, and the page
    /// shows what committing to it would mean.
    NoneSure(usize),
}

impl Choice {
    pub(super) fn scenario(self) -> usize {
        match self {
            Choice::Recommended(s) | Choice::NoneSure(s) => s,
        }
    }
}

impl Page<'_> {
    /// The recommendation rule of issue 24: the highest NPV P50 among the
    /// scenarios with P(NPV > 0) at least the confidence; ties go to the
    /// scenario written first. None for a case without scenarios.
    pub(super) fn choice(&self) -> Option<Choice> {
        let c = self.results.confidence;
        let scored: Vec<(usize, f64, f64)> = self
            .case
            .scenarios
            .iter()
            .enumerate()
            .filter_map(|(s, sc)| {
                let npv = self.stats(&sc.name, "npv")?;
                Some((s, npv.p50, self.probability(&sc.name, "prob_npv_positive")))
            })
            .collect();
        let best_by = |key: &dyn Fn(&(usize, f64, f64)) -> f64, among: &mut dyn Iterator<Item = (usize, f64, f64)>| {
            among.fold(None, |best: Option<(usize, f64, f64)>, x| match best {
                Some(b) if key(&b) >= key(&x) => Some(b),
                _ => Some(x),
            })
        };
        let sure = best_by(&|x| x.1, &mut scored.iter().copied().filter(|x| x.2 >= c));
        match sure {
            Some((s, ..)) => Some(Choice::Recommended(s)),
            None => best_by(&|x| x.2, &mut scored.iter().copied()).map(|(s, ..)| Choice::NoneSure(s)),
        }
    }

    /// The decision box: the verdict, then a row per fiscal year.
    pub(super) fn answer(&self) -> String {
        let Some(choice) = self.choice() else { return String::new() };
        let c = self.results.confidence;
        let scenario = &self.case.scenarios[choice.scenario()];
        let name = escape(&scenario.name);
        let npv = self.stats(&scenario.name, "npv").expect("a chosen scenario has NPV statistics");
        let chance = pct(self.probability(&scenario.name, "prob_npv_positive"));
        let npv_range = range_likely(npv.p10, npv.p50, npv.p90, self.cur);
        let mut out = String::from("  <h2>The answer</h2>\n");
        match choice {
            Choice::Recommended(_) => {
                let why = if self.case.scenarios.len() > 1 {
                    format!(
                        " It has the highest likely NPV among the scenarios with at least a {} chance of paying off.",
                        pct(c)
                    )
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "  <p class=\"verdict\">Go ahead with <strong>{name}</strong>: NPV {npv_range}; a {chance} chance it is positive.{why}</p>",
                );
            }
            Choice::NoneSure(_) => {
                let _ = writeln!(
                    out,
                    "  <p class=\"verdict\"><span class=\"gap\">No scenario has a {} chance of a positive NPV.</span> The surest, <strong>{name}</strong>, has {chance} (NPV {npv_range}): keep the budget at the baseline, or fund it knowing the risk below.</p>",
                    pct(c)
                );
            }
        }
        out.push_str(&self.commit_table(choice.scenario()));
        let _ = writeln!(
            out,
            "  <p class=\"note\">To commit: the saving reached in {} of the simulated futures (P{:.0}): budget finance can release, or must add where negative. Likely: the P50.</p>",
            pct(c),
            100.0 * (1.0 - c)
        );
        out
    }

    /// Per fiscal year: the saving to commit and what it means for the
    /// budget; with budgets, the chance of going over them without and
    /// with the scenario.
    fn commit_table(&self, s: usize) -> String {
        let scenario = &self.case.scenarios[s].name;
        let has_budget = !self.case.model.budgets.is_empty();
        let mut out = format!(
            "  <table class=\"commit\"><tr><th class=\"text\">Fiscal year</th><th>Saving to commit ({} confidence)</th><th class=\"text\">For the budget</th><th>Likely saving</th>",
            pct(self.results.confidence)
        );
        if has_budget {
            let _ = write!(
                out,
                "<th>Budget</th><th>Chance over budget: without initiatives</th><th>with {}</th>",
                escape(scenario)
            );
        }
        out.push_str("</tr>\n");
        for fy in &self.case.model.fiscal_years {
            let label = fy.label();
            let single = |who: &str, metric: &str| match self.fiscal_value(who, &label, metric) {
                Some(FiscalValue::Single(x)) => Some(x),
                _ => None,
            };
            let commit = single(scenario, "committable_saving").unwrap_or(f64::NAN);
            let likely = match self.fiscal_value(scenario, &label, "saving") {
                Some(FiscalValue::Spread { p50, .. }) => money_short(p50, self.cur),
                _ => "–".into(),
            };
            let meaning = if commit >= 0.0 {
                format!("frees {}", money_short(commit, self.cur))
            } else if commit < 0.0 {
                format!("<span class=\"gap\">funding gap: {} more needed</span>", money_short(-commit, self.cur))
            } else {
                "–".into()
            };
            let year = if fy.partial { format!("{label} ({} months)", fy.months.len()) } else { label.clone() };
            let _ = write!(
                out,
                "  <tr><td class=\"text\">{year}</td><td class=\"num\">{}</td><td class=\"text\">{meaning}</td><td class=\"num\">{likely}</td>",
                money_short(commit, self.cur)
            );
            if has_budget {
                match single(scenario, "budget") {
                    Some(budget) => {
                        let without = single("baseline", "prob_over_budget").map_or("–".into(), pct);
                        let with = single(scenario, "prob_over_budget").map_or("–".into(), pct);
                        let _ = write!(
                            out,
                            "<td class=\"num\">{}</td><td class=\"num\">{without}</td><td class=\"num\">{with}</td>",
                            money_short(budget, self.cur)
                        );
                    }
                    None => out.push_str("<td class=\"num\">–</td><td class=\"num\">–</td><td class=\"num\">–</td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("  </table>\n");
        out
    }

    /// The scenarios side by side, each figure saying what it is.
    pub(super) fn comparison(&self) -> String {
        let months = self.case.model.months;
        let mut out = format!(
            "  <table><tr><th class=\"text\">Scenario</th><th>NPV: P10–P90, likely (P50) ± 95% margin</th><th>Chance NPV &gt; 0</th><th>Net saving over {months} months</th><th>Investment (mean)</th><th>Payback (P50)</th></tr>\n"
        );
        let chosen = self.choice().map(Choice::scenario);
        for (s, scenario) in self.case.scenarios.iter().enumerate() {
            let name = &scenario.name;
            let (Some(net), Some(npv), Some(inv)) =
                (self.stats(name, "net_savings"), self.stats(name, "npv"), self.stats(name, "investment"))
            else {
                continue;
            };
            let p_pay = self.probability(name, "prob_payback");
            let payback = match self.stats(name, "payback_month") {
                Some(p) if p_pay >= 0.5 => format!("month {}", p.p50.round()),
                _ => format!("{} pay back", pct(p_pay)),
            };
            let mark = if Some(s) == chosen { " class=\"chosen\"" } else { "" };
            // The P50's Monte Carlo margin (95%), where the run has one.
            let margin = self
                .results
                .summary
                .iter()
                .find(|r| r.scenario == *name && r.metric == "npv")
                .map(|r| 1.96 * r.se.p50)
                .filter(|m| m.is_finite())
                .map_or(String::new(), |m| format!(" ± {}", money_short(m, self.cur)));
            let _ = writeln!(
                out,
                "  <tr{mark}><td class=\"text\">{}</td><td class=\"num\">{}{margin}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{payback}</td></tr>",
                escape(name),
                range_likely(npv.p10, npv.p50, npv.p90, self.cur),
                pct(self.probability(name, "prob_npv_positive")),
                range_likely(net.p10, net.p50, net.p90, self.cur),
                money_short(inv.mean, self.cur),
            );
        }
        out.push_str("  </table>\n");
        out
    }
}
