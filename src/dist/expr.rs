//! Distribution expressions (spec section 2): `8.5`, `"8.5"`,
//! `"normal(0.004, 0.002)"`, `"2 to 8"`, `"pert(6, 8, 12)"`,
//! `"discrete(0: 0.2, 1: 0.8)"`, ...
//!
//! Any number may carry a `%` suffix: `"25%"` is 0.25, also inside a
//! distribution (`"triangular(10%, 25%, 40%)"`). The parser says whether a
//! value was written as a percent ([`Parsed::percent`]); whether a percent
//! makes sense is the field's business, so validation decides.
//!
//! A percent literal is its decimal with the point moved two places, read
//! as a decimal: `"7%"` is exactly the number `0.07` is (which is also
//! `7.0 / 100.0`), and `"33.3%"` is exactly `0.333` (where the division
//! `33.3 / 100.0` would round to `0.33299999999999996`).

use super::{Bernoulli, Beta, Discrete, Dist, LogNormal, Normal, ParamError, Pert, Triangular, Uniform};

const FAMILIES: &str = "a number, \"low to high\", normal(mean, sd), lognormal(mu, sigma), uniform(min, max), \
triangular(min, mode, max), pert(min, mode, max), beta(a, b), bernoulli(p) or discrete(v1: p1, v2: p2, ...)";

/// A parsed expression and how its values were written.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub dist: Dist,
    /// A value of the distribution (a constant, a bound, a mean, an sd, a
    /// discrete value) was written as a percent. Probabilities
    /// (`bernoulli(p)`, a discrete's `p_k`) may be percents too but do not
    /// count: they are not in the field's unit.
    pub percent: bool,
}

/// A number as written: its value and whether it carried a `%`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Literal {
    pub value: f64,
    pub percent: bool,
}

/// Parse one distribution expression.
///
/// # Example
/// ```
/// use costcast::dist::{parse, Dist};
/// assert_eq!(parse("120_000").unwrap(), Dist::Constant(120_000.0));
/// assert_eq!(parse("25%").unwrap(), Dist::Constant(0.25));
/// assert!(matches!(parse("pert(6, 8, 12)").unwrap(), Dist::Pert(_)));
/// assert!(parse("pert(6, 13, 12)").is_err());
/// ```
pub fn parse(text: &str) -> Result<Dist, ParamError> {
    parse_expr(text).map(|p| p.dist)
}

/// Parse one distribution expression and say whether its values were
/// written as percents.
///
/// # Example
/// ```
/// use costcast::dist::expr::parse_expr;
/// let p = parse_expr("triangular(10%, 25%, 40%)").unwrap();
/// assert!(p.percent);
/// assert_eq!(p.dist.quantile(0.0), 0.1);
/// assert!(!parse_expr("discrete(100: 50%, 200: 50%)").unwrap().percent);
/// ```
pub fn parse_expr(text: &str) -> Result<Parsed, ParamError> {
    let mut reader = Reader::default();
    let dist = match form(text)? {
        Form::Constant(c) => Dist::Constant(reader.value(c, "value")?),
        Form::Interval(low, high) => {
            let (low, high) = (reader.value(low, "low")?, reader.value(high, "high")?);
            Dist::LogNormal(LogNormal::from_90_interval(low, high)?)
        }
        Form::Call { name, args } if name == "discrete" => {
            let mut pairs = Vec::with_capacity(args.len());
            for (i, item) in args.iter().enumerate() {
                let (v, p) = discrete_item(i, item)?;
                pairs.push((reader.value(v, "value")?, reader.probability(p, "probability")?));
            }
            Dist::Discrete(Discrete::new(&pairs)?)
        }
        Form::Call { name, args } => call(&mut reader, &name, &args)?,
    };
    Ok(Parsed { dist, percent: reader.percent })
}

