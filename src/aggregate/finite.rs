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
/// number, as an input error on the scenario file.
pub fn check(case: &Case, results: &Results) -> Result<(), InputError> {
    let overflow = |what: String, value: f64| {
        Err(InputError::one(Diagnostic::new(
            &case.scenario_path,
            "",
            format!(
                "{what} overflows ({value}): the inputs multiply or add past the largest number \
                 a forecast can hold (about 1.8e308); check the magnitudes of the volumes, costs and capex"
            ),
        )))
    };
    for row in &results.monthly {
        if let Some(v) = [row.mean, row.p10, row.p50, row.p90].into_iter().find(|v| !v.is_finite()) {
            let scenario = if row.scenario == "baseline" {
                "baseline".to_string()
            } else {
                format!("scenario {:?}", row.scenario)
            };
            return overflow(
                format!("{scenario} {} of channel {:?} in month {}", row.metric, row.channel, row.month),
                v,
            );
        }
    }
    for row in &results.summary {
        let values = match row.value {
            SummaryValue::Stats(Some(s)) => vec![s.mean, s.p10, s.p50, s.p90, s.min, s.max],
            SummaryValue::Stats(None) => vec![],
            SummaryValue::Probability(p) => vec![p],
        };
        if let Some(v) = values.into_iter().find(|v| !v.is_finite()) {
            return overflow(format!("{} of scenario {:?}", row.metric, row.scenario), v);
        }
    }
    Ok(())
}
