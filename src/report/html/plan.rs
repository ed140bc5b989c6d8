//! The plan and the assumptions in words: initiatives by name, what each
//! effect does and how much ("2–7%, likely 4% of phone contacts moved to
//! self-service"), success as a chance, amounts in the currency, and every
//! uncertain input by its label with its range; constants stay out of the
//! percentile table.

use std::fmt::Write;

use super::{Page, escape};
use crate::model::{Effect, InputId, InputKind};
use crate::report::format::{count_range, percent_range, range_likely};
use crate::report::labels::{self, Unit};

impl Page<'_> {
    /// An input's value in words: a constant as itself, an uncertain input
    /// as its P10-P90 range and P50; a chance as a percent.
    fn value_text(&self, id: InputId, unit: Unit) -> String {
        let d = &self.case.inputs.defs[id];
        let at = |p: f64| {
            let x = d.dist.quantile(p);
            if d.kind == InputKind::Success { x.clamp(0.0, 1.0) } else { d.domain.clamp(x) }
        };
        let (p10, p50, p90) = match d.dist.constant_value() {
            Some(_) if d.kind == InputKind::Success => {
                let p = at(0.5);
                (p, p, p)
            }
            Some(_) => {
                let x = d.fixed_value();
                (x, x, x)
            }
            None => (at(0.1), at(0.5), at(0.9)),
        };
        match unit {
            Unit::Money => range_likely(p10, p50, p90, self.cur),
            Unit::Share | Unit::Chance => percent_range(p10, p50, p90),
            Unit::Count => count_range(p10, p50, p90),
        }
    }

    /// One effect in a sentence: "2–7%, likely 4% of phone contacts moved
    /// to self-service (20% come back)".
    fn effect_text(&self, effect: &Effect) -> String {
        let size = self.value_text(effect.share(), Unit::Share);
        let mut text = format!("{size} {}", labels::effect_action(self.case, effect));
        if let Effect::Deflect { leak, .. } = effect {
            let d = &self.case.inputs.defs[*leak];
            if d.is_uncertain() || d.fixed_value() != 0.0 {
                let _ = write!(text, " ({} come back)", self.value_text(*leak, Unit::Share));
            }
        }
        escape(&text)
    }

    pub(super) fn plan(&self) -> String {
        let mut out = String::from(
            "    <table><tr><th class=\"text\">Initiative</th><th class=\"text\">Starts</th><th>Chance of success</th><th>Capex</th><th>Opex a month</th><th class=\"text\">What it does</th></tr>\n",
        );
        for init in &self.case.initiatives {
            let ramp = if init.ramp == 0 {
                "full effect at once".to_owned()
            } else {
                format!("full effect after {} months", init.ramp)
            };
            let effects: Vec<String> = init.effects.iter().map(|e| self.effect_text(e)).collect();
            let _ = writeln!(
                out,
                "    <tr><td class=\"text\">{}</td><td class=\"text\">{}<br><span class=\"note\">{ramp}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"text\">{}</td></tr>",
                escape(&init.name),
                self.case.model.month_label(init.start),
                self.value_text(init.success, Unit::Chance),
                self.value_text(init.capex, Unit::Money),
                self.value_text(init.opex, Unit::Money),
                effects.join("<br>")
            );
        }
        out.push_str("    </table>\n");
        out
    }

    /// The inputs that drive each scenario's NPV most, by label.
    pub(super) fn drivers(&self) -> String {
        let labels = labels::input_labels(self.case);
        let label = |path: &str| self.case.inputs.find(path).map_or(path.to_owned(), |id| labels[id].text.clone());
        let mut out = String::from("  <ul>\n");
        for s in &self.case.scenarios {
            let top: Vec<String> = self
                .results
                .sensitivity
                .iter()
                .filter(|r| r.scenario == s.name && r.spearman.is_finite())
                .take(4)
                .map(|r| {
                    format!(
                        "{} (NPV {} when it is in its lowest tenth, {} in its highest; rank correlation {:+.2})",
                        escape(&label(&r.input)),
                        self.m(r.npv_low_decile),
                        self.m(r.npv_high_decile),
                        r.spearman,
                    )
                })
                .collect();
            if top.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  <li><strong>{}</strong> hinges most on {}.</li>", escape(&s.name), top.join("; "));
        }
        out.push_str("  </ul>\n");
        out
    }

    /// Every uncertain input: its label, its range, and how it is written
    /// (for whoever checks the files); constants are left out.
    pub(super) fn assumptions(&self) -> String {
        let labels = labels::input_labels(self.case);
        let mut out = String::from(
            "  <table><tr><th class=\"text\">Input</th><th>P10–P90, likely (P50)</th><th class=\"text\">As written</th></tr>\n",
        );
        for (id, d) in self.case.inputs.defs.iter().enumerate().filter(|(_, d)| d.is_uncertain()) {
            let label = &labels[id];
            let value = match (label.unit, d.dist.constant_value()) {
                (Unit::Chance, Some(_)) => format!("{} chance", self.value_text(id, Unit::Chance)),
                _ => self.value_text(id, label.unit),
            };
            let _ = writeln!(
                out,
                "  <tr><td class=\"text\">{}</td><td class=\"num\">{}</td><td class=\"text note\">{}</td></tr>",
                escape(&label.text),
                escape(&value),
                escape(&d.written),
            );
        }
        out.push_str("  </table>\n");
        out
    }
}