/// The expression with every value written as a percent, for a hint when a
/// share was written in percent points (`"triangular(10, 25, 40)"` becomes
/// `"triangular(10%, 25%, 40%)"`). `None` when the expression does not
/// parse, already uses percents, or has no values in the field's unit
/// (`lognormal`, `beta`, `bernoulli`).
pub fn as_percents(text: &str) -> Option<String> {
    if parse_expr(text).ok()?.percent {
        return None;
    }
    let pc = |t: &str| format!("{}%", t.trim());
    match form(text).ok()? {
        Form::Constant(c) => Some(pc(c)),
        Form::Interval(low, high) => Some(format!("{} to {}", pc(low), pc(high))),
        Form::Call { name, args } if name == "discrete" => {
            let items: Option<Vec<String>> = args
                .iter()
                .enumerate()
                .map(|(i, item)| discrete_item(i, item).ok().map(|(v, p)| format!("{}: {}", pc(v), p.trim())))
                .collect();
            Some(format!("discrete({})", items?.join(", ")))
        }
        Form::Call { name, args } if matches!(name.as_str(), "normal" | "uniform" | "triangular" | "pert") => {
            Some(format!("{name}({})", args.iter().map(|a| pc(a)).collect::<Vec<_>>().join(", ")))
        }
        Form::Call { .. } => None,
    }
}

/// The shape of an expression, before its numbers are read.
enum Form<'a> {
    Constant(&'a str),
    Interval(&'a str, &'a str),
    /// A family by its lower-case name, with its arguments as written.
    Call {
        name: String,
        args: Vec<&'a str>,
    },
}

fn form(text: &str) -> Result<Form<'_>, ParamError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(ParamError(format!("empty expression; expected {FAMILIES}")));
    }
    if literal(s).is_some() {
        return Ok(Form::Constant(s));
    }
    if let Some((low, high)) = s.split_once(" to ") {
        return Ok(Form::Interval(low, high));
    }
    let Some(open) = s.find('(') else {
        if s.contains('%') {
            return Err(ParamError(format!(
                "cannot read {}; a percent is a number followed by one %, as \"25%\"",
                crate::error::quoted(s)
            )));
        }
        return Err(ParamError(format!("cannot read {}; expected {FAMILIES}", crate::error::quoted(s))));
    };
    if !s.ends_with(')') {
        return Err(ParamError(format!("{} has no closing parenthesis", crate::error::quoted(s))));
    }
    let name = s[..open].trim().to_ascii_lowercase();
    Ok(Form::Call { name, args: s[open + 1..s.len() - 1].split(',').collect() })
}

fn discrete_item(i: usize, item: &str) -> Result<(&str, &str), ParamError> {
    item.split_once(':')
        .ok_or_else(|| ParamError(format!("discrete: entry {} \"{}\" must be value: probability", i + 1, item.trim())))
}

/// A family other than `discrete`, from its arguments.
fn call(reader: &mut Reader, name: &str, args: &[&str]) -> Result<Dist, ParamError> {
    let want = |n: usize| -> Result<(), ParamError> {
        if args.len() == n {
            Ok(())
        } else {
            Err(ParamError(format!("{name} takes {n} arguments, got {}", args.len())))
        }
    };
    let label = |i: usize| format!("argument {}", i + 1);
    let values = |reader: &mut Reader| -> Result<Vec<f64>, ParamError> {
        args.iter().enumerate().map(|(i, a)| reader.value(a, &label(i))).collect()
    };
    let shapes = |why: &str| -> Result<Vec<f64>, ParamError> {
        args.iter().enumerate().map(|(i, a)| plain(a, &label(i), name, why)).collect()
    };
    let dist = match name {
        "normal" => {
            want(2)?;
            let a = values(reader)?;
            Dist::Normal(Normal::new(a[0], a[1])?)
        }
        "lognormal" => {
            want(2)?;
            let a = shapes("mu and sigma are parameters of the underlying normal; \"low to high\" takes percents")?;
            Dist::LogNormal(LogNormal::new(a[0], a[1])?)
        }
        "uniform" => {
            want(2)?;
            let a = values(reader)?;
            Dist::Uniform(Uniform::new(a[0], a[1])?)
        }
        "triangular" => {
            want(3)?;
            let a = values(reader)?;
            Dist::Triangular(Triangular::new(a[0], a[1], a[2])?)
        }
        "pert" => {
            want(3)?;
            let a = values(reader)?;
            Dist::Pert(Pert::new(a[0], a[1], a[2])?)
        }
        "beta" => {
            want(2)?;
            let a = shapes("a and b are shape parameters")?;
            Dist::Beta(Beta::new(a[0], a[1])?)
        }
        "bernoulli" => {
            want(1)?;
            Dist::Bernoulli(Bernoulli::new(reader.probability(args[0], "p")?)?)
        }
        other => {
            const NAMES: [&str; 8] =
                ["normal", "lognormal", "uniform", "triangular", "pert", "beta", "bernoulli", "discrete"];
            let hint = crate::suggest::did_you_mean(other, NAMES);
            return Err(ParamError(format!(
                "unknown distribution {}{hint}; expected {FAMILIES}",
                crate::error::quoted(other)
            )));
        }
    };
    Ok(dist)
}

