//! A forecast whose numbers overflowed is an input error, not a report.
//!
//! Inputs are each finite, but a product or a sum of them need not be: a
//! `capex = 1e308` on two initiatives, or a cost per contact of 1e160 on a
//! volume of 1e150, overflows `f64` to infinity, and infinity less
//! infinity is NaN. Written out, such a number is an empty cell in the
//! CSV, the workbook and the page, and the charts have no scale to draw
//! it on. The run stops instead, naming the first figure that overflowed,
//! with exit 1 and nothing written (issue 28).

use super::{Results, SummaryValue};
use crate::error::{Diagnostic, InputError};
use crate::model::Case;

/// The first monthly or summary figure of `results` that is not a finite
/// number, as an input error located at the input most likely to blame
/// (see [`culprit`]).
pub fn check(case: &Case, results: &Results) -> Result<(), InputError> {
    for row in &results.monthly {
        if let Some(v) = [row.mean, row.p10, row.p50, row.p90].into_iter().find(|v| !v.is_finite()) {
            let scenario = if row.scenario == "baseline" {
                "baseline".to_string()
            } else {
                format!("scenario {}", crate::error::quoted(&row.scenario))
            };
            let what = format!(
                "{scenario} {} of channel {} overflows in month {}",
                row.metric,
                crate::error::quoted(&row.channel),
                row.month
            );
            return Err(overflow(case, Some(&row.channel), row.scenario != "baseline", what, v));
        }
    }
    for row in &results.summary {
        let values = match row.value {
            SummaryValue::Stats(Some(s)) => vec![s.mean, s.p10, s.p50, s.p90, s.min, s.max],
            SummaryValue::Stats(None) => vec![],
            SummaryValue::Probability(p) => vec![p],
        };
        if let Some(v) = values.into_iter().find(|v| !v.is_finite()) {
            let what = format!("{} of scenario {} overflows", row.metric, crate::error::quoted(&row.scenario));
            return Err(overflow(case, None, true, what, v));
        }
    }
    Ok(())
}

/// The error for a figure `what` that came out as `value`: at the input
/// to blame, which it quotes as written.
fn overflow(case: &Case, channel: Option<&str>, scenario_inputs: bool, what: String, value: f64) -> InputError {
    let explain = "the inputs multiply or add past the largest number a forecast can hold (about 1.8e308); \
                   check the magnitudes of the volumes, growth, costs and capex";
    let Some(id) = culprit(case, channel, scenario_inputs) else {
        return InputError::one(Diagnostic::new(&case.scenario_path, "", format!("{what} ({value}): {explain}")));
    };
    let def = &case.inputs.defs[id];
    let leaf = def.path.rsplit('.').next().unwrap_or(&def.path);
    let months = case.model.months;
    let per = match leaf {
        "growth" => format!(" a month over {months} months"),
        "inflation" => format!(" a year over {months} months"),
        _ => String::new(),
    };
    let mut d = case.input_sites.get(id).cloned().unwrap_or_else(|| {
        Diagnostic::new(if def.from_scenario { &case.scenario_path } else { &case.model.path }, &def.path, "")
    });
    // A huge number as written is all digits: quote it in e-notation.
    let written = match def.written.parse::<f64>() {
        Ok(v) if v.abs() >= 1e15 => format!("{v:e}"),
        _ => def.written.clone(),
    };
    d.message = format!("{what} ({value}): {leaf} = {written}{per}; {explain}");
    InputError::one(d)
}

/// The input that most plausibly made a figure overflow: of the channel's
/// inputs (and, for a scenario's figure, the scenario file's), the one
/// whose largest plausible value carries the most orders of magnitude,
/// growth and inflation compounded over the horizon. `None` when no input
/// is a candidate.
fn culprit(case: &Case, channel: Option<&str>, scenario_inputs: bool) -> Option<usize> {
    let months = case.model.months as f64;
    let prefix = channel.map(|c| format!("{c}."));
    let orders = |id: usize| -> f64 {
        let def = &case.inputs.defs[id];
        let magnitude = [1e-3, 0.5, 1.0 - 1e-3].map(|u| def.dist.quantile(u).abs()).into_iter().fold(0.0, f64::max);
        let magnitude = if magnitude.is_nan() { f64::INFINITY } else { magnitude };
        match def.path.rsplit('.').next() {
            Some("growth") => months * magnitude.ln_1p() / std::f64::consts::LN_10,
            Some("inflation") => months / 12.0 * magnitude.ln_1p() / std::f64::consts::LN_10,
            _ => magnitude.log10(),
        }
    };
    (0..case.inputs.defs.len())
        .filter(|&id| {
            let def = &case.inputs.defs[id];
            let own = prefix.as_ref().is_none_or(|p| def.path.starts_with(p.as_str()));
            (own && !def.from_scenario) || (scenario_inputs && def.from_scenario)
        })
        .map(|id| (id, orders(id)))
        .filter(|(_, o)| !o.is_nan())
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id)
}
