//! What a field's number means (spec section 2): whether a percent literal
//! is read there, and how a value outside the field's domain is explained.
//!
//! A share written in percent points (`share = 25` for 25%) is the slip a
//! new user makes most; clamped, it would run as a share of 1 and multiply
//! the savings. So a constant outside its domain is refused with the fix in
//! the message, and so is a distribution with more than 1% of its mass
//! outside; only a thinner tail is clamped, silently, by the simulation.

use toml::Spanned;

use super::Checker;
use crate::dist::{Dist, Domain, expr};
use crate::input::{Expr, SourceFile};

/// Share of a distribution's mass that may lie outside its domain: a tail
/// this thin is clamped onto the edge, a larger one is an error.
pub(crate) const TAIL_SHARE: f64 = 0.01;

/// What a field's number is, in words a finance partner uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Unit {
    /// A share of something (effect share, leak, staffing shares).
    Share,
    /// A probability (an initiative's success).
    Probability,
    /// A growth, inflation or discount rate.
    Rate,
    /// Neither a share nor a rate, so not a percentage: the words say what
    /// it is, as in "a volume is a count of contacts".
    Quantity(&'static str),
}

impl Unit {
    /// The unit in words; only shares, probabilities and rates may be
    /// written as `"25%"`.
    fn noun(self) -> &'static str {
        match self {
            Unit::Share => "a share",
            Unit::Probability => "a probability",
            Unit::Rate => "a rate",
            Unit::Quantity(_) => "a quantity",
        }
    }
}

/// A field's meaning: the domain its draws are clamped to, and its unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Meaning {
    pub domain: Domain,
    pub unit: Unit,
}

impl Meaning {
    pub(crate) const SHARE: Meaning = Meaning { domain: Domain::Share, unit: Unit::Share };
    pub(crate) const PROBABILITY: Meaning = Meaning { domain: Domain::Share, unit: Unit::Probability };
    /// Rates are not clamped (spec section 11).
    pub(crate) const RATE: Meaning = Meaning { domain: Domain::Unbounded, unit: Unit::Rate };

    /// A volume, cost or price: at least 0; `what` says what it is.
    pub(crate) const fn amount(what: &'static str) -> Meaning {
        Meaning { domain: Domain::NonNegative, unit: Unit::Quantity(what) }
    }

    /// A field whose caller checks its own range (the staffing fields):
    /// unbounded here, only the unit is judged.
    pub(crate) const fn ranged(unit: Unit) -> Meaning {
        Meaning { domain: Domain::Unbounded, unit }
    }
}