/// Reads numbers, remembering whether a value was a percent.
#[derive(Default)]
struct Reader {
    percent: bool,
}

impl Reader {
    /// A number in the field's unit: a percent counts.
    fn value(&mut self, text: &str, what: &str) -> Result<f64, ParamError> {
        let l = literal_arg(text, what)?;
        self.percent |= l.percent;
        Ok(l.value)
    }

    /// A probability: a percent is read but does not count.
    fn probability(&mut self, text: &str, what: &str) -> Result<f64, ParamError> {
        literal_arg(text, what).map(|l| l.value)
    }
}

/// A parameter that is not in any unit a percent could express.
fn plain(text: &str, what: &str, family: &str, why: &str) -> Result<f64, ParamError> {
    let l = literal_arg(text, what)?;
    if l.percent {
        return Err(ParamError(format!(
            "{family}: {what} {} cannot be a percent ({why})",
            crate::error::quoted(text.trim())
        )));
    }
    Ok(l.value)
}

fn literal_arg(text: &str, what: &str) -> Result<Literal, ParamError> {
    literal(text).ok_or_else(|| ParamError(format!("{what} {} is not a number", crate::error::quoted(text.trim()))))
}

/// A number, or a percent: a number followed by one `%` (spaces allowed
/// before it, as in `"25 %"`). `"%"` alone and `"5%%"` are not numbers.
pub fn literal(text: &str) -> Option<Literal> {
    let t = text.trim();
    match t.strip_suffix('%') {
        None => number(t).map(|value| Literal { value, percent: false }),
        Some(digits) => {
            number(digits)?;
            percent_value(digits.trim()).map(|value| Literal { value, percent: true })
        }
    }
}

