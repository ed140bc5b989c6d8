//! Resolving `[[correlation]]` tables into the Gaussian copula.

use std::collections::HashMap;

use super::Checker;
use crate::dist::copula::Copula;
use crate::input::{RawCorrelation, SourceFile};

/// Resolve the correlations of each file against the inputs registered so
/// far (a model file may only name model inputs) and build the copula.
pub(crate) fn build_copula(ck: &mut Checker, files: &[(&SourceFile, &[RawCorrelation])]) -> Option<Copula> {
    let before = ck.errors.len();
    let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
    let mut origin: Vec<(SourceFile, std::ops::Range<usize>, String)> = Vec::new();
    let mut seen: HashMap<(usize, usize), String> = HashMap::new();
    for (file_index, (file, correlations)) in files.iter().enumerate() {
        let scenario_file = file_index > 0;
        for c in correlations.iter() {
            let field = c.name.clone();
            let (Some(between_written), Some(rho_written)) = (&c.between, &c.rho) else {
                for (key, given) in [("between", c.between.is_some()), ("rho", c.rho.is_some())] {
                    if !given {
                        let at = Some(c.span.clone());
                        ck.error(file.error(at, format!("{field}.{key}"), "is required but missing"));
                    }
                }
                continue;
            };
            let between = between_written.get_ref();
            if between.len() != 2 {
                ck.error(file.error(
                    Some(between_written.span()),
                    format!("{field}.between"),
                    format!("expected two input paths, got {}", between.len()),
                ));
                continue;
            }
            let rho = *rho_written.get_ref();
            if !(-1.0..=1.0).contains(&rho) {
                ck.error(file.error(
                    Some(rho_written.span()),
                    format!("{field}.rho"),
                    format!("must lie in [-1, 1], got {rho}"),
                ));
                continue;
            }
            let mut ids = Vec::new();
            for name in between {
                let path = name.get_ref().trim();
                match ck.inputs.find(path) {
                    Some(id) if scenario_file || !ck.inputs.defs[id].from_scenario => ids.push(Some(id)),
                    _ => {
                        let known = ck.inputs.defs.iter().filter(|d| scenario_file || !d.from_scenario);
                        let hint = crate::suggest::did_you_mean(path, known.map(|d| d.path.as_str()));
                        ck.error(file.error(
                            Some(name.span()),
                            format!("{field}.between"),
                            format!(
                                "unknown input {}{hint}; expected CHANNEL.FIELD (e.g. phone.growth), \
                                 INITIATIVE.capex/opex/success or INITIATIVE.effects[K].share/leak",
                                crate::error::quoted(path)
                            ),
                        ));
                        ids.push(None);
                    }
                }
            }
            let (Some(a), Some(b)) = (ids[0], ids[1]) else { continue };
            if a == b {
                ck.error(file.error(
                    Some(between_written.span()),
                    format!("{field}.between"),
                    "an input cannot be correlated with itself",
                ));
                continue;
            }
            if let Some(&f) = [a, b].iter().find(|i| ck.fitted.contains(i)) {
                let path = &ck.inputs.defs[f].path;
                ck.error(file.error(
                    Some(between_written.span()),
                    format!("{field}.between"),
                    format!("{path} is fitted from history_csv, so it cannot be correlated"),
                ));
                continue;
            }
            let key = (a.min(b), a.max(b));
            let here = format!("{}:{}", file.path.display(), file.position(between_written.span().start).0);
            if let Some(first) = seen.insert(key, here) {
                ck.error(file.error(
                    Some(between_written.span()),
                    format!("{field}.between"),
                    format!("this pair is already correlated at {first}"),
                ));
                continue;
            }
            let constant: Vec<&str> = [a, b]
                .iter()
                .filter(|&&i| !ck.inputs.defs[i].is_uncertain())
                .map(|&i| ck.inputs.defs[i].path.as_str())
                .collect();
            if !constant.is_empty() {
                let msg = format!("ignored: {} is a constant, so it cannot be correlated", constant.join(" and "));
                ck.warn(file.error(Some(between_written.span()), format!("{field}.between"), msg));
                continue;
            }
            pairs.push((a, b, rho));
            origin.push(((*file).clone(), between_written.span(), field));
        }
    }
    if ck.errors.len() > before {
        return None;
    }
    match Copula::new(ck.inputs.defs.len(), &pairs) {
        Ok(c) => Some(c),
        Err(failures) => {
            for f in failures {
                let names: Vec<&str> = f.members.iter().map(|&i| ck.inputs.defs[i].path.as_str()).collect();
                let last = *f.pairs.last().expect("a failing group has pairs");
                let (file, span, field) = &origin[last];
                ck.error(file.error(
                    Some(span.clone()),
                    format!("{field}.between"),
                    format!(
                        "the correlations among {} are not positive definite (no joint distribution has them); \
                         weaken them or remove one",
                        names.join(", ")
                    ),
                ));
            }
            None
        }
    }
}
