//! Each rule just inside and just outside its threshold, the messages'
//! readings, and the rules located in a model file.

use super::*;
use crate::dist::parse;

fn constant(x: f64) -> Dist {
    Dist::Constant(x)
}

/// A rule's input as a TOML number or an expression would give it.
fn input<'a>(name: &'a str, written: &'a str, dist: &'a Dist) -> Input<'a> {
    Input { name, written, dist, domain: Domain::Unbounded }
}

/// The rule's verdict on a constant written as `x`.
fn on_constant(rule: fn(Input<'_>) -> Option<String>, name: &str, x: f64) -> Option<String> {
    let dist = constant(x);
    let written = format!("{x}");
    rule(input(name, &written, &dist))
}

#[test]
fn growth_median_threshold() {
    assert_eq!(on_constant(growth, "growth", 0.05), None);
    assert_eq!(on_constant(growth, "growth", -0.05), None);
    assert!(on_constant(growth, "growth", 0.0501).is_some());
    assert!(on_constant(growth, "growth", -0.0501).is_some());
}

#[test]
fn growth_written_in_percent_says_what_was_meant() {
    assert_eq!(
        on_constant(growth, "growth", 1.0).unwrap(),
        "growth = 1 is 100% a month; monthly growth is usually within ±5%: for 1% a month write 0.01 or \"1%\""
    );
    // Below 100% a month it may also be a year's growth.
    assert_eq!(
        on_constant(growth, "growth", 0.12).unwrap(),
        "growth = 0.12 is 12% a month; monthly growth is usually within ±5%: for 12% a year write 0.00949 (the \
         monthly rate), or for 0.12% a month write 0.0012 or \"0.12%\""
    );
}

#[test]
fn growth_distribution_is_judged_by_its_median() {
    // Median 1%, P5 and P95 well inside.
    let fine = parse("normal(0.01, 0.005)").unwrap();
    assert_eq!(growth(input("growth", "normal(0.01, 0.005)", &fine)), None);
    let percent = parse("normal(1, 0.5)").unwrap();
    let message = growth(input("growth", "normal(1, 0.5)", &percent)).unwrap();
    assert!(message.starts_with("growth = \"normal(1, 0.5)\" has a median of 100% a month;"), "{message}");
    assert!(message.contains("divide them by 100"), "{message}");
}

#[test]
fn growth_tails_threshold_names_the_tail() {
    // P95 = 1.645 sd: 0.12 gives 19.7%, 0.1225 gives 20.1%.
    let inside = parse("normal(0, 0.12)").unwrap();
    assert_eq!(growth(input("growth", "normal(0, 0.12)", &inside)), None);
    let outside = parse("normal(0, 0.1225)").unwrap();
    let message = growth(input("growth", "normal(0, 0.1225)", &outside)).unwrap();
    assert!(message.contains("its P5 is -20.1% a month and its P95 is 20.1% a month"), "{message}");
    // Only the upper tail out: only the P95 named.
    let upper = parse("uniform(-0.17, 0.25)").unwrap();
    let message = growth(input("growth", "uniform(-0.17, 0.25)", &upper)).unwrap();
    assert!(message.contains(": its P95 is 22.9% a month;") && !message.contains("P5"), "{message}");
}

#[test]
fn inflation_threshold() {
    assert_eq!(on_constant(inflation, "inflation", 0.25), None);
    assert_eq!(on_constant(inflation, "inflation", -0.25), None);
    assert!(on_constant(inflation, "inflation", 0.2501).is_some());
    assert_eq!(
        on_constant(inflation, "inflation", 3.0).unwrap(),
        "inflation = 3 is 300% a year; annual cost inflation is usually within ±25%: for 3% a year write 0.03 or \"3%\""
    );
}

#[test]
fn discount_rate_threshold() {
    assert_eq!(on_constant(discount_rate, "discount_rate", 0.30), None);
    assert!(on_constant(discount_rate, "discount_rate", 0.3001).is_some());
    assert!(on_constant(discount_rate, "discount_rate", -0.3001).is_some());
    assert_eq!(
        on_constant(discount_rate, "discount_rate", 9.0).unwrap(),
        "discount_rate = 9 is 900% a year; a discount rate is usually within ±30%: for 9% a year write 0.09 or \"9%\""
    );
}

#[test]
fn a_value_written_with_percent_gets_no_divide_by_100_hint() {
    let dist = constant(0.5);
    let message = discount_rate(input("discount_rate", "50%", &dist)).unwrap();
    assert_eq!(message, "discount_rate = \"50%\" is 50% a year; a discount rate is usually within ±30%");
}

#[test]
fn noise_threshold() {
    assert_eq!(noise(0.5), None);
    assert!(noise(0.5001).is_some());
    assert_eq!(
        noise(5.0).unwrap(),
        "noise = 5 is a month-to-month variation of 500%; noise is a coefficient of variation, usually below 0.5: \
         for 5% write 0.05 or \"5%\""
    );
}

#[test]
fn cost_per_contact_threshold() {
    let cost = |x: f64, currency: &str| {
        let dist = constant(x);
        let written = format!("{x}");
        let v = Input { name: "cost_per_contact", written: &written, dist: &dist, domain: Domain::NonNegative };
        cost_per_contact(v, currency)
    };
    assert_eq!(cost(500.0, "USD"), None);
    let message = cost(500.01, "EUR").unwrap();
    assert!(message.starts_with("cost_per_contact = 500.01 is €500 a contact; a contact rarely costs more than €500"));
    let message = cost(800.0, "CHF").unwrap();
    assert!(message.contains("in CHF, not in cents (for 800 cents write 8)"), "{message}");
}

#[test]
fn aht_threshold() {
    assert_eq!(on_constant(aht, "aht_seconds", 7200.0), None);
    assert_eq!(
        on_constant(aht, "aht_seconds", 7201.0).unwrap(),
        "aht_seconds = 7201 is 2 hours a contact; a handle time is rarely above 2 hours: give it in seconds \
         (6 minutes is 360); if it is in milliseconds, write 7.201"
    );
    let hours = parse("pert(30_000, 36_000, 48_000)").unwrap();
    let message = aht(input("aht_seconds", "pert(30_000, 36_000, 48_000)", &hours)).unwrap();
    assert!(message.starts_with("aht_seconds = \"pert(30_000, 36_000, 48_000)\" has a median of 10."), "{message}");
}

fn budgeted(budget: f64, estimate: f64) -> Option<String> {
    budget_rule(&Budgeted {
        label: "FY2027".into(),
        months: None,
        budget,
        estimate,
        largest: Some(("phone", estimate * 0.6)),
        currency: "USD",
    })
}

#[test]
fn budget_ratio_thresholds() {
    let budget = 1_000_000.0;
    assert_eq!(budgeted(budget, 2_999_000.0), None);
    assert_eq!(budgeted(budget, budget / 2.99), None);
    let over = budgeted(budget, 3_001_000.0).unwrap();
    assert!(over.contains("costs $3.00M: 3 times its budget"), "{over}");
    let under = budgeted(budget, budget / 3.01).unwrap();
    assert!(under.contains("1/3 of its budget"), "{under}");
}

#[test]
fn budget_message_names_the_slip_and_the_largest_channel() {
    let message = budgeted(23_000_000.0, 2.3e17).unwrap();
    assert_eq!(
        message,
        "FY2027 is budgeted at $23.0M, but the baseline, estimated from the median inputs, costs 2.30e17 USD: \
         10,000,000,000 times its budget; a budget is usually within a factor of 3 of the cost it covers: check the \
         units of volume (contacts a month), cost_per_contact, fixed_monthly (a month) and the budget (the fiscal \
         year); phone costs most, 1.38e17 USD"
    );
    let partial = budget_rule(&Budgeted {
        label: "FY2027".into(),
        months: Some(4),
        budget: 1.0,
        estimate: 0.0,
        largest: None,
        currency: "USD",
    })
    .unwrap();
    assert!(partial.contains("median inputs, its 4 months in the horizon, costs $0: nothing"), "{partial}");
    assert!(budgeted(0.0, 10.0).unwrap().contains("against a budget of 0"));
    assert_eq!(budgeted(0.0, 0.0), None);
    assert_eq!(budgeted(1.0, f64::NAN), None);
    assert!(budgeted(1.0, f64::INFINITY).unwrap().contains("far beyond its budget"));
}

/// A model file's plausibility warnings, as `load_model` reports them.
fn model_warnings(model: &str) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.toml");
    std::fs::write(&path, model).unwrap();
    let checked = crate::validate::load_model(&path).unwrap_or_else(|e| panic!("{e}"));
    checked.warnings.into_iter().map(|w| w.0).collect()
}