/// `digits` / 100, read as a decimal: the exponent is lowered by 2 so that
/// the one rounding is that of reading the number.
fn percent_value(digits: &str) -> Option<f64> {
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    let (mantissa, exponent) = match cleaned.find(['e', 'E']) {
        Some(at) => (&cleaned[..at], cleaned[at + 1..].parse::<i64>().ok()?),
        None => (cleaned.as_str(), 0),
    };
    format!("{mantissa}e{}", exponent - 2).parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A finite decimal number, with `_` digit separators as TOML allows.
pub fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E' | '_')) {
        return None;
    }
    if t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let cleaned: String = t.chars().filter(|&c| c != '_').collect();
    cleaned.parse::<f64>().ok().filter(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_accept_separators_and_signs() {
        assert_eq!(parse("8.5").unwrap(), Dist::Constant(8.5));
        assert_eq!(parse(" 120_000 ").unwrap(), Dist::Constant(120_000.0));
        assert_eq!(parse("-0.002").unwrap(), Dist::Constant(-0.002));
        assert_eq!(parse("1e3").unwrap(), Dist::Constant(1000.0));
        assert!(parse("1__000").is_err());
        assert!(parse("inf").is_err());
        assert!(parse("NaN").is_err());
    }

    #[test]
    fn families_parse_with_their_parameters() {
        let Dist::Normal(n) = parse("normal(0.004, 0.002)").unwrap() else { panic!() };
        assert_eq!((n.mean(), n.sd()), (0.004, 0.002));
        let Dist::Pert(p) = parse("PERT(150_000, 200_000, 320_000)").unwrap() else { panic!() };
        assert_eq!(p.bounds(), (150_000.0, 320_000.0));
        assert!(matches!(parse("2 to 8").unwrap(), Dist::LogNormal(_)));
        let Dist::Discrete(d) = parse("discrete(3: 0.5, 1: 0.25, 2: 0.25)").unwrap() else { panic!() };
        assert_eq!(d.values(), &[1.0, 2.0, 3.0]);
    }

    #[test]
    fn percent_literals_are_hundredths() {
        let pc = |t: &str| {
            let p = parse_expr(t).unwrap_or_else(|e| panic!("{t}: {e}"));
            assert!(p.percent, "{t} is a percent");
            p.dist.constant_value().unwrap()
        };
        assert_eq!(pc("25%"), 0.25);
        // One rounding, that of reading the decimal: "7%" is 0.07, which is
        // also 7.0 / 100.0; "33.3%" is 0.333, not 33.3 / 100.0.
        assert_eq!(pc("7%"), 0.07);
        assert_eq!(pc("7%"), 7.0 / 100.0);
        assert_eq!(pc("33.3%"), 0.333);
        assert_ne!(0.333, 33.3 / 100.0);
        assert_eq!(pc("0.4%"), 0.004);
        assert_eq!(pc("3.5%"), 0.035);
        assert_eq!(pc("-0.2%"), -0.002);
        assert_eq!(pc("+5%"), 0.05);
        assert_eq!(pc("0%"), 0.0);
        assert_eq!(pc("100%"), 1.0);
        assert_eq!(pc("1_000%"), 10.0);
        assert_eq!(pc("2.5e1%"), 0.25);
        assert_eq!(pc("2500e-2%"), 0.25);
        assert_eq!(pc(" 25 % "), 0.25);
        assert!(!parse_expr("0.25").unwrap().percent);
        assert_eq!(literal("12.5%"), Some(Literal { value: 0.125, percent: true }));
        assert_eq!(literal("12.5"), Some(Literal { value: 12.5, percent: false }));
    }

    #[test]
    fn every_family_reads_percent_values() {
        let parsed = |t: &str| parse_expr(t).unwrap_or_else(|e| panic!("{t}: {e}"));
        let p = parsed("normal(0.4%, 0.2%)");
        let Dist::Normal(n) = p.dist else { panic!() };
        assert_eq!((n.mean(), n.sd(), p.percent), (0.004, 0.002, true));
        let p = parsed("uniform(2%, 6%)");
        assert_eq!((p.dist.quantile(0.0), p.dist.quantile(1.0), p.percent), (0.02, 0.06, true));
        let p = parsed("triangular( 10% , 25%,40% )");
        assert_eq!(p.dist, parse("triangular(0.1, 0.25, 0.4)").unwrap());
        assert!(p.percent);
        let p = parsed("PERT(10 %, 25 %, 40 %)");
        assert_eq!(p.dist, parse("pert(0.1, 0.25, 0.4)").unwrap());
        assert!(p.percent);
        let p = parsed("2% to 8%");
        assert_eq!(p.dist, Dist::LogNormal(LogNormal::from_90_interval(0.02, 0.08).unwrap()));
        assert!(p.percent);
        let p = parsed("discrete(0%: 0.5, 10%: 0.5)");
        assert_eq!(p.dist, parse("discrete(0: 0.5, 0.1: 0.5)").unwrap());
        assert!(p.percent);
        // Probabilities may be percents; they are not values of the field.
        let p = parsed("discrete(100: 50%, 200: 50%)");
        assert_eq!(p.dist, parse("discrete(100: 0.5, 200: 0.5)").unwrap());
        assert!(!p.percent);
        let p = parsed("bernoulli(30%)");
        assert_eq!((p.dist.clone(), p.percent), (Dist::Bernoulli(Bernoulli::new(0.3).unwrap()), false));
        // A percent among plain numbers still counts.
        assert!(parsed("uniform(0, 5%)").percent);
        // Negative percents, for growth.
        let p = parsed("normal(-0.5%, 0.25%)");
        assert_eq!(p.dist, parse("normal(-0.005, 0.0025)").unwrap());
        assert!(parsed("uniform(-1_0%, 1_0%)").percent);
    }

    #[test]
    fn malformed_percents_are_refused() {
        for (expr, needle) in [
            ("%", "a percent is a number followed by one %"),
            ("5%%", "a percent is a number followed by one %"),
            ("%5", "a percent is a number followed by one %"),
            ("5%5", "a percent is a number followed by one %"),
            ("normal(5%%, 1%)", "argument 1 \"5%%\" is not a number"),
            ("uniform(%, 1)", "argument 1 \"%\" is not a number"),
            ("discrete(1%%: 1)", "value \"1%%\" is not a number"),
            ("lognormal(1%, 0.5)", "lognormal: argument 1 \"1%\" cannot be a percent"),
            ("beta(2, 30%)", "beta: argument 2 \"30%\" cannot be a percent"),
            ("_5%", "a percent is a number followed by one %"),
        ] {
            let err = parse(expr).expect_err(expr).0;
            assert!(err.contains(needle), "{expr}: {err}");
        }
    }

    #[test]
    fn values_rewrite_as_percents() {
        for (expr, want) in [
            ("25", Some("25%")),
            ("triangular(10, 25, 40)", Some("triangular(10%, 25%, 40%)")),
            ("PERT( 10 , 25 , 40 )", Some("pert(10%, 25%, 40%)")),
            ("normal(20, 5)", Some("normal(20%, 5%)")),
            ("uniform(2, 6)", Some("uniform(2%, 6%)")),
            ("10 to 40", Some("10% to 40%")),
            ("discrete(0: 0.5, 10: 0.5)", Some("discrete(0%: 0.5, 10%: 0.5)")),
            ("triangular(10%, 25%, 40%)", None),
            ("beta(2, 3)", None),
            ("bernoulli(0.5)", None),
            ("lognormal(1, 0.5)", None),
            ("pert(6, 13, 12)", None),
        ] {
            assert_eq!(as_percents(expr).as_deref(), want, "{expr}");
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        for (expr, needle) in [
            ("normal(1, -1)", "sd must be >= 0"),
            ("triangular(1, 0, 2)", "mode must lie between"),
            ("pert(5, 5, 5)", "max must be > min"),
            ("uniform(2, 1)", "max must be > min"),
            ("bernoulli(1.5)", "p must lie in [0, 1]"),
            ("beta(0, 1)", "must be at least 1e-6"),
            ("3 to 2", "high must be > low"),
            ("0 to 2", "low must be > 0"),
            ("discrete(1: 0.5, 2: 0.4)", "sum to 1"),
            ("discrete(1 0.5)", "value: probability"),
            ("normal(1)", "takes 2 arguments"),
            ("gamma(1, 2)", "unknown distribution"),
            ("normall(1, 2)", "unknown distribution \"normall\" (did you mean \"normal\"?)"),
            ("trianglar(1, 2, 3)", "unknown distribution \"trianglar\" (did you mean \"triangular\"?)"),
            ("normal(1, x)", "is not a number"),
            ("normal(1, 2", "closing parenthesis"),
            ("lots", "cannot read"),
        ] {
            let err = parse(expr).expect_err(expr).0;
            assert!(err.contains(needle), "{expr}: {err}");
        }
    }
}
