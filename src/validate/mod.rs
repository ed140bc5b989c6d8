//! Validate: raw files -> a checked [`Case`] or [`Model`].
//!
//! Every problem is collected, not only the first, so `costcast check` can
//! list them all; a problem in one field does not stop the others being
//! checked. Only this module builds the checked types.

mod correlation;
pub mod history;
mod model;
mod optimize;
pub mod plausibility;
mod profile;
mod scenario;
mod staffing;
mod units;

use std::path::Path;

use toml::Spanned;

use crate::dist::Dist;
use crate::error::{Diagnostic, InputError, Warning};
use crate::input::{Expr, SourceFile};
use crate::model::{Case, InputDef, InputId, InputKind, Inputs, Model};
use units::Meaning;

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
    load_model_inputs(path).map(|c| Checked { value: c.value.0, warnings: c.warnings })
}

/// [`load_model`], with the registry of its inputs (each as written).
pub fn load_model_inputs(path: &Path) -> Result<Checked<(Model, Inputs)>, InputError> {
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
    let inputs = std::mem::take(&mut ck.inputs);
    ck.finish(model.map(|m| (m, inputs)))
}

/// The most characters a name may have: an Excel cell holds at most
/// 32,767, and the workbook writes every name into one (issue 28).
pub const MAX_NAME_CHARS: usize = 32_767;

/// The message for a name past [`MAX_NAME_CHARS`].
fn name_too_long(name: &str) -> String {
    format!(
        "is {} characters long; a name may have at most {MAX_NAME_CHARS} (an Excel cell's limit)",
        name.chars().count()
    )
}

/// Is this TOML file a scenario (it names a model) rather than a model?
pub fn is_scenario_file(path: &Path) -> bool {
    use crate::input::source::{MAX_INPUT_BYTES, read_bounded};
    read_bounded(path, MAX_INPUT_BYTES)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|t| crate::input::raw::is_scenario_text(&t))
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
    /// Inputs a fitted channel's draw sets (spec section 12): not
    /// correlatable.
    pub fitted: Vec<InputId>,
    /// Fields whose value could not be read (reported by the reader), by
    /// file: their absence is no second error.
    unreadable: Vec<(std::path::PathBuf, String)>,
}

impl Checker {
    fn finish<T>(self, value: Option<T>) -> Result<Checked<T>, InputError> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(Checked { value, warnings: self.warnings }),
            _ => {
                let mut diagnostics = in_file_order(self.errors);
                if diagnostics.is_empty() {
                    diagnostics.push(Diagnostic::new(Path::new(""), "", "invalid input"));
                }
                Err(InputError { diagnostics })
            }
        }
    }

    pub fn error(&mut self, d: Diagnostic) {
        let echo = d.message.starts_with("is required but missing")
            && self.unreadable.iter().any(|(file, field)| *file == d.file && *field == d.field);
        if !echo {
            self.errors.push(d);
        }
    }

    /// The reader's errors, remembering which fields they were about.
    pub fn read_errors(&mut self, errors: Vec<Diagnostic>) {
        for d in errors {
            self.unreadable.push((d.file.clone(), d.field.clone()));
            self.errors.push(d);
        }
    }

    pub fn warn(&mut self, d: Diagnostic) {
        self.warnings.push(Warning(d));
    }

    /// Register an input given as `expr` (or `default` when absent).
    /// `path` names it in reports, `field` in error messages; `meaning`
    /// decides its domain and whether a percent may be written there.
    #[allow(clippy::too_many_arguments)]
    pub fn input(
        &mut self,
        file: &SourceFile,
        expr: Option<&Spanned<Expr>>,
        default: Option<f64>,
        path: String,
        field: &str,
        meaning: Meaning,
        kind: InputKind,
        from_scenario: bool,
    ) -> InputId {
        let dist = match expr {
            None => match default {
                Some(d) => Dist::Constant(d),
                None => {
                    let anchor = self.anchor.clone();
                    let hint = missing_hint(&path);
                    self.error(file.error(anchor, field, format!("is required but missing{hint}")));
                    Dist::Constant(f64::NAN)
                }
            },
            Some(spanned) => {
                let read = self.read_expr(file, spanned, field);
                self.check_meaning(file, spanned, field, meaning, read)
            }
        };
        let written = match expr.map(Spanned::get_ref) {
            Some(Expr::Text(t)) => t.trim().to_owned(),
            Some(Expr::Number(x)) => format!("{x}"),
            None => format!("{}", default.unwrap_or(f64::NAN)),
        };
        self.sites.inputs.push(file.error(expr.map(Spanned::span), field, ""));
        self.inputs.add(InputDef { path, written, dist, domain: meaning.domain, kind, from_scenario })
    }
}

/// What a required input is and how it is written, for the message that
/// says it is missing (by the last part of its input path).
fn missing_hint(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or(path) {
        "discount_rate" => "; the annual rate future savings are discounted at, e.g. discount_rate = 0.08",
        "volume" => "; the contacts in the first month, e.g. volume = 120_000",
        "cost_per_contact" => "; the cost of one contact in the model's currency, e.g. cost_per_contact = 8.5",
        "share" => "; the share of contacts the effect applies to, e.g. share = 0.25 or \"25%\"",
        "aht_seconds" => "; the average handle time in seconds, e.g. aht_seconds = 360",
        _ => "",
    }
}

/// The diagnostics file by file (in the order files were first met), each
/// file's from top to bottom; those without a line (about the file as a
/// whole) first. The reading and the checks find problems in different
/// passes, but a user reads a file from the top.
fn in_file_order(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for d in &diagnostics {
        if !files.contains(&d.file) {
            files.push(d.file.clone());
        }
    }
    diagnostics.sort_by_key(|d| (files.iter().position(|f| f == &d.file), d.line.unwrap_or(0), d.column.unwrap_or(0)));
    diagnostics
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

pub(crate) use crate::input::read::valid_id;
