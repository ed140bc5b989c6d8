//! Checking `[optimize]` (spec section 8).

use toml::Spanned;

use super::Checker;
use crate::error::quoted;
use crate::input::{RawOptimize, SourceFile};
use crate::model::{Initiative, Objective, OptimizeSpec};

pub(crate) fn check_optimize(
    ck: &mut Checker,
    file: &SourceFile,
    raw: &Spanned<RawOptimize>,
    initiatives: &[Initiative],
) -> OptimizeSpec {
    let o = raw.get_ref();
    let capex_budget = o.capex_budget.as_ref().and_then(|b| {
        let x = *b.get_ref();
        if x.is_finite() && x >= 0.0 {
            Some(x)
        } else {
            ck.error(file.error(Some(b.span()), "optimize.capex_budget", format!("must be an amount >= 0, got {x}")));
            None
        }
    });
    let objective = match &o.objective {
        None => Objective::NpvP50,
        Some(name) => {
            let written = name.get_ref().trim();
            match Objective::ALL.iter().find(|(n, _)| *n == written) {
                Some((_, objective)) => *objective,
                None => {
                    let known: Vec<&str> = Objective::ALL.iter().map(|(n, _)| *n).collect();
                    ck.error(file.error(
                        Some(name.span()),
                        "optimize.objective",
                        format!("{} is not an objective; expected one of {}", quoted(written), known.join(", ")),
                    ));
                    Objective::NpvP50
                }
            }
        }
    };
    let min_prob_positive = o.min_prob_positive.as_ref().and_then(|p| {
        let x = *p.get_ref();
        if (0.0..=1.0).contains(&x) {
            Some(x)
        } else {
            ck.error(file.error(
                Some(p.span()),
                "optimize.min_prob_positive",
                format!("must be a probability in [0, 1], got {x}"),
            ));
            None
        }
    });
    let required = initiative_list(ck, file, o.required.as_ref(), "optimize.required", initiatives);
    let excluded = initiative_list(ck, file, o.excluded.as_ref(), "optimize.excluded", initiatives);
    if let Some(list) = &o.excluded {
        for id in list.get_ref() {
            if let Some(k) = initiatives.iter().position(|i| &i.id == id.get_ref())
                && required.contains(&k)
            {
                ck.error(file.error(
                    Some(id.span()),
                    "optimize.excluded",
                    format!("{} is also required; an initiative cannot be both", quoted(id.get_ref())),
                ));
            }
        }
    }
    if !initiatives.is_empty() && excluded.len() == initiatives.len() {
        let span = o.excluded.as_ref().map(Spanned::span);
        ck.error(file.error(
            span,
            "optimize.excluded",
            "every initiative is excluded; leave at least one to choose from",
        ));
    }
    let budget_span = o.capex_budget.as_ref().map_or(raw.span(), Spanned::span);
    let field = if o.capex_budget.is_some() { "optimize.capex_budget" } else { "optimize" };
    OptimizeSpec {
        capex_budget,
        objective,
        min_prob_positive,
        required,
        excluded,
        budget_at: file.error(Some(budget_span), field, ""),
    }
}

/// Resolve a list of initiative ids, reporting unknown and repeated ones.
fn initiative_list(
    ck: &mut Checker,
    file: &SourceFile,
    list: Option<&Spanned<Vec<Spanned<String>>>>,
    field: &str,
    initiatives: &[Initiative],
) -> Vec<usize> {
    let mut out = Vec::new();
    for id in list.map(|l| l.get_ref().as_slice()).unwrap_or_default() {
        match initiatives.iter().position(|i| &i.id == id.get_ref()) {
            None => {
                let known: Vec<&str> = initiatives.iter().map(|i| i.id.as_str()).collect();
                ck.error(file.error(
                    Some(id.span()),
                    field,
                    format!(
                        "unknown initiative {}{}; the file has {}",
                        quoted(id.get_ref()),
                        crate::suggest::did_you_mean(id.get_ref(), known.iter().copied()),
                        crate::suggest::listing(known.iter().copied())
                    ),
                ));
            }
            Some(k) if out.contains(&k) => {
                ck.error(file.error(
                    Some(id.span()),
                    field,
                    format!("initiative {} is listed twice", quoted(id.get_ref())),
                ));
            }
            Some(k) => out.push(k),
        }
    }
    out
}
