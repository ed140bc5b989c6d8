//! Numbers and names as chart labels: money in thousands or millions with
//! thousands separators, probabilities as whole percents, long names cut to
//! fit.

/// `value` rounded to `decimals` places, thousands grouped with `,`:
/// `grouped(-1234567.8, 1)` is `-1,234,567.8`.
pub fn grouped(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "n/a".to_owned();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(text.len() + text.len() / 3 + 1);
    // "-0" and "-0.0" read as zero.
    if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// A quantity in short form: `950`, `9.5k`, `450k`, `1.23M`, `12.3M`,
/// `1,234.5M`. Three significant digits or more, so neighbouring values
/// stay apart.
pub fn short(value: f64) -> String {
    let a = value.abs();
    if !a.is_finite() {
        return "n/a".to_owned();
    }
    if a < 999.5 {
        grouped(value, 0)
    } else if a < 9_995.0 {
        format!("{}k", grouped(value / 1e3, 2))
    } else if a < 99_950.0 {
        format!("{}k", grouped(value / 1e3, 1))
    } else if a < 999_500.0 {
        format!("{}k", grouped(value / 1e3, 0))
    } else if a < 9_995_000.0 {
        format!("{}M", grouped(value / 1e6, 2))
    } else {
        format!("{}M", grouped(value / 1e6, 1))
    }
}

/// An amount of money with its currency code: `USD 12.3M`, `EUR -450k`.
pub fn money(value: f64, currency: &str) -> String {
    if currency.is_empty() { short(value) } else { format!("{currency} {}", short(value)) }
}

/// Tick labels for one axis: every tick in the same unit (k or M) with the
/// decimals the tick spacing needs, so `1.5M, 2.0M, 2.5M` rather than a mix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ticks {
    divisor: f64,
    suffix: &'static str,
    decimals: usize,
}

impl Ticks {
    /// The unit for an axis spanning `lo..hi`.
    pub fn for_range(lo: f64, hi: f64) -> Ticks {
        let top = lo.abs().max(hi.abs());
        let (divisor, suffix) = if top >= 1e6 {
            (1e6, "M")
        } else if top >= 1e3 {
            (1e3, "k")
        } else {
            (1.0, "")
        };
        // About 5 to 10 ticks: a span of 3 units needs one decimal.
        let span = (hi - lo).abs() / divisor;
        let decimals = if span.is_nan() || span <= 0.0 || span >= 8.0 {
            0
        } else if span >= 0.8 {
            1
        } else {
            2
        };
        Ticks { divisor, suffix, decimals }
    }

    pub fn label(&self, value: f64) -> String {
        let v = value / self.divisor;
        // Ticks at zero read "0", not "0.0M".
        if v.abs() < 0.5 * 10f64.powi(-(self.decimals as i32)) {
            return "0".to_owned();
        }
        format!("{}{}", grouped(v, self.decimals), self.suffix)
    }
}

/// A probability as a whole percent; `<1%` and `>99%` rather than a
/// rounded 0% or 100% that is not quite true.
pub fn percent(p: f64) -> String {
    if !p.is_finite() {
        "n/a".to_owned()
    } else if p > 0.0 && p < 0.005 {
        "<1%".to_owned()
    } else if (0.995..1.0).contains(&p) {
        ">99%".to_owned()
    } else {
        format!("{:.0}%", p * 100.0)
    }
}

/// `text` without control characters: they are no text to draw, and
/// not allowed in SVG.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) { text.chars().filter(|c| !c.is_control()).collect() } else { text.into() }
}

/// `text` in at most `max` characters, the rest replaced by an ellipsis,
/// with control characters dropped (they are no text to draw, and not
/// allowed in SVG).
pub fn shorten(text: &str, max: usize) -> String {
    let clean: Vec<char> = text.chars().filter(|c| !c.is_control()).collect();
    if clean.len() <= max {
        clean.into_iter().collect()
    } else {
        let mut out: String = clean[..max.saturating_sub(1)].iter().collect::<String>().trim_end().to_owned();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping() {
        assert_eq!(grouped(0.0, 0), "0");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(1000.0, 0), "1,000");
        assert_eq!(grouped(-1234567.84, 1), "-1,234,567.8");
        assert_eq!(grouped(-0.01, 1), "0.0");
        assert_eq!(grouped(f64::NAN, 0), "n/a");
    }

    #[test]
    fn short_forms() {
        assert_eq!(short(950.0), "950");
        assert_eq!(short(9_500.0), "9.50k");
        assert_eq!(short(45_000.0), "45.0k");
        assert_eq!(short(450_000.0), "450k");
        assert_eq!(short(999_700.0), "1.00M");
        assert_eq!(short(12_345_678.0), "12.3M");
        assert_eq!(short(1_234_500_000.0), "1,234.5M");
        assert_eq!(short(-450_000.0), "-450k");
    }

    #[test]
    fn money_carries_the_currency() {
        assert_eq!(money(12_345_678.0, "USD"), "USD 12.3M");
        assert_eq!(money(-1_234.0, "EUR"), "EUR -1.23k");
        assert_eq!(money(5.0, ""), "5");
    }

    #[test]
    fn ticks_share_a_unit() {
        let t = Ticks::for_range(1_500_000.0, 2_500_000.0);
        assert_eq!(t.label(2_000_000.0), "2.0M");
        assert_eq!(t.label(0.0), "0");
        let t = Ticks::for_range(-2e6, 30e6);
        assert_eq!(t.label(25e6), "25M");
        assert_eq!(t.label(-2e6), "-2M");
        let t = Ticks::for_range(0.0, 800_000.0);
        assert_eq!(t.label(1_250_000.0), "1,250k");
        assert_eq!(Ticks::for_range(0.0, 0.0).label(0.0), "0");
    }

    #[test]
    fn percents() {
        assert_eq!(percent(0.873), "87%");
        assert_eq!(percent(0.001), "<1%");
        assert_eq!(percent(0.999), ">99%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn shortening() {
        assert_eq!(shorten("chatbot", 10), "chatbot");
        assert_eq!(shorten("Knowledge base revamp", 10), "Knowledge…");
        assert_eq!(shorten("a\u{1}b", 10), "ab");
        assert_eq!(printable("a\u{0}b\nc"), "abc");
    }
}