const PLAUSIBLE: &str = "start = \"2027-01\"\nmonths = 12\ndiscount_rate = 0.08\nbudget = { FY2027 = 1_500_000 }\n\
[[channel]]\nid = \"phone\"\nvolume = 10_000\ngrowth = 0.01\nnoise = 0.05\ncost_per_contact = 10\ninflation = 0.03\n";

#[test]
fn a_plausible_model_has_no_warning() {
    assert_eq!(model_warnings(PLAUSIBLE), Vec::<Diagnostic>::new());
}

#[test]
fn each_slip_is_located_at_its_value() {
    let model = PLAUSIBLE
        .replace("discount_rate = 0.08", "discount_rate = 9")
        .replace("growth = 0.01", "growth = 1")
        .replace("noise = 0.05", "noise = 5")
        .replace("inflation = 0.03", "inflation = 3");
    let found = model_warnings(&model);
    let at: Vec<(&str, Option<usize>, Option<usize>)> =
        found.iter().map(|d| (d.field.as_str(), d.line, d.column)).collect();
    assert_eq!(
        at,
        [
            ("discount_rate", Some(3), Some(17)),
            ("channel \"phone\".growth", Some(8), Some(10)),
            ("channel \"phone\".noise", Some(9), Some(9)),
            ("channel \"phone\".inflation", Some(11), Some(13)),
            // growth = 1 doubles the volume every month: far over budget.
            ("budget.FY2027", Some(4), Some(21)),
        ]
    );
}

#[test]
fn budget_is_held_against_the_first_budgeted_year() {
    // The first fiscal year (2027, one month) has no budget: FY2028 is checked.
    let model = PLAUSIBLE
        .replace("start = \"2027-01\"", "start = \"2027-12\"")
        .replace("months = 12", "months = 13")
        .replace("FY2027 = 1_500_000", "FY2028 = 150_000");
    let found = model_warnings(&model);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "budget.FY2028");
    assert!(found[0].message.starts_with("FY2028 is budgeted at $150k, but the baseline"), "{}", found[0].message);
}

#[test]
fn staffed_aht_and_cost_per_contact_are_checked() {
    let model = PLAUSIBLE
        .replace("cost_per_contact = 10", "cost_per_contact = 900")
        .replace("budget = { FY2027 = 1_500_000 }\n", "")
        + "[channel.staffing]\naht_seconds = 9000\nopen_hours = 360\nservice_level = 0.8\nanswer_seconds = 20\n\
         paid_hours_per_fte = 160\ncost_per_fte = 6000\n";
    let found = model_warnings(&model);
    let fields: Vec<&str> = found.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["channel \"phone\".cost_per_contact", "channel \"phone\".staffing.aht_seconds"]);
}
