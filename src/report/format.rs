//! Numbers and text for people, one way everywhere: the page, the charts
//! and the workbook write the same amount the same way ("$12.3M", "-€450k",
//! "CHF 1.23M"), the same probability the same way ("87%", "99.8%"), and
//! guard text that a spreadsheet would run as a formula the same way.

/// The symbol of a common currency code; other codes are written out.
pub fn currency_symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        "INR" => Some("₹"),
        _ => None,
    }
}

/// How an axis or a column names the currency: its symbol, else its code.
pub fn currency_unit(currency: &str) -> &str {
    currency_symbol(currency).unwrap_or(currency)
}

/// What stands for a number that is not one (an empty statistic).
pub const NOT_A_NUMBER: &str = "–";

/// `value` rounded to `decimals` places, thousands grouped with `,`:
/// `grouped(-1234567.8, 1)` is `-1,234,567.8`.
pub fn grouped(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return NOT_A_NUMBER.to_owned();
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

/// 1234567.8 -> "1,234,568".
pub fn thousands(x: f64) -> String {
    grouped(x, 0)
}

/// A quantity in short form: `950`, `9.50k`, `450k`, `1.23M`, `12.3M`,
/// `1.23B`. Three significant digits, so neighbouring values on a chart
/// stay apart and a table's figures line up.
pub fn short(value: f64) -> String {
    let a = value.abs();
    if !a.is_finite() {
        return NOT_A_NUMBER.to_owned();
    }
    let scaled = |divisor: f64, suffix: &str| {
        let x = value / divisor;
        let decimals = if x.abs() < 9.995 {
            2
        } else if x.abs() < 99.95 {
            1
        } else {
            0
        };
        format!("{}{suffix}", grouped(x, decimals))
    };
    if a < 999.5 {
        grouped(value, 0)
    } else if a < 999_500.0 {
        scaled(1e3, "k")
    } else if a < 999_500_000.0 {
        scaled(1e6, "M")
    } else {
        scaled(1e9, "B")
    }
}

/// Money in full: "$1,234,568", "-€1,500", "CHF 1,500".
pub fn money(x: f64, currency: &str) -> String {
    with_currency(&thousands(x), currency)
}

/// Money in short: "$12.3M", "$845k", "-£45.6k", "CHF 1.23M".
pub fn money_short(x: f64, currency: &str) -> String {
    with_currency(&short(x), currency)
}

/// Amounts side by side in one unit (k, M or B, from the largest), with
/// one decimal below 100 in that unit (two where one would show a nonzero
/// amount as 0.0): "0.4", "1.1" and "0.6" of "M" for 0.4M, 1.1M and 0.6M.
fn in_one_unit(values: &[f64]) -> (Vec<String>, &'static str) {
    let top = values.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let (divisor, suffix) = if top >= 999_500_000.0 {
        (1e9, "B")
    } else if top >= 999_500.0 {
        (1e6, "M")
    } else if top >= 999.5 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let decimals = if divisor == 1.0 || top / divisor >= 99.95 {
        0
    } else if values.iter().any(|&x| x != 0.0 && (x / divisor).abs() < 0.05) {
        2
    } else {
        1
    };
    (values.iter().map(|&x| grouped(x / divisor, decimals)).collect(), suffix)
}

/// A P10 to P90 range in short: "€0.4–1.1M", or "-€0.2M to €1.1M" when
/// it spans zero or is negative (a dash between signed amounts misreads);
/// one amount when both ends are the same.
pub fn range(p10: f64, p90: f64, currency: &str) -> String {
    if !p10.is_finite() || !p90.is_finite() {
        return NOT_A_NUMBER.to_owned();
    }
    let (shown, suffix) = in_one_unit(&[p10, p90]);
    if shown[0] == shown[1] {
        return with_currency(&format!("{}{suffix}", shown[0]), currency);
    }
    range_in(&shown, suffix, p10 < 0.0 || p90 < 0.0, currency)
}

/// A P10 to P90 range and the P50, for a table a finance partner reads:
/// "€0.4–1.1M, likely €0.6M"; one amount when the three are the same.
pub fn range_likely(p10: f64, p50: f64, p90: f64, currency: &str) -> String {
    if !p50.is_finite() {
        return NOT_A_NUMBER.to_owned();
    }
    let (shown, suffix) = in_one_unit(&[p10, p50, p90]);
    let likely = with_currency(&format!("{}{suffix}", shown[1]), currency);
    if shown[0] == shown[2] {
        return likely;
    }
    // The range in the unit of all three, so its ends and the P50 read alike.
    let span = range_in(&shown, suffix, p10 < 0.0 || p90 < 0.0, currency);
    format!("{span}, likely {likely}")
}

/// [`range`] of amounts already written in one unit.
fn range_in(shown: &[String], suffix: &str, signed: bool, currency: &str) -> String {
    let (lo, hi) = (&shown[0], &shown[shown.len() - 1]);
    if signed {
        let end = |x: &str| with_currency(&format!("{x}{suffix}"), currency);
        format!("{} to {}", end(lo), end(hi))
    } else {
        with_currency(&format!("{lo}–{hi}{suffix}"), currency)
    }
}

/// An uncertain share as a range and its P50: "2–7%, likely 4%"; just
/// "4%" when the three read the same.
pub fn percent_range(p10: f64, p50: f64, p90: f64) -> String {
    let (lo, mid, hi) = (percent(p10), percent(p50), percent(p90));
    if lo == hi {
        return mid;
    }
    format!("{}–{hi}, likely {mid}", lo.trim_end_matches('%'))
}

/// An uncertain count as a range and its P50: "30.2k–45.1k, likely 38.0k".
pub fn count_range(p10: f64, p50: f64, p90: f64) -> String {
    let (lo, mid, hi) = (short(p10), short(p50), short(p90));
    if lo == hi {
        return mid;
    }
    format!("{lo}–{hi}, likely {mid}")
}

/// The currency before the amount, the sign before both: "-$1.2M",
/// "CHF -1.2M" would read as a code with a negative number, so "-CHF 1.2M".
fn with_currency(amount: &str, currency: &str) -> String {
    if amount == NOT_A_NUMBER {
        return amount.to_owned();
    }
    let (minus, body) = amount.strip_prefix('-').map_or(("", amount), |body| ("-", body));
    match currency_symbol(currency) {
        Some(symbol) => format!("{minus}{symbol}{body}"),
        None if currency.is_empty() => format!("{minus}{body}"),
        None => format!("{minus}{currency} {body}"),
    }
}

/// A probability or share as a percent: whole between 5% and 95% ("87%"),
/// with a decimal nearer the ends ("99.8%", "1.2%"), and never a rounded
/// "0.0%" or "100.0%" that is not quite true ("<0.1%", ">99.9%").
pub fn percent(p: f64) -> String {
    if !p.is_finite() {
        return NOT_A_NUMBER.to_owned();
    }
    let x = p * 100.0;
    if (x - x.round()).abs() < 1e-9 || (5.0..=95.0).contains(&x) {
        format!("{x:.0}%")
    } else if x > 0.0 && x < 0.05 {
        "<0.1%".to_owned()
    } else if (99.95..100.0).contains(&x) {
        ">99.9%".to_owned()
    } else {
        format!("{x:.1}%")
    }
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

/// Would a spreadsheet take this text for a formula? Cells that begin with
/// `=`, `+`, `-` or `@` are run (spec section 9); so are tabs and carriage
/// returns at the start in some spreadsheets.
pub fn looks_like_formula(text: &str) -> bool {
    matches!(text.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_counts_read_as_ranges() {
        assert_eq!(percent_range(0.02, 0.043, 0.07), "2–7%, likely 4.3%");
        assert_eq!(percent_range(0.25, 0.25, 0.25), "25%");
        assert_eq!(count_range(30_200.0, 38_000.0, 45_100.0), "30.2k–45.1k, likely 38.0k");
    }

    #[test]
    fn grouping() {
        assert_eq!(grouped(0.0, 0), "0");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(1000.0, 0), "1,000");
        assert_eq!(grouped(-1234567.84, 1), "-1,234,567.8");
        assert_eq!(grouped(-0.01, 1), "0.0");
        assert_eq!(grouped(f64::NAN, 0), "–");
        assert_eq!(thousands(1234567.8), "1,234,568");
        assert_eq!(thousands(-999.4), "-999");
    }

    #[test]
    fn short_forms_keep_three_significant_digits() {
        assert_eq!(short(950.0), "950");
        assert_eq!(short(9_500.0), "9.50k");
        assert_eq!(short(45_000.0), "45.0k");
        assert_eq!(short(450_000.0), "450k");
        assert_eq!(short(999_700.0), "1.00M");
        assert_eq!(short(12_345_678.0), "12.3M");
        assert_eq!(short(1_234_500_000.0), "1.23B");
        assert_eq!(short(-450_000.0), "-450k");
        assert_eq!(short(f64::INFINITY), "–");
    }

    #[test]
    fn money_reads_like_a_finance_pack() {
        assert_eq!(money(9_896_650.9, "USD"), "$9,896,651");
        assert_eq!(money(-1500.0, "EUR"), "-€1,500");
        assert_eq!(money(1500.0, "CHF"), "CHF 1,500");
        assert_eq!(money_short(9_896_650.9, "USD"), "$9.90M");
        assert_eq!(money_short(12_345_678.0, "EUR"), "€12.3M");
        assert_eq!(money_short(845_300.0, "USD"), "$845k");
        assert_eq!(money_short(-2_500_000_000.0, "USD"), "-$2.50B");
        assert_eq!(money_short(-45_600.0, "GBP"), "-£45.6k");
        assert_eq!(money_short(-1_234_000.0, "CHF"), "-CHF 1.23M");
        assert_eq!(money_short(5.0, ""), "5");
        assert_eq!(money_short(f64::NAN, "USD"), "–");
    }

    #[test]
    fn ranges_read_in_one_unit() {
        assert_eq!(range_likely(400_000.0, 600_000.0, 1_100_000.0, "EUR"), "€0.4–1.1M, likely €0.6M");
        assert_eq!(range_likely(120_000.0, 250_000.0, 450_000.0, "USD"), "$120–450k, likely $250k");
        assert_eq!(range_likely(12_300_000.0, 20_000_000.0, 45_600_000.0, "GBP"), "£12.3–45.6M, likely £20.0M");
        assert_eq!(range_likely(-200_000.0, 300_000.0, 1_100_000.0, "USD"), "-$0.2M to $1.1M, likely $0.3M");
        assert_eq!(range_likely(30_000.0, 500_000.0, 1_100_000.0, "CHF"), "CHF 0.03–1.10M, likely CHF 0.50M");
        assert_eq!(range_likely(120_000.0, 120_000.0, 120_000.0, "USD"), "$120k", "a constant is one amount");
        assert_eq!(range_likely(0.0, 0.0, 0.0, "USD"), "$0");
        assert_eq!(range_likely(f64::NAN, f64::NAN, f64::NAN, "USD"), "–");
        assert_eq!(range(400_000.0, 1_100_000.0, "EUR"), "€0.4–1.1M");
        assert_eq!(range(-50_000.0, -10_000.0, "USD"), "-$50.0k to -$10.0k");
        assert_eq!(range(0.0, 0.0, "USD"), "$0");
        assert_eq!(range(f64::NAN, 1.0, "USD"), "–");
    }

    #[test]
    fn percentages_keep_a_decimal_near_the_ends_and_never_round_to_a_certainty() {
        assert_eq!(percent(0.8731), "87%");
        assert_eq!(percent(0.4249), "42%");
        assert_eq!(percent(0.998185), "99.8%");
        assert_eq!(percent(0.02), "2%");
        assert_eq!(percent(0.0123), "1.2%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.0001), "<0.1%");
        assert_eq!(percent(0.99996), ">99.9%");
        assert_eq!(percent(f64::NAN), "–");
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
    fn shortening() {
        assert_eq!(shorten("chatbot", 10), "chatbot");
        assert_eq!(shorten("Knowledge base revamp", 10), "Knowledge…");
        assert_eq!(shorten("a\u{1}b", 10), "ab");
        assert_eq!(printable("a\u{0}b\nc"), "abc");
    }

    #[test]
    fn formulas_are_recognised_by_their_first_character() {
        for text in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(looks_like_formula(text), "{text:?}");
        }
        for text in ["chatbot", "1-2", " =1", ""] {
            assert!(!looks_like_formula(text), "{text:?}");
        }
    }
}
