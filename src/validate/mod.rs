//! Validate: raw files -> a checked [`Case`] or [`Model`].
//!
//! Every problem is collected, not only the first, so `costcast check` can
//! list them all; a problem in one field does not stop the others being
//! checked. Only this module builds the checked types.

mod correlation;
mod model;
mod optimize;
pub mod plausibility;
mod scenario;
mod staffing;

use std::path::Path;

use toml::Spanned;

use crate::dist::{self, Dist, Domain};
use crate::error::{Diagnostic, InputError, Warning};
use crate::input::{Expr, SourceFile};
use crate::model::{Case, InputDef, InputId, InputKind, Inputs, Model};

/// Share of mass outside a domain above which the user is warned (spec 2).
const CLAMP_WARNING_SHARE: f64 = 0.01;

/// A validated case and the warnings met on the way.
#[derive(Debug)]
pub struct Checked<T> {
    pub value: T,
    pub warnings: Vec<Warning>,
}

impl<T> Checked<T> {
    /// Under `--strict` (`strict` true) every warning is an error: the
    /// warnings come back as an [`InputError`], so nothing runs or is
    /// written. Without it, or without warnings, the checked value as is.
    pub fn strict(self, strict: bool) -> Result<Checked<T>, InputError> {
        if strict && !self.warnings.is_empty() {
            return Err(InputError { diagnostics: self.warnings.into_iter().map(|w| w.0).collect() });
        }
        Ok(self)
    }
}

/// Load and validate a scenario file and the model it names.
pub fn load_case(path: &Path) -> Result<Checked<Case>, InputError> {
    let mut ck = Checker::default();
    let case = scenario::check_case(&mut ck, path);
    if let Some(case) = case.as_ref().filter(|_| ck.errors.is_empty()) {
        let found = plausibility::check(&case.model, &case.inputs, &ck.sites);
        ck.warnings.extend(found);
    }
    ck.finish(case)
}

/// Load and validate a model file on its own.
pub fn load_model(path: &Path) -> Result<Checked<Model>, InputError> {
    let mut ck = Checker::default();
    let model = model::check_model_file(&mut ck, path).map(|(model, raw_corr, file)| {
        // Checked for its errors; a model file alone has no run to draw.
        correlation::build_copula(&mut ck, &[(&file, &raw_corr)]);
        model
    });
    if let Some(model) = model.as_ref().filter(|_| ck.errors.is_empty()) {
        let found = plausibility::check(model, &ck.inputs, &ck.sites);
        ck.warnings.extend(found);
    }
    ck.finish(model)
}

/// Is this TOML file a scenario (it names a model) rather than a model?
pub fn is_scenario_file(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| crate::input::raw::is_scenario_text(&t))
}

/// Collects diagnostics, warnings and the input registry while checking.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Warning>,
    pub inputs: Inputs,
    /// Where each value was written, for the checks that run once the
    /// model is built ([`plausibility`]).
    pub sites: Sites,
    /// Where the table being checked starts, to locate a missing field.
    pub anchor: Option<std::ops::Range<usize>>,
    /// The model's horizon is invalid: scenario months are not checked
    /// against it, to avoid follow-on errors.
    pub horizon_broken: bool,
    /// The model's channel list is incomplete (a channel table or CSV
    /// failed): references to channels are not checked.
    pub channels_broken: bool,
}

impl Checker {
    fn finish<T>(self, value: Option<T>) -> Result<Checked<T>, InputError> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(Checked { value, warnings: self.warnings }),
            _ => {
                let mut diagnostics = self.errors;
                if diagnostics.is_empty() {
                    diagnostics.push(Diagnostic::new(Path::new(""), "", "invalid input"));
                }
                Err(InputError { diagnostics })
            }
        }
    }

    pub fn error(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    pub fn warn(&mut self, d: Diagnostic) {
        self.warnings.push(Warning(d));
    }

    /// Register an input given as `expr` (or `default` when absent).
    /// `path` names it in reports, `field` in error messages.
    #[allow(clippy::too_many_arguments)]
    pub fn input(
        &mut self,
        file: &SourceFile,
        expr: Option<&Spanned<Expr>>,
        default: Option<f64>,
        path: String,
        field: &str,
        domain: Domain,
        kind: InputKind,
        from_scenario: bool,
    ) -> InputId {
        let dist = match expr {
            None => match default {
                Some(d) => Dist::Constant(d),
                None => {
                    let anchor = self.anchor.clone();
                    self.error(file.error(anchor, field, "is required but missing"));
                    Dist::Constant(f64::NAN)
                }
            },
            Some(spanned) => match spanned.get_ref() {
                Expr::Number(x) if x.is_finite() => Dist::Constant(*x),
                Expr::Number(x) => {
                    self.error(file.error(Some(spanned.span()), field, format!("{x} is not a finite number")));
                    Dist::Constant(f64::NAN)
                }
                Expr::Text(t) => match dist::parse(t) {
                    Ok(d) => d,
                    Err(e) => {
                        self.error(file.error(Some(spanned.span()), field, format!("invalid expression \"{t}\": {e}")));
                        Dist::Constant(f64::NAN)
                    }
                },
            },
        };
        let outside = dist.mass_outside(domain);
        if outside > CLAMP_WARNING_SHARE && !dist.constant_value().is_some_and(f64::is_nan) {
            let what = if dist.is_constant() {
                format!("the value lies outside {} and is clamped to it", domain.describe())
            } else {
                format!(
                    "{:.1}% of this distribution lies outside {} and is clamped to it",
                    outside * 100.0,
                    domain.describe()
                )
            };
            self.warn(file.error(expr.map(Spanned::span), field, what));
        }
        let written = match expr.map(Spanned::get_ref) {
            Some(Expr::Text(t)) => t.trim().to_owned(),
            Some(Expr::Number(x)) => format!("{x}"),
            None => format!("{}", default.unwrap_or(f64::NAN)),
        };
        self.sites.inputs.push(file.error(expr.map(Spanned::span), field, ""));
        self.inputs.add(InputDef { path, written, dist, domain, kind, from_scenario })
    }
}

/// Where values were written: file, line, column and field path, each a
/// [`Diagnostic`] without its message yet. Checks that run on the built
/// model locate what they find through these.
#[derive(Debug, Default)]
pub(crate) struct Sites {
    /// Per input, by [`InputId`].
    pub inputs: Vec<Diagnostic>,
    /// Per channel, in model order: where `noise` is written (None when
    /// it is not).
    pub noise: Vec<Option<Diagnostic>>,
    /// Per budgeted fiscal year: where its amount is written.
    pub budgets: Vec<(i32, Diagnostic)>,
}

impl Checker {
    /// An annual rate compounds as (1 + rate)^t, undefined at or below
    /// -100%: refuse distributions that put more than a trace of mass there.
    pub fn check_rate(&mut self, file: &SourceFile, expr: Option<&Spanned<Expr>>, field: &str, id: InputId) {
        let below = self.inputs.defs[id].dist.cdf(-1.0);
        if below > RATE_FLOOR_MASS {
            self.error(file.error(
                expr.map(Spanned::span),
                field,
                format!(
                    "{:.2}% of this distribution lies at or below -100%, where (1 + rate)^t is undefined; \
                     give a rate above -1",
                    below * 100.0
                ),
            ));
        }
    }
}

/// Mass at or below -100% a rate may have (rounding, far tails); the
/// simulation floors such draws just above -100%.
const RATE_FLOOR_MASS: f64 = 1e-9;

/// `[a-z0-9_]+`, the spec's rule for channel and initiative ids.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