/// The field's own name, the last part of its path (`share` of
/// `initiative[0].effects[0].share`), as the user wrote it in the file.
fn leaf(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

/// `volume = "25%": a volume is a count of contacts, not a percentage`.
pub(crate) fn percent_refused(field: &str, written: &Expr, what: &str) -> String {
    format!("{} = {written}: {what}, not a percentage", leaf(field))
}

/// A constant share or probability outside its bounds: `share = 25 is a
/// share between 0 and 1; for 25% write 0.25 or "25%"`. `bounds` completes
/// "is a share ...". The hint is given for a value in (1, 100] written
/// without a percent sign, the sign of a percent written in points.
pub(crate) fn share_constant(field: &str, written: &Expr, x: f64, percent: bool, unit: Unit, bounds: &str) -> String {
    let mut message = format!("{} = {written} is {} {bounds}", leaf(field), unit.noun());
    if !percent && x > 1.0 && x <= 100.0 {
        let points = format!("{x}%");
        if let Some(share) = expr::literal(&points) {
            message.push_str(&format!("; for {points} write {} or \"{points}\"", share.value));
        }
    }
    message
}

/// Whether a value of `written` carries a percent sign.
pub(crate) fn is_percent(written: &Expr) -> bool {
    matches!(written, Expr::Text(t) if expr::parse_expr(t).is_ok_and(|p| p.percent))
}

/// A distribution with more mass outside its domain than a clamped tail.
fn distribution_outside(field: &str, written: &Expr, dist: &Dist, outside: f64, meaning: Meaning) -> String {
    let name = leaf(field);
    let mass = mass_text(outside);
    match meaning.unit {
        Unit::Quantity(what) => format!(
            "{name} = {written} puts {mass} of its mass below 0; {what} and cannot be below 0 \
             (at most 1% may lie below, read as 0)"
        ),
        unit => format!(
            "{name} = {written} puts {mass} of its mass outside {}; it is {} between 0 and 1 \
             (at most 1% may lie outside, clamped to the edge){}",
            meaning.domain.describe(),
            unit.noun(),
            percent_hint(written, dist)
        ),
    }
}

/// `; for percentages write "triangular(10%, 25%, 40%)" or divide by 100`
/// when (almost) all of a distribution lies in (1, 100] and none of its
/// values carries a percent sign; empty otherwise.
pub(crate) fn percent_hint(written: &Expr, dist: &Dist) -> String {
    let Expr::Text(text) = written else { return String::new() };
    let in_points = dist.cdf(100.0) - dist.cdf(1.0);
    if in_points < 1.0 - TAIL_SHARE || is_percent(written) {
        return String::new();
    }
    match expr::as_percents(text) {
        Some(rewritten) => format!("; for percentages write \"{rewritten}\" or divide by 100"),
        None => "; for percentages divide by 100".into(),
    }
}

/// A share of mass as a percentage, with enough digits to show that it is
/// above the 1% a tail may have.
fn mass_text(share: f64) -> String {
    if share < 0.1 { format!("{:.2}%", share * 100.0) } else { format!("{:.1}%", share * 100.0) }
}

impl Checker {
    /// Read an expression as a distribution; also whether a value in it
    /// was a percent. A broken one is reported and reads as NaN.
    pub(crate) fn read_expr(&mut self, file: &SourceFile, spanned: &Spanned<Expr>, field: &str) -> (Dist, bool) {
        match spanned.get_ref() {
            Expr::Number(x) if x.is_finite() => (Dist::Constant(*x), false),
            Expr::Number(x) => {
                self.error(file.error(Some(spanned.span()), field, format!("{x} is not a finite number")));
                (Dist::Constant(f64::NAN), false)
            }
            Expr::Text(t) => match expr::parse_expr(t) {
                Ok(p) => (p.dist, p.percent),
                Err(e) => {
                    self.error(file.error(
                        Some(spanned.span()),
                        field,
                        format!("invalid expression {}: {e}", crate::error::quoted(t)),
                    ));
                    (Dist::Constant(f64::NAN), false)
                }
            },
        }
    }

    /// Judge a value read from `spanned` against the field's meaning:
    /// refuse a percent where the field is no share or rate (the value
    /// then reads as NaN, so nothing follows from it), a constant outside
    /// the domain, and a distribution with more than [`TAIL_SHARE`] of
    /// its mass outside.
    pub(crate) fn check_meaning(
        &mut self,
        file: &SourceFile,
        spanned: &Spanned<Expr>,
        field: &str,
        meaning: Meaning,
        (dist, percent): (Dist, bool),
    ) -> Dist {
        let written = spanned.get_ref();
        let at = Some(spanned.span());
        if let (true, Unit::Quantity(what)) = (percent, meaning.unit) {
            self.error(file.error(at, field, percent_refused(field, written, what)));
            return Dist::Constant(f64::NAN);
        }
        if dist.constant_value().is_some_and(f64::is_nan) {
            return dist;
        }
        let outside = dist.mass_outside(meaning.domain);
        let message = match (&dist, meaning.unit) {
            (Dist::Constant(_), _) if outside == 0.0 => return dist,
            (Dist::Constant(_), Unit::Quantity(what)) => {
                format!("{} = {written} is negative; {what} and cannot be below 0", leaf(field))
            }
            (Dist::Constant(x), unit) => share_constant(field, written, *x, percent, unit, "between 0 and 1"),
            _ if outside <= TAIL_SHARE => return dist,
            _ => distribution_outside(field, written, &dist, outside, meaning),
        };
        self.error(file.error(at, field, message));
        dist
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::parse;

    fn text(t: &str) -> Expr {
        Expr::Text(t.into())
    }

    #[test]
    fn a_constant_in_percent_points_gets_the_fix() {
        let f = "initiative[0].effects[0].share";
        assert_eq!(
            share_constant(f, &Expr::Number(25.0), 25.0, false, Unit::Share, "between 0 and 1"),
            "share = 25 is a share between 0 and 1; for 25% write 0.25 or \"25%\""
        );
        assert_eq!(
            share_constant(
                "initiative[2].success",
                &Expr::Number(70.0),
                70.0,
                false,
                Unit::Probability,
                "between 0 and 1"
            ),
            "success = 70 is a probability between 0 and 1; for 70% write 0.7 or \"70%\""
        );
        // The hint's share is the decimal read exactly, not 33.3 / 100.
        assert!(
            share_constant(f, &text("33.3"), 33.3, false, Unit::Share, "between 0 and 1")
                .ends_with("; for 33.3% write 0.333 or \"33.3%\"")
        );
        // 100 is still percent points; 1 is in the domain's edge, not a slip.
        assert!(share_constant(f, &Expr::Number(100.0), 100.0, false, Unit::Share, "").contains("write 1 or \"100%\""));
        // Negative, above 100, or already a percent: only the domain.
        for (written, x, percent) in
            [(Expr::Number(-0.1), -0.1, false), (Expr::Number(250.0), 250.0, false), (text("250%"), 2.5, true)]
        {
            let m = share_constant(f, &written, x, percent, Unit::Share, "between 0 and 1");
            assert_eq!(m, format!("share = {written} is a share between 0 and 1"));
        }
    }

    #[test]
    fn a_distribution_in_percent_points_gets_its_rewrite() {
        let field = "initiative[0].effects[0].share";
        let w = text("triangular(10, 25, 40)");
        let m = distribution_outside(field, &w, &parse("triangular(10, 25, 40)").unwrap(), 1.0, Meaning::SHARE);
        assert_eq!(
            m,
            "share = \"triangular(10, 25, 40)\" puts 100.0% of its mass outside [0, 1]; it is a share between 0 \
             and 1 (at most 1% may lie outside, clamped to the edge); for percentages write \
             \"triangular(10%, 25%, 40%)\" or divide by 100"
        );
        // Half outside, not in percent points: no hint.
        let d = parse("uniform(0.5, 1.5)").unwrap();
        let m = distribution_outside("x.success", &text("uniform(0.5, 1.5)"), &d, 0.5, Meaning::PROBABILITY);
        assert!(m.starts_with("success = \"uniform(0.5, 1.5)\" puts 50.0% of its mass outside [0, 1]"), "{m}");
        assert!(m.contains("it is a probability between 0 and 1") && !m.contains("percentages"), "{m}");
        // A normal in percent points: its far tails do not hide the slip.
        assert_eq!(
            percent_hint(&text("normal(20, 5)"), &parse("normal(20, 5)").unwrap()),
            "; for percentages write \"normal(20%, 5%)\" or divide by 100"
        );
        // Lognormal parameters are not values: divide.
        assert_eq!(
            percent_hint(&text("lognormal(3, 0.1)"), &parse("lognormal(3, 0.1)").unwrap()),
            "; for percentages divide by 100"
        );
        // Partly below 1: not percent points.
        assert_eq!(percent_hint(&text("uniform(0, 50)"), &parse("uniform(0, 50)").unwrap()), "");
        // Non-negative amounts.
        let m = distribution_outside(
            "channel[0].volume",
            &text("normal(100, 200)"),
            &parse("normal(100, 200)").unwrap(),
            0.3085,
            Meaning::amount("a volume is a count of contacts"),
        );
        assert!(
            m.starts_with("volume = \"normal(100, 200)\" puts 30.9% of its mass below 0; a volume is a count"),
            "{m}"
        );
    }

    /// Register `written` as the field `field` of a one-line file through
    /// [`Checker::input`]; returns the checker and the value registered.
    fn checked(field: &str, written: Expr, meaning: Meaning) -> (Checker, Dist) {
        let file = SourceFile::from_text(std::path::Path::new("scenario.toml"), format!("x = {written}\n"));
        let spanned = Spanned::new(4..4 + written.to_string().len(), written);
        let mut ck = Checker::default();
        let id =
            ck.input(&file, Some(&spanned), None, "p".into(), field, meaning, crate::model::InputKind::Value, true);
        let dist = ck.inputs.defs[id].dist.clone();
        (ck, dist)
    }

    /// The one error `written` gives as `field`, as printed.
    fn error(field: &str, written: Expr, meaning: Meaning) -> String {
        let (ck, _) = checked(field, written, meaning);
        assert_eq!(ck.errors.len(), 1, "{:?}", ck.errors);
        assert!(ck.warnings.is_empty(), "{:?}", ck.warnings);
        ck.errors[0].to_string()
    }

    /// The value `written` gives as `field`, which must pass silently.
    fn accepted(field: &str, written: Expr, meaning: Meaning) -> Dist {
        let (ck, dist) = checked(field, written, meaning);
        assert!(ck.errors.is_empty() && ck.warnings.is_empty(), "{:?} {:?}", ck.errors, ck.warnings);
        dist
    }

    #[test]
    fn slips_are_errors_at_the_value() {
        let share = "initiative[0].effects[0].share";
        assert_eq!(
            error(share, Expr::Number(25.0), Meaning::SHARE),
            "scenario.toml:1:5: initiative[0].effects[0].share: share = 25 is a share between 0 and 1; \
             for 25% write 0.25 or \"25%\""
        );
        let e = error("initiative[0].success", Expr::Number(70.0), Meaning::PROBABILITY);
        assert!(e.ends_with("success = 70 is a probability between 0 and 1; for 70% write 0.7 or \"70%\""), "{e}");
        let e = error("initiative[0].effects[0].leak", text("30"), Meaning::SHARE);
        assert!(e.ends_with("leak = \"30\" is a share between 0 and 1; for 30% write 0.3 or \"30%\""), "{e}");
        let e = error(share, Expr::Number(-0.1), Meaning::SHARE);
        assert!(e.ends_with("share = -0.1 is a share between 0 and 1"), "{e}");
        let e = error(share, text("triangular(10, 25, 40)"), Meaning::SHARE);
        assert!(e.contains("puts 100.0% of its mass outside [0, 1]"), "{e}");
        assert!(e.ends_with("write \"triangular(10%, 25%, 40%)\" or divide by 100"), "{e}");
        let e = error("initiative[0].success", text("uniform(0.5, 1.5)"), Meaning::PROBABILITY);
        assert!(e.contains("puts 50.0% of its mass outside [0, 1]") && !e.contains("percentages"), "{e}");
        let e = error(share, text("normal(0.2, 0.1)"), Meaning::SHARE);
        assert!(e.contains("puts 2.28% of its mass outside [0, 1]"), "{e}");
        // Amounts: a negative constant, a distribution mostly below 0.
        let volume = Meaning::amount("a volume is a count of contacts");
        let e = error("channel[0].volume", Expr::Number(-5.0), volume);
        assert!(e.ends_with("volume = -5 is negative; a volume is a count of contacts and cannot be below 0"), "{e}");
        let e = error("channel[0].volume", text("normal(100, 200)"), volume);
        assert!(e.contains("volume = \"normal(100, 200)\" puts 30.9% of its mass below 0"), "{e}");
    }

    #[test]
    fn thin_tails_and_percents_pass_silently() {
        let share = "initiative[0].effects[0].share";
        // About 3e-5 of the mass below 0: clamped by the simulation, no word.
        assert_eq!(accepted(share, text("normal(0.2, 0.05)"), Meaning::SHARE), parse("normal(0.2, 0.05)").unwrap());
        // Exactly 1% outside is still a tail; a little more is not.
        accepted(share, text("uniform(-0.01, 0.99)"), Meaning::SHARE);
        error(share, text("uniform(-0.0101, 0.9899)"), Meaning::SHARE);
        assert_eq!(accepted(share, text("25%"), Meaning::SHARE), Dist::Constant(0.25));
        assert_eq!(accepted(share, text("25%"), Meaning::SHARE), accepted(share, Expr::Number(0.25), Meaning::SHARE));
        assert_eq!(
            accepted(share, text("triangular(10%, 25%, 40%)"), Meaning::SHARE),
            parse("triangular(0.1, 0.25, 0.4)").unwrap()
        );
        assert_eq!(accepted("channel[0].growth", text("-0.4%"), Meaning::RATE), Dist::Constant(-0.004));
        // Rates are not bounded: 50 is no slip there (only -100% is checked).
        accepted("discount_rate", Expr::Number(50.0), Meaning::RATE);
        // Edges of the domain.
        accepted(share, Expr::Number(1.0), Meaning::SHARE);
        accepted(share, text("100%"), Meaning::SHARE);
        accepted("x.capex", Expr::Number(0.0), Meaning::amount("capex is an amount of money"));
        // A percent used only for probabilities leaves the values alone.
        accepted("x.capex", text("discrete(0: 50%, 1_000: 50%)"), Meaning::amount("capex is an amount of money"));
    }

    #[test]
    fn a_percent_where_no_share_is_refused_and_reads_as_nan() {
        let volume = Meaning::amount("a volume is a count of contacts");
        let (ck, dist) = checked("channel[0].volume", text("25%"), volume);
        assert_eq!(ck.errors.len(), 1);
        assert_eq!(
            ck.errors[0].to_string(),
            "scenario.toml:1:5: channel[0].volume: volume = \"25%\": a volume is a count of contacts, not a \
             percentage"
        );
        assert!(dist.constant_value().is_some_and(f64::is_nan));
        let e = error("channel[0].seasonality[3]", text("uniform(90%, 110%)"), Meaning::amount("a factor"));
        assert!(e.ends_with("seasonality[3] = \"uniform(90%, 110%)\": a factor, not a percentage"), "{e}");
    }

    #[test]
    fn mass_shows_that_it_passes_one_percent() {
        assert_eq!(mass_text(0.0104), "1.04%");
        assert_eq!(mass_text(0.5), "50.0%");
    }

    #[test]
    fn quantities_refuse_percents() {
        assert_eq!(
            percent_refused("channel[0].volume", &text("25%"), "a volume is a count of contacts"),
            "volume = \"25%\": a volume is a count of contacts, not a percentage"
        );
    }
}
