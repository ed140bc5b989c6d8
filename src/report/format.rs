//! Numbers for people: money with thousands separators in the model's
//! currency, percentages. Used by the HTML page; chart labels have their own
//! short forms in `charts::format`.

/// Currency symbols for the common codes; other codes are written out.
fn symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        "INR" => Some("₹"),
        _ => None,
    }
}

/// 1234567.8 -> "1,234,568".
pub fn thousands(x: f64) -> String {
    if x.is_finite() { super::charts::format::grouped(x, 0) } else { "–".into() }
}

/// Money in full: "$1,234,568", "CHF 1,234,568".
pub fn money(x: f64, currency: &str) -> String {
    with_currency(&thousands(x), x, currency)
}

/// Money in short: "$12.3M", "$845k", "$950".
pub fn money_short(x: f64, currency: &str) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let a = x.abs();
    let body = if a >= 1e9 {
        format!("{:.2}B", a / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", a / 1e6)
    } else if a >= 1e4 {
        format!("{}k", thousands(a / 1e3))
    } else {
        thousands(a)
    };
    with_currency(&body, x.signum(), currency)
}

fn with_currency(body: &str, sign: f64, currency: &str) -> String {
    let body = body.trim_start_matches('-');
    let minus = if sign < 0.0 { "-" } else { "" };
    match symbol(currency) {
        Some(s) => format!("{minus}{s}{body}"),
        None => format!("{minus}{currency} {body}"),
    }
}

/// 0.8731 -> "87%"; small and large values keep a decimal ("99.8%").
pub fn percent(p: f64) -> String {
    if !p.is_finite() {
        return "–".into();
    }
    let x = p * 100.0;
    if (x - x.round()).abs() < 1e-9 || (5.0..=95.0).contains(&x) { format!("{:.0}%", x) } else { format!("{:.1}%", x) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_like_a_finance_pack() {
        assert_eq!(thousands(1234567.8), "1,234,568");
        assert_eq!(thousands(-999.4), "-999");
        assert_eq!(thousands(0.0), "0");
        assert_eq!(money(9_896_650.9, "USD"), "$9,896,651");
        assert_eq!(money(-1500.0, "EUR"), "-€1,500");
        assert_eq!(money(1500.0, "CHF"), "CHF 1,500");
        assert_eq!(money_short(9_896_650.9, "USD"), "$9.9M");
        assert_eq!(money_short(845_300.0, "USD"), "$845k");
        assert_eq!(money_short(-2_500_000_000.0, "USD"), "-$2.50B");
        assert_eq!(money_short(950.0, "GBP"), "£950");
    }

    #[test]
    fn percentages_keep_a_decimal_near_the_ends() {
        assert_eq!(percent(0.8731), "87%");
        assert_eq!(percent(0.998185), "99.8%");
        assert_eq!(percent(0.02), "2%");
        assert_eq!(percent(0.0123), "1.2%");
        assert_eq!(percent(1.0), "100%");
    }
}
