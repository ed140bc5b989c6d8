//! Distribution expressions (spec section 2): `8.5`, `"8.5"`,
//! `"normal(0.004, 0.002)"`, `"2 to 8"`, `"pert(6, 8, 12)"`,
//! `"discrete(0: 0.2, 1: 0.8)"`, ...

use super::{Bernoulli, Beta, Discrete, Dist, LogNormal, Normal, ParamError, Pert, Triangular, Uniform};

const FAMILIES: &str = "a number, \"low to high\", normal(mean, sd), lognormal(mu, sigma), uniform(min, max), \
triangular(min, mode, max), pert(min, mode, max), beta(a, b), bernoulli(p) or discrete(v1: p1, v2: p2, ...)";

/// Parse one distribution expression.
///
/// # Example
/// ```
/// use costcast::dist::{parse, Dist};
/// assert_eq!(parse("120_000").unwrap(), Dist::Constant(120_000.0));
/// assert!(matches!(parse("pert(6, 8, 12)").unwrap(), Dist::Pert(_)));
/// assert!(parse("pert(6, 13, 12)").is_err());
/// ```
pub fn parse(text: &str) -> Result<Dist, ParamError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(ParamError(format!("empty expression; expected {FAMILIES}")));
    }
    if let Some(x) = number(s) {
        return Ok(Dist::Constant(x));
    }
    if let Some((low, high)) = s.split_once(" to ") {
        let (low, high) = (num_arg(low, "low")?, num_arg(high, "high")?);
        return Ok(Dist::LogNormal(LogNormal::from_90_interval(low, high)?));
    }
    let Some(open) = s.find('(') else {
        return Err(ParamError(format!("cannot read \"{s}\"; expected {FAMILIES}")));
    };
    if !s.ends_with(')') {
        return Err(ParamError(format!("\"{s}\" has no closing parenthesis")));
    }
    let name = s[..open].trim().to_ascii_lowercase();
    let inner = &s[open + 1..s.len() - 1];
    if name == "discrete" {
        return discrete(inner);
    }
    let args: Vec<f64> = inner
        .split(',')
        .enumerate()
        .map(|(i, a)| num_arg(a, &format!("argument {}", i + 1)))
        .collect::<Result<_, _>>()?;
    let want = |n: usize| -> Result<(), ParamError> {
        if args.len() == n {
            Ok(())
        } else {
            Err(ParamError(format!("{name} takes {n} arguments, got {}", args.len())))
        }
    };
    let dist = match name.as_str() {
        "normal" => {
            want(2)?;
            Dist::Normal(Normal::new(args[0], args[1])?)
        }
        "lognormal" => {
            want(2)?;
            Dist::LogNormal(LogNormal::new(args[0], args[1])?)
        }
        "uniform" => {
            want(2)?;
            Dist::Uniform(Uniform::new(args[0], args[1])?)
        }
        "triangular" => {
            want(3)?;
            Dist::Triangular(Triangular::new(args[0], args[1], args[2])?)
        }
        "pert" => {
            want(3)?;
            Dist::Pert(Pert::new(args[0], args[1], args[2])?)
        }
        "beta" => {
            want(2)?;
            Dist::Beta(Beta::new(args[0], args[1])?)
        }
        "bernoulli" => {
            want(1)?;
            Dist::Bernoulli(Bernoulli::new(args[0])?)
        }
        other => {
            return Err(ParamError(format!("unknown distribution \"{other}\"; expected {FAMILIES}")));
        }
    };
    Ok(dist)
}

fn discrete(inner: &str) -> Result<Dist, ParamError> {
    let mut pairs = Vec::new();
    for (i, item) in inner.split(',').enumerate() {
        let Some((v, p)) = item.split_once(':') else {
            return Err(ParamError(format!(
                "discrete: entry {} \"{}\" must be value: probability",
                i + 1,
                item.trim()
            )));
        };
        pairs.push((num_arg(v, "value")?, num_arg(p, "probability")?));
    }
    Ok(Dist::Discrete(Discrete::new(&pairs)?))
}

fn num_arg(text: &str, what: &str) -> Result<f64, ParamError> {
    number(text.trim()).ok_or_else(|| ParamError(format!("{what} \"{}\" is not a number", text.trim())))
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
    fn bad_parameters_are_named() {
        for (expr, needle) in [
            ("normal(1, -1)", "sd must be >= 0"),
            ("triangular(1, 0, 2)", "mode must lie between"),
            ("pert(5, 5, 5)", "max must be > min"),
            ("uniform(2, 1)", "max must be > min"),
            ("bernoulli(1.5)", "p must lie in [0, 1]"),
            ("beta(0, 1)", "must be > 0"),
            ("3 to 2", "high must be > low"),
            ("0 to 2", "low must be > 0"),
            ("discrete(1: 0.5, 2: 0.4)", "sum to 1"),
            ("discrete(1 0.5)", "value: probability"),
            ("normal(1)", "takes 2 arguments"),
            ("gamma(1, 2)", "unknown distribution"),
            ("normal(1, x)", "is not a number"),
            ("normal(1, 2", "closing parenthesis"),
            ("lots", "cannot read"),
        ] {
            let err = parse(expr).expect_err(expr).0;
            assert!(err.contains(needle), "{expr}: {err}");
        }
    }
}
